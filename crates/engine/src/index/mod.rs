//! The on-disk index: opening, checking, reading articles back. The single
//! writer is [`writer`]'s, its lock [`lock`]'s.
//!
//! A commit is the durability point: a process killed at any moment leaves
//! the last commit intact, and tantivy's own lock file plus ours (which names
//! the holder) keep one writer at a time. Both locks are `flock`s, so a crashed
//! writer never leaves a stale lock behind.

mod lock;
mod merges;
mod verify;
mod writer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, TERMINATED, TantivyDocument,
    Term,
};

pub use merges::{MergeProgress, MergedDown};
pub use writer::{ArticleWriter, Upsert};

use crate::analysis::{Analysis, register_analyzers};
use crate::article::{Article, simhash};
use crate::dates::beijing;
use crate::error::EngineError;
use crate::schema::{Fields, build_schema};

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

    /// Checks the index files against their checksums (those unchanged
    /// since they last passed are not read again); returns the damaged ones.
    pub fn damaged_files(&self) -> Result<Vec<PathBuf>, EngineError> {
        verify::damaged_files(&self.index, &self.path)
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

    /// The document of an article whose content hash and cluster the
    /// writer has already computed (each reads the whole text).
    pub(crate) fn document(
        &self,
        article: &Article,
        content_hash: u64,
        cluster: u64,
    ) -> TantivyDocument {
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
        doc.add_u64(f.cluster, cluster);
        doc.add_u64(f.simhash, simhash(&article.body));
        doc.add_u64(f.content_hash, content_hash);
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

    /// The stored article at an address of a searcher's snapshot.
    pub fn article_at(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<Article, EngineError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        Ok(self.article_from_doc(&doc))
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

    /// Bytes on disk of the files of the index (a blocking call).
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.path)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// The key of the last commit's payload (a JSON object) that names the user
/// dictionary the index was analysed with: the hash of its text, kept as
/// `xunwen-dict-HASH.txt` in the index directory. The dictionary changes
/// with the commit that re-analyses the articles, never apart from it.
pub const DICTIONARY_PAYLOAD_KEY: &str = "dictionary";

fn dictionary_file(dir: &Path, hash: &str) -> PathBuf {
    dir.join(format!("xunwen-dict-{hash}.txt"))
}

/// The hash of the user dictionary the index in `dir` was analysed with,
/// read from its last commit (no index, or none: `None`).
pub fn dictionary_in_force(dir: &Path) -> Result<Option<String>, EngineError> {
    let Ok(meta) = std::fs::read_to_string(dir.join("meta.json")) else {
        return Ok(None);
    };
    let corrupt = |reason: String| EngineError::Corrupt {
        path: dir.to_path_buf(),
        reason,
    };
    let meta: serde_json::Value =
        serde_json::from_str(&meta).map_err(|e| corrupt(format!("meta.json: {e}")))?;
    let Some(payload) = meta.get("payload").and_then(|p| p.as_str()) else {
        return Ok(None);
    };
    let payload: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    Ok(payload
        .get(DICTIONARY_PAYLOAD_KEY)
        .and_then(|h| h.as_str())
        .map(str::to_string))
}

/// The analysis the index in `dir` was written with: jieba with the user
/// dictionary its last commit names, or jieba's own.
pub fn analysis_for(dir: &Path) -> Result<Analysis, EngineError> {
    match dictionary_in_force(dir)? {
        Some(hash) => Analysis::with_user_dictionary(&dictionary_file(dir, &hash)),
        None => Ok(Analysis::default_shared()),
    }
}

/// Copies a user dictionary into the index directory (written whole, then
/// renamed into place, so a crash leaves no half file), checked first by
/// loading it. Returns its hash, for the commit payload.
pub fn store_dictionary(dir: &Path, source: &Path) -> Result<(String, Analysis), EngineError> {
    let text = std::fs::read(source).map_err(|e| EngineError::Dictionary {
        path: source.to_path_buf(),
        reason: e.to_string(),
    })?;
    let analysis = Analysis::with_user_dictionary(source)?;
    let hash = format!("{:016x}", twox_hash::XxHash3_64::oneshot(&text));
    let target = dictionary_file(dir, &hash);
    if !target.is_file() {
        std::fs::create_dir_all(dir)
            .map_err(|e| EngineError::io(format!("cannot create {}", dir.display()), e))?;
        let partial = dir.join(format!(".xunwen-dict-{hash}.partial"));
        let written = std::fs::File::create(&partial).and_then(|mut file| {
            std::io::Write::write_all(&mut file, &text)?;
            file.sync_all()
        });
        written
            .and_then(|()| std::fs::rename(&partial, &target))
            .and_then(|()| std::fs::File::open(dir)?.sync_all())
            .map_err(|e| EngineError::io(format!("cannot write {}", target.display()), e))?;
    }
    Ok((hash, analysis))
}

/// Removes the stored dictionaries other than the one in force.
pub fn remove_unused_dictionaries(dir: &Path, in_force: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(hash) = name
            .strip_prefix("xunwen-dict-")
            .and_then(|n| n.strip_suffix(".txt"))
        else {
            continue;
        };
        if Some(hash) != in_force {
            let _ = std::fs::remove_file(entry.path());
        }
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
pub(crate) fn find_address(
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
