//! The fields of one Markdown section: a transcript's story (its `###`
//! title, its lines, its `[查看原文](url)` link) or a whole file that is one
//! article (its first line is the title).

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use regex::Regex;

use crate::extract::raw::{Address, RawArticle};
use crate::text::{collapse_ascii_whitespace, trim_line};

static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)").expect("valid regex"));
static EMPHASIS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\*\*|__|\*|`)").expect("valid regex"));
static LIST_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[-*+>]\s+|#+\s*)").expect("valid regex"));

/// Plain text of one Markdown line, and the URL of an "original" link in it.
fn plain_line(line: &str) -> (String, Option<String>) {
    let mut url = None;
    let unlinked = LINK.replace_all(line, |c: &regex::Captures| {
        if c[1].contains("原文") || c[1].is_empty() {
            url = Some(c[2].to_string());
            String::new()
        } else {
            c[1].to_string()
        }
    });
    let text = EMPHASIS.replace_all(&unlinked, "");
    let text = LIST_MARK.replace(trim_line(&text), "");
    (
        trim_line(&collapse_ascii_whitespace(&text)).to_string(),
        url,
    )
}

/// A story: `text` is its `### ` title line and the lines after it.
pub fn story(text: &str, published: Option<DateTime<FixedOffset>>) -> RawArticle {
    let mut lines = text.lines();
    let title_line = lines.next().unwrap_or("");
    let title = plain_line(title_line.strip_prefix("### ").unwrap_or(title_line)).0;
    let mut url = None;
    let mut body = Vec::new();
    for line in lines {
        let (plain, link) = plain_line(line);
        if url.is_none() {
            url = link;
        }
        if !plain.is_empty() {
            body.push(plain);
        }
    }
    RawArticle {
        url: url.map(Address::Declared),
        title,
        body: body.join("\n"),
        published,
        ..RawArticle::default()
    }
}

/// A file with no stories: one article, its first line the title.
pub fn whole_file(
    text: &str,
    published: Option<DateTime<FixedOffset>>,
    name: Option<String>,
) -> RawArticle {
    let mut lines = text
        .lines()
        .map(|line| plain_line(line).0)
        .filter(|line| !line.is_empty());
    let title = lines.next().unwrap_or_default();
    RawArticle {
        name,
        title,
        body: lines.collect::<Vec<_>>().join("\n"),
        published,
        ..RawArticle::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_gives_its_title_text_and_original_link() {
        let raw = story(
            "### 第一条\n\n**央视网消息**（新闻联播）：正文一。\n\n[查看原文](https://tv.cctv.com/2023/03/15/A.shtml)\n",
            None,
        );
        assert_eq!(raw.title, "第一条");
        assert_eq!(raw.body, "央视网消息（新闻联播）：正文一。");
        assert_eq!(
            raw.url,
            Some(Address::Declared(
                "https://tv.cctv.com/2023/03/15/A.shtml".into()
            ))
        );
    }

    #[test]
    fn a_file_without_stories_is_one_article_named_by_the_file() {
        let raw = whole_file(
            "# 标题\n\n- 第一点\n> 引文\n",
            None,
            Some("notes-2023".into()),
        );
        assert_eq!(raw.title, "标题");
        assert_eq!(raw.body, "第一点\n引文");
        assert_eq!(raw.name.as_deref(), Some("notes-2023"));
    }
}
