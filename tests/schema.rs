//! The JSON report's schema: `schema/report.schema.json` is what the wire types generate (rewrite it with
//! `ETCD_TRIAGE_WRITE_SCHEMA=1 cargo test --test schema`), and the report of every captured incident
//! (tests/fixtures/*, examples/*) and of every public corpus excerpt (tests/corpus/*.txt) validates against it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kubectl_etcd_triage::analyze::{self, Params, WindowSpec};
use kubectl_etcd_triage::model::SCHEMA_VERSION;
use kubectl_etcd_triage::report::{RenderOpts, json};
use kubectl_etcd_triage::sources::files::{ReadOptions, read_paths};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_file() -> PathBuf {
    root().join("schema/report.schema.json")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").expect("a valid RFC 3339 time").with_timezone(&Utc)
}

/// The JSON report of `paths` exactly as `-o json` prints it.
fn json_report(paths: &[PathBuf]) -> Value {
    let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: now() };
    let evidence = read_paths(paths, &opts).unwrap_or_else(|e| panic!("{paths:?} reads: {e}"));
    let params = Params { now: now(), window: WindowSpec::default(), thresholds: Default::default() };
    let report = analyze::analyze(&evidence, &params);
    let mut buf = Vec::new();
    json::render(&report, &mut buf, &RenderOpts::default()).expect("writing to a Vec cannot fail");
    serde_json::from_slice(&buf).expect("the renderer writes JSON")
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_file()).expect("schema/report.schema.json exists");
    let schema: Value = serde_json::from_str(&text).expect("the schema file is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn assert_valid(validator: &jsonschema::Validator, what: &str, report: &Value) {
    let errors: Vec<String> =
        validator.iter_errors(report).take(10).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match the schema:\n{}", errors.join("\n"));
}

#[test]
fn the_checked_in_schema_is_the_generated_one() {
    let generated = format!("{}\n", serde_json::to_string_pretty(&json::schema()).expect("the schema serialises"));
    if std::env::var_os("ETCD_TRIAGE_WRITE_SCHEMA").is_some() {
        std::fs::create_dir_all(root().join("schema")).expect("creating schema/");
        std::fs::write(schema_file(), &generated).expect("writing schema/report.schema.json");
    }
    let checked_in = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/report.schema.json differs from what the wire types generate; rewrite it with \
         ETCD_TRIAGE_WRITE_SCHEMA=1 cargo test --test schema and review the diff"
    );
    let schema: Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(schema["title"], SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, "etcd-triage/report/v3");
}

#[test]
fn every_fixture_and_example_report_matches_the_schema() {
    let validator = validator();
    let dirs: Vec<PathBuf> =
        subdirs(&root().join("tests/fixtures")).into_iter().chain(subdirs(&root().join("examples"))).collect();
    assert!(dirs.len() >= 10, "fixtures missing: {dirs:?}");
    for dir in dirs {
        let report = json_report(std::slice::from_ref(&dir));
        assert_eq!(report["schema_version"], SCHEMA_VERSION);
        assert_valid(&validator, &dir.display().to_string(), &report);
    }
}

#[test]
fn corpus_excerpt_reports_match_the_schema() {
    let validator = validator();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut excerpts: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .expect("tests/corpus")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    excerpts.sort();
    assert!(excerpts.len() > 50, "corpus missing");
    for path in excerpts {
        let text = std::fs::read_to_string(&path).expect("an excerpt reads");
        let Some((_, body)) = text.split_once("# ---\n") else { panic!("{}: no header end", path.display()) };
        let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let input = tmp.path().join(format!("{stem}.log"));
        std::fs::write(&input, body).expect("writing the excerpt");
        assert_valid(&validator, &stem, &json_report(&[input]));
    }
}

#[test]
fn the_schema_rejects_what_the_contract_forbids() {
    let validator = validator();
    let mut report = json_report(&[root().join("tests/fixtures/shared-slow")]);
    assert_valid(&validator, "shared-slow", &report);
    report["verdict"]["outcome"] = "slow_disk_probably".into();
    assert!(!validator.is_valid(&report), "an unknown outcome must not validate");
    let mut report = json_report(&[root().join("tests/fixtures/shared-slow")]);
    report.as_object_mut().expect("an object").remove("timeline");
    assert!(!validator.is_valid(&report), "a missing required field must not validate");
}
