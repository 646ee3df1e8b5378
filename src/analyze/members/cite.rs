//! Citations of signal bursts (`etcd-node1: 37x slow apply (max 2.4s)`) and the chain link each class belongs to.
//!
//! Pure; no I/O.

use super::view::EtcdView;
use crate::evidence::{Signal, SignalClass, SignalKind, Timestamp};
use crate::model::{Citation, Link};

/// Citations for every signal of `class` over the range (at most `limit`, strongest first by count).
pub fn citations_for(
    view: &EtcdView,
    from: Timestamp,
    to: Timestamp,
    class: SignalClass,
    limit: usize,
) -> Vec<Citation> {
    let mut v: Vec<_> = view.in_range(from, to, class).collect();
    v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.first_at.cmp(&b.1.first_at)));
    v.into_iter().take(limit).map(|(m, s)| cite_signal(m, s)).collect()
}

/// A citation for a signal burst: `etcd-node1: 37x slow apply (max 2.4s)`.
pub fn cite_signal(who: &str, s: &Signal) -> Citation {
    let mut claim = if s.count > 1 {
        format!("{who}: {}x {}", s.count, s.class().describe())
    } else {
        format!("{who}: {}", s.class().describe())
    };
    if let Some(d) = &s.latency {
        if d.count > 0 {
            claim.push_str(&format!(" (max {})", fmt_ms_plain(d.max_ms)));
        }
    }
    match &s.kind {
        SignalKind::LeaseRenewFailed { detail }
        | SignalKind::ApiRequestTimeout { detail }
        | SignalKind::ApiServerEtcdError { detail }
        | SignalKind::ConfigError { detail }
        | SignalKind::RequestTimeout { detail }
        | SignalKind::OutOfMemory { detail }
        | SignalKind::Fatal { detail }
        | SignalKind::NoSpaceAlarm { detail }
        | SignalKind::CertificateError { detail }
        | SignalKind::BackendCorrupt { detail }
        | SignalKind::MembershipError { detail }
        | SignalKind::CpuStarved { detail } => claim.push_str(&format!(": {}", truncate(detail, 120))),
        SignalKind::NotEtcdDatastore { backend } => claim.push_str(&format!(": {backend}")),
        SignalKind::RaftMessageDropped { peer } => claim.push_str(&format!(": peer {peer}")),
        SignalKind::PreVote { term, rejected } => {
            claim.push_str(&format!(" at term {term}{}", if *rejected { " (rejected)" } else { "" }))
        }
        SignalKind::ExpensiveRequest { response_count, response_bytes, .. } => {
            claim.push_str(&format!(": {response_count} keys, {} bytes in one response", response_bytes))
        }
        SignalKind::PeerUnreachable { peer, error } => {
            claim.push_str(&format!(": peer {peer}: {}", truncate(error, 100)))
        }
        SignalKind::LeaderElected { leader_id, term } => claim.push_str(&format!(" ({leader_id} at term {term})")),
        SignalKind::MetricQuantile { metric, quantile, value_ms, lower_ms, upper_ms } => {
            let pct = quantile * 100.0;
            claim = format!(
                "{who}: {metric} p{pct:.0} {} (between the {}..{} buckets){}",
                fmt_ms_plain(*value_ms),
                fmt_ms_plain(*lower_ms),
                if upper_ms.is_finite() { fmt_ms_plain(*upper_ms) } else { "+Inf".into() },
                if s.count > 1 { format!(", {} intervals", s.count) } else { String::new() },
            );
        }
        _ => {}
    }
    Citation { at: Some(s.first_at), link: link_of(s.class()), claim, origin: s.first.clone() }
}

/// The chain link a signal class belongs to.
pub fn link_of(class: SignalClass) -> Link {
    use SignalClass as C;
    match class {
        C::SlowWalSync | C::SlowApply | C::SlowBackend => Link::Disk,
        C::HeartbeatLate
        | C::LeaderElected
        | C::LeaderLost
        | C::ReadIndexSlow
        | C::RequestTimeout
        | C::MemberStarted => Link::Consensus,
        C::ApiServerEtcdError | C::ApiServerSlowRequest | C::ApiServerEtcdUnreachable => Link::ApiServer,
        C::LeaseRenewFailed
        | C::LeaderElectionLost
        | C::ApiRequestTimeout
        | C::ConfigError
        | C::Fatal
        | C::OutOfMemory => Link::Container,
        C::PeerUnreachable
        | C::ClockDrift
        | C::NoSpaceAlarm
        | C::CertificateError
        | C::Defrag
        | C::Compaction
        | C::ExpensiveRequest
        | C::RaftMessageDropped
        | C::PreVote
        | C::DbLocked
        | C::BackendCorrupt
        | C::MembershipError
        | C::NotEtcdDatastore
        | C::CpuStarved => Link::Competing,
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// Duration text for claims: the one spelling, [`crate::model::units::Millis`]'s `Display`, as the renderers print.
pub fn fmt_ms_plain(ms: f64) -> String {
    crate::model::units::Millis(ms).to_string()
}
