//! Prometheus text exposition format 0.0.4 (what the API server's and etcd's `/metrics` serve): samples, histograms
//! and PromQL-style quantiles that say which bucket edges they lie between (buckets are coarse: "p99 0.74 s" really
//! means "somewhere between 0.512 s and 1.024 s").
//!
//! Pure; no I/O beyond the reader handed to [`parse_filtered`]. A malformed line comes back as a [`ParseError`]
//! with its line number beside the good samples: never a panic, never dropped silently.

use std::collections::HashMap;
use std::io::BufRead;

/// One sample line: `name{labels} value [timestamp_ms]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name, e.g. `etcd_disk_wal_fsync_duration_seconds_bucket` (colons allowed).
    pub name: String,
    /// Labels in the order written, escapes resolved.
    pub labels: Vec<(String, String)>,
    /// The value; `+Inf`, `-Inf` and `NaN` included.
    pub value: f64,
    /// The optional timestamp, milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// The value of label `key`, if present.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line number in the exposition.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// Parses a whole exposition. `# HELP` / `# TYPE` comments and blank lines are skipped.
pub fn parse_text(text: &str) -> (Vec<Sample>, Vec<ParseError>) {
    let mut samples = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        match parse_line(line, &|_: &str| true) {
            Parsed::Sample(s) => samples.push(s),
            Parsed::Error(message) => errors.push(ParseError { line: i as u64 + 1, message }),
            Parsed::Skipped => {}
        }
    }
    (samples, errors)
}

/// Streaming variant of [`parse_text`]: calls `on_sample` for each sample whose metric name passes `want(name)`.
///
/// Lines of unwanted metrics cost a name scan and are not validated further, so their errors are not reported;
/// a line without a readable metric name, or one that is not UTF-8, is always reported. I/O errors end the parse.
pub fn parse_filtered(
    mut reader: impl BufRead,
    want: impl Fn(&str) -> bool,
    mut on_sample: impl FnMut(Sample),
) -> std::io::Result<Vec<ParseError>> {
    let mut errors = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(errors);
        }
        line_no += 1;
        let parsed = match std::str::from_utf8(&buf) {
            Ok(line) => parse_line(line, &want),
            Err(e) => Parsed::Error(format!("not UTF-8 ({e})")),
        };
        match parsed {
            Parsed::Sample(s) => on_sample(s),
            Parsed::Error(message) => errors.push(ParseError { line: line_no, message }),
            Parsed::Skipped => {}
        }
    }
}

enum Parsed {
    Sample(Sample),
    /// Blank, a comment, or a metric the caller does not want.
    Skipped,
    Error(String),
}

fn parse_line(line: &str, want: &dyn Fn(&str) -> bool) -> Parsed {
    let line = line.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    if line.is_empty() || line.starts_with('#') {
        return Parsed::Skipped;
    }
    let name_len = line.bytes().position(|b| !is_name_byte(b)).unwrap_or(line.len());
    let name = &line[..name_len];
    if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
        let shown: String = line.chars().take(40).collect();
        return Parsed::Error(format!("no metric name at the start of {shown:?}"));
    }
    if !want(name) {
        return Parsed::Skipped;
    }
    match parse_rest(name, &line[name_len..]) {
        Ok(s) => Parsed::Sample(s),
        Err(message) => Parsed::Error(format!("{name}: {message}")),
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Parses what follows the metric name: `[{labels}] value [timestamp]`.
fn parse_rest(name: &str, rest: &str) -> Result<Sample, String> {
    let mut p = Cursor { s: rest, i: 0 };
    p.skip_blanks();
    let mut labels: Vec<(String, String)> = Vec::new();
    if p.eat('{') {
        loop {
            p.skip_blanks();
            if p.eat('}') {
                break;
            }
            let key = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
            if key.is_empty() || key.as_bytes()[0].is_ascii_digit() {
                return Err(format!("bad label name at {:?}", p.rest_preview()));
            }
            p.skip_blanks();
            if !p.eat('=') {
                return Err(format!("label {key} has no '='"));
            }
            p.skip_blanks();
            if !p.eat('"') {
                return Err(format!("label {key} has no quoted value"));
            }
            let value = p.label_value().ok_or_else(|| format!("label {key} has an unterminated value"))?;
            if labels.iter().any(|(k, _)| k == key) {
                return Err(format!("label {key} appears twice"));
            }
            labels.push((key.to_string(), value));
            p.skip_blanks();
            if !p.eat(',') && !p.peek_is('}') {
                return Err(format!("expected ',' or '}}' after label {key}"));
            }
        }
    }
    let had_blank = p.skip_blanks();
    let value = p.take_while(|b| b != b' ' && b != b'\t');
    if value.is_empty() {
        return Err("no value".into());
    }
    if !had_blank && labels.is_empty() {
        return Err(format!("bad metric name (stops at {:?})", p.rest_preview()));
    }
    let value = parse_value(value).ok_or_else(|| format!("bad value {value:?}"))?;
    p.skip_blanks();
    let timestamp = p.take_while(|b| b != b' ' && b != b'\t');
    let timestamp_ms = match timestamp {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| format!("bad timestamp {t:?}"))?),
    };
    p.skip_blanks();
    // OpenMetrics exemplars (`# {trace_id="…"} 0.1`) may follow; anything else is garbage.
    if !p.at_end() && !p.peek_is('#') {
        return Err(format!("unexpected {:?} after the value", p.rest_preview()));
    }
    Ok(Sample { name: name.to_string(), labels, value, timestamp_ms })
}

/// Go's `strconv.ParseFloat` spellings used by exposition writers: `+Inf`, `-Inf`, `NaN`, decimals and scientific
/// notation (Rust's parser accepts the same, case-insensitively).
fn parse_value(s: &str) -> Option<f64> {
    s.parse().ok()
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn skip_blanks(&mut self) -> bool {
        let start = self.i;
        while matches!(self.s.as_bytes().get(self.i), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i > start
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek_is(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn peek_is(&self, c: char) -> bool {
        self.s[self.i..].starts_with(c)
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    /// ASCII-only predicate, so the cut is always on a char boundary.
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.i;
        while self.s.as_bytes().get(self.i).is_some_and(|&b| b.is_ascii() && f(b)) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// A label value after its opening quote, up to and past the closing one; `\\`, `\"` and `\n` are the escapes
    /// the format defines, and any other escaped character stands for itself.
    fn label_value(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut chars = self.s[self.i..].char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    self.i += at + 1;
                    return Some(out);
                }
                '\\' => match chars.next()? {
                    (_, 'n') => out.push('\n'),
                    (_, other) => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }

    fn rest_preview(&self) -> String {
        self.s[self.i..].chars().take(30).collect()
    }
}

/// A cumulative histogram for one label set (`le` removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The series' labels without `le`, sorted by name.
    pub labels: Vec<(String, String)>,
    /// (upper bound, cumulative count), ascending by bound; the last bound is normally +Inf.
    pub buckets: Vec<(f64, f64)>,
    /// `<base>_sum`, when present.
    pub sum: Option<f64>,
    /// `<base>_count`, when present.
    pub count: Option<f64>,
}

/// A quantile estimate and the bucket edges it lies between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    /// The estimate (linear interpolation inside the bucket, as PromQL's `histogram_quantile`).
    pub value: f64,
    /// Lower edge of the bucket the quantile falls in (0 for the first bucket).
    pub lower: f64,
    /// Upper edge of that bucket (+Inf when the quantile falls in the +Inf bucket).
    pub upper: f64,
}

/// Groups `<base>_bucket` / `<base>_sum` / `<base>_count` samples into one histogram per label set (without `le`;
/// the order labels were written in does not matter). Histograms come back in the order their series first appear;
/// label sets with `_sum`/`_count` but no bucket are dropped, and so are buckets whose `le` is not a number.
pub fn histograms(samples: &[Sample], base: &str) -> Vec<Histogram> {
    enum Part {
        Bucket,
        Sum,
        Count,
    }
    let mut out: Vec<Histogram> = Vec::new();
    let mut index: HashMap<Vec<(String, String)>, usize> = HashMap::new();
    for s in samples {
        let part = match s.name.strip_prefix(base) {
            Some("_bucket") => Part::Bucket,
            Some("_sum") => Part::Sum,
            Some("_count") => Part::Count,
            _ => continue,
        };
        let le = match part {
            Part::Bucket => match s.label("le").and_then(parse_value) {
                Some(le) if !le.is_nan() => Some(le),
                _ => continue,
            },
            _ => None,
        };
        let mut labels: Vec<(String, String)> = s.labels.iter().filter(|(k, _)| k != "le").cloned().collect();
        labels.sort();
        let i = *index.entry(labels).or_insert_with_key(|labels| {
            out.push(Histogram { labels: labels.clone(), buckets: Vec::new(), sum: None, count: None });
            out.len() - 1
        });
        let h = &mut out[i];
        match (part, le) {
            (Part::Bucket, Some(le)) => h.buckets.push((le, s.value)),
            (Part::Sum, _) => h.sum = Some(s.value),
            (Part::Count, _) => h.count = Some(s.value),
            (Part::Bucket, None) => unreachable!("a bucket without `le` was skipped above"),
        }
    }
    for h in &mut out {
        h.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out.retain(|h| !h.buckets.is_empty());
    out
}

impl Histogram {
    /// The `q`-quantile (0 ≤ q ≤ 1) as PromQL's `histogram_quantile` computes it for classic histograms
    /// (prometheus/promql/quantile.go `bucketQuantile`), with the bucket edges it lies between.
    ///
    /// Same rules: buckets are sorted, the highest must be +Inf, buckets with equal bounds are merged, counts are
    /// made monotonic; the rank `q × total` falls in the first bucket whose cumulative count reaches it and is
    /// interpolated linearly from the previous bound (0 for the first bucket); in the +Inf bucket the answer is the
    /// highest finite bound (with edges that bound and +Inf); a first bucket with a bound ≤ 0 answers that bound.
    ///
    /// `None` where PromQL gives NaN or ±Inf: no observations, fewer than two buckets, no +Inf bucket, or `q`
    /// outside 0..=1 or NaN. One deliberate difference: PromQL gives NaN for q = 0 when the first bucket is empty
    /// (0/0); this gives that bucket's lower edge.
    pub fn quantile(&self, q: f64) -> Option<Quantile> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let mut buckets = self.buckets.clone();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        if buckets.last()?.0 != f64::INFINITY {
            return None;
        }
        buckets.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        correct_precision_errors(&mut buckets, 1e-12);
        ensure_monotonic(&mut buckets);
        if buckets.len() < 2 {
            return None;
        }
        let observations = buckets[buckets.len() - 1].1;
        if observations <= 0.0 || observations.is_nan() {
            return None;
        }
        let mut rank = q * observations;
        let finite = &buckets[..buckets.len() - 1];
        let b = finite.partition_point(|(_, count)| *count < rank);
        if b == finite.len() {
            let highest = finite[b - 1].0;
            return Some(Quantile { value: highest, lower: highest, upper: f64::INFINITY });
        }
        let (upper, mut count) = buckets[b];
        if b == 0 && upper <= 0.0 {
            return Some(Quantile { value: upper, lower: f64::NEG_INFINITY, upper });
        }
        let mut lower = 0.0;
        if b > 0 {
            lower = buckets[b - 1].0;
            count -= buckets[b - 1].1;
            rank -= buckets[b - 1].1;
        }
        let value = if count > 0.0 { lower + (upper - lower) * (rank / count) } else { lower };
        Some(Quantile { value, lower, upper })
    }

    /// Sums histograms with identical bucket edges (one per member or per resource into one view). The result keeps
    /// the labels all inputs share; `sum`/`count` are summed when every input has them. `None` for no input or when
    /// the edges differ.
    pub fn merged(hs: &[Histogram]) -> Option<Histogram> {
        let (first, rest) = hs.split_first()?;
        let mut out = first.clone();
        for h in rest {
            if !same_edges(&out.buckets, &h.buckets) {
                return None;
            }
            for (o, b) in out.buckets.iter_mut().zip(&h.buckets) {
                o.1 += b.1;
            }
            out.labels.retain(|l| h.labels.contains(l));
            out.sum = out.sum.zip(h.sum).map(|(a, b)| a + b);
            out.count = out.count.zip(h.count).map(|(a, b)| a + b);
        }
        Some(out)
    }

    /// This scrape minus an earlier one: the observations made between them (what `rate` / `increase` see).
    /// `None` when the edges differ or any counter went backwards (a restart reset them).
    pub fn delta(&self, earlier: &Histogram) -> Option<Histogram> {
        if !same_edges(&self.buckets, &earlier.buckets) {
            return None;
        }
        let buckets: Vec<(f64, f64)> = self.buckets.iter().zip(&earlier.buckets).map(|(a, b)| (a.0, a.1 - b.1)).collect();
        let count = self.count.zip(earlier.count).map(|(a, b)| a - b);
        let sum = self.sum.zip(earlier.sum).map(|(a, b)| a - b);
        let reset = buckets.iter().any(|b| b.1 < 0.0) || [count, sum].iter().flatten().any(|v| *v < 0.0);
        if reset {
            return None;
        }
        Some(Histogram { labels: self.labels.clone(), buckets, sum, count })
    }
}

fn same_edges(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.0 == y.0)
}

/// Float noise from `rate()` sums can make a higher bucket a hair smaller than a lower one; such deltas (relative
/// size ≤ `tolerance`) are flattened, as Prometheus' `correctPrecisionErrors` does.
fn correct_precision_errors(buckets: &mut [(f64, f64)], tolerance: f64) {
    let Some(mut prev) = buckets.first().map(|b| b.1) else { return };
    for b in &mut buckets[1..] {
        let delta = (b.1 - prev).abs();
        if delta == 0.0 {
            continue;
        }
        if delta / b.1 <= tolerance {
            b.1 = prev;
        } else {
            prev = b.1;
        }
    }
}

/// Cumulative counts never decrease; where data says otherwise, take the running maximum (Prometheus'
/// `ensureMonotonic`).
fn ensure_monotonic(buckets: &mut [(f64, f64)]) {
    let mut max = f64::NEG_INFINITY;
    for b in buckets {
        if b.1 > max {
            max = b.1;
        } else {
            b.1 = max;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fragment of etcd 3.5's `/metrics`.
    const ETCD: &str = "\
# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.
# TYPE etcd_disk_wal_fsync_duration_seconds histogram
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 0
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 0
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 50
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.008\"} 90
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.016\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.032\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.064\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.128\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.256\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.512\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"1.024\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"2.048\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"4.096\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 100
etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 100
etcd_disk_wal_fsync_duration_seconds_sum 0.6
etcd_disk_wal_fsync_duration_seconds_count 100
# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.
# TYPE etcd_server_has_leader gauge
etcd_server_has_leader 1
# HELP etcd_server_leader_changes_seen_total The number of leader changes seen.
# TYPE etcd_server_leader_changes_seen_total counter
etcd_server_leader_changes_seen_total 3
";

    /// A fragment of kube-apiserver's `/metrics` (label order as the apiserver writes it, then shuffled).
    const APISERVER: &str = "\
# HELP etcd_request_duration_seconds [ALPHA] Etcd request latency in seconds for each operation and object type.
# TYPE etcd_request_duration_seconds histogram
etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"0.005\"} 10
etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"0.025\"} 60
etcd_request_duration_seconds_bucket{operation=\"get\",type=\"/registry/pods\",le=\"0.1\"} 95
etcd_request_duration_seconds_bucket{le=\"+Inf\",type=\"/registry/pods\",operation=\"get\"} 100
etcd_request_duration_seconds_sum{operation=\"get\",type=\"/registry/pods\"} 2.5
etcd_request_duration_seconds_count{operation=\"get\",type=\"/registry/pods\"} 100
etcd_request_duration_seconds_bucket{operation=\"list\",type=\"/registry/pods\",le=\"0.005\"} 0
etcd_request_duration_seconds_bucket{operation=\"list\",type=\"/registry/pods\",le=\"0.025\"} 0
etcd_request_duration_seconds_bucket{operation=\"list\",type=\"/registry/pods\",le=\"0.1\"} 4
etcd_request_duration_seconds_bucket{operation=\"list\",type=\"/registry/pods\",le=\"+Inf\"} 4
etcd_request_duration_seconds_sum{operation=\"list\",type=\"/registry/pods\"} 0.2
etcd_request_duration_seconds_count{operation=\"list\",type=\"/registry/pods\"} 4
apiserver_storage_objects{resource=\"pods\"} 42
";

    fn hist(pairs: &[(f64, f64)]) -> Histogram {
        Histogram { labels: Vec::new(), buckets: pairs.to_vec(), sum: None, count: None }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn etcd_wal_fsync_histogram_and_its_quantiles() {
        let (samples, errors) = parse_text(ETCD);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(samples.len(), 19);
        let hs = histograms(&samples, "etcd_disk_wal_fsync_duration_seconds");
        assert_eq!(hs.len(), 1);
        let h = &hs[0];
        assert!(h.labels.is_empty());
        assert_eq!(h.buckets.len(), 15);
        assert_eq!(h.buckets[0], (0.001, 0.0));
        assert_eq!(h.buckets[14], (f64::INFINITY, 100.0));
        assert_eq!((h.sum, h.count), (Some(0.6), Some(100.0)));
        // rank 99 lies in (0.008, 0.016] holding 90..100: 0.008 + 0.008 × (99 − 90) / (100 − 90).
        let p99 = h.quantile(0.99).unwrap();
        assert!(close(p99.value, 0.0152), "{p99:?}");
        assert_eq!((p99.lower, p99.upper), (0.008, 0.016));
        // rank 50 is reached exactly at the 0.004 bound: 0.002 + 0.002 × 50 / 50.
        let p50 = h.quantile(0.5).unwrap();
        assert!(close(p50.value, 0.004), "{p50:?}");
        assert_eq!((p50.lower, p50.upper), (0.002, 0.004));
        // rank 10 in (0.002, 0.004]: 0.002 + 0.002 × 10 / 50.
        assert!(close(h.quantile(0.1).unwrap().value, 0.0024));
        // q = 1: rank 100 is first reached at 0.016.
        assert!(close(h.quantile(1.0).unwrap().value, 0.016));
        assert!(histograms(&samples, "etcd_server_has_leader").is_empty(), "a gauge is no histogram");
    }

    #[test]
    fn apiserver_etcd_request_histograms_per_operation_and_type() {
        let (samples, errors) = parse_text(APISERVER);
        assert!(errors.is_empty(), "{errors:?}");
        let hs = histograms(&samples, "etcd_request_duration_seconds");
        assert_eq!(hs.len(), 2, "label order does not split a histogram");
        let get = &hs[0];
        assert_eq!(get.labels, vec![("operation".into(), "get".into()), ("type".into(), "/registry/pods".into())]);
        assert_eq!(get.buckets, vec![(0.005, 10.0), (0.025, 60.0), (0.1, 95.0), (f64::INFINITY, 100.0)]);
        assert_eq!(get.count, Some(100.0));
        // rank 90 in (0.025, 0.1] holding 60..95: 0.025 + 0.075 × 30 / 35.
        let p90 = get.quantile(0.9).unwrap();
        assert!(close(p90.value, 0.025 + 0.075 * 30.0 / 35.0), "{p90:?}");
        // rank 5 in the first bucket, interpolated from 0: 0.005 × 5 / 10.
        let p05 = get.quantile(0.05).unwrap();
        assert_eq!((p05.value, p05.lower, p05.upper), (0.0025, 0.0, 0.005));
        assert_eq!(hs[1].label_value("operation"), Some("list"));
        let all = Histogram::merged(&hs).unwrap();
        assert_eq!(all.buckets, vec![(0.005, 10.0), (0.025, 60.0), (0.1, 99.0), (f64::INFINITY, 104.0)]);
        assert_eq!(all.labels, vec![("type".into(), "/registry/pods".into())], "only shared labels survive");
        assert_eq!((all.sum, all.count), (Some(2.7), Some(104.0)));
    }

    #[test]
    fn the_inf_bucket_answers_the_highest_finite_bound() {
        let h = hist(&[(0.5, 1.0), (1.0, 2.0), (f64::INFINITY, 10.0)]);
        let q = h.quantile(0.99).unwrap();
        assert_eq!((q.value, q.lower, q.upper), (1.0, 1.0, f64::INFINITY));
        // Exactly at the last finite bucket's count: still interpolated inside it (rank 2 of 10 at q = 0.2).
        let q = h.quantile(0.2).unwrap();
        assert_eq!((q.value, q.lower, q.upper), (1.0, 0.5, 1.0));
    }

    #[test]
    fn quantile_edge_cases_follow_promql() {
        assert!(hist(&[(0.1, 0.0), (f64::INFINITY, 0.0)]).quantile(0.5).is_none(), "no observations");
        assert!(hist(&[(f64::INFINITY, 5.0)]).quantile(0.5).is_none(), "fewer than two buckets");
        assert!(hist(&[(0.1, 5.0), (0.2, 5.0)]).quantile(0.5).is_none(), "no +Inf bucket");
        assert!(hist(&[]).quantile(0.5).is_none());
        let h = hist(&[(f64::INFINITY, 10.0), (0.2, 10.0), (0.1, 4.0)]);
        for q in [-0.1, 1.1, f64::NAN] {
            assert!(h.quantile(q).is_none(), "q = {q}");
        }
        // Unsorted input is sorted; q = 0 answers the start of the first bucket.
        assert_eq!(h.quantile(0.0).unwrap().value, 0.0);
        assert!(close(h.quantile(0.7).unwrap().value, 0.15));
        // Non-monotonic counts (a rate() artefact) are flattened to their running maximum.
        let bumpy = hist(&[(0.1, 6.0), (0.2, 5.0), (0.4, 10.0), (f64::INFINITY, 10.0)]);
        let q = bumpy.quantile(0.55).unwrap();
        assert_eq!((q.lower, q.upper), (0.2, 0.4));
        assert!(close(q.value, 0.2 + 0.2 * (5.5 - 6.0_f64.max(5.0)).max(0.0) / 4.0), "{q:?}");
        // Duplicate bounds are merged (their counts summed), as Prometheus' coalesceBuckets does.
        let dup = hist(&[(0.1, 2.0), (0.1, 2.0), (f64::INFINITY, 8.0)]);
        assert_eq!(dup.quantile(0.25).unwrap().upper, 0.1);
        // A first bucket at or below zero answers its bound.
        let negative = hist(&[(-1.0, 5.0), (0.0, 6.0), (f64::INFINITY, 10.0)]);
        assert_eq!(negative.quantile(0.1).unwrap().value, -1.0);
        // Tiny float noise is not treated as a real decrease.
        let noisy = hist(&[(0.1, 3.0), (0.2, 3.0 - 1e-15), (f64::INFINITY, 3.0)]);
        assert_eq!(noisy.quantile(0.99).unwrap().upper, 0.1);
    }

    #[test]
    fn escapes_special_values_timestamps_and_names_with_colons() {
        let text = "\
weird{a=\"x\\\"y\\\\z\\n\",b=\"w i t h space, comma}\",} 1e-3
inf_metric +Inf
neg{k=\"v\"} -Inf 1700000000000
nan_metric NaN
sci 6.02E+23\t-5
job:apiserver_request:rate5m{verb=\"GET\"} 12.5
  spaced   {  a = \"1\" , b=\"2\"  }   3  \r
empty{} 7
";
        let (s, e) = parse_text(text);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.len(), 8);
        assert_eq!(s[0].label("a"), Some("x\"y\\z\n"));
        assert_eq!(s[0].label("b"), Some("w i t h space, comma}"));
        assert_eq!(s[0].value, 0.001);
        assert_eq!(s[1].value, f64::INFINITY);
        assert_eq!((s[2].value, s[2].timestamp_ms), (f64::NEG_INFINITY, Some(1_700_000_000_000)));
        assert!(s[3].value.is_nan());
        assert_eq!((s[4].value, s[4].timestamp_ms), (6.02e23, Some(-5)));
        assert_eq!((s[5].name.as_str(), s[5].label("verb")), ("job:apiserver_request:rate5m", Some("GET")));
        assert_eq!(s[6].labels, vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!((s[7].labels.len(), s[7].value), (0, 7.0));
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line_numbers() {
        let text = "\
# TYPE x counter
good 1

broken{a=\"x\" 1
novalue
bad{a=\"1\"} one
ts 1 not-a-number
9starts_with_digit 1
dup{a=\"1\",a=\"2\"} 1
{a=\"1\"} 1
unterminated{a=\"1
extra 1 2 3
noquote{a=1} 1
bad-name 1
fine 2 # {trace_id=\"abc\"} 1.0
";
        let (s, e) = parse_text(text);
        assert_eq!(s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["good", "fine"]);
        assert_eq!(e.iter().map(|e| e.line).collect::<Vec<_>>(), vec![4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
        assert!(e[0].to_string().starts_with("line 4: broken: "), "{}", e[0]);
        assert!(e[2].message.contains("bad value \"one\""), "{}", e[2]);
        assert!(e[3].message.contains("bad timestamp"), "{}", e[3]);
        assert!(e[5].message.contains("twice"), "{}", e[5]);
    }

    #[test]
    fn parse_filtered_streams_wanted_metrics_only() {
        let text = format!("{ETCD}{APISERVER}garbage{{ 1\netcd_disk_wal_fsync_duration_seconds_bucket{{le=\"x\"}} 1\n");
        let mut names = Vec::new();
        let errors = parse_filtered(text.as_bytes(), |n| n.starts_with("etcd_disk_wal_fsync"), |s| names.push(s.name))
            .expect("reading a slice cannot fail");
        assert_eq!(names.len(), 17);
        assert!(names.iter().all(|n| n.starts_with("etcd_disk_wal_fsync")));
        // The garbage line belongs to an unwanted metric; the bad `le` one is wanted and parses (le is a label).
        assert!(errors.is_empty(), "{errors:?}");
        let lines = text.lines().count() as u64;
        let bad = b"ok 1\n\xff\xfe 2\nnot_wanted{ 3\nwanted{ 4\n";
        let errors = parse_filtered(&bad[..], |n| n != "not_wanted", |_| {}).unwrap();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 4]);
        assert!(errors[0].message.contains("UTF-8"));
        assert!(lines > 30);
    }

    #[test]
    fn delta_between_two_scrapes_and_counter_resets() {
        let before = "x_bucket{le=\"0.01\"} 10\nx_bucket{le=\"0.1\"} 12\nx_bucket{le=\"+Inf\"} 12\nx_sum 0.3\nx_count 12\n";
        let after = "x_bucket{le=\"0.01\"} 10\nx_bucket{le=\"0.1\"} 22\nx_bucket{le=\"+Inf\"} 32\nx_sum 9.3\nx_count 32\n";
        let (a, _) = parse_text(before);
        let (b, _) = parse_text(after);
        let (ha, hb) = (&histograms(&a, "x")[0], &histograms(&b, "x")[0]);
        let d = hb.delta(ha).unwrap();
        assert_eq!(d.buckets, vec![(0.01, 0.0), (0.1, 10.0), (f64::INFINITY, 20.0)]);
        assert_eq!(d.count, Some(20.0));
        assert!(close(d.sum.unwrap(), 9.0));
        // Between the scrapes half the observations were slower than 0.1 s: p50 lies right at 0.1, p99 beyond.
        assert_eq!(d.quantile(0.5).unwrap().value, 0.1);
        assert_eq!(d.quantile(0.99).unwrap().upper, f64::INFINITY);
        assert!(ha.delta(hb).is_none(), "a counter going backwards is a restart, not a rate");
        let other_edges = hist(&[(0.02, 10.0), (0.1, 22.0), (f64::INFINITY, 32.0)]);
        assert!(other_edges.delta(ha).is_none());
        assert!(Histogram::merged(&[ha.clone(), other_edges]).is_none());
        assert!(Histogram::merged(&[]).is_none());
        let reset_count = Histogram { count: Some(1.0), ..hb.clone() };
        assert!(reset_count.delta(ha).is_none(), "_count going backwards is a reset too");
    }
}
