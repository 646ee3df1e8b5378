//! Member aliases: metrics name a member by pod, instance or endpoint, logs by its `--name`.
//!
//! Pure; no I/O.

use std::collections::BTreeMap;

use crate::evidence::{Evidence, Subject};
use crate::model::Assumption;

/// Puts metric evidence on the member its logs name: metrics know a member by a Prometheus `pod` / `instance`
/// label or an `--etcd-endpoints` name, logs by its `--name`, and etcd's `etcd_server_id` metric ties the first to
/// the member id the logs print. Renames the subjects of signals, metric series and inputs, records an alias whose
/// id no log names as that member's name (so leader lines, which carry ids, find it), and returns one statement
/// per mapping for the report's assumptions.
pub fn resolve_member_aliases(evidence: &mut Evidence) -> Vec<Assumption> {
    let norm = |id: &str| id.trim_start_matches('0').to_ascii_lowercase();
    let names: BTreeMap<String, String> = evidence.member_ids.iter().map(|m| (norm(&m.id), m.name.clone())).collect();
    let mut aliases = evidence.member_aliases.clone();
    aliases.sort();
    aliases.dedup_by(|a, b| a.alias == b.alias && a.id == b.id);
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut notes = Vec::new();
    for a in &aliases {
        match names.get(&norm(&a.id)) {
            Some(name) if *name != a.alias => {
                if let Some(earlier) = renames.get(&a.alias) {
                    if earlier != name {
                        notes.push(Assumption::MetricsAliasAmbiguous {
                            alias: a.alias.clone(),
                            kept: earlier.clone(),
                            other: name.clone(),
                        });
                    }
                    continue;
                }
                notes.push(Assumption::MetricsAreMember {
                    alias: a.alias.clone(),
                    member: name.clone(),
                    id: a.id.clone(),
                    source: a.origin.source.to_string(),
                });
                renames.insert(a.alias.clone(), name.clone());
            }
            Some(_) => {}
            None => evidence.member_ids.push(crate::evidence::MemberId { name: a.alias.clone(), id: a.id.clone() }),
        }
    }
    if renames.is_empty() {
        return notes;
    }
    let rename = |subject: &mut Subject| {
        if let Subject::EtcdMember { name } = subject
            && let Some(to) = renames.get(name.as_str())
        {
            *name = to.clone();
        }
    };
    evidence.signals.iter_mut().for_each(|s| rename(&mut s.subject));
    evidence.metric_series.iter_mut().for_each(|m| rename(&mut m.subject));
    evidence.inputs.iter_mut().filter_map(|i| i.subject.as_mut()).for_each(rename);
    notes
}
