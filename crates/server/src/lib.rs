//! The Xunwen query server (axum + tokio): the JSON endpoint a news site's
//! search box calls, the search page at `/`, health and metrics.
//!
//! [`app`] builds the router, so tests drive it without a socket
//! (`app(state).oneshot(request)`); [`serve`] runs it on an address until
//! SIGINT or SIGTERM, finishing requests in flight.

pub mod api;
pub mod article_page;
pub mod error;
pub mod feed;
pub mod html;
pub mod json;
pub mod metrics;
pub mod page;
pub mod params;
pub mod present;
pub mod settings;
pub mod state;
pub mod timeline;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::LatencyUnit;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use settings::Settings;
pub use state::AppState;

async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record(&route, response.status().as_u16(), started.elapsed());
    response
}

/// Refuses query strings that do not decode to UTF-8 (a lone surrogate such
/// as `%ED%A0%80`): a clear 400 rather than text with replacement characters.
async fn require_utf8_query(request: Request, next: Next) -> Response {
    let valid = request.uri().query().is_none_or(|q| {
        percent_encoding::percent_decode_str(q)
            .decode_utf8()
            .is_ok()
    });
    if !valid {
        return error::ApiError::new(
            error::ErrorCode::InvalidParameters,
            "the query string is not valid UTF-8",
        )
        .into_response();
    }
    next.run(request).await
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<&String> = origins.iter().filter(|o| !o.trim().is_empty()).collect();
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([axum::http::header::CONTENT_TYPE]),
    )
}

/// The router with every endpoint and limit.
pub fn app(state: AppState) -> Router {
    let settings = state.settings.clone();
    let api = Router::new()
        .route("/api/search", get(api::search).post(api::search_posted))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/articles/{id}/related", get(api::related))
        .route("/api/suggest", get(api::suggest));
    let api = match cors(&settings.cors_origins) {
        Some(layer) => api.layer(layer),
        None => api,
    };
    Router::new()
        .route("/", get(page::page))
        .route("/articles/{id}", get(article_page::article_page))
        .route("/feed.atom", get(feed::feed))
        .route("/assets/suggest.js", get(api::suggest_script))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .merge(api)
        .fallback(api::not_found)
        .layer(middleware::from_fn(require_utf8_query))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Serves until SIGINT or SIGTERM; requests in flight are finished first.
/// Connections are capped and must send their headers in time, so idle and
/// slow clients cannot crowd out searches.
pub async fn serve(settings: Settings) -> std::io::Result<()> {
    let state = AppState::try_new(settings)
        .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
    let settings = state.settings.clone();
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    state.spawn_reloader();
    let settings = state.settings.clone();
    tracing::info!(addr = %listener.local_addr()?, index = %settings.index.display(), "serving");
    let router = app(state);
    let max_connections = connection_limit(settings.max_connections);
    let connections = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: breathe, then go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!(%peer, limit = max_connections, "connection limit reached; closing");
            continue;
        };
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_timeout());
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            let _ = connection.await;
        });
    }
    if tokio::time::timeout(settings.request_timeout(), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at shutdown were cut off");
    }
    Ok(())
}

/// Connections to accept at most: the setting, raised file-descriptor limit
/// permitting (each connection holds one; some are kept for the index).
fn connection_limit(wanted: usize) -> usize {
    const KEPT_FOR_THE_INDEX: u64 = 256;
    let open_files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    };
    let allowed = usize::try_from(open_files.saturating_sub(KEPT_FOR_THE_INDEX))
        .unwrap_or(usize::MAX)
        .max(1);
    if wanted > allowed {
        tracing::warn!(
            wanted,
            allowed,
            open_files,
            "fewer connections than asked: the open-file limit is lower"
        );
    }
    wanted.clamp(1, allowed)
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests;
