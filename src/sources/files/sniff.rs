//! Recognising a file by its content: what it holds and, for a log, whose it is and how its lines are to be read.

use std::io::{self, Read};
use std::path::Path;

use crate::parse::{self, LineTime, Wrapper};
use crate::sources::kube_objects;

use super::Role;
use super::naming::{PathHint, names_etcd, path_hint, role_from_hint};
use super::walk::open;

/// How much of a file is read to recognise it.
const SNIFF_BYTES: usize = 16 * 1024;

/// What a file holds, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileKind {
    KubeJson,
    Log {
        role: Role,
        exact_times: bool,
        shape: LogShape,
    },
    /// Prometheus text exposition (`/metrics`).
    Metrics,
    /// A raw metric answer kept by a live run ([`crate::sources::metrics::Capture`]).
    MetricCapture,
    /// A `probe-disk -o json` report.
    ProbeReport,
    /// Disk figures pasted as text: a `/metrics` scrape without its `# HELP` lines, PromQL results, fio output.
    DiskPaste,
    /// `kubectl describe pod` / `kubectl get pods|events|cs` text.
    KubectlText,
    /// must-gather `etcd_info/etcd_object_count` (keys per resource).
    ObjectCounts,
    /// `iostat -x` device tables: device means, not etcd's fsync latency, so listed but not weighed.
    Iostat,
    /// `etcdctl ... -w json` (must-gather `etcd_info/`).
    Etcdctl(parse::etcdctl::EtcdctlKind),
    Documentation,
    Unrecognised,
}

/// How a log file's lines are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct LogShape {
    /// (Nearly) every line a JSON record: lines that do not end like one are damaged.
    pub(super) json_records: bool,
    /// Lines carry their own writer (journald host and identifier, `kubectl logs --prefix`): each line's subject
    /// is decided from it and its content (k3s/RKE2 units mix etcd, apiserver and controller lines).
    pub(super) per_line_subject: bool,
    /// Records span lines (pretty-printed or hard-wrapped JSON, split Docker records): join them first.
    pub(super) normalise: bool,
}

/// Files larger than this are not joined in memory (see [`LogShape::normalise`]); they are read line by line
/// (pastes are far smaller; the bound keeps memory near the streaming reader's).
pub(super) const MAX_NORMALISE_BYTES: u64 = 64 << 20;
/// Docker json-file logs up to this size are always joined (a split record may come after the sniffed head);
/// larger ones only when the head already shows one.
const DOCKER_JOIN_ALWAYS_BYTES: u64 = 16 << 20;

/// The first non-empty line of a file, clipped to [`FIRST_LINE_CHARS`] characters, for the unrecognised-file gap.
pub(super) fn first_line(path: &Path) -> io::Result<String> {
    let mut head = Vec::with_capacity(4096);
    open(path)?.take(4096).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut clipped: String = line.chars().take(FIRST_LINE_CHARS).collect();
    if clipped.len() < line.len() {
        clipped.push_str("...");
    }
    Ok(clipped)
}

/// How much of an unrecognised file's first line the report quotes.
const FIRST_LINE_CHARS: usize = 120;

pub(super) fn sniff(path: &Path) -> io::Result<FileKind> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.starts_with("readme") || lower == "license" {
        return Ok(FileKind::Documentation);
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path)?.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    if crate::sources::probe::looks_like_report(&text) && text.trim_start().starts_with('{') {
        return Ok(FileKind::ProbeReport);
    }
    if crate::sources::metrics::looks_like_capture(&text) {
        return Ok(FileKind::MetricCapture);
    }
    if let Some(kind) = parse::etcdctl::kind_of(&text, lower.starts_with("alarm_list")) {
        return Ok(FileKind::Etcdctl(kind));
    }
    if kube_objects::looks_like_kube_json(&text) {
        return Ok(FileKind::KubeJson);
    }
    if looks_like_metrics(&text) {
        return Ok(FileKind::Metrics);
    }
    if parse::diskpaste::looks_like(&text) {
        return Ok(FileKind::DiskPaste);
    }
    let hint = path_hint(path);
    let normalised = parse::paste::normalise(&text);
    let docker = text.trim_start().starts_with("{\"log\":");
    let mut kind = sniff_log(if normalised.changed() { &normalised.text } else { &text }, &hint);
    if kind == FileKind::Unrecognised
        && (parse::kubectl::looks_like_describe(&text) || parse::kubectl::looks_like_table(&text))
    {
        return Ok(FileKind::KubectlText);
    }
    if kind == FileKind::Unrecognised && parse::diskpaste::looks_like_iostat(&text) {
        return Ok(FileKind::Iostat);
    }
    if kind == FileKind::Unrecognised && parse::etcdctl::object_counts(&text).is_some() {
        return Ok(FileKind::ObjectCounts);
    }
    if let FileKind::Log { shape, .. } = &mut kind {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX);
        shape.normalise =
            size <= MAX_NORMALISE_BYTES && (normalised.changed() || (docker && size <= DOCKER_JOIN_ALWAYS_BYTES));
    }
    Ok(kind)
}

/// Prometheus text exposition: `# HELP` / `# TYPE` comments before the first sample.
fn looks_like_metrics(text: &str) -> bool {
    // A paste without the comments: `name{labels} value` or `name value` samples of one family prefix.
    let samples: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(16).collect();
    let sample = |l: &&str| {
        let name_end = l.find(['{', ' ']).unwrap_or(0);
        let name = &l[..name_end];
        let value = l.rsplit(' ').next().unwrap_or("");
        name_end > 0
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
            && name.contains('_')
            && (value.parse::<f64>().is_ok() || matches!(value, "+Inf" | "-Inf" | "NaN"))
    };
    // Mostly samples, with a command line or a heading pasted before them.
    let n = samples.len();
    let good = samples.iter().filter(|l| sample(l) || l.starts_with("# HELP ") || l.starts_with("# TYPE ")).count();
    if n >= 3 && good * 4 >= n * 3 && samples.iter().filter(|l| sample(l)).count() >= 2 {
        return true;
    }
    let mut comments = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()).take(8) {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            comments += 1;
        } else {
            return comments >= 1;
        }
    }
    comments >= 2
}

/// Decides whether text is a log we understand, whose it is, and whether its lines carry full timestamps.
fn sniff_log(text: &str, hint: &PathHint) -> FileKind {
    let mut etcd = 0;
    let mut apiserver = 0;
    let mut recognised = 0;
    let mut exact = 0;
    let mut json = 0;
    let mut lines = 0;
    let mut per_line = 0;
    // Per CRI stream: whether a partial record is open, so that its continuations are not judged as lines.
    let mut continuing = [false; 2];
    for line in text.lines().take(200) {
        let bare = parse::strip_paste_prefix(line);
        // Blank lines, shell prompts and `journalctl -x` catalog / `-- Logs begin at` lines say nothing.
        if bare.is_empty() || bare.starts_with("-- ") || bare == "--" || parse::kubectl::is_prompt(line) {
            continue;
        }
        if let Some(h) = parse::cri_header(line.as_bytes()) {
            let continues = std::mem::replace(&mut continuing[h.stream as usize], h.partial);
            if continues {
                continue;
            }
        }
        lines += 1;
        let un = parse::unwrap_line(line);
        let content = un.content.as_ref();
        let inner = parse::time::line_time(content);
        if matches!(un.outer_time, Some(LineTime::Exact(_))) || matches!(inner, Some(LineTime::Exact(_))) {
            exact += 1;
        }
        if un.wrapper != Wrapper::None || inner.is_some() {
            recognised += 1;
        }
        if content.starts_with('{') {
            json += 1;
        }
        let writer = if un.wrapper == Wrapper::Journald {
            per_line += 1;
            parse::journal_origin(line).map(|o| o.ident)
        } else if let Some((_, container)) = parse::kubectl_prefix(line) {
            per_line += 1;
            Some(container.to_string())
        } else if let Some((name, _)) = parse::wrapper::procfile_prefix(line.trim_start()) {
            per_line += 1;
            Some(name.to_string())
        } else {
            None
        };
        // `etcd[pid]:` in a journal: etcd's own lines, whatever their content (3.3 prints bare capnslog there).
        if writer.as_deref().is_some_and(names_etcd) || is_etcd_server_line(content) {
            etcd += 1;
        } else if is_apiserver_line(content) {
            apiserver += 1;
        }
    }
    if lines == 0 || recognised * 4 < lines {
        // Fewer than a quarter of lines have a known shape: not a log we can read with confidence.
        return if lines == 0 && text.is_empty() {
            FileKind::Log {
                role: role_from_hint(hint).unwrap_or(Role::Other),
                exact_times: true,
                shape: LogShape::default(),
            }
        } else {
            FileKind::Unrecognised
        };
    }
    let role = role_from_hint(hint).unwrap_or(if etcd * 2 >= lines {
        Role::Etcd
    } else if apiserver > 0 {
        Role::ApiServer
    } else {
        Role::Other
    });
    let role = if role == Role::Etcd && etcd == 0 && lines > 0 { Role::Other } else { role };
    // (Nearly) every line JSON (zap; etcd 3.4 prints a capnslog line or two at start): damaged lines can be found
    // cheaply by their ending.
    let shape = LogShape { json_records: json * 10 >= lines * 9, per_line_subject: per_line > 0, normalise: false };
    FileKind::Log { role, exact_times: exact * 2 >= lines, shape }
}

/// An etcd server's own line (not the etcd client inside another binary).
pub(super) fn is_etcd_server_line(content: &str) -> bool {
    if content.starts_with("{\"level\"") {
        if content.contains("\"logger\":\"etcd-client\"") {
            return false;
        }
        const CALLERS: [&str; 12] = [
            "\"caller\":\"etcdserver/",
            "\"caller\":\"etcdmain/",
            "\"caller\":\"embed/",
            "\"caller\":\"raft/",
            "\"caller\":\"rafthttp/",
            "\"caller\":\"wal/",
            "\"caller\":\"mvcc/",
            "\"caller\":\"backend/",
            "\"caller\":\"v3rpc/",
            "\"caller\":\"membership/",
            "\"logger\":\"raft\"",
            "\"caller\":\"v3@",
        ];
        return CALLERS.iter().any(|c| content.contains(c));
    }
    // capnslog `2020-10-20 12:15:22.876237 W | etcdserver: ...` and 3.4's capnslog-mode raft lines.
    if content.starts_with("raft20") {
        return true;
    }
    // etcd 2 and embedded etcd through Go's standard log: `2015/06/01 21:28:17 rafthttp: ...`,
    // `2017/06/20 12:54:01 wal.go:403: Warning: sync duration of ...`.
    if let Some(Ok((_, n))) = parse::time::go_log_prefix(content) {
        const GO_LOG_PKGS: [&str; 7] =
            ["rafthttp: ", "etcdserver: ", "raft: ", "wal: ", "etcdmain: ", "wal.go:", "raft.go:"];
        let rest = content[n..].trim_start();
        return GO_LOG_PKGS.iter().any(|p| rest.starts_with(p));
    }
    // etcd 3.3 at debug level puts the caller first: `2019-08-09 10:57:50.500232 [pkg_logger.go:114] W | ...`.
    let rest = match content.get(26..) {
        Some(r) => match r.strip_prefix(" [pkg_logger.go:").and_then(|r| r.split_once("] ")) {
            Some((_, after)) => Some(&content[content.len() - after.len() - 1..]),
            None => Some(r),
        },
        None => None,
    };
    if let Some(rest) = rest {
        const PKGS: [&str; 8] =
            ["| etcdserver", "| etcdmain", "| raft", "| rafthttp", "| embed", "| wal", "| mvcc", "| etcdserver/api"];
        return PKGS.iter().any(|p| rest.get(3..).is_some_and(|r| r.starts_with(p)));
    }
    false
}

pub(super) fn is_apiserver_line(content: &str) -> bool {
    const MARKERS: [&str; 6] = [
        "cacher.go",
        "storage_decorator",
        "\"logger\":\"etcd-client\"",
        "etcd3",
        "[-]etcd failed",
        "apiserver was unable",
    ];
    MARKERS.iter().any(|m| content.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_server_lines_are_told_from_client_lines() {
        // Lines from ETCD-SIGNALS.md §1.1 (verbatim) and §3 K1 (the etcd-client line, its `target` field dropped).
        assert!(is_etcd_server_line(
            "2020-10-20 12:15:22.876237 W | etcdserver: read-only range request \"...\" with result \"...\" took too long (2.285637356s) to execute"
        ));
        assert!(is_etcd_server_line("raft2026/11/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2"));
        assert!(!is_etcd_server_line(
            r#"{"level":"warn","ts":"2022-08-24T01:58:02.531Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}"#
        ));
    }
}
