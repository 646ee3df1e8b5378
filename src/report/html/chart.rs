//! The timeline chart of the HTML page, drawn as inline SVG: etcd disk latency per member on a log scale (from
//! metrics when there are any, else from log bursts), leader changes in two lanes per member, container restarts
//! coloured by the cause they are attributed to, a time axis of at most `MAX_TICKS` round local times, and the
//! colour key. Stable ids, classes and `data-*` attributes are described in the parent module.

use super::*;

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
pub(super) fn cause_colour(cause: Cause) -> &'static str {
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

pub(super) const LEADER_COLOUR: &str = "#6a3d9a";
pub(super) const LATENCY_COLOUR: &str = "#b3261e";

/// Chart geometry, in SVG user units (the SVG scales to the page width).
pub(super) const CHART_WIDTH: f64 = 1200.0;
/// Left gutter for row labels and guide labels.
pub(super) const GUTTER: f64 = 200.0;
pub(super) const RIGHT_PAD: f64 = 18.0;
pub(super) const MEMBER_BAND: f64 = 112.0;
pub(super) const CONTAINER_ROW: f64 = 30.0;
pub(super) const SECTION_TITLE: f64 = 22.0;
pub(super) const AXIS: f64 = 40.0;
/// Height of the strip at the bottom of a member band that holds leader-change markers: two lanes, leader
/// elected and leader lost / election started, so that both kinds stay visible at the same instant.
pub(super) const LEADER_STRIP: f64 = 28.0;
/// Leader terms listed under a member's name before `...`.
pub(super) const MAX_TERMS_SHOWN: usize = 6;

/// Latency reference lines: etcd's WAL fsync guidance (p99 under 10 ms), 100 ms (the default heartbeat
/// interval) and 1 s (etcd's slow-fdatasync warning).
pub(super) const GUIDES_MS: [(f64, &str); 3] = [(10.0, "10ms"), (100.0, "100ms"), (1000.0, "1s")];

/// Maps times to x.
#[derive(Debug, Clone, Copy)]
pub(super) struct XScale {
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
pub(super) struct LogScale {
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
pub(super) const TICK_STEPS_SECS: [i64; 21] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
    2_592_000,
];
pub(super) const MAX_TICKS: i64 = 10;

/// The spacing of the axis ticks: the first round step giving at most `MAX_TICKS`; past 30 days a whole number of
/// 30-day steps, so that the tick count stays at most `MAX_TICKS` whatever the span (a span of centuries once drew
/// 124,170 ticks).
pub(super) fn tick_step_secs(span_secs: i64) -> i64 {
    let longest = TICK_STEPS_SECS[20];
    TICK_STEPS_SECS.iter().copied().find(|step| span_secs / step <= MAX_TICKS).unwrap_or_else(|| {
        let steps = span_secs.max(0) / longest / MAX_TICKS + 1;
        longest.saturating_mul(steps)
    })
}

/// Ticks on round local times in `tz` (whole minutes, quarter hours, local midnights) within `[start, end]`.
/// The offset at `start` aligns them; after a daylight-saving change the ticks keep their spacing.
pub(super) fn ticks(start: Timestamp, end: Timestamp, tz: Tz) -> (i64, Vec<Timestamp>) {
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
pub(super) struct MemberRow<'a> {
    member: &'a MemberSignals,
    leader_rows: Vec<&'a TimelineRow>,
}

/// Timeline rows that record a leader change seen by `member` (a leader elected, or the leader lost and an
/// election started), as folded by the timeline.
pub(super) fn leader_rows<'a>(report: &'a Report, member: &str) -> Vec<&'a TimelineRow> {
    report
        .timeline
        .iter()
        .filter(|r| matches!(&r.subject, Subject::EtcdMember { name } if name == member))
        .filter(|r| leader_kind(r).is_some())
        .collect()
}

/// `elected` or `lost` for a leader-change row.
pub(super) fn leader_kind(row: &TimelineRow) -> Option<&'static str> {
    match row.kind.signal_class() {
        Some(SignalClass::LeaderElected) => Some("elected"),
        Some(SignalClass::LeaderLost) => Some("lost"),
        _ => None,
    }
}

/// Every time the chart draws, for the x range.
pub(super) fn chart_times(report: &Report, rows: &[MemberRow]) -> Vec<Timestamp> {
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

pub(super) fn chart(report: &Report, out: &mut dyn Write, opts: &RenderOpts, clock: &Clock) -> io::Result<()> {
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

pub(super) fn section_title(out: &mut dyn Write, y: f64, text: &str) -> io::Result<()> {
    writeln!(
        out,
        "<text class=\"section-title\" x=\"8\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#3d444d\">{}\
         </text>",
        y + 15.0,
        escape(text)
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn axis(
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
pub(super) fn member_band(
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
    let fill = if index.is_multiple_of(2) { "#f6f8fa" } else { "#fbfcfd" };
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
            relative_range(&l.first, l.last.as_ref(), root)
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
pub(super) fn typical_step_secs(points: &[(Timestamp, f64)]) -> i64 {
    let mut gaps: Vec<i64> = points.windows(2).map(|w| (w[1].0 - w[0].0).num_seconds()).filter(|g| *g > 0).collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(60).max(1)
}

/// y of a leader-change lane in the member band starting at `band_y`.
pub(super) fn leader_lane_y(band_y: f64, kind: &str) -> f64 {
    let bottom = band_y + MEMBER_BAND;
    if kind == "elected" { bottom - LEADER_STRIP + 8.0 } else { bottom - 7.0 }
}

pub(super) fn container_row(
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
    let fill = if index.is_multiple_of(2) { "#f6f8fa" } else { "#fbfcfd" };
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

pub(super) fn restart_title(label: &str, r: &RestartRecord, clock: &Clock, root: Option<&str>) -> String {
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
pub(super) fn truncate_middle(s: &str, max: usize) -> String {
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
pub(super) fn legend(report: &Report, out: &mut dyn Write) -> io::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(h: u32, m: u32, s: u32) -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, h, m, s).single().expect("a valid time")
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
}
