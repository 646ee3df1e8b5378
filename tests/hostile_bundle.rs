//! Hostile archives against the real binary (issue 11): links, devices, FIFOs and escaping paths are refused and
//! named, a gzip bomb stops at the byte cap, the entry cap holds, a bundle edited after collection is caught by its
//! manifest and lowers confidence, and nothing is left in the temporary folder afterwards.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::{Value, json};
use sha2::Digest as _;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/karmada-slow-storage")
}

/// Runs `analyze` with `$TMPDIR` pointed at `tmp`, so that what it unpacks (and leaves) can be seen.
fn analyze(tmp: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("analyze")
        .args(args)
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

fn gaps(report: &Value) -> Vec<String> {
    report["gaps"].as_array().unwrap().iter().map(|g| g.to_string()).collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A header for `name`, written raw so that the `tar` crate's own path checks do not stop a hostile name.
fn raw_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    h
}

fn etcd_log() -> Vec<u8> {
    std::fs::read(example().join("var-log-pods/kube-system_etcd-node1_d153236b-5b98-4f18-8310-a6c57b3658ad/etcd/0.log"))
        .unwrap()
}

#[test]
fn links_devices_fifos_and_escaping_paths_are_refused_and_named() {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let archive = work.path().join("hostile.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(std::fs::File::create(&archive).unwrap(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        let log = etcd_log();
        let mut h = tar::Header::new_gnu();
        h.set_size(log.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, "logs/etcd-node1.log", &log[..]).unwrap();
        for (name, kind, target) in [
            ("logs/passwd.log", tar::EntryType::Symlink, "/etc/passwd"),
            ("logs/outside", tar::EntryType::Symlink, "../../.."),
            ("logs/hard.log", tar::EntryType::Link, "/etc/passwd"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_size(0);
            h.set_cksum();
            tar.append_link(&mut h, name, target).unwrap();
        }
        for (name, kind) in [
            (&b"dev/sda"[..], tar::EntryType::Block),
            (b"dev/tty", tar::EntryType::Char),
            (b"logs/fifo.log", tar::EntryType::Fifo),
        ] {
            let h = raw_header(name, kind, 0);
            tar.append(&h, &[][..]).unwrap();
        }
        let body = b"password=leaked\n";
        for name in [&b"../escaped.log"[..], b"logs/../../escaped2.log", b"/tmp/absolute-etcd-triage.log"] {
            let h = raw_header(name, tar::EntryType::Regular, body.len() as u64);
            tar.append(&h, &body[..]).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let out = analyze(&tmp, &[archive.to_str().unwrap(), "-o", "json"]);
    let report = json(&out);
    let gaps = gaps(&report);
    for name in [
        "logs/passwd.log",
        "logs/outside",
        "logs/hard.log",
        "dev/sda",
        "dev/tty",
        "logs/fifo.log",
        "../escaped.log",
        "logs/../../escaped2.log",
        "/tmp/absolute-etcd-triage.log",
    ] {
        let gap = gaps.iter().find(|g| g.contains(&format!("archive entry {name} in")));
        let gap = gap.unwrap_or_else(|| panic!("no gap names {name}: {gaps:#?}"));
        assert!(gap.contains("confidence"), "{gap}");
    }
    assert!(gaps.iter().any(|g| g.contains("symbolic link (to /etc/passwd)")), "{gaps:#?}");
    assert!(gaps.iter().any(|g| g.contains("hard link")), "{gaps:#?}");
    assert!(gaps.iter().any(|g| g.contains("FIFO")), "{gaps:#?}");
    assert!(gaps.iter().any(|g| g.contains("block device")), "{gaps:#?}");
    // The regular file was read; nothing from the host was.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("etcd-node1.log"), "the regular entry is evidence");
    assert!(!text.contains("root:x:0:0"), "host files never reach the report");
    // Nothing landed outside the unpack folder, and the unpack folder is gone.
    assert!(!work.path().join("escaped.log").exists() && !tmp.join("escaped.log").exists());
    assert!(!work.path().join("escaped2.log").exists() && !tmp.join("escaped2.log").exists());
    assert!(!Path::new("/tmp/absolute-etcd-triage.log").exists());
    assert_eq!(names_in(&tmp), Vec::<String>::new(), "the unpacked copy is removed");
}

/// A gzip bomb: `chunk` MiB of zeros compressed once, repeated as gzip members (a valid multi-member .gz) behind
/// one tar header declaring a file of the whole size. Returns the archive's size and the declared size.
fn gzip_bomb(path: &Path, members: u64, chunk: usize) -> (u64, u64) {
    let zeros = vec![0u8; chunk];
    let compress = |data: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    };
    let member = compress(&zeros);
    let total_zeros = members * chunk as u64;
    // The file's content, then the 1024 zero bytes that end a tar archive.
    let declared = total_zeros - 1024;
    let header = raw_header(b"bomb/zeros.log", tar::EntryType::Regular, declared);
    let mut first = header.as_bytes().to_vec();
    first.extend_from_slice(&zeros);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(&compress(&first)).unwrap();
    for _ in 1..members {
        out.write_all(&member).unwrap();
    }
    out.flush().unwrap();
    (std::fs::metadata(path).unwrap().len(), declared)
}

#[test]
fn a_gzip_bomb_stops_at_the_byte_cap() {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let archive = work.path().join("bomb.tar.gz");
    // 1280 members of 8 MiB: 10 GiB of zeros in about 10 MB.
    let (size, declared) = gzip_bomb(&archive, 1280, 8 << 20);
    assert!(declared > 10_000_000_000 && size < 12_000_000, "{size} bytes holding {declared}");
    let cap: u64 = 64 << 20;
    let started = Instant::now();
    let out = analyze(&tmp, &[archive.to_str().unwrap(), "--max-unpacked-bytes", "64MiB", "-o", "json"]);
    let took = started.elapsed();
    let report = json(&out);
    let gaps = gaps(&report);
    let cut = gaps.iter().find(|g| g.contains(&format!("past its first {cap} bytes")));
    let cut = cut.unwrap_or_else(|| panic!("no cap gap: {gaps:#?}"));
    assert!(cut.contains("bomb/zeros.log") && cut.contains("--max-unpacked-bytes") && cut.contains("confidence"));
    eprintln!("gzip bomb: {size} bytes declaring {declared}; stopped at {cap} bytes in {took:?}");
    // It stopped at the cap instead of inflating 10 GiB, and left nothing behind.
    assert!(took.as_secs() < 60, "{took:?}");
    assert_eq!(names_in(&tmp), Vec::<String>::new());
    // The default cap is 2 GiB; a bad size is a usage error naming the flag.
    let bad = analyze(&tmp, &[archive.to_str().unwrap(), "--max-unpacked-bytes", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--max-unpacked-bytes"));
}

#[test]
fn the_entry_cap_holds() {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let archive = work.path().join("many.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(std::fs::File::create(&archive).unwrap(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for i in 0..500 {
            let body = format!("note {i}\n");
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, format!("notes/{i:04}.txt"), body.as_bytes()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let out = analyze(&tmp, &[archive.to_str().unwrap(), "--max-entries", "50", "-o", "json"]);
    let report = json(&out);
    let gaps = gaps(&report);
    assert!(gaps.iter().any(|g| g.contains("past its first 50 entries") && g.contains("--max-entries")), "{gaps:#?}");
    let inputs = report["inputs"].as_array().unwrap();
    assert!(inputs.len() <= 50, "{} inputs read past the cap", inputs.len());
    assert!(!inputs.is_empty());
    assert_eq!(names_in(&tmp), Vec::<String>::new());
}

/// Copies the bundled example into a bundle folder with a manifest listing every file with its SHA-256.
fn bundle_of_example(dir: &Path) -> Value {
    let mut files = Vec::new();
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(root.join(rel)).unwrap() {
            let e = e.unwrap();
            let child = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                walk(root, &child, out);
            } else {
                out.push(child);
            }
        }
    }
    let mut rels = Vec::new();
    walk(&example(), Path::new(""), &mut rels);
    rels.sort();
    for rel in rels {
        let bytes = std::fs::read(example().join(&rel)).unwrap();
        let target = dir.join(&rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, &bytes).unwrap();
        let sha: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        files.push(
            json!({"path": rel.to_string_lossy(), "request": "GET /api/v1/pods", "bytes": bytes.len(), "sha256": sha}),
        );
    }
    json!({
        "schema": "etcd-triage/bundle/v1",
        "collection": {
            "context": "lab", "server": "https://127.0.0.1:6443", "collected_at": "2026-11-25T02:55:00Z",
            "window_from": "2026-11-25T02:40:00Z", "window_to": "2026-11-25T02:55:00Z",
            "window_basis": "--since 15m before collection", "scope": "all namespaces", "discovery": [],
            "redacted": true, "tool_version": "0.1.0"
        },
        "gaps": [], "files": files, "requests": 1
    })
}

fn pack(dir: &Path, out: &Path) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(out).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("etcd-triage-bundle", dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

/// An edit made to a bundle folder and its manifest after collection.
type Change = dyn Fn(&Path, &mut Value);

#[test]
fn a_bundle_changed_after_collection_is_caught_by_its_manifest_and_lowers_confidence() {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let intact_dir = work.path().join("intact");
    let manifest = bundle_of_example(&intact_dir);
    std::fs::write(intact_dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    let intact = work.path().join("intact.tar.gz");
    pack(&intact_dir, &intact);
    let report = json(&analyze(&tmp, &[intact.to_str().unwrap(), "-o", "json"]));
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
    assert_eq!(report["verdict"]["confidence"], "high", "an intact bundle: {:#?}", gaps(&report));
    assert!(!gaps(&report).iter().any(|g| g.contains("bundle file")), "{:#?}", gaps(&report));

    // Edited (README is documentation: the evidence is unchanged), listed but missing, and added.
    let cases: [(&str, &Change, &str); 3] = [
        (
            "edited",
            &|d, _| {
                let mut f = std::fs::OpenOptions::new().append(true).open(d.join("README.md")).unwrap();
                f.write_all(b"\nedited after collection\n").unwrap();
            },
            "bundle file README.md",
        ),
        (
            "missing",
            &|_, m| {
                let files = m["files"].as_array_mut().unwrap();
                files.push(json!({"path": "logs/gone.log", "request": "GET /x", "bytes": 3, "sha256": "00"}));
            },
            "bundle file logs/gone.log",
        ),
        (
            "added",
            &|d, _| std::fs::write(d.join("README-extra.md"), "# added\n").unwrap(),
            "bundle file README-extra.md",
        ),
    ];
    for (name, change, expected) in cases {
        let dir = work.path().join(name);
        let mut manifest = bundle_of_example(&dir);
        change(&dir, &mut manifest);
        std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        let archive = work.path().join(format!("{name}.tar.gz"));
        pack(&dir, &archive);
        let report = json(&analyze(&tmp, &[archive.to_str().unwrap(), "-o", "json"]));
        let gaps = gaps(&report);
        let gap = gaps.iter().find(|g| g.contains(expected));
        let gap = gap.unwrap_or_else(|| panic!("{name}: no gap naming {expected}: {gaps:#?}"));
        assert!(gap.contains("confidence is lowered"), "{gap}");
        assert_eq!(report["verdict"]["outcome"], "storage_latency", "{name}");
        assert_eq!(report["verdict"]["confidence"], "medium", "{name}: the mismatch lowers confidence");
        // The folder form is checked the same way.
        let report = json(&analyze(&tmp, &[dir.to_str().unwrap(), "-o", "json"]));
        assert!(report["gaps"].to_string().contains(expected), "{name} as a folder");
    }
    assert_eq!(names_in(&tmp), Vec::<String>::new());
}
