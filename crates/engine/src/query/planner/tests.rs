//! The planner on made-up statistics: no index, only numbers.

use super::*;
use crate::query::parse::parse;
use crate::query::plan::{PlannedPair, PlannedWord, Role, SpanScore, WordClass};
use crate::query::stats::FixedStatistics;

/// 1,000 articles; each word in this many of them.
fn statistics() -> FixedStatistics {
    FixedStatistics::new(
        1_000,
        &[
            ("防汛", 12),   // rare: 1.2%
            ("长江", 30),   // rare
            ("要求", 90),   // common: 9%
            ("工作", 400),  // very common: 40%
            ("发展", 300),  // very common
            ("李丰", 2),    // rare
            ("广东省", 40), // rare
            ("侨联", 3),    // rare
            ("主席", 45),   // rare
            ("第一项", 5),  // rare, and finds few
            ("情况", 80),   // common
            ("紫外线", 9),  // rare
        ],
    )
}

fn plan_with(query: &str, weights: Weights) -> Plan {
    let statistics = statistics();
    let planner = Planner {
        analysis: &Analysis::default_shared(),
        statistics: &statistics,
        weights,
        synonyms: None,
    };
    planner.plan(&parse(query), &Filters::default(), Sort::Relevance)
}

fn plan(query: &str) -> Plan {
    plan_with(query, Weights::default())
}

fn text(query: &str) -> TextPlan {
    plan(query).text.expect("plain words")
}

fn word<'a>(text: &'a TextPlan, word: &str) -> &'a PlannedWord {
    text.words
        .iter()
        .find(|w| w.text == word)
        .unwrap_or_else(|| panic!("{word} not planned: {:?}", text.words))
}

fn pair<'a>(text: &'a TextPlan, first: &str, second: &str) -> Option<&'a PlannedPair> {
    text.pairs
        .iter()
        .find(|p| p.first == first && p.second == second)
}

#[test]
fn a_rare_word_matches() {
    let text = text("防汛");
    let planned = word(&text, "防汛");
    assert_eq!(
        (planned.class, planned.role),
        (WordClass::Rare, Role::Matches)
    );
    assert_eq!(planned.document_frequency, 12);
}

#[test]
fn a_common_word_ranks_what_the_rare_words_find() {
    let text = text("防汛 要求");
    let planned = word(&text, "要求");
    assert_eq!(
        (planned.class, planned.role),
        (WordClass::Common, Role::Ranks)
    );
}

#[test]
fn a_very_common_word_beside_a_rare_one_only_counts_in_its_pairs() {
    let text = text("防汛 工作");
    let planned = word(&text, "工作");
    assert_eq!(
        (planned.class, planned.role),
        (WordClass::VeryCommon, Role::Proximity)
    );
    assert!(pair(&text, "防汛", "工作").is_some(), "{:?}", text.pairs);
}

#[test]
fn with_no_rare_word_every_word_matches() {
    let text = text("工作 发展");
    for planned in &text.words {
        assert_eq!(planned.role, Role::Matches, "{planned:?}");
    }
}

#[test]
fn a_word_no_article_holds_is_searched_as_characters_and_never_narrows() {
    let text = text("防汛 旋涡星云");
    let planned = word(&text, "旋涡星云");
    assert_eq!(
        (planned.class, planned.role),
        (WordClass::Characters, Role::Ranks)
    );
    // Alone it matches: there is nothing else to match on.
    let text = self::text("旋涡星云");
    assert_eq!(word(&text, "旋涡星云").role, Role::Matches);
}

#[test]
fn common_words_side_by_side_widen_where_rare_words_find_few() {
    // 第一项 is in 5 articles: too few to fill a page of results.
    let text = text("第一项工作要求是什么？");
    let widening = pair(&text, "工作", "要求").expect("the common pair");
    assert!(
        widening.widening && widening.title_weight > 0.0,
        "{widening:?}"
    );
    assert!(widening.windows.iter().any(|w| w.slop == 0));
    // In a larger archive 长江 finds enough: the pair ranks but does not widen.
    let statistics = FixedStatistics::new(10_000, &[("长江", 300), ("工作", 4_000), ("要求", 900)]);
    let planner = Planner {
        analysis: &Analysis::default_shared(),
        statistics: &statistics,
        weights: Weights::default(),
        synonyms: None,
    };
    let plan = planner.plan(
        &parse("长江工作要求是什么？"),
        &Filters::default(),
        Sort::Relevance,
    );
    let text = plan.text.expect("plain words");
    assert!(!pair(&text, "工作", "要求").expect("the pair").widening);
}

#[test]
fn the_kind_of_a_query() {
    assert_eq!(text("李丰 广东省侨联主席").kind, QueryKind::Keywords);
    assert_eq!(text("什么情况下紫外线会强烈？").kind, QueryKind::Question);
    assert_eq!(text("紫外线强烈吗").kind, QueryKind::Question);
    let passage = "2018年1月15日，被告人酒后驾驶小型轿车沿大道由南往北行驶至基地路段时被在该处执勤的民警检查，经现场酒精吹气检测，测试结果显示其血液中乙醇含量为195毫克每100毫升，随即被告人被交警带至医院抽取血样，并将血样送至物证鉴定所检验。";
    assert!(crate::query::reading::is_passage(passage));
    assert_eq!(text(passage).kind, QueryKind::Passage);
    // A long list of names and phrases, with no sentence in it, is keywords.
    let list = "习近平 全面贯彻党的二十大精神 全国组织工作会议精神 党的十八大 古田全军政治工作会议 党的建设 历史性成就 重要经验 全面从严治党 全面从严治军 党对军队绝对领导 备战打仗能力 管党治党政治责任";
    assert_eq!(text(list).kind, QueryKind::Keywords);
}

#[test]
fn keyword_chunks_are_exact_spans_held() {
    let text = text("李丰 广东省侨联主席");
    let spans: Vec<(&str, SpanScore)> = text
        .spans
        .iter()
        .map(|s| (s.text.as_str(), s.score))
        .collect();
    assert_eq!(
        spans,
        [
            ("李丰", SpanScore::Held),
            ("广东省侨联主席", SpanScore::Held)
        ]
    );
    assert!(
        text.spans
            .iter()
            .all(|s| s.weight == Weights::default().chunk)
    );
    // Single characters are left to the words.
    assert!(self::text("防汛 水").spans.iter().all(|s| s.text != "水"));
}

#[test]
fn a_passage_searches_its_most_telling_words_any_tenth_of_which_match() {
    let passage = "工作要求发展。".repeat(20) + "防汛工作长江防汛，紫外线防汛。";
    let weights = Weights {
        passage_words: 4,
        ..Weights::default()
    };
    let text = plan_with(&passage, weights).text.expect("plain words");
    assert_eq!(text.kind, QueryKind::Passage);
    // By how often the passage holds them and how few articles do
    // ((1 + ln n) × idf): 要求 (20 times, in 90 articles) 9.6, 防汛 (3, 12)
    // 9.2, 发展 (20, 300) 4.8, 紫外线 (1, 9) 4.7; 工作 (21, 400) 3.7 and
    // 长江 (1, 30) 3.5 are left.
    let chosen: Vec<&str> = text.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(chosen, ["要求", "防汛", "发展", "紫外线"]);
    // Common or not, each chosen word matches.
    assert!(text.words.iter().all(|w| w.role == Role::Matches));
    assert_eq!(word(&text, "发展").class, WordClass::VeryCommon);
    assert_eq!(text.minimum_match, 1);
    // Clauses are spans scored by BM25.
    assert!(text.spans.iter().all(|s| s.score == SpanScore::Bm25));
    assert!(text.spans.iter().any(|s| s.text == "紫外线防汛"));
    let wide = plan(&passage).text.expect("plain words");
    assert_eq!(
        wide.minimum_match,
        (wide.words.len() as f32 * 0.1).ceil() as usize
    );
}

#[test]
fn a_passage_is_read_as_text_whole() {
    let passage = format!("“{}”，来源：新华社 -演习 title:防汛", "防汛".repeat(60));
    let plan = plan(&passage);
    assert!(
        plan.required.is_empty() && plan.excluded.is_empty(),
        "{plan:?}"
    );
    assert_eq!(plan.text.expect("plain words").kind, QueryKind::Passage);
}

#[test]
fn operators_become_conditions() {
    let plan = plan(r#"长江 "防汛救灾" -演习 source:新华社 published:[2023-01-01 TO *]"#);
    assert!(!plan.text_required, "a phrase says what matches");
    assert!(plan.required.contains(&Condition::Phrase {
        text: "防汛救灾".into(),
        fields: TextFields::TitleAndBody
    }));
    assert!(plan.required.contains(&Condition::Keyword {
        field: KeywordField::Source,
        value: "新华社".into()
    }));
    assert!(plan.required.iter().any(|c| matches!(
        c,
        Condition::Published {
            from: Some(_),
            to: None
        }
    )));
    assert_eq!(
        plan.excluded,
        [Condition::Phrase {
            text: "演习".into(),
            fields: TextFields::TitleAndBody
        }]
    );
    assert!(plan.highlight.contains(&"长江".to_string()));
}

#[test]
fn filters_and_only_punctuation() {
    let statistics = statistics();
    let planner = Planner {
        analysis: &Analysis::default_shared(),
        statistics: &statistics,
        weights: Weights::default(),
        synonyms: None,
    };
    let filters = Filters {
        source: Some("新华社".into()),
        ..Filters::default()
    };
    let plan = planner.plan(&parse(""), &filters, Sort::Newest);
    assert!(!plan.is_empty() && plan.text.is_none());
    assert_eq!(plan.sort, Sort::Newest);
    assert!(
        planner
            .plan(&parse("，。！"), &Filters::default(), Sort::Relevance)
            .is_empty()
    );
}

fn plan_with_synonyms(query: &str, rules: &str) -> Plan {
    let statistics = statistics();
    let synonyms = crate::query::synonyms::Synonyms::parse(rules).expect("rules");
    let planner = Planner {
        analysis: &Analysis::default_shared(),
        statistics: &statistics,
        weights: Weights::default(),
        synonyms: Some(&synonyms),
    };
    planner.plan(&parse(query), &Filters::default(), Sort::Relevance)
}

#[test]
fn an_equivalent_set_gives_the_word_its_other_forms_in_the_plan() {
    let plan = plan_with_synonyms("防汛 长江", "长江, 扬子江\n");
    let text = plan.text.expect("plain words");
    assert_eq!(word(&text, "长江").synonyms, ["扬子江"]);
    assert!(word(&text, "防汛").synonyms.is_empty());
    assert_eq!(text.synonyms.len(), 1);
    assert_eq!(text.synonyms[0].lines, [1]);
    assert!(
        plan.highlight.contains(&"扬子江".to_string()),
        "{:?}",
        plan.highlight
    );
}

#[test]
fn a_one_way_rule_searches_the_replacement_and_it_matches() {
    let text = plan_with_synonyms("防汛 新冠", "新冠 => 新型冠状病毒")
        .text
        .expect("words");
    assert!(
        text.words.iter().all(|w| w.text != "新冠"),
        "{:?}",
        text.words
    );
    let replaced = word(&text, "新型冠状病毒");
    // No article holds it as a word here, yet the rule names it: it matches.
    assert_eq!(replaced.class, WordClass::Characters);
    assert_eq!(replaced.role, Role::Matches);
}
