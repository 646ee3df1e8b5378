//! Citations of signal bursts (`etcd-node1: 37x slow apply (max 2.4s)`) and the chain link each class belongs to.
//!
//! Pure; no I/O.

use super::view::EtcdView;
use crate::evidence::{Signal, SignalClass, Timestamp};
use crate::model::{Citation, Claim, Link};

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
    Citation { at: Some(s.first_at), link: link_of(s.class()), claim: Claim::signal(who, s), origin: s.first.clone() }
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
