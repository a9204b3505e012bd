//! The manifest: which files the index holds whole, and in which version.
//!
//! It travels in each commit's payload, so it is exactly as durable as the
//! articles: after a kill, a re-run skips the files of the last commit and
//! reads the rest again (articles it already holds are found unchanged and
//! not written twice).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use xunwen_engine::{EngineError, NewsIndex};

use crate::walk::FileEntry;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// File path -> fingerprint (size and modification time) of fully read files.
    files: BTreeMap<String, String>,
    /// The hash of the user dictionary the articles were analysed with
    /// (the engine reads it under
    /// [`xunwen_engine::index::DICTIONARY_PAYLOAD_KEY`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionary: Option<String>,
}

impl Manifest {
    /// True when no file is held yet.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The manifest of the index's last commit; empty for a new index.
    pub fn load(index: &NewsIndex) -> Result<Manifest, EngineError> {
        let payload = index.last_commit_payload()?;
        Ok(payload
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default())
    }

    /// The manifest a payload carries; empty when there is none.
    pub fn from_payload(payload: Option<&str>) -> Manifest {
        payload
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    /// The commit payload that carries this manifest.
    pub fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// True when the last commit holds this very version of the file. A
    /// named pipe is never unchanged: what it gives differs each time.
    pub fn is_unchanged(&self, file: &FileEntry) -> bool {
        file.regular && self.files.get(&file.key()) == Some(&file.fingerprint())
    }

    /// Records a file read to its end.
    pub fn read_whole(&mut self, file: &FileEntry) {
        if file.regular {
            self.files.insert(file.key(), file.fingerprint());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xunwen_engine::index::DICTIONARY_PAYLOAD_KEY;

    fn file(size: u64, regular: bool) -> FileEntry {
        FileEntry {
            path: "/archive/news.jsonl".into(),
            size,
            modified: 1_700_000_000_000_000_000,
            regular,
        }
    }

    #[test]
    fn a_file_is_unchanged_only_in_the_version_read() {
        let mut manifest = Manifest::default();
        manifest.read_whole(&file(10, true));
        let again: Manifest = serde_json::from_str(&manifest.payload()).unwrap();
        assert!(again.is_unchanged(&file(10, true)));
        assert!(!again.is_unchanged(&file(11, true)));
    }

    #[test]
    fn the_dictionary_travels_under_the_key_the_engine_reads() {
        let manifest = Manifest {
            dictionary: Some("abc".into()),
            ..Manifest::default()
        };
        let payload: serde_json::Value = serde_json::from_str(&manifest.payload()).unwrap();
        assert_eq!(payload[DICTIONARY_PAYLOAD_KEY], "abc");
    }

    #[test]
    fn a_named_pipe_is_never_unchanged() {
        let mut manifest = Manifest::default();
        manifest.read_whole(&file(0, false));
        assert!(!manifest.is_unchanged(&file(0, false)));
    }
}
