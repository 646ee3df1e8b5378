//! Streaming candidate-line scanner: finds the lines that contain one of a set of needles without looking at the
//! others, the way ripgrep does (search the buffer, then find the line around each hit).
//!
//! Memory is one buffer (1 MiB, or the longest line if longer), whatever the input size. Line numbers are exact:
//! newlines between hits are counted with memchr.

use std::io::{self, Read};

use aho_corasick::{AhoCorasick, MatchKind};

const CHUNK: usize = 1 << 20;

/// Counts of one scan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Physical lines read (a final line without a newline counts).
    pub lines: u64,
    /// Lines that contained a needle and were handed to the callback.
    pub candidates: u64,
}

/// A scan's counts plus the file's first and last lines (whatever they contain), so a caller can learn the time
/// span of a file without looking at every line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanOutcome {
    pub stats: ScanStats,
    pub first_line: Vec<u8>,
    pub last_line: Vec<u8>,
}

/// A prefilter over a fixed set of needles.
pub struct Scanner {
    searcher: AhoCorasick,
    /// When set, every non-candidate line must end like a JSON record (`}`), or be empty or a CRI partial
    /// line; others are reported as suspect. This finds truncated or broken zap lines for the cost of one
    /// byte comparison per line.
    json_records: bool,
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

impl Scanner {
    /// Builds the searcher; an empty needle list makes every line a candidate.
    pub fn new(needles: &[&str]) -> Self {
        // Invariant: the needle list is a compile-time constant of short literals, which aho-corasick accepts.
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(needles)
            .expect("needles are valid literals");
        Scanner { searcher, json_records: false }
    }

    /// Also report lines that do not end like a JSON record (see [`Scanner::scan_checked`]).
    pub fn expecting_json_records(mut self) -> Self {
        self.json_records = true;
        self
    }

    /// Calls `on_line(line_number, line)` (1-based, without the newline or a trailing `\r`) for every line that
    /// contains a needle. Stops early when the callback returns `false`.
    pub fn scan<R: Read>(&self, reader: R, on_line: impl FnMut(u64, &[u8]) -> bool) -> io::Result<ScanOutcome> {
        self.scan_checked(reader, on_line, |_, _| {})
    }

    /// Like [`Scanner::scan`]; with [`Scanner::expecting_json_records`], `on_suspect(line_number, line)` is called for
    /// every non-candidate line that does not end like a JSON record.
    pub fn scan_checked<R: Read>(
        &self,
        mut reader: R,
        mut on_line: impl FnMut(u64, &[u8]) -> bool,
        mut on_suspect: impl FnMut(u64, &[u8]),
    ) -> io::Result<ScanOutcome> {
        // `buf[..len]` holds unprocessed bytes; the buffer is zeroed once and reused (no per-chunk fill or drain).
        let mut buf: Vec<u8> = vec![0; CHUNK];
        let mut len = 0;
        let mut stats = ScanStats::default();
        let mut first_line: Option<Vec<u8>> = None;
        let mut last_line: Vec<u8> = Vec::new();
        let mut eof = false;
        while !eof {
            if buf.len() - len < CHUNK / 2 {
                // The pending line is longer than half the buffer: grow it.
                buf.resize(buf.len() * 2, 0);
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
                first_line = Some(trim_line(region.split(|&b| b == b'\n').next().unwrap_or_default()).to_vec());
            }
            if let Some(last) = region.strip_suffix(b"\n").unwrap_or(region).rsplit(|&b| b == b'\n').next() {
                if !region.is_empty() {
                    last_line = trim_line(last).to_vec();
                }
            }
            let keep_going = self.scan_region(region, &mut stats, &mut on_line, &mut on_suspect);
            if !keep_going {
                break;
            }
            buf.copy_within(region_end..len, 0);
            len -= region_end;
        }
        Ok(ScanOutcome { stats, first_line: first_line.unwrap_or_default(), last_line })
    }

    /// Scans complete lines in `region` (the last one may lack its newline at end of input).
    fn scan_region(
        &self,
        region: &[u8],
        stats: &mut ScanStats,
        on_line: &mut impl FnMut(u64, &[u8]) -> bool,
        on_suspect: &mut impl FnMut(u64, &[u8]),
    ) -> bool {
        let mut counted_to = 0; // newlines before this offset are in stats.lines
        let mut pos = 0;
        while pos < region.len() {
            let Some(m) = self.searcher.find(&region[pos..]) else { break };
            let hit = pos + m.start();
            let line_start = memchr::memrchr(b'\n', &region[..hit]).map_or(0, |i| i + 1);
            let line_end = memchr::memchr(b'\n', &region[hit..]).map_or(region.len(), |i| hit + i);
            self.count_lines(&region[counted_to..line_start], stats, on_suspect);
            let line = trim_line(&region[line_start..line_end]);
            stats.candidates += 1;
            stats.lines += 1; // this line, judged by the callback rather than the ending check
            counted_to = (line_end + 1).min(region.len());
            if !on_line(stats.lines, line) {
                return false;
            }
            pos = line_end + 1;
        }
        let rest = &region[counted_to..];
        self.count_lines(rest, stats, on_suspect);
        if let Some(start) =
            rest.last().filter(|&&b| b != b'\n').map(|_| memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1))
        {
            stats.lines += 1; // final line without newline
            let last = trim_line(&rest[start..]);
            if self.json_records && !ends_like_record(last) {
                on_suspect(stats.lines, last);
            }
        }
        true
    }

    /// Counts the complete lines in `lines` (each ends with `\n`), checking their endings when asked to.
    fn count_lines(&self, lines: &[u8], stats: &mut ScanStats, on_suspect: &mut impl FnMut(u64, &[u8])) {
        if !self.json_records {
            stats.lines += memchr::memchr_iter(b'\n', lines).count() as u64;
            return;
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', lines) {
            stats.lines += 1;
            let line = trim_line(&lines[start..end]);
            if !ends_like_record(line) {
                on_suspect(stats.lines, line);
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
