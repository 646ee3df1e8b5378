//! The log pipeline: candidate lines batched, classified on worker threads, placed in time and folded, with
//! malformed lines counted and the formats seen tallied.

use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::evidence::inputs::{AssumedYear, LogContent, LogRole, LogWrapper};
use crate::evidence::{Evidence, Gap, InputFormat, InputSummary, LogSpan, MemberId, Note, Origin, Subject, Timestamp};
use crate::evidence::{EvidenceKind, FileGap, GapEffect, GapReason};
use crate::parse::{self, LineTime, Wrapper};
use crate::sources::scan::Scanner;

use super::Role;
use super::fold::Folder;
use super::naming::{PathHint, names_etcd, role_from_hint, subject_for};
use super::placer::{Placement, Placer};
use super::sniff::{LogShape, is_apiserver_line, is_etcd_server_line};
use super::walk::open;

/// Malformed line numbers listed per file (all are counted).
const MAX_LISTED_MALFORMED: usize = 20;
/// The longest line joined from CRI partial records (containerd and CRI-O split at 16 KiB by default; etcd's
/// records are well under 1 KiB). A longer one is counted as malformed at its first record's line, not kept.
const MAX_JOINED_LINE_BYTES: usize = 1 << 20;
/// The longest physical line read (the same bound as a joined one): a longer line is skipped unread and counted
/// as malformed, so a file of one 1 GiB line costs about this much memory, not gigabytes.
const MAX_LINE_BYTES: usize = MAX_JOINED_LINE_BYTES;

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
    if let Ok(Some(f)) = &mut facts
        && f.time.is_none()
    {
        f.time = parse::time::line_time(content);
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
        if let Some(LineTime::Exact(t)) = &c.outer_time
            && self.placer.plausible(*t)
        {
            self.file_ref = Some(*t);
        }
        match c.facts {
            Ok(None) => self.summary.ignored += 1,
            Ok(Some(facts)) => {
                let inner_exact = matches!(facts.time, Some(LineTime::Exact(_)));
                // Prefer the line's own exact time; else the wrapper's; else place the inner partial time.
                let (at, assumed) = match (&facts.time, outer) {
                    (Some(LineTime::Exact(t)), _) => (Some(*t), false),
                    (_, Some(o)) if outer_exact => (Some(o), false),
                    (Some(t), _) => (self.placer.place(t, self.file_ref, &mut self.note), true),
                    (None, o) => (o, true),
                };
                if inner_exact && at.is_some_and(|t| self.placer.plausible(t)) {
                    self.file_ref = at;
                }
                if let (Some(id), Subject::EtcdMember { name }) = (facts.local_member_id, subject.as_ref())
                    && !self.member_ids.iter().any(|(_, known)| *known == id)
                {
                    self.member_ids.push((name.clone(), id));
                }
                match (facts.signal, at) {
                    (Some(kind), Some(at)) => {
                        self.summary.matched += 1;
                        let origin = Origin::new(self.source.clone(), Some(line_no));
                        self.folder.add(&subject, kind, at, origin, assumed);
                    }
                    // Undated signals are read and not used (and named in their own gap).
                    (Some(_), None) => {
                        self.undated += 1;
                        self.summary.ignored += 1;
                    }
                    // An identity line (member id, name): read, not evidence of its own.
                    (None, _) => self.summary.ignored += 1,
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

pub(super) fn read_log_file(
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
    let scanner = Scanner::joining_cri_partials(parse::NEEDLES, MAX_JOINED_LINE_BYTES).capping_lines(MAX_LINE_BYTES);
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
        format: FormatTally::default().describe(role),
        subject: Some(subject.clone()),
        lines: 0,
        matched: 0,
        malformed: 0,
        malformed_lines: Vec::new(),
        ignored: 0,
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
    // Lines the ending check flagged that are dated text lines or dump markers: read, not damaged, not used.
    let mut text_records = 0u64;
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
                if text_record {
                    text_records += 1;
                } else {
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
    summary.malformed += suspect_count + overlong_count + outcome.cut_lines;
    summary.malformed_lines.extend(suspects);
    summary.malformed_lines.extend(overlong.iter().copied());
    let cut: Vec<u64> = outcome.cut_line_numbers.iter().map(|&n| map_line(n, &line_map)).collect();
    summary.malformed_lines.extend(cut.iter().copied());
    summary.malformed_lines.sort_unstable();
    summary.malformed_lines.truncate(MAX_LISTED_MALFORMED);
    summary.lines = match &line_map {
        Some(m) => m.input_lines,
        None => stats.lines,
    };
    // Every line read and not used: passed over by the scanner, a dated text line in a JSON log, a continuation
    // of a split line, or (for a joined paste) an input line folded into a record begun on an earlier one.
    summary.ignored += stats.passed + text_records + stats.joined;
    if let Some(m) = &line_map {
        summary.ignored += m.input_lines.saturating_sub(stats.lines);
    }
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
        evidence.assumptions.push(Note::BurstsCoarsened { file: shown.to_string(), resolution_secs: gap });
    }
    if let Some(last) = signals.iter().filter(|s| !s.time_assumed).map(|s| s.last_at).max() {
        placer.saw_exact(last);
    }
    if summary.malformed > 0 {
        evidence.gaps.push(Gap {
            reason: GapReason::File(FileGap::MalformedLines {
                file: shown.to_string(),
                count: summary.malformed,
                lines: summary.malformed_lines.clone(),
                overlong_count,
                overlong: overlong.clone(),
                joined_cap_bytes: MAX_JOINED_LINE_BYTES as u64,
                cut_count: outcome.cut_lines,
                cut: cut.clone(),
                line_cap_bytes: MAX_LINE_BYTES as u64,
            }),
            missing: EvidenceKind::LogLines,
            effect: GapEffect::LinesUncounted,
            remedy: None,
        });
    }
    if undated > 0 {
        evidence.gaps.push(Gap {
            reason: GapReason::File(FileGap::UndatedLines { file: shown.to_string(), count: undated }),
            missing: EvidenceKind::LogLines,
            effect: GapEffect::Undated,
            remedy: None,
        });
    }
    if note.used_zone || note.used_year.is_some() {
        let year = note.used_year.map(|year| AssumedYear { year, from_current_date: note.year_from_fallback });
        evidence.assumptions.push(Note::NoTimeZone {
            file: shown.to_string(),
            zone: placer.opts.assume_tz.to_string(),
            year,
        });
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

    /// The log's format for the inventory: its role, the inner format most candidate lines had, the first wrapper.
    fn describe(&self, role: Role) -> InputFormat {
        let content = if self.zap >= self.capnslog.max(self.klog) && self.zap > 0 {
            LogContent::Json
        } else if self.klog >= self.capnslog && self.klog > 0 {
            LogContent::Klog
        } else if self.capnslog > 0 {
            LogContent::Text
        } else {
            LogContent::NoRelevantLines
        };
        let wrapper = match self.wrapper {
            Some(Wrapper::Cri) => Some(LogWrapper::Cri),
            Some(Wrapper::KubectlTimestamps) => Some(LogWrapper::KubectlTimestamps),
            Some(Wrapper::DockerJson) => Some(LogWrapper::DockerJson),
            Some(Wrapper::Journald) => Some(LogWrapper::Journald),
            Some(Wrapper::None) | None => None,
        };
        let role = match role {
            Role::Etcd => LogRole::Etcd,
            Role::ApiServer => LogRole::ApiServer,
            Role::Other => LogRole::Other,
        };
        InputFormat::Log { role, content, wrapper }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::files::{ReadOptions, read_paths};

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
        let cri = InputFormat::Log { role: LogRole::Etcd, content: LogContent::Json, wrapper: Some(LogWrapper::Cri) };
        assert_eq!(input.format, cri);
    }

    #[test]
    fn a_line_over_the_cap_is_skipped_counted_and_named_in_the_gap() {
        let real = captured_cri_lines();
        let slow = real.iter().find(|l| l.contains("slow fdatasync")).unwrap();
        // Constructed: a 3 MiB line (over the 1 MiB cap) holding a needle, between two real records.
        let huge = format!("{} {}", &slow[..slow.find('{').unwrap()], "slow fdatasync ".repeat(3 << 16));
        let lines = vec![real[0].clone(), huge, slow.clone()];
        let dir = tempfile::tempdir().unwrap();
        let e = read_one(dir.path(), &lines);
        let input = &e.inputs[0];
        assert_eq!((input.lines, input.malformed, input.malformed_lines.as_slice()), (3, 1, &[2][..]));
        assert_eq!(wal_bursts(&e), vec![(3, 1)], "the record after it is read");
        let cut = e.gaps.iter().find_map(|g| match &g.reason {
            GapReason::File(FileGap::MalformedLines { cut_count, cut, line_cap_bytes, .. }) => {
                Some((*cut_count, cut.clone(), *line_cap_bytes))
            }
            _ => None,
        });
        assert_eq!(cut, Some((1, vec![2], 1 << 20)), "{:?}", e.gaps);
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
        let overlong = e.gaps.iter().find_map(|g| match &g.reason {
            GapReason::File(FileGap::MalformedLines { overlong, joined_cap_bytes, .. }) => {
                Some((overlong.clone(), *joined_cap_bytes))
            }
            _ => None,
        });
        assert_eq!(overlong, Some((vec![2], 1 << 20)), "{:?}", e.gaps);
    }
}
