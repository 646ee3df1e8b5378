//! Bundles for tickets: everything a live run collected, raw, plus `manifest.json` (tool and cluster version,
//! context, window, what was missing and why, checksums). A bundle is a folder (`collect --out-dir`) or a
//! `.tar.gz` of that folder (`collect -o`). `analyze BUNDLE` reads it with the same reader as any folder, and the
//! manifest restores the collection's window and "now", so the report equals the live run's.
//!
//! Written atomically: everything goes to a temporary name beside the target and is renamed at the end, so an
//! interrupted run leaves no half bundle.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::evidence::{Collection, Gap};

/// The manifest's file name at the bundle's root.
pub const MANIFEST: &str = "manifest.json";
/// The manifest schema; a different value is not read as a bundle.
pub const SCHEMA: &str = "etcd-triage/bundle/v1";

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub collection: Collection,
    /// What could not be collected, and why (reported again when the bundle is analysed).
    pub gaps: Vec<Gap>,
    pub files: Vec<FileEntry>,
    /// API requests made (all GET).
    pub requests: u64,
}

/// One collected file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path inside the bundle, `/`-separated.
    pub path: String,
    /// The API request it answers (`GET /api/v1/namespaces/kube-system/pods/etcd-cp1/log?...`).
    pub request: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Lines in which secrets were replaced by `[REDACTED]`.
    #[serde(default)]
    pub redacted_lines: u64,
    /// The answer was cut short (deadline, timeout, broken connection); what arrived is kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Reads `dir/manifest.json` when it is an etcd-triage bundle manifest. `Ok(None)`: not a bundle.
pub fn read_manifest(dir: &Path) -> io::Result<Option<Manifest>> {
    let path = dir.join(MANIFEST);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let value: serde_json::Value = match serde_json::from_reader(BufReader::new(file)) {
        Ok(v) => v,
        Err(_) => return Ok(None), // some other manifest.json
    };
    if value.get("schema").and_then(|s| s.as_str()) != Some(SCHEMA) {
        return Ok(None);
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
}

/// Whether `path` is a tar archive (gzip-compressed or not), by content.
pub fn is_tar_archive(path: &Path) -> bool {
    let Ok(mut file) = File::open(path) else { return false };
    let mut magic = [0u8; 2];
    if file.read_exact(&mut magic).is_err() {
        return false;
    }
    let Ok(file) = File::open(path) else { return false };
    let mut reader: Box<dyn Read> =
        if magic == [0x1f, 0x8b] { Box::new(flate2::read::GzDecoder::new(file)) } else { Box::new(file) };
    let mut header = [0u8; 512];
    if reader.read_exact(&mut header).is_err() {
        return false;
    }
    &header[257..262] == b"ustar"
}

/// Unpacks a (gzip-compressed) tar archive into `into` and returns the bundle root inside it (the folder holding
/// `manifest.json`, which may be one level down), or `into` itself when there is no manifest.
pub fn unpack(path: &Path, into: &Path) -> io::Result<PathBuf> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let gz = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let file = File::open(path)?;
    let reader: Box<dyn Read> =
        if gz { Box::new(flate2::read::GzDecoder::new(BufReader::new(file))) } else { Box::new(BufReader::new(file)) };
    // `unpack` refuses entries that would land outside `into` (`..`, absolute paths).
    tar::Archive::new(reader).unpack(into)?;
    if into.join(MANIFEST).exists() {
        return Ok(into.to_path_buf());
    }
    let mut dirs = std::fs::read_dir(into)?.filter_map(|e| e.ok()).filter(|e| e.path().is_dir());
    if let (Some(only), None) = (dirs.next(), dirs.next()) {
        if only.path().join(MANIFEST).exists() {
            return Ok(only.path());
        }
    }
    Ok(into.to_path_buf())
}

/// Writes `manifest` into `dir`.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> io::Result<()> {
    let mut out = BufWriter::new(File::create(dir.join(MANIFEST))?);
    serde_json::to_writer_pretty(&mut out, manifest)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Packs `dir` into a gzip-compressed tar at `out`, atomically: a temporary file beside `out` renamed at the end.
/// Entries are named `<top>/<relative path>` so that unpacking makes one folder.
pub fn write_tar_gz(dir: &Path, top: &str, out: &Path) -> io::Result<()> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new().prefix(".etcd-triage-").suffix(".tar.gz.partial").tempfile_in(parent)?;
    {
        let gz = flate2::write::GzEncoder::new(BufWriter::new(tmp.as_file()), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.follow_symlinks(false);
        tar.mode(tar::HeaderMode::Deterministic);
        tar.append_dir_all(top, dir)?;
        let gz = tar.into_inner()?;
        gz.finish()?.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(out).map_err(|e| e.error)?;
    Ok(())
}

/// Moves a finished staging folder to `out` (which must not exist), atomically when both are on one filesystem.
pub fn move_dir(staging: tempfile::TempDir, out: &Path) -> io::Result<()> {
    if out.exists() {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} already exists", out.display())));
    }
    let path = staging.keep();
    std::fs::rename(&path, out).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&path);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-25T02:22:36Z").unwrap().to_utc();
        Manifest {
            schema: SCHEMA.into(),
            collection: Collection {
                context: "edge".into(),
                server: "https://127.0.0.1:6443".into(),
                cluster_version: Some("v1.33.0".into()),
                collected_at: t,
                window_from: t - chrono::Duration::hours(6),
                window_to: t,
                window_basis: "--since 6h before collection".into(),
                scope: "all namespaces".into(),
                discovery: vec!["etcd: 3 pods (component=etcd in kube-system)".into()],
                redacted: true,
                tool_version: "0.1.0".into(),
            },
            gaps: vec![Gap {
                what: "events.k8s.io/v1 events".into(),
                missing: crate::evidence::EvidenceKind::Events,
                why: "403 Forbidden".into(),
                effect: crate::evidence::GapEffect::None,
                remedy: Some(crate::evidence::Remedy::grant("list", "events.k8s.io events")),
            }],
            files: vec![FileEntry {
                path: "objects/pods-0001.json".into(),
                request: "GET /api/v1/pods?limit=500".into(),
                bytes: 3,
                sha256: None,
                redacted_lines: 0,
                truncated: false,
            }],
            requests: 9,
        }
    }

    #[test]
    fn a_tar_gz_round_trips_with_its_manifest() {
        let staging = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(staging.path().join("objects")).unwrap();
        std::fs::write(staging.path().join("objects/pods-0001.json"), "{}\n").unwrap();
        write_manifest(staging.path(), &manifest()).unwrap();
        let out_dir = tempfile::tempdir().unwrap();
        let out = out_dir.path().join("incident.tar.gz");
        write_tar_gz(staging.path(), "etcd-triage-bundle", &out).unwrap();
        assert!(is_tar_archive(&out));
        // No temporary file is left beside the bundle.
        let names: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("incident.tar.gz")]);
        let into = tempfile::tempdir().unwrap();
        let root = unpack(&out, into.path()).unwrap();
        assert_eq!(root, into.path().join("etcd-triage-bundle"));
        let read = read_manifest(&root).unwrap().expect("a bundle manifest");
        assert_eq!(read.collection, manifest().collection);
        assert_eq!(read.gaps, manifest().gaps);
        assert_eq!(std::fs::read_to_string(root.join("objects/pods-0001.json")).unwrap(), "{}\n");
    }

    #[test]
    fn other_manifests_and_plain_files_are_not_bundles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), r#"{"schema":"something-else"}"#).unwrap();
        assert!(read_manifest(dir.path()).unwrap().is_none());
        std::fs::write(dir.path().join("x.log"), "hello\n").unwrap();
        assert!(!is_tar_archive(&dir.path().join("x.log")));
    }

    #[test]
    fn a_folder_bundle_is_not_moved_over_an_existing_one() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("out");
        std::fs::create_dir(&target).unwrap();
        let staging = tempfile::tempdir_in(parent.path()).unwrap();
        let err = move_dir(staging, &target).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        let fresh = parent.path().join("fresh");
        let staging = tempfile::tempdir_in(parent.path()).unwrap();
        std::fs::write(staging.path().join("a"), "x").unwrap();
        move_dir(staging, &fresh).unwrap();
        assert_eq!(std::fs::read_to_string(fresh.join("a")).unwrap(), "x");
    }

    #[test]
    fn a_manifest_written_before_gaps_were_typed_still_reads() {
        let old = r#"{"what": "events (/api/v1/events)", "why": "403 Forbidden",
            "impact": "BackOff history is unknown; confidence is lowered", "remedy": "grant list on events"}"#;
        let gap: Gap = serde_json::from_str(old).unwrap();
        assert_eq!(gap.what, "events (/api/v1/events)");
        assert_eq!(gap.effect, crate::evidence::GapEffect::LowersConfidence);
        assert_eq!(gap.missing, crate::evidence::EvidenceKind::Unspecified);
        assert_eq!(gap.remedy, None);
    }
}
