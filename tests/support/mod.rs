//! Test support shared by the integration tests and the live-scale benchmark.
#![allow(dead_code)] // each test file uses a part

pub mod fakeapi;

/// Copies a folder tree (regular files and folders; the fixtures hold nothing else).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
