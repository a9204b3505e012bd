//! Highlighted text as HTML, in one place: the text escaped, only the
//! engine's marks added as `<mark>`. The JSON endpoint and the page both
//! use it, so a site that inserts `title_html` gets exactly what the page
//! shows.

use xunwen_engine::snippet::Highlighted;

/// Escapes text for HTML element content and quoted attributes alike.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

/// The text escaped, with its marked pieces in `<mark>`.
pub fn marked(text: &Highlighted) -> String {
    let mut html = String::with_capacity(text.text.len() + 13 * text.marks.len());
    for (piece, is_marked) in text.pieces() {
        if is_marked {
            html.push_str("<mark>");
            html.push_str(&escape(piece));
            html.push_str("</mark>");
        } else {
            html.push_str(&escape(piece));
        }
    }
    html
}

/// HTML already escaped, to be inserted as it is into a template.
#[derive(Debug, Clone, Default)]
pub struct Markup(pub String);

impl std::fmt::Display for Markup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xunwen_engine::snippet::Highlighter;

    #[test]
    fn article_markup_is_escaped_and_only_marks_added() {
        let highlighter = Highlighter::new(&["新闻".to_string()]);
        let text = highlighter.highlight("<script>alert('新闻')</script>&\"");
        assert_eq!(
            marked(&text),
            "&lt;script&gt;alert(&#x27;<mark>新闻</mark>&#x27;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
