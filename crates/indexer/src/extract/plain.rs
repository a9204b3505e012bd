//! Plain-text articles and scraped pages: the title line, the date line
//! (`发布时间：…`), `来源：`/`供稿：`/`作者：` lines, and the body, without page
//! furniture (个人中心, 打印本页 关闭 【字体:, 上一篇/下一篇, 相关信息, stray letters).
//! A page is named by its file, and its URL is the one in it that ends in
//! that name, as for HTML pages.

use std::sync::LazyLock;

use regex::Regex;
use xunwen_engine::dates::find_datetime;

use super::Input;
use super::html::source_in;
use super::name::url_naming_the_file;
use super::raw::{Address, Extracted, RawArticle, Records, only};
use crate::text::{collapse_ascii_whitespace, trim_line};

static FURNITURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:个人中心|打印本页.*|关闭|【字体.*|上一篇.*|下一篇.*|相关(?:信息|阅读|新闻|链接)|",
        r"分享到.*|返回顶部|首页\s*[>＞].*|(?:责任)?编辑[:：].*|[A-Za-z]|[^\p{L}\p{N}]+)$"
    ))
    .expect("valid regex")
});

static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:发布时间|發佈時間|发布日期|發佈日期|时间|時間|日期|更新时间)\s*[:：]")
        .expect("valid regex")
});

/// `(供稿:…)` alone on a line or closing the last paragraph.
static CONTRIBUTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[(（])\s*(?:供稿|供稿单位|稿件来源)\s*[:：]\s*([^)）]+?)\s*[)）]?$")
        .expect("valid regex")
});

static AUTHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[(（]?\s*(?:作者|记者|撰稿|文)\s*[:：]\s*(.+?)\s*[)）]?$").expect("valid regex")
});

static SOURCE_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:来源|來源|稿源)\s*[:：]").expect("valid regex"));

/// The one record of a text page.
pub fn records(input: &Input, text: &str) -> Records<'static> {
    let name = input.page_name();
    only(Extracted::from_result(
        input.location.clone(),
        Ok(page(text, name.as_deref())),
    ))
}

/// The fields of a text page; `name` is the page's file name, if it has one.
pub fn page(text: &str, name: Option<&str>) -> RawArticle {
    let mut article = RawArticle {
        url: name
            .and_then(|name| url_naming_the_file(text, name))
            .map(Address::NamingTheFile),
        name: name.map(str::to_string),
        ..RawArticle::default()
    };
    let mut body = Vec::new();
    for raw_line in text.lines() {
        let line = collapse_ascii_whitespace(trim_line(raw_line));
        let line = trim_line(&line);
        if line.is_empty() || FURNITURE.is_match(line) {
            continue;
        }
        if DATE_LABEL.is_match(line)
            && article.published.is_none()
            && let Some(date) = find_datetime(line)
        {
            article.published = Some(date);
            continue;
        }
        if SOURCE_LABEL.is_match(line) && article.source.is_none() {
            article.source = source_in(line);
            continue;
        }
        let mut line = line;
        if let Some(contributor) = CONTRIBUTOR.captures(line) {
            article.source = Some(contributor[1].to_string());
            line = trim_line(&line[..contributor.get(0).map_or(0, |m| m.start())]);
            if line.is_empty() {
                continue;
            }
        }
        if let Some(author) = AUTHOR.captures(line).filter(|_| article.author.is_none()) {
            article.author = Some(author[1].to_string());
            continue;
        }
        if article.title.is_empty() {
            article.title = line.to_string();
        } else {
            body.push(line.to_string());
        }
    }
    article.body = body.join("\n");
    article
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_become_fields() {
        let text =
            "[视频]标题\n\n发布时间：2022年05月21日 19:15\n来源：央视网\n\n第一段。\n第二段。\n";
        let article = page(text, None);
        assert_eq!(article.title, "[视频]标题");
        assert_eq!(
            article.published.unwrap().to_rfc3339(),
            "2022-05-21T19:15:00+08:00"
        );
        assert_eq!(article.source.as_deref(), Some("央视网"));
        assert_eq!(article.body, "第一段。\n第二段。");
    }

    #[test]
    fn furniture_is_dropped() {
        let text = "个人中心\n\n标题\n\n发布时间:2023年02月24日 打印本页 关闭 【字体:\n\n正文。\n\n(供稿:某某办公室 张三)\n\n上一篇: 没有了\n\n下一篇: 没有了\n\n相关信息\n\nX\n";
        let article = page(text, None);
        assert_eq!(article.title, "标题");
        assert_eq!(article.body, "正文。");
        assert_eq!(article.source.as_deref(), Some("某某办公室 张三"));
    }
}
