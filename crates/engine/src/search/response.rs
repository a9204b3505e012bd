//! What a search answers, typed: hits with their highlighted title and
//! snippet (character ranges, no markup), totals, facets, and what was not
//! understood. Each face presents these its own way.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::request::{SearchRequest, Sort};
use crate::facets::Facets;
use crate::snippet::Highlighted;

/// Other articles that ran the same story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicates {
    pub count: usize,
    pub ids: Vec<String>,
    pub sources: Vec<String>,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub url: Option<String>,
    pub title: Highlighted,
    /// Empty when the request asked for no snippets.
    pub snippet: Highlighted,
    pub source: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// `None` when sorted by date.
    pub score: Option<f32>,
    pub duplicates: Option<Duplicates>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResponse {
    pub query: String,
    pub page: usize,
    pub size: usize,
    pub sort: Sort,
    /// Matching articles (before collapsing reprints).
    pub total: usize,
    /// False when `total` and the facet counts are estimated from a sample
    /// of the matches (a search matching more than tens of thousands).
    pub total_exact: bool,
    pub took_ms: f64,
    /// True when the time budget ran out: hits and counts are incomplete.
    pub partial: bool,
    /// Parts of the query that were not understood and not searched.
    pub ignored: Vec<String>,
    pub hits: Vec<Hit>,
    pub facets: Option<Facets>,
}

impl SearchResponse {
    /// An answer with no hits yet, for this request.
    pub fn empty(request: &SearchRequest, ignored: Vec<String>) -> SearchResponse {
        SearchResponse {
            query: request.query.clone(),
            page: request.page,
            size: request.size,
            sort: request.sort,
            total: 0,
            total_exact: true,
            took_ms: 0.0,
            partial: false,
            ignored,
            hits: Vec::new(),
            facets: request.facets.then(Facets::default),
        }
    }

    /// The last page that holds hits.
    pub fn last_page(&self) -> usize {
        self.total.div_ceil(self.size.max(1))
    }
}
