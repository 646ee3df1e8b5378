//! Words for the gaps of a live collection: what a request to the API server left out, and why.

use std::time::Duration;

use crate::evidence::{
    ApiFailure, ApiProblem, ClusterGap, Collector, GaveUp, ListCut, Listed, LogCut, LogProblem, LogRef, Place, PodRole,
};

pub(super) fn what(g: &ClusterGap) -> String {
    match g {
        ClusterGap::Throttled { .. } => "API requests throttled".into(),
        ClusterGap::Version { .. } => "cluster version (/version)".into(),
        ClusterGap::List { objects, path, .. } => format!("{} ({path})", listed(*objects)),
        ClusterGap::ListCut { objects, path, after_page, .. } => {
            format!("{} after page {after_page} ({path})", listed(*objects))
        }
        ClusterGap::PodItem { path, page, index, .. } => format!("pods page {page} items[{index}] ({path})"),
        ClusterGap::PodPage { path, page, .. } => format!("pods page {page} ({path})"),
        ClusterGap::ContainerLogsSkipped { skipped, first, .. } => {
            let names: Vec<String> = first.iter().map(|(ns, pod)| format!("{ns}/{pod}")).collect();
            format!(
                "logs of {skipped} more restarted containers ({}{})",
                names.join(", "),
                if *skipped > names.len() { ", ..." } else { "" }
            )
        }
        ClusterGap::NotDiscovered { role, .. } => match role {
            PodRole::Etcd => "etcd member logs".into(),
            _ => "kube-apiserver logs".into(),
        },
        ClusterGap::DiscoveryFailed { role, .. } => format!("{} discovery", role_name(*role)),
        ClusterGap::Log { log, .. } => log_name(log),
        ClusterGap::LogCut { log, .. } => format!("the end of the {}", log_name(log)),
        ClusterGap::ApiServerMetrics { .. } | ClusterGap::ApiServerMetricsUnwritten { .. } => {
            "kube-apiserver /metrics".into()
        }
        ClusterGap::CaptureUnwritten { file, .. } | ClusterGap::CaptureUnencoded { file, .. } => file.clone(),
        ClusterGap::CollectorLost { collector, .. } => collector_name(collector),
    }
}

pub(super) fn why(g: &ClusterGap) -> String {
    match g {
        ClusterGap::Throttled { answers, waited_secs, max_retries, max_wait_secs, gave_up } => format!(
            "the API server throttled {answers} answer(s) (429 Too Many Requests, or 503 with Retry-After); the run \
             waited {} in all as Retry-After asked (at most {max_retries} retries of at most {} each); {gave_up} \
             request(s) still throttled were given up",
            humantime::format_duration(Duration::from_secs(*waited_secs)),
            humantime::format_duration(Duration::from_secs(*max_wait_secs)),
        ),
        ClusterGap::Version { failure }
        | ClusterGap::List { failure, .. }
        | ClusterGap::ApiServerMetrics { failure } => api_failure(failure),
        ClusterGap::ListCut { after_page, cut, .. } => match cut {
            ListCut::Failed { failure } => api_failure(failure),
            ListCut::RepeatedToken { items } => format!(
                "page {after_page} handed back a continue token the API server had already given (it would serve the \
                 same pages again); paging stopped after {after_page} pages ({items} items kept)"
            ),
            ListCut::TooManyPages { max_pages, items } => {
                format!("the list did not end within {max_pages} pages; paging stopped ({items} items kept)")
            }
        },
        ClusterGap::PodItem { item, .. } => format!("not a pod as Kubernetes writes it: {}", super::bad_item(item)),
        ClusterGap::PodPage { error, .. } => format!("the page is not a Kubernetes list past a point: {error}"),
        ClusterGap::ContainerLogsSkipped { max, .. } => {
            format!("--max-container-logs {max} reached (most restarted and crash-looping first)")
        }
        ClusterGap::NotDiscovered { tried, failures, .. } => {
            let tried: Vec<String> = tried.iter().map(place).collect();
            if failures.is_empty() {
                format!("no pod matched {}", tried.join(", "))
            } else {
                let described: Vec<String> =
                    failures.iter().map(|(p, f)| format!("{}: {}", place(p), api_failure(f))).collect();
                format!("no pod found; tried {}; failures: {}", tried.join(", "), described.join("; "))
            }
        }
        ClusterGap::DiscoveryFailed { place: p, failure, .. } => format!("{}: {}", place(p), api_failure(failure)),
        ClusterGap::Log { problem, .. } => match problem {
            LogProblem::OverTotalBudget { total } => {
                format!("not fetched: the run's logs reached --max-total-log-bytes {total} bytes")
            }
            LogProblem::BadRequest { error } => error.clone(),
            LogProblem::Failed { failure } => api_failure(failure),
            LogProblem::CannotWrite { file, error } => format!("cannot write {file}: {error}"),
        },
        ClusterGap::LogCut { cut, .. } => match cut {
            LogCut::Deadline => "cut short by the --deadline".into(),
            LogCut::Stalled => "the stream stalled for --request-timeout".into(),
            LogCut::AtCap { limit, max_log_bytes, server_sent_more } => {
                let cap = if limit >= max_log_bytes {
                    format!("--max-log-bytes {max_log_bytes}")
                } else {
                    format!("what was left ({limit} bytes) of --max-total-log-bytes")
                };
                let how = if *server_sent_more { "; the server sent more although asked for limitBytes" } else { "" };
                format!("cut after {limit} bytes at {cap}{how}")
            }
            LogCut::Broke { error } => format!("the stream broke: {error}"),
            LogCut::Write { file, error } => format!("writing {file}: {error}"),
        },
        ClusterGap::ApiServerMetricsUnwritten { error } | ClusterGap::CaptureUnwritten { error, .. } => {
            format!("cannot write it: {error}")
        }
        ClusterGap::CaptureUnencoded { error, .. } => error.clone(),
        ClusterGap::CollectorLost { collector, panicked, panic } => {
            let name = collector_name(collector);
            if *panicked {
                format!("collector {name} panicked: {}", panic.as_deref().unwrap_or("(no message)"))
            } else {
                format!("collector {name} was cancelled")
            }
        }
    }
}

/// A failed request as a gap states it: `403 Forbidden: pods is forbidden: ...`.
pub fn api_failure(f: &ApiFailure) -> String {
    match f.status {
        Some(code) => format!("{code} {}: {}", reason_phrase(code), api_message(f)),
        None => api_message(f),
    }
}

/// What went wrong, without the status (`no answer within --request-timeout 10s`).
/// The failure's message, as collection errors print it (`CollectError` words it through this impl, so the
/// collector names no report module).
impl std::fmt::Display for ApiFailure {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.write_str(&api_message(self))
    }
}

pub fn api_message(f: &ApiFailure) -> String {
    let message = match &f.problem {
        ApiProblem::Answered { message } => message.clone(),
        ApiProblem::ShutDown => "shut down".into(),
        ApiProblem::Deadline => "not answered before the --deadline".into(),
        ApiProblem::RequestTimeout { timeout_ms } => format!(
            "no answer within --request-timeout {}",
            humantime::format_duration(Duration::from_millis(*timeout_ms))
        ),
        ApiProblem::Transport { error } | ApiProblem::BadRequest { error } => error.clone(),
        ApiProblem::Stalled => "the answer stalled (timeout)".into(),
        ApiProblem::TooLarge { cap_bytes, read_bytes } => format!(
            "the answer is larger than --max-response-bytes {cap_bytes} bytes ({read_bytes} read when it was dropped)"
        ),
        ApiProblem::NotAList { error } => format!("the answer is not a Kubernetes list: {error}"),
        ApiProblem::Write { file, error } => format!("writing {file}: {error}"),
    };
    match &f.gave_up {
        None => message,
        Some(GaveUp::AfterRetries { retries }) => format!("{message} (still throttled after {retries} retries)"),
        Some(GaveUp::WouldPassDeadline { wait_secs }) => {
            format!("{message} (throttled; waiting {wait_secs}s more would pass the --deadline)")
        }
    }
}

fn reason_phrase(code: u16) -> &'static str {
    http::StatusCode::from_u16(code).ok().and_then(|c| c.canonical_reason()).unwrap_or("")
}

fn listed(l: Listed) -> &'static str {
    match l {
        Listed::Pods => "pods",
        Listed::Nodes => "nodes",
        Listed::Events => "events",
        Listed::EventsK8sIo => "events.k8s.io events",
    }
}

/// A pod role as gaps and discovery name it (`etcd`, `kube-apiserver`).
pub fn role_name(r: PodRole) -> &'static str {
    match r {
        PodRole::Etcd => "etcd",
        PodRole::ApiServer => "kube-apiserver",
        PodRole::Workload => "workload",
    }
}

fn place(p: &Place) -> String {
    format!("{} in {}", p.selector, p.namespace)
}

fn log_name(l: &LogRef) -> String {
    let which = if l.previous { "previous log" } else { "log" };
    format!("{which} of {}/{} container {}", l.namespace, l.pod, l.container)
}

fn collector_name(c: &Collector) -> String {
    match c {
        Collector::EtcdDiscovery => "etcd discovery".into(),
        Collector::ApiServerDiscovery => "kube-apiserver discovery".into(),
        Collector::WorkloadPods => "workload pod list".into(),
        Collector::Nodes => "node list".into(),
        Collector::Metrics => "metrics".into(),
        Collector::MetricCaptures => "metric captures".into(),
        Collector::List { path } => format!("list {path}"),
        Collector::Log { role, log } => format!(
            "{} log of {}/{}/{}{}",
            role_name(*role),
            log.namespace,
            log.pod,
            log.container,
            if log.previous { " (previous)" } else { "" }
        ),
        Collector::Unnamed => "(unnamed)".into(),
    }
}
