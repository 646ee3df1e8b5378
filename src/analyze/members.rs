//! Per-etcd-member signal statistics, the leader history, and the disk / stall / network findings over a time
//! range that attribution asks about.
//!
//! Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use crate::evidence::{Evidence, LatencyDigest, MetricSeries, Signal, SignalClass, SignalKind, Subject, Timestamp};
use crate::model::thresholds::Thresholds;
use crate::model::{Citation, Claim, DiskMetricSeries, LatencyStats, Link, MemberSignals};

/// The etcd side of the evidence, indexed for questions over time ranges.
pub struct EtcdView<'a> {
    /// Member name -> its signals, time-ordered.
    pub by_member: BTreeMap<String, Vec<&'a Signal>>,
    /// Member id (hex) -> name.
    pub names: BTreeMap<String, String>,
    /// (time, leader name or id) from election lines and late-heartbeat lines (only a leader prints those).
    pub leader_history: Vec<(Timestamp, String)>,
    /// How many members the cluster has, as far as the evidence shows.
    pub member_count: usize,
}

impl<'a> EtcdView<'a> {
    pub fn new(evidence: &'a Evidence, signals: &[&'a Signal]) -> Self {
        let mut by_member: BTreeMap<String, Vec<&Signal>> = BTreeMap::new();
        for s in signals {
            if let Subject::EtcdMember { name } = &s.subject {
                by_member.entry(name.clone()).or_default().push(s);
            }
        }
        for v in by_member.values_mut() {
            v.sort_by_key(|s| s.first_at);
        }
        let names: BTreeMap<String, String> =
            evidence.member_ids.iter().map(|m| (m.id.trim_start_matches('0').to_string(), m.name.clone())).collect();
        let mut leader_history = Vec::new();
        for (member, sigs) in &by_member {
            for s in sigs {
                match &s.kind {
                    SignalKind::LeaderElected { leader_id, .. } => {
                        let id = leader_id.trim_start_matches('0');
                        let who = names.get(id).cloned().unwrap_or_else(|| leader_id.clone());
                        leader_history.push((s.first_at, who));
                    }
                    SignalKind::HeartbeatLate { .. } => leader_history.push((s.first_at, member.clone())),
                    _ => {}
                }
            }
        }
        leader_history.sort();
        // Members known from pods too (a member whose logs are missing still counts towards quorum).
        let pod_members = evidence
            .containers
            .iter()
            .filter(|c| c.labels.get("component").is_some_and(|v| v == "etcd") || c.container == "etcd")
            .map(|c| c.pod.clone())
            .collect::<BTreeSet<_>>();
        let member_count = by_member.len().max(pod_members.len()).max(evidence.member_ids.len());
        EtcdView { by_member, names, leader_history, member_count }
    }

    pub fn quorum(&self) -> usize {
        self.member_count / 2 + 1
    }

    /// The member believed to lead at `t` (the last election or late heartbeat before it).
    pub fn leader_at(&self, t: Timestamp) -> Option<&str> {
        self.leader_history.iter().rev().find(|(at, _)| *at <= t).map(|(_, who)| who.as_str())
    }

    /// Leaders in force at any point of `[from, to]`.
    pub fn leaders_during(&self, from: Timestamp, to: Timestamp) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.leader_at(from).map(str::to_string).into_iter().collect();
        out.extend(self.leader_history.iter().filter(|(at, _)| *at >= from && *at <= to).map(|(_, w)| w.clone()));
        out
    }

    /// Signals of `class` on any member that overlap `[from, to]`.
    pub fn in_range(
        &self,
        from: Timestamp,
        to: Timestamp,
        class: SignalClass,
    ) -> impl Iterator<Item = (&str, &'a Signal)> + '_ {
        self.by_member.iter().flat_map(move |(m, sigs)| {
            sigs.iter()
                .filter(move |s| s.class() == class && s.last_at >= from && s.first_at <= to)
                .map(move |s| (m.as_str(), *s))
        })
    }
}

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

/// A stall of the raft loop that the WAL disk does not explain.
pub struct Stall {
    pub member: String,
    /// When the stall began: the warning is printed when the loop resumes, `exceeded` after it stopped.
    pub began_at: Timestamp,
    pub citation: Citation,
}

/// Stalls that began in `[from, to]`: a heartbeat late by at least `stall_without_fsync_ms` on a member with no slow
/// fdatasync on that member from 30 s before the stall to 5 s after the warning. The warning comes when the loop
/// resumes, so lines up to a minute after `to` are read to find stalls that began before it (the windows are in
/// [`crate::model::thresholds::windows`]).
pub fn stalls(view: &EtcdView, from: Timestamp, to: Timestamp, th: &Thresholds) -> Vec<Stall> {
    use crate::model::thresholds::windows::{STALL_AFTER_SECS, STALL_BEFORE_SECS, STALL_LOOKAHEAD_SECS};
    let mut out = Vec::new();
    for (m, s) in view.in_range(from, to + Duration::seconds(STALL_LOOKAHEAD_SECS), SignalClass::HeartbeatLate) {
        let exceeded = max_latency(s);
        if exceeded < th.stall_without_fsync_ms {
            continue;
        }
        let began_at = s.first_at - Duration::milliseconds(exceeded as i64);
        if began_at > to || s.last_at < from {
            continue;
        }
        let a = began_at - Duration::seconds(STALL_BEFORE_SECS);
        let b = s.last_at + Duration::seconds(STALL_AFTER_SECS);
        let explained = view.in_range(a, b, SignalClass::SlowWalSync).any(|(wm, _)| wm == m);
        if !explained {
            out.push(Stall { member: m.to_string(), began_at, citation: cite_signal(m, s) });
        }
    }
    out
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

const STALL_LOOKAHEAD: i64 = crate::model::thresholds::windows::STALL_LOOKAHEAD_SECS;

/// Members that sent pre-votes at one term for at least `prevote_loop_secs` within `[from, to]` with no leader
/// elected on them meanwhile: cut off from their peers, or the cluster lost quorum (members removed or down).
pub fn prevote_loops(view: &EtcdView, from: Timestamp, to: Timestamp, th: &Thresholds) -> Vec<Citation> {
    let mut out = Vec::new();
    for (member, sigs) in &view.by_member {
        let mut by_term: BTreeMap<u64, (Timestamp, Timestamp, &Signal)> = BTreeMap::new();
        for s in sigs.iter().filter(|s| s.last_at >= from && s.first_at <= to) {
            if let SignalKind::PreVote { term, rejected: false } = s.kind {
                let e = by_term.entry(term).or_insert((s.first_at, s.last_at, s));
                e.0 = e.0.min(s.first_at);
                e.1 = e.1.max(s.last_at);
            }
        }
        for (_, (first, last, s)) in by_term {
            let long = (last - first).num_seconds() >= th.prevote_loop_secs;
            let elected = sigs
                .iter()
                .any(|l| l.class() == SignalClass::LeaderElected && l.first_at >= first && l.first_at <= last);
            if long && !elected {
                let mut c = cite_signal(member, s);
                c.claim = Claim::PreVoteLoop { member: member.clone(), secs: (last - first).num_seconds() };
                out.push(c);
            }
        }
    }
    out
}

/// Slow applied entries the lone member needs of its own (as the moderate-latency shape asks of each member: one
/// line is noise on any cluster).
const LONE_MIN_APPLIES: u64 = 3;

/// The one member with late heartbeats over `[from, to]` while the others are calm: no slow WAL sync anywhere, no
/// late heartbeats elsewhere, and the others' slow applied entries (read-only ranges aside: they wait on the
/// leader's read index) none, or fewer than a quarter of its own. That is the shape of a CPU-starved or frozen
/// leader: a slow shared disk slows every member's applies through its own backend at a comparable rate
/// ([`crate::analyze::storage::SHAPE_COMPARABLE_RATE`]). In the lab, a CFS-throttled leader logged 120 slow
/// applied entries against its followers' 5 and 3; with every member's fdatasync delayed 250 ms, 114 against 109
/// and 99. `None` when several members, or none, show trouble.
pub fn lone_heartbeat_member(view: &EtcdView, from: Timestamp, to: Timestamp) -> Option<String> {
    let mut late: BTreeSet<&str> = view.in_range(from, to, SignalClass::HeartbeatLate).map(|(m, _)| m).collect();
    if late.len() != 1 || view.by_member.len() < 2 || view.in_range(from, to, SignalClass::SlowWalSync).next().is_some()
    {
        return None;
    }
    let lone = late.pop_first()?;
    let applied = slow_applied_counts(view, from, to, &[]);
    let own = applied.get(lone).copied().unwrap_or(0);
    // The starved member is slow itself: a few late heartbeats alone are noise on any cluster.
    if own < LONE_MIN_APPLIES {
        return None;
    }
    let rate = crate::analyze::storage::SHAPE_COMPARABLE_RATE;
    let others_calm = applied.iter().filter(|(m, _)| **m != lone).all(|(_, n)| *n == 0 || n * rate < own);
    others_calm.then(|| lone.to_string())
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
            if let Some(size) = size {
                if best.as_ref().is_none_or(|b| size > b.1) {
                    best = Some((m.to_string(), size, in_use));
                }
            }
        }
    }
    best
}

/// The member a peer reference names (a hex member id, or a name), when known.
pub fn peer_member<'v>(view: &'v EtcdView, peer: &'v str) -> &'v str {
    view.names.get(peer.trim_start_matches('0')).map(String::as_str).unwrap_or(peer)
}

/// Citations for every signal of `class` over the range (at most `limit`, strongest first by count).
pub fn citations_for(
    view: &EtcdView,
    from: Timestamp,
    to: Timestamp,
    class: SignalClass,
    limit: usize,
) -> Vec<Citation> {
    let mut v: Vec<_> = view.in_range(from, to, class).collect();
    v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.first_at.cmp(&b.1.first_at)));
    v.into_iter().take(limit).map(|(m, s)| cite_signal(m, s)).collect()
}

/// A citation for a signal burst: `etcd-node1: 37x slow apply (max 2.4s)`.
pub fn cite_signal(who: &str, s: &Signal) -> Citation {
    Citation { at: Some(s.first_at), link: link_of(s.class()), claim: Claim::signal(who, s), origin: s.first.clone() }
}

/// The chain link a signal class belongs to.
pub fn link_of(class: SignalClass) -> Link {
    use SignalClass as C;
    match class {
        C::SlowWalSync | C::SlowApply | C::SlowBackend => Link::Disk,
        C::HeartbeatLate
        | C::LeaderElected
        | C::LeaderLost
        | C::ReadIndexSlow
        | C::RequestTimeout
        | C::MemberStarted => Link::Consensus,
        C::ApiServerEtcdError | C::ApiServerSlowRequest | C::ApiServerEtcdUnreachable => Link::ApiServer,
        C::LeaseRenewFailed
        | C::LeaderElectionLost
        | C::ApiRequestTimeout
        | C::ConfigError
        | C::Fatal
        | C::OutOfMemory => Link::Container,
        C::PeerUnreachable
        | C::ClockDrift
        | C::NoSpaceAlarm
        | C::CertificateError
        | C::Defrag
        | C::Compaction
        | C::ExpensiveRequest
        | C::RaftMessageDropped
        | C::PreVote
        | C::DbLocked
        | C::BackendCorrupt
        | C::MembershipError
        | C::NotEtcdDatastore
        | C::CpuStarved => Link::Competing,
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// Plain duration text for claims (renderers have their own, richer formatting).
pub fn fmt_ms_plain(ms: f64) -> String {
    if ms >= 1000.0 { format!("{:.1}s", ms / 1000.0) } else { format!("{ms:.0}ms") }
}

fn stats(d: &LatencyDigest) -> LatencyStats {
    LatencyStats {
        count: d.count,
        p50_ms: d.quantile(0.5),
        p99_ms: d.quantile(0.99),
        max_ms: (d.count > 0).then_some(d.max_ms),
    }
}

/// Puts metric evidence on the member its logs name: metrics know a member by a Prometheus `pod` / `instance`
/// label or an `--etcd-endpoints` name, logs by its `--name`, and etcd's `etcd_server_id` metric ties the first to
/// the member id the logs print. Renames the subjects of signals, metric series and inputs, records an alias whose
/// id no log names as that member's name (so leader lines, which carry ids, find it), and returns one statement
/// per mapping for the report's assumptions.
pub fn resolve_member_aliases(evidence: &mut Evidence) -> Vec<String> {
    let norm = |id: &str| id.trim_start_matches('0').to_ascii_lowercase();
    let names: BTreeMap<String, String> = evidence.member_ids.iter().map(|m| (norm(&m.id), m.name.clone())).collect();
    let mut aliases = evidence.member_aliases.clone();
    aliases.sort();
    aliases.dedup_by(|a, b| a.alias == b.alias && a.id == b.id);
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut notes = Vec::new();
    for a in &aliases {
        match names.get(&norm(&a.id)) {
            Some(name) if *name != a.alias => {
                if let Some(earlier) = renames.get(&a.alias) {
                    if earlier != name {
                        notes.push(format!(
                            "metrics name {} for two etcd members ({earlier} and {name}); kept {earlier}",
                            a.alias
                        ));
                    }
                    continue;
                }
                notes.push(format!(
                    "metrics for {} are etcd member {name} (etcd_server_id {} in {})",
                    a.alias, a.id, a.origin.source
                ));
                renames.insert(a.alias.clone(), name.clone());
            }
            Some(_) => {}
            None => evidence.member_ids.push(crate::evidence::MemberId { name: a.alias.clone(), id: a.id.clone() }),
        }
    }
    if renames.is_empty() {
        return notes;
    }
    let rename = |subject: &mut Subject| {
        if let Subject::EtcdMember { name } = subject
            && let Some(to) = renames.get(name.as_str())
        {
            *name = to.clone();
        }
    };
    evidence.signals.iter_mut().for_each(|s| rename(&mut s.subject));
    evidence.metric_series.iter_mut().for_each(|m| rename(&mut m.subject));
    evidence.inputs.iter_mut().filter_map(|i| i.subject.as_mut()).for_each(rename);
    notes
}

/// Gives each member its disk latency series from metrics (WAL fsync p99, else backend commit p99), cut to the
/// window; a member that metrics measure but no log names gets a row of its own.
pub fn attach_metric_series(
    members: &mut Vec<MemberSignals>,
    series: &[MetricSeries],
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    th: &Thresholds,
) {
    // WAL fsync is the disk evidence etcd's guidance is about; backend commit only when WAL fsync is absent.
    let rank = |metric: &str| if metric.contains("wal_fsync") { 0 } else { 1 };
    let mut best: BTreeMap<&str, Vec<&MetricSeries>> = BTreeMap::new();
    for m in series {
        if let Subject::EtcdMember { name } = &m.subject {
            best.entry(name.as_str()).or_default().push(m);
        }
    }
    for (name, mut candidates) in best {
        candidates.sort_by_key(|m| rank(&m.metric));
        let metric = &candidates[0].metric;
        let mut points: Vec<(Timestamp, f64)> = candidates
            .iter()
            .filter(|m| m.metric == *metric)
            .flat_map(|m| m.points.iter().copied())
            .filter(|(t, _)| from.is_none_or(|f| *t >= f) && to.is_none_or(|e| *t <= e))
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by_key(|p| p.0);
        points.dedup_by_key(|p| p.0);
        let disk = DiskMetricSeries {
            metric: metric.clone(),
            quantile: candidates[0].quantile.unwrap_or(0.99),
            origin: candidates[0].origin.clone(),
            max_ms: points.iter().map(|p| p.1).fold(0.0, f64::max),
            points,
        };
        match members.iter_mut().find(|m| m.member == name) {
            Some(m) => m.disk_metric = Some(disk),
            None => members.push(MemberSignals {
                member: name.to_string(),
                assessment: {
                    let guidance = if rank(&disk.metric) == 0 { th.wal_fsync_p99_ms } else { th.backend_commit_p99_ms };
                    let against = if disk.max_ms > guidance { "over" } else { "within" };
                    format!(
                        "{} p99 up to {} by metrics ({against} the {} guidance); no slow operations logged",
                        disk.metric,
                        fmt_ms_plain(disk.max_ms),
                        fmt_ms_plain(guidance)
                    )
                },
                disk_metric: Some(disk),
                ..MemberSignals::default()
            }),
        }
    }
    members.sort_by(|a, b| a.member.cmp(&b.member));
}

/// Per-member statistics for the report.
pub fn member_signals(view: &EtcdView, th: &Thresholds) -> Vec<MemberSignals> {
    let ids_by_name: BTreeMap<&str, &str> = view.names.iter().map(|(id, n)| (n.as_str(), id.as_str())).collect();
    view.by_member
        .iter()
        .map(|(member, sigs)| {
            let mut wal = LatencyDigest::new();
            let mut apply = LatencyDigest::new();
            let mut backend = LatencyDigest::new();
            let mut heartbeat = LatencyDigest::new();
            let mut counts: BTreeMap<SignalClass, u64> = BTreeMap::new();
            let mut series: BTreeMap<i64, f64> = BTreeMap::new();
            for s in sigs {
                *counts.entry(s.class()).or_insert(0) += s.count;
                let digest = match s.class() {
                    SignalClass::SlowWalSync => Some(&mut wal),
                    SignalClass::SlowApply => Some(&mut apply),
                    SignalClass::SlowBackend => Some(&mut backend),
                    SignalClass::HeartbeatLate => Some(&mut heartbeat),
                    _ => None,
                };
                if let (Some(d), Some(l)) = (digest, &s.latency) {
                    d.merge(l);
                }
                if matches!(s.class(), SignalClass::SlowWalSync | SignalClass::SlowApply) {
                    let minute = s.first_at.timestamp().div_euclid(60) * 60;
                    let v = series.entry(minute).or_insert(0.0);
                    *v = v.max(max_latency(s));
                }
            }
            let count = |c| counts.get(&c).copied().unwrap_or(0);
            let mut leader_terms: Vec<u64> = sigs
                .iter()
                .filter_map(|s| match &s.kind {
                    SignalKind::LeaderElected { leader_id, term }
                        if view.names.get(leader_id.trim_start_matches('0')).is_some_and(|n| n == member) =>
                    {
                        Some(*term)
                    }
                    _ => None,
                })
                .collect();
            leader_terms.sort_unstable();
            leader_terms.dedup();
            let assessment = assess(&wal, &apply, &heartbeat, count(SignalClass::PeerUnreachable), th);
            MemberSignals {
                member: member.clone(),
                member_id: ids_by_name.get(member.as_str()).map(|s| s.to_string()),
                leader_terms,
                slow_wal_sync: stats(&wal),
                slow_apply: stats(&apply),
                slow_backend: stats(&backend),
                heartbeat_late: stats(&heartbeat),
                leader_changes_seen: count(SignalClass::LeaderElected),
                elections_started: count(SignalClass::LeaderLost),
                read_index_slow: count(SignalClass::ReadIndexSlow),
                request_timeouts: count(SignalClass::RequestTimeout),
                peer_unreachable: count(SignalClass::PeerUnreachable),
                clock_drift: count(SignalClass::ClockDrift),
                nospace_alarms: count(SignalClass::NoSpaceAlarm),
                certificate_errors: count(SignalClass::CertificateError),
                restarts_seen: count(SignalClass::MemberStarted),
                latency_series: series
                    .into_iter()
                    .filter_map(|(m, v)| Timestamp::from_timestamp(m, 0).map(|t| (t, v)))
                    .collect(),
                disk_metric: None,
                assessment,
                competing: counts
                    .iter()
                    .filter(|(c, _)| c.competes_with_disk() || c.is_etcd_failure() || **c == SignalClass::Compaction)
                    .filter(|(c, _)| !matches!(c, SignalClass::PeerUnreachable | SignalClass::Fatal))
                    .map(|(c, n)| (*c, *n))
                    .collect(),
            }
        })
        .collect()
}

fn assess(
    wal: &LatencyDigest,
    apply: &LatencyDigest,
    heartbeat: &LatencyDigest,
    peers: u64,
    th: &Thresholds,
) -> String {
    if wal.count > 0 {
        format!(
            "{} WAL syncs over 1s (max {}, {:.0}x the {} p99 guidance): the disk is too slow for etcd",
            wal.count,
            fmt_ms_plain(wal.max_ms),
            wal.max_ms / th.wal_fsync_p99_ms,
            fmt_ms_plain(th.wal_fsync_p99_ms)
        )
    } else if apply.count > 0 && apply.max_ms >= th.apply_severe_ms {
        format!(
            "applies up to {} (etcd warns at {}); no WAL sync over 1s logged, so disk and CPU both remain possible",
            fmt_ms_plain(apply.max_ms),
            fmt_ms_plain(th.apply_expected_ms)
        )
    } else if heartbeat.count > 0 {
        format!("{} late heartbeats without slow disk lines: look at CPU, pauses or the network", heartbeat.count)
    } else if peers > 0 {
        format!("{peers} peer connectivity errors")
    } else if apply.count > 0 {
        format!(
            "{} slow applies, max {}: within what busy healthy clusters show",
            apply.count,
            fmt_ms_plain(apply.max_ms)
        )
    } else {
        "no disk or consensus warnings logged".into()
    }
}
