//! etcd-triage: gathers restart histories, etcd / API-server logs and Kubernetes objects, and attributes
//! CrashLoopBackOff to storage latency only when the evidence fits.
//!
//! Layers (see ARCHITECTURE.md): `sources` (all I/O) -> `evidence` (plain data) -> `analyze` (pure) ->
//! `report` (pure rendering). `cli` holds the clap types; [`run`] wires a source to the analysis to a renderer.

pub mod analyze;
pub mod cli;
pub mod evidence;
pub mod parse;
pub mod report;
pub mod sources;

use std::io::Write;

use anyhow::Context as _;

use cli::{Cli, Command, FailOn, OutputFormat, Settings};
use report::RenderOpts;
use report::model::{Outcome as VerdictOutcome, Report};

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
    /// No subcommand: live collection is not available in this build.
    #[error(
        "live collection from a cluster is not available in this version; analyse evidence files instead:\n  kubectl etcd-triage analyze PATH...\n(on a control-plane node: kubectl etcd-triage analyze /var/log/pods)"
    )]
    NoLiveSource,
}

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
        Some(Command::Analyze(args)) => {
            let settings = Settings::resolve(&cli.global, false, now).map_err(RunError::from)?;
            let assume_tz = cli::parse_tz("--assume-tz", &args.assume_tz).map_err(RunError::from)?;
            let opts = sources::files::ReadOptions { assume_tz, fallback_now: settings.now };
            let evidence = sources::files::read_paths(&args.paths, &opts).map_err(RunError::from)?;
            let report = analyze::analyze(
                &evidence,
                &analyze::Params {
                    now: settings.now,
                    window: settings.window.clone(),
                    thresholds: settings.thresholds.clone(),
                },
            );
            emit(&report, &settings)
        }
        None => {
            Settings::resolve(&cli.global, true, now).map_err(RunError::from)?;
            Err(RunError::NoLiveSource.into())
        }
    }
}

/// Renders the report to stdout and decides the outcome.
fn emit(report: &Report, settings: &Settings) -> anyhow::Result<Outcome> {
    let opts = RenderOpts { color: settings.color, tz: settings.tz, max_timeline_rows: settings.max_timeline_rows };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match settings.output {
        OutputFormat::Text => report::terminal::render(report, &mut out, &opts),
        OutputFormat::Json => report::json::render(report, &mut out, &opts),
        OutputFormat::Markdown => report::markdown::render(report, &mut out, &opts),
    }
    .and_then(|()| out.flush())
    .context("writing the report")?;
    let matched = match settings.fail_on {
        Some(FailOn::Storage) => report.verdict.outcome == VerdictOutcome::StorageLatency,
        Some(FailOn::Any) => report.verdict.cause.is_some(),
        None => false,
    };
    Ok(if matched { Outcome::FailOnMatched } else { Outcome::Analysed })
}
