//! Cleanup on SIGINT / SIGTERM: what the run creates outside the user's own output (the probe's file in the etcd
//! data folder, an archive's unpacked copy, `collect`'s staging folder and partial archive) is registered here
//! while it exists, and a signal removes it before the process exits with 130 (SIGINT), 143 (SIGTERM) or 129
//! (SIGHUP).
//!
//! Normal exits clean up through the owners' own `Drop` (tempfile's `TempDir` / `NamedTempFile`); a [`Guard`]
//! only keeps the path known for as long as its owner lives. [`install`] is called once by `main`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Paths to remove on a signal, by guard id.
static REGISTRY: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Keeps `path` registered for removal on a signal until dropped. Dropping it does not remove anything.
#[derive(Debug)]
#[must_use = "the path is unregistered when the guard drops"]
pub struct Guard {
    id: u64,
}

/// Registers `path` (a file or a folder, removed with everything in it) for removal should a signal end the run.
pub fn remove_on_signal(path: &Path) -> Guard {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).push((id, path.to_path_buf()));
    Guard { id }
}

impl Drop for Guard {
    fn drop(&mut self) {
        REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).retain(|(id, _)| *id != self.id);
    }
}

/// The registered paths, most recent first.
pub fn registered() -> Vec<PathBuf> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).iter().rev().map(|(_, p)| p.clone()).collect()
}

/// Removes every registered path; returns those that could not be removed, with why. Other threads may still be
/// writing into a folder meanwhile, so a folder is retried a few times.
pub fn remove_registered() -> Vec<(PathBuf, std::io::Error)> {
    remove_all(registered())
}

fn remove_all(paths: Vec<PathBuf>) -> Vec<(PathBuf, std::io::Error)> {
    let mut failed = Vec::new();
    for path in paths {
        let mut last = None;
        for _ in 0..5 {
            let result = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
                Ok(_) => std::fs::remove_file(&path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    last = None;
                    break;
                }
                Err(e) => {
                    last = Some(e);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
        }
        if let Some(e) = last {
            failed.push((path, e));
        }
    }
    failed
}

/// Exit status for a signal: 128 + its number, as shells report it.
pub const EXIT_SIGINT: i32 = 130;
pub const EXIT_SIGTERM: i32 = 143;
/// The terminal went away (an SSH session to the node dropped).
pub const EXIT_SIGHUP: i32 = 129;

/// Starts a thread that waits for SIGINT, SIGTERM and SIGHUP; on any it removes what is registered and ends the
/// process (130 / 143 / 129) without running other code. Returns once the handlers are in place. Idempotent.
pub fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<bool>();
        let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
                Ok(r) => r,
                Err(_) => {
                    let _ = ready_tx.send(false);
                    return;
                }
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term), Ok(mut hup)) =
                    (signal(SignalKind::interrupt()), signal(SignalKind::terminate()), signal(SignalKind::hangup()))
                else {
                    let _ = ready_tx.send(false);
                    return;
                };
                let _ = ready_tx.send(true);
                let code = tokio::select! {
                    _ = int.recv() => EXIT_SIGINT,
                    _ = term.recv() => EXIT_SIGTERM,
                    _ = hup.recv() => EXIT_SIGHUP,
                };
                let failed = remove_registered();
                let name = match code {
                    EXIT_SIGINT => "SIGINT",
                    EXIT_SIGHUP => "SIGHUP",
                    _ => "SIGTERM",
                };
                if failed.is_empty() {
                    eprintln!("kubectl etcd-triage: interrupted ({name}); temporary files were removed");
                } else {
                    for (path, e) in failed {
                        eprintln!("kubectl etcd-triage: {name}: could not remove {}: {e}", path.display());
                    }
                }
                // No destructors, no atexit: other threads may be mid-write; everything temporary is gone.
                // SAFETY: `_exit` ends the process at once; it has no preconditions.
                unsafe { libc::_exit(code) }
            });
        });
        if spawned.is_ok() {
            // Until the handlers are installed a signal would end the run the default way, leaving files behind.
            let _ = ready_rx.recv_timeout(std::time::Duration::from_secs(2));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_paths_are_removed_and_guards_unregister() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("staging");
        std::fs::create_dir_all(folder.join("objects")).unwrap();
        std::fs::write(folder.join("objects/a.json"), "{}").unwrap();
        let file = dir.path().join("probe");
        std::fs::write(&file, "x").unwrap();
        let kept = dir.path().join("kept");
        std::fs::write(&kept, "y").unwrap();
        let g1 = remove_on_signal(&folder);
        let g2 = remove_on_signal(&file);
        {
            let _g3 = remove_on_signal(&kept);
        }
        assert!(!registered().contains(&kept), "a dropped guard unregisters");
        // Other tests register their own paths meanwhile: remove only this test's.
        let mine: Vec<PathBuf> = registered().into_iter().filter(|p| p.starts_with(dir.path())).collect();
        assert_eq!(mine.len(), 2);
        assert!(remove_all(mine).is_empty());
        assert!(!folder.exists() && !file.exists());
        assert!(kept.exists(), "only registered paths go");
        drop((g1, g2));
        assert!(!registered().contains(&folder));
    }
}
