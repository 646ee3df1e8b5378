//! lab-objects: turns the etcd-triage lab kubelet's run records (`records.jsonl`, written by
//! `lab/lab.py`) into real Kubernetes JSON, built from k8s-openapi types and serialised with
//! serde_json, the way kubectl prints it.
//!
//! ```text
//! lab-objects --records OUT/records.jsonl --out OUT [--dump DIR] [--var-log-pods DIR]
//! ```
//!
//! * `--out`: `pods.json`, `events.json`, `nodes.json` as `kubectl get pods|events|nodes -A -o json`
//!   prints them (a `List` wrapper, keys sorted, four-space indent).
//! * `--dump`: the layout of `kubectl cluster-info dump --all-namespaces --output-directory=DIR`
//!   (`nodes.json`, `<ns>/{events,pods,...}.json` as typed lists, `<ns>/<pod>/logs.txt` with the
//!   current container's log, raw, between kubectl's START/END banners).
//!
//! The objects describe the lab's state at the `snapshot` record (the end of the scenario).
//! Nothing here invents an incident: every container run, exit code, reason and back-off comes
//! from a record the lab kubelet wrote while the processes really ran.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStatus, ReplicaSet, ReplicaSetSpec, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Event, EventSource, Node, NodeAddress, NodeCondition, NodeStatus, NodeSystemInfo, ObjectReference, Pod,
    PodCondition, PodIP, PodSpec, PodStatus, PodTemplateSpec, ReplicationController, ResourceRequirements, Service,
    Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ListMeta, MicroTime, ObjectMeta, OwnerReference, Time,
};
use k8s_openapi::jiff::Timestamp;
use k8s_openapi::List;
use serde::Serialize;
use serde_json::{json, Value};

type Res<T> = Result<T, String>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lab-objects: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Args {
    records: PathBuf,
    out: Option<PathBuf>,
    dump: Option<PathBuf>,
    var_log_pods: Option<PathBuf>,
}

fn parse_args() -> Res<Args> {
    let mut a = Args { records: PathBuf::new(), out: None, dump: None, var_log_pods: None };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--records" => a.records = PathBuf::from(val("--records")?),
            "--out" => a.out = Some(PathBuf::from(val("--out")?)),
            "--dump" => a.dump = Some(PathBuf::from(val("--dump")?)),
            "--var-log-pods" => a.var_log_pods = Some(PathBuf::from(val("--var-log-pods")?)),
            "-h" | "--help" => {
                println!("lab-objects --records FILE [--out DIR] [--dump DIR] [--var-log-pods DIR]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.records.as_os_str().is_empty() {
        return Err("--records FILE is required".into());
    }
    if a.out.is_none() && a.dump.is_none() {
        return Err("give --out DIR and/or --dump DIR".into());
    }
    Ok(a)
}

// ------------------------------------------------------------------------------------------------
// records
// ------------------------------------------------------------------------------------------------

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn ts(v: &Value, k: &str) -> Res<Timestamp> {
    let raw = v.get(k).and_then(Value::as_str).ok_or_else(|| format!("record without {k}: {v}"))?;
    raw.parse::<Timestamp>().map_err(|e| format!("bad timestamp {raw:?}: {e}"))
}

#[derive(Clone)]
struct Exit {
    code: i32,
    reason: String,
    started: Timestamp,
    finished: Timestamp,
}

#[derive(Clone)]
struct Run {
    restart_count: i32,
    container_id: String,
    started: Timestamp,
    exit: Option<Exit>,
}

struct Backoff {
    at: Timestamp,
    message: String,
    event_message: String,
}

struct PodRec {
    ns: String,
    name: String,
    uid: String,
    node: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    owner: Option<(String, String)>,
    containers: Vec<Value>,
    is_static: bool,
    host_network: bool,
    created: Timestamp,
    runs: BTreeMap<String, Vec<Run>>,
    backoffs: BTreeMap<String, Vec<Backoff>>,
}

struct NodeRec {
    name: String,
    hardware: String,
}

struct KernelOom {
    at: Timestamp,
    node: String,
    lines: Vec<String>,
}

struct Lab {
    run: Value,
    started: Timestamp,
    snapshot: Timestamp,
    nodes: Vec<NodeRec>,
    pods: Vec<PodRec>,
    ooms: Vec<KernelOom>,
}

fn str_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

fn load(path: &Path) -> Res<Lab> {
    let f = fs::File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    let mut recs = Vec::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.map_err(|e| format!("read {}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        recs.push(v);
    }
    let run = recs.iter().find(|r| s(r, "kind") == "run").cloned().ok_or("no run record")?;
    let started = ts(&run, "at")?;
    let snapshot = match recs.iter().find(|r| s(r, "kind") == "snapshot") {
        Some(r) => ts(r, "at")?,
        None => {
            let mut last = started;
            for r in &recs {
                last = last.max(ts(r, "at")?);
            }
            last
        }
    };
    let mut lab = Lab { run, started, snapshot, nodes: vec![], pods: vec![], ooms: vec![] };
    for r in &recs {
        let at = ts(r, "at")?;
        if at > snapshot {
            continue; // teardown, not part of the incident
        }
        let key = |r: &Value| (s(r, "namespace"), s(r, "pod"));
        match s(r, "kind").as_str() {
            "node" => lab.nodes.push(NodeRec { name: s(r, "name"), hardware: s(r, "hardware") }),
            "pod" => lab.pods.push(PodRec {
                ns: s(r, "namespace"),
                name: s(r, "name"),
                uid: s(r, "uid"),
                node: s(r, "node"),
                labels: str_map(r.get("labels")),
                annotations: str_map(r.get("annotations")),
                owner: r.get("owner").map(|o| (s(o, "kind"), s(o, "name"))),
                containers: r.get("containers").and_then(Value::as_array).cloned().unwrap_or_default(),
                is_static: r.get("static").and_then(Value::as_bool).unwrap_or(false),
                host_network: r.get("host_network").and_then(Value::as_bool).unwrap_or(false),
                created: at,
                runs: BTreeMap::new(),
                backoffs: BTreeMap::new(),
            }),
            "container_start" => {
                let (ns, pod) = key(r);
                let p = find_pod(&mut lab.pods, &ns, &pod)?;
                p.runs.entry(s(r, "container")).or_default().push(Run {
                    restart_count: r.get("restart_count").and_then(Value::as_i64).unwrap_or(0) as i32,
                    container_id: s(r, "container_id"),
                    started: at,
                    exit: None,
                });
            }
            "container_exit" => {
                let (ns, pod) = key(r);
                let p = find_pod(&mut lab.pods, &ns, &pod)?;
                let rc = r.get("restart_count").and_then(Value::as_i64).unwrap_or(0) as i32;
                let runs = p.runs.entry(s(r, "container")).or_default();
                let run = runs
                    .iter_mut()
                    .find(|x| x.restart_count == rc)
                    .ok_or_else(|| format!("exit without start: {r}"))?;
                run.exit = Some(Exit {
                    code: r.get("exit_code").and_then(Value::as_i64).unwrap_or(0) as i32,
                    reason: s(r, "reason"),
                    started: ts(r, "started_at").unwrap_or(run.started),
                    finished: at,
                });
            }
            "backoff" => {
                let (ns, pod) = key(r);
                let p = find_pod(&mut lab.pods, &ns, &pod)?;
                p.backoffs.entry(s(r, "container")).or_default().push(Backoff {
                    at,
                    message: s(r, "message"),
                    event_message: s(r, "event_message"),
                });
            }
            "kernel_oom" => lab.ooms.push(KernelOom {
                at,
                node: s(r, "node"),
                lines: r
                    .get("lines")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
                    .unwrap_or_default(),
            }),
            _ => {}
        }
    }
    Ok(lab)
}

fn find_pod<'a>(pods: &'a mut [PodRec], ns: &str, name: &str) -> Res<&'a mut PodRec> {
    pods.iter_mut().find(|p| p.ns == ns && p.name == name).ok_or_else(|| format!("record for unknown pod {ns}/{name}"))
}

// ------------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------------

/// Deterministic RFC 4122-shaped id from a name (FNV-1a), for objects the lab never created
/// for real (ReplicaSets, Nodes) so that references stay consistent across files.
fn derived_uid(name: &str) -> String {
    let mut h1: u64 = 0xcbf29ce484222325;
    let mut h2: u64 = 0x84222325cbf29ce4;
    for b in name.bytes() {
        h1 = (h1 ^ b as u64).wrapping_mul(0x100000001b3);
        h2 = (h2 ^ b as u64).wrapping_mul(0x100000001b3).rotate_left(7);
    }
    let hex = format!("{h1:016x}{h2:016x}");
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

fn t(ts: Timestamp) -> Time {
    Time(ts)
}

struct Rv(u64);
impl Rv {
    fn next(&mut self) -> String {
        self.0 += 1;
        self.0.to_string()
    }
}

// ------------------------------------------------------------------------------------------------
// pods
// ------------------------------------------------------------------------------------------------

fn container_from(v: &Value) -> Container {
    let strings = |k: &str| -> Option<Vec<String>> {
        v.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
    };
    let resources = v.get("resources").filter(|r| !r.is_null()).map(|r| {
        let q = |k: &str| -> Option<BTreeMap<String, Quantity>> {
            r.get(k).and_then(Value::as_object).map(|m| {
                m.iter().map(|(k, v)| (k.clone(), Quantity(v.as_str().unwrap_or_default().to_string()))).collect()
            })
        };
        ResourceRequirements { limits: q("limits"), requests: q("requests"), ..Default::default() }
    });
    Container {
        name: s(v, "name"),
        image: Some(s(v, "image")),
        command: strings("command"),
        args: strings("args"),
        resources: Some(resources.unwrap_or_default()),
        image_pull_policy: Some("IfNotPresent".into()),
        termination_message_path: Some("/dev/termination-log".into()),
        termination_message_policy: Some("File".into()),
        ..Default::default()
    }
}

fn terminated(run: &Run, e: &Exit) -> ContainerState {
    ContainerState {
        terminated: Some(ContainerStateTerminated {
            container_id: Some(format!("lab://{}", run.container_id)),
            exit_code: e.code,
            reason: Some(e.reason.clone()),
            started_at: Some(t(e.started)),
            finished_at: Some(t(e.finished)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The status kubelet would report for one container at the snapshot.
fn container_status(p: &PodRec, c: &Container) -> (ContainerStatus, Timestamp) {
    let empty = vec![];
    let runs = p.runs.get(&c.name).unwrap_or(&empty);
    let image = c.image.clone().unwrap_or_default();
    let Some(last) = runs.last() else {
        let st = ContainerStatus {
            name: c.name.clone(),
            image,
            image_id: String::new(),
            ready: false,
            restart_count: 0,
            started: Some(false),
            state: Some(ContainerState {
                waiting: Some(ContainerStateWaiting { reason: Some("ContainerCreating".into()), message: None }),
                ..Default::default()
            }),
            ..Default::default()
        };
        return (st, p.created);
    };
    let previous_exit = || runs.iter().rev().skip(1).find_map(|r| r.exit.as_ref().map(|e| terminated(r, e)));
    let mut st = ContainerStatus {
        name: c.name.clone(),
        image,
        image_id: String::new(),
        container_id: Some(format!("lab://{}", last.container_id)),
        restart_count: last.restart_count,
        ..Default::default()
    };
    let transition;
    match &last.exit {
        None => {
            st.ready = true;
            st.started = Some(true);
            st.state = Some(ContainerState {
                running: Some(ContainerStateRunning { started_at: Some(t(last.started)) }),
                ..Default::default()
            });
            st.last_state = Some(previous_exit().unwrap_or_default());
            transition = last.started;
        }
        Some(e) => {
            st.ready = false;
            st.started = Some(false);
            let bo = p.backoffs.get(&c.name).and_then(|v| v.iter().rev().find(|b| b.at >= e.finished));
            match bo {
                Some(b) => {
                    st.state = Some(ContainerState {
                        waiting: Some(ContainerStateWaiting {
                            reason: Some("CrashLoopBackOff".into()),
                            message: Some(b.message.clone()),
                        }),
                        ..Default::default()
                    });
                    st.last_state = Some(terminated(last, e));
                }
                None => {
                    st.state = Some(terminated(last, e));
                    st.last_state = Some(previous_exit().unwrap_or_default());
                }
            }
            transition = e.finished;
        }
    }
    (st, transition)
}

fn build_pod(p: &PodRec, lab: &Lab, rv: &mut Rv) -> Pod {
    let containers: Vec<Container> = p.containers.iter().map(container_from).collect();
    let mut statuses = vec![];
    let mut ready_all = true;
    let mut transition = p.created;
    let mut unready = vec![];
    for c in &containers {
        let (st, tr) = container_status(p, c);
        if !st.ready {
            ready_all = false;
            unready.push(c.name.clone());
        }
        transition = transition.max(tr);
        statuses.push(st);
    }
    let cond = |type_: &str, ok: bool, at: Timestamp| PodCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        last_transition_time: Some(t(at)),
        reason: (!ok).then(|| "ContainersNotReady".to_string()),
        message: (!ok).then(|| format!("containers with unready status: [{}]", unready.join(" "))),
        ..Default::default()
    };
    let mut annotations = p.annotations.clone();
    let (owner_refs, generate_name) = if p.is_static {
        let hash = &derived_uid(&format!("{}/{}/config", p.ns, p.name)).replace('-', "")[..32];
        annotations.insert("kubernetes.io/config.hash".into(), hash.to_string());
        annotations.insert("kubernetes.io/config.mirror".into(), hash.to_string());
        annotations.insert("kubernetes.io/config.seen".into(), format!("{:.9}", p.created));
        (
            Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: p.node.clone(),
                uid: derived_uid(&format!("node/{}", p.node)),
                controller: Some(true),
                ..Default::default()
            }]),
            None,
        )
    } else if let Some((kind, name)) = &p.owner {
        (
            Some(vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: kind.clone(),
                name: name.clone(),
                uid: derived_uid(&format!("{}/{}/{}", kind, p.ns, name)),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            Some(format!("{name}-")),
        )
    } else {
        (None, None)
    };
    let limits_eq_requests =
        containers.iter().all(|c| c.resources.as_ref().is_some_and(|r| r.limits.is_some() && r.limits == r.requests));
    let any_resources = containers.iter().any(|c| c.resources.as_ref().is_some_and(|r| r.limits.is_some()));
    let qos = if !any_resources {
        "BestEffort"
    } else if limits_eq_requests
        && containers
            .iter()
            .all(|c| c.resources.as_ref().and_then(|r| r.limits.as_ref()).is_some_and(|l| l.contains_key("cpu")))
    {
        "Guaranteed"
    } else {
        "Burstable"
    };
    let tolerations = if p.is_static {
        vec![Toleration { effect: Some("NoExecute".into()), operator: Some("Exists".into()), ..Default::default() }]
    } else {
        ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
            .iter()
            .map(|k| Toleration {
                effect: Some("NoExecute".into()),
                key: Some(k.to_string()),
                operator: Some("Exists".into()),
                toleration_seconds: Some(300),
                ..Default::default()
            })
            .collect()
    };
    let _ = lab;
    Pod {
        metadata: ObjectMeta {
            name: Some(p.name.clone()),
            namespace: Some(p.ns.clone()),
            uid: Some(p.uid.clone()),
            generate_name,
            labels: Some(p.labels.clone()),
            annotations: (!annotations.is_empty()).then_some(annotations),
            owner_references: owner_refs,
            creation_timestamp: Some(t(p.created)),
            resource_version: Some(rv.next()),
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers,
            node_name: Some(p.node.clone()),
            host_network: p.host_network.then_some(true),
            restart_policy: Some("Always".into()),
            dns_policy: Some("ClusterFirst".into()),
            scheduler_name: Some("default-scheduler".into()),
            termination_grace_period_seconds: Some(30),
            enable_service_links: Some(true),
            preemption_policy: Some("PreemptLowerPriority".into()),
            priority: Some(if p.is_static { 2000001000 } else { 0 }),
            priority_class_name: p.is_static.then(|| "system-node-critical".to_string()),
            service_account_name: (!p.is_static).then(|| "default".to_string()),
            security_context: Some(Default::default()),
            tolerations: Some(tolerations),
            ..Default::default()
        }),
        status: Some(PodStatus {
            phase: Some("Running".into()),
            host_ip: Some("127.0.0.1".into()),
            host_ips: Some(vec![k8s_openapi::api::core::v1::HostIP { ip: "127.0.0.1".into() }]),
            pod_ip: Some("127.0.0.1".into()),
            pod_ips: Some(vec![PodIP { ip: "127.0.0.1".into() }]),
            qos_class: Some(qos.into()),
            start_time: Some(t(p.created)),
            conditions: Some(vec![
                cond("PodReadyToStartContainers", true, p.created),
                cond("Initialized", true, p.created),
                cond("Ready", ready_all, transition),
                cond("ContainersReady", ready_all, transition),
                cond("PodScheduled", true, p.created),
            ]),
            container_statuses: Some(statuses),
            ..Default::default()
        }),
    }
}

// ------------------------------------------------------------------------------------------------
// events
// ------------------------------------------------------------------------------------------------

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone)]
struct EvKey {
    ns: String,
    kind: String,
    name: String,
    uid: String,
    field_path: Option<String>,
    reason: String,
    message: String,
    component: String,
    host: String,
    type_: String,
}

struct EvAgg {
    first: Timestamp,
    last: Timestamp,
    count: i32,
}

fn build_events(lab: &Lab, rv: &mut Rv) -> Vec<Event> {
    let mut agg: BTreeMap<EvKey, EvAgg> = BTreeMap::new();
    let mut add = |k: EvKey, at: Timestamp| {
        agg.entry(k)
            .and_modify(|a| {
                a.count += 1;
                a.first = a.first.min(at);
                a.last = a.last.max(at);
            })
            .or_insert(EvAgg { first: at, last: at, count: 1 });
    };
    let mut scheduled = vec![];
    for p in &lab.pods {
        if !p.is_static {
            scheduled.push(p);
        }
        for c in &p.containers {
            let cname = s(c, "name");
            let image = s(c, "image");
            let base = |reason: &str, message: String, type_: &str| EvKey {
                ns: p.ns.clone(),
                kind: "Pod".into(),
                name: p.name.clone(),
                uid: p.uid.clone(),
                field_path: Some(format!("spec.containers{{{cname}}}")),
                reason: reason.into(),
                message,
                component: "kubelet".into(),
                host: p.node.clone(),
                type_: type_.into(),
            };
            for r in p.runs.get(&cname).into_iter().flatten() {
                add(
                    base("Pulled", format!("Container image \"{image}\" already present on machine"), "Normal"),
                    r.started,
                );
                add(base("Created", format!("Created container {cname}"), "Normal"), r.started);
                add(base("Started", format!("Started container {cname}"), "Normal"), r.started);
            }
            for b in p.backoffs.get(&cname).into_iter().flatten() {
                add(base("BackOff", b.event_message.clone(), "Warning"), b.at);
            }
        }
    }
    for o in &lab.ooms {
        for line in &o.lines {
            // node-problem-detector's kernel monitor turns this kernel line into an OOMKilling event
            if !line.contains("Killed process") {
                continue;
            }
            let msg = match line.find("] ") {
                Some(i) if line.starts_with('[') => line[i + 2..].to_string(),
                _ => line.clone(),
            };
            add(
                EvKey {
                    ns: "default".into(),
                    kind: "Node".into(),
                    name: o.node.clone(),
                    uid: o.node.clone(),
                    field_path: None,
                    reason: "OOMKilling".into(),
                    message: msg,
                    component: "kernel-monitor".into(),
                    host: o.node.clone(),
                    type_: "Warning".into(),
                },
                o.at,
            );
        }
    }
    let mut events = vec![];
    for p in scheduled {
        // default-scheduler reports through events.k8s.io/v1: eventTime set, no first/lastTimestamp
        events.push(Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{:x}", p.name, p.created.as_nanosecond())),
                namespace: Some(p.ns.clone()),
                creation_timestamp: Some(t(p.created)),
                resource_version: Some(rv.next()),
                uid: Some(derived_uid(&format!("event/{}/scheduled", p.uid))),
                ..Default::default()
            },
            action: Some("Binding".into()),
            event_time: Some(MicroTime(p.created)),
            involved_object: ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("Pod".into()),
                name: Some(p.name.clone()),
                namespace: Some(p.ns.clone()),
                uid: Some(p.uid.clone()),
                ..Default::default()
            },
            message: Some(format!("Successfully assigned {}/{} to {}", p.ns, p.name, p.node)),
            reason: Some("Scheduled".into()),
            reporting_component: Some("default-scheduler".into()),
            reporting_instance: Some(format!(
                "default-scheduler-{}",
                lab.nodes.first().map(|n| n.name.as_str()).unwrap_or("node1")
            )),
            source: Some(EventSource::default()),
            type_: Some("Normal".into()),
            ..Default::default()
        });
    }
    for (k, a) in agg {
        let node_uid = derived_uid(&format!("node/{}", k.name));
        let (uid, api_version) = if k.kind == "Node" { (node_uid, "v1") } else { (k.uid.clone(), "v1") };
        events.push(Event {
            metadata: ObjectMeta {
                name: Some(format!("{}.{:x}", k.name, a.first.as_nanosecond())),
                namespace: Some(k.ns.clone()),
                creation_timestamp: Some(t(a.first)),
                resource_version: Some(rv.next()),
                uid: Some(derived_uid(&format!("event/{}/{}/{}/{}", k.ns, k.name, k.reason, k.message))),
                ..Default::default()
            },
            count: Some(a.count),
            first_timestamp: Some(t(a.first)),
            last_timestamp: Some(t(a.last)),
            involved_object: ObjectReference {
                api_version: Some(api_version.into()),
                kind: Some(k.kind.clone()),
                name: Some(k.name.clone()),
                namespace: (k.kind != "Node").then(|| k.ns.clone()),
                uid: Some(uid),
                field_path: k.field_path.clone(),
                ..Default::default()
            },
            message: Some(k.message.clone()),
            reason: Some(k.reason.clone()),
            reporting_component: Some(k.component.clone()),
            reporting_instance: Some(k.host.clone()),
            source: Some(EventSource { component: Some(k.component.clone()), host: Some(k.host.clone()) }),
            type_: Some(k.type_.clone()),
            ..Default::default()
        });
    }
    // the API server lists events in key (= name) order within a namespace
    events.sort_by(|a, b| {
        (a.metadata.namespace.as_deref(), a.metadata.name.as_deref())
            .cmp(&(b.metadata.namespace.as_deref(), b.metadata.name.as_deref()))
    });
    events
}

// ------------------------------------------------------------------------------------------------
// nodes
// ------------------------------------------------------------------------------------------------

fn build_nodes(lab: &Lab, rv: &mut Rv) -> Vec<Node> {
    let kernel = s(&lab.run, "kernel");
    let os_image = s(&lab.run, "os_image");
    let cpus = lab.run.get("cpus").and_then(Value::as_u64).unwrap_or(1);
    let mem = lab.run.get("mem_bytes").and_then(Value::as_u64).unwrap_or(0);
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    lab.nodes
        .iter()
        .map(|n| {
            let mut labels = BTreeMap::new();
            labels.insert("beta.kubernetes.io/arch".to_string(), arch.to_string());
            labels.insert("beta.kubernetes.io/os".to_string(), "linux".to_string());
            labels.insert("kubernetes.io/arch".to_string(), arch.to_string());
            labels.insert("kubernetes.io/hostname".to_string(), n.name.clone());
            labels.insert("kubernetes.io/os".to_string(), "linux".to_string());
            labels.insert("node-role.kubernetes.io/control-plane".to_string(), String::new());
            labels.insert("etcd-triage.lab/hardware".to_string(), n.hardware.clone());
            let mut capacity = BTreeMap::new();
            capacity.insert("cpu".to_string(), Quantity(cpus.to_string()));
            capacity.insert("memory".to_string(), Quantity(format!("{}Ki", mem / 1024)));
            capacity.insert("pods".to_string(), Quantity("110".into()));
            let cond = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
                type_: type_.into(),
                status: status.into(),
                reason: Some(reason.into()),
                message: Some(message.into()),
                last_heartbeat_time: Some(t(lab.snapshot)),
                last_transition_time: Some(t(lab.started)),
            };
            let id = derived_uid(&format!("machine/{}", n.name)).replace('-', "");
            Node {
                metadata: ObjectMeta {
                    name: Some(n.name.clone()),
                    uid: Some(derived_uid(&format!("node/{}", n.name))),
                    labels: Some(labels),
                    creation_timestamp: Some(t(lab.started)),
                    resource_version: Some(rv.next()),
                    ..Default::default()
                },
                spec: None,
                status: Some(NodeStatus {
                    addresses: Some(vec![
                        NodeAddress { type_: "InternalIP".into(), address: "127.0.0.1".into() },
                        NodeAddress { type_: "Hostname".into(), address: n.name.clone() },
                    ]),
                    allocatable: Some(capacity.clone()),
                    capacity: Some(capacity),
                    conditions: Some(vec![
                        cond(
                            "MemoryPressure",
                            "False",
                            "KubeletHasSufficientMemory",
                            "kubelet has sufficient memory available",
                        ),
                        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                    ]),
                    node_info: Some(NodeSystemInfo {
                        architecture: arch.into(),
                        boot_id: derived_uid(&format!("boot/{}", n.name)),
                        container_runtime_version: "lab://etcd-triage-lab".into(),
                        kernel_version: kernel.clone(),
                        kube_proxy_version: String::new(),
                        kubelet_version: "v1.33.0+etcd-triage-lab".into(),
                        machine_id: id.clone(),
                        operating_system: "linux".into(),
                        os_image: os_image.clone(),
                        system_uuid: derived_uid(&format!("system/{}", n.name)),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// deployments / replicasets (dump only)
// ------------------------------------------------------------------------------------------------

fn build_workloads(lab: &Lab, ns: &str) -> (Vec<Deployment>, Vec<ReplicaSet>) {
    let mut deps = vec![];
    let mut rss = vec![];
    for p in lab.pods.iter().filter(|p| p.ns == ns && !p.is_static) {
        let Some((_, rs_name)) = &p.owner else { continue };
        let app = p.labels.get("app").cloned().unwrap_or_default();
        let hash = p.labels.get("pod-template-hash").cloned().unwrap_or_default();
        let selector = LabelSelector {
            match_labels: Some([("app".to_string(), app.clone())].into_iter().collect()),
            ..Default::default()
        };
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta { labels: Some(p.labels.clone()), ..Default::default() }),
            spec: Some(PodSpec { containers: p.containers.iter().map(container_from).collect(), ..Default::default() }),
        };
        let ready = build_pod(p, lab, &mut Rv(0))
            .status
            .and_then(|s| s.container_statuses)
            .is_some_and(|c| c.iter().all(|c| c.ready));
        let ready_n = if ready { 1 } else { 0 };
        deps.push(Deployment {
            metadata: ObjectMeta {
                name: Some(app.clone()),
                namespace: Some(ns.into()),
                uid: Some(derived_uid(&format!("Deployment/{ns}/{app}"))),
                labels: Some([("app".to_string(), app.clone())].into_iter().collect()),
                creation_timestamp: Some(t(p.created)),
                generation: Some(1),
                ..Default::default()
            },
            spec: Some(DeploymentSpec {
                replicas: Some(1),
                selector: selector.clone(),
                template: {
                    let mut t2 = template.clone();
                    if let Some(m) = t2.metadata.as_mut() {
                        if let Some(l) = m.labels.as_mut() {
                            l.remove("pod-template-hash");
                        }
                    }
                    t2
                },
                ..Default::default()
            }),
            status: Some(DeploymentStatus {
                observed_generation: Some(1),
                replicas: Some(1),
                updated_replicas: Some(1),
                ready_replicas: (ready_n > 0).then_some(ready_n),
                available_replicas: (ready_n > 0).then_some(ready_n),
                unavailable_replicas: (ready_n == 0).then_some(1),
                ..Default::default()
            }),
        });
        let mut rs_selector = selector;
        if let Some(m) = rs_selector.match_labels.as_mut() {
            m.insert("pod-template-hash".into(), hash);
        }
        rss.push(ReplicaSet {
            metadata: ObjectMeta {
                name: Some(rs_name.clone()),
                namespace: Some(ns.into()),
                uid: Some(derived_uid(&format!("ReplicaSet/{ns}/{rs_name}"))),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                creation_timestamp: Some(t(p.created)),
                generation: Some(1),
                owner_references: Some(vec![OwnerReference {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    name: app.clone(),
                    uid: derived_uid(&format!("Deployment/{ns}/{app}")),
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }]),
                ..Default::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(1),
                selector: rs_selector,
                template: Some(template),
                ..Default::default()
            }),
            status: Some(ReplicaSetStatus {
                replicas: 1,
                fully_labeled_replicas: Some(1),
                ready_replicas: Some(ready_n),
                available_replicas: Some(ready_n),
                observed_generation: Some(1),
                ..Default::default()
            }),
        });
    }
    (deps, rss)
}

// ------------------------------------------------------------------------------------------------
// output
// ------------------------------------------------------------------------------------------------

fn write_json<T: Serialize>(path: &Path, v: &T) -> Res<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("mkdir {}: {e}", parent.display()))?;
    }
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    v.serialize(&mut ser).map_err(|e| format!("serialise {}: {e}", path.display()))?;
    buf.push(b'\n');
    fs::write(path, buf).map_err(|e| format!("write {}: {e}", path.display()))
}

/// `kubectl get ... -A -o json`: a `List` of items, keys sorted (kubectl prints unstructured maps).
fn kubectl_list<T: Serialize>(items: &[T]) -> Res<Value> {
    let items: Vec<Value> =
        items.iter().map(serde_json::to_value).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    Ok(json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}))
}

fn typed_list<T: k8s_openapi::ListableResource>(items: Vec<T>, rv: &mut Rv) -> List<T> {
    List { items, metadata: ListMeta { resource_version: Some(rv.next()), ..Default::default() } }
}

/// Raw container output from a CRI log file (what `kubectl logs` returns): P records are joined.
fn cri_to_raw(path: &Path) -> Res<String> {
    let text = fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let mut out = String::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let (_ts, _stream, tags, content) = (parts.next(), parts.next(), parts.next(), parts.next());
        let (Some(tags), Some(content)) = (tags, content) else { continue };
        out.push_str(content);
        if tags.split(':').next() != Some("P") {
            out.push('\n');
        }
    }
    Ok(out)
}

fn dump(lab: &Lab, dir: &Path, var_log_pods: &Path, pods: &[Pod], events: &[Event], nodes: &[Node]) -> Res<()> {
    let mut rv = Rv(lab.snapshot.as_second() as u64 % 100_000 * 10);
    write_json(&dir.join("nodes.json"), &typed_list(nodes.to_vec(), &mut rv))?;
    let mut namespaces: BTreeSet<String> =
        ["default", "kube-node-lease", "kube-public", "kube-system"].iter().map(|s| s.to_string()).collect();
    namespaces.extend(lab.pods.iter().map(|p| p.ns.clone()));
    for ns in &namespaces {
        let d = dir.join(ns);
        let ev: Vec<Event> = events.iter().filter(|e| e.metadata.namespace.as_deref() == Some(ns)).cloned().collect();
        write_json(&d.join("events.json"), &typed_list(ev, &mut rv))?;
        write_json(&d.join("replication-controllers.json"), &typed_list(Vec::<ReplicationController>::new(), &mut rv))?;
        write_json(&d.join("services.json"), &typed_list(Vec::<Service>::new(), &mut rv))?;
        write_json(&d.join("daemonsets.json"), &typed_list(Vec::<DaemonSet>::new(), &mut rv))?;
        let (deps, rss) = build_workloads(lab, ns);
        write_json(&d.join("deployments.json"), &typed_list(deps, &mut rv))?;
        write_json(&d.join("replicasets.json"), &typed_list(rss, &mut rv))?;
        let ps: Vec<Pod> = pods.iter().filter(|p| p.metadata.namespace.as_deref() == Some(ns)).cloned().collect();
        write_json(&d.join("pods.json"), &typed_list(ps.clone(), &mut rv))?;
        for pod in &ps {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            let mut text = String::new();
            for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                text.push_str(&format!("==== START logs for container {} of pod {}/{} ====\n", c.name, ns, name));
                let rc = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .and_then(|v| v.iter().find(|x| x.name == c.name))
                    .map(|x| x.restart_count)
                    .unwrap_or(0);
                let f = var_log_pods.join(format!("{ns}_{name}_{uid}")).join(&c.name).join(format!("{rc}.log"));
                match cri_to_raw(&f) {
                    Ok(raw) => text.push_str(&raw),
                    Err(e) => text.push_str(&format!("Request log error: {e}\n")),
                }
                text.push_str(&format!("==== END logs for container {} of pod {}/{} ====\n", c.name, ns, name));
            }
            let p = d.join(&name).join("logs.txt");
            fs::create_dir_all(p.parent().unwrap_or(&d)).map_err(|e| e.to_string())?;
            fs::write(&p, text).map_err(|e| format!("write {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

fn run() -> Res<()> {
    let args = parse_args()?;
    let lab = load(&args.records)?;
    let mut rv = Rv(lab.started.as_second() as u64 % 100_000 * 10);
    let nodes = build_nodes(&lab, &mut rv);
    let mut pods: Vec<Pod> = lab.pods.iter().map(|p| build_pod(p, &lab, &mut rv)).collect();
    pods.sort_by(|a, b| {
        (a.metadata.namespace.as_deref(), a.metadata.name.as_deref())
            .cmp(&(b.metadata.namespace.as_deref(), b.metadata.name.as_deref()))
    });
    let events = build_events(&lab, &mut rv);
    if let Some(out) = &args.out {
        write_json(&out.join("pods.json"), &kubectl_list(&pods)?)?;
        write_json(&out.join("events.json"), &kubectl_list(&events)?)?;
        write_json(&out.join("nodes.json"), &kubectl_list(&nodes)?)?;
    }
    if let Some(d) = &args.dump {
        let vlp = args
            .var_log_pods
            .clone()
            .unwrap_or_else(|| args.records.parent().unwrap_or(Path::new(".")).join("var").join("log").join("pods"));
        dump(&lab, d, &vlp, &pods, &events, &nodes)?;
    }
    let mut stderr = std::io::stderr();
    let _ = writeln!(
        stderr,
        "lab-objects: {} pods, {} events, {} nodes (snapshot {})",
        pods.len(),
        events.len(),
        nodes.len(),
        lab.snapshot
    );
    Ok(())
}
