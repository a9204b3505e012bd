//! Tokens as spans of the folded text, replayed as tantivy token streams,
//! and the character-level view (one token per ideograph, with positions).

use std::cell::RefCell;
use std::rc::Rc;

use tantivy::tokenizer::{Token, TokenStream};

use super::fold::{FoldedText, is_cjk, is_term_char};
use super::numbers::{NumberSpan, numbers_in_runs};

/// A token produced by the analysis, with offsets into the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    pub text: String,
    /// Position in characters from the start of the text.
    pub position: usize,
    pub offset_from: usize,
    pub offset_to: usize,
}

/// The character-level view: every ideograph is a token of its own, and a
/// run of other letters or digits is one folded word. Positions count
/// characters, so an exact phrase is a run of consecutive positions.
pub fn char_tokens(text: &str) -> Vec<AnalyzedToken> {
    char_spans(text).into_tokens()
}

/// [`char_tokens`] as spans of the folded text (no string per character).
pub(super) fn char_spans(text: &str) -> TokenSpans {
    let prepared = prepared(text);
    let text = &prepared.text;
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
    with_numbers(&prepared, spans)
}

/// A text folded, with its numbers read: what both the word and the
/// character view of a text start from.
pub(super) struct Prepared {
    original: String,
    pub(super) text: FoldedText,
    numbers: Vec<NumberSpan>,
}

/// The folded text and numbers of `original`, made once for both views:
/// tantivy analyses the title and body of an article for words, then the
/// same two texts again for characters, on one thread.
pub(super) fn prepared(original: &str) -> Rc<Prepared> {
    thread_local! {
        /// The last two texts prepared on this thread, the latest first.
        static RECENT: RefCell<[Option<Rc<Prepared>>; 2]> = const { RefCell::new([None, None]) };
    }
    RECENT.with_borrow_mut(|recent| {
        if let Some(hit) = recent.iter().flatten().find(|p| p.original == original) {
            return Rc::clone(hit);
        }
        let mut text = FoldedText::new(original);
        let runs = std::mem::take(&mut text.numeral_runs);
        let numbers = numbers_in_runs(&text.folded, runs);
        let fresh = Rc::new(Prepared {
            original: original.to_owned(),
            text,
            numbers,
        });
        recent.swap(0, 1);
        recent[0] = Some(Rc::clone(&fresh));
        fresh
    })
}

/// The spans of a text with the Arabic form of each of its Chinese numbers
/// added (see [`super::numbers`]): a term of its own, placed so that it ends
/// where the numeral ends (so `120人` is a phrase in `一百二十人` too), with the
/// numeral's offsets. Its term text is kept after the folded text.
pub(super) fn with_numbers(prepared: &Prepared, mut spans: Vec<Span>) -> TokenSpans {
    let (text, numbers) = (&prepared.text, &prepared.numbers);
    let mut folded = text.folded.clone();
    if numbers.is_empty() {
        return TokenSpans { folded, spans };
    }
    for number in numbers {
        let from = folded.len();
        folded.push_str(&number.digits);
        let length = number.digits.chars().count();
        spans.push(Span {
            folded_from: from,
            folded_to: folded.len(),
            position: number
                .end_char
                .saturating_sub(length)
                .max(number.start_char),
            offset_from: text.original_offset(number.start_char, number.start_byte),
            offset_to: text.original_offset(number.end_char, number.end_byte),
        });
    }
    // Positions of one term must not go back: keep the stream in order.
    spans.sort_by_key(|span| span.position);
    TokenSpans { folded, spans }
}

/// One token as a span: bytes of the folded text (its term), its position in
/// characters, and bytes of the original text (its offsets).
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) folded_from: usize,
    pub(super) folded_to: usize,
    pub(super) position: usize,
    pub(super) offset_from: usize,
    pub(super) offset_to: usize,
}

/// The tokens of one text as spans of its folded form: the token stream
/// copies each term into one reused buffer instead of allocating a string
/// per token (indexing makes about two tokens per character).
pub(super) struct TokenSpans {
    pub(super) folded: String,
    pub(super) spans: Vec<Span>,
}

impl TokenSpans {
    pub(super) fn into_tokens(self) -> Vec<AnalyzedToken> {
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
    pub(super) fn new(tokens: TokenSpans) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_view_is_characters_with_positions() {
        let tokens = char_tokens("待處理ABC");
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["待", "处", "理", "abc"]);
        let positions: Vec<usize> = tokens.iter().map(|t| t.position).collect();
        assert_eq!(positions, vec![0, 1, 2, 3]);
    }
}
