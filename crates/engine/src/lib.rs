//! The heart of Xunwen (寻闻): schema, Chinese analysis, the index, queries,
//! snippets and facets. Synchronous code, no HTTP; the indexer, the server and
//! the `search` command line all go through it. It speaks types: each face
//! presents them its own way.

pub mod analysis;
pub mod article;
pub mod dates;
pub mod error;
pub mod eval;
pub mod facets;
pub mod index;
pub mod query;
pub mod schema;
pub mod search;
pub mod snippet;
pub mod stats;
pub mod suggest;

pub use article::Article;
pub use error::{EngineError, RequestError};
pub use index::{ArticleWriter, NewsIndex, Upsert};
pub use search::{Backend, BackendHealth, Engine, SearchRequest, SearchResponse, Sort};
