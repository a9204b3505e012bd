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
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x2E80..=0x2FDF)
}

/// Folded text, and where each of its characters is in the original text.
struct FoldedText {
    folded: String,
    /// `original_offsets[i]` is the original byte offset of the i-th char,
    /// with one extra entry for the original length; `None` when folding
    /// kept every character's length in bytes (nearly always), so that a
    /// byte offset in the folded text is the same offset in the original.
    original_offsets: Option<Vec<usize>>,
}

impl FoldedText {
    fn new(original: &str) -> Self {
        let mut folded = String::with_capacity(original.len());
        let mut original_offsets: Option<Vec<usize>> = None;
        for (byte, c) in original.char_indices() {
            let f = fold_char(c);
            if original_offsets.is_none() && f.len_utf8() != c.len_utf8() {
                // Until here both texts had the same offsets.
                original_offsets = Some(original[..byte].char_indices().map(|(i, _)| i).collect());
            }
            if let Some(offsets) = &mut original_offsets {
                offsets.push(byte);
            }
            folded.push(f);
        }
        if let Some(offsets) = &mut original_offsets {
            offsets.push(original.len());
        }
        FoldedText {
            folded,
            original_offsets,
        }
    }

    /// The original byte offset of the character at `char_index`, which
    /// starts at `folded_byte` in the folded text.
    fn original_offset(&self, char_index: usize, folded_byte: usize) -> usize {
        match &self.original_offsets {
            Some(offsets) => offsets[char_index],
            None => folded_byte,
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
        self.word_spans(text).into_tokens()
    }

    /// [`Analysis::words`] as spans of the folded text (no string per word).
    fn word_spans(&self, text: &str) -> TokenSpans {
        let text = FoldedText::new(text);
        let mut spans = Vec::new();
        let base = text.folded.as_ptr() as usize;
        for word in self.jieba.cut_for_search(&text.folded, true) {
            if !word.word.chars().any(is_term_char) {
                continue;
            }
            // Jieba may glue punctuation to a word ("3.5%"): keep the word part.
            let without_lead = word.word.trim_start_matches(|c: char| !is_term_char(c));
            let trimmed = without_lead.trim_end_matches(|c: char| !is_term_char(c));
            // Count only the trimmed ends (usually empty), not the word.
            let lead_chars = word.word[..word.word.len() - without_lead.len()]
                .chars()
                .count();
            let tail_chars = without_lead[trimmed.len()..].chars().count();
            let start = word.start + lead_chars;
            let end = word.end - tail_chars;
            let folded_from = trimmed.as_ptr() as usize - base;
            let folded_to = folded_from + trimmed.len();
            spans.push(Span {
                folded_from,
                folded_to,
                position: start,
                offset_from: text.original_offset(start, folded_from),
                offset_to: text.original_offset(end, folded_to),
            });
        }
        TokenSpans {
            folded: text.folded,
            spans,
        }
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
    char_spans(text).into_tokens()
}

/// [`char_tokens`] as spans of the folded text (no string per character).
fn char_spans(text: &str) -> TokenSpans {
    let text = FoldedText::new(text);
    let mut spans = Vec::with_capacity(text.folded.len() / 3);
    // A run of letters or digits: (first char index, its folded byte offset).
    let mut run: Option<(usize, usize)> = None;
    let end_run = |spans: &mut Vec<Span>, run: &mut Option<(usize, usize)>, index, byte| {
        if let Some((start, from)) = run.take() {
            spans.push(Span {
                folded_from: from,
                folded_to: byte,
                position: start,
                offset_from: text.original_offset(start, from),
                offset_to: text.original_offset(index, byte),
            });
        }
    };
    let mut index = 0;
    for (byte, c) in text.folded.char_indices() {
        if is_cjk(c) {
            end_run(&mut spans, &mut run, index, byte);
            let next = byte + c.len_utf8();
            spans.push(Span {
                folded_from: byte,
                folded_to: next,
                position: index,
                offset_from: text.original_offset(index, byte),
                offset_to: text.original_offset(index + 1, next),
            });
        } else if is_term_char(c) {
            if run.is_none() {
                run = Some((index, byte));
            }
        } else {
            end_run(&mut spans, &mut run, index, byte);
        }
        index += 1;
    }
    end_run(&mut spans, &mut run, index, text.folded.len());
    TokenSpans {
        folded: text.folded,
        spans,
    }
}

/// One token as a span: bytes of the folded text (its term), its position in
/// characters, and bytes of the original text (its offsets).
#[derive(Debug, Clone, Copy)]
struct Span {
    folded_from: usize,
    folded_to: usize,
    position: usize,
    offset_from: usize,
    offset_to: usize,
}

/// The tokens of one text as spans of its folded form: the token stream
/// copies each term into one reused buffer instead of allocating a string
/// per token (indexing makes about two tokens per character).
struct TokenSpans {
    folded: String,
    spans: Vec<Span>,
}

impl TokenSpans {
    fn into_tokens(self) -> Vec<AnalyzedToken> {
        self.spans
            .iter()
            .map(|span| AnalyzedToken {
                text: self.folded[span.folded_from..span.folded_to].to_string(),
                position: span.position,
                offset_from: span.offset_from,
                offset_to: span.offset_to,
            })
            .collect()
    }
}

/// Replays the spans of a text as a tantivy token stream.
pub struct AnalyzedTokenStream {
    tokens: TokenSpans,
    index: usize,
    token: Token,
}

impl AnalyzedTokenStream {
    fn new(tokens: TokenSpans) -> Self {
        AnalyzedTokenStream {
            tokens,
            index: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for AnalyzedTokenStream {
    fn advance(&mut self) -> bool {
        let Some(span) = self.tokens.spans.get(self.index) else {
            return false;
        };
        self.index += 1;
        self.token.text.clear();
        self.token
            .text
            .push_str(&self.tokens.folded[span.folded_from..span.folded_to]);
        self.token.position = span.position;
        self.token.position_length = 1;
        self.token.offset_from = span.offset_from;
        self.token.offset_to = span.offset_to;
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
        AnalyzedTokenStream::new(self.0.word_spans(text))
    }
}

#[derive(Clone)]
struct CharsTokenizer;

impl Tokenizer for CharsTokenizer {
    type TokenStream<'a> = AnalyzedTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedTokenStream {
        AnalyzedTokenStream::new(char_spans(text))
    }
}

#[derive(Clone)]
struct KeywordTokenizer;

impl Tokenizer for KeywordTokenizer {
    type TokenStream<'a> = AnalyzedTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> AnalyzedTokenStream {
        let folded = keyword(text);
        let span = Span {
            folded_from: 0,
            folded_to: folded.len(),
            position: 0,
            offset_from: 0,
            offset_to: text.len(),
        };
        AnalyzedTokenStream::new(TokenSpans {
            folded,
            spans: vec![span],
        })
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

    /// Both when folding changes a character's length in bytes (ＡＢＣ, the
    /// ideographic space) and when it changes none (處理, ABC).
    #[test]
    fn word_offsets_point_into_original_text() {
        for text in [
            "ＡＢＣ公司處理了“新闻”。",
            "ABC公司處理了“新闻”。",
            "公司\u{3000}處理",
            // Jieba glues `%` to the number: the word's trimmed tail.
            "ＧＤＰ增長３．５％，達到%5.1%。",
        ] {
            let words = Analysis::default_shared().words(text);
            assert!(words.len() >= 2, "{words:?}");
            for token in words.iter().chain(&char_tokens(text)) {
                let original = &text[token.offset_from..token.offset_to];
                assert_eq!(fold(original), token.text, "token {token:?} in {text}");
            }
        }
    }

    /// The tables built once give what the rules give, for every character
    /// of the Basic Multilingual Plane and a few beyond it.
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

    /// The token streams tantivy indexes give exactly the tokens of
    /// `words` and `char_tokens`: same terms, positions and offsets.
    #[test]
    fn token_streams_replay_the_tokens() {
        let text = "ＡＢＣ公司處理了“新闻”，3.5%的GDP增长 abc-def 😀 新闻联播";
        let analysis = Analysis::default_shared();
        let replay = |mut stream: AnalyzedTokenStream| {
            let mut tokens = Vec::new();
            while stream.advance() {
                let t = stream.token();
                tokens.push(AnalyzedToken {
                    text: t.text.clone(),
                    position: t.position,
                    offset_from: t.offset_from,
                    offset_to: t.offset_to,
                });
            }
            tokens
        };
        let words = analysis.words(text);
        assert!(words.len() > 5, "{words:?}");
        assert_eq!(
            replay(WordsTokenizer(analysis.clone()).token_stream(text)),
            words
        );
        let chars = char_tokens(text);
        assert!(chars.iter().any(|t| t.text == "gdp"), "{chars:?}");
        assert_eq!(replay(CharsTokenizer.token_stream(text)), chars);
        for token in words.iter().chain(&chars) {
            assert_eq!(fold(&text[token.offset_from..token.offset_to]), token.text);
        }
    }

    #[test]
    fn query_words_do_not_overlap() {
        let words = Analysis::default_shared().query_words("中华人民共和国成立");
        let joined: String = words.concat();
        assert_eq!(joined, "中华人民共和国成立");
    }
}
