//! Chinese analysis: folding, jieba word segmentation and a character-level view
//! (one token per character, with positions, so a quoted phrase is an exact
//! run of characters whatever jieba made of it).
//!
//! Every analyzer is registered by [`register_analyzers`], which both the writer
//! and the searcher call, so the two sides can never disagree.
//!
//! Folding maps each character to exactly one character (full-width to
//! half-width, upper to lower case, traditional to simplified), so a token found
//! in the folded text maps back to the exact bytes of the original text: offsets
//! always point into the stored text.
//!
//! ```
//! use xunwen_engine::analysis::{fold, Analysis};
//! assert_eq!(fold("處理ＡＢＣ"), "处理abc");
//! let analysis = Analysis::default_shared();
//! let words: Vec<String> = analysis.words("寻闻搜索新闻").into_iter().map(|t| t.text).collect();
//! assert!(words.contains(&"新闻".to_string()));
//! ```

use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tantivy::Index;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::jieba_rs::Jieba;

use crate::error::EngineError;

/// Name of the word-level analyzer (jieba over folded text).
pub const WORDS_ANALYZER: &str = "zh_words";
/// Name of the character-level analyzer (single ideographs, folded latin words).
pub const CHARS_ANALYZER: &str = "zh_chars";
/// Name of the analyzer for keyword fields (source, category): folded, untokenized.
pub const KEYWORD_ANALYZER: &str = "zh_keyword";

/// Traditional to simplified, one character at a time (so offsets survive),
/// for the ideographs of the Basic Multilingual Plane: a table built once
/// from the converter, then a lookup per character.
fn simplified(c: char) -> char {
    const FIRST: u32 = 0x3400;
    const LAST: u32 = 0x9FFF;
    static TABLE: OnceLock<Vec<char>> = OnceLock::new();
    let code = c as u32;
    if !(FIRST..=LAST).contains(&code) {
        return c;
    }
    let table = TABLE.get_or_init(|| {
        (FIRST..=LAST)
            .map(|code| {
                let original = char::from_u32(code).unwrap_or(' ');
                let converted = fast2s::convert(original.encode_utf8(&mut [0u8; 4]));
                let mut chars = converted.chars();
                match (chars.next(), chars.next()) {
                    (Some(one), None) => one,
                    _ => original,
                }
            })
            .collect()
    });
    table[(code - FIRST) as usize]
}

/// Folds one character: full-width to half-width, upper to lower case,
/// traditional to simplified. Always exactly one character out.
pub fn fold_char(c: char) -> char {
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

/// Folds text so that traditional and simplified, full- and half-width, upper
/// and lower case compare equal. The result has exactly as many characters as
/// the input.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// True for characters that can be part of a term: letters, digits, ideographs.
/// Punctuation, symbols and whitespace never become terms.
pub fn is_term_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    is_cjk(c) || c.is_alphanumeric()
}

/// True for CJK ideographs and other scripts written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x2E80..=0x2FDF)
}

/// Folded text with the byte offset of every character in the original text.
struct FoldedText {
    folded: String,
    /// `original_offsets[i]` is the original byte offset of the i-th char;
    /// one extra entry holds the original length.
    original_offsets: Vec<usize>,
}

impl FoldedText {
    fn new(original: &str) -> Self {
        let mut original_offsets: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
        original_offsets.push(original.len());
        FoldedText {
            folded: fold(original),
            original_offsets,
        }
    }
}

/// A token produced by the analysis, with offsets into the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub text: String,
    /// Position in characters from the start of the text.
    pub position: usize,
    pub offset_from: usize,
    pub offset_to: usize,
}

/// The shared analysis resources: one jieba instance (with an optional user
/// dictionary) behind an `Arc`, cheap to clone into every indexing thread.
#[derive(Clone)]
pub struct Analysis {
    jieba: Arc<Jieba>,
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analysis")
    }
}

impl Analysis {
    /// The default analysis (jieba's own dictionary), loaded once per process.
    pub fn default_shared() -> Analysis {
        static DEFAULT: OnceLock<Analysis> = OnceLock::new();
        DEFAULT
            .get_or_init(|| Analysis {
                jieba: Arc::new(Jieba::new()),
            })
            .clone()
    }

    /// Analysis with a user dictionary (jieba format: `word [freq] [tag]` a line).
    pub fn with_user_dictionary(path: &Path) -> Result<Analysis, EngineError> {
        let file = std::fs::File::open(path).map_err(|source| EngineError::Dictionary {
            path: path.to_path_buf(),
            reason: source.to_string(),
        })?;
        let mut jieba = Jieba::new();
        jieba
            .load_dict(&mut BufReader::new(file))
            .map_err(|e| EngineError::Dictionary {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Analysis {
            jieba: Arc::new(jieba),
        })
    }

    /// Segments text into folded words (jieba search mode, so long words also
    /// yield their parts), skipping punctuation and whitespace.
    pub fn words(&self, text: &str) -> Vec<AnalyzedToken> {
        let folded = FoldedText::new(text);
        let mut tokens = Vec::new();
        for word in self.jieba.cut_for_search(&folded.folded, true) {
            if !word.word.chars().any(is_term_char) {
                continue;
            }
            // Jieba may glue punctuation to a word ("3.5%"): keep the word part.
            let without_lead = word.word.trim_start_matches(|c: char| !is_term_char(c));
            let trimmed = without_lead.trim_end_matches(|c: char| !is_term_char(c));
            let lead_chars = word.word[..word.word.len() - without_lead.len()]
                .chars()
                .count();
            let start = word.start + lead_chars;
            let end = start + trimmed.chars().count();
            tokens.push(AnalyzedToken {
                text: trimmed.to_string(),
                position: start,
                offset_from: folded.original_offsets[start],
                offset_to: folded.original_offsets[end],
            });
        }
        tokens
    }

    /// Segments text the way a query is cut: jieba default mode, no overlaps,
    /// so the words of a query are counted once.
    pub fn query_words(&self, text: &str) -> Vec<String> {
        let folded = fold(text);
        self.jieba
            .cut(&folded, true)
            .into_iter()
            .map(|w| w.word.trim_matches(|c: char| !is_term_char(c)).to_string())
            .filter(|w| !w.is_empty())
            .collect()
    }
}

/// The character-level view: every ideograph is a token of its own, and a
/// run of other letters or digits is one folded word. Positions count
/// characters, so an exact phrase is a run of consecutive positions.
pub fn char_tokens(text: &str) -> Vec<AnalyzedToken> {
    let folded = FoldedText::new(text);
    let chars: Vec<char> = folded.folded.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_cjk(c) {
            tokens.push(char_token(&chars, &folded, i, i + 1));
            i += 1;
        } else if is_term_char(c) {
            let run_start = i;
            while i < chars.len() && is_term_char(chars[i]) && !is_cjk(chars[i]) {
                i += 1;
            }
            tokens.push(char_token(&chars, &folded, run_start, i));
        } else {
            i += 1;
        }
    }
    tokens
}

fn char_token(chars: &[char], folded: &FoldedText, start: usize, end: usize) -> AnalyzedToken {
    AnalyzedToken {
        text: chars[start..end].iter().collect(),
        position: start,
        offset_from: folded.original_offsets[start],
        offset_to: folded.original_offsets[end],
    }
}

/// Replays a list of analyzed tokens as a tantivy token stream.
pub struct AnalyzedTokenStream {
    tokens: Vec<AnalyzedToken>,
    index: usize,
    token: Token,
}

impl AnalyzedTokenStream {
    fn new(tokens: Vec<AnalyzedToken>) -> Self {
        AnalyzedTokenStream {
            tokens,
            index: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for AnalyzedTokenStream {
    fn advance(&mut self) -> bool {
        let Some(next) = self.tokens.get_mut(self.index) else {
            return false;
        };
        self.index += 1;
        self.token.text = std::mem::take(&mut next.text);
        self.token.position = next.position;
        self.token.position_length = 1;
        self.token.offset_from = next.offset_from;
        self.token.offset_to = next.offset_to;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[derive(Clone)]
struct WordsTokenizer(Analysis);

impl Tokenizer for WordsTokenizer {
    type TokenStream<'a> = AnalyzedTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedTokenStream {
        AnalyzedTokenStream::new(self.0.words(text))
    }
}

#[derive(Clone)]
struct CharsTokenizer;

impl Tokenizer for CharsTokenizer {
    type TokenStream<'a> = AnalyzedTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedTokenStream {
        AnalyzedTokenStream::new(char_tokens(text))
    }
}

#[derive(Clone)]
struct KeywordTokenizer;

impl Tokenizer for KeywordTokenizer {
    type TokenStream<'a> = AnalyzedTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedTokenStream {
        AnalyzedTokenStream::new(vec![AnalyzedToken {
            text: keyword(text),
            position: 0,
            offset_from: 0,
            offset_to: text.len(),
        }])
    }
}

/// The folded form of a keyword value (source, category) as the index holds it.
pub fn keyword(text: &str) -> String {
    fold(text.trim())
}

/// Registers every analyzer on an index. Called where the index is written and
/// where it is searched.
pub fn register_analyzers(index: &Index, analysis: &Analysis) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        WORDS_ANALYZER,
        TextAnalyzer::from(WordsTokenizer(analysis.clone())),
    );
    tokenizers.register(CHARS_ANALYZER, TextAnalyzer::from(CharsTokenizer));
    tokenizers.register(KEYWORD_ANALYZER, TextAnalyzer::from(KeywordTokenizer));
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
    fn word_offsets_point_into_original_text() {
        let text = "ＡＢＣ公司處理了“新闻”。";
        for token in Analysis::default_shared().words(text) {
            let original = &text[token.offset_from..token.offset_to];
            assert_eq!(fold(original), token.text, "token {token:?}");
        }
    }

    #[test]
    fn punctuation_and_whitespace_never_become_terms() {
        let analysis = Analysis::default_shared();
        let words = analysis.words("，。！？  “”——\n\t…");
        assert!(words.is_empty(), "{words:?}");
        assert!(char_tokens("，。！？ 、").is_empty());
    }

    #[test]
    fn char_view_is_characters_with_positions() {
        let tokens = char_tokens("待處理ABC");
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["待", "处", "理", "abc"]);
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, vec![0, 1, 2, 3]);
    }

    #[test]
    fn query_words_do_not_overlap() {
        let words = Analysis::default_shared().query_words("中华人民共和国成立");
        let joined: String = words.concat();
        assert_eq!(joined, "中华人民共和国成立");
    }
}
