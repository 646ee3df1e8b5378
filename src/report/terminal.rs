//! The human report for a terminal: verdict first, then restarted containers, etcd members, the timeline,
//! recommendations, gaps and inputs, laid out for a 100-column terminal.
//!
//! Pure: writes into any `io::Write`. Colour only when `RenderOpts::color` says so (decided once by the CLI);
//! never touches owo-colors' process-global override, so parallel renders cannot race.

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use super::RenderOpts;
use super::format::{
    Clock, RESTART_EVIDENCE_COMMANDS, describe_collection, disk_metric_name, fmt_attribution, fmt_ms, fmt_thresholds,
    fmt_time, fmt_verdict_tag, fmt_window, member_storage_line, member_storage_parts, node_facts, nodes_omitted_note,
    omitted_note, select_timeline, short_origin, spark_caption, sparkline, storage_headline, storage_members,
    storage_settle_words, storage_tag, subject_short, wrap,
};
use super::summary::{
    fit_parts, key_timeline, relative, relative_origin, relative_range, strongest_facts, top_recommendations, truncate,
    truncate_middle,
};
use crate::evidence::{Origin, Subject};
use crate::model::{
    AdviceKind, Cause, Citation, ContainerHistory, HeadlineKind, LatencyStats, MemberSignals, Outcome, Report,
    RestartRecord, Severity, StorageVerdict, TimelineRow,
};

/// Target line width; longer words (paths) may still overflow.
const WIDTH: usize = 100;
/// Width of the row labels in a member's block (`other causes`, `slowest logged`).
const LABEL: usize = 16;

/// Writes the terminal report: the one-screen summary, or everything with `opts.details` (`--details`).
pub fn render(report: &Report, out: &mut dyn Write, opts: &RenderOpts) -> io::Result<()> {
    let r = Renderer { report, clock: Clock::for_report(report, opts.tz), opts };
    if opts.details { r.full(out) } else { r.summary(out) }
}

impl Renderer<'_> {
    /// Every section (`--details`).
    fn full(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self;
        let report = self.report;
        r.header(out)?;
        if report.headline.kind == HeadlineKind::Storage {
            r.storage(out)?;
            r.verdict(out)?;
        } else {
            r.verdict(out)?;
            r.storage(out)?;
        }
        r.containers(out)?;
        r.members(out)?;
        r.nodes(out)?;
        r.timeline(out)?;
        r.recommendations(out)?;
        r.gaps(out)?;
        r.inputs(out)
    }
}

/// `s` in `style` when colour is `on`, unchanged otherwise. Styles are applied per call, never through
/// owo-colors' global override, so two renders with different settings can run at once.
fn paint(s: &str, style: Style, on: bool) -> String {
    if on && !style.is_plain() { s.style(style).to_string() } else { s.to_owned() }
}

fn plain() -> Style {
    Style::new()
}
fn heading() -> Style {
    Style::new().bold().underline()
}
fn bold() -> Style {
    Style::new().bold()
}
fn dim() -> Style {
    Style::new().dimmed()
}
fn red() -> Style {
    Style::new().red()
}
fn yellow() -> Style {
    Style::new().yellow()
}
fn cyan() -> Style {
    Style::new().cyan()
}
fn magenta() -> Style {
    Style::new().magenta()
}

/// Storage latency red, any other cause yellow.
fn cause_style(cause: Cause) -> Style {
    if cause == Cause::StorageLatency { red() } else { yellow() }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Info => dim(),
        Severity::Warning => yellow(),
        Severity::Disk => red(),
        Severity::Restart => magenta(),
        Severity::Error => red().bold(),
    }
}

struct Renderer<'a> {
    report: &'a Report,
    clock: Clock,
    opts: &'a RenderOpts,
}

impl Renderer<'_> {
    fn p(&self, s: &str, style: Style) -> String {
        paint(s, style, self.opts.color)
    }

    /// The analysed folder citations are relative to.
    fn root(&self) -> Option<&str> {
        self.opts.root.as_deref()
    }

    /// A citation for the terminal: relative to the analysed folder, pod UIDs shortened ([`short_origin`]).
    fn origin(&self, o: &Origin) -> String {
        short_origin(&relative_origin(o, self.root()))
    }

    /// A folded row's citation range ([`fmt_origin_range`]), relative to the analysed folder.
    fn origin_range(&self, first: &Origin, last: Option<&Origin>) -> String {
        relative_range(first, last, self.root())
    }

    fn section(&self, out: &mut dyn Write, title: &str) -> io::Result<()> {
        writeln!(out)?;
        writeln!(out, "{}", self.p(title, heading()))
    }

    /// Writes `body` wrapped to [`WIDTH`]: the first line after `lead` (already painted, `lead_width` visible
    /// characters), further lines indented by `indent`. A citation `tail` goes after the last line, two spaces
    /// apart and dimmed, or on its own indented line when it does not fit.
    #[allow(clippy::too_many_arguments)]
    fn wrapped(
        &self,
        out: &mut dyn Write,
        lead: &str,
        lead_width: usize,
        indent: usize,
        body: &str,
        style: Style,
        tail: Option<&str>,
    ) -> io::Result<()> {
        let first_width = WIDTH.saturating_sub(lead_width).max(20);
        let rest_width = WIDTH.saturating_sub(indent).max(20);
        let mut lines = Vec::new();
        if let Some((first, rest)) = wrap(body, first_width).split_first() {
            lines.push(first.clone());
            lines.extend(wrap(&rest.join(" "), rest_width));
        }
        let pad = " ".repeat(indent);
        let mut used = lead_width;
        write!(out, "{lead}")?;
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                write!(out, "\n{pad}")?;
                used = indent;
            }
            write!(out, "{}", self.p(line, style))?;
            used += line.chars().count();
        }
        if let Some(tail) = tail {
            let cite = format!("[{tail}]");
            if lines.is_empty() {
                write!(out, "{}", self.p(&cite, dim()))?;
            } else if used + 2 + cite.chars().count() <= WIDTH {
                write!(out, "  {}", self.p(&cite, dim()))?;
            } else {
                // Own line, under the body; shifted left when a long API path would overflow there.
                let cite_indent = indent.min(WIDTH.saturating_sub(cite.chars().count())).max(2);
                write!(out, "\n{}{}", " ".repeat(cite_indent), self.p(&cite, dim()))?;
            }
        }
        writeln!(out)
    }

    /// `    - 14:05:12  claim  [file:line]`, wrapped under the claim.
    fn citation(&self, out: &mut dyn Write, indent: usize, c: &Citation) -> io::Result<()> {
        let time = c.at.map(|t| self.clock.time(t)).unwrap_or_default();
        let gap = if time.is_empty() { "" } else { "  " };
        let lead = format!("{}- {}{gap}", " ".repeat(indent), self.p(&time, dim()));
        let lead_width = indent + 2 + time.chars().count() + gap.len();
        self.wrapped(
            out,
            &lead,
            lead_width,
            lead_width,
            &crate::report::words::claims::citation(c),
            plain(),
            Some(&self.origin(&c.origin)),
        )
    }

    fn header(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.report;
        let tz = self.opts.tz;
        writeln!(
            out,
            "{} {} · generated {} · times in {}",
            self.p("etcd-triage", bold()),
            r.tool_version,
            fmt_time(r.generated_at, tz),
            self.clock.zone_label(r),
        )?;
        let window = fmt_window(&r.window, tz);
        let excluded = match r.window.excluded {
            0 => String::new(),
            n => format!("; {n} records outside"),
        };
        let mut body = format!("{window} ({}{excluded})", crate::report::words::verdict::window_basis(&r.window.basis));
        if let Some(root) = self.root() {
            body.push_str(&format!("; paths relative to {}/", root.trim_end_matches('/')));
        }
        self.wrapped(out, "window ", 7, 7, &body, plain(), None)
    }

    fn verdict(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = &self.report.verdict;
        self.section(out, &format!("VERDICT: {}", fmt_verdict_tag(v)))?;
        let style = match v.outcome {
            Outcome::StorageLatency => red().bold(),
            Outcome::OtherCause => yellow().bold(),
            Outcome::Inconclusive | Outcome::NoRestarts => cyan().bold(),
        };
        self.wrapped(out, "  ", 2, 2, &crate::report::words::verdict::verdict_headline(v), style, None)?;
        if !v.reasoning.is_empty() {
            writeln!(out)?;
            self.wrapped(out, "  ", 2, 2, &crate::report::words::verdict::reasoning(v), plain(), None)?;
        }
        if !v.evidence.is_empty() {
            writeln!(out, "\n  {}", self.p("Evidence", bold()))?;
            for c in &v.evidence {
                self.citation(out, 4, c)?;
            }
        }
        if !v.alternatives.is_empty() {
            writeln!(out, "  {}", self.p("Alternatives considered", bold()))?;
            for a in &v.alternatives {
                let lead = format!("    - {}: ", self.p(crate::report::words::cause(a.cause), yellow()));
                let lead_width = 8 + crate::report::words::cause(a.cause).chars().count();
                self.wrapped(
                    out,
                    &lead,
                    lead_width,
                    6,
                    &crate::report::words::verdict::why_not(&a.why_not),
                    plain(),
                    None,
                )?;
            }
        }
        if !v.to_settle.is_empty() {
            writeln!(out, "  {}", self.p("To settle", bold()))?;
            for s in &v.to_settle {
                self.wrapped(out, "    - ", 6, 6, &crate::report::words::verdict::settle(s), cyan(), None)?;
            }
        }
        Ok(())
    }

    /// Is etcd's storage too slow? The answer, one line per member, the records behind it, and what would settle it.
    fn storage(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.report.storage;
        let tag = storage_tag(s);
        self.section(out, &format!("STORAGE: {tag}"))?;
        let style = match s.verdict {
            StorageVerdict::TooSlow => red().bold(),
            StorageVerdict::Degraded => yellow().bold(),
            StorageVerdict::Healthy | StorageVerdict::Unknown => cyan().bold(),
        };
        self.wrapped(out, "  ", 2, 2, &storage_headline(s), style, None)?;
        for m in storage_members(s) {
            self.wrapped(out, "    - ", 6, 6, &member_storage_line(m), plain(), None)?;
        }
        if s.cpu_or_pause_suspected {
            self.wrapped(
                out,
                "  ",
                2,
                2,
                "A member's raft loop stalled with no slow fdatasync on it: CPU starvation or a paused process is in play too.",
                yellow(),
                None,
            )?;
        }
        if !s.evidence.is_empty() {
            writeln!(out, "  {}", self.p("Evidence", bold()))?;
            for c in &s.evidence {
                self.citation(out, 4, c)?;
            }
        }
        if !s.to_settle.is_empty() && s.verdict != StorageVerdict::TooSlow {
            writeln!(out, "  {}", self.p("To settle", bold()))?;
            for t in &s.to_settle {
                self.wrapped(out, "    - ", 6, 6, storage_settle_words(*t), cyan(), None)?;
            }
        }
        self.restart_evidence_hint(out)
    }

    /// When storage leads for want of restarts: the commands that would add the restart history.
    fn restart_evidence_hint(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.report.storage;
        if self.report.headline.kind == HeadlineKind::Storage && s.verdict >= StorageVerdict::Degraded {
            writeln!(out, "  {}", self.p("No restart in the evidence; if pods restarted, add their history", bold()))?;
            for c in RESTART_EVIDENCE_COMMANDS {
                self.wrapped(out, "    $ ", 6, 6, c, cyan(), None)?;
            }
        }
        Ok(())
    }

    fn containers(&self, out: &mut dyn Write) -> io::Result<()> {
        let containers = &self.report.containers;
        self.section(out, &format!("RESTARTED CONTAINERS ({})", containers.len()))?;
        if containers.is_empty() {
            writeln!(out, "  none: no container restarted or crash-looped in the window")?;
        }
        for (i, c) in containers.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            self.container(out, c)?;
        }
        Ok(())
    }

    fn container(&self, out: &mut dyn Write, c: &ContainerHistory) -> io::Result<()> {
        writeln!(out, "  {}", self.p(&c.label(), bold()))?;
        let mut facts = Vec::new();
        if let Some(node) = &c.node {
            facts.push(format!("node {node}"));
        }
        match c.restart_count {
            Some(n) => facts.push(format!("restartCount {n}")),
            None => facts.push("restartCount unknown".to_owned()),
        }
        let state_style = if c.crash_loop { magenta() } else { plain() };
        let mut line = format!(
            "    {} · {}",
            facts.join(" · "),
            self.p(&crate::report::words::containers::state(&c.state), state_style)
        );
        if let Some(cause) = c.cause {
            let attr = fmt_attribution(cause, c.confidence);
            line.push_str(&format!(" · mostly {}", self.p(&attr, cause_style(cause))));
        }
        writeln!(out, "{line}")?;
        for (i, e) in c.events.iter().enumerate() {
            let label = if i == 0 { "    events  " } else { "            " };
            let mut body = format!("{} x{} {}", e.reason, e.count, self.clock.span(e.first_at, e.last_at));
            // BackOff messages only repeat the container name; other reasons (Unhealthy, Killing) say why.
            if e.reason != "BackOff" && !e.message.is_empty() {
                body.push_str(&format!(": {}", e.message));
            }
            self.wrapped(out, label, 12, 14, &body, plain(), Some(&self.origin(&e.origin)))?;
        }
        let time_w = c.restarts.iter().map(|r| restart_time(r, &self.clock).chars().count()).max().unwrap_or(0);
        for r in &c.restarts {
            self.restart(out, r, 4 + time_w + 2)?;
        }
        if c.unplaced_restarts > 0 {
            let n = c.unplaced_restarts;
            let s = if n == 1 { "" } else { "s" };
            writeln!(out, "    {}", self.p(&format!("{n} earlier restart{s} known only by count"), dim()))?;
        }
        Ok(())
    }

    /// `14:06:30  exit 1 Error -> etcd storage latency (high)`, the attribution summary citing where the restart
    /// is known from, then the evidence chain; everything after the time starts at column `body`.
    fn restart(&self, out: &mut dyn Write, r: &RestartRecord, body: usize) -> io::Result<()> {
        let exit = match (r.exit_code, &r.reason) {
            (Some(code), Some(reason)) => format!("exit {code} {reason}"),
            (Some(code), None) => format!("exit {code}"),
            (None, Some(reason)) => reason.clone(),
            (None, None) => "exit unknown".to_owned(),
        };
        let exit = if r.approximate { format!("run ended (last log line), {exit}") } else { exit };
        let a = &r.attribution;
        let time = restart_time(r, &self.clock);
        let gap = " ".repeat((body - 4).saturating_sub(time.chars().count()));
        writeln!(
            out,
            "    {}{gap}{} -> {}",
            self.p(&time, magenta()),
            exit,
            self.p(&fmt_attribution(a.cause, Some(a.confidence)), cause_style(a.cause).bold()),
        )?;
        let pad = " ".repeat(body);
        let summary = crate::report::words::attribution::summary(&a.summary);
        if !summary.is_empty() {
            self.wrapped(out, &pad, body, body, &summary, plain(), Some(&self.origin(&r.origin)))?;
        }
        for c in &a.evidence {
            self.citation(out, body, c)?;
        }
        Ok(())
    }

    fn members(&self, out: &mut dyn Write) -> io::Result<()> {
        let members = &self.report.members;
        self.section(out, &format!("ETCD MEMBERS ({})", members.len()))?;
        if members.is_empty() {
            writeln!(out, "  no etcd evidence: without it a storage cause cannot be shown")?;
        }
        for (i, m) in members.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            self.member(out, m)?;
        }
        Ok(())
    }

    /// Nodes of restarted containers and etcd members, and nodes with abnormal conditions; nothing when the
    /// evidence has no node objects.
    fn nodes(&self, out: &mut dyn Write) -> io::Result<()> {
        let nodes = &self.report.nodes;
        if nodes.is_empty() {
            return Ok(());
        }
        self.section(out, &format!("NODES ({})", nodes.len() + self.report.nodes_omitted))?;
        for n in nodes {
            let mut head = format!("  {}", self.p(&n.name, bold()));
            if !n.roles.is_empty() {
                head.push_str(&format!("  {}", self.p(&n.roles.join(","), dim())));
            }
            if !n.conditions.is_empty() {
                head.push_str(&format!("  {}", self.p(&crate::report::words::nodes::conditions(n), yellow())));
            }
            writeln!(out, "{head}")?;
            self.wrapped(out, "    ", 4, 4, &crate::report::words::nodes::why_listed(n), plain(), None)?;
            self.wrapped(out, "    ", 4, 4, &node_facts(n), dim(), None)?;
        }
        if let Some(note) = nodes_omitted_note(self.report.nodes_omitted) {
            writeln!(out, "  {}", self.p(&note, dim()))?;
        }
        Ok(())
    }

    fn member(&self, out: &mut dyn Write, m: &MemberSignals) -> io::Result<()> {
        let mut head = format!("  {}", self.p(&m.member, bold()));
        if let Some(id) = &m.member_id {
            head.push_str(&format!("  {}", self.p(&format!("id {id}"), dim())));
        }
        if !m.leader_terms.is_empty() {
            let terms: Vec<String> = m.leader_terms.iter().map(u64::to_string).collect();
            let terms = if terms.len() > 6 {
                format!("{} +{} more", terms[..6].join(", "), terms.len() - 6)
            } else {
                terms.join(", ")
            };
            let s = if m.leader_terms.len() == 1 { "" } else { "s" };
            head.push_str(&format!("  {}", self.p(&format!("leader in term{s} {terms}"), yellow())));
        }
        writeln!(out, "{head}")?;
        writeln!(
            out,
            "    {:LABEL$}{}",
            "",
            self.p(&format!("{:>6} {:>6} {:>6} {:>6}", "count", "p50", "p99", "max"), dim())
        )?;
        for (label, stats) in [
            ("slow WAL sync", &m.slow_wal_sync),
            ("slow apply", &m.slow_apply),
            ("slow backend", &m.slow_backend),
            ("heartbeat late", &m.heartbeat_late),
        ] {
            writeln!(out, "    {label:LABEL$}{}", self.stats_cells(stats))?;
        }
        let consensus = format!(
            "leader changes {} · elections {} · slow read-index {} · request timeouts {}",
            m.leader_changes_seen, m.elections_started, m.read_index_slow, m.request_timeouts
        );
        writeln!(out, "    {:LABEL$}{consensus}", "consensus")?;
        let competing = [
            ("peer unreachable", m.peer_unreachable),
            ("clock drift", m.clock_drift),
            ("NOSPACE", m.nospace_alarms),
            ("cert errors", m.certificate_errors),
            ("etcd restarts", m.restarts_seen),
        ];
        let seen: Vec<String> =
            competing.iter().filter(|(_, n)| *n > 0).map(|(what, n)| format!("{what} {n}")).collect();
        let unseen: Vec<&str> = competing.iter().filter(|(_, n)| *n == 0).map(|(what, _)| *what).collect();
        let mut body = seen.join(" · ");
        match (seen.is_empty(), unseen.is_empty()) {
            (true, _) => body = format!("none seen ({})", unseen.join(", ")),
            (false, false) => body.push_str(&format!(" · none of {}", unseen.join(", "))),
            (false, true) => {}
        }
        let style = if seen.is_empty() { dim() } else { yellow() };
        self.wrapped(out, &format!("    {:LABEL$}", "other causes"), 4 + LABEL, 4 + LABEL, &body, style, None)?;
        if let Some(d) = &m.disk_metric
            && let Some(caption) = spark_caption(&d.points, &self.clock)
        {
            let label = format!("{} p{:.0}", disk_metric_name(&d.metric), d.quantile * 100.0);
            self.spark_row(out, &label, &sparkline(&d.points), &caption)?;
        }
        if let Some(caption) = spark_caption(&m.latency_series, &self.clock) {
            self.spark_row(out, "slowest logged", &sparkline(&m.latency_series), &caption)?;
        }
        let assessment = crate::report::words::members::assessment(&m.assessment);
        if !assessment.is_empty() {
            let lead = format!("    {:LABEL$}", "assessment");
            self.wrapped(out, &lead, 4 + LABEL, 4 + LABEL, &assessment, bold(), None)?;
        }
        Ok(())
    }

    /// A labelled sparkline with its caption beside it, or wrapped under it when the row would be too wide.
    fn spark_row(&self, out: &mut dyn Write, label: &str, line: &str, caption: &str) -> io::Result<()> {
        let indent = 4 + LABEL;
        let width = indent + line.chars().count() + 2 + caption.chars().count();
        if width <= WIDTH {
            return writeln!(out, "    {label:LABEL$}{}  {}", self.p(line, red()), self.p(caption, dim()));
        }
        writeln!(out, "    {label:LABEL$}{}", self.p(line, red()))?;
        for part in wrap(caption, WIDTH - indent) {
            writeln!(out, "{:indent$}{}", "", self.p(&part, dim()))?;
        }
        Ok(())
    }

    /// `    16   1.4s   2.9s     3s` (right-aligned), or a dimmed zero row.
    fn stats_cells(&self, s: &LatencyStats) -> String {
        if s.count == 0 {
            return self.p(&format!("{:>6} {:>6} {:>6} {:>6}", 0, "-", "-", "-"), dim());
        }
        let cell = |v: Option<f64>| v.map(fmt_ms).unwrap_or_else(|| "-".to_owned());
        format!("{:>6} {:>6} {:>6} {:>6}", s.count, cell(s.p50_ms), cell(s.p99_ms), cell(s.max_ms))
    }

    fn timeline(&self, out: &mut dyn Write) -> io::Result<()> {
        let all = &self.report.timeline;
        let (rows, omitted) = select_timeline(all, self.opts.max_timeline_rows);
        let title = if omitted > 0 {
            format!("TIMELINE ({} of {} rows)", rows.len(), all.len())
        } else {
            format!("TIMELINE ({} rows)", all.len())
        };
        self.section(out, &title)?;
        if all.is_empty() {
            writeln!(out, "  nothing dated in the window")?;
            return Ok(());
        }
        let spans: Vec<String> = rows.iter().map(|r| self.clock.span(r.from, r.to)).collect();
        let span_w = spans.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let subjects: Vec<String> = rows.iter().map(|r| subject_short(&r.subject)).collect();
        const SUBJECT_MAX: usize = 26;
        let subject_w = subjects.iter().map(|s| s.chars().count()).filter(|w| *w <= SUBJECT_MAX).max().unwrap_or(0);
        let body_col = 2 + span_w + 2 + subject_w + 2;
        for ((row, span), subject) in rows.iter().zip(&spans).zip(&subjects) {
            self.timeline_row(out, row, span, span_w, subject, subject_w, body_col)?;
        }
        if omitted > 0 {
            writeln!(out, "  {}", self.p(&omitted_note(omitted, all.len()), dim()))?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn timeline_row(
        &self,
        out: &mut dyn Write,
        row: &TimelineRow,
        span: &str,
        span_w: usize,
        subject: &str,
        subject_w: usize,
        body_col: usize,
    ) -> io::Result<()> {
        let style = severity_style(row.severity);
        let span = format!("{}{}", self.p(span, style), " ".repeat(span_w - span.chars().count()));
        let subject_len = subject.chars().count();
        let long_lead = body_col - subject_w + subject_len;
        let (lead, lead_width) = if subject_len <= subject_w {
            let gap = " ".repeat(subject_w - subject_len + 2);
            (format!("  {span}  {}{gap}", self.p(subject, bold())), body_col)
        } else if long_lead <= WIDTH - 30 {
            // Longer than the column: the summary follows the subject on the same line while it fits.
            (format!("  {span}  {}  ", self.p(subject, bold())), long_lead)
        } else {
            // Far too long: the subject gets its own line and the row continues under the column.
            writeln!(out, "  {span}  {}", self.p(subject, bold()))?;
            (" ".repeat(body_col), body_col)
        };
        let summary = crate::report::words::timeline::summary(row);
        let cite = self.origin_range(&row.first, row.last.as_ref());
        self.wrapped(out, &lead, lead_width, body_col, &summary, style, Some(&cite))
    }

    fn recommendations(&self, out: &mut dyn Write) -> io::Result<()> {
        let recs = &self.report.recommendations;
        if recs.is_empty() {
            return Ok(());
        }
        self.section(out, "RECOMMENDATIONS")?;
        // `do` first, then what to avoid.
        let ordered =
            recs.iter().filter(|r| r.kind == AdviceKind::Do).chain(recs.iter().filter(|r| r.kind == AdviceKind::Avoid));
        for r in ordered {
            let (tag, style) = match r.kind {
                AdviceKind::Do => ("do", bold()),
                AdviceKind::Avoid => ("⚠ avoid", red().bold()),
            };
            let lead = format!("  {}  ", self.p(&format!("{tag:<7}"), style));
            self.wrapped(out, &lead, 11, 11, &crate::report::words::advice::title(r), style, None)?;
            let detail = crate::report::words::advice::detail(r);
            if !detail.is_empty() {
                self.wrapped(out, &" ".repeat(11), 11, 11, &detail, plain(), None)?;
            }
        }
        Ok(())
    }

    fn gaps(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.report;
        self.section(out, "GAPS AND ASSUMPTIONS")?;
        if r.gaps.is_empty() {
            writeln!(out, "  {}", self.p("no gaps: every source that was asked for could be read", dim()))?;
        }
        const BODY: usize = 2 + 10 + 2;
        for g in &r.gaps {
            let lead = format!("  {}  ", self.p("gap       ", yellow().bold()));
            self.wrapped(
                out,
                &lead,
                BODY,
                BODY,
                &format!("{}: {}", crate::report::words::gaps::what(g), crate::report::words::gaps::why(g)),
                plain(),
                None,
            )?;
            let lead = format!("{}-> ", " ".repeat(BODY));
            self.wrapped(out, &lead, BODY + 3, BODY + 3, crate::report::words::gaps::impact(g), dim(), None)?;
            if g.remedy.is_some() {
                let lead = format!("{}to get it: ", " ".repeat(BODY));
                self.wrapped(out, &lead, BODY + 11, BODY + 11, &crate::report::words::gaps::remedy(g), dim(), None)?;
            }
        }
        for a in &r.assumptions {
            let lead = format!("  {}  ", self.p("assumed   ", cyan()));
            self.wrapped(out, &lead, BODY, BODY, &crate::report::words::verdict::assumption(a), plain(), None)?;
        }
        let lead = format!("  {}  ", self.p("thresholds", dim()));
        self.wrapped(out, &lead, BODY, BODY, &fmt_thresholds(&r.thresholds), dim(), None)
    }

    fn inputs(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.report;
        self.section(out, &format!("INPUTS ({})", r.inputs.len()))?;
        const LEAD: usize = 2 + 10 + 2;
        for c in &r.collections {
            let lead = format!("  {}  ", self.p("collected ", cyan()));
            self.wrapped(out, &lead, LEAD, LEAD, &describe_collection(c, self.opts.tz), plain(), None)?;
        }
        if r.inputs.is_empty() {
            writeln!(out, "  none")?;
            return Ok(());
        }
        writeln!(
            out,
            "  {}",
            self.p(
                &format!("{:>7} {:>7} {:>9} {:>7}  {}", "lines", "matched", "malformed", "outside", "file · format"),
                dim()
            )
        )?;
        const BODY: usize = 2 + 7 + 1 + 7 + 1 + 9 + 1 + 7 + 2;
        for i in &r.inputs {
            let malformed = format!("{:>9}", i.malformed);
            let malformed = if i.malformed > 0 { self.p(&malformed, yellow()) } else { malformed };
            let lead = format!("  {:>7} {:>7} {malformed} {:>7}  ", i.lines, i.matched, i.outside_window);
            self.wrapped(
                out,
                &lead,
                BODY,
                BODY,
                &format!("{} · {}", relative(&i.source, self.root()), crate::report::words::inputs::format(&i.format)),
                plain(),
                None,
            )?;
            if !i.malformed_lines.is_empty() {
                let lines: Vec<String> = i.malformed_lines.iter().map(u64::to_string).collect();
                let more = if i.malformed > i.malformed_lines.len() as u64 { ", ..." } else { "" };
                let body = format!("malformed lines: {}{more}", lines.join(", "));
                self.wrapped(out, &" ".repeat(BODY), BODY, BODY, &body, yellow(), None)?;
            }
        }
        writeln!(out, "  {}", self.p("outside: evidence outside the window, counted but not used", dim()))?;
        Ok(())
    }
}

/// The one-screen summary (the default view): at most a screenful on a typical incident, one line per item.
impl Renderer<'_> {
    fn summary(&self, out: &mut dyn Write) -> io::Result<()> {
        self.header(out)?;
        if self.report.headline.kind == HeadlineKind::Storage {
            self.storage_brief(out)?;
            self.verdict_brief(out)?;
        } else {
            self.verdict_brief(out)?;
            self.storage_brief(out)?;
        }
        self.facts_brief(out)?;
        self.members_brief(out)?;
        self.containers_brief(out)?;
        self.timeline_brief(out)?;
        self.recommendations_brief(out)?;
        self.gaps_brief(out)?;
        let more = "--details prints the reasoning, every citation, each restart's history, nodes, the whole timeline \
                    and the inputs";
        writeln!(out)?;
        self.wrapped(out, "", 0, 0, more, dim(), None)
    }

    fn verdict_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let v = &self.report.verdict;
        self.section(out, &format!("VERDICT: {}", fmt_verdict_tag(v)))?;
        let style = match v.outcome {
            Outcome::StorageLatency => red().bold(),
            Outcome::OtherCause => yellow().bold(),
            Outcome::Inconclusive | Outcome::NoRestarts => cyan().bold(),
        };
        self.wrapped(out, "  ", 2, 2, &crate::report::words::verdict::headline(&v.headline), style, None)?;
        if v.outcome == Outcome::Inconclusive {
            for s in v.to_settle.iter().take(2) {
                self.wrapped(out, "  to settle: ", 13, 13, &crate::report::words::verdict::settle(s), cyan(), None)?;
            }
        }
        Ok(())
    }

    fn storage_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.report.storage;
        self.section(out, &format!("STORAGE: {}", storage_tag(s)))?;
        let style = match s.verdict {
            StorageVerdict::TooSlow => red().bold(),
            StorageVerdict::Degraded => yellow().bold(),
            StorageVerdict::Healthy | StorageVerdict::Unknown => cyan().bold(),
        };
        self.wrapped(out, "  ", 2, 2, &storage_headline(s), style, None)?;
        if s.cpu_or_pause_suspected {
            let note = "A member's raft loop stalled with no slow fdatasync on it: CPU starvation or a paused process.";
            self.wrapped(out, "  ", 2, 2, note, yellow(), None)?;
        }
        if s.verdict != StorageVerdict::TooSlow
            && let Some(t) = s.to_settle.first()
        {
            self.wrapped(out, "  to settle: ", 13, 13, storage_settle_words(*t), cyan(), None)?;
        }
        self.restart_evidence_hint(out)
    }

    /// The strongest cited facts, each on one line (the claim cut to fit) with its citation beside or under it.
    fn facts_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let facts = strongest_facts(self.report);
        if facts.is_empty() {
            return Ok(());
        }
        writeln!(out, "\n{}", self.p("STRONGEST EVIDENCE", heading()))?;
        for c in facts {
            let time = c.at.map(|t| self.clock.time(t)).unwrap_or_default();
            let gap = if time.is_empty() { "" } else { "  " };
            let lead = format!("  - {}{gap}", self.p(&time, dim()));
            let lead_width = 4 + time.chars().count() + gap.len();
            // The path's middle goes when even its own line cannot hold it (`--details` prints it whole).
            let cite = truncate_middle(&self.origin(&c.origin), WIDTH - 4 - 2);
            // The claim keeps the citation beside it when both fit, else has the line to itself.
            let beside = WIDTH.saturating_sub(lead_width + 4 + cite.chars().count());
            let claim = crate::report::words::claims::claim(&c.claim);
            let room = if claim.chars().count() <= beside { beside } else { WIDTH - lead_width };
            self.wrapped(out, &lead, lead_width, lead_width, &truncate(&claim, room), plain(), Some(&cite))?;
        }
        Ok(())
    }

    /// One line per etcd member: its storage verdict and the figures behind it, as many as fit.
    fn members_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = &self.report.storage;
        let count = s.members.len().max(self.report.members.len());
        self.section(out, &format!("ETCD MEMBERS ({count})"))?;
        if !s.members.is_empty() {
            for m in &s.members {
                let parts = member_storage_parts(m);
                let style = match m.verdict {
                    StorageVerdict::TooSlow => red(),
                    StorageVerdict::Degraded => yellow(),
                    StorageVerdict::Healthy | StorageVerdict::Unknown => plain(),
                };
                self.brief_line(out, &parts, style)?;
            }
        } else if !self.report.members.is_empty() {
            for m in &self.report.members {
                self.brief_line(
                    out,
                    &[m.member.clone(), crate::report::words::members::assessment(&m.assessment)],
                    plain(),
                )?;
            }
        } else {
            writeln!(out, "  no etcd evidence: without it a storage cause cannot be shown")?;
        }
        Ok(())
    }

    /// `  first · second · ...` cut to [`WIDTH`], the first part bold and the rest in `style`.
    fn brief_line(&self, out: &mut dyn Write, parts: &[String], style: Style) -> io::Result<()> {
        let line = fit_parts(parts, WIDTH - 2);
        let first = truncate(&parts[0], WIDTH - 2);
        match line.strip_prefix(first.as_str()) {
            Some(rest) => writeln!(out, "  {}{}", self.p(&first, bold()), self.p(rest, style)),
            None => writeln!(out, "  {}", self.p(&line, style)),
        }
    }

    /// One line per restarted container: pod (and container), restart count, the cause of most of its restarts.
    fn containers_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let containers = &self.report.containers;
        self.section(out, &format!("RESTARTED CONTAINERS ({})", containers.len()))?;
        if containers.is_empty() {
            writeln!(out, "  none: no container restarted or crash-looped in the window")?;
        }
        for c in containers {
            let subject = Subject::Container {
                namespace: c.namespace.clone(),
                pod: c.pod.clone(),
                container: c.container.clone(),
            };
            let mut parts = vec![subject_short(&subject)];
            parts.push(match c.restart_count {
                Some(n) => format!("restartCount {n}"),
                None => format!("{} restarts seen", c.restarts.len()),
            });
            if let Some(cause) = c.cause {
                parts.push(format!("mostly {}", fmt_attribution(cause, c.confidence)));
            }
            parts.push(crate::report::words::containers::state(&c.state));
            if let Some(node) = &c.node {
                parts.push(format!("node {node}"));
            }
            let style = c.cause.map(cause_style).unwrap_or_else(plain);
            self.brief_line(out, &parts, style)?;
        }
        Ok(())
    }

    /// The timeline rows that matter most ([`key_timeline`]), one line each, without citations.
    fn timeline_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let all = &self.report.timeline;
        let rows = key_timeline(self.report, self.opts.max_timeline_rows);
        if rows.len() < all.len() {
            self.section(out, &format!("TIMELINE ({} of {} rows)", rows.len(), all.len()))?;
        } else {
            self.section(out, &format!("TIMELINE ({} rows)", all.len()))?;
        }
        if all.is_empty() {
            return writeln!(out, "  nothing dated in the window");
        }
        let spans: Vec<String> = rows.iter().map(|r| self.clock.span(r.from, r.to)).collect();
        let span_w = spans.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        const SUBJECT_MAX: usize = 26;
        let subjects: Vec<String> = rows
            .iter()
            .map(|r| match &r.subject {
                Subject::Container { container, .. } => truncate(container, SUBJECT_MAX),
                other => truncate(&subject_short(other), SUBJECT_MAX),
            })
            .collect();
        let subject_w = subjects.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let room = WIDTH.saturating_sub(2 + span_w + 2 + subject_w + 2);
        for ((row, span), subject) in rows.iter().zip(&spans).zip(&subjects) {
            let style = severity_style(row.severity);
            let summary = crate::report::words::timeline::summary(row);
            writeln!(
                out,
                "  {}{}  {}{}  {}",
                self.p(span, style),
                " ".repeat(span_w - span.chars().count()),
                self.p(subject, bold()),
                " ".repeat(subject_w - subject.chars().count()),
                self.p(&truncate(&summary, room), style),
            )?;
        }
        Ok(())
    }

    fn recommendations_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let all = &self.report.recommendations;
        let top = top_recommendations(self.report);
        if top.is_empty() {
            return Ok(());
        }
        if top.len() < all.len() {
            self.section(out, &format!("RECOMMENDATIONS ({} of {})", top.len(), all.len()))?;
        } else {
            self.section(out, "RECOMMENDATIONS")?;
        }
        for r in top {
            let (tag, style) = match r.kind {
                AdviceKind::Do => ("do", bold()),
                AdviceKind::Avoid => ("⚠ avoid", red().bold()),
            };
            let title = truncate(&crate::report::words::advice::title(r), WIDTH - 11);
            writeln!(out, "  {}  {}", self.p(&format!("{tag:<7}"), style), self.p(&title, style))?;
        }
        Ok(())
    }

    /// One line: what could not be read, and how many assumptions were made.
    fn gaps_brief(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.report;
        let assumed = match r.assumptions.len() {
            0 => String::new(),
            1 => " · 1 assumption".to_owned(),
            n => format!(" · {n} assumptions"),
        };
        writeln!(out)?;
        if r.gaps.is_empty() {
            let line = format!("no gaps: every source that was asked for could be read{assumed}");
            return writeln!(out, "{}  {}", self.p("GAPS", heading()), self.p(&line, dim()));
        }
        let what: Vec<String> = r.gaps.iter().map(crate::report::words::gaps::what).collect();
        let lead = format!("GAPS ({})", r.gaps.len());
        let tail = format!("{assumed} (--details says why and how to get them)");
        let room = WIDTH.saturating_sub(lead.chars().count() + 2 + tail.chars().count());
        let line = format!("{}{tail}", truncate(&what.join("; "), room));
        writeln!(out, "{}  {}", self.p(&lead, yellow().bold()), self.p(&line, yellow()))
    }
}

/// When a restart ended: `14:06:30`, or `~13:41:03` when placed by its last log line.
fn restart_time(r: &RestartRecord, clock: &Clock) -> String {
    let time = clock.time(r.ended_at);
    if r.approximate { format!("~{time}") } else { time }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::format::sample_report;

    fn render_to_string(report: &Report, opts: &RenderOpts) -> String {
        crate::report::render_to_string(render, report, opts)
    }

    fn berlin(color: bool) -> RenderOpts {
        RenderOpts { color, tz: chrono_tz::Europe::Berlin, details: true, ..RenderOpts::default() }
    }

    #[test]
    fn colour_only_when_asked() {
        for details in [false, true] {
            let plain = render_to_string(&sample_report(), &RenderOpts { details, ..berlin(false) });
            assert!(!plain.contains('\x1b'), "colour off must not emit escapes");
            let coloured = render_to_string(&sample_report(), &RenderOpts { details, ..berlin(true) });
            assert!(coloured.contains("\x1b["), "colour on must emit ANSI escapes");
        }
    }

    #[test]
    fn the_summary_is_one_screen_of_whole_lines() {
        let report = sample_report();
        let text = render_to_string(&report, &RenderOpts { details: false, ..berlin(false) });
        assert!(text.lines().count() <= 60, "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(text.contains("STRONGEST EVIDENCE") && text.contains("--details"));
        assert!(!text.contains("INPUTS ("), "inputs are for --details");
    }

    #[test]
    fn citations_are_relative_to_the_analysed_folder() {
        let mut report = sample_report();
        report.verdict.evidence[0].origin.source =
            format!("/data/incident/{}", report.verdict.evidence[0].origin.source).into();
        let cite = short_origin(&report.verdict.evidence[0].origin);
        let opts = RenderOpts { root: Some("/data/incident/".into()), ..berlin(false) };
        let text = render_to_string(&report, &opts);
        assert!(!text.contains(&cite), "{text}");
        assert!(text.contains(&format!("[{}]", cite.trim_start_matches("/data/incident/"))), "{text}");
        assert!(text.contains("paths relative to /data/incident/"));
    }

    #[test]
    fn lines_fit_in_100_columns_except_long_words() {
        let text = render_to_string(&sample_report(), &berlin(false));
        for line in text.lines() {
            let width = line.chars().count();
            let one_word_too_long = line.split_whitespace().any(|w| w.chars().count() > 60);
            assert!(width <= WIDTH || one_word_too_long, "{width} columns: {line}");
        }
    }

    #[test]
    fn capped_timeline_says_what_was_left_out() {
        let report = sample_report();
        let opts = RenderOpts { max_timeline_rows: 4, ..berlin(false) };
        let text = render_to_string(&report, &opts);
        let omitted = report.timeline.len() - 4;
        assert!(text.contains(&format!("TIMELINE (4 of {} rows)", report.timeline.len())));
        assert!(text.contains(&format!("{omitted} of {} rows omitted", report.timeline.len())));
        assert!(text.contains("`-o json` has all"));
    }

    #[test]
    fn times_follow_the_display_zone() {
        let report = sample_report();
        let utc = render_to_string(&report, &RenderOpts { details: true, ..RenderOpts::default() });
        let berlin = render_to_string(&report, &berlin(false));
        let restart_line =
            |text: &str| text.lines().find(|l| l.contains("exit 1 Error ->")).map(str::trim_start).map(str::to_owned);
        assert!(restart_line(&utc).is_some_and(|l| l.starts_with("13:06:30 ")), "{utc}");
        assert!(restart_line(&berlin).is_some_and(|l| l.starts_with("14:06:30 ")), "{berlin}");
        assert!(berlin.contains("Europe/Berlin (CET, UTC+01:00)"));
    }

    #[test]
    fn empty_report_still_renders_every_section() {
        let mut report = sample_report();
        report.verdict.outcome = Outcome::NoRestarts;
        report.containers.clear();
        report.members.clear();
        report.timeline.clear();
        report.gaps.clear();
        report.inputs.clear();
        let text = render_to_string(&report, &berlin(false));
        for heading in ["VERDICT", "RESTARTED CONTAINERS (0)", "ETCD MEMBERS (0)", "TIMELINE (0 rows)", "INPUTS (0)"] {
            assert!(text.contains(heading), "missing {heading}");
        }
    }
}
