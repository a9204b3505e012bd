//! Pieces of the scale benchmark (bench/scale.sh): the bare pipelines over a
//! grown archive, the CPU time of merge threads, and reload and start-up
//! times.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use xunwen_engine::analysis::Analysis;
use xunwen_engine::{Engine, SearchRequest};
use xunwen_indexer::{IndexOptions, run};

use crate::{Args, THREADS, bare};

/// `bare-index` (title and body, as anyone would) or `same-work-index` (the
/// fields Xunwen indexes) of `--input` into `--index`.
pub fn bare_index(args: &Args) -> anyhow::Result<()> {
    let input = args.input.as_ref().context("--input FILE")?;
    let index = args.index.as_ref().context("--index DIR")?;
    if index.exists() {
        std::fs::remove_dir_all(index)?;
    }
    let documents = if args.command == crate::Benchmark::SameWorkIndex {
        bare::same_work::index(input, index, THREADS)?
    } else {
        bare::index(input, index, THREADS)?
    };
    println!("{}", serde_json::json!({ "documents": documents }));
    Ok(())
}

/// CPU seconds (user + system) of each thread of a process, by thread name.
fn thread_ticks(pid: u32, into: &mut HashMap<u32, (String, u64)>) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // Fields 14 and 15 of stat(5); the first after the name is field 3.
        let ticks = fields
            .get(11)
            .and_then(|u| u.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
        let Ok(tid) = task.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        into.insert(tid, (name, ticks));
    }
}

/// Runs a command, looking at its threads every 200 ms, and prints on
/// standard error the CPU seconds of its threads by name (digits dropped):
/// `merge_thread_` is tantivy's merging. Run it under `/usr/bin/time -v`
/// for wall time, total CPU and peak RSS.
pub fn measure(command: &[String]) -> anyhow::Result<()> {
    let (program, arguments) = command.split_first().context("measure -- COMMAND ...")?;
    let mut child = Command::new(program).args(arguments).spawn()?;
    let mut threads = HashMap::new();
    let mut peak_rss = RssParts::default();
    let status = loop {
        thread_ticks(child.id(), &mut threads);
        peak_rss = peak_rss.max(RssParts::of(child.id()));
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut by_name: HashMap<String, f64> = HashMap::new();
    for (name, ticks) in threads.into_values() {
        let group: String = name.trim_end_matches(|c: char| c.is_ascii_digit()).into();
        *by_name.entry(group).or_default() += ticks as f64 / 100.0;
    }
    let merging = by_name
        .iter()
        .filter(|(name, _)| name.starts_with("merge_thread"))
        .map(|(_, seconds)| seconds)
        .sum::<f64>();
    eprintln!(
        "MEASURE {}",
        serde_json::json!({
            "merge_cpu_s": merging,
            "threads_cpu_s": by_name,
            "peak_rss_anon_kb": peak_rss.anon_kb,
            "peak_rss_file_kb": peak_rss.file_kb,
        })
    );
    if !status.success() {
        bail!("{program} failed: {status}");
    }
    Ok(())
}

/// A process's resident memory in two parts: its own (heap, stacks) and the
/// pages of mapped files (an index's segments read through mmap), which the
/// kernel can drop but which count in the peak RSS all the same.
#[derive(Debug, Default, Clone, Copy)]
struct RssParts {
    anon_kb: u64,
    file_kb: u64,
}

impl RssParts {
    fn of(pid: u32) -> RssParts {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        RssParts {
            anon_kb: field("RssAnon:"),
            file_kb: field("RssFile:"),
        }
    }

    /// Each part's peak (sampled, so a little under the true peak).
    fn max(self, other: RssParts) -> RssParts {
        RssParts {
            anon_kb: self.anon_kb.max(other.anon_kb),
            file_kb: self.file_kb.max(other.file_kb),
        }
    }
}

/// Opening the index (start-up), a first search, then one article indexed
/// beside the reader and the reader's reload, timed; JSON on standard output.
pub fn reload(args: &Args) -> anyhow::Result<()> {
    let dir = args.index.as_ref().context("--index DIR")?;
    let ms = |started: Instant| started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let engine = Engine::open(dir, Analysis::default_shared())?;
    let open_ms = ms(started);
    let started = Instant::now();
    let first = engine.search(&SearchRequest {
        query: "新闻".into(),
        ..SearchRequest::default()
    })?;
    let first_search_ms = ms(started);
    let article = args.work.join("reload-article.jsonl");
    std::fs::create_dir_all(&args.work)?;
    let marker = format!("重新加载测试{}", std::process::id());
    std::fs::write(
        &article,
        serde_json::json!({
            "id": format!("reload-{}", std::process::id()),
            "title": marker,
            "body": format!("{marker}：提交之后重新加载的时间。"),
            "published": "2025-12-31T12:00:00+08:00",
            "source": "测试",
        })
        .to_string()
            + "\n",
    )?;
    let started = Instant::now();
    let mut options = IndexOptions::new(dir.clone());
    options.threads = THREADS;
    run(&[article], &options)?;
    let index_one_ms = ms(started);
    let started = Instant::now();
    engine.reload()?;
    let reload_ms = ms(started);
    let started = Instant::now();
    // As a phrase: the marker's words alone are in many articles.
    let found = engine.search(&SearchRequest {
        query: format!("\"{marker}\""),
        ..SearchRequest::default()
    })?;
    let search_after_reload_ms = ms(started);
    println!(
        "{}",
        serde_json::json!({
            "open_ms": open_ms,
            "first_search_ms": first_search_ms,
            "first_search_total": first.total,
            "index_one_article_ms": index_one_ms,
            "reload_ms": reload_ms,
            "search_after_reload_ms": search_after_reload_ms,
            "found_after_reload": found.total,
        })
    );
    Ok(())
}

/// What each part of a search costs as the archive grows: the query
/// benchmark's mix with facets, collapse and snippets each turned off in
/// turn, and with all three off; JSON on standard output, with, per kind
/// of query, the share of the one-pass top ten the full search also finds
/// (what two passes change in the ranking).
pub fn query_parts(args: &Args, queries: &[(&'static str, String)]) -> anyhow::Result<()> {
    let dir = args.index.as_ref().context("--index DIR")?;
    let engine = Engine::open(dir, Analysis::default_shared())?;
    let full = SearchRequest {
        sort: args.sort,
        ..SearchRequest::default()
    };
    let only = |facets: bool, collapse: bool, snippets: bool| SearchRequest {
        facets,
        collapse,
        snippets,
        ..full.clone()
    };
    let mut variants: Vec<(String, Engine, SearchRequest)> = vec![
        ("full".into(), engine.clone(), full.clone()),
        ("no_facets".into(), engine.clone(), only(false, true, true)),
        (
            "no_collapse".into(),
            engine.clone(),
            only(true, false, true),
        ),
        (
            "no_snippets".into(),
            engine.clone(),
            only(true, true, false),
        ),
        (
            "bare_minimum".into(),
            engine.clone(),
            only(false, false, false),
        ),
    ];
    // The full search with every match scored whole: what two passes save.
    let mut one_pass = engine.clone();
    one_pass.two_passes_from = u64::MAX;
    variants.push(("full_one_pass".into(), one_pass, full.clone()));
    // Every match counted one by one: what the sampled total and facets save.
    let mut exact_counts = engine.clone();
    exact_counts.counted_exactly = u64::MAX;
    variants.push(("full_exact_counts".into(), exact_counts, full.clone()));
    if let Some(from) = args.two_passes_from {
        let mut passes = engine.clone();
        passes.two_passes_from = from;
        variants.push((format!("full_two_passes_from_{from}"), passes, full.clone()));
    }
    // `--weights name=value,…`: the full search ranked with other weights,
    // to see what a part of the score costs.
    for spec in &args.weights {
        let mut weighted = engine.clone();
        weighted.weights = crate::relevance::weights_from(spec)?;
        variants.push((format!("weights {spec}"), weighted, full.clone()));
    }
    if let Some(unknown) = args
        .kinds
        .iter()
        .find(|k| !queries.iter().any(|(kind, _)| kind == k))
    {
        anyhow::bail!("--kinds: no query of kind {unknown:?} (short, question, keywords, passage)");
    }
    let queries: Vec<&(&str, String)> = queries
        .iter()
        .filter(|(kind, _)| args.kinds.is_empty() || args.kinds.iter().any(|k| k == kind))
        .collect();
    // XUNWEN_PASSES=1 for a quick look at a large index.
    let passes: usize = std::env::var("XUNWEN_PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3);
    // Per variant, per kind of query: the times of every pass after the first.
    let mut timings: Vec<HashMap<&str, Vec<Duration>>> = vec![HashMap::new(); variants.len()];
    // Per variant, per kind: how many of the one-pass top ten it also has.
    let mut agreement: Vec<HashMap<&str, (usize, usize)>> = vec![HashMap::new(); variants.len()];
    let one_pass_at = variants
        .iter()
        .position(|(name, _, _)| name == "full_one_pass")
        .expect("the one-pass variant");
    for pass in 0..=passes {
        for (number, (kind, query)) in queries.iter().enumerate() {
            let mut tops: Vec<Vec<String>> = vec![Vec::new(); variants.len()];
            // Each query's first search reads what the others then find in
            // the caches: every variant takes its turn at going first.
            let turn = (number + pass) % variants.len();
            for which in (turn..variants.len()).chain(0..turn) {
                let (_, engine, request) = &variants[which];
                let request = SearchRequest {
                    query: query.clone(),
                    ..request.clone()
                };
                let started = Instant::now();
                let found = std::hint::black_box(engine.search(&request)?);
                if pass == 0 {
                    tops[which] = found.hits.iter().map(|hit| hit.id.clone()).collect();
                }
                if pass > 0 {
                    timings[which]
                        .entry(kind)
                        .or_default()
                        .push(started.elapsed());
                }
            }
            if pass == 0 {
                let one = &tops[one_pass_at];
                for (top, by_kind) in tops.iter().zip(agreement.iter_mut()) {
                    let (shared, of) = by_kind.entry(kind).or_default();
                    *shared += one.iter().filter(|id| top.contains(id)).count();
                    *of += one.len();
                }
            }
        }
    }
    let figures = |took: &mut Vec<Duration>| {
        took.sort();
        serde_json::json!({
            "p50_ms": crate::percentile(took, 50.0),
            "p99_ms": crate::percentile(took, 99.0),
        })
    };
    let mut parts = serde_json::Map::new();
    for (((name, _, _), by_kind), shared) in variants.iter().zip(timings).zip(agreement) {
        let mut all: Vec<Duration> = by_kind.values().flatten().copied().collect();
        let mut figure = figures(&mut all);
        let mut kinds: Vec<(&str, Vec<Duration>)> = by_kind.into_iter().collect();
        kinds.sort();
        for (kind, mut took) in kinds {
            figure[kind] = figures(&mut took);
            let (shared, of) = shared.get(kind).copied().unwrap_or_default();
            figure[kind]["top10_shared_with_one_pass"] = (shared as f64 / of.max(1) as f64).into();
        }
        parts.insert(name.clone(), figure);
    }
    println!("{}", serde_json::Value::Object(parts));
    Ok(())
}
