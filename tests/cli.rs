//! The real binary: help, exit codes, errors that name their input, and kubectl plugin discovery (skipped with a
//! message where kubectl is missing, except under CI (`CI` set), where that is a failure).

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).env("NO_COLOR", "1").output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_documents_usage_exit_codes_and_read_only() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("Usage: kubectl etcd-triage"), "{help}");
    assert!(help.contains("analyze"), "{help}");
    assert!(help.contains("Exit status:"), "{help}");
    assert!(help.contains("Read-only"));
}

/// Every exit status the binary returns (`main`, and the signal handlers in src/cleanup.rs), with a word of its
/// cause. 0, 2 and 3 are produced in `exit_2_and_3_occur_for_their_documented_causes` (and the tests around it),
/// 4 in `fail_on_storage_and_disk_exit_4_when_they_match`, 129 / 130 / 143 in tests/hostile_signals.rs.
const EXIT_STATUSES: &[(u8, &str)] = &[
    (0, "verdict"),
    (1, "unexpected runtime error"),
    (2, "usage error"),
    (3, "nothing at all could be read"),
    (4, "--fail-on"),
    (101, "panic"),
    (129, "SIGHUP"),
    (130, "SIGINT"),
    (143, "SIGTERM"),
];

/// Splits an exit-status list into code -> what follows it up to the next code (whitespace flattened).
fn exit_statuses(section: &str) -> Vec<(u8, String)> {
    let mut out: Vec<(u8, String)> = Vec::new();
    for word in section.split_whitespace() {
        match word.trim_end_matches([';', ',', ':']).parse::<u8>() {
            Ok(code) => out.push((code, String::new())),
            Err(_) => {
                if let Some((_, text)) = out.last_mut() {
                    text.push_str(word);
                    text.push(' ');
                }
            }
        }
    }
    out
}

/// `--help` and README list the same exit statuses, each with its cause, and no other.
#[test]
fn every_exit_status_is_documented_in_help_and_readme() {
    let help = text(&run(&["--help"]).stdout);
    let help = &help[help.find("Exit status:").expect("an exit status section in --help")..];
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme.find("- Exit status").expect("an exit status item in README");
    let readme = &readme[at..at + readme[at..].find("\n\n").unwrap()];
    for (name, section) in [("--help", help), ("README", readme)] {
        let listed = exit_statuses(section);
        let codes: Vec<u8> = listed.iter().map(|(c, _)| *c).collect();
        let expected: Vec<u8> = EXIT_STATUSES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, expected, "{name} lists other exit statuses:\n{section}");
        for ((code, text), (_, cause)) in listed.iter().zip(EXIT_STATUSES) {
            assert!(text.contains(cause), "{name}: exit {code} does not say {cause:?}: {text}");
        }
    }
}

/// 2: a usage error (clap's own and ours), before anything is read; 3: nothing at all could be read.
#[test]
fn exit_2_and_3_occur_for_their_documented_causes() {
    let out = run(&["analyze", "--no-such-flag", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--no-such-flag"));
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("nowhere.log", dir.path().join("etcd.log")).unwrap();
    let out = run(&["analyze", dir.path().to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("nothing could be read") && stderr.contains("etcd.log"), "{stderr}");
    // Beside something readable, the same link is a gap and the run succeeds.
    std::fs::write(dir.path().join("notes.txt"), "an operator's note\n").unwrap();
    let out = run(&["analyze", dir.path().to_str().unwrap(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gaps = report["gaps"].to_string();
    assert!(gaps.contains("etcd.log") && gaps.contains("dangling symlink"), "{gaps}");
}

/// `--help` groups the flags under headings, each flag under the one it belongs to.
#[test]
fn help_groups_flags_under_headings() {
    let help = text(&run(&["--help"]).stdout);
    let heading_of = |flag: &str| {
        let at = help.find(&format!(" {flag} ")).unwrap_or_else(|| panic!("{flag} missing:\n{help}"));
        help[..at].lines().rfind(|l| l.ends_with(':') && !l.starts_with(' ')).unwrap_or("").to_string()
    };
    for (flag, heading) in [
        ("--deadline", "Collection (live run and collect):"),
        ("--namespace", "Collection (live run and collect):"),
        ("--prometheus-url", "Metrics:"),
        ("--etcd-endpoints", "Metrics:"),
        ("--since", "Window:"),
        ("--apply-severe-ms", "Thresholds:"),
        ("--causal-window", "Thresholds:"),
        ("--output", "Output:"),
        ("--fail-on", "Output:"),
        ("--server", "Connection (kubectl's flags; override the kubeconfig):"),
    ] {
        assert_eq!(heading_of(flag), heading, "{flag}");
    }
    let analyze = text(&run(&["analyze", "--help"]).stdout);
    assert!(analyze.contains("Metrics:") && analyze.contains("Thresholds:"), "{analyze}");
}

#[test]
fn missing_path_exits_3_naming_it() {
    let out = run(&["analyze", "/nonexistent/etcd-node1.log"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("/nonexistent/etcd-node1.log"), "{}", text(&out.stderr));
}

#[test]
fn bad_flag_value_exits_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["analyze", dir.path().to_str().unwrap(), "--since", "a while"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--since"), "{}", text(&out.stderr));
    let out = run(&["analyze", dir.path().to_str().unwrap(), "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("yaml"));
}

/// Every flag is resolved and checked before any input is read: a bad flag on a path that does not exist is a
/// usage error (2) naming the flag, not the missing path's input error (3).
#[test]
fn analyze_refuses_bad_and_live_only_flags_before_reading_inputs() {
    let missing = "/nonexistent/etcd-node1.log";
    for (args, flag, why) in [
        (vec!["--prometheus-service", "monitoring/prometheus-k8s:9090"], "--prometheus-service", "live run or collect"),
        (vec!["--prometheus-service", "prometheus"], "--prometheus-service", "NAMESPACE/SERVICE:PORT"),
        (vec!["--metric-disk-ms", "0"], "--metric-disk-ms", "positive"),
        (vec!["--scrape-interval", "0s"], "--scrape-interval", "longer than 0s"),
        (vec!["--scrape-interval", "often"], "--scrape-interval", "often"),
        (vec!["--stall-ms=-5"], "--stall-ms", "positive"),
        (vec!["--causal-window", "soon"], "--causal-window", "soon"),
        (vec!["--causal-window", "0s"], "--causal-window", "longer than 0s"),
        (vec!["--since", "0s"], "--since", "longer than 0s"),
        (vec!["--assume-tz", "Mars/Olympus"], "--assume-tz", "IANA"),
        (vec!["--from", "2026-11-25T14:00:00Z", "--to", "2026-11-25T13:00:00Z"], "--from", "not before --to"),
        (vec!["--since", "2h", "--from", "2026-11-25T14:00:00Z"], "--since", "--from"),
    ] {
        let mut all = vec!["analyze", missing];
        all.extend(&args);
        let out = run(&all);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag) && err.contains(why), "{args:?}: {err}");
        assert!(!err.contains(missing), "{args:?} read the inputs first: {err}");
    }
}

/// `collect` and the live run check their flags before connecting or writing anything.
#[test]
fn live_flags_are_refused_before_anything_is_written() {
    let parent = tempfile::tempdir().unwrap();
    let bundle = parent.path().join("incident.tar.gz");
    let bundle = bundle.to_str().unwrap();
    for (args, flag, why) in [
        (vec!["--deadline", "0s"], "--deadline", "longer than 0s"),
        (vec!["--deadline", "eventually"], "--deadline", "eventually"),
        (vec!["--concurrency", "0"], "--concurrency", "at least 1"),
        (vec!["--log-tail", "0"], "--log-tail", "at least 1"),
        (vec!["--page-size", "0"], "--page-size", "at least 1"),
        (vec!["--request-timeout", "soon"], "--request-timeout", "soon"),
        (vec!["--scrape-interval", "0s"], "--scrape-interval", "longer than 0s"),
        (vec!["--as-group", "admins"], "--as-group", "needs --as"),
        (vec!["-n", "kube-system", "-A"], "--namespace", "--all-namespaces"),
    ] {
        let mut collect = vec!["collect", "-o", bundle];
        collect.extend(&args);
        // No cluster is reachable at this address: a refusal that came after connecting would be exit 3.
        collect.extend(["--server", "https://127.0.0.1:1"]);
        let out = run(&collect);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "collect {args:?}: {err}");
        assert!(err.contains(flag) && err.contains(why), "collect {args:?}: {err}");
        let left: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
        assert!(left.is_empty(), "collect {args:?} left {left:?}");
        let mut live = args.clone();
        live.extend(["--server", "https://127.0.0.1:1"]);
        let out = run(&live);
        assert_eq!(out.status.code(), Some(2), "live {args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(flag), "live {args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn without_a_cluster_configuration_the_live_run_points_to_the_node_local_way() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .env("KUBECONFIG", home.path().join("missing"))
        .env("HOME", home.path())
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("analyze /var/log/pods"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn unreadable_inputs_are_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    // Test inputs written here are deliberately damaged, not presented as real logs.
    std::fs::write(dir.path().join("notes.bin"), b"\x00\x01 this is not a log at all\n\x02\x03\n").unwrap();
    std::fs::write(dir.path().join("pods.json"), b"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [ {,] }")
        .unwrap();
    let out = run(&["analyze", dir.path().to_str().unwrap(), "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let gaps = report["gaps"].as_array().unwrap();
    let mentions = |needle: &str| gaps.iter().any(|g| g["what"].as_str().unwrap_or("").contains(needle));
    assert!(mentions("notes.bin"), "{gaps:?}");
    assert!(mentions("pods.json"), "{gaps:?}");
    let pods_gap = gaps.iter().find(|g| g["what"].as_str().unwrap_or("").contains("pods.json")).unwrap();
    assert!(pods_gap["why"].as_str().unwrap().contains("line 1"), "{pods_gap}");
    assert_eq!(report["verdict"]["outcome"], "no_restarts");
}

fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("kubectl")).find(|p| p.is_file())
}

/// `kubectl etcd-triage` must reach the plugin through kubectl's own discovery (`kubectl-etcd_triage` on PATH).
#[test]
fn kubectl_finds_the_plugin() {
    let Some(kubectl) = kubectl() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install kubectl (scripts/install-test-deps.sh)");
        eprintln!("skipping plugin discovery: kubectl not on PATH (scripts/install-test-deps.sh installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("kubectl-etcd_triage");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    let path = std::env::join_paths(
        std::iter::once(dir.path().to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let kubectl_run = |args: &[&str]| {
        Command::new(&kubectl)
            .args(args)
            .env("PATH", &path)
            .env("KUBECONFIG", dir.path().join("none"))
            .output()
            .unwrap()
    };
    let list = kubectl_run(&["plugin", "list"]);
    assert!(text(&list.stdout).contains("kubectl-etcd_triage"), "{}{}", text(&list.stdout), text(&list.stderr));
    let help = kubectl_run(&["etcd-triage", "--help"]);
    assert!(help.status.success(), "{}", text(&help.stderr));
    assert!(text(&help.stdout).contains("Usage: kubectl etcd-triage"));
    // Flags kubectl users type are passed through and parsed by the plugin.
    let empty = tempfile::tempdir().unwrap();
    let out = kubectl_run(&["etcd-triage", "analyze", empty.path().to_str().unwrap(), "-o", "json", "--context", "x"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], "etcd-triage/report/v3");
}

#[test]
fn probe_disk_measures_a_folder_and_its_report_is_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["probe-disk", "--dir", dir.path().to_str().unwrap(), "--size", "65536", "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "etcd-triage/probe-disk/v1");
    assert_eq!(report["writes"], 29);
    assert!(report["fdatasync_ms"]["p99"].as_f64().unwrap() > 0.0);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the probe file is removed");
    let evidence = tempfile::tempdir().unwrap();
    std::fs::write(evidence.path().join("probe.json"), &out.stdout).unwrap();
    let analysed = run(&["analyze", evidence.path().to_str().unwrap(), "-o", "json"]);
    let analysed: serde_json::Value = serde_json::from_slice(&analysed.stdout).unwrap();
    assert!(analysed["inputs"][0]["format"].as_str().unwrap().starts_with("etcd disk probe of"), "{analysed:#}");
    // Weighed as storage evidence, not only listed: this machine's disk is fast (tmp), or over the guidance.
    let verdict = analysed["storage"]["verdict"].as_str().unwrap();
    assert!(["healthy", "degraded", "too_slow"].contains(&verdict), "{analysed:#}");
    assert_eq!(analysed["storage"]["basis"], serde_json::json!(["probe"]));
    // Not a directory: a clear error, exit 3, the file untouched.
    let file = dir.path().join("keep");
    std::fs::write(&file, "x").unwrap();
    let refused = run(&["probe-disk", "--dir", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(text(&refused.stderr).contains("is not a directory"), "{}", text(&refused.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// A probe report written by an earlier version (its `assessment` and `filesystem` strings as that version worded
/// them) still reads: its figures are weighed, its assessment shown as recorded.
#[test]
fn an_older_probe_report_file_is_still_evidence() {
    let older = format!("{}/tests/formats/probe/probe-older-v1.json", env!("CARGO_MANIFEST_DIR"));
    let older: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(older).unwrap()).unwrap();
    // Reworded, so that the assessment shown can only be the file's.
    let recorded = "fdatasync p99 11.9 ms is 1.2x the 10 ms guidance: as an earlier version worded it";
    let mut older = older;
    older["assessment"] = recorded.into();
    let evidence = tempfile::tempdir().unwrap();
    std::fs::write(evidence.path().join("probe.json"), serde_json::to_vec_pretty(&older).unwrap()).unwrap();
    let analysed = run(&["analyze", evidence.path().to_str().unwrap(), "-o", "json"]);
    assert!(analysed.status.success(), "{}", text(&analysed.stderr));
    let analysed: serde_json::Value = serde_json::from_slice(&analysed.stdout).unwrap();
    let format = analysed["inputs"][0]["format"].as_str().unwrap();
    assert!(format.starts_with("etcd disk probe of /var/lib/etcd on node-1 at 2026-12-02 15:13:44Z"), "{format}");
    assert!(format.ends_with(&format!(": {recorded}")), "{format}");
    assert_eq!(analysed["storage"]["basis"], serde_json::json!(["probe"]), "{analysed:#}");
    assert!(!analysed["gaps"].to_string().contains("probe.json"), "read, not a gap: {analysed:#}");
}

/// `--fail-on storage` follows the headline, `--fail-on disk` the storage verdict whatever caused the restarts.
#[test]
fn fail_on_storage_and_disk_exit_4_when_they_match() {
    let fixture = |name: &str| format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let code = |args: &[&str]| run(args).status.code();
    let slow = fixture("shared-slow");
    assert_eq!(code(&["analyze", &slow, "--fail-on", "storage"]), Some(4));
    assert_eq!(code(&["analyze", &slow, "--fail-on", "disk"]), Some(4));
    let config = fixture("config-error");
    assert_eq!(code(&["analyze", &config, "--fail-on", "storage"]), Some(0));
    assert_eq!(code(&["analyze", &config, "--fail-on", "disk"]), Some(0));
    assert_eq!(code(&["analyze", &config, "--fail-on", "any"]), Some(4));
    // No restarts: the storage verdict is the headline. A /metrics scrape pasted from etcd-io/etcd#5870 (most WAL
    // fsyncs 0.25-2 s) is too slow, and the text report names the commands that would add restart evidence.
    let dir = tempfile::tempdir().unwrap();
    let body: String = std::fs::read_to_string(format!(
        "{}/tests/corpus/etcd-5870-unstable-disk-fsync-histogram.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .split("# ---\n")
    .nth(1)
    .unwrap()
    .to_string();
    let paste = dir.path().join("metrics.txt");
    std::fs::write(&paste, &body).unwrap();
    let out = run(&["analyze", paste.to_str().unwrap(), "-o", "json", "--fail-on", "storage"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["headline"]["kind"], "storage");
    assert_eq!(report["storage"]["verdict"], "too_slow");
    assert_eq!(report["verdict"]["outcome"], "no_restarts");
    let plain = run(&["analyze", paste.to_str().unwrap()]);
    let shown = text(&plain.stdout);
    assert!(shown.contains("STORAGE: too slow"), "{shown}");
    assert!(shown.contains("kubectl get pods -A -o json"), "names the commands that add restart evidence:\n{shown}");
}
