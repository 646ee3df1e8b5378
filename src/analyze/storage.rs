//! The storage verdict: is etcd's storage too slow, per member and for the cluster, whatever the restarts were.
//!
//! Disk-specific evidence is what etcd measures of its own disk: WAL syncs over its 1 s warning (`slow fdatasync`,
//! capnslog `sync duration of`), slow backend I/O, the WAL fsync / backend commit histograms from metrics, and a
//! disk probe with etcd's fio workload. Latency from 100 ms to 1 s leaves no `slow fdatasync` line, yet it is the
//! commonest harmful case; its shape gives it away: applies slow on every member at once (each member syncs its own
//! WAL before applying) and late heartbeats of about the same size on the leader. A lone member with late heartbeats
//! while its followers are calm is CPU starvation or a pause, not the disk.
//!
//! Pure; no I/O. The result is typed data; the renderers choose the words.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use crate::analyze::members::{self, EtcdView, cite_signal, max_latency};
use crate::evidence::{
    DiskProbe, Evidence, LatencyDigest, MetricSeries, Signal, SignalClass, SignalKind, Subject, Timestamp,
};
use crate::model::thresholds::{Thresholds, windows};
use crate::model::{
    Citation, Confidence, ConsensusTrouble, DiskBasis, Link, MemberStorage, StorageAssessment, StorageSettle,
    StorageVerdict,
};

/// The latency a signal burst measured, as a digest (a single line carries its one value).
fn digest(s: &Signal) -> LatencyDigest {
    match (&s.latency, s.kind.latency_ms()) {
        (Some(d), _) if d.count > 0 => d.clone(),
        (_, Some(ms)) => LatencyDigest::single(ms),
        _ => LatencyDigest::new(),
    }
}

/// The moderate-latency shape over a range: see the module docs.
#[derive(Debug, Clone)]
pub struct ApplyShape {
    /// Members with slow applies in a minute when a quorum of members had them.
    pub members: BTreeSet<String>,
    /// The member whose late heartbeats match the applies (the leader).
    pub leader: String,
    pub apply_p50_ms: f64,
    pub heartbeat_p50_ms: f64,
    pub citations: Vec<Citation>,
}

/// Late heartbeats whose blocked time (lateness plus the expected 2x heartbeat interval) is this many times the
/// applies' median or more, either way, do not "match" them.
const SHAPE_MATCH_RATIO: f64 = 3.0;
/// Slow applies a member needs in the range to count towards the shape (one line is noise on any cluster).
const SHAPE_MIN_APPLIES: u64 = 3;
/// A member's slow applies count towards the shape when they are at least 1/this of the busiest member's.
pub const SHAPE_COMPARABLE_RATE: u64 = 4;

/// Finds the moderate-latency shape in `[from, to]`, unless metrics measured a healthy WAL fsync over the range.
pub fn apply_shape(
    view: &EtcdView,
    series: &[MetricSeries],
    from: Timestamp,
    to: Timestamp,
    th: &Thresholds,
) -> Option<ApplyShape> {
    if view.member_count < 2 {
        return None;
    }
    // Minutes in which each member logged slow applies.
    let mut minutes: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    let mut per_member: BTreeMap<&str, (LatencyDigest, Vec<&Signal>)> = BTreeMap::new();
    // Only applied entries: a follower's read-only ranges wait for the leader's read index, so a slow (CPU-starved
    // or stalled) leader makes them slow on every member whatever their disks do.
    let applied = view
        .in_range(from, to, SignalClass::SlowApply)
        .filter(|(_, s)| matches!(s.kind, SignalKind::SlowApply { read_only: false, .. }));
    for (m, s) in applied {
        let e = per_member.entry(m).or_default();
        e.0.merge(&digest(s));
        e.1.push(s);
        for minute in crate::analyze::bursts::buckets(s.first_at, s.last_at) {
            minutes.entry(minute).or_default().insert(m);
        }
    }
    let quorum = view.quorum().max(2);
    let together: BTreeSet<&str> = minutes.values().filter(|ms| ms.len() >= quorum).flatten().copied().collect();
    // Every member applies every entry through its own backend: with slow disks everywhere each one shows slow
    // applies at a comparable rate, while with one slow member the others show a few.
    let busiest = per_member.values().map(|(d, _)| d.count).max().unwrap_or(0);
    let members: BTreeSet<&str> = together
        .into_iter()
        .filter(|m| {
            per_member
                .get(m)
                .is_some_and(|(d, _)| d.count >= SHAPE_MIN_APPLIES && d.count * SHAPE_COMPARABLE_RATE >= busiest)
        })
        .collect();
    if members.len() < quorum {
        return None;
    }
    let mut all = LatencyDigest::new();
    for m in &members {
        all.merge(&per_member[m].0);
    }
    let apply_p50 = all.quantile(0.5)?;
    // Late heartbeats of matching size on one member (only a leader sends heartbeats): the member that logged most.
    let mut late: BTreeMap<&str, (LatencyDigest, Vec<&Signal>)> = BTreeMap::new();
    for (m, s) in view.in_range(from, to, SignalClass::HeartbeatLate) {
        let e = late.entry(m).or_default();
        e.0.merge(&digest(s));
        e.1.push(s);
    }
    let (leader, (hb, hb_signals)) = late.into_iter().max_by_key(|(_, (d, _))| d.count)?;
    // etcd reports how far past its expected 2x heartbeat interval the heartbeat went; the raft loop was blocked
    // for that plus the expected duration, which is what compares with an apply's time.
    let interval = hb_signals
        .iter()
        .find_map(|s| match s.kind {
            SignalKind::HeartbeatLate { heartbeat_interval_ms: Some(i), .. } => Some(i),
            _ => None,
        })
        .unwrap_or(th.heartbeat_ms);
    let hb_p50 = hb.quantile(0.5)?;
    let blocked = hb_p50 + 2.0 * interval;
    let ratio = blocked / apply_p50;
    if !(1.0 / SHAPE_MATCH_RATIO..=SHAPE_MATCH_RATIO).contains(&ratio) || hb_p50 >= th.election_ms {
        return None;
    }
    if wal_metric_healthy(view, series, from, to, th) {
        return None;
    }
    let mut citations: Vec<Citation> = members
        .iter()
        .filter_map(|m| per_member[m].1.iter().max_by_key(|s| s.count).map(|s| cite_signal(m, s)))
        .collect();
    if let Some(s) = hb_signals.iter().max_by_key(|s| s.count) {
        citations.push(cite_signal(leader, s));
    }
    Some(ApplyShape {
        members: members.into_iter().map(str::to_string).collect(),
        leader: leader.to_string(),
        apply_p50_ms: apply_p50,
        heartbeat_p50_ms: hb_p50,
        citations,
    })
}

/// Whether metrics measured every member's WAL fsync p99 within the guidance over the range (then slow applies
/// are not the disk's doing).
fn wal_metric_healthy(
    view: &EtcdView,
    series: &[MetricSeries],
    from: Timestamp,
    to: Timestamp,
    th: &Thresholds,
) -> bool {
    let mut any = false;
    for s in series.iter().filter(|s| s.metric.contains("wal_fsync")) {
        if !matches!(&s.subject, Subject::EtcdMember { name } if view.by_member.contains_key(name)) {
            continue;
        }
        for (t, v) in &s.points {
            if *t >= from && *t <= to {
                any = true;
                if *v > th.wal_fsync_p99_ms {
                    return false;
                }
            }
        }
    }
    any
}

/// The figure a probe gives for etcd's guidance: its fdatasync p99, else (fio before 3.5 prints no sync
/// percentiles) the mean write + fdatasync time from its IOPS, which bounds the p99 from below and so counts only
/// when it is over the guidance already.
fn probe_figure(p: &DiskProbe, th: &Thresholds) -> Option<f64> {
    p.fdatasync_p99_ms.or_else(|| {
        let mean = 1000.0 / p.iops.filter(|i| *i > 0.0)?;
        (mean > th.wal_fsync_p99_ms).then_some(mean)
    })
}

/// A probe belongs to a member when it ran on the member's node (`etcd-node1` runs on `node1`).
fn probe_member<'a>(probe: &DiskProbe, members: &'a BTreeSet<String>) -> Option<&'a String> {
    let host = probe.host.as_deref()?;
    members
        .iter()
        .find(|m| *m == host || m.ends_with(&format!("-{host}")) || host.ends_with(&format!("-{}", m.as_str())))
}

#[derive(Default)]
struct MemberDisk {
    wal: LatencyDigest,
    wal_first: Option<Timestamp>,
    backend: LatencyDigest,
    metric: Option<(String, f64)>,
    probe_p99: Option<f64>,
    /// Operations at or over 512 ms in pasted histograms.
    slow_metric_ops: u64,
    apply: LatencyDigest,
    heartbeat: LatencyDigest,
    best: Vec<(f64, Citation)>,
}

/// Decides the storage verdict over the window's signals (`view`), the metric series and disk probes.
pub fn assess(
    view: &EtcdView,
    evidence: &Evidence,
    window: (Option<Timestamp>, Option<Timestamp>),
    th: &Thresholds,
) -> StorageAssessment {
    let (from, to) = window;
    let inside = |t: Timestamp| from.is_none_or(|f| t >= f) && to.is_none_or(|e| t <= e);
    let mut names: BTreeSet<String> = view.by_member.keys().cloned().collect();
    for s in &evidence.metric_series {
        if let Subject::EtcdMember { name } = &s.subject
            && s.points.iter().any(|(t, _)| inside(*t))
        {
            names.insert(name.clone());
        }
    }
    let mut disks: BTreeMap<String, MemberDisk> = names.iter().map(|n| (n.clone(), MemberDisk::default())).collect();
    let mut unplaced_probes: Vec<(&DiskProbe, f64)> = Vec::new();
    for p in &evidence.disk_probes {
        let Some(figure) = probe_figure(p, th) else { continue };
        match probe_member(p, &names) {
            Some(m) => {
                let d = disks.get_mut(m).expect("probe_member returns a known member");
                d.probe_p99 = Some(d.probe_p99.map_or(figure, |v: f64| v.max(figure)));
            }
            None => unplaced_probes.push((p, figure)),
        }
    }
    // With one member in the evidence, an unnamed probe is taken to be of its disk.
    if names.len() == 1 {
        let d = disks.values_mut().next().expect("one member");
        for (_, figure) in unplaced_probes.drain(..) {
            d.probe_p99 = Some(d.probe_p99.map_or(figure, |v: f64| v.max(figure)));
        }
    }
    // Readings pasted without a time: on the member their labels name, on the only member, or as a member of
    // their own (a scrape target's address).
    for r in &evidence.disk_readings {
        let key = match &r.member {
            Some(m) if disks.contains_key(m) => m.clone(),
            None if disks.len() == 1 => disks.keys().next().expect("one member").clone(),
            Some(m) => m.clone(),
            None => "etcd".to_string(),
        };
        names.insert(key.clone());
        let d = disks.entry(key).or_default();
        let slow = r.slow_ops.unwrap_or(0);
        let prefer = |m: &str| if m.contains("wal_fsync") { 0 } else { 1 };
        let better = match &d.metric {
            None => true,
            Some((metric, v)) => {
                prefer(&r.metric) < prefer(metric) || (prefer(&r.metric) == prefer(metric) && r.value_ms > *v)
            }
        };
        if better {
            d.metric = Some((r.metric.clone(), r.value_ms));
        }
        d.slow_metric_ops += slow;
        d.best.push((r.value_ms, reading_citation(&r.origin, r)));
    }
    // What attribution sets aside, the storage verdict does too: symptoms of a member while a defragmentation holds
    // its backend and rewrites the database, and a db open that waited on the file lock.
    let excused = match (from, to) {
        (Some(f), Some(t)) => members::defrag_excuses(&members::defrags(view, f, t, th)),
        _ => Vec::new(),
    };
    let excused_here = |m: &str, s: &Signal| !members::disk_symptom_kept(view, &excused, m, s);
    let mut first_disk: Option<Timestamp> = None;
    for (m, sigs) in &view.by_member {
        let d = disks.get_mut(m).expect("every logged member has an entry");
        for s in sigs {
            match &s.kind {
                SignalKind::SlowWalSync { .. } | SignalKind::SlowBackend { .. } if excused_here(m, s) => {}
                SignalKind::SlowWalSync { .. } => {
                    d.wal.merge(&digest(s));
                    d.wal_first = Some(d.wal_first.map_or(s.first_at, |t| t.min(s.first_at)));
                    d.best.push((max_latency(s), cite_signal(m, s)));
                }
                SignalKind::SlowBackend { .. } if max_latency(s) >= th.slow_fdatasync_ms => {
                    d.backend.merge(&digest(s));
                    d.wal_first = Some(d.wal_first.map_or(s.first_at, |t| t.min(s.first_at)));
                    d.best.push((max_latency(s), cite_signal(m, s)));
                }
                SignalKind::MetricQuantile { .. } => {
                    // Metric steps over --metric-disk-ms; the series below gives every step.
                    if d.wal_first.is_none() {
                        d.wal_first = Some(s.first_at);
                    }
                    d.best.push((max_latency(s), cite_signal(m, s)));
                }
                SignalKind::SlowApply { .. } => d.apply.merge(&digest(s)),
                SignalKind::HeartbeatLate { .. } => d.heartbeat.merge(&digest(s)),
                _ => {}
            }
        }
        if let Some(t) = d.wal_first {
            first_disk = Some(first_disk.map_or(t, |f| f.min(t)));
        }
    }
    for s in &evidence.metric_series {
        let Subject::EtcdMember { name } = &s.subject else { continue };
        let Some(d) = disks.get_mut(name) else { continue };
        let max = s.points.iter().filter(|(t, _)| inside(*t)).map(|p| p.1).fold(f64::NAN, f64::max);
        if max.is_nan() {
            continue;
        }
        // WAL fsync is what the guidance is about; backend commit only where WAL fsync is absent.
        let prefer = |m: &str| if m.contains("wal_fsync") { 0 } else { 1 };
        match &d.metric {
            Some((metric, v))
                if prefer(metric) < prefer(&s.metric) || (prefer(metric) == prefer(&s.metric) && *v >= max) => {}
            _ => d.metric = Some((s.metric.clone(), max)),
        }
    }

    let leaders: BTreeSet<String> = match (from, to) {
        (Some(f), Some(t)) => view.leaders_during(f, t),
        _ => view.leader_history.iter().map(|(_, w)| w.clone()).collect(),
    };
    let known_leader = !leaders.is_empty();
    let metric_disk_ms = th.heartbeat_ms;
    let guidance =
        |metric: &str| if metric.contains("wal_fsync") { th.wal_fsync_p99_ms } else { th.backend_commit_p99_ms };

    // Per member: the level its own disk evidence reaches.
    let mut members: Vec<MemberStorage> = Vec::new();
    let mut harmful: BTreeSet<String> = BTreeSet::new();
    let mut over: BTreeSet<String> = BTreeSet::new();
    let mut healthy_seen = false;
    let mut worst: Option<(f64, String, DiskBasis)> = None;
    let bump = |ms: f64, m: &str, b: DiskBasis, w: &mut Option<(f64, String, DiskBasis)>| {
        if w.as_ref().is_none_or(|(v, _, _)| ms > *v) {
            *w = Some((ms, m.to_string(), b));
        }
    };
    for (m, d) in &disks {
        let mut basis = Vec::new();
        let mut level = StorageVerdict::Unknown;
        let mut raise = |l: StorageVerdict| level = level.max(l);
        if d.wal.count > 0 {
            basis.push(DiskBasis::LoggedWalSync);
            raise(StorageVerdict::TooSlow);
            bump(d.wal.max_ms, m, DiskBasis::LoggedWalSync, &mut worst);
        }
        if d.backend.count > 0 {
            basis.push(DiskBasis::LoggedBackend);
            raise(StorageVerdict::TooSlow);
            bump(d.backend.max_ms, m, DiskBasis::LoggedBackend, &mut worst);
        }
        if let Some((metric, v)) = &d.metric {
            let b =
                if metric.contains("wal_fsync") { DiskBasis::WalFsyncMetric } else { DiskBasis::BackendCommitMetric };
            basis.push(b);
            bump(*v, m, b, &mut worst);
            raise(if *v >= metric_disk_ms || d.slow_metric_ops > 0 {
                StorageVerdict::TooSlow
            } else if *v > guidance(metric) {
                StorageVerdict::Degraded
            } else {
                StorageVerdict::Healthy
            });
        }
        if let Some(p) = d.probe_p99 {
            basis.push(DiskBasis::Probe);
            bump(p, m, DiskBasis::Probe, &mut worst);
            raise(if p >= metric_disk_ms {
                StorageVerdict::TooSlow
            } else if p > th.wal_fsync_p99_ms {
                StorageVerdict::Degraded
            } else {
                StorageVerdict::Healthy
            });
        }
        match level {
            StorageVerdict::TooSlow => {
                harmful.insert(m.clone());
                over.insert(m.clone());
            }
            StorageVerdict::Degraded => {
                over.insert(m.clone());
            }
            StorageVerdict::Healthy => healthy_seen = true,
            StorageVerdict::Unknown => {}
        }
        members.push(MemberStorage {
            member: m.clone(),
            verdict: level,
            leader: leaders.contains(m),
            basis,
            slow_wal_syncs: d.wal.count,
            wal_sync_max_ms: (d.wal.count > 0).then_some(d.wal.max_ms),
            backend_max_ms: (d.backend.count > 0).then_some(d.backend.max_ms),
            metric_max_ms: d.metric.as_ref().map(|m| m.1),
            metric: d.metric.as_ref().map(|m| m.0.clone()),
            probe_p99_ms: d.probe_p99,
            slow_metric_ops: (d.slow_metric_ops > 0).then_some(d.slow_metric_ops),
            slow_applies: d.apply.count,
            apply_p50_ms: d.apply.quantile(0.5),
            late_heartbeats: d.heartbeat.count,
            heartbeat_p50_ms: d.heartbeat.quantile(0.5),
        });
    }
    // Probes that name no member still speak of a disk etcd uses.
    for (p, figure) in &unplaced_probes {
        bump(*figure, p.host.as_deref().unwrap_or(&p.dir), DiskBasis::Probe, &mut worst);
        if *figure > th.wal_fsync_p99_ms {
            over.insert(p.host.clone().unwrap_or_else(|| p.dir.clone()));
        } else {
            healthy_seen = true;
        }
    }

    let member_count = view.member_count.max(names.len());
    let quorum = member_count / 2 + 1;
    let leader_harmed = harmful.iter().any(|m| leaders.contains(m));
    let quorum_harmed = !harmful.is_empty() && harmful.len() >= quorum;
    let scope = leader_harmed || quorum_harmed;

    // Consensus trouble from the first disk evidence (or over the window when the disk evidence is a shape).
    let consensus_from = first_disk.map(|t| t - Duration::seconds(windows::STALL_BEFORE_SECS)).or(from);
    let consensus = consensus_trouble(view, consensus_from, to);
    let shape = match (from, to) {
        (Some(f), Some(t)) => apply_shape(view, &evidence.metric_series, f, t, th),
        _ => None,
    };
    let worst_logged = disks.values().map(|d| d.wal.max_ms.max(d.backend.max_ms)).fold(0.0, f64::max);
    // Metrics that show the raft loop blocked past the heartbeat deadline: a p99 at the etcd mixin's warning level,
    // or syncs counted at 512 ms and over.
    let metric_harm = disks
        .iter()
        .filter(|(m, _)| harmful.contains(*m))
        .any(|(_, d)| d.slow_metric_ops > 0 || d.metric.as_ref().is_some_and(|(_, v)| *v >= th.mixin_fsync_warning_ms));
    let stalls = match (from, to) {
        (Some(f), Some(t)) => crate::analyze::members::stalls(view, f, t, th),
        _ => Vec::new(),
    };
    // Node or container CPU starvation lines (kernel soft lockups, CPUThrottlingHigh) anywhere in the window.
    let cpu_lines = evidence.signals.iter().any(|s| {
        s.class() == SignalClass::CpuStarved
            && from.is_none_or(|f| s.last_at >= f)
            && to.is_none_or(|t| s.first_at <= t)
    });
    let cpu_or_pause_suspected = !stalls.is_empty() || cpu_lines;

    let mut basis: BTreeSet<DiskBasis> = members.iter().flat_map(|m| m.basis.iter().copied()).collect();
    if !unplaced_probes.is_empty() {
        basis.insert(DiskBasis::Probe);
    }
    let (mut verdict, mut confidence) = if scope && consensus.any() {
        let logged = basis.iter().any(|b| !matches!(b, DiskBasis::Probe));
        (StorageVerdict::TooSlow, if logged { Confidence::High } else { Confidence::Medium })
    } else if scope && (worst_logged >= th.election_ms || metric_harm) {
        // A WAL sync longer than the election timeout blocks the raft loop past it: the harm is implied even when
        // the excerpt shows no consensus line.
        (StorageVerdict::TooSlow, Confidence::Medium)
    } else if let Some(shape) = &shape {
        basis.insert(DiskBasis::ApplyShape);
        for m in members.iter_mut().filter(|m| shape.members.contains(&m.member)) {
            m.verdict = m.verdict.max(StorageVerdict::TooSlow);
            if !m.basis.contains(&DiskBasis::ApplyShape) {
                m.basis.push(DiskBasis::ApplyShape);
            }
            over.insert(m.member.clone());
        }
        (StorageVerdict::TooSlow, Confidence::Medium)
    } else if !over.is_empty() {
        let conf = if scope { Confidence::Medium } else { Confidence::Low };
        (StorageVerdict::Degraded, conf)
    } else if healthy_seen {
        let conf = if basis.iter().any(|b| matches!(b, DiskBasis::WalFsyncMetric | DiskBasis::Probe)) {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        (StorageVerdict::Healthy, conf)
    } else {
        (StorageVerdict::Unknown, Confidence::Low)
    };
    // A raft-loop stall without disk evidence on some member makes any WAL sync measured across it suspect.
    if verdict == StorageVerdict::TooSlow
        && cpu_or_pause_suspected
        && !shape.as_ref().is_some_and(|_| harmful.is_empty())
    {
        confidence = confidence.lower();
    }
    if verdict == StorageVerdict::TooSlow && !known_leader && member_count > 1 && !quorum_harmed {
        confidence = confidence.lower();
    }
    // The shape alone with a stalled leader is the CPU pattern, not the disk.
    if verdict == StorageVerdict::TooSlow && harmful.is_empty() && cpu_or_pause_suspected {
        verdict = StorageVerdict::Degraded;
        confidence = Confidence::Low;
    }

    let mut evidence_out: Vec<Citation> = Vec::new();
    let mut best: Vec<(f64, Citation)> = disks.values().flat_map(|d| d.best.iter().cloned()).collect();
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut seen_members = BTreeSet::new();
    for (_, c) in best {
        let who = c.claim.who().unwrap_or_default().to_string();
        if seen_members.insert(who) && evidence_out.len() < 3 {
            evidence_out.push(c);
        }
    }
    if let Some(shape) = &shape
        && verdict == StorageVerdict::TooSlow
        && evidence_out.is_empty()
    {
        evidence_out.extend(shape.citations.iter().take(4).cloned());
    }
    for p in &evidence.disk_probes {
        if evidence_out.len() >= 5 {
            break;
        }
        if p.fdatasync_p99_ms.is_none() && p.iops.is_none() {
            continue;
        }
        evidence_out.push(Citation {
            at: p.at,
            link: Link::Disk,
            claim: crate::model::Claim::DiskProbe {
                dir: p.dir.clone(),
                host: p.host.clone(),
                fdatasync_p99_ms: p.fdatasync_p99_ms,
                iops: p.iops,
            },
            origin: p.origin.clone(),
        });
    }
    if consensus.any() && verdict >= StorageVerdict::Degraded {
        for class in [SignalClass::HeartbeatLate, SignalClass::LeaderElected, SignalClass::ReadIndexSlow] {
            if let Some((m, s)) = range_signals(view, consensus_from, to, class).max_by_key(|(_, s)| s.count) {
                evidence_out.push(cite_signal(m, s));
            }
        }
    }
    let mut cited = BTreeSet::new();
    evidence_out.retain(|c| cited.insert(c.origin.clone()));
    evidence_out.truncate(6);
    evidence_out.sort_by_key(|c| c.at);

    let mut to_settle = Vec::new();
    if view.by_member.is_empty() {
        to_settle.push(StorageSettle::EtcdLogs);
    }
    if !basis.iter().any(|b| matches!(b, DiskBasis::WalFsyncMetric | DiskBasis::BackendCommitMetric)) {
        to_settle.push(StorageSettle::DiskMetrics);
    }
    if !basis.contains(&DiskBasis::Probe) && verdict != StorageVerdict::TooSlow {
        to_settle.push(StorageSettle::DiskProbe);
    }
    if !known_leader && member_count > 1 && verdict >= StorageVerdict::Degraded {
        to_settle.push(StorageSettle::LeaderHistory);
    }
    if cpu_or_pause_suspected || basis.contains(&DiskBasis::ApplyShape) {
        to_settle.push(StorageSettle::CpuEvidence);
    }
    let mut affected: Vec<String> = over.into_iter().collect();
    affected.retain(|m| names.contains(m) || evidence.disk_probes.iter().any(|p| p.host.as_deref() == Some(m)));
    StorageAssessment {
        verdict,
        confidence: (verdict != StorageVerdict::Unknown).then_some(confidence),
        basis: basis.into_iter().collect(),
        leader_affected: known_leader.then(|| affected.iter().any(|m| leaders.contains(m))),
        affected_members: affected,
        member_count,
        worst_ms: worst.as_ref().map(|w| w.0),
        worst_member: worst.as_ref().map(|w| w.1.clone()),
        worst_basis: worst.as_ref().map(|w| w.2),
        consensus,
        cpu_or_pause_suspected,
        members,
        evidence: evidence_out,
        to_settle,
    }
}

/// `etcd_disk_wal_fsync_duration_seconds p99 2-4ms (367535 syncs, 48 at 512ms or more)`.
fn reading_citation(origin: &crate::evidence::Origin, r: &crate::evidence::DiskReading) -> Citation {
    let claim = crate::model::Claim::DiskReading {
        member: r.member.clone(),
        metric: r.metric.clone(),
        quantile: r.quantile,
        value_ms: r.value_ms,
        bucket_ms: r.bucket_ms,
        total_ops: r.total_ops,
        slow_ops: r.slow_ops,
    };
    Citation { at: None, link: Link::Disk, claim, origin: origin.clone() }
}

fn range_signals<'a>(
    view: &'a EtcdView<'a>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    class: SignalClass,
) -> impl Iterator<Item = (&'a str, &'a Signal)> + 'a {
    view.by_member.iter().flat_map(move |(m, sigs)| {
        sigs.iter()
            .filter(move |s| {
                s.class() == class && from.is_none_or(|f| s.last_at >= f) && to.is_none_or(|t| s.first_at <= t)
            })
            .map(move |s| (m.as_str(), *s))
    })
}

fn consensus_trouble(view: &EtcdView, from: Option<Timestamp>, to: Option<Timestamp>) -> ConsensusTrouble {
    let count = |class| range_signals(view, from, to, class).map(|(_, s)| s.count).sum::<u64>();
    // A member's first `elected leader` line is it learning the leader at start-up, not a change.
    let mut changes: BTreeSet<(u64, String)> = BTreeSet::new();
    for (_, s) in range_signals(view, from, to, SignalClass::LeaderElected) {
        if let SignalKind::LeaderElected { term, leader_id } = &s.kind {
            changes.insert((*term, leader_id.clone()));
        }
    }
    ConsensusTrouble {
        late_heartbeats: count(SignalClass::HeartbeatLate),
        leader_changes: changes.len().saturating_sub(1) as u64,
        elections_started: count(SignalClass::LeaderLost),
        read_index_slow: count(SignalClass::ReadIndexSlow),
        request_timeouts: count(SignalClass::RequestTimeout),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::tests::{
        analyze_now, crashed, etcd_cluster, late_heartbeats, lease_lost, member, only_restart, signal, slow_wal, t,
        wal_series,
    };
    use crate::evidence::{DiskProbe, Evidence, InputFormat, InputSummary, Origin, SignalKind};
    use crate::model::{Cause, Confidence, DiskBasis, HeadlineKind, Outcome, StorageSettle, StorageVerdict};

    /// `count` slow applies of `took_ms` on `who`, one a second from `at`.
    fn slow_applies(e: &mut Evidence, who: &str, at: i64, count: u64, took_ms: f64) {
        for i in 0..count as i64 {
            e.signals.push(signal(
                member(who),
                SignalKind::SlowApply { took_ms, expected_ms: 100.0, read_only: false },
                at + i * 7,
                1,
            ));
        }
    }

    fn heartbeats_late_by(e: &mut Evidence, who: &str, at: i64, count: u64, exceeded_ms: f64) {
        for i in 0..count as i64 {
            e.signals.push(signal(
                member(who),
                SignalKind::HeartbeatLate { exceeded_ms, heartbeat_interval_ms: Some(100.0) },
                at + i * 11,
                1,
            ));
        }
    }

    fn one_member_log() -> Evidence {
        use crate::evidence::inputs::{LogContent, LogRole, LogWrapper};
        let mut e = Evidence::default();
        let format =
            InputFormat::Log { role: LogRole::Etcd, content: LogContent::Json, wrapper: Some(LogWrapper::Journald) };
        e.inputs.push(InputSummary {
            subject: Some(member("node-1")),
            ..InputSummary::without_lines("etcd.log", format, 0)
        });
        e
    }

    #[test]
    fn one_slow_fdatasync_longer_than_the_election_timeout_is_too_slow_and_the_headline() {
        let mut e = one_member_log();
        slow_wal(&mut e, "node-1", 100, 5500.0);
        let r = analyze_now(&e);
        assert_eq!(r.verdict.outcome, Outcome::NoRestarts);
        assert_eq!((r.storage.verdict, r.storage.confidence), (StorageVerdict::TooSlow, Some(Confidence::Medium)));
        assert_eq!(r.headline.kind, HeadlineKind::Storage);
        assert!(r.headline.storage_latency);
        assert_eq!(r.storage.worst_ms, Some(5500.0));
        assert_eq!(r.storage.worst_basis, Some(DiskBasis::LoggedWalSync));
        assert_eq!(r.storage.evidence.len(), 1, "{:?}", r.storage.evidence);
    }

    #[test]
    fn slow_wal_on_the_leader_followed_by_consensus_trouble_is_too_slow_with_high_confidence() {
        let mut e = etcd_cluster();
        slow_wal(&mut e, "etcd-a", 520, 1500.0);
        late_heartbeats(&mut e, "etcd-a", 522);
        let r = analyze_now(&e);
        assert_eq!((r.storage.verdict, r.storage.confidence), (StorageVerdict::TooSlow, Some(Confidence::High)));
        assert_eq!(r.storage.leader_affected, Some(true));
        assert_eq!(r.storage.affected_members, vec!["etcd-a".to_string()]);
        assert!(r.storage.consensus.late_heartbeats > 0);
    }

    #[test]
    fn a_slow_minority_follower_is_degraded_not_too_slow() {
        let mut e = etcd_cluster();
        slow_wal(&mut e, "etcd-c", 520, 1200.0);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Degraded);
        assert_eq!(r.storage.leader_affected, Some(false));
        let c = r.storage.members.iter().find(|m| m.member == "etcd-c").expect("etcd-c");
        assert_eq!(c.verdict, StorageVerdict::TooSlow, "its own disk is too slow for etcd");
        assert!(!r.headline.storage_latency);
    }

    #[test]
    fn moderate_latency_shape_is_too_slow_and_explains_a_lease_loss() {
        // 250 ms on every member's fdatasync: ~330 ms applies everywhere, the leader's heartbeats ~120 ms late.
        let mut e = etcd_cluster();
        for m in ["etcd-a", "etcd-b", "etcd-c"] {
            slow_applies(&mut e, m, 300, 30, 330.0);
        }
        heartbeats_late_by(&mut e, "etcd-a", 300, 20, 120.0);
        e.containers.push(crashed("Error", 1));
        lease_lost(&mut e, 590);
        let r = analyze_now(&e);
        assert_eq!((r.storage.verdict, r.storage.confidence), (StorageVerdict::TooSlow, Some(Confidence::Medium)));
        assert!(r.storage.basis.contains(&DiskBasis::ApplyShape));
        assert_eq!(r.storage.affected_members.len(), 3);
        assert!(r.storage.to_settle.contains(&StorageSettle::CpuEvidence));
        let a = only_restart(&r);
        assert_eq!(a.cause, Cause::StorageLatency, "{:?}", a.summary);
        assert_eq!(r.verdict.outcome, Outcome::StorageLatency);
    }

    #[test]
    fn a_lone_cpu_starved_leader_is_not_the_disk() {
        // Slow applies and late heartbeats on the leader alone; the followers are calm.
        let mut e = etcd_cluster();
        slow_applies(&mut e, "etcd-a", 300, 30, 330.0);
        heartbeats_late_by(&mut e, "etcd-a", 300, 20, 120.0);
        e.containers.push(crashed("Error", 1));
        lease_lost(&mut e, 590);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Unknown);
        assert_ne!(only_restart(&r).cause, Cause::StorageLatency);
    }

    #[test]
    fn followers_slow_only_on_reads_waiting_for_a_starved_leader_are_not_the_disk() {
        // A CPU-throttled leader: its own applies are slow, and the followers' linearizable reads wait for its read
        // index (tests/fixtures/cpu-throttled-leader shows 71 and 92 such reads on the followers).
        let mut e = etcd_cluster();
        slow_applies(&mut e, "etcd-a", 300, 30, 300.0);
        for m in ["etcd-b", "etcd-c"] {
            for i in 0..30 {
                let kind = SignalKind::SlowApply { took_ms: 300.0, expected_ms: 100.0, read_only: true };
                e.signals.push(signal(member(m), kind, 300 + i * 7, 1));
            }
        }
        heartbeats_late_by(&mut e, "etcd-a", 300, 20, 100.0);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Unknown);
        assert!(!r.storage.basis.contains(&DiskBasis::ApplyShape));
    }

    #[test]
    fn late_heartbeats_far_larger_than_the_applies_do_not_match_the_shape() {
        let mut e = etcd_cluster();
        for m in ["etcd-a", "etcd-b", "etcd-c"] {
            slow_applies(&mut e, m, 300, 30, 150.0);
        }
        heartbeats_late_by(&mut e, "etcd-a", 300, 20, 900.0);
        let r = analyze_now(&e);
        assert_ne!(r.storage.verdict, StorageVerdict::TooSlow);
    }

    #[test]
    fn healthy_wal_fsync_metrics_rule_out_the_shape() {
        let mut e = etcd_cluster();
        for m in ["etcd-a", "etcd-b", "etcd-c"] {
            slow_applies(&mut e, m, 300, 30, 330.0);
            e.metric_series.push(wal_series(m, &[2.0, 3.0, 4.0, 3.0, 2.0, 3.0, 2.0, 3.0, 2.0, 3.0, 2.0]));
        }
        heartbeats_late_by(&mut e, "etcd-a", 300, 20, 120.0);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Healthy);
        assert!(r.storage.basis.contains(&DiskBasis::WalFsyncMetric));
        assert!(!r.storage.basis.contains(&DiskBasis::ApplyShape));
    }

    #[test]
    fn wal_fsync_metrics_over_the_guidance_are_degraded() {
        let mut e = etcd_cluster();
        for m in ["etcd-a", "etcd-b", "etcd-c"] {
            e.metric_series.push(wal_series(m, &[20.0, 40.0, 30.0]));
        }
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Degraded);
        assert_eq!(r.storage.worst_ms, Some(40.0));
    }

    fn probe(host: &str, p99: f64) -> DiskProbe {
        DiskProbe {
            host: Some(host.into()),
            dir: "/var/lib/etcd".into(),
            at: Some(t(100)),
            fdatasync_p50_ms: Some(p99 / 2.0),
            fdatasync_p99_ms: Some(p99),
            fdatasync_max_ms: Some(p99 * 2.0),
            iops: Some(1000.0 / p99),
            origin: Origin::new("probe.json", None),
        }
    }

    #[test]
    fn a_disk_probe_is_weighed_as_storage_evidence() {
        let mut e = one_member_log();
        slow_applies(&mut e, "node-1", 10, 1, 120.0);
        e.disk_probes.push(probe("node-1", 150.0));
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Degraded, "a probe alone shows no consensus harm");
        assert_eq!(r.storage.members[0].probe_p99_ms, Some(150.0));
        assert!(r.storage.basis.contains(&DiskBasis::Probe));

        let mut e = one_member_log();
        slow_applies(&mut e, "node-1", 10, 1, 120.0);
        e.disk_probes.push(probe("node-1", 0.4));
        assert_eq!(analyze_now(&e).storage.verdict, StorageVerdict::Healthy);
    }

    #[test]
    fn oom_restarts_on_a_slow_disk_keep_both_answers() {
        let mut e = etcd_cluster();
        e.containers.push(crashed("OOMKilled", 137));
        slow_wal(&mut e, "etcd-a", 520, 2500.0);
        late_heartbeats(&mut e, "etcd-a", 522);
        let r = analyze_now(&e);
        assert_eq!(only_restart(&r).cause, Cause::OutOfMemory);
        assert_eq!(r.storage.verdict, StorageVerdict::TooSlow);
        assert_eq!(r.headline.kind, HeadlineKind::Restarts);
        assert!(!r.headline.storage_latency);
    }

    #[test]
    fn slow_syncs_while_a_defragmentation_runs_are_its_doing() {
        let mut e = one_member_log();
        // A 20 s defragmentation ending at t(130); a 3 s WAL sync logged inside it.
        e.signals.push(signal(
            member("node-1"),
            SignalKind::Defrag { took_ms: Some(20_000.0), db_size_bytes: None, in_use_bytes: None },
            130,
            1,
        ));
        slow_wal(&mut e, "node-1", 120, 3000.0);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::Unknown, "{:?}", r.storage);
        // The same sync outside the defragmentation is the disk's.
        let mut e = one_member_log();
        e.signals.push(signal(
            member("node-1"),
            SignalKind::Defrag { took_ms: Some(20_000.0), db_size_bytes: None, in_use_bytes: None },
            130,
            1,
        ));
        slow_wal(&mut e, "node-1", 400, 3000.0);
        assert_eq!(analyze_now(&e).storage.verdict, StorageVerdict::TooSlow);
    }

    #[test]
    fn the_heartbeats_compared_are_those_of_the_member_that_logged_most() {
        // Two bursts of very late heartbeats on etcd-a, then a leader change and twenty matching ones on etcd-b.
        let mut e = etcd_cluster();
        for m in ["etcd-a", "etcd-b", "etcd-c"] {
            slow_applies(&mut e, m, 300, 30, 330.0);
        }
        heartbeats_late_by(&mut e, "etcd-a", 290, 2, 900.0);
        heartbeats_late_by(&mut e, "etcd-b", 320, 20, 120.0);
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::TooSlow, "{:?}", r.storage);
        assert!(r.storage.basis.contains(&DiskBasis::ApplyShape));
    }

    #[test]
    fn a_db_open_that_waited_on_the_file_lock_is_not_the_disk() {
        // As attribution does (analyze::members::disk_symptom_kept): the `took` of the open is the lock wait.
        let mut e = one_member_log();
        e.signals.push(signal(member("node-1"), SignalKind::DbLocked { took_ms: Some(10_000.0) }, 100, 1));
        let open = SignalKind::SlowBackend { operation: "open backend db".into(), took_ms: 10_500.0 };
        e.signals.push(signal(member("node-1"), open.clone(), 105, 1));
        assert_eq!(analyze_now(&e).storage.verdict, StorageVerdict::Unknown);
        // Without the lock line, a 10.5 s db open is the disk's.
        let mut e = one_member_log();
        e.signals.push(signal(member("node-1"), open, 105, 1));
        assert_eq!(analyze_now(&e).storage.verdict, StorageVerdict::TooSlow);
    }

    #[test]
    fn cpu_starvation_lines_lower_a_storage_verdict_and_ask_for_cpu_evidence() {
        let mut e = etcd_cluster();
        slow_wal(&mut e, "etcd-a", 520, 1500.0);
        late_heartbeats(&mut e, "etcd-a", 522);
        let high = analyze_now(&e).storage.confidence;
        e.signals.push(signal(
            crate::evidence::Subject::Node { name: "nuc".into() },
            SignalKind::CpuStarved { detail: "watchdog: BUG: soft lockup - CPU#1 stuck for 23s!".into() },
            510,
            1,
        ));
        let r = analyze_now(&e);
        assert_eq!(r.storage.verdict, StorageVerdict::TooSlow);
        assert!(r.storage.cpu_or_pause_suspected);
        assert!(r.storage.confidence < high, "{:?} vs {high:?}", r.storage.confidence);
        assert!(r.storage.to_settle.contains(&StorageSettle::CpuEvidence));
    }

    #[test]
    fn no_disk_evidence_is_unknown_and_says_what_would_settle_it() {
        let r = analyze_now(&etcd_cluster());
        assert_eq!((r.storage.verdict, r.storage.confidence), (StorageVerdict::Unknown, None));
        assert!(r.storage.to_settle.contains(&StorageSettle::DiskMetrics));
        assert!(r.storage.to_settle.contains(&StorageSettle::DiskProbe));
    }
}
