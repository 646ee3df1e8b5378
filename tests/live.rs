//! Live triage against a fake Kubernetes API server (tests/support/fakeapi) serving the lab's real etcd captures and
//! real Kubernetes JSON: the real binary, real kubeconfigs (HTTPS with a generated CA and a bearer token), the
//! RBAC role from deploy/rbac.yaml enforced, and the failure modes an incident brings.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use support::fakeapi::{FakeApi, Fault, Rbac, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
/// Just after the shared-slow capture ended; pins "now" so the default 6h window covers it.
const NOW: &str = "2026-11-25T02:23:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn shared_slow() -> Scenario {
    let mut s = Scenario::from_fixture(&fixture("shared-slow"));
    s.token = Some("t0ken-for-tests".into());
    s.rbac = Some(Rbac::from_yaml_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/rbac.yaml")));
    s.metrics = Some(
        "# HELP etcd_request_duration_seconds [ALPHA] Etcd request latency in seconds for each operation and object type.\n\
         # TYPE etcd_request_duration_seconds histogram\n\
         etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/leases\",le=\"0.005\"} 10\n\
         etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/leases\",le=\"+Inf\"} 12\n\
         etcd_request_duration_seconds_sum{operation=\"get\",type=\"/registry/leases\"} 3.2\n\
         etcd_request_duration_seconds_count{operation=\"get\",type=\"/registry/leases\"} 12\n"
            .into(),
    );
    s
}

struct Run {
    out: Output,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.out.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}); stderr:\n{}\nstdout:\n{}", self.stderr(), self.stdout())
        })
    }
}

fn run(args: &[&str], kubeconfig: &Path) -> Run {
    Run { out: support::run_live(args, kubeconfig, NOW) }
}

fn gaps(report: &Value) -> Vec<String> {
    report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} | {} | {} | {}", g["what"], g["why"], g["impact"], g["remedy"]))
        .collect()
}

fn served(api: &FakeApi) -> (Vec<String>, usize) {
    let requests = api.requests();
    let non_get: Vec<String> =
        requests.iter().filter(|r| r.method != "GET").map(|r| format!("{} {}", r.method, r.path)).collect();
    (non_get, requests.iter().filter(|r| r.denied_by_rbac).count())
}

#[test]
fn live_run_over_https_attributes_the_restarts_to_storage_with_only_the_rbac_role() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "edge-lab");
    let r = run(&["-o", "json", "--page-size", "2"], &kubeconfig);
    assert_eq!(r.code(), 0, "stderr:\n{}", r.stderr());
    let report = r.json();
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    // Both crash-looping karmada containers are examined, with their previous logs.
    let containers: Vec<&str> =
        report["containers"].as_array().unwrap().iter().map(|c| c["pod"].as_str().unwrap()).collect();
    assert!(containers.iter().any(|p| p.starts_with("karmada-controller-manager")), "{containers:?}");
    assert!(containers.iter().any(|p| p.starts_with("karmada-scheduler")), "{containers:?}");
    // All three etcd members were found by discovery and their logs read.
    let members = report["members"].as_array().unwrap();
    assert_eq!(members.len(), 3, "{members:#?}");
    // The nodes they run on, with what the kubelet reports (kernel, runtime) from the served Node objects.
    let nodes = report["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{nodes:#?}");
    for n in nodes {
        assert!(n["why_listed"].to_string().contains("\"etcd_member\""), "{n:#}");
        assert!(!n["kernel_version"].as_str().unwrap_or("").is_empty(), "{n:#}");
        assert!(!n["container_runtime"].as_str().unwrap_or("").is_empty(), "{n:#}");
    }
    let collection = &report["collections"][0];
    assert_eq!(collection["context"], "edge-lab");
    assert!(collection["discovery"][0].as_str().unwrap().contains("3 pod(s) with component=etcd in kube-system"));

    let (non_get, denied) = served(&api);
    assert!(non_get.is_empty(), "only GET requests: {non_get:?}");
    assert_eq!(denied, 0, "deploy/rbac.yaml grants everything the tool asks for: {:?}", api.requests());
    let requests = api.requests();
    let pages = requests.iter().filter(|r| r.path == "/api/v1/pods").count();
    assert!(pages >= 3, "5 pods in pages of 2 take 3 requests, saw {pages}");
    assert!(requests.iter().any(|r| r.path == "/api/v1/pods" && r.query.contains("continue=")));
    let logs: Vec<&support::fakeapi::Recorded> = requests.iter().filter(|r| r.path.ends_with("/log")).collect();
    assert!(logs.iter().all(|r| r.query.contains("timestamps=true")), "{logs:?}");
    assert!(logs.iter().any(|r| r.path.contains("karmada-scheduler") && r.query.contains("previous=true")));
    assert!(logs.iter().any(|r| r.path.contains("etcd-node1") && r.query.contains("sinceTime=")));
    assert!(requests.iter().any(|r| r.path == "/apis/events.k8s.io/v1/events"));
    assert!(requests.iter().any(|r| r.path == "/metrics"));
}

#[test]
fn a_bundle_gives_the_same_report_as_the_live_run_that_wrote_it() {
    let mut scenario = shared_slow();
    // A secret in a collected log must not reach the bundle.
    for (key, body) in scenario.logs.iter_mut() {
        if key.pod.starts_with("karmada-scheduler")
            && let support::fakeapi::LogBody::Lines(lines) = body
        {
            let t = lines.last().map(|(t, _)| *t).unwrap();
            lines.push((t, "I1125 02:22:30.000000       1 round_trippers.go:466] curl -v -XGET  -H \"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl\" 'https://10.96.0.1:443/api'".into()));
        }
    }
    let api = FakeApi::start_https(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "edge-lab");

    let live = run(&["-o", "json"], &kubeconfig);
    assert_eq!(live.code(), 0, "{}", live.stderr());
    let bundle = dir.path().join("incident.tar.gz");
    let collect = run(&["collect", "-o", bundle.to_str().unwrap()], &kubeconfig);
    assert_eq!(collect.code(), 0, "{}", collect.stderr());
    assert!(collect.stdout().contains("incident.tar.gz"), "{}", collect.stdout());
    // Nothing but the bundle (and the kubeconfig) is left in the folder.
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["config", "incident.tar.gz"]);

    let offline =
        Command::new(BIN).args(["analyze", bundle.to_str().unwrap(), "-o", "json"]).output().expect("run analyze");
    assert_eq!(offline.status.code(), Some(0), "{}", String::from_utf8_lossy(&offline.stderr));
    let offline: Value = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(offline, live.json(), "analyze BUNDLE must reproduce the live report");
    assert_eq!(offline["verdict"]["outcome"], "storage_latency");

    // The bundle: raw files, a manifest with checksums, the secret redacted.
    let unpacked = tempfile::tempdir().unwrap();
    let status = Command::new("tar").arg("-xzf").arg(&bundle).arg("-C").arg(unpacked.path()).status().unwrap();
    assert!(status.success());
    let root = std::fs::read_dir(unpacked.path()).unwrap().next().unwrap().unwrap().path();
    let manifest: Value = serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "etcd-triage/bundle/v1");
    assert_eq!(manifest["collection"]["cluster_version"], api_version());
    // The manifest records the window, scope and discovery as data; the report words them.
    let c = &manifest["collection"];
    assert_eq!(c["window_basis"], serde_json::json!({"kind": "since", "since": "6h", "end": "collection"}));
    assert_eq!(c["scope"], serde_json::json!({"namespace": null}));
    let etcd = serde_json::json!({"role": "etcd", "found": [{"selector": "component=etcd", "namespace": "kube-system", "pods": 3}]});
    assert_eq!(c["discovery"][0], etcd, "{:#}", c["discovery"]);
    assert_eq!(offline["collections"][0]["window_basis"], "--since 6h before collection");
    assert_eq!(offline["collections"][0]["scope"], "all namespaces");
    let files = manifest["files"].as_array().unwrap();
    assert!(files.len() >= 10, "{files:#?}");
    for f in files {
        let bytes = std::fs::read(root.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(bytes.len() as u64, f["bytes"].as_u64().unwrap(), "{f}");
        let sha = f["sha256"].as_str().expect("checksums in a bundle");
        assert_eq!(sha.len(), 64);
        assert!(f["request"].as_str().unwrap().starts_with("GET /"));
    }
    let mut all = String::new();
    for f in files {
        all.push_str(&std::fs::read_to_string(root.join(f["path"].as_str().unwrap())).unwrap());
    }
    assert!(!all.contains("eyJhbGciOiJSUzI1NiJ9"), "the bearer token must be redacted");
    assert!(all.contains("Authorization: [REDACTED]"));
    assert!(files.iter().any(|f| f["redacted_lines"].as_u64().unwrap() > 0));
}

fn api_version() -> Value {
    Scenario::empty().version["gitVersion"].clone()
}

#[test]
fn a_folder_bundle_is_written_and_never_over_an_existing_folder() {
    let api = FakeApi::start(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let out = dir.path().join("bundle");
    let r = run(&["collect", "--out-dir", out.to_str().unwrap()], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(out.join("manifest.json").is_file());
    let again = run(&["collect", "--out-dir", out.to_str().unwrap()], &kubeconfig);
    assert_eq!(again.code(), 2, "{}", again.stderr());
    assert!(again.stderr().contains("already exists"), "{}", again.stderr());
}

#[test]
fn forbidden_and_slow_sources_become_gaps_not_failures() {
    let mut scenario = shared_slow();
    scenario.faults = vec![
        Fault::Forbidden { path_prefix: "/api/v1/namespaces/kube-system/pods/etcd-node1/log".into() },
        Fault::Forbidden { path_prefix: "/apis/events.k8s.io".into() },
        Fault::Delay { path_prefix: "/api/v1/nodes".into(), delay: Duration::from_secs(4) },
    ];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-o", "json", "--request-timeout", "1s"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    let gaps = gaps(&report);
    let etcd1 = gaps.iter().find(|g| g.contains("etcd-node1")).unwrap_or_else(|| panic!("{gaps:#?}"));
    assert!(etcd1.contains("403"), "{etcd1}");
    assert!(etcd1.contains("pods/log"), "the remedy names the permission: {etcd1}");
    assert!(gaps.iter().any(|g| g.contains("events.k8s.io") && g.contains("403")), "{gaps:#?}");
    let nodes = gaps.iter().find(|g| g.contains("nodes")).unwrap_or_else(|| panic!("{gaps:#?}"));
    assert!(nodes.contains("request-timeout"), "{nodes}");
    // The other two members still carry the storage evidence; the missing member lowers confidence.
    assert_eq!(report["members"].as_array().unwrap().len(), 2);
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    assert_ne!(report["verdict"]["confidence"], "high", "{:#}", report["verdict"]);
}

#[test]
fn an_unreachable_api_server_points_to_the_node_local_way() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    let url = support::fakeapi::refused_url();
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}\ncontexts:\n- name: down\n  context:\n    cluster: c\n    user: u\ncurrent-context: down\nusers:\n- name: u\n  user:\n    token: x\n"
        ),
    )
    .unwrap();
    let r = run(&[], &kubeconfig);
    assert_eq!(r.code(), 3, "{}", r.stderr());
    assert!(r.stderr().contains("cannot reach the API server"), "{}", r.stderr());
    assert!(r.stderr().contains("kubectl etcd-triage analyze /var/log/pods"), "{}", r.stderr());
    assert!(r.stdout().is_empty());
}

#[test]
fn rejected_credentials_are_a_clear_error() {
    let mut scenario = shared_slow();
    scenario.faults = vec![Fault::Unauthorized { path_prefix: "/".into() }];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "expired");
    let r = run(&[], &kubeconfig);
    assert_eq!(r.code(), 3, "{}", r.stderr());
    assert!(r.stderr().contains("401"), "{}", r.stderr());
    assert!(r.stderr().contains("expired"), "{}", r.stderr());
}

#[test]
fn etcd_that_is_not_visible_as_pods_is_said_plainly() {
    let mut scenario = shared_slow();
    scenario.pods.retain(|p| p["metadata"]["labels"]["component"] != "etcd");
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "managed");
    let r = run(&["-o", "json"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    let discovery = report["collections"][0]["discovery"].to_string();
    assert!(discovery.contains("not visible as pods"), "{discovery}");
    assert!(
        gaps(&report).iter().any(|g| g.contains("etcd member logs") && g.contains("journalctl")),
        "{:#?}",
        gaps(&report)
    );
    assert_ne!(report["verdict"]["outcome"], "storage_latency", "no storage verdict without etcd evidence");
}

#[test]
fn a_namespace_scope_lists_only_that_namespace_but_still_finds_etcd() {
    let api = FakeApi::start(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-n", "karmada-system", "-o", "json"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    let requests = api.requests();
    assert!(!requests.iter().any(|r| r.path == "/api/v1/pods"), "no cluster-wide pod list with -n");
    assert!(requests.iter().any(|r| r.path == "/api/v1/namespaces/karmada-system/pods"));
    assert!(requests.iter().any(|r| r.path == "/api/v1/namespaces/kube-system/events"), "etcd's namespace events");
    assert_eq!(report["members"].as_array().unwrap().len(), 3);
}

#[test]
fn kubectl_finds_the_plugin_on_path() {
    let kubectl = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("kubectl")).find(|p| p.is_file()));
    let Some(kubectl) = kubectl else {
        assert!(std::env::var_os("CI").is_none(), "CI installs kubectl (scripts/install-test-deps.sh)");
        eprintln!("kubectl not on PATH; skipping the plugin discovery test");
        return;
    };
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "edge-lab");
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(BIN, bin_dir.join("kubectl-etcd_triage")).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let plugins = Command::new(&kubectl).args(["plugin", "list"]).env("PATH", &path).output().unwrap();
    assert!(String::from_utf8_lossy(&plugins.stdout).contains("kubectl-etcd_triage"), "{plugins:?}");
    let out = Command::new(&kubectl)
        .args(["etcd-triage", "-o", "json", "--now", NOW])
        .env("PATH", &path)
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
    assert_eq!(report["collections"][0]["context"], "edge-lab", "$KUBECONFIG is honoured");
}

#[test]
fn an_unreachable_kubelet_and_the_deadline_leave_gaps_and_a_report() {
    let mut scenario = shared_slow();
    scenario.faults = vec![
        // The API server cannot reach etcd-node2's kubelet.
        Fault::ServerError { path_prefix: "/api/v1/namespaces/kube-system/pods/etcd-node2/log".into(), code: 500 },
        // The scheduler's logs answer after the whole run's budget.
        Fault::Delay {
            path_prefix: "/api/v1/namespaces/karmada-system/pods/karmada-scheduler".into(),
            delay: Duration::from_secs(6),
        },
    ];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let started = std::time::Instant::now();
    let r = run(&["-o", "json", "--deadline", "2s", "--request-timeout", "10s"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(started.elapsed() < Duration::from_secs(6), "the deadline bounds the run: {:?}", started.elapsed());
    let gaps = gaps(&r.json());
    let kubelet = gaps.iter().find(|g| g.contains("etcd-node2")).unwrap_or_else(|| panic!("{gaps:#?}"));
    assert!(kubelet.contains("500") && kubelet.contains("analyze /var/log/pods"), "{kubelet}");
    let late = gaps.iter().find(|g| g.contains("karmada-scheduler") && g.contains("deadline"));
    assert!(late.is_some(), "{gaps:#?}");
}

#[test]
fn ctrl_c_during_collect_leaves_no_half_bundle() {
    let mut scenario = shared_slow();
    scenario.faults = vec![Fault::Delay {
        path_prefix: "/api/v1/namespaces/kube-system/pods".into(),
        delay: Duration::from_secs(20),
    }];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let bundle = dir.path().join("incident.tar.gz");
    let child = Command::new(BIN)
        .args(["collect", "-o", bundle.to_str().unwrap(), "--kubeconfig", kubeconfig.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until collection is under way (the first requests arrived), then interrupt.
    let waited = std::time::Instant::now();
    while api.requests().len() < 3 && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["config"], "no bundle, no temporary folder left behind");
}

#[test]
fn discovery_flags_find_etcd_anywhere_and_no_redact_keeps_secrets() {
    let mut scenario = shared_slow();
    // etcd run by some other tool: another namespace, another label.
    for p in scenario.pods.iter_mut() {
        if p["metadata"]["labels"]["component"] == "etcd" {
            p["metadata"]["namespace"] = "etcd-ext".into();
            p["metadata"]["labels"] = serde_json::json!({"role": "db"});
        }
    }
    let keys: Vec<_> = scenario.logs.keys().filter(|k| k.namespace == "kube-system").cloned().collect();
    for k in keys {
        let body = scenario.logs.remove(&k).unwrap();
        scenario.logs.insert(support::fakeapi::LogKey { namespace: "etcd-ext".into(), ..k }, body);
    }
    scenario.metrics = Some("# TYPE x counter\nx{url=\"https://admin:s3cr3t@etcd-ext:2379\"} 1\n".into());
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");

    let default = run(&["-o", "json"], &kubeconfig);
    assert!(default.json()["collections"][0]["discovery"].to_string().contains("not visible as pods"));

    let out = dir.path().join("bundle");
    let flags = ["--etcd-namespace", "etcd-ext", "--etcd-selector", "role=db"];
    let live = run(&[&["-o", "json"][..], &flags[..]].concat(), &kubeconfig);
    assert_eq!(live.code(), 0, "{}", live.stderr());
    assert_eq!(live.json()["verdict"]["outcome"], "storage_latency", "{:#}", live.json()["verdict"]);
    assert_eq!(live.json()["members"].as_array().unwrap().len(), 3);

    let collect =
        run(&[&["collect", "--no-redact", "--out-dir", out.to_str().unwrap()][..], &flags[..]].concat(), &kubeconfig);
    assert_eq!(collect.code(), 0, "{}", collect.stderr());
    assert!(collect.stdout().contains("NOT redacted"), "{}", collect.stdout());
    let metrics = std::fs::read_to_string(out.join("metrics/kube-apiserver.prom")).unwrap();
    assert!(metrics.contains("s3cr3t"), "--no-redact keeps what was served");
    // The etcd pods outside the workload scope's pod list are kept as evidence too.
    let collect_all = run(
        &[&["collect", "-n", "karmada-system", "--out-dir", dir.path().join("b2").to_str().unwrap()][..], &flags[..]]
            .concat(),
        &kubeconfig,
    );
    assert_eq!(collect_all.code(), 0, "{}", collect_all.stderr());
    assert!(dir.path().join("b2/objects/etcd-pods-etcd-ext-0001.json").is_file());
    let redacted = std::fs::read_to_string(dir.path().join("b2/metrics/kube-apiserver.prom")).unwrap();
    assert!(!redacted.contains("s3cr3t") && redacted.contains("admin:[REDACTED]@"), "{redacted}");
}

#[test]
fn a_missing_previous_log_is_a_gap_not_a_crash() {
    let mut scenario = shared_slow();
    // The kubelet no longer has the scheduler's previous run (the API server answers 400 "... not found"), and the
    // controller manager's pod was replaced between the list and the log request (404).
    let before = scenario.logs.len();
    scenario.logs.retain(|k, _| !(k.pod.starts_with("karmada-scheduler") && k.previous));
    assert_eq!(scenario.logs.len(), before - 1, "the scenario had the scheduler's previous log");
    scenario.faults = vec![Fault::PreviousLogGone {
        path_prefix: "/api/v1/namespaces/karmada-system/pods/karmada-controller-manager".into(),
        code: 404,
    }];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-o", "json"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    let gaps = gaps(&report);
    let scheduler = gaps
        .iter()
        .find(|g| g.contains("previous log of karmada-system/karmada-scheduler"))
        .unwrap_or_else(|| panic!("{gaps:#?}"));
    assert!(scheduler.contains("400") && scheduler.contains("not found"), "{scheduler}");
    assert!(scheduler.contains("kubelet keeps one previous log"), "the impact says why: {scheduler}");
    let manager = gaps
        .iter()
        .find(|g| g.contains("previous log of karmada-system/karmada-controller-manager"))
        .unwrap_or_else(|| panic!("{gaps:#?}"));
    assert!(manager.contains("404"), "{manager}");
    // Both previous logs were asked for; the report still reaches a verdict from the rest of the evidence.
    let requests = api.requests();
    for pod in ["karmada-scheduler", "karmada-controller-manager"] {
        assert!(
            requests.iter().any(|r| r.path.contains(pod) && r.query.contains("previous=true") && r.status >= 400),
            "{requests:?}"
        );
    }
    // The etcd members' evidence is all there, so the verdict stands (with the gaps listed).
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    assert_eq!(report["members"].as_array().unwrap().len(), 3);
}

#[test]
fn an_api_server_that_never_answers_points_to_the_node_local_way_in_bounded_time() {
    // Connections are accepted (the TCP port is open) but answers never come: first only /version, then every path.
    for prefix in ["/version", "/"] {
        let mut scenario = shared_slow();
        scenario.faults = vec![Fault::Delay { path_prefix: prefix.into(), delay: Duration::from_secs(60) }];
        let api = FakeApi::start(scenario);
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        api.write_kubeconfig(&kubeconfig, "hung");
        let started = std::time::Instant::now();
        let r = run(&["-o", "json", "--request-timeout", "1s"], &kubeconfig);
        let took = started.elapsed();
        assert_eq!(r.code(), 3, "delayed {prefix}: {}", r.stderr());
        assert!(took < Duration::from_secs(8), "--request-timeout bounds the wait, took {took:?}");
        assert!(r.stderr().contains("--request-timeout"), "the error says which limit ran out: {}", r.stderr());
        assert!(r.stderr().contains("kubectl etcd-triage analyze /var/log/pods"), "{}", r.stderr());
        assert!(r.stdout().is_empty(), "no report on stdout: {}", r.stdout());
        assert!(api.requests().iter().any(|q| q.path == "/version"), "the server was reached");
        api.stop();
    }
}

#[test]
fn log_requests_carry_the_tail_the_window_and_timestamps_and_only_get_is_used() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "edge-lab");
    let r = run(&["-o", "json", "--log-tail", "37", "--since", "90m"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let requests = api.requests();
    let logs: Vec<_> = requests.iter().filter(|r| r.path.ends_with("/log")).collect();

    // Restarted workload containers: previous (and current, when running) logs, tailed to --log-tail.
    let workload: Vec<_> = logs.iter().filter(|r| r.path.contains("/namespaces/karmada-system/")).collect();
    let previous: Vec<_> =
        workload.iter().filter(|r| r.params().get("previous").is_some_and(|v| v == "true")).collect();
    assert_eq!(previous.len(), 2, "both crash-looping containers' previous logs: {workload:?}");
    for r in &workload {
        let p = r.params();
        assert_eq!(p.get("tailLines").map(String::as_str), Some("37"), "{r:?}");
        assert_eq!(p.get("timestamps").map(String::as_str), Some("true"), "{r:?}");
    }

    // etcd members: the whole window (sinceTime = now - --since), with timestamps, not tailed.
    let etcd: Vec<_> = logs.iter().filter(|r| r.path.contains("/namespaces/kube-system/pods/etcd-")).collect();
    assert_eq!(etcd.len(), 3, "one current log per member (none restarted): {etcd:?}");
    let window_from = chrono::DateTime::parse_from_rfc3339(NOW).unwrap() - chrono::Duration::minutes(90);
    for r in &etcd {
        let p = r.params();
        assert_eq!(p.get("timestamps").map(String::as_str), Some("true"), "{r:?}");
        let since = p.get("sinceTime").unwrap_or_else(|| panic!("sinceTime on {r:?}"));
        let since = chrono::DateTime::parse_from_rfc3339(since).unwrap_or_else(|e| panic!("{since}: {e}"));
        assert_eq!(since, window_from, "{r:?}");
        assert!(!p.contains_key("tailLines"), "etcd logs are read over the window, not tailed: {r:?}");
        assert_eq!(p.get("container").map(String::as_str), Some("etcd"), "{r:?}");
    }

    let (non_get, _) = served(&api);
    assert!(non_get.is_empty(), "only GET requests: {non_get:?}");
    assert!(requests.len() > logs.len(), "lists and /version were made as well");
}

#[test]
fn concurrency_bounds_the_requests_in_flight() {
    // Every answer is slow to start and log bodies are slow to stream, so requests overlap whenever the tool lets
    // them: the peak the fake sees is the tool's real concurrency.
    let slow = || {
        let mut s = shared_slow();
        s.faults = vec![
            Fault::Delay { path_prefix: "/api".into(), delay: Duration::from_millis(150) },
            Fault::SlowBody {
                path_prefix: "/api/v1/namespaces/kube-system/pods/etcd-".into(),
                delay: Duration::from_millis(300),
            },
        ];
        s
    };
    let peak = |concurrency: &str| {
        let api = FakeApi::start(slow());
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        api.write_kubeconfig(&kubeconfig, "plain");
        let r = run(&["-o", "json", "--concurrency", concurrency], &kubeconfig);
        assert_eq!(r.code(), 0, "{}", r.stderr());
        assert_eq!(r.json()["verdict"]["outcome"], "storage_latency");
        let peak = api.peak_in_flight();
        api.stop();
        peak
    };
    let bounded = peak("2");
    assert!(bounded > 0, "the fake counted the requests");
    assert!(bounded <= 2, "--concurrency 2 but {bounded} requests were in flight at once");
    // The measurement can see overlap: with a higher bound the same run has more in flight.
    let wide = peak("16");
    assert!(wide > 2, "with --concurrency 16 the run overlaps more than 2 requests (saw {wide})");
}

/// Moves the fixture's etcd pods (and their logs) to `namespace` with `labels`, as another distribution lays them out.
fn relocate_etcd(scenario: &mut Scenario, namespace: &str, labels: Value) {
    for p in scenario.pods.iter_mut() {
        if p["metadata"]["labels"]["component"] == "etcd" {
            p["metadata"]["namespace"] = namespace.into();
            p["metadata"]["labels"] = labels.clone();
        }
    }
    let keys: Vec<_> =
        scenario.logs.keys().filter(|k| k.namespace == "kube-system" && k.pod.starts_with("etcd-")).cloned().collect();
    assert_eq!(keys.len(), 3, "the fixture has three etcd members");
    for k in keys {
        let body = scenario.logs.remove(&k).unwrap();
        scenario.logs.insert(support::fakeapi::LogKey { namespace: namespace.into(), ..k }, body);
    }
}

#[test]
fn etcd_is_found_where_karmada_and_openshift_put_it_without_flags() {
    let layouts = [
        // Karmada's own etcd StatefulSet (karmada-system, app=etcd).
        (
            "karmada-system",
            serde_json::json!({"app": "etcd", "controller-revision-hash": "etcd-5d8b7c9f4", "statefulset.kubernetes.io/pod-name": "etcd-0"}),
        ),
        // OpenShift's etcd static pods (openshift-etcd, app=etcd).
        ("openshift-etcd", serde_json::json!({"app": "etcd", "etcd": "true", "k8s-app": "etcd", "revision": "7"})),
    ];
    for (namespace, labels) in layouts {
        let mut scenario = shared_slow();
        relocate_etcd(&mut scenario, namespace, labels);
        let api = FakeApi::start(scenario);
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("config");
        api.write_kubeconfig(&kubeconfig, "plain");
        let r = run(&["-o", "json"], &kubeconfig);
        assert_eq!(r.code(), 0, "{namespace}: {}", r.stderr());
        let report = r.json();
        let discovery = report["collections"][0]["discovery"].to_string();
        assert!(discovery.contains(&format!("etcd: 3 pod(s) with app=etcd in {namespace}")), "{discovery}");
        assert_eq!(report["members"].as_array().unwrap().len(), 3, "{namespace}");
        assert!(!gaps(&report).iter().any(|g| g.contains("etcd member logs")), "{:#?}", gaps(&report));
        assert_eq!(report["verdict"]["outcome"], "storage_latency", "{namespace}: {:#}", report["verdict"]);
        let requests = api.requests();
        assert!(
            requests.iter().any(|r| r.path.starts_with(&format!("/api/v1/namespaces/{namespace}/pods/etcd-"))
                && r.path.ends_with("/log")),
            "{requests:?}"
        );
        api.stop();
    }
}

#[test]
fn kube_apiserver_pods_are_found_by_default_and_by_flags() {
    // No kube-apiserver log was captured in tests/fixtures, so its log is served empty: these tests check that the
    // pods are found and their logs asked for, not what the logs say.
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
    let with_apiserver = |namespace: &str, labels: &[(&str, &str)]| {
        let mut s = shared_slow();
        s.pods.push(support::fakeapi::static_pod(
            namespace,
            "kube-apiserver-node1",
            "node1",
            labels,
            "kube-apiserver",
            "registry.k8s.io/kube-apiserver:v1.33.0",
            now,
        ));
        let key = support::fakeapi::LogKey {
            namespace: namespace.into(),
            pod: "kube-apiserver-node1".into(),
            container: "kube-apiserver".into(),
            previous: false,
        };
        s.logs.insert(key, support::fakeapi::LogBody::Lines(Vec::new()));
        s
    };
    let asked_for_its_log = |api: &FakeApi, namespace: &str| {
        api.requests().iter().any(|r| {
            r.path == format!("/api/v1/namespaces/{namespace}/pods/kube-apiserver-node1/log")
                && r.params().get("container").is_some_and(|c| c == "kube-apiserver")
                && r.status == 200
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");

    // kubeadm's static pod: found by default.
    let api =
        FakeApi::start(with_apiserver("kube-system", &[("component", "kube-apiserver"), ("tier", "control-plane")]));
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-o", "json"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    let discovery = report["collections"][0]["discovery"].to_string();
    assert!(discovery.contains("kube-apiserver: 1 pod(s) with component=kube-apiserver in kube-system"), "{discovery}");
    assert!(!gaps(&report).iter().any(|g| g.contains("kube-apiserver logs")), "{:#?}", gaps(&report));
    assert!(asked_for_its_log(&api, "kube-system"), "{:?}", api.requests());
    api.stop();

    // Somewhere discovery does not look: not found by default, found with the flags.
    let api = FakeApi::start(with_apiserver("control-plane", &[("role", "apiserver")]));
    api.write_kubeconfig(&kubeconfig, "plain");
    let default = run(&["-o", "json"], &kubeconfig);
    assert_eq!(default.code(), 0, "{}", default.stderr());
    assert!(gaps(&default.json()).iter().any(|g| g.contains("kube-apiserver logs")), "{:#?}", gaps(&default.json()));
    assert!(!asked_for_its_log(&api, "control-plane"));
    let flags = ["-o", "json", "--apiserver-namespace", "control-plane", "--apiserver-selector", "role=apiserver"];
    let r = run(&flags, &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    let discovery = report["collections"][0]["discovery"].to_string();
    assert!(discovery.contains("kube-apiserver: 1 pod(s) with role=apiserver in control-plane"), "{discovery}");
    assert!(!gaps(&report).iter().any(|g| g.contains("kube-apiserver logs")), "{:#?}", gaps(&report));
    assert!(asked_for_its_log(&api, "control-plane"), "{:?}", api.requests());
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    api.stop();
}

#[test]
fn credentials_rejected_mid_run_say_refresh_them_not_grant_a_permission() {
    let mut scenario = shared_slow();
    // /version is answered, then the token stops being accepted for the node list and one etcd member's log
    // (a token that expired during the run, or was rotated).
    scenario.faults = vec![
        Fault::Unauthorized { path_prefix: "/api/v1/nodes".into() },
        Fault::Unauthorized { path_prefix: "/api/v1/namespaces/kube-system/pods/etcd-node3/log".into() },
    ];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-o", "json"], &kubeconfig);
    assert_eq!(r.code(), 0, "a 401 after /version is a gap, not a failed run: {}", r.stderr());
    let report = r.json();
    let gaps = gaps(&report);
    for what in ["nodes (/api/v1/nodes)", "log of kube-system/etcd-node3"] {
        let gap = gaps.iter().find(|g| g.contains(what)).unwrap_or_else(|| panic!("{what}: {gaps:#?}"));
        assert!(gap.contains("401"), "{gap}");
        assert!(gap.contains("rejected the credentials") && gap.contains("refresh the token or kubeconfig"), "{gap}");
        assert!(!gap.contains("grant"), "no permission is missing: {gap}");
    }
    assert_eq!(report["members"].as_array().unwrap().len(), 2, "the other members' logs were read");
}

/// A kubeconfig with two contexts: `down` (current, a closed port) and `other` (the fake API server).
fn two_context_kubeconfig(path: &Path, api: &FakeApi) {
    let down = support::fakeapi::refused_url();
    let up = api.url();
    std::fs::write(
        path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: down\n  cluster:\n    server: {down}\n- name: up\n  cluster:\n    server: {up}\ncontexts:\n- name: down\n  context:\n    cluster: down\n    user: u\n- name: other\n  context:\n    cluster: up\n    user: u\ncurrent-context: down\nusers:\n- name: u\n  user:\n    token: t0ken-for-tests\n"
        ),
    )
    .unwrap();
}

#[test]
fn context_flag_picks_the_other_context() {
    let api = FakeApi::start(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    two_context_kubeconfig(&kubeconfig, &api);
    // The current context points at a closed port...
    let current = run(&["-o", "json", "--request-timeout", "2s"], &kubeconfig);
    assert_eq!(current.code(), 3, "{}", current.stderr());
    assert!(current.stderr().contains("cannot reach the API server"), "{}", current.stderr());
    assert!(api.requests().is_empty(), "the current context does not point at the fake");
    // ...--context other at the fake.
    let r = run(&["-o", "json", "--context", "other"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let report = r.json();
    assert_eq!(report["collections"][0]["context"], "other");
    assert_eq!(report["collections"][0]["server"], api.url());
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    assert!(api.requests().iter().any(|r| r.path == "/version"));
}

#[test]
fn all_namespaces_and_a_namespace_together_are_a_usage_error() {
    let api = FakeApi::start(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    for args in
        [&["-A", "-n", "karmada-system"][..], &["collect", "--out-dir", "unused", "-n", "x", "--all-namespaces"]]
    {
        let r = run(args, &kubeconfig);
        assert_eq!(r.code(), 2, "{args:?}: {}", r.stderr());
        assert!(r.stderr().contains("--namespace") && r.stderr().contains("--all-namespaces"), "{}", r.stderr());
        assert!(r.stdout().is_empty(), "{}", r.stdout());
    }
    assert!(api.requests().is_empty(), "rejected before contacting the cluster: {:?}", api.requests());
    assert!(!dir.path().join("unused").exists() && !Path::new("unused").exists());
}

#[test]
fn a_live_run_renders_markdown() {
    let api = FakeApi::start(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let r = run(&["-o", "markdown"], &kubeconfig);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let md = r.stdout();
    assert!(md.starts_with("# etcd-triage report"), "{md}");
    for section in
        ["## Verdict", "## etcd members", "## Restarted containers", "## Timeline", "## Gaps and assumptions"]
    {
        assert!(md.lines().any(|l| l.starts_with(section)), "{section} missing:\n{md}");
    }
    assert!(md.lines().any(|l| l.starts_with('|') && l.contains("etcd-node1")), "a member table row:\n{md}");
    assert!(md.contains("karmada-scheduler"), "the restarted containers are listed:\n{md}");
    assert!(md.contains("kube-apiserver logs"), "the discovery gap is listed:\n{md}");
    assert!(!md.contains('\u{1b}'), "no terminal colour in Markdown");
    assert!(serde_json::from_str::<Value>(&md).is_err(), "not the JSON report");
}
