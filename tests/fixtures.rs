//! Verdicts on the lab's captured incidents (tests/fixtures/*, real etcd runs; see each README.md): the verdict,
//! its confidence band, and the evidence it cites.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Runs `analyze` on a fixture and returns the JSON report.
fn analyze(path: &Path, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
        .arg("analyze")
        .arg(path)
        .args(["-o", "json"])
        .args(extra)
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "analyze {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON report")
}

fn verdict(r: &Value) -> (&str, &str, &str) {
    let v = &r["verdict"];
    (v["outcome"].as_str().unwrap_or(""), v["cause"].as_str().unwrap_or(""), v["confidence"].as_str().unwrap_or(""))
}

fn citations(r: &Value) -> Vec<(String, String)> {
    r["verdict"]["evidence"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let o = &c["origin"];
                    let origin = format!("{}:{}", o["source"].as_str().unwrap_or(""), o["line"].as_u64().unwrap_or(0));
                    (c["claim"].as_str().unwrap_or("").to_string(), origin)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn restarts(r: &Value) -> Vec<&Value> {
    r["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["restarts"].as_array().into_iter().flatten())
        .collect()
}

fn member<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["members"].as_array().and_then(|m| m.iter().find(|m| m["member"] == name)).unwrap_or(&Value::Null)
}

/// Every citation points into an input file at a line that exists.
fn assert_citations_resolve(r: &Value) {
    for (claim, origin) in citations(r) {
        let (file, line) = origin.rsplit_once(':').unwrap();
        let line: usize = line.parse().unwrap();
        if line == 0 {
            continue; // object citations (pods.json#items[3]) have no line
        }
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("citation {origin} ({claim}): {e}"));
        assert!(text.lines().count() >= line, "citation {origin} beyond end of file");
    }
}

#[test]
fn shared_slow_storage_is_attributed_to_storage_with_the_chain_cited() {
    let r = analyze(&fixture("shared-slow"), &[]);
    let (outcome, cause, confidence) = verdict(&r);
    assert_eq!((outcome, cause), ("storage_latency", "storage_latency"), "{:#}", r["verdict"]);
    assert!(matches!(confidence, "high" | "medium"), "confidence {confidence}");
    let cites = citations(&r);
    assert!(cites.iter().any(|(c, o)| c.contains("slow WAL fdatasync") && o.contains("/etcd/")), "{cites:#?}");
    assert!(
        cites.iter().any(|(c, _)| c.contains("lease") || c.contains("leader election lost")),
        "the controllers' own lease errors are part of the cited chain: {cites:#?}"
    );
    let placed = restarts(&r);
    assert!(placed.len() >= 2, "restarts placed: {}", placed.len());
    let storage = placed.iter().filter(|p| p["attribution"]["cause"] == "storage_latency").count();
    assert!(storage * 2 > placed.len(), "{storage} of {} restarts attributed to storage", placed.len());
    // All three members logged slow fdatasync; the stats carry p50/p99/max.
    for m in ["etcd-node1", "etcd-node2", "etcd-node3"] {
        let wal = &member(&r, m)["slow_wal_sync"];
        assert!(wal["count"].as_u64().unwrap_or(0) > 0, "{m}: {wal}");
        assert!(wal["max_ms"].as_f64().unwrap() >= 1000.0);
        assert!(wal["p50_ms"].as_f64().unwrap() <= wal["p99_ms"].as_f64().unwrap());
    }
    assert_citations_resolve(&r);
    let advice = r["recommendations"].to_string();
    assert!(advice.contains("sync=disabled"), "storage advice warns against ZFS sync=disabled");
    assert!(advice.contains("--wal-dir"));
}

#[test]
fn leader_only_slow_storage_is_attributed_to_storage() {
    let r = analyze(&fixture("leader-slow"), &[]);
    let (outcome, _, confidence) = verdict(&r);
    assert_eq!(outcome, "storage_latency", "{:#}", r["verdict"]);
    assert!(matches!(confidence, "high" | "medium"));
    assert_citations_resolve(&r);
}

#[test]
fn a_narrow_window_excludes_and_counts_the_rest() {
    let all = analyze(&fixture("shared-slow"), &[]);
    let narrow = analyze(&fixture("shared-slow"), &["--since", "30s"]);
    assert!(narrow["window"]["excluded"].as_u64().unwrap() > 0);
    assert!(restarts(&narrow).len() <= restarts(&all).len());
    assert!(narrow["window"]["basis"].as_str().unwrap().contains("latest evidence"));
}
