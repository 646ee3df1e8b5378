//! Words for cited records: what each record shows (`etcd-node1: 12x slow WAL fdatasync (max 3s)`).

use crate::evidence::SignalKind;
use crate::model::{Citation, Claim, EventNote};
use crate::report::format::fmt_ms;

/// What the cited record shows.
pub fn citation(c: &Citation) -> String {
    claim(&c.claim)
}

pub fn claim(c: &Claim) -> String {
    match c {
        Claim::Signal { who, count, max_ms, signal } => signal_claim(who, *count, *max_ms, signal),
        Claim::PreVoteLoop { member, secs } => {
            format!("{member}: pre-votes at one term for {secs}s with no leader elected")
        }
        Claim::OomKilled { container, exit_code } => {
            format!("{container} terminated with reason OOMKilled (exit {exit_code})")
        }
        Claim::Event { reason, count, message, note } => {
            let note = match note {
                EventNote::None => String::new(),
                EventNote::Node { node } => format!(" (node {node})"),
                EventNote::NodeOwnProcess { node, process } => {
                    format!(" (node {node}; process {process} is this container)")
                }
                EventNote::NodeStatusProcess { node, process } => format!(
                    " (node {node}; {process} is the process killed when pod status recorded this container OOMKilled)"
                ),
            };
            format!("event {reason} x{count}: {}{note}", clip(message, 100))
        }
        Claim::DiskProbe { dir, host, fdatasync_p99_ms, iops } => {
            let figure = match (fdatasync_p99_ms, iops) {
                (Some(p99), _) => format!("fdatasync p99 {p99:.2} ms"),
                (None, Some(iops)) => format!("{iops:.0} write+fdatasync IOPS (no sync percentiles)"),
                (None, None) => "no figures".to_string(),
            };
            let on = host.as_deref().map(|h| format!(" on {h}")).unwrap_or_default();
            format!("disk probe of {dir}{on}: {figure}")
        }
        Claim::DiskReading { member, metric, quantile, value_ms, bucket_ms, total_ops, slow_ops } => {
            let mut s =
                format!("{}: {metric} p{:.0} {value_ms:.1} ms", member.as_deref().unwrap_or("etcd"), quantile * 100.0);
            if let Some((lo, hi)) = bucket_ms {
                s.push_str(&format!(" (between the {lo}..{hi} ms buckets)"));
            }
            if let (Some(total), Some(slow)) = (total_ops, slow_ops) {
                s.push_str(&format!(", {slow} of {total} at 512 ms or more"));
            }
            s
        }
    }
}

/// A signal burst: `etcd-node1: 37x slow apply (max 2.4s)`, with the detail the line carries.
fn signal_claim(who: &str, count: u64, max_ms: Option<f64>, kind: &SignalKind) -> String {
    let describe = super::signal_class(kind.class());
    let mut s = if count > 1 { format!("{who}: {count}x {describe}") } else { format!("{who}: {describe}") };
    if let Some(max) = max_ms {
        s.push_str(&format!(" (max {})", fmt_ms(max)));
    }
    match kind {
        SignalKind::LeaseRenewFailed { detail }
        | SignalKind::ApiRequestTimeout { detail }
        | SignalKind::ApiServerEtcdError { detail }
        | SignalKind::ConfigError { detail }
        | SignalKind::RequestTimeout { detail }
        | SignalKind::OutOfMemory { detail }
        | SignalKind::Fatal { detail }
        | SignalKind::NoSpaceAlarm { detail }
        | SignalKind::CertificateError { detail }
        | SignalKind::BackendCorrupt { detail }
        | SignalKind::MembershipError { detail }
        | SignalKind::CpuStarved { detail } => s.push_str(&format!(": {}", clip(detail, 120))),
        SignalKind::NotEtcdDatastore { backend } => s.push_str(&format!(": {backend}")),
        SignalKind::RaftMessageDropped { peer } => s.push_str(&format!(": peer {peer}")),
        SignalKind::PreVote { term, rejected } => {
            s.push_str(&format!(" at term {term}{}", if *rejected { " (rejected)" } else { "" }))
        }
        SignalKind::ExpensiveRequest { response_count, response_bytes, .. } => {
            s.push_str(&format!(": {response_count} keys, {response_bytes} bytes in one response"))
        }
        SignalKind::PeerUnreachable { peer, error } => s.push_str(&format!(": peer {peer}: {}", clip(error, 100))),
        SignalKind::LeaderElected { leader_id, term } => s.push_str(&format!(" ({leader_id} at term {term})")),
        SignalKind::MetricQuantile { metric, quantile, value_ms, lower_ms, upper_ms } => {
            s = format!(
                "{who}: {metric} p{:.0} {} (between the {}..{} buckets){}",
                quantile * 100.0,
                fmt_ms(*value_ms),
                fmt_ms(*lower_ms),
                if upper_ms.is_finite() { fmt_ms(*upper_ms) } else { "+Inf".into() },
                if count > 1 { format!(", {count} intervals") } else { String::new() },
            );
        }
        _ => {}
    }
    s
}

/// At most `max` characters of evidence text, `...` marking a cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_claims_carry_who_count_and_the_slowest() {
        let wal = SignalKind::LeaseRenewFailed { detail: "x".repeat(130) };
        let s = claim(&Claim::Signal { who: "manager".into(), count: 3, max_ms: Some(3000.0), signal: wal });
        assert!(s.starts_with("manager: 3x ") && s.contains("(max 3s): "), "{s}");
        assert!(s.ends_with(&format!("{}...", "x".repeat(120))), "{s}");
        let one = SignalKind::LeaderElected { leader_id: "8e9e".into(), term: 7 };
        let s = claim(&Claim::Signal { who: "etcd-a".into(), count: 1, max_ms: None, signal: one });
        assert!(s.starts_with("etcd-a: ") && !s.contains("1x") && s.ends_with("(8e9e at term 7)"), "{s}");
        let peer = SignalKind::PeerUnreachable { peer: "etcd-b".into(), error: "i/o timeout".into() };
        let s = claim(&Claim::Signal { who: "etcd-a".into(), count: 2, max_ms: None, signal: peer });
        assert!(s.ends_with(": peer etcd-b: i/o timeout"), "{s}");
        let q = SignalKind::MetricQuantile {
            metric: "wal".into(),
            quantile: 0.99,
            value_ms: 24.0,
            lower_ms: 16.0,
            upper_ms: f64::INFINITY,
        };
        let s = claim(&Claim::Signal { who: "etcd-a".into(), count: 4, max_ms: None, signal: q });
        assert_eq!(s, "etcd-a: wal p99 24ms (between the 16ms..+Inf buckets), 4 intervals");
    }

    #[test]
    fn other_claims_carry_their_figures() {
        assert_eq!(claim(&Claim::PreVoteLoop { member: "etcd-c".into(), secs: 42 }).split(':').next(), Some("etcd-c"));
        assert!(claim(&Claim::PreVoteLoop { member: "etcd-c".into(), secs: 42 }).contains("for 42s"));
        assert!(claim(&Claim::OomKilled { container: "m".into(), exit_code: 137 }).contains("(exit 137)"));
        let e =
            |note| Claim::Event { reason: "OOMKilling".into(), count: 2, message: "Killed process 1 (m)".into(), note };
        assert_eq!(claim(&e(EventNote::None)), "event OOMKilling x2: Killed process 1 (m)");
        assert!(claim(&e(EventNote::Node { node: "n1".into() })).ends_with("(node n1)"));
        let own = claim(&e(EventNote::NodeOwnProcess { node: "n1".into(), process: "m".into() }));
        assert!(own.contains("process m is this container"), "{own}");
        let status = claim(&e(EventNote::NodeStatusProcess { node: "n1".into(), process: "m".into() }));
        assert!(status.contains("m is the process killed"), "{status}");
        let probe = Claim::DiskProbe {
            dir: "/var/lib/etcd".into(),
            host: Some("cp1".into()),
            fdatasync_p99_ms: Some(12.345),
            iops: None,
        };
        assert_eq!(claim(&probe), "disk probe of /var/lib/etcd on cp1: fdatasync p99 12.35 ms");
        let iops = Claim::DiskProbe { dir: "/d".into(), host: None, fdatasync_p99_ms: None, iops: Some(250.0) };
        assert!(claim(&iops).contains("250 write+fdatasync IOPS"));
        let reading = Claim::DiskReading {
            member: None,
            metric: "etcd_disk_wal_fsync_duration_seconds".into(),
            quantile: 0.99,
            value_ms: 3.0,
            bucket_ms: Some((2.0, 4.0)),
            total_ops: Some(367535),
            slow_ops: Some(48),
        };
        let s = claim(&reading);
        assert!(
            s.starts_with("etcd: etcd_disk_wal_fsync_duration_seconds p99 3.0 ms (between the 2..4 ms buckets)"),
            "{s}"
        );
        assert!(s.ends_with(", 48 of 367535 at 512 ms or more"), "{s}");
    }
}
