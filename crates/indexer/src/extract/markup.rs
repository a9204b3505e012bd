//! Whether text is HTML, decided in one place: a `.txt` that is a whole HTML
//! page is read as a page; a JSON body holding paragraph markup is read as
//! an HTML fragment.

/// How much HTML a text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// A whole page: it opens with a tag and has an `<html>` element.
    Document,
    /// Paragraphs or line breaks written as tags inside running text.
    Fragment,
    None,
}

pub fn markup_of(text: &str) -> Markup {
    let lower = text.to_ascii_lowercase();
    if text.trim_start().starts_with('<') && lower.contains("<html") {
        return Markup::Document;
    }
    if lower.contains("</p>") || lower.contains("<br") || lower.contains("</div>") {
        return Markup::Fragment;
    }
    Markup::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_fragments_and_plain_text_are_told_apart() {
        assert_eq!(
            markup_of("\n<!DOCTYPE html><HTML><body>新闻</body></HTML>"),
            Markup::Document
        );
        assert_eq!(markup_of("<p>第一段</p><p>第二段</p>"), Markup::Fragment);
        assert_eq!(markup_of("第一段<BR>第二段"), Markup::Fragment);
        assert_eq!(markup_of("正文里说到 <html> 标签。"), Markup::None);
        assert_eq!(markup_of("1 < 2，但 3 > 2。"), Markup::None);
    }
}
