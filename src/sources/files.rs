//! Offline source: files and folders (plain logs, CRI files under `/var/log/pods`, `kubectl logs --timestamps`
//! output, `kubectl get -o json` dumps, `kubectl cluster-info dump` folders, `.gz` files).
//!
//! Recognises inputs by content, not name; the path only names the subject (pod, container, member). Whatever
//! cannot be read becomes a [`Gap`] or a counted malformed line, never a silent drop.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDateTime, TimeZone};

use crate::evidence::{
    Evidence, Gap, InputSummary, LatencyDigest, LogSpan, MemberId, Origin, Signal, SignalKind, Subject, Timestamp,
};
use crate::evidence::{EvidenceKind, GapEffect, Remedy};
use crate::parse::{self, LineTime, Wrapper};
use crate::sources::scan::Scanner;
use crate::sources::{bundle, kube_objects};

/// Signals of one class from one subject closer together than this are folded into one burst.
pub const FOLD_GAP_SECS: i64 = 10;
/// A burst is closed after this long even if lines keep coming, so timelines keep their resolution.
pub const MAX_BURST_SECS: i64 = 60;
/// Malformed line numbers listed per file (all are counted).
const MAX_LISTED_MALFORMED: usize = 20;
/// The longest line joined from CRI partial records (containerd and CRI-O split at 16 KiB by default; etcd's
/// records are well under 1 KiB). A longer one is counted as malformed at its first record's line, not kept.
const MAX_JOINED_LINE_BYTES: usize = 1 << 20;
/// How much of a file is read to recognise it.
const SNIFF_BYTES: usize = 16 * 1024;

/// Errors that stop the run (everything else becomes a gap).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path given on the command line does not exist or cannot be listed.
    #[error("cannot read {path}: {source}")]
    Path {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How to read offline inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Zone assumed for timestamps that carry none (capnslog, klog, journald).
    pub assume_tz: chrono_tz::Tz,
    /// Used only when no input carries a year: the instant whose year is assumed.
    pub fallback_now: Timestamp,
}

/// What a file holds, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    KubeJson,
    Log {
        role: Role,
        exact_times: bool,
        shape: LogShape,
    },
    /// Prometheus text exposition (`/metrics`).
    Metrics,
    /// A raw metric answer kept by a live run ([`super::metrics::Capture`]).
    MetricCapture,
    /// A `probe-disk -o json` report.
    ProbeReport,
    /// Disk figures pasted as text: a `/metrics` scrape without its `# HELP` lines, PromQL results, fio output.
    DiskPaste,
    /// `kubectl describe pod` / `kubectl get pods|events|cs` text.
    KubectlText,
    /// must-gather `etcd_info/etcd_object_count` (keys per resource).
    ObjectCounts,
    /// `iostat -x` device tables: device means, not etcd's fsync latency, so listed but not weighed.
    Iostat,
    /// `etcdctl ... -w json` (must-gather `etcd_info/`).
    Etcdctl(parse::etcdctl::EtcdctlKind),
    Documentation,
    Unrecognised,
}

/// How a log file's lines are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct LogShape {
    /// (Nearly) every line a JSON record: lines that do not end like one are damaged.
    json_records: bool,
    /// Lines carry their own writer (journald host and identifier, `kubectl logs --prefix`): each line's subject
    /// is decided from it and its content (k3s/RKE2 units mix etcd, apiserver and controller lines).
    per_line_subject: bool,
    /// Records span lines (pretty-printed or hard-wrapped JSON, split Docker records): join them first.
    normalise: bool,
}

/// Files larger than this are not joined in memory (see [`LogShape::normalise`]); they are read line by line
/// (pastes are far smaller; the bound keeps memory near the streaming reader's).
const MAX_NORMALISE_BYTES: u64 = 64 << 20;
/// Docker json-file logs up to this size are always joined (a split record may come after the sniffed head);
/// larger ones only when the head already shows one.
const DOCKER_JOIN_ALWAYS_BYTES: u64 = 16 << 20;

/// Whose log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Etcd,
    ApiServer,
    Other,
}

/// What the path says about the file's subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PathHint {
    namespace: Option<String>,
    pod: Option<String>,
    container: Option<String>,
    /// File stem without `.log`, `.gz`, rotation suffixes.
    stem: String,
}

/// Reads every file under `paths` into evidence. A path that is a bundle (`collect`'s folder or `.tar.gz`) is read
/// with paths shown relative to the bundle, and its manifest adds the collection's gaps and window.
pub fn read_paths(paths: &[PathBuf], opts: &ReadOptions) -> Result<Evidence, SourceError> {
    let mut evidence = Evidence::default();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    // Unpacked archives live until everything was read.
    let mut unpacked: Vec<tempfile::TempDir> = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| SourceError::Path { path: p.clone(), source })?;
        let root = if meta.is_file() && bundle::is_tar_archive(p) {
            let into = tempfile::tempdir().map_err(|source| SourceError::Path { path: p.clone(), source })?;
            let root =
                bundle::unpack(p, into.path()).map_err(|source| SourceError::Path { path: p.clone(), source })?;
            unpacked.push(into);
            Some(root)
        } else if meta.is_dir() {
            Some(p.clone())
        } else {
            None
        };
        let manifest = match &root {
            Some(r) => bundle::read_manifest(r).map_err(|source| SourceError::Path { path: p.clone(), source })?,
            None => None,
        };
        let mut found = Vec::new();
        match (&root, &manifest) {
            (Some(r), Some(m)) => {
                collect_files(r, &mut found)?;
                found.retain(|f| f != &r.join(bundle::MANIFEST));
                evidence.gaps.extend(m.gaps.iter().cloned());
                evidence.collections.push(m.collection.clone());
                for f in found {
                    let shown = f.strip_prefix(r).unwrap_or(&f).to_string_lossy().replace('\\', "/");
                    files.push((f, shown));
                }
            }
            (Some(r), None) if meta.is_file() => {
                // An archive without a manifest: read what it holds, named inside the archive.
                collect_files(r, &mut found)?;
                for f in found {
                    let inner = f.strip_prefix(r).unwrap_or(&f).to_string_lossy().into_owned();
                    files.push((f, format!("{}:{inner}", p.display())));
                }
            }
            _ => {
                collect_files(p, &mut found)?;
                files.extend(found.into_iter().map(|f| {
                    let shown = f.display().to_string();
                    (f, shown)
                }));
            }
        }
    }
    // Sniff everything first so that dated inputs are read before undated ones can be placed against them.
    let mut sniffed: Vec<(PathBuf, String, FileKind)> = Vec::new();
    for (path, shown) in files {
        match sniff(&path) {
            Ok(kind) => sniffed.push((path, shown, kind)),
            Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
        }
    }
    sniffed.sort_by_key(|(_, shown, k)| {
        let rank = match k {
            FileKind::KubeJson => 0,
            FileKind::Log { exact_times: true, .. } => 1,
            FileKind::Log { exact_times: false, .. } => 2,
            FileKind::KubectlText | FileKind::Etcdctl(_) => 0,
            FileKind::Metrics
            | FileKind::ObjectCounts
            | FileKind::MetricCapture
            | FileKind::ProbeReport
            | FileKind::DiskPaste
            | FileKind::Iostat
            | FileKind::Documentation
            | FileKind::Unrecognised => 3,
        };
        (rank, shown.clone())
    });
    let mut placer = Placer { latest_exact: None, opts: opts.clone() };
    for (path, shown, kind) in sniffed {
        match kind {
            FileKind::KubeJson => read_kube_file(&path, &shown, &mut evidence, &mut placer),
            FileKind::Log { role, shape, .. } => {
                let hint = path_hint(&path);
                let read = read_log_file(&path, &shown, role, shape, &hint, &mut placer, &mut evidence);
                if let Err(e) = read {
                    evidence.gaps.push(unreadable(&shown, &e));
                }
            }
            FileKind::DiskPaste => match read_text(&path, &shown, &mut evidence) {
                Ok(text) => {
                    let paste = parse::diskpaste::parse(&text);
                    let format = disk_paste_evidence(&paste, &shown, &mut evidence);
                    let mut input = InputSummary::without_lines(shown, format, paste.malformed.len() as u64);
                    input.lines = text.lines().count() as u64;
                    input.matched = paste.readings.len() as u64 + u64::from(paste.fio.is_some());
                    input.malformed_lines = paste.malformed.iter().take(20).copied().collect();
                    evidence.inputs.push(input);
                }
                Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
            },
            FileKind::Metrics => match read_text(&path, &shown, &mut evidence) {
                Ok(text) => {
                    let paste = parse::diskpaste::parse(&text);
                    let dump = disk_paste_evidence(&paste, &shown, &mut evidence);
                    let (summary, errors) = super::metrics::apiserver_summary(&text);
                    let format = summary
                        .or((!paste.readings.is_empty()).then_some(dump))
                        .unwrap_or_else(|| "Prometheus metrics (text exposition)".to_string());
                    let mut input = InputSummary::without_lines(shown, format, errors.len() as u64);
                    input.lines = text.lines().count() as u64;
                    input.malformed_lines = errors.iter().take(20).map(|e| e.line).collect();
                    evidence.inputs.push(input);
                }
                Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
            },
            FileKind::MetricCapture => {
                let read = open(&path).and_then(|r| {
                    serde_json::from_reader::<_, super::metrics::Capture>(BufReader::new(r)).map_err(io::Error::other)
                });
                match read {
                    Ok(capture) => evidence.extend(super::metrics::capture_evidence(&capture, Some(&shown))),
                    Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
                }
            }
            FileKind::ProbeReport => {
                let read = open(&path).and_then(|r| {
                    serde_json::from_reader::<_, super::probe::ProbeReport>(BufReader::new(r)).map_err(io::Error::other)
                });
                match read {
                    Ok(p) => {
                        let format = format!(
                            "etcd disk probe of {}{} at {}: fdatasync p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} IOPS: {}",
                            p.dir,
                            p.host.as_deref().map(|h| format!(" on {h}")).unwrap_or_default(),
                            p.started_at.format("%Y-%m-%d %H:%M:%SZ"),
                            p.fdatasync_ms.p50,
                            p.fdatasync_ms.p99,
                            p.fdatasync_ms.max,
                            p.iops,
                            p.assessment
                        );
                        evidence.disk_probes.push(crate::evidence::DiskProbe {
                            host: p.host.clone(),
                            dir: p.dir.clone(),
                            at: Some(p.started_at),
                            fdatasync_p50_ms: Some(p.fdatasync_ms.p50),
                            fdatasync_p99_ms: Some(p.fdatasync_ms.p99),
                            fdatasync_max_ms: Some(p.fdatasync_ms.max),
                            iops: Some(p.iops),
                            origin: crate::evidence::Origin::new(shown.as_str(), None),
                        });
                        let mut input = InputSummary::without_lines(shown, format, 0);
                        input.lines = p.writes;
                        input.matched = 1;
                        evidence.inputs.push(input);
                    }
                    Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
                }
            }
            FileKind::KubectlText => read_kubectl_text(&path, &shown, &mut evidence, &mut placer),
            FileKind::Etcdctl(kind) => read_etcdctl(kind, &path, &shown, &mut evidence),
            FileKind::Iostat => match read_text(&path, &shown, &mut evidence) {
                Ok(text) => {
                    let format = match parse::diskpaste::iostat_write_await(&text) {
                        Some((device, ms)) => format!(
                            "iostat -x device table: highest w_await {ms:.1} ms on {device} (a device mean over the \
                             interval, not etcd's fsync latency; not weighed)"
                        ),
                        None => "iostat -x device table (no w_await column; not weighed)".to_string(),
                    };
                    let mut input = InputSummary::without_lines(shown, format, 0);
                    input.lines = text.lines().count() as u64;
                    evidence.inputs.push(input);
                }
                Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
            },
            FileKind::ObjectCounts => match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let counts = parse::etcdctl::object_counts(&text).unwrap_or_default();
                    let total: u64 = counts.iter().map(|c| c.1).sum();
                    let top: Vec<String> = counts.iter().take(5).map(|(w, n)| format!("{w} {n}")).collect();
                    let mut input = InputSummary::without_lines(
                        shown,
                        format!("etcd key counts per resource: {total} keys; largest {}", top.join(", ")),
                        0,
                    );
                    input.lines = counts.len() as u64;
                    evidence.inputs.push(input);
                }
                Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
            },
            FileKind::Documentation => {
                evidence.inputs.push(InputSummary::without_lines(shown, "documentation (not evidence)", 0))
            }
            FileKind::Unrecognised => {
                let first = first_line(&path).unwrap_or_default();
                evidence.gaps.push(Gap {
                    what: format!("file {shown}"),
                    why: format!(
                        "not a recognised etcd, klog, journald or container log, Kubernetes JSON or kubectl output; \
                         its first line: \"{first}\""
                    ),
                    missing: EvidenceKind::FileContent,
                    effect: GapEffect::Unread,
                    remedy: None,
                });
                evidence.inputs.push(InputSummary::without_lines(shown, "unrecognised", 0));
            }
        }
    }
    drop(unpacked);
    Ok(evidence)
}

/// Metric dumps, disk pastes and iostat tables are read whole into memory, up to this many bytes: a real one is
/// kilobytes to a few MiB; anything past the cap is reported as a gap, not read.
const MAX_TEXT_BYTES: u64 = 64 << 20;

/// A (possibly gzipped) text file, at most `limit` bytes of it; true when it was cut there.
fn read_text_limited(path: &Path, limit: u64) -> io::Result<(String, bool)> {
    let mut bytes = Vec::new();
    open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    let cut = bytes.len() as u64 > limit;
    bytes.truncate(limit as usize);
    Ok((String::from_utf8_lossy(&bytes).into_owned(), cut))
}

/// [`read_text_limited`] at [`MAX_TEXT_BYTES`], recording a gap when the file was cut.
fn read_text(path: &Path, shown: &str, evidence: &mut Evidence) -> io::Result<String> {
    let (text, cut) = read_text_limited(path, MAX_TEXT_BYTES)?;
    if cut {
        evidence.gaps.push(Gap {
            what: format!("file {shown} past its first {} MiB", MAX_TEXT_BYTES >> 20),
            why: "larger than a metrics dump or disk paste is".into(),
            missing: EvidenceKind::FileContent,
            effect: GapEffect::Truncated,
            remedy: Some(Remedy::GiveRelevantPart),
        });
    }
    Ok(text)
}

/// Puts a paste's readings and fio result into the evidence; returns the input's format description.
fn disk_paste_evidence(paste: &parse::diskpaste::DiskPaste, shown: &str, evidence: &mut Evidence) -> String {
    use crate::evidence::{DiskProbe, DiskReading, Origin};
    for r in &paste.readings {
        evidence.disk_readings.push(DiskReading {
            member: r.member.clone(),
            metric: r.metric.name().to_string(),
            quantile: r.quantile,
            value_ms: r.value_ms,
            bucket_ms: r.bucket_ms,
            total_ops: r.total_ops,
            slow_ops: r.slow_ops,
            origin: Origin::new(shown, Some(r.line)),
        });
    }
    if let Some(f) = &paste.fio {
        evidence.disk_probes.push(DiskProbe {
            host: None,
            dir: f.directory.clone().unwrap_or_else(|| "(fio's directory)".into()),
            at: None,
            fdatasync_p50_ms: f.sync_p50_ms,
            fdatasync_p99_ms: f.sync_p99_ms,
            fdatasync_max_ms: f.sync_max_ms,
            iops: f.iops,
            origin: Origin::new(shown, Some(f.line)),
        });
    }
    let mut parts: Vec<String> = paste
        .readings
        .iter()
        .map(|r| {
            let mut part = format!("{} p{:.0} {:.1} ms", r.metric.name(), r.quantile * 100.0, r.value_ms);
            if let Some((lo, hi)) = r.bucket_ms {
                part.push_str(&format!(" ({lo}..{hi} ms bucket"));
                if let Some(n) = r.total_ops {
                    part.push_str(&format!(", {n} observations since the process started"));
                }
                if let Some(slow) = r.slow_ops {
                    part.push_str(&format!(", {slow} at 512 ms or more"));
                }
                part.push(')');
            }
            if let Some(m) = &r.member {
                part.push_str(&format!(" on {m}"));
            }
            part
        })
        .collect();
    if let Some(f) = &paste.fio {
        parts.push(match (f.sync_p99_ms, f.iops) {
            (Some(p99), _) => format!("fio fdatasync p99 {p99:.2} ms"),
            (None, Some(iops)) => {
                format!(
                    "fio {iops:.0} IOPS (this fio prints no fdatasync percentiles; its write clat excludes the sync)"
                )
            }
            (None, None) => "fio output without figures".to_string(),
        });
    }
    format!("etcd disk figures pasted as text (no time): {}", parts.join("; "))
}

fn unreadable(shown: &str, e: &io::Error) -> Gap {
    Gap {
        what: format!("file {shown}"),
        why: format!("could not be read: {e}"),
        missing: EvidenceKind::FileContent,
        effect: GapEffect::Unread,
        remedy: None,
    }
}

/// The first non-empty line of a file, clipped to [`FIRST_LINE_CHARS`] characters, for the unrecognised-file gap.
fn first_line(path: &Path) -> io::Result<String> {
    let mut head = Vec::with_capacity(4096);
    open(path)?.take(4096).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut clipped: String = line.chars().take(FIRST_LINE_CHARS).collect();
    if clipped.len() < line.len() {
        clipped.push_str("...");
    }
    Ok(clipped)
}

/// How much of an unrecognised file's first line the report quotes.
const FIRST_LINE_CHARS: usize = 120;

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|source| SourceError::Path { path: path.to_path_buf(), source })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|source| SourceError::Path { path: path.to_path_buf(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // hidden files and folders (.git) are never evidence
        }
        collect_files(&entry, out)?;
    }
    Ok(())
}

fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    let file = File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Ok(Box::new(file))
    }
}

fn sniff(path: &Path) -> io::Result<FileKind> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.starts_with("readme") || lower == "license" {
        return Ok(FileKind::Documentation);
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path)?.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    if super::probe::looks_like_report(&text) && text.trim_start().starts_with('{') {
        return Ok(FileKind::ProbeReport);
    }
    if super::metrics::looks_like_capture(&text) {
        return Ok(FileKind::MetricCapture);
    }
    if let Some(kind) = parse::etcdctl::kind_of(&text, lower.starts_with("alarm_list")) {
        return Ok(FileKind::Etcdctl(kind));
    }
    if kube_objects::looks_like_kube_json(&text) {
        return Ok(FileKind::KubeJson);
    }
    if looks_like_metrics(&text) {
        return Ok(FileKind::Metrics);
    }
    if parse::diskpaste::looks_like(&text) {
        return Ok(FileKind::DiskPaste);
    }
    let hint = path_hint(path);
    let normalised = parse::paste::normalise(&text);
    let docker = text.trim_start().starts_with("{\"log\":");
    let mut kind = sniff_log(if normalised.changed() { &normalised.text } else { &text }, &hint);
    if kind == FileKind::Unrecognised
        && (parse::kubectl::looks_like_describe(&text) || parse::kubectl::looks_like_table(&text))
    {
        return Ok(FileKind::KubectlText);
    }
    if kind == FileKind::Unrecognised && parse::diskpaste::looks_like_iostat(&text) {
        return Ok(FileKind::Iostat);
    }
    if kind == FileKind::Unrecognised && parse::etcdctl::object_counts(&text).is_some() {
        return Ok(FileKind::ObjectCounts);
    }
    if let FileKind::Log { shape, .. } = &mut kind {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX);
        shape.normalise =
            size <= MAX_NORMALISE_BYTES && (normalised.changed() || (docker && size <= DOCKER_JOIN_ALWAYS_BYTES));
    }
    Ok(kind)
}

/// Prometheus text exposition: `# HELP` / `# TYPE` comments before the first sample.
fn looks_like_metrics(text: &str) -> bool {
    // A paste without the comments: `name{labels} value` or `name value` samples of one family prefix.
    let samples: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(16).collect();
    let sample = |l: &&str| {
        let name_end = l.find(['{', ' ']).unwrap_or(0);
        let name = &l[..name_end];
        let value = l.rsplit(' ').next().unwrap_or("");
        name_end > 0
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
            && name.contains('_')
            && (value.parse::<f64>().is_ok() || matches!(value, "+Inf" | "-Inf" | "NaN"))
    };
    // Mostly samples, with a command line or a heading pasted before them.
    let n = samples.len();
    let good = samples.iter().filter(|l| sample(l) || l.starts_with("# HELP ") || l.starts_with("# TYPE ")).count();
    if n >= 3 && good * 4 >= n * 3 && samples.iter().filter(|l| sample(l)).count() >= 2 {
        return true;
    }
    let mut comments = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()).take(8) {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            comments += 1;
        } else {
            return comments >= 1;
        }
    }
    comments >= 2
}

/// Decides whether text is a log we understand, whose it is, and whether its lines carry full timestamps.
fn sniff_log(text: &str, hint: &PathHint) -> FileKind {
    let mut etcd = 0;
    let mut apiserver = 0;
    let mut recognised = 0;
    let mut exact = 0;
    let mut json = 0;
    let mut lines = 0;
    let mut per_line = 0;
    // Per CRI stream: whether a partial record is open, so that its continuations are not judged as lines.
    let mut continuing = [false; 2];
    for line in text.lines().take(200) {
        let bare = parse::strip_paste_prefix(line);
        // Blank lines, shell prompts and `journalctl -x` catalog / `-- Logs begin at` lines say nothing.
        if bare.is_empty() || bare.starts_with("-- ") || bare == "--" || parse::kubectl::is_prompt(line) {
            continue;
        }
        if let Some(h) = parse::cri_header(line.as_bytes()) {
            let continues = std::mem::replace(&mut continuing[h.stream as usize], h.partial);
            if continues {
                continue;
            }
        }
        lines += 1;
        let un = parse::unwrap_line(line);
        let content = un.content.as_ref();
        let inner = parse::time::line_time(content);
        if matches!(un.outer_time, Some(LineTime::Exact(_))) || matches!(inner, Some(LineTime::Exact(_))) {
            exact += 1;
        }
        if un.wrapper != Wrapper::None || inner.is_some() {
            recognised += 1;
        }
        if content.starts_with('{') {
            json += 1;
        }
        let writer = if un.wrapper == Wrapper::Journald {
            per_line += 1;
            parse::journal_origin(line).map(|o| o.ident)
        } else if let Some((_, container)) = parse::kubectl_prefix(line) {
            per_line += 1;
            Some(container.to_string())
        } else if let Some((name, _)) = parse::wrapper::procfile_prefix(line.trim_start()) {
            per_line += 1;
            Some(name.to_string())
        } else {
            None
        };
        // `etcd[pid]:` in a journal: etcd's own lines, whatever their content (3.3 prints bare capnslog there).
        if writer.as_deref().is_some_and(names_etcd) || is_etcd_server_line(content) {
            etcd += 1;
        } else if is_apiserver_line(content) {
            apiserver += 1;
        }
    }
    if lines == 0 || recognised * 4 < lines {
        // Fewer than a quarter of lines have a known shape: not a log we can read with confidence.
        return if lines == 0 && text.is_empty() {
            FileKind::Log {
                role: role_from_hint(hint).unwrap_or(Role::Other),
                exact_times: true,
                shape: LogShape::default(),
            }
        } else {
            FileKind::Unrecognised
        };
    }
    let role = role_from_hint(hint).unwrap_or(if etcd * 2 >= lines {
        Role::Etcd
    } else if apiserver > 0 {
        Role::ApiServer
    } else {
        Role::Other
    });
    let role = if role == Role::Etcd && etcd == 0 && lines > 0 { Role::Other } else { role };
    // (Nearly) every line JSON (zap; etcd 3.4 prints a capnslog line or two at start): damaged lines can be found
    // cheaply by their ending.
    let shape = LogShape { json_records: json * 10 >= lines * 9, per_line_subject: per_line > 0, normalise: false };
    FileKind::Log { role, exact_times: exact * 2 >= lines, shape }
}

/// Whether a pod, container or journal identifier names etcd.
fn names_etcd(n: &str) -> bool {
    // `etcd2[pid]`, `etcd3`: the etcd 2 / 3 units of CoreOS and older distributions.
    let n = n.trim_end_matches(|c: char| c.is_ascii_digit()).to_ascii_lowercase();
    n == "etcd" || n.starts_with("etcd-") || n.starts_with("etcd_") || n.ends_with("-etcd")
}

/// The role a path names: an etcd or kube-apiserver pod/container, or (when it names any other pod or container)
/// an ordinary container. `None` for flat files, whose content decides.
fn role_from_hint(hint: &PathHint) -> Option<Role> {
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

/// An etcd server's own line (not the etcd client inside another binary).
fn is_etcd_server_line(content: &str) -> bool {
    if content.starts_with("{\"level\"") {
        if content.contains("\"logger\":\"etcd-client\"") {
            return false;
        }
        const CALLERS: [&str; 12] = [
            "\"caller\":\"etcdserver/",
            "\"caller\":\"etcdmain/",
            "\"caller\":\"embed/",
            "\"caller\":\"raft/",
            "\"caller\":\"rafthttp/",
            "\"caller\":\"wal/",
            "\"caller\":\"mvcc/",
            "\"caller\":\"backend/",
            "\"caller\":\"v3rpc/",
            "\"caller\":\"membership/",
            "\"logger\":\"raft\"",
            "\"caller\":\"v3@",
        ];
        return CALLERS.iter().any(|c| content.contains(c));
    }
    // capnslog `2020-10-20 12:15:22.876237 W | etcdserver: ...` and 3.4's capnslog-mode raft lines.
    if content.starts_with("raft20") {
        return true;
    }
    // etcd 2 and embedded etcd through Go's standard log: `2015/06/01 21:28:17 rafthttp: ...`,
    // `2017/06/20 12:54:01 wal.go:403: Warning: sync duration of ...`.
    if let Some(Ok((_, n))) = parse::time::go_log_prefix(content) {
        const GO_LOG_PKGS: [&str; 7] =
            ["rafthttp: ", "etcdserver: ", "raft: ", "wal: ", "etcdmain: ", "wal.go:", "raft.go:"];
        let rest = content[n..].trim_start();
        return GO_LOG_PKGS.iter().any(|p| rest.starts_with(p));
    }
    // etcd 3.3 at debug level puts the caller first: `2019-08-09 10:57:50.500232 [pkg_logger.go:114] W | ...`.
    let rest = match content.get(26..) {
        Some(r) => match r.strip_prefix(" [pkg_logger.go:").and_then(|r| r.split_once("] ")) {
            Some((_, after)) => Some(&content[content.len() - after.len() - 1..]),
            None => Some(r),
        },
        None => None,
    };
    if let Some(rest) = rest {
        const PKGS: [&str; 8] =
            ["| etcdserver", "| etcdmain", "| raft", "| rafthttp", "| embed", "| wal", "| mvcc", "| etcdserver/api"];
        return PKGS.iter().any(|p| rest.get(3..).is_some_and(|r| r.starts_with(p)));
    }
    false
}

fn is_apiserver_line(content: &str) -> bool {
    const MARKERS: [&str; 6] = [
        "cacher.go",
        "storage_decorator",
        "\"logger\":\"etcd-client\"",
        "etcd3",
        "[-]etcd failed",
        "apiserver was unable",
    ];
    MARKERS.iter().any(|m| content.contains(m))
}

/// Reads subject hints from `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log`,
/// `/var/log/containers/<pod>_<ns>_<container>-<id>.log` and cluster-info dump `<ns>/<pod>/logs.txt`.
fn path_hint(path: &Path) -> PathHint {
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
    if parts.len() == 3 {
        if let Some((container, id)) = parts[2].rsplit_once('-') {
            if id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()) {
                hint.pod = Some(parts[0].to_string());
                hint.namespace = Some(parts[1].to_string());
                hint.container = Some(container.to_string());
                return hint;
            }
        }
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

fn subject_for(role: Role, hint: &PathHint) -> Subject {
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

fn read_kube_file(path: &Path, shown: &str, evidence: &mut Evidence, placer: &mut Placer) {
    let reader = match open(path) {
        Ok(r) => BufReader::with_capacity(256 * 1024, r),
        Err(e) => {
            evidence.gaps.push(unreadable(shown, &e));
            return;
        }
    };
    match kube_objects::read_objects(reader, shown) {
        Ok(objs) => {
            for (index, why) in &objs.bad_items {
                evidence.gaps.push(Gap {
                    what: format!("{shown} item {index}"),
                    why: why.clone(),
                    missing: EvidenceKind::Objects,
                    effect: GapEffect::Unread,
                    remedy: None,
                });
            }
            let times = objs
                .events
                .iter()
                .map(|e| e.last_at)
                .chain(objs.containers.iter().filter_map(|c| c.last_termination.as_ref()?.finished_at));
            for t in times {
                placer.saw_exact(t);
            }
            let mut input = InputSummary::without_lines(shown, objs.describe(), objs.bad_items.len() as u64);
            input.matched = objs.objects - objs.bad_items.len() as u64;
            evidence.inputs.push(input);
            evidence.containers.extend(objs.containers);
            evidence.events.extend(objs.events);
            evidence.nodes.extend(objs.nodes);
        }
        Err(e) => {
            evidence.gaps.push(Gap {
                what: format!("file {shown}"),
                why: e.to_string(),
                missing: EvidenceKind::Objects,
                effect: GapEffect::Unread,
                remedy: None,
            });
            evidence.inputs.push(InputSummary::without_lines(shown, "Kubernetes JSON (invalid)", 1));
        }
    }
}

fn read_etcdctl(kind: parse::etcdctl::EtcdctlKind, path: &Path, shown: &str, evidence: &mut Evidence) {
    use parse::etcdctl::EtcdctlKind as K;
    let mut bytes = Vec::new();
    if let Err(e) = open(path).and_then(|mut r| r.read_to_end(&mut bytes)) {
        evidence.gaps.push(unreadable(shown, &e));
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    let r = match parse::etcdctl::read(kind, &text, shown) {
        Ok(r) => r,
        Err(e) => {
            evidence.gaps.push(Gap {
                what: format!("file {shown}"),
                why: format!("looks like etcdctl JSON output but could not be read: {e}"),
                missing: EvidenceKind::FileContent,
                effect: GapEffect::Unread,
                remedy: None,
            });
            evidence.inputs.push(InputSummary::without_lines(shown, "etcdctl JSON (invalid)", 1));
            return;
        }
    };
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
    let format = match kind {
        K::MemberList => {
            let names: Vec<String> = r.members.iter().map(|m| format!("{} ({})", m.name, m.id)).collect();
            format!("etcdctl member list: {}", names.join(", "))
        }
        K::EndpointStatus => {
            let rows: Vec<String> = r
                .status
                .iter()
                .map(|s| {
                    let in_use = s.db_size_in_use_bytes.map(|u| format!(", {} in use", mb(u))).unwrap_or_default();
                    let quota = s.db_size_quota_bytes.map(|q| format!(" of {} quota", mb(q))).unwrap_or_default();
                    let errors =
                        if s.errors.is_empty() { String::new() } else { format!(", errors: {}", s.errors.join("; ")) };
                    format!(
                        "{} v{}{}: db {}{in_use}{quota}, term {}{errors}",
                        s.member_id,
                        s.version,
                        if s.is_leader() { " (leader)" } else { "" },
                        mb(s.db_size_bytes),
                        s.raft_term
                    )
                })
                .collect();
            format!("etcdctl endpoint status: {}", rows.join("; "))
        }
        K::EndpointHealth => {
            let rows: Vec<String> = r
                .health
                .iter()
                .map(|h| {
                    let state = if h.healthy { "healthy" } else { "unhealthy" };
                    let took = h.took_ms.map(|t| format!(" in {t:.1} ms")).unwrap_or_default();
                    let error = h.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    format!("{} {state}{took}{error}", h.endpoint)
                })
                .collect();
            format!("etcdctl endpoint health: {}", rows.join("; "))
        }
        K::AlarmList => {
            if r.alarms.is_empty() {
                "etcdctl alarm list: no alarms".to_string()
            } else {
                let rows: Vec<String> = r.alarms.iter().map(|a| format!("{} on {}", a.alarm, a.member_id)).collect();
                format!("etcdctl alarm list: {}", rows.join(", "))
            }
        }
    };
    let mut input = InputSummary::without_lines(shown, format, 0);
    input.lines = text.lines().count() as u64;
    input.matched = (r.members.len() + r.status.len() + r.health.len() + r.alarms.len()) as u64;
    evidence.inputs.push(input);
    evidence.member_ids.extend(r.members);
    evidence.etcd_status.extend(r.status);
    evidence.etcd_health.extend(r.health);
    evidence.etcd_alarms.extend(r.alarms);
}

fn read_kubectl_text(path: &Path, shown: &str, evidence: &mut Evidence, placer: &mut Placer) {
    let mut bytes = Vec::new();
    if let Err(e) = open(path).and_then(|mut r| r.read_to_end(&mut bytes)) {
        evidence.gaps.push(unreadable(shown, &e));
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    let parsed = parse::kubectl::parse(&text);
    let (records, notes) = kube_objects::kubectl_text_records(&parsed, shown);
    for t in records.iter().filter_map(|c| c.last_termination.as_ref()?.finished_at) {
        placer.saw_exact(t);
    }
    let kinds: Vec<&str> = parsed
        .kinds
        .iter()
        .map(|k| match k {
            parse::kubectl::KubectlKind::DescribePod => "kubectl describe pod",
            parse::kubectl::KubectlKind::GetPods => "kubectl get pods",
            parse::kubectl::KubectlKind::GetEvents => "kubectl get events",
            parse::kubectl::KubectlKind::ComponentStatuses => "kubectl get componentstatuses",
        })
        .collect();
    let restarts: u32 = records.iter().map(|c| c.restart_count).sum();
    let mut parts = vec![format!("{} container(s), {restarts} restart(s)", records.len())];
    if !parsed.events.is_empty() {
        parts.push(format!("{} event row(s)", parsed.events.len()));
    }
    if !parsed.unhealthy_components.is_empty() {
        let names: Vec<String> = parsed.unhealthy_components.iter().map(|(n, m)| format!("{n}: {m}")).collect();
        parts.push(format!("unhealthy: {}", names.join("; ")));
    }
    let mut input = InputSummary::without_lines(shown, format!("{} ({})", kinds.join(" + "), parts.join(", ")), 0);
    input.lines = text.lines().count() as u64;
    input.matched = (records.len() + parsed.events.len()) as u64;
    evidence.inputs.push(input);
    evidence.assumptions.extend(notes);
    evidence.containers.extend(records);
}

/// Places timestamps without a zone or year against the surrounding evidence.
struct Placer {
    latest_exact: Option<Timestamp>,
    opts: ReadOptions,
}

/// How an undated time was placed, for the report's assumptions.
#[derive(Debug, Default)]
struct Placement {
    used_zone: bool,
    used_year: Option<i32>,
    year_from_fallback: bool,
}

impl Placer {
    fn saw_exact(&mut self, t: Timestamp) {
        if self.latest_exact.is_none_or(|l| t > l) {
            self.latest_exact = Some(t);
        }
    }

    fn place(&self, t: &LineTime, file_ref: Option<Timestamp>, note: &mut Placement) -> Option<Timestamp> {
        match t {
            LineTime::Exact(t) => Some(*t),
            LineTime::NoZone(naive) => {
                note.used_zone = true;
                self.localise(naive)
            }
            LineTime::NoYear(naive) => {
                note.used_zone = true;
                let reference = file_ref.or(self.latest_exact).unwrap_or_else(|| {
                    note.year_from_fallback = true;
                    self.opts.fallback_now
                });
                // Pick the year that puts the line nearest to the reference (handles New Year in the window).
                let candidates = [reference.year() - 1, reference.year(), reference.year() + 1];
                let best = candidates
                    .iter()
                    .filter_map(|y| naive.with_year(*y).and_then(|n| self.localise(&n)))
                    .min_by_key(|c| (*c - reference).num_seconds().abs())?;
                note.used_year = Some(best.year());
                Some(best)
            }
        }
    }

    fn localise(&self, naive: &NaiveDateTime) -> Option<Timestamp> {
        self.opts.assume_tz.from_local_datetime(naive).earliest().map(|t| t.with_timezone(&chrono::Utc))
    }
}

/// Bursts kept per file before the folder coarsens its resolution (doubling the fold gap and the maximum burst
/// length and re-merging). This bounds memory whatever the size or time span of a file.
const MAX_BURSTS_PER_FILE: usize = 4096;

/// Folds signals from one file into bursts. Few burst keys are open at once (one per signal class and peer or
/// leader), so a linear scan finds them without allocating a key per line.
struct Folder {
    open: Vec<Signal>,
    done: Vec<Signal>,
    fold_gap_secs: i64,
    max_burst_secs: i64,
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
    fn new() -> Self {
        Folder { open: Vec::new(), done: Vec::new(), fold_gap_secs: FOLD_GAP_SECS, max_burst_secs: MAX_BURST_SECS }
    }

    fn add(&mut self, subject: &Subject, kind: SignalKind, at: Timestamp, origin: Origin, time_assumed: bool) {
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
    fn finish(mut self) -> (Vec<Signal>, Option<i64>) {
        self.done.append(&mut self.open);
        self.done.sort_by(|a, b| a.first_at.cmp(&b.first_at).then(a.first.cmp(&b.first)));
        let coarsened = (self.fold_gap_secs != FOLD_GAP_SECS).then_some(self.fold_gap_secs);
        (self.done, coarsened)
    }
}

/// One candidate line, classified (pure: done on worker threads).
struct Classified {
    wrapper: Wrapper,
    content: ContentKind,
    outer_time: Option<LineTime>,
    facts: Result<Option<parse::LineFacts>, parse::Malformed>,
    /// Who wrote the line, for files whose lines name their writer ([`LogShape::per_line_subject`]).
    writer: Option<Box<LineWriter>>,
}

/// The writer a line names and what its content shows it to be.
#[derive(Debug, Default)]
struct LineWriter {
    /// journald `_HOSTNAME`.
    host: Option<String>,
    /// journald identifier (`k3s`, `etcd`) or `kubectl logs --prefix` container.
    ident: Option<String>,
    /// `kubectl logs --prefix` pod.
    pod: Option<String>,
    /// The role the content shows (an etcd server line, an apiserver line), if any.
    content_role: Option<Role>,
}

fn line_writer(line: &str, content: &str) -> Option<Box<LineWriter>> {
    let mut w = LineWriter::default();
    if let Some((pod, container)) = parse::kubectl_prefix(line) {
        w.pod = Some(pod.to_string());
        w.ident = Some(container.to_string());
    } else if let Some((name, _)) = parse::wrapper::procfile_prefix(line.trim_start()) {
        // goreman runs one member per process name: the name is the member's.
        w.pod = Some(name.to_string());
        w.ident = Some(name.to_string());
    } else if let Some(o) = parse::journal_origin(line) {
        w.host = (!o.host.is_empty()).then_some(o.host);
        w.ident = Some(o.ident);
    }
    w.content_role = if is_etcd_server_line(content) {
        Some(Role::Etcd)
    } else if is_apiserver_line(content) {
        Some(Role::ApiServer)
    } else {
        None
    };
    Some(Box::new(w))
}

fn classify_line(bytes: &[u8], per_line_subject: bool) -> Classified {
    // Strict validation has an ASCII fast path; lossy decoding only for lines that need it.
    let line = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let un = parse::unwrap_line(&line);
    let content = un.content.as_ref();
    let mut facts = parse::classify(content);
    // Formats whose classifier reads no time (Go's standard log, bare messages): the line's own prefix.
    if let Ok(Some(f)) = &mut facts {
        if f.time.is_none() {
            f.time = parse::time::line_time(content);
        }
    }
    // Only lines that say something need a subject.
    let writer = match &facts {
        Ok(Some(_)) if per_line_subject => line_writer(&line, content),
        _ => None,
    };
    Classified { wrapper: un.wrapper, content: ContentKind::of(content), facts, outer_time: un.outer_time, writer }
}

/// Candidate lines travel to the classifying workers in batches (one allocation per batch, not per line).
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    lines: Vec<(u64, usize, usize)>,
}

const BATCH_LINES: usize = 2048;
const BATCH_BYTES: usize = 1 << 20;

impl Batch {
    fn push(&mut self, line_no: u64, line: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(line);
        self.lines.push((line_no, start, self.bytes.len()));
    }

    fn full(&self) -> bool {
        self.lines.len() >= BATCH_LINES || self.bytes.len() >= BATCH_BYTES
    }

    fn classify(&self, per_line_subject: bool) -> Vec<(u64, Classified)> {
        self.lines.iter().map(|&(n, a, b)| (n, classify_line(&self.bytes[a..b], per_line_subject))).collect()
    }
}

/// What reading one log file accumulates, fed in line order.
struct FileState<'p> {
    subject: Subject,
    source: std::sync::Arc<str>,
    placer: &'p mut Placer,
    folder: Folder,
    summary: InputSummary,
    note: Placement,
    file_ref: Option<Timestamp>,
    undated: u64,
    /// Local member ids in order of appearance, with the etcd member whose line revealed them.
    member_ids: Vec<(String, String)>,
    formats: FormatTally,
    /// Output line -> input line, when the file was normalised before reading.
    line_map: Option<parse::paste::Normalised>,
    /// The path's hint, for naming per-line subjects.
    hint: PathHint,
    /// The first per-line subject of the file's own role (the journal's etcd member named after its host): the
    /// file's subject in the inventory and its span.
    renamed: Option<Subject>,
    role: Role,
}

impl FileState<'_> {
    /// The subject of one line of a file whose lines name their writer: an etcd line (by its identifier or
    /// content) is the etcd member's, an apiserver line the apiserver's, named after the pod the path or prefix
    /// gives, else the journal's host, else the file; other lines are the file's (or the prefixed container's).
    fn line_subject(&self, w: &LineWriter) -> Subject {
        let role = if w.ident.as_deref().is_some_and(names_etcd) {
            Role::Etcd
        } else if let Some(r) = w.content_role {
            r
        } else if let (Some(pod), Some(container)) = (&w.pod, &w.ident) {
            let hint = PathHint {
                namespace: self.hint.namespace.clone(),
                pod: Some(pod.clone()),
                container: Some(container.clone()),
                stem: self.hint.stem.clone(),
            };
            return subject_for(role_from_hint(&hint).unwrap_or(Role::Other), &hint);
        } else if self.role != Role::Other && w.ident.is_some() {
            // A k3s/RKE2 unit read as an etcd or apiserver log: its other lines are the unit's controllers'.
            return subject_for(Role::Other, &self.hint);
        } else {
            return self.subject.clone();
        };
        if role == self.role && (self.hint.pod.is_some() || w.host.is_none()) && w.pod.is_none() {
            return self.subject.clone();
        }
        let name = w.pod.clone().or(self.hint.pod.clone()).or(w.host.clone()).unwrap_or_else(|| self.subject.label());
        match role {
            Role::Etcd => Subject::EtcdMember { name },
            Role::ApiServer => Subject::ApiServer { name },
            Role::Other => self.subject.clone(),
        }
    }

    fn apply(&mut self, line_no: u64, c: Classified) {
        let line_no = self.line_map.as_ref().map_or(line_no, |m| m.original_line(line_no));
        let subject = match &c.writer {
            Some(w) => {
                let s = self.line_subject(w);
                if self.renamed.is_none() && std::mem::discriminant(&s) == std::mem::discriminant(&self.subject) {
                    self.renamed = Some(s.clone());
                }
                std::borrow::Cow::Owned(s)
            }
            None => std::borrow::Cow::Borrowed(&self.subject),
        };
        self.formats.see(c.wrapper, c.content);
        let outer = c.outer_time.as_ref().and_then(|t| self.placer.place(t, self.file_ref, &mut self.note));
        let outer_exact = matches!(c.outer_time, Some(LineTime::Exact(_)));
        if let Some(LineTime::Exact(t)) = &c.outer_time {
            self.file_ref = Some(*t);
        }
        match c.facts {
            Ok(None) => {}
            Ok(Some(facts)) => {
                let inner_exact = matches!(facts.time, Some(LineTime::Exact(_)));
                // Prefer the line's own exact time; else the wrapper's; else place the inner partial time.
                let (at, assumed) = match (&facts.time, outer) {
                    (Some(LineTime::Exact(t)), _) => (Some(*t), false),
                    (_, Some(o)) if outer_exact => (Some(o), false),
                    (Some(t), _) => (self.placer.place(t, self.file_ref, &mut self.note), true),
                    (None, o) => (o, true),
                };
                if inner_exact {
                    self.file_ref = at;
                }
                if let (Some(id), Subject::EtcdMember { name }) = (facts.local_member_id, subject.as_ref()) {
                    if !self.member_ids.iter().any(|(_, known)| *known == id) {
                        self.member_ids.push((name.clone(), id));
                    }
                }
                if let Some(kind) = facts.signal {
                    match at {
                        Some(at) => {
                            self.summary.matched += 1;
                            let origin = Origin::new(self.source.clone(), Some(line_no));
                            self.folder.add(&subject, kind, at, origin, assumed);
                        }
                        None => self.undated += 1,
                    }
                }
            }
            Err(_malformed) => {
                self.summary.malformed += 1;
                if self.summary.malformed_lines.len() < MAX_LISTED_MALFORMED {
                    self.summary.malformed_lines.push(line_no);
                }
            }
        }
    }
}

/// Threads that classify candidate lines; scanning and folding run beside them, so a large log keeps every core
/// busy. Folding stays sequential and in line order. One more worker than cores fills the moments the scanner and
/// the folder wait (measured on 2 cores: 2 workers 1.34 s, 3 workers 1.30 s, 4 workers 1.30 s per GiB).
fn classify_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() + 1).clamp(2, 4)
}

fn read_log_file(
    path: &Path,
    shown: &str,
    role: Role,
    shape: LogShape,
    hint: &PathHint,
    placer: &mut Placer,
    evidence: &mut Evidence,
) -> io::Result<()> {
    use std::sync::Mutex;
    use std::sync::mpsc::sync_channel;

    let subject = subject_for(role, hint);
    let scanner = Scanner::joining_cri_partials(parse::NEEDLES, MAX_JOINED_LINE_BYTES);
    let scanner = if shape.json_records { scanner.expecting_json_records() } else { scanner };
    // Records spread over lines are joined in memory first (bounded by MAX_NORMALISE_BYTES at sniffing).
    let normalised = if shape.normalise {
        let mut text = String::new();
        let mut bytes = Vec::new();
        open(path)?.read_to_end(&mut bytes)?;
        text.push_str(&String::from_utf8_lossy(&bytes));
        Some(parse::paste::normalise(&text))
    } else {
        None
    };
    let source: std::sync::Arc<str> = shown.into();
    let summary = InputSummary {
        source: shown.to_string(),
        format: String::new(),
        subject: Some(subject.clone()),
        lines: 0,
        matched: 0,
        malformed: 0,
        malformed_lines: Vec::new(),
        outside_window: 0,
    };
    let state = FileState {
        subject: subject.clone(),
        source: source.clone(),
        placer,
        folder: Folder::new(),
        summary,
        note: Placement::default(),
        file_ref: None,
        undated: 0,
        member_ids: Vec::new(),
        formats: FormatTally::default(),
        line_map: None,
        hint: hint.clone(),
        role,
        renamed: None,
    };
    let mut state = state;
    let reader: Box<dyn Read> = match normalised {
        Some(mut n) => {
            let text = std::mem::take(&mut n.text);
            state.line_map = Some(n);
            Box::new(io::Cursor::new(text.into_bytes()))
        }
        None => open(path)?,
    };
    let map_line = |n: u64, map: &Option<parse::paste::Normalised>| map.as_ref().map_or(n, |m| m.original_line(n));
    let line_map_copy = state.line_map.clone();
    let reader = BufReader::with_capacity(1 << 16, reader);
    let mut suspects: Vec<u64> = Vec::new();
    let mut suspect_count = 0u64;
    let mut overlong: Vec<u64> = Vec::new();
    let mut overlong_count = 0u64;
    let (work_tx, work_rx) = sync_channel::<(u64, Batch)>(4);
    let work_rx = Mutex::new(work_rx);
    let (outcome, state) = std::thread::scope(|scope| {
        let (done_tx, done_rx) = sync_channel::<(u64, Vec<(u64, Classified)>)>(4);
        for _ in 0..classify_workers() {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            scope.spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked; stop, the scope re-raises its panic.
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, batch)) = next else { return };
                    if done_tx.send((seq, batch.classify(shape.per_line_subject))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut state = state;
        let folding = scope.spawn(move || {
            // Batches finish out of order across workers; fold them in sequence.
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            for (seq, lines) in done_rx {
                pending.insert(seq, lines);
                while let Some(lines) = pending.remove(&next) {
                    for (line_no, c) in lines {
                        state.apply(line_no, c);
                    }
                    next += 1;
                }
            }
            state
        });
        let mut batch = Batch::default();
        let mut seq = 0u64;
        let outcome = scanner.scan_checked(
            reader,
            |line_no, bytes| {
                batch.push(line_no, bytes);
                if batch.full() {
                    let full = std::mem::take(&mut batch);
                    if work_tx.send((seq, full)).is_err() {
                        return false;
                    }
                    seq += 1;
                }
                true
            },
            |line_no, bytes| {
                // A line that does not end like a JSON record is damaged unless it is a dated line of a text
                // format (etcd 3.4 prints a few capnslog lines even with --logger=zap).
                let line = String::from_utf8_lossy(bytes);
                let un = parse::unwrap_line(&line);
                let content = un.content.as_ref();
                // `kubectl cluster-info dump` frames each log with `==== START logs for container ... ====`.
                let dump_marker =
                    content.starts_with("==== START logs for") || content.starts_with("==== END logs for");
                let text_record =
                    dump_marker || (!content.starts_with('{') && parse::time::line_time(content).is_some());
                if !text_record {
                    suspect_count += 1;
                    if suspects.len() < MAX_LISTED_MALFORMED {
                        suspects.push(map_line(line_no, &line_map_copy));
                    }
                }
            },
            |line_no| {
                overlong_count += 1;
                if overlong.len() < MAX_LISTED_MALFORMED {
                    overlong.push(map_line(line_no, &line_map_copy));
                }
            },
        );
        if !batch.lines.is_empty() {
            let _ = work_tx.send((seq, batch));
        }
        drop(work_tx);
        let state = folding.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (outcome, state)
    });
    let outcome = outcome?;
    let FileState {
        folder,
        mut summary,
        mut note,
        file_ref,
        undated,
        member_ids,
        formats,
        placer,
        line_map,
        renamed,
        ..
    } = state;
    let subject = renamed.unwrap_or(subject);
    summary.subject = Some(subject.clone());
    let stats = outcome.stats;
    // Lines of a JSON-per-line log that do not end like a record are damaged (truncated, broken, glued).
    summary.malformed += suspect_count + overlong_count;
    summary.malformed_lines.extend(suspects);
    summary.malformed_lines.extend(overlong.iter().copied());
    summary.malformed_lines.sort_unstable();
    summary.malformed_lines.truncate(MAX_LISTED_MALFORMED);
    summary.lines = match &line_map {
        Some(m) => m.input_lines,
        None => stats.lines,
    };
    summary.format = formats.describe(role);
    // The file's first and last lines give its time span (a container run, for /var/log/pods files).
    let edge_time = |bytes: &[u8], placer: &Placer, note: &mut Placement| -> Option<Timestamp> {
        let line = String::from_utf8_lossy(bytes);
        let un = parse::unwrap_line(&line);
        let t = parse::time::line_time(un.content.as_ref()).or(un.outer_time)?;
        placer.place(&t, file_ref, note)
    };
    let first_at = edge_time(&outcome.first_line, placer, &mut note);
    let last_at = edge_time(&outcome.last_line, placer, &mut note);
    if let (Some(first_at), Some(last_at)) = (first_at, last_at) {
        let run = hint.container.as_ref().and_then(|_| hint.stem.parse::<u32>().ok());
        evidence.log_spans.push(LogSpan {
            subject: subject.clone(),
            run,
            first_at,
            last_at: last_at.max(first_at),
            first: Origin::new(source.clone(), Some(1)),
            last: Origin::new(source.clone(), Some(summary.lines.max(1))),
        });
    }
    if let Some(t) = file_ref {
        placer.saw_exact(t);
    }
    let (signals, coarsened) = folder.finish();
    if let Some(gap) = coarsened {
        evidence.assumptions.push(format!(
            "{shown}: so many signals that bursts were folded at {gap}s resolution (instead of {FOLD_GAP_SECS}s) to bound memory"
        ));
    }
    if let Some(last) = signals.iter().filter(|s| !s.time_assumed).map(|s| s.last_at).max() {
        placer.saw_exact(last);
    }
    if summary.malformed > 0 {
        let listed: Vec<String> = summary.malformed_lines.iter().map(u64::to_string).collect();
        let too_long = if overlong_count == 0 {
            String::new()
        } else {
            let lines: Vec<String> = overlong.iter().map(u64::to_string).collect();
            format!(
                "; of these, the line(s) starting at {}{} were split by the container runtime into partial records \
                 that join to more than {} MiB, and were not read",
                lines.join(", "),
                if overlong_count as usize > lines.len() { ", ..." } else { "" },
                MAX_JOINED_LINE_BYTES >> 20
            )
        };
        evidence.gaps.push(Gap {
            what: format!("{} malformed line(s) in {shown}", summary.malformed),
            why: format!(
                "lines {}{} look like log records but could not be parsed{too_long}",
                listed.join(", "),
                if summary.malformed as usize > listed.len() { ", ..." } else { "" }
            ),
            missing: EvidenceKind::LogLines,
            effect: GapEffect::LinesUncounted,
            remedy: None,
        });
    }
    if undated > 0 {
        evidence.gaps.push(Gap {
            what: format!("{undated} line(s) in {shown} without a usable timestamp"),
            why: "no timestamp on the line or its wrapper".into(),
            missing: EvidenceKind::LogLines,
            effect: GapEffect::Undated,
            remedy: None,
        });
    }
    if note.used_zone || note.used_year.is_some() {
        let year = match (note.used_year, note.year_from_fallback) {
            (Some(y), true) => format!("; year {y} assumed from the current date (no dated evidence)"),
            (Some(y), false) => format!("; year {y} taken from the surrounding dated evidence"),
            (None, _) => String::new(),
        };
        evidence
            .assumptions
            .push(format!("{shown}: timestamps carry no time zone; read as {}{year}", placer.opts.assume_tz));
    }
    // The first local id a member's own lines reveal is its id; name it after that member (the file's subject,
    // or for a journal mixing writers, the member its etcd lines were given).
    let mut named: Vec<&str> = Vec::new();
    for (name, id) in &member_ids {
        if !named.contains(&name.as_str()) {
            named.push(name);
            evidence.member_ids.push(MemberId { name: name.clone(), id: id.clone() });
        }
    }
    evidence.signals.extend(signals);
    evidence.inputs.push(summary);
    Ok(())
}

/// The shape of a line's content, for the inventory.
#[derive(Debug, Clone, Copy)]
enum ContentKind {
    Json,
    Klog,
    Text,
}

impl ContentKind {
    fn of(content: &str) -> Self {
        let b = content.as_bytes();
        if b.first() == Some(&b'{') {
            ContentKind::Json
        } else if b.len() > 1 && matches!(b[0], b'I' | b'W' | b'E' | b'F') && b[1].is_ascii_digit() {
            ContentKind::Klog
        } else {
            ContentKind::Text
        }
    }
}

/// Which wrapper and inner format a file's candidate lines used (for the inventory).
#[derive(Default)]
struct FormatTally {
    wrapper: Option<Wrapper>,
    zap: u64,
    capnslog: u64,
    klog: u64,
}

impl FormatTally {
    fn see(&mut self, wrapper: Wrapper, content: ContentKind) {
        if self.wrapper.is_none() {
            self.wrapper = Some(wrapper);
        }
        match content {
            ContentKind::Json => self.zap += 1,
            ContentKind::Klog => self.klog += 1,
            ContentKind::Text => self.capnslog += 1,
        }
    }

    fn describe(&self, role: Role) -> String {
        let who = match role {
            Role::Etcd => "etcd log",
            Role::ApiServer => "kube-apiserver log",
            Role::Other => "container log",
        };
        let inner = if self.zap >= self.capnslog.max(self.klog) && self.zap > 0 {
            if role == Role::Etcd { "zap JSON" } else { "JSON" }
        } else if self.klog >= self.capnslog && self.klog > 0 {
            "klog"
        } else if self.capnslog > 0 {
            if role == Role::Etcd { "capnslog" } else { "text" }
        } else {
            "no relevant lines"
        };
        let wrapper = match self.wrapper {
            Some(Wrapper::Cri) => ", CRI file",
            Some(Wrapper::KubectlTimestamps) => ", kubectl logs --timestamps",
            Some(Wrapper::DockerJson) => ", Docker json-file",
            Some(Wrapper::Journald) => ", journald",
            _ => "",
        };
        format!("{who} ({inner}{wrapper})")
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

    #[test]
    fn etcd_server_lines_are_told_from_client_lines() {
        // Lines from ETCD-SIGNALS.md §1.1 (verbatim) and §3 K1 (the etcd-client line, its `target` field dropped).
        assert!(is_etcd_server_line(
            "2020-10-20 12:15:22.876237 W | etcdserver: read-only range request \"...\" with result \"...\" took too long (2.285637356s) to execute"
        ));
        assert!(is_etcd_server_line("raft2026/11/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2"));
        assert!(!is_etcd_server_line(
            r#"{"level":"warn","ts":"2022-08-24T01:58:02.531Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}"#
        ));
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: Timestamp::default() };
        let err = read_paths(&[PathBuf::from("/nonexistent/etcd.log")], &opts).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/etcd.log"), "{err}");
    }

    fn read_one(dir: &Path, lines: &[String]) -> Evidence {
        let member_dir = dir.join("var/log/pods/kube-system_etcd-node1_uid/etcd");
        std::fs::create_dir_all(&member_dir).unwrap();
        std::fs::write(member_dir.join("0.log"), lines.join("\n") + "\n").unwrap();
        let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: Timestamp::default() };
        read_paths(&[dir.to_path_buf()], &opts).unwrap()
    }

    /// `(first line, count)` of each slow-WAL burst.
    fn wal_bursts(e: &Evidence) -> Vec<(u64, u64)> {
        let wal = e.signals.iter().filter(|s| s.class() == crate::evidence::SignalClass::SlowWalSync);
        wal.map(|s| (s.first.line.unwrap_or(0), s.count)).collect()
    }

    /// The first 300 lines of a real CRI file (lab capture: tests/fixtures/shared-slow, etcd-node1).
    fn captured_cri_lines() -> Vec<String> {
        let pods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods");
        let dir = std::fs::read_dir(&pods)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("kube-system_etcd-node1_"))
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("etcd/0.log")).unwrap();
        text.lines().take(300).map(str::to_string).collect()
    }

    #[test]
    fn split_cri_records_are_joined_and_cited_at_their_first_part() {
        let whole = captured_cri_lines();
        // Transformation of the real lines: each slow-fdatasync record split in three (P, P, F) mid-needle.
        let mut split = Vec::new();
        let mut first_parts = Vec::new();
        for l in &whole {
            let Some(at) = l.find("slow fdatasync") else {
                split.push(l.clone());
                continue;
            };
            let h = parse::cri_header(l.as_bytes()).unwrap();
            let (head, content) = (&l[..h.time_len], &l[h.content_at..]);
            let (a, b) = (at - h.content_at + 5, at - h.content_at + 30);
            first_parts.push(split.len() as u64 + 1);
            split.push(format!("{head} stderr P {}", &content[..a]));
            split.push(format!("{head} stderr P {}", &content[a..b]));
            split.push(format!("{head} stderr F {}", &content[b..]));
        }
        assert!(first_parts.len() >= 3, "the capture has slow fdatasync lines");
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let from_whole = read_one(d1.path(), &whole);
        let from_split = read_one(d2.path(), &split);
        let counts = |e: &Evidence| wal_bursts(e).iter().map(|b| b.1).collect::<Vec<_>>();
        assert_eq!(counts(&from_split), counts(&from_whole));
        assert_eq!(counts(&from_whole).iter().sum::<u64>(), first_parts.len() as u64);
        assert!(wal_bursts(&from_split).iter().all(|(line, _)| first_parts.contains(line)), "{first_parts:?}");
        let input = &from_split.inputs[0];
        assert_eq!((input.malformed, input.lines), (0, split.len() as u64), "{:?}", from_split.gaps);
        assert!(input.format.contains("zap JSON, CRI file"), "{}", input.format);
    }

    #[test]
    fn an_over_long_split_line_is_counted_malformed_at_its_first_part() {
        let real = captured_cri_lines();
        let slow = real.iter().find(|l| l.contains("slow fdatasync")).unwrap();
        let head = &slow[..slow.find(" stderr F ").unwrap()];
        // Constructed: a 1.1 MiB line as 16 KiB partial records (containerd's split size), then a real record.
        let mut lines = vec![real[0].clone()];
        lines.extend((0..70).map(|_| format!("{head} stderr P {}", "x".repeat(16 * 1024))));
        lines.push(format!("{head} stderr F }}"));
        lines.push(slow.clone());
        let dir = tempfile::tempdir().unwrap();
        let e = read_one(dir.path(), &lines);
        let input = &e.inputs[0];
        assert_eq!((input.malformed, input.malformed_lines.as_slice()), (1, &[2][..]));
        assert_eq!(wal_bursts(&e), vec![(73, 1)], "the record after it is read");
        let gap = e.gaps.iter().find(|g| g.what.contains("malformed")).unwrap();
        assert!(gap.why.contains("starting at 2") && gap.why.contains("more than 1 MiB"), "{}", gap.why);
    }

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

#[cfg(test)]
mod format_tests {
    //! Real journald output: `tests/formats/journald/make.py` stores verbatim public lines (k3s-io/k3s#2853,
    //! rancher/rancher#30483) and the lab's real etcd lines in a real journal file (systemd-journal-remote) and
    //! prints it with the real `journalctl` in each output mode.
    use super::*;
    use crate::evidence::{ContainerState, SignalClass};

    fn read_text(name: &str, text: &str) -> Evidence {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let opts = ReadOptions {
            assume_tz: chrono_tz::UTC,
            fallback_now: DateTime::parse_from_rfc3339("2021-02-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc),
        };
        read_paths(&[dir.path().join(name)], &opts).unwrap()
    }

    fn journald(file: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/journald").join(file))
            .unwrap()
    }

    use chrono::DateTime;

    fn of_class(e: &Evidence, class: SignalClass) -> Vec<&Signal> {
        e.signals.iter().filter(|s| s.class() == class).collect()
    }

    #[test]
    fn k3s_unit_lines_are_each_classified_as_what_they_are_in_every_journalctl_mode() {
        for mode in ["short", "short-iso", "short-precise", "json"] {
            let e = read_text("k3s.log", &journald(&format!("k3s-2853.{mode}.txt")));
            let wal = of_class(&e, SignalClass::SlowWalSync);
            assert_eq!(wal.len(), 1, "{mode}: {:?}", e.signals);
            assert_eq!(wal[0].subject, Subject::EtcdMember { name: "dev-ln01".into() }, "{mode}");
            assert_eq!(wal[0].latency.as_ref().unwrap().max_ms, 7454.439372);
            // The zap line's own time (06:42:36+01:00), not the journal's.
            assert_eq!(wal[0].first_at.to_rfc3339(), "2021-01-25T05:42:36+00:00", "{mode}");
            assert_eq!(wal[0].first.line, Some(2), "{mode}");
            let apply = of_class(&e, SignalClass::SlowApply);
            assert_eq!(apply[0].subject, Subject::EtcdMember { name: "dev-ln01".into() }, "{mode}");
            // The controller's lease line stays the unit's own (a container), not etcd's.
            let lease = of_class(&e, SignalClass::LeaseRenewFailed);
            assert_eq!(lease.len(), 1, "{mode}: {:?}", e.signals);
            assert!(matches!(lease[0].subject, Subject::Container { .. }), "{mode}: {:?}", lease[0].subject);
            let input = &e.inputs[0];
            assert!(input.format.contains("journald"), "{mode}: {}", input.format);
            assert_eq!((input.lines, input.malformed), (4, 0), "{mode}: {:?}", e.gaps);
        }
    }

    #[test]
    fn journalctl_cat_output_is_read_without_a_host() {
        let e = read_text("k3s.log", &journald("k3s-2853.cat.txt"));
        let wal = of_class(&e, SignalClass::SlowWalSync);
        assert_eq!(wal.len(), 1, "{:?}", e.signals);
        assert_eq!(wal[0].first_at.to_rfc3339(), "2021-01-25T05:42:36+00:00");
    }

    #[test]
    fn etcd_unit_is_etcd_evidence_in_every_mode_and_agrees_with_the_cri_file() {
        let cri = captured_cri_prefix(160);
        let from_cri = read_text("etcd-node1.log", &cri);
        let count = |e: &Evidence| of_class(e, SignalClass::SlowWalSync).iter().map(|s| s.count).sum::<u64>();
        let expected = count(&from_cri);
        assert!(expected >= 3, "the capture has slow fdatasync lines");
        for mode in ["short", "short-iso", "short-precise", "json", "cat"] {
            // A name that says nothing: the role must come from the journal identifier or the lines.
            let e = read_text("journal.txt", &journald(&format!("etcd-node1.{mode}.txt")));
            assert_eq!(count(&e), expected, "{mode}");
            let want = if mode == "cat" { "journal" } else { "node1" };
            for s in &e.signals {
                assert_eq!(s.subject, Subject::EtcdMember { name: want.into() }, "{mode}: {:?}", s.kind);
            }
            assert!(e.inputs[0].format.starts_with("etcd log"), "{mode}: {}", e.inputs[0].format);
        }
    }

    #[test]
    fn logrus_lines_in_a_k3s_unit_are_recognised() {
        for mode in ["short", "short-iso", "json"] {
            let e = read_text("k3s.log", &journald(&format!("rancher-30483.{mode}.txt")));
            assert_ne!(e.inputs[0].format, "unrecognised", "{mode}");
            assert_eq!(e.inputs[0].malformed, 0, "{mode}");
        }
    }

    fn kubectl_text(name: &str) -> String {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/kubectl").join(name)).unwrap()
    }

    #[test]
    fn describe_and_get_pods_pastes_are_restart_evidence() {
        // kubernetes-retired/service-catalog#2770: a describe container section.
        let e = read_text("describe.txt", &kubectl_text("servicecatalog-2770-etcd-oomkilled-describe.txt"));
        let [c] = e.containers.as_slice() else { panic!("{:?}", e.inputs) };
        assert!(matches!(&c.state, ContainerState::Waiting { reason, .. } if reason == "CrashLoopBackOff"));
        let t = c.last_termination.as_ref().unwrap();
        assert_eq!((t.exit_code, t.reason.as_deref(), t.finished_at), (137, Some("OOMKilled"), None));
        assert!(e.inputs[0].format.starts_with("kubectl describe pod"), "{}", e.inputs[0].format);
        assert!(e.assumptions.iter().any(|a| a.contains("no pod name")), "{:?}", e.assumptions);
        // karmada-io/karmada#4769: a get pods table; last restarts are relative and say so.
        let e = read_text("pods.txt", &kubectl_text("karmada-4769-expired-certs-get-pods.txt"));
        assert_eq!(e.containers.len(), 6);
        assert_eq!(e.containers.iter().map(|c| c.restart_count).max(), Some(62237));
        assert!(e.containers.iter().all(|c| c.last_termination.is_none()));
        assert!(e.assumptions.iter().any(|a| a.contains("12m ago") && a.contains("not placed")), "{:?}", e.assumptions);
    }

    #[test]
    fn event_tables_without_an_anchor_are_stated_not_placed() {
        // NetApp/trident#249.
        let e = read_text("events.txt", &kubectl_text("trident-249-quoted-liveness-events.txt"));
        assert!(e.events.is_empty());
        assert!(
            e.assumptions.iter().any(|a| a.contains("Unhealthy x28") && a.contains("relative ages")),
            "{:?}",
            e.assumptions
        );
    }

    #[test]
    fn an_unrecognised_file_is_reported_with_its_first_line() {
        // Constructed (not a log shape): a line no reader knows, longer than the quoted 120 characters.
        let e = read_text("notes.txt", &format!("{}\nsecond line\n", "x".repeat(300)));
        assert_eq!(e.inputs[0].format, "unrecognised");
        let gap = e.gaps.iter().find(|g| g.what.contains("notes.txt")).unwrap();
        assert!(gap.why.contains(&format!("\"{}...\"", "x".repeat(120))), "{}", gap.why);
    }

    #[test]
    fn must_gather_layout_names_the_member_and_etcd_info_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("namespaces/openshift-etcd/pods/etcd-master-0/etcd/etcd/logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::write(logs.join("current.log"), captured_cri_prefix(160)).unwrap();
        let info = dir.path().join("etcd_info");
        std::fs::create_dir_all(&info).unwrap();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/etcdctl-3.4.23");
        for (from, to) in [
            ("member_list.json", "member_list.json"),
            ("endpoint_status_nospace.json", "endpoint_status.json"),
            ("endpoint_health.json", "endpoint_health.json"),
            ("alarm_list_nospace.json", "alarm_list.json"),
            ("etcd_object_count", "etcd_object_count"),
        ] {
            std::fs::copy(real.join(from), info.join(to)).unwrap();
        }
        let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: Timestamp::default() };
        let e = read_paths(&[dir.path().to_path_buf()], &opts).unwrap();
        assert!(e.signals.iter().all(|s| s.subject == Subject::EtcdMember { name: "etcd-master-0".into() }));
        assert!(!e.signals.is_empty());
        assert_eq!((e.etcd_status.len(), e.etcd_health.len()), (1, 1));
        assert_eq!(e.etcd_alarms[0].alarm, "NOSPACE");
        assert!(e.member_ids.iter().any(|m| m.name == "m1" && m.id == "bdae9bbc11dd390d"));
        let status = e.inputs.iter().find(|i| i.source.ends_with("endpoint_status.json")).unwrap();
        assert!(status.format.contains("(leader)") && status.format.contains("alarm:NOSPACE"), "{}", status.format);
        assert!(e.inputs.iter().all(|i| i.format != "unrecognised"), "{:?}", e.inputs);
    }

    #[test]
    fn a_pasted_pretty_printed_record_is_read_and_cited_at_its_first_line() {
        // Real: the pretty-printed zap record of parse::paste's tests (a kubernetes/enhancements KEP draft).
        let text = "Some etcd warnings:\n\n{\n    \"level\": \"warn\",\n    \"ts\": \"2022-03-31T23:00:06.771Z\",\n    \"caller\": \"etcdserver/util.go:163\",\n    \"msg\": \"apply request took too long\",\n    \"took\": \"111.479086ms\",\n    \"expected-duration\": \"100ms\",\n    \"prefix\": \"read-only range \",\n    \"request\": \"key:\\\"/registry/pods/\\\" range_end:\\\"/registry/pods0\\\" \",\n    \"response\": \"range_response_count:27893 size:191330794\"\n}\n";
        let e = read_text("paste.txt", text);
        // 27893 keys in one response: an expensive request, not a slow apply.
        let apply = of_class(&e, SignalClass::ExpensiveRequest);
        assert_eq!(apply.len(), 1, "{:?} {:?}", e.inputs, e.gaps);
        assert_eq!(apply[0].first.line, Some(3));
        assert_eq!(apply[0].subject, Subject::EtcdMember { name: "paste".into() });
        assert_eq!((e.inputs[0].lines, e.inputs[0].malformed), (13, 0), "{:?}", e.gaps);
    }

    #[test]
    fn a_docker_json_file_with_logrus_and_split_records_is_read() {
        // Real: rancher/rancher#30483 records; the second is a transformation (its log split in two, dockerd's
        // 16 KiB split) carrying a real etcd line (k3s-io/k3s#2853) so that the join is observable.
        let whole = r#"{"log":"time=\"2020-12-11T01:56:43.341654429Z\" level=info msg=\"k3s is up and running\"\n","stream":"stderr","time":"2020-12-11T01:56:43.341843664Z"}"#;
        let p1 = r#"{"log":"{\"level\":\"warn\",\"ts\":\"2021-01-25T06:42:36.000+0100\",\"caller\":\"wal/wal.go:806\",\"msg\":\"slow fd","stream":"stderr","time":"2021-01-25T05:42:36.000100Z"}"#;
        let p2 = r#"{"log":"atasync\",\"took\":\"7.454439372s\",\"expected-duration\":\"1s\"}\n","stream":"stderr","time":"2021-01-25T05:42:36.000200Z"}"#;
        let e = read_text("container-json.log", &format!("{whole}\n{p1}\n{p2}\n"));
        let wal = of_class(&e, SignalClass::SlowWalSync);
        assert_eq!(wal.len(), 1, "{:?} {:?}", e.inputs, e.gaps);
        assert_eq!(wal[0].first.line, Some(2));
        assert!(e.inputs[0].format.contains("Docker json-file"), "{}", e.inputs[0].format);
        assert_eq!((e.inputs[0].lines, e.inputs[0].malformed), (3, 0));
    }

    #[test]
    fn goreman_lines_name_their_member() {
        // Real: etcd-io/etcd#14433 (goreman output of a local cluster).
        let e = read_text(
            "procfile.log",
            &format!(
                "{}\n",
                r#"16:16:52 etcd4 | {"level":"info","ts":"2022-09-06T16:16:52.370-0400","caller":"rafthttp/stream.go:169","msg":"started stream writer with remote peer","local-member-id":"45d559f8148de837","remote-peer-id":"91bc3c398fb3c146"}"#
            ),
        );
        assert!(e.member_ids.iter().any(|m| m.name == "etcd4" && m.id == "45d559f8148de837"), "{:?}", e.member_ids);
        assert!(e.inputs[0].format.starts_with("etcd log"), "{}", e.inputs[0].format);
    }

    #[test]
    fn debug_capnslog_with_its_caller_is_etcd_evidence() {
        // Real: etcd-io/etcd#11012 (etcd 3.3 at debug level).
        let e = read_text(
            "etcd-debug.log",
            &format!(
                "{}\n",
                r#"2019-08-09 10:57:51.131115 [pkg_logger.go:114] W | etcdserver: failed to send out heartbeat on time (exceeded the 100ms timeout for 71.742296ms)"#
            ),
        );
        let late = of_class(&e, SignalClass::HeartbeatLate);
        assert_eq!(late.len(), 1, "{:?}", e.signals);
        assert!(matches!(late[0].subject, Subject::EtcdMember { .. }));
        assert!(e.inputs[0].format.starts_with("etcd log (capnslog"), "{}", e.inputs[0].format);
    }

    #[test]
    fn embedded_etcd_through_go_standard_log_is_etcd_evidence() {
        // Real: etcd-io/etcd#8216 (issue body).
        let text = "2017/06/20 12:53:52 server.go:636: Warning: avoid queries with large range/delete range!
2017/06/20 12:54:01 wal.go:403: Warning: sync duration of 8.001014846s, expected less than 1s
2017/06/20 12:55:12 wal.go:403: Warning: sync duration of 1m11.162122634s, expected less than 1s
2017/06/20 12:55:12 index.go:171: Info: store.index: compact 1747703
";
        let e = read_text("embedded.log", text);
        let wal = of_class(&e, SignalClass::SlowWalSync);
        assert_eq!(wal.iter().map(|s| s.count).sum::<u64>(), 2, "{:?}", e.signals);
        assert_eq!(wal[0].subject, Subject::EtcdMember { name: "embedded".into() });
        assert_eq!(wal.iter().map(|s| s.latency.as_ref().unwrap().max_ms).fold(0.0, f64::max), 71162.122634);
        assert_eq!(wal[0].first_at.to_rfc3339(), "2017-06-20T12:54:01+00:00");
    }

    #[test]
    fn text_files_read_whole_are_cut_at_the_limit_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.txt");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_text_limited(&path, 4).unwrap(), ("0123".to_string(), true));
        assert_eq!(read_text_limited(&path, 10).unwrap(), ("0123456789".to_string(), false));
    }

    #[test]
    fn single_metrics_dumps_and_fio_output_are_untimed_disk_evidence() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats");
        let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap();
        // etcd-io/etcd#9544: healthy-looking WAL fsync (p99 in the 2-4 ms bucket), yet 48 syncs of 512 ms or more.
        let e = read_text("metrics.txt", &read("metrics/etcd-9544-wal-fsync-dump.txt"));
        let [d] = e.disk_readings.as_slice() else { panic!("{:?}", e.inputs) };
        assert_eq!(d.metric, "etcd_disk_wal_fsync_duration_seconds");
        assert_eq!(d.bucket_ms, Some((2.0, 4.0)));
        assert_eq!((d.total_ops, d.slow_ops), (Some(367535), Some(48)));
        // etcd-io/etcd#8586: the etcd 3.0 name, with a command line pasted first; p99 in the 128-256 ms bucket.
        let e = read_text("metrics.txt", &read("metrics/etcd-8586-old-name-curl.txt"));
        let [d] = e.disk_readings.as_slice() else { panic!("{:?}", e.inputs) };
        assert_eq!((d.metric.as_str(), d.bucket_ms), ("etcd_disk_wal_fsync_duration_seconds", Some((128.0, 256.0))));
        assert!(e.inputs[0].format.starts_with("etcd disk figures pasted as text (no time)"), "{}", e.inputs[0].format);
        // A real fio 3.33 run: the fdatasync block.
        let e = read_text("fio.txt", &read("fio/fio-3.33-fdatasync.txt"));
        let [p] = e.disk_probes.as_slice() else { panic!("{:?}", e.inputs) };
        let close = |v: Option<f64>, want: f64| v.is_some_and(|v| (v - want).abs() < 1e-9);
        assert!(close(p.fdatasync_p99_ms, 12.649) && close(p.fdatasync_max_ms, 79.956), "{p:?}");
    }

    /// The first `n` lines of the lab's etcd-node1 CRI capture (the same lines `make.py` put in the journal).
    fn captured_cri_prefix(n: usize) -> String {
        let pods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods");
        let dir = std::fs::read_dir(&pods)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("kube-system_etcd-node1_"))
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("etcd/0.log")).unwrap();
        text.lines().take(n).map(|l| format!("{l}\n")).collect()
    }
}
