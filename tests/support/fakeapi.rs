//! A small fake Kubernetes API server for tests: HTTP or HTTPS (generated CA, bearer token) on 127.0.0.1, serving
//! real Kubernetes JSON (lab captures or k8s-openapi objects) with the list semantics the tool relies on
//! (limit/continue pagination, label and field selectors), pod logs (`previous`, `timestamps`, `sinceTime`,
//! `sinceSeconds`, `tailLines`, `limitBytes`), events in core/v1 and events.k8s.io/v1, `/version`, `/metrics`, an
//! RBAC authorizer fed from `deploy/rbac.yaml`, and injected failures (403, 401, 404, 5xx, slow answers).
//! Every request is recorded so tests can assert what the tool asked for.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future as _;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http_body::{Body, Frame};
use http_body_util::Full;
use hyper::{Request, Response};
use serde_json::{Value, json};

mod scale;
#[allow(unused_imports)] // used by the benchmark
pub use scale::{scale_scenario, static_pod};

/// What the server serves.
pub struct Scenario {
    pub version: Value,
    pub pods: Vec<Value>,
    /// core/v1 Events; events.k8s.io/v1 is served by converting them, as the real API server does.
    pub events: Vec<Value>,
    pub nodes: Vec<Value>,
    pub logs: HashMap<LogKey, LogBody>,
    pub metrics: Option<String>,
    pub faults: Vec<Fault>,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// When set, requests the rules do not allow get 403.
    pub rbac: Option<Rbac>,
    /// Service proxies: (`/api/v1/namespaces/NS/services/NAME:PORT/proxy`, `http://127.0.0.1:PORT`); GETs under the
    /// prefix are forwarded to the target like the API server's proxy does.
    pub proxies: Vec<(String, String)>,
}

#[derive(Hash, Eq, PartialEq, Clone, Debug)]
pub struct LogKey {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
}

pub enum LogBody {
    Lines(Vec<(DateTime<Utc>, String)>),
    /// Produced while streaming (never held in memory): cycles through `messages`, one line per `step` from
    /// `start`, until `total_bytes` of message bytes were sent. `tailLines` is not applied to it.
    Generated {
        messages: Vec<String>,
        start: DateTime<Utc>,
        step: Duration,
        total_bytes: u64,
    },
}

pub enum Fault {
    Forbidden {
        path_prefix: String,
    },
    Unauthorized {
        path_prefix: String,
    },
    Delay {
        path_prefix: String,
        delay: Duration,
    },
    ServerError {
        path_prefix: String,
        code: u16,
    },
    NotFound {
        path_prefix: String,
    },
    /// Only `previous=true` log requests under the prefix fail with `code`, as when the kubelet no longer has the
    /// previous run's log (400, the API server's own wording) or the pod was replaced meanwhile (404).
    PreviousLogGone {
        path_prefix: String,
        code: u16,
    },
    /// The answer's head comes at once, its body only after `delay` (a kubelet slow to stream a log).
    SlowBody {
        path_prefix: String,
        delay: Duration,
    },
    /// Lists under the prefix hand back the `continue` token they were asked with (the next items, but the same
    /// token again), as a broken or hostile server would: a client that follows it pages forever.
    StuckContinue {
        path_prefix: String,
    },
    /// Lists under the prefix never end: every page is the first page again, with a fresh `continue` token.
    EndlessContinue {
        path_prefix: String,
    },
    /// The first `times` requests under the prefix get `code` (429 or 503) with `Retry-After: <retry_after>`
    /// seconds (no header when `None`); `usize::MAX` throttles forever. `served` counts the throttled answers.
    Throttle {
        path_prefix: String,
        code: u16,
        retry_after: Option<u64>,
        times: usize,
        served: AtomicUsize,
    },
    /// Log requests under the prefix ignore `limitBytes` (a hostile or broken server).
    IgnoreLimitBytes {
        path_prefix: String,
    },
}

impl Fault {
    /// Throttles the first `times` requests under `path_prefix` with 429 and `Retry-After: retry_after`.
    pub fn throttle(path_prefix: &str, code: u16, retry_after: Option<u64>, times: usize) -> Fault {
        Fault::Throttle { path_prefix: path_prefix.into(), code, retry_after, times, served: AtomicUsize::new(0) }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub denied_by_rbac: bool,
    pub bytes_sent: u64,
    /// The `Impersonate-User`, `Impersonate-Group` (each one) and `Impersonate-Uid` headers as sent.
    pub impersonate_user: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
}

impl Recorded {
    /// The query parameters, decoded as the server reads them.
    pub fn params(&self) -> HashMap<String, String> {
        query_map(&self.query)
    }
}

/// ClusterRole rules.
#[derive(Debug, Clone)]
pub struct Rbac {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    api_groups: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    verbs: Vec<String>,
    #[serde(default, rename = "nonResourceURLs")]
    non_resource_urls: Vec<String>,
}

impl Rbac {
    /// Reads the first `kind: ClusterRole` document of a (multi-document) YAML file.
    pub fn from_yaml_file(path: &Path) -> Self {
        #[derive(serde::Deserialize)]
        struct Doc {
            kind: String,
            #[serde(default)]
            rules: Vec<Rule>,
        }
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        for doc in text.split("\n---") {
            if doc.trim().is_empty() {
                continue;
            }
            let parsed: Doc = serde_saphyr::from_str(doc)
                .unwrap_or_else(|e| panic!("{}: not a Kubernetes object: {e}", path.display()));
            if parsed.kind == "ClusterRole" {
                return Rbac { rules: parsed.rules };
            }
        }
        panic!("{}: no ClusterRole", path.display());
    }

    fn allows(&self, a: &Attributes) -> bool {
        let any = |list: &[String], want: &str| list.iter().any(|v| v == "*" || v == want);
        self.rules.iter().any(|r| {
            if !any(&r.verbs, &a.verb) {
                return false;
            }
            match &a.non_resource {
                Some(path) => r.non_resource_urls.iter().any(|u| {
                    u == path || u == "*" || u.strip_suffix('*').is_some_and(|prefix| path.starts_with(prefix))
                }),
                None => {
                    let resource = match &a.subresource {
                        Some(sub) => format!("{}/{sub}", a.resource),
                        None => a.resource.clone(),
                    };
                    any(&r.api_groups, &a.group) && any(&r.resources, &resource)
                }
            }
        })
    }
}

/// What the authorizer decides on.
#[derive(Debug)]
struct Attributes {
    verb: String,
    group: String,
    resource: String,
    subresource: Option<String>,
    namespace: Option<String>,
    non_resource: Option<String>,
}

fn default_version() -> Value {
    json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0", "gitCommit": "0000000000000000000000000000000000000000",
           "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0",
           "compiler": "gc", "platform": "linux/amd64"})
}

impl Scenario {
    pub fn empty() -> Self {
        Scenario {
            version: default_version(),
            pods: Vec::new(),
            events: Vec::new(),
            nodes: Vec::new(),
            logs: HashMap::new(),
            metrics: None,
            faults: Vec::new(),
            token: None,
            rbac: None,
            proxies: Vec::new(),
        }
    }

    /// Loads a fixture directory (`pods.json`, `events.json`, `nodes.json`, `var/log/pods/...` CRI files). For each
    /// container the highest-numbered log is the current one and the next the previous one (the API keeps no more).
    pub fn from_fixture(dir: &Path) -> Self {
        let mut s = Scenario::empty();
        let items = |name: &str| -> Vec<Value> {
            let path = dir.join(name);
            if !path.exists() {
                return Vec::new();
            }
            let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            v["items"].as_array().cloned().unwrap_or_default()
        };
        s.pods = items("pods.json");
        s.events = items("events.json");
        s.nodes = items("nodes.json");
        let pods_dir = dir.join("var/log/pods");
        for entry in std::fs::read_dir(&pods_dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let parts: Vec<&str> = name.splitn(3, '_').collect();
            let [namespace, pod, _uid] = parts[..] else { continue };
            for container in std::fs::read_dir(entry.path()).unwrap().flatten() {
                let mut runs: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(container.path())
                    .unwrap()
                    .flatten()
                    .filter_map(|f| {
                        let n = f.file_name().to_string_lossy().strip_suffix(".log")?.parse().ok()?;
                        Some((n, f.path()))
                    })
                    .collect();
                runs.sort();
                let container_name = container.file_name().to_string_lossy().into_owned();
                for (previous, (_, path)) in [false, true].into_iter().zip(runs.iter().rev()) {
                    let key = LogKey {
                        namespace: namespace.into(),
                        pod: pod.into(),
                        container: container_name.clone(),
                        previous,
                    };
                    s.logs.insert(key, LogBody::Lines(read_cri(path)));
                }
            }
        }
        s
    }
}

/// CRI lines `<RFC3339Nano> <stream> <F|P> <msg>`; partial (P) lines join the next, as the kubelet does.
fn read_cri(path: &Path) -> Vec<(DateTime<Utc>, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut partial = String::new();
    for line in text.lines() {
        let mut it = line.splitn(4, ' ');
        let (Some(ts), Some(_stream), Some(tag)) = (it.next(), it.next(), it.next()) else { continue };
        let msg = it.next().unwrap_or("");
        let Ok(ts) = DateTime::parse_from_rfc3339(ts) else { continue };
        partial.push_str(msg);
        if tag == "F" {
            out.push((ts.to_utc(), std::mem::take(&mut partial)));
        }
    }
    out
}

/// A port nothing listens on.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("https://127.0.0.1:{port}")
}

struct State {
    scenario: Scenario,
    requests: Arc<Mutex<Vec<Recorded>>>,
    in_flight: Arc<InFlight>,
}

/// Requests being answered now (from arrival until the body was sent or abandoned) and the most seen at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// One request in flight; counted down when dropped (answer sent, or the client went away).
struct InFlightGuard(Arc<InFlight>);

impl InFlightGuard {
    fn enter(counter: &Arc<InFlight>) -> Self {
        let n = counter.now.fetch_add(1, Ordering::SeqCst) + 1;
        counter.peak.fetch_max(n, Ordering::SeqCst);
        InFlightGuard(counter.clone())
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct FakeApi {
    url: String,
    ca_pem: Option<String>,
    token: Option<String>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    in_flight: Arc<InFlight>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type ResBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

impl FakeApi {
    pub fn start(scenario: Scenario) -> FakeApi {
        Self::launch(scenario, None)
    }

    pub fn start_https(scenario: Scenario) -> FakeApi {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "fake-kubernetes-ca");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        leaf.subject_alt_names.push(SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])));
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        Self::start_tls(scenario, vec![leaf_cert.der().to_vec()], leaf_key.serialize_der(), ca_cert.pem())
    }

    /// HTTPS with the given serving certificate chain (DER, leaf first) and PKCS#8 key; `ca_pem` is what clients
    /// are told to trust (`ca_pem()`, and the kubeconfig `write_kubeconfig` writes).
    pub fn start_tls(scenario: Scenario, chain: Vec<Vec<u8>>, key_pkcs8: Vec<u8>, ca_pem: String) -> FakeApi {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                chain.into_iter().map(rustls::pki_types::CertificateDer::from).collect(),
                rustls::pki_types::PrivateKeyDer::try_from(key_pkcs8).unwrap(),
            )
            .unwrap();
        let mut api = Self::launch(scenario, Some(Arc::new(config)));
        api.ca_pem = Some(ca_pem);
        api
    }

    fn launch(scenario: Scenario, tls: Option<Arc<rustls::ServerConfig>>) -> FakeApi {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let token = scenario.token.clone();
        let in_flight = Arc::new(InFlight::default());
        let state = Arc::new(State { scenario, requests: requests.clone(), in_flight: in_flight.clone() });
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                    };
                    let state = state.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(handle(state, req).await) }
                        });
                        let builder = hyper::server::conn::http1::Builder::new();
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(tls) = acceptor.accept(stream).await {
                                    let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
                                }
                            }
                            None => {
                                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        FakeApi {
            url: format!("http://{addr}"),
            ca_pem: None,
            token,
            requests,
            in_flight,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        if self.ca_pem.is_some() { self.url.replacen("http://", "https://", 1) } else { self.url.clone() }
    }

    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Writes a kubeconfig with one cluster, user and context named `context`.
    pub fn write_kubeconfig(&self, path: &Path, context: &str) {
        use base64::Engine as _;
        let mut cluster = format!("    server: {}\n", self.url());
        if let Some(ca) = &self.ca_pem {
            let data = base64::engine::general_purpose::STANDARD.encode(ca);
            cluster.push_str(&format!("    certificate-authority-data: {data}\n"));
        }
        let user = match &self.token {
            Some(t) => format!("    token: {t}\n"),
            None => "    username: tester\n".to_string(),
        };
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n{cluster}contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\ncurrent-context: {context}\nusers:\n- name: {context}\n  user:\n{user}"
        );
        std::fs::write(path, text).unwrap();
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same time (arrival to the end of the body).
    pub fn peak_in_flight(&self) -> usize {
        self.in_flight.peak.load(Ordering::SeqCst)
    }

    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.shut();
    }
}

fn full(bytes: impl Into<Bytes>) -> ResBody {
    use http_body_util::BodyExt as _;
    Full::new(bytes.into()).boxed()
}

fn status_body(code: u16, reason: &str, message: &str) -> Response<ResBody> {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": message, "reason": reason, "code": code});
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(full(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_map(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Maps a request to authorizer attributes like the real API server.
fn attributes(segments: &[&str]) -> Attributes {
    let mut a = Attributes {
        verb: "get".into(),
        group: String::new(),
        resource: String::new(),
        subresource: None,
        namespace: None,
        non_resource: None,
    };
    let rest: &[&str] = match segments {
        ["api", "v1", rest @ ..] => rest,
        ["apis", group, _version, rest @ ..] => {
            a.group = group.to_string();
            rest
        }
        _ => {
            a.non_resource = Some(format!("/{}", segments.join("/")));
            return a;
        }
    };
    let rest = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => {
            a.namespace = Some(ns.to_string());
            rest
        }
        other => other,
    };
    match rest {
        [resource] => {
            a.resource = resource.to_string();
            a.verb = "list".into();
        }
        [resource, _name] => a.resource = resource.to_string(),
        [resource, _name, sub, ..] => {
            a.resource = resource.to_string();
            a.subresource = Some(sub.to_string());
        }
        [] => a.resource = String::new(),
    }
    a
}

async fn handle(state: Arc<State>, req: Request<hyper::body::Incoming>) -> Response<ResBody> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let guard = InFlightGuard::enter(&state.in_flight);
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let impersonate_groups: Vec<String> =
        req.headers().get_all("impersonate-group").iter().filter_map(|v| v.to_str().ok().map(str::to_string)).collect();
    let index = {
        let mut r = state.requests.lock().unwrap();
        r.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            status: 0,
            denied_by_rbac: false,
            bytes_sent: 0,
            impersonate_user: header("impersonate-user"),
            impersonate_groups,
            impersonate_uid: header("impersonate-uid"),
        });
        r.len() - 1
    };
    let (response, denied) = route(&state, &req, &method, &path, &query).await;
    use http_body_util::BodyExt as _;
    let mut r = state.requests.lock().unwrap();
    r[index].status = response.status().as_u16();
    r[index].denied_by_rbac = denied;
    r[index].bytes_sent = response.body().size_hint().exact().unwrap_or(0);
    drop(r);
    // Streamed bodies report what they sent when they finish.
    let (parts, body) = response.into_parts();
    let slow = state.scenario.faults.iter().find_map(|f| match f {
        Fault::SlowBody { path_prefix, delay } if path.starts_with(path_prefix.as_str()) => Some(*delay),
        _ => None,
    });
    let body = match slow {
        Some(delay) => Delayed { sleep: Box::pin(tokio::time::sleep(delay)), inner: body }.boxed(),
        None => body,
    };
    let counted = Counted { inner: body, requests: state.requests.clone(), index, sent: 0, _in_flight: guard };
    Response::from_parts(parts, counted.boxed())
}

async fn route(
    state: &State,
    req: &Request<hyper::body::Incoming>,
    method: &str,
    path: &str,
    query: &str,
) -> (Response<ResBody>, bool) {
    let s = &state.scenario;
    for f in &s.faults {
        if let Fault::Delay { path_prefix, delay } = f
            && path.starts_with(path_prefix.as_str())
        {
            tokio::time::sleep(*delay).await;
        }
    }
    for f in &s.faults {
        let hit = |p: &String| path.starts_with(p.as_str());
        match f {
            Fault::Forbidden { path_prefix } if hit(path_prefix) => {
                return (
                    status_body(
                        403,
                        "Forbidden",
                        &format!(
                            "{path} is forbidden: User \"system:serviceaccount:default:triage\" cannot get path \"{path}\""
                        ),
                    ),
                    false,
                );
            }
            Fault::Unauthorized { path_prefix } if hit(path_prefix) => {
                return (status_body(401, "Unauthorized", "Unauthorized"), false);
            }
            Fault::ServerError { path_prefix, code } if hit(path_prefix) => {
                return (
                    status_body(*code, "InternalError", "the server is currently unable to handle the request"),
                    false,
                );
            }
            Fault::Throttle { path_prefix, code, retry_after, times, served }
                if hit(path_prefix) && served.fetch_add(1, Ordering::SeqCst) < *times =>
            {
                let mut answer = status_body(*code, "TooManyRequests", "the server has received too many requests");
                if let Some(secs) = retry_after {
                    answer.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
                }
                return (answer, false);
            }
            Fault::NotFound { path_prefix } if hit(path_prefix) => {
                return (status_body(404, "NotFound", "the server could not find the requested resource"), false);
            }
            Fault::PreviousLogGone { path_prefix, code }
                if hit(path_prefix) && query_map(query).get("previous").is_some_and(|v| v == "true") =>
            {
                let pod = path.trim_end_matches("/log").rsplit('/').next().unwrap_or("");
                let q = query_map(query);
                let container = q.get("container").map(String::as_str).unwrap_or("");
                let answer = match code {
                    404 => status_body(404, "NotFound", &format!("pods \"{pod}\" not found")),
                    _ => status_body(
                        *code,
                        "BadRequest",
                        &format!("previous terminated container \"{container}\" in pod \"{pod}\" not found"),
                    ),
                };
                return (answer, false);
            }
            _ => {}
        }
    }
    if let Some(token) = &s.token {
        let sent = req.headers().get("authorization").and_then(|v| v.to_str().ok());
        if sent != Some(&format!("Bearer {token}")) {
            return (status_body(401, "Unauthorized", "Unauthorized"), false);
        }
    }
    // The API server's impersonation filter: groups or a UID without a user are refused.
    let impersonating = |name: &str| req.headers().contains_key(name);
    if (impersonating("impersonate-group") || impersonating("impersonate-uid")) && !impersonating("impersonate-user") {
        return (status_body(500, "InternalError", "requested impersonation without impersonating a user"), false);
    }
    if method != "GET" {
        return (status_body(405, "MethodNotAllowed", &format!("{method} is not supported by the fake")), false);
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let attrs = attributes(&segments);
    if let Some(rbac) = &s.rbac
        && !rbac.allows(&attrs)
    {
        let scope = match &attrs.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let message = match &attrs.non_resource {
            Some(p) => format!("forbidden: User \"system:serviceaccount:default:triage\" cannot get path \"{p}\""),
            None => format!(
                "{} is forbidden: User \"system:serviceaccount:default:triage\" cannot {} resource \"{}{}\" in API group \"{}\" {scope}",
                attrs.resource,
                attrs.verb,
                attrs.resource,
                attrs.subresource.as_ref().map(|s| format!("/{s}")).unwrap_or_default(),
                attrs.group
            ),
        };
        return (status_body(403, "Forbidden", &message), true);
    }
    for (prefix, target) in &s.proxies {
        if let Some(rest) = path.strip_prefix(prefix.as_str()) {
            let url = format!("{target}{rest}?{query}");
            let forwarded = tokio::task::spawn_blocking(move || forward(&url)).await.unwrap();
            return match forwarded {
                Ok((code, body)) => (
                    Response::builder()
                        .status(code)
                        .header("content-type", "application/json")
                        .body(full(body))
                        .unwrap(),
                    false,
                ),
                Err(e) => {
                    (status_body(503, "ServiceUnavailable", &format!("error trying to reach service: {e}")), false)
                }
            };
        }
    }
    let q = query_map(query);
    let response = match segments.as_slice() {
        ["version"] => json_response(&s.version),
        ["metrics"] => match &s.metrics {
            Some(text) => Response::builder()
                .header("content-type", "text/plain; version=0.0.4")
                .body(full(text.clone()))
                .unwrap(),
            None => status_body(404, "NotFound", "the server could not find the requested resource"),
        },
        ["api", "v1", resource] => list(s, path, resource, None, &q, false),
        ["api", "v1", "namespaces", ns, resource] => list(s, path, resource, Some(ns), &q, false),
        ["apis", "events.k8s.io", "v1", "events"] => list(s, path, "events", None, &q, true),
        ["apis", "events.k8s.io", "v1", "namespaces", ns, "events"] => list(s, path, "events", Some(ns), &q, true),
        ["api", "v1", "namespaces", ns, "pods", name, "log"] => log(s, path, ns, name, &q),
        _ => status_body(404, "NotFound", "the server could not find the requested resource"),
    };
    (response, false)
}

fn json_response(v: &Value) -> Response<ResBody> {
    Response::builder().header("content-type", "application/json").body(full(serde_json::to_vec(v).unwrap())).unwrap()
}

fn lookup<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |v, k| v.get(k))
}

fn as_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Splits a selector at top-level commas (not inside `in (a,b)`).
fn requirements(sel: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in sel.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect()
}

fn label_matches(labels: Option<&Value>, sel: &str) -> bool {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(|v| v.as_str());
    requirements(sel).iter().all(|req| {
        let set = |rest: &str| -> Vec<String> {
            rest.trim().trim_start_matches('(').trim_end_matches(')').split(',').map(|s| s.trim().to_string()).collect()
        };
        if let Some((k, rest)) = req.split_once(" notin ") {
            return get(k.trim()).is_none_or(|v| !set(rest).iter().any(|s| s == v));
        }
        if let Some((k, rest)) = req.split_once(" in ") {
            return get(k.trim()).is_some_and(|v| set(rest).iter().any(|s| s == v));
        }
        if let Some((k, v)) = req.split_once("!=") {
            return get(k.trim()) != Some(v.trim());
        }
        if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return get(k.trim()) == Some(v.trim());
        }
        match req.strip_prefix('!') {
            Some(k) => get(k.trim()).is_none(),
            None => get(req).is_some(),
        }
    })
}

fn field_matches(item: &Value, sel: &str) -> bool {
    requirements(sel).iter().all(|req| {
        if let Some((k, v)) = req.split_once("!=") {
            return as_text(lookup(item, k.trim())) != v.trim();
        }
        if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return as_text(lookup(item, k.trim())) == v.trim();
        }
        true
    })
}

/// core/v1 Event -> events.k8s.io/v1 Event, as the API server converts them.
pub fn to_events_v1(e: &Value) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!("events.k8s.io/v1"));
    let mut put = |k: &str, v: Option<&Value>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            out.insert(k.into(), v.clone());
        }
    };
    put("metadata", e.get("metadata"));
    // eventTime is required in events.k8s.io/v1; old-style events get their first timestamp.
    let event_time = e.get("eventTime").filter(|v| !v.is_null()).cloned().or_else(|| {
        let t = e.get("firstTimestamp").or_else(|| e.pointer("/metadata/creationTimestamp"))?.as_str()?;
        let t = DateTime::parse_from_rfc3339(t).ok()?.to_utc();
        Some(json!(t.to_rfc3339_opts(SecondsFormat::Micros, true)))
    });
    put("eventTime", event_time.as_ref());
    put("series", e.get("series"));
    put(
        "reportingController",
        e.get("reportingComponent")
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            .or_else(|| e.pointer("/source/component")),
    );
    put(
        "reportingInstance",
        e.get("reportingInstance")
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            .or_else(|| e.pointer("/source/host")),
    );
    put("action", e.get("action"));
    put("reason", e.get("reason"));
    put("regarding", e.get("involvedObject"));
    put("related", e.get("related"));
    put("note", e.get("message"));
    put("type", e.get("type"));
    put("deprecatedSource", e.get("source"));
    put("deprecatedFirstTimestamp", e.get("firstTimestamp"));
    put("deprecatedLastTimestamp", e.get("lastTimestamp"));
    put("deprecatedCount", e.get("count"));
    Value::Object(out)
}

fn sort_key(v: &Value) -> (String, String) {
    (as_text(v.pointer("/metadata/namespace")), as_text(v.pointer("/metadata/name")))
}

fn list(
    s: &Scenario,
    path: &str,
    resource: &str,
    ns: Option<&str>,
    q: &HashMap<String, String>,
    v1_events: bool,
) -> Response<ResBody> {
    let (source, kind): (&[Value], &str) = match resource {
        "pods" => (&s.pods, "PodList"),
        "nodes" if ns.is_none() => (&s.nodes, "NodeList"),
        "events" => (&s.events, "EventList"),
        _ => return status_body(404, "NotFound", "the server could not find the requested resource"),
    };
    let converted: Vec<Value>;
    let source: &[Value] = if v1_events {
        converted = source.iter().map(to_events_v1).collect();
        &converted
    } else {
        source
    };
    let mut items: Vec<&Value> = source
        .iter()
        .filter(|i| ns.is_none_or(|ns| as_text(i.pointer("/metadata/namespace")) == ns))
        .filter(|i| q.get("labelSelector").is_none_or(|sel| label_matches(i.pointer("/metadata/labels"), sel)))
        .filter(|i| q.get("fieldSelector").is_none_or(|sel| field_matches(i, sel)))
        .collect();
    items.sort_by_key(|i| sort_key(i));
    let hit = |f: &Fault| match f {
        Fault::StuckContinue { path_prefix } => path.starts_with(path_prefix.as_str()).then_some(true),
        Fault::EndlessContinue { path_prefix } => path.starts_with(path_prefix.as_str()).then_some(false),
        _ => None,
    };
    let broken = s.faults.iter().find_map(hit);
    let token = q.get("continue").filter(|c| !c.is_empty());
    let offset = match token {
        None => 0,
        Some(_) if broken == Some(false) => 0,
        Some(token) => match token.strip_prefix("o:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n <= items.len() => n,
            _ => return status_body(410, "Expired", "The provided continue parameter is too old or invalid"),
        },
    };
    let limit = q.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
    let end = offset.saturating_add(limit).min(items.len());
    let mut metadata = json!({"resourceVersion": "424242"});
    if end < items.len() {
        metadata["continue"] = json!(format!("o:{end}"));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    match (broken, token) {
        (Some(true), Some(token)) => metadata["continue"] = json!(token),
        (Some(false), _) => {
            let n = q.get("continue").and_then(|t| t.strip_prefix("n:")?.parse::<u64>().ok()).unwrap_or(0);
            metadata["continue"] = json!(format!("n:{}", n + 1));
        }
        _ => {}
    }
    let api_version = if v1_events { "events.k8s.io/v1" } else { "v1" };
    let page = json!({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": &items[offset..end]});
    json_response(&page)
}

fn log(s: &Scenario, path: &str, ns: &str, name: &str, q: &HashMap<String, String>) -> Response<ResBody> {
    let Some(pod) = s.pods.iter().find(|p| sort_key(p) == (ns.to_string(), name.to_string())) else {
        return status_body(404, "NotFound", &format!("pods \"{name}\" not found"));
    };
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(|c| c.as_array())
        .map(|cs| cs.iter().map(|c| as_text(c.get("name"))).collect())
        .unwrap_or_default();
    let container = match q.get("container") {
        Some(c) => c.clone(),
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return status_body(
                400,
                "BadRequest",
                &format!("a container name must be specified for pod {name}, choose one of: {containers:?}"),
            );
        }
    };
    if !containers.is_empty() && !containers.contains(&container) {
        return status_body(400, "BadRequest", &format!("container {container} is not valid for pod {name}"));
    }
    let previous = q.get("previous").is_some_and(|v| v == "true");
    let key = LogKey { namespace: ns.into(), pod: name.into(), container: container.clone(), previous };
    let Some(body) = s.logs.get(&key) else {
        if previous {
            return status_body(
                400,
                "BadRequest",
                &format!("previous terminated container \"{container}\" in pod \"{name}\" not found"),
            );
        }
        return Response::builder().header("content-type", "text/plain").body(full(Bytes::new())).unwrap();
    };
    let timestamps = q.get("timestamps").is_some_and(|v| v == "true");
    let since =
        q.get("sinceTime").and_then(|t| DateTime::parse_from_rfc3339(t).ok().map(|t| t.to_utc())).or_else(|| {
            q.get("sinceSeconds").and_then(|s| s.parse::<i64>().ok()).map(|s| Utc::now() - chrono::Duration::seconds(s))
        });
    let tail = q.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let ignores_limit = s
        .faults
        .iter()
        .any(|f| matches!(f, Fault::IgnoreLimitBytes { path_prefix } if path.starts_with(path_prefix.as_str())));
    let limit = q.get("limitBytes").and_then(|t| t.parse::<u64>().ok()).filter(|_| !ignores_limit);
    let body: ResBody = match body {
        LogBody::Lines(lines) => {
            let kept: Vec<&(DateTime<Utc>, String)> =
                lines.iter().filter(|(t, _)| since.is_none_or(|s| *t >= s)).collect();
            let skip = tail.map_or(0, |n| kept.len().saturating_sub(n));
            let mut text = String::new();
            for (t, msg) in &kept[skip..] {
                if timestamps {
                    text.push_str(&t.to_rfc3339_opts(SecondsFormat::Nanos, true));
                    text.push(' ');
                }
                text.push_str(msg);
                text.push('\n');
            }
            let mut bytes = text.into_bytes();
            if let Some(l) = limit {
                bytes.truncate(l as usize);
            }
            full(bytes)
        }
        LogBody::Generated { messages, start, step, total_bytes } => {
            use http_body_util::BodyExt as _;
            let step_ns = step.as_nanos().max(1) as i64;
            let first = match since {
                Some(s) if s > *start => ((s - *start).num_nanoseconds().unwrap_or(0) + step_ns - 1) / step_ns,
                _ => 0,
            };
            Generated {
                messages: messages.clone(),
                start: *start,
                step_ns,
                index: first.max(0) as u64,
                produced: 0,
                total: *total_bytes,
                limit: limit.unwrap_or(u64::MAX),
                sent: 0,
                timestamps,
            }
            .boxed()
        }
    };
    Response::builder().header("content-type", "text/plain").body(body).unwrap()
}

/// A log produced chunk by chunk as hyper asks for it.
struct Generated {
    messages: Vec<String>,
    start: DateTime<Utc>,
    step_ns: i64,
    index: u64,
    produced: u64,
    total: u64,
    limit: u64,
    sent: u64,
    timestamps: bool,
}

impl Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.produced >= this.total || this.sent >= this.limit || this.messages.is_empty() {
            return Poll::Ready(None);
        }
        let mut chunk = Vec::with_capacity(70 * 1024);
        while chunk.len() < 64 * 1024 && this.produced < this.total {
            let msg = &this.messages[(this.index % this.messages.len() as u64) as usize];
            if this.timestamps {
                let t = this.start + chrono::Duration::nanoseconds(this.step_ns.saturating_mul(this.index as i64));
                chunk.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
                chunk.push(b' ');
            }
            chunk.extend_from_slice(msg.as_bytes());
            chunk.push(b'\n');
            this.produced += msg.len() as u64;
            this.index += 1;
        }
        let room = this.limit - this.sent;
        chunk.truncate(room.min(chunk.len() as u64) as usize);
        this.sent += chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }
}

/// Counts what a body actually sent into the request record.
struct Counted {
    inner: ResBody,
    requests: Arc<Mutex<Vec<Recorded>>>,
    index: usize,
    sent: u64,
    _in_flight: InFlightGuard,
}

/// A body held back until `sleep` elapses.
struct Delayed {
    sleep: Pin<Box<tokio::time::Sleep>>,
    inner: ResBody,
}

impl Body for Delayed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_frame(cx)
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    this.sent += d.len() as u64;
                }
            }
            Poll::Ready(None) => {
                if let Ok(mut r) = this.requests.lock() {
                    r[this.index].bytes_sent = this.sent;
                }
            }
            _ => {}
        }
        polled
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A plain HTTP/1.0 GET (the proxy's upstream is a local test server).
fn forward(url: &str) -> std::io::Result<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or_else(|| std::io::Error::other("only http upstreams"))?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| std::io::Error::other("no headers"))?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(502);
    Ok((code, answer[split + 4..].to_vec()))
}
