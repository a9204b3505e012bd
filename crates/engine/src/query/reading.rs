//! How the text of a query reads: its content words, its chunks, and
//! whether it is a few keywords, a question or a pasted passage.
//!
//! ```
//! use xunwen_engine::analysis::Analysis;
//! use xunwen_engine::query::plan::QueryKind;
//! use xunwen_engine::query::reading::{chunks, query_kind};
//! let analysis = Analysis::default_shared();
//! assert_eq!(query_kind(&analysis, "李丰 广东省侨联主席"), QueryKind::Keywords);
//! assert_eq!(query_kind(&analysis, "第一项工作要求是什么？"), QueryKind::Question);
//! assert_eq!(chunks("《指南（2023版）》发布"), ["指南", "2023版", "发布"]);
//! ```

use super::plan::QueryKind;
use crate::analysis::{Analysis, fold, fold_char, is_term_char};

/// A query with this many letters, digits and ideographs is a pasted
/// passage, not a query typed in the query language.
pub const PASSAGE_CHARS: usize = 100;

/// True for text long enough to be a pasted passage.
pub fn is_passage(text: &str) -> bool {
    text.chars().filter(|c| is_term_char(fold_char(*c))).count() >= PASSAGE_CHARS
}

/// Words that ask rather than say, and particles: they never decide the
/// ranking.
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

/// Words only a question holds.
const INTERROGATIVES: &[&str] = &[
    "什么",
    "哪",
    "哪些",
    "哪个",
    "哪里",
    "哪儿",
    "谁",
    "多少",
    "如何",
    "怎么",
    "怎样",
    "为什么",
    "为何",
    "是否",
    "是不是",
    "几",
    "吗",
    "呢",
    "何时",
    "何地",
    "多久",
    "多长",
];

/// Marks that end or join the clauses of running text.
const CLAUSE_MARKS: &[char] = &['，', '。', '；', '！', '？', '、', ',', ';', '!', '?'];

/// The content words of free text, folded, in query order.
pub fn content_words(analysis: &Analysis, text: &str) -> Vec<String> {
    analysis
        .query_words(text)
        .into_iter()
        .filter(|w| !QUESTION_WORDS.contains(&w.as_str()))
        .collect()
}

/// How a query's plain text reads: a passage by its length and its
/// sentences (a long list of names and phrases is still keywords), a
/// question by its question mark or a question word, otherwise keywords.
pub fn query_kind(analysis: &Analysis, text: &str) -> QueryKind {
    if is_passage(text) {
        return if text.contains(CLAUSE_MARKS) {
            QueryKind::Passage
        } else {
            QueryKind::Keywords
        };
    }
    let asks = fold(text).contains('?')
        || analysis
            .query_words(text)
            .iter()
            .any(|word| INTERROGATIVES.contains(&word.as_str()));
    if asks {
        QueryKind::Question
    } else {
        QueryKind::Keywords
    }
}

/// The chunks of a text: runs of letters, digits and ideographs between
/// spaces and punctuation, folded.
pub fn chunks(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !is_term_char(c))
        .filter(|chunk| !chunk.is_empty())
        .map(str::to_string)
        .collect()
}
