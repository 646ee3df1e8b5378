//! Words for the report's timeline: one phrase per row, with the row's count printed once
//! (`40x slow WAL fdatasync, p99 3s, max 3s`).

use crate::model::{NodeConditionState, RowKind, RowLatency, TimelineRow};

use super::{times, truncate};

/// Event messages are cut to this many characters in a row.
const EVENT_MESSAGE_CHARS: usize = 90;

/// What a row records, in one phrase, its count included once.
pub fn summary(row: &TimelineRow) -> String {
    match &row.kind {
        RowKind::Signal { class } => {
            format!("{}{}{}", times(row.count), super::signal_class(*class), latency(row.latency))
        }
        RowKind::Restart { exit_code, reason, approximate, cause, confidence } => {
            let exit = exit_code.map(|e| format!(" exit {e}")).unwrap_or_default();
            let reason = reason.as_ref().map(|r| format!(" {r}")).unwrap_or_default();
            let approx = if *approximate { " (time from its last log line)" } else { "" };
            format!(
                "{}restart{exit}{reason}{approx} -> {} ({} confidence)",
                times(row.count),
                super::cause(*cause),
                confidence.word()
            )
        }
        RowKind::Event { reason, message } => {
            format!("{}event {reason}: {}", times(row.count), truncate(message, EVENT_MESSAGE_CHARS))
        }
        RowKind::NodeCondition(c) => format!("{}node condition {}", times(row.count), condition(c)),
    }
}

/// `DiskPressure=True (KubeletHasDiskPressure)`.
pub fn condition(c: &NodeConditionState) -> String {
    let reason = c.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!("{}={}{reason}", c.condition, c.status)
}

/// `, p99 1.2s, max 2.4s` over several timed lines, `, 1.2s` for one; nothing without a latency.
fn latency(l: Option<RowLatency>) -> String {
    match l {
        None => String::new(),
        Some(RowLatency { p99: Some(p99), max }) => format!(", p99 {p99}, max {max}"),
        Some(RowLatency { p99: None, max }) => format!(", {max}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Origin, SignalClass, Subject, Timestamp};
    use crate::model::units::Millis;
    use crate::model::{Cause, Confidence, Severity};

    fn row(count: u64, kind: RowKind, latency: Option<RowLatency>) -> TimelineRow {
        let at = Timestamp::from_timestamp(1_790_000_000, 0).unwrap();
        TimelineRow {
            from: at,
            to: at,
            subject: Subject::EtcdMember { name: "etcd-1".into() },
            count,
            kind,
            latency,
            severity: Severity::Disk,
            first: Origin::new("a.log", Some(1)),
            last: None,
        }
    }

    #[test]
    fn the_count_is_printed_once() {
        let wal = RowKind::Signal { class: SignalClass::SlowWalSync };
        let l = RowLatency { p99: Some(Millis(3000.0)), max: Millis(3000.0) };
        assert_eq!(summary(&row(40, wal.clone(), Some(l))), "40x slow WAL fdatasync, p99 3s, max 3s");
        let one = RowLatency { p99: None, max: Millis(1500.0) };
        assert_eq!(summary(&row(1, wal, Some(one))), "slow WAL fdatasync, 1.5s");
        let ev = RowKind::Event { reason: "BackOff".into(), message: "Back-off restarting".into() };
        assert_eq!(summary(&row(3, ev, None)), "3x event BackOff: Back-off restarting");
    }

    #[test]
    fn restarts_and_conditions() {
        let r = RowKind::Restart {
            exit_code: Some(1),
            reason: Some("Error".into()),
            approximate: true,
            cause: Cause::StorageLatency,
            confidence: Confidence::High,
        };
        let s = summary(&row(1, r, None));
        assert!(s.starts_with("restart exit 1 Error (time from its last log line) -> "), "{s}");
        assert!(s.ends_with("(high confidence)"), "{s}");
        let c = NodeConditionState { condition: "Ready".into(), status: "False".into(), reason: None };
        assert_eq!(summary(&row(1, RowKind::NodeCondition(c), None)), "node condition Ready=False");
    }
}
