//! One self-contained HTML5 page for attaching to tickets: the summary the terminal prints first
//! (`section#summary`: verdicts, strongest facts, one item per member and restarted container, key timeline rows,
//! top recommendations, gaps), the verdict with cited evidence, a timeline chart
//! drawn as inline SVG (etcd disk latency per member on a log scale, leader changes, container restarts coloured
//! by cause), then tables for restarts, members, the capped timeline, recommendations, gaps and inputs.
//!
//! Pure: writes into any `io::Write`. The page loads nothing (no scripts, stylesheets, fonts or images), so it
//! opens the same offline, in a ticket system's preview and on paper. Every text taken from the report is
//! escaped with [`escape`]. Chart elements carry stable ids, classes and `data-*` attributes (`svg#timeline`,
//! `g.member[data-member]`, `path.latency`, `line.guide[data-ms]`, `circle.restart[data-container][data-cause]`,
//! `path.leader-change[data-kind]`) so tests and scripts can find them; colours are SVG presentation attributes,
//! so the chart survives a sanitiser that strips `<style>`.

use std::borrow::Cow;
use std::io::{self, Write};

use chrono::{Duration, Offset, TimeZone};
use chrono_tz::Tz;

use super::RenderOpts;
use super::format::{
    Clock, MEMBER_COUNT_COLUMNS, RESTART_EVIDENCE_COMMANDS, describe_collection, disk_metric_name, fmt_attribution,
    fmt_ms, fmt_origin_range, fmt_span, fmt_stats, fmt_thresholds, fmt_time, fmt_verdict_tag, fmt_window,
    member_counts, member_storage_line, node_facts, nodes_omitted_note, omitted_note, select_timeline, short_origin,
    storage_headline, storage_members, storage_settle_words, storage_tag, subject_label, subject_short,
};
use super::summary::{key_timeline, relative, relative_origin, strongest_facts, top_recommendations};
use crate::evidence::{Origin, SignalClass, Subject, Timestamp};
use crate::model::{
    AdviceKind, Cause, Citation, ContainerHistory, HeadlineKind, Link, MemberSignals, Outcome, Report, RestartRecord,
    Severity, StorageVerdict, TimelineRow,
};

/// Writes the HTML report.
pub fn render(report: &Report, out: &mut dyn Write, opts: &RenderOpts) -> io::Result<()> {
    let clock = Clock::for_report(report, opts.tz);
    let root = opts.root.as_deref();
    let title = format!("etcd-triage: {}", fmt_verdict_tag(&report.verdict));
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(out, "<meta name=\"color-scheme\" content=\"light\">")?;
    writeln!(out, "<meta name=\"generator\" content=\"etcd-triage {}\">", escape(report.tool_version))?;
    writeln!(out, "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>", escape(&title))?;
    header(report, out, opts, &clock)?;
    summary(report, out, opts, &clock)?;
    if report.headline.kind == HeadlineKind::Storage {
        storage(report, out, &clock, root)?;
        verdict(report, out, &clock, root)?;
    } else {
        verdict(report, out, &clock, root)?;
        storage(report, out, &clock, root)?;
    }
    chart(report, out, opts, &clock)?;
    containers(report, out, &clock, root)?;
    members(report, out)?;
    nodes(report, out)?;
    timeline(report, out, opts, &clock)?;
    recommendations(report, out)?;
    gaps(report, out)?;
    inputs(report, out, opts)?;
    writeln!(
        out,
        "<footer>Self-contained report by etcd-triage {}; schema <code>{}</code>. <code>-o json</code> has every \
         record.</footer>",
        escape(report.tool_version),
        escape(report.schema_version)
    )?;
    writeln!(out, "</main>\n</body>\n</html>")
}

/// Escapes text for HTML element content and quoted attribute values (`&`, `<`, `>`, `"`, `'`). Control
/// characters other than tab and line breaks (a stray ESC from a coloured log line) become U+FFFD, since HTML
/// and SVG forbid them.
pub fn escape(s: &str) -> Cow<'_, str> {
    let special = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_forbidden_control(c);
    if !s.chars().any(special) {
        return Cow::Borrowed(s);
    }
    let mut escaped = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c if is_forbidden_control(c) => escaped.push('\u{FFFD}'),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

fn is_forbidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Light, print-friendly styles. No web fonts: system stacks only.
const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1b1f24; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 6px 0; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  background: #f3f4f6; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
.meta { color: #57606a; margin: 2px 0; }
.meta b { color: #1b1f24; font-weight: 600; }
.verdict { border: 1px solid #d0d7de; border-left: 6px solid #6e7781; border-radius: 6px; padding: 10px 16px;
  margin-top: 16px; background: #f6f8fa; }
.verdict.storage_latency { border-left-color: #c62828; background: #fff5f5; }
.verdict.other_cause { border-left-color: #b26a00; background: #fffaf0; }
.verdict.inconclusive { border-left-color: #6e7781; }
.verdict.no_restarts { border-left-color: #2e7d32; background: #f4fbf4; }
.verdict h2 { border: 0; margin: 2px 0 4px; padding: 0; }
.headline { font-size: 16px; font-weight: 600; }
ol.evidence, ul.plain { margin: 4px 0 8px; padding-left: 22px; }
ol.evidence li, ul.plain li { margin: 2px 0; }
ul.chain { margin: 0; padding-left: 16px; font-size: 12px; }
ul.chain li { margin: 1px 0; }
ul.chain code { font-size: 11px; }
.link.small { min-width: 0; font-size: 10px; margin-right: 2px; }
.link { display: inline-block; min-width: 74px; font-size: 11px; text-transform: uppercase; letter-spacing: .03em;
  color: #57606a; }
.muted { color: #57606a; }
figure { margin: 8px 0; }
figcaption { color: #57606a; font-size: 12px; margin-top: 4px; }
svg#timeline { width: 100%; height: auto; display: block; border: 1px solid #d0d7de; border-radius: 6px;
  background: #fff; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 18px;
  font-size: 12px; color: #3d444d; }
ul.legend svg { vertical-align: middle; margin-right: 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.sev-restart td, tr.sev-error td { background: #fff5f5; }
tr.sev-disk td { background: #fff8ec; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px;
  border: 1px solid #1b1f24; vertical-align: baseline; }
.do { color: #2e7d32; font-weight: 600; }
.avoid { color: #b3261e; font-weight: 600; }
footer { margin-top: 32px; color: #6e7781; font-size: 12px; }
@media print {
  @page { margin: 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, tr, .verdict { break-inside: avoid; }
  thead { display: table-header-group; }
}
"#;

// ---------------------------------------------------------------------------------------------------------
// Header and verdict

fn header(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
    writeln!(out, "<header>\n<h1>etcd-triage report</h1>")?;
    writeln!(
        out,
        "<p class=\"meta\"><b>Generated</b> {} by etcd-triage {}. <b>Times in</b> {}.</p>",
        escape(&fmt_time(report.generated_at, opts.tz)),
        escape(report.tool_version),
        escape(&clock.zone_label(report)),
    )?;
    let window = fmt_window(&report.window, opts.tz);
    let excluded = match report.window.excluded {
        0 => String::new(),
        n => format!("; {n} records outside it not used"),
    };
    writeln!(
        out,
        "<p class=\"meta\"><b>Window</b> {} ({}{})</p>",
        escape(&window),
        escape(&crate::report::words::verdict::window_basis(&report.window.basis)),
        escape(&excluded)
    )?;
    if let Some(root) = opts.root.as_deref().map(|r| r.trim_end_matches('/')).filter(|r| !r.is_empty()) {
        writeln!(
            out,
            "<p class=\"meta\"><b>Paths</b> relative to <code class=\"root\">{}/</code> (the full path on hover).</p>",
            escape(root)
        )?;
    }
    for c in &report.collections {
        writeln!(
            out,
            "<p class=\"meta collection\"><b>Collected</b> {}</p>",
            escape(&describe_collection(c, opts.tz))
        )?;
    }
    writeln!(out, "</header>")
}

/// The one-screen summary, as the terminal prints it by default: `section#summary` with `.verdicts`,
/// `ol.facts`, `ul.members`, `ul.containers`, `table.key-timeline`, `ul.top-recommendations` and `p.gaps`.
fn summary(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
    writeln!(out, "<section id=\"summary\">\n<h2>Summary</h2>")?;
    let v = &report.verdict;
    let s = &report.storage;
    let verdict = format!(
        "<p class=\"verdict {}\"><b>Verdict: {}.</b> {}</p>",
        outcome_key(v.outcome),
        escape(&fmt_verdict_tag(v)),
        escape(&crate::report::words::verdict::headline(&v.headline))
    );
    let storage = format!(
        "<p class=\"storage\" data-storage=\"{}\"><b>Storage: {}.</b> {}</p>",
        storage_key(s.verdict),
        escape(&storage_tag(s)),
        escape(&storage_headline(s))
    );
    if report.headline.kind == HeadlineKind::Storage {
        writeln!(out, "<div class=\"verdicts\">{storage}\n{verdict}</div>")?;
    } else {
        writeln!(out, "<div class=\"verdicts\">{verdict}\n{storage}</div>")?;
    }
    let facts = strongest_facts(report);
    if !facts.is_empty() {
        writeln!(out, "<h3>Strongest evidence</h3>\n<ol class=\"facts\">")?;
        for c in facts {
            writeln!(out, "<li>{}</li>", citation(c, clock, opts.root.as_deref()))?;
        }
        writeln!(out, "</ol>")?;
    }
    if !s.members.is_empty() {
        writeln!(out, "<h3>etcd members</h3>\n<ul class=\"members\">")?;
        for m in &s.members {
            writeln!(
                out,
                "<li data-member=\"{}\" data-storage=\"{}\">{}</li>",
                escape(&m.member),
                storage_key(m.verdict),
                escape(&member_storage_line(m))
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    if !report.containers.is_empty() {
        writeln!(out, "<h3>Restarted containers</h3>\n<ul class=\"containers\">")?;
        for c in &report.containers {
            let mut facts = vec![match c.restart_count {
                Some(n) => format!("restartCount {n}"),
                None => format!("{} restarts seen", c.restarts.len()),
            }];
            if let Some(cause) = c.cause {
                facts.push(format!("mostly {}", fmt_attribution(cause, c.confidence)));
            }
            facts.push(crate::report::words::containers::state(&c.state));
            if let Some(node) = &c.node {
                facts.push(format!("node {node}"));
            }
            let cause = c.cause.map(cause_key).unwrap_or("none");
            writeln!(
                out,
                "<li data-container=\"{}\" data-cause=\"{cause}\"><code>{}</code>: {}</li>",
                escape(&c.label()),
                escape(&c.label()),
                escape(&facts.join(" · "))
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    let rows = key_timeline(report, opts.max_timeline_rows);
    if !rows.is_empty() {
        writeln!(out, "<h3>Key timeline rows ({} of {})</h3>", rows.len(), report.timeline.len())?;
        writeln!(
            out,
            "<table class=\"key-timeline\">\n<thead><tr><th>time</th><th>subject</th><th>what</th></tr></thead>\n<tbody>"
        )?;
        for r in rows {
            let what = crate::report::words::timeline::summary(r);
            writeln!(
                out,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                severity_key(r.severity),
                escape(&clock.span(r.from, r.to)),
                escape(&subject_short(&r.subject)),
                escape(&what)
            )?;
        }
        writeln!(out, "</tbody>\n</table>")?;
    }
    let top = top_recommendations(report);
    if !top.is_empty() {
        writeln!(out, "<h3>Top recommendations</h3>\n<ul class=\"top-recommendations\">")?;
        for r in top {
            let (kind, tag) = match r.kind {
                AdviceKind::Do => ("do", "Do"),
                AdviceKind::Avoid => ("avoid", "⚠ Avoid"),
            };
            writeln!(
                out,
                "<li class=\"{kind}\"><b>{tag}:</b> {}</li>",
                escape(&crate::report::words::advice::title(r))
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    let assumed = match report.assumptions.len() {
        0 => String::new(),
        n => format!("; {n} assumption(s), see below"),
    };
    if report.gaps.is_empty() {
        writeln!(
            out,
            "<p class=\"gaps none\"><b>Gaps:</b> none, every source that was asked for could be read{assumed}.</p>"
        )?;
    } else {
        let what: Vec<String> = report.gaps.iter().map(crate::report::words::gaps::what).collect();
        writeln!(
            out,
            "<p class=\"gaps\" data-gaps=\"{}\"><b>Gaps ({}):</b> {}{assumed}.</p>",
            report.gaps.len(),
            report.gaps.len(),
            escape(&what.join("; "))
        )?;
    }
    writeln!(out, "</section>")
}

fn outcome_key(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::StorageLatency => "storage_latency",
        Outcome::OtherCause => "other_cause",
        Outcome::Inconclusive => "inconclusive",
        Outcome::NoRestarts => "no_restarts",
    }
}

fn link_word(link: Link) -> &'static str {
    match link {
        Link::Disk => "disk",
        Link::Consensus => "consensus",
        Link::ApiServer => "API server",
        Link::Container => "container",
        Link::Kubelet => "kubelet",
        Link::Competing => "competing",
    }
}

/// A citation's source as code: the short form shown (relative to the analysed folder `root`, pod UIDs
/// shortened), the full path on hover.
fn origin_code(o: &Origin, root: Option<&str>) -> String {
    let full = o.to_string();
    let short = short_origin(&relative_origin(o, root));
    if short == full {
        format!("<code>{}</code>", escape(&full))
    } else {
        format!("<code title=\"{}\">{}</code>", escape(&full), escape(&short))
    }
}

fn citation(c: &Citation, clock: &Clock, root: Option<&str>) -> String {
    let time = c.at.map(|t| format!("<time>{}</time> ", escape(&clock.time(t)))).unwrap_or_default();
    format!(
        "<span class=\"link\">{}</span> {time}{} ({})",
        escape(link_word(c.link)),
        escape(&crate::report::words::claims::citation(c)),
        origin_code(&c.origin, root)
    )
}

/// The last three segments of a citation's path (`kube-system_etcd-node1_*/etcd/0.log:67`), the full path on
/// hover: restart chains repeat their citations, and full paths would drown the table.
fn compact_origin_code(o: &Origin, root: Option<&str>) -> String {
    let short = short_origin(&relative_origin(o, root));
    let segments: Vec<&str> = short.rsplitn(4, '/').collect();
    if segments.len() < 4 {
        return origin_code(o, root);
    }
    let tail: Vec<&str> = segments[..3].iter().rev().copied().collect();
    format!("<code title=\"{}\">.../{}</code>", escape(&o.to_string()), escape(&tail.join("/")))
}

fn compact_citation(c: &Citation, clock: &Clock, root: Option<&str>) -> String {
    let time = c.at.map(|t| format!("<time>{}</time> ", escape(&clock.time(t)))).unwrap_or_default();
    format!(
        "<span class=\"link small\">{}</span> {time}{} {}",
        escape(link_word(c.link)),
        escape(&crate::report::words::claims::citation(c)),
        compact_origin_code(&c.origin, root)
    )
}

fn verdict(report: &Report, out: &mut dyn Write, clock: &Clock, root: Option<&str>) -> io::Result<()> {
    let v = &report.verdict;
    writeln!(out, "<section id=\"verdict\" class=\"verdict {}\">", outcome_key(v.outcome))?;
    writeln!(out, "<h2>Verdict: {}</h2>", escape(&fmt_verdict_tag(v)))?;
    writeln!(out, "<p class=\"headline\">{}</p>", escape(&crate::report::words::verdict::verdict_headline(v)))?;
    if !v.reasoning.is_empty() {
        writeln!(out, "<p class=\"reasoning\">{}</p>", escape(&crate::report::words::verdict::reasoning(v)))?;
    }
    if !v.evidence.is_empty() {
        writeln!(out, "<h3>Evidence</h3>\n<ol class=\"evidence\">")?;
        for c in &v.evidence {
            writeln!(out, "<li>{}</li>", citation(c, clock, root))?;
        }
        writeln!(out, "</ol>")?;
    }
    if !v.alternatives.is_empty() {
        writeln!(out, "<h3>Alternatives considered</h3>\n<ul class=\"plain\">")?;
        for a in &v.alternatives {
            writeln!(
                out,
                "<li><b>{}</b>: {}</li>",
                escape(crate::report::words::cause(a.cause)),
                escape(&crate::report::words::verdict::why_not(&a.why_not))
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    if !v.to_settle.is_empty() {
        writeln!(out, "<h3>To settle</h3>\n<ul class=\"plain\">")?;
        for s in &v.to_settle {
            writeln!(out, "<li>{}</li>", escape(&crate::report::words::verdict::settle(s)))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</section>")
}

fn storage_key(v: StorageVerdict) -> &'static str {
    match v {
        StorageVerdict::TooSlow => "too_slow",
        StorageVerdict::Degraded => "degraded",
        StorageVerdict::Healthy => "healthy",
        StorageVerdict::Unknown => "unknown",
    }
}

fn storage(report: &Report, out: &mut dyn Write, clock: &Clock, root: Option<&str>) -> io::Result<()> {
    let s = &report.storage;
    let tag = storage_tag(s);
    writeln!(out, "<section id=\"storage\" class=\"storage\" data-storage=\"{}\">", storage_key(s.verdict))?;
    writeln!(out, "<h2>Storage: {}</h2>", escape(&tag))?;
    writeln!(out, "<p class=\"headline\">{}</p>", escape(&storage_headline(s)))?;
    let members: Vec<_> = storage_members(s).collect();
    if !members.is_empty() {
        writeln!(out, "<ul class=\"plain\">")?;
        for m in members {
            writeln!(out, "<li data-storage=\"{}\">{}</li>", storage_key(m.verdict), escape(&member_storage_line(m)))?;
        }
        writeln!(out, "</ul>")?;
    }
    if s.cpu_or_pause_suspected {
        writeln!(
            out,
            "<p>A member's raft loop stalled with no slow fdatasync on it: CPU starvation or a paused process is in play too.</p>"
        )?;
    }
    if !s.evidence.is_empty() {
        writeln!(out, "<h3>Evidence</h3>\n<ol class=\"evidence\">")?;
        for c in &s.evidence {
            writeln!(out, "<li>{}</li>", citation(c, clock, root))?;
        }
        writeln!(out, "</ol>")?;
    }
    if !s.to_settle.is_empty() && s.verdict != StorageVerdict::TooSlow {
        writeln!(out, "<h3>To settle</h3>\n<ul class=\"plain\">")?;
        for t in &s.to_settle {
            writeln!(out, "<li>{}</li>", escape(storage_settle_words(*t)))?;
        }
        writeln!(out, "</ul>")?;
    }
    if report.headline.kind == HeadlineKind::Storage && s.verdict >= StorageVerdict::Degraded {
        writeln!(out, "<h3>No restart in the evidence; if pods restarted, add their history</h3>\n<pre>")?;
        for c in RESTART_EVIDENCE_COMMANDS {
            writeln!(out, "{}", escape(c))?;
        }
        writeln!(out, "</pre>")?;
    }
    writeln!(out, "</section>")
}

// ---------------------------------------------------------------------------------------------------------
// The timeline chart

/// `data-cause` value of a cause (the JSON spelling).
pub fn cause_key(cause: Cause) -> &'static str {
    match cause {
        Cause::StorageLatency => "storage_latency",
        Cause::EtcdStall => "etcd_stall",
        Cause::NetworkPartition => "network_partition",
        Cause::ClockSkew => "clock_skew",
        Cause::NoSpaceAlarm => "no_space_alarm",
        Cause::CertificateError => "certificate_error",
        Cause::EtcdUnavailable => "etcd_unavailable",
        Cause::OutOfMemory => "out_of_memory",
        Cause::ConfigError => "config_error",
        Cause::ProbeFailure => "probe_failure",
        Cause::Defragmentation => "defragmentation",
        Cause::ExpensiveRequests => "expensive_requests",
        Cause::EtcdFailure => "etcd_failure",
        Cause::Unexplained => "unexplained",
    }
}

/// Marker colour of a cause: storage red, other etcd-side causes warm, container-side causes cool, unexplained
/// grey (distinguishable in print as well as on screen).
fn cause_colour(cause: Cause) -> &'static str {
    match cause {
        Cause::StorageLatency => "#d62728",
        Cause::EtcdStall => "#ff7f0e",
        Cause::NetworkPartition => "#9467bd",
        Cause::ClockSkew => "#8c564b",
        Cause::NoSpaceAlarm => "#e377c2",
        Cause::CertificateError => "#bcbd22",
        Cause::EtcdUnavailable => "#17becf",
        Cause::OutOfMemory => "#1f77b4",
        Cause::ConfigError => "#2ca02c",
        Cause::ProbeFailure => "#f2b701",
        Cause::Defragmentation => "#c49c94",
        Cause::ExpensiveRequests => "#dbdb8d",
        Cause::EtcdFailure => "#9edae5",
        Cause::Unexplained => "#7f7f7f",
    }
}

const LEADER_COLOUR: &str = "#6a3d9a";
const LATENCY_COLOUR: &str = "#b3261e";

/// Chart geometry, in SVG user units (the SVG scales to the page width).
const CHART_WIDTH: f64 = 1200.0;
/// Left gutter for row labels and guide labels.
const GUTTER: f64 = 200.0;
const RIGHT_PAD: f64 = 18.0;
const MEMBER_BAND: f64 = 112.0;
const CONTAINER_ROW: f64 = 30.0;
const SECTION_TITLE: f64 = 22.0;
const AXIS: f64 = 40.0;
/// Height of the strip at the bottom of a member band that holds leader-change markers: two lanes, leader
/// elected and leader lost / election started, so that both kinds stay visible at the same instant.
const LEADER_STRIP: f64 = 28.0;
/// Leader terms listed under a member's name before `...`.
const MAX_TERMS_SHOWN: usize = 6;

/// Latency reference lines: etcd's WAL fsync guidance (p99 under 10 ms), 100 ms (the default heartbeat
/// interval) and 1 s (etcd's slow-fdatasync warning).
const GUIDES_MS: [(f64, &str); 3] = [(10.0, "10ms"), (100.0, "100ms"), (1000.0, "1s")];

/// Maps times to x.
#[derive(Debug, Clone, Copy)]
struct XScale {
    start: Timestamp,
    end: Timestamp,
}

impl XScale {
    fn span_ms(&self) -> f64 {
        (self.end - self.start).num_milliseconds().max(1) as f64
    }

    fn x(&self, t: Timestamp) -> f64 {
        let frac = (t - self.start).num_milliseconds() as f64 / self.span_ms();
        GUTTER + frac.clamp(0.0, 1.0) * (CHART_WIDTH - GUTTER - RIGHT_PAD)
    }
}

/// Maps latencies (ms) to y within a band, on a log scale over whole decades.
#[derive(Debug, Clone, Copy)]
struct LogScale {
    lo_ms: f64,
    hi_ms: f64,
}

impl LogScale {
    /// Whole decades covering the data and at least 1 ms..1 s, so the 10 ms and 100 ms guides always show.
    fn covering(values: impl Iterator<Item = f64>) -> LogScale {
        let (mut lo, mut hi) = (1.0_f64, 1000.0_f64);
        for v in values.filter(|v| v.is_finite() && *v > 0.0) {
            lo = lo.min(10f64.powf(v.log10().floor()));
            hi = hi.max(10f64.powf(v.log10().ceil()));
        }
        LogScale { lo_ms: lo, hi_ms: hi }
    }

    /// y of `ms` between `top` (the scale's max) and `bottom` (its min), clamped.
    fn y(&self, ms: f64, top: f64, bottom: f64) -> f64 {
        let frac = (ms.max(self.lo_ms).log10() - self.lo_ms.log10()) / (self.hi_ms.log10() - self.lo_ms.log10());
        bottom - frac.clamp(0.0, 1.0) * (bottom - top)
    }
}

/// Tick spacings (seconds) to choose from; the first one that gives at most `MAX_TICKS` ticks wins.
const TICK_STEPS_SECS: [i64; 21] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
    2_592_000,
];
const MAX_TICKS: i64 = 10;

/// The spacing of the axis ticks: the first round step giving at most `MAX_TICKS`; past 30 days a whole number of
/// 30-day steps, so that the tick count stays at most `MAX_TICKS` whatever the span (a span of centuries once drew
/// 124,170 ticks).
fn tick_step_secs(span_secs: i64) -> i64 {
    let longest = TICK_STEPS_SECS[20];
    TICK_STEPS_SECS.iter().copied().find(|step| span_secs / step <= MAX_TICKS).unwrap_or_else(|| {
        let steps = span_secs.max(0) / longest / MAX_TICKS + 1;
        longest.saturating_mul(steps)
    })
}

/// Ticks on round local times in `tz` (whole minutes, quarter hours, local midnights) within `[start, end]`.
/// The offset at `start` aligns them; after a daylight-saving change the ticks keep their spacing.
fn ticks(start: Timestamp, end: Timestamp, tz: Tz) -> (i64, Vec<Timestamp>) {
    let step = tick_step_secs((end - start).num_seconds());
    let offset = i64::from(tz.offset_from_utc_datetime(&start.naive_utc()).fix().local_minus_utc());
    let local = start.timestamp() + offset;
    let mut t = local.div_euclid(step) * step - offset;
    let mut out = Vec::new();
    while let Some(ts) = chrono::DateTime::from_timestamp(t, 0) {
        if ts > end {
            break;
        }
        if ts >= start {
            out.push(ts);
        }
        t += step;
    }
    (step, out)
}

/// What the chart draws for one member.
struct MemberRow<'a> {
    member: &'a MemberSignals,
    leader_rows: Vec<&'a TimelineRow>,
}

/// Timeline rows that record a leader change seen by `member` (a leader elected, or the leader lost and an
/// election started), as folded by the timeline.
fn leader_rows<'a>(report: &'a Report, member: &str) -> Vec<&'a TimelineRow> {
    report
        .timeline
        .iter()
        .filter(|r| matches!(&r.subject, Subject::EtcdMember { name } if name == member))
        .filter(|r| leader_kind(r).is_some())
        .collect()
}

/// `elected` or `lost` for a leader-change row.
fn leader_kind(row: &TimelineRow) -> Option<&'static str> {
    match row.kind.signal_class() {
        Some(SignalClass::LeaderElected) => Some("elected"),
        Some(SignalClass::LeaderLost) => Some("lost"),
        _ => None,
    }
}

/// Every time the chart draws, for the x range.
fn chart_times(report: &Report, rows: &[MemberRow]) -> Vec<Timestamp> {
    let mut times: Vec<Timestamp> = report.window.from.into_iter().chain(report.window.to).collect();
    for r in rows {
        let series = r.member.chart_series();
        let tail = if series.from_metrics {
            Duration::zero()
        } else {
            Duration::seconds(crate::model::thresholds::bursts::BUCKET_SECS)
        };
        for (t, _) in series.points {
            times.extend([*t, *t + tail]);
        }
        for l in &r.leader_rows {
            times.extend([l.from, l.to]);
        }
    }
    for c in &report.containers {
        times.extend(c.restarts.iter().map(|r| r.ended_at));
    }
    times
}

fn chart(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
    let root = opts.root.as_deref();
    writeln!(out, "<section id=\"chart\">\n<h2>Timeline chart</h2>")?;
    let rows: Vec<MemberRow> =
        report.members.iter().map(|m| MemberRow { member: m, leader_rows: leader_rows(report, &m.member) }).collect();
    let times = chart_times(report, &rows);
    let (Some(first), Some(last)) = (times.iter().min().copied(), times.iter().max().copied()) else {
        writeln!(out, "<p class=\"muted\">Nothing dated to draw.</p>\n</section>")?;
        return Ok(());
    };
    // A single instant still gets a readable axis: a minute either side.
    let (start, end) = if last - first < Duration::seconds(10) {
        (first - Duration::seconds(60), last + Duration::seconds(60))
    } else {
        let pad = Duration::milliseconds((last - first).num_milliseconds() / 100);
        (first - pad, last + pad)
    };
    let xs = XScale { start, end };
    let ys = LogScale::covering(report.members.iter().flat_map(|m| m.chart_series().points.iter().map(|(_, v)| *v)));

    let members_h = if rows.is_empty() { 0.0 } else { SECTION_TITLE + rows.len() as f64 * MEMBER_BAND };
    let containers_h =
        if report.containers.is_empty() { 0.0 } else { SECTION_TITLE + report.containers.len() as f64 * CONTAINER_ROW };
    let top = 8.0;
    let plot_bottom = top + members_h + containers_h;
    let height = plot_bottom + AXIS;
    let label = format!(
        "Timeline {}: etcd slow-operation latency per member (log scale), leader changes and container restarts",
        fmt_span(start, end, opts.tz)
    );
    writeln!(out, "<figure>")?;
    writeln!(
        out,
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_WIDTH} {height:.0}\" \
         width=\"{CHART_WIDTH}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\" \
         data-from=\"{}\" data-to=\"{}\">",
        escape(&label),
        start.to_rfc3339(),
        end.to_rfc3339()
    )?;
    writeln!(out, "<title>{}</title>", escape(&label))?;

    // Outside the analysed window: shaded, so that padding and minute buckets are not mistaken for evidence.
    for (from, to) in [(Some(start), report.window.from), (report.window.to, Some(end))] {
        if let (Some(a), Some(b)) = (from, to) {
            let (x1, x2) = (xs.x(a), xs.x(b));
            if x2 - x1 > 0.5 {
                writeln!(
                    out,
                    "<rect class=\"outside-window\" x=\"{x1:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
                     fill=\"#eef0f3\"><title>outside the analysed window</title></rect>",
                    x2 - x1,
                    plot_bottom - top
                )?;
            }
        }
    }

    let (step, tick_times) = ticks(start, end, opts.tz);
    axis(out, &xs, step, &tick_times, top, plot_bottom, opts.tz, clock)?;

    let mut y = top;
    if !rows.is_empty() {
        let title = if report.members.iter().any(|m| m.disk_metric.is_some()) {
            "etcd members: disk latency, p99 by metrics or else the slowest logged operation per minute (log scale); \
             ◆ leader changes"
        } else {
            "etcd members: slow-operation latency, max per minute (log scale); ◆ leader changes"
        };
        section_title(out, y, title)?;
        y += SECTION_TITLE;
        for (i, row) in rows.iter().enumerate() {
            member_band(out, row, i, y, &xs, &ys, clock, root)?;
            y += MEMBER_BAND;
        }
    }
    if !report.containers.is_empty() {
        section_title(out, y, "restarted containers: ● one per placed restart, coloured by attributed cause")?;
        y += SECTION_TITLE;
        for (i, c) in report.containers.iter().enumerate() {
            container_row(out, c, i, y, &xs, clock, root)?;
            y += CONTAINER_ROW;
        }
    }
    writeln!(out, "</svg>")?;
    legend(report, out)?;
    writeln!(
        out,
        "<figcaption>Times in {}. {}Hover a marker for details.</figcaption>",
        escape(&clock.zone_label(report)),
        if report.members.iter().any(|m| m.disk_metric.is_some()) {
            "Where metrics were given, a member's line is its disk histogram's p99 per query step (every step, \
             quiet ones too); otherwise it is the slowest operation etcd logged as slow in each minute (etcd logs \
             only operations over its warning thresholds, so quiet minutes have no point). "
        } else {
            "Latency points are the slowest operation etcd logged as slow in each minute (etcd logs only \
             operations over its warning thresholds, so quiet minutes have no point). "
        }
    )?;
    writeln!(out, "</figure>\n</section>")
}

fn section_title(out: &mut dyn Write, y: f64, text: &str) -> io::Result<()> {
    writeln!(
        out,
        "<text class=\"section-title\" x=\"8\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#3d444d\">{}\
         </text>",
        y + 15.0,
        escape(text)
    )
}

#[allow(clippy::too_many_arguments)]
fn axis(
    out: &mut dyn Write,
    xs: &XScale,
    step: i64,
    ticks: &[Timestamp],
    top: f64,
    bottom: f64,
    tz: Tz,
    clock: &Clock,
) -> io::Result<()> {
    writeln!(out, "<g class=\"axis\" data-step-secs=\"{step}\">")?;
    writeln!(
        out,
        "<line class=\"axis-line\" x1=\"{GUTTER}\" y1=\"{bottom:.1}\" x2=\"{:.1}\" y2=\"{bottom:.1}\" \
         stroke=\"#57606a\" stroke-width=\"1\"/>",
        CHART_WIDTH - RIGHT_PAD
    )?;
    let time_format = if step < 60 { "%H:%M:%S" } else { "%H:%M" };
    let mut last_date = None;
    for t in ticks {
        let x = xs.x(*t);
        let local = t.with_timezone(&tz);
        let date = local.date_naive();
        // The date goes under the first tick and under every tick where it changes, unless the whole report
        // falls on one day (the header then names it).
        let show_date = last_date.is_none() || (clock.day.is_none() && last_date != Some(date));
        last_date = Some(date);
        writeln!(
            out,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\" \
             stroke-width=\"1\"/>",
            bottom + 4.0
        )?;
        write!(
            out,
            "<text class=\"tick-label\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" \
             fill=\"#3d444d\" data-time=\"{}\">{}",
            bottom + 16.0,
            t.to_rfc3339(),
            escape(&local.format(time_format).to_string())
        )?;
        if show_date {
            write!(
                out,
                "<tspan x=\"{x:.1}\" dy=\"13\" fill=\"#6e7781\">{}</tspan>",
                escape(&local.format("%Y-%m-%d").to_string())
            )?;
        }
        writeln!(out, "</text>")?;
    }
    writeln!(out, "</g>")
}

#[allow(clippy::too_many_arguments)] // one band: its row, place, both scales, and how this reader sees times and paths
fn member_band(
    out: &mut dyn Write,
    row: &MemberRow,
    index: usize,
    y: f64,
    xs: &XScale,
    ys: &LogScale,
    clock: &Clock,
    root: Option<&str>,
) -> io::Result<()> {
    let m = row.member;
    let name = escape(&m.member);
    writeln!(out, "<g class=\"member\" data-member=\"{name}\">")?;
    let fill = if index % 2 == 0 { "#f6f8fa" } else { "#fbfcfd" };
    writeln!(
        out,
        "<rect class=\"band\" x=\"0\" y=\"{y:.1}\" width=\"{CHART_WIDTH}\" height=\"{MEMBER_BAND}\" fill=\"{fill}\" \
         fill-opacity=\"0.7\"/>"
    )?;
    writeln!(
        out,
        "<text class=\"row-label\" x=\"8\" y=\"{:.1}\" font-size=\"13\" font-weight=\"600\" fill=\"#1b1f24\">{name}\
         </text>",
        y + 18.0
    )?;
    let series = m.chart_series();
    let peak = series
        .points
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.max(v))));
    let sub = match (peak, &m.disk_metric) {
        // Short enough to stay clear of the guide labels in the gutter; the legend says it is from metrics.
        (Some(p), Some(d)) => format!("{} p99 max {}", disk_metric_name(&d.metric), fmt_ms(p)),
        (Some(p), None) => format!("max {} logged", fmt_ms(p)),
        (None, _) => "no slow operation logged".to_owned(),
    };
    writeln!(
        out,
        "<text class=\"row-sub\" x=\"8\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">{}</text>",
        y + 33.0,
        escape(&sub)
    )?;
    if !m.leader_terms.is_empty() {
        let mut terms: Vec<String> = m.leader_terms.iter().take(MAX_TERMS_SHOWN).map(u64::to_string).collect();
        if m.leader_terms.len() > MAX_TERMS_SHOWN {
            terms.push("...".to_owned());
        }
        writeln!(
            out,
            "<text class=\"row-sub\" x=\"8\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">leader in term {}</text>",
            y + 47.0,
            escape(&terms.join(", "))
        )?;
    }

    let plot_top = y + 8.0;
    let plot_bottom = y + MEMBER_BAND - LEADER_STRIP - 4.0;
    for (ms, label) in GUIDES_MS {
        if ms < ys.lo_ms || ms > ys.hi_ms {
            continue;
        }
        let gy = ys.y(ms, plot_top, plot_bottom);
        writeln!(
            out,
            "<line class=\"guide\" data-ms=\"{ms}\" x1=\"{GUTTER}\" y1=\"{gy:.1}\" x2=\"{:.1}\" y2=\"{gy:.1}\" \
             stroke=\"#8c959f\" stroke-width=\"0.8\" stroke-dasharray=\"4 3\"/>",
            CHART_WIDTH - RIGHT_PAD
        )?;
        writeln!(
            out,
            "<text class=\"guide-label\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" \
             fill=\"#6e7781\">{label}</text>",
            GUTTER - 4.0,
            gy + 3.5
        )?;
    }

    // Log series: one point per minute at the minute's middle, joined only across consecutive minutes. Metric
    // series: one point per query step (or scrape pair) at its end, joined across steps that follow each other.
    let mut points: Vec<(Timestamp, f64)> =
        series.points.iter().copied().filter(|(_, v)| v.is_finite() && *v > 0.0).collect();
    points.sort_by_key(|p| p.0);
    let (offset, join_secs) = if series.from_metrics {
        (Duration::zero(), 3 * typical_step_secs(&points))
    } else {
        (
            Duration::seconds(crate::model::thresholds::bursts::BUCKET_SECS / 2),
            crate::model::thresholds::bursts::BUCKET_SECS,
        )
    };
    if !points.is_empty() {
        let mut d = String::new();
        let mut prev: Option<Timestamp> = None;
        for (t, v) in &points {
            let (px, py) = (xs.x(*t + offset), ys.y(*v, plot_top, plot_bottom));
            let joined = prev.is_some_and(|p| (*t - p).num_seconds() <= join_secs);
            d.push_str(&format!("{}{px:.1},{py:.1} ", if joined { "L" } else { "M" }));
            prev = Some(*t);
        }
        writeln!(
            out,
            "<path class=\"latency\" data-basis=\"{}\" data-points=\"{}\" d=\"{}\" fill=\"none\" \
             stroke=\"{LATENCY_COLOUR}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>",
            if series.from_metrics { "metrics" } else { "logs" },
            points.len(),
            d.trim_end()
        )?;
        for (t, v) in &points {
            let (px, py) = (xs.x(*t + offset), ys.y(*v, plot_top, plot_bottom));
            let what = match &m.disk_metric {
                Some(d) if series.from_metrics => {
                    format!("{} p99 {} at {}", disk_metric_name(&d.metric), fmt_ms(*v), clock.time(*t))
                }
                _ => {
                    format!(
                        "slowest logged operation {} in {}",
                        fmt_ms(*v),
                        clock.span(*t, *t + Duration::seconds(crate::model::thresholds::bursts::BUCKET_SECS))
                    )
                }
            };
            writeln!(
                out,
                "<circle class=\"latency-point\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"2.6\" fill=\"{LATENCY_COLOUR}\">\
                 <title>{}: {}</title></circle>",
                name,
                escape(&what)
            )?;
        }
    }

    if !row.leader_rows.is_empty() {
        for kind in ["elected", "lost"] {
            writeln!(
                out,
                "<text class=\"lane-label\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" \
                 fill=\"#6e7781\">{}</text>",
                GUTTER - 4.0,
                leader_lane_y(y, kind) + 3.0,
                if kind == "elected" { "leader elected" } else { "election started" }
            )?;
        }
    }
    for l in &row.leader_rows {
        let kind = leader_kind(l).unwrap_or("elected");
        let lane_y = leader_lane_y(y, kind);
        let (x1, x2) = (xs.x(l.from), xs.x(l.to));
        let r = 4.5;
        let mut d = format!(
            "M{x1:.1},{:.1} L{:.1},{lane_y:.1} L{x1:.1},{:.1} L{:.1},{lane_y:.1} Z",
            lane_y - r,
            x1 + r,
            lane_y + r,
            x1 - r
        );
        // A folded row spans time: a bar to its last record, closed by a tick.
        if x2 - x1 > r {
            d.push_str(&format!(
                " M{:.1},{lane_y:.1} H{x2:.1} M{x2:.1},{:.1} V{:.1}",
                x1 + r,
                lane_y - 3.0,
                lane_y + 3.0
            ));
        }
        let fill = if kind == "elected" { LEADER_COLOUR } else { "#ffffff" };
        let title = format!(
            "{}: {}, {}\n{}",
            m.member,
            crate::report::words::timeline::summary(l),
            clock.span(l.from, l.to),
            fmt_origin_range(
                &relative_origin(&l.first, root),
                l.last.as_ref().map(|o| relative_origin(o, root)).as_ref()
            )
        );
        writeln!(
            out,
            "<path class=\"leader-change\" data-kind=\"{kind}\" data-member=\"{name}\" data-count=\"{}\" d=\"{d}\" \
             fill=\"{fill}\" stroke=\"{LEADER_COLOUR}\" stroke-width=\"1.3\"><title>{}</title></path>",
            l.count,
            escape(&title)
        )?;
        if l.count > 1 {
            writeln!(
                out,
                "<text class=\"leader-count\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"{LEADER_COLOUR}\">{}x\
                 </text>",
                x1 + r + 3.0,
                lane_y - 2.5,
                l.count
            )?;
        }
    }
    writeln!(out, "</g>")
}

/// The most common spacing of a metric series' points in seconds (its query step), at least 1.
fn typical_step_secs(points: &[(Timestamp, f64)]) -> i64 {
    let mut gaps: Vec<i64> = points.windows(2).map(|w| (w[1].0 - w[0].0).num_seconds()).filter(|g| *g > 0).collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(60).max(1)
}

/// y of a leader-change lane in the member band starting at `band_y`.
fn leader_lane_y(band_y: f64, kind: &str) -> f64 {
    let bottom = band_y + MEMBER_BAND;
    if kind == "elected" { bottom - LEADER_STRIP + 8.0 } else { bottom - 7.0 }
}

fn container_row(
    out: &mut dyn Write,
    c: &ContainerHistory,
    index: usize,
    y: f64,
    xs: &XScale,
    clock: &Clock,
    root: Option<&str>,
) -> io::Result<()> {
    let label = c.label();
    let subject =
        Subject::Container { namespace: c.namespace.clone(), pod: c.pod.clone(), container: c.container.clone() };
    writeln!(out, "<g class=\"container\" data-container=\"{}\">", escape(&label))?;
    let fill = if index % 2 == 0 { "#f6f8fa" } else { "#fbfcfd" };
    writeln!(
        out,
        "<rect class=\"band\" x=\"0\" y=\"{y:.1}\" width=\"{CHART_WIDTH}\" height=\"{CONTAINER_ROW}\" \
         fill=\"{fill}\" fill-opacity=\"0.7\"/>"
    )?;
    let short = subject_short(&subject);
    let shown = truncate_middle(&short, 30);
    writeln!(
        out,
        "<text class=\"row-label\" x=\"8\" y=\"{:.1}\" font-size=\"12\" fill=\"#1b1f24\"><title>{}</title>{}</text>",
        y + 19.0,
        escape(&label),
        escape(&shown)
    )?;
    let cy = y + CONTAINER_ROW / 2.0;
    writeln!(
        out,
        "<line class=\"row-rule\" x1=\"{GUTTER}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"#d0d7de\" \
         stroke-width=\"1\"/>",
        CHART_WIDTH - RIGHT_PAD
    )?;
    if c.restarts.is_empty() && c.unplaced_restarts > 0 {
        writeln!(
            out,
            "<text class=\"row-note\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#57606a\">{} restarts known \
             only by count (no time to place them)</text>",
            GUTTER + 8.0,
            cy - 4.0,
            c.unplaced_restarts
        )?;
    }
    for r in &c.restarts {
        let a = &r.attribution;
        let x = xs.x(r.ended_at);
        let dash = if r.approximate { " stroke-dasharray=\"2 1.5\"" } else { "" };
        writeln!(
            out,
            "<circle class=\"restart\" data-container=\"{}\" data-cause=\"{}\" data-time=\"{}\" cx=\"{x:.1}\" \
             cy=\"{cy:.1}\" r=\"6\" fill=\"{}\" stroke=\"#1b1f24\" stroke-width=\"1\"{dash}><title>{}</title></circle>",
            escape(&label),
            cause_key(a.cause),
            r.ended_at.to_rfc3339(),
            cause_colour(a.cause),
            escape(&restart_title(&label, r, clock, root))
        )?;
    }
    writeln!(out, "</g>")
}

fn restart_title(label: &str, r: &RestartRecord, clock: &Clock, root: Option<&str>) -> String {
    let approx = if r.approximate { " (approx., last log line)" } else { "" };
    let a = &r.attribution;
    format!(
        "{label}\nrestart at {}{approx}: {}\n-> {}: {}\n{}",
        clock.time(r.ended_at),
        exit_text(r),
        fmt_attribution(a.cause, Some(a.confidence)),
        crate::report::words::attribution::summary(&a.summary),
        relative_origin(&r.origin, root)
    )
}

/// `s` cut to `max` characters by an ellipsis in the middle, so both the name and its distinguishing suffix
/// (a pod's hash) stay visible.
fn truncate_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 3 {
        return s.to_owned();
    }
    let head = (max - 1) / 2;
    let tail = max - 1 - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Colour key for the causes that appear on the chart, and the marker shapes.
fn legend(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut causes: Vec<Cause> =
        report.containers.iter().flat_map(|c| c.restarts.iter().map(|r| r.attribution.cause)).collect();
    causes.sort();
    causes.dedup();
    writeln!(out, "<ul class=\"legend\">")?;
    for cause in causes {
        writeln!(
            out,
            "<li data-cause=\"{}\"><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">\
             <circle cx=\"6\" cy=\"6\" r=\"5\" fill=\"{}\" stroke=\"#1b1f24\"/></svg>restart: {}</li>",
            cause_key(cause),
            cause_colour(cause),
            escape(crate::report::words::cause(cause))
        )?;
    }
    let with_metrics = report.members.iter().any(|m| m.disk_metric.is_some());
    let with_logs = report.members.iter().any(|m| m.disk_metric.is_none() && !m.latency_series.is_empty());
    let lines = [
        (with_metrics, "disk histogram p99 by metrics, per query step"),
        (with_logs || !with_metrics, "slowest logged etcd operation per minute"),
    ];
    for (_, what) in lines.iter().filter(|(shown, _)| *shown) {
        writeln!(
            out,
            "<li><svg width=\"22\" height=\"12\" viewBox=\"0 0 22 12\" aria-hidden=\"true\"><path d=\"M1,6 H21\" \
             stroke=\"{LATENCY_COLOUR}\" stroke-width=\"1.8\"/><circle cx=\"11\" cy=\"6\" r=\"2.6\" \
             fill=\"{LATENCY_COLOUR}\"/></svg>{what}</li>"
        )?;
    }
    writeln!(
        out,
        "<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><path d=\"M6,1 L11,6 L6,11 \
         L1,6 Z\" fill=\"{LEADER_COLOUR}\"/></svg>leader elected</li>"
    )?;
    writeln!(
        out,
        "<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><path d=\"M6,1 L11,6 L6,11 \
         L1,6 Z\" fill=\"#fff\" stroke=\"{LEADER_COLOUR}\" stroke-width=\"1.4\"/></svg>leader lost / election \
         started (a bar spans folded repeats)</li>"
    )?;
    writeln!(
        out,
        "<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><circle cx=\"6\" cy=\"6\" \
         r=\"5\" fill=\"#fff\" stroke=\"#1b1f24\" stroke-dasharray=\"2 1.5\"/></svg>dashed: restart time from the \
         last log line</li>"
    )?;
    writeln!(out, "</ul>")
}

// ---------------------------------------------------------------------------------------------------------
// Tables

/// Table header; columns named with a trailing `>` are numeric (right-aligned).
/// The relevant nodes; nothing when the evidence has no node objects.
fn nodes(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.nodes.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"nodes\">\n<h2>Nodes</h2>")?;
    table_head(out, "nodes", &["node", "why listed", "abnormal conditions", "node info"])?;
    for n in &report.nodes {
        let roles = if n.roles.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"muted\">{}</span>", escape(&n.roles.join(",")))
        };
        let conditions =
            if n.conditions.is_empty() { "none".to_owned() } else { crate::report::words::nodes::conditions(n) };
        writeln!(
            out,
            "<tr data-node=\"{}\"><td><b>{}</b>{roles}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&n.name),
            escape(&n.name),
            escape(&crate::report::words::nodes::why_listed(n)),
            escape(&conditions),
            escape(&node_facts(n))
        )?;
    }
    table_end(out)?;
    if let Some(note) = nodes_omitted_note(report.nodes_omitted) {
        writeln!(out, "<p class=\"muted\">{}</p>", escape(&note))?;
    }
    writeln!(out, "</section>")
}

fn table_head(out: &mut dyn Write, class: &str, columns: &[&str]) -> io::Result<()> {
    writeln!(out, "<table class=\"{class}\">\n<thead><tr>")?;
    for c in columns {
        match c.strip_suffix('>') {
            Some(name) => writeln!(out, "<th class=\"num\">{}</th>", escape(name))?,
            None => writeln!(out, "<th>{}</th>", escape(c))?,
        }
    }
    writeln!(out, "</tr></thead>\n<tbody>")
}

fn table_end(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "</tbody>\n</table>")
}

fn exit_text(r: &RestartRecord) -> String {
    match (r.exit_code, &r.reason) {
        (Some(code), Some(reason)) => format!("exit {code} {reason}"),
        (Some(code), None) => format!("exit {code}"),
        (None, Some(reason)) => reason.clone(),
        (None, None) => "exit unknown".to_owned(),
    }
}

fn containers(report: &Report, out: &mut dyn Write, clock: &Clock, root: Option<&str>) -> io::Result<()> {
    writeln!(out, "<section id=\"containers\">\n<h2>Restarted containers</h2>")?;
    if report.containers.is_empty() {
        writeln!(out, "<p>No container restarted or crash-looped in the window.</p>\n</section>")?;
        return Ok(());
    }
    table_head(
        out,
        "containers",
        &["container", "node", "restartCount>", "state", "placed>", "by count only>", "mostly", "kubelet events"],
    )?;
    for c in &report.containers {
        let events: Vec<String> = c
            .events
            .iter()
            .map(|e| {
                let mut s = format!("{} x{} {}", e.reason, e.count, clock.span(e.first_at, e.last_at));
                if e.reason != "BackOff" && !e.message.is_empty() {
                    s.push_str(&format!(" ({})", e.message));
                }
                escape(&s).into_owned()
            })
            .collect();
        let mostly = match c.cause {
            Some(cause) => format!(
                "<span class=\"swatch\" style=\"background:{}\"></span>{}",
                cause_colour(cause),
                escape(&fmt_attribution(cause, c.confidence))
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "<tr data-container=\"{}\"><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{mostly}</td><td>{}</td></tr>",
            escape(&c.label()),
            escape(&c.label()),
            escape(c.node.as_deref().unwrap_or("")),
            c.restart_count.map(|n| n.to_string()).unwrap_or_else(|| "unknown".to_owned()),
            escape(&crate::report::words::containers::state(&c.state)),
            if c.crash_loop && !crate::report::words::containers::says_crash_loop(&c.state) {
                " (crash-looping)"
            } else {
                ""
            },
            c.restarts.len(),
            c.unplaced_restarts,
            events.join("<br>")
        )?;
    }
    table_end(out)?;

    let restarts: Vec<(&ContainerHistory, &RestartRecord)> =
        report.containers.iter().flat_map(|c| c.restarts.iter().map(move |r| (c, r))).collect();
    if !restarts.is_empty() {
        writeln!(out, "<h3>Restart history</h3>")?;
        table_head(out, "restarts", &["ended", "container", "exit", "attributed to", "why", "evidence"])?;
        for (c, r) in restarts {
            let subject = Subject::Container {
                namespace: c.namespace.clone(),
                pod: c.pod.clone(),
                container: c.container.clone(),
            };
            let ended = if r.approximate {
                format!("{}<br><span class=\"muted\">approx., last log line</span>", escape(&clock.time(r.ended_at)))
            } else {
                escape(&clock.time(r.ended_at)).into_owned()
            };
            let a = &r.attribution;
            let evidence: Vec<String> = a.evidence.iter().map(|e| compact_citation(e, clock, root)).collect();
            let evidence = if evidence.is_empty() {
                compact_origin_code(&r.origin, root)
            } else {
                format!("<ul class=\"chain\"><li>{}</li></ul>", evidence.join("</li><li>"))
            };
            writeln!(
                out,
                "<tr data-cause=\"{}\"><td class=\"time\">{ended}</td><td><code title=\"{}\">{}</code></td>\
                 <td>{}</td><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td><td>{}</td>\
                 <td>{evidence}</td></tr>",
                cause_key(a.cause),
                escape(&c.label()),
                escape(&subject_short(&subject)),
                escape(&exit_text(r)),
                cause_colour(a.cause),
                escape(&fmt_attribution(a.cause, Some(a.confidence))),
                escape(&crate::report::words::attribution::summary(&a.summary))
            )?;
        }
        table_end(out)?;
    }
    writeln!(out, "</section>")
}

fn members(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section id=\"members\">\n<h2>etcd members</h2>")?;
    if report.members.is_empty() {
        writeln!(out, "<p>No etcd evidence: without it a storage cause cannot be shown.</p>\n</section>")?;
        return Ok(());
    }
    writeln!(out, "<p class=\"muted\">Latencies are over the operations etcd logged as slow.</p>")?;
    table_head(
        out,
        "member-latency",
        &["member", "leader in terms", "slow WAL sync", "slow apply", "slow backend", "heartbeat late"],
    )?;
    for m in &report.members {
        let terms: Vec<String> = m.leader_terms.iter().map(u64::to_string).collect();
        let terms = if terms.is_empty() { "-".to_owned() } else { terms.join(", ") };
        let stats = [&m.slow_wal_sync, &m.slow_apply, &m.slow_backend, &m.heartbeat_late].map(fmt_stats);
        write!(out, "<tr data-member=\"{}\"><td><b>{}</b>", escape(&m.member), escape(&m.member))?;
        if let Some(id) = &m.member_id {
            write!(out, "<br><code>{}</code>", escape(id))?;
        }
        write!(out, "</td><td>{}</td>", escape(&terms))?;
        for s in stats {
            write!(out, "<td>{}</td>", escape(&s))?;
        }
        writeln!(out, "</tr>")?;
    }
    table_end(out)?;
    table_head(out, "member-counts", &[["member"].as_slice(), &MEMBER_COUNT_COLUMNS].concat())?;
    for m in &report.members {
        let counts = member_counts(m);
        write!(out, "<tr data-member=\"{}\"><td><b>{}</b></td>", escape(&m.member), escape(&m.member))?;
        for n in counts {
            write!(out, "<td class=\"num\">{n}</td>")?;
        }
        writeln!(out, "</tr>")?;
    }
    table_end(out)?;
    writeln!(out, "<ul class=\"plain assessments\">")?;
    for m in &report.members {
        writeln!(
            out,
            "<li><b>{}</b>: {}</li>",
            escape(&m.member),
            escape(&crate::report::words::members::assessment(&m.assessment))
        )?;
    }
    writeln!(out, "</ul>\n</section>")
}

fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Disk => "disk",
        Severity::Restart => "restart",
        Severity::Error => "error",
    }
}

fn timeline(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
    writeln!(out, "<section id=\"timeline-table\">\n<h2>Timeline</h2>")?;
    let all = &report.timeline;
    if all.is_empty() {
        writeln!(out, "<p>Nothing dated in the window.</p>\n</section>")?;
        return Ok(());
    }
    let (rows, omitted) = select_timeline(all, opts.max_timeline_rows);
    table_head(out, "timeline", &["time", "subject", "what", "source"])?;
    for r in rows {
        writeln!(
            out,
            "<tr class=\"sev-{}\"><td class=\"time\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            severity_key(r.severity),
            escape(&clock.span(r.from, r.to)),
            escape(&subject_label(&r.subject)),
            escape(&crate::report::words::timeline::summary(r)),
            escape(&fmt_origin_range(
                &relative_origin(&r.first, opts.root.as_deref()),
                r.last.as_ref().map(|o| relative_origin(o, opts.root.as_deref())).as_ref()
            ))
        )?;
    }
    table_end(out)?;
    if omitted > 0 {
        writeln!(out, "<p class=\"muted\">{}</p>", escape(&omitted_note(omitted, all.len())))?;
    }
    writeln!(out, "</section>")
}

fn recommendations(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let recs = &report.recommendations;
    if recs.is_empty() {
        return Ok(());
    }
    writeln!(out, "<section id=\"recommendations\">\n<h2>Recommendations</h2>")?;
    table_head(out, "recommendations", &["", "what", "why / how"])?;
    let ordered =
        recs.iter().filter(|r| r.kind == AdviceKind::Do).chain(recs.iter().filter(|r| r.kind == AdviceKind::Avoid));
    for r in ordered {
        let (class, tag) = match r.kind {
            AdviceKind::Do => ("do", "Do"),
            AdviceKind::Avoid => ("avoid", "Avoid"),
        };
        writeln!(
            out,
            "<tr><td class=\"{class}\">{tag}</td><td>{}</td><td>{}</td></tr>",
            escape(crate::report::words::advice::title(r).trim_end_matches('.')),
            escape(&crate::report::words::advice::detail(r))
        )?;
    }
    table_end(out)?;
    writeln!(out, "</section>")
}

fn gaps(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section id=\"gaps\">\n<h2>Gaps and assumptions</h2>")?;
    if report.gaps.is_empty() {
        writeln!(out, "<p>No gaps: every source that was asked for could be read.</p>")?;
    } else {
        table_head(out, "gaps", &["what is missing", "why", "impact", "remedy"])?;
        for g in &report.gaps {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&crate::report::words::gaps::what(g)),
                escape(&crate::report::words::gaps::why(g)),
                escape(crate::report::words::gaps::impact(g)),
                escape(&crate::report::words::gaps::remedy(g))
            )?;
        }
        table_end(out)?;
    }
    writeln!(out, "<ul class=\"plain\">")?;
    for a in &report.assumptions {
        writeln!(out, "<li><b>Assumed:</b> {}</li>", escape(&crate::report::words::verdict::assumption(a)))?;
    }
    writeln!(out, "<li><b>Thresholds in force:</b> {}</li>", escape(&fmt_thresholds(&report.thresholds)))?;
    writeln!(out, "</ul>\n</section>")
}

fn inputs(report: &Report, out: &mut dyn Write, opts: &RenderOpts) -> io::Result<()> {
    writeln!(out, "<section id=\"inputs\">\n<h2>Inputs</h2>")?;
    for c in &report.collections {
        writeln!(out, "<p><b>Collected:</b> {}</p>", escape(&describe_collection(c, opts.tz)))?;
    }
    if report.inputs.is_empty() {
        writeln!(out, "<p>None.</p>\n</section>")?;
        return Ok(());
    }
    table_head(out, "inputs", &["file", "format", "lines>", "matched>", "malformed>", "outside window>"])?;
    for i in &report.inputs {
        let mut malformed = i.malformed.to_string();
        if !i.malformed_lines.is_empty() {
            let lines: Vec<String> = i.malformed_lines.iter().map(u64::to_string).collect();
            let more = if i.malformed > i.malformed_lines.len() as u64 { ", ..." } else { "" };
            malformed.push_str(&format!(" (lines {}{more})", lines.join(", ")));
        }
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(relative(&i.source, opts.root.as_deref())),
            escape(&crate::report::words::inputs::format(&i.format)),
            i.lines,
            i.matched,
            escape(&malformed),
            i.outside_window
        )?;
    }
    table_end(out)?;
    writeln!(out, "</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::format::sample_report;

    fn render_to_string(report: &Report, opts: &RenderOpts) -> String {
        crate::report::render_to_string(render, report, opts)
    }

    #[test]
    fn ticks_stay_few_whatever_the_span() {
        // From a minute to 8,000 years (a 1970 or 9999 timestamp that got past the outlier check).
        for span in [60, 3600, 86_400, 40 * 86_400, 400 * 86_400, 8_000 * 365 * 86_400, i64::MAX / 2] {
            let step = tick_step_secs(span);
            assert!(step > 0 && span / step <= MAX_TICKS, "span {span}s: step {step}s gives {} ticks", span / step);
        }
        let start = chrono::DateTime::from_timestamp(1, 0).unwrap();
        let end = chrono::DateTime::from_timestamp(253_402_300_799, 0).unwrap(); // 9999-12-31T23:59:59Z
        let (_, ticks) = ticks(start, end, chrono_tz::UTC);
        assert!(ticks.len() as i64 <= MAX_TICKS + 1, "{} ticks", ticks.len());
    }

    fn berlin() -> RenderOpts {
        RenderOpts { color: true, tz: chrono_tz::Europe::Berlin, ..RenderOpts::default() }
    }

    fn utc(h: u32, m: u32, s: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).single().expect("a valid time")
    }

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(escape("plain text"), "plain text");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("colour \x1b[31mred\x1b[0m\ttab"), "colour \u{FFFD}[31mred\u{FFFD}[0m\ttab");
    }

    #[test]
    fn evidence_text_cannot_inject_markup() {
        let mut report = sample_report();
        report.members[0].member = "etcd\"><script>alert(1)</script>".into();
        report.verdict.reasoning.push(crate::model::VerdictReason::GapsLowerConfidence {
            missing: vec![crate::evidence::GapReason::Recorded {
                what: "</p><img src=x onerror=alert(1)>".into(),
                why: String::new(),
            }],
        });
        report.containers[0].container = "c'<b>".into();
        report.inputs[0].source = "logs/<odd>&name.log".into();
        let html = render_to_string(&report, &berlin());
        assert!(!html.contains("<script"), "script tag leaked");
        assert!(!html.contains("<img"), "img tag leaked");
        assert!(!html.contains("c'<b>"));
        assert!(html.contains("etcd&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("logs/&lt;odd&gt;&amp;name.log"));
    }

    #[test]
    fn sample_report_chart_has_every_element() {
        let report = sample_report();
        let html = render_to_string(&report, &berlin());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert_eq!(html.matches("<svg id=\"timeline\"").count(), 1);
        assert_eq!(html.matches("<g class=\"member\" ").count(), report.members.len());
        let with_series = report.members.iter().filter(|m| !m.latency_series.is_empty()).count();
        assert_eq!(html.matches("<path class=\"latency\" ").count(), with_series);
        assert_eq!(html.matches("<line class=\"guide\" data-ms=\"10\" ").count(), report.members.len());
        assert_eq!(html.matches("<line class=\"guide\" data-ms=\"100\" ").count(), report.members.len());
        let placed: usize = report.containers.iter().map(|c| c.restarts.len()).sum();
        assert_eq!(html.matches("<circle class=\"restart\" ").count(), placed);
        assert!(html.contains("data-cause=\"storage_latency\""));
        // Times are in the display zone: 13:00 UTC is 14:00 in Berlin.
        assert!(html.contains(">14:"), "Berlin tick labels expected");
        assert!(html.contains(&*escape(&crate::report::words::verdict::verdict_headline(&report.verdict))));
    }

    #[test]
    fn a_member_with_metrics_is_drawn_from_them_and_the_others_from_logs() {
        let report = sample_report();
        let html = render_to_string(&report, &berlin());
        let with_metrics = &report.members[0];
        let disk = with_metrics.disk_metric.as_ref().expect("the sample's etcd-cp1 has a WAL fsync series");
        let band = |member: &str| {
            let start = html.find(&format!("<g class=\"member\" data-member=\"{member}\">")).expect("a band");
            &html[start..start + html[start..].find("</g>").expect("the band closes")]
        };
        let cp1 = band(&with_metrics.member);
        assert!(cp1.contains(&format!("data-basis=\"metrics\" data-points=\"{}\"", disk.points.len())), "{cp1}");
        assert!(cp1.contains("WAL fsync p99 max 980ms"), "{cp1}");
        // A healthy step (4 ms, under the 10 ms guidance) is drawn too: metrics show the quiet minutes logs cannot.
        assert!(cp1.contains("WAL fsync p99 4ms at 14:00:00"), "{cp1}");
        for other in &report.members[1..] {
            let b = band(&other.member);
            assert!(b.contains(&format!("data-basis=\"logs\" data-points=\"{}\"", other.latency_series.len())), "{b}");
        }
        assert!(html.contains("p99 by metrics or else the slowest logged operation"));
        // Both kinds of line are in the legend: cp1 is drawn from metrics, cp2 and cp3 from logs.
        assert!(html.contains("disk histogram p99 by metrics, per query step</li>"));
        assert!(html.contains("slowest logged etcd operation per minute</li>"));
    }

    #[test]
    fn log_scale_spans_whole_decades_and_keeps_the_guides() {
        let s = LogScale::covering([3000.0, 250.0].into_iter());
        assert_eq!((s.lo_ms, s.hi_ms), (1.0, 10_000.0));
        let s = LogScale::covering(std::iter::empty());
        assert_eq!((s.lo_ms, s.hi_ms), (1.0, 1000.0));
        let s = LogScale::covering([0.05, f64::NAN, -1.0].into_iter());
        assert_eq!((s.lo_ms, s.hi_ms), (0.01, 1000.0));
        // 10 ms sits a third of the way up 1 ms..1 s; out-of-range values clamp to the band.
        let s = LogScale { lo_ms: 1.0, hi_ms: 1000.0 };
        assert!((s.y(10.0, 0.0, 90.0) - 60.0).abs() < 1e-9);
        assert_eq!(s.y(1e6, 0.0, 90.0), 0.0);
        assert_eq!(s.y(0.0, 0.0, 90.0), 90.0);
    }

    #[test]
    fn ticks_land_on_round_local_times() {
        // 4 minutes: one tick per 30 s, on whole half-minutes.
        let (step, t) = ticks(utc(2, 18, 36), utc(2, 22, 37), chrono_tz::UTC);
        assert_eq!(step, 30);
        assert_eq!(t.first().copied(), Some(utc(2, 19, 0)));
        assert!(t.iter().all(|t| t.timestamp() % 30 == 0));
        // 2 hours in Kolkata (UTC+05:30): quarter hours of local time, i.e. :00/:15/:30/:45 there.
        let (step, t) = ticks(utc(12, 31, 0), utc(14, 30, 0), chrono_tz::Asia::Kolkata);
        assert_eq!(step, 900);
        assert_eq!(t.first().copied(), Some(utc(12, 45, 0)));
        assert_eq!(
            t.first().map(|t| t.with_timezone(&chrono_tz::Asia::Kolkata).format("%H:%M").to_string()).as_deref(),
            Some("18:15")
        );
        // 3 days: local midnights in Berlin.
        let (step, t) = ticks(utc(10, 0, 0), utc(10, 0, 0) + Duration::days(9), chrono_tz::Europe::Berlin);
        assert_eq!(step, 86400);
        assert!(t.iter().all(|t| t.with_timezone(&chrono_tz::Europe::Berlin).format("%H:%M").to_string() == "00:00"));
    }

    #[test]
    fn long_labels_and_paths_are_shortened_but_kept_on_hover() {
        assert_eq!(truncate_middle("karmada-controller-manager-wjxflxbg5q-9xqkt", 20), "karmada-c…bg5q-9xqkt");
        assert_eq!(truncate_middle("short", 20), "short");
        let o = Origin::new(
            "x/var/log/pods/kube-system_etcd-node1_1a05deda-4e5a-4b05-aba0-f0e4e9b455b5/etcd/0.log",
            Some(67),
        );
        assert_eq!(
            compact_origin_code(&o, None),
            "<code title=\"x/var/log/pods/kube-system_etcd-node1_1a05deda-4e5a-4b05-aba0-f0e4e9b455b5/etcd/0.log:67\">\
             .../kube-system_etcd-node1_*/etcd/0.log:67</code>"
        );
        assert_eq!(compact_origin_code(&Origin::new("logs/etcd.log", Some(3)), None), "<code>logs/etcd.log:3</code>");
        // Relative to the analysed folder, the full path on hover.
        assert_eq!(
            compact_origin_code(&Origin::new("/srv/incident/logs/etcd.log", Some(3)), Some("/srv/incident/")),
            "<code title=\"/srv/incident/logs/etcd.log:3\">logs/etcd.log:3</code>"
        );
    }

    #[test]
    fn leader_changes_get_a_lane_per_kind() {
        let report = sample_report();
        let html = render_to_string(&report, &berlin());
        let rows: usize = report.members.iter().map(|m| leader_rows(&report, &m.member).len()).sum();
        assert!(rows > 0, "the sample report has elections");
        assert_eq!(html.matches("<path class=\"leader-change\" ").count(), rows);
    }

    #[test]
    fn empty_report_renders_without_a_chart() {
        let mut report = sample_report();
        report.members.clear();
        report.containers.clear();
        report.timeline.clear();
        report.verdict.evidence.clear();
        report.window.from = None;
        report.window.to = None;
        let html = render_to_string(&report, &berlin());
        assert!(!html.contains("<svg id=\"timeline\""));
        assert!(html.contains("Nothing dated to draw."));
        assert!(html.trim_end().ends_with("</html>"));
    }
}
