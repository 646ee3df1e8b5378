//! The JSON report (`-o json`): the whole [`Report`] as pretty-printed JSON plus a trailing newline. This is the
//! contract for automation; the terminal and Markdown renderers are for people and may change freely.
//!
//! Pure: writes into any `io::Write`; ignores colour, time zone and the timeline cap (JSON keeps every row).
//!
//! What is written are the wire types of [`wire`], built from the model, not the model itself; the JSON Schema
//! generated from them is checked in as `schema/report.schema.json` (`tests/schema.rs` keeps it current and
//! validates every fixture's report against it).
//!
//! # Schema `etcd-triage/report/v3`
//!
//! Top-level fields (always present; optional fields inside them are omitted when unknown, never `null`):
//!
//! - `schema_version`: `"etcd-triage/report/v3"`. Check it before reading anything else.
//! - `tool_version`: the etcd-triage version that wrote the report.
//! - `generated_at`: the instant the analysis treated as "now".
//! - `window`: the time window analysed: `from` and `to` (optional), `basis` (how it was chosen) and
//!   `excluded` (records left out because they fall outside it).
//! - `headline`: which answer leads: `kind` (`restarts` when restarts are in the evidence, else `storage`) and
//!   `storage_latency` (true when the headline is etcd storage latency: what `--fail-on storage` acts on).
//! - `storage` (new in v2): is etcd's storage too slow, whatever the restarts were: `verdict` (`too_slow`: disk
//!   latency on the leader or a quorum that consensus suffers from; `degraded`: over the 10 ms / 25 ms guidance
//!   or slow on a minority of followers, without consensus trouble; `healthy`: disk evidence within the
//!   guidance; `unknown`: no disk evidence), `confidence` (absent when unknown), `basis` (`logged_wal_sync`,
//!   `logged_backend`, `wal_fsync_metric`, `backend_commit_metric`, `probe`, `apply_shape`), `affected_members`,
//!   `member_count`, optional `leader_affected`, `worst_ms` / `worst_member` / `worst_basis`, `consensus`
//!   (`late_heartbeats`, `leader_changes`, `elections_started`, `read_index_slow`, `request_timeouts`),
//!   `cpu_or_pause_suspected`, per-member `members` (`member`, `verdict`, `leader`, `basis`, `slow_wal_syncs`,
//!   optional `wal_sync_max_ms`, `backend_max_ms`, `metric_max_ms`, `metric`, `probe_p99_ms`, `slow_applies`,
//!   optional `apply_p50_ms`, `late_heartbeats`, optional `heartbeat_p50_ms`), cited `evidence` and `to_settle`
//!   (`etcd_logs`, `disk_metrics`, `disk_probe`, `leader_history`, `restart_evidence`, `cpu_evidence`).
//! - `verdict`: the restart answer: `outcome` (`storage_latency`, `other_cause`, `inconclusive`,
//!   `no_restarts`), `cause` and `confidence` (`low`, `medium`, `high`; both optional), `headline`,
//!   `reasoning`, cited `evidence` (`at`, `claim`, `origin`), `alternatives` (`cause`, `why_not`) and
//!   `to_settle` (what evidence would settle an open question).
//! - `containers`: each restarted container: `namespace`, `pod`, `container`, `node`, `restart_count`,
//!   `state`, `crash_loop`, placed `restarts` (oldest first: `ended_at`, `approximate`, `started_at`,
//!   `exit_code`, `reason`, `origin` and an `attribution` with `cause`, `confidence`, `summary` and the
//!   `evidence` chain), `unplaced_restarts` (known only by count), kubelet `events` (`reason`, `message`,
//!   `count`, `first_at`, `last_at`, `origin`) and the `cause` / `confidence` of most of its restarts.
//! - `members`: each etcd member: `member`, `member_id`, `leader_terms`; latency statistics over the
//!   operations etcd logged as slow (`slow_wal_sync`, `slow_apply`, `slow_backend`, `heartbeat_late`, each
//!   `count` plus optional `p50_ms`, `p99_ms`, `max_ms`); line counts (`leader_changes_seen`,
//!   `elections_started`, `read_index_slow`, `request_timeouts`, `peer_unreachable`, `clock_drift`,
//!   `nospace_alarms`, `certificate_errors`, `restarts_seen`); `latency_series` (`[minute, max ms]` pairs);
//!   optional `disk_metric` when metrics were given (`metric`, `quantile`, `origin`, `max_ms` and `points`,
//!   `[time, ms]` pairs: the histogram quantile at every query step or scrape pair, healthy ones included); and
//!   an `assessment` in figures, tagged by `kind` (`slow_wal_syncs`: `count`, `max_ms`, `logged_over_ms`,
//!   `guidance_ms`; `severe_applies`: `max_ms`, `expected_ms`, `wal_logged_over_ms`; `late_heartbeats` and
//!   `peer_errors`: `count`; `busy_applies`: `count`, `max_ms`; `quiet`; `metrics_only`: `metric`, `max_ms`,
//!   `guidance_ms`).
//! - `nodes`: at most 20 nodes that run a restarted container or an etcd member, or have an abnormal condition:
//!   `name`, `roles`, `why_listed` (each tagged by `kind`: `etcd_member` with `member`, `restarted_container`
//!   with `container`, `abnormal_condition`), abnormal `conditions` (`condition`, `status`, optional `reason`),
//!   optional `kernel_version`, `container_runtime`, `kubelet_version`, `architecture`, `os_image`, optional
//!   `disk_write_latency` (node-exporter's mean write latency of the slowest device: `metric`, `max_ms`, `at`,
//!   `origin`) and `origin`; `nodes_omitted` counts the relevant nodes beyond the 20.
//! - `timeline`: every folded row in time order (the text renderers cap it, JSON never does): `from`, `to`,
//!   `subject` (tagged by `kind`: `etcd_member`, `api_server`, `container`, `node`), `count` (printed once),
//!   `kind` (tagged by `type`: `signal` with its `class`; `restart` with optional `exit_code` and `reason`,
//!   `approximate`, `cause`, `confidence`; `event` with `reason` and `message`; `node_condition` with
//!   `condition`, `status`, optional `reason`), optional `latency` (`max_ms`, optional `p99_ms`), `severity`
//!   (`info`, `warning`, `disk`, `restart`, `error`), `first` and optional `last` origin.
//! - `recommendations`: `kind` (`do` or `avoid`), `title`, `detail`.
//! - `gaps`: what could not be read or collected: `what`, `why`, and its `impact` on the verdict.
//! - `inputs`: each input: `source`, `format`, optional `subject`, `lines`, `matched`, `malformed`,
//!   `malformed_lines` (the first 20) and `outside_window`.
//! - `assumptions`: how undated or unzoned timestamps were placed, and other assumptions.
//! - `thresholds`: the thresholds in force, defaults or flag overrides.
//!
//! Conventions: times are RFC 3339 in UTC whatever `--tz` says; durations are milliseconds in fields ending in
//! `_ms` and seconds in fields ending in `_secs`; an `origin` is `{"source": <file or API path>, "line": <1-based
//! line, optional>}`; enums are `snake_case` strings.
//!
//! Changes:
//! - v3: the report is written from wire types apart from the model and described by a published JSON Schema
//!   (`schema/report.schema.json`, draft 2020-12, `title` = the schema version). The fields and their meaning
//!   are those of v2; the version is bumped so that consumers pinning a schema can tell a report checked against
//!   the published schema from one written before it. Fields the schema marks optional are still omitted rather
//!   than `null`. Added within v3: each gap's `missing` (the kind of evidence, e.g. `etcd_logs`) and `effect`
//!   (what it does to the analysis; `lowers_confidence` is the one that lowers the verdict), beside the words
//!   `impact` and `remedy`.
//! - v2 adds `headline` and `storage`; `--fail-on storage` now follows `headline.storage_latency` (also true
//!   with no restarts and a `too_slow` storage verdict), and the new `--fail-on disk` follows
//!   `storage.verdict == "too_slow"`. v1 fields keep their meaning.
//!
//! Stability: within `etcd-triage/report/v3` fields and enum values are only added, never renamed, removed or
//! given a new meaning, so consumers should ignore fields and enum values they do not know. Any incompatible
//! change bumps `schema_version` (to `etcd-triage/report/v4`) and adds an entry above. Human-readable strings (`headline`, `reasoning`,
//! `summary`, `claim`, `assessment`, ...) are for display and may be reworded in any release.

use std::io::{self, Write};

use super::RenderOpts;
use crate::model::Report;

pub mod wire;

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn render(report: &Report, out: &mut dyn Write, _opts: &RenderOpts) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &wire::Report::from(report))?;
    writeln!(out)
}

/// The JSON Schema of the report (draft 2020-12), generated from [`wire::Report`]; the repository keeps a copy in
/// `schema/report.schema.json`.
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(wire::Report).to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), crate::model::SCHEMA_VERSION.into());
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SCHEMA_VERSION;
    use crate::report::format::sample_report;

    fn render_to_string(opts: &RenderOpts) -> String {
        crate::report::render_to_string(render, &sample_report(), opts)
    }

    #[test]
    fn json_parses_back_with_the_schema_version() {
        let text = render_to_string(&RenderOpts::default());
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
        assert_eq!(value["schema_version"], "etcd-triage/report/v3");
        assert_eq!(value["headline"]["kind"], "restarts");
        assert_eq!(value["storage"]["verdict"], "unknown");
        assert_eq!(value["verdict"]["outcome"], "storage_latency");
        assert_eq!(value["generated_at"], "2026-11-25T14:30:00Z");
    }

    #[test]
    fn json_ignores_display_options() {
        let plain = render_to_string(&RenderOpts::default());
        let opts =
            RenderOpts { color: true, tz: chrono_tz::Europe::Berlin, max_timeline_rows: 1, ..RenderOpts::default() };
        assert_eq!(render_to_string(&opts), plain, "JSON keeps UTC and every timeline row");
    }

    #[test]
    fn the_schema_names_its_version_and_describes_the_top_level() {
        let schema = schema();
        assert_eq!(schema["title"], SCHEMA_VERSION);
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let required: Vec<&str> =
            schema["required"].as_array().expect("required fields").iter().filter_map(|v| v.as_str()).collect();
        for field in ["schema_version", "verdict", "storage", "timeline", "gaps", "inputs", "thresholds"] {
            assert!(required.contains(&field), "{field} not required: {required:?}");
        }
        assert!(!required.contains(&"collections"), "collections are omitted when empty");
    }
}
