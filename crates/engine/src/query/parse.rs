//! The query language, parsed leniently: what can be understood is searched,
//! and what was ignored is reported back. Parsing never fails.
//!
//! - plain words, in any mix of Chinese, English and digits;
//! - `"..."` an exact phrase; `-word` or `-"..."` excludes;
//! - `a OR b` either of two;
//! - `title:…`, `source:…`, `category:…`, `author:…`;
//! - `published:[2023-01-01 TO 2023-06-30]`, with `*` for an open end.
//!
//! ```
//! use xunwen_engine::query::parse::{parse, Clause};
//! let parsed = parse(r#"长江 "防汛救灾" -演习 source:新华社"#);
//! assert_eq!(parsed.clauses.len(), 4);
//! assert!(parsed.ignored.is_empty());
//! ```

use chrono::{DateTime, FixedOffset};

use super::reading::is_passage;
use crate::dates::{parse_date_bound, parse_date_upper_bound};

/// The longest query accepted, in characters (a longer one is refused).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many clauses are searched; the rest is reported as ignored.
pub const MAX_CLAUSES: usize = 64;

/// Which stored field a clause is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Title and body.
    Text,
    Title,
    Body,
    Source,
    Category,
    Author,
}

/// One understood part of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// Free text to segment into words.
    Words {
        text: String,
        scope: Scope,
        negated: bool,
    },
    /// An exact character sequence.
    Phrase {
        text: String,
        scope: Scope,
        negated: bool,
    },
    /// A date range (either end open).
    Published {
        from: Option<DateTime<FixedOffset>>,
        to: Option<DateTime<FixedOffset>>,
    },
    /// Either side matches.
    Or(Vec<Clause>),
}

/// The result of parsing: clauses to search, and what was ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
    pub ignored: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
}

/// Splits on whitespace, keeping quoted phrases (an unclosed quote runs to the
/// end) and `field:[a TO b]` ranges together.
fn tokenize(query: &str, ignored: &mut Vec<String>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    let mut current = String::new();
    let flush = |current: &mut String, tokens: &mut Vec<Token>| {
        if !current.is_empty() {
            tokens.push(Token::Word(std::mem::take(current)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '“' | '”' | '「' | '」' => {
                let closing = |c: char| matches!(c, '"' | '”' | '“' | '」');
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && !closing(chars[end]) {
                    end += 1;
                }
                if end == chars.len() {
                    ignored.push("unclosed quote: searched as a phrase to the end".into());
                }
                let phrase: String = chars[start..end].iter().collect();
                // A prefix such as `-` or `title:` glued to the quote belongs to it.
                let prefix = std::mem::take(&mut current);
                tokens.push(Token::Quoted(format!("{prefix}\u{0}{phrase}")));
                i = end + 1;
            }
            '[' if current.ends_with(':') => {
                let end = chars[i..].iter().position(|c| *c == ']').map(|p| i + p);
                let stop = end.unwrap_or(chars.len());
                current.extend(&chars[i..stop]);
                current.push(']');
                if end.is_none() {
                    ignored.push("unclosed range bracket".into());
                }
                flush(&mut current, &mut tokens);
                i = stop + 1;
            }
            c if c.is_whitespace() => {
                flush(&mut current, &mut tokens);
                i += 1;
            }
            '(' | ')' | '（' | '）' => {
                if !ignored.iter().any(|s| s.starts_with("parentheses")) {
                    ignored.push(
                        "parentheses (grouping is not supported; searched without it)".into(),
                    );
                }
                flush(&mut current, &mut tokens);
                i += 1;
            }
            _ => {
                current.push(c);
                i += 1;
            }
        }
    }
    flush(&mut current, &mut tokens);
    tokens
}

fn scope_of(field: &str) -> Option<Scope> {
    Some(match field.to_ascii_lowercase().as_str() {
        "title" | "标题" => Scope::Title,
        "body" | "text" | "正文" => Scope::Body,
        "source" | "来源" => Scope::Source,
        "category" | "栏目" => Scope::Category,
        "author" | "作者" => Scope::Author,
        _ => return None,
    })
}

fn parse_range(value: &str, ignored: &mut Vec<String>) -> Option<Clause> {
    let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
    let (from, to) = match inner
        .split_once(" TO ")
        .or_else(|| inner.split_once(" to "))
    {
        Some((from, to)) => (from.trim(), to.trim()),
        None => (inner.trim(), inner.trim()),
    };
    let bound = |text: &str, ignored: &mut Vec<String>| {
        if text.is_empty() || text == "*" {
            return Some(None);
        }
        match parse_date_bound(text) {
            Some(date) => Some(Some(date)),
            None => {
                ignored.push(format!("unreadable date `{text}`"));
                None
            }
        }
    };
    let from = bound(from, ignored)?;
    let to = bound(to, ignored)?.and_then(|_| parse_date_upper_bound(to));
    if from.is_none() && to.is_none() {
        ignored.push(format!("`published:{value}` has no date at either end"));
        return None;
    }
    Some(Clause::Published { from, to })
}

fn clause_of(token: &Token, ignored: &mut Vec<String>) -> Option<Clause> {
    let (prefix, body, quoted) = match token {
        Token::Quoted(t) => {
            let (prefix, phrase) = t.split_once('\u{0}').unwrap_or(("", t));
            (prefix.to_string(), phrase.to_string(), true)
        }
        Token::Word(w) => (String::new(), w.clone(), false),
    };
    let mut head = if quoted { prefix } else { body.clone() };
    let negated = head.starts_with('-') || head.starts_with('－');
    if negated {
        head = head.chars().skip(1).collect();
    }
    let mut scope = Scope::Text;
    let mut value = if quoted { body } else { head.clone() };
    if let Some((field, rest)) = head.split_once([':', '：']) {
        if field.eq_ignore_ascii_case("published") || field == "date" || field == "日期" {
            return parse_range(if quoted { &value } else { rest }, ignored);
        }
        match scope_of(field) {
            Some(field_scope) => {
                scope = field_scope;
                if !quoted {
                    value = rest.to_string();
                }
            }
            None if !field.is_empty() && field.chars().all(|c| c.is_ascii_alphabetic()) => {
                ignored.push(format!("unknown field `{field}:` (searched as text)"));
                if !quoted {
                    value = rest.to_string();
                }
            }
            None => {}
        }
    }
    if value.trim().is_empty() {
        if negated || !head.is_empty() {
            ignored.push(format!(
                "`{}` has nothing to search",
                if head.is_empty() { "-" } else { &head }
            ));
        }
        return None;
    }
    Some(if quoted {
        Clause::Phrase {
            text: value,
            scope,
            negated,
        }
    } else {
        Clause::Words {
            text: value,
            scope,
            negated,
        }
    })
}

/// Parses a query string. Never fails: see [`ParsedQuery::ignored`].
///
/// A pasted passage is read as plain text whole: its quotation marks,
/// dashes, parentheses and colons (`来源：`) are the passage's own, not
/// operators.
pub fn parse(query: &str) -> ParsedQuery {
    if is_passage(query) {
        return ParsedQuery {
            clauses: vec![Clause::Words {
                text: query.to_string(),
                scope: Scope::Text,
                negated: false,
            }],
            ignored: Vec::new(),
        };
    }
    let mut ignored = Vec::new();
    let tokens = tokenize(query, &mut ignored);
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending_or = false;
    for token in &tokens {
        if let Token::Word(word) = token {
            match word.as_str() {
                "OR" | "|" | "||" => {
                    if clauses.is_empty() {
                        ignored.push("`OR` with nothing before it".into());
                    } else {
                        pending_or = true;
                    }
                    continue;
                }
                "AND" | "&&" | "+" => continue,
                _ => {}
            }
        }
        let Some(clause) = clause_of(token, &mut ignored) else {
            continue;
        };
        if pending_or {
            pending_or = false;
            let previous = clauses.pop().expect("checked non-empty");
            let mut alternatives = match previous {
                Clause::Or(alternatives) => alternatives,
                other => vec![other],
            };
            alternatives.push(clause);
            clauses.push(Clause::Or(alternatives));
        } else {
            clauses.push(clause);
        }
    }
    if pending_or {
        ignored.push("`OR` with nothing after it".into());
    }
    if clauses.len() > MAX_CLAUSES {
        ignored.push(format!(
            "{} clauses past the first {MAX_CLAUSES}",
            clauses.len() - MAX_CLAUSES
        ));
        clauses.truncate(MAX_CLAUSES);
    }
    ParsedQuery { clauses, ignored }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Clause {
        Clause::Words {
            text: text.into(),
            scope: Scope::Text,
            negated: false,
        }
    }

    #[test]
    fn operators() {
        let parsed =
            parse(r#"防汛 -演习 "长江 中下游" title:暴雨 a OR b published:[2023-01-01 TO *]"#);
        assert_eq!(parsed.clauses[0], words("防汛"));
        assert_eq!(
            parsed.clauses[1],
            Clause::Words {
                text: "演习".into(),
                scope: Scope::Text,
                negated: true
            }
        );
        assert_eq!(
            parsed.clauses[2],
            Clause::Phrase {
                text: "长江 中下游".into(),
                scope: Scope::Text,
                negated: false
            }
        );
        assert_eq!(
            parsed.clauses[3],
            Clause::Words {
                text: "暴雨".into(),
                scope: Scope::Title,
                negated: false
            }
        );
        assert_eq!(parsed.clauses[4], Clause::Or(vec![words("a"), words("b")]));
        assert!(matches!(
            parsed.clauses[5],
            Clause::Published {
                from: Some(_),
                to: None
            }
        ));
        assert!(parsed.ignored.is_empty(), "{:?}", parsed.ignored);
    }

    #[test]
    fn syntax_errors_are_reported_not_fatal() {
        let parsed = parse(r#"(防汛 "长江 - AND OR nosuch:词"#);
        assert!(!parsed.clauses.is_empty());
        assert!(
            parsed.ignored.iter().any(|s| s.contains("parentheses")),
            "{:?}",
            parsed.ignored
        );
        assert!(
            parsed.ignored.iter().any(|s| s.contains("unclosed quote")),
            "{:?}",
            parsed.ignored
        );
        let parsed = parse("- OR AND nosuch:词 published:[昨天 TO 明天]");
        assert!(
            parsed.ignored.iter().any(|s| s.contains("nothing")),
            "{:?}",
            parsed.ignored
        );
        assert!(
            parsed.ignored.iter().any(|s| s.contains("unknown field")),
            "{:?}",
            parsed.ignored
        );
        assert!(
            parsed.ignored.iter().any(|s| s.contains("unreadable date")),
            "{:?}",
            parsed.ignored
        );
    }

    /// Found by `fuzz::fuzz_the_query_language_through_the_search`: a range
    /// with no date at either end reached tantivy, which panics on it.
    #[test]
    fn date_range_open_at_both_ends_is_ignored() {
        for query in ["published:[", "published:[ TO ", "published:[* TO *]"] {
            let parsed = parse(query);
            assert!(parsed.clauses.is_empty(), "{query}: {:?}", parsed.clauses);
            assert!(
                parsed.ignored.iter().any(|s| s.contains("no date")),
                "{query}: {:?}",
                parsed.ignored
            );
        }
    }

    #[test]
    fn negated_and_scoped_phrases() {
        let parsed = parse(r#"-"新闻联播" title:"国际联播快讯""#);
        assert_eq!(
            parsed.clauses[0],
            Clause::Phrase {
                text: "新闻联播".into(),
                scope: Scope::Text,
                negated: true
            }
        );
        assert_eq!(
            parsed.clauses[1],
            Clause::Phrase {
                text: "国际联播快讯".into(),
                scope: Scope::Title,
                negated: false
            }
        );
    }
}
