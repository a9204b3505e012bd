//! One step from the engine's [`Plan`] to OpenSearch query DSL, clause by
//! clause as `xunwen_engine::query::compile` builds tantivy queries: word
//! terms in title and body, exact runs of the character view, the
//! proximity bonus, the minimum of matching words, boosts, filters.
//!
//! Where tantivy and Lucene differ, the DSL is chosen to rank the same:
//!
//! - positions: the token fields hold Xunwen's positions (see
//!   [`crate::template`]), and phrase texts are encoded the same way
//!   ([`crate::document::phrase_text`]), so `match_phrase` (with `slop` for
//!   the proximity windows) matches exactly where tantivy's phrase does;
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

/// Two words side by side, as in the query, within `slop`.
fn pair_phrase(field: &str, pair: &PlannedPair, slop: u32) -> Value {
    let text = pair_text(&pair.first, &pair.second, pair.first.chars().count());
    json!({ "match_phrase": { field: { "query": text, "slop": slop } } })
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
    for pair in &text.pairs {
        // Each window scores as a sloppy phrase, the closer the more.
        for window in pair.windows.iter().filter(|w| w.weight > 0.0) {
            ranking.push(boosted(
                pair_phrase(fields::BODY_WORDS, pair, window.slop),
                window.weight,
            ));
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
        let wide = &ranking[0]["match_phrase"]["body_words"];
        assert_eq!(wide["query"], "北京 _ 冬奥");
        assert_eq!(wide["slop"], 8);
        assert_eq!(wide["boost"], 0.5);
        assert_eq!(ranking[2]["constant_score"]["boost"], 2.0);
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
