//! The accept loop, per-connection handlers and the liveness scanner (mini-redis style).
//!
//! Shutdown: the caller's `shutdown` future completing makes [`run`] stop accepting, broadcast
//! to every connection task and the scanner, then wait until all of them have dropped their
//! `shutdown_complete` sender. A semaphore bounds open connections; accept errors back off
//! exponentially. A connection whose frames do not decode is closed; no other is affected.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferromq_protocol::RemotingCommand;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, Semaphore};
use tracing::{debug, error, info, warn};

use crate::cmd;
use crate::config::NamesrvConfig;
use crate::connection::Connection;
use crate::error::NamesrvError;
use crate::kv::KvConfigManager;
use crate::route::{ConnId, RouteInfoManager};
use crate::shutdown::Shutdown;

/// State shared by every connection.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: NamesrvConfig,
    pub(crate) routes: RouteInfoManager,
    pub(crate) kv: Arc<KvConfigManager>,
}

/// Serves the name server protocol on `listener` until `shutdown` completes.
///
/// Loads the KV config from `config.kv_config_path` first, starts the liveness scanner
/// (every `scan_not_active_broker_interval`), then accepts connections, at most
/// `max_connections` at a time. On shutdown it stops accepting, tells every connection to
/// finish, and returns once all of them and the scanner have ended.
///
/// ```no_run
/// # async fn demo() -> Result<(), ferromq_namesrv::NamesrvError> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9876").await.unwrap();
/// ferromq_namesrv::run(listener, Default::default(), tokio::signal::ctrl_c()).await
/// # }
/// ```
///
/// # Errors
/// [`NamesrvError::KvConfigIo`] / [`NamesrvError::KvConfigCorrupt`] when the KV file cannot be
/// read at startup. Errors while serving are logged, not returned.
pub async fn run(
    listener: TcpListener,
    config: NamesrvConfig,
    shutdown: impl Future,
) -> Result<(), NamesrvError> {
    let kv = Arc::new(KvConfigManager::load(config.kv_config_path.clone())?);
    let max_connections = config.max_connections.max(1);
    let shared = Arc::new(Shared {
        config,
        routes: RouteInfoManager::new(),
        kv,
    });
    let (notify_shutdown, _) = broadcast::channel(1);
    let (shutdown_complete_tx, mut shutdown_complete_rx) = mpsc::channel::<()>(1);

    tokio::spawn(scan_not_active_brokers(
        shared.clone(),
        Shutdown::new(notify_shutdown.subscribe()),
        shutdown_complete_tx.clone(),
    ));

    let mut server = Listener {
        listener,
        shared,
        limit_connections: Arc::new(Semaphore::new(max_connections)),
        notify_shutdown,
        shutdown_complete_tx,
        next_conn_id: AtomicU64::new(1),
    };
    if let Ok(addr) = server.listener.local_addr() {
        info!(%addr, "name server listening");
    }

    tokio::select! {
        res = server.run() => {
            if let Err(err) = res {
                error!(%err, "name server stopped accepting");
            }
        }
        _ = shutdown => {
            info!("name server shutting down");
        }
    }

    let Listener {
        notify_shutdown,
        shutdown_complete_tx,
        ..
    } = server;
    drop(notify_shutdown);
    drop(shutdown_complete_tx);
    let _ = shutdown_complete_rx.recv().await;
    info!("name server stopped");
    Ok(())
}

struct Listener {
    listener: TcpListener,
    shared: Arc<Shared>,
    limit_connections: Arc<Semaphore>,
    notify_shutdown: broadcast::Sender<()>,
    shutdown_complete_tx: mpsc::Sender<()>,
    next_conn_id: AtomicU64,
}

impl Listener {
    async fn run(&mut self) -> Result<(), NamesrvError> {
        loop {
            let permit = self
                .limit_connections
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| NamesrvError::Accept(std::io::Error::other("semaphore closed")))?;
            let (socket, peer) = self.accept().await?;
            let conn_id = self.next_conn_id.fetch_add(1, Ordering::Relaxed);
            let mut handler = Handler {
                shared: self.shared.clone(),
                connection: Connection::new(socket, peer),
                conn_id,
                shutdown: Shutdown::new(self.notify_shutdown.subscribe()),
                _shutdown_complete: self.shutdown_complete_tx.clone(),
            };
            tokio::spawn(async move {
                handler.run().await;
                drop(permit);
            });
        }
    }

    /// Accepts with exponential back-off (1, 2, 4 ... 64 s) on errors such as EMFILE.
    async fn accept(&mut self) -> Result<(TcpStream, std::net::SocketAddr), NamesrvError> {
        let mut backoff = 1;
        loop {
            match self.listener.accept().await {
                Ok(accepted) => return Ok(accepted),
                Err(err) => {
                    if backoff > 64 {
                        return Err(NamesrvError::Accept(err));
                    }
                    warn!(%err, backoff_secs = backoff, "accept failed, backing off");
                    tokio::time::sleep(Duration::from_secs(backoff)).await;
                    backoff *= 2;
                }
            }
        }
    }
}

struct Handler {
    shared: Arc<Shared>,
    connection: Connection,
    conn_id: ConnId,
    shutdown: Shutdown,
    /// Dropped when the handler ends, which is what shutdown waits for.
    _shutdown_complete: mpsc::Sender<()>,
}

impl Handler {
    async fn run(&mut self) {
        let peer = self.connection.peer();
        debug!(%peer, conn = self.conn_id, "connection opened");
        if let Err(reason) = self.serve().await {
            warn!(%peer, conn = self.conn_id, %reason, "closing connection");
        }
        // Like Java's BrokerHousekeepingService: a broker whose channel closes is gone now.
        for removed in self.shared.routes.connection_closed(self.conn_id) {
            info!(
                cluster = %removed.cluster_name,
                broker = %removed.broker_name,
                addr = %removed.broker_addr,
                "broker connection closed, unregistered"
            );
        }
        debug!(%peer, conn = self.conn_id, "connection closed");
    }

    async fn serve(&mut self) -> Result<(), String> {
        let idle = self.shared.config.server_channel_max_idle_time;
        loop {
            let read = tokio::select! {
                read = tokio::time::timeout(idle, self.connection.read_command()) => read,
                _ = self.shutdown.recv() => return Ok(()),
            };
            let request = match read {
                Err(_) => return Err(format!("idle for {idle:?}")),
                Ok(Ok(Some(cmd))) => cmd,
                Ok(Ok(None)) => return Ok(()),
                Ok(Err(err)) => return Err(err.to_string()),
            };
            if request.is_response() {
                // The name server sends no requests, so no response is expected.
                debug!(opaque = request.opaque, "ignoring unsolicited response");
                continue;
            }
            let response = self.process(&request).await;
            if !request.is_oneway() {
                self.connection
                    .write_command(response)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }

    async fn process(&self, request: &RemotingCommand) -> RemotingCommand {
        let ctx = cmd::Context {
            shared: &self.shared,
            conn_id: self.conn_id,
            peer: self.connection.peer(),
        };
        cmd::dispatch(&ctx, request).await
    }
}

/// Removes brokers whose registrations expired (spec §14.3), every
/// `scan_not_active_broker_interval`.
async fn scan_not_active_brokers(
    shared: Arc<Shared>,
    mut shutdown: Shutdown,
    _shutdown_complete: mpsc::Sender<()>,
) {
    let period = shared
        .config
        .scan_not_active_broker_interval
        .max(Duration::from_millis(10));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.recv() => return,
        }
        for removed in shared.routes.scan_not_active(tokio::time::Instant::now()) {
            warn!(
                cluster = %removed.cluster_name,
                broker = %removed.broker_name,
                addr = %removed.broker_addr,
                "broker expired, unregistered"
            );
        }
    }
}
