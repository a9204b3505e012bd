//! A JSON document: an array of records, one record, or several records one
//! after another, read element by element (`file[3]`). An element past the
//! bound on one record is skipped as it is read and refused; a broken
//! document is refused where it breaks, after the records before it.
//!
//! A document that is one record is named by its file (`story-1.json`);
//! the records of an array or of a run of records are not.

use std::io::BufRead;

use super::parse_record;
use super::split::{Layout, Piece, Splitter};
use crate::extract::Input;
use crate::extract::bounded::{MAX_RECORD_BYTES, bound_text, size_text};
use crate::extract::raw::{Extracted, Records};

/// The records of a JSON document read from `reader` (UTF-8 text).
pub fn records<'a>(input: &'a Input, reader: Box<dyn BufRead + 'a>) -> Records<'a> {
    Box::new(Document {
        input,
        splitter: Splitter::new(reader, MAX_RECORD_BYTES),
        count: 0,
        finished: false,
    })
}

struct Document<'a> {
    input: &'a Input,
    splitter: Splitter<Box<dyn BufRead + 'a>>,
    count: usize,
    finished: bool,
}

impl Document<'_> {
    fn next_record(&mut self) -> std::io::Result<Option<Extracted>> {
        let Some(piece) = self.splitter.next_piece()? else {
            self.finished = true;
            return Ok((self.count == 0)
                .then(|| self.input.refusal("no records in the JSON document".into())));
        };
        let value = match piece {
            Piece::Malformed(what) => {
                self.finished = true;
                let reason = format!("malformed JSON after {} record(s): {what}", self.count);
                return Ok(Some(self.input.refusal(reason)));
            }
            Piece::TooLarge { bytes } => Err(bytes),
            Piece::Value(bytes) => Ok(bytes),
        };
        self.count += 1;
        let location = format!("{}[{}]", self.input.location, self.count);
        let bytes = match value {
            Ok(bytes) => bytes,
            Err(length) => {
                let reason = format!(
                    "record longer than {} ({}): skipped",
                    bound_text(),
                    size_text(length)
                );
                return Ok(Some(Extracted::Refused { location, reason }));
            }
        };
        let alone = self.count == 1
            && self.splitter.layout() == Some(Layout::OneAfterAnother)
            && self.splitter.only_whitespace_follows()?;
        let name = if alone { self.input.page_name() } else { None };
        Ok(Some(Extracted::from_result(
            location,
            parse_record(&bytes, name),
        )))
    }
}

impl Iterator for Document<'_> {
    type Item = std::io::Result<Extracted>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        self.next_record().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testing::{raws, read};

    #[test]
    fn arrays_and_single_objects() {
        let items = read(
            "news-2023.json",
            r#"[{"id":"1","title":"一"},{"title":"二"}]"#,
        );
        let records = raws(&items);
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1].name, None,
            "an array's record is not named by the file"
        );
        let items = read("d.json", "{}");
        assert!(matches!(&items[0], Extracted::Refused { reason, .. } if reason.contains("empty")));
    }

    #[test]
    fn a_document_of_one_record_is_named_by_its_file() {
        let one = read("story-2023-07.json", "\n{\"title\":\"一\"}\n");
        assert_eq!(raws(&one)[0].name.as_deref(), Some("story-2023-07"));
        let two = read("story-2023-07.json", r#"{"title":"一"} {"title":"二"}"#);
        assert!(raws(&two).iter().all(|raw| raw.name.is_none()));
    }

    #[test]
    fn a_bad_element_is_refused_and_a_broken_document_stops_where_it_breaks() {
        let items = read(
            "c.json",
            r#"[{"title":"一"}, {"title": tru}, {"title":"三"} {"#,
        );
        let outcome: Vec<(&str, bool)> = items
            .iter()
            .map(|item| match item {
                Extracted::Record { location, .. } => (location.as_str(), true),
                Extracted::Refused { location, .. } => (location.as_str(), false),
                Extracted::Warning { location, .. } => (location.as_str(), false),
            })
            .collect();
        assert_eq!(
            outcome,
            [
                ("c.json[1]", true),
                ("c.json[2]", false),
                ("c.json[3]", true),
                ("c.json", false)
            ]
        );
        let Some(Extracted::Refused { reason, .. }) = items.last() else {
            unreachable!()
        };
        assert!(reason.contains("after 3 record(s)"), "{reason}");
    }
}
