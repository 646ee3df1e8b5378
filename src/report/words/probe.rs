//! The words of `probe-disk`: the filesystem's name, the verdict and the assessment sentence, from the probe's typed
//! figures (`crate::sources::probe::ProbeReport`). Pure.

use std::borrow::Cow;

use crate::sources::probe::{Filesystem, GUIDANCE_MS, HEARTBEAT_MS, ProbeReport, ProbeVerdict};

/// A filesystem as the probe names it (`tmpfs`, `ext2/3/4`, `unknown (statfs type 0x1234)`).
pub fn filesystem(fs: Filesystem) -> Cow<'static, str> {
    use Filesystem as F;
    Cow::Borrowed(match fs {
        F::Tmpfs => "tmpfs",
        F::Ramfs => "ramfs",
        F::Hugetlbfs => "hugetlbfs",
        F::Bpf => "bpf",
        F::Ext => "ext2/3/4",
        F::Xfs => "xfs",
        F::Btrfs => "btrfs",
        F::Zfs => "zfs",
        F::Overlayfs => "overlayfs",
        F::Nfs => "nfs",
        F::F2fs => "f2fs",
        F::Fuse => "fuse",
        F::Cifs => "cifs/smb",
        F::Hfs => "hfs",
        F::Unknown { statfs_type } => return Cow::Owned(format!("unknown (statfs type {statfs_type:#x})")),
    })
}

/// The verdict in capitals, as the text summary prints it; a memory-backed folder is not a disk whatever its
/// figures.
pub fn verdict(r: &ProbeReport) -> &'static str {
    match r.verdict {
        _ if r.memory_backed() => "NOT A DISK (memory-backed filesystem)",
        ProbeVerdict::Ok => "OK",
        ProbeVerdict::AboveGuidance => "ABOVE GUIDANCE",
        ProbeVerdict::TooSlowForEtcd => "TOO SLOW FOR ETCD",
    }
}

/// The note after a memory-backed filesystem's name.
pub const MEMORY_BACKED_NOTE: &str = " (memory-backed, not a disk)";

/// The assessment: what the figures mean for etcd (the JSON report's `assessment`).
pub fn assessment(r: &ProbeReport) -> String {
    let p99 = r.fdatasync_ms.p99;
    if r.memory_backed() {
        // The figures are memory's, not a disk's.
        let fs = r.filesystem.map_or(Cow::Borrowed("memory"), filesystem);
        return format!(
            "{fs} is memory-backed: fdatasync reaches no disk, so p99 {p99:.3} ms measures memory, not storage, and \
             says nothing about etcd's disk; run the probe on the folder etcd really uses (--dir of its data or WAL)"
        );
    }
    let times = p99 / GUIDANCE_MS;
    match r.verdict {
        ProbeVerdict::Ok => format!(
            "fdatasync p99 {p99:.2} ms is under the {GUIDANCE_MS} ms guidance: this disk is fast enough for etcd's WAL"
        ),
        ProbeVerdict::AboveGuidance => format!(
            "fdatasync p99 {p99:.1} ms is {times:.1}x the {GUIDANCE_MS} ms guidance: etcd runs, but load or noisy \
             neighbours will push heartbeats late; a dedicated SSD/NVMe (or a separate WAL disk) is advised"
        ),
        ProbeVerdict::TooSlowForEtcd => format!(
            "fdatasync p99 {p99:.1} ms is {times:.0}x the {GUIDANCE_MS} ms guidance and over etcd's {HEARTBEAT_MS} ms \
             heartbeat interval: expect late heartbeats, leader elections and API-server timeouts; move etcd (at \
             least its WAL, --wal-dir) to a dedicated SSD/NVMe"
        ),
    }
}
