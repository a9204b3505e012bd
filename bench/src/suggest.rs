//! `/api/suggest` over real HTTP on loopback: every prefix (1 to 6
//! characters) of the dev queries of CRUD-QA and CRUD-KW, and the pinyin
//! and initials of their first words, against an index of the CCTV
//! articles (the whole-corpus index of the index benchmark when it exists).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use xunwen_indexer::{IndexOptions, run};

use crate::percentile;

fn dev_queries(shared: &Path) -> anyhow::Result<Vec<String>> {
    let mut queries = Vec::new();
    for set in ["crud-qa", "crud-kw"] {
        let path = shared.join("eval").join(set).join("queries.dev.tsv");
        let file = std::fs::File::open(&path).with_context(|| path.display().to_string())?;
        for line in BufReader::new(file).lines() {
            if let Some((_, query)) = line?.split_once('\t') {
                queries.push(query.to_string());
            }
        }
    }
    Ok(queries)
}

/// Prefixes as a person types them: the first 1..=6 characters of each
/// query, and of the pinyin and initials of its first six characters.
fn prefixes(queries: &[String]) -> Vec<String> {
    use xunwen_engine::suggest::{normalize, pinyin_keys};
    let mut prefixes = Vec::new();
    for query in queries {
        let chars: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).collect();
        for n in 1..=chars.len().min(6) {
            prefixes.push(chars[..n].iter().collect());
        }
        let first: String = chars[..chars.len().min(6)].iter().collect();
        let (full, initials) = pinyin_keys(&normalize(&first)).unwrap_or_default();
        for text in [full, initials] {
            for n in (2..=text.len().min(10)).step_by(2) {
                prefixes.push(text[..n].to_string());
            }
        }
    }
    prefixes
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One GET on a kept-alive connection; the body's length is returned.
fn get(stream: &mut TcpStream, addr: SocketAddr, path: &str) -> anyhow::Result<usize> {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    if !status.contains(" 200 ") {
        bail!("{path}: {status}");
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(length)
}

fn index_dir(shared: &Path, work: &Path) -> anyhow::Result<PathBuf> {
    let whole = work.join("xunwen-index");
    if whole.join("meta.json").exists() {
        return Ok(whole);
    }
    let dir = work.join("suggest-index");
    if !dir.join("meta.json").exists() {
        eprintln!("indexing the CCTV articles into {} (once)", dir.display());
        let mut options = IndexOptions::new(dir.clone());
        options.threads = 2;
        run(&[shared.join("corpus/cctv/articles.jsonl.gz")], &options)?;
    }
    Ok(dir)
}

pub fn suggest_benchmark(shared: &Path, work: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(work)?;
    let index = index_dir(shared, work)?;
    let prefixes = prefixes(&dev_queries(shared)?);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    drop(listener);
    let mut settings = xunwen_server::Settings::for_index(index.clone());
    settings.addr = addr;
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let _ = runtime.block_on(xunwen_server::serve(settings));
    });
    let started = Instant::now();
    // Wait for the server, then for its dictionary.
    loop {
        let Ok(mut probe) = TcpStream::connect(addr) else {
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the server did not start");
            }
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        write!(
            probe,
            "GET /api/suggest?q=a HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut text = String::new();
        probe.read_to_string(&mut text)?;
        if text.contains("\"ready\":true") {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("the suggestions were not built in ten minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let built = started.elapsed();
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_nodelay(true)?;
    let passes = 3;
    let mut samples = Vec::with_capacity(prefixes.len() * passes);
    let mut bytes = 0;
    for pass in 0..=passes {
        for prefix in &prefixes {
            let path = format!("/api/suggest?q={}", encode(prefix));
            let began = Instant::now();
            bytes += get(&mut stream, addr, &path)?;
            if pass > 0 {
                samples.push(began.elapsed());
            }
        }
    }
    samples.sort();
    println!(
        "index {}; server up with suggestions built in {:.1} s",
        index.display(),
        built.as_secs_f64()
    );
    println!(
        "{} prefixes of the CRUD-QA and CRUD-KW dev queries × {passes} passes, one kept-alive connection ({} KB answered)",
        prefixes.len(),
        bytes / 1024
    );
    println!("| /api/suggest | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    println!(
        "| over HTTP on loopback | {:.3} | {:.3} | {:.3} |",
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        percentile(&samples, 100.0)
    );
    Ok(())
}
