//! Recommendations that fit the verdict. Storage advice always carries the warning against ZFS `sync=disabled`
//! (and other ways of making fsync lie): they hide the latency by losing acknowledged writes on power loss.
//!
//! Pure; no I/O.

use crate::model::{Advice, AdviceKind, Cause, Recommendation};

/// etcd's guidance for WAL fsync (and its fio test's fdatasync) p99, from its hardware docs.
const FSYNC_P99_MS: f64 = 10.0;

fn rec(kind: AdviceKind, advice: Advice) -> Recommendation {
    Recommendation { kind, advice }
}

/// Advice for the causes found (most important first), or for settling an inconclusive case.
pub fn recommendations(causes: &[Cause], inconclusive: bool) -> Vec<Recommendation> {
    use AdviceKind::{Avoid, Do};
    let mut out = Vec::new();
    for cause in causes {
        match cause {
            Cause::StorageLatency => {
                out.push(rec(Do, Advice::DedicatedDisk { wal_fsync_p99_ms: FSYNC_P99_MS }));
                out.push(rec(Do, Advice::SeparateWal));
                out.push(rec(Do, Advice::FioTest { fdatasync_p99_ms: FSYNC_P99_MS }));
                // OpenShift's "Slower" etcd profile.
                out.push(rec(Do, Advice::TuneTimeouts { heartbeat_interval_ms: 500, election_timeout_ms: 2500 }));
                out.push(rec(Do, Advice::ZfsRecordsize { recordsize_kib: 8 }));
                out.push(rec(Avoid, Advice::NoFsyncShortcuts));
            }
            Cause::EtcdStall => {
                out.push(rec(Do, Advice::FindStallCause));
                out.push(rec(Avoid, Advice::KeepDisksOnStall));
            }
            Cause::NetworkPartition => out.push(rec(Do, Advice::CheckPeerNetwork)),
            Cause::ClockSkew => out.push(rec(Do, Advice::FixTimeSync { drift_warning_ms: 1000.0 })),
            Cause::NoSpaceAlarm => out.push(rec(Do, Advice::FreeQuota)),
            Cause::CertificateError => out.push(rec(Do, Advice::RenewCertificates)),
            Cause::EtcdUnavailable => out.push(rec(Do, Advice::FindOutage)),
            Cause::OutOfMemory => out.push(rec(Do, Advice::FixMemory)),
            Cause::ConfigError => out.push(rec(Do, Advice::FixConfig)),
            Cause::ProbeFailure => out.push(rec(Do, Advice::ReviewProbe)),
            Cause::Defragmentation => out.push(rec(Do, Advice::StaggerDefrag)),
            Cause::ExpensiveRequests => out.push(rec(Do, Advice::FindExpensiveClient)),
            Cause::EtcdFailure => out.push(rec(Do, Advice::RepairMember)),
            Cause::Unexplained => {}
        }
    }
    if inconclusive {
        out.push(rec(Do, Advice::CollectEvidence));
        out.push(rec(Do, Advice::MeasureDisk { fdatasync_p99_ms: FSYNC_P99_MS }));
    }
    out
}
