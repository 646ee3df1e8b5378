//! etcd-triage: gathers restart histories, etcd / API-server logs and Kubernetes objects, and attributes
//! CrashLoopBackOff to storage latency only when the evidence fits.
//!
//! Layers (see ARCHITECTURE.md): `sources` (all I/O) -> `evidence` (plain data) -> `analyze` (pure) ->
//! `report` (pure rendering). `cli` holds the clap types; [`run`] wires a source to the analysis to a renderer.

pub mod analyze;
pub mod cleanup;
pub mod cli;
pub mod complete;
pub mod evidence;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod parse;
pub mod redact;
pub mod report;
pub mod sources;

use std::io::Write;

use anyhow::Context as _;

use cli::{Cli, Command, FailOn, OutputFormat, Settings};
use model::Report;
use report::RenderOpts;

/// How a run ended; `main` maps it to the exit status documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The analysis ran.
    Analysed,
    /// `--fail-on` matched the verdict.
    FailOnMatched,
}

/// Errors `main` maps to distinct exit codes.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Bad flags or values (exit 2).
    #[error(transparent)]
    Usage(#[from] cli::UsageError),
    /// An input path does not exist or cannot be read (exit 3).
    #[error(transparent)]
    Input(#[from] sources::files::SourceError),
    /// The cluster cannot be used at all (exit 3).
    #[error(transparent)]
    Live(#[from] sources::cluster::CollectError),
    /// The disk probe cannot run there (exit 3).
    #[error(transparent)]
    Probe(#[from] sources::probe::ProbeError),
    /// Ctrl-C during collection: nothing was left behind (exit 130).
    #[error("interrupted; nothing was written")]
    Interrupted,
}

/// The executable's name (kubectl finds `kubectl-etcd_triage` for `kubectl etcd-triage`).
pub const BIN_NAME: &str = "kubectl-etcd_triage";

/// What `version` prints.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionInfo {
    pub version: &'static str,
    /// Git commit the binary was built from (`unknown` when built without git).
    pub commit: &'static str,
    /// Rust target triple, e.g. `x86_64-unknown-linux-musl`.
    pub target: &'static str,
    /// The JSON report's schema (`-o json`).
    pub report_schema: &'static str,
}

impl VersionInfo {
    pub fn current() -> Self {
        VersionInfo {
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("ETCD_TRIAGE_GIT_COMMIT"),
            target: env!("ETCD_TRIAGE_TARGET"),
            report_schema: model::SCHEMA_VERSION,
        }
    }
}

/// Live collection's default window, in hours before now.
const LIVE_DEFAULT_SINCE_HOURS: i64 = 6;

/// Runs the command line.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let now = chrono::Utc::now();
    if cli.global.print_needles {
        let mut out = std::io::stdout().lock();
        for needle in parse::NEEDLES {
            writeln!(out, "{needle}").context("writing needles")?;
        }
        return Ok(Outcome::Analysed);
    }
    match &cli.command {
        Some(Command::Version(args)) => {
            let info = VersionInfo::current();
            let mut out = std::io::stdout().lock();
            match args.output {
                cli::ProbeFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &info).context("writing the version")?;
                    writeln!(out).context("writing the version")?;
                }
                cli::ProbeFormat::Text => writeln!(
                    out,
                    "etcd-triage {}\ncommit: {}\ntarget: {}\nreport schema: {}",
                    info.version, info.commit, info.target, info.report_schema
                )
                .context("writing the version")?,
            }
            Ok(Outcome::Analysed)
        }
        Some(Command::Completion(args)) => {
            use clap::CommandFactory as _;
            // For the executable's own name (`kubectl-etcd_triage ...`); kubectl's completion uses the hook script.
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, BIN_NAME, &mut script);
            if args.shell == clap_complete::Shell::Bash {
                // clap_complete 4.6 names the bash case labels of subcommands with the `-` of the binary's name
                // turned into its subcommand separator, unlike the state it sets: make them agree.
                let text =
                    String::from_utf8_lossy(&script).replace("kubectl__subcmd__etcd_triage", "kubectl__etcd_triage");
                script = text.into_bytes();
            }
            std::io::stdout().lock().write_all(&script).context("writing the completion script")?;
            Ok(Outcome::Analysed)
        }
        Some(Command::Man) => {
            use clap::CommandFactory as _;
            let cmd = Cli::command().name(BIN_NAME).bin_name(BIN_NAME);
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out).context("writing the man page")?;
            Ok(Outcome::Analysed)
        }
        Some(Command::Complete(args)) => {
            use clap::CommandFactory as _;
            let mut cmd = Cli::command();
            cmd.build();
            let (candidates, directive) = complete::candidates(&cmd, &args.words);
            let mut out = std::io::stdout().lock();
            for c in candidates {
                writeln!(out, "{c}").context("writing completions")?;
            }
            writeln!(out, ":{directive}").context("writing completions")?;
            Ok(Outcome::Analysed)
        }
        Some(Command::Analyze(args)) => {
            let settings =
                Settings::resolve(&cli.global, args.output.or(cli.output), false, now).map_err(RunError::from)?;
            let assume_tz = cli::parse_tz("--assume-tz", &args.assume_tz).map_err(RunError::from)?;
            // Every flag is checked before any input is read.
            let metrics = offline_metric_sources(&args.metrics)?;
            let window_given = cli.global.since.is_some() || cli.global.from.is_some() || cli.global.to.is_some();
            let read = ReadArgs {
                limits: sources::bundle::Limits {
                    max_unpacked_bytes: args.max_unpacked_bytes,
                    max_entries: args.max_entries,
                },
                redact: !args.no_redact,
            };
            let report = analyze_paths(&args.paths, &settings, assume_tz, !window_given, &metrics, &read)?;
            emit(&report, &settings, args.details || cli.details, analysed_root(&args.paths))
        }
        Some(Command::ProbeDisk(args)) => {
            let opts = sources::probe::ProbeOptions {
                dir: args.dir.clone(),
                total_bytes: args.size,
                block_size: sources::probe::DEFAULT_BLOCK_SIZE,
            };
            let report = sources::probe::run(&opts).map_err(RunError::from)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match args.output {
                cli::ProbeFormat::Json => {
                    report::probe::render_json(&report, &mut out).context("writing the probe report")?
                }
                cli::ProbeFormat::Text => {
                    report::probe::render_text(&report, &mut out).context("writing the report")?
                }
            }
            out.flush().context("writing the probe report")?;
            Ok(Outcome::Analysed)
        }
        Some(Command::Collect(args)) => {
            let settings = live_settings(&cli, None, now)?;
            let target = match (&args.output, &args.out_dir) {
                (Some(file), _) => BundleTarget::Archive(file.clone()),
                (None, Some(dir)) => BundleTarget::Folder(dir.clone()),
                (None, None) => unreachable!("clap requires -o or --out-dir"),
            };
            if let BundleTarget::Archive(file) = &target {
                // Before anything else, so that a refused run has not touched the cluster.
                if let Ok(meta) = std::fs::symlink_metadata(file) {
                    let why = if meta.is_dir() {
                        format!(
                            "{} is a folder; give a file name (or use --out-dir for a folder bundle)",
                            file.display()
                        )
                    } else if !args.force {
                        format!("{} already exists; choose a new name or add --force to replace it", file.display())
                    } else {
                        String::new()
                    };
                    if !why.is_empty() {
                        return Err(RunError::Usage(cli::UsageError { flag: "--output", why }).into());
                    }
                }
            }
            if let BundleTarget::Folder(dir) = &target
                && dir.exists()
            {
                let why = format!("{} already exists; choose a new folder", dir.display());
                return Err(RunError::Usage(cli::UsageError { flag: "--out-dir", why }).into());
            }
            // Every flag is checked before anything is written.
            let opts = live_options(&cli, &args.live, &args.metrics, &settings, true)?;
            let parent = target.parent();
            let staging = tempfile::Builder::new()
                .prefix(".etcd-triage-")
                .tempdir_in(&parent)
                .with_context(|| format!("creating a temporary folder in {}", parent.display()))?;
            let _staging_guard = cleanup::remove_on_signal(staging.path());
            let manifest = collect_interruptibly(&opts, staging.path())?;
            let (files, bytes) = (manifest.files.len(), manifest.files.iter().map(|f| f.bytes).sum::<u64>());
            let written = match &target {
                BundleTarget::Archive(file) => {
                    let top = format!("etcd-triage-{}", settings.now.format("%Y%m%dT%H%M%SZ"));
                    sources::bundle::write_tar_gz(staging.path(), &top, file)
                        .with_context(|| format!("writing {}", file.display()))?;
                    file.clone()
                }
                BundleTarget::Folder(dir) => {
                    sources::bundle::move_dir(staging, dir).with_context(|| format!("writing {}", dir.display()))?;
                    dir.clone()
                }
            };
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "wrote {}: {files} files, {:.1} MiB from {} requests; {} gaps (see manifest.json); secrets {}",
                written.display(),
                bytes as f64 / (1024.0 * 1024.0),
                manifest.requests,
                manifest.gaps.len(),
                if manifest.collection.redacted { "redacted" } else { "NOT redacted (--no-redact)" },
            )
            .context("writing the summary")?;
            writeln!(out, "analyse it with: kubectl etcd-triage analyze {}", written.display())
                .context("writing the summary")?;
            Ok(Outcome::Analysed)
        }
        None => {
            let settings = live_settings(&cli, cli.output, now)?;
            let opts = live_options(&cli, &cli.live, &cli.metrics, &settings, false)?;
            let staging = tempfile::Builder::new()
                .prefix("etcd-triage-")
                .tempdir()
                .context("creating a temporary folder for collected evidence")?;
            let _staging_guard = cleanup::remove_on_signal(staging.path());
            collect_interruptibly(&opts, staging.path())?;
            // Read back exactly as `analyze BUNDLE` would: one reader, one report.
            let read = ReadArgs { limits: sources::bundle::Limits::default(), redact: !cli.live.no_redact };
            let staged = [staging.path().to_path_buf()];
            let report = analyze_paths(&staged, &settings, chrono_tz::UTC, true, &MetricSources::default(), &read)?;
            emit(&report, &settings, cli.details, analysed_root(&staged))
        }
    }
}

enum BundleTarget {
    Archive(std::path::PathBuf),
    Folder(std::path::PathBuf),
}

impl BundleTarget {
    /// The folder the bundle lands in (its temporary form is made there, so the final rename is atomic).
    fn parent(&self) -> std::path::PathBuf {
        let path = match self {
            BundleTarget::Archive(p) | BundleTarget::Folder(p) => p,
        };
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        }
    }
}

/// Live settings: `--since` defaults to 6h before now.
fn live_settings(
    cli: &Cli,
    output: Option<OutputFormat>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Settings> {
    let mut settings = Settings::resolve(&cli.global, output, true, now).map_err(RunError::from)?;
    if settings.window.since.is_none() && settings.window.from.is_none() {
        settings.window.since = Some(chrono::Duration::hours(LIVE_DEFAULT_SINCE_HOURS));
    }
    Ok(settings)
}

fn parse_flag_duration(flag: &'static str, s: &str) -> Result<std::time::Duration, RunError> {
    humantime::parse_duration(s.trim())
        .map_err(|e| RunError::Usage(cli::UsageError { flag, why: format!("{s:?}: {e} (use e.g. 30s, 2m)") }))
}

/// `--request-timeout` as kubectl reads it: a bare integer is seconds; zero is `None` (no per-request limit).
fn parse_request_timeout(s: &str) -> Result<Option<std::time::Duration>, RunError> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => std::time::Duration::from_secs(secs),
        Err(_) => parse_flag_duration("--request-timeout", s)?,
    };
    Ok((!d.is_zero()).then_some(d))
}

fn live_options(
    cli: &Cli,
    live: &cli::LiveArgs,
    metrics: &cli::MetricsArgs,
    settings: &Settings,
    checksums: bool,
) -> anyhow::Result<sources::cluster::LiveOptions> {
    let MetricSources { prometheus, etcd: etcd_metrics } = metric_options(metrics)?;
    use std::io::IsTerminal;
    let w = &settings.window;
    let to = w.to.unwrap_or(settings.now);
    use evidence::{CollectionWindow, WindowChoice, WindowEnd};
    let end = if w.to.is_some() { WindowEnd::To } else { WindowEnd::Collection };
    let (from, basis) = match (w.from, w.since) {
        (Some(f), _) => (f, WindowChoice::From { end }),
        (None, since) => {
            let shown = cli.global.since.clone().unwrap_or_else(|| format!("{LIVE_DEFAULT_SINCE_HOURS}h"));
            (
                to - since.unwrap_or(chrono::Duration::hours(LIVE_DEFAULT_SINCE_HOURS)),
                WindowChoice::Since { since: shown, end },
            )
        }
    };
    let basis = CollectionWindow::Chosen(basis);
    if live.concurrency == 0 {
        return Err(RunError::Usage(cli::UsageError { flag: "--concurrency", why: "must be at least 1".into() }).into());
    }
    if live.page_size == 0 {
        return Err(RunError::Usage(cli::UsageError { flag: "--page-size", why: "must be at least 1".into() }).into());
    }
    for (flag, value) in [
        ("--max-response-bytes", live.max_response_bytes),
        ("--max-log-bytes", live.max_log_bytes),
        ("--max-total-log-bytes", live.max_total_log_bytes),
    ] {
        if value == 0 {
            return Err(RunError::Usage(cli::UsageError { flag, why: "must be at least 1 byte".into() }).into());
        }
    }
    if live.log_tail <= 0 {
        return Err(RunError::Usage(cli::UsageError { flag: "--log-tail", why: "must be at least 1".into() }).into());
    }
    cli.connection.check().map_err(RunError::from)?;
    let deadline = parse_flag_duration("--deadline", &live.deadline)?;
    if deadline.is_zero() {
        return Err(
            RunError::Usage(cli::UsageError { flag: "--deadline", why: "must be longer than 0s".into() }).into()
        );
    }
    let c = &cli.connection;
    let connect = sources::kubeconfig::ConnectOptions {
        kubeconfig: cli.global.kubeconfig.clone(),
        context: cli.global.context.clone(),
        cluster: c.cluster.clone(),
        user: c.user.clone(),
        server: c.server.clone(),
        token: c.token.clone(),
        certificate_authority: c.certificate_authority.clone(),
        client_certificate: c.client_certificate.clone(),
        client_key: c.client_key.clone(),
        insecure_skip_tls_verify: c.insecure_skip_tls_verify,
        tls_server_name: c.tls_server_name.clone(),
        impersonate: c.impersonate.clone(),
        impersonate_groups: c.impersonate_groups.clone(),
        impersonate_uid: c.impersonate_uid.clone(),
        connect_timeout: std::time::Duration::from_secs(10),
    };
    Ok(sources::cluster::LiveOptions {
        connect,
        namespace: cli.global.namespace.clone(),
        window_from: from,
        window_to: to,
        window_basis: basis,
        now: settings.now,
        request_timeout: parse_request_timeout(&live.request_timeout)?.unwrap_or(deadline),
        deadline,
        concurrency: live.concurrency,
        page_size: live.page_size,
        max_response_bytes: live.max_response_bytes,
        max_log_bytes: live.max_log_bytes,
        max_total_log_bytes: live.max_total_log_bytes,
        etcd_place: live.etcd_namespace.clone().zip(live.etcd_selector.clone()),
        apiserver_place: live.apiserver_namespace.clone().zip(live.apiserver_selector.clone()),
        log_tail: live.log_tail,
        max_container_logs: live.max_container_logs,
        redact: !live.no_redact,
        checksums,
        progress: std::io::stderr().is_terminal(),
        prometheus,
        etcd_metrics,
    })
}

/// Runs the collection on a Tokio runtime; Ctrl-C stops it (the caller's temporary folder is then removed).
fn collect_interruptibly(
    opts: &sources::cluster::LiveOptions,
    dir: &std::path::Path,
) -> anyhow::Result<sources::bundle::Manifest> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async {
        tokio::select! {
            r = sources::cluster::collect(opts, dir) => r.map_err(|e| anyhow::Error::from(RunError::Live(e))),
            _ = tokio::signal::ctrl_c() => Err(RunError::Interrupted.into()),
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// How inputs are read: archive caps, and whether secrets and control characters are scrubbed from the evidence.
struct ReadArgs {
    limits: sources::bundle::Limits,
    redact: bool,
}

/// Reads `paths` and analyses them. A bundle's manifest supplies the window and "now" of its collection unless
/// the window was given on the command line (`use_collection_window`).
fn analyze_paths(
    paths: &[std::path::PathBuf],
    settings: &Settings,
    assume_tz: chrono_tz::Tz,
    use_collection_window: bool,
    metrics: &MetricSources,
    read: &ReadArgs,
) -> anyhow::Result<Report> {
    let opts = sources::files::ReadOptions { assume_tz, fallback_now: settings.now };
    let mut evidence = sources::files::read_paths_limited(paths, &opts, &read.limits).map_err(RunError::from)?;
    let mut window = settings.window.clone();
    let mut now = settings.now;
    if let [collection] = evidence.collections.as_slice()
        && use_collection_window
    {
        window = analyze::WindowSpec {
            from: Some(collection.window_from),
            to: Some(collection.window_to),
            since: None,
            since_anchor: analyze::SinceAnchor::Now,
            basis: Some(collection.window_basis.clone()),
        };
        now = collection.collected_at;
    }
    if metrics.any() {
        // The metric window: the flags', else the evidence's own span, else the last hour.
        let span = evidence.span();
        let to = window.to.or(span.map(|s| s.1)).unwrap_or(now);
        let from = window
            .from
            .or(window.since.map(|d| to - d))
            .or(span.map(|s| s.0))
            .unwrap_or(to - chrono::Duration::hours(1));
        evidence.extend(collect_metrics(metrics, from, to)?);
    }
    // Secrets and terminal control characters never reach a report, whatever its format; `--no-redact` keeps the
    // secrets (control characters are neutralised regardless).
    let redactor = read.redact.then(redact::Redactor::new);
    evidence.scrub(redactor.as_ref());
    Ok(analyze::analyze(&evidence, &analyze::Params { now, window, thresholds: settings.thresholds.clone() }))
}

/// The metric sources the flags name, resolved and validated (before any I/O).
#[derive(Debug, Default)]
struct MetricSources {
    prometheus: Option<sources::metrics::PrometheusOptions>,
    etcd: Option<sources::metrics::EtcdOptions>,
}

impl MetricSources {
    fn any(&self) -> bool {
        self.prometheus.is_some() || self.etcd.is_some()
    }
}

/// The metric sources `analyze` may use: `--prometheus-service` needs the API server, so it is refused here.
fn offline_metric_sources(m: &cli::MetricsArgs) -> Result<MetricSources, RunError> {
    let sources = metric_options(m)?;
    if m.prometheus_service.is_some() {
        let why = "reaches Prometheus through the API server: use it with the live run or collect".to_string();
        return Err(RunError::Usage(cli::UsageError { flag: "--prometheus-service", why }));
    }
    Ok(sources)
}

/// The metric sources the flags name.
fn metric_options(m: &cli::MetricsArgs) -> Result<MetricSources, RunError> {
    if m.metric_disk_ms.is_nan() || m.metric_disk_ms <= 0.0 {
        let why = "must be a positive number".to_string();
        return Err(RunError::Usage(cli::UsageError { flag: "--metric-disk-ms", why }));
    }
    let interval = parse_flag_duration("--scrape-interval", &m.scrape_interval)?;
    if interval.is_zero() {
        let why = "must be longer than 0s (a rate needs two scrapes apart)".to_string();
        return Err(RunError::Usage(cli::UsageError { flag: "--scrape-interval", why }));
    }
    let timeout = std::time::Duration::from_secs(30);
    let service_url = match &m.prometheus_service {
        Some(service) => Some(sources::metrics::service_proxy_path(service).ok_or_else(|| {
            RunError::Usage(cli::UsageError {
                flag: "--prometheus-service",
                why: format!("{service:?} is not NAMESPACE/SERVICE:PORT (e.g. monitoring/prometheus-k8s:9090)"),
            })
        })?),
        None => None,
    };
    let prometheus = m.prometheus_url.clone().or(service_url).map(|url| sources::metrics::PrometheusOptions {
        url,
        service: m.prometheus_service.clone(),
        token: m.prometheus_token.clone(),
        ca: m.prometheus_ca.clone(),
        timeout,
        disk_ms: m.metric_disk_ms,
    });
    let etcd = (!m.etcd_endpoints.is_empty()).then(|| sources::metrics::EtcdOptions {
        endpoints: m.etcd_endpoints.clone(),
        cacert: m.etcd_cacert.clone(),
        cert: m.etcd_cert.clone(),
        key: m.etcd_key.clone(),
        interval,
        timeout,
        disk_ms: m.metric_disk_ms,
    });
    Ok(MetricSources { prometheus, etcd })
}

/// Queries the metric sources the flags name.
fn collect_metrics(
    m: &MetricSources,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<evidence::Evidence> {
    let MetricSources { prometheus, etcd } = m;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")?;
    let mut out = evidence::Evidence::default();
    runtime.block_on(async {
        if let Some(p) = prometheus {
            out.extend(sources::metrics::prometheus(p, from, to).await);
        }
        if let Some(e) = etcd {
            out.extend(sources::metrics::etcd_direct(e).await);
        }
    });
    Ok(out)
}

/// The folder citations print relative to: the one folder analysed, if that is what was given.
fn analysed_root(paths: &[std::path::PathBuf]) -> Option<String> {
    match paths {
        [one] if one.is_dir() => Some(one.display().to_string()),
        _ => None,
    }
}

/// Renders the report to stdout and decides the outcome; `details` is `--details`, `root` the analysed folder.
fn emit(report: &Report, settings: &Settings, details: bool, root: Option<String>) -> anyhow::Result<Outcome> {
    let opts = RenderOpts {
        color: settings.color,
        tz: settings.tz,
        max_timeline_rows: settings.max_timeline_rows,
        details,
        root,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match settings.output {
        OutputFormat::Text => report::terminal::render(report, &mut out, &opts),
        OutputFormat::Json => report::json::render(report, &mut out, &opts),
        OutputFormat::Markdown => report::markdown::render(report, &mut out, &opts),
        OutputFormat::Html => report::html::render(report, &mut out, &opts),
    }
    .and_then(|()| out.flush())
    .context("writing the report")?;
    let matched = match settings.fail_on {
        Some(FailOn::Storage) => report.headline.storage_latency,
        Some(FailOn::Disk) => report.storage.verdict == model::StorageVerdict::TooSlow,
        Some(FailOn::Any) => report.verdict.cause.is_some(),
        None => false,
    };
    Ok(if matched { Outcome::FailOnMatched } else { Outcome::Analysed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_reads_like_kubectls() {
        let secs = std::time::Duration::from_secs;
        assert_eq!(parse_request_timeout("5").unwrap(), Some(secs(5)), "a bare number is seconds");
        assert_eq!(parse_request_timeout("2m").unwrap(), Some(secs(120)));
        assert_eq!(parse_request_timeout("0").unwrap(), None, "0: no per-request limit");
        assert_eq!(parse_request_timeout("0s").unwrap(), None);
        assert!(matches!(parse_request_timeout("soon"), Err(RunError::Usage(u)) if u.flag == "--request-timeout"));
    }
}
