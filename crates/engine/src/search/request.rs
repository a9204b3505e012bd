//! What a search asks for, typed: the query, paging, filters, sort, and the
//! firm limits one request must stay within. Faces parse their own
//! parameters into these.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::error::RequestError;

/// Firm limits on what one request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Long enough for a pasted passage; the planner picks its words, so the
    /// cost stays bounded.
    pub max_query_chars: usize,
    pub max_page_size: usize,
    /// `page * size` may not go past this many hits.
    pub max_depth: usize,
    /// A search stops collecting after this long and says it is partial.
    pub time_budget: Duration,
}

impl Limits {
    /// The defaults, written once: the server's settings start from them.
    pub const DEFAULT: Limits = Limits {
        max_query_chars: 10_000,
        max_page_size: 100,
        max_depth: 10_000,
        time_budget: Duration::from_secs(2),
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// BM25, title weighted above body, close query words rewarded.
    #[default]
    Relevance,
    Newest,
    Oldest,
    /// Relevance with a boost for recent articles.
    Recent,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Newest, Sort::Oldest, Sort::Recent];

    pub fn name(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Recent => "recent",
        }
    }
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(text: &str) -> Result<Sort, String> {
        Sort::ALL
            .into_iter()
            .find(|sort| sort.name() == text)
            .ok_or_else(|| {
                format!("unknown sort `{text}`: use relevance, newest, oldest or recent")
            })
    }
}

impl std::fmt::Display for Sort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Filters given beside the query string.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub from: Option<DateTime<FixedOffset>>,
    /// Inclusive; a date alone has already been read as the end of its day.
    pub to: Option<DateTime<FixedOffset>>,
    pub source: Option<String>,
    pub category: Option<String>,
    /// Only these articles (a candidate pool to rank).
    pub ids: Option<Arc<[String]>>,
}

/// One search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub query: String,
    /// 1-based.
    pub page: usize,
    pub size: usize,
    pub filters: Filters,
    pub sort: Sort,
    /// Collapse reprints of one story into one hit.
    pub collapse: bool,
    pub snippets: bool,
    pub facets: bool,
    /// Count every match one by one, however many: otherwise the total and
    /// the facets of a search matching more than [`COUNTED_EXACTLY`]
    /// articles are estimated from a sample (and marked).
    ///
    /// [`COUNTED_EXACTLY`]: super::tally::COUNTED_EXACTLY
    pub exact_total: bool,
    /// Snippet length in characters.
    pub snippet_chars: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            page: 1,
            size: 10,
            filters: Filters::default(),
            sort: Sort::Relevance,
            collapse: true,
            snippets: true,
            facets: true,
            exact_total: false,
            snippet_chars: 120,
        }
    }
}

impl SearchRequest {
    /// Checks the request against the limits, before any work.
    pub fn check(&self, limits: &Limits) -> Result<(), RequestError> {
        let chars = self.query.chars().count();
        if chars > limits.max_query_chars {
            return Err(RequestError::QueryTooLong {
                chars,
                max: limits.max_query_chars,
            });
        }
        if self.size == 0 || self.size > limits.max_page_size {
            return Err(RequestError::SizeOutOfRange {
                max: limits.max_page_size,
            });
        }
        if self.page == 0 {
            return Err(RequestError::PageZero);
        }
        if self.page.saturating_mul(self.size) > limits.max_depth {
            return Err(RequestError::PageTooDeep {
                max: limits.max_depth,
            });
        }
        if let (Some(from), Some(to)) = (self.filters.from, self.filters.to)
            && from > to
        {
            return Err(RequestError::DatesReversed);
        }
        Ok(())
    }

    /// Hits to skip before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_past_the_limits_are_refused_before_any_work() {
        let limits = Limits::DEFAULT;
        let ok = SearchRequest::default();
        assert_eq!(ok.check(&limits), Ok(()));
        let refused = |request: SearchRequest| request.check(&limits).unwrap_err();
        assert!(matches!(
            refused(SearchRequest {
                query: "字".repeat(10_001),
                ..ok.clone()
            }),
            RequestError::QueryTooLong { chars: 10_001, .. }
        ));
        assert_eq!(
            refused(SearchRequest {
                size: 0,
                ..ok.clone()
            }),
            RequestError::SizeOutOfRange { max: 100 }
        );
        assert_eq!(
            refused(SearchRequest {
                page: 0,
                ..ok.clone()
            }),
            RequestError::PageZero
        );
        assert_eq!(
            refused(SearchRequest {
                page: 101,
                size: 100,
                ..ok.clone()
            }),
            RequestError::PageTooDeep { max: 10_000 }
        );
    }

    #[test]
    fn sorts_read_their_names() {
        for sort in Sort::ALL {
            assert_eq!(sort.name().parse::<Sort>(), Ok(sort));
        }
        assert!("best".parse::<Sort>().unwrap_err().contains("relevance"));
    }
}
