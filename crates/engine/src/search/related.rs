//! Articles about the same thing as a given one: its title and the start of
//! its body planned as a pasted passage is (its most telling words). Among
//! them, its reprints (the same exact-duplicate cluster, or SimHashes a few
//! bits apart, as collapse judges) are its printings; the rest are related.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

use super::collapse::{NEAR_DUPLICATE_BITS, collapse};
use super::ranking::{Candidate, collect};
use super::request::Sort;
use super::response::Hit;
use super::{Engine, hit_of};
use crate::article::{Article, simhash, simhash_distance};
use crate::error::EngineError;
use crate::query::compile::compile_in_two_passes;
use crate::query::plan::{Condition, Plan};
use crate::query::planner::Planner;
use crate::query::stats::IndexStatistics;
use crate::snippet::Highlighter;

/// How much of the body speaks for the article, in characters.
pub const RELATED_BODY_CHARS: usize = 1_500;
/// Words searched for related articles, as more-like-this does by default.
pub const RELATED_WORDS: usize = 25;
/// Snippet length of a related article, in characters.
pub const RELATED_SNIPPET_CHARS: usize = 80;
/// Exact reprints listed at most: a wire story can run in hundreds of
/// outlets; the page lists the first ones.
pub const MAX_PRINTINGS: usize = 200;
/// The articles most like one that are looked at for its near duplicates.
pub const PRINTING_NEIGHBOURS: usize = 50;

/// One outlet's printing of a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Printing {
    pub id: String,
    pub url: Option<String>,
    pub source: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// The earliest printing (undated ones come last).
    pub original: bool,
}

/// Related articles and printings of one article, found by one search.
struct Neighbours {
    plan: Plan,
    candidates: Vec<Candidate>,
}

impl Engine {
    /// Up to `count` articles about the same thing as the one with this id,
    /// without itself and its reprints.
    pub fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError> {
        let searcher = self.searcher();
        let article = self.stored(&searcher, id)?;
        let neighbours = self.neighbours(&searcher, &article, count * 3 + 10)?;
        let own = (article.cluster(), simhash(&article.body));
        let highlighter = Highlighter::new(&neighbours.plan.highlight);
        let mut hits = Vec::new();
        for story in collapse(&searcher, neighbours.candidates)? {
            let related = self.index().article_at(&searcher, story.lead.address)?;
            if is_reprint(own, &related) {
                continue;
            }
            let mut hit = hit_of(&related, &highlighter, Some(RELATED_SNIPPET_CHARS));
            hit.score = story.lead.score;
            hits.push(hit);
            if hits.len() == count {
                break;
            }
        }
        Ok(hits)
    }

    /// Every printing of the story the article with this id tells, itself
    /// included, earliest first: its exact duplicates, and near duplicates
    /// among the articles most like it.
    pub fn printings(&self, id: &str) -> Result<Vec<Printing>, EngineError> {
        let searcher = self.searcher();
        let article = self.stored(&searcher, id)?;
        let term = Term::from_field_u64(self.index().fields().cluster, article.cluster());
        let exact = searcher.search(
            &TermQuery::new(term, IndexRecordOption::Basic),
            &TopDocs::with_limit(MAX_PRINTINGS).order_by_score(),
        )?;
        let mut addresses: Vec<DocAddress> = exact.into_iter().map(|(_, a)| a).collect();
        let neighbours = self.neighbours(&searcher, &article, PRINTING_NEIGHBOURS)?;
        addresses.extend(neighbours.candidates.iter().map(|c| c.address));
        let found = addresses
            .into_iter()
            .map(|address| self.index().article_at(&searcher, address))
            .collect::<Result<Vec<Article>, EngineError>>()?;
        Ok(printings_among(&article, found))
    }

    fn stored(&self, searcher: &Searcher, id: &str) -> Result<Article, EngineError> {
        match self.index().find(searcher, id)? {
            Some((_, article)) => Ok(article),
            None => Err(EngineError::NotFound(id.to_string())),
        }
    }

    /// The articles most like this one, best first, without itself.
    fn neighbours(
        &self,
        searcher: &Searcher,
        article: &Article,
        window: usize,
    ) -> Result<Neighbours, EngineError> {
        let statistics = IndexStatistics {
            searcher,
            fields: self.index().fields(),
        };
        let plan = related_plan(&self.planner(&statistics, None), article);
        let query = compile_in_two_passes(&plan, self.index().fields(), self.two_passes_from);
        let deadline = std::time::Instant::now() + self.limits.time_budget;
        let partial = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let collected = collect(
            searcher,
            &query,
            Sort::Relevance,
            window,
            super::ranking::Counting {
                facets: None,
                exactly_up_to: self.counted_exactly,
            },
            deadline,
            &partial,
        )?;
        Ok(Neighbours {
            plan,
            candidates: collected.candidates,
        })
    }
}

/// The text that speaks for an article: its title and the start of its body.
pub fn related_text(article: &Article) -> String {
    let start: String = article.body.chars().take(RELATED_BODY_CHARS).collect();
    format!("{}。{start}", article.title)
}

/// The plan that finds articles like this one: its most telling words, as a
/// pasted passage is planned, without the article itself. Every backend
/// searches this plan.
pub fn related_plan(planner: &Planner, article: &Article) -> Plan {
    let text_plan = planner.related_plan(&related_text(article), RELATED_WORDS);
    let highlight = text_plan.words.iter().map(|w| w.text.clone()).collect();
    Plan {
        text: Some(text_plan),
        text_required: true,
        required: Vec::new(),
        excluded: vec![Condition::Ids(Arc::from([article.id.clone()]))],
        sort: Sort::Relevance,
        highlight,
        ignored: Vec::new(),
    }
}

/// Whether `other` reprints the story of an article with this cluster and
/// SimHash, as collapse judges it.
pub fn is_reprint(own: (u64, u64), other: &Article) -> bool {
    is_reprint_by_keys(own, (other.cluster(), simhash(&other.body)))
}

/// The same judgement on the keys alone (cluster, SimHash), as a backend
/// holds them beside each hit.
pub fn is_reprint_by_keys(
    (cluster, own_simhash): (u64, u64),
    (theirs_cluster, theirs): (u64, u64),
) -> bool {
    theirs_cluster == cluster
        || (own_simhash != 0
            && theirs != 0
            && simhash_distance(own_simhash, theirs) <= NEAR_DUPLICATE_BITS)
}

/// The printings of `article` among `found` (its exact duplicates and the
/// articles most like it, in any order, repeats and others allowed): itself
/// and its reprints, earliest first (the undated after the dated, ties by
/// id), the earliest marked as the original. Every backend ends here.
pub fn printings_among(article: &Article, found: Vec<Article>) -> Vec<Printing> {
    let own = (article.cluster(), simhash(&article.body));
    let printing = |printed: &Article| Printing {
        id: printed.id.clone(),
        url: printed.url.clone(),
        source: printed.source.clone(),
        published: printed.published,
        original: false,
    };
    let mut printings = vec![printing(article)];
    for printed in &found {
        if is_reprint(own, printed) && !printings.iter().any(|p| p.id == printed.id) {
            printings.push(printing(printed));
        }
    }
    printings.sort_by(|a, b| {
        (a.published.is_none(), a.published, &a.id).cmp(&(
            b.published.is_none(),
            b.published,
            &b.id,
        ))
    });
    if let Some(first) = printings.first_mut() {
        first.original = true;
    }
    printings
}
