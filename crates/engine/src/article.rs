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

fn hash_text(parts: &[&str]) -> u64 {
    let mut hasher = twox_hash::XxHash3_64::default();
    for part in parts {
        hasher.write(part.as_bytes());
        hasher.write_u8(0xFF);
    }
    hasher.finish()
}

/// Whitespace-insensitive form of a body, for exact-duplicate detection.
fn squeeze_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Article {
    /// The exact-duplicate cluster: the same body text (whitespace aside) gives
    /// the same cluster under any id. An empty body clusters only with itself.
    pub fn cluster(&self) -> u64 {
        let body = squeeze_whitespace(&self.body);
        if body.is_empty() {
            return hash_text(&["\u{0}empty", &self.id]);
        }
        hash_text(&[&body])
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

    #[test]
    fn simhash_is_close_for_reprints_and_far_for_other_stories() {
        let story = "国家统计局今天发布数据，今年上半年国内生产总值同比增长百分之五点五，经济运行总体回升向好，就业物价总体稳定。";
        let reprint = format!("（来源：新华社）{story}记者 王明");
        let other = "气象台预计，未来三天长江中下游地区将有强降雨，部分地区有大暴雨，防汛形势严峻，请公众注意防范。";
        assert!(simhash_distance(simhash(story), simhash(&reprint)) <= 12);
        assert!(simhash_distance(simhash(story), simhash(other)) > 16);
    }
}
