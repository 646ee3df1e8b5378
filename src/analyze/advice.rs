//! Recommendations that fit the verdict. Storage advice always carries the warning against ZFS `sync=disabled`
//! (and other ways of making fsync lie): they hide the latency by losing acknowledged writes on power loss.
//!
//! Pure; no I/O.

use crate::model::{AdviceKind, Cause, Recommendation};

fn rec(kind: AdviceKind, title: &str, detail: &str) -> Recommendation {
    Recommendation { kind, title: title.to_string(), detail: detail.to_string() }
}

/// Advice for the causes found (most important first), or for settling an inconclusive case.
pub fn recommendations(causes: &[Cause], inconclusive: bool) -> Vec<Recommendation> {
    use AdviceKind::{Avoid, Do};
    let mut out = Vec::new();
    for cause in causes {
        match cause {
            Cause::StorageLatency => {
                out.push(rec(Do, "Give etcd a dedicated SSD/NVMe for its data dir", "etcd fsyncs its WAL on every write and needs WAL fsync p99 under 10ms (etcd docs). Shared VM storage, SD cards and network disks rarely achieve that under load. Move /var/lib/etcd (or the Karmada etcd volume) to a local SSD/NVMe not shared with other busy workloads."));
                out.push(rec(Do, "Put the WAL on its own device", "Run etcd with --wal-dir on a separate fast device so WAL fsyncs do not queue behind snapshot and backend (bbolt) writes."));
                out.push(rec(Do, "Measure the disk with the etcd fio test", "fio --rw=write --ioengine=sync --fdatasync=1 --directory=<etcd data dir> --size=22m --bs=2300 --name=etcd-check; the 99.00th percentile of the fdatasync latencies should be under 10000 usec (10ms). Without fio, `kubectl etcd-triage probe-disk --dir <etcd data dir>` on the node runs the same workload and prints the percentiles."));
                out.push(rec(Do, "Tune heartbeat and election timeouts for slow hardware", "On edge or slow hardware raise --heartbeat-interval=500 and --election-timeout=2500 (ms; OpenShift's 'Slower' profile) on every member, so short stalls stop causing elections. This buys margin; it does not make the disk faster."));
                out.push(rec(Do, "ZFS: recordsize=8k for the etcd dataset is sound", "A small recordsize matches etcd's small writes and reduces write amplification; keep sync=standard."));
                out.push(rec(Avoid, "Do not set ZFS sync=disabled (or mount with nobarrier, or use unsafe write caches)", "It makes fsync return before data is on disk: latency disappears, but a power loss or crash then loses writes etcd already acknowledged, which can corrupt the cluster state or split members. Fix the storage instead."));
            }
            Cause::EtcdStall => {
                out.push(rec(Do, "Find what froze or starved the etcd member", "Check CPU limits and throttling on the etcd pod (container_cpu_cfs_throttled_seconds_total), node CPU steal and load, VM pauses or live migration, and debuggers or tools that stop the process. Give etcd a guaranteed CPU request and high priority."));
                out.push(rec(Avoid, "Do not move etcd to new disks on this evidence alone", "The late heartbeats were not accompanied by slow WAL fsyncs, so etcd's 'likely from slow disk' wording is misleading here."));
            }
            Cause::NetworkPartition => out.push(rec(Do, "Check connectivity between etcd members", "Verify the peer URLs (port 2380) are reachable in both directions, look for packet loss, MTU mismatches and firewall changes; etcd_network_peer_round_trip_time_seconds p99 should stay well under the heartbeat interval.")),
            Cause::ClockSkew => out.push(rec(Do, "Fix time synchronisation", "Run chrony/NTP on every control-plane node; etcd warns when peers' clocks differ by more than 1s.")),
            Cause::NoSpaceAlarm => out.push(rec(Do, "Free etcd's backend quota and disarm the alarm", "Compact old revisions, defragment each member, then 'etcdctl alarm disarm'. Raise --quota-backend-bytes only with enough disk and memory.")),
            Cause::CertificateError => out.push(rec(Do, "Renew or fix etcd certificates", "Check expiry and SANs of the etcd server, peer and client certificates (e.g. 'kubeadm certs check-expiration'; 'kubeadm certs renew')." )),
            Cause::EtcdUnavailable => out.push(rec(Do, "Find why etcd was down", "Look at the etcd pods' previous logs and termination reasons; the API server could not connect at all, which is an outage, not latency.")),
            Cause::OutOfMemory => out.push(rec(Do, "Address the memory limit or leak", "Raise the container's memory limit or find the leak (kubectl top pod, container_memory_working_set_bytes); OOM kills are not caused by etcd.")),
            Cause::ConfigError => out.push(rec(Do, "Fix the container's configuration", "The container fails right after start on its flags, config or kubeconfig; read its previous logs (kubectl logs --previous) and correct the manifest.")),
            Cause::ProbeFailure => out.push(rec(Do, "Review the liveness probe", "The kubelet killed the container after failed liveness probes while storage looked healthy: check the probe's timeoutSeconds/failureThreshold against the container's real response times.")),
            Cause::Defragmentation => out.push(rec(Do, "Schedule defragmentation one member at a time, off-peak", "Defragmentation blocks the member for its whole duration (OpenShift docs: the member does not respond until it completes). Defragment followers first and the leader last, never all members at once, and keep the database small with regular compaction so each run is short.")),
            Cause::ExpensiveRequests => out.push(rec(Do, "Find the client that reads huge ranges", "etcd logged requests returning thousands of keys or many MiB at once. Look for clients listing whole resources without pagination or with resourceVersion unset (served by etcd, not the API server's watch cache), event or lease storms, and operators that list everything in a loop; the API server's audit log names them.")),
            Cause::EtcdFailure => out.push(rec(Do, "Repair the failing etcd member", "etcd itself crashed or refused to start: read its previous logs. A corrupt bbolt db needs the member removed and re-added from a healthy peer (or restored from a snapshot); a removed member or a cluster ID mismatch needs its data dir cleared and the member re-joined.")),
            Cause::Unexplained => {}
        }
    }
    if inconclusive {
        out.push(rec(Do, "Collect the missing evidence", "Include etcd logs from every member for the incident window (kubectl logs --timestamps, or /var/log/pods on the control-plane nodes), the crashing containers' previous logs (kubectl logs --previous), pod status and events, and etcd disk metrics (etcd_disk_wal_fsync_duration_seconds, etcd_disk_backend_commit_duration_seconds) if Prometheus is available."));
        out.push(rec(Do, "Measure the etcd disk directly", "Run the etcd fio test on the etcd data directory: fio --rw=write --ioengine=sync --fdatasync=1 --directory=<dir> --size=22m --bs=2300 --name=etcd-check (p99 fdatasync should be under 10ms), or `kubectl etcd-triage probe-disk --dir <dir>` on the node; its JSON (`-o json`) can be given to analyze."));
    }
    out
}
