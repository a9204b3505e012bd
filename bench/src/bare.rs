//! The reference: a bare tantivy + tantivy-jieba pipeline, as anyone would
//! set it up from the two crates' documentation. Title and body, jieba's
//! search mode, stored; a bag-of-words query over both fields.

use std::io::{BufRead, BufReader};
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

fn schema() -> Schema {
    let mut builder = Schema::builder();
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("jieba")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    ) | STORED;
    builder.add_text_field("title", options.clone());
    builder.add_text_field("body", options);
    builder.build()
}

/// Indexes `title`/`body` JSON lines with `threads` indexing threads.
pub fn index(documents: &Path, dir: &Path, threads: usize) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let index = Index::create_in_dir(dir, schema())?;
    index
        .tokenizers()
        .register("jieba", tantivy_jieba::JiebaTokenizer::new());
    let schema = index.schema();
    let (title, body) = (schema.get_field("title")?, schema.get_field("body")?);
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(threads, 256 << 20)?;
    let mut count = 0u64;
    for line in BufReader::new(std::fs::File::open(documents)?).lines() {
        let record: serde_json::Value = serde_json::from_str(&line?)?;
        let mut doc = TantivyDocument::default();
        doc.add_text(title, record["title"].as_str().unwrap_or(""));
        doc.add_text(body, record["body"].as_str().unwrap_or(""));
        writer.add_document(doc)?;
        count += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(count)
}

/// Bag-of-words search over the bare index.
pub struct Searcher {
    index: Index,
    reader: IndexReader,
    analyzer: TextAnalyzer,
}

impl Searcher {
    pub fn open(dir: &Path) -> anyhow::Result<Searcher> {
        let index = Index::open_in_dir(dir)?;
        index
            .tokenizers()
            .register("jieba", tantivy_jieba::JiebaTokenizer::new());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Searcher {
            index,
            reader,
            analyzer: TextAnalyzer::from(tantivy_jieba::JiebaTokenizer::new()),
        })
    }

    pub fn search(&self, query: &str, limit: usize) -> anyhow::Result<Vec<(f32, DocAddress)>> {
        let schema = self.index.schema();
        let fields = [schema.get_field("title")?, schema.get_field("body")?];
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(query);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        while stream.advance() {
            let text = stream.token().text.clone();
            if !text.chars().any(char::is_alphanumeric) {
                continue;
            }
            for field in fields {
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &text),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            }
        }
        let searcher = self.reader.searcher();
        Ok(searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?)
    }
}

/// The same-work reference: the bare pipeline given the fields Xunwen
/// indexes (crates/engine/src/schema.rs) — jieba words and single
/// characters of title and body, both with positions; title, body, id, url,
/// source, author, date and two hashes stored; id, source, author, date and
/// the hashes as fast fields — with stock parts only: no folding, no
/// SimHash (a plain hash in its place), no duplicate detection, no upserts.
/// Xunwen's time over this one is Xunwen's own overhead.
pub mod same_work {
    use super::*;
    use std::hash::{Hash, Hasher};
    use tantivy::schema::{DateOptions, DateTimePrecision, FAST, INDEXED, STRING};
    use tantivy::tokenizer::{Token, Tokenizer};

    /// One token per alphanumeric character (each ideograph, each letter).
    #[derive(Clone, Default)]
    pub struct CharTokenizer {
        token: Token,
    }

    pub struct CharStream<'a> {
        text: &'a str,
        chars: std::str::CharIndices<'a>,
        token: &'a mut Token,
    }

    impl Tokenizer for CharTokenizer {
        type TokenStream<'a> = CharStream<'a>;
        fn token_stream<'a>(&'a mut self, text: &'a str) -> CharStream<'a> {
            self.token.reset();
            self.token.position = usize::MAX;
            CharStream {
                text,
                chars: text.char_indices(),
                token: &mut self.token,
            }
        }
    }

    impl TokenStream for CharStream<'_> {
        fn advance(&mut self) -> bool {
            for (offset, c) in self.chars.by_ref() {
                if c.is_alphanumeric() {
                    self.token.text.clear();
                    self.token
                        .text
                        .push_str(&self.text[offset..offset + c.len_utf8()]);
                    self.token.offset_from = offset;
                    self.token.offset_to = offset + c.len_utf8();
                    self.token.position = self.token.position.wrapping_add(1);
                    return true;
                }
            }
            false
        }
        fn token(&self) -> &Token {
            self.token
        }
        fn token_mut(&mut self) -> &mut Token {
            self.token
        }
    }

    fn text(tokenizer: &str, stored: bool) -> TextOptions {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { options | STORED } else { options }
    }

    fn keyword() -> TextOptions {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_stored()
            .set_fast("raw")
    }

    fn schema() -> Schema {
        let mut builder = Schema::builder();
        builder.add_text_field("id", STRING | STORED | FAST);
        builder.add_text_field("url", STRING | STORED);
        builder.add_text_field("title", text("jieba", true));
        builder.add_text_field("body", text("jieba", true));
        builder.add_text_field("title_chars", text("chars", false));
        builder.add_text_field("body_chars", text("chars", false));
        builder.add_text_field("source", keyword());
        builder.add_text_field("author", keyword());
        builder.add_date_field(
            "published",
            DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Seconds),
        );
        builder.add_u64_field("cluster", INDEXED | STORED | FAST);
        builder.add_u64_field("simhash", STORED | FAST);
        builder.add_u64_field("content_hash", FAST);
        builder.build()
    }

    fn hash(parts: &[&str]) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        parts.hash(&mut hasher);
        hasher.finish()
    }

    /// Indexes JSON lines (`id`, `title`, `body`, `url`, `source`, `author`,
    /// `published` as RFC 3339) with `threads` indexing threads.
    pub fn index(documents: &Path, dir: &Path, threads: usize) -> anyhow::Result<u64> {
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, schema())?;
        index
            .tokenizers()
            .register("jieba", tantivy_jieba::JiebaTokenizer::new());
        index
            .tokenizers()
            .register("chars", CharTokenizer::default());
        let schema = index.schema();
        let field = |name: &str| schema.get_field(name);
        let (id, url, title, body) = (field("id")?, field("url")?, field("title")?, field("body")?);
        let (title_chars, body_chars) = (field("title_chars")?, field("body_chars")?);
        let (source, author, published) = (field("source")?, field("author")?, field("published")?);
        let (cluster, simhash, content_hash) =
            (field("cluster")?, field("simhash")?, field("content_hash")?);
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(threads, 256 << 20)?;
        let mut count = 0u64;
        for line in BufReader::new(std::fs::File::open(documents)?).lines() {
            let record: serde_json::Value = serde_json::from_str(&line?)?;
            let get = |key: &str| record[key].as_str().unwrap_or("");
            let mut doc = TantivyDocument::default();
            let number = count.to_string();
            doc.add_text(
                id,
                if get("id").is_empty() {
                    &number
                } else {
                    get("id")
                },
            );
            for (field, key) in [(url, "url"), (source, "source"), (author, "author")] {
                if !get(key).is_empty() {
                    doc.add_text(field, get(key));
                }
            }
            doc.add_text(title, get("title"));
            doc.add_text(title_chars, get("title"));
            doc.add_text(body, get("body"));
            doc.add_text(body_chars, get("body"));
            if let Ok(date) = chrono::DateTime::parse_from_rfc3339(get("published")) {
                doc.add_date(
                    published,
                    tantivy::DateTime::from_timestamp_secs(date.timestamp()),
                );
            }
            doc.add_u64(cluster, hash(&[get("body")]));
            doc.add_u64(simhash, hash(&[get("title"), get("body")]));
            doc.add_u64(content_hash, hash(&[get("id"), get("title"), get("body")]));
            writer.add_document(doc)?;
            count += 1;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Ok(count)
    }
}
