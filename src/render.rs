//! What a person reads at a terminal: result listings and explanations.

use std::fmt::Write;
use std::io::IsTerminal;

use xunwen_engine::SearchResponse;
use xunwen_engine::search::Explanation;

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Turns the HTML form of a snippet into terminal text: `<mark>` becomes bold
/// yellow (or nothing without colour), entities are decoded.
fn terminal_text(html: &str, colour: bool) -> String {
    let (open, close) = if colour {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("", "")
    };
    let marked = html.replace("<mark>", open).replace("</mark>", close);
    html_escape::decode_html_entities(&marked).into_owned()
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
    let _ = writeln!(
        out,
        "{}",
        dim(&format!(
            "共 {} 条结果 {} hits, 第 {} 页 page {}, {:.1} ms{}",
            response.total,
            response.total,
            response.page,
            response.page,
            response.took_ms,
            if response.partial {
                " (partial: time budget reached)"
            } else {
                ""
            }
        ))
    );
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
            terminal_text(&hit.title_html, colour)
        );
        let meta = [hit.source.clone().unwrap_or_default(), date, hit.id.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let _ = writeln!(out, "     {}", dim(&meta));
        if !hit.snippet_html.is_empty() {
            let _ = writeln!(
                out,
                "     {}",
                terminal_text(&hit.snippet_html, colour).replace('\n', " ")
            );
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

pub fn explanation(explanation: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "查询 query:     {}", explanation.query);
    let _ = writeln!(out, "归一 folded:    {}", explanation.folded);
    let _ = writeln!(out, "分词 segmented: {}", explanation.segmented.join(" / "));
    for clause in &explanation.clauses {
        let _ = writeln!(out, "子句 clause:    {clause}");
    }
    for terms in &explanation.terms {
        let _ = writeln!(out, "字段 {}: {}", terms.fields, terms.terms.join(", "));
    }
    for ignored in &explanation.ignored {
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
        let _ = writeln!(out, "{}", article.detail);
    }
    out
}
