//! Interrupted runs leave nothing behind, `collect -o` never replaces a file by surprise, and `probe-disk` says
//! when it measured memory instead of a disk (issue 11). The real binary, real signals.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::fakeapi::{FakeApi, Fault, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Waits until `ready` holds (at most 30 s).
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn spawn(args: &[&str], tmp: Option<&Path>) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("NO_COLOR", "1").stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(t) = tmp {
        cmd.env("TMPDIR", t);
    }
    cmd.spawn().expect("the binary starts")
}

#[test]
fn sigterm_ctrl_c_and_hangup_during_probe_disk_remove_its_file() {
    for (sig, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        std::fs::write(dir.path().join("member"), "etcd data").unwrap();
        // 1 GiB of 2300-byte writes, each fdatasync'd: minutes, so the signal lands mid-run.
        let child =
            spawn(&["probe-disk", "--dir", dir.path().to_str().unwrap(), "--size", &(1u64 << 30).to_string()], None);
        wait_for("the probe file", || names_in(dir.path()).iter().any(|n| n.starts_with(".etcd-triage-probe-")));
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, sig);
        let (status, stderr) = finish(child);
        assert_eq!(status, Some(code), "SIG{sig}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(names_in(dir.path()), ["member"], "SIG{sig}: the probe file is gone, the rest untouched");
        assert_eq!(std::fs::read_to_string(dir.path().join("member")).unwrap(), "etcd data");
    }
}

/// A .tar.gz of one big file of zeros (slow enough to unpack that a signal lands mid-way): 8 MiB of zeros
/// compressed once and repeated as gzip members, behind one tar header.
fn big_archive(path: &Path, members: u64) {
    let chunk = vec![0u8; 8 << 20];
    let compress = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    let mut h = tar::Header::new_gnu();
    h.set_path("big/zeros.log").unwrap();
    h.set_size(members * chunk.len() as u64 - 1024);
    h.set_mode(0o644);
    h.set_cksum();
    let mut first = h.as_bytes().to_vec();
    first.extend_from_slice(&chunk);
    let member = compress(&chunk);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(&compress(&first)).unwrap();
    for _ in 1..members {
        out.write_all(&member).unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn sigterm_during_analyze_of_an_archive_removes_the_unpacked_copy() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let archive = work.path().join("big.tar.gz");
    big_archive(&archive, 192);
    let child = spawn(&["analyze", archive.to_str().unwrap()], Some(&tmp));
    let unpacked_file = || -> Option<PathBuf> {
        let dir = std::fs::read_dir(&tmp).ok()?.flatten().next()?.path();
        Some(dir.join("big/zeros.log"))
    };
    wait_for("unpacking to start", || unpacked_file().and_then(|f| f.metadata().ok()).is_some_and(|m| m.len() > 0));
    signal(&child, "TERM");
    let (status, stderr) = finish(child);
    assert_eq!(status, Some(143), "{stderr}");
    assert_eq!(names_in(&tmp), Vec::<String>::new(), "the unpacked copy is gone");
}

#[test]
fn sigterm_during_collect_removes_the_staging_folder() {
    let mut scenario =
        Scenario::from_fixture(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow"));
    scenario.faults = vec![Fault::Delay {
        path_prefix: "/api/v1/namespaces/kube-system/pods".into(),
        delay: Duration::from_secs(20),
    }];
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let bundle = dir.path().join("incident.tar.gz");
    let child = spawn(&["collect", "-o", bundle.to_str().unwrap(), "--kubeconfig", kubeconfig.to_str().unwrap()], None);
    wait_for("collection to start", || api.requests().len() >= 3);
    wait_for("the staging folder", || names_in(dir.path()).iter().any(|n| n.starts_with(".etcd-triage-")));
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "TERM");
    let (status, stderr) = finish(child);
    assert_eq!(status, Some(143), "{stderr}");
    assert_eq!(names_in(dir.path()), ["config"], "no bundle, no staging folder");
}

#[test]
fn collect_refuses_an_existing_output_file_before_asking_the_cluster_anything() {
    let api = FakeApi::start(Scenario::empty());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let existing = dir.path().join("incident.tar.gz");
    std::fs::write(&existing, "yesterday's bundle").unwrap();
    let out = Command::new(BIN)
        .args(["collect", "-o", existing.to_str().unwrap(), "--kubeconfig", kubeconfig.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already exists") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "yesterday's bundle");
    assert!(api.requests().is_empty(), "refused before any request: {:?}", api.requests().len());
    // A folder given as -o is refused too.
    let out = Command::new(BIN)
        .args(["collect", "-o", dir.path().to_str().unwrap(), "--kubeconfig", kubeconfig.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(api.requests().is_empty());
    // --force replaces it.
    let out = Command::new(BIN)
        .args(["collect", "-o", existing.to_str().unwrap(), "--force", "--kubeconfig", kubeconfig.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(std::fs::read(&existing).unwrap(), b"yesterday's bundle");
    assert!(!api.requests().is_empty());
}

#[test]
fn probe_disk_on_tmpfs_says_it_measured_memory() {
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        eprintln!("no /dev/shm here; skipped");
        return;
    }
    let dir = tempfile::tempdir_in(shm).unwrap();
    let args = ["probe-disk", "--dir", dir.path().to_str().unwrap(), "--size", "262144"];
    let out = Command::new(BIN).args(args).args(["-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["filesystem"], "tmpfs");
    assert_eq!(report["memory_backed"], true);
    assert!(report["assessment"].as_str().unwrap().contains("memory-backed"), "{report}");
    let text = Command::new(BIN).args(args).env("NO_COLOR", "1").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("filesystem: tmpfs (memory-backed, not a disk)"), "{text}");
    assert!(text.contains("verdict: NOT A DISK") && !text.contains("verdict: OK"), "{text}");
    // Given to analyze, it is listed but not weighed as a disk measurement.
    let file = dir.path().join("probe.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let analysed = Command::new(BIN).args(["analyze", file.to_str().unwrap(), "-o", "json"]).output().unwrap();
    let analysed: serde_json::Value = serde_json::from_slice(&analysed.stdout).unwrap();
    assert!(analysed["inputs"].to_string().contains("memory-backed"));
    // On a real disk the filesystem is named and not memory-backed.
    let disk = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let out = Command::new(BIN)
        .args(["probe-disk", "--dir", disk.path().to_str().unwrap(), "--size", "65536", "-o", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    if report["filesystem"] != "tmpfs" {
        assert!(report.get("memory_backed").is_none(), "{report}");
    }
}
