//! `search export --opensearch URL`: copies every article of a local index
//! to a cluster, with a progress bar, through the same sink an indexing
//! run into the cluster uses (so a re-run replaces and never doubles).

use std::path::Path;
use std::time::Instant;

use xunwen_engine::NewsIndex;
use xunwen_engine::analysis::Analysis;

use crate::manifest::Manifest;
use crate::run::{ARTICLES_BAR, Report, RunError, progress_bar};
use crate::sink::{ClusterSink, ClusterTarget, Sink};

/// Articles between checkpoints of an export.
const CHECKPOINT_EVERY: u64 = 5_000;

/// Copies the local index at `index_dir` into the cluster.
pub fn export_to_cluster(
    index_dir: &Path,
    target: &ClusterTarget,
    show_progress: bool,
) -> Result<Report, RunError> {
    let started = Instant::now();
    let analysis = Analysis::default_shared();
    let index = NewsIndex::open(index_dir, &analysis)?;
    let total = index.reader()?.searcher().num_docs();
    let mut sink: Box<dyn Sink> = Box::new(ClusterSink::open(target, &analysis)?);
    let mut report = Report::default();
    let bar = progress_bar(total, ARTICLES_BAR, show_progress);
    // The local index's own manifest is not the cluster's: an export
    // checkpoints with an empty one.
    let manifest = Manifest::default();
    let mut sent = 0u64;
    let mut failure = None;
    index.for_each_article(|article| {
        if failure.is_some() {
            return Ok(());
        }
        let outcome = sink.write(&article, &mut report).and_then(|()| {
            sent += 1;
            if sent.is_multiple_of(CHECKPOINT_EVERY) {
                sink.checkpoint(&manifest, &mut report)
            } else {
                Ok(())
            }
        });
        if let Err(error) = outcome {
            failure = Some(error);
        }
        bar.set_position(sent);
        Ok(())
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    sink.finish(&manifest, &mut report)?;
    bar.finish_and_clear();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
