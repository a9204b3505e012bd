//! Benchmarks of Xunwen beside the bare tantivy + tantivy-jieba pipeline, in
//! one run on the same machine and the same documents, reported as ratios.
//!
//! ```text
//! cargo run --release -p xunwen-bench -- index [--shared ../shared] [--work /tmp/xunwen-bench]
//! cargo run --release -p xunwen-bench -- query [--shared ../shared] [--work /tmp/xunwen-bench]
//! cargo run --release -p xunwen-bench -- suggest [--shared ../shared] [--work /tmp/xunwen-bench]
//! bash bench/load.sh
//! ```
//!
//! Each pipeline runs in a child process of its own, so its peak RSS is its own.

mod bare;
mod relevance;
mod scale;
mod suggest;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use xunwen_engine::analysis::Analysis;
use xunwen_engine::{Engine, SearchRequest};
use xunwen_indexer::extract::Event;
use xunwen_indexer::extract::read_file;
use xunwen_indexer::walk::collect_files;
use xunwen_indexer::{IndexOptions, run};

pub(crate) const THREADS: usize = 2;

/// Benchmarks of Xunwen beside the bare tantivy + tantivy-jieba pipeline.
#[derive(clap::Parser)]
#[command(name = "xunwen-bench", version)]
pub(crate) struct Args {
    /// The benchmark to run.
    pub(crate) command: Benchmark,
    /// The shared corpus and dev sets.
    #[arg(long, default_value = "../shared")]
    pub(crate) shared: PathBuf,
    /// Where the benchmarks write their indexes.
    #[arg(long, default_value_os_t = std::env::temp_dir().join("xunwen-bench"))]
    pub(crate) work: PathBuf,
    /// Ranking weights to score, `name=value,…` each (relevance, query-parts).
    #[arg(long)]
    pub(crate) weights: Vec<String>,
    /// bare-index, same-work-index: the archive to index (JSON Lines).
    #[arg(long)]
    pub(crate) input: Option<PathBuf>,
    /// The index to query or write (query, query-parts, reload, bare-index).
    #[arg(long)]
    pub(crate) index: Option<PathBuf>,
    /// query: the bare pipeline's index, if not the one under --work.
    #[arg(long)]
    pub(crate) bare_index: Option<PathBuf>,
    /// Rank in two passes from this reach (0: every ranked query).
    /// relevance: what the first pass's window costs the ranking;
    /// query-parts: one more variant, what it costs in time.
    #[arg(long)]
    pub(crate) two_passes_from: Option<u64>,
    /// query-parts: every variant in this order (relevance, newest,
    /// oldest, recent).
    #[arg(long, default_value = "relevance")]
    pub(crate) sort: xunwen_engine::search::Sort,
    /// query-parts: only the queries of these kinds (short, question,
    /// keywords, passage).
    #[arg(long, value_delimiter = ',')]
    pub(crate) kinds: Vec<String>,
    /// `measure`: the command to run, after `--`.
    #[arg(last = true)]
    pub(crate) rest: Vec<String>,
}

/// The benchmarks (named in kebab case: `query-parts`).
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Benchmark {
    /// Indexing of the shared corpus, beside the bare pipeline.
    Index,
    /// Query latency over the shared corpus, beside the bare search.
    Query,
    /// The three dev sets (`--weights` to score other weights).
    Relevance,
    /// Suggestions as you type.
    Suggest,
    /// The query set as URL paths, for the load benchmark (bench/load.sh).
    Paths,
    /// What each part of a search costs on `--index` (scale benchmark).
    QueryParts,
    /// Start-up and reload after a commit on `--index`.
    Reload,
    /// Runs the command after `--`, printing its threads' CPU seconds by name.
    Measure,
    /// The bare pipeline indexing `--input` into `--index`.
    BareIndex,
    /// The same-work reference indexing `--input` into `--index`.
    SameWorkIndex,
    /// Children of the index benchmark: one pipeline each, printing
    /// `seconds peak_rss_bytes`.
    #[value(hide = true)]
    ChildXunwen,
    #[value(hide = true)]
    ChildXunwenSame,
    #[value(hide = true)]
    ChildBare,
}

fn main() -> anyhow::Result<()> {
    let args = <Args as clap::Parser>::parse();
    match args.command {
        Benchmark::Index => index_benchmark(&args),
        Benchmark::Query => query_benchmark(&args),
        Benchmark::Relevance => relevance::relevance(&args),
        Benchmark::Suggest => suggest::suggest_benchmark(&args.shared, &args.work),
        Benchmark::Paths => {
            for (_, query) in bench_queries(&args.shared, &Analysis::default_shared())? {
                let encoded = utf8_percent_encode(&query, NON_ALPHANUMERIC);
                println!("/api/search?q={encoded}");
            }
            Ok(())
        }
        Benchmark::ChildXunwen => child_xunwen(&args, &args.shared.join("corpus"), "xunwen-index"),
        Benchmark::ChildXunwenSame => child_xunwen(
            &args,
            &args.work.join("documents.jsonl"),
            "xunwen-same-index",
        ),
        Benchmark::ChildBare => child_bare(&args),
        Benchmark::BareIndex | Benchmark::SameWorkIndex => scale::bare_index(&args),
        Benchmark::Measure => scale::measure(&args.rest),
        Benchmark::Reload => scale::reload(&args),
        Benchmark::QueryParts => scale::query_parts(
            &args,
            &bench_queries(&args.shared, &Analysis::default_shared())?,
        ),
    }
}

/// Peak resident set size of this process, from /proc.
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn dir_size(path: &Path) -> u64 {
    walk_size(path)
}

fn walk_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        walk_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Xunwen indexing `input` into `index` (a directory in the work dir).
fn child_xunwen(args: &Args, input: &Path, index: &str) -> anyhow::Result<()> {
    let mut options = IndexOptions::new(args.work.join(index));
    options.threads = THREADS;
    let started = Instant::now();
    let report = run(&[input.to_path_buf()], &options)?;
    println!(
        "{} {} {} {}",
        started.elapsed().as_secs_f64(),
        peak_rss_bytes(),
        report.added + report.updated + report.unchanged,
        report.files_unchanged
    );
    Ok(())
}

fn child_bare(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let documents = bare::index(
        &args.work.join("documents.jsonl"),
        &args.work.join("bare-index"),
        THREADS,
    )?;
    println!(
        "{} {} {documents} 0",
        started.elapsed().as_secs_f64(),
        peak_rss_bytes()
    );
    Ok(())
}

struct ChildResult {
    seconds: f64,
    peak_rss: u64,
    documents: u64,
    files_unchanged: u64,
}

fn run_child(args: &Args, child: Benchmark) -> anyhow::Result<ChildResult> {
    let value = clap::ValueEnum::to_possible_value(&child).context("a named benchmark")?;
    let which = value.get_name();
    let output = Command::new(std::env::current_exe()?)
        .args([
            which,
            "--shared",
            args.shared.to_str().context("path")?,
            "--work",
            args.work.to_str().context("path")?,
        ])
        .output()?;
    if !output.status.success() {
        bail!(
            "{which} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = String::from_utf8(output.stdout)?;
    let fields: Vec<f64> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    Ok(ChildResult {
        seconds: fields[0],
        peak_rss: fields[1] as u64,
        documents: fields[2] as u64,
        files_unchanged: fields[3] as u64,
    })
}

/// Extracts the corpus once (not timed) into the title+body documents both
/// pipelines index; returns the UTF-8 bytes of that text.
fn write_documents(shared: &Path, path: &Path) -> anyhow::Result<(u64, u64)> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let (mut bytes, mut count) = (0u64, 0u64);
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut seen = std::collections::HashSet::new();
    for file in collect_files(&[shared.join("corpus")], |_, _| {}) {
        let mut write_error = None;
        read_file(&file, counter.clone(), &mut |event| {
            if let Event::Article(article) = event {
                // The same id twice is one article for Xunwen; keep the last.
                if !seen.insert(article.id.clone()) {
                    return;
                }
                bytes += (article.title.len() + article.body.len()) as u64;
                count += 1;
                let line = serde_json::json!({"title": article.title, "body": article.body});
                if let Err(e) = writeln!(out, "{line}") {
                    write_error = Some(e);
                }
            }
        })?;
        if let Some(e) = write_error {
            return Err(e.into());
        }
    }
    out.flush()?;
    Ok((bytes, count))
}

fn index_benchmark(args: &Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.work)?;
    for dir in ["xunwen-index", "xunwen-same-index", "bare-index"] {
        let _ = std::fs::remove_dir_all(args.work.join(dir));
    }
    let (text_bytes, documents) =
        write_documents(&args.shared, &args.work.join("documents.jsonl"))?;
    println!(
        "corpus: {} articles, {:.1} MB of title+body text (UTF-8)",
        documents,
        text_bytes as f64 / 1e6
    );
    let bare = run_child(args, Benchmark::ChildBare)?;
    let ours = run_child(args, Benchmark::ChildXunwen)?;
    let rerun = run_child(args, Benchmark::ChildXunwen)?;
    // The engine alone: the very file the bare pipeline reads, no extraction.
    let same = run_child(args, Benchmark::ChildXunwenSame)?;
    let mb = |b: u64| b as f64 / 1e6;
    let bare_rate = mb(text_bytes) / bare.seconds;
    let our_rate = mb(text_bytes) / ours.seconds;
    let our_size = dir_size(&args.work.join("xunwen-index"));
    let bare_size = dir_size(&args.work.join("bare-index"));
    println!("| pipeline | seconds | MB/s of text | peak RSS | index size | size / text |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| bare tantivy + tantivy-jieba ({} docs) | {:.1} | {:.2} | {:.0} MiB | {:.0} MB | {:.2} |",
        bare.documents,
        bare.seconds,
        bare_rate,
        bare.peak_rss as f64 / 1048576.0,
        mb(bare_size),
        bare_size as f64 / text_bytes as f64
    );
    println!(
        "| xunwen, from the raw archives ({} articles) | {:.1} | {:.2} | {:.0} MiB | {:.0} MB | {:.2} |",
        ours.documents,
        ours.seconds,
        our_rate,
        ours.peak_rss as f64 / 1048576.0,
        mb(our_size),
        our_size as f64 / text_bytes as f64
    );
    println!(
        "| xunwen, from the bare pipeline's own JSONL ({} articles) | {:.1} | {:.2} | {:.0} MiB | | |",
        same.documents,
        same.seconds,
        mb(text_bytes) / same.seconds,
        same.peak_rss as f64 / 1048576.0,
    );
    println!(
        "| xunwen re-run, unchanged corpus ({} files skipped) | {:.2} | | {:.0} MiB | | |",
        rerun.files_unchanged,
        rerun.seconds,
        rerun.peak_rss as f64 / 1048576.0
    );
    println!(
        "\nthroughput ratio xunwen / bare: {:.2} (from the raw archives), {:.2} (from the same JSONL)",
        our_rate / bare_rate,
        bare.seconds / same.seconds
    );
    println!(
        "index size / UTF-8 text: {:.2}",
        our_size as f64 / text_bytes as f64
    );
    println!(
        "re-run time / first run: {:.4}",
        rerun.seconds / ours.seconds
    );
    Ok(())
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// The dev questions plus short queries of 1–3 of their content words.
/// Reads the queries of one `id<TAB>query` file of the dev sets.
fn dev_queries(shared: &Path, set: &str) -> anyhow::Result<Vec<String>> {
    let path = shared.join("eval").join(set).join("queries.dev.tsv");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    Ok(text
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(_, query)| query.to_string())
        .collect())
}

/// The benchmark's mix, each query with its kind: the dev questions, short
/// queries of 1–3 of their words, the dev keyword queries and the LeCaRD
/// dev passages (searched over the whole corpus: the cost of a pasted
/// passage, not its ranking, is measured here).
fn bench_queries(
    shared: &Path,
    analysis: &Analysis,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let questions = dev_queries(shared, "crud-qa")?;
    let mut queries: Vec<(&'static str, String)> =
        questions.iter().map(|q| ("question", q.clone())).collect();
    for (i, question) in questions.iter().enumerate() {
        let words = xunwen_engine::query::reading::content_words(analysis, question);
        let take = 1 + i % 3;
        if words.len() >= take {
            queries.push(("short", words[..take].join(" ")));
        }
    }
    queries.extend(
        dev_queries(shared, "crud-kw")?
            .into_iter()
            .map(|q| ("keywords", q)),
    );
    queries.extend(
        dev_queries(shared, "lecard")?
            .into_iter()
            .map(|q| ("passage", q)),
    );
    Ok(queries)
}

fn query_benchmark(args: &Args) -> anyhow::Result<()> {
    let our_index = args
        .index
        .clone()
        .unwrap_or_else(|| args.work.join("xunwen-index"));
    let bare_index = args
        .bare_index
        .clone()
        .unwrap_or_else(|| args.work.join("bare-index"));
    if !our_index.join("meta.json").exists() || !bare_index.join("meta.json").exists() {
        bail!(
            "run the index benchmark first: it builds both indexes of the whole corpus in {}",
            args.work.display()
        );
    }
    let analysis = Analysis::default_shared();
    let engine = Engine::open(&our_index, analysis.clone())?;
    let bare = bare::Searcher::open(&bare_index)?;
    let queries = bench_queries(&args.shared, &analysis)?;
    let passes = 5;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let mut by_kind: BTreeMap<&str, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
    let mut totals = Vec::new();
    let mut slowest: Vec<(Duration, &String)> = Vec::new();
    for pass in 0..=passes {
        for (kind, query) in &queries {
            let started = Instant::now();
            let response = engine.search(&SearchRequest {
                query: query.clone(),
                ..SearchRequest::default()
            })?;
            let ours_took = started.elapsed();
            if pass == 0 {
                totals.push(response.total);
            }
            std::hint::black_box(response);
            let started = Instant::now();
            std::hint::black_box(bare.search(query, 10)?);
            let bare_took = started.elapsed();
            // Pass 0 warms caches and is not counted.
            if pass > 0 {
                ours.push(ours_took);
                theirs.push(bare_took);
                let kind = by_kind.entry(kind).or_default();
                kind.0.push(ours_took);
                kind.1.push(bare_took);
                slowest.push((ours_took, query));
            }
        }
    }
    totals.sort();
    let median_total = totals.get(totals.len() / 2).copied().unwrap_or(0);
    let count = |kind: &str| queries.iter().filter(|(k, _)| *k == kind).count();
    println!(
        "{} queries ({} dev questions, {} short queries of their words, {} dev keyword queries, {} LeCaRD dev passages) × {passes} passes, interleaved",
        queries.len(),
        count("question"),
        count("short"),
        count("keywords"),
        count("passage"),
    );
    println!("| queries | bare p50 ms | bare p99 ms | xunwen p50 ms | xunwen p99 ms | p99 ratio |");
    println!("|---|---|---|---|---|---|");
    let row = |name: &str, ours: &mut Vec<Duration>, theirs: &mut Vec<Duration>| {
        ours.sort();
        theirs.sort();
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            percentile(theirs, 50.0),
            percentile(theirs, 99.0),
            percentile(ours, 50.0),
            percentile(ours, 99.0),
            percentile(ours, 99.0) / percentile(theirs, 99.0)
        );
    };
    for (kind, (ours, theirs)) in &mut by_kind {
        row(kind, ours, theirs);
    }
    row("all", &mut ours, &mut theirs);
    println!(
        "\nxunwen: top 10, snippets, facets, collapse; bare: tantivy-jieba bag of words, top 10, no snippets"
    );
    // For the scale benchmark's records.
    eprintln!(
        "{}",
        serde_json::json!({
            "queries": queries.len(),
            "passes": passes,
            "xunwen_p50_ms": percentile(&ours, 50.0),
            "xunwen_p99_ms": percentile(&ours, 99.0),
            "bare_p50_ms": percentile(&theirs, 50.0),
            "bare_p99_ms": percentile(&theirs, 99.0),
            "median_total": median_total,
        })
    );
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    eprintln!("slowest xunwen searches:");
    for (took, query) in slowest.iter().take(12) {
        eprintln!("  {:.2} ms  {query}", took.as_secs_f64() * 1000.0);
    }
    Ok(())
}
