//! Pasted and re-wrapped logs -> one record per line, before the line reader sees them.
//!
//! Pure; no I/O. What users paste into issues and what Docker writes is not always one record per line:
//! - pretty-printed zap JSON (`{` alone, then `"level": "warn",` ...), and zap lines hard-wrapped across lines;
//! - Docker json-file records split at 16 KiB (`"log"` without its trailing `\n`), per stream.
//!
//! [`normalise`] joins each such record onto one line (compacting JSON whitespace outside strings, so the line
//! reads like the one the process wrote) and keeps, for every output line, the input line it starts at, so that
//! citations still point at the user's file. Lines that are already whole pass through unchanged. A record that
//! never closes (a truncated paste) is left as it was: the reader then counts it as malformed.

use serde::Deserialize;

use super::wrapper::{strip_paste_prefix, unwrap_line};

/// The most lines one JSON record may be joined from.
const MAX_JOIN_LINES: usize = 400;
/// The most bytes one joined record may have.
const MAX_JOIN_BYTES: usize = 1 << 20;
/// A physical line at least this long that ends inside a JSON string was cut at a fixed width (a terminal or a
/// mail client wrapping), so nothing was lost at the cut; a shorter one was word-wrapped at a space.
const FIXED_WIDTH_WRAP: usize = 70;

/// Text with one record per line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Normalised {
    /// The records, newline-terminated.
    pub text: String,
    /// For each output line (0-based), the 1-based input line it starts at.
    pub line_map: Vec<u64>,
    /// JSON records joined from more than one input line.
    pub joined_json: u64,
    /// Docker json-file records joined from split parts.
    pub joined_docker: u64,
    /// Lines in the input.
    pub input_lines: u64,
    /// Text records re-flowed: a hard-wrapped paste whose entries ran together was split at each entry's
    /// timestamp, or a line cut by a wrap was joined to the line it continues.
    pub reflowed: u64,
}

impl Normalised {
    /// Whether anything was joined (otherwise the input can be read as it is).
    pub fn changed(&self) -> bool {
        self.joined_json > 0 || self.joined_docker > 0 || self.reflowed > 0
    }

    /// The input line an output line (1-based) starts at.
    pub fn original_line(&self, line: u64) -> u64 {
        usize::try_from(line).ok().and_then(|l| self.line_map.get(l.checked_sub(1)?)).copied().unwrap_or(line)
    }
}

/// JSON nesting state carried across physical lines.
#[derive(Debug, Clone, Copy, Default)]
struct JsonScan {
    depth: i32,
    in_string: bool,
    escaped: bool,
}

impl JsonScan {
    fn feed(&mut self, s: &str) {
        for &c in s.as_bytes() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' {
                    self.escaped = true;
                } else if c == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => self.depth -= 1,
                _ => {}
            }
        }
    }
}

/// Removes whitespace outside JSON strings (`"level": "warn"` -> `"level":"warn"`).
fn compact_json(s: &str, out: &mut String) {
    let mut in_string = false;
    let mut escaped = false;
    for c in s.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_whitespace() {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
}

#[derive(Deserialize)]
struct DockerRecord {
    log: String,
    #[serde(default)]
    stream: Option<String>,
    #[serde(default)]
    time: Option<String>,
}

/// A Docker record being joined from its parts.
struct DockerPartial {
    first_line: u64,
    prefix: String,
    stream: Option<String>,
    time: Option<String>,
    log: String,
}

/// Where the JSON object a line holds starts, when the line (after its paste prefix and wrappers) is the start of
/// a JSON object that does not close on this line.
fn open_json_at(line: &str) -> Option<usize> {
    let un = unwrap_line(line);
    let content = un.content.as_ref();
    if !content.starts_with('{') || content.starts_with("{\"log\":") || !line.ends_with(content) {
        return None;
    }
    let mut scan = JsonScan::default();
    scan.feed(content);
    (scan.depth > 0).then(|| line.len() - content.len())
}

/// capnslog's `2018-12-08 06:57:11.726065 W | ` at byte `i` of `b`.
fn capnslog_entry_at(b: &[u8], i: usize) -> bool {
    let Some(w) = b.get(i..i + 31) else { return false };
    let d = |k: usize| w[k].is_ascii_digit();
    (0..4).all(d)
        && w[4] == b'-'
        && d(5)
        && d(6)
        && w[7] == b'-'
        && d(8)
        && d(9)
        && w[10] == b' '
        && d(11)
        && d(12)
        && w[13] == b':'
        && w[16] == b':'
        && w[19] == b'.'
        && (20..26).all(d)
        && w[26] == b' '
        && b"CEWNIDT".contains(&w[27])
        && &w[28..31] == b" | "
}

/// A paste whose capnslog entries ran together and were then wrapped (a mail reply): two or more lines hold an
/// entry start that is not at the line's start.
fn run_together(lines: &[&str]) -> bool {
    // Inside the content: a CRI or journald line's capnslog entry starts right after its wrapper, not mid-line.
    let mid_line = |l: &&&str| {
        let un = unwrap_line(l);
        let b = un.content.as_bytes();
        (1..b.len().saturating_sub(30)).any(|i| b[i] == b'2' && capnslog_entry_at(b, i))
    };
    lines.iter().take(400).filter(mid_line).count() >= 2
}

/// Re-flows a run-together capnslog paste: lines are joined (a wrap broke them at spaces) and split before every
/// entry's timestamp; each entry is cited at the input line its timestamp starts on.
fn reflow(lines: &[&str], out: &mut Normalised) {
    let mut joined = String::new();
    let mut starts: Vec<(usize, u64)> = Vec::new(); // (byte offset in joined, input line)
    for (k, l) in lines.iter().enumerate() {
        let l = strip_paste_prefix(l.trim_end_matches('\r')).trim_end();
        if l.is_empty() {
            continue;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        starts.push((joined.len(), k as u64 + 1));
        joined.push_str(l);
    }
    // A timestamp can itself be broken across lines (`2018-12-08` / `06:59:03.397005 W | wal: ...`): after the
    // join it reads whole.
    let b = joined.as_bytes();
    let mut cuts: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'2' && capnslog_entry_at(b, i)).collect();
    if cuts.first() != Some(&0) {
        cuts.insert(0, 0);
    }
    cuts.push(b.len());
    for w in cuts.windows(2) {
        let piece = joined[w[0]..w[1]].trim();
        if piece.is_empty() {
            continue;
        }
        let line = starts.iter().take_while(|(at, _)| *at <= w[0]).last().map_or(1, |s| s.1);
        push(out, piece, line);
    }
    out.reflowed += 1;
}

/// Joins pretty-printed or hard-wrapped JSON records and split Docker json-file records (see the module doc).
pub fn normalise(text: &str) -> Normalised {
    let mut out = Normalised { text: String::with_capacity(text.len() + 64), ..Default::default() };
    let lines: Vec<&str> = text.lines().collect();
    out.input_lines = lines.len() as u64;
    if run_together(&lines) {
        reflow(&lines, &mut out);
        return out;
    }
    // Open Docker partials per stream (stdout, stderr, other).
    let mut docker: Vec<DockerPartial> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        let line_no = i as u64 + 1;
        let bare = strip_paste_prefix(line);
        if bare.starts_with("{\"log\":")
            && let Ok(rec) = serde_json::from_str::<DockerRecord>(bare)
        {
            let at = docker.iter().position(|p| p.stream == rec.stream);
            let whole = rec.log.ends_with('\n');
            match (at, whole) {
                (None, true) => push(&mut out, line, line_no),
                (None, false) => docker.push(DockerPartial {
                    first_line: line_no,
                    prefix: line[..line.len() - bare.len()].to_string(),
                    stream: rec.stream,
                    time: rec.time,
                    log: rec.log,
                }),
                (Some(k), _) => {
                    docker[k].log.push_str(&rec.log);
                    if whole || docker[k].log.len() > MAX_JOIN_BYTES {
                        let p = docker.swap_remove(k);
                        emit_docker(&mut out, p);
                    }
                }
            }
            i += 1;
            continue;
        }
        if let Some(json_at) = open_json_at(line)
            && let Some((joined, used)) = join_json(&lines[i..], json_at)
        {
            out.joined_json += 1;
            push(&mut out, &joined, line_no);
            i += used;
            continue;
        }
        push(&mut out, line, line_no);
        i += 1;
    }
    // A split record whose last part never came: keep what there is, as the process wrote it so far.
    for p in docker {
        emit_docker(&mut out, p);
    }
    out
}

fn push(out: &mut Normalised, line: &str, line_no: u64) {
    out.text.push_str(line);
    out.text.push('\n');
    out.line_map.push(line_no);
}

fn emit_docker(out: &mut Normalised, p: DockerPartial) {
    #[derive(serde::Serialize)]
    struct Joined<'a> {
        log: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        stream: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<&'a str>,
    }
    let joined = Joined { log: &p.log, stream: p.stream.as_deref(), time: p.time.as_deref() };
    match serde_json::to_string(&joined) {
        Ok(json) => {
            out.joined_docker += 1;
            push(out, &format!("{}{json}", p.prefix), p.first_line);
        }
        Err(_) => push(out, &p.prefix, p.first_line),
    }
}

/// Joins `lines[0]` (whose JSON starts at `json_at`) with the following lines until the object closes; returns
/// the joined line and how many input lines it used, or `None` when it does not close into valid JSON.
fn join_json(lines: &[&str], json_at: usize) -> Option<(String, usize)> {
    let first = lines[0].trim_end_matches('\r');
    let mut scan = JsonScan::default();
    let mut raw = String::from(&first[json_at..]);
    scan.feed(&raw);
    let mut prev_len = first.len();
    for (k, next) in lines.iter().enumerate().skip(1).take(MAX_JOIN_LINES) {
        let piece = strip_paste_prefix(next.trim_end_matches('\r'));
        if scan.in_string {
            // A cut inside a string: a fixed-width wrap lost nothing, a word wrap lost the space it broke at.
            if prev_len < FIXED_WIDTH_WRAP {
                raw.push(' ');
            }
        } else {
            raw.push(' ');
        }
        raw.push_str(piece);
        scan.feed(piece);
        prev_len = next.len();
        if raw.len() > MAX_JOIN_BYTES {
            return None;
        }
        if scan.depth <= 0 {
            if scan.depth < 0 || scan.in_string {
                return None;
            }
            let mut joined = String::with_capacity(json_at + raw.len());
            joined.push_str(&first[..json_at]);
            compact_json(&raw, &mut joined);
            serde_json::from_str::<serde::de::IgnoredAny>(&joined[json_at..]).ok()?;
            return Some((joined, k + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_lines_pass_through_unchanged() {
        // Real: lab capture (tests/fixtures/shared-slow, etcd-node1 line 105) and ETCD-SIGNALS §1.1.
        let text = "2026-11-25T02:18:56.56850271Z stderr F {\"level\":\"warn\",\"ts\":\"2026-11-25T02:18:56.568Z\",\"caller\":\"wal/wal.go:808\",\"msg\":\"slow fdatasync\",\"took\":\"1.501079136s\",\"expected-duration\":\"1s\"}\nAug 17 12:26:12 host etcd[9683]: sync duration of 1.5857053s, expected less than 1s\n";
        let n = normalise(text);
        assert!(!n.changed());
        assert_eq!(n.text, text);
        assert_eq!(n.line_map, vec![1, 2]);
    }

    #[test]
    fn unclosed_json_is_left_as_it_was() {
        let text = "{\"level\":\"warn\",\"ts\":\"2021-01-25T06:42:36.000+0100\",\n\"caller\":\"wal/wal.go:806\",\n";
        let n = normalise(text);
        assert!(!n.changed());
        assert_eq!(n.text, text);
    }

    /// Real: a pretty-printed etcd 3.5 zap record quoted in a KEP draft on list paging from etcd
    /// ("max-list-etcd-limit", by chaochn47, kubernetes/enhancements; Story 1).
    const PRETTY: &str = r#"```json
{
    "level": "warn",
    "ts": "2022-03-31T23:00:06.771Z",
    "caller": "etcdserver/util.go:163",
    "msg": "apply request took too long",
    "took": "111.479086ms",
    "expected-duration": "100ms",
    "prefix": "read-only range ",
    "request": "key:\"/registry/pods/\" range_end:\"/registry/pods0\" ",
    "response": "range_response_count:27893 size:191330794"
}
```
"#;

    #[test]
    fn pretty_printed_zap_is_joined_into_the_line_etcd_wrote() {
        let n = normalise(PRETTY);
        assert_eq!(n.joined_json, 1);
        let joined = n.text.lines().nth(1).unwrap();
        assert_eq!(
            joined,
            r#"{"level":"warn","ts":"2022-03-31T23:00:06.771Z","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"111.479086ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/pods/\" range_end:\"/registry/pods0\" ","response":"range_response_count:27893 size:191330794"}"#
        );
        // Cited at the line the object starts on; the fence after it keeps its own line number.
        assert_eq!(n.line_map, vec![1, 2, 13]);
        assert_eq!(n.input_lines, 13);
        let facts = crate::parse::classify(joined).unwrap().unwrap();
        assert!(
            matches!(facts.signal, Some(crate::evidence::SignalKind::ExpensiveRequest { took_ms, response_count: 27893, .. }) if (took_ms - 111.479086).abs() < 1e-6),
            "27893 keys in one response: an expensive request"
        );
    }

    #[test]
    fn quoted_pretty_printed_zap_is_joined_too() {
        let quoted: String = PRETTY.lines().map(|l| format!("> {l}\n")).collect();
        let n = normalise(&quoted);
        assert_eq!(n.joined_json, 1);
        assert!(n.text.lines().nth(1).unwrap().starts_with(r#"> {"level":"warn","ts":"#));
    }

    #[test]
    fn hard_wrapped_zap_line_is_joined() {
        // Transformation of a real line (k3s-io/k3s#2853, inside its journald prefix): cut at 80 columns, the
        // way a terminal or mail client wraps, including a cut inside a string.
        let real = r#"Jan 25 06:42:36 dev-ln01 k3s[2189071]: {"level":"warn","ts":"2021-01-25T06:42:36.000+0100","caller":"wal/wal.go:806","msg":"slow fdatasync","took":"7.454439372s","expected-duration":"1s"}"#;
        let wrapped: String =
            real.as_bytes().chunks(80).map(|c| format!("{}\n", std::str::from_utf8(c).unwrap())).collect();
        assert!(wrapped.lines().count() >= 3);
        let n = normalise(&wrapped);
        assert_eq!(n.joined_json, 1);
        assert_eq!(n.text, format!("{real}\n"));
        assert_eq!(n.line_map, vec![1]);
    }

    #[test]
    fn split_docker_records_are_joined_per_stream() {
        // Transformation of real json-file records (rancher/rancher#30483): the first record's log cut in two
        // the way dockerd splits lines over 16 KiB (no trailing newline on the first part), with another
        // stream's record between the parts.
        let a1 = r#"{"log":"time=\"2020-12-11T01:56:43.341608149Z\" level=info msg=\"Wrote kube","stream":"stderr","time":"2020-12-11T01:56:43.341811363Z"}"#;
        let other = r#"{"log":"time=\"2020-12-11T01:56:43.341643521Z\" level=info msg=\"Run: k3s kubectl\"\n","stream":"stdout","time":"2020-12-11T01:56:43.341839499Z"}"#;
        let a2 = r#"{"log":"config /etc/rancher/k3s/k3s.yaml\"\n","stream":"stderr","time":"2020-12-11T01:56:43.341811999Z"}"#;
        let n = normalise(&format!("{a1}\n{other}\n{a2}\n"));
        assert_eq!(n.joined_docker, 1);
        let lines: Vec<&str> = n.text.lines().collect();
        assert_eq!(lines[0], other);
        assert_eq!(
            lines[1],
            r#"{"log":"time=\"2020-12-11T01:56:43.341608149Z\" level=info msg=\"Wrote kubeconfig /etc/rancher/k3s/k3s.yaml\"\n","stream":"stderr","time":"2020-12-11T01:56:43.341811363Z"}"#
        );
        assert_eq!(n.line_map, vec![2, 1]);
        let u = crate::parse::unwrap_line(lines[1]);
        assert_eq!(
            u.content,
            r#"time="2020-12-11T01:56:43.341608149Z" level=info msg="Wrote kubeconfig /etc/rancher/k3s/k3s.yaml""#
        );
    }

    #[test]
    fn run_together_wrapped_capnslog_is_split_at_each_entry() {
        // Real: openshift/installer#844 (tests/formats/paste/README.md).
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/formats/paste/openshift-installer-844-run-together.txt");
        let text = std::fs::read_to_string(p).unwrap();
        let n = normalise(&text);
        assert_eq!(n.reflowed, 1);
        let lines: Vec<&str> = n.text.lines().collect();
        // The fragment before the first entry stays on its own.
        assert_eq!(lines[0], "45ac11b837bb4860 at term 10");
        assert!(lines[1..].iter().all(|l| capnslog_entry_at(l.as_bytes(), 0)), "{lines:#?}");
        // The wrap broke `wal: sync` / `duration of 1.07701685s` and a timestamp (`2018-12-08` / `06:59:03...`).
        assert!(
            lines.contains(&"2018-12-08 06:58:40.003521 W | wal: sync duration of 1.07701685s, expected less than 1s"),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"2018-12-08 06:59:03.397005 W | wal: sync duration of 3.478824796s, expected less than 1s"),
            "{lines:#?}"
        );
        // Cited at the input line where each entry's timestamp starts.
        let at = lines.iter().position(|l| l.starts_with("2018-12-08 06:59:03.397005")).unwrap();
        assert_eq!(n.line_map[at], 6);
        for l in &lines[1..] {
            assert!(crate::parse::time::line_time(l).is_some(), "{l}");
        }
    }

    #[test]
    fn wrapped_capnslog_lines_are_not_taken_for_run_together_entries() {
        // Real: the lab's capnslog capture in CRI files (tests/fixtures/shared-slow-capnslog, etcd-node1).
        let pods =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow-capnslog/var/log/pods");
        let dir = std::fs::read_dir(&pods)
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("kube-system_etcd-node1_"))
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("etcd/0.log")).unwrap();
        let n = normalise(&text);
        assert!(!n.changed());
        assert_eq!(n.text, text);
    }

    #[test]
    fn original_line_maps_back() {
        let n = Normalised { line_map: vec![1, 9, 10], ..Default::default() };
        assert_eq!((n.original_line(1), n.original_line(2), n.original_line(3)), (1, 9, 10));
        assert_eq!(n.original_line(7), 7);
        assert_eq!(n.original_line(0), 0);
    }
}
