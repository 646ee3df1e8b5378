//! What the readers recognised each input as, and what they assumed while reading it: typed data with the
//! figures, worded by `report::words::inputs`. Plain data; nothing here builds a sentence.

use serde::Serialize;

use super::{DiskReading, EtcdAlarm, EtcdEndpointHealth, EtcdEndpointStatus, MemberId, Timestamp};

/// What an input was recognised as, with the figures its inventory row shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum InputFormat {
    /// A log read line by line.
    Log { role: LogRole, content: LogContent, wrapper: Option<LogWrapper> },
    /// A Kubernetes JSON document (`kubectl get -o json`, a `cluster-info dump` list): what it held.
    KubeJson { pods: u64, events: u64, nodes: u64, unused_kinds: Vec<KindCount> },
    /// A file that looked like Kubernetes JSON but could not be read.
    KubeJsonInvalid,
    /// `etcdctl member list -w json`.
    EtcdctlMemberList { members: Vec<MemberId> },
    /// `etcdctl endpoint status -w json`.
    EtcdctlEndpointStatus { rows: Vec<EtcdEndpointStatus> },
    /// `etcdctl endpoint health -w json`.
    EtcdctlEndpointHealth { rows: Vec<EtcdEndpointHealth> },
    /// `etcdctl alarm list -w json`.
    EtcdctlAlarmList { alarms: Vec<EtcdAlarm> },
    /// A file that looked like etcdctl JSON output but could not be read.
    EtcdctlInvalid,
    /// kubectl text output (`describe pod`, `get pods`, `get events`, `get componentstatuses`).
    KubectlText {
        kinds: Vec<KubectlOutput>,
        containers: u64,
        restarts: u64,
        event_rows: u64,
        unhealthy: Vec<UnhealthyComponent>,
    },
    /// etcd disk figures pasted as text (a `/metrics` scrape, PromQL results, fio output), with no time.
    DiskPaste { readings: Vec<DiskReading>, fio: Option<FioFigures> },
    /// Prometheus text exposition with nothing this tool reads.
    PrometheusText,
    /// kube-apiserver `/metrics`: its etcd request latency since it started, slowest first (at most 3).
    ApiServerEtcdLatency { slowest: Vec<RequestLatency> },
    /// A `probe-disk -o json` report.
    DiskProbeReport {
        dir: String,
        host: Option<String>,
        at: Timestamp,
        fdatasync_p50_ms: f64,
        fdatasync_p99_ms: f64,
        fdatasync_max_ms: f64,
        iops: f64,
        /// The probe's own assessment, as the report states it.
        assessment: String,
    },
    /// An `iostat -x` device table (listed, not weighed).
    Iostat { highest_w_await: Option<DeviceAwait> },
    /// etcd key counts per resource: the total, and the largest (at most 5).
    ObjectCounts { total: u64, largest: Vec<KindCount> },
    /// A README or other documentation (not evidence).
    Documentation,
    /// Nothing this tool reads.
    Unrecognised,
    /// A Prometheus range query of one histogram's p99, per member.
    PrometheusRange { step_secs: i64, worst: Vec<MemberP99>, guidance_ms: f64, disk_ms: f64 },
    /// A Prometheus range query of plain values: each series' maximum, highest first (at most 4 shown).
    PrometheusValues {
        /// What the query measures, as the capture names it.
        what: String,
        /// Values are seconds (shown as durations), else plain numbers.
        seconds: bool,
        top: Vec<SeriesMax>,
        /// Series beyond those in `top`.
        more: u64,
    },
    /// Two scrapes of an etcd member's `/metrics`, and its `/health`.
    EtcdScrapes(Box<EtcdScrapes>),
}

/// Whose log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogRole {
    Etcd,
    ApiServer,
    Other,
}

/// The inner format most of a log's relevant lines had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogContent {
    /// One JSON object a line (zap, for etcd).
    Json,
    Klog,
    /// Plain text (capnslog, for etcd).
    Text,
    /// No line was relevant.
    NoRelevantLines,
}

/// The wrapper around a log's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogWrapper {
    /// A CRI log file (`/var/log/pods/...`).
    Cri,
    /// `kubectl logs --timestamps`.
    KubectlTimestamps,
    /// A Docker json-file log.
    DockerJson,
    /// journald / syslog.
    Journald,
}

/// A kind of kubectl text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KubectlOutput {
    DescribePod,
    GetPods,
    GetEvents,
    ComponentStatuses,
}

/// A count of something named (`Service` 3, `pods` 1200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCount {
    pub kind: String,
    pub count: u64,
}

/// A component `kubectl get componentstatuses` shows unhealthy, with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnhealthyComponent {
    pub name: String,
    pub message: String,
}

/// fio's figures from a paste.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FioFigures {
    pub sync_p99_ms: Option<f64>,
    pub iops: Option<f64>,
}

/// One kube-apiserver etcd request kind's p99 and the bucket edges it lies between, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestLatency {
    /// `operation` label (`get`, `update`), when present.
    pub operation: Option<String>,
    /// `type` label (`/registry/pods`), when present.
    pub resource: Option<String>,
    pub p99_secs: f64,
    pub lower_secs: f64,
    pub upper_secs: f64,
}

/// The device with the highest `w_await` in an iostat table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceAwait {
    pub device: String,
    pub w_await_ms: f64,
}

/// One member's highest p99 over a range query, and the bucket edges it lay between, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberP99 {
    pub member: String,
    pub p99_secs: f64,
    pub lower_secs: f64,
    pub upper_secs: f64,
}

/// One series' highest value over a range query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesMax {
    /// The identifying labels (`pod`, `instance`, `device`, `namespace`, `container`), in that order.
    pub labels: Vec<(String, String)>,
    pub max: f64,
    pub at: Option<Timestamp>,
}

/// Two scrapes of an etcd member's `/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtcdScrapes {
    pub interval_secs: i64,
    /// `/health`'s answer, as fetched.
    pub health: String,
    /// The disk histograms, in the order they are read.
    pub histograms: Vec<ScrapedHistogram>,
    /// `etcd_server_leader_changes_seen_total`: the increase between the scrapes, and the second total.
    pub leader_changes: Option<(f64, f64)>,
    /// `etcd_server_has_leader` in the second scrape.
    pub has_leader: Option<f64>,
    /// `etcd_server_id`'s `server_id`.
    pub member_id: Option<String>,
    /// Exposition lines that could not be read, with the first one.
    pub unreadable: Option<UnreadableLines>,
}

/// One disk histogram between two scrapes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScrapedHistogram {
    pub metric: String,
    pub reading: HistogramReading,
}

/// What the difference of two scrapes of a histogram gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HistogramReading {
    /// Missing from a scrape, or its counters went down (a restart).
    NotExposedOrReset,
    /// No observation between the scrapes.
    NoObservations,
    /// The p99 between the scrapes and its bucket edges, in seconds.
    P99 { p99_secs: f64, lower_secs: f64, upper_secs: f64, guidance_ms: f64, observations: f64 },
}

/// Lines of two scrapes that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableLines {
    pub count: u64,
    /// The first one was in the second scrape (else the first).
    pub in_second: bool,
    pub line: u64,
    pub message: String,
}

/// How a reader placed what the input did not state (words in `report::words::inputs::note`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// So many signals in `file` that bursts were folded at `resolution_secs` (instead of the usual gap) to bound
    /// memory.
    BurstsCoarsened { file: String, resolution_secs: i64 },
    /// Timestamps in `file` carry no time zone and were read in `zone`; a missing year was assumed.
    NoTimeZone { file: String, zone: String, year: Option<AssumedYear> },
    /// A `kubectl describe` text shows no pod name: its containers are named as their own pods.
    NoPodName { file: String },
    /// A `kubectl get pods` table gives last restarts relative to when it was taken (`pod`, `12m`): not placed.
    RelativeRestarts { file: String, restarts: Vec<RelativeRestart> },
    /// `kubectl get events` rows with relative ages only: not placed. `reasons`: each reason and its count.
    RelativeEvents { file: String, rows: u64, reasons: Vec<KindCount>, first_age: String },
}

/// A year assumed for timestamps that carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AssumedYear {
    pub year: i32,
    /// Taken from the current date (no dated evidence), else from the surrounding dated evidence.
    pub from_current_date: bool,
}

/// A pod's last restart as a table prints it (`12m` ago).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelativeRestart {
    pub pod: String,
    pub ago: String,
}
