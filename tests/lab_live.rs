//! Runs the lab live: a real 3-member etcd cluster (Debian's etcd-server) on 127.0.0.1, a writer load, two
//! leader-elected victims with kubelet-style back-off, and fdatasync latency injected into the running members with
//! `strace -e inject=fdatasync:delay_enter=N`. Then the tool must find the storage chain in what the lab wrote.
//!
//! About 2-3 minutes. Needs etcd, etcdctl and strace (scripts/install-test-deps.sh); where they are missing the
//! test is skipped with a message, except under CI (`CI` set), where that is a failure.

use std::path::Path;
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {cmd}")]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn live_lab_shared_slow_storage_is_found() {
    let missing: Vec<&str> = ["etcd", "etcdctl", "strace"].into_iter().filter(|c| !have(c)).collect();
    if !missing.is_empty() {
        assert!(std::env::var_os("CI").is_none(), "CI must install {missing:?} (scripts/install-test-deps.sh)");
        eprintln!("skipping the live lab: {missing:?} not installed (scripts/install-test-deps.sh)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let lab = Command::new("bash")
        .arg(root.join("lab/run.sh"))
        .args(["--scenario", "shared-slow", "--duration", "120", "--min-restarts", "2", "--skip-objects", "--out"])
        .arg(out.path())
        .output()
        .expect("lab/run.sh runs");
    assert!(
        lab.status.success(),
        "lab failed ({:?}):\n{}\n{}",
        lab.status.code(),
        String::from_utf8_lossy(&lab.stdout),
        String::from_utf8_lossy(&lab.stderr)
    );
    let analyzed = Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
        .arg("analyze")
        .arg(out.path())
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(analyzed.status.success(), "{}", String::from_utf8_lossy(&analyzed.stderr));
    let r: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    let v = &r["verdict"];
    assert_eq!(v["outcome"], "storage_latency", "{v:#}");
    assert!(matches!(v["confidence"].as_str(), Some("high" | "medium")), "{v:#}");
    // Without pod objects (--skip-objects) the restarts come from the victims' run files and own lines.
    let placed: usize =
        r["containers"].as_array().unwrap().iter().map(|c| c["restarts"].as_array().unwrap().len()).sum();
    assert!(placed >= 4, "2 victims x at least 2 restarts, placed {placed}");
    let members = r["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert!(members.iter().any(|m| m["slow_wal_sync"]["count"].as_u64().unwrap() > 0));
    assert!(r["gaps"].to_string().contains("pod status"), "the missing pod list is reported as a gap");
}
