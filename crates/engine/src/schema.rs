//! The index schema: one place that names every field, says how it is
//! analysed, and reads the fast fields (column stores) back.
//!
//! ```
//! let (schema, fields) = xunwen_engine::schema::build_schema();
//! assert_eq!(schema.get_field_name(fields.title), xunwen_engine::schema::names::TITLE);
//! ```

use tantivy::columnar::{Column, StrColumn};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DocId, SegmentReader};

use crate::analysis::{CHARS_ANALYZER, KEYWORD_ANALYZER, WORDS_ANALYZER};

/// The name of every field.
pub mod names {
    pub const ID: &str = "id";
    pub const URL: &str = "url";
    pub const TITLE: &str = "title";
    pub const BODY: &str = "body";
    pub const TITLE_CHARS: &str = "title_chars";
    pub const BODY_CHARS: &str = "body_chars";
    pub const SOURCE: &str = "source";
    pub const AUTHOR: &str = "author";
    pub const PUBLISHED: &str = "published";
    pub const CATEGORY: &str = "category";
    pub const CLUSTER: &str = "cluster";
    pub const SIMHASH: &str = "simhash";
    pub const CONTENT_HASH: &str = "content_hash";
    pub const PROVENANCE: &str = "provenance";
}

/// Handles of every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Stable id: the record's own id, else its address or file name, else a
    /// content hash.
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
    use names::*;
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field(ID, STRING | STORED | FAST),
        url: builder.add_text_field(URL, STRING | STORED),
        title: builder.add_text_field(TITLE, text_options(WORDS_ANALYZER, true)),
        body: builder.add_text_field(BODY, text_options(WORDS_ANALYZER, true)),
        title_chars: builder.add_text_field(TITLE_CHARS, text_options(CHARS_ANALYZER, false)),
        body_chars: builder.add_text_field(BODY_CHARS, text_options(CHARS_ANALYZER, false)),
        source: builder.add_text_field(SOURCE, keyword_options()),
        author: builder.add_text_field(AUTHOR, keyword_options()),
        published: builder.add_date_field(
            PUBLISHED,
            DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Seconds),
        ),
        category: builder.add_text_field(CATEGORY, keyword_options()),
        cluster: builder.add_u64_field(CLUSTER, INDEXED | STORED | FAST),
        simhash: builder.add_u64_field(SIMHASH, STORED | FAST),
        content_hash: builder.add_u64_field(CONTENT_HASH, FAST),
        provenance: builder.add_text_field(PROVENANCE, STORED),
    };
    (builder.build(), fields)
}

/// The fast fields of one segment, by name, in one place.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    segment: &'a SegmentReader,
}

impl<'a> Columns<'a> {
    pub fn of(segment: &'a SegmentReader) -> Columns<'a> {
        Columns { segment }
    }

    pub fn published(self) -> tantivy::Result<Column<tantivy::DateTime>> {
        self.segment.fast_fields().date(names::PUBLISHED)
    }

    pub fn cluster(self) -> tantivy::Result<Column<u64>> {
        self.segment.fast_fields().u64(names::CLUSTER)
    }

    pub fn simhash(self) -> tantivy::Result<Column<u64>> {
        self.segment.fast_fields().u64(names::SIMHASH)
    }

    pub fn content_hash(self) -> tantivy::Result<Column<u64>> {
        self.segment.fast_fields().u64(names::CONTENT_HASH)
    }

    /// `None` when no article of the segment has a source.
    pub fn source(self) -> tantivy::Result<Option<StrColumn>> {
        self.segment.fast_fields().str(names::SOURCE)
    }

    pub fn id(self) -> tantivy::Result<Option<StrColumn>> {
        self.segment.fast_fields().str(names::ID)
    }
}

/// The first value of a text column for a document, into `text`; false when
/// it has none.
pub fn read_str(column: &StrColumn, doc: DocId, text: &mut String) -> std::io::Result<bool> {
    text.clear();
    match column.term_ords(doc).next() {
        Some(ord) => column.ord_to_str(ord, text),
        None => Ok(false),
    }
}

/// Counts source names over documents: per term ordinal while counting
/// (cheap, for every matching article), resolved to names once at the end.
#[derive(Debug, Default)]
pub struct SourceCounts {
    by_ordinal: Vec<u64>,
}

impl SourceCounts {
    pub fn for_column(column: Option<&StrColumn>) -> SourceCounts {
        SourceCounts {
            by_ordinal: vec![0; column.map_or(0, |c| c.num_terms())],
        }
    }

    pub fn count(&mut self, column: Option<&StrColumn>, doc: DocId) {
        if let Some(column) = column {
            for ord in column.term_ords(doc) {
                if let Some(count) = self.by_ordinal.get_mut(ord as usize) {
                    *count += 1;
                }
            }
        }
    }

    /// The counts, by the column's ordinal.
    pub fn by_ordinal(self) -> Vec<u64> {
        self.by_ordinal
    }

    /// The counts by name, added into `into`. The names are read in one
    /// pass over the column's dictionary, in ordinal order: looking each up
    /// on its own decodes a dictionary block per name, which made facets
    /// cost more than the search once an archive had hundreds of sources
    /// over a few segments.
    pub fn add_names_to(
        self,
        column: Option<&StrColumn>,
        into: &mut std::collections::HashMap<String, u64>,
    ) {
        let Some(column) = column else {
            return;
        };
        let (ordinals, counts): (Vec<u64>, Vec<u64>) = self
            .by_ordinal
            .into_iter()
            .enumerate()
            .filter(|(_, count)| *count > 0)
            .map(|(ord, count)| (ord as u64, count))
            .unzip();
        let mut counts = counts.into_iter();
        let _ = column
            .dictionary()
            .sorted_ords_to_term_cb(&ordinals, |bytes| {
                let count = counts.next().unwrap_or(0);
                if let Ok(name) = std::str::from_utf8(bytes) {
                    match into.get_mut(name) {
                        Some(total) => *total += count,
                        None => {
                            into.insert(name.to_string(), count);
                        }
                    }
                }
            });
    }
}
