//! The term statistics the planner needs, behind a small trait, so the
//! planner can be tested with made-up numbers and no index.

use std::collections::HashMap;

use tantivy::{Searcher, Term};

use crate::schema::Fields;

/// Where a term is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CountedIn {
    TitleWords,
    BodyWords,
}

/// How many articles there are and how many hold a term.
pub trait TermStatistics {
    fn article_count(&self) -> u64;
    fn document_frequency(&self, field: CountedIn, term: &str) -> u64;
}

/// The statistics of an index snapshot.
pub struct IndexStatistics<'a> {
    pub searcher: &'a Searcher,
    pub fields: &'a Fields,
}

impl TermStatistics for IndexStatistics<'_> {
    fn article_count(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn document_frequency(&self, counted_in: CountedIn, term: &str) -> u64 {
        let field = match counted_in {
            CountedIn::TitleWords => self.fields.title,
            CountedIn::BodyWords => self.fields.body,
        };
        self.searcher
            .doc_freq(&Term::from_field_text(field, term))
            .unwrap_or(0)
    }
}

/// Made-up statistics: an article count and each word's frequency in the
/// body (titles hold nothing).
#[derive(Debug, Clone, Default)]
pub struct FixedStatistics {
    pub articles: u64,
    pub body: HashMap<String, u64>,
}

impl FixedStatistics {
    pub fn new(articles: u64, body: &[(&str, u64)]) -> FixedStatistics {
        FixedStatistics {
            articles,
            body: body.iter().map(|(w, n)| (w.to_string(), *n)).collect(),
        }
    }
}

impl TermStatistics for FixedStatistics {
    fn article_count(&self) -> u64 {
        self.articles
    }

    fn document_frequency(&self, counted_in: CountedIn, term: &str) -> u64 {
        match counted_in {
            CountedIn::TitleWords => 0,
            CountedIn::BodyWords => self.body.get(term).copied().unwrap_or(0),
        }
    }
}
