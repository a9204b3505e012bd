//! JSON Lines and JSON documents of article records, mapped from the usual
//! field names. JSON Lines are read line by line (a bad line is reported by
//! number and the rest goes on); a JSON array is read element by element.

use std::io::BufRead;

use chrono::{DateTime, FixedOffset};
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};
use xunwen_engine::Article;
use xunwen_engine::dates::{beijing, find_datetime};

use super::{Event, Input, finalize, html};

const ID_KEYS: &[&str] = &[
    "id",
    "_id",
    "docid",
    "doc_id",
    "guid",
    "uuid",
    "article_id",
    "contentid",
];
const URL_KEYS: &[&str] = &["url", "link", "href", "permalink", "source_url"];
const TITLE_KEYS: &[&str] = &["title", "headline", "标题"];
const BODY_KEYS: &[&str] = &["body", "content", "text", "article", "正文", "内容"];
const DATE_KEYS: &[&str] = &[
    "published",
    "date",
    "pubdate",
    "pub_date",
    "publish_time",
    "published_at",
    "datetime",
    "time",
    "created_at",
    "发布时间",
    "日期",
];
const TIME_KEYS: &[&str] = &["time", "pubtime", "pub_time"];
const SOURCE_KEYS: &[&str] = &["source", "media", "site", "publisher", "outlet", "来源"];
const AUTHOR_KEYS: &[&str] = &["author", "authors", "byline", "reporter", "作者"];
const CATEGORY_KEYS: &[&str] = &["category", "channel", "section", "栏目"];

fn field<'a>(
    record: &'a Map<String, Value>,
    keys: &[&'static str],
) -> Option<(&'static str, &'a Value)> {
    keys.iter()
        .find_map(|key| record.get(*key).filter(|v| !v.is_null()).map(|v| (*key, v)))
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(as_text).collect();
            (!parts.is_empty()).then(|| parts.join("、"))
        }
        _ => None,
    }
}

fn text_field(record: &Map<String, Value>, keys: &[&'static str]) -> Option<String> {
    field(record, keys).and_then(|(_, v)| as_text(v))
}

/// Dates as strings in any archive format, or as Unix seconds or milliseconds.
fn parse_published(record: &Map<String, Value>) -> Result<Option<DateTime<FixedOffset>>, String> {
    let Some((key, value)) = field(record, DATE_KEYS) else {
        return Ok(None);
    };
    let parsed = match value {
        Value::Number(n) => n.as_i64().and_then(|n| {
            let seconds = if n.abs() > 100_000_000_000 {
                n / 1000
            } else {
                n
            };
            DateTime::from_timestamp(seconds, 0).map(|d| d.with_timezone(&beijing()))
        }),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => {
            // A separate time field completes a date given alone.
            let time = TIME_KEYS
                .iter()
                .filter(|k| **k != key)
                .find_map(|k| record.get(*k).and_then(Value::as_str));
            match time {
                Some(time) if !s.contains(':') => find_datetime(&format!("{s} {time}")),
                _ => find_datetime(s),
            }
        }
        _ => None,
    };
    match parsed {
        Some(date) => Ok(Some(date)),
        None => Err(format!("unreadable date in `{key}`: {value}")),
    }
}

/// Maps one JSON record to an article. The second value is a warning.
pub fn article_from_record(
    value: &Value,
    location: &str,
) -> Result<(Article, Option<String>), String> {
    let Value::Object(record) = value else {
        return Err("not a JSON object".into());
    };
    if record.is_empty() {
        return Err("empty record `{}`".into());
    }
    let mut body = text_field(record, BODY_KEYS).unwrap_or_default();
    if html::looks_like_markup(&body) {
        body = html::fragment_text(&body);
    }
    let (published, warning) = match parse_published(record) {
        Ok(published) => (published, None),
        Err(warning) => (None, Some(warning)),
    };
    let article = Article {
        id: text_field(record, ID_KEYS).unwrap_or_default(),
        url: text_field(record, URL_KEYS),
        title: text_field(record, TITLE_KEYS).unwrap_or_default(),
        body,
        source: text_field(record, SOURCE_KEYS),
        author: text_field(record, AUTHOR_KEYS),
        published,
        category: text_field(record, CATEGORY_KEYS),
        provenance: None,
    };
    Ok((finalize(article, location)?, warning))
}

fn emit_record(value: &Value, location: String, sink: &mut dyn FnMut(Event)) {
    match article_from_record(value, &location) {
        Ok((article, warning)) => {
            sink(Event::Article(article));
            if let Some(message) = warning {
                sink(Event::Warning { location, message });
            }
        }
        Err(reason) => sink(Event::Refused { location, reason }),
    }
}

/// Reads JSON Lines: blank lines skipped, a BOM at the start of any line
/// tolerated, every bad line reported with its number.
pub fn read_json_lines(
    input: &Input,
    reader: &mut dyn BufRead,
    sink: &mut dyn FnMut(Event),
) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut number = 0usize;
    let mut any_line = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        let location = format!("{}:{number}", input.location);
        let bytes = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
        let Ok(text) = std::str::from_utf8(bytes) else {
            sink(Event::Refused {
                location,
                reason: "line is not valid UTF-8".into(),
            });
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        any_line = true;
        match serde_json::from_str::<Value>(text) {
            Ok(value) => emit_record(&value, location, sink),
            Err(error) => sink(Event::Refused {
                location,
                reason: format!("malformed JSON: {error}"),
            }),
        }
    }
    if !any_line {
        sink(Event::Refused {
            location: input.location.clone(),
            reason: "empty file".into(),
        });
    }
    Ok(())
}

/// Hands every element of a JSON array to a callback as it is parsed.
struct EachElement<'a>(&'a mut dyn FnMut(Value));

impl<'de> DeserializeSeed<'de> for EachElement<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EachElement<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of article records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            (self.0)(value);
        }
        Ok(())
    }
}

/// Reads a JSON document: an array of records, one record, or several
/// records one after another.
pub fn read_json_document(input: &Input, text: &str, sink: &mut dyn FnMut(Event)) {
    let text = text.trim_start_matches('\u{FEFF}').trim();
    if text.starts_with('[') {
        let mut index = 0usize;
        let mut each = |value: Value| {
            index += 1;
            emit_record(&value, format!("{}[{index}]", input.location), sink);
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        if let Err(error) = EachElement(&mut each).deserialize(&mut deserializer) {
            sink(Event::Refused {
                location: input.location.clone(),
                reason: format!("malformed JSON after {index} record(s): {error}"),
            });
        }
        return;
    }
    let mut index = 0usize;
    for value in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        index += 1;
        match value {
            Ok(value) => emit_record(&value, format!("{}[{index}]", input.location), sink),
            Err(error) => {
                sink(Event::Refused {
                    location: input.location.clone(),
                    reason: format!("malformed JSON after {} record(s): {error}", index - 1),
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(name: &str, text: &str) -> Vec<Event> {
        let input = Input {
            location: name.into(),
            name: name.into(),
        };
        let mut events = Vec::new();
        super::super::extract(&input, &mut text.as_bytes(), &mut |e| events.push(e)).unwrap();
        events
    }

    #[test]
    fn usual_field_names_are_mapped() {
        let events = collect(
            "a.jsonl",
            r#"{"link":"https://www.example.com/n/1.html","headline":"标题","content":"<p>第一段</p><p>第二段</p>","date":"2023-02-24","time":"10:30","media":"新华社","channel":"时政"}"#,
        );
        let Event::Article(article) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(article.id, "example.com/n/1.html");
        assert_eq!(article.title, "标题");
        assert_eq!(article.body, "第一段\n第二段");
        assert_eq!(
            article.published.unwrap().to_rfc3339(),
            "2023-02-24T10:30:00+08:00"
        );
        assert_eq!(article.source.as_deref(), Some("新华社"));
        assert_eq!(article.category.as_deref(), Some("时政"));
        assert_eq!(article.provenance.as_deref(), Some("a.jsonl:1"));
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_the_rest_goes_on() {
        let events = collect(
            "b.jsonl",
            "{\"id\":\"1\",\"title\":\"一\"}\n\n{\"id\":\"2\",\"tit\n{}\n\u{FEFF}{\"id\":\"3\",\"body\":\"三\"}\n",
        );
        let refused: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Refused { location, .. } => Some(location.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(refused, vec!["b.jsonl:3", "b.jsonl:4"]);
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::Article(_)))
                .count(),
            2
        );
    }

    #[test]
    fn json_arrays_and_single_objects() {
        let events = collect(
            "c.json",
            r#"[{"id":"1","title":"一"},{"id":"2","title":"二"}]"#,
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::Article(_)))
                .count(),
            2
        );
        let events = collect("d.json", "{}");
        assert!(matches!(&events[0], Event::Refused { reason, .. } if reason.contains("empty")));
    }
}
