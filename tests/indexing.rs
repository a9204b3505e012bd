//! `search index`, `stats` and `export` on real on-disk indexes, and the
//! input and fault cases 1–13 and 26 of TESTPLAN.md.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    SmallFilesystem, arg, crud_subset, search, search_binary, shared, stderr, stdout,
};

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(path, bytes).expect("write file");
}

fn index_report(index: &Path, inputs: &[&Path]) -> Value {
    index_report_with(index, inputs, search)
}

/// `search index` on `inputs` run by `run`; its `--report`.
fn index_report_with(
    index: &Path,
    inputs: &[&Path],
    mut run: impl FnMut(&[&str]) -> Output,
) -> Value {
    let report_path = index.with_extension("report.json");
    let mut args = vec![
        "index",
        "--index",
        arg(index),
        "--report",
        arg(&report_path),
    ];
    args.extend(inputs.iter().map(|p| arg(p)));
    let output = run(&args);
    assert!(
        output.status.success(),
        "search index failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    serde_json::from_slice(&std::fs::read(&report_path).expect("report written"))
        .expect("report is JSON")
}

fn article_count(index: &Path) -> u64 {
    let output = search(&["stats", "--json", "--index", arg(index)]);
    assert!(output.status.success(), "stats failed: {}", stderr(&output));
    let stats: Value = serde_json::from_slice(&output.stdout).expect("stats JSON");
    stats["articles"].as_u64().expect("articles field")
}

fn exported(index: &Path) -> Vec<Value> {
    let output = search(&["export", "--index", arg(index)]);
    assert!(
        output.status.success(),
        "export failed: {}",
        stderr(&output)
    );
    stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("export line is JSON"))
        .collect()
}

fn refused_locations(report: &Value) -> Vec<String> {
    report["refused"]
        .as_array()
        .expect("refused list")
        .iter()
        .map(|n| n["location"].as_str().unwrap_or("").to_string())
        .collect()
}

fn record(id: &str, title: &str, body: &str) -> String {
    serde_json::json!({"id": id, "title": title, "body": body, "published": "2023-07-01 08:00", "source": "测试社"}).to_string()
}

/// Export writes the JSONL field names, and an export indexes back to the
/// same articles.
#[test]
fn export_round_trips_through_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in/news.jsonl");
    let lines = [
        record("a1", "长江防汛", "长江中下游持续降雨，各地全力防汛。"),
        serde_json::json!({"url": "https://example.com/2.html", "headline": "无编号的文章", "content": "正文。", "date": "2023年02月24日", "author": ["甲", "乙"], "category": "要闻"}).to_string(),
    ];
    write(&input, lines.join("\n"));
    let first = dir.path().join("first");
    let report = index_report(&first, &[&input]);
    assert_eq!(report["added"], 2);
    let articles = exported(&first);
    assert_eq!(articles.len(), 2);
    let second_article = articles
        .iter()
        .find(|a| a["id"] == "example.com/2.html")
        .expect("id from the URL");
    assert_eq!(second_article["published"], "2023-02-24T00:00:00+08:00");
    assert_eq!(second_article["author"], "甲、乙");
    assert_eq!(second_article["category"], "要闻");

    let export_file = dir.path().join("export.jsonl");
    let text: Vec<String> = articles.iter().map(Value::to_string).collect();
    write(&export_file, text.join("\n"));
    let second = dir.path().join("second");
    index_report(&second, &[&export_file]);
    let mut again = exported(&second);
    let mut original = articles.clone();
    let by_id = |a: &Value, b: &Value| a["id"].as_str().cmp(&b["id"].as_str());
    again.sort_by(by_id);
    original.sort_by(by_id);
    assert_eq!(again, original);
}

/// TESTPLAN 4 and 5: empty files, binary files named .txt, `{}`, blank JSONL
/// lines and a malformed line are skipped with reasons; the run exits 0.
#[test]
fn bad_inputs_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    write(&inputs.join("empty.txt"), "");
    write(
        &inputs.join("random.txt"),
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    );
    write(&inputs.join("object.json"), "{}");
    let jsonl = [
        record("1", "一", "第一篇"),
        String::new(),
        "{\"id\":\"2\",\"title\":\"断".into(),
        "   ".into(),
        record("3", "三", "第三篇"),
    ];
    write(&inputs.join("news.jsonl"), jsonl.join("\n"));
    write(&inputs.join("picture.png"), [0x89, b'P', b'N', b'G']);
    let index = dir.path().join("index");
    let report = index_report(&index, &[&inputs]);
    assert_eq!(report["added"], 2);
    let refused = refused_locations(&report);
    for expected in [
        "empty.txt",
        "random.txt",
        "object.json",
        "news.jsonl:3",
        "picture.png",
    ] {
        assert!(
            refused.iter().any(|l| l.contains(expected)),
            "{expected} not reported in {refused:?}"
        );
    }
    assert_eq!(refused.len(), 5, "{refused:?}");
    assert_eq!(article_count(&index), 2);
}

/// TESTPLAN 3: a file with too many invalid bytes is refused with a reason.
#[test]
fn badly_damaged_text_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = "标题\n\n正文内容".repeat(20).into_bytes();
    for at in (5..bytes.len()).step_by(9) {
        bytes[at] = 0xFF;
    }
    let file = dir.path().join("damaged.txt");
    write(&file, bytes);
    let report = index_report(&dir.path().join("index"), &[&file]);
    assert_eq!(report["added"], 0);
    let reason = report["refused"][0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("invalid bytes"), "{reason}");
}

/// TESTPLAN 6 and 7: a very long article, a 100,000-character unbroken token,
/// deeply nested HTML and large scripts: indexed, nothing panics, script text
/// never indexed.
#[test]
fn huge_articles_and_deep_html_are_indexed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long_body = "长江中下游地区持续降雨。".repeat(50_000);
    let token = "a".repeat(100_000);
    let lines = [
        record("long", "很长的文章", &long_body),
        record("token", "长词", &format!("前文 {token} 后文")),
    ];
    write(&dir.path().join("in/big.jsonl"), lines.join("\n"));
    let depth = 10_000;
    let page = format!(
        "<html><head><title>深层页面_示例网</title></head><body><script>{}</script>{}<p>深处的段落文字</p>{}</body></html>",
        "var secret_script_text = 1;".repeat(100_000),
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    write(&dir.path().join("in/deep.html"), page);
    let index = dir.path().join("index");
    let report = index_report(&index, &[&dir.path().join("in")]);
    assert_eq!(report["added"], 3, "{report}");
    let articles = exported(&index);
    let deep = articles
        .iter()
        .find(|a| a["title"] == "深层页面")
        .expect("deep page");
    assert!(
        deep["body"]
            .as_str()
            .unwrap_or("")
            .contains("深处的段落文字")
    );
    assert!(articles.iter().all(|a| {
        !a["body"]
            .as_str()
            .unwrap_or("")
            .contains("secret_script_text")
    }));
}

/// TESTPLAN 8: unreadable files, symlink loops and odd file names are
/// reported; the walk ends.
#[test]
fn unreadable_files_and_symlink_loops_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    write(
        &inputs.join("新闻 (1) 'odd'.jsonl"),
        record("odd", "奇怪的文件名", "正文"),
    );
    std::os::unix::fs::symlink(&inputs, inputs.join("loop")).expect("symlink");
    let locked = inputs.join("locked.jsonl");
    write(&locked, record("locked", "读不到", "正文"));
    // Root reads any file, so make this one unreadable by making it a dangling link.
    std::fs::remove_file(&locked).expect("remove");
    std::os::unix::fs::symlink(inputs.join("missing-target.jsonl"), &locked)
        .expect("dangling symlink");
    let report = index_report(&dir.path().join("index"), &[&inputs]);
    assert_eq!(report["added"], 1);
    let refused = report["refused"].as_array().expect("refused list");
    let reason_at = |place: &str| {
        refused
            .iter()
            .find(|n| n["location"].as_str().unwrap_or("").ends_with(place))
            .map(|n| n["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        reason_at("in/loop").as_deref(),
        Some("symbolic link loop"),
        "{refused:?}"
    );
    assert!(reason_at("locked.jsonl").is_some(), "{refused:?}");
}

/// TESTPLAN 9: the same article twice, the same text under another URL, a
/// full re-run: counts stay right, nothing is indexed twice.
#[test]
fn repeats_and_reruns_keep_counts_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    let story = "国家统计局发布数据，上半年经济运行总体回升向好。";
    let lines = [
        record("same", "同一篇", story),
        record("same", "同一篇", story),
        serde_json::json!({"url": "https://other.example/copy.html", "title": "转载", "body": story}).to_string(),
        record("other", "另一篇", "完全不同的另一篇新闻。"),
    ];
    write(&inputs.join("news.jsonl"), lines.join("\n"));
    let index = dir.path().join("index");
    let first = index_report(&index, &[&inputs]);
    assert_eq!(
        (
            first["added"].as_u64(),
            first["unchanged"].as_u64(),
            first["duplicates"].as_u64()
        ),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(article_count(&index), 3);

    let rerun = index_report(&index, &[&inputs]);
    assert_eq!(
        (rerun["added"].as_u64(), rerun["files_unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(article_count(&index), 3);

    // A changed file is read again: the edited article replaces its old version.
    let edited = [
        record("same", "同一篇（更正）", story),
        record("other", "另一篇", "完全不同的另一篇新闻。"),
    ];
    write(&inputs.join("news.jsonl"), edited.join("\n"));
    let third = index_report(&index, &[&inputs]);
    assert_eq!(
        (third["updated"].as_u64(), third["unchanged"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(article_count(&index), 3);
    let titles: HashSet<String> = exported(&index)
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        titles.contains("同一篇（更正）") && !titles.contains("同一篇"),
        "{titles:?}"
    );
}

/// Gzip, tar.gz and a whole shared directory are read in place.
#[test]
fn compressed_archives_are_read_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gz_path = dir.path().join("news.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).expect("create"),
        flate2::Compression::fast(),
    );
    gz.write_all(
        format!(
            "{}\n{}\n",
            record("g1", "压缩一", "正文一"),
            record("g2", "压缩二", "正文二")
        )
        .as_bytes(),
    )
    .expect("gz");
    gz.finish().expect("finish gz");
    let tgz_path = dir.path().join("pages.tar.gz");
    let tgz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz_path).expect("create"),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(tgz);
    let page = "<html><head><title>归档页面_示例网</title></head><body><div class=\"info\">来源：示例网 2023-03-01 09:00</div><article><p>归档里的正文。</p></article></body></html>";
    let mut header = tar::Header::new_gnu();
    header.set_size(page.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "pages/p1.html", page.as_bytes())
        .expect("append");
    tar.into_inner().expect("tar").finish().expect("finish tgz");
    let index = dir.path().join("index");
    let report = index_report(&index, &[&gz_path, &tgz_path]);
    assert_eq!(report["added"], 3, "{report}");
    let articles = exported(&index);
    let page = articles
        .iter()
        .find(|a| a["title"] == "归档页面")
        .expect("page from the tar.gz");
    assert_eq!(page["published"], "2023-03-01T09:00:00+08:00");
    assert_eq!(page["source"], "示例网");
}

/// The shared sample articles: every encoding decodes to the same article,
/// and stats report what was indexed.
#[test]
fn shared_samples_index_and_stats() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let report = index_report(&index, &[&shared().join("samples")]);
    assert!(report["added"].as_u64().unwrap_or(0) >= 25, "{report}");
    let output = search(&["stats", "--index", arg(&index)]);
    assert!(stdout(&output).contains("央视网"), "{}", stdout(&output));
    let articles = exported(&index);
    assert!(
        articles
            .iter()
            .all(|a| !a["body"].as_str().unwrap_or("").contains('\u{FFFD}')
                || a["title"] == "[视频]我国夏粮丰收在望 收购准备就绪")
    );
}

/// TESTPLAN 12: a second indexer fails at once, naming the holder; TESTPLAN 11:
/// after the holder dies, the next run takes the lock without cleanup.
#[test]
fn second_indexer_fails_at_once_naming_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let fifo_dir = dir.path().join("in");
    std::fs::create_dir_all(&fifo_dir).expect("dir");
    // A FIFO keeps the first indexer busy reading until we write to it.
    let fifo = fifo_dir.join("slow.jsonl");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let mut first = Command::new(search_binary())
        .args(["index", "--index", arg(&index), arg(&fifo)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("first indexer");
    let holder_file = index.join("xunwen-writer.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&holder_file)
        .map(|s| s.is_empty())
        .unwrap_or(true)
    {
        assert!(
            Instant::now() < deadline,
            "the first indexer never took the lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = Instant::now();
    let second = search(&[
        "index",
        "--index",
        arg(&index),
        arg(&shared().join("samples/encodings/a1.utf8.txt")),
    ]);
    assert!(!second.status.success());
    let message = stderr(&second);
    assert!(
        message.contains("another indexer")
            && message.contains(&format!("`search index` process {}", first.id())),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the second indexer did not fail at once"
    );
    // Merging down needs the single writer too.
    let merge = search(&["merge", "--index", arg(&index)]);
    assert!(!merge.status.success());
    assert!(
        stderr(&merge).contains(&first.id().to_string()),
        "{}",
        stderr(&merge)
    );

    first.kill().expect("kill the first indexer");
    first.wait().expect("wait");
    let third = search(&[
        "index",
        "--index",
        arg(&index),
        arg(&shared().join("samples/encodings/a1.utf8.txt")),
    ]);
    assert!(
        third.status.success(),
        "after a crash the lock is free: {}",
        stderr(&third)
    );
    assert_eq!(article_count(&index), 1);
}

/// What a query found: its hits (id and score), total and facets.
struct Answer {
    hits: Vec<(String, f64)>,
    total: Value,
    facets: Value,
}

/// The answers to a few queries.
fn answers(index: &Path) -> Vec<Answer> {
    [
        "中国",
        "经济 发展",
        "第十届中国西部文化产业博览会的主题是什么？",
    ]
    .iter()
    .map(|query| {
        let output = search(&["query", query, "--json", "--index", arg(index)]);
        assert!(output.status.success(), "query failed: {}", stderr(&output));
        let found: Value = serde_json::from_slice(&output.stdout).expect("query JSON");
        let hits = found["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|hit| {
                let id = hit["id"].as_str().expect("id").to_string();
                (id, hit["score"].as_f64().expect("score"))
            })
            .collect();
        Answer {
            hits,
            total: found["total"].clone(),
            facets: found["facets"].clone(),
        }
    })
    .collect()
}

/// `search merge`: an index of several segments, merged down to two,
/// holds every article, answers every query as before and keeps no file
/// of the merged-away segments.
#[test]
fn merging_down_keeps_every_article_and_every_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let all = dir.path().join("all.jsonl");
    crud_subset(&all, 600);
    let text = std::fs::read_to_string(&all).expect("subset");
    let lines: Vec<&str> = text.lines().collect();
    // One segment a run, at least.
    for (part, chunk) in lines.chunks(120).enumerate() {
        let input = dir.path().join(format!("part-{part}.jsonl"));
        write(&input, chunk.join("\n"));
        index_report(&index, &[&input]);
    }
    let segments = |index: &Path| -> u64 {
        let output = search(&["stats", "--json", "--index", arg(index)]);
        let stats: Value = serde_json::from_slice(&output.stdout).expect("stats JSON");
        stats["segments"].as_u64().expect("segments")
    };
    let before_segments = segments(&index);
    assert!(before_segments > 2, "{before_segments} segments");
    let before = answers(&index);

    let merge_to_two = || -> Value {
        let output = search(&[
            "merge",
            "--index",
            arg(&index),
            "--max-segments",
            "2",
            "--json",
        ]);
        assert!(output.status.success(), "merge failed: {}", stderr(&output));
        serde_json::from_slice(&output.stdout).expect("merge JSON")
    };
    let merged = merge_to_two();
    assert_eq!(merged["segments_before"].as_u64(), Some(before_segments));
    assert_eq!(merged["segments_after"].as_u64(), Some(2));
    // A segment as large as a merged one's share may be left as it is.
    let articles_merged = merged["articles_merged"].as_u64().expect("articles_merged");
    assert!((1..=600).contains(&articles_merged), "{articles_merged}");
    assert_eq!(segments(&index), 2);
    assert_eq!(article_count(&index), 600);

    let after = answers(&index);
    for (before, after) in before.iter().zip(&after) {
        assert_eq!(before.total, after.total);
        assert_eq!(before.facets, after.facets);
        // The same scores in the same order; articles of equal score may
        // swap, as their order follows their place in the segments.
        let scores = |answer: &Answer| answer.hits.iter().map(|h| h.1).collect::<Vec<_>>();
        assert_eq!(scores(before), scores(after));
        for (id, score) in &after.hits {
            if let Some((_, was)) = before.hits.iter().find(|(other, _)| other == id) {
                assert_eq!(was, score, "{id}");
            }
        }
    }
    let segment_files = std::fs::read_dir(&index)
        .expect("index dir")
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "idx"))
        .count();
    assert_eq!(segment_files, 2, "files of merged-away segments are left");

    // Already at most that many: nothing to do.
    assert_eq!(merge_to_two()["articles_merged"].as_u64(), Some(0));
}

/// Checks an index after a kill: it opens, its files pass checksum
/// validation, and it holds exactly a prefix of the input (what the last
/// commit held), each article whole and once.
fn assert_index_is_a_clean_prefix(index: &Path, ids: &[String]) -> usize {
    // Killed before it created the index: nothing was committed, nothing to check.
    if !index.join("meta.json").exists() {
        return 0;
    }
    let articles = exported(index);
    let exported_ids: Vec<String> = articles
        .iter()
        .map(|a| a["id"].as_str().unwrap_or("").to_string())
        .collect();
    let unique: HashSet<&String> = exported_ids.iter().collect();
    assert_eq!(
        unique.len(),
        exported_ids.len(),
        "an article is indexed twice"
    );
    let committed: HashSet<&String> = ids[..exported_ids.len()].iter().collect();
    assert_eq!(
        unique, committed,
        "the index holds something other than a committed prefix"
    );
    assert!(
        articles
            .iter()
            .all(|a| !a["body"].as_str().unwrap_or("").is_empty()),
        "a half-written article"
    );
    let check = search(&["stats", "--json", "--index", arg(index)]);
    assert!(check.status.success(), "{}", stderr(&check));
    exported_ids.len()
}

/// TESTPLAN 10 and 11: `kill -9` at random moments (commits included): the
/// index opens, holds exactly its last commit, and a re-run completes it.
/// 20 kills in CI; `XUNWEN_KILLS=200` for the long form.
#[test]
fn killed_indexer_leaves_last_commit_and_rerun_completes() {
    const RECORDS: usize = 6_000;
    let kills: usize = std::env::var("XUNWEN_KILLS")
        .ok()
        .map(|n| n.parse().expect("XUNWEN_KILLS is a number"))
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in/crud.jsonl");
    let ids = crud_subset(&input, RECORDS);
    let index = dir.path().join("index");
    let mut seed = u64::from(std::process::id()) | 1;
    let (mut kills_after_a_commit, mut kills_mid_run) = (0, 0);
    for kill in 0..kills {
        // A round resumes from what the last commit held; once a run has
        // completed, the next starts from an empty index, so kills keep
        // landing at every stage of a run.
        let mut before = assert_index_is_a_clean_prefix(&index, &ids);
        if before == RECORDS {
            std::fs::remove_dir_all(&index).expect("remove the complete index");
            before = 0;
        }
        let mut child = Command::new(search_binary())
            .args([
                "index",
                "--commit-seconds",
                "0.2",
                "--index",
                arg(&index),
                arg(&input),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("indexer");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = Duration::from_millis(300 + seed % 2_500);
        std::thread::sleep(wait);
        let finished = child.try_wait().expect("try_wait").is_some();
        child.kill().ok();
        child.wait().expect("wait");
        let held = assert_index_is_a_clean_prefix(&index, &ids);
        eprintln!("kill {kill} after {wait:?}: index holds {held} articles (finished: {finished})");
        assert!(
            held >= before,
            "a commit was lost: {before} before, {held} after"
        );
        // A commit of this round: the index holds more than it did before.
        kills_after_a_commit += usize::from(held > before && !finished);
        kills_mid_run += usize::from(!finished);
    }
    eprintln!(
        "{kills} kills: {kills_mid_run} mid-run, {kills_after_a_commit} of them after a commit of their own round; 0 committed articles lost"
    );
    assert!(
        kills_after_a_commit >= 3,
        "too few kills landed after a commit to exercise commits"
    );
    let rerun = search(&["index", "--index", arg(&index), arg(&input)]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(article_count(&index), RECORDS as u64);
    assert_eq!(assert_index_is_a_clean_prefix(&index, &ids), RECORDS);
}

/// TESTPLAN 13: disk full during indexing: a clear error, no hang, the last
/// commit still searchable; after space is freed a re-run succeeds.
#[test]
fn disk_full_fails_clearly_and_keeps_last_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("input.jsonl");
    let small_ids = crud_subset(&small, 50);
    let large = dir.path().join("large.jsonl");
    let large_ids = crud_subset(&large, 20_000);
    let filesystem = SmallFilesystem::mount(&dir.path().join("small-disk"), "6m");
    let index = filesystem.path.join("index");
    index_report(&index, &[&small]);
    assert_eq!(article_count(&index), small_ids.len() as u64);

    let mut child = Command::new(search_binary())
        .args(["index", "--index", arg(&index), arg(&large)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("indexer");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("indexing into a full disk hung");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("output");
    assert!(
        !output.status.success(),
        "indexing into a full disk must fail"
    );
    let message = stderr(&output);
    assert!(
        message.to_lowercase().contains("no space"),
        "unclear error: {message}"
    );
    assert_eq!(
        article_count(&index),
        small_ids.len() as u64,
        "the last commit is still there"
    );

    filesystem.remount("size=512m");
    let rerun = search(&["index", "--index", arg(&index), arg(&large)]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert_eq!(
        article_count(&index),
        large_ids.len() as u64,
        "the re-run completes the job"
    );
}

/// Issue 16: a CCTV page without a `contentid` meta is named by its file and
/// linked to the URL its `commentUrl` names; crawled again, with a sentence
/// changed and saved elsewhere under the same name, it replaces its article.
#[test]
fn recrawled_page_with_a_changed_sentence_replaces_its_article() {
    let (name, page) = shared_page_without_id_meta();
    let stem = name.trim_end_matches(".shtml");
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let first_crawl = dir.path().join("crawl-2024/pages").join(&name);
    write(&first_crawl, &page);
    let first = index_report(&index, &[&first_crawl]);
    assert_eq!(first["added"], 1, "{first}");
    let before = exported(&index).remove(0);
    assert_eq!(before["id"], stem, "no id meta: the file name is the id");
    let url = before["url"].as_str().expect("the page's own URL");
    assert!(
        url.starts_with("https://tv.cctv.com/") && url.ends_with(&format!("/{name}")),
        "{url}"
    );

    let body = before["body"].as_str().expect("body").to_string();
    // A clause the page writes without entities or tags, to be rewritten.
    let sentence = body
        .split(['，', '。', '：'])
        .find(|s| s.chars().count() >= 10 && page.contains(s))
        .expect("a clause of the body written as it is in the page")
        .to_string();
    let changed = "这是重新抓取时改写的一句话";
    let second_crawl = dir.path().join("crawl-2025").join(&name);
    write(&second_crawl, page.replace(&sentence, changed));
    let second = index_report(&index, &[&second_crawl]);
    assert_eq!(
        (second["added"].as_u64(), second["updated"].as_u64()),
        (Some(0), Some(1)),
        "{second}"
    );
    assert_eq!(article_count(&index), 1);
    let after = exported(&index).remove(0);
    assert_eq!(after["id"], stem);
    assert_eq!(after["url"], url);
    let new_body = after["body"].as_str().unwrap_or("");
    assert!(
        new_body.contains(changed) && !new_body.contains(&sentence),
        "{new_body}"
    );
}

/// The first page of the shared sample that has a body and a `commentUrl`
/// but no `contentid` meta: its member name and its text.
fn shared_page_without_id_meta() -> (String, String) {
    let file = std::fs::File::open(shared().join("corpus/cctv/pages-sample.tar.gz"))
        .expect("pages-sample.tar.gz");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for member in archive.entries().expect("tar") {
        let mut member = member.expect("member");
        let path = member.path().expect("path").to_string_lossy().into_owned();
        let mut page = String::new();
        if member.read_to_string(&mut page).is_err() {
            continue;
        }
        let has_url = page.contains("commentUrl = \"https://");
        let has_body = page.contains("。</p>");
        if has_url && has_body && !page.contains("name=\"contentid\"") {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            return (name, page);
        }
    }
    panic!("the sample has pages without a contentid meta");
}

/// Runs `search` and follows its peak resident memory (`VmHWM`, read from
/// /proc every few milliseconds while it runs, since the figure goes with
/// the process). A record held whole would stand at its peak for seconds.
fn search_with_peak_memory(args: &[&str]) -> (Output, u64) {
    let mut child = Command::new(search_binary())
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the search binary runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).ok();
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        let high_water = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|status| {
                let line = status
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))?
                    .to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            });
        peak_kib = peak_kib.max(high_water.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    (output, peak_kib << 10)
}

/// `search index` with its peak resident memory.
fn index_report_and_peak(index: &Path, inputs: &[&Path]) -> (Value, u64) {
    let mut peak = 0;
    let report = index_report_with(index, inputs, |args| {
        let (output, measured) = search_with_peak_memory(args);
        peak = measured;
        output
    });
    (report, peak)
}

/// Writes a gzip file of `parts`, each a text and how many times it comes
/// one after the other. Each text is compressed once and its gzip member
/// written again and again: members one after another are one stream to a
/// reader (`cat a.gz b.gz` makes such files), so gigabytes of text cost
/// megabytes of disk and no time to write.
fn write_repeated_gzip(path: &Path, parts: &[(&str, usize)]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for (text, times) in parts {
        let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        member.write_all(text.as_bytes()).expect("compress");
        let member = member.finish().expect("finish gzip member");
        for _ in 0..*times {
            file.write_all(&member).expect("write");
        }
    }
    file.flush().expect("flush");
}

/// A reason's words for a record past the bound.
fn names_the_bound(reason: &str) -> bool {
    reason.contains("64 MiB") && reason.contains("skipped")
}

/// Peak resident memory an indexing run keeps under, whatever its records:
/// an ordinary run of a few records peaks near 60 MiB here, and reading a
/// record past the bound adds at most two bounds (the input's first 64 MiB,
/// and the record up to 64 MiB). The huge records of the tests below are
/// larger than this, so one held whole would break it.
const PEAK_MEMORY_LIMIT: u64 = 400 << 20;

/// TESTPLAN 26: a JSON Lines file whose middle line is 1.5 GB (3 MB of
/// gzip) is indexed but for that line, refused by number and naming the
/// bound, without ever being held: peak memory stays under the limit an
/// ordinary run keeps to.
#[test]
fn gigabyte_json_lines_line_is_refused_without_being_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("huge.jsonl.gz");
    let before = format!("{}\n", record("before", "之前", "长江中下游地区持续降雨。"));
    let after = format!("{}\n", record("after", "之后", "各地全力防汛救灾。"));
    let piece = "长江中下游地区持续降雨，各地全力防汛救灾。".repeat(100_000);
    let times = 1_500_000_000 / piece.len() + 1;
    write_repeated_gzip(
        &input,
        &[
            (&before, 1),
            (r#"{"id": "huge", "title": "巨大", "body": ""#, 1),
            (&piece, times),
            ("\"}\n", 1),
            (&after, 1),
        ],
    );
    let ordinary = dir.path().join("ordinary.jsonl");
    write(&ordinary, format!("{before}{after}"));
    let (_, ordinary_peak) = index_report_and_peak(&dir.path().join("ordinary"), &[&ordinary]);

    let index = dir.path().join("index");
    let (report, peak) = index_report_and_peak(&index, &[&input]);
    eprintln!(
        "{} GB line in a {} MB gzip: peak RSS {} MiB (an ordinary run: {} MiB)",
        (piece.len() * times) as f64 / 1e9,
        std::fs::metadata(&input).expect("input").len() as f64 / 1e6,
        peak >> 20,
        ordinary_peak >> 20
    );
    assert_eq!(report["added"], 2, "{report}");
    let refused = report["refused"].as_array().expect("refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    let location = refused[0]["location"].as_str().unwrap_or("");
    let reason = refused[0]["reason"].as_str().unwrap_or("");
    assert!(location.ends_with("huge.jsonl.gz:2"), "{location}");
    assert!(names_the_bound(reason) && reason.contains("GB"), "{reason}");
    let ids: HashSet<String> = exported(&index)
        .iter()
        .map(|a| a["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, HashSet::from(["before".into(), "after".into()]));
    assert!(
        peak < PEAK_MEMORY_LIMIT,
        "peak RSS {} MiB while refusing the long line",
        peak >> 20
    );
}

/// TESTPLAN 26 for the other records: a JSON array's element, a Markdown
/// story and a text page of 512 MiB each are refused with their reason,
/// without being held; the records beside them are indexed.
#[test]
fn huge_json_element_markdown_story_and_text_page_are_refused_without_being_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(&inputs).expect("inputs");
    let sentence = "长江中下游地区持续降雨，各地全力防汛救灾。\n";
    let piece = sentence.repeat(10_000);
    let times = (512 << 20) / piece.len() + 1;
    let record_text = |id: &str, title: &str| record(id, title, "正文。");
    let opening = format!(
        "[{},\n{{\"id\": \"big\", \"body\": \"",
        record_text("a1", "之前")
    );
    let closing = format!("\"}},\n{}]\n", record_text("a3", "之后"));
    let one_line = piece.replace('\n', "");
    write_repeated_gzip(
        &inputs.join("news.json.gz"),
        &[(&opening, 1), (&one_line, times), (&closing, 1)],
    );
    write_repeated_gzip(
        &inputs.join("20230315.md.gz"),
        &[
            (
                "# 《新闻联播》（20230315）\n### 第一条\n正文一。\n### 很长的一条\n",
                1,
            ),
            (&piece, times),
            ("### 第三条\n正文三。\n", 1),
        ],
    );
    write_repeated_gzip(
        &inputs.join("long-page.txt.gz"),
        &[("很长的页面\n", 1), (&piece, times)],
    );
    write(&inputs.join("short-page.txt"), "短的页面\n\n正文。\n");
    let (report, peak) = index_report_and_peak(&dir.path().join("index"), &[&inputs]);
    eprintln!("three 512 MiB records: peak RSS {} MiB", peak >> 20);
    let titles: HashSet<String> = exported(&dir.path().join("index"))
        .iter()
        .map(|a| a["title"].as_str().unwrap_or("").to_string())
        .collect();
    let expected = ["之前", "之后", "第一条", "第三条", "短的页面"];
    assert_eq!(
        titles,
        expected.iter().map(|t| t.to_string()).collect(),
        "{report}"
    );
    let refused: Vec<(String, String)> = report["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|n| {
            let field = |key: &str| n[key].as_str().unwrap_or("").to_string();
            (field("location"), field("reason"))
        })
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    let reason_at = |place: &str| {
        refused
            .iter()
            .find(|(location, _)| location.ends_with(place))
            .map(|(_, reason)| reason.as_str())
            .unwrap_or_else(|| panic!("nothing refused at {place}: {refused:?}"))
    };
    assert!(names_the_bound(reason_at("news.json.gz[2]")));
    let story = reason_at("20230315.md.gz#2");
    assert!(
        names_the_bound(story) && story.contains("很长的一条"),
        "{story}"
    );
    assert!(reason_at("long-page.txt.gz").contains("64 MiB"));
    assert!(
        peak < PEAK_MEMORY_LIMIT,
        "peak RSS {} MiB while refusing three records of 512 MiB",
        peak >> 20
    );
}

/// A pipe has no file name to announce its format (`search index <(zcat
/// x.gz)` hands over `/dev/fd/63`): its first bytes decide, as the README
/// promises; what fits no format is refused with the reason.
#[test]
fn piped_inputs_are_read_by_their_first_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let line = r#"{"id": "piped", "title": "管道里的新闻", "body": "从管道读入的防汛报道。"}"#;
    let script = format!(
        "{} index --index {} <(printf '%s\\n' '{line}') <(printf 'plain words')",
        search_binary().display(),
        index.display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("bash");
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output) + &stderr(&output);
    assert!(
        report.contains("/dev/fd/") && report.contains("not a format Xunwen reads"),
        "the text pipe is refused with its reason: {report}"
    );
    let found = search(&["query", "--index", arg(&index), "--json", "管道"]);
    let found: Value = serde_json::from_slice(&found.stdout).expect("JSON");
    assert_eq!(found["hits"][0]["id"], "piped", "{found}");
}
