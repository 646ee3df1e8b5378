//! Words for the report's recommendations.

use crate::model::{Advice, Recommendation};
use crate::report::format::fmt_ms;

/// The recommendation's one-line title.
pub fn title(r: &Recommendation) -> String {
    advice_title(&r.advice)
}

/// Why and how (empty when the title says it all).
pub fn detail(r: &Recommendation) -> String {
    advice_detail(&r.advice)
}

pub fn advice_title(a: &Advice) -> String {
    match a {
        Advice::DedicatedDisk { .. } => "Give etcd a dedicated SSD/NVMe for its data dir".into(),
        Advice::SeparateWal => "Put the WAL on its own device".into(),
        Advice::FioTest { .. } => "Measure the disk with the etcd fio test".into(),
        Advice::TuneTimeouts { .. } => "Tune heartbeat and election timeouts for slow hardware".into(),
        Advice::ZfsRecordsize { recordsize_kib } => {
            format!("ZFS: recordsize={recordsize_kib}k for the etcd dataset is sound")
        }
        Advice::NoFsyncShortcuts => {
            "Do not set ZFS sync=disabled (or mount with nobarrier, or use unsafe write caches)".into()
        }
        Advice::FindStallCause => "Find what froze or starved the etcd member".into(),
        Advice::KeepDisksOnStall => "Do not move etcd to new disks on this evidence alone".into(),
        Advice::CheckPeerNetwork => "Check connectivity between etcd members".into(),
        Advice::FixTimeSync { .. } => "Fix time synchronisation".into(),
        Advice::FreeQuota => "Free etcd's backend quota and disarm the alarm".into(),
        Advice::RenewCertificates => "Renew or fix etcd certificates".into(),
        Advice::FindOutage => "Find why etcd was down".into(),
        Advice::FixMemory => "Address the memory limit or leak".into(),
        Advice::FixConfig => "Fix the container's configuration".into(),
        Advice::ReviewProbe => "Review the liveness probe".into(),
        Advice::StaggerDefrag => "Schedule defragmentation one member at a time, off-peak".into(),
        Advice::FindExpensiveClient => "Find the client that reads huge ranges".into(),
        Advice::RepairMember => "Repair the failing etcd member".into(),
        Advice::CollectEvidence => "Collect the missing evidence".into(),
        Advice::MeasureDisk { .. } => "Measure the etcd disk directly".into(),
    }
}

pub fn advice_detail(a: &Advice) -> String {
    match a {
        Advice::DedicatedDisk { wal_fsync_p99_ms } => format!(
            "etcd fsyncs its WAL on every write and needs WAL fsync p99 under {} (etcd docs). Shared VM storage, SD \
             cards and network disks rarely achieve that under load. Move /var/lib/etcd (or the Karmada etcd volume) \
             to a local SSD/NVMe not shared with other busy workloads.",
            fmt_ms(*wal_fsync_p99_ms)
        ),
        Advice::SeparateWal => "Run etcd with --wal-dir on a separate fast device so WAL fsyncs do not queue behind \
             snapshot and backend (bbolt) writes."
            .into(),
        Advice::FioTest { fdatasync_p99_ms } => format!(
            "fio --rw=write --ioengine=sync --fdatasync=1 --directory=<etcd data dir> --size=22m --bs=2300 \
             --name=etcd-check; the 99.00th percentile of the fdatasync latencies should be under {:.0} usec ({}). \
             Without fio, `kubectl etcd-triage probe-disk --dir <etcd data dir>` on the node runs the same workload \
             and prints the percentiles.",
            fdatasync_p99_ms * 1000.0,
            fmt_ms(*fdatasync_p99_ms)
        ),
        Advice::TuneTimeouts { heartbeat_interval_ms, election_timeout_ms } => format!(
            "On edge or slow hardware raise --heartbeat-interval={heartbeat_interval_ms} and \
             --election-timeout={election_timeout_ms} (ms; OpenShift's 'Slower' profile) on every member, so short \
             stalls stop causing elections. This buys margin; it does not make the disk faster."
        ),
        Advice::ZfsRecordsize { .. } => "A small recordsize matches etcd's small writes and reduces write \
             amplification; keep sync=standard."
            .into(),
        Advice::NoFsyncShortcuts => "It makes fsync return before data is on disk: latency disappears, but a power \
             loss or crash then loses writes etcd already acknowledged, which can corrupt the cluster state or split \
             members. Fix the storage instead."
            .into(),
        Advice::FindStallCause => "Check CPU limits and throttling on the etcd pod \
             (container_cpu_cfs_throttled_seconds_total), node CPU steal and load, VM pauses or live migration, and \
             debuggers or tools that stop the process. Give etcd a guaranteed CPU request and high priority."
            .into(),
        Advice::KeepDisksOnStall => "The late heartbeats were not accompanied by slow WAL fsyncs, so etcd's 'likely \
             from slow disk' wording is misleading here."
            .into(),
        Advice::CheckPeerNetwork => "Verify the peer URLs (port 2380) are reachable in both directions, look for \
             packet loss, MTU mismatches and firewall changes; etcd_network_peer_round_trip_time_seconds p99 should \
             stay well under the heartbeat interval."
            .into(),
        Advice::FixTimeSync { drift_warning_ms } => format!(
            "Run chrony/NTP on every control-plane node; etcd warns when peers' clocks differ by more than {}.",
            fmt_ms(*drift_warning_ms)
        ),
        Advice::FreeQuota => "Compact old revisions, defragment each member, then 'etcdctl alarm disarm'. Raise \
             --quota-backend-bytes only with enough disk and memory."
            .into(),
        Advice::RenewCertificates => "Check expiry and SANs of the etcd server, peer and client certificates (e.g. \
             'kubeadm certs check-expiration'; 'kubeadm certs renew')."
            .into(),
        Advice::FindOutage => "Look at the etcd pods' previous logs and termination reasons; the API server could \
             not connect at all, which is an outage, not latency."
            .into(),
        Advice::FixMemory => "Raise the container's memory limit or find the leak (kubectl top pod, \
             container_memory_working_set_bytes); OOM kills are not caused by etcd."
            .into(),
        Advice::FixConfig => "The container fails right after start on its flags, config or kubeconfig; read its \
             previous logs (kubectl logs --previous) and correct the manifest."
            .into(),
        Advice::ReviewProbe => "The kubelet killed the container after failed liveness probes while storage looked \
             healthy: check the probe's timeoutSeconds/failureThreshold against the container's real response times."
            .into(),
        Advice::StaggerDefrag => "Defragmentation blocks the member for its whole duration (OpenShift docs: the \
             member does not respond until it completes). Defragment followers first and the leader last, never all \
             members at once, and keep the database small with regular compaction so each run is short."
            .into(),
        Advice::FindExpensiveClient => "etcd logged requests returning thousands of keys or many MiB at once. Look \
             for clients listing whole resources without pagination or with resourceVersion unset (served by etcd, \
             not the API server's watch cache), event or lease storms, and operators that list everything in a loop; \
             the API server's audit log names them."
            .into(),
        Advice::RepairMember => "etcd itself crashed or refused to start: read its previous logs. A corrupt bbolt db \
             needs the member removed and re-added from a healthy peer (or restored from a snapshot); a removed member \
             or a cluster ID mismatch needs its data dir cleared and the member re-joined."
            .into(),
        Advice::CollectEvidence => "Include etcd logs from every member for the incident window (kubectl logs \
             --timestamps, or /var/log/pods on the control-plane nodes), the crashing containers' previous logs \
             (kubectl logs --previous), pod status and events, and etcd disk metrics \
             (etcd_disk_wal_fsync_duration_seconds, etcd_disk_backend_commit_duration_seconds) if Prometheus is \
             available."
            .into(),
        Advice::MeasureDisk { fdatasync_p99_ms } => format!(
            "Run the etcd fio test on the etcd data directory: fio --rw=write --ioengine=sync --fdatasync=1 \
             --directory=<dir> --size=22m --bs=2300 --name=etcd-check (p99 fdatasync should be under {}), or \
             `kubectl etcd-triage probe-disk --dir <dir>` on the node; its JSON (`-o json`) can be given to analyze.",
            fmt_ms(*fdatasync_p99_ms)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_quotes_its_figures() {
        let d = advice_detail(&Advice::DedicatedDisk { wal_fsync_p99_ms: 10.0 });
        assert!(d.contains("p99 under 10ms (etcd docs)"), "{d}");
        let d = advice_detail(&Advice::FioTest { fdatasync_p99_ms: 10.0 });
        assert!(d.contains("under 10000 usec (10ms)"), "{d}");
        let d = advice_detail(&Advice::TuneTimeouts { heartbeat_interval_ms: 500, election_timeout_ms: 2500 });
        assert!(d.contains("--heartbeat-interval=500") && d.contains("--election-timeout=2500"), "{d}");
        assert!(advice_title(&Advice::ZfsRecordsize { recordsize_kib: 8 }).contains("recordsize=8k"));
        assert!(advice_detail(&Advice::FixTimeSync { drift_warning_ms: 1000.0 }).contains("more than 1s"));
        assert!(advice_detail(&Advice::MeasureDisk { fdatasync_p99_ms: 10.0 }).contains("under 10ms"));
    }

    #[test]
    fn every_advice_has_a_title_and_a_detail() {
        for a in [
            Advice::SeparateWal,
            Advice::NoFsyncShortcuts,
            Advice::FindStallCause,
            Advice::KeepDisksOnStall,
            Advice::CheckPeerNetwork,
            Advice::FreeQuota,
            Advice::RenewCertificates,
            Advice::FindOutage,
            Advice::FixMemory,
            Advice::FixConfig,
            Advice::ReviewProbe,
            Advice::StaggerDefrag,
            Advice::FindExpensiveClient,
            Advice::RepairMember,
            Advice::CollectEvidence,
        ] {
            assert!(!advice_title(&a).is_empty() && !advice_detail(&a).is_empty(), "{a:?}");
        }
        assert!(advice_title(&Advice::NoFsyncShortcuts).contains("sync=disabled"));
    }
}
