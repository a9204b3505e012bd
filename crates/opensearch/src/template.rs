//! The index Xunwen writes on the cluster. Everything Chinese is done by
//! Xunwen before the text leaves: the word and character fields receive
//! Xunwen's own tokens, space-separated, and the cluster only splits them
//! again (built-in analysis only, so a managed OpenSearch does too):
//!
//! - the `whitespace` tokenizer splits the tokens;
//! - a `stop` filter drops the placeholder `_` and leaves its position
//!   empty, so a token lands at the very position Xunwen gave it (positions
//!   count characters, a two-character word is followed by one placeholder);
//! - a `pattern_capture` filter splits tokens joined by `|` into tokens at
//!   one position (jieba's search mode puts `中华人民共和国` and `中华` at
//!   the same place).
//!
//! Word fields are scored by BM25 with overlapping tokens counted in the
//! length, as tantivy counts them. The original title and body are kept in
//! `_source` (not indexed); the token fields are left out of it.

use serde_json::{Value, json};

use crate::client::{Client, ClusterError, Method, path_segment};

/// The analyzer of the token fields.
pub const TOKENS_ANALYZER: &str = "xunwen_tokens";
/// The placeholder of an empty position.
pub const GAP: &str = "_";
/// Joins tokens that share a position.
pub const STACK: char = '|';
/// Longest whitespace-separated piece the cluster keeps whole (characters).
pub const MAX_PIECE_CHARS: usize = 4096;

/// Field names on the cluster.
pub mod fields {
    pub const ID: &str = "id";
    pub const URL: &str = "url";
    pub const TITLE: &str = "title";
    pub const BODY: &str = "body";
    pub const TITLE_WORDS: &str = "title_words";
    pub const BODY_WORDS: &str = "body_words";
    pub const TITLE_CHARS: &str = "title_chars";
    pub const BODY_CHARS: &str = "body_chars";
    /// As given (shown, counted in facets).
    pub const SOURCE: &str = "source";
    pub const AUTHOR: &str = "author";
    pub const CATEGORY: &str = "category";
    /// Folded as Xunwen folds keywords (searched by `source:` and filters).
    pub const SOURCE_KEY: &str = "source_key";
    pub const AUTHOR_KEY: &str = "author_key";
    pub const CATEGORY_KEY: &str = "category_key";
    /// Unix seconds.
    pub const PUBLISHED: &str = "published";
    /// The exact-duplicate cluster and the SimHash, as decimal strings.
    pub const CLUSTER: &str = "cluster";
    pub const SIMHASH: &str = "simhash";
    pub const PROVENANCE: &str = "provenance";
}

/// Shards and replicas of a new index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    pub shards: u32,
    pub replicas: u32,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            shards: 6,
            replicas: 1,
        }
    }
}

/// The settings and mappings of a Xunwen index.
pub fn index_body(options: IndexOptions) -> Value {
    use fields::*;
    let tokens = json!({
        "type": "text",
        "analyzer": TOKENS_ANALYZER,
        "similarity": "xunwen_bm25",
        "index_options": "positions",
    });
    let keyword = json!({ "type": "keyword" });
    let stored_only = json!({ "type": "text", "index": false });
    json!({
        "settings": {
            "number_of_shards": options.shards,
            "number_of_replicas": options.replicas,
            // Collapsing reprints reads a deeper window than a page.
            "max_result_window": 50_000,
            "similarity": {
                "xunwen_bm25": {
                    "type": "BM25", "k1": 1.2, "b": 0.75,
                    "discount_overlaps": false
                }
            },
            "analysis": {
                "tokenizer": {
                    TOKENS_ANALYZER: { "type": "whitespace", "max_token_length": MAX_PIECE_CHARS }
                },
                "filter": {
                    "xunwen_gaps": { "type": "stop", "stopwords": [GAP], "ignore_case": false },
                    "xunwen_stacked": {
                        "type": "pattern_capture",
                        "preserve_original": false,
                        "patterns": [format!("([^{STACK}]+)")]
                    }
                },
                "analyzer": {
                    TOKENS_ANALYZER: {
                        "type": "custom",
                        "tokenizer": TOKENS_ANALYZER,
                        "filter": ["xunwen_gaps", "xunwen_stacked"]
                    }
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_source": { "excludes": [TITLE_WORDS, BODY_WORDS, TITLE_CHARS, BODY_CHARS] },
            "properties": {
                ID: keyword,
                URL: { "type": "keyword", "index": false, "doc_values": false },
                TITLE: stored_only,
                BODY: stored_only,
                TITLE_WORDS: tokens,
                BODY_WORDS: tokens,
                TITLE_CHARS: tokens,
                BODY_CHARS: tokens,
                SOURCE: keyword,
                AUTHOR: keyword,
                CATEGORY: keyword,
                SOURCE_KEY: keyword,
                AUTHOR_KEY: keyword,
                CATEGORY_KEY: keyword,
                PUBLISHED: { "type": "date", "format": "epoch_second" },
                CLUSTER: keyword,
                SIMHASH: { "type": "keyword", "index": false },
                PROVENANCE: { "type": "keyword", "index": false, "doc_values": false },
            }
        }
    })
}

/// Creates the index unless it exists (an existing index is used as it is).
/// True when it was created.
pub fn ensure_index(
    client: &Client,
    index: &str,
    options: IndexOptions,
) -> Result<bool, ClusterError> {
    let path = format!("/{}", path_segment(index));
    if client.exists(&path)? {
        return Ok(false);
    }
    match client.json(Method::Put, &path, Some(&index_body(options))) {
        Ok(_) => Ok(true),
        // Created meanwhile by another run.
        Err(ClusterError::Status {
            status: 400,
            reason,
        }) if reason.contains("resource_already_exists_exception") => Ok(false),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_the_keyword_and_token_fields() {
        let body = index_body(IndexOptions {
            shards: 6,
            replicas: 1,
        });
        assert_eq!(body["settings"]["number_of_shards"], 6);
        let properties = &body["mappings"]["properties"];
        for keyword in [
            fields::ID,
            fields::SOURCE,
            fields::CATEGORY,
            fields::AUTHOR,
            fields::CLUSTER,
        ] {
            assert_eq!(properties[keyword]["type"], "keyword", "{keyword}");
        }
        assert_eq!(properties[fields::PUBLISHED]["type"], "date");
        assert_eq!(properties[fields::BODY_CHARS]["analyzer"], TOKENS_ANALYZER);
        assert_eq!(properties[fields::BODY]["index"], false);
    }
}
