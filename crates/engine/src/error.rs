//! Typed errors of the engine. Messages are written for the person running
//! the command; each face (HTTP, terminal) decides its own status.

use std::path::PathBuf;

/// What is wrong with a search request: the caller's mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the query is {chars} characters long; at most {max} are allowed")]
    QueryTooLong { chars: usize, max: usize },
    #[error("size must be between 1 and {max}")]
    SizeOutOfRange { max: usize },
    #[error("page numbers start at 1")]
    PageZero,
    #[error("results past the first {max} cannot be paged to; narrow the search instead")]
    PageTooDeep { max: usize },
    #[error("`from` is after `to`")]
    DatesReversed,
}

/// What can go wrong in the engine.
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
    #[error("invalid request: {0}")]
    Request(#[from] RequestError),
    #[error("no article with id {0}")]
    NotFound(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The cluster holding the articles cannot answer (unreachable, red, or
    /// refusing): a reason for the person and the status to retry later.
    #[error("the OpenSearch cluster cannot answer: {reason}")]
    Cluster { reason: String },
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
