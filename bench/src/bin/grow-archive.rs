//! Grows an archive of N news articles from the shared corpus, for the scale
//! benchmark (bench/scale.sh).
//!
//! ```text
//! grow-archive --articles 1000000 --out /tmp/scale/1m.jsonl [--seed 15] [--corpus ../shared/corpus] [--gzip]
//! grow-archive --articles 100 --out -          # JSON Lines on stdout
//! ```
//!
//! - Articles are recombined from the corpus's real paragraphs, with now and
//!   then one sentence swapped for another article's, so vocabulary and term
//!   frequencies stay those of real news (the vocabulary does not grow with
//!   the archive as a real one's would: new names and places are not made up).
//! - Deterministic: article `i` is a function of the seed and `i` alone, so
//!   a reprint regenerates its original from its number instead of keeping
//!   it: nothing of the output is held.
//! - Ids are unique (`g<seed>-<i>`); dates spread over 2006–2025 (Beijing
//!   time); 360 outlets, a few large and many small (log-uniform ranks).
//! - About one article in ten is a reprint of an article among the 5,000
//!   before it, by another outlet, up to three days later, with small edits
//!   (a sentence dropped, a credit line added, a digit changed).
//!
//! The corpus is read into memory (its text is about 200 MB); the output is
//! written line by line.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

struct Args {
    articles: u64,
    seed: u64,
    corpus: PathBuf,
    out: String,
    gzip: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    const USAGE: &str =
        "usage: grow-archive --articles N --out FILE|- [--seed S] [--corpus DIR] [--gzip]";
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        articles: 0,
        seed: 15,
        corpus: PathBuf::from("../shared/corpus"),
        out: String::new(),
        gzip: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--articles" => {
                parsed.articles = parse_count(&args.next().context(USAGE)?)?;
            }
            "--seed" => parsed.seed = args.next().context(USAGE)?.parse()?,
            "--corpus" => parsed.corpus = PathBuf::from(args.next().context(USAGE)?),
            "--out" => parsed.out = args.next().context(USAGE)?,
            "--gzip" => parsed.gzip = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if parsed.articles == 0 || parsed.out.is_empty() {
        bail!("{USAGE}");
    }
    if parsed.out.ends_with(".gz") {
        parsed.gzip = true;
    }
    Ok(parsed)
}

/// `120000`, `120k`, `1m`, `1.5m`.
fn parse_count(text: &str) -> anyhow::Result<u64> {
    let lower = text.to_ascii_lowercase();
    let (number, scale) = match lower.strip_suffix('m') {
        Some(n) => (n, 1e6),
        None => match lower.strip_suffix('k') {
            Some(n) => (n, 1e3),
            None => (lower.as_str(), 1.0),
        },
    };
    let value: f64 = number
        .parse()
        .with_context(|| format!("not a count: `{text}`"))?;
    Ok((value * scale).round() as u64)
}

/// SplitMix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn for_article(seed: u64, index: u64) -> Rng {
        let mut rng = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The corpus's text: paragraphs (in their articles' order) and sentences,
/// as byte ranges into one string.
struct Pool {
    text: String,
    paragraphs: Vec<(u32, u32)>,
    /// The title of the article a paragraph came from (index into `titles`),
    /// for paragraphs that open a titled article.
    opening_title: Vec<u32>,
    titles: Vec<String>,
    sentences: Vec<(u32, u32)>,
}

const NO_TITLE: u32 = u32::MAX;

impl Pool {
    fn read(corpus: &Path) -> anyhow::Result<Pool> {
        let mut pool = Pool {
            text: String::new(),
            paragraphs: Vec::new(),
            opening_title: Vec::new(),
            titles: Vec::new(),
            sentences: Vec::new(),
        };
        for file in ["cctv/articles.jsonl.gz", "crud/news.jsonl.gz"] {
            let path = corpus.join(file);
            let reader = BufReader::new(GzDecoder::new(
                std::fs::File::open(&path)
                    .with_context(|| format!("cannot open {}", path.display()))?,
            ));
            for line in reader.lines() {
                let record: serde_json::Value = serde_json::from_str(&line?)?;
                let body = record["body"].as_str().unwrap_or("");
                let title = record["title"]
                    .as_str()
                    .map(|t| t.trim_start_matches("[视频]").trim())
                    .filter(|t| !t.is_empty());
                let mut first = true;
                for paragraph in body.split('\n').map(str::trim) {
                    if paragraph.chars().count() < 8 {
                        continue;
                    }
                    let title_index = match (first, title) {
                        (true, Some(title)) => {
                            pool.titles.push(title.to_string());
                            (pool.titles.len() - 1) as u32
                        }
                        _ => NO_TITLE,
                    };
                    first = false;
                    pool.push_paragraph(paragraph, title_index);
                }
            }
        }
        if pool.paragraphs.is_empty() {
            bail!("no paragraphs in {}", corpus.display());
        }
        Ok(pool)
    }

    fn push_paragraph(&mut self, paragraph: &str, title: u32) {
        let start = self.text.len();
        self.text.push_str(paragraph);
        let end = self.text.len();
        self.paragraphs.push((start as u32, end as u32));
        self.opening_title.push(title);
        let mut sentence_start = start;
        for (offset, c) in paragraph.char_indices() {
            if matches!(c, '。' | '！' | '？' | '!' | '?') {
                let sentence_end = start + offset + c.len_utf8();
                if sentence_end - sentence_start > 6 {
                    self.sentences
                        .push((sentence_start as u32, sentence_end as u32));
                }
                sentence_start = sentence_end;
            }
        }
    }

    fn slice(&self, (start, end): (u32, u32)) -> &str {
        &self.text[start as usize..end as usize]
    }
}

/// 360 outlets: provinces and cities times kinds of newsroom.
fn outlets() -> Vec<String> {
    const PLACES: [&str; 36] = [
        "北京",
        "天津",
        "河北",
        "山西",
        "内蒙古",
        "辽宁",
        "吉林",
        "黑龙江",
        "上海",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "广西",
        "海南",
        "重庆",
        "四川",
        "贵州",
        "云南",
        "西藏",
        "陕西",
        "甘肃",
        "青海",
        "宁夏",
        "新疆",
        "深圳",
        "厦门",
        "青岛",
        "大连",
        "宁波",
    ];
    const KINDS: [&str; 10] = [
        "日报",
        "晚报",
        "新闻网",
        "电视台",
        "广播电台",
        "融媒体中心",
        "商报",
        "法治报",
        "青年报",
        "经济报",
    ];
    let mut names = Vec::with_capacity(PLACES.len() * KINDS.len());
    for kind in KINDS {
        for place in PLACES {
            names.push(format!("{place}{kind}"));
        }
    }
    names
}

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈";
const GIVEN: &str =
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲晨宇浩然欣怡子涵梓轩思远";

#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    title: &'a str,
    published: &'a str,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    url: &'a str,
    body: &'a str,
}

/// One generated article, owned.
struct Article {
    title: String,
    body: String,
    /// Seconds since 2006-01-01 00:00 Beijing time.
    seconds: u64,
    outlet: usize,
    author: Option<String>,
}

const TWENTY_YEARS: u64 = 7305 * 86_400;
const REPRINT_SHARE: f64 = 0.1;
const REPRINT_WINDOW: u64 = 5_000;

struct Grower {
    pool: Pool,
    outlets: Vec<String>,
    seed: u64,
}

impl Grower {
    /// A log-uniform rank: outlet 0 far more often than outlet 359.
    fn outlet(&self, rng: &mut Rng) -> usize {
        let n = self.outlets.len() as f64;
        ((n.powf(rng.unit()) - 1.0) as usize).min(self.outlets.len() - 1)
    }

    /// The original article `index` (ignoring whether it is a reprint).
    fn original(&self, index: u64) -> Article {
        let mut rng = Rng::for_article(self.seed, index);
        let _reprint_draw = rng.unit();
        let pool = &self.pool;
        // Body length: at least 80 to 1,280 characters (median about 320),
        // whole paragraphs, so about the corpus's 1.7 kB of text an article.
        let target_bytes = (80.0 * 2f64.powf(rng.unit() * 4.0) * 3.0) as usize;
        let mut paragraph = rng.below(pool.paragraphs.len() as u64) as usize;
        let opening = paragraph;
        let mut body = String::with_capacity(target_bytes + 1024);
        while body.len() < target_bytes {
            if !body.is_empty() {
                body.push('\n');
            }
            let text = pool.slice(pool.paragraphs[paragraph]);
            if rng.chance(0.3) {
                swap_one_sentence(text, pool, &mut rng, &mut body);
            } else {
                body.push_str(text);
            }
            // Mostly the next paragraph of the same story, sometimes another's.
            paragraph = if rng.chance(0.6) && paragraph + 1 < pool.paragraphs.len() {
                paragraph + 1
            } else {
                rng.below(pool.paragraphs.len() as u64) as usize
            };
        }
        let title = match pool.opening_title[opening] {
            title if title != NO_TITLE && rng.chance(0.7) => pool.titles[title as usize].clone(),
            _ => headline_of(&body),
        };
        // Later years hold more articles, as archives do.
        let seconds = (TWENTY_YEARS as f64 * rng.unit().sqrt()) as u64;
        let outlet = self.outlet(&mut rng);
        let author = rng.chance(0.4).then(|| name(&mut rng));
        Article {
            title,
            body,
            seconds,
            outlet,
            author,
        }
    }

    /// Article `index`: an original, or a reprint of an earlier one.
    fn article(&self, index: u64) -> Article {
        let mut rng = Rng::for_article(self.seed, index);
        let reprint = rng.unit() < REPRINT_SHARE && index > 0;
        if !reprint {
            return self.original(index);
        }
        let mut rng = Rng::for_article(self.seed ^ 0x5EED, index);
        let of = index - 1 - rng.below(index.min(REPRINT_WINDOW));
        let mut article = self.article(of);
        let original_outlet = article.outlet;
        while article.outlet == original_outlet {
            article.outlet = self.outlet(&mut rng);
        }
        article.seconds = (article.seconds + rng.below(3 * 86_400)).min(TWENTY_YEARS - 1);
        article.author = rng.chance(0.5).then(|| name(&mut rng));
        small_edits(&mut article, &self.outlets[original_outlet], &mut rng);
        article
    }
}

/// The paragraph with one of its sentences replaced by a random one.
fn swap_one_sentence(paragraph: &str, pool: &Pool, rng: &mut Rng, out: &mut String) {
    let ends: Vec<usize> = paragraph
        .char_indices()
        .filter(|(_, c)| matches!(c, '。' | '！' | '？'))
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    if ends.len() < 2 || pool.sentences.is_empty() {
        out.push_str(paragraph);
        return;
    }
    let which = rng.below(ends.len() as u64) as usize;
    let start = if which == 0 { 0 } else { ends[which - 1] };
    let replacement = pool.slice(pool.sentences[rng.below(pool.sentences.len() as u64) as usize]);
    out.push_str(&paragraph[..start]);
    out.push_str(replacement);
    out.push_str(&paragraph[ends[which]..]);
}

/// A headline from the opening sentence: up to its first comma, at most 30
/// characters.
fn headline_of(body: &str) -> String {
    let opening = body.split(['。', '！', '？', '\n']).next().unwrap_or(body);
    let clause = opening
        .split(['，', '：', '；'])
        .find(|c| c.chars().count() >= 6 && !c.contains("消息"))
        .unwrap_or(opening);
    clause.chars().take(30).collect()
}

fn name(rng: &mut Rng) -> String {
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut name = String::new();
    name.push(surnames[rng.below(surnames.len() as u64) as usize]);
    for _ in 0..1 + rng.below(2) {
        name.push(given[rng.below(given.len() as u64) as usize]);
    }
    name
}

/// What another outlet changes when it runs a story: a credit line, a
/// sentence dropped, a digit changed, a title prefix.
fn small_edits(article: &mut Article, original_outlet: &str, rng: &mut Rng) {
    if rng.chance(0.5) {
        article.body = format!("（来源：{original_outlet}）\n{}", article.body);
    }
    if rng.chance(0.5) {
        let ends: Vec<usize> = article
            .body
            .char_indices()
            .filter(|(_, c)| *c == '。')
            .map(|(i, c)| i + c.len_utf8())
            .collect();
        if ends.len() > 4 {
            let which = 1 + rng.below(ends.len() as u64 - 2) as usize;
            article.body.replace_range(ends[which - 1]..ends[which], "");
        }
    }
    if rng.chance(0.5)
        && let Some((at, digit)) = article
            .body
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
    {
        let changed = char::from(b'0' + ((digit as u8 - b'0' + 1) % 10));
        article
            .body
            .replace_range(at..at + 1, changed.encode_utf8(&mut [0; 4]));
    }
    if rng.chance(0.2) {
        article.title = format!("转载：{}", article.title);
    }
}

/// `YYYY-MM-DDTHH:MM:SS+08:00` for seconds since 2006-01-01 00:00 Beijing.
fn beijing_date(seconds: u64) -> (String, String) {
    // Days from 1970-01-01 to 2006-01-01.
    let days = 13_149 + (seconds / 86_400) as i64;
    let (year, month, day) = civil_from_days(days);
    let time = seconds % 86_400;
    (
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
            time / 3600,
            time / 60 % 60,
            time % 60
        ),
        format!("{year:04}/{month:02}{day:02}"),
    )
}

/// Howard Hinnant's days-to-civil.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let pool = Pool::read(&args.corpus)?;
    eprintln!(
        "corpus: {} paragraphs, {} sentences, {} titles, {:.0} MB, read in {:.1} s",
        pool.paragraphs.len(),
        pool.sentences.len(),
        pool.titles.len(),
        pool.text.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let grower = Grower {
        pool,
        outlets: outlets(),
        seed: args.seed,
    };
    let to_stdout = args.out == "-";
    let sink: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(&args.out)
                .with_context(|| format!("cannot create {}", args.out))?,
        )
    };
    let mut out: Box<dyn Write> = if args.gzip {
        Box::new(BufWriter::with_capacity(
            1 << 20,
            GzEncoder::new(sink, Compression::fast()),
        ))
    } else {
        Box::new(BufWriter::with_capacity(1 << 20, sink))
    };
    let bar = ProgressBar::with_draw_target(
        Some(args.articles),
        if to_stdout {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} articles, {per_sec}, {eta} left",
        )?
        .progress_chars("=> "),
    );
    let generating = Instant::now();
    let mut text_bytes = 0u64;
    let mut line = Vec::with_capacity(1 << 16);
    for index in 0..args.articles {
        let article = grower.article(index);
        let id = format!("g{}-{index:09}", args.seed);
        let (published, day_path) = beijing_date(article.seconds);
        let url = format!(
            "https://news{}.example.cn/{day_path}/{id}.html",
            article.outlet
        );
        text_bytes += (article.title.len() + article.body.len()) as u64;
        line.clear();
        serde_json::to_writer(
            &mut line,
            &Record {
                id: &id,
                title: &article.title,
                published: &published,
                source: &grower.outlets[article.outlet],
                author: article.author.as_deref(),
                url: &url,
                body: &article.body,
            },
        )?;
        line.push(b'\n');
        out.write_all(&line)?;
        if index % 4096 == 0 {
            bar.set_position(index);
        }
    }
    out.flush()?;
    drop(out);
    bar.finish_and_clear();
    let seconds = generating.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} articles, {:.1} MB of title+body text, in {seconds:.1} s ({:.1} MB/s of text{})",
        args.articles,
        text_bytes as f64 / 1e6,
        text_bytes as f64 / 1e6 / seconds,
        if args.gzip { ", gzip" } else { "" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_twenty_years() {
        assert_eq!(beijing_date(0).0, "2006-01-01T00:00:00+08:00");
        assert_eq!(
            beijing_date(TWENTY_YEARS - 1).0,
            "2025-12-31T23:59:59+08:00"
        );
    }

    #[test]
    fn counts_with_suffixes() {
        assert_eq!(parse_count("120k").unwrap(), 120_000);
        assert_eq!(parse_count("1.5m").unwrap(), 1_500_000);
        assert_eq!(parse_count("42").unwrap(), 42);
    }
}
