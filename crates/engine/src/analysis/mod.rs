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

mod fold;
pub mod numbers;
mod tokens;

use std::io::BufReader;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tantivy::Index;
use tantivy::tokenizer::{TextAnalyzer, Tokenizer};
use tantivy_jieba::jieba_rs::Jieba;

pub use fold::{fold, fold_char, is_cjk, is_term_char};
pub use tokens::{AnalyzedToken, AnalyzedTokenStream, char_tokens};

use crate::error::EngineError;
use fold::FoldedText;
use tokens::{Span, TokenSpans, char_spans, with_numbers};

/// Name of the word-level analyzer (jieba over folded text).
pub const WORDS_ANALYZER: &str = "zh_words";
/// Name of the character-level analyzer (single ideographs, folded latin words).
pub const CHARS_ANALYZER: &str = "zh_chars";
/// Name of the analyzer for keyword fields (source, category): folded, untokenized.
pub const KEYWORD_ANALYZER: &str = "zh_keyword";

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
        with_numbers(text, spans)
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
    use tantivy::tokenizer::TokenStream;

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

    #[test]
    fn chinese_numbers_gain_their_arabic_form_with_the_numeral_s_offsets() {
        let text = "救出一百二十人";
        let words = Analysis::default_shared().words(text);
        let number = words
            .iter()
            .find(|t| t.text == "120")
            .expect("120 among the words");
        assert_eq!(&text[number.offset_from..number.offset_to], "一百二十");
        let chars = char_tokens(text);
        let number = chars
            .iter()
            .find(|t| t.text == "120")
            .expect("120 among the characters");
        let person = chars.iter().find(|t| t.text == "人").expect("人");
        // Ends where the numeral ends, so `120人` is a run of positions.
        assert_eq!(person.position - number.position, 3);
        let positions: Vec<usize> = chars.iter().map(|t| t.position).collect();
        assert!(positions.windows(2).all(|w| w[0] <= w[1]), "{positions:?}");
    }

    #[test]
    fn punctuation_and_whitespace_never_become_terms() {
        let analysis = Analysis::default_shared();
        let words = analysis.words("，。！？  “”——\n\t…");
        assert!(words.is_empty(), "{words:?}");
        assert!(char_tokens("，。！？ 、").is_empty());
    }

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
