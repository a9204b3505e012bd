//! Where an indexing run writes: the local index (one writer, commits as
//! durability points) or an OpenSearch cluster (bulk requests). The run
//! walks, extracts, reports and shows progress the same way for both.
//!
//! How a run into the cluster resumes: every article is written under its
//! own id, so sending it again replaces it and never doubles it. At each
//! checkpoint the batch in flight is flushed (every article acknowledged),
//! then the manifest of the files read whole is stored in a small
//! `NAME-manifest` index beside the articles; a run killed at any moment
//! is re-run as it was started, skips the files of the last checkpoint and
//! sends the rest again.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::{Article, ArticleWriter, NewsIndex, Upsert};
use xunwen_opensearch::client::{Method, path_segment};
use xunwen_opensearch::template::ensure_index;
use xunwen_opensearch::{BulkWriter, Client, Written};

use crate::manifest::Manifest;
use crate::run::{Notice, Report, RunError};

/// A cluster to index into.
#[derive(Debug, Clone)]
pub struct ClusterTarget {
    pub url: String,
    pub index: String,
    /// Shards and replicas, used when the index is created.
    pub options: xunwen_opensearch::IndexOptions,
}

/// What receives the articles of a run.
pub trait Sink {
    /// The manifest of the last checkpoint.
    fn manifest(&self) -> Result<Manifest, RunError>;
    /// A directory the walk must not read (the index itself).
    fn own_directory(&self) -> Option<PathBuf>;
    /// Writes (or queues) one article; what was written is counted in `report`.
    fn write(&mut self, article: &Article, report: &mut Report) -> Result<(), RunError>;
    /// Makes what was written durable, with the manifest.
    fn checkpoint(&mut self, manifest: &Manifest, report: &mut Report) -> Result<(), RunError>;
    /// The last checkpoint, then the end of the run.
    fn finish(self: Box<Self>, manifest: &Manifest, report: &mut Report) -> Result<(), RunError>;
}

/// The local tantivy index.
pub struct LocalSink {
    index: NewsIndex,
    writer: ArticleWriter,
    dir: PathBuf,
}

impl LocalSink {
    pub fn open(
        dir: &std::path::Path,
        analysis: &Analysis,
        threads: usize,
        memory_budget: usize,
    ) -> Result<LocalSink, RunError> {
        let index = NewsIndex::open_or_create(dir, analysis)?;
        let writer = index.writer(threads, memory_budget.max(threads * (16 << 20)))?;
        Ok(LocalSink {
            index,
            writer,
            dir: std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()),
        })
    }
}

impl Sink for LocalSink {
    fn manifest(&self) -> Result<Manifest, RunError> {
        Ok(Manifest::load(&self.index)?)
    }

    fn own_directory(&self) -> Option<PathBuf> {
        Some(self.dir.clone())
    }

    fn write(&mut self, article: &Article, report: &mut Report) -> Result<(), RunError> {
        match self.writer.upsert(article)? {
            Upsert::Added { duplicate } => {
                report.added += 1;
                report.duplicates += u64::from(duplicate);
            }
            Upsert::Updated => report.updated += 1,
            Upsert::Unchanged => report.unchanged += 1,
        }
        Ok(())
    }

    fn checkpoint(&mut self, manifest: &Manifest, report: &mut Report) -> Result<(), RunError> {
        self.writer.commit(&manifest.payload())?;
        report.commits += 1;
        tracing::debug!(commits = report.commits, "committed");
        Ok(())
    }

    fn finish(
        mut self: Box<Self>,
        manifest: &Manifest,
        report: &mut Report,
    ) -> Result<(), RunError> {
        self.checkpoint(manifest, report)?;
        self.writer.finish()?;
        Ok(())
    }
}

/// An index on an OpenSearch cluster.
pub struct ClusterSink {
    client: Arc<Client>,
    index: String,
    bulk: BulkWriter,
    /// Where each queued article was read from, to report a refusal there.
    locations: std::collections::HashMap<String, String>,
    clusters_seen: HashSet<u64>,
}

impl ClusterSink {
    /// Connects, and creates the index (and its manifest's) unless it exists.
    pub fn open(target: &ClusterTarget, analysis: &Analysis) -> Result<ClusterSink, RunError> {
        let client = Arc::new(Client::new(&target.url)?);
        client.discover_nodes();
        ensure_index(&client, &target.index, target.options)?;
        Ok(ClusterSink {
            bulk: BulkWriter::new(Arc::clone(&client), &target.index, analysis.clone()),
            client,
            index: target.index.clone(),
            locations: std::collections::HashMap::new(),
            clusters_seen: HashSet::new(),
        })
    }

    fn manifest_path(&self) -> String {
        format!("/{}/_doc/manifest", path_segment(&self.manifest_index()))
    }

    fn manifest_index(&self) -> String {
        format!("{}-manifest", self.index)
    }

    fn count(&mut self, written: Written, report: &mut Report) {
        report.added += written.created;
        report.updated += written.updated;
        report.retries += written.retries;
        for (id, reason) in written.refused {
            let location = self
                .locations
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.clone());
            report.refused.push(Notice {
                location,
                reason: format!("refused by the cluster: {reason}"),
            });
        }
    }

    fn flush(&mut self, report: &mut Report) -> Result<(), RunError> {
        let written = self.bulk.flush()?;
        self.count(written, report);
        self.locations.clear();
        Ok(())
    }
}

impl Sink for ClusterSink {
    fn manifest(&self) -> Result<Manifest, RunError> {
        match self.client.json(Method::Get, &self.manifest_path(), None) {
            Ok(answer) => Ok(Manifest::from_payload(
                answer["_source"]["payload"].as_str(),
            )),
            Err(xunwen_opensearch::ClusterError::Status { status: 404, .. }) => {
                Ok(Manifest::default())
            }
            Err(error) => Err(error.into()),
        }
    }

    fn own_directory(&self) -> Option<PathBuf> {
        None
    }

    fn write(&mut self, article: &Article, report: &mut Report) -> Result<(), RunError> {
        if !self.clusters_seen.insert(article.cluster()) {
            report.duplicates += 1;
        }
        self.locations.insert(
            article.id.clone(),
            article
                .provenance
                .clone()
                .unwrap_or_else(|| article.id.clone()),
        );
        if let Some(written) = self.bulk.add(article)? {
            self.count(written, report);
            self.locations.clear();
        }
        Ok(())
    }

    fn checkpoint(&mut self, manifest: &Manifest, report: &mut Report) -> Result<(), RunError> {
        self.flush(report)?;
        self.client.json(
            Method::Put,
            &self.manifest_path(),
            Some(&json!({ "payload": manifest.payload() })),
        )?;
        report.commits += 1;
        Ok(())
    }

    fn finish(
        mut self: Box<Self>,
        manifest: &Manifest,
        report: &mut Report,
    ) -> Result<(), RunError> {
        self.checkpoint(manifest, report)?;
        self.bulk.refresh()?;
        Ok(())
    }
}
