//! The heart of Xunwen (寻闻): schema, Chinese analysis, the index, queries,
//! snippets and facets. Synchronous code, no HTTP; the indexer, the server and
//! the `search` command line all go through it.

pub mod analysis;
pub mod article;
pub mod dates;
pub mod error;

pub use article::Article;
pub use error::EngineError;
pub mod index;
pub mod schema;
pub mod stats;

pub use index::{ArticleWriter, NewsIndex, Upsert};
