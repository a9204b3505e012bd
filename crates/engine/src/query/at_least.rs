//! Articles holding at least `minimum` of a query's words, as a pasted
//! passage matches. tantivy's minimum-should-match walks every posting of
//! every word through one heap and scores each posting, matched or not.
//! Here the words are split as MaxScore splits them, by counts: an article
//! holding `minimum` words holds one of the `words − minimum + 1` rarest,
//! so only those are walked, and the `minimum − 1` commonest (over half
//! of a passage's postings at 1 M articles) are only asked, rarest first,
//! about the articles the walk finds, until they can no longer reach the
//! minimum. The walk counts a window of articles at a time (see `WINDOW`).

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use super::ranked::Part;

/// Articles holding `minimum` of `words`, scored by the sum of the clauses
/// they hold. A word is held where any of its clauses (its title and body
/// terms, say) matches.
#[derive(Debug)]
pub struct AtLeastQuery {
    pub words: Vec<Vec<Box<dyn Query>>>,
    pub minimum: usize,
}

impl Clone for AtLeastQuery {
    fn clone(&self) -> Self {
        AtLeastQuery {
            words: self
                .words
                .iter()
                .map(|clauses| clauses.iter().map(|q| q.box_clone()).collect())
                .collect(),
            minimum: self.minimum,
        }
    }
}

impl Query for AtLeastQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let words = self
            .words
            .iter()
            .map(|clauses| {
                clauses
                    .iter()
                    .map(|q| q.weight(enable_scoring))
                    .collect::<tantivy::Result<_>>()
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AtLeastWeight {
            words,
            minimum: self.minimum.max(1),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for query in self.words.iter().flatten() {
            query.query_terms(visitor);
        }
    }
}

struct AtLeastWeight {
    words: Vec<Vec<Box<dyn Weight>>>,
    minimum: usize,
}

impl Weight for AtLeastWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut words: Vec<(u64, Vec<Box<dyn Scorer>>)> = Vec::with_capacity(self.words.len());
        for clauses in &self.words {
            let mut scorers: Vec<Box<dyn Scorer>> = clauses
                .iter()
                .map(|w| w.scorer(reader, boost))
                .collect::<tantivy::Result<_>>()?;
            scorers.retain(|s| s.doc() != TERMINATED);
            if !scorers.is_empty() {
                words.push((scorers.iter().map(|s| s.cost()).sum(), scorers));
            }
        }
        if words.len() < self.minimum {
            return Ok(Box::new(EmptyScorer));
        }
        words.sort_by_key(|(cost, _)| *cost);
        Ok(Box::new(AtLeastScorer::new(
            words.into_iter().map(|(_, scorers)| scorers).collect(),
            self.minimum,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut held = Vec::new();
        for clauses in &self.words {
            let found: Vec<Explanation> = clauses
                .iter()
                .filter_map(|w| w.explain(reader, doc).ok())
                .collect();
            if !found.is_empty() {
                held.push(found);
            }
        }
        if held.len() < self.minimum {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} holds {} of the {} words it needs",
                held.len(),
                self.minimum
            )));
        }
        let details: Vec<Explanation> = held.into_iter().flatten().collect();
        let total = details.iter().map(Explanation::value).sum();
        let description = format!("sum of the words held ({} needed)", self.minimum);
        let mut explanation = Explanation::new_with_string(description, total);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// Documents are taken a window at a time, as tantivy's union does: every
/// walked clause adds its postings' words and scores to the window's
/// counters, which costs a few array writes a posting instead of a heap.
const WINDOW: u32 = 4096;

struct AtLeastScorer {
    /// The rarest words, walked: each clause's scorer, by word.
    walked: Vec<Vec<Box<dyn Scorer>>>,
    /// The commonest `minimum − 1` words, rarest first, only asked.
    asked: Vec<Vec<Part>>,
    minimum: usize,
    /// The window holds documents `start..start + WINDOW`.
    start: DocId,
    /// Per document of the window: the walked words it holds, the last word
    /// counted, and the sum of its walked clauses' scores.
    held: Vec<u32>,
    last_word: Vec<usize>,
    scores: Vec<Score>,
    /// The window's documents some walked clause holds, not yet looked at,
    /// as bits; the blocks before `block` are empty.
    pending: Vec<u64>,
    block: usize,
    /// The asked clauses that hold `doc`.
    asked_on_doc: Vec<(usize, usize)>,
    doc: DocId,
    /// The walked clauses' part of the score of `doc`.
    walked_score: Score,
    score: Option<Score>,
}

impl AtLeastScorer {
    fn new(mut words: Vec<Vec<Box<dyn Scorer>>>, minimum: usize) -> AtLeastScorer {
        let asked = words
            .split_off(words.len() + 1 - minimum)
            .into_iter()
            .map(|clauses| clauses.into_iter().map(Part::new).collect())
            .collect();
        let mut scorer = AtLeastScorer {
            walked: words,
            asked,
            minimum,
            start: 0,
            held: vec![0; WINDOW as usize],
            last_word: vec![usize::MAX; WINDOW as usize],
            scores: vec![0.0; WINDOW as usize],
            pending: vec![0; WINDOW as usize / 64],
            block: 0,
            asked_on_doc: Vec::new(),
            doc: 0,
            walked_score: 0.0,
            score: None,
        };
        scorer.fill();
        scorer.find();
        scorer
    }

    /// Starts the window at the walked clauses' first document and adds
    /// every posting up to its end. False when every clause is done.
    fn fill(&mut self) -> bool {
        let Some(start) = self.walked.iter().flatten().map(|s| s.doc()).min() else {
            return false;
        };
        if start == TERMINATED {
            return false;
        }
        self.start = start;
        self.block = 0;
        let end = start.saturating_add(WINDOW);
        for (word, clauses) in self.walked.iter_mut().enumerate() {
            for clause in clauses.iter_mut() {
                let mut doc = clause.doc();
                while doc < end {
                    let at = (doc - start) as usize;
                    if self.last_word[at] != word {
                        self.last_word[at] = word;
                        self.held[at] += 1;
                        self.pending[at / 64] |= 1 << (at % 64);
                    }
                    self.scores[at] += clause.score();
                    doc = clause.advance();
                }
            }
        }
        true
    }

    /// Takes the window's next pending document at or after offset `from`,
    /// dropping those before it: their counters are cleared for the next
    /// window, its own are left for the caller to take.
    fn take_pending(&mut self, from: usize) -> Option<usize> {
        while self.block < self.pending.len() {
            let bits = &mut self.pending[self.block];
            if *bits == 0 {
                self.block += 1;
                continue;
            }
            let at = self.block * 64 + bits.trailing_zeros() as usize;
            *bits &= *bits - 1;
            self.last_word[at] = usize::MAX;
            if at >= from {
                return Some(at);
            }
            self.held[at] = 0;
            self.scores[at] = 0.0;
        }
        None
    }

    /// Moves to the next document, at or after offset `from` of the window
    /// and on, that holds `minimum` words.
    fn find_from(&mut self, mut from: usize) -> DocId {
        self.score = None;
        loop {
            let Some(at) = self.take_pending(from) else {
                if !self.fill() {
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
                from = 0;
                continue;
            };
            let doc = self.start + at as DocId;
            let mut held = std::mem::take(&mut self.held[at]) as usize;
            self.walked_score = std::mem::take(&mut self.scores[at]);
            self.asked_on_doc.clear();
            let mut unasked = self.asked.len();
            for (word, parts) in self.asked.iter_mut().enumerate() {
                if held + unasked < self.minimum {
                    break;
                }
                unasked -= 1;
                let mut holds = false;
                for (clause, part) in parts.iter_mut().enumerate() {
                    if part.matches(doc) {
                        self.asked_on_doc.push((word, clause));
                        holds = true;
                    }
                }
                held += usize::from(holds);
            }
            if held >= self.minimum {
                self.doc = doc;
                return doc;
            }
        }
    }

    fn find(&mut self) -> DocId {
        self.find_from(0)
    }
}

impl DocSet for AtLeastScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.find()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let end = self.start.saturating_add(WINDOW);
        if target < end {
            return self.find_from((target - self.start) as usize);
        }
        // Past the window: drop what it still holds (none of it is at or
        // after offset WINDOW), and start the next one at the target.
        let _ = self.take_pending(WINDOW as usize);
        for clause in self.walked.iter_mut().flatten() {
            if clause.doc() < target {
                clause.seek(target);
            }
        }
        self.find()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.walked
            .iter()
            .flatten()
            .map(|s| s.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.walked.iter().flatten().map(|s| s.cost()).sum()
    }
}

impl Scorer for AtLeastScorer {
    fn score(&mut self) -> Score {
        if let Some(score) = self.score {
            return score;
        }
        let mut score = self.walked_score;
        for &(word, clause) in &self.asked_on_doc {
            score += self.asked[word][clause].scorer.score();
        }
        self.score = Some(score);
        score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{DocAddress, Index, TantivyDocument};

    use super::*;

    /// The same documents and scores as tantivy's minimum-should-match over
    /// the same words, for every minimum, alone and beside a filter.
    #[test]
    fn matches_and_scores_as_minimum_should_match_does() {
        let mut builder = Schema::builder();
        let title = builder.add_text_field("title", TEXT);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        // Word i is in every (i+1)-th document's body, so the words' costs
        // differ; every fifth document has "a" and "b" in its title too.
        // Three windows of documents, and a filter ("x") with a gap wider
        // than a window, so that seeks land inside and past a window.
        for n in 0..12_000u32 {
            let mut doc = TantivyDocument::default();
            let words: Vec<&str> = ["a", "b", "c", "d", "e", "f", "g"]
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    n.is_multiple_of(*i as u32 + 1) || (n * 7 + *i as u32).is_multiple_of(11)
                })
                .map(|(_, w)| *w)
                .collect();
            doc.add_text(body, words.join(" "));
            if n.is_multiple_of(5) {
                doc.add_text(title, "a b");
            }
            let filtered = n.is_multiple_of(2) && !(5_000..10_000).contains(&n);
            doc.add_text(title, if filtered { "x" } else { "y" });
            writer.add_document(doc).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let term = |field, text: &str, boost: f32| -> Box<dyn Query> {
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, text),
                    IndexRecordOption::WithFreqs,
                )),
                boost,
            ))
        };
        let words = ["a", "b", "c", "d", "e", "f", "g", "absent"];
        let clauses = |w: &str| vec![term(title, w, 2.0), term(body, w, 1.0)];
        let hits = |query: &dyn Query| {
            let mut hits: Vec<(DocAddress, f32)> = searcher
                .search(query, &TopDocs::with_limit(20_000).order_by_score())
                .expect("search")
                .into_iter()
                .map(|(score, address)| (address, score))
                .collect();
            hits.sort_by_key(|(address, _)| *address);
            hits
        };
        let filtered = |query: Box<dyn Query>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::Must,
                    Box::new(BoostQuery::new(term(title, "x", 1.0), 0.0)),
                ),
            ]))
        };
        for minimum in 1..=words.len() + 1 {
            let ours: Box<dyn Query> = Box::new(AtLeastQuery {
                words: words.iter().map(|w| clauses(w)).collect(),
                minimum,
            });
            let theirs: Box<dyn Query> =
                Box::new(BooleanQuery::union_with_minimum_required_clauses(
                    words
                        .iter()
                        .map(|w| {
                            Box::new(BooleanQuery::new(
                                clauses(w).into_iter().map(|q| (Occur::Should, q)).collect(),
                            )) as Box<dyn Query>
                        })
                        .collect(),
                    minimum,
                ));
            for (ours, theirs) in [
                (hits(ours.as_ref()), hits(theirs.as_ref())),
                (
                    hits(filtered(ours).as_ref()),
                    hits(filtered(theirs).as_ref()),
                ),
            ] {
                if minimum <= 5 {
                    assert!(!ours.is_empty(), "minimum {minimum} matches something");
                }
                assert_eq!(ours.len(), theirs.len(), "minimum {minimum}");
                for ((ours, our_score), (theirs, their_score)) in ours.iter().zip(&theirs) {
                    assert_eq!(ours, theirs, "minimum {minimum}");
                    assert!(
                        (our_score - their_score).abs() < 1e-4,
                        "minimum {minimum}: {our_score} vs {their_score}"
                    );
                }
            }
        }
    }
}
