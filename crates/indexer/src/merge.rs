//! Merging an index down to a few large segments, with a progress bar:
//! for an archive that has stopped growing, as OpenSearch's force merge.

use std::path::Path;

use xunwen_engine::NewsIndex;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::index::MergedDown;

use crate::run::{ARTICLES_BAR, RunError, progress_bar};

/// Merges the index in `dir` into at most `max_segments` segments.
pub fn merge_down(
    dir: &Path,
    max_segments: usize,
    show_progress: bool,
) -> Result<MergedDown, RunError> {
    let index = NewsIndex::open(dir, &Analysis::default_shared())?;
    index.verify()?;
    let bar = progress_bar(0, ARTICLES_BAR, show_progress);
    bar.set_message("merged");
    let merged = index.merge_down(max_segments, &mut |progress| {
        bar.set_length(progress.articles_to_merge);
        bar.set_position(progress.articles_done);
    })?;
    bar.finish_and_clear();
    Ok(merged)
}
