//! Finding input files and opening them: directories walked recursively,
//! `.gz`, `.tar` and `.tar.gz` read in place, without unpacking to disk.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::extract::{Event, Input, extract};

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

/// Counts the bytes read from disk, for the progress bar.
struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.counter.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

enum Container {
    Plain,
    Gzip,
    Tar,
    TarGzip,
}

fn container_of(name: &str) -> (Container, &str) {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".tar.gz") {
        (Container::TarGzip, &name[..name.len() - 7])
    } else if lower.ends_with(".tgz") {
        (Container::TarGzip, &name[..name.len() - 4])
    } else if lower.ends_with(".tar") {
        (Container::Tar, &name[..name.len() - 4])
    } else if lower.ends_with(".gz") {
        (Container::Gzip, &name[..name.len() - 3])
    } else {
        (Container::Plain, name)
    }
}

fn read_tar(
    archive_location: &str,
    reader: impl Read,
    sink: &mut dyn FnMut(Event),
) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    for member in archive.entries()? {
        let member = member?;
        if !member.header().entry_type().is_file() {
            continue;
        }
        let name = member.path()?.to_string_lossy().into_owned();
        let input = Input {
            location: format!("{archive_location}:{name}"),
            name,
        };
        extract(
            &input,
            &mut BufReader::with_capacity(64 << 10, member),
            sink,
        )?;
    }
    Ok(())
}

/// Reads one file (or every member of an archive) and reports its events.
/// An I/O error (an unreadable file, a damaged archive) is returned after the
/// events read before it.
pub fn read_file(
    file: &FileEntry,
    bytes_read: Arc<AtomicU64>,
    sink: &mut dyn FnMut(Event),
) -> std::io::Result<()> {
    let location = file.path.display().to_string();
    let name = file
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let raw = CountingReader {
        inner: File::open(&file.path)?,
        counter: bytes_read,
    };
    let (container, inner_name) = container_of(&name);
    let input = Input {
        location: location.clone(),
        name: inner_name.to_string(),
    };
    match container {
        Container::Plain => extract(
            &Input { name, ..input },
            &mut BufReader::with_capacity(64 << 10, raw),
            sink,
        ),
        Container::Gzip => {
            let mut decoder =
                BufReader::with_capacity(64 << 10, MultiGzDecoder::new(BufReader::new(raw)));
            // A `.gz` that is really a tar archive is read as one.
            if is_tar(decoder.fill_buf()?) {
                return read_tar(&location, decoder, sink);
            }
            extract(&input, &mut decoder, sink)
        }
        Container::Tar => read_tar(&location, BufReader::new(raw), sink),
        Container::TarGzip => read_tar(&location, MultiGzDecoder::new(BufReader::new(raw)), sink),
    }
}

fn is_tar(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}
