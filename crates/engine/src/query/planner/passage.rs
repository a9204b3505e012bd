//! The plan of a pasted passage: its most telling words, as more-like-this
//! picks them, any tenth of which make an article match.

use super::Planner;
use crate::query::plan::{PlannedWord, QueryKind, Role, TextPlan};
use crate::query::reading::content_words;

impl Planner<'_> {
    /// Every word of a passage is weak evidence and no single one decides:
    /// each selected word scores once (repeats choose the words but do not
    /// weigh them: that measured better on the long passages), whether
    /// common or rare, and an article sharing enough of them matches.
    pub(super) fn passage_plan(&self, words: &[String]) -> TextPlan {
        self.telling_words_plan(words, self.weights.passage_words)
    }

    /// The plan of an article's own text, to find others about the same
    /// thing: its `count` most telling words, as a passage's are chosen.
    pub fn related_plan(&self, text: &str, count: usize) -> TextPlan {
        self.telling_words_plan(&content_words(self.analysis, text), count)
    }

    fn telling_words_plan(&self, words: &[String], count: usize) -> TextPlan {
        let w = self.weights;
        let mut repeats: Vec<(&String, usize)> = Vec::new();
        for word in words {
            match repeats.iter_mut().find(|(known, _)| *known == word) {
                Some((_, count)) => *count += 1,
                None => repeats.push((word, 1)),
            }
        }
        let articles = self.statistics.article_count().max(1) as f64;
        let mut telling: Vec<(f64, PlannedWord)> = repeats
            .into_iter()
            .filter_map(|(word, count)| {
                let s = self.word_stats(word);
                // A word no article holds finds nothing to rank.
                if !s.indexed {
                    return None;
                }
                let df = s.document_frequency as f64;
                let idf = (1.0 + (articles - df + 0.5) / (df + 0.5)).ln();
                let word = PlannedWord {
                    text: word.clone(),
                    class: s.class(),
                    role: Role::Matches,
                    document_frequency: s.document_frequency,
                    weight: 1.0,
                    synonyms: Vec::new(),
                };
                Some(((1.0 + (count as f64).ln()) * idf, word))
            })
            .collect();
        telling.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.text.cmp(&b.1.text)));
        telling.truncate(count.max(1));
        let words: Vec<PlannedWord> = telling.into_iter().map(|(_, word)| word).collect();
        let minimum_match = ((words.len() as f32 * w.passage_match).ceil() as usize).max(1);
        TextPlan {
            kind: QueryKind::Passage,
            words,
            spans: Vec::new(),
            pairs: Vec::new(),
            coverage: None,
            minimum_match,
            title_weight: w.title,
            synonyms: Vec::new(),
        }
    }
}
