//! Test support shared by the integration tests and the live-scale benchmark.
#![allow(dead_code)] // each test file uses a part

pub mod fakeapi;

/// Copies a folder tree (regular files and folders; the fixtures hold nothing else).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs the plugin against a cluster named by `kubeconfig` (and no `KUBECONFIG`), at the live fixtures' fixed
/// `now`, without colour.
pub fn run_live(args: &[&str], kubeconfig: &std::path::Path, now: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--now", now])
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run the plugin")
}
