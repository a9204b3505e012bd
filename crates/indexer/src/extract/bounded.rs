//! The bound on one record, and lines read within it.
//!
//! A record (a page, a JSON Lines line, a JSON array's element, a Markdown
//! story) is held in memory to be parsed, so no record may be larger than
//! [`MAX_RECORD_BYTES`]. A longer one is read to its end with its bytes
//! thrown away as they come, refused, and the input goes on after it.
//!
//! ```
//! use xunwen_indexer::extract::bounded::{BoundedLines, Line};
//! let mut lines = BoundedLines::new(&b"short\nmuch too long\nok"[..], 8);
//! assert_eq!(lines.next_line().unwrap(), Some(Line::Within(b"short".to_vec())));
//! assert_eq!(lines.next_line().unwrap(), Some(Line::TooLong { bytes: 13 }));
//! assert_eq!(lines.next_line().unwrap(), Some(Line::Within(b"ok".to_vec())));
//! assert_eq!(lines.next_line().unwrap(), None);
//! ```

use std::io::BufRead;

/// The largest record read into memory: a page, a line, an element, a story.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// How a refusal names the bound.
pub fn bound_text() -> String {
    format!("the {} MiB bound for one record", MAX_RECORD_BYTES >> 20)
}

/// A byte count as people read it: `1.50 GB`, `70.0 MB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.2} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// One line, without its `\n` (or `\r\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Within(Vec<u8>),
    /// Longer than the bound: skipped, only its length kept.
    TooLong {
        bytes: u64,
    },
}

/// Reads lines of at most `max` bytes; never holds more than that.
pub struct BoundedLines<R> {
    reader: R,
    max: u64,
}

impl<R: BufRead> BoundedLines<R> {
    pub fn new(reader: R, max: u64) -> Self {
        BoundedLines { reader, max }
    }

    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut length = 0u64;
        let mut ended = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let (piece, consumed) = match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    ended = true;
                    (&chunk[..at], at + 1)
                }
                None => (chunk, chunk.len()),
            };
            length += piece.len() as u64;
            if length <= self.max {
                line.extend_from_slice(piece);
            } else if !line.is_empty() {
                // Past the bound: what was kept goes, the rest is only counted.
                line = Vec::new();
            }
            self.reader.consume(consumed);
            if ended {
                break;
            }
        }
        if !ended && length == 0 {
            return Ok(None);
        }
        if length > self.max {
            return Ok(Some(Line::TooLong { bytes: length }));
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some(Line::Within(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_across_many_reads_is_counted_not_kept() {
        let text = format!("a\n{}\n\r\nb", "x".repeat(100_000));
        let reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        let mut lines = BoundedLines::new(reader, 1000);
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::Within(b"a".to_vec()))
        );
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::TooLong { bytes: 100_000 })
        );
        assert_eq!(lines.next_line().unwrap(), Some(Line::Within(Vec::new())));
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::Within(b"b".to_vec()))
        );
        assert_eq!(lines.next_line().unwrap(), None);
    }

    #[test]
    fn a_line_of_exactly_the_bound_is_kept() {
        let mut lines = BoundedLines::new(&b"12345\n123456"[..], 5);
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::Within(b"12345".to_vec()))
        );
        assert_eq!(lines.next_line().unwrap(), Some(Line::TooLong { bytes: 6 }));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(1_500_000_000), "1.50 GB");
        assert_eq!(size_text(70_000_000), "70.0 MB");
        assert_eq!(bound_text(), "the 64 MiB bound for one record");
    }
}
