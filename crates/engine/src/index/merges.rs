//! How segments merge: tantivy's log merge policy, with no merge that reads
//! more than [`MAX_MERGE_BYTES`] of live segment data. A merge reads its
//! segments whole through mmap, and every page it reads counts in the
//! indexer's resident memory until the merge ends: unbounded, the last
//! merges of a million articles read gigabytes at once and the indexer's
//! peak RSS grew with the archive (2.7 GiB). Bounded, segments stop growing
//! near the bound, and a large archive is searched over more segments.

use std::collections::HashMap;
use std::path::PathBuf;

use tantivy::index::SegmentMeta;
use tantivy::index::{SegmentComponent, SegmentId};
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

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

    /// A segment's bytes, scaled by its share of live documents: what a
    /// merge of it writes (deleted documents are dropped).
    fn live_bytes(&self, segment: &SegmentMeta) -> u64 {
        let bytes: u64 = READ_BY_A_MERGE
            .iter()
            .filter_map(|component| {
                std::fs::metadata(self.dir.join(segment.relative_path(component.clone()))).ok()
            })
            .map(|metadata| metadata.len())
            .sum();
        let live = f64::from(segment.num_docs()) / f64::from(segment.max_doc().max(1));
        (bytes as f64 * live) as u64
    }
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
}
