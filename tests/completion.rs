//! Shell completion in a real bash: the script `completion bash` prints, and kubectl's plugin completion hook
//! (`kubectl_complete-etcd_triage`) driven through real kubectl and kubectl's own bash completion; plus `version`
//! and `man`. kubectl is needed for the hook tests; under CI (`CI` set) a missing kubectl fails them.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `script` in a non-interactive bash and returns its stdout.
fn bash(script: &str, path: Option<&std::ffi::OsStr>) -> String {
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().expect("bash runs");
    assert!(out.status.success(), "bash failed:\n{}\n{}", String::from_utf8_lossy(&out.stderr), script);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_bash_completion_script_completes_subcommands_flags_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("etcd-triage.bash");
    let out = Command::new(BIN).args(["completion", "bash"]).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    // Completing the words of a command line the way bash's programmable completion calls the function.
    let complete = |line: &[&str]| {
        let words_array = line.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ");
        let cword = line.len() - 1;
        bash(
            &format!(
                "source '{}'\nspec=$(complete -p kubectl-etcd_triage)\nfn=${{spec#*-F }}; fn=${{fn%% *}}\n\
                 COMP_WORDS=({words_array}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
                 COMP_POINT=${{#COMP_LINE}}\n\"$fn\" kubectl-etcd_triage \"${{COMP_WORDS[COMP_CWORD]}}\" \
                 \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ),
            None,
        )
    };
    let registered = bash(&format!("source '{}'; complete -p kubectl-etcd_triage", script.display()), None);
    assert!(registered.contains("-F ") && registered.trim_end().ends_with("kubectl-etcd_triage"), "{registered}");
    let subs = words(&complete(&["kubectl-etcd_triage", "co"]));
    assert_eq!(subs, ["collect", "completion"]);
    let flags = words(&complete(&["kubectl-etcd_triage", "--insecure"]));
    assert_eq!(flags, ["--insecure-skip-tls-verify"]);
    let collect_flags = words(&complete(&["kubectl-etcd_triage", "collect", "--out-"]));
    assert_eq!(collect_flags, ["--out-dir"]);
    let formats = words(&complete(&["kubectl-etcd_triage", "-o", ""]));
    assert_eq!(formats, ["text", "json", "markdown", "html"]);
}

/// kubectl on PATH, or `None` (skipping) outside CI.
fn kubectl() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("kubectl")).find(|p| p.is_file()));
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI installs kubectl (scripts/install-test-deps.sh)");
        eprintln!("kubectl not on PATH; skipping the kubectl completion test");
    }
    found
}

/// A PATH with the plugin and its completion hook first, as an installation leaves them.
fn plugin_path(dir: &Path) -> std::ffi::OsString {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(BIN, bin.join("kubectl-etcd_triage")).unwrap();
    std::os::unix::fs::symlink(
        root().join("completion/kubectl_complete-etcd_triage"),
        bin.join("kubectl_complete-etcd_triage"),
    )
    .unwrap();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap()))).unwrap()
}

#[test]
fn kubectl_completes_the_plugin_through_its_completion_hook() {
    let Some(kubectl) = kubectl() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = plugin_path(dir.path());
    // kubectl's hidden __complete, which its shell scripts call: the hook's answer comes back as kubectl's.
    let out = Command::new(&kubectl).args(["__complete", "etcd-triage", "co"]).env("PATH", &path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"collect") && lines.contains(&"completion"), "{text}");
    assert_eq!(lines.last(), Some(&":4"), "no file completion for subcommands: {text}");
    let out = Command::new(&kubectl)
        .args(["__complete", "etcd-triage", "collect", "--tls-server"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "--tls-server-name"));

    // And in bash with kubectl's own completion script, as a user pressing TAB after `kubectl etcd-triage an`
    // (kubectl's bash script needs the bash-completion package, as in an interactive shell).
    let bash_completion = Path::new("/usr/share/bash-completion/bash_completion");
    if !bash_completion.exists() {
        assert!(std::env::var_os("CI").is_none(), "CI installs bash-completion (scripts/install-test-deps.sh)");
        eprintln!("bash-completion not installed; skipping kubectl's bash completion");
        return;
    }
    let reply = bash(
        &format!(
            "source {}\nsource <('{}' completion bash)\nCOMP_WORDS=(kubectl etcd-triage an); COMP_CWORD=2; \
             COMP_LINE='kubectl etcd-triage an'; COMP_POINT=${{#COMP_LINE}}\n__start_kubectl kubectl an etcd-triage\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bash_completion.display(),
            kubectl.display()
        ),
        Some(&path),
    );
    assert_eq!(words(&reply), ["analyze"], "{reply}");
}

#[test]
fn version_reports_the_build_and_the_report_schema() {
    let out = Command::new(BIN).args(["version", "-o", "json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["report_schema"], kubectl_etcd_triage::model::SCHEMA_VERSION);
    let target = v["target"].as_str().unwrap();
    assert!(target.starts_with(std::env::consts::ARCH) && target.contains(std::env::consts::OS), "{target}");
    let commit = v["commit"].as_str().unwrap();
    let git = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(root()).output();
    match git {
        Ok(g) if g.status.success() => assert_eq!(commit, String::from_utf8_lossy(&g.stdout).trim()),
        _ => assert_eq!(commit, "unknown"),
    }
    let text = Command::new(BIN).arg("version").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(commit) && text.contains(target) && text.contains("report schema"), "{text}");
}

#[test]
fn the_man_page_is_generated_from_the_flags() {
    let out = Command::new(BIN).arg("man").output().unwrap();
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(roff.contains(".TH kubectl-etcd_triage 1"), "{}", &roff[..200.min(roff.len())]);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(roff.contains(section), "{section}");
    }
    // Every connection flag and subcommand is documented; the hidden completion entry is not.
    for flag in ["insecure\\-skip\\-tls\\-verify", "tls\\-server\\-name", "as\\-group", "certificate\\-authority"] {
        assert!(roff.contains(flag), "{flag}");
    }
    assert!(roff.contains("collect") && roff.contains("probe\\-disk") && !roff.contains("__complete"));
}
