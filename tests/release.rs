//! Release archives as users install them: `scripts/release.sh` builds the linux/amd64 and linux/arm64 archives
//! once (static musl binaries via cargo-zigbuild), then
//! - the archives, SHA256SUMS and the krew manifest agree and the binaries are static ELF of the right machine;
//! - what `kubectl krew install --manifest=M --archive=A` does (check the sha256, unpack per `files`, link `bin`
//!   into a folder on PATH) is done, and real kubectl runs `kubectl etcd-triage version`;
//! - the arm64 binary under `qemu-aarch64-static` gives the same JSON report on examples/karmada-slow-storage as
//!   the amd64 one.
//!
//! It needs cargo-zigbuild, zig (PyPI ziglang), the two rustup musl targets, qemu-user-static, kubectl and the
//! krew validator (scripts/install-test-deps.sh installs them). Without them the tests are skipped with a message,
//! except under CI (`CI` set), where that is a failure. The release build takes minutes; `cargo test` reuses its
//! output in target/ when nothing changed.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
}

/// What is missing for these tests, if anything.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    for tool in ["cargo-zigbuild", "qemu-aarch64-static", "kubectl", "rustup"] {
        if on_path(tool).is_none() {
            missing.push(tool.to_string());
        }
    }
    let zig = on_path("zig").is_some()
        || Command::new("python3").args(["-c", "import ziglang"]).status().is_ok_and(|s| s.success());
    if !zig {
        missing.push("zig (python3 -m pip install ziglang)".into());
    }
    let validator = std::env::var_os("VALIDATE_KREW")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/tools/validate_krew.py"));
    if !validator.exists() {
        missing.push(format!("{} (or VALIDATE_KREW)", validator.display()));
    }
    missing
}

struct Release {
    dir: PathBuf,
    log: String,
}

/// Builds the release once for all tests here (`None`: skipped, outside CI only).
fn release() -> Option<&'static Release> {
    static RELEASE: OnceLock<Option<Release>> = OnceLock::new();
    RELEASE
        .get_or_init(|| {
            let missing = missing_tools();
            if !missing.is_empty() {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI must provide {} (scripts/install-test-deps.sh)",
                    missing.join(", ")
                );
                eprintln!("skipping the release tests: missing {}", missing.join(", "));
                return None;
            }
            // Kept under target/ (not a temporary folder) so a failed run can be inspected; rebuilt each run.
            let dir = root().join("target/release-test");
            let _ = std::fs::remove_dir_all(&dir);
            let out = Command::new("bash")
                .arg(root().join("scripts/release.sh"))
                .arg(VERSION)
                .arg(&dir)
                .env("PLATFORMS", "linux/amd64 linux/arm64 darwin/arm64")
                .output()
                .expect("run scripts/release.sh");
            let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(out.status.success(), "scripts/release.sh failed:\n{log}");
            Some(Release { dir, log })
        })
        .as_ref()
}

fn archive_name(platform: &str) -> String {
    format!("etcd-triage_{VERSION}_{platform}.tar.gz")
}

fn sha256(path: &Path) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The krew manifest's platform entries.
fn platforms(manifest: &Path) -> Vec<Value> {
    let doc: Value = serde_saphyr::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    doc["spec"]["platforms"].as_array().unwrap().clone()
}

fn platform<'a>(entries: &'a [Value], os: &str, arch: &str) -> &'a Value {
    entries
        .iter()
        .find(|p| p["selector"]["matchLabels"]["os"] == os && p["selector"]["matchLabels"]["arch"] == arch)
        .unwrap_or_else(|| panic!("no {os}/{arch} in the manifest"))
}

/// Unpacks the archive's members matching `files` as krew does (`to: .` keeps the base name) into `dest`.
fn krew_unpack(archive: &Path, files: &[Value], dest: &Path) {
    let unpacked = tempfile::tempdir().unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap());
    tar::Archive::new(gz).unpack(unpacked.path()).unwrap();
    std::fs::create_dir_all(dest).unwrap();
    for f in files {
        let (from, to) = (f["from"].as_str().unwrap(), f["to"].as_str().unwrap());
        let src = unpacked.path().join(from);
        assert!(src.is_file(), "files.from {from} is not in {}", archive.display());
        let target = if to == "." { dest.join(Path::new(from).file_name().unwrap()) } else { dest.join(to) };
        std::fs::copy(&src, &target).unwrap();
    }
}

/// ELF machine (e_machine) and whether it asks for a dynamic loader (a PT_INTERP program header).
fn elf(path: &Path) -> (u16, bool) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], b"\x7fELF", "{} is not ELF", path.display());
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let (phoff, phentsize, phnum) = (u64_at(0x20) as usize, u16_at(0x36) as usize, u16_at(0x38) as usize);
    let interp = (0..phnum).any(|i| u32::from_le_bytes(b[phoff + i * phentsize..][..4].try_into().unwrap()) == 3);
    (u16_at(0x12), interp)
}

#[test]
fn the_release_has_an_archive_checksum_and_manifest_entry_per_linux_platform() {
    let Some(r) = release() else { return };
    let sums = std::fs::read_to_string(r.dir.join("SHA256SUMS")).unwrap();
    let entries = platforms(&r.dir.join("etcd-triage.yaml"));
    assert_eq!(entries.len(), 2, "darwin cannot be linked here, so only linux is published: {entries:#?}");
    assert!(r.log.contains("darwin/arm64: NOT BUILT"), "the script says what it did not build:\n{}", r.log);
    for (os, arch, machine) in [("linux", "amd64", 62u16), ("linux", "arm64", 183)] {
        let name = archive_name(&format!("{os}_{arch}"));
        let path = r.dir.join(&name);
        let sum = sha256(&path);
        assert!(sums.lines().any(|l| l == format!("{sum}  {name}")), "{name} in SHA256SUMS:\n{sums}");
        let entry = platform(&entries, os, arch);
        assert_eq!(entry["sha256"], sum.as_str());
        assert_eq!(
            entry["uri"],
            format!("https://github.com/etcd-triage/kubectl-etcd-triage/releases/download/v{VERSION}/{name}")
        );
        let dir = tempfile::tempdir().unwrap();
        krew_unpack(&path, entry["files"].as_array().unwrap(), dir.path());
        let (got_machine, dynamic) = elf(&dir.path().join("kubectl-etcd_triage"));
        assert_eq!(got_machine, machine, "{name}: ELF machine");
        assert!(!dynamic, "{name}: a static binary needs no dynamic loader");
        assert!(dir.path().join("LICENSE").is_file() && dir.path().join("kubectl_complete-etcd_triage").is_file());
    }
    let man = std::fs::read_to_string(r.dir.join("kubectl-etcd_triage.1")).unwrap();
    assert!(man.contains(".TH kubectl-etcd_triage 1"), "the man page is part of the release");
}

#[test]
fn a_krew_style_install_runs_under_real_kubectl() {
    let Some(r) = release() else { return };
    let arch = if cfg!(target_arch = "aarch64") { "arm64" } else { "amd64" };
    let archive = r.dir.join(archive_name(&format!("linux_{arch}")));
    let entries = platforms(&r.dir.join("etcd-triage.yaml"));
    let entry = platform(&entries, "linux", arch);
    // krew: refuse an archive whose sha256 differs, unpack `files` into the store, link `bin` into its bin folder.
    assert_eq!(entry["sha256"], sha256(&archive));
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join(format!("store/etcd-triage/v{VERSION}"));
    krew_unpack(&archive, entry["files"].as_array().unwrap(), &store);
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let bin_name = entry["bin"].as_str().unwrap();
    std::os::unix::fs::symlink(store.join(bin_name), bin.join("kubectl-etcd_triage")).unwrap();
    // The completion hook, as the manifest's caveats tell the user to link it.
    std::os::unix::fs::symlink(store.join("kubectl_complete-etcd_triage"), bin.join("kubectl_complete-etcd_triage"))
        .unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let kubectl = on_path("kubectl").unwrap();
    let out =
        Command::new(&kubectl).args(["etcd-triage", "version", "-o", "json"]).env("PATH", &path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], VERSION);
    assert_eq!(v["target"], if arch == "arm64" { "aarch64-unknown-linux-musl" } else { "x86_64-unknown-linux-musl" });
    assert_eq!(v["report_schema"], kubectl_etcd_triage::model::SCHEMA_VERSION);
    let git = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(root()).output().unwrap();
    assert_eq!(v["commit"], String::from_utf8_lossy(&git.stdout).trim(), "the release names its commit");
    let completion =
        Command::new(&kubectl).args(["__complete", "etcd-triage", "ver"]).env("PATH", &path).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&completion.stdout).lines().collect::<Vec<_>>(), ["version", ":4"]);
}

#[test]
fn the_arm64_binary_gives_the_same_report_as_amd64() {
    let Some(r) = release() else { return };
    let dir = tempfile::tempdir().unwrap();
    let entries = platforms(&r.dir.join("etcd-triage.yaml"));
    let mut reports = Vec::new();
    for arch in ["amd64", "arm64"] {
        let dest = dir.path().join(arch);
        let entry = platform(&entries, "linux", arch);
        krew_unpack(&r.dir.join(archive_name(&format!("linux_{arch}"))), entry["files"].as_array().unwrap(), &dest);
        let binary = dest.join("kubectl-etcd_triage");
        let mut cmd = if arch == "arm64" && !cfg!(target_arch = "aarch64") {
            let mut c = Command::new("qemu-aarch64-static");
            c.arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        let out = cmd
            .args(["analyze", "examples/karmada-slow-storage", "-o", "json", "--now", "2026-11-25T03:00:00Z"])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(out.status.success(), "{arch}: {}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        reports.push(report);
    }
    assert_eq!(reports[0]["verdict"]["outcome"], "storage_latency", "{:#}", reports[0]["verdict"]);
    assert!(reports[0] == reports[1], "amd64 and arm64 reports differ");
}
