//! The one `Report` value every renderer prints. Its JSON form (`-o json`) is the contract for automation:
//! fields are only added within a schema version; renaming or removing one bumps [`SCHEMA_VERSION`].
//!
//! Plain data; no I/O.

use serde::Serialize;

pub mod thresholds;
pub mod units;

use crate::evidence::{Collection, Gap, InputSummary, NodeInfo, Origin, SignalClass, Subject, Timestamp};
use thresholds::Thresholds;

/// Version of the JSON schema (`schema_version` in every report).
pub const SCHEMA_VERSION: &str = "etcd-triage/report/v3";

/// The whole analysis, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool_version: &'static str,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
    /// How undated / unzoned timestamps were placed, and other assumptions.
    pub assumptions: Vec<Assumption>,
    /// Thresholds in force (defaults cite their sources; flags may override).
    pub thresholds: Thresholds,
}

/// An assumption the analysis made (words in `report::words::verdict::assumption`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Assumption {
    /// Noted where the evidence was read: how an undated or unzoned time was placed, what a kubectl text did not
    /// say (words in `report::words::inputs::note`).
    Evidence { note: crate::evidence::Note },
    /// Signal bursts that appeared identically in two inputs were counted once.
    DuplicatesCountedOnce { bursts: usize },
    /// Metrics naming `alias` (a pod, instance or endpoint) are etcd member `member`: its `etcd_server_id` is
    /// the member id the logs print.
    MetricsAreMember { alias: String, member: String, id: String, source: String },
    /// Metrics name `alias` for two etcd members; the first mapping was kept.
    MetricsAliasAmbiguous { alias: String, kept: String, other: String },
}

/// The time window analysed.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    /// How the window was chosen (the evidence's own span, `--since 2h` before the latest evidence, ...).
    pub basis: WindowBasis,
    /// Signals and events left out because they fall outside the window.
    pub excluded: u64,
}

/// How the analysed window was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WindowBasis {
    /// The evidence's own time span (`dated: false` when no evidence had a time).
    EvidenceSpan { dated: bool },
    /// `--since` before `--to`.
    SinceBeforeTo { since_secs: i64 },
    /// `--since` before now.
    SinceBeforeNow { since_secs: i64 },
    /// `--since` before the latest evidence.
    SinceBeforeLatest { since_secs: i64 },
    /// `--from` / `--to`.
    FromTo,
    /// A bundle's collection window, as its manifest states it.
    Collection { basis: crate::evidence::CollectionWindow },
}

/// What caused the restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn word(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn lower(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

/// The overall answer, printed first. Its words are in `report::words::verdict`.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// `storage_latency`, `other_cause`, `inconclusive` or `no_restarts`.
    pub outcome: Outcome,
    /// The cause that fits best (absent when inconclusive or there are no restarts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// The one-line answer (`CrashLoopBackOff is caused by etcd storage latency (high confidence)`).
    pub headline: VerdictHeadline,
    /// The reasoning, in the order it is told.
    pub reasoning: Vec<VerdictReason>,
    /// The strongest evidence, cited.
    pub evidence: Vec<Citation>,
    /// Causes considered and why they fit less well.
    pub alternatives: Vec<Alternative>,
    /// What evidence would settle an open question (always present when inconclusive).
    pub to_settle: Vec<VerdictSettle>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    StorageLatency,
    OtherCause,
    Inconclusive,
    NoRestarts,
}

/// The verdict's one-line answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerdictHeadline {
    /// No container restarted in the evidence.
    NoRestarts,
    /// Containers restarted, but no restart could be placed in time.
    NonePlaced { containers: usize },
    /// No restart could be explained.
    NothingExplained,
    /// Explained restarts disagree.
    Mixed,
    /// Most restarts were put down to `cause`.
    Cause { cause: Cause, confidence: Confidence },
}

/// One step of the verdict's reasoning.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerdictReason {
    /// No pod status, events or container logs show a restart.
    NoRestartSeen,
    /// Pod status counts restarts that nothing in the window places in time.
    RestartsUnplaced { restarts: u32 },
    /// How many containers restarted, how many restarts were placed, and what they were put down to.
    Tally { containers: usize, restarts: u32, placed: usize, by_cause: Vec<CauseTally> },
    /// What etcd's own logs show.
    EtcdHealth { etcd: EtcdHealth },
    /// The chain from the cause to the crashes, as etcd's lines show it.
    Chain { cause: Cause },
    /// Restarts without a cause of their own are not counted against the verdict.
    UnexplainedNotCounted { restarts: usize },
    /// Gaps that lower confidence, by what is missing.
    GapsLowerConfidence { missing: Vec<crate::evidence::GapReason> },
}

/// Restarts put down to one cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CauseTally {
    pub cause: Cause,
    pub restarts: usize,
    /// Median confidence of those attributions.
    pub confidence: Confidence,
}

/// What etcd's logs show, over all members.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EtcdHealth {
    /// No etcd member log was available.
    NoLogs,
    Logged {
        members: usize,
        /// Members that logged a slow WAL fdatasync, the slowest, and the guidance it is held against.
        wal_members: usize,
        wal_max_ms: f64,
        wal_guidance_ms: f64,
        /// The slowest apply (0 when none).
        apply_max_ms: f64,
        late_heartbeats: u64,
        /// The most leader changes one member saw.
        leader_changes: u64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Alternative {
    pub cause: Cause,
    pub why_not: WhyNot,
}

/// Why a cause fits the restarts less well than the verdict's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WhyNot {
    /// It explains some placed restarts, not most.
    ExplainsFew {
        restarts: usize,
        placed: usize,
    },
    /// Slow WAL syncs were logged but not on the leader or a quorum before the restarts, or without a chain.
    WalSyncsWithoutChain {
        syncs: u64,
    },
    /// Severe applies without a slow WAL sync.
    AppliesWithoutWalSync {
        apply_max_ms: f64,
    },
    /// No slow WAL sync and no severe apply latency.
    NoDiskEvidence,
    /// No late heartbeat over 1 s without a slow fdatasync on the same member.
    NoStall,
    NoPeerErrors,
    /// Peer errors coincide with disk latency or a stalled member.
    PeerErrorsExplained {
        errors: u64,
    },
    NoOomKill,
    NoConfigError,
    NoProbeKills,
    NoNospaceAlarm,
    NoClockDrift,
    NoCertificateErrors,
    /// No defragmentation over the blocking threshold.
    NoDefrag {
        blocking_ms: f64,
    },
    /// Defragmentations were logged, but not over the restarts' slow operations.
    DefragsApart {
        defrags: u64,
    },
    NoExpensiveRequests,
    /// Expensive requests were logged, but too few, too fast, or beside slow WAL syncs.
    ExpensiveTooFew {
        requests: u64,
    },
    NoEtcdFailure,
}

/// What would settle the restart verdict or strengthen it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerdictSettle {
    /// etcd logs of every member for the incident window.
    EtcdLogs,
    /// Pod status with lastState taken during the incident.
    PodStatus,
    /// Previous logs of the restarting containers.
    PreviousLogs,
    /// Events for the pods.
    Events,
    /// A gap's missing evidence, by the gap's reason.
    Gap { reason: crate::evidence::GapReason },
    /// etcd's disk histograms for the window.
    DiskMetrics,
    /// The etcd fio test on the etcd data disk.
    DiskProbe,
    /// CPU throttling and steal of the stalled member's node and container.
    MemberCpu,
    /// CFS throttling of the etcd containers.
    EtcdThrottling,
    /// The defragmentation histogram and schedule.
    DefragSchedule,
    /// The API server's audit log, to name the clients listing whole resources.
    AuditLog,
}

/// A claim and the record it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Citation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// Which link of the causal chain the record is.
    pub link: Link,
    /// What the record shows (`etcd-node1: 12x slow WAL fdatasync (max 3s)`; words in `report::words::claims`).
    pub claim: Claim,
    /// `file:line` or API path.
    pub origin: Origin,
}

/// What a cited record shows, in data.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Claim {
    /// A burst of `count` lines of one signal that `who` logged, with the slowest duration when it has one.
    Signal {
        who: String,
        count: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_ms: Option<f64>,
        signal: crate::evidence::SignalKind,
    },
    /// `member` pre-voted at one term for `secs` with no leader elected.
    PreVoteLoop { member: String, secs: i64 },
    /// Pod status recorded `container` terminated OOMKilled.
    OomKilled { container: String, exit_code: i32 },
    /// A Kubernetes event (`count` times), with what ties it to the container.
    Event { reason: String, count: u32, message: String, note: EventNote },
    /// A disk probe's result.
    DiskProbe {
        dir: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fdatasync_p99_ms: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        iops: Option<f64>,
    },
    /// A disk histogram's quantile, pasted or scraped.
    DiskReading {
        #[serde(skip_serializing_if = "Option::is_none")]
        member: Option<String>,
        metric: String,
        quantile: f64,
        value_ms: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        bucket_ms: Option<(f64, f64)>,
        #[serde(skip_serializing_if = "Option::is_none")]
        total_ops: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        slow_ops: Option<u64>,
    },
}

impl Claim {
    /// A claim for a signal burst `who` logged.
    pub fn signal(who: &str, s: &crate::evidence::Signal) -> Claim {
        Claim::Signal {
            who: who.to_string(),
            count: s.count,
            max_ms: s.latency.as_ref().filter(|d| d.count > 0).map(|d| d.max_ms),
            signal: s.kind.clone(),
        }
    }

    /// Who the record is about (the member or subject that logged it), when the claim names one.
    pub fn who(&self) -> Option<&str> {
        match self {
            Claim::Signal { who, .. } => Some(who),
            Claim::PreVoteLoop { member, .. } => Some(member),
            Claim::OomKilled { container, .. } => Some(container),
            Claim::DiskReading { member, .. } => Some(member.as_deref().unwrap_or("etcd")),
            Claim::Event { .. } | Claim::DiskProbe { .. } => None,
        }
    }
}

/// What ties a node's event to a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EventNote {
    /// The container's own event.
    None,
    /// A node's event, not shown to concern this container.
    Node { node: String },
    /// A node's OOM event whose killed process is named like this container.
    NodeOwnProcess { node: String, process: String },
    /// A node's OOM event whose process was killed when pod status recorded this container OOMKilled.
    NodeStatusProcess { node: String, process: String },
}

/// The links of the chain from storage to a crash, and the records that stand outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

/// A container's state in the last pod status read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ContainerNow {
    Running,
    /// Waiting, with the kubelet's reason (`CrashLoopBackOff`, `ContainerCreating`).
    Waiting {
        reason: String,
    },
    /// Terminated, with its reason when the status gives one (`Error`, `OOMKilled`).
    Terminated {
        reason: Option<String>,
    },
    /// No pod status was read for the container.
    Unknown,
}

/// One container's reconstructed restart history.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerHistory {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// `restartCount` from pod status (absent when only logs were available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<u32>,
    /// Current state, as the last pod status says.
    pub state: ContainerNow,
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

impl ContainerHistory {
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.pod, self.container)
    }
}

/// One placed restart (a container run that ended).
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Attribution {
    pub cause: Cause,
    pub confidence: Confidence,
    /// What was found, in data (its words are in `report::words::verdict::attribution`).
    pub summary: AttributionSummary,
    /// The chain as seen, oldest first (disk -> consensus -> API -> lease -> exit).
    pub evidence: Vec<Citation>,
}

/// What the attribution of one restart rests on: the container, how its run ended, and what was found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributionSummary {
    pub container: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_reason: Option<String>,
    pub finding: Finding,
}

/// The finding an attribution rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Finding {
    /// The container was OOM-killed.
    OomKilled,
    /// A configuration error at start-up, after `ran_secs` when known.
    ConfigError {
        #[serde(skip_serializing_if = "Option::is_none")]
        ran_secs: Option<i64>,
    },
    /// TLS failures of the container itself or of the API server towards etcd.
    OwnCertificateFailures,
    /// etcd's NOSPACE alarm.
    NospaceAlarm,
    /// etcd itself failed in this run (corrupt db or membership error).
    OwnEtcdFailure,
    /// etcd panicked or exited fatally in this run, without disk latency before it.
    OwnEtcdFatal,
    /// The run ended after a storage stall; what followed it.
    StorageStall {
        /// From the latest stall to the exit (absent when the stall's time is unknown).
        #[serde(skip_serializing_if = "Option::is_none")]
        stall_to_exit_secs: Option<i64>,
        /// The causal window looked at before the exit.
        window_secs: i64,
        disk: DiskSeen,
        consensus: bool,
        api_errors: bool,
        own_errors: bool,
        /// Competing evidence in the same window lowers confidence.
        competing: bool,
    },
    /// A defragmentation over `blocking_ms` blocked reads and writes.
    Defragmentation { blocking_ms: f64 },
    /// TLS failures between etcd and its clients or peers.
    EtcdCertificateFailures,
    /// The API server could not connect to etcd at all.
    EtcdUnreachable,
    /// Another etcd member was failing (panic, corrupt db or membership error).
    EtcdMemberFailing,
    /// etcd served requests with huge responses, with no slow WAL fdatasync.
    ExpensiveRequests { requests: u64, slowest_ms: f64 },
    /// One member alone sent heartbeats late and applied slowly, its followers calm.
    LoneMemberStarved { member: String },
    /// etcd was starved of CPU.
    CpuStarved,
    /// A member's raft loop stalled over `stall_ms` without a slow WAL fdatasync on it.
    RaftStall { stall_ms: f64 },
    /// etcd members could not reach each other, with no disk latency logged.
    PeersUnreachable,
    /// etcd reported clock drift between members.
    ClockDrift,
    /// Failed liveness probes, with no storage trouble.
    ProbeKills,
    /// The node was OOM-killing processes not shown to be this container's.
    NodeOomKills,
    /// The datastore is kine over `backend`, not etcd.
    NotEtcd { backend: String },
    /// The container lost its lease / timed out, but no etcd logs were given.
    NoEtcdLogs,
    /// etcd logged only moderately slow applies.
    ModerateApplies { apply_max_ms: f64 },
    /// etcd showed disk latency, but no link to this container.
    DiskWithoutChain,
    /// The container lost its lease / timed out, with no etcd-side cause visible.
    LeaseLostNoCause,
    /// The evidence shows no cause.
    NoCause,
}

/// The disk evidence before a restart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskSeen {
    /// Members that logged slow WAL fdatasync, and the slowest.
    pub wal_members: Vec<String>,
    pub wal_max_ms: f64,
    pub leader_affected: bool,
    /// Members with severe applies, and the slowest.
    pub apply_members: Vec<String>,
    pub apply_max_ms: f64,
    /// Members the evidence shows.
    pub member_count: usize,
    /// The moderate-latency shape, when that is the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<ApplyShapeSeen>,
}

/// Slow applies on `members` at once with late heartbeats of matching size on the leader.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ApplyShapeSeen {
    pub members: usize,
    pub apply_p50_ms: f64,
    pub heartbeat_p50_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Default, Serialize)]
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
    /// What this member's evidence says, in figures (words: `report::words::members`).
    pub assessment: MemberAssessment,
    /// Lines of competing explanations this member logged, by class (those of
    /// [`SignalClass::competes_with_disk`] and [`SignalClass::is_etcd_failure`], plus compactions); absent when
    /// none.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub competing: std::collections::BTreeMap<SignalClass, u64>,
}

/// What one member's evidence says, strongest finding first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemberAssessment {
    /// WAL syncs over etcd's `slow fdatasync` level: the disk is too slow for etcd.
    SlowWalSyncs {
        count: u64,
        #[serde(rename = "max_ms")]
        max: units::Millis,
        /// etcd's `slow fdatasync` level (1 s).
        #[serde(rename = "logged_over_ms")]
        logged_over: units::Millis,
        /// The WAL fsync p99 guidance (10 ms).
        #[serde(rename = "guidance_ms")]
        guidance: units::Millis,
    },
    /// Applies far over etcd's warning without a slow WAL sync: disk and CPU both remain possible.
    SevereApplies {
        #[serde(rename = "max_ms")]
        max: units::Millis,
        /// etcd's apply warning level (100 ms).
        #[serde(rename = "expected_ms")]
        expected: units::Millis,
        #[serde(rename = "wal_logged_over_ms")]
        wal_logged_over: units::Millis,
    },
    /// Late heartbeats without slow disk lines: CPU, pauses or the network.
    LateHeartbeats { count: u64 },
    /// Peer connectivity errors.
    PeerErrors { count: u64 },
    /// Slow applies within what busy healthy clusters show.
    BusyApplies {
        count: u64,
        #[serde(rename = "max_ms")]
        max: units::Millis,
    },
    /// Nothing slow logged.
    #[default]
    Quiet,
    /// Known from metrics only: no slow operation logged.
    MetricsOnly {
        metric: String,
        #[serde(rename = "max_ms")]
        max: units::Millis,
        #[serde(rename = "guidance_ms")]
        guidance: units::Millis,
    },
}

/// A node the verdict touches, with what the kubelet reports about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Why a node is listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListedFor {
    /// It runs this etcd member.
    EtcdMember { member: String },
    /// It runs this restarted container.
    RestartedContainer { container: String },
    /// It has an abnormal condition (listed in `conditions`).
    AbnormalCondition,
}

/// node-exporter's mean write latency (write time over writes completed) of a node's slowest device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeDiskLatency {
    /// `node disk write latency (sda)`.
    pub metric: String,
    pub max_ms: f64,
    pub at: Timestamp,
    pub origin: Origin,
}

/// A disk latency quantile of one member over time, from metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl MemberSignals {
    /// The latency series a chart or sparkline of this member shows: what metrics measured when there are
    /// metrics (every step, against the guidance), else the slowest operation etcd logged in each minute.
    pub fn chart_series(&self) -> ChartSeries<'_> {
        match &self.disk_metric {
            Some(d) => ChartSeries { points: &d.points, from_metrics: true },
            None => ChartSeries { points: &self.latency_series, from_metrics: false },
        }
    }
}

/// See [`MemberSignals::chart_series`].
#[derive(Debug, Clone, Copy)]
pub struct ChartSeries<'a> {
    pub points: &'a [(Timestamp, f64)],
    /// Measured by metrics (p99 per step) rather than taken from slow-operation log lines.
    pub from_metrics: bool,
}

/// p50/p99/max over a set of durations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct TimelineRow {
    pub from: Timestamp,
    pub to: Timestamp,
    pub subject: Subject,
    /// Lines folded into the row (for an event, the kubelet's count). The words print it once
    /// (`report::words::timeline`).
    pub count: u64,
    /// What the row records.
    pub kind: RowKind,
    /// The latency of the folded lines, when they carry one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<RowLatency>,
    pub severity: Severity,
    /// First and (when different) last record.
    pub first: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<Origin>,
}

/// What a timeline row records.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RowKind {
    /// A burst of one signal class on one subject, folded ([`crate::analyze::bursts`]).
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

impl RowKind {
    /// The signal class of a signal row.
    pub fn signal_class(&self) -> Option<SignalClass> {
        match self {
            RowKind::Signal { class } => Some(*class),
            _ => None,
        }
    }

    /// Rank among rows of the same time and subject: signals, restarts, events, node conditions.
    pub fn rank(&self) -> u8 {
        match self {
            RowKind::Signal { .. } => 0,
            RowKind::Restart { .. } => 1,
            RowKind::Event { .. } => 2,
            RowKind::NodeCondition(_) => 3,
        }
    }
}

/// A node condition's type, status and reason (`DiskPressure`, `True`, `KubeletHasDiskPressure`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NodeConditionState {
    pub condition: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The latency of a folded row: its p99 when several lines carried one, and its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RowLatency {
    #[serde(rename = "p99_ms", skip_serializing_if = "Option::is_none")]
    pub p99: Option<units::Millis>,
    #[serde(rename = "max_ms")]
    pub max: units::Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// `do` or `avoid`.
    pub kind: AdviceKind,
    /// What to do or avoid (its words are in `report::words::advice`).
    pub advice: Advice,
}

/// One piece of advice, with the figures it quotes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Advice {
    /// Give etcd a dedicated SSD/NVMe; etcd's guidance for WAL fsync p99.
    DedicatedDisk { wal_fsync_p99_ms: f64 },
    /// Put the WAL on its own device (`--wal-dir`).
    SeparateWal,
    /// Run the etcd fio test; its p99 fdatasync should stay under `fdatasync_p99_ms`.
    FioTest { fdatasync_p99_ms: f64 },
    /// Raise heartbeat interval and election timeout on slow hardware.
    TuneTimeouts { heartbeat_interval_ms: u32, election_timeout_ms: u32 },
    /// ZFS: a small recordsize for the etcd dataset is sound.
    ZfsRecordsize { recordsize_kib: u32 },
    /// Do not make fsync lie (ZFS `sync=disabled`, `nobarrier`, unsafe write caches).
    NoFsyncShortcuts,
    /// Find what froze or starved the etcd member.
    FindStallCause,
    /// Do not move etcd to new disks on a stall alone.
    KeepDisksOnStall,
    /// Check connectivity between etcd members.
    CheckPeerNetwork,
    /// Fix time synchronisation; etcd warns over `drift_warning_ms`.
    FixTimeSync { drift_warning_ms: f64 },
    /// Free etcd's backend quota and disarm the alarm.
    FreeQuota,
    /// Renew or fix etcd certificates.
    RenewCertificates,
    /// Find why etcd was down.
    FindOutage,
    /// Address the memory limit or leak.
    FixMemory,
    /// Fix the container's configuration.
    FixConfig,
    /// Review the liveness probe.
    ReviewProbe,
    /// Defragment one member at a time, off-peak.
    StaggerDefrag,
    /// Find the client that reads huge ranges.
    FindExpensiveClient,
    /// Repair the failing etcd member.
    RepairMember,
    /// Collect the missing evidence.
    CollectEvidence,
    /// Measure the etcd disk directly; p99 fdatasync should stay under `fdatasync_p99_ms`.
    MeasureDisk { fdatasync_p99_ms: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    Do,
    Avoid,
}

/// Which answer the report leads with: the restart attribution when restarts are in the evidence, else the
/// storage verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Headline {
    pub kind: HeadlineKind,
    /// True when the headline is etcd storage latency (what `--fail-on storage` acts on): the restarts were put
    /// down to it, or there were none and the storage verdict is `too_slow`.
    pub storage_latency: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadlineKind {
    Restarts,
    Storage,
}

/// The answer to "is etcd's storage too slow?", per member and for the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ConsensusTrouble {
    pub late_heartbeats: u64,
    pub leader_changes: u64,
    pub elections_started: u64,
    pub read_index_slow: u64,
    pub request_timeouts: u64,
}

impl ConsensusTrouble {
    pub fn any(&self) -> bool {
        self.late_heartbeats
            + self.leader_changes
            + self.elections_started
            + self.read_index_slow
            + self.request_timeouts
            > 0
    }
}

/// What would settle an open storage question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

impl StorageAssessment {
    pub fn unknown() -> Self {
        StorageAssessment {
            verdict: StorageVerdict::Unknown,
            confidence: None,
            basis: Vec::new(),
            affected_members: Vec::new(),
            member_count: 0,
            leader_affected: None,
            worst_ms: None,
            worst_member: None,
            worst_basis: None,
            consensus: ConsensusTrouble::default(),
            cpu_or_pause_suspected: false,
            members: Vec::new(),
            evidence: Vec::new(),
            to_settle: vec![StorageSettle::EtcdLogs, StorageSettle::DiskMetrics, StorageSettle::DiskProbe],
        }
    }
}
