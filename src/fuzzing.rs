//! Entry points for the `cargo fuzz` targets (`fuzz/fuzz_targets/*.rs`) and their regression replay
//! (`tests/fuzz_regressions.rs`): one function per parser, taking arbitrary bytes and asserting the parser's cheap
//! invariants. A panic is a finding. Not part of the tool's interface.

use std::path::Path;

use crate::parse;
use crate::sources;

/// What a target runs: arbitrary bytes in, a panic on a broken invariant.
pub type Target = fn(&[u8]);

/// The targets, by name (`fuzz/fuzz_targets/<name>.rs`, `fuzz/regressions/<name>/`), and the function each runs.
pub const TARGETS: &[(&str, Target)] = &[
    ("zap", zap),
    ("capnslog", capnslog),
    ("klog", klog),
    ("wrapper", wrapper),
    ("kube_json", kube_json),
    ("prom", prom),
    ("kubectl", kubectl),
    ("paste", paste),
    ("diskpaste", diskpaste),
    ("etcdctl", etcdctl),
    ("bundle", bundle),
    ("log_file", log_file),
];

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// `inner` lies within `outer` (a borrowed sub-slice).
fn within(outer: &str, inner: &str) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

/// One physical log line as the reader handles it: unwrap, classify, read the time. A line that yields a signal
/// or an identity contains a needle (the reader never classifies lines without one).
fn line(line: &str) {
    let un = parse::unwrap_line(line);
    if let std::borrow::Cow::Borrowed(c) = &un.content {
        assert!(within(line, c), "unwrapped content is not part of the line");
    }
    let content = un.content.as_ref();
    let facts = parse::classify(content);
    let _ = parse::time::line_time(content);
    if let Ok(Some(f)) = &facts {
        if f.signal.is_some() || f.local_member_id.is_some() || f.member_name.is_some() {
            assert!(
                parse::NEEDLES.iter().any(|n| content.contains(n)),
                "classified without a needle: {content:?} -> {f:?}"
            );
        }
        if let Some(id) = &f.local_member_id {
            assert!(!id.is_empty(), "empty member id");
        }
    }
}

/// zap JSON lines (etcd 3.4+): the line itself, and the input as the `msg` of a well-formed record.
pub fn zap(data: &[u8]) {
    let s = text(data);
    line(&s);
    let msg = serde_json::to_string(s.as_ref()).unwrap_or_default();
    line(&format!(
        "{{\"level\":\"warn\",\"ts\":\"2024-03-01T10:00:00.123456Z\",\"caller\":\"etcdserver/util.go:166\",\"msg\":{msg}}}"
    ));
}

/// capnslog (etcd 3.3): the line itself, and the input behind a capnslog header.
pub fn capnslog(data: &[u8]) {
    let s = text(data);
    line(&s);
    line(&format!("2020-10-20 12:15:22.876237 W | etcdserver: {s}"));
    line(&format!("raft2020/10/20 12:15:22 INFO: {s}"));
}

/// klog (kube-apiserver, controllers): the line itself, and the input behind a klog header.
pub fn klog(data: &[u8]) {
    let s = text(data);
    line(&s);
    line(&format!("W1120 10:11:12.123456       1 reflector.go:424] {s}"));
}

/// CRI, `kubectl logs --timestamps`, Docker json-file and journald wrappers.
pub fn wrapper(data: &[u8]) {
    for (i, l) in data.split(|&b| b == b'\n').enumerate().take(64) {
        for h in [parse::cri_header(l), parse::cri_header_unchecked(l)].into_iter().flatten() {
            assert!(h.time_len < l.len() && l[h.time_len] == b' ', "CRI time ends off the line: {h:?}");
            assert!(h.content_at <= l.len() && h.content_at > h.time_len, "CRI content off the line: {h:?}");
        }
        if let Some(h) = parse::cri_header(l) {
            assert!(std::str::from_utf8(&l[..h.time_len]).is_ok());
        }
        let s = text(l);
        let stripped = parse::strip_paste_prefix(&s);
        assert!(within(&s, stripped) && s.ends_with(stripped), "paste prefix is not a prefix");
        if let Some((name, at)) = parse::wrapper::procfile_prefix(&s) {
            assert!(at <= s.len() && s.is_char_boundary(at) && within(&s, name));
        }
        if let Some((pod, container)) = parse::kubectl_prefix(&s) {
            assert!(within(&s, pod) && within(&s, container));
        }
        let _ = parse::journal_origin(&s);
        line(&s);
        if i == 0 {
            // The line as CRI content too: wrappers stack.
            line(&format!("2024-03-01T10:00:00.123456789Z stderr F {s}"));
            line(&format!("Mar  1 10:00:00 node-1 etcd[123]: {s}"));
        }
    }
}

/// Kubernetes JSON objects and lists (`kubectl get -o json`).
pub fn kube_json(data: &[u8]) {
    let s = text(data);
    let _ = sources::kube_objects::looks_like_kube_json(&s);
    if let Ok(objs) = sources::kube_objects::read_objects(data, "fuzz.json") {
        let _ = objs.describe();
        for (i, _) in &objs.bad_items {
            assert!((*i as u64) < objs.objects.max(1) + objs.bad_items.len() as u64, "bad item index {i}");
        }
    }
    if let Some(out) = sources::kube_objects::redact_structured_secrets(data) {
        assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok(), "redaction made invalid JSON");
    }
}

/// Prometheus text exposition, histograms and quantiles.
pub fn prom(data: &[u8]) {
    let s = text(data);
    let lines = s.lines().count() as u64;
    let (samples, errors) = parse::prom::parse_text(&s);
    for e in &errors {
        assert!(e.line >= 1 && e.line <= lines, "error line {} of {lines}", e.line);
    }
    let mut bases: Vec<&str> = samples.iter().filter_map(|x| x.name.strip_suffix("_bucket")).collect();
    bases.sort_unstable();
    bases.dedup();
    for base in bases.into_iter().take(8) {
        let hs = parse::prom::histograms(&samples, base);
        for h in &hs {
            for q in [0.0, 0.5, 0.99, 1.0] {
                if let Some(x) = h.quantile(q)
                    && x.value.is_finite()
                    && x.lower.is_finite()
                    && x.upper.is_finite()
                {
                    assert!(x.lower <= x.upper, "{base} q{q}: lower {} > upper {}", x.lower, x.upper);
                }
            }
            let _ = h.delta(h);
        }
        let _ = parse::prom::Histogram::merged(&hs);
    }
    let _ = sources::metrics::apiserver_summary(&s);
}

/// `kubectl describe pod` / `get pods` / `get events` text.
pub fn kubectl(data: &[u8]) {
    let s = text(data);
    let _ = parse::kubectl::looks_like_describe(&s);
    let _ = parse::kubectl::looks_like_table(&s);
    for l in s.lines().take(64) {
        let _ = parse::kubectl::is_prompt(l);
    }
    let parsed = parse::kubectl::parse(&s);
    let _ = sources::kube_objects::kubectl_text_records(&parsed, "fuzz.txt");
}

/// Pasted logs: pretty-printed or wrapped JSON records joined, run-together text re-flowed.
pub fn paste(data: &[u8]) {
    let s = text(data);
    let n = parse::paste::normalise(&s);
    assert_eq!(n.input_lines, s.lines().count() as u64, "input lines");
    assert_eq!(n.line_map.len(), n.text.lines().count(), "one map entry per output line");
    for (i, &l) in n.line_map.iter().enumerate() {
        assert!(l >= 1 && l <= n.input_lines.max(1), "output line {} maps to input line {l}", i + 1);
    }
    for l in n.text.lines().take(256) {
        line(l);
    }
}

/// Disk figures pasted as text (`/metrics` excerpts, PromQL results, fio output) and iostat tables.
pub fn diskpaste(data: &[u8]) {
    let s = text(data);
    let lines = s.lines().count() as u64;
    let _ = parse::diskpaste::looks_like(&s);
    let _ = parse::diskpaste::looks_like_iostat(&s);
    let _ = parse::diskpaste::iostat_write_await(&s);
    let p = parse::diskpaste::parse(&s);
    for r in &p.readings {
        assert!(r.line >= 1 && r.line <= lines, "reading on line {} of {lines}", r.line);
        assert!((0.0..=1.0).contains(&r.quantile), "quantile {}", r.quantile);
    }
    for &m in &p.malformed {
        assert!(m >= 1 && m <= lines, "malformed line {m} of {lines}");
    }
}

/// `etcdctl -w json` answers (member list, endpoint status and health, alarm list) and key counts.
pub fn etcdctl(data: &[u8]) {
    use parse::etcdctl::EtcdctlKind;
    let s = text(data);
    let _ = parse::etcdctl::kind_of(&s, false);
    let _ = parse::etcdctl::kind_of(&s, true);
    for kind in
        [EtcdctlKind::MemberList, EtcdctlKind::EndpointStatus, EtcdctlKind::EndpointHealth, EtcdctlKind::AlarmList]
    {
        let _ = parse::etcdctl::read(kind, &s, "fuzz.json");
    }
    let _ = parse::etcdctl::object_counts(&s);
}

/// Caps small enough that a fuzzing iteration stays fast.
const FUZZ_LIMITS: sources::bundle::Limits = sources::bundle::Limits { max_unpacked_bytes: 4 << 20, max_entries: 256 };

/// The bundle reader: arbitrary bytes (usually a (gzipped) tar) unpacked into a fresh folder. Nothing lands
/// outside it, no link or special file is created, the caps hold; then the manifest is read and verified.
pub fn bundle(data: &[u8]) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let archive = dir.path().join("bundle.tar.gz");
    std::fs::write(&archive, data).expect("writing the archive");
    let into = dir.path().join("into");
    std::fs::create_dir(&into).expect("creating the destination");
    let _ = sources::bundle::is_tar_archive(&archive);
    if let Ok(done) = sources::bundle::unpack(&archive, &into, &FUZZ_LIMITS) {
        assert!(done.bytes <= FUZZ_LIMITS.max_unpacked_bytes, "unpacked {} bytes", done.bytes);
        assert!(done.root.starts_with(&into), "root {} outside", done.root.display());
        let mut top: Vec<_> =
            std::fs::read_dir(dir.path()).expect("listing").flatten().map(|e| e.file_name()).collect();
        top.sort();
        assert_eq!(top, ["bundle.tar.gz", "into"], "something was written beside the destination");
        let written = no_special_files(&into);
        assert!(written <= FUZZ_LIMITS.max_entries + 1, "{written} entries written");
        if let Ok(Some(m)) = sources::bundle::read_manifest(&done.root) {
            let _ = sources::bundle::verify(&done.root, &m);
        }
    }
}

/// Counts what is under `dir`, asserting it holds only regular files and folders.
fn no_special_files(dir: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("listing").flatten() {
        let meta = std::fs::symlink_metadata(e.path()).expect("metadata");
        n += 1;
        if meta.is_dir() {
            n += no_special_files(&e.path());
        } else {
            assert!(meta.is_file(), "{} is neither a file nor a folder: {:?}", e.path().display(), meta.file_type());
        }
    }
    n
}

/// File names the whole reader is given the input under (the path names the subject; the first byte picks one).
const LOG_NAMES: &[&str] = &[
    "etcd.log",
    "kube-apiserver.log",
    "var/log/pods/kube-system_etcd-node-1_0a1b/etcd/0.log",
    "journal.txt",
    "pods.json",
    "metrics.txt",
    "describe.txt",
    "paste.md",
];

/// The offline reader end to end on one file: sniffing, the line pipeline (CRI joining, needles, classification,
/// folding) or the whole-file readers. Every input it reports accounts for its lines.
pub fn log_file(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else { return };
    let dir = tempfile::tempdir().expect("temporary folder");
    let name = LOG_NAMES[usize::from(pick) % LOG_NAMES.len()];
    let path = dir.path().join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("creating folders");
    std::fs::write(&path, body).expect("writing the input");
    let opts = sources::files::ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: chrono::DateTime::UNIX_EPOCH };
    let evidence = sources::files::read_paths(&[dir.path().to_path_buf()], &opts).expect("reading a folder");
    for input in &evidence.inputs {
        check_input(input);
    }
}

/// The invariants of one input's inventory row.
pub fn check_input(input: &crate::evidence::InputSummary) {
    assert!(input.malformed_lines.len() as u64 <= input.malformed, "{}: more listed than counted", input.source);
    assert!(input.malformed_lines.windows(2).all(|w| w[0] <= w[1]), "{}: listed out of order", input.source);
}
