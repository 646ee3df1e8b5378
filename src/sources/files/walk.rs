//! Walking the input paths: the files under a folder (hidden ones skipped) and opening one (gzip or plain).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::SourceError;

pub(super) fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let meta = std::fs::metadata(path).map_err(|source| SourceError::Path { path: path.to_path_buf(), source })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|source| SourceError::Path { path: path.to_path_buf(), source })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue; // hidden files and folders (.git) are never evidence
        }
        collect_files(&entry, out)?;
    }
    Ok(())
}

pub(super) fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    let file = File::open(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Ok(Box::new(file))
    }
}
