//! Command-line arguments and what each command does with them.

use crate::render;

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use clap::{Parser, Subcommand};
use xunwen_engine::analysis::Analysis;
use xunwen_engine::dates::{parse_date_bound, parse_date_upper_bound};
use xunwen_engine::query::synonyms::SynonymFile;
use xunwen_engine::search::Filters;
use xunwen_engine::suggest::SuggestionKind;
use xunwen_engine::{Backend, Engine, EngineError, NewsIndex, SearchRequest, Sort, eval};
use xunwen_indexer::{IndexOptions, ReanalyzeOptions, Report};
use xunwen_server::json::SearchJson;

/// 寻闻 Xunwen: full-text search for Chinese news archives.
#[derive(Debug, Parser)]
#[command(name = "search", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct IndexDir {
    /// Index directory.
    #[arg(long = "index", env = "XUNWEN_INDEX", default_value = "index")]
    pub dir: PathBuf,
}

/// An OpenSearch cluster to hold and search the articles instead of a local index.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// URL of an OpenSearch cluster (http://host:9200, or
    /// https://user:password@host:9200): the articles live there instead of
    /// in a local index.
    #[arg(long = "opensearch", env = "XUNWEN_OPENSEARCH", value_name = "URL")]
    pub url: Option<String>,
    /// Index name on the cluster.
    #[arg(
        long = "opensearch-index",
        env = "XUNWEN_OPENSEARCH_INDEX",
        default_value = xunwen_opensearch::DEFAULT_INDEX,
        value_name = "NAME"
    )]
    pub index: String,
}

/// Shards and replicas of an index created on the cluster.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterLayout {
    /// Primary shards of a new index on the cluster.
    #[arg(long = "opensearch-shards", default_value_t = 6)]
    pub shards: u32,
    /// Replicas of each shard of a new index on the cluster.
    #[arg(long = "opensearch-replicas", default_value_t = 1)]
    pub replicas: u32,
}

impl ClusterArgs {
    fn target(&self, layout: &ClusterLayout) -> Option<xunwen_indexer::ClusterTarget> {
        self.url.as_ref().map(|url| xunwen_indexer::ClusterTarget {
            url: url.clone(),
            index: self.index.clone(),
            options: xunwen_opensearch::IndexOptions {
                shards: layout.shards.max(1),
                replicas: layout.replicas,
            },
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files, directories, .gz and .tar.gz archives.
    Index {
        /// Files or directories to read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        index: IndexDir,
        /// User dictionary for jieba (`word [freq] [tag]` a line).
        #[arg(long)]
        dict: Option<PathBuf>,
        /// Indexing threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Write the full report as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Seconds between commits.
        #[arg(long, default_value_t = 10.0, hide = true)]
        commit_seconds: f64,
        #[command(flatten)]
        cluster: ClusterArgs,
        #[command(flatten)]
        layout: ClusterLayout,
    },
    /// Article count, date range, top sources, size on disk.
    Stats {
        #[command(flatten)]
        index: IndexDir,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Every stored article as JSON Lines on standard output, or with
    /// --opensearch copied into that cluster.
    Export {
        #[command(flatten)]
        index: IndexDir,
        #[command(flatten)]
        cluster: ClusterArgs,
        #[command(flatten)]
        layout: ClusterLayout,
    },
    /// Search: a readable listing, or with --json the document the server returns.
    Query {
        /// The query: words, "exact phrases", -exclude, OR, title:, source:, published:[A TO B].
        query: String,
        #[command(flatten)]
        index: IndexDir,
        #[arg(long, default_value_t = 1)]
        page: usize,
        #[arg(long, default_value_t = 10)]
        size: usize,
        /// Earliest publication date (YYYY-MM-DD).
        #[arg(long, value_parser = date_from)]
        from: Option<DateTime<FixedOffset>>,
        /// Latest publication date (YYYY-MM-DD, the whole day).
        #[arg(long, value_parser = date_to)]
        to: Option<DateTime<FixedOffset>>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// relevance, newest, oldest or recent.
        #[arg(long, default_value_t = Sort::Relevance)]
        sort: Sort,
        /// Show every reprint of a story instead of one hit per story.
        #[arg(long)]
        no_collapse: bool,
        /// Count every match, however many (past 10,000 the total and facets are otherwise estimated from a sample).
        #[arg(long)]
        exact_total: bool,
        /// Print the JSON document the server returns.
        #[arg(long)]
        json: bool,
        /// Show how the query is planned: its kind, each word's class and weight, spans, pairs, conditions.
        #[arg(long)]
        explain: bool,
        /// With --explain: why this article matched or not.
        #[arg(long, requires = "explain")]
        id: Option<String>,
        /// Synonym rules in the Solr format (`浙大,浙江大学`, `新冠 => 新型冠状病毒`).
        #[arg(long, env = "XUNWEN_SYNONYMS")]
        synonyms: Option<PathBuf>,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Completions of what has been typed: titles and frequent phrases, by
    /// their text, pinyin or initials (`北京`, `beij`, `bj`).
    Suggest {
        prefix: String,
        #[command(flatten)]
        index: IndexDir,
        /// How many, at most 10.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=10))]
        size: u16,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Re-analyse every stored article in place (after a change of the user
    /// dictionary), in one commit: a crash leaves the index as it was.
    Reanalyze {
        #[command(flatten)]
        index: IndexDir,
        /// The new user dictionary for jieba (`word [freq] [tag]` a line);
        /// without it, the one in force is used again.
        #[arg(long)]
        dict: Option<PathBuf>,
        /// Indexing threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Merge the index's segments into a few large ones, once an archive has
    /// stopped growing (as OpenSearch's force merge): each search then looks
    /// its words up in a few segments instead of dozens.
    Merge {
        #[command(flatten)]
        index: IndexDir,
        /// Segments to keep at most: twice the search threads (up to 4)
        /// keeps every thread busy.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
        max_segments: u16,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the search page and the JSON endpoint.
    Serve {
        #[command(flatten)]
        settings: xunwen_server::Settings,
    },
    /// Run a query set against TREC qrels: MRR@10, nDCG@10, Recall@10, Recall@100.
    Eval {
        #[command(flatten)]
        index: IndexDir,
        /// Queries, `id<TAB>query` a line.
        #[arg(long)]
        queries: PathBuf,
        /// TREC qrels: `qid 0 docid grade`.
        #[arg(long)]
        qrels: PathBuf,
        /// Write the TREC run file here.
        #[arg(long)]
        run: Option<PathBuf>,
        /// Rank only each query's own candidates: JSON Lines (or .gz) with
        /// the query id in `pool` and the article id in `id`.
        #[arg(long)]
        pools: Option<PathBuf>,
        /// Grades at or above this count as relevant.
        #[arg(long, default_value_t = 1)]
        relevant_grade: u32,
        /// MAP and P@5 over the judged articles only (LeCaRD's protocol).
        #[arg(long)]
        condensed: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Index {
            paths,
            index,
            dict,
            threads,
            report,
            commit_seconds,
            cluster,
            layout,
        } => {
            let mut options = IndexOptions::new(index.dir);
            options.cluster = cluster.target(&layout);
            options.dictionary = dict;
            options.threads = threads.clamp(1, 64);
            options.commit_interval =
                std::time::Duration::from_secs_f64(commit_seconds.clamp(0.05, 86_400.0));
            options.show_progress = std::io::stderr().is_terminal();
            let outcome = xunwen_indexer::run(&paths, &options)?;
            if let Some(path) = report {
                let json = serde_json::to_string_pretty(&outcome)?;
                std::fs::write(&path, json)
                    .with_context(|| format!("cannot write the report {}", path.display()))?;
            }
            print_report(&outcome);
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { index, json } => {
            let index = NewsIndex::open(&index.dir, &Analysis::default_shared())?;
            index.verify()?;
            let stats = index.stats(10)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!("文章 articles: {}", stats.articles);
                let date = |d: Option<chrono::DateTime<chrono::FixedOffset>>| {
                    d.map_or("-".to_string(), |d| d.format("%Y-%m-%d %H:%M").to_string())
                };
                println!(
                    "日期 dates: {} — {} ({} undated)",
                    date(stats.earliest),
                    date(stats.latest),
                    stats.undated
                );
                println!(
                    "大小 size on disk: {:.1} MB in {} segment(s)",
                    stats.size_bytes as f64 / 1e6,
                    stats.segments
                );
                println!("来源 top sources:");
                for source in &stats.top_sources {
                    println!("  {:>8}  {}", source.articles, source.source);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            index,
            cluster,
            layout,
        } => {
            if let Some(target) = cluster.target(&layout) {
                let outcome = xunwen_indexer::export_to_cluster(
                    &index.dir,
                    &target,
                    std::io::stderr().is_terminal(),
                )?;
                print_report(&outcome);
                return Ok(ExitCode::SUCCESS);
            }
            let index = NewsIndex::open(&index.dir, &Analysis::default_shared())?;
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let mut write_error = None;
            index.for_each_article(|mut article| {
                article.provenance = None;
                if write_error.is_none() {
                    let line = serde_json::to_string(&article).expect("articles serialise");
                    if let Err(error) = writeln!(out, "{line}") {
                        write_error = Some(error);
                    }
                }
                Ok(())
            })?;
            if let Some(error) = write_error
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(error.into());
            }
            out.flush().ok();
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            query,
            index,
            page,
            size,
            from,
            to,
            source,
            category,
            sort,
            no_collapse,
            exact_total,
            json,
            explain,
            id,
            synonyms,
            cluster,
        } => {
            let engine: Box<dyn Backend> = match &cluster.url {
                Some(_) => open_backend(&index.dir, &cluster)?,
                None => {
                    let mut engine = open_engine(&index.dir)?;
                    if let Some(path) = synonyms {
                        engine.set_synonyms(Some(Arc::new(SynonymFile::open(&path)?)));
                    }
                    Box::new(engine)
                }
            };
            if explain {
                let explanation = match engine.explain(&query, id.as_deref()) {
                    Ok(explanation) => explanation,
                    Err(error @ EngineError::NotFound(_)) => return invalid(&error),
                    Err(error) => return Err(error.into()),
                };
                if json {
                    println!("{}", serde_json::to_string_pretty(&explanation)?);
                } else {
                    print!("{}", render::explanation(&explanation));
                }
                return Ok(ExitCode::SUCCESS);
            }
            let request = SearchRequest {
                query,
                page,
                size,
                filters: Filters {
                    from,
                    to,
                    source: source.filter(|s| !s.trim().is_empty()),
                    category: category.filter(|s| !s.trim().is_empty()),
                    ids: None,
                },
                sort,
                collapse: !no_collapse,
                exact_total,
                ..SearchRequest::default()
            };
            run_query(engine.as_ref(), &request, json)
        }
        Command::Suggest {
            prefix,
            index,
            size,
            json,
        } => {
            let engine = open_engine(&index.dir)?;
            engine.refresh_suggestions()?;
            let found = engine.suggest(&prefix, usize::from(size));
            if json {
                println!("{}", serde_json::to_string_pretty(&found)?);
            } else if found.suggestions.is_empty() {
                println!("没有建议 no suggestions for `{prefix}`");
            } else {
                for suggestion in &found.suggestions {
                    let kind = match suggestion.kind {
                        SuggestionKind::Title => "标题 title",
                        SuggestionKind::Phrase => "词组 phrase",
                    };
                    println!(
                        "{}  ({kind}, {} 篇 articles)",
                        suggestion.text, suggestion.articles
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reanalyze {
            index,
            dict,
            threads,
            json,
        } => {
            let mut options = ReanalyzeOptions::new(index.dir);
            options.dictionary = dict;
            options.threads = threads.clamp(1, 64);
            options.show_progress = std::io::stderr().is_terminal();
            let report = xunwen_indexer::reanalyze(&options)?;
            print_json_or(json, &report, || {
                println!(
                    "重新分析 re-analysed {} articles in {:.1} s; dictionary: {}",
                    report.articles,
                    report.seconds,
                    report.dictionary.as_deref().unwrap_or("jieba's own")
                );
            })
        }
        Command::Merge {
            index,
            max_segments,
            json,
        } => {
            let merged = xunwen_indexer::merge_down(
                &index.dir,
                usize::from(max_segments),
                std::io::stderr().is_terminal(),
            )?;
            print_json_or(json, &merged, || {
                println!(
                    "合并 merged: {} segments, now {} ({} articles merged) in {:.1} s; {:.1} MB on disk, was {:.1} MB",
                    merged.segments_before,
                    merged.segments_after,
                    merged.articles_merged,
                    merged.seconds,
                    merged.bytes_after as f64 / 1e6,
                    merged.bytes_before as f64 / 1e6,
                );
            })
        }
        Command::Serve { settings } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(xunwen_server::serve(settings))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            index,
            queries,
            qrels,
            run,
            pools,
            relevant_grade,
            condensed,
            json,
            cluster,
        } => {
            let mut engine = open_backend(&index.dir, &cluster)?;
            let protocol = eval::Protocol {
                relevant_grade,
                condensed,
            };
            let pools = match pools {
                Some(path) => Some(read_pools(&path)?),
                None => None,
            };
            if let Some(pools) = &pools {
                // A pool is ranked whole, however large.
                let largest = pools.values().map(Vec::len).max().unwrap_or(0);
                let mut limits = engine.limits();
                limits.max_page_size = limits.max_page_size.max(largest);
                engine.set_limits(limits);
            }
            run_eval(
                engine.as_ref(),
                &queries,
                &qrels,
                pools.as_ref(),
                &protocol,
                run.as_deref(),
                json,
            )
        }
    }
}

/// The engine, cutting queries as the index's articles were cut.
fn open_engine(dir: &std::path::Path) -> anyhow::Result<Engine> {
    Ok(Engine::open_as_written(dir)?)
}

/// The local index, or the cluster when one is given.
fn open_backend(dir: &std::path::Path, cluster: &ClusterArgs) -> anyhow::Result<Box<dyn Backend>> {
    Ok(match &cluster.url {
        Some(url) => Box::new(xunwen_opensearch::OpenSearchBackend::open(
            url,
            &cluster.index,
            Analysis::default_shared(),
        )?),
        None => Box::new(open_engine(dir)?),
    })
}

/// Exit status of a query the engine refused (the caller's mistake).
pub const INVALID_QUERY: u8 = 3;

fn date_from(text: &str) -> Result<DateTime<FixedOffset>, String> {
    parse_date_bound(text).ok_or_else(|| format!("not a date: `{text}` (use YYYY-MM-DD)"))
}

fn date_to(text: &str) -> Result<DateTime<FixedOffset>, String> {
    parse_date_upper_bound(text).ok_or_else(|| format!("not a date: `{text}` (use YYYY-MM-DD)"))
}

fn run_query(
    engine: &dyn Backend,
    request: &SearchRequest,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let response = match engine.search(request) {
        Ok(response) => response,
        Err(EngineError::Request(error)) => return invalid(&error),
        Err(error) => return Err(error.into()),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&SearchJson::from(&response))?
        );
    } else {
        print!("{}", render::listing(&response, render::use_colour()));
    }
    Ok(ExitCode::SUCCESS)
}

/// Says why a query was refused (the caller's mistake) and exits 3.
pub fn invalid(error: &dyn std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("查询有误 invalid query: {error}");
    Ok(ExitCode::from(INVALID_QUERY))
}

fn read_pools(path: &std::path::Path) -> anyhow::Result<eval::Pools> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let reader: Box<dyn std::io::BufRead> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
            file,
        )))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    eval::parse_pools(reader).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn run_eval(
    engine: &dyn Backend,
    queries: &std::path::Path,
    qrels: &std::path::Path,
    pools: Option<&eval::Pools>,
    protocol: &eval::Protocol,
    run_file: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let queries = eval::parse_queries(&read(queries)?).map_err(anyhow::Error::msg)?;
    let relevant = eval::parse_qrels(&read(qrels)?).map_err(anyhow::Error::msg)?;
    let mut ranked = std::collections::HashMap::new();
    let mut run_lines = String::new();
    for (qid, query) in &queries {
        let pool = match pools {
            Some(pools) => Some(
                pools
                    .get(qid)
                    .with_context(|| format!("query {qid} has no pool"))?
                    .as_slice(),
            ),
            None => None,
        };
        let groups = eval::ranked_groups(engine, query, pool)?;
        // The run file lists each hit followed by the reprints collapsed into it.
        for (rank, id) in groups.iter().flatten().enumerate() {
            run_lines.push_str(&format!(
                "{qid} Q0 {id} {} {} xunwen\n",
                rank + 1,
                1000 - rank.min(999)
            ));
        }
        ranked.insert(qid.clone(), groups);
    }
    let asked: std::collections::HashSet<&String> = queries.iter().map(|(id, _)| id).collect();
    let relevant: std::collections::HashMap<_, _> = relevant
        .into_iter()
        .filter(|(qid, _)| asked.contains(qid))
        .collect();
    let metrics = eval::score_run(&relevant, &ranked, protocol);
    if let Some(path) = run_file {
        std::fs::write(path, run_lines)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        println!(
            "queries {} | MRR@10 {:.3} | nDCG@10 {:.3} | nDCG@30 {:.3} | Recall@10 {:.3} | Recall@100 {:.3} | MAP {:.3} | P@5 {:.3}",
            metrics.queries,
            metrics.mrr_at_10,
            metrics.ndcg_at_10,
            metrics.ndcg_at_30,
            metrics.recall_at_10,
            metrics.recall_at_100,
            metrics.map,
            metrics.p_at_5
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A command's result as the JSON a program reads, or as `text` prints it
/// for a person.
fn print_json_or(
    json: bool,
    value: &impl serde::Serialize,
    text: impl FnOnce(),
) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        text();
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &Report) {
    const SHOWN: usize = 20;
    println!(
        "新增 added {}, 更新 updated {}, 未变 unchanged {}, 重复 duplicates {} | files read {}, unchanged files skipped {} | {:.1} MB in {:.1} s",
        report.added,
        report.updated,
        report.unchanged,
        report.duplicates,
        report.files_read,
        report.files_unchanged,
        report.bytes_read as f64 / 1e6,
        report.seconds
    );
    if report.retries > 0 {
        println!(
            "重试 retried: {} (the cluster was busy or a node was down)",
            report.retries
        );
    }
    for (title, notices) in [
        ("拒收 refused", &report.refused),
        ("警告 warnings", &report.warnings),
    ] {
        if notices.is_empty() {
            continue;
        }
        println!("{title}: {}", notices.len());
        for notice in notices.iter().take(SHOWN) {
            println!("  {}: {}", notice.location, notice.reason);
        }
        if notices.len() > SHOWN {
            println!(
                "  … {} more (all of them with --report FILE)",
                notices.len() - SHOWN
            );
        }
    }
}
