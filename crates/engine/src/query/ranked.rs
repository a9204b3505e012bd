//! The matching words find the articles; the ranking parts only add to
//! their scores. A boolean query of the two (`must` and `should`) scores the
//! same, but tantivy's union of the ranking parts fills a window of
//! thousands of documents at a time, checking every phrase in every one of
//! them, whether or not the matching part found it. Here each ranking part
//! is asked about the matched article alone (`seek_danger`: is it there?),
//! and a held span is first looked up as a word, which costs no reading of
//! positions: a short query on common characters searched 4× faster.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term};

/// Articles matching `matching`, scored by it plus every ranking part they
/// meet.
#[derive(Debug)]
pub struct RankedQuery {
    pub matching: Box<dyn Query>,
    /// Each adds its score where it matches.
    pub scored: Vec<Box<dyn Query>>,
    /// Each adds its constant once where any of its ways holds.
    pub held: Vec<Held>,
}

/// A constant for an article that holds something one of several ways,
/// tried in order: the cheap ones first.
#[derive(Debug)]
pub struct Held {
    pub ways: Vec<Box<dyn Query>>,
    pub score: Score,
}

impl Clone for RankedQuery {
    fn clone(&self) -> Self {
        RankedQuery {
            matching: self.matching.box_clone(),
            scored: self.scored.iter().map(|q| q.box_clone()).collect(),
            held: self.held.iter().map(Held::clone).collect(),
        }
    }
}

impl Clone for Held {
    fn clone(&self) -> Self {
        Held {
            ways: self.ways.iter().map(|q| q.box_clone()).collect(),
            score: self.score,
        }
    }
}

impl Query for RankedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let matching = self.matching.weight(enable_scoring)?;
        if !enable_scoring.is_scoring_enabled() {
            // Only what matches counts.
            return Ok(matching);
        }
        let scored = self
            .scored
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<_>>()?;
        let held = self
            .held
            .iter()
            .map(|held| {
                let ways = held
                    .ways
                    .iter()
                    // Held or not: how often does not matter.
                    .map(|q| q.weight(unscored(enable_scoring)))
                    .collect::<tantivy::Result<_>>()?;
                Ok((ways, held.score))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(RankedWeight {
            matching,
            scored,
            held,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.matching.query_terms(visitor);
        for query in &self.scored {
            query.query_terms(visitor);
        }
        for way in self.held.iter().flat_map(|h| &h.ways) {
            way.query_terms(visitor);
        }
    }
}

/// The same context with scoring off.
fn unscored(enable_scoring: EnableScoring<'_>) -> EnableScoring<'_> {
    match enable_scoring {
        EnableScoring::Enabled { searcher, .. } => EnableScoring::disabled_from_searcher(searcher),
        disabled => disabled,
    }
}

struct RankedWeight {
    matching: Box<dyn Weight>,
    scored: Vec<Box<dyn Weight>>,
    held: Vec<(Vec<Box<dyn Weight>>, Score)>,
}

impl Weight for RankedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scored = self
            .scored
            .iter()
            .map(|w| w.scorer(reader, boost).map(Part::new))
            .collect::<tantivy::Result<_>>()?;
        let held = self
            .held
            .iter()
            .map(|(ways, score)| {
                let ways = ways
                    .iter()
                    .map(|w| w.scorer(reader, 1.0).map(Part::new))
                    .collect::<tantivy::Result<_>>()?;
                Ok((ways, score * boost))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(RankedScorer {
            matching: self.matching.scorer(reader, boost)?,
            scored,
            held,
            scored_doc: None,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let matched = self.matching.explain(reader, doc)?;
        let mut details = vec![matched];
        for weight in &self.scored {
            if let Ok(explanation) = weight.explain(reader, doc) {
                details.push(explanation);
            }
        }
        for (ways, score) in &self.held {
            if ways.iter().any(|w| w.explain(reader, doc).is_ok()) {
                details.push(Explanation::new("span held", *score));
            }
        }
        let total = details.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("sum of", total);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// A ranking part's scorer, and the first document it may still match: it
/// is only asked about documents from there on, each once, in order.
pub(super) struct Part {
    pub(super) scorer: Box<dyn Scorer>,
    next_possible: DocId,
}

impl Part {
    pub(super) fn new(scorer: Box<dyn Scorer>) -> Part {
        Part {
            next_possible: scorer.doc(),
            scorer,
        }
    }

    /// Whether it matches `doc` (left valid on it when it does).
    pub(super) fn matches(&mut self, doc: DocId) -> bool {
        if doc < self.next_possible {
            return false;
        }
        match self.scorer.seek_danger(doc) {
            SeekDangerResult::Found => {
                self.next_possible = doc + 1;
                true
            }
            SeekDangerResult::SeekLowerBound(bound) => {
                self.next_possible = bound;
                false
            }
        }
    }
}

struct RankedScorer {
    matching: Box<dyn Scorer>,
    scored: Vec<Part>,
    held: Vec<(Vec<Part>, Score)>,
    /// The last document scored and its score: the parts are asked about
    /// each document once.
    scored_doc: Option<(DocId, Score)>,
}

impl DocSet for RankedScorer {
    fn advance(&mut self) -> DocId {
        self.matching.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.matching.seek(target)
    }

    fn doc(&self) -> DocId {
        self.matching.doc()
    }

    fn size_hint(&self) -> u32 {
        self.matching.size_hint()
    }
}

impl Scorer for RankedScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc();
        if let Some((scored, score)) = self.scored_doc
            && scored == doc
        {
            return score;
        }
        let mut score = self.matching.score();
        for part in &mut self.scored {
            if part.matches(doc) {
                score += part.scorer.score();
            }
        }
        for (ways, held) in &mut self.held {
            // The first way that holds decides; the others are not asked.
            if ways.iter_mut().any(|way| way.matches(doc)) {
                score += *held;
            }
        }
        self.scored_doc = Some((doc, score));
        score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{DocAddress, Index, TantivyDocument};

    use super::*;

    /// Every matched document scores what the boolean of `must` matching
    /// and `should` ranking parts gives it, and no other document matches.
    #[test]
    fn scores_are_those_of_the_boolean_query() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for text in ["a b c", "a c", "b c a", "a", "c d", "a d d", "b c"] {
            let mut doc = TantivyDocument::default();
            doc.add_text(body, text);
            writer.add_document(doc).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let term = |text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(body, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let phrase = || -> Box<dyn Query> {
            Box::new(PhraseQuery::new(vec![
                Term::from_field_text(body, "b"),
                Term::from_field_text(body, "c"),
            ]))
        };
        let ranked = RankedQuery {
            matching: term("a"),
            scored: vec![term("b"), phrase()],
            held: vec![Held {
                ways: vec![term("d"), term("c")],
                score: 5.0,
            }],
        };
        let either: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            (Occur::Should, term("d")),
            (Occur::Should, term("c")),
        ]));
        let boolean = BooleanQuery::new(vec![
            (Occur::Must, term("a")),
            (
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, term("b")),
                    (Occur::Should, phrase()),
                    (Occur::Should, Box::new(ConstScoreQuery::new(either, 5.0))),
                ])),
            ),
        ]);
        let scores = |query: &dyn Query| {
            let mut hits: Vec<(DocAddress, f32)> = searcher
                .search(query, &TopDocs::with_limit(10).order_by_score())
                .expect("search")
                .into_iter()
                .map(|(score, address)| (address, score))
                .collect();
            hits.sort_by_key(|(address, _)| *address);
            hits
        };
        let (ours, theirs) = (scores(&ranked), scores(&boolean));
        assert_eq!(ours.len(), 5, "the five documents holding a");
        assert_eq!(ours.len(), theirs.len());
        for ((ours, our_score), (theirs, their_score)) in ours.iter().zip(&theirs) {
            assert_eq!(ours, theirs);
            assert!(
                (our_score - their_score).abs() < 1e-4,
                "{our_score} vs {their_score}"
            );
        }
    }
}
