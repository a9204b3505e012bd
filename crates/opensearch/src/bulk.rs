//! Writing articles to the cluster: `_bulk` requests of a bounded size,
//! one at a time (the caller waits while one is in flight: back-pressure
//! down to the extraction threads), retried with a growing pause while the
//! cluster answers 429 or 503 or no node answers. Each article is indexed
//! under its own id, so sending it again replaces it: a re-run never
//! doubles an article, and a run cut short is completed by running it again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use xunwen_engine::Article;
use xunwen_engine::analysis::Analysis;

use crate::client::{Client, ClusterError, Method, error_reason, path_segment};
use crate::document::document;

/// How long to keep retrying, and how fast to back off.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_pause: Duration,
    pub longest_pause: Duration,
    /// Give up on a batch after this long without success.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_pause: Duration::from_millis(200),
            longest_pause: Duration::from_secs(10),
            give_up_after: Duration::from_secs(300),
        }
    }
}

/// What one or more flushed batches did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Articles new to the index.
    pub created: u64,
    /// Articles that replaced one with the same id.
    pub updated: u64,
    /// Articles the cluster refused, with its reason: (id, reason).
    pub refused: Vec<(String, String)>,
    /// Requests or items sent again after a 429, a 503 or a dead node.
    pub retries: u64,
}

impl Written {
    fn add(&mut self, other: Written) {
        self.created += other.created;
        self.updated += other.updated;
        self.refused.extend(other.refused);
        self.retries += other.retries;
    }
}

/// The result of adding an article: written batches, if one was flushed.
pub type BulkOutcome = Option<Written>;

/// Batches articles into `_bulk` requests.
pub struct BulkWriter {
    client: Arc<Client>,
    index: String,
    analysis: Analysis,
    /// (id, the two NDJSON lines of its action) of the batch being filled.
    batch: Vec<(String, String)>,
    batch_bytes: usize,
    pub max_docs: usize,
    pub max_bytes: usize,
    pub retry: RetryPolicy,
}

impl std::fmt::Debug for BulkWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkWriter")
            .field("index", &self.index)
            .field("batch", &self.batch.len())
            .finish()
    }
}

impl BulkWriter {
    pub fn new(client: Arc<Client>, index: &str, analysis: Analysis) -> BulkWriter {
        BulkWriter {
            client,
            index: index.to_string(),
            analysis,
            batch: Vec::new(),
            batch_bytes: 0,
            max_docs: 500,
            max_bytes: 8 << 20,
            retry: RetryPolicy::default(),
        }
    }

    /// Queues an article; sends the batch when it is full.
    pub fn add(&mut self, article: &Article) -> Result<BulkOutcome, ClusterError> {
        let action = json!({ "index": { "_index": self.index, "_id": article.id } });
        let doc = document(article, &self.analysis);
        let lines = format!("{action}\n{doc}\n");
        self.batch_bytes += lines.len();
        self.batch.push((article.id.clone(), lines));
        if self.batch.len() >= self.max_docs || self.batch_bytes >= self.max_bytes {
            return self.flush().map(Some);
        }
        Ok(None)
    }

    /// Sends what is queued, retrying what the cluster could not take yet.
    pub fn flush(&mut self) -> Result<Written, ClusterError> {
        let mut pending = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let mut written = Written::default();
        let started = Instant::now();
        let mut pause = self.retry.first_pause;
        while !pending.is_empty() {
            match self.send(&pending) {
                Ok((done, again)) => {
                    let retried = !again.is_empty();
                    written.add(done);
                    pending = again;
                    if !retried {
                        break;
                    }
                    written.retries += pending.len() as u64;
                    tracing::debug!(
                        items = pending.len(),
                        "cluster refused items for now; retrying"
                    );
                }
                Err(error) if error.is_retryable() => {
                    written.retries += 1;
                    tracing::warn!(%error, "bulk request failed; retrying");
                    if started.elapsed() > self.retry.give_up_after {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
            if started.elapsed() > self.retry.give_up_after {
                return Err(ClusterError::Status {
                    status: 429,
                    reason: format!(
                        "the cluster kept refusing {} articles for {:?}",
                        pending.len(),
                        self.retry.give_up_after
                    ),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(self.retry.longest_pause);
        }
        Ok(written)
    }

    /// One `_bulk` request: what was written or refused for good, and the
    /// items to send again.
    #[allow(clippy::type_complexity)]
    fn send(
        &self,
        items: &[(String, String)],
    ) -> Result<(Written, Vec<(String, String)>), ClusterError> {
        let body: String = items.iter().map(|(_, lines)| lines.as_str()).collect();
        let (status, answer) = self.client.send(
            Method::Post,
            "/_bulk",
            Some(body.as_bytes()),
            "application/x-ndjson",
        )?;
        if status >= 400 {
            return Err(ClusterError::Status {
                status,
                reason: error_reason(&answer),
            });
        }
        let results = answer["items"]
            .as_array()
            .ok_or_else(|| ClusterError::Unreadable("a bulk answer without items".to_string()))?;
        if results.len() != items.len() {
            return Err(ClusterError::Unreadable(format!(
                "{} items sent, {} answered",
                items.len(),
                results.len()
            )));
        }
        let mut written = Written::default();
        let mut again = Vec::new();
        for (item, result) in items.iter().zip(results) {
            let result = &result["index"];
            let status = result["status"].as_u64().unwrap_or(0);
            match status {
                200..=299 => match result["result"].as_str() {
                    Some("created") => written.created += 1,
                    _ => written.updated += 1,
                },
                429 | 502..=504 => again.push(item.clone()),
                _ => written.refused.push((item.0.clone(), item_reason(result))),
            }
        }
        Ok((written, again))
    }

    /// Makes everything written searchable now.
    pub fn refresh(&self) -> Result<(), ClusterError> {
        self.client
            .json(
                Method::Post,
                &format!("/{}/_refresh", path_segment(&self.index)),
                None,
            )
            .map(|_| ())
    }
}

fn item_reason(result: &Value) -> String {
    let error = &result["error"];
    let kind = error["type"].as_str().unwrap_or("error");
    let reason = error["reason"].as_str().unwrap_or("refused by the cluster");
    match error["caused_by"]["reason"].as_str() {
        Some(cause) => format!("{kind}: {reason} ({cause})"),
        None => format!("{kind}: {reason}"),
    }
}
