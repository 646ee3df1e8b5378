//! Words for the report's verdict: its headline, reasoning, the alternatives it weighed and what would settle it.

use crate::model::{
    Assumption, Cause, EtcdHealth, Verdict, VerdictHeadline, VerdictReason, VerdictSettle, WhyNot, WindowBasis,
};
use crate::report::format::fmt_ms;

/// The one-line answer.
pub fn headline(h: &VerdictHeadline) -> String {
    match h {
        VerdictHeadline::NoRestarts => "No container restarts or crash loops in the evidence".into(),
        VerdictHeadline::NonePlaced { containers } => {
            format!("{containers} container(s) restarted, but no restart could be placed in time")
        }
        VerdictHeadline::NothingExplained => "Inconclusive: the evidence explains none of the restarts".into(),
        VerdictHeadline::Mixed => "Inconclusive: no single cause explains most restarts".into(),
        VerdictHeadline::Cause { cause: Cause::StorageLatency, confidence } => {
            format!("CrashLoopBackOff is caused by etcd storage latency ({} confidence)", confidence.word())
        }
        VerdictHeadline::Cause { cause, confidence } => {
            format!("Not storage: the restarts fit {} ({} confidence)", super::cause(*cause), confidence.word())
        }
    }
}

/// The verdict's headline.
pub fn verdict_headline(v: &Verdict) -> String {
    headline(&v.headline)
}

/// The reasoning as one paragraph.
pub fn reasoning(v: &Verdict) -> String {
    v.reasoning.iter().map(reason).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// One sentence (or two) of reasoning.
pub fn reason(r: &VerdictReason) -> String {
    match r {
        VerdictReason::NoRestartSeen => "No pod status, events or container logs in the window show a restart.".into(),
        VerdictReason::RestartsUnplaced { restarts } => format!(
            "Pod status reports {restarts} restarts, but there is no lastState.finishedAt, previous log or BackOff \
             event inside the window to place them, so they cannot be correlated with etcd."
        ),
        VerdictReason::Tally { containers, restarts, placed, by_cause } => {
            let breakdown = by_cause
                .iter()
                .map(|t| format!("{} {} ({} confidence)", t.restarts, super::cause(t.cause), t.confidence.word()))
                .collect::<Vec<_>>()
                .join("; ");
            format!(
                "{containers} container(s) restarted {restarts} time(s) in total; {placed} restart(s) could be placed \
                 in time and attributed: {breakdown}."
            )
        }
        VerdictReason::EtcdHealth { etcd } => etcd_health(etcd),
        VerdictReason::Chain { cause } => chain(*cause).into(),
        VerdictReason::UnexplainedNotCounted { restarts } => {
            format!("{restarts} restart(s) show no cause of their own and are not counted against it.")
        }
        VerdictReason::GapsLowerConfidence { missing } => {
            let missing: Vec<String> = missing.iter().map(super::gaps::reason_what).collect();
            format!("Missing evidence lowers confidence: {}.", missing.join("; "))
        }
    }
}

/// What etcd's logs show.
pub fn etcd_health(h: &EtcdHealth) -> String {
    let EtcdHealth::Logged {
        members,
        wal_members,
        wal_max_ms,
        wal_guidance_ms,
        apply_max_ms,
        late_heartbeats,
        leader_changes,
    } = h
    else {
        return "No etcd member logs were available.".into();
    };
    let mut s = if *wal_members > 0 {
        format!(
            "etcd logged slow WAL fdatasync on {wal_members} of {members} members (max {}, {:.0}x the {} p99 guidance)",
            fmt_ms(*wal_max_ms),
            wal_max_ms / wal_guidance_ms,
            fmt_ms(*wal_guidance_ms)
        )
    } else {
        format!("etcd logged no WAL fdatasync over 1s on its {members} member(s)")
    };
    if *apply_max_ms > 0.0 {
        s.push_str(&format!(", applies up to {}", fmt_ms(*apply_max_ms)));
    }
    if *late_heartbeats > 0 {
        s.push_str(&format!(", {late_heartbeats} late heartbeats"));
    }
    if *leader_changes > 0 {
        s.push_str(&format!(", and up to {leader_changes} leader changes seen by a member"));
    }
    s.push('.');
    s
}

/// How a cause reaches the crashes (empty for causes without a chain to tell).
pub fn chain(cause: Cause) -> &'static str {
    match cause {
        Cause::StorageLatency => {
            "The chain is visible: slow WAL/backend I/O on etcd blocks the raft loop, heartbeats go out late and \
             leaders change, requests time out, and the controllers cannot renew their leader-election leases, exit, \
             and are backed off by the kubelet."
        }
        Cause::EtcdStall => {
            "etcd's heartbeat warnings say 'likely from slow disk', but no slow WAL fdatasync accompanies the stalls \
             on the same member: the process was frozen or starved of CPU."
        }
        Cause::Defragmentation => {
            "A defragmentation blocks a member's reads and writes for its whole duration; the slow operations fall \
             inside it."
        }
        Cause::ExpensiveRequests => {
            "Requests returning huge ranges keep etcd busy and the other requests queue behind them; no slow WAL \
             fdatasync points at the disk."
        }
        _ => "",
    }
}

/// Why an alternative cause fits less well.
pub fn why_not(w: &WhyNot) -> String {
    match w {
        WhyNot::ExplainsFew { restarts, placed } => {
            format!("explains {restarts} of {placed} placed restarts, not most of them")
        }
        WhyNot::WalSyncsWithoutChain { syncs } => format!(
            "{syncs} slow WAL syncs were logged, but not on the leader or a quorum before the restarts, or with no \
             visible chain to them"
        ),
        WhyNot::AppliesWithoutWalSync { apply_max_ms } => format!(
            "applies reached {} but no WAL fdatasync over 1s was logged; on their own they do not single out the disk",
            fmt_ms(*apply_max_ms)
        ),
        WhyNot::NoDiskEvidence => "no slow WAL fdatasync and no severe apply latency in etcd's logs".into(),
        WhyNot::NoStall => "no late heartbeat over 1s without a slow fdatasync on the same member".into(),
        WhyNot::NoPeerErrors => "no peer connectivity errors in etcd's logs".into(),
        WhyNot::PeerErrorsExplained { errors } => format!(
            "{errors} peer connectivity errors were logged, but they coincide with disk latency or a stalled member \
             (a frozen member is unreachable to its peers), which fits the restarts better"
        ),
        WhyNot::NoOomKill => "no restart ended OOMKilled and no OOM events or log lines".into(),
        WhyNot::NoConfigError => "no configuration errors at start-up in the containers' logs".into(),
        WhyNot::NoProbeKills => "no liveness-probe kills without storage trouble".into(),
        WhyNot::NoNospaceAlarm => "no NOSPACE alarm or 'database space exceeded'".into(),
        WhyNot::NoClockDrift => "no clock drift warnings between members".into(),
        WhyNot::NoCertificateErrors => "no TLS certificate errors".into(),
        WhyNot::NoDefrag { blocking_ms } => {
            format!("no defragmentation over {} in etcd's logs", fmt_ms(*blocking_ms))
        }
        WhyNot::DefragsApart { defrags } => {
            format!("{defrags} defragmentation(s) logged, but not over the restarts' slow operations")
        }
        WhyNot::NoExpensiveRequests => "no request with a huge response in etcd's logs".into(),
        WhyNot::ExpensiveTooFew { requests } => format!(
            "{requests} request(s) with huge responses logged, too few or too fast to explain the restarts, or beside \
             slow WAL syncs"
        ),
        WhyNot::NoEtcdFailure => "no etcd panic, corrupt db or membership error".into(),
    }
}

/// What would settle the verdict.
pub fn settle(s: &VerdictSettle) -> String {
    match s {
        VerdictSettle::EtcdLogs => "etcd logs from every member for the incident window".into(),
        VerdictSettle::PodStatus => {
            "pod status with lastState (kubectl get pods -o json) taken during the incident".into()
        }
        VerdictSettle::PreviousLogs => {
            "previous logs of the restarting containers (kubectl logs --previous --timestamps)".into()
        }
        VerdictSettle::Events => "events for the pods (kubectl get events -o json)".into(),
        VerdictSettle::Gap { reason } => {
            format!("{} ({})", super::gaps::reason_what(reason), super::gaps::reason_why(reason))
        }
        VerdictSettle::DiskMetrics => "etcd disk metrics for the window: etcd_disk_wal_fsync_duration_seconds and \
             etcd_disk_backend_commit_duration_seconds histograms (p99 over 10ms / 25ms confirms the disk)"
            .into(),
        VerdictSettle::DiskProbe => {
            "the etcd fio test on the etcd data disk (p99 fdatasync under 10ms is healthy)".into()
        }
        VerdictSettle::MemberCpu => {
            "CPU throttling and steal time of the etcd member's node and container for the window".into()
        }
        VerdictSettle::EtcdThrottling => "container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total \
             of the etcd containers for the window (throttling makes applies and heartbeats late without a slow disk)"
            .into(),
        VerdictSettle::DefragSchedule => "etcd_disk_backend_defrag_duration_seconds and the defrag schedule: did a \
             defrag run on several members at once?"
            .into(),
        VerdictSettle::AuditLog => {
            "the API server's audit log for the window, to name the clients listing whole resources".into()
        }
    }
}

/// How the window was chosen (`--since 2h before the latest evidence`).
pub fn window_basis(b: &WindowBasis) -> String {
    match b {
        WindowBasis::EvidenceSpan { dated: true } => "the evidence's own time span".into(),
        WindowBasis::EvidenceSpan { dated: false } => "the evidence's own time span (no dated evidence)".into(),
        WindowBasis::SinceBeforeTo { since_secs } => format!("--since {} before --to", flag_duration(*since_secs)),
        WindowBasis::SinceBeforeNow { since_secs } => format!("--since {} before now", flag_duration(*since_secs)),
        WindowBasis::SinceBeforeLatest { since_secs } => {
            format!("--since {} before the latest evidence", flag_duration(*since_secs))
        }
        WindowBasis::FromTo => "--from/--to".into(),
        WindowBasis::Collection { basis } => crate::report::words::collection::window_basis(basis),
    }
}

/// An assumption the analysis made.
pub fn assumption(a: &Assumption) -> String {
    match a {
        Assumption::Evidence { note } => crate::report::words::inputs::note(note),
        Assumption::MetricsAreMember { alias, member, id, source } => {
            format!("metrics for {alias} are etcd member {member} (etcd_server_id {id} in {source})")
        }
        Assumption::MetricsAliasAmbiguous { alias, kept, other } => {
            format!("metrics name {alias} for two etcd members ({kept} and {other}); kept {kept}")
        }
        Assumption::DuplicatesCountedOnce { bursts } => format!(
            "{bursts} signal bursts appeared identically in two inputs (e.g. a cluster-info dump logs.txt and the CRI \
             file it was read from) and were counted once"
        ),
    }
}

/// A duration as `--since` spells it (`2h`, `90m`, `1d`).
fn flag_duration(s: i64) -> String {
    if s % 86400 == 0 && s > 0 {
        format!("{}d", s / 86400)
    } else if s % 3600 == 0 && s > 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 && s > 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::CollectionWindow;
    use crate::model::{CauseTally, Confidence};

    #[test]
    fn headlines_name_the_cause_the_confidence_and_the_counts() {
        let h = headline(&VerdictHeadline::Cause { cause: Cause::StorageLatency, confidence: Confidence::High });
        assert!(h.contains("etcd storage latency") && h.contains("high confidence"), "{h}");
        let h = headline(&VerdictHeadline::Cause { cause: Cause::OutOfMemory, confidence: Confidence::Low });
        assert!(h.starts_with("Not storage") && h.contains("OOM kill") && h.contains("low"), "{h}");
        assert!(headline(&VerdictHeadline::NonePlaced { containers: 7 }).starts_with("7 container(s)"));
        for h in [VerdictHeadline::NoRestarts, VerdictHeadline::NothingExplained, VerdictHeadline::Mixed] {
            assert!(!headline(&h).is_empty());
        }
    }

    #[test]
    fn reasons_carry_their_figures() {
        let tally = reason(&VerdictReason::Tally {
            containers: 2,
            restarts: 41,
            placed: 9,
            by_cause: vec![
                CauseTally { cause: Cause::StorageLatency, restarts: 8, confidence: Confidence::High },
                CauseTally { cause: Cause::Unexplained, restarts: 1, confidence: Confidence::Low },
            ],
        });
        assert!(tally.starts_with("2 container(s) restarted 41 time(s)"), "{tally}");
        assert!(
            tally.contains("9 restart(s)") && tally.contains("8 etcd storage latency (high confidence)"),
            "{tally}"
        );
        assert!(tally.contains("; 1 unexplained exit (low confidence)"), "{tally}");
        assert!(reason(&VerdictReason::RestartsUnplaced { restarts: 13 }).contains("reports 13 restarts"));
        assert!(reason(&VerdictReason::UnexplainedNotCounted { restarts: 3 }).starts_with("3 restart(s)"));
        let recorded = |what: &str| crate::evidence::GapReason::Recorded { what: what.into(), why: String::new() };
        let gaps = reason(&VerdictReason::GapsLowerConfidence { missing: vec![recorded("a"), recorded("b")] });
        assert!(gaps.contains("a; b"), "{gaps}");
        assert!(reason(&VerdictReason::Chain { cause: Cause::StorageLatency }).contains("raft loop"));
        assert!(reason(&VerdictReason::Chain { cause: Cause::OutOfMemory }).is_empty());
        assert!(!reason(&VerdictReason::NoRestartSeen).is_empty());
    }

    #[test]
    fn etcd_health_gives_members_latencies_and_ratios() {
        let s = etcd_health(&EtcdHealth::Logged {
            members: 3,
            wal_members: 2,
            wal_max_ms: 3000.0,
            wal_guidance_ms: 10.0,
            apply_max_ms: 2400.0,
            late_heartbeats: 17,
            leader_changes: 4,
        });
        assert!(s.contains("on 2 of 3 members (max 3s, 300x the 10ms p99 guidance)"), "{s}");
        assert!(s.contains("applies up to 2.4s") && s.contains("17 late heartbeats") && s.contains("4 leader"), "{s}");
        let calm = etcd_health(&EtcdHealth::Logged {
            members: 1,
            wal_members: 0,
            wal_max_ms: 0.0,
            wal_guidance_ms: 10.0,
            apply_max_ms: 0.0,
            late_heartbeats: 0,
            leader_changes: 0,
        });
        assert_eq!(calm, "etcd logged no WAL fdatasync over 1s on its 1 member(s).");
        assert!(etcd_health(&EtcdHealth::NoLogs).contains("No etcd member logs"));
    }

    #[test]
    fn why_not_carries_counts_and_durations() {
        assert!(why_not(&WhyNot::ExplainsFew { restarts: 2, placed: 9 }).contains("2 of 9"));
        assert!(why_not(&WhyNot::WalSyncsWithoutChain { syncs: 12 }).starts_with("12 slow WAL syncs"));
        assert!(why_not(&WhyNot::AppliesWithoutWalSync { apply_max_ms: 1500.0 }).contains("1.5s"));
        assert!(why_not(&WhyNot::PeerErrorsExplained { errors: 5 }).starts_with("5 peer"));
        assert!(why_not(&WhyNot::NoDefrag { blocking_ms: 1000.0 }).contains("over 1s"));
        assert!(why_not(&WhyNot::DefragsApart { defrags: 2 }).starts_with("2 defrag"));
        assert!(why_not(&WhyNot::ExpensiveTooFew { requests: 4 }).starts_with("4 request(s)"));
        for w in [
            WhyNot::NoDiskEvidence,
            WhyNot::NoStall,
            WhyNot::NoPeerErrors,
            WhyNot::NoOomKill,
            WhyNot::NoConfigError,
            WhyNot::NoProbeKills,
            WhyNot::NoNospaceAlarm,
            WhyNot::NoClockDrift,
            WhyNot::NoCertificateErrors,
            WhyNot::NoExpensiveRequests,
            WhyNot::NoEtcdFailure,
        ] {
            assert!(why_not(&w).starts_with("no "), "{w:?}");
        }
    }

    #[test]
    fn window_basis_spells_the_flag_and_its_duration() {
        assert_eq!(
            window_basis(&WindowBasis::SinceBeforeLatest { since_secs: 7200 }),
            "--since 2h before the latest evidence"
        );
        assert_eq!(window_basis(&WindowBasis::SinceBeforeNow { since_secs: 5400 }), "--since 90m before now");
        assert_eq!(window_basis(&WindowBasis::SinceBeforeTo { since_secs: 86400 }), "--since 1d before --to");
        assert_eq!(window_basis(&WindowBasis::SinceBeforeTo { since_secs: 45 }), "--since 45s before --to");
        assert_eq!(window_basis(&WindowBasis::FromTo), "--from/--to");
        assert!(window_basis(&WindowBasis::EvidenceSpan { dated: false }).contains("no dated evidence"));
        assert_eq!(
            window_basis(&WindowBasis::Collection { basis: CollectionWindow::Recorded("as collected".into()) }),
            "as collected"
        );
    }

    #[test]
    fn assumptions_give_their_counts() {
        let a = assumption(&Assumption::DuplicatesCountedOnce { bursts: 12 });
        assert!(a.starts_with("12 signal bursts") && a.ends_with("counted once"), "{a}");
        let note = crate::evidence::Note::NoPodName { file: "describe.txt".into() };
        assert!(assumption(&Assumption::Evidence { note }).starts_with("describe.txt: the describe text"));
    }

    #[test]
    fn settle_names_what_to_collect() {
        let reason = crate::evidence::GapReason::Recorded { what: "etcd /metrics".into(), why: "403 Forbidden".into() };
        let g = settle(&VerdictSettle::Gap { reason });
        assert_eq!(g, "etcd /metrics (403 Forbidden)");
        assert!(settle(&VerdictSettle::DiskMetrics).contains("etcd_disk_wal_fsync_duration_seconds"));
        assert!(settle(&VerdictSettle::PreviousLogs).contains("--previous"));
        for s in [
            VerdictSettle::EtcdLogs,
            VerdictSettle::PodStatus,
            VerdictSettle::Events,
            VerdictSettle::DiskProbe,
            VerdictSettle::MemberCpu,
            VerdictSettle::EtcdThrottling,
            VerdictSettle::DefragSchedule,
            VerdictSettle::AuditLog,
        ] {
            assert!(!settle(&s).is_empty(), "{s:?}");
        }
    }
}
