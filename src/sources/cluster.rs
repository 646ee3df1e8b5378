//! Live source: collects from a running cluster (kube-rs, read-only) into a bundle-shaped staging folder.
//!
//! Every answer is written raw (secrets redacted unless `--no-redact`) under the layout a bundle uses, and the run
//! ends by writing `manifest.json`. The live report is then read from that folder with the same reader `analyze`
//! uses for a bundle, so a live run and `analyze incident.tar.gz` of the bundle it wrote give the same report by
//! construction, and memory stays bounded (logs stream to disk, never into memory).
//!
//! Only GET requests are made. Whatever cannot be collected (403, 401, timeouts, missing previous logs, the
//! deadline) becomes a [`Gap`] with what is missing, why, how it lowers confidence and how to get it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt as _;
use k8s_openapi::api::core::v1::Pod;
use kube::core::Request;
use kube::core::params::ListParams;
use kube::core::subresource::LogParams;
use sha2::Digest as _;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::evidence::{Collection, Gap, Timestamp};
use crate::evidence::{EvidenceKind as Ek, GapEffect as Fx, Remedy};
use crate::sources::bundle::{self, FileEntry, Manifest};
use crate::sources::redact::{Redactor, StreamState};

/// Where the distributions put etcd and kube-apiserver pods, tried in order.
const ETCD_PLACES: &[(&str, &str)] = &[
    ("kube-system", "component=etcd"), // kubeadm, RKE2 static pods
    ("karmada-system", "app=etcd"),    // Karmada's own etcd (StatefulSet)
    ("openshift-etcd", "app=etcd"),    // OpenShift
];
const APISERVER_PLACES: &[(&str, &str)] = &[
    ("kube-system", "component=kube-apiserver"),
    ("karmada-system", "app=karmada-apiserver"),
    ("openshift-kube-apiserver", "app=openshift-kube-apiserver"),
];
/// The remedy of a gap whose request got 401 after `/version` succeeded: the credentials ran out during the run
/// (a short-lived token, a rotated service-account token), so no permission is missing.
const CREDENTIALS_REJECTED: Remedy = Remedy::RefreshCredentials;

/// The remedy for a failed request, by what went wrong: fresh credentials on a 401, `grant` (the permission to
/// add) on a 403, and for answers that are not about permissions (no answer in time, a 5xx, a 404) what fits those.
fn remedy_for(f: &Failure, grant: Remedy) -> Option<Remedy> {
    Some(match f.status {
        Some(401) => CREDENTIALS_REJECTED,
        Some(403) => grant,
        Some(404) => Remedy::NotServed,
        Some(code) if code >= 500 => Remedy::ServerFailed { status: code },
        Some(code) => Remedy::Refused { status: code, then: Box::new(grant) },
        None => Remedy::NoAnswer,
    })
}

/// Status bodies and error answers are read up to this much.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// How to collect.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Where and how to connect (kubectl's flags over the kubeconfig).
    pub connect: super::kubeconfig::ConnectOptions,
    /// Workload namespace; `None` examines all namespaces.
    pub namespace: Option<String>,
    pub window_from: Timestamp,
    pub window_to: Timestamp,
    pub window_basis: String,
    pub now: Timestamp,
    pub request_timeout: Duration,
    /// The whole collection's budget; what is unfinished then becomes a gap.
    pub deadline: Duration,
    pub concurrency: usize,
    pub page_size: u32,
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
        "cannot reach the API server at {server}: {why}\n\
         When etcd itself is failing the API server often cannot answer. On a control-plane node, read the etcd \
         and kube-apiserver logs directly:\n  sudo kubectl etcd-triage analyze /var/log/pods"
    )]
    Unreachable { server: String, why: String },
    /// The API server answered but its certificate was refused.
    #[error("the API server at {server} is not trusted: {reason}\nTo connect: {advice}\n(TLS error: {detail})")]
    Tls { server: String, reason: String, advice: &'static str, detail: String },
    /// Any other failure to talk to it (a name that does not resolve, a reset, plain HTTP to an HTTPS port).
    #[error(
        "cannot connect to the API server at {server}: {why}\nCheck the server address (--server, or the cluster's \
         server in the kubeconfig) and any proxy or tunnel in between"
    )]
    Connect { server: String, why: String },
    #[error(
        "the API server at {server} rejected the credentials (401 Unauthorized: {why}); the token may have \
         expired: refresh it (e.g. re-run your cloud's get-credentials command) or pass --kubeconfig/--context. \
         On a control-plane node: sudo kubectl etcd-triage analyze /var/log/pods"
    )]
    Unauthorized { server: String, why: String },
    #[error("writing collected evidence to {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why a request got no HTTP answer at all.
#[derive(Debug, Clone)]
enum Transport {
    /// Connection refused: nothing listens there.
    Refused,
    /// No answer (or no connection) in time.
    TimedOut,
    /// The server's certificate was refused.
    Tls(rustls::Error),
    /// Anything else (DNS, reset, protocol).
    Other,
}

impl Transport {
    /// Classifies a client error by the errors in its chain (rustls' and the OS's), never by its wording.
    fn of(e: &(dyn std::error::Error + 'static)) -> Transport {
        let mut current = Some(e);
        let mut found = Transport::Other;
        while let Some(err) = current {
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                return Transport::Tls(tls.clone());
            }
            // io::Error hides its inner error from source() (and hyper-rustls wraps tokio-rustls' io::Error in
            // another one): look inside each.
            let mut io = err.downcast_ref::<std::io::Error>();
            while let Some(e) = io {
                match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => found = Transport::Refused,
                    std::io::ErrorKind::TimedOut => found = Transport::TimedOut,
                    _ => {}
                }
                let inner = e.get_ref();
                if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return Transport::Tls(tls.clone());
                }
                io = inner.and_then(|i| i.downcast_ref::<std::io::Error>());
            }
            current = err.source();
        }
        found
    }
}

/// Why a request gave nothing (or only part).
#[derive(Debug, Clone)]
struct Failure {
    status: Option<u16>,
    message: String,
    /// Set when there was no HTTP answer.
    transport: Option<Transport>,
}

impl Failure {
    fn describe(&self) -> String {
        match self.status {
            Some(code) => format!("{code} {}: {}", reason_phrase(code), self.message),
            None => self.message.clone(),
        }
    }
}

fn reason_phrase(code: u16) -> &'static str {
    http::StatusCode::from_u16(code).ok().and_then(|c| c.canonical_reason()).unwrap_or("")
}

/// What a restarted container needs for its logs.
#[derive(Debug, Clone)]
struct Restarted {
    namespace: String,
    pod: String,
    uid: String,
    container: String,
    restart_count: i32,
    running: bool,
    crash_looping: bool,
}

/// An etcd or kube-apiserver pod found by discovery.
#[derive(Debug, Clone)]
struct ControlPlanePod {
    namespace: String,
    pod: String,
    uid: String,
    containers: Vec<(String, i32)>,
}

struct Ctx {
    client: kube::Client,
    opts: LiveOptions,
    dir: PathBuf,
    sem: Semaphore,
    redactor: Option<Redactor>,
    deadline: Instant,
    files: Mutex<Vec<FileEntry>>,
    gaps: Mutex<Vec<Gap>>,
    requests: AtomicU64,
    bytes: AtomicU64,
    progress: indicatif::ProgressBar,
}

/// Collects into `dir` (an empty folder) and writes its manifest. Returns the manifest.
pub async fn collect(opts: &LiveOptions, dir: &Path) -> Result<Manifest, CollectError> {
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
        progress,
    });

    // The first request tells whether the API server can be used at all.
    let cluster_version = match ctx.get_bytes("/version", None).await {
        Ok(body) => serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("gitVersion").and_then(|g| g.as_str()).map(str::to_string)),
        Err(f) if f.status == Some(401) => return Err(CollectError::Unauthorized { server, why: f.message }),
        Err(f) if f.status.is_none() => return Err(unusable(server, f)),
        Err(f) => {
            ctx.gap("cluster version (/version)", Ek::ClusterInfo, f.describe(), Fx::None, None);
            None
        }
    };

    let scope = match &opts.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_string(),
    };
    // Discovery, workloads, nodes, events and metrics are independent: run them side by side.
    let etcd_task = tokio::spawn(discover(ctx.clone(), Role::Etcd));
    let apiserver_task = tokio::spawn(discover(ctx.clone(), Role::ApiServer));
    let pods_task = tokio::spawn(list_workload_pods(ctx.clone()));
    let nodes_task = tokio::spawn(list_pages(ctx.clone(), "/api/v1/nodes".into(), "objects/nodes".into(), "nodes"));
    let metrics_task = tokio::spawn(fetch_metrics(ctx.clone()));
    let captures_task = tokio::spawn(fetch_captures(ctx.clone()));
    let (etcd, etcd_note) = etcd_task.await.unwrap_or_default();
    let (apiservers, apiserver_note) = apiserver_task.await.unwrap_or_default();
    let restarted = pods_task.await.unwrap_or_default();
    let _ = nodes_task.await;
    let _ = metrics_task.await;
    let _ = captures_task.await;

    // Events: the workload scope plus wherever etcd and kube-apiserver run.
    let mut event_namespaces: BTreeSet<Option<String>> = BTreeSet::new();
    match &opts.namespace {
        None => {
            event_namespaces.insert(None);
        }
        Some(ns) => {
            event_namespaces.insert(Some(ns.clone()));
            for p in etcd.iter().chain(&apiservers) {
                event_namespaces.insert(Some(p.namespace.clone()));
            }
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for ns in event_namespaces {
        let (core, group, tag) = match &ns {
            None => ("/api/v1/events".to_string(), "/apis/events.k8s.io/v1/events".to_string(), "all".to_string()),
            Some(ns) => (
                format!("/api/v1/namespaces/{ns}/events"),
                format!("/apis/events.k8s.io/v1/namespaces/{ns}/events"),
                ns.clone(),
            ),
        };
        tasks.spawn(list_pages(ctx.clone(), core, format!("objects/events-{tag}"), "events"));
        tasks.spawn(list_pages(ctx.clone(), group, format!("objects/events.k8s.io-{tag}"), "events.k8s.io events"));
    }
    // Logs: every etcd and kube-apiserver container (current and previous), then restarted containers.
    for (pod, role) in etcd.iter().map(|p| (p, Role::Etcd)).chain(apiservers.iter().map(|p| (p, Role::ApiServer))) {
        for (container, restarts) in &pod.containers {
            let since = Some(opts.window_from);
            tasks.spawn(fetch_log(
                ctx.clone(),
                pod.clone().into_target(container, *restarts, false),
                since,
                None,
                role,
            ));
            if *restarts > 0 {
                tasks.spawn(fetch_log(
                    ctx.clone(),
                    pod.clone().into_target(container, *restarts, true),
                    since,
                    None,
                    role,
                ));
            }
        }
    }
    let mut restarted = restarted;
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
        let names: Vec<String> =
            restarted[opts.max_container_logs..].iter().take(5).map(|r| format!("{}/{}", r.namespace, r.pod)).collect();
        ctx.gap(
            &format!(
                "logs of {skipped} more restarted containers ({}{})",
                names.join(", "),
                if skipped > 5 { ", ..." } else { "" }
            ),
            Ek::ContainerLogs,
            format!(
                "--max-container-logs {} reached (most restarted and crash-looping first)",
                opts.max_container_logs
            ),
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
        tasks.spawn(fetch_log(ctx.clone(), target, None, Some(opts.log_tail), Role::Workload));
        if r.running {
            let target = LogTarget { run: r.restart_count, previous: false, ..LogTarget::from(&r) };
            tasks.spawn(fetch_log(ctx.clone(), target, None, Some(opts.log_tail), Role::Workload));
        }
    }
    while tasks.join_next().await.is_some() {}
    ctx.progress.finish_and_clear();

    let mut discovery = vec![etcd_note, apiserver_note];
    discovery.retain(|d| !d.is_empty());
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

/// Why the first request got no answer, as the error the user sees: only a refused connection or a timeout is
/// "unreachable" (and suggests the node-local way); a refused certificate says which flag fits.
fn unusable(server: String, f: Failure) -> CollectError {
    match f.transport {
        Some(Transport::Tls(e)) => {
            let (reason, advice) = super::tls::advice(&e);
            CollectError::Tls { server, reason, advice, detail: e.to_string() }
        }
        Some(Transport::Refused) | Some(Transport::TimedOut) => CollectError::Unreachable { server, why: f.message },
        Some(Transport::Other) | None => CollectError::Connect { server, why: f.message },
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Etcd,
    ApiServer,
    Workload,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Etcd => "etcd",
            Role::ApiServer => "kube-apiserver",
            Role::Workload => "workload",
        }
    }
}

/// One log to fetch, and where it goes: `logs/<ns>_<pod>_<uid>/<container>/<run>.log` like the kubelet's
/// `/var/log/pods`, so the reader knows whose log it is and which run.
#[derive(Debug, Clone)]
struct LogTarget {
    namespace: String,
    pod: String,
    uid: String,
    container: String,
    run: i32,
    previous: bool,
}

impl From<&Restarted> for LogTarget {
    fn from(r: &Restarted) -> Self {
        LogTarget {
            namespace: r.namespace.clone(),
            pod: r.pod.clone(),
            uid: r.uid.clone(),
            container: r.container.clone(),
            run: r.restart_count,
            previous: false,
        }
    }
}

impl ControlPlanePod {
    fn into_target(self, container: &str, restarts: i32, previous: bool) -> LogTarget {
        LogTarget {
            namespace: self.namespace,
            pod: self.pod,
            uid: self.uid,
            container: container.to_string(),
            run: if previous { (restarts - 1).max(0) } else { restarts },
            previous,
        }
    }
}

impl Ctx {
    fn gap(&self, what: &str, missing: Ek, why: String, effect: Fx, remedy: Option<Remedy>) {
        let gap = Gap { what: what.to_string(), missing, why, effect, remedy };
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).push(gap);
    }

    fn tick(&self, what: &str) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mib = self.bytes.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0);
        self.progress.set_message(format!("collecting: {n} requests, {mib:.1} MiB; {what}"));
    }

    /// Sends one GET and returns the response when it is a success, with the `--concurrency` permit the caller
    /// holds until it has read the body (a streaming log is a request in flight too); the time to the answer's
    /// head is bounded by `--request-timeout` and the deadline.
    async fn send(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<(http::Response<kube::client::Body>, SemaphorePermit<'_>), Failure> {
        debug_assert_eq!(req.method(), http::Method::GET, "etcd-triage only reads");
        let permit = self.sem.acquire().await.map_err(|_| Failure {
            status: None,
            message: "shut down".into(),
            transport: None,
        })?;
        self.tick(req.uri().path());
        let limit = (Instant::now() + self.opts.request_timeout).min(self.deadline);
        let answer = tokio::time::timeout_at(limit, self.client.send(req.map(kube::client::Body::from))).await;
        let response = match answer {
            Err(_) if Instant::now() >= self.deadline => {
                let message = "not answered before the --deadline".into();
                return Err(Failure { status: None, message, transport: Some(Transport::TimedOut) });
            }
            Err(_) => {
                let t = humantime::format_duration(self.opts.request_timeout);
                let message = format!("no answer within --request-timeout {t}");
                return Err(Failure { status: None, message, transport: Some(Transport::TimedOut) });
            }
            Ok(Err(e)) => {
                let transport = Some(Transport::of(&e));
                return Err(Failure { status: None, message: error_chain(&e), transport });
            }
            Ok(Ok(r)) => r,
        };
        if response.status().is_success() {
            return Ok((response, permit));
        }
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let mut stream = response.into_body();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(limit, stream.frame()).await {
            if let Some(data) = frame.data_ref() {
                body.extend_from_slice(data);
            }
            if body.len() > MAX_ERROR_BODY {
                break;
            }
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_string());
        Err(Failure { status: Some(status), message, transport: None })
    }

    /// A small answer (`/version`, a list page) in memory.
    async fn get_bytes(&self, path: &str, req: Option<http::Request<Vec<u8>>>) -> Result<Vec<u8>, Failure> {
        let req = match req {
            Some(r) => r,
            None => http::Request::get(path).body(Vec::new()).map_err(|e| Failure {
                status: None,
                message: e.to_string(),
                transport: None,
            })?,
        };
        let (response, _permit) = self.send(req).await?;
        let mut body = response.into_body();
        let mut out = Vec::new();
        loop {
            let limit = (Instant::now() + self.opts.request_timeout).min(self.deadline);
            match tokio::time::timeout_at(limit, body.frame()).await {
                Err(_) => {
                    let message = "the answer stalled (timeout)".into();
                    return Err(Failure { status: None, message, transport: Some(Transport::TimedOut) });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(Failure { status: None, message: error_chain(&e), transport: None }),
                Ok(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        out.extend_from_slice(data);
                        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Writes `bytes` (redacted) to `rel` inside the staging folder and records it.
    fn write_file(&self, rel: &str, request: &str, bytes: &[u8], truncated: bool) -> std::io::Result<()> {
        let mut writer = self.create(rel)?;
        let mut state = StreamState::default();
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            writer.write_line(line, &mut state)?;
        }
        self.finish(writer, rel, request, truncated)
    }

    fn create(&self, rel: &str) -> std::io::Result<FileWriter<'_>> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::File::create(&path)?;
        Ok(FileWriter {
            out: std::io::BufWriter::with_capacity(256 * 1024, file),
            redactor: self.redactor.as_ref(),
            hash: self.opts.checksums.then(sha2::Sha256::new),
            bytes: 0,
            redacted_lines: 0,
            carry: Vec::new(),
        })
    }

    fn finish(&self, mut w: FileWriter<'_>, rel: &str, request: &str, truncated: bool) -> std::io::Result<()> {
        let mut state = StreamState::default();
        if !w.carry.is_empty() {
            let carry = std::mem::take(&mut w.carry);
            w.write_line(&carry, &mut state)?;
        }
        w.out.flush()?;
        let entry = FileEntry {
            path: rel.to_string(),
            request: format!("GET {request}"),
            bytes: w.bytes,
            sha256: w.hash.map(|h| hex(&h.finalize())),
            redacted_lines: w.redacted_lines,
            truncated,
        };
        self.files.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A collected file being written: redacts line by line, hashes what it writes.
struct FileWriter<'a> {
    out: std::io::BufWriter<std::fs::File>,
    redactor: Option<&'a Redactor>,
    hash: Option<sha2::Sha256>,
    bytes: u64,
    redacted_lines: u64,
    /// A line split across chunks.
    carry: Vec<u8>,
}

impl FileWriter<'_> {
    /// Writes one line (with its newline, when it has one).
    fn write_line(&mut self, line: &[u8], state: &mut StreamState) -> std::io::Result<()> {
        let (body, newline): (&[u8], &[u8]) = match line.strip_suffix(b"\n") {
            Some(b) => (b, b"\n"),
            None => (line, b""),
        };
        let redacted = match self.redactor {
            Some(r) => r.line(body, state),
            None => std::borrow::Cow::Borrowed(body),
        };
        if matches!(redacted, std::borrow::Cow::Owned(_)) {
            self.redacted_lines += 1;
        }
        for part in [&redacted[..], newline] {
            self.out.write_all(part)?;
            if let Some(h) = &mut self.hash {
                h.update(part);
            }
            self.bytes += part.len() as u64;
        }
        Ok(())
    }

    /// Writes a chunk of a stream: complete lines now, the unfinished tail when the next chunk completes it.
    fn write_chunk(&mut self, chunk: &[u8], state: &mut StreamState) -> std::io::Result<()> {
        let mut rest = chunk;
        if !self.carry.is_empty() {
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let mut line = std::mem::take(&mut self.carry);
                    line.extend_from_slice(&rest[..=i]);
                    self.write_line(&line, state)?;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            }
        }
        let cut = memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1);
        for line in rest[..cut].split_inclusive(|&b| b == b'\n') {
            self.write_line(line, state)?;
        }
        self.carry.extend_from_slice(&rest[cut..]);
        Ok(())
    }
}

/// The answer to a list, page by page (limit / continue), written as `<stem>-0001.json`, ...; returns the pages'
/// bytes to `on_page` before they are dropped.
async fn list_pages_with(
    ctx: Arc<Ctx>,
    path: String,
    stem: String,
    what: &str,
    label_selector: Option<String>,
    write: bool,
    mut on_page: impl FnMut(&[u8]),
) -> Result<usize, Failure> {
    let mut params = ListParams { label_selector, limit: Some(ctx.opts.page_size), ..Default::default() };
    let mut page = 0usize;
    let mut items = 0usize;
    loop {
        page += 1;
        let req = Request::new(&path).list(&params).map_err(|e| Failure {
            status: None,
            message: e.to_string(),
            transport: None,
        })?;
        let request = req.uri().to_string();
        let body = match ctx.get_bytes(&path, Some(req)).await {
            Ok(b) => b,
            Err(f) if page > 1 => {
                // Earlier pages were kept; the rest is missing.
                ctx.gap(
                    &format!("{what} after page {} ({path})", page - 1),
                    Ek::Objects,
                    f.describe(),
                    Fx::Truncated,
                    remedy_for(&f, Remedy::Rerun),
                );
                return Ok(items);
            }
            Err(f) => return Err(f),
        };
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(default)]
            metadata: Meta,
            #[serde(default)]
            items: Vec<serde::de::IgnoredAny>,
        }
        #[derive(serde::Deserialize, Default)]
        struct Meta {
            #[serde(rename = "continue", default)]
            continue_: Option<String>,
        }
        let head: Head = serde_json::from_slice(&body).map_err(|e| Failure {
            status: None,
            message: format!("the answer is not a Kubernetes list: {e}"),
            transport: None,
        })?;
        items += head.items.len();
        if write {
            let rel = format!("{stem}-{page:04}.json");
            ctx.write_file(&rel, &request, &body, false).map_err(|e| Failure {
                status: None,
                message: format!("writing {rel}: {e}"),
                transport: None,
            })?;
        }
        on_page(&body);
        match head.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params.continue_token = Some(token),
            None => return Ok(items),
        }
    }
}

async fn list_pages(ctx: Arc<Ctx>, path: String, stem: String, what: &'static str) {
    if let Err(f) = list_pages_with(ctx.clone(), path.clone(), stem, what, None, true, |_| {}).await {
        let (missing, effect, remedy) = match what {
            "nodes" => (Ek::Nodes, Fx::NotSeen, Remedy::grant("list", "nodes")),
            "events.k8s.io events" => (Ek::Events, Fx::None, Remedy::grant("list", "events.k8s.io events")),
            _ => (Ek::Events, Fx::LowersConfidence, Remedy::grant("list", "events")),
        };
        ctx.gap(&format!("{what} ({path})"), missing, f.describe(), effect, remedy_for(&f, remedy));
    }
}

/// Lists the workload pods and returns the restarted containers among them (only those are kept in memory).
async fn list_workload_pods(ctx: Arc<Ctx>) -> Vec<Restarted> {
    let (path, stem) = match &ctx.opts.namespace {
        Some(ns) => (format!("/api/v1/namespaces/{ns}/pods"), format!("objects/pods-{ns}")),
        None => ("/api/v1/pods".to_string(), "objects/pods-all".to_string()),
    };
    let mut restarted = Vec::new();
    let from = ctx.opts.window_from;
    let result = list_pages_with(ctx.clone(), path.clone(), stem, "pods", None, true, |page| {
        restarted.extend(restarted_containers(page, from));
    })
    .await;
    if let Err(f) = result {
        ctx.gap(
            &format!("pods ({path})"),
            Ek::PodStatus,
            f.describe(),
            Fx::LowersConfidence,
            remedy_for(&f, Remedy::grant("list", "pods")),
        );
    }
    restarted
}

/// Restarted containers in one pod-list page: restarted at all within the window, or crash-looping now.
fn restarted_containers(page: &[u8], from: Timestamp) -> Vec<Restarted> {
    let Ok(list) = serde_json::from_slice::<k8s_openapi::List<Pod>>(page) else { return Vec::new() };
    let mut out = Vec::new();
    for pod in list.items {
        let meta = &pod.metadata;
        let (Some(namespace), Some(name)) = (meta.namespace.clone(), meta.name.clone()) else { continue };
        let uid = meta.uid.clone().unwrap_or_default();
        let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.as_ref());
        for cs in statuses.into_iter().flatten() {
            let state = cs.state.as_ref();
            let crash_looping = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .is_some_and(|r| r == "CrashLoopBackOff");
            let last_finished = cs
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .and_then(|t| t.finished_at.as_ref())
                .and_then(|t| crate::sources::kube_objects::to_chrono(&t.0));
            let recent = last_finished.is_some_and(|t| t >= from);
            if cs.restart_count > 0 && (crash_looping || recent) {
                out.push(Restarted {
                    namespace: namespace.clone(),
                    pod: name.clone(),
                    uid: uid.clone(),
                    container: cs.name.clone(),
                    restart_count: cs.restart_count,
                    running: state.is_some_and(|s| s.running.is_some()),
                    crash_looping,
                });
            }
        }
    }
    out
}

/// Finds etcd or kube-apiserver pods where the distributions put them (or where the flags say).
async fn discover(ctx: Arc<Ctx>, role: Role) -> (Vec<ControlPlanePod>, String) {
    let places: Vec<(String, String)> = match (role, &ctx.opts.etcd_place, &ctx.opts.apiserver_place) {
        (Role::Etcd, Some(p), _) | (Role::ApiServer, _, Some(p)) => vec![p.clone()],
        (Role::Etcd, None, _) => ETCD_PLACES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
        _ => APISERVER_PLACES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
    };
    let mut found = Vec::new();
    let mut notes = Vec::new();
    let mut failures: Vec<(String, Failure)> = Vec::new();
    for (ns, selector) in &places {
        // Pods in the workload scope are already in the pod list; others are written as evidence here.
        let covered = ctx.opts.namespace.as_ref().is_none_or(|w| w == ns);
        let path = format!("/api/v1/namespaces/{ns}/pods");
        let stem = format!("objects/{}-pods-{ns}", role.name());
        let mut pods = Vec::new();
        let result = list_pages_with(ctx.clone(), path, stem, "pods", Some(selector.clone()), !covered, |page| {
            if let Ok(list) = serde_json::from_slice::<k8s_openapi::List<Pod>>(page) {
                pods.extend(list.items.into_iter().filter_map(control_plane_pod));
            }
        })
        .await;
        match result {
            Ok(_) if !pods.is_empty() => {
                notes.push(format!("{}: {} pod(s) with {selector} in {ns}", role.name(), pods.len()));
                found.extend(pods);
            }
            Ok(_) => {}
            Err(f) => failures.push((format!("{selector} in {ns}"), f)),
        }
    }
    if found.is_empty() {
        let tried: Vec<String> = places.iter().map(|(n, s)| format!("{s} in {n}")).collect();
        let (what, missing, effect, remedy, note) = match role {
            Role::Etcd => (
                "etcd member logs",
                Ek::EtcdLogs,
                Fx::BlocksStorageVerdict,
                Remedy::FindEtcdLogs,
                "etcd: not visible as pods (k3s embedded etcd, a managed control plane or external etcd); evidence used instead: kube-apiserver logs and metrics, the crashed containers' own errors",
            ),
            _ => (
                "kube-apiserver logs",
                Ek::ApiServerLogs,
                Fx::NotSeen,
                Remedy::FindApiServerLogs,
                "kube-apiserver: not visible as pods (managed control plane?); evidence used instead: its /metrics when permitted",
            ),
        };
        let why = if failures.is_empty() {
            format!("no pod matched {}", tried.join(", "))
        } else {
            let described: Vec<String> =
                failures.iter().map(|(place, f)| format!("{place}: {}", f.describe())).collect();
            format!("no pod found; tried {}; failures: {}", tried.join(", "), described.join("; "))
        };
        let rejected = failures.iter().any(|(_, f)| f.status == Some(401));
        ctx.gap(what, missing, why, effect, Some(if rejected { CREDENTIALS_REJECTED } else { remedy }));
        return (found, note.to_string());
    }
    for (place, f) in failures {
        ctx.gap(
            &format!("{} discovery", role.name()),
            logs_kind(role),
            format!("{place}: {}", f.describe()),
            Fx::PlaceSkipped,
            remedy_for(&f, Remedy::grant("list", "pods")),
        );
    }
    (found, notes.join("; "))
}

fn control_plane_pod(pod: Pod) -> Option<ControlPlanePod> {
    let meta = pod.metadata;
    let spec_containers: Vec<String> =
        pod.spec.map(|s| s.containers.into_iter().map(|c| c.name).collect()).unwrap_or_default();
    let restarts = |name: &str| {
        pod.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.name == name))
            .map_or(0, |c| c.restart_count)
    };
    let containers = spec_containers.iter().map(|c| (c.clone(), restarts(c))).collect();
    Some(ControlPlanePod { namespace: meta.namespace?, pod: meta.name?, uid: meta.uid.unwrap_or_default(), containers })
}

/// Streams one container log to `logs/<ns>_<pod>_<uid>/<container>/<run>.log`.
async fn fetch_log(ctx: Arc<Ctx>, t: LogTarget, since: Option<Timestamp>, tail: Option<i64>, role: Role) {
    let params = LogParams {
        container: Some(t.container.clone()),
        previous: t.previous,
        timestamps: true,
        since_time: since
            .and_then(|s| k8s_openapi::jiff::Timestamp::from_nanosecond(s.timestamp_nanos_opt()? as i128).ok()),
        tail_lines: tail,
        ..Default::default()
    };
    let which = if t.previous { "previous log" } else { "log" };
    let what = format!("{which} of {}/{} container {}", t.namespace, t.pod, t.container);
    let path = format!("/api/v1/namespaces/{}/pods", t.namespace);
    let req = match Request::new(&path).logs(&t.pod, &params) {
        Ok(r) => r,
        Err(e) => return ctx.gap(&what, logs_kind(role), e.to_string(), Fx::NotCollected, None),
    };
    let request = req.uri().to_string();
    let rel = format!("logs/{}_{}_{}/{}/{}.log", t.namespace, t.pod, t.uid, t.container, t.run);
    // The permit is held while the log streams, so --concurrency bounds the streams too.
    let (response, _permit) = match ctx.send(req).await {
        Ok(r) => r,
        Err(f) => {
            // A container that never ran (waiting) or was just replaced has no log: nothing is missing.
            let no_previous = f.status == Some(400) && t.previous && f.message.contains("not found");
            let waiting = f.status == Some(400) && !t.previous && f.message.contains("waiting to start");
            if waiting {
                return;
            }
            let (missing, effect, remedy) = log_gap_text(role, &f, no_previous);
            return ctx.gap(&what, missing, f.describe(), effect, remedy);
        }
    };
    let mut writer = match ctx.create(&rel) {
        Ok(w) => w,
        Err(e) => return ctx.gap(&what, logs_kind(role), format!("cannot write {rel}: {e}"), Fx::NotCollected, None),
    };
    let mut body = response.into_body();
    let mut state = StreamState::default();
    let mut truncated = None;
    loop {
        let limit = (Instant::now() + ctx.opts.request_timeout).min(ctx.deadline);
        match tokio::time::timeout_at(limit, body.frame()).await {
            Err(_) if Instant::now() >= ctx.deadline => {
                truncated = Some("cut short by the --deadline".to_string());
                break;
            }
            Err(_) => {
                truncated = Some("the stream stalled for --request-timeout".to_string());
                break;
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                truncated = Some(format!("the stream broke: {}", error_chain(&e)));
                break;
            }
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    ctx.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    if let Err(e) = writer.write_chunk(data, &mut state) {
                        truncated = Some(format!("writing {rel}: {e}"));
                        break;
                    }
                }
            }
        }
    }
    if let Some(why) = &truncated {
        ctx.gap(
            &format!("the end of the {what}"),
            logs_kind(role),
            why.clone(),
            Fx::Truncated,
            Some(Remedy::RaiseDeadline),
        );
    }
    if let Err(e) = ctx.finish(writer, &rel, &request, truncated.is_some()) {
        ctx.gap(&what, logs_kind(role), format!("cannot write {rel}: {e}"), Fx::NotCollected, None);
    }
}

fn log_gap_text(role: Role, f: &Failure, no_previous: bool) -> (Ek, Fx, Option<Remedy>) {
    if no_previous {
        return (Ek::PreviousLogs, Fx::NotSeen, None);
    }
    let remedy = match f.status {
        Some(401) => Some(CREDENTIALS_REJECTED),
        Some(403) => Some(Remedy::grant("get", "pods/log")),
        None | Some(500..) => Some(Remedy::AnalyzeOnNode),
        _ => None,
    };
    let effect = match role {
        Role::Etcd => Fx::LowersConfidence,
        Role::ApiServer => Fx::NotSeen,
        Role::Workload => Fx::ChainIncomplete,
    };
    (logs_kind(role), effect, remedy)
}

/// The logs a role's pods write.
fn logs_kind(role: Role) -> Ek {
    match role {
        Role::Etcd => Ek::EtcdLogs,
        Role::ApiServer => Ek::ApiServerLogs,
        Role::Workload => Ek::ContainerLogs,
    }
}

/// The API server's own `/metrics` (its etcd request latency histograms), when permitted.
async fn fetch_metrics(ctx: Arc<Ctx>) {
    match ctx.get_bytes("/metrics", None).await {
        Ok(body) => {
            if let Err(e) = ctx.write_file("metrics/kube-apiserver.prom", "/metrics", &body, false) {
                ctx.gap(
                    "kube-apiserver /metrics",
                    Ek::ApiServerMetrics,
                    format!("cannot write it: {e}"),
                    Fx::NotCollected,
                    None,
                );
            }
        }
        Err(f) => ctx.gap(
            "kube-apiserver /metrics",
            Ek::ApiServerMetrics,
            f.describe(),
            Fx::NotSeen,
            remedy_for(&f, Remedy::grant("get", "the non-resource URL /metrics")),
        ),
    }
}

/// Prometheus and etcd /metrics answers, when asked for, kept raw for the reader.
async fn fetch_captures(ctx: Arc<Ctx>) {
    let mut captures = Vec::new();
    let mut gaps = Vec::new();
    if let Some(p) = &ctx.opts.prometheus {
        let (from, to) = (ctx.opts.window_from, ctx.opts.window_to);
        let (c, g) = if p.service.is_some() {
            let transport = super::metrics::Transport::Kube(ctx.client.clone());
            super::metrics::capture_prometheus_via(&transport, p, from, to).await
        } else {
            super::metrics::capture_prometheus(p, from, to).await
        };
        captures.extend(c);
        gaps.extend(g);
    }
    if let Some(e) = &ctx.opts.etcd_metrics {
        let (c, g) = super::metrics::capture_etcd(e).await;
        captures.extend(c);
        gaps.extend(g);
    }
    ctx.gaps.lock().unwrap_or_else(|e| e.into_inner()).extend(gaps);
    for c in captures {
        let rel = format!("metrics/{}.json", c.file_stem());
        let request = match &c.etcd_triage_capture {
            super::metrics::CaptureKind::PrometheusRange { url, query, .. }
            | super::metrics::CaptureKind::PrometheusValues { url, query, .. } => {
                format!("{url}/api/v1/query_range?query={query}")
            }
            super::metrics::CaptureKind::EtcdScrapes { url, .. } => format!("{url}/metrics (twice) and /health"),
        };
        match serde_json::to_vec(&c) {
            Ok(bytes) => {
                if let Err(e) = ctx.write_file(&rel, &request, &bytes, false) {
                    ctx.gap(&rel, Ek::EtcdMetrics, format!("cannot write it: {e}"), Fx::NotCollected, None);
                }
            }
            Err(e) => ctx.gap(&rel, Ek::EtcdMetrics, e.to_string(), Fx::NotCollected, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_asks_for_fresh_credentials_and_other_failures_keep_their_remedy() {
        let failure = |status| Failure { status, message: "x".into(), transport: None };
        let grant = Remedy::grant("list", "nodes");
        assert_eq!(remedy_for(&failure(Some(401)), grant.clone()), Some(CREDENTIALS_REJECTED));
        assert_eq!(remedy_for(&failure(Some(403)), grant.clone()), Some(grant.clone()));
        // Not about permissions: no grant is suggested for a timeout, a 5xx or a 404.
        for status in [None, Some(500), Some(503), Some(404)] {
            let remedy = remedy_for(&failure(status), grant.clone());
            assert!(!matches!(remedy, Some(Remedy::Grant { .. })), "{status:?}: {remedy:?}");
        }
        assert_eq!(remedy_for(&failure(None), grant.clone()), Some(Remedy::NoAnswer));
        assert_eq!(remedy_for(&failure(Some(503)), grant), Some(Remedy::ServerFailed { status: 503 }));
        let (_, _, log_remedy) = log_gap_text(Role::Etcd, &failure(Some(401)), false);
        assert_eq!(log_remedy, Some(CREDENTIALS_REJECTED));
    }
}
