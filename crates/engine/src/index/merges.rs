//! How segments merge: tantivy's log merge policy, with no merge that reads
//! more than [`MAX_MERGE_BYTES`] of live segment data. A merge reads its
//! segments whole through mmap, and every page it reads counts in the
//! indexer's resident memory until the merge ends: unbounded, the last
//! merges of a million articles read gigabytes at once and the indexer's
//! peak RSS grew with the archive (2.7 GiB). Bounded, segments stop growing
//! near the bound, and a large archive is searched over more segments.
//!
//! An archive that has stopped growing can then be merged down to a few
//! large segments on purpose ([`NewsIndex::merge_down`], `search merge`),
//! as OpenSearch's force merge does: each search then looks its terms up,
//! and builds its scorers, in a few segments instead of dozens.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tantivy::index::SegmentMeta;
use tantivy::index::{SegmentComponent, SegmentId};
use tantivy::indexer::{
    IndexWriterOptions, LogMergePolicy, MergeCandidate, MergePolicy, NoMergePolicy,
};

use super::NewsIndex;
use crate::error::EngineError;

/// The most live segment data one merge reads. With
/// [`MERGE_THREADS`] merges at once, this bounds what merging adds to the
/// indexer's memory.
pub const MAX_MERGE_BYTES: u64 = 384 << 20;

/// Merges running at once. A merge reads its segments through mmap, and
/// those pages count in the indexer's memory until the merge ends, so each
/// merge at once adds up to [`MAX_MERGE_BYTES`] to the peak (two put 5 M
/// articles at 1,742 MiB). Merging is about a tenth of the indexing work, so
/// one thread keeps up; small segments wait behind a large merge and are
/// merged after it.
pub const MERGE_THREADS: usize = 1;

/// The files of a segment that a merge reads.
const READ_BY_A_MERGE: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
    SegmentComponent::Terms,
    SegmentComponent::Store,
];

#[derive(Debug)]
pub struct BoundedMerges {
    dir: PathBuf,
    inner: LogMergePolicy,
    max_bytes: u64,
}

impl BoundedMerges {
    pub fn new(dir: PathBuf, max_bytes: u64) -> BoundedMerges {
        BoundedMerges {
            dir,
            inner: LogMergePolicy::default(),
            max_bytes,
        }
    }

    fn live_bytes(&self, segment: &SegmentMeta) -> u64 {
        live_bytes(&self.dir, segment)
    }
}

/// A segment's bytes, scaled by its share of live documents: what a merge
/// of it writes (deleted documents are dropped).
fn live_bytes(dir: &Path, segment: &SegmentMeta) -> u64 {
    let bytes: u64 = READ_BY_A_MERGE
        .iter()
        .filter_map(|component| {
            std::fs::metadata(dir.join(segment.relative_path(component.clone()))).ok()
        })
        .map(|metadata| metadata.len())
        .sum();
    let live = f64::from(segment.num_docs()) / f64::from(segment.max_doc().max(1));
    (bytes as f64 * live) as u64
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let sizes: HashMap<SegmentId, u64> = segments
            .iter()
            .map(|segment| (segment.id(), self.live_bytes(segment)))
            .collect();
        // A segment past half the bound has nothing left to merge with.
        let open: Vec<SegmentMeta> = segments
            .iter()
            .filter(|segment| sizes[&segment.id()] <= self.max_bytes / 2)
            .cloned()
            .collect();
        self.inner
            .compute_merge_candidates(&open)
            .into_iter()
            .flat_map(|candidate| within(candidate.0, &sizes, self.max_bytes))
            .collect()
    }
}

/// One merge split into merges of at most `max_bytes`, each of two
/// segments or more, in the given order.
fn within(
    ids: Vec<SegmentId>,
    sizes: &HashMap<SegmentId, u64>,
    max_bytes: u64,
) -> Vec<MergeCandidate> {
    let mut merges = Vec::new();
    let mut current: Vec<SegmentId> = Vec::new();
    let mut bytes = 0;
    for id in ids {
        let size = sizes.get(&id).copied().unwrap_or(0);
        if bytes + size > max_bytes {
            if current.len() > 1 {
                merges.push(MergeCandidate(std::mem::take(&mut current)));
            }
            current.clear();
            bytes = 0;
        }
        current.push(id);
        bytes += size;
    }
    if current.len() > 1 {
        merges.push(MergeCandidate(current));
    }
    merges
}

/// What merging an index down did.
#[derive(Debug, Clone, Serialize)]
pub struct MergedDown {
    pub segments_before: usize,
    pub segments_after: usize,
    /// Live articles in the segments that were merged.
    pub articles_merged: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub seconds: f64,
}

/// How far a merge-down has gone, after each merge.
#[derive(Debug, Clone, Copy)]
pub struct MergeProgress {
    pub articles_done: u64,
    pub articles_to_merge: u64,
}

impl NewsIndex {
    /// Merges the last commit's segments into at most `max_segments`, of
    /// about equal size, one merge at a time: each reads its segments
    /// through mmap, so the pages one merge reads count in this process's
    /// memory until it ends, and the disk needs room for one merge's
    /// output. `progress` hears before the first merge and after each.
    /// Crash-safe: a merge replaces its segments in one atomic write of the
    /// index's metadata, or not at all. Takes the single writer, so it
    /// never runs beside an indexer.
    pub fn merge_down(
        &self,
        max_segments: usize,
        progress: &mut dyn FnMut(MergeProgress),
    ) -> Result<MergedDown, EngineError> {
        let started = Instant::now();
        let options = IndexWriterOptions::builder()
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let (_lock, mut writer) = self.locked_writer(options)?;
        // Only the merges asked for: none of the log policy's beside them.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let segments = self.index.searchable_segment_metas()?;
        let sizes: Vec<(SegmentId, u64)> = segments
            .iter()
            .map(|segment| (segment.id(), live_bytes(&self.path, segment)))
            .collect();
        let articles: HashMap<SegmentId, u64> = segments
            .iter()
            .map(|segment| (segment.id(), u64::from(segment.num_docs())))
            .collect();
        let segments_before = segments.len();
        // tantivy keeps the files of every segment whose metadata is still
        // held somewhere: these must go before the garbage collection.
        drop(segments);
        let merges = merge_groups(&sizes, max_segments);
        let articles_to_merge = merges.iter().flatten().map(|id| articles[id]).sum();
        let bytes_before = self.size_on_disk();
        let mut done = MergeProgress {
            articles_done: 0,
            articles_to_merge,
        };
        progress(done);
        for group in &merges {
            writer.merge(group).wait()?;
            // The merged-away segments' files go now, not at the next
            // commit: the disk holds one merge's worth more, not a copy.
            writer.garbage_collect_files().wait()?;
            done.articles_done += group.iter().map(|id| articles[id]).sum::<u64>();
            progress(done);
        }
        writer.wait_merging_threads()?;
        // Checked here, as the writer checks what it commits, so that a
        // server started next reads none of the new files' checksums.
        self.verify()?;
        Ok(MergedDown {
            segments_before,
            segments_after: self.index.searchable_segment_ids()?.len(),
            articles_merged: articles_to_merge,
            bytes_before,
            bytes_after: self.size_on_disk(),
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Segments grouped into at most `groups` of about equal bytes, largest
/// first into the lightest group; the groups of two segments or more are
/// the merges to run, smallest first.
fn merge_groups(sizes: &[(SegmentId, u64)], groups: usize) -> Vec<Vec<SegmentId>> {
    let groups = groups.max(1);
    if sizes.len() <= groups {
        return Vec::new();
    }
    let mut by_size = sizes.to_vec();
    by_size.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    let mut bins: Vec<(u64, Vec<SegmentId>)> = vec![(0, Vec::new()); groups];
    for (id, size) in by_size {
        let lightest = bins
            .iter_mut()
            .min_by_key(|(bytes, _)| *bytes)
            .expect("at least one group");
        lightest.0 += size;
        lightest.1.push(id);
    }
    bins.retain(|(_, ids)| ids.len() > 1);
    bins.sort_by_key(|(bytes, _)| *bytes);
    bins.into_iter().map(|(_, ids)| ids).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_is_split_at_the_bound_and_never_merges_one_segment() {
        let ids: Vec<SegmentId> = (0..5).map(|_| SegmentId::generate_random()).collect();
        let sizes: HashMap<SegmentId, u64> = ids
            .iter()
            .zip([40, 40, 30, 90, 10])
            .map(|(id, size)| (*id, size))
            .collect();
        let merges = within(ids.clone(), &sizes, 100);
        let merged: Vec<Vec<SegmentId>> = merges.into_iter().map(|m| m.0).collect();
        // 40+40 fit, +30 would pass 100; 30 alone then 30+90 passes too, so
        // 30 stays out; 90+10 fit.
        assert_eq!(merged, vec![vec![ids[0], ids[1]], vec![ids[3], ids[4]]]);
        for merge in &merged {
            assert!(merge.iter().map(|id| sizes[id]).sum::<u64>() <= 100);
        }
    }

    #[test]
    fn merging_down_groups_every_segment_into_balanced_merges() {
        let sizes: Vec<(SegmentId, u64)> = [50, 10, 10, 10, 10, 5, 5, 40, 20, 20]
            .into_iter()
            .map(|size| (SegmentId::generate_random(), size))
            .collect();
        let merges = merge_groups(&sizes, 3);
        // 180 bytes in three merges of about 60 each.
        let merged: Vec<SegmentId> = merges.iter().flatten().copied().collect();
        let left_alone: Vec<&(SegmentId, u64)> = sizes
            .iter()
            .filter(|(id, _)| !merged.contains(id))
            .collect();
        assert_eq!(merges.len() + left_alone.len(), 3);
        assert_eq!(merged.len() + left_alone.len(), sizes.len());
        let size = |id: &SegmentId| sizes.iter().find(|(s, _)| s == id).expect("known").1;
        for merge in &merges {
            let bytes: u64 = merge.iter().map(size).sum();
            assert!(
                (55..=70).contains(&bytes),
                "unbalanced merge of {bytes} bytes"
            );
        }
        // A segment as large as a group's share stays as it is.
        let large: Vec<(SegmentId, u64)> = [100, 10, 10, 10]
            .into_iter()
            .map(|size| (SegmentId::generate_random(), size))
            .collect();
        let small: Vec<SegmentId> = large[1..].iter().map(|(id, _)| *id).collect();
        assert_eq!(merge_groups(&large, 2), vec![small]);
        // Already few enough: nothing to merge.
        assert!(merge_groups(&sizes, 10).is_empty());
        assert_eq!(
            merge_groups(&sizes, 1),
            vec![{
                let mut all: Vec<SegmentId> = sizes.iter().map(|(id, _)| *id).collect();
                all.sort_by_key(|id| std::cmp::Reverse(size(id)));
                all
            }]
        );
    }
}
