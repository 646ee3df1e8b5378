//! Words for the attribution of one restart: what the evidence around it shows.

use crate::model::units::Millis;
use crate::model::{AttributionSummary, DiskSeen, Finding};
use crate::report::format::fmt_ms;

/// One or two sentences on why the restart happened.
pub fn summary(a: &AttributionSummary) -> String {
    let c = &a.container;
    let exit = match (&a.exit_reason, a.exit_code) {
        (Some(r), Some(code)) => format!("exited {code} ({r})"),
        (None, Some(code)) => format!("exited {code}"),
        (Some(r), None) => format!("ended ({r})"),
        (None, None) => "ended".to_string(),
    };
    match &a.finding {
        Finding::OomKilled => {
            format!("{c} {exit}: the container was OOM-killed; storage is not involved in this restart.")
        }
        Finding::ConfigError { ran_secs } => {
            let ran = ran_secs.map(|s| format!(" after {s}s")).unwrap_or_default();
            format!("{c} {exit}{ran} on a configuration error at start-up.")
        }
        Finding::OwnCertificateFailures => format!(
            "{c} {exit} on TLS certificate failures (its own, or the API server's towards etcd): each request fails \
             at once, so disk latency cannot be what ended it. Check certificate expiry and the CA bundle."
        ),
        Finding::NospaceAlarm => "etcd raised its NOSPACE alarm (backend quota exceeded): writes fail until it is \
             compacted, defragmented and disarmed. This is not disk latency."
            .into(),
        Finding::OwnEtcdFailure => {
            format!("{c} {exit}: etcd itself failed in this run (corrupt db or membership error).")
        }
        Finding::OwnEtcdFatal => {
            format!("{c} {exit}: etcd panicked or exited fatally in this run, with no disk latency before it.")
        }
        Finding::StorageStall {
            stall_to_exit_secs,
            window_secs,
            disk,
            consensus,
            api_errors,
            own_errors,
            competing,
        } => {
            // Whole seconds: zero is `0s` (the records are to the second), not `0ms`.
            let ago = match stall_to_exit_secs {
                Some(0) => "0s".to_string(),
                Some(secs) => Millis::from_secs(*secs).to_string(),
                None => String::new(),
            };
            let window = Millis::from_secs(*window_secs);
            let mut s = format!(
                "{c} {exit} {ago} after the latest storage stall (in the {window} before: {})",
                disk_words(disk)
            );
            if *consensus {
                s.push_str(", followed by etcd consensus trouble");
            }
            if *api_errors {
                s.push_str(", API-server errors towards etcd");
            }
            if *own_errors {
                s.push_str(", and its own lease-renewal / timeout errors");
            }
            s.push('.');
            if *competing {
                s.push_str(
                    " Competing evidence (network, clock, certificates, etcd unavailability or failure, OOM kills on \
                     the node, defragmentation, CPU starvation or expensive requests) in the same window lowers \
                     confidence.",
                );
            }
            s
        }
        Finding::Defragmentation { blocking_ms } => format!(
            "{c} {exit} after an etcd defragmentation of over {} blocked reads and writes; the disk symptoms fall \
             inside it.",
            fmt_ms(*blocking_ms)
        ),
        Finding::EtcdCertificateFailures => {
            "TLS certificate failures between etcd and its clients or peers precede the restart.".into()
        }
        Finding::EtcdUnreachable => {
            "The API server could not connect to etcd at all (connection refused): etcd was down, not slow.".into()
        }
        Finding::EtcdMemberFailing => {
            format!("{c} {exit} while an etcd member was failing (panic, corrupt db or membership error).")
        }
        Finding::ExpensiveRequests { requests, slowest_ms } => format!(
            "{c} {exit} while etcd served {requests} request(s) with huge responses (slowest {}), with no slow WAL \
             fdatasync.",
            fmt_ms(*slowest_ms)
        ),
        Finding::LoneMemberStarved { member } => format!(
            "{c} {exit} while {member} alone sent heartbeats late and applied slowly, its followers calm, with no \
             slow WAL fdatasync: a CPU-starved or paused member, not the disks."
        ),
        Finding::CpuStarved => format!(
            "{c} {exit} while etcd was starved of CPU (throttling or soft lockups) and slow, with no slow WAL \
             fdatasync."
        ),
        Finding::RaftStall { stall_ms } => format!(
            "{c} {exit} after an etcd member's raft loop stalled for over {} without any slow WAL fdatasync on that \
             member: a frozen or CPU-starved process, not the disk. The heartbeat warning's 'likely from slow disk' \
             wording is not evidence of disk latency here.",
            fmt_ms(*stall_ms)
        ),
        Finding::PeersUnreachable => {
            format!("{c} {exit} while etcd members could not reach each other, with no disk latency logged.")
        }
        Finding::ClockDrift => "etcd reported clock drift between members around the restart.".into(),
        Finding::ProbeKills => format!(
            "{c} {exit} after failed liveness probes, with no storage trouble in the evidence: check the probe's \
             timeout and thresholds."
        ),
        Finding::NodeOomKills => format!(
            "{c} {exit} while its node was OOM-killing processes; the killed process is not shown to be this \
             container, and no etcd-side cause is visible."
        ),
        Finding::NotEtcd { backend } => format!(
            "{c} {exit}; the datastore is kine over {backend}, not etcd, so etcd's storage evidence and thresholds do \
             not apply."
        ),
        Finding::NoEtcdLogs => format!(
            "{c} {exit} after losing its lease / timing out towards the API server, but no etcd logs were provided, \
             so storage cannot be confirmed or ruled out."
        ),
        Finding::ModerateApplies { apply_max_ms } => format!(
            "{c} {exit}; etcd logged only moderately slow applies (max {}), not enough to blame storage.",
            fmt_ms(*apply_max_ms)
        ),
        Finding::DiskWithoutChain => format!(
            "{c} {exit}; etcd showed disk latency, but no link from it to this container (no elections, API errors \
             or lease errors) is visible."
        ),
        Finding::LeaseLostNoCause => format!(
            "{c} {exit} after losing its lease / timing out, but no etcd-side cause (disk, stall, network) is visible \
             in the evidence."
        ),
        Finding::NoCause => format!("{c} {exit}; the evidence shows no cause."),
    }
}

/// The disk evidence before a restart: `slow WAL fdatasync (max 3s) on 2 of 3 members (a, b) incl. the leader`.
pub fn disk_words(d: &DiskSeen) -> String {
    let mut parts = Vec::new();
    if !d.wal_members.is_empty() {
        parts.push(format!(
            "slow WAL fdatasync (max {}) on {}{}",
            fmt_ms(d.wal_max_ms),
            members(&d.wal_members, d.member_count),
            if d.leader_affected { " incl. the leader" } else { "" }
        ));
    }
    if !d.apply_members.is_empty() {
        parts.push(format!(
            "applies up to {} on {}",
            fmt_ms(d.apply_max_ms),
            members(&d.apply_members, d.member_count)
        ));
    }
    if let Some(shape) = &d.shape {
        parts.push(format!(
            "applies slow on {} of {} members at once (median {}) with late heartbeats of matching size on the leader \
             (median {}), the shape of disk latency under etcd's 1s warning",
            shape.members,
            d.member_count,
            fmt_ms(shape.apply_p50_ms),
            fmt_ms(shape.heartbeat_p50_ms)
        ));
    }
    parts.join(" and ")
}

fn members(names: &[String], total: usize) -> String {
    if total > 1 { format!("{} of {total} members ({})", names.len(), names.join(", ")) } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApplyShapeSeen;

    fn with(finding: Finding) -> AttributionSummary {
        AttributionSummary {
            container: "manager".into(),
            exit_code: Some(1),
            exit_reason: Some("Error".into()),
            finding,
        }
    }

    fn disk() -> DiskSeen {
        DiskSeen {
            wal_members: vec!["etcd-a".into(), "etcd-b".into()],
            wal_max_ms: 3000.0,
            leader_affected: true,
            apply_members: vec!["etcd-a".into()],
            apply_max_ms: 2400.0,
            member_count: 3,
            shape: None,
        }
    }

    #[test]
    fn a_storage_stall_tells_the_chain_with_its_figures() {
        let s = summary(&with(Finding::StorageStall {
            stall_to_exit_secs: Some(42),
            window_secs: 600,
            disk: disk(),
            consensus: true,
            api_errors: true,
            own_errors: true,
            competing: true,
        }));
        assert!(s.starts_with("manager exited 1 (Error) 42s after the latest storage stall (in the 10m before"), "{s}");
        assert!(s.contains("slow WAL fdatasync (max 3s) on 2 of 3 members (etcd-a, etcd-b) incl. the leader"), "{s}");
        assert!(s.contains("applies up to 2.4s on 1 of 3 members (etcd-a)"), "{s}");
        assert!(s.contains("consensus trouble") && s.contains("API-server errors") && s.contains("lease-renewal"));
        assert!(s.contains("Competing evidence"), "{s}");
        let s = summary(&with(Finding::StorageStall {
            stall_to_exit_secs: Some(300),
            window_secs: 90,
            disk: DiskSeen {
                shape: Some(ApplyShapeSeen { members: 3, apply_p50_ms: 250.0, heartbeat_p50_ms: 240.0 }),
                ..disk()
            },
            consensus: false,
            api_errors: false,
            own_errors: false,
            competing: false,
        }));
        assert!(s.contains(" 5m after") && s.contains("in the 1m30s before"), "{s}");
        assert!(s.contains("applies slow on 3 of 3 members at once (median 250ms)") && s.contains("(median 240ms)"));
        assert!(!s.contains("Competing"), "{s}");
    }

    #[test]
    fn findings_carry_their_names_and_figures() {
        assert!(summary(&with(Finding::ConfigError { ran_secs: Some(3) })).contains("exited 1 (Error) after 3s"));
        let s = summary(&with(Finding::ExpensiveRequests { requests: 7, slowest_ms: 1500.0 }));
        assert!(s.contains("7 request(s)") && s.contains("slowest 1.5s"), "{s}");
        assert!(summary(&with(Finding::LoneMemberStarved { member: "etcd-x".into() })).contains("etcd-x alone"));
        assert!(summary(&with(Finding::RaftStall { stall_ms: 1000.0 })).contains("over 1s"));
        assert!(summary(&with(Finding::Defragmentation { blocking_ms: 2000.0 })).contains("over 2s"));
        assert!(summary(&with(Finding::NotEtcd { backend: "sqlite3".into() })).contains("kine over sqlite3"));
        assert!(summary(&with(Finding::ModerateApplies { apply_max_ms: 450.0 })).contains("max 450ms"));
        let bare = AttributionSummary { exit_code: None, exit_reason: None, ..with(Finding::NoCause) };
        assert_eq!(summary(&bare), "manager ended; the evidence shows no cause.");
        for f in [
            Finding::OomKilled,
            Finding::OwnCertificateFailures,
            Finding::NospaceAlarm,
            Finding::OwnEtcdFailure,
            Finding::OwnEtcdFatal,
            Finding::EtcdCertificateFailures,
            Finding::EtcdUnreachable,
            Finding::EtcdMemberFailing,
            Finding::CpuStarved,
            Finding::PeersUnreachable,
            Finding::ClockDrift,
            Finding::ProbeKills,
            Finding::NodeOomKills,
            Finding::NoEtcdLogs,
            Finding::DiskWithoutChain,
            Finding::LeaseLostNoCause,
        ] {
            assert!(summary(&with(f.clone())).ends_with('.'), "{f:?}");
        }
    }
}
