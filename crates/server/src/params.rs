//! The search parameters as a URL carries them (all text), and their one
//! conversion into the engine's typed request: each problem has its own
//! error code.

use serde::Deserialize;
use xunwen_engine::dates::{parse_date_bound, parse_date_upper_bound};
use xunwen_engine::search::Filters;
use xunwen_engine::{SearchRequest, Sort};

use crate::error::{ApiError, ErrorCode};

/// `GET /api/search` and `GET /` parameters, as given, or the same keys in
/// the JSON body of `POST /api/search` (where `page` and `size` may be
/// numbers).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub page: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    pub size: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub sort: Option<String>,
    pub collapse: Option<String>,
    pub exact_total: Option<String>,
}

/// A JSON number read as the text it would be in a URL.
fn text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(
        Option::<TextOrNumber>::deserialize(deserializer)?.map(|value| match value {
            TextOrNumber::Text(text) => text,
            TextOrNumber::Number(number) => number.to_string(),
        }),
    )
}

/// The text of a parameter, `None` when absent or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn whole_number(
    name: &str,
    value: &Option<String>,
    default: usize,
    code: ErrorCode,
) -> Result<usize, ApiError> {
    let Some(text) = given(value) else {
        return Ok(default);
    };
    // Anything that is not a small whole number is refused before it is used.
    let refused = || {
        ApiError::new(
            code,
            format!("`{name}` must be a whole number, not `{text}`"),
        )
    };
    if text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused());
    }
    text.parse().map_err(|_| refused())
}

/// A yes-or-no parameter.
fn flag(
    name: &str,
    value: &Option<String>,
    default: bool,
    code: ErrorCode,
) -> Result<bool, ApiError> {
    match given(value) {
        None => Ok(default),
        Some("true") | Some("1") | Some("on") => Ok(true),
        Some("false") | Some("0") | Some("off") => Ok(false),
        Some(other) => Err(ApiError::new(
            code,
            format!("`{name}` must be true or false, not `{other}`"),
        )),
    }
}

fn date(
    name: &str,
    value: &Option<String>,
    read: fn(&str) -> Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, ApiError> {
    match given(value) {
        None => Ok(None),
        Some(text) => read(text).map(Some).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidDate,
                format!("`{name}` is not a date: `{text}` (use YYYY-MM-DD)"),
            )
        }),
    }
}

impl TryFrom<&SearchParams> for SearchRequest {
    type Error = ApiError;

    fn try_from(params: &SearchParams) -> Result<SearchRequest, ApiError> {
        let defaults = SearchRequest::default();
        let collapse = flag(
            "collapse",
            &params.collapse,
            defaults.collapse,
            ErrorCode::InvalidCollapse,
        )?;
        let exact_total = flag(
            "exact_total",
            &params.exact_total,
            defaults.exact_total,
            ErrorCode::InvalidExactTotal,
        )?;
        let sort = match given(&params.sort) {
            None => Sort::default(),
            Some(text) => text
                .parse()
                .map_err(|message| ApiError::new(ErrorCode::InvalidSort, message))?,
        };
        Ok(SearchRequest {
            query: params.q.clone().unwrap_or_default(),
            page: whole_number("page", &params.page, defaults.page, ErrorCode::InvalidPage)?,
            size: whole_number("size", &params.size, defaults.size, ErrorCode::InvalidSize)?,
            filters: Filters {
                from: date("from", &params.from, parse_date_bound)?,
                to: date("to", &params.to, parse_date_upper_bound)?,
                source: given(&params.source).map(str::to_string),
                category: given(&params.category).map(str::to_string),
                ids: None,
            },
            sort,
            collapse,
            exact_total,
            ..defaults
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&str, &str)]) -> Result<SearchRequest, ApiError> {
        let query = serde_urlencoded::to_string(pairs).expect("pairs");
        let params: SearchParams = serde_urlencoded::from_str(&query).expect("params");
        SearchRequest::try_from(&params)
    }

    #[test]
    fn each_parameter_problem_has_its_code() {
        for (pairs, code) in [
            (vec![("page", "x")], ErrorCode::InvalidPage),
            (vec![("size", "-1")], ErrorCode::InvalidSize),
            (vec![("from", "yesterday")], ErrorCode::InvalidDate),
            (vec![("sort", "sideways")], ErrorCode::InvalidSort),
            (vec![("collapse", "maybe")], ErrorCode::InvalidCollapse),
            (vec![("exact_total", "yes")], ErrorCode::InvalidExactTotal),
        ] {
            assert_eq!(request(&pairs).unwrap_err().code, code, "{pairs:?}");
        }
    }

    #[test]
    fn a_bare_upper_date_is_the_whole_day_and_blanks_are_absent() {
        let request = request(&[
            ("q", "防汛"),
            ("to", "2023-06-30"),
            ("source", " "),
            ("sort", "newest"),
        ])
        .expect("request");
        let to = request.filters.to.expect("to");
        assert_eq!(to.to_rfc3339(), "2023-06-30T23:59:59+08:00");
        assert_eq!(request.filters.source, None);
        assert_eq!(request.sort, Sort::Newest);
    }

    #[test]
    fn flags_read_true_and_false_and_default_when_absent() {
        let asked =
            request(&[("q", "防汛"), ("exact_total", "true"), ("collapse", "0")]).expect("request");
        assert!(asked.exact_total && !asked.collapse);
        let absent = request(&[("q", "防汛")]).expect("request");
        assert!(!absent.exact_total && absent.collapse);
    }
}
