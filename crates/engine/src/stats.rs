//! What an index holds: article count, date range, top sources, size on disk.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::error::EngineError;
use crate::index::{NewsIndex, from_tantivy_date};
use crate::schema::{Columns, SourceCounts};

/// A summary of an index, as `search stats` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    pub articles: u64,
    pub earliest: Option<DateTime<FixedOffset>>,
    pub latest: Option<DateTime<FixedOffset>>,
    pub undated: u64,
    pub top_sources: Vec<SourceCount>,
    pub segments: usize,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceCount {
    pub source: String,
    pub articles: u64,
}

impl NewsIndex {
    /// Summarises the last commit.
    pub fn stats(&self, top: usize) -> Result<IndexStats, EngineError> {
        let searcher = self.reader()?.searcher();
        let mut earliest: Option<i64> = None;
        let mut latest: Option<i64> = None;
        let mut undated = 0;
        let mut sources: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let columns = Columns::of(segment);
            let published = columns.published()?;
            let source_column = columns.source()?;
            let mut counts = SourceCounts::for_column(source_column.as_ref());
            for doc_id in segment.doc_ids_alive() {
                match published.first(doc_id) {
                    Some(date) => {
                        let seconds = date.into_timestamp_secs();
                        earliest = Some(earliest.map_or(seconds, |e| e.min(seconds)));
                        latest = Some(latest.map_or(seconds, |l| l.max(seconds)));
                    }
                    None => undated += 1,
                }
                counts.count(source_column.as_ref(), doc_id);
            }
            counts.add_names_to(source_column.as_ref(), &mut sources);
        }
        let mut top_sources: Vec<SourceCount> = sources
            .into_iter()
            .map(|(source, articles)| SourceCount { source, articles })
            .collect();
        top_sources.sort_by(|a, b| {
            b.articles
                .cmp(&a.articles)
                .then_with(|| a.source.cmp(&b.source))
        });
        top_sources.truncate(top);
        let to_date = |s: Option<i64>| {
            s.and_then(|s| from_tantivy_date(tantivy::DateTime::from_timestamp_secs(s)))
        };
        Ok(IndexStats {
            articles: searcher.num_docs(),
            earliest: to_date(earliest),
            latest: to_date(latest),
            undated,
            top_sources,
            segments: searcher.segment_readers().len(),
            size_bytes: self.size_on_disk(),
        })
    }
}
