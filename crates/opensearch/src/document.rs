//! An article as the cluster holds it: what is shown, in `_source`, and
//! Xunwen's tokens of title and body, each at its own position.
//!
//! ```
//! use xunwen_engine::analysis::char_tokens;
//! use xunwen_opensearch::document::encode_tokens;
//! // `，` makes no token: its position is a placeholder.
//! assert_eq!(encode_tokens(&char_tokens("新闻，联播")), "新 闻 _ 联 播");
//! ```

use serde_json::{Map, Value, json};
use xunwen_engine::Article;
use xunwen_engine::analysis::{Analysis, AnalyzedToken, char_tokens, keyword};
use xunwen_engine::article::simhash;

use crate::template::{GAP, MAX_PIECE_CHARS, STACK, fields};

/// A token's text as the cluster can hold it: without whitespace and the
/// stacking mark (which Xunwen's tokens never hold), and never the
/// placeholder.
fn clean(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != STACK)
        .collect();
    (!cleaned.is_empty() && cleaned != GAP).then_some(cleaned)
}

/// Tokens as the token fields take them: in position order, one
/// space-separated piece per position, `_` where no token stands, tokens of
/// one position joined by `|`.
pub fn encode_tokens(tokens: &[AnalyzedToken]) -> String {
    let mut sorted: Vec<&AnalyzedToken> = tokens.iter().collect();
    sorted.sort_by_key(|t| t.position);
    // The piece of each position, from 0 to the last token's.
    let mut pieces: Vec<String> = Vec::new();
    for token in sorted {
        let Some(text) = clean(&token.text) else {
            continue;
        };
        while pieces.len() <= token.position {
            pieces.push(GAP.to_string());
        }
        let piece = &mut pieces[token.position];
        if piece == GAP {
            if text.chars().count() <= MAX_PIECE_CHARS {
                *piece = text;
            }
        } else if piece.chars().count() + 1 + text.chars().count() <= MAX_PIECE_CHARS {
            // Another token at the same place.
            piece.push(STACK);
            piece.push_str(&text);
        }
    }
    pieces.join(" ")
}

/// A query's run of tokens as `match_phrase` text: the same encoding, so
/// the analyzer gives the query the positions the article's tokens have.
pub fn phrase_text(tokens: &[AnalyzedToken]) -> String {
    let first = tokens.iter().map(|t| t.position).min().unwrap_or(0);
    let shifted: Vec<AnalyzedToken> = tokens
        .iter()
        .map(|t| AnalyzedToken {
            position: t.position - first,
            ..t.clone()
        })
        .collect();
    encode_tokens(&shifted)
}

/// Two words, the second `offset` characters after the first.
pub fn pair_text(first: &str, second: &str, offset: usize) -> String {
    let token = |text: &str, position| AnalyzedToken {
        text: text.to_string(),
        position,
        offset_from: 0,
        offset_to: 0,
    };
    encode_tokens(&[token(first, 0), token(second, offset.max(1))])
}

/// The document of an article.
pub fn document(article: &Article, analysis: &Analysis) -> Value {
    use fields::*;
    let mut doc = Map::new();
    doc.insert(ID.into(), json!(article.id));
    if let Some(url) = &article.url {
        doc.insert(URL.into(), json!(url));
    }
    doc.insert(TITLE.into(), json!(article.title));
    doc.insert(BODY.into(), json!(article.body));
    doc.insert(
        TITLE_WORDS.into(),
        json!(encode_tokens(&analysis.words(&article.title))),
    );
    doc.insert(
        BODY_WORDS.into(),
        json!(encode_tokens(&analysis.words(&article.body))),
    );
    doc.insert(
        TITLE_CHARS.into(),
        json!(encode_tokens(&char_tokens(&article.title))),
    );
    doc.insert(
        BODY_CHARS.into(),
        json!(encode_tokens(&char_tokens(&article.body))),
    );
    for (field, key, value) in [
        (SOURCE, SOURCE_KEY, &article.source),
        (AUTHOR, AUTHOR_KEY, &article.author),
        (CATEGORY, CATEGORY_KEY, &article.category),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            doc.insert(field.into(), json!(value));
            doc.insert(key.into(), json!(keyword(value)));
        }
    }
    if let Some(published) = article.published {
        doc.insert(PUBLISHED.into(), json!(published.timestamp()));
    }
    doc.insert(CLUSTER.into(), json!(article.cluster().to_string()));
    doc.insert(SIMHASH.into(), json!(simhash(&article.body).to_string()));
    if let Some(provenance) = &article.provenance {
        doc.insert(PROVENANCE.into(), json!(provenance));
    }
    Value::Object(doc)
}

/// An article read back from `_source`, as the local index gives it back
/// (dates in Beijing time, to the second).
pub fn article_of(source: &Value) -> Article {
    use fields::*;
    let text = |field: &str| source[field].as_str().map(str::to_string);
    Article {
        id: text(ID).unwrap_or_default(),
        url: text(URL),
        title: text(TITLE).unwrap_or_default(),
        body: text(BODY).unwrap_or_default(),
        source: text(SOURCE),
        author: text(AUTHOR),
        published: source[PUBLISHED]
            .as_i64()
            .or_else(|| source[PUBLISHED].as_str().and_then(|s| s.parse().ok()))
            .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
            .map(|d| d.with_timezone(&xunwen_engine::dates::beijing())),
        category: text(CATEGORY),
        provenance: text(PROVENANCE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str, position: usize) -> AnalyzedToken {
        AnalyzedToken {
            text: text.into(),
            position,
            offset_from: 0,
            offset_to: 0,
        }
    }

    #[test]
    fn tokens_keep_their_positions_with_gaps_and_stacks() {
        let tokens = [
            token("中华", 0),
            token("华人", 1),
            token("人民", 2),
            token("共和", 4),
            token("共和国", 4),
            token("中华人民共和国", 0),
            token("成立", 7),
        ];
        assert_eq!(
            encode_tokens(&tokens),
            "中华|中华人民共和国 华人 人民 _ 共和|共和国 _ _ 成立"
        );
        assert_eq!(encode_tokens(&[token("a", 2)]), "_ _ a");
        assert_eq!(encode_tokens(&[]), "");
    }

    #[test]
    fn pairs_and_phrases_start_at_zero() {
        assert_eq!(pair_text("北京", "冬奥", 2), "北京 _ 冬奥");
        assert_eq!(phrase_text(&[token("a", 5), token("b", 7)]), "a _ b");
    }

    #[test]
    fn articles_come_back_as_they_went() {
        let article = Article {
            id: "x1".into(),
            url: Some("https://example.com/1".into()),
            title: "标题".into(),
            body: "正文。".into(),
            source: Some("新华社".into()),
            published: xunwen_engine::dates::parse_date_bound("2023-02-24"),
            ..Article::default()
        };
        let doc = document(&article, &Analysis::default_shared());
        assert_eq!(article_of(&doc), article);
        assert_eq!(doc[fields::SOURCE_KEY], "新华社");
    }
}
