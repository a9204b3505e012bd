//! Articles about the same thing as a given one: its title and the start of
//! its body planned as a pasted passage is (its most telling words), without
//! itself and its reprints.

use std::sync::Arc;

use super::collapse::collapse;
use super::ranking::collect;
use super::request::Sort;
use super::response::Hit;
use super::{Engine, hit_of};
use crate::error::EngineError;
use crate::query::compile::compile;
use crate::query::plan::{Condition, Plan};
use crate::query::stats::IndexStatistics;
use crate::snippet::Highlighter;

/// How much of the body speaks for the article, in characters.
pub const RELATED_BODY_CHARS: usize = 1_500;
/// Words searched for related articles, as more-like-this does by default.
pub const RELATED_WORDS: usize = 25;
/// Snippet length of a related article, in characters.
pub const RELATED_SNIPPET_CHARS: usize = 80;

impl Engine {
    /// Up to `count` articles about the same thing as the one with this id.
    pub fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError> {
        let searcher = self.searcher();
        let Some((_, article)) = self.index().find(&searcher, id)? else {
            return Err(EngineError::NotFound(id.to_string()));
        };
        let text = format!(
            "{}。{}",
            article.title,
            article
                .body
                .chars()
                .take(RELATED_BODY_CHARS)
                .collect::<String>()
        );
        let statistics = IndexStatistics {
            searcher: &searcher,
            fields: self.index().fields(),
        };
        let planner = self.planner(&statistics);
        let text_plan = planner.related_plan(&text, RELATED_WORDS);
        let highlight = text_plan.words.iter().map(|w| w.text.clone()).collect();
        let plan = Plan {
            text: Some(text_plan),
            text_required: true,
            required: Vec::new(),
            excluded: vec![Condition::Ids(Arc::from([article.id.clone()]))],
            sort: Sort::Relevance,
            highlight,
            ignored: Vec::new(),
        };
        let query = compile(&plan, self.index().fields());
        let deadline = std::time::Instant::now() + self.limits.time_budget;
        let partial = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let collected = collect(
            &searcher,
            query.as_ref(),
            Sort::Relevance,
            count * 3 + 10,
            false,
            deadline,
            &partial,
        )?;
        let own_cluster = article.cluster();
        let highlighter = Highlighter::new(&plan.highlight);
        let mut hits = Vec::new();
        for story in collapse(&searcher, collected.candidates)? {
            let related = self.index().article_at(&searcher, story.lead.address)?;
            if related.cluster() == own_cluster {
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
}
