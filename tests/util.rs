//! Helpers shared by the end-to-end tests: the binary, the shared corpus,
//! temporary index directories.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The `search` binary cargo built for these tests, or `XUNWEN_SEARCH_BIN`
/// (a copy, so a long run by hand is not disturbed by the next build).
pub fn search_binary() -> PathBuf {
    std::env::var_os("XUNWEN_SEARCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_search")))
}

/// Runs `search` with arguments; returns its output.
pub fn search(args: &[&str]) -> Output {
    Command::new(search_binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the search binary runs")
}

/// Runs `search` as a person would, `NO_COLOR` unset (its output is still
/// no terminal).
pub fn search_allowing_colour(args: &[&str]) -> Output {
    Command::new(search_binary())
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the search binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The read-only shared data beside the repository (or `XUNWEN_SHARED`).
/// Tests that need it fail with this message when it is absent: a skipped
/// check must never count as passed.
pub fn shared() -> PathBuf {
    let dir = std::env::var_os("XUNWEN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("corpus").is_dir(),
        "../shared is absent (looked in {}): this test reads the shared corpus; put shared/ beside the repository or set XUNWEN_SHARED",
        dir.display()
    );
    dir
}

/// The first `n` records of the shared CRUD news, as a JSONL file.
pub fn crud_subset(path: &Path, n: usize) -> Vec<String> {
    let file = std::fs::File::open(shared().join("corpus/crud/news.jsonl.gz")).expect("crud news");
    let lines: Vec<String> = BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .take(n)
        .map(|l| l.expect("line"))
        .collect();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("directory of the subset");
    }
    std::fs::write(path, lines.join("\n")).expect("write the subset");
    lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect()
}

/// A path inside a directory as a &str argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A small tmpfs the test mounts (disk full, read-only index); needs root,
/// as CI has. Unmounted when dropped.
pub struct SmallFilesystem {
    pub path: PathBuf,
}

impl SmallFilesystem {
    pub fn mount(path: &Path, size: &str) -> SmallFilesystem {
        std::fs::create_dir_all(path).expect("mount point");
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                arg(path),
            ])
            .status()
            .expect("mount");
        assert!(
            status.success(),
            "cannot mount a small tmpfs (the disk-full test needs root)"
        );
        SmallFilesystem {
            path: path.to_path_buf(),
        }
    }

    pub fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}"), arg(&self.path)])
            .status()
            .expect("remount");
        assert!(status.success());
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}
