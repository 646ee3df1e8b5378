//! Streaming candidate-line scanner: finds the lines that contain one of a set of needles without looking at the
//! others, the way ripgrep does (search the buffer, then find the line around each hit).
//!
//! Memory is one buffer (1 MiB, or the longest line if longer, up to [`Scanner::capping_lines`]' cap: a longer
//! line is skipped unread and counted in [`ScanOutcome::cut_lines`]), whatever the input size, plus, when joining
//! CRI partial records, at most one capped line per stream. Line numbers are exact: newlines between hits are counted
//! with memchr.
//!
//! CRI partial records are joined here, before the needle test, because a needle can straddle the split: partial
//! records are found by needles of their own, and only while one is open are the following lines looked at one by
//! one (until its `F` record), so the uninteresting lines of a file still cost no more than the search.

use std::io::{self, Read};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::parse;

const CHUNK: usize = 1 << 20;

/// Counts of one scan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Physical lines read (a final line without a newline counts).
    pub lines: u64,
    /// Lines that contained a needle and were handed to the callback.
    pub candidates: u64,
    /// Lines neither handed on nor reported suspect: read and not used.
    pub passed: u64,
    /// CRI records appended to a line begun on an earlier physical line (the line is handed on, or reported,
    /// once, at its first record).
    pub joined: u64,
}

/// A scan's counts plus the file's first and last lines (whatever they contain), so a caller can learn the time
/// span of a file without looking at every line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanOutcome {
    pub stats: ScanStats,
    pub first_line: Vec<u8>,
    pub last_line: Vec<u8>,
    /// Physical lines longer than the line cap ([`Scanner::capping_lines`]), skipped unread.
    pub cut_lines: u64,
    /// The first [`MAX_LISTED_CUT`] of them (line numbers).
    pub cut_line_numbers: Vec<u64>,
}

/// Cut line numbers listed in a [`ScanOutcome`] (all are counted).
pub const MAX_LISTED_CUT: usize = 20;

/// The first and last lines are kept for their timestamps: this much of each is enough.
const EDGE_LINE_BYTES: usize = 4096;

/// Needles that find CRI partial records (`<time> stdout P ...`). A joining scanner appends them to the caller's,
/// so every partial record is a candidate whatever its content: a needle can straddle the split, or sit in a later
/// part, and only the joined line shows it.
///
/// They are the ends of `stdout P ` / `stderr P `, not the whole tags: the SIMD prefilter (Teddy) fingerprints a
/// needle by its first bytes, and ` st`, shared with the ` stdout F` of every complete record, made it verify
/// every line of a CRI file (0.27x of ripgrep's throughput instead of 0.5x). A stray `t P ` in a message costs
/// one header check ([`parse::cri_header`] decides).
const CRI_PARTIAL_MARKERS: [&str; 2] = ["t P ", "r P "];

/// aho-corasick's SIMD prefilter (Teddy) takes at most this many needles; beyond it scanning is several times
/// slower, so the caller's needles plus [`CRI_PARTIAL_MARKERS`] must fit.
pub const MAX_FAST_NEEDLES: usize = 64;

/// A prefilter over a fixed set of needles.
pub struct Scanner {
    searcher: AhoCorasick,
    /// The caller's needles are patterns `0..needles`; patterns from `needles` on are [`CRI_PARTIAL_MARKERS`].
    needles: usize,
    /// When set, every non-candidate line must end like a JSON record (`}`), or be empty or a CRI partial
    /// line; others are reported as suspect. This finds truncated or broken zap lines for the cost of one
    /// byte comparison per line.
    json_records: bool,
    /// When set, CRI partial records are joined per stream into lines of at most this many bytes.
    join_max_bytes: Option<usize>,
    /// A physical line longer than this is skipped (memory stays bounded whatever the input's shape).
    max_line_bytes: usize,
}

/// Whether a line ends the way a JSON-per-line record does (or is empty, or a CRI partial line `... stdout P ...`).
fn ends_like_record(line: &[u8]) -> bool {
    match line.last() {
        None | Some(b'}') => true,
        Some(_) => {
            // CRI: `<time> <stream> P <content>`; the content of a partial line continues on the next line.
            let mut fields = line.splitn(4, |&b| b == b' ');
            let (_, stream, tag) = (fields.next(), fields.next(), fields.next());
            matches!(stream, Some(b"stdout" | b"stderr")) && tag.is_some_and(|t| t.first() == Some(&b'P'))
        }
    }
}

/// Whether a line is a JSON record cut short: its content (after a CRI header, if any) opens like one (`{"`) but
/// the line does not end like one. Checked in every file, whatever its mix of lines: a truncated zap record in a
/// log that is mostly text (or mostly garbage) is still damaged, and counted.
fn cut_record(line: &[u8]) -> bool {
    let content = match line.first() {
        Some(b'{') => line,
        Some(b) if b.is_ascii_digit() => match parse::cri_header_unchecked(line) {
            Some(h) => &line[h.content_at..],
            None => return false,
        },
        _ => return false,
    };
    content.starts_with(b"{\"") && !ends_like_record(line)
}

impl Scanner {
    /// Builds the searcher; an empty needle list makes every line a candidate.
    pub fn new(needles: &[&str]) -> Self {
        Self::build(needles, None)
    }

    /// Like [`Scanner::new`], and joins CRI partial records (`P` ... `F`, per stream) into the line they were split
    /// from before looking for needles in it. A joined line is reported at the line number of its first record,
    /// as `<time of the first record> <stream> F <joined content>`; one that would exceed `max_line_bytes` is not
    /// kept but reported to `on_overlong` (see [`Scanner::scan_checked`]). Lines of other shapes (plain,
    /// `kubectl logs --timestamps`) are scanned exactly as by [`Scanner::new`].
    pub fn joining_cri_partials(needles: &[&str], max_line_bytes: usize) -> Self {
        Self::build(needles, Some(max_line_bytes))
    }

    fn build(needles: &[&str], join_max_bytes: Option<usize>) -> Self {
        let mut patterns = needles.to_vec();
        if join_max_bytes.is_some() {
            patterns.extend(CRI_PARTIAL_MARKERS);
        }
        // Invariant: the needle list is a compile-time constant of short literals, which aho-corasick accepts.
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            .expect("needles are valid literals");
        Scanner { searcher, needles: needles.len(), json_records: false, join_max_bytes, max_line_bytes: usize::MAX }
    }

    /// Skips physical lines longer than `max_line_bytes` (without the newline) instead of growing the buffer to
    /// hold them: each is counted in [`ScanOutcome::cut_lines`] (no callback sees it, and it is not checked as a
    /// JSON record), so one 1 GiB line costs no more memory than a 1 MiB one. Lines up to the cap are read whole.
    pub fn capping_lines(mut self, max_line_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes.max(1);
        self
    }

    /// Also report lines that do not end like a JSON record (see [`Scanner::scan_checked`]).
    pub fn expecting_json_records(mut self) -> Self {
        self.json_records = true;
        self
    }

    /// Calls `on_line(line_number, line)` (1-based, without the newline or a trailing `\r`) for every line that
    /// contains a needle. Stops early when the callback returns `false`.
    pub fn scan<R: Read>(&self, reader: R, on_line: impl FnMut(u64, &[u8]) -> bool) -> io::Result<ScanOutcome> {
        self.scan_checked(reader, on_line, |_, _| {}, |_| {})
    }

    /// Like [`Scanner::scan`]; with [`Scanner::expecting_json_records`], `on_suspect(line_number, line)` is called for
    /// every non-candidate line that does not end like a JSON record; with [`Scanner::joining_cri_partials`],
    /// `on_overlong(line_number)` for every joined line that would have exceeded the limit (its first record's
    /// line number).
    pub fn scan_checked<R: Read>(
        &self,
        mut reader: R,
        on_line: impl FnMut(u64, &[u8]) -> bool,
        on_suspect: impl FnMut(u64, &[u8]),
        on_overlong: impl FnMut(u64),
    ) -> io::Result<ScanOutcome> {
        // `buf[..len]` holds unprocessed bytes; the buffer is zeroed once and reused (no per-chunk fill or drain).
        let mut buf: Vec<u8> = vec![0; CHUNK.min(self.max_line_bytes.saturating_add(1))];
        let mut len = 0;
        let mut run =
            Run { scanner: self, stats: ScanStats::default(), open: [None, None], on_line, on_suspect, on_overlong };
        let mut first_line: Option<Vec<u8>> = None;
        let mut last_line: Vec<u8> = Vec::new();
        let mut eof = false;
        let mut stopped = false;
        let (mut cut_lines, mut cut_line_numbers) = (0u64, Vec::new());
        while !eof {
            // Invariant: `buf[..len]` holds no newline here (complete lines were handed on below), so it is the
            // start of one pending line.
            if len > self.max_line_bytes {
                if first_line.is_none() {
                    first_line = Some(buf[..len.min(EDGE_LINE_BYTES)].to_vec());
                }
                let (rest, at_eof) = skip_line(&mut reader, &mut buf)?;
                run.stats.lines += 1;
                cut_lines += 1;
                if cut_line_numbers.len() < MAX_LISTED_CUT {
                    cut_line_numbers.push(run.stats.lines);
                }
                len = rest;
                eof = at_eof;
                if eof && len == 0 {
                    break;
                }
            }
            // The pending line is longer than half the buffer: grow it, to at most one byte more than the line
            // cap, so that a line longer than the cap never fits whole (the cut is exact).
            let most = self.max_line_bytes.saturating_add(1);
            if buf.len() - len < CHUNK / 2 && buf.len() < most {
                buf.resize((buf.len() * 2).min(most), 0);
            }
            while len < buf.len() {
                let n = match reader.read(&mut buf[len..]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if n == 0 {
                    eof = true;
                    break;
                }
                len += n;
            }
            let region_end = if eof {
                len
            } else {
                match memchr::memrchr(b'\n', &buf[..len]) {
                    Some(i) => i + 1,
                    None => continue, // a line longer than the buffer: read more
                }
            };
            let region = &buf[..region_end];
            if first_line.is_none() && !region.is_empty() {
                let first = trim_line(region.split(|&b| b == b'\n').next().unwrap_or_default());
                first_line = Some(first[..first.len().min(EDGE_LINE_BYTES)].to_vec());
            }
            if let Some(last) = region.strip_suffix(b"\n").unwrap_or(region).rsplit(|&b| b == b'\n').next()
                && !region.is_empty()
            {
                let last = trim_line(last);
                last_line = last[..last.len().min(EDGE_LINE_BYTES)].to_vec();
            }
            if !run.region(region) {
                stopped = true;
                break;
            }
            buf.copy_within(region_end..len, 0);
            len -= region_end;
        }
        if !stopped {
            run.finish();
        }
        Ok(ScanOutcome {
            stats: run.stats,
            first_line: first_line.unwrap_or_default(),
            last_line,
            cut_lines,
            cut_line_numbers,
        })
    }
}

/// Reads past the rest of an over-long line (through its newline) into `buf`, reusing it; moves what follows the
/// newline to the front. Returns how many bytes that is, and whether the input ended.
fn skip_line<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<(usize, bool)> {
    loop {
        let n = match reader.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok((0, true));
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            buf.copy_within(i + 1..n, 0);
            return Ok((n - i - 1, false));
        }
    }
}

/// A CRI line being joined from its partial records.
struct Partial {
    /// Line number of its first record (the citation).
    first_line: u64,
    /// `<time> <stream> F <content so far>`; emptied once the line exceeds the limit.
    line: Vec<u8>,
    overlong: bool,
}

/// Why the scanner looks at a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// The search hit one of the caller's needles in it.
    Needle,
    /// The search hit a CRI partial marker first (the line may still hold a needle further on).
    Marker,
    /// A split record is being joined, so every line is looked at until it is complete.
    Unsearched,
}

/// The state of one scan: counts, the open partial lines (one per CRI stream) and the callbacks.
struct Run<'s, L, S, O> {
    scanner: &'s Scanner,
    stats: ScanStats,
    /// Indexed by [`parse::CriStream`].
    open: [Option<Partial>; 2],
    on_line: L,
    on_suspect: S,
    on_overlong: O,
}

impl<L, S, O> Run<'_, L, S, O>
where
    L: FnMut(u64, &[u8]) -> bool,
    S: FnMut(u64, &[u8]),
    O: FnMut(u64),
{
    fn joining(&self) -> bool {
        self.open.iter().any(Option::is_some)
    }

    /// Scans complete lines in `region` (the last one may lack its newline at end of input).
    fn region(&mut self, region: &[u8]) -> bool {
        let mut counted_to = 0; // newlines before this offset are in stats.lines
        let mut pos = 0;
        while pos < region.len() {
            let (line_start, line_end, seen) = if self.joining() {
                // A continuation need not hold a needle: look at each line until the split ones are complete.
                (pos, memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i), Seen::Unsearched)
            } else {
                let Some(m) = self.scanner.searcher.find(&region[pos..]) else { break };
                let hit = pos + m.start();
                let line_start = memchr::memrchr(b'\n', &region[..hit]).map_or(0, |i| i + 1);
                let line_end = memchr::memchr(b'\n', &region[hit..]).map_or(region.len(), |i| hit + i);
                let seen = if m.pattern().as_usize() < self.scanner.needles { Seen::Needle } else { Seen::Marker };
                (line_start, line_end, seen)
            };
            self.count_lines(&region[counted_to..line_start]);
            self.stats.lines += 1; // this line, judged below rather than by the ending check
            counted_to = (line_end + 1).min(region.len());
            if !self.line(self.stats.lines, trim_line(&region[line_start..line_end]), seen) {
                return false;
            }
            pos = line_end + 1;
        }
        let rest = &region[counted_to..];
        self.count_lines(rest);
        if let Some(start) =
            rest.last().filter(|&&b| b != b'\n').map(|_| memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1))
        {
            self.stats.lines += 1; // final line without newline
            let last = trim_line(&rest[start..]);
            if self.suspect(last) {
                (self.on_suspect)(self.stats.lines, last);
            } else {
                self.stats.passed += 1;
            }
        }
        true
    }

    /// One line the search hit, or any line while a split one is open.
    fn line(&mut self, line_no: u64, line: &[u8], seen: Seen) -> bool {
        if let Some(max) = self.scanner.join_max_bytes {
            // The cheap look first: most lines are complete records with no split line open, and need no
            // timestamp check.
            let needs_join =
                parse::cri_header_unchecked(line).is_some_and(|h| h.partial || self.open[h.stream as usize].is_some());
            if needs_join && let Some(h) = parse::cri_header(line) {
                return self.join(line_no, line, h, max);
            }
        }
        let candidate = match seen {
            Seen::Needle => true,
            Seen::Marker | Seen::Unsearched => self.has_needle(line),
        };
        self.judge(line_no, line, candidate)
    }

    /// Adds a CRI record to its stream's open line; hands the line on when the record is the last (`F`).
    fn join(&mut self, line_no: u64, line: &[u8], h: parse::CriHeader, max: usize) -> bool {
        let content = &line[h.content_at..];
        let slot = &mut self.open[h.stream as usize];
        if slot.is_some() {
            self.stats.joined += 1;
        }
        let p = slot.get_or_insert_with(|| {
            let stream: &[u8] = match h.stream {
                parse::CriStream::Stdout => b" stdout F ",
                parse::CriStream::Stderr => b" stderr F ",
            };
            let mut joined = Vec::with_capacity((line.len() * 2).min(max));
            joined.extend_from_slice(&line[..h.time_len]);
            joined.extend_from_slice(stream);
            Partial { first_line: line_no, line: joined, overlong: false }
        });
        if !p.overlong {
            if p.line.len() + content.len() > max {
                // Stop collecting (memory stays bounded); the line is reported, not read.
                p.overlong = true;
                p.line = Vec::new();
            } else {
                p.line.extend_from_slice(content);
            }
        }
        if h.partial {
            return true;
        }
        match slot.take() {
            Some(p) => self.emit(p),
            None => true,
        }
    }

    /// A joined line, complete or (at end of input) as far as it got.
    fn emit(&mut self, p: Partial) -> bool {
        if p.overlong {
            (self.on_overlong)(p.first_line);
            return true;
        }
        let candidate = self.has_needle(&p.line);
        self.judge(p.first_line, &p.line, candidate)
    }

    fn judge(&mut self, line_no: u64, line: &[u8], candidate: bool) -> bool {
        if candidate {
            self.stats.candidates += 1;
            return (self.on_line)(line_no, line);
        }
        if self.suspect(line) {
            (self.on_suspect)(line_no, line);
        } else {
            self.stats.passed += 1;
        }
        true
    }

    /// A line no needle picked that is damaged: in a JSON-per-line log any line not ending like a record, in
    /// any other a record cut short ([`cut_record`]).
    fn suspect(&self, line: &[u8]) -> bool {
        if self.scanner.json_records { !ends_like_record(line) } else { cut_record(line) }
    }

    fn has_needle(&self, line: &[u8]) -> bool {
        let needles = self.scanner.needles;
        self.scanner.searcher.find_iter(line).any(|m| m.pattern().as_usize() < needles)
    }

    /// At end of input, lines whose last record never came (the file was cut or rotated mid-line) are judged as
    /// they are, in line order: a damaged record is then counted, not lost.
    fn finish(&mut self) {
        let mut open: Vec<Partial> = self.open.iter_mut().filter_map(Option::take).collect();
        open.sort_by_key(|p| p.first_line);
        for p in open {
            if !self.emit(p) {
                return;
            }
        }
    }

    /// Counts the complete lines in `lines` (each ends with `\n`), checking their endings when asked to.
    fn count_lines(&mut self, lines: &[u8]) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', lines) {
            self.stats.lines += 1;
            let line = trim_line(&lines[start..end]);
            if self.suspect(line) {
                (self.on_suspect)(self.stats.lines, line);
            } else {
                self.stats.passed += 1;
            }
            start = end + 1;
        }
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(needles: &[&str], input: &[u8]) -> (ScanStats, Vec<(u64, String)>) {
        let scanner = Scanner::new(needles);
        let mut hits = Vec::new();
        let outcome = scanner
            .scan(input, |n, l| {
                hits.push((n, String::from_utf8_lossy(l).into_owned()));
                true
            })
            .unwrap();
        (outcome.stats, hits)
    }

    #[test]
    fn finds_lines_with_exact_numbers() {
        let input = b"a\nslow fdatasync here\nb\nc\nx took too long\r\nlast slow fdatasync";
        let (stats, hits) = collect(&["slow fdatasync", "took too long"], input);
        assert_eq!(stats.lines, 6);
        assert_eq!(
            hits,
            vec![(2, "slow fdatasync here".into()), (5, "x took too long".into()), (6, "last slow fdatasync".into())]
        );
    }

    #[test]
    fn reports_first_and_last_lines() {
        let scanner = Scanner::new(&["zz"]);
        let out = scanner.scan(&b"first\r\nmiddle zz\nlast\n"[..], |_, _| true).unwrap();
        assert_eq!((out.first_line.as_slice(), out.last_line.as_slice()), (&b"first"[..], &b"last"[..]));
        let out = scanner.scan(&b"only"[..], |_, _| true).unwrap();
        assert_eq!((out.first_line.as_slice(), out.last_line.as_slice()), (&b"only"[..], &b"only"[..]));
    }

    #[test]
    fn json_record_check_reports_truncated_lines_only() {
        let scanner = Scanner::new(&["NEEDLE"]).expecting_json_records();
        let input = b"{\"a\":1}\n{\"a\":\ncut\n\n2026-01-01T00:00:00Z stderr P {\"a\n{\"NEEDLE\n{\"b\":2}";
        let mut suspects = Vec::new();
        let out = scanner.scan_checked(
            &input[..],
            |_, _| true,
            |n, l| suspects.push((n, String::from_utf8_lossy(l).into_owned())),
            |_| {},
        );
        assert_eq!(out.unwrap().stats.lines, 7);
        // Line 6 is a candidate (classify judges it); the empty line and the CRI partial line are fine.
        assert_eq!(suspects, vec![(2, "{\"a\":".to_string()), (3, "cut".to_string())]);
    }

    #[test]
    fn one_callback_per_line_with_several_needles() {
        let (_, hits) = collect(&["a", "b"], b"ab ab\nzz\n");
        assert_eq!(hits, vec![(1, "ab ab".into())]);
    }

    /// A reader that returns one byte at a time exercises every buffer boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn chunk_boundaries_do_not_lose_or_split_lines() {
        let mut input = Vec::new();
        for i in 0..3000 {
            if i % 7 == 0 {
                input.extend_from_slice(format!("{i} NEEDLE {}\n", "x".repeat(i % 500)).as_bytes());
            } else {
                input.extend_from_slice(format!("{i} {}\n", "y".repeat(1000)).as_bytes());
            }
        }
        let scanner = Scanner::new(&["NEEDLE"]);
        let mut hits = Vec::new();
        let stats = scanner.scan(Trickle(&input[..200_000]), |n, _| {
            hits.push(n);
            true
        });
        let stats = stats.unwrap().stats;
        let expected_lines = input[..200_000].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert_eq!(stats.lines, expected_lines);
        let full = Scanner::new(&["NEEDLE"]);
        let mut all_hits = Vec::new();
        let s2 = full.scan(&input[..], |n, l| {
            assert!(l.windows(6).any(|w| w == b"NEEDLE"));
            all_hits.push(n);
            true
        });
        assert_eq!(s2.unwrap().stats.lines, 3000);
        assert_eq!(all_hits.len(), 3000 / 7 + 1);
        assert!(all_hits.iter().all(|n| (n - 1) % 7 == 0));
        let complete = |n: &u64| *n < stats.lines; // the last line may be cut mid-way
        assert_eq!(
            hits.iter().copied().filter(complete).collect::<Vec<_>>(),
            all_hits.iter().copied().filter(complete).collect::<Vec<_>>()
        );
    }

    /// A real CRI record (lab capture, tests/fixtures/shared-slow etcd-node1 line 105).
    const SLOW_FDATASYNC: &str = r#"2026-11-25T02:18:56.56850271Z stderr F {"level":"warn","ts":"2026-11-25T02:18:56.568Z","caller":"wal/wal.go:808","msg":"slow fdatasync","took":"1.501079136s","expected-duration":"1s"}"#;
    const NEEDLE: &str = "slow fdatasync";

    /// Splits a CRI record's content at `cuts` (byte offsets into the content) into `P` records ending with an `F`
    /// record, as containerd does with a long line (each part keeps the stream and gets its own timestamp; the
    /// original's is reused here).
    fn split(record: &str, cuts: &[usize]) -> Vec<String> {
        let h = parse::cri_header(record.as_bytes()).unwrap();
        let (time, stream) =
            (&record[..h.time_len], if h.stream == parse::CriStream::Stdout { "stdout" } else { "stderr" });
        let content = &record[h.content_at..];
        let mut parts = Vec::new();
        let mut at = 0;
        for &c in cuts {
            parts.push(format!("{time} {stream} P {}", &content[at..c]));
            at = c;
        }
        parts.push(format!("{time} {stream} F {}", &content[at..]));
        parts
    }

    /// Counts, candidate lines, suspect line numbers and over-long line numbers of a joining scan.
    type Joined = (ScanStats, Vec<(u64, String)>, Vec<u64>, Vec<u64>);

    fn joined_scan(input: &[u8], max: usize) -> Joined {
        let scanner = Scanner::joining_cri_partials(&[NEEDLE, "took too long"], max).expecting_json_records();
        let (mut hits, mut suspects, mut overlong) = (Vec::new(), Vec::new(), Vec::new());
        let out = scanner
            .scan_checked(
                input,
                |n, l| {
                    hits.push((n, String::from_utf8_lossy(l).into_owned()));
                    true
                },
                |n, _| suspects.push(n),
                |n| overlong.push(n),
            )
            .unwrap();
        (out.stats, hits, suspects, overlong)
    }

    #[test]
    fn cri_partial_records_are_joined_before_the_needle_test() {
        // The needle straddles the first split, and the second split leaves a part without any needle.
        let at = SLOW_FDATASYNC.find(NEEDLE).unwrap() - SLOW_FDATASYNC.find('{').unwrap();
        let parts = split(SLOW_FDATASYNC, &[at + 4, at + 40]);
        assert!(!parts.iter().any(|p| p.contains(NEEDLE)));
        let input = format!("{{\"a\":1}}\n{}\n", parts.join("\n"));
        let (stats, hits, suspects, overlong) = joined_scan(input.as_bytes(), 1 << 20);
        assert_eq!(stats.lines, 4);
        assert_eq!(hits, vec![(2, SLOW_FDATASYNC.to_string())], "joined at the first part's line number");
        assert_eq!((suspects, overlong), (vec![], vec![]));
    }

    #[test]
    fn cri_streams_are_joined_separately() {
        // A stderr line split in two with a full stdout record (and a plain one) between its parts.
        let parts = split(SLOW_FDATASYNC, &[30]);
        let stdout = SLOW_FDATASYNC.replacen("stderr", "stdout", 1).replace("1.501079136s", "2s");
        let input = format!("{}\n{stdout}\n{}\n{SLOW_FDATASYNC}\n", parts[0], parts[1]);
        let (stats, hits, suspects, _) = joined_scan(input.as_bytes(), 1 << 20);
        assert_eq!(stats.lines, 4);
        assert_eq!(hits, vec![(2, stdout), (1, SLOW_FDATASYNC.to_string()), (4, SLOW_FDATASYNC.to_string())]);
        assert!(suspects.is_empty());
    }

    #[test]
    fn an_over_long_joined_line_is_reported_at_its_first_record_not_kept() {
        let parts = split(SLOW_FDATASYNC, &[20, 60, 100]);
        let input = format!("{}\n{SLOW_FDATASYNC}\n", parts.join("\n"));
        let (stats, hits, suspects, overlong) = joined_scan(input.as_bytes(), 80);
        assert_eq!(stats.lines, 5);
        assert_eq!(overlong, vec![1]);
        assert_eq!(hits, vec![(5, SLOW_FDATASYNC.to_string())], "the next line is read as usual");
        assert!(suspects.is_empty());
    }

    #[test]
    fn a_line_cut_off_by_the_end_of_input_is_judged_as_far_as_it_got() {
        let parts = split(SLOW_FDATASYNC, &[60, 100]);
        // Without a needle: a damaged record (suspect); with one: handed on, and classification finds it damaged.
        let (_, hits, suspects, _) = joined_scan(format!("{}\n", parts[0]).as_bytes(), 1 << 20);
        assert_eq!((hits.len(), suspects), (0, vec![1]));
        let (stats, hits, _, _) = joined_scan(format!("x\n{}\n{}", parts[0], parts[1]).as_bytes(), 1 << 20);
        assert_eq!(stats.lines, 3);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, 2);
        assert!(hits[0].1.ends_with(&parts[1][parts[1].len() - 10..]));
    }

    #[test]
    fn joining_survives_every_buffer_boundary() {
        let mut input = String::new();
        let mut expected = Vec::new();
        let mut line_no = 0;
        for i in 0..400 {
            if i % 3 == 0 {
                let parts = split(SLOW_FDATASYNC, &[10 + i % 50, 120]);
                expected.push(line_no + 1);
                line_no += parts.len() as u64;
                input.extend(parts.into_iter().map(|p| p + "\n"));
            } else {
                line_no += 1;
                input.push_str(&format!("{{\"i\":{i},\"pad\":\"{}\"}}\n", "y".repeat(3000)));
            }
        }
        let scanner = Scanner::joining_cri_partials(&[NEEDLE], 1 << 20).expecting_json_records();
        let mut hits = Vec::new();
        let mut suspects = 0;
        let out = scanner.scan_checked(
            Trickle(input.as_bytes()),
            |n, l| {
                assert_eq!(l, SLOW_FDATASYNC.as_bytes());
                hits.push(n);
                true
            },
            |_, _| suspects += 1,
            |_| panic!("nothing is over-long"),
        );
        assert_eq!(out.unwrap().stats.lines, line_no);
        assert_eq!((hits, suspects), (expected, 0));
    }

    #[test]
    fn lines_without_cri_tags_scan_as_without_joining() {
        // `kubectl logs --timestamps` (no stream, no tag), plain zap and a text line quoting a marker.
        let input = concat!(
            "2026-11-25T02:18:56.56850271Z {\"msg\":\"slow fdatasync\"}\n",
            "2026-11-25T02:18:57.1Z {\"msg\":\"ok\"}\n",
            "{\"msg\":\"x took too long\"}\n",
            "echo stdout P into a pipe\n",
            "2026-11-25T02:18:58.1Z stdout Pending slow fdatasync\n",
        );
        let plain = collect(&[NEEDLE, "took too long"], input.as_bytes());
        let (stats, hits, _, overlong) = joined_scan(input.as_bytes(), 1 << 20);
        assert_eq!((stats, hits), plain);
        assert!(overlong.is_empty());
        assert_eq!(stats.candidates, 3);
    }

    #[test]
    fn the_reader_needles_and_the_partial_markers_fit_the_fast_prefilter() {
        assert!(parse::NEEDLES.len() + CRI_PARTIAL_MARKERS.len() <= MAX_FAST_NEEDLES);
    }

    #[test]
    fn a_line_over_the_cap_is_skipped_counted_and_the_next_lines_read() {
        for cap in [10, CHUNK, CHUNK + 5] {
            let mut input = b"NEEDLE one\n".to_vec();
            input.extend(std::iter::repeat_n(b'z', CHUNK * 3));
            input.extend_from_slice(b"NEEDLE inside the long line\nNEEDLE after\n");
            input.extend(std::iter::repeat_n(b'y', CHUNK * 2 + 3)); // a last line without newline, also too long
            let scanner = Scanner::new(&["NEEDLE"]).capping_lines(cap);
            let mut hits = Vec::new();
            let out = scanner
                .scan(Trickle(&input), |n, l| {
                    hits.push((n, String::from_utf8_lossy(l).into_owned()));
                    true
                })
                .unwrap();
            // A line as long as the cap is read; one byte more is cut.
            let mut expected = vec![(1, "NEEDLE one".to_string())];
            if cap >= 12 {
                expected.push((3, "NEEDLE after".into()));
            }
            assert_eq!(hits, expected, "cap {cap}");
            assert_eq!(out.stats.lines, 4, "cap {cap}");
            let cut: &[u64] = if cap < 12 { &[2, 3, 4] } else { &[2, 4] };
            assert_eq!((out.cut_lines, out.cut_line_numbers.as_slice()), (cut.len() as u64, cut), "cap {cap}");
            assert!(out.last_line.len() <= EDGE_LINE_BYTES);
        }
    }

    #[test]
    fn line_longer_than_chunk_is_whole() {
        let mut input = vec![b'z'; CHUNK * 2 + 17];
        input.extend_from_slice(b"NEEDLE\nnext\n");
        let (stats, hits) = collect(&["NEEDLE"], &input);
        assert_eq!(stats.lines, 2);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].1.len(), CHUNK * 2 + 17 + 6);
    }
}
