//! `kubectl` text output users paste: `kubectl describe pod`, `kubectl get pods [-A] [-o wide]`, `kubectl get
//! events` and `kubectl get componentstatuses` tables.
//!
//! Pure; no I/O. Only what the text really says is kept, with its precision: `describe` prints absolute
//! `Started`/`Finished` times (RFC 1123 with zone), tables and event ages are relative (`4m (x12 over 1h)`,
//! `5 (3m ago)`) and stay relative here, since the paste carries no instant they are relative to.

use chrono::{DateTime, Utc};

use super::wrapper::strip_paste_prefix;

/// One container as the text shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerText {
    pub namespace: Option<String>,
    /// The pod, when the text names it (a `describe` fragment may show only the container section).
    pub pod: Option<String>,
    /// The container, when the text names it (`get pods` tables do not).
    pub container: Option<String>,
    pub node: Option<String>,
    pub restart_count: Option<u32>,
    /// `Running`, `Waiting`, `Terminated` (describe) or the STATUS column (tables).
    pub state: Option<String>,
    pub state_detail: StateText,
    /// `Last State:` of describe.
    pub last_state: Option<StateText>,
    /// `5 (3m ago)`: how long before the paste the last restart was, as printed.
    pub last_restart_ago: Option<String>,
    pub labels: Vec<(String, String)>,
    /// 1-based line where the container (or table row) is.
    pub line: u64,
}

/// The fields of a `State:` / `Last State:` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateText {
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i32>,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
}

/// One event row (describe's Events table or `kubectl get events`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventText {
    pub event_type: String,
    pub reason: String,
    /// The age as printed (`4m (x12 over 1h)`, `16m`).
    pub age: String,
    pub count: u32,
    pub message: String,
    pub line: u64,
}

/// What kind of kubectl output a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubectlKind {
    DescribePod,
    GetPods,
    GetEvents,
    ComponentStatuses,
}

/// Everything read from one kubectl text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KubectlText {
    pub kinds: Vec<KubectlKind>,
    pub containers: Vec<ContainerText>,
    pub events: Vec<EventText>,
    /// `get componentstatuses` rows that are not Healthy: (name, message).
    pub unhealthy_components: Vec<(String, String)>,
}

/// Lines with paste prefixes removed but indentation kept relative: quote (`> `) and list markers are removed,
/// leading spaces are kept (describe nests by indentation).
fn clean_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| {
            let l = l.trim_end_matches('\r');
            let t = l.trim_start_matches(['>', '*']);
            if t.len() < l.len() { t.strip_prefix(' ').unwrap_or(t) } else { l }
        })
        .collect()
}

fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches([' ', '\t']).len()
}

/// `Key:   value` -> (`Key`, `value`); keys are words with spaces (`Restart Count`, `Last State`).
fn key_value(l: &str) -> Option<(&str, &str)> {
    let t = l.trim_start();
    let colon = t.find(':')?;
    let key = &t[..colon];
    if key.is_empty() || key.len() > 40 || !key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-') {
        return None;
    }
    Some((key, t[colon + 1..].trim()))
}

/// Whether text looks like `kubectl describe pod` output (whole or a container section).
pub fn looks_like_describe(text: &str) -> bool {
    let lines = clean_lines(text);
    let has = |k: &str| lines.iter().any(|l| key_value(l).is_some_and(|(key, _)| key == k));
    let events_table = lines.windows(2).any(|w| {
        w[0].trim() == "Events:" && {
            let h = w[1].trim_start();
            h.starts_with("Type") && h.contains("Reason") && h.contains("Age")
        }
    });
    events_table
        || ((has("Restart Count") || has("Last State") || (has("Containers") && has("Namespace")))
            && (has("State") || has("Containers")))
}

/// The column names of a table header (`NAME  READY  STATUS  RESTARTS  AGE`), when the line is one.
fn header_words(l: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = l.split_whitespace().collect();
    let upper = |w: &&str| w.bytes().all(|c| c.is_ascii_uppercase() || c == b'-' || c == b'_');
    (words.len() >= 3 && words.iter().all(upper)).then_some(words)
}

fn table_kind(words: &[&str]) -> Option<KubectlKind> {
    let has = |w: &str| words.contains(&w);
    if has("NAME") && has("READY") && has("STATUS") && has("RESTARTS") {
        Some(KubectlKind::GetPods)
    } else if (has("LAST") && has("SEEN") && has("REASON")) || (has("TYPE") && has("REASON") && has("OBJECT")) {
        Some(KubectlKind::GetEvents)
    } else if words.first() == Some(&"NAME") && has("STATUS") && has("MESSAGE") && has("ERROR") {
        Some(KubectlKind::ComponentStatuses)
    } else {
        None
    }
}

/// Whether text holds a kubectl table this module reads.
pub fn looks_like_table(text: &str) -> bool {
    clean_lines(text).iter().take(40).any(|l| header_words(l).and_then(|w| table_kind(&w)).is_some())
}

/// Reads describe output and tables from `text`. Never fails: what is not understood is skipped.
pub fn parse(text: &str) -> KubectlText {
    let lines = clean_lines(text);
    let mut out = KubectlText::default();
    if looks_like_describe(text) {
        out.kinds.push(KubectlKind::DescribePod);
        describe(&lines, &mut out);
    }
    let mut i = 0;
    while i < lines.len() {
        let Some(words) = header_words(lines[i]) else {
            i += 1;
            continue;
        };
        let Some(kind) = table_kind(&words) else {
            i += 1;
            continue;
        };
        if !out.kinds.contains(&kind) {
            out.kinds.push(kind);
        }
        let mut j = i + 1;
        while j < lines.len() && !lines[j].trim().is_empty() && header_words(lines[j]).is_none() {
            let row = lines[j].trim();
            let line = j as u64 + 1;
            match kind {
                KubectlKind::GetPods => {
                    if let Some(c) = pod_row(&words, row, line) {
                        out.containers.push(c);
                    }
                }
                KubectlKind::GetEvents => {
                    if let Some(e) = event_row(&words, lines[i], lines[j], line) {
                        out.events.push(e);
                    }
                }
                KubectlKind::ComponentStatuses => {
                    let mut t = row.split_whitespace();
                    if let (Some(name), Some(status)) = (t.next(), t.next())
                        && status != "Healthy"
                    {
                        out.unhealthy_components.push((name.to_string(), t.collect::<Vec<_>>().join(" ")));
                    }
                }
                KubectlKind::DescribePod => {}
            }
            j += 1;
        }
        i = j;
    }
    out
}

/// A `get pods` row: `[NAMESPACE] NAME READY STATUS RESTARTS[ (AGO ago)] AGE [IP NODE ...]`.
fn pod_row(header: &[&str], row: &str, line: u64) -> Option<ContainerText> {
    let mut t = row.split_whitespace().peekable();
    let mut c = ContainerText { line, ..Default::default() };
    if header.first() == Some(&"NAMESPACE") {
        c.namespace = Some(t.next()?.to_string());
    }
    c.pod = Some(t.next()?.to_string());
    let ready = t.next()?;
    if !ready.contains('/') {
        return None;
    }
    c.state = Some(t.next()?.to_string());
    c.restart_count = Some(t.next()?.parse().ok()?);
    if t.peek().is_some_and(|w| w.starts_with('(')) {
        let ago = t.next()?.trim_start_matches('(');
        if t.next_if(|w| *w == "ago)").is_some() {
            c.last_restart_ago = Some(ago.to_string());
        }
    }
    let _age = t.next();
    if header.contains(&"NODE") {
        let _ip = t.next();
        c.node = t.next().filter(|n| *n != "<none>").map(str::to_string);
    }
    Some(c)
}

/// An event row. The columns before SOURCE / MESSAGE hold one word each, so rows are read by words, which
/// survives pastes that lost the alignment (`kubectl get events`, old and new column sets).
fn event_row(_words: &[&str], header: &str, row: &str, line: u64) -> Option<EventText> {
    let cols: Vec<&str> = column_starts(header).into_iter().map(|(n, _)| n).collect();
    let single = cols.iter().take_while(|c| !matches!(**c, "SOURCE" | "MESSAGE")).count();
    let mut words = row.split_whitespace();
    let mut cells: Vec<(&str, &str)> = Vec::new();
    for name in &cols[..single] {
        cells.push((name, words.next()?));
    }
    let rest: Vec<&str> = words.collect();
    let cell = |name: &str| cells.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
    let reason = cell("REASON")?;
    Some(EventText {
        event_type: cell("TYPE").unwrap_or_default(),
        reason,
        age: cell("LAST SEEN").unwrap_or_default(),
        count: cell("COUNT").and_then(|c| c.parse().ok()).unwrap_or(1),
        message: rest.join(" "),
        line,
    })
}

/// Column names and where they start; names are separated by two or more spaces (`LAST SEEN` is one).
fn column_starts(header: &str) -> Vec<(&str, usize)> {
    let mut cols = Vec::new();
    let b = header.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !(b[i] == b' ' && b.get(i + 1).is_none_or(|c| *c == b' ')) {
            i += 1;
        }
        cols.push((&header[start..i], start));
    }
    cols
}

/// `Mon, 03 Apr 2023 15:16:47 +0800` (describe's times).
fn describe_time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(v).ok().map(|t| t.with_timezone(&Utc))
}

/// describe's age column `4m (x12 over 1h)` -> the count.
fn age_count(age: &str) -> u32 {
    age.split_once("(x").and_then(|(_, r)| r.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(1)
}

fn describe(lines: &[&str], out: &mut KubectlText) {
    // The pod's own keys (`Name:`, `Namespace:`) set the top level; a pasted container section has none.
    let base = lines
        .iter()
        .find(|l| key_value(l).is_some_and(|(k, _)| k == "Name" || k == "Namespace"))
        .map_or(usize::MAX, |l| indent(l));
    let (mut pod, mut namespace, mut node) = (None, None, None);
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut in_labels = false;
    let mut first_container = out.containers.len();
    let mut current: Option<ContainerText> = None;
    // Which state block the indented Reason/Exit Code/... lines belong to.
    let mut block: Option<bool> = None; // Some(false) = State, Some(true) = Last State
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let ind = indent(l);
        let Some((key, value)) = key_value(l) else {
            i += 1;
            continue;
        };
        // The Events table ends a pod's description (a pasted table may come alone, without the pod's keys).
        if key == "Events" && value.is_empty() && (ind == base || base == usize::MAX) {
            if let Some(c) = current.take() {
                out.containers.push(c);
            }
            i = describe_events(lines, i + 1, out);
            continue;
        }
        if ind == base {
            in_labels = key == "Labels";
            match key {
                "Name" if pod.is_none() => pod = Some(value.to_string()),
                "Namespace" => namespace = Some(value.to_string()),
                "Node" => node = value.split('/').next().filter(|n| !n.is_empty() && *n != "<none>").map(String::from),
                "Events" => {
                    if let Some(c) = current.take() {
                        out.containers.push(c);
                    }
                    i = describe_events(lines, i + 1, out);
                    continue;
                }
                _ => {}
            }
            if in_labels
                && value.contains('=')
                && let Some((k, v)) = value.split_once('=')
            {
                labels.push((k.to_string(), v.to_string()));
            }
            i += 1;
            continue;
        }
        if in_labels && value.is_empty() && l.trim().contains('=') {
            i += 1;
            continue;
        }
        // A container header: `name:` with a deeper `Container ID:` / `Image:` on the next line.
        if value.is_empty() && !matches!(key, "State" | "Last State" | "Containers" | "Init Containers") {
            let next = lines[i + 1..].iter().find(|n| !n.trim().is_empty());
            if next.is_some_and(|n| {
                indent(n) > ind && key_value(n).is_some_and(|(k, _)| k == "Container ID" || k == "Image")
            }) {
                if let Some(c) = current.take() {
                    out.containers.push(c);
                }
                current =
                    Some(ContainerText { container: Some(key.to_string()), line: i as u64 + 1, ..Default::default() });
                block = None;
                i += 1;
                continue;
            }
        }
        if in_labels && ind > base && !l.contains(':') {
            i += 1;
            continue;
        }
        if let Some(c) = current.as_mut() {
            match key {
                "State" => {
                    c.state = Some(value.to_string());
                    c.state_detail.state = value.to_string();
                    block = Some(false);
                }
                "Last State" => {
                    c.last_state = Some(StateText { state: value.to_string(), ..Default::default() });
                    block = Some(true);
                }
                "Restart Count" => {
                    c.restart_count = value.parse().ok();
                    block = None;
                }
                "Ready" | "Image" | "Image ID" | "Container ID" | "Port" | "Ports" | "Host Port" | "Host Ports" => {
                    block = None;
                }
                "Reason" | "Exit Code" | "Started" | "Finished" | "Message" => {
                    let target = match block {
                        Some(true) => c.last_state.as_mut(),
                        Some(false) => Some(&mut c.state_detail),
                        None => None,
                    };
                    if let Some(s) = target {
                        match key {
                            "Reason" => s.reason = Some(value.to_string()),
                            "Exit Code" => s.exit_code = value.parse().ok(),
                            "Started" => s.started = describe_time(value),
                            "Finished" => s.finished = describe_time(value),
                            _ => s.message = Some(value.to_string()),
                        }
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    if let Some(c) = current.take() {
        out.containers.push(c);
    }
    // Labels listed on continuation lines (`Labels: a=b` then `        c=d`).
    for l in lines {
        let t = l.trim();
        if indent(l) > base
            && key_value(l).is_none()
            && t.contains('=')
            && !t.contains(' ')
            && let Some((k, v)) = t.split_once('=')
            && !labels.iter().any(|(lk, _)| lk == k)
        {
            labels.push((k.to_string(), v.to_string()));
        }
    }
    for c in &mut out.containers[first_container..] {
        c.pod = pod.clone();
        c.namespace = namespace.clone();
        c.node = node.clone();
        c.labels = labels.clone();
    }
    first_container = out.containers.len();
    let _ = first_container;
}

/// The rows of describe's Events table from `from` on; returns the index after it.
fn describe_events(lines: &[&str], from: usize, out: &mut KubectlText) -> usize {
    let Some(header_at) = lines[from..].iter().position(|l| !l.trim().is_empty()).map(|k| k + from) else {
        return lines.len();
    };
    let header = lines[header_at];
    let words = header_words(header).unwrap_or_default();
    if !(words.contains(&"TYPE") || words.contains(&"Type") || header.trim_start().starts_with("Type")) {
        return header_at + 1;
    }
    let cols = column_starts(header);
    let mut i = header_at + 1;
    while i < lines.len() {
        let row = lines[i];
        if row.trim().is_empty() {
            break;
        }
        if row.trim_start().starts_with("----") {
            i += 1;
            continue;
        }
        let cell = |k: usize| -> String {
            let start = cols.get(k).map_or(row.len(), |c| c.1).min(row.len());
            let end = cols.get(k + 1).map_or(row.len(), |c| c.1).min(row.len());
            row.get(start..end).unwrap_or_default().trim().to_string()
        };
        let age = cell(2);
        out.events.push(EventText {
            event_type: cell(0),
            reason: cell(1),
            count: age_count(&age),
            age,
            message: row.get(cols.get(4).map_or(row.len(), |c| c.1).min(row.len())..).unwrap_or_default().trim().into(),
            line: i as u64 + 1,
        });
        i += 1;
    }
    i
}

/// Whether a line is a shell prompt line pasted with the output (`$ kubectl describe pod x`).
pub fn is_prompt(line: &str) -> bool {
    let t = strip_paste_prefix(line);
    t.starts_with("$ ") || t.starts_with("# kubectl") || t.starts_with("% ")
}

#[cfg(test)]
mod tests {
    //! Verbatim public kubectl output: tests/formats/kubectl/README.md names each source.
    use super::*;

    fn real(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats/kubectl").join(name);
        std::fs::read_to_string(p).unwrap()
    }

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
    }

    #[test]
    fn describe_pod_gives_state_last_state_and_pod_identity() {
        // apache/apisix-helm-chart#198.
        let text = real("apisix-helm-chart-198-describe.txt");
        assert!(looks_like_describe(&text));
        let k = parse(&text);
        assert_eq!(k.kinds, vec![KubectlKind::DescribePod]);
        let [c] = k.containers.as_slice() else { panic!("{:?}", k.containers) };
        assert_eq!(c.pod.as_deref(), Some("apisix-1640071150-etcd-0"));
        assert_eq!((c.namespace.as_deref(), c.container.as_deref()), (Some("default"), Some("etcd")));
        assert_eq!(c.node.as_deref(), Some("izbp17djxylxntd8nigwg0z"));
        assert_eq!(c.state.as_deref(), Some("Waiting"));
        assert_eq!(c.state_detail.reason.as_deref(), Some("CrashLoopBackOff"));
        let last = c.last_state.as_ref().unwrap();
        assert_eq!(
            (last.state.as_str(), last.reason.as_deref(), last.exit_code),
            ("Terminated", Some("Error"), Some(1))
        );
        assert_eq!(last.started, utc("2021-12-21T09:19:42Z"));
        assert_eq!(last.finished, utc("2021-12-21T09:19:42Z"));
        assert!(c.labels.contains(&("app.kubernetes.io/name".into(), "etcd".into())), "{:?}", c.labels);
        assert_eq!(c.restart_count, None, "the excerpt stops before Restart Count");
    }

    #[test]
    fn describe_container_section_alone() {
        // kubernetes-retired/service-catalog#2770.
        let text = real("servicecatalog-2770-etcd-oomkilled-describe.txt");
        let k = parse(&text);
        let [c] = k.containers.as_slice() else { panic!("{:?}", k.containers) };
        assert_eq!((c.pod.as_deref(), c.container.as_deref()), (None, Some("etcd")));
        assert_eq!(c.state_detail.reason.as_deref(), Some("CrashLoopBackOff"));
        let last = c.last_state.as_ref().unwrap();
        assert_eq!((last.reason.as_deref(), last.exit_code), (Some("OOMKilled"), Some(137)));
    }

    #[test]
    fn get_pods_table_with_relative_last_restarts() {
        // karmada-io/karmada#4769.
        let text = real("karmada-4769-expired-certs-get-pods.txt");
        assert!(looks_like_table(&text) && !looks_like_describe(&text));
        let k = parse(&text);
        assert_eq!(k.kinds, vec![KubectlKind::GetPods]);
        let etcd = k.containers.iter().find(|c| c.pod.as_deref() == Some("etcd-0")).unwrap();
        assert_eq!((etcd.restart_count, etcd.last_restart_ago.as_deref()), (Some(22709), Some("12m")));
        assert_eq!(etcd.state.as_deref(), Some("Running"));
        let api = k.containers.iter().find(|c| c.pod.as_deref() == Some("karmada-apiserver-6dd844fdfd-stzzg")).unwrap();
        assert_eq!((api.restart_count, api.state.as_deref()), (Some(62237), Some("CrashLoopBackOff")));
        let quiet = k.containers.iter().find(|c| c.restart_count == Some(0)).unwrap();
        assert_eq!(quiet.last_restart_ago, None);
    }

    #[test]
    fn quoted_events_table_keeps_counts_and_relative_ages() {
        // NetApp/trident#249.
        let text = real("trident-249-quoted-liveness-events.txt");
        let k = parse(&text);
        assert!(k.kinds.contains(&KubectlKind::GetEvents));
        let unhealthy = k.events.iter().find(|e| e.reason == "Unhealthy").unwrap();
        assert_eq!((unhealthy.count, unhealthy.age.as_str(), unhealthy.event_type.as_str()), (28, "16m", "Warning"));
        assert!(k.events.iter().any(|e| e.reason == "Killing" && e.count == 17), "{:?}", k.events);
    }

    #[test]
    fn describe_events_table_rows() {
        // Real: MicrosoftDocs/azure-docs articles/aks/use-pod-security-policies.md (describe output it shows).
        let text = r#"Events:
  Type     Reason     Age                   From                               Message
  ----     ------     ----                  ----                               -------
  Normal   Scheduled  2m14s                 default-scheduler                  Successfully assigned psp-aks/nginx-unprivileged-nonroot to aks-agentpool-34777077-0
  Normal   Pulled     118s (x3 over 2m13s)  kubelet, aks-agentpool-34777077-0  Container image "nginx:1.14.2" already present on machine
  Normal   Created    118s (x3 over 2m13s)  kubelet, aks-agentpool-34777077-0  Created container
  Normal   Started    118s (x3 over 2m12s)  kubelet, aks-agentpool-34777077-0  Started container
  Warning  BackOff    105s (x5 over 2m11s)  kubelet, aks-agentpool-34777077-0  Back-off restarting failed container
"#;
        assert!(looks_like_describe(text));
        let k = parse(text);
        assert_eq!(k.events.len(), 5, "{:?}", k.events);
        let back = k.events.iter().find(|e| e.reason == "BackOff").unwrap();
        assert_eq!((back.event_type.as_str(), back.count, back.age.as_str()), ("Warning", 5, "105s (x5 over 2m11s)"));
        assert_eq!(back.message, "Back-off restarting failed container");
        assert_eq!(back.line, 8);
    }

    #[test]
    fn describe_event_ages_give_their_counts() {
        assert_eq!(age_count("4m (x12 over 1h)"), 12);
        assert_eq!(age_count("16m"), 1);
    }
}
