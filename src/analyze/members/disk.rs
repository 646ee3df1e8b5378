//! Disk findings over a time range: how strongly the disk is implicated, which symptoms another cause excuses
//! (defragmentations, db opens that waited on the file lock), slow applied entries per member, and the largest db.
//!
//! Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use super::cite::cite_signal;
use super::view::EtcdView;
use crate::evidence::{Signal, SignalClass, SignalKind, Timestamp};
use crate::model::Citation;
use crate::model::thresholds::Thresholds;

const STALL_LOOKAHEAD: i64 = crate::model::thresholds::windows::STALL_LOOKAHEAD_SECS;

/// How strongly the disk is implicated over a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiskLevel {
    None,
    /// Slow applies of 100-500 ms, or severe applies on the leader alone or on a minority.
    Weak,
    /// Slow WAL sync on a minority non-leader member, or severe applied entries (not reads) on a quorum.
    Moderate,
    /// Slow WAL sync on the leader or a quorum.
    Strong,
}

/// Disk evidence over a range.
#[derive(Debug, Clone)]
pub struct DiskFinding {
    pub level: DiskLevel,
    pub wal_members: BTreeSet<String>,
    pub severe_apply_members: BTreeSet<String>,
    pub leader_affected: bool,
    pub max_wal_ms: f64,
    pub max_apply_ms: f64,
    pub first_at: Option<Timestamp>,
    /// The latest start of a disk burst in the range (the stall closest to the range's end).
    pub last_at: Option<Timestamp>,
    pub citations: Vec<Citation>,
    /// The moderate-latency shape (members, apply median ms, heartbeat median ms) when that is the evidence.
    pub shape: Option<(usize, f64, f64)>,
}

pub fn max_latency(s: &Signal) -> f64 {
    s.latency.as_ref().map(|d| d.max_ms).or_else(|| s.kind.latency_ms()).unwrap_or(0.0)
}

pub fn disk_finding(view: &EtcdView, from: Timestamp, to: Timestamp, th: &Thresholds) -> DiskFinding {
    disk_finding_except(view, from, to, th, &[])
}

/// A stretch of time on one member whose disk symptoms another cause explains (a defragmentation).
#[derive(Debug, Clone)]
pub struct Excused {
    pub member: String,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// A `opened backend db` that waited on the file lock: a `db file is flocked` (or capnslog `holds the file lock`)
/// on the same member shortly before it. Its `took` is the wait, not the disk.
fn waited_on_flock(view: &EtcdView, member: &str, s: &Signal) -> bool {
    use crate::model::thresholds::windows::FLOCK_WAIT_SECS;
    if !matches!(&s.kind, SignalKind::SlowBackend { operation, .. } if operation == "open backend db") {
        return false;
    }
    let since = s.first_at - Duration::seconds(FLOCK_WAIT_SECS);
    view.by_member.get(member).is_some_and(|sigs| {
        sigs.iter().any(|l| l.class() == SignalClass::DbLocked && l.last_at >= since && l.first_at <= s.first_at)
    })
}

/// The stretches a defragmentation of `run` explains, with the slack of [`windows::DEFRAG_SLACK_SECS`].
pub fn defrag_excuses(runs: &[DefragRun]) -> Vec<Excused> {
    let slack = Duration::seconds(crate::model::thresholds::windows::DEFRAG_SLACK_SECS);
    runs.iter()
        .map(|d| Excused { member: d.member.clone(), from: d.began_at - slack, to: d.ended_at + slack })
        .collect()
}

/// Whether a disk symptom of `member` stands as disk evidence: not inside an `excused` stretch of the same member,
/// and not a db open that waited on the file lock.
pub fn disk_symptom_kept(view: &EtcdView, excused: &[Excused], member: &str, s: &Signal) -> bool {
    !excused.iter().any(|e| e.member == member && s.first_at <= e.to && s.last_at >= e.from)
        && !waited_on_flock(view, member, s)
}

/// Slow applied entries (not read-only ranges) per member over `[from, to]`, counted in lines, leaving out what
/// `excused` explains ([`disk_symptom_kept`]). Members apply every
/// entry through their own backends, so slow disks everywhere give every member a comparable count, while a slow
/// (or CPU-starved) leader leaves its followers with a few.
pub fn slow_applied_counts<'v>(
    view: &'v EtcdView,
    from: Timestamp,
    to: Timestamp,
    excused: &[Excused],
) -> BTreeMap<&'v str, u64> {
    let mut applied: BTreeMap<&str, u64> = BTreeMap::new();
    for (m, s) in view.in_range(from, to, SignalClass::SlowApply) {
        if matches!(s.kind, SignalKind::SlowApply { read_only: false, .. }) && disk_symptom_kept(view, excused, m, s) {
            *applied.entry(m).or_insert(0) += s.count;
        }
    }
    applied
}

/// [`disk_finding`] leaving out the symptoms inside `excused` stretches (same member), and db opens that waited
/// on the file lock.
pub fn disk_finding_except(
    view: &EtcdView,
    from: Timestamp,
    to: Timestamp,
    th: &Thresholds,
    excused: &[Excused],
) -> DiskFinding {
    let leaders = view.leaders_during(from, to);
    let mut f = DiskFinding {
        level: DiskLevel::None,
        wal_members: BTreeSet::new(),
        severe_apply_members: BTreeSet::new(),
        leader_affected: false,
        max_wal_ms: 0.0,
        max_apply_ms: 0.0,
        first_at: None,
        last_at: None,
        citations: Vec::new(),
        shape: None,
    };
    let kept = |m: &str, s: &Signal| disk_symptom_kept(view, excused, m, s);
    let in_range = |class| view.in_range(from, to, class).filter(move |(m, s)| kept(m, s));
    let mut best_wal: BTreeMap<&str, &Signal> = BTreeMap::new();
    for (m, s) in in_range(SignalClass::SlowWalSync) {
        f.wal_members.insert(m.to_string());
        f.max_wal_ms = f.max_wal_ms.max(max_latency(s));
        f.first_at = Some(f.first_at.map_or(s.first_at, |t| t.min(s.first_at)));
        best_wal
            .entry(m)
            .and_modify(|b| {
                if max_latency(s) > max_latency(b) {
                    *b = s
                }
            })
            .or_insert(s);
    }
    // Backend operations that measure the disk (db open, defrag) count like WAL syncs when they are slow.
    for (m, s) in in_range(SignalClass::SlowBackend) {
        if max_latency(s) >= th.slow_fdatasync_ms {
            f.wal_members.insert(m.to_string());
            f.first_at = Some(f.first_at.map_or(s.first_at, |t| t.min(s.first_at)));
            best_wal.entry(m).or_insert(s);
        }
    }
    let mut any_apply = false;
    let mut best_apply: BTreeMap<&str, &Signal> = BTreeMap::new();
    for (m, s) in in_range(SignalClass::SlowApply) {
        any_apply = true;
        let max = max_latency(s);
        f.max_apply_ms = f.max_apply_ms.max(max);
        // A read-only range waits for the leader's read index: slow on every member when the leader is slow for
        // any reason (CPU, a pause), so it says nothing of this member's disk.
        let applied = matches!(s.kind, SignalKind::SlowApply { read_only: false, .. });
        if max >= th.apply_severe_ms && applied {
            f.severe_apply_members.insert(m.to_string());
            f.first_at = Some(f.first_at.map_or(s.first_at, |t| t.min(s.first_at)));
            best_apply
                .entry(m)
                .and_modify(|b| {
                    if max_latency(s) > max_latency(b) {
                        *b = s
                    }
                })
                .or_insert(s);
        }
    }
    f.last_at = in_range(SignalClass::SlowWalSync)
        .map(|(_, s)| s.first_at)
        .chain(
            in_range(SignalClass::SlowApply)
                .filter(|(_, s)| {
                    max_latency(s) >= th.apply_severe_ms
                        && matches!(s.kind, SignalKind::SlowApply { read_only: false, .. })
                })
                .map(|(_, s)| s.first_at),
        )
        .filter(|t| *t <= to)
        .max();
    let applied = slow_applied_counts(view, from, to, excused);
    let busiest = applied.values().copied().max().unwrap_or(0);
    let comparable =
        |m: &str| applied.get(m).copied().unwrap_or(0) * crate::analyze::storage::SHAPE_COMPARABLE_RATE >= busiest;
    f.severe_apply_members.retain(|m| comparable(m));
    best_apply.retain(|m, _| comparable(m));
    let quorum = view.quorum();
    let wal_on_leader = f.wal_members.iter().any(|m| leaders.contains(m));
    let apply_on_leader = f.severe_apply_members.iter().any(|m| leaders.contains(m));
    f.leader_affected = wal_on_leader || apply_on_leader;
    f.level = if !f.wal_members.is_empty() && (wal_on_leader || f.wal_members.len() >= quorum) {
        DiskLevel::Strong
    } else if !f.wal_members.is_empty() || (f.severe_apply_members.len() >= quorum && quorum > 1) {
        // Severe applies on the leader alone are what a CPU-starved or paused leader shows too: only a quorum of
        // members applying slowly through their own backends singles out the disks.
        DiskLevel::Moderate
    } else if any_apply {
        DiskLevel::Weak
    } else {
        DiskLevel::None
    };
    for (m, s) in best_wal {
        f.citations.push(cite_signal(m, s));
    }
    for (m, s) in best_apply {
        f.citations.push(cite_signal(m, s));
    }
    f
}

/// A defragmentation that blocked a member: it ended at the line's time and began `took` before.
pub struct DefragRun {
    pub member: String,
    pub began_at: Timestamp,
    pub ended_at: Timestamp,
    pub took_ms: f64,
    pub citation: Citation,
}

/// Defragmentations of at least `defrag_blocking_ms` that overlap `[from, to]`. Lines without a duration
/// (capnslog) cannot be placed and are left out.
pub fn defrags(view: &EtcdView, from: Timestamp, to: Timestamp, th: &Thresholds) -> Vec<DefragRun> {
    let mut out = Vec::new();
    for (m, s) in view.in_range(from, to + Duration::seconds(STALL_LOOKAHEAD), SignalClass::Defrag) {
        let took_ms = max_latency(s);
        if took_ms < th.defrag_blocking_ms {
            continue;
        }
        let began_at = s.first_at - Duration::milliseconds(took_ms as i64);
        if began_at > to || s.last_at < from {
            continue;
        }
        out.push(DefragRun {
            member: m.to_string(),
            began_at,
            ended_at: s.last_at,
            took_ms,
            citation: cite_signal(m, s),
        });
    }
    out
}

/// The largest db size (bytes, with the in-use bytes of the same line) any member reported over `[from, to]`
/// (defragmentation and 3.5+ compaction lines).
pub fn largest_db(view: &EtcdView, from: Timestamp, to: Timestamp) -> Option<(String, u64, Option<u64>)> {
    let mut best: Option<(String, u64, Option<u64>)> = None;
    for class in [SignalClass::Defrag, SignalClass::Compaction] {
        for (m, s) in view.in_range(from, to, class) {
            let (size, in_use) = match s.kind {
                SignalKind::Defrag { db_size_bytes, in_use_bytes, .. }
                | SignalKind::Compaction { db_size_bytes, in_use_bytes, .. } => (db_size_bytes, in_use_bytes),
                _ => (None, None),
            };
            if let Some(size) = size
                && best.as_ref().is_none_or(|b| size > b.1)
            {
                best = Some((m.to_string(), size, in_use));
            }
        }
    }
    best
}
