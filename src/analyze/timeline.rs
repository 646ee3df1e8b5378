//! The merged timeline: every signal burst, restart and kubelet event in time order, with same-subject
//! same-kind rows folded so that an hour of logs fits on a screen. Every row cites its first (and last) record.
//!
//! Pure; no I/O.

use chrono::Duration;

use crate::analyze::bursts;
use crate::evidence::{EventRecord, LatencyDigest, NodeRecord, Signal, SignalClass, Subject};
use crate::model::thresholds::Thresholds;
use crate::model::units::Millis;
use crate::model::{ContainerHistory, RowKind, RowLatency, Severity, TimelineRow};

fn severity(class: SignalClass) -> Severity {
    use SignalClass as C;
    match class {
        C::SlowWalSync | C::SlowBackend => Severity::Disk,
        C::SlowApply
        | C::HeartbeatLate
        | C::LeaderLost
        | C::ReadIndexSlow
        | C::RequestTimeout
        | C::ApiServerSlowRequest
        | C::ApiServerEtcdError
        | C::LeaseRenewFailed
        | C::ApiRequestTimeout
        | C::PeerUnreachable
        | C::ClockDrift
        | C::Defrag
        | C::ExpensiveRequest
        | C::RaftMessageDropped
        | C::DbLocked
        | C::CpuStarved => Severity::Warning,
        C::LeaderElectionLost
        | C::ConfigError
        | C::Fatal
        | C::OutOfMemory
        | C::NoSpaceAlarm
        | C::CertificateError
        | C::ApiServerEtcdUnreachable
        | C::BackendCorrupt
        | C::MembershipError => Severity::Error,
        // Pre-votes precede every election and compactions run every few minutes: context, not trouble.
        C::LeaderElected | C::MemberStarted | C::NotEtcdDatastore | C::PreVote | C::Compaction => Severity::Info,
    }
}

/// The latency of a folded row: p99 and max over several timed lines, the one value of a single line.
fn row_latency(digest: &LatencyDigest) -> Option<RowLatency> {
    match digest.count {
        0 => None,
        1 => Some(RowLatency { p99: None, max: Millis(digest.max_ms) }),
        _ => Some(RowLatency { p99: digest.quantile(0.99).map(Millis), max: Millis(digest.max_ms) }),
    }
}

/// Node conditions worth a row: a pressure condition that is True, or Ready that is not True, with the time it
/// last changed.
fn node_rows(nodes: &[&NodeRecord]) -> Vec<TimelineRow> {
    let mut rows = Vec::new();
    for n in nodes {
        for c in &n.conditions {
            let abnormal = super::nodes::abnormal(&c.condition_type, &c.status);
            let Some(at) = c.last_transition else { continue };
            if abnormal {
                rows.push(TimelineRow {
                    from: at,
                    to: at,
                    subject: Subject::Node { name: n.name.clone() },
                    count: 1,
                    kind: RowKind::NodeCondition(super::nodes::condition_state(c)),
                    latency: None,
                    severity: Severity::Warning,
                    first: n.origin.clone(),
                    last: None,
                });
            }
        }
    }
    rows
}

/// One row per folded run of a subject's bursts of one class ([`bursts::fold`]).
fn signal_rows(signals: &[&Signal], th: &Thresholds) -> Vec<TimelineRow> {
    let mut sorted: Vec<&Signal> = signals.to_vec();
    sorted.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.first.cmp(&b.first)));
    let runs = bursts::fold(
        sorted,
        |s| (s.class(), s.subject.clone()),
        |s| (s.first_at, s.last_at),
        Duration::seconds(th.timeline_fold_secs),
    );
    runs.into_iter()
        .filter_map(|run| {
            let (head, tail) = run.items.split_first()?;
            let class = head.class();
            let mut digest = LatencyDigest::new();
            for s in &run.items {
                if let Some(d) = &s.latency {
                    digest.merge(d);
                }
            }
            let count: u64 = run.items.iter().map(|s| s.count).sum();
            let last = match tail.last() {
                Some(s) => Some(s.last.clone()),
                None => (head.count > 1).then(|| head.last.clone()),
            };
            Some(TimelineRow {
                from: run.from,
                to: run.to,
                subject: head.subject.clone(),
                count,
                kind: RowKind::Signal { class },
                latency: row_latency(&digest),
                severity: severity(class),
                first: head.first.clone(),
                last,
            })
        })
        .collect()
}

/// Builds the folded timeline from signals (already in the window), container histories, events and nodes.
pub fn build(
    signals: &[&Signal],
    containers: &[ContainerHistory],
    events: &[&EventRecord],
    nodes: &[&NodeRecord],
    th: &Thresholds,
) -> Vec<TimelineRow> {
    let mut rows = signal_rows(signals, th);
    for c in containers {
        let subject =
            Subject::Container { namespace: c.namespace.clone(), pod: c.pod.clone(), container: c.container.clone() };
        for r in &c.restarts {
            rows.push(TimelineRow {
                from: r.ended_at,
                to: r.ended_at,
                subject: subject.clone(),
                count: 1,
                kind: RowKind::Restart {
                    exit_code: r.exit_code,
                    reason: r.reason.clone(),
                    approximate: r.approximate,
                    cause: r.attribution.cause,
                    confidence: r.attribution.confidence,
                },
                latency: None,
                severity: Severity::Restart,
                first: r.origin.clone(),
                last: None,
            });
        }
    }
    for e in events {
        // Warnings (BackOff, Unhealthy, OOMKilling, ...) and kills; starts are already visible as restart rows.
        if e.event_type == "Normal" && e.reason != "Killing" {
            continue;
        }
        let subject = Subject::Container {
            namespace: e.namespace.clone(),
            pod: e.object_name.clone(),
            container: e.container().unwrap_or("-").to_string(),
        };
        rows.push(TimelineRow {
            from: e.first_at,
            to: e.last_at,
            subject,
            count: e.count as u64,
            kind: RowKind::Event { reason: e.reason.clone(), message: e.message.clone() },
            latency: None,
            severity: if e.event_type == "Warning" { Severity::Warning } else { Severity::Info },
            first: e.origin.clone(),
            last: None,
        });
    }
    rows.extend(node_rows(nodes));
    rows.sort_by(|a, b| {
        a.from
            .cmp(&b.from)
            .then(a.subject.cmp(&b.subject))
            .then(a.kind.rank().cmp(&b.kind.rank()))
            .then_with(|| (a.kind.signal_class(), &a.first).cmp(&(b.kind.signal_class(), &b.first)))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{NodeCondition, Origin, Timestamp};

    #[test]
    fn abnormal_node_conditions_become_rows() {
        let at = Timestamp::from_timestamp(1_790_000_000, 0);
        let cond = |t: &str, s: &str| NodeCondition {
            condition_type: t.into(),
            status: s.into(),
            reason: Some("KubeletHasDiskPressure".into()),
            last_transition: at,
        };
        let node = NodeRecord {
            name: "rpi".into(),
            conditions: vec![cond("Ready", "True"), cond("DiskPressure", "True"), cond("MemoryPressure", "False")],
            info: Default::default(),
            addresses: Vec::new(),
            labels: Default::default(),
            origin: Origin::new("nodes.json#items[1]", None),
        };
        let rows = node_rows(&[&node]);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].kind,
            RowKind::NodeCondition(crate::model::NodeConditionState {
                condition: "DiskPressure".into(),
                status: "True".into(),
                reason: Some("KubeletHasDiskPressure".into()),
            })
        );
    }
}
