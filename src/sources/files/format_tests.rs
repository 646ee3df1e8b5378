//! Real journald output: `tests/formats/journald/make.py` stores verbatim public lines (k3s-io/k3s#2853,
//! rancher/rancher#30483) and the lab's real etcd lines in a real journal file (systemd-journal-remote) and
//! prints it with the real `journalctl` in each output mode.
use super::whole::read_text_limited;
use super::*;
use crate::evidence::inputs::{KubectlOutput, LogContent, LogRole, LogWrapper};
use crate::evidence::{ContainerState, InputFormat, Note, SignalClass};
use crate::evidence::{Signal, Subject};
use std::path::Path;

fn read_text(name: &str, text: &str) -> Evidence {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let opts = ReadOptions {
        assume_tz: chrono_tz::UTC,
        fallback_now: DateTime::parse_from_rfc3339("2021-02-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc),
    };
    read_paths(&[dir.path().join(name)], &opts).unwrap()
}

fn journald(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/journald").join(file)).unwrap()
}

use chrono::DateTime;

fn of_class(e: &Evidence, class: SignalClass) -> Vec<&Signal> {
    e.signals.iter().filter(|s| s.class() == class).collect()
}

/// The role, inner format and wrapper an input was read as, when it was read as a log.
fn log_format(f: &InputFormat) -> Option<(LogRole, LogContent, Option<LogWrapper>)> {
    match f {
        InputFormat::Log { role, content, wrapper } => Some((*role, *content, *wrapper)),
        _ => None,
    }
}

#[test]
fn k3s_unit_lines_are_each_classified_as_what_they_are_in_every_journalctl_mode() {
    for mode in ["short", "short-iso", "short-precise", "json"] {
        let e = read_text("k3s.log", &journald(&format!("k3s-2853.{mode}.txt")));
        let wal = of_class(&e, SignalClass::SlowWalSync);
        assert_eq!(wal.len(), 1, "{mode}: {:?}", e.signals);
        assert_eq!(wal[0].subject, Subject::EtcdMember { name: "dev-ln01".into() }, "{mode}");
        assert_eq!(wal[0].latency.as_ref().unwrap().max_ms, 7454.439372);
        // The zap line's own time (06:42:36+01:00), not the journal's.
        assert_eq!(wal[0].first_at.to_rfc3339(), "2021-01-25T05:42:36+00:00", "{mode}");
        assert_eq!(wal[0].first.line, Some(2), "{mode}");
        let apply = of_class(&e, SignalClass::SlowApply);
        assert_eq!(apply[0].subject, Subject::EtcdMember { name: "dev-ln01".into() }, "{mode}");
        // The controller's lease line stays the unit's own (a container), not etcd's.
        let lease = of_class(&e, SignalClass::LeaseRenewFailed);
        assert_eq!(lease.len(), 1, "{mode}: {:?}", e.signals);
        assert!(matches!(lease[0].subject, Subject::Container { .. }), "{mode}: {:?}", lease[0].subject);
        let input = &e.inputs[0];
        let wrapper = log_format(&input.format).and_then(|f| f.2);
        assert_eq!(wrapper, Some(LogWrapper::Journald), "{mode}: {:?}", input.format);
        assert_eq!((input.lines, input.malformed), (4, 0), "{mode}: {:?}", e.gaps);
    }
}

#[test]
fn journalctl_cat_output_is_read_without_a_host() {
    let e = read_text("k3s.log", &journald("k3s-2853.cat.txt"));
    let wal = of_class(&e, SignalClass::SlowWalSync);
    assert_eq!(wal.len(), 1, "{:?}", e.signals);
    assert_eq!(wal[0].first_at.to_rfc3339(), "2021-01-25T05:42:36+00:00");
}

#[test]
fn etcd_unit_is_etcd_evidence_in_every_mode_and_agrees_with_the_cri_file() {
    let cri = captured_cri_prefix(160);
    let from_cri = read_text("etcd-node1.log", &cri);
    let count = |e: &Evidence| of_class(e, SignalClass::SlowWalSync).iter().map(|s| s.count).sum::<u64>();
    let expected = count(&from_cri);
    assert!(expected >= 3, "the capture has slow fdatasync lines");
    for mode in ["short", "short-iso", "short-precise", "json", "cat"] {
        // A name that says nothing: the role must come from the journal identifier or the lines.
        let e = read_text("journal.txt", &journald(&format!("etcd-node1.{mode}.txt")));
        assert_eq!(count(&e), expected, "{mode}");
        let want = if mode == "cat" { "journal" } else { "node1" };
        for s in &e.signals {
            assert_eq!(s.subject, Subject::EtcdMember { name: want.into() }, "{mode}: {:?}", s.kind);
        }
        let role = log_format(&e.inputs[0].format).map(|f| f.0);
        assert_eq!(role, Some(LogRole::Etcd), "{mode}: {:?}", e.inputs[0].format);
    }
}

#[test]
fn logrus_lines_in_a_k3s_unit_are_recognised() {
    for mode in ["short", "short-iso", "json"] {
        let e = read_text("k3s.log", &journald(&format!("rancher-30483.{mode}.txt")));
        assert_ne!(e.inputs[0].format, InputFormat::Unrecognised, "{mode}");
        assert_eq!(e.inputs[0].malformed, 0, "{mode}");
    }
}

fn kubectl_text(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/kubectl").join(name)).unwrap()
}

#[test]
fn describe_and_get_pods_pastes_are_restart_evidence() {
    // kubernetes-retired/service-catalog#2770: a describe container section.
    let e = read_text("describe.txt", &kubectl_text("servicecatalog-2770-etcd-oomkilled-describe.txt"));
    let [c] = e.containers.as_slice() else { panic!("{:?}", e.inputs) };
    assert!(matches!(&c.state, ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff"));
    let t = c.last_termination.as_ref().unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref(), t.finished_at), (137, Some("OOMKilled"), None));
    let described =
        matches!(&e.inputs[0].format, InputFormat::KubectlText { kinds, .. } if kinds[0] == KubectlOutput::DescribePod);
    assert!(described, "{:?}", e.inputs[0].format);
    assert!(e.assumptions.iter().any(|a| matches!(a, Note::NoPodName { file } if file.ends_with("describe.txt"))));
    // karmada-io/karmada#4769: a get pods table; last restarts are relative and say so.
    let e = read_text("pods.txt", &kubectl_text("karmada-4769-expired-certs-get-pods.txt"));
    assert_eq!(e.containers.len(), 6);
    assert_eq!(e.containers.iter().map(|c| c.restart_count).max(), Some(62237));
    assert!(e.containers.iter().all(|c| c.last_termination.is_none()));
    let relative = |a: &Note| match a {
        Note::RelativeRestarts { restarts, .. } => restarts.iter().any(|r| r.ago == "12m"),
        _ => false,
    };
    assert!(e.assumptions.iter().any(relative), "{:?}", e.assumptions);
}

#[test]
fn event_tables_without_an_anchor_are_stated_not_placed() {
    // NetApp/trident#249.
    let e = read_text("events.txt", &kubectl_text("trident-249-quoted-liveness-events.txt"));
    assert!(e.events.is_empty());
    let unplaced = |a: &Note| match a {
        Note::RelativeEvents { reasons, .. } => reasons.iter().any(|r| r.kind == "Unhealthy" && r.count == 28),
        _ => false,
    };
    assert!(e.assumptions.iter().any(unplaced), "{:?}", e.assumptions);
}

#[test]
fn an_unrecognised_file_is_reported_with_its_first_line() {
    // Constructed (not a log shape): a line no reader knows, longer than the quoted 120 characters.
    let e = read_text("notes.txt", &format!("{}\nsecond line\n", "x".repeat(300)));
    assert_eq!(e.inputs[0].format, InputFormat::Unrecognised);
    let first = e.gaps.iter().find_map(|g| match &g.reason {
        crate::evidence::GapReason::File(crate::evidence::FileGap::Unrecognised { file, first_line })
            if file.ends_with("notes.txt") =>
        {
            Some(first_line.as_str())
        }
        _ => None,
    });
    assert_eq!(first, Some(format!("{}...", "x".repeat(120)).as_str()), "{:?}", e.gaps);
}

#[test]
fn must_gather_layout_names_the_member_and_etcd_info_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("namespaces/openshift-etcd/pods/etcd-master-0/etcd/etcd/logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("current.log"), captured_cri_prefix(160)).unwrap();
    let info = dir.path().join("etcd_info");
    std::fs::create_dir_all(&info).unwrap();
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/etcdctl-3.4.23");
    for (from, to) in [
        ("member_list.json", "member_list.json"),
        ("endpoint_status_nospace.json", "endpoint_status.json"),
        ("endpoint_health.json", "endpoint_health.json"),
        ("alarm_list_nospace.json", "alarm_list.json"),
        ("etcd_object_count", "etcd_object_count"),
    ] {
        std::fs::copy(real.join(from), info.join(to)).unwrap();
    }
    let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: Timestamp::default() };
    let e = read_paths(&[dir.path().to_path_buf()], &opts).unwrap();
    assert!(e.signals.iter().all(|s| s.subject == Subject::EtcdMember { name: "etcd-master-0".into() }));
    assert!(!e.signals.is_empty());
    assert_eq!((e.etcd_status.len(), e.etcd_health.len()), (1, 1));
    assert_eq!(e.etcd_alarms[0].alarm, "NOSPACE");
    assert!(e.member_ids.iter().any(|m| m.name == "m1" && m.id == "bdae9bbc11dd390d"));
    let status = e.inputs.iter().find(|i| i.source.ends_with("endpoint_status.json")).unwrap();
    let InputFormat::EtcdctlEndpointStatus { rows } = &status.format else { panic!("{:?}", status.format) };
    assert!(rows[0].is_leader() && rows[0].errors.iter().any(|e| e.contains("alarm:NOSPACE")), "{rows:?}");
    assert!(e.inputs.iter().all(|i| i.format != InputFormat::Unrecognised), "{:?}", e.inputs);
}

#[test]
fn a_pasted_pretty_printed_record_is_read_and_cited_at_its_first_line() {
    // Real: the pretty-printed zap record of parse::paste's tests (a kubernetes/enhancements KEP draft).
    let text = "Some etcd warnings:\n\n{\n    \"level\": \"warn\",\n    \"ts\": \"2022-03-31T23:00:06.771Z\",\n    \"caller\": \"etcdserver/util.go:163\",\n    \"msg\": \"apply request took too long\",\n    \"took\": \"111.479086ms\",\n    \"expected-duration\": \"100ms\",\n    \"prefix\": \"read-only range \",\n    \"request\": \"key:\\\"/registry/pods/\\\" range_end:\\\"/registry/pods0\\\" \",\n    \"response\": \"range_response_count:27893 size:191330794\"\n}\n";
    let e = read_text("paste.txt", text);
    // 27893 keys in one response: an expensive request, not a slow apply.
    let apply = of_class(&e, SignalClass::ExpensiveRequest);
    assert_eq!(apply.len(), 1, "{:?} {:?}", e.inputs, e.gaps);
    assert_eq!(apply[0].first.line, Some(3));
    assert_eq!(apply[0].subject, Subject::EtcdMember { name: "paste".into() });
    assert_eq!((e.inputs[0].lines, e.inputs[0].malformed), (13, 0), "{:?}", e.gaps);
}

#[test]
fn a_docker_json_file_with_logrus_and_split_records_is_read() {
    // Real: rancher/rancher#30483 records; the second is a transformation (its log split in two, dockerd's
    // 16 KiB split) carrying a real etcd line (k3s-io/k3s#2853) so that the join is observable.
    let whole = r#"{"log":"time=\"2020-12-11T01:56:43.341654429Z\" level=info msg=\"k3s is up and running\"\n","stream":"stderr","time":"2020-12-11T01:56:43.341843664Z"}"#;
    let p1 = r#"{"log":"{\"level\":\"warn\",\"ts\":\"2021-01-25T06:42:36.000+0100\",\"caller\":\"wal/wal.go:806\",\"msg\":\"slow fd","stream":"stderr","time":"2021-01-25T05:42:36.000100Z"}"#;
    let p2 = r#"{"log":"atasync\",\"took\":\"7.454439372s\",\"expected-duration\":\"1s\"}\n","stream":"stderr","time":"2021-01-25T05:42:36.000200Z"}"#;
    let e = read_text("container-json.log", &format!("{whole}\n{p1}\n{p2}\n"));
    let wal = of_class(&e, SignalClass::SlowWalSync);
    assert_eq!(wal.len(), 1, "{:?} {:?}", e.inputs, e.gaps);
    assert_eq!(wal[0].first.line, Some(2));
    let wrapper = log_format(&e.inputs[0].format).and_then(|f| f.2);
    assert_eq!(wrapper, Some(LogWrapper::DockerJson), "{:?}", e.inputs[0].format);
    assert_eq!((e.inputs[0].lines, e.inputs[0].malformed), (3, 0));
}

#[test]
fn goreman_lines_name_their_member() {
    // Real: etcd-io/etcd#14433 (goreman output of a local cluster).
    let e = read_text(
        "procfile.log",
        &format!(
            "{}\n",
            r#"16:16:52 etcd4 | {"level":"info","ts":"2022-09-06T16:16:52.370-0400","caller":"rafthttp/stream.go:169","msg":"started stream writer with remote peer","local-member-id":"45d559f8148de837","remote-peer-id":"91bc3c398fb3c146"}"#
        ),
    );
    assert!(e.member_ids.iter().any(|m| m.name == "etcd4" && m.id == "45d559f8148de837"), "{:?}", e.member_ids);
    let role = log_format(&e.inputs[0].format).map(|f| f.0);
    assert_eq!(role, Some(LogRole::Etcd), "{:?}", e.inputs[0].format);
}

#[test]
fn debug_capnslog_with_its_caller_is_etcd_evidence() {
    // Real: etcd-io/etcd#11012 (etcd 3.3 at debug level).
    let e = read_text(
        "etcd-debug.log",
        &format!(
            "{}\n",
            r#"2019-08-09 10:57:51.131115 [pkg_logger.go:114] W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 71.742296ms)"#
        ),
    );
    let late = of_class(&e, SignalClass::HeartbeatLate);
    assert_eq!(late.len(), 1, "{:?}", e.signals);
    assert!(matches!(late[0].subject, Subject::EtcdMember { .. }));
    let read_as = log_format(&e.inputs[0].format).map(|f| (f.0, f.1));
    assert_eq!(read_as, Some((LogRole::Etcd, LogContent::Text)), "{:?}", e.inputs[0].format);
}

#[test]
fn embedded_etcd_through_go_standard_log_is_etcd_evidence() {
    // Real: etcd-io/etcd#8216 (issue body).
    let text = "2017/06/20 12:53:52 server.go:636: Warning: avoid queries with large range/delete range!
2017/06/20 12:54:01 wal.go:403: Warning: sync duration of 8.001014846s, expected less than 1s
2017/06/20 12:55:12 wal.go:403: Warning: sync duration of 1m11.162122634s, expected less than 1s
2017/06/20 12:55:12 index.go:171: Info: store.index: compact 1747703
";
    let e = read_text("embedded.log", text);
    let wal = of_class(&e, SignalClass::SlowWalSync);
    assert_eq!(wal.iter().map(|s| s.count).sum::<u64>(), 2, "{:?}", e.signals);
    assert_eq!(wal[0].subject, Subject::EtcdMember { name: "embedded".into() });
    assert_eq!(wal.iter().map(|s| s.latency.as_ref().unwrap().max_ms).fold(0.0, f64::max), 71162.122634);
    assert_eq!(wal[0].first_at.to_rfc3339(), "2017-06-20T12:54:01+00:00");
}

#[test]
fn text_files_read_whole_are_cut_at_the_limit_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.txt");
    std::fs::write(&path, "0123456789").unwrap();
    assert_eq!(read_text_limited(&path, 4).unwrap(), ("0123".to_string(), true));
    assert_eq!(read_text_limited(&path, 10).unwrap(), ("0123456789".to_string(), false));
}

#[test]
fn single_metrics_dumps_and_fio_output_are_untimed_disk_evidence() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats");
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap();
    // etcd-io/etcd#9544: healthy-looking WAL fsync (p99 in the 2-4 ms bucket), yet 48 syncs of 512 ms or more.
    let e = read_text("metrics.txt", &read("metrics/etcd-9544-wal-fsync-dump.txt"));
    let [d] = e.disk_readings.as_slice() else { panic!("{:?}", e.inputs) };
    assert_eq!(d.metric, "etcd_disk_wal_fsync_duration_seconds");
    assert_eq!(d.bucket_ms, Some((2.0, 4.0)));
    assert_eq!((d.total_ops, d.slow_ops), (Some(367535), Some(48)));
    // etcd-io/etcd#8586: the etcd 3.0 name, with a command line pasted first; p99 in the 128-256 ms bucket.
    let e = read_text("metrics.txt", &read("metrics/etcd-8586-old-name-curl.txt"));
    let [d] = e.disk_readings.as_slice() else { panic!("{:?}", e.inputs) };
    assert_eq!((d.metric.as_str(), d.bucket_ms), ("etcd_disk_wal_fsync_duration_seconds", Some((128.0, 256.0))));
    let InputFormat::DiskPaste { readings, .. } = &e.inputs[0].format else { panic!("{:?}", e.inputs[0].format) };
    assert_eq!(readings.as_slice(), e.disk_readings.as_slice());
    // A real fio 3.33 run: the fdatasync block.
    let e = read_text("fio.txt", &read("fio/fio-3.33-fdatasync.txt"));
    let [p] = e.disk_probes.as_slice() else { panic!("{:?}", e.inputs) };
    let close = |v: Option<f64>, want: f64| v.is_some_and(|v| (v - want).abs() < 1e-9);
    assert!(close(p.fdatasync_p99_ms, 12.649) && close(p.fdatasync_max_ms, 79.956), "{p:?}");
}

/// The first `n` lines of the lab's etcd-node1 CRI capture (the same lines `make.py` put in the journal).
fn captured_cri_prefix(n: usize) -> String {
    let pods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods");
    let dir = std::fs::read_dir(&pods)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("kube-system_etcd-node1_"))
        .unwrap();
    let text = std::fs::read_to_string(dir.path().join("etcd/0.log")).unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}
