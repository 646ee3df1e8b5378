//! How a live collection was scoped, as data: how its window was chosen, which workloads it examined, where it
//! found etcd and kube-apiserver. The words are in `report::words::collection`; nothing here is a sentence.
//! Bundles written before these were typed hold the words instead; they read back as `Recorded`.
//!
//! Pure data; no I/O.

use serde::{Deserialize, Serialize};

use super::{Place, PodRole};

/// How a live collection's window was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CollectionWindow {
    Chosen(WindowChoice),
    /// Words recorded by an older version (a bundle manifest written before the window basis was typed).
    Recorded(String),
}

/// The flags that chose a live collection's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WindowChoice {
    /// `--from`, up to `end`.
    From { end: WindowEnd },
    /// `--since` (its value as given on the command line, or the default), before `end`.
    Since { since: String, end: WindowEnd },
}

/// Where a live collection's window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowEnd {
    /// `--to`.
    To,
    /// The time of the collection.
    Collection,
}

/// Which workloads a live collection examined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CollectionScope {
    /// The workload namespace (`-n`); `None` for all namespaces.
    Workloads { namespace: Option<String> },
    /// Words recorded by an older version (a bundle manifest written before the scope was typed).
    Recorded(String),
}

/// Where discovery found the pods of one role, or that it found none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Discovery {
    /// Pods of `role` found: how many at each place where there were some.
    Found { role: PodRole, found: Vec<FoundAt> },
    /// No pod of `role` at any place tried (k3s embedded etcd, a managed control plane, external etcd).
    NotVisible { role: PodRole, tried: Vec<Place> },
    /// Words recorded by an older version (a bundle manifest written before discovery was typed).
    Recorded(String),
}

/// Pods found at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundAt {
    #[serde(flatten)]
    pub place: Place,
    pub pods: usize,
}

impl CollectionWindow {
    /// Every string inside, for redaction and neutralisation.
    pub fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            CollectionWindow::Chosen(WindowChoice::From { .. }) => {}
            CollectionWindow::Chosen(WindowChoice::Since { since, .. }) => f(since),
            CollectionWindow::Recorded(words) => f(words),
        }
    }
}

impl CollectionScope {
    /// Every string inside, for redaction and neutralisation.
    pub fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        match self {
            CollectionScope::Workloads { namespace: Some(ns) } => f(ns),
            CollectionScope::Workloads { namespace: None } => {}
            CollectionScope::Recorded(words) => f(words),
        }
    }
}

impl Discovery {
    /// Every string inside, for redaction and neutralisation.
    pub fn texts_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        let mut place = |p: &mut Place| {
            f(&mut p.selector);
            f(&mut p.namespace);
        };
        match self {
            Discovery::Found { found, .. } => found.iter_mut().for_each(|at| place(&mut at.place)),
            Discovery::NotVisible { tried, .. } => tried.iter_mut().for_each(place),
            Discovery::Recorded(words) => f(words),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> String {
        "MARK".into()
    }

    fn place() -> Place {
        Place { selector: m(), namespace: m() }
    }

    fn windows() -> Vec<CollectionWindow> {
        vec![
            CollectionWindow::Chosen(WindowChoice::From { end: WindowEnd::To }),
            CollectionWindow::Chosen(WindowChoice::Since { since: m(), end: WindowEnd::Collection }),
            CollectionWindow::Recorded(m()),
        ]
    }

    fn scopes() -> Vec<CollectionScope> {
        vec![
            CollectionScope::Workloads { namespace: None },
            CollectionScope::Workloads { namespace: Some(m()) },
            CollectionScope::Recorded(m()),
        ]
    }

    fn discoveries() -> Vec<Discovery> {
        vec![
            Discovery::Found { role: PodRole::Etcd, found: vec![FoundAt { place: place(), pods: 3 }] },
            Discovery::NotVisible { role: PodRole::ApiServer, tried: vec![place(), place()] },
            Discovery::Recorded(m()),
        ]
    }

    #[test]
    fn texts_mut_reaches_every_string() {
        let scrub = &mut |s: &mut String| *s = s.replace("MARK", "x");
        for mut w in windows() {
            w.texts_mut(scrub);
            assert!(!format!("{w:?}").contains("MARK"), "a string was not reached: {w:?}");
        }
        for mut s in scopes() {
            s.texts_mut(scrub);
            assert!(!format!("{s:?}").contains("MARK"), "a string was not reached: {s:?}");
        }
        for mut d in discoveries() {
            d.texts_mut(scrub);
            assert!(!format!("{d:?}").contains("MARK"), "a string was not reached: {d:?}");
        }
    }

    #[test]
    fn each_reads_back_as_written() {
        for w in windows() {
            assert_eq!(serde_json::from_str::<CollectionWindow>(&serde_json::to_string(&w).unwrap()).unwrap(), w);
        }
        for s in scopes() {
            assert_eq!(serde_json::from_str::<CollectionScope>(&serde_json::to_string(&s).unwrap()).unwrap(), s);
        }
        for d in discoveries() {
            assert_eq!(serde_json::from_str::<Discovery>(&serde_json::to_string(&d).unwrap()).unwrap(), d);
        }
    }

    #[test]
    fn words_of_an_older_manifest_read_as_recorded() {
        let w: CollectionWindow = serde_json::from_str(r#""--since 6h before collection""#).unwrap();
        assert_eq!(w, CollectionWindow::Recorded("--since 6h before collection".into()));
        let s: CollectionScope = serde_json::from_str(r#""namespace karmada-system""#).unwrap();
        assert_eq!(s, CollectionScope::Recorded("namespace karmada-system".into()));
        let d: Discovery = serde_json::from_str(r#""etcd: 3 pod(s) with component=etcd in kube-system""#).unwrap();
        assert_eq!(d, Discovery::Recorded("etcd: 3 pod(s) with component=etcd in kube-system".into()));
    }

    #[test]
    fn something_else_is_refused() {
        assert!(serde_json::from_str::<CollectionWindow>(r#"{"kind": "until_lunch"}"#).is_err());
        assert!(serde_json::from_str::<CollectionWindow>("7").is_err());
        assert!(serde_json::from_str::<Discovery>(r#"{"role": "etcd"}"#).is_err());
        assert!(serde_json::from_str::<Discovery>(r#"{"role": "dns", "tried": []}"#).is_err());
    }
}
