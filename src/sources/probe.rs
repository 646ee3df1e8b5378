//! `probe-disk`: measures what etcd needs from a disk, on the node, in the folder etcd would use. The workload is
//! the etcd documentation's fio test (`fio --rw=write --ioengine=sync --fdatasync=1 --size=22m --bs=2300`):
//! sequential 2300-byte writes, each followed by fdatasync, 22 MiB in all, in a temporary file that is removed
//! afterwards. Existing files are never touched.
//!
//! Measures only: [`run`] returns typed figures ([`ProbeReport`]); `crate::report::probe` words them (the text
//! summary, the JSON report with its assessment sentence). The JSON report (`-o json`, schema
//! `etcd-triage/probe-disk/v1`) can be given to `analyze` as evidence ([`RecordedProbe`]).

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

/// What one run measured. Typed data only: `crate::report::probe` words it (the text summary, the JSON report with
/// its assessment sentence).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeReport {
    pub dir: String,
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
    /// The folder's filesystem, from statfs, when known.
    pub filesystem: Option<Filesystem>,
}

impl ProbeReport {
    /// Whether the folder's filesystem keeps its data in memory (tmpfs, ramfs, ...): fdatasync reaches no disk, so
    /// the figures say nothing about storage.
    pub fn memory_backed(&self) -> bool {
        self.filesystem.is_some_and(Filesystem::memory_backed)
    }
}

/// A probe report read back from a file (`etcd-triage/probe-disk/v1`, written by this or an earlier version): the
/// figures `analyze` uses, and the assessment the probe recorded, kept as the file's own words (evidence).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecordedProbe {
    pub dir: String,
    #[serde(default)]
    pub host: Option<String>,
    pub started_at: Timestamp,
    pub writes: u64,
    pub iops: f64,
    pub fdatasync_ms: Percentiles,
    pub verdict: ProbeVerdict,
    /// The assessment as the file states it.
    pub assessment: String,
    /// The filesystem as the file names it.
    #[serde(default)]
    pub filesystem: Option<String>,
    #[serde(default)]
    pub memory_backed: bool,
}

/// A filesystem, from statfs's `f_type` (linux/magic.h). `crate::report::words::probe::filesystem` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filesystem {
    Tmpfs,
    Ramfs,
    Hugetlbfs,
    Bpf,
    /// ext2, ext3 and ext4 share one magic number.
    Ext,
    Xfs,
    Btrfs,
    Zfs,
    Overlayfs,
    Nfs,
    F2fs,
    Fuse,
    /// CIFS or SMB2.
    Cifs,
    Hfs,
    /// A magic number this tool does not know.
    Unknown {
        statfs_type: u64,
    },
}

impl Filesystem {
    /// The filesystem a statfs magic number stands for (linux/magic.h).
    pub fn from_statfs_type(magic: u64) -> Self {
        match magic {
            0x0102_1994 => Self::Tmpfs,
            0x8584_58f6 => Self::Ramfs,
            0x9584_58f6 => Self::Hugetlbfs,
            0x6275_6673 => Self::Bpf,
            0x0000_ef53 => Self::Ext,
            0x5846_5342 => Self::Xfs,
            0x9123_683e => Self::Btrfs,
            0x2fc1_2fc1 => Self::Zfs,
            0x794c_7630 => Self::Overlayfs,
            0x0000_6969 => Self::Nfs,
            0xf2f5_2010 => Self::F2fs,
            0x6573_5546 => Self::Fuse,
            0xff53_4d42 | 0xfe53_4d42 => Self::Cifs,
            0x0000_4244 => Self::Hfs,
            statfs_type => Self::Unknown { statfs_type },
        }
    }

    /// True for filesystems that keep their data in memory: fdatasync there reaches no disk.
    pub fn memory_backed(self) -> bool {
        matches!(self, Self::Tmpfs | Self::Ramfs | Self::Hugetlbfs | Self::Bpf)
    }
}

/// The filesystem holding `dir`, from statfs's `f_type`.
#[cfg(target_os = "linux")]
pub fn filesystem(dir: &Path) -> Option<Filesystem> {
    use std::os::unix::ffi::OsStrExt as _;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid NUL-terminated string and `stat` a writable statfs for the call's duration.
    if unsafe { libc::statfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(Filesystem::from_statfs_type(stat.f_type as u64))
}

#[cfg(not(target_os = "linux"))]
pub fn filesystem(_dir: &Path) -> Option<Filesystem> {
    None
}

/// Why the probe could not run (or stopped).
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// `--dir` is not a folder.
    #[error("{0} is not a directory (give the folder etcd keeps its data in, e.g. --dir /var/lib/etcd)")]
    NotADirectory(PathBuf),
    /// The filesystem has less than twice the probe file free.
    #[error("{dir} has {free} bytes free; the probe needs {need} (twice its 22 MiB file) to run safely")]
    NoSpace { dir: PathBuf, free: u64, need: u64 },
    /// statvfs on the folder failed.
    #[error("checking free space in {dir}: {source}")]
    FreeSpace {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The temporary probe file could not be created.
    #[error("creating a temporary file in {dir}: {source}")]
    CreateFile {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// posix_fallocate (or setting the length) of the probe file failed.
    #[error("preallocating the probe file: {0}")]
    Preallocate(#[source] std::io::Error),
    /// fsync of the preallocated file failed.
    #[error("fsync of the preallocated probe file: {0}")]
    SyncPreallocated(#[source] std::io::Error),
    /// A write to the probe file failed.
    #[error("writing the probe file: {0}")]
    Write(#[source] std::io::Error),
    /// An fdatasync of the probe file failed.
    #[error("fdatasync of the probe file: {0}")]
    Fdatasync(#[source] std::io::Error),
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
    let free = free_bytes(&opts.dir).map_err(|source| ProbeError::FreeSpace { dir: opts.dir.clone(), source })?;
    if free < need {
        return Err(ProbeError::NoSpace { dir: opts.dir.clone(), free, need });
    }
    let fs = filesystem(&opts.dir);
    // A new file with a unique name; removed when `file` drops, whatever happens, and on SIGINT / SIGTERM.
    let mut file = tempfile::Builder::new()
        .prefix(".etcd-triage-probe-")
        .tempfile_in(&opts.dir)
        .map_err(|source| ProbeError::CreateFile { dir: opts.dir.clone(), source })?;
    let guard = crate::cleanup::remove_on_signal(file.path());
    let block = vec![0xa5u8; opts.block_size.max(1)];
    let writes = opts.total_bytes.div_ceil(block.len() as u64);
    // Preallocate like etcd's WAL segments (and fio's default): each fdatasync then flushes data, not a
    // growing file's size and block allocation.
    preallocate(file.as_file(), writes * block.len() as u64).map_err(ProbeError::Preallocate)?;
    file.as_file().sync_all().map_err(ProbeError::SyncPreallocated)?;
    let mut sync_ms = Vec::with_capacity(writes as usize);
    let mut write_ms = Vec::with_capacity(writes as usize);
    let started_at = chrono::Utc::now();
    let started = Instant::now();
    for _ in 0..writes {
        let t = Instant::now();
        file.as_file_mut().write_all(&block).map_err(ProbeError::Write)?;
        write_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        file.as_file().sync_data().map_err(ProbeError::Fdatasync)?;
        sync_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let duration = started.elapsed().as_secs_f64();
    drop(file);
    drop(guard);
    let fdatasync_ms = percentiles(&mut sync_ms);
    Ok(ProbeReport {
        dir: opts.dir.display().to_string(),
        host: std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_string()),
        started_at,
        duration_secs: duration,
        writes,
        bytes: writes * block.len() as u64,
        block_size: block.len(),
        iops: writes as f64 / duration.max(1e-9),
        verdict: verdict(fdatasync_ms.p99),
        fdatasync_ms,
        write_ms: percentiles(&mut write_ms),
        filesystem: fs,
    })
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
        assert_eq!(r.verdict, verdict(p.p99));
        assert_eq!(r.filesystem, filesystem(dir.path()));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("existing")]);
        assert_eq!(std::fs::read_to_string(dir.path().join("existing")).unwrap(), "data");
    }

    #[test]
    fn memory_backed_filesystems_are_known() {
        assert_eq!(Filesystem::from_statfs_type(0x0102_1994), Filesystem::Tmpfs);
        assert_eq!(Filesystem::from_statfs_type(0x8584_58f6), Filesystem::Ramfs);
        assert_eq!(Filesystem::from_statfs_type(0xef53), Filesystem::Ext);
        assert_eq!(Filesystem::from_statfs_type(0xfe53_4d42), Filesystem::Cifs);
        assert_eq!(Filesystem::from_statfs_type(0x1234), Filesystem::Unknown { statfs_type: 0x1234 });
        for (fs, memory) in [
            (Filesystem::Tmpfs, true),
            (Filesystem::Ramfs, true),
            (Filesystem::Hugetlbfs, true),
            (Filesystem::Bpf, true),
            (Filesystem::Ext, false),
            (Filesystem::Overlayfs, false),
            (Filesystem::Unknown { statfs_type: 0x1234 }, false),
        ] {
            assert_eq!(fs.memory_backed(), memory, "{fs:?}");
        }
        let p = Percentiles { p50: 0.001, p90: 0.001, p99: 0.001, p99_9: 0.001, max: 0.001, mean: 0.001 };
        let mut r = ProbeReport {
            dir: "/dev/shm".into(),
            host: None,
            started_at: Timestamp::default(),
            duration_secs: 0.1,
            writes: 1,
            bytes: 2300,
            block_size: 2300,
            iops: 10.0,
            fdatasync_ms: p,
            write_ms: p,
            verdict: ProbeVerdict::Ok,
            filesystem: Some(Filesystem::Tmpfs),
        };
        assert!(r.memory_backed());
        r.filesystem = None;
        assert!(!r.memory_backed(), "an unknown filesystem is not said to be memory-backed");
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
        assert_eq!(percentiles(&mut []), Percentiles { p50: 0.0, p90: 0.0, p99: 0.0, p99_9: 0.0, max: 0.0, mean: 0.0 });
    }

    /// A report written before the probe's words moved to `report/` (its `assessment` and `filesystem` strings, the
    /// unknown-filesystem wording of that time) still reads, its assessment kept as recorded.
    #[test]
    fn an_older_report_file_still_reads() {
        let older = include_str!("../../tests/formats/probe/probe-older-v1.json");
        assert!(looks_like_report(older));
        let r: RecordedProbe = serde_json::from_str(older).unwrap();
        assert_eq!((r.dir.as_str(), r.host.as_deref(), r.writes), ("/var/lib/etcd", Some("node-1"), 87));
        assert_eq!((r.verdict, r.fdatasync_ms.p99, r.iops), (ProbeVerdict::AboveGuidance, 11.94, 364.2));
        assert!(r.assessment.starts_with("fdatasync p99 11.9 ms is 1.2x the 10 ms guidance"), "{}", r.assessment);
        assert_eq!(r.filesystem.as_deref(), Some("unknown (statfs type 0x1234)"));
        assert!(!r.memory_backed, "absent: not memory-backed");
        let tmpfs = older.replace(
            r#""filesystem": "unknown (statfs type 0x1234)""#,
            r#""filesystem": "tmpfs", "memory_backed": true"#,
        );
        assert!(serde_json::from_str::<RecordedProbe>(&tmpfs).unwrap().memory_backed);
        // One without its assessment is not a v1 report: refused, not read with no words.
        let bare = older.replace(r#""assessment""#, r#""assessment_""#);
        assert!(serde_json::from_str::<RecordedProbe>(&bare).is_err());
    }
}
