//! The shared vocabulary: everything a source learns becomes these plain data types.
//!
//! Pure data; no I/O, no clock. Every record carries an [`Origin`] so that a report can cite the file and line
//! (or API path) it rests on. Log lines that matter are folded at ingest into [`Signal`]s (a burst of
//! same-kind lines from one subject), so memory grows with the number of bursts, not with the size of the logs.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub mod inputs;
pub use inputs::{InputFormat, Note};
mod collection;
pub use collection::{CollectionScope, CollectionWindow, Discovery, FoundAt, WindowChoice, WindowEnd};
mod gap_reason;
mod scrub;
pub use gap_reason::{
    AnalysisGap, ApiFailure, ApiProblem, ArchiveGap, BadItem, BundleGap, ClusterGap, Collector, FileGap, GapReason,
    GaveUp, ListCut, Listed, LogCut, LogProblem, LogRef, MetricsGap, Place, PodRole, Refusal, RefusedEntry,
    SpecialFile,
};
pub use scrub::neutralise_controls;

/// The one time type of the evidence model (sources convert at their edge).
pub type Timestamp = DateTime<Utc>;

/// Where a record came from: a file and line, or an API path. Rendered as `file:line` in citations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    /// File path (as given by the user) or API path such as `api/v1/pods`. Shared: every record of a file points at
    /// one copy.
    pub source: Arc<str>,
    /// 1-based physical line, when the source is a text file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

impl Origin {
    pub fn new(source: impl Into<Arc<str>>, line: Option<u64>) -> Self {
        Origin { source: source.into(), line }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.source, line),
            None => f.write_str(&self.source),
        }
    }
}

/// Who emitted a log record or owns an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// An etcd member, named by its pod name, file stem or `--name`.
    EtcdMember { name: String },
    /// A kube-apiserver instance.
    ApiServer { name: String },
    /// Any other container (controllers, the crash-looping workload).
    Container { namespace: String, pod: String, container: String },
    /// A node (kubelet, kernel).
    Node { name: String },
}

impl Subject {
    /// A short display name (`etcd-node1`, `karmada-system/karmada-controller-manager-x/manager`).
    pub fn label(&self) -> String {
        match self {
            Subject::EtcdMember { name } | Subject::ApiServer { name } | Subject::Node { name } => name.clone(),
            Subject::Container { namespace, pod, container } => format!("{namespace}/{pod}/{container}"),
        }
    }
}

/// What a log line (or a metric reading) says, normalised across versions and formats.
///
/// Durations are in milliseconds (`f64`) whatever unit the source used.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SignalKind {
    // ---- direct storage evidence -------------------------------------------------------------
    /// WAL fdatasync over etcd's 1 s warning (`slow fdatasync`, capnslog `sync duration of ...`).
    SlowWalSync { took_ms: f64, expected_ms: f64 },
    /// Applying a request took longer than etcd's warning threshold (`apply request took too long`,
    /// capnslog `... took too long (Xs) to execute`).
    ///
    /// `read_only`: a linearizable range this member served (`read-only range request`), which waits for the
    /// leader's read index: it measures the leader's loop, not this member's disk. Otherwise an applied entry,
    /// which goes through this member's own backend.
    SlowApply { took_ms: f64, expected_ms: f64, read_only: bool },
    /// Backend (bbolt) work that measures the disk: opening the db, defragmenting, compaction (`took`).
    SlowBackend { operation: String, took_ms: f64 },
    /// A latency quantile from metrics over an interval (a Prometheus range-query step, or two `/metrics` scrapes),
    /// with the histogram bucket edges it lies between (buckets are coarse). `etcd_disk_wal_fsync_duration_seconds`
    /// counts as a slow WAL sync, `etcd_disk_backend_commit_duration_seconds` as slow backend I/O.
    MetricQuantile { metric: String, quantile: f64, value_ms: f64, lower_ms: f64, upper_ms: f64 },
    // ---- consensus ------------------------------------------------------------------------------
    /// The leader sent a heartbeat late. etcd says "likely from slow disk", but a CPU-starved or frozen leader
    /// prints the same text: supporting evidence only.
    HeartbeatLate { exceeded_ms: f64, heartbeat_interval_ms: Option<f64> },
    /// This member saw a (new) leader elected at `term` (`elected leader`, `changed leader`, `became leader`).
    LeaderElected { term: u64, leader_id: String },
    /// This member lost its leader (`lost leader`) or started an election (`starting a new election`).
    LeaderLost { term: u64 },
    /// Linearizable read waited too long (`timed out waiting for read index response`, `... retrying`).
    ReadIndexSlow { timed_out: bool },
    /// A request failed with `etcdserver: request timed out` (or a variant) or a `leader changed` error.
    RequestTimeout { detail: String },
    /// This member started (version when known); marks an etcd restart.
    MemberStarted { version: Option<String> },
    // ---- competing causes -------------------------------------------------------------------
    /// A peer could not be reached (`prober detected unhealthy status`, lost TCP stream, peer inactive).
    PeerUnreachable { peer: String, error: String },
    /// Clock difference against a peer over etcd's 1 s limit.
    ClockDrift { peer: String, drift_ms: f64 },
    /// The backend quota was exceeded / NOSPACE alarm raised.
    NoSpaceAlarm { detail: String },
    /// TLS / certificate failures (expired, unknown authority, SAN mismatch).
    CertificateError { detail: String },
    /// A backend defragmentation finished (`defragmented` 3.4, `finished defragmenting directory` 3.5/3.6, with
    /// `took`; capnslog `finished defragmenting the storage backend` prints no duration). Defragmentation is
    /// stop-the-world for its duration: applies, reads and writes wait on it, and it rewrites the whole database,
    /// so a WAL sync on the same disk meanwhile is slow too. A competing explanation, not disk evidence.
    /// Sizes are those after the defragmentation, when the line gives them.
    Defrag { took_ms: Option<f64>, db_size_bytes: Option<u64>, in_use_bytes: Option<u64> },
    /// A scheduled compaction finished (`finished scheduled compaction`, `took`). Compaction deletes in batches
    /// with pauses between them (`compaction-batch-limit`, `compaction-sleep-interval`), so its duration measures
    /// the amount of history, not the disk. 3.5+ lines carry the db size.
    Compaction { took_ms: f64, db_size_bytes: Option<u64>, in_use_bytes: Option<u64> },
    /// A request whose response is huge (a range over much of the keyspace, `range_response_count` / `size` of a
    /// slow-apply line): its slowness is the request's, not the disk's.
    ExpensiveRequest { took_ms: f64, response_count: u64, response_bytes: u64 },
    /// A Raft message to a peer was dropped because the sending (or receiving) buffer was full: the peer (or the
    /// network to it) does not keep up. A stalled follower causes it too.
    RaftMessageDropped { peer: String },
    /// A pre-vote was sent (`sent MsgPreVote request`) or rejected (`rejected MsgPreVote`) at `term`. Repeating
    /// at one term with no leader elected is a pre-vote loop: a member cut off from its peers, or a quorum lost.
    PreVote { term: u64, rejected: bool },
    /// Opening the backend waited on the file lock (`db file is flocked by another process, or taking too
    /// long`): another etcd process still holds the data dir, usually a restart racing the old process.
    DbLocked { took_ms: Option<f64> },
    /// The bbolt database is corrupt or unreadable (`invalid database`, `page N already freed`, `cannot open
    /// database`, `failed to open database`).
    BackendCorrupt { detail: String },
    /// Cluster membership is wrong for this member: it was removed (`the member has been permanently removed from
    /// the cluster`) or its cluster ID does not match its peers' (`cluster ID mismatch`).
    MembershipError { detail: String },
    /// The datastore is not etcd: k3s / kine over SQLite, MySQL or Postgres (`Configuring sqlite3 database
    /// connection pooling`). etcd's thresholds and messages do not apply.
    NotEtcdDatastore { backend: String },
    /// Node or cgroup evidence of CPU starvation (CPU throttling alerts, kernel soft lockups).
    CpuStarved { detail: String },
    // ---- kube-apiserver ---------------------------------------------------------------------
    /// The API server's etcd client failed or timed out (`retrying of unary invoker failed`, `etcdserver: ...`
    /// echoed, `Handler timeout`, `Post-timeout activity`, `context deadline exceeded` towards etcd).
    ApiServerEtcdError { detail: String },
    /// A slow request trace in the API server (`Trace[...] ... (total time: Nms)`).
    ApiServerSlowRequest { total_ms: f64, what: String },
    /// The API server cannot reach etcd at all (connection refused): etcd down, not slow.
    ApiServerEtcdUnreachable { detail: String },
    // ---- the crashing containers ------------------------------------------------------------
    /// client-go could not renew its leader-election lease (`failed to renew lease`, `Failed to update lock`,
    /// `error retrieving resource lock`).
    LeaseRenewFailed { detail: String },
    /// The component gave up leadership and exits (`leaderelection lost`, `leader election lost`).
    LeaderElectionLost,
    /// A request to the API server timed out from the client's side (`context deadline exceeded`,
    /// `Client.Timeout exceeded`, `etcdserver: request timed out` relayed).
    ApiRequestTimeout { detail: String },
    /// A configuration / startup error (unknown flag, missing file, invalid config).
    ConfigError { detail: String },
    /// The process printed a fatal line or panic not covered above.
    Fatal { detail: String },
    /// Memory exhaustion seen in logs (kernel OOM killer, Go `out of memory`).
    OutOfMemory { detail: String },
}

/// Coarse class of a [`SignalKind`], used for folding and for counting per member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalClass {
    SlowWalSync,
    SlowApply,
    SlowBackend,
    HeartbeatLate,
    LeaderElected,
    LeaderLost,
    ReadIndexSlow,
    RequestTimeout,
    MemberStarted,
    PeerUnreachable,
    ClockDrift,
    NoSpaceAlarm,
    CertificateError,
    Defrag,
    Compaction,
    ExpensiveRequest,
    RaftMessageDropped,
    PreVote,
    DbLocked,
    BackendCorrupt,
    MembershipError,
    NotEtcdDatastore,
    CpuStarved,
    ApiServerEtcdError,
    ApiServerSlowRequest,
    ApiServerEtcdUnreachable,
    LeaseRenewFailed,
    LeaderElectionLost,
    ApiRequestTimeout,
    ConfigError,
    Fatal,
    OutOfMemory,
}

impl SignalKind {
    pub fn class(&self) -> SignalClass {
        use SignalKind as K;
        match self {
            K::SlowWalSync { .. } => SignalClass::SlowWalSync,
            K::MetricQuantile { metric, .. } if metric.contains("wal_fsync") => SignalClass::SlowWalSync,
            K::MetricQuantile { .. } => SignalClass::SlowBackend,
            K::SlowApply { .. } => SignalClass::SlowApply,
            K::SlowBackend { .. } => SignalClass::SlowBackend,
            K::HeartbeatLate { .. } => SignalClass::HeartbeatLate,
            K::LeaderElected { .. } => SignalClass::LeaderElected,
            K::LeaderLost { .. } => SignalClass::LeaderLost,
            K::ReadIndexSlow { .. } => SignalClass::ReadIndexSlow,
            K::RequestTimeout { .. } => SignalClass::RequestTimeout,
            K::MemberStarted { .. } => SignalClass::MemberStarted,
            K::PeerUnreachable { .. } => SignalClass::PeerUnreachable,
            K::ClockDrift { .. } => SignalClass::ClockDrift,
            K::NoSpaceAlarm { .. } => SignalClass::NoSpaceAlarm,
            K::CertificateError { .. } => SignalClass::CertificateError,
            K::Defrag { .. } => SignalClass::Defrag,
            K::Compaction { .. } => SignalClass::Compaction,
            K::ExpensiveRequest { .. } => SignalClass::ExpensiveRequest,
            K::RaftMessageDropped { .. } => SignalClass::RaftMessageDropped,
            K::PreVote { .. } => SignalClass::PreVote,
            K::DbLocked { .. } => SignalClass::DbLocked,
            K::BackendCorrupt { .. } => SignalClass::BackendCorrupt,
            K::MembershipError { .. } => SignalClass::MembershipError,
            K::NotEtcdDatastore { .. } => SignalClass::NotEtcdDatastore,
            K::CpuStarved { .. } => SignalClass::CpuStarved,
            K::ApiServerEtcdError { .. } => SignalClass::ApiServerEtcdError,
            K::ApiServerSlowRequest { .. } => SignalClass::ApiServerSlowRequest,
            K::ApiServerEtcdUnreachable { .. } => SignalClass::ApiServerEtcdUnreachable,
            K::LeaseRenewFailed { .. } => SignalClass::LeaseRenewFailed,
            K::LeaderElectionLost => SignalClass::LeaderElectionLost,
            K::ApiRequestTimeout { .. } => SignalClass::ApiRequestTimeout,
            K::ConfigError { .. } => SignalClass::ConfigError,
            K::Fatal { .. } => SignalClass::Fatal,
            K::OutOfMemory { .. } => SignalClass::OutOfMemory,
        }
    }

    /// The latency this signal measures, in ms, when it measures one (used for p50/p99/max).
    pub fn latency_ms(&self) -> Option<f64> {
        use SignalKind as K;
        match self {
            K::SlowWalSync { took_ms, .. } | K::SlowApply { took_ms, .. } | K::SlowBackend { took_ms, .. } => {
                Some(*took_ms)
            }
            K::HeartbeatLate { exceeded_ms, .. } => Some(*exceeded_ms),
            K::MetricQuantile { value_ms, .. } => Some(*value_ms),
            K::ApiServerSlowRequest { total_ms, .. } => Some(*total_ms),
            K::ClockDrift { drift_ms, .. } => Some(*drift_ms),
            K::Defrag { took_ms, .. } | K::DbLocked { took_ms } => *took_ms,
            K::Compaction { took_ms, .. } | K::ExpensiveRequest { took_ms, .. } => Some(*took_ms),
            _ => None,
        }
    }
}

impl SignalClass {
    /// Whether this class is direct evidence about the disk (as opposed to symptoms that other causes share).
    pub fn is_disk_specific(self) -> bool {
        matches!(self, SignalClass::SlowWalSync | SignalClass::SlowBackend)
    }

    /// Whether this class is a competing explanation for slow applies and late heartbeats: something other than
    /// the WAL disk that makes etcd slow (CPU starvation, defragmentation, huge requests, a starved or cut-off
    /// peer). Storage verdicts should weigh these before blaming the disk for symptoms alone.
    pub fn competes_with_disk(self) -> bool {
        use SignalClass as C;
        matches!(
            self,
            C::CpuStarved | C::Defrag | C::ExpensiveRequest | C::RaftMessageDropped | C::PreVote | C::PeerUnreachable
        )
    }

    /// Whether this class, on an etcd member, shows etcd itself failing (a panic or fatal exit, a corrupt or locked
    /// db, wrong membership): the member is down or refuses to start, which no disk latency explains.
    pub fn is_etcd_failure(self) -> bool {
        use SignalClass as C;
        matches!(self, C::Fatal | C::DbLocked | C::BackendCorrupt | C::MembershipError)
    }
}

/// A burst of same-class signals from one subject, folded at ingest (gap between members below the fold gap).
///
/// A single line is a burst of one. `first`/`last` cite the first and last lines, `latency` summarises the
/// measured durations when the class carries one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub subject: Subject,
    /// The first signal's full detail (later ones in the burst are counted and summarised).
    pub kind: SignalKind,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub count: u64,
    pub first: Origin,
    pub last: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyDigest>,
    /// True when the timestamps were placed by assumption (no year or zone in the source line).
    pub time_assumed: bool,
}

impl Signal {
    pub fn class(&self) -> SignalClass {
        self.kind.class()
    }
}

/// A compact, mergeable latency summary: exact count/min/max/sum plus a sparse log-bucket histogram
/// (bucket width 4 %, so quantiles are within 4 % of the true value; `max` is exact).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct LatencyDigest {
    pub count: u64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub sum_ms: f64,
    /// (bucket, count), sorted by bucket: a burst usually touches a handful of buckets, so a sorted vector is far
    /// smaller than a map.
    #[serde(skip)]
    buckets: Vec<(i32, u64)>,
}

/// Ratio between consecutive bucket edges.
const BUCKET_RATIO: f64 = 1.04;

impl LatencyDigest {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(ms: f64) -> Self {
        let mut d = Self::new();
        d.record(ms);
        d
    }

    fn bucket_of(ms: f64) -> i32 {
        // Values at or below 1 µs share one bucket; the log scale starts there.
        let v = ms.max(0.001) / 0.001;
        (v.ln() / BUCKET_RATIO.ln()).floor() as i32
    }

    fn bucket_upper(b: i32) -> f64 {
        0.001 * BUCKET_RATIO.powi(b + 1)
    }

    pub fn record(&mut self, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        if self.count == 0 {
            self.min_ms = ms;
            self.max_ms = ms;
        } else {
            self.min_ms = self.min_ms.min(ms);
            self.max_ms = self.max_ms.max(ms);
        }
        self.count += 1;
        self.sum_ms += ms;
        self.add_to_bucket(Self::bucket_of(ms), 1);
    }

    fn add_to_bucket(&mut self, bucket: i32, n: u64) {
        match self.buckets.binary_search_by_key(&bucket, |(b, _)| *b) {
            Ok(i) => self.buckets[i].1 += n,
            Err(i) => self.buckets.insert(i, (bucket, n)),
        }
    }

    pub fn merge(&mut self, other: &LatencyDigest) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        self.min_ms = self.min_ms.min(other.min_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
        self.count += other.count;
        self.sum_ms += other.sum_ms;
        for &(b, n) in &other.buckets {
            self.add_to_bucket(b, n);
        }
    }

    /// The `q` quantile (0..=1), as the upper edge of its bucket clamped to the exact min/max.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(Self::bucket_upper(b).clamp(self.min_ms, self.max_ms));
            }
        }
        Some(self.max_ms)
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ms / self.count as f64)
    }
}

/// One container as pod status shows it (status keeps only the last termination).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerRecord {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub restart_count: u32,
    /// Current state: `running`, `waiting: CrashLoopBackOff`, `terminated: Error`.
    pub state: ContainerState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_termination: Option<Termination>,
    /// Labels of the pod (for recognising etcd / apiserver / controllers).
    pub labels: BTreeMap<String, String>,
    pub origin: Origin,
}

impl ContainerRecord {
    pub fn subject(&self) -> Subject {
        Subject::Container {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.container.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ContainerState {
    Running {
        #[serde(skip_serializing_if = "Option::is_none")]
        started_at: Option<Timestamp>,
    },
    Waiting {
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    Terminated(Termination),
    Unknown,
}

/// A container termination (from `state.terminated` or `lastState.terminated`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Termination {
    pub exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
}

/// A Kubernetes event (core/v1 or events.k8s.io/v1), with its aggregation count and first/last times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub namespace: String,
    /// `Pod`, `Node`, ...
    pub object_kind: String,
    pub object_name: String,
    /// `spec.containers{name}` when the event is about one container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    pub reason: String,
    pub message: String,
    /// `Normal` or `Warning`.
    pub event_type: String,
    pub count: u32,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    /// `metadata.uid`: the same event is served by core/v1 and events.k8s.io/v1; counted once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub origin: Origin,
}

impl EventRecord {
    /// The container name this event is about, parsed from `spec.containers{name}`.
    pub fn container(&self) -> Option<&str> {
        let fp = self.field_path.as_deref()?;
        let start = fp.find('{')? + 1;
        let end = fp[start..].find('}')? + start;
        Some(&fp[start..end])
    }
}

/// A node with the conditions that matter for triage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRecord {
    pub name: String,
    pub conditions: Vec<NodeCondition>,
    /// What the kubelet reports about the node (status.nodeInfo).
    #[serde(flatten)]
    pub info: NodeInfo,
    /// status.addresses (InternalIP, Hostname, ...): how node-exporter's scrape targets are tied to the node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub origin: Origin,
}

/// A node's status.nodeInfo, as far as the report uses it; unknown parts are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_runtime: Option<String>,
    /// `v1.33.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubelet_version: Option<String>,
    /// `arm64`, `amd64`: edge clusters mix Raspberry Pis, Jetsons and NUCs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `Debian GNU/Linux 12 (bookworm)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeCondition {
    /// `Ready`, `DiskPressure`, `MemoryPressure`, ...
    pub condition_type: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition: Option<Timestamp>,
}

/// Something the tool could not read or collect: it lowers confidence and is always reported. The words for
/// it are in `report::words::gaps`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(try_from = "GapWire")]
pub struct Gap {
    /// What is missing and why, as data (`report::words::gaps::what` and `why` word it).
    pub reason: GapReason,
    /// The kind of evidence that is missing.
    pub missing: EvidenceKind,
    /// How it affects the analysis.
    pub effect: GapEffect,
    /// How to get the missing evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

/// A gap as bundle manifests store it: a typed reason since reasons were typed; `what` and `why` sentences in
/// bundles written before (kept as [`GapReason::Recorded`]); sentences (`impact`, `remedy`) in bundles written
/// before the gap effect was typed. An older manifest still reads: its gap keeps `what` and `why`, and lowers
/// confidence when its impact said so.
#[derive(serde::Deserialize)]
struct GapWire {
    #[serde(default)]
    reason: Option<GapReason>,
    #[serde(default)]
    what: Option<String>,
    #[serde(default)]
    missing: Option<EvidenceKind>,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    effect: Option<GapEffect>,
    #[serde(default)]
    remedy: Option<RemedyWire>,
    /// Bundles written before the gap effect was typed.
    #[serde(default)]
    impact: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum RemedyWire {
    Typed(Remedy),
    /// Advice worded by an older version; not kept.
    Worded(serde::de::IgnoredAny),
}

impl TryFrom<GapWire> for Gap {
    type Error = &'static str;
    fn try_from(w: GapWire) -> Result<Gap, Self::Error> {
        let legacy_effect = || match w.impact.as_deref() {
            Some(impact) if impact.contains("confidence") => GapEffect::LowersConfidence,
            Some(impact) if impact.starts_with("none") => GapEffect::None,
            _ => GapEffect::NotCollected,
        };
        let reason = match (w.reason, w.what) {
            (Some(reason), _) => reason,
            (None, Some(what)) => GapReason::Recorded { what, why: w.why.unwrap_or_default() },
            (None, None) => return Err("missing field `reason`"),
        };
        Ok(Gap {
            effect: w.effect.unwrap_or_else(legacy_effect),
            reason,
            missing: w.missing.unwrap_or(EvidenceKind::Unspecified),
            remedy: match w.remedy {
                Some(RemedyWire::Typed(r)) => Some(r),
                Some(RemedyWire::Worded(_)) | None => None,
            },
        })
    }
}

/// The kinds of evidence a gap can leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// etcd member logs (all of them, some members', or one member's).
    EtcdLogs,
    /// etcd's disk histograms (Prometheus or `/metrics`).
    EtcdMetrics,
    /// kube-apiserver logs.
    ApiServerLogs,
    /// kube-apiserver `/metrics`.
    ApiServerMetrics,
    /// The logs of a restarted container (its previous run, or the end of a streamed log).
    ContainerLogs,
    /// The run before a container's last restart, which the kubelet no longer keeps.
    PreviousLogs,
    /// Pod status (restart counts, termination reasons).
    PodStatus,
    /// Kubernetes events.
    Events,
    /// Node objects (conditions).
    Nodes,
    /// Kubernetes objects of a list or file.
    Objects,
    /// Lines of a log file (malformed or undated).
    LogLines,
    /// A file's content (unreadable, unrecognised, cut).
    FileContent,
    /// Cluster facts for the bundle's manifest (version).
    ClusterInfo,
    /// What one live collector gathers (the collector is named in its reason).
    Collector,
    /// Entries of an archive given to `analyze` (refused links and devices, damage, past a cap).
    ArchiveEntries,
    /// Files a bundle's manifest lists, checked against their SHA-256 (edited, missing or added).
    BundleFiles,
    /// Not recorded (a gap from a bundle written before gaps were typed).
    Unspecified,
}

/// What a gap does to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapEffect {
    /// None on the verdict (the same evidence came another way, or it only fills the manifest).
    None,
    /// Not collected at all (the collector could not fetch or store it).
    NotCollected,
    /// Read but not part of the analysis (unreadable, unrecognised or invalid).
    Unread,
    /// Kept up to a cut; what follows is not part of the analysis.
    Truncated,
    /// The lines are not counted (malformed or undated).
    LinesUncounted,
    /// The lines cannot be placed in time and are not counted.
    Undated,
    /// Pods in one place (namespace and selector) are not examined.
    PlaceSkipped,
    /// The evidence is not seen; the analysis goes on without it.
    NotSeen,
    /// The chain from etcd to a crash is incomplete for a container.
    ChainIncomplete,
    /// Storage latency can be neither confirmed nor ruled out.
    BlocksStorageVerdict,
    /// The verdict's confidence is lowered.
    LowersConfidence,
}

impl GapEffect {
    /// Whether the gap lowers the verdict's confidence.
    pub fn lowers_confidence(self) -> bool {
        self == GapEffect::LowersConfidence
    }
}

/// How to get missing evidence: fixed advice, with the names and figures it needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Remedy {
    /// Grant the RBAC permission (`verb` on `resource`), as deploy/rbac.yaml does.
    Grant { verb: String, resource: String },
    /// The API server rejected the credentials (401): refresh them and re-run.
    RefreshCredentials,
    /// The API server does not serve it (404): nothing to grant.
    NotServed,
    /// The API server failed the request (5xx): re-run later or collect on the node.
    ServerFailed { status: u16 },
    /// The API server refused the request with another status; the grant may help.
    Refused { status: u16, then: Box<Remedy> },
    /// No usable answer in time: re-run with longer timeouts, or collect on the node.
    NoAnswer,
    /// Re-run; if it persists raise the timeouts.
    Rerun,
    /// Raise `--deadline` / `--request-timeout`, or narrow `--since`.
    RaiseDeadline,
    /// Raise `--max-container-logs`, or narrow the scope with `-n`.
    RaiseMaxContainerLogs,
    /// The kubelet may be unreachable: analyse `/var/log/pods` on the node.
    AnalyzeOnNode,
    /// No etcd pods: analyse its logs on an etcd node, or point the etcd selector at its pods.
    FindEtcdLogs,
    /// No kube-apiserver pods: point the selector at them, or analyse its log files.
    FindApiServerLogs,
    /// Give the relevant part of a file that was cut.
    GiveRelevantPart,
    /// Check that Prometheus scrapes etcd's metrics URL.
    CheckPrometheusScrape,
    /// Check the Prometheus flags (URL, token, CA).
    CheckPrometheusFlags,
    /// Check the etcd client certificate flags.
    CheckEtcdCerts,
    /// Check `--etcd-endpoints` and the client certificates.
    CheckEtcdEndpoints,
    /// The archive is damaged: check it (`tar -tzf`) and send it again.
    CheckArchive,
    /// Raise `--max-entries` if the archive is trusted, or unpack the relevant part.
    RaiseMaxEntries,
    /// Raise `--max-unpacked-bytes` if the archive is trusted, or unpack the relevant part.
    RaiseMaxUnpackedBytes,
    /// Send the complete bundle, as `collect` wrote it.
    SendBundleAsCollected,
    /// An API answer was larger than `--max-response-bytes`: lower `--page-size`, or raise the cap.
    RaiseMaxResponseBytes,
    /// A log was cut at `--max-log-bytes` / `--max-total-log-bytes`: raise them or narrow `--since`.
    RaiseMaxLogBytes,
    /// The API server throttled the requests (429 / 503 with Retry-After): re-run later or with less `--concurrency`.
    Throttled,
}

impl Remedy {
    /// Grant `verb` on `resource`.
    pub fn grant(verb: &str, resource: &str) -> Remedy {
        Remedy::Grant { verb: verb.to_string(), resource: resource.to_string() }
    }
}

/// What one input file contributed (for the report's evidence inventory).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputSummary {
    pub source: String,
    /// What the tool recognised it as (an etcd log in zap JSON, a pod list, ...), with its figures.
    pub format: InputFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    pub lines: u64,
    /// Lines (or objects) that became evidence.
    pub matched: u64,
    /// Lines that looked relevant but could not be parsed; each is also listed in `malformed_lines` (first 20).
    pub malformed: u64,
    pub malformed_lines: Vec<u64>,
    /// Lines read and not used (nothing relevant in them, or the continuation of a line split by the container
    /// runtime, counted at its first record): `matched + malformed + ignored == lines` for a log file.
    pub ignored: u64,
    /// Evidence outside the analysis window (counted, not used).
    pub outside_window: u64,
}

impl InputSummary {
    /// An input that contributed no lines (documentation, an unrecognised or unreadable file).
    pub fn without_lines(source: impl Into<String>, format: InputFormat, malformed: u64) -> Self {
        InputSummary {
            source: source.into(),
            format,
            subject: None,
            lines: 0,
            matched: 0,
            malformed,
            malformed_lines: Vec::new(),
            ignored: 0,
            outside_window: 0,
        }
    }
}

/// How an etcd member's numeric id maps to its name (learned from raft lines such as `<id> became leader`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MemberId {
    pub name: String,
    pub id: String,
}

/// The first and last dated lines of one log file. For `/var/log/pods/.../<container>/<n>.log` files the file is
/// one container run (`run` = n), so its last line places the end of that run: this is how previous logs extend
/// a restart history beyond the single termination pod status keeps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogSpan {
    pub subject: Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<u32>,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub first: Origin,
    pub last: Origin,
}

/// A latency quantile of one etcd member over time, from metrics (a Prometheus range query, or two scrapes of
/// etcd's `/metrics`): what the disk did in every step, including the quiet ones that logs never show because
/// etcd logs only operations over its warning thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSeries {
    pub subject: Subject,
    /// The histogram, e.g. `etcd_disk_wal_fsync_duration_seconds`.
    pub metric: String,
    /// 0.99 for p99; `None` for a mean (node-exporter's write time over writes completed).
    pub quantile: Option<f64>,
    /// The query or endpoint the series came from.
    pub origin: Origin,
    /// (end of the step, quantile in ms), oldest first.
    pub points: Vec<(Timestamp, f64)>,
}

/// Another name under which metrics know an etcd member (a Prometheus `pod` or `instance` label, or the name given
/// to `--etcd-endpoints`), tied to the member id that etcd's `etcd_server_id` metric reports. The analysis uses it
/// to put metric evidence on the member its logs name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MemberAlias {
    pub alias: String,
    /// Member id in hex, as etcd prints it.
    pub id: String,
    pub origin: Origin,
}

/// Everything the sources produced. The analysis is a pure function of this and a window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    pub signals: Vec<Signal>,
    /// Latency series from metrics, beside the signals that their over-threshold steps became.
    pub metric_series: Vec<MetricSeries>,
    pub containers: Vec<ContainerRecord>,
    pub events: Vec<EventRecord>,
    pub nodes: Vec<NodeRecord>,
    pub member_ids: Vec<MemberId>,
    pub member_aliases: Vec<MemberAlias>,
    pub log_spans: Vec<LogSpan>,
    pub gaps: Vec<Gap>,
    pub inputs: Vec<InputSummary>,
    /// How the readers placed what the inputs did not state (a time zone, a year, relative ages).
    pub assumptions: Vec<Note>,
    /// Live collections (from a bundle's manifest) the evidence came from.
    pub collections: Vec<Collection>,
    /// Disk probes (`probe-disk -o json` reports) given as inputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_probes: Vec<DiskProbe>,
    /// Undated disk latency readings from pastes (a `/metrics` scrape, PromQL results).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_readings: Vec<DiskReading>,
    /// `etcdctl endpoint status -w json` rows (OpenShift must-gather `etcd_info/endpoint_status.json`). Carry no
    /// time: a snapshot of when the collection ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub etcd_status: Vec<EtcdEndpointStatus>,
    /// `etcdctl alarm list -w json` alarms (NOSPACE, CORRUPT); no time either.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub etcd_alarms: Vec<EtcdAlarm>,
    /// `etcdctl endpoint health -w json` rows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub etcd_health: Vec<EtcdEndpointHealth>,
}

/// A disk latency quantile read from a paste, with no time of its own: a scrape of etcd's `/metrics` (cumulative
/// since the member started) or a PromQL result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskReading {
    /// The member its labels name (`pod`, else `instance`), when they name one.
    pub member: Option<String>,
    /// `etcd_disk_wal_fsync_duration_seconds` or `etcd_disk_backend_commit_duration_seconds`.
    pub metric: String,
    pub quantile: f64,
    pub value_ms: f64,
    /// Histogram bucket edges the quantile lies between, when read from buckets.
    pub bucket_ms: Option<(f64, f64)>,
    /// Operations the histogram counted, and those at or over 512 ms (past twice the heartbeat deadline).
    pub total_ops: Option<u64>,
    pub slow_ops: Option<u64>,
    pub origin: Origin,
}

/// A measurement of a disk with etcd's WAL workload (2300-byte writes, each followed by fdatasync): a
/// `probe-disk -o json` report, or the same figures from fio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskProbe {
    /// The node it ran on, when the report names it.
    pub host: Option<String>,
    /// The folder it wrote in (`/var/lib/etcd`).
    pub dir: String,
    pub at: Option<Timestamp>,
    /// The percentiles, when the tool printed them (fio before 3.5 prints only IOPS for the syncs).
    pub fdatasync_p50_ms: Option<f64>,
    pub fdatasync_p99_ms: Option<f64>,
    pub fdatasync_max_ms: Option<f64>,
    /// Write + fdatasync pairs per second.
    pub iops: Option<f64>,
    pub origin: Origin,
}

/// One member's `etcdctl endpoint status`: ids in hex as etcd prints them in logs, sizes in bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtcdEndpointStatus {
    pub endpoint: String,
    pub member_id: String,
    pub leader_id: String,
    pub version: String,
    pub db_size_bytes: u64,
    /// `dbSizeInUse` (etcd 3.4+): the rest of `db_size_bytes` is free pages a defragmentation would return.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_size_in_use_bytes: Option<u64>,
    /// `dbSizeQuota` (etcd 3.6+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_size_quota_bytes: Option<u64>,
    pub raft_term: u64,
    pub raft_index: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raft_applied_index: Option<u64>,
    /// `errors` (alarms appear here too: `memberID:... alarm:NOSPACE `).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    pub origin: Origin,
}

impl EtcdEndpointStatus {
    pub fn is_leader(&self) -> bool {
        self.member_id == self.leader_id
    }
}

/// An active etcd alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EtcdAlarm {
    /// Hex member id.
    pub member_id: String,
    /// `NOSPACE`, `CORRUPT`, or the number etcdctl printed for an alarm type unknown here.
    pub alarm: String,
    pub origin: Origin,
}

/// One endpoint's `etcdctl endpoint health`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtcdEndpointHealth {
    pub endpoint: String,
    pub healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub took_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub origin: Origin,
}

/// How a live collection was made: kept in a bundle's manifest so that analysing the bundle later reproduces the
/// live run's report (same window, same "now").
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Collection {
    /// kubeconfig context (or `in-cluster`).
    pub context: String,
    /// API server URL.
    pub server: String,
    /// `v1.33.0`, when `/version` answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_version: Option<String>,
    pub collected_at: Timestamp,
    pub window_from: Timestamp,
    pub window_to: Timestamp,
    /// How the window was chosen (`--since 6h` before the collection).
    pub window_basis: CollectionWindow,
    /// Which workloads were examined (all namespaces, or one).
    pub scope: CollectionScope,
    /// Where etcd and kube-apiserver were found (or that they are not visible as pods), one entry a role.
    pub discovery: Vec<Discovery>,
    /// Whether secrets were redacted before anything was written.
    pub redacted: bool,
    pub tool_version: String,
}

impl Evidence {
    /// Adds everything from `other` (several sources feed one analysis).
    pub fn extend(&mut self, other: Evidence) {
        self.signals.extend(other.signals);
        self.metric_series.extend(other.metric_series);
        self.containers.extend(other.containers);
        self.events.extend(other.events);
        self.nodes.extend(other.nodes);
        self.member_ids.extend(other.member_ids);
        self.member_aliases.extend(other.member_aliases);
        self.log_spans.extend(other.log_spans);
        self.gaps.extend(other.gaps);
        self.inputs.extend(other.inputs);
        self.assumptions.extend(other.assumptions);
        self.collections.extend(other.collections);
        self.disk_probes.extend(other.disk_probes);
        self.disk_readings.extend(other.disk_readings);
        self.etcd_status.extend(other.etcd_status);
        self.etcd_alarms.extend(other.etcd_alarms);
        self.etcd_health.extend(other.etcd_health);
    }

    /// Earliest and latest timestamps across all evidence.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        let (lo, hi) = self.time_bulk()?;
        let mut span: Option<(Timestamp, Timestamp)> = None;
        for t in self.times().filter(|t| (lo..=hi).contains(t)) {
            span = Some(match span {
                None => (t, t),
                Some((a, b)) => (a.min(t), b.max(t)),
            });
        }
        span
    }

    /// Every time the evidence carries: signals, events, container terminations and metric points.
    fn times(&self) -> impl Iterator<Item = Timestamp> + '_ {
        let signal_times = self.signals.iter().flat_map(|s| [s.first_at, s.last_at]);
        let event_times = self.events.iter().flat_map(|e| [e.first_at, e.last_at]);
        let termination_times = self.containers.iter().flat_map(|c| {
            c.last_termination.iter().flat_map(|t| [t.started_at, t.finished_at]).flatten().collect::<Vec<_>>()
        });
        let metric_times = self.metric_series.iter().flat_map(|m| m.points.iter().map(|(t, _)| *t));
        signal_times.chain(event_times).chain(termination_times).chain(metric_times)
    }

    /// The times the bulk of the evidence lies in: within
    /// [`TIME_OUTLIER_DAYS`](crate::model::thresholds::TIME_OUTLIER_DAYS) of the median of all its times (the
    /// median moves by one place whatever one outlier says, so a single year-9999 line cannot drag it).
    pub fn time_bulk(&self) -> Option<(Timestamp, Timestamp)> {
        let mut all: Vec<Timestamp> = self.times().collect();
        if all.is_empty() {
            return None;
        }
        let mid = all.len() / 2;
        let median = *all.select_nth_unstable(mid).1;
        let reach = chrono::Duration::days(crate::model::thresholds::TIME_OUTLIER_DAYS);
        let lo = median.checked_sub_signed(reach).unwrap_or(Timestamp::MIN_UTC);
        let hi = median.checked_add_signed(reach).unwrap_or(Timestamp::MAX_UTC);
        Some((lo, hi))
    }

    /// Records timed far from the bulk of the evidence ([`Evidence::time_bulk`]) become one gap naming the first
    /// (file:line) and their count; they stay in the evidence (counted outside the window) but no longer move the
    /// window, `--since` or the chart. The gap lowers nothing else.
    pub fn note_time_outliers(&mut self) {
        let Some((lo, hi)) = self.time_bulk() else { return };
        let far = |t: &Timestamp| !(lo..=hi).contains(t);
        let mut outliers: Vec<(&Origin, Timestamp)> = Vec::new();
        for s in &self.signals {
            if let Some(t) = [s.first_at, s.last_at].into_iter().find(far) {
                outliers.push((&s.first, t));
            }
        }
        for e in &self.events {
            if let Some(t) = [e.first_at, e.last_at].into_iter().find(far) {
                outliers.push((&e.origin, t));
            }
        }
        for c in &self.containers {
            let Some(end) = &c.last_termination else { continue };
            if let Some(t) = [end.started_at, end.finished_at].into_iter().flatten().find(far) {
                outliers.push((&c.origin, t));
            }
        }
        let Some((first, at)) = outliers.first() else { return };
        let gap = Gap {
            reason: GapReason::Analysis(AnalysisGap::TimeOutliers {
                count: outliers.len(),
                days: crate::model::thresholds::TIME_OUTLIER_DAYS,
                first: first.to_string(),
                at: *at,
            }),
            missing: EvidenceKind::LogLines,
            effect: GapEffect::NotSeen,
            remedy: None,
        };
        self.gaps.push(gap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_quantiles_are_within_bucket_width() {
        let mut d = LatencyDigest::new();
        for i in 1..=1000 {
            d.record(i as f64);
        }
        let p50 = d.quantile(0.5).unwrap();
        let p99 = d.quantile(0.99).unwrap();
        assert!((p50 - 500.0).abs() / 500.0 <= 0.04, "p50 {p50}");
        assert!((p99 - 990.0).abs() / 990.0 <= 0.04, "p99 {p99}");
        assert_eq!(d.quantile(1.0), Some(1000.0));
        assert_eq!(d.max_ms, 1000.0);
        assert_eq!(d.min_ms, 1.0);
    }

    #[test]
    fn digest_merge_equals_recording_everything() {
        let mut a = LatencyDigest::new();
        let mut b = LatencyDigest::new();
        let mut all = LatencyDigest::new();
        for i in 0..100 {
            let v = (i * 37 % 101) as f64 + 0.5;
            if i % 2 == 0 {
                a.record(v)
            } else {
                b.record(v)
            }
            all.record(v);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn digest_ignores_non_finite() {
        let mut d = LatencyDigest::new();
        d.record(f64::NAN);
        d.record(-1.0);
        assert_eq!(d.count, 0);
        assert_eq!(d.quantile(0.5), None);
    }

    #[test]
    fn competing_and_failure_classes_are_not_disk_evidence() {
        use SignalClass as C;
        for c in [C::CpuStarved, C::Defrag, C::ExpensiveRequest, C::RaftMessageDropped, C::PreVote, C::PeerUnreachable]
        {
            assert!(c.competes_with_disk() && !c.is_disk_specific(), "{c:?}");
        }
        for c in [C::Fatal, C::DbLocked, C::BackendCorrupt, C::MembershipError] {
            assert!(c.is_etcd_failure() && !c.is_disk_specific() && !c.competes_with_disk(), "{c:?}");
        }
        // Compaction is neither: its duration measures history, and it blocks nothing for long.
        assert!(!C::Compaction.is_disk_specific() && !C::Compaction.competes_with_disk());
        assert!(!C::SlowWalSync.competes_with_disk() && C::SlowWalSync.is_disk_specific());
    }

    #[test]
    fn event_container_from_field_path() {
        let e = EventRecord {
            namespace: "ns".into(),
            object_kind: "Pod".into(),
            object_name: "p".into(),
            field_path: Some("spec.containers{manager}".into()),
            reason: "BackOff".into(),
            message: String::new(),
            event_type: "Warning".into(),
            count: 1,
            first_at: Timestamp::default(),
            last_at: Timestamp::default(),
            uid: None,
            origin: Origin::new("x", None),
        };
        assert_eq!(e.container(), Some("manager"));
    }
}
