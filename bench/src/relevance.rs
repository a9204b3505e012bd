//! The three dev sets of shared/eval scored together, for each set of
//! ranking weights asked for: questions and keywords over the CRUD news,
//! LeCaRD's long passages each over its own pool of candidates.
//!
//! ```text
//! cargo run --release -p xunwen-bench -- relevance [--work DIR] [--weights proximity=0.5,near=0.3]... [--two-passes-from N]
//! ```
//!
//! The indexes are built in the work directory the first time, by `search
//! index`'s own code: the CRUD news, and LeCaRD's candidates.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, bail};
use xunwen_engine::Engine;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::eval::{self, Judgments, Metrics, Pools, Protocol};
use xunwen_engine::query::weights::Weights;
use xunwen_indexer::{IndexOptions, run};

/// One dev set: its queries and judgments, and how it is scored.
pub struct DevSet {
    #[allow(dead_code)]
    pub name: &'static str,
    pub queries: Vec<(String, String)>,
    pub judgments: Judgments,
    pub pools: Option<Pools>,
    pub protocol: Protocol,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn gz_lines(path: &Path) -> anyhow::Result<impl BufRead> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
}

impl DevSet {
    fn load(shared: &Path, name: &'static str) -> anyhow::Result<DevSet> {
        let dir = shared.join("eval").join(name);
        let queries = eval::parse_queries(&read(&dir.join("queries.dev.tsv"))?)
            .map_err(anyhow::Error::msg)?;
        let judgments =
            eval::parse_qrels(&read(&dir.join("qrels.dev.tsv"))?).map_err(anyhow::Error::msg)?;
        let lecard = name == "lecard";
        let pools = if lecard {
            Some(
                eval::parse_pools(gz_lines(&dir.join("candidates.dev.jsonl.gz"))?)
                    .map_err(anyhow::Error::msg)?,
            )
        } else {
            None
        };
        let protocol = if lecard {
            Protocol {
                relevant_grade: 3,
                condensed: true,
            }
        } else {
            Protocol::default()
        };
        Ok(DevSet {
            name,
            queries,
            judgments,
            pools,
            protocol,
        })
    }

    /// Every query searched, then scored: all of them, and each of two
    /// halves split by item (the question items' key, so that the
    /// questions of one item fall together), to see whether a change
    /// helps both.
    pub fn score(&self, engine: &Engine) -> anyhow::Result<(Metrics, Metrics, Metrics)> {
        let mut ranked = HashMap::new();
        for (qid, query) in &self.queries {
            let pool = self.pools.as_ref().map(|p| p[qid].as_slice());
            ranked.insert(qid.clone(), eval::ranked_groups(engine, query, pool)?);
        }
        let asked: std::collections::HashSet<&String> =
            self.queries.iter().map(|(q, _)| q).collect();
        let judgments: Judgments = self
            .judgments
            .iter()
            .filter(|(qid, _)| asked.contains(qid))
            .map(|(q, j)| (q.clone(), j.clone()))
            .collect();
        let half = |which: u64| -> Judgments {
            judgments
                .iter()
                .filter(|(qid, _)| {
                    let item = qid.rsplit_once("-q").map_or(qid.as_str(), |(item, _)| item);
                    item.bytes()
                        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
                        % 2
                        == which
                })
                .map(|(q, j)| (q.clone(), j.clone()))
                .collect()
        };
        Ok((
            eval::score_run(&judgments, &ranked, &self.protocol),
            eval::score_run(&half(0), &ranked, &self.protocol),
            eval::score_run(&half(1), &ranked, &self.protocol),
        ))
    }
}

fn ensure_index(dir: &Path, input: &Path) -> anyhow::Result<()> {
    if dir.join("meta.json").exists() {
        return Ok(());
    }
    eprintln!("indexing {} into {}", input.display(), dir.display());
    run(
        &[input.to_path_buf()],
        &IndexOptions::new(dir.to_path_buf()),
    )?;
    Ok(())
}

/// Reads `name=value,name=value` over the default weights.
pub(crate) fn weights_from(spec: &str) -> anyhow::Result<Weights> {
    let mut w = Weights::default();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once('=').context("expected name=value")?;
        let number: f64 = value
            .parse()
            .with_context(|| format!("`{value}` is not a number"))?;
        let f = number as f32;
        match name {
            "title" => w.title = f,
            "proximity" => w.proximity = f,
            "slop" => w.proximity_slop = number as u32,
            "near" => w.near = f,
            "near_slop" => w.near_slop = number as u32,
            "side_by_side" => w.side_by_side = f,
            "coverage" => w.coverage = f,
            "chunk" => w.chunk = f,
            "clause" => w.clause = f,
            "passage_words" => w.passage_words = number as usize,
            "passage_match" => w.passage_match = f,
            other => bail!("unknown weight `{other}`"),
        }
    }
    Ok(w)
}

pub fn relevance(args: &crate::Args) -> anyhow::Result<()> {
    let (shared, work, specs) = (args.shared.as_path(), args.work.as_path(), &args.weights);
    std::fs::create_dir_all(work)?;
    let crud_index = work.join("crud-index");
    ensure_index(&crud_index, &shared.join("corpus/crud/news.jsonl.gz"))?;
    // Each candidate once, however many pools it is in (its facts are its body).
    let lecard_index = work.join("lecard-index");
    ensure_index(
        &lecard_index,
        &shared.join("eval/lecard/candidates.dev.jsonl.gz"),
    )?;
    let sets = ["crud-qa", "crud-kw", "lecard"]
        .iter()
        .map(|name| DevSet::load(shared, name))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut crud = Engine::open(&crud_index, Analysis::default_shared())?;
    let mut lecard = Engine::open(&lecard_index, Analysis::default_shared())?;
    lecard.limits.max_page_size = 1000;
    if let Some(from) = args.two_passes_from {
        crud.two_passes_from = from;
        lecard.two_passes_from = from;
    }
    let specs: Vec<String> = if specs.is_empty() {
        vec![String::new()]
    } else {
        specs.to_vec()
    };
    println!(
        "| weights | questions MRR@10 (halves) | questions R@100 | keywords MRR@10 (halves) | LeCaRD MAP (halves) | LeCaRD NDCG@10 | LeCaRD NDCG@30 (halves) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for spec in &specs {
        let weights = weights_from(spec)?;
        crud.weights = weights;
        lecard.weights = weights;
        let (qa, qa0, qa1) = sets[0].score(&crud)?;
        let (kw, kw0, kw1) = sets[1].score(&crud)?;
        let (lc, lc0, lc1) = sets[2].score(&lecard)?;
        println!(
            "| {} | {:.3} ({:.3} {:.3}) | {:.3} | {:.3} ({:.3} {:.3}) | {:.3} ({:.3} {:.3}) | {:.3} | {:.3} ({:.3} {:.3}) |",
            if spec.is_empty() { "default" } else { spec },
            qa.mrr_at_10,
            qa0.mrr_at_10,
            qa1.mrr_at_10,
            qa.recall_at_100,
            kw.mrr_at_10,
            kw0.mrr_at_10,
            kw1.mrr_at_10,
            lc.map,
            lc0.map,
            lc1.map,
            lc.ndcg_at_10,
            lc.ndcg_at_30,
            lc0.ndcg_at_30,
            lc1.ndcg_at_30,
        );
    }
    Ok(())
}
