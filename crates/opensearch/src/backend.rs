//! The search backend on a cluster. It runs the very steps of the local
//! engine, with the cluster doing the matching and scoring:
//!
//! 1. plan with the engine's planner, on the cluster's term statistics
//!    (document frequencies fetched in one request per round: the planner
//!    is run again until it asks for nothing new);
//! 2. compile the plan to query DSL ([`crate::compile`]) and search a
//!    window of candidates (ids, scores, duplicate cluster, SimHash and
//!    source from doc values), the total, and facets from aggregations;
//! 3. collapse reprints with the engine's own grouping, over the same
//!    window the local engine uses;
//! 4. fetch the page's articles from `_source` and cut titles and snippets
//!    with the engine's highlighter, so hits look the same.
//!
//! Shard failures and the time budget give a partial answer that says so;
//! a cluster that cannot answer gives [`EngineError::Cluster`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use xunwen_engine::analysis::Analysis;
use xunwen_engine::article::{Article, simhash};
use xunwen_engine::facets::{Facets, TOP_SOURCES};
use xunwen_engine::query::parse::parse;
use xunwen_engine::query::plan::Plan;
use xunwen_engine::query::planner::Planner;
use xunwen_engine::query::stats::{CountedIn, TermStatistics};
use xunwen_engine::query::weights::Weights;
use xunwen_engine::search::collapse::{Keyed, group_stories};
use xunwen_engine::search::explain::{ArticleExplanation, Explanation, words_held};
use xunwen_engine::search::related::{
    MAX_PRINTINGS, PRINTING_NEIGHBOURS, Printing, RELATED_SNIPPET_CHARS, is_reprint,
    is_reprint_by_keys, printings_among, related_plan, related_text,
};
use xunwen_engine::search::{
    Backend, BackendHealth, Duplicates, Filters, Hit, Limits, SearchRequest, SearchResponse, Sort,
    elapsed_ms, hit_of,
};
use xunwen_engine::snippet::Highlighter;
use xunwen_engine::{EngineError, analysis::fold};

use crate::client::{Client, ClusterError, path_segment};
use crate::compile::compile;
use crate::document::article_of;
use crate::template::fields;

/// Planning rounds at most (each fetches the statistics the last one
/// lacked); a word still unknown after them counts as absent.
const PLANNING_ROUNDS: usize = 4;
/// How long the newest publication date is reused for the recency boost.
const NEWEST_FOR: Duration = Duration::from_secs(30);

/// When the newest publication date was read, and what it was.
type NewestSeen = (Instant, Option<i64>);

/// Searches an index on an OpenSearch cluster.
#[derive(Clone)]
pub struct OpenSearchBackend {
    client: Arc<Client>,
    index: String,
    analysis: Analysis,
    pub limits: Limits,
    pub weights: Weights,
    /// Articles counted by the last statistics request.
    articles: Arc<AtomicU64>,
    newest: Arc<Mutex<Option<NewestSeen>>>,
}

impl std::fmt::Debug for OpenSearchBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSearchBackend")
            .field("url", &self.client.url())
            .field("index", &self.index)
            .finish()
    }
}

/// One candidate of the window.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    score: Option<f32>,
    source: Option<String>,
}

struct Collected {
    candidates: Vec<Keyed<Candidate>>,
    total: usize,
    facets: Option<Facets>,
    partial: bool,
}

/// Term statistics of the cluster as far as fetched; what is asked and
/// not known yet is noted, to be fetched for the next round.
struct RoundStatistics<'a> {
    articles: u64,
    known: &'a HashMap<(CountedIn, String), u64>,
    missing: RefCell<Vec<(CountedIn, String)>>,
}

impl TermStatistics for RoundStatistics<'_> {
    fn article_count(&self) -> u64 {
        self.articles
    }

    fn document_frequency(&self, field: CountedIn, term: &str) -> u64 {
        let key = (field, term.to_string());
        match self.known.get(&key) {
            Some(count) => *count,
            None => {
                self.missing.borrow_mut().push(key);
                0
            }
        }
    }
}

impl OpenSearchBackend {
    /// A backend of the index `index` on the cluster at `url`. The cluster
    /// is asked for its nodes (to go on when one dies), nothing else.
    pub fn open(url: &str, index: &str, analysis: Analysis) -> Result<Self, EngineError> {
        let client = Client::new(url)?;
        client.discover_nodes();
        Ok(Self::with_client(Arc::new(client), index, analysis))
    }

    pub fn with_client(client: Arc<Client>, index: &str, analysis: Analysis) -> Self {
        OpenSearchBackend {
            client,
            index: index.to_string(),
            analysis,
            limits: Limits::default(),
            weights: Weights::default(),
            articles: Arc::new(AtomicU64::new(u64::MAX)),
            newest: Arc::new(Mutex::new(None)),
        }
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    pub fn index(&self) -> &str {
        &self.index
    }

    fn path(&self, tail: &str) -> String {
        format!("/{}/{tail}", path_segment(&self.index))
    }

    /// A request to the index; an index the cluster lacks is said plainly.
    fn post(&self, tail: &str, body: &Value) -> Result<Value, EngineError> {
        self.client
            .post(&self.path(tail), body)
            .map_err(|error| self.explain_error(error))
    }

    fn explain_error(&self, error: ClusterError) -> EngineError {
        match &error {
            ClusterError::Status {
                status: 404,
                reason,
            } if reason.contains("index_not_found") => EngineError::Cluster {
                reason: format!(
                    "the cluster at {} has no index `{}`: run `search index PATH --opensearch {}` first",
                    self.client.url(),
                    self.index,
                    self.client.url()
                ),
            },
            _ => error.into(),
        }
    }

    /// Article count and the document frequencies of `terms`, in one request.
    fn fetch_statistics(
        &self,
        terms: &[(CountedIn, String)],
        into: &mut HashMap<(CountedIn, String), u64>,
    ) -> Result<u64, EngineError> {
        let mut body = json!({ "size": 0, "track_total_hits": true });
        if !terms.is_empty() {
            let filters: serde_json::Map<String, Value> = terms
                .iter()
                .enumerate()
                .map(|(i, (field, term))| {
                    let field = match field {
                        CountedIn::TitleWords => fields::TITLE_WORDS,
                        CountedIn::BodyWords => fields::BODY_WORDS,
                    };
                    (i.to_string(), json!({ "term": { field: term } }))
                })
                .collect();
            body["aggs"] = json!({ "df": { "filters": { "filters": filters } } });
        }
        let answer = self.post("_search", &body)?;
        let articles = answer["hits"]["total"]["value"].as_u64().unwrap_or(0);
        self.articles.store(articles, Ordering::Relaxed);
        for (i, key) in terms.iter().enumerate() {
            let count = answer["aggregations"]["df"]["buckets"][i.to_string()]["doc_count"]
                .as_u64()
                .unwrap_or(0);
            into.insert(key.clone(), count);
        }
        Ok(articles)
    }

    /// The plan of a query on the cluster's statistics.
    pub fn plan(&self, query: &str, filters: &Filters, sort: Sort) -> Result<Plan, EngineError> {
        let parsed = parse(query);
        let mut known = HashMap::new();
        let mut articles = self.articles.load(Ordering::Relaxed);
        if articles == u64::MAX {
            articles = self.fetch_statistics(&[], &mut known)?;
        }
        for _ in 0..PLANNING_ROUNDS {
            let statistics = RoundStatistics {
                articles,
                known: &known,
                missing: RefCell::new(Vec::new()),
            };
            let plan = self.planner(&statistics).plan(&parsed, filters, sort);
            let mut missing = statistics.missing.into_inner();
            if missing.is_empty() {
                return Ok(plan);
            }
            missing.sort_by(|a, b| a.1.cmp(&b.1));
            missing.dedup();
            articles = self.fetch_statistics(&missing, &mut known)?;
        }
        let statistics = RoundStatistics {
            articles,
            known: &known,
            missing: RefCell::new(Vec::new()),
        };
        Ok(self.planner(&statistics).plan(&parsed, filters, sort))
    }

    /// A planner on these statistics (synonym rules are applied by the
    /// local engine only).
    fn planner<'a>(&'a self, statistics: &'a RoundStatistics<'a>) -> Planner<'a> {
        Planner {
            analysis: &self.analysis,
            statistics,
            weights: self.weights,
            synonyms: None,
        }
    }

    /// The newest publication date of the index (Unix seconds), for the
    /// recency boost; reused for a short while.
    fn newest(&self) -> Result<Option<i64>, EngineError> {
        if let Ok(slot) = self.newest.lock()
            && let Some((at, newest)) = *slot
            && at.elapsed() < NEWEST_FOR
        {
            return Ok(newest);
        }
        let answer = self.post(
            "_search",
            &json!({ "size": 0, "aggs": { "newest": { "max": { "field": fields::PUBLISHED } } } }),
        )?;
        let newest = answer["aggregations"]["newest"]["value"]
            .as_f64()
            .map(|ms| (ms / 1000.0) as i64);
        if let Ok(mut slot) = self.newest.lock() {
            *slot = Some((Instant::now(), newest));
        }
        Ok(newest)
    }

    /// The query of a plan in the sort's order (the recency boost as
    /// `function_score`, as `ranking::recency_boost` computes it).
    fn sorted_query(&self, plan: &Plan, sort: Sort) -> Result<Value, EngineError> {
        let query = compile(plan);
        if sort != Sort::Recent {
            return Ok(query);
        }
        let Some(newest) = self.newest()? else {
            return Ok(query);
        };
        Ok(json!({
            "function_score": {
                "query": query,
                "functions": [
                    { "weight": 1.0 },
                    {
                        "filter": { "exists": { "field": fields::PUBLISHED } },
                        "exp": { fields::PUBLISHED: {
                            "origin": newest.to_string(), "scale": "90d", "decay": 0.5
                        } },
                        "weight": 0.5
                    }
                ],
                "score_mode": "sum",
                "boost_mode": "multiply"
            }
        }))
    }

    /// The `window` best candidates, the total and the facets.
    fn collect(
        &self,
        plan: &Plan,
        sort: Sort,
        window: usize,
        facets: bool,
    ) -> Result<Collected, EngineError> {
        let mut body = json!({
            "query": self.sorted_query(plan, sort)?,
            "size": window,
            "track_total_hits": true,
            "_source": false,
            "docvalue_fields": [fields::CLUSTER, fields::SIMHASH, fields::SOURCE],
            "timeout": format!("{}ms", self.limits.time_budget.as_millis().max(1)),
        });
        match sort {
            Sort::Newest => {
                body["sort"] =
                    json!([{ fields::PUBLISHED: { "order": "desc", "missing": "_last" } }])
            }
            Sort::Oldest => {
                body["sort"] =
                    json!([{ fields::PUBLISHED: { "order": "asc", "missing": "_last" } }])
            }
            Sort::Relevance | Sort::Recent => {}
        }
        if facets {
            body["aggs"] = json!({
                "sources": { "terms": {
                    "field": fields::SOURCE, "size": TOP_SOURCES, "shard_size": 10_000,
                    "order": [{ "_count": "desc" }, { "_key": "asc" }]
                } },
                "months": { "date_histogram": {
                    "field": fields::PUBLISHED, "calendar_interval": "month",
                    "time_zone": "+08:00", "min_doc_count": 1, "format": "yyyy-MM"
                } }
            });
        }
        let answer = self.post(
            "_search?search_type=dfs_query_then_fetch&allow_partial_search_results=true",
            &body,
        )?;
        let shards_failed = answer["_shards"]["failed"].as_u64().unwrap_or(0);
        let partial = shards_failed > 0 || answer["timed_out"].as_bool().unwrap_or(false);
        if shards_failed > 0 {
            tracing::warn!(
                failed = shards_failed,
                total = answer["_shards"]["total"].as_u64().unwrap_or(0),
                "shards failed; the answer is partial"
            );
        }
        let first = |hit: &Value, field: &str| hit["fields"][field][0].as_str().map(str::to_string);
        let number = |hit: &Value, field: &str| {
            first(hit, field)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let candidates = answer["hits"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|hit| Keyed {
                item: Candidate {
                    id: hit["_id"].as_str().unwrap_or_default().to_string(),
                    score: match sort {
                        Sort::Newest | Sort::Oldest => None,
                        _ => hit["_score"].as_f64().map(|s| s as f32),
                    },
                    source: first(hit, fields::SOURCE),
                },
                cluster: number(hit, fields::CLUSTER),
                simhash: number(hit, fields::SIMHASH),
            })
            .collect();
        let facets = facets.then(|| facets_of(&answer["aggregations"]));
        Ok(Collected {
            candidates,
            total: answer["hits"]["total"]["value"].as_u64().unwrap_or(0) as usize,
            facets,
            partial,
        })
    }

    /// The `window` articles most like this one, best first, without
    /// itself, and the plan that found them.
    fn neighbours(
        &self,
        article: &Article,
        window: usize,
    ) -> Result<(Plan, Vec<Keyed<Candidate>>), EngineError> {
        let text = related_text(article);
        // The planner's statistics for the article's words: a plan of the
        // text as a query fetches them, then the related plan uses them.
        let mut known = HashMap::new();
        let words: Vec<(CountedIn, String)> = self
            .analysis
            .query_words(&text)
            .into_iter()
            .flat_map(|w| {
                [
                    (CountedIn::TitleWords, w.clone()),
                    (CountedIn::BodyWords, w),
                ]
            })
            .collect();
        let articles = self.fetch_statistics(&words, &mut known)?;
        let statistics = RoundStatistics {
            articles,
            known: &known,
            missing: RefCell::new(Vec::new()),
        };
        let plan = related_plan(&self.planner(&statistics), article);
        let collected = self.collect(&plan, Sort::Relevance, window, false)?;
        Ok((plan, collected.candidates))
    }

    /// The stored articles with these ids, in their order (missing ones left out).
    fn articles(&self, ids: &[&str]) -> Result<Vec<Article>, EngineError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let answer = self.post("_mget", &json!({ "ids": ids }))?;
        Ok(answer["docs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|doc| doc["found"].as_bool().unwrap_or(false))
            .map(|doc| article_of(&doc["_source"]))
            .collect())
    }

    fn window(&self, request: &SearchRequest) -> usize {
        let wanted = request.offset() + request.size;
        if request.collapse {
            (wanted * 5 + 50).min(self.limits.max_depth * 2)
        } else {
            wanted
        }
    }
}

/// Facets of the `sources` and `months` aggregations.
fn facets_of(aggregations: &Value) -> Facets {
    let buckets = |name: &str| {
        aggregations[name]["buckets"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let sources: HashMap<String, u64> = buckets("sources")
        .iter()
        .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64()?)))
        .collect();
    let months: HashMap<i32, u64> = buckets("months")
        .iter()
        .filter_map(|b| {
            let (year, month) = b["key_as_string"].as_str()?.split_once('-')?;
            let month = year.parse::<i32>().ok()? * 12 + month.parse::<i32>().ok()? - 1;
            Some((month, b["doc_count"].as_u64()?))
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    Facets::from_counts(sources, months, TOP_SOURCES)
}

impl Backend for OpenSearchBackend {
    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        request.check(&self.limits)?;
        let plan = self.plan(&request.query, &request.filters, request.sort)?;
        let mut response = SearchResponse::empty(request, plan.ignored.clone());
        if plan.is_empty() {
            response.took_ms = elapsed_ms(started);
            return Ok(response);
        }
        let collected = self.collect(&plan, request.sort, self.window(request), request.facets)?;
        response.total = collected.total;
        response.facets = collected.facets;
        response.partial = collected.partial;
        let stories: Vec<(Candidate, Vec<Candidate>)> = if request.collapse {
            group_stories(collected.candidates)
        } else {
            collected
                .candidates
                .into_iter()
                .map(|c| (c.item, Vec::new()))
                .collect()
        };
        let page: Vec<(Candidate, Vec<Candidate>)> = stories
            .into_iter()
            .skip(request.offset())
            .take(request.size)
            .collect();
        let ids: Vec<&str> = page.iter().map(|(lead, _)| lead.id.as_str()).collect();
        let mut articles: HashMap<String, Article> = self
            .articles(&ids)?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let highlighter = Highlighter::new(&plan.highlight);
        let snippet_chars = request.snippets.then_some(request.snippet_chars);
        for (lead, reprints) in page {
            let Some(article) = articles.remove(&lead.id) else {
                continue;
            };
            let mut hit = hit_of(&article, &highlighter, snippet_chars);
            hit.score = lead.score;
            if !reprints.is_empty() {
                hit.duplicates = Some(describe(&reprints));
            }
            response.hits.push(hit);
        }
        response.took_ms = elapsed_ms(started);
        Ok(response)
    }

    fn article(&self, id: &str) -> Result<Article, EngineError> {
        match self.articles(&[id])?.into_iter().next() {
            Some(article) => Ok(article),
            None => Err(EngineError::NotFound(id.to_string())),
        }
    }

    fn highlighter(&self, query: &str) -> Result<Highlighter, EngineError> {
        let plan = self.plan(query, &Filters::default(), Sort::Relevance)?;
        Ok(Highlighter::new(&plan.highlight))
    }

    /// Its exact duplicates (a term query on the cluster field) and its
    /// near duplicates among its neighbours, judged as the local index does.
    fn printings(&self, id: &str) -> Result<Vec<Printing>, EngineError> {
        let article = self.article(id)?;
        let own = (article.cluster(), simhash(&article.body));
        let exact = self.post(
            "_search",
            &json!({
                "query": { "term": { fields::CLUSTER: own.0.to_string() } },
                "size": MAX_PRINTINGS,
                "_source": false,
            }),
        )?;
        let mut ids: Vec<String> = exact["hits"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|hit| hit["_id"].as_str().map(str::to_string))
            .collect();
        let (_, neighbours) = self.neighbours(&article, PRINTING_NEIGHBOURS)?;
        ids.extend(
            neighbours
                .into_iter()
                .filter(|n| is_reprint_by_keys(own, (n.cluster, n.simhash)))
                .map(|n| n.item.id),
        );
        ids.sort();
        ids.dedup();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        Ok(printings_among(&article, self.articles(&ids)?))
    }

    fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError> {
        let article = self.article(id)?;
        let (plan, neighbours) = self.neighbours(&article, count * 3 + 10)?;
        let own = (article.cluster(), simhash(&article.body));
        let highlighter = Highlighter::new(&plan.highlight);
        let leads: Vec<Candidate> = group_stories(neighbours)
            .into_iter()
            .map(|(lead, _)| lead)
            .collect();
        let ids: Vec<&str> = leads.iter().map(|c| c.id.as_str()).collect();
        let mut found: HashMap<String, Article> = self
            .articles(&ids)?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        let mut hits = Vec::new();
        for lead in &leads {
            let Some(related) = found.remove(&lead.id) else {
                continue;
            };
            if is_reprint(own, &related) {
                continue;
            }
            let mut hit = hit_of(&related, &highlighter, Some(RELATED_SNIPPET_CHARS));
            hit.score = lead.score;
            hits.push(hit);
            if hits.len() == count {
                break;
            }
        }
        Ok(hits)
    }

    fn explain(&self, query: &str, id: Option<&str>) -> Result<Explanation, EngineError> {
        let plan = self.plan(query, &Filters::default(), Sort::Relevance)?;
        let article = match id {
            None => None,
            Some(id) => {
                let article = self.article(id)?;
                let (held, lacking) = words_held(&article, &plan);
                let answer = self.post(
                    &format!("_explain/{}", path_segment(id)),
                    &json!({ "query": compile(&plan) }),
                )?;
                let matched = answer["matched"].as_bool().unwrap_or(false);
                Some(ArticleExplanation {
                    id: id.to_string(),
                    matched,
                    score: matched
                        .then(|| answer["explanation"]["value"].as_f64())
                        .flatten()
                        .map(|v| v as f32),
                    detail: if matched {
                        serde_json::to_string_pretty(&answer["explanation"]).unwrap_or_default()
                    } else {
                        String::new()
                    },
                    held,
                    lacking,
                })
            }
        };
        Ok(Explanation {
            query: query.to_string(),
            folded: fold(query),
            segmented: self.analysis.query_words(query),
            plan,
            article,
        })
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    fn health(&self) -> BackendHealth {
        let mut health = BackendHealth {
            backend: "opensearch",
            ready: false,
            articles: 0,
            status: "unreachable".to_string(),
            nodes: None,
            reason: None,
            size_bytes: 0,
        };
        let cluster = match self.client.get(&format!(
            "/_cluster/health/{}?timeout=2s",
            path_segment(&self.index)
        )) {
            Ok(cluster) => cluster,
            Err(error) => {
                health.reason = Some(self.explain_error(error).to_string());
                return health;
            }
        };
        health.status = cluster["status"].as_str().unwrap_or("unknown").to_string();
        health.nodes = cluster["number_of_nodes"].as_u64();
        match self.client.get(&self.path("_count")) {
            Ok(count) => {
                health.articles = count["count"].as_u64().unwrap_or(0);
                health.ready = health.status != "red";
            }
            Err(error) => health.reason = Some(self.explain_error(error).to_string()),
        }
        if let Ok(stats) = self.client.get(&self.path("_stats/store")) {
            health.size_bytes = stats["_all"]["primaries"]["store"]["size_in_bytes"]
                .as_u64()
                .unwrap_or(0);
        }
        if health.reason.is_none() && health.status != "green" {
            let unassigned = cluster["unassigned_shards"].as_u64().unwrap_or(0);
            health.reason = Some(format!(
                "cluster {}: {unassigned} shard copies unassigned",
                health.status
            ));
        }
        health
    }
}

/// Ids and sources of reprints.
fn describe(reprints: &[Candidate]) -> Duplicates {
    let mut sources: Vec<String> = Vec::new();
    for source in reprints.iter().filter_map(|r| r.source.as_ref()) {
        if !sources.contains(source) {
            sources.push(source.clone());
        }
    }
    Duplicates {
        count: reprints.len(),
        ids: reprints.iter().map(|r| r.id.clone()).collect(),
        sources,
    }
}
