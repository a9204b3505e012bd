//! Every setting of `search serve`, read from flags and environment
//! variables, with the defaults written down once, here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use xunwen_engine::search::Limits;

/// The engine's limits, whose defaults are written once, there.
const LIMITS: Limits = Limits::DEFAULT;

/// Settings of the query server.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Index directory.
    #[arg(long = "index", env = "XUNWEN_INDEX", default_value = "index")]
    pub index: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "XUNWEN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Origins allowed to call the JSON endpoint from a browser (CORS), comma
    /// separated, or `*`. Off when empty.
    #[arg(
        long,
        env = "XUNWEN_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_origins: Vec<String>,
    /// Longest query, in characters.
    #[arg(long, env = "XUNWEN_MAX_QUERY_CHARS", default_value_t = LIMITS.max_query_chars)]
    pub max_query_chars: usize,
    /// Largest page size.
    #[arg(long, env = "XUNWEN_MAX_PAGE_SIZE", default_value_t = LIMITS.max_page_size)]
    pub max_page_size: usize,
    /// Deepest result reachable by paging (page × size).
    #[arg(long, env = "XUNWEN_MAX_DEPTH", default_value_t = LIMITS.max_depth)]
    pub max_depth: usize,
    /// Largest request body, in bytes: a posted search of a 10,000-character
    /// passage is about 30 KB; bodies past this are refused.
    #[arg(long, env = "XUNWEN_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Time a search may take before it answers with what it has, flagged partial (ms).
    #[arg(long, env = "XUNWEN_SEARCH_BUDGET_MS", default_value_t = LIMITS.time_budget.as_millis() as u64)]
    pub search_budget_ms: u64,
    /// Time a whole request may take (ms).
    #[arg(long, env = "XUNWEN_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Searches running at once; more wait their turn.
    #[arg(long, env = "XUNWEN_MAX_CONCURRENT_SEARCHES", default_value_t = 8)]
    pub max_concurrent_searches: usize,
    /// Open connections at most; past this, new connections are closed at
    /// once. An idle connection costs a file descriptor and a few KiB, so
    /// thousands of idle clients do not keep others out (lowered to what
    /// the process may open).
    #[arg(long, env = "XUNWEN_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Time a client has to send a request's headers, idle keep-alive
    /// included (ms); slow or idle clients are disconnected after it.
    #[arg(long, env = "XUNWEN_HEADER_TIMEOUT_MS", default_value_t = 10_000)]
    pub header_timeout_ms: u64,
    /// Search the articles on this OpenSearch cluster (http://host:9200, or
    /// https://user:password@host:9200) instead of the local index.
    #[arg(long = "opensearch", env = "XUNWEN_OPENSEARCH", value_name = "URL")]
    pub opensearch: Option<String>,
    /// Index name on the cluster.
    #[arg(
        long = "opensearch-index",
        env = "XUNWEN_OPENSEARCH_INDEX",
        default_value = "xunwen",
        value_name = "NAME"
    )]
    pub opensearch_index: String,
    /// How often to look for new commits of the index (ms).
    #[arg(long, env = "XUNWEN_RELOAD_MS", default_value_t = 500)]
    pub reload_ms: u64,
    /// Synonym rules in the Solr format (`浙大,浙江大学`, `新冠 => 新型冠状病毒`),
    /// applied to every query; the file is reread when it changes (checked on
    /// each search by its modification time and size).
    #[arg(long, env = "XUNWEN_SYNONYMS")]
    pub synonyms: Option<PathBuf>,
}

impl Settings {
    /// Settings with every default, for an index directory.
    pub fn for_index(index: PathBuf) -> Settings {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            settings: Settings,
        }
        let mut settings = Defaults::parse_from(["serve"]).settings;
        settings.index = index;
        settings
    }

    /// The engine's limits as these settings set them.
    pub fn limits(&self) -> Limits {
        Limits {
            max_query_chars: self.max_query_chars,
            max_page_size: self.max_page_size,
            max_depth: self.max_depth,
            time_budget: Duration::from_millis(self.search_budget_ms),
        }
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms.max(1))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}
