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
    pub url: Option<Address>,
    /// The name of the file or archive member when the record is all that
    /// file holds (a page, a one-record JSON document); see [`super::name`].
    pub name: Option<String>,
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

/// Where a record lives, and how the record said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// The record states its address (`<link rel=canonical>`, `og:url`, a
    /// JSON `url`, a story's 原文 link): the address also identifies it.
    Declared(String),
    /// A URL in the page that ends in the page's own file name: where the
    /// page lives. The file name it shares already identifies the page.
    NamingTheFile(String),
}

impl Address {
    pub fn as_str(&self) -> &str {
        match self {
            Address::Declared(url) | Address::NamingTheFile(url) => url,
        }
    }
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

/// The records of an input that holds one item: a page, or its refusal.
pub fn only(item: Extracted) -> Records<'static> {
    Box::new(std::iter::once(Ok(item)))
}
