//! (Over 500 lines with its tests, about a fifth of it: building, keying
//! and looking up are one data structure and read best together.)
//!
//! Suggestions as you type: the archive's own titles and its frequent
//! phrases (runs of two or three title words that several articles share,
//! neither first nor last word a lone character),
//! weighted by how often and how recently they occur, found by a prefix of
//! their folded text, of their pinyin, or of their pinyin initials.
//!
//! The dictionary is built from the stored titles when the index is opened
//! and again after new commits (see [`crate::Engine::refresh_suggestions`]),
//! so it always describes the articles being searched and the index format
//! holds nothing more. Memory stays bounded: at most [`MAX_ENTRIES`]
//! suggestions, the heaviest, in one `fst` map whose keys are the folded
//! text, the pinyin and the initials of each, plus the ten best of every
//! prefix of up to [`SHORT_PREFIX_BYTES`] bytes, precomputed (short prefixes
//! match the most keys).
//!
//! ```
//! use xunwen_engine::suggest::{SuggestionKind, SuggesterBuilder};
//! let mut builder = SuggesterBuilder::default();
//! builder.add_title("北京冬奥会开幕", None);
//! builder.add_title("上海进博会闭幕", None);
//! let suggester = builder.build();
//! for prefix in ["北京", "beij", "bj", "BJdah"] {
//!     let found = suggester.complete(prefix, 10);
//!     assert_eq!(found.first().map(|s| s.text.as_str()), Some("北京冬奥会开幕"), "{prefix}");
//! }
//! assert!(suggester.complete("bjx", 10).is_empty());
//! ```

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use fst::{Automaton, IntoStreamer, Streamer};
use pinyin::ToPinyin;
use serde::Serialize;
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use crate::analysis::{Analysis, fold, fold_char, is_cjk, is_term_char};
use crate::error::EngineError;
use crate::search::Engine;

/// At most this many suggestions are kept, the heaviest.
pub const MAX_ENTRIES: usize = 200_000;
/// Prefixes of up to this many bytes (one ideograph, or three letters) have
/// their best suggestions precomputed.
pub const SHORT_PREFIX_BYTES: usize = 3;
/// A phrase is suggested when at least this many articles' titles hold it.
pub const MIN_PHRASE_ARTICLES: u32 = 2;
/// An occurrence this many days older than another weighs half as much.
pub const HALF_LIFE_DAYS: f64 = 180.0;
/// Titles longer than this (in characters) are not suggested whole.
const MAX_TITLE_CHARS: usize = 64;
/// Best suggestions kept per short prefix.
const SHORT_LIST: usize = 10;
/// The phrase counts are pruned of phrases seen once past this many.
const MAX_COUNTED_PHRASES: usize = 2_000_000;

/// What a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// An article's title (several articles when reprinted).
    Title,
    /// Two or three words that several titles share.
    Phrase,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub text: String,
    pub kind: SuggestionKind,
    /// Articles whose titles hold it.
    pub articles: u32,
    /// How often and how recently it occurs: each occurrence counts 1 on
    /// the date of the newest article and half of that [`HALF_LIFE_DAYS`]
    /// earlier.
    pub weight: f64,
}

/// The completions of one prefix.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Suggestions {
    pub prefix: String,
    pub suggestions: Vec<Suggestion>,
    /// False while the dictionary of the open index is still being built
    /// (then there are none yet).
    pub ready: bool,
    pub took_ms: f64,
}

/// The suggestion dictionary: entries sorted heaviest first, and their
/// keys.
pub struct Suggester {
    /// Heaviest first: an entry's rank is its index.
    entries: Vec<Suggestion>,
    /// `key 0x00 rank` for every key of every entry (so keys stay unique);
    /// the value is the rank.
    keys: fst::Map<Vec<u8>>,
    /// The best ranks of every prefix of up to [`SHORT_PREFIX_BYTES`].
    short: HashMap<Box<[u8]>, Vec<u32>>,
}

impl std::fmt::Debug for Suggester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suggester")
            .field("entries", &self.entries.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Keys are made of the letters, digits and ideographs of folded text:
/// spaces and punctuation never matter to a prefix.
pub fn normalize(prefix: &str) -> String {
    prefix
        .chars()
        .map(fold_char)
        .filter(|c| is_term_char(*c))
        .map(|c| if c == 'ü' { 'v' } else { c })
        .collect()
}

/// The pinyin key and the initials key of folded text: each ideograph as
/// its (most common) reading, other letters and digits as they are.
pub fn pinyin_keys(folded_key: &str) -> Option<(String, String)> {
    if !folded_key.chars().any(is_cjk) {
        return None;
    }
    let mut full = String::with_capacity(folded_key.len() * 2);
    let mut initials = String::with_capacity(folded_key.len());
    for c in folded_key.chars() {
        match c.to_pinyin() {
            Some(reading) => {
                let plain = reading.plain().replace('ü', "v");
                initials.push_str(&plain[..1]);
                full.push_str(&plain);
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c);
                initials.push(c);
            }
            // An ideograph without a reading: the key stops being pinyin.
            None => break,
        }
    }
    Some((full, initials))
}

impl Suggester {
    /// An empty dictionary.
    pub fn empty() -> Suggester {
        SuggesterBuilder::default().build()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `limit` completions of a prefix (folded text, pinyin or
    /// initials), heaviest first.
    pub fn complete(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let key = normalize(prefix);
        if key.is_empty() || limit == 0 {
            return Vec::new();
        }
        let ranks = if key.len() <= SHORT_PREFIX_BYTES {
            self.short.get(key.as_bytes()).cloned().unwrap_or_default()
        } else {
            self.best_ranks(&key, limit)
        };
        ranks
            .into_iter()
            .take(limit)
            .map(|rank| self.entries[rank as usize].clone())
            .collect()
    }

    /// The `limit` best ranks among the keys starting with `key`.
    fn best_ranks(&self, key: &str, limit: usize) -> Vec<u32> {
        let matcher = fst::automaton::Str::new(key).starts_with();
        let mut stream = self.keys.search(matcher).into_stream();
        // Sorted, best (lowest) rank first.
        let mut best: Vec<u32> = Vec::with_capacity(limit + 1);
        while let Some((_, rank)) = stream.next() {
            let rank = rank as u32;
            if best.len() == limit && rank >= best[limit - 1] {
                continue;
            }
            if let Err(at) = best.binary_search(&rank) {
                best.insert(at, rank);
                best.truncate(limit);
            }
        }
        best
    }
}

/// Collects titles, counts their phrases, and builds the dictionary.
#[derive(Default)]
pub struct SuggesterBuilder {
    analysis: Option<Analysis>,
    /// Folded key -> (shown text, counts).
    titles: HashMap<String, (String, Counts)>,
    phrases: HashMap<String, Counts>,
    newest: Option<i64>,
}

impl std::fmt::Debug for SuggesterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuggesterBuilder")
            .field("titles", &self.titles.len())
            .finish()
    }
}

/// How often, and how recently, something occurs.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    articles: u32,
    /// Σ 2^(days since 2000 / half-life) over the dated occurrences.
    dated: f64,
    undated: u32,
}

/// Seconds of 2000-01-01T00:00:00Z: dates are weighed from there.
const EPOCH_2000: i64 = 946_684_800;

fn growth(timestamp: i64) -> f64 {
    let days = (timestamp - EPOCH_2000) as f64 / 86_400.0;
    // Clamped so that no date overflows the sum.
    (days / HALF_LIFE_DAYS).clamp(-200.0, 200.0).exp2()
}

impl Counts {
    fn add(&mut self, published: Option<i64>) {
        self.articles += 1;
        match published {
            Some(timestamp) => self.dated += growth(timestamp),
            None => self.undated += 1,
        }
    }

    /// The weight relative to the newest article (which weighs 1); an
    /// undated occurrence weighs as much as one a half-life older.
    fn weight(&self, newest: f64) -> f64 {
        self.dated / newest + f64::from(self.undated) * 0.5
    }
}

impl SuggesterBuilder {
    /// A builder that also counts phrases, cut by this analysis.
    pub fn with_analysis(analysis: Analysis) -> SuggesterBuilder {
        SuggesterBuilder {
            analysis: Some(analysis),
            ..SuggesterBuilder::default()
        }
    }

    /// One article's title and its publication time (Unix seconds).
    pub fn add_title(&mut self, title: &str, published: Option<i64>) {
        let shown = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = normalize(&shown);
        if key.is_empty() {
            return;
        }
        if let Some(timestamp) = published {
            self.newest = Some(self.newest.map_or(timestamp, |n| n.max(timestamp)));
        }
        if shown.chars().count() <= MAX_TITLE_CHARS {
            self.titles
                .entry(key)
                .or_insert_with(|| (shown.clone(), Counts::default()))
                .1
                .add(published);
        }
        let Some(analysis) = &self.analysis else {
            return;
        };
        let words = analysis.query_words(&shown);
        let mut seen: HashSet<String> = HashSet::new();
        for n in 2..=3 {
            for run in words.windows(n) {
                // A phrase starting or ending in a lone character (南河第,
                // 在北京) stops mid-thought.
                let lone = |word: &String| word.chars().count() < 2;
                if run.first().is_some_and(lone) || run.last().is_some_and(lone) {
                    continue;
                }
                let phrase = join_words(run);
                if phrase.chars().count() >= 3 && seen.insert(phrase.clone()) {
                    self.phrases.entry(phrase).or_default().add(published);
                }
            }
        }
        if self.phrases.len() > MAX_COUNTED_PHRASES {
            // Lossy counting: phrases seen once so far are unlikely to become frequent.
            self.phrases.retain(|_, counts| counts.articles > 1);
        }
    }

    /// The dictionary: the heaviest [`MAX_ENTRIES`] titles and frequent phrases.
    pub fn build(self) -> Suggester {
        let newest = self.newest.map_or(1.0, growth);
        let mut entries: Vec<Suggestion> = Vec::with_capacity(self.titles.len());
        for (key, counts) in &self.phrases {
            if counts.articles >= MIN_PHRASE_ARTICLES && !self.titles.contains_key(key) {
                entries.push(Suggestion {
                    text: key.clone(),
                    kind: SuggestionKind::Phrase,
                    articles: counts.articles,
                    weight: counts.weight(newest),
                });
            }
        }
        for (text, counts) in self.titles.into_values() {
            entries.push(Suggestion {
                text,
                kind: SuggestionKind::Title,
                articles: counts.articles,
                weight: counts.weight(newest),
            });
        }
        entries.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.text.len().cmp(&b.text.len()))
                .then_with(|| a.text.cmp(&b.text))
        });
        entries.truncate(MAX_ENTRIES);
        let mut keys: Vec<Vec<u8>> = Vec::with_capacity(entries.len() * 3);
        let mut short: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        for (rank, entry) in entries.iter().enumerate() {
            let rank = rank as u32;
            let folded = normalize(&entry.text);
            let mut entry_keys = vec![folded.clone()];
            if let Some((full, initials)) = pinyin_keys(&folded) {
                entry_keys.push(full);
                entry_keys.push(initials);
            }
            entry_keys.sort();
            entry_keys.dedup();
            for key in &entry_keys {
                // Ranks come in order, so each list is sorted best first.
                for (end, c) in key.char_indices() {
                    let end = end + c.len_utf8();
                    if end > SHORT_PREFIX_BYTES {
                        break;
                    }
                    let list = short.entry(key.as_bytes()[..end].into()).or_default();
                    if list.len() < SHORT_LIST && list.last() != Some(&rank) {
                        list.push(rank);
                    }
                }
                let mut bytes = Vec::with_capacity(key.len() + 5);
                bytes.extend_from_slice(key.as_bytes());
                bytes.push(0);
                bytes.extend_from_slice(&rank.to_be_bytes());
                keys.push(bytes);
            }
        }
        keys.sort_unstable();
        let mut builder = fst::MapBuilder::memory();
        for key in &keys {
            let rank = u64::from(u32::from_be_bytes(
                key[key.len() - 4..].try_into().expect("four bytes"),
            ));
            builder
                .insert(key, rank)
                .expect("keys are sorted and unique");
        }
        let keys = builder.into_map();
        Suggester {
            entries,
            keys,
            short,
        }
    }
}

/// Words as one phrase: ideographs run together, other words keep a space
/// between them.
fn join_words(words: &[String]) -> String {
    let mut phrase = String::new();
    for word in words {
        let glued =
            phrase.chars().last().is_none_or(is_cjk) || word.chars().next().is_none_or(is_cjk);
        if !glued {
            phrase.push(' ');
        }
        phrase.push_str(word);
    }
    fold(&phrase)
}

/// The dictionary of an engine, shared by its clones, and what it was
/// built from.
#[derive(Debug, Default)]
pub(crate) struct SuggestState {
    current: RwLock<Option<(u64, Arc<Suggester>)>>,
    building: AtomicBool,
}

/// What a searcher's snapshot holds: its segments and their deletions.
fn fingerprint(searcher: &Searcher) -> u64 {
    let mut hasher = twox_hash::XxHash3_64::default();
    for segment in searcher.segment_readers() {
        hasher.write(segment.segment_id().uuid_string().as_bytes());
        hasher.write_u32(segment.num_deleted_docs());
    }
    hasher.finish()
}

impl Engine {
    /// Up to `limit` completions of a prefix from the dictionary in hand
    /// (none while the first one is built).
    pub fn suggest(&self, prefix: &str, limit: usize) -> Suggestions {
        let started = Instant::now();
        let current = self.suggestions.current.read().ok().and_then(|c| c.clone());
        let suggestions = current
            .as_ref()
            .map(|(_, dictionary)| dictionary.complete(prefix, limit))
            .unwrap_or_default();
        Suggestions {
            prefix: prefix.to_string(),
            suggestions,
            ready: current.is_some(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// True when the dictionary does not describe the latest snapshot.
    pub fn suggestions_stale(&self) -> bool {
        let wanted = fingerprint(&self.searcher());
        let current = self.suggestions.current.read().ok();
        current
            .as_ref()
            .and_then(|c| c.as_ref())
            .is_none_or(|(built, _)| *built != wanted)
    }

    /// Builds the dictionary of the latest snapshot if it is stale and no
    /// other build is running (a blocking call: it reads every stored
    /// title). Returns whether it built one.
    pub fn refresh_suggestions(&self) -> Result<bool, EngineError> {
        if !self.suggestions_stale() {
            return Ok(false);
        }
        if self.suggestions.building.swap(true, Ordering::AcqRel) {
            return Ok(false);
        }
        let result = self.build_suggestions();
        self.suggestions.building.store(false, Ordering::Release);
        result.map(|()| true)
    }

    fn build_suggestions(&self) -> Result<(), EngineError> {
        let started = Instant::now();
        let searcher = self.searcher();
        let built_from = fingerprint(&searcher);
        let fields = *self.index().fields();
        let mut builder = SuggesterBuilder::with_analysis(self.analysis().clone());
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| EngineError::io("cannot read the document store", e))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let Some(title) = doc.get_first(fields.title).and_then(|v| v.as_str()) else {
                    continue;
                };
                let published = doc
                    .get_first(fields.published)
                    .and_then(|v| v.as_datetime())
                    .map(|d| d.into_timestamp_secs());
                builder.add_title(title, published);
            }
        }
        let dictionary = Arc::new(builder.build());
        tracing::info!(
            suggestions = dictionary.len(),
            articles = searcher.num_docs(),
            seconds = started.elapsed().as_secs_f64(),
            "suggestions built"
        );
        if let Ok(mut current) = self.suggestions.current.write() {
            *current = Some((built_from, dictionary));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_700_000_000;

    fn suggester(titles: &[(&str, Option<i64>)]) -> Suggester {
        let mut builder = SuggesterBuilder::with_analysis(Analysis::default_shared());
        for (title, published) in titles {
            builder.add_title(title, *published);
        }
        builder.build()
    }

    fn texts(found: &[Suggestion]) -> Vec<&str> {
        found.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn chinese_pinyin_and_initial_prefixes_find_the_same_title() {
        let dictionary = suggester(&[
            ("北京冬奥会开幕式举行", Some(NOW)),
            ("南京长江大桥通车", Some(NOW)),
        ]);
        for prefix in [
            "北",
            "北京",
            "北京冬",
            "bei",
            "beij",
            "beijingdong",
            "bj",
            "bjd",
            "BJ",
            "ｂｊ",
            "北 京",
        ] {
            let found = dictionary.complete(prefix, 10);
            assert!(
                texts(&found).contains(&"北京冬奥会开幕式举行"),
                "{prefix}: {found:?}"
            );
            assert!(
                !texts(&found).contains(&"南京长江大桥通车"),
                "{prefix}: {found:?}"
            );
        }
        assert_eq!(texts(&dictionary.complete("nj", 10)), ["南京长江大桥通车"]);
        assert!(dictionary.complete("xyz", 10).is_empty());
        assert!(dictionary.complete("，", 10).is_empty());
    }

    #[test]
    fn traditional_prefixes_find_simplified_titles() {
        let dictionary = suggester(&[("国务院常务会议", None)]);
        assert_eq!(texts(&dictionary.complete("國務", 10)), ["国务院常务会议"]);
    }

    #[test]
    fn frequent_and_recent_suggestions_come_first() {
        let dictionary = suggester(&[
            ("长江流域防汛", Some(NOW - 3 * 365 * DAY)),
            ("长江经济带发展座谈会", Some(NOW)),
            ("长江流域防汛", Some(NOW - 3 * 365 * DAY)),
            ("长江大保护", Some(NOW - 10 * DAY)),
        ]);
        let found = dictionary.complete("长江", 10);
        // Newest first despite the older title being reprinted.
        assert_eq!(found[0].text, "长江经济带发展座谈会", "{found:?}");
        let old = found
            .iter()
            .find(|s| s.text == "长江流域防汛")
            .expect("listed");
        assert_eq!(old.articles, 2);
        assert!(found.windows(2).all(|w| w[0].weight >= w[1].weight));
    }

    #[test]
    fn phrases_shared_by_titles_are_suggested() {
        let dictionary = suggester(&[
            ("新冠疫苗接种工作推进", Some(NOW)),
            ("多地新冠疫苗接种提速", Some(NOW)),
            ("全国新冠疫苗接种超过十亿剂", Some(NOW)),
        ]);
        let found = dictionary.complete("xgym", 10);
        let phrase = found
            .iter()
            .find(|s| s.kind == SuggestionKind::Phrase)
            .unwrap_or_else(|| panic!("no phrase in {found:?}"));
        assert!(phrase.text.starts_with("新冠疫苗"), "{found:?}");
        assert_eq!(phrase.articles, 3);
    }

    #[test]
    fn at_most_the_limit_and_every_prefix_length_agrees() {
        let titles: Vec<String> = (0..40).map(|i| format!("北京新闻第{i}期")).collect();
        let mut builder = SuggesterBuilder::default();
        for (i, title) in titles.iter().enumerate() {
            builder.add_title(title, Some(NOW - i as i64 * DAY));
        }
        let dictionary = builder.build();
        assert_eq!(dictionary.complete("北", 10).len(), 10);
        assert_eq!(dictionary.complete("北京新", 3).len(), 3);
        // The precomputed short list and the streamed search agree.
        assert_eq!(
            dictionary.complete("bjx", 10),
            dictionary.complete("bjxw", 10)
        );
        assert_eq!(
            dictionary.complete("北", 10),
            dictionary.complete("北京", 10)
        );
        assert_eq!(dictionary.complete("北", 10)[0].text, "北京新闻第0期");
    }
}
