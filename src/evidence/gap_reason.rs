//! Why a gap exists, as data: what is missing (a file, an archive entry, a resource) and the figures (counts,
//! lines, caps). The words for each reason are in `report::words::gaps`; nothing here is a sentence. Text that is
//! not ours (a library's error message, a file's first line, an API server's status message) is kept as it came,
//! in a field named for what it is.
//!
//! Pure data; no I/O.

use serde::{Deserialize, Serialize};

/// Why a gap exists, by area.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// A file or folder given to `analyze`.
    File(FileGap),
    /// An archive given to `analyze`.
    Archive(ArchiveGap),
    /// A bundle checked against its manifest.
    Bundle(BundleGap),
    /// The API server, in a live collection.
    Cluster(ClusterGap),
    /// Prometheus and etcd's own `/metrics`.
    Metrics(MetricsGap),
    /// What the evidence as a whole lacks, or holds out of place.
    Analysis(AnalysisGap),
    /// Words recorded by an older version (a bundle manifest written before gap reasons were typed): `what` is
    /// missing, and `why`.
    Recorded { what: String, why: String },
}

/// Gaps in the files and folders given to `analyze`. `file` is the name as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileGap {
    /// A path given on the command line that cannot be read; `error` is the OS's message.
    InputUnreadable { path: String, error: String },
    /// An entry the walk did not read.
    Refused { path: String, folder: bool, refusal: Refusal },
    /// A file that could not be read; `error` is the OS's (or decoder's) message.
    Unreadable { file: String, error: String },
    /// A file no reader recognises; `first_line` is its first line, quoted as evidence.
    Unrecognised { file: String, first_line: String },
    /// A whole-file read cut at `cap_bytes`.
    TextCut { file: String, cap_bytes: u64 },
    /// One item of a Kubernetes list that could not be converted.
    BadItem { file: String, index: usize, item: BadItem },
    /// A Kubernetes JSON file that is not valid; `error` is the reader's message.
    InvalidObjects { file: String, error: String },
    /// A file that looks like etcdctl JSON but could not be read; `error` is the parser's message.
    InvalidEtcdctl { file: String, error: String },
    /// Lines that look like log records but could not be parsed.
    MalformedLines {
        file: String,
        /// How many, and the first of them (1-based).
        count: u64,
        lines: Vec<u64>,
        /// Lines the container runtime split into partial records that join to more than `joined_cap_bytes`.
        overlong_count: u64,
        overlong: Vec<u64>,
        joined_cap_bytes: u64,
        /// Lines longer than `line_cap_bytes`, skipped unread.
        cut_count: u64,
        cut: Vec<u64>,
        line_cap_bytes: u64,
    },
    /// Lines with no usable timestamp.
    UndatedLines { file: String, count: u64 },
}

/// Why the walk did not read an entry. `error` is the OS's message; `target` is a link's target as the link
/// spells it (`None` when it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Its metadata cannot be read.
    CannotExamine { error: String },
    /// A folder given whose path cannot be resolved.
    CannotResolve { error: String },
    /// Neither a regular file nor a folder.
    NotRegular { kind: SpecialFile },
    /// A folder that cannot be listed.
    CannotList { error: String },
    /// A folder with an entry that cannot be listed.
    EntryUnlistable { error: String },
    /// A link to a folder that contains it.
    LinkToAncestor { target: Option<String> },
    /// A link that loops.
    LinkLoop { target: Option<String>, error: String },
    /// A link to nothing.
    Dangling { target: Option<String> },
    /// A link whose target cannot be resolved.
    TargetUnresolvable { target: Option<String>, error: String },
    /// A link out of the analysed folder.
    OutsideFolder { target: Option<String> },
    /// A link whose target cannot be examined.
    TargetUnexaminable { target: Option<String>, error: String },
}

/// What a file that is neither a regular file nor a folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialFile {
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Symlink,
    Other,
}

/// Why one item of a Kubernetes list was not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadItem {
    /// Over the object cap (`cap_bytes`), unread.
    Oversized { bytes: usize, cap_bytes: usize },
    /// Not valid JSON; `error` is serde_json's message.
    NotJson { error: String },
    /// No kind on the item, the list or its shape.
    NoKind,
    /// Not a valid object of its kind; `name` is its `metadata.name`, `error` serde_json's message.
    Invalid { name: String, error: String },
}

/// Gaps in an archive given to `analyze`. `archive` is its path as given; `entry` an entry's name (neutralised).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveGap {
    /// The archive could not be read past `after_entries` entries; `error` is the tar reader's message.
    Damaged { archive: String, after_entries: u64, error: String },
    /// More entries than `--max-entries`.
    TooManyEntries { archive: String, max_entries: u64 },
    /// An entry that is never unpacked (a link, a device, a FIFO, another type).
    Refused { archive: String, entry: String, kind: RefusedEntry },
    /// An entry whose path is absolute or leaves the archive's folder.
    Escapes { archive: String, entry: String },
    /// An entry that cannot be written; `error` is the OS's message.
    CannotUnpack { archive: String, entry: String, error: String },
    /// Unpacking stopped at `--max-unpacked-bytes`, in `entry`.
    TooManyBytes { archive: String, entry: String, max_bytes: u64 },
}

/// An archive entry type that is not unpacked; `to` is a link's target (neutralised).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusedEntry {
    Symlink {
        to: String,
    },
    HardLink {
        to: String,
    },
    CharDevice,
    BlockDevice,
    Fifo,
    /// Another tar entry type, by its type byte.
    Other {
        type_byte: char,
    },
}

/// Differences between a bundle and its manifest. `file` is the path in the bundle (neutralised).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleGap {
    /// The manifest lists a path that is absolute or leaves the bundle.
    PathEscapes { file: String },
    /// Listed but not there.
    Missing { file: String },
    /// Its SHA-256 and size differ from the manifest's.
    Changed { file: String, sha256: String, bytes: u64, listed_sha256: String, listed_bytes: u64 },
    /// Its checksum cannot be computed; `error` is the OS's message.
    Unchecked { file: String, error: String },
    /// There but not listed.
    Unlisted { file: String },
}

/// Gaps of a live collection. `path` is an API path; `file` a path in the bundle; `error` a typed error's message,
/// taken once where it happened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterGap {
    /// The API server throttled answers: how many, the seconds waited in all, the retry caps, how many gave up.
    Throttled { answers: u64, waited_secs: u64, max_retries: u32, max_wait_secs: u64, gave_up: u64 },
    /// `/version` failed.
    Version { failure: ApiFailure },
    /// A list that failed.
    List { objects: Listed, path: String, failure: ApiFailure },
    /// A list read up to `after_page` pages, then cut.
    ListCut { objects: Listed, path: String, after_page: usize, cut: ListCut },
    /// A pod list item that is not a pod.
    PodItem { path: String, page: usize, index: usize, item: BadItem },
    /// A pod list page whose items could not be walked to the end.
    PodPage { path: String, page: usize, error: String },
    /// Restarted containers past `--max-container-logs` (`max`), the first few named by namespace and pod.
    ContainerLogsSkipped { skipped: usize, first: Vec<(String, String)>, max: usize },
    /// No etcd (or kube-apiserver) pod found at any place tried; the places that failed, and how.
    NotDiscovered { role: PodRole, tried: Vec<Place>, failures: Vec<(Place, ApiFailure)> },
    /// One place discovery tried that failed (pods were found elsewhere).
    DiscoveryFailed { role: PodRole, place: Place, failure: ApiFailure },
    /// A container log that was not fetched or stored.
    Log { log: LogRef, problem: LogProblem },
    /// A container log kept up to where it was cut.
    LogCut { log: LogRef, cut: LogCut },
    /// The API server's own `/metrics` failed.
    ApiServerMetrics { failure: ApiFailure },
    /// The API server's `/metrics` could not be written.
    ApiServerMetricsUnwritten { error: String },
    /// A metrics capture that could not be written.
    CaptureUnwritten { file: String, error: String },
    /// A metrics capture that could not be encoded.
    CaptureUnencoded { file: String, error: String },
    /// A collector task that panicked (`panic` its message, if it had one) or was cancelled.
    CollectorLost { collector: Collector, panicked: bool, panic: Option<String> },
}

/// What a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Listed {
    Pods,
    Nodes,
    /// core/v1 events.
    Events,
    /// events.k8s.io/v1 events.
    EventsK8sIo,
}

/// The role of the pods a collector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PodRole {
    Etcd,
    ApiServer,
    Workload,
}

/// Where discovery looks: a label selector in a namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Place {
    pub selector: String,
    pub namespace: String,
}

/// One container log (the current run's, or the previous).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LogRef {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
}

/// Why a container log was not fetched or stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogProblem {
    /// The run's logs reached `--max-total-log-bytes` (`total`).
    OverTotalBudget { total: u64 },
    /// The request could not be built.
    BadRequest { error: String },
    /// The API server did not give it.
    Failed { failure: ApiFailure },
    /// It could not be written to `file`.
    CannotWrite { file: String, error: String },
}

/// Where a streamed log was cut.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogCut {
    Deadline,
    /// The stream stalled for `--request-timeout`.
    Stalled,
    /// Cut after `limit` bytes: `--max-log-bytes` (`max_log_bytes`) or what was left of the run's budget.
    AtCap {
        limit: u64,
        max_log_bytes: u64,
        server_sent_more: bool,
    },
    /// The stream broke; `error` is the client's error chain.
    Broke {
        error: String,
    },
    /// Writing `file` failed.
    Write {
        file: String,
        error: String,
    },
}

/// Why paging a list stopped early.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListCut {
    /// The next page failed.
    Failed { failure: ApiFailure },
    /// The last page handed back a continue token given before; `items` were kept.
    RepeatedToken { items: usize },
    /// The list did not end within `max_pages` pages; `items` were kept.
    TooManyPages { max_pages: usize, items: usize },
}

/// A collector task of a live collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collector {
    EtcdDiscovery,
    ApiServerDiscovery,
    WorkloadPods,
    Nodes,
    Metrics,
    MetricCaptures,
    /// A list at an API path.
    List {
        path: String,
    },
    /// One container log.
    Log {
        role: PodRole,
        log: LogRef,
    },
    /// A task without a recorded name.
    Unnamed,
}

/// Why an API request gave nothing (or only part).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApiFailure {
    /// The HTTP status, when the API server answered.
    pub status: Option<u16>,
    pub problem: ApiProblem,
    /// Throttled until the run gave up.
    pub gave_up: Option<GaveUp>,
}

/// What went wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiProblem {
    /// An answer with an error status; `message` is the API server's status message (or its body's start).
    Answered { message: String },
    /// The collection was shutting down.
    ShutDown,
    /// Not answered before `--deadline`.
    Deadline,
    /// No answer within `--request-timeout` (`timeout_ms`).
    RequestTimeout { timeout_ms: u64 },
    /// No HTTP answer; `error` is the client's error chain.
    Transport { error: String },
    /// The request could not be built.
    BadRequest { error: String },
    /// The answer stalled.
    Stalled,
    /// The answer passed `--max-response-bytes` (`cap_bytes`); `read_bytes` were read when it was dropped.
    TooLarge { cap_bytes: u64, read_bytes: u64 },
    /// The answer is not a Kubernetes list; `error` is serde_json's message.
    NotAList { error: String },
    /// The answer could not be written to `file`.
    Write { file: String, error: String },
}

/// Why a throttled request was given up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GaveUp {
    /// Still throttled after `retries` retries.
    AfterRetries { retries: u32 },
    /// Waiting `wait_secs` more would pass the deadline.
    WouldPassDeadline { wait_secs: u64 },
}

impl ApiFailure {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match &mut self.problem {
            ApiProblem::Answered { message: t }
            | ApiProblem::Transport { error: t }
            | ApiProblem::BadRequest { error: t }
            | ApiProblem::NotAList { error: t } => f(t),
            ApiProblem::Write { file, error } => {
                f(file);
                f(error);
            }
            ApiProblem::ShutDown
            | ApiProblem::Deadline
            | ApiProblem::RequestTimeout { .. }
            | ApiProblem::Stalled
            | ApiProblem::TooLarge { .. } => {}
        }
    }
}

impl Place {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(&mut self.selector);
        f(&mut self.namespace);
    }
}

impl LogRef {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(&mut self.namespace);
        f(&mut self.pod);
        f(&mut self.container);
    }
}

impl ClusterGap {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            ClusterGap::Throttled { .. } => {}
            ClusterGap::Version { failure } | ClusterGap::ApiServerMetrics { failure } => failure.texts_mut(f),
            ClusterGap::List { path, failure, .. } => {
                f(path);
                failure.texts_mut(f);
            }
            ClusterGap::ListCut { path, cut, .. } => {
                f(path);
                if let ListCut::Failed { failure } = cut {
                    failure.texts_mut(f);
                }
            }
            ClusterGap::PodItem { path, item, .. } => {
                f(path);
                item.texts_mut(f);
            }
            ClusterGap::PodPage { path, error, .. } => {
                f(path);
                f(error);
            }
            ClusterGap::ContainerLogsSkipped { first, .. } => {
                for (ns, pod) in first {
                    f(ns);
                    f(pod);
                }
            }
            ClusterGap::NotDiscovered { tried, failures, .. } => {
                tried.iter_mut().for_each(|p| p.texts_mut(f));
                for (p, failure) in failures {
                    p.texts_mut(f);
                    failure.texts_mut(f);
                }
            }
            ClusterGap::DiscoveryFailed { place, failure, .. } => {
                place.texts_mut(f);
                failure.texts_mut(f);
            }
            ClusterGap::Log { log, problem } => {
                log.texts_mut(f);
                match problem {
                    LogProblem::OverTotalBudget { .. } => {}
                    LogProblem::BadRequest { error } => f(error),
                    LogProblem::Failed { failure } => failure.texts_mut(f),
                    LogProblem::CannotWrite { file, error } => {
                        f(file);
                        f(error);
                    }
                }
            }
            ClusterGap::LogCut { log, cut } => {
                log.texts_mut(f);
                match cut {
                    LogCut::Deadline | LogCut::Stalled | LogCut::AtCap { .. } => {}
                    LogCut::Broke { error } => f(error),
                    LogCut::Write { file, error } => {
                        f(file);
                        f(error);
                    }
                }
            }
            ClusterGap::ApiServerMetricsUnwritten { error } => f(error),
            ClusterGap::CaptureUnwritten { file, error } | ClusterGap::CaptureUnencoded { file, error } => {
                f(file);
                f(error);
            }
            ClusterGap::CollectorLost { collector, panic, .. } => {
                match collector {
                    Collector::List { path } => f(path),
                    Collector::Log { log, .. } => log.texts_mut(f),
                    _ => {}
                }
                panic.iter_mut().for_each(&mut *f);
            }
        }
    }
}

/// Gaps in metrics fetched from Prometheus or scraped from etcd. `error` is the typed error's message, taken
/// once where it happened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricsGap {
    /// No client for Prometheus at `base` (its CA, its URL).
    PrometheusClient { base: String, error: String },
    /// A range query that failed.
    PrometheusQuery { base: String, query: String, error: String },
    /// A histogram query that returned no series.
    NoSeries { metric: String },
    /// No client for etcd's endpoints (their certificates).
    EtcdClient { error: String },
    /// An etcd endpoint that could not be scraped.
    EtcdScrape { url: String, error: String },
}

/// What the evidence as a whole lacks, found by the analysis (or the evidence itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisGap {
    /// No etcd log among the inputs.
    NoEtcdLogs,
    /// Fewer etcd logs than members: `missing` of `members`.
    MemberLogsMissing { missing: usize, members: usize },
    /// No pod list among the inputs.
    NoPodStatus,
    /// No event list among the inputs.
    NoEvents,
    /// A restarted container with no log among the inputs.
    NoContainerLogs { namespace: String, pod: String, container: String },
    /// Records timed more than `days` away from the rest; the first at `first` (`file:line`), timed `at`.
    TimeOutliers { count: usize, days: i64, first: String, at: super::Timestamp },
}

impl GapReason {
    /// Every string inside, for redaction and neutralisation.
    pub fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            GapReason::File(g) => g.texts_mut(f),
            GapReason::Archive(g) => match g {
                ArchiveGap::Damaged { archive, error, .. } => {
                    f(archive);
                    f(error);
                }
                ArchiveGap::TooManyEntries { archive, .. } => f(archive),
                ArchiveGap::Refused { archive, entry, kind } => {
                    f(archive);
                    f(entry);
                    if let RefusedEntry::Symlink { to } | RefusedEntry::HardLink { to } = kind {
                        f(to);
                    }
                }
                ArchiveGap::Escapes { archive, entry } | ArchiveGap::TooManyBytes { archive, entry, .. } => {
                    f(archive);
                    f(entry);
                }
                ArchiveGap::CannotUnpack { archive, entry, error } => {
                    f(archive);
                    f(entry);
                    f(error);
                }
            },
            GapReason::Bundle(g) => match g {
                BundleGap::PathEscapes { file } | BundleGap::Missing { file } | BundleGap::Unlisted { file } => f(file),
                BundleGap::Changed { file, sha256, listed_sha256, .. } => {
                    f(file);
                    f(sha256);
                    f(listed_sha256);
                }
                BundleGap::Unchecked { file, error } => {
                    f(file);
                    f(error);
                }
            },
            GapReason::Cluster(g) => g.texts_mut(f),
            GapReason::Metrics(g) => match g {
                MetricsGap::PrometheusClient { base, error } => {
                    f(base);
                    f(error);
                }
                MetricsGap::PrometheusQuery { base, query, error } => {
                    f(base);
                    f(query);
                    f(error);
                }
                MetricsGap::NoSeries { metric } => f(metric),
                MetricsGap::EtcdClient { error } => f(error),
                MetricsGap::EtcdScrape { url, error } => {
                    f(url);
                    f(error);
                }
            },
            GapReason::Analysis(g) => match g {
                AnalysisGap::NoEtcdLogs
                | AnalysisGap::MemberLogsMissing { .. }
                | AnalysisGap::NoPodStatus
                | AnalysisGap::NoEvents => {}
                AnalysisGap::NoContainerLogs { namespace, pod, container } => {
                    f(namespace);
                    f(pod);
                    f(container);
                }
                AnalysisGap::TimeOutliers { first, .. } => f(first),
            },
            GapReason::Recorded { what, why } => {
                f(what);
                f(why);
            }
        }
    }
}

impl BadItem {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            BadItem::Oversized { .. } | BadItem::NoKind => {}
            BadItem::NotJson { error } => f(error),
            BadItem::Invalid { name, error } => {
                f(name);
                f(error);
            }
        }
    }
}

impl FileGap {
    fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            FileGap::InputUnreadable { path, error } => {
                f(path);
                f(error);
            }
            FileGap::Refused { path, refusal, .. } => {
                f(path);
                match refusal {
                    Refusal::CannotExamine { error }
                    | Refusal::CannotResolve { error }
                    | Refusal::CannotList { error }
                    | Refusal::EntryUnlistable { error } => f(error),
                    Refusal::NotRegular { .. } => {}
                    Refusal::LinkToAncestor { target }
                    | Refusal::Dangling { target }
                    | Refusal::OutsideFolder { target } => target.iter_mut().for_each(&mut *f),
                    Refusal::LinkLoop { target, error }
                    | Refusal::TargetUnresolvable { target, error }
                    | Refusal::TargetUnexaminable { target, error } => {
                        target.iter_mut().for_each(&mut *f);
                        f(error);
                    }
                }
            }
            FileGap::Unreadable { file, error }
            | FileGap::InvalidObjects { file, error }
            | FileGap::InvalidEtcdctl { file, error } => {
                f(file);
                f(error);
            }
            FileGap::Unrecognised { file, first_line } => {
                f(file);
                f(first_line);
            }
            FileGap::TextCut { file, .. }
            | FileGap::MalformedLines { file, .. }
            | FileGap::UndatedLines { file, .. } => f(file),
            FileGap::BadItem { file, item, .. } => {
                f(file);
                item.texts_mut(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reason of each shape, with a marker in every string it holds.
    fn marked() -> Vec<GapReason> {
        let m = || "MARK".to_string();
        let failure =
            || ApiFailure { status: Some(403), problem: ApiProblem::Answered { message: m() }, gave_up: None };
        let log = || LogRef { namespace: m(), pod: m(), container: m(), previous: true };
        let place = || Place { selector: m(), namespace: m() };
        vec![
            GapReason::File(FileGap::InputUnreadable { path: m(), error: m() }),
            GapReason::File(FileGap::Refused {
                path: m(),
                folder: false,
                refusal: Refusal::TargetUnexaminable { target: Some(m()), error: m() },
            }),
            GapReason::File(FileGap::Unrecognised { file: m(), first_line: m() }),
            GapReason::File(FileGap::BadItem { file: m(), index: 1, item: BadItem::Invalid { name: m(), error: m() } }),
            GapReason::File(FileGap::InvalidEtcdctl { file: m(), error: m() }),
            GapReason::Archive(ArchiveGap::Refused {
                archive: m(),
                entry: m(),
                kind: RefusedEntry::Symlink { to: m() },
            }),
            GapReason::Archive(ArchiveGap::CannotUnpack { archive: m(), entry: m(), error: m() }),
            GapReason::Bundle(BundleGap::Changed {
                file: m(),
                sha256: m(),
                bytes: 1,
                listed_sha256: m(),
                listed_bytes: 2,
            }),
            GapReason::Cluster(ClusterGap::NotDiscovered {
                role: PodRole::Etcd,
                tried: vec![place()],
                failures: vec![(place(), failure())],
            }),
            GapReason::Cluster(ClusterGap::ListCut {
                objects: Listed::Pods,
                path: m(),
                after_page: 2,
                cut: ListCut::Failed { failure: failure() },
            }),
            GapReason::Cluster(ClusterGap::PodItem {
                path: m(),
                page: 1,
                index: 0,
                item: BadItem::NotJson { error: m() },
            }),
            GapReason::Cluster(ClusterGap::ContainerLogsSkipped { skipped: 9, first: vec![(m(), m())], max: 1 }),
            GapReason::Cluster(ClusterGap::LogCut { log: log(), cut: LogCut::Write { file: m(), error: m() } }),
            GapReason::Cluster(ClusterGap::Log { log: log(), problem: LogProblem::Failed { failure: failure() } }),
            GapReason::Cluster(ClusterGap::CollectorLost {
                collector: Collector::Log { role: PodRole::Etcd, log: log() },
                panicked: true,
                panic: Some(m()),
            }),
            GapReason::Metrics(MetricsGap::PrometheusQuery { base: m(), query: m(), error: m() }),
            GapReason::Analysis(AnalysisGap::NoContainerLogs { namespace: m(), pod: m(), container: m() }),
            GapReason::Analysis(AnalysisGap::TimeOutliers { count: 1, days: 366, first: m(), at: Default::default() }),
            GapReason::Recorded { what: m(), why: m() },
        ]
    }

    #[test]
    fn texts_mut_reaches_every_string_of_a_reason() {
        for mut r in marked() {
            r.texts_mut(&mut |s| *s = s.replace("MARK", "x"));
            assert!(!format!("{r:?}").contains("MARK"), "a string was not reached: {r:?}");
        }
    }

    #[test]
    fn a_reason_reads_back_as_written() {
        for r in marked() {
            let back: GapReason = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
            assert_eq!(back, r);
        }
    }
}
