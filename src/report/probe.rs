//! `probe-disk`'s output, from the probe's typed figures ([`ProbeReport`]): the human summary and the JSON report
//! (schema `etcd-triage/probe-disk/v1`, whose `assessment` and `filesystem` are words, from
//! [`super::words::probe`]). Pure: writes into any `io::Write`.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::words::probe as words;
use crate::evidence::Timestamp;
use crate::sources::probe::{GUIDANCE_MS, HEARTBEAT_MS, Percentiles, ProbeReport, ProbeVerdict, SCHEMA};

/// The JSON report, field for field as `etcd-triage/probe-disk/v1` has it (read back by
/// `crate::sources::probe::RecordedProbe`).
#[derive(Debug, Serialize)]
pub struct ProbeJson<'a> {
    pub schema: &'static str,
    pub dir: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'a str>,
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
    /// The folder's filesystem (`ext2/3/4`, `xfs`, `tmpfs`, ...), from statfs, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<Cow<'static, str>>,
    /// Set when that filesystem keeps its data in memory (tmpfs, ramfs, ...): fdatasync reaches no disk, so the
    /// figures say nothing about storage.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub memory_backed: bool,
}

impl<'a> From<&'a ProbeReport> for ProbeJson<'a> {
    fn from(r: &'a ProbeReport) -> Self {
        ProbeJson {
            schema: SCHEMA,
            dir: &r.dir,
            host: r.host.as_deref(),
            started_at: r.started_at,
            duration_secs: r.duration_secs,
            writes: r.writes,
            bytes: r.bytes,
            block_size: r.block_size,
            iops: r.iops,
            fdatasync_ms: r.fdatasync_ms,
            write_ms: r.write_ms,
            verdict: r.verdict,
            assessment: words::assessment(r),
            filesystem: r.filesystem.map(words::filesystem),
            memory_backed: r.memory_backed(),
        }
    }
}

/// The JSON report, pretty-printed, with a final newline.
pub fn render_json(r: &ProbeReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &ProbeJson::from(r))?;
    writeln!(out)
}

/// The human summary.
pub fn render_text(r: &ProbeReport, out: &mut dyn Write) -> io::Result<()> {
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
    if let Some(fs) = r.filesystem {
        let note = if r.memory_backed() { words::MEMORY_BACKED_NOTE } else { "" };
        writeln!(out, "filesystem: {}{note}", words::filesystem(fs))?;
    }
    writeln!(out, "verdict: {}: {}", words::verdict(r), words::assessment(r))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::probe::{Filesystem, RecordedProbe, looks_like_report};

    fn report(p99: f64, filesystem: Option<Filesystem>) -> ProbeReport {
        let p = Percentiles { p50: p99 / 3.0, p90: p99 / 2.0, p99, p99_9: p99, max: p99 * 2.0, mean: p99 / 2.5 };
        ProbeReport {
            dir: "/var/lib/etcd".into(),
            host: Some("node-1".into()),
            started_at: "2026-12-02T15:13:45Z".parse().unwrap(),
            duration_secs: 12.3,
            writes: 10029,
            bytes: 10029 * 2300,
            block_size: 2300,
            iops: 812.4,
            fdatasync_ms: p,
            write_ms: p,
            verdict: crate::sources::probe::verdict(p99),
            filesystem,
        }
    }

    fn text(r: &ProbeReport) -> String {
        let mut out = Vec::new();
        render_text(r, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn json(r: &ProbeReport) -> serde_json::Value {
        let mut out = Vec::new();
        render_json(r, &mut out).unwrap();
        assert!(out.ends_with(b"}\n"));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn the_json_report_keeps_the_v1_fields_and_words() {
        let r = report(11.94, Some(Filesystem::Ext));
        let j = json(&r);
        let mut raw = Vec::new();
        render_json(&r, &mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        // The top-level keys, in the order the report writes them.
        let keys: Vec<_> =
            raw.lines().filter_map(|l| l.strip_prefix("  \"")?.split_once('"')).map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "schema",
                "dir",
                "host",
                "started_at",
                "duration_secs",
                "writes",
                "bytes",
                "block_size",
                "iops",
                "fdatasync_ms",
                "write_ms",
                "verdict",
                "assessment",
                "filesystem"
            ]
        );
        assert_eq!(j["schema"], SCHEMA);
        assert_eq!(j["verdict"], "above_guidance");
        assert_eq!(j["filesystem"], "ext2/3/4");
        assert_eq!(j["assessment"], words::assessment(&r));
        assert!(j["assessment"].as_str().unwrap().starts_with("fdatasync p99 11.9 ms is 1.2x the 10 ms guidance"));
        let unknown = json(&report(2.0, Some(Filesystem::Unknown { statfs_type: 0x1234 })));
        assert_eq!(unknown["filesystem"], "unknown (statfs type 0x1234)");
        let none = json(&ProbeReport { host: None, ..report(2.0, None) });
        assert!(none.get("filesystem").is_none() && none.get("host").is_none() && none.get("memory_backed").is_none());
        let tmpfs = json(&report(0.001, Some(Filesystem::Tmpfs)));
        assert_eq!(
            (&tmpfs["filesystem"], &tmpfs["memory_backed"], &tmpfs["verdict"]),
            (&"tmpfs".into(), &true.into(), &"ok".into())
        );
        assert!(tmpfs["assessment"].as_str().unwrap().starts_with("tmpfs is memory-backed: fdatasync reaches no disk"));
    }

    /// What `probe-disk -o json` writes, `analyze` reads back: the figures and the assessment, word for word.
    #[test]
    fn the_json_report_reads_back_as_recorded_evidence() {
        for r in [report(250.0, Some(Filesystem::Xfs)), report(0.001, Some(Filesystem::Ramfs)), report(3.0, None)] {
            let mut out = Vec::new();
            render_json(&r, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(looks_like_report(&text));
            let back: RecordedProbe = serde_json::from_str(&text).unwrap();
            assert_eq!(
                (&back.dir, &back.host, back.started_at, back.writes),
                (&r.dir, &r.host, r.started_at, r.writes)
            );
            assert_eq!((back.fdatasync_ms, back.iops, back.verdict), (r.fdatasync_ms, r.iops, r.verdict));
            assert_eq!(back.assessment, words::assessment(&r));
            assert_eq!(back.filesystem, r.filesystem.map(|fs| words::filesystem(fs).into_owned()));
            assert_eq!(back.memory_backed, r.memory_backed());
        }
    }

    #[test]
    fn the_text_summary_names_the_verdict_and_the_filesystem() {
        let slow = text(&report(250.0, Some(Filesystem::Ext)));
        assert!(slow.starts_with("etcd disk probe · /var/lib/etcd · 2026-12-02 15:13:45 UTC\n"), "{slow}");
        assert!(slow.contains("\nfilesystem: ext2/3/4\n"), "{slow}");
        assert!(
            slow.contains("\nverdict: TOO SLOW FOR ETCD: fdatasync p99 250.0 ms is 25x the 10 ms guidance"),
            "{slow}"
        );
        let ok = text(&report(2.345, None));
        assert!(!ok.contains("filesystem:") && ok.contains("\nverdict: OK: fdatasync p99 2.35 ms is under"), "{ok}");
        let shm = text(&report(0.001, Some(Filesystem::Tmpfs)));
        assert!(shm.contains("\nfilesystem: tmpfs (memory-backed, not a disk)\n"), "{shm}");
        assert!(shm.contains("\nverdict: NOT A DISK (memory-backed filesystem): tmpfs is memory-backed"), "{shm}");
    }
}
