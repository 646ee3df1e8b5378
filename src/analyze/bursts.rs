//! The one burst folder. Signals arrive as bursts (the parser's runs of one kind of line); the timeline folds a
//! subject's bursts of one class into rows, and the per-minute views (the chart's latency series, the minutes in
//! which a quorum applied slowly) bucket them. Both ways live here, with their constants in
//! [`crate::model::thresholds::bursts`] and [`crate::model::thresholds::Thresholds::timeline_fold_secs`].
//!
//! Pure; no I/O.

use chrono::Duration;

use crate::evidence::Timestamp;
use crate::model::thresholds::bursts::{BUCKET_SECS, MAX_BUCKETS};

/// The start (Unix seconds) of the bucket `t` falls in.
pub fn bucket_of(t: Timestamp) -> i64 {
    t.timestamp().div_euclid(BUCKET_SECS) * BUCKET_SECS
}

/// The buckets (their starts, Unix seconds) a burst from `first` to `last` touches, at most [`MAX_BUCKETS`].
pub fn buckets(first: Timestamp, last: Timestamp) -> impl Iterator<Item = i64> {
    let (a, b) = (first.timestamp().div_euclid(BUCKET_SECS), last.timestamp().div_euclid(BUCKET_SECS));
    (a..=b.min(a + MAX_BUCKETS)).map(|m| m * BUCKET_SECS)
}

/// One folded run: the items joined, in order, with the span they cover.
pub struct Run<T> {
    pub from: Timestamp,
    pub to: Timestamp,
    pub items: Vec<T>,
}

/// Folds items into runs: an item joins the open run of the same key when it begins at most `gap` after that
/// run's end; otherwise the open run closes and a new one opens. Items are taken in the order of their start
/// (ties keep the input order); `span` gives each item's first and last time. Runs come out in the order they
/// closed, so callers sort them.
pub fn fold<T, K: PartialEq>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
    span: impl Fn(&T) -> (Timestamp, Timestamp),
    gap: Duration,
) -> Vec<Run<T>> {
    let mut items: Vec<T> = items.into_iter().collect();
    items.sort_by_key(|i| span(i).0);
    let mut done: Vec<Run<T>> = Vec::new();
    let mut open: Vec<(K, Run<T>)> = Vec::new();
    for item in items {
        let (first, last) = span(&item);
        let k = key(&item);
        match open.iter().position(|(ok, _)| *ok == k) {
            Some(i) if first - open[i].1.to <= gap => {
                let run = &mut open[i].1;
                run.to = run.to.max(last);
                run.items.push(item);
            }
            Some(i) => {
                let (_, closed) = open.swap_remove(i);
                done.push(closed);
                open.push((k, Run { from: first, to: last, items: vec![item] }));
            }
            None => open.push((k, Run { from: first, to: last, items: vec![item] })),
        }
    }
    done.extend(open.into_iter().map(|(_, r)| r));
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_timestamp(1_790_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn bursts_of_one_key_within_the_gap_fold() {
        let items = [("a", 0, 5), ("b", 2, 3), ("a", 60, 61), ("a", 200, 200), ("b", 64, 70)];
        let runs = fold(items, |i| i.0, |i| (at(i.1), at(i.2)), Duration::seconds(60));
        let mut got: Vec<(&str, i64, i64, usize)> = runs
            .iter()
            .map(|r| {
                (r.items[0].0, r.from.timestamp() - 1_790_000_000, r.to.timestamp() - 1_790_000_000, r.items.len())
            })
            .collect();
        got.sort();
        assert_eq!(got, vec![("a", 0, 61, 2), ("a", 200, 200, 1), ("b", 2, 3, 1), ("b", 64, 70, 1)]);
    }

    #[test]
    fn buckets_are_minutes_and_capped() {
        assert_eq!(bucket_of(at(59)) % BUCKET_SECS, 0);
        assert_eq!(buckets(at(0), at(0)).count(), 1);
        assert_eq!(buckets(at(0), at(3 * 3600)).count() as i64, MAX_BUCKETS + 1);
        let b: Vec<i64> = buckets(at(10), at(130)).collect();
        assert_eq!(b.len(), 3);
        assert!(b.windows(2).all(|w| w[1] - w[0] == BUCKET_SECS));
    }
}
