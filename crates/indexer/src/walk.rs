//! Finding the input files: directories walked recursively (symbolic links
//! followed, a loop reported and left), named pipes read when given by
//! name, and what identifies each file's version for the manifest.
//! Opening them is [`crate::container`]'s.

use std::path::PathBuf;

/// A file to read, with what identifies its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub modified: u128,
    /// False for a named pipe or device: never skipped as unchanged.
    pub regular: bool,
}

impl FileEntry {
    /// The key under which the manifest remembers this file.
    pub fn key(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// What must be unchanged for a re-run to skip the file.
    pub fn fingerprint(&self) -> String {
        format!("{}:{}", self.size, self.modified)
    }
}

/// Walks the given paths (files or directories), reporting what cannot be read.
/// Symbolic links are followed; a loop is reported and the walk goes on.
pub fn collect_files(
    paths: &[PathBuf],
    mut on_error: impl FnMut(String, String),
) -> Vec<FileEntry> {
    let mut files = Vec::new();
    for root in paths {
        if !root.exists() {
            on_error(
                root.display().to_string(),
                "no such file or directory".into(),
            );
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let location = error
                        .path()
                        .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                    let reason = if error.loop_ancestor().is_some() {
                        "symbolic link loop".to_string()
                    } else {
                        error
                            .io_error()
                            .map_or_else(|| error.to_string(), |e| e.to_string())
                    };
                    on_error(location, reason);
                    continue;
                }
            };
            // Named pipes and devices are read only when given by name
            // (`search index <(zcat news.gz)`), never found by the walk.
            let given_by_name = entry.depth() == 0 && !entry.file_type().is_dir();
            if !entry.file_type().is_file() && !given_by_name {
                continue;
            }
            let metadata = match entry.metadata() {
                Ok(metadata) => metadata,
                Err(error) => {
                    on_error(entry.path().display().to_string(), error.to_string());
                    continue;
                }
            };
            let path =
                std::fs::canonicalize(entry.path()).unwrap_or_else(|_| entry.path().to_path_buf());
            let modified = metadata
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            files.push(FileEntry {
                path,
                size: metadata.len(),
                modified,
                regular: metadata.is_file(),
            });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(String, String)>) {
        let mut errors = Vec::new();
        let files = collect_files(paths, |location, reason| errors.push((location, reason)));
        (files.into_iter().map(|f| f.path).collect(), errors)
    }

    #[test]
    fn a_symbolic_link_loop_is_reported_and_the_walk_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::write(root.join("a.txt"), "正文").expect("write");
        std::os::unix::fs::symlink(&root, root.join("loop")).expect("symlink");
        let (files, errors) = walk(std::slice::from_ref(&root));
        assert_eq!(files, [root.join("a.txt")]);
        assert!(
            errors
                .iter()
                .any(|(_, reason)| reason == "symbolic link loop"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_named_pipe_is_read_when_named_never_when_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        let fifo = root.join("news.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()), "mkfifo");
        let (found, _) = walk(std::slice::from_ref(&root));
        assert!(found.is_empty(), "{found:?}");
        let mut errors = Vec::new();
        let named = collect_files(std::slice::from_ref(&fifo), |l, r| errors.push((l, r)));
        assert_eq!(named.len(), 1);
        assert!(!named[0].regular, "a pipe is never skipped as unchanged");
    }

    #[test]
    fn the_manifest_key_is_the_path_and_the_fingerprint_its_version() {
        let file = FileEntry {
            path: "/archive/news.jsonl".into(),
            size: 42,
            modified: 7,
            regular: true,
        };
        assert_eq!(file.key(), "/archive/news.jsonl");
        assert_eq!(file.fingerprint(), "42:7");
    }
}
