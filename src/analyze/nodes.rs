//! The nodes that matter to the verdict: those running a restarted container or an etcd member, and those with
//! an abnormal condition (DiskPressure, MemoryPressure, PIDPressure, NetworkUnavailable, or not Ready). A
//! 500-node cluster is listed by these, not in full.
//!
//! Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::evidence::NodeCondition;
use crate::evidence::{ContainerRecord, MetricSeries, NodeRecord, Subject, Timestamp};
use crate::model::{ContainerHistory, ListedFor, MemberSignals, NodeConditionState, NodeDiskLatency, NodeSummary};

/// At most this many nodes are listed; the report says how many more matched.
pub const MAX_NODES: usize = 20;

/// Whether a condition is abnormal: `Ready` must be `True`, every other (pressure) condition `False`.
pub fn abnormal(condition_type: &str, status: &str) -> bool {
    if condition_type == "Ready" { status != "True" } else { status == "True" }
}

/// A condition as the report keeps it.
pub fn condition_state(c: &NodeCondition) -> NodeConditionState {
    NodeConditionState { condition: c.condition_type.clone(), status: c.status.clone(), reason: c.reason.clone() }
}

/// Summaries of the relevant nodes, those with the most reasons to be listed first, at most [`MAX_NODES`];
/// the second value counts the relevant nodes left out.
pub fn summaries(
    nodes: &[NodeRecord],
    pods: &[ContainerRecord],
    containers: &[ContainerHistory],
    members: &[MemberSignals],
    series: &[MetricSeries],
    window: (Option<Timestamp>, Option<Timestamp>),
) -> (Vec<NodeSummary>, usize) {
    let mut why: BTreeMap<&str, BTreeSet<ListedFor>> = BTreeMap::new();
    for c in containers {
        if let Some(node) = &c.node {
            why.entry(node).or_default().insert(ListedFor::RestartedContainer { container: c.container.clone() });
        }
    }
    // kubeadm names the etcd pod `etcd-<node>` and the member `<node>`; the lab and many bundles name the member
    // after its pod. Either way the pod's record says where it runs.
    for m in members {
        for p in pods.iter().filter(|p| p.pod == m.member || p.pod == format!("etcd-{}", m.member)) {
            if let Some(node) = &p.node {
                why.entry(node).or_default().insert(ListedFor::EtcdMember { member: m.member.clone() });
            }
        }
    }
    let mut out: Vec<NodeSummary> = Vec::new();
    let mut seen = BTreeSet::new();
    for n in nodes {
        if !seen.insert(n.name.as_str()) {
            continue;
        }
        let conditions: Vec<NodeConditionState> =
            n.conditions.iter().filter(|c| abnormal(&c.condition_type, &c.status)).map(condition_state).collect();
        let mut reasons: Vec<ListedFor> =
            why.get(n.name.as_str()).map(|s| s.iter().cloned().collect()).unwrap_or_default();
        if !conditions.is_empty() {
            reasons.push(ListedFor::AbnormalCondition);
        }
        if reasons.is_empty() {
            continue;
        }
        let roles: Vec<String> = n
            .labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        out.push(NodeSummary {
            name: n.name.clone(),
            roles,
            why_listed: reasons,
            conditions,
            info: n.info.clone(),
            disk_write_latency: slowest_device(n, series, window),
            origin: n.origin.clone(),
        });
    }
    out.sort_by(|a, b| b.why_listed.len().cmp(&a.why_listed.len()).then(a.name.cmp(&b.name)));
    let omitted = out.len().saturating_sub(MAX_NODES);
    out.truncate(MAX_NODES);
    (out, omitted)
}

/// The host part of a scrape target: `10.0.0.7:9100` -> `10.0.0.7`, `[fd00::7]:9100` -> `fd00::7`.
fn target_host(instance: &str) -> &str {
    if let Some(rest) = instance.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match instance.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !host.contains(':') => host,
        _ => instance,
    }
}

/// node-exporter series whose scrape target is this node (by name or by one of its addresses), within the window:
/// the device with the highest mean write latency.
fn slowest_device(
    node: &NodeRecord,
    series: &[MetricSeries],
    (from, to): (Option<Timestamp>, Option<Timestamp>),
) -> Option<NodeDiskLatency> {
    let is_this_node = |instance: &str| {
        let host = target_host(instance);
        host == node.name || node.addresses.iter().any(|a| a == host)
    };
    series
        .iter()
        .filter(|m| m.quantile.is_none() && matches!(&m.subject, Subject::Node { name } if is_this_node(name)))
        .flat_map(|m| m.points.iter().map(move |(t, v)| (m, *t, *v)))
        .filter(|(_, t, _)| from.is_none_or(|f| *t >= f) && to.is_none_or(|e| *t <= e))
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|(m, at, max_ms)| NodeDiskLatency { metric: m.metric.clone(), max_ms, at, origin: m.origin.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{ContainerState, NodeCondition, NodeInfo, Origin};

    fn node(name: &str, conditions: &[(&str, &str)]) -> NodeRecord {
        NodeRecord {
            name: name.into(),
            conditions: conditions
                .iter()
                .map(|(t, s)| NodeCondition {
                    condition_type: (*t).into(),
                    status: (*s).into(),
                    reason: None,
                    last_transition: None,
                })
                .collect(),
            info: NodeInfo {
                kernel_version: Some("6.1.0-rpi7-rpi-v8".into()),
                container_runtime: Some("containerd://1.7.24".into()),
                kubelet_version: Some("v1.33.1".into()),
                architecture: Some("arm64".into()),
                os_image: None,
            },
            addresses: vec!["10.0.0.7".into()],
            labels: [("node-role.kubernetes.io/control-plane".to_string(), String::new())].into(),
            origin: Origin::new("nodes.json", None),
        }
    }

    fn pod(name: &str, node: &str) -> ContainerRecord {
        ContainerRecord {
            namespace: "kube-system".into(),
            pod: name.into(),
            container: "etcd".into(),
            node: Some(node.into()),
            restart_count: 0,
            state: ContainerState::Running { started_at: None },
            last_termination: None,
            labels: Default::default(),
            origin: Origin::new("pods.json", None),
        }
    }

    #[test]
    fn lists_the_nodes_of_etcd_members_and_abnormal_ones_only() {
        let nodes = vec![
            node("rpi-1", &[("Ready", "True"), ("DiskPressure", "False")]),
            node("rpi-2", &[("Ready", "True"), ("DiskPressure", "True")]),
            node("quiet", &[("Ready", "True")]),
        ];
        let member = MemberSignals { member: "rpi-1".into(), ..MemberSignals::default() };
        let series = vec![MetricSeries {
            subject: Subject::Node { name: "10.0.0.7:9100".into() },
            metric: "node disk write latency (mmcblk0)".into(),
            quantile: None,
            origin: Origin::new("prometheus", None),
            points: vec![(t(0), 4.0), (t(60), 180.0), (t(120), 9.0)],
        }];
        let window = (None, Some(t(90)));
        let (list, omitted) = summaries(&nodes, &[pod("etcd-rpi-1", "rpi-1")], &[], &[member], &series, window);
        assert_eq!(omitted, 0);
        let names: Vec<&str> = list.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["rpi-1", "rpi-2"], "the quiet node is left out");
        assert_eq!(list[0].why_listed, vec![ListedFor::EtcdMember { member: "rpi-1".into() }]);
        assert_eq!(list[0].roles, vec!["control-plane".to_string()]);
        assert_eq!(list[0].info.architecture.as_deref(), Some("arm64"));
        assert_eq!(list[1].why_listed, vec![ListedFor::AbnormalCondition]);
        let c = &list[1].conditions;
        assert_eq!((c.len(), c[0].condition.as_str(), c[0].status.as_str()), (1, "DiskPressure", "True"));
        // node-exporter at 10.0.0.7:9100 is every node here (all have that address in this test): the slowest
        // write latency inside the window.
        let disk = list[0].disk_write_latency.as_ref().expect("mapped by address");
        assert_eq!((disk.max_ms, disk.metric.as_str()), (180.0, "node disk write latency (mmcblk0)"));
        assert_eq!(target_host("[fd00::7]:9100"), "fd00::7");
        assert_eq!(target_host("rpi-1:9100"), "rpi-1");
        assert_eq!(target_host("fd00::7"), "fd00::7");
    }

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_timestamp(1_790_000_000 + secs, 0).expect("valid test time")
    }

    #[test]
    fn a_large_cluster_is_capped() {
        let nodes: Vec<NodeRecord> = (0..30).map(|i| node(&format!("n{i:02}"), &[("Ready", "False")])).collect();
        let (list, omitted) = summaries(&nodes, &[], &[], &[], &[], (None, None));
        assert_eq!((list.len(), omitted), (MAX_NODES, 10));
    }
}
