//! From a parsed query and term statistics to a [`Plan`].
//!
//! Plain words are segmented exactly as the text was and classed by how
//! many articles hold them: rare words decide what matches, common words
//! rank what the rare words find (as Lucene's common-terms query does),
//! very common words only count beside a close neighbour, and words jieba
//! never made for any article are searched as runs of characters. A pasted
//! passage searches its most telling words instead, any of which may match.
//!
//! ```
//! use xunwen_engine::analysis::Analysis;
//! use xunwen_engine::query::parse::parse;
//! use xunwen_engine::query::plan::{QueryKind, Role, WordClass};
//! use xunwen_engine::query::planner::Planner;
//! use xunwen_engine::query::stats::FixedStatistics;
//! use xunwen_engine::query::weights::Weights;
//! use xunwen_engine::search::{Filters, Sort};
//! // 1,000 articles: 防汛 in 12 of them, 工作 in 400.
//! let statistics = FixedStatistics::new(1_000, &[("防汛", 12), ("工作", 400)]);
//! let planner = Planner { analysis: &Analysis::default_shared(), statistics: &statistics, weights: Weights::default(), synonyms: None };
//! let plan = planner.plan(&parse("防汛 工作"), &Filters::default(), Sort::Relevance);
//! let text = plan.text.unwrap();
//! assert_eq!(text.kind, QueryKind::Keywords);
//! assert_eq!((text.words[0].class, text.words[0].role), (WordClass::Rare, Role::Matches));
//! assert_eq!((text.words[1].class, text.words[1].role), (WordClass::VeryCommon, Role::Proximity));
//! ```

mod passage;
#[cfg(test)]
mod tests;
mod words;

use super::parse::{Clause, ParsedQuery, Scope};
use super::plan::{
    Condition, KeywordField, Plan, PlannedSpan, QueryKind, Role, SpanScore, TextFields, TextPlan,
    WordClass,
};
use super::reading::{chunks, content_words, query_kind};
use super::stats::{CountedIn, TermStatistics};
use super::synonyms::{Expansion, Synonyms};
use super::weights::Weights;
use crate::analysis::numbers::to_arabic;
use crate::analysis::{Analysis, fold, is_term_char, keyword};
use crate::search::{Filters, Sort};

/// A word in more than this share of the articles is common (今年, 7,
/// 美国): it ranks the articles the rarer words find but does not widen the
/// match on its own, so a question holding one does not score half the
/// archive.
pub const COMMON_SHARE: f64 = 0.05;
/// A word in more than this share of the articles (人, 月, 发展) weighs next
/// to nothing in BM25, yet scoring it costs a seek in a long list for every
/// match: beside rarer words it only counts in the proximity bonus.
pub const VERY_COMMON_SHARE: f64 = 0.2;

/// Builds plans.
pub struct Planner<'a> {
    pub analysis: &'a Analysis,
    pub statistics: &'a dyn TermStatistics,
    pub weights: Weights,
    /// Synonym rules applied to plain words (not to passages, phrases or
    /// `title:`/`body:` words).
    pub synonyms: Option<&'a Synonyms>,
}

impl std::fmt::Debug for Planner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner")
            .field("weights", &self.weights)
            .finish()
    }
}

/// What the statistics say of one word.
#[derive(Debug, Clone, Copy)]
struct WordStats {
    /// Share of the articles whose body holds it.
    share: f64,
    /// Articles holding it (title or body, the larger).
    document_frequency: u64,
    /// Whether any article holds it as a word.
    indexed: bool,
}

impl WordStats {
    fn class(&self) -> WordClass {
        if !self.indexed {
            WordClass::Characters
        } else if self.share <= COMMON_SHARE {
            WordClass::Rare
        } else if self.share <= VERY_COMMON_SHARE {
            WordClass::Common
        } else {
            WordClass::VeryCommon
        }
    }
}

impl Planner<'_> {
    fn word_stats(&self, word: &str) -> WordStats {
        let in_body = self
            .statistics
            .document_frequency(CountedIn::BodyWords, word);
        let in_title = self
            .statistics
            .document_frequency(CountedIn::TitleWords, word);
        let articles = self.statistics.article_count().max(1);
        WordStats {
            share: in_body as f64 / articles as f64,
            document_frequency: in_body.max(in_title),
            indexed: in_body > 0 || in_title > 0,
        }
    }

    /// Plain words, planned as their kind of query asks, with the query's
    /// chunks as exact spans.
    pub fn text_plan(&self, text: &str, words: &[String]) -> TextPlan {
        let kind = query_kind(self.analysis, text);
        let mut plan = match kind {
            QueryKind::Passage => self.passage_plan(words),
            QueryKind::Keywords | QueryKind::Question => match self.synonyms {
                Some(synonyms) if !synonyms.is_empty() => {
                    let (words, expansions) = synonyms.expand(words);
                    let mut plan = self.words_plan(kind, &words);
                    apply_synonyms(&mut plan, expansions);
                    plan
                }
                _ => self.words_plan(kind, words),
            },
        };
        let (weight, score) = match kind {
            QueryKind::Passage => (self.weights.clause, SpanScore::Bm25),
            _ => (self.weights.chunk, SpanScore::Held),
        };
        if weight > 0.0 {
            let mut spans: Vec<PlannedSpan> = Vec::new();
            // A single character is a word's business, not a span's. A chunk
            // with a number is held in both its forms: positions count
            // characters, and `第十届` is shorter than `第10届`.
            let arabic = to_arabic(text);
            let mut both = chunks(text);
            if arabic != text {
                both.extend(chunks(&arabic));
            }
            for chunk in both.into_iter().filter(|c| c.chars().count() >= 2) {
                if !spans.iter().any(|span| span.text == chunk) {
                    spans.push(PlannedSpan {
                        text: chunk,
                        weight,
                        score,
                    });
                }
            }
            plan.spans = spans;
        }
        plan
    }

    /// A clause that must hold, or `None` when it has nothing to search.
    fn condition(&self, clause: &Clause, highlight: &mut Vec<String>) -> Option<Condition> {
        match clause {
            Clause::Words { text, scope, .. } => {
                if let Some(field) = keyword_field(*scope) {
                    return Some(Condition::Keyword {
                        field,
                        value: keyword(text),
                    });
                }
                let words = content_words(self.analysis, &to_arabic(text));
                if words.is_empty() {
                    return None;
                }
                highlight.extend(words.iter().cloned());
                // (A passage's unselected words are highlighted too; an `OR`
                // of passages is rare.)
                Some(match scope {
                    Scope::Title | Scope::Body => Condition::AllWords {
                        words,
                        fields: TextFields::of(*scope),
                    },
                    _ => {
                        let plan = self.text_plan(text, &words);
                        highlight.extend(plan.words.iter().flat_map(|w| w.synonyms.clone()));
                        Condition::Text(plan)
                    }
                })
            }
            Clause::Phrase { text, scope, .. } => {
                if let Some(field) = keyword_field(*scope) {
                    return Some(Condition::Keyword {
                        field,
                        value: keyword(text),
                    });
                }
                highlight.push(text.clone());
                has_term_chars(text).then(|| Condition::Phrase {
                    text: fold(text),
                    fields: TextFields::of(*scope),
                })
            }
            Clause::Published { from, to } => Some(Condition::Published {
                from: *from,
                to: *to,
            }),
            Clause::Or(alternatives) => {
                let conditions: Vec<Condition> = alternatives
                    .iter()
                    .filter_map(|a| self.condition(a, highlight))
                    .collect();
                (!conditions.is_empty()).then_some(Condition::AnyOf(conditions))
            }
        }
    }

    /// Builds the plan of a parsed query with its filters and sort.
    pub fn plan(&self, parsed: &ParsedQuery, filters: &Filters, sort: Sort) -> Plan {
        let mut required = Vec::new();
        let mut excluded = Vec::new();
        let mut highlight = Vec::new();
        let mut free_text = String::new();
        // Whether a phrase, scoped words or an OR say what matches: then
        // plain words only rank. Beside filters alone, plain words must match.
        let mut text_required = true;
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
                    scope,
                    negated: true,
                }
                | Clause::Phrase {
                    text,
                    scope,
                    negated: true,
                } => {
                    let condition = match keyword_field(*scope) {
                        Some(field) => Some(Condition::Keyword {
                            field,
                            value: keyword(text),
                        }),
                        None => has_term_chars(text).then(|| Condition::Phrase {
                            text: fold(text),
                            fields: TextFields::of(*scope),
                        }),
                    };
                    excluded.extend(condition);
                }
                other => {
                    let textual = match other {
                        Clause::Words { scope, .. } | Clause::Phrase { scope, .. } => {
                            keyword_field(*scope).is_none()
                        }
                        Clause::Or(_) => true,
                        Clause::Published { .. } => false,
                    };
                    if textual {
                        text_required = false;
                    }
                    // A required clause with no searchable text can match nothing.
                    required.push(
                        self.condition(other, &mut highlight)
                            .unwrap_or(Condition::Nothing),
                    );
                }
            }
        }
        // Numbers are searched in Arabic digits, which the index holds for
        // either form.
        let mut words = content_words(self.analysis, &to_arabic(&free_text));
        if words.is_empty() && has_term_chars(&free_text) {
            // Only question words: search them rather than nothing.
            words = self.analysis.query_words(&free_text);
        }
        let text = (!words.is_empty()).then(|| self.text_plan(&free_text, &words));
        for word in text.iter().flat_map(|t| &t.words) {
            highlight.push(word.text.clone());
            highlight.extend(word.synonyms.iter().cloned());
        }
        for (field, value) in [
            (KeywordField::Source, &filters.source),
            (KeywordField::Category, &filters.category),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                required.push(Condition::Keyword {
                    field,
                    value: keyword(value),
                });
            }
        }
        if let Some(ids) = &filters.ids {
            required.push(Condition::Ids(ids.clone()));
        }
        if filters.from.is_some() || filters.to.is_some() {
            required.push(Condition::Published {
                from: filters.from,
                to: filters.to,
            });
        }
        Plan {
            text,
            text_required,
            required,
            excluded,
            sort,
            highlight,
            ignored: parsed.ignored.clone(),
        }
    }
}

/// Gives each planned word the other forms of its expansion. A word that a
/// rule names is what the person means: it matches even where no article
/// holds it as a word (its forms are found as runs of characters).
fn apply_synonyms(plan: &mut TextPlan, expansions: Vec<Expansion>) {
    if expansions.is_empty() {
        return;
    }
    for word in &mut plan.words {
        let Some(expansion) = expansions.iter().find(|e| e.applies_to(&word.text)) else {
            continue;
        };
        word.synonyms = expansion.others(&word.text);
        if word.class == WordClass::Characters && word.role == Role::Ranks {
            word.role = Role::Matches;
        }
    }
    plan.synonyms = expansions;
}

fn keyword_field(scope: Scope) -> Option<KeywordField> {
    match scope {
        Scope::Source => Some(KeywordField::Source),
        Scope::Category => Some(KeywordField::Category),
        Scope::Author => Some(KeywordField::Author),
        _ => None,
    }
}

fn has_term_chars(text: &str) -> bool {
    fold(text).chars().any(is_term_char)
}
