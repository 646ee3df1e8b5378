//! Live source: collects from a running cluster (kube-rs, read-only) into a bundle-shaped staging folder.
//!
//! Every answer is written raw (secrets redacted unless `--no-redact`) under the layout a bundle uses, and the run
//! ends by writing `manifest.json`. The live report is then read from that folder with the same reader `analyze`
//! uses for a bundle, so a live run and `analyze incident.tar.gz` of the bundle it wrote give the same report by
//! construction, and memory stays bounded (logs stream to disk, never into memory).
//!
//! Only GET requests are made. Whatever cannot be collected (403, 401, timeouts, missing previous logs, the
//! deadline) becomes a [`Gap`] with what is missing, why, how it lowers confidence and how to get it.
//!
//! Files by job: this one runs a collection in named steps ([`collect`]) and turns a panicked collector into a
//! gap; `client` sends the GETs and writes the answers; `collectors` holds what is collected (lists, discovery,
//! logs, metrics).

mod client;
mod collectors;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::evidence::{ApiFailure, Collection, CollectionScope, Discovery, Gap, Timestamp};
use crate::evidence::{ClusterGap, Collector, EvidenceKind as Ek, GapEffect as Fx, Listed, Remedy};
use crate::redact::Redactor;
use crate::sources::bundle::{self, Manifest};

use client::{Ctx, Failure, Transport, new_gap};
use collectors::{
    ControlPlanePod, LogTarget, Restarted, Role, discover, fetch_captures, fetch_log, fetch_metrics, list_pages,
    list_workload_pods,
};

/// How to collect.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Where and how to connect (kubectl's flags over the kubeconfig).
    pub connect: super::kubeconfig::ConnectOptions,
    /// Workload namespace; `None` examines all namespaces.
    pub namespace: Option<String>,
    pub window_from: Timestamp,
    pub window_to: Timestamp,
    pub window_basis: crate::evidence::CollectionWindow,
    pub now: Timestamp,
    pub request_timeout: Duration,
    /// The whole collection's budget; what is unfinished then becomes a gap.
    pub deadline: Duration,
    pub concurrency: usize,
    pub page_size: u32,
    /// Each API answer (a list page, `/version`, `/metrics`) is read up to this many bytes; a larger one is a gap.
    pub max_response_bytes: u64,
    /// Each container log is read up to this many bytes (also sent as `limitBytes`); the rest is a gap.
    pub max_log_bytes: u64,
    /// All container logs of the run together are read up to this many bytes.
    pub max_total_log_bytes: u64,
    pub etcd_place: Option<(String, String)>,
    pub apiserver_place: Option<(String, String)>,
    /// Lines of a crash-looping container's previous (and current) log.
    pub log_tail: i64,
    /// At most this many restarted containers get their logs fetched (most restarted first).
    pub max_container_logs: usize,
    pub redact: bool,
    pub checksums: bool,
    /// Show a spinner on stderr (only when it is a terminal).
    pub progress: bool,
    /// Metric sources queried alongside, their raw answers kept as `metrics/*.json`.
    pub prometheus: Option<super::metrics::PrometheusOptions>,
    pub etcd_metrics: Option<super::metrics::EtcdOptions>,
}

/// Collection cannot start or the API server cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Config(#[from] super::kubeconfig::ConfigError),
    /// Connection refused or no answer in time: only these suggest that the API server is down.
    #[error(
        "cannot reach the API server at {server}: {failure}\n\
         When etcd itself is failing the API server often cannot answer. On a control-plane node, read the etcd \
         and kube-apiserver logs directly:\n  sudo kubectl etcd-triage analyze /var/log/pods"
    )]
    Unreachable { server: String, failure: ApiFailure },
    /// The API server answered but its certificate was refused.
    #[error("the API server at {server} is not trusted: {reason}\nTo connect: {advice}\n(TLS error: {detail})")]
    Tls { server: String, reason: String, advice: &'static str, detail: String },
    /// Any other failure to talk to it (a name that does not resolve, a reset, plain HTTP to an HTTPS port).
    #[error(
        "cannot connect to the API server at {server}: {failure}\nCheck the server address (--server, or the cluster's \
         server in the kubeconfig) and any proxy or tunnel in between"
    )]
    Connect { server: String, failure: ApiFailure },
    #[error(
        "the API server at {server} rejected the credentials (401 Unauthorized: {failure}); the token may have \
         expired: refresh it (e.g. re-run your cloud's get-credentials command) or pass --kubeconfig/--context. \
         On a control-plane node: sudo kubectl etcd-triage analyze /var/log/pods"
    )]
    Unauthorized { server: String, failure: ApiFailure },
    #[error("writing collected evidence to {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Collects into `dir` (an empty folder) and writes its manifest. Returns the manifest.
///
/// The steps: connect, ask `/version` (which tells whether the API server can be used at all), run the first
/// round of independent collectors side by side, then fetch events and logs for what it found, and write the
/// manifest. A collector that panics becomes a gap naming it, never silence.
pub async fn collect(opts: &LiveOptions, dir: &Path) -> Result<Manifest, CollectError> {
    let (ctx, server, context) = connect(opts, dir).await?;
    let cluster_version = first_request(&ctx, &server).await?;
    let found = first_round(&ctx).await;
    let mut collectors = Collectors::default();
    spawn_event_lists(&ctx, &mut collectors, &found);
    spawn_control_plane_logs(&ctx, &mut collectors, &found);
    spawn_restarted_logs(&ctx, &mut collectors, found.restarted);
    for gap in collectors.join_all().await {
        ctx.push_gap(gap);
    }
    throttling_gap(&ctx);
    ctx.progress.finish_and_clear();
    let discovery = [found.etcd_found, found.apiservers_found].into_iter().flatten().collect();
    write_manifest(&ctx, dir, Collected { server, context, cluster_version, discovery })
}

/// When the API server throttled requests, one gap says how often, how long the run waited and how many gave up
/// (those have their own gap saying what is missing).
fn throttling_gap(ctx: &Ctx) {
    let throttled = ctx.throttled.load(Ordering::Relaxed);
    if throttled == 0 {
        return;
    }
    let gave_up = ctx.throttle_gave_up.load(Ordering::Relaxed);
    let waited = Duration::from_millis(ctx.throttle_wait_ms.load(Ordering::Relaxed));
    let reason = ClusterGap::Throttled {
        answers: throttled,
        waited_secs: waited.as_secs(),
        max_retries: client::MAX_RETRIES,
        max_wait_secs: client::MAX_RETRY_WAIT.as_secs(),
        gave_up,
    };
    let effect = if gave_up == 0 { Fx::None } else { Fx::NotCollected };
    ctx.push_gap(new_gap(reason, Ek::Objects, effect, Some(Remedy::Throttled)));
}

/// Connects and builds the shared collection context.
async fn connect(opts: &LiveOptions, dir: &Path) -> Result<(Arc<Ctx>, String, String), CollectError> {
    let mut connect = opts.connect.clone();
    connect.connect_timeout = opts.request_timeout.min(Duration::from_secs(10));
    let super::kubeconfig::Connection { client, server, context } = super::kubeconfig::connect(&connect).await?;
    let progress = if opts.progress {
        let p = indicatif::ProgressBar::new_spinner();
        p.enable_steady_tick(Duration::from_millis(120));
        p
    } else {
        indicatif::ProgressBar::hidden()
    };
    let ctx = Arc::new(Ctx {
        client,
        opts: opts.clone(),
        dir: dir.to_path_buf(),
        sem: Semaphore::new(opts.concurrency.max(1)),
        redactor: opts.redact.then(Redactor::new),
        deadline: Instant::now() + opts.deadline,
        files: Mutex::new(Vec::new()),
        gaps: Mutex::new(Vec::new()),
        requests: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        throttled: AtomicU64::new(0),
        throttle_gave_up: AtomicU64::new(0),
        throttle_wait_ms: AtomicU64::new(0),
        log_bytes: AtomicU64::new(0),
        progress,
    });
    Ok((ctx, server, context))
}

/// The first request tells whether the API server can be used at all; its answer is the cluster's version.
async fn first_request(ctx: &Ctx, server: &str) -> Result<Option<String>, CollectError> {
    let cluster_version = match ctx.get_bytes("/version", None).await {
        Ok(body) => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("gitVersion").and_then(|g| g.as_str()).map(str::to_string)),
        Err(f) if f.status == Some(401) => {
            return Err(CollectError::Unauthorized { server: server.to_string(), failure: f.typed() });
        }
        Err(f) if f.status.is_none() && !matches!(f.transport, Some(Transport::TooLarge)) => {
            return Err(unusable(server.to_string(), f));
        }
        Err(f) => {
            ctx.gap(ClusterGap::Version { failure: f.typed() }, Ek::ClusterInfo, Fx::None, None);
            None
        }
    };
    Ok(cluster_version)
}

/// What the first round of collectors found: the control plane's pods and the restarted containers.
#[derive(Default)]
struct FirstRound {
    etcd: Vec<ControlPlanePod>,
    etcd_found: Option<Discovery>,
    apiservers: Vec<ControlPlanePod>,
    apiservers_found: Option<Discovery>,
    restarted: Vec<Restarted>,
}

/// Discovery, workloads, nodes and metrics are independent: run them side by side.
async fn first_round(ctx: &Arc<Ctx>) -> FirstRound {
    let etcd_task = tokio::spawn(discover(ctx.clone(), Role::Etcd));
    let apiserver_task = tokio::spawn(discover(ctx.clone(), Role::ApiServer));
    let pods_task = tokio::spawn(list_workload_pods(ctx.clone()));
    let nodes_task =
        tokio::spawn(list_pages(ctx.clone(), "/api/v1/nodes".into(), "objects/nodes".into(), Listed::Nodes));
    let metrics_task = tokio::spawn(fetch_metrics(ctx.clone()));
    let captures_task = tokio::spawn(fetch_captures(ctx.clone()));
    let (etcd, etcd_found) = ctx.joined(Collector::EtcdDiscovery, etcd_task.await);
    let (apiservers, apiservers_found) = ctx.joined(Collector::ApiServerDiscovery, apiserver_task.await);
    let restarted = ctx.joined(Collector::WorkloadPods, pods_task.await);
    ctx.joined(Collector::Nodes, nodes_task.await);
    ctx.joined(Collector::Metrics, metrics_task.await);
    ctx.joined(Collector::MetricCaptures, captures_task.await);
    FirstRound { etcd, etcd_found, apiservers, apiservers_found, restarted }
}

/// Events: the workload scope plus wherever etcd and kube-apiserver run.
fn spawn_event_lists(ctx: &Arc<Ctx>, tasks: &mut Collectors, found: &FirstRound) {
    let mut event_namespaces: BTreeSet<Option<String>> = BTreeSet::new();
    match &ctx.opts.namespace {
        None => {
            event_namespaces.insert(None);
        }
        Some(ns) => {
            event_namespaces.insert(Some(ns.clone()));
            for p in found.etcd.iter().chain(&found.apiservers) {
                event_namespaces.insert(Some(p.namespace.clone()));
            }
        }
    }
    for ns in event_namespaces {
        let (core, group, tag) = match &ns {
            None => ("/api/v1/events".to_string(), "/apis/events.k8s.io/v1/events".to_string(), "all".to_string()),
            Some(ns) => (
                format!("/api/v1/namespaces/{ns}/events"),
                format!("/apis/events.k8s.io/v1/namespaces/{ns}/events"),
                ns.clone(),
            ),
        };
        let list = |path: &str| Collector::List { path: path.to_string() };
        tasks.spawn(list(&core), list_pages(ctx.clone(), core, format!("objects/events-{tag}"), Listed::Events));
        tasks.spawn(
            list(&group),
            list_pages(ctx.clone(), group, format!("objects/events.k8s.io-{tag}"), Listed::EventsK8sIo),
        );
    }
}

/// Logs of every etcd and kube-apiserver container (current and previous).
fn spawn_control_plane_logs(ctx: &Arc<Ctx>, tasks: &mut Collectors, found: &FirstRound) {
    let since = Some(ctx.opts.window_from);
    let pods = found.etcd.iter().map(|p| (p, Role::Etcd)).chain(found.apiservers.iter().map(|p| (p, Role::ApiServer)));
    for (pod, role) in pods {
        for (container, restarts) in &pod.containers {
            tasks.spawn_log(ctx, pod.clone().into_target(container, *restarts, false), since, None, role);
            if *restarts > 0 {
                tasks.spawn_log(ctx, pod.clone().into_target(container, *restarts, true), since, None, role);
            }
        }
    }
}

/// Logs of restarted containers, most restarted and crash-looping first, up to `--max-container-logs`; the rest
/// is a gap naming them.
fn spawn_restarted_logs(ctx: &Arc<Ctx>, tasks: &mut Collectors, mut restarted: Vec<Restarted>) {
    let opts = &ctx.opts;
    restarted.sort_by(|a, b| {
        (b.crash_looping, b.restart_count, &a.namespace, &a.pod).cmp(&(
            a.crash_looping,
            a.restart_count,
            &b.namespace,
            &b.pod,
        ))
    });
    let skipped = restarted.len().saturating_sub(opts.max_container_logs);
    if skipped > 0 {
        let names: Vec<(String, String)> =
            restarted[opts.max_container_logs..].iter().take(5).map(|r| (r.namespace.clone(), r.pod.clone())).collect();
        ctx.gap(
            ClusterGap::ContainerLogsSkipped { skipped, first: names, max: opts.max_container_logs },
            Ek::ContainerLogs,
            Fx::NotSeen,
            Some(Remedy::RaiseMaxContainerLogs),
        );
    }
    for r in restarted.into_iter().take(opts.max_container_logs) {
        let target = LogTarget {
            namespace: r.namespace.clone(),
            pod: r.pod.clone(),
            uid: r.uid.clone(),
            container: r.container.clone(),
            run: (r.restart_count - 1).max(0),
            previous: true,
        };
        tasks.spawn_log(ctx, target, None, Some(opts.log_tail), Role::Workload);
        if r.running {
            let target = LogTarget { run: r.restart_count, previous: false, ..LogTarget::from(&r) };
            tasks.spawn_log(ctx, target, None, Some(opts.log_tail), Role::Workload);
        }
    }
}

/// What the manifest records about the collection besides files and gaps.
struct Collected {
    server: String,
    context: String,
    cluster_version: Option<String>,
    discovery: Vec<Discovery>,
}

/// Writes `manifest.json` with every file and gap the collectors recorded.
fn write_manifest(ctx: &Ctx, dir: &Path, c: Collected) -> Result<Manifest, CollectError> {
    let opts = &ctx.opts;
    let Collected { server, context, cluster_version, discovery } = c;
    let scope = CollectionScope::Workloads { namespace: opts.namespace.clone() };
    let mut files = std::mem::take(&mut *ctx.files.lock().unwrap_or_else(|e| e.into_inner()));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut gaps = std::mem::take(&mut *ctx.gaps.lock().unwrap_or_else(|e| e.into_inner()));
    gaps.sort();
    let manifest = Manifest {
        schema: bundle::SCHEMA.into(),
        collection: Collection {
            context,
            server,
            cluster_version,
            collected_at: opts.now,
            window_from: opts.window_from,
            window_to: opts.window_to,
            window_basis: opts.window_basis.clone(),
            scope,
            discovery,
            redacted: opts.redact,
            tool_version: env!("CARGO_PKG_VERSION").into(),
        },
        gaps,
        files,
        requests: ctx.requests.load(Ordering::Relaxed),
    };
    bundle::write_manifest(dir, &manifest)
        .map_err(|source| CollectError::Io { path: dir.join(bundle::MANIFEST), source })?;
    Ok(manifest)
}

/// The second round's collectors (event lists, logs), each named so that one that panics becomes a gap saying
/// which.
#[derive(Default)]
struct Collectors {
    set: tokio::task::JoinSet<()>,
    names: HashMap<tokio::task::Id, Collector>,
}

impl Collectors {
    fn spawn(&mut self, name: Collector, task: impl Future<Output = ()> + Send + 'static) {
        let handle = self.set.spawn(task);
        self.names.insert(handle.id(), name);
    }

    fn spawn_log(&mut self, ctx: &Arc<Ctx>, t: LogTarget, since: Option<Timestamp>, tail: Option<i64>, role: Role) {
        let name = Collector::Log { role: role.typed(), log: t.log_ref() };
        self.spawn(name, fetch_log(ctx.clone(), t, since, tail, role));
    }

    /// Waits for every collector; one that panicked (or was cancelled) gives a gap.
    async fn join_all(mut self) -> Vec<Gap> {
        let mut gaps = Vec::new();
        while let Some(joined) = self.set.join_next().await {
            if let Err(e) = joined {
                let name = self.names.get(&e.id()).cloned().unwrap_or(Collector::Unnamed);
                gaps.push(lost_collector(name, e));
            }
        }
        gaps
    }
}

/// The gap for a collector task that did not finish: `collector X panicked: msg`.
fn lost_collector(collector: Collector, e: tokio::task::JoinError) -> Gap {
    let panicked = e.is_panic();
    let panic = panicked.then(|| e.into_panic()).and_then(|payload| {
        payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned())
    });
    // What it would have collected is missing; the report is built from the rest.
    let reason = ClusterGap::CollectorLost { collector, panicked, panic };
    new_gap(reason, Ek::Collector, Fx::LowersConfidence, Some(Remedy::Rerun))
}

/// Why the first request got no answer, as the error the user sees: only a refused connection or a timeout is
/// "unreachable" (and suggests the node-local way); a refused certificate says which flag fits.
fn unusable(server: String, f: Failure) -> CollectError {
    match f.transport {
        Some(Transport::Tls(e)) => {
            let (reason, advice) = super::tls::advice(&e);
            CollectError::Tls { server, reason, advice, detail: e.to_string() }
        }
        Some(Transport::Refused) | Some(Transport::TimedOut) => {
            CollectError::Unreachable { server, failure: f.typed() }
        }
        Some(Transport::Other) | Some(Transport::TooLarge) | None => {
            CollectError::Connect { server, failure: f.typed() }
        }
    }
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A collector task that panics is a gap naming it and quoting the panic; the others' results stay.
    #[tokio::test]
    async fn a_panicked_collector_is_a_gap_not_silence() {
        use crate::evidence::{GapReason, PodRole};
        let mut tasks = Collectors::default();
        let done = Arc::new(AtomicU64::new(0));
        let d = done.clone();
        let log = |role, name: &str, container: &str| Collector::Log {
            role,
            log: crate::evidence::LogRef {
                namespace: "kube-system".into(),
                pod: name.into(),
                container: container.into(),
                previous: false,
            },
        };
        tasks.spawn(Collector::List { path: "/api/v1/events".into() }, async move {
            d.fetch_add(1, Ordering::Relaxed);
        });
        let etcd = log(PodRole::Etcd, "etcd-a", "etcd");
        let apiserver = log(PodRole::ApiServer, "kube-apiserver-a", "kube-apiserver");
        tasks.spawn(etcd.clone(), async { panic!("index out of range") });
        tasks.spawn(apiserver.clone(), async { std::panic::panic_any(format!("bad {}", 42)) });
        let mut gaps = tasks.join_all().await;
        gaps.sort();
        assert_eq!(done.load(Ordering::Relaxed), 1, "the healthy collector ran");
        let lost = |collector: Collector, panic: &str| {
            GapReason::Cluster(ClusterGap::CollectorLost { collector, panicked: true, panic: Some(panic.into()) })
        };
        let reasons: Vec<&GapReason> = gaps.iter().map(|g| &g.reason).collect();
        assert_eq!(reasons, [&lost(etcd, "index out of range"), &lost(apiserver, "bad 42")]);
        assert_eq!(
            crate::report::words::gaps::why(&gaps[0]),
            "collector etcd log of kube-system/etcd-a/etcd panicked: index out of range"
        );
        // A first-round collector (awaited on its own handle) is named the same way.
        let joined: Result<(), _> = tokio::spawn(async { panic!("discovery broke") }).await;
        let gap = lost_collector(Collector::EtcdDiscovery, joined.unwrap_err());
        assert_eq!(gap.reason, lost(Collector::EtcdDiscovery, "discovery broke"));
        assert_eq!(crate::report::words::gaps::why(&gap), "collector etcd discovery panicked: discovery broke");
    }
}
