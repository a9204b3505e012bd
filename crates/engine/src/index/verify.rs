//! Checksums of the index files, each file read once: a segment file never
//! changes after it is written, so a file whose size and modification time
//! are those it had when it last passed is not read again. Opening a large
//! index then costs what its new segments cost, not a reading of the whole
//! index (4 s at a million articles); a file written over since, even in
//! place, has a new modification time and is read again. The writer checks
//! its new segments after each commit, so a server started after indexing
//! reads nothing twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use tantivy::Index;
use tantivy::directory::error::OpenReadError;
use tantivy::directory::{Advice, ManagedDirectory, MmapDirectory};

use crate::error::EngineError;

/// The record of files that passed, beside the index's own files.
const RECORD: &str = "verified.json";

/// What a file looked like when it passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    modified_secs: u64,
    modified_nanos: u32,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            len: metadata.len(),
            modified_secs: modified.as_secs(),
            modified_nanos: modified.subsec_nanos(),
        })
    }
}

type Record = BTreeMap<String, Stamp>;

fn load(dir: &Path) -> Record {
    std::fs::read(dir.join(RECORD))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Written whole then renamed, so a crash leaves the old record or the new
/// one. Only a cache: when it cannot be written, every file is read again
/// next time.
fn save(dir: &Path, record: &Record) {
    let saved = serde_json::to_vec(record)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            // One temporary file a process: the writer and a server may save at once.
            let temporary = dir.join(format!("{RECORD}.{}.tmp", std::process::id()));
            std::fs::write(&temporary, bytes)?;
            std::fs::rename(&temporary, dir.join(RECORD))
        });
    if let Err(error) = saved {
        tracing::debug!(%error, "the record of verified index files was not written");
    }
}

/// The files of the last commit that fail their checksums, sorted; files
/// that passed before and have not changed since are not read again.
pub fn damaged_files(index: &Index, dir: &Path) -> Result<Vec<PathBuf>, EngineError> {
    // Read through a directory of its own: read through the index's, the
    // pages would stay mapped, and counted in the process's memory, for as
    // long as a reader holds the segment (the whole index, at start-up).
    let directory = MmapDirectory::open_with_madvice(dir, Advice::Sequential)
        .map_err(tantivy::TantivyError::from)?;
    let directory = ManagedDirectory::wrap(Box::new(directory))?;
    let managed = directory.list_managed_files();
    let passed_before = load(dir);
    let mut passed = Record::new();
    let mut damaged = Vec::new();
    let mut gone = Vec::new();
    let mut files: Vec<PathBuf> = index
        .load_metas()?
        .list_segment_files()
        .into_iter()
        .filter(|file| managed.contains(file))
        .collect();
    files.sort();
    for file in files {
        let name = file.display().to_string();
        let stamp = Stamp::of(&dir.join(&file));
        match stamp {
            Some(stamp) if passed_before.get(&name) == Some(&stamp) => {
                passed.insert(name, stamp);
            }
            _ => match directory.validate_checksum(&file) {
                Ok(true) => {
                    if let Some(stamp) = stamp {
                        passed.insert(name, stamp);
                    }
                }
                Ok(false) => damaged.push(file),
                Err(OpenReadError::FileDoesNotExist(_)) => gone.push(file),
                Err(other) => return Err(tantivy::TantivyError::from(other).into()),
            },
        }
    }
    if !gone.is_empty() {
        // A merge may have replaced the segment, and its files been removed,
        // since the list was read: only a file the last commit names is missing.
        let named_now = index.load_metas()?.list_segment_files();
        damaged.extend(gone.into_iter().filter(|file| named_now.contains(file)));
    }
    if passed != passed_before {
        save(dir, &passed);
    }
    damaged.sort();
    Ok(damaged)
}
