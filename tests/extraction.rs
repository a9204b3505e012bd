//! Extraction against the shared data's expected fields.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use flate2::read::GzDecoder;
use serde_json::Value;
use xunwen_engine::Article;
use xunwen_indexer::extract::{Event, Input, extract};

use crate::util::shared;

fn extract_bytes(name: &str, bytes: &[u8]) -> Vec<Event> {
    let input = Input::named(name);
    let mut events = Vec::new();
    extract(&input, &mut &bytes[..], &mut |e| events.push(e)).expect("reading from memory");
    events
}

fn only_article(events: &[Event]) -> Option<&Article> {
    events.iter().find_map(|e| match e {
        Event::Article(a) => Some(a),
        _ => None,
    })
}

fn expected_records() -> HashMap<String, Value> {
    let file = std::fs::File::open(shared().join("corpus/cctv/articles.jsonl.gz"))
        .expect("articles.jsonl.gz");
    BufReader::new(GzDecoder::new(file))
        .lines()
        .map(|line| serde_json::from_str::<Value>(&line.expect("line")).expect("json"))
        .map(|record| (record["id"].as_str().expect("id").to_string(), record))
        .collect()
}

fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    f64::from(
        similar::TextDiff::configure()
            .timeout(std::time::Duration::from_secs(2))
            .diff_chars(a, b)
            .ratio(),
    )
}

/// The ~3,000 real CCTV pages give the fields of their records in
/// articles.jsonl.gz; error pages are refused. Every page's id is its file
/// name (its `contentid` meta, where it has one, says the same), and its URL
/// is the one its `commentUrl` names, found as the URL ending in the page's
/// file name; where `commentUrl` is empty the page states no URL.
#[test]
fn cctv_pages_give_their_expected_fields() {
    let expected = expected_records();
    let file = std::fs::File::open(shared().join("corpus/cctv/pages-sample.tar.gz"))
        .expect("pages-sample.tar.gz");
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let (mut pages, mut title_ok, mut published_ok, mut source_ok, mut similarity_sum) =
        (0usize, 0usize, 0usize, 0usize, 0f64);
    let mut error_pages = 0;
    let (mut ids_ok, mut urls_expected, mut urls_ok, mut urls_absent) =
        (0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for member in archive.entries().expect("tar") {
        let mut member = member.expect("member");
        if !member.header().entry_type().is_file() {
            continue;
        }
        let name = member.path().expect("path").to_string_lossy().into_owned();
        let id = name
            .trim_start_matches("pages/")
            .trim_end_matches(".shtml")
            .to_string();
        let mut bytes = Vec::new();
        member.read_to_end(&mut bytes).expect("read member");
        let record = &expected[&id];
        let events = extract_bytes(&name, &bytes);
        if record["published"].is_null() {
            error_pages += 1;
            assert!(
                matches!(&events[..], [Event::Refused { reason, .. }] if reason.contains("error page")),
                "{id} is an error page and must be refused: {events:?}"
            );
            continue;
        }
        pages += 1;
        let article =
            only_article(&events).unwrap_or_else(|| panic!("{id}: no article: {events:?}"));
        let title_matches = article.title == record["title"].as_str().unwrap_or("");
        title_ok += usize::from(title_matches);
        let published = article.published.map(|p| p.to_rfc3339());
        published_ok += usize::from(published.as_deref() == record["published"].as_str());
        source_ok += usize::from(article.source.as_deref() == record["source"].as_str());
        ids_ok += usize::from(article.id == id);
        let expected_url = record["url"].as_str();
        urls_expected += usize::from(expected_url.is_some());
        urls_ok += usize::from(expected_url.is_some() && article.url.as_deref() == expected_url);
        urls_absent += usize::from(expected_url.is_none() && article.url.is_none());
        if article.id != id || article.url.as_deref() != expected_url {
            misses.push(format!("{id}: id {:?} url {:?}", article.id, article.url));
        }
        let body_similarity = similarity(&article.body, record["body"].as_str().unwrap_or(""));
        similarity_sum += body_similarity;
        if !title_matches || body_similarity < 0.9 {
            misses.push(format!(
                "{id}: title {:?} body similarity {body_similarity:.3}",
                article.title
            ));
        }
    }
    let share = |n: usize| n as f64 / pages as f64;
    let mean_similarity = similarity_sum / pages as f64;
    eprintln!(
        "{pages} pages + {error_pages} error pages: title {:.4}, published {:.4}, source {:.4}, body similarity {mean_similarity:.4}",
        share(title_ok),
        share(published_ok),
        share(source_ok)
    );
    eprintln!(
        "ids equal to the file name {ids_ok}/{pages}; URLs {urls_ok}/{urls_expected} equal to articles.jsonl's, {urls_absent} pages with no URL where it has none"
    );
    for miss in misses.iter().take(10) {
        eprintln!("  {miss}");
    }
    assert_eq!(ids_ok, pages, "every page's id is its file name");
    assert_eq!(urls_ok, urls_expected, "every URL the page names is found");
    assert_eq!(
        urls_absent,
        pages - urls_expected,
        "a page whose commentUrl is empty gets no URL, not a guess"
    );
    assert!(
        urls_expected >= 2900,
        "the sample has 2,937 pages with a URL, read {urls_expected}"
    );
    assert!(
        pages > 3000,
        "the sample holds about 3,000 pages, read {pages}"
    );
    assert!(
        share(title_ok) >= 0.99,
        "title exact {:.4}",
        share(title_ok)
    );
    assert!(
        share(published_ok) >= 0.99,
        "published exact {:.4}",
        share(published_ok)
    );
    assert!(
        share(source_ok) >= 0.98,
        "source exact {:.4}",
        share(source_ok)
    );
    assert!(
        mean_similarity >= 0.97,
        "body similarity {mean_similarity:.4}"
    );
}

/// Every row of samples/encodings/manifest.tsv gives its expected fields or
/// its expected refusal (TESTPLAN 1–4).
#[test]
fn encoding_manifest_rows_give_their_fields() {
    let dir = shared().join("samples/encodings");
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    let mut rows = 0;
    for line in manifest.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let [file, _encoding, title, published, source, ..] = cells[..] else {
            panic!("bad manifest row {line}");
        };
        rows += 1;
        let bytes = std::fs::read(dir.join(file)).expect("sample file");
        let events = extract_bytes(file, &bytes);
        if file.ends_with(".jsonl") {
            let articles = events
                .iter()
                .filter(|e| matches!(e, Event::Article(_)))
                .count();
            let refused: Vec<&str> = events
                .iter()
                .filter_map(|e| match e {
                    Event::Refused { location, .. } => Some(location.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(articles, 19, "{file}: 18 good lines and the BOM line");
            assert_eq!(
                refused,
                vec![format!("{file}:7")],
                "{file}: line 7 is reported by number"
            );
            continue;
        }
        if title.is_empty() {
            assert!(
                matches!(&events[..], [Event::Refused { .. }]),
                "{file} must be refused: {events:?}"
            );
            continue;
        }
        let article =
            only_article(&events).unwrap_or_else(|| panic!("{file}: no article: {events:?}"));
        assert_eq!(article.title, title, "{file} title");
        assert_eq!(
            article.published.map(|p| p.to_rfc3339()).as_deref(),
            Some(published),
            "{file} published"
        );
        assert_eq!(article.source.as_deref(), Some(source), "{file} source");
        let replacements =
            article.body.matches('\u{FFFD}').count() + article.title.matches('\u{FFFD}').count();
        if file == "invalid-utf8.txt" {
            assert_eq!(replacements, 3, "{file}: 3 U+FFFD");
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, Event::Warning { message, .. } if message.contains('3'))),
                "{file}: bad bytes reported"
            );
        } else {
            assert_eq!(replacements, 0, "{file}: no U+FFFD");
        }
        if file.starts_with("a3.") && !file.contains("big5") {
            assert!(
                article.body.contains('㵲'),
                "{file}: the 4-byte GB18030 character survives"
            );
        }
    }
    assert!(rows >= 34, "manifest rows read: {rows}");
}

/// The seed page gives its title, date, contributor and a body without the
/// page furniture.
#[test]
fn scraped_seed_page_gives_clean_fields() {
    let bytes =
        std::fs::read(shared().join("samples/scraped-page/tianzhu-npc.txt")).expect("seed page");
    let events = extract_bytes("tianzhu-npc.txt", &bytes);
    let article = only_article(&events).expect("an article");
    assert_eq!(
        article.title,
        "天柱县人大:谱好党建“五部曲”,奏响人大“新乐章”"
    );
    assert_eq!(
        article
            .published
            .map(|p| p.date_naive().to_string())
            .as_deref(),
        Some("2023-02-24")
    );
    assert_eq!(
        article.source.as_deref(),
        Some("天柱县人大常委会办公室 龙春兰")
    );
    for furniture in [
        "个人中心",
        "打印本页",
        "【字体",
        "上一篇",
        "下一篇",
        "相关信息",
        "供稿",
    ] {
        assert!(
            !article.body.contains(furniture),
            "{furniture} left in the body"
        );
    }
    assert!(
        !article.body.lines().any(|l| l.trim() == "X"),
        "stray letter left in the body"
    );
    assert!(
        article
            .body
            .starts_with("天柱县人大常委会始终以党的政治建设为统领"),
        "{}",
        &article.body[..60]
    );
    assert!(article.body.contains("“党建+示范”"));
}
