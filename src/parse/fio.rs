//! fio's text output, as users paste the etcd disk check (`fio --rw=write --ioengine=sync --fdatasync=1
//! --directory=/var/lib/etcd --size=22m --bs=2300`).
//!
//! Pure; no I/O. fio 3.5+ prints the fdatasync latencies in their own block (`fsync/fdatasync/sync_file_range:`,
//! `sync (usec): min=..., max=...`, `sync percentiles (usec):`); older fio prints only the write completion
//! latency (`clat`), which does not include the sync. Both are read, and which one was read is kept.

/// Latency percentiles from one fio block.
#[derive(Debug, Clone, PartialEq)]
pub struct FioLatency {
    /// `sync` (fdatasync, fio 3.5+) or `clat` (write completion, without the sync).
    pub block: &'static str,
    pub p99_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

/// Whether text is fio output (a job header line with its group id, or a `fio-3.x` version line with a job).
pub fn looks_like_fio(text: &str) -> bool {
    let mut version = false;
    let mut job = false;
    for l in text.lines().take(60) {
        let t = l.trim();
        version |= t.starts_with("fio-") && t[4..].starts_with(|c: char| c.is_ascii_digit());
        job |= t.contains(": (groupid=") || (t.contains(": (g=") && t.contains("ioengine="));
    }
    job && (version || text.contains("percentiles ("))
}

/// `(usec)` / `(nsec)` / `(msec)` -> milliseconds per unit.
fn unit_ms(l: &str) -> Option<f64> {
    if l.contains("(nsec)") {
        Some(1e-6)
    } else if l.contains("(usec)") {
        Some(1e-3)
    } else if l.contains("(msec)") {
        Some(1.0)
    } else {
        None
    }
}

/// `6381.4k` -> 6381400.
fn number(s: &str) -> Option<f64> {
    let s = s.trim().trim_end_matches(',');
    let (n, m) = match s.strip_suffix('k') {
        Some(n) => (n, 1e3),
        None => match s.strip_suffix('m') {
            Some(n) => (n, 1e6),
            None => (s, 1.0),
        },
    };
    n.parse::<f64>().ok().map(|v| v * m)
}

/// Reads the sync block when fio printed one, else the write clat block.
pub fn latency(text: &str) -> Option<FioLatency> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for block in ["sync", "clat"] {
        let mut out = FioLatency { block, p99_ms: None, p50_ms: None, max_ms: None };
        let mut found = false;
        for (i, l) in lines.iter().enumerate() {
            if l.starts_with(&format!("{block} (")) {
                if let (Some(u), Some(at)) = (unit_ms(l), l.find("max=")) {
                    out.max_ms = number(l[at + 4..].split(',').next().unwrap_or("")).map(|v| v * u);
                    found = true;
                }
            }
            if l.starts_with(&format!("{block} percentiles (")) {
                let Some(u) = unit_ms(l) else { continue };
                for row in lines[i + 1..].iter().take_while(|r| r.starts_with('|')) {
                    for cell in row.trim_start_matches('|').split("],") {
                        let Some((p, v)) = cell.split_once("th=[") else { continue };
                        let v = number(v.trim_end_matches(']'));
                        match p.trim() {
                            "99.00" => out.p99_ms = v.map(|v| v * u),
                            "50.00" => out.p50_ms = v.map(|v| v * u),
                            _ => {}
                        }
                    }
                }
                found = true;
            }
        }
        if found {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_fio_gives_write_clat_percentiles() {
        // Real: etcd-io/etcd#10799 (comment by haoqing0110, 2019-06-13), fio 3.1.
        let text = "sequential_write_iops_test: (g=0): rw=write, bs=(R) 2300B-2300B, (W) 2300B-2300B, (T) 2300B-2300B, ioengine=sync, iodepth=1
fio-3.1
Starting 1 process
Jobs: 1 (f=1): [W(1)][100.0%][r=0KiB/s,w=2630KiB/s][r=0,w=1171 IOPS][eta 00m:00s]
sequential_write_iops_test: (groupid=0, jobs=1): err= 0: pid=2185: Tue Jun 11 16:44:54 2019
 write: IOPS=1192, BW=2678KiB/s (2742kB/s)(21.0MiB/8411msec)
  clat (nsec): min=1784, max=6381.4k, avg=326269.48, stdev=417837.65
   lat (nsec): min=1867, max=6381.6k, avg=326607.36, stdev=417866.63
  clat percentiles (usec):
   | 1.00th=[  4], 5.00th=[  5], 10.00th=[  6], 20.00th=[  8],
   | 30.00th=[  10], 40.00th=[  14], 50.00th=[ 221], 60.00th=[ 474],
   | 70.00th=[ 502], 80.00th=[ 545], 90.00th=[ 627], 95.00th=[ 824],
   | 99.00th=[ 2212], 99.50th=[ 2573], 99.90th=[ 3556], 99.95th=[ 4490],
   | 99.99th=[ 5932]
";
        assert!(looks_like_fio(text));
        let l = latency(text).unwrap();
        assert_eq!(l.block, "clat");
        assert!((l.p99_ms.unwrap() - 2.212).abs() < 1e-9);
        assert!((l.p50_ms.unwrap() - 0.221).abs() < 1e-9);
        assert!((l.max_ms.unwrap() - 6.3814).abs() < 1e-9);
    }

    #[test]
    fn fio_3_33_gives_the_fdatasync_block() {
        // Real: fio 3.33 run here (tests/formats/fio/README.md).
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/fio/fio-3.33-fdatasync.txt");
        let text = std::fs::read_to_string(p).unwrap();
        assert!(looks_like_fio(&text));
        let l = latency(&text).unwrap();
        assert_eq!(l.block, "sync");
        assert!((l.p99_ms.unwrap() - 12.649).abs() < 1e-9);
        assert!((l.p50_ms.unwrap() - 3.949).abs() < 1e-9);
        assert!((l.max_ms.unwrap() - 79.956).abs() < 1e-9);
        assert!(!looks_like_fio("Jan 25 05:42:29 dev-ln01 k3s[2189071]: hello"));
    }
}
