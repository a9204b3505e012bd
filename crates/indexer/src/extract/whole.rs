//! An input read whole, within the bound on one record, and decoded: a page
//! (HTML, text) is one record; a JSON document or a Markdown file that fits
//! is decoded as a whole, so its encoding is judged on all of its bytes.
//!
//! Past the bound a page is refused. A JSON document or a Markdown file is
//! then read record by record instead ([`Whole::TooLarge`] hands back what
//! was read), which needs UTF-8, JSON's own encoding.

use std::io::{BufRead, Cursor, Read};

use super::Input;
use super::bounded::{MAX_RECORD_BYTES, bound_text};
use super::raw::Extracted;
use crate::decode::{DecodeError, declared_html_charset, decode};

/// What reading an input whole gave.
pub enum Whole {
    /// Decoded text, with a warning when bytes were replaced.
    Text {
        text: String,
        warning: Option<Extracted>,
    },
    /// Not text (empty, binary, too damaged): the input's refusal.
    Refused(Extracted),
    /// More than the bound; the bytes read so far (the bound and one more).
    TooLarge(Vec<u8>),
}

/// Reads `reader` whole, up to the bound, and decodes it. `html` lets a
/// page's `<meta charset>` be heard when the bytes leave the choice open.
pub fn read_whole(input: &Input, reader: &mut dyn BufRead, html: bool) -> std::io::Result<Whole> {
    let mut bytes = Vec::new();
    reader.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Ok(Whole::TooLarge(bytes));
    }
    let declared = if html {
        declared_html_charset(&bytes)
    } else {
        None
    };
    let decoded = match decode(&bytes, declared) {
        Ok(decoded) => decoded,
        Err(error) => return Ok(Whole::Refused(input.refusal(reason_of(error)))),
    };
    let warning = decoded.repair_note().map(|message| Extracted::Warning {
        location: input.location.clone(),
        message,
    });
    Ok(Whole::Text {
        text: decoded.text,
        warning,
    })
}

fn reason_of(error: DecodeError) -> String {
    match error {
        DecodeError::Empty => "empty file".to_string(),
        other => other.to_string(),
    }
}

/// The refusal of a page past the bound.
pub fn page_too_large(input: &Input) -> Extracted {
    input.refusal(format!("page larger than {}", bound_text()))
}

/// The rest of an input past the bound, to be read record by record: what
/// was read first, then the reader. `None` when it is not UTF-8.
pub fn stream_rest<'a>(
    head: Vec<u8>,
    reader: &'a mut dyn BufRead,
) -> Option<Box<dyn BufRead + 'a>> {
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // The head may end inside a character: only an error before its end counts.
    if let Err(error) = std::str::from_utf8(&head[bom..])
        && error.error_len().is_some()
    {
        return None;
    }
    let mut head = Cursor::new(head);
    head.set_position(bom as u64);
    Some(Box::new(head.chain(reader)))
}

/// The refusal of an input past the bound that is not UTF-8.
pub fn too_large_and_not_utf8(input: &Input) -> Extracted {
    input.refusal(format!(
        "larger than {} and not UTF-8: so large a file is read record by record, which needs UTF-8",
        bound_text()
    ))
}

/// A reader over text already decoded, for the formats that read records.
pub fn text_reader<'a>(text: String) -> Box<dyn BufRead + 'a> {
    Box::new(Cursor::new(text.into_bytes()))
}
