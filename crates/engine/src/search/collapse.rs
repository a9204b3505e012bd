//! Near-duplicate collapse: reprints of one story (the same exact-duplicate
//! cluster, or SimHashes a few bits apart) become one hit that names the
//! others.

use std::collections::HashMap;

use tantivy::{DocAddress, Searcher};

use super::ranking::Candidate;
use super::response::Duplicates;
use crate::article::simhash_distance;
use crate::error::EngineError;
use crate::schema::{Columns, read_str};

/// Two SimHashes this close are reprints of one story.
pub const NEAR_DUPLICATE_BITS: u32 = 12;

/// One story: its best hit and the reprints collapsed into it.
pub struct Story {
    pub lead: Candidate,
    pub reprints: Vec<DocAddress>,
}

/// Groups candidates (best first) by story, each led by its best hit.
pub fn collapse(
    searcher: &Searcher,
    candidates: Vec<Candidate>,
) -> Result<Vec<Story>, EngineError> {
    let mut columns = HashMap::new();
    let mut keyed = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let segment_ord = candidate.address.segment_ord;
        if let std::collections::hash_map::Entry::Vacant(entry) = columns.entry(segment_ord) {
            let segment = Columns::of(searcher.segment_reader(segment_ord));
            entry.insert((segment.cluster()?, segment.simhash()?));
        }
        let (clusters, simhashes) = &columns[&segment_ord];
        let cluster = clusters.first(candidate.address.doc_id).unwrap_or(0);
        let simhash = simhashes.first(candidate.address.doc_id).unwrap_or(0);
        keyed.push(Keyed {
            item: candidate,
            cluster,
            simhash,
        });
    }
    Ok(group_stories(keyed)
        .into_iter()
        .map(|(lead, reprints)| Story {
            lead,
            reprints: reprints.into_iter().map(|c| c.address).collect(),
        })
        .collect())
}

/// Something to collapse, with its exact-duplicate cluster and SimHash.
#[derive(Debug, Clone)]
pub struct Keyed<T> {
    pub item: T,
    pub cluster: u64,
    pub simhash: u64,
}

/// Groups items (best first) by story: the same cluster, or SimHashes at
/// most [`NEAR_DUPLICATE_BITS`] apart. Each group is led by its first item.
/// Every backend collapses with this, so reprints group the same way
/// wherever the articles are held.
pub fn group_stories<T>(items: Vec<Keyed<T>>) -> Vec<(T, Vec<T>)> {
    let mut stories: Vec<(T, Vec<T>, u64, u64)> = Vec::new();
    for Keyed {
        item,
        cluster,
        simhash,
    } in items
    {
        let lead = stories.iter_mut().find(|(_, _, c, s)| {
            *c == cluster
                || (simhash != 0 && *s != 0 && simhash_distance(*s, simhash) <= NEAR_DUPLICATE_BITS)
        });
        match lead {
            Some((_, reprints, _, _)) => reprints.push(item),
            None => stories.push((item, Vec::new(), cluster, simhash)),
        }
    }
    stories
        .into_iter()
        .map(|(lead, reprints, _, _)| (lead, reprints))
        .collect()
}

/// Every candidate its own story.
pub fn one_story_each(candidates: Vec<Candidate>) -> Vec<Story> {
    candidates
        .into_iter()
        .map(|lead| Story {
            lead,
            reprints: Vec::new(),
        })
        .collect()
}

/// Ids and sources of reprints, read from fast fields (no stored documents).
pub fn describe(searcher: &Searcher, reprints: &[DocAddress]) -> Result<Duplicates, EngineError> {
    let mut ids = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut text = String::new();
    let unreadable = |e| EngineError::io("cannot read a fast field", e);
    for address in reprints {
        let columns = Columns::of(searcher.segment_reader(address.segment_ord));
        if let Some(column) = columns.id()?
            && read_str(&column, address.doc_id, &mut text).map_err(unreadable)?
        {
            ids.push(text.clone());
        }
        if let Some(column) = columns.source()?
            && read_str(&column, address.doc_id, &mut text).map_err(unreadable)?
            && !sources.contains(&text)
        {
            sources.push(text.clone());
        }
    }
    Ok(Duplicates {
        count: reprints.len(),
        ids,
        sources,
    })
}
