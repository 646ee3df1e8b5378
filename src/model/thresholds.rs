//! Every number the attribution uses, in one place, each with its source. Flags may override them
//! (`--apply-severe-ms`, `--causal-window`, ...); the report prints the values in force.
//!
//! Pure data; no I/O.

use serde::Serialize;

/// Evidence timed more than this many days from the median of all the evidence's times is an outlier (a clock
/// reset to 1970, a corrupted or forged `ts` in year 9999): reported as a gap and kept out of the window and the
/// chart. A year: an incident's evidence spans hours or days, and a must-gather's pod states rarely reach back
/// further than the last restart, while the outliers seen in the wild are decades off. Our choice.
pub const TIME_OUTLIER_DAYS: i64 = 366;

/// Thresholds in force for one analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// this slow, or [`Self::expensive_request_count`] of them. 500 ms, the same level as `apply_severe_ms`. The
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

/// Matching windows: how far apart two records may be and still be about the same moment. They are properties of
/// how Kubernetes and etcd report time, not tuning knobs, so they are constants rather than flags.
pub mod windows {
    /// A container's own log lines are read up to this long past the end of its run: the kubelet records the
    /// termination a moment after the process's last line is flushed (container runtimes report within ~1 s;
    /// 5 s leaves room for a busy node).
    pub const RUN_END_SLACK_SECS: i64 = 5;
    /// An OOM event (a Pod `OOMKilling`/`OOMKilled`, a Node `OOMKilling` from node-problem-detector or `SystemOOM`
    /// from the kubelet) within this long of a run's end is about that run: events carry second resolution and
    /// are emitted by other components than the one recording the termination.
    pub const OOM_EVENT_SECS: i64 = 60;
    /// A stall counts as explained by the disk when a slow fdatasync on the same member falls between this long
    /// before the stall began and [`STALL_AFTER_SECS`] after the late-heartbeat warning: a WAL sync that blocked
    /// the raft loop is logged when it finishes, within the stall.
    pub const STALL_BEFORE_SECS: i64 = 30;
    pub const STALL_AFTER_SECS: i64 = 5;
    /// The late-heartbeat warning is printed when the raft loop resumes; lines up to this long after a range are
    /// read to find stalls that began within it (a stall longer than a minute shows as an election instead).
    pub const STALL_LOOKAHEAD_SECS: i64 = 60;
    /// Two sightings of a run's end closer than this are the same restart (pod status, an event and a log file
    /// each place it; kubelet events lag the termination by a few seconds), unless they name different runs.
    pub const SAME_RESTART_SECS: i64 = 15;
    /// Disk symptoms on a member within this long of one of its defragmentations are the defragmentation's: the
    /// end line is printed when it finishes, and the waiting requests log when they complete just after.
    pub const DEFRAG_SLACK_SECS: i64 = 5;
    /// A slow `opened backend db` within this long after a `db file is flocked` on the same member measured the
    /// wait for the lock, not the disk (etcd logs the flock line every 10 s while it waits).
    pub const FLOCK_WAIT_SECS: i64 = 600;
}

/// How signals fold into bursts and bursts into rows. Reading a file, lines of one class from one subject fold
/// into bursts ([`FOLD_GAP_SECS`](bursts::FOLD_GAP_SECS), [`MAX_BURST_SECS`](bursts::MAX_BURST_SECS)); the
/// analysis ([`crate::analyze::bursts`]) joins a subject's bursts of one class closer than
/// [`Thresholds::timeline_fold_secs`] into timeline rows, and buckets them by minute for the per-minute views (the
/// chart's latency series, the minutes in which a quorum applied slowly).
pub mod bursts {
    /// Lines of one class from one subject closer together than this fold into one burst.
    pub const FOLD_GAP_SECS: i64 = 10;
    /// A burst is closed after this long even if lines keep coming, so timelines keep their resolution.
    pub const MAX_BURST_SECS: i64 = 60;
    /// Width of one bucket: a minute. etcd's slow-operation lines come in bursts of seconds; a minute keeps a
    /// stall and the lines logged as it ends together, and matches the chart's resolution.
    pub const BUCKET_SECS: i64 = 60;
    /// A burst spans at most this many buckets (an hour of minutes): a burst's first and last line may lie far
    /// apart when the parser joined repeats, and a long one must not flood the per-minute views.
    pub const MAX_BUCKETS: i64 = 60;
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            wal_fsync_p99_ms: 10.0,
            backend_commit_p99_ms: 25.0,
            slow_fdatasync_ms: 1000.0,
            apply_expected_ms: 100.0,
            apply_severe_ms: 500.0,
            heartbeat_ms: 100.0,
            election_ms: 1000.0,
            stall_without_fsync_ms: 1000.0,
            causal_window_secs: 600,
            startup_failure_secs: 30,
            timeline_fold_secs: 60,
            defrag_blocking_ms: 1000.0,
            prevote_loop_secs: 10,
            expensive_request_ms: 500.0,
            expensive_request_count: 10,
            mixin_fsync_warning_ms: 500.0,
            mixin_fsync_critical_ms: 1000.0,
            mixin_commit_warning_ms: 250.0,
            mixin_leader_changes_15m: 4,
        }
    }
}
