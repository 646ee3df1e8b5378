//! Rebuilds each container's restart history. Pod status keeps only the last termination, so it is combined with
//! previous-run log files (`/var/log/pods/.../<n>.log`: the last line of run n places its end), the container's
//! own crash lines (lease lost, fatal, config error) and kubelet events (BackOff, Unhealthy, Killing, OOMKilling,
//! with their counts and first/last times).
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::model::ContainerNow;
use crate::model::thresholds::windows::SAME_RESTART_SECS;

use crate::evidence::{
    ContainerRecord, ContainerState, EventRecord, Evidence, LogSpan, Origin, Signal, SignalClass, Subject, Termination,
    Timestamp,
};

/// A container run that ended.
#[derive(Debug, Clone)]
pub struct Run {
    pub ended_at: Timestamp,
    pub approximate: bool,
    pub started_at: Option<Timestamp>,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    pub origin: Origin,
    /// Which run this was (0 = the first), when known: `<n>.log` under /var/log/pods, or restartCount for status.
    pub run_index: Option<u32>,
}

impl Run {
    /// Whether two sightings describe the same run.
    fn same_as(&self, other: &Run) -> bool {
        match (self.run_index, other.run_index) {
            (Some(a), Some(b)) => a == b,
            _ => (self.ended_at - other.ended_at).num_seconds().abs() <= SAME_RESTART_SECS,
        }
    }

    /// How long the run lasted, when its start is known.
    pub fn ran_secs(&self) -> Option<i64> {
        self.started_at.map(|s| (self.ended_at - s).num_seconds())
    }
}

/// Everything known about one container that restarted.
#[derive(Debug)]
pub struct ContainerCase<'a> {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub record: Option<&'a ContainerRecord>,
    pub runs: Vec<Run>,
    pub events: Vec<&'a EventRecord>,
    /// OOM events of the container's node (`OOMKilling` from node-problem-detector, `SystemOOM` from the kubelet):
    /// they name the killed process, not the pod, so attribution matches the process name.
    pub node_oom_events: Vec<&'a EventRecord>,
    /// The container's own log signals (lease loss, timeouts, config errors), time-ordered.
    pub own_signals: Vec<&'a Signal>,
    /// The container's log files (one per run under /var/log/pods).
    pub spans: Vec<&'a LogSpan>,
}

impl ContainerCase<'_> {
    pub fn restart_count(&self) -> Option<u32> {
        self.record.map(|r| r.restart_count)
    }

    pub fn crash_loop(&self) -> bool {
        self.record
            .is_some_and(|r| matches!(&r.state, ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff"))
            || self.events.iter().any(|e| e.reason == "BackOff")
    }

    pub fn state(&self) -> ContainerNow {
        match self.record.map(|r| &r.state) {
            Some(ContainerState::Running { .. }) => ContainerNow::Running,
            Some(ContainerState::Waiting { reason, .. }) => ContainerNow::Waiting { reason: reason.clone() },
            Some(ContainerState::Terminated(t)) => ContainerNow::Terminated { reason: t.reason.clone() },
            Some(ContainerState::Unknown) | None => ContainerNow::Unknown,
        }
    }

    pub fn node(&self) -> Option<String> {
        self.record.and_then(|r| r.node.clone())
    }
}

fn is_crash_marker(class: SignalClass) -> bool {
    matches!(
        class,
        SignalClass::LeaderElectionLost | SignalClass::Fatal | SignalClass::ConfigError | SignalClass::OutOfMemory
    )
}

/// Whether a log subject belongs to (namespace, pod, container). Logs from `cluster-info dump` name only the pod.
fn subject_matches(subject: &Subject, ns: &str, pod: &str, container: &str, containers_in_pod: usize) -> bool {
    match subject {
        Subject::Container { namespace, pod: p, container: c } => {
            (namespace.is_empty() || namespace == ns)
                && p == pod
                && (c == container || (c == p && containers_in_pod == 1))
        }
        _ => false,
    }
}

/// Builds the cases for every container that restarted, crash-loops, or whose logs show it exiting.
pub fn build_cases<'a>(evidence: &'a Evidence, signals: &[&'a Signal]) -> Vec<ContainerCase<'a>> {
    let mut keys: BTreeMap<(String, String, String), Option<&ContainerRecord>> = BTreeMap::new();
    let mut per_pod: BTreeMap<(String, String), usize> = BTreeMap::new();
    for c in &evidence.containers {
        *per_pod.entry((c.namespace.clone(), c.pod.clone())).or_insert(0) += 1;
    }
    for c in &evidence.containers {
        let restarted = c.restart_count > 0
            || matches!(&c.state, ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff")
            || matches!(&c.state, ContainerState::Terminated(t) if t.exit_code != 0);
        if restarted {
            keys.insert((c.namespace.clone(), c.pod.clone(), c.container.clone()), Some(c));
        }
    }
    // Containers known only from logs that show them exiting.
    for s in signals {
        if let Subject::Container { namespace, pod, container } = &s.subject
            && is_crash_marker(s.class())
        {
            let known = evidence.containers.iter().any(|c| {
                subject_matches(
                    &s.subject,
                    &c.namespace,
                    &c.pod,
                    &c.container,
                    per_pod.get(&(c.namespace.clone(), c.pod.clone())).copied().unwrap_or(1),
                )
            });
            if !known {
                keys.entry((namespace.clone(), pod.clone(), container.clone())).or_insert(None);
            }
        }
    }
    keys.into_iter()
        .map(|((ns, pod, container), record)| {
            let n_in_pod = per_pod.get(&(ns.clone(), pod.clone())).copied().unwrap_or(1);
            let events: Vec<&EventRecord> = evidence
                .events
                .iter()
                .filter(|e| e.object_kind == "Pod" && e.namespace == ns && e.object_name == pod)
                .filter(|e| e.container().is_none_or(|c| c == container))
                .collect();
            let mut own_signals: Vec<&Signal> = signals
                .iter()
                .copied()
                .filter(|s| subject_matches(&s.subject, &ns, &pod, &container, n_in_pod))
                .collect();
            own_signals.sort_by_key(|s| s.first_at);
            let mut spans: Vec<&LogSpan> = evidence
                .log_spans
                .iter()
                .filter(|l| subject_matches(&l.subject, &ns, &pod, &container, n_in_pod))
                .collect();
            spans.sort_by_key(|s| (s.run, s.first_at));
            let node = record.and_then(|r| r.node.as_deref());
            let node_oom_events: Vec<&EventRecord> = evidence
                .events
                .iter()
                .filter(|e| e.object_kind == "Node" && Some(e.object_name.as_str()) == node)
                .filter(|e| matches!(e.reason.as_str(), "OOMKilling" | "SystemOOM"))
                .collect();
            let mut case = ContainerCase {
                namespace: ns,
                pod,
                container,
                record,
                runs: Vec::new(),
                events,
                node_oom_events,
                own_signals,
                spans,
            };
            case.runs = reconstruct_runs(&case);
            case
        })
        .collect()
}

fn reconstruct_runs(case: &ContainerCase) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let add = |run: Run, runs: &mut Vec<Run>| {
        if let Some(existing) = runs.iter_mut().find(|r| r.same_as(&run)) {
            // Prefer exact times and status details over log-derived ones.
            if existing.approximate && !run.approximate {
                let started = existing.started_at.or(run.started_at);
                let index = existing.run_index.or(run.run_index);
                *existing = Run { started_at: run.started_at.or(started), run_index: index, ..run };
            } else {
                existing.started_at = existing.started_at.or(run.started_at);
                existing.exit_code = existing.exit_code.or(run.exit_code);
                existing.reason = existing.reason.clone().or(run.reason);
                existing.run_index = existing.run_index.or(run.run_index);
            }
            return;
        }
        runs.push(run);
    };
    if let Some(r) = case.record {
        let from_status = |t: &Termination, field: &str, run_index: Option<u32>| {
            t.finished_at.map(|end| Run {
                ended_at: end,
                approximate: false,
                started_at: t.started_at,
                exit_code: Some(t.exit_code),
                reason: t.reason.clone(),
                origin: Origin::new(format!("{} ({}/{} {field})", r.origin, r.pod, r.container), None),
                run_index,
            })
        };
        // While a container runs, lastState is the run before the current one (index restartCount - 1); while it
        // waits in back-off, it is the run that just died (index restartCount, the count having been raised when
        // that run started).
        let running = matches!(r.state, ContainerState::Running { .. });
        let last_index = if running { r.restart_count.checked_sub(1) } else { Some(r.restart_count) };
        if let Some(run) = r.last_termination.as_ref().and_then(|t| from_status(t, "lastState.terminated", last_index))
        {
            add(run, &mut runs);
        }
        if let ContainerState::Terminated(t) = &r.state
            && let Some(run) = from_status(t, "state.terminated", Some(r.restart_count))
        {
            add(run, &mut runs);
        }
    }
    // Previous-run log files: every run file but the newest is a finished run; the newest too unless running.
    let running = case.record.is_some_and(|r| matches!(r.state, ContainerState::Running { .. }));
    let newest = case.spans.iter().filter_map(|s| s.run).max();
    for span in &case.spans {
        let Some(run) = span.run else { continue };
        let finished = Some(run) != newest || !running;
        if finished {
            add(
                Run {
                    ended_at: span.last_at,
                    approximate: true,
                    started_at: Some(span.first_at),
                    exit_code: None,
                    reason: None,
                    origin: span.last.clone(),
                    run_index: Some(run),
                },
                &mut runs,
            );
        }
    }
    // Crash lines in the container's own logs (a log without run files still shows each exit).
    for s in &case.own_signals {
        if s.class() == SignalClass::LeaderElectionLost || s.class() == SignalClass::OutOfMemory {
            add(
                Run {
                    ended_at: s.last_at,
                    approximate: true,
                    started_at: None,
                    exit_code: None,
                    reason: None,
                    origin: s.last.clone(),
                    run_index: None,
                },
                &mut runs,
            );
        }
    }
    // Nothing placed but kubelet backed the container off: place one restart at the last BackOff.
    if runs.is_empty()
        && let Some(e) = case.events.iter().filter(|e| e.reason == "BackOff").max_by_key(|e| e.last_at)
    {
        runs.push(Run {
            ended_at: e.last_at - Duration::seconds(1),
            approximate: true,
            started_at: None,
            exit_code: None,
            reason: None,
            origin: e.origin.clone(),
            run_index: None,
        });
    }
    runs.sort_by_key(|r| r.ended_at);
    runs
}
