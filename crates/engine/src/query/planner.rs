//! From a parsed query and term statistics to a [`Plan`].
//!
//! Plain words are segmented exactly as the text was. Each is classed by how
//! many articles hold it: rare words decide what matches, common words rank
//! what the rare words find (as Lucene's common-terms query does), very
//! common words only count beside a close neighbour, and words jieba never
//! made for any article are searched as runs of characters.

use super::parse::{Clause, ParsedQuery, Scope};
use super::plan::{
    Condition, Coverage, KeywordField, Plan, PlannedPair, PlannedWord, QueryKind, Role, TextFields,
    TextPlan, Window, WordClass,
};
use super::stats::{CountedIn, TermStatistics};
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
/// Rare words that find fewer articles than this cannot fill the first
/// hundred results: then common words side by side match too.
const FEW_ARTICLES: f64 = 100.0;

/// Relative weights of the parts of a plain-word query, tuned on the dev
/// sets of shared/eval (the README says what each bought).
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// The content words of free text, folded, in query order.
pub fn content_words(analysis: &Analysis, text: &str) -> Vec<String> {
    analysis
        .query_words(text)
        .into_iter()
        .filter(|w| !QUESTION_WORDS.contains(&w.as_str()))
        .collect()
}

/// Builds plans.
pub struct Planner<'a> {
    pub analysis: &'a Analysis,
    pub statistics: &'a dyn TermStatistics,
    pub weights: Weights,
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

    /// Plain words, scored. Rare words decide what matches; common words
    /// and the bonuses only rank (unless every word is common).
    pub fn text_plan(&self, words: &[String]) -> TextPlan {
        let w = self.weights;
        let mut unique: Vec<&String> = Vec::new();
        for word in words {
            if !unique.contains(&word) {
                unique.push(word);
            }
        }
        let stats: Vec<WordStats> = unique.iter().map(|word| self.word_stats(word)).collect();
        let is_rare = |s: &WordStats| s.indexed && s.share <= COMMON_SHARE;
        let has_rare_word = stats.iter().any(is_rare);
        let mut planned: Vec<PlannedWord> = unique
            .iter()
            .zip(&stats)
            .map(|(word, s)| {
                let (class, role) = if !s.indexed {
                    // A word no article holds as a word (a typo, or one jieba
                    // cut otherwise) must not narrow the match to nothing.
                    (WordClass::Characters, Role::Ranks)
                } else if s.share <= COMMON_SHARE {
                    (WordClass::Rare, Role::Matches)
                } else if s.share <= VERY_COMMON_SHARE {
                    (WordClass::Common, Role::Ranks)
                } else if has_rare_word {
                    (WordClass::VeryCommon, Role::Proximity)
                } else {
                    (WordClass::VeryCommon, Role::Ranks)
                };
                PlannedWord {
                    text: word.to_string(),
                    class,
                    role,
                    document_frequency: s.document_frequency,
                    weight: 1.0,
                }
            })
            .collect();
        // Neighbouring words close together in the body earn a bonus, the
        // closer the larger. Two common words side by side (工作要求) can
        // tell as much as a rare word: standing so, they score as a phrase,
        // and where the rare words find too few articles to fill the first
        // hundred, they match too.
        let articles = self.statistics.article_count() as f64;
        let rare_reach = stats
            .iter()
            .filter(|s| is_rare(s))
            .map(|s| s.share * articles)
            .fold(0.0, f64::max);
        let widen = has_rare_word && rare_reach < FEW_ARTICLES;
        let stats_of =
            |word: &String| stats[unique.iter().position(|u| *u == word).expect("listed")];
        let mut pairs = Vec::new();
        for pair in words.windows(2) {
            if pair[0] == pair[1] {
                continue;
            }
            // Only words of two characters or more: pairs like 7月 stand in
            // most articles and are costly to find.
            let is_common_pair = pair.iter().all(|word| {
                let s = stats_of(word);
                s.indexed && s.share > COMMON_SHARE && word.chars().count() >= 2
            });
            let side_by_side = if is_common_pair { w.body_words } else { 0.0 };
            let windows: Vec<Window> = [
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
                    weight: side_by_side,
                },
            ]
            .into_iter()
            .filter(|window| window.weight > 0.0)
            .collect();
            if windows.is_empty() && !is_common_pair {
                continue;
            }
            pairs.push(PlannedPair {
                first: pair[0].clone(),
                second: pair[1].clone(),
                windows,
                widening: is_common_pair && widen,
                title_weight: if is_common_pair { w.title_words } else { 0.0 },
            });
        }
        // The best answers hold most of the words (the very common ones,
        // which nearly every article holds, left out: they would tell little
        // and cost a seek per match each).
        let covered: Vec<String> = planned
            .iter()
            .filter(|word| word.role != Role::Proximity)
            .map(|word| word.text.clone())
            .collect();
        let coverage = (w.coverage > 0.0 && covered.len() >= 3).then(|| Coverage {
            minimum: (covered.len() * 3).div_ceil(4),
            words: covered,
            weight: w.coverage,
        });
        // With no rare word and no widening pair, every scored word matches.
        let matches = |word: &PlannedWord| word.role == Role::Matches;
        if !planned.iter().any(matches) && !pairs.iter().any(|p| p.widening) {
            for word in &mut planned {
                if word.role == Role::Ranks {
                    word.role = Role::Matches;
                }
            }
        }
        TextPlan {
            kind: QueryKind::Question,
            words: planned,
            spans: Vec::new(),
            pairs,
            coverage,
            minimum_match: 1,
            title_weight: w.title_words,
            body_weight: w.body_words,
        }
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
                let words = content_words(self.analysis, text);
                if words.is_empty() {
                    return None;
                }
                highlight.extend(words.iter().cloned());
                Some(match scope {
                    Scope::Title | Scope::Body => Condition::AllWords {
                        words,
                        fields: TextFields::of(*scope),
                    },
                    _ => Condition::Text(self.text_plan(&words)),
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
        let mut words = content_words(self.analysis, &free_text);
        if words.is_empty() && has_term_chars(&free_text) {
            // Only question words: search them rather than nothing.
            words = self.analysis.query_words(&free_text);
        }
        let text = (!words.is_empty()).then(|| self.text_plan(&words));
        highlight.extend(words);
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
