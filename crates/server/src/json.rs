//! The JSON documents the server returns (and `search query --json`
//! prints): the engine's types with each highlighted text given three ways,
//! plain, as HTML with `<mark>`, and as character ranges.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use xunwen_engine::facets::Facets;
use xunwen_engine::search::{Duplicates, Hit};
use xunwen_engine::snippet::Highlighted;
use xunwen_engine::{SearchResponse, Sort};

use crate::html::marked;

/// The character ranges that matched in a hit's title and snippet.
#[derive(Debug, Serialize)]
pub struct Marks {
    pub title: Vec<[usize; 2]>,
    pub snippet: Vec<[usize; 2]>,
}

fn ranges(text: &Highlighted) -> Vec<[usize; 2]> {
    text.marks.iter().map(|m| [m.start, m.end]).collect()
}

/// One hit on the wire.
#[derive(Debug, Serialize)]
pub struct HitJson<'a> {
    pub id: &'a str,
    pub url: Option<&'a str>,
    pub title: &'a str,
    pub title_html: String,
    pub snippet: &'a str,
    pub snippet_html: String,
    pub marks: Marks,
    pub source: Option<&'a str>,
    pub published: Option<DateTime<FixedOffset>>,
    pub score: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<&'a Duplicates>,
}

impl<'a> From<&'a Hit> for HitJson<'a> {
    fn from(hit: &'a Hit) -> HitJson<'a> {
        HitJson {
            id: &hit.id,
            url: hit.url.as_deref(),
            title: &hit.title.text,
            title_html: marked(&hit.title),
            snippet: &hit.snippet.text,
            snippet_html: marked(&hit.snippet),
            marks: Marks {
                title: ranges(&hit.title),
                snippet: ranges(&hit.snippet),
            },
            source: hit.source.as_deref(),
            published: hit.published,
            score: hit.score,
            duplicates: hit.duplicates.as_ref(),
        }
    }
}

/// A search answer on the wire.
#[derive(Debug, Serialize)]
pub struct SearchJson<'a> {
    pub query: &'a str,
    pub page: usize,
    pub size: usize,
    pub sort: Sort,
    pub total: usize,
    /// False when `total` and the facet counts are estimates from a sample.
    pub total_exact: bool,
    pub took_ms: f64,
    pub partial: bool,
    pub ignored: &'a [String],
    pub hits: Vec<HitJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<&'a Facets>,
}

impl<'a> From<&'a SearchResponse> for SearchJson<'a> {
    fn from(response: &'a SearchResponse) -> SearchJson<'a> {
        SearchJson {
            query: &response.query,
            page: response.page,
            size: response.size,
            sort: response.sort,
            total: response.total,
            total_exact: response.total_exact,
            took_ms: response.took_ms,
            partial: response.partial,
            ignored: &response.ignored,
            hits: response.hits.iter().map(HitJson::from).collect(),
            facets: response.facets.as_ref(),
        }
    }
}

/// Related articles on the wire.
#[derive(Debug, Serialize)]
pub struct RelatedJson<'a> {
    pub id: &'a str,
    pub related: Vec<HitJson<'a>>,
}
