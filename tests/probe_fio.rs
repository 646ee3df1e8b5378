//! `probe-disk` against the etcd documentation's fio test on the same folder, with the same fdatasync latency
//! injected into both by strace (`inject=fdatasync:delay_enter`): the probe must measure what fio measures.
//!
//! The injected delay dominates both sets of figures, so the comparison does not depend on how fast the disk
//! under the test is. `bench/probe-vs-fio.sh` runs the full 22 MiB workload, on the normal disk too, and prints
//! the figures; this test is its small, always-run sibling. Skipped when fio or strace is missing, unless CI is
//! set (CI must install them: scripts/install-test-deps.sh).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
/// Injected into every fdatasync of both tools: over the 10 ms guidance, under the 100 ms heartbeat.
const DELAY_US: u64 = 12_000;
/// 1 MiB of 2300-byte writes: 456 fdatasyncs, about 6 s per tool at 12 ms each.
const SIZE_BYTES: u64 = 1024 * 1024;

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// `strace` that delays each fdatasync of `program` (and its threads) by [`DELAY_US`].
fn injected(program: &str) -> Command {
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=fdatasync", "-e"])
        .arg(format!("inject=fdatasync:delay_enter={DELAY_US}"))
        .arg("--")
        .arg(program);
    cmd
}

/// Starts `cmd` with its output captured; [`json_of`] waits for it.
fn start(mut cmd: Command) -> (String, Child) {
    let what = format!("{cmd:?}");
    let child =
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| panic!("starting {what}: {e}"));
    (what, child)
}

fn json_of((what, child): (String, Child)) -> Value {
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what} printed no JSON ({e})"))
}

/// fio, as the etcd documentation runs it, on `dir`.
fn fio(dir: &Path) -> Command {
    let mut cmd = injected("fio");
    cmd.args(["--rw=write", "--ioengine=sync", "--fdatasync=1", "--bs=2300", "--name=probe-check"])
        .arg(format!("--size={SIZE_BYTES}"))
        .arg(format!("--directory={}", dir.display()))
        .arg("--output-format=json");
    cmd
}

/// fio's fdatasync latency percentiles in ms: (p50, p90, p99).
fn fio_percentiles(report: &Value) -> (f64, f64, f64) {
    let pct = &report["jobs"][0]["sync"]["lat_ns"]["percentile"];
    let ms = |key: &str| pct[key].as_f64().unwrap_or_else(|| panic!("fio gave no {key} percentile: {pct}")) / 1e6;
    (ms("50.000000"), ms("90.000000"), ms("99.000000"))
}

#[test]
fn probe_agrees_with_fio_under_injected_fdatasync_latency() {
    let missing: Vec<&str> = ["fio", "strace"].into_iter().filter(|t| which(t).is_none()).collect();
    if !missing.is_empty() {
        assert!(std::env::var_os("CI").is_none(), "CI must install {missing:?} (scripts/install-test-deps.sh)");
        eprintln!("skipping: {missing:?} not on PATH");
        return;
    }
    // Both run at the same time, on two folders of the same disk, so both see the same machine: a build on
    // the other core, or the disk's own hiccups, land on both (run one after the other on a busy machine,
    // p50s differed by 18%: probe 13.1 ms, fio 15.9 ms). With 12 ms injected per call the disk is idle most
    // of the time, so the two hardly slow each other.
    let probe_dir = tempfile::tempdir().unwrap();
    let fio_dir = tempfile::tempdir().unwrap();
    let mut probe = injected(BIN);
    probe.arg("probe-disk").arg("--dir").arg(probe_dir.path()).args(["--size", &SIZE_BYTES.to_string(), "-o", "json"]);
    let (probe, fio) = (start(probe), start(fio(fio_dir.path())));
    let (report, fio_report) = (json_of(probe), json_of(fio));
    assert_eq!(std::fs::read_dir(probe_dir.path()).unwrap().count(), 0, "the probe removes its file");
    let writes = report["writes"].as_u64().unwrap();
    assert_eq!(writes, SIZE_BYTES.div_ceil(2300), "one fdatasync per 2300-byte write: {report:#}");
    let probe_ms = |k: &str| report["fdatasync_ms"][k].as_f64().unwrap();
    let (probe_p50, probe_p90, probe_p99) = (probe_ms("p50"), probe_ms("p90"), probe_ms("p99"));

    let (fio_p50, fio_p90, fio_p99) = fio_percentiles(&fio_report);
    eprintln!(
        "fdatasync ms with {DELAY_US} us injected: probe p50 {probe_p50:.3} p90 {probe_p90:.3} p99 {probe_p99:.3}, \
         fio p50 {fio_p50:.3} p90 {fio_p90:.3} p99 {fio_p99:.3}"
    );

    let delay_ms = DELAY_US as f64 / 1000.0;
    assert!(probe_p50 >= delay_ms && fio_p50 >= delay_ms, "both see the injected {delay_ms} ms");
    // The injected delay sets the body of both distributions, so p50 must agree closely. p99 is the
    // 5th-slowest of 456 calls: it is the real disk's and the machine's noise, even in runs side by side (a CI
    // run saw probe 31.1 ms against fio 21.9 ms with both p50s at 12.6 ms), so it is only checked to
    // carry the injected delay and to sit at or above p90 in both tools.
    assert!(probe_p99 >= delay_ms && fio_p99 >= delay_ms, "p99: probe {probe_p99:.3} ms, fio {fio_p99:.3} ms");
    assert!(probe_p99 >= probe_p90 && fio_p99 >= fio_p90, "p99 at or above p90 in both");
    // p90 sits where the disk's own noise begins (side by side on a busy machine: probe 13.1 ms, fio 15.3 ms),
    // so it gets a wider limit than p50.
    for (what, probe, fio, limit) in [("p50", probe_p50, fio_p50, 0.15), ("p90", probe_p90, fio_p90, 0.25)] {
        let diff = (probe - fio).abs() / fio;
        assert!(
            diff <= limit,
            "{what}: probe {probe:.3} ms vs fio {fio:.3} ms differ by {:.1}% (limit {:.0}%)",
            diff * 100.0,
            limit * 100.0
        );
    }
    // 12 ms per fdatasync: over the 10 ms guidance, well under etcd's 100 ms heartbeat interval.
    assert_eq!(report["verdict"], "above_guidance", "{report:#}");
}
