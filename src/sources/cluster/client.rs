//! The API client of a collection: each GET under the `--concurrency` permits, `--request-timeout` and the
//! deadline; what a failed request says; answers written (redacted) into the staging folder and recorded.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::BodyExt as _;
use sha2::Digest as _;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::evidence::{ApiFailure, ApiProblem, ClusterGap, Collector, Gap, GapReason, GaveUp};
use crate::evidence::{EvidenceKind as Ek, GapEffect as Fx, Remedy};
use crate::redact::{Redactor, StreamState};
use crate::sources::bundle::FileEntry;

use super::{LiveOptions, error_chain, lost_collector};

/// The remedy of a gap whose request got 401 after `/version` succeeded: the credentials ran out during the run
/// (a short-lived token, a rotated service-account token), so no permission is missing.
pub(super) const CREDENTIALS_REJECTED: Remedy = Remedy::RefreshCredentials;

/// The remedy for a failed request, by what went wrong: fresh credentials on a 401, `grant` (the permission to
/// add) on a 403, and for answers that are not about permissions (no answer in time, a 5xx, a 404) what fits those.
pub(super) fn remedy_for(f: &Failure, grant: Remedy) -> Option<Remedy> {
    if let Some(Transport::TooLarge) = f.transport {
        return Some(Remedy::RaiseMaxResponseBytes);
    }
    Some(match f.status {
        Some(429) => Remedy::Throttled,
        Some(503) if f.throttled => Remedy::Throttled,
        Some(401) => CREDENTIALS_REJECTED,
        Some(403) => grant,
        Some(404) => Remedy::NotServed,
        Some(code) if code >= 500 => Remedy::ServerFailed { status: code },
        Some(code) => Remedy::Refused { status: code, then: Box::new(grant) },
        None => Remedy::NoAnswer,
    })
}

/// A throttled request (429, or 503 with `Retry-After`) is retried at most this many times,
pub(super) const MAX_RETRIES: u32 = 3;
/// waiting at most this long each time, whatever `Retry-After` asks.
pub(super) const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

/// Status bodies and error answers are read up to this much.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Why a request got no HTTP answer at all.
#[derive(Debug, Clone)]
pub(super) enum Transport {
    /// Connection refused: nothing listens there.
    Refused,
    /// No answer (or no connection) in time.
    TimedOut,
    /// The server's certificate was refused.
    Tls(rustls::Error),
    /// Anything else (DNS, reset, protocol).
    Other,
    /// The answer was larger than `--max-response-bytes`; it was not read further.
    TooLarge,
}

impl Transport {
    /// Classifies a client error by the errors in its chain (rustls' and the OS's), never by its wording.
    pub(super) fn of(e: &(dyn std::error::Error + 'static)) -> Transport {
        let mut current = Some(e);
        let mut found = Transport::Other;
        while let Some(err) = current {
            if let Some(tls) = err.downcast_ref::<rustls::Error>() {
                return Transport::Tls(tls.clone());
            }
            // io::Error hides its inner error from source() (and hyper-rustls wraps tokio-rustls' io::Error in
            // another one): look inside each.
            let mut io = err.downcast_ref::<std::io::Error>();
            while let Some(e) = io {
                match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => found = Transport::Refused,
                    std::io::ErrorKind::TimedOut => found = Transport::TimedOut,
                    _ => {}
                }
                let inner = e.get_ref();
                if let Some(tls) = inner.and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return Transport::Tls(tls.clone());
                }
                io = inner.and_then(|i| i.downcast_ref::<std::io::Error>());
            }
            current = err.source();
        }
        found
    }
}

/// Why a request gave nothing (or only part).
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) status: Option<u16>,
    pub(super) problem: ApiProblem,
    /// Why a throttled request was given up.
    pub(super) gave_up: Option<GaveUp>,
    /// Set when there was no HTTP answer (or one too large to read).
    pub(super) transport: Option<Transport>,
    /// The API server throttled it (429, or 503 with `Retry-After`) until the retries ran out.
    pub(super) throttled: bool,
}

impl Failure {
    /// A failure without an HTTP answer.
    pub(super) fn new(problem: ApiProblem) -> Failure {
        Failure { status: None, problem, gave_up: None, transport: None, throttled: false }
    }

    /// What a gap records of it.
    pub(super) fn typed(&self) -> ApiFailure {
        ApiFailure { status: self.status, problem: self.problem.clone(), gave_up: self.gave_up.clone() }
    }

    /// The API server's status message, when it answered (empty otherwise).
    pub(super) fn server_message(&self) -> &str {
        match &self.problem {
            ApiProblem::Answered { message } => message,
            _ => "",
        }
    }
}

pub(super) struct Ctx {
    pub(super) client: kube::Client,
    pub(super) opts: LiveOptions,
    pub(super) dir: PathBuf,
    pub(super) sem: Semaphore,
    pub(super) redactor: Option<Redactor>,
    pub(super) deadline: Instant,
    pub(super) files: Mutex<Vec<FileEntry>>,
    pub(super) gaps: Mutex<Vec<Gap>>,
    pub(super) requests: AtomicU64,
    pub(super) bytes: AtomicU64,
    /// Throttled answers (429, 503 with `Retry-After`), those that ran out of retries, and the time waited.
    pub(super) throttled: AtomicU64,
    pub(super) throttle_gave_up: AtomicU64,
    pub(super) throttle_wait_ms: AtomicU64,
    /// Log bytes reserved so far against `--max-total-log-bytes`.
    pub(super) log_bytes: AtomicU64,
    pub(super) progress: indicatif::ProgressBar,
}

/// A gap from its parts.
pub(super) fn new_gap(reason: ClusterGap, missing: Ek, effect: Fx, remedy: Option<Remedy>) -> Gap {
    Gap { reason: GapReason::Cluster(reason), missing, effect, remedy }
}

impl Ctx {
    pub(super) fn gap(&self, reason: ClusterGap, missing: Ek, effect: Fx, remedy: Option<Remedy>) {
        self.push_gap(new_gap(reason, missing, effect, remedy));
    }

    pub(super) fn push_gap(&self, gap: Gap) {
        self.gaps.lock().unwrap_or_else(|e| e.into_inner()).push(gap);
    }

    /// A first-round collector's result; one that panicked gives a gap and an empty result.
    pub(super) fn joined<T: Default>(&self, name: Collector, r: Result<T, tokio::task::JoinError>) -> T {
        r.unwrap_or_else(|e| {
            self.push_gap(lost_collector(name, e));
            T::default()
        })
    }

    fn tick(&self, what: &str) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mib = self.bytes.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0);
        self.progress.set_message(format!("collecting: {n} requests, {mib:.1} MiB; {what}"));
    }

    /// Sends one GET and returns the response when it is a success, with the `--concurrency` permit the caller
    /// holds until it has read the body (a streaming log is a request in flight too); the time to the answer's
    /// head is bounded by `--request-timeout` and the deadline. A throttled answer (429, or 503 with
    /// `Retry-After`) is retried after the wait it asks for, at most [`MAX_RETRIES`] times and
    /// [`MAX_RETRY_WAIT`] each, never past the deadline; each is counted for the run's throttling gap.
    pub(super) async fn send(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<(http::Response<kube::client::Body>, SemaphorePermit<'_>), Failure> {
        let (parts, body) = req.into_parts();
        let mut retries = 0u32;
        loop {
            let mut attempt = http::Request::new(body.clone());
            *attempt.method_mut() = parts.method.clone();
            *attempt.uri_mut() = parts.uri.clone();
            *attempt.headers_mut() = parts.headers.clone();
            let (mut failure, wait) = match self.send_once(attempt).await {
                Ok(answer) => return Ok(answer),
                Err((f, None)) => return Err(f),
                Err((f, Some(wait))) => (f, wait),
            };
            self.throttled.fetch_add(1, Ordering::Relaxed);
            let wait = wait.min(MAX_RETRY_WAIT);
            if retries >= MAX_RETRIES || Instant::now() + wait >= self.deadline {
                self.throttle_gave_up.fetch_add(1, Ordering::Relaxed);
                failure.gave_up = Some(if retries >= MAX_RETRIES {
                    GaveUp::AfterRetries { retries }
                } else {
                    GaveUp::WouldPassDeadline { wait_secs: wait.as_secs() }
                });
                failure.throttled = true;
                return Err(failure);
            }
            retries += 1;
            self.throttle_wait_ms.fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt of [`Ctx::send`]; a throttled answer (429, or 503 with `Retry-After`) comes with the wait it
    /// asked for.
    async fn send_once(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<(http::Response<kube::client::Body>, SemaphorePermit<'_>), (Failure, Option<Duration>)> {
        debug_assert_eq!(req.method(), http::Method::GET, "etcd-triage only reads");
        let permit = self.sem.acquire().await.map_err(|_| (Failure::new(ApiProblem::ShutDown), None))?;
        self.tick(req.uri().path());
        let limit = (Instant::now() + self.opts.request_timeout).min(self.deadline);
        let answer = tokio::time::timeout_at(limit, self.client.send(req.map(kube::client::Body::from))).await;
        let response = match answer {
            Err(_) if Instant::now() >= self.deadline => {
                let failure = Failure { transport: Some(Transport::TimedOut), ..Failure::new(ApiProblem::Deadline) };
                return Err((failure, None));
            }
            Err(_) => {
                let timeout_ms = u64::try_from(self.opts.request_timeout.as_millis()).unwrap_or(u64::MAX);
                let problem = ApiProblem::RequestTimeout { timeout_ms };
                return Err((Failure { transport: Some(Transport::TimedOut), ..Failure::new(problem) }, None));
            }
            Ok(Err(e)) => {
                let transport = Some(Transport::of(&e));
                let problem = ApiProblem::Transport { error: error_chain(&e) };
                return Err((Failure { transport, ..Failure::new(problem) }, None));
            }
            Ok(Ok(r)) => r,
        };
        if response.status().is_success() {
            return Ok((response, permit));
        }
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let wait = match status {
            // Too Many Requests without a Retry-After: wait a second.
            429 => Some(retry_after.unwrap_or(Duration::from_secs(1))),
            // A 503 is throttling only when it says when to come back; otherwise the server failed.
            503 => retry_after,
            _ => None,
        };
        let mut body = Vec::new();
        let mut stream = response.into_body();
        while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(limit, stream.frame()).await {
            if let Some(data) = frame.data_ref() {
                body.extend_from_slice(data);
            }
            if body.len() > MAX_ERROR_BODY {
                break;
            }
        }
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).trim().to_string());
        Err((Failure { status: Some(status), ..Failure::new(ApiProblem::Answered { message }) }, wait))
    }

    /// A small answer (`/version`, a list page) in memory.
    pub(super) async fn get_bytes(&self, path: &str, req: Option<http::Request<Vec<u8>>>) -> Result<Vec<u8>, Failure> {
        let req = match req {
            Some(r) => r,
            None => http::Request::get(path)
                .body(Vec::new())
                .map_err(|e| Failure::new(ApiProblem::BadRequest { error: e.to_string() }))?,
        };
        let (response, _permit) = self.send(req).await?;
        let mut body = response.into_body();
        let mut out = Vec::new();
        loop {
            let limit = (Instant::now() + self.opts.request_timeout).min(self.deadline);
            match tokio::time::timeout_at(limit, body.frame()).await {
                Err(_) => {
                    return Err(Failure { transport: Some(Transport::TimedOut), ..Failure::new(ApiProblem::Stalled) });
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    return Err(Failure::new(ApiProblem::Transport { error: error_chain(&e) }));
                }
                Ok(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
                        let limit = self.opts.max_response_bytes;
                        if (out.len() + data.len()) as u64 > limit {
                            // Not read further (the connection is dropped): a cut JSON page is of no use anyway.
                            let read_bytes = (out.len() + data.len()) as u64;
                            let problem = ApiProblem::TooLarge { cap_bytes: limit, read_bytes };
                            return Err(Failure { transport: Some(Transport::TooLarge), ..Failure::new(problem) });
                        }
                        out.extend_from_slice(data);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Writes `bytes` (redacted) to `rel` inside the staging folder and records it.
    pub(super) fn write_file(&self, rel: &str, request: &str, bytes: &[u8], truncated: bool) -> std::io::Result<()> {
        // Env values and last-applied-configuration are secrets as structure, not as text lines.
        let structured =
            self.redactor.as_ref().and_then(|_| crate::sources::kube_objects::redact_structured_secrets(bytes));
        let bytes = structured.as_deref().unwrap_or(bytes);
        let mut writer = self.create(rel)?;
        let mut state = StreamState::default();
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            writer.write_line(line, &mut state)?;
        }
        if structured.is_some() {
            writer.redacted_lines = writer.redacted_lines.max(1); // the rewritten document is one line
        }
        self.finish(writer, rel, request, truncated)
    }

    pub(super) fn create(&self, rel: &str) -> std::io::Result<FileWriter<'_>> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::File::create(&path)?;
        Ok(FileWriter {
            out: std::io::BufWriter::with_capacity(256 * 1024, file),
            redactor: self.redactor.as_ref(),
            hash: self.opts.checksums.then(sha2::Sha256::new),
            bytes: 0,
            redacted_lines: 0,
            carry: Vec::new(),
        })
    }

    pub(super) fn finish(
        &self,
        mut w: FileWriter<'_>,
        rel: &str,
        request: &str,
        truncated: bool,
    ) -> std::io::Result<()> {
        let mut state = StreamState::default();
        if !w.carry.is_empty() {
            let carry = std::mem::take(&mut w.carry);
            w.write_line(&carry, &mut state)?;
        }
        w.out.flush()?;
        let entry = FileEntry {
            path: rel.to_string(),
            request: format!("GET {request}"),
            bytes: w.bytes,
            sha256: w.hash.map(|h| hex(&h.finalize())),
            redacted_lines: w.redacted_lines,
            truncated,
        };
        self.files.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A collected file being written: redacts line by line, hashes what it writes.
pub(super) struct FileWriter<'a> {
    out: std::io::BufWriter<std::fs::File>,
    redactor: Option<&'a Redactor>,
    hash: Option<sha2::Sha256>,
    bytes: u64,
    redacted_lines: u64,
    /// A line split across chunks.
    carry: Vec<u8>,
}

impl FileWriter<'_> {
    /// Writes one line (with its newline, when it has one).
    fn write_line(&mut self, line: &[u8], state: &mut StreamState) -> std::io::Result<()> {
        let (body, newline): (&[u8], &[u8]) = match line.strip_suffix(b"\n") {
            Some(b) => (b, b"\n"),
            None => (line, b""),
        };
        let redacted = match self.redactor {
            Some(r) => r.line(body, state),
            None => std::borrow::Cow::Borrowed(body),
        };
        if matches!(redacted, std::borrow::Cow::Owned(_)) {
            self.redacted_lines += 1;
        }
        for part in [&redacted[..], newline] {
            self.out.write_all(part)?;
            if let Some(h) = &mut self.hash {
                h.update(part);
            }
            self.bytes += part.len() as u64;
        }
        Ok(())
    }

    /// Writes a chunk of a stream: complete lines now, the unfinished tail when the next chunk completes it.
    pub(super) fn write_chunk(&mut self, chunk: &[u8], state: &mut StreamState) -> std::io::Result<()> {
        let mut rest = chunk;
        if !self.carry.is_empty() {
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let mut line = std::mem::take(&mut self.carry);
                    line.extend_from_slice(&rest[..=i]);
                    self.write_line(&line, state)?;
                    rest = &rest[i + 1..];
                }
                None => {
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            }
        }
        let cut = memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1);
        for line in rest[..cut].split_inclusive(|&b| b == b'\n') {
            self.write_line(line, state)?;
        }
        self.carry.extend_from_slice(&rest[cut..]);
        Ok(())
    }
}
