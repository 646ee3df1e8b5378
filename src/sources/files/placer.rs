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
        if self.latest_exact.is_none_or(|l| t > l) {
            self.latest_exact = Some(t);
        }
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
