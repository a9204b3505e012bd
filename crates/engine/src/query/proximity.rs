//! A bonus for two query words that stand close together, the closer the
//! larger. Each window scores as tantivy's sloppy phrase query does (BM25 of
//! the number of matches within the window), but every window is counted in
//! one pass over the two words' positions instead of one phrase query each.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

use super::plan::Window;

/// Matches articles where `second` stands within the widest window of
/// `offset` characters after `first` (or as near before it).
#[derive(Debug, Clone)]
pub struct ProximityQuery {
    first: Term,
    second: Term,
    offset: u32,
    windows: Vec<Window>,
}

impl ProximityQuery {
    /// `offset` is where `second` starts when it follows `first` directly
    /// (the first word's length in characters). Windows of zero weight are
    /// dropped.
    pub fn new(first: Term, second: Term, offset: u32, windows: &[Window]) -> Self {
        let windows = windows.iter().copied().filter(|w| w.weight > 0.0).collect();
        ProximityQuery {
            first,
            second,
            offset,
            windows,
        }
    }

    /// False when every window had zero weight: the query would add nothing.
    pub fn has_windows(&self) -> bool {
        !self.windows.is_empty()
    }
}

impl Query for ProximityQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let bm25 = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(
                statistics_provider,
                &[self.first.clone(), self.second.clone()],
            )?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(ProximityWeight {
            query: self.clone(),
            bm25,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        visitor(&self.first, true);
        visitor(&self.second, true);
    }
}

struct ProximityWeight {
    query: ProximityQuery,
    bm25: Option<Bm25Weight>,
}

impl ProximityWeight {
    fn proximity_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<ProximityScorer>> {
        let query = &self.query;
        if query.windows.is_empty() {
            return Ok(None);
        }
        let postings = |term: &Term| -> tantivy::Result<Option<SegmentPostings>> {
            Ok(reader
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::WithFreqsAndPositions)?)
        };
        let (Some(first), Some(second)) = (postings(&query.first)?, postings(&query.second)?)
        else {
            return Ok(None);
        };
        let mut scorer = ProximityScorer {
            first,
            second,
            offset: query.offset,
            windows: query.windows.clone(),
            counts: vec![0; query.windows.len()],
            bm25: self.bm25.as_ref().map(|w| w.boost_by(boost)),
            fieldnorms: reader.get_fieldnorms_reader(query.first.field())?,
            left: Vec::new(),
            right: Vec::new(),
            doc: 0,
        };
        scorer.settle();
        Ok(Some(scorer))
    }
}

impl Weight for ProximityWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.proximity_scorer(reader, boost)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if let Some(mut scorer) = self.proximity_scorer(reader, 1.0)?
            && scorer.seek(doc) == doc
        {
            return Ok(Explanation::new("words close together", scorer.score()));
        }
        Err(TantivyError::InvalidArgument(format!(
            "document #{doc} does not match"
        )))
    }
}

struct ProximityScorer {
    first: SegmentPostings,
    second: SegmentPostings,
    offset: u32,
    windows: Vec<Window>,
    /// Matches within each window in the current article.
    counts: Vec<u32>,
    bm25: Option<Bm25Weight>,
    fieldnorms: FieldNormReader,
    left: Vec<u32>,
    right: Vec<u32>,
    doc: DocId,
}

impl ProximityScorer {
    /// From the first list's current article on, moves to the next article
    /// where both words stand within the widest window.
    fn settle(&mut self) -> DocId {
        let mut doc = self.first.doc();
        while doc != TERMINATED {
            let other = self.second.seek(doc);
            if other == TERMINATED {
                doc = TERMINATED;
            } else if other != doc {
                doc = self.first.seek(other);
            } else if self.count_windows() {
                break;
            } else {
                doc = self.first.advance();
            }
        }
        self.doc = doc;
        doc
    }

    /// Counts the matches in every window; true when the widest has any.
    fn count_windows(&mut self) -> bool {
        self.first
            .positions_with_offset(self.offset, &mut self.left);
        self.second.positions(&mut self.right);
        for (count, window) in self.counts.iter_mut().zip(&self.windows) {
            *count = matches_within(&self.left, &self.right, window.slop);
        }
        self.counts.iter().any(|&count| count > 0)
    }
}

/// How many positions of `right` pair off with one of `left` at most
/// `slop` apart, each used once (as tantivy's sloppy phrase counts them).
fn matches_within(left: &[u32], right: &[u32], slop: u32) -> u32 {
    let (mut l, mut r, mut count) = (0, 0, 0);
    while l < left.len() && r < right.len() {
        if left[l].abs_diff(right[r]) <= slop {
            // A later left position may lie closer to this right one.
            while l + 1 < left.len() && left[l + 1] <= right[r] {
                l += 1;
            }
            count += 1;
            l += 1;
            r += 1;
        } else if left[l] < right[r] {
            l += 1;
        } else {
            r += 1;
        }
    }
    count
}

impl DocSet for ProximityScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.first.advance();
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        self.first.seek(target);
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.first.size_hint().min(self.second.size_hint())
    }
}

impl Scorer for ProximityScorer {
    fn score(&mut self) -> Score {
        let Some(bm25) = &self.bm25 else {
            return 1.0;
        };
        let norm = self.fieldnorms.fieldnorm_id(self.doc);
        self.windows
            .iter()
            .zip(&self.counts)
            .filter(|(_, count)| **count > 0)
            .map(|(window, count)| window.weight * bm25.score(norm, *count))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_counted_within_the_window_each_position_once() {
        // Second word expected where the first's shifted positions say.
        assert_eq!(matches_within(&[10, 50], &[10, 58], 0), 1);
        assert_eq!(matches_within(&[10, 50], &[10, 58], 8), 2);
        assert_eq!(matches_within(&[10, 11, 12], &[12], 5), 1);
        assert_eq!(matches_within(&[20], &[14], 5), 0);
        assert_eq!(matches_within(&[20], &[14], 6), 1);
        assert_eq!(matches_within(&[], &[1], 100), 0);
    }
}
