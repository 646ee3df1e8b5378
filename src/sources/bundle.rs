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

use crate::evidence::{
    ArchiveGap, BundleGap, Collection, EvidenceKind, Gap, GapEffect, GapReason, RefusedEntry, Remedy,
};

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

/// Caps on what an archive may unpack to (`analyze --max-unpacked-bytes`, `--max-entries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of file content written in all.
    pub max_unpacked_bytes: u64,
    /// Archive entries (files, folders, links, anything) read.
    pub max_entries: u64,
}

/// `--max-unpacked-bytes`' default: 2 GiB (a real bundle is tens of MiB).
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 2 << 30;
/// `--max-entries`' default: 100,000 (a real bundle holds hundreds of files).
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;

impl Default for Limits {
    fn default() -> Self {
        Limits { max_unpacked_bytes: DEFAULT_MAX_UNPACKED_BYTES, max_entries: DEFAULT_MAX_ENTRIES }
    }
}

/// Reads a byte count: a bare number, or one with a unit (`KiB`, `MiB`, `GiB`, `TiB`, also `K`/`M`/`G`/`T`, `KB`/`MB`/`GB`
/// read as the binary units). For clap's `value_parser`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 =
        digits.parse().map_err(|_| format!("{s:?} is not a size (use e.g. 2GiB, 500MiB or a number of bytes)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => return Err(format!("{s:?}: unknown unit {other:?} (use B, KiB, MiB, GiB or TiB)")),
    };
    n.checked_mul(1u64 << shift).ok_or_else(|| format!("{s:?} is too large"))
}

/// What [`unpack`] made: the bundle root, and what it refused or cut.
#[derive(Debug)]
pub struct Unpacked {
    /// The folder holding `manifest.json` (which may be one level down), or the destination itself.
    pub root: PathBuf,
    /// Entries not unpacked (links, devices, FIFOs, paths leaving the destination) and where the caps cut.
    pub gaps: Vec<Gap>,
    /// File content bytes written.
    pub bytes: u64,
    /// Entries read.
    pub entries: u64,
}

/// Unpacks a (gzip-compressed) tar archive into `into` (a fresh, empty folder), treating it as untrusted:
/// - only regular files and folders are created; symbolic links, hard links, devices, FIFOs and other special
///   entries are never created nor followed, each becomes a gap naming it;
/// - a path that is absolute or climbs out (`..`) is refused (a gap), so nothing lands outside `into`;
/// - file modes are not kept (no set-uid, no executable bits): files are created with the process's defaults;
/// - at most `limits.max_entries` entries are read and `limits.max_unpacked_bytes` bytes written; where a cap
///   cuts, the rest of the archive is not read and a gap says so.
///
/// A damaged archive (bad header, truncated gzip) is a gap too, after what could be read. Errors only when the
/// archive cannot be opened or `into` cannot be written.
pub fn unpack(path: &Path, into: &Path, limits: &Limits) -> io::Result<Unpacked> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let gz = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let file = File::open(path)?;
    // Multi-member: `cat a.gz b.gz` is one gzip file.
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let shown = path.display().to_string();
    let mut out = Unpacked { root: into.to_path_buf(), gaps: Vec::new(), bytes: 0, entries: 0 };
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries()?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.gaps.push(Gap {
                    reason: GapReason::Archive(ArchiveGap::Damaged {
                        archive: shown.clone(),
                        after_entries: out.entries,
                        error: e.to_string(),
                    }),
                    missing: EvidenceKind::ArchiveEntries,
                    effect: GapEffect::LowersConfidence,
                    remedy: Some(Remedy::CheckArchive),
                });
                break;
            }
        };
        out.entries += 1;
        if out.entries > limits.max_entries {
            out.gaps.push(Gap {
                reason: GapReason::Archive(ArchiveGap::TooManyEntries {
                    archive: shown.clone(),
                    max_entries: limits.max_entries,
                }),
                missing: EvidenceKind::ArchiveEntries,
                effect: GapEffect::LowersConfidence,
                remedy: Some(Remedy::RaiseMaxEntries),
            });
            out.entries -= 1;
            break;
        }
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = crate::evidence::neutralise_controls(&raw_name);
        let kind = entry.header().entry_type();
        use tar::EntryType as T;
        let refused = match kind {
            T::Regular | T::Continuous | T::Directory => None,
            // Metadata the tar reader applies itself (long names, PAX headers).
            T::GNULongName | T::GNULongLink | T::XHeader | T::XGlobalHeader => continue,
            T::Symlink | T::Link => {
                let to = entry
                    .link_name_bytes()
                    .map(|l| crate::evidence::neutralise_controls(&String::from_utf8_lossy(&l)))
                    .unwrap_or_default();
                Some(if kind == T::Symlink { RefusedEntry::Symlink { to } } else { RefusedEntry::HardLink { to } })
            }
            T::Char => Some(RefusedEntry::CharDevice),
            T::Block => Some(RefusedEntry::BlockDevice),
            T::Fifo => Some(RefusedEntry::Fifo),
            other => Some(RefusedEntry::Other { type_byte: other.as_byte() as char }),
        };
        if let Some(kind) = refused {
            out.gaps.push(Gap {
                reason: GapReason::Archive(ArchiveGap::Refused { archive: shown.clone(), entry: name, kind }),
                missing: EvidenceKind::ArchiveEntries,
                effect: GapEffect::LowersConfidence,
                remedy: None,
            });
            continue;
        }
        let Some(rel) = entry.path().ok().and_then(|p| safe_relative(&p)) else {
            out.gaps.push(Gap {
                reason: GapReason::Archive(ArchiveGap::Escapes { archive: shown.clone(), entry: name }),
                missing: EvidenceKind::ArchiveEntries,
                effect: GapEffect::LowersConfidence,
                remedy: None,
            });
            continue;
        };
        if rel.as_os_str().is_empty() {
            continue;
        }
        let target = into.join(&rel);
        if kind == T::Directory {
            if let Err(e) = std::fs::create_dir_all(&target) {
                out.gaps.push(Gap {
                    reason: GapReason::Archive(ArchiveGap::CannotUnpack {
                        archive: shown.clone(),
                        entry: name.clone(),
                        error: e.to_string(),
                    }),
                    missing: EvidenceKind::ArchiveEntries,
                    effect: GapEffect::LowersConfidence,
                    remedy: None,
                });
            }
            continue;
        }
        let left = limits.max_unpacked_bytes.saturating_sub(out.bytes);
        let written = match write_entry(&mut entry, &target, left) {
            Ok(n) => n,
            Err(e) => {
                out.gaps.push(Gap {
                    reason: GapReason::Archive(ArchiveGap::CannotUnpack {
                        archive: shown.clone(),
                        entry: name.clone(),
                        error: e.to_string(),
                    }),
                    missing: EvidenceKind::ArchiveEntries,
                    effect: GapEffect::LowersConfidence,
                    remedy: None,
                });
                continue;
            }
        };
        out.bytes += written.min(left);
        if written > left {
            out.gaps.push(Gap {
                reason: GapReason::Archive(ArchiveGap::TooManyBytes {
                    archive: shown.clone(),
                    entry: name,
                    max_bytes: limits.max_unpacked_bytes,
                }),
                missing: EvidenceKind::ArchiveEntries,
                effect: GapEffect::LowersConfidence,
                remedy: Some(Remedy::RaiseMaxUnpackedBytes),
            });
            break;
        }
    }
    out.root = bundle_root(into)?;
    Ok(out)
}

/// Writes at most `left` bytes of `entry` to a new file at `target`; returns the bytes the entry had up to
/// `left + 1` (more than `left`: it was cut).
fn write_entry(entry: &mut impl Read, target: &Path, left: u64) -> io::Result<u64> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Only this function creates files below the destination, and never links, so nothing here is a link to
    // follow; a duplicate entry replaces the earlier one, as tar does.
    let mut file = BufWriter::new(File::create(target)?);
    let written = io::copy(&mut entry.take(left), &mut file)?;
    file.flush()?;
    if written < left {
        return Ok(written);
    }
    // Exactly at the cap: cut only when there is more.
    let mut one = [0u8; 1];
    let more = entry.read(&mut one)?;
    Ok(written + more as u64)
}

/// `path` made relative and kept inside its folder: `None` when it is absolute or has a `..` component.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// The folder holding `manifest.json` in an unpacked archive: `into`, or its only sub-folder.
fn bundle_root(into: &Path) -> io::Result<PathBuf> {
    if into.join(MANIFEST).exists() {
        return Ok(into.to_path_buf());
    }
    let mut dirs = std::fs::read_dir(into)?.filter_map(|e| e.ok()).filter(|e| e.file_type().is_ok_and(|t| t.is_dir()));
    if let (Some(only), None) = (dirs.next(), dirs.next())
        && only.path().join(MANIFEST).exists()
    {
        return Ok(only.path());
    }
    Ok(into.to_path_buf())
}

/// Checks a bundle folder against its manifest: each listed file must be there with the listed size and SHA-256
/// (when the manifest has one), and nothing else may be (`manifest.json` and hidden files aside). Each
/// difference is a gap that lowers confidence: what is analysed is not what was collected.
pub fn verify(root: &Path, manifest: &Manifest) -> Vec<Gap> {
    use sha2::Digest as _;
    let mut gaps = Vec::new();
    let mut listed = std::collections::BTreeSet::new();
    for f in &manifest.files {
        let shown = crate::evidence::neutralise_controls(&f.path);
        let Some(rel) = safe_relative(Path::new(&f.path)) else {
            gaps.push(Gap {
                reason: GapReason::Bundle(BundleGap::PathEscapes { file: shown }),
                missing: EvidenceKind::BundleFiles,
                effect: GapEffect::LowersConfidence,
                remedy: None,
            });
            continue;
        };
        listed.insert(rel.clone());
        let path = root.join(&rel);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => m,
            Ok(_) | Err(_) => {
                gaps.push(Gap {
                    reason: GapReason::Bundle(BundleGap::Missing { file: shown }),
                    missing: EvidenceKind::BundleFiles,
                    effect: GapEffect::LowersConfidence,
                    remedy: Some(Remedy::SendBundleAsCollected),
                });
                continue;
            }
        };
        let Some(want) = &f.sha256 else { continue };
        let got = File::open(&path).and_then(|mut file| {
            let mut hash = sha2::Sha256::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hash.update(&buf[..n]);
            }
            Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>())
        });
        match got {
            Ok(got) if got.eq_ignore_ascii_case(want) => {}
            Ok(got) => gaps.push(Gap {
                reason: GapReason::Bundle(BundleGap::Changed {
                    file: shown,
                    sha256: got,
                    bytes: meta.len(),
                    listed_sha256: want.clone(),
                    listed_bytes: f.bytes,
                }),
                missing: EvidenceKind::BundleFiles,
                effect: GapEffect::LowersConfidence,
                remedy: Some(Remedy::SendBundleAsCollected),
            }),
            Err(e) => gaps.push(Gap {
                reason: GapReason::Bundle(BundleGap::Unchecked { file: shown, error: e.to_string() }),
                missing: EvidenceKind::BundleFiles,
                effect: GapEffect::LowersConfidence,
                remedy: None,
            }),
        }
    }
    let mut found = Vec::new();
    list_files(root, Path::new(""), &mut found);
    for rel in found {
        if rel == Path::new(MANIFEST) || listed.contains(&rel) {
            continue;
        }
        gaps.push(Gap {
            reason: GapReason::Bundle(BundleGap::Unlisted {
                file: crate::evidence::neutralise_controls(&rel.to_string_lossy()),
            }),
            missing: EvidenceKind::BundleFiles,
            effect: GapEffect::LowersConfidence,
            remedy: Some(Remedy::SendBundleAsCollected),
        });
    }
    gaps
}

/// Files below `dir` (relative to the root), hidden ones skipped as the reader skips them; links are not followed.
fn list_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir.join(rel)) else { return };
    let mut entries: Vec<_> = read.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let child = rel.join(&name);
        match e.file_type() {
            Ok(t) if t.is_dir() => list_files(dir, &child, out),
            Ok(_) => out.push(child),
            Err(_) => {}
        }
    }
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
    let _guard = crate::cleanup::remove_on_signal(tmp.path());
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
    use crate::evidence::{CollectionScope, CollectionWindow, Discovery};

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
                window_basis: crate::evidence::CollectionWindow::Chosen(crate::evidence::WindowChoice::Since {
                    since: "6h".into(),
                    end: crate::evidence::WindowEnd::Collection,
                }),
                scope: crate::evidence::CollectionScope::Workloads { namespace: None },
                discovery: vec![crate::evidence::Discovery::Found {
                    role: crate::evidence::PodRole::Etcd,
                    found: vec![crate::evidence::FoundAt {
                        place: crate::evidence::Place {
                            selector: "component=etcd".into(),
                            namespace: "kube-system".into(),
                        },
                        pods: 3,
                    }],
                }],
                redacted: true,
                tool_version: "0.1.0".into(),
            },
            gaps: vec![Gap {
                reason: crate::evidence::GapReason::Recorded {
                    what: "events.k8s.io/v1 events".into(),
                    why: "403 Forbidden".into(),
                },
                missing: crate::evidence::EvidenceKind::Events,
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
        let unpacked = unpack(&out, into.path(), &Limits::default()).unwrap();
        assert!(unpacked.gaps.is_empty(), "{:?}", unpacked.gaps);
        let root = unpacked.root;
        assert_eq!(root, into.path().join("etcd-triage-bundle"));
        let read = read_manifest(&root).unwrap().expect("a bundle manifest");
        assert_eq!(read.collection, manifest().collection);
        assert_eq!(read.gaps, manifest().gaps);
        assert_eq!(std::fs::read_to_string(root.join("objects/pods-0001.json")).unwrap(), "{}\n");
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("100 MiB"), Ok(100 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn paths_that_climb_out_or_are_absolute_are_not_relative() {
        assert_eq!(safe_relative(Path::new("a/./b")), Some(PathBuf::from("a/b")));
        assert_eq!(safe_relative(Path::new("a/../../b")), None);
        assert_eq!(safe_relative(Path::new("/etc/passwd")), None);
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
        let recorded = GapReason::Recorded { what: "events (/api/v1/events)".into(), why: "403 Forbidden".into() };
        assert_eq!(gap.reason, recorded);
        assert_eq!(gap.effect, crate::evidence::GapEffect::LowersConfidence);
        assert_eq!(gap.missing, crate::evidence::EvidenceKind::Unspecified);
        assert_eq!(gap.remedy, None);
        // Written before reasons were typed, with a typed effect: `what` and `why` are kept as recorded.
        let typed_effect = serde_json::json!({"what": "archive x", "missing": "archive_entries", "why": "damaged",
            "effect": "lowers_confidence", "remedy": Remedy::CheckArchive});
        let gap: Gap = serde_json::from_value(typed_effect).unwrap();
        assert_eq!(gap.reason, GapReason::Recorded { what: "archive x".into(), why: "damaged".into() });
        assert_eq!(gap.remedy, Some(Remedy::CheckArchive));
        // A gap with neither a reason nor words says nothing: the manifest is refused, not read as an empty gap.
        assert!(serde_json::from_str::<Gap>(r#"{"missing": "events", "effect": "none"}"#).is_err());
    }

    #[test]
    fn a_manifest_written_before_the_collection_was_typed_reads_and_says_the_same() {
        // The collection as `manifest()` records it, with the words an older version stored in its place.
        let mut old = serde_json::to_value(manifest()).unwrap();
        let c = &mut old["collection"];
        c["window_basis"] = "--since 6h before collection".into();
        c["scope"] = "all namespaces".into();
        c["discovery"] = serde_json::json!(["etcd: 3 pod(s) with component=etcd in kube-system"]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&old).unwrap()).unwrap();
        let read = read_manifest(dir.path()).unwrap().expect("a bundle manifest");
        assert_eq!(read.collection.window_basis, CollectionWindow::Recorded("--since 6h before collection".into()));
        assert_eq!(read.collection.scope, CollectionScope::Recorded("all namespaces".into()));
        assert_eq!(
            read.collection.discovery,
            vec![Discovery::Recorded("etcd: 3 pod(s) with component=etcd in kube-system".into())]
        );
        let typed = manifest().collection;
        let tz = chrono_tz::UTC;
        let describe = crate::report::format::describe_collection;
        assert_eq!(describe(&read.collection, tz), describe(&typed, tz));
        let wire = |c: &Collection| serde_json::to_value(crate::report::json::wire::Collection::from(c)).unwrap();
        assert_eq!(wire(&read.collection), wire(&typed));
        // A new manifest stores the typed values, and they read back as written.
        write_manifest(dir.path(), &manifest()).unwrap();
        let stored: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(stored["collection"]["scope"], serde_json::json!({"namespace": null}));
        assert_eq!(stored["collection"]["discovery"][0]["found"][0]["pods"], 3);
        assert_eq!(read_manifest(dir.path()).unwrap().unwrap().collection, typed);
    }

    #[test]
    fn a_typed_gap_reads_back_as_written() {
        let gap = Gap {
            reason: GapReason::Bundle(BundleGap::Changed {
                file: "logs/etcd-0.log".into(),
                sha256: "ab".into(),
                bytes: 3,
                listed_sha256: "cd".into(),
                listed_bytes: 4,
            }),
            missing: EvidenceKind::BundleFiles,
            effect: GapEffect::LowersConfidence,
            remedy: Some(Remedy::SendBundleAsCollected),
        };
        let back: Gap = serde_json::from_str(&serde_json::to_string(&gap).unwrap()).unwrap();
        assert_eq!(back, gap);
    }
}
