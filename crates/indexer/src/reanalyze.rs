//! Re-analysis in place: every stored article is cut again (after a change
//! of the user dictionary) and written back, in one commit.
//!
//! Crash-safe as indexing is: the new dictionary is copied into the index
//! directory first (a file of its own, named by its hash), the articles are
//! rewritten by the single writer, and the one commit at the end switches
//! both at once, its payload naming the new dictionary. A process killed
//! before that commit leaves the index exactly as it was (tantivy discards
//! the uncommitted segments when the index is next written); a re-run does
//! the work again.

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use xunwen_engine::NewsIndex;
use xunwen_engine::index::{analysis_for, remove_unused_dictionaries, store_dictionary};

use crate::manifest::Manifest;
use crate::run::{ARTICLES_BAR, RunError, progress_bar};

/// Settings of a re-analysis.
#[derive(Debug, Clone)]
pub struct ReanalyzeOptions {
    pub index_dir: PathBuf,
    /// The new user dictionary; `None` re-cuts with the one in force.
    pub dictionary: Option<PathBuf>,
    pub threads: usize,
    pub memory_budget: usize,
    pub show_progress: bool,
}

impl ReanalyzeOptions {
    pub fn new(index_dir: PathBuf) -> Self {
        ReanalyzeOptions {
            index_dir,
            dictionary: None,
            threads: 2,
            memory_budget: 256 << 20,
            show_progress: false,
        }
    }
}

/// What a re-analysis did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReanalyzeReport {
    pub articles: u64,
    /// The hash of the dictionary now in force (none: jieba's own).
    pub dictionary: Option<String>,
    pub seconds: f64,
}

/// Re-analyses every stored article of the index, in one commit.
pub fn reanalyze(options: &ReanalyzeOptions) -> Result<ReanalyzeReport, RunError> {
    let started = Instant::now();
    let dir = &options.index_dir;
    let (analysis, new_dictionary) = match &options.dictionary {
        Some(path) => {
            // Refuse a missing index before anything is written into it.
            NewsIndex::open(dir, &xunwen_engine::analysis::Analysis::default_shared())?;
            let (hash, analysis) = store_dictionary(dir, path)?;
            (analysis, Some(hash))
        }
        None => (analysis_for(dir)?, None),
    };
    let index = NewsIndex::open(dir, &analysis)?;
    index.verify()?;
    let threads = options.threads.max(1);
    let mut writer = index.writer(threads, options.memory_budget.max(threads * (16 << 20)))?;
    let mut manifest = Manifest::load(&index)?;
    if let Some(hash) = new_dictionary {
        manifest.dictionary = Some(hash);
    }
    let total = index.reader()?.searcher().num_docs();
    let bar = progress_bar(total, ARTICLES_BAR, options.show_progress);
    let mut articles = 0u64;
    index.for_each_article(|article| {
        writer.replace(&article)?;
        articles += 1;
        bar.inc(1);
        Ok(())
    })?;
    bar.set_message("committing");
    writer.commit(&manifest.payload())?;
    writer.finish()?;
    bar.finish_and_clear();
    remove_unused_dictionaries(dir, manifest.dictionary.as_deref());
    Ok(ReanalyzeReport {
        articles,
        dictionary: manifest.dictionary,
        seconds: started.elapsed().as_secs_f64(),
    })
}
