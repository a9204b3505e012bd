//! The search, shared by every face so all give the same hits in the same
//! order: a query is parsed, planned on the index's statistics, compiled,
//! run for one page within the time budget, its reprints collapsed, and its
//! hits highlighted.
//!
//! - [`request`]: what a search asks for, and the limits;
//! - [`response`]: what it answers;
//! - [`ranking`]: running the query in the request's order;
//! - [`collapse`]: reprints into one hit;
//! - [`explain`]: the plan, and why one article matched;
//! - [`related`]: articles about the same thing as one;
//! - [`budget`]: stopping at the time budget;
//! - [`tally`]: the total and the facets, with bounded work.

pub mod backend;
pub mod budget;
pub mod collapse;
pub mod explain;
pub mod ranking;
pub mod related;
pub mod request;
pub mod response;
pub mod tally;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tantivy::{IndexReader, Searcher};

pub use backend::{Backend, BackendHealth};
pub use explain::{ArticleExplanation, Explanation};
pub use related::Printing;
pub use request::{Filters, Limits, SearchRequest, Sort};
pub use response::{Duplicates, Hit, SearchResponse};

use crate::analysis::Analysis;
use crate::article::Article;
use crate::error::EngineError;
use crate::facets::SourceNames;
use crate::index::NewsIndex;
use crate::query::compile::compile_in_two_passes;
use crate::query::parse::parse;
use crate::query::plan::Plan;
use crate::query::planner::Planner;
use crate::query::stats::IndexStatistics;
use crate::query::synonyms::{SynonymFile, Synonyms};
use crate::query::weights::Weights;
use crate::snippet::{Highlighted, Highlighter};

/// A searcher over an index; cheap to share, follows new commits.
#[derive(Clone)]
pub struct Engine {
    index: NewsIndex,
    reader: IndexReader,
    analysis: Analysis,
    pub limits: Limits,
    pub weights: Weights,
    /// A ranked text whose matching words reach this many articles is
    /// ranked in two passes ([`crate::query::compile::TwoPasses`]).
    pub two_passes_from: u64,
    /// Matches a search ranked in two passes counts one by one before it
    /// samples the rest ([`tally::COUNTED_EXACTLY`]).
    pub counted_exactly: u64,
    pub(crate) suggestions: Arc<crate::suggest::SuggestState>,
    /// The source names facets count, read once per segment.
    source_names: Arc<SourceNames>,
    synonyms: Option<Arc<SynonymFile>>,
    /// The stored dictionary the engine was opened with, when it follows it.
    dictionary: Option<Option<String>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("index", &self.index)
            .finish()
    }
}

impl Engine {
    pub fn open(dir: &Path, analysis: Analysis) -> Result<Engine, EngineError> {
        let mut index = NewsIndex::open(dir, &analysis)?;
        // One query's segments are searched in parallel: latency, not throughput.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        index.set_search_threads(cores.min(4))?;
        let reader = index.reader()?;
        Ok(Engine {
            index,
            reader,
            analysis,
            limits: Limits::default(),
            weights: Weights::default(),
            two_passes_from: crate::query::compile::TWO_PASSES_FROM,
            counted_exactly: tally::COUNTED_EXACTLY,
            suggestions: Arc::default(),
            source_names: Arc::default(),
            synonyms: None,
            dictionary: None,
        })
    }

    /// Opens the index with the analysis it was written with (its stored
    /// user dictionary, if any); [`Engine::analysis_changed`] then says when
    /// a re-analysis has changed it.
    pub fn open_as_written(dir: &Path) -> Result<Engine, EngineError> {
        let dictionary = crate::index::dictionary_in_force(dir)?;
        let mut engine = Engine::open(dir, crate::index::analysis_for(dir)?)?;
        engine.dictionary = Some(dictionary);
        Ok(engine)
    }

    /// True when the index's last commit names another user dictionary than
    /// the one this engine segments queries with (only for an engine opened
    /// by [`Engine::open_as_written`]).
    pub fn analysis_changed(&self) -> bool {
        match &self.dictionary {
            Some(opened_with) => crate::index::dictionary_in_force(self.index.path())
                .is_ok_and(|now| now != *opened_with),
            None => false,
        }
    }

    pub fn index(&self) -> &NewsIndex {
        &self.index
    }

    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// Picks up the latest commit now (it is also picked up on its own).
    pub fn reload(&self) -> Result<(), EngineError> {
        Ok(self.reader.reload()?)
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    fn planner<'a>(
        &'a self,
        statistics: &'a IndexStatistics<'a>,
        synonyms: Option<&'a Synonyms>,
    ) -> Planner<'a> {
        Planner {
            analysis: &self.analysis,
            statistics,
            weights: self.weights,
            synonyms,
        }
    }

    /// Applies the rules of a synonym file to every query from now on; the
    /// file is reread when it changes.
    pub fn set_synonyms(&mut self, file: Option<Arc<SynonymFile>>) {
        self.synonyms = file;
    }

    /// The synonym file in force, if any.
    pub fn synonym_file(&self) -> Option<&Arc<SynonymFile>> {
        self.synonyms.as_ref()
    }

    /// How a query is searched, on this searcher's statistics.
    pub fn plan(&self, searcher: &Searcher, query: &str, filters: &Filters, sort: Sort) -> Plan {
        let statistics = IndexStatistics {
            searcher,
            fields: self.index.fields(),
        };
        let synonyms = self.synonyms.as_ref().map(|file| file.current());
        self.planner(&statistics, synonyms.as_deref())
            .plan(&parse(query), filters, sort)
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        request.check(&self.limits)?;
        let searcher = self.searcher();
        let plan = self.plan(&searcher, &request.query, &request.filters, request.sort);
        let mut response = SearchResponse::empty(request, plan.ignored.clone());
        if plan.is_empty() {
            response.took_ms = elapsed_ms(started);
            return Ok(response);
        }
        let query = compile_in_two_passes(&plan, self.index.fields(), self.two_passes_from);
        let wanted = request.offset() + request.size;
        // Collapsing needs a deeper window to fill a page with distinct stories.
        let window = if request.collapse {
            (wanted * 5 + 50).min(self.limits.max_depth * 2)
        } else {
            wanted
        };
        let partial = Arc::new(AtomicBool::new(false));
        let collected = ranking::collect(
            &searcher,
            &query,
            request.sort,
            window,
            ranking::Counting {
                facets: request.facets.then_some(self.source_names.as_ref()),
                exactly_up_to: if request.exact_total {
                    u64::MAX
                } else {
                    self.counted_exactly
                },
            },
            started + self.limits.time_budget,
            &partial,
        )?;
        response.total = collected.total;
        response.total_exact = collected.total_exact;
        response.facets = collected.facets;
        response.partial = partial.load(Ordering::Relaxed);
        let stories = if request.collapse {
            collapse::collapse(&searcher, collected.candidates)?
        } else {
            collapse::one_story_each(collected.candidates)
        };
        let highlighter = Highlighter::new(&plan.highlight);
        let snippet_chars = request.snippets.then_some(request.snippet_chars);
        for story in stories
            .into_iter()
            .skip(request.offset())
            .take(request.size)
        {
            let article = self.index.article_at(&searcher, story.lead.address)?;
            let mut hit = hit_of(&article, &highlighter, snippet_chars);
            hit.score = story.lead.score;
            if !story.reprints.is_empty() {
                hit.duplicates = Some(collapse::describe(&searcher, &story.reprints)?);
            }
            response.hits.push(hit);
        }
        response.took_ms = elapsed_ms(started);
        Ok(response)
    }

    /// What marks a query's words in any text: the words its plan
    /// highlights in hits, for an article shown whole.
    pub fn highlighter(&self, query: &str) -> Highlighter {
        let searcher = self.searcher();
        let plan = self.plan(&searcher, query, &Filters::default(), Sort::Relevance);
        Highlighter::new(&plan.highlight)
    }

    /// The stored article with this id.
    pub fn article(&self, id: &str) -> Result<Article, EngineError> {
        match self.index.find(&self.searcher(), id)? {
            Some((_, article)) => Ok(article),
            None => Err(EngineError::NotFound(id.to_string())),
        }
    }
}

/// Milliseconds since `started`.
pub fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// A hit of an article: its title highlighted whole, its best passage as
/// the snippet (when asked for).
pub fn hit_of(article: &Article, highlighter: &Highlighter, snippet_chars: Option<usize>) -> Hit {
    Hit {
        id: article.id.clone(),
        url: article.url.clone(),
        title: highlighter.highlight(&article.title),
        snippet: snippet_chars.map_or_else(Highlighted::default, |chars| {
            highlighter.snippet(&article.body, chars)
        }),
        source: article.source.clone(),
        published: article.published,
        score: None,
        duplicates: None,
    }
}

#[cfg(test)]
mod tests;
