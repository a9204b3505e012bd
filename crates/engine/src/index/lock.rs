//! Our own lock file beside tantivy's: it names the process holding the
//! writer, so a second indexer fails at once saying who. Both locks are
//! `flock`s, so a crashed writer never leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::error::EngineError;

/// File in the index directory that names the process holding the writer.
const HOLDER_FILE: &str = "xunwen-writer.lock";

/// Our own lock file beside tantivy's: it says who holds the writer.
pub(super) struct WriterLock {
    _file: File,
}

impl WriterLock {
    pub(super) fn acquire(dir: &Path) -> Result<WriterLock, EngineError> {
        let path = dir.join(HOLDER_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                EngineError::io(format!("cannot open the lock file {}", path.display()), e)
            })?;
        let busy = match file.try_lock() {
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(EngineError::io(
                    format!("cannot lock {}", path.display()),
                    e,
                ));
            }
        };
        if busy {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(EngineError::WriterBusy {
                index: dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "unknown process".into()
                } else {
                    holder.to_string()
                },
            });
        }
        let started = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        // The program and its command (`search index`, `search merge`).
        let command: Vec<String> = std::env::args()
            .take(2)
            .enumerate()
            .map(|(at, arg)| match at {
                0 => Path::new(&arg)
                    .file_name()
                    .map_or(arg.clone(), |name| name.to_string_lossy().into_owned()),
                _ => arg,
            })
            .collect();
        let holder = format!(
            "`{}` process {} started at {started}",
            command.join(" "),
            std::process::id()
        );
        let written = file
            .set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|_| file.flush());
        written.map_err(|e| {
            EngineError::io(format!("cannot write the lock file {}", path.display()), e)
        })?;
        Ok(WriterLock { _file: file })
    }
}
