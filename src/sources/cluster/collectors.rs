//! What is collected: list pages (nodes, events, pods), the control plane's discovery, container logs and metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::BodyExt as _;
use kube::core::Request;
use kube::core::params::ListParams;
use kube::core::subresource::LogParams;
use tokio::time::Instant;

use crate::evidence::Timestamp;
use crate::redact::StreamState;

use super::client::{CREDENTIALS_REJECTED, Ctx, Failure, remedy_for};
use super::error_chain;
use crate::evidence::{
    ApiProblem, BadItem, ClusterGap, Discovery, FoundAt, ListCut, Listed, LogCut, LogProblem, LogRef, Place, PodRole,
};
use crate::evidence::{EvidenceKind as Ek, GapEffect as Fx, Remedy};

/// Where the distributions put etcd and kube-apiserver pods, tried in order.
const ETCD_PLACES: &[(&str, &str)] = &[
    ("kube-system", "component=etcd"), // kubeadm, RKE2 static pods
    ("karmada-system", "app=etcd"),    // Karmada's own etcd (StatefulSet)
    ("openshift-etcd", "app=etcd"),    // OpenShift
];
const APISERVER_PLACES: &[(&str, &str)] = &[
    ("kube-system", "component=kube-apiserver"),
    ("karmada-system", "app=karmada-apiserver"),
    ("openshift-kube-apiserver", "app=openshift-kube-apiserver"),
];
/// What a restarted container needs for its logs.
#[derive(Debug, Clone)]
pub(super) struct Restarted {
    pub(super) namespace: String,
    pub(super) pod: String,
    pub(super) uid: String,
    pub(super) container: String,
    pub(super) restart_count: i32,
    pub(super) running: bool,
    pub(super) crash_looping: bool,
}

/// An etcd or kube-apiserver pod found by discovery.
#[derive(Debug, Clone)]
pub(super) struct ControlPlanePod {
    pub(super) namespace: String,
    pub(super) pod: String,
    pub(super) uid: String,
    pub(super) containers: Vec<(String, i32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Etcd,
    ApiServer,
    Workload,
}

impl Role {
    /// The role as a gap records it.
    pub(super) fn typed(self) -> PodRole {
        match self {
            Role::Etcd => PodRole::Etcd,
            Role::ApiServer => PodRole::ApiServer,
            Role::Workload => PodRole::Workload,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Etcd => "etcd",
            Role::ApiServer => "kube-apiserver",
            Role::Workload => "workload",
        }
    }
}

/// One log to fetch, and where it goes: `logs/<ns>_<pod>_<uid>/<container>/<run>.log` like the kubelet's
/// `/var/log/pods`, so the reader knows whose log it is and which run.
#[derive(Debug, Clone)]
pub(super) struct LogTarget {
    pub(super) namespace: String,
    pub(super) pod: String,
    pub(super) uid: String,
    pub(super) container: String,
    pub(super) run: i32,
    pub(super) previous: bool,
}

impl LogTarget {
    /// The log as a gap names it.
    pub(super) fn log_ref(&self) -> LogRef {
        LogRef {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self.container.clone(),
            previous: self.previous,
        }
    }
}

impl From<&Restarted> for LogTarget {
    fn from(r: &Restarted) -> Self {
        LogTarget {
            namespace: r.namespace.clone(),
            pod: r.pod.clone(),
            uid: r.uid.clone(),
            container: r.container.clone(),
            run: r.restart_count,
            previous: false,
        }
    }
}

impl ControlPlanePod {
    pub(super) fn into_target(self, container: &str, restarts: i32, previous: bool) -> LogTarget {
        LogTarget {
            namespace: self.namespace,
            pod: self.pod,
            uid: self.uid,
            container: container.to_string(),
            run: if previous { (restarts - 1).max(0) } else { restarts },
            previous,
        }
    }
}

/// A list is read at most this many pages: past it (an API server that hands out a fresh `continue` token
/// forever) paging stops with a gap. 1000 pages of the default 500 objects is 500,000 objects.
pub(super) const MAX_LIST_PAGES: usize = 1000;

/// The answer to a list, page by page (limit / continue), written as `<stem>-0001.json`, ...; returns the pages'
/// bytes to `on_page` before they are dropped. A `continue` token seen before (the server would hand out the same
/// pages again) or more than [`MAX_LIST_PAGES`] pages end paging with a gap; what was read is kept.
async fn list_pages_with(
    ctx: Arc<Ctx>,
    path: String,
    stem: String,
    what: Listed,
    label_selector: Option<String>,
    write: bool,
    mut on_page: impl FnMut(usize, &[u8]),
) -> Result<usize, Failure> {
    let mut params = ListParams { label_selector, limit: Some(ctx.opts.page_size), ..Default::default() };
    let mut page = 0usize;
    let mut items = 0usize;
    let mut tokens = std::collections::HashSet::new();
    loop {
        page += 1;
        let req = Request::new(&path)
            .list(&params)
            .map_err(|e| Failure::new(ApiProblem::BadRequest { error: e.to_string() }))?;
        let request = req.uri().to_string();
        let body = match ctx.get_bytes(&path, Some(req)).await {
            Ok(b) => b,
            Err(f) if page > 1 => {
                // Earlier pages were kept; the rest is missing.
                let cut = ListCut::Failed { failure: f.typed() };
                let reason = ClusterGap::ListCut { objects: what, path, after_page: page - 1, cut };
                ctx.gap(reason, Ek::Objects, Fx::Truncated, remedy_for(&f, Remedy::Rerun));
                return Ok(items);
            }
            Err(f) => return Err(f),
        };
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(default)]
            metadata: Meta,
            #[serde(default)]
            items: Vec<serde::de::IgnoredAny>,
        }
        #[derive(serde::Deserialize, Default)]
        struct Meta {
            #[serde(rename = "continue", default)]
            continue_: Option<String>,
        }
        let head: Head =
            serde_json::from_slice(&body).map_err(|e| Failure::new(ApiProblem::NotAList { error: e.to_string() }))?;
        items += head.items.len();
        if write {
            let rel = format!("{stem}-{page:04}.json");
            ctx.write_file(&rel, &request, &body, false)
                .map_err(|e| Failure::new(ApiProblem::Write { file: rel.clone(), error: e.to_string() }))?;
        }
        on_page(page, &body);
        let Some(token) = head.metadata.continue_.filter(|c| !c.is_empty()) else { return Ok(items) };
        let cut = if tokens.contains(&token) {
            Some(ListCut::RepeatedToken { items })
        } else if page >= MAX_LIST_PAGES {
            Some(ListCut::TooManyPages { max_pages: MAX_LIST_PAGES, items })
        } else {
            None
        };
        if let Some(cut) = cut {
            let reason = ClusterGap::ListCut { objects: what, path, after_page: page, cut };
            ctx.gap(reason, Ek::Objects, Fx::Truncated, Some(Remedy::Rerun));
            return Ok(items);
        }
        tokens.insert(token.clone());
        params.continue_token = Some(token);
    }
}

pub(super) async fn list_pages(ctx: Arc<Ctx>, path: String, stem: String, what: Listed) {
    if let Err(f) = list_pages_with(ctx.clone(), path.clone(), stem, what, None, true, |_, _| {}).await {
        let (missing, effect, remedy) = match what {
            Listed::Nodes => (Ek::Nodes, Fx::NotSeen, Remedy::grant("list", "nodes")),
            Listed::EventsK8sIo => (Ek::Events, Fx::None, Remedy::grant("list", "events.k8s.io events")),
            Listed::Events | Listed::Pods => (Ek::Events, Fx::LowersConfidence, Remedy::grant("list", "events")),
        };
        let reason = ClusterGap::List { objects: what, path, failure: f.typed() };
        ctx.gap(reason, missing, effect, remedy_for(&f, remedy));
    }
}

/// Lists the workload pods and returns the restarted containers among them (only those are kept in memory).
pub(super) async fn list_workload_pods(ctx: Arc<Ctx>) -> Vec<Restarted> {
    let (path, stem) = match &ctx.opts.namespace {
        Some(ns) => (format!("/api/v1/namespaces/{ns}/pods"), format!("objects/pods-{ns}")),
        None => ("/api/v1/pods".to_string(), "objects/pods-all".to_string()),
    };
    let mut restarted = Vec::new();
    let from = ctx.opts.window_from;
    let result = list_pages_with(ctx.clone(), path.clone(), stem, Listed::Pods, None, true, |n, page| {
        let skipped = for_each_item::<PodItem>(page, |i, pod| match pod {
            Ok(pod) => restarted.extend(restarted_containers(pod, from)),
            Err(e) => ill_typed_item(&ctx, &path, n, i, e),
        });
        if let Err(e) = skipped {
            ill_typed_page(&ctx, &path, n, &e);
        }
    })
    .await;
    if let Err(f) = result {
        ctx.gap(
            ClusterGap::List { objects: Listed::Pods, path, failure: f.typed() },
            Ek::PodStatus,
            Fx::LowersConfidence,
            remedy_for(&f, Remedy::grant("list", "pods")),
        );
    }
    restarted
}

/// The parts of a pod the live collection uses; the whole object is in the written page for the reader. Read item
/// by item (never the page's `Vec<Pod>`), so memory follows one pod, not the page.
#[derive(serde::Deserialize)]
struct PodItem {
    #[serde(default)]
    metadata: ItemMeta,
    #[serde(default)]
    spec: Option<ItemSpec>,
    #[serde(default)]
    status: Option<ItemStatus>,
}

#[derive(serde::Deserialize, Default)]
struct ItemMeta {
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
}

#[derive(serde::Deserialize)]
struct ItemSpec {
    #[serde(default)]
    containers: Option<Vec<ItemContainer>>,
}

#[derive(serde::Deserialize)]
struct ItemContainer {
    name: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemStatus {
    #[serde(default)]
    container_statuses: Option<Vec<ItemContainerStatus>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemContainerStatus {
    name: String,
    #[serde(default)]
    restart_count: i32,
    #[serde(default)]
    state: Option<ItemState>,
    #[serde(default)]
    last_state: Option<ItemState>,
}

#[derive(serde::Deserialize)]
struct ItemState {
    #[serde(default)]
    waiting: Option<ItemWaiting>,
    #[serde(default)]
    running: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    terminated: Option<ItemTerminated>,
}

#[derive(serde::Deserialize)]
struct ItemWaiting {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemTerminated {
    #[serde(default)]
    finished_at: Option<String>,
}

/// Calls `each` with every element of a Kubernetes list page's `items`, one at a time: each is borrowed raw from
/// the page and deserialised on its own, so one ill-typed item is its own error and the others are read.
/// Err when the page itself is not a list.
fn for_each_item<T: serde::de::DeserializeOwned>(
    page: &[u8],
    mut each: impl FnMut(usize, Result<T, BadItem>),
) -> Result<(), serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    struct ListVisitor<'f, F>(&'f mut F);
    struct Items<'f, F>(&'f mut F);
    impl<'de, F: FnMut(&'de serde_json::value::RawValue)> Visitor<'de> for ListVisitor<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a Kubernetes list")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "items" {
                    map.next_value_seed(Items(&mut *self.0))?;
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    impl<'de, F: FnMut(&'de serde_json::value::RawValue)> DeserializeSeed<'de> for Items<'_, F> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de, F: FnMut(&'de serde_json::value::RawValue)> Visitor<'de> for Items<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of items")
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(()) // "items": null
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
                (self.0)(raw);
            }
            Ok(())
        }
    }
    let mut index = 0usize;
    let mut on_raw = |raw: &serde_json::value::RawValue| {
        let len = raw.get().len();
        let item = if len > crate::sources::kube_objects::MAX_OBJECT_BYTES {
            Err(crate::sources::kube_objects::oversized_object(len))
        } else {
            serde_json::from_str::<T>(raw.get()).map_err(|e| BadItem::NotJson { error: e.to_string() })
        };
        each(index, item);
        index += 1;
    };
    let mut de = serde_json::Deserializer::from_slice(page);
    de.deserialize_map(ListVisitor(&mut on_raw))?;
    de.end()
}

/// A list item that is not the object it should be: a gap naming it; the page's other items are read.
fn ill_typed_item(ctx: &Ctx, path: &str, page: usize, index: usize, item: BadItem) {
    let reason = ClusterGap::PodItem { path: path.to_string(), page, index, item };
    ctx.gap(reason, Ek::PodStatus, Fx::LowersConfidence, None);
}

/// A page whose `items` could not be walked to the end: what was read of it is kept.
fn ill_typed_page(ctx: &Ctx, path: &str, page: usize, e: &serde_json::Error) {
    let reason = ClusterGap::PodPage { path: path.to_string(), page, error: e.to_string() };
    ctx.gap(reason, Ek::PodStatus, Fx::LowersConfidence, None);
}

/// The restarted containers of one pod: restarted at all within the window, or crash-looping now.
fn restarted_containers(pod: PodItem, from: Timestamp) -> Vec<Restarted> {
    let mut out = Vec::new();
    let meta = pod.metadata;
    let (Some(namespace), Some(name)) = (meta.namespace, meta.name) else { return out };
    let uid = meta.uid.unwrap_or_default();
    let statuses = pod.status.and_then(|s| s.container_statuses);
    for cs in statuses.into_iter().flatten() {
        let state = cs.state.as_ref();
        let crash_looping = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .is_some_and(|r| r == "CrashLoopBackOff");
        let last_finished = cs
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .and_then(|t| t.finished_at.as_deref())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc());
        let recent = last_finished.is_some_and(|t| t >= from);
        if cs.restart_count > 0 && (crash_looping || recent) {
            out.push(Restarted {
                namespace: namespace.clone(),
                pod: name.clone(),
                uid: uid.clone(),
                container: cs.name,
                restart_count: cs.restart_count,
                running: state.is_some_and(|s| s.running.is_some()),
                crash_looping,
            });
        }
    }
    out
}

/// Finds etcd or kube-apiserver pods where the distributions put them (or where the flags say).
pub(super) async fn discover(ctx: Arc<Ctx>, role: Role) -> (Vec<ControlPlanePod>, Option<Discovery>) {
    let places: Vec<(String, String)> = match (role, &ctx.opts.etcd_place, &ctx.opts.apiserver_place) {
        (Role::Etcd, Some(p), _) | (Role::ApiServer, _, Some(p)) => vec![p.clone()],
        (Role::Etcd, None, _) => ETCD_PLACES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
        _ => APISERVER_PLACES.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
    };
    let mut found = Vec::new();
    let mut found_at = Vec::new();
    let mut failures: Vec<(Place, Failure)> = Vec::new();
    for (ns, selector) in &places {
        // Pods in the workload scope are already in the pod list; others are written as evidence here.
        let covered = ctx.opts.namespace.as_ref().is_none_or(|w| w == ns);
        let path = format!("/api/v1/namespaces/{ns}/pods");
        let stem = format!("objects/{}-pods-{ns}", role.name());
        let mut pods = Vec::new();
        let on_page = |n, page: &[u8]| {
            let skipped = for_each_item::<PodItem>(page, |i, pod| match pod {
                Ok(pod) => pods.extend(control_plane_pod(pod)),
                Err(e) => ill_typed_item(&ctx, &path, n, i, e),
            });
            if let Err(e) = skipped {
                ill_typed_page(&ctx, &path, n, &e);
            }
        };
        let result =
            list_pages_with(ctx.clone(), path.clone(), stem, Listed::Pods, Some(selector.clone()), !covered, on_page)
                .await;
        match result {
            Ok(_) if !pods.is_empty() => {
                let place = Place { selector: selector.clone(), namespace: ns.clone() };
                found_at.push(FoundAt { place, pods: pods.len() });
                found.extend(pods);
            }
            Ok(_) => {}
            Err(f) => failures.push((Place { selector: selector.clone(), namespace: ns.clone() }, f)),
        }
    }
    if found.is_empty() {
        let tried: Vec<Place> =
            places.iter().map(|(n, s)| Place { selector: s.clone(), namespace: n.clone() }).collect();
        let (missing, effect, remedy) = match role {
            Role::Etcd => (Ek::EtcdLogs, Fx::BlocksStorageVerdict, Remedy::FindEtcdLogs),
            _ => (Ek::ApiServerLogs, Fx::NotSeen, Remedy::FindApiServerLogs),
        };
        let rejected = failures.iter().any(|(_, f)| f.status == Some(401));
        let failures = failures.iter().map(|(place, f)| (place.clone(), f.typed())).collect();
        let not_visible = Discovery::NotVisible { role: role.typed(), tried: tried.clone() };
        let reason = ClusterGap::NotDiscovered { role: role.typed(), tried, failures };
        ctx.gap(reason, missing, effect, Some(if rejected { CREDENTIALS_REJECTED } else { remedy }));
        return (found, Some(not_visible));
    }
    for (place, f) in failures {
        ctx.gap(
            ClusterGap::DiscoveryFailed { role: role.typed(), place, failure: f.typed() },
            logs_kind(role),
            Fx::PlaceSkipped,
            remedy_for(&f, Remedy::grant("list", "pods")),
        );
    }
    (found, Some(Discovery::Found { role: role.typed(), found: found_at }))
}

fn control_plane_pod(pod: PodItem) -> Option<ControlPlanePod> {
    let meta = pod.metadata;
    let spec_containers: Vec<String> =
        pod.spec.and_then(|s| s.containers).map(|cs| cs.into_iter().map(|c| c.name).collect()).unwrap_or_default();
    let restarts: std::collections::HashMap<String, i32> = pod
        .status
        .and_then(|s| s.container_statuses)
        .into_iter()
        .flatten()
        .map(|c| (c.name, c.restart_count))
        .collect();
    let containers =
        spec_containers.into_iter().map(|c| (restarts.get(&c).copied().unwrap_or(0), c)).map(|(r, c)| (c, r)).collect();
    Some(ControlPlanePod { namespace: meta.namespace?, pod: meta.name?, uid: meta.uid.unwrap_or_default(), containers })
}

/// Streams one container log to `logs/<ns>_<pod>_<uid>/<container>/<run>.log`.
pub(super) async fn fetch_log(ctx: Arc<Ctx>, t: LogTarget, since: Option<Timestamp>, tail: Option<i64>, role: Role) {
    // This log's share of --max-total-log-bytes is reserved up front (what it does not use is given back), so
    // logs streaming side by side cannot pass the run's budget together.
    let (max, total) = (ctx.opts.max_log_bytes, ctx.opts.max_total_log_bytes);
    let reserved = ctx
        .log_bytes
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| Some(used + max.min(total.saturating_sub(used))))
        .map_or(0, |used| max.min(total.saturating_sub(used)));
    if reserved == 0 {
        let reason = ClusterGap::Log { log: t.log_ref(), problem: LogProblem::OverTotalBudget { total } };
        return ctx.gap(reason, logs_kind(role), Fx::NotCollected, Some(Remedy::RaiseMaxLogBytes));
    }
    let read = fetch_log_within(&ctx, &t, since, tail, role, reserved).await;
    ctx.log_bytes.fetch_sub(reserved - read.min(reserved), Ordering::AcqRel);
}

/// Streams one log, reading at most `limit` bytes (also asked of the server as `limitBytes`, and cut here since a
/// server may ignore it); returns the bytes read.
async fn fetch_log_within(
    ctx: &Arc<Ctx>,
    t: &LogTarget,
    since: Option<Timestamp>,
    tail: Option<i64>,
    role: Role,
    cap: u64,
) -> u64 {
    let params = LogParams {
        container: Some(t.container.clone()),
        previous: t.previous,
        timestamps: true,
        since_time: since
            .and_then(|s| k8s_openapi::jiff::Timestamp::from_nanosecond(s.timestamp_nanos_opt()? as i128).ok()),
        tail_lines: tail,
        limit_bytes: Some(i64::try_from(cap).unwrap_or(i64::MAX)),
        ..Default::default()
    };
    let log_gap = |problem| ClusterGap::Log { log: t.log_ref(), problem };
    let path = format!("/api/v1/namespaces/{}/pods", t.namespace);
    let req = match Request::new(&path).logs(&t.pod, &params) {
        Ok(r) => r,
        Err(e) => {
            let problem = LogProblem::BadRequest { error: e.to_string() };
            ctx.gap(log_gap(problem), logs_kind(role), Fx::NotCollected, None);
            return 0;
        }
    };
    let request = req.uri().to_string();
    let rel = format!("logs/{}_{}_{}/{}/{}.log", t.namespace, t.pod, t.uid, t.container, t.run);
    // The permit is held while the log streams, so --concurrency bounds the streams too.
    let (response, _permit) = match ctx.send(req).await {
        Ok(r) => r,
        Err(f) => {
            // A container that never ran (waiting) or was just replaced has no log: nothing is missing.
            let no_previous = f.status == Some(400) && t.previous && f.server_message().contains("not found");
            let waiting = f.status == Some(400) && !t.previous && f.server_message().contains("waiting to start");
            if !waiting {
                let (missing, effect, remedy) = log_gap_text(role, &f, no_previous);
                ctx.gap(log_gap(LogProblem::Failed { failure: f.typed() }), missing, effect, remedy);
            }
            return 0;
        }
    };
    let mut writer = match ctx.create(&rel) {
        Ok(w) => w,
        Err(e) => {
            let problem = LogProblem::CannotWrite { file: rel.clone(), error: e.to_string() };
            ctx.gap(log_gap(problem), logs_kind(role), Fx::NotCollected, None);
            return 0;
        }
    };
    let mut body = response.into_body();
    let mut state = StreamState::default();
    let mut truncated = None;
    let mut read = 0u64;
    let mut remedy = Remedy::RaiseDeadline;
    loop {
        let limit = (Instant::now() + ctx.opts.request_timeout).min(ctx.deadline);
        match tokio::time::timeout_at(limit, body.frame()).await {
            Err(_) if Instant::now() >= ctx.deadline => {
                truncated = Some(LogCut::Deadline);
                break;
            }
            Err(_) => {
                truncated = Some(LogCut::Stalled);
                break;
            }
            Ok(None) => {
                if read >= cap {
                    // The server stopped at limitBytes: the log goes on past the cap.
                    truncated = Some(LogCut::AtCap {
                        limit: cap,
                        max_log_bytes: ctx.opts.max_log_bytes,
                        server_sent_more: false,
                    });
                    remedy = Remedy::RaiseMaxLogBytes;
                }
                break;
            }
            Ok(Some(Err(e))) => {
                truncated = Some(LogCut::Broke { error: error_chain(&e) });
                break;
            }
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    ctx.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                    let room = usize::try_from(cap - read).unwrap_or(usize::MAX);
                    let kept = &data[..data.len().min(room)];
                    read += kept.len() as u64;
                    if let Err(e) = writer.write_chunk(kept, &mut state) {
                        truncated = Some(LogCut::Write { file: rel.clone(), error: e.to_string() });
                        break;
                    }
                    if kept.len() < data.len() {
                        // The server sent past limitBytes: the rest is not read.
                        let max_log_bytes = ctx.opts.max_log_bytes;
                        truncated = Some(LogCut::AtCap { limit: cap, max_log_bytes, server_sent_more: true });
                        remedy = Remedy::RaiseMaxLogBytes;
                        break;
                    }
                }
            }
        }
    }
    let cut = truncated.is_some();
    if let Some(cut) = truncated {
        ctx.gap(ClusterGap::LogCut { log: t.log_ref(), cut }, logs_kind(role), Fx::Truncated, Some(remedy));
    }
    if let Err(e) = ctx.finish(writer, &rel, &request, cut) {
        let problem = LogProblem::CannotWrite { file: rel.clone(), error: e.to_string() };
        ctx.gap(log_gap(problem), logs_kind(role), Fx::NotCollected, None);
    }
    read
}

fn log_gap_text(role: Role, f: &Failure, no_previous: bool) -> (Ek, Fx, Option<Remedy>) {
    if no_previous {
        return (Ek::PreviousLogs, Fx::NotSeen, None);
    }
    let remedy = match f.status {
        Some(401) => Some(CREDENTIALS_REJECTED),
        Some(403) => Some(Remedy::grant("get", "pods/log")),
        None | Some(500..) => Some(Remedy::AnalyzeOnNode),
        _ => None,
    };
    let effect = match role {
        Role::Etcd => Fx::LowersConfidence,
        Role::ApiServer => Fx::NotSeen,
        Role::Workload => Fx::ChainIncomplete,
    };
    (logs_kind(role), effect, remedy)
}

/// The logs a role's pods write.
fn logs_kind(role: Role) -> Ek {
    match role {
        Role::Etcd => Ek::EtcdLogs,
        Role::ApiServer => Ek::ApiServerLogs,
        Role::Workload => Ek::ContainerLogs,
    }
}

/// The API server's own `/metrics` (its etcd request latency histograms), when permitted.
pub(super) async fn fetch_metrics(ctx: Arc<Ctx>) {
    match ctx.get_bytes("/metrics", None).await {
        Ok(body) => {
            if let Err(e) = ctx.write_file("metrics/kube-apiserver.prom", "/metrics", &body, false) {
                let reason = ClusterGap::ApiServerMetricsUnwritten { error: e.to_string() };
                ctx.gap(reason, Ek::ApiServerMetrics, Fx::NotCollected, None);
            }
        }
        Err(f) => ctx.gap(
            ClusterGap::ApiServerMetrics { failure: f.typed() },
            Ek::ApiServerMetrics,
            Fx::NotSeen,
            remedy_for(&f, Remedy::grant("get", "the non-resource URL /metrics")),
        ),
    }
}

/// Prometheus and etcd /metrics answers, when asked for, kept raw for the reader.
pub(super) async fn fetch_captures(ctx: Arc<Ctx>) {
    let mut captures = Vec::new();
    let mut gaps = Vec::new();
    if let Some(p) = &ctx.opts.prometheus {
        let (from, to) = (ctx.opts.window_from, ctx.opts.window_to);
        let (c, g) = if p.service.is_some() {
            let transport = crate::sources::metrics::Transport::Kube(ctx.client.clone());
            crate::sources::metrics::capture_prometheus_via(&transport, p, from, to).await
        } else {
            crate::sources::metrics::capture_prometheus(p, from, to).await
        };
        captures.extend(c);
        gaps.extend(g);
    }
    if let Some(e) = &ctx.opts.etcd_metrics {
        let (c, g) = crate::sources::metrics::capture_etcd(e).await;
        captures.extend(c);
        gaps.extend(g);
    }
    ctx.gaps.lock().unwrap_or_else(|e| e.into_inner()).extend(gaps);
    for c in captures {
        let rel = format!("metrics/{}.json", c.file_stem());
        let request = match &c.etcd_triage_capture {
            crate::sources::metrics::CaptureKind::PrometheusRange { url, query, .. }
            | crate::sources::metrics::CaptureKind::PrometheusValues { url, query, .. } => {
                format!("{url}/api/v1/query_range?query={query}")
            }
            crate::sources::metrics::CaptureKind::EtcdScrapes { url, .. } => {
                format!("{url}/metrics (twice) and /health")
            }
        };
        match serde_json::to_vec(&c) {
            Ok(bytes) => {
                if let Err(e) = ctx.write_file(&rel, &request, &bytes, false) {
                    let reason = ClusterGap::CaptureUnwritten { file: rel, error: e.to_string() };
                    ctx.gap(reason, Ek::EtcdMetrics, Fx::NotCollected, None);
                }
            }
            Err(e) => {
                let reason = ClusterGap::CaptureUnencoded { file: rel, error: e.to_string() };
                ctx.gap(reason, Ek::EtcdMetrics, Fx::NotCollected, None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_asks_for_fresh_credentials_and_other_failures_keep_their_remedy() {
        let failure = |status| Failure { status, ..Failure::new(ApiProblem::Answered { message: "x".into() }) };
        let grant = Remedy::grant("list", "nodes");
        assert_eq!(remedy_for(&failure(Some(401)), grant.clone()), Some(CREDENTIALS_REJECTED));
        assert_eq!(remedy_for(&failure(Some(403)), grant.clone()), Some(grant.clone()));
        // Not about permissions: no grant is suggested for a timeout, a 5xx or a 404.
        for status in [None, Some(500), Some(503), Some(404)] {
            let remedy = remedy_for(&failure(status), grant.clone());
            assert!(!matches!(remedy, Some(Remedy::Grant { .. })), "{status:?}: {remedy:?}");
        }
        assert_eq!(remedy_for(&failure(None), grant.clone()), Some(Remedy::NoAnswer));
        assert_eq!(remedy_for(&failure(Some(503)), grant), Some(Remedy::ServerFailed { status: 503 }));
        let (_, _, log_remedy) = log_gap_text(Role::Etcd, &failure(Some(401)), false);
        assert_eq!(log_remedy, Some(CREDENTIALS_REJECTED));
    }
}
