//! Placing timestamps that carry no zone or year against the surrounding evidence.

use chrono::{Datelike, NaiveDateTime, TimeZone};

use crate::evidence::Timestamp;
use crate::parse::LineTime;

use super::ReadOptions;

/// Places timestamps without a zone or year against the surrounding evidence.
pub(super) struct Placer {
    pub(super) latest_exact: Option<Timestamp>,
    pub(super) opts: ReadOptions,
}

/// How an undated time was placed, for the report's assumptions.
#[derive(Debug, Default)]
pub(super) struct Placement {
    pub(super) used_zone: bool,
    pub(super) used_year: Option<i32>,
    pub(super) year_from_fallback: bool,
}

impl Placer {
    pub(super) fn saw_exact(&mut self, t: Timestamp) {
        if self.plausible(t) && self.latest_exact.is_none_or(|l| t > l) {
            self.latest_exact = Some(t);
        }
    }

    /// Whether a dated record may give undated lines their year: not one from the future (a clock reset or a
    /// damaged line timed in year 9999 would otherwise date every yearless capnslog/klog line after it there).
    /// A day's slack covers clocks a little ahead of this machine's.
    pub(super) fn plausible(&self, t: Timestamp) -> bool {
        t <= self.opts.fallback_now + chrono::Duration::days(1)
    }

    pub(super) fn place(&self, t: &LineTime, file_ref: Option<Timestamp>, note: &mut Placement) -> Option<Timestamp> {
        match t {
            LineTime::Exact(t) => Some(*t),
            LineTime::NoZone(naive) => {
                note.used_zone = true;
                self.localise(naive)
            }
            LineTime::NoYear(naive) => {
                note.used_zone = true;
                let reference = file_ref.or(self.latest_exact).unwrap_or_else(|| {
                    note.year_from_fallback = true;
                    self.opts.fallback_now
                });
                // Pick the year that puts the line nearest to the reference (handles New Year in the window).
                let candidates = [reference.year() - 1, reference.year(), reference.year() + 1];
                let best = candidates
                    .iter()
                    .filter_map(|y| naive.with_year(*y).and_then(|n| self.localise(&n)))
                    .min_by_key(|c| (*c - reference).num_seconds().abs())?;
                note.used_year = Some(best.year());
                Some(best)
            }
        }
    }

    fn localise(&self, naive: &NaiveDateTime) -> Option<Timestamp> {
        self.opts.assume_tz.from_local_datetime(naive).earliest().map(|t| t.with_timezone(&chrono::Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Timestamp {
        s.parse().expect("an RFC 3339 time")
    }

    #[test]
    fn a_future_record_does_not_give_yearless_lines_its_year() {
        let opts = ReadOptions { assume_tz: chrono_tz::UTC, fallback_now: utc("2026-12-02T14:00:00Z") };
        let mut placer = Placer { latest_exact: None, opts };
        placer.saw_exact(utc("2026-11-25T02:20:00Z"));
        // A damaged line, or a clock reset, timed in year 9999.
        placer.saw_exact(utc("9999-11-25T02:21:00Z"));
        assert!(!placer.plausible(utc("9999-11-25T02:21:00Z")) && placer.plausible(utc("2026-12-02T20:00:00Z")));
        // A klog line (`I1125 02:21:30.123456`) carries month and day only.
        let naive = chrono::NaiveDate::from_ymd_opt(2000, 11, 25).unwrap().and_hms_opt(2, 21, 30).unwrap();
        let mut note = Placement::default();
        let placed = placer.place(&LineTime::NoYear(naive), None, &mut note);
        assert_eq!(placed, Some(utc("2026-11-25T02:21:30Z")), "placed by the real evidence, not year 9999");
        assert_eq!(note.used_year, Some(2026));
        assert!(!note.year_from_fallback);
    }
}
