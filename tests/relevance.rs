//! The three dev sets of shared/eval, each scored through `search eval` on
//! an index built by `search index`: the figures the ranking reached, one
//! test per set. docs/relevance.md has their history.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{arg, search, shared, stderr};

/// The CRUD news indexed once for the question and keyword sets.
fn crud_index() -> &'static Path {
    static INDEX: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, index) = INDEX.get_or_init(|| {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        let index = dir.path().join("crud");
        let news = shared().join("corpus/crud/news.jsonl.gz");
        let output = search(&["index", "--index", arg(&index), arg(&news)]);
        assert!(output.status.success(), "{}", stderr(&output));
        (dir, index)
    });
    index
}

/// `search eval --json` with these arguments; its metrics.
fn eval(index: &Path, set: &str, extra: &[&str]) -> Value {
    let dir = shared().join("eval").join(set);
    let (queries, qrels) = (dir.join("queries.dev.tsv"), dir.join("qrels.dev.tsv"));
    let mut args = vec![
        "eval",
        "--index",
        arg(index),
        "--queries",
        arg(&queries),
        "--qrels",
        arg(&qrels),
        "--json",
    ];
    args.extend_from_slice(extra);
    let output = search(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let metrics: Value = serde_json::from_slice(&output.stdout).expect("JSON metrics");
    eprintln!("{set}: {metrics}");
    metrics
}

fn figure(metrics: &Value, name: &str) -> f64 {
    metrics[name]
        .as_f64()
        .unwrap_or_else(|| panic!("no {name} in {metrics}"))
}

/// Natural questions: MRR@10 0.709 and Recall@100 0.952 reached.
#[test]
fn dev_questions_find_their_articles() {
    let metrics = eval(crud_index(), "crud-qa", &[]);
    assert_eq!(metrics["queries"], 171);
    assert!(figure(&metrics, "mrr@10") >= 0.705, "{metrics}");
    assert!(figure(&metrics, "recall@100") >= 0.95, "{metrics}");
}

/// Keyword spans: MRR@10 0.990 reached (one miss is a label artifact).
#[test]
fn dev_keywords_find_their_articles() {
    let metrics = eval(crud_index(), "crud-kw", &[]);
    assert_eq!(metrics["queries"], 50);
    assert!(figure(&metrics, "mrr@10") >= 0.985, "{metrics}");
}

/// Long case-fact passages, each ranking its own pool under LeCaRD's
/// protocol (relevant at grade 3, condensed lists): MAP 0.545, NDCG@30
/// 0.872 reached, and no query refused.
#[test]
fn dev_passages_rank_their_pools() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let index = dir.path().join("lecard");
    let candidates = shared().join("eval/lecard/candidates.dev.jsonl.gz");
    let output = search(&["index", "--index", arg(&index), arg(&candidates)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let metrics = eval(
        &index,
        "lecard",
        &[
            "--pools",
            arg(&candidates),
            "--relevant-grade",
            "3",
            "--condensed",
        ],
    );
    assert_eq!(metrics["queries"], 52);
    assert!(figure(&metrics, "map") >= 0.54, "{metrics}");
    assert!(figure(&metrics, "ndcg@30") >= 0.87, "{metrics}");
}
