//! The etcd view: the etcd side of the evidence indexed by member and time, the leader history, and which member
//! a peer reference names.
//!
//! Pure; no I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::evidence::{Evidence, Signal, SignalClass, SignalKind, Subject, Timestamp};

/// The etcd side of the evidence, indexed for questions over time ranges.
pub struct EtcdView<'a> {
    /// Member name -> its signals, time-ordered.
    pub by_member: BTreeMap<String, Vec<&'a Signal>>,
    /// Member id (hex) -> name.
    pub names: BTreeMap<String, String>,
    /// (time, leader name or id) from election lines and late-heartbeat lines (only a leader prints those).
    pub leader_history: Vec<(Timestamp, String)>,
    /// How many members the cluster has, as far as the evidence shows.
    pub member_count: usize,
}

impl<'a> EtcdView<'a> {
    pub fn new(evidence: &'a Evidence, signals: &[&'a Signal]) -> Self {
        let mut by_member: BTreeMap<String, Vec<&Signal>> = BTreeMap::new();
        for s in signals {
            if let Subject::EtcdMember { name } = &s.subject {
                by_member.entry(name.clone()).or_default().push(s);
            }
        }
        for v in by_member.values_mut() {
            v.sort_by_key(|s| s.first_at);
        }
        let names: BTreeMap<String, String> =
            evidence.member_ids.iter().map(|m| (m.id.trim_start_matches('0').to_string(), m.name.clone())).collect();
        let mut leader_history = Vec::new();
        for (member, sigs) in &by_member {
            for s in sigs {
                match &s.kind {
                    SignalKind::LeaderElected { leader_id, .. } => {
                        let id = leader_id.trim_start_matches('0');
                        let who = names.get(id).cloned().unwrap_or_else(|| leader_id.clone());
                        leader_history.push((s.first_at, who));
                    }
                    SignalKind::HeartbeatLate { .. } => leader_history.push((s.first_at, member.clone())),
                    _ => {}
                }
            }
        }
        leader_history.sort();
        // Members known from pods too (a member whose logs are missing still counts towards quorum).
        let pod_members = evidence
            .containers
            .iter()
            .filter(|c| c.labels.get("component").is_some_and(|v| v == "etcd") || c.container == "etcd")
            .map(|c| c.pod.clone())
            .collect::<BTreeSet<_>>();
        let member_count = by_member.len().max(pod_members.len()).max(evidence.member_ids.len());
        EtcdView { by_member, names, leader_history, member_count }
    }

    pub fn quorum(&self) -> usize {
        self.member_count / 2 + 1
    }

    /// The member believed to lead at `t` (the last election or late heartbeat before it).
    pub fn leader_at(&self, t: Timestamp) -> Option<&str> {
        self.leader_history.iter().rev().find(|(at, _)| *at <= t).map(|(_, who)| who.as_str())
    }

    /// Leaders in force at any point of `[from, to]`.
    pub fn leaders_during(&self, from: Timestamp, to: Timestamp) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.leader_at(from).map(str::to_string).into_iter().collect();
        out.extend(self.leader_history.iter().filter(|(at, _)| *at >= from && *at <= to).map(|(_, w)| w.clone()));
        out
    }

    /// Signals of `class` on any member that overlap `[from, to]`.
    pub fn in_range(
        &self,
        from: Timestamp,
        to: Timestamp,
        class: SignalClass,
    ) -> impl Iterator<Item = (&str, &'a Signal)> + '_ {
        self.by_member.iter().flat_map(move |(m, sigs)| {
            sigs.iter()
                .filter(move |s| s.class() == class && s.last_at >= from && s.first_at <= to)
                .map(move |s| (m.as_str(), *s))
        })
    }
}

/// The member a peer reference names (a hex member id, or a name), when known.
pub fn peer_member<'v>(view: &'v EtcdView, peer: &'v str) -> &'v str {
    view.names.get(peer.trim_start_matches('0')).map(String::as_str).unwrap_or(peer)
}
