//! The words of the report, by subject. The analysis hands the renderers typed data (`crate::model`);
//! every sentence a reader sees is built here, and nothing outside `report/` builds or inspects one.

pub mod advice;
pub mod attribution;
pub mod claims;
pub mod collection;
pub mod containers;
pub mod gaps;
pub mod inputs;
pub mod members;
pub mod nodes;
pub mod probe;
pub mod timeline;
pub mod verdict;

/// A cause as the report names it (`etcd storage latency`, `OOM kill`).
pub fn cause(c: crate::model::Cause) -> &'static str {
    use crate::model::Cause;
    match c {
        Cause::StorageLatency => "etcd storage latency",
        Cause::EtcdStall => "etcd member stall (CPU starvation or frozen process, not disk)",
        Cause::NetworkPartition => "etcd peer network failure",
        Cause::ClockSkew => "clock skew between etcd members",
        Cause::NoSpaceAlarm => "etcd NOSPACE alarm (backend quota exceeded)",
        Cause::CertificateError => "TLS certificate failure",
        Cause::EtcdUnavailable => "etcd unavailable (down or refusing connections)",
        Cause::OutOfMemory => "OOM kill",
        Cause::ConfigError => "configuration error at start-up",
        Cause::ProbeFailure => "liveness probe failures (not storage)",
        Cause::Defragmentation => "etcd defragmentation (stop-the-world)",
        Cause::ExpensiveRequests => "expensive etcd requests (huge ranges)",
        Cause::EtcdFailure => "etcd failure (panic, corrupt db or membership)",
        Cause::Unexplained => "unexplained exit",
    }
}

/// A signal class as timelines and claims name it (`slow WAL fdatasync`, `late heartbeat`).
pub fn signal_class(c: crate::evidence::SignalClass) -> &'static str {
    use crate::evidence::SignalClass as C;
    match c {
        C::SlowWalSync => "slow WAL fdatasync",
        C::SlowApply => "slow apply",
        C::SlowBackend => "slow backend operation",
        C::HeartbeatLate => "late heartbeat",
        C::LeaderElected => "leader elected",
        C::LeaderLost => "leader lost / election started",
        C::ReadIndexSlow => "slow read index",
        C::RequestTimeout => "request timed out",
        C::MemberStarted => "etcd started",
        C::PeerUnreachable => "peer unreachable",
        C::ClockDrift => "clock drift",
        C::NoSpaceAlarm => "NOSPACE alarm",
        C::CertificateError => "certificate error",
        C::Defrag => "defragmentation",
        C::Compaction => "compaction",
        C::ExpensiveRequest => "expensive request",
        C::RaftMessageDropped => "raft message dropped (buffer full)",
        C::PreVote => "pre-vote",
        C::DbLocked => "db file locked",
        C::BackendCorrupt => "corrupt backend db",
        C::MembershipError => "membership error",
        C::NotEtcdDatastore => "datastore is not etcd",
        C::CpuStarved => "CPU starvation",
        C::ApiServerEtcdError => "apiserver etcd error",
        C::ApiServerSlowRequest => "apiserver slow request",
        C::ApiServerEtcdUnreachable => "apiserver cannot reach etcd",
        C::LeaseRenewFailed => "lease renewal failed",
        C::LeaderElectionLost => "leader election lost",
        C::ApiRequestTimeout => "API request timed out",
        C::ConfigError => "configuration error",
        C::Fatal => "fatal error",
        C::OutOfMemory => "out of memory",
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with `...`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// `12x ` before a thing counted more than once; nothing for one.
pub fn times(count: u64) -> String {
    if count > 1 { format!("{count}x ") } else { String::new() }
}

/// `1 WAL sync`, `40 WAL syncs`.
pub fn count_of(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
