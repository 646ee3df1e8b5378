//! Folding a file's signals into bursts (one class, one subject, close together), bounded per file.

use crate::evidence::{LatencyDigest, Origin, Signal, SignalKind, Subject, Timestamp};

use super::{FOLD_GAP_SECS, MAX_BURST_SECS};

/// Bursts kept per file before the folder coarsens its resolution (doubling the fold gap and the maximum burst
/// length and re-merging). This bounds memory whatever the size or time span of a file.
const MAX_BURSTS_PER_FILE: usize = 4096;

/// Folds signals from one file into bursts. Few burst keys are open at once (one per signal class and peer or
/// leader), so a linear scan finds them without allocating a key per line.
pub(super) struct Folder {
    pub(super) open: Vec<Signal>,
    pub(super) done: Vec<Signal>,
    pub(super) fold_gap_secs: i64,
    pub(super) max_burst_secs: i64,
}

/// The detail that keeps bursts of one class apart.
fn key_detail(kind: &SignalKind) -> &str {
    match kind {
        SignalKind::PeerUnreachable { peer, .. } | SignalKind::ClockDrift { peer, .. } => peer,
        // Keep each leader's elections apart so the leader history survives folding.
        SignalKind::LeaderElected { leader_id, .. } => leader_id,
        // Reads served and entries applied measure different things (the leader's loop, this member's backend).
        SignalKind::SlowApply { read_only: true, .. } => "read-only",
        _ => "",
    }
}

fn same_key(a: &SignalKind, b: &SignalKind) -> bool {
    let same_term = match (a, b) {
        // A pre-vote loop is pre-votes at one term: keep terms apart so a burst's term is every member's.
        (SignalKind::PreVote { term: x, rejected: p }, SignalKind::PreVote { term: y, rejected: q }) => {
            x == y && p == q
        }
        _ => true,
    };
    a.class() == b.class() && key_detail(a) == key_detail(b) && same_term
}

impl Folder {
    pub(super) fn new() -> Self {
        Folder { open: Vec::new(), done: Vec::new(), fold_gap_secs: FOLD_GAP_SECS, max_burst_secs: MAX_BURST_SECS }
    }

    pub(super) fn add(
        &mut self,
        subject: &Subject,
        kind: SignalKind,
        at: Timestamp,
        origin: Origin,
        time_assumed: bool,
    ) {
        let latency = kind.latency_ms();
        if let Some(i) = self.open.iter().position(|b| same_key(&b.kind, &kind) && b.subject == *subject) {
            let burst = &mut self.open[i];
            let gap = (at - burst.last_at).num_seconds();
            let span = (at - burst.first_at).num_seconds();
            if (0..=self.fold_gap_secs).contains(&gap) && span <= self.max_burst_secs {
                burst.count += 1;
                burst.last_at = at;
                burst.last = origin;
                if let (Some(ms), Some(d)) = (latency, burst.latency.as_mut()) {
                    d.record(ms);
                }
                return;
            }
            let closed = self.open.swap_remove(i);
            self.done.push(closed);
            if self.done.len() > MAX_BURSTS_PER_FILE {
                self.coarsen();
            }
        }
        self.open.push(Signal {
            subject: subject.clone(),
            kind,
            first_at: at,
            last_at: at,
            count: 1,
            first: origin.clone(),
            last: origin,
            latency: latency.map(LatencyDigest::single),
            time_assumed,
        });
    }

    /// Halves the time resolution until the closed bursts fit in half the budget.
    fn coarsen(&mut self) {
        while self.done.len() > MAX_BURSTS_PER_FILE / 2 {
            self.fold_gap_secs *= 2;
            self.max_burst_secs *= 2;
            self.done.sort_by(|a, b| {
                a.subject
                    .cmp(&b.subject)
                    .then(a.class().cmp(&b.class()))
                    .then(key_detail(&a.kind).cmp(key_detail(&b.kind)))
                    .then(a.first_at.cmp(&b.first_at))
            });
            let mut merged: Vec<Signal> = Vec::with_capacity(self.done.len());
            for s in self.done.drain(..) {
                if let Some(prev) = merged.last_mut() {
                    let gap = (s.first_at - prev.last_at).num_seconds();
                    let span = (s.last_at - prev.first_at).num_seconds();
                    if same_key(&prev.kind, &s.kind)
                        && prev.subject == s.subject
                        && gap <= self.fold_gap_secs
                        && span <= self.max_burst_secs
                    {
                        prev.count += s.count;
                        prev.last_at = prev.last_at.max(s.last_at);
                        prev.last = s.last;
                        if let (Some(d), Some(l)) = (prev.latency.as_mut(), s.latency.as_ref()) {
                            d.merge(l);
                        }
                        continue;
                    }
                }
                merged.push(s);
            }
            self.done = merged;
        }
    }

    /// The closed and open bursts in time order, and the resolution finally used (seconds) if it was coarsened.
    pub(super) fn finish(mut self) -> (Vec<Signal>, Option<i64>) {
        self.done.append(&mut self.open);
        self.done.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.first.cmp(&b.first)));
        let coarsened = (self.fold_gap_secs != FOLD_GAP_SECS).then_some(self.fold_gap_secs);
        (self.done, coarsened)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_bounds_bursts_by_coarsening() {
        let subject = Subject::EtcdMember { name: "etcd-a".into() };
        let mut f = Folder::new();
        let t0 = Timestamp::from_timestamp(1_700_000_000, 0).unwrap();
        let n = 50_000i64;
        // One slow apply every 30 s for 17 days: each is its own burst at the default resolution.
        for i in 0..n {
            let kind = SignalKind::SlowApply { took_ms: 150.0, expected_ms: 100.0, read_only: false };
            f.add(&subject, kind, t0 + chrono::Duration::seconds(30 * i), Origin::new("f", Some(i as u64 + 1)), false);
        }
        let (out, coarsened) = f.finish();
        assert!(out.len() <= MAX_BURSTS_PER_FILE + 1, "{}", out.len());
        assert!(coarsened.unwrap() >= 30);
        assert_eq!(out.iter().map(|s| s.count).sum::<u64>(), n as u64, "no signal is lost when coarsening");
    }

    #[test]
    fn folder_merges_close_signals_and_splits_gaps() {
        let subject = Subject::EtcdMember { name: "etcd-a".into() };
        let mut f = Folder::new();
        let t0 = Timestamp::from_timestamp(1_700_000_000, 0).unwrap();
        for (i, secs) in [0i64, 2, 5, 30, 31].iter().enumerate() {
            let kind =
                SignalKind::SlowApply { took_ms: 100.0 * (i as f64 + 1.0), expected_ms: 100.0, read_only: false };
            f.add(&subject, kind, t0 + chrono::Duration::seconds(*secs), Origin::new("f", Some(i as u64 + 1)), false);
        }
        let (out, coarsened) = f.finish();
        assert_eq!(coarsened, None);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].count, out[1].count), (3, 2));
        assert_eq!(out[0].latency.as_ref().unwrap().max_ms, 300.0);
        assert_eq!(out[1].first.line, Some(4));
        assert_eq!(out[1].last.line, Some(5));
    }
}
