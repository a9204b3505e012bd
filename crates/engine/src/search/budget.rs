//! A collector wrapper that stops collecting when a time budget runs out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// Runs an inner collector, but stops feeding it once the deadline passes and
/// raises the `partial` flag: an expensive query answers in time, flagged.
pub struct Budgeted<C> {
    pub inner: C,
    pub deadline: Option<Instant>,
    pub partial: Arc<AtomicBool>,
}

/// How many documents are collected between two looks at the clock.
const DOCS_BETWEEN_CLOCK_CHECKS: u32 = 2048;

impl<C: Collector> Collector for Budgeted<C> {
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<C::Child> {
        self.inner.for_segment(ordinal, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.inner.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ordinal: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
        let mut child = self.inner.for_segment(ordinal, segment)?;
        // Looked at before each segment too: an index of many small segments
        // (frequent commits) would otherwise never reach a clock check.
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.partial.store(true, Ordering::Relaxed);
        }
        if self.partial.load(Ordering::Relaxed) {
            return Ok(child.harvest());
        }
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        // Counting needs no score, and a score costs (every term's BM25).
        let scoring = self.inner.requires_scoring();
        let mut since_check = 0u32;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|bits| bits.is_alive(doc)) {
                child.collect(doc, if scoring { scorer.score() } else { 0.0 });
            }
            since_check += 1;
            if since_check == DOCS_BETWEEN_CLOCK_CHECKS {
                since_check = 0;
                if self.deadline.is_some_and(|d| Instant::now() >= d) {
                    self.partial.store(true, Ordering::Relaxed);
                    break;
                }
            }
            doc = scorer.advance();
        }
        Ok(child.harvest())
    }
}

/// The `limit` best-scored documents, found by the query's own pruning
/// (block-max WAND for a union of terms: lists whose best cannot reach the
/// `limit`-th score are skipped, not scored), within the time budget.
pub struct BestByScore {
    limit: usize,
    deadline: Instant,
    partial: Arc<AtomicBool>,
    /// The best `limit`-th score of any segment so far (as `f32` bits;
    /// scores are positive, so the bits order as the scores do): no
    /// document below it can be among the best of the whole index, so
    /// every segment prunes from it, not from its own. An archive of many
    /// segments would otherwise find `limit` candidates in each.
    floor: AtomicU32,
}

impl BestByScore {
    pub fn new(limit: usize, deadline: Instant, partial: Arc<AtomicBool>) -> BestByScore {
        BestByScore {
            limit: limit.max(1),
            deadline,
            partial,
            floor: AtomicU32::new(0.0f32.to_bits()),
        }
    }
}

/// Documents in score order, best first; ties to the lower address.
fn best_first(a: &(Score, DocAddress), b: &(Score, DocAddress)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// A segment's best documents so far (kept whole up to twice the limit,
/// then cut back to it: cheaper than a heap; the threshold rises at each
/// cut).
pub struct BestInSegment {
    segment: SegmentOrdinal,
    limit: usize,
    kept: Vec<(Score, DocAddress)>,
    threshold: Score,
}

impl BestInSegment {
    /// Keeps the document if it may be among the best; returns the score a
    /// document must now beat.
    fn offer(&mut self, doc: DocId, score: Score) -> Score {
        if score > self.threshold {
            self.kept.push((score, DocAddress::new(self.segment, doc)));
            if self.kept.len() >= self.limit * 2 {
                self.kept.sort_unstable_by(best_first);
                self.kept.truncate(self.limit);
                self.threshold = self.kept[self.limit - 1].0;
            }
        }
        self.threshold
    }
}

impl SegmentCollector for BestInSegment {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(mut self) -> Self::Fruit {
        self.kept.sort_unstable_by(best_first);
        self.kept.truncate(self.limit);
        self.kept
    }
}

impl Collector for BestByScore {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = BestInSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<BestInSegment> {
        Ok(BestInSegment {
            segment,
            limit: self.limit,
            kept: Vec::new(),
            threshold: Score::MIN,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(best_first);
        all.truncate(self.limit);
        Ok(all)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        ordinal: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut best = self.for_segment(ordinal, segment)?;
        if Instant::now() >= self.deadline {
            self.partial.store(true, Ordering::Relaxed);
        }
        if self.partial.load(Ordering::Relaxed) {
            return Ok(best.harvest());
        }
        let alive = segment.alive_bitset();
        let mut offered = 0u32;
        let mut published: Score = 0.0;
        let floor = f32::from_bits(self.floor.load(Ordering::Relaxed));
        let start = if floor > 0.0 { floor } else { Score::MIN };
        weight.for_each_pruning(start, segment, &mut |doc, score| {
            offered += 1;
            if offered.is_multiple_of(DOCS_BETWEEN_CLOCK_CHECKS / 8)
                && Instant::now() >= self.deadline
            {
                self.partial.store(true, Ordering::Relaxed);
                // Nothing can beat this: the search ends here.
                return Score::MAX;
            }
            let threshold = if alive.is_some_and(|bits| bits.is_deleted(doc)) {
                best.threshold
            } else {
                best.offer(doc, score)
            };
            if threshold > published {
                self.floor.fetch_max(threshold.to_bits(), Ordering::Relaxed);
                published = threshold;
            }
            threshold.max(f32::from_bits(self.floor.load(Ordering::Relaxed)))
        })?;
        Ok(best.harvest())
    }
}
