//! klog lines (kube-apiserver, client-go leader election, controllers) and the other text a crash-looping
//! controller prints: Go panics and runtime fatals, kernel/kubelet OOM lines, configuration errors, logrus.
//!
//! Pure; no I/O. Entry points are called by [`super::etcd::classify`], which dispatches on the line's shape.
//! Message strings are those of ETCD-SIGNALS §3 (kube-apiserver), §4 (leader election) and §5 (kubelet/kernel).

use std::sync::LazyLock;

use regex::Regex;

use super::duration::go_duration_ms;
use super::time::{LineTime, klog_prefix};
use super::{LineFacts, Malformed};
use crate::evidence::SignalKind;

/// Longest `detail` kept on a signal (details are for citing, not for storing whole lines).
const MAX_DETAIL: usize = 300;

/// `s` cut to at most [`MAX_DETAIL`] bytes on a character boundary, trimmed.
pub(crate) fn clip(s: &str) -> String {
    let s = s.trim();
    if s.len() <= MAX_DETAIL {
        return s.to_string();
    }
    let mut end = MAX_DETAIL;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The parts of a klog header after its time.
struct KlogLine<'a> {
    level: char,
    time: LineTime,
    msg: &'a str,
}

/// Splits `L mmdd hh:mm:ss.uuuuuu <thread> file:line] msg`. The thread id is matched as ` +\d+ ` (padding may
/// be collapsed, ETCD-SIGNALS §9). `None` when `s` does not start with a klog header.
fn split_klog(s: &str) -> Option<Result<KlogLine<'_>, Malformed>> {
    let ((level, time), n) = match klog_prefix(s)? {
        Ok(found) => found,
        Err(why) => return Some(Err(Malformed(format!("klog header: {why}")))),
    };
    let rest = s[n..].trim_start_matches(' ');
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let after_thread =
        if digits > 0 && rest.as_bytes().get(digits) == Some(&b' ') { &rest[digits + 1..] } else { rest };
    // `file.go:123] msg`; tolerate a missing location.
    let msg = match after_thread.find("] ") {
        Some(i) if !after_thread[..i].contains(' ') => &after_thread[i + 2..],
        _ => after_thread,
    };
    Some(Ok(KlogLine { level, time: LineTime::NoYear(time), msg }))
}

/// Classifies a line that starts with a klog header.
pub(crate) fn classify_klog(s: &str) -> Result<Option<LineFacts>, Malformed> {
    let Some(parsed) = split_klog(s) else {
        return Ok(None);
    };
    let line = parsed?;
    // A klog `F` line is classified by its phrases like an `E` line: one with no known phrase is not a candidate
    // for the reader's prefilter (a needle per month costs too much scanning, see NEEDLES), and classify must
    // agree with the reader.
    let level = if line.level == 'F' { 'E' } else { line.level };
    let signal = text_signal(line.msg, Some(level));
    Ok(signal.map(|signal| LineFacts { time: Some(line.time), signal: Some(signal), ..LineFacts::default() }))
}

/// A klog header somewhere after the start of the line (a UI prefix glued to it, ETCD-SIGNALS §9:
/// `4/11/2017 12:17:46 AMI0411 05:17:46.485121 ...`). Returns the byte offset of the level letter.
pub(crate) fn find_embedded_klog(s: &str) -> Option<usize> {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [^\s\]]+\] ").expect("static regex"));
    if !s.contains("] ") {
        return None;
    }
    RE.find(s).map(|m| m.start()).filter(|at| *at > 0)
}

/// Classifies a logrus line (`time="..." level=fatal msg="lost leadership, restarting kube-vip"`), seen in
/// k3s/rke2/kube-vip output (ETCD-SIGNALS §1.3).
pub(crate) fn classify_logrus(s: &str) -> Option<LineFacts> {
    let time = super::time::line_time(s);
    let level = s.find("level=").map(|i| &s[i + 6..]).map(|l| l.split(' ').next().unwrap_or_default());
    let fatal = matches!(level, Some("fatal" | "panic"));
    let signal = text_signal(s, fatal.then_some('F'))?;
    Some(LineFacts { time, signal: Some(signal), ..LineFacts::default() })
}

/// Classifies a Kubernetes JSON log line (`--logging-format=json`: `{"ts":1580306777.04728,"v":4,"msg":...}`)
/// by its `msg` and `err` fields.
pub(crate) fn classify_klog_json(s: &str) -> Result<Option<LineFacts>, Malformed> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(s).map_err(|e| Malformed(format!("JSON log line: {e}")))?;
    let msg = map.get("msg").and_then(|v| v.as_str()).unwrap_or_default();
    let err = map.get("err").and_then(|v| v.as_str()).unwrap_or_default();
    let text = if err.is_empty() { msg.to_string() } else { format!("{msg} err={err}") };
    let time = map.get("ts").and_then(super::time::zap_ts).map(LineTime::Exact);
    Ok(text_signal(&text, None).map(|signal| LineFacts { time, signal: Some(signal), ..LineFacts::default() }))
}

/// Words that make a TLS failure (ETCD-SIGNALS §6: K9/N9/N10 `x509`, `bad certificate`, SAN mismatch).
pub(crate) fn is_certificate_error(s: &str) -> bool {
    s.contains("x509")
        || s.contains("certificate")
        || s.contains("tls:")
        || s.contains("authentication handshake failed")
        || s.contains("does not match any of DNSNames")
}

/// The signal a klog message or a header-less text line carries, from the crashing container's point of view
/// (controllers, kube-apiserver, kubelet, kernel). `level` is the klog level letter when known.
pub(crate) fn text_signal(msg: &str, level: Option<char>) -> Option<SignalKind> {
    // ---- kube-apiserver slow request traces (K6/K7): only the header line carries the total ----------------
    if msg.contains("(total time: ")
        && let Some(kind) = trace_header(msg)
    {
        return Some(kind);
    }
    // ---- the component gives up leadership (§4.2) ---------------------------------------------------------
    if msg.contains("eaderelection lost") || msg.contains("leader election lost") || msg.contains("lost leadership") {
        return Some(SignalKind::LeaderElectionLost);
    }
    // ---- client-go lease renewal (§4.1) ------------------------------------------------------------------
    if lease_failure(msg) {
        return Some(SignalKind::LeaseRenewFailed { detail: clip(msg) });
    }
    // ---- memory -------------------------------------------------------------------------------------------
    if let Some(kind) = out_of_memory(msg) {
        return Some(kind);
    }
    // ---- configuration / startup errors ---------------------------------------------------------------------
    if is_config_error(msg) {
        return Some(SignalKind::ConfigError { detail: clip(msg) });
    }
    // ---- kube-apiserver and its etcd client (§3) ---------------------------------------------------------
    if let Some(kind) = apiserver_etcd(msg) {
        return Some(kind);
    }
    if msg.contains("database space exceeded") {
        return Some(SignalKind::NoSpaceAlarm { detail: clip(msg) });
    }
    // ---- a request timed out from the client's side -------------------------------------------------------
    let client_timeout = msg.contains("context deadline exceeded")
        || msg.contains("Client.Timeout exceeded")
        || msg.contains("etcdserver: request timed out")
        || msg.contains("request did not complete within");
    // A kubelet probe timing out (`"Probe failed" ... context deadline exceeded`) is a probe failure, not a
    // request the component made.
    if client_timeout && !msg.contains("robe failed") {
        return Some(SignalKind::ApiRequestTimeout { detail: clip(msg) });
    }
    // ---- the datastore is not etcd, CPU starvation ------------------------------------------------------------
    if let Some(kind) = not_etcd_datastore(msg).or_else(|| cpu_starved(msg)) {
        return Some(kind);
    }
    // ---- anything else fatal --------------------------------------------------------------------------------
    if is_go_crash(msg) && super::etcd::is_bolt_corruption(msg) {
        // `panic: page 123 already freed`, `panic: cannot open database at ... (invalid database)` (3.4 capnslog).
        return Some(SignalKind::BackendCorrupt { detail: clip(msg) });
    }
    if level == Some('F') || is_go_crash(msg) {
        return Some(SignalKind::Fatal { detail: clip(msg) });
    }
    None
}

/// kine (k3s's etcd shim over SQL) announcing its backend: `Configuring %s database connection pooling:
/// maxIdleConns=%d, maxOpenConns=%d, connMaxLifetime=%s` (`%s` is `sqlite3`, `mysql`, `postgres`), and its endpoint
/// line (`Kine listening on %s`, later `Kine available at %s`), which names no backend. Both are verbatim in public
/// k3s logs; their k3s-io/kine source files were not checked [mem]. k3s with embedded etcd prints neither.
fn not_etcd_datastore(msg: &str) -> Option<SignalKind> {
    if msg.contains("Kine listening on ") || msg.contains("Kine available at ") {
        return Some(SignalKind::NotEtcdDatastore { backend: "kine".into() });
    }
    let at = msg.find(" database connection pooling")?;
    let backend = msg[..at].rsplit("Configuring ").next().filter(|b| !b.is_empty() && !b.contains(' '))?;
    Some(SignalKind::NotEtcdDatastore { backend: backend.to_string() })
}

/// CPU starvation seen outside etcd: the `CPUThrottlingHigh` alert of kubernetes-mixin / kube-prometheus
/// (`{{ $value | humanizePercentage }} throttling of CPU in namespace {{ $labels.namespace }} for container {{
/// $labels.container }} in pod {{ $labels.pod }}.`, verbatim in several stored copies of their rule files) and the
/// kernel watchdog's `BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]` (linux `kernel/watchdog.c` [mem: not checked
/// against source]).
fn cpu_starved(msg: &str) -> Option<SignalKind> {
    let hit = msg.contains("throttling of CPU in namespace") || msg.contains("soft lockup - CPU#");
    hit.then(|| SignalKind::CpuStarved { detail: clip(msg) })
}

/// A Go panic or runtime fatal error (`panic: ...`, `fatal error: ...`, klog `Observed a panic`).
fn is_go_crash(msg: &str) -> bool {
    let m = msg.trim_start();
    m.starts_with("panic: ") || m.starts_with("fatal error: ") || m.contains("Observed a panic")
}

/// client-go `failed to renew lease`, `Failed to update lock`, `error retrieving resource lock` and their v0.35+
/// structured forms. The optimistic-update fallback (`Failed to update lock optimitically/optimistically`,
/// `Failed to update lease optimistically, falling back to slow path`) is not a failure: the slow path follows.
fn lease_failure(msg: &str) -> bool {
    if msg.contains("failed to renew lease") || msg.contains("Failed to renew lease") {
        return true;
    }
    if msg.contains("error retrieving resource lock") || msg.contains("Error retrieving lease lock") {
        return true;
    }
    msg.contains("Failed to update lock") && !msg.contains("optimi")
}

/// Kernel, kubelet and Go runtime memory exhaustion (ETCD-SIGNALS §5).
fn out_of_memory(msg: &str) -> Option<SignalKind> {
    let hit = msg.contains("invoked oom-killer")
        || msg.contains("Memory cgroup out of memory")
        || msg.contains("Out of memory: Kill")
        || msg.contains("runtime: out of memory")
        || msg.contains("System OOM encountered");
    hit.then(|| SignalKind::OutOfMemory { detail: clip(msg) })
}

/// Configuration and startup errors of a crash-looping controller (immediate exits).
pub(crate) fn is_config_error(msg: &str) -> bool {
    if msg.contains("unknown flag")
        || msg.contains("unknown shorthand flag")
        || msg.contains("flag provided but not defined")
        || msg.contains("failed to load config")
        || msg.contains("invalid configuration")
        || msg.contains("error parsing")
        || msg.contains("Error parsing")
    {
        return true;
    }
    if msg.contains("no such file or directory") {
        // Only a missing configuration-like file: a missing data file is something else.
        let lower = msg.to_ascii_lowercase();
        return ["config", ".yaml", ".yml", ".json", ".toml", ".conf", ".crt", ".pem", ".key", "cert"]
            .iter()
            .any(|w| lower.contains(w));
    }
    false
}

/// kube-apiserver lines about its storage (ETCD-SIGNALS §3, K2-K5, K8-K11).
fn apiserver_etcd(msg: &str) -> Option<SignalKind> {
    // K9: grpc cannot reach etcd (first line, or the continuation line of the multi-line form).
    if msg.contains("createTransport failed to connect") || msg.contains("connection error: desc =") {
        if is_certificate_error(msg) {
            return Some(SignalKind::CertificateError { detail: clip(msg) });
        }
        if msg.contains("connection refused") && msg.contains(":2379") {
            return Some(SignalKind::ApiServerEtcdUnreachable { detail: clip(msg) });
        }
        if msg.contains(":2379") {
            return Some(SignalKind::ApiServerEtcdError { detail: clip(msg) });
        }
        return None;
    }
    // K10: fatal at start when etcd is unreachable.
    if msg.contains("Unable to create storage backend") || msg.contains("error creating storage factory") {
        if msg.contains("connection refused") {
            return Some(SignalKind::ApiServerEtcdUnreachable { detail: clip(msg) });
        }
        return Some(SignalKind::ApiServerEtcdError { detail: clip(msg) });
    }
    // K2, K3, K4, K5, K8.
    let symptom = msg.contains("is not an metav1.Status")
        || (msg.contains("unable to write a JSON response") && msg.contains("Handler timeout"))
        || msg.contains("imeout or abort while handling")
        || msg.contains("Post-timeout activity")
        || msg.contains("error getting data from etcd")
        || (msg.contains("[-]etcd") && msg.contains(" failed"));
    if symptom {
        return Some(SignalKind::ApiServerEtcdError { detail: clip(msg) });
    }
    // K11: etcd errors echoed by the apiserver's storage layer (rpc status, etcd3 storage, cacher).
    let timeout = msg.contains("etcdserver: request timed out")
        || msg.contains("etcdserver: leader changed")
        || msg.contains("context deadline exceeded")
        || msg.contains("request did not complete within");
    let storage_side =
        msg.contains("rpc error: code =") || msg.contains("etcd3") || msg.contains("cacher") || msg.contains("storage");
    if timeout && storage_side {
        return Some(SignalKind::ApiServerEtcdError { detail: clip(msg) });
    }
    None
}

/// `Trace[<id>]: "<name>" <fields> (started: ...) (total time: <dur>):` (old, Go duration) or
/// `Trace[<id>]: "<name>" <k:v,...> (02-Sep-2022 15:13:14.773) (total time: 7477ms):` (new).
fn trace_header(msg: &str) -> Option<SignalKind> {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"Trace\[\d+\]: "([^"]*)"(.*?)\(total time: ([^)]+)\)"#).expect("static regex"));
    static TARGET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:url|key):([^,\s]+)").expect("static regex"));
    let caps = RE.captures(msg)?;
    let total_ms = go_duration_ms(caps.get(3)?.as_str())?;
    let name = caps.get(1)?.as_str();
    let fields = caps.get(2).map_or("", |m| m.as_str());
    let what = match TARGET.captures(fields).and_then(|c| c.get(1)) {
        Some(target) => format!("{name} {}", target.as_str()),
        None => name.to_string(),
    };
    Some(SignalKind::ApiServerSlowRequest { total_ms, what: clip(&what) })
}

#[cfg(test)]
mod tests {
    use super::super::etcd::tests::{checked, signal};
    use super::*;
    use chrono::NaiveDate;

    // ---- leader election (§4) ---------------------------------------------------------------------------

    #[test]
    fn failed_to_renew_lease_old_wording() {
        // Real: lab capture (karmada-scheduler stand-in printing client-go's message).
        let line = "I1125 02:19:47.196927   20658 leaderelection.go:283] failed to renew lease karmada-system/karmada-scheduler: timed out waiting for the condition";
        let facts = checked(line).unwrap();
        let t = NaiveDate::from_ymd_opt(2000, 11, 25).unwrap().and_hms_micro_opt(2, 19, 47, 196927).unwrap();
        assert_eq!(facts.time, Some(LineTime::NoYear(t)));
        assert_eq!(
            facts.signal,
            Some(SignalKind::LeaseRenewFailed {
                detail: "failed to renew lease karmada-system/karmada-scheduler: timed out waiting for the condition"
                    .into()
            })
        );
    }

    #[test]
    fn error_retrieving_resource_lock() {
        // Real: ETCD-SIGNALS §1.3.
        let line = "E0125 06:42:39.880363 2189071 leaderelection.go:325] error retrieving resource lock kube-system/kube-controller-manager: ...";
        assert!(matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })));
        // Real: lab capture, etcd's own error relayed.
        let line = "E1125 02:32:31.905884   28846 leaderelection.go:330] error retrieving resource lock karmada-system/karmada-scheduler: etcdserver: leader changed";
        assert!(matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })));
    }

    #[test]
    fn failed_to_update_lock_but_not_optimistic_fallback() {
        // Real: lab capture.
        let line = r#"E1125 02:19:47.567141   20668 leaderelection.go:367] Failed to update lock: Post "http://127.0.0.1:41465/v3/kv/txn": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"#;
        assert!(matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })));
        // Adapted: message text from ETCD-SIGNALS §4.1 (v0.32-v0.34) under a klog header.
        let line = "E1125 02:19:47.567141       1 leaderelection.go:436] Failed to update lock optimistically: etcdserver: request timed out, falling back to slow path";
        assert!(!matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })));
    }

    #[test]
    fn structured_lease_messages_v0_35() {
        // Adapted: v0.35 structured messages of ETCD-SIGNALS §4.1 under a klog header.
        for line in [
            r#"I0101 00:00:01.000000       1 leaderelection.go:300] "Failed to renew lease" lock="kube-system/kube-scheduler" err="context deadline exceeded""#,
            r#"E0101 00:00:01.000000       1 leaderelection.go:400] "Failed to update lock" err="etcdserver: request timed out" lock="kube-system/kube-scheduler""#,
            r#"E0101 00:00:01.000000       1 leaderelection.go:450] "Error retrieving lease lock" err="context deadline exceeded" lock="kube-system/kube-scheduler""#,
        ] {
            assert!(matches!(signal(line), Some(SignalKind::LeaseRenewFailed { .. })), "{line}");
        }
    }

    #[test]
    fn leaderelection_lost_variants() {
        for line in [
            // Real: ETCD-SIGNALS §4.2 (kube-controller-manager, old; klog.Fatalf).
            "F0325 11:08:47.205929 1 controllermanager.go:294] leaderelection lost",
            // Real: ETCD-SIGNALS §1.3 (kube-scheduler, newer, capital L).
            r#"E1215 11:11:26.004914 2140000 server.go:218] "Leaderelection lost""#,
            // Real: lab capture (karmada-controller-manager stand-in).
            "E1125 02:19:47.962517   20668 controllermanager.go:205] controller manager exits unexpectedly: leader election lost",
            // Real: lab capture (karmada-scheduler stand-in, klog.Fatalf).
            "F1125 02:19:47.196935   20658 scheduler.go:205] leaderelection lost",
            // Real: ETCD-SIGNALS §1.3 (logrus, kube-vip).
            r#"time="2021-10-06T01:12:52Z" level=fatal msg="lost leadership, restarting kube-vip""#,
        ] {
            assert_eq!(signal(line), Some(SignalKind::LeaderElectionLost), "{line}");
        }
    }

    #[test]
    fn nested_fatal_inside_observed_panic() {
        // Adapted: ETCD-SIGNALS §1.3 quotes this nesting with `...` for the elided header parts.
        let line = "E0303 10:00:00.000000       1 runtime.go:76] Observed a panic: F0303 10:00:00.000000       1 controllermanager.go:234] leaderelection lost";
        assert_eq!(signal(line), Some(SignalKind::LeaderElectionLost));
    }

    #[test]
    fn glued_ui_prefix_and_collapsed_padding() {
        // Adapted: ETCD-SIGNALS §9 quotes the prefix `4/11/2017 12:17:46 AMI0411 05:17:46.485121 ...`; the
        // message after it is the real lab lease line.
        let line = "4/11/2017 12:17:46 AMI0411 05:17:46.485121 1 leaderelection.go:283] failed to renew lease kube-system/kube-scheduler: timed out waiting for the condition";
        let facts = checked(line).unwrap();
        assert!(matches!(facts.signal, Some(SignalKind::LeaseRenewFailed { .. })));
        assert!(matches!(facts.time, Some(LineTime::NoYear(_))));
    }

    // ---- kube-apiserver (§3) ----------------------------------------------------------------------------

    #[test]
    fn apiserver_old_trace_header() {
        // Adapted: the klog header of ETCD-SIGNALS §1.3 joined to the K6 trace text of §3 (url filled in).
        let line = r#"I1202 20:45:13.065564    8976 trace.go:116] Trace[1118593115]: "Update" url:/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler,user-agent:kube-scheduler,client:10.0.0.1 (started: 2020-12-02 20:45:01.181165632 +0000 UTC m=+83.31) (total time: 11.884231395s):"#;
        match signal(line) {
            Some(SignalKind::ApiServerSlowRequest { total_ms, what }) => {
                assert!((total_ms - 11884.231395).abs() < 1e-6);
                assert_eq!(what, "Update /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn apiserver_new_trace_header_integer_ms() {
        // Adapted: K7 shape from ETCD-SIGNALS §3 with a name seen in real logs.
        let line = r#"I0902 15:13:22.250512       1 trace.go:205] Trace[1542546]: "GuaranteedUpdate etcd3" audit-id:abc,key:/leases/kube-system/kube-scheduler,type:*coordination.Lease (02-Sep-2022 15:13:14.773) (total time: 7477ms):"#;
        assert_eq!(
            signal(line),
            Some(SignalKind::ApiServerSlowRequest {
                total_ms: 7477.0,
                what: "GuaranteedUpdate etcd3 /leases/kube-system/kube-scheduler".into()
            })
        );
        // Step and END lines carry no total: nothing.
        assert_eq!(signal("Trace[1542546]: [7.477022009s] [7.477022009s] END"), None);
        assert_eq!(signal(r#"Trace[1542546]: ---"Txn call completed" 557ms (11:12:15.421)]"#), None);
    }

    #[test]
    fn apiserver_handler_timeouts_and_post_timeout() {
        for line in [
            // Adapted: K2/K3 of ETCD-SIGNALS §3 under a klog header.
            r#"E0316 23:08:28.151158       1 status.go:71] apiserver received an error that is not an metav1.Status: &errors.errorString{s:"http: Handler timeout"}"#,
            // Real: ETCD-SIGNALS §1.3 (k8s >= 1.31).
            r#"E0316 23:08:28.151158 1 writers.go:123] "Unhandled Error" err="apiserver was unable to write a JSON response: http: Handler timeout" logger="UnhandledError""#,
            // Adapted: K4 structured form.
            r#"E0316 23:08:28.151158       1 timeout.go:142] "Timeout or abort while handling" method="GET" URI="/api/v1/pods" auditID="x""#,
            // Adapted: K5 with the path of ETCD-SIGNALS §3.
            r#"E0316 23:08:28.151158       1 timeout.go:140] "Post-timeout activity" method="PUT" path="/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler""#,
            // Real continuation line of K8.
            "[-]etcd failed: error getting data from etcd: context deadline exceeded",
        ] {
            assert!(matches!(signal(line), Some(SignalKind::ApiServerEtcdError { .. })), "{line}");
        }
    }

    #[test]
    fn apiserver_grpc_refused_and_tls() {
        // Real: ETCD-SIGNALS §3 K9 (the `W...` header elided there, a klog header added here).
        let line = r#"W0125 06:42:39.880363       1 clientconn.go:1223] grpc: addrConn.createTransport failed to connect to {https://127.0.0.1:2379  <nil> 0 <nil>}. Err :connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:2379: connect: connection refused". Reconnecting..."#;
        assert!(matches!(signal(line), Some(SignalKind::ApiServerEtcdUnreachable { .. })));
        // Adapted: continuation line of the newer multi-line form (the x509 text is elided in the reference).
        let line = r#"}. Err: connection error: desc = "transport: authentication handshake failed: x509: certificate has expired or is not yet valid""#;
        assert!(matches!(signal(line), Some(SignalKind::CertificateError { .. })));
    }

    #[test]
    fn apiserver_storage_backend_fatal() {
        // Adapted: K10 with `...` in the config dump kept as quoted.
        let line = "F0125 06:42:39.880363       1 storage_decorator.go:57] Unable to create storage backend: config (&{ /registry [https://127.0.0.1:2379] ...}), err (dial tcp 127.0.0.1:2379: connect: connection refused)";
        assert!(matches!(signal(line), Some(SignalKind::ApiServerEtcdUnreachable { .. })));
    }

    #[test]
    fn client_side_timeout_in_controller() {
        // Adapted: K11 echoed error in an arbitrary controller's klog line.
        let line = r#"E0101 00:00:00.000000       1 reflector.go:138] failed to list *v1.Pod: Get "https://10.96.0.1:443/api/v1/pods": context deadline exceeded"#;
        assert!(matches!(signal(line), Some(SignalKind::ApiRequestTimeout { .. })));
        let line = r#"E0101 00:00:00.000000       1 controller.go:1] Failed to update status for pod "x": etcdserver: mvcc: database space exceeded"#;
        assert!(matches!(signal(line), Some(SignalKind::NoSpaceAlarm { .. })));
    }

    // ---- crashes, memory, configuration ------------------------------------------------------------------

    #[test]
    fn config_errors_from_lab() {
        // Real: lab capture, config-error scenario.
        assert_eq!(
            signal("Error: unknown flag: --leader-elect-lease-duraton"),
            Some(SignalKind::ConfigError { detail: "Error: unknown flag: --leader-elect-lease-duraton".into() })
        );
        // Real: lab capture; a klog.Fatalf that is a configuration error, not a generic fatal.
        let line = "F1125 02:34:21.059949   30870 scheduler.go:151] error building kubeconfig: stat /etc/karmada/config/karmada.config: no such file or directory";
        assert!(matches!(signal(line), Some(SignalKind::ConfigError { .. })));
    }

    #[test]
    fn config_error_wordings() {
        // Adapted: typical wordings (cobra, Go flag, loaders).
        for line in [
            "unknown shorthand flag: 'x' in -x",
            "flag provided but not defined: -foo",
            "E0101 00:00:00.000000       1 main.go:1] failed to load config: open /etc/app/config.yaml: no such file or directory",
            "invalid configuration: no configuration has been provided",
            "error parsing config file: yaml: line 3: mapping values are not allowed in this context",
        ] {
            assert!(matches!(signal(line), Some(SignalKind::ConfigError { .. })), "{line}");
        }
        // A missing non-config file is not a configuration error.
        assert_eq!(signal("open /var/lib/data/blob: no such file or directory"), None);
    }

    #[test]
    fn oom_lines() {
        // Real: lab capture (kernel line carried by the OOMKilling node event of tests/fixtures/oom).
        let line = "Memory cgroup out of memory: Killed process 24710 (python3) total-vm:115076kB, anon-rss:97792kB, file-rss:10760kB, shmem-rss:0kB, UID:0 pgtables:272kB oom_score_adj:0";
        assert!(matches!(signal(line), Some(SignalKind::OutOfMemory { .. })));
        // Adapted: ETCD-SIGNALS §5 elides the gfp_mask value.
        assert!(matches!(
            signal("etcd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-999"),
            Some(SignalKind::OutOfMemory { .. })
        ));
        assert!(matches!(signal("fatal error: runtime: out of memory"), Some(SignalKind::OutOfMemory { .. })));
    }

    #[test]
    fn fatal_and_panic() {
        // Adapted: a generic klog.Fatal and a Go panic header line. A klog F line without a known phrase is not a
        // candidate for the reader's prefilter, so it yields nothing here either (a limitation, see NEEDLES).
        assert_eq!(signal("F0101 00:00:00.000000       1 main.go:10] something broke"), None);
        assert!(matches!(
            signal("panic: runtime error: invalid memory address or nil pointer dereference"),
            Some(SignalKind::Fatal { .. })
        ));
        assert!(matches!(signal("fatal error: concurrent map writes"), Some(SignalKind::Fatal { .. })));
        // An error line with no known content is nothing.
        assert_eq!(signal("E0101 00:00:00.000000       1 main.go:10] something odd"), None);
    }

    #[test]
    fn klog_json_format() {
        // Adapted: klog JSON keys of ETCD-SIGNALS §1.3 with a lease message.
        let line = r#"{"ts":1580306777.04728,"v":0,"msg":"Failed to renew lease","err":"context deadline exceeded"}"#;
        let facts = checked(line).unwrap();
        assert!(matches!(facts.signal, Some(SignalKind::LeaseRenewFailed { .. })));
        assert_eq!(facts.time.and_then(|t| t.exact()).map(|t| t.timestamp()), Some(1580306777));
    }

    #[test]
    fn journald_wrapped_klog_prefers_inner_time() {
        // Adapted: ETCD-SIGNALS §1.4 quotes `Jan 25 06:42:41 ... E0125 06:42:39.880363`; host, ident and the
        // message (from §1.3) filled in.
        let line = "Jan 25 06:42:41 master1 kube-controller-manager[2189071]: E0125 06:42:39.880363 2189071 leaderelection.go:325] error retrieving resource lock kube-system/kube-controller-manager: etcdserver: request timed out";
        let un = crate::parse::unwrap_line(line);
        let facts = checked(line).unwrap();
        let inner = NaiveDate::from_ymd_opt(2000, 1, 25).unwrap().and_hms_micro_opt(6, 42, 39, 880363).unwrap();
        assert_eq!(facts.time, Some(LineTime::NoYear(inner)));
        assert!(matches!(un.outer_time, Some(LineTime::NoYear(t)) if t != inner));
        assert!(matches!(facts.signal, Some(SignalKind::LeaseRenewFailed { .. })));
    }

    #[test]
    fn kubelet_probe_timeout_is_not_a_client_request_timeout() {
        // Adapted: the kubelet structured line of ETCD-SIGNALS §5 (pod UID and header filled in).
        let line = r#"I0101 00:00:00.000000    1234 prober.go:107] "Probe failed" probeType="Liveness" pod="kube-system/etcd-node1" podUID=abc containerName="etcd" probeResult="failure" output="Get "http://127.0.0.1:2381/health?exclude=NOSPACE&serializable=true": context deadline exceeded (Client.Timeout exceeded while awaiting headers)""#;
        assert_eq!(signal(line), None);
    }

    #[test]
    fn apiserver_echoed_storage_errors_need_a_timeout() {
        // Adapted: K11-style echo from the storage layer.
        let line = r#"E0101 00:00:00.000000       1 cacher.go:440] cacher (*coordination.Lease): unexpected ListAndWatch error: failed to list *coordination.Lease: rpc error: code = DeadlineExceeded desc = context deadline exceeded"#;
        assert!(matches!(signal(line), Some(SignalKind::ApiServerEtcdError { .. })));
        let line = r#"E0101 00:00:00.000000       1 cacher.go:440] cacher (*coordination.Lease): rpc error: code = Unavailable desc = transport is closing"#;
        assert_eq!(signal(line), None);
    }

    #[test]
    fn logrus_without_time_and_k3s_fatal() {
        // Adapted: logrus without the time field; a fatal with no known content.
        assert_eq!(
            signal(r#"level=fatal msg="lost leadership, restarting kube-vip""#),
            Some(SignalKind::LeaderElectionLost)
        );
        assert!(matches!(
            signal(
                r#"time="2021-10-06T01:12:52Z" level=fatal msg="starting kubernetes: preparing server: bootstrap data already found""#
            ),
            Some(SignalKind::Fatal { .. })
        ));
    }

    #[test]
    fn klog_impossible_date_is_malformed() {
        let line = "E1332 06:42:39.880363 2189071 leaderelection.go:325] error retrieving resource lock x";
        assert!(crate::parse::classify(line).is_err());
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let long = "µ".repeat(400);
        let c = clip(&long);
        assert!(c.len() <= MAX_DETAIL + 3);
        assert!(c.ends_with("..."));
    }
}
