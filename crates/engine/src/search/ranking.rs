//! Running a compiled query for one page: the best candidates in the
//! request's order, the total, and the facets, all within the time budget.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::{DocAddress, Order, Score, Searcher};

use super::budget::Budgeted;
use super::request::Sort;
use crate::error::EngineError;
use crate::facets::{FacetCollector, Facets};
use crate::schema::{Columns, names};

/// An article that matched, with its score (none when sorted by date).
pub struct Candidate {
    pub address: DocAddress,
    pub score: Option<f32>,
}

/// What one run of a query collected.
pub struct Collected {
    pub candidates: Vec<Candidate>,
    pub total: usize,
    pub facets: Option<Facets>,
}

/// The `window` best candidates in `sort` order, every match counted (and
/// faceted, if asked), stopping at the deadline with `partial` raised.
pub fn collect(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    window: usize,
    facets: bool,
    deadline: Instant,
    partial: &Arc<AtomicBool>,
) -> Result<Collected, EngineError> {
    let facets = facets.then_some(FacetCollector {
        top_sources: crate::facets::TOP_SOURCES,
    });
    let scored = |hits: Vec<(Score, DocAddress)>| -> Vec<Candidate> {
        hits.into_iter()
            .map(|(score, address)| Candidate {
                address,
                score: Some(score),
            })
            .collect()
    };
    let (candidates, total, facets) = match sort {
        Sort::Relevance => {
            let top = TopDocs::with_limit(window).order_by_score();
            let (hits, total, facets) =
                searcher.search(query, &budgeted((top, Count, facets), deadline, partial))?;
            (scored(hits), total, facets)
        }
        Sort::Newest | Sort::Oldest => {
            let order = if sort == Sort::Newest {
                Order::Desc
            } else {
                Order::Asc
            };
            let top = TopDocs::with_limit(window)
                .order_by_fast_field::<tantivy::DateTime>(names::PUBLISHED, order);
            let (hits, total, facets) =
                searcher.search(query, &budgeted((top, Count, facets), deadline, partial))?;
            let by_date = hits
                .into_iter()
                .map(|(_, address)| Candidate {
                    address,
                    score: None,
                })
                .collect();
            (by_date, total, facets)
        }
        Sort::Recent => {
            let newest = newest_timestamp(searcher);
            let top =
                TopDocs::with_limit(window).tweak_score(move |segment: &tantivy::SegmentReader| {
                    let published = Columns::of(segment).published().ok();
                    move |doc: tantivy::DocId, score: Score| {
                        let timestamp = published
                            .as_ref()
                            .and_then(|c| c.first(doc))
                            .map(|d| d.into_timestamp_secs());
                        score * recency_boost(timestamp, newest)
                    }
                });
            let (hits, total, facets) =
                searcher.search(query, &budgeted((top, Count, facets), deadline, partial))?;
            (scored(hits), total, facets)
        }
    };
    Ok(Collected {
        candidates,
        total,
        facets,
    })
}

fn budgeted<C>(inner: C, deadline: Instant, partial: &Arc<AtomicBool>) -> Budgeted<C> {
    Budgeted {
        inner,
        deadline: Some(deadline),
        partial: Arc::clone(partial),
    }
}

fn newest_timestamp(searcher: &Searcher) -> Option<i64> {
    searcher
        .segment_readers()
        .iter()
        .filter_map(|s| Columns::of(s).published().ok())
        .map(|c| c.max_value().into_timestamp_secs())
        .max()
}

/// Up to 1.5× for the newest articles, halving every 90 days before the
/// newest article of the index.
pub fn recency_boost(timestamp: Option<i64>, newest: Option<i64>) -> f32 {
    const HALF_LIFE_DAYS: f64 = 90.0;
    match (timestamp, newest) {
        (Some(t), Some(n)) => {
            let age_days = ((n - t).max(0) as f64) / 86_400.0;
            (1.0 + 0.5 * 0.5f64.powf(age_days / HALF_LIFE_DAYS)) as f32
        }
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_boost_halves_every_ninety_days() {
        let day = 86_400;
        let newest = Some(1_000 * day);
        assert_eq!(recency_boost(newest, newest), 1.5);
        assert!((recency_boost(Some(910 * day), newest) - 1.25).abs() < 1e-6);
        assert_eq!(recency_boost(None, newest), 1.0);
    }
}
