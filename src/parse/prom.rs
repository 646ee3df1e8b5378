//! Prometheus text exposition (0.0.4): samples, histograms and PromQL-style quantiles that say which bucket edges
//! they lie between (buckets are coarse: "p99 0.74 s" really means "between 0.512 s and 1.024 s").
//!
//! Pure; malformed lines come back as errors with their line numbers, never dropped silently.

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: u64,
    pub message: String,
}

/// Parses a whole exposition.
pub fn parse_text(text: &str) -> (Vec<Sample>, Vec<ParseError>) {
    let mut samples = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(s) => samples.push(s),
            Err(e) => errors.push(ParseError { line: i as u64 + 1, message: e.to_string() }),
        }
    }
    (samples, errors)
}

/// What is wrong with one exposition line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum LineError {
    #[error("no value")]
    NoValue,
    #[error("bad metric name {0:?}")]
    Name(String),
    #[error("unterminated label set")]
    LabelSet,
    #[error("label {0} has no quoted value")]
    Unquoted(String),
    #[error("unterminated escape")]
    Escape,
    #[error("unterminated label value")]
    LabelValue,
    #[error("bad value {0:?}")]
    Value(String),
    #[error("bad timestamp {0:?}")]
    Timestamp(String),
}

fn parse_line(line: &str) -> Result<Sample, LineError> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace()).ok_or(LineError::NoValue)?;
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err(LineError::Name(name.to_string()));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix('{') {
        let mut chars = after.char_indices().peekable();
        let end;
        loop {
            // skip separators
            while let Some((_, c)) = chars.peek() {
                if *c == ',' || c.is_whitespace() {
                    chars.next();
                } else {
                    break;
                }
            }
            let Some(&(start, c)) = chars.peek() else { return Err(LineError::LabelSet) };
            if c == '}' {
                end = start + 1;
                break;
            }
            let mut key_end = start;
            while let Some(&(i, c)) = chars.peek() {
                if c == '=' {
                    key_end = i;
                    break;
                }
                chars.next();
            }
            let key = after[start..key_end].trim().to_string();
            chars.next(); // '='
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(LineError::Unquoted(key));
            }
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => return Err(LineError::Escape),
                    },
                    Some((_, '"')) => break,
                    Some((_, c)) => value.push(c),
                    None => return Err(LineError::LabelValue),
                }
            }
            labels.push((key, value));
        }
        rest = &after[end..];
    }
    let mut parts = rest.split_whitespace();
    let value = parts.next().ok_or(LineError::NoValue)?;
    let value = parse_value(value).ok_or_else(|| LineError::Value(value.to_string()))?;
    let timestamp_ms = match parts.next() {
        Some(t) => Some(t.parse::<i64>().map_err(|_| LineError::Timestamp(t.to_string()))?),
        None => None,
    };
    Ok(Sample { name: name.to_string(), labels, value, timestamp_ms })
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// A cumulative histogram for one label set (`le` removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub labels: Vec<(String, String)>,
    /// (upper bound, cumulative count), ascending; the last bound may be +Inf.
    pub buckets: Vec<(f64, f64)>,
    pub sum: Option<f64>,
    pub count: Option<f64>,
}

/// A quantile estimate and the bucket edges it lies between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Groups `<base>_bucket` / `_sum` / `_count` samples by label set.
pub fn histograms(samples: &[Sample], base: &str) -> Vec<Histogram> {
    let bucket = format!("{base}_bucket");
    let sum = format!("{base}_sum");
    let count = format!("{base}_count");
    let mut out: Vec<Histogram> = Vec::new();
    fn find(out: &mut Vec<Histogram>, labels: Vec<(String, String)>) -> usize {
        match out.iter().position(|h| h.labels == labels) {
            Some(i) => i,
            None => {
                out.push(Histogram { labels, buckets: Vec::new(), sum: None, count: None });
                out.len() - 1
            }
        }
    }
    for s in samples {
        let mut labels: Vec<(String, String)> = s.labels.iter().filter(|(k, _)| k != "le").cloned().collect();
        labels.sort();
        if s.name == bucket {
            let Some(le) = s.label("le").and_then(parse_value) else { continue };
            let i = find(&mut out, labels);
            out[i].buckets.push((le, s.value));
        } else if s.name == sum {
            let i = find(&mut out, labels);
            out[i].sum = Some(s.value);
        } else if s.name == count {
            let i = find(&mut out, labels);
            out[i].count = Some(s.value);
        }
    }
    for h in &mut out {
        h.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out.retain(|h| !h.buckets.is_empty());
    out
}

impl Histogram {
    fn total(&self) -> f64 {
        self.buckets.last().map_or(0.0, |b| b.1)
    }

    /// Like PromQL's `histogram_quantile`: linear interpolation inside the bucket; in the +Inf bucket, the highest
    /// finite bound.
    pub fn quantile(&self, q: f64) -> Option<Quantile> {
        let total = self.total();
        if self.buckets.is_empty() || total <= 0.0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * total;
        let i = self.buckets.iter().position(|(_, c)| *c >= rank)?;
        let (upper, count) = self.buckets[i];
        if i == 0 && upper <= 0.0 {
            // As PromQL: a lowest bucket bounded at or below zero has no lower edge (0 would lie above it).
            return Some(Quantile { value: upper, lower: upper, upper });
        }
        let (lower, below) = if i == 0 { (0.0, 0.0) } else { self.buckets[i - 1] };
        if upper.is_infinite() {
            let highest = self.buckets.iter().rev().find(|(le, _)| le.is_finite()).map_or(0.0, |b| b.0);
            return Some(Quantile { value: highest, lower: highest, upper });
        }
        let in_bucket = count - below;
        let value = if in_bucket > 0.0 { lower + (upper - lower) * (rank - below) / in_bucket } else { upper };
        Some(Quantile { value, lower, upper })
    }

    /// Sums histograms with identical bucket edges (e.g. one per member into one cluster view).
    pub fn merged(hs: &[Histogram]) -> Option<Histogram> {
        let first = hs.first()?;
        let mut out = Histogram { labels: Vec::new(), ..first.clone() };
        for h in &hs[1..] {
            if h.buckets.len() != out.buckets.len() || h.buckets.iter().zip(&out.buckets).any(|(a, b)| a.0 != b.0) {
                return None;
            }
            for (o, b) in out.buckets.iter_mut().zip(&h.buckets) {
                o.1 += b.1;
            }
            out.sum = out.sum.zip(h.sum).map(|(a, b)| a + b);
            out.count = out.count.zip(h.count).map(|(a, b)| a + b);
        }
        Some(out)
    }

    /// This scrape minus an earlier one: the observations between them. None when the edges differ or a counter
    /// went backwards (a restart).
    pub fn delta(&self, earlier: &Histogram) -> Option<Histogram> {
        if self.buckets.len() != earlier.buckets.len() {
            return None;
        }
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for (a, b) in self.buckets.iter().zip(&earlier.buckets) {
            if a.0 != b.0 || a.1 < b.1 {
                return None;
            }
            buckets.push((a.0, a.1 - b.1));
        }
        Some(Histogram {
            labels: self.labels.clone(),
            buckets,
            sum: self.sum.zip(earlier.sum).map(|(a, b)| a - b),
            count: self.count.zip(earlier.count).map(|(a, b)| a - b),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETCD: &str = r#"# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.
# TYPE etcd_disk_wal_fsync_duration_seconds histogram
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 0
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.002"} 0
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.004"} 50
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.008"} 90
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.016"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 100
etcd_disk_wal_fsync_duration_seconds_sum 0.6
etcd_disk_wal_fsync_duration_seconds_count 100
"#;

    #[test]
    fn quantiles_follow_promql_and_name_their_bucket() {
        let (samples, errors) = parse_text(ETCD);
        assert!(errors.is_empty(), "{errors:?}");
        let h = &histograms(&samples, "etcd_disk_wal_fsync_duration_seconds")[0];
        let q = h.quantile(0.99).unwrap();
        assert!((q.value - 0.0152).abs() < 1e-9, "{q:?}");
        assert_eq!((q.lower, q.upper), (0.008, 0.016));
        assert_eq!(h.count, Some(100.0));
        let p50 = h.quantile(0.5).unwrap();
        assert!((p50.value - 0.004).abs() < 1e-9, "{p50:?}");
    }

    #[test]
    fn the_inf_bucket_gives_the_highest_finite_bound() {
        let text = "x_bucket{le=\"0.5\"} 1\nx_bucket{le=\"1\"} 2\nx_bucket{le=\"+Inf\"} 10\n";
        let (s, _) = parse_text(text);
        let q = histograms(&s, "x")[0].quantile(0.99).unwrap();
        assert_eq!(q.value, 1.0);
        assert!(q.upper.is_infinite());
    }

    #[test]
    fn a_lowest_bucket_at_or_below_zero_is_its_own_bound() {
        // Found by fuzzing (fuzz/regressions/prom/): a negative `le` gave lower 0 above upper -0.048.
        let text = "x_bucket{le=\"-0.048\"} 5\nx_bucket{le=\"0.5\"} 8\nx_bucket{le=\"+Inf\"} 10\n";
        let (s, _) = parse_text(text);
        let h = &histograms(&s, "x")[0];
        for q in [0.0, 0.3, 0.5] {
            let x = h.quantile(q).unwrap();
            assert_eq!((x.value, x.lower, x.upper), (-0.048, -0.048, -0.048), "q{q}");
        }
        let x = h.quantile(0.7).unwrap();
        assert_eq!((x.lower, x.upper), (-0.048, 0.5));
        assert!(x.lower <= x.value && x.value <= x.upper, "{x:?}");
    }

    #[test]
    fn apiserver_labels_escapes_and_bad_lines() {
        let text = "etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"0.005\"} 3\n\
                    etcd_request_duration_seconds_bucket{type=\"/registry/pods\",operation=\"get\",le=\"+Inf\"} 4 1700000000000\n\
                    weird{a=\"x\\\"y\\\\z\\n\"} 1e-3\n\
                    broken{a=\"x\" 1\n\
                    novalue\n";
        let (s, e) = parse_text(text);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(s[2].label("a"), Some("x\"y\\z\n"));
        assert_eq!(s[2].value, 0.001);
        assert_eq!(e.iter().map(|e| e.line).collect::<Vec<_>>(), vec![4, 5]);
        let hs = histograms(&s, "etcd_request_duration_seconds");
        assert_eq!(hs.len(), 1, "label order does not split a histogram");
        assert_eq!(hs[0].buckets.len(), 2);
    }

    #[test]
    fn deltas_between_scrapes_and_counter_resets() {
        let (a, _) = parse_text("x_bucket{le=\"0.01\"} 10\nx_bucket{le=\"+Inf\"} 10\n");
        let (b, _) = parse_text("x_bucket{le=\"0.01\"} 10\nx_bucket{le=\"+Inf\"} 30\n");
        let (ha, hb) = (&histograms(&a, "x")[0], &histograms(&b, "x")[0]);
        let d = hb.delta(ha).unwrap();
        assert_eq!(d.buckets, vec![(0.01, 0.0), (f64::INFINITY, 20.0)]);
        assert!(ha.delta(hb).is_none(), "a counter going backwards is a restart, not a rate");
        let m = Histogram::merged(&[ha.clone(), hb.clone()]).unwrap();
        assert_eq!(m.buckets[1].1, 40.0);
    }
}
