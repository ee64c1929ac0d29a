//! The `ferromq-namesrv` binary: a name server on `--listen` (default `0.0.0.0:9876`),
//! configured by an optional RocketMQ-style properties file, stopped by SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ferromq_namesrv::{run, NamesrvConfig};
use tracing::{error, warn};

/// FerroMQ name server (RocketMQ-compatible).
#[derive(Debug, Parser)]
#[command(name = "ferromq-namesrv", version, about)]
struct Args {
    /// Address to listen on. Default: 0.0.0.0:<listenPort>, i.e. 0.0.0.0:9876.
    #[arg(long, value_name = "HOST:PORT")]
    listen: Option<SocketAddr>,
    /// RocketMQ-style `key=value` config file (listenPort, kvConfigPath,
    /// scanNotActiveBrokerInterval, ...). Unknown keys are warned about, not fatal.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // Colour codes only on a terminal, so log files and pipes stay greppable.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();

    let mut config = NamesrvConfig::default();
    if let Some(path) = &args.config {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for warning in config.apply_properties(&text) {
                    warn!(file = %path.display(), "{warning}");
                }
            }
            Err(e) => {
                error!(file = %path.display(), %e, "cannot read config file");
                return ExitCode::FAILURE;
            }
        }
    }
    let listen = args
        .listen
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], config.listen_port)));
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            error!(%listen, %e, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    match run(listener, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!(%e, "name server failed");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            error!(%e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                error!(%e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
