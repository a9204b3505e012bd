//! Small text clean-ups shared by the extractors.

/// Collapses runs of ASCII whitespace to one space (NBSP and U+3000 are kept
/// inside a line, as the page shows them).
pub fn collapse_ascii_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// Trims a line of ASCII whitespace, NBSP, U+3000 and stray BOMs.
pub fn trim_line(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

/// Collapses whitespace in every line, trims it and drops the empty ones.
pub fn clean_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    lines
        .into_iter()
        .map(|line| trim_line(&collapse_ascii_whitespace(line)).to_string())
        .filter(|line| !line.is_empty())
        .collect()
}

/// Normalises a URL into an id: scheme and `www.` dropped, host lower case,
/// fragment and trailing slash removed.
pub fn normalize_url(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host.is_empty() {
        return None;
    }
    Some(format!("{host}/{}", path.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_collapsed() {
        assert_eq!(
            clean_lines(["  a \t b ", "", "\u{3000}中文\u{a0}", " \u{a0} "]),
            vec!["a b", "中文"]
        );
    }

    #[test]
    fn urls_normalise() {
        assert_eq!(
            normalize_url("https://WWW.Example.com/a/b/#x").as_deref(),
            Some("example.com/a/b")
        );
        assert_eq!(
            normalize_url("http://example.com").as_deref(),
            Some("example.com/")
        );
        assert_eq!(normalize_url("not a url"), None);
    }
}
