//! Counting a query's matches, and their facets, with bounded work: every
//! match is counted up to a bound, and past it the rest of the archive is
//! read in evenly spaced windows of document ids, whose counts stand for
//! the whole. A common word over millions of articles then costs what it
//! costs over a few hundred thousand; the answer says the counts are
//! estimates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

use crate::facets::{FacetCollector, FacetFruit, FacetSegmentCollector, Facets};

/// Matches counted one by one, over the whole search, before the rest is
/// sampled, as Elasticsearch counts 10,000 by default. Reading a match's
/// facets costs about 0.2 µs at 5 M articles, so this bound, with the
/// sample, sets what a common word's facets cost.
pub const COUNTED_EXACTLY: u64 = 10_000;

/// The sample reads about this many times the bound's matches more: the
/// total then lands within about 1% (measured at 1 M and 5 M articles).
const SAMPLED_PER_COUNTED: f64 = 2.0;

/// Document ids in one window of the sample: enough for a seek to pay for
/// itself, few enough for a few hundred windows a segment.
const WINDOW: DocId = 64;

/// How many documents are read between two looks at the clock.
const DOCS_BETWEEN_CLOCK_CHECKS: u32 = 2048;

/// What a tally found.
#[derive(Debug, Clone, PartialEq)]
pub struct Tallied {
    pub total: usize,
    /// False when the total and the facets are estimated from a sample.
    pub exact: bool,
    pub facets: Option<Facets>,
}

/// Counts a query's matches (and their facets, when asked) in one unscored
/// pass, exactly up to `exactly_up_to` matches, then from a sample of
/// about twice as many more. Run over the segments in order on one thread, it
/// draws the same sample every time.
pub struct Tally {
    pub facets: Option<FacetCollector>,
    pub exactly_up_to: u64,
    pub deadline: Instant,
    pub partial: Arc<AtomicBool>,
    /// Matches counted and document ids read one by one, over every
    /// segment so far: past the bound, their ratio sets the sample's rate.
    counted: AtomicU64,
    read: AtomicU64,
    /// Documents in the whole searcher, to share the sample among segments.
    documents: u64,
}

impl Tally {
    pub fn new(
        facets: Option<FacetCollector>,
        exactly_up_to: u64,
        documents: u64,
        deadline: Instant,
        partial: Arc<AtomicBool>,
    ) -> Tally {
        Tally {
            facets,
            exactly_up_to,
            deadline,
            partial,
            counted: AtomicU64::new(0),
            read: AtomicU64::new(0),
            documents: documents.max(1),
        }
    }

    /// A segment's facet counter, when facets are asked for.
    fn facets_for(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Option<FacetSegmentCollector>> {
        self.facets
            .as_ref()
            .map(|f| f.for_segment(ordinal, segment))
            .transpose()
    }

    fn out_of_time(&self) -> bool {
        if Instant::now() >= self.deadline {
            self.partial.store(true, Ordering::Relaxed);
        }
        self.partial.load(Ordering::Relaxed)
    }

    /// How many document ids apart the sample's windows start, for
    /// `remaining` ids of a segment of `max_doc`: about this segment's
    /// share of the sample's matches, at the density seen so far. `None`
    /// when that share is most of what remains: then every match is read.
    fn stride(&self, max_doc: DocId, remaining: DocId) -> Option<DocId> {
        let counted = self.counted.load(Ordering::Relaxed) as f64;
        let read = self.read.load(Ordering::Relaxed).max(1) as f64;
        let expected = counted / read * f64::from(remaining);
        let sample = self.exactly_up_to as f64 * SAMPLED_PER_COUNTED;
        let share = sample * f64::from(max_doc) / self.documents as f64;
        let rate = share.max(f64::from(WINDOW)) / expected.max(1.0);
        (rate < 0.5).then(|| (f64::from(WINDOW) / rate).round() as DocId)
    }
}

/// One segment's counts: those read one by one, and those of the sample
/// with how many ids each sampled id stands for.
pub struct TallyInSegment {
    counted: u64,
    facets: Option<FacetSegmentCollector>,
    /// Whether the rest of the segment was sampled.
    is_sample: bool,
    sampled: u64,
    sampled_facets: Option<FacetSegmentCollector>,
    scale: f64,
}

/// A segment's counts, the sample's already scaled.
pub struct SegmentTally {
    total: f64,
    exact: bool,
    facets: Option<FacetFruit>,
}

impl SegmentCollector for TallyInSegment {
    type Fruit = SegmentTally;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.counted += 1;
        if let Some(facets) = &mut self.facets {
            facets.collect(doc, score);
        }
    }

    fn harvest(self) -> SegmentTally {
        let exact = !self.is_sample;
        let mut facets = self.facets.map(SegmentCollector::harvest);
        if let (Some(into), Some(sample)) = (&mut facets, self.sampled_facets) {
            let scale = self.scale;
            into.add(&sample.harvest(), |count| {
                (count as f64 * scale).round() as u64
            });
        }
        SegmentTally {
            total: self.counted as f64 + self.sampled as f64 * self.scale,
            exact,
            facets,
        }
    }
}

impl Collector for Tally {
    type Fruit = Tallied;
    type Child = TallyInSegment;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TallyInSegment> {
        Ok(TallyInSegment {
            counted: 0,
            facets: self.facets_for(ordinal, segment)?,
            is_sample: false,
            sampled: 0,
            sampled_facets: None,
            scale: 1.0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentTally>) -> tantivy::Result<Tallied> {
        let exact = fruits.iter().all(|f| f.exact);
        let total = fruits.iter().map(|f| f.total).sum::<f64>().round() as usize;
        let facets = match &self.facets {
            Some(collector) => Some(
                collector.merge_fruits(fruits.into_iter().filter_map(|f| f.facets).collect())?,
            ),
            None => None,
        };
        Ok(Tallied {
            total,
            exact,
            facets,
        })
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ordinal: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let mut tally = self.for_segment(ordinal, segment)?;
        if self.out_of_time() {
            return Ok(tally.harvest());
        }
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|bits| bits.is_alive(doc));
        let max_doc = segment.max_doc();
        // One by one while the whole search is under the bound (the shared
        // counts are brought up to date every so often).
        let mut doc = scorer.doc();
        let (mut counted, mut from) = (0u64, 0);
        let mut since_check = 0u32;
        let mut under_bound = self.counted.load(Ordering::Relaxed) < self.exactly_up_to;
        while under_bound && doc != TERMINATED {
            if is_alive(doc) {
                tally.collect(doc, 0.0);
                counted += 1;
            }
            doc = scorer.advance();
            since_check += 1;
            if since_check == DOCS_BETWEEN_CLOCK_CHECKS {
                since_check = 0;
                let to = doc.min(max_doc);
                let so_far = self.counted.fetch_add(counted, Ordering::Relaxed) + counted;
                self.read.fetch_add(u64::from(to - from), Ordering::Relaxed);
                (counted, from) = (0, to);
                if self.out_of_time() {
                    return Ok(tally.harvest());
                }
                under_bound = so_far < self.exactly_up_to;
            }
        }
        self.counted.fetch_add(counted, Ordering::Relaxed);
        self.read
            .fetch_add(u64::from(doc.min(max_doc) - from), Ordering::Relaxed);
        if doc == TERMINATED {
            return Ok(tally.harvest());
        }
        // The rest of the segment: windows `stride` ids apart, or every
        // match when the sample would read most of them anyway. The match
        // in hand is counted: a window opening on it would hold one more
        // than its share.
        if is_alive(doc) {
            tally.collect(doc, 0.0);
        }
        let start = doc + 1;
        doc = scorer.advance();
        let Some(stride) = self.stride(max_doc, max_doc - start) else {
            while doc != TERMINATED {
                if is_alive(doc) {
                    tally.collect(doc, 0.0);
                }
                doc = scorer.advance();
            }
            return Ok(tally.harvest());
        };
        let mut facets = self.facets_for(ordinal, segment)?;
        let mut window = start;
        while window < max_doc && doc != TERMINATED {
            let end = window.saturating_add(WINDOW).min(max_doc);
            if doc < window {
                doc = scorer.seek(window);
            }
            while doc < end {
                if is_alive(doc) {
                    tally.sampled += 1;
                    if let Some(facets) = &mut facets {
                        facets.collect(doc, 0.0);
                    }
                }
                doc = scorer.advance();
            }
            window = window.saturating_add(stride);
            if self.out_of_time() {
                break;
            }
        }
        // The windows' share of the ids they were spread over.
        let span = max_doc - start;
        let covered = span / stride * WINDOW + (span % stride).min(WINDOW);
        tally.scale = f64::from(span) / f64::from(covered.max(1));
        tally.sampled_facets = facets;
        tally.is_sample = true;
        Ok(tally.harvest())
    }
}
