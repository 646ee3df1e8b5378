//! The hand-made sample report the renderers' unit tests draw (the integration tests render real fixtures):
//! every section filled, all times pinned.

use crate::evidence::{Origin, Subject, Timestamp};
use crate::model::Report;
use crate::model::thresholds::Thresholds;

/// Pins a UTC time for tests and examples.
pub(crate) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("valid test timestamp")
}

/// A realistic storage-latency report with every section filled, all times pinned (2026-11-25, UTC 13:00-14:30,
/// i.e. 14:00-15:30 in Europe/Berlin).
pub(crate) fn sample_report() -> Report {
    use crate::evidence::inputs::{LogContent, LogRole};
    use crate::evidence::{Gap, InputFormat, InputSummary};
    use crate::model::*;

    let zap = || InputFormat::Log { role: LogRole::Etcd, content: LogContent::Json, wrapper: None };
    let klog = |role| InputFormat::Log { role, content: LogContent::Klog, wrapper: None };
    let kube_json = |pods, events| InputFormat::KubeJson { pods, events, nodes: 0, unused_kinds: Vec::new() };

    let t = |h: u32, mi: u32, s: u32| utc(2026, 11, 25, h, mi, s);
    let o = |file: &str, line: u64| Origin::new(file, Some(line));
    use crate::evidence::SignalKind as K;
    let cite = |at: Timestamp, who: &str, count: u64, max_ms: Option<f64>, signal: K, origin: Origin| Citation {
        link: crate::model::Link::Disk,
        at: Some(at),
        claim: Claim::Signal { who: who.into(), count, max_ms, signal },
        origin,
    };
    let wal = || K::SlowWalSync { took_ms: 1500.0, expected_ms: 1000.0 };
    // An attribution to a storage stall on the leader, as the analysis words it.
    let stalled = |container: &str, exit_code: Option<i32>, reason: Option<&str>, secs: i64, own_errors: bool| {
        AttributionSummary {
            container: container.into(),
            exit_code,
            exit_reason: reason.map(Into::into),
            finding: Finding::StorageStall {
                stall_to_exit_secs: Some(secs),
                window_secs: 600,
                disk: DiskSeen {
                    wal_members: vec!["etcd-cp1".into()],
                    wal_max_ms: 3000.0,
                    leader_affected: true,
                    apply_members: Vec::new(),
                    apply_max_ms: 0.0,
                    member_count: 3,
                    shape: None,
                },
                consensus: true,
                api_errors: true,
                own_errors,
                competing: false,
            },
        }
    };
    let stats = |count: u64, p50: f64, p99: f64, max: f64| LatencyStats {
        count,
        p50_ms: Some(p50),
        p99_ms: Some(p99),
        max_ms: Some(max),
    };
    let member = |name: &str| Subject::EtcdMember { name: name.into() };
    use crate::evidence::SignalClass as C;
    use crate::model::units::Millis;
    let sig = |class: C, lat: Option<(Option<f64>, f64)>| {
        (RowKind::Signal { class }, lat.map(|(p99, max)| RowLatency { p99: p99.map(Millis), max: Millis(max) }))
    };
    let restart = |exit_code: Option<i32>, approximate: bool, confidence: Confidence| {
        let reason = exit_code.map(|_| "Error".to_string());
        (RowKind::Restart { exit_code, reason, approximate, cause: Cause::StorageLatency, confidence }, None)
    };
    let kcm = Subject::Container {
        namespace: "kube-system".into(),
        pod: "kube-controller-manager-cp2".into(),
        container: "kube-controller-manager".into(),
    };
    let karmada = Subject::Container {
        namespace: "karmada-system".into(),
        pod: "karmada-controller-manager-6c9f7d8b4-x2x7q".into(),
        container: "manager".into(),
    };
    let row = |from: Timestamp,
               to: Timestamp,
               subject: &Subject,
               count: u64,
               (kind, latency): (RowKind, Option<RowLatency>),
               severity: Severity,
               first: Origin,
               last: Option<Origin>| TimelineRow {
        from,
        to,
        subject: subject.clone(),
        count,
        kind,
        latency,
        severity,
        first,
        last,
    };

    let fsync_burst = cite(t(13, 5, 12), "etcd-cp1", 12, Some(3000.0), wal(), o("logs/etcd-cp1.log", 1042));
    let heartbeat = cite(
        t(13, 5, 20),
        "etcd-cp1",
        9,
        Some(1100.0),
        K::HeartbeatLate { exceeded_ms: 1100.0, heartbeat_interval_ms: Some(100.0) },
        o("logs/etcd-cp1.log", 1057),
    );
    let election = cite(t(13, 5, 31), "etcd-cp2", 1, None, K::LeaderLost { term: 8 }, o("logs/etcd-cp2.log", 877));
    let kcm_lease = cite(
        t(13, 6, 28),
        "kube-controller-manager",
        1,
        None,
        K::LeaseRenewFailed { detail: "failed to renew lease kube-system/kube-controller-manager: timed out".into() },
        o("logs/kube-controller-manager-cp2.previous.log", 311),
    );
    let kcm_lost = cite(
        t(13, 6, 29),
        "kube-controller-manager",
        1,
        None,
        K::LeaderElectionLost,
        o("logs/kube-controller-manager-cp2.previous.log", 312),
    );
    let karmada_timeout = cite(
        t(13, 6, 40),
        "manager",
        1,
        None,
        K::ApiServerEtcdError { detail: "etcdserver: request timed out".into() },
        o("logs/karmada-controller-manager.previous.log", 2210),
    );

    let kcm_history = ContainerHistory {
        namespace: "kube-system".into(),
        pod: "kube-controller-manager-cp2".into(),
        container: "kube-controller-manager".into(),
        node: Some("cp2".into()),
        restart_count: Some(43),
        state: crate::model::ContainerNow::Waiting { reason: "CrashLoopBackOff".into() },
        crash_loop: true,
        restarts: vec![
            RestartRecord {
                ended_at: t(12, 41, 3),
                approximate: true,
                started_at: Some(t(12, 20, 11)),
                exit_code: None,
                reason: None,
                origin: o("logs/kube-controller-manager-cp2.1.log", 988),
                attribution: Attribution {
                    cause: Cause::StorageLatency,
                    confidence: Confidence::Medium,
                    summary: stalled("kube-controller-manager", None, None, 25, true),
                    evidence: vec![
                        cite(t(12, 40, 38), "etcd-cp1", 4, Some(1800.0), wal(), o("logs/etcd-cp1.log", 611)),
                        cite(
                            t(12, 41, 2),
                            "kube-controller-manager",
                            1,
                            None,
                            K::LeaseRenewFailed { detail: "failed to renew lease: context deadline exceeded".into() },
                            o("logs/kube-controller-manager-cp2.1.log", 987),
                        ),
                    ],
                },
            },
            RestartRecord {
                ended_at: t(13, 6, 30),
                approximate: false,
                started_at: Some(t(13, 1, 2)),
                exit_code: Some(1),
                reason: Some("Error".into()),
                origin: Origin::new("api/v1/namespaces/kube-system/pods/kube-controller-manager-cp2", None),
                attribution: Attribution {
                    cause: Cause::StorageLatency,
                    confidence: Confidence::High,
                    summary: stalled("kube-controller-manager", Some(1), Some("Error"), 40, true),
                    evidence: vec![
                        fsync_burst.clone(),
                        heartbeat.clone(),
                        election.clone(),
                        kcm_lease.clone(),
                        kcm_lost.clone(),
                    ],
                },
            },
        ],
        unplaced_restarts: 41,
        events: vec![
            EventSummary {
                reason: "BackOff".into(),
                message: "Back-off restarting failed container kube-controller-manager".into(),
                count: 41,
                first_at: t(13, 0, 4),
                last_at: t(14, 10, 40),
                origin: o("events.json", 58),
            },
            EventSummary {
                reason: "Unhealthy".into(),
                message: "Liveness probe failed: Get \"https://127.0.0.1:10257/healthz\": context deadline exceeded"
                    .into(),
                count: 3,
                first_at: t(13, 5, 40),
                last_at: t(13, 6, 20),
                origin: o("events.json", 74),
            },
        ],
        cause: Some(Cause::StorageLatency),
        confidence: Some(Confidence::High),
    };

    let karmada_history = ContainerHistory {
        namespace: "karmada-system".into(),
        pod: "karmada-controller-manager-6c9f7d8b4-x2x7q".into(),
        container: "manager".into(),
        node: Some("cp3".into()),
        restart_count: Some(12),
        state: crate::model::ContainerNow::Waiting { reason: "CrashLoopBackOff".into() },
        crash_loop: true,
        restarts: vec![RestartRecord {
            ended_at: t(13, 6, 41),
            approximate: false,
            started_at: Some(t(13, 2, 15)),
            exit_code: Some(255),
            reason: Some("Error".into()),
            origin: Origin::new(
                "api/v1/namespaces/karmada-system/pods/karmada-controller-manager-6c9f7d8b4-x2x7q",
                None,
            ),
            attribution: Attribution {
                cause: Cause::StorageLatency,
                confidence: Confidence::Medium,
                summary: stalled("karmada-controller-manager", Some(255), Some("Error"), 50, false),
                evidence: vec![fsync_burst.clone(), karmada_timeout.clone()],
            },
        }],
        unplaced_restarts: 11,
        events: vec![EventSummary {
            reason: "BackOff".into(),
            message: "Back-off restarting failed container manager".into(),
            count: 12,
            first_at: t(13, 7, 2),
            last_at: t(14, 12, 9),
            origin: o("events.json", 102),
        }],
        cause: Some(Cause::StorageLatency),
        confidence: Some(Confidence::Medium),
    };

    let series = |pts: &[(u32, f64)]| pts.iter().map(|(mi, v)| (t(13, *mi, 0), *v)).collect::<Vec<_>>();
    let members = vec![
        MemberSignals {
            member: "etcd-cp1".into(),
            member_id: Some("8e9e05c52164694d".into()),
            leader_terms: vec![6, 7],
            slow_wal_sync: stats(16, 1400.0, 2900.0, 3000.0),
            slow_apply: stats(37, 120.0, 1200.0, 2400.0),
            slow_backend: LatencyStats::default(),
            heartbeat_late: stats(9, 310.0, 1050.0, 1100.0),
            leader_changes_seen: 2,
            elections_started: 0,
            read_index_slow: 4,
            request_timeouts: 3,
            peer_unreachable: 0,
            clock_drift: 0,
            nospace_alarms: 0,
            certificate_errors: 0,
            restarts_seen: 0,
            latency_series: series(&[
                (0, 180.0),
                (1, 240.0),
                (2, 150.0),
                (4, 1100.0),
                (5, 3000.0),
                (6, 2400.0),
                (7, 900.0),
                (9, 160.0),
                (12, 130.0),
            ]),
            disk_metric: Some(DiskMetricSeries {
                metric: "etcd_disk_wal_fsync_duration_seconds".into(),
                quantile: 0.99,
                origin: Origin::new("prometheus http://prometheus:9090 histogram p99 of: ...", None),
                max_ms: 980.0,
                points: series(&[
                    (0, 4.0),
                    (1, 6.0),
                    (2, 35.0),
                    (3, 120.0),
                    (4, 740.0),
                    (5, 980.0),
                    (6, 640.0),
                    (7, 90.0),
                    (8, 20.0),
                    (9, 8.0),
                    (10, 6.0),
                    (11, 5.0),
                    (12, 5.0),
                ]),
            }),
            assessment: MemberAssessment::SlowWalSyncs {
                count: 12,
                max: Millis(3000.0),
                logged_over: Millis(1000.0),
                guidance: Millis(10.0),
            },
            competing: Default::default(),
        },
        MemberSignals {
            member: "etcd-cp2".into(),
            member_id: Some("91bc3c398fb3c146".into()),
            leader_terms: vec![8],
            slow_wal_sync: LatencyStats::default(),
            slow_apply: stats(11, 180.0, 640.0, 650.0),
            slow_backend: LatencyStats::default(),
            heartbeat_late: LatencyStats::default(),
            leader_changes_seen: 2,
            elections_started: 1,
            read_index_slow: 2,
            request_timeouts: 1,
            peer_unreachable: 0,
            clock_drift: 0,
            nospace_alarms: 0,
            certificate_errors: 0,
            restarts_seen: 0,
            latency_series: series(&[(5, 650.0), (6, 420.0), (7, 180.0)]),
            disk_metric: None,
            assessment: MemberAssessment::SevereApplies {
                max: Millis(1500.0),
                expected: Millis(100.0),
                wal_logged_over: Millis(1000.0),
            },
            competing: Default::default(),
        },
        MemberSignals {
            member: "etcd-cp3".into(),
            member_id: None,
            leader_terms: vec![],
            slow_wal_sync: stats(1, 1020.0, 1020.0, 1020.0),
            slow_apply: stats(6, 140.0, 300.0, 310.0),
            slow_backend: LatencyStats::default(),
            heartbeat_late: LatencyStats::default(),
            leader_changes_seen: 2,
            elections_started: 0,
            read_index_slow: 0,
            request_timeouts: 0,
            peer_unreachable: 1,
            clock_drift: 0,
            nospace_alarms: 0,
            certificate_errors: 0,
            restarts_seen: 0,
            latency_series: vec![(t(13, 5, 0), 1020.0)],
            disk_metric: None,
            assessment: MemberAssessment::SlowWalSyncs {
                count: 1,
                max: Millis(1000.0),
                logged_over: Millis(1000.0),
                guidance: Millis(10.0),
            },
            competing: Default::default(),
        },
    ];

    let timeline = vec![
        row(
            t(12, 40, 38),
            t(12, 40, 52),
            &member("etcd-cp1"),
            4,
            sig(C::SlowWalSync, Some((None, 1800.0))),
            Severity::Disk,
            o("logs/etcd-cp1.log", 611),
            Some(o("logs/etcd-cp1.log", 640)),
        ),
        row(
            t(12, 41, 3),
            t(12, 41, 3),
            &kcm,
            1,
            restart(None, true, Confidence::Medium),
            Severity::Restart,
            o("logs/kube-controller-manager-cp2.1.log", 988),
            None,
        ),
        row(
            t(13, 4, 2),
            t(13, 4, 55),
            &member("etcd-cp1"),
            14,
            sig(C::SlowApply, Some((Some(1200.0), 2400.0))),
            Severity::Warning,
            o("logs/etcd-cp1.log", 1001),
            Some(o("logs/etcd-cp1.log", 1040)),
        ),
        row(
            t(13, 5, 12),
            t(13, 5, 52),
            &member("etcd-cp1"),
            12,
            sig(C::SlowWalSync, Some((Some(2900.0), 3000.0))),
            Severity::Disk,
            o("logs/etcd-cp1.log", 1042),
            Some(o("logs/etcd-cp1.log", 1090)),
        ),
        row(
            t(13, 5, 20),
            t(13, 5, 44),
            &member("etcd-cp1"),
            9,
            sig(C::HeartbeatLate, Some((None, 1100.0))),
            Severity::Warning,
            o("logs/etcd-cp1.log", 1057),
            Some(o("logs/etcd-cp1.log", 1088)),
        ),
        row(
            t(13, 5, 31),
            t(13, 5, 31),
            &member("etcd-cp2"),
            1,
            sig(C::LeaderLost, None),
            Severity::Warning,
            o("logs/etcd-cp2.log", 877),
            None,
        ),
        row(
            t(13, 5, 33),
            t(13, 5, 33),
            &member("etcd-cp2"),
            1,
            sig(C::LeaderElected, None),
            Severity::Info,
            o("logs/etcd-cp2.log", 880),
            None,
        ),
        row(
            t(13, 5, 35),
            t(13, 6, 10),
            &Subject::ApiServer { name: "kube-apiserver-cp1".into() },
            23,
            sig(C::ApiServerEtcdError, None),
            Severity::Warning,
            o("logs/kube-apiserver-cp1.log", 5120),
            Some(o("logs/kube-apiserver-cp1.log", 5301)),
        ),
        row(
            t(13, 6, 28),
            t(13, 6, 29),
            &kcm,
            2,
            sig(C::LeaseRenewFailed, None),
            Severity::Error,
            o("logs/kube-controller-manager-cp2.previous.log", 311),
            Some(o("logs/kube-controller-manager-cp2.previous.log", 312)),
        ),
        row(
            t(13, 6, 30),
            t(13, 6, 30),
            &kcm,
            1,
            restart(Some(1), false, Confidence::High),
            Severity::Restart,
            Origin::new("api/v1/namespaces/kube-system/pods/kube-controller-manager-cp2", None),
            None,
        ),
        row(
            t(13, 6, 41),
            t(13, 6, 41),
            &karmada,
            1,
            restart(Some(255), false, Confidence::High),
            Severity::Restart,
            Origin::new("api/v1/namespaces/karmada-system/pods/karmada-controller-manager-6c9f7d8b4-x2x7q", None),
            None,
        ),
        row(
            t(13, 9, 0),
            t(13, 9, 0),
            &Subject::Node { name: "cp1".into() },
            1,
            (
                RowKind::NodeCondition(NodeConditionState {
                    condition: "DiskPressure".into(),
                    status: "True".into(),
                    reason: Some("KubeletHasDiskPressure".into()),
                }),
                None,
            ),
            Severity::Info,
            o("nodes.json", 12),
            None,
        ),
    ];

    Report {
        schema_version: SCHEMA_VERSION,
        tool_version: "0.1.0",
        generated_at: t(14, 30, 0),
        window: Window {
            from: Some(t(12, 30, 0)),
            to: Some(t(14, 30, 0)),
            basis: crate::model::WindowBasis::SinceBeforeLatest { since_secs: 7200 },
            excluded: 17,
        },
        headline: crate::model::Headline { kind: crate::model::HeadlineKind::Restarts, storage_latency: true },
        storage: crate::model::StorageAssessment::unknown(),
        verdict: Verdict {
            outcome: Outcome::StorageLatency,
            cause: Some(Cause::StorageLatency),
            confidence: Some(Confidence::High),
            headline: crate::model::VerdictHeadline::Cause {
                cause: Cause::StorageLatency,
                confidence: Confidence::High,
            },
            reasoning: vec![
                crate::model::VerdictReason::Tally {
                    containers: 2,
                    restarts: 9,
                    placed: 6,
                    by_cause: vec![crate::model::CauseTally {
                        cause: Cause::StorageLatency,
                        restarts: 6,
                        confidence: Confidence::High,
                    }],
                },
                crate::model::VerdictReason::EtcdHealth {
                    etcd: crate::model::EtcdHealth::Logged {
                        members: 3,
                        wal_members: 1,
                        wal_max_ms: 3000.0,
                        wal_guidance_ms: 10.0,
                        apply_max_ms: 2400.0,
                        late_heartbeats: 4,
                        leader_changes: 1,
                    },
                },
                crate::model::VerdictReason::Chain { cause: Cause::StorageLatency },
            ],
            evidence: vec![fsync_burst, heartbeat, election, kcm_lease, kcm_lost, karmada_timeout],
            alternatives: vec![
                Alternative { cause: Cause::EtcdStall, why_not: crate::model::WhyNot::NoStall },
                Alternative {
                    cause: Cause::ProbeFailure,
                    why_not: crate::model::WhyNot::ExplainsFew { restarts: 1, placed: 6 },
                },
                Alternative {
                    cause: Cause::NetworkPartition,
                    why_not: crate::model::WhyNot::PeerErrorsExplained { errors: 1 },
                },
            ],
            to_settle: vec![crate::model::VerdictSettle::DiskMetrics],
        },
        containers: vec![kcm_history, karmada_history],
        members,
        nodes: vec![
            NodeSummary {
                name: "cp1".into(),
                roles: vec!["control-plane".into()],
                why_listed: vec![ListedFor::EtcdMember { member: "etcd-cp1".into() }],
                conditions: vec![],
                info: crate::evidence::NodeInfo {
                    kernel_version: Some("6.1.0-28-amd64".into()),
                    container_runtime: Some("containerd://1.7.24".into()),
                    kubelet_version: Some("v1.33.1".into()),
                    architecture: Some("amd64".into()),
                    os_image: Some("Debian GNU/Linux 12 (bookworm)".into()),
                },
                disk_write_latency: None,
                origin: o("nodes.json", 1),
            },
            NodeSummary {
                name: "cp2".into(),
                roles: vec!["control-plane".into()],
                why_listed: vec![
                    ListedFor::RestartedContainer { container: "kube-controller-manager".into() },
                    ListedFor::AbnormalCondition,
                ],
                conditions: vec![NodeConditionState {
                    condition: "DiskPressure".into(),
                    status: "True".into(),
                    reason: Some("KubeletHasDiskPressure".into()),
                }],
                info: crate::evidence::NodeInfo {
                    kernel_version: Some("6.6.31+rpt-rpi-v8".into()),
                    container_runtime: Some("containerd://1.7.24".into()),
                    kubelet_version: Some("v1.33.1".into()),
                    architecture: Some("arm64".into()),
                    os_image: None,
                },
                disk_write_latency: Some(NodeDiskLatency {
                    metric: "node disk write latency (mmcblk0)".into(),
                    max_ms: 240.0,
                    at: t(13, 5, 0),
                    origin: Origin::new(
                        "prometheus http://prometheus:9090: rate(node_disk_write_time_seconds_total[1m])",
                        None,
                    ),
                }),
                origin: o("nodes.json", 40),
            },
        ],
        nodes_omitted: 0,
        timeline,
        recommendations: vec![
            Recommendation { kind: AdviceKind::Do, advice: Advice::DedicatedDisk { wal_fsync_p99_ms: 10.0 } },
            Recommendation { kind: AdviceKind::Do, advice: Advice::FioTest { fdatasync_p99_ms: 10.0 } },
            Recommendation { kind: AdviceKind::Avoid, advice: Advice::NoFsyncShortcuts },
        ],
        gaps: vec![
            Gap {
                reason: crate::evidence::GapReason::Recorded {
                    what: "events in namespace karmada-system before 14:07".into(),
                    why: "events expire after 1h (kube-apiserver --event-ttl)".into(),
                },
                missing: crate::evidence::EvidenceKind::Events,
                effect: crate::evidence::GapEffect::NotSeen,
                remedy: None,
            },
            Gap {
                reason: crate::evidence::GapReason::Recorded {
                    what: "node metrics for cp1".into(),
                    why: "no Prometheus URL given".into(),
                },
                missing: crate::evidence::EvidenceKind::EtcdMetrics,
                effect: crate::evidence::GapEffect::NotSeen,
                remedy: Some(crate::evidence::Remedy::CheckPrometheusFlags),
            },
        ],
        inputs: vec![
            InputSummary {
                source: "logs/etcd-cp1.log".into(),
                format: zap(),
                subject: Some(member("etcd-cp1")),
                lines: 48211,
                matched: 412,
                malformed: 2,
                malformed_lines: vec![17, 230],
                ignored: 47797,
                outside_window: 9,
            },
            InputSummary {
                source: "logs/etcd-cp2.log".into(),
                format: zap(),
                subject: Some(member("etcd-cp2")),
                lines: 45102,
                matched: 96,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 45006,
                outside_window: 4,
            },
            InputSummary {
                source: "logs/etcd-cp3.log".into(),
                format: zap(),
                subject: Some(member("etcd-cp3")),
                lines: 44987,
                matched: 31,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 44956,
                outside_window: 4,
            },
            InputSummary {
                source: "logs/kube-apiserver-cp1.log".into(),
                format: klog(LogRole::ApiServer),
                subject: Some(Subject::ApiServer { name: "kube-apiserver-cp1".into() }),
                lines: 120433,
                matched: 230,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 120203,
                outside_window: 0,
            },
            InputSummary {
                source: "logs/kube-controller-manager-cp2.previous.log".into(),
                format: klog(LogRole::Other),
                subject: Some(kcm.clone()),
                lines: 2210,
                matched: 6,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 2204,
                outside_window: 0,
            },
            InputSummary {
                source: "pods.json".into(),
                format: kube_json(14, 0),
                subject: None,
                lines: 5120,
                matched: 14,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 5106,
                outside_window: 0,
            },
            InputSummary {
                source: "events.json".into(),
                format: kube_json(0, 9),
                subject: None,
                lines: 840,
                matched: 9,
                malformed: 0,
                malformed_lines: vec![],
                ignored: 831,
                outside_window: 0,
            },
        ],
        collections: Vec::new(),
        assumptions: vec![
            Assumption::Evidence {
                note: crate::evidence::Note::NoTimeZone {
                    file: "logs/kube-controller-manager-cp2.previous.log".into(),
                    zone: "UTC".into(),
                    year: Some(crate::evidence::inputs::AssumedYear { year: 2026, from_current_date: false }),
                },
            },
            Assumption::DuplicatesCountedOnce { bursts: 2 },
        ],
        thresholds: Thresholds::default(),
    }
}
