//! `probe-disk`: measures what etcd needs from a disk, on the node, in the folder etcd would use. The workload is
//! the etcd documentation's fio test (`fio --rw=write --ioengine=sync --fdatasync=1 --size=22m --bs=2300`):
//! sequential 2300-byte writes, each followed by fdatasync, 22 MiB in all, in a temporary file that is removed
//! afterwards. Existing files are never touched.
//!
//! The report (`-o json`, schema `etcd-triage/probe-disk/v1`) can be given to `analyze` as evidence.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::evidence::Timestamp;

/// The probe report's schema.
pub const SCHEMA: &str = "etcd-triage/probe-disk/v1";
/// fio's `--size=22m`.
pub const DEFAULT_TOTAL_BYTES: u64 = 22 * 1024 * 1024;
/// fio's `--bs=2300`: about etcd's average WAL append.
pub const DEFAULT_BLOCK_SIZE: usize = 2300;
/// WAL fsync p99 guidance (etcd docs, Red Hat): 10 ms.
pub const GUIDANCE_MS: f64 = 10.0;
/// etcd's default heartbeat interval: a WAL fsync slower than this delays heartbeats and invites elections.
pub const HEARTBEAT_MS: f64 = 100.0;

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub dir: PathBuf,
    pub total_bytes: u64,
    pub block_size: usize,
}

/// fdatasync (or write) latency percentiles in ms, nearest rank.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p99_9: f64,
    pub max: f64,
    pub mean: f64,
}

/// How the disk compares with what etcd needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeVerdict {
    /// fdatasync p99 under the 10 ms guidance.
    Ok,
    /// Over the guidance but under the 100 ms heartbeat interval: etcd works but has no margin under load.
    AboveGuidance,
    /// At or over the heartbeat interval: heartbeats go out late, leader elections and API timeouts follow.
    TooSlowForEtcd,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub schema: String,
    pub dir: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub started_at: Timestamp,
    pub duration_secs: f64,
    pub writes: u64,
    pub bytes: u64,
    pub block_size: usize,
    /// Write + fdatasync pairs per second over the whole run.
    pub iops: f64,
    pub fdatasync_ms: Percentiles,
    pub write_ms: Percentiles,
    pub verdict: ProbeVerdict,
    pub assessment: String,
    /// The folder's filesystem (`ext4`, `xfs`, `tmpfs`, ...), from statfs, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<String>,
    /// Set when that filesystem keeps its data in memory (tmpfs, ramfs, ...): fdatasync reaches no disk, so the
    /// figures say nothing about storage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub memory_backed: bool,
}

/// The filesystem holding `dir`: its name and whether it is memory-backed, from statfs's `f_type`.
#[cfg(target_os = "linux")]
pub fn filesystem(dir: &Path) -> Option<(String, bool)> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid NUL-terminated string and `stat` a writable statfs for the call's duration.
    if unsafe { libc::statfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(filesystem_name(stat.f_type as u64))
}

#[cfg(not(target_os = "linux"))]
pub fn filesystem(_dir: &Path) -> Option<(String, bool)> {
    None
}

/// Names a statfs magic number (linux/magic.h); true for filesystems that keep data in memory.
pub fn filesystem_name(magic: u64) -> (String, bool) {
    let (name, memory) = match magic {
        0x0102_1994 => ("tmpfs", true),
        0x8584_58f6 => ("ramfs", true),
        0x9584_58f6 => ("hugetlbfs", true),
        0x6275_6673 => ("bpf", true),
        0x0000_ef53 => ("ext2/3/4", false),
        0x5846_5342 => ("xfs", false),
        0x9123_683e => ("btrfs", false),
        0x2fc1_2fc1 => ("zfs", false),
        0x794c_7630 => ("overlayfs", false),
        0x0000_6969 => ("nfs", false),
        0xf2f5_2010 => ("f2fs", false),
        0x6573_5546 => ("fuse", false),
        0xff53_4d42 | 0xfe53_4d42 => ("cifs/smb", false),
        0x0000_4244 => ("hfs", false),
        other => return (format!("unknown (statfs type {other:#x})"), false),
    };
    (name.to_string(), memory)
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{0} is not a directory (give the folder etcd keeps its data in, e.g. --dir /var/lib/etcd)")]
    NotADirectory(PathBuf),
    #[error("{dir} has {free} bytes free; the probe needs {need} (twice its 22 MiB file) to run safely")]
    NoSpace { dir: PathBuf, free: u64, need: u64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProbeError {
    let context = context.into();
    move |source| ProbeError::Io { context, source }
}

/// Free bytes for unprivileged users on the filesystem holding `dir`.
fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid NUL-terminated string and `stat` a writable statvfs for the call's duration.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stat) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// Allocates `len` bytes for `file` (posix_fallocate), falling back to setting the length where the filesystem
/// cannot allocate ahead.
#[cfg(target_os = "linux")]
fn preallocate(file: &std::fs::File, len: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let len_off = libc::off_t::try_from(len).map_err(std::io::Error::other)?;
    // SAFETY: the descriptor is open for writing for the duration of the call.
    let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len_off) };
    if rc == 0 { Ok(()) } else { file.set_len(len) }
}

/// Sets the file's length where posix_fallocate does not exist (macOS): the probe's writes then land in a file
/// of its final size, as etcd's preallocated WAL segments are.
#[cfg(not(target_os = "linux"))]
fn preallocate(file: &std::fs::File, len: u64) -> std::io::Result<()> {
    file.set_len(len)
}

/// Runs the probe.
pub fn run(opts: &ProbeOptions) -> Result<ProbeReport, ProbeError> {
    if !opts.dir.is_dir() {
        return Err(ProbeError::NotADirectory(opts.dir.clone()));
    }
    let need = opts.total_bytes.saturating_mul(2);
    let free = free_bytes(&opts.dir).map_err(io(format!("checking free space in {}", opts.dir.display())))?;
    if free < need {
        return Err(ProbeError::NoSpace { dir: opts.dir.clone(), free, need });
    }
    let fs = filesystem(&opts.dir);
    // A new file with a unique name; removed when `file` drops, whatever happens, and on SIGINT / SIGTERM.
    let mut file = tempfile::Builder::new()
        .prefix(".etcd-triage-probe-")
        .tempfile_in(&opts.dir)
        .map_err(io(format!("creating a temporary file in {}", opts.dir.display())))?;
    let guard = crate::cleanup::remove_on_signal(file.path());
    let block = vec![0xa5u8; opts.block_size.max(1)];
    let writes = opts.total_bytes.div_ceil(block.len() as u64);
    // Preallocate like etcd's WAL segments (and fio's default): each fdatasync then flushes data, not a
    // growing file's size and block allocation.
    preallocate(file.as_file(), writes * block.len() as u64).map_err(io("preallocating the probe file"))?;
    file.as_file().sync_all().map_err(io("fsync of the preallocated probe file"))?;
    let mut sync_ms = Vec::with_capacity(writes as usize);
    let mut write_ms = Vec::with_capacity(writes as usize);
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    for _ in 0..writes {
        let t = Instant::now();
        file.as_file_mut().write_all(&block).map_err(io("writing the probe file"))?;
        write_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        file.as_file().sync_data().map_err(io("fdatasync of the probe file"))?;
        sync_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let duration = started.elapsed().as_secs_f64();
    drop(file);
    drop(guard);
    let fdatasync_ms = percentiles(&mut sync_ms);
    let verdict = verdict(fdatasync_ms.p99);
    let (filesystem, memory_backed) = match fs {
        Some((name, memory)) => (Some(name), memory),
        None => (None, false),
    };
    let mut assessment = assessment(&fdatasync_ms, verdict);
    if memory_backed {
        assessment = memory_assessment(filesystem.as_deref().unwrap_or("memory"), &fdatasync_ms);
    }
    Ok(ProbeReport {
        schema: SCHEMA.into(),
        dir: opts.dir.display().to_string(),
        host: std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()),
        started_at,
        duration_secs: duration,
        writes,
        bytes: writes * block.len() as u64,
        block_size: block.len(),
        iops: writes as f64 / duration.max(1e-9),
        assessment,
        fdatasync_ms,
        write_ms: percentiles(&mut write_ms),
        verdict,
        filesystem,
        memory_backed,
    })
}

/// The assessment when the folder is memory-backed: the figures are memory's, not a disk's.
fn memory_assessment(fs: &str, p: &Percentiles) -> String {
    format!(
        "{fs} is memory-backed: fdatasync reaches no disk, so p99 {:.3} ms measures memory, not storage, and says \
         nothing about etcd's disk; run the probe on the folder etcd really uses (--dir of its data or WAL)",
        p.p99
    )
}

/// Nearest-rank percentiles of `samples` (sorted in place).
pub fn percentiles(samples: &mut [f64]) -> Percentiles {
    samples.sort_by(f64::total_cmp);
    let rank = |q: f64| {
        if samples.is_empty() {
            return 0.0;
        }
        let i = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i]
    };
    let mean = if samples.is_empty() { 0.0 } else { samples.iter().sum::<f64>() / samples.len() as f64 };
    Percentiles {
        p50: rank(0.50),
        p90: rank(0.90),
        p99: rank(0.99),
        p99_9: rank(0.999),
        max: samples.last().copied().unwrap_or(0.0),
        mean,
    }
}

pub fn verdict(p99_ms: f64) -> ProbeVerdict {
    if p99_ms < GUIDANCE_MS {
        ProbeVerdict::Ok
    } else if p99_ms < HEARTBEAT_MS {
        ProbeVerdict::AboveGuidance
    } else {
        ProbeVerdict::TooSlowForEtcd
    }
}

fn assessment(p: &Percentiles, v: ProbeVerdict) -> String {
    let times = p.p99 / GUIDANCE_MS;
    match v {
        ProbeVerdict::Ok => format!(
            "fdatasync p99 {:.2} ms is under the {GUIDANCE_MS} ms guidance: this disk is fast enough for etcd's WAL",
            p.p99
        ),
        ProbeVerdict::AboveGuidance => format!(
            "fdatasync p99 {:.1} ms is {times:.1}x the {GUIDANCE_MS} ms guidance: etcd runs, but load or noisy \
             neighbours will push heartbeats late; a dedicated SSD/NVMe (or a separate WAL disk) is advised",
            p.p99
        ),
        ProbeVerdict::TooSlowForEtcd => format!(
            "fdatasync p99 {:.1} ms is {times:.0}x the {GUIDANCE_MS} ms guidance and over etcd's {HEARTBEAT_MS} ms \
             heartbeat interval: expect late heartbeats, leader elections and API-server timeouts; move etcd (at \
             least its WAL, --wal-dir) to a dedicated SSD/NVMe",
            p.p99
        ),
    }
}

/// The human summary.
pub fn render_text(r: &ProbeReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "etcd disk probe · {} · {}", r.dir, r.started_at.format("%Y-%m-%d %H:%M:%S UTC"))?;
    writeln!(
        out,
        "workload: {} sequential {}-byte writes, each followed by fdatasync ({:.1} MiB, as etcd's fio test)",
        r.writes,
        r.block_size,
        r.bytes as f64 / (1024.0 * 1024.0)
    )?;
    writeln!(out, "duration {:.1} s · {:.0} IOPS (write + fdatasync pairs per second)", r.duration_secs, r.iops)?;
    writeln!(out)?;
    writeln!(out, "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>9}", "ms", "p50", "p90", "p99", "p99.9", "max")?;
    for (name, p) in [("fdatasync", &r.fdatasync_ms), ("write", &r.write_ms)] {
        writeln!(out, "  {name:<10} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}", p.p50, p.p90, p.p99, p.p99_9, p.max)?;
    }
    writeln!(out)?;
    if let Some(fs) = &r.filesystem {
        writeln!(out, "filesystem: {fs}{}", if r.memory_backed { " (memory-backed, not a disk)" } else { "" })?;
    }
    let word = match r.verdict {
        _ if r.memory_backed => "NOT A DISK (memory-backed filesystem)",
        ProbeVerdict::Ok => "OK",
        ProbeVerdict::AboveGuidance => "ABOVE GUIDANCE",
        ProbeVerdict::TooSlowForEtcd => "TOO SLOW FOR ETCD",
    };
    writeln!(out, "verdict: {word}: {}", r.assessment)?;
    writeln!(
        out,
        "guidance: WAL fsync p99 < {GUIDANCE_MS} ms (etcd docs); etcd mixin alerts fire only at p99 > 500 ms \
         (warning) and > 1 s (critical), long after elections start at ~{HEARTBEAT_MS} ms"
    )?;
    writeln!(
        out,
        "note: a result far faster than the hardware can do (e.g. sub-0.1 ms on spinning or shared VM storage) means \
         fdatasync is not reaching stable storage: ZFS sync=disabled, a volatile write cache or a hypervisor that \
         ignores flushes make etcd lose acknowledged writes on power loss"
    )
}

/// Whether a file's head is a probe report.
pub fn looks_like_report(head: &str) -> bool {
    head.contains(SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_files_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "keep me").unwrap();
        for p in [file.clone(), dir.path().join("missing")] {
            let err = run(&ProbeOptions { dir: p, total_bytes: 4096, block_size: 2300 }).unwrap_err();
            assert!(matches!(err, ProbeError::NotADirectory(_)), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    }

    #[test]
    fn runs_and_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("existing"), "data").unwrap();
        let r = run(&ProbeOptions { dir: dir.path().to_path_buf(), total_bytes: 64 * 1024, block_size: 2300 }).unwrap();
        assert_eq!(r.writes, 29, "ceil(65536 / 2300)");
        assert!(r.bytes >= 64 * 1024);
        let p = r.fdatasync_ms;
        assert!(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.p99_9 && p.p99_9 <= p.max, "{p:?}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("existing")]);
        assert_eq!(std::fs::read_to_string(dir.path().join("existing")).unwrap(), "data");
        let json = serde_json::to_string(&r).unwrap();
        assert!(looks_like_report(&json));
        let back = serde_json::from_str::<ProbeReport>(&json).unwrap();
        assert_eq!((back.writes, back.verdict, &back.dir), (r.writes, r.verdict, &r.dir));
        assert!((back.fdatasync_ms.p99 - r.fdatasync_ms.p99).abs() < 1e-9);
        let mut text = Vec::new();
        render_text(&r, &mut text).unwrap();
        assert!(String::from_utf8(text).unwrap().contains("fdatasync"));
    }

    #[test]
    fn memory_backed_filesystems_are_named() {
        assert_eq!(filesystem_name(0x0102_1994), ("tmpfs".to_string(), true));
        assert_eq!(filesystem_name(0x8584_58f6), ("ramfs".to_string(), true));
        assert_eq!(filesystem_name(0xef53), ("ext2/3/4".to_string(), false));
        assert!(!filesystem_name(0x1234).1);
    }

    #[test]
    fn nearest_rank_percentiles_and_verdicts() {
        let mut samples: Vec<f64> = (1..=1000).rev().map(f64::from).collect();
        let p = percentiles(&mut samples);
        assert_eq!((p.p50, p.p90, p.p99, p.p99_9, p.max), (500.0, 900.0, 990.0, 999.0, 1000.0));
        assert_eq!(p.mean, 500.5);
        assert_eq!(verdict(9.99), ProbeVerdict::Ok);
        assert_eq!(verdict(10.0), ProbeVerdict::AboveGuidance);
        assert_eq!(verdict(100.0), ProbeVerdict::TooSlowForEtcd);
        assert!(assessment(&p, verdict(p.p99)).contains("99x the 10 ms guidance"));
    }
}
