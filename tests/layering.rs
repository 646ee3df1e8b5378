//! The module graph points one way (ARCHITECTURE.md): sources -> evidence <- analyze -> model <- report, with
//! parse and redact pure text below the sources. A module naming one it must not is a design change, and this
//! test makes it a deliberate one. Doc comments and `#[cfg(test)]` code are not checked: tests may word a gap to
//! compare it, and a doc link says where a job lives without depending on it.

use std::path::{Path, PathBuf};

/// (modules, what none of their files may name).
const RULES: &[(&[&str], &[&str])] = &[
    (
        &["parse", "redact.rs"],
        &["crate::sources", "crate::evidence::Evidence", "crate::analyze", "crate::model", "crate::report"],
    ),
    (&["evidence.rs", "evidence"], &["crate::sources", "crate::analyze", "crate::report"]),
    (&["sources"], &["crate::analyze", "crate::report"]),
    (&["analyze"], &["crate::sources", "crate::report"]),
    (&["model"], &["crate::sources", "crate::analyze", "crate::report"]),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap_or_else(|e| panic!("listing {}: {e}", path.display())) {
            rust_files(&entry.expect("a directory entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The file's code lines outside `#[cfg(test)]` (everything from the first such attribute on is test code in
/// this crate's layout) and outside comments, numbered from 1.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l))
}

#[test]
fn modules_name_only_the_layers_beneath_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    let mut checked = 0;
    for (modules, forbidden) in RULES {
        let mut files = Vec::new();
        for m in *modules {
            let path = src.join(m);
            assert!(path.exists(), "{} is gone: update the rules", path.display());
            rust_files(&path, &mut files);
        }
        for file in files {
            checked += 1;
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            for (n, line) in code_lines(&text) {
                for f in *forbidden {
                    if line.contains(f) {
                        offences.push(format!("{}:{n} names {f}: {}", file.display(), line.trim()));
                    }
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} files checked: the walk lost its way");
    assert!(offences.is_empty(), "{} offence(s):\n{}", offences.len(), offences.join("\n"));
}

#[test]
fn the_check_sees_an_offence() {
    let text = "use crate::evidence::Gap;\nfn f() { crate::report::words::gaps::why(g); }\n// crate::report in a comment\n#[cfg(test)]\nmod tests { use crate::report; }\n";
    let named: Vec<usize> = code_lines(text).filter(|(_, l)| l.contains("crate::report")).map(|(n, _)| n).collect();
    assert_eq!(named, vec![2], "the code line, not the comment nor the test module");
}
