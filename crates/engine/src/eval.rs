//! Relevance evaluation: a query set (TSV: id, tab, query) against graded
//! TREC qrels, scored by MRR@10, nDCG@10 and @30, Recall@10 and @100, MAP
//! and P@5.
//!
//! Two protocols share the code. An open search (the CRUD sets) ranks the
//! whole index, collapses reprints, and counts a rank as relevant when any
//! article collapsed into it is. A pool search (LeCaRD) ranks only each
//! query's own candidates, every one on its own, and computes MAP and P@k
//! over the judged candidates alone ("condensed lists"), as LeCaRD's own
//! scorer does.
//!
//! ```
//! use std::collections::HashMap;
//! use xunwen_engine::eval::{parse_qrels, score_run, Protocol};
//! let judgments = parse_qrels("q1 0 d2 1\n").unwrap();
//! let ranked = HashMap::from([("q1".to_string(), vec![vec!["d1".to_string()], vec!["d2".to_string()]])]);
//! let metrics = score_run(&judgments, &ranked, &Protocol::default());
//! assert_eq!(metrics.mrr_at_10, 0.5);
//! ```

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::sync::Arc;

use serde::Serialize;

use crate::search::{Backend, SearchRequest};
use crate::{EngineError, search::Filters};

/// The judged documents of each query: query id -> document id -> grade.
pub type Judgments = HashMap<String, HashMap<String, u32>>;

/// Each query's own candidates: query id -> document ids.
pub type Pools = HashMap<String, Vec<String>>;

/// How rankings are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocol {
    /// Grades at or above this count as relevant (LeCaRD: 3).
    pub relevant_grade: u32,
    /// MAP and P@k over the judged documents only, in their ranked order.
    pub condensed: bool,
}

impl Default for Protocol {
    fn default() -> Self {
        Protocol {
            relevant_grade: 1,
            condensed: false,
        }
    }
}

/// The figures of one evaluation run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    #[serde(rename = "mrr@10")]
    pub mrr_at_10: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg_at_10: f64,
    #[serde(rename = "ndcg@30")]
    pub ndcg_at_30: f64,
    #[serde(rename = "recall@10")]
    pub recall_at_10: f64,
    #[serde(rename = "recall@100")]
    pub recall_at_100: f64,
    pub map: f64,
    #[serde(rename = "p@5")]
    pub p_at_5: f64,
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

/// Reads TREC qrels (`qid 0 docid grade`), every grade kept.
pub fn parse_qrels(text: &str) -> Result<Judgments, String> {
    let mut judgments: Judgments = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts[..] {
            [] => continue,
            [qid, _, docid, grade] => {
                let grade: u32 = grade.parse().map_err(|_| {
                    format!("line {}: grade `{grade}` is not a whole number", number + 1)
                })?;
                judgments
                    .entry(qid.to_string())
                    .or_default()
                    .insert(docid.to_string(), grade);
            }
            _ => return Err(format!("line {}: expected `qid 0 docid grade`", number + 1)),
        }
    }
    Ok(judgments)
}

/// Reads candidate pools: JSON Lines with the query id in `pool` and the
/// document id in `id` (LeCaRD's candidates file as it is).
pub fn parse_pools(reader: impl BufRead) -> Result<Pools, String> {
    let mut pools: Pools = HashMap::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("line {}: malformed JSON: {e}", number + 1))?;
        let text = |key: &str| match &record[key] {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let (Some(pool), Some(id)) = (text("pool"), text("id")) else {
            return Err(format!(
                "line {}: a candidate needs `pool` and `id`",
                number + 1
            ));
        };
        pools.entry(pool).or_default().push(id);
    }
    Ok(pools)
}

/// The ranking of one query as the evaluation sees it: each rank holds a
/// hit and the reprints collapsed into it. With a pool, only the pool's
/// articles are ranked, all of them, each on its own.
pub fn ranked_groups(
    engine: &dyn Backend,
    query: &str,
    pool: Option<&[String]>,
) -> Result<Vec<Vec<String>>, EngineError> {
    let mut request = SearchRequest {
        query: query.to_string(),
        size: 100,
        snippets: false,
        facets: false,
        ..SearchRequest::default()
    };
    if let Some(pool) = pool {
        request.size = pool.len().max(1);
        request.collapse = false;
        request.filters = Filters {
            ids: Some(Arc::from(pool)),
            ..Filters::default()
        };
    }
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

/// The judgments of one query, seen through a protocol.
struct Judged<'a> {
    grades: &'a HashMap<String, u32>,
    relevant: usize,
    protocol: &'a Protocol,
}

impl Judged<'_> {
    fn grade(&self, id: &str) -> u32 {
        self.grades.get(id).copied().unwrap_or(0)
    }

    fn is_relevant(&self, id: &str) -> bool {
        self.grade(id) >= self.protocol.relevant_grade
    }

    /// A group's grade is its best member's.
    fn group_grade(&self, group: &[String]) -> u32 {
        group.iter().map(|id| self.grade(id)).max().unwrap_or(0)
    }

    fn ndcg(&self, ranking: &[Vec<String>], k: usize) -> f64 {
        let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
        let dcg: f64 = ranking
            .iter()
            .take(k)
            .enumerate()
            .map(|(i, group)| f64::from(self.group_grade(group)) * discount(i))
            .sum();
        let mut ideal: Vec<u32> = self.grades.values().copied().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let ideal: f64 = ideal
            .iter()
            .take(k)
            .enumerate()
            .map(|(i, grade)| f64::from(*grade) * discount(i))
            .sum();
        if ideal > 0.0 { dcg / ideal } else { 0.0 }
    }

    fn recall(&self, ranking: &[Vec<String>], k: usize) -> f64 {
        let found: HashSet<&String> = ranking
            .iter()
            .take(k)
            .flatten()
            .filter(|id| self.is_relevant(id))
            .collect();
        found.len() as f64 / self.relevant as f64
    }

    /// Every article in ranked order (reprints after their hit); only the
    /// judged ones in a condensed list.
    fn flattened<'r>(&self, ranking: &'r [Vec<String>]) -> Vec<&'r String> {
        let mut seen = HashSet::new();
        ranking
            .iter()
            .flatten()
            .filter(|id| seen.insert(*id))
            .filter(|id| !self.protocol.condensed || self.grades.contains_key(*id))
            .collect()
    }

    fn average_precision(&self, flat: &[&String]) -> f64 {
        let mut hits = 0usize;
        let mut sum = 0.0;
        for (i, id) in flat.iter().enumerate() {
            if self.is_relevant(id) {
                hits += 1;
                sum += hits as f64 / (i + 1) as f64;
            }
        }
        sum / self.relevant as f64
    }

    fn precision(&self, flat: &[&String], k: usize) -> f64 {
        flat.iter()
            .take(k)
            .filter(|id| self.is_relevant(id))
            .count() as f64
            / k as f64
    }
}

/// Scores rankings against the judgments. Queries with no relevant
/// judgment are left out; a judged query missing from the run scores 0.
pub fn score_run(
    judgments: &Judgments,
    ranked: &HashMap<String, Vec<Vec<String>>>,
    protocol: &Protocol,
) -> Metrics {
    let mut sums = [0.0f64; 7];
    let mut queries = 0usize;
    let empty = Vec::new();
    for (qid, grades) in judgments {
        let judged = Judged {
            grades,
            relevant: grades
                .values()
                .filter(|g| **g >= protocol.relevant_grade)
                .count(),
            protocol,
        };
        if judged.relevant == 0 {
            continue;
        }
        queries += 1;
        let ranking = ranked.get(qid).unwrap_or(&empty);
        let flat = judged.flattened(ranking);
        let reciprocal_rank = ranking
            .iter()
            .take(10)
            .position(|group| judged.group_grade(group) >= protocol.relevant_grade)
            .map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
        let figures = [
            reciprocal_rank,
            judged.ndcg(ranking, 10),
            judged.ndcg(ranking, 30),
            judged.recall(ranking, 10),
            judged.recall(ranking, 100),
            judged.average_precision(&flat),
            judged.precision(&flat, 5),
        ];
        for (sum, figure) in sums.iter_mut().zip(figures) {
            *sum += figure;
        }
    }
    let n = queries.max(1) as f64;
    let [mrr, ndcg10, ndcg30, recall10, recall100, map, p5] = sums.map(|s| s / n);
    Metrics {
        mrr_at_10: mrr,
        ndcg_at_10: ndcg10,
        ndcg_at_30: ndcg30,
        recall_at_10: recall10,
        recall_at_100: recall100,
        map,
        p_at_5: p5,
        queries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranking(ids: &[&[&str]]) -> Vec<Vec<String>> {
        ids.iter()
            .map(|group| group.iter().map(|id| id.to_string()).collect())
            .collect()
    }

    #[test]
    fn metrics_of_a_small_run() {
        let judgments = parse_qrels("q1 0 a 1\nq1 0 b 1\nq2 0 c 1\nq2 0 x 0\n").unwrap();
        let ranked = HashMap::from([
            ("q1".to_string(), ranking(&[&["a"], &["z"], &["b"]])),
            ("q2".to_string(), ranking(&[&["y"]])),
        ]);
        let m = score_run(&judgments, &ranked, &Protocol::default());
        assert_eq!(m.queries, 2);
        assert!((m.mrr_at_10 - 0.5).abs() < 1e-9);
        assert!((m.recall_at_10 - 0.5).abs() < 1e-9);
        let ndcg_q1 = (1.0 + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((m.ndcg_at_10 - ndcg_q1 / 2.0).abs() < 1e-9);
        // q1: precision 1/1 at a, 2/3 at b, over 2 relevant; q2: nothing.
        assert!((m.map - (1.0 + 2.0 / 3.0) / 2.0 / 2.0).abs() < 1e-9);
        assert!((m.p_at_5 - (2.0 / 5.0) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_relevant_reprint_counts_for_its_group() {
        let judgments = parse_qrels("q1 0 copy 1\n").unwrap();
        let ranked = HashMap::from([("q1".to_string(), ranking(&[&["x"], &["lead", "copy"]]))]);
        let m = score_run(&judgments, &ranked, &Protocol::default());
        assert!((m.mrr_at_10 - 0.5).abs() < 1e-9);
        assert!((m.recall_at_10 - 1.0).abs() < 1e-9);
    }

    /// LeCaRD's protocol: graded gains in nDCG, grade 3 relevant for MAP
    /// and P@5, which only look at the judged candidates.
    #[test]
    fn graded_and_condensed_figures() {
        let judgments = parse_qrels("q 0 a 3\nq 0 b 1\nq 0 c 3\nq 0 d 0\n").unwrap();
        let ranked = HashMap::from([(
            "q".to_string(),
            ranking(&[&["b"], &["unjudged"], &["a"], &["d"], &["c"]]),
        )]);
        let protocol = Protocol {
            relevant_grade: 3,
            condensed: true,
        };
        let m = score_run(&judgments, &ranked, &protocol);
        // Condensed: b, a, d, c; relevant a (2nd) and c (4th).
        assert!((m.map - (1.0 / 2.0 + 2.0 / 4.0) / 2.0).abs() < 1e-9);
        assert!((m.p_at_5 - 2.0 / 5.0).abs() < 1e-9);
        let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
        let dcg = 1.0 * discount(0) + 3.0 * discount(2) + 3.0 * discount(4);
        let ideal = 3.0 * discount(0) + 3.0 * discount(1) + 1.0 * discount(2);
        assert!((m.ndcg_at_10 - dcg / ideal).abs() < 1e-9);
        assert!((m.mrr_at_10 - 1.0 / 3.0).abs() < 1e-9);
        // Not condensed, the unjudged candidate counts against precision.
        let open = score_run(&judgments, &ranked, &Protocol::default());
        assert!(open.map < 1.0 && open.queries == 1);
    }

    #[test]
    fn pools_are_read_from_candidate_records() {
        let text = "{\"id\": \"8\", \"pool\": \"4891\", \"fact\": \"…\"}\n\n{\"id\": 9, \"pool\": \"4891\"}\n";
        let pools = parse_pools(text.as_bytes()).unwrap();
        assert_eq!(pools["4891"], ["8", "9"]);
        assert!(
            parse_pools("{\"id\": 1}".as_bytes())
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn malformed_input_is_reported_with_its_line() {
        assert!(parse_queries("q1 no tab").unwrap_err().contains("line 1"));
        assert!(parse_qrels("q1 0 a\n").unwrap_err().contains("line 1"));
        assert!(parse_qrels("q1 0 a x\n").unwrap_err().contains("line 1"));
    }
}
