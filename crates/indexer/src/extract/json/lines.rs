//! JSON Lines: one record a line. Blank lines are skipped, a BOM at the
//! start of any line is tolerated (files get concatenated), and a bad line
//! is reported by its number while the next lines are read. A line past the
//! bound on one record is skipped as it is read, never held.

use std::io::BufRead;

use super::parse_record;
use crate::extract::Input;
use crate::extract::bounded::{BoundedLines, Line, MAX_RECORD_BYTES, bound_text, size_text};
use crate::extract::raw::{Extracted, Records};

/// The records of a JSON Lines input. Its records are never named by the
/// file: a file of many records names none of them.
pub fn records<'a>(input: &'a Input, reader: &'a mut dyn BufRead) -> Records<'a> {
    Box::new(JsonLines {
        input,
        lines: BoundedLines::new(reader, MAX_RECORD_BYTES),
        number: 0,
        any_line: false,
        finished: false,
    })
}

struct JsonLines<'a> {
    input: &'a Input,
    lines: BoundedLines<&'a mut dyn BufRead>,
    number: usize,
    any_line: bool,
    finished: bool,
}

impl JsonLines<'_> {
    /// What line `self.number` holds; `None` for a blank line.
    fn record(&mut self, line: Line) -> Option<Extracted> {
        let location = format!("{}:{}", self.input.location, self.number);
        let bytes = match line {
            Line::TooLong { bytes } => {
                self.any_line = true;
                let reason = format!(
                    "line longer than {} ({}): skipped",
                    bound_text(),
                    size_text(bytes)
                );
                return Some(Extracted::Refused { location, reason });
            }
            Line::Within(bytes) => bytes,
        };
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if text.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        self.any_line = true;
        Some(Extracted::from_result(location, parse_record(&bytes, None)))
    }
}

impl Iterator for JsonLines<'_> {
    type Item = std::io::Result<Extracted>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.finished = true;
                    break;
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            };
            self.number += 1;
            if let Some(record) = self.record(line) {
                return Some(Ok(record));
            }
        }
        if self.any_line {
            return None;
        }
        self.any_line = true;
        Some(Ok(self.input.refusal("empty file".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Vec<Extracted> {
        crate::extract::testing::read("b.jsonl", text)
    }

    fn refused(items: &[Extracted]) -> Vec<(&str, &str)> {
        items
            .iter()
            .filter_map(|item| match item {
                Extracted::Refused { location, reason } => {
                    Some((location.as_str(), reason.as_str()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_the_rest_goes_on() {
        let items = read(
            "{\"id\":\"1\",\"title\":\"一\"}\n\n{\"id\":\"2\",\"tit\n{}\n\u{FEFF}{\"id\":\"3\",\"body\":\"三\"}\n"
                .as_bytes(),
        );
        let locations: Vec<&str> = refused(&items).iter().map(|(l, _)| *l).collect();
        assert_eq!(locations, ["b.jsonl:3", "b.jsonl:4"]);
        let records = items
            .iter()
            .filter(|item| matches!(item, Extracted::Record { .. }))
            .count();
        assert_eq!(records, 2);
    }

    #[test]
    fn a_file_of_blank_lines_is_empty() {
        assert_eq!(refused(&read(b"\n  \n\r\n")), [("b.jsonl", "empty file")]);
    }

    #[test]
    fn a_line_with_a_few_bad_bytes_is_read_with_a_warning() {
        let mut line = r#"{"id":"1","body":""#.as_bytes().to_vec();
        line.extend("长江中下游地区持续降雨。".repeat(20).as_bytes());
        line.push(0xFF);
        line.extend(br#""}"#);
        let items = read(&line);
        let Extracted::Record { raw, .. } = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(raw.warnings.len(), 1, "{:?}", raw.warnings);
    }
}
