//! The JSON endpoints: search, articles, related articles, health, metrics.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use xunwen_engine::suggest::Suggestions;
use xunwen_engine::{Backend, EngineError, SearchRequest, SearchResponse};

use crate::error::{ApiError, ErrorCode};
use crate::json::{HitJson, RelatedJson, SearchJson};
use crate::metrics::{CONTENT_TYPE, ClusterGauges, IndexGauges};
use crate::params::SearchParams;
use crate::state::AppState;

/// Runs blocking engine work off the async threads, holding a search
/// permit. `None` when there is no index to work on.
pub async fn with_engine<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(Arc<dyn Backend>) -> Result<T, EngineError> + Send + 'static,
) -> Result<Option<T>, ApiError> {
    let Some(engine) = state.backend() else {
        return Ok(None);
    };
    // Wait for a turn at most half the request time, so a busy server says
    // so (429) before the request times out.
    let wait = state.settings.request_timeout() / 2;
    let permit = match tokio::time::timeout(wait, state.searches.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            return Err(ApiError::new(
                ErrorCode::Busy,
                "too many searches at once; try again shortly",
            ));
        }
    };
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(engine)
    })
    .await
    .map_err(|error| ApiError::internal(&error))?;
    Ok(Some(result?))
}

/// The error when there is no index to read from.
fn no_index(state: &AppState) -> ApiError {
    match state.unavailable() {
        Some(error) if !matches!(*error, EngineError::NoIndex(_)) => ApiError::new(
            ErrorCode::IndexUnavailable,
            format!("the index cannot be searched: {error}"),
        ),
        _ => ApiError::new(
            ErrorCode::IndexEmpty,
            "the index is empty: run `search index PATH` first",
        ),
    }
}

/// The answer to a search when there is no index: no hits, and why.
fn without_index(state: &AppState, request: &SearchRequest) -> SearchResponse {
    SearchResponse::empty(request, vec![no_index(state).message])
}

/// The parameters of a GET, or why they cannot be read.
pub fn query_params(
    params: &Result<Query<SearchParams>, QueryRejection>,
) -> Result<&SearchParams, ApiError> {
    params
        .as_ref()
        .map(|Query(params)| params)
        .map_err(|rejection| ApiError::new(ErrorCode::InvalidParameters, rejection.body_text()))
}

/// Checks the parameters and searches; used by the JSON endpoint and the page.
pub async fn search_response(
    state: &AppState,
    params: &SearchParams,
) -> Result<SearchResponse, ApiError> {
    let request = SearchRequest::try_from(params)?;
    let for_engine = request.clone();
    let response = with_engine(state, move |engine| engine.search(&for_engine)).await?;
    Ok(response.unwrap_or_else(|| without_index(state, &request)))
}

/// `GET /api/search`.
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let response = search_response(&state, query_params(&params)?).await?;
    Ok(Json(SearchJson::from(&response)).into_response())
}

/// `POST /api/search` with the parameters as a JSON object: a pasted
/// passage of 10,000 characters is about 90 KB in a URL, past what URLs
/// carry, and about 30 KB in a body.
pub async fn search_posted(
    State(state): State<AppState>,
    body: Result<Json<SearchParams>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(params) = body
        .map_err(|rejection| ApiError::new(ErrorCode::InvalidParameters, rejection.body_text()))?;
    let response = search_response(&state, &params).await?;
    Ok(Json(SearchJson::from(&response)).into_response())
}

/// `GET /api/articles/{id}`.
pub async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = with_engine(&state, move |engine| engine.article(&id)).await?;
    let article = found.ok_or_else(|| no_index(&state))?;
    Ok(Json(article).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RelatedParams {
    size: Option<String>,
}

/// `GET /api/articles/{id}/related?size=5`.
pub async fn related(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<RelatedParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|rejection| ApiError::new(ErrorCode::InvalidParameters, rejection.body_text()))?;
    let size = match params.size.as_deref() {
        None | Some("") => 5,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidSize,
                    "`size` must be a whole number from 1 to 50",
                ));
            }
        },
    };
    let for_engine = id.clone();
    let hits = with_engine(&state, move |engine| engine.related(&for_engine, size))
        .await?
        .ok_or_else(|| no_index(&state))?;
    let body = RelatedJson {
        id: &id,
        related: hits.iter().map(HitJson::from).collect(),
    };
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    q: String,
    size: Option<String>,
}

/// Most completions one request gets.
pub const MAX_SUGGESTIONS: usize = 10;

/// `GET /api/suggest?q=bj&size=10`: completions of what has been typed,
/// from the dictionary in memory (no search permit: it takes microseconds).
pub async fn suggest(
    State(state): State<AppState>,
    params: Result<Query<SuggestParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|rejection| ApiError::new(ErrorCode::InvalidParameters, rejection.body_text()))?;
    let size = match params.size.as_deref() {
        None | Some("") => MAX_SUGGESTIONS,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_SUGGESTIONS).contains(&n) => n,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidSize,
                    format!("`size` must be a whole number from 1 to {MAX_SUGGESTIONS}"),
                ));
            }
        },
    };
    // A prefix is short: what is past the query limit cannot be a prefix of a title.
    let prefix: String = params
        .q
        .chars()
        .take(state.settings.max_query_chars.min(200))
        .collect();
    let suggestions = match state.engine() {
        Some(engine) => engine.suggest(&prefix, size),
        None => Suggestions {
            prefix,
            ..Suggestions::default()
        },
    };
    Ok(Json(suggestions).into_response())
}

/// `GET /assets/suggest.js`: the page's suggestions as you type.
pub async fn suggest_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/suggest.js"),
    )
}

/// `GET /healthz`: the server answers; whether the index (or the cluster)
/// is ready, and why not.
pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let backend = state.backend();
    let health = tokio::task::spawn_blocking(move || backend.map(|b| b.health()))
        .await
        .ok()
        .flatten();
    match health {
        Some(health) if health.backend == "local" => {
            Json(json!({ "status": "ok", "index": "ready", "articles": health.articles }))
        }
        Some(health) => Json(json!({
            "status": "ok",
            "index": if health.ready { "ready" } else { "unavailable" },
            "articles": health.articles,
            "reason": health.reason,
            "cluster": {
                "status": health.status,
                "nodes": health.nodes,
                "url": state.settings.opensearch.as_deref().map(without_credentials),
                "index": state.settings.opensearch_index,
            },
        })),
        None => Json(json!({
            "status": "ok",
            "index": "unavailable",
            "reason": state.unavailable().map(|e| e.to_string()),
            "articles": 0
        })),
    }
}

/// A URL as it may be shown: without `user:password@`.
fn without_credentials(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{host}"),
        _ => url.to_string(),
    }
}

/// `GET /metrics`: Prometheus exposition. The index's size (or the
/// cluster's state) is read off the async threads.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let backend = state.backend();
    let health = tokio::task::spawn_blocking(move || backend.map(|b| b.health()))
        .await
        .ok()
        .flatten();
    let gauges = IndexGauges {
        articles: health.as_ref().map_or(0, |h| h.articles),
        size_bytes: health.as_ref().map_or(0, |h| h.size_bytes),
        last_reload: state.last_reload.load(std::sync::atomic::Ordering::Relaxed),
        cluster: health
            .filter(|h| h.backend != "local")
            .map(|h| ClusterGauges {
                up: h.ready,
                nodes: h.nodes.unwrap_or(0),
                status: h.status,
            })
            .or_else(|| {
                state.is_cluster().then(|| ClusterGauges {
                    up: false,
                    nodes: 0,
                    status: "unreachable".into(),
                })
            }),
    };
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.render(gauges),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NoSuchPage, "no such page")
}
