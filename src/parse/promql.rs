//! PromQL results pasted from a metrics UI: the query on one line, then `{labels} | value` rows (Prometheus's
//! console table copied as text).
//!
//! Pure; no I/O. Rows carry no time (the console evaluates at "now" of the person who pasted them).

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct PromqlRow {
    /// `instance` (else the whole label set).
    pub series: String,
    pub value: f64,
}

/// A query and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PromqlResult {
    pub query: String,
    pub rows: Vec<PromqlRow>,
}

fn row(l: &str) -> Option<PromqlRow> {
    let (labels, value) = l.rsplit_once(" | ")?;
    let labels = labels.trim();
    if !labels.starts_with('{') && !labels.contains('{') {
        return None;
    }
    let value = value.trim().parse::<f64>().ok()?;
    let series = labels
        .split(['{', ',', '}'])
        .find_map(|kv| kv.strip_prefix("instance=\""))
        .map(|v| v.trim_end_matches('"').to_string())
        .unwrap_or_else(|| labels.to_string());
    Some(PromqlRow { series, value })
}

/// Reads every query block of `text`; `None` unless at least one query has rows and nothing else is in the way.
pub fn parse(text: &str) -> Option<Vec<PromqlResult>> {
    let mut out: Vec<PromqlResult> = Vec::new();
    let mut other = 0;
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(r) = row(l) {
            out.last_mut()?.rows.push(r);
        } else if l.contains('(') && l.ends_with(')') && !l.contains(" | ") {
            out.push(PromqlResult { query: l.to_string(), rows: Vec::new() });
        } else {
            other += 1;
        }
    }
    let rows: usize = out.iter().map(|r| r.rows.len()).sum();
    (rows > 0 && other * 4 <= rows).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_rows_under_their_query() {
        // Real: etcd-io/etcd#10860 (issue body).
        let text = "histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket[5m]))


{endpoint=\"metrics\",instance=\"172.22.66.116:2379\",job=\"etcd\",namespace=\"kube-system\",service=\"etcd\"} | 0.11571199999999937
{endpoint=\"metrics\",instance=\"172.22.66.117:2379\",job=\"etcd\",namespace=\"kube-system\",service=\"etcd\"} | 0.08104000000000033
";
        let r = parse(text).unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].query.contains("etcd_disk_backend_commit_duration_seconds_bucket"));
        assert_eq!(r[0].rows[0], PromqlRow { series: "172.22.66.116:2379".into(), value: 0.11571199999999937 });
        assert_eq!(r[0].rows.len(), 2);
        assert_eq!(parse("Jan 25 05:42:29 dev-ln01 k3s[2189071]: a | 1"), None);
    }
}
