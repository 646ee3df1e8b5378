//! The scrubbing pass over evidence, for reports and bundles: secrets become `[REDACTED]` (with a redactor), and
//! control characters that could act on a terminal or a document become visible escapes (always).

use super::*;

/// Whether `c` is a control character that must not reach a report: C0 (except tab and newline), DEL, C1, and
/// the Unicode bidirectional overrides and isolates (which reorder what a reader sees).
fn is_hostile_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character that could act on a terminal or a document (ESC, OSC, BEL, C0/C1 except
/// `\t` and `\n`, bidi overrides) written out as visible text: `\x1b`, `\u{9b}`, `\u{202e}`.
pub fn neutralise_controls(s: &str) -> String {
    if !s.chars().any(is_hostile_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_hostile_control(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// Rewrites text from evidence for reports: secrets become `[REDACTED]` (when `redactor` is given), then control
/// characters are neutralised. `None` when nothing changed.
fn scrubbed(s: &str, redactor: Option<&crate::redact::Redactor>) -> Option<String> {
    let mut text = std::borrow::Cow::Borrowed(s);
    if let Some(r) = redactor {
        let mut state = crate::redact::StreamState::default();
        let mut changed = false;
        let mut out: Vec<u8> = Vec::with_capacity(s.len());
        for (i, line) in s.as_bytes().split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            let red = r.line(line, &mut state);
            changed |= matches!(red, std::borrow::Cow::Owned(_));
            out.extend_from_slice(&red);
        }
        if changed {
            text = std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned());
        }
    }
    if text.chars().any(is_hostile_control) {
        text = std::borrow::Cow::Owned(neutralise_controls(&text));
    }
    match text {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(t) => Some(t),
    }
}

/// The scrubbing pass over one evidence set (see [`Evidence::scrub`]).
struct Scrubber<'a> {
    redactor: Option<&'a crate::redact::Redactor>,
    /// Origins are shared by every record of a file: scrub each distinct one once and keep sharing.
    origins: std::collections::HashMap<Arc<str>, Arc<str>>,
}

impl Scrubber<'_> {
    fn text(&self, s: &mut String) {
        if let Some(t) = scrubbed(s, self.redactor) {
            *s = t;
        }
    }

    fn opt(&self, s: &mut Option<String>) {
        if let Some(s) = s {
            self.text(s);
        }
    }

    fn all(&self, v: &mut [String]) {
        for s in v {
            self.text(s);
        }
    }

    fn map(&self, m: &mut BTreeMap<String, String>) {
        let dirty = m.iter().any(|(k, v)| scrubbed(k, self.redactor).is_some() || scrubbed(v, self.redactor).is_some());
        if dirty {
            *m = std::mem::take(m)
                .into_iter()
                .map(|(mut k, mut v)| {
                    self.text(&mut k);
                    self.text(&mut v);
                    (k, v)
                })
                .collect();
        }
    }

    fn origin(&mut self, o: &mut Origin) {
        if let Some(done) = self.origins.get(&o.source) {
            o.source = done.clone();
            return;
        }
        let new: Arc<str> = match scrubbed(&o.source, self.redactor) {
            Some(t) => t.into(),
            None => o.source.clone(),
        };
        self.origins.insert(o.source.clone(), new.clone());
        o.source = new;
    }

    fn subject(&self, s: &mut Subject) {
        match s {
            Subject::EtcdMember { name } | Subject::ApiServer { name } | Subject::Node { name } => self.text(name),
            Subject::Container { namespace, pod, container } => {
                self.text(namespace);
                self.text(pod);
                self.text(container);
            }
        }
    }

    fn kind(&self, k: &mut SignalKind) {
        use SignalKind as K;
        match k {
            K::SlowBackend { operation: s, .. }
            | K::MetricQuantile { metric: s, .. }
            | K::LeaderElected { leader_id: s, .. }
            | K::RequestTimeout { detail: s }
            | K::NoSpaceAlarm { detail: s }
            | K::CertificateError { detail: s }
            | K::RaftMessageDropped { peer: s }
            | K::BackendCorrupt { detail: s }
            | K::MembershipError { detail: s }
            | K::NotEtcdDatastore { backend: s }
            | K::CpuStarved { detail: s }
            | K::ApiServerEtcdError { detail: s }
            | K::ApiServerSlowRequest { what: s, .. }
            | K::ApiServerEtcdUnreachable { detail: s }
            | K::LeaseRenewFailed { detail: s }
            | K::ApiRequestTimeout { detail: s }
            | K::ConfigError { detail: s }
            | K::Fatal { detail: s }
            | K::OutOfMemory { detail: s }
            | K::ClockDrift { peer: s, .. } => self.text(s),
            K::PeerUnreachable { peer, error } => {
                self.text(peer);
                self.text(error);
            }
            K::MemberStarted { version } => self.opt(version),
            K::SlowWalSync { .. }
            | K::SlowApply { .. }
            | K::HeartbeatLate { .. }
            | K::LeaderLost { .. }
            | K::ReadIndexSlow { .. }
            | K::Defrag { .. }
            | K::Compaction { .. }
            | K::ExpensiveRequest { .. }
            | K::PreVote { .. }
            | K::DbLocked { .. }
            | K::LeaderElectionLost => {}
        }
    }

    fn termination(&self, t: &mut Termination) {
        self.opt(&mut t.reason);
        self.opt(&mut t.message);
    }

    fn disk_reading(&mut self, r: &mut DiskReading) {
        self.opt(&mut r.member);
        self.text(&mut r.metric);
        self.origin(&mut r.origin);
    }

    fn etcd_status(&mut self, st: &mut EtcdEndpointStatus) {
        self.text(&mut st.endpoint);
        self.text(&mut st.member_id);
        self.text(&mut st.leader_id);
        self.text(&mut st.version);
        self.all(&mut st.errors);
        self.origin(&mut st.origin);
    }

    fn etcd_alarm(&mut self, a: &mut EtcdAlarm) {
        self.text(&mut a.member_id);
        self.text(&mut a.alarm);
        self.origin(&mut a.origin);
    }

    fn etcd_health(&mut self, h: &mut EtcdEndpointHealth) {
        self.text(&mut h.endpoint);
        self.opt(&mut h.error);
        self.origin(&mut h.origin);
    }

    fn kind_counts(&self, v: &mut [inputs::KindCount]) {
        for k in v {
            self.text(&mut k.kind);
        }
    }

    /// Every string an input's format holds (names, paths, error texts, labels).
    fn input_format(&mut self, f: &mut InputFormat) {
        use InputFormat as F;
        match f {
            F::KubeJson { unused_kinds, .. } => self.kind_counts(unused_kinds),
            F::EtcdctlMemberList { members } => {
                for m in members {
                    self.text(&mut m.name);
                    self.text(&mut m.id);
                }
            }
            F::EtcdctlEndpointStatus { rows } => rows.iter_mut().for_each(|r| self.etcd_status(r)),
            F::EtcdctlEndpointHealth { rows } => rows.iter_mut().for_each(|r| self.etcd_health(r)),
            F::EtcdctlAlarmList { alarms } => alarms.iter_mut().for_each(|a| self.etcd_alarm(a)),
            F::KubectlText { unhealthy, .. } => {
                for u in unhealthy {
                    self.text(&mut u.name);
                    self.text(&mut u.message);
                }
            }
            F::DiskPaste { readings, .. } => readings.iter_mut().for_each(|r| self.disk_reading(r)),
            F::ApiServerEtcdLatency { slowest } => {
                for r in slowest {
                    self.opt(&mut r.operation);
                    self.opt(&mut r.resource);
                }
            }
            F::DiskProbeReport { dir, host, assessment, .. } => {
                self.text(dir);
                self.opt(host);
                self.text(assessment);
            }
            F::Iostat { highest_w_await } => {
                if let Some(d) = highest_w_await {
                    self.text(&mut d.device);
                }
            }
            F::ObjectCounts { largest, .. } => self.kind_counts(largest),
            F::PrometheusRange { worst, .. } => worst.iter_mut().for_each(|w| self.text(&mut w.member)),
            F::PrometheusValues { what, top, .. } => {
                self.text(what);
                for t in top {
                    for (k, v) in &mut t.labels {
                        self.text(k);
                        self.text(v);
                    }
                }
            }
            F::EtcdScrapes(e) => {
                self.text(&mut e.health);
                e.histograms.iter_mut().for_each(|h| self.text(&mut h.metric));
                self.opt(&mut e.member_id);
                if let Some(u) = &mut e.unreadable {
                    self.text(&mut u.message);
                }
            }
            F::Log { .. }
            | F::KubeJsonInvalid
            | F::EtcdctlInvalid
            | F::PrometheusText
            | F::Documentation
            | F::Unrecognised => {}
        }
    }

    /// Every string a reader's note holds (file names, pods, ages, reasons).
    fn note(&self, n: &mut Note) {
        match n {
            Note::BurstsCoarsened { file, .. } | Note::NoPodName { file } => self.text(file),
            Note::NoTimeZone { file, zone, .. } => {
                self.text(file);
                self.text(zone);
            }
            Note::RelativeRestarts { file, restarts } => {
                self.text(file);
                for r in restarts {
                    self.text(&mut r.pod);
                    self.text(&mut r.ago);
                }
            }
            Note::RelativeEvents { file, reasons, first_age, .. } => {
                self.text(file);
                self.kind_counts(reasons);
                self.text(first_age);
            }
        }
    }
}

impl Evidence {
    /// Rewrites every free-text field the evidence holds (log details, event messages, termination messages,
    /// names, labels, gap texts, input descriptions, origins, collection notes) for reports: secrets become
    /// `[REDACTED]` when a redactor is given (`None`: `--no-redact`), and control characters that could act on a
    /// terminal or a document become visible escapes (always). Names are rewritten the same way wherever they
    /// appear, so records still join. Numbers and times are untouched.
    pub fn scrub(&mut self, redactor: Option<&crate::redact::Redactor>) {
        let mut s = Scrubber { redactor, origins: std::collections::HashMap::new() };
        for sig in &mut self.signals {
            s.subject(&mut sig.subject);
            s.kind(&mut sig.kind);
            s.origin(&mut sig.first);
            s.origin(&mut sig.last);
        }
        for m in &mut self.metric_series {
            s.subject(&mut m.subject);
            s.text(&mut m.metric);
            s.origin(&mut m.origin);
        }
        for c in &mut self.containers {
            s.text(&mut c.namespace);
            s.text(&mut c.pod);
            s.text(&mut c.container);
            s.opt(&mut c.node);
            match &mut c.state {
                ContainerState::Waiting { reason, message } => {
                    s.text(reason);
                    s.opt(message);
                }
                ContainerState::Terminated(t) => s.termination(t),
                ContainerState::Running { .. } | ContainerState::Unknown => {}
            }
            if let Some(t) = &mut c.last_termination {
                s.termination(t);
            }
            s.map(&mut c.labels);
            s.origin(&mut c.origin);
        }
        for e in &mut self.events {
            s.text(&mut e.namespace);
            s.text(&mut e.object_kind);
            s.text(&mut e.object_name);
            s.opt(&mut e.field_path);
            s.text(&mut e.reason);
            s.text(&mut e.message);
            s.text(&mut e.event_type);
            s.opt(&mut e.uid);
            s.origin(&mut e.origin);
        }
        for n in &mut self.nodes {
            s.text(&mut n.name);
            for c in &mut n.conditions {
                s.text(&mut c.condition_type);
                s.text(&mut c.status);
                s.opt(&mut c.reason);
            }
            let i = &mut n.info;
            for f in [
                &mut i.kernel_version,
                &mut i.container_runtime,
                &mut i.kubelet_version,
                &mut i.architecture,
                &mut i.os_image,
            ] {
                s.opt(f);
            }
            s.all(&mut n.addresses);
            s.map(&mut n.labels);
            s.origin(&mut n.origin);
        }
        for m in &mut self.member_ids {
            s.text(&mut m.name);
            s.text(&mut m.id);
        }
        for a in &mut self.member_aliases {
            s.text(&mut a.alias);
            s.text(&mut a.id);
            s.origin(&mut a.origin);
        }
        for l in &mut self.log_spans {
            s.subject(&mut l.subject);
            s.origin(&mut l.first);
            s.origin(&mut l.last);
        }
        for g in &mut self.gaps {
            g.reason.texts_mut(&mut |t| s.text(t));
        }
        for i in &mut self.inputs {
            s.text(&mut i.source);
            s.input_format(&mut i.format);
            if let Some(sub) = &mut i.subject {
                s.subject(sub);
            }
        }
        for n in &mut self.assumptions {
            s.note(n);
        }
        for c in &mut self.collections {
            s.text(&mut c.context);
            s.text(&mut c.server);
            s.opt(&mut c.cluster_version);
            c.window_basis.texts_mut(&mut |t| s.text(t));
            c.scope.texts_mut(&mut |t| s.text(t));
            for d in &mut c.discovery {
                d.texts_mut(&mut |t| s.text(t));
            }
            s.text(&mut c.tool_version);
        }
        for p in &mut self.disk_probes {
            s.opt(&mut p.host);
            s.text(&mut p.dir);
            s.origin(&mut p.origin);
        }
        for r in &mut self.disk_readings {
            s.disk_reading(r);
        }
        for st in &mut self.etcd_status {
            s.etcd_status(st);
        }
        for a in &mut self.etcd_alarms {
            s.etcd_alarm(a);
        }
        for h in &mut self.etcd_health {
            s.etcd_health(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(neutralise_controls("a\u{1b}]0;pwned\u{7}b\tc\nd"), "a\\x1b]0;pwned\\x07b\tc\nd");
        assert_eq!(neutralise_controls("\u{9b}2J \u{202e}x"), "\\u{9b}2J \\u{202e}x");
        assert_eq!(neutralise_controls("plain"), "plain");
    }

    #[test]
    fn scrub_redacts_and_neutralises_every_text_and_keeps_joins() {
        let r = crate::redact::Redactor::new();
        let mut ev = Evidence::default();
        let origin = Origin::new("logs/app\u{1b}[2J.log", Some(3));
        ev.events.push(EventRecord {
            namespace: "ns".into(),
            object_kind: "Pod".into(),
            object_name: "web\u{1b}]0;title\u{7}".into(),
            field_path: None,
            reason: "BackOff".into(),
            message: "connect postgres://app:hunter2@db:5432 failed".into(),
            event_type: "Warning".into(),
            count: 1,
            first_at: Timestamp::default(),
            last_at: Timestamp::default(),
            uid: None,
            origin: origin.clone(),
        });
        ev.gaps.push(Gap {
            reason: GapReason::File(FileGap::Unrecognised {
                file: "x".into(),
                first_line: "password=hunter2 \u{1b}[2J".into(),
            }),
            missing: EvidenceKind::FileContent,
            effect: GapEffect::None,
            remedy: None,
        });
        ev.signals.push(Signal {
            subject: Subject::Container {
                namespace: "ns".into(),
                pod: "web\u{1b}]0;title\u{7}".into(),
                container: "c".into(),
            },
            kind: SignalKind::Fatal { detail: "token=hunter2".into() },
            first_at: Timestamp::default(),
            last_at: Timestamp::default(),
            count: 1,
            first: origin.clone(),
            last: origin,
            latency: None,
            time_assumed: false,
        });
        ev.scrub(Some(&r));
        let all = format!("{ev:?}");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all}");
        let Subject::Container { pod, .. } = &ev.signals[0].subject else { unreachable!() };
        assert_eq!(pod, &ev.events[0].object_name, "names are rewritten alike, so records still join");
        assert!(Arc::ptr_eq(&ev.signals[0].first.source, &ev.events[0].origin.source), "origins stay shared");
        let mut kept = Evidence::default();
        kept.gaps.push(Gap {
            reason: GapReason::File(FileGap::Unreadable { file: "password=hunter2\u{7}".into(), error: String::new() }),
            missing: EvidenceKind::FileContent,
            effect: GapEffect::None,
            remedy: None,
        });
        kept.scrub(None);
        let GapReason::File(FileGap::Unreadable { file, .. }) = &kept.gaps[0].reason else { unreachable!() };
        assert_eq!(file, "password=hunter2\\x07", "--no-redact keeps secrets, never controls");
    }

    /// Every string inside a collection's typed window, scope and discovery is scrubbed like any other evidence text.
    #[test]
    fn scrub_reaches_the_strings_inside_a_collections_window_scope_and_discovery() {
        let r = crate::redact::Redactor::new();
        let dirty = |what: &str| format!("{what} password=hunter2 \u{1b}[2J");
        let place = || Place { selector: dirty("selector"), namespace: dirty("namespace") };
        let collection = |window_basis, scope, discovery| Collection {
            context: dirty("context"),
            server: dirty("server"),
            cluster_version: Some(dirty("version")),
            collected_at: Timestamp::default(),
            window_from: Timestamp::default(),
            window_to: Timestamp::default(),
            window_basis,
            scope,
            discovery,
            redacted: true,
            tool_version: dirty("tool"),
        };
        let mut ev = Evidence::default();
        ev.collections.push(collection(
            CollectionWindow::Chosen(WindowChoice::Since { since: dirty("since"), end: WindowEnd::To }),
            CollectionScope::Workloads { namespace: Some(dirty("scope")) },
            vec![
                Discovery::Found { role: PodRole::Etcd, found: vec![FoundAt { place: place(), pods: 3 }] },
                Discovery::NotVisible { role: PodRole::ApiServer, tried: vec![place()] },
            ],
        ));
        ev.collections.push(collection(
            CollectionWindow::Recorded(dirty("window")),
            CollectionScope::Recorded(dirty("scope")),
            vec![Discovery::Recorded(dirty("discovery"))],
        ));
        ev.scrub(Some(&r));
        let all = format!("{ev:?}");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(!all.contains('\u{1b}'), "{all}");
    }

    /// Every string inside the typed input formats and reader notes is scrubbed like any other evidence text.
    #[test]
    fn scrub_reaches_the_strings_inside_input_formats_and_notes() {
        use inputs::*;
        let r = crate::redact::Redactor::new();
        let dirty = |what: &str| format!("{what} password=hunter2 \u{1b}[2J");
        let mut ev = Evidence::default();
        let health = EtcdEndpointHealth {
            endpoint: dirty("endpoint"),
            healthy: false,
            took_ms: None,
            error: Some(dirty("error")),
            origin: Origin::new(dirty("origin"), None),
        };
        let formats = vec![
            InputFormat::KubeJson {
                pods: 1,
                events: 0,
                nodes: 0,
                unused_kinds: vec![KindCount { kind: dirty("kind"), count: 1 }],
            },
            InputFormat::EtcdctlMemberList { members: vec![MemberId { name: dirty("name"), id: dirty("id") }] },
            InputFormat::EtcdctlEndpointHealth { rows: vec![health] },
            InputFormat::KubectlText {
                kinds: vec![KubectlOutput::ComponentStatuses],
                containers: 0,
                restarts: 0,
                event_rows: 0,
                unhealthy: vec![UnhealthyComponent { name: dirty("component"), message: dirty("message") }],
            },
            InputFormat::ApiServerEtcdLatency {
                slowest: vec![RequestLatency {
                    operation: Some(dirty("op")),
                    resource: Some(dirty("type")),
                    p99_secs: 0.1,
                    lower_secs: 0.0,
                    upper_secs: 0.2,
                }],
            },
            InputFormat::DiskProbeReport {
                dir: dirty("dir"),
                host: Some(dirty("host")),
                at: Timestamp::default(),
                fdatasync_p50_ms: 1.0,
                fdatasync_p99_ms: 2.0,
                fdatasync_max_ms: 3.0,
                iops: 400.0,
                assessment: dirty("assessment"),
            },
            InputFormat::Iostat { highest_w_await: Some(DeviceAwait { device: dirty("device"), w_await_ms: 1.0 }) },
            InputFormat::PrometheusValues {
                what: dirty("what"),
                seconds: false,
                top: vec![SeriesMax { labels: vec![(dirty("k"), dirty("v"))], max: 1.0, at: None }],
                more: 0,
            },
            InputFormat::EtcdScrapes(Box::new(EtcdScrapes {
                interval_secs: 15,
                health: dirty("health"),
                histograms: vec![ScrapedHistogram {
                    metric: dirty("metric"),
                    reading: HistogramReading::NoObservations,
                }],
                leader_changes: None,
                has_leader: None,
                member_id: Some(dirty("member")),
                unreadable: Some(UnreadableLines { count: 1, in_second: false, line: 2, message: dirty("line") }),
            })),
        ];
        for format in formats {
            ev.inputs.push(InputSummary::without_lines(dirty("source"), format, 0));
        }
        ev.assumptions = vec![
            Note::NoTimeZone { file: dirty("file"), zone: "UTC".into(), year: None },
            Note::RelativeRestarts {
                file: dirty("file"),
                restarts: vec![RelativeRestart { pod: dirty("pod"), ago: dirty("ago") }],
            },
            Note::RelativeEvents {
                file: dirty("file"),
                rows: 1,
                reasons: vec![KindCount { kind: dirty("reason"), count: 1 }],
                first_age: dirty("age"),
            },
        ];
        ev.scrub(Some(&r));
        let all = format!("{ev:?}");
        assert!(!all.contains("hunter2") && !all.contains('\u{1b}'), "{all}");
        assert!(all.contains("assessment") && all.contains("[REDACTED]"), "{all}");
    }
}
