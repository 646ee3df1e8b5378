//! The JSON wire types (`-o json`, schema [`crate::model::SCHEMA_VERSION`]): the report as automation reads it, kept apart from
//! [`crate::model`] as ripgrep keeps `jsont.rs` apart from its printer, so the model can change while the contract
//! only changes on purpose. `schema/report.schema.json` is generated from these types (`tests/schema.rs`).
//!
//! Every type is built `From` its model twin by destructuring it whole, and every enum by an exhaustive match: a
//! field or variant added to, removed from or renamed in the model is a compile error in exactly one `From` impl
//! below, where the JSON's answer to it is decided.
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::evidence::{self, Timestamp};
use crate::model::{self, thresholds};

// ---------------------------------------------------------------------------------------------------------
// The types

/// The whole analysis, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Report {
    /// `etcd-triage/report/v3`: check it before reading anything else.
    pub schema_version: String,
    /// The etcd-triage version that wrote the report.
    pub tool_version: String,
    /// The instant the analysis treated as "now" (a pinned value in tests).
    pub generated_at: Timestamp,
    pub window: Window,
    /// Which of the two answers leads the report.
    pub headline: Headline,
    /// What caused the restarts.
    pub verdict: Verdict,
    /// Whether etcd's storage is too slow, whatever the restarts were.
    pub storage: StorageAssessment,
    /// Containers that restarted (or crash-loop), with reconstructed histories and per-restart attribution.
    pub containers: Vec<ContainerHistory>,
    /// Disk and consensus signals per etcd member.
    pub members: Vec<MemberSignals>,
    /// Nodes that run a restarted container or an etcd member, or have an abnormal condition (at most 20).
    pub nodes: Vec<NodeSummary>,
    /// Relevant nodes left out of `nodes` by the cap.
    pub nodes_omitted: usize,
    /// The merged, folded timeline in time order.
    pub timeline: Vec<TimelineRow>,
    pub recommendations: Vec<Recommendation>,
    /// What could not be read or collected, and how it limits the verdict.
    pub gaps: Vec<Gap>,
    /// Every input and what it contributed.
    pub inputs: Vec<InputSummary>,
    /// Live collections the inputs came from (context, server, window, discovery).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
    /// How undated / unzoned timestamps were placed, and other assumptions.
    pub assumptions: Vec<String>,
    /// Thresholds in force (defaults cite their sources; flags may override).
    pub thresholds: Thresholds,
}

/// The time window analysed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Window {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    /// How the window was chosen (`the evidence's own span`, `--since 2h before the latest evidence`, ...).
    pub basis: String,
    /// Signals and events left out because they fall outside the window.
    pub excluded: u64,
}

/// What caused the restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// etcd storage latency (slow WAL fsync / backend) propagated to the crashing containers.
    StorageLatency,
    /// An etcd member (usually the leader) stalled without disk evidence: CPU starvation, a frozen process or a
    /// paused VM.
    EtcdStall,
    /// etcd members could not reach each other (partition, peer down) without disk latency.
    NetworkPartition,
    /// etcd members' clocks disagree.
    ClockSkew,
    /// etcd's backend quota was exceeded (NOSPACE alarm): writes fail, not slow.
    NoSpaceAlarm,
    /// TLS certificates expired or do not match.
    CertificateError,
    /// etcd was down / refused connections (not slow).
    EtcdUnavailable,
    /// The container was OOM-killed.
    OutOfMemory,
    /// The container fails right after start on its configuration.
    ConfigError,
    /// The kubelet killed the container after liveness probe failures unrelated to storage.
    ProbeFailure,
    /// A backend defragmentation blocked etcd (stop-the-world) long enough to explain the trouble.
    Defragmentation,
    /// Requests with huge responses (ranges over much of the keyspace) made etcd slow, not its disk.
    ExpensiveRequests,
    /// etcd itself failed: it panicked, its bbolt db is corrupt, or its membership is wrong.
    EtcdFailure,
    /// The container exited with an error the evidence does not explain.
    Unexplained,
}

/// How sure the tool is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The overall answer, printed first.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Verdict {
    /// `storage_latency`, `other_cause`, `inconclusive` or `no_restarts`.
    pub outcome: Outcome,
    /// The cause that fits best (absent when inconclusive or there are no restarts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// One line (`CrashLoopBackOff is caused by etcd storage latency (high confidence)`).
    pub headline: String,
    /// One paragraph of reasoning.
    pub reasoning: String,
    /// The strongest evidence, cited.
    pub evidence: Vec<Citation>,
    /// Causes considered and why they fit less well.
    pub alternatives: Vec<Alternative>,
    /// What evidence would settle an open question (always present when inconclusive).
    pub to_settle: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    StorageLatency,
    OtherCause,
    Inconclusive,
    NoRestarts,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Alternative {
    pub cause: Cause,
    pub why_not: String,
}

/// A claim and the record it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Citation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// Which link of the causal chain the record is.
    pub link: Link,
    /// What the record shows (`etcd-node1: 12x slow WAL fdatasync, max 3.0s`).
    pub claim: String,
    /// `file:line` or API path.
    pub origin: Origin,
}

/// The links of the chain from storage to a crash, and the records that stand outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Disk evidence in etcd (slow WAL sync, backend, apply).
    Disk,
    /// etcd consensus trouble (elections, late heartbeats, read-index and request timeouts).
    Consensus,
    /// kube-apiserver errors towards etcd.
    ApiServer,
    /// The crashed container's own lines (lease loss, timeouts, config errors, OOM).
    Container,
    /// Pod status and kubelet events.
    Kubelet,
    /// Evidence for a competing cause (peer unreachable, clock drift, NOSPACE, certificates).
    Competing,
}

/// One container's reconstructed restart history.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ContainerHistory {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// `restartCount` from pod status (absent when only logs were available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<u32>,
    /// Current state (`CrashLoopBackOff`, `Running`).
    pub state: String,
    pub crash_loop: bool,
    /// Restarts whose time could be placed, oldest first.
    pub restarts: Vec<RestartRecord>,
    /// Restarts known only by count (restartCount minus the placed ones).
    pub unplaced_restarts: u32,
    /// Kubelet events about the container (BackOff, Unhealthy, Killing, OOMKilling), with counts.
    pub events: Vec<EventSummary>,
    /// Cause attributed to most of its restarts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

/// One placed restart (a container run that ended).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct RestartRecord {
    /// When the run ended (exact from status, or the last log line of that run).
    pub ended_at: Timestamp,
    /// True when `ended_at` comes from the last log line rather than status.
    pub approximate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the restart is known from.
    pub origin: Origin,
    pub attribution: Attribution,
}

/// Why one restart happened.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Attribution {
    pub cause: Cause,
    pub confidence: Confidence,
    /// One or two sentences.
    pub summary: String,
    /// The chain as seen, oldest first (disk -> consensus -> API -> lease -> exit).
    pub evidence: Vec<Citation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct EventSummary {
    pub reason: String,
    pub message: String,
    pub count: u32,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub origin: Origin,
}

/// Disk and consensus signals of one etcd member (counts of lines etcd logged; latency statistics are over
/// the durations those lines report, i.e. over the slow operations only).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MemberSignals {
    pub member: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// Times this member was seen as leader (terms it led).
    pub leader_terms: Vec<u64>,
    pub slow_wal_sync: LatencyStats,
    pub slow_apply: LatencyStats,
    pub slow_backend: LatencyStats,
    pub heartbeat_late: LatencyStats,
    pub leader_changes_seen: u64,
    pub elections_started: u64,
    pub read_index_slow: u64,
    pub request_timeouts: u64,
    pub peer_unreachable: u64,
    pub clock_drift: u64,
    pub nospace_alarms: u64,
    pub certificate_errors: u64,
    pub restarts_seen: u64,
    /// Compact latency series (ms) per minute for the sparkline: (minute start, max latency that minute).
    pub latency_series: Vec<(Timestamp, f64)>,
    /// The disk latency that metrics measured over the window (every step, not only the slow ones), when
    /// Prometheus or etcd's `/metrics` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_metric: Option<DiskMetricSeries>,
    /// What the member's evidence says, strongest finding first, tagged by `kind`.
    pub assessment: MemberAssessment,
    /// The same in words (`WAL fsync up to 3s: 300x the 10ms guidance`).
    pub assessment_text: String,
    /// Lines of competing explanations this member logged, by class (the classes that compete with a disk cause
    /// or show etcd itself failing, plus compactions); absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub competing: BTreeMap<SignalClass, u64>,
}

/// A node the verdict touches, with what the kubelet reports about it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NodeSummary {
    pub name: String,
    /// From `node-role.kubernetes.io/<role>` labels.
    pub roles: Vec<String>,
    /// Why it is listed (it runs an etcd member, a restarted container, or has an abnormal condition).
    pub why_listed: Vec<ListedFor>,
    /// Abnormal conditions (`DiskPressure` `True`, `Ready` `False`).
    pub conditions: Vec<NodeConditionState>,
    /// What the kubelet reports about it (kernel, runtime, kubelet, architecture, OS image).
    #[serde(flatten)]
    pub info: NodeInfo,
    /// The slowest device's mean write latency by node-exporter, when Prometheus had it for this node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_write_latency: Option<NodeDiskLatency>,
    pub origin: Origin,
}

/// node-exporter's mean write latency (write time over writes completed) of a node's slowest device.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NodeDiskLatency {
    /// `node disk write latency (sda)`.
    pub metric: String,
    pub max_ms: f64,
    pub at: Timestamp,
    pub origin: Origin,
}

/// A disk latency quantile of one member over time, from metrics.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DiskMetricSeries {
    /// `etcd_disk_wal_fsync_duration_seconds` (preferred) or `etcd_disk_backend_commit_duration_seconds`.
    pub metric: String,
    /// 0.99 for p99.
    pub quantile: f64,
    /// The query or endpoint it came from.
    pub origin: Origin,
    /// Highest value in `points`.
    pub max_ms: f64,
    /// (end of the step, quantile in ms), oldest first.
    pub points: Vec<(Timestamp, f64)>,
}

/// p50/p99/max over a set of durations.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LatencyStats {
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
}

/// One folded timeline row.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct TimelineRow {
    pub from: Timestamp,
    pub to: Timestamp,
    pub subject: Subject,
    /// Lines folded into the row.
    pub count: u64,
    /// What the row records, tagged by `type`.
    pub kind: RowKind,
    /// The latency of a folded row, when its lines carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<RowLatency>,
    /// The row in words, count included (`12x slow apply (p99 1.2s, max 2.4s)`).
    pub summary: String,
    pub severity: Severity,
    /// First and (when different) last record.
    pub first: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Origin>,
}

/// What one member's evidence says, strongest finding first.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemberAssessment {
    /// WAL syncs over etcd's `slow fdatasync` level (`logged_over_ms`): the disk is too slow for etcd.
    SlowWalSyncs { count: u64, max_ms: f64, logged_over_ms: f64, guidance_ms: f64 },
    /// Applies far over etcd's warning (`expected_ms`) without a slow WAL sync: disk and CPU both remain possible.
    SevereApplies { max_ms: f64, expected_ms: f64, wal_logged_over_ms: f64 },
    /// Late heartbeats without slow disk lines: CPU, pauses or the network.
    LateHeartbeats { count: u64 },
    /// Peer connectivity errors.
    PeerErrors { count: u64 },
    /// Slow applies within what busy healthy clusters show.
    BusyApplies { count: u64, max_ms: f64 },
    /// Nothing slow logged.
    Quiet,
    /// Known from metrics only: no slow operation logged.
    MetricsOnly { metric: String, max_ms: f64, guidance_ms: f64 },
}

/// Why a node is listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListedFor {
    /// It runs this etcd member.
    EtcdMember { member: String },
    /// It runs this restarted container.
    RestartedContainer { container: String },
    /// It has an abnormal condition (listed in `conditions`).
    AbnormalCondition,
}

/// An abnormal node condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct NodeConditionState {
    pub condition: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What a timeline row records.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RowKind {
    /// A burst of one signal class on one subject, folded.
    Signal { class: SignalClass },
    /// A container's run ended, with the restart's attribution.
    Restart {
        #[serde(skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// The time comes from the run's last log line.
        approximate: bool,
        cause: Cause,
        confidence: Confidence,
    },
    /// A kubelet event (warnings and kills), its message as recorded.
    Event { reason: String, message: String },
    /// An abnormal node condition, at its last transition.
    NodeCondition(NodeConditionState),
}

/// The latency of a folded row: its p99 when several lines carried one, and its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct RowLatency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    /// Direct storage evidence.
    Disk,
    /// A container restart.
    Restart,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Recommendation {
    /// `do` or `avoid`.
    pub kind: AdviceKind,
    pub title: String,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    Do,
    Avoid,
}

/// Which answer the report leads with: the restart attribution when restarts are in the evidence, else the
/// storage verdict.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Headline {
    pub kind: HeadlineKind,
    /// True when the headline is etcd storage latency (what `--fail-on storage` acts on): the restarts were put
    /// down to it, or there were none and the storage verdict is `too_slow`.
    pub storage_latency: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeadlineKind {
    Restarts,
    Storage,
}

/// The answer to "is etcd's storage too slow?", per member and for the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageVerdict {
    /// No disk evidence at all: neither confirmed nor ruled out.
    Unknown,
    /// Disk evidence is present and within etcd's guidance.
    Healthy,
    /// Over the guidance (WAL fsync p99 10 ms, backend commit p99 25 ms), or slow on a minority of followers,
    /// without consensus trouble following it.
    Degraded,
    /// Disk latency on the leader or a quorum that etcd's consensus suffers from.
    TooSlow,
}

/// The kinds of evidence a storage verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiskBasis {
    /// etcd logged WAL syncs over its 1 s warning (`slow fdatasync`, capnslog `sync duration of`).
    LoggedWalSync,
    /// etcd logged slow backend (bbolt) I/O (`took` of a commit, snapshot or db open).
    LoggedBackend,
    /// `etcd_disk_wal_fsync_duration_seconds` quantiles from metrics.
    WalFsyncMetric,
    /// `etcd_disk_backend_commit_duration_seconds` quantiles from metrics.
    BackendCommitMetric,
    /// A `probe-disk` (etcd's fio workload) report.
    Probe,
    /// Slow applies on every member at once, each through its own WAL, with late heartbeats of matching size on
    /// the leader: the shape of disk latency under etcd's 1 s `slow fdatasync` warning.
    ApplyShape,
}

/// The consensus trouble seen after the disk evidence (lines etcd logged).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ConsensusTrouble {
    pub late_heartbeats: u64,
    pub leader_changes: u64,
    pub elections_started: u64,
    pub read_index_slow: u64,
    pub request_timeouts: u64,
}

/// What would settle an open storage question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageSettle {
    /// etcd logs of every member for the window.
    EtcdLogs,
    /// etcd's disk histograms (WAL fsync, backend commit) for the window.
    DiskMetrics,
    /// etcd's fio workload (or `probe-disk`) on the etcd data disk.
    DiskProbe,
    /// Which member led (election lines), to tell a slow leader from a slow follower.
    LeaderHistory,
    /// Pod status, events and previous logs, to tie restarts to the storage latency.
    RestartEvidence,
    /// CPU throttling / steal of the etcd members, to tell CPU starvation from disk latency.
    CpuEvidence,
}

/// One member's disk, as the evidence shows it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MemberStorage {
    pub member: String,
    pub verdict: StorageVerdict,
    /// Led at some point in the window.
    pub leader: bool,
    pub basis: Vec<DiskBasis>,
    /// WAL syncs etcd logged as slow, and the slowest.
    pub slow_wal_syncs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wal_sync_max_ms: Option<f64>,
    /// Slow backend I/O logged, the slowest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend_max_ms: Option<f64>,
    /// The highest disk quantile metrics measured (`metric`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_max_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// fdatasync p99 of a disk probe on this member's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_p99_ms: Option<f64>,
    /// Syncs a pasted histogram counted at 512 ms or more (each blocked the raft loop past the heartbeat deadline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow_metric_ops: Option<u64>,
    /// Slow applies logged, and their median.
    pub slow_applies: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_p50_ms: Option<f64>,
    /// Late heartbeats this member (as leader) logged, and their median lateness.
    pub late_heartbeats: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_p50_ms: Option<f64>,
}

/// Is etcd's storage too slow?
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StorageAssessment {
    pub verdict: StorageVerdict,
    /// Absent when the verdict is `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// The kinds of evidence the verdict rests on.
    pub basis: Vec<DiskBasis>,
    /// Members whose disk is over the guidance (degraded or too slow).
    pub affected_members: Vec<String>,
    /// How many members the evidence shows.
    pub member_count: usize,
    /// Whether a member that led in the window is among the affected (absent when no leader is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_affected: Option<bool>,
    /// The worst disk latency the evidence shows (logged, metric or probe) and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_member: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_basis: Option<DiskBasis>,
    /// Consensus trouble from the first disk evidence on.
    pub consensus: ConsensusTrouble,
    /// A late-heartbeat stall without disk evidence on a member, which points to CPU or a frozen process.
    pub cpu_or_pause_suspected: bool,
    pub members: Vec<MemberStorage>,
    /// The strongest records behind it.
    pub evidence: Vec<Citation>,
    /// What would settle it or strengthen it.
    pub to_settle: Vec<StorageSettle>,
}

/// Where a record came from: a file and line, or an API path. Rendered as `file:line` in citations.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Origin {
    /// File path (as given by the user) or API path such as `api/v1/pods`. Shared: every record of a file points at
    /// one copy.
    pub source: String,
    /// 1-based physical line, when the source is a text file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// Who emitted a log record or owns an object.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
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

/// Something the tool could not read or collect: it lowers confidence and is always reported.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Gap {
    /// What is missing (`file logs/etcd-0.log line 17`, `events in namespace karmada-system`).
    pub what: String,
    /// Which kind of evidence is missing.
    pub missing: EvidenceKind,
    /// Why (`not valid JSON: expected value at column 1`, `403 Forbidden`).
    pub why: String,
    /// What the gap does to the analysis (`lowers_confidence` is the one that lowers the verdict's confidence).
    pub effect: GapEffect,
    /// The same in words.
    pub impact: String,
    /// How to get the missing evidence (`grant get on pods/log`, `run analyze /var/log/pods on the node`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remedy: String,
}

/// What one input file contributed (for the report's evidence inventory).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct InputSummary {
    pub source: String,
    /// What the tool recognised it as (`etcd log (zap JSON)`, `pod list`, ...).
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    pub lines: u64,
    /// Lines (or objects) that became evidence.
    pub matched: u64,
    /// Lines that looked relevant but could not be parsed; each is also listed in `malformed_lines` (first 20).
    pub malformed: u64,
    pub malformed_lines: Vec<u64>,
    /// Lines read and not used (nothing relevant, or a continuation of a line split by the container runtime):
    /// `matched + malformed + ignored == lines` for a log file.
    pub ignored: u64,
    /// Evidence outside the analysis window (counted, not used).
    pub outside_window: u64,
}

/// How a live collection was made: kept in a bundle's manifest so that analysing the bundle later reproduces the
/// live run's report (same window, same "now").
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Collection {
    /// kubeconfig context (or `in-cluster`).
    pub context: String,
    /// API server URL.
    pub server: String,
    /// `v1.33.0`, when `/version` answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_version: Option<String>,
    pub collected_at: Timestamp,
    pub window_from: Timestamp,
    pub window_to: Timestamp,
    /// `--since 6h before collection`.
    pub window_basis: String,
    /// `all namespaces` or `namespace karmada-system`.
    pub scope: String,
    /// Where etcd and kube-apiserver were found (or that they are not visible as pods).
    pub discovery: Vec<String>,
    /// Whether secrets were redacted before anything was written.
    pub redacted: bool,
    pub tool_version: String,
}

/// A node's status.nodeInfo, as far as the report uses it; unknown parts are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
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

/// Coarse class of a signal, used for folding and for counting per member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
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

/// Thresholds in force for one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Thresholds {
    /// WAL fsync p99 a disk should stay under: 10 ms (etcd docs, quoted by the IBM fio blog; Red Hat KCS 5060021;
    /// etcd maintainers in etcd-io/etcd discussion #17305).
    pub wal_fsync_p99_ms: f64,
    /// Backend commit p99 guidance: 25 ms (Red Hat KCS 4865321, "Backend Performance Requirements for OpenShift etcd").
    pub backend_commit_p99_ms: f64,
    /// etcd logs `slow fdatasync` when one WAL sync takes longer than this: 1 s (`warnSyncDuration`, wal/wal.go).
    pub slow_fdatasync_ms: f64,
    /// etcd logs `apply request took too long` past this: 100 ms (`warnApplyDuration` / `DefaultWarningApplyDuration`).
    pub apply_expected_ms: f64,
    /// An apply this slow is "far over" the expected 100 ms and counts as storage evidence when seen on the leader or a
    /// quorum: 500 ms (our choice: 5x etcd's warning level, and half the default election timeout, beyond what CPU
    /// contention on a healthy node usually causes; applies of 100-300 ms are common on busy healthy clusters,
    /// ETCD-SIGNALS §6).
    pub apply_severe_ms: f64,
    /// Default heartbeat interval: 100 ms (etcd `--heartbeat-interval`, etcd.io "Tuning").
    pub heartbeat_ms: f64,
    /// Default election timeout: 1000 ms (etcd `--election-timeout`, etcd.io "Tuning").
    pub election_ms: f64,
    /// A late heartbeat by at least this much, with no slow fdatasync on that member around it, means the raft loop
    /// stalled for a reason other than the WAL disk: etcd logs every WAL sync over 1 s, so a disk stall that long
    /// would have left a `slow fdatasync` line.
    pub stall_without_fsync_ms: f64,
    /// How long before a restart evidence may have caused it: 600 s. Lease renew deadlines are 10-15 s and
    /// kubelet back-off caps at 5 min; 10 min covers a back-off cycle plus the run that failed.
    pub causal_window_secs: i64,
    /// A container that fails within this long of starting is failing at start-up: 30 s.
    pub startup_failure_secs: i64,
    /// Timeline rows of the same subject and kind closer than this are folded: 60 s.
    pub timeline_fold_secs: i64,
    /// A defragmentation at least this long is a competing explanation for slow applies, read-index and request
    /// timeouts around it: 1000 ms, the default election timeout (our choice). "Defragmenting etcd is a blocking
    /// action. The etcd member will not respond until defragmentation is complete" (OpenShift 4.5 docs,
    /// "Defragmenting etcd data"); etcd maintainers call it "stop the world" where compaction is not (etcd-io/etcd
    /// discussion #17312).
    pub defrag_blocking_ms: f64,
    /// A member that sends pre-votes at one term for at least this long without a leader being elected is in a
    /// pre-vote loop (cut off from its peers, or quorum lost): 10 s, ten default election timeouts; a normal
    /// election finishes within one or two.
    pub prevote_loop_secs: i64,
    /// Expensive requests explain the trouble only when they are slow themselves: an expensive request at least
    /// this slow, or `expensive_request_count` of them. 500 ms, the same level as `apply_severe_ms`. The
    /// size floor that makes a request expensive (1000 keys or 10 MiB in one response) is the parser's
    /// (`parse::etcd::LARGE_RESPONSE_KEYS` / `LARGE_RESPONSE_BYTES`), documented there.
    pub expensive_request_ms: f64,
    /// ... or this many expensive requests in the causal window: 10 (our choice: a client listing in a loop).
    pub expensive_request_count: u64,
    /// The etcd mixin's alert levels (etcd-io/etcd contrib/mixin), shown beside the guidance because a disk at
    /// 100 ms p99 already breaks leader election while none of them fires: WAL fsync p99 > 0.5 s warning,
    /// > 1 s critical (`etcdHighFsyncDurations`); backend commit p99 > 0.25 s (`etcdHighCommitDurations`);
    /// >= 4 leader changes in 15 min (`etcdHighNumberOfLeaderChanges`).
    pub mixin_fsync_warning_ms: f64,
    pub mixin_fsync_critical_ms: f64,
    pub mixin_commit_warning_ms: f64,
    pub mixin_leader_changes_15m: u32,
}

// ---------------------------------------------------------------------------------------------------------
// From the model

impl From<&model::Report> for Report {
    fn from(v: &model::Report) -> Self {
        let model::Report {
            schema_version,
            tool_version,
            generated_at,
            window,
            headline,
            verdict,
            storage,
            containers,
            members,
            nodes,
            nodes_omitted,
            timeline,
            recommendations,
            gaps,
            inputs,
            collections,
            assumptions,
            thresholds,
        } = v;
        Report {
            schema_version: schema_version.to_string(),
            tool_version: tool_version.to_string(),
            generated_at: *generated_at,
            window: window.into(),
            headline: headline.into(),
            verdict: verdict.into(),
            storage: storage.into(),
            containers: containers.iter().map(Into::into).collect(),
            members: members.iter().map(Into::into).collect(),
            nodes: nodes.iter().map(Into::into).collect(),
            nodes_omitted: *nodes_omitted,
            timeline: timeline.iter().map(Into::into).collect(),
            recommendations: recommendations.iter().map(Into::into).collect(),
            gaps: gaps.iter().map(Into::into).collect(),
            inputs: inputs.iter().map(Into::into).collect(),
            collections: collections.iter().map(Into::into).collect(),
            assumptions: assumptions.iter().map(crate::report::words::verdict::assumption).collect(),
            thresholds: thresholds.into(),
        }
    }
}

impl From<&model::Window> for Window {
    fn from(v: &model::Window) -> Self {
        let model::Window { from, to, basis, excluded } = v;
        Window { from: *from, to: *to, basis: crate::report::words::verdict::window_basis(basis), excluded: *excluded }
    }
}

impl From<model::Cause> for Cause {
    fn from(v: model::Cause) -> Self {
        match v {
            model::Cause::StorageLatency => Cause::StorageLatency,
            model::Cause::EtcdStall => Cause::EtcdStall,
            model::Cause::NetworkPartition => Cause::NetworkPartition,
            model::Cause::ClockSkew => Cause::ClockSkew,
            model::Cause::NoSpaceAlarm => Cause::NoSpaceAlarm,
            model::Cause::CertificateError => Cause::CertificateError,
            model::Cause::EtcdUnavailable => Cause::EtcdUnavailable,
            model::Cause::OutOfMemory => Cause::OutOfMemory,
            model::Cause::ConfigError => Cause::ConfigError,
            model::Cause::ProbeFailure => Cause::ProbeFailure,
            model::Cause::Defragmentation => Cause::Defragmentation,
            model::Cause::ExpensiveRequests => Cause::ExpensiveRequests,
            model::Cause::EtcdFailure => Cause::EtcdFailure,
            model::Cause::Unexplained => Cause::Unexplained,
        }
    }
}

impl From<model::Confidence> for Confidence {
    fn from(v: model::Confidence) -> Self {
        match v {
            model::Confidence::Low => Confidence::Low,
            model::Confidence::Medium => Confidence::Medium,
            model::Confidence::High => Confidence::High,
        }
    }
}

impl From<&model::Verdict> for Verdict {
    fn from(v: &model::Verdict) -> Self {
        let model::Verdict { outcome, cause, confidence, headline, reasoning, evidence, alternatives, to_settle } = v;
        Verdict {
            outcome: (*outcome).into(),
            cause: cause.map(Into::into),
            confidence: confidence.map(Into::into),
            headline: crate::report::words::verdict::headline(headline),
            reasoning: reasoning.iter().map(crate::report::words::verdict::reason).collect::<Vec<_>>().join(" "),
            evidence: evidence.iter().map(Into::into).collect(),
            alternatives: alternatives.iter().map(Into::into).collect(),
            to_settle: to_settle.iter().map(crate::report::words::verdict::settle).collect(),
        }
    }
}

impl From<model::Outcome> for Outcome {
    fn from(v: model::Outcome) -> Self {
        match v {
            model::Outcome::StorageLatency => Outcome::StorageLatency,
            model::Outcome::OtherCause => Outcome::OtherCause,
            model::Outcome::Inconclusive => Outcome::Inconclusive,
            model::Outcome::NoRestarts => Outcome::NoRestarts,
        }
    }
}

impl From<&model::Alternative> for Alternative {
    fn from(v: &model::Alternative) -> Self {
        let model::Alternative { cause, why_not } = v;
        Alternative { cause: (*cause).into(), why_not: crate::report::words::verdict::why_not(why_not) }
    }
}

impl From<&model::Citation> for Citation {
    fn from(v: &model::Citation) -> Self {
        let model::Citation { at, link, claim, origin } = v;
        Citation {
            at: *at,
            link: (*link).into(),
            claim: crate::report::words::claims::claim(claim),
            origin: origin.into(),
        }
    }
}

impl From<model::Link> for Link {
    fn from(v: model::Link) -> Self {
        match v {
            model::Link::Disk => Link::Disk,
            model::Link::Consensus => Link::Consensus,
            model::Link::ApiServer => Link::ApiServer,
            model::Link::Container => Link::Container,
            model::Link::Kubelet => Link::Kubelet,
            model::Link::Competing => Link::Competing,
        }
    }
}

impl From<&model::ContainerHistory> for ContainerHistory {
    fn from(v: &model::ContainerHistory) -> Self {
        let model::ContainerHistory {
            namespace,
            pod,
            container,
            node,
            restart_count,
            state,
            crash_loop,
            restarts,
            unplaced_restarts,
            events,
            cause,
            confidence,
        } = v;
        ContainerHistory {
            namespace: namespace.clone(),
            pod: pod.clone(),
            container: container.clone(),
            node: node.clone(),
            restart_count: *restart_count,
            state: crate::report::words::containers::state(state),
            crash_loop: *crash_loop,
            restarts: restarts.iter().map(Into::into).collect(),
            unplaced_restarts: *unplaced_restarts,
            events: events.iter().map(Into::into).collect(),
            cause: cause.map(Into::into),
            confidence: confidence.map(Into::into),
        }
    }
}

impl From<&model::RestartRecord> for RestartRecord {
    fn from(v: &model::RestartRecord) -> Self {
        let model::RestartRecord { ended_at, approximate, started_at, exit_code, reason, origin, attribution } = v;
        RestartRecord {
            ended_at: *ended_at,
            approximate: *approximate,
            started_at: *started_at,
            exit_code: *exit_code,
            reason: reason.clone(),
            origin: origin.into(),
            attribution: attribution.into(),
        }
    }
}

impl From<&model::Attribution> for Attribution {
    fn from(v: &model::Attribution) -> Self {
        let model::Attribution { cause, confidence, summary, evidence } = v;
        Attribution {
            cause: (*cause).into(),
            confidence: (*confidence).into(),
            summary: crate::report::words::attribution::summary(summary),
            evidence: evidence.iter().map(Into::into).collect(),
        }
    }
}

impl From<&model::EventSummary> for EventSummary {
    fn from(v: &model::EventSummary) -> Self {
        let model::EventSummary { reason, message, count, first_at, last_at, origin } = v;
        EventSummary {
            reason: reason.clone(),
            message: message.clone(),
            count: *count,
            first_at: *first_at,
            last_at: *last_at,
            origin: origin.into(),
        }
    }
}

impl From<&model::MemberSignals> for MemberSignals {
    fn from(v: &model::MemberSignals) -> Self {
        let model::MemberSignals {
            member,
            member_id,
            leader_terms,
            slow_wal_sync,
            slow_apply,
            slow_backend,
            heartbeat_late,
            leader_changes_seen,
            elections_started,
            read_index_slow,
            request_timeouts,
            peer_unreachable,
            clock_drift,
            nospace_alarms,
            certificate_errors,
            restarts_seen,
            latency_series,
            disk_metric,
            assessment,
            competing,
        } = v;
        MemberSignals {
            member: member.clone(),
            member_id: member_id.clone(),
            leader_terms: leader_terms.clone(),
            slow_wal_sync: slow_wal_sync.into(),
            slow_apply: slow_apply.into(),
            slow_backend: slow_backend.into(),
            heartbeat_late: heartbeat_late.into(),
            leader_changes_seen: *leader_changes_seen,
            elections_started: *elections_started,
            read_index_slow: *read_index_slow,
            request_timeouts: *request_timeouts,
            peer_unreachable: *peer_unreachable,
            clock_drift: *clock_drift,
            nospace_alarms: *nospace_alarms,
            certificate_errors: *certificate_errors,
            restarts_seen: *restarts_seen,
            latency_series: latency_series.clone(),
            disk_metric: disk_metric.as_ref().map(Into::into),
            assessment: assessment.into(),
            assessment_text: crate::report::words::members::assessment(assessment),
            competing: competing.iter().map(|(k, v)| ((*k).into(), *v)).collect(),
        }
    }
}

impl From<&model::NodeSummary> for NodeSummary {
    fn from(v: &model::NodeSummary) -> Self {
        let model::NodeSummary { name, roles, why_listed, conditions, info, disk_write_latency, origin } = v;
        NodeSummary {
            name: name.clone(),
            roles: roles.clone(),
            why_listed: why_listed.iter().map(Into::into).collect(),
            conditions: conditions.iter().map(Into::into).collect(),
            info: info.into(),
            disk_write_latency: disk_write_latency.as_ref().map(Into::into),
            origin: origin.into(),
        }
    }
}

impl From<&model::NodeDiskLatency> for NodeDiskLatency {
    fn from(v: &model::NodeDiskLatency) -> Self {
        let model::NodeDiskLatency { metric, max_ms, at, origin } = v;
        NodeDiskLatency { metric: metric.clone(), max_ms: *max_ms, at: *at, origin: origin.into() }
    }
}

impl From<&model::DiskMetricSeries> for DiskMetricSeries {
    fn from(v: &model::DiskMetricSeries) -> Self {
        let model::DiskMetricSeries { metric, quantile, origin, max_ms, points } = v;
        DiskMetricSeries {
            metric: metric.clone(),
            quantile: *quantile,
            origin: origin.into(),
            max_ms: *max_ms,
            points: points.clone(),
        }
    }
}

impl From<&model::LatencyStats> for LatencyStats {
    fn from(v: &model::LatencyStats) -> Self {
        let model::LatencyStats { count, p50_ms, p99_ms, max_ms } = v;
        LatencyStats { count: *count, p50_ms: *p50_ms, p99_ms: *p99_ms, max_ms: *max_ms }
    }
}

impl From<&model::TimelineRow> for TimelineRow {
    fn from(v: &model::TimelineRow) -> Self {
        let model::TimelineRow { from, to, subject, count, kind, latency, severity, first, last } = v;
        TimelineRow {
            from: *from,
            to: *to,
            subject: subject.into(),
            count: *count,
            kind: kind.into(),
            latency: latency.map(Into::into),
            summary: crate::report::words::timeline::summary(v),
            severity: (*severity).into(),
            first: first.into(),
            last: last.as_ref().map(Into::into),
        }
    }
}

impl From<model::Severity> for Severity {
    fn from(v: model::Severity) -> Self {
        match v {
            model::Severity::Info => Severity::Info,
            model::Severity::Warning => Severity::Warning,
            model::Severity::Disk => Severity::Disk,
            model::Severity::Restart => Severity::Restart,
            model::Severity::Error => Severity::Error,
        }
    }
}

impl From<&model::Recommendation> for Recommendation {
    fn from(v: &model::Recommendation) -> Self {
        let model::Recommendation { kind, advice } = v;
        Recommendation {
            kind: (*kind).into(),
            title: crate::report::words::advice::advice_title(advice),
            detail: crate::report::words::advice::advice_detail(advice),
        }
    }
}

impl From<model::AdviceKind> for AdviceKind {
    fn from(v: model::AdviceKind) -> Self {
        match v {
            model::AdviceKind::Do => AdviceKind::Do,
            model::AdviceKind::Avoid => AdviceKind::Avoid,
        }
    }
}

impl From<&model::Headline> for Headline {
    fn from(v: &model::Headline) -> Self {
        let model::Headline { kind, storage_latency } = v;
        Headline { kind: (*kind).into(), storage_latency: *storage_latency }
    }
}

impl From<model::HeadlineKind> for HeadlineKind {
    fn from(v: model::HeadlineKind) -> Self {
        match v {
            model::HeadlineKind::Restarts => HeadlineKind::Restarts,
            model::HeadlineKind::Storage => HeadlineKind::Storage,
        }
    }
}

impl From<model::StorageVerdict> for StorageVerdict {
    fn from(v: model::StorageVerdict) -> Self {
        match v {
            model::StorageVerdict::Unknown => StorageVerdict::Unknown,
            model::StorageVerdict::Healthy => StorageVerdict::Healthy,
            model::StorageVerdict::Degraded => StorageVerdict::Degraded,
            model::StorageVerdict::TooSlow => StorageVerdict::TooSlow,
        }
    }
}

impl From<model::DiskBasis> for DiskBasis {
    fn from(v: model::DiskBasis) -> Self {
        match v {
            model::DiskBasis::LoggedWalSync => DiskBasis::LoggedWalSync,
            model::DiskBasis::LoggedBackend => DiskBasis::LoggedBackend,
            model::DiskBasis::WalFsyncMetric => DiskBasis::WalFsyncMetric,
            model::DiskBasis::BackendCommitMetric => DiskBasis::BackendCommitMetric,
            model::DiskBasis::Probe => DiskBasis::Probe,
            model::DiskBasis::ApplyShape => DiskBasis::ApplyShape,
        }
    }
}

impl From<&model::ConsensusTrouble> for ConsensusTrouble {
    fn from(v: &model::ConsensusTrouble) -> Self {
        let model::ConsensusTrouble {
            late_heartbeats,
            leader_changes,
            elections_started,
            read_index_slow,
            request_timeouts,
        } = v;
        ConsensusTrouble {
            late_heartbeats: *late_heartbeats,
            leader_changes: *leader_changes,
            elections_started: *elections_started,
            read_index_slow: *read_index_slow,
            request_timeouts: *request_timeouts,
        }
    }
}

impl From<model::StorageSettle> for StorageSettle {
    fn from(v: model::StorageSettle) -> Self {
        match v {
            model::StorageSettle::EtcdLogs => StorageSettle::EtcdLogs,
            model::StorageSettle::DiskMetrics => StorageSettle::DiskMetrics,
            model::StorageSettle::DiskProbe => StorageSettle::DiskProbe,
            model::StorageSettle::LeaderHistory => StorageSettle::LeaderHistory,
            model::StorageSettle::RestartEvidence => StorageSettle::RestartEvidence,
            model::StorageSettle::CpuEvidence => StorageSettle::CpuEvidence,
        }
    }
}

impl From<&model::MemberStorage> for MemberStorage {
    fn from(v: &model::MemberStorage) -> Self {
        let model::MemberStorage {
            member,
            verdict,
            leader,
            basis,
            slow_wal_syncs,
            wal_sync_max_ms,
            backend_max_ms,
            metric_max_ms,
            metric,
            probe_p99_ms,
            slow_metric_ops,
            slow_applies,
            apply_p50_ms,
            late_heartbeats,
            heartbeat_p50_ms,
        } = v;
        MemberStorage {
            member: member.clone(),
            verdict: (*verdict).into(),
            leader: *leader,
            basis: basis.iter().copied().map(Into::into).collect(),
            slow_wal_syncs: *slow_wal_syncs,
            wal_sync_max_ms: *wal_sync_max_ms,
            backend_max_ms: *backend_max_ms,
            metric_max_ms: *metric_max_ms,
            metric: metric.clone(),
            probe_p99_ms: *probe_p99_ms,
            slow_metric_ops: *slow_metric_ops,
            slow_applies: *slow_applies,
            apply_p50_ms: *apply_p50_ms,
            late_heartbeats: *late_heartbeats,
            heartbeat_p50_ms: *heartbeat_p50_ms,
        }
    }
}

impl From<&model::StorageAssessment> for StorageAssessment {
    fn from(v: &model::StorageAssessment) -> Self {
        let model::StorageAssessment {
            verdict,
            confidence,
            basis,
            affected_members,
            member_count,
            leader_affected,
            worst_ms,
            worst_member,
            worst_basis,
            consensus,
            cpu_or_pause_suspected,
            members,
            evidence,
            to_settle,
        } = v;
        StorageAssessment {
            verdict: (*verdict).into(),
            confidence: confidence.map(Into::into),
            basis: basis.iter().copied().map(Into::into).collect(),
            affected_members: affected_members.clone(),
            member_count: *member_count,
            leader_affected: *leader_affected,
            worst_ms: *worst_ms,
            worst_member: worst_member.clone(),
            worst_basis: worst_basis.map(Into::into),
            consensus: consensus.into(),
            cpu_or_pause_suspected: *cpu_or_pause_suspected,
            members: members.iter().map(Into::into).collect(),
            evidence: evidence.iter().map(Into::into).collect(),
            to_settle: to_settle.iter().copied().map(Into::into).collect(),
        }
    }
}

impl From<&evidence::Origin> for Origin {
    fn from(v: &evidence::Origin) -> Self {
        let evidence::Origin { source, line } = v;
        Origin { source: source.to_string(), line: *line }
    }
}

impl From<&evidence::Gap> for Gap {
    fn from(v: &evidence::Gap) -> Self {
        let evidence::Gap { reason, missing, effect, remedy } = v;
        Gap {
            what: crate::report::words::gaps::reason_what(reason),
            missing: (*missing).into(),
            why: crate::report::words::gaps::reason_why(reason),
            effect: (*effect).into(),
            impact: crate::report::words::gaps::impact_of(*missing, *effect).to_string(),
            remedy: remedy.as_ref().map(crate::report::words::gaps::remedy_text).unwrap_or_default(),
        }
    }
}

impl From<&evidence::InputSummary> for InputSummary {
    fn from(v: &evidence::InputSummary) -> Self {
        let evidence::InputSummary {
            source,
            format,
            subject,
            lines,
            matched,
            malformed,
            malformed_lines,
            ignored,
            outside_window,
        } = v;
        InputSummary {
            source: source.clone(),
            format: crate::report::words::inputs::format(format),
            subject: subject.as_ref().map(Into::into),
            lines: *lines,
            matched: *matched,
            malformed: *malformed,
            malformed_lines: malformed_lines.clone(),
            ignored: *ignored,
            outside_window: *outside_window,
        }
    }
}

impl From<&evidence::Collection> for Collection {
    fn from(v: &evidence::Collection) -> Self {
        let evidence::Collection {
            context,
            server,
            cluster_version,
            collected_at,
            window_from,
            window_to,
            window_basis,
            scope,
            discovery,
            redacted,
            tool_version,
        } = v;
        Collection {
            context: context.clone(),
            server: server.clone(),
            cluster_version: cluster_version.clone(),
            collected_at: *collected_at,
            window_from: *window_from,
            window_to: *window_to,
            window_basis: crate::report::words::collection::window_basis(window_basis),
            scope: crate::report::words::collection::scope(scope),
            discovery: discovery.iter().map(crate::report::words::collection::discovery).collect(),
            redacted: *redacted,
            tool_version: tool_version.clone(),
        }
    }
}

impl From<&evidence::NodeInfo> for NodeInfo {
    fn from(v: &evidence::NodeInfo) -> Self {
        let evidence::NodeInfo { kernel_version, container_runtime, kubelet_version, architecture, os_image } = v;
        NodeInfo {
            kernel_version: kernel_version.clone(),
            container_runtime: container_runtime.clone(),
            kubelet_version: kubelet_version.clone(),
            architecture: architecture.clone(),
            os_image: os_image.clone(),
        }
    }
}

impl From<evidence::SignalClass> for SignalClass {
    fn from(v: evidence::SignalClass) -> Self {
        match v {
            evidence::SignalClass::SlowWalSync => SignalClass::SlowWalSync,
            evidence::SignalClass::SlowApply => SignalClass::SlowApply,
            evidence::SignalClass::SlowBackend => SignalClass::SlowBackend,
            evidence::SignalClass::HeartbeatLate => SignalClass::HeartbeatLate,
            evidence::SignalClass::LeaderElected => SignalClass::LeaderElected,
            evidence::SignalClass::LeaderLost => SignalClass::LeaderLost,
            evidence::SignalClass::ReadIndexSlow => SignalClass::ReadIndexSlow,
            evidence::SignalClass::RequestTimeout => SignalClass::RequestTimeout,
            evidence::SignalClass::MemberStarted => SignalClass::MemberStarted,
            evidence::SignalClass::PeerUnreachable => SignalClass::PeerUnreachable,
            evidence::SignalClass::ClockDrift => SignalClass::ClockDrift,
            evidence::SignalClass::NoSpaceAlarm => SignalClass::NoSpaceAlarm,
            evidence::SignalClass::CertificateError => SignalClass::CertificateError,
            evidence::SignalClass::Defrag => SignalClass::Defrag,
            evidence::SignalClass::Compaction => SignalClass::Compaction,
            evidence::SignalClass::ExpensiveRequest => SignalClass::ExpensiveRequest,
            evidence::SignalClass::RaftMessageDropped => SignalClass::RaftMessageDropped,
            evidence::SignalClass::PreVote => SignalClass::PreVote,
            evidence::SignalClass::DbLocked => SignalClass::DbLocked,
            evidence::SignalClass::BackendCorrupt => SignalClass::BackendCorrupt,
            evidence::SignalClass::MembershipError => SignalClass::MembershipError,
            evidence::SignalClass::NotEtcdDatastore => SignalClass::NotEtcdDatastore,
            evidence::SignalClass::CpuStarved => SignalClass::CpuStarved,
            evidence::SignalClass::ApiServerEtcdError => SignalClass::ApiServerEtcdError,
            evidence::SignalClass::ApiServerSlowRequest => SignalClass::ApiServerSlowRequest,
            evidence::SignalClass::ApiServerEtcdUnreachable => SignalClass::ApiServerEtcdUnreachable,
            evidence::SignalClass::LeaseRenewFailed => SignalClass::LeaseRenewFailed,
            evidence::SignalClass::LeaderElectionLost => SignalClass::LeaderElectionLost,
            evidence::SignalClass::ApiRequestTimeout => SignalClass::ApiRequestTimeout,
            evidence::SignalClass::ConfigError => SignalClass::ConfigError,
            evidence::SignalClass::Fatal => SignalClass::Fatal,
            evidence::SignalClass::OutOfMemory => SignalClass::OutOfMemory,
        }
    }
}

impl From<&thresholds::Thresholds> for Thresholds {
    fn from(v: &thresholds::Thresholds) -> Self {
        let thresholds::Thresholds {
            wal_fsync_p99_ms,
            backend_commit_p99_ms,
            slow_fdatasync_ms,
            apply_expected_ms,
            apply_severe_ms,
            heartbeat_ms,
            election_ms,
            stall_without_fsync_ms,
            causal_window_secs,
            startup_failure_secs,
            timeline_fold_secs,
            defrag_blocking_ms,
            prevote_loop_secs,
            expensive_request_ms,
            expensive_request_count,
            mixin_fsync_warning_ms,
            mixin_fsync_critical_ms,
            mixin_commit_warning_ms,
            mixin_leader_changes_15m,
        } = v;
        Thresholds {
            wal_fsync_p99_ms: *wal_fsync_p99_ms,
            backend_commit_p99_ms: *backend_commit_p99_ms,
            slow_fdatasync_ms: *slow_fdatasync_ms,
            apply_expected_ms: *apply_expected_ms,
            apply_severe_ms: *apply_severe_ms,
            heartbeat_ms: *heartbeat_ms,
            election_ms: *election_ms,
            stall_without_fsync_ms: *stall_without_fsync_ms,
            causal_window_secs: *causal_window_secs,
            startup_failure_secs: *startup_failure_secs,
            timeline_fold_secs: *timeline_fold_secs,
            defrag_blocking_ms: *defrag_blocking_ms,
            prevote_loop_secs: *prevote_loop_secs,
            expensive_request_ms: *expensive_request_ms,
            expensive_request_count: *expensive_request_count,
            mixin_fsync_warning_ms: *mixin_fsync_warning_ms,
            mixin_fsync_critical_ms: *mixin_fsync_critical_ms,
            mixin_commit_warning_ms: *mixin_commit_warning_ms,
            mixin_leader_changes_15m: *mixin_leader_changes_15m,
        }
    }
}

impl From<&evidence::Subject> for Subject {
    fn from(v: &evidence::Subject) -> Self {
        match v {
            evidence::Subject::EtcdMember { name } => Subject::EtcdMember { name: name.clone() },
            evidence::Subject::ApiServer { name } => Subject::ApiServer { name: name.clone() },
            evidence::Subject::Container { namespace, pod, container } => {
                Subject::Container { namespace: namespace.clone(), pod: pod.clone(), container: container.clone() }
            }
            evidence::Subject::Node { name } => Subject::Node { name: name.clone() },
        }
    }
}

impl From<&model::MemberAssessment> for MemberAssessment {
    fn from(v: &model::MemberAssessment) -> Self {
        use model::MemberAssessment as M;
        match v {
            M::SlowWalSyncs { count, max, logged_over, guidance } => MemberAssessment::SlowWalSyncs {
                count: *count,
                max_ms: max.0,
                logged_over_ms: logged_over.0,
                guidance_ms: guidance.0,
            },
            M::SevereApplies { max, expected, wal_logged_over } => MemberAssessment::SevereApplies {
                max_ms: max.0,
                expected_ms: expected.0,
                wal_logged_over_ms: wal_logged_over.0,
            },
            M::LateHeartbeats { count } => MemberAssessment::LateHeartbeats { count: *count },
            M::PeerErrors { count } => MemberAssessment::PeerErrors { count: *count },
            M::BusyApplies { count, max } => MemberAssessment::BusyApplies { count: *count, max_ms: max.0 },
            M::Quiet => MemberAssessment::Quiet,
            M::MetricsOnly { metric, max, guidance } => {
                MemberAssessment::MetricsOnly { metric: metric.clone(), max_ms: max.0, guidance_ms: guidance.0 }
            }
        }
    }
}

impl From<&model::ListedFor> for ListedFor {
    fn from(v: &model::ListedFor) -> Self {
        match v {
            model::ListedFor::EtcdMember { member } => ListedFor::EtcdMember { member: member.clone() },
            model::ListedFor::RestartedContainer { container } => {
                ListedFor::RestartedContainer { container: container.clone() }
            }
            model::ListedFor::AbnormalCondition => ListedFor::AbnormalCondition,
        }
    }
}

impl From<&model::NodeConditionState> for NodeConditionState {
    fn from(v: &model::NodeConditionState) -> Self {
        let model::NodeConditionState { condition, status, reason } = v;
        NodeConditionState { condition: condition.clone(), status: status.clone(), reason: reason.clone() }
    }
}

impl From<&model::RowKind> for RowKind {
    fn from(v: &model::RowKind) -> Self {
        match v {
            model::RowKind::Signal { class } => RowKind::Signal { class: (*class).into() },
            model::RowKind::Restart { exit_code, reason, approximate, cause, confidence } => RowKind::Restart {
                exit_code: *exit_code,
                reason: reason.clone(),
                approximate: *approximate,
                cause: (*cause).into(),
                confidence: (*confidence).into(),
            },
            model::RowKind::Event { reason, message } => {
                RowKind::Event { reason: reason.clone(), message: message.clone() }
            }
            model::RowKind::NodeCondition(c) => RowKind::NodeCondition(c.into()),
        }
    }
}

impl From<model::RowLatency> for RowLatency {
    fn from(v: model::RowLatency) -> Self {
        let model::RowLatency { p99, max } = v;
        RowLatency { p99_ms: p99.map(|m| m.0), max_ms: max.0 }
    }
}

/// Which kind of evidence a gap is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    EtcdLogs,
    EtcdMetrics,
    ApiServerLogs,
    ApiServerMetrics,
    ContainerLogs,
    PreviousLogs,
    PodStatus,
    Events,
    Nodes,
    Objects,
    LogLines,
    FileContent,
    ClusterInfo,
    Collector,
    ArchiveEntries,
    BundleFiles,
    Unspecified,
}

/// What a gap does to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapEffect {
    None,
    NotCollected,
    Unread,
    Truncated,
    LinesUncounted,
    Undated,
    PlaceSkipped,
    NotSeen,
    ChainIncomplete,
    BlocksStorageVerdict,
    LowersConfidence,
}

impl From<evidence::EvidenceKind> for EvidenceKind {
    fn from(v: evidence::EvidenceKind) -> Self {
        match v {
            evidence::EvidenceKind::EtcdLogs => EvidenceKind::EtcdLogs,
            evidence::EvidenceKind::EtcdMetrics => EvidenceKind::EtcdMetrics,
            evidence::EvidenceKind::ApiServerLogs => EvidenceKind::ApiServerLogs,
            evidence::EvidenceKind::ApiServerMetrics => EvidenceKind::ApiServerMetrics,
            evidence::EvidenceKind::ContainerLogs => EvidenceKind::ContainerLogs,
            evidence::EvidenceKind::PreviousLogs => EvidenceKind::PreviousLogs,
            evidence::EvidenceKind::PodStatus => EvidenceKind::PodStatus,
            evidence::EvidenceKind::Events => EvidenceKind::Events,
            evidence::EvidenceKind::Nodes => EvidenceKind::Nodes,
            evidence::EvidenceKind::Objects => EvidenceKind::Objects,
            evidence::EvidenceKind::LogLines => EvidenceKind::LogLines,
            evidence::EvidenceKind::FileContent => EvidenceKind::FileContent,
            evidence::EvidenceKind::ClusterInfo => EvidenceKind::ClusterInfo,
            evidence::EvidenceKind::Collector => EvidenceKind::Collector,
            evidence::EvidenceKind::ArchiveEntries => EvidenceKind::ArchiveEntries,
            evidence::EvidenceKind::BundleFiles => EvidenceKind::BundleFiles,
            evidence::EvidenceKind::Unspecified => EvidenceKind::Unspecified,
        }
    }
}

impl From<evidence::GapEffect> for GapEffect {
    fn from(v: evidence::GapEffect) -> Self {
        match v {
            evidence::GapEffect::None => GapEffect::None,
            evidence::GapEffect::NotCollected => GapEffect::NotCollected,
            evidence::GapEffect::Unread => GapEffect::Unread,
            evidence::GapEffect::Truncated => GapEffect::Truncated,
            evidence::GapEffect::LinesUncounted => GapEffect::LinesUncounted,
            evidence::GapEffect::Undated => GapEffect::Undated,
            evidence::GapEffect::PlaceSkipped => GapEffect::PlaceSkipped,
            evidence::GapEffect::NotSeen => GapEffect::NotSeen,
            evidence::GapEffect::ChainIncomplete => GapEffect::ChainIncomplete,
            evidence::GapEffect::BlocksStorageVerdict => GapEffect::BlocksStorageVerdict,
            evidence::GapEffect::LowersConfidence => GapEffect::LowersConfidence,
        }
    }
}
