//! Container-runtime and journal wrappers around a log line (ETCD-SIGNALS §1.4, §7.4).
//!
//! Pure; no I/O. [`unwrap_line`] peels CRI (`<RFC3339Nano> stdout|stderr F|P[:tags] content`),
//! `kubectl logs --timestamps` (`<RFC3339Nano> content`), Docker json-file (`{"log":"...\n","stream":...,"time":...}`)
//! and journald/syslog (`Mmm dd hh:mm:ss host ident[pid]: content`) prefixes, also when they stack
//! (journald -> CRI), and returns the inner content for [`super::classify`]. The inner line's own time is *not*
//! read here: `parse::time::line_time` / `classify` do that, and callers prefer it (ETCD-SIGNALS §1.4: journald
//! and inner times can disagree by seconds).

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;

use super::LineTime;
use super::time::{iso8601, iso8601_prefix, syslog_prefix};

/// Which wrapper a line was found in (the outermost one when they stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wrapper {
    /// No wrapper: the line is the content.
    None,
    /// A CRI log file line (containerd / CRI-O, `/var/log/pods/...`).
    Cri,
    /// `kubectl logs --timestamps` (RFC3339Nano prefix, no stream or tag).
    KubectlTimestamps,
    /// A Docker json-file record.
    DockerJson,
    /// A journald / syslog line.
    Journald,
}

/// A physical line with its wrappers removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Unwrapped<'a> {
    /// The wrapper's own timestamp: the first complete one when wrappers stack (CRI inside journald), else the
    /// outermost.
    pub outer_time: Option<LineTime>,
    /// The log line the process wrote (borrowed unless it had to be unescaped).
    pub content: Cow<'a, str>,
    /// The runtime split this record (CRI tag `P`, or a Docker record without its trailing newline): the reader
    /// joins the following records until a full one.
    pub partial: bool,
    /// The outermost wrapper.
    pub wrapper: Wrapper,
}

/// How deep wrappers may stack (journald -> CRI -> ... is already rare).
const MAX_DEPTH: usize = 3;

/// Removes wrappers from one physical line. Never fails: if nothing matches, the whole line is the content.
pub fn unwrap_line(line: &str) -> Unwrapped<'_> {
    let line = strip_paste_prefix(line.trim_end_matches(['\r', '\n']));
    let mut out = Unwrapped { outer_time: None, content: Cow::Borrowed(line), partial: false, wrapper: Wrapper::None };
    for depth in 0..MAX_DEPTH {
        let step = match &out.content {
            Cow::Borrowed(s) => unwrap_once(s).map(|st| {
                let content = match st.content {
                    Inner::Range(r) => Cow::Borrowed(s.get(r).unwrap_or_default()),
                    Inner::Owned(o) => Cow::Owned(o),
                };
                (st.wrapper, st.time, st.partial, content)
            }),
            Cow::Owned(s) => unwrap_once(s).map(|st| {
                let content = match st.content {
                    Inner::Range(r) => s.get(r).unwrap_or_default().to_string(),
                    Inner::Owned(o) => o,
                };
                (st.wrapper, st.time, st.partial, Cow::Owned(content))
            }),
        };
        let Some((wrapper, time, partial, content)) = step else {
            break;
        };
        if depth == 0 {
            out.wrapper = wrapper;
        }
        let have_exact = matches!(out.outer_time, Some(LineTime::Exact(_)));
        if out.outer_time.is_none() || (!have_exact && matches!(time, Some(LineTime::Exact(_)))) {
            out.outer_time = time.or(out.outer_time);
        }
        out.partial |= partial;
        out.content = content;
        // Only CRI can sit inside journald; nothing sits inside a CRI/kubectl/Docker record but the process's
        // own output, which is never peeled (an RFC 3339-stamped application line would otherwise be mistaken).
        if wrapper != Wrapper::Journald {
            break;
        }
    }
    out
}

enum Inner {
    Range(Range<usize>),
    Owned(String),
}

struct Step {
    wrapper: Wrapper,
    time: Option<LineTime>,
    partial: bool,
    content: Inner,
}

fn unwrap_once(s: &str) -> Option<Step> {
    match *s.as_bytes().first()? {
        b'0'..=b'9' => timestamped(s),
        b'{' if s.starts_with("{\"log\":") => docker_json(s),
        // zap and klog JSON lines start with their level or time; only other objects can be journal records.
        b'{' if !s.starts_with("{\"level\"") && !s.starts_with("{\"ts\"") && s.contains("\"__REALTIME_TIMESTAMP\"") => {
            journal_json(s)
        }
        b'A'..=b'Z' | b'a'..=b'z' => journald(s).or_else(|| bare_ident(s)),
        _ => None,
    }
}

/// A syslog line with its time and host cut off (`etcd[3867]: message`, as pasted from `journalctl` output or
/// syslog viewers): the identifier and `[pid]` are required; there is no time.
fn bare_ident(s: &str) -> Option<Step> {
    let b = s.as_bytes();
    let open = b.iter().take(64).position(|&c| c == b'[')?;
    if open == 0 || !b[..open].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')) {
        return None;
    }
    let close = open + 1 + b[open + 1..].iter().take(12).position(|&c| c == b']')?;
    if close == open + 1 || !b[open + 1..close].iter().all(u8::is_ascii_digit) || b.get(close + 1) != Some(&b':') {
        return None;
    }
    let content_at = if b.get(close + 2) == Some(&b' ') { close + 3 } else { close + 2 };
    Some(Step { wrapper: Wrapper::Journald, time: None, partial: false, content: Inner::Range(content_at..s.len()) })
}

/// Removes what a paste puts before a log line: `kubectl logs --prefix`'s `[pod/NAME/CONTAINER] `, Markdown quote
/// (`> `) and list (`* `) markers, and leading whitespace (indented code blocks). Costs one byte comparison for
/// lines that have none.
pub fn strip_paste_prefix(line: &str) -> &str {
    let mut s = line;
    for _ in 0..8 {
        let b = s.as_bytes();
        s = match b.first() {
            Some(b' ' | b'\t') => s.trim_start_matches([' ', '\t']),
            Some(b'>') => &s[1..],
            Some(b'*') if b.get(1) == Some(&b' ') => &s[2..],
            Some(b'[') if s.starts_with("[pod/") => match s.find("] ") {
                Some(end) => &s[end + 2..],
                None => return s,
            },
            // etcd 0.4/0.5 (`[etcd] Dec  1 22:13:06.623 INFO      | name: message`).
            Some(b'[') if s.starts_with("[etcd] ") => &s[7..],
            Some(b'0'..=b'9') => match procfile_prefix(s) {
                Some((_, at)) => &s[at..],
                None => return s,
            },
            Some(c) if c.is_ascii_alphabetic() => match label_prefix(s) {
                Some(at) => &s[at..],
                None => return s,
            },
            _ => return s,
        };
    }
    s
}

/// A source label some tools put before each line: `docker compose logs` (`milvus-etcd        | {...}`),
/// `talosctl logs` (`talos-cp-1: {...}`), a log viewer's display-time column (`Tue, Mar 15 2022 5:04:44 pm |
/// 2022-03-15 09:04:44.521958 W ...`). Where the line starts: after the first `| ` or `: ` within 64 bytes that is
/// followed by a zap record (`{"`) or a capnslog date (`2022-03-15 `), a `: ` label being one word. klog lines
/// (`I0606 ...`) are left alone.
fn label_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 2 || (b"IWEF".contains(&b[0]) && b[1].is_ascii_digit()) {
        return None;
    }
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let head = &s[..end];
    let record_at = |i: usize| {
        let rest = s[i..].trim_start_matches(' ');
        let r = rest.as_bytes();
        let capnslog_date =
            r.len() > 11 && r[..4].iter().all(u8::is_ascii_digit) && r[4] == b'-' && r[7] == b'-' && r[10] == b' ';
        (rest.starts_with("{\"") || capnslog_date).then(|| s.len() - rest.len())
    };
    // A `: ` label is one word (`talos-cp-1:`); journald and syslog prefixes (`Aug 17 12:26:12 host etcd[9683]: `)
    // have spaces and are the wrapper readers' to unwrap.
    let bar = head.match_indices("| ").map(|(i, _)| i);
    let colon = head.match_indices(": ").map(|(i, _)| i).filter(|i| !head[..*i].contains(' '));
    bar.chain(colon).filter_map(|i| record_at(i + 2)).min()
}

/// goreman / foreman output (`10:53:12 etcd3 | <line>`, the Procfile runners of etcd's own docs): the process
/// name and where the line starts.
pub fn procfile_prefix(s: &str) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    if b.len() < 12
        || b[2] != b':'
        || b[5] != b':'
        || b[8] != b' '
        || !b[..8].iter().all(|c| c.is_ascii_digit() || *c == b':')
    {
        return None;
    }
    let rest = &s[9..];
    let name_len = rest.find(' ')?;
    let name = &rest[..name_len];
    if name.is_empty() || name.len() > 40 {
        return None;
    }
    let after = rest[name_len..].trim_start_matches(' ');
    let line = after.strip_prefix("| ").or_else(|| after.strip_prefix('|'))?;
    Some((name, s.len() - line.len()))
}

/// The pod and container a `kubectl logs --prefix` line names (`[pod/etcd-0/etcd] ...`), when it has the prefix
/// (after any quote or list markers).
pub fn kubectl_prefix(line: &str) -> Option<(&str, &str)> {
    let mut s = line.trim_start_matches([' ', '\t', '>', '*']);
    s = s.trim_start_matches([' ', '\t']);
    let rest = s.strip_prefix("[pod/")?;
    let end = rest.find("] ")?;
    let (pod, container) = rest[..end].split_once('/')?;
    (!pod.is_empty() && !container.is_empty()).then_some((pod, container))
}

/// Who wrote a journal line: the host and the syslog identifier (`k3s`, `etcd`, `rke2`) or unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalOrigin {
    pub host: String,
    pub ident: String,
}

/// The host and identifier of a journald line in any of the shapes [`unwrap_line`] reads (`short`,
/// `short-precise`, `short-iso`, `json`), after any paste prefix. Called per candidate line only for journal files.
pub fn journal_origin(line: &str) -> Option<JournalOrigin> {
    let s = strip_paste_prefix(line.trim_end_matches(['\r', '\n']));
    let b = s.as_bytes();
    let at = match *b.first()? {
        b'{' => {
            let rec: JournalRecord = serde_json::from_str(s).ok()?;
            let ident = rec.ident.or(rec.unit.map(|u| u.trim_end_matches(".service").to_string()))?;
            return Some(JournalOrigin { host: rec.host.unwrap_or_default(), ident });
        }
        b'0'..=b'9' => match iso8601_prefix(s)? {
            Ok((_, n)) => n + 1,
            Err(_) => return None,
        },
        _ => match syslog_prefix(s) {
            Some(Ok((_, n))) => n + 1,
            Some(Err(_)) => return None,
            None => {
                // `ident[pid]: ` without time and host.
                let open = s.find('[')?;
                bare_ident(s)?;
                return Some(JournalOrigin { host: String::new(), ident: s[..open].to_string() });
            }
        },
    };
    let f = journal_fields(s, at)?;
    Some(JournalOrigin { host: s[f.host].to_string(), ident: s[f.ident].to_string() })
}

/// CRI (`<ts> stdout|stderr <tags> <content>`) or `kubectl logs --timestamps` (`<ts> <content>`).
fn timestamped(s: &str) -> Option<Step> {
    let (t, n) = iso8601_prefix(s)?.ok()?;
    let b = s.as_bytes();
    if b.get(n) != Some(&b' ') {
        return None;
    }
    let time = Some(LineTime::Exact(t));
    if let Some(h) = cri_fields(b, n) {
        return Some(Step {
            wrapper: Wrapper::Cri,
            time,
            partial: h.partial,
            content: Inner::Range(h.content_at..s.len()),
        });
    }
    // `journalctl -o short-iso` / `short-iso-precise`: `<ISO 8601> host ident[pid]: content`.
    if let Some(f) = journal_fields(s, n + 1) {
        return Some(Step {
            wrapper: Wrapper::Journald,
            time,
            partial: false,
            content: Inner::Range(f.content_at..s.len()),
        });
    }
    Some(Step { wrapper: Wrapper::KubectlTimestamps, time, partial: false, content: Inner::Range(n + 1..s.len()) })
}

/// The stream a CRI record was written to. The runtime splits each stream's long lines on its own, so the parts of
/// a stdout line and a stderr line can interleave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CriStream {
    Stdout = 0,
    Stderr = 1,
}

/// The prefix of one CRI log record (`<RFC3339Nano> stdout|stderr P|F[:tags] <content>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriHeader {
    pub stream: CriStream,
    /// Tag `P`: the runtime split a long line here; the stream's following records up to and including one tagged
    /// `F` continue it, and the line is the concatenation of their contents.
    pub partial: bool,
    /// Length of the timestamp (a single space follows it).
    pub time_len: usize,
    /// Where the content starts (the line's length when the content is empty).
    pub content_at: usize,
}

/// Longest timestamp a CRI record starts with (RFC3339Nano with a `±hh:mm` zone is 35 bytes).
const MAX_CRI_TIME_LEN: usize = 40;

/// Reads the CRI prefix of a raw line; `None` for anything else (`kubectl logs --timestamps` lines, which carry
/// no stream or tag, plain lines). Bytes, not `&str`: the reader joins partial records before decoding them.
/// Checks the cheap fields first, so non-CRI lines cost a byte comparison or a short search.
pub fn cri_header(line: &[u8]) -> Option<CriHeader> {
    if !line.first()?.is_ascii_digit() {
        return None;
    }
    let time_len = line.iter().take(MAX_CRI_TIME_LEN + 1).position(|&b| b == b' ')?;
    let header = cri_fields(line, time_len)?;
    let time = std::str::from_utf8(&line[..time_len]).ok()?;
    match iso8601_prefix(time) {
        Some(Ok((_, n))) if n == time_len => Some(header),
        _ => None,
    }
}

/// [`cri_header`] without checking that the first field is a timestamp: a cheap look at the stream and tag, for
/// deciding whether a line needs the full check (a partial record, or a line while one is open). Lines that are
/// not CRI may pass it; never act on it without [`cri_header`].
pub fn cri_header_unchecked(line: &[u8]) -> Option<CriHeader> {
    if !line.first()?.is_ascii_digit() {
        return None;
    }
    let time_len = line.iter().take(MAX_CRI_TIME_LEN + 1).position(|&b| b == b' ')?;
    cri_fields(line, time_len)
}

/// The stream and tag fields after a timestamp that ends at `time_len` (where a space is).
fn cri_fields(b: &[u8], time_len: usize) -> Option<CriHeader> {
    let rest = b.get(time_len + 1..)?;
    let (stream, after) = if let Some(a) = rest.strip_prefix(b"stdout ") {
        (CriStream::Stdout, a)
    } else {
        (CriStream::Stderr, rest.strip_prefix(b"stderr ")?)
    };
    // Tags are `:`-separated, the first `F` (full) or `P` (partial); keep later tags forward-compatible.
    let tag_len = after.iter().position(|&c| c == b' ').unwrap_or(after.len());
    let first = after[..tag_len].split(|&c| c == b':').next().unwrap_or_default();
    if first.is_empty() || !first.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let content_at = (time_len + 1 + "stdout ".len() + tag_len + 1).min(b.len());
    Some(CriHeader { stream, partial: first == b"P", time_len, content_at })
}

/// Docker json-file: `{"log":"...\n","stream":"stderr","time":"2017-07-02T22:48:25.621754436Z"}`.
fn docker_json(s: &str) -> Option<Step> {
    #[derive(Deserialize)]
    struct DockerLine {
        log: String,
        #[serde(default)]
        time: Option<String>,
    }
    let rec: DockerLine = serde_json::from_str(s).ok()?;
    let time = rec.time.as_deref().and_then(iso8601).map(LineTime::Exact);
    let mut log = rec.log;
    // json-file splits lines over 16 KiB; only the last piece ends with the newline.
    let partial = !log.ends_with('\n');
    while log.ends_with(['\n', '\r']) {
        log.pop();
    }
    Some(Step { wrapper: Wrapper::DockerJson, time, partial, content: Inner::Owned(log) })
}

/// journald / syslog: `Mmm dd hh:mm:ss[.ffffff] host ident[pid]: content` (`journalctl` `short` and
/// `short-precise`; `[pid]` optional).
fn journald(s: &str) -> Option<Step> {
    let (t, n) = syslog_prefix(s)?.ok()?;
    if s.as_bytes().get(n) != Some(&b' ') {
        return None;
    }
    let f = journal_fields(s, n + 1)?;
    Some(Step {
        wrapper: Wrapper::Journald,
        time: Some(LineTime::NoYear(t)),
        partial: false,
        content: Inner::Range(f.content_at..s.len()),
    })
}

/// Where the host, the identifier and the content of a journal line are, its timestamp ending at `at`.
struct JournalFields {
    host: Range<usize>,
    ident: Range<usize>,
    content_at: usize,
}

/// `host ident[pid]: ` at `at`. After an ISO 8601 time (where `kubectl logs --timestamps` content could look
/// alike) the `[pid]` is required, except for `kernel:`.
fn journal_fields(s: &str, host_at: usize) -> Option<JournalFields> {
    let b = s.as_bytes();
    let host_len = s.get(host_at..)?.find(' ')?;
    if host_len == 0 {
        return None;
    }
    let ident_at = host_at + host_len + 1;
    let tail = s.get(ident_at..)?;
    let ident_len = tail.find([':', '[', ' ']).unwrap_or(tail.len());
    if ident_len == 0 {
        return None;
    }
    let mut i = ident_at + ident_len;
    let mut has_pid = false;
    if b.get(i) == Some(&b'[') {
        let close = s[i..].find(']')?;
        if close < 2 || !s[i + 1..i + close].bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        i += close + 1;
        has_pid = true;
    }
    if b.get(i) != Some(&b':') {
        return None;
    }
    let iso = b.first().is_some_and(u8::is_ascii_digit);
    if iso && !has_pid && &s[ident_at..ident_at + ident_len] != "kernel" {
        return None;
    }
    let content_at = if b.get(i + 1) == Some(&b' ') { i + 2 } else { i + 1 };
    Some(JournalFields { host: host_at..host_at + host_len, ident: ident_at..ident_at + ident_len, content_at })
}

/// The fields of a `journalctl -o json` record that matter here. `MESSAGE` is a string, or an array of bytes
/// when it is not valid UTF-8.
#[derive(Deserialize)]
struct JournalRecord {
    #[serde(rename = "MESSAGE", default)]
    message: Option<serde_json::Value>,
    #[serde(rename = "__REALTIME_TIMESTAMP", default)]
    realtime_us: Option<String>,
    #[serde(rename = "_HOSTNAME", default)]
    host: Option<String>,
    #[serde(rename = "SYSLOG_IDENTIFIER", default)]
    ident: Option<String>,
    #[serde(rename = "_SYSTEMD_UNIT", default)]
    unit: Option<String>,
}

/// `journalctl -o json`: one JSON object per entry; the content is `MESSAGE`, the time `__REALTIME_TIMESTAMP`
/// (microseconds since the epoch, as a string).
fn journal_json(s: &str) -> Option<Step> {
    let rec: JournalRecord = serde_json::from_str(s).ok()?;
    let message = match rec.message? {
        serde_json::Value::String(m) => m,
        serde_json::Value::Array(bytes) => {
            let bytes: Vec<u8> = bytes.iter().filter_map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok())).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => return None,
    };
    let time = rec
        .realtime_us
        .and_then(|us| us.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map(LineTime::Exact);
    let message = message.trim_end_matches(['\n', '\r']).to_string();
    Some(Step { wrapper: Wrapper::Journald, time, partial: false, content: Inner::Owned(message) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    fn utc(s: &str) -> Option<LineTime> {
        Some(LineTime::Exact(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)))
    }

    #[test]
    fn cri_full_line() {
        // Real: ETCD-SIGNALS §1.4 (truncated after the JSON's first key there, as quoted).
        let u = unwrap_line(r#"2022-06-20T16:10:23.311058384Z stderr F {"level":"warn",...}"#);
        assert_eq!(u.wrapper, Wrapper::Cri);
        assert_eq!(u.outer_time, utc("2022-06-20T16:10:23.311058384Z"));
        assert_eq!(u.content, r#"{"level":"warn",...}"#);
        assert!(!u.partial);
    }

    #[test]
    fn cri_from_lab_fixture_with_capnslog_inside() {
        // Real: lab capture (tests/fixtures-style CRI file written by the lab, etcd 3.4.23 capnslog).
        let u = unwrap_line(
            "2026-11-25T02:32:07.693613639Z stderr F 2026-11-25 02:32:07.693438 W | wal: sync duration of 1.500727851s, expected less than 1s",
        );
        assert_eq!(u.wrapper, Wrapper::Cri);
        assert_eq!(
            u.content,
            "2026-11-25 02:32:07.693438 W | wal: sync duration of 1.500727851s, expected less than 1s"
        );
    }

    #[test]
    fn cri_partial_tag_local_offset_and_extra_tags() {
        // Adapted: the P tag and the extra tag are illustrative; the offset form is from ETCD-SIGNALS §1.4.
        let u = unwrap_line("2023-12-16T07:35:01.426019865+01:00 stdout P:x=1 first half");
        assert_eq!(u.wrapper, Wrapper::Cri);
        assert!(u.partial);
        assert_eq!(u.content, "first half");
        assert_eq!(u.outer_time, utc("2023-12-16T06:35:01.426019865Z"));
        let empty = unwrap_line("2023-12-16T07:35:01.4Z stdout F");
        assert_eq!((empty.wrapper, empty.content.as_ref()), (Wrapper::Cri, ""));
    }

    #[test]
    fn cri_header_finds_stream_tag_and_content() {
        // Real: lab capture (tests/fixtures/shared-slow, etcd-node1 line 105), then the same record as a `P` part.
        let full = br#"2026-11-25T02:18:56.56850271Z stderr F {"level":"warn","msg":"slow fdatasync"}"#;
        let h = cri_header(full).unwrap();
        assert_eq!((h.stream, h.partial, h.time_len), (CriStream::Stderr, false, 29));
        assert_eq!(&full[h.content_at..], br#"{"level":"warn","msg":"slow fdatasync"}"#);
        let part = b"2026-11-25T02:18:56.56850271Z stdout P:x=1 {\"level\":\"wa";
        let h = cri_header(part).unwrap();
        assert_eq!((h.stream, h.partial), (CriStream::Stdout, true));
        assert_eq!(&part[h.content_at..], b"{\"level\":\"wa");
        let empty = cri_header(b"2023-12-16T07:35:01.4+01:00 stderr P").unwrap();
        assert_eq!((empty.partial, empty.content_at), (true, 36));
    }

    #[test]
    fn cri_header_agrees_with_unwrap_line_and_rejects_other_shapes() {
        for line in [
            "2026-11-25T02:18:56.56850271Z stderr F {\"a\":1}",
            "2026-11-25T02:18:56.56850271Z stdout P half",
            "2026-11-25T02:18:56.56850271Z stdout Pending slow fdatasync",
            // kubectl logs --timestamps: no stream, no tag.
            "2026-11-25T02:18:56.56850271Z {\"msg\":\"stdout P\"}",
            "2026-11-25T02:18:56.56850271Z stdout 1x",
            "2026-11-25T02:18:56Z stderr",
            "2026-13-25T02:18:56Z stderr P x",
            "20261125 stderr P x",
            "{\"log\":\"x\"}",
            "",
        ] {
            let u = unwrap_line(line);
            let h = cri_header(line.as_bytes());
            assert_eq!(h.is_some(), u.wrapper == Wrapper::Cri, "{line}");
            if let Some(h) = h {
                assert_eq!((h.partial, &line[h.content_at..]), (u.partial, u.content.as_ref()), "{line}");
            }
        }
    }

    #[test]
    fn kubectl_timestamps_prefix() {
        // Real: Red Hat KCS 7107436 as quoted in ETCD-SIGNALS §8.3.
        let line = r#"2020-10-21T09:56:00.246667768Z 2020-10-21 09:56:00.246542 W | etcdserver: read-only range request "key:\"/kubernetes.io/serviceaccounts/...\" " with result  "range_response_count:1 size:407" took too long (113.372697ms) to execute"#;
        let u = unwrap_line(line);
        assert_eq!(u.wrapper, Wrapper::KubectlTimestamps);
        assert_eq!(u.outer_time, utc("2020-10-21T09:56:00.246667768Z"));
        assert!(u.content.starts_with("2020-10-21 09:56:00.246542 W | etcdserver:"));
        // 8 fractional digits (ETCD-SIGNALS §1.4).
        let u = unwrap_line("2019-03-06T19:00:59.11754674Z hello");
        assert_eq!((u.wrapper, u.content.as_ref()), (Wrapper::KubectlTimestamps, "hello"));
    }

    #[test]
    fn docker_json_file_record() {
        // Real: ETCD-SIGNALS §1.4.
        let line = r#"{"log":"2017-07-02 22:48:25.621332 I | etcdmain: etcd Version: 3.0.17\n","stream":"stderr","time":"2017-07-02T22:48:25.621754436Z"}"#;
        let u = unwrap_line(line);
        assert_eq!(u.wrapper, Wrapper::DockerJson);
        assert_eq!(u.content, "2017-07-02 22:48:25.621332 I | etcdmain: etcd Version: 3.0.17");
        assert_eq!(u.outer_time, utc("2017-07-02T22:48:25.621754436Z"));
        assert!(!u.partial);
    }

    #[test]
    fn docker_json_unescapes_inner_zap() {
        // Adapted: a 3.4 zap line (real, lab capture) placed in a json-file record the way dockerd escapes it.
        let line = r#"{"log":"{\"level\":\"warn\",\"ts\":\"2026-11-25T02:18:56.568Z\",\"caller\":\"wal/wal.go:808\",\"msg\":\"slow fdatasync\",\"took\":\"1.501079136s\",\"expected-duration\":\"1s\"}\n","stream":"stderr","time":"2026-11-25T02:18:56.56850271Z"}"#;
        let u = unwrap_line(line);
        assert_eq!(u.wrapper, Wrapper::DockerJson);
        assert!(u.content.starts_with(r#"{"level":"warn","ts":"2026-11-25T02:18:56.568Z""#));
        assert!(matches!(u.content, Cow::Owned(_)));
    }

    #[test]
    fn journald_with_and_without_pid() {
        // Real: ETCD-SIGNALS §1.1.
        let u = unwrap_line("Aug 17 12:26:12 host etcd[9683]: sync duration of 1.5857053s, expected less than 1s");
        assert_eq!(u.wrapper, Wrapper::Journald);
        assert_eq!(u.content, "sync duration of 1.5857053s, expected less than 1s");
        let t = NaiveDate::from_ymd_opt(2000, 8, 17).unwrap().and_hms_opt(12, 26, 12).unwrap();
        assert_eq!(u.outer_time, Some(LineTime::NoYear(t)));
        // Adapted: `moss etcd:` form without pid and a space-padded day (ETCD-SIGNALS §1.4).
        let u = unwrap_line("Nov  8 10:00:00 moss etcd: hello");
        assert_eq!((u.wrapper, u.content.as_ref()), (Wrapper::Journald, "hello"));
    }

    #[test]
    fn journald_then_cri_prefers_exact_inner_wrapper_time() {
        // Adapted: a CRI record forwarded to the journal (rare; ETCD-SIGNALS §7.4).
        let u =
            unwrap_line("Aug 18 10:47:25 node1 containerd[812]: 2023-08-18T10:47:25.111490788+08:00 stderr F hello");
        assert_eq!(u.wrapper, Wrapper::Journald);
        assert_eq!(u.content, "hello");
        assert_eq!(u.outer_time, utc("2023-08-18T02:47:25.111490788Z"));
    }

    #[test]
    fn plain_lines_are_their_own_content() {
        for line in [
            "E0125 06:42:39.880363 2189071 leaderelection.go:325] error retrieving resource lock",
            r#"{"level":"warn","ts":"2022-08-24T01:58:02.531Z"}"#,
            "raft2026/11/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2",
            "2020-10-20 12:15:22.876237 W | etcdserver: x",
            "",
        ] {
            let u = unwrap_line(line);
            assert_eq!((u.wrapper, u.content.as_ref(), u.outer_time), (Wrapper::None, line, None));
        }
    }

    #[test]
    fn kubectl_logs_prefix_is_removed_and_names_pod_and_container() {
        // Real: airbus-cyber/Kubernetes-Log-Fetcher README.md (`kubectl logs --prefix --timestamps` output).
        let etcd = r#"[pod/etcd-cloud-cluster/etcd] 2023-06-23T12:51:06.225562796Z {"level":"info","ts":"2023-06-23T12:51:06.225Z","caller":"fileutil/purge.go:77","msg":"purged","path":"/var/lib/rancher/rke2/server/db/etcd/member/snap/0000000000000003-0000000000dc5c4e.snap"}"#;
        let u = unwrap_line(etcd);
        assert_eq!(u.wrapper, Wrapper::KubectlTimestamps);
        assert!(u.content.starts_with(r#"{"level":"info","ts":"2023-06-23T12:51:06.225Z""#));
        assert_eq!(kubectl_prefix(etcd), Some(("etcd-cloud-cluster", "etcd")));
        let api = "[pod/kube-apiserver-cloud-cluster/kube-apiserver] 2023-06-23T12:52:15.539558976Z W0623 12:52:15.539458       1 watcher.go:229] watch chan error: etcdserver: mvcc: required revision has been compacted";
        assert!(unwrap_line(api).content.starts_with("W0623 12:52:15.539458"));
        assert_eq!(kubectl_prefix(api), Some(("kube-apiserver-cloud-cluster", "kube-apiserver")));
        assert_eq!(kubectl_prefix("[pod/] x"), None);
    }

    #[test]
    fn list_quote_and_indent_prefixes_are_removed() {
        // Real: kubernetes/minikube#9156 (`* ` list marker) and rancher/rancher#22723 (four-space indent).
        let star = "* 2020-09-02 11:04:47.993388 I | etcdserver: setting up the initial cluster version to 3.4";
        assert_eq!(unwrap_line(star).content, &star[2..]);
        let indented = r#"    2019-09-09 11:52:06.408347 W | etcdserver: read-only range request "key:\"/registry/serviceaccounts/cattle-system/rancher\" " with result "range_response_count:1 size:307" took too long (162.424182ms) to execute"#;
        assert_eq!(unwrap_line(indented).content, indented.trim_start());
        // Adapted: the same line as a Markdown quote (`> `), nested.
        assert_eq!(unwrap_line(&format!("> > {star}")).content, &star[2..]);
        // A goreman line (real: etcd-io/etcd#6530, comment by vimalk78).
        let goreman =
            "10:53:12 etcd3 | 2016-09-28 10:53:12.949365 W | wal: wal/wal.go: WAL.sync: sync duration of 5.306564ms";
        assert_eq!(unwrap_line(goreman).content, &goreman[17..]);
        assert_eq!(procfile_prefix(goreman).map(|p| p.0), Some("etcd3"));
        // etcd 0.5's own prefix (real: kubernetes/kubernetes#2719).
        let old =
            "[etcd] Dec  1 22:13:06.623 INFO      | kubernetes-master: state changed from 'follower' to 'leader'.";
        assert_eq!(strip_paste_prefix(old), &old[7..]);
    }

    #[test]
    fn source_labels_before_each_line_are_stripped() {
        // Real: milvus-io/milvus#34821 (docker compose), siderolabs/talos#5794 (talosctl logs), sealos-io/sealos#882
        // (a Rancher UI copy); each line cut after the record's first fields.
        let compose = r#"milvus-etcd        | {"level":"warn","ts":"2024-07-23T23:59:08.991Z","caller":"etcdserver/util.go:166","msg":"apply request took too long""#;
        assert!(strip_paste_prefix(compose).starts_with("{\"level\""));
        let talos = r#"talos-cp-1: {"level":"warn","ts":"2022-06-30T08:52:30.057Z","caller":"etcdserver/util.go:166""#;
        assert!(strip_paste_prefix(talos).starts_with("{\"level\""));
        let viewer = r#"Tue, Mar 15 2022 5:04:44 pm | 2022-03-15 09:04:44.521958 W \| etcdserver: read-only range request "key:\"/registry/health\" " with result "range_response_count:0 size:7" took too long (146.553126ms) to execute"#;
        assert!(strip_paste_prefix(viewer).starts_with("2022-03-15 09:04:44.521958 W"));
        // Lines that start with their own record, or klog, keep everything.
        let klog = "I0606 12:49:14.243674  859512 leaderelection.go:250] attempting to acquire leader lease kube-system/k3s...";
        assert_eq!(strip_paste_prefix(klog), klog);
        let prose = "etcdserver: read-only range request took too long: see above";
        assert_eq!(strip_paste_prefix(prose), prose);
    }

    #[test]
    fn journald_short_iso_and_precise_and_bare_identifier() {
        // Real journalctl 252 output (tests/formats/journald, k3s-io/k3s#2853 lines).
        let iso = r#"2021-01-25T05:42:36+0000 dev-ln01 k3s[2189071]: {"level":"warn","ts":"2021-01-25T06:42:36.000+0100","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"7.454439372s","expected-duration":"1s"}"#;
        let u = unwrap_line(iso);
        assert_eq!(u.wrapper, Wrapper::Journald);
        assert!(u.content.starts_with(r#"{"level":"warn""#));
        assert_eq!(u.outer_time, utc("2021-01-25T05:42:36Z"));
        assert_eq!(journal_origin(iso), Some(JournalOrigin { host: "dev-ln01".into(), ident: "k3s".into() }));
        let precise = r#"Jan 25 05:42:36.000000 dev-ln01 k3s[2189071]: {"level":"warn"}"#;
        assert_eq!(unwrap_line(precise).wrapper, Wrapper::Journald);
        // Real: etcd-io/etcd#7477 (issue body): `ident[pid]:` with time and host cut off.
        let bare = "etcd[3867]: recovered store from snapshot at index 1250125";
        let u = unwrap_line(bare);
        assert_eq!(
            (u.wrapper, u.content.as_ref(), u.outer_time),
            (Wrapper::Journald, "recovered store from snapshot at index 1250125", None)
        );
        assert_eq!(journal_origin(bare).map(|o| o.ident), Some("etcd".into()));
        // `kubectl logs --timestamps` content that merely has a colon is not a journal line.
        let u = unwrap_line("2026-11-25T02:18:56.56850271Z host ident: hello");
        assert_eq!(u.wrapper, Wrapper::KubectlTimestamps);
    }

    #[test]
    fn journal_json_record_gives_message_and_realtime() {
        // Real journalctl 252 `-o json` output (tests/formats/journald/k3s-2853.json.txt, line 2).
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/journald/k3s-2853.json.txt"),
        )
        .unwrap();
        let line = text.lines().nth(1).unwrap();
        let u = unwrap_line(line);
        assert_eq!(u.wrapper, Wrapper::Journald);
        assert!(u.content.contains(r#""msg":"slow fdatasync""#), "{}", u.content);
        assert_eq!(u.outer_time, utc("2021-01-25T05:42:36Z"));
        assert_eq!(journal_origin(line), Some(JournalOrigin { host: "dev-ln01".into(), ident: "k3s".into() }));
    }

    #[test]
    fn docker_json_file_with_logrus_inside() {
        // Real: rancher/rancher#30483 (comment by dw-3): k3s in Docker, json-file records.
        let line = r#"{"log":"time=\"2020-12-11T01:56:43.341654429Z\" level=info msg=\"k3s is up and running\"\n","stream":"stderr","time":"2020-12-11T01:56:43.341843664Z"}"#;
        let u = unwrap_line(line);
        assert_eq!(u.wrapper, Wrapper::DockerJson);
        assert_eq!(u.content, r#"time="2020-12-11T01:56:43.341654429Z" level=info msg="k3s is up and running""#);
        assert!(!u.partial);
    }

    #[test]
    fn garbage_never_panics() {
        let long = "9".repeat(10_000);
        for line in [
            "2022-06-20T16:10:23.311058384Z",
            "2022-06-20T16:10:23.311058384Z ",
            "2022-06-20T16:10:23.311058384Z stderr",
            "2022-06-20T16:10:23.311058384Z stderr ",
            "2022-06-20T16:10:23.311058384Z stderr \u{b5}\u{b5} x",
            "{\"log\":",
            "{\"log\":\"unterminated",
            "{\"log\":5}",
            "Aug 17 12:26:12",
            "Aug 17 12:26:12 host",
            "Aug 17 12:26:12 host etcd[",
            "Aug 17 12:26:12 host etcd[12x]: y",
            "Aug 17 12:26:12 host \u{fffd}[1]: \u{fffd}",
            "\u{fffd}\u{fffd}\u{fffd}",
            long.as_str(),
        ] {
            let _ = unwrap_line(line);
        }
    }
}
