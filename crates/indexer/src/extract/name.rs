//! What a file's name says about the one record it holds: the record's name
//! (a crawler saves `VIDE10Ddvo8K6Rq8vwOrdX9b220124.shtml`), and which URL
//! in the page is the page's own (the one whose last segment is that name).
//!
//! ```
//! use xunwen_indexer::extract::name::{page_name, url_naming_the_file};
//! let name = page_name("pages/VIDE10Ddvo8K6Rq8vwOrdX9b220124.shtml").unwrap();
//! assert_eq!(name, "VIDE10Ddvo8K6Rq8vwOrdX9b220124");
//! let page = r#"<a href="https://tv.cctv.com/index.shtml">首页</a>
//!     var commentUrl = "https://tv.cctv.com/2022/01/24/VIDE10Ddvo8K6Rq8vwOrdX9b220124.shtml";"#;
//! assert_eq!(
//!     url_naming_the_file(page, &name).as_deref(),
//!     Some("https://tv.cctv.com/2022/01/24/VIDE10Ddvo8K6Rq8vwOrdX9b220124.shtml")
//! );
//! assert_eq!(page_name("2023/05/index.html"), None);
//! ```

use crate::text::normalize_url;

/// Shorter names (`1.html`, `list.htm`) are a crawler's counter or a
/// folder's page: two crawls reuse them for different stories.
const MIN_NAME_CHARS: usize = 6;

/// Names a web server gives the page of a folder, never of one story.
const FOLDER_PAGES: &[&str] = &["index", "default", "home", "main"];

/// The name a file or archive member gives the record it holds: the last
/// path segment without its extension, when that names something.
pub fn page_name(input_name: &str) -> Option<String> {
    let file = input_name.rsplit(['/', '\\']).next().unwrap_or(input_name);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem).trim();
    if stem.chars().count() < MIN_NAME_CHARS
        || FOLDER_PAGES.contains(&stem.to_ascii_lowercase().as_str())
    {
        return None;
    }
    Some(stem.to_string())
}

/// The one absolute URL in `text` whose last path segment, without its
/// extension, query and fragment, is `name`. Several different ones name
/// no page: which of them would be its own is a guess.
pub fn url_naming_the_file(text: &str, name: &str) -> Option<String> {
    let mut found: Option<(String, String)> = None;
    for (start, _) in text.match_indices("http") {
        let Some(url) = absolute_url_at(&text[start..]) else {
            continue;
        };
        let address = url.split(['?', '#']).next().unwrap_or(url);
        let last_segment = address.rsplit('/').next().unwrap_or("");
        let stem = last_segment
            .rsplit_once('.')
            .map_or(last_segment, |(stem, _)| stem);
        if stem != name {
            continue;
        }
        let Some(normalized) = normalize_url(address) else {
            continue;
        };
        match &found {
            None => found = Some((address.to_string(), normalized)),
            Some((_, first)) if *first == normalized => {}
            Some(_) => return None,
        }
    }
    found.map(|(url, _)| url)
}

/// The URL starting at the beginning of `text`, if it is an absolute
/// `http(s)://` one: up to the first character that cannot be in a URL
/// written in HTML or a script.
fn absolute_url_at(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))?;
    let scheme_length = text.len() - rest.len();
    let end = rest
        .find(|c: char| c.is_whitespace() || "\"'<>()[]{}\\,;`".contains(c) || c.is_control())
        .unwrap_or(rest.len());
    (end > 0).then(|| &text[..scheme_length + end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_named_by_its_file_stem() {
        assert_eq!(
            page_name("/data/crawl/VIDEx9QMpYDtDWv.shtml").as_deref(),
            Some("VIDEx9QMpYDtDWv")
        );
        assert_eq!(page_name("tianzhu-npc.txt").as_deref(), Some("tianzhu-npc"));
        assert_eq!(page_name("a1.utf8.txt").as_deref(), Some("a1.utf8"));
    }

    #[test]
    fn folder_pages_and_counters_name_nothing() {
        for name in [
            "index.html",
            "site/2023/Default.aspx",
            "1.html",
            "p12.htm",
            ".html",
        ] {
            assert_eq!(page_name(name), None, "{name}");
        }
    }

    #[test]
    fn only_a_url_ending_in_the_name_is_the_page_s_own() {
        let page = r#"<a href="https://tv.cctv.com/2023/08/10/VIDEother12345.shtml">
            var commentUrl = "https://tv.cctv.com/2022/06/12/VIDEmine123456.shtml?spm=1";
            var share = 'http://tv.cctv.com/2022/06/12/VIDEmine123456.shtml#top';"#;
        assert_eq!(
            url_naming_the_file(page, "VIDEmine123456").as_deref(),
            Some("https://tv.cctv.com/2022/06/12/VIDEmine123456.shtml")
        );
        assert_eq!(url_naming_the_file(page, "VIDEabsent1234"), None);
    }

    #[test]
    fn an_empty_comment_url_gives_no_url() {
        let page = r#"var commentUrl = ""; var itemid1="VIDEmine123456";"#;
        assert_eq!(url_naming_the_file(page, "VIDEmine123456"), None);
    }

    #[test]
    fn two_different_urls_naming_the_file_give_none() {
        let page = "https://a.example/x/story-2023-1.html https://b.example/y/story-2023-1.htm";
        assert_eq!(url_naming_the_file(page, "story-2023-1"), None);
    }
}
