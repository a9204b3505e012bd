//! Running a compiled query for one page: the best candidates in the
//! request's order, the total, and the facets, all within the time budget.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Executor, Order, Score, Searcher, TERMINATED};

use super::budget::{BestByScore, Budgeted};
use super::request::Sort;
use super::tally::{Tallied, Tally};
use crate::error::EngineError;
use crate::facets::{FacetCollector, Facets, SourceNames};
use crate::query::compile::Compiled;
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
    /// False when the total and the facets are estimated from a sample.
    pub total_exact: bool,
    pub facets: Option<Facets>,
}

/// What a run counts besides the page: the facets, if asked (with the
/// engine's numbered source names), and how many matches are counted one
/// by one before the rest is sampled (where the run counts apart from its
/// ranking).
#[derive(Debug, Clone, Copy)]
pub struct Counting<'a> {
    pub facets: Option<&'a SourceNames>,
    pub exactly_up_to: u64,
}

/// How many of the first pass's best articles the whole score ranks: three
/// times the deepest window a page asks for (`(page + 1) * size * 5 + 50`
/// with collapse), and never fewer than this. With 300 (and with 1,000)
/// every dev set ranks as in one pass, to three decimals.
pub const RESCORED_AT_LEAST: usize = 300;

/// The `window` best candidates in `sort` order, every match counted (and
/// faceted, if asked), stopping at the deadline with `partial` raised.
///
/// Sorted by date, a query that would rank in two passes (a union of words
/// reaching many articles) reads every match's date for the page and counts
/// beside it as the two passes do: a date costs far less to read than a
/// match's facets. Any other query is walked once for both, as a second
/// walk of a passage's minimum of words costs more than its facets.
///
/// Ranked by relevance in two passes, the matching words alone pick the
/// best [`RESCORED_AT_LEAST`] (or three windows) with tantivy's pruning,
/// and only those get the ranking parts: phrases, proximity and held spans
/// are read for a few hundred articles, not for every match, however large
/// the archive. The total and the facets are counted in an unscored pass,
/// every match up to `counting.exactly_up_to` and a sample past it
/// ([`Tally`]). The price: an article past the first pass's best cannot
/// be lifted onto the page by its ranking parts (as Elasticsearch's
/// rescore window).
pub fn collect(
    searcher: &Searcher,
    query: &Compiled,
    sort: Sort,
    window: usize,
    counting: Counting<'_>,
    deadline: Instant,
    partial: &Arc<AtomicBool>,
) -> Result<Collected, EngineError> {
    match (sort, &query.passes) {
        (Sort::Relevance, Some(passes)) => {
            counted_beside(searcher, query, counting, deadline, partial, || {
                let best = BestByScore::new(
                    (window * 3).max(RESCORED_AT_LEAST),
                    deadline,
                    Arc::clone(partial),
                );
                let best = searcher.search(passes.first.as_ref(), &best)?;
                with_parts(searcher, passes.parts.as_ref(), best, window)
            })
        }
        (Sort::Newest | Sort::Oldest, Some(_)) => {
            counted_beside(searcher, query, counting, deadline, partial, || {
                let top = by_date(sort, window);
                let hits =
                    searcher.search(query.query.as_ref(), &budgeted(top, deadline, partial))?;
                Ok(dated(hits))
            })
        }
        _ => collect_in_one_pass(
            searcher,
            query.query.as_ref(),
            sort,
            window,
            counting.facets,
            deadline,
            partial,
        ),
    }
}

/// The page from `candidates`, with the total and facets counted beside it
/// on a thread of its own: the two read the same postings for different
/// ends, and neither waits for the other.
fn counted_beside(
    searcher: &Searcher,
    query: &Compiled,
    counting: Counting<'_>,
    deadline: Instant,
    partial: &Arc<AtomicBool>,
    candidates: impl FnOnce() -> Result<Vec<Candidate>, EngineError>,
) -> Result<Collected, EngineError> {
    let facets = counting
        .facets
        .map(|names| FacetCollector::new(searcher, names))
        .transpose()?;
    let tally = Tally::new(
        facets,
        counting.exactly_up_to,
        searcher.num_docs(),
        deadline,
        Arc::clone(partial),
    );
    let (tallied, candidates) = std::thread::scope(|scope| {
        let tallied = scope.spawn(|| count(searcher, query.query.as_ref(), &tally));
        let candidates = candidates();
        let tallied = tallied
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (tallied, candidates)
    });
    let (tallied, candidates) = (tallied?, candidates?);
    Ok(Collected {
        candidates,
        total: tallied.total,
        total_exact: tallied.exact,
        facets: tallied.facets,
    })
}

/// Every match counted, and faceted if asked (see [`Tally`]).
fn count(searcher: &Searcher, query: &dyn Query, tally: &Tally) -> tantivy::Result<Tallied> {
    if tally.exactly_up_to == u64::MAX {
        // Counting every match needs no order.
        return searcher.search(query, tally);
    }
    // Segments in order, one thread: the shared count then decides the same
    // sample every time, and a total under the bound is exact.
    searcher.search_with_executor(
        query,
        tally,
        &Executor::single_thread(),
        EnableScoring::disabled_from_searcher(searcher),
    )
}

/// The first pass's scores plus what the ranking parts add: the `window`
/// best of `best`.
fn with_parts(
    searcher: &Searcher,
    parts: &dyn Query,
    mut best: Vec<(Score, DocAddress)>,
    window: usize,
) -> Result<Vec<Candidate>, EngineError> {
    let weight = parts.weight(EnableScoring::enabled_from_searcher(searcher))?;
    best.sort_unstable_by_key(|(_, address)| *address);
    // Segments side by side, as in the first pass: at 5 M articles the best
    // few hundred lie in most of 65 segments, and each segment's parts look
    // their terms up afresh.
    let in_segments = best.chunk_by_mut(|a, b| a.1.segment_ord == b.1.segment_ord);
    let add_parts = |in_segment: &mut [(Score, DocAddress)]| -> tantivy::Result<()> {
        let segment = in_segment[0].1.segment_ord;
        let mut scorer = weight.scorer(searcher.segment_reader(segment), 1.0)?;
        for (score, address) in in_segment {
            let mut doc = scorer.doc();
            if doc < address.doc_id {
                doc = scorer.seek(address.doc_id);
            }
            if doc == TERMINATED {
                break;
            }
            if doc == address.doc_id {
                *score += scorer.score();
            }
        }
        Ok(())
    };
    searcher
        .index()
        .search_executor()
        .map(add_parts, in_segments)?;
    best.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    best.truncate(window);
    Ok(best
        .into_iter()
        .map(|(score, address)| Candidate {
            address,
            score: Some(score),
        })
        .collect())
}

/// Every match scored whole (or ordered by date).
fn collect_in_one_pass(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    window: usize,
    facets: Option<&SourceNames>,
    deadline: Instant,
    partial: &Arc<AtomicBool>,
) -> Result<Collected, EngineError> {
    let facets = facets
        .map(|names| FacetCollector::new(searcher, names))
        .transpose()?;
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
            let top = by_date(sort, window);
            let (hits, total, facets) =
                searcher.search(query, &budgeted((top, Count, facets), deadline, partial))?;
            (dated(hits), total, facets)
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
        total_exact: true,
        facets,
    })
}

/// The `window` first matches in a date order (`Newest` or `Oldest`).
fn by_date(
    sort: Sort,
    window: usize,
) -> impl Collector<Fruit = Vec<(Option<tantivy::DateTime>, DocAddress)>> {
    let order = if sort == Sort::Oldest {
        Order::Asc
    } else {
        Order::Desc
    };
    TopDocs::with_limit(window).order_by_fast_field::<tantivy::DateTime>(names::PUBLISHED, order)
}

fn dated<T>(hits: Vec<(T, DocAddress)>) -> Vec<Candidate> {
    hits.into_iter()
        .map(|(_, address)| Candidate {
            address,
            score: None,
        })
        .collect()
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
