//! Line accounting (issue 11, "quiet losses"): for every input file, `matched + malformed + ignored == lines`,
//! on every file the repository holds (tests/fixtures, tests/corpus, tests/formats, examples) and on mutated
//! copies (lines cut at random offsets, duplicated, bytes flipped; fixed seed); and damaged records in a zap log
//! are counted whatever the mix of good and bad lines.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use kubectl_etcd_triage::evidence::{Evidence, InputFormat, InputSummary};
use kubectl_etcd_triage::evidence::{FileGap, GapReason};
use kubectl_etcd_triage::sources::files::{ReadOptions, read_paths};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T02:23:00Z").expect("a valid RFC 3339 time").with_timezone(&Utc)
}

fn read(path: &Path) -> Evidence {
    let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: now() };
    read_paths(&[path.to_path_buf()], &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

fn all_inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "tests/corpus", "tests/formats", "examples"] {
        files_under(&root.join(dir), &mut files);
    }
    files
}

/// A summary adds up when every line read is matched, malformed or ignored; else what is wrong.
fn adds_up(s: &InputSummary, what: &str) -> Result<(), String> {
    if s.matched + s.malformed + s.ignored == s.lines {
        return Ok(());
    }
    Err(format!(
        "{what}: {} ({:?}): matched {} + malformed {} + ignored {} != lines {}",
        s.source, s.format, s.matched, s.malformed, s.ignored, s.lines
    ))
}

fn assert_adds_up(s: &InputSummary, what: &str) {
    if let Err(e) = adds_up(s, what) {
        panic!("{e}");
    }
}

/// Logs read line by line (etcd, kube-apiserver and container logs of any format and wrapper). Files read whole
/// (pod lists, `kubectl describe`, metric pastes, fio, iostat, etcdctl output) count the items they found in
/// `matched`, not lines, so the sum does not apply to them.
fn log_summaries(e: &Evidence) -> impl Iterator<Item = &InputSummary> {
    e.inputs.iter().filter(|s| s.lines > 0 && matches!(s.format, InputFormat::Log { .. }))
}

/// xorshift64*: a fixed-seed generator, so that a failing mutation is reproduced exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The mutations: each line, with probability 1/8, cut at a random byte, duplicated, or given a flipped byte.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 4);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        match rng.below(24) {
            0 => {
                let cut = rng.below(line.len());
                out.extend_from_slice(&line[..cut]);
                out.push(b'\n');
            }
            1 => {
                out.extend_from_slice(line);
                if !line.ends_with(b"\n") {
                    out.push(b'\n');
                }
                out.extend_from_slice(line);
            }
            2 => {
                let mut l = line.to_vec();
                let at = rng.below(l.len());
                l[at] ^= 1 << rng.below(8);
                out.extend_from_slice(&l);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out
}

#[test]
fn every_line_of_every_input_file_is_matched_malformed_or_ignored() {
    let files = all_inputs();
    assert!(files.len() > 100, "the inputs are found ({} files)", files.len());
    let (mut checked, mut wrong) = (0, Vec::new());
    for path in &files {
        let e = read(path);
        for s in log_summaries(&e) {
            wrong.extend(adds_up(s, "as stored").err());
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{} of {checked} files do not add up:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked > 100, "log files checked: {checked}");
}

#[test]
fn every_line_of_mutated_input_files_is_matched_malformed_or_ignored() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let mut rng = Rng(0x005e_ed11_05e5);
    let (mut checked, mut wrong) = (0, Vec::new());
    for path in all_inputs() {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        // Archives are read whole (their members are logs checked as stored); text inputs up to 4 MiB.
        if bytes.len() > 4 << 20 || path.extension().is_some_and(|x| x == "gz" || x == "tgz") {
            continue;
        }
        // Same relative path, so the file is recognised as the original is (pod log folders name the member).
        let copy = tmp.path().join(path.strip_prefix(root).expect("under the repository"));
        std::fs::create_dir_all(copy.parent().expect("a parent")).expect("a folder");
        for round in 0..2 {
            std::fs::write(&copy, mutate(&bytes, &mut rng)).expect("writing the copy");
            let e = read(&copy);
            for s in log_summaries(&e) {
                wrong.extend(adds_up(s, &format!("mutation round {round} of {}", path.display())).err());
                checked += 1;
            }
        }
        std::fs::remove_file(&copy).expect("removing the copy");
    }
    assert!(wrong.is_empty(), "{} of {checked} files do not add up:\n{}", wrong.len(), wrong.join("\n"));
    assert!(checked > 100, "mutated log files checked: {checked}");
}

/// A real zap pod log (lab capture, tests/fixtures/shared-slow, etcd-node1).
fn real_zap_log() -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shared-slow/var/log/pods/kube-system_etcd-node1_1a05deda-4e5a-4b05-aba0-f0e4e9b455b5");
    let text = std::fs::read_to_string(dir.join("etcd/0.log")).expect("the fixture is there");
    (dir, text)
}

#[test]
fn damaged_zap_records_are_counted_whatever_the_share_of_garbage() {
    let (_, text) = real_zap_log();
    let real: Vec<&str> = text.lines().take(400).collect();
    let clean = {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("kube-system_etcd-node1_x/etcd");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0.log"), real.join("\n") + "\n").unwrap();
        read(tmp.path()).inputs.into_iter().find(|s| s.lines > 0).unwrap()
    };
    assert_eq!(clean.malformed, 0, "the real lines are whole");
    for percent in [10usize, 30, 60] {
        // Synthetic garbage between the real lines: half are real records cut mid-way (truncated, as a log cut
        // by rotation or a full disk leaves them), half are junk text that is no record at all.
        let garbage = real.len() * percent / (100 - percent);
        let mut rng = Rng(percent as u64 * 7919);
        let mut lines: Vec<String> = real.iter().map(|l| l.to_string()).collect();
        let mut truncated = 0;
        for i in 0..garbage {
            let at = rng.below(lines.len() + 1);
            let line = if i % 2 == 0 {
                truncated += 1;
                let src = real[rng.below(real.len())];
                // Cut inside the JSON record (after the CRI header's `{`, before its closing `}`).
                let open = src.find('{').unwrap();
                src[..open + 2 + rng.below(src.len() - open - 3)].to_string()
            } else {
                format!("#garbage {} ~~ {}", rng.next(), "x".repeat(rng.below(80)))
            };
            lines.insert(at, line);
        }
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("kube-system_etcd-node1_x/etcd");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0.log"), lines.join("\n") + "\n").unwrap();
        let e = read(tmp.path());
        let s = e.inputs.iter().find(|s| s.lines > 0).expect("the log is read");
        assert_adds_up(s, &format!("{percent}% garbage"));
        assert_eq!(s.lines, (real.len() + garbage) as u64);
        // Every truncated record is counted as malformed (junk lines may be counted too, or ignored).
        assert!(s.malformed >= truncated, "{percent}%: malformed {} < truncated {truncated}", s.malformed);
        // The real lines still say what they said.
        assert_eq!(s.matched, clean.matched, "{percent}% garbage");
        let count = e.gaps.iter().find_map(|g| match &g.reason {
            GapReason::File(FileGap::MalformedLines { count, .. }) => Some(*count),
            _ => None,
        });
        assert_eq!(count, Some(s.malformed), "a malformed-lines gap counting them: {:?}", e.gaps);
    }
}
