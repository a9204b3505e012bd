//! The search page at `/`, rendered on the server: it works without
//! JavaScript, the URL carries the whole state (so a results page can be
//! bookmarked and shared), and it fits a phone. Article text is always
//! escaped; the only markup in titles and snippets is the engine's `<mark>`.

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use xunwen_engine::SearchResponse;
use xunwen_engine::search::SearchParams;

use crate::api::search_response;
use crate::state::AppState;

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2328;background:#fafafa;line-height:1.6}
header{background:#fff;border-bottom:1px solid #e5e5e5;padding:12px 16px}
.brand{font-size:22px;font-weight:700;color:#b3261e;text-decoration:none;margin-right:12px}
form.search{display:flex;flex-wrap:wrap;gap:8px;align-items:center;max-width:960px;margin:0 auto}
form.search input[type=search]{flex:1 1 240px;font-size:17px;padding:8px 10px;border:1px solid #c4c4c4;border-radius:8px}
form.search button,form.search select{font-size:15px;padding:8px 12px;border-radius:8px;border:1px solid #c4c4c4;background:#fff}
form.search button{background:#b3261e;color:#fff;border-color:#b3261e}
main{display:flex;gap:24px;max-width:960px;margin:0 auto;padding:16px}
.results{flex:1;min-width:0}.facets{width:220px;flex:none;font-size:14px}
.facets h2{font-size:14px;margin:16px 0 4px;color:#555}.facets ul{list-style:none;margin:0;padding:0}
.facets a{color:#1a56b0;text-decoration:none}.facets .active{font-weight:700}.facets .count{color:#777}
.summary,.notice{color:#666;font-size:14px}.notice{background:#fff8e1;padding:6px 10px;border-radius:6px}
.hit{background:#fff;border:1px solid #eee;border-radius:10px;padding:12px 14px;margin:12px 0}
.hit h3{margin:0 0 4px;font-size:18px;font-weight:600;overflow-wrap:anywhere}.hit h3 a{color:#1a0dab;text-decoration:none}
.meta{color:#2e7d32;font-size:13px}.snippet{margin:6px 0 0;font-size:15px;color:#333;overflow-wrap:anywhere}
.dups{font-size:13px;color:#777}mark{background:#ffe082;color:inherit;padding:0 1px}
nav.pages{display:flex;gap:12px;margin:16px 0}nav.pages a{color:#1a56b0}
@media (max-width:700px){main{flex-direction:column-reverse;padding:10px}.facets{width:auto}.hit h3{font-size:17px}}
"#;

/// Builds a link to the page with the given state.
fn link(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .copied()
        .collect();
    format!(
        "/?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

struct PageState<'a> {
    q: &'a str,
    sort: &'a str,
    source: &'a str,
    from: &'a str,
    to: &'a str,
    size: &'a str,
}

impl PageState<'_> {
    fn with(&self, page: usize, source: Option<&str>, range: Option<(&str, &str)>) -> String {
        let page = page.to_string();
        let (from, to) = range.unwrap_or((self.from, self.to));
        link(&[
            ("q", self.q),
            ("sort", self.sort),
            ("source", source.unwrap_or(self.source)),
            ("from", from),
            ("to", to),
            ("size", self.size),
            ("page", if page == "1" { "" } else { &page }),
        ])
    }
}

fn sort_options(selected: &str) -> String {
    [
        ("relevance", "相关度"),
        ("newest", "最新"),
        ("oldest", "最早"),
        ("recent", "相关且较新"),
    ]
    .iter()
    .map(|(value, label)| {
        let chosen = if *value == selected || (selected.is_empty() && *value == "relevance") {
            " selected"
        } else {
            ""
        };
        format!("<option value=\"{value}\"{chosen}>{label}</option>")
    })
    .collect()
}

fn render(params: &SearchParams, response: Option<&SearchResponse>, error: Option<&str>) -> String {
    let get = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let (q, sort, source, from, to, size) = (
        get(&params.q),
        get(&params.sort),
        get(&params.source),
        get(&params.from),
        get(&params.to),
        get(&params.size),
    );
    let state = PageState {
        q: &q,
        sort: &sort,
        source: &source,
        from: &from,
        to: &to,
        size: &size,
    };
    let mut html = String::with_capacity(16 * 1024);
    let title = if q.is_empty() {
        "寻闻 · 新闻检索".to_string()
    } else {
        format!("{} - 寻闻", text(&q))
    };
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><header><form class=\"search\" method=\"get\" action=\"/\" role=\"search\">\
         <a class=\"brand\" href=\"/\">寻闻</a><input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"搜索新闻，例如：长江 防汛\" aria-label=\"搜索\" autofocus>\
         <select name=\"sort\" aria-label=\"排序\">{}</select>",
        attr(&q),
        sort_options(&sort)
    );
    for (name, value) in [
        ("source", &source),
        ("from", &from),
        ("to", &to),
        ("size", &size),
    ] {
        if !value.is_empty() {
            let _ = write!(
                html,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                attr(value)
            );
        }
    }
    html.push_str(
        "<button type=\"submit\">搜索</button></form></header><main><section class=\"results\">",
    );
    if let Some(error) = error {
        let _ = write!(
            html,
            "<p class=\"notice\" role=\"alert\">{}</p>",
            text(error)
        );
    }
    if let Some(response) = response {
        render_results(&mut html, response, &state);
    } else if error.is_none() {
        html.push_str("<p class=\"summary\">输入关键词、\"精确短语\"、-排除词、OR，或 title:、source:、published:[2023-01-01 TO 2023-06-30]。</p>");
    }
    html.push_str("</section>");
    if let Some(response) = response {
        render_facets(&mut html, response, &state);
    }
    html.push_str("</main></body></html>");
    html
}

fn render_results(html: &mut String, response: &SearchResponse, state: &PageState) {
    let _ = write!(
        html,
        "<p class=\"summary\">找到约 {} 条结果（{:.0} 毫秒）{}</p>",
        response.total,
        response.took_ms,
        if response.partial {
            "，已超时，结果不完整"
        } else {
            ""
        }
    );
    for ignored in &response.ignored {
        let _ = write!(html, "<p class=\"notice\">已忽略：{}</p>", text(ignored));
    }
    if !state.source.is_empty() || !state.from.is_empty() || !state.to.is_empty() {
        let _ = write!(
            html,
            "<p class=\"summary\"><a href=\"{}\">清除筛选</a></p>",
            attr(&link(&[("q", state.q), ("sort", state.sort)]))
        );
    }
    for hit in &response.hits {
        let href = hit
            .url
            .clone()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .unwrap_or_else(|| format!("/api/articles/{}", urlencode_path(&hit.id)));
        let date = hit
            .published
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let meta: Vec<String> = [hit.source.as_deref().unwrap_or(""), &date]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| text(s).into_owned())
            .collect();
        let _ = write!(
            html,
            "<article class=\"hit\"><h3><a href=\"{}\">{}</a></h3><div class=\"meta\">{}</div><p class=\"snippet\">{}</p>",
            attr(&href),
            hit.title_html,
            meta.join(" · "),
            hit.snippet_html
        );
        if let Some(duplicates) = &hit.duplicates {
            let _ = write!(
                html,
                "<div class=\"dups\">另有 {} 家媒体转载：{}</div>",
                duplicates.count,
                text(&duplicates.sources.join("、"))
            );
        }
        html.push_str("</article>");
    }
    if response.hits.is_empty() && !response.query.trim().is_empty() {
        html.push_str(
            "<p class=\"summary\">没有找到相关新闻。试试更短的关键词，或去掉筛选条件。</p>",
        );
    }
    let last_page = response.total.div_ceil(response.size.max(1));
    html.push_str("<nav class=\"pages\" aria-label=\"分页\">");
    if response.page > 1 {
        let _ = write!(
            html,
            "<a rel=\"prev\" href=\"{}\">上一页</a>",
            attr(&state.with(response.page - 1, None, None))
        );
    }
    if response.page < last_page && !response.hits.is_empty() {
        let _ = write!(
            html,
            "<a rel=\"next\" href=\"{}\">下一页</a>",
            attr(&state.with(response.page + 1, None, None))
        );
    }
    html.push_str("</nav>");
}

fn render_facets(html: &mut String, response: &SearchResponse, state: &PageState) {
    let Some(facets) = &response.facets else {
        return;
    };
    html.push_str("<aside class=\"facets\">");
    if !facets.source.is_empty() {
        html.push_str("<h2>来源</h2><ul>");
        for value in &facets.source {
            let active = value.value == state.source;
            let target = if active { "" } else { value.value.as_str() };
            let _ = write!(
                html,
                "<li><a class=\"source{}\" href=\"{}\">{}</a> <span class=\"count\">{}</span></li>",
                if active { " active" } else { "" },
                attr(&state.with(1, Some(target), None)),
                text(&value.value),
                value.count
            );
        }
        html.push_str("</ul>");
    }
    if !facets.year.is_empty() {
        html.push_str("<h2>年份</h2><ul>");
        for value in &facets.year {
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
            let _ = write!(
                html,
                "<li><a class=\"year{}\" href=\"{}\">{} 年</a> <span class=\"count\">{}</span></li>",
                if active { " active" } else { "" },
                attr(&state.with(1, None, Some(range))),
                text(&value.value),
                value.count
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("</aside>");
}

fn urlencode_path(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
    match search_response(&state, params).await {
        Ok(response) => Html(render(&shown, Some(&response), None)).into_response(),
        Err(error) => (
            error.status,
            Html(render(&shown, None, Some(&error.message))),
        )
            .into_response(),
    }
}
