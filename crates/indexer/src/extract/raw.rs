//! What a format module hands back: raw records, not yet articles.
//!
//! A format reads fields; it never decides an id, trims, or records
//! provenance. [`super::finalize`] does that, once, for every format.

use chrono::{DateTime, FixedOffset};

/// The fields a format found in one record, as it found them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawArticle {
    /// The record's own id (`<meta name=contentid>`, a JSON `id`).
    pub id: Option<String>,
    /// Where the record says it lives (`<link rel=canonical>`, a JSON `url`).
    pub url: Option<String>,
    pub title: String,
    pub body: String,
    pub source: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub category: Option<String>,
    /// What was repaired on the way (bytes replaced, an unreadable date
    /// left out).
    pub warnings: Vec<String>,
}

/// One item of a format's output, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    /// A record to finalize, at `file`, `file:line`, `file[3]`, `file#2` or
    /// `archive:member`. Boxed: records are large beside refusals.
    Record {
        location: String,
        raw: Box<RawArticle>,
    },
    /// A record or a whole input that was not read, and why.
    Refused { location: String, reason: String },
    /// Read, but something was repaired on the way.
    Warning { location: String, message: String },
}

impl Extracted {
    /// The raw record, if this item is one.
    pub fn raw(&self) -> Option<&RawArticle> {
        match self {
            Extracted::Record { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// A record, or its refusal when the format could not read it.
    pub fn from_result(location: String, result: Result<RawArticle, String>) -> Extracted {
        match result {
            Ok(raw) => Extracted::Record {
                location,
                raw: Box::new(raw),
            },
            Err(reason) => Extracted::Refused { location, reason },
        }
    }
}

/// What every format returns: its records in input order. An I/O error
/// ends the stream after the records read before it.
pub type Records<'a> = Box<dyn Iterator<Item = std::io::Result<Extracted>> + 'a>;

/// The records of an input that is one page.
pub fn one_record(location: String, result: Result<RawArticle, String>) -> Records<'static> {
    Box::new(std::iter::once(Ok(Extracted::from_result(
        location, result,
    ))))
}
