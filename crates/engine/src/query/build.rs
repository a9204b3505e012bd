//! Turning a parsed query and its filters into a tantivy query.
//!
//! Plain words are segmented exactly as the text was and searched as a
//! disjunction: BM25 on jieba words in title (weighted up) and body, a bonus
//! where neighbouring query words stand close together and one for articles
//! holding most of the words. A word that jieba never produced for any
//! article is looked up as a run of characters instead (recall where the text
//! was cut differently). Quoted phrases are exact runs of the character view.

use std::ops::Bound;

use chrono::{DateTime, FixedOffset};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::parse::{Clause, ParsedQuery, Scope};
use super::proximity::{ProximityQuery, Window};
use crate::analysis::{Analysis, char_tokens, fold, is_term_char, keyword};
use crate::index::to_tantivy_date;
use crate::schema::Fields;

/// Relative weights of the parts of a plain-word query, tuned on the dev
/// questions of shared/eval (see the README for what each bought).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub title_words: f32,
    pub body_words: f32,
    /// Bonus for neighbouring query words standing close together.
    pub proximity: f32,
    /// Characters between two query words still counted as "close".
    pub proximity_slop: u32,
    /// Further bonus for neighbours within `near_slop` characters.
    pub near: f32,
    pub near_slop: u32,
    /// Bonus for articles holding most of the query's words.
    pub coverage: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title_words: 2.0,
            body_words: 1.0,
            proximity: 0.5,
            proximity_slop: 13,
            near: 0.3,
            near_slop: 5,
            coverage: 0.4,
        }
    }
}

/// Words that ask rather than say: they never decide the ranking.
const QUESTION_WORDS: &[&str] = &[
    "什么",
    "哪些",
    "哪个",
    "哪里",
    "哪儿",
    "多少",
    "怎么",
    "怎样",
    "如何",
    "为什么",
    "为何",
    "是否",
    "是不是",
    "谁",
    "何时",
    "几",
    "吗",
    "呢",
    "吧",
    "啊",
    "的",
    "了",
    "是",
    "在",
    "有",
    "和",
    "与",
    "及",
    "被",
    "对",
    "把",
    "从",
    "以",
    "将",
    "等",
    "这",
    "那",
    "其",
    "该",
    "哪",
    "之",
    "也",
    "都",
    "就",
    "而",
    "或",
    "还",
    "又",
    "请问",
    "可以",
    "能够",
    "这个",
    "那个",
    "一个",
    "所",
    "于",
    "为",
    "由",
    "会",
    "要",
    "中",
    "上",
    "下",
];

/// Filters given as explicit parameters, beside the query string.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub from: Option<DateTime<FixedOffset>>,
    pub to: Option<DateTime<FixedOffset>>,
    pub source: Option<String>,
    pub category: Option<String>,
}

/// A query ready to run, with what to highlight and how it was understood.
pub struct Plan {
    pub query: Box<dyn Query>,
    /// Words and phrases to mark in titles and snippets.
    pub highlight: Vec<String>,
    /// True when nothing in the query can match anything (only punctuation).
    pub is_empty: bool,
    /// The searched terms per field, for `--explain`.
    pub terms: Vec<(String, Vec<String>)>,
}

/// The content words of free text, folded, in query order.
pub fn content_words(analysis: &Analysis, text: &str) -> Vec<String> {
    analysis
        .query_words(text)
        .into_iter()
        .filter(|w| !QUESTION_WORDS.contains(&w.as_str()))
        .collect()
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

fn any_of(queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.into_iter().next().expect("one query"),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

/// Builds plans from parsed queries.
pub struct Planner<'a> {
    pub fields: &'a Fields,
    pub analysis: &'a Analysis,
    pub weights: Weights,
    /// The index being searched: tells which words jieba made for its articles.
    pub searcher: &'a Searcher,
}

impl Planner<'_> {
    fn chars_fields(&self, scope: Scope) -> Vec<Field> {
        match scope {
            Scope::Title => vec![self.fields.title_chars],
            Scope::Body => vec![self.fields.body_chars],
            _ => vec![self.fields.title_chars, self.fields.body_chars],
        }
    }

    fn keyword_field(&self, scope: Scope) -> Option<Field> {
        match scope {
            Scope::Source => Some(self.fields.source),
            Scope::Category => Some(self.fields.category),
            Scope::Author => Some(self.fields.author),
            _ => None,
        }
    }

    /// The exact phrase anywhere in the scope.
    fn phrase(&self, text: &str, scope: Scope) -> Option<Box<dyn Query>> {
        if let Some(field) = self.keyword_field(scope) {
            return Some(term_query(field, &keyword(text)));
        }
        let alternatives: Vec<Box<dyn Query>> = self
            .chars_fields(scope)
            .into_iter()
            .filter_map(|f| chars_phrase(f, text))
            .collect();
        (!alternatives.is_empty()).then(|| any_of(alternatives))
    }

    /// A word in more than this share of the articles is common (今年, 7,
    /// 美国): it ranks the articles the rarer words find but does not widen
    /// the match on its own, as Lucene's common-terms query does, so a
    /// question holding one does not score half the archive.
    const COMMON_WORD_SHARE: f64 = 0.05;
    /// A word in more than this share of the articles (人, 月, 发展) weighs
    /// next to nothing in BM25, yet scoring it costs a seek in a long list
    /// for every match: beside rarer words it only counts in the proximity
    /// and coverage bonuses (tuned on the dev set: no loss at 0.2).
    const VERY_COMMON_WORD_SHARE: f64 = 0.2;
    /// Rare words that find fewer articles than this cannot fill the first
    /// hundred results: then common words side by side match too.
    const FEW_ARTICLES: f64 = 100.0;

    /// The share of the articles whose body holds this word, and whether any
    /// article holds it as a word at all (title or body).
    fn word_stats(&self, word: &str) -> (f64, bool) {
        let holding = |field| {
            self.searcher
                .doc_freq(&Term::from_field_text(field, word))
                .unwrap_or(0)
        };
        let in_body = holding(self.fields.body);
        let indexed = in_body > 0 || holding(self.fields.title) > 0;
        let articles = self.searcher.num_docs().max(1);
        (in_body as f64 / articles as f64, indexed)
    }

    /// Plain words, scored: each word in title and body, words jieba never
    /// made as character phrases, a bonus for covering most of the words and
    /// for neighbours close together. Rare words decide what matches; common
    /// words and the bonuses only rank (unless every word is common).
    fn scored_words(
        &self,
        words: &[String],
        terms: &mut Vec<(String, Vec<String>)>,
    ) -> Option<Box<dyn Query>> {
        let w = self.weights;
        let mut unique: Vec<&String> = Vec::new();
        for word in words {
            if !unique.contains(&word) {
                unique.push(word);
            }
        }
        let mut matching: Vec<Box<dyn Query>> = Vec::new();
        let mut ranking: Vec<Box<dyn Query>> = Vec::new();
        let mut by_characters = Vec::new();
        let mut common = Vec::new();
        let stats: Vec<(f64, bool)> = unique.iter().map(|word| self.word_stats(word)).collect();
        let has_rare_word = stats
            .iter()
            .any(|(share, indexed)| *indexed && *share <= Self::COMMON_WORD_SHARE);
        for (word, &(share, indexed)) in unique.iter().zip(&stats) {
            // A word no article holds as a word (a typo, or one jieba cut
            // otherwise) must not narrow the match to nothing.
            let clauses = if !indexed {
                &mut ranking
            } else if share > Self::COMMON_WORD_SHARE {
                common.push(word.to_string());
                &mut ranking
            } else {
                &mut matching
            };
            if !(has_rare_word && share > Self::VERY_COMMON_WORD_SHARE) {
                clauses.push(boosted(term_query(self.fields.title, word), w.title_words));
                clauses.push(boosted(term_query(self.fields.body, word), w.body_words));
            }
            if word.chars().count() >= 2 && !indexed {
                // Phrases of characters are slow to match: they rank.
                for (field, weight) in [
                    (self.fields.title_chars, w.title_words),
                    (self.fields.body_chars, w.body_words),
                ] {
                    ranking.extend(chars_phrase(field, word).map(|q| boosted(q, weight)));
                }
                by_characters.push(word.to_string());
            }
        }
        // The best answers hold most of the words (the very common ones,
        // which nearly every article holds, left out: they would tell little
        // and cost a seek per match each).
        let covered: Vec<&String> = unique
            .iter()
            .zip(&stats)
            .filter(|(_, (share, _))| !(has_rare_word && *share > Self::VERY_COMMON_WORD_SHARE))
            .map(|(word, _)| *word)
            .collect();
        if w.coverage > 0.0 && covered.len() >= 3 {
            let required = (covered.len() * 3).div_ceil(4);
            let body_terms: Vec<Box<dyn Query>> = covered
                .iter()
                .map(|word| term_query(self.fields.body, word))
                .collect();
            ranking.push(boosted(
                Box::new(BooleanQuery::union_with_minimum_required_clauses(
                    body_terms, required,
                )),
                w.coverage,
            ));
        }
        // Neighbouring words close together in the body earn a bonus, the
        // closer the larger. Two common words side by side (工作要求) can
        // tell as much as a rare word: standing so, they score as a phrase,
        // and where the rare words find too few articles to fill the first
        // hundred, they match too.
        let articles = self.searcher.num_docs() as f64;
        let rare_reach = stats
            .iter()
            .filter(|(share, indexed)| *indexed && *share <= Self::COMMON_WORD_SHARE)
            .map(|(share, _)| share * articles)
            .fold(0.0, f64::max);
        let widen = has_rare_word && rare_reach < Self::FEW_ARTICLES;
        let mut widening_pairs = Vec::new();
        for pair in words.windows(2) {
            if pair[0] == pair[1] {
                continue;
            }
            // Only words of two characters or more: pairs like 7月 stand in
            // most articles and are costly to find.
            let is_common_pair = pair.iter().all(|word| {
                let (share, indexed) =
                    stats[unique.iter().position(|u| *u == word).expect("listed")];
                indexed && share > Self::COMMON_WORD_SHARE && word.chars().count() >= 2
            });
            ranking.extend(self.proximity(pair, is_common_pair));
            if is_common_pair {
                ranking.push(boosted(
                    self.side_by_side(self.fields.title, pair),
                    w.title_words,
                ));
                if widen {
                    // Scored by the bonuses; here they only match.
                    let either = any_of(vec![
                        self.side_by_side(self.fields.title, pair),
                        self.side_by_side(self.fields.body, pair),
                    ]);
                    matching.push(Box::new(ConstScoreQuery::new(either, 0.0)));
                    widening_pairs.push(pair.concat());
                }
            }
        }
        let words: Vec<String> = unique.iter().map(|s| s.to_string()).collect();
        terms.push(("title, body (words)".into(), words));
        terms.push((
            "title_chars, body_chars (as characters: words jieba never made)".into(),
            by_characters,
        ));
        if !common.is_empty() && !matching.is_empty() {
            terms.push((
                "common words (rank what the other words find, never match alone; in over a fifth of the articles, only through the proximity and coverage bonuses)".into(),
                common,
            ));
        }
        if !widening_pairs.is_empty() {
            terms.push((
                "common words side by side (match too: the rarer words find under 100 articles)"
                    .into(),
                widening_pairs,
            ));
        }
        match (matching.is_empty(), ranking.is_empty()) {
            (true, true) => None,
            (true, false) => Some(any_of(ranking)),
            (false, true) => Some(any_of(matching)),
            // Articles the rare words find get every score they had; those
            // holding only common words are no longer visited.
            (false, false) => Some(Box::new(BooleanQuery::new(vec![
                (Occur::Must, any_of(matching)),
                (Occur::Should, any_of(ranking)),
            ]))),
        }
    }

    /// The bonus for a pair of neighbouring query words close together in
    /// the body; side by side, a common pair also scores as a phrase would.
    fn proximity(&self, pair: &[String], is_common_pair: bool) -> Option<Box<dyn Query>> {
        let w = self.weights;
        let windows = [
            Window {
                slop: w.proximity_slop,
                weight: w.proximity,
            },
            Window {
                slop: w.near_slop,
                weight: w.near,
            },
            Window {
                slop: 0,
                weight: if is_common_pair { w.body_words } else { 0.0 },
            },
        ];
        let query = ProximityQuery::new(
            Term::from_field_text(self.fields.body, &pair[0]),
            Term::from_field_text(self.fields.body, &pair[1]),
            pair[0].chars().count() as u32,
            &windows,
        );
        query
            .has_windows()
            .then(|| Box::new(query) as Box<dyn Query>)
    }

    /// Two words side by side, as in the query.
    fn side_by_side(&self, field: Field, pair: &[String]) -> Box<dyn Query> {
        Box::new(PhraseQuery::new_with_offset(vec![
            (0, Term::from_field_text(field, &pair[0])),
            (
                pair[0].chars().count(),
                Term::from_field_text(field, &pair[1]),
            ),
        ]))
    }

    /// Every word must appear in the scope (a `title:` or `body:` clause).
    fn required_words(&self, text: &str, scope: Scope) -> Option<Box<dyn Query>> {
        if let Some(field) = self.keyword_field(scope) {
            return Some(term_query(field, &keyword(text)));
        }
        let word_field = if scope == Scope::Title {
            self.fields.title
        } else {
            self.fields.body
        };
        let chars_field = if scope == Scope::Title {
            self.fields.title_chars
        } else {
            self.fields.body_chars
        };
        let required: Vec<(Occur, Box<dyn Query>)> = content_words(self.analysis, text)
            .iter()
            .map(|word| {
                let mut either = vec![term_query(word_field, word)];
                either.extend(chars_phrase(chars_field, word));
                (Occur::Must, any_of(either))
            })
            .collect();
        (!required.is_empty()).then(|| Box::new(BooleanQuery::new(required)) as Box<dyn Query>)
    }

    /// A clause as a query that must match (used for `OR` alternatives).
    fn alternative(&self, clause: &Clause, highlight: &mut Vec<String>) -> Option<Box<dyn Query>> {
        match clause {
            Clause::Words { text, scope, .. } => {
                let words = content_words(self.analysis, text);
                highlight.extend(words.iter().cloned());
                if *scope == Scope::Text {
                    self.scored_words(&words, &mut Vec::new())
                } else {
                    self.required_words(text, *scope)
                }
            }
            Clause::Phrase { text, scope, .. } => {
                highlight.push(text.clone());
                self.phrase(text, *scope)
            }
            Clause::Published { from, to } => Some(date_range(self.fields.published, *from, *to)),
            Clause::Or(alternatives) => {
                let queries: Vec<Box<dyn Query>> = alternatives
                    .iter()
                    .filter_map(|a| self.alternative(a, highlight))
                    .collect();
                (!queries.is_empty()).then(|| any_of(queries))
            }
        }
    }

    /// Builds the plan of a parsed query with its filters.
    pub fn plan(&self, parsed: &ParsedQuery, filters: &Filters) -> Plan {
        let mut must: Vec<Box<dyn Query>> = Vec::new();
        let mut must_not: Vec<Box<dyn Query>> = Vec::new();
        let mut should: Vec<Box<dyn Query>> = Vec::new();
        let mut highlight = Vec::new();
        let mut terms = Vec::new();
        let mut free_text = String::new();
        let mut searchable = false;
        // Whether a phrase, scoped words or an OR is required: then plain words
        // only rank. Beside filters alone, plain words must match.
        let mut required_text = false;
        for clause in &parsed.clauses {
            match clause {
                Clause::Words {
                    text,
                    scope: Scope::Text,
                    negated: false,
                } => {
                    free_text.push_str(text);
                    free_text.push(' ');
                }
                Clause::Words {
                    text,
                    negated: true,
                    ..
                }
                | Clause::Phrase {
                    text,
                    negated: true,
                    ..
                } => {
                    let scope = match clause {
                        Clause::Words { scope, .. } | Clause::Phrase { scope, .. } => *scope,
                        _ => Scope::Text,
                    };
                    must_not.extend(self.phrase(text, scope));
                }
                other => {
                    let scored = matches!(other, Clause::Phrase { .. } | Clause::Words { .. });
                    if let Some(query) = self.alternative(other, &mut highlight) {
                        // Keyword scopes (source:, category:, author:) filter like dates.
                        let textual = match other {
                            Clause::Words { scope, .. } | Clause::Phrase { scope, .. } => {
                                matches!(scope, Scope::Text | Scope::Title | Scope::Body)
                            }
                            Clause::Or(_) => true,
                            Clause::Published { .. } => false,
                        };
                        searchable |= scored || textual;
                        required_text |= textual;
                        must.push(query);
                    } else if scored {
                        // A required clause with no searchable text can match nothing.
                        must.push(Box::new(EmptyQuery));
                    }
                }
            }
        }
        let words = content_words(self.analysis, &free_text);
        if words.is_empty()
            && !free_text.trim().is_empty()
            && fold(&free_text).chars().any(is_term_char)
        {
            // Only question words: search them rather than nothing.
            let all_words = self.analysis.query_words(&free_text);
            should.extend(self.scored_words(&all_words, &mut terms));
            highlight.extend(all_words);
        } else if !words.is_empty() {
            should.extend(self.scored_words(&words, &mut terms));
            highlight.extend(words);
        }
        searchable |= !should.is_empty();
        for (field, value) in [
            (self.fields.source, &filters.source),
            (self.fields.category, &filters.category),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                must.push(term_query(field, &keyword(value)));
            }
        }
        let has_filters = filters.from.is_some() || filters.to.is_some();
        if has_filters {
            must.push(date_range(self.fields.published, filters.from, filters.to));
        }
        let is_empty = !searchable && must.is_empty();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !should.is_empty() {
            let occur = if required_text {
                Occur::Should
            } else {
                Occur::Must
            };
            clauses.push((occur, any_of(should)));
        }
        clauses.extend(must.into_iter().map(|q| (Occur::Must, q)));
        clauses.extend(must_not.into_iter().map(|q| (Occur::MustNot, q)));
        let query: Box<dyn Query> = if is_empty {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        Plan {
            query,
            highlight,
            is_empty,
            terms,
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
