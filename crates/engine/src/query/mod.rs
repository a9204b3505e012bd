//! The query language and how it is searched: parse, plan, compile.
//!
//! ```text
//! query text -> parse -> ParsedQuery -> planner (+ term statistics) -> Plan -> compile -> tantivy Query
//! ```

pub mod at_least;
pub mod compile;
pub mod parse;
pub mod plan;
pub mod planner;
pub mod proximity;
pub mod ranked;
pub mod reading;
pub mod stats;
pub mod synonyms;
pub mod weights;
