//! Relevance evaluation: a query set (TSV: id, tab, query) against TREC qrels,
//! scored by MRR@10, nDCG@10, Recall@10 and Recall@100.
//!
//! ```
//! use std::collections::{HashMap, HashSet};
//! use xunwen_engine::eval::score_run;
//! let relevant = HashMap::from([("q1".to_string(), HashSet::from(["d2".to_string()]))]);
//! let ranked = HashMap::from([("q1".to_string(), vec![vec!["d1".to_string()], vec!["d2".to_string()]])]);
//! let metrics = score_run(&relevant, &ranked);
//! assert_eq!(metrics.mrr_at_10, 0.5);
//! ```

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::{Engine, EngineError, SearchRequest};

/// The figures of one evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    #[serde(rename = "mrr@10")]
    pub mrr_at_10: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg_at_10: f64,
    #[serde(rename = "recall@10")]
    pub recall_at_10: f64,
    #[serde(rename = "recall@100")]
    pub recall_at_100: f64,
    pub queries: usize,
}

/// Reads `id<TAB>query` lines.
pub fn parse_queries(text: &str) -> Result<Vec<(String, String)>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            line.split_once('\t')
                .map(|(id, query)| (id.trim().to_string(), query.trim().to_string()))
                .ok_or_else(|| format!("line {}: expected `id<TAB>query`", number + 1))
        })
        .collect()
}

/// Reads TREC qrels (`qid 0 docid grade`); grades above 0 are relevant.
pub fn parse_qrels(text: &str) -> Result<HashMap<String, HashSet<String>>, String> {
    let mut relevant: HashMap<String, HashSet<String>> = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts[..] {
            [] => continue,
            [qid, _, docid, grade] => {
                let grade: i64 = grade
                    .parse()
                    .map_err(|_| format!("line {}: grade `{grade}` is not a number", number + 1))?;
                if grade > 0 {
                    relevant
                        .entry(qid.to_string())
                        .or_default()
                        .insert(docid.to_string());
                }
            }
            _ => return Err(format!("line {}: expected `qid 0 docid grade`", number + 1)),
        }
    }
    Ok(relevant)
}

/// The top 100 of a query as the evaluation sees it: each rank holds a hit
/// and the reprints collapsed into it.
pub fn ranked_groups(engine: &Engine, query: &str) -> Result<Vec<Vec<String>>, EngineError> {
    let request = SearchRequest {
        query: query.to_string(),
        size: 100,
        snippets: false,
        facets: false,
        ..SearchRequest::default()
    };
    Ok(engine
        .search(&request)?
        .hits
        .into_iter()
        .map(|hit| {
            let mut group = vec![hit.id];
            group.extend(hit.duplicates.map(|d| d.ids).unwrap_or_default());
            group
        })
        .collect())
}

/// Scores rankings against the relevant sets. Each rank holds a hit and the
/// reprints collapsed into it: a rank counts as relevant when any of them is
/// (as the relevance set asks of an engine that collapses near-duplicates).
/// Queries without judgments are left out.
pub fn score_run(
    relevant: &HashMap<String, HashSet<String>>,
    ranked: &HashMap<String, Vec<Vec<String>>>,
) -> Metrics {
    let (mut mrr, mut ndcg, mut recall_10, mut recall_100) = (0.0, 0.0, 0.0, 0.0);
    let mut queries = 0usize;
    for (qid, judged) in relevant {
        if judged.is_empty() {
            continue;
        }
        queries += 1;
        let empty = Vec::new();
        let ranking = ranked.get(qid).unwrap_or(&empty);
        let is_relevant = |group: &Vec<String>| group.iter().any(|d| judged.contains(d));
        if let Some(rank) = ranking.iter().take(10).position(is_relevant) {
            mrr += 1.0 / (rank + 1) as f64;
        }
        let dcg: f64 = ranking
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, group)| is_relevant(group))
            .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
            .sum();
        let ideal: f64 = (0..judged.len().min(10))
            .map(|i| 1.0 / ((i + 2) as f64).log2())
            .sum();
        ndcg += dcg / ideal;
        let found = |k: usize| {
            let seen: HashSet<&String> = ranking
                .iter()
                .take(k)
                .flatten()
                .filter(|d| judged.contains(*d))
                .collect();
            seen.len() as f64 / judged.len() as f64
        };
        recall_10 += found(10);
        recall_100 += found(100);
    }
    let n = queries.max(1) as f64;
    Metrics {
        mrr_at_10: mrr / n,
        ndcg_at_10: ndcg / n,
        recall_at_10: recall_10 / n,
        recall_at_100: recall_100 / n,
        queries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_a_small_run() {
        let relevant = parse_qrels("q1 0 a 1\nq1 0 b 1\nq2 0 c 1\nq2 0 x 0\n").unwrap();
        let ranked = HashMap::from([
            (
                "q1".to_string(),
                vec![
                    vec!["a".to_string()],
                    vec!["z".to_string()],
                    vec!["b".to_string()],
                ],
            ),
            ("q2".to_string(), vec![vec!["y".to_string()]]),
        ]);
        let m = score_run(&relevant, &ranked);
        assert_eq!(m.queries, 2);
        assert!((m.mrr_at_10 - 0.5).abs() < 1e-9);
        assert!((m.recall_at_10 - 0.5).abs() < 1e-9);
        let ndcg_q1 = (1.0 + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((m.ndcg_at_10 - ndcg_q1 / 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_relevant_reprint_counts_for_its_group() {
        let relevant = parse_qrels("q1 0 copy 1\n").unwrap();
        let ranked = HashMap::from([(
            "q1".to_string(),
            vec![
                vec!["x".to_string()],
                vec!["lead".to_string(), "copy".to_string()],
            ],
        )]);
        let m = score_run(&relevant, &ranked);
        assert!((m.mrr_at_10 - 0.5).abs() < 1e-9);
        assert!((m.recall_at_10 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn malformed_input_is_reported_with_its_line() {
        assert!(parse_queries("q1 no tab").unwrap_err().contains("line 1"));
        assert!(parse_qrels("q1 0 a\n").unwrap_err().contains("line 1"));
    }
}
