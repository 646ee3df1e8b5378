//! The cross-format dispatcher: the needle list the reader pre-filters on, [`classify`], which picks a format
//! from a line's first bytes, and the reading of lines with no recognised header.

use crate::parse::klog;
use crate::parse::time::{capnslog_prefix, klog_prefix, raft_std_prefix};
use crate::parse::{LineFacts, Malformed};

use super::capnslog::{capnslog_line, raft_std_line, strip_merged};
use super::rules::etcd_text;
use super::zap::{console_line, json_line, zap_glued};

/// Substrings (case-sensitive) at least one of which every line [`classify`] turns into a signal or an identity
/// contains. The reader skips lines without any. None contains `"`, `<`, `>` or `&`, so they also match inside
/// Docker json-file records, which escape those characters.
pub const NEEDLES: &[&str] = &[
    // etcd: disk / apply / backend (D1-D8, D13, D15)
    "slow fdatasync",
    "sync duration of",
    "took too long",
    "failed to apply request",
    "scheduled compaction",
    "defragment",
    "opened backend db",
    // etcd: maintenance and load: D14 (`db file is flocked`, capnslog `holds the file lock`; `lock` also covers
    // `clock difference` and the lease-lock phrases below), `request stats` (T2)
    "lock",
    "request stats",
    // etcd: consensus (R1-R12), reads (Q1-Q6), request errors (R15, R16)
    "heartbeat on time",
    "at term ",
    "quorum is not active",
    "timed out",
    "leader changed",
    // etcd: start markers and identity (§2.7)
    "starting an etcd server",
    "etcd Version",
    "local-member-id",
    "starting member",
    "name = ",
    // etcd: peers, clock, TLS, quota (N1-N10, A1-A7)
    "prober",
    "could not connect",
    "streaming connection",
    "buffer is full",
    "permanently removed",
    "ID mismatch",
    "became inactive",
    "rejected connection",
    "backend quota",
    "NOSPACE",
    "space exceeded",
    // kube-apiserver and its etcd client (K1-K11)
    "etcd-client",
    "retry_interceptor",
    "metav1.Status",
    "Handler timeout",
    "while handling",
    "Post-timeout",
    "total time",
    "[-]etcd",
    "data from etcd",
    "createTransport",
    "connection error",
    // `storage backend`, `storage factory` (K10)
    "storage ",
    // leader election (§4)
    "renew lease",
    "election lost",
    "lost leadership",
    // client-side timeouts
    "deadline exceeded",
    "Client.Timeout",
    "did not complete within",
    // configuration / startup (`flag` covers `unknown flag`, `unknown shorthand flag`, `flag provided but not
    // defined`)
    "flag",
    "failed to load config",
    "no such file or directory",
    "invalid configuration",
    "rror parsing",
    // memory
    "oom-killer",
    "ut of memory",
    "System OOM",
    // the datastore is not etcd (kine), CPU starvation (`lock` above covers kernel `soft lockup`)
    "database connection pooling",
    "Kine ",
    "throttl",
    // crashes: Go panics / runtime fatals, zap/logrus fatal levels, capnslog critical. klog `F` lines are classified
    // when they carry one of the needles above (lease loss, config errors); a needle per month (`F01`..`F12`) would
    // catch every klog fatal but costs over 60 needles' worth of scanning (aho-corasick's SIMD prefilter takes at
    // most 64 patterns), halving throughput on large logs. (`restarting member` is covered by `starting member`,
    // `leaderelection lost` by `election lost`.)
    "fatal",
    "panic",
    " C | ",
];

/// Classifies the content of one (unwrapped) log line from any supported format.
///
/// `Ok(None)`: nothing of interest. `Err`: the line has a known shape (zap JSON, a klog/capnslog header) but is
/// damaged (invalid JSON, impossible date). Never panics.
pub fn classify(content: &str) -> Result<Option<LineFacts>, Malformed> {
    let s = content.trim_matches([' ', '\t', '\r', '\n']);
    // etcd 3.3 at debug level puts the caller between capnslog's time and level
    // (`2019-08-09 10:57:50.500232 [pkg_logger.go:114] W | etcdserver: ...`): read the line without it.
    if s.as_bytes().get(26..29) == Some(b" [p")
        && let Some(end) = s.get(27..).and_then(|r| r.strip_prefix("[pkg_logger.go:")).and_then(|r| r.find("] "))
    {
        let skip = 27 + "[pkg_logger.go:".len() + end + 2;
        return classify(&format!("{} {}", &s[..26], &s[skip..]));
    }
    let Some(&first) = s.as_bytes().first() else {
        return Ok(None);
    };
    match first {
        b'{' => json_line(s),
        b'0'..=b'9' => {
            if let Some(found) = capnslog_prefix(s) {
                return capnslog_line(s, found);
            }
            if let Some(facts) = console_line(s) {
                return facts;
            }
            text_line(s)
        }
        b'r' => match raft_std_prefix(s) {
            Some(found) => raft_std_line(s, found),
            None => text_line(s),
        },
        b'I' | b'W' | b'E' | b'F' if klog_prefix(s).is_some() => klog::classify_klog(s),
        _ if s.starts_with("time=\"") || s.starts_with("level=") => Ok(klog::classify_logrus(s)),
        _ => text_line(s),
    }
}

// ---- anything else ------------------------------------------------------------------------------------------

/// Does `s` look like the tail of a zap record whose start is on an earlier physical line (`status","k":...}`)?
fn is_json_tail(s: &str) -> bool {
    s.ends_with('}') && s.contains("\",\"") && s.contains("\":")
}

/// A line with no recognised header: journald-stripped capnslog (`sync duration of ...`), pkg-prefixed pastes
/// (`etcdserver: failed to send out heartbeat ...`), continuation lines, controller/kernel/Go runtime text, and
/// damaged pastes.
pub(super) fn text_line(s: &str) -> Result<Option<LineFacts>, Malformed> {
    if let Some(at) = klog::find_embedded_klog(s) {
        return klog::classify_klog(&s[at..]);
    }
    if let Some(at) = s.find("{\"level\":").filter(|at| *at > 0) {
        // Resynchronise on the next zap record; the part before it is a damaged tail.
        return zap_glued(&s[at..]);
    }
    if is_json_tail(s) {
        return Err(Malformed("JSON record starting mid-way (its start is on an earlier line)".into()));
    }
    // `W | wal: ...` / `etcdserver: ...`: a capnslog message with its date (and level) dropped.
    let b = s.as_bytes();
    let s = if b.len() > 4 && &b[1..4] == b" | " && b"CEWNIDT".contains(&b[0]) { &s[4..] } else { s };
    let (server_context, msg) = match s.find(": ") {
        Some(i) if is_etcd_package(&s[..i]) => (true, &s[i + 2..]),
        _ => (false, s),
    };
    let said = etcd_text(strip_merged(msg), server_context);
    if !said.is_empty() {
        return said.into_result(None);
    }
    Ok(klog::text_signal(s, None).map(|signal| LineFacts { signal: Some(signal), ..LineFacts::default() }))
}

/// capnslog package names (`etcdserver`, `etcdserver/api/v3rpc`, `wal`, `rafthttp`, `etcdhttp`, ...).
fn is_etcd_package(p: &str) -> bool {
    const PACKAGES: &[&str] =
        &["etcdserver", "etcdmain", "etcdhttp", "wal", "rafthttp", "raft", "mvcc", "embed", "auth", "v3rpc"];
    PACKAGES.iter().any(|k| p == *k || p.starts_with(&format!("{k}/")) || p.ends_with(&format!("/{k}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::SignalKind;
    use crate::parse::etcd::tests::{checked, signal, utc};
    use crate::parse::time::LineTime;
    use crate::parse::unwrap_line;

    // ---- formats and damage -------------------------------------------------------------------------------

    #[test]
    fn zap_ts_shapes_are_all_read() {
        // Adapted: one real D2 line (lab) with each `ts` shape of ETCD-SIGNALS §1.2.
        let base = r#"{"level":"warn","ts":TS,"caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1.501079136s","expected-duration":"1s"}"#;
        for (ts, want) in [
            (r#""2021-01-25T06:42:29.227+0100""#, "2021-01-25T05:42:29.227Z"),
            (r#""2024-11-27T13:48:13.28801Z""#, "2024-11-27T13:48:13.28801Z"),
            (r#""2024-11-27T13:48:13Z""#, "2024-11-27T13:48:13Z"),
            (r#""2024-01-31T16:54:41.675186+0800""#, "2024-01-31T08:54:41.675186Z"),
        ] {
            assert_eq!(checked(&base.replace("TS", ts)).unwrap().time, utc(want), "{ts}");
        }
        let epoch = checked(&base.replace("TS", "1661578407.7117872")).unwrap();
        assert_eq!(epoch.time.and_then(|t| t.exact()).map(|t| t.timestamp()), Some(1661578407));
    }

    #[test]
    fn etcd_3_5_raft_logger_and_3_6_callers() {
        // Adapted: 3.5 raft logger key and the zap_raft caller of ETCD-SIGNALS §1.2.
        let line = r#"{"level":"info","ts":"2024-01-31T16:54:41.675186+0800","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"8e9e05c52164694d became leader at term 5"}"#;
        assert_eq!(signal(line), Some(SignalKind::LeaderElected { term: 5, leader_id: "8e9e05c52164694d".into() }));
    }

    #[test]
    fn etcd_3_6_console_format() {
        // Adapted: zap console layout of ETCD-SIGNALS §1.2 with D2's fields.
        let line = "2024-01-31T16:54:41.675186+0800\twarn\twal/wal.go:846\tslow fdatasync\t{\"took\": \"1.2s\", \"expected-duration\": \"1s\"}";
        let facts = checked(line).unwrap();
        assert_eq!(facts.signal, Some(SignalKind::SlowWalSync { took_ms: 1200.0, expected_ms: 1000.0 }));
        assert_eq!(facts.time, utc("2024-01-31T08:54:41.675186Z"));
        let line = "2024-01-31T16:54:41.675186+0800\tinfo\traft\tv3@v3.6.0/raft.go:900\t8e9e05c52164694d became leader at term 5";
        assert!(matches!(signal(line), Some(SignalKind::LeaderElected { term: 5, .. })));
    }

    #[test]
    fn invalid_zap_json_is_malformed() {
        // Adapted: the real D2 lab line cut short, as journalctl truncates (`...>`, ETCD-SIGNALS §1.4).
        let line = r#"{"level":"warn","ts":"2026-11-25T02:18:56.568Z","caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1.50107>"#;
        assert!(crate::parse::classify(line).is_err());
        assert!(crate::parse::classify(r#"{"level":"warn","ts":"2026-11-25T0"#).is_err());
    }

    #[test]
    fn impossible_capnslog_and_raft_dates_are_malformed() {
        assert!(
            crate::parse::classify("2021-02-30 12:15:22.876237 W | wal: sync duration of 2s, expected less than 1s")
                .is_err()
        );
        assert!(
            crate::parse::classify("raft2026/13/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2").is_err()
        );
    }

    #[test]
    fn glued_zap_records_resynchronise() {
        // Adapted: two real lab lines glued with `}{` (ETCD-SIGNALS §9).
        let a = r#"{"level":"info","ts":"2026-11-25T02:18:36.664Z","caller":"rafthttp/peer_status.go:51","msg":"peer became active","peer-id":"26e7ed1a5e3399a9"}"#;
        let b = r#"{"level":"warn","ts":"2026-11-25T02:18:56.568Z","caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1.501079136s","expected-duration":"1s"}"#;
        let glued = format!("{a}{b}");
        assert_eq!(signal(&glued), Some(SignalKind::SlowWalSync { took_ms: 1501.079136, expected_ms: 1000.0 }));
        // A record broken by a newline inside a value: the first half is malformed, the second half (starting
        // mid-record) is damaged too, and a half glued to a full record resynchronises on the full one.
        let (head, tail) = b.split_at(b.find("took\"").unwrap());
        assert!(crate::parse::classify(head).is_err());
        assert!(crate::parse::classify(tail).is_err());
        let resync = format!("{tail}{b}");
        assert!(matches!(signal(&resync), Some(SignalKind::SlowWalSync { .. })));
    }

    #[test]
    fn docker_forwarded_to_journald_identified_by_content() {
        // Adapted: ETCD-SIGNALS §9 (ident `docker[pid]`, capnslog inside); the message is the real lab D1 line.
        let line = "Nov 25 10:32:07 node1 docker[1234]: 2026-11-25 02:32:07.693438 W | wal: sync duration of 1.500727851s, expected less than 1s";
        let facts = checked(line).unwrap();
        assert_eq!(facts.signal, Some(SignalKind::SlowWalSync { took_ms: 1500.727851, expected_ms: 1000.0 }));
        assert!(matches!(facts.time, Some(LineTime::NoZone(_))));
    }

    #[test]
    fn duplicate_keys_and_escaped_strings_in_zap() {
        // Adapted: the real lab D2 line with a duplicated key and an escaped value.
        let line = r#"{"level":"warn","ts":"2026-11-25T02:18:56.568Z","caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1s","took":"1.501079136s","expected-duration":"1s"}"#;
        assert_eq!(signal(line), Some(SignalKind::SlowWalSync { took_ms: 1501.079136, expected_ms: 1000.0 }));
    }

    #[test]
    fn controller_runtime_zap_json_lines() {
        // Adapted: controller-runtime's messages of ETCD-SIGNALS §4.2 in zap JSON (operators log this way).
        let line = r#"{"level":"error","ts":"2024-01-31T08:54:41.675Z","logger":"setup","caller":"manager/internal.go:512","msg":"error received after stop sequence was engaged","error":"leader election lost"}"#;
        assert_eq!(signal(line), Some(SignalKind::LeaderElectionLost));
        // A relayed etcd error in a controller's lease line is the lease failure, not etcd's own timeout.
        let line = r#"{"level":"error","ts":"2024-01-31T08:54:41.675Z","caller":"leaderelection/leaderelection.go:367","msg":"Failed to update lock","error":"etcdserver: request timed out"}"#;
        assert!(matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })));
    }

    #[test]
    fn needles_have_no_characters_docker_escapes() {
        for n in NEEDLES {
            assert!(!n.contains(['"', '<', '>', '&', '\\']), "{n}");
            assert!(!n.is_empty());
        }
    }

    /// Every line quoted in these tests (and in klog's), truncated at every character, glued, and mixed with
    /// garbage: classification never panics and the needle invariant holds for whatever it recognises.
    #[test]
    fn garbage_and_truncations_never_panic() {
        let seeds: Vec<String> = vec![
            r#"{"level":"warn","ts":"2026-11-25T02:25:23.846Z","caller":"etcdserver/raft.go:440","msg":"leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk","to":"f095af629dcbe66e","heartbeat-interval":"100ms","expected-duration":"200ms","exceeded-duration":"1.803788057s"}"#.into(),
            "2026-11-25 02:31:58.379669 W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 123.009855ms, to d42fe7a5461778b2)".into(),
            "raft2026/11/24 22:58:07 INFO: raft.node: bdae9bbc11dd390d elected leader bdae9bbc11dd390d at term 2".into(),
            r#"I1202 20:45:13.065564    8976 trace.go:116] Trace[1118593115]: "Update" url:/api,user-agent:x (started: 2020-12-02 20:45:01.181165632 +0000 UTC m=+83.31) (total time: 11.884231395s):"#.into(),
            r#"2022-06-20T16:10:23.311058384Z stderr F {"level":"warn","ts":"2022-08-24T01:58:02.531Z","msg":"slow fdatasync","took":"9999999999999999999999999999999999999h","expected-duration":"1s"}"#.into(),
            r#"{"level":"warn","ts":1e999,"msg":"alarm raised","alarm":"NOSPACE","sent-request-id":999999999999999999999999999999}"#.into(),
            "F0325 11:08:47.205929 1 controllermanager.go:294] leaderelection lost".into(),
            "Aug 17 12:26:12 host etcd[9683]: sync duration of 1.5857053s, expected less than 1s".into(),
            "raft2026/11/24 22:58:07 INFO: 99999999999999999 became leader at term 99999999999999999999999".into(),
            "\u{0}\u{1}\u{fffd}\u{b5}s{\"level\":\u{fffd}".into(),
            r#"{"level":"warn","ts":"2026-11-25T02:31:04.162Z","caller":"rafthttp/probing_status.go:70","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_RAFT_MESSAGE","remote-peer-id":"2943212f5e2cf73","rtt":"0s","error":"dial tcp 127.0.0.1:23802: connect: connection refused"}"#.into(),
            r#"{"level":"warn","ts":"2022-08-24T01:58:02.531Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"etcd-endpoints://0x.../#initially=[https://127.0.0.1:2379]","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}"#.into(),
            r#"{"level":"warn","ts":"2026-11-25T02:31:06.164Z","caller":"etcdserver/server.go:2098","msg":"failed to publish local member to cluster through raft","local-member-id":"bdae9bbc11dd390d","publish-timeout":"7s","error":"etcdserver: request timed out"}"#.into(),
            r#"{"level":"warn","ts":"2026-11-25T02:30:55.845Z","caller":"etcdserver/apply.go:636","msg":"alarm raised","alarm":"NOSPACE","from":"2e1259d415f2a040"}"#.into(),
            r#"E1125 02:19:47.567141   20668 leaderelection.go:367] Failed to update lock: Post "http://127.0.0.1:41465/v3/kv/txn": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"#.into(),
            "E1125 02:19:47.962517   20668 controllermanager.go:205] controller manager exits unexpectedly: leader election lost".into(),
            r#"W0125 06:42:39.880363       1 clientconn.go:1223] grpc: addrConn.createTransport failed to connect to {https://127.0.0.1:2379  <nil> 0 <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:2379: connect: connection refused". Reconnecting..."#.into(),
            r#"E0316 23:08:28.151158 1 writers.go:123] "Unhandled Error" err="apiserver was unable to write a JSON response: http: Handler timeout" logger="UnhandledError""#.into(),
            "F1125 02:34:21.059949   30870 scheduler.go:151] error building kubeconfig: stat /etc/karmada/config/karmada.config: no such file or directory".into(),
            "Error: unknown flag: --leader-elect-lease-duraton".into(),
            "Memory cgroup out of memory: Killed process 24710 (python3) total-vm:115076kB, anon-rss:97792kB".into(),
            "2026-11-25 02:31:22.607303 W | rafthttp: health check for peer 2943212f5e2cf73 could not connect: dial tcp 127.0.0.1:23802: connect: connection refused".into(),
            "2026-11-25 02:31:14.306077 W | etcdserver: alarm NOSPACE raised by peer 2e1259d415f2a040".into(),
            "2026-11-25 02:31:17.597167 I | embed: name = m1".into(),
            "2026-11-25 02:31:17.600200 I | etcdserver: starting member bdae9bbc11dd390d in cluster ad2a858118c9a1f3".into(),
            "2024-01-31T16:54:41.675186+0800\twarn\twal/wal.go:846\tslow fdatasync\t{\"took\": \"1.2s\", \"expected-duration\": \"1s\"}".into(),
            r#"{"log":"2017-07-02 22:48:25.621332 I | etcdmain: etcd Version: 3.0.17\n","stream":"stderr","time":"2017-07-02T22:48:25.621754436Z"}"#.into(),
            r#"{"ts":1580306777.04728,"v":0,"msg":"Failed to renew lease","err":"context deadline exceeded"}"#.into(),
            "panic: runtime error: invalid memory address or nil pointer dereference".into(),
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases: Vec<String> = Vec::new();
        for s in &seeds {
            for (i, _) in s.char_indices() {
                cases.push(s[..i].to_string());
                cases.push(s[i..].to_string());
            }
        }
        for _ in 0..2000 {
            let a = &seeds[(rand() % seeds.len() as u64) as usize];
            let b = &seeds[(rand() % seeds.len() as u64) as usize];
            let cut_a = a.char_indices().map(|(i, _)| i).nth((rand() % a.chars().count() as u64) as usize).unwrap_or(0);
            let noise: String =
                (0..(rand() % 8)).map(|_| char::from_u32((rand() % 0x2FF) as u32).unwrap_or('?')).collect();
            cases.push(format!("{}{noise}{b}", &a[..cut_a]));
        }
        for case in &cases {
            let un = unwrap_line(case);
            if let Ok(Some(f)) = crate::parse::classify(&un.content)
                && (f.signal.is_some() || f.local_member_id.is_some() || f.member_name.is_some())
            {
                assert!(NEEDLES.iter().any(|n| case.contains(n)), "no needle: {case}");
            }
        }
    }
}
