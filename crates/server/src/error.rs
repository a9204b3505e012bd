//! HTTP errors, made in one place: every error the server answers with has
//! one code and one status, in one table; the body is JSON
//! `{ "error": { "code", "message" } }`. Internal details are logged, not
//! sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use xunwen_engine::{EngineError, RequestError};

/// Declares the error codes: each row names a code, its HTTP status and its
/// wire name.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident => $status:ident, $code:literal;)*) => {
        /// Every error the server answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$name => StatusCode::$status,)*
                }
            }

            pub fn code(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $code,)*
                }
            }
        }
    };
}

error_codes! {
    /// `page` is not a whole number.
    InvalidPage => BAD_REQUEST, "invalid_page";
    /// `size` is not a whole number, or out of range.
    InvalidSize => BAD_REQUEST, "invalid_size";
    /// `from` or `to` is not a date.
    InvalidDate => BAD_REQUEST, "invalid_date";
    /// `from` is after `to`.
    DatesReversed => BAD_REQUEST, "dates_reversed";
    InvalidSort => BAD_REQUEST, "invalid_sort";
    InvalidCollapse => BAD_REQUEST, "invalid_collapse";
    InvalidExactTotal => BAD_REQUEST, "invalid_exact_total";
    /// The query string cannot be read (not UTF-8, not key=value pairs).
    InvalidParameters => BAD_REQUEST, "invalid_parameters";
    QueryTooLong => BAD_REQUEST, "query_too_long";
    /// Page 0, or past the deepest page that may be asked for.
    PageOutOfRange => BAD_REQUEST, "page_out_of_range";
    ArticleNotFound => NOT_FOUND, "article_not_found";
    NoSuchPage => NOT_FOUND, "not_found";
    /// There is no index yet.
    IndexEmpty => NOT_FOUND, "index_empty";
    /// The index cannot be searched (damaged, unreadable).
    IndexUnavailable => SERVICE_UNAVAILABLE, "index_unavailable";
    /// The OpenSearch cluster holding the articles cannot answer
    /// (unreachable, red, refusing); the message says why.
    ClusterUnavailable => SERVICE_UNAVAILABLE, "cluster_unavailable";
    Busy => TOO_MANY_REQUESTS, "busy";
    Internal => INTERNAL_SERVER_ERROR, "internal";
}

/// An error answer: its code and a message for the caller.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// A failure that is ours, not the caller's: logged whole, answered vaguely.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %error, "request failed");
        ApiError::new(
            ErrorCode::Internal,
            "the search failed; the server log has the details",
        )
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> ApiError {
        let code = match error {
            RequestError::QueryTooLong { .. } => ErrorCode::QueryTooLong,
            RequestError::SizeOutOfRange { .. } => ErrorCode::InvalidSize,
            RequestError::PageZero | RequestError::PageTooDeep { .. } => ErrorCode::PageOutOfRange,
            RequestError::DatesReversed => ErrorCode::DatesReversed,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        match error {
            EngineError::Request(request) => request.into(),
            EngineError::NotFound(id) => ApiError::new(
                ErrorCode::ArticleNotFound,
                format!("no article with id `{id}`"),
            ),
            EngineError::NoIndex(_) => ApiError::new(
                ErrorCode::IndexEmpty,
                "the index is empty: run `search index PATH` first",
            ),
            EngineError::Cluster { .. } => {
                tracing::warn!(error = %error, "the cluster cannot answer");
                ApiError::new(ErrorCode::ClusterUnavailable, error.to_string())
            }
            EngineError::Corrupt { .. } | EngineError::ReadOnly(_) => {
                ApiError::new(ErrorCode::IndexUnavailable, error.to_string())
            }
            other => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code.code(), "message": self.message } });
        (self.code.status(), Json(body)).into_response()
    }
}

#[cfg(test)]
mod table {
    use super::*;

    #[test]
    fn every_code_is_its_own_and_callers_mistakes_are_4xx() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.code()), "{code:?} repeats a wire name");
            let server_side = matches!(
                code,
                ErrorCode::Internal | ErrorCode::IndexUnavailable | ErrorCode::ClusterUnavailable
            );
            assert_eq!(code.status().is_server_error(), server_side, "{code:?}");
        }
    }
}
