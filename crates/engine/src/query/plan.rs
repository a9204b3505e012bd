//! The query plan: plain data that says how a query is searched. The
//! planner ([`super::planner`]) builds it from the parsed query and term
//! statistics; [`super::compile`] turns it into tantivy queries; `--explain`
//! prints it as it is.
//!
//! A plan holds the scored text of the query (each word with its class and
//! weight, the exact spans, the neighbouring pairs), the conditions every hit
//! must meet, the conditions no hit may meet, and the sort.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::parse::Scope;
use super::synonyms::Expansion;
use crate::search::Sort;

/// How the plain text of a query reads, which decides how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// A few words or names (`李丰 广东省侨联主席`): every chunk counts.
    Keywords,
    /// A natural question (`第一项工作要求是什么？`).
    Question,
    /// A pasted passage: only its most telling words are searched.
    Passage,
}

/// How often a word occurs in the index, which decides what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordClass {
    /// In few articles: it decides what matches.
    Rare,
    /// In more than [`COMMON_SHARE`](super::planner::COMMON_SHARE) of the
    /// articles: it ranks what the rare words find.
    Common,
    /// In more than [`VERY_COMMON_SHARE`](super::planner::VERY_COMMON_SHARE):
    /// beside rarer words it only counts where it stands close to a
    /// neighbour.
    VeryCommon,
    /// No article holds it as a word (jieba cut the text otherwise): it is
    /// searched as a run of characters, and only ranks.
    Characters,
}

/// What a word does in the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Scored, and an article holding it matches.
    Matches,
    /// Scored in the articles the matching words find.
    Ranks,
    /// Not scored on its own; only its pairs with neighbours count.
    Proximity,
}

/// One word of the query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedWord {
    /// Folded, as the index holds it.
    pub text: String,
    pub class: WordClass,
    pub role: Role,
    /// Articles holding it as a word (title or body, the larger).
    pub document_frequency: u64,
    /// Its weight in the score (how often the query repeats it, for a
    /// passage; 1 otherwise).
    pub weight: f32,
    /// Other forms the synonym rules give it, each also matched as an exact
    /// run of characters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
}

/// A chunk of the query (text between spaces or punctuation), scored where
/// an article holds it as an exact run of characters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSpan {
    pub text: String,
    pub weight: f32,
    pub score: SpanScore,
}

/// How a span held scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanScore {
    /// Its weight, however often it stands.
    Held,
    /// Its weight times the BM25 of the run as a phrase.
    Bm25,
}

/// One window of a pair: the characters allowed between the two words, and
/// the weight of a match within it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    pub slop: u32,
    pub weight: f32,
}

/// Two neighbouring words of the query, scored where they stand close in
/// the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedPair {
    pub first: String,
    pub second: String,
    /// Widest first; a window of slop 0 is the pair side by side.
    pub windows: Vec<Window>,
    /// Side by side, the pair also makes an article match (two common words
    /// as telling as a rare one, where the rare words find too few).
    pub widening: bool,
    /// Side by side in the title, scored as a phrase with this weight.
    pub title_weight: f32,
}

/// The articles holding most of these words earn a bonus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub words: Vec<String>,
    pub minimum: usize,
    pub weight: f32,
}

/// The plain words of a query, scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextPlan {
    pub kind: QueryKind,
    pub words: Vec<PlannedWord>,
    pub spans: Vec<PlannedSpan>,
    pub pairs: Vec<PlannedPair>,
    pub coverage: Option<Coverage>,
    /// How many of the matching words (or widening pairs, or spans) an
    /// article must hold.
    pub minimum_match: usize,
    /// A word in the title counts this many times its BM25 in the body.
    pub title_weight: f32,
    /// The synonym rules applied to the words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<Expansion>,
}

impl TextPlan {
    /// True when nothing would be searched.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.spans.is_empty() && self.pairs.is_empty()
    }
}

/// A keyword field, searched as one folded value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordField {
    Source,
    Category,
    Author,
}

/// The fields words are searched in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFields {
    TitleAndBody,
    Title,
    Body,
}

impl TextFields {
    pub fn of(scope: Scope) -> TextFields {
        match scope {
            Scope::Title => TextFields::Title,
            Scope::Body => TextFields::Body,
            _ => TextFields::TitleAndBody,
        }
    }
}

/// Something an article must (or, excluded, must not) satisfy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// An exact run of characters.
    Phrase {
        text: String,
        fields: TextFields,
    },
    /// Every word, anywhere in the fields (`title:暴雨 洪水`).
    AllWords {
        words: Vec<String>,
        fields: TextFields,
    },
    /// Scored words, as plain words are, any of which matches (one side of
    /// an `OR`).
    Text(TextPlan),
    Keyword {
        field: KeywordField,
        value: String,
    },
    /// Published within the range (either end open).
    Published {
        from: Option<DateTime<FixedOffset>>,
        to: Option<DateTime<FixedOffset>>,
    },
    /// One of these articles (a candidate pool).
    Ids(#[serde(skip)] Arc<[String]>),
    /// Any of these (`a OR b`).
    AnyOf(Vec<Condition>),
    /// Can never be met (a required clause with nothing to search).
    Nothing,
}

/// How a query is searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The plain words, scored; `None` when the query has none.
    pub text: Option<TextPlan>,
    /// Whether an article must hold the plain words (false when a phrase, an
    /// `OR` or scoped words already say what matches: then they only rank).
    pub text_required: bool,
    pub required: Vec<Condition>,
    pub excluded: Vec<Condition>,
    pub sort: Sort,
    /// Words and phrases to mark in titles and snippets.
    pub highlight: Vec<String>,
    /// Parts of the query that were not understood.
    pub ignored: Vec<String>,
}

impl Plan {
    /// True when nothing in the query can match anything (only punctuation).
    pub fn is_empty(&self) -> bool {
        self.text.as_ref().is_none_or(TextPlan::is_empty) && self.required.is_empty()
    }
}
