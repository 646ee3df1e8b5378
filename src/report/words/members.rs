//! Words for the report's members: a member's assessment in one sentence.

use super::count_of;
use crate::model::MemberAssessment;

/// One sentence on what a member's evidence says
/// (`40 WAL syncs over 1s (max 3s, 300x the 10ms p99 guidance): the disk is too slow for etcd`).
pub fn assessment(a: &MemberAssessment) -> String {
    match a {
        MemberAssessment::SlowWalSyncs { count, max, logged_over, guidance } => format!(
            "{} over {logged_over} (max {max}, {:.0}x the {guidance} p99 guidance): the disk is too slow for etcd",
            count_of(*count, "WAL sync", "WAL syncs"),
            ratio(max.ms(), guidance.ms())
        ),
        MemberAssessment::SevereApplies { max, expected, wal_logged_over } => format!(
            "applies up to {max} (etcd warns at {expected}); no WAL sync over {wal_logged_over} logged, so disk and \
             CPU both remain possible"
        ),
        MemberAssessment::LateHeartbeats { count } => {
            format!(
                "{} without slow disk lines: look at CPU, pauses or the network",
                count_of(*count, "late heartbeat", "late heartbeats")
            )
        }
        MemberAssessment::PeerErrors { count } => {
            count_of(*count, "peer connectivity error", "peer connectivity errors")
        }
        MemberAssessment::BusyApplies { count, max } => {
            format!(
                "{}, max {max}: within what busy healthy clusters show",
                count_of(*count, "slow apply", "slow applies")
            )
        }
        MemberAssessment::Quiet => "no disk or consensus warnings logged".into(),
        MemberAssessment::MetricsOnly { metric, max, guidance } => {
            let against = if max > guidance { "over" } else { "within" };
            format!(
                "{metric} p99 up to {max} by metrics ({against} the {guidance} guidance); no slow operations logged"
            )
        }
    }
}

/// `value / guidance`, 0 for a guidance of 0 (thresholds may be overridden).
fn ratio(value: f64, guidance: f64) -> f64 {
    if guidance > 0.0 { value / guidance } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::units::Millis;

    #[test]
    fn slow_wal_syncs_in_one_spelling() {
        let a = MemberAssessment::SlowWalSyncs {
            count: 40,
            max: Millis(3000.0),
            logged_over: Millis(1000.0),
            guidance: Millis(10.0),
        };
        assert_eq!(
            assessment(&a),
            "40 WAL syncs over 1s (max 3s, 300x the 10ms p99 guidance): the disk is too slow for etcd"
        );
    }

    #[test]
    fn metrics_only_says_over_or_within() {
        let m = |max| MemberAssessment::MetricsOnly {
            metric: "etcd_disk_wal_fsync_duration_seconds".into(),
            max: Millis(max),
            guidance: Millis(10.0),
        };
        assert!(assessment(&m(4.0)).contains("(within the 10ms guidance)"));
        assert!(assessment(&m(40.0)).contains("(over the 10ms guidance)"));
        assert_eq!(assessment(&MemberAssessment::Quiet), "no disk or consensus warnings logged");
    }
}
