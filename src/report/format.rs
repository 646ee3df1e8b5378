//! Formatting helpers shared by the text renderers: durations, times in the display zone, sparklines, latency
//! statistics, citations, word wrapping and timeline capping.
//!
//! Pure; no I/O, no clock, no colour (the terminal renderer paints what these return).

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::evidence::{Collection, Origin, Subject, Timestamp};
use crate::model::thresholds::Thresholds;
use crate::model::units::Millis;
use crate::model::{
    Cause, Confidence, DiskBasis, LatencyStats, MemberStorage, Outcome, Report, Severity, StorageAssessment,
    StorageSettle, StorageVerdict, TimelineRow, Verdict,
};

/// Formats a duration given in milliseconds for humans: the one spelling, [`Millis`]'s `Display` (`850ms`,
/// `1.2s`, `3s`, `2m3s`). Kept as a function so that every renderer's call stays short.
pub fn fmt_ms(ms: f64) -> String {
    Millis(ms).to_string()
}

/// Lowercase confidence word (`high`).
pub fn confidence_word(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A cause with its confidence, as printed next to restarts: `etcd storage latency (high)`.
pub fn fmt_attribution(cause: Cause, confidence: Option<Confidence>) -> String {
    match confidence {
        Some(c) => format!("{} ({})", crate::report::words::cause(cause), confidence_word(c)),
        None => crate::report::words::cause(cause).to_owned(),
    }
}

/// The outcome in a few words, for headings: `etcd storage latency, high confidence`, `OOM kill, medium
/// confidence`, `inconclusive`, `no restarts`.
pub fn fmt_verdict_tag(verdict: &Verdict) -> String {
    let what = match (verdict.outcome, verdict.cause) {
        (Outcome::StorageLatency | Outcome::OtherCause, Some(cause)) => crate::report::words::cause(cause),
        (Outcome::StorageLatency, None) => crate::report::words::cause(Cause::StorageLatency),
        (Outcome::OtherCause, None) => "other cause",
        (Outcome::Inconclusive, _) => "inconclusive",
        (Outcome::NoRestarts, _) => "no restarts",
    };
    match verdict.confidence {
        Some(c) => format!("{what}, {} confidence", confidence_word(c)),
        None => what.to_owned(),
    }
}

/// A full local date and time without the zone: `2026-11-25 14:02:11`.
pub fn fmt_time(ts: Timestamp, tz: Tz) -> String {
    ts.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The local time of day only: `14:02:11`.
pub fn fmt_clock(ts: Timestamp, tz: Tz) -> String {
    ts.with_timezone(&tz).format("%H:%M:%S").to_string()
}

/// A span with the date printed once: `2026-11-25 14:02:11-14:02:40`; a single instant when `from == to`; both
/// dates when the span crosses midnight in `tz`.
pub fn fmt_span(from: Timestamp, to: Timestamp, tz: Tz) -> String {
    if from == to {
        return fmt_time(from, tz);
    }
    if local_date(from, tz) == local_date(to, tz) {
        format!("{}-{}", fmt_time(from, tz), fmt_clock(to, tz))
    } else {
        format!("{} - {}", fmt_time(from, tz), fmt_time(to, tz))
    }
}

/// The zone as it applies at `ts`, for headers: `UTC`, or `CET, UTC+01:00` (abbreviation and offset).
pub fn fmt_zone(ts: Timestamp, tz: Tz) -> String {
    let local = ts.with_timezone(&tz);
    let abbrev = local.format("%Z").to_string();
    let offset = local.format("%:z").to_string();
    if offset == "+00:00" && (abbrev == "UTC" || abbrev == "GMT" || abbrev == "+00") {
        return abbrev;
    }
    if abbrev.starts_with('+') || abbrev.starts_with('-') {
        // Zones without a conventional abbreviation (chrono-tz prints `+03`): the offset alone says it all.
        return format!("UTC{offset}");
    }
    format!("{abbrev}, UTC{offset}")
}

fn local_date(ts: Timestamp, tz: Tz) -> NaiveDate {
    ts.with_timezone(&tz).date_naive()
}

/// How a renderer prints the times of one report: time of day only when every time in the report falls on
/// one local date (the date then appears once, in the header), full dates otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    /// The one local date all times fall on, when there is one.
    pub day: Option<NaiveDate>,
}

impl Clock {
    /// Looks at every time the renderers print (window, timeline, restarts, events, citations, series) except
    /// `generated_at`, which headers always print in full.
    pub fn for_report(report: &Report, tz: Tz) -> Clock {
        let mut day = None;
        let mut single = true;
        for ts in report_times(report) {
            let d = local_date(ts, tz);
            match day {
                None => day = Some(d),
                Some(seen) if seen != d => single = false,
                Some(_) => {}
            }
        }
        Clock { tz, day: if single { day } else { None } }
    }

    /// `14:02:11` in a single-day report, `2026-11-25 14:02:11` otherwise.
    pub fn time(&self, ts: Timestamp) -> String {
        if self.day.is_some() { fmt_clock(ts, self.tz) } else { fmt_time(ts, self.tz) }
    }

    /// `14:02:11-14:02:40` in a single-day report (a single time when `from == to`), [`fmt_span`] otherwise.
    pub fn span(&self, from: Timestamp, to: Timestamp) -> String {
        match self.day {
            Some(_) if from == to => fmt_clock(from, self.tz),
            Some(_) => format!("{}-{}", fmt_clock(from, self.tz), fmt_clock(to, self.tz)),
            None => fmt_span(from, to, self.tz),
        }
    }

    /// The zone for the header: `Europe/Berlin (CET, UTC+01:00)`, naming both when the offset changes within
    /// the report (daylight saving): `Europe/Berlin (CEST, UTC+02:00 then CET, UTC+01:00)`.
    pub fn zone_label(&self, report: &Report) -> String {
        let times: Vec<Timestamp> = report_times(report).collect();
        let first = times.iter().min().copied().unwrap_or(report.generated_at);
        let last = times.iter().max().copied().unwrap_or(report.generated_at);
        let (a, b) = (fmt_zone(first, self.tz), fmt_zone(last, self.tz));
        let zones = if a == b { a } else { format!("{a} then {b}") };
        if self.tz == chrono_tz::UTC { zones } else { format!("{} ({zones})", self.tz.name()) }
    }
}

/// Every time a renderer prints, apart from `generated_at`.
fn report_times(report: &Report) -> impl Iterator<Item = Timestamp> + '_ {
    let window = report.window.from.into_iter().chain(report.window.to);
    let timeline = report.timeline.iter().flat_map(|r| [r.from, r.to]);
    let verdict = report.verdict.evidence.iter().filter_map(|c| c.at);
    let containers = report.containers.iter().flat_map(|c| {
        let events = c.events.iter().flat_map(|e| [e.first_at, e.last_at]);
        let restarts = c.restarts.iter().flat_map(|r| {
            [Some(r.ended_at), r.started_at]
                .into_iter()
                .flatten()
                .chain(r.attribution.evidence.iter().filter_map(|c| c.at))
        });
        events.chain(restarts).collect::<Vec<_>>()
    });
    let series = report.members.iter().flat_map(|m| m.latency_series.iter().map(|(t, _)| *t));
    window.chain(timeline).chain(verdict).chain(containers).chain(series)
}

/// Display name of a subject: etcd members, API servers and containers by their label, nodes as `node/<name>`
/// so that a node is not mistaken for the etcd member named after it.
pub fn subject_label(subject: &Subject) -> String {
    match subject {
        Subject::Node { name } => format!("node/{name}"),
        other => other.label(),
    }
}

/// A shorter subject label for narrow columns: containers without their namespace, and as the pod name alone
/// when the pod is named after the container (static pods such as `kube-scheduler-cp1`).
pub fn subject_short(subject: &Subject) -> String {
    match subject {
        Subject::Container { pod, container, .. } if pod.starts_with(container.as_str()) => pod.clone(),
        Subject::Container { pod, container, .. } => format!("{pod}/{container}"),
        other => subject_label(other),
    }
}

/// A folded row's citation: `file:1042` or `file:1042-1090` (first to last line of the same file) or
/// `a:1 .. b:7` when the row spans files.
/// A citation path for the terminal: the pod UID in `/var/log/pods/<ns>_<pod>_<uid>/` directories becomes `*`, which
/// keeps the path usable in a shell (a glob) while saving ~37 columns. JSON and Markdown keep full paths.
pub fn short_path(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg.rsplit_once('_') {
            Some((head, uid)) if head.contains('_') && is_uid(uid) => format!("{head}_*"),
            _ => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_uid(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// An origin for the terminal (see [`short_path`]).
pub fn short_origin(o: &Origin) -> String {
    Origin::new(short_path(&o.source), o.line).to_string()
}

pub fn fmt_origin_range(first: &Origin, last: Option<&Origin>) -> String {
    let first = &Origin::new(short_path(&first.source), first.line);
    let last = last.map(|l| Origin::new(short_path(&l.source), l.line));
    let last = last.as_ref();
    match last {
        None => first.to_string(),
        Some(last) if last == first => first.to_string(),
        Some(last) if last.source == first.source => match (first.line, last.line) {
            (Some(a), Some(b)) => format!("{}:{a}-{b}", first.source),
            _ => first.to_string(),
        },
        Some(last) => format!("{first} .. {last}"),
    }
}

/// Describes latency statistics in one phrase: `37x, p50 120ms, p99 1.2s, max 2.4s`; `none` when empty.
pub fn fmt_stats(stats: &LatencyStats) -> String {
    if stats.count == 0 {
        return "none".to_owned();
    }
    let mut parts = vec![format!("{}x", stats.count)];
    for (name, value) in [("p50", stats.p50_ms), ("p99", stats.p99_ms), ("max", stats.max_ms)] {
        if let Some(v) = value {
            parts.push(format!("{name} {}", fmt_ms(v)));
        }
    }
    parts.join(", ")
}

/// The thresholds that shape the verdict, in one line: `WAL fsync p99 10ms, slow fdatasync 1s, ...`.
/// One sentence on a live collection: where from, when, which window and scope, what discovery found.
pub fn describe_collection(c: &Collection, tz: Tz) -> String {
    let version = c.cluster_version.as_deref().map(|v| format!(", {v}")).unwrap_or_default();
    let mut s = format!(
        "live from context {} ({}{version}) at {}; {}; window {} ({}); secrets {}",
        c.context,
        c.server,
        fmt_time(c.collected_at, tz),
        crate::report::words::collection::scope(&c.scope),
        fmt_span(c.window_from, c.window_to, tz),
        crate::report::words::collection::window_basis(&c.window_basis),
        if c.redacted { "redacted" } else { "not redacted" },
    );
    for d in &c.discovery {
        s.push_str("; ");
        s.push_str(&crate::report::words::collection::discovery(d));
    }
    s
}

pub fn fmt_thresholds(t: &Thresholds) -> String {
    [
        format!("WAL fsync p99 {}", fmt_ms(t.wal_fsync_p99_ms)),
        format!("backend commit p99 {}", fmt_ms(t.backend_commit_p99_ms)),
        format!("slow fdatasync {}", fmt_ms(t.slow_fdatasync_ms)),
        format!("apply {} (severe {})", fmt_ms(t.apply_expected_ms), fmt_ms(t.apply_severe_ms)),
        format!("heartbeat {}", fmt_ms(t.heartbeat_ms)),
        format!("election {}", fmt_ms(t.election_ms)),
        format!("causal window {}", fmt_ms(t.causal_window_secs as f64 * 1000.0)),
        format!("start-up failure {}", fmt_ms(t.startup_failure_secs as f64 * 1000.0)),
        format!("fold {}", fmt_ms(t.timeline_fold_secs as f64 * 1000.0)),
        format!(
            "etcd mixin alerts: fsync p99 > {} warning, > {} critical, commit p99 > {}, >= {} leader changes in 15 min",
            fmt_ms(t.mixin_fsync_warning_ms),
            fmt_ms(t.mixin_fsync_critical_ms),
            fmt_ms(t.mixin_commit_warning_ms),
            t.mixin_leader_changes_15m
        ),
    ]
    .join(", ")
}

/// Glyphs of the sparkline, lowest first.
const SPARK_GLYPHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Most cells a sparkline gets; longer series are merged into wider cells (the max of each).
pub const SPARK_MAX_CELLS: usize = 48;

/// A text sparkline of a latency series on a log scale, one cell per minute (or per [`spark_step_secs`] when
/// the span is longer than [`SPARK_MAX_CELLS`] minutes), each cell the max of its points. A cell without a
/// point is a space (no slow operation logged then). Empty input gives an empty string; a single point or a
/// flat series gives mid-height cells, since there is nothing to compare them with. Non-finite values are
/// ignored; values at or below zero draw as the lowest glyph.
pub fn sparkline(points: &[(Timestamp, f64)]) -> String {
    let points: Vec<(Timestamp, f64)> = points.iter().copied().filter(|(_, v)| v.is_finite()).collect();
    let (Some(start), Some(end)) = (points.iter().map(|(t, _)| *t).min(), points.iter().map(|(t, _)| *t).max()) else {
        return String::new();
    };
    let step = spark_step_secs(&points);
    let cells = ((end - start).num_seconds() / step) as usize + 1;
    let mut maxima: Vec<Option<f64>> = vec![None; cells];
    for (t, v) in &points {
        let i = ((*t - start).num_seconds() / step) as usize;
        if let Some(cell) = maxima.get_mut(i) {
            *cell = Some(cell.map_or(*v, |m: f64| m.max(*v)));
        }
    }
    let positive = || maxima.iter().flatten().copied().filter(|v| *v > 0.0);
    let lo = positive().fold(f64::INFINITY, f64::min);
    let hi = positive().fold(f64::NEG_INFINITY, f64::max);
    maxima
        .iter()
        .map(|cell| match *cell {
            None => ' ',
            Some(v) if v <= 0.0 => SPARK_GLYPHS[0],
            Some(_) if hi <= lo => SPARK_GLYPHS[3],
            Some(v) => {
                let frac = (v.ln() - lo.ln()) / (hi.ln() - lo.ln());
                let i = (frac * (SPARK_GLYPHS.len() - 1) as f64).round() as usize;
                SPARK_GLYPHS[i.min(SPARK_GLYPHS.len() - 1)]
            }
        })
        .collect()
}

/// Seconds per sparkline cell: one minute, or a whole number of minutes that keeps the line within
/// [`SPARK_MAX_CELLS`].
pub fn spark_step_secs(points: &[(Timestamp, f64)]) -> i64 {
    let times = points.iter().map(|(t, _)| *t);
    let span = match (times.clone().min(), times.max()) {
        (Some(a), Some(b)) => (b - a).num_seconds(),
        _ => 0,
    };
    let minutes = span / 60 + 1;
    let per_cell = (minutes + SPARK_MAX_CELLS as i64 - 1) / SPARK_MAX_CELLS as i64;
    per_cell.max(1) * 60
}

/// The caption for a sparkline: `14:02-14:14, max per 1m, 1.0s..3.0s (log scale)`; `None` for an empty series.
pub fn spark_caption(points: &[(Timestamp, f64)], clock: &Clock) -> Option<String> {
    let values = points.iter().map(|(_, v)| *v).filter(|v| v.is_finite());
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    let start = points.iter().map(|(t, _)| *t).min()?;
    let end = points.iter().map(|(t, _)| *t).max()?;
    if !lo.is_finite() {
        return None;
    }
    let step = fmt_ms(spark_step_secs(points) as f64 * 1000.0);
    let range = if hi > lo { format!("{}..{}, log scale", fmt_ms(lo), fmt_ms(hi)) } else { fmt_ms(hi) };
    Some(format!("{}, max per {step}, {range}", clock.span(start, end)))
}

/// What the kubelet reports about a node, on one line: `arm64 · kernel 6.6.31 · containerd://1.7.24 · kubelet
/// v1.33.1 · Debian GNU/Linux 12`; unknown parts are left out.
pub fn node_facts(n: &crate::model::NodeSummary) -> String {
    let parts = [
        n.info.architecture.clone(),
        n.info.kernel_version.as_ref().map(|k| format!("kernel {k}")),
        n.info.container_runtime.clone(),
        n.info.kubelet_version.as_ref().map(|k| format!("kubelet {k}")),
        n.info.os_image.clone(),
        n.disk_write_latency.as_ref().map(|d| format!("{} up to {} (node-exporter)", d.metric, fmt_ms(d.max_ms))),
    ];
    let known: Vec<String> = parts.into_iter().flatten().filter(|p| !p.is_empty()).collect();
    if known.is_empty() { "no node info".to_string() } else { known.join(" · ") }
}

/// The note under a capped node list, if any were left out.
pub fn nodes_omitted_note(omitted: usize) -> Option<String> {
    (omitted > 0).then(|| format!("{omitted} more relevant node(s) not listed; `-o json` has the first 20 too"))
}

/// The analysed window in the display zone: `14:00:00-15:30:00`, `from ...`, `until ...` or `all evidence`.
pub fn fmt_window(w: &crate::model::Window, tz: Tz) -> String {
    match (w.from, w.to) {
        (Some(from), Some(to)) => fmt_span(from, to, tz),
        (Some(from), None) => format!("from {}", fmt_time(from, tz)),
        (None, Some(to)) => format!("until {}", fmt_time(to, tz)),
        (None, None) => "all evidence".to_owned(),
    }
}

/// Headers of the per-member line-count table (`>` marks a numeric column), after a `member` column.
pub const MEMBER_COUNT_COLUMNS: [&str; 9] = [
    "leader changes>",
    "elections>",
    "slow read-index>",
    "request timeouts>",
    "peer unreachable>",
    "clock drift>",
    "NOSPACE>",
    "cert errors>",
    "etcd restarts>",
];

/// A member's line counts in the order of [`MEMBER_COUNT_COLUMNS`].
pub fn member_counts(m: &crate::model::MemberSignals) -> [u64; 9] {
    [
        m.leader_changes_seen,
        m.elections_started,
        m.read_index_slow,
        m.request_timeouts,
        m.peer_unreachable,
        m.clock_drift,
        m.nospace_alarms,
        m.certificate_errors,
        m.restarts_seen,
    ]
}

/// The short name of a disk histogram for captions: `WAL fsync` / `backend commit` (else the metric name).
pub fn disk_metric_name(metric: &str) -> &str {
    if metric.contains("wal_fsync") {
        "WAL fsync"
    } else if metric.contains("backend_commit") {
        "backend commit"
    } else {
        metric
    }
}

/// Greedy word wrap at `width` characters. Words longer than `width` (paths, URLs) stay whole on their own line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = if line.is_empty() { 0 } else { line.chars().count() + 1 };
        if !line.is_empty() && needed + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Which timeline rows a capped renderer prints: all when they fit, otherwise the `max` most severe (restarts
/// and errors first, then disk evidence, warnings, info; earlier rows first within a severity), back in time
/// order. Returns the rows and how many were left out.
pub fn select_timeline(rows: &[TimelineRow], max: usize) -> (Vec<&TimelineRow>, usize) {
    if rows.len() <= max {
        return (rows.iter().collect(), 0);
    }
    let rank = |s: Severity| match s {
        Severity::Restart | Severity::Error => 0,
        Severity::Disk => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let mut keep: Vec<usize> = (0..rows.len()).collect();
    keep.sort_by_key(|&i| (rank(rows[i].severity), i));
    keep.truncate(max);
    keep.sort_unstable();
    (keep.into_iter().map(|i| &rows[i]).collect(), rows.len() - max)
}

/// The sentence a capped timeline ends with: `12 of 70 rows omitted (least severe first); -o json has all.`
pub fn omitted_note(omitted: usize, total: usize) -> String {
    format!("{omitted} of {total} rows omitted (least severe first); `-o json` has all.")
}

#[cfg(test)]
pub(crate) use super::sample::{sample_report, utc};

#[cfg(test)]
mod short_path_tests {
    use super::*;

    #[test]
    fn pod_uid_directories_become_globs() {
        let p = "x/var/log/pods/kube-system_etcd-node1_1a05deda-4e5a-4b05-aba0-f0e4e9b455b5/etcd/0.log";
        assert_eq!(short_path(p), "x/var/log/pods/kube-system_etcd-node1_*/etcd/0.log");
        assert_eq!(short_path("logs/etcd_node_1.log"), "logs/etcd_node_1.log");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_ms_picks_unit_and_two_to_three_significant_digits() {
        assert_eq!(fmt_ms(0.0), "0ms");
        assert_eq!(fmt_ms(0.0000005), "0.5ns");
        assert_eq!(fmt_ms(0.00085), "850ns");
        assert_eq!(fmt_ms(0.0043), "4.3µs");
        assert_eq!(fmt_ms(0.25), "250µs");
        assert_eq!(fmt_ms(1.0), "1ms");
        assert_eq!(fmt_ms(1.25), "1.3ms");
        assert_eq!(fmt_ms(12.34), "12ms");
        assert_eq!(fmt_ms(850.3), "850ms");
        assert_eq!(fmt_ms(1200.0), "1.2s");
        assert_eq!(fmt_ms(3000.0), "3s");
        assert_eq!(fmt_ms(42_400.0), "42s");
        assert_eq!(fmt_ms(123_000.0), "2m3s");
        assert_eq!(fmt_ms(600_000.0), "10m");
        assert_eq!(fmt_ms(7_200_000.0), "2h");
        assert_eq!(fmt_ms(3_900_000.0), "1h5m");
    }

    #[test]
    fn fmt_ms_rounding_promotes_to_the_next_unit() {
        assert_eq!(fmt_ms(999.6), "1s");
        assert_eq!(fmt_ms(9.96), "10ms");
        assert_eq!(fmt_ms(0.9996), "1ms");
        assert_eq!(fmt_ms(59_700.0), "1m");
        assert_eq!(fmt_ms(3_599_700.0), "1h");
    }

    #[test]
    fn fmt_ms_odd_inputs() {
        assert_eq!(fmt_ms(f64::NAN), "n/a");
        assert_eq!(fmt_ms(f64::INFINITY), "n/a");
        assert_eq!(fmt_ms(-1500.0), "-1.5s");
    }

    #[test]
    fn times_convert_to_europe_berlin_with_dst() {
        let tz = chrono_tz::Europe::Berlin;
        let winter = utc(2026, 11, 25, 13, 2, 11);
        assert_eq!(fmt_time(winter, tz), "2026-11-25 14:02:11");
        assert_eq!(fmt_clock(winter, tz), "14:02:11");
        assert_eq!(fmt_zone(winter, tz), "CET, UTC+01:00");
        let summer = utc(2026, 7, 1, 12, 0, 0);
        assert_eq!(fmt_time(summer, tz), "2026-07-01 14:00:00");
        assert_eq!(fmt_zone(summer, tz), "CEST, UTC+02:00");
        assert_eq!(fmt_zone(winter, chrono_tz::UTC), "UTC");
        assert_eq!(fmt_zone(winter, chrono_tz::Asia::Kolkata), "IST, UTC+05:30");
    }

    #[test]
    fn spans_print_the_date_once() {
        let tz = chrono_tz::Europe::Berlin;
        let a = utc(2026, 11, 25, 13, 2, 11);
        let b = utc(2026, 11, 25, 13, 2, 40);
        assert_eq!(fmt_span(a, b, tz), "2026-11-25 14:02:11-14:02:40");
        assert_eq!(fmt_span(a, a, tz), "2026-11-25 14:02:11");
        // 23:30 UTC is already the next day in Berlin.
        let late = utc(2026, 11, 25, 23, 30, 0);
        assert_eq!(fmt_span(a, late, tz), "2026-11-25 14:02:11 - 2026-11-26 00:30:00");
    }

    #[test]
    fn clock_uses_time_of_day_only_for_single_day_reports() {
        let report = sample_report();
        let berlin = Clock::for_report(&report, chrono_tz::Europe::Berlin);
        assert!(berlin.day.is_some());
        assert_eq!(berlin.span(utc(2026, 11, 25, 13, 2, 11), utc(2026, 11, 25, 13, 2, 40)), "14:02:11-14:02:40");
        assert_eq!(berlin.zone_label(&report), "Europe/Berlin (CET, UTC+01:00)");
        // In Sydney (UTC+11 in November) the window 12:30-14:30 UTC crosses local midnight.
        let sydney = Clock::for_report(&report, chrono_tz::Australia::Sydney);
        assert!(sydney.day.is_none());
        assert_eq!(sydney.time(utc(2026, 11, 25, 15, 0, 0)), "2026-11-26 02:00:00");
    }

    #[test]
    fn sparkline_edge_cases() {
        let t0 = utc(2026, 11, 25, 13, 0, 0);
        let at = |m: i64| t0 + chrono::Duration::minutes(m);
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[(t0, 1200.0)]), "▄");
        assert_eq!(sparkline(&[(at(0), 5.0), (at(1), 5.0), (at(2), 5.0)]), "▄▄▄");
        assert_eq!(sparkline(&[(t0, f64::NAN)]), "");
    }

    #[test]
    fn sparkline_is_log_scaled_with_gaps_for_quiet_minutes() {
        let t0 = utc(2026, 11, 25, 13, 0, 0);
        let at = |m: i64| t0 + chrono::Duration::minutes(m);
        // 10 -> 100 -> 1000 is evenly spaced on a log scale; minute 3 had nothing.
        let line = sparkline(&[(at(0), 10.0), (at(1), 100.0), (at(2), 1000.0), (at(4), 0.0)]);
        assert_eq!(line, "▁▅█ ▁");
        // Unsorted input and two points in one minute (the max wins).
        let line = sparkline(&[(at(1), 10.0), (at(0) + chrono::Duration::seconds(30), 1.0), (at(0), 100.0)]);
        assert_eq!(line, "█▁");
    }

    #[test]
    fn sparkline_merges_minutes_past_the_width_limit() {
        let t0 = utc(2026, 11, 25, 13, 0, 0);
        let pts: Vec<_> = (0..200).map(|m| (t0 + chrono::Duration::minutes(m), 10.0 + m as f64)).collect();
        assert_eq!(spark_step_secs(&pts), 300);
        assert_eq!(sparkline(&pts).chars().count(), 40);
    }

    #[test]
    fn stats_phrase() {
        let s = LatencyStats { count: 37, p50_ms: Some(120.0), p99_ms: Some(1200.0), max_ms: Some(2400.0) };
        assert_eq!(fmt_stats(&s), "37x, p50 120ms, p99 1.2s, max 2.4s");
        assert_eq!(fmt_stats(&LatencyStats::default()), "none");
        let only_max = LatencyStats { count: 1, max_ms: Some(1020.0), ..LatencyStats::default() };
        assert_eq!(fmt_stats(&only_max), "1x, max 1s");
    }

    #[test]
    fn verdict_tags() {
        let mut v = sample_report().verdict;
        assert_eq!(fmt_verdict_tag(&v), "etcd storage latency, high confidence");
        v.outcome = Outcome::OtherCause;
        v.cause = Some(Cause::OutOfMemory);
        v.confidence = Some(Confidence::Medium);
        assert_eq!(fmt_verdict_tag(&v), "OOM kill, medium confidence");
        v.outcome = Outcome::Inconclusive;
        v.cause = None;
        v.confidence = None;
        assert_eq!(fmt_verdict_tag(&v), "inconclusive");
    }

    #[test]
    fn origin_ranges() {
        let a = Origin::new("logs/etcd.log", Some(10));
        let b = Origin::new("logs/etcd.log", Some(42));
        let c = Origin::new("api/v1/pods", None);
        assert_eq!(fmt_origin_range(&a, None), "logs/etcd.log:10");
        assert_eq!(fmt_origin_range(&a, Some(&a)), "logs/etcd.log:10");
        assert_eq!(fmt_origin_range(&a, Some(&b)), "logs/etcd.log:10-42");
        assert_eq!(fmt_origin_range(&a, Some(&c)), "logs/etcd.log:10 .. api/v1/pods");
    }

    #[test]
    fn wrap_keeps_long_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("a verylongpathname b", 6), vec!["a", "verylongpathname", "b"]);
        assert!(wrap("   ", 10).is_empty());
    }

    #[test]
    fn timeline_cap_keeps_the_most_severe_rows_in_time_order() {
        let report = sample_report();
        let (rows, omitted) = select_timeline(&report.timeline, 5);
        assert_eq!(omitted, report.timeline.len() - 5);
        assert_eq!(rows.len(), 5);
        assert!(rows.windows(2).all(|w| w[0].from <= w[1].from));
        assert!(rows.iter().all(|r| r.severity >= Severity::Disk));
        let (all, none) = select_timeline(&report.timeline, 100);
        assert_eq!((all.len(), none), (report.timeline.len(), 0));
    }
}

/// The storage verdict's word: `too slow`, `degraded`, `healthy`, `unknown`.
pub fn storage_word(v: StorageVerdict) -> &'static str {
    match v {
        StorageVerdict::TooSlow => "too slow",
        StorageVerdict::Degraded => "degraded",
        StorageVerdict::Healthy => "healthy",
        StorageVerdict::Unknown => "unknown",
    }
}

/// The storage verdict for a heading: `too slow, high confidence`.
pub fn storage_tag(s: &StorageAssessment) -> String {
    match s.confidence {
        Some(c) => format!("{}, {} confidence", storage_word(s.verdict), confidence_word(c)),
        None => storage_word(s.verdict).to_owned(),
    }
}

/// The members a storage section lists: those with any disk or consensus figure.
pub fn storage_members(s: &StorageAssessment) -> impl Iterator<Item = &MemberStorage> {
    s.members.iter().filter(|m| m.verdict != StorageVerdict::Unknown || m.slow_applies + m.late_heartbeats > 0)
}

/// What a disk figure was measured by.
pub fn basis_words(b: DiskBasis) -> &'static str {
    match b {
        DiskBasis::LoggedWalSync => "WAL fdatasync",
        DiskBasis::LoggedBackend => "backend I/O",
        DiskBasis::WalFsyncMetric => "WAL fsync p99 by metrics",
        DiskBasis::BackendCommitMetric => "backend commit p99 by metrics",
        DiskBasis::Probe => "fdatasync p99 by disk probe",
        DiskBasis::ApplyShape => "applies slow on every member with matching late heartbeats",
    }
}

/// One line for the storage verdict: `etcd storage latency (high): WAL fdatasync up to 7.6s on etcd-1 (the leader);
/// 3 of 3 members affected; 12 late heartbeats, 3 leader changes`.
pub fn storage_headline(s: &StorageAssessment) -> String {
    let conf = s.confidence.map(|c| format!(" ({})", confidence_word(c))).unwrap_or_default();
    let lead = match s.verdict {
        StorageVerdict::TooSlow => format!("etcd storage latency{conf}"),
        StorageVerdict::Degraded => format!("etcd storage degraded{conf}"),
        StorageVerdict::Healthy => format!("etcd storage healthy{conf}"),
        StorageVerdict::Unknown => {
            return "etcd storage: unknown, no disk evidence (slow fdatasync lines, disk metrics or a disk probe)"
                .to_owned();
        }
    };
    let mut parts = Vec::new();
    if s.basis.contains(&DiskBasis::ApplyShape) && s.worst_basis.is_none_or(|b| b == DiskBasis::ApplyShape) {
        let applies: Vec<f64> = s.members.iter().filter_map(|m| m.apply_p50_ms).collect();
        let median = applies.iter().copied().fold(0.0, f64::max);
        parts.push(format!(
            "applies slow on {} of {} members at once (median up to {}) with late heartbeats of matching size on the leader, the shape of disk latency under etcd's 1s warning",
            s.affected_members.len(),
            s.member_count,
            fmt_ms(median)
        ));
    } else if let (Some(ms), Some(b)) = (s.worst_ms, s.worst_basis) {
        let who = s.worst_member.as_deref().unwrap_or("?");
        let leader = s.members.iter().any(|m| m.member == who && m.leader);
        parts.push(format!(
            "{} {} {} on {who}{}",
            basis_words(b),
            if s.verdict == StorageVerdict::Healthy { "at most" } else { "up to" },
            fmt_ms(ms),
            if leader { " (a leader)" } else { "" }
        ));
    }
    let slow_ops: u64 = s.members.iter().filter_map(|m| m.slow_metric_ops).sum();
    if slow_ops > 0 {
        parts.push(format!(
            "{slow_ops} WAL fsync / backend commits at 512ms or more by metrics, each past twice the heartbeat deadline"
        ));
    }
    if s.verdict >= StorageVerdict::Degraded && s.member_count > 1 {
        parts.push(format!("{} of {} members affected", s.affected_members.len(), s.member_count));
    }
    let c = &s.consensus;
    let mut trouble = Vec::new();
    for (n, one, many) in [
        (c.late_heartbeats, "late heartbeat", "late heartbeats"),
        (c.leader_changes, "leader change", "leader changes"),
        (c.elections_started, "election started", "elections started"),
        (c.read_index_slow, "slow read-index", "slow read-index"),
        (c.request_timeouts, "request timeout", "request timeouts"),
    ] {
        match n {
            0 => {}
            1 => trouble.push(format!("1 {one}")),
            n => trouble.push(format!("{n} {many}")),
        }
    }
    if s.verdict >= StorageVerdict::Degraded && !trouble.is_empty() {
        parts.push(trouble.join(", "));
    }
    if parts.is_empty() { lead } else { format!("{lead}: {}", parts.join("; ")) }
}

/// One line per member: `etcd-node1 (leader): too slow · 40 slow WAL fdatasync, max 3s · 178 slow applies, median 343ms`.
pub fn member_storage_line(m: &MemberStorage) -> String {
    member_storage_parts(m).join(" · ")
}

/// The parts of [`member_storage_line`], most telling first: `etcd-node1 (leader): too slow`, then each figure.
pub fn member_storage_parts(m: &MemberStorage) -> Vec<String> {
    let mut facts =
        vec![format!("{}{}: {}", m.member, if m.leader { " (leader)" } else { "" }, storage_word(m.verdict))];
    if m.slow_wal_syncs > 0 {
        facts.push(format!(
            "{} slow WAL fdatasync, max {}",
            m.slow_wal_syncs,
            m.wal_sync_max_ms.map(fmt_ms).unwrap_or_default()
        ));
    }
    if let Some(b) = m.backend_max_ms {
        facts.push(format!("backend I/O up to {}", fmt_ms(b)));
    }
    if let (Some(metric), Some(v)) = (&m.metric, m.metric_max_ms) {
        facts.push(format!("{} p99 up to {}", disk_metric_name(metric), fmt_ms(v)));
    }
    if let Some(n) = m.slow_metric_ops {
        facts.push(format!("{n} at 512ms or more"));
    }
    if let Some(p) = m.probe_p99_ms {
        facts.push(format!("probe fdatasync p99 {}", fmt_ms(p)));
    }
    if m.slow_applies > 0 {
        facts.push(format!(
            "{} slow applies, median {}",
            m.slow_applies,
            m.apply_p50_ms.map(fmt_ms).unwrap_or_default()
        ));
    }
    if m.late_heartbeats > 0 {
        facts.push(format!(
            "{} late heartbeats, median {} late",
            m.late_heartbeats,
            m.heartbeat_p50_ms.map(fmt_ms).unwrap_or_default()
        ));
    }
    facts
}

/// What would settle an open storage question, in words.
pub fn storage_settle_words(s: StorageSettle) -> &'static str {
    match s {
        StorageSettle::EtcdLogs => "etcd logs of every member for the incident window",
        StorageSettle::DiskMetrics => {
            "etcd's disk histograms for the window (etcd_disk_wal_fsync_duration_seconds, etcd_disk_backend_commit_duration_seconds; p99 over 10ms / 25ms confirms the disk): --prometheus-url, --etcd-endpoints or a /metrics dump"
        }
        StorageSettle::DiskProbe => {
            "the etcd fio workload on the etcd data disk: `kubectl etcd-triage probe-disk --dir /var/lib/etcd -o json` on the node, given to analyze"
        }
        StorageSettle::LeaderHistory => {
            "which member led (etcd's election lines from every member) to tell a slow leader from a slow follower"
        }
        StorageSettle::RestartEvidence => "restart evidence",
        StorageSettle::CpuEvidence => {
            "CPU throttling and steal of the etcd members' nodes and containers for the window (a CPU-starved member looks like a slow disk)"
        }
    }
}

/// Commands that add restart evidence, for a report whose evidence shows no restarts.
pub const RESTART_EVIDENCE_COMMANDS: [&str; 3] = [
    "kubectl get pods -A -o json > pods.json",
    "kubectl get events -A -o json > events.json",
    "kubectl logs --previous --timestamps -n NS POD -c CONTAINER > POD.previous.log",
];
