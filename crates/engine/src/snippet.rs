//! Highlighted text: which characters of a title or snippet matched the
//! query, as character ranges (each face marks them its own way). Snippets
//! count characters, not bytes, are cut at sentence ends (。！？；) where
//! possible, and overlapping highlights are merged.
//!
//! Highlights are found on the folded text, character for character, so
//! `處理` in an article lights up for the query `处理`, and the marks land on
//! the characters the reader sees.
//!
//! ```
//! use xunwen_engine::snippet::{Highlighter, Mark};
//! let highlighter = Highlighter::new(&["防汛".to_string()]);
//! let snippet = highlighter.snippet("今天开会。各地全力防汛救灾！明天继续。", 10);
//! assert_eq!(snippet.text, "各地全力防汛救灾！");
//! assert_eq!(snippet.marks, [Mark { start: 4, end: 6 }]);
//! ```

use serde::Serialize;

use crate::analysis::{fold, is_term_char};

const SENTENCE_ENDS: &[char] = &['。', '！', '？', '；', '!', '?', ';', '\n'];

/// A range of characters (not bytes) that matched, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
}

/// Text with the characters that matched the query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Highlighted {
    pub text: String,
    /// In order, never overlapping or touching.
    pub marks: Vec<Mark>,
}

impl Highlighted {
    /// The text in pieces, each with whether it is marked, in order.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut pieces = Vec::with_capacity(self.marks.len() * 2 + 1);
        let byte_of: Vec<usize> = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(self.text.len()))
            .collect();
        let mut at = 0;
        for mark in &self.marks {
            let (start, end) = (byte_of[mark.start], byte_of[mark.end]);
            if start > at {
                pieces.push((&self.text[at..start], false));
            }
            pieces.push((&self.text[start..end], true));
            at = end;
        }
        if at < self.text.len() {
            pieces.push((&self.text[at..], false));
        }
        pieces
    }
}

/// Finds and marks query words in stored text.
#[derive(Debug, Clone)]
pub struct Highlighter {
    /// Folded needles, longest first.
    needles: Vec<Vec<char>>,
}

impl Highlighter {
    /// Builds a highlighter for these words or phrases (folded here).
    pub fn new(words: &[String]) -> Highlighter {
        let mut needles: Vec<Vec<char>> = words
            .iter()
            .map(|w| {
                fold(w)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<Vec<char>>()
            })
            .filter(|w| !w.is_empty() && w.iter().any(|c| is_term_char(*c)))
            .collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Highlighter { needles }
    }

    /// Character ranges of `text` that match a needle, merged where they
    /// overlap or touch.
    fn matches(&self, chars: &[char]) -> Vec<(usize, usize)> {
        let folded: Vec<char> = fold(&chars.iter().collect::<String>()).chars().collect();
        let mut ranges = Vec::new();
        for needle in &self.needles {
            let ascii_word = needle.iter().all(|c| c.is_ascii_alphanumeric());
            if needle.len() > folded.len() {
                continue;
            }
            for start in 0..=folded.len() - needle.len() {
                if folded[start..start + needle.len()] != needle[..] {
                    continue;
                }
                // Latin words match whole words only ("ai" is not in "said").
                let end = start + needle.len();
                let bounded = !ascii_word
                    || ((start == 0 || !folded[start - 1].is_ascii_alphanumeric())
                        && (end == folded.len() || !folded[end].is_ascii_alphanumeric()));
                if bounded {
                    ranges.push((start, end));
                }
            }
        }
        // A number needle marks the same number written in Chinese too.
        if self
            .needles
            .iter()
            .any(|n| n.iter().all(char::is_ascii_digit))
        {
            let text: String = folded.iter().collect();
            for number in crate::analysis::numbers::numbers(&text) {
                let digits: Vec<char> = number.digits.chars().collect();
                if self.needles.contains(&digits) {
                    ranges.push((number.start_char, number.end_char));
                }
            }
        }
        merge(ranges)
    }

    /// The whole text, highlighted.
    pub fn highlight(&self, text: &str) -> Highlighted {
        let chars: Vec<char> = text.chars().collect();
        let marks = self.matches(&chars);
        highlighted(&chars, &marks)
    }

    /// The best passage of at most `max_chars` characters: the one covering
    /// the most distinct query words, widened to whole sentences where they fit.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Highlighted {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() <= max_chars {
            return self.highlight(text);
        }
        let marks = self.matches(&chars);
        let (start, _) = best_window(&chars, &marks, max_chars);
        let first_mark = marks.iter().find(|(s, _)| *s >= start).map(|(s, _)| *s);
        let (start, end) = widen_to_sentences(&chars, start, max_chars, first_mark);
        let window_marks: Vec<(usize, usize)> = marks
            .iter()
            .filter(|(s, e)| *e > start && *s < end)
            .map(|(s, e)| ((*s).max(start) - start, (*e).min(end) - start))
            .collect();
        let mut snippet = highlighted(&chars[start..end], &window_marks);
        if start > 0 && !SENTENCE_ENDS.contains(&chars[start - 1]) && !snippet.text.is_empty() {
            snippet.text.insert(0, '…');
            for mark in &mut snippet.marks {
                mark.start += 1;
                mark.end += 1;
            }
        }
        if end < chars.len()
            && !chars[end - 1..end]
                .iter()
                .any(|c| SENTENCE_ENDS.contains(c))
        {
            snippet.text.push('…');
        }
        snippet
    }
}

fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The window of `size` characters whose marks cover the most characters.
fn best_window(chars: &[char], marks: &[(usize, usize)], size: usize) -> (usize, usize) {
    if marks.is_empty() {
        return (0, size.min(chars.len()));
    }
    let mut best = (0usize, 0usize);
    for (i, (mark_start, _)) in marks.iter().enumerate() {
        // Start a little before the mark, to give it some context.
        let start = mark_start
            .saturating_sub(size / 5)
            .min(chars.len().saturating_sub(size));
        let end = start + size;
        let covered: usize = marks[i..]
            .iter()
            .take_while(|(s, _)| *s < end)
            .map(|(s, e)| (*e).min(end) - s)
            .sum();
        if covered > best.1 {
            best = (start, covered);
        }
    }
    (best.0, (best.0 + size).min(chars.len()))
}

/// Moves the window to whole sentences: it starts where the sentence of its
/// first mark starts (when that keeps the mark well inside) and ends after
/// the last sentence end that fits.
fn widen_to_sentences(
    chars: &[char],
    start: usize,
    max: usize,
    first_mark: Option<usize>,
) -> (usize, usize) {
    let is_end = |i: usize| SENTENCE_ENDS.contains(&chars[i]);
    let anchor = first_mark.unwrap_or(start).max(start);
    let sentence_start = (0..anchor).rev().find(|i| is_end(*i)).map_or(0, |i| i + 1);
    let new_start = if anchor - sentence_start <= max / 2 {
        sentence_start
    } else {
        start
    };
    let limit = (new_start + max).min(chars.len());
    let mut new_end = limit;
    if limit < chars.len()
        && let Some(boundary) = ((anchor + 1).max(new_start + max / 3)..limit)
            .rev()
            .find(|i| is_end(*i))
    {
        new_end = boundary + 1;
    }
    (new_start, new_end.max(new_start))
}

fn highlighted(chars: &[char], marks: &[(usize, usize)]) -> Highlighted {
    Highlighted {
        text: chars.iter().collect(),
        marks: marks
            .iter()
            .map(|&(start, end)| Mark { start, end })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighter(words: &[&str]) -> Highlighter {
        Highlighter::new(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    fn marked(text: &Highlighted) -> Vec<&str> {
        text.pieces()
            .into_iter()
            .filter(|(_, marked)| *marked)
            .map(|(piece, _)| piece)
            .collect()
    }

    #[test]
    fn lengths_are_in_characters_and_cut_at_sentence_ends() {
        let text = format!(
            "{}。关键的防汛消息在这里。{}。",
            "无关的内容".repeat(30),
            "其他内容".repeat(30)
        );
        let snippet = highlighter(&["防汛"]).snippet(&text, 40);
        let body = snippet.text.trim_start_matches('…').trim_end_matches('…');
        assert!(body.chars().count() <= 40, "{}", snippet.text);
        assert!(
            snippet.text.contains("关键的防汛消息在这里。"),
            "{}",
            snippet.text
        );
        assert_eq!(marked(&snippet), ["防汛"]);
    }

    #[test]
    fn overlapping_highlights_are_merged() {
        let snippet = highlighter(&["长江中", "中下游", "长江"]).highlight("长江中下游降雨");
        assert_eq!(snippet.pieces(), [("长江中下游", true), ("降雨", false)]);
    }

    #[test]
    fn folded_matches_mark_the_original_characters() {
        let snippet = highlighter(&["处理", "abc"]).highlight("待處理的ＡＢＣ文件，said");
        assert_eq!(marked(&snippet), ["處理", "ＡＢＣ"]);
        assert_eq!(marked(&highlighter(&["ai"]).highlight("said ai")), ["ai"]);
    }

    #[test]
    fn marks_count_characters_and_shift_past_a_leading_ellipsis() {
        let text = format!(
            "{}。中间的一句话提到防汛，后面还有很多内容{}",
            "开头".repeat(40),
            "结尾".repeat(40)
        );
        let snippet = highlighter(&["防汛"]).snippet(&text, 20);
        assert!(
            snippet.text.starts_with('…') || snippet.text.starts_with("中间"),
            "{}",
            snippet.text
        );
        let chars: Vec<char> = snippet.text.chars().collect();
        let mark = snippet.marks[0];
        assert_eq!(
            chars[mark.start..mark.end].iter().collect::<String>(),
            "防汛"
        );
    }
}
