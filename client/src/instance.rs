//! The client instance (Java's `MQClientInstance`): identity, the shared connection table, the
//! route cache, heartbeats, and the dispatch of server-initiated requests.
//!
//! Producers and consumers register here by group. Background tasks (started by
//! [`ClientInstance::new`]): every `poll_name_server_interval` refresh the routes of every topic
//! in use; every `heartbeat_interval` send HEART_BEAT to the brokers of those routes (masters
//! only when there are no consumers). Server requests are dispatched by code:
//! NOTIFY_CONSUMER_IDS_CHANGED → the named consumer group rebalances (after a route refresh);
//! CHECK_TRANSACTION_STATE → the producer group named by the half message's `PGROUP`.
//!
//! Invariant: background tasks hold only a weak reference, so dropping the last
//! `ClientInstance` (or calling [`ClientInstance::shutdown`]) stops them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use ferromq_protocol::body::client::{ConsumerData, HeartbeatData, ProducerData};
use ferromq_protocol::body::route::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    CheckTransactionStateRequestHeader, GetRouteInfoRequestHeader,
    NotifyConsumerIdsChangedRequestHeader, UnregisterClientRequestHeader,
};
use ferromq_protocol::record::RecordView;
use ferromq_protocol::{json, RemotingCommand};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{ClientError, Result};
use crate::message::MessageExt;
use crate::remoting::{lock, Remoting, ServerRequest};

/// The topic whose route a producer borrows for topics the name server does not know yet.
pub const DEFAULT_TOPIC: &str = "TBW102";

/// Settings shared by everything in one client instance.
///
/// ```
/// let c = ferromq_client::ClientConfig::new("127.0.0.1:9876");
/// assert_eq!(c.request_timeout.as_secs(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Name server addresses, `;` separated. Default: `127.0.0.1:9876`.
    pub namesrv_addr: String,
    /// Instance name; `DEFAULT` is replaced by `<pid>#<nanos>` at start. Default: `DEFAULT`.
    pub instance_name: String,
    /// The IP in the client id; found from the route to the name server when `None`.
    /// Default: `None`.
    pub client_ip: Option<IpAddr>,
    /// Remote call timeout. Default: 3 s.
    pub request_timeout: Duration,
    /// Route refresh period. Default: 30 s.
    pub poll_name_server_interval: Duration,
    /// Heartbeat period. Default: 30 s.
    pub heartbeat_interval: Duration,
}

impl ClientConfig {
    /// Defaults with the given name server list.
    ///
    /// ```
    /// let c = ferromq_client::ClientConfig::new("10.0.0.1:9876;10.0.0.2:9876");
    /// assert_eq!(c.namesrv_addr, "10.0.0.1:9876;10.0.0.2:9876");
    /// ```
    pub fn new(namesrv_addr: impl Into<String>) -> ClientConfig {
        ClientConfig {
            namesrv_addr: namesrv_addr.into(),
            ..ClientConfig::default()
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            namesrv_addr: "127.0.0.1:9876".into(),
            instance_name: "DEFAULT".into(),
            client_ip: None,
            request_timeout: Duration::from_secs(3),
            poll_name_server_interval: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(30),
        }
    }
}

/// What the instance needs from a registered consumer.
pub(crate) trait ConsumerHook: Send + Sync {
    fn consumer_data(&self) -> ConsumerData;
    fn topics(&self) -> Vec<String>;
    fn rebalance_now(&self);
}

/// What the instance needs from a registered producer.
pub(crate) trait ProducerHook: Send + Sync {
    fn check_transaction(
        &self,
        broker_addr: String,
        header: CheckTransactionStateRequestHeader,
        msg: MessageExt,
    );
}

pub(crate) struct InstanceInner {
    pub(crate) config: ClientConfig,
    pub(crate) client_id: String,
    pub(crate) remoting: Remoting,
    namesrv: Vec<String>,
    ns_index: AtomicUsize,
    routes: Mutex<HashMap<String, TopicRouteData>>,
    /// broker name → (broker id → address), merged from every route seen.
    brokers: Mutex<HashMap<String, BTreeMap<i64, String>>>,
    producers: Mutex<HashMap<String, Weak<dyn ProducerHook>>>,
    consumers: Mutex<HashMap<String, Weak<dyn ConsumerHook>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    shut: AtomicBool,
}

/// A client instance: one per process is typical; producers and consumers created from the
/// same instance share its connections, route cache and heartbeats. Cheap to clone.
///
/// ```no_run
/// # async fn f() -> ferromq_client::Result<()> {
/// use ferromq_client::{ClientConfig, ClientInstance};
/// let instance = ClientInstance::new(ClientConfig::new("127.0.0.1:9876"));
/// let route = instance.topic_route("TopicTest").await?;
/// println!("{} brokers", route.broker_datas.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientInstance {
    pub(crate) inner: Arc<InstanceInner>,
}

/// A pseudo-random u32 (std's randomly keyed SipHash over the time and a counter).
pub(crate) fn random_u32() -> u32 {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(SEQ.fetch_add(1, Ordering::Relaxed));
    h.write_i64(crate::message::now_ms());
    (h.finish() >> 16) as u32
}

fn local_ip_towards(addr: &str) -> IpAddr {
    let guess = || -> Option<IpAddr> {
        let sock = UdpSocket::bind("0.0.0.0:0").ok()?;
        sock.connect(addr).ok()?;
        Some(sock.local_addr().ok()?.ip())
    };
    guess().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

impl ClientInstance {
    /// Creates an instance and starts its background tasks. Must be called inside a tokio
    /// runtime.
    ///
    /// ```no_run
    /// # async fn f() {
    /// let i = ferromq_client::ClientInstance::new(ferromq_client::ClientConfig::default());
    /// println!("{}", i.client_id());
    /// # }
    /// ```
    pub fn new(mut config: ClientConfig) -> ClientInstance {
        let namesrv: Vec<String> = config
            .namesrv_addr
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if config.instance_name == "DEFAULT" {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            config.instance_name = format!("{}#{}", std::process::id(), nanos);
        }
        let ip = config.client_ip.unwrap_or_else(|| {
            namesrv
                .first()
                .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| local_ip_towards(a))
        });
        crate::message::init_uniq_prefix(ip);
        let client_id = format!("{ip}@{}", config.instance_name);
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(InstanceInner {
            config,
            client_id,
            remoting: Remoting::new(tx),
            ns_index: AtomicUsize::new(random_u32() as usize),
            namesrv,
            routes: Mutex::new(HashMap::new()),
            brokers: Mutex::new(HashMap::new()),
            producers: Mutex::new(HashMap::new()),
            consumers: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
            shut: AtomicBool::new(false),
        });
        let instance = ClientInstance { inner };
        instance.start_tasks(rx);
        instance
    }

    fn start_tasks(&self, mut rx: mpsc::UnboundedReceiver<ServerRequest>) {
        let weak = Arc::downgrade(&self.inner);
        let dispatch = tokio::spawn(async move {
            while let Some((addr, cmd)) = rx.recv().await {
                let Some(inner) = weak.upgrade() else { break };
                ClientInstance { inner }.on_server_request(addr, cmd);
            }
        });
        let weak = Arc::downgrade(&self.inner);
        let every = self.inner.config.poll_name_server_interval;
        let routes = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                ClientInstance { inner }.refresh_all_routes().await;
            }
        });
        let weak = Arc::downgrade(&self.inner);
        let every = self.inner.config.heartbeat_interval;
        let heartbeat = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                ClientInstance { inner }.send_heartbeat_to_all().await;
            }
        });
        lock(&self.inner.tasks).extend([dispatch, routes, heartbeat]);
    }

    /// This client's id (`ip@instanceName`), as brokers list it.
    ///
    /// ```no_run
    /// # async fn f() {
    /// let i = ferromq_client::ClientInstance::new(Default::default());
    /// assert!(i.client_id().contains('@'));
    /// # }
    /// ```
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The configuration.
    ///
    /// ```no_run
    /// # async fn f() {
    /// let i = ferromq_client::ClientInstance::new(Default::default());
    /// println!("{}", i.config().namesrv_addr);
    /// # }
    /// ```
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    fn on_server_request(&self, addr: String, cmd: RemotingCommand) {
        match cmd.code {
            request_code::NOTIFY_CONSUMER_IDS_CHANGED => {
                let Ok(h) = cmd.decode_header::<NotifyConsumerIdsChangedRequestHeader>() else {
                    return;
                };
                let consumer = lock(&self.inner.consumers)
                    .get(&h.consumer_group)
                    .and_then(Weak::upgrade);
                if let Some(c) = consumer {
                    let this = self.clone();
                    tokio::spawn(async move {
                        for t in c.topics() {
                            let _ = this.update_route(&t).await;
                        }
                        c.rebalance_now();
                    });
                }
            }
            request_code::CHECK_TRANSACTION_STATE => {
                let Ok(h) = cmd.decode_header::<CheckTransactionStateRequestHeader>() else {
                    return;
                };
                let Ok(view) = RecordView::decode(cmd.body_bytes(), false) else {
                    tracing::warn!("CHECK_TRANSACTION_STATE from {addr} with an undecodable body");
                    return;
                };
                let broker_name = h.broker_name.clone().unwrap_or_default();
                let Ok(msg) = MessageExt::from_record(&view, &broker_name) else {
                    return;
                };
                let group = msg
                    .property(crate::message::property::PGROUP)
                    .map(str::to_owned);
                let producer = {
                    let producers = lock(&self.inner.producers);
                    match group {
                        Some(g) => producers.get(&g).and_then(Weak::upgrade),
                        None => None,
                    }
                };
                match producer {
                    Some(p) => p.check_transaction(addr, h, msg),
                    None => tracing::warn!("transaction check for an unknown producer group"),
                }
            }
            other => tracing::debug!("ignoring server request code {other} from {addr}"),
        }
    }

    pub(crate) fn register_consumer(
        &self,
        group: &str,
        hook: Weak<dyn ConsumerHook>,
    ) -> Result<()> {
        let mut consumers = lock(&self.inner.consumers);
        if consumers.get(group).and_then(Weak::upgrade).is_some() {
            return Err(ClientError::InvalidArgument(format!(
                "consumer group {group} is already registered in this instance"
            )));
        }
        consumers.insert(group.to_owned(), hook);
        Ok(())
    }

    pub(crate) fn register_producer(&self, group: &str, hook: Weak<dyn ProducerHook>) {
        lock(&self.inner.producers).insert(group.to_owned(), hook);
    }

    /// Forgets a consumer group and tells every broker (UNREGISTER_CLIENT).
    pub(crate) async fn unregister_consumer(&self, group: &str) {
        lock(&self.inner.consumers).remove(group);
        self.unregister(None, Some(group)).await;
    }

    /// Forgets a producer group and tells every broker (UNREGISTER_CLIENT).
    pub(crate) async fn unregister_producer(&self, group: &str) {
        lock(&self.inner.producers).remove(group);
        self.unregister(Some(group), None).await;
    }

    async fn unregister(&self, producer: Option<&str>, consumer: Option<&str>) {
        let h = UnregisterClientRequestHeader {
            client_id: self.inner.client_id.clone(),
            producer_group: producer.map(str::to_owned),
            consumer_group: consumer.map(str::to_owned),
        };
        for addr in self.all_broker_addrs(false) {
            let req = RemotingCommand::request(request_code::UNREGISTER_CLIENT).with_header(&h);
            let _ = self.invoke(&addr, req).await;
        }
    }

    /// Sends a request to `addr` with the instance's timeout.
    pub(crate) async fn invoke(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        self.invoke_timeout(addr, req, self.inner.config.request_timeout)
            .await
    }

    pub(crate) async fn invoke_timeout(
        &self,
        addr: &str,
        req: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand> {
        if self.inner.shut.load(Ordering::Acquire) {
            return Err(ClientError::Shutdown);
        }
        self.inner.remoting.invoke(addr, req, timeout).await
    }

    pub(crate) async fn invoke_oneway(&self, addr: &str, req: RemotingCommand) -> Result<()> {
        self.inner.remoting.invoke_oneway(addr, req).await
    }

    pub(crate) fn namesrv_addrs(&self) -> &[String] {
        &self.inner.namesrv
    }

    /// Sends a request to the name servers, trying each in turn until one answers.
    pub(crate) async fn invoke_namesrv(&self, req: RemotingCommand) -> Result<RemotingCommand> {
        let n = self.inner.namesrv.len();
        if n == 0 {
            return Err(ClientError::InvalidArgument(
                "no name server address".into(),
            ));
        }
        let start = self.inner.ns_index.load(Ordering::Relaxed);
        let mut last = None;
        for i in 0..n {
            let addr = &self.inner.namesrv[(start + i) % n];
            match self.invoke(addr, req.clone()).await {
                Ok(r) => {
                    self.inner
                        .ns_index
                        .store((start + i) % n, Ordering::Relaxed);
                    return Ok(r);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(ClientError::Shutdown))
    }

    /// Fetches a topic's route from the name servers and caches it.
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] when the name server does not know the topic; transport errors.
    ///
    /// ```no_run
    /// # async fn f(i: ferromq_client::ClientInstance) -> ferromq_client::Result<()> {
    /// let route = i.update_route("TopicTest").await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_route(&self, topic: &str) -> Result<TopicRouteData> {
        let req = RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC).with_header(
            &GetRouteInfoRequestHeader {
                topic: topic.to_owned(),
                accept_standard_json_only: Some(true),
            },
        );
        let resp = self.invoke_namesrv(req).await?;
        match resp.code {
            response_code::SUCCESS => {
                let route: TopicRouteData = json::decode(resp.body_bytes())?;
                let mut learned = false;
                {
                    let mut brokers = lock(&self.inner.brokers);
                    for bd in &route.broker_datas {
                        let prev = brokers.insert(bd.broker_name.clone(), bd.broker_addrs.clone());
                        learned |= prev.as_ref() != Some(&bd.broker_addrs);
                    }
                }
                if learned {
                    // A broker we never heartbeated to: register our groups there now, so it
                    // can reach us (transaction checks, consumer lists) before the next tick.
                    let this = self.clone();
                    tokio::spawn(async move { this.send_heartbeat_to_all().await });
                }
                lock(&self.inner.routes).insert(topic.to_owned(), route.clone());
                Ok(route)
            }
            response_code::TOPIC_NOT_EXIST => {
                lock(&self.inner.routes).remove(topic);
                Err(ClientError::NoRoute(topic.to_owned()))
            }
            code => Err(ClientError::Broker {
                code,
                remark: resp.remark.unwrap_or_default(),
            }),
        }
    }

    /// The cached route of `topic`, fetched on first use.
    ///
    /// # Errors
    /// As [`ClientInstance::update_route`].
    ///
    /// ```no_run
    /// # async fn f(i: ferromq_client::ClientInstance) -> ferromq_client::Result<()> {
    /// let route = i.topic_route("TopicTest").await?;
    /// # Ok(()) }
    /// ```
    pub async fn topic_route(&self, topic: &str) -> Result<TopicRouteData> {
        if let Some(r) = lock(&self.inner.routes).get(topic).cloned() {
            return Ok(r);
        }
        self.update_route(topic).await
    }

    /// Refreshes every cached route and every consumer's topics.
    pub(crate) async fn refresh_all_routes(&self) {
        let mut topics: HashSet<String> = lock(&self.inner.routes).keys().cloned().collect();
        let consumers: Vec<_> = lock(&self.inner.consumers)
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for c in consumers {
            topics.extend(c.topics());
        }
        for t in topics {
            let _ = self.update_route(&t).await;
        }
    }

    /// The master address of a broker group.
    pub(crate) fn master_addr(&self, broker_name: &str) -> Option<String> {
        lock(&self.inner.brokers)
            .get(broker_name)
            .and_then(|a| a.get(&0).cloned())
    }

    /// The master address, or any slave's when the master is gone.
    pub(crate) fn any_addr(&self, broker_name: &str) -> Option<String> {
        lock(&self.inner.brokers)
            .get(broker_name)
            .and_then(|a| a.get(&0).or_else(|| a.values().next()).cloned())
    }

    /// The master address, or a slave's when the master is gone (for reads: a slave answers
    /// offset and position queries from its copy of the master's data), refreshing `topic`'s
    /// route once if neither is known.
    pub(crate) async fn any_addr_or_refresh(
        &self,
        broker_name: &str,
        topic: &str,
    ) -> Result<String> {
        if let Some(a) = self.any_addr(broker_name) {
            return Ok(a);
        }
        let _ = self.update_route(topic).await;
        self.any_addr(broker_name)
            .ok_or_else(|| ClientError::NoRoute(format!("{topic} (broker {broker_name})")))
    }

    /// The master address, refreshing `topic`'s route once if unknown.
    pub(crate) async fn master_addr_or_refresh(
        &self,
        broker_name: &str,
        topic: &str,
    ) -> Result<String> {
        if let Some(a) = self.master_addr(broker_name) {
            return Ok(a);
        }
        let _ = self.update_route(topic).await;
        self.master_addr(broker_name)
            .ok_or_else(|| ClientError::NoRoute(format!("{topic} (broker {broker_name})")))
    }

    fn all_broker_addrs(&self, masters_only: bool) -> Vec<String> {
        let brokers = lock(&self.inner.brokers);
        let mut out = Vec::new();
        for addrs in brokers.values() {
            for (id, a) in addrs {
                if !masters_only || *id == 0 {
                    out.push(a.clone());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn heartbeat_data(&self) -> HeartbeatData {
        let producers: Vec<ProducerData> = lock(&self.inner.producers)
            .iter()
            .filter(|(_, p)| p.strong_count() > 0)
            .map(|(g, _)| ProducerData {
                group_name: g.clone(),
            })
            .collect();
        let consumers: Vec<ConsumerData> = lock(&self.inner.consumers)
            .values()
            .filter_map(Weak::upgrade)
            .map(|c| c.consumer_data())
            .collect();
        HeartbeatData {
            client_id: self.inner.client_id.clone(),
            consumer_data_set: consumers,
            heartbeat_fingerprint: None,
            producer_data_set: producers,
            without_sub: None,
        }
    }

    /// Sends HEART_BEAT to every known broker (masters only when no consumer is registered).
    pub(crate) async fn send_heartbeat_to_all(&self) {
        let data = self.heartbeat_data();
        if data.consumer_data_set.is_empty() && data.producer_data_set.is_empty() {
            return;
        }
        let masters_only = data.consumer_data_set.is_empty();
        let body = json::encode(&data);
        for addr in self.all_broker_addrs(masters_only) {
            let req = RemotingCommand::request(request_code::HEART_BEAT).with_body(body.clone());
            if let Err(e) = self.invoke(&addr, req).await {
                tracing::debug!("heartbeat to {addr} failed: {e}");
            }
        }
    }

    /// Stops background tasks and closes every connection. Producers and consumers should be
    /// shut down first (they unregister from brokers).
    ///
    /// ```no_run
    /// # async fn f(i: ferromq_client::ClientInstance) {
    /// i.shutdown();
    /// # }
    /// ```
    pub fn shutdown(&self) {
        self.inner.shut.store(true, Ordering::Release);
        for t in lock(&self.inner.tasks).drain(..) {
            t.abort();
        }
        self.inner.remoting.close_all();
    }
}

impl Drop for InstanceInner {
    fn drop(&mut self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}
