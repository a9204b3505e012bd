//! Markdown: a daily transcript (`# 《新闻联播》（YYYYMMDD）` then one `###`
//! section per story, each with a `[查看原文](url)` link) gives one article per
//! story, dated by its programme; any other Markdown file is one article.

use std::sync::LazyLock;

use regex::Regex;
use xunwen_engine::Article;
use xunwen_engine::dates::find_datetime;

use super::finalize;
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

struct Section {
    title: String,
    lines: Vec<String>,
    url: Option<String>,
}

fn section_article(
    section: Section,
    published: Option<chrono::DateTime<chrono::FixedOffset>>,
    location: &str,
) -> Result<Article, String> {
    let article = Article {
        url: section.url,
        title: section.title,
        body: section.lines.join("\n"),
        published,
        ..Default::default()
    };
    finalize(article, location)
}

/// Extracts the articles of a Markdown file, in order.
pub fn extract_markdown(text: &str, location: &str) -> Vec<Result<Article, String>> {
    let text = text.trim_start_matches('\u{FEFF}');
    let heading = text.lines().find(|l| l.starts_with("# ")).unwrap_or("");
    let published = find_datetime(heading);
    let has_stories = text.lines().any(|l| l.starts_with("### "));
    if !has_stories {
        let mut lines = text
            .lines()
            .map(plain_line)
            .map(|(l, _)| l)
            .filter(|l| !l.is_empty());
        let title = lines.next().unwrap_or_default();
        let section = Section {
            title,
            lines: lines.collect(),
            url: None,
        };
        return vec![section_article(section, published, location)];
    }
    let mut articles = Vec::new();
    let mut current: Option<Section> = None;
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("### ") {
            if let Some(done) = current.take() {
                articles.push(section_article(done, published, location));
            }
            current = Some(Section {
                title: plain_line(title).0,
                lines: Vec::new(),
                url: None,
            });
            continue;
        }
        if line.starts_with("# ") || line.starts_with("## ") {
            if let Some(done) = current.take() {
                articles.push(section_article(done, published, location));
            }
            continue;
        }
        let Some(section) = current.as_mut() else {
            continue;
        };
        let (plain, url) = plain_line(line);
        if url.is_some() && section.url.is_none() {
            section.url = url;
        }
        if !plain.is_empty() {
            section.lines.push(plain);
        }
    }
    if let Some(done) = current.take() {
        articles.push(section_article(done, published, location));
    }
    articles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_article_per_story_dated_by_the_programme() {
        let text = "# 《新闻联播》（20230315）\n\n## 新闻摘要\n\n1.摘要\n\n## 详细新闻\n\n### 第一条\n\n**央视网消息**（新闻联播）：正文一。\n\n[查看原文](https://tv.cctv.com/2023/03/15/A.shtml)\n\n### 第二条\n\n正文二。\n";
        let articles: Vec<Article> = extract_markdown(text, "d.md")
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].title, "第一条");
        assert_eq!(articles[0].body, "央视网消息（新闻联播）：正文一。");
        assert_eq!(
            articles[0].url.as_deref(),
            Some("https://tv.cctv.com/2023/03/15/A.shtml")
        );
        assert_eq!(articles[0].id, "tv.cctv.com/2023/03/15/A.shtml");
        assert_eq!(
            articles[1].published.unwrap().to_rfc3339(),
            "2023-03-15T00:00:00+08:00"
        );
    }
}
