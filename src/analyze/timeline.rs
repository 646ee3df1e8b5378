//! The merged timeline: every signal burst, restart and kubelet event in time order, with same-subject
//! same-kind rows folded so that an hour of logs fits on a screen. Every row cites its first (and last) record.
//!
//! Pure; no I/O.

use crate::analyze::members::fmt_ms_plain;
use crate::evidence::{EventRecord, LatencyDigest, NodeRecord, Signal, SignalClass, Subject};
use crate::model::thresholds::Thresholds;
use crate::model::{ContainerHistory, Severity, TimelineRow};

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

struct Open {
    row: TimelineRow,
    class: SignalClass,
    digest: LatencyDigest,
}

fn summarize(class: SignalClass, count: u64, digest: &LatencyDigest) -> String {
    let mut s = if count > 1 { format!("{count}x {}", class.describe()) } else { class.describe().to_string() };
    if digest.count > 1 {
        if let (Some(p99), Some(max)) = (digest.quantile(0.99), Some(digest.max_ms)) {
            s.push_str(&format!(", p99 {}, max {}", fmt_ms_plain(p99), fmt_ms_plain(max)));
        }
    } else if digest.count == 1 {
        s.push_str(&format!(", {}", fmt_ms_plain(digest.max_ms)));
    }
    s
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
                let reason = c.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                rows.push(TimelineRow {
                    from: at,
                    to: at,
                    subject: Subject::Node { name: n.name.clone() },
                    count: 1,
                    summary: format!("node condition {}={}{reason}", c.condition_type, c.status),
                    severity: Severity::Warning,
                    first: n.origin.clone(),
                    last: None,
                });
            }
        }
    }
    rows
}

/// Builds the folded timeline from signals (already in the window), container histories, events and nodes.
pub fn build(
    signals: &[&Signal],
    containers: &[ContainerHistory],
    events: &[&EventRecord],
    nodes: &[&NodeRecord],
    th: &Thresholds,
) -> Vec<TimelineRow> {
    let mut sorted: Vec<&Signal> = signals.to_vec();
    sorted.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.first.cmp(&b.first)));
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    for s in sorted {
        let class = s.class();
        if let Some(o) = open.iter_mut().find(|o| o.class == class && o.row.subject == s.subject) {
            if (s.first_at - o.row.to).num_seconds() <= th.timeline_fold_secs {
                o.row.count += s.count;
                o.row.to = o.row.to.max(s.last_at);
                o.row.last = Some(s.last.clone());
                if let Some(d) = &s.latency {
                    o.digest.merge(d);
                }
                continue;
            }
        }
        if let Some(i) = open.iter().position(|o| o.class == class && o.row.subject == s.subject) {
            let done = open.swap_remove(i);
            rows.push(finish(done));
        }
        let mut digest = LatencyDigest::new();
        if let Some(d) = &s.latency {
            digest.merge(d);
        }
        open.push(Open {
            row: TimelineRow {
                from: s.first_at,
                to: s.last_at,
                subject: s.subject.clone(),
                count: s.count,
                summary: String::new(),
                severity: severity(class),
                first: s.first.clone(),
                last: (s.count > 1).then(|| s.last.clone()),
            },
            class,
            digest,
        });
    }
    rows.extend(open.into_iter().map(finish));
    for c in containers {
        let subject =
            Subject::Container { namespace: c.namespace.clone(), pod: c.pod.clone(), container: c.container.clone() };
        for r in &c.restarts {
            let approx = if r.approximate { " (time from its last log line)" } else { "" };
            let exit = r.exit_code.map(|e| format!(" exit {e}")).unwrap_or_default();
            let reason = r.reason.as_ref().map(|e| format!(" {e}")).unwrap_or_default();
            rows.push(TimelineRow {
                from: r.ended_at,
                to: r.ended_at,
                subject: subject.clone(),
                count: 1,
                summary: format!(
                    "restart{exit}{reason}{approx} -> {} ({} confidence)",
                    r.attribution.cause.describe(),
                    r.attribution.confidence.word()
                ),
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
            summary: format!("event {} x{}: {}", e.reason, e.count, crate::analyze::members::truncate(&e.message, 90)),
            severity: if e.event_type == "Warning" { Severity::Warning } else { Severity::Info },
            first: e.origin.clone(),
            last: None,
        });
    }
    rows.extend(node_rows(nodes));
    rows.sort_by(|a, b| a.from.cmp(&b.from).then(a.subject.cmp(&b.subject)).then(a.summary.cmp(&b.summary)));
    rows
}

fn finish(o: Open) -> TimelineRow {
    let mut row = o.row;
    row.summary = summarize(o.class, row.count, &o.digest);
    row
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
        assert_eq!(rows[0].summary, "node condition DiskPressure=True (KubeletHasDiskPressure)");
    }
}
