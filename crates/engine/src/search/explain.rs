//! How a query is understood (its plan) and, for one article, why it
//! matched (its score taken apart) or did not (the searched words it holds
//! and lacks).

use serde::Serialize;

use super::Engine;
use super::request::{Filters, Sort};
use crate::analysis::fold;
use crate::article::Article;
use crate::error::EngineError;
use crate::query::compile::compile;
use crate::query::plan::Plan;

/// How a query was understood, and why an article matched or not.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub query: String,
    pub folded: String,
    pub segmented: Vec<String>,
    pub plan: Plan,
    pub article: Option<ArticleExplanation>,
}

/// Why one article matched or did not.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleExplanation {
    pub id: String,
    pub matched: bool,
    pub score: Option<f32>,
    /// tantivy's account of the score, as JSON (empty when not matched).
    pub detail: String,
    pub held: Vec<String>,
    pub lacking: Vec<String>,
}

impl Engine {
    /// How a query is understood and, for an article id, why it matches or not.
    pub fn explain(&self, query: &str, id: Option<&str>) -> Result<Explanation, EngineError> {
        let searcher = self.searcher();
        let plan = self.plan(&searcher, query, &Filters::default(), Sort::Relevance);
        let article = match id {
            None => None,
            Some(id) => {
                let Some((address, article)) = self.index().find(&searcher, id)? else {
                    return Err(EngineError::NotFound(id.to_string()));
                };
                let compiled = compile(&plan, self.index().fields());
                let (held, lacking) = words_held(&article, &plan);
                Some(match compiled.explain(&searcher, address) {
                    Ok(detail) => ArticleExplanation {
                        id: id.to_string(),
                        matched: true,
                        score: Some(detail.value()),
                        detail: detail.to_pretty_json(),
                        held,
                        lacking,
                    },
                    Err(_) => ArticleExplanation {
                        id: id.to_string(),
                        matched: false,
                        score: None,
                        detail: String::new(),
                        held,
                        lacking,
                    },
                })
            }
        };
        Ok(Explanation {
            query: query.to_string(),
            folded: fold(query),
            segmented: self.analysis().query_words(query),
            plan,
            article,
        })
    }
}

/// Which of the searched words an article holds and lacks.
pub fn words_held(article: &Article, plan: &Plan) -> (Vec<String>, Vec<String>) {
    let text = fold(&format!("{}\n{}", article.title, article.body));
    let mut words: Vec<String> = Vec::new();
    for word in plan.text.iter().flat_map(|t| &t.words).map(|w| &w.text) {
        if !words.contains(word) {
            words.push(word.clone());
        }
    }
    words
        .into_iter()
        .partition(|word| text.contains(word.as_str()))
}
