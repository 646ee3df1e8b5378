//! Words for the report's nodes: why a node is listed and its abnormal conditions.

use crate::model::{ListedFor, NodeSummary};

/// `runs etcd member etcd-node1`, `runs restarted karmada-controller-manager`, `abnormal condition`.
pub fn listed_for(l: &ListedFor) -> String {
    match l {
        ListedFor::EtcdMember { member } => format!("runs etcd member {member}"),
        ListedFor::RestartedContainer { container } => format!("runs restarted {container}"),
        ListedFor::AbnormalCondition => "abnormal condition".into(),
    }
}

/// Every reason a node is listed, `; `-separated.
pub fn why_listed(n: &NodeSummary) -> String {
    n.why_listed.iter().map(listed_for).collect::<Vec<_>>().join("; ")
}

/// Its abnormal conditions, `, `-separated (`DiskPressure=True (KubeletHasDiskPressure), Ready=False`); empty
/// when none.
pub fn conditions(n: &NodeSummary) -> String {
    n.conditions.iter().map(super::timeline::condition).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(listed_for(&ListedFor::EtcdMember { member: "rpi-1".into() }), "runs etcd member rpi-1");
        assert_eq!(listed_for(&ListedFor::RestartedContainer { container: "kcm".into() }), "runs restarted kcm");
        assert_eq!(listed_for(&ListedFor::AbnormalCondition), "abnormal condition");
    }
}
