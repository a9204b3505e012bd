//! What a person reads at a terminal: result listings and explanations.

use std::fmt::Write;
use std::io::IsTerminal;

use xunwen_engine::SearchResponse;
use xunwen_engine::query::plan::{Condition, SpanScore, TextFields, TextPlan};
use xunwen_engine::query::synonyms::RuleKind;
use xunwen_engine::search::Explanation;
use xunwen_engine::snippet::Highlighted;
use xunwen_server::present::summary;

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Highlighted text for a terminal: the marked pieces bold yellow (or as
/// they are, without colour), on one line.
fn terminal_text(text: &Highlighted, colour: bool) -> String {
    let mut out = String::with_capacity(text.text.len());
    for (piece, marked) in text.pieces() {
        if marked && colour {
            out.push_str("\x1b[1;33m");
            out.push_str(piece);
            out.push_str("\x1b[0m");
        } else {
            out.push_str(piece);
        }
    }
    out.replace('\n', " ")
}

pub fn listing(response: &SearchResponse, colour: bool) -> String {
    let mut out = String::new();
    let dim = |s: &str| {
        if colour {
            format!("\x1b[2m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let _ = writeln!(out, "{}", dim(&summary(response)));
    for ignored in &response.ignored {
        let _ = writeln!(out, "{}", dim(&format!("已忽略 ignored: {ignored}")));
    }
    let first = (response.page - 1) * response.size;
    for (i, hit) in response.hits.iter().enumerate() {
        let date = hit
            .published
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{:>3}. {}",
            first + i + 1,
            terminal_text(&hit.title, colour)
        );
        let meta = [hit.source.clone().unwrap_or_default(), date, hit.id.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let _ = writeln!(out, "     {}", dim(&meta));
        if !hit.snippet.text.is_empty() {
            let _ = writeln!(out, "     {}", terminal_text(&hit.snippet, colour));
        }
        if let Some(duplicates) = &hit.duplicates {
            let _ = writeln!(
                out,
                "     {}",
                dim(&format!(
                    "另有 {} 篇转载 also ran: {}",
                    duplicates.count,
                    duplicates.sources.join("、")
                ))
            );
        }
    }
    if response.hits.is_empty() {
        let _ = writeln!(out, "没有找到结果 no results");
    }
    out
}

fn fields_name(fields: TextFields) -> &'static str {
    match fields {
        TextFields::TitleAndBody => "title and body",
        TextFields::Title => "title",
        TextFields::Body => "body",
    }
}

fn condition(clause: &Condition) -> String {
    match clause {
        Condition::Phrase { text, fields } => format!("\"{text}\" in {}", fields_name(*fields)),
        Condition::AllWords { words, fields } => {
            format!(
                "every word of {} in {}",
                words.join(" "),
                fields_name(*fields)
            )
        }
        Condition::Text(text) => {
            let words: Vec<&str> = text.words.iter().map(|w| w.text.as_str()).collect();
            format!("any of {}", words.join(" "))
        }
        Condition::Keyword { field, value } => format!("{field:?} = {value}").to_lowercase(),
        Condition::Published { from, to } => {
            let date = |d: &Option<chrono::DateTime<chrono::FixedOffset>>| {
                d.map_or("*".to_string(), |d| d.format("%Y-%m-%d %H:%M").to_string())
            };
            format!("published {} — {}", date(from), date(to))
        }
        Condition::Ids(ids) => format!("one of {} articles", ids.len()),
        Condition::AnyOf(conditions) => conditions
            .iter()
            .map(condition)
            .collect::<Vec<_>>()
            .join(" OR "),
        Condition::Nothing => "nothing (a clause with no searchable text)".into(),
    }
}

/// The synonym rules a text plan applied.
fn synonyms(out: &mut String, text: &TextPlan) {
    for expansion in &text.synonyms {
        let kind = match expansion.kind {
            RuleKind::Equivalent => "equivalent",
            RuleKind::OneWay => "one way",
        };
        let lines: Vec<String> = expansion.lines.iter().map(|l| l.to_string()).collect();
        let _ = writeln!(
            out,
            "同义 synonyms: {} -> {} ({kind}, line {})",
            expansion.term,
            expansion.forms.join(" | "),
            lines.join(", ")
        );
    }
}

fn text_plan(out: &mut String, text: &TextPlan) {
    let _ = writeln!(
        out,
        "类型 kind:      {:?} (a word in the title counts ×{}; an article matches with {} of the matching words)",
        text.kind, text.title_weight, text.minimum_match
    );
    let _ = writeln!(out, "词 words:");
    for word in &text.words {
        let _ = writeln!(
            out,
            "  {:<12} {:<12} {:<10} in {:>7} articles, weight {}",
            word.text,
            format!("{:?}", word.class).to_lowercase(),
            format!("{:?}", word.role).to_lowercase(),
            word.document_frequency,
            word.weight
        );
    }
    for span in &text.spans {
        let scored = match span.score {
            SpanScore::Held => "held",
            SpanScore::Bm25 => "× BM25",
        };
        let _ = writeln!(
            out,
            "片段 span:      \"{}\" as exact characters, {scored} {}",
            span.text, span.weight
        );
    }
    for pair in &text.pairs {
        let windows: Vec<String> = pair
            .windows
            .iter()
            .map(|w| {
                if w.slop == 0 {
                    format!("side by side {}", w.weight)
                } else {
                    format!("within {} characters {}", w.slop, w.weight)
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "词对 pair:      {} + {}: {}{}{}",
            pair.first,
            pair.second,
            windows.join(", "),
            if pair.title_weight > 0.0 {
                format!(", side by side in the title {}", pair.title_weight)
            } else {
                String::new()
            },
            if pair.widening { " (also matches)" } else { "" }
        );
    }
    if let Some(coverage) = &text.coverage {
        let _ = writeln!(
            out,
            "覆盖 coverage:  {} of {} ({}), weight {}",
            coverage.minimum,
            coverage.words.len(),
            coverage.words.join(" "),
            coverage.weight
        );
    }
}

pub fn explanation(explanation: &Explanation) -> String {
    let mut out = String::new();
    let plan = &explanation.plan;
    let _ = writeln!(out, "查询 query:     {}", explanation.query);
    let _ = writeln!(out, "归一 folded:    {}", explanation.folded);
    let _ = writeln!(out, "分词 segmented: {}", explanation.segmented.join(" / "));
    if let Some(text) = &plan.text {
        synonyms(&mut out, text);
        text_plan(&mut out, text);
        if !plan.text_required {
            let _ = writeln!(
                out,
                "                (the words only rank: the conditions below say what matches)"
            );
        }
    }
    for required in &plan.required {
        let _ = writeln!(out, "必须 required:  {}", condition(required));
    }
    for excluded in &plan.excluded {
        let _ = writeln!(out, "排除 excluded:  {}", condition(excluded));
    }
    let _ = writeln!(out, "排序 sort:      {:?}", plan.sort);
    for ignored in &plan.ignored {
        let _ = writeln!(out, "已忽略 ignored: {ignored}");
    }
    if let Some(article) = &explanation.article {
        let verdict = if article.matched {
            "matches"
        } else {
            "does not match"
        };
        let _ = writeln!(
            out,
            "\n{} {verdict}{}",
            article.id,
            article
                .score
                .map(|s| format!(", score {s:.3}"))
                .unwrap_or_default()
        );
        if article.matched {
            let _ = writeln!(out, "{}", article.detail);
        } else {
            let list = |words: &[String]| {
                if words.is_empty() {
                    "-".to_string()
                } else {
                    words.join(", ")
                }
            };
            let _ = writeln!(
                out,
                "holds {}; lacks {} (to match, an article holds a matching word, every required condition, and no excluded one)",
                list(&article.held),
                list(&article.lacking)
            );
        }
    }
    out
}
