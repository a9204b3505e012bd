//! JSON Lines and JSON documents of article records.
//!
//! Both are read one record at a time, each within the bound on one record:
//! JSON Lines line by line ([`lines`]), a document element by element
//! ([`document`], cut out by [`split`]). A bad record is reported where it
//! is (`file:7`, `file[3]`) and the rest goes on.

pub mod document;
pub mod fields;
pub mod lines;
pub mod split;

use serde_json::Value;

use super::raw::RawArticle;
use crate::decode::decode;

/// One record's bytes, decoded and parsed. `name` names a record that is
/// all its file holds.
fn parse_record(bytes: &[u8], name: Option<String>) -> Result<RawArticle, String> {
    let decoded = decode(bytes, None).map_err(|error| error.to_string())?;
    let value: Value =
        serde_json::from_str(&decoded.text).map_err(|error| format!("malformed JSON: {error}"))?;
    let mut raw = fields::record(&value, name)?;
    raw.warnings.extend(decoded.repair_note());
    Ok(raw)
}
