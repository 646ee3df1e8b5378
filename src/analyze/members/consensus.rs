//! Consensus findings over a time range: raft-loop stalls the WAL disk does not explain, pre-vote loops, and the
//! lone member with late heartbeats (a CPU-starved or frozen leader).
//!
//! Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use super::cite::cite_signal;
use super::disk::{max_latency, slow_applied_counts};
use super::view::EtcdView;
use crate::evidence::{Signal, SignalClass, SignalKind, Timestamp};
use crate::model::thresholds::Thresholds;
use crate::model::{Citation, Claim};

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
