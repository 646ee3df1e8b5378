//! Ticket-ready Markdown (GitHub-flavoured): the summary the terminal prints first (verdicts, strongest facts,
//! one line per member and restarted container, key timeline rows, top recommendations, gaps), then the verdicts'
//! reasoning, every cited record once in a numbered list (everything else refers to it by number), the member
//! and container tables, and the per-restart histories, full timeline and inputs folded in `<details>` blocks
//! (GitHub, GitLab and Jira render them). No colour.
//!
//! Pure: writes into any `io::Write`. Text taken from the evidence (log excerpts, paths, messages) is escaped so
//! it cannot break tables or turn into markup; `|` is escaped in every table cell.

use std::io::{self, Write};

use super::RenderOpts;
use super::format::{
    Clock, MEMBER_COUNT_COLUMNS, RESTART_EVIDENCE_COMMANDS, describe_collection, disk_metric_name, fmt_attribution,
    fmt_stats, fmt_thresholds, fmt_time, fmt_verdict_tag, fmt_window, member_counts, member_storage_line, node_facts,
    nodes_omitted_note, omitted_note, select_timeline, spark_caption, sparkline, storage_headline,
    storage_settle_words, storage_tag, subject_short,
};
use super::summary::{key_timeline, relative, relative_origin, relative_range, strongest_facts, top_recommendations};
use crate::evidence::{Origin, Subject};
use crate::model::{
    AdviceKind, Citation, ContainerHistory, HeadlineKind, Report, RestartRecord, StorageVerdict, TimelineRow,
};

/// Writes the Markdown report.
pub fn render(report: &Report, out: &mut dyn Write, opts: &RenderOpts) -> io::Result<()> {
    let clock = Clock::for_report(report, opts.tz);
    let cites = Cites::new(report, opts.root.as_deref());
    let md = Md { report, opts, clock: &clock, cites: &cites };
    header(report, out, opts, &clock)?;
    md.summary(out)?;
    if report.headline.kind == HeadlineKind::Storage {
        md.storage(out)?;
        md.verdict(out)?;
    } else {
        md.verdict(out)?;
        md.storage(out)?;
    }
    md.evidence(out)?;
    members(report, out, &clock)?;
    nodes(report, out)?;
    md.containers(out)?;
    md.timeline(out)?;
    recommendations(report, out)?;
    gaps(report, out)?;
    md.inputs(out)
}

/// Every record the report cites, numbered once in time order: the list under "Evidence cited" prints each with
/// its origin, everything else refers to it as `[n]`.
struct Cites<'a> {
    /// Distinct origins, in the order they are numbered (1-based), with the citation first seen for each.
    list: Vec<(&'a Origin, &'a Citation)>,
    root: Option<&'a str>,
}

impl<'a> Cites<'a> {
    fn new(report: &'a Report, root: Option<&'a str>) -> Self {
        let restarts = report.containers.iter().flat_map(|c| c.restarts.iter().flat_map(|r| &r.attribution.evidence));
        let mut all: Vec<&Citation> =
            report.verdict.evidence.iter().chain(&report.storage.evidence).chain(restarts).collect();
        all.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.origin.cmp(&b.origin)));
        let mut list: Vec<(&Origin, &Citation)> = Vec::new();
        for c in all {
            if !list.iter().any(|(o, _)| **o == c.origin) {
                list.push((&c.origin, c));
            }
        }
        Cites { list, root }
    }

    /// `[n]` for a cited origin.
    fn number(&self, origin: &Origin) -> Option<usize> {
        self.list.iter().position(|(o, _)| *o == origin).map(|i| i + 1)
    }

    /// `[n]`, or the origin itself as code when nothing cites it.
    fn refer(&self, origin: &Origin) -> String {
        match self.number(origin) {
            Some(n) => format!("[{n}]"),
            None => code(&relative_origin(origin, self.root).to_string()),
        }
    }

    /// `[2], [5], [7]` for a list of citations.
    fn refs(&self, cites: &[Citation]) -> String {
        cites.iter().map(|c| self.refer(&c.origin)).collect::<Vec<_>>().join(", ")
    }
}

struct Md<'a> {
    report: &'a Report,
    opts: &'a RenderOpts,
    clock: &'a Clock,
    cites: &'a Cites<'a>,
}

impl Md<'_> {
    /// The one-screen summary, as the terminal prints it by default.
    fn summary(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.report;
        writeln!(out, "## Summary\n")?;
        let verdict = format!(
            "**Verdict: {}.** {}",
            text(&fmt_verdict_tag(&r.verdict)),
            text(&crate::report::words::verdict::headline(&r.verdict.headline))
        );
        let storage =
            format!("**Storage: {}.** {}", text(&storage_tag(&r.storage)), text(&storage_headline(&r.storage)));
        if r.headline.kind == HeadlineKind::Storage {
            writeln!(out, "{storage}\n\n{verdict}\n")?;
        } else {
            writeln!(out, "{verdict}\n\n{storage}\n")?;
        }
        let facts = strongest_facts(r);
        if !facts.is_empty() {
            writeln!(out, "Strongest evidence:\n")?;
            for c in facts {
                let time = c.at.map(|t| format!("{} ", self.clock.time(t))).unwrap_or_default();
                writeln!(
                    out,
                    "- {time}{} {}",
                    text(&crate::report::words::claims::claim(&c.claim)),
                    self.cites.refer(&c.origin)
                )?;
            }
            writeln!(out)?;
        }
        if !r.storage.members.is_empty() {
            writeln!(out, "etcd members:\n")?;
            for m in &r.storage.members {
                writeln!(out, "- {}", text(&member_storage_line(m)))?;
            }
            writeln!(out)?;
        }
        if !r.containers.is_empty() {
            writeln!(out, "Restarted containers:\n")?;
            for c in &r.containers {
                let mut facts = vec![match c.restart_count {
                    Some(n) => format!("restartCount {n}"),
                    None => format!("{} restarts seen", c.restarts.len()),
                }];
                if let Some(cause) = c.cause {
                    facts.push(format!("mostly {}", fmt_attribution(cause, c.confidence)));
                }
                facts.push(text(&crate::report::words::containers::state(&c.state)));
                if let Some(node) = &c.node {
                    facts.push(format!("node {}", text(node)));
                }
                writeln!(out, "- {}: {}", code(&c.label()), facts.join(" · "))?;
            }
            writeln!(out)?;
        }
        let rows = key_timeline(r, self.opts.max_timeline_rows);
        if !rows.is_empty() {
            writeln!(out, "Key timeline rows ({} of {}):\n", rows.len(), r.timeline.len())?;
            self.timeline_table(out, &rows, false)?;
        }
        let top = top_recommendations(r);
        if !top.is_empty() {
            writeln!(out, "Top recommendations:\n")?;
            for rec in top {
                let tag = match rec.kind {
                    AdviceKind::Do => "Do",
                    AdviceKind::Avoid => "⚠ Avoid",
                };
                writeln!(out, "- **{tag}:** {}", text(crate::report::words::advice::title(rec).trim_end_matches('.')))?;
            }
            writeln!(out)?;
        }
        let assumed = match r.assumptions.len() {
            0 => String::new(),
            n => format!("; {n} assumption(s), see below"),
        };
        if r.gaps.is_empty() {
            writeln!(out, "Gaps: none, every source that was asked for could be read{assumed}.\n")
        } else {
            let what: Vec<String> = r.gaps.iter().map(|g| text(&crate::report::words::gaps::what(g))).collect();
            writeln!(out, "Gaps ({}): {}{assumed}.\n", r.gaps.len(), what.join("; "))
        }
    }

    /// The timeline rows as a table; with `sources`, each citing its records (by number when the evidence list has
    /// them). The summary's rows leave their sources to the full timeline, so that no source is printed twice.
    fn timeline_table(&self, out: &mut dyn Write, rows: &[&TimelineRow], sources: bool) -> io::Result<()> {
        if sources {
            table_head(out, &["time", "subject", "what", "source"])?;
        } else {
            table_head(out, &["time", "subject", "what"])?;
        }
        for r in rows {
            let what = text(&crate::report::words::timeline::summary(r));
            let mut row = vec![self.clock.span(r.from, r.to), text(&subject_short(&r.subject)), what];
            if sources {
                let single = r.last.as_ref().is_none_or(|l| *l == r.first);
                row.push(match self.cites.number(&r.first) {
                    Some(n) if single => format!("[{n}]"),
                    _ => code(&relative_range(&r.first, r.last.as_ref(), self.opts.root.as_deref())),
                });
            }
            writeln!(out, "{}", table_row(&row))?;
        }
        writeln!(out)
    }

    fn verdict(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = &self.report.verdict;
        writeln!(out, "## Verdict: {}\n", text(&fmt_verdict_tag(v)))?;
        writeln!(out, "**{}**\n", text(&crate::report::words::verdict::headline(&v.headline)))?;
        if !v.reasoning.is_empty() {
            writeln!(out, "{}\n", text(&crate::report::words::verdict::reasoning(v)))?;
        }
        if !v.evidence.is_empty() {
            writeln!(out, "Evidence: {}.\n", self.cites.refs(&v.evidence))?;
        }
        if !v.alternatives.is_empty() {
            writeln!(out, "Alternatives considered:\n")?;
            for a in &v.alternatives {
                writeln!(
                    out,
                    "- **{}**: {}",
                    text(crate::report::words::cause(a.cause)),
                    text(&crate::report::words::verdict::why_not(&a.why_not))
                )?;
            }
            writeln!(out)?;
        }
        if !v.to_settle.is_empty() {
            writeln!(out, "To settle:\n")?;
            for s in &v.to_settle {
                writeln!(out, "- {}", text(&crate::report::words::verdict::settle(s)))?;
            }
            writeln!(out)?;
        }
        Ok(())
    }

    fn storage(&self, out: &mut dyn Write) -> io::Result<()> {
        let report = self.report;
        let s = &report.storage;
        writeln!(out, "## Storage: {}\n", text(&storage_tag(s)))?;
        writeln!(out, "**{}**\n", text(&storage_headline(s)))?;
        if s.cpu_or_pause_suspected {
            writeln!(
                out,
                "A member's raft loop stalled with no slow fdatasync on it: CPU starvation or a paused process is in play too.\n"
            )?;
        }
        if !s.evidence.is_empty() {
            writeln!(out, "Evidence: {}.\n", self.cites.refs(&s.evidence))?;
        }
        if !s.to_settle.is_empty() && s.verdict != StorageVerdict::TooSlow {
            writeln!(out, "To settle:\n")?;
            for t in &s.to_settle {
                writeln!(out, "- {}", text(storage_settle_words(*t)))?;
            }
            writeln!(out)?;
        }
        if report.headline.kind == HeadlineKind::Storage && s.verdict >= StorageVerdict::Degraded {
            writeln!(out, "No restart in the evidence; if pods restarted, add their history:\n\n```sh")?;
            for c in RESTART_EVIDENCE_COMMANDS {
                writeln!(out, "{c}")?;
            }
            writeln!(out, "```\n")?;
        }
        Ok(())
    }

    /// Every cited record once, numbered, oldest first.
    fn evidence(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.cites.list.is_empty() {
            return Ok(());
        }
        writeln!(out, "## Evidence cited\n")?;
        for (i, (origin, c)) in self.cites.list.iter().enumerate() {
            let time = c.at.map(|t| format!("{} ", self.clock.time(t))).unwrap_or_default();
            let origin = relative_origin(origin, self.opts.root.as_deref());
            writeln!(
                out,
                "- **[{}]** {time}{} ({})",
                i + 1,
                text(&crate::report::words::claims::claim(&c.claim)),
                code(&origin.to_string())
            )?;
        }
        writeln!(out)
    }

    fn containers(&self, out: &mut dyn Write) -> io::Result<()> {
        let (report, clock) = (self.report, self.clock);
        writeln!(out, "## Restarted containers\n")?;
        if report.containers.is_empty() {
            writeln!(out, "No container restarted or crash-looped in the window.\n")?;
            return Ok(());
        }
        table_head(
            out,
            &["container", "node", "restartCount>", "state", "placed>", "by count only>", "mostly", "events"],
        )?;
        for c in &report.containers {
            let events: Vec<String> = c
                .events
                .iter()
                .map(|e| {
                    let mut s = format!("{} x{} {}", text(&e.reason), e.count, clock.span(e.first_at, e.last_at));
                    if e.reason != "BackOff" && !e.message.is_empty() {
                        s.push_str(&format!(" ({})", text(&e.message)));
                    }
                    s
                })
                .collect();
            let row = [
                code(&c.label()),
                c.node.as_deref().map(text).unwrap_or_default(),
                c.restart_count.map(|n| n.to_string()).unwrap_or_else(|| "unknown".to_owned()),
                text(&crate::report::words::containers::state(&c.state)),
                c.restarts.len().to_string(),
                c.unplaced_restarts.to_string(),
                c.cause.map(|cause| fmt_attribution(cause, c.confidence)).unwrap_or_default(),
                events.join("; "),
            ];
            writeln!(out, "{}", table_row(&row))?;
        }
        writeln!(out)?;
        let restarts: Vec<(&ContainerHistory, &RestartRecord)> =
            report.containers.iter().flat_map(|c| c.restarts.iter().map(move |r| (c, r))).collect();
        if restarts.is_empty() {
            return Ok(());
        }
        writeln!(out, "<details>\n<summary>Restart histories ({} placed restarts)</summary>\n", restarts.len())?;
        table_head(out, &["container", "ended", "exit", "attributed to", "why", "known from", "evidence"])?;
        for (c, r) in restarts {
            let subject = Subject::Container {
                namespace: c.namespace.clone(),
                pod: c.pod.clone(),
                container: c.container.clone(),
            };
            let ended = if r.approximate {
                format!("{} (approx., last log line)", clock.time(r.ended_at))
            } else {
                clock.time(r.ended_at)
            };
            let exit = match (r.exit_code, &r.reason) {
                (Some(code), Some(reason)) => format!("{code} {}", text(reason)),
                (Some(code), None) => code.to_string(),
                (None, Some(reason)) => text(reason),
                (None, None) => "unknown".to_owned(),
            };
            let a = &r.attribution;
            let row = [
                code(&subject_short(&subject)),
                ended,
                exit,
                fmt_attribution(a.cause, Some(a.confidence)),
                text(&crate::report::words::attribution::summary(&a.summary)),
                self.cites.refer(&r.origin),
                self.cites.refs(&a.evidence),
            ];
            writeln!(out, "{}", table_row(&row))?;
        }
        writeln!(out, "\n</details>\n")
    }

    fn timeline(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "## Timeline\n")?;
        let all = &self.report.timeline;
        if all.is_empty() {
            writeln!(out, "Nothing dated in the window.\n")?;
            return Ok(());
        }
        let (rows, omitted) = select_timeline(all, self.opts.max_timeline_rows);
        let shown =
            if omitted > 0 { format!("{} of {} rows", rows.len(), all.len()) } else { format!("{} rows", all.len()) };
        writeln!(out, "<details>\n<summary>Full timeline ({shown})</summary>\n")?;
        self.timeline_table(out, &rows, true)?;
        if omitted > 0 {
            writeln!(out, "_{}_\n", omitted_note(omitted, all.len()))?;
        }
        writeln!(out, "</details>\n")
    }

    fn inputs(&self, out: &mut dyn Write) -> io::Result<()> {
        let (report, opts) = (self.report, self.opts);
        writeln!(out, "## Inputs\n")?;
        for c in &report.collections {
            writeln!(out, "- **Collected:** {}\n", text(&describe_collection(c, opts.tz)))?;
        }
        if report.inputs.is_empty() {
            return writeln!(out, "None.");
        }
        writeln!(out, "<details>\n<summary>{} inputs</summary>\n", report.inputs.len())?;
        table_head(out, &["file", "format", "lines>", "matched>", "malformed>", "outside window>"])?;
        for i in &report.inputs {
            let mut malformed = i.malformed.to_string();
            if !i.malformed_lines.is_empty() {
                let lines: Vec<String> = i.malformed_lines.iter().map(u64::to_string).collect();
                let more = if i.malformed > i.malformed_lines.len() as u64 { ", ..." } else { "" };
                malformed.push_str(&format!(" (lines {}{more})", lines.join(", ")));
            }
            let row = [
                code(relative(&i.source, opts.root.as_deref())),
                text(&crate::report::words::inputs::format(&i.format)),
                i.lines.to_string(),
                i.matched.to_string(),
                malformed,
                i.outside_window.to_string(),
            ];
            writeln!(out, "{}", table_row(&row))?;
        }
        writeln!(out, "\n</details>")
    }
}

/// Escapes Markdown inline syntax in evidence text and folds line breaks, so a log excerpt stays literal text.
/// `|` is left alone here and escaped by [`table_row`], where it matters.
pub fn text(s: &str) -> String {
    let mut escaped = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '~' => {
                escaped.push('\\');
                escaped.push(ch);
            }
            '\r' | '\n' => escaped.push(' '),
            _ => escaped.push(ch),
        }
    }
    escaped
}

/// A code span that survives backticks in its content (the fence is longer than any backtick run inside).
pub fn code(s: &str) -> String {
    let flat = s.replace(['\r', '\n'], " ");
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || flat.starts_with(' ') || flat.ends_with(' ') {
        format!("{fence} {flat} {fence}")
    } else {
        format!("{fence}{flat}{fence}")
    }
}

/// One table row; `|` inside cells (including code spans, as GFM tables require) becomes `\|`.
pub fn table_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| escape_pipes(c)).collect();
    format!("| {} |", cells.join(" | "))
}

/// Escapes every `|` that is not already escaped.
fn escape_pipes(cell: &str) -> String {
    let mut escaped = String::with_capacity(cell.len());
    let mut backslashes = 0;
    for ch in cell.chars() {
        if ch == '|' && backslashes % 2 == 0 {
            escaped.push('\\');
        }
        backslashes = if ch == '\\' { backslashes + 1 } else { 0 };
        escaped.push(ch);
    }
    escaped
}

/// A header row and its delimiter; columns named with a trailing `>` are right-aligned (numbers).
fn table_head(out: &mut dyn Write, columns: &[&str]) -> io::Result<()> {
    let names: Vec<String> = columns.iter().map(|c| c.trim_end_matches('>').to_owned()).collect();
    let rule: Vec<&str> = columns.iter().map(|c| if c.ends_with('>') { "--:" } else { "---" }).collect();
    writeln!(out, "{}", table_row(&names))?;
    writeln!(out, "|{}|", rule.join("|"))
}

fn header(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
    writeln!(out, "# etcd-triage report\n")?;
    let window = fmt_window(&report.window, opts.tz);
    let excluded = match report.window.excluded {
        0 => String::new(),
        n => format!("; {n} records outside it not used"),
    };
    let relative_to = match opts.root.as_deref() {
        Some(root) => format!(" Paths are relative to {}.", code(&format!("{}/", root.trim_end_matches('/')))),
        None => String::new(),
    };
    writeln!(
        out,
        "Generated {} by etcd-triage {}. Times in {}.\n\nWindow: {window} ({}{excluded}).{relative_to}\n",
        fmt_time(report.generated_at, opts.tz),
        text(report.tool_version),
        clock.zone_label(report),
        text(&crate::report::words::verdict::window_basis(&report.window.basis)),
    )
}

fn members(report: &Report, out: &mut dyn Write, clock: &Clock) -> io::Result<()> {
    writeln!(out, "## etcd members\n")?;
    if report.members.is_empty() {
        writeln!(out, "No etcd evidence: without it a storage cause cannot be shown.\n")?;
        return Ok(());
    }
    writeln!(out, "Latencies are over the operations etcd logged as slow.\n")?;
    table_head(out, &["member", "leader in terms", "slow WAL sync", "slow apply", "slow backend", "heartbeat late"])?;
    for m in &report.members {
        let terms: Vec<String> = m.leader_terms.iter().map(u64::to_string).collect();
        let stats = [&m.slow_wal_sync, &m.slow_apply, &m.slow_backend, &m.heartbeat_late].map(fmt_stats);
        let terms = if terms.is_empty() { "-".to_owned() } else { terms.join(", ") };
        let mut row = vec![text(&m.member), terms];
        row.extend(stats);
        writeln!(out, "{}", table_row(&row))?;
    }
    writeln!(out)?;
    table_head(out, &[["member"].as_slice(), &MEMBER_COUNT_COLUMNS].concat())?;
    for m in &report.members {
        let counts = member_counts(m);
        let mut row = vec![text(&m.member)];
        row.extend(counts.iter().map(u64::to_string));
        writeln!(out, "{}", table_row(&row))?;
    }
    writeln!(out)?;
    for m in &report.members {
        let mut line = format!("- **{}**", text(&m.member));
        if let Some(id) = &m.member_id {
            line.push_str(&format!(" ({})", code(id)));
        }
        line.push_str(&format!(": {}", text(&crate::report::words::members::assessment(&m.assessment))));
        if let Some(d) = &m.disk_metric
            && let Some(caption) = spark_caption(&d.points, clock)
        {
            line.push_str(&format!(
                ". {} p{:.0} by metrics {} ({caption})",
                disk_metric_name(&d.metric),
                d.quantile * 100.0,
                code(&sparkline(&d.points))
            ));
        }
        if let Some(caption) = spark_caption(&m.latency_series, clock) {
            line.push_str(&format!(". Slow-operation latency {} ({caption})", code(&sparkline(&m.latency_series))));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out)
}

/// The relevant nodes as a table; nothing when the evidence has no node objects.
fn nodes(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.nodes.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Nodes\n")?;
    writeln!(out, "{}", table_row(&["node", "why listed", "abnormal conditions", "node info"].map(String::from)))?;
    writeln!(out, "{}", table_row(&["---", "---", "---", "---"].map(String::from)))?;
    for n in &report.nodes {
        let name =
            if n.roles.is_empty() { text(&n.name) } else { format!("{} ({})", text(&n.name), n.roles.join(",")) };
        let conditions = if n.conditions.is_empty() {
            "none".to_string()
        } else {
            text(&crate::report::words::nodes::conditions(n))
        };
        writeln!(
            out,
            "{}",
            table_row(&[name, text(&crate::report::words::nodes::why_listed(n)), conditions, text(&node_facts(n))])
        )?;
    }
    if let Some(note) = nodes_omitted_note(report.nodes_omitted) {
        writeln!(out, "\n{note}")?;
    }
    writeln!(out)
}

fn recommendations(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let recs = &report.recommendations;
    if recs.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Recommendations\n")?;
    let ordered =
        recs.iter().filter(|r| r.kind == AdviceKind::Do).chain(recs.iter().filter(|r| r.kind == AdviceKind::Avoid));
    for r in ordered {
        let tag = match r.kind {
            AdviceKind::Do => "Do",
            AdviceKind::Avoid => "⚠ Avoid",
        };
        let detail = crate::report::words::advice::detail(r);
        let detail = if detail.is_empty() { String::new() } else { format!(" {}", text(&detail)) };
        writeln!(out, "- **{tag}:** {}.{detail}", text(crate::report::words::advice::title(r).trim_end_matches('.')))?;
    }
    writeln!(out)
}

fn gaps(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Gaps and assumptions\n")?;
    if report.gaps.is_empty() {
        writeln!(out, "- No gaps: every source that was asked for could be read.")?;
    }
    for g in &report.gaps {
        write!(
            out,
            "- **Gap:** {}: {}. Impact: {}",
            text(&crate::report::words::gaps::what(g)),
            text(&crate::report::words::gaps::why(g)),
            text(crate::report::words::gaps::impact(g))
        )?;
        if g.remedy.is_some() {
            write!(out, ". To get it: {}", text(&crate::report::words::gaps::remedy(g)))?;
        }
        writeln!(out)?;
    }
    for a in &report.assumptions {
        writeln!(out, "- **Assumed:** {}", text(&crate::report::words::verdict::assumption(a)))?;
    }
    writeln!(out, "- **Thresholds in force:** {}", text(&fmt_thresholds(&report.thresholds)))?;
    writeln!(out)
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
    fn summary_first_details_folded_and_each_citation_once() {
        let report = sample_report();
        let md = render_to_string(&report, &berlin());
        assert!(!md.contains('\x1b'), "Markdown never carries colour, even with color on");
        let summary = md.find("## Summary").expect("a summary");
        assert!(summary < md.find("## Verdict").expect("a verdict section"));
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
        for c in report.verdict.evidence.iter().chain(&report.storage.evidence) {
            let cite = code(&c.origin.to_string());
            assert_eq!(md.matches(&cite).count(), 1, "{cite} in:\n{md}");
        }
    }

    #[test]
    fn pipes_are_escaped_in_cells_and_code_spans() {
        assert_eq!(table_row(&["a|b".into(), code("x|y"), text("c\\|d")]), r"| a\|b | `x\|y` | c\\\|d |");
        // Already escaped pipes are not escaped twice.
        assert_eq!(table_row(&[r"a\|b".into()]), r"| a\|b |");
    }

    #[test]
    fn pipes_in_evidence_do_not_add_table_columns() {
        let mut report = sample_report();
        report.members[0].member = "etcd|cp1".into();
        report.timeline[0].kind =
            crate::model::RowKind::Event { reason: "Unhealthy".into(), message: "slow | odd".into() };
        report.inputs[0].source = "logs/a|b.log".into();
        let md = render_to_string(&report, &berlin());
        let columns = |line: &str| line.match_indices('|').filter(|(i, _)| !line[..*i].ends_with('\\')).count();
        // Consecutive `|` lines form one table: every row must have as many cell borders as its header.
        let mut header: Option<usize> = None;
        for line in md.lines() {
            match (line.starts_with('|'), header) {
                (true, None) => header = Some(columns(line)),
                (true, Some(expected)) => {
                    assert_eq!(columns(line), expected, "extra columns in: {line}")
                }
                (false, _) => header = None,
            }
        }
        assert!(md.contains(r"etcd\|cp1"));
        assert!(md.contains(r"slow \| odd"));
        assert!(md.contains(r"`logs/a\|b.log`"));
    }

    #[test]
    fn markup_in_evidence_stays_literal() {
        assert_eq!(text("err <nil> *x* _y_ [z]"), r"err \<nil> \*x\* \_y\_ \[z\]");
        assert_eq!(text("two\nlines"), "two lines");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("plain"), "`plain`");
    }

    #[test]
    fn capped_timeline_has_a_note() {
        let report = sample_report();
        let opts = RenderOpts { max_timeline_rows: 3, ..berlin() };
        let md = render_to_string(&report, &opts);
        let n = report.timeline.len();
        assert!(md.contains(&format!("_{} of {n} rows omitted (least severe first); `-o json` has all._", n - 3)));
    }
}
