//! A collector wrapper that stops collecting when a time budget runs out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{SegmentOrdinal, SegmentReader, TERMINATED};

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
        let mut since_check = 0u32;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|bits| bits.is_alive(doc)) {
                child.collect(doc, scorer.score());
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
