//! zap JSON records (etcd 3.4-3.6) and the 3.6 console format: the gate on raw text, the fast flat reader and the
//! loose JSON parser behind it.

use std::sync::LazyLock;

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::duration::go_duration_ms;
use crate::parse::klog;
use crate::parse::time::{LineTime, epoch_secs, iso8601};
use crate::parse::{LineFacts, Malformed};

use super::rules::zap_rules;

// ---- zap JSON ---------------------------------------------------------------------------------------------

/// Any line starting with `{`.
pub(super) fn json_line(s: &str) -> Result<Option<LineFacts>, Malformed> {
    if s.starts_with("{\"level\":") {
        return zap_glued(s);
    }
    if s.starts_with("{\"ts\":") {
        return klog::classify_klog_json(s);
    }
    if s.contains("\"msg\":") {
        // Another key order: try it as a zap record, else read it as text.
        if let Ok(rec) = serde_json::from_str::<ZapRecord>(s) {
            return zap_rules(&rec, has_controller_phrase(s)).into_result(rec.time());
        }
    }
    Ok(klog::text_signal(s, None).map(|signal| LineFacts { signal: Some(signal), ..LineFacts::default() }))
}

/// Several zap records glued on one physical line (`}{`, ETCD-SIGNALS §7.5, §9): classify each, keep the first
/// signal (else the first identity). A damaged piece only makes the line malformed when no piece says anything.
pub(super) fn zap_glued(s: &str) -> Result<Option<LineFacts>, Malformed> {
    const GLUE: &str = "}{\"level\":";
    static GLUED: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(GLUE));
    if GLUED.find(s.as_bytes()).is_none() {
        return zap_record(s);
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    while let Some(i) = s[start + 1..].find(GLUE) {
        let end = start + 1 + i + 1;
        pieces.push(&s[start..end]);
        start = end;
    }
    pieces.push(&s[start..]);
    let mut first_identity = None;
    let mut first_error = None;
    for piece in pieces {
        match zap_record(piece) {
            Ok(Some(facts)) if facts.signal.is_some() => return Ok(Some(facts)),
            Ok(Some(facts)) => first_identity = first_identity.or(Some(facts)),
            Ok(None) => {}
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    match (first_identity, first_error) {
        (Some(facts), _) => Ok(Some(facts)),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(None),
    }
}

/// The byte range of a zap record's raw `msg` string within `s`, found without parsing (escapes left in place).
fn raw_msg_range(s: &str) -> Option<std::ops::Range<usize>> {
    static MSG_KEY: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("\"msg\":\""));
    let at = MSG_KEY.find(s.as_bytes())? + 7;
    let b = &s.as_bytes()[at..];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(at..at + i),
            _ => i += 1,
        }
    }
    None
}

/// Messages the zap rules act on (substrings of `msg`).
const ZAP_MSGS: &[&str] = &[
    "slow fdatasync",
    "took too long",
    "failed to apply request",
    "scheduled compaction",
    "defragment",
    "opened backend db",
    "heartbeat",
    "at term ",
    "quorum is not active",
    "read index response",
    "read state",
    "starting an etcd server",
    "prober",
    "TCP streaming connection",
    "peer became inactive",
    "rejected connection",
    "backend quota",
    "alarm raised",
    "/health",
    "Health check",
    "failed to publish",
    "flocked",
    "buffer is full",
    "request stats",
    "ID mismatch",
];

/// Field contents the zap rules act on, anywhere in the record.
const ZAP_FIELDS: &[&str] =
    &["local-member-id", "etcd-client", "retry_interceptor", "etcdserver: ", "space exceeded", "permanently removed"];

/// Phrases of a controller that logs zap JSON itself (controller-runtime): lease loss, lease renewal,
/// configuration errors, memory exhaustion.
const CONTROLLER_PHRASES: &[&str] = &[
    "election lost",
    "eaderelection lost",
    "lost leadership",
    "renew lease",
    "update lock",
    "resource lock",
    "lease lock",
    "unknown flag",
    "flag provided but not defined",
    "failed to load config",
    "invalid configuration",
    "rror parsing",
    "no such file or directory",
    "ut of memory",
    "oom-killer",
];

/// What the raw text of a zap record holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct ZapGate {
    /// One of [`CONTROLLER_PHRASES`] anywhere in the record.
    controller: bool,
    /// One of [`ZAP_MSGS`] inside `msg`, or one of [`ZAP_FIELDS`] anywhere, or a fatal level.
    etcd: bool,
}

/// An automaton that answers "does any of these occur". Leftmost-first semantics report a match whenever any
/// pattern occurs (only which one is reported differs), and they let aho-corasick use its SIMD prefilter.
fn any_of(patterns: &[&str]) -> aho_corasick::AhoCorasick {
    // Invariant: the patterns are the short literals above, which aho-corasick accepts.
    aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(patterns)
        .expect("literal patterns")
}

/// Decides on a zap record's raw text, before any JSON is parsed, whether it can matter. `msg_at` is the byte
/// range of the `msg` value within `s`. One automaton per list replaces a `contains` per phrase (a quarter of
/// the classify time on a 1 GiB log).
fn zap_gate(s: &str, msg_at: std::ops::Range<usize>) -> ZapGate {
    static MSGS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| any_of(ZAP_MSGS));
    static FIELDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| any_of(ZAP_FIELDS));
    static CONTROLLER: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| any_of(CONTROLLER_PHRASES));
    // zap writes `level` first.
    let fatal = ["{\"level\":\"fatal\"", "{\"level\":\"panic\"", "{\"level\":\"dpanic\""];
    let msg = s.get(msg_at).unwrap_or("");
    ZapGate {
        controller: CONTROLLER.is_match(s),
        etcd: MSGS.is_match(msg) || FIELDS.is_match(s) || fatal.iter().any(|f| s.starts_with(f)),
    }
}

/// Whether a JSON record carries one of [`CONTROLLER_PHRASES`].
pub(super) fn has_controller_phrase(s: &str) -> bool {
    static CONTROLLER: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| any_of(CONTROLLER_PHRASES));
    CONTROLLER.is_match(s)
}

/// One zap JSON record.
fn zap_record(s: &str) -> Result<Option<LineFacts>, Malformed> {
    let Some(msg_at) = raw_msg_range(s) else {
        return Err(Malformed("zap JSON record without a complete \"msg\" (truncated?)".into()));
    };
    let gate = zap_gate(s, msg_at);
    let controller = gate.controller;
    if !controller && !gate.etcd {
        return Ok(None);
    }
    let rec: ZapRecord = match zap_record_flat(s) {
        Some(rec) => rec,
        None => serde_json::from_str(s).map_err(|e| Malformed(format!("zap JSON record is not valid JSON: {e}")))?,
    };
    zap_rules(&rec, controller).into_result(rec.time())
}

/// A JSON value as zap writes it, read loosely: strings borrow from the line when they have no escapes, numbers
/// are kept as f64 (ids beyond 2^53 lose precision but are never used), anything else is skipped.
#[derive(Debug, Default, PartialEq)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    /// Present but neither a string nor a number (`null`, `true`, an object).
    Other,
    /// Not in the record.
    #[default]
    Absent,
}

impl Scalar<'_> {
    fn as_str(&self) -> &str {
        match self {
            Scalar::Str(s) => s,
            _ => "",
        }
    }

    /// A Go duration string or (pre-release zap, ETCD-SIGNALS §8.2) a number of seconds, in ms.
    fn duration_ms(&self) -> Option<f64> {
        match self {
            Scalar::Str(s) => go_duration_ms(s),
            Scalar::Num(secs) => Some(secs * 1e3).filter(|ms| ms.is_finite()),
            Scalar::Other | Scalar::Absent => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Other)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of a zap record the rules read; everything else is skipped without allocating. Duplicate keys
/// are tolerated (the last wins), unlike a derived `Deserialize`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ZapRecord<'a> {
    level: Scalar<'a>,
    ts: Scalar<'a>,
    logger: Scalar<'a>,
    caller: Scalar<'a>,
    msg: Scalar<'a>,
    error: Scalar<'a>,
    took: Scalar<'a>,
    expected_duration: Scalar<'a>,
    exceeded_duration: Scalar<'a>,
    heartbeat_interval: Scalar<'a>,
    local_member_id: Scalar<'a>,
    name: Scalar<'a>,
    etcd_version: Scalar<'a>,
    remote_peer_id: Scalar<'a>,
    peer_id: Scalar<'a>,
    clock_drift: Scalar<'a>,
    alarm: Scalar<'a>,
    from: Scalar<'a>,
    output: Scalar<'a>,
    reason: Scalar<'a>,
    response: Scalar<'a>,
    time_spent: Scalar<'a>,
    response_count: Scalar<'a>,
    response_size: Scalar<'a>,
    response_type: Scalar<'a>,
    db_size: Scalar<'a>,
    db_in_use: Scalar<'a>,
    prefix: Scalar<'a>,
}

/// Maps a zap key to its slot in a [`ZapRecord`] (one list for reading and writing).
macro_rules! zap_slot {
    ($rec:expr, $key:expr $(, $m:tt)?) => {
        match $key {
            "level" => Some(&$($m)? $rec.level),
            "ts" => Some(&$($m)? $rec.ts),
            "logger" => Some(&$($m)? $rec.logger),
            "caller" => Some(&$($m)? $rec.caller),
            "msg" => Some(&$($m)? $rec.msg),
            "error" => Some(&$($m)? $rec.error),
            "took" => Some(&$($m)? $rec.took),
            "expected-duration" => Some(&$($m)? $rec.expected_duration),
            "exceeded-duration" => Some(&$($m)? $rec.exceeded_duration),
            "heartbeat-interval" => Some(&$($m)? $rec.heartbeat_interval),
            "local-member-id" => Some(&$($m)? $rec.local_member_id),
            "name" => Some(&$($m)? $rec.name),
            "etcd-version" => Some(&$($m)? $rec.etcd_version),
            "remote-peer-id" => Some(&$($m)? $rec.remote_peer_id),
            "peer-id" => Some(&$($m)? $rec.peer_id),
            "clock-drift" => Some(&$($m)? $rec.clock_drift),
            "alarm" => Some(&$($m)? $rec.alarm),
            "from" => Some(&$($m)? $rec.from),
            "output" => Some(&$($m)? $rec.output),
            "reason" => Some(&$($m)? $rec.reason),
            "response" => Some(&$($m)? $rec.response),
            "time spent" => Some(&$($m)? $rec.time_spent),
            "response count" => Some(&$($m)? $rec.response_count),
            "response size" => Some(&$($m)? $rec.response_size),
            "response type" => Some(&$($m)? $rec.response_type),
            "current-db-size-bytes" => Some(&$($m)? $rec.db_size),
            "current-db-size-in-use-bytes" => Some(&$($m)? $rec.db_in_use),
            "prefix" => Some(&$($m)? $rec.prefix),
            _ => None,
        }
    };
}

impl<'de: 'a, 'a> Deserialize<'de> for ZapRecord<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ZapRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut rec = ZapRecord::default();
                while let Some(key) = map.next_key::<Scalar<'de>>()? {
                    if let Some(slot) = zap_slot!(rec, key.as_str(), mut) {
                        *slot = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(rec)
            }
        }
        d.deserialize_map(V)
    }
}

/// The fast path of reading a [`ZapRecord`], for the records zap writes: one object without whitespace whose
/// values are strings, numbers, `true`, `false`, `null`, or nested values (skipped, as the full parser makes them
/// `Other`). A string the rules read that has escapes, a control character in one, odd whitespace, an unclosed
/// value or trailing bytes return `None`, and the full JSON parser decides (with its own errors). Skipped values
/// are checked for balance, not validated in depth. Parsing was a third of the classify time on a 1 GiB log.
fn zap_record_flat(s: &str) -> Option<ZapRecord<'_>> {
    let b = s.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut rec = ZapRecord::default();
    let mut i = 1;
    if b.get(i) == Some(&b'}') {
        return (i + 1 == b.len()).then_some(rec);
    }
    loop {
        let (key, next) = plain_json_string(s, i)?;
        if b.get(next) != Some(&b':') {
            return None;
        }
        i = next + 1;
        let value = match *b.get(i)? {
            b'"' => match plain_json_string(s, i) {
                Some((v, next)) => {
                    i = next;
                    Scalar::Str(Cow::Borrowed(v))
                }
                // An escaped string the rules read needs decoding: the full parser does that. Others are skipped.
                None if zap_slot!(rec, key).is_some() => return None,
                None => {
                    i = skip_json_string(b, i)?;
                    Scalar::Other
                }
            },
            // Nested values are never read by the rules (the full parser makes them `Other` too).
            b'{' | b'[' => {
                i = skip_json_nested(b, i)?;
                Scalar::Other
            }
            b'-' | b'0'..=b'9' => {
                let len = b[i..].iter().position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'));
                let text = &s[i..i + len.unwrap_or(b.len() - i)];
                // JSON forbids leading zeros (`01`), which Rust's parser accepts: leave those to serde.
                let digits = text.strip_prefix('-').unwrap_or(text);
                if digits.len() > 1 && digits.starts_with('0') && digits.as_bytes()[1].is_ascii_digit() {
                    return None;
                }
                i += text.len();
                Scalar::Num(text.parse().ok()?)
            }
            _ => {
                let word = ["true", "false", "null"].into_iter().find(|w| s[i..].starts_with(w))?;
                i += word.len();
                Scalar::Other
            }
        };
        if let Some(slot) = zap_slot!(rec, key, mut) {
            *slot = value;
        }
        match *b.get(i)? {
            b',' => i += 1,
            b'}' if i + 1 == b.len() => return Some(rec),
            _ => return None,
        }
    }
}

/// The index after the JSON string starting at `b[at]` (a `"`), escapes skipped; `None` if it never closes.
fn skip_json_string(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
}

/// The index after the object or array starting at `b[at]`, strings inside skipped; `None` if it never closes.
fn skip_json_nested(b: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_json_string(b, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// A JSON string starting at `s[at]` (a `"`) with no escape or control character: its content and the index
/// after its closing quote.
fn plain_json_string(s: &str, at: usize) -> Option<(&str, usize)> {
    /// Bytes that end the fast path inside a string: the closing quote, an escape, a control character.
    const STOP: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 0x20 {
            t[c] = true;
            c += 1;
        }
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
        t
    };
    let b = s.as_bytes();
    if b.get(at) != Some(&b'"') {
        return None;
    }
    let mut end = at + 1;
    while !STOP[*b.get(end)? as usize] {
        end += 1;
    }
    (b[end] == b'"').then(|| (&s[at + 1..end], end + 1))
}

impl ZapRecord<'_> {
    /// `ts`: an ISO 8601 string or a float epoch (ETCD-SIGNALS §1.2).
    fn time(&self) -> Option<LineTime> {
        match &self.ts {
            Scalar::Str(s) => iso8601(s),
            Scalar::Num(secs) => epoch_secs(*secs),
            Scalar::Other | Scalar::Absent => None,
        }
        .map(LineTime::Exact)
    }

    fn scalar(&self, key: &str) -> Option<&Scalar<'_>> {
        zap_slot!(self, key)
    }
}

pub(super) fn field<'r>(rec: &'r ZapRecord<'_>, key: &str) -> &'r str {
    rec.scalar(key).map_or("", Scalar::as_str)
}

pub(super) fn duration_field(rec: &ZapRecord<'_>, key: &str) -> Option<f64> {
    rec.scalar(key).and_then(Scalar::duration_ms)
}

/// A latency field as read: absent, a non-negative finite duration, or a value that is neither (`"-5s"`,
/// `"NaN"`, `""`, `null`, `true`, `-5`), given as its JSON-ish text for the malformed-line reason.
#[derive(Debug, PartialEq)]
pub(super) enum Latency {
    Absent,
    Ms(f64),
    Bad(String),
}

pub(super) fn latency_field(rec: &ZapRecord<'_>, key: &str) -> Latency {
    let Some(value) = rec.scalar(key).filter(|v| **v != Scalar::Absent) else {
        return Latency::Absent;
    };
    match value.duration_ms().filter(|ms| *ms >= 0.0 && ms.is_finite()) {
        Some(ms) => Latency::Ms(ms),
        None => Latency::Bad(match value {
            Scalar::Str(s) => format!("{:?}", klog::clip(s)),
            Scalar::Num(n) => n.to_string(),
            Scalar::Other | Scalar::Absent => "a value that is not a string or a number".into(),
        }),
    }
}

/// A non-negative integer field (`response count`, `current-db-size-bytes`); etcd prints -1 for "not
/// applicable" (T2 on maintenance calls).
pub(super) fn count_field(rec: &ZapRecord<'_>, key: &str) -> Option<u64> {
    match rec.scalar(key)? {
        Scalar::Num(n) if *n >= 0.0 && n.is_finite() => Some(*n as u64),
        _ => None,
    }
}

/// etcd 3.6 `--log-format=console`: `ts<TAB>level<TAB>[logger<TAB>]caller<TAB>msg<TAB>{fields}`.
/// `None` when the line does not have that shape.
pub(super) fn console_line(s: &str) -> Option<Result<Option<LineFacts>, Malformed>> {
    if !s.contains('\t') {
        return None;
    }
    let mut parts = s.split('\t');
    let ts = parts.next()?;
    let time = iso8601(ts)?;
    let level = parts.next()?;
    if !matches!(level, "debug" | "info" | "warn" | "error" | "dpanic" | "panic" | "fatal") {
        return None;
    }
    let rest: Vec<&str> = parts.collect();
    let (logger, caller, msg, fields) = match rest.as_slice() {
        [caller, msg, tail @ ..] if caller.contains(".go:") => (None, *caller, *msg, tail.first().copied()),
        [logger, caller, msg, tail @ ..] => (Some(*logger), *caller, *msg, tail.first().copied()),
        _ => return None,
    };
    let mut rec = match fields.filter(|f| f.starts_with('{')) {
        Some(json) => match serde_json::from_str::<ZapRecord>(json) {
            Ok(rec) => rec,
            Err(e) => return Some(Err(Malformed(format!("console record fields are not valid JSON: {e}")))),
        },
        None => ZapRecord::default(),
    };
    rec.level = Scalar::Str(Cow::Borrowed(level));
    rec.caller = Scalar::Str(Cow::Borrowed(caller));
    rec.msg = Scalar::Str(Cow::Borrowed(msg));
    if let Some(logger) = logger {
        rec.logger = Scalar::Str(Cow::Borrowed(logger));
    }
    Some(zap_rules(&rec, has_controller_phrase(s)).into_result(Some(LineTime::Exact(time))))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::parse::unwrap_line;

    /// answers, reads exactly what the JSON parser reads, and it answers for nearly all of them.
    #[test]
    fn the_flat_zap_reader_agrees_with_the_json_parser_on_real_records() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).expect("fixture folders are readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "log") && path.to_string_lossy().contains("/etcd/") {
                    files.push(path);
                }
            }
        }
        let (mut records, mut fast) = (0, 0);
        for f in &files {
            let text = std::fs::read_to_string(f).expect("fixture logs are UTF-8");
            for line in text.lines() {
                let content = unwrap_line(line).content;
                if !content.starts_with("{\"level\":") {
                    continue;
                }
                records += 1;
                let parsed: ZapRecord = serde_json::from_str(&content).expect("captured records are valid JSON");
                if let Some(flat) = zap_record_flat(&content) {
                    fast += 1;
                    assert_eq!(flat, parsed, "{}: {content}", f.display());
                }
            }
        }
        assert!(records > 1000, "only {records} zap records found in {} files", files.len());
        assert!(fast * 100 >= records * 95, "the fast path read {fast} of {records} records");
    }

    #[test]
    fn the_flat_zap_reader_leaves_unusual_records_to_the_json_parser() {
        let flat = zap_record_flat;
        // What the rules read with an escape in it needs decoding.
        assert!(flat(r#"{"level":"warn","msg":"a \"quoted\" word"}"#).is_none());
        // Escapes and nesting in fields the rules ignore are skipped.
        let rec = flat(
            r#"{"level":"warn","request":"key:\"/a\"","peers":[{"id":"x"},"y"],"msg":"slow fdatasync","took":"1.2s"}"#,
        )
        .expect("read");
        assert_eq!((rec.msg.as_str(), rec.took.duration_ms()), ("slow fdatasync", Some(1200.0)));
        // A nested value under a key the rules read is `Other`, as the JSON parser makes it.
        assert_eq!(flat(r#"{"msg":{"a":1}}"#).map(|r| r.msg), Some(Scalar::Other));
        // Numbers, booleans and null.
        let rec = flat(r#"{"ts":1764037116.5,"took":-0.25,"x":true,"y":null,"z":false}"#).expect("read");
        assert_eq!((rec.ts, rec.took), (Scalar::Num(1764037116.5), Scalar::Num(-0.25)));
        // Not JSON zap would write, or not JSON at all: the parser decides (and reports the error).
        for odd in [
            r#"{"level": "warn"}"#,
            r#"{"took":01}"#,
            "{\"msg\":\"tab\there\"}",
            r#"{"msg":"cut off"#,
            r#"{"msg":"x"} trailing"#,
            r#"{"peers":[1,2}"#,
            r#"{"msg":"x",}"#,
        ] {
            assert!(flat(odd).is_none(), "{odd}");
        }
        assert_eq!(flat("{}"), Some(ZapRecord::default()));
    }
}
