//! The query engine on a small index of articles written for these tests:
//! every operator, filter and sort on Chinese text, folding, snippets,
//! facets, collapse, related articles, and TESTPLAN cases 17–21 and 25.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use xunwen_engine::analysis::Analysis;
use xunwen_engine::query::plan::Role;
use xunwen_engine::query::weights::Weights;
use xunwen_engine::search::Sort;
use xunwen_engine::{Backend, Engine, EngineError, RequestError, SearchRequest, SearchResponse};
use xunwen_server::error::{ApiError, ErrorCode};
use xunwen_server::html::marked;
use xunwen_server::params::SearchParams;

use crate::util::{arg, search, stderr, stdout};

/// The articles of these tests.
pub(crate) fn articles() -> Vec<Value> {
    vec![
        json!({"id": "flood", "title": "长江中下游防汛形势严峻", "body": "受持续强降雨影响，长江中下游水位上涨。各地全力防汛救灾，转移受灾群众。", "source": "新华社", "published": "2023-07-01 09:00", "category": "社会"}),
        json!({"id": "flood-reprint", "title": "长江中下游防汛形势严峻", "body": "受持续强降雨影响，长江中下游水位上涨。各地全力防汛救灾，转移受灾群众。", "source": "人民网", "published": "2023-07-01 10:00", "category": "社会"}),
        json!({"id": "drill", "title": "防汛应急演习在湖北举行", "body": "湖北省举行防汛应急演习，检验抢险队伍的反应速度。", "source": "新华社", "published": "2023-05-20 15:00", "category": "社会"}),
        json!({"id": "files", "title": "待處理的文件", "body": "工作人员正在處理积压的文件。ＡＢＣ公司表示将尽快完成。", "source": "中新网", "published": "2023-03-15 08:00", "category": "经济"}),
        json!({"id": "rescue", "title": "湖北防汛抢险队伍集结待命", "body": "湖北省防汛抢险队伍集结待命，应急演习检验了队伍的反应速度。", "source": "中新网", "published": "2023-06-01 10:00", "category": "社会"}),
        json!({"id": "typhoon", "title": "台风登陆广东", "body": "今年第5号台风在广东沿海登陆，多地停课停工。", "source": "央视网", "published": "2022-09-02 19:00", "category": "社会"}),
        json!({"id": "quake", "title": "四川发生地震", "body": "四川某地发生4.5级地震，暂无人员伤亡报告。", "source": "央视网", "published": "2022-06-10 07:30", "category": "社会"}),
        json!({"id": "republic", "title": "国庆献礼", "body": "庆祝中华人民共和国成立七十四周年，各地举行升旗仪式。", "source": "人民网", "published": "2023-10-01 07:00", "category": "时政"}),
        json!({"id": "script", "title": "<img src=x onerror=alert(1)>网页安全<script>alert(2)</script>", "body": "报道称，有网页在正文里写了<script>alert('新闻')</script>这样的代码，安全专家提醒注意。", "source": "示例网", "published": "2023-08-08 12:00", "category": "科技"}),
        json!({"id": "long", "title": "一篇很长的报道", "body": format!("{}关键的防汛消息在这里。{}", "无关的内容，".repeat(200), "其他的内容。".repeat(200)), "source": "示例网", "published": "2021-01-01 00:00", "category": "社会"}),
    ]
}

/// The test articles indexed once by `search index`, and an engine on them.
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    index: PathBuf,
    pub(crate) engine: Engine,
}

pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture::of(&articles()))
}

impl Fixture {
    /// These articles indexed by `search index` in a temporary directory.
    fn of(articles: &[Value]) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("articles.jsonl");
        let lines: Vec<String> = articles.iter().map(Value::to_string).collect();
        std::fs::write(&input, lines.join("\n")).expect("write articles");
        let index = dir.path().join("index");
        let output = search(&["index", "--index", arg(&index), arg(&input)]);
        assert!(output.status.success(), "{}", stderr(&output));
        let engine = Engine::open(&index, Analysis::default_shared()).expect("open index");
        Fixture {
            _dir: dir,
            index,
            engine,
        }
    }

    /// The directory of the index.
    pub(crate) fn index_dir(&self) -> &Path {
        &self.index
    }

    /// A search by relevance, every reprint its own hit.
    fn query(&self, text: &str) -> SearchResponse {
        self.engine
            .search(&SearchRequest {
                query: text.into(),
                collapse: false,
                ..SearchRequest::default()
            })
            .expect("search")
    }
}

fn run(request: SearchRequest) -> SearchResponse {
    fixture().engine.search(&request).expect("search")
}

fn query(text: &str) -> SearchResponse {
    fixture().query(text)
}

fn ids(response: &SearchResponse) -> Vec<&str> {
    response.hits.iter().map(|h| h.id.as_str()).collect()
}

/// A request from URL parameters, as the server reads them.
fn params(pairs: &[(&str, &str)]) -> Result<SearchRequest, ApiError> {
    let mut params = SearchParams::default();
    for (key, value) in pairs {
        let value = Some(value.to_string());
        match *key {
            "q" => params.q = value,
            "page" => params.page = value,
            "size" => params.size = value,
            "from" => params.from = value,
            "to" => params.to = value,
            "source" => params.source = value,
            "category" => params.category = value,
            "sort" => params.sort = value,
            "collapse" => params.collapse = value,
            other => panic!("unknown parameter {other}"),
        }
    }
    SearchRequest::try_from(&params)
}

#[test]
fn natural_question_finds_its_article() {
    let response = query("长江中下游的防汛形势怎么样？");
    assert_eq!(
        ids(&response)[..2]
            .iter()
            .filter(|id| id.starts_with("flood"))
            .count(),
        2,
        "{:?}",
        ids(&response)
    );
}

#[test]
fn plain_words_rank_articles_holding_more_of_them_first() {
    let response = query("防汛 演习 举行");
    assert_eq!(ids(&response)[0], "drill");
    assert!(
        ids(&response).contains(&"flood"),
        "articles holding some of the words still match"
    );
}

#[test]
fn exclusion_or_and_field_operators() {
    let response = query("防汛 -演习");
    assert!(
        ids(&response).contains(&"flood") && !ids(&response).contains(&"drill"),
        "{:?}",
        ids(&response)
    );
    let response = query("台风 OR 地震");
    let mut found = ids(&response);
    found.sort();
    assert_eq!(found, vec!["quake", "typhoon"]);
    let response = query("title:演习");
    assert_eq!(ids(&response), vec!["drill"]);
    let response = query("防汛 source:人民网");
    assert_eq!(ids(&response), vec!["flood-reprint"]);
    let response = query("防汛 published:[2023-05-01 TO 2023-05-31]");
    assert_eq!(ids(&response), vec!["drill"]);
    let response = query("社会 OR 防汛 published:[2023-06-15 TO *]");
    assert!(
        ids(&response).iter().all(|id| id.starts_with("flood")),
        "{:?}",
        ids(&response)
    );
}

#[test]
fn exact_phrases_match_however_jieba_cut_the_text() {
    exact_phrases_match(&fixture().engine);
}

#[test]
fn traditional_width_and_case_fold() {
    traditional_width_and_case_fold_on(&fixture().engine);
}

/// A search by relevance on any backend, every reprint its own hit.
fn query_on(backend: &dyn Backend, text: &str) -> SearchResponse {
    backend
        .search(&SearchRequest {
            query: text.into(),
            collapse: false,
            ..SearchRequest::default()
        })
        .expect("search")
}

/// The exact-phrase checks, on the test articles held by `backend` (the
/// local index here, a cluster in the `opensearch` module).
pub(crate) fn exact_phrases_match(backend: &dyn Backend) {
    // jieba keeps 中华人民共和国 as one word; the phrase is inside it.
    let response = query_on(backend, "\"华人民共\"");
    assert_eq!(ids(&response), vec!["republic"]);
    // 处理 inside 待處理 (traditional in the text, simplified in the query).
    let response = query_on(backend, "\"处理\"");
    assert_eq!(ids(&response), vec!["files"]);
    // A phrase must be exact: the words apart do not match.
    let response = query_on(backend, "\"长江防汛\"");
    assert!(response.hits.is_empty(), "{:?}", ids(&response));
    let response = query_on(backend, "\"下游水位\"");
    assert_eq!(response.total, 2);
}

/// The folding checks, on the test articles held by `backend`.
pub(crate) fn traditional_width_and_case_fold_on(backend: &dyn Backend) {
    for text in ["处理", "處理", "abc", "ＡＢＣ", "Abc"] {
        assert_eq!(ids(&query_on(backend, text)), vec!["files"], "{text}");
    }
}

#[test]
fn explicit_filters() {
    let request = params(&[
        ("q", "防汛"),
        ("from", "2023-06-15"),
        ("to", "2023-07-31"),
        ("collapse", "false"),
    ])
    .expect("valid");
    let mut found = ids(&run(request))
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    found.sort();
    assert_eq!(found, vec!["flood", "flood-reprint"]);
    let request =
        params(&[("q", "防汛"), ("source", "新华社"), ("collapse", "false")]).expect("valid");
    let mut found: Vec<String> = ids(&run(request)).into_iter().map(String::from).collect();
    found.sort();
    assert_eq!(found, vec!["drill", "flood"]);
    let request = params(&[("q", ""), ("category", "经济")]).expect("valid");
    assert_eq!(ids(&run(request)), vec!["files"]);
    // The last day given as `to` is included whole.
    let request = params(&[("q", "地震"), ("to", "2022-06-10")]).expect("valid");
    assert_eq!(ids(&run(request)), vec!["quake"]);
}

#[test]
fn sorts() {
    let by = |sort| {
        run(SearchRequest {
            query: "社会 OR 防汛 OR 台风 OR 地震".into(),
            sort,
            collapse: false,
            size: 20,
            ..SearchRequest::default()
        })
    };
    let newest = by(Sort::Newest);
    let dates: Vec<_> = newest.hits.iter().map(|h| h.published).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    let oldest = by(Sort::Oldest);
    let dates: Vec<_> = oldest.hits.iter().map(|h| h.published).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert_eq!(oldest.hits.len(), newest.hits.len());
    let recent = by(Sort::Recent);
    let relevance = by(Sort::Relevance);
    assert_eq!(recent.total, relevance.total);
    // Each score is the relevance score times the boost of its age: the
    // 2023 flood story gains more than the 2021 article.
    let gain = |id: &str| {
        let score = |r: &SearchResponse| {
            r.hits
                .iter()
                .find(|h| h.id == id)
                .and_then(|h| h.score)
                .unwrap_or_else(|| panic!("{id} scored"))
        };
        score(&recent) / score(&relevance)
    };
    let (new, old) = (gain("flood"), gain("long"));
    assert!(new > old && old >= 1.0, "flood ×{new}, long ×{old}");
}

#[test]
fn reprints_collapse_into_one_hit_naming_the_others() {
    let response = run(SearchRequest {
        query: "长江 防汛".into(),
        ..SearchRequest::default()
    });
    let flood: Vec<_> = response
        .hits
        .iter()
        .filter(|h| h.id.starts_with("flood"))
        .collect();
    assert_eq!(flood.len(), 1);
    let duplicates = flood[0].duplicates.as_ref().expect("duplicates listed");
    assert_eq!(duplicates.count, 1);
    assert_eq!(duplicates.sources.len(), 1);
    let uncollapsed = query("长江 防汛");
    assert_eq!(
        uncollapsed
            .hits
            .iter()
            .filter(|h| h.id.starts_with("flood"))
            .count(),
        2
    );
}

#[test]
fn snippets_count_characters_escape_markup_and_merge_highlights() {
    let response = query("关键 防汛");
    let long = response
        .hits
        .iter()
        .find(|h| h.id == "long")
        .expect("long article");
    let inner = long
        .snippet
        .text
        .trim_start_matches('…')
        .trim_end_matches('…');
    assert!(
        inner.chars().count() <= 120,
        "{} chars",
        inner.chars().count()
    );
    assert!(
        long.snippet.text.contains("关键的防汛消息在这里。"),
        "{}",
        long.snippet.text
    );
    let snippet_html = marked(&long.snippet);
    assert!(
        snippet_html.contains("<mark>关键</mark>的<mark>防汛</mark>"),
        "{snippet_html}"
    );

    let response = query("网页 新闻");
    let hit = response
        .hits
        .iter()
        .find(|h| h.id == "script")
        .expect("script article");
    let (title_html, snippet_html) = (marked(&hit.title), marked(&hit.snippet));
    assert!(!snippet_html.contains("<script"), "{snippet_html}");
    assert!(snippet_html.contains("&lt;script&gt;"), "{snippet_html}");
    assert!(!title_html.contains("<img"), "{title_html}");
    let stripped = title_html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !stripped.contains('<'),
        "only <mark> is added: {title_html}"
    );

    let response = query("长江中下游 中下游水位");
    let snippet_html = marked(&response.hits[0].snippet);
    assert!(
        snippet_html.contains("<mark>长江中下游水位</mark>"),
        "merged: {snippet_html}"
    );
}

#[test]
fn facets_count_the_matching_set() {
    let response = run(SearchRequest {
        query: "防汛".into(),
        collapse: false,
        ..SearchRequest::default()
    });
    let facets = response.facets.expect("facets");
    let count = |values: &[xunwen_engine::facets::FacetValue], value: &str| {
        values.iter().find(|v| v.value == value).map(|v| v.count)
    };
    assert_eq!(count(&facets.source, "新华社"), Some(2));
    assert_eq!(count(&facets.source, "人民网"), Some(1));
    assert_eq!(count(&facets.year, "2023"), Some(4));
    assert_eq!(count(&facets.year, "2021"), Some(1));
    assert_eq!(count(&facets.month, "2023-07"), Some(2));
}

#[test]
fn pagination_and_total() {
    let all = query("社会 OR 防汛 OR 台风 OR 地震");
    let first = run(SearchRequest {
        query: "社会 OR 防汛 OR 台风 OR 地震".into(),
        size: 2,
        page: 1,
        collapse: false,
        ..SearchRequest::default()
    });
    let second = run(SearchRequest {
        query: "社会 OR 防汛 OR 台风 OR 地震".into(),
        size: 2,
        page: 2,
        collapse: false,
        ..SearchRequest::default()
    });
    assert_eq!(first.total, all.total);
    assert_eq!(
        [ids(&first), ids(&second)].concat(),
        ids(&all)[..4].to_vec()
    );
}

#[test]
fn related_articles_share_the_subject() {
    let related = fixture().engine.related("drill", 3).expect("related");
    assert!(!related.is_empty());
    assert_eq!(
        related[0].id,
        "rescue",
        "{:?}",
        related.iter().map(|h| &h.id).collect::<Vec<_>>()
    );
    assert!(related.iter().all(|h| h.id != "drill"));
    assert!(matches!(
        fixture().engine.related("no-such-id", 3),
        Err(EngineError::NotFound(_))
    ));
}

#[test]
fn explain_shows_segmentation_and_why_an_article_matched() {
    let explanation = fixture()
        .engine
        .explain("長江 防汛", Some("drill"))
        .expect("explain");
    assert_eq!(explanation.folded, "长江 防汛");
    let text = explanation.plan.text.as_ref().expect("plain words");
    assert!(
        text.words
            .iter()
            .any(|w| w.text == "防汛" && w.role == Role::Matches),
        "{text:?}"
    );
    let article = explanation.article.expect("article explanation");
    assert!(article.matched && article.score.unwrap_or(0.0) > 0.0);
    let explanation = fixture()
        .engine
        .explain("台风", Some("drill"))
        .expect("explain");
    let article = explanation.article.expect("article");
    assert!(!article.matched);
    assert_eq!(
        article.lacking,
        ["台风"],
        "why it did not match: {article:?}"
    );
}

/// `count` articles alike but for their number (n0, n1…): they make the
/// words of `body` common.
fn numbered_issues(count: usize, title: &str, body: &str) -> Vec<Value> {
    (0..count)
        .map(|n| json!({"id": format!("n{n}"), "title": format!("{title}第{n}期"), "body": body}))
        .collect()
}

/// Common words (in more than 5% of the articles) rank what the rarer words
/// find but do not widen the match; a word no article holds does not narrow
/// it to nothing.
#[test]
fn common_words_rank_but_do_not_widen_the_match() {
    let mut articles = numbered_issues(39, "今日新闻", "新闻报道了本地的天气情况。");
    articles.push(json!({"id": "panda", "title": "熊猫宝宝满月", "body": "动物园的熊猫宝宝满月了，新闻发布会上公布了这只可爱的熊猫宝宝的名字。"}));
    let fixture = Fixture::of(&articles);
    let search = |text: &str| fixture.query(text);
    let response = search("熊猫 新闻");
    assert_eq!(ids(&response), ["panda"], "新闻 is common: it only ranks");
    assert_eq!(response.total, 1);
    // 新闻 is in every article: beside a rare word it is not scored as a
    // word, only held as a chunk of the keywords, for the chunk's fixed
    // weight. (名字 stands too far from 新闻 for the proximity bonus.)
    let with_common = search("名字 新闻").hits[0].score.expect("score");
    let alone = search("名字").hits[0].score.expect("score");
    assert_eq!(with_common, alone + Weights::default().chunk);
    let response = search("新闻 旋涡星云");
    assert_eq!(
        response.total, 40,
        "a word no article holds leaves the common word to match"
    );
}

/// Neighbouring query words earn more the closer they stand: side by side,
/// within a few characters, within a clause, or not at all.
#[test]
fn closer_words_rank_higher() {
    // Every body holds the same words; only where 竹子 stands differs.
    let body = |before: usize| {
        let mut sentences = vec!["今天好"; 4];
        sentences.insert(before, "竹子");
        let rest = sentences.join("。");
        if before == 0 {
            format!("熊猫{rest}。")
        } else {
            format!("熊猫。{rest}。")
        }
    };
    let articles: Vec<Value> = [
        ("side-by-side", 0),
        ("near", 1),
        ("within-clause", 2),
        ("far", 4),
    ]
    .iter()
    .map(|(id, before)| json!({"id": id, "title": "动物", "body": body(*before)}))
    .collect();
    let fixture = Fixture::of(&articles);
    let response = fixture.query("熊猫 竹子");
    assert_eq!(
        ids(&response),
        ["side-by-side", "near", "within-clause", "far"]
    );
    let scores: Vec<f32> = response.hits.iter().filter_map(|h| h.score).collect();
    assert_eq!(scores.len(), 4, "relevance order gives scores");
    assert!(
        scores.windows(2).all(|pair| pair[0] > pair[1]),
        "each step closer earns more: {scores:?}"
    );
}

/// Two common words side by side (工作要求) match too when the rarer words
/// find too few articles, and only side by side.
#[test]
fn common_words_side_by_side_match_where_rare_words_find_few() {
    let mut articles = numbered_issues(30, "简报", "今天的工作很多，领导提出了新的要求。");
    articles.push(json!({"id": "rare", "title": "进展", "body": "第一项任务已经完成。"}));
    articles
        .push(json!({"id": "pair", "title": "通知", "body": "通知提出三项工作要求，务必落实。"}));
    let fixture = Fixture::of(&articles);
    let question = "第一项工作要求是什么？";
    let response = fixture.query(question);
    let mut found = ids(&response);
    found.sort();
    assert_eq!(found, ["pair", "rare"], "工作 and 要求 apart do not match");
    let explanation = fixture.engine.explain(question, None).expect("explain");
    let text = explanation.plan.text.expect("plain words");
    let widening: Vec<String> = text
        .pairs
        .iter()
        .filter(|p| p.widening)
        .map(|p| format!("{}{}", p.first, p.second))
        .collect();
    assert_eq!(widening, ["工作要求"], "{:?}", text.pairs);
}

/// TESTPLAN 17: broken syntax gives a useful result and says what was ignored.
#[test]
fn broken_syntax_searches_what_it_can() {
    for text in [
        "\"防汛",
        "(防汛",
        "防汛)",
        "-",
        "AND OR",
        "nosuch:防汛",
        "防汛 OR",
        "title:",
        "published:[昨天 TO",
        // Found by fuzzing: tantivy panicked on a range open at both ends.
        "\"\"published:[ TO ",
        "防汛 published:[* TO *]",
    ] {
        let response = query(text);
        assert!(
            !response.ignored.is_empty(),
            "{text}: nothing reported as ignored"
        );
    }
    assert!(ids(&query("(防汛")).contains(&"drill"));
    assert!(ids(&query("nosuch:防汛")).contains(&"drill"));
}

/// TESTPLAN 18: very long queries are refused quickly; deep nesting is flattened.
#[test]
fn very_long_and_deeply_nested_queries() {
    // A pasted passage of 10,000 characters is searched; one more is refused.
    let sentence = "受持续强降雨影响，长江中下游水位上涨，各地全力防汛救灾。";
    let passage: String = sentence.chars().cycle().take(10_000).collect();
    let response = fixture()
        .engine
        .search(&SearchRequest {
            query: passage.clone(),
            ..SearchRequest::default()
        })
        .expect("a passage is searched");
    assert!(
        ids(&response).iter().any(|id| id.starts_with("flood")),
        "{:?}",
        ids(&response)
    );
    let error = fixture()
        .engine
        .search(&SearchRequest {
            query: format!("{passage}。"),
            ..SearchRequest::default()
        })
        .unwrap_err();
    assert!(
        matches!(
            error,
            EngineError::Request(RequestError::QueryTooLong {
                chars: 10_001,
                max: 10_000
            })
        ),
        "{error}"
    );
    let nested = format!("{}防汛{}", "(".repeat(400), ")".repeat(400));
    assert!(ids(&query(&nested)).contains(&"drill"));
}

/// TESTPLAN 19: punctuation, spaces and emoji give a fast empty result.
#[test]
fn punctuation_spaces_and_emoji_give_empty_results() {
    for text in [
        "？？！！。。",
        "     ",
        "😀😀😀",
        "",
        "\u{3000}\u{3000}",
        "“”《》",
    ] {
        let response = query(text);
        assert!(response.hits.is_empty() && response.total == 0, "{text:?}");
    }
}

/// TESTPLAN 20: page and size out of range, zero, negative, non-numeric: a clear error.
#[test]
fn bad_page_numbers_and_sizes_are_refused() {
    for (key, value, code) in [
        ("page", "0", ErrorCode::PageOutOfRange),
        ("page", "-1", ErrorCode::InvalidPage),
        ("page", "abc", ErrorCode::InvalidPage),
        ("page", "99999999999999999999", ErrorCode::InvalidPage),
        ("size", "0", ErrorCode::InvalidSize),
        ("size", "101", ErrorCode::InvalidSize),
        ("size", "1e9", ErrorCode::InvalidSize),
        ("page", "2000", ErrorCode::PageOutOfRange),
        ("sort", "sideways", ErrorCode::InvalidSort),
        ("from", "not a date", ErrorCode::InvalidDate),
    ] {
        let result = params(&[("q", "防汛"), (key, value)])
            .and_then(|r| fixture().engine.search(&r).map_err(ApiError::from));
        match result {
            Err(error) => assert_eq!(error.code, code, "{key}={value}: {}", error.message),
            Ok(response) => panic!("{key}={value}: searched, {} hits", response.total),
        }
    }
}

/// TESTPLAN 21: an expensive query stops at its time budget and says so.
#[test]
fn expensive_queries_answer_within_budget_flagged_partial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("many.jsonl");
    let common = [
        "发展", "工作", "建设", "经济", "社会", "国家", "人民", "城市",
    ];
    let lines: Vec<String> = (0..6_000)
        .map(|i| json!({"id": format!("m{i}"), "title": format!("第{i}号"), "body": format!("{}的第{i}篇", common.join("和"))}).to_string())
        .collect();
    std::fs::write(&input, lines.join("\n")).expect("write");
    let index = dir.path().join("index");
    assert!(
        search(&["index", "--index", arg(&index), arg(&input)])
            .status
            .success()
    );
    let mut engine = Engine::open(&index, Analysis::default_shared()).expect("open");
    let expensive = SearchRequest {
        query: common.join(" OR "),
        ..SearchRequest::default()
    };
    let full = engine.search(&expensive).expect("search");
    assert!(!full.partial);
    assert_eq!(full.total, 6_000);
    engine.limits.time_budget = Duration::ZERO;
    let cut = engine.search(&expensive).expect("search");
    assert!(
        cut.partial,
        "the budget ran out, so the answer must say partial"
    );
    assert!(cut.total < 6_000);

    // An index of small segments (one per run here; frequent commits in
    // life) is held to its budget too.
    let small = dir.path().join("small-segments");
    for (part, chunk) in lines.chunks(500).take(6).enumerate() {
        let input = dir.path().join(format!("part-{part}.jsonl"));
        std::fs::write(&input, chunk.join("\n")).expect("write");
        assert!(
            search(&["index", "--index", arg(&small), arg(&input)])
                .status
                .success()
        );
    }
    let mut engine = Engine::open(&small, Analysis::default_shared()).expect("open");
    assert!(engine.searcher().segment_readers().len() > 1);
    engine.limits.time_budget = Duration::ZERO;
    let cut = engine.search(&expensive).expect("search");
    assert!(cut.partial, "small segments must not escape the budget");
}

fn cli_query(index: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["query", "--index", arg(index)];
    args.extend_from_slice(extra);
    search(&args)
}

/// TESTPLAN 25: the CLI given the inputs of 17–20: clear errors, non-zero exit, no panic.
#[test]
fn cli_reports_bad_queries_clearly() {
    let index = &fixture().index;
    for bad in [
        vec!["防汛", "--page", "0"],
        vec!["防汛", "--size", "abc"],
        vec!["防汛", "--size", "100000"],
        vec!["防汛", "--from", "昨天"],
        vec!["防汛", "--sort", "sideways"],
    ] {
        let output = cli_query(index, &bad);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{bad:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).matches("invalid query").count() == 1,
            "{bad:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).contains("panicked"));
    }
    let long = "防汛".repeat(5_001);
    let output = cli_query(index, &[&long]);
    assert_eq!(output.status.code(), Some(3));
    for odd in ["\"防汛", "((((防汛", "？？！！", "😀", "-", "AND OR"] {
        let output = cli_query(index, &[odd, "--json"]);
        assert!(output.status.success(), "{odd}: {}", stderr(&output));
        let response: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert!(response["hits"].is_array());
    }
}

/// The CLI's JSON is the engine's response document; the listing is readable.
#[test]
fn cli_json_and_listing() {
    let index = &fixture().index;
    let output = cli_query(index, &["防汛", "--json", "--size", "3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let response: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for key in [
        "query", "page", "size", "total", "took_ms", "partial", "ignored", "hits", "facets",
    ] {
        assert!(response.get(key).is_some(), "missing {key}");
    }
    assert!(
        response["hits"][0]["snippet_html"]
            .as_str()
            .unwrap_or("")
            .contains("<mark>")
    );
    // NO_COLOR unset: the output is no terminal, so no colour either.
    let listing = stdout(&crate::util::search_allowing_colour(&[
        "query",
        "--index",
        arg(index),
        "防汛",
    ]));
    assert!(
        listing.contains("防汛") && !listing.contains("\x1b["),
        "no colour when not a terminal: {listing}"
    );
    let explain = cli_query(index, &["--explain", "防汛演习", "--id", "drill"]);
    assert!(
        stdout(&explain).contains("分词 segmented") && stdout(&explain).contains("drill matches"),
        "{}",
        stdout(&explain)
    );
}
