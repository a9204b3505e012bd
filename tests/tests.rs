//! End-to-end tests of Xunwen, in one test binary.
//!
//! - `extraction`: the shared HTML pages, encodings and the scraped seed page
//!   against their expected fields.
//! - `indexing`: the `search index`, `stats` and `export` commands on a real
//!   on-disk index, and the reliability cases of TESTPLAN.md 1–13.
//! - `query`: the query engine and `search query`: operators, filters, sorts,
//!   folding, snippets, facets, collapse, and TESTPLAN 17–21 and 25.
//! - `fuzz`: proptest properties run for a fixed time over the query
//!   language, extraction, encoding detection and date parsing.
//! - `opensearch`: the same searches on a real 3-node OpenSearch cluster:
//!   parity with the local index, phrases and folding, a node killed.
//! - `relevance`: the three dev sets of shared/eval through `search eval`,
//!   each asserting the figures the ranking reached.
//! - `server`: `search serve` on loopback: the page in headless Chromium and
//!   live reload while `search index` runs.

mod util;

mod extraction;
mod fuzz;
mod indexing;
mod opensearch;
mod query;
mod relevance;
mod server;
