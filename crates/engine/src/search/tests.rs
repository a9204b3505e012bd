//! The search on a small temporary index written through the engine's own
//! writer: ranking, collapse, highlights, explain and related articles,
//! without the binary.

use chrono::TimeZone;

use super::*;
use crate::dates::beijing;
use crate::error::RequestError;
use crate::query::plan::Role;

fn article(id: &str, title: &str, body: &str, source: &str, day: u32) -> Article {
    Article {
        id: id.into(),
        url: None,
        title: title.into(),
        body: body.into(),
        source: Some(source.into()),
        author: None,
        published: beijing().with_ymd_and_hms(2023, 7, day, 9, 0, 0).single(),
        category: None,
        provenance: None,
    }
}

/// An index of a few articles, in a temporary directory, and an engine on it.
fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("tempdir");
    let analysis = Analysis::default_shared();
    let index = NewsIndex::open_or_create(dir.path(), &analysis).expect("index");
    let mut writer = index.writer(1, 32 << 20).expect("writer");
    let flood = "受持续强降雨影响，长江中下游水位上涨。各地全力防汛救灾，转移受灾群众。";
    for article in [
        article("flood", "长江中下游防汛形势严峻", flood, "新华社", 1),
        article(
            "flood-reprint",
            "长江中下游防汛形势严峻",
            flood,
            "人民网",
            2,
        ),
        article(
            "drill",
            "防汛应急演习在湖北举行",
            "湖北省举行防汛应急演习，检验抢险队伍的反应速度。",
            "新华社",
            3,
        ),
        article(
            "rescue",
            "湖北防汛抢险队伍集结待命",
            "湖北省防汛抢险队伍集结待命，应急演习检验了队伍的反应速度。",
            "中新网",
            4,
        ),
        article(
            "quake",
            "四川发生地震",
            "四川某地发生4.5级地震，暂无人员伤亡报告。",
            "央视网",
            5,
        ),
    ] {
        writer.upsert(&article).expect("upsert");
    }
    writer.commit("").expect("commit");
    writer.finish().expect("finish");
    let engine = Engine::open(dir.path(), analysis).expect("engine");
    (dir, engine)
}

fn search(engine: &Engine, request: SearchRequest) -> SearchResponse {
    engine.search(&request).expect("search")
}

fn ids(response: &SearchResponse) -> Vec<&str> {
    response.hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn the_article_holding_every_chunk_ranks_first_with_its_words_marked() {
    let (_dir, engine) = engine();
    let response = search(
        &engine,
        SearchRequest {
            query: "防汛 演习".into(),
            ..SearchRequest::default()
        },
    );
    assert_eq!(ids(&response)[0], "drill", "{:?}", ids(&response));
    let title = &response.hits[0].title;
    let marked: Vec<&str> = title
        .pieces()
        .into_iter()
        .filter(|(_, marked)| *marked)
        .map(|(piece, _)| piece)
        .collect();
    assert_eq!(marked, ["防汛", "演习"]);
    assert!(response.hits[0].score.is_some());
    assert_eq!(response.total, 4, "every article holding 防汛 matches");
}

#[test]
fn reprints_collapse_into_their_best_hit_naming_the_others() {
    let (_dir, engine) = engine();
    let request = SearchRequest {
        query: "长江 防汛".into(),
        ..SearchRequest::default()
    };
    let collapsed = search(&engine, request.clone());
    let lead = &collapsed.hits[0];
    let duplicates = lead.duplicates.as_ref().expect("the reprint is named");
    assert_eq!(duplicates.count, 1);
    assert!(lead.id.starts_with("flood") && duplicates.ids[0].starts_with("flood"));
    assert_ne!(lead.id, duplicates.ids[0]);
    let apart = search(
        &engine,
        SearchRequest {
            collapse: false,
            ..request
        },
    );
    assert_eq!(apart.hits.len(), collapsed.hits.len() + 1);
    assert!(apart.hits.iter().all(|h| h.duplicates.is_none()));
}

#[test]
fn sorts_by_date_give_no_scores_and_facets_count_the_matches() {
    let (_dir, engine) = engine();
    let response = search(
        &engine,
        SearchRequest {
            query: "防汛".into(),
            sort: Sort::Newest,
            collapse: false,
            ..SearchRequest::default()
        },
    );
    assert_eq!(
        ids(&response),
        ["rescue", "drill", "flood-reprint", "flood"]
    );
    assert!(response.hits.iter().all(|h| h.score.is_none()));
    let facets = response.facets.expect("facets");
    let xinhua = facets
        .source
        .iter()
        .find(|f| f.value == "新华社")
        .expect("新华社");
    assert_eq!(xinhua.count, 2);
    assert_eq!(facets.month[0].value, "2023-07");
    assert_eq!(facets.month[0].count, 4);
}

#[test]
fn requests_past_the_limits_are_refused() {
    let (_dir, engine) = engine();
    let error = engine
        .search(&SearchRequest {
            query: "防汛".into(),
            page: 0,
            ..SearchRequest::default()
        })
        .unwrap_err();
    assert!(
        matches!(error, EngineError::Request(RequestError::PageZero)),
        "{error}"
    );
}

#[test]
fn explain_gives_the_plan_and_why_an_article_matched_or_not() {
    let (_dir, engine) = engine();
    let explanation = engine.explain("長江 防汛", Some("drill")).expect("explain");
    assert_eq!(explanation.folded, "长江 防汛");
    let text = explanation.plan.text.as_ref().expect("plain words");
    assert!(
        text.words
            .iter()
            .any(|w| w.text == "防汛" && w.role == Role::Matches)
    );
    let article = explanation.article.expect("the article");
    assert!(article.matched && article.score.is_some_and(|s| s > 0.0));
    assert_eq!(
        (article.held, article.lacking),
        (vec!["防汛".to_string()], vec!["长江".to_string()])
    );
    let not = engine.explain("地震", Some("drill")).expect("explain");
    let article = not.article.expect("the article");
    assert!(!article.matched && article.score.is_none());
    assert_eq!(article.lacking, ["地震"]);
    assert!(matches!(
        engine.explain("防汛", Some("nope")),
        Err(EngineError::NotFound(_))
    ));
}

#[test]
fn related_articles_share_the_subject_but_are_not_the_article_or_its_reprints() {
    let (_dir, engine) = engine();
    let related = engine.related("drill", 3).expect("related");
    assert_eq!(related.first().map(|h| h.id.as_str()), Some("rescue"));
    assert!(related.iter().all(|h| h.id != "drill"));
    let related = engine.related("flood", 3).expect("related");
    assert!(
        related.iter().all(|h| !h.id.starts_with("flood")),
        "{related:?}"
    );
    assert!(matches!(
        engine.related("nope", 3),
        Err(EngineError::NotFound(_))
    ));
}

/// The first pass ranks by the matching words alone and the ranking parts
/// are added to its best: with room for every match, the two passes find
/// the articles the whole query finds, with the same scores.
#[test]
fn two_passes_score_every_match_as_the_whole_query_does() {
    use crate::query::compile::{Compiled, compile_in_two_passes};
    let (_dir, engine) = engine();
    let searcher = engine.searcher();
    // Some twenty words, so an article must hold three.
    let passage = "受持续强降雨影响，长江中下游水位上涨，各地全力防汛救灾，转移受灾群众。\
                   湖北省举行防汛应急演习，检验抢险队伍的反应速度，四川也派出了队伍。"
        .repeat(2);
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    // Filters and a passage's minimum leave nothing to prune: one pass.
    for query in ["防汛 source:新华社", "防汛 -地震 应急", passage.as_str()] {
        let plan = engine.plan(&searcher, query, &Filters::default(), Sort::Relevance);
        let compiled = compile_in_two_passes(&plan, engine.index().fields(), 0);
        assert!(compiled.passes.is_none(), "{query}: one pass");
    }
    for query in [
        "防汛 演习",
        "湖北防汛抢险队伍在哪里集结？",
        "长江 水位 上涨",
    ] {
        let plan = engine.plan(&searcher, query, &Filters::default(), Sort::Relevance);
        let two = compile_in_two_passes(&plan, engine.index().fields(), 0);
        assert!(two.passes.is_some(), "{query}: ranked in two passes");
        let one = Compiled {
            query: two.query.box_clone(),
            passes: None,
        };
        let names = crate::facets::SourceNames::default();
        let run = |compiled: &Compiled| {
            let partial = Arc::new(AtomicBool::new(false));
            let collected = ranking::collect(
                &searcher,
                compiled,
                Sort::Relevance,
                100,
                ranking::Counting {
                    facets: Some(&names),
                    exactly_up_to: tally::COUNTED_EXACTLY,
                },
                deadline,
                &partial,
            )
            .expect("collect");
            let hits: Vec<(tantivy::DocAddress, f32)> = collected
                .candidates
                .iter()
                .map(|c| (c.address, c.score.expect("scored")))
                .collect();
            (hits, collected.total, collected.facets)
        };
        let ((one_hits, one_total, one_facets), (two_hits, two_total, two_facets)) =
            (run(&one), run(&two));
        assert!(!one_hits.is_empty(), "{query}: finds articles");
        assert_eq!(one_total, two_total, "{query}: totals");
        assert_eq!(one_facets, two_facets, "{query}: facets");
        assert_eq!(one_hits.len(), two_hits.len(), "{query}: hits");
        for ((a, a_score), (b, b_score)) in one_hits.iter().zip(&two_hits) {
            assert_eq!(a, b, "{query}: order");
            assert!(
                (a_score - b_score).abs() < 1e-3,
                "{query}: {a_score} vs {b_score}"
            );
        }
    }
}

/// Past the bound of matches counted one by one, the total and the facets
/// come from a sample and say so; under it they are exact; the hits are the
/// same either way.
#[test]
fn totals_past_the_bound_are_estimated_from_a_sample_and_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let analysis = Analysis::default_shared();
    let index = NewsIndex::open_or_create(dir.path(), &analysis).expect("index");
    let mut writer = index.writer(1, 32 << 20).expect("writer");
    let sources = ["新华社", "人民网", "中新网", "央视网"];
    for n in 0..4_000u32 {
        // Every article holds 防汛; one in four also 演习, from one source.
        let drill = if n % 4 == 0 {
            "举行应急演习，"
        } else {
            ""
        };
        let body = format!("第{n}号通报：{drill}各地做好防汛准备。");
        let source = sources[(n % 7 % 4) as usize];
        let day = n % 28 + 1;
        writer
            .upsert(&article(&format!("a{n}"), "通报", &body, source, day))
            .expect("upsert");
        if n % 1_000 == 999 {
            // Several segments, as a real index has.
            writer.commit("").expect("commit");
        }
    }
    writer.commit("").expect("commit");
    writer.finish().expect("finish");
    let mut sampled = Engine::open(dir.path(), analysis).expect("engine");
    sampled.two_passes_from = 0;
    sampled.counted_exactly = 200;
    let mut exact = sampled.clone();
    exact.counted_exactly = u64::MAX;
    let request = SearchRequest {
        query: "防汛 演习".into(),
        collapse: false,
        ..SearchRequest::default()
    };
    let (estimate, counted) = (search(&sampled, request.clone()), search(&exact, request));
    assert!(
        counted.total_exact && counted.total == 4_000,
        "{}",
        counted.total
    );
    assert!(!estimate.total_exact, "the sample is marked");
    let off = |estimate: u64, exact: u64| (estimate as f64 / exact as f64 - 1.0).abs();
    assert!(
        off(estimate.total as u64, 4_000) < 0.05,
        "{}",
        estimate.total
    );
    let (a, b) = (
        estimate.facets.clone().expect("facets"),
        counted.facets.clone().expect("facets"),
    );
    for value in &b.source {
        let sampled = a
            .source
            .iter()
            .find(|v| v.value == value.value)
            .expect("source");
        assert!(
            off(sampled.count, value.count) < 0.15,
            "{value:?} ~ {sampled:?}"
        );
    }
    assert_eq!(ids(&estimate), ids(&counted), "the same hits");
    // The same sample every time.
    let again = search(
        &sampled,
        SearchRequest {
            query: "防汛 演习".into(),
            collapse: false,
            ..SearchRequest::default()
        },
    );
    assert_eq!((again.total, again.facets), (estimate.total, Some(a)));
    // Under the bound (演习 alone: 1,000 articles) every match is counted.
    sampled.counted_exactly = 1_000;
    let under = search(
        &sampled,
        SearchRequest {
            query: "应急 演习".into(),
            ..SearchRequest::default()
        },
    );
    assert!(under.total_exact && under.total == 1_000, "{}", under.total);
    // Sorted by date, the page is every match's newest, and the counts
    // are sampled past the bound as well.
    sampled.counted_exactly = 200;
    let newest = SearchRequest {
        query: "防汛".into(),
        collapse: false,
        sort: Sort::Newest,
        ..SearchRequest::default()
    };
    let (estimate, counted) = (
        search(&sampled, newest.clone()),
        search(&exact, newest.clone()),
    );
    assert!(counted.total_exact && counted.total == 4_000);
    assert!(!estimate.total_exact, "the sample is marked");
    assert!(
        off(estimate.total as u64, 4_000) < 0.05,
        "{}",
        estimate.total
    );
    assert_eq!(ids(&estimate), ids(&counted), "the same hits");
    let dates: Vec<_> = estimate.hits.iter().map(|h| h.published).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    assert_eq!(dates[0], article("", "", "", "", 28).published);
}
