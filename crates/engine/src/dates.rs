//! Dates as Chinese news archives write them.
//!
//! ```
//! use xunwen_engine::dates::find_datetime;
//! let d = find_datetime("发布时间：2023年02月24日 10:30").unwrap();
//! assert_eq!(d.to_rfc3339(), "2023-02-24T10:30:00+08:00");
//! let d = find_datetime("二〇二三年二月二十四日").unwrap();
//! assert_eq!(d.to_rfc3339(), "2023-02-24T00:00:00+08:00");
//! ```

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use regex::Regex;

/// Beijing time's offset from UTC, in seconds.
pub const BEIJING_OFFSET_SECONDS: i32 = 8 * 3600;

/// Archives are in Beijing time unless they say otherwise.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(BEIJING_OFFSET_SECONDS).expect("valid offset")
}

static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:^|[^\d])(?:",
        r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?",
        r"|(?P<y2>\d{4})(?P<m2>\d{2})/(?P<d2>\d{1,2})",
        r"|(?P<y3>\d{4})(?P<m3>\d{2})(?P<d3>\d{2})(?:[^\d]|$)",
        r"|(?P<yy>\d{2})-(?P<mm>\d{2})-(?P<dd>\d{2})(?:[^\d]|$)",
        r")"
    ))
    .expect("valid regex")
});

static HANZI_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})[日号]")
        .expect("valid regex")
});

static TIME_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\sT]*(?P<h>\d{1,2})\s*[:：时]\s*(?P<min>\d{2})(?:\s*[:：分]\s*(?P<s>\d{2}))?")
        .expect("valid regex")
});

fn hanzi_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
        .or(match c {
            '零' => Some(0),
            _ => None,
        })
}

/// Reads 二十四, 十二, 十, 九 as numbers up to 39.
fn hanzi_number(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        ['十', one] => Some(10 + hanzi_digit(*one)?),
        [tens, '十'] => Some(hanzi_digit(*tens)? * 10),
        [tens, '十', one] => Some(hanzi_digit(*tens)? * 10 + hanzi_digit(*one)?),
        [one] => hanzi_digit(*one),
        _ => None,
    }
}

fn with_time_after(date: NaiveDate, rest: &str) -> NaiveDateTime {
    let time = TIME_AFTER.captures(rest).and_then(|c| {
        let h = c["h"].parse().ok()?;
        let m = c["min"].parse().ok()?;
        let s = c.name("s").map_or(Some(0), |s| s.as_str().parse().ok())?;
        NaiveTime::from_hms_opt(h, m, s)
    });
    date.and_time(time.unwrap_or(NaiveTime::MIN))
}

fn in_beijing(naive: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    beijing().from_local_datetime(&naive).single()
}

/// Finds the first date (with the time after it, if any) in free text.
/// RFC 3339 strings keep their own offset; everything else is Beijing time.
pub fn find_datetime(text: &str) -> Option<DateTime<FixedOffset>> {
    let trimmed = text.trim();
    if let Ok(exact) = DateTime::parse_from_rfc3339(trimmed) {
        return Some(exact);
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S") {
        return in_beijing(naive);
    }
    let numeric = NUMERIC_DATE.captures_iter(text).find_map(|c| {
        let (y, m, d, two_digit_year) = if let Some(y) = c.name("y") {
            (y.as_str(), &c["m"], &c["d"], false)
        } else if let Some(y) = c.name("y2") {
            (y.as_str(), &c["m2"], &c["d2"], false)
        } else if let Some(y) = c.name("y3") {
            (y.as_str(), &c["m3"], &c["d3"], false)
        } else {
            (c.name("yy")?.as_str(), &c["mm"], &c["dd"], true)
        };
        let mut year: i32 = y.parse().ok()?;
        if two_digit_year {
            year += 2000;
        }
        if !(1900..=2100).contains(&year) {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)?;
        let end = c.get(0)?.end();
        Some((c.get(0)?.start(), date, end))
    });
    let hanzi = HANZI_DATE.captures(text).and_then(|c| {
        let year: String = c["y"]
            .chars()
            .filter_map(hanzi_digit)
            .map(|d| char::from_digit(d, 10).unwrap_or('0'))
            .collect();
        let date = NaiveDate::from_ymd_opt(
            year.parse().ok()?,
            hanzi_number(&c["m"])?,
            hanzi_number(&c["d"])?,
        )?;
        Some((c.get(0)?.start(), date, c.get(0)?.end()))
    });
    let (_, date, end) = match (numeric, hanzi) {
        (Some(n), Some(h)) => {
            if n.0 <= h.0 {
                n
            } else {
                h
            }
        }
        (Some(n), None) => n,
        (None, Some(h)) => h,
        (None, None) => return None,
    };
    // The numeric pattern may have consumed one character after the date.
    let rest_start = text[..end].char_indices().last().map_or(end, |(i, c)| {
        if c.is_ascii_digit() || c == '日' {
            end
        } else {
            i
        }
    });
    in_beijing(with_time_after(date, &text[rest_start..]))
}

/// Parses a date given by a person (a query bound): a date or a date-time.
pub fn parse_date_bound(text: &str) -> Option<DateTime<FixedOffset>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "*" {
        return None;
    }
    find_datetime(trimmed)
}

/// The upper end of a date range: a date alone (no time of day) means the
/// whole of that day.
pub fn parse_date_upper_bound(text: &str) -> Option<DateTime<FixedOffset>> {
    let end = parse_date_bound(text)?;
    Some(if end.time() == NaiveTime::MIN {
        end + chrono::Duration::seconds(86_399)
    } else {
        end
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(text: &str) -> Option<String> {
        find_datetime(text).map(|d| d.to_rfc3339())
    }

    #[test]
    fn formats_seen_in_archives() {
        let cases = [
            ("2023年02月24日", "2023-02-24T00:00:00+08:00"),
            (
                "发布时间:2023年02月24日 打印本页",
                "2023-02-24T00:00:00+08:00",
            ),
            ("2023-02-24 10:30", "2023-02-24T10:30:00+08:00"),
            ("2023/2/24", "2023-02-24T00:00:00+08:00"),
            (
                "发布时间：2022年05月21日 19:15",
                "2022-05-21T19:15:00+08:00",
            ),
            ("二〇二三年二月二十四日", "2023-02-24T00:00:00+08:00"),
            (
                "2023年07月20日 18:14:59 来自北京市",
                "2023-07-20T18:14:59+08:00",
            ),
            ("[ 2023-07-28 16：40 ]", "2023-07-28T16:40:00+08:00"),
            ("202307/21 07:57:00", "2023-07-21T07:57:00+08:00"),
            ("23-07-26 22:00", "2023-07-26T22:00:00+08:00"),
            (
                "来源：新华网  |  2023年07月19日 20:27:42",
                "2023-07-19T20:27:42+08:00",
            ),
            ("2023-08-16T18:24:57+08:00", "2023-08-16T18:24:57+08:00"),
            (
                "来源：央视网 2022年01月19日 19:30",
                "2022-01-19T19:30:00+08:00",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(rfc(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn a_bare_upper_date_means_the_whole_day() {
        let end = parse_date_upper_bound("2023-06-30").unwrap();
        assert_eq!(end.to_rfc3339(), "2023-06-30T23:59:59+08:00");
        let end = parse_date_upper_bound("2023-06-30 12:00").unwrap();
        assert_eq!(end.to_rfc3339(), "2023-06-30T12:00:00+08:00");
    }

    #[test]
    fn no_date_or_impossible_date() {
        assert_eq!(rfc("07-20 15:29"), None);
        assert_eq!(rfc("没有日期"), None);
        assert_eq!(rfc("2023年13月40日"), None);
        assert_eq!(rfc(""), None);
    }
}
