//! One step from a [`Plan`] to tantivy queries: word terms in title and
//! body, exact runs of the character view, the proximity bonus, filters.

use std::ops::Bound;

use chrono::{DateTime, FixedOffset};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::at_least::AtLeastQuery;
use super::plan::{
    Condition, KeywordField, Plan, PlannedPair, Role, SpanScore, TextFields, TextPlan, WordClass,
};
use super::proximity::ProximityQuery;
use super::ranked::{Held, RankedQuery};
use crate::analysis::char_tokens;
use crate::index::to_tantivy_date;
use crate::schema::Fields;

/// Turns a plan into the query to run.
pub fn compile(plan: &Plan, fields: &Fields) -> Box<dyn Query> {
    if plan.is_empty() {
        return Box::new(EmptyQuery);
    }
    let compiler = Compiler { fields };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(text) = plan.text.as_ref().filter(|t| !t.is_empty()) {
        let occur = if plan.text_required {
            Occur::Must
        } else {
            Occur::Should
        };
        clauses.push((occur, compiler.text(text)));
    }
    for condition in &plan.required {
        clauses.push((Occur::Must, compiler.condition(condition)));
    }
    for condition in &plan.excluded {
        clauses.push((Occur::MustNot, compiler.condition(condition)));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// A search in two passes: the words alone find and order the articles
/// first, and the ranking parts (proximity, held spans, common words), if
/// the query has any, are asked only about the best of them.
pub struct Compiled {
    /// The whole query: what it matches is what the search matches.
    pub query: Box<dyn Query>,
    pub passes: Option<TwoPasses>,
}

/// The query's score is `first`'s plus `parts`', on every article it
/// matches; `first` matches those same articles. Made only for a text
/// whose matching words are one union of terms with no minimum and no
/// filter beside it: block-max WAND then skips what cannot reach the
/// best, where any other first pass would score every match anyway.
pub struct TwoPasses {
    /// The text's matching words alone, as one union of terms.
    pub first: Box<dyn Query>,
    /// What the text's ranking parts add, on an article the query matches.
    pub parts: Box<dyn Query>,
}

/// A text whose matching words reach fewer articles than this is scored
/// whole in one pass: asking the ranking parts about each of its matches
/// costs less than a second pass (from 20,000, questions at 1 M articles
/// measured slower in two passes; from 100,000 they did not, and keyword
/// p99 still fell 416 → 237 ms).
pub const TWO_PASSES_FROM: u64 = 100_000;

/// At most how many articles a text's matching words find: the sum of
/// their document frequencies, over how many of them must match.
fn reach(text: &TextPlan) -> u64 {
    let held: u64 = text
        .words
        .iter()
        .filter(|word| word.role == Role::Matches)
        .map(|word| word.document_frequency)
        .sum();
    held / text.minimum_match.max(1) as u64
}

/// The query, and its two passes when its matching words are one union of
/// terms reaching `from` articles or more (the ranking parts, if any, then
/// score the first pass's best).
pub fn compile_in_two_passes(plan: &Plan, fields: &Fields, from: u64) -> Compiled {
    let compiler = Compiler { fields };
    let query = compile(plan, fields);
    let passes = plan
        .text
        .as_ref()
        .filter(|text| reach(text) >= from)
        .map(|text| compiler.text_pieces(text))
        // Only a union of terms gains: without pruning, the first pass
        // scores every match anyway (measured at 5 M articles). A
        // passage's minimum of words is no union, and block-max WAND over
        // the union of its hundred-odd words measured 3× slower than one
        // pass (0.12 M articles).
        .filter(|pieces| pieces.has_matching() && pieces.terms_only && !pieces.has_minimum())
        .filter(|_| plan.text_required && plan.required.is_empty() && plan.excluded.is_empty())
        .map(|pieces| TwoPasses {
            first: any_of(pieces.flat_matching()),
            parts: pieces.parts(),
        });
    Compiled { query, passes }
}

struct Compiler<'a> {
    fields: &'a Fields,
}

/// A text's queries before they are put together.
struct TextPieces {
    /// One entry per matching word (or widening pair), its clauses, so
    /// that a minimum counts words, not fields.
    matching: Vec<Vec<Box<dyn Query>>>,
    minimum_match: usize,
    /// Every matching clause is a term.
    terms_only: bool,
    /// Each adds its score where it matches.
    ranking: Vec<Box<dyn Query>>,
    held: Vec<Held>,
}

impl TextPieces {
    fn has_matching(&self) -> bool {
        !self.matching.is_empty()
    }

    fn has_minimum(&self) -> bool {
        self.minimum_match > 1 && self.matching.len() > 1
    }

    /// The matching words: an article must hold `minimum_match` of them.
    fn matching(&self) -> Box<dyn Query> {
        if self.has_minimum() {
            Box::new(AtLeastQuery {
                words: self.matching.iter().map(|clauses| clone(clauses)).collect(),
                minimum: self.minimum_match.min(self.matching.len()),
            })
        } else {
            any_of(
                self.matching
                    .iter()
                    .map(|clauses| any_of(clone(clauses)))
                    .collect(),
            )
        }
    }

    /// Every clause of the matching words side by side.
    fn flat_matching(&self) -> Vec<Box<dyn Query>> {
        self.matching
            .iter()
            .flat_map(|clauses| clone(clauses))
            .collect()
    }

    /// What the ranking parts add to an article of the first pass, which
    /// the whole query matches.
    fn parts(self) -> Box<dyn Query> {
        Box::new(RankedQuery {
            matching: Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            scored: self.ranking,
            held: self.held,
        })
    }

    fn whole(self) -> Box<dyn Query> {
        if self.matching.is_empty() {
            // The ranking parts are what matches.
            let mut ranking = self.ranking;
            ranking.extend(self.held.into_iter().map(|h| {
                Box::new(ConstScoreQuery::new(any_of(h.ways), h.score)) as Box<dyn Query>
            }));
            return any_of(ranking);
        }
        let matching = self.matching();
        if self.ranking.is_empty() && self.held.is_empty() {
            return matching;
        }
        // Articles the matching words find get every score they had; those
        // holding only ranking words are never visited.
        Box::new(RankedQuery {
            matching,
            scored: self.ranking,
            held: self.held,
        })
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if (weight - 1.0).abs() < f32::EPSILON {
        query
    } else {
        Box::new(BoostQuery::new(query, weight))
    }
}

fn unscored(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

fn clone(queries: &[Box<dyn Query>]) -> Vec<Box<dyn Query>> {
    queries.iter().map(|q| q.box_clone()).collect()
}

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.into_iter().next().expect("one query"),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

/// An exact run of characters in a character-view field.
fn chars_phrase(field: Field, text: &str) -> Option<Box<dyn Query>> {
    let tokens = char_tokens(text);
    match tokens.as_slice() {
        [] => None,
        [only] => Some(term_query(field, &only.text)),
        _ => {
            let first = tokens[0].position;
            let terms = tokens
                .iter()
                .map(|t| (t.position - first, Term::from_field_text(field, &t.text)))
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

/// Two words side by side, as in the query.
fn side_by_side(field: Field, pair: &PlannedPair) -> Box<dyn Query> {
    Box::new(PhraseQuery::new_with_offset(vec![
        (0, Term::from_field_text(field, &pair.first)),
        (
            pair.first.chars().count(),
            Term::from_field_text(field, &pair.second),
        ),
    ]))
}

impl Compiler<'_> {
    fn chars_fields(&self, fields: TextFields) -> Vec<Field> {
        match fields {
            TextFields::Title => vec![self.fields.title_chars],
            TextFields::Body => vec![self.fields.body_chars],
            TextFields::TitleAndBody => vec![self.fields.title_chars, self.fields.body_chars],
        }
    }

    fn keyword_field(&self, field: KeywordField) -> Field {
        match field {
            KeywordField::Source => self.fields.source,
            KeywordField::Category => self.fields.category,
            KeywordField::Author => self.fields.author,
        }
    }

    fn phrase(&self, text: &str, fields: TextFields) -> Box<dyn Query> {
        any_of(
            self.chars_fields(fields)
                .into_iter()
                .filter_map(|field| chars_phrase(field, text))
                .collect(),
        )
    }

    /// Scored plain words: the matching part decides which articles match,
    /// the ranking part adds to their scores.
    fn text_pieces(&self, text: &TextPlan) -> TextPieces {
        let f = self.fields;
        // One entry per matching word (or widening pair), so that a
        // minimum counts words, not fields.
        let mut matching: Vec<Vec<Box<dyn Query>>> = Vec::new();
        let mut terms_only = true;
        let mut ranking: Vec<Box<dyn Query>> = Vec::new();
        for word in &text.words {
            let mut clauses: Vec<Box<dyn Query>> = Vec::new();
            let weighted = |field_weight: f32| field_weight * word.weight;
            if word.class == WordClass::Characters {
                // Phrases of characters: what jieba made of the text is unknown.
                for (field, weight) in [(f.title_chars, text.title_weight), (f.body_chars, 1.0)] {
                    clauses.extend(
                        chars_phrase(field, &word.text).map(|q| boosted(q, weighted(weight))),
                    );
                }
            } else {
                clauses.push(boosted(
                    term_query(f.title, &word.text),
                    weighted(text.title_weight),
                ));
                clauses.push(boosted(term_query(f.body, &word.text), weighted(1.0)));
            }
            // The other forms of a synonym rule: however jieba cut them,
            // found as exact runs of characters.
            for form in &word.synonyms {
                for (field, weight) in [(f.title_chars, text.title_weight), (f.body_chars, 1.0)] {
                    clauses.extend(chars_phrase(field, form).map(|q| boosted(q, weighted(weight))));
                }
            }
            match word.role {
                Role::Matches => {
                    terms_only &= word.class != WordClass::Characters && word.synonyms.is_empty();
                    matching.push(clauses);
                }
                Role::Ranks => ranking.extend(clauses),
                Role::Proximity => {}
            }
        }
        if let Some(coverage) = &text.coverage {
            // Not tantivy's minimum-should-match: it has no seek, so asked
            // about one matched article it walks every posting before it,
            // the common words' too.
            let words = coverage
                .words
                .iter()
                .map(|word| vec![term_query(f.body, word)])
                .collect();
            ranking.push(boosted(
                Box::new(AtLeastQuery {
                    words,
                    minimum: coverage.minimum,
                }),
                coverage.weight,
            ));
        }
        for pair in &text.pairs {
            if !pair.windows.is_empty() {
                ranking.push(Box::new(ProximityQuery::new(
                    Term::from_field_text(f.body, &pair.first),
                    Term::from_field_text(f.body, &pair.second),
                    pair.first.chars().count() as u32,
                    &pair.windows,
                )));
            }
            if pair.title_weight > 0.0 {
                ranking.push(boosted(side_by_side(f.title, pair), pair.title_weight));
            }
            if pair.widening {
                // Scored by the bonuses; here they only match.
                let either = any_of(vec![
                    side_by_side(f.title, pair),
                    side_by_side(f.body, pair),
                ]);
                let widening: Box<dyn Query> = Box::new(ConstScoreQuery::new(either, 0.0));
                terms_only = false;
                matching.push(vec![widening]);
            }
        }
        let mut held: Vec<Held> = Vec::new();
        for span in &text.spans {
            if span.score == SpanScore::Held {
                // A chunk jieba made one word of is held wherever the word
                // is, with no positions read; else as a run of characters.
                let mut ways = vec![
                    term_query(f.title, &span.text),
                    term_query(f.body, &span.text),
                ];
                ways.extend(
                    [f.title_chars, f.body_chars]
                        .into_iter()
                        .filter_map(|field| chars_phrase(field, &span.text)),
                );
                held.push(Held {
                    ways,
                    score: span.weight,
                });
                continue;
            }
            for (field, weight) in [(f.title_chars, text.title_weight), (f.body_chars, 1.0)] {
                ranking.extend(
                    chars_phrase(field, &span.text).map(|q| boosted(q, weight * span.weight)),
                );
            }
        }
        TextPieces {
            matching,
            minimum_match: text.minimum_match,
            terms_only,
            ranking,
            held,
        }
    }

    fn text(&self, text: &TextPlan) -> Box<dyn Query> {
        self.text_pieces(text).whole()
    }

    fn condition(&self, condition: &Condition) -> Box<dyn Query> {
        match condition {
            Condition::Phrase { text, fields } => self.phrase(text, *fields),
            Condition::AllWords { words, fields } => {
                let (word_field, chars_field) = match fields {
                    TextFields::Title => (self.fields.title, self.fields.title_chars),
                    _ => (self.fields.body, self.fields.body_chars),
                };
                Box::new(BooleanQuery::new(
                    words
                        .iter()
                        .map(|word| {
                            let mut either = vec![term_query(word_field, word)];
                            either.extend(chars_phrase(chars_field, word));
                            (Occur::Must, any_of(either))
                        })
                        .collect(),
                ))
            }
            Condition::Text(text) => self.text(text),
            // Filters say what matches, never how well.
            Condition::Keyword { field, value } => {
                unscored(term_query(self.keyword_field(*field), value))
            }
            Condition::Published { from, to } => {
                unscored(date_range(self.fields.published, *from, *to))
            }
            Condition::Ids(ids) => {
                let terms = ids
                    .iter()
                    .map(|id| Term::from_field_text(self.fields.id, id));
                unscored(Box::new(TermSetQuery::new(terms)))
            }
            Condition::AnyOf(conditions) => {
                any_of(conditions.iter().map(|c| self.condition(c)).collect())
            }
            Condition::Nothing => Box::new(EmptyQuery),
        }
    }
}

fn date_range(
    field: Field,
    from: Option<DateTime<FixedOffset>>,
    to: Option<DateTime<FixedOffset>>,
) -> Box<dyn Query> {
    let bound = |date: Option<DateTime<FixedOffset>>| match date {
        Some(date) => Bound::Included(Term::from_field_date(field, to_tantivy_date(date))),
        None => Bound::Unbounded,
    };
    // tantivy panics on a range open at both ends; such a range limits nothing.
    if from.is_none() && to.is_none() {
        return Box::new(AllQuery);
    }
    Box::new(RangeQuery::new(bound(from), bound(to)))
}
