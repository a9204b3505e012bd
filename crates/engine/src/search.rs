//! The search itself, shared by the CLI and the server so both give the same
//! hits in the same order: limits, ranking, sorting, near-duplicate collapse,
//! snippets, facets, related articles and explanations.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, IndexReader, Order, Score, Searcher, TantivyDocument, Term};

use crate::analysis::{Analysis, fold};
use crate::article::{Article, simhash_distance};
use crate::error::EngineError;
use crate::facets::{Budgeted, FacetCollector, Facets};
use crate::index::NewsIndex;
use crate::query::compile::compile;
use crate::query::parse::{MAX_QUERY_CHARS, parse};
use crate::query::plan::Plan;
use crate::query::planner::Planner;
use crate::query::reading::content_words;
use crate::query::stats::IndexStatistics;
use crate::query::weights::Weights;

/// Filters given as explicit parameters, beside the query string.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub from: Option<DateTime<FixedOffset>>,
    pub to: Option<DateTime<FixedOffset>>,
    pub source: Option<String>,
    pub category: Option<String>,
    /// Only these articles (a candidate pool to rank).
    pub ids: Option<Arc<[String]>>,
}
use crate::snippet::{Highlighter, Snippet};

/// Firm limits on what one request may ask for.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    pub max_query_chars: usize,
    pub max_page_size: usize,
    /// `page * size` may not go past this many hits.
    pub max_depth: usize,
    /// A search stops collecting after this long and says it is partial.
    pub time_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_query_chars: MAX_QUERY_CHARS,
            max_page_size: 100,
            max_depth: 10_000,
            time_budget: Duration::from_secs(2),
        }
    }
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// BM25, title weighted above body, close query words rewarded.
    #[default]
    Relevance,
    Newest,
    Oldest,
    /// Relevance with a boost for recent articles.
    Recent,
}

impl std::str::FromStr for Sort {
    type Err = String;
    fn from_str(s: &str) -> Result<Sort, String> {
        Ok(match s {
            "relevance" | "" => Sort::Relevance,
            "newest" => Sort::Newest,
            "oldest" => Sort::Oldest,
            "recent" => Sort::Recent,
            other => {
                return Err(format!(
                    "unknown sort `{other}`: use relevance, newest, oldest or recent"
                ));
            }
        })
    }
}

/// One search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    /// 1-based.
    pub page: usize,
    pub size: usize,
    pub filters: Filters,
    pub sort: Sort,
    /// Collapse reprints of one story into one hit.
    pub collapse: bool,
    pub snippets: bool,
    pub facets: bool,
    /// Snippet length in characters.
    pub snippet_chars: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            page: 1,
            size: 10,
            filters: Filters::default(),
            sort: Sort::Relevance,
            collapse: true,
            snippets: true,
            facets: true,
            snippet_chars: 120,
        }
    }
}

/// Search parameters as a person or a program gives them (URL query string,
/// command-line flags): all text, checked here in one place.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub page: Option<String>,
    pub size: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub sort: Option<String>,
    pub collapse: Option<String>,
}

fn number(name: &str, value: &Option<String>, default: usize) -> Result<usize, EngineError> {
    let Some(text) = value.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(default);
    };
    // Anything that is not a small whole number is refused before it is used.
    if text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EngineError::InvalidQuery(format!(
            "`{name}` must be a positive whole number, not `{text}`"
        )));
    }
    text.parse()
        .map_err(|_| EngineError::InvalidQuery(format!("`{name}` must be a positive whole number")))
}

fn date(name: &str, value: &Option<String>) -> Result<Option<DateTime<FixedOffset>>, EngineError> {
    match value.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => crate::dates::parse_date_bound(text)
            .map(Some)
            .ok_or_else(|| {
                EngineError::InvalidQuery(format!(
                    "`{name}` is not a date: `{text}` (use YYYY-MM-DD)"
                ))
            }),
    }
}

impl SearchParams {
    /// Checks the parameters and turns them into a request.
    pub fn to_request(&self) -> Result<SearchRequest, EngineError> {
        let defaults = SearchRequest::default();
        let mut to = date("to", &self.to)?;
        // A date alone as the upper end means the whole day.
        if let Some(end) = to
            && end.time() == chrono::NaiveTime::MIN
        {
            to = Some(end + chrono::Duration::seconds(86_399));
        }
        let collapse = match self.collapse.as_deref().map(str::trim) {
            None | Some("") | Some("true") | Some("1") | Some("on") => true,
            Some("false") | Some("0") | Some("off") => false,
            Some(other) => {
                return Err(EngineError::InvalidQuery(format!(
                    "`collapse` must be true or false, not `{other}`"
                )));
            }
        };
        Ok(SearchRequest {
            query: self.q.clone().unwrap_or_default(),
            page: number("page", &self.page, defaults.page)?,
            size: number("size", &self.size, defaults.size)?,
            filters: Filters {
                from: date("from", &self.from)?,
                to,
                source: self.source.clone().filter(|s| !s.trim().is_empty()),
                category: self.category.clone().filter(|s| !s.trim().is_empty()),
                ids: None,
            },
            sort: self
                .sort
                .as_deref()
                .unwrap_or("")
                .trim()
                .parse()
                .map_err(EngineError::InvalidQuery)?,
            collapse,
            ..defaults
        })
    }
}

/// Other articles that ran the same story.
#[derive(Debug, Clone, Serialize)]
pub struct Duplicates {
    pub count: usize,
    pub ids: Vec<String>,
    pub sources: Vec<String>,
}

/// One hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub url: Option<String>,
    pub title: String,
    pub title_html: String,
    pub snippet: String,
    pub snippet_html: String,
    pub source: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub score: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<Duplicates>,
}

/// The answer to a search: the same JSON document for the CLI and the server.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    pub query: String,
    pub page: usize,
    pub size: usize,
    pub sort: Sort,
    /// Matching articles (before collapsing reprints).
    pub total: usize,
    pub took_ms: f64,
    /// True when the time budget ran out: hits and counts are incomplete.
    pub partial: bool,
    /// Parts of the query that were not understood and not searched.
    pub ignored: Vec<String>,
    pub hits: Vec<Hit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

impl SearchResponse {
    /// An answer with no hits yet, for this request.
    pub fn empty(request: &SearchRequest, ignored: Vec<String>) -> SearchResponse {
        SearchResponse {
            query: request.query.clone(),
            page: request.page,
            size: request.size,
            sort: request.sort,
            total: 0,
            took_ms: 0.0,
            partial: false,
            ignored,
            hits: Vec::new(),
            facets: request.facets.then(Facets::default),
        }
    }
}

/// How a query was understood, and why an article matched or not.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub query: String,
    pub folded: String,
    pub segmented: Vec<String>,
    pub plan: Plan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<ArticleExplanation>,
}

/// Why one article matched (its score, taken apart) or did not (the
/// searched words it holds and lacks).
#[derive(Debug, Clone, Serialize)]
pub struct ArticleExplanation {
    pub id: String,
    pub matched: bool,
    pub score: Option<f32>,
    /// tantivy's account of the score, as JSON.
    pub detail: String,
    pub held: Vec<String>,
    pub lacking: Vec<String>,
}

/// Two SimHashes this close are reprints of one story.
const NEAR_DUPLICATE_BITS: u32 = 12;

/// A searcher over an index; cheap to share, follows new commits.
#[derive(Clone)]
pub struct Engine {
    index: NewsIndex,
    reader: IndexReader,
    analysis: Analysis,
    pub limits: Limits,
    pub weights: Weights,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("index", &self.index)
            .finish()
    }
}

struct Candidate {
    address: DocAddress,
    score: Option<f32>,
}

/// Candidates ranked by a score.
fn scored(hits: Vec<(Score, DocAddress)>) -> Vec<Candidate> {
    hits.into_iter()
        .map(|(score, address)| Candidate {
            address,
            score: Some(score),
        })
        .collect()
}

impl Engine {
    pub fn open(dir: &Path, analysis: Analysis) -> Result<Engine, EngineError> {
        let mut index = NewsIndex::open(dir, &analysis)?;
        // One query's segments are searched in parallel: latency, not throughput.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        index.set_search_threads(cores.min(4))?;
        let reader = index.reader()?;
        Ok(Engine {
            index,
            reader,
            analysis,
            limits: Limits::default(),
            weights: Weights::default(),
        })
    }

    pub fn index(&self) -> &NewsIndex {
        &self.index
    }

    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// Picks up the latest commit now (it is also picked up on its own).
    pub fn reload(&self) -> Result<(), EngineError> {
        Ok(self.reader.reload()?)
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    fn check(&self, request: &SearchRequest) -> Result<(), EngineError> {
        let chars = request.query.chars().count();
        if chars > self.limits.max_query_chars {
            return Err(EngineError::InvalidQuery(format!(
                "the query is {chars} characters long; at most {} are allowed",
                self.limits.max_query_chars
            )));
        }
        if request.size == 0 || request.size > self.limits.max_page_size {
            return Err(EngineError::InvalidQuery(format!(
                "size must be between 1 and {}",
                self.limits.max_page_size
            )));
        }
        if request.page == 0 {
            return Err(EngineError::InvalidQuery("page numbers start at 1".into()));
        }
        if request.page.saturating_mul(request.size) > self.limits.max_depth {
            return Err(EngineError::InvalidQuery(format!(
                "results past the first {} cannot be paged to; narrow the search instead",
                self.limits.max_depth
            )));
        }
        if let (Some(from), Some(to)) = (request.filters.from, request.filters.to)
            && from > to
        {
            return Err(EngineError::InvalidQuery("`from` is after `to`".into()));
        }
        Ok(())
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, EngineError> {
        let started = Instant::now();
        self.check(request)?;
        let searcher = self.reader.searcher();
        let plan = self.plan(&searcher, &request.query, &request.filters, request.sort);
        let query = compile(&plan, self.index.fields());
        let mut response = SearchResponse::empty(request, plan.ignored.clone());
        if plan.is_empty() {
            response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
            return Ok(response);
        }
        let offset = (request.page - 1) * request.size;
        let wanted = offset + request.size;
        // Collapsing needs a deeper window to fill a page with distinct stories.
        let window = if request.collapse {
            (wanted * 5 + 50).min(self.limits.max_depth * 2)
        } else {
            wanted
        };
        let deadline = Some(started + self.limits.time_budget);
        let partial = Arc::new(AtomicBool::new(false));
        let facets = request.facets.then_some(FacetCollector { top_sources: 20 });
        let (candidates, total, facet_counts) = match request.sort {
            Sort::Relevance => {
                let top = TopDocs::with_limit(window).order_by_score();
                let (hits, total, facets) = run(
                    &searcher,
                    query.as_ref(),
                    (top, Count, facets),
                    deadline,
                    &partial,
                )?;
                (scored(hits), total, facets)
            }
            Sort::Newest | Sort::Oldest => {
                let order = if request.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let top = TopDocs::with_limit(window)
                    .order_by_fast_field::<tantivy::DateTime>("published", order);
                let (hits, total, facets) = run(
                    &searcher,
                    query.as_ref(),
                    (top, Count, facets),
                    deadline,
                    &partial,
                )?;
                (
                    hits.into_iter()
                        .map(|(_, a)| Candidate {
                            address: a,
                            score: None,
                        })
                        .collect(),
                    total,
                    facets,
                )
            }
            Sort::Recent => {
                let newest = newest_timestamp(&searcher);
                let top = TopDocs::with_limit(window).tweak_score(
                    move |segment: &tantivy::SegmentReader| {
                        let published = segment.fast_fields().date("published").ok();
                        move |doc: tantivy::DocId, score: Score| {
                            let timestamp = published
                                .as_ref()
                                .and_then(|c| c.first(doc))
                                .map(|d| d.into_timestamp_secs());
                            score * recency_boost(timestamp, newest)
                        }
                    },
                );
                let (hits, total, facets) = run(
                    &searcher,
                    query.as_ref(),
                    (top, Count, facets),
                    deadline,
                    &partial,
                )?;
                (scored(hits), total, facets)
            }
        };
        response.total = total;
        response.facets = facet_counts;
        response.partial = partial.load(Ordering::Relaxed);
        let groups = if request.collapse {
            collapse(&searcher, candidates)?
        } else {
            candidates.into_iter().map(|c| (c, Vec::new())).collect()
        };
        let highlighter = Highlighter::new(&plan.highlight);
        for (candidate, duplicates) in groups.into_iter().skip(offset).take(request.size) {
            let doc: TantivyDocument = searcher.doc(candidate.address)?;
            let article = self.index.article_from_doc(&doc);
            let mut hit = self.hit(
                &article,
                &highlighter,
                request.snippets.then_some(request.snippet_chars),
            );
            hit.score = candidate.score;
            if !duplicates.is_empty() {
                hit.duplicates = Some(self.describe_duplicates(&searcher, &duplicates)?);
            }
            response.hits.push(hit);
        }
        response.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(response)
    }

    /// How a query is searched, on this searcher's statistics.
    fn plan(&self, searcher: &Searcher, query: &str, filters: &Filters, sort: Sort) -> Plan {
        let statistics = IndexStatistics {
            searcher,
            fields: self.index.fields(),
        };
        let planner = Planner {
            analysis: &self.analysis,
            statistics: &statistics,
            weights: self.weights,
        };
        planner.plan(&parse(query), filters, sort)
    }

    fn hit(
        &self,
        article: &Article,
        highlighter: &Highlighter,
        snippet_chars: Option<usize>,
    ) -> Hit {
        let title = highlighter.highlight(&article.title);
        let snippet = match snippet_chars {
            Some(chars) => highlighter.snippet(&article.body, chars),
            None => Snippet {
                text: String::new(),
                html: String::new(),
                marks: Vec::new(),
            },
        };
        Hit {
            id: article.id.clone(),
            url: article.url.clone(),
            title: title.text,
            title_html: title.html,
            snippet: snippet.text,
            snippet_html: snippet.html,
            source: article.source.clone(),
            published: article.published,
            score: None,
            duplicates: None,
        }
    }

    /// Ids and sources of reprints, read from fast fields (no stored documents).
    fn describe_duplicates(
        &self,
        searcher: &Searcher,
        addresses: &[DocAddress],
    ) -> Result<Duplicates, EngineError> {
        let mut ids = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        let mut text = String::new();
        for address in addresses {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            let read = |field: &str, text: &mut String| -> Result<bool, EngineError> {
                text.clear();
                let Some(column) = fast.str(field)? else {
                    return Ok(false);
                };
                let Some(ord) = column.term_ords(address.doc_id).next() else {
                    return Ok(false);
                };
                column
                    .ord_to_str(ord, text)
                    .map_err(|e| EngineError::io("cannot read a fast field", e))
            };
            if read("id", &mut text)? {
                ids.push(text.clone());
            }
            if read("source", &mut text)? && !sources.contains(&text) {
                sources.push(text.clone());
            }
        }
        Ok(Duplicates {
            count: addresses.len(),
            ids,
            sources,
        })
    }

    /// The stored article with this id.
    pub fn article(&self, id: &str) -> Result<Article, EngineError> {
        let searcher = self.reader.searcher();
        match self.index.find(&searcher, id)? {
            Some((_, article)) => Ok(article),
            None => Err(EngineError::NotFound(id.to_string())),
        }
    }

    /// Articles about the same thing as the article with this id: its most
    /// telling words (by TF-IDF), searched, without itself and its reprints.
    pub fn related(&self, id: &str, count: usize) -> Result<Vec<Hit>, EngineError> {
        let searcher = self.reader.searcher();
        let Some((address, article)) = self.index.find(&searcher, id)? else {
            return Err(EngineError::NotFound(id.to_string()));
        };
        let fields = self.index.fields();
        let text = format!(
            "{} {} {}",
            article.title,
            article.title,
            article.body.chars().take(1500).collect::<String>()
        );
        let mut frequencies: HashMap<String, usize> = HashMap::new();
        for word in content_words(&self.analysis, &text) {
            if word.chars().count() >= 2 {
                *frequencies.entry(word).or_default() += 1;
            }
        }
        let documents = searcher.num_docs().max(1) as f64;
        let mut weighted: Vec<(f64, String)> = Vec::new();
        for (word, frequency) in frequencies {
            let document_frequency =
                searcher.doc_freq(&Term::from_field_text(fields.body, &word))? as f64;
            if document_frequency < 1.0 {
                continue;
            }
            weighted.push((
                (frequency as f64).sqrt() * (documents / document_frequency).ln(),
                word,
            ));
        }
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let words: Vec<String> = weighted.into_iter().take(12).map(|(_, w)| w).collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &words {
            for field in [fields.title, fields.body] {
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, word),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(count * 3 + 10).order_by_score(),
        )?;
        let own_cluster = article.cluster();
        let mut candidates = scored(top);
        candidates.retain(|candidate| candidate.address != address);
        let highlighter = Highlighter::new(&words);
        let mut hits = Vec::new();
        for (candidate, _) in collapse(&searcher, candidates)? {
            let doc: TantivyDocument = searcher.doc(candidate.address)?;
            let related = self.index.article_from_doc(&doc);
            if related.cluster() == own_cluster {
                continue;
            }
            let mut hit = self.hit(&related, &highlighter, Some(80));
            hit.score = candidate.score;
            hits.push(hit);
            if hits.len() == count {
                break;
            }
        }
        Ok(hits)
    }

    /// How a query is understood and, for an article id, why it matches or not.
    pub fn explain(&self, query: &str, id: Option<&str>) -> Result<Explanation, EngineError> {
        let searcher = self.reader.searcher();
        let plan = self.plan(&searcher, query, &Filters::default(), Sort::Relevance);
        let compiled = compile(&plan, self.index.fields());
        let mut explanation = Explanation {
            query: query.to_string(),
            folded: fold(query),
            segmented: self.analysis.query_words(query),
            plan,
            article: None,
        };
        if let Some(id) = id {
            let Some((address, article)) = self.index.find(&searcher, id)? else {
                return Err(EngineError::NotFound(id.to_string()));
            };
            explanation.article = Some(match compiled.explain(&searcher, address) {
                Ok(detail) => ArticleExplanation {
                    id: id.to_string(),
                    matched: true,
                    score: Some(detail.value()),
                    detail: detail.to_pretty_json(),
                    held: Vec::new(),
                    lacking: Vec::new(),
                },
                Err(_) => {
                    let (held, lacking) = words_held(&article, &explanation.plan);
                    ArticleExplanation {
                        id: id.to_string(),
                        matched: false,
                        score: None,
                        detail: String::new(),
                        held,
                        lacking,
                    }
                }
            });
        }
        Ok(explanation)
    }
}

/// Which of the searched words an article holds and lacks: why it did not match.
fn words_held(article: &Article, plan: &Plan) -> (Vec<String>, Vec<String>) {
    let text = fold(&format!("{}\n{}", article.title, article.body));
    let mut words: Vec<String> = Vec::new();
    for word in plan.text.iter().flat_map(|t| &t.words).map(|w| &w.text) {
        if !words.contains(word) {
            words.push(word.clone());
        }
    }
    words
        .into_iter()
        .partition(|word| text.contains(word.as_str()))
}

type Collected<T> = (T, usize, Option<Facets>);

fn run<T: tantivy::collector::Fruit, C>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: C,
    deadline: Option<Instant>,
    partial: &Arc<AtomicBool>,
) -> Result<Collected<T>, EngineError>
where
    C: Collector<Fruit = (T, usize, Option<Facets>)>,
{
    let budgeted = Budgeted {
        inner: collector,
        deadline,
        partial: Arc::clone(partial),
    };
    Ok(searcher.search(query, &budgeted)?)
}

fn newest_timestamp(searcher: &Searcher) -> Option<i64> {
    searcher
        .segment_readers()
        .iter()
        .filter_map(|s| s.fast_fields().date("published").ok())
        .map(|c| c.max_value().into_timestamp_secs())
        .max()
}

/// Up to 1.5× for the newest articles, halving every 90 days before the
/// newest article of the index.
fn recency_boost(timestamp: Option<i64>, newest: Option<i64>) -> f32 {
    const HALF_LIFE_DAYS: f64 = 90.0;
    match (timestamp, newest) {
        (Some(t), Some(n)) => {
            let age_days = ((n - t).max(0) as f64) / 86_400.0;
            (1.0 + 0.5 * 0.5f64.powf(age_days / HALF_LIFE_DAYS)) as f32
        }
        _ => 1.0,
    }
}

/// Groups candidates (best first) by story: the same exact-duplicate cluster,
/// or SimHashes a few bits apart. Each group is led by its best hit.
fn collapse(
    searcher: &Searcher,
    candidates: Vec<Candidate>,
) -> Result<Vec<(Candidate, Vec<DocAddress>)>, EngineError> {
    let mut columns = HashMap::new();
    let mut groups: Vec<(Candidate, Vec<DocAddress>, u64, u64)> = Vec::new();
    for candidate in candidates {
        let segment_ord = candidate.address.segment_ord;
        if let std::collections::hash_map::Entry::Vacant(entry) = columns.entry(segment_ord) {
            let segment = searcher.segment_reader(segment_ord);
            entry.insert((
                segment.fast_fields().u64("cluster")?,
                segment.fast_fields().u64("simhash")?,
            ));
        }
        let (clusters, simhashes) = &columns[&segment_ord];
        let cluster = clusters.first(candidate.address.doc_id).unwrap_or(0);
        let simhash = simhashes.first(candidate.address.doc_id).unwrap_or(0);
        let leader = groups.iter_mut().find(|(_, _, c, s)| {
            *c == cluster
                || (simhash != 0 && *s != 0 && simhash_distance(*s, simhash) <= NEAR_DUPLICATE_BITS)
        });
        match leader {
            Some((_, members, _, _)) => members.push(candidate.address),
            None => groups.push((candidate, Vec::new(), cluster, simhash)),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(c, members, _, _)| (c, members))
        .collect())
}
