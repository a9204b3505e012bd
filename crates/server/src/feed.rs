//! Alerts: `/feed.atom?q=…` is an Atom feed (RFC 4287) of any search, newest
//! first, so a newsroom can follow a topic in any feed reader. Written
//! through `atom_syndication`, which escapes and orders the XML.

use atom_syndication::{Entry, Feed, Link, Person, Text};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{FixedOffset, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use xunwen_engine::SearchResponse;

use crate::api::{query_params, search_response};
use crate::error::ApiError;
use crate::page::{article_href, link_to, original_url};
use crate::params::SearchParams;
use crate::state::AppState;

/// Entries in a feed: what a reader shows of a topic's latest news.
const ENTRIES: usize = 20;
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// `GET /feed.atom`: the search's newest articles.
pub async fn feed(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let mut params = query_params(&params)?.clone();
    params.sort = Some("newest".into());
    params.page = None;
    params.size = Some(ENTRIES.to_string());
    let response = search_response(&state, &params).await?;
    let body = atom(&response, &params).to_string();
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response())
}

/// The feed of one answer (sorted newest first).
fn atom(response: &SearchResponse, params: &SearchParams) -> Feed {
    let get = |v: &Option<String>| v.clone().unwrap_or_default();
    let (q, source, from, to) = (
        get(&params.q),
        get(&params.source),
        get(&params.from),
        get(&params.to),
    );
    let search_page = link_to(
        "/",
        &[
            ("q", &q),
            ("source", &source),
            ("from", &from),
            ("to", &to),
            ("sort", "newest"),
        ],
    );
    let now = Utc::now().with_timezone(&FixedOffset::east_opt(0).expect("UTC"));
    let entries: Vec<Entry> = response
        .hits
        .iter()
        .map(|hit| {
            let href =
                original_url(hit.url.as_deref()).unwrap_or_else(|| article_href(&hit.id, &q));
            let mut entry = Entry::default();
            entry.set_id(format!(
                "tag:xunwen,2026:article:{}",
                utf8_percent_encode(&hit.id, NON_ALPHANUMERIC)
            ));
            entry.set_title(Text::plain(hit.title.text.clone()));
            entry.set_updated(hit.published.unwrap_or(now));
            entry.set_published(hit.published);
            entry.set_summary(Some(Text::plain(hit.snippet.text.clone())));
            entry.set_links(vec![Link {
                href,
                rel: "alternate".into(),
                ..Link::default()
            }]);
            if let Some(source) = &hit.source {
                entry.set_authors(vec![Person {
                    name: source.clone(),
                    ..Person::default()
                }]);
            }
            entry
        })
        .collect();
    let mut feed = Feed::default();
    let topic = if q.trim().is_empty() {
        "全部新闻".to_string()
    } else {
        q.clone()
    };
    feed.set_title(Text::plain(format!("寻闻：{topic}")));
    feed.set_id(format!(
        "tag:xunwen,2026:search:{}",
        utf8_percent_encode(&search_page, NON_ALPHANUMERIC)
    ));
    feed.set_updated(
        response
            .hits
            .iter()
            .filter_map(|h| h.published)
            .max()
            .unwrap_or(now),
    );
    feed.set_authors(vec![Person {
        name: "寻闻 Xunwen".into(),
        ..Person::default()
    }]);
    feed.set_links(vec![Link {
        href: search_page,
        rel: "alternate".into(),
        ..Link::default()
    }]);
    feed.set_entries(entries);
    feed
}
