//! Prometheus metrics through `prometheus-client`: requests by route and
//! status, latency, the index's article count and size, the last reload.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

/// The state of the index when the metrics are read.
#[derive(Debug, Clone, Default)]
pub struct IndexGauges {
    pub articles: u64,
    pub size_bytes: u64,
    /// Unix seconds.
    pub last_reload: u64,
    /// The cluster's state, when the articles are on one.
    pub cluster: Option<ClusterGauges>,
}

/// The state of the OpenSearch cluster when the metrics are read.
#[derive(Debug, Clone, Default)]
pub struct ClusterGauges {
    pub up: bool,
    pub nodes: u64,
    /// `green`, `yellow`, `red` or `unreachable`.
    pub status: String,
}

/// The number of a cluster status in `xunwen_cluster_status`.
fn status_number(status: &str) -> u64 {
    match status {
        "green" => 0,
        "yellow" => 1,
        "red" => 2,
        _ => 3,
    }
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    articles: Gauge<u64, AtomicU64>,
    size_bytes: Gauge<u64, AtomicU64>,
    last_reload: Gauge<u64, AtomicU64>,
    cluster_up: Gauge<u64, AtomicU64>,
    cluster_nodes: Gauge<u64, AtomicU64>,
    cluster_status: Gauge<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Histogram::new(BUCKETS);
        let articles = Gauge::<u64, AtomicU64>::default();
        let size_bytes = Gauge::<u64, AtomicU64>::default();
        let last_reload = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "xunwen_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "xunwen_request_duration_seconds",
            "Request latency",
            latency.clone(),
        );
        registry.register(
            "xunwen_index_articles",
            "Articles in the index",
            articles.clone(),
        );
        registry.register(
            "xunwen_index_size_bytes",
            "Size of the index on disk",
            size_bytes.clone(),
        );
        registry.register(
            "xunwen_index_last_reload_timestamp_seconds",
            "When the index was last reloaded (Unix time)",
            last_reload.clone(),
        );
        let cluster_up = Gauge::<u64, AtomicU64>::default();
        let cluster_nodes = Gauge::<u64, AtomicU64>::default();
        let cluster_status = Gauge::<u64, AtomicU64>::default();
        registry.register(
            "xunwen_cluster_up",
            "Whether the OpenSearch cluster answers searches (1) or not (0)",
            cluster_up.clone(),
        );
        registry.register(
            "xunwen_cluster_nodes",
            "Nodes in the OpenSearch cluster",
            cluster_nodes.clone(),
        );
        registry.register(
            "xunwen_cluster_status",
            "Health of the cluster's index: 0 green, 1 yellow, 2 red, 3 unreachable",
            cluster_status.clone(),
        );
        Metrics {
            cluster_up,
            cluster_nodes,
            cluster_status,
            registry,
            requests,
            latency,
            articles,
            size_bytes,
            last_reload,
        }
    }
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency.observe(took.as_secs_f64());
    }

    /// The exposition text, with the index's gauges as given.
    pub fn render(&self, index: IndexGauges) -> String {
        self.articles.set(index.articles);
        self.size_bytes.set(index.size_bytes);
        self.last_reload.set(index.last_reload);
        if let Some(cluster) = &index.cluster {
            self.cluster_up.set(u64::from(cluster.up));
            self.cluster_nodes.set(cluster.nodes);
            self.cluster_status.set(status_number(&cluster.status));
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }
}
