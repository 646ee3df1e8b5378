//! Attribution rules on constructed evidence: one test per competing cause and per trap the lab cannot stage
//! (NOSPACE, certificates, clock drift, a partition, probe kills, disk evidence after the restart).

use chrono::Duration;

use super::*;
use crate::evidence::{
    ContainerRecord, ContainerState, EventRecord, LatencyDigest, MemberId, Origin, Signal, SignalKind, Subject,
    Termination, Timestamp,
};
use crate::model::{Cause, Confidence, Outcome};

pub(super) fn t(secs: i64) -> Timestamp {
    Timestamp::from_timestamp(1_790_000_000 + secs, 0).expect("valid test time")
}

pub(super) fn member(name: &str) -> Subject {
    Subject::EtcdMember { name: name.into() }
}

pub(super) fn victim() -> Subject {
    Subject::Container { namespace: "karmada-system".into(), pod: "cm-1".into(), container: "manager".into() }
}

pub(super) fn signal(subject: Subject, kind: SignalKind, at: i64, count: u64) -> Signal {
    let latency = kind.latency_ms().map(LatencyDigest::single);
    Signal {
        subject,
        kind,
        first_at: t(at),
        last_at: t(at + count as i64),
        count,
        first: Origin::new("test.log", Some(at as u64 + 1)),
        last: Origin::new("test.log", Some(at as u64 + count)),
        latency,
        time_assumed: false,
    }
}

/// A controller that crash-loops: last terminated at t(600) with exit 1, having run from t(300).
pub(super) fn crashed(reason: &str, exit_code: i32) -> ContainerRecord {
    ContainerRecord {
        namespace: "karmada-system".into(),
        pod: "cm-1".into(),
        container: "manager".into(),
        node: Some("nuc".into()),
        restart_count: 3,
        state: ContainerState::Waiting { reason: "CrashLoopBackOff".into(), message: None },
        last_termination: Some(Termination {
            exit_code,
            reason: Some(reason.into()),
            message: None,
            started_at: Some(t(300)),
            finished_at: Some(t(600)),
        }),
        labels: Default::default(),
        origin: Origin::new("pods.json#items[0]", None),
    }
}

/// Three members with known ids; etcd-a leads from t(0).
pub(super) fn etcd_cluster() -> Evidence {
    let mut e = Evidence::default();
    use crate::evidence::inputs::{LogContent, LogRole};
    for (name, id) in [("etcd-a", "a1"), ("etcd-b", "b2"), ("etcd-c", "c3")] {
        e.member_ids.push(MemberId { name: name.into(), id: id.into() });
        let zap = crate::evidence::InputFormat::Log { role: LogRole::Etcd, content: LogContent::Json, wrapper: None };
        e.inputs.push(crate::evidence::InputSummary {
            subject: Some(member(name)),
            ..crate::evidence::InputSummary::without_lines(format!("{name}.log"), zap, 0)
        });
    }
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderElected { term: 2, leader_id: "a1".into() }, 0, 1));
    e
}

pub(super) fn lease_lost(e: &mut Evidence, at: i64) {
    e.signals.push(signal(victim(), SignalKind::LeaseRenewFailed { detail: "failed to renew lease".into() }, at, 2));
    e.signals.push(signal(victim(), SignalKind::LeaderElectionLost, at + 3, 1));
}

pub(super) fn slow_wal(e: &mut Evidence, who: &str, at: i64, took_ms: f64) {
    e.signals.push(signal(member(who), SignalKind::SlowWalSync { took_ms, expected_ms: 1000.0 }, at, 5));
}

/// The leader's raft loop blocked by the slow sync: three heartbeats 2.4 s late.
pub(super) fn late_heartbeats(e: &mut Evidence, who: &str, at: i64) {
    e.signals.push(signal(
        member(who),
        SignalKind::HeartbeatLate { exceeded_ms: 2400.0, heartbeat_interval_ms: Some(100.0) },
        at,
        3,
    ));
}

pub(super) fn analyze_now(e: &Evidence) -> Report {
    analyze(e, &Params { now: t(3600), window: WindowSpec::default(), thresholds: Thresholds::default() })
}

pub(super) fn only_restart(r: &Report) -> &crate::model::Attribution {
    let c = &r.containers[0];
    let last = c.restarts.last().expect("a placed restart");
    &last.attribution
}

#[test]
fn slow_wal_on_the_leader_then_lease_loss_is_storage_with_high_confidence() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    late_heartbeats(&mut e, "etcd-a", 522);
    lease_lost(&mut e, 590);
    let r = analyze_now(&e);
    let a = only_restart(&r);
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::High), "{:?}", a.summary);
    assert_eq!(r.verdict.outcome, Outcome::StorageLatency);
}

#[test]
fn oom_kill_wins_over_disk_latency() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("OOMKilled", 137));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    lease_lost(&mut e, 590);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!(a.cause, Cause::OutOfMemory);
}

#[test]
fn disk_latency_after_the_restart_does_not_explain_it() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    lease_lost(&mut e, 590);
    slow_wal(&mut e, "etcd-a", 700, 2500.0); // after the exit at t(600)
    let a = only_restart(&analyze_now(&e)).clone();
    assert_ne!(a.cause, Cause::StorageLatency, "{:?}", a.summary);
}

#[test]
fn late_heartbeats_without_slow_fsync_are_a_stall_not_disk() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    // "likely from slow disk" wording, 3 s late, but no slow fdatasync anywhere.
    e.signals.push(signal(
        member("etcd-a"),
        SignalKind::HeartbeatLate { exceeded_ms: 3000.0, heartbeat_interval_ms: Some(100.0) },
        580,
        2,
    ));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderElected { term: 3, leader_id: "b2".into() }, 581, 1));
    lease_lost(&mut e, 585);
    let r = analyze_now(&e);
    let a = only_restart(&r);
    assert_eq!(a.cause, Cause::EtcdStall, "{:?}", a.summary);
    assert_eq!(r.verdict.outcome, Outcome::OtherCause);
}

#[test]
fn short_late_heartbeats_alone_are_not_storage_evidence() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(
        member("etcd-a"),
        SignalKind::HeartbeatLate { exceeded_ms: 150.0, heartbeat_interval_ms: Some(100.0) },
        580,
        4,
    ));
    lease_lost(&mut e, 585);
    let r = analyze_now(&e);
    assert_eq!(only_restart(&r).cause, Cause::Unexplained);
    assert_eq!(r.verdict.outcome, Outcome::Inconclusive);
    assert!(!r.verdict.to_settle.is_empty(), "an inconclusive verdict says what would settle it");
}

#[test]
fn a_severe_apply_on_one_follower_is_not_enough() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(
        member("etcd-c"),
        SignalKind::SlowApply { took_ms: 900.0, expected_ms: 100.0, read_only: false },
        560,
        3,
    ));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderElected { term: 3, leader_id: "b2".into() }, 561, 1));
    lease_lost(&mut e, 585);
    assert_ne!(only_restart(&analyze_now(&e)).cause, Cause::StorageLatency);
}

#[test]
fn peers_unreachable_without_disk_latency_is_a_network_failure() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    let unreachable =
        SignalKind::PeerUnreachable { peer: "c3".into(), error: "dial tcp 10.0.0.3:2380: i/o timeout".into() };
    e.signals.push(signal(member("etcd-a"), unreachable, 550, 20));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderLost { term: 2 }, 570, 1));
    lease_lost(&mut e, 585);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::NetworkPartition);
}

#[test]
fn nospace_alarm_wins_over_disk_latency() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 1500.0);
    e.signals.push(signal(
        member("etcd-a"),
        SignalKind::NoSpaceAlarm { detail: "alarm raised NOSPACE".into() },
        530,
        1,
    ));
    lease_lost(&mut e, 590);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::NoSpaceAlarm);
}

#[test]
fn certificate_failures_are_recognised() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    let cert = SignalKind::CertificateError { detail: "x509: certificate has expired or is not yet valid".into() };
    e.signals.push(signal(member("etcd-a"), cert, 500, 30));
    lease_lost(&mut e, 590);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::CertificateError);
}

#[test]
fn clock_drift_is_recognised() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(member("etcd-a"), SignalKind::ClockDrift { peer: "b2".into(), drift_ms: 1800.0 }, 500, 10));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderLost { term: 2 }, 570, 1));
    lease_lost(&mut e, 590);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::ClockSkew);
}

#[test]
fn liveness_kills_without_storage_trouble_are_probe_failures() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 137));
    let event = |reason: &str, message: &str| EventRecord {
        namespace: "karmada-system".into(),
        object_kind: "Pod".into(),
        object_name: "cm-1".into(),
        field_path: Some("spec.containers{manager}".into()),
        reason: reason.into(),
        message: message.into(),
        event_type: "Warning".into(),
        count: 3,
        first_at: t(560),
        last_at: t(598),
        uid: None,
        origin: Origin::new("events.json#items[0]", None),
    };
    e.events.push(event(
        "Unhealthy",
        "Liveness probe failed: Get \"http://10.0.0.9:8080/healthz\": context deadline exceeded",
    ));
    e.events.push(event("Killing", "Container manager failed liveness probe, will be restarted"));
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::ProbeFailure);
}

#[test]
fn without_etcd_logs_storage_is_neither_confirmed_nor_ruled_out() {
    let mut e = Evidence::default();
    e.containers.push(crashed("Error", 1));
    lease_lost(&mut e, 590);
    let r = analyze_now(&e);
    assert_eq!(r.verdict.outcome, Outcome::Inconclusive);
    assert!(
        r.gaps
            .iter()
            .any(|g| g.reason == crate::evidence::GapReason::Analysis(crate::evidence::AnalysisGap::NoEtcdLogs)),
        "{:?}",
        r.gaps
    );
    assert!(r.verdict.to_settle.contains(&crate::model::VerdictSettle::EtcdLogs), "{:?}", r.verdict.to_settle);
}

#[test]
fn since_counts_back_from_the_latest_evidence_offline() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 100, 2000.0);
    slow_wal(&mut e, "etcd-a", 3000, 2000.0);
    let window = WindowSpec { since: Some(Duration::minutes(10)), ..WindowSpec::default() };
    let r = analyze(&e, &Params { now: t(999_999), window, thresholds: Thresholds::default() });
    assert_eq!(r.window.to, Some(t(3005)));
    assert_eq!(r.window.from, Some(t(3005) - Duration::minutes(10)));
    assert!(r.window.excluded >= 5, "the early burst is counted as excluded");
}

/// A Prometheus WAL fsync p99 series for `alias` at steps t(0), t(60), ... (ms values).
pub(super) fn wal_series(alias: &str, values: &[f64]) -> crate::evidence::MetricSeries {
    crate::evidence::MetricSeries {
        subject: member(alias),
        metric: "etcd_disk_wal_fsync_duration_seconds".into(),
        quantile: Some(0.99),
        origin: Origin::new("prometheus test", None),
        points: values.iter().enumerate().map(|(i, v)| (t(i as i64 * 60), *v)).collect(),
    }
}

#[test]
fn metrics_named_by_instance_land_on_the_member_their_server_id_names() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.metric_series.push(wal_series("10.0.0.1:2381", &[3.0, 4.0, 640.0, 720.0, 5.0]));
    // The over-threshold steps became a signal under the same Prometheus name.
    slow_wal(&mut e, "10.0.0.1:2381", 120, 720.0);
    e.member_aliases.push(crate::evidence::MemberAlias {
        alias: "10.0.0.1:2381".into(),
        id: "00a1".into(),
        origin: Origin::new("prometheus etcd_server_id", None),
    });
    // An instance whose id no log names keeps its metric name, and leader lines with that id find it.
    e.metric_series.push(wal_series("10.0.0.9:2381", &[2.0, 2.5]));
    e.member_aliases.push(crate::evidence::MemberAlias {
        alias: "10.0.0.9:2381".into(),
        id: "d4".into(),
        origin: Origin::new("prometheus etcd_server_id", None),
    });
    let r = analyze_now(&e);
    let names: Vec<&str> = r.members.iter().map(|m| m.member.as_str()).collect();
    assert!(!names.contains(&"10.0.0.1:2381"), "the instance was renamed: {names:?}");
    let a = r.members.iter().find(|m| m.member == "etcd-a").expect("etcd-a");
    let disk = a.disk_metric.as_ref().expect("etcd-a's WAL fsync series");
    assert_eq!(disk.points.len(), 5, "every step, healthy ones too");
    assert_eq!(disk.max_ms, 720.0);
    assert_eq!(a.slow_wal_sync.max_ms, Some(720.0), "the metric signal counts on etcd-a");
    let lone = r.members.iter().find(|m| m.member == "10.0.0.9:2381").expect("a member known only by metrics");
    assert_eq!(lone.disk_metric.as_ref().map(|d| d.points.len()), Some(2));
    assert!(matches!(lone.assessment, crate::model::MemberAssessment::MetricsOnly { .. }), "{:?}", lone.assessment);
    assert!(
        r.assumptions.iter().any(|a| matches!(a, crate::model::Assumption::MetricsAreMember { alias, member, .. } if alias == "10.0.0.1:2381" && member == "etcd-a")),
        "{:?}",
        r.assumptions
    );
}

#[test]
fn metric_points_outside_the_window_are_cut() {
    let mut e = etcd_cluster();
    e.metric_series.push(wal_series("etcd-b", &[1.0, 2.0, 3.0, 4.0, 5.0]));
    let window = WindowSpec { from: Some(t(60)), to: Some(t(180)), ..WindowSpec::default() };
    let r = analyze(&e, &Params { now: t(3600), window, thresholds: Thresholds::default() });
    let b = r.members.iter().find(|m| m.member == "etcd-b").expect("etcd-b");
    let values: Vec<f64> = b.disk_metric.as_ref().map(|d| d.points.iter().map(|p| p.1).collect()).unwrap_or_default();
    assert_eq!(values, vec![2.0, 3.0, 4.0]);
}

fn api_server() -> Subject {
    Subject::ApiServer { name: "kube-apiserver-cp1".into() }
}

#[test]
fn the_containers_own_certificate_failures_beat_disk_latency() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    let x509 = SignalKind::CertificateError { detail: "x509: certificate has expired or is not yet valid".into() };
    e.signals.push(signal(victim(), x509, 580, 3));
    lease_lost(&mut e, 590);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::CertificateError, Confidence::High), "{:?}", a.summary);
    assert!(
        a.evidence.iter().any(|c| matches!(&c.claim, crate::model::Claim::Signal { signal: SignalKind::CertificateError { detail }, .. } if detail.contains("x509"))),
        "{:?}",
        a.evidence
    );
}

#[test]
fn the_api_servers_certificate_failures_towards_etcd_beat_disk_latency() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    let tls = SignalKind::CertificateError { detail: "transport: authentication handshake failed: x509".into() };
    e.signals.push(signal(api_server(), tls, 560, 20));
    lease_lost(&mut e, 590);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::CertificateError);
}

#[test]
fn etcd_side_certificate_errors_beside_leader_disk_latency_lower_confidence_only() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    late_heartbeats(&mut e, "etcd-a", 522);
    let rejected =
        SignalKind::CertificateError { detail: "rejected connection: remote error: tls: bad certificate".into() };
    e.signals.push(signal(member("etcd-b"), rejected, 500, 2));
    lease_lost(&mut e, 590);
    let a = only_restart(&analyze_now(&e)).clone();
    // A stray client with a bad certificate does not slow the leader's WAL: storage still fits best, but the
    // competing evidence costs a confidence band.
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::Medium), "{:?}", a.summary);
    assert!(
        matches!(a.summary.finding, crate::model::Finding::StorageStall { competing: true, .. }),
        "{:?}",
        a.summary
    );
}

/// A Node event as node-problem-detector writes it for a kernel OOM kill.
fn node_oom(process: &str, at: i64) -> EventRecord {
    EventRecord {
        namespace: "default".into(),
        object_kind: "Node".into(),
        object_name: "nuc".into(),
        field_path: None,
        reason: "OOMKilling".into(),
        message: format!("Memory cgroup out of memory: Killed process 4242 ({process}) total-vm:912340kB"),
        event_type: "Warning".into(),
        count: 1,
        first_at: t(at),
        last_at: t(at),
        uid: None,
        origin: Origin::new("events.json#items[7]", None),
    }
}

#[test]
fn a_node_oom_kill_of_the_containers_process_is_an_oom_restart() {
    let mut e = etcd_cluster();
    // The status of this (earlier) restart was lost: the reason is unknown, exit 137.
    e.containers.push(crashed("Error", 137));
    e.events.push(node_oom("manager", 599));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::OutOfMemory, Confidence::Medium), "{:?}", a.summary);
    assert!(
        a.evidence.iter().any(|c| matches!(&c.claim, crate::model::Claim::Event { note: crate::model::EventNote::NodeOwnProcess { process, .. }, .. } if process == "manager")),
        "{:?}",
        a.evidence
    );
}

#[test]
fn a_node_oom_kill_of_another_process_does_not_outweigh_disk_latency() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    late_heartbeats(&mut e, "etcd-a", 522);
    lease_lost(&mut e, 590);
    e.events.push(node_oom("stress-ng", 595));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::Medium), "{:?}", a.summary);
    // Without the disk evidence the node's OOM kill is the only lead, at low confidence.
    let mut quiet = etcd_cluster();
    quiet.containers.push(crashed("Error", 1));
    quiet.events.push(node_oom("stress-ng", 595));
    let b = only_restart(&analyze_now(&quiet)).clone();
    assert_eq!((b.cause, b.confidence), (Cause::OutOfMemory, Confidence::Low), "{:?}", b.summary);
}

#[test]
fn oom_victims_are_read_from_both_event_formats() {
    assert_eq!(
        super::attribution::oom_victim(
            "Memory cgroup out of memory: Killed process 2829 (karmada-control) total-vm:1kB"
        ),
        Some("karmada-control")
    );
    assert_eq!(super::attribution::oom_victim("System OOM encountered, victim process: etcd, pid: 1234"), Some("etcd"));
    assert_eq!(super::attribution::oom_victim("System OOM encountered"), None);
    assert!(super::attribution::process_is("karmada-controller-manager", "karmada-control"));
    assert!(!super::attribution::process_is("karmada-scheduler", "karmada-control"));
}

// ---- competing causes of issue 8 §2 --------------------------------------------------------------------------

fn defrag(e: &mut Evidence, who: &str, ended_at: i64, took_ms: f64) {
    let kind = SignalKind::Defrag { took_ms: Some(took_ms), db_size_bytes: Some(6 << 30), in_use_bytes: Some(2 << 30) };
    e.signals.push(signal(member(who), kind, ended_at, 1));
}

fn request_timeout(e: &mut Evidence, who: &str, at: i64) {
    let kind = SignalKind::RequestTimeout { detail: "etcdserver: request timed out".into() };
    e.signals.push(signal(member(who), kind, at, 2));
}

fn severe_applies(e: &mut Evidence, who: &str, at: i64) {
    e.signals.push(signal(
        member(who),
        SignalKind::SlowApply { took_ms: 2400.0, expected_ms: 100.0, read_only: false },
        at,
        4,
    ));
}

#[test]
fn a_long_defragmentation_explains_the_slow_applies_inside_it() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    // Two members (a quorum) are defragmented at once from t(552) to t(560); their applies stall meanwhile and
    // requests time out.
    severe_applies(&mut e, "etcd-a", 554);
    severe_applies(&mut e, "etcd-b", 554);
    request_timeout(&mut e, "etcd-a", 558);
    lease_lost(&mut e, 585);
    // Without the defragmentations the severe applies on a quorum point at the disks.
    let before = only_restart(&analyze_now(&e)).clone();
    assert_eq!(before.cause, Cause::StorageLatency, "{:?}", before.summary);
    defrag(&mut e, "etcd-a", 560, 8000.0);
    defrag(&mut e, "etcd-b", 560, 8000.0);
    let r = analyze_now(&e);
    let a = only_restart(&r);
    assert_eq!((a.cause, a.confidence), (Cause::Defragmentation, Confidence::Medium), "{:?}", a.summary);
    assert_eq!(r.verdict.outcome, Outcome::OtherCause);
    assert!(r.verdict.to_settle.contains(&crate::model::VerdictSettle::DefragSchedule), "{:?}", r.verdict.to_settle);
}

#[test]
fn a_defragmentation_long_before_the_trouble_explains_nothing() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    // A routine 3 s defragmentation at t(100), a partition at t(550).
    defrag(&mut e, "etcd-b", 100, 3000.0);
    let unreachable =
        SignalKind::PeerUnreachable { peer: "c3".into(), error: "dial tcp 10.0.0.3:2380: i/o timeout".into() };
    e.signals.push(signal(member("etcd-a"), unreachable, 550, 20));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderLost { term: 2 }, 570, 1));
    lease_lost(&mut e, 585);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::NetworkPartition);
}

#[test]
fn slow_wal_syncs_outside_a_defragmentation_stay_storage_at_lower_confidence() {
    let setup = || {
        let mut e = etcd_cluster();
        e.containers.push(crashed("Error", 1));
        slow_wal(&mut e, "etcd-a", 520, 2500.0);
        late_heartbeats(&mut e, "etcd-a", 522);
        lease_lost(&mut e, 590);
        e
    };
    // A follower's defragmentation while the leader's heartbeats are late competes.
    let mut e = setup();
    defrag(&mut e, "etcd-b", 524, 3000.0);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::Medium), "{:?}", a.summary);
    // One long before the trouble, or a short one, does not.
    for (at, took) in [(100, 3000.0), (524, 136.0)] {
        let mut e = setup();
        defrag(&mut e, "etcd-b", at, took);
        let a = only_restart(&analyze_now(&e)).clone();
        assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::High), "{at}: {:?}", a.summary);
    }
}

#[test]
fn expensive_requests_without_slow_wal_are_not_storage() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    let big = SignalKind::ExpensiveRequest { took_ms: 2100.0, response_count: 48_000, response_bytes: 90 << 20 };
    e.signals.push(signal(member("etcd-a"), big, 545, 6));
    severe_applies(&mut e, "etcd-a", 550);
    request_timeout(&mut e, "etcd-a", 556);
    lease_lost(&mut e, 585);
    let r = analyze_now(&e);
    let a = only_restart(&r);
    assert_eq!((a.cause, a.confidence), (Cause::ExpensiveRequests, Confidence::Medium), "{:?}", a.summary);
    // With slow WAL syncs on the leader the disk stays the explanation, less surely.
    slow_wal(&mut e, "etcd-a", 548, 2500.0);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::Medium), "{:?}", a.summary);
}

#[test]
fn expensive_requests_apart_from_the_trouble_explain_nothing() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    // A client lists everything at t(100); a partition at t(550).
    let big = SignalKind::ExpensiveRequest { took_ms: 2100.0, response_count: 48_000, response_bytes: 90 << 20 };
    e.signals.push(signal(member("etcd-a"), big, 100, 12));
    let unreachable =
        SignalKind::PeerUnreachable { peer: "c3".into(), error: "dial tcp 10.0.0.3:2380: i/o timeout".into() };
    e.signals.push(signal(member("etcd-a"), unreachable, 550, 20));
    e.signals.push(signal(member("etcd-b"), SignalKind::LeaderLost { term: 2 }, 570, 1));
    lease_lost(&mut e, 585);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::NetworkPartition);
}

fn cpu_throttled(e: &mut Evidence, at: i64) {
    let kind = SignalKind::CpuStarved {
        detail: "81% throttling of CPU in namespace kube-system for container etcd in pod etcd-a.".into(),
    };
    let subject = Subject::Container {
        namespace: "monitoring".into(),
        pod: "alertmanager-0".into(),
        container: "alertmanager".into(),
    };
    e.signals.push(signal(subject, kind, at, 1));
}

#[test]
fn cpu_throttling_of_etcd_makes_a_stall_certain_and_takes_severe_applies_from_the_disk() {
    // A stall without slow fdatasync, and the alert saying etcd's container was throttled.
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(
        member("etcd-a"),
        SignalKind::HeartbeatLate { exceeded_ms: 3000.0, heartbeat_interval_ms: Some(100.0) },
        580,
        2,
    ));
    lease_lost(&mut e, 585);
    cpu_throttled(&mut e, 570);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdStall, Confidence::High), "{:?}", a.summary);
    // Severe applies on the leader with short late heartbeats, no WAL sync.
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    severe_applies(&mut e, "etcd-a", 550);
    e.signals.push(signal(
        member("etcd-a"),
        SignalKind::HeartbeatLate { exceeded_ms: 300.0, heartbeat_interval_ms: Some(100.0) },
        551,
        5,
    ));
    request_timeout(&mut e, "etcd-a", 556);
    lease_lost(&mut e, 585);
    // The leader alone is slow while its followers are calm: a starved leader, at medium confidence ...
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdStall, Confidence::Medium), "{:?}", a.summary);
    // ... and high with the throttling alert.
    cpu_throttled(&mut e, 549);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdStall, Confidence::High), "{:?}", a.summary);
    // The alert without the lone-member shape (every member applying slowly): a low-confidence stall.
    severe_applies(&mut e, "etcd-b", 550);
    severe_applies(&mut e, "etcd-c", 550);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_ne!(a.cause, Cause::StorageLatency, "{:?}", a.summary);
    // Throttling beside slow WAL syncs on the leader lowers the storage verdict's confidence only.
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    late_heartbeats(&mut e, "etcd-a", 522);
    lease_lost(&mut e, 590);
    cpu_throttled(&mut e, 515);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::StorageLatency, Confidence::Medium), "{:?}", a.summary);
}

#[test]
fn an_etcd_member_crashing_on_a_corrupt_db_is_an_etcd_failure() {
    let mut e = etcd_cluster();
    let mut etcd_pod = crashed("Error", 2);
    etcd_pod.namespace = "kube-system".into();
    etcd_pod.pod = "etcd-a".into();
    etcd_pod.container = "etcd".into();
    e.containers.push(etcd_pod);
    slow_wal(&mut e, "etcd-b", 520, 2500.0);
    let corrupt = SignalKind::BackendCorrupt {
        detail: "cannot open database at /var/lib/etcd/member/snap/db (invalid database)".into(),
    };
    e.signals.push(signal(member("etcd-a"), corrupt, 598, 1));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdFailure, Confidence::High), "{:?}", a.summary);
}

#[test]
fn an_etcd_panic_is_an_etcd_failure_unless_the_disk_was_slow_before_it() {
    let etcd_pod = || {
        let mut p = crashed("Error", 2);
        p.namespace = "kube-system".into();
        p.pod = "etcd-a".into();
        p.container = "etcd".into();
        p
    };
    let panic = SignalKind::Fatal { detail: "panic: assignment to entry in nil map".into() };
    let mut e = etcd_cluster();
    e.containers.push(etcd_pod());
    e.signals.push(signal(member("etcd-a"), panic.clone(), 598, 1));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdFailure, Confidence::Medium), "{:?}", a.summary);
    // A fatal exit on a timeout is a symptom: with slow WAL syncs on the leader before it, storage decides.
    let mut e = etcd_cluster();
    e.containers.push(etcd_pod());
    slow_wal(&mut e, "etcd-a", 520, 2500.0);
    late_heartbeats(&mut e, "etcd-a", 522);
    let timeout = SignalKind::Fatal { detail: "level=fatal msg=\"etcd: context deadline exceeded\"".into() };
    e.signals.push(signal(member("etcd-a"), timeout, 598, 1));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_ne!(a.cause, Cause::EtcdFailure, "{:?}", a.summary);
}

#[test]
fn a_controller_crashing_while_a_removed_member_fails_is_an_etcd_failure() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    let removed = SignalKind::MembershipError {
        detail: "server error: the member has been permanently removed from the cluster".into(),
    };
    e.signals.push(signal(member("etcd-c"), removed, 560, 1));
    request_timeout(&mut e, "etcd-a", 570);
    lease_lost(&mut e, 585);
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!((a.cause, a.confidence), (Cause::EtcdFailure, Confidence::Medium), "{:?}", a.summary);
}

#[test]
fn a_prevote_loop_at_one_term_is_a_network_or_quorum_failure() {
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    // etcd-a sends pre-votes at term 4 for 30 s; nobody is elected.
    e.signals.push(signal(member("etcd-a"), SignalKind::PreVote { term: 4, rejected: false }, 550, 30));
    lease_lost(&mut e, 585);
    e.signals.push(signal(member("etcd-a"), SignalKind::LeaderLost { term: 4 }, 549, 1));
    let r = analyze_now(&e);
    assert_eq!(only_restart(&r).cause, Cause::NetworkPartition, "{:?}", only_restart(&r).summary);
    // A pre-vote round that ends in an election is normal.
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(member("etcd-a"), SignalKind::PreVote { term: 4, rejected: false }, 550, 30));
    e.signals.push(signal(member("etcd-a"), SignalKind::LeaderElected { term: 5, leader_id: "a1".into() }, 560, 1));
    lease_lost(&mut e, 585);
    assert_ne!(only_restart(&analyze_now(&e)).cause, Cause::NetworkPartition);
}

#[test]
fn a_db_open_that_waited_on_the_file_lock_is_not_disk_evidence() {
    let open = SignalKind::SlowBackend { operation: "open backend db".into(), took_ms: 12_000.0 };
    let mut e = etcd_cluster();
    e.containers.push(crashed("Error", 1));
    e.signals.push(signal(member("etcd-a"), open.clone(), 560, 1));
    request_timeout(&mut e, "etcd-b", 570);
    lease_lost(&mut e, 585);
    assert_eq!(only_restart(&analyze_now(&e)).cause, Cause::StorageLatency);
    e.signals.push(signal(member("etcd-a"), SignalKind::DbLocked { took_ms: Some(10_000.0) }, 558, 1));
    assert_ne!(only_restart(&analyze_now(&e)).cause, Cause::StorageLatency);
}

#[test]
fn a_lone_member_with_late_heartbeats_while_the_others_are_calm() {
    let lone = |e: &Evidence| {
        let signals: Vec<&Signal> = e.signals.iter().collect();
        let view = members::EtcdView::new(e, &signals);
        members::lone_heartbeat_member(&view, t(0), t(600))
    };
    // Late heartbeats alone are noise.
    let mut e = etcd_cluster();
    late_heartbeats(&mut e, "etcd-a", 500);
    assert_eq!(lone(&e), None);
    // With its own slow applies, followers quiet: the starved-leader shape.
    severe_applies(&mut e, "etcd-a", 501);
    assert_eq!(lone(&e).as_deref(), Some("etcd-a"));
    // Followers' read-only ranges wait on the leader's read index: still calm.
    let read = SignalKind::SlowApply { took_ms: 900.0, expected_ms: 100.0, read_only: true };
    e.signals.push(signal(member("etcd-b"), read, 502, 30));
    assert_eq!(lone(&e).as_deref(), Some("etcd-a"));
    // A follower applying as slowly as the leader: every member is slow, not one starved member.
    severe_applies(&mut e, "etcd-b", 503);
    assert_eq!(lone(&e), None);
}

#[test]
fn the_largest_db_comes_from_defragmentation_and_compaction_lines() {
    let mut e = etcd_cluster();
    defrag(&mut e, "etcd-a", 100, 1500.0);
    let kind = SignalKind::Compaction { took_ms: 300.0, db_size_bytes: Some(8 << 30), in_use_bytes: Some(1 << 30) };
    e.signals.push(signal(member("etcd-b"), kind, 200, 1));
    let signals: Vec<&Signal> = e.signals.iter().collect();
    let view = members::EtcdView::new(&e, &signals);
    assert_eq!(members::largest_db(&view, t(0), t(600)), Some(("etcd-b".to_string(), 8 << 30, Some(1 << 30))));
    assert_eq!(members::largest_db(&view, t(0), t(150)), Some(("etcd-a".to_string(), 6 << 30, Some(2 << 30))));
    assert_eq!(members::largest_db(&view, t(300), t(600)), None);
}

#[test]
fn a_kine_datastore_is_named_instead_of_missing_etcd_logs() {
    let mut e = Evidence::default();
    e.containers.push(crashed("Error", 1));
    lease_lost(&mut e, 590);
    let k3s = Subject::Container { namespace: String::new(), pod: "k3s".into(), container: "k3s".into() };
    e.signals.push(signal(k3s.clone(), SignalKind::NotEtcdDatastore { backend: "kine".into() }, 10, 1));
    e.signals.push(signal(k3s, SignalKind::NotEtcdDatastore { backend: "sqlite3".into() }, 11, 1));
    let a = only_restart(&analyze_now(&e)).clone();
    assert_eq!(a.cause, Cause::Unexplained);
    assert_eq!(a.summary.finding, crate::model::Finding::NotEtcd { backend: "sqlite3".into() }, "{:?}", a.summary);
}
