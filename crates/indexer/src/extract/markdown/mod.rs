//! Markdown: a daily transcript (`# 《新闻联播》（YYYYMMDD）` then one `###`
//! section per story, each with a `[查看原文](url)` link) gives one article per
//! story, dated by its programme; any other Markdown file is one article,
//! named by its file.
//!
//! The file is read line by line and held one story at a time, so a story
//! past the bound on one record is refused alone, with its title, and the
//! stories after it are read.

pub mod story;

use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use xunwen_engine::dates::find_datetime;

use super::Input;
use super::bounded::{BoundedLines, Line, MAX_RECORD_BYTES, bound_text, size_text};
use super::raw::{Extracted, RawArticle, Records};
use crate::decode::decode;

/// The stories of a Markdown file, read from `reader` (UTF-8 text).
pub fn records<'a>(input: &'a Input, reader: Box<dyn BufRead + 'a>) -> Records<'a> {
    Box::new(Stories {
        input,
        lines: BoundedLines::new(reader, MAX_RECORD_BYTES),
        preamble: Section::default(),
        story: None,
        transcript: false,
        heading_seen: false,
        published: None,
        sections_done: 0,
        ready: None,
        finished: false,
    })
}

/// The lines of one section as read, up to the bound.
#[derive(Default)]
struct Section {
    bytes: Vec<u8>,
    /// Every byte of the section, kept or not.
    length: u64,
    /// The `###` title, for the refusal of a section past the bound.
    title: String,
}

impl Section {
    fn titled(line: &[u8]) -> Section {
        let mut section = Section {
            title: String::from_utf8_lossy(line)
                .trim_start_matches('#')
                .trim()
                .to_string(),
            ..Section::default()
        };
        section.push(line);
        section
    }

    fn push(&mut self, line: &[u8]) {
        self.count(line.len() as u64 + 1);
        if self.length <= MAX_RECORD_BYTES {
            self.bytes.extend_from_slice(line);
            self.bytes.push(b'\n');
        }
    }

    fn count(&mut self, bytes: u64) {
        self.length += bytes;
        if self.length > MAX_RECORD_BYTES {
            self.bytes = Vec::new();
        }
    }
}

struct Stories<'a> {
    input: &'a Input,
    lines: BoundedLines<Box<dyn BufRead + 'a>>,
    /// The lines before the first `###`: the whole article when none comes.
    preamble: Section,
    story: Option<Section>,
    /// A `###` story was seen: the file is a transcript.
    transcript: bool,
    heading_seen: bool,
    /// The programme's date, from the first `# ` heading.
    published: Option<DateTime<FixedOffset>>,
    sections_done: usize,
    /// A section finished by the last line, to be handed out.
    ready: Option<Extracted>,
    finished: bool,
}

impl Stories<'_> {
    fn take_line(&mut self, line: Line) {
        let bytes = match line {
            Line::Within(bytes) => bytes,
            Line::TooLong { bytes } => {
                if let Some(section) = self.open_section() {
                    section.count(bytes);
                }
                return;
            }
        };
        if bytes.starts_with(b"### ") {
            self.transcript = true;
            self.preamble = Section::default();
            self.finish_story();
            self.story = Some(Section::titled(&bytes));
            return;
        }
        let is_heading = bytes.starts_with(b"# ");
        if is_heading && !self.heading_seen {
            self.heading_seen = true;
            self.published = find_datetime(&String::from_utf8_lossy(&bytes));
        }
        if is_heading || bytes.starts_with(b"## ") {
            self.finish_story();
        }
        if let Some(section) = self.open_section() {
            section.push(&bytes);
        }
    }

    /// Where a line goes: the story being read, or the preamble of a file
    /// that has shown no story yet; nowhere between a transcript's stories.
    fn open_section(&mut self) -> Option<&mut Section> {
        match (&mut self.story, self.transcript) {
            (Some(story), _) => Some(story),
            (None, false) => Some(&mut self.preamble),
            (None, true) => None,
        }
    }

    fn finish_story(&mut self) {
        if let Some(section) = self.story.take() {
            let published = self.published;
            self.finish_section(section, |text| story::story(text, published));
        }
    }

    fn finish_input(&mut self) {
        self.finish_story();
        if !self.transcript {
            let section = std::mem::take(&mut self.preamble);
            let (published, name) = (self.published, self.input.page_name());
            self.finish_section(section, |text| story::whole_file(text, published, name));
        }
    }

    fn finish_section(&mut self, section: Section, fields: impl FnOnce(&str) -> RawArticle) {
        debug_assert!(self.ready.is_none(), "one section finishes per line");
        self.sections_done += 1;
        let location = format!("{}#{}", self.input.location, self.sections_done);
        self.ready = Some(Extracted::from_result(
            location,
            section_fields(section, fields),
        ));
    }
}

/// A section's fields, or why it was not read.
fn section_fields(
    section: Section,
    fields: impl FnOnce(&str) -> RawArticle,
) -> Result<RawArticle, String> {
    if section.length > MAX_RECORD_BYTES {
        return Err(format!(
            "story {:?} longer than {} ({}): skipped",
            section.title,
            bound_text(),
            size_text(section.length)
        ));
    }
    let decoded = decode(&section.bytes, None).map_err(|error| error.to_string())?;
    let mut raw = fields(&decoded.text);
    raw.warnings.extend(decoded.repair_note());
    Ok(raw)
}

impl Iterator for Stories<'_> {
    type Item = std::io::Result<Extracted>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.take() {
                return Some(Ok(item));
            }
            if self.finished {
                return None;
            }
            match self.lines.next_line() {
                Ok(Some(line)) => self.take_line(line),
                Ok(None) => {
                    self.finished = true;
                    self.finish_input();
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::raw::Address;
    use crate::extract::testing::{raws, read};

    #[test]
    fn one_article_per_story_dated_by_the_programme() {
        let text = "# 《新闻联播》（20230315）\n\n## 新闻摘要\n\n1.摘要\n\n## 详细新闻\n\n### 第一条\n\n**央视网消息**（新闻联播）：正文一。\n\n[查看原文](https://tv.cctv.com/2023/03/15/A.shtml)\n\n### 第二条\n\n正文二。\n";
        let items = read("d.md", text);
        let stories = raws(&items);
        assert_eq!(stories.len(), 2);
        assert_eq!(stories[0].title, "第一条");
        assert_eq!(stories[0].body, "央视网消息（新闻联播）：正文一。");
        assert_eq!(
            stories[0].url,
            Some(Address::Declared(
                "https://tv.cctv.com/2023/03/15/A.shtml".into()
            ))
        );
        assert_eq!(stories[1].name, None, "a story is not named by its file");
        assert_eq!(
            stories[1].published.unwrap().to_rfc3339(),
            "2023-03-15T00:00:00+08:00"
        );
        assert!(matches!(&items[1], Extracted::Record { location, .. } if location == "d.md#2"));
    }

    #[test]
    fn a_file_without_stories_is_one_article() {
        let items = read("notes-2023.md", "\u{FEFF}标题\n\n正文。\n");
        let article = raws(&items)[0];
        assert_eq!(
            (article.title.as_str(), article.body.as_str()),
            ("标题", "正文。")
        );
        assert_eq!(article.name.as_deref(), Some("notes-2023"));
    }

    /// TESTPLAN 26: a story past the bound is refused by title; the stories
    /// around it are read.
    #[test]
    fn a_story_past_the_bound_is_refused_and_the_next_is_read() {
        let long_line = "长".repeat((MAX_RECORD_BYTES / 3) as usize / 2 + 1);
        let text = format!(
            "# 节目\n### 之前\n正文一。\n### 太长\n{long_line}\n{long_line}\n### 之后\n正文三。\n"
        );
        let items = read("long.md", &text);
        let titles: Vec<&str> = raws(&items).iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["之前", "之后"]);
        let refusal = items.iter().find_map(|item| match item {
            Extracted::Refused { location, reason } => Some((location.as_str(), reason.as_str())),
            _ => None,
        });
        let (location, reason) = refusal.expect("the long story is refused");
        assert_eq!(location, "long.md#2");
        assert!(
            reason.contains("太长") && reason.contains("64 MiB"),
            "{reason}"
        );
    }
}
