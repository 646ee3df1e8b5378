//! The krew manifest: rendered for this version with a real archive of the built binary and LICENSE, it passes
//! krew's own manifest checks (../shared/tools/validate_krew.py, an offline re-implementation of krew's validation).
//! Where the validator is missing the tests are skipped with a message, except under CI (`CI` set), where that is
//! a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The validator, or `None` (with a message) where it is missing; under CI (`CI` set) a missing validator fails.
fn validator() -> Option<PathBuf> {
    // VALIDATE_KREW names it elsewhere (a worktree whose ../shared is not the project's).
    let validator = std::env::var_os("VALIDATE_KREW")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/tools/validate_krew.py"));
    if validator.exists() {
        return Some(validator);
    }
    assert!(std::env::var_os("CI").is_none(), "CI must provide {} to validate the krew manifest", validator.display());
    eprintln!("skipping: {} not found, krew manifest not validated", validator.display());
    None
}

/// A release-shaped archive (`etcd-triage_<VERSION>_<os>_<arch>.tar.gz`) of the test build of the binary, LICENSE
/// and the completion hook. Only the manifest's checks are exercised with it: the test build stands in for every
/// platform's binary (tests/release.rs checks real release archives).
fn archive(dir: &Path) -> PathBuf {
    archive_named(dir, &format!("etcd-triage_{}_linux_amd64.tar.gz", env!("CARGO_PKG_VERSION")), false)
}

fn archive_named(dir: &Path, name: &str, with_readme: bool) -> PathBuf {
    let path = dir.join(name);
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_path_with_name(env!("CARGO_BIN_EXE_kubectl-etcd_triage"), "kubectl-etcd_triage").unwrap();
    tar.append_path_with_name(root().join("LICENSE"), "LICENSE").unwrap();
    tar.append_path_with_name(root().join("completion/kubectl_complete-etcd_triage"), "kubectl_complete-etcd_triage")
        .unwrap();
    if with_readme {
        tar.append_path_with_name(root().join("README.md"), "README.md").unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

fn render(version: &str, dir: &Path, validator: &Path) -> std::process::Output {
    Command::new("bash")
        .arg(root().join("scripts/krew-manifest.sh"))
        .arg(version)
        .arg(dir)
        .env("VALIDATE_KREW", validator)
        .output()
        .unwrap()
}

#[test]
fn rendered_manifest_passes_krews_checks_with_a_real_archive() {
    let Some(validator) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    archive(dir.path());
    let out = render(&format!("v{}", env!("CARGO_PKG_VERSION")), dir.path(), &validator);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["linux/amd64: OK", "manifest: OK"], "{stdout}");
    let manifest = std::fs::read_to_string(dir.path().join("etcd-triage.yaml")).unwrap();
    assert!(manifest.contains(&format!("version: v{}", env!("CARGO_PKG_VERSION"))));
    assert!(
        manifest.contains(&format!(
            "/releases/download/v{0}/etcd-triage_{0}_linux_amd64.tar.gz",
            env!("CARGO_PKG_VERSION")
        ))
    );
    assert!(!manifest.contains("${"), "every placeholder is rendered");
    // Platforms without an archive are left out (never published with a placeholder checksum), and said so.
    assert!(!manifest.contains("os: darwin") && !manifest.contains("arch: arm64"), "{manifest}");
    assert!(stderr.contains("darwin/arm64 left out"), "{stderr}");
}

#[test]
fn every_platform_with_an_archive_is_listed_and_each_archive_is_checked() {
    let Some(validator) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    // Only the manifest's checks are exercised: a small stand-in file named like the binary keeps the four
    // archives cheap (the debug binary is over 100 MB); tests/release.rs checks real release archives.
    let stand_in = dir.path().join("stand-in");
    std::fs::write(&stand_in, b"#!/bin/sh\necho stand-in for the release binary\n").unwrap();
    for platform in ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"] {
        let path = dir.path().join(format!("etcd-triage_{version}_{platform}.tar.gz"));
        let gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.append_path_with_name(&stand_in, "kubectl-etcd_triage").unwrap();
        tar.append_path_with_name(root().join("LICENSE"), "LICENSE").unwrap();
        tar.append_path_with_name(
            root().join("completion/kubectl_complete-etcd_triage"),
            "kubectl_complete-etcd_triage",
        )
        .unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let out = render(version, dir.path(), &validator);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for platform in ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "manifest"] {
        assert!(stdout.contains(&format!("{platform}: OK")), "{platform}: {stdout}");
    }
    let manifest = std::fs::read_to_string(dir.path().join("etcd-triage.yaml")).unwrap();
    for platform in ["os: linux", "os: darwin", "arch: amd64", "arch: arm64"] {
        assert!(manifest.contains(platform), "{platform}");
    }
}

#[test]
fn a_wrong_checksum_is_caught() {
    let Some(validator) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    archive(dir.path());
    assert!(render(env!("CARGO_PKG_VERSION"), dir.path(), &validator).status.success());
    // A different archive (here with one more file) no longer matches the published checksum.
    let other = archive_named(dir.path(), "rebuilt.tar.gz", true);
    let check =
        Command::new("python3").arg(&validator).arg(dir.path().join("etcd-triage.yaml")).arg(&other).output().unwrap();
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("sha256 mismatch"));
}
