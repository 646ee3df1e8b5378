//! Build-time facts for `kubectl etcd-triage version`: the git commit and the target triple.
//!
//! The commit comes from `ETCD_TRIAGE_GIT_COMMIT` when the release job sets it, else from `git` when building in
//! a checkout, else from `.cargo_vcs_info.json` (what `cargo package` puts in a crates.io tarball), else
//! `unknown`; a build without git (crates.io, `cargo install --path` of an exported tree) still works.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ETCD_TRIAGE_GIT_COMMIT");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=ETCD_TRIAGE_TARGET={target}");
    let commit = std::env::var("ETCD_TRIAGE_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .or_else(vcs_info_commit)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ETCD_TRIAGE_GIT_COMMIT={}", commit.trim());
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn git_commit() -> Option<String> {
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    // Rebuild when HEAD moves (a worktree keeps HEAD in its own git dir, the branch refs in the common one).
    for dir in [git(&["rev-parse", "--git-dir"]), git(&["rev-parse", "--git-common-dir"])].into_iter().flatten() {
        for file in ["HEAD", "packed-refs"] {
            let path = Path::new(&dir).join(file);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(common) = git(&["rev-parse", "--git-common-dir"])
    {
        let path = Path::new(&common).join(&branch);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

fn vcs_info_commit() -> Option<String> {
    let text = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let at = text.find("\"sha1\"")?;
    let rest = &text[at + 6..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].chars().take(12).collect())
}
