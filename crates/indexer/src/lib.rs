//! Reading Chinese news archives as they really are (HTML pages, scraped
//! text, JSON and JSON Lines, Markdown transcripts, `.gz` and `.tar.gz`, GBK,
//! GB18030, Big5, UTF-16) into clean articles, and loading them into the index.
//!
//! ```text
//! walk (files) -> container (files, archive members) -> decode + extract
//!   (a format's raw records -> finalize -> articles) -> run -> sink (the
//!   local writer, or bulk requests to an OpenSearch cluster)
//! ```

pub mod container;
pub mod decode;
pub mod export;
pub mod extract;
pub mod manifest;
pub mod merge;
pub mod reanalyze;
pub mod run;
pub mod sink;
pub mod text;
pub mod walk;

pub use export::export_to_cluster;
pub use merge::merge_down;
pub use reanalyze::{ReanalyzeOptions, ReanalyzeReport, reanalyze};
pub use run::{IndexOptions, Notice, Report, RunError, run};
pub use sink::ClusterTarget;
