//! The words of every report: on every lab fixture and the bundled example, in text, Markdown and HTML, no count
//! is printed twice (`40x 40x`) and no duration is spelled two ways (`3s` beside `3.0s` or `3000ms`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture folder under tests/fixtures, and the bundled example.
fn inputs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures"))
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "the lab fixtures are there: {dirs:?}");
    dirs.push(root().join("examples/karmada-slow-storage"));
    dirs
}

fn render(input: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-etcd_triage"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .arg("analyze")
        .arg(input)
        .args(["-o", format, "--color", "never"])
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "analyze {} -o {format}: {}", input.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8 report");
    if format == "html" { visible_text(&text) } else { text }
}

/// The text a reader sees in an HTML report: no style or script, no tags, entities decoded.
fn visible_text(html: &str) -> String {
    let blocks = Regex::new(r"(?s)<style.*?</style>|<script.*?</script>").unwrap();
    let tags = Regex::new(r"<[^>]*>").unwrap();
    let text = tags.replace_all(&blocks.replace_all(html, " "), " ").into_owned();
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// `40x 40x` (or `40× 40×`): one count printed twice.
fn doubled_counts(text: &str) -> Vec<String> {
    let re = Regex::new(r"\b(\d+)[x×] (\d+)[x×]").unwrap();
    re.captures_iter(text).filter(|c| c[1] == c[2]).map(|c| c[0].to_string()).collect()
}

/// Every duration token (`3s`, `3.0s`, `3000 ms`, `250ms`, `2m3s`, `10 min`, `1h5m`) grouped by its value in
/// microseconds.
fn durations(text: &str) -> BTreeMap<i64, BTreeSet<String>> {
    let re = Regex::new(r"(?:^|[^\w.])((\d+(?:\.\d+)?) ?(ms|min|ns|µs|us|s|m|h)(?:(\d+)(s|m))?)\b").unwrap();
    let unit_ms = |u: &str| match u {
        "ns" => 1e-6,
        "µs" | "us" => 1e-3,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" | "min" => 60_000.0,
        _ => 3_600_000.0,
    };
    let mut out: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for c in re.captures_iter(text) {
        let mut ms = c[2].parse::<f64>().unwrap() * unit_ms(&c[3]);
        if let (Some(n), Some(u)) = (c.get(4), c.get(5)) {
            ms += n.as_str().parse::<f64>().unwrap() * unit_ms(u.as_str());
        }
        out.entry((ms * 1000.0).round() as i64).or_default().insert(c[1].to_string());
    }
    out
}

#[test]
fn the_token_readers_catch_what_they_look_for() {
    assert_eq!(doubled_counts("a 40x 40x slow WAL fdatasync, 3x 4x b, 5× 5× c"), vec!["40x 40x", "5× 5×"]);
    let d = durations("max 3s; up to 3.0s; 3000 ms; 250ms; 2m3s; in 10 min; 10m; etcd-node3 3 of 3");
    assert_eq!(d[&3_000_000], BTreeSet::from(["3s".into(), "3.0s".into(), "3000 ms".into()]));
    assert_eq!(d[&600_000_000], BTreeSet::from(["10 min".into(), "10m".into()]));
    assert_eq!(d[&123_000_000], BTreeSet::from(["2m3s".into()]));
    assert_eq!(d.len(), 4, "{d:?}");
}

#[test]
fn no_doubled_count_and_one_spelling_per_duration_in_every_report() {
    let mut failures = Vec::new();
    let mut reports = 0;
    for input in inputs() {
        for format in ["text", "markdown", "html"] {
            let text = render(&input, format);
            reports += 1;
            let name = format!("{} -o {format}", input.strip_prefix(root()).unwrap_or(&input).display());
            let doubled = doubled_counts(&text);
            if !doubled.is_empty() {
                failures.push(format!("{name}: doubled counts {doubled:?}"));
            }
            for spellings in durations(&text).values().filter(|s| s.len() > 1) {
                failures.push(format!("{name}: one duration spelled {spellings:?}"));
            }
        }
    }
    assert!(reports >= 33, "{reports} reports");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
