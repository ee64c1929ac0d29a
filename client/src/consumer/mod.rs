//! Consumers: the push consumer ([`PushConsumer`]) and the lite pull consumer
//! ([`LitePullConsumer`]), and what they share — configuration, tag expressions, queue
//! allocation strategies (spec §16.4), offset stores (broker or local file), and the pull call.
//!
//! Offsets are always "next offset to consume" (spec §12.6). A consumer with no stored offset
//! starts where its [`ConsumeFrom`] says.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use ferromq_protocol::body::client::{
    GetConsumerListByGroupResponseBody, MessageModel, SubscriptionData,
};
use ferromq_protocol::body::common::{perm, MessageQueue};
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    GetConsumerListByGroupRequestHeader, GetMaxOffsetRequestHeader, OffsetResponseHeader,
    PullMessageRequestHeader, PullMessageResponseHeader, QueryConsumerOffsetRequestHeader,
    QueryConsumerOffsetResponseHeader, SearchOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::record::java_hash;
use ferromq_protocol::{json, RemotingCommand};

use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::{decode_messages, property, MessageExt};
use crate::remoting::lock;

pub mod lite;
pub mod push;

pub use ferromq_protocol::body::client::MessageModel as Model;
pub use lite::LitePullConsumer;
pub use push::{
    ConsumeConcurrentlyStatus, ConsumeOrderlyStatus, MessageListenerConcurrently,
    MessageListenerOrderly, PushConsumer,
};

/// Where a group with no stored offset starts.
///
/// ```
/// let from = ferromq_client::consumer::ConsumeFrom::Timestamp(1_700_000_000_000);
/// assert_ne!(from, ferromq_client::consumer::ConsumeFrom::LastOffset);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsumeFrom {
    /// The queue's current end (only new messages). The default.
    #[default]
    LastOffset,
    /// The queue's beginning.
    FirstOffset,
    /// The first message stored at or after this time (ms since the epoch).
    Timestamp(i64),
}

/// How a clustering group divides queues among its members (everyone computes the same
/// answer from the sorted queue and client lists).
///
/// ```
/// use ferromq_client::consumer::AllocateStrategy;
/// use ferromq_client::MessageQueue;
/// let mqs: Vec<_> = (0..5).map(|i| MessageQueue::new("T", "b", i)).collect();
/// let cids = vec!["a".to_string(), "b".to_string()];
/// let mine = AllocateStrategy::Averagely.allocate("a", &mqs, &cids);
/// assert_eq!(mine.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllocateStrategy {
    /// Contiguous blocks (Java `AllocateMessageQueueAveragely`). The default.
    #[default]
    Averagely,
    /// Queue *j* to client *j mod n* (`AllocateMessageQueueAveragelyByCircle`).
    AveragelyByCircle,
    /// A hash ring with this many virtual nodes per client. The ring hashes with FNV-1a, not
    /// Java's MD5, so mix it only with FerroMQ clients.
    ConsistentHash {
        /// Virtual nodes per client (Java's default is 10).
        virtual_nodes: usize,
    },
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

impl AllocateStrategy {
    /// The queues `me` takes. `mq_all` and `cid_all` must be sorted (they are, when they come
    /// from the consumer); an unknown `me` gets nothing.
    ///
    /// ```
    /// use ferromq_client::consumer::AllocateStrategy;
    /// use ferromq_client::MessageQueue;
    /// let mqs: Vec<_> = (0..4).map(|i| MessageQueue::new("T", "b", i)).collect();
    /// let cids = vec!["a".to_string(), "b".to_string()];
    /// let a = AllocateStrategy::AveragelyByCircle.allocate("a", &mqs, &cids);
    /// assert_eq!(a.iter().map(|q| q.queue_id).collect::<Vec<_>>(), vec![0, 2]);
    /// ```
    pub fn allocate(
        &self,
        me: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        let Some(index) = cid_all.iter().position(|c| c == me) else {
            return Vec::new();
        };
        let (n_mq, n_cid) = (mq_all.len(), cid_all.len());
        match self {
            AllocateStrategy::Averagely => {
                let m = n_mq % n_cid;
                let avg = if n_mq <= n_cid {
                    1
                } else if m > 0 && index < m {
                    n_mq / n_cid + 1
                } else {
                    n_mq / n_cid
                };
                let start = if m > 0 && index < m {
                    index * avg
                } else {
                    index * avg + m
                };
                let range = avg.min(n_mq.saturating_sub(start));
                mq_all.iter().skip(start).take(range).cloned().collect()
            }
            AllocateStrategy::AveragelyByCircle => mq_all
                .iter()
                .enumerate()
                .filter(|(j, _)| j % n_cid == index)
                .map(|(_, q)| q.clone())
                .collect(),
            AllocateStrategy::ConsistentHash { virtual_nodes } => {
                let mut ring = BTreeMap::new();
                for c in cid_all {
                    for v in 0..(*virtual_nodes).max(1) {
                        ring.insert(fnv1a(&format!("{c}{v}")), c.as_str());
                    }
                }
                mq_all
                    .iter()
                    .filter(|q| {
                        let key = fnv1a(&format!("{}{}{}", q.topic, q.broker_name, q.queue_id));
                        let owner = ring
                            .range(key..)
                            .next()
                            .or_else(|| ring.iter().next())
                            .map(|(_, c)| *c);
                        owner == Some(me)
                    })
                    .cloned()
                    .collect()
            }
        }
    }
}

/// Consumer settings (push and lite pull).
///
/// ```
/// let c = ferromq_client::ConsumerConfig::new("my_group", "127.0.0.1:9876");
/// assert_eq!(c.pull_batch_size, 32);
/// ```
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Consumer group.
    pub group: String,
    /// Connection settings.
    pub client: ClientConfig,
    /// Clustering or broadcasting. Default: clustering.
    pub message_model: MessageModel,
    /// Start point without a stored offset. Default: last offset.
    pub consume_from: ConsumeFrom,
    /// Queue allocation. Default: averagely.
    pub allocate: AllocateStrategy,
    /// Listener calls running at once (concurrent listener). Default: 20.
    pub consume_concurrency: usize,
    /// Messages per pull. Default: 32.
    pub pull_batch_size: i32,
    /// Messages per concurrent listener call. Default: 1.
    pub consume_batch_size: usize,
    /// Cached messages per queue above which pulling pauses. Default: 1000.
    pub pull_threshold_for_queue: usize,
    /// Cached bytes per queue above which pulling pauses. Default: 100 MiB.
    pub pull_threshold_size_for_queue: usize,
    /// Deliveries before a message goes to the DLQ; −1 = 16 (concurrent) / unlimited
    /// (orderly). Default: −1.
    pub max_reconsume_times: i32,
    /// Orderly: pause before redelivering a failed message. Default: 1 s.
    pub suspend_current_queue: Duration,
    /// Long-poll hold time asked of the broker. Default: 15 s.
    pub long_poll_timeout: Duration,
    /// Offset commit period. Default: 5 s.
    pub persist_interval: Duration,
    /// Rebalance period (also on NOTIFY_CONSUMER_IDS_CHANGED). Default: 20 s.
    pub rebalance_interval: Duration,
    /// Orderly: queue lock renewal period. Default: 20 s.
    pub lock_interval: Duration,
    /// Broadcasting offsets live in `<dir>/<clientId>/<group>/offsets.json`.
    /// Default: `~/.rocketmq_offsets`.
    pub offset_store_dir: PathBuf,
}

impl ConsumerConfig {
    /// Defaults for `group` with the given name servers.
    ///
    /// ```
    /// let c = ferromq_client::ConsumerConfig::new("g", "127.0.0.1:9876");
    /// assert_eq!(c.group, "g");
    /// ```
    pub fn new(group: impl Into<String>, namesrv_addr: impl Into<String>) -> ConsumerConfig {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        ConsumerConfig {
            group: group.into(),
            client: ClientConfig::new(namesrv_addr),
            message_model: MessageModel::Clustering,
            consume_from: ConsumeFrom::LastOffset,
            allocate: AllocateStrategy::Averagely,
            consume_concurrency: 20,
            pull_batch_size: 32,
            consume_batch_size: 1,
            pull_threshold_for_queue: 1000,
            pull_threshold_size_for_queue: 100 << 20,
            max_reconsume_times: -1,
            suspend_current_queue: Duration::from_secs(1),
            long_poll_timeout: Duration::from_secs(15),
            persist_interval: Duration::from_secs(5),
            rebalance_interval: Duration::from_secs(20),
            lock_interval: Duration::from_secs(20),
            offset_store_dir: home.join(".rocketmq_offsets"),
        }
    }
}

/// Parses a tag expression (`*`, `TagA`, `TagA || TagB`) into subscription data.
///
/// # Errors
/// [`ClientError::InvalidArgument`] for an empty topic.
///
/// ```
/// let s = ferromq_client::consumer::subscription("T", "TagA || TagB").unwrap();
/// assert_eq!(s.tags_set.len(), 2);
/// assert!(ferromq_client::consumer::subscription("T", "*").unwrap().tags_set.is_empty());
/// ```
pub fn subscription(topic: &str, expression: &str) -> Result<SubscriptionData> {
    if topic.is_empty() {
        return Err(ClientError::InvalidArgument("empty topic".into()));
    }
    let expr = expression.trim();
    let mut data = SubscriptionData {
        topic: topic.to_owned(),
        sub_version: crate::message::now_ms(),
        ..SubscriptionData::default()
    };
    if expr.is_empty() || expr == "*" {
        data.sub_string = "*".into();
        return Ok(data);
    }
    data.sub_string = expr.to_owned();
    for tag in expr.split("||").map(str::trim).filter(|t| !t.is_empty()) {
        data.tags_set.insert(tag.to_owned());
        data.code_set.insert(java_hash(tag));
    }
    Ok(data)
}

/// Whether `msg` passes the subscription's tag filter.
pub(crate) fn tag_matches(sub: &SubscriptionData, msg: &MessageExt) -> bool {
    sub.tags_set.is_empty() || msg.tags().is_some_and(|t| sub.tags_set.contains(t))
}

/// The readable queues of `topic`, sorted.
pub(crate) async fn subscribe_queues(
    instance: &ClientInstance,
    topic: &str,
) -> Result<Vec<MessageQueue>> {
    let route = instance.topic_route(topic).await?;
    let mut out = BTreeSet::new();
    for qd in &route.queue_datas {
        if perm::is_readable(qd.perm) {
            for q in 0..qd.read_queue_nums {
                out.insert(MessageQueue::new(topic, qd.broker_name.clone(), q));
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// The group's live client ids (GET_CONSUMER_LIST_BY_GROUP to a broker of the topic), sorted.
pub(crate) async fn consumer_ids(
    instance: &ClientInstance,
    group: &str,
    topic: &str,
) -> Result<Vec<String>> {
    let route = instance.topic_route(topic).await?;
    let addr = route
        .broker_datas
        .iter()
        .find_map(|b| {
            b.master_addr()
                .map(str::to_owned)
                .or_else(|| b.broker_addrs.values().next().cloned())
        })
        .ok_or_else(|| ClientError::NoRoute(topic.to_owned()))?;
    let req = RemotingCommand::request(request_code::GET_CONSUMER_LIST_BY_GROUP).with_header(
        &GetConsumerListByGroupRequestHeader {
            consumer_group: group.to_owned(),
        },
    );
    let resp = instance.invoke(&addr, req).await?;
    if resp.code != response_code::SUCCESS {
        return Err(ClientError::Broker {
            code: resp.code,
            remark: resp.remark.unwrap_or_default(),
        });
    }
    let body: GetConsumerListByGroupResponseBody = json::decode(resp.body_bytes())?;
    let mut ids = body.consumer_id_list;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Where this group's offsets live.
pub(crate) enum OffsetStore {
    /// On the brokers (clustering).
    Remote {
        table: Mutex<HashMap<MessageQueue, (i64, bool)>>,
    },
    /// In a local file (broadcasting).
    Local {
        path: PathBuf,
        table: Mutex<HashMap<MessageQueue, (i64, bool)>>,
    },
}

fn mq_key(mq: &MessageQueue) -> String {
    format!("{}@{}@{}", mq.topic, mq.broker_name, mq.queue_id)
}

fn parse_mq_key(key: &str) -> Option<MessageQueue> {
    let mut parts = key.rsplitn(3, '@');
    let q = parts.next()?.parse().ok()?;
    let broker = parts.next()?;
    let topic = parts.next()?;
    Some(MessageQueue::new(topic, broker, q))
}

impl OffsetStore {
    pub(crate) fn remote() -> OffsetStore {
        OffsetStore::Remote {
            table: Mutex::new(HashMap::new()),
        }
    }

    /// A local store, loading the file if it exists (`{"offsetTable":{"topic@broker@qid":n}}`).
    pub(crate) fn local(path: PathBuf) -> Result<OffsetStore> {
        let mut table = HashMap::new();
        match std::fs::read(&path) {
            Ok(bytes) => {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct File {
                    offset_table: BTreeMap<String, i64>,
                }
                let file: File = json::decode(&bytes)?;
                for (k, v) in file.offset_table {
                    if let Some(mq) = parse_mq_key(&k) {
                        table.insert(mq, (v, false));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Ok(OffsetStore::Local {
            path,
            table: Mutex::new(table),
        })
    }

    fn table(&self) -> &Mutex<HashMap<MessageQueue, (i64, bool)>> {
        match self {
            OffsetStore::Remote { table } | OffsetStore::Local { table, .. } => table,
        }
    }

    /// Records a new offset; with `increase_only` a smaller value is ignored.
    pub(crate) fn update(&self, mq: &MessageQueue, offset: i64, increase_only: bool) {
        let mut t = lock(self.table());
        let e = t.entry(mq.clone()).or_insert((-1, false));
        if !increase_only || offset > e.0 {
            *e = (offset, true);
        }
    }

    /// The offset in memory.
    pub(crate) fn get(&self, mq: &MessageQueue) -> Option<i64> {
        lock(self.table()).get(mq).map(|e| e.0).filter(|o| *o >= 0)
    }

    /// Forgets a queue (after it was persisted).
    pub(crate) fn remove(&self, mq: &MessageQueue) {
        lock(self.table()).remove(mq);
    }

    /// The stored offset: the broker's (clustering) or the file's (broadcasting); `None` when
    /// there is none.
    pub(crate) async fn read_stored(
        &self,
        instance: &ClientInstance,
        group: &str,
        mq: &MessageQueue,
    ) -> Result<Option<i64>> {
        match self {
            OffsetStore::Local { .. } => Ok(self.get(mq)),
            OffsetStore::Remote { .. } => {
                let addr = instance
                    .any_addr_or_refresh(&mq.broker_name, &mq.topic)
                    .await?;
                let req = RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET)
                    .with_header(&QueryConsumerOffsetRequestHeader {
                        consumer_group: group.to_owned(),
                        topic: mq.topic.clone(),
                        queue_id: mq.queue_id,
                        set_zero_if_not_found: Some(false),
                    });
                let resp = instance.invoke(&addr, req).await?;
                match resp.code {
                    response_code::SUCCESS => {
                        let h: QueryConsumerOffsetResponseHeader = resp.decode_header()?;
                        if h.offset >= 0 {
                            lock(self.table()).insert(mq.clone(), (h.offset, false));
                            Ok(Some(h.offset))
                        } else {
                            Ok(None)
                        }
                    }
                    response_code::QUERY_NOT_FOUND => Ok(None),
                    code => Err(ClientError::Broker {
                        code,
                        remark: resp.remark.unwrap_or_default(),
                    }),
                }
            }
        }
    }

    /// Writes changed offsets: UPDATE_CONSUMER_OFFSET to each queue's master (oneway unless
    /// `wait`), or the local file.
    pub(crate) async fn persist(
        &self,
        instance: &ClientInstance,
        group: &str,
        only: Option<&MessageQueue>,
        wait: bool,
    ) -> Result<()> {
        let dirty: Vec<(MessageQueue, i64)> = {
            let mut t = lock(self.table());
            t.iter_mut()
                .filter(|(mq, e)| e.1 && only.is_none_or(|o| o == *mq))
                .map(|(mq, e)| {
                    e.1 = false;
                    (mq.clone(), e.0)
                })
                .collect()
        };
        match self {
            OffsetStore::Remote { .. } => {
                for (mq, offset) in dirty {
                    // Offsets belong to the master (a slave's copy is overwritten from it); while
                    // the master is gone they stay dirty and are sent when it is back.
                    let Some(addr) = instance.master_addr(&mq.broker_name) else {
                        if let Some(entry) = lock(self.table()).get_mut(&mq) {
                            entry.1 = true;
                        }
                        continue;
                    };
                    let req = RemotingCommand::request(request_code::UPDATE_CONSUMER_OFFSET)
                        .with_header(&UpdateConsumerOffsetRequestHeader {
                            consumer_group: group.to_owned(),
                            topic: mq.topic.clone(),
                            queue_id: mq.queue_id,
                            commit_offset: offset,
                        });
                    let sent = if wait {
                        instance.invoke(&addr, req).await.map(|_| ())
                    } else {
                        instance.invoke_oneway(&addr, req).await
                    };
                    if let Err(e) = sent {
                        tracing::debug!("offset commit to {addr} failed: {e}");
                        if let Some(entry) = lock(self.table()).get_mut(&mq) {
                            entry.1 = true;
                        }
                    }
                }
                Ok(())
            }
            OffsetStore::Local { path, table } => {
                if dirty.is_empty() {
                    return Ok(());
                }
                let all: BTreeMap<String, i64> = lock(table)
                    .iter()
                    .filter(|(_, e)| e.0 >= 0)
                    .map(|(mq, e)| (mq_key(mq), e.0))
                    .collect();
                let body = serde_json::json!({ "offsetTable": all }).to_string();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, body)?;
                std::fs::rename(&tmp, path)?;
                Ok(())
            }
        }
    }
}

/// Where to start a queue that has no stored offset (spec §12.6).
pub(crate) async fn initial_offset(
    instance: &ClientInstance,
    mq: &MessageQueue,
    from: ConsumeFrom,
) -> Result<i64> {
    let retry = mq.topic.starts_with("%RETRY%");
    let addr = instance
        .any_addr_or_refresh(&mq.broker_name, &mq.topic)
        .await?;
    let timestamp = match from {
        ConsumeFrom::FirstOffset => return Ok(0),
        ConsumeFrom::LastOffset if retry => return Ok(0),
        ConsumeFrom::LastOffset => None,
        // Retry topics start at their end when consuming from a time.
        ConsumeFrom::Timestamp(_) if retry => None,
        ConsumeFrom::Timestamp(ts) => Some(ts),
    };
    let req = match timestamp {
        None => RemotingCommand::request(request_code::GET_MAX_OFFSET).with_header(
            &GetMaxOffsetRequestHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                committed: None,
            },
        ),
        Some(ts) => RemotingCommand::request(request_code::SEARCH_OFFSET_BY_TIMESTAMP).with_header(
            &SearchOffsetRequestHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                timestamp: ts,
                boundary_type: None,
            },
        ),
    };
    let resp = instance.invoke(&addr, req).await?;
    if resp.code != response_code::SUCCESS {
        return Err(ClientError::Broker {
            code: resp.code,
            remark: resp.remark.unwrap_or_default(),
        });
    }
    let h: OffsetResponseHeader = resp.decode_header()?;
    Ok(h.offset.max(0))
}

/// The outcome of one pull.
pub(crate) struct PullOutcome {
    pub(crate) code: i32,
    pub(crate) next_begin_offset: i64,
    pub(crate) max_offset: i64,
    /// Decoded messages that match the subscription (SUCCESS only).
    pub(crate) messages: Vec<MessageExt>,
}

/// One PULL_MESSAGE (or LITE_PULL_MESSAGE) with the subscription in the request.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn pull_once(
    instance: &ClientInstance,
    group: &str,
    mq: &MessageQueue,
    offset: i64,
    sub: &SubscriptionData,
    max: i32,
    suspend: Option<Duration>,
    lite: bool,
) -> Result<PullOutcome> {
    let addr = instance
        .any_addr(&mq.broker_name)
        .ok_or_else(|| ClientError::NoRoute(mq.topic.clone()))?;
    let suspend_ms = suspend.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(15_000));
    let mut sys_flag = 0x4;
    if suspend.is_some() {
        sys_flag |= 0x2;
    }
    if lite {
        sys_flag |= 0x10;
    }
    let h = PullMessageRequestHeader {
        consumer_group: group.to_owned(),
        topic: mq.topic.clone(),
        queue_id: mq.queue_id,
        queue_offset: offset,
        max_msg_nums: max,
        sys_flag,
        commit_offset: 0,
        suspend_timeout_millis: suspend_ms,
        subscription: Some(sub.sub_string.clone()),
        sub_version: sub.sub_version,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
        request_source: None,
        proxy_froward_client_id: None,
    };
    let code = if lite {
        request_code::LITE_PULL_MESSAGE
    } else {
        request_code::PULL_MESSAGE
    };
    let req = RemotingCommand::request(code).with_header(&h);
    let timeout = suspend.map_or(instance.config().request_timeout, |s| {
        s + Duration::from_secs(5)
    });
    let resp = instance.invoke_timeout(&addr, req, timeout).await?;
    match resp.code {
        response_code::SUCCESS
        | response_code::PULL_NOT_FOUND
        | response_code::PULL_RETRY_IMMEDIATELY
        | response_code::PULL_OFFSET_MOVED => {
            let rh: PullMessageResponseHeader = resp.decode_header()?;
            let mut messages = Vec::new();
            if resp.code == response_code::SUCCESS {
                for mut m in decode_messages(resp.body_bytes(), &mq.broker_name) {
                    if !tag_matches(sub, &m) {
                        continue;
                    }
                    m.properties
                        .insert(property::MIN_OFFSET, rh.min_offset.to_string());
                    m.properties
                        .insert(property::MAX_OFFSET, rh.max_offset.to_string());
                    messages.push(m);
                }
            }
            Ok(PullOutcome {
                code: resp.code,
                next_begin_offset: rh.next_begin_offset,
                max_offset: rh.max_offset,
                messages,
            })
        }
        code => Err(ClientError::Broker {
            code,
            remark: resp.remark.unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mqs(n: i32) -> Vec<MessageQueue> {
        (0..n).map(|i| MessageQueue::new("T", "b", i)).collect()
    }

    #[test]
    fn every_strategy_covers_each_queue_once() {
        let cids: Vec<String> = ["c1", "c2", "c3"].iter().map(|s| s.to_string()).collect();
        for s in [
            AllocateStrategy::Averagely,
            AllocateStrategy::AveragelyByCircle,
            AllocateStrategy::ConsistentHash { virtual_nodes: 10 },
        ] {
            for n in [1, 2, 3, 7, 16] {
                let all = mqs(n);
                let mut seen = Vec::new();
                for c in &cids {
                    seen.extend(s.allocate(c, &all, &cids));
                }
                seen.sort();
                assert_eq!(seen, all, "{s:?} with {n} queues");
            }
        }
    }

    #[test]
    fn averagely_matches_java() {
        let cids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let all = mqs(8);
        let ids = |c: &str| -> Vec<i32> {
            AllocateStrategy::Averagely
                .allocate(c, &all, &cids)
                .iter()
                .map(|q| q.queue_id)
                .collect()
        };
        assert_eq!(ids("a"), vec![0, 1, 2]);
        assert_eq!(ids("b"), vec![3, 4, 5]);
        assert_eq!(ids("c"), vec![6, 7]);
        assert!(ids("zzz").is_empty());
    }

    #[test]
    fn mq_keys_round_trip() {
        let mq = MessageQueue::new("%RETRY%g@x", "broker-a", 3);
        assert_eq!(parse_mq_key(&mq_key(&mq)), Some(mq));
    }
}
