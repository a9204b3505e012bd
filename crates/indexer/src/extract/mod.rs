//! Extraction: one input (a file or an archive member) in, articles out.
//!
//! ```text
//! bytes --[format from the name]--> a format's records (RawArticle) --finalize--> Article
//! ```
//!
//! Every format module has one shape: it returns [`Records`], its raw
//! records in input order, each with its location, and never decides an id
//! nor trims. [`finalize`](finalize::finalize) completes every record the
//! same way. A page (HTML, text) is read whole within the bound on one
//! record ([`bounded`]); JSON Lines, JSON documents and Markdown are read a
//! record at a time, so an input of any size streams through.
//!
//! ```
//! use xunwen_indexer::extract::{Event, Input, extract};
//! let input = Input::named("news.jsonl");
//! let mut events = Vec::new();
//! let mut lines = r#"{"id": "a1", "title": "长江防汛"}"#.as_bytes();
//! extract(&input, &mut lines, &mut |event| events.push(event)).unwrap();
//! assert!(matches!(&events[..], [Event::Article(article)] if article.id == "a1"));
//! ```

pub mod bounded;
pub mod finalize;
pub mod html;
pub mod json;
pub mod markdown;
pub mod markup;
pub mod name;
pub mod plain;
pub mod raw;
pub mod whole;

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use xunwen_engine::Article;

use crate::container::each_input;
use crate::walk::FileEntry;
use markup::{Markup, markup_of};
use raw::{Extracted, Records, only};
use whole::{Whole, page_too_large, read_whole, stream_rest, text_reader, too_large_and_not_utf8};

/// What extraction reports, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Article(Article),
    /// A record or a whole input that was not indexed, and why.
    Refused {
        location: String,
        reason: String,
    },
    /// Indexed, but something was repaired on the way.
    Warning {
        location: String,
        message: String,
    },
}

/// The formats Xunwen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Json,
    Html,
    Markdown,
    PlainText,
}

impl Format {
    /// The format a file name announces, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let extension = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Some(match extension {
            "jsonl" | "ndjson" => Format::JsonLines,
            "json" => Format::Json,
            "html" | "htm" | "shtml" | "xhtml" => Format::Html,
            "md" | "markdown" => Format::Markdown,
            "txt" | "text" => Format::PlainText,
            _ => return None,
        })
    }

    /// The format the first bytes of a nameless input (a pipe such as
    /// `<(zcat x.gz)`, a file without an extension) show: a record `{` starts
    /// JSON Lines, `[` a JSON array, `<` HTML, `#` Markdown.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let first = head.iter().find(|b| !b.is_ascii_whitespace())?;
        Some(match first {
            b'{' => Format::JsonLines,
            b'[' => Format::Json,
            b'<' => Format::Html,
            b'#' => Format::Markdown,
            _ => return None,
        })
    }
}

/// One input being read: where it comes from, for reports and provenance.
#[derive(Debug, Clone)]
pub struct Input {
    /// `file`, `archive.tar.gz:member` or `file.gz`.
    pub location: String,
    /// The name that decides the format (the member name inside an archive,
    /// the name without `.gz` for a compressed file).
    pub name: String,
}

impl Input {
    /// An input whose location is its name (a file given as it is).
    pub fn named(name: &str) -> Input {
        Input {
            location: name.to_string(),
            name: name.to_string(),
        }
    }

    /// The name this input gives a record that is all it holds.
    pub fn page_name(&self) -> Option<String> {
        name::page_name(&self.name)
    }

    /// The whole input refused.
    pub fn refusal(&self, reason: String) -> Extracted {
        Extracted::Refused {
            location: self.location.clone(),
            reason,
        }
    }
}

/// Reads one file (or every member of an archive) and reports its events.
/// An I/O error (an unreadable file, a damaged archive) is returned after the
/// events read before it.
pub fn read_file(
    file: &FileEntry,
    bytes_read: Arc<AtomicU64>,
    sink: &mut dyn FnMut(Event),
) -> std::io::Result<()> {
    each_input(&file.path, bytes_read, &mut |input, reader| {
        extract(&input, reader, sink)
    })
}

/// Reads one input and reports what it holds.
pub fn extract(
    input: &Input,
    reader: &mut dyn BufRead,
    sink: &mut dyn FnMut(Event),
) -> std::io::Result<()> {
    for extracted in records(input, reader)? {
        finalize::events_of(extracted?, sink);
    }
    Ok(())
}

/// The raw records of one input, from the format its name announces.
pub fn records<'a>(input: &'a Input, reader: &'a mut dyn BufRead) -> std::io::Result<Records<'a>> {
    let format = match Format::from_name(&input.name) {
        Some(format) => Some(format),
        None if !input.name.contains('.') => Format::sniff(reader.fill_buf()?),
        None => None,
    };
    let Some(format) = format else {
        let reason = "not a format Xunwen reads (JSON Lines, JSON, HTML, Markdown, text)";
        return Ok(only(input.refusal(reason.into())));
    };
    if format == Format::JsonLines {
        return Ok(json::lines::records(input, reader));
    }
    let (text, warning) = match read_whole(input, reader, format == Format::Html)? {
        Whole::Text { text, warning } => (text, warning),
        Whole::Refused(refusal) => return Ok(only(refusal)),
        Whole::TooLarge(head) => return Ok(records_past_the_bound(format, input, head, reader)),
    };
    let records = match format {
        Format::PlainText if markup_of(&text) == Markup::Document => html::records(input, &text),
        Format::Html => html::records(input, &text),
        Format::PlainText => plain::records(input, &text),
        Format::Markdown => markdown::records(input, text_reader(text)),
        // JSON Lines never get here: they are streamed above.
        Format::Json | Format::JsonLines => json::document::records(input, text_reader(text)),
    };
    Ok(Box::new(warning.into_iter().map(Ok).chain(records)))
}

/// An input past the bound on one record: a page is refused; a file of
/// records is read on, record by record.
fn records_past_the_bound<'a>(
    format: Format,
    input: &'a Input,
    head: Vec<u8>,
    reader: &'a mut dyn BufRead,
) -> Records<'a> {
    if matches!(format, Format::Html | Format::PlainText) {
        return only(page_too_large(input));
    }
    let Some(rest) = stream_rest(head, reader) else {
        return only(too_large_and_not_utf8(input));
    };
    if format == Format::Markdown {
        return markdown::records(input, rest);
    }
    json::document::records(input, rest)
}

/// Helpers for the tests beside each format.
#[cfg(test)]
pub(crate) mod testing {
    use super::raw::{Extracted, RawArticle};
    use super::{Input, records};

    /// Every item of an input named `name` holding `bytes`.
    pub fn read(name: &str, bytes: impl AsRef<[u8]>) -> Vec<Extracted> {
        let input = Input::named(name);
        let mut reader = bytes.as_ref();
        records(&input, &mut reader)
            .expect("reading from memory")
            .map(|item| item.expect("reading from memory"))
            .collect()
    }

    /// The raw records among `items`.
    pub fn raws(items: &[Extracted]) -> Vec<&RawArticle> {
        items.iter().filter_map(Extracted::raw).collect()
    }
}
