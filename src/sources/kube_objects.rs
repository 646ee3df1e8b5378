//! Kubernetes JSON (`kubectl get -o json` Lists, typed `PodList`/`EventList`/`NodeList` as written by
//! `kubectl cluster-info dump`, single objects) -> evidence records.
//!
//! This is the edge where k8s-openapi's `jiff` timestamps become the evidence model's `chrono` ones. Items are
//! deserialised one at a time (a streaming visitor over `items`), so a large list costs one item of memory beyond
//! the records kept. Pure apart from the reader it is given.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::events::v1 as events;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::evidence::BadItem;
use crate::evidence::inputs::{KindCount, RelativeRestart};
use crate::evidence::{
    ContainerRecord, ContainerState, EventRecord, NodeCondition, NodeInfo, NodeRecord, Origin, Termination, Timestamp,
};
use crate::evidence::{InputFormat, Note};

/// The largest list item read, in bytes of JSON. etcd refuses a write larger than `--max-request-bytes` (1.5 MiB
/// by default, raised to a few MiB at most in practice), so no object the API server stored is near this size; an
/// item over it is hostile or corrupt, and parsing it would cost many times its size in memory. It is reported as
/// a bad item, unread.
pub const MAX_OBJECT_BYTES: usize = 8 << 20;

/// Why an item over [`MAX_OBJECT_BYTES`] is not read.
pub fn oversized_object(bytes: usize) -> BadItem {
    BadItem::Oversized { bytes, cap_bytes: MAX_OBJECT_BYTES }
}

/// Records read from one JSON document.
#[derive(Debug, Default)]
pub struct KubeObjects {
    pub containers: Vec<ContainerRecord>,
    pub events: Vec<EventRecord>,
    pub nodes: Vec<NodeRecord>,
    /// Item kinds seen that the analysis does not use (`Service`, `Deployment`, ...), with counts.
    pub unused_kinds: BTreeMap<String, u64>,
    /// Items that could not be converted: (item index, reason).
    pub bad_items: Vec<(usize, BadItem)>,
    /// Number of objects read.
    pub objects: u64,
}

impl KubeObjects {
    /// What the document held, for the inventory: pods, events, nodes, and the kinds not used.
    pub fn describe(&self) -> InputFormat {
        let pods: std::collections::BTreeSet<_> = self.containers.iter().map(|c| (&c.namespace, &c.pod)).collect();
        InputFormat::KubeJson {
            pods: pods.len() as u64,
            events: self.events.len() as u64,
            nodes: self.nodes.len() as u64,
            unused_kinds: self
                .unused_kinds
                .iter()
                .map(|(kind, &count)| KindCount { kind: kind.clone(), count })
                .collect(),
        }
    }
}

/// Why a document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum KubeJsonError {
    /// Not valid JSON (serde_json reports line and column).
    #[error("not valid Kubernetes JSON: {source}")]
    Json {
        #[source]
        source: serde_json::Error,
    },
}

/// Reads one JSON document (a List, a typed list or a single object) and converts what triage uses.
pub fn read_objects<R: Read>(reader: R, source: &str) -> Result<KubeObjects, KubeJsonError> {
    let mut out = KubeObjects::default();
    let mut de = serde_json::Deserializer::from_reader(reader);
    DocSeed { out: &mut out, source }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|source| KubeJsonError::Json { source })?;
    Ok(out)
}

/// Top level: a map whose `items` we stream, or a single object.
struct DocSeed<'a> {
    out: &'a mut KubeObjects,
    source: &'a str,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes object or list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Fields of a single object are buffered (objects are small); `items` is streamed.
        let mut fields = serde_json::Map::new();
        let mut saw_items = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                saw_items = true;
                let item_kind = fields
                    .get("kind")
                    .and_then(Value::as_str)
                    .and_then(|k| k.strip_suffix("List"))
                    .filter(|k| !k.is_empty())
                    .map(str::to_string);
                map.next_value_seed(ItemsSeed { out: self.out, source: self.source, list_item_kind: item_kind })?;
            } else if saw_items {
                // `kind`/`metadata` after `items` (kubectl's order): each item names its own kind there.
                map.next_value::<serde::de::IgnoredAny>()?;
            } else {
                let v: Value = map.next_value()?;
                fields.insert(key, v);
            }
        }
        if !saw_items {
            let obj = Value::Object(fields);
            convert_item(self.out, self.source, 0, obj, None);
        }
        Ok(())
    }
}

struct ItemsSeed<'a> {
    out: &'a mut KubeObjects,
    source: &'a str,
    list_item_kind: Option<String>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Kubernetes objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        // Each item is taken raw first, so its size is known before it is parsed into a tree.
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            let len = raw.get().len();
            if len > MAX_OBJECT_BYTES {
                self.out.objects += 1;
                self.out.bad_items.push((index, oversized_object(len)));
            } else {
                match serde_json::from_str::<Value>(raw.get()) {
                    Ok(item) => convert_item(self.out, self.source, index, item, self.list_item_kind.as_deref()),
                    Err(e) => {
                        self.out.objects += 1;
                        self.out.bad_items.push((index, BadItem::NotJson { error: e.to_string() }));
                    }
                }
            }
            index += 1;
        }
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(()) // "items": null
    }
}

/// Decides an item's kind from its own `kind`, the list's, or its shape.
fn item_kind(item: &Value, list_item_kind: Option<&str>) -> Option<String> {
    if let Some(k) = item.get("kind").and_then(Value::as_str) {
        return Some(k.to_string());
    }
    if let Some(k) = list_item_kind {
        return Some(k.to_string());
    }
    if item.get("involvedObject").is_some() || item.get("regarding").is_some() {
        Some("Event".into())
    } else if item.pointer("/status/nodeInfo").is_some() {
        Some("Node".into())
    } else if item.pointer("/spec/containers").is_some() {
        Some("Pod".into())
    } else {
        None
    }
}

fn convert_item(out: &mut KubeObjects, source: &str, index: usize, item: Value, list_item_kind: Option<&str>) {
    out.objects += 1;
    let Some(kind) = item_kind(&item, list_item_kind) else {
        out.bad_items.push((index, BadItem::NoKind));
        return;
    };
    let api_version = item.get("apiVersion").and_then(Value::as_str).unwrap_or("v1").to_string();
    let name = item.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("?").to_string();
    let origin = Origin::new(format!("{source}#items[{index}]"), None);
    let result = match (kind.as_str(), api_version.as_str()) {
        ("Pod", _) => {
            serde_json::from_value::<core::Pod>(item).map(|pod| out.containers.extend(pod_records(&pod, &origin)))
        }
        ("Event", "events.k8s.io/v1") => {
            serde_json::from_value::<events::Event>(item).map(|e| out.events.extend(event_v1_record(&e, origin)))
        }
        ("Event", _) => {
            serde_json::from_value::<core::Event>(item).map(|e| out.events.extend(core_event_record(&e, origin)))
        }
        ("Node", _) => serde_json::from_value::<core::Node>(item).map(|n| out.nodes.push(node_record(&n, origin))),
        _ => {
            *out.unused_kinds.entry(kind).or_insert(0) += 1;
            Ok(())
        }
    };
    if let Err(e) = result {
        out.bad_items.push((index, BadItem::Invalid { name, error: e.to_string() }));
    }
}

/// The one place jiff becomes chrono.
pub fn to_chrono(ts: &k8s_openapi::jiff::Timestamp) -> Option<Timestamp> {
    Timestamp::from_timestamp(ts.as_second(), ts.subsec_nanosecond().max(0) as u32)
}

fn time(t: &Option<Time>) -> Option<Timestamp> {
    t.as_ref().and_then(|t| to_chrono(&t.0))
}

fn micro_time(t: &Option<MicroTime>) -> Option<Timestamp> {
    t.as_ref().and_then(|t| to_chrono(&t.0))
}

fn termination(t: &core::ContainerStateTerminated) -> Termination {
    Termination {
        exit_code: t.exit_code,
        reason: t.reason.clone(),
        message: t.message.clone(),
        started_at: time(&t.started_at),
        finished_at: time(&t.finished_at),
    }
}

fn state(s: Option<&core::ContainerState>) -> ContainerState {
    let Some(s) = s else { return ContainerState::Unknown };
    if let Some(w) = &s.waiting {
        ContainerState::Waiting { reason: w.reason.clone().unwrap_or_default(), message: w.message.clone() }
    } else if let Some(t) = &s.terminated {
        ContainerState::Terminated(termination(t))
    } else if let Some(r) = &s.running {
        ContainerState::Running { started_at: time(&r.started_at) }
    } else {
        ContainerState::Unknown
    }
}

fn pod_records(pod: &core::Pod, origin: &Origin) -> Vec<ContainerRecord> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    let name = pod.metadata.name.clone().unwrap_or_default();
    let labels: BTreeMap<String, String> = pod.metadata.labels.clone().unwrap_or_default();
    let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
    let Some(status) = &pod.status else { return Vec::new() };
    let statuses = status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten());
    statuses
        .map(|cs| ContainerRecord {
            namespace: namespace.clone(),
            pod: name.clone(),
            container: cs.name.clone(),
            node: node.clone(),
            restart_count: cs.restart_count.max(0) as u32,
            state: state(cs.state.as_ref()),
            last_termination: cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()).map(termination),
            labels: labels.clone(),
            origin: origin.clone(),
        })
        .collect()
}

fn core_event_record(e: &core::Event, origin: Origin) -> Option<EventRecord> {
    let series_last = e.series.as_ref().and_then(|s| micro_time(&s.last_observed_time));
    let first = time(&e.first_timestamp)
        .or_else(|| micro_time(&e.event_time))
        .or_else(|| time(&e.metadata.creation_timestamp))?;
    let last = series_last.or_else(|| time(&e.last_timestamp)).unwrap_or(first).max(first);
    let count = e.series.as_ref().and_then(|s| s.count).or(e.count).unwrap_or(1).max(1) as u32;
    let obj = &e.involved_object;
    Some(EventRecord {
        namespace: obj.namespace.clone().or_else(|| e.metadata.namespace.clone()).unwrap_or_default(),
        object_kind: obj.kind.clone().unwrap_or_default(),
        object_name: obj.name.clone().unwrap_or_default(),
        field_path: obj.field_path.clone(),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        event_type: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        count,
        first_at: first,
        last_at: last,
        uid: e.metadata.uid.clone(),
        origin,
    })
}

fn event_v1_record(e: &events::Event, origin: Origin) -> Option<EventRecord> {
    let first = time(&e.deprecated_first_timestamp)
        .or_else(|| micro_time(&e.event_time))
        .or_else(|| time(&e.metadata.creation_timestamp))?;
    let series_last = e.series.as_ref().and_then(|s| to_chrono(&s.last_observed_time.0));
    let last = series_last.or_else(|| time(&e.deprecated_last_timestamp)).unwrap_or(first).max(first);
    let count = e.series.as_ref().map(|s| s.count).or(e.deprecated_count).unwrap_or(1).max(1) as u32;
    let obj = e.regarding.as_ref();
    Some(EventRecord {
        namespace: obj.and_then(|o| o.namespace.clone()).or_else(|| e.metadata.namespace.clone()).unwrap_or_default(),
        object_kind: obj.and_then(|o| o.kind.clone()).unwrap_or_default(),
        object_name: obj.and_then(|o| o.name.clone()).unwrap_or_default(),
        field_path: obj.and_then(|o| o.field_path.clone()),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.note.clone().unwrap_or_default(),
        event_type: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        count,
        first_at: first,
        last_at: last,
        uid: e.metadata.uid.clone(),
        origin,
    })
}

fn node_record(n: &core::Node, origin: Origin) -> NodeRecord {
    let status = n.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| NodeCondition {
                    condition_type: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    last_transition: time(&c.last_transition_time),
                })
                .collect()
        })
        .unwrap_or_default();
    let info = status.and_then(|s| s.node_info.as_ref());
    NodeRecord {
        name: n.metadata.name.clone().unwrap_or_default(),
        conditions,
        info: NodeInfo {
            kernel_version: info.map(|i| i.kernel_version.clone()),
            container_runtime: info.map(|i| i.container_runtime_version.clone()),
            kubelet_version: info.map(|i| i.kubelet_version.clone()),
            architecture: info.map(|i| i.architecture.clone()),
            os_image: info.map(|i| i.os_image.clone()),
        },
        addresses: status
            .and_then(|s| s.addresses.as_ref())
            .map(|a| a.iter().map(|a| a.address.clone()).collect())
            .unwrap_or_default(),
        labels: n.metadata.labels.clone().unwrap_or_default(),
        origin,
    }
}

/// Cheap check on a file's first bytes: does it look like a Kubernetes JSON document?
pub fn looks_like_kube_json(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') && (t.contains("\"apiVersion\"") || t.contains("\"kind\"")) && !t.starts_with("{\"level\"")
}

/// Container records from kubectl text output (`describe pod`, `get pods`), with the precision the text has.
/// Returns the records and notes on what could not be placed (relative ages without an anchor).
pub fn kubectl_text_records(
    text: &crate::parse::kubectl::KubectlText,
    source: &str,
) -> (Vec<ContainerRecord>, Vec<Note>) {
    use crate::parse::kubectl::StateText;
    let mut notes = Vec::new();
    let termination = |s: &StateText| -> Option<Termination> {
        Some(Termination {
            exit_code: s.exit_code?,
            reason: s.reason.clone(),
            message: s.message.clone(),
            started_at: s.started,
            finished_at: s.finished,
        })
    };
    let mut out = Vec::new();
    let mut unnamed = false;
    let mut ago = Vec::new();
    for c in &text.containers {
        let pod = c.pod.clone().or(c.container.clone()).unwrap_or_default();
        unnamed |= c.pod.is_none();
        let container = c.container.clone().unwrap_or_else(|| pod.clone());
        let state = match c.state.as_deref() {
            Some("Running") => ContainerState::Running { started_at: c.state_detail.started },
            Some("Waiting") => ContainerState::Waiting {
                reason: c.state_detail.reason.clone().unwrap_or_else(|| "Waiting".into()),
                message: c.state_detail.message.clone(),
            },
            Some("Terminated") => {
                termination(&c.state_detail).map_or(ContainerState::Unknown, ContainerState::Terminated)
            }
            // `get pods` STATUS: waiting reasons are exact; terminated ones carry no exit code in a table.
            Some(
                r @ ("CrashLoopBackOff"
                | "ImagePullBackOff"
                | "ErrImagePull"
                | "CreateContainerConfigError"
                | "ContainerCreating"
                | "PodInitializing"
                | "RunContainerError"),
            ) => ContainerState::Waiting { reason: r.to_string(), message: None },
            _ => ContainerState::Unknown,
        };
        if let Some(a) = &c.last_restart_ago {
            ago.push(RelativeRestart { pod: pod.clone(), ago: a.clone() });
        }
        out.push(ContainerRecord {
            namespace: c.namespace.clone().unwrap_or_default(),
            pod,
            container,
            node: c.node.clone(),
            restart_count: c.restart_count.unwrap_or(0),
            state,
            last_termination: c.last_state.as_ref().and_then(termination),
            labels: c.labels.iter().cloned().collect(),
            origin: Origin::new(source, Some(c.line)),
        });
    }
    if unnamed {
        notes.push(Note::NoPodName { file: source.to_string() });
    }
    if !ago.is_empty() {
        ago.truncate(5);
        notes.push(Note::RelativeRestarts { file: source.to_string(), restarts: ago });
    }
    if !text.events.is_empty() {
        let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
        for e in &text.events {
            *reasons.entry(e.reason.as_str()).or_default() += u64::from(e.count);
        }
        notes.push(Note::RelativeEvents {
            file: source.to_string(),
            rows: text.events.len() as u64,
            reasons: reasons.into_iter().map(|(kind, count)| KindCount { kind: kind.to_string(), count }).collect(),
            first_age: text.events[0].age.clone(),
        });
    }
    (out, notes)
}

/// The annotation `kubectl apply` keeps the whole applied object in, env values and Secret data included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Redacts the secrets a Kubernetes JSON document holds as structure rather than as text the line redactor sees:
/// every `env[].value` (the name is kept: `DB_PASSWORD` stays, its value becomes `[REDACTED]`) in any container
/// list of any object, and the [`LAST_APPLIED`] annotation. Returns the rewritten document, or `None` when there
/// was nothing to redact (or it is not JSON; the line redactor still runs over it).
pub fn redact_structured_secrets(bytes: &[u8]) -> Option<Vec<u8>> {
    let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    if !has(b"\"env\"") && !has(LAST_APPLIED.as_bytes()) {
        return None;
    }
    let mut doc: Value = serde_json::from_slice(bytes).ok()?;
    if !redact_value(&mut doc) {
        return None;
    }
    let mut out = serde_json::to_vec(&doc).ok()?;
    if bytes.ends_with(b"\n") {
        out.push(b'\n');
    }
    Some(out)
}

/// Walks `v`; true when something was replaced.
fn redact_value(v: &mut Value) -> bool {
    const REDACTED: &str = crate::redact::REDACTED;
    let mut changed = false;
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(env)) = map.get_mut("env") {
                for var in env.iter_mut() {
                    if let Some(Value::String(value)) = var.get_mut("value")
                        && !value.is_empty()
                        && value != REDACTED
                    {
                        *value = REDACTED.to_string();
                        changed = true;
                    }
                }
            }
            if let Some(Value::Object(annotations)) = map.get_mut("annotations")
                && let Some(Value::String(value)) = annotations.get_mut(LAST_APPLIED)
                && value != REDACTED
            {
                *value = REDACTED.to_string();
                changed = true;
            }
            for child in map.values_mut() {
                changed |= redact_value(child);
            }
        }
        Value::Array(items) => {
            for child in items {
                changed |= redact_value(child);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerStateWaiting, ContainerStatus, ObjectReference, PodStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::jiff;

    fn ts(s: &str) -> Time {
        Time(s.parse::<jiff::Timestamp>().expect("valid test timestamp"))
    }

    fn crashing_pod() -> core::Pod {
        core::Pod {
            metadata: ObjectMeta {
                name: Some("karmada-controller-manager-7d9f".into()),
                namespace: Some("karmada-system".into()),
                labels: Some(BTreeMap::from([("app".into(), "karmada-controller-manager".into())])),
                ..Default::default()
            },
            spec: Some(core::PodSpec { node_name: Some("nuc".into()), ..Default::default() }),
            status: Some(PodStatus {
                container_statuses: Some(vec![ContainerStatus {
                    name: "manager".into(),
                    restart_count: 7,
                    state: Some(core::ContainerState {
                        waiting: Some(ContainerStateWaiting {
                            reason: Some("CrashLoopBackOff".into()),
                            message: Some("back-off 2m40s restarting failed container=manager".into()),
                        }),
                        ..Default::default()
                    }),
                    last_state: Some(core::ContainerState {
                        terminated: Some(core::ContainerStateTerminated {
                            exit_code: 1,
                            reason: Some("Error".into()),
                            started_at: Some(ts("2026-11-25T14:00:00Z")),
                            finished_at: Some(ts("2026-11-25T14:06:30Z")),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        }
    }

    fn kubectl_list(items: Vec<Value>) -> String {
        serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
            .to_string()
    }

    #[test]
    fn reads_pod_status_from_kubectl_list() {
        let text = kubectl_list(vec![serde_json::to_value(crashing_pod()).unwrap()]);
        let objs = read_objects(text.as_bytes(), "pods.json").unwrap();
        assert_eq!(objs.containers.len(), 1);
        let c = &objs.containers[0];
        assert_eq!(
            (c.namespace.as_str(), c.pod.as_str(), c.container.as_str()),
            ("karmada-system", "karmada-controller-manager-7d9f", "manager")
        );
        assert_eq!(c.restart_count, 7);
        assert_eq!(c.node.as_deref(), Some("nuc"));
        assert!(matches!(&c.state, ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff"));
        let t = c.last_termination.as_ref().unwrap();
        assert_eq!(t.exit_code, 1);
        assert_eq!(t.finished_at.unwrap().to_rfc3339(), "2026-11-25T14:06:30+00:00");
        assert_eq!(&*c.origin.source, "pods.json#items[0]");
    }

    #[test]
    fn reads_typed_list_whose_items_have_no_kind() {
        let mut pod = serde_json::to_value(crashing_pod()).unwrap();
        pod.as_object_mut().unwrap().remove("kind");
        let text =
            serde_json::json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [pod]}).to_string();
        let objs = read_objects(text.as_bytes(), "karmada-system/pods.json").unwrap();
        assert_eq!(objs.containers.len(), 1);
    }

    #[test]
    fn reads_core_and_events_v1_events() {
        let core_event = core::Event {
            metadata: ObjectMeta {
                name: Some("x.1".into()),
                namespace: Some("karmada-system".into()),
                ..Default::default()
            },
            involved_object: ObjectReference {
                kind: Some("Pod".into()),
                name: Some("karmada-controller-manager-7d9f".into()),
                namespace: Some("karmada-system".into()),
                field_path: Some("spec.containers{manager}".into()),
                ..Default::default()
            },
            reason: Some("BackOff".into()),
            message: Some("Back-off restarting failed container manager in pod karmada-controller-manager-7d9f".into()),
            type_: Some("Warning".into()),
            count: Some(41),
            first_timestamp: Some(ts("2026-11-25T13:00:00Z")),
            last_timestamp: Some(ts("2026-11-25T14:10:00Z")),
            ..Default::default()
        };
        let v1_event = events::Event {
            metadata: ObjectMeta {
                name: Some("y.2".into()),
                namespace: Some("kube-system".into()),
                ..Default::default()
            },
            event_time: Some(MicroTime("2026-11-25T14:01:00.123456Z".parse().unwrap())),
            regarding: Some(ObjectReference {
                kind: Some("Pod".into()),
                name: Some("etcd-nuc".into()),
                ..Default::default()
            }),
            reason: Some("Unhealthy".into()),
            note: Some("Liveness probe failed".into()),
            type_: Some("Warning".into()),
            ..Default::default()
        };
        let text =
            kubectl_list(vec![serde_json::to_value(core_event).unwrap(), serde_json::to_value(v1_event).unwrap()]);
        let objs = read_objects(text.as_bytes(), "events.json").unwrap();
        assert_eq!(objs.events.len(), 2);
        let e = &objs.events[0];
        assert_eq!((e.count, e.container()), (41, Some("manager")));
        assert!(e.last_at > e.first_at);
        let e2 = &objs.events[1];
        assert_eq!(e2.reason, "Unhealthy");
        assert_eq!(e2.namespace, "kube-system");
        assert_eq!(e2.first_at.timestamp_subsec_micros(), 123456);
    }

    #[test]
    fn an_item_over_the_object_cap_is_a_bad_item_and_the_rest_is_read() {
        let mut huge = serde_json::to_value(crashing_pod()).unwrap();
        huge["metadata"]["name"] = "huge".into();
        huge["metadata"]["annotations"] = serde_json::json!({"x": "a".repeat(MAX_OBJECT_BYTES)});
        let text = kubectl_list(vec![huge, serde_json::to_value(crashing_pod()).unwrap()]);
        let objs = read_objects(text.as_bytes(), "pods.json").unwrap();
        assert_eq!(objs.objects, 2);
        assert_eq!(objs.bad_items.len(), 1, "{:?}", objs.bad_items);
        let (index, why) = &objs.bad_items[0];
        assert_eq!(*index, 0);
        assert!(matches!(why, BadItem::Oversized { bytes, cap_bytes } if bytes > cap_bytes), "{why:?}");
        assert!(!objs.containers.is_empty() && objs.containers.iter().all(|c| c.pod != "huge"));
    }

    #[test]
    fn unused_kinds_are_counted_and_bad_items_reported() {
        let text = kubectl_list(vec![
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}),
            serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "broken"}, "status": {"containerStatuses": "nope"}}),
        ]);
        let objs = read_objects(text.as_bytes(), "x.json").unwrap();
        assert_eq!(objs.unused_kinds.get("Service"), Some(&1));
        assert_eq!(objs.bad_items.len(), 1);
        assert!(
            matches!(&objs.bad_items[0].1, BadItem::Invalid { name, .. } if name == "broken"),
            "{:?}",
            objs.bad_items
        );
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let err = read_objects("{\"kind\": \"List\",\n \"items\": [ {,] }".as_bytes(), "x.json").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn env_values_and_last_applied_are_redacted_names_kept() {
        let pod = serde_json::json!({"kind":"PodList","items":[{"kind":"Pod","metadata":{"name":"db","annotations":{
            LAST_APPLIED: "{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"}]}]}}",
            "team": "storage"}},
            "spec":{"containers":[{"name":"db","env":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"FROM_SECRET",
            "valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}],
            "initContainers":[{"name":"init","env":[{"name":"MODE","value":"fast"}]}]}}]});
        let bytes = format!("{pod}\n");
        let out = redact_structured_secrets(bytes.as_bytes()).expect("something to redact");
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("fast"), "{text}");
        assert!(text.contains("DB_PASSWORD") && text.contains("secretKeyRef") && text.contains("storage"));
        assert!(text.ends_with('\n'));
        let again: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(again["items"][0]["metadata"]["annotations"][LAST_APPLIED], "[REDACTED]");
        assert_eq!(redact_structured_secrets(text.as_bytes()), None, "idempotent");
        assert_eq!(redact_structured_secrets(br#"{"kind":"PodList","items":[]}"#), None);
    }
}
