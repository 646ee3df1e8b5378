//! Replays every input kept under fuzz/regressions/<target>/ through the function its fuzz target runs
//! (`kubectl_etcd_triage::fuzzing`), on stable, so CI checks old findings without nightly or cargo-fuzz.

use std::path::Path;

#[test]
fn every_regression_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for (name, run) in kubectl_etcd_triage::fuzzing::TARGETS {
        assert!(root.join(name).is_dir(), "fuzz/regressions/{name}/ is missing");
        for entry in std::fs::read_dir(root.join(name)).unwrap().flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let data = std::fs::read(entry.path()).unwrap();
            run(&data);
        }
    }
}

#[test]
fn every_fuzz_target_has_an_entry_point() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    files.sort();
    let mut names: Vec<String> = kubectl_etcd_triage::fuzzing::TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    assert_eq!(files, names);
}
