//! Go duration strings (`time.Duration.String()`) to milliseconds.
//!
//! Pure; no I/O. etcd zap fields (`took`, `expected-duration`, `exceeded-duration`, `heartbeat-interval`), capnslog
//! messages and klog traces print durations as Go strings: `7.454439372s`, `680.988822ms`, `4.311µs`, `0s`,
//! `1m0s`, `2h3m4.5s`, `-1.5s`; new-format klog traces print integer milliseconds (`7477ms`), which is the same
//! grammar. ETCD-SIGNALS §1.2, §7.2.

/// Parses a Go duration string into milliseconds.
///
/// Accepts an optional sign, then one or more `<number><unit>` pairs with units `h`, `m`, `s`, `ms`, `us`, `µs`
/// (U+00B5, what Go prints), `μs` (U+03BC) and `ns`; numbers may have a fraction (`.5s`, `1.s`). A bare `0`
/// is accepted as Go does. Returns `None` for anything else, or when the value is not finite.
pub fn go_duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let num_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.bytes().filter(|b| *b == b'.').count() > 1 {
            return None;
        }
        rest = &rest[num_len..];
        let (shift, factor, unit_len) = unit(rest)?;
        rest = &rest[unit_len..];
        total += scaled(num, shift)? * factor;
    }
    if !total.is_finite() {
        return None;
    }
    Some(if neg { -total } else { total })
}

/// The unit at the start of `s`: the power of ten that turns it into ms, a further factor (minutes, hours) and
/// its byte length.
fn unit(s: &str) -> Option<(i32, f64, usize)> {
    // Longest first: `ms` before `m`, `ns`/`us` before a bare letter.
    const UNITS: &[(&str, i32, f64)] = &[
        ("ns", -6, 1.0),
        ("us", -3, 1.0),
        ("\u{b5}s", -3, 1.0),
        ("\u{3bc}s", -3, 1.0),
        ("ms", 0, 1.0),
        ("s", 3, 1.0),
        ("m", 3, 60.0),
        ("h", 3, 3600.0),
    ];
    UNITS.iter().find(|(u, _, _)| s.starts_with(u)).map(|(u, shift, factor)| (*shift, *factor, u.len()))
}

/// The decimal `num` (digits with at most one `.`) times 10^`shift`, computed by moving the decimal point in the
/// text so that `1.500727851s` gives exactly the f64 nearest to 1500.727851 (multiplying by 1000 would not).
fn scaled(num: &str, shift: i32) -> Option<f64> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    // Fast path (Clinger): a mantissa below 2^53 and a power of ten up to 10^22 are both exact in f64, so one
    // multiplication or division rounds correctly, giving the same value as parsing the shifted text.
    if int.len() + frac.len() <= 15 {
        let mut mantissa = 0u64;
        for c in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa * 10 + u64::from(c - b'0');
        }
        let exp = shift - frac.len() as i32;
        const POW10: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19, 1e20, 1e21, 1e22,
        ];
        let m = mantissa as f64;
        return Some(if exp >= 0 { m * POW10[exp as usize] } else { m / POW10[(-exp) as usize] });
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(shift);
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    text.parse().ok()
}

/// A duration that may be a Go string or, in pre-release zap builds (etcd PR #9761, ETCD-SIGNALS §8.2), a bare
/// number of seconds.
pub fn json_duration_ms(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::String(s) => go_duration_ms(s),
        serde_json::Value::Number(n) => n.as_f64().map(|secs| secs * 1e3).filter(|ms| ms.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimal_values() {
        // The parsed value is the f64 nearest to the printed decimal, so callers can compare with `==`.
        assert_eq!(go_duration_ms("1.500727851s"), Some(1500.727851));
        assert_eq!(go_duration_ms("2.285637356s"), Some(2285.637356));
        assert_eq!(go_duration_ms("4.311µs"), Some(0.004311));
        assert_eq!(go_duration_ms("1.s"), Some(1000.0));
        assert_eq!(go_duration_ms(".5s"), Some(500.0));
        // Slow path (more than 15 digits) agrees with the fast one.
        assert_eq!(go_duration_ms("1.5007278510000000s"), Some(1500.727851));
        assert_eq!(go_duration_ms("0.000000000000000001ns"), Some(1e-24));
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9 * b.abs().max(1.0))
    }

    #[test]
    fn seconds_with_nanosecond_fraction() {
        // `took` of ETCD-SIGNALS §1.2.
        assert!(close(go_duration_ms("7.454439372s"), 7454.439372));
        assert!(close(go_duration_ms("2.285637356s"), 2285.637356));
    }

    #[test]
    fn milliseconds_and_integer_trace_totals() {
        assert!(close(go_duration_ms("680.988822ms"), 680.988822));
        assert_eq!(go_duration_ms("7477ms"), Some(7477.0));
        assert_eq!(go_duration_ms("100ms"), Some(100.0));
    }

    #[test]
    fn micro_sign_variants_and_nanoseconds() {
        assert!(close(go_duration_ms("4.311µs"), 0.004311)); // U+00B5, what Go prints
        assert!(close(go_duration_ms("4.311\u{3bc}s"), 0.004311)); // U+03BC Greek mu
        assert!(close(go_duration_ms("4.311us"), 0.004311));
        assert!(close(go_duration_ms("233.675µs"), 0.233675));
        assert!(close(go_duration_ms("750ns"), 0.00075));
    }

    #[test]
    fn zero_compound_and_negative() {
        assert_eq!(go_duration_ms("0s"), Some(0.0));
        assert_eq!(go_duration_ms("0"), Some(0.0));
        assert_eq!(go_duration_ms("1m0s"), Some(60_000.0));
        assert_eq!(go_duration_ms("5m0s"), Some(300_000.0));
        assert!(close(go_duration_ms("2h3m4.5s"), 7_384_500.0));
        assert_eq!(go_duration_ms("-1.5s"), Some(-1500.0));
        assert_eq!(go_duration_ms("1s"), Some(1000.0));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in
            ["", "-", "s", "1", "1x", "1.2.3s", ".s", "ms", "1s2", "1 s", "abc", "1e3s", "µs", "\u{b5}", "1\u{b5}"]
        {
            assert_eq!(go_duration_ms(bad), None, "{bad:?}");
        }
        // Overflows to infinity: rejected, not returned as inf.
        assert_eq!(go_duration_ms(&format!("{}h", "9".repeat(400))), None);
        // Huge but finite values are kept.
        assert!(go_duration_ms("9223372036854775807ns").is_some());
    }

    #[test]
    fn pre_release_numeric_seconds() {
        assert!(close(json_duration_ms(&serde_json::json!(0.025771662)), 25.771662));
        assert!(close(json_duration_ms(&serde_json::json!("1.5s")), 1500.0));
        assert_eq!(json_duration_ms(&serde_json::json!(null)), None);
    }
}
