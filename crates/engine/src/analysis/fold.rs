//! Folding: full-width to half-width, upper to lower case, traditional to
//! simplified, each character to exactly one character, so that offsets in
//! the folded text point into the original.

use std::sync::OnceLock;

use super::numbers::is_numeral;

/// Traditional to simplified, one character at a time (so offsets survive),
/// for the ideographs of the Basic Multilingual Plane.
fn simplified(c: char) -> char {
    if !(0x3400..=0x9FFF).contains(&(c as u32)) {
        return c;
    }
    let converted = fast2s::convert(c.encode_utf8(&mut [0u8; 4]));
    let mut chars = converted.chars();
    match (chars.next(), chars.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

/// [`fold_char`] worked out from the rules (slow: the converter and Unicode
/// case tables).
fn fold_char_by_rules(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if is_cjk(c) {
        return simplified(c);
    }
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0)
            .unwrap_or(c)
            .to_ascii_lowercase(),
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The fold of every character of the Basic Multilingual Plane, built once:
/// indexing folds every character of every article twice (words and
/// characters), so one lookup must do.
fn bmp_folds() -> &'static [char] {
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=0xFFFFu32)
            // Surrogate code points are no characters: never looked up.
            .map(|code| char::from_u32(code).map_or(' ', fold_char_by_rules))
            .collect()
    })
}

/// Folds one character: full-width to half-width, upper to lower case,
/// traditional to simplified. Always exactly one character out.
#[inline]
pub fn fold_char(c: char) -> char {
    match bmp_folds().get(c as usize) {
        Some(&folded) => folded,
        None => fold_char_by_rules(c),
    }
}

/// Folds text so that traditional and simplified, full- and half-width, upper
/// and lower case compare equal. The result has exactly as many characters as
/// the input.
pub fn fold(text: &str) -> String {
    // Folding rarely changes a character's length in bytes: reserve once.
    let mut folded = String::with_capacity(text.len());
    folded.extend(text.chars().map(fold_char));
    folded
}

/// True for characters that can be part of a term: letters, digits, ideographs.
/// Punctuation, symbols and whitespace never become terms.
#[inline]
pub fn is_term_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    // The common ideographs, most characters of Chinese text, need no table.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return true;
    }
    match bmp_term_chars().get(c as usize / 64) {
        Some(word) => word >> (c as u32 % 64) & 1 == 1,
        None => is_term_char_by_rules(c),
    }
}

/// One bit for each character of the Basic Multilingual Plane: can it be
/// part of a term? Built once: Chinese punctuation would otherwise take
/// Unicode's slow path on every comma.
fn bmp_term_chars() -> &'static [u64] {
    static BITS: OnceLock<Vec<u64>> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        for code in 0..0x10000u32 {
            if char::from_u32(code).is_some_and(is_term_char_by_rules) {
                bits[code as usize / 64] |= 1 << (code % 64);
            }
        }
        bits
    })
}

fn is_term_char_by_rules(c: char) -> bool {
    is_cjk(c) || c.is_alphanumeric()
}

/// True for CJK ideographs and other scripts written without spaces.
pub fn is_cjk(c: char) -> bool {
    // The common ideographs first: most characters of Chinese text.
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return true;
    }
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x2E80..=0x2FDF)
}

/// Folded text, and where each of its characters is in the original text.
pub(super) struct FoldedText {
    pub(super) folded: String,
    /// `original_offsets[i]` is the original byte offset of the i-th char,
    /// with one extra entry for the original length; `None` when folding
    /// kept every character's length in bytes (nearly always), so that a
    /// byte offset in the folded text is the same offset in the original.
    original_offsets: Option<Vec<usize>>,
    /// Where each run of numerals (`一`, `百`…) of the folded text starts:
    /// character index and folded byte offset, found while folding so that
    /// reading the numbers needs no pass of its own.
    pub(super) numeral_runs: Vec<(usize, usize)>,
}

impl FoldedText {
    pub(super) fn new(original: &str) -> Self {
        let folds = bmp_folds();
        let mut folded = String::with_capacity(original.len());
        let mut original_offsets: Option<Vec<usize>> = None;
        // Most characters fold to themselves: those are copied a run at a
        // time, and only the others are encoded one by one.
        let mut unchanged_from = 0;
        let mut numeral_runs = Vec::new();
        let mut in_run = false;
        for (index, (byte, c)) in original.char_indices().enumerate() {
            if let Some(offsets) = &mut original_offsets {
                offsets.push(byte);
            }
            let f = match folds.get(c as usize) {
                Some(&f) => f,
                None => fold_char_by_rules(c),
            };
            let numeral = is_numeral(f);
            if numeral && !in_run {
                // The characters since `unchanged_from` are not copied yet.
                numeral_runs.push((index, folded.len() + byte - unchanged_from));
            }
            in_run = numeral;
            if f == c {
                continue;
            }
            if original_offsets.is_none() && f.len_utf8() != c.len_utf8() {
                // Until here both texts had the same offsets.
                let mut offsets: Vec<usize> =
                    original[..byte].char_indices().map(|(i, _)| i).collect();
                offsets.push(byte);
                original_offsets = Some(offsets);
            }
            folded.push_str(&original[unchanged_from..byte]);
            folded.push(f);
            unchanged_from = byte + c.len_utf8();
        }
        folded.push_str(&original[unchanged_from..]);
        if let Some(offsets) = &mut original_offsets {
            offsets.push(original.len());
        }
        FoldedText {
            folded,
            original_offsets,
            numeral_runs,
        }
    }

    /// The original byte offset of the character at `char_index`, which
    /// starts at `folded_byte` in the folded text.
    pub(super) fn original_offset(&self, char_index: usize, folded_byte: usize) -> usize {
        match &self.original_offsets {
            Some(offsets) => offsets[char_index],
            None => folded_byte,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matches_traditional_width_and_case() {
        assert_eq!(fold("處理"), fold("处理"));
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("ABC"), "abc");
        assert_eq!(fold("發佈時間"), "发布时间");
    }

    #[test]
    fn the_tables_agree_with_the_rules() {
        let beyond = ['😀', '𠀀', '𝐀'];
        for c in (0..=0xFFFFu32).filter_map(char::from_u32).chain(beyond) {
            assert_eq!(fold_char(c), fold_char_by_rules(c), "{c:?}");
            assert_eq!(is_term_char(c), is_term_char_by_rules(c), "{c:?}");
        }
        assert_eq!(fold_char('處'), '处');
        assert!(!is_term_char('，') && is_term_char('々') && is_term_char('𠀀'));
    }
}
