//! The producer (spec §16.2): sync, async, oneway and batch sends; round-robin queue
//! selection with latency-based fault avoidance; ordered sends through a selector; zstd
//! compression over a threshold; transactional sends with a local executor and a check
//! listener.
//!
//! Invariants:
//! - every message leaves with a `UNIQ_KEY` (batch entries each with their own);
//! - a sync send is tried at most `1 + retry_times` times, each retry on a queue of another
//!   broker when there is one, and only for transport errors and the codes Java retries
//!   (spec §2.4); FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE are stored
//!   messages and come back as a [`SendStatus`], not an error;
//! - the COMPRESSED sysflag bit is set exactly when the body on the wire is compressed, with
//!   the ZSTD type bits beside it (spec §4.5).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use ferromq_protocol::body::common::{perm, MessageQueue};
use ferromq_protocol::body::route::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    CheckTransactionStateRequestHeader, EndTransactionRequestHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use ferromq_protocol::record::{decode_offset_msg_id, java_hash, sysflag};
use ferromq_protocol::RemotingCommand;

use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance, ProducerHook, DEFAULT_TOPIC};
use crate::message::{compress_zstd, new_message_id, now_ms, property, Message, MessageExt};
use crate::remoting::lock;

/// Producer settings.
///
/// ```
/// let c = ferromq_client::ProducerConfig::new("my_group", "127.0.0.1:9876");
/// assert_eq!(c.retry_times, 2);
/// ```
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// Producer group (transaction check-backs go to a live member of it).
    pub group: String,
    /// Connection settings.
    pub client: ClientConfig,
    /// Timeout of one send attempt. Default: 3 s.
    pub send_timeout: Duration,
    /// Extra attempts of a failed sync/batch send on another broker. Default: 2.
    pub retry_times: u32,
    /// Bodies larger than this are zstd-compressed. Default: 4096 bytes.
    pub compress_over: usize,
    /// zstd level. Default: 3.
    pub compress_level: i32,
    /// Client-side limit on a body (batch: on the whole batch body). Default: 4 MiB.
    pub max_message_size: usize,
    /// Queues requested for topics auto-created from TBW102. Default: 4.
    pub default_topic_queue_nums: i32,
    /// Avoid brokers that recently failed or answered slowly. Default: true.
    pub latency_fault_enable: bool,
}

impl ProducerConfig {
    /// Defaults for `group` with the given name servers.
    ///
    /// ```
    /// let c = ferromq_client::ProducerConfig::new("g", "127.0.0.1:9876");
    /// assert_eq!(c.group, "g");
    /// ```
    pub fn new(group: impl Into<String>, namesrv_addr: impl Into<String>) -> ProducerConfig {
        ProducerConfig {
            group: group.into(),
            client: ClientConfig::new(namesrv_addr),
            send_timeout: Duration::from_secs(3),
            retry_times: 2,
            compress_over: 4096,
            compress_level: 3,
            max_message_size: 4 << 20,
            default_topic_queue_nums: 4,
            latency_fault_enable: true,
        }
    }
}

/// How a stored message was stored.
///
/// ```
/// assert_ne!(ferromq_client::SendStatus::SendOk, ferromq_client::SendStatus::FlushDiskTimeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Stored (and flushed/replicated as the broker promises).
    SendOk,
    /// Stored, but the sync flush did not finish in time.
    FlushDiskTimeout,
    /// Stored, but the slave did not acknowledge in time.
    FlushSlaveTimeout,
    /// Stored, but no slave was available (SYNC_MASTER).
    SlaveNotAvailable,
}

/// The outcome of a send.
///
/// ```no_run
/// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
/// let r = p.send(ferromq_client::Message::new("T", "x")).await?;
/// println!("{} at {}:{}", r.msg_id, r.queue.queue_id, r.queue_offset);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// How it was stored.
    pub status: SendStatus,
    /// Client message id (`UNIQ_KEY`); for a batch, the ids joined with `,`.
    pub msg_id: String,
    /// Server-side offset message id (batch: `,`-joined).
    pub offset_msg_id: String,
    /// The queue written.
    pub queue: MessageQueue,
    /// Logic offset in that queue (first message of a batch).
    pub queue_offset: i64,
    /// Transaction id (the `UNIQ_KEY`), when the broker returns one.
    pub transaction_id: Option<String>,
    /// Broker region (`MSG_REGION`).
    pub region_id: Option<String>,
}

/// A topic's writable queues and the state of round-robin selection over them.
struct PublishInfo {
    queues: Vec<MessageQueue>,
    next: AtomicUsize,
    built: Instant,
}

/// Latency-based fault avoidance: a broker that failed or answered slowly is skipped until
/// its penalty expires (Java's `MQFaultStrategy` table).
fn penalty(latency: Duration, failed: bool) -> Duration {
    if failed {
        return Duration::from_secs(30);
    }
    const TABLE: [(u64, u64); 7] = [
        (15_000, 600_000),
        (3_000, 180_000),
        (2_000, 120_000),
        (1_000, 60_000),
        (550, 30_000),
        (100, 0),
        (50, 0),
    ];
    let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    TABLE
        .iter()
        .find(|(at, _)| ms >= *at)
        .map_or(Duration::ZERO, |(_, p)| Duration::from_millis(*p))
}

/// The selector of a sharding key: `|java_hash(key)| mod n` (Java's
/// `SelectMessageQueueByHash`).
///
/// ```
/// assert_eq!(ferromq_client::producer::queue_for_key("order-42", 4), ferromq_client::producer::queue_for_key("order-42", 4));
/// assert!(ferromq_client::producer::queue_for_key("x", 3) < 3);
/// ```
pub fn queue_for_key(key: &str, queue_count: usize) -> usize {
    if queue_count == 0 {
        return 0;
    }
    (java_hash(key).unsigned_abs() as usize) % queue_count
}

/// Whether a failed attempt may be retried on another broker (spec §2.4).
fn retryable(e: &ClientError) -> bool {
    match e {
        ClientError::Timeout { .. } | ClientError::Connection { .. } | ClientError::NoRoute(_) => {
            true
        }
        ClientError::Broker { code, .. } => matches!(
            *code,
            response_code::TOPIC_NOT_EXIST
                | response_code::SERVICE_NOT_AVAILABLE
                | response_code::SYSTEM_ERROR
                | response_code::SYSTEM_BUSY
                | response_code::NO_PERMISSION
                | response_code::NO_BUYER_ID
                | response_code::NOT_IN_CURRENT_UNIT
                | response_code::GO_AWAY
        ),
        _ => false,
    }
}

/// What a local transaction decided.
///
/// ```
/// assert_ne!(ferromq_client::LocalTransactionState::Commit, ferromq_client::LocalTransactionState::Rollback);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTransactionState {
    /// Make the half message visible.
    Commit,
    /// Discard the half message.
    Rollback,
    /// Not known yet: the broker will ask again (CHECK_TRANSACTION_STATE).
    Unknown,
}

impl LocalTransactionState {
    fn end_code(self) -> i32 {
        match self {
            LocalTransactionState::Commit => sysflag::TRANSACTION_COMMIT_TYPE,
            LocalTransactionState::Rollback => sysflag::TRANSACTION_ROLLBACK_TYPE,
            LocalTransactionState::Unknown => sysflag::TRANSACTION_NOT_TYPE,
        }
    }
}

/// The application side of transactional messages.
///
/// ```
/// use ferromq_client::{LocalTransactionState, Message, MessageExt, TransactionListener};
/// struct AlwaysCommit;
/// #[async_trait::async_trait]
/// impl TransactionListener for AlwaysCommit {
///     async fn execute_local(&self, _m: &Message, _tx: &str) -> LocalTransactionState {
///         LocalTransactionState::Commit
///     }
///     async fn check_local(&self, _m: &MessageExt) -> LocalTransactionState {
///         LocalTransactionState::Commit
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait TransactionListener: Send + Sync + 'static {
    /// Runs the local transaction after the half message is stored.
    async fn execute_local(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState;
    /// Answers a broker's check-back for a half message still undecided.
    async fn check_local(&self, msg: &MessageExt) -> LocalTransactionState;
}

pub(crate) struct ProducerInner {
    pub(crate) config: ProducerConfig,
    pub(crate) instance: ClientInstance,
    owns_instance: bool,
    publish: Mutex<HashMap<String, Arc<PublishInfo>>>,
    faults: Mutex<HashMap<String, Instant>>,
    listener: Mutex<Option<Arc<dyn TransactionListener>>>,
}

/// A message producer. Cheap to clone; clones share everything.
///
/// ```no_run
/// # async fn f() -> ferromq_client::Result<()> {
/// use ferromq_client::{Message, Producer, ProducerConfig};
/// let producer = Producer::new(ProducerConfig::new("my_group", "127.0.0.1:9876"));
/// let result = producer.send(Message::new("TopicTest", "hello").with_tags("TagA")).await?;
/// println!("sent {}", result.msg_id);
/// producer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Producer {
    pub(crate) inner: Arc<ProducerInner>,
}

/// The future of [`Producer::send_async`]: the send runs on its own task whether or not the
/// future is polled.
pub struct SendFuture {
    handle: tokio::task::JoinHandle<Result<SendResult>>,
}

impl Future for SendFuture {
    type Output = Result<SendResult>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(ClientError::Shutdown)))
    }
}

impl Producer {
    /// A producer with its own client instance. Must be called inside a tokio runtime.
    ///
    /// ```no_run
    /// # async fn f() {
    /// let p = ferromq_client::Producer::new(ferromq_client::ProducerConfig::new("g", "127.0.0.1:9876"));
    /// # }
    /// ```
    pub fn new(config: ProducerConfig) -> Producer {
        let instance = ClientInstance::new(config.client.clone());
        Producer::build(config, instance, true)
    }

    /// A producer sharing `instance` (connections, routes, heartbeats).
    ///
    /// ```no_run
    /// # async fn f(i: ferromq_client::ClientInstance) {
    /// let p = ferromq_client::Producer::with_instance(ferromq_client::ProducerConfig::new("g", ""), i);
    /// # }
    /// ```
    pub fn with_instance(config: ProducerConfig, instance: ClientInstance) -> Producer {
        Producer::build(config, instance, false)
    }

    fn build(config: ProducerConfig, instance: ClientInstance, owns_instance: bool) -> Producer {
        let inner = Arc::new(ProducerInner {
            config,
            instance,
            owns_instance,
            publish: Mutex::new(HashMap::new()),
            faults: Mutex::new(HashMap::new()),
            listener: Mutex::new(None),
        });
        let hook: Arc<dyn ProducerHook> = inner.clone();
        inner
            .instance
            .register_producer(&inner.config.group, Arc::downgrade(&hook));
        Producer { inner }
    }

    /// The client instance this producer uses.
    ///
    /// ```no_run
    /// # fn f(p: &ferromq_client::Producer) { println!("{}", p.instance().client_id()); }
    /// ```
    pub fn instance(&self) -> &ClientInstance {
        &self.inner.instance
    }

    /// The writable queues of `topic` (from the cached route; TBW102's when the topic has
    /// none yet).
    ///
    /// # Errors
    /// [`ClientError::NoRoute`] when neither the topic nor TBW102 has a route.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// let queues = p.publish_queues("TopicTest").await?;
    /// # Ok(()) }
    /// ```
    pub async fn publish_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        Ok(self.inner.publish_info(topic, false).await?.queues.clone())
    }

    /// Sends and waits for the broker's answer, retrying on another broker on retryable
    /// failures.
    ///
    /// # Errors
    /// The last attempt's error: transport errors, [`ClientError::Broker`] for codes that are
    /// not retried or after the retries, [`ClientError::MessageTooLarge`].
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// p.send(ferromq_client::Message::new("TopicTest", "hello")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, msg: Message) -> Result<SendResult> {
        self.inner.send_with_retries(msg).await
    }

    /// Starts a send on its own task; await the returned future for the result.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// let pending: Vec<_> = (0..10)
    ///     .map(|i| p.send_async(ferromq_client::Message::new("T", format!("m{i}"))))
    ///     .collect();
    /// for f in pending { f.await?; }
    /// # Ok(()) }
    /// ```
    pub fn send_async(&self, msg: Message) -> SendFuture {
        let inner = self.inner.clone();
        SendFuture {
            handle: tokio::spawn(async move { inner.send_with_retries(msg).await }),
        }
    }

    /// Sends without waiting for (or getting) an answer; no retries.
    ///
    /// # Errors
    /// Routing and connection errors only.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// p.send_oneway(ferromq_client::Message::new("T", "fire and forget")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_oneway(&self, msg: Message) -> Result<()> {
        let info = self.inner.publish_info(&msg.topic, false).await?;
        let mq = self.inner.select(&info, None)?;
        let addr = self
            .inner
            .instance
            .master_addr_or_refresh(&mq.broker_name, &msg.topic)
            .await?;
        let req = self.inner.build_request(msg, &mq)?.0;
        self.inner.instance.invoke_oneway(&addr, req).await
    }

    /// Sends several messages of one topic in one request (SEND_BATCH_MESSAGE); they get
    /// consecutive offsets in one queue.
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] for an empty batch, mixed topics, or delayed /
    /// transactional messages; otherwise as [`Producer::send`].
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// use ferromq_client::Message;
    /// let r = p.send_batch(vec![Message::new("T", "a"), Message::new("T", "b")]).await?;
    /// assert_eq!(r.msg_id.split(',').count(), 2);
    /// # Ok(()) }
    /// ```
    pub async fn send_batch(&self, msgs: Vec<Message>) -> Result<SendResult> {
        let (topic, body, ids) = encode_batch(msgs)?;
        if body.len() > self.inner.config.max_message_size {
            return Err(ClientError::MessageTooLarge {
                size: body.len(),
                max: self.inner.config.max_message_size,
            });
        }
        let ids = ids.join(",");
        let mut last_broker: Option<String> = None;
        let mut last_err = None;
        for _ in 0..=self.inner.config.retry_times {
            let info = self.inner.publish_info(&topic, last_err.is_some()).await?;
            let mq = self.inner.select(&info, last_broker.as_deref())?;
            let header = self.inner.header(&topic, mq.queue_id, 0, 0, None, true);
            let req = RemotingCommand::request(request_code::SEND_BATCH_MESSAGE)
                .with_header(&header)
                .with_body(body.clone());
            match self.inner.send_to_queue(req, &mq, &ids).await {
                Ok(r) => return Ok(r),
                Err(e) if retryable(&e) => {
                    last_broker = Some(mq.broker_name.clone());
                    last_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or(ClientError::NoRoute(topic)))
    }

    /// Sends to the queue chosen by `selector` from the topic's writable queues (ordered
    /// messages). Retries stay on the selected queue.
    ///
    /// # Errors
    /// As [`Producer::send`]; [`ClientError::InvalidArgument`] if the selector's index is out
    /// of range.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// let r = p.send_with_selector(ferromq_client::Message::new("T", "x"), |qs, _m| qs.len() - 1).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_with_selector<F>(&self, msg: Message, selector: F) -> Result<SendResult>
    where
        F: Fn(&[MessageQueue], &Message) -> usize,
    {
        let info = self.inner.publish_info(&msg.topic, false).await?;
        let i = selector(&info.queues, &msg);
        let mq = info.queues.get(i).cloned().ok_or_else(|| {
            ClientError::InvalidArgument(format!(
                "selector chose queue {i} of {}",
                info.queues.len()
            ))
        })?;
        self.send_to_queue(msg, mq).await
    }

    /// Sends an ordered message: every message with the same `sharding_key` goes to the same
    /// queue (`|java_hash(key)| mod queues`), so consumers see them in send order.
    ///
    /// # Errors
    /// As [`Producer::send_with_selector`].
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// p.send_ordered(ferromq_client::Message::new("Orders", "created"), "order-42").await?;
    /// p.send_ordered(ferromq_client::Message::new("Orders", "paid"), "order-42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_ordered(&self, msg: Message, sharding_key: &str) -> Result<SendResult> {
        let msg = msg.with_property(property::SHARDING_KEY, sharding_key);
        self.send_with_selector(msg, |qs, _| queue_for_key(sharding_key, qs.len()))
            .await
    }

    /// Sends to one given queue, retrying (on the same queue) on retryable failures.
    ///
    /// # Errors
    /// As [`Producer::send`].
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) -> ferromq_client::Result<()> {
    /// use ferromq_client::{Message, MessageQueue};
    /// p.send_to_queue(Message::new("T", "x"), MessageQueue::new("T", "broker-a", 0)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_to_queue(&self, msg: Message, mq: MessageQueue) -> Result<SendResult> {
        let mut last_err = None;
        for _ in 0..=self.inner.config.retry_times {
            let (req, id) = self.inner.build_request(msg.clone(), &mq)?;
            match self.inner.send_to_queue(req, &mq, &id).await {
                Ok(r) => return Ok(r),
                Err(e) if retryable(&e) => {
                    let _ = self.inner.instance.update_route(&mq.topic).await;
                    last_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or(ClientError::NoRoute(mq.topic)))
    }

    /// Unregisters from the brokers and, if this producer created its instance, closes it.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::Producer) { p.shutdown().await; }
    /// ```
    pub async fn shutdown(&self) {
        self.inner
            .instance
            .unregister_producer(&self.inner.config.group)
            .await;
        if self.inner.owns_instance {
            self.inner.instance.shutdown();
        }
    }
}

/// Encodes a batch body (spec §3.3); returns the topic, the body and the entries' ids.
fn encode_batch(msgs: Vec<Message>) -> Result<(String, Bytes, Vec<String>)> {
    let topic = msgs
        .first()
        .map(|m| m.topic.clone())
        .ok_or_else(|| ClientError::InvalidArgument("empty batch".into()))?;
    let mut body = BytesMut::new();
    let mut ids = Vec::with_capacity(msgs.len());
    for mut m in msgs {
        if m.topic != topic {
            return Err(ClientError::InvalidArgument(
                "a batch must have one topic".into(),
            ));
        }
        if m.property(property::DELAY).is_some() || m.property(property::TRAN_MSG).is_some() {
            return Err(ClientError::InvalidArgument(
                "delayed or transactional messages cannot be batched".into(),
            ));
        }
        if topic.starts_with("%RETRY%") {
            return Err(ClientError::InvalidArgument(
                "batches cannot target retry topics".into(),
            ));
        }
        let id = match m.property(property::UNIQ_KEY) {
            Some(id) => id.to_owned(),
            None => {
                let id = new_message_id();
                m.properties.insert(property::UNIQ_KEY, id.clone());
                id
            }
        };
        ids.push(id);
        let props = m.properties.encode();
        let props_len = i16::try_from(props.len())
            .map_err(|_| ClientError::InvalidArgument("properties too long".into()))?;
        let body_len = i32::try_from(m.body.len()).map_err(|_| ClientError::MessageTooLarge {
            size: m.body.len(),
            max: i32::MAX as usize,
        })?;
        let total = 4 + 4 + 4 + 4 + 4 + m.body.len() + 2 + props.len();
        body.reserve(total);
        body.put_i32(i32::try_from(total).unwrap_or(i32::MAX));
        body.put_i32(0);
        body.put_i32(0);
        body.put_i32(m.flag);
        body.put_i32(body_len);
        body.put_slice(&m.body);
        body.put_i16(props_len);
        body.put_slice(props.as_bytes());
    }
    Ok((topic, body.freeze(), ids))
}

impl ProducerInner {
    /// The publish info of `topic`, rebuilt from a fresh route when `refresh`, when older than
    /// the route poll interval, or on first use.
    async fn publish_info(&self, topic: &str, refresh: bool) -> Result<Arc<PublishInfo>> {
        if topic.is_empty() {
            return Err(ClientError::InvalidArgument("empty topic".into()));
        }
        if !refresh {
            if let Some(info) = lock(&self.publish).get(topic) {
                if info.built.elapsed() < self.instance.config().poll_name_server_interval {
                    return Ok(info.clone());
                }
            }
        }
        let queues = match self.instance.update_route(topic).await {
            Ok(route) => publish_queues(topic, &route, None),
            Err(ClientError::NoRoute(_)) => {
                let route = self
                    .instance
                    .update_route(DEFAULT_TOPIC)
                    .await
                    .map_err(|_| ClientError::NoRoute(topic.to_owned()))?;
                publish_queues(topic, &route, Some(self.config.default_topic_queue_nums))
            }
            Err(e) => {
                // Keep using a stale route rather than failing while the name server is away.
                if let Some(info) = lock(&self.publish).get(topic) {
                    return Ok(info.clone());
                }
                return Err(e);
            }
        };
        if queues.is_empty() {
            return Err(ClientError::NoRoute(topic.to_owned()));
        }
        let info = Arc::new(PublishInfo {
            queues,
            next: AtomicUsize::new(crate::instance::random_u32() as usize),
            built: Instant::now(),
        });
        lock(&self.publish).insert(topic.to_owned(), info.clone());
        Ok(info)
    }

    fn available(&self, broker: &str) -> bool {
        if !self.config.latency_fault_enable {
            return true;
        }
        lock(&self.faults)
            .get(broker)
            .is_none_or(|until| Instant::now() >= *until)
    }

    fn record_latency(&self, broker: &str, latency: Duration, failed: bool) {
        if !self.config.latency_fault_enable {
            return;
        }
        let p = penalty(latency, failed);
        let mut faults = lock(&self.faults);
        if p.is_zero() {
            faults.remove(broker);
        } else {
            faults.insert(broker.to_owned(), Instant::now() + p);
        }
    }

    /// Round-robin from the info's cursor, skipping `avoid` and penalised brokers when
    /// anything else is left.
    fn select(&self, info: &PublishInfo, avoid: Option<&str>) -> Result<MessageQueue> {
        let n = info.queues.len();
        if n == 0 {
            return Err(ClientError::NoRoute(String::new()));
        }
        let start = info.next.fetch_add(1, Ordering::Relaxed);
        let pick = |ok: &dyn Fn(&MessageQueue) -> bool| {
            (0..n)
                .map(|i| &info.queues[(start + i) % n])
                .find(|q| ok(q))
                .cloned()
        };
        let not_avoided = |q: &MessageQueue| avoid != Some(q.broker_name.as_str());
        pick(&|q| not_avoided(q) && self.available(&q.broker_name))
            .or_else(|| pick(&not_avoided))
            .or_else(|| pick(&|_| true))
            .ok_or_else(|| ClientError::NoRoute(String::new()))
    }

    fn header(
        &self,
        topic: &str,
        queue_id: i32,
        sys_flag: i32,
        flag: i32,
        properties: Option<String>,
        batch: bool,
    ) -> SendMessageRequestHeaderV2 {
        SendMessageRequestHeaderV2 {
            a: self.config.group.clone(),
            b: topic.to_owned(),
            c: DEFAULT_TOPIC.to_owned(),
            d: self.config.default_topic_queue_nums,
            e: queue_id,
            f: sys_flag,
            g: now_ms(),
            h: flag,
            i: properties,
            j: None,
            k: Some(false),
            l: None,
            m: batch.then_some(true),
            n: None,
        }
    }

    /// Builds SEND_MESSAGE_V2 for `msg` to `mq`: UNIQ_KEY, compression, transaction flag,
    /// retry-topic header fields. Returns the request and the message id.
    pub(crate) fn build_request(
        &self,
        mut msg: Message,
        mq: &MessageQueue,
    ) -> Result<(RemotingCommand, String)> {
        if msg.body.len() > self.config.max_message_size {
            return Err(ClientError::MessageTooLarge {
                size: msg.body.len(),
                max: self.config.max_message_size,
            });
        }
        let id = match msg.property(property::UNIQ_KEY) {
            Some(id) => id.to_owned(),
            None => {
                let id = new_message_id();
                msg.properties.insert(property::UNIQ_KEY, id.clone());
                id
            }
        };
        let mut sys_flag = 0;
        let mut body = msg.body.clone();
        if body.len() > self.config.compress_over {
            let (c, bits) = compress_zstd(&body, self.config.compress_level)?;
            if c.len() < body.len() {
                body = Bytes::from(c);
                sys_flag |= bits;
            }
        }
        if msg.property(property::TRAN_MSG) == Some("true") {
            sys_flag |= sysflag::TRANSACTION_PREPARED_TYPE;
        }
        let (mut reconsume, mut max_reconsume) = (None, None);
        if mq.topic.starts_with("%RETRY%") {
            reconsume = msg
                .properties
                .remove("RECONSUME_TIME")
                .and_then(|v| v.parse().ok());
            max_reconsume = msg
                .properties
                .remove("MAX_RECONSUME_TIMES")
                .and_then(|v| v.parse().ok());
        }
        let props = msg.properties.encode();
        let mut header = self.header(
            &mq.topic,
            mq.queue_id,
            sys_flag,
            msg.flag,
            (!props.is_empty()).then_some(props),
            false,
        );
        header.j = reconsume;
        header.l = max_reconsume;
        let req = RemotingCommand::request(request_code::SEND_MESSAGE_V2)
            .with_header(&header)
            .with_body(body);
        Ok((req, id))
    }

    /// One attempt: send `req` to the master of `mq` and map the answer.
    async fn send_to_queue(
        &self,
        req: RemotingCommand,
        mq: &MessageQueue,
        msg_id: &str,
    ) -> Result<SendResult> {
        let addr = self
            .instance
            .master_addr_or_refresh(&mq.broker_name, &mq.topic)
            .await?;
        let t0 = Instant::now();
        let resp = self
            .instance
            .invoke_timeout(&addr, req, self.config.send_timeout)
            .await;
        let failed = match &resp {
            Err(_) => true,
            Ok(r) => retryable(&ClientError::Broker {
                code: r.code,
                remark: String::new(),
            }),
        };
        self.record_latency(&mq.broker_name, t0.elapsed(), failed);
        let resp = resp?;
        let status = match resp.code {
            response_code::SUCCESS => SendStatus::SendOk,
            response_code::FLUSH_DISK_TIMEOUT => SendStatus::FlushDiskTimeout,
            response_code::FLUSH_SLAVE_TIMEOUT => SendStatus::FlushSlaveTimeout,
            response_code::SLAVE_NOT_AVAILABLE => SendStatus::SlaveNotAvailable,
            code => {
                return Err(ClientError::Broker {
                    code,
                    remark: resp.remark.unwrap_or_default(),
                })
            }
        };
        let h: SendMessageResponseHeader = resp.decode_header()?;
        Ok(SendResult {
            status,
            msg_id: msg_id.to_owned(),
            offset_msg_id: h.msg_id,
            queue: MessageQueue::new(mq.topic.clone(), mq.broker_name.clone(), h.queue_id),
            queue_offset: h.queue_offset,
            transaction_id: h.transaction_id,
            region_id: resp.ext_fields.get("MSG_REGION").cloned(),
        })
    }

    pub(crate) async fn send_with_retries(&self, msg: Message) -> Result<SendResult> {
        let mut last_broker: Option<String> = None;
        let mut last_err = None;
        for _ in 0..=self.config.retry_times {
            let info = self.publish_info(&msg.topic, last_err.is_some()).await?;
            let mq = self.select(&info, last_broker.as_deref())?;
            let (req, id) = self.build_request(msg.clone(), &mq)?;
            match self.send_to_queue(req, &mq, &id).await {
                Ok(r) => return Ok(r),
                Err(e) if retryable(&e) => {
                    tracing::debug!("send to {} failed, retrying: {e}", mq.broker_name);
                    last_broker = Some(mq.broker_name.clone());
                    last_err = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or(ClientError::NoRoute(msg.topic)))
    }

    async fn end_transaction(
        &self,
        broker_addr: &str,
        header: EndTransactionRequestHeader,
        remark: Option<String>,
    ) -> Result<()> {
        let mut req = RemotingCommand::request(request_code::END_TRANSACTION).with_header(&header);
        req.remark = remark;
        self.instance.invoke_oneway(broker_addr, req).await
    }
}

impl ProducerHook for ProducerInner {
    fn check_transaction(
        &self,
        broker_addr: String,
        header: CheckTransactionStateRequestHeader,
        msg: MessageExt,
    ) {
        let Some(listener) = lock(&self.listener).clone() else {
            tracing::warn!(
                "transaction check for group {} but no transaction listener is set",
                self.config.group
            );
            return;
        };
        let group = self.config.group.clone();
        let instance = self.instance.clone();
        tokio::spawn(async move {
            let state = listener.check_local(&msg).await;
            let end = EndTransactionRequestHeader {
                topic: Some(msg.topic.clone()),
                producer_group: group,
                tran_state_table_offset: header.tran_state_table_offset,
                commit_log_offset: header.commit_log_offset,
                commit_or_rollback: state.end_code(),
                from_transaction_check: Some(true),
                msg_id: msg.msg_id.clone(),
                transaction_id: header.transaction_id.or(Some(msg.msg_id.clone())),
            };
            let req = RemotingCommand::request(request_code::END_TRANSACTION).with_header(&end);
            if let Err(e) = instance.invoke_oneway(&broker_addr, req).await {
                tracing::warn!("END_TRANSACTION (check) to {broker_addr} failed: {e}");
            }
        });
    }
}

/// Builds the publish queues of a route (spec §16.2): `orderTopicConf` when present, else
/// every writable QueueData whose broker has a master; `cap` limits the count per broker
/// (TBW102 borrowing).
fn publish_queues(topic: &str, route: &TopicRouteData, cap: Option<i32>) -> Vec<MessageQueue> {
    let mut out = Vec::new();
    if let Some(conf) = route.order_topic_conf.as_deref().filter(|c| !c.is_empty()) {
        for entry in conf.split(';') {
            if let Some((broker, n)) = entry.split_once(':') {
                let n: i32 = n.trim().parse().unwrap_or(0);
                out.extend((0..n).map(|q| MessageQueue::new(topic, broker.trim(), q)));
            }
        }
        return out;
    }
    let mut qds: Vec<_> = route.queue_datas.iter().collect();
    qds.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    for qd in qds {
        if !perm::is_writeable(qd.perm) {
            continue;
        }
        let has_master = route
            .broker_datas
            .iter()
            .any(|b| b.broker_name == qd.broker_name && b.master_addr().is_some());
        if !has_master {
            continue;
        }
        let n = cap.map_or(qd.write_queue_nums, |c| c.min(qd.write_queue_nums));
        out.extend((0..n).map(|q| MessageQueue::new(topic, qd.broker_name.clone(), q)));
    }
    out
}

/// The result of a transactional send.
///
/// ```no_run
/// # async fn f(p: ferromq_client::TransactionProducer) -> ferromq_client::Result<()> {
/// let r = p.send_in_transaction(ferromq_client::Message::new("T", "x")).await?;
/// println!("{:?} {:?}", r.send_result.status, r.local_state);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSendResult {
    /// The half message's send result.
    pub send_result: SendResult,
    /// What the local transaction decided (sent to the broker with END_TRANSACTION).
    pub local_state: LocalTransactionState,
}

/// A producer of transactional messages: each message is stored as a half message, the local
/// transaction runs, and END_TRANSACTION (oneway) commits or rolls it back; undecided ones are
/// checked back through the listener.
///
/// ```no_run
/// # async fn f(listener: std::sync::Arc<dyn ferromq_client::TransactionListener>) -> ferromq_client::Result<()> {
/// use ferromq_client::{Message, ProducerConfig, TransactionProducer};
/// let p = TransactionProducer::new(ProducerConfig::new("tx_group", "127.0.0.1:9876"), listener);
/// p.send_in_transaction(Message::new("TopicTest", "debit 10")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TransactionProducer {
    producer: Producer,
}

impl TransactionProducer {
    /// A transactional producer with its own instance.
    ///
    /// ```no_run
    /// # fn f(l: std::sync::Arc<dyn ferromq_client::TransactionListener>) {
    /// let p = ferromq_client::TransactionProducer::new(ferromq_client::ProducerConfig::new("g", "127.0.0.1:9876"), l);
    /// # }
    /// ```
    pub fn new(config: ProducerConfig, listener: Arc<dyn TransactionListener>) -> Self {
        let producer = Producer::new(config);
        *lock(&producer.inner.listener) = Some(listener);
        TransactionProducer { producer }
    }

    /// The underlying producer (for non-transactional sends of the same group).
    ///
    /// ```no_run
    /// # fn f(p: &ferromq_client::TransactionProducer) { let _ = p.producer(); }
    /// ```
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    /// Sends a half message, runs the local transaction, and ends it.
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] for delayed messages; send errors of the half
    /// message. A failed END_TRANSACTION is not an error: the broker checks back.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::TransactionProducer) -> ferromq_client::Result<()> {
    /// p.send_in_transaction(ferromq_client::Message::new("T", "x")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_in_transaction(&self, msg: Message) -> Result<TransactionSendResult> {
        if msg.property(property::DELAY).is_some() {
            return Err(ClientError::InvalidArgument(
                "transactional messages cannot be delayed".into(),
            ));
        }
        let inner = &self.producer.inner;
        let listener = lock(&inner.listener)
            .clone()
            .ok_or_else(|| ClientError::InvalidArgument("no transaction listener".into()))?;
        let msg = msg
            .with_property(property::TRAN_MSG, "true")
            .with_property(property::PGROUP, inner.config.group.clone());
        let result = self.producer.send(msg.clone()).await?;
        let tx_id = result
            .transaction_id
            .clone()
            .unwrap_or_else(|| result.msg_id.clone());
        let state = if result.status == SendStatus::SendOk {
            listener.execute_local(&msg, &tx_id).await
        } else {
            LocalTransactionState::Rollback
        };
        let commit_log_offset = decode_offset_msg_id(&result.offset_msg_id)
            .or_else(|_| decode_offset_msg_id(&result.msg_id))
            .map(|(_, off)| off)
            .unwrap_or(0);
        let end = EndTransactionRequestHeader {
            topic: Some(result.queue.topic.clone()),
            producer_group: inner.config.group.clone(),
            tran_state_table_offset: result.queue_offset,
            commit_log_offset,
            commit_or_rollback: state.end_code(),
            from_transaction_check: Some(false),
            msg_id: result.msg_id.clone(),
            transaction_id: Some(tx_id),
        };
        match inner
            .instance
            .master_addr_or_refresh(&result.queue.broker_name, &result.queue.topic)
            .await
        {
            Ok(addr) => {
                if let Err(e) = inner.end_transaction(&addr, end, None).await {
                    tracing::warn!("END_TRANSACTION failed (the broker will check back): {e}");
                }
            }
            Err(e) => tracing::warn!("no broker address for END_TRANSACTION: {e}"),
        }
        Ok(TransactionSendResult {
            send_result: result,
            local_state: state,
        })
    }

    /// Shuts the producer down.
    ///
    /// ```no_run
    /// # async fn f(p: ferromq_client::TransactionProducer) { p.shutdown().await; }
    /// ```
    pub async fn shutdown(&self) {
        self.producer.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_follow_the_java_table() {
        assert_eq!(penalty(Duration::from_millis(10), false), Duration::ZERO);
        assert_eq!(
            penalty(Duration::from_millis(600), false),
            Duration::from_secs(30)
        );
        assert_eq!(penalty(Duration::ZERO, true), Duration::from_secs(30));
    }

    #[test]
    fn batch_body_layout() {
        let (topic, body, ids) =
            encode_batch(vec![Message::new("T", "ab"), Message::new("T", "c")]).unwrap();
        assert_eq!(topic, "T");
        assert_eq!(ids.len(), 2);
        let first = i32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
        assert_eq!(&body[20..22], b"ab");
        assert!(first < body.len());
        assert!(encode_batch(vec![]).is_err());
        assert!(encode_batch(vec![Message::new("T", "a"), Message::new("U", "b")]).is_err());
    }
}
