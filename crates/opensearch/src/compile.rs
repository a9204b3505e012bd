//! One step from the engine's [`Plan`] to OpenSearch query DSL, clause by
//! clause as `xunwen_engine::query::compile` builds tantivy queries: word
//! terms in title and body, exact runs of the character view, the
//! proximity bonus, the minimum of matching words, boosts, filters.
//!
//! Where tantivy and Lucene differ, the DSL is chosen to rank the same:
//!
//! - positions: the token fields hold Xunwen's positions (see
//!   [`crate::template`]), and phrase texts are encoded the same way
//!   ([`crate::document::phrase_text`]), so `match_phrase` matches exactly
//!   where tantivy's phrase does;
//! - proximity: Xunwen counts every match within a window alike, where
//!   Lucene's sloppy phrase weighs a match `d` positions off as `1/(1+d)`
//!   (which ranked the dev questions differently enough to lose 0.03 of
//!   Recall@100); so each distance is an exact phrase of its own (see
//!   [`pair_windows`]);
//! - a constant score (a span held) is a `constant_score` boost; filters
//!   are `constant_score` with boost 0: they say what matches, never how
//!   well;
//! - term statistics are the whole index's (`dfs_query_then_fetch`).

use chrono::{DateTime, FixedOffset};
use serde_json::{Value, json};
use xunwen_engine::analysis::char_tokens;
use xunwen_engine::query::plan::{
    Condition, KeywordField, Plan, PlannedPair, Role, SpanScore, TextFields, TextPlan, WordClass,
};

use crate::document::{pair_text, phrase_text};
use crate::template::fields;

/// The `query` of a search for a plan.
pub fn compile(plan: &Plan) -> Value {
    if plan.is_empty() {
        return match_none();
    }
    let mut must = Vec::new();
    let mut should = Vec::new();
    let mut must_not = Vec::new();
    if let Some(text) = plan.text.as_ref().filter(|t| !t.is_empty()) {
        if plan.text_required {
            must.push(compile_text(text));
        } else {
            should.push(compile_text(text));
        }
    }
    for condition in &plan.required {
        must.push(compile_condition(condition));
    }
    for condition in &plan.excluded {
        must_not.push(compile_condition(condition));
    }
    let mut bool_query = serde_json::Map::new();
    for (occur, clauses) in [("must", must), ("should", should), ("must_not", must_not)] {
        if !clauses.is_empty() {
            bool_query.insert(occur.into(), Value::Array(clauses));
        }
    }
    // As tantivy: with a required clause, a `should` only adds to the score.
    if bool_query.contains_key("should") {
        let minimum = if bool_query.contains_key("must") {
            0
        } else {
            1
        };
        bool_query.insert("minimum_should_match".into(), json!(minimum));
    }
    json!({ "bool": bool_query })
}

fn match_none() -> Value {
    json!({ "match_none": {} })
}

fn term(field: &str, text: &str) -> Value {
    json!({ "term": { field: { "value": text } } })
}

fn boosted(mut query: Value, weight: f32) -> Value {
    if (weight - 1.0).abs() < f32::EPSILON {
        return query;
    }
    // Every query this module makes is `{ kind: { ... } }`; term and phrase
    // queries have their field one level further down.
    if let Some((_, inner)) = query.as_object_mut().and_then(|o| o.iter_mut().next()) {
        let target = match inner.as_object() {
            Some(o) if o.len() == 1 && o.values().next().is_some_and(Value::is_object) => {
                inner.as_object_mut().and_then(|o| o.values_mut().next())
            }
            _ => Some(inner),
        };
        if let Some(Value::Object(target)) = target {
            let previous = target.get("boost").and_then(Value::as_f64).unwrap_or(1.0);
            target.insert("boost".into(), json!(previous * f64::from(weight)));
        }
    }
    query
}

/// Matches as `query` does, scoring `score`.
fn constant(query: Value, score: f32) -> Value {
    json!({ "constant_score": { "filter": query, "boost": score } })
}

fn unscored(query: Value) -> Value {
    constant(query, 0.0)
}

fn any_of(mut queries: Vec<Value>) -> Value {
    match queries.len() {
        0 => match_none(),
        1 => queries.pop().expect("one query"),
        _ => json!({ "bool": { "should": queries, "minimum_should_match": 1 } }),
    }
}

fn at_least(queries: Vec<Value>, minimum: usize) -> Value {
    json!({ "bool": { "should": queries, "minimum_should_match": minimum } })
}

/// An exact run of characters in a character-view field.
fn chars_phrase(field: &str, text: &str) -> Option<Value> {
    let tokens = char_tokens(text);
    match tokens.as_slice() {
        [] => None,
        [only] => Some(term(field, &only.text)),
        _ => Some(json!({ "match_phrase": { field: { "query": phrase_text(&tokens) } } })),
    }
}

/// Two words as in the query, within `slop` (0: side by side).
fn pair_phrase(field: &str, pair: &PlannedPair, slop: u32) -> Value {
    let text = pair_text(&pair.first, &pair.second, pair.first.chars().count());
    json!({ "match_phrase": { field: { "query": text, "slop": slop } } })
}

/// Distance phrases one query may hold. A cluster refuses a query of more
/// than 1,024 terms in all (`indices.query.bool.max_clause_count`), and
/// each phrase holds two; the words and spans keep the rest. Pairs past
/// this (keywords of a dozen words and more) score as sloppy phrases.
const DISTANCE_PHRASES: usize = 320;

/// Share of the other distances' scores added to the best one's: stands in
/// for BM25 counting an article's matches at several distances together.
/// In a local build scoring as this query does, 0.1 ranked the dev
/// questions closest to the local index (97.7% mean top-10 overlap, against
/// 95.1% at 0.375 and 96.7% at 0).
const PAIR_TIE_BREAKER: f32 = 0.1;

/// The proximity bonus of a pair: one exact phrase for each distance of the
/// second word from where it would stand side by side, within the widest
/// window, weighted by the windows holding that distance (the second word
/// may come first). `None` when no window has weight, or when the phrases
/// would pass what is left of `budget` (which they then leave alone).
fn pair_windows(field: &str, pair: &PlannedPair, budget: &mut usize) -> Option<Value> {
    let windows: Vec<_> = pair.windows.iter().filter(|w| w.weight > 0.0).collect();
    let widest = i64::from(windows.iter().map(|w| w.slop).max()?);
    let side_by_side = pair.first.chars().count() as i64;
    let mut phrases = Vec::new();
    for distance in -widest..=widest {
        let weight: f32 = windows
            .iter()
            .filter(|w| distance.unsigned_abs() <= u64::from(w.slop))
            .map(|w| w.weight)
            .sum();
        let at = side_by_side + distance;
        let text = match at {
            1.. => pair_text(&pair.first, &pair.second, at as usize),
            ..0 => pair_text(&pair.second, &pair.first, at.unsigned_abs() as usize),
            // Both at one position (stacked tokens): a phrase reads tokens
            // at one position as alternatives, so it cannot ask for both.
            0 => continue,
        };
        let phrase = json!({ "match_phrase": { field: { "query": text } } });
        phrases.push(boosted(phrase, weight));
    }
    *budget = budget.checked_sub(phrases.len())?;
    Some(json!({ "dis_max": { "queries": phrases, "tie_breaker": PAIR_TIE_BREAKER } }))
}

fn chars_fields(fields: TextFields) -> &'static [&'static str] {
    match fields {
        TextFields::Title => &[fields::TITLE_CHARS],
        TextFields::Body => &[fields::BODY_CHARS],
        TextFields::TitleAndBody => &[fields::TITLE_CHARS, fields::BODY_CHARS],
    }
}

fn keyword_field(field: KeywordField) -> &'static str {
    match field {
        KeywordField::Source => fields::SOURCE_KEY,
        KeywordField::Category => fields::CATEGORY_KEY,
        KeywordField::Author => fields::AUTHOR_KEY,
    }
}

fn phrase(text: &str, fields: TextFields) -> Value {
    any_of(
        chars_fields(fields)
            .iter()
            .filter_map(|field| chars_phrase(field, text))
            .collect(),
    )
}

/// Scored plain words: the matching part decides which articles match,
/// the ranking part adds to their scores.
fn compile_text(text: &TextPlan) -> Value {
    let mut matching: Vec<Value> = Vec::new();
    let mut ranking: Vec<Value> = Vec::new();
    for word in &text.words {
        let mut clauses = Vec::new();
        let weighted = |field_weight: f32| field_weight * word.weight;
        if word.class == WordClass::Characters {
            for (field, weight) in [
                (fields::TITLE_CHARS, text.title_weight),
                (fields::BODY_CHARS, 1.0),
            ] {
                clauses
                    .extend(chars_phrase(field, &word.text).map(|q| boosted(q, weighted(weight))));
            }
        } else {
            clauses.push(boosted(
                term(fields::TITLE_WORDS, &word.text),
                weighted(text.title_weight),
            ));
            clauses.push(boosted(term(fields::BODY_WORDS, &word.text), weighted(1.0)));
        }
        match word.role {
            Role::Matches => matching.push(any_of(clauses)),
            Role::Ranks => ranking.extend(clauses),
            Role::Proximity => {}
        }
    }
    if let Some(coverage) = &text.coverage {
        let body_terms = coverage
            .words
            .iter()
            .map(|word| term(fields::BODY_WORDS, word))
            .collect();
        ranking.push(boosted(
            at_least(body_terms, coverage.minimum),
            coverage.weight,
        ));
    }
    let mut budget = DISTANCE_PHRASES;
    for pair in &text.pairs {
        match pair_windows(fields::BODY_WORDS, pair, &mut budget) {
            Some(distances) => ranking.push(distances),
            // Lucene weighs a match d positions off as 1/(1+d): close to
            // Xunwen's windows, not the same.
            None => ranking.extend(
                pair.windows
                    .iter()
                    .filter(|w| w.weight > 0.0)
                    .map(|window| {
                        boosted(
                            pair_phrase(fields::BODY_WORDS, pair, window.slop),
                            window.weight,
                        )
                    }),
            ),
        }
        if pair.title_weight > 0.0 {
            ranking.push(boosted(
                pair_phrase(fields::TITLE_WORDS, pair, 0),
                pair.title_weight,
            ));
        }
        if pair.widening {
            let either = any_of(vec![
                pair_phrase(fields::TITLE_WORDS, pair, 0),
                pair_phrase(fields::BODY_WORDS, pair, 0),
            ]);
            matching.push(unscored(either));
        }
    }
    for span in &text.spans {
        if span.score == SpanScore::Held {
            let held = phrase(&span.text, TextFields::TitleAndBody);
            ranking.push(constant(held, span.weight));
            continue;
        }
        for (field, weight) in [
            (fields::TITLE_CHARS, text.title_weight),
            (fields::BODY_CHARS, 1.0),
        ] {
            ranking
                .extend(chars_phrase(field, &span.text).map(|q| boosted(q, weight * span.weight)));
        }
    }
    if matching.is_empty() {
        return any_of(ranking);
    }
    let matching = if text.minimum_match > 1 && matching.len() > 1 {
        let minimum = text.minimum_match.min(matching.len());
        at_least(matching, minimum)
    } else {
        any_of(matching)
    };
    if ranking.is_empty() {
        return matching;
    }
    json!({ "bool": { "must": [matching], "should": [any_of(ranking)] } })
}

fn compile_condition(condition: &Condition) -> Value {
    match condition {
        Condition::Phrase { text, fields } => phrase(text, *fields),
        Condition::AllWords { words, fields } => {
            let (word_field, chars_field) = match fields {
                TextFields::Title => (fields::TITLE_WORDS, fields::TITLE_CHARS),
                _ => (fields::BODY_WORDS, fields::BODY_CHARS),
            };
            let each: Vec<Value> = words
                .iter()
                .map(|word| {
                    let mut either = vec![term(word_field, word)];
                    either.extend(chars_phrase(chars_field, word));
                    any_of(either)
                })
                .collect();
            json!({ "bool": { "must": each } })
        }
        Condition::Text(text) => compile_text(text),
        Condition::Keyword { field, value } => unscored(term(keyword_field(*field), value)),
        Condition::Published { from, to } => unscored(date_range(*from, *to)),
        Condition::Ids(ids) => unscored(json!({ "terms": { fields::ID: ids.as_ref() } })),
        Condition::AnyOf(conditions) => any_of(conditions.iter().map(compile_condition).collect()),
        Condition::Nothing => match_none(),
    }
}

fn date_range(from: Option<DateTime<FixedOffset>>, to: Option<DateTime<FixedOffset>>) -> Value {
    if from.is_none() && to.is_none() {
        return json!({ "match_all": {} });
    }
    let mut range = serde_json::Map::new();
    if let Some(from) = from {
        range.insert("gte".into(), json!(from.timestamp()));
    }
    if let Some(to) = to {
        range.insert("lte".into(), json!(to.timestamp()));
    }
    range.insert("format".into(), json!("epoch_second"));
    json!({ "range": { fields::PUBLISHED: range } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xunwen_engine::query::plan::{PlannedSpan, PlannedWord, Window};

    fn word(text: &str, role: Role) -> PlannedWord {
        PlannedWord {
            text: text.into(),
            class: WordClass::Rare,
            role,
            document_frequency: 3,
            weight: 1.0,
            synonyms: Vec::new(),
        }
    }

    #[test]
    fn words_match_with_a_minimum_and_pairs_rank_by_window() {
        let text = TextPlan {
            synonyms: Vec::new(),
            kind: xunwen_engine::query::plan::QueryKind::Keywords,
            words: vec![word("北京", Role::Matches), word("冬奥", Role::Matches)],
            spans: vec![PlannedSpan {
                text: "北京冬奥".into(),
                weight: 2.0,
                score: SpanScore::Held,
            }],
            pairs: vec![PlannedPair {
                first: "北京".into(),
                second: "冬奥".into(),
                windows: vec![
                    Window {
                        slop: 8,
                        weight: 0.5,
                    },
                    Window {
                        slop: 0,
                        weight: 1.0,
                    },
                ],
                widening: false,
                title_weight: 0.0,
            }],
            coverage: None,
            minimum_match: 2,
            title_weight: 3.0,
        };
        let query = compile_text(&text);
        let matching = &query["bool"]["must"][0]["bool"];
        assert_eq!(matching["minimum_should_match"], 2);
        assert_eq!(
            matching["should"][0]["bool"]["should"][0]["term"]["title_words"]["boost"],
            3.0
        );
        let ranking = query["bool"]["should"][0]["bool"]["should"]
            .as_array()
            .unwrap();
        // 北京 is 2 characters: 冬奥 side by side stands 2 on; 8 either
        // way of that, every distance but the first word's own position.
        let distances = ranking[0]["dis_max"]["queries"].as_array().unwrap();
        assert_eq!(distances.len(), 16);
        let side_by_side = &distances[7]["match_phrase"]["body_words"];
        assert_eq!(side_by_side["query"], "北京 _ 冬奥");
        assert_eq!(side_by_side["boost"], 1.5);
        let after = &distances[8]["match_phrase"]["body_words"];
        assert_eq!(after["query"], "北京 _ _ 冬奥");
        assert_eq!(after["boost"], 0.5);
        let before = &distances[0]["match_phrase"]["body_words"];
        assert_eq!(before["query"], "冬奥 _ _ _ _ _ 北京");
        assert_eq!(ranking[1]["constant_score"]["boost"], 2.0);
    }

    /// Terms as the cluster counts them against its clause limit.
    fn terms_in(query: &Value) -> usize {
        match query {
            Value::Object(map) => map
                .iter()
                .map(|(key, value)| match (key.as_str(), value) {
                    ("term", _) => 1,
                    ("match_phrase", Value::Object(fields)) => fields
                        .values()
                        .filter_map(|f| f["query"].as_str())
                        .map(|text| text.split(' ').filter(|piece| *piece != "_").count())
                        .sum(),
                    _ => terms_in(value),
                })
                .sum(),
            Value::Array(items) => items.iter().map(terms_in).sum(),
            _ => 0,
        }
    }

    #[test]
    fn many_pairs_fall_back_to_sloppy_phrases_within_the_clause_limit() {
        let texts: Vec<String> = (0..30).map(|i| format!("词{i:02}")).collect();
        let pair = |first: &String, second: &String| PlannedPair {
            first: first.clone(),
            second: second.clone(),
            windows: vec![
                Window {
                    slop: 13,
                    weight: 0.5,
                },
                Window {
                    slop: 5,
                    weight: 0.3,
                },
            ],
            widening: false,
            title_weight: 0.0,
        };
        let text = TextPlan {
            synonyms: Vec::new(),
            kind: xunwen_engine::query::plan::QueryKind::Keywords,
            words: texts.iter().map(|t| word(t, Role::Matches)).collect(),
            spans: Vec::new(),
            pairs: texts.windows(2).map(|w| pair(&w[0], &w[1])).collect(),
            coverage: None,
            minimum_match: 1,
            title_weight: 2.0,
        };
        let query = compile_text(&text);
        let ranking = query["bool"]["should"][0]["bool"]["should"]
            .as_array()
            .unwrap();
        let by_distance = ranking
            .iter()
            .filter(|q| q.get("dis_max").is_some())
            .count();
        let sloppy = ranking
            .iter()
            .filter(|q| q["match_phrase"]["body_words"]["slop"].as_u64().is_some())
            .count();
        // 3-character words: 27 distances but the first word's own
        // position, 26 phrases a pair; 320 / 26 = 12 pairs.
        assert_eq!(by_distance, 12);
        assert_eq!(sloppy, 2 * (29 - 12));
        assert!(terms_in(&query) <= 1024, "{} terms", terms_in(&query));
    }

    #[test]
    fn filters_never_score_and_open_ranges_limit_nothing() {
        let keyword = compile_condition(&Condition::Keyword {
            field: KeywordField::Source,
            value: "新华社".into(),
        });
        assert_eq!(keyword["constant_score"]["boost"], 0.0);
        assert_eq!(
            keyword["constant_score"]["filter"]["term"]["source_key"]["value"],
            "新华社"
        );
        assert_eq!(date_range(None, None), json!({ "match_all": {} }));
    }
}
