//! One JSON record's fields, found under the names archives use for them.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};
use xunwen_engine::dates::{beijing, find_datetime};

use crate::extract::html::fragment_text;
use crate::extract::markup::{Markup, markup_of};
use crate::extract::raw::{Address, RawArticle};

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
// `fact`: legal case records (LeCaRD, CAIL) name their text so.
const BODY_KEYS: &[&str] = &["body", "content", "text", "article", "fact", "正文", "内容"];
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

/// The fields of one JSON record. `name` names a record that is all its
/// file holds.
pub fn record(value: &Value, name: Option<String>) -> Result<RawArticle, String> {
    let Value::Object(record) = value else {
        return Err("not a JSON object".into());
    };
    if record.is_empty() {
        return Err("empty record `{}`".into());
    }
    let mut body = text_field(record, BODY_KEYS).unwrap_or_default();
    if markup_of(&body) != Markup::None {
        body = fragment_text(&body);
    }
    let (published, warnings) = match parse_published(record) {
        Ok(published) => (published, Vec::new()),
        Err(warning) => (None, vec![warning]),
    };
    Ok(RawArticle {
        id: text_field(record, ID_KEYS),
        url: text_field(record, URL_KEYS).map(Address::Declared),
        name,
        title: text_field(record, TITLE_KEYS).unwrap_or_default(),
        body,
        source: text_field(record, SOURCE_KEYS),
        author: text_field(record, AUTHOR_KEYS),
        published,
        category: text_field(record, CATEGORY_KEYS),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_field_names_are_mapped() {
        let value: Value = serde_json::from_str(
            r#"{"link":"https://www.example.com/n/1.html","headline":"标题","content":"<p>第一段</p><p>第二段</p>","date":"2023-02-24","time":"10:30","media":"新华社","channel":"时政","author":["甲","乙"]}"#,
        )
        .unwrap();
        let raw = record(&value, None).unwrap();
        assert_eq!(
            raw.url,
            Some(Address::Declared("https://www.example.com/n/1.html".into()))
        );
        assert_eq!(raw.title, "标题");
        assert_eq!(raw.body, "第一段\n第二段");
        assert_eq!(
            raw.published.unwrap().to_rfc3339(),
            "2023-02-24T10:30:00+08:00"
        );
        assert_eq!(raw.source.as_deref(), Some("新华社"));
        assert_eq!(raw.category.as_deref(), Some("时政"));
        assert_eq!(raw.author.as_deref(), Some("甲、乙"));
    }

    #[test]
    fn an_unreadable_date_is_a_warning_not_a_refusal() {
        let value: Value = serde_json::from_str(r#"{"title":"标题","date":"某天"}"#).unwrap();
        let raw = record(&value, None).unwrap();
        assert_eq!(raw.published, None);
        assert!(raw.warnings[0].contains("unreadable date"));
    }

    #[test]
    fn empty_objects_and_other_values_are_refused() {
        assert!(
            record(&Value::Object(Map::new()), None)
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            record(&Value::from(3), None)
                .unwrap_err()
                .contains("not a JSON object")
        );
    }
}
