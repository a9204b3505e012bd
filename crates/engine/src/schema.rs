//! The index schema: one place that names every field and how it is analysed.
//!
//! ```
//! let (schema, fields) = xunwen_engine::schema::build_schema();
//! assert_eq!(schema.get_field_name(fields.title), "title");
//! ```

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::{CHARS_ANALYZER, KEYWORD_ANALYZER, WORDS_ANALYZER};

/// Handles of every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable id: the record's own id, else a normalised URL, else a content hash.
    pub id: Field,
    pub url: Field,
    /// Title and body: stored as given, searched by jieba words.
    pub title: Field,
    pub body: Field,
    /// The character-level view of title and body (one token per ideograph,
    /// with positions), for exact phrases and substring recall.
    pub title_chars: Field,
    pub body_chars: Field,
    /// Outlet or contributor; searched as one folded keyword, counted as facets.
    pub source: Field,
    pub author: Field,
    pub published: Field,
    pub category: Field,
    /// Exact-duplicate cluster (hash of the body text).
    pub cluster: Field,
    /// Similarity fingerprint of the body, for collapsing near-duplicates.
    pub simhash: Field,
    /// Hash of everything stored, to skip unchanged articles on re-runs.
    pub content_hash: Field,
    /// File and line or archive member the article was read from.
    pub provenance: Field,
}

fn text_options(analyzer: &str, stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(analyzer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn keyword_options() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(KEYWORD_ANALYZER)
        .set_index_option(IndexRecordOption::Basic);
    TextOptions::default()
        .set_indexing_options(indexing)
        .set_stored()
        .set_fast("raw")
}

/// Builds the schema and the handles of its fields.
pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED | FAST),
        url: builder.add_text_field("url", STRING | STORED),
        title: builder.add_text_field("title", text_options(WORDS_ANALYZER, true)),
        body: builder.add_text_field("body", text_options(WORDS_ANALYZER, true)),
        title_chars: builder.add_text_field("title_chars", text_options(CHARS_ANALYZER, false)),
        body_chars: builder.add_text_field("body_chars", text_options(CHARS_ANALYZER, false)),
        source: builder.add_text_field("source", keyword_options()),
        author: builder.add_text_field("author", keyword_options()),
        published: builder.add_date_field(
            "published",
            DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Seconds),
        ),
        category: builder.add_text_field("category", keyword_options()),
        cluster: builder.add_u64_field("cluster", INDEXED | STORED | FAST),
        simhash: builder.add_u64_field("simhash", STORED | FAST),
        content_hash: builder.add_u64_field("content_hash", FAST),
        provenance: builder.add_text_field("provenance", STORED),
    };
    (builder.build(), fields)
}
