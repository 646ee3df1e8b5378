//! A synthetic large cluster for the live-scale benchmark: k8s-openapi objects serialised to JSON, etcd logs
//! generated while streaming by cycling through real captured etcd lines (tests/fixtures/shared-slow), and
//! crash-looping controllers whose logs are the lab victims' real lines re-timed to the last hour.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};

use super::{LogBody, LogKey, Scenario};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods")
}

/// Messages (CRI prefix removed) of every log under the fixture folder whose name starts with `prefix`.
fn fixture_messages(prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    dirs.sort();
    for dir in dirs {
        for container in std::fs::read_dir(&dir).unwrap().flatten() {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(container.path()).unwrap().flatten().map(|e| e.path()).collect();
            files.sort();
            for f in files {
                for line in std::fs::read_to_string(&f).unwrap().lines() {
                    if let Some(msg) = line.splitn(4, ' ').nth(3) {
                        out.push(msg.to_string());
                    }
                }
            }
        }
    }
    out
}

fn time(t: DateTime<Utc>) -> Time {
    Time(k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap())
}

fn meta(ns: Option<&str>, name: &str, uid: String, labels: &[(&str, &str)], created: DateTime<Utc>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: ns.map(str::to_string),
        uid: Some(uid),
        resource_version: Some("1000".into()),
        creation_timestamp: Some(time(created)),
        labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()),
        ..Default::default()
    }
}

fn uid(kind: u32, i: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{i:012x}")
}

fn running_status(name: &str, image: &str, started: DateTime<Utc>, restarts: i32) -> core::ContainerStatus {
    core::ContainerStatus {
        name: name.into(),
        image: image.into(),
        image_id: format!("docker-pullable://{image}@sha256:{:064x}", 7),
        container_id: Some(format!("containerd://{:064x}", 9)),
        ready: true,
        started: Some(true),
        restart_count: restarts,
        state: Some(core::ContainerState {
            running: Some(core::ContainerStateRunning { started_at: Some(time(started)) }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[allow(clippy::too_many_arguments)] // a test builder: every argument is one field of the pod
fn pod(
    ns: &str,
    name: &str,
    i: usize,
    node: &str,
    labels: &[(&str, &str)],
    container: &str,
    image: &str,
    now: DateTime<Utc>,
) -> core::Pod {
    let created = now - chrono::Duration::days(3);
    let mut m = meta(Some(ns), name, uid(1, i), labels, created);
    m.owner_references = Some(vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: format!("{}-7d9f8c6b5", name.rsplitn(2, '-').last().unwrap_or(name)),
        uid: uid(2, i),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    core::Pod {
        metadata: m,
        spec: Some(core::PodSpec {
            node_name: Some(node.into()),
            service_account_name: Some("default".into()),
            containers: vec![core::Container {
                name: container.into(),
                image: Some(image.into()),
                args: Some(vec!["--v=2".into(), "--leader-elect=true".into()]),
                ports: Some(vec![core::ContainerPort {
                    container_port: 8080,
                    name: Some("http".into()),
                    protocol: Some("TCP".into()),
                    ..Default::default()
                }]),
                env: Some(vec![core::EnvVar {
                    name: "POD_NAMESPACE".into(),
                    value: Some(ns.into()),
                    ..Default::default()
                }]),
                resources: Some(core::ResourceRequirements {
                    requests: Some(
                        [
                            ("cpu".to_string(), k8s_openapi::apimachinery::pkg::api::resource::Quantity("100m".into())),
                            (
                                "memory".to_string(),
                                k8s_openapi::apimachinery::pkg::api::resource::Quantity("128Mi".into()),
                            ),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: Some(core::PodStatus {
            phase: Some("Running".into()),
            host_ip: Some(format!("10.0.{}.{}", (i / 250) % 250, i % 250 + 1)),
            pod_ip: Some(format!("10.244.{}.{}", (i / 250) % 250, i % 250 + 2)),
            start_time: Some(time(created)),
            qos_class: Some("Burstable".into()),
            conditions: Some(
                ["PodScheduled", "Initialized", "ContainersReady", "Ready"]
                    .iter()
                    .map(|c| core::PodCondition {
                        type_: c.to_string(),
                        status: "True".into(),
                        last_transition_time: Some(time(created)),
                        ..Default::default()
                    })
                    .collect(),
            ),
            container_statuses: Some(vec![running_status(container, image, created, 0)]),
            ..Default::default()
        }),
    }
}

/// A running control-plane static pod (no owner), e.g. `kube-apiserver-node1`, as the API server returns it.
pub fn static_pod(
    ns: &str,
    name: &str,
    node: &str,
    labels: &[(&str, &str)],
    container: &str,
    image: &str,
    now: DateTime<Utc>,
) -> serde_json::Value {
    let i = name.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize)) % 1_000_000_000_000;
    let mut p = pod(ns, name, i, node, labels, container, image, now);
    p.metadata.owner_references = None;
    serde_json::to_value(p).expect("a Pod serialises")
}

/// `pods` pods (about 1% crash-looping), `nodes` nodes, `etcd_members` etcd static pods with `etcd_log_bytes` of
/// log each spanning the last 5 hours, and one kube-apiserver per member.
pub fn scale_scenario(
    pods: usize,
    nodes: usize,
    etcd_members: usize,
    etcd_log_bytes: u64,
    now: DateTime<Utc>,
) -> Scenario {
    let mut s = Scenario::empty();
    let node_name = |i: usize| format!("node-{i:04}");
    for i in 0..nodes {
        let n = core::Node {
            metadata: meta(
                None,
                &node_name(i),
                uid(3, i),
                &[("kubernetes.io/hostname", &node_name(i))],
                now - chrono::Duration::days(30),
            ),
            status: Some(core::NodeStatus {
                conditions: Some(
                    [
                        ("MemoryPressure", "False"),
                        ("DiskPressure", "False"),
                        ("PIDPressure", "False"),
                        ("Ready", "True"),
                    ]
                    .iter()
                    .map(|(t, st)| core::NodeCondition {
                        type_: t.to_string(),
                        status: st.to_string(),
                        last_heartbeat_time: Some(time(now - chrono::Duration::seconds(20))),
                        last_transition_time: Some(time(now - chrono::Duration::days(30))),
                        reason: Some(format!("Kubelet{t}")),
                        ..Default::default()
                    })
                    .collect(),
                ),
                node_info: Some(core::NodeSystemInfo {
                    kubelet_version: "v1.33.0".into(),
                    kernel_version: "6.1.0-26-amd64".into(),
                    os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                    container_runtime_version: "containerd://1.7.24".into(),
                    architecture: "amd64".into(),
                    operating_system: "linux".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        s.nodes.push(serde_json::to_value(n).unwrap());
    }

    let victim_lines = fixture_messages("karmada-system_karmada-scheduler");
    let etcd_lines = fixture_messages("kube-system_etcd-node1");
    let hour_ago = now - chrono::Duration::hours(1);
    let crash_every = 100;
    for i in 0..pods {
        let ns = format!("team-{:03}", i % 200);
        let name = format!("app-{i:05}-x7k2p");
        let node = node_name(i % nodes.max(1));
        let mut p = pod(
            &ns,
            &name,
            i,
            &node,
            &[("app", &format!("app-{i:05}")), ("pod-template-hash", "7d9f8c6b5")],
            "app",
            "registry.example.com/app:1.4.2",
            now,
        );
        if i % crash_every == 0 {
            let status = p.status.as_mut().unwrap();
            let cs = &mut status.container_statuses.as_mut().unwrap()[0];
            cs.restart_count = 6;
            cs.ready = false;
            cs.state = Some(core::ContainerState {
                waiting: Some(core::ContainerStateWaiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: Some(format!(
                        "back-off 5m0s restarting failed container=app pod={name}_{ns}({})",
                        uid(1, i)
                    )),
                }),
                ..Default::default()
            });
            cs.last_state = Some(core::ContainerState {
                terminated: Some(core::ContainerStateTerminated {
                    exit_code: 1,
                    reason: Some("Error".into()),
                    started_at: Some(time(now - chrono::Duration::minutes(9))),
                    finished_at: Some(time(now - chrono::Duration::minutes(6))),
                    container_id: Some(format!("containerd://{:064x}", i)),
                    ..Default::default()
                }),
                ..Default::default()
            });
            let n = victim_lines.len().max(1);
            let lines: Vec<(DateTime<Utc>, String)> = victim_lines
                .iter()
                .enumerate()
                .map(|(k, m)| (hour_ago + chrono::Duration::milliseconds((k * 3_000_000 / n) as i64), m.clone()))
                .collect();
            s.logs.insert(
                LogKey { namespace: ns.clone(), pod: name.clone(), container: "app".into(), previous: true },
                LogBody::Lines(lines),
            );
            let event = core::Event {
                metadata: meta(Some(&ns), &format!("{name}.18eb2{i:05}"), uid(4, i), &[], hour_ago),
                involved_object: core::ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(ns.clone()),
                    name: Some(name.clone()),
                    uid: Some(uid(1, i)),
                    field_path: Some("spec.containers{app}".into()),
                    api_version: Some("v1".into()),
                    ..Default::default()
                },
                reason: Some("BackOff".into()),
                message: Some("Back-off restarting failed container app in pod".into()),
                type_: Some("Warning".into()),
                count: Some(24),
                first_timestamp: Some(time(hour_ago)),
                last_timestamp: Some(time(now - chrono::Duration::minutes(1))),
                source: Some(core::EventSource { component: Some("kubelet".into()), host: Some(node.clone()) }),
                ..Default::default()
            };
            s.events.push(serde_json::to_value(event).unwrap());
        } else if s.events.len() < 2_000 {
            let event = core::Event {
                metadata: meta(
                    Some(&ns),
                    &format!("{name}.18eb3{i:05}"),
                    uid(5, i),
                    &[],
                    now - chrono::Duration::minutes(30),
                ),
                involved_object: core::ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some(ns.clone()),
                    name: Some(name.clone()),
                    uid: Some(uid(1, i)),
                    field_path: Some("spec.containers{app}".into()),
                    ..Default::default()
                },
                reason: Some("Pulled".into()),
                message: Some("Container image \"registry.example.com/app:1.4.2\" already present on machine".into()),
                type_: Some("Normal".into()),
                count: Some(1),
                first_timestamp: Some(time(now - chrono::Duration::minutes(30))),
                last_timestamp: Some(time(now - chrono::Duration::minutes(30))),
                source: Some(core::EventSource { component: Some("kubelet".into()), host: Some(node.clone()) }),
                ..Default::default()
            };
            s.events.push(serde_json::to_value(event).unwrap());
        }
        s.pods.push(serde_json::to_value(p).unwrap());
    }

    let span = Duration::from_secs(5 * 3600);
    let avg = (etcd_lines.iter().map(String::len).sum::<usize>() / etcd_lines.len().max(1)).max(1) as u64;
    let lines_total = (etcd_log_bytes / avg).max(1);
    let step = span / (lines_total.min(u32::MAX as u64) as u32).max(1);
    for m in 0..etcd_members {
        let node = node_name(m % nodes.max(1));
        for (component, container, image) in [
            ("etcd", "etcd", "registry.k8s.io/etcd:3.5.16-0"),
            ("kube-apiserver", "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.33.0"),
        ] {
            let name = format!("{component}-{node}");
            let mut p = pod(
                "kube-system",
                &name,
                pods + m * 2 + usize::from(component != "etcd"),
                &node,
                &[("component", component), ("tier", "control-plane")],
                container,
                image,
                now,
            );
            p.metadata.owner_references = None;
            s.pods.push(serde_json::to_value(p).unwrap());
            let key = LogKey {
                namespace: "kube-system".into(),
                pod: name.clone(),
                container: container.into(),
                previous: false,
            };
            let body = if component == "etcd" {
                LogBody::Generated {
                    messages: etcd_lines.clone(),
                    start: now - chrono::Duration::from_std(span).unwrap(),
                    step,
                    total_bytes: etcd_log_bytes,
                }
            } else {
                // Written for the benchmark, not captured (the lab runs no kube-apiserver): one ordinary info line,
                // which is not evidence of anything, so that the API server's log request and parse are exercised.
                LogBody::Lines(vec![(now - chrono::Duration::minutes(10), "I1125 02:00:00.000000       1 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io".into())])
            };
            s.logs.insert(key, body);
        }
    }
    s.metrics = Some(apiserver_metrics());
    s
}

fn apiserver_metrics() -> String {
    let mut m = String::from(
        "# HELP etcd_request_duration_seconds [ALPHA] Etcd request latency in seconds for each operation and object type.\n# TYPE etcd_request_duration_seconds histogram\n",
    );
    let edges = [
        0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0,
        30.0, 45.0, 60.0,
    ];
    for (op, ty) in [("get", "/registry/pods"), ("update", "/registry/leases")] {
        let mut cum = 0u64;
        for (k, le) in edges.iter().enumerate() {
            cum += [900u64, 300, 120, 60, 40, 20][k.min(5)] / (1 + k as u64 / 6);
            m.push_str(&format!(
                "etcd_request_duration_seconds_bucket{{operation=\"{op}\",type=\"{ty}\",le=\"{le}\"}} {cum}\n"
            ));
        }
        m.push_str(&format!(
            "etcd_request_duration_seconds_bucket{{operation=\"{op}\",type=\"{ty}\",le=\"+Inf\"}} {cum}\n"
        ));
        m.push_str(&format!(
            "etcd_request_duration_seconds_sum{{operation=\"{op}\",type=\"{ty}\"}} {:.1}\n",
            cum as f64 * 0.03
        ));
        m.push_str(&format!("etcd_request_duration_seconds_count{{operation=\"{op}\",type=\"{ty}\"}} {cum}\n"));
    }
    m
}
