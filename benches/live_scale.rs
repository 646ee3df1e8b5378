//! Scale benchmark for live triage: a synthetic cluster of 10,000 pods, 500 nodes and 3 etcd members with 200 MB
//! of log each, served by the fake API server from the test support code, triaged by the release binary.
//! Prints wall time, requests made, bytes served and the tool's peak RSS, then PASS or FAIL against the targets
//! (wall < 10 s, peak RSS < 256 MiB on 2 cores); exits 1 when a target is missed or the peak RSS cannot be measured.
//!
//! `cargo bench --bench live_scale` (needs GNU time at /usr/bin/time for the peak RSS: Debian's `time`).
//! Sizes can be changed with ETCD_TRIAGE_BENCH_PODS, _NODES, _LOG_MB.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, ExitCode};
use std::time::Instant;

use support::fakeapi::{FakeApi, scale_scenario};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The targets the README states for the default sizes.
const WALL_TARGET_SECS: f64 = 10.0;
const RSS_TARGET_MIB: f64 = 256.0;

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn main() -> ExitCode {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("live_scale: a benchmark; run it with `cargo bench --bench live_scale`");
        return ExitCode::SUCCESS;
    }
    let pods = env_or("ETCD_TRIAGE_BENCH_PODS", 10_000) as usize;
    let nodes = env_or("ETCD_TRIAGE_BENCH_NODES", 500) as usize;
    let log_mb = env_or("ETCD_TRIAGE_BENCH_LOG_MB", 200);
    let now = chrono::Utc::now();
    let built = Instant::now();
    let scenario = scale_scenario(pods, nodes, 3, log_mb * 1_000_000, now);
    println!(
        "scenario: {pods} pods, {nodes} nodes, 3 etcd members x {log_mb} MB of log (built in {:.1} s)",
        built.elapsed().as_secs_f64()
    );
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "scale");

    let bin = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
    let time = std::path::Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%e %M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.arg("--kubeconfig").arg(&kubeconfig).args(["-o", "json", "--deadline", "5m"]).env("NO_COLOR", "1");
    let started = Instant::now();
    let out = cmd.output().expect("run the plugin");
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the plugin failed: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let requests = api.requests();
    let bytes: u64 = requests.iter().map(|r| r.bytes_sent).sum();
    let peak_kib: Option<u64> =
        stderr.lines().last().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse().ok());
    println!("wall time:      {wall:.2} s (target < 10 s)");
    println!("requests:       {} (all GET: {})", requests.len(), requests.iter().all(|r| r.method == "GET"));
    println!("bytes served:   {:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
    match peak_kib {
        Some(k) => println!("peak RSS:       {:.1} MiB (target < 256 MiB)", k as f64 / 1024.0),
        None => println!("peak RSS:       unknown (install Debian's `time` for /usr/bin/time)"),
    }
    println!("verdict:        {} ({})", report["verdict"]["outcome"], report["verdict"]["confidence"]);
    println!(
        "containers:     {} examined, gaps: {}",
        report["containers"].as_array().map_or(0, Vec::len),
        report["gaps"].as_array().map_or(0, Vec::len)
    );
    api.stop();

    let wall_ok = wall < WALL_TARGET_SECS;
    let rss_mib = peak_kib.map(|k| k as f64 / 1024.0);
    println!("{} wall time {wall:.2} s < {WALL_TARGET_SECS} s", verdict(wall_ok));
    let rss_ok = match rss_mib {
        Some(mib) => {
            println!("{} peak RSS {mib:.1} MiB < {RSS_TARGET_MIB} MiB", verdict(mib < RSS_TARGET_MIB));
            mib < RSS_TARGET_MIB
        }
        None => {
            println!(
                "FAIL peak RSS not measured (needs GNU time at /usr/bin/time), so < {RSS_TARGET_MIB} MiB is unchecked"
            );
            false
        }
    };
    if wall_ok && rss_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
