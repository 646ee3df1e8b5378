//! Decides why one restart happened.
//!
//! Storage latency is blamed only when disk-specific evidence (slow WAL fdatasync, slow backend I/O, or applies far
//! over 100 ms on the leader or a quorum) precedes the restart within the causal window, the chain to the crash is
//! visible (etcd consensus trouble, API-server errors, or the container's own lease / timeout errors), and no
//! stronger competing cause fits: OOM kill, a configuration failure right after start, NOSPACE, certificate
//! failures, a network partition or a member stall without disk evidence, liveness probes without storage trouble.
//! A late-heartbeat warning ("likely from slow disk") is supporting evidence only: a frozen or CPU-starved leader
//! prints it too.
//!
//! Pure; no I/O.

use chrono::Duration;

use crate::analyze::members::{self, DiskLevel, EtcdView, citations_for, cite_signal};
use crate::analyze::restarts::{ContainerCase, Run};
use crate::evidence::{Signal, SignalClass, SignalKind, Timestamp};
use crate::model::thresholds::{Thresholds, windows};
use crate::model::{
    ApplyShapeSeen, Attribution, AttributionSummary, Cause, Citation, Claim, Confidence, DiskSeen, EventNote, Finding,
    Link,
};

/// Evidence shared by all attributions.
pub struct Context<'a> {
    pub thresholds: &'a Thresholds,
    pub etcd: &'a EtcdView<'a>,
    /// kube-apiserver signals.
    pub apiserver: Vec<&'a Signal>,
    /// Whether any etcd member log was read at all.
    pub have_etcd_logs: bool,
    /// CPU starvation signals from any source (alerts, kernel lines, etcd members).
    pub cpu: Vec<&'a Signal>,
    /// The kine backend (`sqlite3`, `mysql`, `postgres`, or `kine` when unnamed) when the evidence shows the
    /// datastore is not etcd.
    pub datastore_not_etcd: Option<String>,
    /// Disk latency series from metrics (a healthy WAL fsync rules out the moderate-latency shape).
    pub metric_series: &'a [crate::evidence::MetricSeries],
}

/// What was found around one restart, before deciding.
struct Findings {
    oom: Vec<Citation>,
    oom_from_status: bool,
    config: Vec<Citation>,
    short_run: bool,
    nospace: Vec<Citation>,
    /// TLS failures of the container itself or of the API server towards etcd: each request fails at once, so
    /// they explain the exit whatever the disk does.
    decisive_certs: Vec<Citation>,
    /// TLS failures etcd logged (rejected client or peer connections): they compete with storage evidence.
    certs: Vec<Citation>,
    /// Node OOM kills around the exit of a process that is not shown to be this container.
    node_oom_other: Vec<Citation>,
    unavailable: Vec<Citation>,
    disk: members::DiskFinding,
    /// Disk evidence before leaving out what defragmentations explain.
    disk_raw: members::DiskFinding,
    defrags: Vec<Citation>,
    /// Whether consensus, API or the container's own trouble happened during a defragmentation.
    trouble_during_defrag: bool,
    /// Expensive requests on etcd members: citations, the slowest, and how many.
    expensive: Vec<Citation>,
    expensive_max_ms: f64,
    expensive_count: u64,
    /// Whether slow applies or consensus trouble coincide with the expensive requests.
    expensive_overlap: bool,
    /// etcd failing on a member other than this container (panic, corrupt db, membership).
    etcd_failure: Vec<Citation>,
    /// etcd failing in this container's own run, when the container is an etcd member.
    own_etcd_failure: Vec<Citation>,
    /// A panic or fatal exit of this etcd member in this run (not a timeout): decisive only without disk evidence.
    own_etcd_fatal: Vec<Citation>,
    /// CPU starvation of etcd (its container, member or node).
    cpu: Vec<Citation>,
    heartbeats_late: bool,
    /// The one member with late heartbeats while the others are calm ([`members::lone_heartbeat_member`]).
    lone_heartbeats: Option<String>,
    heartbeat_citations: Vec<Citation>,
    stall: Vec<Citation>,
    network: Vec<Citation>,
    clock: Vec<Citation>,
    probes: Vec<Citation>,
    consensus: Vec<Citation>,
    api: Vec<Citation>,
    own_chain: Vec<Citation>,
}

fn own_in<'a>(
    case: &'a ContainerCase,
    from: Timestamp,
    to: Timestamp,
    classes: &'a [SignalClass],
) -> impl Iterator<Item = &'a Signal> + 'a {
    case.own_signals
        .iter()
        .copied()
        .filter(move |s| classes.contains(&s.class()) && s.last_at >= from && s.first_at <= to)
}

fn cite_own(case: &ContainerCase, s: &Signal) -> Citation {
    cite_signal(&case.container, s)
}

fn gather(case: &ContainerCase, run: &Run, ctx: &Context) -> Findings {
    let th = ctx.thresholds;
    let end = run.ended_at;
    let slack = Duration::seconds(windows::RUN_END_SLACK_SECS);
    let oom_window = Duration::seconds(windows::OOM_EVENT_SECS);
    let window_start = end - Duration::seconds(th.causal_window_secs);
    // The run's own logs: from its start (or the causal window) to just after its end.
    let run_start = run.started_at.unwrap_or(window_start).max(window_start) - slack;
    let run_end = end + slack;

    let mut oom: Vec<Citation> =
        own_in(case, run_start, run_end, &[SignalClass::OutOfMemory]).map(|s| cite_own(case, s)).collect();
    let oom_from_status = run.reason.as_deref() == Some("OOMKilled");
    if oom_from_status {
        oom.insert(
            0,
            Citation {
                at: Some(end),
                link: Link::Kubelet,
                claim: Claim::OomKilled { container: case.container.clone(), exit_code: run.exit_code.unwrap_or(137) },
                origin: run.origin.clone(),
            },
        );
    }
    let event_citation = |e: &crate::evidence::EventRecord, note: EventNote| Citation {
        at: Some(e.last_at),
        link: Link::Kubelet,
        claim: Claim::Event { reason: e.reason.clone(), count: e.count, message: e.message.clone(), note },
        origin: e.origin.clone(),
    };
    let near_end = |e: &crate::evidence::EventRecord| e.last_at >= end - oom_window && e.first_at <= end + oom_window;
    for e in case.events.iter().filter(|e| e.reason.contains("OOM") && near_end(e)) {
        oom.push(event_citation(e, EventNote::None));
    }
    // A node's OOM events name the killed process, not the pod: they count as this container's OOM kill only when
    // the process is the container's (its name, or the process the kernel killed when pod status recorded an
    // OOMKilled termination of this container); otherwise they are competing evidence.
    let own_processes = oom_processes(case, oom_window);
    let mut node_oom_other = Vec::new();
    for e in case.node_oom_events.iter().filter(|e| near_end(e)) {
        match oom_victim(&e.message) {
            Some(p) if process_is(&case.container, p) => oom.push(event_citation(
                e,
                EventNote::NodeOwnProcess { node: e.object_name.clone(), process: p.to_string() },
            )),
            Some(p) if own_processes.contains(&p) => oom.push(event_citation(
                e,
                EventNote::NodeStatusProcess { node: e.object_name.clone(), process: p.to_string() },
            )),
            _ => node_oom_other.push(event_citation(e, EventNote::Node { node: e.object_name.clone() })),
        }
    }
    let config: Vec<Citation> =
        own_in(case, run_start, run_end, &[SignalClass::ConfigError]).map(|s| cite_own(case, s)).collect();
    let short_run = run.ran_secs().is_some_and(|s| s <= th.startup_failure_secs);

    let nospace: Vec<Citation> = citations_for(ctx.etcd, window_start, end, SignalClass::NoSpaceAlarm, 3)
        .into_iter()
        .chain(own_in(case, run_start, run_end, &[SignalClass::NoSpaceAlarm]).map(|s| cite_own(case, s)))
        .collect();
    let certs: Vec<Citation> = citations_for(ctx.etcd, window_start, end, SignalClass::CertificateError, 3);
    let decisive_certs: Vec<Citation> = own_in(case, run_start, run_end, &[SignalClass::CertificateError])
        .map(|s| cite_own(case, s))
        .chain(
            ctx.apiserver
                .iter()
                .filter(|s| {
                    s.class() == SignalClass::CertificateError && s.last_at >= window_start && s.first_at <= end
                })
                .take(3)
                .map(|s| cite_signal(&s.subject.label(), s)),
        )
        .collect();
    let unavailable: Vec<Citation> = ctx
        .apiserver
        .iter()
        .filter(|s| {
            s.class() == SignalClass::ApiServerEtcdUnreachable && s.last_at >= window_start && s.first_at <= end
        })
        .map(|s| cite_signal(&s.subject.label(), s))
        .take(3)
        .collect();

    // Disk evidence must precede the restart: look in [end - window, end]. Symptoms during a long
    // defragmentation on the same member are the defragmentation's (it blocks etcd and rewrites the db).
    let defrag_runs = members::defrags(ctx.etcd, window_start, end, th);
    let excused = members::defrag_excuses(&defrag_runs);
    let disk_raw = members::disk_finding(ctx.etcd, window_start, end, th);
    let mut disk = members::disk_finding_except(ctx.etcd, window_start, end, th, &excused);
    let defrags: Vec<Citation> = defrag_runs.iter().map(|d| d.citation.clone()).take(3).collect();
    // The trouble the defragmentation explains must happen while it runs: consensus trouble on any member, API
    // errors, or the container's own lease / timeout errors inside a defragmentation (with its slack).
    let trouble_during_defrag = excused.iter().any(|x| {
        let consensus = [
            SignalClass::HeartbeatLate,
            SignalClass::LeaderLost,
            SignalClass::ReadIndexSlow,
            SignalClass::RequestTimeout,
        ]
        .into_iter()
        .any(|c| ctx.etcd.in_range(x.from, x.to, c).next().is_some());
        let api = ctx.apiserver.iter().any(|s| {
            matches!(s.class(), SignalClass::ApiServerEtcdError | SignalClass::ApiServerSlowRequest)
                && s.last_at >= x.from
                && s.first_at <= x.to
        });
        let own = own_in(
            case,
            x.from,
            x.to,
            &[SignalClass::LeaseRenewFailed, SignalClass::ApiRequestTimeout, SignalClass::LeaderElectionLost],
        )
        .next()
        .is_some();
        consensus || api || own
    });
    // Disk latency under etcd's 1 s warning shows as slow applies on every member with matching late heartbeats on
    // the leader (see analyze::storage).
    if disk.level < DiskLevel::Moderate
        && let Some(shape) = crate::analyze::storage::apply_shape(ctx.etcd, ctx.metric_series, window_start, end, th)
    {
        disk.level = DiskLevel::Moderate;
        disk.leader_affected = true;
        disk.shape = Some((shape.members.len(), shape.apply_p50_ms, shape.heartbeat_p50_ms));
        disk.citations = shape.citations;
        let applies =
            ctx.etcd.in_range(window_start, end, SignalClass::SlowApply).filter(|(m, _)| shape.members.contains(*m));
        let times: Vec<Timestamp> = applies.map(|(_, s)| s.first_at).collect();
        disk.first_at = times.iter().min().copied();
        disk.last_at = times.iter().filter(|t| **t <= end).max().copied();
    }
    let stalls = members::stalls(ctx.etcd, window_start, end, th);
    let stalled: Vec<&str> = stalls.iter().map(|s| s.member.as_str()).collect();
    let stall: Vec<Citation> = stalls.iter().map(|s| s.citation.clone()).collect();
    // A frozen member is unreachable to its peers: those lines are part of the stall, not a network failure.
    let mut network: Vec<Citation> = ctx
        .etcd
        .in_range(window_start, end, SignalClass::PeerUnreachable)
        .chain(ctx.etcd.in_range(window_start, end, SignalClass::RaftMessageDropped))
        .filter(|(_, s)| match &s.kind {
            SignalKind::PeerUnreachable { peer, .. } | SignalKind::RaftMessageDropped { peer } => {
                !stalled.contains(&members::peer_member(ctx.etcd, peer))
            }
            _ => true,
        })
        .take(3)
        .map(|(m, s)| cite_signal(m, s))
        .collect();
    network.extend(members::prevote_loops(ctx.etcd, window_start, end, th).into_iter().take(2));

    let expensive_sigs: Vec<(&str, &Signal)> =
        ctx.etcd.in_range(window_start, end, SignalClass::ExpensiveRequest).collect();
    let expensive_max_ms = expensive_sigs.iter().map(|(_, s)| members::max_latency(s)).fold(0.0, f64::max);
    let expensive_count = expensive_sigs.iter().map(|(_, s)| s.count).sum();
    let expensive: Vec<Citation> = expensive_sigs.iter().take(3).map(|(m, s)| cite_signal(m, s)).collect();
    // Expensive requests explain the trouble that happens while they run (or just after): slow applies or
    // consensus trouble on any member within their duration and a few seconds.
    let slack = Duration::seconds(windows::DEFRAG_SLACK_SECS);
    let expensive_overlap = expensive_sigs.iter().any(|(_, s)| {
        let from = s.first_at - Duration::milliseconds(members::max_latency(s) as i64) - slack;
        let to = s.last_at + slack;
        [
            SignalClass::SlowApply,
            SignalClass::HeartbeatLate,
            SignalClass::LeaderLost,
            SignalClass::ReadIndexSlow,
            SignalClass::RequestTimeout,
        ]
        .into_iter()
        .any(|c| ctx.etcd.in_range(from, to, c).next().is_some())
    });

    // etcd failing: its own run when this container is an etcd member, another member's otherwise.
    let own_member = ctx.etcd.by_member.keys().find(|m| is_member_container(case, m)).map(String::as_str);
    let mut etcd_failure = Vec::new();
    let mut own_etcd_failure = Vec::new();
    let mut own_etcd_fatal = Vec::new();
    for (m, s) in ctx.etcd.by_member.iter().flat_map(|(m, sigs)| sigs.iter().map(move |s| (m.as_str(), *s))) {
        if !s.class().is_etcd_failure() || s.class() == SignalClass::DbLocked {
            continue;
        }
        if Some(m) == own_member && s.last_at >= run_start && s.first_at <= run_end {
            // A fatal exit on a timeout (k3s and other embedders exit when their own etcd is too slow) is a
            // symptom; the storage rules weigh it.
            let timeout = matches!(&s.kind, SignalKind::Fatal { detail }
                if detail.contains("deadline exceeded") || detail.contains("timed out") || detail.contains("timeout"));
            if timeout {
                continue;
            }
            if s.class() == SignalClass::Fatal {
                own_etcd_fatal.push(cite_signal(m, s));
            } else {
                own_etcd_failure.push(cite_signal(m, s));
            }
        } else if Some(m) != own_member && s.last_at >= window_start && s.first_at <= end {
            etcd_failure.push(cite_signal(m, s));
        }
    }
    etcd_failure.truncate(3);
    own_etcd_failure.truncate(3);
    own_etcd_fatal.truncate(3);

    let etcd_names: Vec<&str> = ctx.etcd.by_member.keys().map(String::as_str).collect();
    let cpu: Vec<Citation> = ctx
        .cpu
        .iter()
        .filter(|s| s.last_at >= window_start && s.first_at <= end)
        .filter(|s| cpu_concerns_etcd(s, &etcd_names))
        .take(3)
        .map(|s| cite_signal(&s.subject.label(), s))
        .collect();
    let heartbeats_late = ctx.etcd.in_range(window_start, end, SignalClass::HeartbeatLate).next().is_some();
    let lone_heartbeats = members::lone_heartbeat_member(ctx.etcd, window_start, end);
    let heartbeat_citations = citations_for(ctx.etcd, window_start, end, SignalClass::HeartbeatLate, 1);
    let clock = citations_for(ctx.etcd, window_start, end, SignalClass::ClockDrift, 3);

    let probes: Vec<Citation> = case
        .events
        .iter()
        .filter(|e| {
            (e.reason == "Unhealthy" && e.message.contains("Liveness"))
                || (e.reason == "Killing" && e.message.contains("liveness"))
        })
        .filter(|e| e.last_at >= window_start && e.first_at <= end + slack)
        .map(|e| Citation {
            at: Some(e.last_at),
            link: Link::Kubelet,
            claim: Claim::Event {
                reason: e.reason.clone(),
                count: e.count,
                message: e.message.clone(),
                note: EventNote::None,
            },
            origin: e.origin.clone(),
        })
        .collect();

    // Most telling first: late heartbeats and elections, then read-index and request timeouts (busiest burst of
    // each class; attribution() orders the final list by time).
    let mut consensus = Vec::new();
    for class in [
        SignalClass::HeartbeatLate,
        SignalClass::LeaderElected,
        SignalClass::LeaderLost,
        SignalClass::ReadIndexSlow,
        SignalClass::RequestTimeout,
    ] {
        consensus.extend(citations_for(ctx.etcd, window_start, end, class, 1));
    }
    let api: Vec<Citation> = ctx
        .apiserver
        .iter()
        .filter(|s| matches!(s.class(), SignalClass::ApiServerEtcdError | SignalClass::ApiServerSlowRequest))
        .filter(|s| s.last_at >= window_start && s.first_at <= end)
        .map(|s| cite_signal(&s.subject.label(), s))
        .take(3)
        .collect();
    let own_chain: Vec<Citation> = own_in(
        case,
        run_start,
        run_end,
        &[SignalClass::LeaseRenewFailed, SignalClass::ApiRequestTimeout, SignalClass::LeaderElectionLost],
    )
    .map(|s| cite_own(case, s))
    .collect();

    Findings {
        oom,
        oom_from_status,
        config,
        short_run,
        nospace,
        decisive_certs,
        certs,
        node_oom_other,
        unavailable,
        disk,
        disk_raw,
        defrags,
        trouble_during_defrag,
        expensive,
        expensive_max_ms,
        expensive_count,
        expensive_overlap,
        etcd_failure,
        own_etcd_failure,
        own_etcd_fatal,
        cpu,
        heartbeats_late,
        lone_heartbeats,
        heartbeat_citations,
        stall,
        network,
        clock,
        probes,
        consensus,
        api,
        own_chain,
    }
}

fn attribution(
    case: &ContainerCase,
    run: &Run,
    cause: Cause,
    confidence: Confidence,
    finding: Finding,
    mut evidence: Vec<Citation>,
) -> Attribution {
    evidence.sort_by_key(|c| c.at);
    evidence.dedup();
    let summary = AttributionSummary {
        container: case.container.clone(),
        exit_code: run.exit_code,
        exit_reason: run.reason.clone(),
        finding,
    };
    Attribution { cause, confidence, summary, evidence }
}

/// Attributes one restart.
pub fn attribute(case: &ContainerCase, run: &Run, ctx: &Context) -> Attribution {
    let f = gather(case, run, ctx);
    let th = ctx.thresholds;
    let attribution =
        |cause, confidence, finding, evidence| attribution(case, run, cause, confidence, finding, evidence);

    if !f.oom.is_empty() {
        let conf = if f.oom_from_status { Confidence::High } else { Confidence::Medium };
        return attribution(Cause::OutOfMemory, conf, Finding::OomKilled, f.oom);
    }
    if !f.config.is_empty() {
        let conf = if f.short_run { Confidence::High } else { Confidence::Medium };
        return attribution(Cause::ConfigError, conf, Finding::ConfigError { ran_secs: run.ran_secs() }, f.config);
    }
    if !f.decisive_certs.is_empty() {
        return attribution(
            Cause::CertificateError,
            Confidence::High,
            Finding::OwnCertificateFailures,
            f.decisive_certs,
        );
    }
    if !f.nospace.is_empty() {
        return attribution(Cause::NoSpaceAlarm, Confidence::Medium, Finding::NospaceAlarm, f.nospace);
    }

    // A corrupt db or a wrong membership fails every start, whatever the disk does.
    if !f.own_etcd_failure.is_empty() {
        return attribution(Cause::EtcdFailure, Confidence::High, Finding::OwnEtcdFailure, f.own_etcd_failure);
    }
    // A panic explains the exit when the disk does not.
    if !f.own_etcd_fatal.is_empty() && f.disk.level < DiskLevel::Moderate {
        return attribution(Cause::EtcdFailure, Confidence::Medium, Finding::OwnEtcdFatal, f.own_etcd_fatal);
    }

    let chain_links =
        [!f.consensus.is_empty(), !f.api.is_empty(), !f.own_chain.is_empty()].iter().filter(|b| **b).count();
    let chain_seen = chain_links > 0;
    let full_chain = !f.own_chain.is_empty() && (!f.consensus.is_empty() || !f.api.is_empty());
    let disk = &f.disk;
    let disk_precedes = disk.first_at.is_some_and(|t| t <= run.ended_at);
    // Without a slow WAL sync, severe applies are not the disk's when something else makes etcd slow: CPU
    // starvation (a WAL sync timed across a CPU stall is inflated too, but applies are inflated first) or
    // expensive requests that the other applies queue behind.
    let expensive_significant = f.expensive_overlap
        && (f.expensive_max_ms >= th.expensive_request_ms || f.expensive_count >= th.expensive_request_count);
    let applies_explained_otherwise = disk.wal_members.is_empty() && (!f.cpu.is_empty() || expensive_significant);

    if disk.level >= DiskLevel::Moderate && disk_precedes && chain_seen && !applies_explained_otherwise {
        let mut conf = if disk.level == DiskLevel::Strong { Confidence::High } else { Confidence::Medium };
        // The full chain is disk -> etcd consensus or API errors -> the container's own lease/timeout errors.
        let full_chain = !f.own_chain.is_empty() && (!f.consensus.is_empty() || !f.api.is_empty());
        if !full_chain {
            conf = conf.lower();
        }
        let competing = !f.network.is_empty()
            || !f.clock.is_empty()
            || !f.certs.is_empty()
            || !f.unavailable.is_empty()
            || !f.node_oom_other.is_empty()
            || (!f.defrags.is_empty() && (f.trouble_during_defrag || f.disk_raw.level > disk.level))
            || !f.cpu.is_empty()
            || expensive_significant
            || !f.etcd_failure.is_empty()
            || !f.own_etcd_fatal.is_empty();
        if competing {
            conf = conf.lower();
        }
        let summary = Finding::StorageStall {
            stall_to_exit_secs: disk.last_at.map(|t| (run.ended_at - t).num_seconds().max(0)),
            window_secs: th.causal_window_secs,
            disk: disk_seen(disk, ctx.etcd.member_count),
            consensus: !f.consensus.is_empty(),
            api_errors: !f.api.is_empty(),
            own_errors: !f.own_chain.is_empty(),
            competing,
        };
        // The strongest record of each link: the slowest disk bursts, the busiest consensus trouble, and the
        // container's own lines closest to its exit.
        // disk.citations lists slow WAL syncs (slowest burst per member) before slow applies.
        let mut evidence: Vec<Citation> = disk.citations.iter().take(3).cloned().collect();
        evidence.extend(f.consensus.iter().take(2).cloned());
        evidence.extend(f.api.iter().take(1).cloned());
        evidence.extend(f.own_chain.iter().rev().take(2).cloned());
        return attribution(Cause::StorageLatency, conf, summary, evidence);
    }
    if !f.defrags.is_empty() && f.trouble_during_defrag && chain_seen {
        let mut evidence = f.defrags.clone();
        evidence.extend(f.disk_raw.citations.iter().take(2).cloned());
        evidence.extend(f.consensus.iter().take(2).cloned());
        evidence.extend(f.own_chain.iter().rev().take(2).cloned());
        let conf = if full_chain { Confidence::Medium } else { Confidence::Low };
        return attribution(
            Cause::Defragmentation,
            conf,
            Finding::Defragmentation { blocking_ms: th.defrag_blocking_ms },
            evidence,
        );
    }
    if !f.certs.is_empty() {
        return attribution(Cause::CertificateError, Confidence::Medium, Finding::EtcdCertificateFailures, f.certs);
    }
    if !f.unavailable.is_empty() {
        return attribution(Cause::EtcdUnavailable, Confidence::Medium, Finding::EtcdUnreachable, f.unavailable);
    }
    if !f.etcd_failure.is_empty() && chain_seen {
        let mut evidence = f.etcd_failure.clone();
        evidence.extend(f.consensus.iter().take(2).cloned());
        evidence.extend(f.api.iter().take(1).cloned());
        evidence.extend(f.own_chain.iter().rev().take(2).cloned());
        let conf = if full_chain { Confidence::Medium } else { Confidence::Low };
        return attribution(Cause::EtcdFailure, conf, Finding::EtcdMemberFailing, evidence);
    }
    if expensive_significant && chain_seen && disk.wal_members.is_empty() {
        let mut evidence = f.expensive.clone();
        evidence.extend(f.consensus.iter().take(2).cloned());
        evidence.extend(f.own_chain.iter().rev().take(2).cloned());
        let conf = if full_chain { Confidence::Medium } else { Confidence::Low };
        return attribution(
            Cause::ExpensiveRequests,
            conf,
            Finding::ExpensiveRequests { requests: f.expensive_count, slowest_ms: f.expensive_max_ms },
            evidence,
        );
    }
    let cpu_stall = !f.cpu.is_empty() && (f.heartbeats_late || disk.level >= DiskLevel::Weak);
    // A lone leader with late heartbeats while its followers are calm is starved or frozen, whatever etcd's
    // "likely from slow disk" wording says (only below the moderate level: a disk explanation was weighed above).
    let lone = disk.level < DiskLevel::Moderate && f.lone_heartbeats.is_some();
    if (!f.stall.is_empty() || cpu_stall || lone) && chain_seen {
        let mut evidence = f.stall.clone();
        evidence.extend(f.cpu.iter().cloned());
        evidence.extend(f.consensus.iter().take(3).cloned());
        evidence.extend(f.own_chain.iter().take(3).cloned());
        let mut conf = if f.own_chain.is_empty() { Confidence::Low } else { Confidence::Medium };
        // Node or cgroup evidence of CPU starvation beside a stall is the stall's cause seen directly.
        if !f.cpu.is_empty() && !f.stall.is_empty() && !f.own_chain.is_empty() {
            conf = Confidence::High;
        }
        if f.stall.is_empty() {
            let base = if full_chain { Confidence::Medium } else { Confidence::Low };
            // Node or cgroup evidence of CPU starvation and the lone-member shape agree: one level surer.
            let conf = if lone && !f.cpu.is_empty() {
                if base == Confidence::Low { Confidence::Medium } else { Confidence::High }
            } else if lone {
                base
            } else {
                Confidence::Low
            };
            evidence.extend(f.heartbeat_citations.iter().cloned());
            let summary = match &f.lone_heartbeats {
                Some(who) if lone => Finding::LoneMemberStarved { member: who.clone() },
                _ => Finding::CpuStarved,
            };
            return attribution(Cause::EtcdStall, conf, summary, evidence);
        }
        let summary = Finding::RaftStall { stall_ms: th.stall_without_fsync_ms };
        return attribution(Cause::EtcdStall, conf, summary, evidence);
    }
    if !f.network.is_empty() && chain_seen {
        let mut evidence = f.network.clone();
        evidence.extend(f.consensus.iter().take(3).cloned());
        evidence.extend(f.own_chain.iter().take(2).cloned());
        return attribution(Cause::NetworkPartition, Confidence::Medium, Finding::PeersUnreachable, evidence);
    }
    if !f.clock.is_empty() && chain_seen {
        return attribution(Cause::ClockSkew, Confidence::Low, Finding::ClockDrift, f.clock);
    }
    if !f.probes.is_empty() && disk.level < DiskLevel::Moderate {
        return attribution(Cause::ProbeFailure, Confidence::Medium, Finding::ProbeKills, f.probes);
    }
    if !f.node_oom_other.is_empty() {
        return attribution(Cause::OutOfMemory, Confidence::Low, Finding::NodeOomKills, f.node_oom_other);
    }
    // Nothing decisive: say what was and was not seen.
    let mut evidence = f.own_chain.clone();
    evidence.extend(f.consensus.iter().take(3).cloned());
    evidence.extend(disk.citations.iter().cloned());
    let summary = if let Some(backend) = ctx.datastore_not_etcd.as_deref().filter(|_| !ctx.have_etcd_logs) {
        Finding::NotEtcd { backend: backend.to_string() }
    } else if !ctx.have_etcd_logs && !f.own_chain.is_empty() {
        Finding::NoEtcdLogs
    } else if disk.level == DiskLevel::Weak {
        Finding::ModerateApplies { apply_max_ms: disk.max_apply_ms }
    } else if disk.level >= DiskLevel::Moderate && !chain_seen {
        Finding::DiskWithoutChain
    } else if !f.own_chain.is_empty() {
        Finding::LeaseLostNoCause
    } else {
        Finding::NoCause
    };
    attribution(Cause::Unexplained, Confidence::Low, summary, evidence)
}

/// The process a node OOM event names: `Killed process 2829 (karmada-control)` (node-problem-detector, from the
/// kernel log) or `victim process: karmada-control, pid: 2829` (the kubelet's SystemOOM).
pub(crate) fn oom_victim(message: &str) -> Option<&str> {
    if let Some(i) = message.find("victim process: ") {
        let rest = &message[i + "victim process: ".len()..];
        return rest.split(',').next().map(str::trim).filter(|p| !p.is_empty());
    }
    let rest = &message[message.find("Killed process ")?..];
    let open = rest.find('(')? + 1;
    let close = open + rest[open..].find(')')?;
    Some(&rest[open..close]).filter(|p| !p.is_empty())
}

/// Processes a node killed for OOM within `window` of a termination that pod status records as OOMKilled: the
/// container's own process, whatever its name.
fn oom_processes<'a>(case: &'a ContainerCase, window: Duration) -> Vec<&'a str> {
    let mut names: Vec<&str> = case
        .runs
        .iter()
        .filter(|r| !r.approximate && r.reason.as_deref() == Some("OOMKilled"))
        .flat_map(|r| {
            case.node_oom_events
                .iter()
                .filter(move |e| e.last_at >= r.ended_at - window && e.first_at <= r.ended_at + window)
                .filter_map(|e| oom_victim(&e.message))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether a killed process's name is this container's. The kernel keeps 15 bytes of a process name, so
/// `karmada-control` is the `karmada-controller-manager` container.
pub(crate) fn process_is(container: &str, process: &str) -> bool {
    let (c, p) = (container.to_ascii_lowercase(), process.to_ascii_lowercase());
    p.len() >= 3 && (c.starts_with(&p) || p.starts_with(&c))
}

/// Whether this container is the etcd member `member` (kubeadm's static pod `etcd-<node>` with container `etcd`,
/// or a pod named like the member).
fn is_member_container(case: &ContainerCase, member: &str) -> bool {
    case.pod == member || (case.container == "etcd" && (member.contains(&case.pod) || case.pod.contains(member)))
}

/// Whether a CPU starvation signal concerns etcd: an etcd member's own line, a line naming etcd (the
/// `CPUThrottlingHigh` alert names the container and pod), or a line from the node of a member.
fn cpu_concerns_etcd(s: &Signal, etcd_members: &[&str]) -> bool {
    use crate::evidence::Subject;
    match &s.subject {
        Subject::EtcdMember { .. } => true,
        Subject::Node { name } => etcd_members.iter().any(|m| m.contains(name.as_str()) || name.contains(m)),
        _ => match &s.kind {
            SignalKind::CpuStarved { detail } => detail.contains("etcd"),
            _ => false,
        },
    }
}

fn disk_seen(d: &members::DiskFinding, member_count: usize) -> DiskSeen {
    DiskSeen {
        wal_members: d.wal_members.iter().cloned().collect(),
        wal_max_ms: d.max_wal_ms,
        leader_affected: d.leader_affected,
        apply_members: d.severe_apply_members.iter().cloned().collect(),
        apply_max_ms: d.max_apply_ms,
        member_count,
        shape: d.shape.map(|(members, apply_p50_ms, heartbeat_p50_ms)| ApplyShapeSeen {
            members,
            apply_p50_ms,
            heartbeat_p50_ms,
        }),
    }
}
