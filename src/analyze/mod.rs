//! The analysis: a pure function of the evidence, a window and "now".
//!
//! No I/O and no clock: `now` and the window are arguments, so the same evidence always gives the same report.

pub mod advice;
pub mod attribution;
pub mod bursts;
pub mod members;
pub mod nodes;
pub mod restarts;
pub mod storage;
pub mod timeline;
pub mod verdict;

use chrono::Duration;

use crate::evidence::{EventRecord, Evidence, Signal, Subject, Timestamp};
use crate::model::thresholds::Thresholds;
use crate::model::{
    Assumption, ContainerHistory, EventSummary, Report, RestartRecord, SCHEMA_VERSION, Window, WindowBasis,
};
use members::EtcdView;

/// Where `--since` counts back from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinceAnchor {
    /// Live collection: from now.
    Now,
    /// Offline evidence (a bundle from last week must still work): from the latest evidence.
    LatestEvidence,
}

/// The requested window; all parts optional.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub since: Option<Duration>,
    pub since_anchor: SinceAnchor,
    /// How an explicit `from`/`to` was chosen, when not by `--from/--to` (a bundle keeps its collection window).
    pub basis: Option<crate::evidence::CollectionWindow>,
}

impl Default for WindowSpec {
    fn default() -> Self {
        WindowSpec { from: None, to: None, since: None, since_anchor: SinceAnchor::LatestEvidence, basis: None }
    }
}

/// Inputs of one analysis besides the evidence.
#[derive(Debug, Clone)]
pub struct Params {
    pub now: Timestamp,
    pub window: WindowSpec,
    pub thresholds: Thresholds,
}

fn resolve_window(
    spec: &WindowSpec,
    evidence: &Evidence,
    now: Timestamp,
) -> (Option<Timestamp>, Option<Timestamp>, WindowBasis) {
    let span = evidence.span();
    match (spec.from, spec.to, spec.since) {
        (None, None, None) => match span {
            Some((a, b)) => (Some(a), Some(b), WindowBasis::EvidenceSpan { dated: true }),
            None => (None, None, WindowBasis::EvidenceSpan { dated: false }),
        },
        (from, to, Some(since)) if from.is_none() => {
            let anchor = match (to, spec.since_anchor) {
                (Some(t), _) => Some(t),
                (None, SinceAnchor::Now) => Some(now),
                (None, SinceAnchor::LatestEvidence) => span.map(|(_, b)| b),
            };
            let since_secs = since.num_seconds();
            let basis = match (to, spec.since_anchor) {
                (Some(_), _) => WindowBasis::SinceBeforeTo { since_secs },
                (None, SinceAnchor::Now) => WindowBasis::SinceBeforeNow { since_secs },
                (None, SinceAnchor::LatestEvidence) => WindowBasis::SinceBeforeLatest { since_secs },
            };
            (anchor.map(|a| a - since), anchor, basis)
        }
        (from, to, _) => {
            (from, to, spec.basis.clone().map_or(WindowBasis::FromTo, |basis| WindowBasis::Collection { basis }))
        }
    }
}

/// The same container output read twice (a `cluster-info dump` logs.txt beside the CRI file it came from, or a
/// log given twice) must count once. Bursts are identical when the same lines were folded the same way; the key
/// leaves out the container name because dump logs name only the pod.
fn dedupe_signals(evidence: &Evidence) -> (Evidence, usize) {
    use std::collections::HashSet;
    let key = |s: &Signal| {
        let who = match &s.subject {
            Subject::Container { namespace, pod, .. } => format!("c/{namespace}/{pod}"),
            other => format!("{other:?}"),
        };
        (who, s.class(), s.first_at, s.last_at, s.count)
    };
    let mut seen = HashSet::new();
    let mut out = evidence.clone();
    out.signals.retain(|s| seen.insert(key(s)));
    let dropped = evidence.signals.len() - out.signals.len();
    // core/v1 and events.k8s.io/v1 serve the same event objects: one uid, counted once (the later sighting wins,
    // as its count and last time are the newer).
    let mut by_uid: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut events: Vec<EventRecord> = Vec::with_capacity(out.events.len());
    for e in std::mem::take(&mut out.events) {
        match e.uid.clone() {
            Some(uid) => match by_uid.get(&uid) {
                Some(&i) if (e.last_at, e.count) > (events[i].last_at, events[i].count) => events[i] = e,
                Some(_) => {}
                None => {
                    by_uid.insert(uid, events.len());
                    events.push(e);
                }
            },
            None => events.push(e),
        }
    }
    out.events = events;
    // The same pod status read twice (a pod list beside a cluster-info dump of it) counts once.
    let mut seen_containers = HashSet::new();
    out.containers.retain(|c| {
        seen_containers.insert((
            c.namespace.clone(),
            c.pod.clone(),
            c.container.clone(),
            c.restart_count,
            c.last_termination.as_ref().and_then(|t| t.finished_at),
        ))
    });
    out.member_ids.sort();
    out.member_ids.dedup();
    (out, dropped)
}

/// Runs the whole analysis.
/// The kine backend the evidence names, a named one (`sqlite3`) before the bare `kine` of the endpoint line.
fn not_etcd_datastore(signals: &[&Signal]) -> Option<String> {
    let mut backends: Vec<&str> = signals
        .iter()
        .filter_map(|s| match &s.kind {
            crate::evidence::SignalKind::NotEtcdDatastore { backend } => Some(backend.as_str()),
            _ => None,
        })
        .collect();
    backends.sort_by_key(|b| (*b == "kine", *b));
    backends.first().map(|b| b.to_string())
}

pub fn analyze(evidence: &Evidence, params: &Params) -> Report {
    let (mut deduped, duplicates) = dedupe_signals(evidence);
    let alias_notes = members::resolve_member_aliases(&mut deduped);
    let evidence = &deduped;
    let th = &params.thresholds;
    let (from, to, basis) = resolve_window(&params.window, evidence, params.now);
    let inside = |a: Timestamp, b: Timestamp| from.is_none_or(|f| b >= f) && to.is_none_or(|t| a <= t);
    let mut excluded = 0u64;
    let mut excluded_by_source: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let signals: Vec<&Signal> = evidence
        .signals
        .iter()
        .filter(|s| {
            let keep = inside(s.first_at, s.last_at);
            if !keep {
                excluded += s.count;
                *excluded_by_source.entry(&*s.first.source).or_insert(0) += s.count;
            }
            keep
        })
        .collect();
    let inputs: Vec<_> = evidence
        .inputs
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.outside_window = excluded_by_source.get(i.source.as_str()).copied().unwrap_or(0);
            i
        })
        .collect();
    // Evidence before the window still explains restarts at its start: attribution looks back a causal window.
    let lookback_from = from.map(|f| f - Duration::seconds(th.causal_window_secs));
    let context_signals: Vec<&Signal> = evidence
        .signals
        .iter()
        .filter(|s| lookback_from.is_none_or(|f| s.last_at >= f) && to.is_none_or(|t| s.first_at <= t))
        .collect();
    let etcd = members::EtcdView::new(evidence, &context_signals);
    let apiserver: Vec<&Signal> =
        context_signals.iter().copied().filter(|s| matches!(s.subject, Subject::ApiServer { .. })).collect();
    let have_etcd_logs = !etcd.by_member.is_empty()
        || evidence.inputs.iter().any(|i| matches!(i.subject, Some(Subject::EtcdMember { .. })));
    let cpu: Vec<&Signal> =
        context_signals.iter().copied().filter(|s| s.class() == crate::evidence::SignalClass::CpuStarved).collect();
    let ctx = attribution::Context {
        thresholds: th,
        etcd: &etcd,
        apiserver,
        have_etcd_logs,
        metric_series: &evidence.metric_series,
        cpu,
        datastore_not_etcd: not_etcd_datastore(&context_signals),
    };

    let cases = restarts::build_cases(evidence, &context_signals);
    let mut containers = Vec::new();
    for case in &cases {
        let mut placed = Vec::new();
        for run in &case.runs {
            if !inside(run.ended_at, run.ended_at) {
                excluded += 1;
                continue;
            }
            placed.push(RestartRecord {
                ended_at: run.ended_at,
                approximate: run.approximate,
                started_at: run.started_at,
                exit_code: run.exit_code,
                reason: run.reason.clone(),
                origin: run.origin.clone(),
                attribution: attribution::attribute(case, run, &ctx),
            });
        }
        let restart_count = case.restart_count();
        let unplaced = restart_count.map_or(0, |n| n.saturating_sub(case.runs.len() as u32));
        let mut events: Vec<EventSummary> = case
            .events
            .iter()
            .filter(|e| e.event_type == "Warning" || matches!(e.reason.as_str(), "Killing" | "Started"))
            .map(|e| EventSummary {
                reason: e.reason.clone(),
                message: e.message.clone(),
                count: e.count,
                first_at: e.first_at,
                last_at: e.last_at,
                origin: e.origin.clone(),
            })
            .collect();
        events.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.reason.cmp(&b.reason)));
        let (cause, confidence) = verdict::dominant(&placed);
        containers.push(ContainerHistory {
            namespace: case.namespace.clone(),
            pod: case.pod.clone(),
            container: case.container.clone(),
            node: case.node(),
            restart_count,
            state: case.state(),
            crash_loop: case.crash_loop(),
            restarts: placed,
            unplaced_restarts: unplaced,
            events,
            cause,
            confidence,
        });
    }
    containers.sort_by_key(ContainerHistory::label);

    let window_view = EtcdView::new(evidence, &signals);
    let storage = storage::assess(&window_view, evidence, (from, to), th);
    let mut member_stats = members::member_signals(&window_view, th);
    members::attach_metric_series(&mut member_stats, &evidence.metric_series, from, to, th);
    let window_events: Vec<_> = evidence.events.iter().filter(|e| inside(e.first_at, e.last_at)).collect();
    let window_nodes: Vec<_> = evidence.nodes.iter().collect();
    let (node_list, nodes_omitted) = nodes::summaries(
        &evidence.nodes,
        &evidence.containers,
        &containers,
        &member_stats,
        &evidence.metric_series,
        (from, to),
    );
    let timeline = timeline::build(&signals, &containers, &window_events, &window_nodes, th);

    let mut gaps = evidence.gaps.clone();
    gaps.extend(coverage_gaps(evidence, &etcd, &containers));
    gaps.sort();
    gaps.dedup();
    let verdict = verdict::decide(&containers, &member_stats, &gaps, have_etcd_logs, th);
    let headline = verdict::headline(&verdict, &storage);
    let causes = verdict::causes_for_advice(&verdict, &containers);
    let recommendations = advice::recommendations(&causes, verdict.outcome == crate::model::Outcome::Inconclusive);

    Report {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: params.now,
        window: Window { from, to, basis, excluded },
        headline,
        verdict,
        storage,
        containers,
        members: member_stats,
        nodes: node_list,
        nodes_omitted,
        timeline,
        recommendations,
        gaps,
        inputs,
        collections: evidence.collections.clone(),
        assumptions: {
            let mut a: Vec<Assumption> =
                evidence.assumptions.iter().map(|note| Assumption::Evidence { note: note.clone() }).collect();
            a.extend(alias_notes);
            if duplicates > 0 {
                a.push(Assumption::DuplicatesCountedOnce { bursts: duplicates });
            }
            a
        },
        thresholds: th.clone(),
    }
}

/// Gaps that follow from what the evidence lacks (not from read errors).
fn coverage_gaps(evidence: &Evidence, etcd: &EtcdView, containers: &[ContainerHistory]) -> Vec<crate::evidence::Gap> {
    use crate::evidence::{AnalysisGap as A, EvidenceKind, Gap, GapEffect, GapReason};
    let mut gaps = Vec::new();
    let etcd_logged: std::collections::BTreeSet<&str> = evidence
        .inputs
        .iter()
        .filter_map(|i| match &i.subject {
            Some(Subject::EtcdMember { name }) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if etcd_logged.is_empty() {
        gaps.push(Gap {
            reason: GapReason::Analysis(A::NoEtcdLogs),
            missing: EvidenceKind::EtcdLogs,
            effect: GapEffect::BlocksStorageVerdict,
            remedy: None,
        });
    } else if etcd.member_count > etcd_logged.len() {
        gaps.push(Gap {
            reason: GapReason::Analysis(A::MemberLogsMissing {
                missing: etcd.member_count - etcd_logged.len(),
                members: etcd.member_count,
            }),
            missing: EvidenceKind::EtcdLogs,
            effect: GapEffect::LowersConfidence,
            remedy: None,
        });
    }
    if evidence.containers.is_empty() && !containers.is_empty() {
        gaps.push(Gap {
            reason: GapReason::Analysis(A::NoPodStatus),
            missing: EvidenceKind::PodStatus,
            effect: GapEffect::NotSeen,
            remedy: None,
        });
    }
    if evidence.events.is_empty() && !containers.is_empty() {
        gaps.push(Gap {
            reason: GapReason::Analysis(A::NoEvents),
            missing: EvidenceKind::Events,
            effect: GapEffect::NotSeen,
            remedy: None,
        });
    }
    for c in containers {
        let has_logs = evidence.signals.iter().any(|s| {
            matches!(&s.subject, Subject::Container { namespace, pod, .. } if pod == &c.pod && (namespace.is_empty() || namespace == &c.namespace))
        }) || evidence.log_spans.iter().any(|l| matches!(&l.subject, Subject::Container { pod, .. } if pod == &c.pod));
        if !has_logs && c.restart_count.unwrap_or(1) > 0 {
            gaps.push(Gap {
                reason: GapReason::Analysis(A::NoContainerLogs {
                    namespace: c.namespace.clone(),
                    pod: c.pod.clone(),
                    container: c.container.clone(),
                }),
                missing: EvidenceKind::ContainerLogs,
                effect: GapEffect::ChainIncomplete,
                remedy: None,
            });
        }
    }
    gaps
}

#[cfg(test)]
mod tests;
