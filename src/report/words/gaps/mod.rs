//! Words for gaps: what is missing and why (from the typed reason), what it does to the analysis, and how to
//! get it.

use crate::evidence::{EvidenceKind as K, Gap, GapEffect as E, Remedy};

mod cluster;
mod reason;
pub use cluster::{api_failure, api_message, role_name};
pub use reason::{bad_item, what as reason_what, why as reason_why};

/// `what: why`, as error messages list gaps (`SourceError::NothingReadable`). The impl lives here, with the
/// words, so that the readers that raise those errors name no report module.
impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", what(self), why(self))
    }
}

/// What the gap leaves out (`file logs/etcd-0.log`).
pub fn what(g: &Gap) -> String {
    reason_what(&g.reason)
}

/// Why (`could not be read: permission denied`).
pub fn why(g: &Gap) -> String {
    reason_why(&g.reason)
}

/// How the gap affects the analysis (`its content is not part of the analysis`).
pub fn impact(g: &Gap) -> &'static str {
    impact_of(g.missing, g.effect)
}

/// The impact sentence for a kind of evidence and what its absence does.
pub fn impact_of(missing: K, effect: E) -> &'static str {
    match (missing, effect) {
        (K::ClusterInfo, E::None) => "none on the verdict; the manifest lacks it",
        (K::Events, E::None) => {
            "none when core/v1 events were read (the same objects); otherwise BackOff / OOMKilling history is unknown"
        }
        (_, E::None) => "none on the verdict",
        (K::EtcdMetrics, E::NotCollected) => "these metrics are not part of the analysis",
        (_, E::NotCollected) => "not collected",
        (K::Objects, E::Unread) => "these objects are not part of the analysis",
        (_, E::Unread) => "its content is not part of the analysis",
        (K::FileContent, E::Truncated) => "figures past the cut are not part of the analysis",
        (K::Objects, E::Truncated) => "the list is incomplete; objects on later pages are not part of the analysis",
        (_, E::Truncated) => "the log is kept up to where it stopped; later lines are not part of the analysis",
        (_, E::LinesUncounted) => "signals on those lines are not counted",
        (_, E::Undated) => "they cannot be placed on the timeline and are not counted",
        (_, E::PlaceSkipped) => "pods in that place are not examined",
        (K::EtcdMetrics, E::NotSeen) => "etcd's disk histograms are not seen; storage evidence rests on logs",
        (K::ApiServerMetrics, E::NotSeen) => {
            "the API server's etcd request latency histograms are not seen (logs still are)"
        }
        (K::ApiServerLogs, E::NotSeen) => "the API server's view of etcd (timeouts, etcdserver errors) is not seen",
        (K::PreviousLogs, E::NotSeen) => {
            "the run before the last restart is not visible (the kubelet keeps one previous log); earlier restarts rest on events and status"
        }
        (K::ContainerLogs, E::NotSeen) => {
            "their own lease / timeout errors are not seen; their restarts are attributed from status and events only"
        }
        (K::PodStatus, E::NotSeen) => {
            "restart counts, exit codes and termination reasons (e.g. OOMKilled) are unknown; restarts are placed from logs only"
        }
        (K::Events, E::NotSeen) => "BackOff / Unhealthy / OOMKilling history is unknown",
        (K::Nodes, E::NotSeen) => "node conditions (DiskPressure, Ready transitions) are not on the timeline",
        (_, E::NotSeen) => "not part of the analysis",
        (_, E::ChainIncomplete) => {
            "its own lease / timeout errors cannot be seen, so the chain to the crash is incomplete"
        }
        (_, E::BlocksStorageVerdict) => {
            "storage latency can be neither confirmed nor ruled out; restarts cannot be tied to etcd"
        }
        (K::PodStatus, E::LowersConfidence) => {
            "restart counts, exit codes and termination reasons (e.g. OOMKilled) are unknown; no restarted container can be examined; confidence is lowered"
        }
        (K::Events, E::LowersConfidence) => {
            "BackOff / Unhealthy / OOMKilling history is unknown; restart histories rest on pod status and logs; confidence is lowered"
        }
        (K::EtcdLogs, E::LowersConfidence) => {
            "a slow leader among the missing members would go unseen; confidence is lowered"
        }
        (K::ArchiveEntries, E::LowersConfidence) => "its content is not part of the analysis; confidence is lowered",
        (K::BundleFiles, E::LowersConfidence) => {
            "the bundle differs from what was collected, so its evidence may have been edited; confidence is lowered"
        }
        (K::Collector, E::LowersConfidence) => {
            "what it would have collected is missing; the report is built from the rest; confidence is lowered"
        }
        (_, E::LowersConfidence) => "confidence is lowered",
    }
}

/// How to get the missing evidence (empty when there is no fixed advice).
pub fn remedy(g: &Gap) -> String {
    g.remedy.as_ref().map(remedy_text).unwrap_or_default()
}

/// The advice for one remedy.
pub fn remedy_text(r: &Remedy) -> String {
    match r {
        Remedy::Grant { verb, resource } => format!("grant {verb} on {resource} (deploy/rbac.yaml)"),
        Remedy::RefreshCredentials => "the API server rejected the credentials (401): they may have expired during \
             the run; refresh the token or kubeconfig (e.g. re-run your cloud's get-credentials command) and re-run"
            .into(),
        Remedy::NotServed => {
            "the API server does not serve it (the resource or API group is absent on this cluster); nothing to grant"
                .into()
        }
        Remedy::ServerFailed { status } => format!(
            "the API server failed the request ({status}), which is common while etcd itself is in trouble: re-run \
             later, or collect on the node with `kubectl etcd-triage analyze /var/log/pods`"
        ),
        Remedy::Refused { status, then } => {
            format!("the API server refused the request ({status}); {}", remedy_text(then))
        }
        Remedy::NoAnswer => "no usable answer in time: re-run, raise --request-timeout or --deadline, or collect on \
             the node with `kubectl etcd-triage analyze /var/log/pods`"
            .into(),
        Remedy::Rerun => "re-run; if it persists raise --request-timeout or --deadline".into(),
        Remedy::RaiseDeadline => "raise --deadline / --request-timeout, or narrow --since".into(),
        Remedy::RaiseMaxContainerLogs => "raise --max-container-logs, or narrow the scope with -n".into(),
        Remedy::AnalyzeOnNode => {
            "the kubelet may be unreachable: on the node, run `kubectl etcd-triage analyze /var/log/pods`".into()
        }
        Remedy::FindEtcdLogs => "on an etcd node run `kubectl etcd-triage analyze /var/log/pods` (kubeadm) or save \
             `journalctl -u etcd` / `journalctl -u k3s` and analyze it; or point --etcd-namespace/--etcd-selector at \
             the etcd pods"
            .into(),
        Remedy::FindApiServerLogs => "point --apiserver-namespace/--apiserver-selector at the kube-apiserver pods, or \
             analyze its log files on a control-plane node"
            .into(),
        Remedy::GiveRelevantPart => "give the relevant part of the file".into(),
        Remedy::CheckPrometheusScrape => "check that Prometheus scrapes etcd's --listen-metrics-urls".into(),
        Remedy::CheckPrometheusFlags => "check --prometheus-url / --prometheus-token / --prometheus-ca".into(),
        Remedy::CheckEtcdCerts => "check --etcd-cacert / --etcd-cert / --etcd-key".into(),
        Remedy::CheckEtcdEndpoints => {
            "check --etcd-endpoints and the client certificates (on kubeadm: /etc/kubernetes/pki/etcd)".into()
        }
        Remedy::CheckArchive => "check the archive (tar -tzf) and send it again".into(),
        Remedy::RaiseMaxEntries => "raise --max-entries if the archive is trusted, or unpack the relevant part".into(),
        Remedy::RaiseMaxUnpackedBytes => {
            "raise --max-unpacked-bytes if the archive is trusted, or unpack the relevant part".into()
        }
        Remedy::SendBundleAsCollected => "send the complete bundle, as collect wrote it".into(),
        Remedy::RaiseMaxResponseBytes => {
            "lower --page-size, or raise --max-response-bytes if the API server is trusted".into()
        }
        Remedy::RaiseMaxLogBytes => "raise --max-log-bytes / --max-total-log-bytes, or narrow --since".into(),
        Remedy::Throttled => "the API server is shedding load (429/503): re-run later or with a lower --concurrency, \
             or collect on the node with `kubectl etcd-triage analyze /var/log/pods`"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [K; 14] = [
        K::EtcdLogs,
        K::EtcdMetrics,
        K::ApiServerLogs,
        K::ApiServerMetrics,
        K::ContainerLogs,
        K::PreviousLogs,
        K::PodStatus,
        K::Events,
        K::Nodes,
        K::Objects,
        K::LogLines,
        K::FileContent,
        K::ClusterInfo,
        K::Unspecified,
    ];
    const EFFECTS: [E; 11] = [
        E::None,
        E::NotCollected,
        E::Unread,
        E::Truncated,
        E::LinesUncounted,
        E::Undated,
        E::PlaceSkipped,
        E::NotSeen,
        E::ChainIncomplete,
        E::BlocksStorageVerdict,
        E::LowersConfidence,
    ];

    #[test]
    fn every_gap_has_an_impact_and_only_confidence_lowering_ones_say_so() {
        for k in KINDS {
            for e in EFFECTS {
                let s = impact_of(k, e);
                assert!(!s.is_empty(), "{k:?} {e:?}");
                assert_eq!(s.contains("confidence is lowered"), e.lowers_confidence(), "{k:?} {e:?}: {s}");
            }
        }
        assert!(impact_of(K::PreviousLogs, E::NotSeen).contains("kubelet keeps one previous log"));
        assert!(impact_of(K::EtcdLogs, E::BlocksStorageVerdict).contains("neither confirmed nor ruled out"));
    }

    #[test]
    fn remedies_carry_their_names_and_statuses() {
        assert_eq!(remedy_text(&Remedy::grant("get", "pods/log")), "grant get on pods/log (deploy/rbac.yaml)");
        assert!(remedy_text(&Remedy::ServerFailed { status: 503 }).contains("(503)"));
        let refused = remedy_text(&Remedy::Refused { status: 409, then: Box::new(Remedy::grant("list", "nodes")) });
        assert!(refused.contains("(409)") && refused.contains("grant list on nodes"), "{refused}");
        assert!(remedy_text(&Remedy::RefreshCredentials).contains("401"));
        assert!(remedy_text(&Remedy::NoAnswer).contains("--request-timeout"));
        assert!(remedy_text(&Remedy::AnalyzeOnNode).contains("/var/log/pods"));
        assert!(remedy_text(&Remedy::RaiseMaxContainerLogs).contains("--max-container-logs"));
        for r in [
            Remedy::NotServed,
            Remedy::Rerun,
            Remedy::RaiseDeadline,
            Remedy::FindEtcdLogs,
            Remedy::FindApiServerLogs,
            Remedy::GiveRelevantPart,
            Remedy::CheckPrometheusScrape,
            Remedy::CheckPrometheusFlags,
            Remedy::CheckEtcdCerts,
            Remedy::CheckEtcdEndpoints,
        ] {
            assert!(!remedy_text(&r).is_empty(), "{r:?}");
        }
    }
}
