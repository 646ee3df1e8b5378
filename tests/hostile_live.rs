//! A hostile or broken API server (tests/support/fakeapi with injected faults) against the real binary: paging that
//! never ends, answers larger than the caps, endless log streams, throttling. Each is cut or bounded, reported as a
//! gap, and the verdict on what was read stands.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use support::fakeapi::{FakeApi, Fault, Rbac, Recorded, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
const NOW: &str = "2026-11-25T02:23:00Z";

fn shared_slow() -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = Scenario::from_fixture(&root.join("tests/fixtures/shared-slow"));
    s.token = Some("t0ken-for-tests".into());
    s.rbac = Some(Rbac::from_yaml_file(&root.join("deploy/rbac.yaml")));
    s
}

struct Run {
    out: Output,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn json(&self) -> Value {
        assert_eq!(self.out.status.code(), Some(0), "stderr:\n{}", self.stderr());
        serde_json::from_slice(&self.out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stderr()))
    }
}

fn run(api: &FakeApi, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig: PathBuf = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "edge-lab");
    let out = Command::new(BIN)
        .args(["-o", "json"])
        .args(args)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--now", NOW])
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the plugin");
    Run { out }
}

fn gaps(report: &Value) -> Vec<String> {
    report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} | {} | {}", g["what"], g["why"], g["remedy"]))
        .collect()
}

fn gap_with<'a>(gaps: &'a [String], needles: &[&str]) -> Option<&'a String> {
    gaps.iter().find(|g| needles.iter().all(|n| g.contains(n)))
}

fn only_gets(requests: &[Recorded]) {
    let non_get: Vec<&Recorded> = requests.iter().filter(|r| r.method != "GET").collect();
    assert!(non_get.is_empty(), "only GET requests: {non_get:?}");
}

#[test]
fn a_repeated_continue_token_ends_paging_with_a_gap_and_keeps_the_pods_read() {
    let mut scenario = shared_slow();
    scenario.faults.push(Fault::StuckContinue { path_prefix: "/api/v1/pods".into() });
    let api = FakeApi::start_https(scenario);
    let report = run(&api, &["--page-size", "2"]).json();
    let requests = api.requests();
    only_gets(&requests);
    let pages = requests.iter().filter(|r| r.path == "/api/v1/pods").count();
    assert_eq!(pages, 2, "the second page handed back the first page's token: paging stops there");
    let gaps = gaps(&report);
    let gap = gap_with(&gaps, &["pods after page 2", "/api/v1/pods", "already given"]);
    assert!(gap.is_some(), "{gaps:#?}");
    // The crash-looping karmada pods were on the pages read: the verdict on the fixture stands.
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    let containers: Vec<&str> =
        report["containers"].as_array().unwrap().iter().map(|c| c["pod"].as_str().unwrap()).collect();
    assert!(containers.iter().any(|p| p.starts_with("karmada-scheduler")), "{containers:?}");
}

#[test]
fn a_list_that_never_ends_stops_at_the_page_cap_with_a_gap() {
    let mut scenario = shared_slow();
    scenario.faults.push(Fault::EndlessContinue { path_prefix: "/api/v1/nodes".into() });
    let api = FakeApi::start(scenario);
    let report = run(&api, &["--deadline", "5m"]).json();
    let pages = api.requests().iter().filter(|r| r.path == "/api/v1/nodes").count();
    assert_eq!(pages, 1000, "MAX_LIST_PAGES pages, then a gap");
    let gaps = gaps(&report);
    assert!(gap_with(&gaps, &["nodes after page 1000", "did not end within 1000 pages"]).is_some(), "{gaps:#?}");
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
}
