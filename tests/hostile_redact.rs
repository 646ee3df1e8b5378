//! Secrets and terminal escapes never reach a report or a bundle (issue 11). Table-driven: each secret shape is
//! put in every place it may appear (a log line, an event message, the first line of an unrecognised file, a pod's
//! env value and last-applied annotation, a URL) and must be absent from text, JSON, Markdown and HTML, and from
//! what `collect` writes. `--no-redact` shows each place does reach the report, so no case passes vacuously.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::copy_dir;
use support::fakeapi::{FakeApi, LogBody, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
const FORMATS: [&str; 4] = ["text", "json", "markdown", "html"];

/// (shape, template): `{}` is replaced by a core unique to the place, which must never show once redacted.
const SHAPES: &[(&str, &str)] = &[
    ("PGPASSWORD", "PGPASSWORD={} psql -h db"),
    ("AWS access key id", "AKIA{}"),
    (
        "PGP private key block",
        r"-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYB{}AAAA\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----",
    ),
    ("PEM private key", r"-----BEGIN RSA PRIVATE KEY-----\nMIIE{}AAAA\n-----END RSA PRIVATE KEY-----"),
    ("SSH private key", r"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl{}AAAA\n-----END OPENSSH PRIVATE KEY-----"),
    ("Cookie header", "Cookie: theme=dark; session={}"),
    ("Set-Cookie header", "Set-Cookie: sid={}; Path=/; HttpOnly"),
    ("X-Amz-Signature", "https://s3/k?X-Amz-Signature={}&X-Amz-Date=1"),
    ("X-Goog-Signature", "https://gcs/o?X-Goog-Signature={}&x=1"),
    ("sig=", "https://blob/c?sv=1&sig={}"),
    ("Signature=", "https://cf/a?Signature={}&Key-Pair-Id=K"),
    ("mysql -p", "mysql -u root -p{} appdb"),
    ("ghp_", "ghp_{}abcdefghijklmnopqrstuvwxyz01"),
    ("github_pat_", "github_pat_11ABCDEFG_{}abcdefghij"),
    ("xoxb-", "xoxb-1234567890-{}"),
    ("xoxp-", "xoxp-1234567890-{}"),
    ("URL password", "postgres://app:{}@db:5432/app"),
    ("bearer token", "Authorization: Bearer {}"),
    ("password=", "password={}"),
];

/// The core for a shape in a place: upper-case alphanumerics (an AWS key id takes 16), unique per shape and place.
fn core(shape: usize, place: char) -> String {
    format!("ZQ9SECRET{shape:02}{place}XYZW")[..16].to_string()
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/karmada-slow-storage")
}

const CM_LOG: &str = "var-log-pods/karmada-system_karmada-controller-manager-slkg5sm5x2-cfwh8_b1d4c3f8-ebcf-481b-9323-b62d6b861b23/karmada-controller-manager/0.log";
/// The controller manager's lease error; a shape goes in front of its message, where the report's claim (cut at
/// about 120 characters) still shows it.
const LEASE_ERROR: &str = "] error retrieving resource lock karmada-system/karmada-controller-manager: ";
const BACKOFF: &str = "Back-off restarting failed container karmada-controller-manager";

/// The example with `log` inserted into the controller manager's lease error, `event` into its BackOff event, and
/// `first_line` as the first line of an unrecognised file. The report shows each (the first 120 characters of a
/// first line, claims cut at about 120), which `--no-redact` checks.
fn inputs(dir: &Path, log: &str, event: &str, first_line: &str) {
    copy_dir(&example(), dir);
    let path = dir.join(CM_LOG);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(LEASE_ERROR));
    std::fs::write(&path, text.replacen(LEASE_ERROR, &format!("] {log} {}", &LEASE_ERROR[2..]), 1)).unwrap();
    let path = dir.join("karmada-system/events.json");
    let mut events: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let item = events["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["message"].as_str().unwrap_or("").starts_with(BACKOFF))
        .unwrap();
    item["message"] = format!("{BACKOFF} ({event})").into();
    std::fs::write(&path, serde_json::to_vec_pretty(&events).unwrap()).unwrap();
    std::fs::write(dir.join("notes.txt"), format!("{first_line}\nmore\n")).unwrap();
}

fn analyze(dir: &Path, format: &str, extra: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(["analyze", dir.to_str().unwrap(), "-o", format])
        // The one-screen summary shows a few facts; the whole report is where every place can surface.
        .args(if format == "text" { &["--details"][..] } else { &[] })
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_secret_shape_in_every_place_is_absent_from_every_report_format() {
    let work = tempfile::tempdir().unwrap();
    let cases: Vec<(usize, &str, &str)> = SHAPES.iter().enumerate().map(|(i, (n, t))| (i, *n, *t)).collect();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(cases.len().div_ceil(2))
            .map(|chunk| {
                let work = work.path();
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for &(i, name, template) in chunk {
                        let dir = work.join(format!("shape-{i}"));
                        let places = [('L', "log line"), ('E', "event message"), ('F', "first line of a file")];
                        let filled: Vec<String> =
                            places.iter().map(|(p, _)| template.replace("{}", &core(i, *p))).collect();
                        // An event message holds real newlines; a log line and a first line the escaped `\n`.
                        let event = filled[1].replace(r"\n", "\n");
                        inputs(&dir, &filled[0], &event, &filled[2]);
                        let shown = analyze(&dir, "json", &["--no-redact"]);
                        for (p, place) in places {
                            if !shown.contains(&core(i, p)) {
                                failures.push(format!("{name} in a {place}: not in the report even with --no-redact"));
                            }
                        }
                        for format in FORMATS {
                            let report = analyze(&dir, format, &[]);
                            for (p, place) in places {
                                if report.contains(&core(i, p)) {
                                    failures.push(format!("{name} in a {place} reaches the {format} report"));
                                }
                            }
                            if !report.contains("REDACTED") {
                                failures.push(format!("{name}: no [REDACTED] in the {format} report"));
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{failures:#?}");
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Reads every file of a .tar.gz into one string.
fn archive_text(path: &Path) -> String {
    let mut all = String::new();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap());
    for entry in tar::Archive::new(gz).entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        all.push_str(&String::from_utf8_lossy(&bytes));
    }
    all
}

#[test]
fn pod_env_values_annotations_logs_and_events_go_into_bundles_redacted() {
    let mut scenario = Scenario::from_fixture(&fixture("shared-slow"));
    let env_core = "ZQ9ENVVALUEDBPWD";
    let annotation_core = "ZQ9LASTAPPLIEDXX";
    let pod = &mut scenario.pods[0];
    pod["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = format!(
        "{{\"spec\":{{\"containers\":[{{\"env\":[{{\"name\":\"API_KEY\",\"value\":\"{annotation_core}\"}}]}}]}}}}"
    )
    .into();
    for c in pod["spec"]["containers"].as_array_mut().unwrap() {
        c["env"] = serde_json::json!([
            {"name": "DB_PASSWORD", "value": env_core},
            {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
        ]);
    }
    // Every shape in the collected logs (every log of the scheduler: which of them is fetched is the collector's
    // choice) and in an event message.
    let mut hit = 0;
    for (key, body) in scenario.logs.iter_mut().filter(|(k, _)| k.pod.starts_with("karmada-scheduler")) {
        let LogBody::Lines(lines) = body else { panic!("{key:?}: not lines") };
        let t = lines.last().map(|(t, _)| *t).unwrap();
        hit += 1;
        // A real armored key: headers and a blank line before the body.
        for line in [
            "I1125 02:22:30.000000       1 client.go:1] -----BEGIN PGP PRIVATE KEY BLOCK-----",
            "Version: GnuPG v2",
            "Comment: ops key",
            "",
            "lQOYBZQ9ARMOREDKEYPGPAAAA",
            "=AbCd",
            "-----END PGP PRIVATE KEY BLOCK-----",
        ] {
            lines.push((t, line.to_string()));
        }
        for (i, (_, template)) in SHAPES.iter().enumerate() {
            let text = template.replace("{}", &core(i, 'B')).replace(r"\n", "\n");
            // One klog record; a multi-line key continues on lines of its own, as a program printing it writes them.
            for (n, line) in text.lines().enumerate() {
                let line = if n == 0 {
                    format!("I1125 02:22:30.000000       1 client.go:1] {line}")
                } else {
                    line.to_string()
                };
                lines.push((t, line));
            }
        }
    }
    assert!(hit > 0);
    let mut event = scenario.events[0].clone();
    let messages: Vec<String> = SHAPES.iter().enumerate().map(|(i, (_, t))| t.replace("{}", &core(i, 'V'))).collect();
    event["message"] = messages.join(" | ").into();
    event["metadata"]["name"] = "hostile.1".into();
    scenario.events.push(event);
    let api = FakeApi::start(scenario);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "plain");
    let now = "2026-11-25T02:23:00Z";
    let collect = |name: &str, extra: &[&str]| -> PathBuf {
        let bundle = dir.path().join(name);
        let out = Command::new(BIN)
            .args(["collect", "-o", bundle.to_str().unwrap(), "--kubeconfig", kubeconfig.to_str().unwrap()])
            .args(["--now", now])
            .args(extra)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        bundle
    };
    let mut cores: Vec<(String, String)> =
        vec![("env value".into(), env_core.into()), ("last-applied annotation".into(), annotation_core.into())];
    cores.push(("an armored PGP key in a log".into(), "ZQ9ARMOREDKEYPGP".into()));
    for (i, (name, _)) in SHAPES.iter().enumerate() {
        cores.push((format!("{name} in a log line"), core(i, 'B')));
        cores.push((format!("{name} in an event message"), core(i, 'V')));
    }
    // Without redaction each one is in the bundle, so the redacted bundle's absence means something.
    let plain = archive_text(&collect("plain.tar.gz", &["--no-redact"]));
    for (what, core) in &cores {
        assert!(plain.contains(core.as_str()), "{what} is not even collected");
    }
    let redacted_bundle = collect("incident.tar.gz", &[]);
    let redacted = archive_text(&redacted_bundle);
    let leaks: Vec<&String> = cores.iter().filter(|(_, c)| redacted.contains(c.as_str())).map(|(w, _)| w).collect();
    assert!(leaks.is_empty(), "in the bundle: {leaks:#?}");
    assert!(redacted.contains("DB_PASSWORD"), "the variable's name is kept");
    for format in FORMATS {
        let report = analyze(&redacted_bundle, format, &[]);
        let leaks: Vec<&String> = cores.iter().filter(|(_, c)| report.contains(c.as_str())).map(|(w, _)| w).collect();
        assert!(leaks.is_empty(), "in the {format} report of the bundle: {leaks:#?}");
    }
}

/// Whether `text` holds an escape other than the renderer's own SGR colour codes (`ESC [ digits;... m`), or BEL,
/// or a C1 control.
fn foreign_controls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\u{1b}' {
            let mut j = i + 1;
            if chars.get(j) == Some(&'[') {
                j += 1;
                while chars.get(j).is_some_and(|c| c.is_ascii_digit() || *c == ';') {
                    j += 1;
                }
                if chars.get(j) == Some(&'m') {
                    i = j + 1;
                    continue;
                }
            }
            found.push(chars[i..(i + 12).min(chars.len())].iter().collect::<String>().escape_debug().to_string());
        } else if (c < ' ' && c != '\n' && c != '\t') || ('\u{7f}'..='\u{9f}').contains(&c) {
            found.push(format!("{:?}", c));
        }
        i += 1;
    }
    found
}

#[test]
fn escapes_from_a_pod_name_an_event_and_a_log_line_never_reach_the_terminal() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("in");
    let osc = "\u{1b}]0;pwned\u{7}";
    let clear = "\u{1b}[2J\u{1b}[H";
    let link = "\u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\";
    inputs(&dir, &format!("{osc}{clear}\u{9b}31m"), &format!("{link}{osc}"), &format!("notes {clear}{osc}"));
    // A pod name carrying escapes, wherever the pod is named.
    for file in ["karmada-system/pods.json", "karmada-system/events.json"] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let hostile = "karmada-controller-manager-slkg5sm5x2-cfwh8\\u001b]0;pod\\u0007\\u001b[2J";
        std::fs::write(&path, text.replace("karmada-controller-manager-slkg5sm5x2-cfwh8", hostile)).unwrap();
    }
    let raw = std::fs::read_to_string(dir.join(CM_LOG)).unwrap();
    assert!(raw.contains('\u{1b}'), "the log line carries raw ESC bytes");
    for color in ["always", "never"] {
        let text = analyze(&dir, "text", &["--color", color]);
        let found = foreign_controls(&text);
        assert!(found.is_empty(), "--color {color}: {found:?}");
        assert!(text.contains("\\x1b]0;pwned\\x07"), "the escapes are shown as text, not dropped");
        if color == "always" {
            assert!(text.contains("\u{1b}["), "colour is forced, so the renderer's own SGR codes are there");
        }
    }
    for format in ["json", "markdown", "html"] {
        let report = analyze(&dir, format, &[]);
        assert!(!report.contains('\u{1b}') && !report.contains('\u{7}'), "{format}");
        assert!(!report.to_lowercase().contains("\\u001b") && !report.contains("&#27;"), "{format}: an encoded ESC");
    }
}
