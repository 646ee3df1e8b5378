//! Pure text -> records: log line formats (etcd zap JSON and capnslog, klog, CRI / `kubectl logs --timestamps`
//! wrappers), Go durations and timestamps.
//!
//! Pure; no I/O, no clock. The streaming reader in `sources::files` finds candidate lines with [`NEEDLES`]
//! (a line that contains none of them cannot matter), unwraps them with [`unwrap_line`] and classifies the
//! content with [`classify`].

pub mod diskpaste;
pub mod duration;
pub mod etcd;
pub mod etcdctl;
pub mod klog;
pub mod kubectl;
pub mod paste;
pub mod prom;
pub mod time;
pub mod wrapper;

pub use time::LineTime;
pub use wrapper::{
    CriHeader, CriStream, JournalOrigin, Unwrapped, Wrapper, cri_header, cri_header_unchecked, journal_origin,
    kubectl_prefix, strip_paste_prefix, unwrap_line,
};

use crate::evidence::SignalKind;

/// What a relevant line says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineFacts {
    /// The line's own timestamp (inner one for wrapped lines), when it has one.
    pub time: Option<LineTime>,
    /// The signal, when the line carries one.
    pub signal: Option<SignalKind>,
    /// The etcd member id this line reveals as the *local* member (raft `<id> became follower at term N`,
    /// zap `local-member-id`), lowercase hex.
    pub local_member_id: Option<String>,
    /// The etcd member name this line reveals (zap `starting an etcd server` `name` field, capnslog `name = x`).
    pub member_name: Option<String>,
}

/// Why a candidate line could not be understood (the reader counts it and cites the line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// Substrings that every line worth classifying contains at least one of (case-sensitive). Lines without any of
/// them are skipped by the reader without further work; keep the list short and specific.
pub use etcd::NEEDLES;

/// Classifies the content of one (unwrapped) log line from any supported format.
///
/// `Ok(None)` means "nothing of interest"; `Err` means the line looked like it should parse (it matched a needle
/// and a known format) but did not.
pub fn classify(content: &str) -> Result<Option<LineFacts>, Malformed> {
    etcd::classify(content)
}
