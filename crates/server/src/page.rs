//! The search page at `/`, rendered on the server through a compile-time
//! checked template (askama: the template is plain HTML beside the crate,
//! checked when the crate builds, and escapes every value unless told it is
//! already safe). It works without JavaScript, the URL carries the whole
//! state (so a results page can be bookmarked and shared), and it fits a
//! phone. Article text is always escaped; the only markup in titles and
//! snippets is the `<mark>` of [`crate::html::marked`].

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use xunwen_engine::search::Hit;
use xunwen_engine::{SearchResponse, Sort};

use crate::api::search_response;
use crate::html::{Markup, marked};
use crate::params::SearchParams;
use crate::present::summary;
use crate::state::AppState;
use crate::timeline::{Timeline, timeline};

/// The page's labels of the sorts.
pub(crate) const SORT_LABELS: [(Sort, &str); 4] = [
    (Sort::Relevance, "相关度"),
    (Sort::Newest, "最新"),
    (Sort::Oldest, "最早"),
    (Sort::Recent, "相关且较新"),
];

pub(crate) struct SortOption {
    pub(crate) value: &'static str,
    pub(crate) label: &'static str,
    pub(crate) selected: bool,
}

struct HitView {
    href: String,
    /// The stored copy on Xunwen's own article page, offered beside an
    /// original link (the title links there when there is none).
    archived: Option<String>,
    title_html: Markup,
    meta: String,
    snippet_html: Markup,
    reprints: Option<String>,
}

struct ResultsView {
    summary: String,
    feed: String,
    ignored: Vec<String>,
    clear_filters: Option<String>,
    hits: Vec<HitView>,
    nothing_found: bool,
    previous: Option<String>,
    next: Option<String>,
}

struct FacetLink {
    href: String,
    label: String,
    count: u64,
    active: bool,
}

struct FacetsView {
    sources: Vec<FacetLink>,
    years: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageView {
    q: String,
    sort_options: Vec<SortOption>,
    hidden: Vec<(&'static str, String)>,
    error: Option<String>,
    results: Option<ResultsView>,
    facets: Option<FacetsView>,
    timeline: Option<Timeline>,
}

/// The page's state as its URL holds it, to build links that change one part.
struct PageState {
    q: String,
    sort: String,
    source: String,
    from: String,
    to: String,
    size: String,
}

impl PageState {
    fn of(params: &SearchParams) -> PageState {
        let get = |v: &Option<String>| v.clone().unwrap_or_default();
        PageState {
            q: get(&params.q),
            sort: get(&params.sort),
            source: get(&params.source),
            from: get(&params.from),
            to: get(&params.to),
            size: get(&params.size),
        }
    }

    /// The Atom feed of this search: the same query and filters, newest first.
    fn feed(&self) -> String {
        link_to(
            "/feed.atom",
            &[
                ("q", &self.q),
                ("source", &self.source),
                ("from", &self.from),
                ("to", &self.to),
            ],
        )
    }

    /// A link to the page with this state, changed as given.
    fn link(&self, page: usize, source: Option<&str>, range: Option<(&str, &str)>) -> String {
        let page = page.to_string();
        let (from, to) = range.unwrap_or((&self.from, &self.to));
        link(&[
            ("q", &self.q),
            ("sort", &self.sort),
            ("source", source.unwrap_or(&self.source)),
            ("from", from),
            ("to", to),
            ("size", &self.size),
            ("page", if page == "1" { "" } else { &page }),
        ])
    }
}

/// `/?…` with the non-empty pairs, form-encoded.
fn link(pairs: &[(&str, &str)]) -> String {
    link_to("/", pairs)
}

/// `path?…` with the non-empty pairs, form-encoded.
pub(crate) fn link_to(path: &str, pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    if kept.is_empty() {
        return path.to_string();
    }
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

/// Xunwen's own page of the article with this id, its query's words marked.
pub(crate) fn article_href(id: &str, q: &str) -> String {
    link_to(
        &format!("/articles/{}", utf8_percent_encode(id, NON_ALPHANUMERIC)),
        &[("q", q)],
    )
}

/// The original page when the article names one on the web.
pub(crate) fn original_url(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(str::to_string)
}

fn hit_view(hit: &Hit, q: &str) -> HitView {
    let archived = article_href(&hit.id, q);
    let date = hit
        .published
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let meta: Vec<&str> = [hit.source.as_deref().unwrap_or(""), &date]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let original = original_url(hit.url.as_deref());
    HitView {
        href: original.clone().unwrap_or_else(|| archived.clone()),
        archived: original.is_some().then_some(archived),
        title_html: Markup(marked(&hit.title)),
        meta: meta.join(" · "),
        snippet_html: Markup(marked(&hit.snippet)),
        reprints: hit
            .duplicates
            .as_ref()
            .map(|d| format!("另有 {} 家媒体转载：{}", d.count, d.sources.join("、"))),
    }
}

fn results_view(response: &SearchResponse, state: &PageState) -> ResultsView {
    let filtered = !state.source.is_empty() || !state.from.is_empty() || !state.to.is_empty();
    ResultsView {
        summary: summary(response),
        feed: state.feed(),
        ignored: response.ignored.clone(),
        clear_filters: filtered.then(|| link(&[("q", &state.q), ("sort", &state.sort)])),
        hits: response
            .hits
            .iter()
            .map(|hit| hit_view(hit, &state.q))
            .collect(),
        nothing_found: response.hits.is_empty() && !response.query.trim().is_empty(),
        previous: (response.page > 1).then(|| state.link(response.page - 1, None, None)),
        next: (response.page < response.last_page() && !response.hits.is_empty())
            .then(|| state.link(response.page + 1, None, None)),
    }
}

fn facets_view(response: &SearchResponse, state: &PageState) -> Option<FacetsView> {
    let facets = response.facets.as_ref()?;
    let sources = facets
        .source
        .iter()
        .map(|value| {
            let active = value.value == state.source;
            FacetLink {
                // A second click on the active source clears it.
                href: state.link(1, Some(if active { "" } else { &value.value }), None),
                label: value.value.clone(),
                count: value.count,
                active,
            }
        })
        .collect();
    let years = facets
        .year
        .iter()
        .map(|value| {
            let (from, to) = (
                format!("{}-01-01", value.value),
                format!("{}-12-31", value.value),
            );
            let active = state.from == from && state.to == to;
            let range = if active {
                ("", "")
            } else {
                (from.as_str(), to.as_str())
            };
            FacetLink {
                href: state.link(1, None, Some(range)),
                label: format!("{} 年", value.value),
                count: value.count,
                active,
            }
        })
        .collect();
    Some(FacetsView { sources, years })
}

fn render(params: &SearchParams, response: Option<&SearchResponse>, error: Option<&str>) -> String {
    let state = PageState::of(params);
    let sort_options = SORT_LABELS
        .iter()
        .map(|(sort, label)| SortOption {
            value: sort.name(),
            label,
            selected: state.sort == sort.name()
                || (state.sort.is_empty() && *sort == Sort::Relevance),
        })
        .collect();
    let hidden = [
        ("source", &state.source),
        ("from", &state.from),
        ("to", &state.to),
        ("size", &state.size),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| (name, value.clone()))
    .collect();
    let view = PageView {
        q: state.q.clone(),
        sort_options,
        hidden,
        error: error.map(str::to_string),
        results: response.map(|r| results_view(r, &state)),
        facets: response.and_then(|r| facets_view(r, &state)),
        timeline: response.and_then(|r| r.facets.as_ref()).and_then(|facets| {
            timeline(facets, (&state.from, &state.to), |from, to| {
                state.link(1, None, Some((from, to)))
            })
        }),
    };
    view.render().unwrap_or_else(|error| {
        tracing::error!(%error, "the page template failed");
        "<!DOCTYPE html><p>寻闻：页面出错了 the page failed</p>".to_string()
    })
}

/// `GET /`: the search page.
pub async fn page(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Response {
    let shown = params
        .as_ref()
        .map(|Query(p)| p.clone())
        .unwrap_or_default();
    let has_request = shown.q.as_deref().is_some_and(|q| !q.trim().is_empty())
        || shown.source.is_some()
        || shown.from.is_some()
        || shown.to.is_some();
    if !has_request {
        return Html(render(&shown, None, None)).into_response();
    }
    let searched = match crate::api::query_params(&params) {
        Ok(params) => search_response(&state, params).await,
        Err(error) => Err(error),
    };
    match searched {
        Ok(response) => Html(render(&shown, Some(&response), None)).into_response(),
        Err(error) => (
            error.status(),
            Html(render(&shown, None, Some(&error.message))),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(url: Option<&str>) -> Hit {
        Hit {
            id: "稿件/7".into(),
            url: url.map(str::to_string),
            title: Default::default(),
            snippet: Default::default(),
            source: None,
            published: None,
            score: None,
            duplicates: None,
        }
    }

    #[test]
    fn a_hit_without_a_web_address_links_to_its_article_page() {
        let view = hit_view(&hit(None), "防汛");
        assert_eq!(
            view.href,
            "/articles/%E7%A8%BF%E4%BB%B6%2F7?q=%E9%98%B2%E6%B1%9B"
        );
        assert!(view.archived.is_none());
        let view = hit_view(&hit(Some("file:///srv/a.html")), "");
        assert_eq!(view.href, "/articles/%E7%A8%BF%E4%BB%B6%2F7");
    }

    #[test]
    fn a_hit_with_a_web_address_links_there_and_offers_the_stored_copy() {
        let view = hit_view(&hit(Some("https://news.example.cn/7.html")), "");
        assert_eq!(view.href, "https://news.example.cn/7.html");
        assert_eq!(
            view.archived.as_deref(),
            Some("/articles/%E7%A8%BF%E4%BB%B6%2F7")
        );
    }
}
