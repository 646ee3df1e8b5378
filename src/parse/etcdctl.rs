//! `etcdctl ... -w json` output (`member list`, `endpoint status`, `endpoint health`, `alarm list`), as OpenShift's
//! must-gather keeps it in `etcd_info/*.json` (openshift/must-gather `collection-scripts/gather_etcd`).
//!
//! Pure; no I/O. Shapes are those etcdctl 3.4/3.5 prints (`tests/formats/etcdctl-3.4.23` holds real output):
//! protobuf field names, ids as JSON numbers (uint64), alarm types as numbers (`1` = NOSPACE, `2` = CORRUPT).

use serde::Deserialize;

use super::duration::go_duration_ms;
use crate::evidence::{EtcdAlarm, EtcdEndpointHealth, EtcdEndpointStatus, MemberId, Origin};

/// Which etcdctl answer a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtcdctlKind {
    MemberList,
    EndpointStatus,
    EndpointHealth,
    AlarmList,
}

/// Recognises an etcdctl JSON answer from its start (`{}` is an empty alarm list only when `named_alarm` says the
/// file is one: etcdctl prints nothing else for no alarms).
pub fn kind_of(head: &str, named_alarm: bool) -> Option<EtcdctlKind> {
    let t: String = head.trim_start().chars().take(512).filter(|c| !c.is_whitespace()).collect();
    if t.starts_with("[{\"Endpoint\":") && t.contains("\"Status\"") {
        Some(EtcdctlKind::EndpointStatus)
    } else if t.starts_with("[{\"endpoint\":") && t.contains("\"health\"") {
        Some(EtcdctlKind::EndpointHealth)
    } else if t.starts_with('{') && t.contains("\"members\":[") && t.contains("\"ID\"") {
        Some(EtcdctlKind::MemberList)
    } else if t.starts_with("{\"alarms\":")
        || (t.starts_with("{\"header\":") && t.contains("\"alarms\":"))
        || (named_alarm && (t == "{}" || t.starts_with("{\"header\":")))
    {
        Some(EtcdctlKind::AlarmList)
    } else {
        None
    }
}

/// must-gather's `etcd_info/etcd_object_count`: `etcdctl get / --prefix --keys-only | cut -d/ -f3 | sort |
/// uniq -c | sort -rn`, i.e. `  <count> <resource>` lines, largest first. `None` unless every line has that shape.
pub fn object_counts(text: &str) -> Option<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (n, what) = l.split_once(' ')?;
        let what = what.trim();
        if what.contains(' ') || what.is_empty() {
            return None;
        }
        out.push((what.to_string(), n.parse().ok()?));
    }
    (out.len() >= 2).then_some(out)
}

/// What one document held.
#[derive(Debug, Default)]
pub struct EtcdctlRecords {
    pub members: Vec<MemberId>,
    pub status: Vec<EtcdEndpointStatus>,
    pub health: Vec<EtcdEndpointHealth>,
    pub alarms: Vec<EtcdAlarm>,
}

#[derive(Deserialize)]
struct MemberList {
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Member {
    #[serde(rename = "ID")]
    id: u64,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct StatusRow {
    #[serde(rename = "Endpoint")]
    endpoint: String,
    #[serde(rename = "Status")]
    status: Status,
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    member_id: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    header: Header,
    #[serde(default)]
    version: String,
    #[serde(default)]
    db_size: u64,
    #[serde(default)]
    leader: u64,
    #[serde(default)]
    raft_index: u64,
    #[serde(default)]
    raft_term: u64,
    #[serde(default)]
    raft_applied_index: Option<u64>,
    #[serde(default)]
    db_size_in_use: Option<u64>,
    #[serde(default)]
    db_size_quota: Option<u64>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct HealthRow {
    endpoint: String,
    health: bool,
    #[serde(default)]
    took: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct AlarmList {
    #[serde(default)]
    alarms: Vec<Alarm>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alarm {
    #[serde(rename = "memberID")]
    member_id: u64,
    alarm: serde_json::Value,
}

fn alarm_name(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(1) => "NOSPACE".into(),
            Some(2) => "CORRUPT".into(),
            Some(0) => "NONE".into(),
            _ => n.to_string(),
        },
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads one etcdctl JSON document of `kind`; `Err` names what is wrong with it.
pub fn read(kind: EtcdctlKind, text: &str, source: &str) -> Result<EtcdctlRecords, serde_json::Error> {
    let origin = Origin::new(source, None);
    let mut out = EtcdctlRecords::default();
    match kind {
        EtcdctlKind::MemberList => {
            let list: MemberList = serde_json::from_str(text)?;
            out.members = list
                .members
                .into_iter()
                .filter(|m| !m.name.is_empty())
                .map(|m| MemberId { name: m.name, id: format!("{:x}", m.id) })
                .collect();
        }
        EtcdctlKind::EndpointStatus => {
            let rows: Vec<StatusRow> = serde_json::from_str(text)?;
            out.status = rows
                .into_iter()
                .map(|r| EtcdEndpointStatus {
                    endpoint: r.endpoint,
                    member_id: format!("{:x}", r.status.header.member_id),
                    leader_id: format!("{:x}", r.status.leader),
                    version: r.status.version,
                    db_size_bytes: r.status.db_size,
                    db_size_in_use_bytes: r.status.db_size_in_use,
                    db_size_quota_bytes: r.status.db_size_quota,
                    raft_term: r.status.raft_term,
                    raft_index: r.status.raft_index,
                    raft_applied_index: r.status.raft_applied_index,
                    errors: r.status.errors,
                    origin: origin.clone(),
                })
                .collect();
        }
        EtcdctlKind::EndpointHealth => {
            let rows: Vec<HealthRow> = serde_json::from_str(text)?;
            out.health = rows
                .into_iter()
                .map(|r| EtcdEndpointHealth {
                    endpoint: r.endpoint,
                    healthy: r.health,
                    took_ms: r.took.as_deref().and_then(go_duration_ms),
                    error: r.error.filter(|e| !e.is_empty()),
                    origin: origin.clone(),
                })
                .collect();
        }
        EtcdctlKind::AlarmList => {
            let list: AlarmList = serde_json::from_str(text)?;
            out.alarms = list
                .alarms
                .into_iter()
                .map(|a| EtcdAlarm {
                    member_id: format!("{:x}", a.member_id),
                    alarm: alarm_name(&a.alarm),
                    origin: origin.clone(),
                })
                .collect();
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Real etcdctl 3.4.23 output against a real etcd 3.4.23 (tests/formats/etcdctl-3.4.23/README.md).
    use super::*;

    fn real(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/etcdctl-3.4.23").join(name);
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn member_list_names_members_with_hex_ids() {
        let text = real("member_list.json");
        assert_eq!(kind_of(&text, false), Some(EtcdctlKind::MemberList));
        let r = read(EtcdctlKind::MemberList, &text, "member_list.json").unwrap();
        assert_eq!(r.members, vec![MemberId { name: "m1".into(), id: "bdae9bbc11dd390d".into() }]);
    }

    #[test]
    fn endpoint_status_gives_leader_sizes_and_alarm_errors() {
        let text = real("endpoint_status_nospace.json");
        assert_eq!(kind_of(&text, false), Some(EtcdctlKind::EndpointStatus));
        let r = read(EtcdctlKind::EndpointStatus, &text, "s").unwrap();
        let s = &r.status[0];
        assert_eq!((s.member_id.as_str(), s.is_leader(), s.version.as_str()), ("bdae9bbc11dd390d", true, "3.4.23"));
        assert_eq!((s.db_size_bytes, s.db_size_in_use_bytes, s.db_size_quota_bytes), (1241088, Some(835584), None));
        assert_eq!(s.raft_term, 4);
        assert!(s.errors[0].contains("alarm:NOSPACE"), "{:?}", s.errors);
        let ok = read(EtcdctlKind::EndpointStatus, &real("endpoint_status.json"), "s").unwrap();
        assert!(ok.status[0].errors.is_empty());
    }

    #[test]
    fn alarm_list_reads_numeric_alarm_types_and_empty_answers() {
        let text = real("alarm_list_nospace.json");
        assert_eq!(kind_of(&text, false), Some(EtcdctlKind::AlarmList));
        let r = read(EtcdctlKind::AlarmList, &text, "a").unwrap();
        assert_eq!((r.alarms[0].member_id.as_str(), r.alarms[0].alarm.as_str()), ("bdae9bbc11dd390d", "NOSPACE"));
        let empty = real("alarm_list.json");
        assert_eq!(kind_of(&empty, false), None, "a bare {{}} is only an alarm list by its name");
        assert_eq!(kind_of(&empty, true), Some(EtcdctlKind::AlarmList));
        assert!(read(EtcdctlKind::AlarmList, &empty, "a").unwrap().alarms.is_empty());
    }

    #[test]
    fn object_counts_of_the_must_gather_pipeline() {
        // Real: gather_etcd's pipeline run here on a real etcd 3.4.23 holding 16 keys (README.md).
        let c = object_counts(&real("etcd_object_count")).unwrap();
        assert_eq!(c, vec![("events".to_string(), 12), ("pods".to_string(), 3), ("leases".to_string(), 1)]);
        assert_eq!(object_counts("Jan 25 05:42:29 dev-ln01 k3s[2189071]: x\n  1 y\n"), None);
    }

    #[test]
    fn endpoint_health_reads_took() {
        let text = real("endpoint_health.json");
        assert_eq!(kind_of(&text, false), Some(EtcdctlKind::EndpointHealth));
        let r = read(EtcdctlKind::EndpointHealth, &text, "h").unwrap();
        assert!(r.health[0].healthy);
        assert!((r.health[0].took_ms.unwrap() - 1.677075).abs() < 1e-9);
    }
}
