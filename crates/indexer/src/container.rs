//! Containers read in place, without unpacking to disk: a plain file, a
//! `.gz` (a `.gz` that holds a tar archive is read as one), a `.tar`, a
//! `.tar.gz` or `.tgz`. Each file or archive member is handed on as an
//! [`Input`] with a reader of its bytes; what is inside is extraction's
//! business.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::extract::Input;

/// Read buffers: large enough that a gzip stream is inflated in big steps.
const BUFFER_BYTES: usize = 64 << 10;

/// Receives each input of a container in turn.
pub type Visit<'a> = dyn FnMut(Input, &mut dyn BufRead) -> std::io::Result<()> + 'a;

/// Opens the file at `path` and hands each input it holds to `visit`.
/// `bytes_read` counts the bytes read from disk, for progress.
pub fn each_input(
    path: &Path,
    bytes_read: Arc<AtomicU64>,
    visit: &mut Visit<'_>,
) -> std::io::Result<()> {
    let location = path.display().to_string();
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let raw = CountingReader {
        inner: File::open(path)?,
        counter: bytes_read,
    };
    let (container, inner_name) = container_of(&name);
    let input = Input {
        location: location.clone(),
        name: inner_name.to_string(),
    };
    match container {
        Container::Plain => visit(input, &mut BufReader::with_capacity(BUFFER_BYTES, raw)),
        Container::Gzip => {
            let mut decoder =
                BufReader::with_capacity(BUFFER_BYTES, MultiGzDecoder::new(BufReader::new(raw)));
            if is_tar(decoder.fill_buf()?) {
                return each_member(&location, decoder, visit);
            }
            visit(input, &mut decoder)
        }
        Container::Tar => each_member(&location, BufReader::new(raw), visit),
        Container::TarGzip => {
            each_member(&location, MultiGzDecoder::new(BufReader::new(raw)), visit)
        }
    }
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

#[derive(Debug, PartialEq, Eq)]
enum Container {
    Plain,
    Gzip,
    Tar,
    TarGzip,
}

/// The container a file name announces, and the name of what it holds.
fn container_of(name: &str) -> (Container, &str) {
    let lower = name.to_ascii_lowercase();
    for (suffix, container) in [
        (".tar.gz", Container::TarGzip),
        (".tgz", Container::TarGzip),
        (".tar", Container::Tar),
        (".gz", Container::Gzip),
    ] {
        if lower.ends_with(suffix) {
            return (container, &name[..name.len() - suffix.len()]);
        }
    }
    (Container::Plain, name)
}

fn each_member(
    archive_location: &str,
    reader: impl Read,
    visit: &mut Visit<'_>,
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
        visit(input, &mut BufReader::with_capacity(BUFFER_BYTES, member))?;
    }
    Ok(())
}

/// A tar header's magic, where a `.gz` may hide an archive.
fn is_tar(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn names_announce_their_container() {
        assert_eq!(container_of("a.TAR.GZ"), (Container::TarGzip, "a"));
        assert_eq!(container_of("a.tgz"), (Container::TarGzip, "a"));
        assert_eq!(
            container_of("news.jsonl.gz"),
            (Container::Gzip, "news.jsonl")
        );
        assert_eq!(container_of("pages.tar"), (Container::Tar, "pages"));
        assert_eq!(container_of("page.html"), (Container::Plain, "page.html"));
    }

    #[test]
    fn a_gz_holding_a_tar_is_read_member_by_member() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pages.gz");
        let gz = flate2::write::GzEncoder::new(
            File::create(&path).expect("create"),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, text) in [("a/one.html", "一"), ("b/two.txt", "二")] {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, text.as_bytes())
                .expect("append");
        }
        tar.into_inner()
            .expect("tar")
            .finish()
            .expect("gz")
            .flush()
            .expect("flush");
        let mut seen = Vec::new();
        each_input(&path, Arc::default(), &mut |input, reader| {
            let mut text = String::new();
            reader.read_to_string(&mut text)?;
            seen.push((input.location, input.name, text));
            Ok(())
        })
        .expect("read");
        let location = path.display().to_string();
        assert_eq!(
            seen,
            [
                (
                    format!("{location}:a/one.html"),
                    "a/one.html".into(),
                    "一".into()
                ),
                (
                    format!("{location}:b/two.txt"),
                    "b/two.txt".into(),
                    "二".into()
                ),
            ]
        );
    }
}
