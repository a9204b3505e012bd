//! One indexing run: walk, extract in worker threads, write through the single
//! writer, commit periodically (each commit carries the [`Manifest`]), and
//! report.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use xunwen_engine::EngineError;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::index::{analysis_for, store_dictionary};

use crate::extract::{Event, read_file};
use crate::sink::{ClusterSink, ClusterTarget, LocalSink, Sink};
use crate::walk::{FileEntry, collect_files};

/// Settings of an indexing run.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    pub index_dir: PathBuf,
    pub dictionary: Option<PathBuf>,
    /// Indexing threads of the writer; extraction uses about half as many.
    pub threads: usize,
    /// Memory the writer may buffer before it flushes a segment.
    pub memory_budget: usize,
    /// Time between commits.
    pub commit_interval: Duration,
    pub show_progress: bool,
    /// Index into this cluster instead of `index_dir`.
    pub cluster: Option<ClusterTarget>,
}

impl IndexOptions {
    pub fn new(index_dir: PathBuf) -> Self {
        IndexOptions {
            index_dir,
            dictionary: None,
            threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
            memory_budget: 256 << 20,
            commit_interval: Duration::from_secs(10),
            show_progress: false,
            cluster: None,
        }
    }
}

/// A file or record that was not indexed, or indexed with a repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub location: String,
    pub reason: String,
}

/// What a run did. Written as JSON by `--report`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Added articles whose text is identical to one already indexed.
    pub duplicates: u64,
    pub files_read: u64,
    /// Files skipped because the last commit already holds them unchanged.
    pub files_unchanged: u64,
    pub refused: Vec<Notice>,
    pub warnings: Vec<Notice>,
    pub bytes_read: u64,
    /// Checkpoints: commits of the local index, or flushes of the cluster's
    /// writes with the manifest.
    pub commits: u64,
    /// Bulk requests or articles sent to the cluster again (429, 503, a dead node).
    #[serde(default)]
    pub retries: u64,
    pub seconds: f64,
}

/// What fails a whole run (as opposed to a refused file).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Cluster(#[from] xunwen_opensearch::ClusterError),
    #[error("indexing worker failed: {0}")]
    Worker(String),
}

enum Message {
    Event(Event),
    FileDone(FileEntry),
}

/// A bar of bytes read, for indexing.
pub(crate) const BYTES_BAR: &str = "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}";
/// A bar of articles done; `{msg}` says what is done to them.
pub(crate) const ARTICLES_BAR: &str =
    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} articles {msg} {per_sec} ETA {eta}";

/// The progress bar of a long run, on standard error when `show`, with its
/// rate and ETA, in `template`.
pub(crate) fn progress_bar(length: u64, template: &str, show: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(length),
        if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Indexes the given files and directories.
pub fn run(paths: &[PathBuf], options: &IndexOptions) -> Result<Report, RunError> {
    let started = Instant::now();
    // New articles are cut as the index's are: with the dictionary of its
    // last commit, unless another one is given.
    let (analysis, dictionary) = match &options.dictionary {
        // A cluster has no index directory to keep the dictionary in.
        Some(path) if options.cluster.is_some() => (Analysis::with_user_dictionary(path)?, None),
        Some(path) => {
            let (hash, analysis) = store_dictionary(&options.index_dir, path)?;
            (analysis, Some(hash))
        }
        None if options.cluster.is_some() => (Analysis::default_shared(), None),
        None => (analysis_for(&options.index_dir)?, None),
    };
    let threads = options.threads.max(1);
    let mut sink: Box<dyn Sink> = match &options.cluster {
        Some(target) => Box::new(ClusterSink::open(target, &analysis)?),
        None => Box::new(LocalSink::open(
            &options.index_dir,
            &analysis,
            threads,
            options.memory_budget,
        )?),
    };
    let mut manifest = sink.manifest()?;
    if let Some(hash) = dictionary {
        // Files already held were cut with the dictionary the manifest names.
        if !manifest.is_empty() && manifest.dictionary.as_ref() != Some(&hash) {
            tracing::warn!(
                "the index was analysed with another dictionary: run `search reanalyze` so that its older articles are cut with this one"
            );
        }
        manifest.dictionary = Some(hash);
    }
    let mut report = Report::default();
    let own_directory = sink.own_directory();
    let mut to_read = Vec::new();
    for file in collect_files(paths, |location, reason| {
        report.refused.push(Notice { location, reason })
    }) {
        if own_directory
            .as_ref()
            .is_some_and(|dir| file.path.starts_with(dir))
        {
            continue;
        }
        if manifest.is_unchanged(&file) {
            report.files_unchanged += 1;
        } else {
            to_read.push(file);
        }
    }
    let total_bytes: u64 = to_read.iter().map(|f| f.size).sum();
    let total_files = to_read.len();
    let bar = progress_bar(total_bytes, BYTES_BAR, options.show_progress);
    let bytes_read = Arc::new(AtomicU64::new(0));

    let (file_sender, file_receiver) = unbounded::<FileEntry>();
    for file in to_read {
        file_sender
            .send(file)
            .map_err(|e| RunError::Worker(e.to_string()))?;
    }
    drop(file_sender);
    let (message_sender, message_receiver) = bounded::<Message>(4096);
    let extract_threads = (threads / 2).max(1);
    let workers: Vec<_> = (0..extract_threads)
        .map(|_| {
            let files = file_receiver.clone();
            let messages = message_sender.clone();
            let bytes_read = Arc::clone(&bytes_read);
            std::thread::spawn(move || {
                for file in files {
                    let mut send = |event| {
                        let _ = messages.send(Message::Event(event));
                    };
                    if let Err(error) = read_file(&file, Arc::clone(&bytes_read), &mut send) {
                        send(Event::Refused {
                            location: file.path.display().to_string(),
                            reason: format!("unreadable: {error}"),
                        });
                    }
                    if messages.send(Message::FileDone(file)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(message_sender);

    let mut last_commit = Instant::now();
    for message in message_receiver {
        match message {
            Message::Event(Event::Article(article)) => sink.write(&article, &mut report)?,
            Message::Event(Event::Refused { location, reason }) => {
                report.refused.push(Notice { location, reason })
            }
            Message::Event(Event::Warning { location, message }) => report.warnings.push(Notice {
                location,
                reason: message,
            }),
            Message::FileDone(file) => {
                report.files_read += 1;
                manifest.read_whole(&file);
            }
        }
        bar.set_position(bytes_read.load(Ordering::Relaxed));
        bar.set_message(format!(
            "files {}/{total_files}, articles {}",
            report.files_read,
            report.added + report.updated + report.unchanged
        ));
        if last_commit.elapsed() >= options.commit_interval {
            sink.checkpoint(&manifest, &mut report)?;
            last_commit = Instant::now();
        }
    }
    for worker in workers {
        worker
            .join()
            .map_err(|_| RunError::Worker("an extraction thread panicked".into()))?;
    }
    sink.finish(&manifest, &mut report)?;
    bar.finish_and_clear();
    report.bytes_read = bytes_read.load(Ordering::Relaxed);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
