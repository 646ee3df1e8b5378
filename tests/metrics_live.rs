//! Metric sources against real components: a real etcd (Debian's etcd-server) on 127.0.0.1 whose fdatasync calls
//! are delayed by strace, scraped directly (`--etcd-endpoints`) and by a real Prometheus (Debian's prometheus)
//! queried with `--prometheus-url`. Skipped when the programs are missing, unless CI is set.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

fn port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Kills its processes when the test ends, however it ends.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn wait_http(url: &str, deadline: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < deadline {
        let ok = Command::new("curl").args(["-sf", "-o", "/dev/null", url]).status().is_ok_and(|s| s.success());
        if ok {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn analyze(dir: &Path, extra: &[&str]) -> Value {
    let out = Command::new(BIN).arg("analyze").arg(dir).args(["-o", "json"]).args(extra).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn input_with<'a>(report: &'a Value, prefix: &str) -> &'a Value {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"].as_str().unwrap_or("").starts_with(prefix))
        .unwrap_or_else(|| panic!("no input {prefix}: {:#}", report["inputs"]))
}

fn wal_member<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["members"].as_array().unwrap().iter().find(|m| m["member"] == name)
}

#[test]
fn etcd_metrics_and_prometheus_see_injected_fsync_latency() {
    let tools = ["etcd", "etcdctl", "strace", "prometheus", "prometheus-node-exporter", "curl"];
    let missing: Vec<&str> = tools.iter().copied().filter(|t| which(t).is_none()).collect();
    if !missing.is_empty() {
        assert!(std::env::var_os("CI").is_none(), "CI must install {missing:?} (scripts/install-test-deps.sh)");
        eprintln!("skipping: {missing:?} not on PATH");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (client, peer, metrics, prom_port, node_port) = (port(), port(), port(), port(), port());
    let client_url = format!("http://127.0.0.1:{client}");
    let metrics_url = format!("http://127.0.0.1:{metrics}");
    let log = std::fs::File::create(work.path().join("etcd.log")).unwrap();
    let etcd = Command::new("etcd")
        .args(["--name", "etcd-lab", "--data-dir"])
        .arg(work.path().join("data"))
        .args(["--listen-client-urls", &client_url, "--advertise-client-urls", &client_url])
        .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
        .args(["--initial-advertise-peer-urls", &format!("http://127.0.0.1:{peer}")])
        .args(["--initial-cluster", &format!("etcd-lab=http://127.0.0.1:{peer}")])
        .args(["--listen-metrics-urls", &metrics_url, "--logger", "zap", "--log-outputs", "stderr"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let etcd_pid = etcd.id();
    let mut procs = Procs(vec![etcd]);
    assert!(wait_http(&format!("{metrics_url}/health"), Duration::from_secs(20)), "etcd did not start");

    std::fs::write(
        work.path().join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: etcd\n    static_configs:\n      - targets: ['127.0.0.1:{metrics}']\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{node_port}']\n"
        ),
    )
    .unwrap();
    let prom_url = format!("http://127.0.0.1:{prom_port}");
    procs.0.push(
        Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address=127.0.0.1:{node_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    procs.0.push(
        Command::new("prometheus")
            .arg(format!("--config.file={}", work.path().join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", work.path().join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(work.path().join("prometheus.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    assert!(wait_http(&format!("{prom_url}/-/ready"), Duration::from_secs(30)), "prometheus did not start");

    // A steady writer keeps the WAL busy: every put is an fdatasync on a single member.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let endpoint = client_url.clone();
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = Command::new("etcdctl")
                    .args(["--endpoints", &endpoint, "put", &format!("/lab/k{}", i % 50), "v"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let empty = tempfile::tempdir().unwrap();
    let scrape = format!("etcd-lab={metrics_url}");

    // Healthy disk: the direct scrape measures it and nothing counts as storage evidence.
    std::thread::sleep(Duration::from_secs(3));
    let calm = analyze(empty.path(), &["--etcd-endpoints", &scrape, "--scrape-interval", "3s"]);
    let format = input_with(&calm, &format!("etcd {metrics_url}"))["format"].as_str().unwrap().to_string();
    assert!(format.contains("etcd_disk_wal_fsync_duration_seconds p99"), "{format}");
    assert!(format.contains("health {\"health\":\"true\""), "{format}");
    // Measured, but no storage evidence: the member's WAL fsync p99 is drawn, no slow sync is counted.
    let calm_member = wal_member(&calm, "etcd-lab").unwrap_or_else(|| panic!("{:#}", calm["members"]));
    assert_eq!(calm_member["slow_wal_sync"]["count"], 0, "no storage evidence on a healthy disk: {calm_member:#}");
    assert!(calm_member["disk_metric"]["max_ms"].as_f64().unwrap() < 100.0, "{calm_member:#}");
    assert_ne!(calm["verdict"]["outcome"], "storage_latency");

    // Let Prometheus gather a calm stretch (several 15 s query steps) before the disk turns slow.
    std::thread::sleep(Duration::from_secs(20));
    // 300 ms on every fdatasync, injected into the running member.
    let injected_at = chrono::Utc::now();
    procs.0.insert(
        0,
        Command::new("strace")
            .args(["-p", &etcd_pid.to_string(), "-f", "-qq", "-e", "trace=fdatasync"])
            .args(["-e", "inject=fdatasync:delay_enter=300000", "-o", "/dev/null"])
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_secs(2));
    let slow = analyze(empty.path(), &["--etcd-endpoints", &scrape, "--scrape-interval", "4s"]);
    let member = wal_member(&slow, "etcd-lab").unwrap_or_else(|| panic!("{:#}", slow["inputs"]));
    assert!(member["slow_wal_sync"]["count"].as_u64().unwrap() >= 1, "{member:#}");
    assert!(member["slow_wal_sync"]["max_ms"].as_f64().unwrap() >= 256.0, "{member:#}");
    let format = input_with(&slow, &format!("etcd {metrics_url}"))["format"].as_str().unwrap().to_string();
    assert!(format.contains("(256ms..512ms") || format.contains("256 ms"), "p99 names its bucket edges: {format}");

    // Prometheus saw the same: give it some slow scrapes, then ask over the window since injection.
    std::thread::sleep(Duration::from_secs(12));
    let from = (injected_at - chrono::Duration::seconds(60)).to_rfc3339();
    let to = chrono::Utc::now().to_rfc3339();
    // Prometheus knows the member only as its scrape target (no pod label); etcd_server_id ties it to the member
    // id the etcd log prints, so the metric evidence lands on the member the log names.
    let logs = tempfile::tempdir().unwrap();
    std::fs::copy(work.path().join("etcd.log"), logs.path().join("etcd-lab.log")).unwrap();
    // This machine as Kubernetes would describe it: a Node whose InternalIP is node-exporter's scrape target, and
    // the etcd pod on it, so the node's disk write latency is shown beside the member it runs.
    std::fs::write(logs.path().join("lab-objects.json"), lab_objects()).unwrap();
    let report = analyze(logs.path(), &["--prometheus-url", &prom_url, "--from", &from, "--to", &to]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = writer.join();
    let instance = format!("127.0.0.1:{metrics}");
    let input = input_with(&report, &format!("prometheus {prom_url}"));
    assert!(input["format"].as_str().unwrap().contains(&format!("{instance} max p99")), "{input:#}");
    assert!(input["matched"].as_u64().unwrap() >= 1, "{input:#}");
    let assumptions = report["assumptions"].to_string();
    assert!(assumptions.contains(&format!("metrics for {instance} are etcd member etcd-lab")), "{assumptions}");
    let member = wal_member(&report, "etcd-lab").unwrap_or_else(|| panic!("{:#}", report));
    let inputs = report["inputs"].to_string();
    assert!(inputs.contains("node disk write latency: instance=127.0.0.1"), "node-exporter figures: {inputs}");
    assert!(inputs.contains(&format!("etcd leader changes in 15 min: instance={instance}")), "{inputs}");
    assert!(member["slow_wal_sync"]["max_ms"].as_f64().unwrap() >= 100.0, "{member:#}");
    // The chart's series: every query step, the calm minute before the injection (under 100 ms) and the slow
    // ones after it (the 300 ms delay lies in the 256..512 ms bucket).
    let disk = &member["disk_metric"];
    assert_eq!(disk["metric"], "etcd_disk_wal_fsync_duration_seconds", "{member:#}");
    let values: Vec<f64> = disk["points"].as_array().unwrap().iter().map(|p| p[1].as_f64().unwrap()).collect();
    assert!(values.iter().any(|v| *v < 100.0), "calm steps are drawn too: {values:?}");
    assert!(values.iter().any(|v| *v >= 256.0), "injected latency: {values:?}");
    let node = report["nodes"].as_array().unwrap().iter().find(|n| n["name"] == "lab-node").expect("lab-node listed");
    assert!(node["why_listed"].to_string().contains("\"member\":\"etcd-lab\""), "{node:#}");
    let disk = &node["disk_write_latency"];
    assert!(disk["metric"].as_str().unwrap().starts_with("node disk write latency ("), "{node:#}");
    assert!(disk["max_ms"].as_f64().unwrap() >= 0.0, "{node:#}");
    let html = Command::new(BIN)
        .arg("analyze")
        .arg(logs.path())
        .args(["--prometheus-url", &prom_url, "--from", &from, "--to", &to, "-o", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.contains(&format!("data-basis=\"metrics\" data-points=\"{}\"", values.len())), "chart from metrics");
    // The evidence cites the query it came from.
    let timeline = report["timeline"].to_string();
    assert!(
        timeline
            .contains("histogram p99 of: sum by (le, pod, instance) (rate(etcd_disk_wal_fsync_duration_seconds_bucket"),
        "{timeline}"
    );
    drop(procs);
}

/// A `v1` List with the lab's node (InternalIP 127.0.0.1, where node-exporter listens) and the etcd pod on it,
/// serialised from k8s-openapi types as the API server would return them.
fn lab_objects() -> String {
    use k8s_openapi::api::core::v1 as core;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    let node = core::Node {
        metadata: ObjectMeta { name: Some("lab-node".into()), ..Default::default() },
        status: Some(core::NodeStatus {
            addresses: Some(vec![core::NodeAddress { type_: "InternalIP".into(), address: "127.0.0.1".into() }]),
            conditions: Some(vec![core::NodeCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let pod = core::Pod {
        metadata: ObjectMeta {
            name: Some("etcd-lab".into()),
            namespace: Some("kube-system".into()),
            labels: Some([("component".to_string(), "etcd".to_string())].into()),
            ..Default::default()
        },
        spec: Some(core::PodSpec {
            node_name: Some("lab-node".into()),
            containers: vec![core::Container { name: "etcd".into(), ..Default::default() }],
            ..Default::default()
        }),
        status: Some(core::PodStatus {
            container_statuses: Some(vec![core::ContainerStatus {
                name: "etcd".into(),
                ready: true,
                restart_count: 0,
                image: "registry.k8s.io/etcd:3.4.23-0".into(),
                image_id: String::new(),
                state: Some(core::ContainerState {
                    running: Some(core::ContainerStateRunning::default()),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
    };
    let items = [serde_json::to_value(node).unwrap(), serde_json::to_value(pod).unwrap()];
    serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items}).to_string()
}

#[test]
fn an_unreachable_prometheus_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", port());
    let report =
        analyze(dir.path(), &["--prometheus-url", &url, "--etcd-endpoints", &format!("http://127.0.0.1:{}", port())]);
    let gaps = report["gaps"].to_string();
    assert!(gaps.contains(&format!("Prometheus at {url}")), "{gaps}");
    assert!(gaps.contains("/metrics"), "{gaps}");
}
