//! Offline source: files and folders (plain logs, CRI files under `/var/log/pods`, `kubectl logs --timestamps`
//! output, `kubectl get -o json` dumps, `kubectl cluster-info dump` folders, `.gz` files).
//!
//! Recognises inputs by content, not name; the path only names the subject (pod, container, member). Whatever
//! cannot be read becomes a [`Gap`] or a counted malformed line, never a silent drop.
//!
//! Files by job: `walk` (the files under a path, opening one), `sniff` (what a file holds, from its content),
//! `naming` (whose file it is, from its path), `pipeline` (reading a log line by line), `placer` (times without
//! zone or year), `fold` (signals into bursts), `whole` (files read whole: dumps, pastes, `kubectl` output).

mod fold;
#[cfg(test)]
mod format_tests;
mod naming;
mod pipeline;
mod placer;
mod sniff;
mod walk;
mod whole;

use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use crate::evidence::inputs::{DeviceAwait, KindCount};
use crate::evidence::{Evidence, Gap, InputFormat, InputSummary, Timestamp};
use crate::evidence::{EvidenceKind, FileGap, GapEffect, GapReason};
use crate::parse;
use crate::sources::bundle;

use naming::path_hint;
use pipeline::read_log_file;
use placer::Placer;
use sniff::{FileKind, first_line, sniff};
use walk::{Found, Seen, collect_files, open};
use whole::{disk_paste_evidence, read_etcdctl, read_kube_file, read_kubectl_text, read_text, unreadable};

/// How lines fold into bursts: the constants of the one burst folder, in the thresholds module.
pub use crate::model::thresholds::bursts::{FOLD_GAP_SECS, MAX_BURST_SECS};

/// Errors that stop the run (everything else becomes a gap).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path given on the command line does not exist or cannot be listed.
    #[error("cannot read {path}")]
    Path {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Nothing at all could be read: every input, and every entry under the folders given, is missing,
    /// unreadable, or not a file that is read (a FIFO, a socket, a link out of the folder).
    #[error("nothing could be read: {}", list_unread(.unread))]
    NothingReadable { unread: Vec<Gap> },
}

/// Gaps are worded by their `Display` (in `report::words::gaps`).
fn list_unread(unread: &[Gap]) -> String {
    unread.iter().map(Gap::to_string).collect::<Vec<_>>().join("; ")
}

/// A path given on the command line that cannot be read (when other inputs can be).
fn unreadable_path(path: &Path, e: &io::Error) -> Gap {
    Gap {
        reason: GapReason::File(FileGap::InputUnreadable { path: path.display().to_string(), error: e.to_string() }),
        missing: EvidenceKind::FileContent,
        effect: GapEffect::Unread,
        remedy: None,
    }
}

/// A bundle's manifest, when the folder has one as a regular file: a FIFO of that name would block, and a link
/// could lead out of the folder (the walk names either as a gap). One that cannot be opened is read as a plain
/// file (and its gap says why); one that is a bundle manifest but invalid stops the run as before.
fn read_manifest(root: &Path) -> io::Result<Option<bundle::Manifest>> {
    let is_file = std::fs::symlink_metadata(root.join(bundle::MANIFEST)).is_ok_and(|m| m.is_file());
    if !is_file {
        return Ok(None);
    }
    match bundle::read_manifest(root) {
        Err(e) if e.kind() != io::ErrorKind::InvalidData => Ok(None),
        other => other,
    }
}

/// How to read offline inputs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Zone assumed for timestamps that carry none (capnslog, klog, journald).
    pub assume_tz: chrono_tz::Tz,
    /// Used only when no input carries a year: the instant whose year is assumed.
    pub fallback_now: Timestamp,
}

/// Whose log a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Etcd,
    ApiServer,
    Other,
}

/// Reads every file under `paths` into evidence. A path that is a bundle (`collect`'s folder or `.tar.gz`) is read
/// with paths shown relative to the bundle, and its manifest adds the collection's gaps and window.
pub fn read_paths(paths: &[PathBuf], opts: &ReadOptions) -> Result<Evidence, SourceError> {
    read_paths_limited(paths, opts, &bundle::Limits::default())
}

/// [`read_paths`] with caps on what archives unpack to.
pub fn read_paths_limited(
    paths: &[PathBuf],
    opts: &ReadOptions,
    limits: &bundle::Limits,
) -> Result<Evidence, SourceError> {
    let mut evidence = Evidence::default();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    // Unpacked archives live until everything was read.
    let mut unpacked: Vec<(tempfile::TempDir, crate::cleanup::Guard)> = Vec::new();
    let mut seen = Seen::default();
    // What was not read (an input that cannot be, an entry the walk refused, a file that cannot be opened): gaps,
    // unless nothing at all could be read.
    let mut unread: Vec<Gap> = Vec::new();
    let mut path_errors: Vec<SourceError> = Vec::new();
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(source) => {
                unread.push(unreadable_path(p, &source));
                path_errors.push(SourceError::Path { path: p.clone(), source });
                continue;
            }
        };
        let root = if meta.is_file() && bundle::is_tar_archive(p) {
            let into = tempfile::tempdir().map_err(|source| SourceError::Path { path: p.clone(), source })?;
            let guard = crate::cleanup::remove_on_signal(into.path());
            let done = match bundle::unpack(p, into.path(), limits) {
                Ok(done) => done,
                Err(source) => {
                    unread.push(unreadable_path(p, &source));
                    path_errors.push(SourceError::Path { path: p.clone(), source });
                    continue;
                }
            };
            evidence.gaps.extend(done.gaps);
            unpacked.push((into, guard));
            Some(done.root)
        } else if meta.is_dir() {
            Some(p.clone())
        } else {
            None
        };
        let manifest = match &root {
            Some(r) => read_manifest(r).map_err(|source| SourceError::Path { path: p.clone(), source })?,
            None => None,
        };
        let mut found = Found::default();
        collect_files(root.as_deref().unwrap_or(p), &mut seen, &mut found);
        // How a file is named in the report: inside a bundle, relative to it; inside an archive, after its name.
        let shown = |f: &std::path::Path| -> String {
            match (&root, &manifest) {
                (Some(r), Some(_)) if f != r => f.strip_prefix(r).unwrap_or(f).to_string_lossy().replace('\\', "/"),
                (Some(r), None) if meta.is_file() && f != r => {
                    format!("{}:{}", p.display(), f.strip_prefix(r).unwrap_or(f).to_string_lossy())
                }
                (Some(r), _) if f == r => p.display().to_string(),
                _ => f.display().to_string(),
            }
        };
        if let (Some(r), Some(m)) = (&root, &manifest) {
            found.files.retain(|f| f != &r.join(bundle::MANIFEST));
            evidence.gaps.extend(m.gaps.iter().cloned());
            evidence.gaps.extend(bundle::verify(r, m));
            evidence.collections.push(m.collection.clone());
        }
        for refused in &found.refused {
            unread.push(Gap {
                reason: GapReason::File(FileGap::Refused {
                    path: shown(&refused.path),
                    folder: refused.folder,
                    refusal: refused.refusal.clone(),
                }),
                missing: EvidenceKind::FileContent,
                effect: GapEffect::Unread,
                remedy: None,
            });
        }
        files.extend(found.files.into_iter().map(|f| {
            let name = shown(&f);
            (f, name)
        }));
    }
    // Sniff everything first so that dated inputs are read before undated ones can be placed against them.
    let mut sniffed: Vec<(PathBuf, String, FileKind)> = Vec::new();
    for (path, shown) in files {
        match sniff(&path) {
            Ok(kind) => sniffed.push((path, shown, kind)),
            Err(e) => unread.push(unreadable(&shown, &e)),
        }
    }
    if sniffed.is_empty() && evidence.collections.is_empty() && !unread.is_empty() {
        // Nothing at all could be read: an error naming what could not be (one missing path as before).
        if paths.len() == 1 && path_errors.len() == 1 {
            return Err(path_errors.remove(0));
        }
        return Err(SourceError::NothingReadable { unread });
    }
    evidence.gaps.extend(unread);
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
                    let format =
                        summary.or((!paste.readings.is_empty()).then_some(dump)).unwrap_or(InputFormat::PrometheusText);
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
                    serde_json::from_reader::<_, super::probe::RecordedProbe>(BufReader::new(r))
                        .map_err(io::Error::other)
                });
                match read {
                    Ok(p) => {
                        let format = InputFormat::DiskProbeReport {
                            dir: p.dir.clone(),
                            host: p.host.clone(),
                            at: p.started_at,
                            fdatasync_p50_ms: p.fdatasync_ms.p50,
                            fdatasync_p99_ms: p.fdatasync_ms.p99,
                            fdatasync_max_ms: p.fdatasync_ms.max,
                            iops: p.iops,
                            assessment: p.assessment.clone(),
                        };
                        // A memory-backed folder's figures are memory's, not a disk's: listed, not weighed.
                        let weighed = !p.memory_backed;
                        evidence.disk_probes.extend(weighed.then(|| crate::evidence::DiskProbe {
                            host: p.host.clone(),
                            dir: p.dir.clone(),
                            at: Some(p.started_at),
                            fdatasync_p50_ms: Some(p.fdatasync_ms.p50),
                            fdatasync_p99_ms: Some(p.fdatasync_ms.p99),
                            fdatasync_max_ms: Some(p.fdatasync_ms.max),
                            iops: Some(p.iops),
                            origin: crate::evidence::Origin::new(shown.as_str(), None),
                        }));
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
                    let highest_w_await = parse::diskpaste::iostat_write_await(&text)
                        .map(|(device, w_await_ms)| DeviceAwait { device, w_await_ms });
                    let format = InputFormat::Iostat { highest_w_await };
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
                    let largest = counts
                        .iter()
                        .take(5)
                        .map(|(kind, count)| KindCount { kind: kind.clone(), count: *count })
                        .collect();
                    let format = InputFormat::ObjectCounts { total, largest };
                    let mut input = InputSummary::without_lines(shown, format, 0);
                    input.lines = counts.len() as u64;
                    evidence.inputs.push(input);
                }
                Err(e) => evidence.gaps.push(unreadable(&shown, &e)),
            },
            FileKind::Documentation => {
                evidence.inputs.push(InputSummary::without_lines(shown, InputFormat::Documentation, 0))
            }
            FileKind::Unrecognised => {
                let first = first_line(&path).unwrap_or_default();
                evidence.gaps.push(Gap {
                    reason: GapReason::File(FileGap::Unrecognised { file: shown.clone(), first_line: first }),
                    missing: EvidenceKind::FileContent,
                    effect: GapEffect::Unread,
                    remedy: None,
                });
                evidence.inputs.push(InputSummary::without_lines(shown, InputFormat::Unrecognised, 0));
            }
        }
    }
    drop(unpacked);
    evidence.note_time_outliers();
    Ok(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: Timestamp::default() };
        let err = read_paths(&[PathBuf::from("/nonexistent/etcd.log")], &opts).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/etcd.log"), "{err}");
    }
}
