//! Xunwen past one machine: the articles held and searched by an OpenSearch
//! cluster, with everything else (extraction, Chinese analysis, the query
//! language, snippets, the page, the command line) still Xunwen's.
//!
//! - [`template`]: the index Xunwen writes: keyword fields, the date, the
//!   original text in `_source`, and Xunwen's own word and character tokens
//!   sent pre-analysed (no Chinese plugin on the cluster);
//! - [`document`]: an article as the cluster holds it, tokens with their
//!   positions kept;
//! - [`bulk`]: batched, retried, idempotent writes;
//! - [`compile`]: the engine's typed query plan as OpenSearch query DSL;
//! - [`backend`]: the search backend, answering with the engine's types.
//!
//! # Why a plain HTTP client
//!
//! The official `opensearch` crate (2.4, Apache-2.0) is async only: it rides
//! on reqwest and tokio and, by default, on the system's OpenSSL
//! (native-tls). Xunwen's engine and indexer are synchronous by design (the
//! server runs engine calls on blocking threads), so the client would need
//! a runtime of its own inside every call, and it adds about a hundred
//! crates to the build. What Xunwen sends is a handful of JSON requests
//! (`_bulk`, `_search`, `_mget`, `_count`, health), which the typed builders
//! of that crate would not check anyway, as the query DSL is built from the
//! plan as JSON. So this crate uses `ureq` (MIT OR Apache-2.0, blocking,
//! rustls for `https://` clusters) and `serde_json`, and keeps its own small
//! [`client::Client`]: node failover, timeouts and retry on 429 and 503.

pub mod backend;
pub mod bulk;
pub mod client;
pub mod compile;
pub mod document;
pub mod template;

pub use backend::OpenSearchBackend;
pub use bulk::{BulkOutcome, BulkWriter, Written};
pub use client::{Client, ClusterError};
pub use template::IndexOptions;

/// The index name used when none is given.
pub const DEFAULT_INDEX: &str = "xunwen";
