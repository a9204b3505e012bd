//! Typed errors of the engine.

use std::path::PathBuf;

/// What can go wrong in the engine. Messages are written for the person
/// running the command.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("another indexer is writing to {index}: {holder}")]
    WriterBusy { index: PathBuf, holder: String },
    #[error("no index at {0}: run `search index PATH` first")]
    NoIndex(PathBuf),
    #[error("the index at {path} cannot be opened: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("cannot read the user dictionary {path}: {reason}")]
    Dictionary { path: PathBuf, reason: String },
    #[error(
        "no space left on the disk of the index {0}: the last commit is intact; free space and run again"
    )]
    DiskFull(PathBuf),
    #[error(
        "the index directory {0} is on a read-only filesystem: tantivy must write its lock files there to read or write it; copy the index to a writable directory or mount it read-write"
    )]
    ReadOnly(PathBuf),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("no article with id {0}")]
    NotFound(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl EngineError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EngineError::Io {
            context: context.into(),
            source,
        }
    }
}
