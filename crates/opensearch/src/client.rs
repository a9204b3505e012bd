//! A small blocking client for the cluster: JSON in, JSON out, the nodes
//! of the cluster learnt from the first one so a dead node is passed over,
//! and errors that say what the cluster said.
//!
//! ```no_run
//! let client = xunwen_opensearch::Client::new("http://127.0.0.1:9200").unwrap();
//! let health = client.get("/_cluster/health").unwrap();
//! println!("{}", health["status"]);
//! ```

use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use xunwen_engine::EngineError;

/// What went wrong talking to the cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    #[error("no node of the cluster answers (last tried {url}: {reason})")]
    Unreachable { url: String, reason: String },
    #[error("the cluster answered {status}: {reason}")]
    Status { status: u16, reason: String },
    #[error("the cluster's answer cannot be read: {0}")]
    Unreadable(String),
    #[error("not an OpenSearch URL `{0}`: use http://host:port or https://user:password@host:port")]
    BadUrl(String),
}

impl ClusterError {
    /// Whether trying again later may succeed: no node answered, or the
    /// cluster is overloaded (429) or not ready (502-504).
    pub fn is_retryable(&self) -> bool {
        match self {
            ClusterError::Unreachable { .. } => true,
            ClusterError::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

impl From<ClusterError> for EngineError {
    fn from(error: ClusterError) -> EngineError {
        EngineError::Cluster {
            reason: error.to_string(),
        }
    }
}

/// The cluster's reason in an error answer: its root cause, else its reason.
pub fn error_reason(body: &Value) -> String {
    let error = &body["error"];
    let cause = &error["root_cause"][0];
    let pick = |v: &Value| {
        let kind = v["type"].as_str().unwrap_or("");
        v["reason"].as_str().map(|r| format!("{kind}: {r}"))
    };
    pick(cause)
        .or_else(|| pick(error))
        .or_else(|| error.as_str().map(str::to_string))
        .unwrap_or_else(|| {
            let text = body.to_string();
            text.chars().take(300).collect()
        })
}

/// An HTTP method the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Head,
}

/// A client of one cluster. Cheap to share between threads.
#[derive(Debug)]
pub struct Client {
    /// `scheme://host:port` of every known node; the first is the one given.
    nodes: RwLock<Vec<String>>,
    /// The node tried first.
    current: AtomicUsize,
    authorization: Option<String>,
    http: ureq::Agent,
    given: String,
}

impl Client {
    /// A client of the cluster at `url` (`http://host:port`, optionally with
    /// `user:password@`). Nothing is sent yet.
    pub fn new(url: &str) -> Result<Client, ClusterError> {
        Client::with_timeout(url, Duration::from_secs(60))
    }

    /// As [`Client::new`], each request bounded by `timeout`.
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Client, ClusterError> {
        let trimmed = url.trim().trim_end_matches('/');
        let (scheme, rest) = trimmed
            .split_once("://")
            .filter(|(scheme, rest)| matches!(*scheme, "http" | "https") && !rest.is_empty())
            .ok_or_else(|| ClusterError::BadUrl(url.to_string()))?;
        let (authorization, host) = match rest.rsplit_once('@') {
            Some((credentials, host)) => (
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(credentials)
                )),
                host,
            ),
            None => (None, rest),
        };
        if host.contains('/') {
            return Err(ClusterError::BadUrl(url.to_string()));
        }
        let http: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(Duration::from_secs(3)))
            .http_status_as_error(false)
            .build()
            .into();
        let base = format!("{scheme}://{host}");
        Ok(Client {
            nodes: RwLock::new(vec![base.clone()]),
            current: AtomicUsize::new(0),
            authorization,
            http,
            given: base,
        })
    }

    /// The URL the client was given (without credentials).
    pub fn url(&self) -> &str {
        &self.given
    }

    /// Learns the HTTP address of every node, so that requests go on when
    /// the node first given dies. Keeps what it knew when the cluster does
    /// not say.
    pub fn discover_nodes(&self) {
        let Ok(answer) = self.get("/_nodes/http") else {
            return;
        };
        let scheme = self.given.split("://").next().unwrap_or("http");
        let mut found: Vec<String> = answer["nodes"]
            .as_object()
            .into_iter()
            .flat_map(|nodes| nodes.values())
            .filter_map(|node| node["http"]["publish_address"].as_str())
            .map(|address| {
                // `host/ip:port` or `ip:port`.
                let address = address.rsplit('/').next().unwrap_or(address);
                format!("{scheme}://{address}")
            })
            .collect();
        if found.is_empty() {
            return;
        }
        found.sort();
        found.retain(|node| *node != self.given);
        found.insert(0, self.given.clone());
        if let Ok(mut nodes) = self.nodes.write() {
            tracing::debug!(nodes = ?found, "cluster nodes");
            *nodes = found;
        }
    }

    /// Every node known.
    pub fn nodes(&self) -> Vec<String> {
        self.nodes.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Sends a request to one node after another until one answers; returns
    /// the status and the body as JSON (`Null` when empty).
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        content_type: &str,
    ) -> Result<(u16, Value), ClusterError> {
        let nodes = self.nodes();
        let first = self.current.load(Ordering::Relaxed);
        let mut last = ClusterError::Unreachable {
            url: self.given.clone(),
            reason: "no node known".into(),
        };
        for attempt in 0..nodes.len() {
            let index = (first + attempt) % nodes.len();
            let url = format!("{}{path}", nodes[index]);
            match self.send_to(&url, method, body, content_type) {
                Ok(answer) => {
                    if attempt > 0 {
                        self.current.store(index, Ordering::Relaxed);
                    }
                    return Ok(answer);
                }
                Err(reason) => {
                    tracing::debug!(%url, %reason, "node did not answer");
                    last = ClusterError::Unreachable {
                        url: nodes[index].clone(),
                        reason,
                    };
                }
            }
        }
        Err(last)
    }

    fn send_to(
        &self,
        url: &str,
        method: Method,
        body: Option<&[u8]>,
        content_type: &str,
    ) -> Result<(u16, Value), String> {
        let authorization = self.authorization.as_deref();
        let answer = match method {
            Method::Get | Method::Head | Method::Delete => {
                let mut request = match method {
                    Method::Get => self.http.get(url),
                    Method::Head => self.http.head(url),
                    _ => self.http.delete(url),
                };
                if let Some(value) = authorization {
                    request = request.header("authorization", value);
                }
                request.call()
            }
            Method::Post | Method::Put => {
                let mut request = match method {
                    Method::Post => self.http.post(url),
                    _ => self.http.put(url),
                };
                if let Some(value) = authorization {
                    request = request.header("authorization", value);
                }
                request
                    .header("content-type", content_type)
                    .send(body.unwrap_or_default())
            }
        };
        let mut answer = answer.map_err(|e| e.to_string())?;
        let status = answer.status().as_u16();
        if method == Method::Head {
            return Ok((status, Value::Null));
        }
        let text = answer
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(
                |_| serde_json::json!({ "error": text.chars().take(300).collect::<String>() }),
            )
        };
        Ok((status, json))
    }

    /// A JSON request whose answer must be a success.
    pub fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClusterError> {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON serialises"));
        let (status, answer) = self.send(method, path, bytes.as_deref(), "application/json")?;
        if status >= 400 {
            return Err(ClusterError::Status {
                status,
                reason: error_reason(&answer),
            });
        }
        Ok(answer)
    }

    pub fn get(&self, path: &str) -> Result<Value, ClusterError> {
        self.json(Method::Get, path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, ClusterError> {
        self.json(Method::Post, path, Some(body))
    }

    /// Whether `HEAD path` answers 200.
    pub fn exists(&self, path: &str) -> Result<bool, ClusterError> {
        let (status, _) = self.send(Method::Head, path, None, "application/json")?;
        Ok(status == 200)
    }
}

/// `text` escaped for a URL path segment (an index name, an id).
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_credentials_keep_them_out_of_the_address() {
        let client = Client::new("https://user:secret@search.example:9200/").unwrap();
        assert_eq!(client.url(), "https://search.example:9200");
        assert_eq!(
            client.authorization.as_deref(),
            Some("Basic dXNlcjpzZWNyZXQ=")
        );
        assert!(Client::new("search.example:9200").is_err());
        assert!(Client::new("http://host:9200/path").is_err());
    }

    #[test]
    fn reasons_come_from_the_root_cause() {
        let body = serde_json::json!({"error": {"root_cause": [{"type": "index_not_found_exception", "reason": "no such index [x]"}], "type": "x", "reason": "y"}, "status": 404});
        assert_eq!(
            error_reason(&body),
            "index_not_found_exception: no such index [x]"
        );
        assert!(
            ClusterError::Status {
                status: 429,
                reason: String::new()
            }
            .is_retryable()
        );
        assert!(
            !ClusterError::Status {
                status: 400,
                reason: String::new()
            }
            .is_retryable()
        );
    }

    #[test]
    fn ids_are_escaped_for_paths() {
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(path_segment("新"), "%E6%96%B0");
    }
}
