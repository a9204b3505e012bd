//! HTML pages: title, published date-time, source and the main text, without
//! navigation, scripts, styles, comments or share/print furniture.
//!
//! The main text is the first known article container (`#content_area`,
//! `<!--repaste.body.begin-->` … `end`, `article`, `[itemprop=articleBody]`,
//! …); failing those, the element whose own paragraphs hold the most text.
//! Inside it, `</p>` and `<br>` end a line, other tags are dropped, ASCII
//! whitespace runs collapse and empty lines go.
//!
//! The page's id is its `<meta name=contentid>` (or `articleid`); its URL is
//! `<link rel=canonical>`, `og:url`, or else the URL in the page that ends in
//! the page's own file name (a script's `var commentUrl = "…"`, a share link).

use std::sync::LazyLock;

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use xunwen_engine::dates::find_datetime;

use super::Input;
use super::name::url_naming_the_file;
use super::raw::{Address, Extracted, RawArticle, Records, only};
use crate::text::{clean_lines, collapse_ascii_whitespace};

/// Elements whose text never reaches the index.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "svg", "canvas", "select",
    "option", "button", "textarea", "nav", "object", "embed", "video", "audio", "map",
];

/// Elements that end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "hr",
    "header",
    "footer",
    "main",
    "address",
    "center",
    "form",
    "aside",
    "title",
];

/// Known article containers, most specific first.
const CONTAINERS: &[&str] = &[
    "#content_area",
    "[itemprop=articleBody]",
    "#artibody",
    ".article-content",
    ".article_content",
    "#article_content",
    ".TRS_Editor",
    "#zoom",
    ".post-content",
    ".entry-content",
    "article",
];

/// Lines that are page furniture, never article text.
static FURNITURE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:责任)?编辑[:：]|分享到|打印本页|【字体|上一篇|下一篇|相关(?:信息|阅读|新闻|稿件)$|返回顶部|扫一扫)")
        .expect("valid regex")
});

static SOURCE_IN_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:来源|來源|稿源)\s*[:：]\s*(.*)").expect("valid regex"));

static DATE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}\s*[-/.年]|(?:更新|发布|發佈|发表)?时间|作者|编辑|责任编辑")
        .expect("valid regex")
});

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("valid selector")
}

/// Text lines of a node and its descendants, without skipped elements.
fn lines_of(root: NodeRef<'_, Node>) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut skipping = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let name = element.name();
                    if SKIPPED.contains(&name) {
                        skipping += 1;
                    } else if skipping == 0 && BLOCKS.contains(&name) {
                        lines.push(String::new());
                    }
                }
                Node::Text(text) if skipping == 0 => {
                    if let Some(line) = lines.last_mut() {
                        line.push_str(text);
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(element) = node.value() {
                    let name = element.name();
                    if SKIPPED.contains(&name) {
                        skipping = skipping.saturating_sub(1);
                    } else if skipping == 0 && BLOCKS.contains(&name) {
                        lines.push(String::new());
                    }
                }
            }
        }
    }
    clean_lines(lines.iter().map(String::as_str))
}

fn body_of_lines(lines: Vec<String>) -> String {
    lines
        .into_iter()
        .filter(|line| !FURNITURE_LINE.is_match(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an HTML fragment, one line per paragraph.
pub fn fragment_text(markup: &str) -> String {
    let fragment = Html::parse_fragment(markup);
    body_of_lines(lines_of(fragment.tree.root()))
}

fn meta_content(document: &Html, css: &str) -> Option<String> {
    document
        .select(&selector(css))
        .filter_map(|e| e.value().attr("content"))
        .map(|c| collapse_ascii_whitespace(c).trim().to_string())
        .find(|c| !c.is_empty())
}

fn element_text(element: ElementRef<'_>) -> String {
    collapse_ascii_whitespace(&element.text().collect::<String>())
        .trim()
        .to_string()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The headline: `<title>` cut to the `og:title` (or `<h1>`) it starts with,
/// which drops site suffixes such as `_CCTV节目官网-CCTV-1_央视网(cctv.com)`.
fn title_of(document: &Html) -> String {
    let page_title = document
        .select(&selector("title"))
        .next()
        .map(element_text)
        .unwrap_or_default();
    let page_title = page_title
        .trim_matches(|c: char| c.is_whitespace())
        .to_string();
    let headline = meta_content(document, r#"meta[property="og:title"]"#)
        .or_else(|| document.select(&selector("h1")).next().map(element_text))
        .filter(|h| !h.is_empty());
    let Some(headline) = headline else {
        return strip_site_suffix(&page_title);
    };
    let wanted = without_whitespace(&headline);
    if page_title.is_empty() || !without_whitespace(&page_title).starts_with(&wanted) {
        return headline;
    }
    // Cut the page title after as many non-space characters as the headline has.
    let mut seen = 0;
    let wanted_len = wanted.chars().count();
    for (at, c) in page_title.char_indices() {
        if seen == wanted_len {
            return page_title[..at].trim().to_string();
        }
        if !c.is_whitespace() {
            seen += 1;
        }
    }
    page_title
}

/// `标题_站点名` or `标题 - 站点名`: keep the headline when the rest names a site.
fn strip_site_suffix(title: &str) -> String {
    for separator in ["_", " - ", " | ", "｜", "——"] {
        if let Some((head, tail)) = title.split_once(separator) {
            let tail_lower = tail.to_ascii_lowercase();
            let names_site = [
                "网", "报", "频道", "新闻", ".com", ".cn", "news", "cctv", "台",
            ]
            .iter()
            .any(|s| tail_lower.contains(s));
            if names_site && head.chars().count() >= 4 {
                return head.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// The line that states the date (and usually the source) of the article.
fn info_line(lines: &[String]) -> Option<&String> {
    let has_date = |line: &String| find_datetime(line).is_some();
    lines
        .iter()
        .find(|line| SOURCE_IN_LINE.is_match(line) && has_date(line))
        .or_else(|| {
            lines.iter().find(|line| {
                ["发布时间", "更新时间", "發佈時間", "时间：", "日期"]
                    .iter()
                    .any(|k| line.contains(k))
                    && has_date(line)
            })
        })
}

/// The outlet named after `来源：`, up to the date or the next label.
pub(crate) fn source_in(line: &str) -> Option<String> {
    let rest = SOURCE_IN_LINE.captures(line)?.get(1)?.as_str();
    let end = DATE_START.find(rest).map_or(rest.len(), |m| m.start());
    let source = rest[..end]
        .split_whitespace()
        .next()?
        .trim_matches(|c: char| "|｜/,，".contains(c));
    (!source.is_empty()).then(|| source.to_string())
}

fn main_text(document: &Html, raw: &str) -> Option<String> {
    if let Some(container) = document.select(&selector("#content_area")).next() {
        return Some(body_of_lines(lines_of(*container)));
    }
    const BEGIN: &str = "<!--repaste.body.begin-->";
    if let (Some(start), Some(end)) = (raw.find(BEGIN), raw.find("<!--repaste.body.end-->"))
        && start < end
    {
        return Some(fragment_text(&raw[start + BEGIN.len()..end]));
    }
    for css in &CONTAINERS[1..] {
        if let Some(container) = document.select(&selector(css)).next() {
            let text = body_of_lines(lines_of(*container));
            if !text.is_empty() {
                return Some(text);
            }
        }
    }
    densest_paragraphs(document)
}

/// The element whose direct `<p>` children hold the most text.
fn densest_paragraphs(document: &Html) -> Option<String> {
    let paragraph = selector("p");
    let mut best: Option<(usize, ElementRef<'_>)> = None;
    for p in document.select(&paragraph) {
        let Some(parent) = p.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        let total: usize = parent
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| c.value().name() == "p")
            .map(|c| c.text().map(|t| t.trim().chars().count()).sum::<usize>())
            .sum();
        if best.is_none_or(|(size, _)| total > size) {
            best = Some((total, parent));
        }
    }
    best.filter(|(size, _)| *size > 0)
        .map(|(_, element)| body_of_lines(lines_of(*element)))
}

fn looks_like_error_page(title: &str) -> bool {
    static ERROR_TITLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(?:[45]\d\d\b|.*\berror\b|.*not found|.*bad gateway|.*页面不存在|.*找不到)",
        )
        .expect("valid regex")
    });
    ERROR_TITLE.is_match(title)
}

/// The one record of an HTML page.
pub fn records(input: &Input, text: &str) -> Records<'static> {
    let name = input.page_name();
    only(Extracted::from_result(
        input.location.clone(),
        page(text, name.as_deref()),
    ))
}

/// The fields of an HTML page; `name` is the page's file name, if it has one.
pub fn page(text: &str, name: Option<&str>) -> Result<RawArticle, String> {
    let document = Html::parse_document(text);
    let title = title_of(&document);
    let lines = lines_of(document.tree.root());
    let info = info_line(&lines);
    let published = info
        .and_then(|line| find_datetime(line))
        .or_else(|| {
            meta_content(
                &document,
                r#"meta[property="article:published_time"], meta[name="pubdate"], meta[name="publishdate"], meta[name="PubDate"], meta[itemprop="datePublished"]"#,
            )
            .and_then(|d| find_datetime(&d))
        });
    let source = info
        .and_then(|line| source_in(line))
        .or_else(|| lines.iter().find_map(|line| source_in(line)))
        .or_else(|| {
            meta_content(
                &document,
                r#"meta[name="source"], meta[property="og:site_name"]"#,
            )
        });
    let body = main_text(&document, text).unwrap_or_default();
    if published.is_none() && looks_like_error_page(&title) {
        return Err(format!("error page saved by the crawler: {title}"));
    }
    let declared_url = document
        .select(&selector(r#"link[rel="canonical"]"#))
        .find_map(|e| e.value().attr("href").map(str::to_string))
        .filter(|href| !href.trim().is_empty())
        .or_else(|| meta_content(&document, r#"meta[property="og:url"]"#));
    let url = match declared_url {
        Some(url) => Some(Address::Declared(url)),
        None => name
            .and_then(|name| url_naming_the_file(text, name))
            .map(Address::NamingTheFile),
    };
    let id = meta_content(
        &document,
        r#"meta[name="contentid"], meta[name="articleid"], meta[name="article_id"]"#,
    );
    Ok(RawArticle {
        id,
        url,
        name: name.map(str::to_string),
        title,
        body,
        source,
        author: meta_content(&document, r#"meta[name="author"]"#),
        published,
        ..RawArticle::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head><meta charset="utf-8"><title>测试标题 新闻_示例新闻网</title>
        <meta property="og:title" content="测试标题 新闻"><style>p{color:red}</style></head>
        <body><nav>首页 新闻 体育</nav><div class="info">来源：新华社    更新时间：2023年02月24日 10:30</div>
        <div id="content_area"><p><strong>本报讯</strong>第一段&ldquo;引号&rdquo;。</p><p>第二段<br>第三段</p>
        <script>var x = "不该出现";</script></div><div>编辑：张三</div>
        <!-- 注释不出现 --><div class="share">分享到</div></body></html>"#;

    #[test]
    fn fields_of_a_page() {
        let article = page(PAGE, None).unwrap();
        assert_eq!(article.title, "测试标题 新闻");
        assert_eq!(
            article.published.unwrap().to_rfc3339(),
            "2023-02-24T10:30:00+08:00"
        );
        assert_eq!(article.source.as_deref(), Some("新华社"));
        assert_eq!(article.body, "本报讯第一段“引号”。\n第二段\n第三段");
    }

    #[test]
    fn script_style_and_comments_never_reach_the_text() {
        let article = page(PAGE, None).unwrap();
        for unwanted in ["不该出现", "color", "注释", "首页", "编辑"] {
            assert!(
                !article.body.contains(unwanted),
                "{unwanted} in {:?}",
                article.body
            );
        }
    }

    #[test]
    fn deeply_nested_html_does_not_overflow_the_stack() {
        let depth = 10_000;
        let markup = format!(
            "<html><body>{}<p>深处的文字</p>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let article = page(&markup, None).unwrap();
        assert!(article.body.contains("深处的文字"));
    }

    #[test]
    fn error_pages_are_refused() {
        let markup = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>";
        assert!(page(markup, None).unwrap_err().contains("error page"));
    }

    #[test]
    fn the_url_is_the_canonical_link_else_the_one_naming_the_file() {
        let script = r#"<script>var commentUrl = "https://tv.cctv.com/2022/01/24/VIDEpage12345.shtml";</script>"#;
        let canonical = format!(
            r#"<html><head><link rel="canonical" href="https://news.example/a.html"></head><body>{script}<p>正文</p></body></html>"#
        );
        let raw = page(&canonical, Some("VIDEpage12345")).unwrap();
        assert_eq!(
            raw.url,
            Some(Address::Declared("https://news.example/a.html".into()))
        );
        let plain = format!("<html><body>{script}<p>正文</p></body></html>");
        let raw = page(&plain, Some("VIDEpage12345")).unwrap();
        assert_eq!(
            raw.url,
            Some(Address::NamingTheFile(
                "https://tv.cctv.com/2022/01/24/VIDEpage12345.shtml".into()
            ))
        );
        assert_eq!(raw.name.as_deref(), Some("VIDEpage12345"));
        assert_eq!(page(&plain, None).unwrap().url, None);
    }

    #[test]
    fn the_id_meta_is_the_page_s_own_id() {
        let markup = r#"<html><head><meta name="contentid" content="VIDEmeta"></head><body><p>正文</p></body></html>"#;
        assert_eq!(
            page(markup, Some("VIDEfile12")).unwrap().id.as_deref(),
            Some("VIDEmeta")
        );
    }
}
