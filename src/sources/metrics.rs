//! Metric sources: Prometheus range queries and etcd's own `/metrics` (scraped twice), turned into the same
//! evidence as logs. A latency quantile over the disk threshold becomes a signal of the slow-WAL-sync (or backend)
//! class on that member, citing the query, so the attribution weighs it like a logged slow fdatasync; every
//! quantile is reported with the histogram bucket edges it lies between.
//!
//! Read-only: only GET requests. A source that fails becomes a gap.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;

use crate::evidence::inputs::{
    EtcdScrapes, HistogramReading, MemberP99, RequestLatency, ScrapedHistogram, SeriesMax, UnreadableLines,
};
use crate::evidence::{
    Evidence, Gap, InputFormat, InputSummary, LatencyDigest, MemberAlias, MetricSeries, Origin, Signal, SignalKind,
    Subject, Timestamp,
};
use crate::evidence::{EvidenceKind, GapEffect, GapReason, MetricsGap, Remedy};
use crate::parse::prom::{self, Histogram};

/// Histograms whose p99 is disk evidence, with the guidance each is compared to (etcd docs / Red Hat: WAL fsync
/// p99 < 10 ms, backend commit p99 < 25 ms).
pub const DISK_HISTOGRAMS: &[(&str, f64)] =
    &[("etcd_disk_wal_fsync_duration_seconds", 10.0), ("etcd_disk_backend_commit_duration_seconds", 25.0)];

/// How to reach Prometheus.
#[derive(Debug, Clone)]
pub struct PrometheusOptions {
    /// Base URL; for a service reached through the API server's proxy, the proxy path
    /// (`/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy`) with `service` set.
    pub url: String,
    /// `ns/name:port` when Prometheus is reached through the API server's service proxy (live runs only).
    pub service: Option<String>,
    pub token: Option<String>,
    pub ca: Option<PathBuf>,
    pub timeout: Duration,
    /// A p99 at or over this many ms is disk evidence (a signal); below it is reported only.
    pub disk_ms: f64,
}

/// How to reach etcd's metrics endpoints directly.
#[derive(Debug, Clone)]
pub struct EtcdOptions {
    /// `URL` or `name=URL` (the name matches the member's name in logs, e.g. `etcd-cp1=https://10.0.0.1:2379`).
    pub endpoints: Vec<String>,
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub interval: Duration,
    pub timeout: Duration,
    pub disk_ms: f64,
}

/// Why a metric source's HTTPS client could not be built (a gap's `why`).
#[derive(Debug, thiserror::Error)]
enum ClientError {
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Ca {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    #[error("{}: not a PEM private key: {source}", path.display())]
    Key {
        path: PathBuf,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error(transparent)]
    Tls(#[from] rustls::Error),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

/// `url::ParseError` (reqwest does not re-export it).
type UrlParseError = <reqwest::Url as std::str::FromStr>::Err;

/// Why a Prometheus range query got no usable answer.
#[derive(Debug, thiserror::Error)]
enum QueryError {
    #[error("bad --prometheus-url: {0}")]
    Url(#[source] UrlParseError),
    #[error("{}", error_chain(.0))]
    Http(#[source] reqwest::Error),
    #[error("{0}")]
    Request(#[source] http::Error),
    #[error("{}", error_chain(.0))]
    Kube(#[source] kube::Error),
    #[error("no answer within the timeout")]
    Timeout,
    #[error("the answer stalled")]
    Stalled,
    #[error("HTTP {status}: not a Prometheus API answer ({source})")]
    NotPrometheus {
        status: u16,
        #[source]
        source: serde_json::Error,
    },
    #[error("HTTP {status}: {error}")]
    Failed { status: u16, error: String },
}

/// Why scraping an etcd endpoint failed.
#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error("{url}: {}", error_chain(source))]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: reqwest::StatusCode },
}

fn client(
    ca: Option<&PathBuf>,
    identity: Option<(&PathBuf, &PathBuf)>,
    timeout: Duration,
) -> Result<reqwest::Client, ClientError> {
    let read = |path: &PathBuf| std::fs::read(path).map_err(|source| ClientError::Read { path: path.clone(), source });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = ca {
        let pem = read(ca)?;
        for cert in rustls_pemfile_certs(&pem) {
            roots.add(cert).map_err(|source| ClientError::Ca { path: ca.clone(), source })?;
        }
    } else {
        roots.add_parsable_certificates(system_roots());
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let tls = match identity {
        Some((cert, key)) => {
            let certs = rustls_pemfile_certs(&read(cert)?);
            let key_pem = read(key)?;
            use rustls::pki_types::pem::PemObject as _;
            let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(&key_pem)
                .map_err(|source| ClientError::Key { path: key.clone(), source })?;
            builder.with_client_auth_cert(certs, key)?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(reqwest::Client::builder().tls_backend_preconfigured(tls).timeout(timeout).build()?)
}

fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject as _;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem).filter_map(Result::ok).collect()
}

/// The system's CA bundle (Debian / RHEL paths), for a Prometheus behind a public or corporate CA.
fn system_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .map(|pem| rustls_pemfile_certs(&pem))
        .unwrap_or_default()
}

/// Folds consecutive over-threshold readings of one member into bursts.
struct Bursts {
    subject: Subject,
    metric: String,
    origin: Origin,
    step: chrono::Duration,
    open: Option<Signal>,
    out: Vec<Signal>,
}

impl Bursts {
    fn push(&mut self, at: Timestamp, q: prom::Quantile) {
        let ms = |s: f64| s * 1000.0;
        let kind = SignalKind::MetricQuantile {
            metric: self.metric.clone(),
            quantile: 0.99,
            value_ms: ms(q.value),
            lower_ms: ms(q.lower),
            upper_ms: ms(q.upper),
        };
        match &mut self.open {
            Some(s) if at - s.last_at <= self.step * 2 => {
                s.last_at = at;
                s.count += 1;
                if let Some(d) = &mut s.latency {
                    d.record(ms(q.value));
                }
                if kind.latency_ms() > s.kind.latency_ms() {
                    s.kind = kind;
                }
            }
            _ => {
                self.close();
                self.open = Some(Signal {
                    subject: self.subject.clone(),
                    kind,
                    first_at: at,
                    last_at: at,
                    count: 1,
                    first: self.origin.clone(),
                    last: self.origin.clone(),
                    latency: Some(LatencyDigest::single(ms(q.value))),
                    time_assumed: false,
                });
            }
        }
    }

    fn close(&mut self) {
        if let Some(s) = self.open.take() {
            self.out.push(s);
        }
    }
}

#[derive(serde::Deserialize)]
struct PromResponse {
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    data: Option<PromData>,
}

#[derive(serde::Deserialize)]
struct PromData {
    result: Vec<PromSeries>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PromSeries {
    metric: std::collections::BTreeMap<String, String>,
    values: Vec<(f64, String)>,
}

fn member_of(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .get("pod")
        .or_else(|| labels.get("member"))
        .or_else(|| labels.get("instance"))
        .cloned()
        .unwrap_or_else(|| "etcd".into())
}

fn at(unix: f64) -> Option<Timestamp> {
    chrono::Utc.timestamp_opt(unix.trunc() as i64, ((unix.fract()) * 1e9) as u32).single()
}

/// A raw metric answer as fetched, kept in bundles (`metrics/*.json`) and turned into evidence by
/// [`capture_evidence`], so a bundle analysed later gives what the live run gave.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Capture {
    pub etcd_triage_capture: CaptureKind,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum CaptureKind {
    /// A Prometheus range query of one histogram's bucket rates.
    PrometheusRange {
        url: String,
        query: String,
        metric: String,
        guidance_ms: f64,
        step_secs: i64,
        disk_ms: f64,
        series: Vec<PromSeries>,
    },
    /// A Prometheus range query of plain values (leader changes, node disk latency, ...), summarised.
    PrometheusValues { url: String, query: String, what: String, unit: String, series: Vec<PromSeries> },
    /// Two scrapes of an etcd member's `/metrics`, and its `/health`.
    EtcdScrapes {
        name: String,
        url: String,
        health: String,
        t0: Timestamp,
        first: String,
        t1: Timestamp,
        second: String,
        disk_ms: f64,
    },
}

impl Capture {
    /// A short name for the file it is kept in.
    pub fn file_stem(&self) -> String {
        let clean = |s: &str| {
            s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>()
        };
        match &self.etcd_triage_capture {
            CaptureKind::PrometheusRange { metric, .. } => format!("prometheus-{}", clean(metric)),
            CaptureKind::PrometheusValues { what, .. } => format!("prometheus-{}", clean(what)),
            CaptureKind::EtcdScrapes { name, .. } => format!("etcd-{}", clean(name)),
        }
    }
}

/// Whether a file's head is a [`Capture`].
pub fn looks_like_capture(head: &str) -> bool {
    head.trim_start().starts_with('{') && head.contains("\"etcd_triage_capture\"")
}

/// Fetches the Prometheus range queries over `[from, to]`.
/// How Prometheus is reached.
pub enum Transport {
    Http {
        client: reqwest::Client,
        token: Option<String>,
    },
    /// Through the API server's service proxy, with the cluster's credentials.
    Kube(kube::Client),
}

/// The API server path of a service's proxy, from `ns/name:port`.
pub fn service_proxy_path(service: &str) -> Option<String> {
    let (ns, rest) = service.split_once('/')?;
    let (name, port) = rest.split_once(':')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    (ok(ns) && ok(name) && ok(port)).then(|| format!("/api/v1/namespaces/{ns}/services/{name}:{port}/proxy"))
}

/// Fetches the Prometheus range queries over `[from, to]` from a URL.
pub async fn capture_prometheus(opts: &PrometheusOptions, from: Timestamp, to: Timestamp) -> (Vec<Capture>, Vec<Gap>) {
    let base = opts.url.trim_end_matches('/').to_string();
    let http = match client(opts.ca.as_ref(), None, opts.timeout) {
        Ok(c) => c,
        Err(why) => {
            let reason = MetricsGap::PrometheusClient { base: base.clone(), error: why.to_string() };
            return (Vec::new(), vec![prom_gap(reason)]);
        }
    };
    let transport = Transport::Http { client: http, token: opts.token.clone() };
    capture_prometheus_via(&transport, opts, from, to).await
}

/// Fetches the Prometheus range queries over `[from, to]` through `transport`.
pub async fn capture_prometheus_via(
    transport: &Transport,
    opts: &PrometheusOptions,
    from: Timestamp,
    to: Timestamp,
) -> (Vec<Capture>, Vec<Gap>) {
    let base = opts.url.trim_end_matches('/').to_string();
    let span = (to - from).num_seconds().max(60);
    // About 240 points over the window, never finer than 15 s; rates over four steps (at least 1 m).
    let step = (span / 240).max(15);
    let range = format!("{}s", (step * 4).max(60));
    let mut captures = Vec::new();
    let mut gaps = Vec::new();
    for (metric, guidance) in DISK_HISTOGRAMS {
        let query = format!("sum by (le, pod, instance) (rate({metric}_bucket[{range}]))");
        match query_range(transport, &base, &query, from, to, step, opts.timeout).await {
            Ok(series) => captures.push(Capture {
                etcd_triage_capture: CaptureKind::PrometheusRange {
                    url: base.clone(),
                    query,
                    metric: metric.to_string(),
                    guidance_ms: *guidance,
                    step_secs: step,
                    disk_ms: opts.disk_ms,
                    series,
                },
            }),
            Err(why) => {
                gaps.push(prom_gap(MetricsGap::PrometheusQuery { base: base.clone(), query, error: why.to_string() }))
            }
        }
    }
    for (what, unit, template) in VALUE_QUERIES {
        let query = template.replace("{range}", &range);
        match query_range(transport, &base, &query, from, to, step, opts.timeout).await {
            Ok(series) => captures.push(Capture {
                etcd_triage_capture: CaptureKind::PrometheusValues {
                    url: base.clone(),
                    query,
                    what: what.to_string(),
                    unit: unit.to_string(),
                    series,
                },
            }),
            Err(why) => {
                gaps.push(prom_gap(MetricsGap::PrometheusQuery { base: base.clone(), query, error: why.to_string() }))
            }
        }
    }
    (captures, gaps)
}

/// Prometheus range queries over `[from, to]`, as evidence.
pub async fn prometheus(opts: &PrometheusOptions, from: Timestamp, to: Timestamp) -> Evidence {
    let (captures, gaps) = capture_prometheus(opts, from, to).await;
    let mut evidence = Evidence { gaps, ..Evidence::default() };
    for c in &captures {
        evidence.extend(capture_evidence(c, None));
    }
    evidence
}

/// Turns a capture into evidence (pure). `shown` names the file it was read from, when it was.
pub fn capture_evidence(capture: &Capture, shown: Option<&str>) -> Evidence {
    match &capture.etcd_triage_capture {
        CaptureKind::PrometheusRange { url, query, metric, guidance_ms, step_secs, disk_ms, series } => {
            prometheus_evidence(url, query, metric, *guidance_ms, *step_secs, *disk_ms, series, shown)
        }
        CaptureKind::PrometheusValues { url, query, what, unit, series } => {
            values_evidence(url, query, what, unit, series, shown)
        }
        CaptureKind::EtcdScrapes { name, url, health, t0, first, t1, second, disk_ms } => {
            etcd_evidence(name, url, health, *t0, first, *t1, second, *disk_ms, shown)
        }
    }
}

/// node-exporter's mean write latency per device (write time over writes completed): kept as a series per node
/// and device, shown with the node it is mapped to.
pub const NODE_DISK_WRITE_LATENCY: &str = "node disk write latency";

/// Supporting figures queried beside the disk histograms: what, unit, PromQL (`{range}` is the rate window).
const VALUE_QUERIES: &[(&str, &str, &str)] = &[
    (
        "etcd leader changes in 15 min",
        "",
        "max by (pod, instance) (increase(etcd_server_leader_changes_seen_total[15m]))",
    ),
    ("etcd has leader (min)", "", "min by (pod, instance) (etcd_server_has_leader)"),
    // Ties each scraped instance to the member id its logs use (see `MemberAlias`).
    ("etcd member ids", "", "max by (pod, instance, server_id) (etcd_server_id)"),
    (
        "etcd peer round trip p99",
        "s",
        "histogram_quantile(0.99, sum by (le, pod, instance) (rate(etcd_network_peer_round_trip_time_seconds_bucket[{range}])))",
    ),
    (
        NODE_DISK_WRITE_LATENCY,
        "s",
        "rate(node_disk_write_time_seconds_total[{range}]) / rate(node_disk_writes_completed_total[{range}])",
    ),
    ("node disk busy (io time per second)", "", "rate(node_disk_io_time_seconds_total[{range}])"),
    ("node disk queue (weighted io time per second)", "", "rate(node_disk_io_time_weighted_seconds_total[{range}])"),
    ("container restarts", "", "increase(kube_pod_container_status_restarts_total[{range}]) > 0"),
];

fn values_evidence(
    base: &str,
    query: &str,
    what: &str,
    unit: &str,
    series: &[PromSeries],
    shown: Option<&str>,
) -> Evidence {
    let described = format!("prometheus {base}: {query}");
    let source = match shown {
        Some(file) => format!("{file} ({described})"),
        None => described,
    };
    let mut rows: Vec<SeriesMax> = Vec::new();
    let mut points = 0u64;
    let mut aliases = Vec::new();
    let mut kept = Vec::new();
    for s in series {
        if what == NODE_DISK_WRITE_LATENCY
            && let Some(instance) = s.metric.get("instance")
        {
            let points: Vec<(Timestamp, f64)> = s
                .values
                .iter()
                .filter_map(|(t, v)| Some((at(*t)?, v.parse::<f64>().ok().filter(|v| v.is_finite())? * 1000.0)))
                .collect();
            if !points.is_empty() {
                let device = s.metric.get("device").map(String::as_str).unwrap_or("?");
                kept.push(MetricSeries {
                    subject: Subject::Node { name: instance.clone() },
                    metric: format!("{NODE_DISK_WRITE_LATENCY} ({device})"),
                    quantile: None,
                    origin: Origin::new(source.clone(), None),
                    points,
                });
            }
        }
        if let Some(id) = s.metric.get("server_id") {
            aliases.push(MemberAlias {
                alias: member_of(&s.metric),
                id: id.clone(),
                origin: Origin::new(source.clone(), None),
            });
        }
        let labels: Vec<(String, String)> = ["pod", "instance", "device", "namespace", "container"]
            .iter()
            .filter_map(|k| s.metric.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let mut best: Option<(f64, f64)> = None;
        for (t, v) in &s.values {
            let Ok(v) = v.parse::<f64>() else { continue };
            if !v.is_finite() {
                continue;
            }
            points += 1;
            if best.is_none_or(|(b, _)| v > b) {
                best = Some((v, *t));
            }
        }
        if let Some((max, t)) = best {
            rows.push(SeriesMax { labels, max, at: at(t) });
        }
    }
    rows.sort_by(|a, b| b.max.total_cmp(&a.max));
    let more = rows.len().saturating_sub(4) as u64;
    rows.truncate(4);
    let format = InputFormat::PrometheusValues { what: what.to_string(), seconds: unit == "s", top: rows, more };
    let mut input = InputSummary::without_lines(source, format, 0);
    input.lines = points;
    Evidence { inputs: vec![input], member_aliases: aliases, metric_series: kept, ..Evidence::default() }
}

#[allow(clippy::too_many_arguments)] // the fields of one capture
fn prometheus_evidence(
    base: &str,
    query: &str,
    metric: &str,
    guidance: f64,
    step: i64,
    disk_ms: f64,
    series: &[PromSeries],
    shown: Option<&str>,
) -> Evidence {
    let mut evidence = Evidence::default();
    // (member, time) -> buckets
    let mut per: std::collections::BTreeMap<(String, i64), Vec<(f64, f64)>> = std::collections::BTreeMap::new();
    for s in series {
        let Some(le) = s.metric.get("le").and_then(|l| if l == "+Inf" { Some(f64::INFINITY) } else { l.parse().ok() })
        else {
            continue;
        };
        for (t, v) in &s.values {
            let Ok(v) = v.parse::<f64>() else { continue };
            per.entry((member_of(&s.metric), (*t * 1000.0) as i64)).or_default().push((le, v));
        }
    }
    let described = format!("prometheus {base} histogram p99 of: {query}");
    let source = match shown {
        Some(file) => format!("{file} ({described})"),
        None => described,
    };
    let origin = Origin::new(source.clone(), None);
    let mut by_member: std::collections::BTreeMap<String, Bursts> = std::collections::BTreeMap::new();
    let mut worst: std::collections::BTreeMap<String, (f64, f64, f64)> = std::collections::BTreeMap::new();
    let mut series_by_member: std::collections::BTreeMap<String, Vec<(Timestamp, f64)>> =
        std::collections::BTreeMap::new();
    let mut points = 0u64;
    let mut over = 0u64;
    for ((member, t_ms), mut buckets) in per {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let h = Histogram { labels: Vec::new(), buckets, sum: None, count: None };
        let Some(q) = h.quantile(0.99) else { continue };
        let Some(t) = at(t_ms as f64 / 1000.0) else { continue };
        points += 1;
        if q.value.is_finite() {
            series_by_member.entry(member.clone()).or_default().push((t, q.value * 1000.0));
        }
        let w = worst.entry(member.clone()).or_insert((0.0, 0.0, 0.0));
        if q.value > w.0 {
            *w = (q.value, q.lower, q.upper);
        }
        if q.value * 1000.0 >= disk_ms {
            over += 1;
            by_member
                .entry(member.clone())
                .or_insert_with(|| Bursts {
                    subject: Subject::EtcdMember { name: member.clone() },
                    metric: metric.to_string(),
                    origin: origin.clone(),
                    step: chrono::Duration::seconds(step),
                    open: None,
                    out: Vec::new(),
                })
                .push(t, q);
        }
    }
    for (_, mut b) in by_member {
        b.close();
        evidence.signals.extend(b.out);
    }
    evidence.metric_series.extend(series_by_member.into_iter().map(|(member, points)| MetricSeries {
        subject: Subject::EtcdMember { name: member },
        metric: metric.to_string(),
        quantile: Some(0.99),
        origin: origin.clone(),
        points,
    }));
    let worst = worst
        .into_iter()
        .map(|(member, (p99_secs, lower_secs, upper_secs))| MemberP99 { member, p99_secs, lower_secs, upper_secs })
        .collect();
    let format = InputFormat::PrometheusRange { step_secs: step, worst, guidance_ms: guidance, disk_ms };
    let mut input = InputSummary::without_lines(source, format, 0);
    input.lines = points;
    input.matched = over;
    evidence.inputs.push(input);
    if series.is_empty() {
        evidence.gaps.push(Gap {
            reason: GapReason::Metrics(MetricsGap::NoSeries { metric: metric.to_string() }),
            missing: EvidenceKind::EtcdMetrics,
            effect: GapEffect::NotSeen,
            remedy: Some(Remedy::CheckPrometheusScrape),
        });
    }
    evidence
}

fn prom_gap(reason: MetricsGap) -> Gap {
    Gap {
        reason: GapReason::Metrics(reason),
        missing: EvidenceKind::EtcdMetrics,
        effect: GapEffect::NotSeen,
        remedy: Some(Remedy::CheckPrometheusFlags),
    }
}

async fn query_range(
    transport: &Transport,
    base: &str,
    query: &str,
    from: Timestamp,
    to: Timestamp,
    step: i64,
    timeout: Duration,
) -> Result<Vec<PromSeries>, QueryError> {
    let absolute = if base.starts_with('/') { format!("http://api-server{base}") } else { base.to_string() };
    let url = reqwest::Url::parse_with_params(
        &format!("{absolute}/api/v1/query_range"),
        &[
            ("query", query.to_string()),
            ("start", from.timestamp().to_string()),
            ("end", to.timestamp().to_string()),
            ("step", format!("{step}s")),
        ],
    )
    .map_err(QueryError::Url)?;
    let (status, body) = match transport {
        Transport::Http { client, token } => {
            let mut req = client.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.map_err(QueryError::Http)?;
            let status = resp.status().as_u16();
            (status, resp.bytes().await.map_err(QueryError::Http)?.to_vec())
        }
        Transport::Kube(client) => {
            let path_and_query = format!("{}?{}", url.path(), url.query().unwrap_or(""));
            let req = http::Request::get(path_and_query).body(Vec::new()).map_err(QueryError::Request)?;
            let answer = tokio::time::timeout(timeout, client.send(req.map(kube::client::Body::from)))
                .await
                .map_err(|_| QueryError::Timeout)?
                .map_err(QueryError::Kube)?;
            let status = answer.status().as_u16();
            let body = tokio::time::timeout(timeout, answer.into_body().collect_bytes())
                .await
                .map_err(|_| QueryError::Stalled)?
                .map_err(QueryError::Kube)?;
            (status, body.to_vec())
        }
    };
    let parsed: PromResponse =
        serde_json::from_slice(&body).map_err(|source| QueryError::NotPrometheus { status, source })?;
    if parsed.status != "success" {
        return Err(QueryError::Failed { status, error: parsed.error.unwrap_or_default() });
    }
    Ok(parsed.data.map(|d| d.result).unwrap_or_default())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Scrapes each endpoint's `/metrics` twice `interval` apart, plus `/health`.
pub async fn capture_etcd(opts: &EtcdOptions) -> (Vec<Capture>, Vec<Gap>) {
    let identity = opts.cert.as_ref().zip(opts.key.as_ref());
    let http = match client(opts.cacert.as_ref(), identity, opts.timeout) {
        Ok(c) => c,
        Err(why) => {
            let gap = Gap {
                reason: GapReason::Metrics(MetricsGap::EtcdClient { error: why.to_string() }),
                missing: EvidenceKind::EtcdMetrics,
                effect: GapEffect::NotSeen,
                remedy: Some(Remedy::CheckEtcdCerts),
            };
            return (Vec::new(), vec![gap]);
        }
    };
    let mut captures = Vec::new();
    let mut gaps = Vec::new();
    for endpoint in &opts.endpoints {
        let (name, url) = match endpoint.split_once('=') {
            Some((n, u)) if !u.is_empty() && !n.contains('/') => (n.to_string(), u.trim_end_matches('/').to_string()),
            _ => {
                let url = endpoint.trim_end_matches('/').to_string();
                let name = url.split("://").nth(1).unwrap_or(&url).to_string();
                (name, url)
            }
        };
        match scrape_twice(&http, &url, opts.interval).await {
            Ok((health, t0, first, t1, second)) => captures.push(Capture {
                etcd_triage_capture: CaptureKind::EtcdScrapes {
                    name,
                    url,
                    health,
                    t0,
                    first,
                    t1,
                    second,
                    disk_ms: opts.disk_ms,
                },
            }),
            Err(why) => gaps.push(Gap {
                reason: GapReason::Metrics(MetricsGap::EtcdScrape { url: url.clone(), error: why.to_string() }),
                missing: EvidenceKind::EtcdMetrics,
                effect: GapEffect::NotSeen,
                remedy: Some(Remedy::CheckEtcdEndpoints),
            }),
        }
    }
    (captures, gaps)
}

/// etcd's `/metrics` scraped twice, as evidence.
pub async fn etcd_direct(opts: &EtcdOptions) -> Evidence {
    let (captures, gaps) = capture_etcd(opts).await;
    let mut evidence = Evidence { gaps, ..Evidence::default() };
    for c in &captures {
        evidence.extend(capture_evidence(c, None));
    }
    evidence
}

#[allow(clippy::too_many_arguments)] // the fields of one capture
fn etcd_evidence(
    name: &str,
    url: &str,
    health: &str,
    t0: Timestamp,
    first: &str,
    t1: Timestamp,
    second: &str,
    disk_ms: f64,
    shown: Option<&str>,
) -> Evidence {
    let mut evidence = Evidence::default();
    let (first, first_errors) = prom::parse_text(first);
    let (second, second_errors) = prom::parse_text(second);
    let described = format!("etcd {url}/metrics");
    let source = match shown {
        Some(file) => format!("{file} ({described})"),
        None => described,
    };
    let origin = Origin::new(source.clone(), None);
    let mut histograms = Vec::new();
    for (metric, guidance) in DISK_HISTOGRAMS {
        let before = prom::Histogram::merged(&prom::histograms(&first, metric));
        let after = prom::Histogram::merged(&prom::histograms(&second, metric));
        let Some(delta) = after.as_ref().zip(before.as_ref()).and_then(|(a, b)| a.delta(b)) else {
            let reading = HistogramReading::NotExposedOrReset;
            histograms.push(ScrapedHistogram { metric: metric.to_string(), reading });
            continue;
        };
        match delta.quantile(0.99) {
            None => {
                let reading = HistogramReading::NoObservations;
                histograms.push(ScrapedHistogram { metric: metric.to_string(), reading });
            }
            Some(q) => {
                let reading = HistogramReading::P99 {
                    p99_secs: q.value,
                    lower_secs: q.lower,
                    upper_secs: q.upper,
                    guidance_ms: *guidance,
                    observations: delta.buckets.last().map_or(0.0, |b| b.1),
                };
                histograms.push(ScrapedHistogram { metric: metric.to_string(), reading });
                if q.value.is_finite() {
                    evidence.metric_series.push(MetricSeries {
                        subject: Subject::EtcdMember { name: name.to_string() },
                        metric: metric.to_string(),
                        quantile: Some(0.99),
                        origin: origin.clone(),
                        points: vec![(t1, q.value * 1000.0)],
                    });
                }
                if q.value * 1000.0 >= disk_ms {
                    let mut b = Bursts {
                        subject: Subject::EtcdMember { name: name.to_string() },
                        metric: metric.to_string(),
                        origin: origin.clone(),
                        step: t1 - t0,
                        open: None,
                        out: Vec::new(),
                    };
                    b.push(t1, q);
                    b.close();
                    for mut s in b.out {
                        s.first_at = t0;
                        evidence.signals.push(s);
                    }
                }
            }
        }
    }
    let leader_changes = |samples: &[prom::Sample]| {
        samples.iter().find(|s| s.name == "etcd_server_leader_changes_seen_total").map(|s| s.value)
    };
    let leader_changes = leader_changes(&first).zip(leader_changes(&second)).map(|(a, b)| (b - a, b));
    let has_leader = second.iter().find(|s| s.name == "etcd_server_has_leader").map(|h| h.value);
    let member_id = second.iter().find(|s| s.name == "etcd_server_id").and_then(|s| s.label("server_id"));
    if let Some(id) = member_id {
        evidence.member_aliases.push(MemberAlias {
            alias: name.to_string(),
            id: id.to_string(),
            origin: origin.clone(),
        });
    }
    // A line the exposition parser could not read is counted, and the first one named, never dropped silently.
    let malformed = (first_errors.len() + second_errors.len()) as u64;
    let unreadable =
        first_errors.first().map(|e| (false, e)).or(second_errors.first().map(|e| (true, e))).map(|(in_second, e)| {
            UnreadableLines { count: malformed, in_second, line: e.line, message: e.message.clone() }
        });
    let format = InputFormat::EtcdScrapes(Box::new(EtcdScrapes {
        interval_secs: (t1 - t0).num_seconds(),
        health: health.to_string(),
        histograms,
        leader_changes,
        has_leader,
        member_id: member_id.map(str::to_string),
        unreadable,
    }));
    let mut input = InputSummary::without_lines(source, format, malformed);
    input.subject = Some(Subject::EtcdMember { name: name.to_string() });
    input.lines = (first.len() + second.len()) as u64;
    input.malformed_lines = first_errors.iter().chain(&second_errors).take(20).map(|e| e.line).collect();
    evidence.inputs.push(input);
    evidence
}

type Scrapes = (String, Timestamp, String, Timestamp, String);
async fn scrape_twice(http: &reqwest::Client, url: &str, interval: Duration) -> Result<Scrapes, ScrapeError> {
    let get = |path: &str| {
        let url = format!("{url}{path}");
        async move {
            let resp = http.get(&url).send().await.map_err(|source| ScrapeError::Http { url: url.clone(), source })?;
            let status = resp.status();
            let text = resp.text().await.map_err(|source| ScrapeError::Http { url: url.clone(), source })?;
            if !status.is_success() && !url.ends_with("/health") {
                return Err(ScrapeError::Status { url, status });
            }
            Ok::<_, ScrapeError>(text)
        }
    };
    let health = get("/health").await.map(|h| h.trim().to_string()).unwrap_or_else(|e| format!("unknown ({e})"));
    let t0 = chrono::Utc::now();
    let first = get("/metrics").await?;
    tokio::time::sleep(interval).await;
    let t1 = chrono::Utc::now();
    let second = get("/metrics").await?;
    Ok((health, t0, first, t1, second))
}

/// One line on the API server's own view of etcd from its `/metrics` text: the slowest operations' p99 since the
/// API server started (cumulative histograms), with bucket edges.
///
/// Also returns the exposition lines that could not be parsed, for the input's malformed count.
pub fn apiserver_summary(text: &str) -> (Option<InputFormat>, Vec<prom::ParseError>) {
    let (samples, errors) = prom::parse_text(text);
    let mut rows: Vec<RequestLatency> = prom::histograms(&samples, "etcd_request_duration_seconds")
        .iter()
        .filter_map(|h| {
            let q = h.quantile(0.99)?;
            let label = |k: &str| h.labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.clone());
            Some(RequestLatency {
                operation: label("operation"),
                resource: label("type"),
                p99_secs: q.value,
                lower_secs: q.lower,
                upper_secs: q.upper,
            })
        })
        .collect();
    if rows.is_empty() {
        return (None, errors);
    }
    rows.sort_by(|a, b| b.p99_secs.total_cmp(&a.p99_secs));
    rows.truncate(3);
    (Some(InputFormat::ApiServerEtcdLatency { slowest: rows }), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apiserver_summary_names_the_slowest_operations_with_bucket_edges() {
        let text = "etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"0.005\"} 99\n\
                    etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"+Inf\"} 100\n\
                    etcd_request_duration_seconds_bucket{operation=\"update\",type=\"/registry/leases\",le=\"0.4\"} 10\n\
                    etcd_request_duration_seconds_bucket{operation=\"update\",type=\"/registry/leases\",le=\"0.8\"} 100\n\
                    etcd_request_duration_seconds_bucket{operation=\"update\",type=\"/registry/leases\",le=\"+Inf\"} 100\n";
        let (s, errors) = apiserver_summary(text);
        assert!(errors.is_empty(), "{errors:?}");
        let Some(InputFormat::ApiServerEtcdLatency { slowest }) = s else { panic!("{s:?}") };
        let named = |r: &RequestLatency| (r.operation.clone().unwrap(), r.resource.clone().unwrap());
        assert_eq!(named(&slowest[0]), ("update".into(), "/registry/leases".into()), "{slowest:?}");
        assert_eq!((slowest[0].lower_secs, slowest[0].upper_secs), (0.4, 0.8), "{slowest:?}");
        assert_eq!(slowest.len(), 2, "{slowest:?}");
        assert!(apiserver_summary("# nothing\n").0.is_none());
        // A damaged line is reported with its line number beside what could be read.
        let damaged = format!("{text}etcd_request_duration_seconds_bucket{{operation=\"get\" 12\n");
        let (s, errors) = apiserver_summary(&damaged);
        assert!(s.is_some());
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![6]);
    }

    #[test]
    fn consecutive_readings_fold_into_one_burst() {
        let t = |s: i64| chrono::Utc.timestamp_opt(1_764_000_000 + s, 0).unwrap();
        let mut b = Bursts {
            subject: Subject::EtcdMember { name: "etcd-0".into() },
            metric: "etcd_disk_wal_fsync_duration_seconds".into(),
            origin: Origin::new("q", None),
            step: chrono::Duration::seconds(15),
            open: None,
            out: Vec::new(),
        };
        let q = |v| prom::Quantile { value: v, lower: 0.512, upper: 1.024 };
        b.push(t(0), q(0.6));
        b.push(t(15), q(0.9));
        b.push(t(300), q(0.7));
        b.close();
        assert_eq!(b.out.len(), 2);
        assert_eq!(b.out[0].count, 2);
        assert_eq!(b.out[0].kind.latency_ms(), Some(900.0));
        assert_eq!(b.out[0].class(), crate::evidence::SignalClass::SlowWalSync);
    }

    /// A client that cannot be built says which file and why, with the I/O or TLS error as its source.
    #[test]
    fn client_errors_name_the_file_and_keep_their_source() {
        use std::error::Error as _;
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("ca.pem");
        let e = client(Some(&missing), None, Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().starts_with(&format!("reading {}: ", missing.display())), "{e}");
        assert!(e.source().is_some_and(|s| s.is::<std::io::Error>()), "{e:?}");
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&cert, "").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let e = client(None, Some((&cert, &key)), Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().starts_with(&format!("{}: not a PEM private key: ", key.display())), "{e}");
        assert!(e.source().is_some(), "{e:?}");
    }
}
