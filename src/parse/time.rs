//! Log line timestamps in every shape the supported formats print (ETCD-SIGNALS §1, §7.1).
//!
//! Pure; no I/O, no clock. Nothing here guesses a zone or a year: a timestamp that lacks them is returned as
//! [`LineTime::NoZone`] / [`LineTime::NoYear`] and placed later by the reader, which knows the assumed zone and the
//! surrounding dated evidence.
//!
//! The parsers are hand-written byte scanners (no regex): they run on every candidate line.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::evidence::Timestamp;

/// A line's own timestamp, as complete as its format allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineTime {
    /// A complete instant (zap `ts`, RFC 3339 with zone, float epoch), normalised to UTC.
    Exact(Timestamp),
    /// Date and time without a zone: capnslog and etcd 3.4 capnslog-mode raft lines print the node-local wall
    /// clock.
    NoZone(NaiveDateTime),
    /// Month, day and time without year or zone (klog, journald/syslog). Stored with year [`NO_YEAR`] (a leap
    /// year, so Feb 29 is representable); the reader picks the real year.
    NoYear(NaiveDateTime),
}

/// The placeholder year of [`LineTime::NoYear`] (a leap year).
pub const NO_YEAR: i32 = 2000;

impl LineTime {
    /// The instant, when the line carries a complete one.
    pub fn exact(&self) -> Option<Timestamp> {
        match self {
            LineTime::Exact(t) => Some(*t),
            _ => None,
        }
    }
}

/// Result of looking for a timestamp shape at the start of a string: `None` when the shape is absent,
/// `Some(Err(why))` when the shape is there but the date or time is impossible (`2021-02-30`, `25:00:00`),
/// `Some(Ok((time, consumed_bytes)))` otherwise.
pub type Found<T> = Option<Result<(T, usize), &'static str>>;

const IMPOSSIBLE: &str = "impossible date or time in timestamp";

/// `n` ASCII digits at `b[i..i + n]` as a number.
fn digits(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    let mut v = 0u32;
    for c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// A run of 1..=`max` fractional digits at `b[i..]` as nanoseconds (extra digits beyond 9 are ignored) and the
/// number of digits consumed.
fn fraction(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let n = b.get(i..).unwrap_or_default().iter().take(max).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let mut nanos = 0u32;
    for k in 0..9 {
        let d = if k < n { u32::from(b[i + k] - b'0') } else { 0 };
        nanos = nanos * 10 + d;
    }
    Some((nanos, n))
}

fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    // Leap seconds are not printed by any of these loggers; `60` is treated as impossible.
    if s > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

/// `YYYY-MM-DD?hh:mm:ss` at the start of `b`, `sep` being the byte between date and time.
fn date_time(b: &[u8], sep: u8, date_sep: u8) -> Option<[u32; 6]> {
    if b.len() < 19 || b[4] != date_sep || b[7] != date_sep || b[10] != sep || b[13] != b':' || b[16] != b':' {
        return None;
    }
    Some([
        digits(b, 0, 4)?,
        digits(b, 5, 2)?,
        digits(b, 8, 2)?,
        digits(b, 11, 2)?,
        digits(b, 14, 2)?,
        digits(b, 17, 2)?,
    ])
}

/// An ISO 8601 / RFC 3339 timestamp at the start of `s`: `2006-01-02T15:04:05[.fraction]ZONE` with 0..9
/// fractional digits and zone `Z`, `±hh:mm`, `±hhmm` or `±hh`. Covers every zap `ts` string shape (ms with `Z` or
/// `+0100`, trimmed 0..6 digits, fixed 6 digits), CRI / `kubectl logs --timestamps` RFC3339Nano (`+01:00`), and
/// logrus `time="..."` values.
pub fn iso8601_prefix(s: &str) -> Found<Timestamp> {
    let b = s.as_bytes();
    let [y, mo, d, h, mi, sec] = date_time(b, b'T', b'-')?;
    let mut i = 19;
    let mut nanos = 0;
    if b.get(i) == Some(&b'.') {
        let (n, len) = fraction(b, i + 1, 12)?;
        nanos = n;
        i += 1 + len;
    }
    let offset_secs: i32 = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let sign = if *sign == b'-' { -1 } else { 1 };
            let hh = digits(b, i + 1, 2)?;
            i += 3;
            let mm = if b.get(i) == Some(&b':') {
                let mm = digits(b, i + 1, 2)?;
                i += 3;
                mm
            } else if let Some(mm) = digits(b, i, 2) {
                i += 2;
                mm
            } else {
                0
            };
            if hh > 23 || mm > 59 {
                return Some(Err(IMPOSSIBLE));
            }
            sign * (hh as i32 * 3600 + mm as i32 * 60)
        }
        _ => return None,
    };
    let Some(local) = naive(y as i32, mo, d, h, mi, sec, nanos) else {
        return Some(Err(IMPOSSIBLE));
    };
    let Some(zone) = FixedOffset::east_opt(offset_secs) else {
        return Some(Err(IMPOSSIBLE));
    };
    match zone.from_local_datetime(&local).single() {
        Some(t) => Some(Ok((t.with_timezone(&Utc), i))),
        None => Some(Err(IMPOSSIBLE)),
    }
}

/// A whole string that is an ISO 8601 / RFC 3339 timestamp (see [`iso8601_prefix`]).
pub fn iso8601(s: &str) -> Option<Timestamp> {
    match iso8601_prefix(s) {
        Some(Ok((t, n))) if n == s.len() => Some(t),
        _ => None,
    }
}

/// A float Unix epoch in seconds (`1661578407.7117872`: etcd 3.5.0-3.5.2 flag-parsing lines, klog JSON `ts`).
pub fn epoch_secs(secs: f64) -> Option<Timestamp> {
    if !secs.is_finite() || secs.abs() > 1e11 {
        return None;
    }
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
    DateTime::from_timestamp(whole as i64, nanos)
}

/// A zap `ts` value: an ISO 8601 string or a float epoch.
pub fn zap_ts(v: &serde_json::Value) -> Option<Timestamp> {
    match v {
        serde_json::Value::String(s) => iso8601(s),
        serde_json::Value::Number(n) => n.as_f64().and_then(epoch_secs),
        _ => None,
    }
}

/// capnslog's `2020-10-20 12:15:22.876237` (6 fractional digits; 1..9 accepted) at the start of `s`. The byte
/// after it must be a space or the end.
pub fn capnslog_prefix(s: &str) -> Found<NaiveDateTime> {
    let b = s.as_bytes();
    let [y, mo, d, h, mi, sec] = date_time(b, b' ', b'-')?;
    if b.get(19) != Some(&b'.') {
        return None;
    }
    let (nanos, len) = fraction(b, 20, 9)?;
    let end = 20 + len;
    if !matches!(b.get(end), None | Some(b' ')) {
        return None;
    }
    Some(naive(y as i32, mo, d, h, mi, sec, nanos).map(|t| (t, end)).ok_or(IMPOSSIBLE))
}

/// Go's standard `log` with `LstdFlags` (`2017/06/20 12:53:52`, optionally `.123456` with `Lmicroseconds`), as
/// embedded etcd servers and etcd 2 tools print it. The byte after it must be a space or the end.
pub fn go_log_prefix(s: &str) -> Found<NaiveDateTime> {
    let b = s.as_bytes();
    let [y, mo, d, h, mi, sec] = date_time(b, b' ', b'/')?;
    let mut end = 19;
    let mut nanos = 0;
    if b.get(end) == Some(&b'.') {
        let (n, len) = fraction(b, end + 1, 9)?;
        nanos = n;
        end += 1 + len;
    }
    if !matches!(b.get(end), None | Some(b' ')) {
        return None;
    }
    Some(naive(y as i32, mo, d, h, mi, sec, nanos).map(|t| (t, end)).ok_or(IMPOSSIBLE))
}

/// etcd 3.4 capnslog-mode raft lines: Go's `log` with prefix `raft` and `LstdFlags`, `raft2026/11/24 22:58:07`
/// (no space after `raft`, second precision).
pub fn raft_std_prefix(s: &str) -> Found<NaiveDateTime> {
    let rest = s.strip_prefix("raft")?;
    let b = rest.as_bytes();
    let [y, mo, d, h, mi, sec] = date_time(b, b' ', b'/')?;
    if !matches!(b.get(19), None | Some(b' ')) {
        return None;
    }
    Some(naive(y as i32, mo, d, h, mi, sec, 0).map(|t| (t, 4 + 19)).ok_or(IMPOSSIBLE))
}

/// klog's header time `I0125 06:42:39.880363` (level letter `I`/`W`/`E`/`F`, month-day, µs) at the start of `s`,
/// with year [`NO_YEAR`]. Also returns the level letter.
pub fn klog_prefix(s: &str) -> Found<(char, NaiveDateTime)> {
    let b = s.as_bytes();
    let level = *b.first()?;
    if !matches!(level, b'I' | b'W' | b'E' | b'F') || b.len() < 16 || b[5] != b' ' || b[8] != b':' || b[11] != b':' {
        return None;
    }
    let (mo, d, h, mi, sec) =
        (digits(b, 1, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?, digits(b, 9, 2)?, digits(b, 12, 2)?);
    if b[14] != b'.' {
        return None;
    }
    let (nanos, len) = fraction(b, 15, 9)?;
    let end = 15 + len;
    if !matches!(b.get(end), None | Some(b' ')) {
        return None;
    }
    Some(naive(NO_YEAR, mo, d, h, mi, sec, nanos).map(|t| ((char::from(level), t), end)).ok_or(IMPOSSIBLE))
}

/// journald / syslog `Aug 17 12:26:12`, `Nov  8 01:02:03`, `feb 16 ...`, `Jan 25 05:42:29.227000` at the start of `s`, with year
/// [`NO_YEAR`]. The byte after it must be a space or the end.
pub fn syslog_prefix(s: &str) -> Found<NaiveDateTime> {
    let b = s.as_bytes();
    let month = month(b.get(..3)?)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    // Day: `17`, ` 8` (space-padded) or `8`.
    let (day, i) = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(d)) if d.is_ascii_digit() => (u32::from(d - b'0'), 6),
        (Some(d1), Some(d2)) if d1.is_ascii_digit() && d2.is_ascii_digit() => (digits(b, 4, 2)?, 6),
        (Some(d), Some(b' ')) if d.is_ascii_digit() => (u32::from(d - b'0'), 5),
        _ => return None,
    };
    if b.get(i) != Some(&b' ') || b.get(i + 3) != Some(&b':') || b.get(i + 6) != Some(&b':') {
        return None;
    }
    let (h, mi, sec) = (digits(b, i + 1, 2)?, digits(b, i + 4, 2)?, digits(b, i + 7, 2)?);
    let mut end = i + 9;
    let mut nanos = 0;
    // `journalctl -o short-precise`: microseconds.
    if b.get(end) == Some(&b'.') {
        let (n, len) = fraction(b, end + 1, 9)?;
        nanos = n;
        end += 1 + len;
    }
    if !matches!(b.get(end), None | Some(b' ')) {
        return None;
    }
    Some(naive(NO_YEAR, month, day, h, mi, sec, nanos).map(|t| (t, end)).ok_or(IMPOSSIBLE))
}

/// `Jan`..`Dec` in any case.
fn month(b: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    let lower = [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    MONTHS.iter().position(|m| **m == lower).map(|i| i as u32 + 1)
}

/// The timestamp a content line (wrapper already removed) starts with, in any supported format: zap JSON `ts`,
/// etcd 3.6 console format, capnslog, 3.4 raft std-log, klog, journald/syslog, RFC 3339, logrus `time="..."`.
/// Impossible dates give `None`.
pub fn line_time(content: &str) -> Option<LineTime> {
    let s = content.trim_start();
    let first = *s.as_bytes().first()?;
    match first {
        b'{' => json_ts(s).map(LineTime::Exact),
        b'0'..=b'9' => {
            if let Some(Ok((t, _))) = iso8601_prefix(s) {
                return Some(LineTime::Exact(t));
            }
            if let Some(found) = capnslog_prefix(s) {
                return found.ok().map(|(t, _)| LineTime::NoZone(t));
            }
            go_log_prefix(s)?.ok().map(|(t, _)| LineTime::NoZone(t))
        }
        b'r' => raft_std_prefix(s)?.ok().map(|(t, _)| LineTime::NoZone(t)),
        b't' if s.starts_with("time=\"") => iso8601_prefix(&s[6..])?.ok().map(|(t, _)| LineTime::Exact(t)),
        _ => {
            if let Some(found) = klog_prefix(s) {
                return found.ok().map(|((_, t), _)| LineTime::NoYear(t));
            }
            syslog_prefix(s)?.ok().map(|(t, _)| LineTime::NoYear(t))
        }
    }
}

/// The `ts` of a JSON log line without parsing the whole object: zap puts `ts` second, klog JSON first.
fn json_ts(s: &str) -> Option<Timestamp> {
    let head = s.get(..s.len().min(96)).unwrap_or(s);
    let at = head.find("\"ts\":")? + 5;
    let rest = s.get(at..)?.trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        let end = quoted.find('"')?;
        iso8601(&quoted[..end])
    } else {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
            .unwrap_or(rest.len());
        rest[..end].parse::<f64>().ok().and_then(epoch_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn nd(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_micro_opt(h, mi, s, micros).unwrap()
    }

    #[test]
    fn zap_ts_iso8601_millis_with_zone_without_colon() {
        // 3.4.0-3.4.23 / 3.5.0-3.5.7 (ETCD-SIGNALS §1.2 table).
        assert_eq!(iso8601("2021-01-25T06:42:29.227+0100"), Some(utc("2021-01-25T05:42:29.227Z")));
        assert_eq!(iso8601("2022-08-24T01:58:02.531Z"), Some(utc("2022-08-24T01:58:02.531Z")));
    }

    #[test]
    fn zap_ts_trimmed_fraction_including_none() {
        // 3.4.24+/3.5.8-3.5.14: trailing zeros trimmed, whole seconds print no fraction at all.
        assert_eq!(iso8601("2024-11-27T13:48:13.28801Z"), Some(utc("2024-11-27T13:48:13.28801Z")));
        assert_eq!(iso8601("2024-11-27T13:48:13.288037Z"), Some(utc("2024-11-27T13:48:13.288037Z")));
        assert_eq!(iso8601("2024-11-27T13:48:13Z"), Some(utc("2024-11-27T13:48:13Z")));
    }

    #[test]
    fn zap_ts_fixed_micros_with_offset() {
        // 3.5.15+, 3.6.
        assert_eq!(iso8601("2024-01-31T16:54:41.675186+0800"), Some(utc("2024-01-31T08:54:41.675186Z")));
    }

    #[test]
    fn zap_ts_float_epoch() {
        // 3.5.0-3.5.2 flag-parsing lines.
        let t = zap_ts(&serde_json::json!(1661578407.7117872)).unwrap();
        assert_eq!(t.timestamp(), 1661578407);
        assert!((t.timestamp_subsec_micros() as i64 - 711787).abs() <= 1);
        assert_eq!(zap_ts(&serde_json::json!(1e300)), None);
    }

    #[test]
    fn rfc3339_nano_with_colon_offset_and_any_fraction() {
        assert_eq!(iso8601("2023-12-16T07:35:01.426019865+01:00"), Some(utc("2023-12-16T06:35:01.426019865Z")));
        assert_eq!(iso8601("2019-03-06T19:00:59.11754674Z"), Some(utc("2019-03-06T19:00:59.11754674Z")));
        assert_eq!(iso8601("2022-06-20T16:10:23.3Z"), Some(utc("2022-06-20T16:10:23.3Z")));
        // Same instant in two zones (ETCD-SIGNALS §9): both normalise to UTC.
        assert_eq!(iso8601("2023-08-18T10:47:25.111+08:00"), iso8601("2023-08-18T02:47:25.111Z"));
    }

    #[test]
    fn capnslog_time_has_no_zone() {
        let line = "2020-10-20 12:15:22.876237 W | etcdserver: read-only range request";
        assert_eq!(line_time(line), Some(LineTime::NoZone(nd(2020, 10, 20, 12, 15, 22, 876237))));
        assert_eq!(capnslog_prefix(line), Some(Ok((nd(2020, 10, 20, 12, 15, 22, 876237), 26))));
    }

    #[test]
    fn raft_std_log_time() {
        let line = "raft2026/11/24 22:58:07 INFO: bdae9bbc11dd390d became leader at term 2";
        assert_eq!(line_time(line), Some(LineTime::NoZone(nd(2026, 11, 24, 22, 58, 7, 0))));
    }

    #[test]
    fn klog_time_has_no_year() {
        let line = "E0125 06:42:39.880363 2189071 leaderelection.go:325] error retrieving resource lock";
        assert_eq!(line_time(line), Some(LineTime::NoYear(nd(2000, 1, 25, 6, 42, 39, 880363))));
        // Feb 29 is representable in the placeholder year.
        assert!(matches!(klog_prefix("I0229 00:00:00.000001 1 x.go:1] y"), Some(Ok(_))));
        assert_eq!(klog_prefix("I0230 00:00:00.000001 1 x.go:1] y"), Some(Err(IMPOSSIBLE)));
        assert_eq!(klog_prefix("I1301 00:00:00.000001 1 x.go:1] y"), Some(Err(IMPOSSIBLE)));
    }

    #[test]
    fn syslog_time_variants() {
        assert_eq!(
            line_time("Aug 17 12:26:12 host etcd[9683]: x"),
            Some(LineTime::NoYear(nd(2000, 8, 17, 12, 26, 12, 0)))
        );
        assert_eq!(line_time("Nov  8 01:02:03 host etcd: x"), Some(LineTime::NoYear(nd(2000, 11, 8, 1, 2, 3, 0))));
        assert_eq!(line_time("feb 16 10:00:00 moss etcd: x"), Some(LineTime::NoYear(nd(2000, 2, 16, 10, 0, 0, 0))));
        assert_eq!(syslog_prefix("Aug 32 12:26:12 x"), Some(Err(IMPOSSIBLE)));
        assert_eq!(syslog_prefix("Aux 17 12:26:12 x"), None);
    }

    #[test]
    fn json_line_ts() {
        let zap =
            r#"{"level":"warn","ts":"2022-08-24T01:58:02.531Z","caller":"wal/wal.go:808","msg":"slow fdatasync"}"#;
        assert_eq!(line_time(zap), Some(LineTime::Exact(utc("2022-08-24T01:58:02.531Z"))));
        let klog_json = r#"{"ts":1580306777.04728,"v":4,"msg":"Pod status updated"}"#;
        assert_eq!(line_time(klog_json).and_then(|t| t.exact()).map(|t| t.timestamp()), Some(1580306777));
    }

    #[test]
    fn logrus_time() {
        let line = r#"time="2021-10-06T01:12:52Z" level=fatal msg="lost leadership, restarting kube-vip""#;
        assert_eq!(line_time(line), Some(LineTime::Exact(utc("2021-10-06T01:12:52Z"))));
    }

    #[test]
    fn impossible_and_truncated_times_do_not_panic() {
        for s in [
            "2021-02-30T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:60Z",
            "2021-01-01T00:00:00+2500",
            "2021-01-01T00:00:00.",
            "2021-01-01T00:00:00",
            "2021-01-01T0",
            "9999999999-01-01T00:00:00Z",
            "2021-13-01 00:00:00.000000 W | x",
            "raft2021/02/30 00:00:00 INFO: x",
            "I9999 99:99:99.999999 1 x.go:1] y",
            "I0101 00:00:00.",
            "{\"ts\":",
            "{\"ts\":\"",
            "{\"ts\":1e400}",
            "Aug",
            "Aug 1",
            "\u{b5}\u{b5}\u{b5}\u{b5}",
            "",
        ] {
            let _ = line_time(s);
            if s.contains('T') {
                assert_eq!(iso8601(s), None, "{s}");
            }
        }
    }
}
