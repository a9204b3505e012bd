//! The plan of a few keywords or a question: every content word, classed by
//! how many articles hold it, with its neighbours' pairs.

use super::{COMMON_SHARE, Planner, WordStats};
use crate::query::plan::{
    Coverage, PlannedPair, PlannedWord, QueryKind, Role, TextPlan, Window, WordClass,
};

/// Rare words that find fewer articles than this cannot fill the first
/// hundred results: then common words side by side match too.
const FEW_ARTICLES: f64 = 100.0;

impl Planner<'_> {
    /// Rare words decide what matches; common words and the bonuses only
    /// rank (unless no word is rare).
    pub(super) fn words_plan(&self, kind: QueryKind, words: &[String]) -> TextPlan {
        let w = self.weights;
        let mut unique: Vec<&String> = Vec::new();
        for word in words {
            if !unique.contains(&word) {
                unique.push(word);
            }
        }
        let stats: Vec<WordStats> = unique.iter().map(|word| self.word_stats(word)).collect();
        let has_rare_word = stats.iter().any(|s| s.class() == WordClass::Rare);
        let mut planned: Vec<PlannedWord> = unique
            .iter()
            .zip(&stats)
            .map(|(word, s)| {
                let class = s.class();
                let role = match class {
                    WordClass::Rare => Role::Matches,
                    // A word no article holds as a word (a typo, or one
                    // jieba cut otherwise) must not narrow the match to
                    // nothing.
                    WordClass::Characters | WordClass::Common => Role::Ranks,
                    WordClass::VeryCommon if has_rare_word => Role::Proximity,
                    WordClass::VeryCommon => Role::Ranks,
                };
                PlannedWord {
                    text: word.to_string(),
                    class,
                    role,
                    document_frequency: s.document_frequency,
                    weight: 1.0,
                    synonyms: Vec::new(),
                }
            })
            .collect();
        let pairs = self.neighbour_pairs(words, &unique, &stats, has_rare_word);
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
            kind,
            words: planned,
            spans: Vec::new(),
            pairs,
            coverage,
            minimum_match: 1,
            title_weight: w.title,
            synonyms: Vec::new(),
        }
    }

    /// Neighbouring words close together in the body earn a bonus, the
    /// closer the larger. Two common words side by side (工作要求) can tell
    /// as much as a rare word: standing so, they score as a phrase, and
    /// where the rare words find too few articles to fill the first
    /// hundred, they match too.
    fn neighbour_pairs(
        &self,
        words: &[String],
        unique: &[&String],
        stats: &[WordStats],
        has_rare_word: bool,
    ) -> Vec<PlannedPair> {
        let w = self.weights;
        let articles = self.statistics.article_count() as f64;
        let rare_reach = stats
            .iter()
            .filter(|s| s.class() == WordClass::Rare)
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
            let side_by_side = if is_common_pair { w.side_by_side } else { 0.0 };
            let windows: Vec<Window> = [
                (w.proximity_slop, w.proximity),
                (w.near_slop, w.near),
                (0, side_by_side),
            ]
            .into_iter()
            .filter(|(_, weight)| *weight > 0.0)
            .map(|(slop, weight)| Window { slop, weight })
            .collect();
            if windows.is_empty() {
                continue;
            }
            pairs.push(PlannedPair {
                first: pair[0].clone(),
                second: pair[1].clone(),
                windows,
                widening: is_common_pair && widen,
                title_weight: side_by_side * w.title,
            });
        }
        pairs
    }
}
