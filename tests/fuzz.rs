//! Fuzzing of the places that read untrusted text: the query language
//! (through the whole search), HTML, text, Markdown and JSON extraction,
//! encoding detection and date parsing.
//!
//! cargo-fuzz needs a nightly toolchain, which this project does not use, so
//! these are proptest properties run for a fixed time each:
//! `XUNWEN_FUZZ_SECONDS` (3 in CI; `XUNWEN_FUZZ_SECONDS=300 cargo test
//! --test tests fuzz:: -- --nocapture` by hand). A failure prints the
//! smallest input proptest shrank it to; each one found becomes a named
//! regression test beside the code it broke.

use std::io::{BufRead, BufReader};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use serde_json::Value;
use xunwen_engine::EngineError;
use xunwen_engine::SearchRequest;
use xunwen_engine::dates::{beijing, find_datetime, parse_date_bound};
use xunwen_engine::query::parse::{MAX_CLAUSES, parse};
use xunwen_indexer::decode::decode;
use xunwen_indexer::extract::{Event, Input, extract, html};
use xunwen_server::html::marked;
use xunwen_server::params::SearchParams;

use crate::util::shared;

/// Runs `property` on inputs from `strategy` until the time budget is spent;
/// panics with the shrunk input on the first failure.
fn fuzz<S: Strategy>(name: &str, strategy: S, property: impl Fn(S::Value) -> TestCaseResult)
where
    S::Value: std::fmt::Debug,
{
    let seconds: f64 = std::env::var("XUNWEN_FUZZ_SECONDS")
        .ok()
        .map(|s| s.parse().expect("XUNWEN_FUZZ_SECONDS is a number"))
        .unwrap_or(3.0);
    const BATCH: u32 = 64;
    let config = Config {
        cases: BATCH,
        failure_persistence: None,
        ..Config::default()
    };
    let tried = AtomicU64::new(0);
    let counted = |value: S::Value| {
        tried.fetch_add(1, Ordering::Relaxed);
        property(value)
    };
    let mut runner = TestRunner::new(config.clone());
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        if let Err(failure) = runner.run(&strategy, counted) {
            panic!("fuzz {name}: {failure}");
        }
        // A runner stops after `cases` successes; the next batch forks its
        // random source, so every batch tries new inputs.
        runner = TestRunner::new_with_rng(config.clone(), runner.new_rng());
    }
    eprintln!(
        "fuzz {name}: {} inputs in {:.1} s, 0 failures",
        tried.into_inner(),
        started.elapsed().as_secs_f64()
    );
}

/// Query-shaped text: the operators of the query language in every order,
/// mixed with words, dates, odd spaces, emoji and control characters.
fn query_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("-".to_string()),
        Just(" OR ".to_string()),
        Just(" AND ".to_string()),
        Just("||".to_string()),
        Just("title:".to_string()),
        Just("source:".to_string()),
        Just("nosuchfield:".to_string()),
        Just("published:[".to_string()),
        Just(" TO ".to_string()),
        Just("]".to_string()),
        Just("*".to_string()),
        Just("2023-07-01".to_string()),
        Just(" ".to_string()),
        Just("\u{3000}".to_string()),
        Just("🌊".to_string()),
        Just("\u{0}".to_string()),
        Just("防汛".to_string()),
        Just("處理".to_string()),
        Just("ＡＢＣ".to_string()),
        "[\\u4e00-\\u9fff]{1,4}",
        "[a-zA-Z0-9]{1,6}",
        "[，。！？、：；]{1,3}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// TESTPLAN 17–19: any query string is parsed, bounded, and searched
/// without an error other than a refusal; snippets hold only `<mark>` markup.
#[test]
fn fuzz_the_query_language_through_the_search() {
    let engine = &crate::query::fixture().engine;
    let strategy = prop_oneof![query_soup(), any::<String>()];
    fuzz("query language", strategy, |text| {
        let parsed = parse(&text);
        prop_assert!(parsed.clauses.len() <= MAX_CLAUSES);
        let params = SearchParams {
            q: Some(text.clone()),
            ..SearchParams::default()
        };
        let request = SearchRequest::try_from(&params).expect("a query string alone is valid");
        match engine.search(&request) {
            Ok(response) => {
                prop_assert!(response.hits.len() <= request.size);
                for hit in &response.hits {
                    for html in [marked(&hit.title), marked(&hit.snippet)] {
                        let outside_marks = html.replace("<mark>", "").replace("</mark>", "");
                        prop_assert!(!outside_marks.contains('<'), "markup in {html}");
                    }
                }
            }
            Err(EngineError::Request(refusal)) => prop_assert!(!refusal.to_string().is_empty()),
            Err(other) => prop_assert!(false, "search failed: {other}"),
        }
        Ok(())
    });
}

/// HTML-shaped text: tags opened and closed in any order, scripts, styles
/// and comments holding a marker that must never reach an article.
fn html_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<html>".to_string()),
        Just("<head>".to_string()),
        "<title>[\\u4e00-\\u9fff ]{0,12}</title>",
        Just("<meta charset=\"gbk\">".to_string()),
        Just("<meta name=\"pubdate\" content=\"2023-02-24 10:30\">".to_string()),
        Just("<body>".to_string()),
        Just("<div class=\"content\">".to_string()),
        Just("</div>".to_string()),
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<br>".to_string()),
        Just("<script>var SCRIPTMARK = 1;</script>".to_string()),
        Just("<style>.SCRIPTMARK{}</style>".to_string()),
        Just("<!-- SCRIPTMARK -->".to_string()),
        Just("<script>".to_string()),
        // A bare `<` that opens no tag (one before a letter would make the
        // next script part of a tag name, as in a browser).
        Just("1 < 2".to_string()),
        Just(">".to_string()),
        Just("&amp;&#x4e2d;&nbsp;&bogus;".to_string()),
        Just("发布时间：2023年02月24日 10:30 来源：新华社".to_string()),
        "[\\u4e00-\\u9fff，。]{1,30}",
        "[a-z ]{1,10}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// TESTPLAN 7: any HTML gives an article or a refusal with a reason, never a
/// panic; script, style and comment text never reaches an article.
#[test]
fn fuzz_html_extraction() {
    let strategy = prop_oneof![html_soup(), any::<String>()];
    fuzz("HTML extraction", strategy, |text| {
        // A `<script>` with no end makes the rest script text (as in a
        // browser); only whole scripts are checked. `<title>` holds text
        // only, so the soup never puts markup inside one.
        let checkable = text.rfind("<script>") <= text.rfind("</script>");
        match html::page(&text, Some("fuzz-page")) {
            Ok(article) => {
                if checkable {
                    prop_assert!(!article.title.contains("SCRIPTMARK"), "{article:?}");
                    prop_assert!(!article.body.contains("SCRIPTMARK"), "{article:?}");
                }
            }
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
        Ok(())
    });
}

/// Scraped text and Markdown: any text gives articles or refusals with a
/// reason, never a panic.
#[test]
fn fuzz_text_and_markdown_extraction() {
    let line = prop_oneof![
        Just("发布时间：2023-02-24".to_string()),
        Just("供稿：某某办公室 某某".to_string()),
        Just("打印本页 关闭 【字体:".to_string()),
        Just("上一篇：".to_string()),
        Just("# 新闻联播 2023年02月24日".to_string()),
        Just("## ".to_string()),
        Just("---".to_string()),
        Just("".to_string()),
        "[\\u4e00-\\u9fff，。]{0,40}",
        any::<String>(),
    ];
    let strategy = prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"));
    fuzz("text and Markdown extraction", strategy, |text| {
        for name in ["fuzz.txt", "fuzz.md"] {
            for event in events_of(name, text.as_bytes()) {
                prop_assert!(event_is_whole(&event), "{name}: {event:?}");
            }
        }
        Ok(())
    });
}

/// Every event of one input read from memory.
fn events_of(name: &str, bytes: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    extract(&Input::named(name), &mut &bytes[..], &mut |event| {
        events.push(event)
    })
    .expect("reading from memory cannot fail");
    events
}

/// An article has text; a refusal and a warning say why.
fn event_is_whole(event: &Event) -> bool {
    match event {
        Event::Article(article) => {
            !article.body.trim().is_empty() || !article.title.trim().is_empty()
        }
        Event::Refused { reason, .. } => !reason.is_empty(),
        Event::Warning { message, .. } => !message.is_empty(),
    }
}

/// JSON values whose strings hold what a splitter could trip on: quotes,
/// backslashes, brackets, commas, Chinese.
fn json_value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        "[\\u4e00-\\u9fff]{0,8}",
        "[\"\\\\\\[\\]{},:a-z ]{0,12}",
        any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text.clone().prop_map(Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z\"\\\\]{1,6}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    let article = (text.clone(), text, value.clone()).prop_map(
        |(title, body, extra)| serde_json::json!({"title": title, "body": body, "extra": extra}),
    );
    prop_oneof![article, value]
}

/// TESTPLAN 5 for JSON documents: every element of an array, however its
/// strings are written, is reported exactly once at its own place, and
/// pretty or compact writing gives the same outcome.
#[test]
fn fuzz_json_documents_report_every_element_once() {
    let strategy = (prop::collection::vec(json_value(), 0..8), any::<bool>());
    fuzz("JSON documents", strategy, |(elements, pretty)| {
        let array = Value::from(elements.clone());
        let written = if pretty {
            serde_json::to_string_pretty(&array)
        } else {
            serde_json::to_string(&array)
        }
        .expect("values serialise");
        let events = events_of("fuzz.json", written.as_bytes());
        for event in &events {
            prop_assert!(event_is_whole(event), "{event:?}");
        }
        let mut places: Vec<String> = events
            .iter()
            .filter_map(|event| match event {
                Event::Article(article) => article.provenance.clone(),
                Event::Refused { location, .. } => Some(location.clone()),
                Event::Warning { .. } => None,
            })
            .collect();
        places.dedup();
        let expected: Vec<String> = (1..=elements.len())
            .map(|index| format!("fuzz.json[{index}]"))
            .collect();
        if elements.is_empty() {
            prop_assert_eq!(places, vec!["fuzz.json".to_string()]);
        } else {
            prop_assert_eq!(places, expected);
        }
        Ok(())
    });
}

/// Any bytes under any file name: read to articles, refusals and warnings;
/// never a panic or an I/O error, and nothing refused without a reason.
#[test]
fn fuzz_whole_files_of_any_bytes() {
    let name = prop_oneof![
        Just("a.html"),
        Just("a.txt"),
        Just("a.md"),
        Just("a.json"),
        Just("a.jsonl"),
    ];
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2_000),
        html_soup().prop_map(String::into_bytes),
        // Text in a legacy encoding, cut anywhere.
        ("[\\u4e00-\\u9fff，。a-z]{0,200}", 0usize..400).prop_map(|(text, cut)| {
            let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
            bytes[..cut.min(bytes.len())].to_vec()
        }),
    ];
    fuzz("whole files", (name, bytes), |(name, bytes)| {
        for event in events_of(name, &bytes) {
            prop_assert!(event_is_whole(&event), "{event:?}");
        }
        Ok(())
    });
}

/// Stretches of real news text (from the shared corpus; never copied into
/// the repository), to encode and decode.
fn news_sentences() -> &'static Vec<Vec<char>> {
    static SENTENCES: OnceLock<Vec<Vec<char>>> = OnceLock::new();
    SENTENCES.get_or_init(|| {
        let file = std::fs::File::open(shared().join("corpus/crud/news.jsonl.gz")).expect("news");
        BufReader::new(flate2::read::GzDecoder::new(file))
            .lines()
            .take(300)
            .map(|line| {
                let record: Value = serde_json::from_str(&line.expect("line")).expect("json");
                record["body"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .collect::<Vec<char>>()
            })
            .filter(|body| body.len() >= 100)
            .collect()
    })
}

/// TESTPLAN 1–3: any bytes decode or are refused with a reason, within the
/// damage threshold; real text in UTF-8 (with or without BOM), UTF-16 with
/// BOM and GB18030 decodes back to itself exactly, undeclared.
#[test]
fn fuzz_encoding_detection() {
    let sentences = news_sentences();
    fuzz(
        "encoding of any bytes",
        prop::collection::vec(any::<u8>(), 0..3_000),
        |bytes| {
            if let Ok(decoded) = decode(&bytes, None) {
                prop_assert!(decoded.replaced as f64 <= bytes.len() as f64 * 0.01 + 1.0);
            }
            Ok(())
        },
    );
    let stretch = (
        0..sentences.len(),
        any::<prop::sample::Index>(),
        30usize..400,
    );
    let form = prop_oneof![
        Just("utf-8"),
        Just("utf-8 bom"),
        Just("utf-16le bom"),
        Just("utf-16be bom"),
        Just("gb18030")
    ];
    fuzz(
        "encoding round trip",
        (stretch, form),
        |((which, start, len), form)| {
            let sentence = &sentences[which];
            let start = start.index(sentence.len() - 30);
            let text: String = sentence[start..(start + len).min(sentence.len())]
                .iter()
                .collect();
            let bytes: Vec<u8> = match form {
                "utf-8" => text.as_bytes().to_vec(),
                "utf-8 bom" => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
                "utf-16le bom" => [0xFF, 0xFE]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
                "utf-16be bom" => [0xFE, 0xFF]
                    .into_iter()
                    .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                    .collect(),
                _ => encoding_rs::GB18030.encode(&text).0.into_owned(),
            };
            let decoded = decode(&bytes, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
            // A GB18030 text can be valid UTF-8 too (为 is CE AA, which is
            // also Ϊ): such bytes are read as UTF-8, as a browser does, and
            // nothing in them says otherwise.
            let expected = match std::str::from_utf8(&bytes) {
                Ok(as_utf8) if form == "gb18030" => as_utf8.to_string(),
                _ => text,
            };
            prop_assert_eq!(decoded.text, expected, "as {}", form);
            prop_assert_eq!(decoded.replaced, 0);
            Ok(())
        },
    );
}

/// Dates as archives write them, around any text: the same moment comes
/// back; any text at all never panics.
#[test]
fn fuzz_date_parsing() {
    let moment = (1990i32..2040, 1u32..=12, 1u32..=31, 0u32..24, 0u32..60)
        .prop_filter_map("a real calendar day", |(y, m, d, h, min)| {
            NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(h, min, 0)
        });
    let layout = 0usize..6;
    let around = "[\\u4e00-\\u9fff，：]{0,10}";
    fuzz(
        "dates",
        (moment, layout, around, around),
        |(moment, layout, before, after)| {
            let (y, m, d, h, min) = (
                moment.year(),
                moment.month(),
                moment.day(),
                moment.hour(),
                moment.minute(),
            );
            let written = match layout {
                0 => format!("{y}年{m}月{d}日 {h:02}:{min:02}"),
                1 => format!("{y}-{m:02}-{d:02} {h:02}:{min:02}:00"),
                2 => format!("{y}/{m:02}/{d:02} {h}:{min:02}"),
                3 => format!("发布时间：{y}年{m:02}月{d:02}日{h:02}:{min:02}"),
                4 => format!("{y}.{m}.{d} {h:02}时{min:02}分"),
                _ => format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:00"),
            };
            let text = format!("{before}{written}{after}");
            let expected = beijing()
                .from_local_datetime(&moment)
                .single()
                .expect("fixed offset");
            prop_assert_eq!(find_datetime(&text), Some(expected), "in {}", text);
            Ok(())
        },
    );
    fuzz("dates in any text", any::<String>(), |text| {
        let _ = find_datetime(&text);
        let _ = parse_date_bound(&text);
        Ok(())
    });
}
