//! The lite pull consumer (spec §16.6): the application calls [`LitePullConsumer::poll`];
//! queues come from a subscription (rebalanced like a push consumer) or from an explicit
//! assignment; positions move with `poll`, `seek`, and are stored by `commit`.
//!
//! Invariant: `commit` stores, per queue, the position after the last message `poll`
//! returned — everything polled counts as consumed once committed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferromq_protocol::body::client::{ConsumeType, ConsumerData, MessageModel, SubscriptionData};
use ferromq_protocol::body::common::MessageQueue;
use ferromq_protocol::code::response_code;

use super::{
    consumer_ids, initial_offset, pull_once, subscribe_queues, subscription, ConsumerConfig,
    OffsetStore,
};
use crate::error::{ClientError, Result};
use crate::instance::{ClientInstance, ConsumerHook};
use crate::message::MessageExt;
use crate::remoting::lock;

struct LiteInner {
    config: ConsumerConfig,
    instance: ClientInstance,
    owns_instance: bool,
    subscriptions: Mutex<BTreeMap<String, SubscriptionData>>,
    /// Queue → next offset to poll (`None` until resolved from the store / consume-from).
    positions: Mutex<BTreeMap<MessageQueue, Option<i64>>>,
    assigned_mode: AtomicBool,
    rebalance_due: AtomicBool,
    last_rebalance: Mutex<Option<Instant>>,
    cursor: AtomicUsize,
    offsets: OffsetStore,
}

impl ConsumerHook for LiteInner {
    fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            consume_from_where: Default::default(),
            consume_type: ConsumeType::ConsumeActively,
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
        self.rebalance_due.store(true, Ordering::Release);
    }
}

/// A pull consumer driven by the application.
///
/// ```no_run
/// # async fn f() -> ferromq_client::Result<()> {
/// use std::time::Duration;
/// use ferromq_client::{ConsumerConfig, LitePullConsumer};
/// let c = LitePullConsumer::new(ConsumerConfig::new("lite_group", "127.0.0.1:9876"))?;
/// c.subscribe("TopicTest", "*")?;
/// c.start().await?;
/// let msgs = c.poll(Duration::from_secs(1)).await?;
/// c.commit().await?;
/// c.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LitePullConsumer {
    inner: Arc<LiteInner>,
}

impl LitePullConsumer {
    /// A lite pull consumer with its own instance (clustering offsets on the brokers;
    /// broadcasting in a local file).
    ///
    /// # Errors
    /// [`ClientError::Io`] when a broadcasting offset file cannot be read.
    ///
    /// ```no_run
    /// # async fn f() -> ferromq_client::Result<()> {
    /// let c = ferromq_client::LitePullConsumer::new(ferromq_client::ConsumerConfig::new("g", "127.0.0.1:9876"))?;
    /// # Ok(()) }
    /// ```
    pub fn new(config: ConsumerConfig) -> Result<LitePullConsumer> {
        let instance = ClientInstance::new(config.client.clone());
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
        Ok(LitePullConsumer {
            inner: Arc::new(LiteInner {
                config,
                instance,
                owns_instance: true,
                subscriptions: Mutex::new(BTreeMap::new()),
                positions: Mutex::new(BTreeMap::new()),
                assigned_mode: AtomicBool::new(false),
                rebalance_due: AtomicBool::new(true),
                last_rebalance: Mutex::new(None),
                cursor: AtomicUsize::new(0),
                offsets,
            }),
        })
    }

    /// Subscribes to `topic` (queues then come from rebalancing within the group).
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] after [`LitePullConsumer::assign`], or for an empty
    /// topic.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// c.subscribe("TopicTest", "TagA")?;
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self, topic: &str, expression: &str) -> Result<()> {
        if self.inner.assigned_mode.load(Ordering::Acquire) {
            return Err(ClientError::InvalidArgument(
                "subscribe and assign cannot be mixed".into(),
            ));
        }
        let sub = subscription(topic, expression)?;
        lock(&self.inner.subscriptions).insert(topic.to_owned(), sub);
        self.inner.rebalance_due.store(true, Ordering::Release);
        Ok(())
    }

    /// Takes exactly these queues (no rebalancing, every tag).
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] after [`LitePullConsumer::subscribe`].
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// c.assign(vec![ferromq_client::MessageQueue::new("T", "broker-a", 0)])?;
    /// # Ok(()) }
    /// ```
    pub fn assign(&self, queues: Vec<MessageQueue>) -> Result<()> {
        if !lock(&self.inner.subscriptions).is_empty()
            && !self.inner.assigned_mode.load(Ordering::Acquire)
        {
            return Err(ClientError::InvalidArgument(
                "subscribe and assign cannot be mixed".into(),
            ));
        }
        self.inner.assigned_mode.store(true, Ordering::Release);
        let mut subs = lock(&self.inner.subscriptions);
        let mut pos = lock(&self.inner.positions);
        pos.clear();
        for q in queues {
            if !subs.contains_key(&q.topic) {
                subs.insert(q.topic.clone(), subscription(&q.topic, "*")?);
            }
            pos.insert(q, None);
        }
        Ok(())
    }

    /// Registers with the brokers.
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] when the group is already used in this instance.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// c.start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(&self) -> Result<()> {
        let hook: Arc<dyn ConsumerHook> = self.inner.clone();
        self.inner
            .instance
            .register_consumer(&self.inner.config.group, Arc::downgrade(&hook))?;
        for t in hook.topics() {
            let _ = self.inner.instance.update_route(&t).await;
        }
        self.inner.instance.send_heartbeat_to_all().await;
        Ok(())
    }

    /// The queues currently polled.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::LitePullConsumer) { println!("{:?}", c.assignment()); }
    /// ```
    pub fn assignment(&self) -> Vec<MessageQueue> {
        lock(&self.inner.positions).keys().cloned().collect()
    }

    async fn rebalance(&self) -> Result<()> {
        let inner = &self.inner;
        if inner.assigned_mode.load(Ordering::Acquire) {
            return Ok(());
        }
        let due = inner.rebalance_due.swap(false, Ordering::AcqRel)
            || lock(&inner.last_rebalance)
                .is_none_or(|t| t.elapsed() >= inner.config.rebalance_interval);
        if !due {
            return Ok(());
        }
        *lock(&inner.last_rebalance) = Some(Instant::now());
        let topics: Vec<String> = lock(&inner.subscriptions).keys().cloned().collect();
        let mut mine = BTreeSet::new();
        for topic in &topics {
            let all = subscribe_queues(&inner.instance, topic).await?;
            match inner.config.message_model {
                MessageModel::Broadcasting => mine.extend(all),
                MessageModel::Clustering => {
                    let cids = consumer_ids(&inner.instance, &inner.config.group, topic).await?;
                    mine.extend(inner.config.allocate.allocate(
                        inner.instance.client_id(),
                        &all,
                        &cids,
                    ));
                }
            }
        }
        let mut pos = lock(&inner.positions);
        pos.retain(|q, _| mine.contains(q));
        for q in mine {
            pos.entry(q).or_insert(None);
        }
        Ok(())
    }

    async fn position(&self, mq: &MessageQueue) -> Result<i64> {
        if let Some(Some(p)) = lock(&self.inner.positions).get(mq) {
            return Ok(*p);
        }
        let inner = &self.inner;
        let p = match inner
            .offsets
            .read_stored(&inner.instance, &inner.config.group, mq)
            .await?
        {
            Some(o) => o,
            None => initial_offset(&inner.instance, mq, inner.config.consume_from).await?,
        };
        lock(&inner.positions).insert(mq.clone(), Some(p));
        Ok(p)
    }

    /// Returns the next messages of the owned queues, waiting up to `timeout` for some.
    /// An empty vector means nothing arrived in time.
    ///
    /// # Errors
    /// Rebalance and offset errors; pull errors of a queue are skipped until the next call.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// for m in c.poll(std::time::Duration::from_millis(500)).await? { println!("{}", m.msg_id); }
    /// # Ok(()) }
    /// ```
    pub async fn poll(&self, timeout: Duration) -> Result<Vec<MessageExt>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Err(e) = self.rebalance().await {
                tracing::debug!("lite rebalance: {e}");
            }
            let queues = self.assignment();
            if !queues.is_empty() {
                let start = self.inner.cursor.fetch_add(1, Ordering::Relaxed);
                for i in 0..queues.len() {
                    let mq = &queues[(start + i) % queues.len()];
                    let Ok(offset) = self.position(mq).await else {
                        continue;
                    };
                    let sub = lock(&self.inner.subscriptions).get(&mq.topic).cloned();
                    let Some(sub) = sub else { continue };
                    let out = match pull_once(
                        &self.inner.instance,
                        &self.inner.config.group,
                        mq,
                        offset,
                        &sub,
                        self.inner.config.pull_batch_size,
                        None,
                        true,
                    )
                    .await
                    {
                        Ok(o) => o,
                        Err(e) => {
                            tracing::debug!("lite pull {mq:?}: {e}");
                            continue;
                        }
                    };
                    {
                        let mut pos = lock(&self.inner.positions);
                        if let Some(p) = pos.get_mut(mq) {
                            *p = Some(out.next_begin_offset);
                        }
                    }
                    if out.code == response_code::SUCCESS && !out.messages.is_empty() {
                        return Ok(out.messages);
                    }
                }
            }
            if Instant::now() >= deadline {
                return Ok(Vec::new());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(left.min(Duration::from_millis(50))).await;
        }
    }

    /// Moves a queue's position (the next `poll` reads from `offset`).
    ///
    /// # Errors
    /// [`ClientError::InvalidArgument`] for a queue not currently owned.
    ///
    /// ```no_run
    /// # fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// c.seek(&ferromq_client::MessageQueue::new("T", "broker-a", 0), 0)?;
    /// # Ok(()) }
    /// ```
    pub fn seek(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        let mut pos = lock(&self.inner.positions);
        match pos.get_mut(mq) {
            Some(p) => {
                *p = Some(offset.max(0));
                Ok(())
            }
            None => Err(ClientError::InvalidArgument(format!(
                "{mq:?} is not assigned to this consumer"
            ))),
        }
    }

    /// Stores the current positions (everything polled so far) as the group's offsets.
    ///
    /// # Errors
    /// Offset store errors (local file I/O); broker commits that fail are retried on the
    /// next commit.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// c.commit().await?;
    /// # Ok(()) }
    /// ```
    pub async fn commit(&self) -> Result<()> {
        let positions: Vec<(MessageQueue, i64)> = lock(&self.inner.positions)
            .iter()
            .filter_map(|(q, p)| p.map(|p| (q.clone(), p)))
            .collect();
        for (q, p) in positions {
            self.inner.offsets.update(&q, p, false);
        }
        self.inner
            .offsets
            .persist(&self.inner.instance, &self.inner.config.group, None, true)
            .await
    }

    /// The group's stored offset of a queue (`None` if it has none).
    ///
    /// # Errors
    /// Transport errors.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::LitePullConsumer) -> ferromq_client::Result<()> {
    /// let o = c.committed(&ferromq_client::MessageQueue::new("T", "broker-a", 0)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn committed(&self, mq: &MessageQueue) -> Result<Option<i64>> {
        self.inner
            .offsets
            .read_stored(&self.inner.instance, &self.inner.config.group, mq)
            .await
    }

    /// Unregisters and closes the instance.
    ///
    /// ```no_run
    /// # async fn f(c: ferromq_client::LitePullConsumer) { c.shutdown().await; }
    /// ```
    pub async fn shutdown(&self) {
        self.inner
            .instance
            .unregister_consumer(&self.inner.config.group)
            .await;
        if self.inner.owns_instance {
            self.inner.instance.shutdown();
        }
    }
}
