//! Merging an index down to a few large segments, with a progress bar:
//! for an archive that has stopped growing, as OpenSearch's force merge.

use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use xunwen_engine::NewsIndex;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::index::MergedDown;

use crate::run::RunError;

/// Merges the index in `dir` into at most `max_segments` segments.
pub fn merge_down(
    dir: &Path,
    max_segments: usize,
    show_progress: bool,
) -> Result<MergedDown, RunError> {
    let index = NewsIndex::open(dir, &Analysis::default_shared())?;
    index.verify()?;
    let bar = ProgressBar::with_draw_target(
        None,
        if show_progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} articles merged {per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let merged = index.merge_down(max_segments, &mut |progress| {
        bar.set_length(progress.articles_to_merge);
        bar.set_position(progress.articles_done);
    })?;
    bar.finish_and_clear();
    Ok(merged)
}
