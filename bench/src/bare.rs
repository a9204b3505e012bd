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
