//! Router tests without a socket: every endpoint, parameter, error and limit,
//! on a real on-disk index. JSON responses are snapshots with timings blanked.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::{Article, NewsIndex};

use crate::{AppState, Settings, app};

fn article(id: &str, title: &str, body: &str, source: &str, published: &str) -> Article {
    Article {
        id: id.into(),
        url: Some(format!("https://news.example.cn/{id}.html")),
        title: title.into(),
        body: body.into(),
        source: Some(source.into()),
        published: xunwen_engine::dates::find_datetime(published),
        category: Some("社会".into()),
        ..Article::default()
    }
}

fn write_index(dir: &Path) {
    write_articles(dir, &fixture_articles());
}

fn write_articles(dir: &Path, articles: &[Article]) {
    let index = NewsIndex::open_or_create(dir, &Analysis::default_shared()).expect("index");
    let mut writer = index.writer(1, 32 << 20).expect("writer");
    for article in articles {
        writer.upsert(article).expect("upsert");
    }
    writer.commit("").expect("commit");
}

fn fixture_articles() -> Vec<Article> {
    vec![
        article(
            "flood",
            "南河防汛形势严峻",
            "受强降雨影响，南河水位上涨，沿岸各镇全力防汛。",
            "江城日报",
            "2024-06-21 19:10",
        ),
        article(
            "flood-copy",
            "南河防汛形势严峻",
            "受强降雨影响，南河水位上涨，沿岸各镇全力防汛。",
            "晨光网",
            "2024-06-21 20:00",
        ),
        article(
            "drill",
            "防汛演习在湖北举行",
            "湖北举行防汛应急演习。",
            "晨光网",
            "2023-05-20 15:00",
        ),
        article(
            "xss",
            "<img src=x onerror=alert(1)>防汛<script>alert(2)</script>",
            "正文里有<script>alert('防汛')</script>代码。",
            "示例网",
            "2022-01-01 08:00",
        ),
    ]
}

struct Server {
    _dir: tempfile::TempDir,
    router: axum::Router,
    state: AppState,
}

fn server_with(configure: impl FnOnce(&mut Settings)) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    write_index(&index);
    let mut settings = Settings::for_index(index);
    configure(&mut settings);
    let state = AppState::new(settings);
    Server {
        router: app(state.clone()),
        state,
        _dir: dir,
    }
}

fn server() -> Server {
    server_with(|_| {})
}

fn server_of(articles: &[Article]) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    write_articles(&index, articles);
    let state = AppState::new(Settings::for_index(index));
    Server {
        router: app(state.clone()),
        state,
        _dir: dir,
    }
}

async fn get(server: &Server, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    send(server, request).await
}

async fn send(
    server: &Server,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = server
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

async fn get_json(server: &Server, uri: &str) -> (StatusCode, Value) {
    let (status, headers, body) = get(server, uri).await;
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{uri}"
    );
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

fn q(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).expect("encode")
}

#[tokio::test]
async fn search_returns_the_documented_json() {
    let server = server();
    let (status, body) = get_json(&server, &format!("/api/search?{}&size=5", q("南河 防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("search_nanhe", body, { ".took_ms" => "[ms]", ".hits[].score" => "[score]" });
}

#[tokio::test]
async fn every_search_parameter_is_honoured() {
    let server = server();
    let ids = |body: &Value| {
        body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["id"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let (_, body) = get_json(
        &server,
        &format!("/api/search?{}&collapse=false&sort=oldest", q("防汛")),
    )
    .await;
    assert_eq!(ids(&body), vec!["xss", "drill", "flood", "flood-copy"]);
    let (_, body) = get_json(
        &server,
        &format!(
            "/api/search?{}&collapse=false&sort=newest&size=1&page=2",
            q("防汛")
        ),
    )
    .await;
    assert_eq!(ids(&body), vec!["flood"]);
    let (_, body) = get_json(
        &server,
        &format!("/api/search?{}&from=2023-01-01&to=2023-12-31", q("防汛")),
    )
    .await;
    assert_eq!(ids(&body), vec!["drill"]);
    let (_, body) = get_json(
        &server,
        &format!(
            "/api/search?{}&source=%E6%99%A8%E5%85%89%E7%BD%91&collapse=false",
            q("防汛")
        ),
    )
    .await;
    let mut found = ids(&body);
    found.sort();
    assert_eq!(found, vec!["drill", "flood-copy"]);
    let (_, body) = get_json(
        &server,
        &format!(
            "/api/search?{}&category=%E7%A4%BE%E4%BC%9A&collapse=true",
            q("南河")
        ),
    )
    .await;
    assert_eq!(body["hits"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["hits"][0]["duplicates"]["count"], 1);
    assert_eq!(body["sort"], "relevance");
    let (_, body) = get_json(&server, &format!("/api/search?{}&sort=recent", q("防汛"))).await;
    assert_eq!(body["sort"], "recent");
}

#[tokio::test]
async fn bad_parameters_are_4xx_with_a_message() {
    let server = server();
    for (uri, code) in [
        (
            format!("/api/search?{}&page=0", q("防汛")),
            "page_out_of_range",
        ),
        (format!("/api/search?{}&page=-3", q("防汛")), "invalid_page"),
        (
            format!("/api/search?{}&page=abc", q("防汛")),
            "invalid_page",
        ),
        (
            format!("/api/search?{}&size=1000", q("防汛")),
            "invalid_size",
        ),
        (format!("/api/search?{}&size=0", q("防汛")), "invalid_size"),
        (
            format!("/api/search?{}&page=999999999999", q("防汛")),
            "invalid_page",
        ),
        (
            format!("/api/search?{}&page=200&size=100", q("防汛")),
            "page_out_of_range",
        ),
        (
            format!("/api/search?{}&from=yesterday", q("防汛")),
            "invalid_date",
        ),
        (
            format!("/api/search?{}&from=2024-01-01&to=2023-01-01", q("防汛")),
            "dates_reversed",
        ),
        (
            format!("/api/search?{}&sort=sideways", q("防汛")),
            "invalid_sort",
        ),
        (
            format!("/api/search?{}&collapse=maybe", q("防汛")),
            "invalid_collapse",
        ),
        ("/api/search?q=%ED%A0%80".to_string(), "invalid_parameters"),
        ("/api/search?q=%FF%FE".to_string(), "invalid_parameters"),
        (
            "/api/articles/flood/related?size=0".to_string(),
            "invalid_size",
        ),
        (
            "/api/articles/flood/related?size=lots".to_string(),
            "invalid_size",
        ),
    ] {
        let (status, body) = get_json(&server, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"]["code"], code, "{uri}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{uri}"
        );
    }
}

/// A pasted passage too long for a URL is posted; past 10,000 characters
/// it is refused with its own code.
#[tokio::test]
async fn long_passages_are_posted() {
    let server = server();
    let post = |body: String| {
        Request::builder()
            .method("POST")
            .uri("/api/search")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request")
    };
    let passage: String = "受强降雨影响，南河水位上涨，沿岸各镇全力防汛。"
        .chars()
        .cycle()
        .take(10_000)
        .collect();
    let body = serde_json::json!({ "q": passage, "size": 2 }).to_string();
    let (status, _, answer) = send(&server, post(body)).await;
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer["hits"][0]["id"]
            .as_str()
            .map(|id| id.starts_with("flood")),
        Some(true),
        "{answer}"
    );
    assert_eq!(answer["size"], 2);
    let body = serde_json::json!({ "q": format!("{passage}。") }).to_string();
    let (status, _, answer) = send(&server, post(body)).await;
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["code"], "query_too_long");
    let (status, _, answer) = send(&server, post("{\"q\": 3".into())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["error"]["code"], "invalid_parameters");
}

#[tokio::test]
async fn broken_query_syntax_is_searched_and_reported() {
    let server = server();
    for text in ["\"防汛", "((防汛", "- AND OR", "nosuch:防汛", "？？", "😀"] {
        let (status, body) = get_json(&server, &format!("/api/search?{}", q(text))).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(body["hits"].is_array(), "{text}");
    }
    let (_, body) = get_json(&server, &format!("/api/search?{}", q("\"防汛"))).await;
    assert!(!body["ignored"].as_array().expect("ignored").is_empty());
}

#[tokio::test]
async fn articles_and_related() {
    let server = server();
    let (status, body) = get_json(&server, "/api/articles/drill").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("article_drill", body);
    let (status, body) = get_json(&server, "/api/articles/no-such-article").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "article_not_found");
    let (status, body) = get_json(&server, "/api/articles/drill/related?size=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], "drill");
    assert!(
        body["related"]
            .as_array()
            .is_some_and(|r| !r.is_empty() && r.len() <= 2)
    );
    let (status, _) = get_json(&server, "/api/articles/nope/related").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_and_metrics() {
    let server = server();
    let (status, body) = get_json(&server, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("healthz", body);
    get(&server, &format!("/api/search?{}", q("防汛"))).await;
    let (status, headers, body) = get(&server, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(body).expect("utf-8");
    assert!(
        text.contains("xunwen_requests_total{route=\"/api/search\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(text.contains("xunwen_index_articles 4"), "{text}");
    assert!(
        text.contains("xunwen_request_duration_seconds_count"),
        "{text}"
    );
    assert!(
        text.contains("xunwen_index_last_reload_timestamp_seconds"),
        "{text}"
    );
}

#[tokio::test]
async fn the_page_renders_results_and_shows_markup_as_text() {
    let server = server();
    let (status, _, body) = get(&server, "/").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).expect("utf-8");
    assert!(html.contains("<input type=\"search\" name=\"q\""), "{html}");
    let (status, _, body) = get(&server, &format!("/?{}&sort=newest", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).expect("utf-8");
    assert!(html.contains("<mark>防汛</mark>"));
    assert!(
        html.contains("&lt;script&gt;") && html.contains("&lt;img"),
        "markup shown as text"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "no markup from articles"
    );
    assert!(
        html.contains("option value=\"newest\" selected"),
        "the sort choice is kept"
    );
    assert!(html.contains("class=\"source"), "source facets");
    assert!(html.contains("class=\"year"), "year facets");
    let (status, _, body) = get(&server, &format!("/?{}&page=0", q("防汛"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8(body)
            .unwrap_or_default()
            .contains("role=\"alert\"")
    );
}

#[tokio::test]
async fn paths_that_try_to_leave_are_4xx() {
    let server = server();
    for uri in [
        "/../etc/passwd",
        "/%2e%2e%2fetc%2fpasswd",
        "/..%5c..%5cwindows",
        "/static/../../Cargo.toml",
        "/api/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let request = Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let (status, _, body) = send(&server, request).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("root:"), "{uri}");
    }
}

#[tokio::test]
async fn large_bodies_are_refused() {
    let server = server();
    let request = Request::builder()
        .method("POST")
        .uri("/api/search")
        .header(header::CONTENT_LENGTH, 1 << 20)
        .body(Body::from(vec![b'x'; 1 << 20]))
        .expect("request");
    let (status, _, _) = send(&server, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let request = Request::builder()
        .uri(format!("/api/search?{}", q("防汛")))
        .header(header::CONTENT_LENGTH, 1 << 20)
        .body(Body::from(vec![b'x'; 1 << 20]))
        .expect("request");
    let (status, _, _) = send(&server, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn slow_requests_time_out() {
    // A runtime with one blocking thread, kept busy: the search waits behind
    // it, so the request outlives its time however fast this machine is.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(1)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = server_with(|settings| settings.request_timeout_ms = 50);
        let busy = tokio::task::spawn_blocking(|| {
            std::thread::sleep(std::time::Duration::from_millis(500))
        });
        let (status, _, _) = get(&server, &format!("/api/search?{}", q("防汛"))).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        busy.await.expect("the busy task");
    });
}

#[tokio::test]
async fn cors_is_off_by_default_and_set_by_option() {
    let request = || {
        Request::builder()
            .uri(format!("/api/search?{}", q("防汛")))
            .header(header::ORIGIN, "https://paper.example.com")
            .body(Body::empty())
            .expect("request")
    };
    let (_, headers, _) = send(&server(), request()).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let allowed = server_with(|s| s.cors_origins = vec!["https://paper.example.com".into()]);
    let (_, headers, _) = send(&allowed, request()).await;
    assert_eq!(
        headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some("https://paper.example.com")
    );
}

#[tokio::test]
async fn a_missing_index_is_served_empty_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = AppState::new(Settings::for_index(dir.path().join("no-index-here")));
    let server = Server {
        _dir: dir,
        router: app(state.clone()),
        state,
    };
    let (status, body) = get_json(&server, "/healthz").await;
    assert_eq!(
        (status, body["index"].as_str()),
        (StatusCode::OK, Some("unavailable"))
    );
    assert!(
        body["reason"].as_str().unwrap_or("").contains("no index"),
        "{body}"
    );
    let (status, body) = get_json(&server, &format!("/api/search?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 0);
    assert!(
        body["ignored"][0]
            .as_str()
            .unwrap_or("")
            .contains("index is empty")
    );
    let (status, _, body) = get(&server, &format!("/?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(body)
            .unwrap_or_default()
            .contains("index is empty")
    );
}

#[tokio::test]
async fn too_many_searches_at_once_are_told_to_come_back() {
    let server = server_with(|settings| {
        settings.max_concurrent_searches = 1;
        settings.request_timeout_ms = 400;
    });
    let held = server
        .state
        .searches
        .clone()
        .acquire_owned()
        .await
        .expect("permit");
    let (status, body) = get_json(&server, &format!("/api/search?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "busy");
    drop(held);
    let (status, _) = get_json(&server, &format!("/api/search?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_article_page_marks_the_query_escapes_markup_and_lists_printings() {
    let server = server();
    let (status, _, body) = get(&server, &format!("/articles/flood-copy?{}", q("南河"))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).expect("utf-8");
    assert!(
        html.contains("<h1><mark>南河</mark>防汛形势严峻</h1>"),
        "{html}"
    );
    assert!(
        html.contains("晨光网 · 2024-06-21 20:00"),
        "source and date: {html}"
    );
    assert!(
        html.contains("href=\"https://news.example.cn/flood-copy.html\""),
        "original link: {html}"
    );
    // Both outlets that ran the story, the earlier one (江城日报 at 19:10)
    // marked as the original, this printing marked as this one.
    let printings = &html[html.find("class=\"printings\"").expect("printings")..];
    let first = printings.find("江城日报").expect("the original outlet");
    let second = printings.find("晨光网").expect("this outlet");
    assert!(first < second, "earliest first: {printings}");
    assert!(printings[first..second].contains("首发"), "{printings}");
    assert!(printings[second..].contains("（本文）"), "{printings}");

    let (status, _, body) = get(&server, &format!("/articles/xss?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body).expect("utf-8");
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;<mark>防汛</mark>&#x27;)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "{html}"
    );

    let (status, _, _) = get(&server, "/articles/no-such-article").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_feed_is_atom_newest_first() {
    let server = server();
    let (status, headers, body) = get(&server, &format!("/feed.atom?{}", q("防汛"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE].to_str().unwrap_or(""),
        crate::feed::CONTENT_TYPE
    );
    let feed = atom_syndication::Feed::read_from(&body[..]).expect("a valid Atom feed");
    assert_eq!(feed.title().as_str(), "寻闻：防汛");
    let ids: Vec<&str> = feed.entries().iter().map(|e| e.id()).collect();
    // Reprints are one entry, led by the newest printing.
    let expected: Vec<String> = ["flood-copy", "drill", "xss"]
        .iter()
        .map(|id| format!("tag:xunwen,2026:article:{}", id.replace('-', "%2D")))
        .collect();
    assert_eq!(ids, expected);
    let updated: Vec<_> = feed.entries().iter().map(|e| *e.updated()).collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "{updated:?}");
    assert!(
        feed.entries()[0]
            .links()
            .iter()
            .any(|l| l.href() == "https://news.example.cn/flood-copy.html")
    );
    // The page links to the feed of the same search.
    let (_, _, body) = get(&server, &format!("/?{}", q("防汛"))).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert!(html.contains("type=\"application/atom+xml\""), "{html}");
}

#[tokio::test]
async fn the_timeline_counts_equal_the_facets_and_bars_narrow_the_dates() {
    let server = server();
    let (_, json) = get_json(&server, &format!("/api/search?{}", q("防汛"))).await;
    let (_, _, body) = get(&server, &format!("/?{}", q("防汛"))).await;
    let html = String::from_utf8(body).expect("utf-8");
    // The articles span 30 months (2022-01 to 2024-06): one bar a month,
    // empty months included.
    let bars: Vec<(String, u64)> = html
        .split("data-label=\"")
        .skip(1)
        .map(|rest| {
            let label = rest[..rest.find('"').expect("label")].to_string();
            let count = rest
                .split("data-count=\"")
                .nth(1)
                .and_then(|c| c[..c.find('"')?].parse().ok())
                .expect("count");
            (label, count)
        })
        .collect();
    assert_eq!(bars.len(), 30, "{bars:?}");
    let months: Vec<(String, u64)> = json["facets"]["month"]
        .as_array()
        .expect("month facets")
        .iter()
        .rev()
        .map(|m| {
            let (year, month) = m["value"]
                .as_str()
                .unwrap_or("")
                .split_once('-')
                .expect("YYYY-MM");
            (
                format!("{year} 年 {} 月", month.trim_start_matches('0')),
                m["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let drawn: Vec<(String, u64)> = bars.into_iter().filter(|(_, count)| *count > 0).collect();
    assert_eq!(drawn, months, "{html}");
    assert!(
        html.contains("href=\"/?q=%E9%98%B2%E6%B1%9B&#38;from=2023-05-01&#38;to=2023-05-31\""),
        "{html}"
    );
}

#[tokio::test]
async fn numbers_match_written_either_way_and_mark_their_own_characters() {
    let chinese = article(
        "chinese",
        "二〇二三年三月的救援",
        "洪水中一百二十人获救，物价上涨百分之五。十四五规划照常推进。",
        "江城日报",
        "2023-03-02 08:00",
    );
    let arabic = article(
        "arabic",
        "2023年3月的救援",
        "洪水中120人获救，物价上涨5%。",
        "晨光网",
        "2023-03-03 08:00",
    );
    let server = server_of(&[chinese, arabic]);
    let marked_in = |body: &Value, id: &str| -> Vec<String> {
        let hit = body["hits"]
            .as_array()
            .and_then(|hits| hits.iter().find(|h| h["id"] == id))
            .unwrap_or_else(|| panic!("no hit {id} in {body}"));
        let mut marked = Vec::new();
        for (field, text) in [("title", &hit["title"]), ("snippet", &hit["snippet"])] {
            let chars: Vec<char> = text.as_str().unwrap_or("").chars().collect();
            for range in hit["marks"][field].as_array().into_iter().flatten() {
                let (start, end) = (
                    range[0].as_u64().unwrap_or(0),
                    range[1].as_u64().unwrap_or(0),
                );
                marked.push(chars[start as usize..end as usize].iter().collect());
            }
        }
        marked
    };
    let cases = [
        ("二〇二三年", "二〇二三年", "2023年"),
        ("2023年", "二〇二三年", "2023年"),
        ("三月", "三月", "3月"),
        ("3月", "三月", "3月"),
        ("百分之五", "百分之五", "5"),
        ("5%", "百分之五", "5"),
        ("一百二十人", "一百二十人", "120人"),
        ("120人", "一百二十人", "120人"),
    ];
    for (query, in_chinese, in_arabic) in cases {
        let (status, body) =
            get_json(&server, &format!("/api/search?{}&collapse=false", q(query))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 2, "{query} finds both forms: {body}");
        let chinese = marked_in(&body, "chinese").concat();
        let arabic = marked_in(&body, "arabic").concat();
        assert!(
            chinese.contains(in_chinese),
            "{query}: marked {chinese:?} in the Chinese form"
        );
        assert!(
            arabic.contains(in_arabic),
            "{query}: marked {arabic:?} in the Arabic form"
        );
    }
    // Fixed names stay names: 十四五 is not 145 or 15.
    let (_, body) = get_json(&server, &format!("/api/search?{}", q("十四五"))).await;
    assert_eq!(body["total"], 1, "{body}");
    let (_, body) = get_json(&server, &format!("/api/search?{}", q("15"))).await;
    assert_eq!(body["total"], 0, "{body}");
}
