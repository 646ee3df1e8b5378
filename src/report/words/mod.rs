//! The words of the report, by subject. The analysis hands the renderers typed data (`crate::model`);
//! every sentence a reader sees is built here, and nothing outside `report/` builds or inspects one.

pub mod advice;
pub mod attribution;
pub mod claims;
pub mod containers;
pub mod gaps;
pub mod members;
pub mod nodes;
pub mod timeline;
pub mod verdict;

/// Cuts `s` to at most `max` characters, marking the cut with `...`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// `12x ` before a thing counted more than once; nothing for one.
pub fn times(count: u64) -> String {
    if count > 1 { format!("{count}x ") } else { String::new() }
}

/// `1 WAL sync`, `40 WAL syncs`.
pub fn count_of(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
