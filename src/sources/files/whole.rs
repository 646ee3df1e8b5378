//! Files read whole (not line by line): metric dumps, disk pastes, `kubectl get -o json` dumps, `etcdctl -w json`
//! output and `kubectl` text.

use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::evidence::inputs::{KubectlOutput, UnhealthyComponent};
use crate::evidence::{Evidence, Gap, InputFormat, InputSummary};
use crate::evidence::{EvidenceKind, FileGap, GapEffect, GapReason, Remedy};
use crate::parse;
use crate::sources::kube_objects;

use super::placer::Placer;
use super::walk::open;

/// Metric dumps, disk pastes and iostat tables are read whole into memory, up to this many bytes: a real one is
/// kilobytes to a few MiB; anything past the cap is reported as a gap, not read.
const MAX_TEXT_BYTES: u64 = 64 << 20;

/// A (possibly gzipped) text file, at most `limit` bytes of it; true when it was cut there.
pub(super) fn read_text_limited(path: &Path, limit: u64) -> io::Result<(String, bool)> {
    let mut bytes = Vec::new();
    open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    let cut = bytes.len() as u64 > limit;
    bytes.truncate(limit as usize);
    Ok((String::from_utf8_lossy(&bytes).into_owned(), cut))
}

/// [`read_text_limited`] at [`MAX_TEXT_BYTES`], recording a gap when the file was cut.
pub(super) fn read_text(path: &Path, shown: &str, evidence: &mut Evidence) -> io::Result<String> {
    let (text, cut) = read_text_limited(path, MAX_TEXT_BYTES)?;
    if cut {
        evidence.gaps.push(Gap {
            reason: GapReason::File(FileGap::TextCut { file: shown.to_string(), cap_bytes: MAX_TEXT_BYTES }),
            missing: EvidenceKind::FileContent,
            effect: GapEffect::Truncated,
            remedy: Some(Remedy::GiveRelevantPart),
        });
    }
    Ok(text)
}

/// Puts a paste's readings and fio result into the evidence; returns the input's format, with the same figures.
pub(super) fn disk_paste_evidence(
    paste: &parse::diskpaste::DiskPaste,
    shown: &str,
    evidence: &mut Evidence,
) -> InputFormat {
    use crate::evidence::inputs::FioFigures;
    use crate::evidence::{DiskProbe, DiskReading, Origin};
    let readings: Vec<DiskReading> = paste
        .readings
        .iter()
        .map(|r| DiskReading {
            member: r.member.clone(),
            metric: r.metric.name().to_string(),
            quantile: r.quantile,
            value_ms: r.value_ms,
            bucket_ms: r.bucket_ms,
            total_ops: r.total_ops,
            slow_ops: r.slow_ops,
            origin: Origin::new(shown, Some(r.line)),
        })
        .collect();
    evidence.disk_readings.extend(readings.iter().cloned());
    if let Some(f) = &paste.fio {
        evidence.disk_probes.push(DiskProbe {
            host: None,
            dir: f.directory.clone().unwrap_or_else(|| "(fio's directory)".into()),
            at: None,
            fdatasync_p50_ms: f.sync_p50_ms,
            fdatasync_p99_ms: f.sync_p99_ms,
            fdatasync_max_ms: f.sync_max_ms,
            iops: f.iops,
            origin: Origin::new(shown, Some(f.line)),
        });
    }
    let fio = paste.fio.as_ref().map(|f| FioFigures { sync_p99_ms: f.sync_p99_ms, iops: f.iops });
    InputFormat::DiskPaste { readings, fio }
}

pub(super) fn unreadable(shown: &str, e: &io::Error) -> Gap {
    Gap {
        reason: GapReason::File(FileGap::Unreadable { file: shown.to_string(), error: e.to_string() }),
        missing: EvidenceKind::FileContent,
        effect: GapEffect::Unread,
        remedy: None,
    }
}

pub(super) fn read_kube_file(path: &Path, shown: &str, evidence: &mut Evidence, placer: &mut Placer) {
    let reader = match open(path) {
        Ok(r) => BufReader::with_capacity(256 * 1024, r),
        Err(e) => {
            evidence.gaps.push(unreadable(shown, &e));
            return;
        }
    };
    match kube_objects::read_objects(reader, shown) {
        Ok(objs) => {
            for (index, item) in &objs.bad_items {
                evidence.gaps.push(Gap {
                    reason: GapReason::File(FileGap::BadItem {
                        file: shown.to_string(),
                        index: *index,
                        item: item.clone(),
                    }),
                    missing: EvidenceKind::Objects,
                    effect: GapEffect::Unread,
                    remedy: None,
                });
            }
            let times = objs
                .events
                .iter()
                .map(|e| e.last_at)
                .chain(objs.containers.iter().filter_map(|c| c.last_termination.as_ref()?.finished_at));
            for t in times {
                placer.saw_exact(t);
            }
            let mut input = InputSummary::without_lines(shown, objs.describe(), objs.bad_items.len() as u64);
            input.matched = objs.objects - objs.bad_items.len() as u64;
            evidence.inputs.push(input);
            evidence.containers.extend(objs.containers);
            evidence.events.extend(objs.events);
            evidence.nodes.extend(objs.nodes);
        }
        Err(e) => {
            evidence.gaps.push(Gap {
                reason: GapReason::File(FileGap::InvalidObjects { file: shown.to_string(), error: e.to_string() }),
                missing: EvidenceKind::Objects,
                effect: GapEffect::Unread,
                remedy: None,
            });
            evidence.inputs.push(InputSummary::without_lines(shown, InputFormat::KubeJsonInvalid, 1));
        }
    }
}

pub(super) fn read_etcdctl(kind: parse::etcdctl::EtcdctlKind, path: &Path, shown: &str, evidence: &mut Evidence) {
    use parse::etcdctl::EtcdctlKind as K;
    let mut bytes = Vec::new();
    if let Err(e) = open(path).and_then(|mut r| r.read_to_end(&mut bytes)) {
        evidence.gaps.push(unreadable(shown, &e));
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    let r = match parse::etcdctl::read(kind, &text, shown) {
        Ok(r) => r,
        Err(e) => {
            evidence.gaps.push(Gap {
                reason: GapReason::File(FileGap::InvalidEtcdctl { file: shown.to_string(), error: e.to_string() }),
                missing: EvidenceKind::FileContent,
                effect: GapEffect::Unread,
                remedy: None,
            });
            evidence.inputs.push(InputSummary::without_lines(shown, InputFormat::EtcdctlInvalid, 1));
            return;
        }
    };
    let format = match kind {
        K::MemberList => InputFormat::EtcdctlMemberList { members: r.members.clone() },
        K::EndpointStatus => InputFormat::EtcdctlEndpointStatus { rows: r.status.clone() },
        K::EndpointHealth => InputFormat::EtcdctlEndpointHealth { rows: r.health.clone() },
        K::AlarmList => InputFormat::EtcdctlAlarmList { alarms: r.alarms.clone() },
    };
    let mut input = InputSummary::without_lines(shown, format, 0);
    input.lines = text.lines().count() as u64;
    input.matched = (r.members.len() + r.status.len() + r.health.len() + r.alarms.len()) as u64;
    evidence.inputs.push(input);
    evidence.member_ids.extend(r.members);
    evidence.etcd_status.extend(r.status);
    evidence.etcd_health.extend(r.health);
    evidence.etcd_alarms.extend(r.alarms);
}

pub(super) fn read_kubectl_text(path: &Path, shown: &str, evidence: &mut Evidence, placer: &mut Placer) {
    let mut bytes = Vec::new();
    if let Err(e) = open(path).and_then(|mut r| r.read_to_end(&mut bytes)) {
        evidence.gaps.push(unreadable(shown, &e));
        return;
    }
    let text = String::from_utf8_lossy(&bytes);
    let parsed = parse::kubectl::parse(&text);
    let (records, notes) = kube_objects::kubectl_text_records(&parsed, shown);
    for t in records.iter().filter_map(|c| c.last_termination.as_ref()?.finished_at) {
        placer.saw_exact(t);
    }
    let kinds = parsed
        .kinds
        .iter()
        .map(|k| match k {
            parse::kubectl::KubectlKind::DescribePod => KubectlOutput::DescribePod,
            parse::kubectl::KubectlKind::GetPods => KubectlOutput::GetPods,
            parse::kubectl::KubectlKind::GetEvents => KubectlOutput::GetEvents,
            parse::kubectl::KubectlKind::ComponentStatuses => KubectlOutput::ComponentStatuses,
        })
        .collect();
    let unhealthy = parsed
        .unhealthy_components
        .iter()
        .map(|(name, message)| UnhealthyComponent { name: name.clone(), message: message.clone() })
        .collect();
    let format = InputFormat::KubectlText {
        kinds,
        containers: records.len() as u64,
        restarts: records.iter().map(|c| u64::from(c.restart_count)).sum(),
        event_rows: parsed.events.len() as u64,
        unhealthy,
    };
    let mut input = InputSummary::without_lines(shown, format, 0);
    input.lines = text.lines().count() as u64;
    input.matched = (records.len() + parsed.events.len()) as u64;
    evidence.inputs.push(input);
    evidence.assumptions.extend(notes);
    evidence.containers.extend(records);
}
