//! The query language and how it becomes a tantivy query.

pub mod build;
pub mod parse;
pub mod proximity;
