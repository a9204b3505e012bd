//! Command-line arguments and what each command does with them.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use xunwen_engine::NewsIndex;
use xunwen_engine::analysis::Analysis;
use xunwen_indexer::{IndexOptions, Report};

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
        #[arg(long, default_value_t = 10, hide = true)]
        commit_seconds: u64,
    },
    /// Article count, date range, top sources, size on disk.
    Stats {
        #[command(flatten)]
        index: IndexDir,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Every stored article as JSON Lines on standard output.
    Export {
        #[command(flatten)]
        index: IndexDir,
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
        } => {
            let mut options = IndexOptions::new(index.dir);
            options.dictionary = dict;
            options.threads = threads.clamp(1, 64);
            options.commit_interval = std::time::Duration::from_secs(commit_seconds.max(1));
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
        Command::Export { index } => {
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
    }
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
