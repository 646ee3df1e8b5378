//! The one duration type. Every latency and span the report prints goes through [`Millis`]'s `Display`, so the
//! terminal, Markdown and HTML renderers and every cited claim spell one value one way (`3s`, never `3.0s` beside
//! it). JSON keeps the number (`#[serde(transparent)]`).
//!
//! Pure data; no I/O.

use std::fmt;

use serde::Serialize;

/// A duration or latency in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
#[serde(transparent)]
pub struct Millis(pub f64);

impl Millis {
    pub fn from_secs(secs: i64) -> Self {
        Millis(secs as f64 * 1000.0)
    }

    pub fn from_duration(d: chrono::Duration) -> Self {
        Millis(d.num_milliseconds() as f64)
    }

    pub fn ms(self) -> f64 {
        self.0
    }
}

impl From<f64> for Millis {
    fn from(ms: f64) -> Self {
        Millis(ms)
    }
}

/// Durations for humans, with 2-3 significant digits: `850ns`, `4.3µs`, `12ms`, `850ms`, `1.2s`, `59s`,
/// `2m3s`, `10m`, `1h5m`, `1d`, `2d3h`.
///
/// Values are rounded before the unit is chosen, so 999.7 ms prints `1s`, not `1000ms`. Negative values keep
/// their sign; NaN and infinities print `n/a`.
impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if !ms.is_finite() {
            return f.write_str("n/a");
        }
        if ms < 0.0 {
            return write!(f, "-{}", Millis(-ms));
        }
        if ms == 0.0 {
            return f.write_str("0ms");
        }
        // Sub-second units, smallest first: the first unit whose rounded value stays below 1000 wins.
        for (per_ms, unit) in [(1e6, "ns"), (1e3, "µs"), (1.0, "ms")] {
            let value = round_sig(ms * per_ms);
            if value < 1000.0 {
                return write!(f, "{}{unit}", Sig(value));
            }
        }
        let secs = round_sig(ms / 1000.0);
        if secs < 60.0 {
            return write!(f, "{}s", Sig(secs));
        }
        let total_secs = (ms / 1000.0).round() as u64;
        if total_secs < 3600 {
            return match total_secs % 60 {
                0 => write!(f, "{}m", total_secs / 60),
                secs => write!(f, "{}m{secs}s", total_secs / 60),
            };
        }
        let total_mins = (ms / 60_000.0).round() as u64;
        if total_mins < 24 * 60 {
            return match total_mins % 60 {
                0 => write!(f, "{}h", total_mins / 60),
                mins => write!(f, "{}h{mins}m", total_mins / 60),
            };
        }
        let total_hours = (ms / 3_600_000.0).round() as u64;
        match total_hours % 24 {
            0 => write!(f, "{}d", total_hours / 24),
            hours => write!(f, "{}d{hours}h", total_hours / 24),
        }
    }
}

/// Rounds to one decimal below 10 and to an integer from 10 on (2-3 significant digits).
fn round_sig(v: f64) -> f64 {
    let tenths = (v * 10.0).round() / 10.0;
    if tenths < 10.0 { tenths } else { v.round() }
}

/// A value from [`round_sig`] without a trailing `.0`.
struct Sig(f64);

impl fmt::Display for Sig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 { write!(f, "{:.0}", self.0) } else { write!(f, "{:.1}", self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ms: f64) -> String {
        Millis(ms).to_string()
    }

    #[test]
    fn boundaries() {
        assert_eq!(s(0.5), "500µs");
        assert_eq!(s(999.0), "999ms");
        assert_eq!(s(1000.0), "1s");
        assert_eq!(s(1500.0), "1.5s");
        assert_eq!(s(3000.0), "3s");
        assert_eq!(s(59_000.0), "59s");
        assert_eq!(s(60_000.0), "1m");
        assert_eq!(s(61_000.0), "1m1s");
        assert_eq!(s(3_600_000.0), "1h");
        assert_eq!(s(86_400_000.0), "1d");
        assert_eq!(s(86_400_000.0 + 3.0 * 3_600_000.0), "1d3h");
        assert_eq!(s(7.0 * 86_400_000.0), "7d");
    }

    #[test]
    fn picks_unit_and_two_to_three_significant_digits() {
        assert_eq!(s(0.0), "0ms");
        assert_eq!(s(0.0000005), "0.5ns");
        assert_eq!(s(0.00085), "850ns");
        assert_eq!(s(0.0043), "4.3µs");
        assert_eq!(s(1.25), "1.3ms");
        assert_eq!(s(12.34), "12ms");
        assert_eq!(s(850.3), "850ms");
        assert_eq!(s(1200.0), "1.2s");
        assert_eq!(s(42_400.0), "42s");
        assert_eq!(s(123_000.0), "2m3s");
        assert_eq!(s(3_900_000.0), "1h5m");
    }

    #[test]
    fn rounding_promotes_to_the_next_unit() {
        assert_eq!(s(999.6), "1s");
        assert_eq!(s(9.96), "10ms");
        assert_eq!(s(0.9996), "1ms");
        assert_eq!(s(59_700.0), "1m");
        assert_eq!(s(3_599_700.0), "1h");
    }

    #[test]
    fn odd_inputs_are_guarded() {
        assert_eq!(s(f64::NAN), "n/a");
        assert_eq!(s(f64::INFINITY), "n/a");
        assert_eq!(s(f64::NEG_INFINITY), "n/a");
        assert_eq!(s(-1500.0), "-1.5s");
        assert_eq!(s(-0.0), "0ms");
    }

    #[test]
    fn seconds_and_durations() {
        assert_eq!(Millis::from_secs(600).to_string(), "10m");
        assert_eq!(Millis::from_duration(chrono::Duration::seconds(90)).to_string(), "1m30s");
    }

    #[test]
    fn json_keeps_the_number() {
        assert_eq!(serde_json::to_string(&Millis(3000.0)).unwrap(), "3000.0");
    }
}
