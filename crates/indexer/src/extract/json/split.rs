//! Top-level JSON values cut out of a document one at a time, each within
//! the bound on one record: the elements of an array, or values written one
//! after another. Only strings and brackets are followed, which is enough to
//! find where a value ends; serde parses each value once it is cut out.
//!
//! ```
//! use xunwen_indexer::extract::json::split::{Piece, Splitter};
//! let mut splitter = Splitter::new(&br#"[{"id": "a"}, "far too long", 3]"#[..], 12);
//! assert_eq!(splitter.next_piece().unwrap(), Some(Piece::Value(br#"{"id": "a"}"#.to_vec())));
//! assert_eq!(splitter.next_piece().unwrap(), Some(Piece::TooLarge { bytes: 14 }));
//! assert_eq!(splitter.next_piece().unwrap(), Some(Piece::Value(b"3".to_vec())));
//! assert_eq!(splitter.next_piece().unwrap(), None);
//! ```

use std::io::BufRead;

/// What the next cut gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Value(Vec<u8>),
    /// A value past the bound: read to its end, only its length kept.
    TooLarge {
        bytes: u64,
    },
    /// The document is broken here; nothing after it is read.
    Malformed(String),
}

/// How the document holds its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Array,
    /// One value, or several one after another.
    OneAfterAnother,
}

pub struct Splitter<R> {
    reader: R,
    max: u64,
    layout: Option<Layout>,
    values: usize,
    finished: bool,
}

impl<R: BufRead> Splitter<R> {
    pub fn new(reader: R, max: u64) -> Self {
        Splitter {
            reader,
            max,
            layout: None,
            values: 0,
            finished: false,
        }
    }

    /// Known once the first piece was asked for.
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    /// The next value, or `None` at the end of the document.
    pub fn next_piece(&mut self) -> std::io::Result<Option<Piece>> {
        if self.finished {
            return Ok(None);
        }
        let piece = self.cut()?;
        if !matches!(piece, Some(Piece::Value(_) | Piece::TooLarge { .. })) {
            self.finished = true;
        }
        Ok(piece)
    }

    /// True when nothing but whitespace is left.
    pub fn only_whitespace_follows(&mut self) -> std::io::Result<bool> {
        Ok(self.peek_past_whitespace()?.is_none())
    }

    fn cut(&mut self) -> std::io::Result<Option<Piece>> {
        let layout = match self.layout {
            Some(layout) => layout,
            None => {
                let layout = match self.peek_past_whitespace()? {
                    None => return Ok(None),
                    Some(b'[') => {
                        self.reader.consume(1);
                        Layout::Array
                    }
                    Some(_) => Layout::OneAfterAnother,
                };
                self.layout = Some(layout);
                layout
            }
        };
        let next = self.peek_past_whitespace()?;
        let malformed = |what: &str| Ok(Some(Piece::Malformed(what.to_string())));
        if layout == Layout::OneAfterAnother {
            return match next {
                None => Ok(None),
                Some(_) => self.take_value(),
            };
        }
        match (next, self.values) {
            (None, _) => malformed("the document ends inside the array"),
            (Some(b']'), _) => Ok(None),
            (Some(_), 0) => self.take_value(),
            (Some(b','), _) => {
                self.reader.consume(1);
                match self.peek_past_whitespace()? {
                    Some(b']') => malformed("a comma before the closing `]`"),
                    None => malformed("the document ends inside the array"),
                    Some(_) => self.take_value(),
                }
            }
            (Some(byte), _) => malformed(&format!(
                "`{}` where a comma or the closing `]` belongs",
                char::from(byte).escape_default()
            )),
        }
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn peek_past_whitespace(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            match chunk.iter().position(|b| !b" \t\r\n".contains(b)) {
                Some(at) => {
                    let byte = chunk[at];
                    self.reader.consume(at);
                    return Ok(Some(byte));
                }
                None => {
                    let all = chunk.len();
                    self.reader.consume(all);
                }
            }
        }
    }

    /// One value, from its first byte to its last.
    fn take_value(&mut self) -> std::io::Result<Option<Piece>> {
        let mut scan = ValueScan::default();
        let mut value = Vec::new();
        let mut length = 0u64;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                if !scan.is_scalar() || length == 0 {
                    let what = format!("the document ends inside record {}", self.values + 1);
                    return Ok(Some(Piece::Malformed(what)));
                }
                break;
            }
            let (end, done) = match scan.feed(chunk) {
                Some(end) => (end, true),
                None => (chunk.len(), false),
            };
            length += end as u64;
            if length <= self.max {
                value.extend_from_slice(&chunk[..end]);
            } else if !value.is_empty() {
                value = Vec::new();
            }
            self.reader.consume(end);
            if done {
                break;
            }
        }
        if length == 0 {
            let byte = self.peek_past_whitespace()?.unwrap_or(b' ');
            return Ok(Some(Piece::Malformed(format!(
                "`{}` where a record belongs",
                char::from(byte).escape_default()
            ))));
        }
        self.values += 1;
        if length > self.max {
            return Ok(Some(Piece::TooLarge { bytes: length }));
        }
        Ok(Some(Piece::Value(value)))
    }
}

/// Follows one value's strings and brackets to find its end.
#[derive(Default)]
struct ValueScan {
    started: bool,
    /// A number, `true`, `false` or `null`: ends where a delimiter starts.
    scalar: bool,
    depth: u64,
    in_string: bool,
    escaped: bool,
}

impl ValueScan {
    fn is_scalar(&self) -> bool {
        self.scalar
    }

    /// Where the value ends in `chunk` (the index after its last byte).
    fn feed(&mut self, chunk: &[u8]) -> Option<usize> {
        for (at, &byte) in chunk.iter().enumerate() {
            if !self.started {
                self.started = true;
                match byte {
                    b'{' | b'[' => self.depth = 1,
                    b'"' => self.in_string = true,
                    b',' | b']' | b'}' | b':' => return Some(0),
                    _ => self.scalar = true,
                }
                continue;
            }
            if self.scalar {
                if b",]}: \t\r\n{[\"".contains(&byte) {
                    return Some(at);
                }
                continue;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(at + 1);
                    }
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(at + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, max: u64) -> Vec<Piece> {
        // A tiny buffer, so every value crosses reads.
        let reader = std::io::BufReader::with_capacity(3, text.as_bytes());
        let mut splitter = Splitter::new(reader, max);
        std::iter::from_fn(|| splitter.next_piece().unwrap()).collect()
    }

    fn value(text: &str) -> Piece {
        Piece::Value(text.as_bytes().to_vec())
    }

    #[test]
    fn array_elements_are_cut_out_whole() {
        let text = r#" [ {"a": "x, ] } \" y"}, [1, [2]] ,"s" , 4.5e1, null ] trailing"#;
        assert_eq!(
            pieces(text, 100),
            [
                value(r#"{"a": "x, ] } \" y"}"#),
                value("[1, [2]]"),
                value(r#""s""#),
                value("4.5e1"),
                value("null"),
            ]
        );
    }

    #[test]
    fn values_one_after_another() {
        assert_eq!(
            pieces("{\"a\":1}{\"b\":2}\n3 \"x\"", 100),
            [
                value("{\"a\":1}"),
                value("{\"b\":2}"),
                value("3"),
                value("\"x\"")
            ]
        );
        assert_eq!(pieces(" \n ", 100), []);
    }

    #[test]
    fn a_value_past_the_bound_is_counted_and_the_next_is_read() {
        let long = format!(r#"{{"body": "{}"}}"#, "长".repeat(1000));
        let text = format!(r#"[{{"id": 1}}, {long}, {{"id": 3}}]"#);
        assert_eq!(
            pieces(&text, 100),
            [
                value(r#"{"id": 1}"#),
                Piece::TooLarge {
                    bytes: long.len() as u64
                },
                value(r#"{"id": 3}"#),
            ]
        );
    }

    #[test]
    fn broken_documents_stop_with_what_is_wrong() {
        let last = |text: &str| pieces(text, 100).pop();
        for (text, expected) in [
            (r#"[{"a": 1} {"b": 2}]"#, "where a comma"),
            (r#"[{"a": 1},]"#, "comma before the closing"),
            (r#"[{"a": "unterminated}]"#, "ends inside record 1"),
            (r#"[{"a": 1}"#, "ends inside the array"),
            (r#"[, 1]"#, "where a record belongs"),
        ] {
            match last(text) {
                Some(Piece::Malformed(what)) => assert!(what.contains(expected), "{text}: {what}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
