//! Words for why a gap exists: `what` is missing and `why`, from its typed reason.

use crate::evidence::{
    AnalysisGap, ArchiveGap, BadItem, BundleGap, FileGap, GapReason, MetricsGap, Refusal, RefusedEntry, SpecialFile,
};

/// What is missing (`file logs/etcd-0.log`, `3 malformed line(s) in logs/etcd-0.log`).
pub fn what(r: &GapReason) -> String {
    match r {
        GapReason::File(g) => file_what(g),
        GapReason::Archive(g) => archive_what(g),
        GapReason::Bundle(
            BundleGap::PathEscapes { file }
            | BundleGap::Missing { file }
            | BundleGap::Changed { file, .. }
            | BundleGap::Unchecked { file, .. }
            | BundleGap::Unlisted { file },
        ) => format!("bundle file {file}"),
        GapReason::Cluster(g) => super::cluster::what(g),
        GapReason::Metrics(g) => metrics_what(g),
        GapReason::Analysis(g) => analysis_what(g),
        GapReason::Recorded { what, .. } => what.clone(),
    }
}

/// Why it is missing (`could not be read: permission denied`).
pub fn why(r: &GapReason) -> String {
    match r {
        GapReason::File(g) => file_why(g),
        GapReason::Archive(g) => archive_why(g),
        GapReason::Bundle(g) => bundle_why(g),
        GapReason::Cluster(g) => super::cluster::why(g),
        GapReason::Metrics(g) => metrics_why(g),
        GapReason::Analysis(g) => analysis_why(g).into(),
        GapReason::Recorded { why, .. } => why.clone(),
    }
}

fn file_what(g: &FileGap) -> String {
    match g {
        FileGap::InputUnreadable { path, .. } => format!("input {path}"),
        FileGap::Refused { path, folder, .. } => format!("{} {path}", if *folder { "folder" } else { "file" }),
        FileGap::Unreadable { file, .. }
        | FileGap::Unrecognised { file, .. }
        | FileGap::InvalidObjects { file, .. }
        | FileGap::InvalidEtcdctl { file, .. } => format!("file {file}"),
        FileGap::TextCut { file, cap_bytes } => format!("file {file} past its first {} MiB", cap_bytes >> 20),
        FileGap::BadItem { file, index, .. } => format!("{file}#items[{index}]"),
        FileGap::MalformedLines { file, count, .. } => format!("{count} malformed line(s) in {file}"),
        FileGap::UndatedLines { file, count } => format!("{count} line(s) in {file} without a usable timestamp"),
    }
}

/// `1, 2, 3` and `, ...` when there were more than listed.
fn lines(listed: &[u64], count: u64) -> String {
    let shown: Vec<String> = listed.iter().map(u64::to_string).collect();
    format!("{}{}", shown.join(", "), if count as usize > listed.len() { ", ..." } else { "" })
}

fn file_why(g: &FileGap) -> String {
    match g {
        FileGap::InputUnreadable { error, .. } => format!("cannot be read: {error}"),
        FileGap::Refused { refusal, .. } => refusal_words(refusal),
        FileGap::Unreadable { error, .. } => format!("could not be read: {error}"),
        FileGap::Unrecognised { first_line, .. } => format!(
            "not a recognised etcd, klog, journald or container log, Kubernetes JSON or kubectl output; its first \
             line: \"{first_line}\""
        ),
        FileGap::TextCut { .. } => "larger than a metrics dump or disk paste is".into(),
        FileGap::BadItem { item, .. } => bad_item(item),
        FileGap::InvalidObjects { error, .. } => error.clone(),
        FileGap::InvalidEtcdctl { error, .. } => {
            format!("looks like etcdctl JSON output but could not be read: {error}")
        }
        FileGap::MalformedLines {
            count,
            lines: listed,
            overlong_count,
            overlong,
            joined_cap_bytes,
            cut_count,
            cut,
            line_cap_bytes,
            ..
        } => {
            let too_long = if *overlong_count == 0 {
                String::new()
            } else {
                format!(
                    "; of these, the line(s) starting at {} were split by the container runtime into partial records \
                     that join to more than {} MiB, and were not read",
                    lines(overlong, *overlong_count),
                    joined_cap_bytes >> 20
                )
            };
            let cut_short = if *cut_count == 0 {
                String::new()
            } else {
                format!(
                    "; of these, {cut_count} line(s) ({}) are longer than the {} MiB line cap and were skipped unread",
                    lines(cut, *cut_count),
                    line_cap_bytes >> 20
                )
            };
            format!(
                "lines {} look like log records but could not be parsed{too_long}{cut_short}",
                lines(listed, *count)
            )
        }
        FileGap::UndatedLines { .. } => "no timestamp on the line or its wrapper".into(),
    }
}

/// "a symlink to TARGET", the target as the link spells it.
fn link(target: &Option<String>) -> String {
    match target {
        Some(t) => format!("a symlink to {t}"),
        None => "a symlink".to_string(),
    }
}

fn refusal_words(r: &Refusal) -> String {
    match r {
        Refusal::CannotExamine { error } => format!("cannot be examined: {error}"),
        Refusal::CannotResolve { error } => format!("cannot be resolved: {error}; the files in it are not read"),
        Refusal::NotRegular { kind } => format!("{}, not a regular file; it is not opened", special_file(*kind)),
        Refusal::CannotList { error } => format!("cannot be listed: {error}; the files in it are not read"),
        Refusal::EntryUnlistable { error } => format!("an entry cannot be listed: {error}; it is not read"),
        Refusal::LinkToAncestor { target } => {
            format!("{}, a folder that contains it (a loop); it is not walked again", link(target))
        }
        Refusal::LinkLoop { target, error } => {
            format!("{}, a symlink loop ({error}); it is not followed", link(target))
        }
        Refusal::Dangling { target } => {
            format!("{}, which does not exist (a dangling symlink); it is not read", link(target))
        }
        Refusal::TargetUnresolvable { target, error } => {
            format!("{}, whose target cannot be resolved: {error}; it is not read", link(target))
        }
        Refusal::OutsideFolder { target } => format!(
            "{}, outside the analysed folder; it is not followed (only what is inside the folder is read)",
            link(target)
        ),
        Refusal::TargetUnexaminable { target, error } => {
            format!("{}, whose target cannot be examined: {error}", link(target))
        }
    }
}

fn special_file(k: SpecialFile) -> &'static str {
    match k {
        SpecialFile::Fifo => "a FIFO (named pipe)",
        SpecialFile::Socket => "a Unix socket",
        SpecialFile::CharDevice => "a character device",
        SpecialFile::BlockDevice => "a block device",
        SpecialFile::Symlink => "a symlink",
        SpecialFile::Other => "neither a file nor a folder",
    }
}

/// Why one list item was not read (`object without a kind`).
pub fn bad_item(item: &BadItem) -> String {
    match item {
        BadItem::Oversized { bytes, cap_bytes } => format!(
            "object of {bytes} bytes, over the {cap_bytes}-byte cap (etcd stores no object of that size): not read"
        ),
        BadItem::NotJson { error } => error.clone(),
        BadItem::NoKind => "object without a kind".into(),
        BadItem::Invalid { name, error } => format!("{name}: {error}"),
    }
}

fn archive_what(g: &ArchiveGap) -> String {
    match g {
        ArchiveGap::Damaged { archive, after_entries, .. } => {
            format!("archive {archive} after {after_entries} entries")
        }
        ArchiveGap::TooManyEntries { archive, max_entries } => {
            format!("archive {archive} past its first {max_entries} entries")
        }
        ArchiveGap::Refused { archive, entry, .. }
        | ArchiveGap::Escapes { archive, entry }
        | ArchiveGap::CannotUnpack { archive, entry, .. } => format!("archive entry {entry} in {archive}"),
        ArchiveGap::TooManyBytes { archive, entry, max_bytes } => {
            format!("archive {archive} past its first {max_bytes} bytes (in entry {entry})")
        }
    }
}

fn archive_why(g: &ArchiveGap) -> String {
    match g {
        ArchiveGap::Damaged { error, .. } => format!("the archive is damaged: {error}"),
        ArchiveGap::TooManyEntries { max_entries, .. } => {
            format!("more entries than --max-entries {max_entries} allows")
        }
        ArchiveGap::Refused { kind, .. } => match kind {
            RefusedEntry::Symlink { to } => {
                format!("a symbolic link (to {to}); links are neither created nor followed")
            }
            RefusedEntry::HardLink { to } => format!("a hard link (to {to}); links are neither created nor followed"),
            RefusedEntry::CharDevice => "a character device; devices are never created".into(),
            RefusedEntry::BlockDevice => "a block device; devices are never created".into(),
            RefusedEntry::Fifo => "a FIFO; FIFOs are never created".into(),
            RefusedEntry::Other { type_byte } => format!("an entry of type {type_byte:?}, not a file or folder"),
        },
        ArchiveGap::Escapes { .. } => {
            "its path is absolute or leaves the archive's folder (..); it was not unpacked".into()
        }
        ArchiveGap::CannotUnpack { error, .. } => format!("cannot be unpacked: {error}"),
        ArchiveGap::TooManyBytes { max_bytes, .. } => {
            format!("unpacking would write more than --max-unpacked-bytes {max_bytes} allows; it stopped there")
        }
    }
}

fn bundle_why(g: &BundleGap) -> String {
    match g {
        BundleGap::PathEscapes { .. } => "the manifest lists a path that is absolute or leaves the bundle (..)".into(),
        BundleGap::Missing { .. } => "listed in manifest.json but missing from the bundle".into(),
        BundleGap::Changed { sha256, bytes, listed_sha256, listed_bytes, .. } => format!(
            "its SHA-256 {sha256} ({bytes} bytes) is not the manifest's {listed_sha256} ({listed_bytes} bytes): it was \
             changed after collection"
        ),
        BundleGap::Unchecked { error, .. } => format!("its checksum cannot be checked: {error}"),
        BundleGap::Unlisted { .. } => {
            "in the bundle but not listed in manifest.json: it was added after collection".into()
        }
    }
}

fn metrics_what(g: &MetricsGap) -> String {
    match g {
        MetricsGap::PrometheusClient { base, .. } | MetricsGap::PrometheusQuery { base, .. } => {
            format!("Prometheus at {base}")
        }
        MetricsGap::NoSeries { metric } => format!("{metric} in Prometheus"),
        MetricsGap::EtcdClient { .. } => "etcd /metrics".into(),
        MetricsGap::EtcdScrape { url, .. } => format!("etcd {url}/metrics"),
    }
}

fn metrics_why(g: &MetricsGap) -> String {
    match g {
        MetricsGap::PrometheusClient { error, .. }
        | MetricsGap::EtcdClient { error }
        | MetricsGap::EtcdScrape { error, .. } => error.clone(),
        MetricsGap::PrometheusQuery { query, error, .. } => format!("{query}: {error}"),
        MetricsGap::NoSeries { .. } => "the query returned no series (etcd not scraped, or other metric names)".into(),
    }
}

fn analysis_what(g: &AnalysisGap) -> String {
    match g {
        AnalysisGap::NoEtcdLogs => "etcd member logs".into(),
        AnalysisGap::MemberLogsMissing { missing, members } => format!("logs of {missing} of {members} etcd members"),
        AnalysisGap::NoPodStatus => "pod status".into(),
        AnalysisGap::NoEvents => "Kubernetes events".into(),
        AnalysisGap::NoContainerLogs { namespace, pod, container } => {
            format!("previous logs of {namespace}/{pod}/{container}")
        }
        AnalysisGap::TimeOutliers { count, days, first, at } => format!(
            "{count} record(s) timed more than {days} days away from the rest of the evidence, first at {first} ({})",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ),
    }
}

fn analysis_why(g: &AnalysisGap) -> &'static str {
    match g {
        AnalysisGap::NoEtcdLogs => "no etcd log was among the inputs",
        AnalysisGap::MemberLogsMissing { .. } => "pods or member ids show more members than logs were given for",
        AnalysisGap::NoPodStatus => "no pod list was among the inputs",
        AnalysisGap::NoEvents => "no event list was among the inputs",
        AnalysisGap::NoContainerLogs { .. } => "no log of this container was among the inputs",
        AnalysisGap::TimeOutliers { .. } => {
            "their timestamps are far outside the evidence's own time span (a clock reset, or a damaged or forged \
             timestamp)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{ApiFailure, ApiProblem, ClusterGap, GaveUp};

    #[test]
    fn malformed_lines_list_the_first_lines_and_the_caps() {
        let r = GapReason::File(FileGap::MalformedLines {
            file: "logs/etcd-0.log".into(),
            count: 4,
            lines: vec![2, 5, 9],
            overlong_count: 1,
            overlong: vec![5],
            joined_cap_bytes: 1 << 20,
            cut_count: 2,
            cut: vec![9],
            line_cap_bytes: 1 << 20,
        });
        assert_eq!(what(&r), "4 malformed line(s) in logs/etcd-0.log");
        assert_eq!(
            why(&r),
            "lines 2, 5, 9, ... look like log records but could not be parsed; of these, the line(s) starting at 5 \
             were split by the container runtime into partial records that join to more than 1 MiB, and were not \
             read; of these, 2 line(s) (9, ...) are longer than the 1 MiB line cap and were skipped unread"
        );
    }

    #[test]
    fn refusals_and_archive_entries_say_what_they_are() {
        let r = GapReason::File(FileGap::Refused {
            path: "logs/up".into(),
            folder: true,
            refusal: Refusal::LinkToAncestor { target: None },
        });
        assert_eq!(what(&r), "folder logs/up");
        assert_eq!(why(&r), "a symlink, a folder that contains it (a loop); it is not walked again");
        let r = GapReason::Archive(ArchiveGap::Refused {
            archive: "b.tgz".into(),
            entry: "x".into(),
            kind: RefusedEntry::Other { type_byte: 'Z' },
        });
        assert_eq!(
            (what(&r), why(&r)),
            ("archive entry x in b.tgz".into(), "an entry of type 'Z', not a file or folder".into())
        );
    }

    #[test]
    fn api_failures_carry_status_message_and_why_the_run_gave_up() {
        let f = ApiFailure {
            status: Some(429),
            problem: ApiProblem::Answered { message: "slow down".into() },
            gave_up: Some(GaveUp::AfterRetries { retries: 3 }),
        };
        let r = GapReason::Cluster(ClusterGap::Version { failure: f });
        assert_eq!(why(&r), "429 Too Many Requests: slow down (still throttled after 3 retries)");
        let f = ApiFailure { status: None, problem: ApiProblem::RequestTimeout { timeout_ms: 10_000 }, gave_up: None };
        assert_eq!(super::super::api_failure(&f), "no answer within --request-timeout 10s");
    }
}
