//! The article: the one record every input format is turned into.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::hash::Hasher;

/// A news article as the index stores it and `search export` writes it.
/// The field names are the ones the JSON Lines input takes, so an export
/// indexes back to the same articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub title: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<FixedOffset>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Where the article was read from: file, and line or archive member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// Feeds `text` without its whitespace to `hasher`, piece by piece: the
/// same digest as hashing a whitespace-free copy, without making one.
pub fn write_without_whitespace(hasher: &mut impl Hasher, text: &str) {
    let bytes = text.as_bytes();
    let (mut piece, mut at) = (0, 0);
    while at < bytes.len() {
        let lead = bytes[at];
        let width = match lead {
            0x00..=0x7F => 1,
            0x80..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        // Whitespace is rare, and starts with one of a few bytes: only
        // there is the character decoded (ideographs never are).
        if may_start_whitespace(lead) && text[at..].starts_with(char::is_whitespace) {
            hasher.write(&bytes[piece..at]);
            piece = at + width;
        }
        at += width;
    }
    hasher.write(&bytes[piece..]);
}

/// True for every byte that starts a whitespace character in UTF-8: ASCII
/// whitespace, and the lead bytes of U+0085 and U+00A0 (0xC2), U+1680
/// (0xE1), U+2000–U+205F (0xE2) and U+3000 (0xE3).
fn may_start_whitespace(byte: u8) -> bool {
    matches!(byte, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1..=0xE3)
}

fn hash_text(parts: &[&str]) -> u64 {
    let mut hasher = twox_hash::XxHash3_64::default();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write_u8(0xFF);
    }
    hasher.finish()
}

impl Article {
    /// The exact-duplicate cluster: the same body text (whitespace aside) gives
    /// the same cluster under any id. An empty body clusters only with itself.
    /// The body's pieces between whitespace are hashed as they lie, which is
    /// `hash_text` of the body without its whitespace.
    pub fn cluster(&self) -> u64 {
        if self.body.chars().all(char::is_whitespace) {
            return hash_text(&["\u{0}empty", &self.id]);
        }
        let mut hasher = twox_hash::XxHash3_64::default();
        write_without_whitespace(&mut hasher, &self.body);
        hasher.write_u8(0xFF);
        hasher.finish()
    }

    /// A hash of everything stored, to tell an unchanged article from an update.
    pub fn content_hash(&self) -> u64 {
        let published = self.published.map(|p| p.to_rfc3339()).unwrap_or_default();
        hash_text(&[
            &self.id,
            self.url.as_deref().unwrap_or(""),
            &self.title,
            &self.body,
            self.source.as_deref().unwrap_or(""),
            self.author.as_deref().unwrap_or(""),
            &published,
            self.category.as_deref().unwrap_or(""),
        ])
    }
}

/// Mixes 64 bits (the splitmix64 finaliser): a cheap, well-spread hash.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A 64-bit SimHash of the body's character trigrams (letters, digits and
/// ideographs only): reprints of one story differ in a few bits. Long texts
/// use a fixed quarter of their trigrams (chosen by hash, so the same in
/// every copy), which keeps indexing fast.
pub fn simhash(text: &str) -> u64 {
    let mut chars = text.chars().filter(|c| crate::analysis::is_term_char(*c));
    // Only whether there are fewer than 3, or at least 512, matters.
    let length = chars.clone().take(SAMPLED_FROM).count();
    if length < 3 {
        return 0;
    }
    let sample = length >= SAMPLED_FROM;
    let mut votes = BitVotes::new();
    let (Some(mut a), Some(mut b)) = (chars.next(), chars.next()) else {
        return 0;
    };
    for c in chars {
        let hash = mix(u64::from(a) | u64::from(b) << 21 | u64::from(c) << 42);
        (a, b) = (b, c);
        if !(sample && hash & 3 != 0) {
            votes.add(hash);
        }
    }
    votes.majority()
}

/// Texts of this many term characters or more vote with a quarter of their trigrams.
const SAMPLED_FROM: usize = 512;

/// Counts, for each of 64 bits, how many hashes set it. Eight counters share
/// a `u64` (one a byte), so a hash is counted in eight additions instead of
/// sixty-four; the bytes are emptied into wider counts before they overflow.
struct BitVotes {
    /// `lanes[k]` byte `j` counts bit `8k + j` since the last flush.
    lanes: [u64; 8],
    pending: u32,
    ones: [u32; 64],
    hashes: u32,
}

impl BitVotes {
    fn new() -> Self {
        BitVotes {
            lanes: [0; 8],
            pending: 0,
            ones: [0; 64],
            hashes: 0,
        }
    }

    /// Each byte value with its eight bits spread into the low bit of eight bytes.
    const SPREAD: [u64; 256] = {
        let mut table = [0u64; 256];
        let mut byte = 0;
        while byte < 256 {
            let mut bit = 0;
            while bit < 8 {
                table[byte] |= ((byte as u64 >> bit) & 1) << (8 * bit);
                bit += 1;
            }
            byte += 1;
        }
        table
    };

    fn add(&mut self, hash: u64) {
        for (k, lane) in self.lanes.iter_mut().enumerate() {
            *lane += Self::SPREAD[(hash >> (8 * k) & 0xFF) as usize];
        }
        self.hashes += 1;
        self.pending += 1;
        if self.pending == 255 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (k, lane) in self.lanes.iter_mut().enumerate() {
            for j in 0..8 {
                self.ones[8 * k + j] += (*lane >> (8 * j) & 0xFF) as u32;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    /// The bits set by more than half of the hashes.
    fn majority(mut self) -> u64 {
        self.flush();
        self.ones
            .iter()
            .enumerate()
            .filter(|(_, ones)| **ones * 2 > self.hashes)
            .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
    }
}

/// Number of differing bits between two SimHashes.
pub fn simhash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ignores_whitespace_and_id() {
        let a = Article {
            id: "a".into(),
            body: "同一篇 新闻。".into(),
            ..Default::default()
        };
        let b = Article {
            id: "b".into(),
            body: "同一篇新闻。\n".into(),
            ..Default::default()
        };
        let c = Article {
            id: "c".into(),
            body: "另一篇新闻。".into(),
            ..Default::default()
        };
        assert_eq!(a.cluster(), b.cluster());
        assert_ne!(a.cluster(), c.cluster());
    }

    #[test]
    fn only_the_listed_bytes_start_whitespace() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let first = c.encode_utf8(&mut [0u8; 4]).as_bytes()[0];
            assert!(!c.is_whitespace() || may_start_whitespace(first), "{c:?}");
        }
    }

    /// Indexes hold clusters made as the hash of the body without its
    /// whitespace: the streamed hash must give the very same values.
    #[test]
    fn cluster_is_the_hash_of_the_body_without_whitespace() {
        for body in [
            "同一篇新闻。",
            " 同一篇\u{3000}新闻。\n\n第二段 ",
            "a b\tc",
            "   x",
            // Whitespace beyond ASCII, and punctuation sharing its lead bytes.
            "“甲”\u{85}乙\u{a0}丙\u{1680}丁\u{2003}—\u{2028}…\u{202f}\u{205f}戊\u{3000}、。",
        ] {
            let article = Article {
                id: "a".into(),
                body: body.into(),
                ..Default::default()
            };
            let squeezed: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(article.cluster(), hash_text(&[&squeezed]), "{body:?}");
        }
    }

    #[test]
    fn empty_bodies_do_not_cluster_together() {
        let a = Article {
            id: "a".into(),
            ..Default::default()
        };
        let b = Article {
            id: "b".into(),
            ..Default::default()
        };
        assert_ne!(a.cluster(), b.cluster());
    }

    /// SimHash as defined, one vote a bit: indexes hold the fast form's
    /// values, so the two must agree exactly.
    fn simhash_by_definition(text: &str) -> u64 {
        let chars: Vec<u64> = text
            .chars()
            .filter(|c| crate::analysis::is_term_char(*c))
            .map(u64::from)
            .collect();
        if chars.len() < 3 {
            return 0;
        }
        let sample = chars.len() >= 512;
        let mut weights = [0i32; 64];
        for window in chars.windows(3) {
            let hash = mix(window[0] | window[1] << 21 | window[2] << 42);
            if sample && hash & 3 != 0 {
                continue;
            }
            for (bit, weight) in weights.iter_mut().enumerate() {
                *weight += ((hash >> bit & 1) as i32) * 2 - 1;
            }
        }
        weights
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0)
            .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
    }

    #[test]
    fn fast_simhash_equals_the_definition() {
        let sentence = "国家统计局今天发布数据，今年上半年GDP同比增长5.5%，就业物价总体稳定。";
        let mut texts = vec![
            String::new(),
            "新闻".into(),
            "新闻网".into(),
            sentence.into(),
        ];
        // Past 512 characters (sampled) and past 255 votes a counter byte.
        for repeats in [10, 20, 60, 200] {
            let long: String = (0..repeats).map(|i| format!("{i}{sentence}")).collect();
            texts.push(long);
        }
        // Either side of the length from which trigrams are sampled.
        let many: String = (0..40).map(|i| format!("{i}{sentence}")).collect();
        let term_chars: Vec<char> = many
            .chars()
            .filter(|c| crate::analysis::is_term_char(*c))
            .collect();
        for length in [SAMPLED_FROM - 1, SAMPLED_FROM, SAMPLED_FROM + 1] {
            texts.push(term_chars[..length].iter().collect());
        }
        let distinct: std::collections::HashSet<u64> = texts.iter().map(|t| simhash(t)).collect();
        assert!(distinct.len() >= 4, "{distinct:?}");
        for text in &texts {
            assert_eq!(simhash(text), simhash_by_definition(text), "{text}");
        }
    }

    #[test]
    fn simhash_is_close_for_reprints_and_far_for_other_stories() {
        let story = "国家统计局今天发布数据，今年上半年国内生产总值同比增长百分之五点五，经济运行总体回升向好，就业物价总体稳定。";
        let reprint = format!("（来源：新华社）{story}记者 王明");
        let other = "气象台预计，未来三天长江中下游地区将有强降雨，部分地区有大暴雨，防汛形势严峻，请公众注意防范。";
        assert!(simhash_distance(simhash(story), simhash(&reprint)) <= 12);
        assert!(simhash_distance(simhash(story), simhash(other)) > 16);
    }
}
