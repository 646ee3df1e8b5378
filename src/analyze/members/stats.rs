//! Per-member statistics for the report: latency digests, line counts, the per-minute latency series, the metric
//! series from Prometheus or `/metrics`, and the member's assessment in figures.
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use super::disk::max_latency;
use super::view::EtcdView;
use crate::analyze::bursts;
use crate::evidence::{LatencyDigest, MetricSeries, SignalClass, SignalKind, Subject, Timestamp};
use crate::model::thresholds::Thresholds;
use crate::model::units::Millis;
use crate::model::{DiskMetricSeries, LatencyStats, MemberAssessment, MemberSignals};

fn stats(d: &LatencyDigest) -> LatencyStats {
    LatencyStats {
        count: d.count,
        p50_ms: d.quantile(0.5),
        p99_ms: d.quantile(0.99),
        max_ms: (d.count > 0).then_some(d.max_ms),
    }
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
                assessment: MemberAssessment::MetricsOnly {
                    metric: disk.metric.clone(),
                    max: Millis(disk.max_ms),
                    guidance: Millis(if rank(&disk.metric) == 0 {
                        th.wal_fsync_p99_ms
                    } else {
                        th.backend_commit_p99_ms
                    }),
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
                    let v = series.entry(bursts::bucket_of(s.first_at)).or_insert(0.0);
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
) -> MemberAssessment {
    if wal.count > 0 {
        MemberAssessment::SlowWalSyncs {
            count: wal.count,
            max: Millis(wal.max_ms),
            logged_over: Millis(th.slow_fdatasync_ms),
            guidance: Millis(th.wal_fsync_p99_ms),
        }
    } else if apply.count > 0 && apply.max_ms >= th.apply_severe_ms {
        MemberAssessment::SevereApplies {
            max: Millis(apply.max_ms),
            expected: Millis(th.apply_expected_ms),
            wal_logged_over: Millis(th.slow_fdatasync_ms),
        }
    } else if heartbeat.count > 0 {
        MemberAssessment::LateHeartbeats { count: heartbeat.count }
    } else if peers > 0 {
        MemberAssessment::PeerErrors { count: peers }
    } else if apply.count > 0 {
        MemberAssessment::BusyApplies { count: apply.count, max: Millis(apply.max_ms) }
    } else {
        MemberAssessment::Quiet
    }
}
