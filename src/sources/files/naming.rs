//! Whose file it is: what a path says about its subject (`/var/log/pods`, `/var/log/containers`, cluster-info
//! dump and must-gather layouts) and the subject a role and path hint make.

use std::path::Path;

use crate::evidence::Subject;

use super::Role;

/// What the path says about the file's subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PathHint {
    pub(super) namespace: Option<String>,
    pub(super) pod: Option<String>,
    pub(super) container: Option<String>,
    /// File stem without `.log`, `.gz`, rotation suffixes.
    pub(super) stem: String,
}

/// Whether a pod, container or journal identifier names etcd.
pub(super) fn names_etcd(n: &str) -> bool {
    // `etcd2[pid]`, `etcd3`: the etcd 2 / 3 units of CoreOS and older distributions.
    let n = n.trim_end_matches(|c: char| c.is_ascii_digit()).to_ascii_lowercase();
    n == "etcd" || n.starts_with("etcd-") || n.starts_with("etcd_") || n.ends_with("-etcd")
}

/// The role a path names: an etcd or kube-apiserver pod/container, or (when it names any other pod or container)
/// an ordinary container. `None` for flat files, whose content decides.
pub(super) fn role_from_hint(hint: &PathHint) -> Option<Role> {
    let container = hint.container.as_deref().unwrap_or("").to_ascii_lowercase();
    let pod = hint.pod.as_deref().unwrap_or("").to_ascii_lowercase();
    let stem = hint.stem.to_ascii_lowercase();
    let names_etcd = |n: &str| n == "etcd" || n.starts_with("etcd-") || n.starts_with("etcd_") || n.ends_with("-etcd");
    let names_apiserver = |n: &str| n.contains("apiserver");
    if hint.container.is_some() || hint.pod.is_some() {
        let primary = if container.is_empty() { pod.as_str() } else { container.as_str() };
        return Some(if names_apiserver(primary) || (container.is_empty() && names_apiserver(&pod)) {
            Role::ApiServer
        } else if names_etcd(primary) || (container.is_empty() && (pod.starts_with("etcd") || pod.contains("-etcd-"))) {
            Role::Etcd
        } else {
            Role::Other
        });
    }
    if names_apiserver(&stem) {
        Some(Role::ApiServer)
    } else if stem.contains("etcd") {
        Some(Role::Etcd)
    } else {
        None
    }
}

/// Reads subject hints from `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log`,
/// `/var/log/containers/<pod>_<ns>_<container>-<id>.log` and cluster-info dump `<ns>/<pod>/logs.txt`.
pub(super) fn path_hint(path: &Path) -> PathHint {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut stem = name.trim_end_matches(".gz").to_string();
    if let Some(i) = stem.find(".log") {
        stem.truncate(i);
    } else if let Some(s) = stem.strip_suffix(".txt") {
        stem = s.to_string();
    }
    let parent = path.parent();
    let parent_name = parent.and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    let grandparent_name =
        parent.and_then(Path::parent).and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    let mut hint = PathHint { stem: stem.clone(), ..Default::default() };
    // /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
    let numbered = stem.chars().all(|c| c.is_ascii_digit()) && !stem.is_empty();
    let parts: Vec<&str> = grandparent_name.split('_').collect();
    if numbered && parts.len() == 3 && !parts[0].is_empty() && !parts[1].is_empty() {
        hint.namespace = Some(parts[0].to_string());
        hint.pod = Some(parts[1].to_string());
        hint.container = Some(parent_name.to_string());
        return hint;
    }
    // /var/log/containers/<pod>_<ns>_<container>-<64 hex id>.log
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() == 3
        && let Some((container, id)) = parts[2].rsplit_once('-')
        && id.len() == 64
        && id.chars().all(|c| c.is_ascii_hexdigit())
    {
        hint.pod = Some(parts[0].to_string());
        hint.namespace = Some(parts[1].to_string());
        hint.container = Some(container.to_string());
        return hint;
    }
    // OpenShift must-gather / `oc adm inspect`:
    // namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}[.insecure].log
    if parent_name == "logs"
        && (stem == "current" || stem == "previous" || stem.starts_with("current.") || stem.starts_with("previous."))
    {
        let up: Vec<&str> =
            path.ancestors().skip(2).take(5).map(|p| p.file_name().and_then(|n| n.to_str()).unwrap_or("")).collect();
        // up = [container, container, pod, "pods", ns]
        if up.len() == 5 && up[3] == "pods" && !up[2].is_empty() {
            hint.container = Some(up[0].to_string());
            hint.pod = Some(up[2].to_string());
            hint.namespace = Some(up[4].to_string()).filter(|n| !n.is_empty());
            return hint;
        }
    }
    // cluster-info dump: <ns>/<pod>/logs.txt
    if name == "logs.txt" && !parent_name.is_empty() && !grandparent_name.is_empty() {
        hint.namespace = Some(grandparent_name.to_string());
        hint.pod = Some(parent_name.to_string());
    }
    hint
}

pub(super) fn subject_for(role: Role, hint: &PathHint) -> Subject {
    let pod_or_stem = hint.pod.clone().unwrap_or_else(|| hint.stem.clone());
    match role {
        Role::Etcd => Subject::EtcdMember { name: pod_or_stem },
        Role::ApiServer => Subject::ApiServer { name: pod_or_stem },
        Role::Other => Subject::Container {
            namespace: hint.namespace.clone().unwrap_or_default(),
            pod: pod_or_stem.clone(),
            container: hint.container.clone().unwrap_or(pod_or_stem),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_log_pods_layout_names_the_container() {
        let h = path_hint(Path::new("/var/log/pods/karmada-system_karmada-controller-manager-7d9f_0b1c/manager/3.log"));
        assert_eq!(h.namespace.as_deref(), Some("karmada-system"));
        assert_eq!(h.pod.as_deref(), Some("karmada-controller-manager-7d9f"));
        assert_eq!(h.container.as_deref(), Some("manager"));
        let rotated = path_hint(Path::new("/var/log/pods/kube-system_etcd-nuc_abc/etcd/0.log.20261125-140211.gz"));
        assert_eq!(rotated.pod.as_deref(), Some("etcd-nuc"));
        assert_eq!(role_from_hint(&rotated), Some(Role::Etcd));
    }

    #[test]
    fn var_log_containers_and_cluster_info_dump_layouts() {
        let id = "a".repeat(64);
        let h = path_hint(Path::new(&format!("/var/log/containers/etcd-nuc_kube-system_etcd-{id}.log")));
        assert_eq!(
            (h.pod.as_deref(), h.namespace.as_deref(), h.container.as_deref()),
            (Some("etcd-nuc"), Some("kube-system"), Some("etcd"))
        );
        let d = path_hint(Path::new("dump/kube-system/kube-apiserver-nuc/logs.txt"));
        assert_eq!((d.namespace.as_deref(), d.pod.as_deref()), (Some("kube-system"), Some("kube-apiserver-nuc")));
        assert_eq!(role_from_hint(&d), Some(Role::ApiServer));
    }

    #[test]
    fn a_named_container_is_never_taken_for_etcd_or_apiserver_by_content() {
        let hint = path_hint(Path::new("/var/log/pods/karmada-system_karmada-controller-manager-x_uid/manager/0.log"));
        assert_eq!(role_from_hint(&hint), Some(Role::Other));
        let karmada_etcd = path_hint(Path::new("/var/log/pods/karmada-system_etcd-0_uid/etcd/0.log"));
        assert_eq!(role_from_hint(&karmada_etcd), Some(Role::Etcd));
        let karmada_api =
            path_hint(Path::new("/var/log/pods/karmada-system_karmada-apiserver-7f_uid/karmada-apiserver/0.log"));
        assert_eq!(role_from_hint(&karmada_api), Some(Role::ApiServer));
        assert_eq!(role_from_hint(&path_hint(Path::new("logs/controller.log"))), None);
    }
}
