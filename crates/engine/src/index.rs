//! The on-disk index: opening, the single writer, reading articles back.
//!
//! A commit is the durability point: a process killed at any moment leaves
//! the last commit intact, and tantivy's own lock file plus ours (which names
//! the holder) keep one writer at a time. Both locks are `flock`s, so a crashed
//! writer never leaves a stale lock behind.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TERMINATED,
    TantivyDocument, Term,
};

use crate::analysis::{Analysis, register_analyzers};
use crate::article::{Article, simhash};
use crate::dates::beijing;
use crate::error::EngineError;
use crate::schema::{Fields, build_schema};

/// File in the index directory that names the process holding the writer.
const HOLDER_FILE: &str = "xunwen-writer.lock";

/// An opened index with its schema fields and analysis.
#[derive(Clone)]
pub struct NewsIndex {
    index: Index,
    fields: Fields,
    path: PathBuf,
}

impl std::fmt::Debug for NewsIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewsIndex")
            .field("path", &self.path)
            .finish()
    }
}

fn has_index(dir: &Path) -> bool {
    dir.join("meta.json").is_file()
}

impl NewsIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when
    /// there is none.
    pub fn open_or_create(dir: &Path, analysis: &Analysis) -> Result<NewsIndex, EngineError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            EngineError::io(
                format!("cannot create the index directory {}", dir.display()),
                e,
            )
        })?;
        if !has_index(dir) {
            let (schema, _) = build_schema();
            let directory = MmapDirectory::open(dir).map_err(|e| EngineError::Corrupt {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
            // zstd keeps the stored text about a third smaller than lz4.
            // Level 1 rather than 3: the compressor's share of indexing CPU
            // fell from about 3.5% to 2.7% in profiles; the index grew by 1%.
            let settings = tantivy::IndexSettings {
                docstore_compression: tantivy::store::Compressor::Zstd(
                    tantivy::store::ZstdCompressor {
                        compression_level: Some(1),
                    },
                ),
                ..tantivy::IndexSettings::default()
            };
            Index::create(directory, schema, settings)?;
        }
        Self::open(dir, analysis)
    }

    /// Opens an existing index; [`EngineError::NoIndex`] when there is none.
    pub fn open(dir: &Path, analysis: &Analysis) -> Result<NewsIndex, EngineError> {
        if !has_index(dir) {
            return Err(EngineError::NoIndex(dir.to_path_buf()));
        }
        let corrupt = |reason: String| EngineError::Corrupt {
            path: dir.to_path_buf(),
            reason,
        };
        let index = Index::open_in_dir(dir).map_err(|e| corrupt(e.to_string()))?;
        let (expected, fields) = build_schema();
        if index.schema() != expected {
            return Err(corrupt(
                "its schema is not the one this version of Xunwen writes; re-index into a new directory".into(),
            ));
        }
        register_analyzers(&index, analysis);
        Ok(NewsIndex {
            index,
            fields,
            path: dir.to_path_buf(),
        })
    }

    /// Searches the segments of one query on this many threads.
    pub fn set_search_threads(&mut self, threads: usize) -> Result<(), EngineError> {
        Ok(self.index.set_multithread_executor(threads.max(1))?)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// A reader that follows new commits on its own.
    pub fn reader(&self) -> Result<IndexReader, EngineError> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e| self.explain_lock_failure(e))
    }

    /// Tantivy takes lock files even to read; on a read-only filesystem that
    /// fails with a cryptic message: say what it means.
    fn explain_lock_failure(&self, error: tantivy::TantivyError) -> EngineError {
        let read_only = match &error {
            tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::IoError(io),
                _,
            ) => io.kind() == std::io::ErrorKind::ReadOnlyFilesystem,
            _ => false,
        };
        if read_only {
            EngineError::ReadOnly(self.path.clone())
        } else {
            error.into()
        }
    }

    /// The payload of the last commit (the indexer keeps its file manifest there).
    pub fn last_commit_payload(&self) -> Result<Option<String>, EngineError> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Checks every index file against its checksum; returns the damaged files.
    pub fn damaged_files(&self) -> Result<Vec<PathBuf>, EngineError> {
        let mut damaged: Vec<PathBuf> = self.index.validate_checksum()?.into_iter().collect();
        damaged.sort();
        Ok(damaged)
    }

    /// Checks every index file against its checksum: a damaged index is
    /// reported, never searched as if it were whole.
    pub fn verify(&self) -> Result<(), EngineError> {
        let corrupt = |reason: String| EngineError::Corrupt {
            path: self.path.clone(),
            reason,
        };
        let damaged = self.damaged_files().map_err(|e| corrupt(e.to_string()))?;
        if damaged.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        Err(corrupt(format!(
            "{} fail their checksums; re-index into a new directory",
            names.join(", ")
        )))
    }

    /// Takes the single writer. Fails at once, naming the holder, when another
    /// process writes to this index.
    pub fn writer(
        &self,
        threads: usize,
        memory_budget: usize,
    ) -> Result<ArticleWriter, EngineError> {
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
            .writer_with_num_threads(threads.max(1), memory_budget)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => EngineError::WriterBusy {
                    index: self.path.clone(),
                    holder: "another writer in this process".into(),
                },
                other => other.into(),
            })?;
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
            _lock: lock,
        })
    }

    /// Reads an article back from a stored document.
    pub fn article_from_doc(&self, doc: &TantivyDocument) -> Article {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        Article {
            id: text(f.id).unwrap_or_default(),
            url: text(f.url),
            title: text(f.title).unwrap_or_default(),
            body: text(f.body).unwrap_or_default(),
            source: text(f.source),
            author: text(f.author),
            published: doc
                .get_first(f.published)
                .and_then(|v| v.as_datetime())
                .and_then(from_tantivy_date),
            category: text(f.category),
            provenance: text(f.provenance),
        }
    }

    fn document(&self, article: &Article) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &article.id);
        if let Some(url) = &article.url {
            doc.add_text(f.url, url);
        }
        doc.add_text(f.title, &article.title);
        doc.add_text(f.title_chars, &article.title);
        doc.add_text(f.body, &article.body);
        doc.add_text(f.body_chars, &article.body);
        for (field, value) in [
            (f.source, &article.source),
            (f.author, &article.author),
            (f.category, &article.category),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                doc.add_text(field, value);
            }
        }
        if let Some(published) = article.published {
            doc.add_date(f.published, to_tantivy_date(published));
        }
        doc.add_u64(f.cluster, article.cluster());
        doc.add_u64(f.simhash, simhash(&article.body));
        doc.add_u64(f.content_hash, article.content_hash());
        if let Some(provenance) = &article.provenance {
            doc.add_text(f.provenance, provenance);
        }
        doc
    }

    /// Finds the stored article with this id in a searcher's snapshot.
    pub fn find(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<(DocAddress, Article)>, EngineError> {
        let Some(address) = find_address(searcher, self.fields.id, id)? else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        Ok(Some((address, self.article_from_doc(&doc))))
    }

    /// Calls `visit` with every stored article, segment by segment.
    pub fn for_each_article(
        &self,
        mut visit: impl FnMut(Article) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let reader = self.reader()?;
        let searcher = reader.searcher();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| EngineError::io("cannot read the document store", e))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                visit(self.article_from_doc(&doc))?;
            }
            tracing::debug!(segment = ordinal, "exported segment");
        }
        Ok(())
    }
}

pub fn to_tantivy_date(date: DateTime<FixedOffset>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_secs(date.timestamp())
}

/// Stored dates are instants; they are shown in Beijing time, as archives are.
pub fn from_tantivy_date(date: tantivy::DateTime) -> Option<DateTime<FixedOffset>> {
    DateTime::from_timestamp(date.into_timestamp_secs(), 0).map(|d| d.with_timezone(&beijing()))
}

/// The live document with this id, looked up in the postings directly.
fn find_address(
    searcher: &Searcher,
    id_field: tantivy::schema::Field,
    id: &str,
) -> Result<Option<DocAddress>, EngineError> {
    let term = Term::from_field_text(id_field, id);
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        let inverted = segment.inverted_index(id_field)?;
        let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| EngineError::io("cannot read the id postings", e))?
        else {
            continue;
        };
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if !segment.is_deleted(doc) {
                return Ok(Some(DocAddress::new(ordinal as u32, doc)));
            }
            doc = postings.advance();
        }
    }
    Ok(None)
}

fn all_clusters(searcher: &Searcher) -> Result<HashSet<u64>, EngineError> {
    let mut clusters = HashSet::new();
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64("cluster")?;
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
    _lock: WriterLock,
}

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
        let fields = self.index.fields;
        if previous.is_some() {
            self.writer
                .delete_term(Term::from_field_text(fields.id, &article.id));
        }
        let document = self.index.document(article);
        self.writer
            .add_document(document)
            .map_err(|e| self.explain(e))?;
        self.pending.insert(article.id.clone(), content_hash);
        let is_new_cluster = self.known_clusters.insert(article.cluster());
        Ok(match previous {
            Some(_) => Upsert::Updated,
            None => Upsert::Added {
                duplicate: !is_new_cluster,
            },
        })
    }

    fn explain(&self, error: tantivy::TantivyError) -> EngineError {
        explain_write_error(&self.index.path, error)
    }

    fn committed_content_hash(&self, id: &str) -> Result<Option<u64>, EngineError> {
        let searcher = self.reader.searcher();
        if searcher.num_docs() == 0 {
            return Ok(None);
        }
        let Some(address) = find_address(&searcher, self.index.fields.id, id)? else {
            return Ok(None);
        };
        let segment = searcher.segment_reader(address.segment_ord);
        Ok(segment
            .fast_fields()
            .u64("content_hash")?
            .first(address.doc_id))
    }

    /// Makes everything written so far durable, with the caller's payload.
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
        self.pending.clear();
        Ok(())
    }

    /// Waits for background merges, then releases the writer.
    pub fn finish(self) -> Result<(), EngineError> {
        self.writer.wait_merging_threads()?;
        Ok(())
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

/// Our own lock file beside tantivy's: it says who holds the writer.
struct WriterLock {
    _file: File,
}

impl WriterLock {
    fn acquire(dir: &Path) -> Result<WriterLock, EngineError> {
        let path = dir.join(HOLDER_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                EngineError::io(format!("cannot open the lock file {}", path.display()), e)
            })?;
        let busy = match file.try_lock() {
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EngineError::io(
                    format!("cannot lock {}", path.display()),
                    e,
                ));
            }
        };
        if busy {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(EngineError::WriterBusy {
                index: dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "unknown process".into()
                } else {
                    holder.to_string()
                },
            });
        }
        let started = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        let holder = format!(
            "`search index` process {} started at {started}",
            std::process::id()
        );
        let written = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|_| file.flush());
        written.map_err(|e| {
            EngineError::io(format!("cannot write the lock file {}", path.display()), e)
        })?;
        Ok(WriterLock { _file: file })
    }
}
