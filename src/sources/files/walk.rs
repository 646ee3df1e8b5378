//! Walking the input paths: the regular files under a folder (hidden ones skipped), each once, and opening one
//! (gzip or plain).
//!
//! Folders are walked with `symlink_metadata`, so that nothing is opened before its kind is known: a FIFO would
//! block the run, a socket or device is not evidence. A symlink is followed only when its target resolves and
//! stays inside the analysed folder (as links in a bundle are never followed out of it); everything else that is
//! not read (a dangling link, a loop, a link out of the folder, a FIFO, a socket, a device, a folder that cannot
//! be listed) is [`Refused`], naming why, and the walk goes on.

use std::collections::{HashSet, VecDeque};
use std::fs::{self, File, FileType, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::evidence::{Refusal, SpecialFile};

/// An entry the walk did not read, and why (the caller names it as the user sees it and makes it a gap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refused {
    pub path: PathBuf,
    /// A folder (that cannot be listed, or that a link loops back to), not a file.
    pub folder: bool,
    pub refusal: Refusal,
}

/// What walking one input found.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// Regular files, in walk order (sorted by name within a folder).
    pub files: Vec<PathBuf>,
    pub refused: Vec<Refused>,
}

/// What the walks of one run have reached, so that a file or folder reached twice (through a link, or named twice
/// on the command line) is read once.
#[derive(Debug, Default)]
pub(super) struct Seen {
    files: HashSet<Identity>,
    folders: HashSet<Identity>,
}

#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

/// A file's identity: device and inode (a hard link or a link to it has the same), else its canonical path.
#[cfg(unix)]
fn identity(_path: &Path, meta: &Metadata) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt as _;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &Metadata) -> Option<Identity> {
    fs::canonicalize(path).ok()
}

/// Collects the regular files at `path`: the file itself, or every file under the folder. `path` was examined by
/// the caller (it exists); when it is a link, it is followed, since it was named on purpose. Links below it are
/// followed only into the folder's own tree, and after everything else, so that a file reached both ways is named
/// by its own path (which names its pod and container), not the link's.
pub(super) fn collect_files(path: &Path, seen: &mut Seen, out: &mut Found) {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            out.refused.push(Refused {
                path: path.to_path_buf(),
                folder: false,
                refusal: Refusal::CannotExamine { error: e.to_string() },
            });
            return;
        }
    };
    if !meta.is_dir() {
        add(path, &meta, seen, out);
        return;
    }
    let root = match fs::canonicalize(path) {
        Ok(r) => r,
        Err(e) => {
            let why = Refusal::CannotResolve { error: e.to_string() };
            out.refused.push(Refused { path: path.to_path_buf(), folder: true, refusal: why });
            return;
        }
    };
    let mut links = VecDeque::new();
    if first_visit(path, &meta, seen) {
        walk_folder(path, &root, seen, out, &mut links);
    }
    // Links inside the folder: what they lead to, unless it was reached already.
    while let Some((link, meta)) = links.pop_front() {
        if !meta.is_dir() {
            add(&link, &meta, seen, out);
        } else if first_visit(&link, &meta, seen) {
            walk_folder(&link, &root, seen, out, &mut links);
        }
    }
}

/// Whether a folder is reached for the first time (named twice, or once more through a link, it is walked once).
fn first_visit(path: &Path, meta: &Metadata, seen: &mut Seen) -> bool {
    identity(path, meta).is_none_or(|id| seen.folders.insert(id))
}

/// A regular file is added once; anything else is refused unopened.
fn add(path: &Path, meta: &Metadata, seen: &mut Seen, out: &mut Found) {
    if !meta.is_file() {
        let why = Refusal::NotRegular { kind: kind_of(&meta.file_type()) };
        out.refused.push(Refused { path: path.to_path_buf(), folder: false, refusal: why });
        return;
    }
    if identity(path, meta).is_none_or(|id| seen.files.insert(id)) {
        out.files.push(path.to_path_buf());
    }
}

/// Walks `dir`'s entries in name order; links that may be followed are left in `links` for later.
fn walk_folder(dir: &Path, root: &Path, seen: &mut Seen, out: &mut Found, links: &mut VecDeque<(PathBuf, Metadata)>) {
    let listing = match fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            let why = Refusal::CannotList { error: e.to_string() };
            out.refused.push(Refused { path: dir.to_path_buf(), folder: true, refusal: why });
            return;
        }
    };
    let mut entries = Vec::new();
    for entry in listing {
        match entry {
            Ok(e) => entries.push(e.path()),
            Err(e) => out.refused.push(Refused {
                path: dir.to_path_buf(),
                folder: true,
                refusal: Refusal::EntryUnlistable { error: e.to_string() },
            }),
        }
    }
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // hidden files and folders (.git) are never evidence
        }
        let meta = match fs::symlink_metadata(&entry) {
            Ok(m) => m,
            Err(e) => {
                let why = Refusal::CannotExamine { error: e.to_string() };
                out.refused.push(Refused { path: entry, folder: false, refusal: why });
                continue;
            }
        };
        if meta.file_type().is_symlink() {
            match follow(&entry, root) {
                Ok((target, meta)) if meta.is_dir() && fs::canonicalize(dir).is_ok_and(|d| d.starts_with(&target)) => {
                    let why = Refusal::LinkToAncestor { target: link_target(&entry) };
                    out.refused.push(Refused { path: entry, folder: true, refusal: why });
                }
                Ok((_, meta)) => links.push_back((entry, meta)),
                Err(why) => out.refused.push(Refused { path: entry, folder: false, refusal: why }),
            }
        } else if meta.is_dir() {
            if first_visit(&entry, &meta, seen) {
                walk_folder(&entry, root, seen, out, links);
            }
        } else {
            add(&entry, &meta, seen, out);
        }
    }
}

/// The link's target as the link spells it (`None` when it cannot be read).
fn link_target(link: &Path) -> Option<String> {
    fs::read_link(link).ok().map(|t| t.display().to_string())
}

/// Where the link at `entry` leads (canonical) and what is there, when that resolves and is inside `root`; else
/// why not.
fn follow(entry: &Path, root: &Path) -> Result<(PathBuf, Metadata), Refusal> {
    let target = link_target(entry);
    match fs::canonicalize(entry) {
        Err(e) if is_loop(&e) => Err(Refusal::LinkLoop { target, error: e.to_string() }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Refusal::Dangling { target }),
        Err(e) => Err(Refusal::TargetUnresolvable { target, error: e.to_string() }),
        Ok(resolved) if !resolved.starts_with(root) => Err(Refusal::OutsideFolder { target }),
        Ok(resolved) => match fs::metadata(&resolved) {
            Ok(meta) => Ok((resolved, meta)),
            Err(e) => Err(Refusal::TargetUnexaminable { target, error: e.to_string() }),
        },
    }
}

#[cfg(unix)]
fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(not(unix))]
fn is_loop(_e: &io::Error) -> bool {
    false
}

/// What a file that is neither a regular file nor a folder is.
fn kind_of(ft: &FileType) -> SpecialFile {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return SpecialFile::Fifo;
        }
        if ft.is_socket() {
            return SpecialFile::Socket;
        }
        if ft.is_char_device() {
            return SpecialFile::CharDevice;
        }
        if ft.is_block_device() {
            return SpecialFile::BlockDevice;
        }
    }
    if ft.is_symlink() { SpecialFile::Symlink } else { SpecialFile::Other }
}

pub(super) fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    let file = File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Ok(Box::new(file))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn walk(path: &Path) -> Found {
        let mut found = Found::default();
        collect_files(path, &mut Seen::default(), &mut found);
        found
    }

    fn names(root: &Path, paths: impl IntoIterator<Item = PathBuf>) -> Vec<String> {
        paths.into_iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect()
    }

    fn refused<'a>(found: &'a Found, root: &Path, name: &str) -> &'a Refused {
        let path = root.join(name);
        found.refused.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("{name} not refused: {found:?}"))
    }

    #[test]
    fn links_inside_are_followed_once_and_links_out_dangling_or_looping_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.log"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("logs")).unwrap();
        std::fs::write(d.join("logs/etcd.log"), "x").unwrap();
        std::fs::write(d.join(".hidden"), "x").unwrap();
        symlink("logs/etcd.log", d.join("again.log")).unwrap(); // the same file: read once
        symlink("logs", d.join("logs-too")).unwrap(); // the same folder: walked once
        symlink(outside.path().join("secret.log"), d.join("out.log")).unwrap();
        symlink("nowhere", d.join("dangling")).unwrap();
        symlink("b", d.join("a")).unwrap();
        symlink("a", d.join("b")).unwrap();
        symlink("..", d.join("logs/up")).unwrap();
        let found = walk(d);
        // The file is named by its own path, not the link's that sorts first.
        assert_eq!(names(d, found.files.clone()), ["logs/etcd.log"], "{found:?}");
        let out = outside.path().join("secret.log").display().to_string();
        assert_eq!(refused(&found, d, "out.log").refusal, Refusal::OutsideFolder { target: Some(out) });
        assert_eq!(refused(&found, d, "dangling").refusal, Refusal::Dangling { target: Some("nowhere".into()) });
        assert!(matches!(&refused(&found, d, "a").refusal, Refusal::LinkLoop { target: Some(b), .. } if b == "b"));
        assert!(matches!(&refused(&found, d, "b").refusal, Refusal::LinkLoop { target: Some(a), .. } if a == "a"));
        let up = refused(&found, d, "logs/up");
        assert!(up.folder && up.refusal == Refusal::LinkToAncestor { target: Some("..".into()) }, "{up:?}");
        assert_eq!(found.refused.len(), 5, "{found:?}");
    }

    #[test]
    fn fifos_and_sockets_are_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let fifo = std::ffi::CString::new(d.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let _socket = std::os::unix::net::UnixListener::bind(d.join("sock")).unwrap();
        std::fs::write(d.join("etcd.log"), "x").unwrap();
        let found = walk(d);
        assert_eq!(names(d, found.files.clone()), ["etcd.log"]);
        assert_eq!(refused(&found, d, "pipe").refusal, Refusal::NotRegular { kind: SpecialFile::Fifo });
        assert_eq!(refused(&found, d, "sock").refusal, Refusal::NotRegular { kind: SpecialFile::Socket });
        // Named on the command line, a FIFO is refused too (opening it would block).
        let alone = walk(&d.join("pipe"));
        assert!(alone.files.is_empty() && alone.refused.len() == 1, "{alone:?}");
    }

    #[test]
    fn a_file_named_twice_or_inside_a_named_folder_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("etcd.log");
        std::fs::write(&f, "x").unwrap();
        let (mut seen, mut found) = (Seen::default(), Found::default());
        collect_files(dir.path(), &mut seen, &mut found);
        collect_files(&f, &mut seen, &mut found);
        collect_files(dir.path(), &mut seen, &mut found);
        assert_eq!(found.files, [f]);
        assert!(found.refused.is_empty());
    }
}
