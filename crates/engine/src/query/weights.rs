//! The few weights of the score, each explained, tuned on the three dev sets
//! of shared/eval together (the README gives what each bought on each set).
//!
//! The score of an article is the sum of:
//! - each query word's BM25 in the body, and `title` times its BM25 in the
//!   title;
//! - for neighbouring query words standing close in the body: `proximity`
//!   times the BM25 of their matches within `proximity_slop` characters,
//!   and `near` more within `near_slop`; two common words side by side
//!   score as a phrase would, times `side_by_side`;
//! - `coverage` times the BM25 of the words for an article holding three in
//!   four of them;
//! - for keywords and questions, `chunk` for each chunk of the query (text
//!   between spaces and punctuation) the article holds as an exact run of
//!   characters: large, so that an article holding more of the chunks
//!   ranks first and the words order those holding as many;
//! - for a passage, `clause` times the BM25 of each of its clauses held as
//!   an exact run.

/// The weights of one ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub title: f32,
    pub proximity: f32,
    pub proximity_slop: u32,
    pub near: f32,
    pub near_slop: u32,
    pub side_by_side: f32,
    pub coverage: f32,
    pub chunk: f32,
    pub clause: f32,
    /// A passage searches this many of its most telling words (by how
    /// often it repeats them and how few articles hold them)…
    pub passage_words: usize,
    /// …and an article must hold this share of them to match.
    pub passage_match: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 2.0,
            proximity: 0.5,
            proximity_slop: 13,
            near: 0.3,
            near_slop: 5,
            side_by_side: 1.0,
            coverage: 0.4,
            chunk: 32.0,
            clause: 0.2,
            passage_words: 128,
            passage_match: 0.1,
        }
    }
}
