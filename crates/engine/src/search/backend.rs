//! Where the articles are held and searched: a local tantivy index
//! ([`Engine`]) or a cluster (the `xunwen-opensearch` crate). The faces (the
//! server, the command line, the evaluation) call this trait and never care
//! which; both backends plan with the same planner, collapse with
//! [`super::collapse::group_stories`], count facets into
//! [`crate::facets::Facets::from_counts`] and cut snippets with
//! [`crate::snippet::Highlighter`], so their answers look the same.

use serde::Serialize;

use super::Engine;
use super::explain::Explanation;
use super::related::Printing;
use super::request::{Limits, SearchRequest};
use super::response::{Hit, SearchResponse};
use crate::article::Article;
use crate::error::EngineError;
use crate::snippet::Highlighter;

/// The state of a backend, for health checks and metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendHealth {
    /// `local` or `opensearch`.
    pub backend: &'static str,
    /// Whether searches can be answered.
    pub ready: bool,
    /// Searchable articles.
    pub articles: u64,
    /// The cluster's health (`green`, `yellow`, `red`), or `ready` for a
    /// local index.
    pub status: String,
    /// Nodes in the cluster (none for a local index).
    pub nodes: Option<u64>,
    /// Why it is not ready, or what is degraded.
    pub reason: Option<String>,
    /// Bytes on disk (of the primary shards, on a cluster).
    pub size_bytes: u64,
}

/// Searching wherever the articles are held.
pub trait Backend: Send + Sync {
    /// Runs a search.
    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError>;
    /// The stored article with this id.
    fn article(&self, id: &str) -> Result<Article, EngineError>;
    /// Up to `count` articles about the same thing as the one with this id.
    fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError>;
    /// How a query is planned and, for an article id, why it matched.
    fn explain(&self, query: &str, id: Option<&str>) -> Result<Explanation, EngineError>;
    fn limits(&self) -> Limits;
    fn set_limits(&mut self, limits: Limits);
    /// The state of the backend now.
    fn health(&self) -> BackendHealth;
    /// What marks a query's words in an article shown whole.
    fn highlighter(&self, query: &str) -> Result<Highlighter, EngineError>;
    /// Every printing of the story the article with this id tells, earliest
    /// first.
    fn printings(&self, id: &str) -> Result<Vec<Printing>, EngineError>;
}

impl Backend for Engine {
    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        Engine::search(self, request)
    }

    fn article(&self, id: &str) -> Result<Article, EngineError> {
        Engine::article(self, id)
    }

    fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError> {
        Engine::related(self, id, count)
    }

    fn highlighter(&self, query: &str) -> Result<Highlighter, EngineError> {
        Ok(Engine::highlighter(self, query))
    }

    fn printings(&self, id: &str) -> Result<Vec<Printing>, EngineError> {
        Engine::printings(self, id)
    }

    fn explain(&self, query: &str, id: Option<&str>) -> Result<Explanation, EngineError> {
        Engine::explain(self, query, id)
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    fn health(&self) -> BackendHealth {
        BackendHealth {
            backend: "local",
            ready: true,
            articles: self.searcher().num_docs(),
            status: "ready".to_string(),
            nodes: None,
            reason: None,
            size_bytes: self.index().size_on_disk(),
        }
    }
}
