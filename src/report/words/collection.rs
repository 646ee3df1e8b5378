//! The words of a live collection's record: how its window was chosen, its scope, what discovery found.

use crate::evidence::{CollectionScope, CollectionWindow, Discovery, PodRole, WindowChoice, WindowEnd};
use crate::report::words::gaps::role_name;

/// How the window was chosen (`--since 6h before collection`, `--from to --to`).
pub fn window_basis(w: &CollectionWindow) -> String {
    let end = |e: &WindowEnd| match e {
        WindowEnd::To => "--to",
        WindowEnd::Collection => "collection",
    };
    match w {
        CollectionWindow::Chosen(WindowChoice::From { end: e }) => format!("--from to {}", end(e)),
        CollectionWindow::Chosen(WindowChoice::Since { since, end: e }) => format!("--since {since} before {}", end(e)),
        CollectionWindow::Recorded(words) => words.clone(),
    }
}

/// Which workloads were examined (`all namespaces`, `namespace karmada-system`).
pub fn scope(s: &CollectionScope) -> String {
    match s {
        CollectionScope::Workloads { namespace: None } => "all namespaces".into(),
        CollectionScope::Workloads { namespace: Some(ns) } => format!("namespace {ns}"),
        CollectionScope::Recorded(words) => words.clone(),
    }
}

/// What discovery found for one role (`etcd: 3 pod(s) with component=etcd in kube-system`), or what stands in
/// when its pods are not visible.
pub fn discovery(d: &Discovery) -> String {
    match d {
        Discovery::Found { role, found } => found
            .iter()
            .map(|at| {
                format!("{}: {} pod(s) with {} in {}", role_name(*role), at.pods, at.place.selector, at.place.namespace)
            })
            .collect::<Vec<_>>()
            .join("; "),
        Discovery::NotVisible { role: PodRole::Etcd, .. } => "etcd: not visible as pods (k3s embedded etcd, a managed \
             control plane or external etcd); evidence used instead: kube-apiserver logs and metrics, the crashed \
             containers' own errors"
            .into(),
        Discovery::NotVisible { role: PodRole::ApiServer, .. } => "kube-apiserver: not visible as pods (managed \
             control plane?); evidence used instead: its /metrics when permitted"
            .into(),
        Discovery::NotVisible { role: PodRole::Workload, .. } => "workload: not visible as pods".into(),
        Discovery::Recorded(words) => words.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{FoundAt, Place};

    fn place(selector: &str, namespace: &str) -> Place {
        Place { selector: selector.into(), namespace: namespace.into() }
    }

    #[test]
    fn the_window_basis_names_the_flags() {
        let since = |end| CollectionWindow::Chosen(WindowChoice::Since { since: "6h".into(), end });
        assert_eq!(window_basis(&since(WindowEnd::Collection)), "--since 6h before collection");
        assert_eq!(window_basis(&since(WindowEnd::To)), "--since 6h before --to");
        let from = |end| CollectionWindow::Chosen(WindowChoice::From { end });
        assert_eq!(window_basis(&from(WindowEnd::To)), "--from to --to");
        assert_eq!(window_basis(&from(WindowEnd::Collection)), "--from to collection");
        assert_eq!(window_basis(&CollectionWindow::Recorded("as collected".into())), "as collected");
    }

    #[test]
    fn the_scope_names_the_namespace() {
        assert_eq!(scope(&CollectionScope::Workloads { namespace: None }), "all namespaces");
        let one = CollectionScope::Workloads { namespace: Some("karmada-system".into()) };
        assert_eq!(scope(&one), "namespace karmada-system");
    }

    #[test]
    fn discovery_names_each_place_found_or_what_stands_in() {
        let found = Discovery::Found {
            role: PodRole::Etcd,
            found: vec![
                FoundAt { place: place("component=etcd", "kube-system"), pods: 3 },
                FoundAt { place: place("app=etcd", "karmada-system"), pods: 1 },
            ],
        };
        assert_eq!(
            discovery(&found),
            "etcd: 3 pod(s) with component=etcd in kube-system; etcd: 1 pod(s) with app=etcd in karmada-system"
        );
        let hidden = Discovery::NotVisible { role: PodRole::ApiServer, tried: vec![place("a=b", "c")] };
        assert!(discovery(&hidden).starts_with("kube-apiserver: not visible as pods (managed control plane?)"));
        let etcd = Discovery::NotVisible { role: PodRole::Etcd, tried: vec![] };
        assert!(discovery(&etcd).contains("k3s embedded etcd"));
    }
}
