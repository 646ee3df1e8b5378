//! One self-contained HTML5 page for attaching to tickets: the summary the terminal prints first
//! (`section#summary`: verdicts, strongest facts, one item per member and restarted container, key timeline rows,
//! top recommendations, gaps), the verdict with cited evidence, a timeline chart ([`chart`])
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
    fmt_ms, fmt_span, fmt_stats, fmt_thresholds, fmt_time, fmt_verdict_tag, fmt_window, member_counts,
    member_storage_line, node_facts, nodes_omitted_note, omitted_note, select_timeline, short_origin, storage_headline,
    storage_members, storage_settle_words, storage_tag, subject_label, subject_short,
};
use super::summary::{key_timeline, relative, relative_origin, relative_range, strongest_facts, top_recommendations};
use crate::evidence::{Origin, SignalClass, Subject, Timestamp};
use crate::model::{
    AdviceKind, Cause, Citation, ContainerHistory, HeadlineKind, Link, MemberSignals, Outcome, Report, RestartRecord,
    Severity, StorageVerdict, TimelineRow,
};

mod chart;
pub use chart::cause_key;
use chart::*;

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
// Tables

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

/// Table header; columns named with a trailing `>` are numeric (right-aligned).
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
            escape(&relative_range(&r.first, r.last.as_ref(), opts.root.as_deref()))
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

    fn berlin() -> RenderOpts {
        RenderOpts { color: true, tz: chrono_tz::Europe::Berlin, ..RenderOpts::default() }
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
