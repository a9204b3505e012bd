//! The single writer. Articles with an id already in the index replace the
//! old version; identical ones are skipped. A commit is the durability point.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};

use super::lock::WriterLock;
use super::merges::{BoundedMerges, MAX_MERGE_BYTES, MERGE_THREADS};
use super::{NewsIndex, find_address};
use crate::article::Article;
use crate::error::EngineError;
use crate::schema::Columns;

impl NewsIndex {
    /// Takes the single writer. Fails at once, naming the holder, when another
    /// process writes to this index.
    pub fn writer(
        &self,
        threads: usize,
        memory_budget: usize,
    ) -> Result<ArticleWriter, EngineError> {
        let threads = threads.max(1);
        let options = tantivy::indexer::IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(memory_budget / threads)
            .num_merge_threads(MERGE_THREADS)
            .build();
        let (lock, writer) = self.locked_writer(options)?;
        writer.set_merge_policy(Box::new(BoundedMerges::new(
            self.path.clone(),
            MAX_MERGE_BYTES,
        )));
        let reader: IndexReader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let known_clusters = all_clusters(&reader.searcher())?;
        Ok(ArticleWriter {
            index: self.clone(),
            writer,
            reader,
            pending: HashMap::new(),
            known_clusters,
            reloaded: Instant::now(),
            _lock: lock,
        })
    }
}

impl NewsIndex {
    /// tantivy's writer, with our lock (which names the holder) taken first.
    pub(super) fn locked_writer(
        &self,
        options: tantivy::indexer::IndexWriterOptions,
    ) -> Result<(WriterLock, IndexWriter), EngineError> {
        let lock = WriterLock::acquire(&self.path).map_err(|e| match e {
            EngineError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
            {
                EngineError::ReadOnly(self.path.clone())
            }
            other => other,
        })?;
        let writer = self
            .index
            .writer_with_options(options)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => EngineError::WriterBusy {
                    index: self.path.clone(),
                    holder: "another writer in this process".into(),
                },
                other => other.into(),
            })?;
        Ok((lock, writer))
    }
}

fn all_clusters(searcher: &Searcher) -> Result<HashSet<u64>, EngineError> {
    let mut clusters = HashSet::new();
    for segment in searcher.segment_readers() {
        let column = Columns::of(segment).cluster()?;
        for doc_id in segment.doc_ids_alive() {
            clusters.extend(column.first(doc_id));
        }
    }
    Ok(clusters)
}

/// What happened to one article given to the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Added { duplicate: bool },
    Updated,
    Unchanged,
}

/// The single writer. Articles with an id already in the index replace the
/// old version; identical ones are skipped.
pub struct ArticleWriter {
    index: NewsIndex,
    writer: IndexWriter,
    /// Snapshot of the last commit, to compare incoming articles against.
    reader: IndexReader,
    /// Articles written since the last commit: id -> content hash.
    pending: HashMap<String, u64>,
    known_clusters: HashSet<u64>,
    /// When `reader` last reloaded.
    reloaded: Instant,
    _lock: WriterLock,
}

/// How often the writer's reader follows merges between commits: a merged
/// segment's files stay mapped, with every page the merge read, until the
/// reader lets go of them.
const FOLLOW_MERGES: Duration = Duration::from_secs(1);

impl ArticleWriter {
    /// Adds or replaces an article.
    pub fn upsert(&mut self, article: &Article) -> Result<Upsert, EngineError> {
        let content_hash = article.content_hash();
        let previous = match self.pending.get(&article.id) {
            Some(hash) => Some(*hash),
            None => self.committed_content_hash(&article.id)?,
        };
        if previous == Some(content_hash) {
            return Ok(Upsert::Unchanged);
        }
        let cluster = article.cluster();
        self.write(article, previous.is_some(), content_hash, cluster)?;
        let is_new_cluster = self.known_clusters.insert(cluster);
        Ok(match previous {
            Some(_) => Upsert::Updated,
            None => Upsert::Added {
                duplicate: !is_new_cluster,
            },
        })
    }

    /// Writes an article again whatever the index holds (re-analysis: its
    /// text is the same, its terms are not).
    pub fn replace(&mut self, article: &Article) -> Result<(), EngineError> {
        self.write(article, true, article.content_hash(), article.cluster())
    }

    /// Adds the article's document, deleting the old version first when the
    /// index holds one, and remembers its content until the commit.
    fn write(
        &mut self,
        article: &Article,
        replacing: bool,
        content_hash: u64,
        cluster: u64,
    ) -> Result<(), EngineError> {
        if replacing {
            let id = Term::from_field_text(self.index.fields.id, &article.id);
            self.writer.delete_term(id);
        }
        let document = self.index.document(article, content_hash, cluster);
        self.writer
            .add_document(document)
            .map_err(|e| self.explain(e))?;
        self.pending.insert(article.id.clone(), content_hash);
        Ok(())
    }

    fn explain(&self, error: tantivy::TantivyError) -> EngineError {
        explain_write_error(&self.index.path, error)
    }

    fn committed_content_hash(&mut self, id: &str) -> Result<Option<u64>, EngineError> {
        if self.reloaded.elapsed() >= FOLLOW_MERGES {
            // Merges change the segments, never what they hold.
            self.reader.reload()?;
            self.reloaded = Instant::now();
        }
        let searcher = self.reader.searcher();
        if searcher.num_docs() == 0 {
            return Ok(None);
        }
        let Some(address) = find_address(&searcher, self.index.fields.id, id)? else {
            return Ok(None);
        };
        let segment = searcher.segment_reader(address.segment_ord);
        Ok(Columns::of(segment).content_hash()?.first(address.doc_id))
    }

    /// Makes everything written so far durable, with the caller's payload,
    /// then checks the checksums of the files no check has read yet.
    pub fn commit(&mut self, payload: &str) -> Result<(), EngineError> {
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|e| explain_write_error(&self.index.path, e))?;
        prepared.set_payload(payload);
        prepared
            .commit()
            .map_err(|e| explain_write_error(&self.index.path, e))?;
        self.reader.reload()?;
        self.reloaded = Instant::now();
        self.pending.clear();
        self.index.verify()
    }

    /// Waits for background merges, checks the files they wrote, then
    /// releases the writer.
    pub fn finish(self) -> Result<(), EngineError> {
        self.writer.wait_merging_threads()?;
        self.index.verify()
    }
}

/// Tantivy's indexing threads report a failed write as "an index writer was
/// killed", losing the cause; the usual cause is a full disk, so look.
fn explain_write_error(dir: &Path, error: tantivy::TantivyError) -> EngineError {
    let probe = dir.join(".xunwen-space-probe");
    let written = File::create(&probe).and_then(|mut file| {
        file.write_all(&vec![0u8; 1 << 20])?;
        file.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::StorageFull => {
            EngineError::DiskFull(dir.to_path_buf())
        }
        _ => error.into(),
    }
}
