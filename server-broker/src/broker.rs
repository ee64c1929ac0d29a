//! The broker: shared state, the accept loops, background tasks and orderly shutdown.

use std::future::Future;
use std::sync::atomic::{AtomicI32, AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferromq_engine::{BrokerRole, DefaultMessageStore, MessageStore};
use ferromq_protocol::code::request_code;
use ferromq_protocol::header::NotifyConsumerIdsChangedRequestHeader;
use ferromq_protocol::RemotingCommand;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, Semaphore};

use crate::clients::ClientManager;
use crate::config::BrokerConfig;
use crate::connection::{self, Channel};
use crate::error::BrokerError;
use crate::groups::GroupManager;
use crate::holds::PullHolds;
use crate::offsets::OffsetManager;
use crate::registration;
use crate::topics::TopicManager;

/// Most client connections served at once.
const MAX_CONNECTIONS: usize = 10_000;

/// Everything the request processors share.
pub struct Broker {
    /// The configuration the broker runs with.
    pub config: BrokerConfig,
    /// The storage engine.
    pub store: Arc<DefaultMessageStore>,
    /// Topic configurations.
    pub topics: TopicManager,
    /// Subscription groups.
    pub groups: GroupManager,
    /// Consumer offsets.
    pub offsets: OffsetManager,
    /// Producer and consumer connections.
    pub clients: ClientManager,
    /// Long-polling pulls waiting for messages.
    pub holds: Arc<PullHolds>,
    /// Half messages already resolved.
    pub transactions: crate::transactions::Resolved,
    /// A slave's master (its client address), learnt from the name server.
    pub master_addr: std::sync::Mutex<Option<String>>,
    /// Boot time (ms).
    pub boot_timestamp: i64,
    /// Messages stored since boot.
    pub put_count: AtomicU64,
    /// Messages handed to consumers since boot.
    pub get_count: AtomicU64,
    next_opaque: AtomicI32,
    uniq_counter: AtomicU16,
    uniq_prefix: String,
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Broker {
    /// Open the store (recovering it) and load the metadata. Blocking: call it before the
    /// runtime serves, or from `spawn_blocking`.
    ///
    /// # Errors
    /// [`BrokerError`] when the store or a metadata file cannot be opened.
    pub fn open(mut config: BrokerConfig) -> Result<Arc<Broker>, BrokerError> {
        let ip: std::net::IpAddr = config.broker_ip1.parse().map_err(|_| {
            BrokerError::Config(format!(
                "brokerIP1 {:?} is not an IP address",
                config.broker_ip1
            ))
        })?;
        config.store.store_host = std::net::SocketAddr::new(ip, config.listen_port);
        match (config.broker_role(), config.broker_id) {
            (BrokerRole::Slave, 0) => {
                return Err(BrokerError::Config("a SLAVE needs brokerId > 0".into()));
            }
            (BrokerRole::Slave, _) => {}
            (_, 0) => {
                config.store.ha_listen_addr =
                    Some(std::net::SocketAddr::from(([0, 0, 0, 0], config.ha_port())));
            }
            (_, id) => {
                return Err(BrokerError::Config(format!(
                    "a master needs brokerId 0, not {id}"
                )));
            }
        }
        let store = Arc::new(DefaultMessageStore::open(config.store.clone())?);
        let topics = TopicManager::load(&config)?;
        let groups =
            GroupManager::load(config.config_dir(), config.auto_create_subscription_group)?;
        let offsets = OffsetManager::load(config.config_dir())?;
        let holds = Arc::new(PullHolds::default());
        {
            let holds = holds.clone();
            store.add_arrival_listener(Arc::new(move |a| {
                holds.arrived(a.topic, a.queue_id, a.max_offset, a.tags_code);
            }));
        }
        // UNIQ_KEY prefix: broker IP, pid, a per-process random word (spec §4.6).
        let mut prefix = Vec::with_capacity(10);
        match ip {
            std::net::IpAddr::V4(v4) => prefix.extend_from_slice(&v4.octets()),
            std::net::IpAddr::V6(v6) => prefix.extend_from_slice(&v6.octets()),
        }
        prefix.extend_from_slice(&(std::process::id() as u16).to_be_bytes());
        prefix.extend_from_slice(&(now_ms() as u32 ^ 0x5bd1_e995).to_be_bytes());
        let uniq_prefix = prefix.iter().map(|b| format!("{b:02X}")).collect();
        let transactions = crate::transactions::Resolved::default();
        transactions.load(
            store.as_ref(),
            offsets
                .query(
                    crate::transactions::CHECK_GROUP,
                    ferromq_engine::transaction::OP_TOPIC,
                    0,
                )
                .unwrap_or(0),
        );
        Ok(Arc::new(Broker {
            config,
            transactions,
            master_addr: std::sync::Mutex::new(None),
            store,
            topics,
            groups,
            offsets,
            clients: ClientManager::default(),
            holds,
            boot_timestamp: now_ms(),
            put_count: AtomicU64::new(0),
            get_count: AtomicU64::new(0),
            next_opaque: AtomicI32::new(1),
            uniq_counter: AtomicU16::new(0),
            uniq_prefix,
        }))
    }

    /// Whether this broker takes writes.
    pub fn is_slave(&self) -> bool {
        self.config.broker_role() == BrokerRole::Slave
    }

    /// An opaque for a broker-initiated request.
    pub fn next_opaque(&self) -> i32 {
        self.next_opaque.fetch_add(1, Ordering::Relaxed)
    }

    /// A new UNIQ_KEY with RocketMQ's layout: broker IP, pid, random word, ms, counter.
    pub fn new_uniq_key(&self) -> String {
        let ms = (now_ms() % (31 * 24 * 3600 * 1000)) as i32;
        let counter = self.uniq_counter.fetch_add(1, Ordering::Relaxed);
        format!("{}{:08X}{:04X}", self.uniq_prefix, ms, counter)
    }

    /// Tell every member of a consumer group that membership changed.
    pub fn notify_consumer_ids_changed(&self, group: &str) {
        if self
            .groups
            .get(group)
            .is_some_and(|g| !g.notify_consumer_ids_changed_enable)
        {
            return;
        }
        let header = NotifyConsumerIdsChangedRequestHeader {
            consumer_group: group.to_owned(),
        };
        for ch in self.clients.consumer_channels(group) {
            let req = RemotingCommand::request(request_code::NOTIFY_CONSUMER_IDS_CHANGED)
                .with_opaque(self.next_opaque())
                .with_header(&header)
                .oneway();
            if !ch.try_send(req) {
                tracing::debug!(group, remote = %ch.remote, "could not notify consumer");
            }
        }
    }

    /// The HA address advertised to slaves: `brokerIP1` and the port actually bound.
    pub fn ha_server_addr(&self) -> String {
        let port = self
            .store
            .ha_listen_addr()
            .map_or(self.config.ha_port(), |a| a.port());
        format!("{}:{}", self.config.broker_ip1, port)
    }

    /// A client connection closed: forget it and tell its groups.
    pub async fn connection_closed(&self, channel: &Channel) {
        for group in self.clients.channel_closed(channel.id) {
            self.notify_consumer_ids_changed(&group);
        }
    }

    /// Persist consumer offsets (blocking).
    pub fn persist_offsets(&self) {
        if let Err(e) = self.offsets.persist() {
            tracing::error!(error = %e, "cannot persist consumerOffset.json");
        }
    }
}

/// Serve clients on `listeners` (the main port and the VIP port) until `shutdown` completes,
/// then stop: connections closed, offsets persisted, unregistered from the name servers, store
/// shut down (so the next start takes the clean path).
///
/// # Errors
/// [`BrokerError::Store`] when the final store shutdown fails.
pub async fn run(
    listeners: Vec<TcpListener>,
    broker: Arc<Broker>,
    shutdown: impl Future,
) -> Result<(), BrokerError> {
    let (notify_shutdown, _) = broadcast::channel::<()>(1);
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    for listener in listeners {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "broker listening");
        }
        tokio::spawn(accept_loop(
            listener,
            broker.clone(),
            limit.clone(),
            notify_shutdown.clone(),
            done_tx.clone(),
        ));
    }
    tokio::spawn(offset_persist_loop(
        broker.clone(),
        notify_shutdown.subscribe(),
        done_tx.clone(),
    ));
    tokio::spawn(client_expiry_loop(
        broker.clone(),
        notify_shutdown.subscribe(),
        done_tx.clone(),
    ));
    let registration = tokio::spawn(registration::run(
        broker.clone(),
        notify_shutdown.subscribe(),
    ));
    tokio::spawn(crate::transactions::check_loop(
        broker.clone(),
        notify_shutdown.subscribe(),
    ));
    if broker.is_slave() {
        tokio::spawn(crate::slave::sync_loop(
            broker.clone(),
            notify_shutdown.subscribe(),
        ));
    }

    shutdown.await;
    tracing::info!("broker shutting down");
    // Every loop holds a receiver (the accept loops also hold senders, so dropping ours would
    // not close the channel): tell them explicitly.
    let _ = notify_shutdown.send(());
    drop(notify_shutdown);
    drop(done_tx);
    let _ = done_rx.recv().await;
    let _ = registration.await;
    let b = broker.clone();
    tokio::task::spawn_blocking(move || {
        b.persist_offsets();
        b.store.shutdown()
    })
    .await
    .map_err(|e| BrokerError::Io(std::io::Error::other(e)))??;
    tracing::info!("broker stopped");
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    broker: Arc<Broker>,
    limit: Arc<Semaphore>,
    notify: broadcast::Sender<()>,
    done: mpsc::Sender<()>,
) {
    let mut shutdown = notify.subscribe();
    let mut backoff = Duration::from_millis(10);
    loop {
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.recv() => return,
        };
        match accepted {
            Ok((socket, remote)) => {
                backoff = Duration::from_millis(10);
                let broker = broker.clone();
                let conn_shutdown = notify.subscribe();
                let done = done.clone();
                tokio::spawn(async move {
                    connection::serve(broker, socket, remote, conn_shutdown).await;
                    drop(permit);
                    drop(done);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed; backing off");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

async fn offset_persist_loop(
    broker: Arc<Broker>,
    mut shutdown: broadcast::Receiver<()>,
    _done: mpsc::Sender<()>,
) {
    let mut tick = tokio::time::interval(broker.config.flush_consumer_offset_interval);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.recv() => return,
        }
        let b = broker.clone();
        let _ = tokio::task::spawn_blocking(move || b.persist_offsets()).await;
    }
}

async fn client_expiry_loop(
    broker: Arc<Broker>,
    mut shutdown: broadcast::Receiver<()>,
    _done: mpsc::Sender<()>,
) {
    // Scan at half the timeout (at most every 10 s), so a client is dropped within 1.5 timeouts.
    let every = (broker.config.channel_expired_timeout / 2)
        .clamp(Duration::from_millis(50), Duration::from_secs(10));
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.recv() => return,
        }
        for group in broker.clients.expire(broker.config.channel_expired_timeout) {
            tracing::info!(group, "consumer expired");
            broker.notify_consumer_ids_changed(&group);
        }
    }
}
