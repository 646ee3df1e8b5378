//! The renderers on real analyses of real captures (tests/fixtures/*, examples/karmada-slow-storage): the
//! terminal's one-screen summary and `--details`, Markdown for tickets, and snapshots of each text format.
//!
//! Reports are built with the library, as the binary builds them (fixed "now", paths relative to the package
//! root as a user in the repository would type them). Snapshots redact the tool's version.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use kubectl_etcd_triage::analyze::{self, Params, WindowSpec};
use kubectl_etcd_triage::model::Report;
use kubectl_etcd_triage::report::{RenderOpts, json, markdown, terminal, words};
use kubectl_etcd_triage::sources::files::{ReadOptions, read_paths};

const EXAMPLE: &str = "examples/karmada-slow-storage";
const SHARED_SLOW: &str = "tests/fixtures/shared-slow";

/// A fixed "now" after every fixture's evidence.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T03:00:00Z").expect("a valid RFC 3339 time").with_timezone(&Utc)
}

/// The report of the folder `dir` (relative to the package root) over the evidence's own span.
fn report_of(dir: &str) -> Report {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("the package root exists");
    let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: now() };
    let evidence = read_paths(&[Path::new(dir).to_path_buf()], &opts).expect("the fixture reads");
    let params = Params { now: now(), window: WindowSpec::default(), thresholds: Default::default() };
    analyze::analyze(&evidence, &params)
}

/// Options as the binary resolves them for `analyze DIR` without a TTY.
fn opts(dir: &str, details: bool, color: bool) -> RenderOpts {
    RenderOpts { color, details, root: Some(dir.to_owned()), ..RenderOpts::default() }
}

type Renderer = fn(&Report, &mut dyn std::io::Write, &RenderOpts) -> std::io::Result<()>;

fn render(render: Renderer, report: &Report, opts: &RenderOpts) -> String {
    let mut buf = Vec::new();
    render(report, &mut buf, opts).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("the renderers write UTF-8")
}

/// The text with the tool's version replaced, so a release does not change the snapshots.
fn redact_version(text: &str) -> String {
    let v = env!("CARGO_PKG_VERSION");
    let redacted = text
        .replace(&format!("etcd-triage {v}"), "etcd-triage [version]")
        .replace(&format!("etcd-triage\x1b[0m {v}"), "etcd-triage\x1b[0m [version]")
        .replace(&format!("\"tool_version\": \"{v}\""), "\"tool_version\": \"[version]\"");
    let header = redacted.lines().next().unwrap_or_default();
    assert!(!header.contains(v), "the version is left in: {header}");
    redacted
}

fn visible_width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn the_default_view_of_the_example_fits_one_screen() {
    let report = report_of(EXAMPLE);
    let text = render(terminal::render, &report, &opts(EXAMPLE, false, false));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= 60, "{} lines:\n{text}", lines.len());
    for line in &lines {
        assert!(visible_width(line) <= 100, "{} columns: {line}", visible_width(line));
    }
    // The verdicts, one line per member and per restarted container, the top recommendations, the gap line.
    assert!(text.contains("VERDICT: etcd storage latency, high confidence"), "{text}");
    assert!(text.contains("STORAGE: too slow, high confidence"), "{text}");
    for m in &report.storage.members {
        assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("  {}", m.member))).count(), 1, "{}", m.member);
    }
    for c in &report.containers {
        assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("  {}", c.pod))).count(), 1, "{}", c.pod);
    }
    assert!(text.contains("STRONGEST EVIDENCE"));
    let facts = lines.iter().filter(|l| l.starts_with("  - ")).count();
    assert_eq!(facts, 5, "{text}");
    assert!(text.contains(&words::advice::title(&report.recommendations[0])));
    assert_eq!(lines.iter().filter(|l| l.starts_with("GAPS")).count(), 1);
    // Citations relative to the analysed folder.
    assert!(text.contains("[kube-system/etcd-node1/logs.txt:"), "{text}");
    assert!(!text.contains(&format!("[{EXAMPLE}/")), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&format!("paths relative to {EXAMPLE}/")), "{text}");
}

#[test]
fn details_print_every_section_and_citation() {
    let report = report_of(EXAMPLE);
    let summary = render(terminal::render, &report, &opts(EXAMPLE, false, false));
    let details = render(terminal::render, &report, &opts(EXAMPLE, true, false));
    assert!(details.lines().count() > 4 * summary.lines().count());
    for heading in [
        "VERDICT:",
        "Alternatives considered",
        "STORAGE:",
        "RESTARTED CONTAINERS (2)",
        "ETCD MEMBERS (3)",
        "NODES (3)",
        "TIMELINE (",
        "RECOMMENDATIONS",
        "GAPS AND ASSUMPTIONS",
        "INPUTS (",
    ] {
        assert!(details.contains(heading), "--details lacks {heading}");
    }
    let reasoning = words::verdict::reasoning(&report.verdict);
    assert!(details.contains(&reasoning[..40]), "{reasoning}");
    let restarts: Vec<_> = report.containers.iter().flat_map(|c| &c.restarts).collect();
    assert_eq!(details.matches(" -> etcd storage latency (high)").count(), restarts.len());
    for r in &report.recommendations {
        let title = words::advice::title(r);
        assert!(details.contains(&title), "recommendation {title}");
    }
    for i in &report.inputs {
        let rel = i.source.strip_prefix(&format!("{EXAMPLE}/")).unwrap_or(&i.source);
        assert!(details.contains(rel), "input {rel}");
    }
}

#[test]
fn the_binary_prints_the_summary_by_default_and_everything_with_details() {
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .args(["analyze", EXAMPLE, "--now", "2026-11-25T03:00:00Z"])
            .args(extra)
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let summary = run(&[]);
    assert!(summary.lines().count() <= 60, "{summary}");
    assert!(!summary.contains("INPUTS ("));
    let details = run(&["--details"]);
    assert!(details.contains("INPUTS (") && details.contains("Alternatives considered"));
    let report = report_of(EXAMPLE);
    assert_eq!(summary, render(terminal::render, &report, &opts(EXAMPLE, false, false)));
}

#[test]
fn terminal_snapshots() {
    let example = report_of(EXAMPLE);
    insta::assert_snapshot!(
        "example_summary",
        redact_version(&render(terminal::render, &example, &opts(EXAMPLE, false, false)))
    );
    let shared = report_of(SHARED_SLOW);
    insta::assert_snapshot!(
        "shared_slow_summary_color",
        redact_version(&render(terminal::render, &shared, &opts(SHARED_SLOW, false, true)))
    );
    insta::assert_snapshot!(
        "shared_slow_details",
        redact_version(&render(terminal::render, &shared, &opts(SHARED_SLOW, true, false)))
    );
}

#[test]
fn markdown_snapshot() {
    let example = report_of(EXAMPLE);
    insta::assert_snapshot!(
        "example_markdown",
        redact_version(&render(markdown::render, &example, &opts(EXAMPLE, false, false)))
    );
}

#[test]
fn json_snapshot() {
    let shared = report_of(SHARED_SLOW);
    let text = render(json::render, &shared, &opts(SHARED_SLOW, false, false));
    assert!(text.contains(&format!("\"tool_version\": \"{}\"", env!("CARGO_PKG_VERSION"))));
    insta::assert_snapshot!("shared_slow_json", redact_version(&text));
}

/// Every cited origin as the Markdown prints it (relative to the analysed folder, as a code span).
fn cited_origins(report: &Report, dir: &str) -> Vec<String> {
    let restarts = report.containers.iter().flat_map(|c| c.restarts.iter().flat_map(|r| &r.attribution.evidence));
    let mut all: Vec<String> = report
        .verdict
        .evidence
        .iter()
        .chain(&report.storage.evidence)
        .chain(restarts)
        .map(|c| c.origin.to_string().trim_start_matches(&format!("{dir}/")).to_owned())
        .collect();
    all.sort();
    all.dedup();
    all
}

#[test]
fn markdown_puts_the_summary_first_folds_the_details_and_cites_each_record_once() {
    for dir in [EXAMPLE, SHARED_SLOW] {
        let report = report_of(dir);
        let md = render(markdown::render, &report, &opts(dir, false, false));
        let at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("{dir}: no {needle}"));
        assert!(at("## Summary") < at("## Verdict") && at("## Summary") < at("## Storage"));
        assert!(at("## Verdict") < at("## Evidence cited"));
        // Per-restart histories, the full timeline and the inputs are folded.
        assert_eq!(md.matches("<details>").count(), 3, "{dir}");
        assert_eq!(md.matches("</details>").count(), 3, "{dir}");
        for summary in ["<summary>Restart histories (", "<summary>Full timeline (", "inputs</summary>"] {
            assert!(md.contains(summary), "{dir}: no {summary}");
        }
        // Each cited record's origin is printed once; everything else refers to it by number.
        let origins = cited_origins(&report, dir);
        assert!(origins.len() >= 10, "{dir}: {origins:?}");
        for (n, origin) in origins.iter().enumerate() {
            let span = format!("`{origin}`");
            assert_eq!(md.matches(&span).count(), 1, "{dir}: {span} printed more than once");
            let _ = n;
        }
        let cite_lines: Vec<&str> = md.lines().filter(|l| l.starts_with("- **[")).collect();
        assert_eq!(cite_lines.len(), origins.len(), "{dir}: one numbered line per cited record");
        let mut lines: Vec<&str> = md.lines().filter(|l| l.contains("` ") || l.ends_with("`)")).collect();
        let before = lines.len();
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), before, "{dir}: a citation line appears twice");
        // Restart histories refer to the numbered records.
        assert!(md.contains("| [") || md.contains(", ["), "{dir}: no numbered references");
    }
}

#[test]
fn every_fixture_fits_one_screen_by_default() {
    let dirs: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .expect("tests/fixtures")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .map(|p| format!("tests/fixtures/{}", p.file_name().expect("a name").to_string_lossy()))
        .collect();
    assert!(dirs.len() >= 10);
    for dir in dirs {
        let report = report_of(&dir);
        let text = render(terminal::render, &report, &opts(&dir, false, false));
        assert!(text.lines().count() <= 60, "{dir}: {} lines", text.lines().count());
        for line in text.lines() {
            assert!(visible_width(line) <= 100, "{dir}: {} columns: {line}", visible_width(line));
        }
    }
}

/// A restart cause other than storage (a frozen leader) and a storage headline without restarts.
#[test]
fn summary_snapshots_of_other_outcomes() {
    for (dir, name) in [
        ("tests/fixtures/frozen", "frozen_summary"),
        ("tests/fixtures/moderate-slow-norestart", "moderate_slow_norestart_summary"),
    ] {
        let report = report_of(dir);
        insta::assert_snapshot!(name, redact_version(&render(terminal::render, &report, &opts(dir, false, false))));
    }
}
