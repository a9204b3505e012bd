//! Extraction: one input (a file or an archive member) in, articles out.
//!
//! Each format has its own module; [`extract`] picks one from the name and the
//! first bytes, and reports every article, refusal and warning to a sink, so a
//! large JSON Lines file streams through without being held in memory.

pub mod html;
pub mod json;
pub mod markdown;
pub mod plain;

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use xunwen_engine::Article;
use xunwen_engine::article::write_without_whitespace;

use crate::container::each_input;
use crate::decode::{DecodeError, declared_html_charset, decode};
use crate::text::normalize_url;
use crate::walk::FileEntry;

/// The largest single page (HTML, text, Markdown) read into memory. JSON Lines
/// are streamed and have no such limit.
pub const MAX_PAGE_BYTES: u64 = 64 << 20;

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
    let Some(format) = Format::from_name(&input.name) else {
        sink(Event::Refused {
            location: input.location.clone(),
            reason: "not a format Xunwen reads (JSON Lines, JSON, HTML, Markdown, text)".into(),
        });
        return Ok(());
    };
    if format == Format::JsonLines {
        return json::read_json_lines(input, reader, sink);
    }
    let mut bytes = Vec::new();
    reader.take(MAX_PAGE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        sink(Event::Refused {
            location: input.location.clone(),
            reason: format!("larger than {} MiB for a single page", MAX_PAGE_BYTES >> 20),
        });
        return Ok(());
    }
    let declared = if format == Format::Html {
        declared_html_charset(&bytes)
    } else {
        None
    };
    let decoded = match decode(&bytes, declared) {
        Ok(decoded) => decoded,
        Err(error) => {
            let reason = match error {
                DecodeError::Empty => "empty file".to_string(),
                other => other.to_string(),
            };
            sink(Event::Refused {
                location: input.location.clone(),
                reason,
            });
            return Ok(());
        }
    };
    if decoded.replaced > 0 {
        sink(Event::Warning {
            location: input.location.clone(),
            message: format!(
                "{} invalid byte sequence(s) replaced (decoded as {})",
                decoded.replaced, decoded.encoding
            ),
        });
    }
    let text = decoded.text;
    let looks_like_html =
        text.trim_start().starts_with('<') && text.to_ascii_lowercase().contains("<html");
    let format = if format == Format::PlainText && looks_like_html {
        Format::Html
    } else {
        format
    };
    match format {
        Format::Html => emit(input, html::extract_html(&text, &input.location), sink),
        Format::PlainText => emit(input, plain::extract_text(&text, &input.location), sink),
        Format::Markdown => {
            for (index, result) in markdown::extract_markdown(&text, &input.location)
                .into_iter()
                .enumerate()
            {
                let location = format!("{}#{}", input.location, index + 1);
                emit_at(&location, result, sink);
            }
        }
        Format::Json => json::read_json_document(input, &text, sink),
        Format::JsonLines => unreachable!("streamed above"),
    }
    Ok(())
}

fn emit(input: &Input, result: Result<Article, String>, sink: &mut dyn FnMut(Event)) {
    emit_at(&input.location, result, sink);
}

fn emit_at(location: &str, result: Result<Article, String>, sink: &mut dyn FnMut(Event)) {
    sink(match result {
        Ok(article) => Event::Article(article),
        Err(reason) => Event::Refused {
            location: location.to_string(),
            reason,
        },
    });
}

/// Completes an extracted article: gives it a stable id when the input had
/// none, records provenance, and refuses one with nothing to index.
pub fn finalize(mut article: Article, provenance: &str) -> Result<Article, String> {
    article.title = article.title.trim().to_string();
    article.body = article.body.trim().to_string();
    if article.title.is_empty() && article.body.is_empty() {
        return Err("no title and no text".into());
    }
    for value in [
        &mut article.url,
        &mut article.source,
        &mut article.author,
        &mut article.category,
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    article.id = article.id.trim().to_string();
    if article.id.is_empty() {
        article.id = article
            .url
            .as_deref()
            .and_then(normalize_url)
            .unwrap_or_else(|| content_id(&article.title, &article.body));
    }
    article.provenance = Some(provenance.to_string());
    Ok(article)
}

/// The id of an article that has neither id nor URL: a hash of its text.
fn content_id(title: &str, body: &str) -> String {
    use std::hash::Hasher;
    let mut hasher = twox_hash::XxHash3_64::default();
    write_without_whitespace(&mut hasher, title);
    hasher.write_u8(0xFF);
    write_without_whitespace(&mut hasher, body);
    format!("h{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hasher;

    /// Ids already in indexes were made from whitespace-free copies of the
    /// texts; hashing the pieces as they lie must give the same ids.
    #[test]
    fn content_id_is_the_hash_of_the_texts_without_whitespace() {
        for (title, body) in [
            ("标题", "正文。"),
            (" 标 题 ", "第一段\u{3000}\n\n第二段 "),
            ("", "  "),
        ] {
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let mut hasher = twox_hash::XxHash3_64::default();
            hasher.write(squeeze(title).as_bytes());
            hasher.write_u8(0xFF);
            hasher.write(squeeze(body).as_bytes());
            assert_eq!(
                content_id(title, body),
                format!("h{:016x}", hasher.finish())
            );
        }
    }
}
