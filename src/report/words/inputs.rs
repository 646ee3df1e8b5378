//! The words of the evidence inventory: what each input was recognised as (`etcd log (zap JSON, CRI file)`), and
//! the notes the readers made about what the inputs did not state (a time zone, a year, relative ages).

use crate::evidence::inputs::{
    AssumedYear, EtcdScrapes, HistogramReading, KindCount, KubectlOutput, LogContent, LogRole, LogWrapper,
};
use crate::evidence::{InputFormat, Note};
use crate::model::thresholds::bursts::FOLD_GAP_SECS;

/// An input's format as the inventory shows it, with its figures.
pub fn format(f: &InputFormat) -> String {
    use InputFormat as F;
    match f {
        F::Log { role, content, wrapper } => log(*role, *content, *wrapper),
        F::KubeJson { pods, events, nodes, unused_kinds } => {
            let mut parts = Vec::new();
            for (n, what) in [(pods, "pods"), (events, "events"), (nodes, "nodes")] {
                if *n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            for KindCount { kind, count } in unused_kinds {
                parts.push(format!("{count} {kind} (not used)"));
            }
            if parts.is_empty() {
                "Kubernetes JSON (empty)".to_string()
            } else {
                format!("Kubernetes JSON: {}", parts.join(", "))
            }
        }
        F::KubeJsonInvalid => "Kubernetes JSON (invalid)".to_string(),
        F::EtcdctlMemberList { members } => {
            let names: Vec<String> = members.iter().map(|m| format!("{} ({})", m.name, m.id)).collect();
            format!("etcdctl member list: {}", names.join(", "))
        }
        F::EtcdctlEndpointStatus { rows } => {
            let rows: Vec<String> = rows
                .iter()
                .map(|s| {
                    let in_use = s.db_size_in_use_bytes.map(|u| format!(", {} in use", mb(u))).unwrap_or_default();
                    let quota = s.db_size_quota_bytes.map(|q| format!(" of {} quota", mb(q))).unwrap_or_default();
                    let errors =
                        if s.errors.is_empty() { String::new() } else { format!(", errors: {}", s.errors.join("; ")) };
                    format!(
                        "{} v{}{}: db {}{in_use}{quota}, term {}{errors}",
                        s.member_id,
                        s.version,
                        if s.is_leader() { " (leader)" } else { "" },
                        mb(s.db_size_bytes),
                        s.raft_term
                    )
                })
                .collect();
            format!("etcdctl endpoint status: {}", rows.join("; "))
        }
        F::EtcdctlEndpointHealth { rows } => {
            let rows: Vec<String> = rows
                .iter()
                .map(|h| {
                    let state = if h.healthy { "healthy" } else { "unhealthy" };
                    let took = h.took_ms.map(|t| format!(" in {t:.1} ms")).unwrap_or_default();
                    let error = h.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    format!("{} {state}{took}{error}", h.endpoint)
                })
                .collect();
            format!("etcdctl endpoint health: {}", rows.join("; "))
        }
        F::EtcdctlAlarmList { alarms } => {
            if alarms.is_empty() {
                "etcdctl alarm list: no alarms".to_string()
            } else {
                let rows: Vec<String> = alarms.iter().map(|a| format!("{} on {}", a.alarm, a.member_id)).collect();
                format!("etcdctl alarm list: {}", rows.join(", "))
            }
        }
        F::EtcdctlInvalid => "etcdctl JSON (invalid)".to_string(),
        F::KubectlText { kinds, containers, restarts, event_rows, unhealthy } => {
            let kinds: Vec<&str> = kinds.iter().map(|k| kubectl_output(*k)).collect();
            let mut parts = vec![format!("{containers} container(s), {restarts} restart(s)")];
            if *event_rows > 0 {
                parts.push(format!("{event_rows} event row(s)"));
            }
            if !unhealthy.is_empty() {
                let names: Vec<String> = unhealthy.iter().map(|u| format!("{}: {}", u.name, u.message)).collect();
                parts.push(format!("unhealthy: {}", names.join("; ")));
            }
            format!("{} ({})", kinds.join(" + "), parts.join(", "))
        }
        F::DiskPaste { readings, fio } => {
            let mut parts: Vec<String> = readings
                .iter()
                .map(|r| {
                    let mut part = format!("{} p{:.0} {:.1} ms", r.metric, r.quantile * 100.0, r.value_ms);
                    if let Some((lo, hi)) = r.bucket_ms {
                        part.push_str(&format!(" ({lo}..{hi} ms bucket"));
                        if let Some(n) = r.total_ops {
                            part.push_str(&format!(", {n} observations since the process started"));
                        }
                        if let Some(slow) = r.slow_ops {
                            part.push_str(&format!(", {slow} at 512 ms or more"));
                        }
                        part.push(')');
                    }
                    if let Some(m) = &r.member {
                        part.push_str(&format!(" on {m}"));
                    }
                    part
                })
                .collect();
            if let Some(f) = fio {
                parts.push(match (f.sync_p99_ms, f.iops) {
                    (Some(p99), _) => format!("fio fdatasync p99 {p99:.2} ms"),
                    (None, Some(iops)) => format!(
                        "fio {iops:.0} IOPS (this fio prints no fdatasync percentiles; its write clat excludes the sync)"
                    ),
                    (None, None) => "fio output without figures".to_string(),
                });
            }
            format!("etcd disk figures pasted as text (no time): {}", parts.join("; "))
        }
        F::PrometheusText => "Prometheus metrics (text exposition)".to_string(),
        F::ApiServerEtcdLatency { slowest } => {
            let rows: Vec<String> = slowest
                .iter()
                .map(|r| {
                    format!(
                        "{} {} p99 {} ({}..{})",
                        r.operation.as_deref().unwrap_or("?"),
                        r.resource.as_deref().unwrap_or("?"),
                        ms_text(r.p99_secs),
                        ms_text(r.lower_secs),
                        ms_text(r.upper_secs)
                    )
                })
                .collect();
            format!("kube-apiserver etcd request latency since its start, slowest: {}", rows.join("; "))
        }
        F::DiskProbeReport {
            dir,
            host,
            at,
            fdatasync_p50_ms,
            fdatasync_p99_ms,
            fdatasync_max_ms,
            iops,
            assessment,
        } => format!(
            "etcd disk probe of {dir}{} at {}: fdatasync p50 {fdatasync_p50_ms:.2} ms, p99 {fdatasync_p99_ms:.2} ms, \
             max {fdatasync_max_ms:.2} ms, {iops:.0} IOPS: {assessment}",
            host.as_deref().map(|h| format!(" on {h}")).unwrap_or_default(),
            at.format("%Y-%m-%d %H:%M:%SZ"),
        ),
        F::Iostat { highest_w_await } => match highest_w_await {
            Some(d) => format!(
                "iostat -x device table: highest w_await {:.1} ms on {} (a device mean over the interval, not etcd's \
                 fsync latency; not weighed)",
                d.w_await_ms, d.device
            ),
            None => "iostat -x device table (no w_await column; not weighed)".to_string(),
        },
        F::ObjectCounts { total, largest } => {
            let top: Vec<String> = largest.iter().map(|k| format!("{} {}", k.kind, k.count)).collect();
            format!("etcd key counts per resource: {total} keys; largest {}", top.join(", "))
        }
        F::Documentation => "documentation (not evidence)".to_string(),
        F::Unrecognised => "unrecognised".to_string(),
        F::PrometheusRange { step_secs, worst, guidance_ms, disk_ms } => {
            let worst: Vec<String> = worst
                .iter()
                .map(|w| {
                    format!(
                        "{} max p99 {} ({}..{})",
                        w.member,
                        ms_text(w.p99_secs),
                        ms_text(w.lower_secs),
                        ms_text(w.upper_secs)
                    )
                })
                .collect();
            format!(
                "Prometheus range query, step {step_secs}s: {} (guidance p99 < {guidance_ms} ms; signals at >= \
                 {disk_ms} ms)",
                if worst.is_empty() { "no data".to_string() } else { worst.join("; ") },
            )
        }
        F::PrometheusValues { what, seconds, top, more } => {
            if top.is_empty() {
                return format!("{what}: no series");
            }
            let rows: Vec<String> = top
                .iter()
                .map(|s| {
                    let who: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let shown = if *seconds { ms_text(s.max) } else { format!("{:.2}", s.max) };
                    let when = s.at.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_default();
                    format!("{} max {shown} at {when}", who.join(","))
                })
                .collect();
            let more = if *more > 0 { format!(" (+{more} more series)") } else { String::new() };
            format!("{what}: {}{more}", rows.join("; "))
        }
        F::EtcdScrapes(e) => scrapes(e),
    }
}

/// A log's role, inner format and wrapper: `etcd log (zap JSON, CRI file)`.
fn log(role: LogRole, content: LogContent, wrapper: Option<LogWrapper>) -> String {
    let who = match role {
        LogRole::Etcd => "etcd log",
        LogRole::ApiServer => "kube-apiserver log",
        LogRole::Other => "container log",
    };
    let etcd = role == LogRole::Etcd;
    let inner = match content {
        LogContent::Json if etcd => "zap JSON",
        LogContent::Json => "JSON",
        LogContent::Klog => "klog",
        LogContent::Text if etcd => "capnslog",
        LogContent::Text => "text",
        LogContent::NoRelevantLines => "no relevant lines",
    };
    let wrapper = match wrapper {
        Some(LogWrapper::Cri) => ", CRI file",
        Some(LogWrapper::KubectlTimestamps) => ", kubectl logs --timestamps",
        Some(LogWrapper::DockerJson) => ", Docker json-file",
        Some(LogWrapper::Journald) => ", journald",
        None => "",
    };
    format!("{who} ({inner}{wrapper})")
}

fn kubectl_output(k: KubectlOutput) -> &'static str {
    match k {
        KubectlOutput::DescribePod => "kubectl describe pod",
        KubectlOutput::GetPods => "kubectl get pods",
        KubectlOutput::GetEvents => "kubectl get events",
        KubectlOutput::ComponentStatuses => "kubectl get componentstatuses",
    }
}

/// Two scrapes of an etcd member's `/metrics`: health, disk p99s, leader, member id, unreadable lines.
fn scrapes(e: &EtcdScrapes) -> String {
    let mut parts = vec![format!("health {}", e.health)];
    for h in &e.histograms {
        let metric = &h.metric;
        parts.push(match &h.reading {
            HistogramReading::NotExposedOrReset => format!("{metric}: not exposed or reset"),
            HistogramReading::NoObservations => format!("{metric}: no observations in the interval"),
            HistogramReading::P99 { p99_secs, lower_secs, upper_secs, guidance_ms, observations } => format!(
                "{metric} p99 {} ({}..{}; guidance < {guidance_ms} ms; {observations} observations)",
                ms_text(*p99_secs),
                ms_text(*lower_secs),
                ms_text(*upper_secs),
            ),
        });
    }
    if let Some((increase, total)) = e.leader_changes {
        parts.push(format!("leader changes +{increase} (total {total})"));
    }
    if let Some(h) = e.has_leader {
        parts.push(format!("has leader {h}"));
    }
    if let Some(id) = &e.member_id {
        parts.push(format!("member id {id}"));
    }
    if let Some(u) = &e.unreadable {
        let scrape = if u.in_second { "second" } else { "first" };
        parts.push(format!(
            "{} unreadable exposition line(s), e.g. {scrape} scrape line {}: {}",
            u.count, u.line, u.message
        ));
    }
    format!("etcd /metrics, 2 scrapes {}s apart: {}", e.interval_secs, parts.join("; "))
}

/// `12.5 MB`.
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Seconds as a duration (`740ms`), `+Inf` for the open top bucket.
fn ms_text(seconds: f64) -> String {
    if seconds.is_infinite() { "+Inf".into() } else { crate::model::units::Millis(seconds * 1000.0).to_string() }
}

/// A reader's note about what an input did not state.
pub fn note(n: &Note) -> String {
    match n {
        Note::BurstsCoarsened { file, resolution_secs } => format!(
            "{file}: so many signals that bursts were folded at {resolution_secs}s resolution (instead of \
             {FOLD_GAP_SECS}s) to bound memory"
        ),
        Note::NoTimeZone { file, zone, year } => {
            let year = match year {
                Some(AssumedYear { year, from_current_date: true }) => {
                    format!("; year {year} assumed from the current date (no dated evidence)")
                }
                Some(AssumedYear { year, from_current_date: false }) => {
                    format!("; year {year} taken from the surrounding dated evidence")
                }
                None => String::new(),
            };
            format!("{file}: timestamps carry no time zone; read as {zone}{year}")
        }
        Note::NoPodName { file } => {
            format!("{file}: the describe text shows no pod name; its containers are named as their own pods")
        }
        Note::RelativeRestarts { file, restarts } => {
            let listed: Vec<String> = restarts.iter().take(5).map(|r| format!("{} {} ago", r.pod, r.ago)).collect();
            format!(
                "{file}: last restarts are printed relative to when the table was taken ({}); the table carries no \
                 time, so they are not placed on the timeline",
                listed.join(", ")
            )
        }
        Note::RelativeEvents { file, rows, reasons, first_age } => {
            let listed: Vec<String> = reasons.iter().map(|r| format!("{} x{}", r.kind, r.count)).collect();
            format!(
                "{file}: {rows} event row(s) ({}) have relative ages only (`{first_age}`); with no instant to anchor \
                 them they are not placed on the timeline (`kubectl get events -o json` has their times)",
                listed.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::inputs::*;
    use crate::evidence::{EtcdEndpointStatus, Origin};

    #[test]
    fn logs_name_their_role_inner_format_and_wrapper() {
        let log = |role, content, wrapper| format(&InputFormat::Log { role, content, wrapper });
        assert_eq!(log(LogRole::Etcd, LogContent::Json, Some(LogWrapper::Cri)), "etcd log (zap JSON, CRI file)");
        assert_eq!(log(LogRole::Etcd, LogContent::Text, None), "etcd log (capnslog)");
        assert_eq!(log(LogRole::Other, LogContent::Text, Some(LogWrapper::Journald)), "container log (text, journald)");
        assert_eq!(
            log(LogRole::ApiServer, LogContent::Json, Some(LogWrapper::KubectlTimestamps)),
            "kube-apiserver log (JSON, kubectl logs --timestamps)"
        );
        assert_eq!(log(LogRole::Other, LogContent::NoRelevantLines, None), "container log (no relevant lines)");
    }

    #[test]
    fn whole_files_give_their_counts() {
        let unused = vec![KindCount { kind: "Service".into(), count: 3 }];
        let kube = InputFormat::KubeJson { pods: 2, events: 0, nodes: 1, unused_kinds: unused };
        assert_eq!(format(&kube), "Kubernetes JSON: 2 pods, 1 nodes, 3 Service (not used)");
        let empty = InputFormat::KubeJson { pods: 0, events: 0, nodes: 0, unused_kinds: Vec::new() };
        assert_eq!(format(&empty), "Kubernetes JSON (empty)");
        let kubectl = InputFormat::KubectlText {
            kinds: vec![KubectlOutput::GetPods, KubectlOutput::GetEvents],
            containers: 6,
            restarts: 62240,
            event_rows: 2,
            unhealthy: vec![UnhealthyComponent { name: "etcd-0".into(), message: "timeout".into() }],
        };
        assert_eq!(
            format(&kubectl),
            "kubectl get pods + kubectl get events (6 container(s), 62240 restart(s), 2 event row(s), unhealthy: \
             etcd-0: timeout)"
        );
        let counts =
            InputFormat::ObjectCounts { total: 30, largest: vec![KindCount { kind: "pods".into(), count: 20 }] };
        assert_eq!(format(&counts), "etcd key counts per resource: 30 keys; largest pods 20");
        let iostat =
            InputFormat::Iostat { highest_w_await: Some(DeviceAwait { device: "sdb".into(), w_await_ms: 41.25 }) };
        assert!(format(&iostat).starts_with("iostat -x device table: highest w_await 41.2 ms on sdb (a device"));
    }

    #[test]
    fn etcdctl_rows_give_sizes_in_mb_and_the_leader() {
        let status = EtcdEndpointStatus {
            endpoint: "https://10.0.0.1:2379".into(),
            member_id: "8e9e05c52164694d".into(),
            leader_id: "8e9e05c52164694d".into(),
            version: "3.4.23".into(),
            db_size_bytes: 20_480_000,
            db_size_in_use_bytes: Some(1_234_567),
            db_size_quota_bytes: None,
            raft_term: 2,
            raft_index: 9,
            raft_applied_index: None,
            errors: vec!["alarm:NOSPACE".into()],
            origin: Origin::new("endpoint_status.json", None),
        };
        assert_eq!(
            format(&InputFormat::EtcdctlEndpointStatus { rows: vec![status] }),
            "etcdctl endpoint status: 8e9e05c52164694d v3.4.23 (leader): db 20.5 MB, 1.2 MB in use, term 2, errors: \
             alarm:NOSPACE"
        );
        assert_eq!(format(&InputFormat::EtcdctlAlarmList { alarms: Vec::new() }), "etcdctl alarm list: no alarms");
    }

    #[test]
    fn metric_summaries_give_quantiles_with_bucket_edges() {
        let slowest = vec![RequestLatency {
            operation: Some("update".into()),
            resource: None,
            p99_secs: 0.79,
            lower_secs: 0.4,
            upper_secs: f64::INFINITY,
        }];
        let s = format(&InputFormat::ApiServerEtcdLatency { slowest });
        assert!(s.starts_with("kube-apiserver etcd request latency since its start, slowest: update ? p99 "), "{s}");
        assert!(s.ends_with("..+Inf)"), "{s}");
        let values = |top: Vec<SeriesMax>, more| InputFormat::PrometheusValues {
            what: "etcd has leader (min)".into(),
            seconds: false,
            top,
            more,
        };
        assert_eq!(format(&values(Vec::new(), 0)), "etcd has leader (min): no series");
        let row = SeriesMax { labels: vec![("pod".into(), "etcd-0".into())], max: 1.0, at: None };
        assert_eq!(format(&values(vec![row], 2)), "etcd has leader (min): pod=etcd-0 max 1.00 at  (+2 more series)");
        let range =
            InputFormat::PrometheusRange { step_secs: 30, worst: Vec::new(), guidance_ms: 10.0, disk_ms: 100.0 };
        assert_eq!(
            format(&range),
            "Prometheus range query, step 30s: no data (guidance p99 < 10 ms; signals at >= 100 ms)"
        );
        let scrapes = EtcdScrapes {
            interval_secs: 15,
            health: "{\"health\":\"true\"}".into(),
            histograms: vec![ScrapedHistogram {
                metric: "etcd_disk_wal_fsync_duration_seconds".into(),
                reading: HistogramReading::NoObservations,
            }],
            leader_changes: Some((0.0, 3.0)),
            has_leader: Some(1.0),
            member_id: Some("8e9e05c52164694d".into()),
            unreadable: Some(UnreadableLines { count: 2, in_second: true, line: 7, message: "bad value".into() }),
        };
        assert_eq!(
            format(&InputFormat::EtcdScrapes(Box::new(scrapes))),
            "etcd /metrics, 2 scrapes 15s apart: health {\"health\":\"true\"}; etcd_disk_wal_fsync_duration_seconds: \
             no observations in the interval; leader changes +0 (total 3); has leader 1; member id 8e9e05c52164694d; \
             2 unreadable exposition line(s), e.g. second scrape line 7: bad value"
        );
    }

    #[test]
    fn notes_name_the_file_and_what_was_assumed() {
        let zone = |year| note(&Note::NoTimeZone { file: "etcd.log".into(), zone: "UTC".into(), year });
        assert_eq!(zone(None), "etcd.log: timestamps carry no time zone; read as UTC");
        assert_eq!(
            zone(Some(AssumedYear { year: 2026, from_current_date: true })),
            "etcd.log: timestamps carry no time zone; read as UTC; year 2026 assumed from the current date (no dated \
             evidence)"
        );
        let coarse = note(&Note::BurstsCoarsened { file: "etcd.log".into(), resolution_secs: 240 });
        assert!(coarse.starts_with("etcd.log: so many signals that bursts were folded at 240s resolution"), "{coarse}");
        let restarts = (0..7).map(|i| RelativeRestart { pod: format!("p{i}"), ago: "12m".into() }).collect();
        let r = note(&Note::RelativeRestarts { file: "pods.txt".into(), restarts });
        assert!(r.contains("(p0 12m ago, p1 12m ago, p2 12m ago, p3 12m ago, p4 12m ago);"), "{r}");
        let reasons = vec![KindCount { kind: "Unhealthy".into(), count: 28 }];
        let ev = note(&Note::RelativeEvents { file: "ev.txt".into(), rows: 3, reasons, first_age: "5m".into() });
        assert!(ev.starts_with("ev.txt: 3 event row(s) (Unhealthy x28) have relative ages only (`5m`);"), "{ev}");
    }
}
