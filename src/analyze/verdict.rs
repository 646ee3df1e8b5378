//! The overall verdict: which cause explains the restarts, how sure we are, why the alternatives fit less well,
//! and what evidence would settle an open question.
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use crate::analyze::members::fmt_ms_plain;
use crate::evidence::{Gap, SignalClass};
use crate::model::thresholds::Thresholds;
use crate::model::{
    Alternative, Cause, Citation, Confidence, ContainerHistory, Link, MemberSignals, Outcome, RestartRecord, Verdict,
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
    let etcd_health = etcd_health_sentence(members, th);

    if containers.is_empty() {
        return Verdict {
            outcome: Outcome::NoRestarts,
            cause: None,
            confidence: None,
            headline: "No container restarts or crash loops in the evidence".into(),
            reasoning: format!("No pod status, events or container logs in the window show a restart. {etcd_health}"),
            evidence: Vec::new(),
            alternatives: Vec::new(),
            to_settle: if have_etcd_logs {
                Vec::new()
            } else {
                vec!["etcd member logs for the incident window".into()]
            },
        };
    }
    if restarts.is_empty() {
        return Verdict {
            outcome: Outcome::Inconclusive,
            cause: None,
            confidence: None,
            headline: format!("{} container(s) restarted, but no restart could be placed in time", containers.len()),
            reasoning: format!(
                "Pod status reports {total_count} restarts, but there is no lastState.finishedAt, previous log or BackOff event inside the window to place them, so they cannot be correlated with etcd. {etcd_health}"
            ),
            evidence: Vec::new(),
            alternatives: Vec::new(),
            to_settle: vec![
                "pod status with lastState (kubectl get pods -o json) taken during the incident".into(),
                "previous logs of the restarting containers (kubectl logs --previous --timestamps)".into(),
                "events for the pods (kubectl get events -o json)".into(),
            ],
        };
    }

    let tallies = tally(&restarts);
    let n = restarts.len();
    let decision = decide_cause(&restarts);
    let (majority, top, mut conf) = match decision {
        Decision::Cause { cause, confidence } => (true, cause, confidence),
        Decision::Mixed | Decision::NothingExplained => (false, tallies[0].0, tallies[0].2),
    };
    let material_gaps: Vec<&Gap> = gaps.iter().filter(|g| g.impact.contains("confidence")).collect();
    if majority && top == Cause::StorageLatency && !material_gaps.is_empty() && conf == Confidence::High {
        conf = Confidence::Medium;
    }
    let evidence = collect_evidence(&restarts, top, 12);
    let breakdown = tallies
        .iter()
        .map(|(c, k, cf)| format!("{k} {} ({} confidence)", c.describe(), cf.word()))
        .collect::<Vec<_>>()
        .join("; ");
    let intro = format!(
        "{} container(s) restarted {} time(s) in total; {n} restart(s) could be placed in time and attributed: {breakdown}.",
        containers.len(),
        total_count.max(n as u32)
    );
    let alternatives = alternatives(top, &tallies, members, n, th);
    let unexplained = tallies.iter().find(|(c, _, _)| *c == Cause::Unexplained).map_or(0, |t| t.1);
    let to_settle = settle(top, conf, gaps, have_etcd_logs, majority);

    if !majority {
        return Verdict {
            outcome: Outcome::Inconclusive,
            cause: None,
            confidence: None,
            headline: if matches!(decision, Decision::NothingExplained) {
                "Inconclusive: the evidence explains none of the restarts".into()
            } else {
                "Inconclusive: no single cause explains most restarts".into()
            },
            reasoning: format!("{intro} {etcd_health}"),
            evidence,
            alternatives,
            to_settle,
        };
    }
    let (outcome, headline) = if top == Cause::StorageLatency {
        (
            Outcome::StorageLatency,
            format!("CrashLoopBackOff is caused by etcd storage latency ({} confidence)", conf.word()),
        )
    } else {
        (Outcome::OtherCause, format!("Not storage: the restarts fit {} ({} confidence)", top.describe(), conf.word()))
    };
    let chain = match top {
        Cause::StorageLatency => "The chain is visible: slow WAL/backend I/O on etcd blocks the raft loop, heartbeats go out late and leaders change, requests time out, and the controllers cannot renew their leader-election leases, exit, and are backed off by the kubelet.".to_string(),
        Cause::EtcdStall => "etcd's heartbeat warnings say 'likely from slow disk', but no slow WAL fdatasync accompanies the stalls on the same member: the process was frozen or starved of CPU.".to_string(),
        Cause::Defragmentation => "A defragmentation blocks a member's reads and writes for its whole duration; the slow operations fall inside it.".to_string(),
        Cause::ExpensiveRequests => "Requests returning huge ranges keep etcd busy and the other requests queue behind them; no slow WAL fdatasync points at the disk.".to_string(),
        _ => String::new(),
    };
    let unexplained_note = if unexplained > 0 {
        format!(" {unexplained} restart(s) show no cause of their own and are not counted against it.")
    } else {
        String::new()
    };
    let gap_note = if material_gaps.is_empty() {
        String::new()
    } else {
        format!(
            " Missing evidence lowers confidence: {}.",
            material_gaps.iter().map(|g| g.what.as_str()).collect::<Vec<_>>().join("; ")
        )
    };
    Verdict {
        outcome,
        cause: Some(top),
        confidence: Some(conf),
        headline,
        reasoning: format!("{intro} {etcd_health} {chain}{unexplained_note}{gap_note}")
            .replace("  ", " ")
            .trim()
            .to_string(),
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

fn etcd_health_sentence(members: &[MemberSignals], th: &Thresholds) -> String {
    if members.is_empty() {
        return "No etcd member logs were available.".into();
    }
    let wal: Vec<&MemberSignals> = members.iter().filter(|m| m.slow_wal_sync.count > 0).collect();
    let max_wal = wal.iter().filter_map(|m| m.slow_wal_sync.max_ms).fold(0.0, f64::max);
    let max_apply = members.iter().filter_map(|m| m.slow_apply.max_ms).fold(0.0, f64::max);
    let changes: u64 = members.iter().map(|m| m.leader_changes_seen).max().unwrap_or(0);
    let hb: u64 = members.iter().map(|m| m.heartbeat_late.count).sum();
    let mut s = if !wal.is_empty() {
        format!(
            "etcd logged slow WAL fdatasync on {} of {} members (max {}, {:.0}x the {} p99 guidance)",
            wal.len(),
            members.len(),
            fmt_ms_plain(max_wal),
            max_wal / th.wal_fsync_p99_ms,
            fmt_ms_plain(th.wal_fsync_p99_ms)
        )
    } else {
        format!("etcd logged no WAL fdatasync over 1s on its {} member(s)", members.len())
    };
    if max_apply > 0.0 {
        s.push_str(&format!(", applies up to {}", fmt_ms_plain(max_apply)));
    }
    if hb > 0 {
        s.push_str(&format!(", {hb} late heartbeats"));
    }
    if changes > 0 {
        s.push_str(&format!(", and up to {changes} leader changes seen by a member"));
    }
    s.push('.');
    s
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
        .map(|&cause| {
            let fits = tallies.iter().find(|(c, _, _)| *c == cause).map(|(_, k, _)| *k).unwrap_or(0);
            let why_not = if fits > 0 {
                format!("explains {fits} of {n} placed restarts, not most of them")
            } else {
                match cause {
                    Cause::StorageLatency => {
                        let wal = sum(|m| m.slow_wal_sync.count);
                        let max_apply = members.iter().filter_map(|m| m.slow_apply.max_ms).fold(0.0, f64::max);
                        if wal > 0 {
                            format!("{wal} slow WAL syncs were logged, but not on the leader or a quorum before the restarts, or with no visible chain to them")
                        } else if max_apply >= th.apply_severe_ms {
                            format!("applies reached {} but no WAL fdatasync over 1s was logged; on their own they do not single out the disk", fmt_ms_plain(max_apply))
                        } else {
                            "no slow WAL fdatasync and no severe apply latency in etcd's logs".into()
                        }
                    }
                    Cause::EtcdStall => "no late heartbeat over 1s without a slow fdatasync on the same member".into(),
                    Cause::NetworkPartition => match sum(|m| m.peer_unreachable) {
                        0 => "no peer connectivity errors in etcd's logs".into(),
                        k => format!(
                            "{k} peer connectivity errors were logged, but they coincide with disk latency or a stalled member (a frozen member is unreachable to its peers), which fits the restarts better"
                        ),
                    },
                    Cause::OutOfMemory => "no restart ended OOMKilled and no OOM events or log lines".into(),
                    Cause::ConfigError => "no configuration errors at start-up in the containers' logs".into(),
                    Cause::ProbeFailure => "no liveness-probe kills without storage trouble".into(),
                    Cause::NoSpaceAlarm => "no NOSPACE alarm or 'database space exceeded'".into(),
                    Cause::ClockSkew => "no clock drift warnings between members".into(),
                    Cause::CertificateError => "no TLS certificate errors".into(),
                    Cause::Defragmentation => match count(SignalClass::Defrag) {
                        0 => format!("no defragmentation over {} in etcd's logs", fmt_ms_plain(th.defrag_blocking_ms)),
                        k => format!("{k} defragmentation(s) logged, but not over the restarts' slow operations"),
                    },
                    Cause::ExpensiveRequests => match count(SignalClass::ExpensiveRequest) {
                        0 => "no request with a huge response in etcd's logs".into(),
                        k => format!("{k} request(s) with huge responses logged, too few or too fast to explain the restarts, or beside slow WAL syncs"),
                    },
                    Cause::EtcdFailure => "no etcd panic, corrupt db or membership error".into(),
                    _ => String::new(),
                }
            };
            Alternative { cause, why_not }
        })
        .collect()
}

fn settle(top: Cause, conf: Confidence, gaps: &[Gap], have_etcd_logs: bool, majority: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !have_etcd_logs {
        out.push("etcd logs from every member for the incident window".into());
    }
    for g in
        gaps.iter().filter(|g| g.what.contains("etcd") || g.what.starts_with("previous logs") || g.what == "pod status")
    {
        out.push(format!("{} ({})", g.what, g.why));
    }
    if !majority || conf < Confidence::High {
        match top {
            Cause::StorageLatency | Cause::EtcdStall | Cause::Unexplained => {
                out.push("etcd disk metrics for the window: etcd_disk_wal_fsync_duration_seconds and etcd_disk_backend_commit_duration_seconds histograms (p99 over 10ms / 25ms confirms the disk)".into());
                out.push("the etcd fio test on the etcd data disk (p99 fdatasync under 10ms is healthy)".into());
            }
            _ => {}
        }
        if top == Cause::EtcdStall {
            out.push("CPU throttling and steal time of the etcd member's node and container for the window".into());
        }
        if matches!(top, Cause::StorageLatency | Cause::EtcdStall | Cause::Unexplained) {
            out.push("container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total of the etcd containers for the window (throttling makes applies and heartbeats late without a slow disk)".into());
        }
        if top == Cause::Defragmentation {
            out.push("etcd_disk_backend_defrag_duration_seconds and the defrag schedule: did a defrag run on several members at once?".into());
        }
        if top == Cause::ExpensiveRequests {
            out.push("the API server's audit log for the window, to name the clients listing whole resources".into());
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
