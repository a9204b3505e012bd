//! The reading room's article page at `/articles/{id}?q=`: the stored
//! article whole, the query's words marked, with where it came from, every
//! outlet that printed it (the earliest marked as the original) and related
//! coverage. Hits link here when they have no URL of their own.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use xunwen_engine::Article;
use xunwen_engine::search::{Hit, Printing};

use crate::api::with_engine;
use crate::error::{ApiError, ErrorCode};
use crate::html::{Markup, marked};
use crate::page::{SORT_LABELS, SortOption, article_href, original_url};
use crate::state::AppState;

/// Related articles listed beside the article.
const RELATED_SHOWN: usize = 5;

#[derive(Debug, Default, Deserialize)]
pub struct ArticleParams {
    q: Option<String>,
}

struct PrintingView {
    href: String,
    outlet: String,
    date: String,
    original: bool,
    this_one: bool,
}

struct RelatedView {
    href: String,
    title_html: Markup,
    meta: String,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticleView {
    q: String,
    sort_options: Vec<SortOption>,
    hidden: Vec<(&'static str, String)>,
    title_text: String,
    title_html: Markup,
    meta: String,
    original: Option<String>,
    provenance: Option<String>,
    paragraphs: Vec<Markup>,
    printings: Vec<PrintingView>,
    related: Vec<RelatedView>,
    back: String,
}

/// What the page shows, read in one turn of the engine.
struct Shown {
    article: Article,
    title: Markup,
    paragraphs: Vec<Markup>,
    printings: Vec<Printing>,
    related: Vec<Hit>,
}

fn date(published: Option<chrono::DateTime<chrono::FixedOffset>>) -> String {
    published
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn joined(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn view(shown: Shown, q: &str) -> ArticleView {
    let article = &shown.article;
    let published = date(article.published);
    let author = article.author.as_deref().map(|a| format!("作者 {a}"));
    ArticleView {
        q: q.to_string(),
        sort_options: SORT_LABELS
            .iter()
            .map(|(sort, label)| SortOption {
                value: sort.name(),
                label,
                selected: *sort == xunwen_engine::Sort::Relevance,
            })
            .collect(),
        hidden: Vec::new(),
        title_text: article.title.clone(),
        title_html: shown.title,
        meta: joined(&[
            article.source.as_deref().unwrap_or(""),
            &published,
            author.as_deref().unwrap_or(""),
            article.category.as_deref().unwrap_or(""),
        ]),
        original: original_url(article.url.as_deref()),
        provenance: article.provenance.clone(),
        paragraphs: shown.paragraphs,
        printings: shown
            .printings
            .iter()
            .map(|p| PrintingView {
                href: original_url(p.url.as_deref()).unwrap_or_else(|| article_href(&p.id, q)),
                outlet: p.source.clone().unwrap_or_else(|| "（来源不详）".into()),
                date: date(p.published),
                original: p.original,
                this_one: p.id == article.id,
            })
            .collect(),
        related: shown
            .related
            .iter()
            .map(|hit| RelatedView {
                href: article_href(&hit.id, q),
                title_html: Markup(marked(&hit.title)),
                meta: joined(&[hit.source.as_deref().unwrap_or(""), &date(hit.published)]),
            })
            .collect(),
        back: crate::page::link_to("/", &[("q", q)]),
    }
}

/// `GET /articles/{id}?q=`.
pub async fn article_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<ArticleParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|rejection| ApiError::new(ErrorCode::InvalidParameters, rejection.body_text()))?;
    let q = params.q.unwrap_or_default();
    let query = q.clone();
    let shown = with_engine(&state, move |engine| {
        let article = engine.article(&id)?;
        let highlighter = engine.highlighter(&query)?;
        let title = Markup(marked(&highlighter.highlight(&article.title)));
        let paragraphs = article
            .body
            .split('\n')
            .filter(|p| !p.trim().is_empty())
            .map(|p| Markup(marked(&highlighter.highlight(p))))
            .collect();
        let printings = engine.printings(&id)?;
        let related = engine.related(&id, RELATED_SHOWN)?;
        Ok(Shown {
            article,
            title,
            paragraphs,
            printings,
            related,
        })
    })
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::IndexEmpty, "the index is empty"))?;
    let page = view(shown, &q)
        .render()
        .map_err(|e| ApiError::internal(&e))?;
    Ok(Html(page).into_response())
}
