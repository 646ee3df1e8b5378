//! capnslog (etcd 3.3, 3.4 in capnslog mode) and etcd 3.4's raft std-log lines.

use crate::parse::klog::{clip, is_config_error};
use crate::parse::time::LineTime;
use crate::parse::{LineFacts, Malformed};

use crate::evidence::SignalKind;

use super::classify::text_line;
use super::rules::{Said, etcd_text, is_bolt_corruption};

// ---- capnslog and raft std-log ------------------------------------------------------------------------------

/// Removes MergeLogger's `[merged N repeated lines in Xs]` suffix.
pub(super) fn strip_merged(msg: &str) -> &str {
    match msg.rfind(" [merged ") {
        Some(i) if msg.ends_with("s]") && msg[i..].contains("repeated lines in") => &msg[..i],
        _ => msg,
    }
}

/// `2020-10-20 12:15:22.876237 [caller] W | pkg: msg`.
pub(super) fn capnslog_line(
    s: &str,
    found: Result<(chrono::NaiveDateTime, usize), &'static str>,
) -> Result<Option<LineFacts>, Malformed> {
    let (time, n) = found.map_err(|why| Malformed(format!("capnslog header: {why}")))?;
    let time = Some(LineTime::NoZone(time));
    let mut rest = s[n..].trim_start();
    // `--debug` inserts the caller: `[pkg_logger.go:114] W | ...`.
    if rest.starts_with('[')
        && let Some(i) = rest.find("] ")
    {
        rest = &rest[i + 2..];
    }
    let b = rest.as_bytes();
    // A Markdown paste escapes the separator: `W \| etcdserver: ...` (sealos-io/sealos#882, a Rancher UI copy).
    let sep = if b.len() >= 4 && &b[1..4] == b" | " {
        4
    } else if b.len() >= 5 && &b[1..5] == b" \\| " {
        5
    } else {
        // A date-time prefix that is not capnslog: read the rest as plain text.
        return Ok(text_line(rest)?.map(|f| LineFacts { time: f.time.or(time), ..f }));
    };
    let level = char::from(b[0]);
    let body = &rest[sep..];
    let msg = match body.find(": ") {
        Some(i) if !body[..i].contains(' ') => &body[i + 2..],
        _ => body,
    };
    let msg = strip_merged(msg);
    let mut said = etcd_text(msg, true);
    if said.is_empty() && level == 'C' && is_bolt_corruption(msg) {
        said = Said::signal(SignalKind::BackendCorrupt { detail: clip(msg) });
    }
    if said.is_empty() && matches!(level, 'C' | 'E') && is_config_error(msg) {
        said = Said::signal(SignalKind::ConfigError { detail: clip(msg) });
    }
    if said.is_empty() && level == 'C' {
        said = Said::signal(SignalKind::Fatal { detail: clip(msg) });
    }
    said.into_result(time)
}

/// `raft2026/11/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2`.
pub(super) fn raft_std_line(
    s: &str,
    found: Result<(chrono::NaiveDateTime, usize), &'static str>,
) -> Result<Option<LineFacts>, Malformed> {
    let (time, n) = found.map_err(|why| Malformed(format!("raft log header: {why}")))?;
    let rest = s[n..].trim_start();
    let msg = match rest.find(": ") {
        Some(i) if rest[..i].bytes().all(|c| c.is_ascii_uppercase()) => &rest[i + 2..],
        _ => rest,
    };
    etcd_text(strip_merged(msg), true).into_result(Some(LineTime::NoZone(time)))
}
