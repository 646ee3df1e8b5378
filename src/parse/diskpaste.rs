//! Disk evidence as users paste it into tickets and threads: a scrape of etcd's `/metrics` (whole, or `grep`ped
//! to the disk histograms, often with curl's progress meter or a shell prompt around it), the results of a PromQL
//! `histogram_quantile` over etcd's disk histograms (`{labels} | value` rows as a metrics UI shows them), and fio's
//! output for etcd's fdatasync job.
//!
//! A scrape is cumulative since the process started: its quantiles describe the member's whole life, and its upper
//! buckets count the syncs slow enough to have blocked the raft loop past a heartbeat deadline.
//!
//! Pure; no I/O.

use super::prom::{self, Histogram};

/// etcd's disk histograms, by name across versions: etcd 3.0 called the WAL one `etcd_wal_fsync_durations_seconds`
/// (v3.0.17 `wal/metrics.go`), 3.1+ `etcd_disk_wal_fsync_duration_seconds` (`wal/metrics.go`) and
/// `etcd_disk_backend_commit_duration_seconds` (`mvcc/backend/metrics.go`, 3.1+).
pub const WAL_FSYNC: [&str; 2] = ["etcd_disk_wal_fsync_duration_seconds", "etcd_wal_fsync_durations_seconds"];
pub const BACKEND_COMMIT: [&str; 1] = ["etcd_disk_backend_commit_duration_seconds"];

/// A sync at least this slow (the lower edge of etcd's 0.512-1.024 s bucket) blocked the raft loop for more than
/// twice the 200 ms heartbeat deadline (2x the 100 ms default interval, etcd.io "Tuning"): etcd logs a late
/// heartbeat for each such stall on a leader.
pub const SLOW_SYNC_S: f64 = 0.512;

/// Which disk histogram a reading is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskMetric {
    WalFsync,
    BackendCommit,
}

impl DiskMetric {
    /// The current metric name.
    pub fn name(self) -> &'static str {
        match self {
            DiskMetric::WalFsync => WAL_FSYNC[0],
            DiskMetric::BackendCommit => BACKEND_COMMIT[0],
        }
    }

    fn of(name: &str) -> Option<DiskMetric> {
        let base = name.strip_suffix("_bucket").unwrap_or(name);
        if WAL_FSYNC.contains(&base) {
            Some(DiskMetric::WalFsync)
        } else if BACKEND_COMMIT.contains(&base) {
            Some(DiskMetric::BackendCommit)
        } else {
            None
        }
    }
}

/// One disk latency reading from a paste.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub metric: DiskMetric,
    /// The member the labels name (`pod`, else `instance`), when they name one.
    pub member: Option<String>,
    pub quantile: f64,
    /// The quantile in ms (interpolated inside its bucket for a histogram).
    pub value_ms: f64,
    /// The bucket edges it lies between (a histogram only).
    pub bucket_ms: Option<(f64, f64)>,
    /// Operations counted, and those at or over [`SLOW_SYNC_S`] (a histogram only).
    pub total_ops: Option<u64>,
    pub slow_ops: Option<u64>,
    /// 1-based line the reading starts on.
    pub line: u64,
}

/// fio's result for a job that syncs every write (etcd's `--fdatasync=1` test).
#[derive(Debug, Clone, PartialEq)]
pub struct FioResult {
    /// `--directory=` when the paste shows the command line.
    pub directory: Option<String>,
    /// The `sync` (fsync/fdatasync) percentiles, in ms, when fio printed them (fio 3.5+).
    pub sync_p50_ms: Option<f64>,
    pub sync_p99_ms: Option<f64>,
    pub sync_max_ms: Option<f64>,
    /// Write IOPS (each write followed by its sync).
    pub iops: Option<f64>,
    pub line: u64,
}

/// What a paste holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiskPaste {
    pub readings: Vec<Reading>,
    pub fio: Option<FioResult>,
    /// Lines that named a disk metric but could not be read.
    pub malformed: Vec<u64>,
}

/// Whether the text is such a paste (cheap; the first kilobytes suffice).
pub fn looks_like(head: &str) -> bool {
    let metric_lines = head
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            WAL_FSYNC.iter().chain(BACKEND_COMMIT.iter()).any(|m| l.contains(m))
        })
        .count();
    metric_lines >= 1 && (head.contains("_bucket{") || head.contains("histogram_quantile") || head.contains("} |"))
        || is_fio(head)
}

fn is_fio(head: &str) -> bool {
    head.contains("ioengine=")
        && (head.contains("clat percentiles") || head.contains("sync percentiles") || head.contains(" IOPS="))
}

/// The position where a disk metric's name starts in a line (pastes put prompts, quotes or curl's meter before it).
fn metric_start(line: &str) -> Option<usize> {
    WAL_FSYNC.iter().chain(BACKEND_COMMIT.iter()).filter_map(|m| line.find(m)).min()
}

/// Reads a paste.
pub fn parse(text: &str) -> DiskPaste {
    let mut out = DiskPaste::default();
    let mut sample_lines = String::new();
    let mut first_line: Vec<(DiskMetric, u64)> = Vec::new();
    let mut query: Option<(DiskMetric, f64)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let Some(start) = metric_start(line) else {
            if let Some((metric, q)) = query
                && let Some(r) = query_row(line, metric, q, n)
            {
                out.readings.push(r);
            }
            continue;
        };
        let rest = &line[start..];
        if let Some(q) = quantile_query(line) {
            let metric =
                DiskMetric::of(rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or(""));
            query = metric.map(|m| (m, q));
            continue;
        }
        let name = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
        let Some(metric) = DiskMetric::of(name) else { continue };
        if !name.ends_with("_bucket") {
            continue; // _sum / _count add nothing the buckets do not say
        }
        if prom::parse_text(rest).1.is_empty() {
            sample_lines.push_str(rest);
            sample_lines.push('\n');
            if !first_line.iter().any(|(m, _)| *m == metric) {
                first_line.push((metric, n));
            }
        } else {
            out.malformed.push(n);
        }
    }
    let (samples, _) = prom::parse_text(&sample_lines);
    for (metric, line) in first_line {
        let names: &[&str] = match metric {
            DiskMetric::WalFsync => &WAL_FSYNC,
            DiskMetric::BackendCommit => &BACKEND_COMMIT,
        };
        for name in names {
            for h in prom::histograms(&samples, name) {
                if let Some(r) = histogram_reading(&h, metric, line) {
                    out.readings.push(r);
                }
            }
        }
    }
    if is_fio(text) {
        out.fio = fio(text);
    }
    out
}

fn member_of(labels: &[(String, String)]) -> Option<String> {
    let get = |k: &str| labels.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    get("pod").or_else(|| get("instance"))
}

fn histogram_reading(h: &Histogram, metric: DiskMetric, line: u64) -> Option<Reading> {
    let mut buckets = h.buckets.clone();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let h = Histogram { buckets, ..h.clone() };
    let q = h.quantile(0.99)?;
    let total = h.buckets.last().map(|b| b.1)?;
    let below_slow = h.buckets.iter().filter(|(le, _)| *le <= SLOW_SYNC_S).map(|b| b.1).fold(0.0, f64::max);
    // A paste cut before the slow buckets says nothing about them.
    let reaches = h.buckets.iter().any(|(le, _)| *le > SLOW_SYNC_S);
    Some(Reading {
        metric,
        member: member_of(&h.labels),
        quantile: 0.99,
        value_ms: q.value * 1000.0,
        bucket_ms: Some((q.lower * 1000.0, q.upper * 1000.0)),
        total_ops: Some(total as u64),
        slow_ops: reaches.then(|| (total - below_slow).max(0.0) as u64),
        line,
    })
}

/// `histogram_quantile(0.99, rate(etcd_disk_..._bucket[5m]))` -> 0.99.
fn quantile_query(line: &str) -> Option<f64> {
    let i = line.find("histogram_quantile(")? + "histogram_quantile(".len();
    let q: f64 = line[i..].split(',').next()?.trim().parse().ok()?;
    (0.0..=1.0).contains(&q).then_some(q)
}

/// A metrics UI's result row: `{instance="10.0.0.1:2379",job="etcd"} | 0.1157`.
fn query_row(line: &str, metric: DiskMetric, quantile: f64, n: u64) -> Option<Reading> {
    let line = line.trim();
    let open = line.find('{')?;
    let close = open + line[open..].find('}')?;
    let value: f64 = line[close + 1..].trim().trim_start_matches('|').trim().parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let (samples, _) = prom::parse_text(&format!("x{} 0", &line[open..=close]));
    let labels = samples.into_iter().next().map(|s| s.labels).unwrap_or_default();
    Some(Reading {
        metric,
        member: member_of(&labels),
        quantile,
        value_ms: value * 1000.0,
        bucket_ms: None,
        total_ops: None,
        slow_ops: None,
        line: n,
    })
}

/// A percentile block value such as `99.00th=[ 2212]` in the block's unit.
fn percentile(block: &str, which: &str) -> Option<f64> {
    let i = block.find(&format!("{which}=["))? + which.len() + 2;
    block[i..].split(']').next()?.trim().parse().ok()
}

fn unit_ms(header: &str) -> f64 {
    if header.contains("(nsec)") {
        1e-6
    } else if header.contains("(msec)") {
        1.0
    } else {
        1e-3
    }
}

fn fio(text: &str) -> Option<FioResult> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.iter().position(|l| l.contains("ioengine=") || l.contains(" IOPS=")).map_or(1, |i| i as u64 + 1);
    let directory = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--directory="))
        .map(|d| d.trim_matches(|c| c == '"' || c == '\'').to_string());
    let iops = text.split("IOPS=").nth(1).and_then(|r| {
        let v = r.split([',', ' ']).next()?;
        let (num, mult) = match v.strip_suffix('k') {
            Some(n) => (n, 1000.0),
            None => (v, 1.0),
        };
        num.parse::<f64>().ok().map(|x| x * mult)
    });
    // fio 3.5+ prints the sync latencies of `--fdatasync=1` jobs apart: `sync (usec): min=..., max=...` and
    // `sync percentiles (usec):` followed by `| 1.00th=[...], ...` rows.
    let mut sync_p50 = None;
    let mut sync_p99 = None;
    let mut sync_max = None;
    if let Some(start) = lines.iter().position(|l| l.trim_start().starts_with("sync percentiles")) {
        let unit = unit_ms(lines[start]);
        let block: String =
            lines[start + 1..].iter().take_while(|l| l.trim_start().starts_with('|')).copied().collect();
        sync_p50 = percentile(&block, "50.00th").map(|v| v * unit);
        sync_p99 = percentile(&block, "99.00th").map(|v| v * unit);
    }
    if let Some(l) = lines.iter().find(|l| l.trim_start().starts_with("sync (")) {
        let unit = unit_ms(l);
        sync_max = l.split("max=").nth(1).and_then(|r| {
            let v = r.split(',').next()?.trim();
            let (num, mult) = match v.strip_suffix('k') {
                Some(n) => (n, 1000.0),
                None => (v, 1.0),
            };
            num.parse::<f64>().ok().map(|x| x * mult * unit)
        });
    }
    (iops.is_some() || sync_p99.is_some()).then_some(FioResult {
        directory,
        sync_p50_ms: sync_p50,
        sync_p99_ms: sync_p99,
        sync_max_ms: sync_max,
        iops,
        line,
    })
}

/// `iostat -x` output: a `Device` header row with `await` columns.
pub fn looks_like_iostat(head: &str) -> bool {
    head.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with("Device:") || l.starts_with("Device ")) && l.contains("await")
    })
}

/// The device with the highest `w_await` (else `await`) in an `iostat -x` table, and that value in ms.
pub fn iostat_write_await(text: &str) -> Option<(String, f64)> {
    let mut column = None;
    let mut best: Option<(String, f64)> = None;
    for line in text.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        match cells.first() {
            Some(&("Device:" | "Device")) => {
                column =
                    cells.iter().position(|c| *c == "w_await").or_else(|| cells.iter().position(|c| *c == "await"));
            }
            Some(device) => {
                let Some(i) = column else { continue };
                let Some(v) = cells.get(i).and_then(|c| c.replace(',', ".").parse::<f64>().ok()) else { continue };
                if best.as_ref().is_none_or(|(_, b)| v > *b) {
                    best = Some((device.to_string(), v));
                }
            }
            None => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// etcd-io/etcd#9544 (comment by reterVision): a gp2 EBS volume, verbatim.
    const GP2: &str = r#"etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 340252
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 348832
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 366540
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.008"} 366978
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.016"} 367038
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.032"} 367069
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.064"} 367099
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.128"} 367181
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.256"} 367332
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.512"} 367487
etcd_disk_wal_fsync_duration_seconds_bucket{le="1.024"} 367535
etcd_disk_wal_fsync_duration_seconds_bucket{le="2.048"} 367535
etcd_disk_wal_fsync_duration_seconds_bucket{le="4.096"} 367535
etcd_disk_wal_fsync_duration_seconds_bucket{le="8.192"} 367535
etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 367535
etcd_disk_wal_fsync_duration_seconds_sum 344.94922837100324
etcd_disk_wal_fsync_duration_seconds_count 367535
"#;

    #[test]
    fn a_grepped_scrape_gives_p99_and_the_syncs_past_the_heartbeat_deadline() {
        assert!(looks_like(GP2));
        let p = parse(GP2);
        assert_eq!(p.readings.len(), 1, "{p:?}");
        let r = &p.readings[0];
        assert_eq!(r.metric, DiskMetric::WalFsync);
        assert_eq!(r.bucket_ms, Some((2.0, 4.0)));
        assert_eq!((r.total_ops, r.slow_ops), (Some(367_535), Some(48)));
        assert_eq!(r.line, 1);
    }

    /// etcd-io/etcd#8586 (comment by igortin): etcd 3.0's metric name, a `curl | grep` line before it, cut
    /// before `+Inf`.
    #[test]
    fn the_etcd_3_0_name_and_a_prompt_line_are_read() {
        let text = "curl -L http://localhost:2379/metrics | grep etcd_wal_fsync_durations_seconds_bucket\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.008\"} 0\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.016\"} 529\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.032\"} 848052\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.064\"} 2.7211701e+07\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.128\"} 3.3938307e+07\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.256\"} 3.541656e+07\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"0.512\"} 3.5706348e+07\n\
etcd_wal_fsync_durations_seconds_bucket{le=\"1.024\"} 3.5748624e+07\n";
        let p = parse(text);
        assert_eq!(p.readings.len(), 1, "{p:?}");
        let r = &p.readings[0];
        assert_eq!(r.bucket_ms, Some((128.0, 256.0)));
        assert_eq!(r.slow_ops, Some(42_276));
    }

    /// etcd-io/etcd#10860 (issue body): PromQL results as a metrics UI lists them.
    #[test]
    fn promql_result_rows_are_readings_per_instance() {
        let text = "histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket[5m]))\n\n\n\
{endpoint=\"metrics\",instance=\"172.22.66.116:2379\",job=\"etcd\",namespace=\"kube-system\",service=\"etcd\"} | 0.11571199999999937\n\
{endpoint=\"metrics\",instance=\"172.22.66.117:2379\",job=\"etcd\",namespace=\"kube-system\",service=\"etcd\"} | 0.08104000000000033\n";
        assert!(looks_like(text));
        let p = parse(text);
        assert_eq!(p.readings.len(), 2, "{p:?}");
        assert_eq!(p.readings[0].metric, DiskMetric::BackendCommit);
        assert_eq!(p.readings[0].member.as_deref(), Some("172.22.66.116:2379"));
        assert!((p.readings[0].value_ms - 115.712).abs() < 1e-6);
        assert_eq!(p.readings[1].line, 5);
    }

    /// etcd-io/etcd#10799 (comment by haoqing0110): fio 3.1 prints no sync percentiles; IOPS is all it says of
    /// the syncs.
    #[test]
    fn fio_without_sync_percentiles_gives_iops_only() {
        let text = "# fio --name=sequential_write_iops_test --rw=write --ioengine=sync --fdatasync=1 --directory=/var/lib/etcd --size=22m --bs=2300\n\n\
sequential_write_iops_test: (g=0): rw=write, bs=(R) 2300B-2300B, (W) 2300B-2300B, (T) 2300B-2300B, ioengine=sync, iodepth=1\n\
 write: IOPS=1192, BW=2678KiB/s (2742kB/s)(21.0MiB/8411msec)\n\
  clat percentiles (usec):\n\
   | 99.00th=[ 2212], 99.50th=[ 2573], 99.90th=[ 3556], 99.95th=[ 4490],\n";
        assert!(looks_like(text));
        let f = parse(text).fio.expect("fio result");
        assert_eq!(f.directory.as_deref(), Some("/var/lib/etcd"));
        assert_eq!(f.iops, Some(1192.0));
        assert_eq!(f.sync_p99_ms, None, "clat is the write alone, not the fdatasync");
    }

    /// Real output of fio 3.33 (Debian) for etcd's job on this machine's disk, captured verbatim
    /// (tests/formats/fio/README.md says how).
    #[test]
    fn fio_sync_percentiles_are_read_in_their_unit() {
        let text = include_str!("../../tests/formats/fio/fio-3.33-fdatasync.txt");
        assert!(looks_like(text));
        let f = parse(text).fio.expect("fio result");
        let close = |v: Option<f64>, want: f64| v.is_some_and(|v| (v - want).abs() < 1e-9);
        assert!(close(f.sync_p99_ms, 12.649) && close(f.sync_p50_ms, 3.949) && close(f.sync_max_ms, 79.956), "{f:?}");
        assert_eq!(f.iops, Some(237.0));
    }

    /// etcd-io/etcd#9427 (comment by the reporter): `iostat -x` on the etcd host, verbatim.
    #[test]
    fn iostat_tables_give_the_slowest_device_mean() {
        let text = "Device:         rrqm/s   wrqm/s     r/s     w/s    rkB/s    wkB/s avgrq-sz avgqu-sz   await r_await w_await  svctm  %util
sda               0.00     2.00    0.00   15.00     0.00    76.00    10.13     0.17   11.20    0.00   11.20  11.07  16.60
dm-0              0.00     0.00    0.00   16.00     0.00    76.00     9.50     0.17   10.50    0.00   10.50  10.38  16.60
";
        assert!(looks_like_iostat(text));
        assert_eq!(iostat_write_await(text), Some(("sda".to_string(), 11.2)));
        assert!(!looks_like(text));
    }

    #[test]
    fn ordinary_logs_are_not_pastes() {
        assert!(!looks_like(r#"{"level":"warn","msg":"slow fdatasync","took":"1.7s"}"#));
        assert!(!looks_like("2016-12-09 16:03:21.925822 W | etcdserver: apply entries took too long"));
    }
}
