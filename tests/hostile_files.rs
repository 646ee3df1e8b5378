//! Hostile folders against the real binary (issue 11, "one bad entry aborts everything"): a dangling symlink, a
//! symlink loop, a link to the folder's own parent, a FIFO, a Unix socket, a link out of the folder and an
//! unreadable file or folder, each added to a copy of a lab capture. Each is a gap naming the entry, the rest is
//! read as without it (the same verdict), nothing outside the folder is read, no FIFO is opened (the run would
//! block), and only a folder of nothing but bad entries stops the run (exit 3, naming them).
//!
//! Tests run as root here and in CI, where permission bits do not stop reading: the binary then runs under
//! `setpriv` (util-linux, installed by scripts/install-test-deps.sh) without CAP_DAC_OVERRIDE and
//! CAP_DAC_READ_SEARCH, so that `chmod 000` really denies it.

#![cfg(unix)]

mod support;

use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::copy_dir;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow")
}

/// A fresh copy of the lab capture, in `parent/capture`.
fn capture(parent: &Path) -> PathBuf {
    let root = parent.join("capture");
    copy_dir(&fixture(), &root);
    root
}

/// Whether the binary must drop the capabilities that let root read what permissions deny.
fn as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `analyze ARGS -o json` (as root: under setpriv, without the capabilities that bypass permissions), killed
/// after a minute so that a run blocked on a FIFO fails the test instead of hanging it.
fn analyze(args: &[&Path]) -> Output {
    let mut cmd = if as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    cmd.arg("analyze").args(args).args(["-o", "json"]).env("NO_COLOR", "1");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs (as root, setpriv from util-linux is needed: scripts/install-test-deps.sh)");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let started = Instant::now();
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            // SAFETY: pid is our child's, still unreaped (its waiting thread has not returned).
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("analyze {args:?} did not finish in {:?} (blocked on a FIFO?)", started.elapsed());
        }
    }
}

fn report(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// The verdict, the storage verdict and the headline, with the copy's folder taken out of the citations.
fn verdict(report: &Value, root: &Path) -> String {
    let parts = serde_json::json!([report["verdict"], report["storage"]["verdict"], report["headline"]]);
    parts.to_string().replace(root.to_str().unwrap(), "<capture>")
}

fn gaps(report: &Value) -> Vec<(String, String)> {
    report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["what"].as_str().unwrap().to_string(), g["why"].as_str().unwrap().to_string()))
        .collect()
}

/// The gap naming `path`, whose reason contains `why`.
fn gap_naming(report: &Value, what: &str, path: &Path, why: &str) {
    let named = format!("{what} {}", path.display());
    let all = gaps(report);
    assert!(all.iter().any(|(w, y)| *w == named && y.contains(why)), "no gap {named:?} ({why:?}) in {all:#?}");
}

fn inputs(report: &Value) -> Vec<String> {
    report["inputs"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap().to_string()).collect()
}

/// The verdict of the clean copy, and its inputs (relative to the copy).
fn baseline() -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let root = capture(dir.path());
    let clean = report(&analyze(&[&root]));
    let prefix = format!("{}/", root.display());
    (verdict(&clean, &root), inputs(&clean).iter().map(|i| i.replacen(&prefix, "", 1)).collect())
}

/// Adds the bad entries `add` makes to a copy of the capture; the report has the clean copy's verdict and
/// inputs, and a gap for each entry (`what`, its path relative to the copy, a word of why).
fn check(add: impl FnOnce(&Path), expected: &[(&str, &str, &str)]) {
    let (clean_verdict, clean_inputs) = baseline();
    let dir = tempfile::tempdir().unwrap();
    let root = capture(dir.path());
    add(&root);
    let out = analyze(&[&root]);
    let got = report(&out);
    assert_eq!(verdict(&got, &root), clean_verdict, "the bad entries changed the verdict");
    let prefix = format!("{}/", root.display());
    let got_inputs: Vec<String> = inputs(&got).iter().map(|i| i.replacen(&prefix, "", 1)).collect();
    assert_eq!(got_inputs, clean_inputs, "the same files are read, each once, under their own names");
    for (what, name, why) in expected {
        gap_naming(&got, what, &root.join(name), why);
    }
    assert_eq!(gaps(&got).len(), expected.len(), "one gap per bad entry: {:#?}", gaps(&got));
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

#[test]
fn a_dangling_symlink_is_a_gap() {
    check(
        |root| symlink("gone/etcd-node9.log", root.join("etcd-node9.log")).unwrap(),
        &[("file", "etcd-node9.log", "a symlink to gone/etcd-node9.log, which does not exist (a dangling symlink)")],
    );
}

#[test]
fn symlink_loops_are_gaps_and_the_walk_ends() {
    check(
        |root| {
            symlink("b", root.join("a")).unwrap();
            symlink("a", root.join("b")).unwrap();
            symlink("..", root.join("var/log/up")).unwrap();
        },
        &[
            ("file", "a", "a symlink loop"),
            ("file", "b", "a symlink loop"),
            ("folder", "var/log/up", "a symlink to .., a folder that contains it (a loop)"),
        ],
    );
}

#[test]
fn a_fifo_is_a_gap_and_never_opened() {
    // Opened, the FIFO would block the run until the one-minute kill (nothing writes to it).
    check(|root| mkfifo(&root.join("etcd.log")), &[("file", "etcd.log", "a FIFO (named pipe), not a regular file")]);
}

#[test]
fn a_unix_socket_is_a_gap() {
    let mut listener = None;
    check(
        |root| listener = Some(std::os::unix::net::UnixListener::bind(root.join("etcd.sock")).unwrap()),
        &[("file", "etcd.sock", "a Unix socket, not a regular file")],
    );
    drop(listener);
}

/// A link in the folder to a file outside it is not read (as in a bundle), though the same file inside is.
#[test]
fn a_symlink_out_of_the_folder_is_a_gap_and_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let log = outside.path().join("etcd-node9.log");
    std::fs::write(
        &log,
        "{\"level\":\"warn\",\"ts\":\"2026-11-25T02:19:10.000Z\",\"caller\":\"wal/wal.go:808\",\
         \"msg\":\"slow fdatasync\",\"took\":\"9.876s\",\"expected-duration\":\"1s\"}\n",
    )
    .unwrap();
    // Control: inside the folder, the line is read and cited.
    let dir = tempfile::tempdir().unwrap();
    let root = capture(dir.path());
    std::fs::copy(&log, root.join("etcd-node9.log")).unwrap();
    let inside = report(&analyze(&[&root]));
    assert!(inputs(&inside).contains(&root.join("etcd-node9.log").display().to_string()), "{:?}", inputs(&inside));
    assert!(inside.to_string().contains("9.9s"), "the slow fdatasync is weighed when inside the folder");
    drop(dir);
    // Linked from inside, by its absolute path and by a relative one climbing out.
    let relative = |from: &Path| {
        let up: PathBuf = from.components().skip(1).map(|_| "..").collect();
        up.join(log.strip_prefix("/").unwrap())
    };
    let why = "outside the analysed folder; it is not followed";
    check(
        |root| {
            symlink(&log, root.join("etcd-node9.log")).unwrap();
            symlink(relative(&root.join("var")), root.join("var/etcd-node9.log")).unwrap();
            symlink(outside.path(), root.join("elsewhere")).unwrap();
        },
        &[("file", "etcd-node9.log", why), ("file", "var/etcd-node9.log", why), ("file", "elsewhere", why)],
    );
    // And nothing of it reaches the report but the gaps naming the links.
    let dir = tempfile::tempdir().unwrap();
    let root = capture(dir.path());
    symlink(&log, root.join("etcd-node9.log")).unwrap();
    let mut got = report(&analyze(&[&root]));
    got.as_object_mut().unwrap().remove("gaps");
    let text = got.to_string();
    assert!(!text.contains("etcd-node9") && !text.contains("9.9s") && !text.contains("9.876"), "{text}");
}

/// A link to a file or folder inside the folder reads it once, under its own name (which names its pod).
#[test]
fn links_inside_the_folder_read_each_file_once() {
    check(
        |root| {
            let pods = std::fs::read_dir(root.join("var/log/pods")).unwrap().next().unwrap().unwrap().path();
            let log = std::fs::read_dir(&pods).unwrap().next().unwrap().unwrap().path().join("0.log");
            assert!(log.is_file(), "{}", log.display());
            symlink(&log, root.join("a-copy.log")).unwrap();
            symlink("var/log", root.join("also-logs")).unwrap();
        },
        &[],
    );
}

#[test]
fn an_unreadable_file_and_folder_are_gaps() {
    let denied = |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).unwrap();
    check(
        |root| {
            std::fs::write(root.join("etcd-node9.log"), "x\n").unwrap();
            denied(&root.join("etcd-node9.log"));
            std::fs::create_dir(root.join("locked")).unwrap();
            std::fs::write(root.join("locked/etcd-node8.log"), "x\n").unwrap();
            denied(&root.join("locked"));
        },
        &[("file", "etcd-node9.log", "Permission denied"), ("folder", "locked", "cannot be listed: Permission denied")],
    );
}

/// Nothing readable at all: exit 3, naming every entry; one readable path among missing ones is analysed.
#[test]
fn only_bad_entries_exit_3_naming_them_and_a_missing_path_beside_a_readable_one_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    symlink("nowhere", bad.join("dangling.log")).unwrap();
    mkfifo(&bad.join("pipe"));
    symlink("/etc/passwd", bad.join("passwd")).unwrap();
    let out = analyze(&[&bad]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(out.stdout.is_empty(), "no report");
    assert!(stderr.contains("nothing could be read"), "{stderr}");
    for name in ["dangling.log", "pipe", "passwd"] {
        assert!(stderr.contains(&bad.join(name).display().to_string()), "{name} not named: {stderr}");
    }
    // The FIFO named on the command line is not opened either.
    let out = analyze(&[&bad.join("pipe")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a FIFO (named pipe)"));
    // Beside a readable capture, the bad folder and a missing path are gaps and the verdict is the capture's.
    let (clean, _) = baseline();
    let root = capture(dir.path());
    let missing = dir.path().join("missing.log");
    let got = report(&analyze(&[&root, &missing, &bad]));
    assert_eq!(verdict(&got, &root), clean);
    gap_naming(&got, "input", &missing, "cannot be read: No such file or directory");
    gap_naming(&got, "file", &bad.join("pipe"), "a FIFO");
}
