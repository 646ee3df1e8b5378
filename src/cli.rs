//! Command-line types (clap) and their resolution into [`Settings`] (ripgrep's low/high split): flags are parsed
//! as given, then checked and resolved once (colour against the TTY and `NO_COLOR`, time zones, the window).
//!
//! No I/O beyond reading the environment and asking whether stdout is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analyze::{SinceAnchor, WindowSpec};
use crate::model::thresholds::Thresholds;

/// The exit statuses, as README's "Exit status" lists them (tests/cli.rs checks that both list every code `main`
/// and the signal handlers return).
const EXIT_CODES: &str = "\
Exit status:
  0  the analysis ran (whatever the verdict, unless --fail-on matched); also --help,
     --version and a closed output pipe
  1  an unexpected runtime error (e.g. the report cannot be written)
  2  usage error (bad flags or values, before anything is read)
  3  input error: nothing at all could be read (every path given is missing, or every entry
     under it is unreadable or refused: FIFOs, sockets, dangling or looping symlinks, links out
     of the folder; when anything can be read, the rest are gaps in the report); the API
     server cannot be reached or rejects the credentials; probe-disk cannot run in its folder
  4  --fail-on storage was given and the headline is storage latency (the restarts were
     put down to it, or there were none and etcd's storage is too slow); --fail-on disk:
     etcd's storage is too slow, whatever caused the restarts; --fail-on any: any restart
     cause was found
  101  a bug (a panic); please report it
  129  hung up (SIGHUP); 130  interrupted (Ctrl-C, SIGINT); 143  terminated (SIGTERM): the
     probe's file, unpacked archives, staging folders and bundles being written are removed

Read-only: etcd-triage never writes to the cluster.";

/// `--help` headings: flags are grouped by what they are about.
const COLLECTION: &str = "Collection (live run and collect)";
const METRICS: &str = "Metrics";
const WINDOW: &str = "Window";
const THRESHOLDS: &str = "Thresholds";
const OUTPUT: &str = "Output";
const INPUT: &str = "Input (files and archives)";
const CONNECTION: &str = "Connection (kubectl's flags; override the kubeconfig)";

/// Attributes CrashLoopBackOff to etcd storage latency when, and only when, the evidence fits.
#[derive(Debug, Parser)]
#[command(name = "kubectl-etcd_triage", bin_name = "kubectl etcd-triage", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Output format of the live report (no subcommand).
    #[arg(short = 'o', long = "output", value_enum, help_heading = OUTPUT)]
    pub output: Option<OutputFormat>,
    /// Print the whole report in the terminal (reasoning, every citation, restart histories, members, nodes, the
    /// timeline, gaps and inputs) instead of the one-screen summary.
    #[arg(long, help_heading = OUTPUT)]
    pub details: bool,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse evidence files: etcd / kube-apiserver / container logs (raw, CRI files from /var/log/pods,
    /// `kubectl logs --timestamps`), `kubectl get -o json` dumps and `kubectl cluster-info dump` folders.
    Analyze(AnalyzeArgs),
    /// Collect everything the live triage reads into a bundle for a ticket (raw, secrets redacted, with a
    /// manifest); `analyze BUNDLE` gives the same report as the live run.
    Collect(CollectArgs),
    /// Measure this node's disk the way etcd uses it: sequential 2300-byte writes each followed by fdatasync,
    /// 22 MiB in a temporary file (removed afterwards), as the etcd docs' fio test. Run it on the etcd node.
    ProbeDisk(ProbeArgs),
    /// Print the tool's version, git commit, build target and report schema.
    Version(VersionArgs),
    /// Print a shell completion script (bash, zsh or fish) for `kubectl-etcd_triage`; kubectl's own completion of
    /// `kubectl etcd-triage <TAB>` uses the `kubectl_complete-etcd_triage` script shipped beside the binary.
    Completion(CompletionArgs),
    /// Print the man page (roff), generated from these flags: `kubectl etcd-triage man > kubectl-etcd_triage.1`.
    Man,
    /// Completion candidates for the words after `kubectl etcd-triage` (the last one being completed), one a line,
    /// then kubectl's `:DIRECTIVE` line; called by kubectl_complete-etcd_triage.
    #[command(name = "__complete", hide = true)]
    Complete(CompleteArgs),
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// `json` for automation.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: ProbeFormat,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    /// The words typed so far after `kubectl etcd-triage`; the last one is being completed (may be empty).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The folder to measure (where etcd keeps its data or WAL); existing files are never touched.
    #[arg(long, value_name = "DIR", default_value = "/var/lib/etcd")]
    pub dir: PathBuf,
    /// `json` gives a report that `analyze` accepts as evidence.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    pub output: ProbeFormat,
    /// Bytes to write (default 22 MiB, as etcd's fio test).
    #[arg(long, value_name = "BYTES", default_value_t = crate::sources::probe::DEFAULT_TOTAL_BYTES, hide = true)]
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Write a .tar.gz bundle here.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        required_unless_present = "out_dir",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// Write the bundle as a folder (which must not exist yet).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace the -o FILE if it exists (without it an existing file is refused before anything is collected).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// How to collect from a cluster (live triage and `collect`).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = COLLECTION)]
pub struct LiveArgs {
    /// Time to wait for each API answer (and between chunks of a log stream), as kubectl's flag: a bare number is
    /// seconds, 0 waits as long as the --deadline allows.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: String,
    /// Budget for the whole collection; what is unfinished then is reported as missing.
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub deadline: String,
    /// API requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Objects per list page (limit/continue).
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: u32,
    /// Most bytes read of each API answer (a list page, /version, /metrics); a larger one is reported as missing.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::sources::bundle::parse_size)]
    pub max_response_bytes: u64,
    /// Most bytes read of each container log (also asked of the server as limitBytes); the rest is reported as cut.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::sources::bundle::parse_size)]
    pub max_log_bytes: u64,
    /// Most bytes read of all container logs together; logs past it are cut or not fetched, and reported.
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = crate::sources::bundle::parse_size)]
    pub max_total_log_bytes: u64,
    /// Namespace of the etcd pods (overrides discovery; with --etcd-selector).
    #[arg(long, value_name = "NS", requires = "etcd_selector")]
    pub etcd_namespace: Option<String>,
    /// Label selector of the etcd pods (e.g. component=etcd).
    #[arg(long, value_name = "SELECTOR", requires = "etcd_namespace")]
    pub etcd_selector: Option<String>,
    /// Namespace of the kube-apiserver pods (overrides discovery; with --apiserver-selector).
    #[arg(long, value_name = "NS", requires = "apiserver_selector")]
    pub apiserver_namespace: Option<String>,
    /// Label selector of the kube-apiserver pods.
    #[arg(long, value_name = "SELECTOR", requires = "apiserver_namespace")]
    pub apiserver_selector: Option<String>,
    /// Lines of each restarted container's previous (and current) log.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub log_tail: i64,
    /// Restarted containers whose logs are fetched, most restarted and crash-looping first.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_container_logs: usize,
    /// Keep secrets (tokens, Authorization headers, keys, URL passwords) in what is written.
    #[arg(long)]
    pub no_redact: bool,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files or folders to read (recognised by content; folders are read recursively; .gz is decompressed).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Zone assumed for log timestamps that carry none (capnslog, klog, journald), as an IANA name.
    #[arg(long, value_name = "ZONE", default_value = "UTC", help_heading = INPUT)]
    pub assume_tz: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, help_heading = OUTPUT)]
    pub output: Option<OutputFormat>,
    /// Print the whole report in the terminal (reasoning, every citation, restart histories, members, nodes, the
    /// timeline, gaps and inputs) instead of the one-screen summary.
    #[arg(long, help_heading = OUTPUT)]
    pub details: bool,
    /// Most bytes an archive (.tar.gz) may unpack to; what lies past it is reported as a gap, not read.
    #[arg(long, value_name = "SIZE", default_value = "2GiB", value_parser = crate::sources::bundle::parse_size,
          help_heading = INPUT)]
    pub max_unpacked_bytes: u64,
    /// Most entries read from an archive; those past it are reported as a gap.
    #[arg(long, value_name = "N", default_value_t = crate::sources::bundle::DEFAULT_MAX_ENTRIES, help_heading = INPUT)]
    pub max_entries: u64,
    /// Show secrets (tokens, passwords, keys, cookies, signed-URL signatures) found in the inputs in the report
    /// instead of [REDACTED].
    #[arg(long, help_heading = INPUT)]
    pub no_redact: bool,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// Metric sources added to the evidence (read-only GET requests).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = METRICS)]
pub struct MetricsArgs {
    /// Prometheus base URL: range queries over the window for etcd's WAL fsync and backend commit histograms.
    #[arg(long, value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// Prometheus reached through the API server's service proxy, as NAMESPACE/SERVICE:PORT (live runs; needs
    /// get on services/proxy).
    #[arg(long, value_name = "NS/NAME:PORT", conflicts_with = "prometheus_url")]
    pub prometheus_service: Option<String>,
    /// Bearer token for Prometheus.
    #[arg(long, value_name = "TOKEN", env = "ETCD_TRIAGE_PROMETHEUS_TOKEN", hide_env_values = true)]
    pub prometheus_token: Option<String>,
    /// CA bundle (PEM) for an https Prometheus.
    #[arg(long, value_name = "FILE")]
    pub prometheus_ca: Option<PathBuf>,
    /// etcd client URLs to scrape /metrics and /health from directly, comma-separated; `name=URL` names the member
    /// as in its logs (e.g. etcd-cp1=https://10.0.0.1:2379).
    #[arg(long, value_name = "URLS", value_delimiter = ',')]
    pub etcd_endpoints: Vec<String>,
    /// CA of etcd's client certificates (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).
    #[arg(long, value_name = "FILE")]
    pub etcd_cacert: Option<PathBuf>,
    /// Client certificate for etcd (kubeadm: /etc/kubernetes/pki/etcd/healthcheck-client.crt).
    #[arg(long, value_name = "FILE", requires = "etcd_key")]
    pub etcd_cert: Option<PathBuf>,
    /// Client key for etcd.
    #[arg(long, value_name = "FILE", requires = "etcd_cert")]
    pub etcd_key: Option<PathBuf>,
    /// Time between the two /metrics scrapes of each etcd endpoint.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub scrape_interval: String,
    /// A WAL fsync / backend commit p99 from metrics at or over this is storage evidence (etcd's 100 ms heartbeat
    /// interval: a slower fsync delays heartbeats). Lower values are reported, not attributed.
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    pub metric_disk_ms: f64,
}

impl MetricsArgs {
    pub fn any(&self) -> bool {
        self.prometheus_url.is_some() || self.prometheus_service.is_some() || !self.etcd_endpoints.is_empty()
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Coloured terminal text (plain when not a TTY or NO_COLOR is set).
    Text,
    /// The versioned JSON report (schema `etcd-triage/report/v3`, published in schema/report.schema.json): the
    /// contract for automation.
    Json,
    /// Ticket-ready Markdown.
    Markdown,
    /// One self-contained HTML page (no scripts, fonts or images fetched) with an inline SVG timeline chart.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 4 when the headline is etcd storage latency: the restarts were put down to it, or there were none and
    /// the storage verdict is too slow.
    Storage,
    /// Exit 4 whenever the storage verdict is too slow, whatever caused the restarts (for cron and CI).
    Disk,
    /// Exit 4 when any restart cause was found.
    Any,
}

/// Flags accepted anywhere on the command line (kubectl passes every flag through to the plugin).
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to colour the text output.
    #[arg(long, value_enum, default_value = "auto", global = true, help_heading = OUTPUT)]
    pub color: ColorChoice,
    /// Time zone for displayed times (IANA name such as Europe/Berlin); JSON is always UTC.
    #[arg(long, value_name = "ZONE", default_value = "UTC", global = true, help_heading = OUTPUT)]
    pub tz: String,
    /// Only this much time, counted back from the latest evidence (offline) or from now (live; default 6h):
    /// 30m, 2h, 1d.
    #[arg(long, value_name = "DURATION", global = true, help_heading = WINDOW)]
    pub since: Option<String>,
    /// Start of the window (RFC 3339, e.g. 2026-11-25T14:00:00Z).
    #[arg(long, value_name = "TIME", global = true, help_heading = WINDOW)]
    pub from: Option<String>,
    /// End of the window (RFC 3339).
    #[arg(long, value_name = "TIME", global = true, help_heading = WINDOW)]
    pub to: Option<String>,
    /// Exit with status 4 when this is found.
    #[arg(long, value_enum, global = true, help_heading = OUTPUT)]
    pub fail_on: Option<FailOn>,
    /// Maximum timeline rows in text, Markdown and HTML output (JSON keeps all).
    #[arg(long, value_name = "N", default_value_t = 60, global = true, help_heading = OUTPUT)]
    pub max_timeline_rows: usize,
    /// How far before a restart evidence may have caused it.
    #[arg(long, value_name = "DURATION", default_value = "10m", global = true, help_heading = THRESHOLDS)]
    pub causal_window: String,
    /// An apply slower than this counts as storage evidence when seen on the leader or a quorum.
    #[arg(long, value_name = "MS", default_value_t = 500.0, global = true, help_heading = THRESHOLDS)]
    pub apply_severe_ms: f64,
    /// WAL fsync p99 guidance used in assessments (etcd docs: 10ms).
    #[arg(long, value_name = "MS", default_value_t = 10.0, global = true, help_heading = THRESHOLDS)]
    pub wal_fsync_p99_ms: f64,
    /// Backend commit p99 guidance used in assessments (Red Hat: 25ms).
    #[arg(long, value_name = "MS", default_value_t = 25.0, global = true, help_heading = THRESHOLDS)]
    pub backend_commit_p99_ms: f64,
    /// A backend disk operation (db open, defrag) this slow counts as storage evidence like a slow WAL sync
    /// (etcd's slow-fdatasync warning level: 1000ms).
    #[arg(long, value_name = "MS", default_value_t = 1000.0, global = true, help_heading = THRESHOLDS)]
    pub slow_fdatasync_ms: f64,
    /// A late heartbeat this long with no slow fdatasync on that member counts as a stall (CPU, freeze), not disk.
    #[arg(long, value_name = "MS", default_value_t = 1000.0, global = true, help_heading = THRESHOLDS)]
    pub stall_ms: f64,
    /// A container that fails within this long of starting is failing at start-up.
    #[arg(long, value_name = "DURATION", default_value = "30s", global = true, help_heading = THRESHOLDS)]
    pub startup_failure: String,
    /// Timeline rows of the same subject and kind closer than this are folded into one.
    #[arg(long, value_name = "DURATION", default_value = "60s", global = true, help_heading = THRESHOLDS)]
    pub timeline_fold: String,
    /// Path to the kubeconfig file (live collection).
    #[arg(long, value_name = "FILE", global = true, help_heading = CONNECTION)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (live collection).
    #[arg(long, value_name = "NAME", global = true, help_heading = CONNECTION)]
    pub context: Option<String>,
    /// Namespace of the workloads to examine (live collection; default: all namespaces).
    #[arg(short = 'n', long, value_name = "NS", global = true, help_heading = COLLECTION)]
    pub namespace: Option<String>,
    /// Examine all namespaces (live collection; the default).
    #[arg(short = 'A', long, global = true, help_heading = COLLECTION)]
    pub all_namespaces: bool,
    /// Print the log prefilter's needles, one a line, and exit (used by bench/parse-throughput.sh).
    #[arg(long, hide = true)]
    pub print_needles: bool,
    /// Pin "now" (RFC 3339) for reproducible reports.
    #[arg(long, value_name = "TIME", global = true, hide = true)]
    pub now: Option<String>,
}

/// kubectl's connection flags, with kubectl's meaning: each overrides what the kubeconfig says.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = CONNECTION)]
pub struct ConnectionArgs {
    /// The address and port of the Kubernetes API server.
    #[arg(short = 's', long = "server", value_name = "URL", global = true)]
    pub server: Option<String>,
    /// Bearer token for authentication to the API server.
    #[arg(long, value_name = "TOKEN", global = true)]
    pub token: Option<String>,
    /// Path to a cert file for the certificate authority.
    #[arg(long, value_name = "FILE", global = true)]
    pub certificate_authority: Option<PathBuf>,
    /// Path to a client certificate file for TLS.
    #[arg(long, value_name = "FILE", global = true)]
    pub client_certificate: Option<PathBuf>,
    /// Path to a client key file for TLS.
    #[arg(long, value_name = "FILE", global = true)]
    pub client_key: Option<PathBuf>,
    /// If true, the server's certificate will not be checked for validity. This will make your HTTPS connections
    /// insecure.
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Server name to use for server certificate validation. If it is not provided, the hostname used to contact
    /// the server is used.
    #[arg(long, value_name = "NAME", global = true)]
    pub tls_server_name: Option<String>,
    /// The name of the kubeconfig user to use.
    #[arg(long, value_name = "NAME", global = true)]
    pub user: Option<String>,
    /// The name of the kubeconfig cluster to use.
    #[arg(long, value_name = "NAME", global = true)]
    pub cluster: Option<String>,
    /// Username to impersonate for the operation. User could be a regular user or a service account in a
    /// namespace.
    #[arg(long = "as", value_name = "USER", global = true)]
    pub impersonate: Option<String>,
    /// Group to impersonate for the operation, this flag can be repeated to specify multiple groups.
    #[arg(long = "as-group", value_name = "GROUP", global = true)]
    pub impersonate_groups: Vec<String>,
    /// UID to impersonate for the operation.
    #[arg(long = "as-uid", value_name = "UID", global = true)]
    pub impersonate_uid: Option<String>,
}

impl ConnectionArgs {
    /// kubectl's own checks of flag combinations.
    pub fn check(&self) -> Result<(), UsageError> {
        if self.insecure_skip_tls_verify && self.certificate_authority.is_some() {
            return Err(UsageError {
                flag: "--insecure-skip-tls-verify",
                why: "cannot be combined with --certificate-authority (kubectl refuses the same)".into(),
            });
        }
        if self.impersonate.is_none() && (!self.impersonate_groups.is_empty() || self.impersonate_uid.is_some()) {
            let flag = if self.impersonate_groups.is_empty() { "--as-uid" } else { "--as-group" };
            return Err(UsageError {
                flag,
                why: "needs --as (the API server refuses groups or a UID without a user to impersonate)".into(),
            });
        }
        Ok(())
    }
}

/// A flag value that cannot be used, naming the flag.
#[derive(Debug, thiserror::Error)]
#[error("invalid value for {flag}: {why}")]
pub struct UsageError {
    pub flag: &'static str,
    pub why: String,
}

/// Resolved settings (the "high" side).
#[derive(Debug, Clone)]
pub struct Settings {
    pub output: OutputFormat,
    pub color: bool,
    pub tz: chrono_tz::Tz,
    pub window: WindowSpec,
    pub fail_on: Option<FailOn>,
    pub max_timeline_rows: usize,
    pub thresholds: Thresholds,
    pub now: DateTime<Utc>,
}

fn parse_duration(flag: &'static str, s: &str) -> Result<Duration, UsageError> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| UsageError { flag, why: format!("{s:?}: {e} (use e.g. 30m, 2h, 1d)") })?;
    Duration::from_std(d).map_err(|e| UsageError { flag, why: e.to_string() })
}

fn parse_time(flag: &'static str, s: &str) -> Result<DateTime<Utc>, UsageError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| UsageError { flag, why: format!("{s:?} is not RFC 3339 ({e}); e.g. 2026-11-25T14:00:00Z") })
}

pub fn parse_tz(flag: &'static str, s: &str) -> Result<chrono_tz::Tz, UsageError> {
    s.parse::<chrono_tz::Tz>()
        .map_err(|_| UsageError { flag, why: format!("{s:?} is not an IANA time zone name (e.g. UTC, Europe/Berlin)") })
}

impl Settings {
    /// Validates and resolves the global flags. `live` picks where `--since` counts back from.
    pub fn resolve(
        g: &GlobalArgs,
        output: Option<OutputFormat>,
        live: bool,
        wall_clock_now: DateTime<Utc>,
    ) -> Result<Settings, UsageError> {
        let output = output.unwrap_or(OutputFormat::Text);
        let since = g.since.as_deref().map(|s| parse_duration("--since", s)).transpose()?;
        let from = g.from.as_deref().map(|s| parse_time("--from", s)).transpose()?;
        let to = g.to.as_deref().map(|s| parse_time("--to", s)).transpose()?;
        if since.is_some() && from.is_some() {
            return Err(UsageError { flag: "--since", why: "cannot be combined with --from".into() });
        }
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(UsageError { flag: "--from", why: format!("{f} is not before --to {t}") });
        }
        if g.namespace.is_some() && g.all_namespaces {
            return Err(UsageError { flag: "--namespace", why: "cannot be combined with --all-namespaces".into() });
        }
        let causal = parse_duration("--causal-window", &g.causal_window)?;
        // An empty window or causal window would silently leave nothing to weigh.
        for (flag, d) in [("--since", since), ("--causal-window", Some(causal))] {
            if d.is_some_and(|d| d <= Duration::zero()) {
                return Err(UsageError { flag, why: "must be longer than 0s".into() });
            }
        }
        let startup = parse_duration("--startup-failure", &g.startup_failure)?;
        let fold = parse_duration("--timeline-fold", &g.timeline_fold)?;
        for (flag, v) in [
            ("--apply-severe-ms", g.apply_severe_ms),
            ("--wal-fsync-p99-ms", g.wal_fsync_p99_ms),
            ("--backend-commit-p99-ms", g.backend_commit_p99_ms),
            ("--slow-fdatasync-ms", g.slow_fdatasync_ms),
            ("--stall-ms", g.stall_ms),
        ] {
            if v.is_nan() || v <= 0.0 {
                return Err(UsageError { flag, why: "must be a positive number".into() });
            }
        }
        let now = g.now.as_deref().map(|s| parse_time("--now", s)).transpose()?.unwrap_or(wall_clock_now);
        let color = match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        let thresholds = Thresholds {
            causal_window_secs: causal.num_seconds(),
            apply_severe_ms: g.apply_severe_ms,
            wal_fsync_p99_ms: g.wal_fsync_p99_ms,
            backend_commit_p99_ms: g.backend_commit_p99_ms,
            slow_fdatasync_ms: g.slow_fdatasync_ms,
            stall_without_fsync_ms: g.stall_ms,
            startup_failure_secs: startup.num_seconds(),
            timeline_fold_secs: fold.num_seconds(),
            ..Thresholds::default()
        };
        Ok(Settings {
            output,
            color: color && output == OutputFormat::Text,
            tz: parse_tz("--tz", &g.tz)?,
            window: WindowSpec {
                from,
                to,
                since,
                since_anchor: if live { SinceAnchor::Now } else { SinceAnchor::LatestEvidence },
                basis: None,
            },
            fail_on: g.fail_on,
            max_timeline_rows: g.max_timeline_rows,
            thresholds,
            now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(args).expect("valid args")
    }

    #[test]
    fn global_flags_work_before_and_after_the_subcommand() {
        let a = parse(&["kubectl-etcd_triage", "--tz", "Europe/Berlin", "analyze", "x"]);
        let b = parse(&["kubectl-etcd_triage", "analyze", "x", "--tz", "Europe/Berlin", "-o", "json"]);
        assert_eq!((a.global.tz.as_str(), b.global.tz.as_str()), ("Europe/Berlin", "Europe/Berlin"));
        let Some(Command::Analyze(args)) = &b.command else { panic!("analyze") };
        assert_eq!(args.output, Some(OutputFormat::Json));
        // Live: -o before or without a subcommand is the report format; `collect -o` is the bundle's path.
        assert_eq!(parse(&["k", "-o", "markdown"]).output, Some(OutputFormat::Markdown));
        let c = parse(&["k", "collect", "-o", "incident.tar.gz", "-n", "karmada-system"]);
        let Some(Command::Collect(args)) = &c.command else { panic!("collect") };
        assert_eq!(args.output.as_deref(), Some(std::path::Path::new("incident.tar.gz")));
        assert_eq!(c.global.namespace.as_deref(), Some("karmada-system"));
    }

    #[test]
    fn since_and_from_are_exclusive() {
        let cli = parse(&["k", "analyze", "x", "--since", "2h", "--from", "2026-11-25T00:00:00Z"]);
        let err = Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err();
        assert_eq!(err.flag, "--since");
    }

    #[test]
    fn bad_values_name_the_flag() {
        let cli = parse(&["k", "analyze", "x", "--tz", "Mars/Olympus"]);
        assert_eq!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err().flag, "--tz");
        let cli = parse(&["k", "analyze", "x", "--since", "two hours"]);
        assert_eq!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err().flag, "--since");
        let cli = parse(&["k", "analyze", "x", "--from", "yesterday"]);
        assert_eq!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err().flag, "--from");
    }

    #[test]
    fn since_counts_back_from_evidence_offline_and_now_live() {
        let cli = parse(&["k", "analyze", "x", "--since", "90m"]);
        let offline = Settings::resolve(&cli.global, None, false, Utc::now()).unwrap();
        assert_eq!(offline.window.since, Some(Duration::minutes(90)));
        assert_eq!(offline.window.since_anchor, SinceAnchor::LatestEvidence);
        let live = Settings::resolve(&cli.global, None, true, Utc::now()).unwrap();
        assert_eq!(live.window.since_anchor, SinceAnchor::Now);
    }

    #[test]
    fn threshold_flags_reach_the_thresholds() {
        let cli =
            parse(&["k", "analyze", "x", "--stall-ms", "2500", "--causal-window", "5m", "--startup-failure", "1m"]);
        let t = Settings::resolve(&cli.global, None, false, Utc::now()).unwrap().thresholds;
        assert_eq!((t.stall_without_fsync_ms, t.causal_window_secs, t.startup_failure_secs), (2500.0, 300, 60));
        let cli = parse(&["k", "analyze", "x", "--stall-ms=0"]);
        assert_eq!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err().flag, "--stall-ms");
        let cli = parse(&["k", "analyze", "x", "--slow-fdatasync-ms", "400", "--backend-commit-p99-ms", "40"]);
        let t = Settings::resolve(&cli.global, None, false, Utc::now()).unwrap().thresholds;
        assert_eq!((t.slow_fdatasync_ms, t.backend_commit_p99_ms), (400.0, 40.0));
        let cli = parse(&["k", "analyze", "x", "--slow-fdatasync-ms=-1"]);
        assert_eq!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap_err().flag, "--slow-fdatasync-ms");
    }

    #[test]
    fn color_never_applies_to_json() {
        let cli = parse(&["k", "analyze", "x", "--color", "always"]);
        assert!(!Settings::resolve(&cli.global, Some(OutputFormat::Json), false, Utc::now()).unwrap().color);
        let cli = parse(&["k", "analyze", "x", "--color", "always"]);
        assert!(Settings::resolve(&cli.global, None, false, Utc::now()).unwrap().color);
    }
}
