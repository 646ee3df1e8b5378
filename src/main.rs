//! `kubectl-etcd_triage`: kubectl finds it for `kubectl etcd-triage`. Thin: parse, run, map to an exit status.

use std::process::ExitCode;

use clap::Parser;
use kubectl_etcd_triage::{Outcome, RunError, cli::Cli, run};

fn main() -> ExitCode {
    // kube's rustls client needs a process-wide crypto provider; ring is the one compiled in.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse(); // clap exits 2 on usage errors and 0 for --help/--version
    // SIGINT / SIGTERM remove the run's temporary files (probe file, unpacked archive, staging folder).
    kubectl_etcd_triage::cleanup::install();
    match run(cli) {
        Ok(Outcome::Analysed) => ExitCode::SUCCESS,
        Ok(Outcome::FailOnMatched) => ExitCode::from(4),
        Err(err) => {
            // A closed pipe (`| head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kubectl etcd-triage: error: {err:#}");
            match err.downcast_ref::<RunError>() {
                Some(RunError::Usage(_)) => ExitCode::from(2),
                Some(RunError::Input(_)) | Some(RunError::Live(_)) | Some(RunError::Probe(_)) => ExitCode::from(3),
                Some(RunError::Interrupted) => ExitCode::from(130),
                None => ExitCode::from(1),
            }
        }
    }
}
