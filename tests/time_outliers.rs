//! Outlier timestamps (issue 11, "quiet losses"): one record timed in year 9999 (or 1970) among a real incident's
//! evidence is reported as a gap naming it, and moves neither the window, `--since`, the verdict nor the chart.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::copy_dir;

const MEMBER_LOG: &str = "var/log/pods/kube-system_etcd-node1_1a05deda-4e5a-4b05-aba0-f0e4e9b455b5/etcd/0.log";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow")
}

/// `analyze shared-slow ...` run from the folder holding the copy (so that citations read alike in both runs).
fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
        .env("NO_COLOR", "1")
        .current_dir(dir.parent().expect("a parent"))
        .arg("analyze")
        .arg(dir.file_name().expect("a name"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "analyze failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["-o", "json"];
    args.extend_from_slice(extra);
    serde_json::from_slice(&run(dir, &args)).expect("a JSON report")
}

/// The fixture copied, with line `line_no` of etcd-node1's log given the zap `ts` `ts` (synthesised: the real line
/// is a `slow fdatasync` record of the lab capture; only its inner timestamp is changed).
fn with_outlier(tmp: &Path, line_no: usize, ts: &str) -> PathBuf {
    let dir = clean_copy(tmp);
    let log = dir.join(MEMBER_LOG);
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let line = &mut lines[line_no - 1];
    assert!(line.contains("\"msg\":\"slow fdatasync\""), "line {line_no} is a slow fdatasync record: {line}");
    let at = line.find("\"ts\":\"").unwrap() + 6;
    let end = at + line[at..].find('"').unwrap();
    line.replace_range(at..end, ts);
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    dir
}

fn clean_copy(tmp: &Path) -> PathBuf {
    let dir = tmp.join("shared-slow");
    copy_dir(&fixture(), &dir);
    dir
}

#[test]
fn one_record_in_year_9999_or_1970_moves_nothing_and_is_a_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let original = clean_copy(tmp.path());
    let clean = json(&original, &[]);
    let clean_since = json(&original, &["--since", "2m"]);
    let clean_html = run(&original, &["-o", "html"]).len();
    for ts in ["9999-12-31T23:59:59.000Z", "1970-01-01T00:00:01.000Z"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = with_outlier(tmp.path(), 110, ts);
        let r = json(&dir, &[]);
        assert_eq!(r["verdict"], clean["verdict"], "{ts}: the verdict is unchanged");
        assert_eq!(r["window"]["from"], clean["window"]["from"], "{ts}");
        assert_eq!(r["window"]["to"], clean["window"]["to"], "{ts}");
        let since = json(&dir, &["--since", "2m"]);
        assert_eq!(since["window"]["from"], clean_since["window"]["from"], "{ts}: --since is anchored as before");
        assert_eq!(since["verdict"]["outcome"], clean_since["verdict"]["outcome"], "{ts}");
        let gaps = r["gaps"].as_array().unwrap();
        let gap = gaps
            .iter()
            .find(|g| g["what"].as_str().unwrap_or("").contains("away from the rest of the evidence"))
            .unwrap_or_else(|| panic!("{ts}: an outlier gap in {gaps:#?}"));
        let what = gap["what"].as_str().unwrap();
        assert!(what.starts_with("1 record(s)"), "{what}");
        assert!(what.contains(&format!("{MEMBER_LOG}:110")), "the gap names the line: {what}");
        assert!(what.contains(&ts[..4]), "{what}");
        // Only the outlier gap is new (it lowers nothing: the verdict above is the same, confidence included).
        assert_eq!(gaps.len(), clean["gaps"].as_array().unwrap().len() + 1, "{ts}");
        let html = run(&dir, &["-o", "html"]).len();
        eprintln!("{ts}: HTML {html} bytes (without the outlier {clean_html})");
        assert!(html < clean_html * 2, "{ts}: HTML {html} bytes, {clean_html} without the outlier");
    }
}

/// A container termination timed in year 9999 (synthesised: one `finishedAt` of the lab capture's pods.json
/// changed) is counted in the outlier gap with the log line, and moves neither the window nor the verdict.
#[test]
fn an_outlier_termination_is_counted_in_the_gap() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = json(&clean_copy(tmp.path()), &[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = with_outlier(tmp.path(), 110, "9999-12-31T23:59:59.000Z");
    let pods = dir.join("pods.json");
    let text = std::fs::read_to_string(&pods).unwrap();
    let real = "\"finishedAt\": \"2026-11-25T02:21:21Z\"";
    assert_eq!(text.matches(real).count(), 1, "one termination at 02:21:21 in the capture");
    std::fs::write(&pods, text.replace(real, "\"finishedAt\": \"9999-11-25T02:21:21Z\"")).unwrap();
    let r = json(&dir, &[]);
    assert_eq!(r["window"]["from"], clean["window"]["from"]);
    assert_eq!(r["window"]["to"], clean["window"]["to"]);
    assert_eq!(r["verdict"]["outcome"], clean["verdict"]["outcome"]);
    let what: Vec<&str> = r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["what"].as_str())
        .filter(|w| w.contains("away from the rest of the evidence"))
        .collect();
    assert_eq!(what.len(), 1, "one outlier gap: {what:?}");
    assert!(what[0].starts_with("2 record(s)"), "the log line and the termination: {}", what[0]);
}

/// One ill-typed item in a pod list (`status.containerStatuses` a string: synthesised, in the lab capture's
/// pods.json) drops only that item: the page's restarted containers stay, and the item is a gap naming it.
#[test]
fn one_ill_typed_pod_item_is_a_gap_and_the_page_keeps_its_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let original = clean_copy(tmp.path());
    let clean = json(&original, &[]);
    let other = tempfile::tempdir().unwrap();
    let dir = clean_copy(other.path());
    let pods = dir.join("pods.json");
    let mut list: Value = serde_json::from_str(&std::fs::read_to_string(&pods).unwrap()).unwrap();
    // Items 0 and 1 are the restarted controllers; item 3 is etcd-node2 (no restarts).
    list["items"][3]["status"]["containerStatuses"] = Value::String("not a list".into());
    std::fs::write(&pods, serde_json::to_vec_pretty(&list).unwrap()).unwrap();
    let r = json(&dir, &[]);
    assert_eq!(r["verdict"]["outcome"], clean["verdict"]["outcome"]);
    let restarts = |r: &Value| -> Vec<(String, u64)> {
        r["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["pod"].as_str().unwrap_or("").to_string(), c["restart_count"].as_u64().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    assert!(!restarts(&clean).is_empty(), "the capture has restarted containers");
    assert_eq!(restarts(&r), restarts(&clean), "the page's other restarted containers are kept");
    let gaps = r["gaps"].as_array().unwrap();
    let gap = gaps
        .iter()
        .find(|g| g["what"].as_str().unwrap_or("").contains("pods.json#items[3]"))
        .unwrap_or_else(|| panic!("a gap naming pods.json#items[3] in {gaps:#?}"));
    assert!(gap["why"].as_str().unwrap().starts_with("etcd-node2:"), "{gap}");
}
