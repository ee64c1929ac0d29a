//! `ferromq-broker`: the FerroMQ broker. Without a name server address (no `-n`, no
//! `NAMESRV_ADDR`, no `namesrvAddr` in the config file) it runs standalone, with an
//! in-process name server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ferromq_broker::{run, Broker, BrokerConfig};
use tokio::net::TcpListener;

#[derive(Parser, Debug)]
#[command(
    name = "ferromq-broker",
    version,
    about = "FerroMQ broker (RocketMQ-compatible)"
)]
struct Cli {
    /// RocketMQ-style `key=value` configuration file (broker.conf).
    #[arg(short = 'c', long = "config")]
    config: Option<PathBuf>,
    /// Name server addresses, `host:port;host:port`. Without one anywhere the broker runs
    /// standalone with an in-process name server.
    #[arg(short = 'n', long = "namesrv-addr", env = "NAMESRV_ADDR")]
    namesrv_addr: Option<String>,
    /// Port for clients (`listenPort`, default 10911); port − 2 serves old clients' VIP channel.
    #[arg(long)]
    listen_port: Option<u16>,
    /// Store directory (`storePathRootDir`, default `~/store`).
    #[arg(long)]
    store_path: Option<PathBuf>,
    /// Port of the in-process name server in standalone mode.
    #[arg(long, default_value_t = 9876)]
    namesrv_port: u16,
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = BrokerConfig::default();
    if let Some(path) = &cli.config {
        for key in config.load_file(path)? {
            tracing::warn!(key, file = %path.display(), "unknown configuration key ignored");
        }
    }
    if let Some(addr) = cli.namesrv_addr.filter(|a| !a.trim().is_empty()) {
        config.namesrv_addr = Some(addr);
    }
    if let Some(p) = cli.listen_port {
        config.listen_port = p;
    }
    if let Some(p) = cli.store_path {
        config.store.store_path_root_dir = p;
    }

    let (stop_namesrv, namesrv_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut namesrv_task = None;
    if config.namesrv_addrs().is_empty() {
        let listener = TcpListener::bind(("0.0.0.0", cli.namesrv_port)).await?;
        let port = listener.local_addr()?.port();
        println!("standalone mode: in-process name server on 0.0.0.0:{port}");
        config.namesrv_addr = Some(format!("127.0.0.1:{port}"));
        namesrv_task = Some(tokio::spawn(ferromq_namesrv::run(
            listener,
            ferromq_namesrv::NamesrvConfig::default(),
            namesrv_stopped,
        )));
    }

    let main = TcpListener::bind(("0.0.0.0", config.listen_port)).await?;
    config.listen_port = main.local_addr()?.port();
    let mut listeners = vec![main];
    if let Some(vip_port) = config.listen_port.checked_sub(2).filter(|p| *p > 0) {
        match TcpListener::bind(("0.0.0.0", vip_port)).await {
            Ok(l) => listeners.push(l),
            Err(e) => {
                tracing::warn!(port = vip_port, error = %e, "cannot open the VIP channel port")
            }
        }
    }
    let store_dir = config.store.store_path_root_dir.clone();
    let broker = tokio::task::spawn_blocking(move || Broker::open(config)).await??;
    println!(
        "ferromq-broker {} ({}) listening on 0.0.0.0:{} (advertised {}), name server {}, store {}",
        broker.config.broker_name,
        broker.config.broker_role().name(),
        broker.config.listen_port,
        broker.config.broker_addr(),
        broker.config.namesrv_addr.clone().unwrap_or_default(),
        store_dir.display()
    );
    run(listeners, broker, shutdown_signal()).await?;
    if let Some(task) = namesrv_task {
        let _ = stop_namesrv.send(());
        let _ = task.await;
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ferromq-broker: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferromq-broker: {e}");
            ExitCode::FAILURE
        }
    }
}
