//! The one step from a raw record to an article, for every format: fields
//! trimmed, an article with no text refused, a stable id, provenance.
//!
//! The id is the record's own id, else its declared address (normalised),
//! else the name of the file that holds only it, else, for a record with no
//! name at all, a hash of its text. The same story read again, from another
//! crawl or with a sentence changed, gets the same id and replaces itself.

use xunwen_engine::Article;
use xunwen_engine::article::write_without_whitespace;

use super::Event;
use super::raw::{Address, Extracted, RawArticle};
use crate::text::normalize_url;

/// Completes a raw record read at `location`.
pub fn finalize(raw: RawArticle, location: &str) -> Result<Article, String> {
    let title = raw.title.trim().to_string();
    let body = raw.body.trim().to_string();
    if title.is_empty() && body.is_empty() {
        return Err("no title and no text".into());
    }
    let non_blank = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let own_id = non_blank(raw.id).map(|id| id.trim().to_string());
    let declared_address = match &raw.url {
        Some(Address::Declared(url)) => normalize_url(url),
        _ => None,
    };
    let id = own_id
        .or(declared_address)
        .or(raw.name)
        .unwrap_or_else(|| content_id(&title, &body));
    Ok(Article {
        id,
        url: non_blank(raw.url.map(|url| url.as_str().to_string())),
        title,
        body,
        source: non_blank(raw.source),
        author: non_blank(raw.author),
        published: raw.published,
        category: non_blank(raw.category),
        provenance: Some(location.to_string()),
    })
}

/// What one extracted item becomes for the run: an article (and its
/// warning), a refusal or a warning.
pub fn events_of(extracted: Extracted, sink: &mut dyn FnMut(Event)) {
    match extracted {
        Extracted::Record { location, mut raw } => {
            let warnings = std::mem::take(&mut raw.warnings);
            match finalize(*raw, &location) {
                Ok(article) => {
                    sink(Event::Article(article));
                    for message in warnings {
                        let location = location.clone();
                        sink(Event::Warning { location, message });
                    }
                }
                Err(reason) => sink(Event::Refused { location, reason }),
            }
        }
        Extracted::Refused { location, reason } => sink(Event::Refused { location, reason }),
        Extracted::Warning { location, message } => sink(Event::Warning { location, message }),
    }
}

/// The id of a record with no id, no address and no name: a hash of its text.
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

    fn raw(title: &str, body: &str) -> RawArticle {
        RawArticle {
            title: title.into(),
            body: body.into(),
            ..RawArticle::default()
        }
    }

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

    #[test]
    fn own_id_beats_declared_address_beats_name_beats_hash() {
        let full = RawArticle {
            id: Some(" VIDEmeta ".into()),
            url: Some(Address::Declared("https://www.example.com/a/1.html".into())),
            name: Some("VIDEfile".into()),
            ..raw("标题", "正文")
        };
        assert_eq!(finalize(full.clone(), "p").unwrap().id, "VIDEmeta");
        let no_id = RawArticle { id: None, ..full };
        assert_eq!(
            finalize(no_id.clone(), "p").unwrap().id,
            "example.com/a/1.html"
        );
        let no_address = RawArticle { url: None, ..no_id };
        assert_eq!(finalize(no_address.clone(), "p").unwrap().id, "VIDEfile");
        let nameless = RawArticle {
            name: None,
            ..no_address
        };
        assert!(finalize(nameless, "p").unwrap().id.starts_with('h'));
    }

    /// A URL that names the file is where the page lives; the file's name,
    /// which the URL ends in, stays its id.
    #[test]
    fn a_url_naming_the_file_gives_the_url_and_leaves_the_name_as_id() {
        let page = RawArticle {
            url: Some(Address::NamingTheFile(
                "https://tv.cctv.com/2022/01/24/VIDEpage123.shtml".into(),
            )),
            name: Some("VIDEpage123".into()),
            ..raw("标题", "正文")
        };
        let article = finalize(page, "pages/VIDEpage123.shtml").unwrap();
        assert_eq!(article.id, "VIDEpage123");
        assert_eq!(
            article.url.as_deref(),
            Some("https://tv.cctv.com/2022/01/24/VIDEpage123.shtml")
        );
        assert_eq!(
            article.provenance.as_deref(),
            Some("pages/VIDEpage123.shtml")
        );
    }

    #[test]
    fn blank_fields_are_dropped_and_an_empty_record_is_refused() {
        let article = finalize(
            RawArticle {
                source: Some("  ".into()),
                url: Some(Address::Declared(" ".into())),
                ..raw(" 标题 ", "\n正文\n")
            },
            "p",
        )
        .unwrap();
        assert_eq!(
            (article.title.as_str(), article.body.as_str()),
            ("标题", "正文")
        );
        assert_eq!((article.source, article.url), (None, None));
        assert!(finalize(raw(" ", "\u{3000}"), "p").is_err());
    }
}
