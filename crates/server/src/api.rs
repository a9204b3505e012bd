//! The JSON endpoints: search, articles, related articles, health, metrics.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use xunwen_engine::search::{Hit, SearchParams};
use xunwen_engine::{Article, Engine, SearchRequest, SearchResponse};

use crate::error::ApiError;
use crate::state::AppState;

/// Runs a blocking engine call off the async threads, holding a search permit.
pub async fn with_engine<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(Engine) -> Result<T, xunwen_engine::EngineError> + Send + 'static,
) -> Result<Option<T>, ApiError> {
    let Some(engine) = state.engine() else {
        return Ok(None);
    };
    // Wait for a turn at most half the request time, so a busy server says
    // so (429) before the request times out.
    let wait = state.settings.request_timeout() / 2;
    let permit = match tokio::time::timeout(wait, state.searches.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                "too many searches at once; try again shortly",
            ));
        }
    };
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(engine)
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, "search task failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the search failed; the server log has the details",
        )
    })?;
    Ok(Some(result?))
}

/// The answer when there is no index to search: no hits, and why.
fn empty_response(request: &SearchRequest, reason: Option<String>) -> SearchResponse {
    let why = match reason {
        Some(reason) if !reason.starts_with("no index") => {
            format!("the index cannot be searched: {reason}")
        }
        _ => "the index is empty: run `search index PATH` first".into(),
    };
    SearchResponse::empty(request, vec![why])
}

/// Checks parameters and searches; used by the JSON endpoint and the page.
pub async fn search_response(
    state: &AppState,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<SearchResponse, ApiError> {
    let Query(params) = params.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let request = params.to_request()?;
    let for_engine = request.clone();
    let response = with_engine(state, move |engine| engine.search(&for_engine)).await?;
    Ok(response.unwrap_or_else(|| empty_response(&request, state.unavailable_reason())))
}

pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    Ok(Json(search_response(&state, params).await?))
}

pub async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Article>, ApiError> {
    let found = with_engine(&state, move |engine| engine.article(&id)).await?;
    found
        .map(Json)
        .ok_or_else(|| ApiError::not_found("the index is empty"))
}

#[derive(Debug, Deserialize)]
pub struct RelatedParams {
    size: Option<String>,
}

pub async fn related(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<RelatedParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(params) = params.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let size = match params.size.as_deref() {
        None | Some("") => 5,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "`size` must be a whole number from 1 to 50",
                ));
            }
        },
    };
    let id_for_engine = id.clone();
    let hits: Option<Vec<Hit>> =
        with_engine(&state, move |engine| engine.related(&id_for_engine, size)).await?;
    let hits = hits.ok_or_else(|| ApiError::not_found("the index is empty"))?;
    Ok(Json(json!({ "id": id, "related": hits })))
}

pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    match state.engine() {
        Some(engine) => Json(
            json!({ "status": "ok", "index": "ready", "articles": engine.searcher().num_docs() }),
        ),
        None => Json(
            json!({ "status": "ok", "index": "unavailable", "reason": state.unavailable_reason(), "articles": 0 }),
        ),
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (articles, size) = match state.engine() {
        Some(engine) => {
            let size = std::fs::read_dir(engine.index().path())
                .map(|entries| {
                    entries
                        .flatten()
                        .filter_map(|e| e.metadata().ok())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0);
            (engine.searcher().num_docs(), size)
        }
        None => (0, 0),
    };
    let last_reload = state.last_reload.load(std::sync::atomic::Ordering::Relaxed);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(articles, size, last_reload),
    )
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such page")
}
