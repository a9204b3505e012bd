//! Synonyms and aliases, in the file format Solr and Elasticsearch read:
//!
//! ```text
//! # a comment
//! 浙大, 浙江大学          (equivalent: each finds every one)
//! 新冠 => 新型冠状病毒     (one way: 新冠 is searched as 新型冠状病毒)
//! 央视, 中央电视台 => 中央电视台, 央视, CCTV
//! ```
//!
//! They are applied when a query is planned: a run of query words that
//! spells a term is searched as every form the rules give it (the other
//! forms as exact runs of characters), and the plan records each expansion,
//! so `--explain` shows it. A [`SynonymFile`] rereads its file when its
//! modification time or size changes, so an edit applies without a restart.
//!
//! ```
//! use xunwen_engine::query::synonyms::Synonyms;
//! let synonyms = Synonyms::parse("浙大,浙江大学\n新冠 => 新型冠状病毒\n").unwrap();
//! let words = vec!["浙大".to_string(), "招生".to_string()];
//! let (searched, expansions) = synonyms.expand(&words);
//! assert_eq!(searched, words);
//! assert_eq!(expansions[0].forms, ["浙大", "浙江大学"]);
//! let (searched, _) = synonyms.expand(&["新冠".to_string()]);
//! assert_eq!(searched, ["新型冠状病毒"]);
//! assert!(Synonyms::parse("a => ").unwrap_err().to_string().contains("line 1"));
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Serialize;

use crate::analysis::{fold, is_term_char};

/// Runs of at most this many query words are looked up.
const MAX_RUN_WORDS: usize = 8;

/// A line of a synonym file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}: `{text}`")]
pub struct SynonymLineError {
    pub line: usize,
    pub text: String,
    pub reason: String,
}

/// Why a synonym file cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SynonymError {
    #[error("cannot read the synonym file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("the synonym file {path} has an error at {error}")]
    Line {
        path: PathBuf,
        error: SynonymLineError,
    },
}

/// How a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `a, b, c`: each finds every one.
    Equivalent,
    /// `a => b`: `a` is searched as `b` (and as itself only if listed on
    /// the right).
    OneWay,
}

/// What one term is searched as.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// Folded forms, the term itself first when it is kept.
    forms: Vec<String>,
    kind: RuleKind,
    /// Lines of the file that gave it.
    lines: Vec<usize>,
}

/// One expansion of a query term, as the plan records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expansion {
    /// The query's words the rule matched, run together.
    pub term: String,
    /// Every form searched, in the rule's order; the term itself is among
    /// them unless a one-way rule replaced it.
    pub forms: Vec<String>,
    pub kind: RuleKind,
    /// Lines of the synonym file.
    pub lines: Vec<usize>,
}

/// A set of synonym rules, by the folded key of each term.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    rules: HashMap<String, Rule>,
}

/// The key of a term: its folded letters, digits and ideographs.
fn key(term: &str) -> String {
    fold(term).chars().filter(|c| is_term_char(*c)).collect()
}

/// The terms of one side of a rule, folded, or why not.
fn terms(side: &str, line: usize, text: &str) -> Result<Vec<String>, SynonymLineError> {
    let error = |reason: &str| SynonymLineError {
        line,
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let mut terms = Vec::new();
    for term in side.split(',') {
        let term = term.split_whitespace().collect::<Vec<_>>().join(" ");
        if term.is_empty() {
            return Err(error(
                "an empty term (two commas in a row, or one at an end)",
            ));
        }
        if key(&term).is_empty() {
            return Err(error("a term with no letters, digits or ideographs"));
        }
        let folded = fold(&term);
        if !terms.contains(&folded) {
            terms.push(folded);
        }
    }
    Ok(terms)
}

impl Synonyms {
    /// Reads rules in the Solr format; an error names the line.
    pub fn parse(text: &str) -> Result<Synonyms, SynonymLineError> {
        let mut synonyms = Synonyms::default();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.trim().trim_start_matches('\u{feff}');
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            // Chinese commas are commas too.
            let content = content.replace(['，', '、'], ",");
            let sides: Vec<&str> = content.split("=>").collect();
            match sides.as_slice() {
                [equivalent] => {
                    let forms = terms(equivalent, line, raw)?;
                    if forms.len() < 2 {
                        return Err(SynonymLineError {
                            line,
                            text: raw.to_string(),
                            reason: "one term alone: list two or more, separated by commas, or write `a => b`".into(),
                        });
                    }
                    for term in &forms {
                        // The term first: it is searched as itself too.
                        let mut ordered = vec![term.clone()];
                        ordered.extend(forms.iter().filter(|f| *f != term).cloned());
                        synonyms.add(term, ordered, RuleKind::Equivalent, line);
                    }
                }
                [from, to] => {
                    let from = terms(from, line, raw)?;
                    let to = terms(to, line, raw)?;
                    for term in &from {
                        synonyms.add(term, to.clone(), RuleKind::OneWay, line);
                    }
                }
                _ => {
                    return Err(SynonymLineError {
                        line,
                        text: raw.to_string(),
                        reason: "more than one `=>`".into(),
                    });
                }
            }
        }
        Ok(synonyms)
    }

    /// Rules for the same term merge, as Solr merges them.
    fn add(&mut self, term: &str, forms: Vec<String>, kind: RuleKind, line: usize) {
        let rule = self.rules.entry(key(term)).or_insert_with(|| Rule {
            forms: Vec::new(),
            kind,
            lines: Vec::new(),
        });
        if rule.kind != kind {
            // An equivalence keeps the term; so does any merge with one.
            rule.kind = RuleKind::Equivalent;
            if !rule.forms.iter().any(|f| key(f) == key(term)) {
                rule.forms.insert(0, term.to_string());
            }
        }
        for form in forms {
            if !rule.forms.contains(&form) {
                rule.forms.push(form);
            }
        }
        rule.lines.push(line);
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The query's words with each run that spells a term merged into one
    /// word (the term, or its first form when a one-way rule replaces it),
    /// and the expansions. The longest run starting at a word wins.
    pub fn expand(&self, words: &[String]) -> (Vec<String>, Vec<Expansion>) {
        if self.rules.is_empty() {
            return (words.to_vec(), Vec::new());
        }
        let mut searched = Vec::with_capacity(words.len());
        let mut expansions: Vec<Expansion> = Vec::new();
        let mut start = 0;
        while start < words.len() {
            let longest = (1..=MAX_RUN_WORDS.min(words.len() - start))
                .rev()
                .find_map(|n| {
                    let run = words[start..start + n].concat();
                    self.rules.get(&key(&run)).map(|rule| (n, run, rule))
                });
            let Some((n, run, rule)) = longest else {
                searched.push(words[start].clone());
                start += 1;
                continue;
            };
            let kept = rule.forms.iter().any(|f| key(f) == key(&run));
            let word = if kept {
                run.clone()
            } else {
                rule.forms[0].clone()
            };
            searched.push(word);
            if !expansions.iter().any(|e| e.term == run) {
                expansions.push(Expansion {
                    term: run,
                    forms: rule.forms.clone(),
                    kind: rule.kind,
                    lines: rule.lines.clone(),
                });
            }
            start += n;
        }
        (searched, expansions)
    }
}

impl Expansion {
    /// The forms searched besides `word` (the word the planner searches).
    pub fn others(&self, word: &str) -> Vec<String> {
        self.forms
            .iter()
            .filter(|f| key(f) != key(word))
            .cloned()
            .collect()
    }

    /// True when this expansion is the one of a planned word.
    pub fn applies_to(&self, word: &str) -> bool {
        key(&self.term) == key(word) || self.forms.first().is_some_and(|f| key(f) == key(word))
    }
}

/// What a file held when it was last read.
#[derive(Debug)]
struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    synonyms: Arc<Synonyms>,
    /// Why the file's latest version is not in force, if it is not.
    error: Option<SynonymError>,
}

/// A synonym file, reread when it changes: every plan asks for
/// [`SynonymFile::current`], which looks at the file's modification time and
/// size (one `stat`) and rereads it when either changed. A version with an
/// error is not applied: the last good rules stay in force and the error is
/// logged and kept for [`SynonymFile::error`].
#[derive(Debug)]
pub struct SynonymFile {
    path: PathBuf,
    loaded: Mutex<Loaded>,
}

fn stamp(path: &Path) -> Result<(SystemTime, u64), std::io::Error> {
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.modified()?, metadata.len()))
}

fn read(path: &Path) -> Result<Synonyms, SynonymError> {
    let text = std::fs::read_to_string(path).map_err(|e| SynonymError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Synonyms::parse(&text).map_err(|error| SynonymError::Line {
        path: path.to_path_buf(),
        error,
    })
}

impl SynonymFile {
    /// Reads the file; it must be readable and correct now.
    pub fn open(path: &Path) -> Result<SynonymFile, SynonymError> {
        let stamp = stamp(path).map_err(|e| SynonymError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let synonyms = read(path)?;
        Ok(SynonymFile {
            path: path.to_path_buf(),
            loaded: Mutex::new(Loaded {
                stamp: Some(stamp),
                synonyms: Arc::new(synonyms),
                error: None,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rules in force, reread first if the file changed.
    pub fn current(&self) -> Arc<Synonyms> {
        let Ok(mut loaded) = self.loaded.lock() else {
            return Arc::default();
        };
        let now = stamp(&self.path).ok();
        if now != loaded.stamp {
            loaded.stamp = now;
            match read(&self.path) {
                Ok(synonyms) => {
                    tracing::info!(path = %self.path.display(), rules = synonyms.len(), "synonyms reloaded");
                    loaded.synonyms = Arc::new(synonyms);
                    loaded.error = None;
                }
                Err(error) => {
                    tracing::error!(%error, "synonym file not reloaded; the previous rules stay in force");
                    loaded.error = Some(error);
                }
            }
        }
        loaded.synonyms.clone()
    }

    /// Why the file's latest version is not in force, if it is not.
    pub fn error(&self) -> Option<SynonymError> {
        self.loaded.lock().ok().and_then(|l| l.error.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn equivalent_sets_expand_every_member() {
        let synonyms = Synonyms::parse("# 高校\n浙大, 浙江大学\n\n").unwrap();
        let (searched, expansions) = synonyms.expand(&words(&["浙江大学", "招生"]));
        assert_eq!(searched, words(&["浙江大学", "招生"]));
        assert_eq!(expansions.len(), 1);
        assert_eq!(expansions[0].forms, ["浙江大学", "浙大"]);
        assert_eq!(expansions[0].kind, RuleKind::Equivalent);
        assert_eq!(expansions[0].lines, [2]);
    }

    #[test]
    fn one_way_rules_replace_the_term() {
        let synonyms = Synonyms::parse("新冠 => 新型冠状病毒").unwrap();
        let (searched, expansions) = synonyms.expand(&words(&["新冠", "疫苗"]));
        assert_eq!(searched, words(&["新型冠状病毒", "疫苗"]));
        assert_eq!(expansions[0].kind, RuleKind::OneWay);
        assert!(expansions[0].others("新型冠状病毒").is_empty());
        // Not the other way.
        let (searched, expansions) = synonyms.expand(&words(&["新型冠状病毒"]));
        assert_eq!(searched, words(&["新型冠状病毒"]));
        assert!(expansions.is_empty());
    }

    #[test]
    fn a_term_spelled_by_several_words_is_found() {
        let synonyms = Synonyms::parse("新型冠状病毒, 新冠").unwrap();
        let (searched, expansions) = synonyms.expand(&words(&["新型", "冠状病毒", "疫苗"]));
        assert_eq!(searched, words(&["新型冠状病毒", "疫苗"]));
        assert_eq!(expansions[0].term, "新型冠状病毒");
    }

    #[test]
    fn terms_are_folded() {
        let synonyms = Synonyms::parse("CCTV，央視").unwrap();
        let (_, expansions) = synonyms.expand(&words(&["央视"]));
        assert_eq!(expansions[0].forms, ["央视", "cctv"]);
    }

    #[test]
    fn bad_lines_are_named() {
        for (text, line, reason) in [
            ("浙大,浙江大学\n浙大,,浙江\n", 2, "empty term"),
            ("a => b => c", 1, "more than one"),
            ("\n\n新冠 =>", 3, "empty term"),
            ("孤单", 1, "one term alone"),
            ("a, ！！", 1, "no letters"),
        ] {
            let error = Synonyms::parse(text).unwrap_err();
            assert_eq!(error.line, line, "{text}");
            assert!(error.reason.contains(reason), "{error}");
            assert!(
                error.to_string().starts_with(&format!("line {line}:")),
                "{error}"
            );
        }
    }

    #[test]
    fn an_edited_file_is_reread_and_a_broken_edit_keeps_the_last_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synonyms.txt");
        std::fs::write(&path, "浙大,浙江大学\n").unwrap();
        let file = SynonymFile::open(&path).unwrap();
        assert_eq!(file.current().len(), 2);
        std::fs::write(&path, "浙大,浙江大学\n北大,北京大学\n").unwrap();
        assert_eq!(file.current().len(), 4);
        std::fs::write(&path, "北大,,北京大学\n").unwrap();
        assert_eq!(file.current().len(), 4);
        assert!(file.error().unwrap().to_string().contains("line 1"));
        assert!(SynonymFile::open(&path).is_err());
    }
}
