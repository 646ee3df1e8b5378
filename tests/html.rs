//! The HTML report (`-o html`) on a real captured incident (tests/fixtures/shared-slow): the page is
//! self-contained, the inline SVG chart has a band per etcd member, a marker per placed restart and leader
//! change, and a real headless browser (Chromium) parses and paints it.
//!
//! The browser test needs `chromium` on PATH (Debian: `apt-get install chromium`). Without it the test is
//! skipped locally and fails under CI (env `CI` set), so CI cannot silently stop checking the page.
//! Set `ETCD_TRIAGE_KEEP_HTML=DIR` to keep the page, screenshot and dumped DOM for a look.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kubectl_etcd_triage::analyze::{self, Params, WindowSpec};
use kubectl_etcd_triage::model::Report;
use kubectl_etcd_triage::report::{RenderOpts, html};
use kubectl_etcd_triage::sources::files::{ReadOptions, read_paths};

/// A fixed "now" after the fixture's evidence (its logs end at 02:22:36 UTC).
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T02:23:00Z").expect("a valid RFC 3339 time").with_timezone(&Utc)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The report of `shared-slow` over the evidence's own span, default thresholds.
fn shared_slow_report() -> Report {
    let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: now() };
    let evidence = read_paths(&[fixture("shared-slow")], &opts).expect("the fixture reads");
    let params = Params { now: now(), window: WindowSpec::default(), thresholds: Default::default() };
    analyze::analyze(&evidence, &params)
}

fn render(report: &Report, opts: &RenderOpts) -> String {
    let mut buf = Vec::new();
    html::render(report, &mut buf, opts).expect("writing to a Vec cannot fail");
    String::from_utf8(buf).expect("the renderer writes UTF-8")
}

fn utc_opts() -> RenderOpts {
    RenderOpts { color: false, tz: chrono_tz::UTC, ..RenderOpts::default() }
}

/// Values of attribute `name` (double-quoted, as the renderer writes them) anywhere in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// The element tags (`<circle class="restart" ...>`) that start with `prefix`.
fn tags<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    html.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &html[i..];
            &rest[..rest.find('>').map_or(rest.len(), |e| e + 1)]
        })
        .collect()
}

#[test]
fn shared_slow_page_is_self_contained_with_the_whole_chart() {
    let report = shared_slow_report();
    let page = render(&report, &utc_opts());

    assert!(page.starts_with("<!DOCTYPE html>"), "not an HTML5 document");
    assert!(page.trim_end().ends_with("</html>"));
    // Self-contained: no script, nothing fetched from anywhere.
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "the page must not carry scripts");
    for tag in ["<link", "<img", "<iframe", "<object", "<embed", "@import", "url("] {
        assert!(!lower.contains(tag), "the page must not load anything ({tag} found)");
    }
    for attr in ["src", "href", "xlink:href"] {
        for value in attribute_values(&lower, attr) {
            assert!(
                !value.starts_with("http://") && !value.starts_with("https://") && !value.starts_with("//"),
                "external reference {attr}={value:?}"
            );
        }
    }

    // The fixture's report: 3 etcd members, two crash-looping victims, storage latency.
    assert_eq!(report.members.len(), 3, "fixture changed? members: {:?}", report.members);
    assert_eq!(page.matches("<svg id=\"timeline\"").count(), 1);
    let groups = tags(&page, "<g class=\"member\" ");
    assert_eq!(groups.len(), report.members.len(), "{groups:#?}");
    for m in &report.members {
        let group = format!("<g class=\"member\" data-member=\"{}\">", html::escape(&m.member));
        assert!(page.contains(&group), "no band for {}", m.member);
    }

    // A latency line per member with data, each with as many points as the series.
    let with_data: Vec<_> = report.members.iter().filter(|m| !m.latency_series.is_empty()).collect();
    assert_eq!(with_data.len(), 3, "every member of shared-slow logged slow fdatasyncs");
    let paths = tags(&page, "<path class=\"latency\" ");
    assert_eq!(paths.len(), with_data.len(), "{paths:#?}");
    for (m, path) in with_data.iter().zip(&paths) {
        assert!(path.contains(&format!("data-points=\"{}\"", m.latency_series.len())), "{path}");
        assert!(path.contains(" d=\"M"), "{path}");
    }
    for ms in ["10", "100"] {
        let guides = page.matches(&format!("<line class=\"guide\" data-ms=\"{ms}\" ")).count();
        assert_eq!(guides, report.members.len(), "{ms} ms guide per band");
    }
    assert!(page.contains(">10ms</text>") && page.contains(">100ms</text>"), "guide labels");

    // One marker per placed restart, on its container's row, coloured by its attributed cause.
    let placed: usize = report.containers.iter().map(|c| c.restarts.len()).sum();
    assert!(placed >= 2, "shared-slow has restarts of both victims, got {placed}");
    let markers = tags(&page, "<circle class=\"restart\" ");
    assert_eq!(markers.len(), placed, "{markers:#?}");
    for c in &report.containers {
        let on_row = markers.iter().filter(|m| m.contains(&format!("data-container=\"{}\"", c.label()))).count();
        assert_eq!(on_row, c.restarts.len(), "markers of {}", c.label());
    }
    assert!(markers.iter().all(|m| m.contains("data-cause=\"storage_latency\"")), "{markers:#?}");
    // Every marker has a native tooltip (`<title>` as its first child).
    for (i, _) in
        page.match_indices("<circle class=\"restart\" ").chain(page.match_indices("<path class=\"leader-change\" "))
    {
        let rest = &page[i..];
        let after_tag = &rest[rest.find('>').map_or(0, |e| e + 1)..];
        assert!(after_tag.starts_with("<title>"), "marker without tooltip: {}", &rest[..rest.len().min(200)]);
    }
    assert!(page.contains("restart at 02:19:00"), "restart tooltip with its time in UTC");

    let leader = tags(&page, "<path class=\"leader-change\" ");
    assert!(!leader.is_empty(), "shared-slow has elections");
    assert!(leader.iter().any(|l| l.contains("data-kind=\"elected\"")), "{leader:#?}");

    // The verdict, its reasoning and cited evidence.
    assert_eq!(report.verdict.cause.map(html::cause_key), Some("storage_latency"));
    assert!(
        page.contains(&*html::escape(&kubectl_etcd_triage::report::words::verdict::verdict_headline(&report.verdict))),
        "headline missing"
    );
    assert!(
        page.contains(&*html::escape(&kubectl_etcd_triage::report::words::verdict::reasoning(&report.verdict))),
        "reasoning missing"
    );
    for c in &report.verdict.evidence {
        let claim = kubectl_etcd_triage::report::words::claims::citation(c);
        assert!(page.contains(&*html::escape(&claim)), "cited claim missing: {claim}");
    }
    // Header: version, window basis, tables.
    assert!(page.contains(report.tool_version));
    assert!(
        page.contains(&*html::escape(&kubectl_etcd_triage::report::words::verdict::window_basis(&report.window.basis)))
    );
    for id in ["verdict", "containers", "members", "timeline-table", "gaps", "inputs"] {
        assert!(page.contains(&format!("<section id=\"{id}\"")), "section {id} missing");
    }
}

/// The part of `html` from the element that starts with `open` to its closing `close` (not nested).
fn element<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html.find(open).unwrap_or_else(|| panic!("no {open}"));
    let end = html[start..].find(close).unwrap_or_else(|| panic!("{open} not closed")) + start + close.len();
    &html[start..end]
}

#[test]
fn the_page_opens_with_the_summary_and_keeps_the_chart_and_every_section() {
    let report = shared_slow_report();
    let page = render(&report, &utc_opts());
    let position = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    // The summary comes first, right after the header; the chart and the full sections follow it.
    let summary_at = position("<section id=\"summary\">");
    assert!(position("</header>") < summary_at);
    for later in
        ["<section id=\"verdict\"", "<section id=\"storage\"", "<section id=\"chart\">", "<svg id=\"timeline\""]
    {
        assert!(summary_at < position(later), "{later} before the summary");
    }
    for id in
        ["verdict", "storage", "chart", "containers", "members", "timeline-table", "recommendations", "gaps", "inputs"]
    {
        assert_eq!(page.matches(&format!("<section id=\"{id}\"")).count(), 1, "section {id}");
    }

    let summary = element(&page, "<section id=\"summary\">", "</section>");
    // Both verdicts, the restart verdict first (the headline is the restarts).
    let verdicts = element(summary, "<div class=\"verdicts\">", "</div>");
    assert!(
        verdicts.find("class=\"verdict storage_latency\"") < verdicts.find("data-storage=\"too_slow\""),
        "{verdicts}"
    );
    // At most five facts, each cited.
    let facts = element(summary, "<ol class=\"facts\">", "</ol>");
    let items = facts.matches("<li>").count();
    assert!((1..=5).contains(&items), "{facts}");
    assert_eq!(facts.matches("<code").count(), items, "every fact cites its record: {facts}");
    // One item per member and per restarted container.
    let members = element(summary, "<ul class=\"members\">", "</ul>");
    assert_eq!(members.matches("<li ").count(), report.storage.members.len());
    for m in &report.storage.members {
        assert!(members.contains(&format!("data-member=\"{}\"", html::escape(&m.member))), "{}", m.member);
    }
    let containers = element(summary, "<ul class=\"containers\">", "</ul>");
    assert_eq!(containers.matches("<li ").count(), report.containers.len());
    assert_eq!(containers.matches("data-cause=\"storage_latency\"").count(), report.containers.len());
    // Key timeline rows (fewer than the whole timeline), top recommendations, the gap line.
    let key_rows = element(summary, "<table class=\"key-timeline\">", "</table>").matches("<tr class=").count();
    assert!((1..=10).contains(&key_rows) && key_rows < report.timeline.len(), "{key_rows} key rows");
    let recs = element(summary, "<ul class=\"top-recommendations\">", "</ul>").matches("<li ").count();
    assert!((1..=report.recommendations.len()).contains(&recs));
    assert_eq!(summary.matches("<p class=\"gaps").count(), 1);
}

#[test]
fn times_follow_the_display_zone() {
    let report = shared_slow_report();
    let berlin = render(&report, &RenderOpts { tz: chrono_tz::Europe::Berlin, ..utc_opts() });
    // 02:19 UTC is 03:19 in Berlin (CET) in November.
    assert!(berlin.contains("Europe/Berlin (CET, UTC+01:00)"));
    assert!(berlin.contains("restart at 03:19:00"));
    assert!(!berlin.contains("restart at 02:19:00"));
}

#[test]
fn citations_are_relative_to_the_analysed_folder_with_the_full_path_on_hover() {
    let report = shared_slow_report();
    let root = fixture("shared-slow").display().to_string();
    let html = render(&report, &RenderOpts { root: Some(root.clone()), ..utc_opts() });
    let shown: Vec<&str> = html
        .match_indices("<code")
        .map(|(i, _)| {
            let rest = &html[i..];
            let open_end = rest.find('>').expect("a closed tag") + 1;
            &rest[open_end..rest.find("</code>").expect("a closing tag")]
        })
        .collect();
    let cited: Vec<&&str> = shown.iter().filter(|t| t.contains(".log:") || t.contains(".txt:")).collect();
    assert!(cited.len() >= 5, "citations with file:line in the page: {cited:?}");
    assert!(cited.iter().all(|t| !t.contains(&root)), "no shown citation carries the folder: {cited:?}");
    let titles = attribute_values(&html, "title");
    assert!(titles.iter().any(|t| t.starts_with(&root)), "the full path stays on hover");
    assert!(html.contains(&format!("relative to <code class=\"root\">{root}/</code>")), "the header names the folder");
    let absolute = render(&report, &utc_opts());
    assert!(!absolute.contains("class=\"root\""), "no folder, no relative note");
}

// ---------------------------------------------------------------------------------------------------------
// A real browser

/// Kill a browser that has not finished after this long, so a hang cannot stall the suite.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

/// Runs `cmd` with stdout into `stdout_file`, killing it after [`BROWSER_TIMEOUT`]. Returns stderr on failure.
fn run_with_timeout(mut cmd: Command, stdout_file: &Path, stderr_file: &Path) -> Result<(), String> {
    let stdout = std::fs::File::create(stdout_file).map_err(|e| format!("creating {}: {e}", stdout_file.display()))?;
    let stderr = std::fs::File::create(stderr_file).map_err(|e| format!("creating {}: {e}", stderr_file.display()))?;
    let mut child =
        cmd.stdin(Stdio::null()).stdout(stdout).stderr(stderr).spawn().map_err(|e| format!("starting {cmd:?}: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > BROWSER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{cmd:?} did not finish within {BROWSER_TIMEOUT:?}; killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("waiting for {cmd:?}: {e}")),
        }
    };
    if status.success() {
        Ok(())
    } else {
        let err = std::fs::read_to_string(stderr_file).unwrap_or_default();
        Err(format!("{cmd:?} exited with {status}:\n{err}"))
    }
}

/// A headless Chromium invocation with a throw-away profile. `--no-sandbox` because CI containers run as root.
fn chromium(bin: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        // No network of its own: the page must render with nothing fetched, and a closed network would
        // otherwise refuse Chromium's background connections.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn chromium_parses_and_paints_the_page() {
    let Some(bin) = find_on_path(&["chromium", "chromium-browser"]) else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not on PATH: CI must install it (Debian/Ubuntu: apt-get install -y chromium)");
        }
        eprintln!("skipped: chromium is not on PATH (apt-get install -y chromium to run this test)");
        return;
    };
    let report = shared_slow_report();
    let placed: usize = report.containers.iter().map(|c| c.restarts.len()).sum();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let page = dir.path().join("report.html");
    std::fs::write(&page, render(&report, &utc_opts())).expect("writing the page");

    // Paint: a screenshot of a real layout. A blank page is a few KB; the chart and tables make it far larger.
    let png = dir.path().join("report.png");
    let mut shot = chromium(&bin, &dir.path().join("profile-shot"));
    shot.arg(format!("--screenshot={}", png.display())).arg("--window-size=1400,2000").arg(file_url(&page));
    run_with_timeout(shot, &dir.path().join("shot.out"), &dir.path().join("shot.err"))
        .unwrap_or_else(|e| panic!("screenshot failed: {e}"));
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG ({} bytes)", bytes.len());
    assert!(bytes.len() > 20_000, "screenshot only {} bytes: blank page?", bytes.len());

    // Parse: the DOM after loading still has the inline SVG and its markers (the HTML parser took the SVG as
    // SVG, not as unknown text).
    let dom_file = dir.path().join("dom.html");
    let mut dump = chromium(&bin, &dir.path().join("profile-dom"));
    dump.arg("--dump-dom").arg(file_url(&page));
    run_with_timeout(dump, &dom_file, &dir.path().join("dom.err")).unwrap_or_else(|e| panic!("--dump-dom failed: {e}"));
    let dom = std::fs::read_to_string(&dom_file).expect("the dumped DOM is UTF-8");
    assert!(dom.contains("id=\"timeline\""), "no svg#timeline in the DOM:\n{}", &dom[..dom.len().min(2000)]);
    assert_eq!(dom.matches("<circle class=\"restart\"").count(), placed, "restart markers in the parsed DOM");
    assert_eq!(dom.matches("<g class=\"member\"").count(), report.members.len());
    assert!(!dom.contains("<script"));

    if let Some(keep) = std::env::var_os("ETCD_TRIAGE_KEEP_HTML") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).expect("creating ETCD_TRIAGE_KEEP_HTML");
        for f in ["report.html", "report.png", "dom.html"] {
            std::fs::copy(dir.path().join(f), keep.join(f)).expect("copying the kept output");
        }
    }
}
