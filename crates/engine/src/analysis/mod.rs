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
use tokens::{Span, TokenSpans, char_spans, prepared, with_numbers};

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
        let prepared = prepared(text);
        let text = &prepared.text;
        // Search mode gives about one word for every two characters.
        let mut spans = Vec::with_capacity(text.folded.len() / 4);
        let base = text.folded.as_ptr() as usize;
        for word in self.jieba.cut_for_search(&text.folded, true) {
            let mut chars = word.word.chars();
            let whole = chars.next().is_some_and(is_term_char)
                && chars.next_back().is_none_or(is_term_char);
            let (trimmed, start, end) = if whole {
                // Nearly every word starts and ends with a term character.
                (word.word, word.start, word.end)
            } else {
                if !word.word.chars().any(is_term_char) {
                    continue;
                }
                // Jieba may glue punctuation to a word ("3.5%"): keep the word part.
                let without_lead = word.word.trim_start_matches(|c: char| !is_term_char(c));
                let trimmed = without_lead.trim_end_matches(|c: char| !is_term_char(c));
                // Count only the trimmed ends, not the word.
                let lead_chars = word.word[..word.word.len() - without_lead.len()]
                    .chars()
                    .count();
                let tail_chars = without_lead[trimmed.len()..].chars().count();
                (trimmed, word.start + lead_chars, word.end - tail_chars)
            };
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
        with_numbers(&prepared, spans)
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

    /// The exact token streams (term, position, offsets) of a few texts
    /// that take every path of the analysis: traditional characters,
    /// full-width letters and digits (which change length in bytes),
    /// punctuation glued to words, Chinese numbers, other scripts, and
    /// characters beyond the Basic Multilingual Plane. Indexes hold these
    /// tokens: a faster analysis must give the very same ones.
    #[test]
    fn token_streams_are_pinned() {
        let show = |tokens: Vec<AnalyzedToken>| {
            let shown: Vec<String> = tokens
                .iter()
                .map(|t| {
                    format!(
                        "{}@{}:{}-{}",
                        t.text, t.position, t.offset_from, t.offset_to
                    )
                })
                .collect();
            shown.join(" ")
        };
        let analysis = Analysis::default_shared();
        for (text, words, chars) in [
            (
                "ＡＢＣ公司處理了“新闻”，3.5%的GDP增长 abc-def 😀 新闻联播",
                "abc@0:0-9 公司@3:9-15 处理@5:15-21 了@7:21-24 新闻@9:27-33 3.5@13:39-42 的@17:43-46 gdp@18:46-49 增长@21:49-55 abc@24:56-59 def@28:60-63 abc-def@24:56-63 新闻@34:69-75 联播@36:75-81 新闻联播@34:69-81",
                "abc@0:0-9 公@3:9-12 司@4:12-15 处@5:15-18 理@6:18-21 了@7:21-24 新@9:27-30 闻@10:30-33 3@13:39-40 5@15:41-42 的@17:43-46 gdp@18:46-49 增@21:49-52 长@22:52-55 abc@24:56-59 def@28:60-63 新@34:69-72 闻@35:72-75 联@36:75-78 播@37:78-81",
            ),
            (
                "二〇二三年三月，百分之三十五的人；一百二十人获救。十四五规划、一带一路，两千元",
                "二@0:0-3 2023@0:0-12 〇@1:3-6 二三@2:6-12 二三年@2:6-15 三年@3:9-15 三月@5:15-21 3@5:15-18 百分@8:24-30 百分之@8:24-33 百分之三十五@8:24-42 之三@10:30-36 三十@11:33-39 三十五@11:33-42 十五@12:36-42 35@12:24-42 的@14:42-45 人@15:45-48 一百@17:51-57 一百二@17:51-60 一百二十@17:51-63 百二@18:54-60 120@18:51-63 二十@19:57-63 人@21:63-66 获救@22:66-72 十四@25:75-81 十四五@25:75-84 四五@26:78-84 规划@28:84-90 一带@31:93-99 一路@33:99-105 两千@36:108-114 两千元@36:108-117 2000@36:108-114 千元@37:111-117",
                "二@0:0-3 2023@0:0-12 〇@1:3-6 二@2:6-9 三@3:9-12 年@4:12-15 三@5:15-18 3@5:15-18 月@6:18-21 百@8:24-27 分@9:27-30 之@10:30-33 三@11:33-36 十@12:36-39 35@12:24-42 五@13:39-42 的@14:42-45 人@15:45-48 一@17:51-54 百@18:54-57 120@18:51-63 二@19:57-60 十@20:60-63 人@21:63-66 获@22:66-69 救@23:69-72 十@25:75-78 四@26:78-81 五@27:81-84 规@28:84-87 划@29:87-90 一@31:93-96 带@32:96-99 一@33:99-102 路@34:102-105 两@36:108-111 2000@36:108-114 千@37:111-114 元@38:114-117",
            ),
            (
                "Ｉ\u{3000}ｌｏｖｅ\u{3000}北京！ＧＤＰ增長３．５％，達到%5.1%。İstanbul ǅ ß ﬁ",
                "i@0:0-3 love@2:6-18 北京@7:21-27 gdp@10:30-39 增长@13:39-45 3.5@15:45-54 达到@20:60-66 5.1@23:67-70 İ@28:74-76 stanbul@29:76-83 ǆ@37:84-86 ß@39:87-89 ﬁ@41:90-93",
                "i@0:0-3 love@2:6-18 北@7:21-24 京@8:24-27 gdp@10:30-39 增@13:39-42 长@14:42-45 3@15:45-48 5@17:51-54 达@20:60-63 到@21:63-66 5@23:67-68 1@25:69-70 İstanbul@28:74-83 ǆ@37:84-86 ß@39:87-89 ﬁ@41:90-93",
            ),
            (
                "中华人民共和国成立于1949年，WES-5.4.5版本；第３季度营收增长百分之十二点五",
                "中华@0:0-6 中华人民共和国@0:0-21 华人@1:3-9 人民@2:6-12 共和@4:12-18 共和国@4:12-21 成立@7:21-27 于@9:27-30 1949@10:30-34 年@14:34-37 wes@16:40-43 wes-5.4.5@16:40-49 版本@25:49-55 第@28:58-61 3@29:61-64 季度@30:64-70 营收@32:70-76 增长@34:76-82 百分@36:82-88 百分之@36:82-91 百分之十@36:82-94 12@39:82-97 二点@40:94-100 二点五@40:94-103",
                "中@0:0-3 华@1:3-6 人@2:6-9 民@3:9-12 共@4:12-15 和@5:15-18 国@6:18-21 成@7:21-24 立@8:24-27 于@9:27-30 1949@10:30-34 年@14:34-37 wes@16:40-43 5@20:44-45 4@22:46-47 5@24:48-49 版@25:49-52 本@26:52-55 第@28:58-61 3@29:61-64 季@30:64-67 度@31:67-70 营@32:70-73 收@33:73-76 增@34:76-79 长@35:79-82 百@36:82-85 分@37:85-88 之@38:88-91 十@39:91-94 12@39:82-97 二@40:94-97 点@41:97-100 五@42:100-103",
            ),
            (
                "Ⅻ ①②③ ﹙测试﹚ 𠀀𠀁 한국어 カタカナ ñÑ Ωω 一百零五人，十二月",
                "ⅻ@0:0-3 ①@2:4-7 ②@3:7-10 ③@4:10-13 测试@7:17-23 𠀀𠀁@11:27-35 한@14:36-39 국@15:39-42 어@16:42-45 カ@18:46-49 タ@19:49-52 カ@20:52-55 ナ@21:55-58 ñ@23:59-61 ñ@24:61-63 ω@26:64-66 ω@27:66-68 一百@29:69-75 一百零五@29:69-81 105@30:69-81 人@33:81-84 十二@35:87-93 十二月@35:87-96 12@35:87-93 二月@36:90-96",
                "ⅻ@0:0-3 ①②③@2:4-13 测@7:17-20 试@8:20-23 𠀀@11:27-31 𠀁@12:31-35 한@14:36-39 국@15:39-42 어@16:42-45 カ@18:46-49 タ@19:49-52 カ@20:52-55 ナ@21:55-58 ññ@23:59-63 ωω@26:64-68 一@29:69-72 百@30:72-75 105@30:69-81 零@31:75-78 五@32:78-81 人@33:81-84 十@35:87-90 12@35:87-93 二@36:90-93 月@37:93-96",
            ),
        ] {
            assert_eq!(show(analysis.words(text)), words, "words of {text}");
            assert_eq!(show(char_tokens(text)), chars, "characters of {text}");
        }
    }

    #[test]
    fn query_words_do_not_overlap() {
        let words = Analysis::default_shared().query_words("中华人民共和国成立");
        let joined: String = words.concat();
        assert_eq!(joined, "中华人民共和国成立");
    }
}
