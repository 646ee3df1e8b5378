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
    let validator = root().join("../shared/tools/validate_krew.py");
    if validator.exists() {
        return Some(validator);
    }
    assert!(std::env::var_os("CI").is_none(), "CI must provide {} to validate the krew manifest", validator.display());
    eprintln!("skipping: {} not found, krew manifest not validated", validator.display());
    None
}

fn archive(dir: &Path) -> PathBuf {
    archive_named(
        dir,
        &format!("kubectl-etcd_triage-v{}-x86_64-unknown-linux-musl.tar.gz", env!("CARGO_PKG_VERSION")),
        false,
    )
}

fn archive_named(dir: &Path, name: &str, with_readme: bool) -> PathBuf {
    let path = dir.join(name);
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_path_with_name(env!("CARGO_BIN_EXE_kubectl-etcd_triage"), "kubectl-etcd_triage").unwrap();
    tar.append_path_with_name(root().join("LICENSE"), "LICENSE").unwrap();
    if with_readme {
        tar.append_path_with_name(root().join("README.md"), "README.md").unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

#[test]
fn rendered_manifest_passes_krews_checks_with_a_real_archive() {
    let Some(validator) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let archive = archive(dir.path());
    let out = Command::new("bash")
        .arg(root().join("scripts/krew-manifest.sh"))
        .arg(format!("v{}", env!("CARGO_PKG_VERSION")))
        .arg(dir.path().join("out"))
        .arg(&archive)
        .env("VALIDATE_KREW", &validator)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), "OK");
    let manifest = std::fs::read_to_string(dir.path().join("out/etcd-triage.yaml")).unwrap();
    assert!(manifest.contains(&format!("version: v{}", env!("CARGO_PKG_VERSION"))));
    for platform in ["os: linux", "os: darwin", "arch: amd64", "arch: arm64"] {
        assert!(manifest.contains(platform), "{platform}");
    }
    assert!(!manifest.contains("${"), "every placeholder is rendered");
}

#[test]
fn a_wrong_checksum_is_caught() {
    let Some(validator) = validator() else { return };
    let dir = tempfile::tempdir().unwrap();
    let archive = archive(dir.path());
    let out_dir = dir.path().join("out");
    // Render for one archive, then validate against a different one.
    let render = Command::new("bash")
        .arg(root().join("scripts/krew-manifest.sh"))
        .args(["v0.1.0", out_dir.to_str().unwrap()])
        .arg(&archive)
        .env("VALIDATE_KREW", &validator)
        .status()
        .unwrap();
    assert!(render.success());
    // A different archive (here with one more file) no longer matches the published checksum.
    let other = archive_named(dir.path(), "rebuilt.tar.gz", true);
    let check =
        Command::new("python3").arg(&validator).arg(out_dir.join("etcd-triage.yaml")).arg(&other).output().unwrap();
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("sha256 mismatch"));
}
