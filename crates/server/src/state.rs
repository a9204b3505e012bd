//! What the handlers share: the engine (absent until an index exists), why
//! it is absent, the search permits and the metrics. New commits are picked
//! up by a background task, without a restart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use tokio::sync::Semaphore;
use xunwen_engine::analysis::Analysis;
use xunwen_engine::query::synonyms::{SynonymError, SynonymFile};
use xunwen_engine::{Backend, Engine, EngineError};
use xunwen_opensearch::OpenSearchBackend;

use crate::metrics::Metrics;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    engine: Arc<RwLock<Option<Engine>>>,
    pub searches: Arc<Semaphore>,
    pub metrics: Arc<Metrics>,
    /// Unix seconds of the last reload of the index.
    pub last_reload: Arc<AtomicU64>,
    /// Why the index cannot be served, while it cannot.
    unavailable: Arc<RwLock<Option<Arc<EngineError>>>>,
    /// The synonym rules given to the engine, reread when the file changes.
    pub synonyms: Option<Arc<SynonymFile>>,
    /// The cluster searched instead of a local index, when there is one.
    cluster: Option<OpenSearchBackend>,
}

impl AppState {
    /// Opens the index if there is one; a missing or empty index is not an
    /// error: the server starts and serves it once it exists.
    pub fn new(settings: Settings) -> AppState {
        match AppState::try_new(settings.clone()) {
            Ok(state) => state,
            Err(error) => {
                tracing::error!(%error, "serving without synonyms");
                AppState::with_synonyms(
                    Settings {
                        synonyms: None,
                        ..settings
                    },
                    None,
                )
            }
        }
    }

    /// [`AppState::new`], failing when the synonym file cannot be used.
    pub fn try_new(settings: Settings) -> Result<AppState, SynonymError> {
        let synonyms = match &settings.synonyms {
            Some(path) => Some(Arc::new(SynonymFile::open(path)?)),
            None => None,
        };
        Ok(AppState::with_synonyms(settings, synonyms))
    }

    fn with_synonyms(settings: Settings, synonyms: Option<Arc<SynonymFile>>) -> AppState {
        let cluster =
            settings.opensearch.as_deref().and_then(|url| {
                match OpenSearchBackend::open(
                    url,
                    &settings.opensearch_index,
                    Analysis::default_shared(),
                ) {
                    Ok(mut cluster) => {
                        cluster.limits = settings.limits();
                        Some(cluster)
                    }
                    Err(error) => {
                        tracing::error!(%url, %error, "not an OpenSearch URL");
                        None
                    }
                }
            });
        let state = AppState {
            synonyms,
            cluster,
            searches: Arc::new(Semaphore::new(settings.max_concurrent_searches.max(1))),
            settings: Arc::new(settings),
            engine: Arc::new(RwLock::new(None)),
            metrics: Arc::new(Metrics::default()),
            last_reload: Arc::new(AtomicU64::new(0)),
            unavailable: Arc::new(RwLock::new(None)),
        };
        if state.cluster.is_some() {
            tracing::info!(url = ?state.settings.opensearch, index = %state.settings.opensearch_index, "searching an OpenSearch cluster");
        } else if let Err(error) = state.refresh() {
            tracing::warn!(index = %state.settings.index.display(), %error, "index not available yet");
        }
        state
    }

    /// Why there is no index to search, if there is none.
    pub fn unavailable(&self) -> Option<Arc<EngineError>> {
        self.unavailable.read().ok().and_then(|r| r.clone())
    }

    /// What searches are run on: the cluster, or the local index once open.
    pub fn backend(&self) -> Option<Arc<dyn Backend>> {
        if let Some(cluster) = &self.cluster {
            return Some(Arc::new(cluster.clone()));
        }
        self.engine()
            .map(|engine| Arc::new(engine) as Arc<dyn Backend>)
    }

    /// Whether the articles are on a cluster.
    pub fn is_cluster(&self) -> bool {
        self.cluster.is_some()
    }

    /// The engine, when an index is open.
    pub fn engine(&self) -> Option<Engine> {
        self.engine.read().ok().and_then(|e| e.clone())
    }

    /// Opens the index if it was missing, or picks up its latest commit.
    pub fn refresh(&self) -> Result<(), Arc<EngineError>> {
        let result = self.open_or_reload().map_err(Arc::new);
        if let Ok(mut slot) = self.unavailable.write() {
            *slot = result.as_ref().err().cloned();
        }
        result
    }

    fn open_or_reload(&self) -> Result<(), EngineError> {
        // After `search reanalyze` the queries must be cut with the new
        // dictionary too: the engine is opened again.
        let current = self.engine().filter(|engine| !engine.analysis_changed());
        if let Some(engine) = current {
            engine.reload()?;
        } else {
            let mut engine = Engine::open_as_written(&self.settings.index)?;
            // Checked once when opened: a damaged index is never served.
            engine.index().verify()?;
            engine.limits = self.settings.limits();
            engine.set_synonyms(self.synonyms.clone());
            if let Ok(mut slot) = self.engine.write() {
                *slot = Some(engine);
            }
            tracing::info!(index = %self.settings.index.display(), "index opened");
        }
        self.spawn_suggestion_build();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_reload.store(now, Ordering::Relaxed);
        Ok(())
    }

    /// Builds the suggestion dictionary of the latest commit on a thread of
    /// its own when it is stale (it reads every stored title), so reloads and
    /// searches go on meanwhile; suggestions come from the previous one.
    fn spawn_suggestion_build(&self) {
        let Some(engine) = self.engine() else {
            return;
        };
        if !engine.suggestions_stale() {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("suggestions".into())
            .spawn(move || {
                if let Err(error) = engine.refresh_suggestions() {
                    tracing::warn!(%error, "suggestions not rebuilt");
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the suggestion build");
        }
    }

    /// Looks for new commits every `reload_ms`, off the async threads.
    pub fn spawn_reloader(&self) {
        if self.cluster.is_some() {
            // The cluster makes new articles searchable on its own.
            return;
        }
        let state = self.clone();
        let every = Duration::from_millis(self.settings.reload_ms.max(50));
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                ticker.tick().await;
                let state = state.clone();
                let result = tokio::task::spawn_blocking(move || state.refresh()).await;
                if let Ok(Err(error)) = result {
                    tracing::debug!(%error, "reload skipped");
                }
            }
        });
    }
}
