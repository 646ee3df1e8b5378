//! The overall verdict: which cause explains the restarts, how sure we are, why the alternatives fit less well,
//! and what evidence would settle an open question.
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use crate::evidence::{EvidenceKind, Gap, SignalClass};
use crate::model::thresholds::Thresholds;
use crate::model::{
    Alternative, Cause, CauseTally, Citation, Confidence, ContainerHistory, EtcdHealth, Link, MemberSignals, Outcome,
    RestartRecord, Verdict, VerdictHeadline, VerdictReason, VerdictSettle, WhyNot,
};

/// The cause most of these restarts were put down to, with its typical confidence.
pub fn dominant(restarts: &[RestartRecord]) -> (Option<Cause>, Option<Confidence>) {
    let refs: Vec<&RestartRecord> = restarts.iter().collect();
    match decide_cause(&refs) {
        Decision::Cause { cause, confidence } => (Some(cause), Some(confidence)),
        Decision::Mixed | Decision::NothingExplained => (None, None),
    }
}

/// The cause that explains the restarts, if one does.
enum Decision {
    Cause {
        cause: Cause,
        confidence: Confidence,
    },
    /// Explained restarts disagree.
    Mixed,
    /// No restart could be explained.
    NothingExplained,
}

/// A cause wins when it explains at least half of the restarts that have an explanation. Restarts with no
/// explanation do not vote against it (an OOM kill leaves no log line, and only the last termination reason
/// survives in pod status), but they lower confidence when they outnumber the explained ones; so does a quarter
/// or more of the explained restarts pointing elsewhere.
fn decide_cause(restarts: &[&RestartRecord]) -> Decision {
    let explained: Vec<&RestartRecord> =
        restarts.iter().copied().filter(|r| r.attribution.cause != Cause::Unexplained).collect();
    let tallies = tally(&explained);
    let Some(&(cause, n, mut confidence)) = tallies.first() else { return Decision::NothingExplained };
    if n * 2 < explained.len() {
        return Decision::Mixed;
    }
    if (explained.len() - n) * 4 >= explained.len() {
        confidence = confidence.lower();
    }
    if restarts.len() - explained.len() > explained.len() {
        confidence = confidence.lower();
    }
    Decision::Cause { cause, confidence }
}

/// (cause, restarts, median confidence), most frequent first (ties: higher confidence, then cause order).
fn tally(restarts: &[&RestartRecord]) -> Vec<(Cause, usize, Confidence)> {
    let mut by: BTreeMap<Cause, Vec<Confidence>> = BTreeMap::new();
    for r in restarts {
        by.entry(r.attribution.cause).or_default().push(r.attribution.confidence);
    }
    let mut v: Vec<(Cause, usize, Confidence)> = by
        .into_iter()
        .map(|(c, mut confs)| {
            confs.sort();
            let median = confs[confs.len() / 2];
            (c, confs.len(), median)
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    v
}

/// Causes to give advice for: the verdict's cause first, then others that explain some restarts.
pub fn causes_for_advice(verdict: &Verdict, containers: &[ContainerHistory]) -> Vec<Cause> {
    let mut out: Vec<Cause> = verdict.cause.into_iter().collect();
    for c in containers {
        for r in &c.restarts {
            if !out.contains(&r.attribution.cause) && r.attribution.cause != Cause::Unexplained {
                out.push(r.attribution.cause);
            }
        }
    }
    out
}

/// Decides the verdict from the attributed restarts.
pub fn decide(
    containers: &[ContainerHistory],
    members: &[MemberSignals],
    gaps: &[Gap],
    have_etcd_logs: bool,
    th: &Thresholds,
) -> Verdict {
    let restarts: Vec<&RestartRecord> = containers.iter().flat_map(|c| c.restarts.iter()).collect();
    let total_count: u32 = containers.iter().map(|c| c.restart_count.unwrap_or(c.restarts.len() as u32)).sum();
    let etcd_health = VerdictReason::EtcdHealth { etcd: etcd_health(members, th) };

    if containers.is_empty() {
        return Verdict {
            outcome: Outcome::NoRestarts,
            cause: None,
            confidence: None,
            headline: VerdictHeadline::NoRestarts,
            reasoning: vec![VerdictReason::NoRestartSeen, etcd_health],
            evidence: Vec::new(),
            alternatives: Vec::new(),
            to_settle: if have_etcd_logs { Vec::new() } else { vec![VerdictSettle::EtcdLogs] },
        };
    }
    if restarts.is_empty() {
        return Verdict {
            outcome: Outcome::Inconclusive,
            cause: None,
            confidence: None,
            headline: VerdictHeadline::NonePlaced { containers: containers.len() },
            reasoning: vec![VerdictReason::RestartsUnplaced { restarts: total_count }, etcd_health],
            evidence: Vec::new(),
            alternatives: Vec::new(),
            to_settle: vec![VerdictSettle::PodStatus, VerdictSettle::PreviousLogs, VerdictSettle::Events],
        };
    }

    let tallies = tally(&restarts);
    let n = restarts.len();
    let decision = decide_cause(&restarts);
    let (majority, top, mut conf) = match decision {
        Decision::Cause { cause, confidence } => (true, cause, confidence),
        Decision::Mixed | Decision::NothingExplained => (false, tallies[0].0, tallies[0].2),
    };
    let material_gaps: Vec<&Gap> = gaps.iter().filter(|g| g.effect.lowers_confidence()).collect();
    if majority && top == Cause::StorageLatency && !material_gaps.is_empty() && conf == Confidence::High {
        conf = Confidence::Medium;
    }
    let evidence = collect_evidence(&restarts, top, 12);
    let intro = VerdictReason::Tally {
        containers: containers.len(),
        restarts: total_count.max(n as u32),
        placed: n,
        by_cause: tallies
            .iter()
            .map(|&(cause, restarts, confidence)| CauseTally { cause, restarts, confidence })
            .collect(),
    };
    let alternatives = alternatives(top, &tallies, members, n, th);
    let unexplained = tallies.iter().find(|(c, _, _)| *c == Cause::Unexplained).map_or(0, |t| t.1);
    let to_settle = settle(top, conf, gaps, have_etcd_logs, majority);

    if !majority {
        return Verdict {
            outcome: Outcome::Inconclusive,
            cause: None,
            confidence: None,
            headline: if matches!(decision, Decision::NothingExplained) {
                VerdictHeadline::NothingExplained
            } else {
                VerdictHeadline::Mixed
            },
            reasoning: vec![intro, etcd_health],
            evidence,
            alternatives,
            to_settle,
        };
    }
    let outcome = if top == Cause::StorageLatency { Outcome::StorageLatency } else { Outcome::OtherCause };
    let mut reasoning = vec![intro, etcd_health];
    if matches!(top, Cause::StorageLatency | Cause::EtcdStall | Cause::Defragmentation | Cause::ExpensiveRequests) {
        reasoning.push(VerdictReason::Chain { cause: top });
    }
    if unexplained > 0 {
        reasoning.push(VerdictReason::UnexplainedNotCounted { restarts: unexplained });
    }
    if !material_gaps.is_empty() {
        reasoning.push(VerdictReason::GapsLowerConfidence {
            missing: material_gaps.iter().map(|g| g.reason.clone()).collect(),
        });
    }
    Verdict {
        outcome,
        cause: Some(top),
        confidence: Some(conf),
        headline: VerdictHeadline::Cause { cause: top, confidence: conf },
        reasoning,
        evidence,
        alternatives,
        to_settle,
    }
}

/// The verdict's evidence: for each link of the chain, the records behind the most confident attributions to
/// `cause` and, among those, the ones cited most often across the restarts (a burst that precedes many restarts
/// is the strongest), within a quota per link, in time order.
fn collect_evidence(restarts: &[&RestartRecord], cause: Cause, limit: usize) -> Vec<Citation> {
    let mut seen: Vec<(Citation, usize, Confidence)> = Vec::new();
    for r in restarts.iter().filter(|r| r.attribution.cause == cause) {
        let confidence = r.attribution.confidence;
        for c in &r.attribution.evidence {
            match seen.iter_mut().find(|(s, _, _)| s.origin == c.origin) {
                Some((_, n, best)) => {
                    *n += 1;
                    *best = (*best).max(confidence);
                }
                None => seen.push((c.clone(), 1, confidence)),
            }
        }
    }
    const QUOTA: [(Link, usize); 6] = [
        (Link::Disk, 3),
        (Link::Consensus, 2),
        (Link::ApiServer, 2),
        (Link::Container, 3),
        (Link::Kubelet, 3),
        (Link::Competing, 2),
    ];
    let mut out: Vec<Citation> = Vec::new();
    for (link, quota) in QUOTA {
        let mut candidates: Vec<&(Citation, usize, Confidence)> =
            seen.iter().filter(|(c, _, _)| c.link == link).collect();
        candidates.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.at.cmp(&b.0.at)));
        out.extend(candidates.into_iter().take(quota).map(|(c, _, _)| c.clone()));
    }
    out.truncate(limit.max(1));
    out.sort_by_key(|c| c.at);
    out
}

fn etcd_health(members: &[MemberSignals], th: &Thresholds) -> EtcdHealth {
    if members.is_empty() {
        return EtcdHealth::NoLogs;
    }
    let wal: Vec<&MemberSignals> = members.iter().filter(|m| m.slow_wal_sync.count > 0).collect();
    EtcdHealth::Logged {
        members: members.len(),
        wal_members: wal.len(),
        wal_max_ms: wal.iter().filter_map(|m| m.slow_wal_sync.max_ms).fold(0.0, f64::max),
        wal_guidance_ms: th.wal_fsync_p99_ms,
        apply_max_ms: members.iter().filter_map(|m| m.slow_apply.max_ms).fold(0.0, f64::max),
        late_heartbeats: members.iter().map(|m| m.heartbeat_late.count).sum(),
        leader_changes: members.iter().map(|m| m.leader_changes_seen).max().unwrap_or(0),
    }
}

fn alternatives(
    top: Cause,
    tallies: &[(Cause, usize, Confidence)],
    members: &[MemberSignals],
    n: usize,
    th: &Thresholds,
) -> Vec<Alternative> {
    let considered = [
        Cause::StorageLatency,
        Cause::EtcdStall,
        Cause::NetworkPartition,
        Cause::OutOfMemory,
        Cause::ConfigError,
        Cause::ProbeFailure,
        Cause::NoSpaceAlarm,
        Cause::ClockSkew,
        Cause::CertificateError,
        Cause::Defragmentation,
        Cause::ExpensiveRequests,
        Cause::EtcdFailure,
    ];
    let sum = |f: fn(&MemberSignals) -> u64| members.iter().map(f).sum::<u64>();
    let count = |c: SignalClass| members.iter().filter_map(|m| m.competing.get(&c)).sum::<u64>();
    // The causes of issue 8 §2 are listed only when their lines were logged or they explain some restarts: every
    // report names the classic alternatives, these only when they are in play.
    let in_play = |c: Cause| match c {
        Cause::Defragmentation => count(SignalClass::Defrag) > 0,
        Cause::ExpensiveRequests => count(SignalClass::ExpensiveRequest) > 0,
        Cause::EtcdFailure => {
            count(SignalClass::BackendCorrupt) + count(SignalClass::MembershipError) + count(SignalClass::DbLocked) > 0
        }
        _ => true,
    };
    considered
        .iter()
        .filter(|c| **c != top)
        .filter(|c| in_play(**c) || tallies.iter().any(|(t, _, _)| t == *c))
        .filter_map(|&cause| {
            let fits = tallies.iter().find(|(c, _, _)| *c == cause).map(|(_, k, _)| *k).unwrap_or(0);
            let why_not = if fits > 0 {
                WhyNot::ExplainsFew { restarts: fits, placed: n }
            } else {
                match cause {
                    Cause::StorageLatency => {
                        let wal = sum(|m| m.slow_wal_sync.count);
                        let max_apply = members.iter().filter_map(|m| m.slow_apply.max_ms).fold(0.0, f64::max);
                        if wal > 0 {
                            WhyNot::WalSyncsWithoutChain { syncs: wal }
                        } else if max_apply >= th.apply_severe_ms {
                            WhyNot::AppliesWithoutWalSync { apply_max_ms: max_apply }
                        } else {
                            WhyNot::NoDiskEvidence
                        }
                    }
                    Cause::EtcdStall => WhyNot::NoStall,
                    Cause::NetworkPartition => match sum(|m| m.peer_unreachable) {
                        0 => WhyNot::NoPeerErrors,
                        k => WhyNot::PeerErrorsExplained { errors: k },
                    },
                    Cause::OutOfMemory => WhyNot::NoOomKill,
                    Cause::ConfigError => WhyNot::NoConfigError,
                    Cause::ProbeFailure => WhyNot::NoProbeKills,
                    Cause::NoSpaceAlarm => WhyNot::NoNospaceAlarm,
                    Cause::ClockSkew => WhyNot::NoClockDrift,
                    Cause::CertificateError => WhyNot::NoCertificateErrors,
                    Cause::Defragmentation => match count(SignalClass::Defrag) {
                        0 => WhyNot::NoDefrag { blocking_ms: th.defrag_blocking_ms },
                        k => WhyNot::DefragsApart { defrags: k },
                    },
                    Cause::ExpensiveRequests => match count(SignalClass::ExpensiveRequest) {
                        0 => WhyNot::NoExpensiveRequests,
                        k => WhyNot::ExpensiveTooFew { requests: k },
                    },
                    Cause::EtcdFailure => WhyNot::NoEtcdFailure,
                    Cause::EtcdUnavailable | Cause::Unexplained => return None,
                }
            };
            Some(Alternative { cause, why_not })
        })
        .collect()
}

fn settle(top: Cause, conf: Confidence, gaps: &[Gap], have_etcd_logs: bool, majority: bool) -> Vec<VerdictSettle> {
    let mut out = Vec::new();
    if !have_etcd_logs {
        out.push(VerdictSettle::EtcdLogs);
    }
    // Gaps in the evidence the chain rests on: etcd's own logs and metrics, the containers' logs, pod status.
    for g in gaps.iter().filter(|g| {
        matches!(
            g.missing,
            EvidenceKind::EtcdLogs
                | EvidenceKind::EtcdMetrics
                | EvidenceKind::ContainerLogs
                | EvidenceKind::PreviousLogs
                | EvidenceKind::PodStatus
        )
    }) {
        out.push(VerdictSettle::Gap { reason: g.reason.clone() });
    }
    if !majority || conf < Confidence::High {
        if matches!(top, Cause::StorageLatency | Cause::EtcdStall | Cause::Unexplained) {
            out.push(VerdictSettle::DiskMetrics);
            out.push(VerdictSettle::DiskProbe);
        }
        if top == Cause::EtcdStall {
            out.push(VerdictSettle::MemberCpu);
        }
        if matches!(top, Cause::StorageLatency | Cause::EtcdStall | Cause::Unexplained) {
            out.push(VerdictSettle::EtcdThrottling);
        }
        if top == Cause::Defragmentation {
            out.push(VerdictSettle::DefragSchedule);
        }
        if top == Cause::ExpensiveRequests {
            out.push(VerdictSettle::AuditLog);
        }
    }
    out.dedup();
    out
}

/// Which answer leads: the restart attribution when restarts are in the evidence, else the storage verdict.
pub fn headline(verdict: &Verdict, storage: &crate::model::StorageAssessment) -> crate::model::Headline {
    use crate::model::{Headline, HeadlineKind, StorageVerdict};
    if verdict.outcome == Outcome::NoRestarts {
        Headline { kind: HeadlineKind::Storage, storage_latency: storage.verdict == StorageVerdict::TooSlow }
    } else {
        Headline { kind: HeadlineKind::Restarts, storage_latency: verdict.outcome == Outcome::StorageLatency }
    }
}
