//! The push consumer (spec §16.4–16.5): rebalance, one pull loop per owned queue with long
//! polling and flow control, a concurrent or an orderly listener, offset commits.
//!
//! Invariants:
//! - a queue is owned by at most one [`ProcessQueue`] at a time; a dropped process queue
//!   never starts a listener call and never moves its queue's offset again;
//! - the offset committed for a queue is the smallest offset still cached (being consumed), or
//!   the pull position when nothing is cached — so a crash redelivers, never skips;
//! - orderly: a queue's messages reach the listener one call at a time in queue order, and
//!   only while this client holds the broker's lock on the queue (renewed every
//!   `lock_interval`, considered lost after 30 s without renewal);
//! - shutdown lets running listener calls finish (bounded), commits offsets with
//!   request/response, unlocks, and unregisters.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ferromq_protocol::body::client::{
    ConsumeType, ConsumerData, LockBatchRequestBody, LockBatchResponseBody, MessageModel,
    SubscriptionData,
};
use ferromq_protocol::body::common::MessageQueue;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::ConsumerSendMsgBackRequestHeader;
use ferromq_protocol::{json, RemotingCommand};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::{
    consumer_ids, initial_offset, pull_once, subscribe_queues, subscription, ConsumeFrom,
    ConsumerConfig, OffsetStore,
};
use crate::error::{ClientError, Result};
use crate::instance::{ClientInstance, ConsumerHook};
use crate::message::{property, Message, MessageExt};
use crate::producer::{Producer, ProducerConfig};
use crate::remoting::lock;

/// What a concurrent listener says about a batch.
///
/// ```
/// use ferromq_client::ConsumeConcurrentlyStatus;
/// assert_ne!(ConsumeConcurrentlyStatus::ConsumeSuccess, ConsumeConcurrentlyStatus::ReconsumeLater);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeConcurrentlyStatus {
    /// Done; the offset may move past it.
    ConsumeSuccess,
    /// Failed; send it back for a later retry (DLQ after the maximum).
    ReconsumeLater,
}

/// What an orderly listener says about a batch.
///
/// ```
/// use ferromq_client::ConsumeOrderlyStatus;
/// assert_ne!(ConsumeOrderlyStatus::Success, ConsumeOrderlyStatus::SuspendCurrentQueueAMoment);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeOrderlyStatus {
    /// Done.
    Success,
    /// Failed; pause this queue and redeliver the same message (order is kept).
    SuspendCurrentQueueAMoment,
}

/// A listener called for messages in any order, several at once.
///
/// Closures `Fn(&[MessageExt]) -> ConsumeConcurrentlyStatus` implement it.
///
/// ```
/// use ferromq_client::{ConsumeConcurrentlyStatus, MessageExt, MessageListenerConcurrently};
/// fn takes(_l: impl MessageListenerConcurrently) {}
/// takes(|msgs: &[MessageExt]| {
///     for m in msgs { println!("{}", m.msg_id); }
///     ConsumeConcurrentlyStatus::ConsumeSuccess
/// });
/// ```
#[async_trait::async_trait]
pub trait MessageListenerConcurrently: Send + Sync + 'static {
    /// Consumes a batch (of `consume_batch_size` messages at most).
    async fn consume(&self, msgs: &[MessageExt]) -> ConsumeConcurrentlyStatus;
}

#[async_trait::async_trait]
impl<F> MessageListenerConcurrently for F
where
    F: Fn(&[MessageExt]) -> ConsumeConcurrentlyStatus + Send + Sync + 'static,
{
    async fn consume(&self, msgs: &[MessageExt]) -> ConsumeConcurrentlyStatus {
        self(msgs)
    }
}

/// A listener called for one queue's messages in order, one call at a time per queue.
///
/// ```
/// use ferromq_client::{ConsumeOrderlyStatus, MessageExt, MessageListenerOrderly};
/// fn takes(_l: impl MessageListenerOrderly) {}
/// takes(|msgs: &[MessageExt]| ConsumeOrderlyStatus::Success);
/// ```
#[async_trait::async_trait]
pub trait MessageListenerOrderly: Send + Sync + 'static {
    /// Consumes the next message(s) of a queue.
    async fn consume(&self, msgs: &[MessageExt]) -> ConsumeOrderlyStatus;
}

#[async_trait::async_trait]
impl<F> MessageListenerOrderly for F
where
    F: Fn(&[MessageExt]) -> ConsumeOrderlyStatus + Send + Sync + 'static,
{
    async fn consume(&self, msgs: &[MessageExt]) -> ConsumeOrderlyStatus {
        self(msgs)
    }
}

#[derive(Clone)]
enum Listener {
    Concurrent(Arc<dyn MessageListenerConcurrently>),
    Orderly(Arc<dyn MessageListenerOrderly>),
}

/// A queue owned by this consumer: its cached messages and state.
struct ProcessQueue {
    mq: MessageQueue,
    msgs: Mutex<BTreeMap<i64, MessageExt>>,
    bytes: AtomicUsize,
    /// Every offset below this has been pulled (the next pull position).
    pulled_to: AtomicI64,
    dropped: AtomicBool,
    locked: AtomicBool,
    last_lock: Mutex<Instant>,
    arrived: Notify,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl ProcessQueue {
    fn new(mq: MessageQueue, offset: i64) -> ProcessQueue {
        ProcessQueue {
            mq,
            msgs: Mutex::new(BTreeMap::new()),
            bytes: AtomicUsize::new(0),
            pulled_to: AtomicI64::new(offset),
            dropped: AtomicBool::new(false),
            locked: AtomicBool::new(false),
            last_lock: Mutex::new(Instant::now()),
            arrived: Notify::new(),
            tasks: Mutex::new(Vec::new()),
        }
    }

    fn dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }

    fn lock_valid(&self) -> bool {
        self.locked.load(Ordering::Acquire)
            && lock(&self.last_lock).elapsed() < Duration::from_secs(30)
    }

    fn put(&self, msgs: &[MessageExt], next: i64) {
        let mut m = lock(&self.msgs);
        for msg in msgs {
            if m.insert(msg.queue_offset, msg.clone()).is_none() {
                self.bytes.fetch_add(msg.body.len(), Ordering::Relaxed);
            }
        }
        self.pulled_to.store(next, Ordering::Release);
    }

    /// Removes consumed messages; returns the offset to commit.
    fn remove(&self, offsets: &[i64]) -> i64 {
        let mut m = lock(&self.msgs);
        for o in offsets {
            if let Some(msg) = m.remove(o) {
                self.bytes.fetch_sub(msg.body.len(), Ordering::Relaxed);
            }
        }
        m.keys()
            .next()
            .copied()
            .unwrap_or_else(|| self.pulled_to.load(Ordering::Acquire))
    }

    fn cached(&self) -> (usize, usize) {
        (lock(&self.msgs).len(), self.bytes.load(Ordering::Relaxed))
    }

    fn stop(&self) {
        self.dropped.store(true, Ordering::Release);
        self.arrived.notify_waiters();
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}

struct PushInner {
    config: ConsumerConfig,
    instance: ClientInstance,
    owns_instance: bool,
    subscriptions: Mutex<BTreeMap<String, SubscriptionData>>,
    listener: Mutex<Option<Listener>>,
    queues: Mutex<HashMap<MessageQueue, Arc<ProcessQueue>>>,
    offsets: OffsetStore,
    rebalance: Notify,
    /// Serialises rebalances.
    rebalancing: tokio::sync::Mutex<()>,
    permits: Arc<Semaphore>,
    inflight: AtomicUsize,
    idle: Notify,
    stopping: AtomicBool,
    started: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    retry_producer: Producer,
}

impl ConsumerHook for PushInner {
    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: match self.config.consume_from {
                ConsumeFrom::LastOffset => {
                    ferromq_protocol::body::client::ConsumeFromWhere::ConsumeFromLastOffset
                }
                ConsumeFrom::FirstOffset => {
                    ferromq_protocol::body::client::ConsumeFromWhere::ConsumeFromFirstOffset
                }
                ConsumeFrom::Timestamp(_) => {
                    ferromq_protocol::body::client::ConsumeFromWhere::ConsumeFromTimestamp
                }
            },
            consume_type: ConsumeType::ConsumePassively,
            group_name: self.config.group.clone(),
            message_model: self.config.message_model,
            subscription_data_set: lock(&self.subscriptions).values().cloned().collect(),
            unit_mode: false,
        }
    }

    fn topics(&self) -> Vec<String> {
        lock(&self.subscriptions).keys().cloned().collect()
    }

    fn rebalance_now(&self) {
        self.rebalance.notify_one();
    }
}

/// A push consumer: subscribe, register a listener, start; messages are delivered to the
/// listener as they arrive.
///
/// ```no_run
/// # async fn f() -> ferromq_client::Result<()> {
/// use ferromq_client::{ConsumeConcurrentlyStatus, ConsumerConfig, MessageExt, PushConsumer};
/// let consumer = PushConsumer::new(ConsumerConfig::new("my_group", "127.0.0.1:9876"))?;
/// consumer.subscribe("TopicTest", "TagA || TagB")?;
/// consumer.register_concurrently(|msgs: &[MessageExt]| {
///     for m in msgs { println!("{}", String::from_utf8_lossy(&m.body)); }
///     ConsumeConcurrentlyStatus::ConsumeSuccess
/// });
/// consumer.start().await?;
/// // ...
/// consumer.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PushConsumer {
    inner: Arc<PushInner>,
}

impl PushConsumer {
    /// A consumer with its own client instance. Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// [`ClientError::Io`] when a broadcasting consumer's offset file cannot be read.
    ///
    /// ```no_run
    /// # async fn f() -> ferromq_client::Result<()> {
    /// let c = ferromq_client::PushConsumer::new(ferromq_client::ConsumerConfig::new("g", "127.0.0.1:9876"))?;
    /// # Ok(()) }
    /// ```
    pub fn new(config: ConsumerConfig) -> Result<PushConsumer> {
        let instance = ClientInstance::new(config.client.clone());
        Self::build(config, instance, true)
    }

    /// A consumer sharing `instance`.
    ///
    /// # Errors
    /// As [`PushConsumer::new`].
    ///
    /// ```no_run
    /// # fn f(i: ferromq_client::ClientInstance) -> ferromq_client::Result<()> {
    /// let c = ferromq_client::PushConsumer::with_instance(ferromq_client::ConsumerConfig::new("g", ""), i)?;
    /// # Ok(()) }
    /// ```
    pub fn with_instance(config: ConsumerConfig, instance: ClientInstance) -> Result<PushConsumer> {
        Self::build(config, instance, false)
    }

    fn build(
        config: ConsumerConfig,
        instance: ClientInstance,
        owns_instance: bool,
    ) -> Result<PushConsumer> {
        if config.group.is_empty() {
            return Err(ClientError::InvalidArgument("empty consumer group".into()));
        }
        let offsets = match config.message_model {
            MessageModel::Clustering => OffsetStore::remote(),
            MessageModel::Broadcasting => OffsetStore::local(
                config
                    .offset_store_dir
                    .join(instance.client_id().replace([':', '/'], "_"))
                    .join(&config.group)
                    .join("offsets.json"),
            )?,
        };
        let retry_producer = Producer::with_instance(
            ProducerConfig {
                client: config.client.clone(),
                ..ProducerConfig::new("CLIENT_INNER_PRODUCER", "")
            },
            instance.clone(),
        );
        let inner = Arc::new(PushInner {
            permits: Arc::new(Semaphore::new(config.consume_concurrency.max(1))),
            config,
            instance,
            owns_instance,
            subscriptions: Mutex::new(BTreeMap::new()),
            listener: Mutex::new(None),
            queues: Mutex::new(HashMap::new()),
            offsets,
            rebalance: Notify::new(),
            rebalancing: tokio::sync::Mutex::new(()),
            inflight: AtomicUsize::new(0),
            idle: Notify::new(),
            stopping: AtomicBool::new(false),
            started: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            retry_producer,
        });
        Ok(PushConsumer { inner })
    }

    /// Subscribes to `topic` with a tag expression (`*`, `TagA`, `TagA || TagB`).
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] for an empty topic.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::PushConsumer) -> ferromq_client::Result<()> {
    /// c.subscribe("TopicTest", "*")?;
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        let sub = subscription(topic, expression)?;
        lock(&self.inner.subscriptions).insert(topic.to_owned(), sub);
        if self.inner.started.load(Ordering::Acquire) {
            self.inner.rebalance.notify_one();
        }
        Ok(())
    }

    /// Sets a concurrent listener.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::PushConsumer) {
    /// c.register_concurrently(|_m: &[ferromq_client::MessageExt]| ferromq_client::ConsumeConcurrentlyStatus::ConsumeSuccess);
    /// # }
    /// ```
    pub fn register_concurrently(&self, listener: impl MessageListenerConcurrently) {
        *lock(&self.inner.listener) = Some(Listener::Concurrent(Arc::new(listener)));
    }

    /// Sets an orderly listener (clustering only: queues are locked on the broker).
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::PushConsumer) {
    /// c.register_orderly(|_m: &[ferromq_client::MessageExt]| ferromq_client::ConsumeOrderlyStatus::Success);
    /// # }
    /// ```
    pub fn register_orderly(&self, listener: impl MessageListenerOrderly) {
        *lock(&self.inner.listener) = Some(Listener::Orderly(Arc::new(listener)));
    }

    /// The queues this consumer currently owns.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::PushConsumer) { println!("{:?}", c.assigned_queues()); }
    /// ```
    pub fn assigned_queues(&self) -> Vec<MessageQueue> {
        let mut v: Vec<_> = lock(&self.inner.queues)
            .keys()
            .filter(|q| !q.topic.starts_with("%RETRY%"))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// The client instance.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::PushConsumer) { println!("{}", c.instance().client_id()); }
    /// ```
    pub fn instance(&self) -> &ClientInstance {
        &self.inner.instance
    }

    /// Registers with the brokers (heartbeat) and starts rebalancing, pulling and consuming.
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] without a listener or subscription, or when the group
    /// is already started in this instance; route errors for a subscribed topic.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::PushConsumer) -> ferromq_client::Result<()> {
    /// c.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self) -> Result<()> {
        let inner = &self.inner;
        let listener = lock(&inner.listener).clone().ok_or_else(|| {
            ClientError::InvalidArgument("register a listener before start".into())
        })?;
        if lock(&inner.subscriptions).is_empty() {
            return Err(ClientError::InvalidArgument(
                "subscribe to a topic before start".into(),
            ));
        }
        if matches!(listener, Listener::Orderly(_))
            && inner.config.message_model == MessageModel::Broadcasting
        {
            tracing::info!("orderly listener in broadcasting mode: queues are not locked");
        }
        if inner.config.message_model == MessageModel::Clustering {
            let retry = format!("%RETRY%{}", inner.config.group);
            let sub = subscription(&retry, "*")?;
            lock(&inner.subscriptions).insert(retry, sub);
        }
        let hook: Arc<dyn ConsumerHook> = inner.clone();
        inner
            .instance
            .register_consumer(&inner.config.group, Arc::downgrade(&hook))?;
        inner.started.store(true, Ordering::Release);
        for topic in hook.topics() {
            if let Err(e) = inner.instance.update_route(&topic).await {
                if !topic.starts_with("%RETRY%") {
                    return Err(e);
                }
            }
        }
        inner.instance.send_heartbeat_to_all().await;
        // The retry topic exists once the broker has seen the heartbeat.
        for topic in hook.topics() {
            let _ = inner.instance.update_route(&topic).await;
        }

        let weak = Arc::downgrade(inner);
        let rebalance = tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else { break };
                if inner.stopping.load(Ordering::Acquire) {
                    break;
                }
                PushInner::do_rebalance(&inner).await;
                let every = inner.config.rebalance_interval;
                // Shutdown aborts this task, so holding `inner` while waiting is fine.
                let _ = tokio::time::timeout(every, inner.rebalance.notified()).await;
            }
        });
        let weak = Arc::downgrade(inner);
        let every = inner.config.persist_interval;
        let persist = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                if let Err(e) = inner
                    .offsets
                    .persist(&inner.instance, &inner.config.group, None, false)
                    .await
                {
                    tracing::warn!("offset persist failed: {e}");
                }
            }
        });
        let mut tasks = vec![rebalance, persist];
        if matches!(listener, Listener::Orderly(_))
            && inner.config.message_model == MessageModel::Clustering
        {
            let weak = Arc::downgrade(inner);
            let every = inner.config.lock_interval;
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let Some(inner) = weak.upgrade() else { break };
                    inner.lock_all().await;
                }
            }));
        }
        lock(&inner.tasks).extend(tasks);
        Ok(())
    }

    /// Stops consuming: running listener calls finish (up to 10 s), offsets are committed,
    /// orderly locks released, and the group unregistered.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::PushConsumer) { c.shutdown().await; }
    /// ```
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        if inner.stopping.swap(true, Ordering::AcqRel) {
            return;
        }
        for t in lock(&inner.tasks).drain(..) {
            t.abort();
        }
        let queues: Vec<Arc<ProcessQueue>> = lock(&inner.queues).values().cloned().collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while inner.inflight.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            let _ = tokio::time::timeout(Duration::from_millis(50), inner.idle.notified()).await;
        }
        if let Err(e) = inner
            .offsets
            .persist(&inner.instance, &inner.config.group, None, true)
            .await
        {
            tracing::warn!("final offset persist failed: {e}");
        }
        for pq in &queues {
            pq.stop();
        }
        if matches!(lock(&inner.listener).clone(), Some(Listener::Orderly(_))) {
            let mqs: Vec<_> = queues.iter().map(|p| p.mq.clone()).collect();
            inner.unlock(&mqs).await;
        }
        lock(&inner.queues).clear();
        inner
            .instance
            .unregister_consumer(&inner.config.group)
            .await;
        inner
            .instance
            .unregister_producer("CLIENT_INNER_PRODUCER")
            .await;
        if inner.owns_instance {
            inner.instance.shutdown();
        }
    }
}

impl PushInner {
    fn max_reconsume(&self, orderly: bool) -> i32 {
        match self.config.max_reconsume_times {
            n if n >= 0 => n,
            _ if orderly => i32::MAX,
            _ => 16,
        }
    }

    async fn do_rebalance(this: &Arc<PushInner>) {
        let _guard = this.rebalancing.lock().await;
        let subs: Vec<(String, SubscriptionData)> = lock(&this.subscriptions)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let orderly = matches!(lock(&this.listener).clone(), Some(Listener::Orderly(_)));
        for (topic, sub) in subs {
            let mq_all = match subscribe_queues(&this.instance, &topic).await {
                Ok(q) => q,
                Err(e) => {
                    tracing::debug!("rebalance {topic}: {e}");
                    continue;
                }
            };
            let mine = match this.config.message_model {
                MessageModel::Broadcasting => mq_all,
                MessageModel::Clustering => {
                    let cids = match consumer_ids(&this.instance, &this.config.group, &topic).await
                    {
                        Ok(c) => c,
                        Err(e) => {
                            tracing::debug!("rebalance {topic}: consumer list: {e}");
                            continue;
                        }
                    };
                    if !cids.iter().any(|c| c == this.instance.client_id()) {
                        // The broker has not seen our heartbeat yet.
                        this.instance.send_heartbeat_to_all().await;
                        continue;
                    }
                    this.config
                        .allocate
                        .allocate(this.instance.client_id(), &mq_all, &cids)
                }
            };
            Self::update_queues(this, &topic, &sub, mine, orderly).await;
        }
    }

    async fn update_queues(
        this: &Arc<PushInner>,
        topic: &str,
        sub: &SubscriptionData,
        mine: Vec<MessageQueue>,
        orderly: bool,
    ) {
        let lock_needed = orderly && this.config.message_model == MessageModel::Clustering;
        let removed: Vec<Arc<ProcessQueue>> = {
            let mut queues = lock(&this.queues);
            let gone: Vec<MessageQueue> = queues
                .keys()
                .filter(|q| q.topic == topic && !mine.contains(q))
                .cloned()
                .collect();
            gone.iter().filter_map(|q| queues.remove(q)).collect()
        };
        for pq in &removed {
            pq.stop();
            let _ = this
                .offsets
                .persist(&this.instance, &this.config.group, Some(&pq.mq), true)
                .await;
            this.offsets.remove(&pq.mq);
        }
        if lock_needed && !removed.is_empty() {
            let mqs: Vec<_> = removed.iter().map(|p| p.mq.clone()).collect();
            this.unlock(&mqs).await;
        }
        for mq in mine {
            if lock(&this.queues).contains_key(&mq) || this.stopping.load(Ordering::Acquire) {
                continue;
            }
            if lock_needed && !this.lock_one(&mq).await {
                continue;
            }
            let offset = match this
                .offsets
                .read_stored(&this.instance, &this.config.group, &mq)
                .await
            {
                Ok(Some(o)) => o,
                Ok(None) => {
                    match initial_offset(&this.instance, &mq, this.config.consume_from).await {
                        Ok(o) => o,
                        Err(e) => {
                            tracing::debug!("no start offset for {mq:?}: {e}");
                            continue;
                        }
                    }
                }
                Err(e) => {
                    tracing::debug!("offset query for {mq:?} failed: {e}");
                    continue;
                }
            };
            let pq = Arc::new(ProcessQueue::new(mq.clone(), offset));
            if lock_needed {
                pq.locked.store(true, Ordering::Release);
            }
            let weak = Arc::downgrade(this);
            let puller = tokio::spawn(pull_loop(weak, pq.clone(), sub.clone(), offset));
            lock(&pq.tasks).push(puller);
            if orderly {
                let weak = Arc::downgrade(this);
                let consumer = tokio::spawn(orderly_loop(weak, pq.clone()));
                lock(&pq.tasks).push(consumer);
            }
            lock(&this.queues).insert(mq, pq);
        }
    }

    async fn lock_batch(&self, broker: &str, mqs: Vec<MessageQueue>) -> Vec<MessageQueue> {
        let Some(addr) = self.instance.master_addr(broker) else {
            return Vec::new();
        };
        let body = LockBatchRequestBody {
            client_id: self.instance.client_id().to_owned(),
            consumer_group: self.config.group.clone(),
            mq_set: mqs.into_iter().collect(),
            only_this_broker: false,
        };
        let req =
            RemotingCommand::request(request_code::LOCK_BATCH_MQ).with_body(json::encode(&body));
        match self.instance.invoke(&addr, req).await {
            Ok(resp) if resp.code == response_code::SUCCESS => {
                json::decode::<LockBatchResponseBody>(resp.body_bytes())
                    .map(|b| b.lock_ok_mq_set.into_iter().collect())
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    async fn lock_one(&self, mq: &MessageQueue) -> bool {
        self.lock_batch(&mq.broker_name, vec![mq.clone()])
            .await
            .contains(mq)
    }

    async fn lock_all(&self) {
        let mut by_broker: HashMap<String, Vec<Arc<ProcessQueue>>> = HashMap::new();
        for pq in lock(&self.queues).values() {
            by_broker
                .entry(pq.mq.broker_name.clone())
                .or_default()
                .push(pq.clone());
        }
        for (broker, pqs) in by_broker {
            let ok = self
                .lock_batch(&broker, pqs.iter().map(|p| p.mq.clone()).collect())
                .await;
            for pq in pqs {
                if ok.contains(&pq.mq) {
                    pq.locked.store(true, Ordering::Release);
                    *lock(&pq.last_lock) = Instant::now();
                    pq.arrived.notify_one();
                } else {
                    pq.locked.store(false, Ordering::Release);
                }
            }
        }
    }

    async fn unlock(&self, mqs: &[MessageQueue]) {
        let mut by_broker: HashMap<&str, Vec<MessageQueue>> = HashMap::new();
        for mq in mqs {
            by_broker
                .entry(mq.broker_name.as_str())
                .or_default()
                .push(mq.clone());
        }
        for (broker, mqs) in by_broker {
            let Some(addr) = self.instance.master_addr(broker) else {
                continue;
            };
            let body = LockBatchRequestBody {
                client_id: self.instance.client_id().to_owned(),
                consumer_group: self.config.group.clone(),
                mq_set: mqs.into_iter().collect(),
                only_this_broker: false,
            };
            let req = RemotingCommand::request(request_code::UNLOCK_BATCH_MQ)
                .with_body(json::encode(&body));
            let _ = self.instance.invoke(&addr, req).await;
        }
    }

    /// CONSUMER_SEND_MSG_BACK for a failed message (delay level 0: the broker picks).
    async fn send_back(&self, msg: &MessageExt, orderly: bool) -> Result<()> {
        let addr = self
            .instance
            .master_addr_or_refresh(&msg.broker_name, &msg.topic)
            .await?;
        let h = ConsumerSendMsgBackRequestHeader {
            offset: msg.commit_log_offset,
            group: self.config.group.clone(),
            delay_level: 0,
            origin_msg_id: Some(msg.msg_id.clone()),
            origin_topic: Some(msg.topic.clone()),
            unit_mode: Some(false),
            max_reconsume_times: Some(self.max_reconsume(orderly)),
        };
        let req = RemotingCommand::request(request_code::CONSUMER_SEND_MSG_BACK).with_header(&h);
        let resp = self.instance.invoke(&addr, req).await?;
        if resp.code == response_code::SUCCESS {
            Ok(())
        } else {
            Err(ClientError::Broker {
                code: resp.code,
                remark: resp.remark.unwrap_or_default(),
            })
        }
    }

    /// Re-sends a message to `%RETRY%<group>` with a normal send (spec §11.3); with
    /// `reconsume > max` (or while the group holds order locks) the broker routes it to the DLQ.
    async fn resend_to_retry_topic(
        &self,
        msg: &MessageExt,
        reconsume: i32,
        max: i32,
    ) -> Result<()> {
        let mut m = Message::new(format!("%RETRY%{}", self.config.group), msg.body.clone());
        m.flag = msg.flag;
        m.properties = msg.properties.clone();
        m.properties.remove(property::MIN_OFFSET);
        m.properties.remove(property::MAX_OFFSET);
        if m.property(property::RETRY_TOPIC).is_none() {
            m.properties
                .insert(property::RETRY_TOPIC, msg.topic.clone());
        }
        if m.property(property::ORIGIN_MESSAGE_ID).is_none() {
            m.properties
                .insert(property::ORIGIN_MESSAGE_ID, msg.msg_id.clone());
        }
        m.properties.insert("RECONSUME_TIME", reconsume.to_string());
        m.properties.insert("MAX_RECONSUME_TIMES", max.to_string());
        m.properties
            .insert(property::DELAY, (3 + reconsume.min(15)).to_string());
        self.retry_producer.send(m).await.map(|_| ())
    }

    fn begin_consume(&self) -> bool {
        if self.stopping.load(Ordering::Acquire) {
            return false;
        }
        self.inflight.fetch_add(1, Ordering::AcqRel);
        true
    }

    fn end_consume(&self) {
        if self.inflight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_waiters();
        }
    }
}

async fn pull_loop(
    weak: Weak<PushInner>,
    pq: Arc<ProcessQueue>,
    sub: SubscriptionData,
    mut offset: i64,
) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        if pq.dropped() || inner.stopping.load(Ordering::Acquire) {
            return;
        }
        let (count, bytes) = pq.cached();
        if count > inner.config.pull_threshold_for_queue
            || bytes > inner.config.pull_threshold_size_for_queue
        {
            drop(inner);
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let listener = lock(&inner.listener).clone();
        let orderly_locking = matches!(listener, Some(Listener::Orderly(_)))
            && inner.config.message_model == MessageModel::Clustering;
        if orderly_locking && !pq.lock_valid() {
            drop(inner);
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let instance = inner.instance.clone();
        let group = inner.config.group.clone();
        let batch = inner.config.pull_batch_size;
        let hold = inner.config.long_poll_timeout;
        drop(inner);
        let outcome = pull_once(
            &instance,
            &group,
            &pq.mq,
            offset,
            &sub,
            batch,
            Some(hold),
            false,
        )
        .await;
        let Some(inner) = weak.upgrade() else { return };
        if pq.dropped() {
            return;
        }
        match outcome {
            Ok(out) => {
                match out.code {
                    response_code::SUCCESS => {
                        offset = out.next_begin_offset;
                        pq.put(&out.messages, offset);
                        if out.messages.is_empty() {
                            // All filtered out: the committed position can move on.
                            let commit = pq.remove(&[]);
                            inner.offsets.update(&pq.mq, commit, true);
                        } else {
                            match listener {
                                Some(Listener::Concurrent(l)) => {
                                    dispatch_concurrently(&inner, &pq, l, out.messages);
                                }
                                Some(Listener::Orderly(_)) => pq.arrived.notify_one(),
                                None => {}
                            }
                        }
                    }
                    response_code::PULL_OFFSET_MOVED => {
                        tracing::info!(
                            "offset {offset} of {:?} moved to {}",
                            pq.mq,
                            out.next_begin_offset
                        );
                        offset = out.next_begin_offset;
                        pq.pulled_to.store(offset, Ordering::Release);
                        inner.offsets.update(&pq.mq, offset, false);
                    }
                    _ => {
                        offset = out.next_begin_offset;
                        pq.pulled_to.store(offset, Ordering::Release);
                        if lock(&pq.msgs).is_empty() {
                            inner.offsets.update(&pq.mq, offset, true);
                        }
                    }
                }
                let _ = out.max_offset;
            }
            Err(e) => {
                let wait = if e.response_code() == Some(response_code::FLOW_CONTROL) {
                    Duration::from_secs(3)
                } else {
                    Duration::from_secs(1)
                };
                tracing::debug!("pull {:?} failed: {e}", pq.mq);
                drop(inner);
                tokio::time::sleep(wait).await;
            }
        }
    }
}

fn dispatch_concurrently(
    inner: &Arc<PushInner>,
    pq: &Arc<ProcessQueue>,
    listener: Arc<dyn MessageListenerConcurrently>,
    msgs: Vec<MessageExt>,
) {
    let batch = inner.config.consume_batch_size.max(1);
    for chunk in msgs.chunks(batch) {
        let chunk = chunk.to_vec();
        let weak = Arc::downgrade(inner);
        let pq = pq.clone();
        let listener = listener.clone();
        let permits = inner.permits.clone();
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            consume_concurrently(weak, pq, listener, chunk).await;
        });
    }
}

async fn consume_concurrently(
    weak: Weak<PushInner>,
    pq: Arc<ProcessQueue>,
    listener: Arc<dyn MessageListenerConcurrently>,
    msgs: Vec<MessageExt>,
) {
    let Some(inner) = weak.upgrade() else { return };
    if pq.dropped() || !inner.begin_consume() {
        return;
    }
    let status = listener.consume(&msgs).await;
    let mut retry_locally = Vec::new();
    if status == ConsumeConcurrentlyStatus::ReconsumeLater
        && inner.config.message_model == MessageModel::Clustering
    {
        for m in &msgs {
            if let Err(e) = inner.send_back(m, false).await {
                tracing::warn!("send back of {} failed, retrying locally: {e}", m.msg_id);
                retry_locally.push(m.clone());
            }
        }
    }
    let done: Vec<i64> = msgs
        .iter()
        .filter(|m| {
            !retry_locally
                .iter()
                .any(|r| r.queue_offset == m.queue_offset)
        })
        .map(|m| m.queue_offset)
        .collect();
    let commit = pq.remove(&done);
    if !pq.dropped() {
        inner.offsets.update(&pq.mq, commit, true);
    }
    inner.end_consume();
    if !retry_locally.is_empty() {
        let weak = weak.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let Some(inner) = weak.upgrade() else { return };
            let listener = lock(&inner.listener).clone();
            if let Some(Listener::Concurrent(l)) = listener {
                dispatch_concurrently(&inner, &pq, l, retry_locally);
            }
        });
    }
}

async fn orderly_loop(weak: Weak<PushInner>, pq: Arc<ProcessQueue>) {
    let mut attempts: HashMap<i64, i32> = HashMap::new();
    loop {
        let Some(inner) = weak.upgrade() else { return };
        if pq.dropped() || inner.stopping.load(Ordering::Acquire) {
            return;
        }
        let locking = inner.config.message_model == MessageModel::Clustering;
        let next = lock(&pq.msgs).values().next().cloned();
        let (Some(mut msg), true) = (next, !locking || pq.lock_valid()) else {
            drop(inner);
            let _ = tokio::time::timeout(Duration::from_millis(100), pq.arrived.notified()).await;
            continue;
        };
        let Some(Listener::Orderly(listener)) = lock(&inner.listener).clone() else {
            return;
        };
        if !inner.begin_consume() {
            return;
        }
        let tries = attempts.get(&msg.queue_offset).copied().unwrap_or(0);
        msg.reconsume_times += tries;
        let status = listener.consume(std::slice::from_ref(&msg)).await;
        let finished = match status {
            ConsumeOrderlyStatus::Success => true,
            ConsumeOrderlyStatus::SuspendCurrentQueueAMoment => {
                let max = inner.max_reconsume(true);
                if msg.reconsume_times >= max {
                    // Give up on it: route it to the DLQ and move on.
                    match inner
                        .resend_to_retry_topic(&msg, msg.reconsume_times + 1, max)
                        .await
                    {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::warn!("DLQ resend of {} failed: {e}", msg.msg_id);
                            false
                        }
                    }
                } else {
                    false
                }
            }
        };
        if finished {
            attempts.remove(&msg.queue_offset);
            let commit = pq.remove(&[msg.queue_offset]);
            if !pq.dropped() {
                inner.offsets.update(&pq.mq, commit, true);
            }
            inner.end_consume();
        } else {
            *attempts.entry(msg.queue_offset).or_insert(0) += 1;
            let pause = inner.config.suspend_current_queue;
            inner.end_consume();
            drop(inner);
            tokio::time::sleep(pause).await;
        }
    }
}
