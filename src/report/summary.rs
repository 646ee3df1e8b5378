//! What the one-screen summary shows, chosen once for every renderer: the strongest cited facts, the timeline
//! rows that matter most, the top recommendations. The terminal prints it by default, Markdown and HTML put it
//! first; `--details` (and the rest of each document) carries everything else.
//!
//! Pure; no I/O. Chooses records, never words (the renderers print them with the helpers of
//! [`super::format`]).

use std::collections::HashMap;

use crate::evidence::Origin;
use crate::model::{AdviceKind, Citation, HeadlineKind, Link, Recommendation, Report, Severity, TimelineRow};

/// Cited facts the summary shows.
pub const FACTS: usize = 5;
/// Timeline rows the summary shows (fewer when `--max-timeline-rows` is lower).
pub const TIMELINE_ROWS: usize = 10;
/// `do` recommendations the summary names (every `avoid` is named too: they warn of harm).
pub const DO_RECOMMENDATIONS: usize = 3;

/// The strongest [`FACTS`] citations of the two verdicts, oldest first, each once.
///
/// Strength is corroboration: how many of the verdicts and per-restart attributions cite the same record. Ties
/// go to the earlier link of the chain (disk, consensus, API server, container, kubelet, competing) and then to
/// the earlier record. At most two facts come from one link while others are left, so the five show the chain
/// rather than five lines of one kind.
pub fn strongest_facts(report: &Report) -> Vec<&Citation> {
    let lead: Vec<&Citation> = match report.headline.kind {
        HeadlineKind::Restarts => report.verdict.evidence.iter().chain(&report.storage.evidence).collect(),
        HeadlineKind::Storage => report.storage.evidence.iter().chain(&report.verdict.evidence).collect(),
    };
    let attributions = report.containers.iter().flat_map(|c| c.restarts.iter().flat_map(|r| &r.attribution.evidence));
    let mut cited: HashMap<&Origin, usize> = HashMap::new();
    for c in lead.iter().copied().chain(attributions) {
        *cited.entry(&c.origin).or_default() += 1;
    }
    let mut candidates: Vec<(usize, &Citation)> = Vec::new();
    for (i, c) in lead.into_iter().enumerate() {
        if !candidates.iter().any(|(_, seen)| seen.origin == c.origin) {
            candidates.push((i, c));
        }
    }
    candidates.sort_by(|(i, a), (j, b)| {
        cited[&b.origin].cmp(&cited[&a.origin]).then(a.link.cmp(&b.link)).then(a.at.cmp(&b.at)).then(i.cmp(j))
    });
    let mut chosen: Vec<&Citation> = Vec::new();
    let per_link = |chosen: &[&Citation], link: Link| chosen.iter().filter(|c| c.link == link).count();
    for (_, c) in &candidates {
        if chosen.len() < FACTS && per_link(&chosen, c.link) < 2 {
            chosen.push(c);
        }
    }
    for (_, c) in &candidates {
        if chosen.len() < FACTS && !chosen.iter().any(|seen| seen.origin == c.origin) {
            chosen.push(c);
        }
    }
    chosen.sort_by_key(|c| c.at);
    chosen
}

/// The timeline rows the summary shows, in time order.
///
/// Taken in turn from restarts (earliest first), errors, disk evidence and warnings (the most folded lines
/// first), so the rows tell the story from the slow disk to the crash; informational rows only when those run
/// out.
pub fn key_timeline(report: &Report, max: usize) -> Vec<&TimelineRow> {
    let max = max.min(TIMELINE_ROWS);
    let class = |s: Severity| match s {
        Severity::Restart => 0,
        Severity::Error => 1,
        Severity::Disk => 2,
        Severity::Warning => 3,
        Severity::Info => 4,
    };
    let rows = &report.timeline;
    let mut queues: Vec<Vec<usize>> = vec![Vec::new(); 5];
    for (i, row) in rows.iter().enumerate() {
        queues[class(row.severity)].push(i);
    }
    for q in &mut queues[1..] {
        q.sort_by_key(|&i| (std::cmp::Reverse(rows[i].count), i));
    }
    let mut keep: Vec<usize> = Vec::new();
    let mut next = [0usize; 4];
    while keep.len() < max && (0..4).any(|q| next[q] < queues[q].len()) {
        for q in 0..4 {
            if keep.len() < max && next[q] < queues[q].len() {
                keep.push(queues[q][next[q]]);
                next[q] += 1;
            }
        }
    }
    keep.extend(queues[4].iter().copied().take(max - keep.len()));
    keep.sort_unstable();
    keep.into_iter().map(|i| &rows[i]).collect()
}

/// The recommendations the summary names: the first [`DO_RECOMMENDATIONS`] `do`, then every `avoid`.
pub fn top_recommendations(report: &Report) -> Vec<&Recommendation> {
    let recs = &report.recommendations;
    let dos = recs.iter().filter(|r| r.kind == AdviceKind::Do).take(DO_RECOMMENDATIONS);
    dos.chain(recs.iter().filter(|r| r.kind == AdviceKind::Avoid)).collect()
}

/// `path` relative to the analysed folder `root` (when it lies inside it), else unchanged.
pub fn relative<'a>(path: &'a str, root: Option<&str>) -> &'a str {
    let Some(root) = root.map(|r| r.trim_end_matches('/')).filter(|r| !r.is_empty()) else {
        return path;
    };
    match path.strip_prefix(root) {
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
        _ => path,
    }
}

/// An origin with its source relative to `root` (see [`relative`]).
pub fn relative_origin(o: &Origin, root: Option<&str>) -> Origin {
    Origin::new(relative(&o.source, root), o.line)
}

/// A folded row's citation range ([`fmt_origin_range`](super::format::fmt_origin_range)), both ends relative to
/// `root`.
pub fn relative_range(first: &Origin, last: Option<&Origin>, root: Option<&str>) -> String {
    let last = last.map(|l| relative_origin(l, root));
    super::format::fmt_origin_range(&relative_origin(first, root), last.as_ref())
}

/// Cuts `s` to `width` characters, ending in `…` when something was cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(width.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Cuts the middle out of `s` to fit `width` characters (`var-log-pods/ns_pod…/container/0.log:12`), keeping
/// its end (file name and line) whole.
pub fn truncate_middle(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len <= width || width < 5 {
        return s.to_owned();
    }
    let tail_len = (width / 2).max(width.saturating_sub(40));
    let head: String = s.chars().take(width - tail_len - 1).collect();
    let tail: String = s.chars().skip(len - tail_len).collect();
    format!("{head}…{tail}")
}

/// Joins `parts` with ` · ` while they fit in `width`; the first part always, cut to fit.
pub fn fit_parts(parts: &[String], width: usize) -> String {
    let mut line = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            line = truncate(part, width);
            continue;
        }
        if line.chars().count() + 3 + part.chars().count() > width {
            break;
        }
        line.push_str(" · ");
        line.push_str(part);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::format::sample_report;

    #[test]
    fn relative_paths_only_inside_the_root() {
        assert_eq!(relative("ex/a/b.log", Some("ex/a")), "b.log");
        assert_eq!(relative("ex/a/b.log", Some("ex/a/")), "b.log");
        assert_eq!(relative("ex/ab/b.log", Some("ex/a")), "ex/ab/b.log");
        assert_eq!(relative("api/v1/pods", None), "api/v1/pods");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abc defgh", 6), "abc d…");
        assert_eq!(truncate("abcd efgh", 6), "abcd…");
        assert_eq!(fit_parts(&["a".into(), "bb".into(), "cccccc".into()], 8), "a · bb");
        let path = "var-log-pods/ns_pod-abc_*/container/0.log:12";
        let cut = truncate_middle(path, 30);
        assert_eq!(cut.chars().count(), 30);
        assert!(cut.ends_with("/0.log:12") && cut.starts_with("var-log-pods") && cut.contains('…'));
    }

    #[test]
    fn facts_are_few_distinct_and_in_time_order() {
        let report = sample_report();
        let facts = strongest_facts(&report);
        assert!(!facts.is_empty() && facts.len() <= FACTS);
        assert!(facts.windows(2).all(|w| w[0].at <= w[1].at));
        for (i, a) in facts.iter().enumerate() {
            assert!(facts[i + 1..].iter().all(|b| b.origin != a.origin), "cited twice: {}", a.origin);
        }
    }

    #[test]
    fn key_timeline_mixes_severities_in_time_order() {
        let report = sample_report();
        let rows = key_timeline(&report, 4);
        assert!(rows.len() <= 4);
        assert!(rows.windows(2).all(|w| w[0].from <= w[1].from));
        let restarts = rows.iter().filter(|r| r.severity >= Severity::Restart).count();
        assert!(restarts < rows.len(), "not only restarts: {rows:?}");
    }
}
