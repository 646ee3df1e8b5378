//! etcd server lines (zap JSON 3.4-3.6, 3.6 console, capnslog 3.3 / 3.4 capnslog mode, 3.4 raft std-log lines,
//! journald-stripped capnslog), the needle list, and the [`classify()`] dispatcher for every supported format.
//!
//! Pure; no I/O. Message strings and fields are those of ETCD-SIGNALS §2; thresholds come from the line
//! (`expected-duration`, `heartbeat-interval`), never from assumptions, except where the format prints none
//! (capnslog apply warnings: etcd's fixed 100 ms, §2 preamble).
//!
//! Cost model: the reader calls [`classify()`] only for lines that contain a needle. The dispatcher looks at the
//! first bytes to pick a format, zap lines are gated by a substring check on `msg` before JSON is parsed, and
//! regexes run only on messages that already matched a literal.
//!
//! Files by job: `classify` (the needles, the dispatcher and header-less lines), `zap` (zap JSON and console
//! records: the gate, the fast flat reader, the loose parser), `capnslog` (capnslog and raft std-log headers),
//! `rules` (what an etcd message says, shared by every format).

mod capnslog;
mod classify;
mod rules;
mod zap;

pub use classify::{NEEDLES, classify};
pub(crate) use rules::is_bolt_corruption;
pub use rules::{LARGE_RESPONSE_BYTES, LARGE_RESPONSE_KEYS};

#[cfg(test)]
pub(crate) mod tests {
    use super::NEEDLES;
    use crate::evidence::SignalKind;
    use crate::parse::time::LineTime;
    use crate::parse::{LineFacts, unwrap_line};
    use chrono::{DateTime, Utc};

    /// Classifies a (possibly wrapped) line the way the reader does, asserting the needle invariant: a line
    /// that yields a signal or an identity contains a needle.
    pub(crate) fn checked(line: &str) -> Option<LineFacts> {
        let un = unwrap_line(line);
        let facts = crate::parse::classify(&un.content).unwrap_or_else(|e| panic!("malformed: {e}: {line}"));
        if let Some(f) = &facts
            && (f.signal.is_some() || f.local_member_id.is_some() || f.member_name.is_some())
        {
            assert!(NEEDLES.iter().any(|n| line.contains(n)), "no needle in a classified line: {line}");
        }
        facts
    }

    pub(crate) fn signal(line: &str) -> Option<SignalKind> {
        checked(line).and_then(|f| f.signal)
    }

    pub(crate) fn utc(s: &str) -> Option<LineTime> {
        Some(LineTime::Exact(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)))
    }
}
