//! The [`MessageStore`] trait and its default implementation.
//!
//! [`DefaultMessageStore`] ties the parts together: puts go to the CommitLog (and, under
//! SYNC_FLUSH, to the group commit); a dispatcher thread builds the ConsumeQueues from the
//! CommitLog and tells arrival listeners; reads go through a ConsumeQueue to zero-copy slices
//! of the CommitLog. Background threads flush, checkpoint and enforce retention; they stop on
//! [`MessageStore::shutdown`] (or drop).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use bytes::Bytes;

use crate::checkpoint::Checkpoint;
use crate::commitlog::{CommitLog, EncodedBatch};
use crate::config::{FlushDiskType, StoreConfig};
use crate::consume_queue::ConsumeQueue;
use crate::error::{Error, Result};
use crate::filter::MessageFilter;
use crate::flush::{Durability, DurabilityError, GroupCommit, Signal};
use crate::fs::{FileSystem, StdFs};
use crate::record::{self, property, Properties};
use crate::schedule::{self, DelayLevels, LevelProgress, TimerWheel};
use crate::util::{lock, now_millis};

/// A message to store. The store adds the queue offset, physical offset, store timestamp and
/// store host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Topic: 1 to 255 characters from `[A-Za-z0-9_%|-]` (RocketMQ's topic characters).
    pub topic: String,
    /// Queue id inside the topic (≥ 0).
    pub queue_id: i32,
    /// User flag.
    pub flag: i32,
    /// Body as stored (compressed or not; the store does not look inside).
    pub body: Bytes,
    /// Properties (tags, keys, unique key ...).
    pub properties: Properties,
    /// Sysflag (compression, transaction type ...). The IPv6 host bits are set by the store.
    pub sysflag: i32,
    /// Producer timestamp, ms.
    pub born_timestamp: i64,
    /// Producer address.
    pub born_host: SocketAddr,
    /// Previous delivery attempts.
    pub reconsume_times: i32,
    /// For a committed transactional message: the half message's physical offset.
    pub prepared_transaction_offset: i64,
}

impl Message {
    /// A message with no properties, born now at 127.0.0.1:0.
    pub fn new(topic: impl Into<String>, queue_id: i32, body: impl Into<Bytes>) -> Self {
        Message {
            topic: topic.into(),
            queue_id,
            flag: 0,
            body: body.into(),
            properties: Properties::new(),
            sysflag: 0,
            born_timestamp: now_millis(),
            born_host: SocketAddr::from(([127, 0, 0, 1], 0)),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
        }
    }

    /// Set the `TAGS` property.
    pub fn with_tags(mut self, tags: &str) -> Self {
        self.properties.insert(property::TAGS, tags);
        self
    }

    /// Set the `KEYS` property.
    pub fn with_keys(mut self, keys: &str) -> Self {
        self.properties.insert(property::KEYS, keys);
        self
    }
}

/// Where a put landed, and a handle on its durability.
#[derive(Debug)]
pub struct PutResult {
    /// Physical offset of the first record.
    pub wrote_offset: i64,
    /// Bytes appended.
    pub wrote_bytes: usize,
    /// Queue offset of the first message (0 for prepared and rolled-back transactional ones).
    pub queue_offset: i64,
    /// Store timestamp of the records.
    pub store_timestamp: i64,
    /// Physical offset of each record.
    pub physical_offsets: Vec<i64>,
    /// The store host written into the records.
    pub store_host: SocketAddr,
    /// Resolves when the records are durable as the flush mode promises.
    pub durability: Durability,
    /// SYNC_MASTER only: resolves when a slave has the records (`SlaveTimeout` after
    /// `slaveTimeout`, `SlaveNotAvailable` when no slave is in sync). `None` otherwise.
    pub replication: Option<Durability>,
}

impl PutResult {
    /// Offset message id of the first record.
    pub fn msg_id(&self) -> String {
        record::offset_msg_id(self.store_host, self.wrote_offset)
    }

    /// Offset message ids of every record, comma-separated (as a batch send answers).
    pub fn msg_ids(&self) -> String {
        self.physical_offsets
            .iter()
            .map(|&p| record::offset_msg_id(self.store_host, p))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Outcome of a read (spec §12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetStatus {
    /// At least one message returned.
    Found,
    /// Entries were scanned but none matched the filter.
    NoMatchedMessage,
    /// The matching entries' records have been deleted by retention.
    MessageWasRemoving,
    /// An entry could not be read.
    OffsetFoundNull,
    /// The offset is beyond the end by more than one.
    OffsetOverflowBadly,
    /// The offset is exactly the end: nothing new yet.
    OffsetOverflowOne,
    /// The offset is below the queue's min offset.
    OffsetTooSmall,
    /// No such queue.
    NoMatchedLogicQueue,
    /// The queue exists but has never had a message.
    NoMessageInQueue,
}

impl GetStatus {
    /// RocketMQ's name for the status (sent as the pull response's remark).
    pub fn name(&self) -> &'static str {
        match self {
            GetStatus::Found => "FOUND",
            GetStatus::NoMatchedMessage => "NO_MATCHED_MESSAGE",
            GetStatus::MessageWasRemoving => "MESSAGE_WAS_REMOVING",
            GetStatus::OffsetFoundNull => "OFFSET_FOUND_NULL",
            GetStatus::OffsetOverflowBadly => "OFFSET_OVERFLOW_BADLY",
            GetStatus::OffsetOverflowOne => "OFFSET_OVERFLOW_ONE",
            GetStatus::OffsetTooSmall => "OFFSET_TOO_SMALL",
            GetStatus::NoMatchedLogicQueue => "NO_MATCHED_LOGIC_QUEUE",
            GetStatus::NoMessageInQueue => "NO_MESSAGE_IN_QUEUE",
        }
    }
}

/// The result of [`MessageStore::get_message`].
#[derive(Debug, Clone)]
pub struct GetResult {
    /// What happened.
    pub status: GetStatus,
    /// Where the next read of this queue should start.
    pub next_begin_offset: i64,
    /// The queue's min offset.
    pub min_offset: i64,
    /// The queue's max offset (next to be written).
    pub max_offset: i64,
    /// The stored records, each a zero-copy slice of the CommitLog, ready to be sent as a
    /// pull body back to back.
    pub messages: Vec<Bytes>,
    /// Queue offset of each returned record.
    pub queue_offsets: Vec<i64>,
    /// The data read is far behind the head (cold); a slave may serve it better.
    pub suggest_pulling_from_slave: bool,
}

impl GetResult {
    fn empty(status: GetStatus, next: i64, min: i64, max: i64) -> Self {
        GetResult {
            status,
            next_begin_offset: next,
            min_offset: min,
            max_offset: max,
            messages: Vec::new(),
            queue_offsets: Vec::new(),
            suggest_pulling_from_slave: false,
        }
    }

    /// Total bytes of the returned records.
    pub fn total_bytes(&self) -> usize {
        self.messages.iter().map(Bytes::len).sum()
    }
}

/// The result of [`MessageStore::query_message`].
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    /// Stored records whose key matches, oldest first (zero-copy).
    pub messages: Vec<Bytes>,
    /// Store time of the newest indexed message.
    pub index_last_update_timestamp: i64,
    /// Physical offset of the newest indexed message.
    pub index_last_update_phy_offset: i64,
}

/// A new ConsumeQueue entry, as told to arrival listeners.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Queue id.
    pub queue_id: i32,
    /// Queue offset of the new message.
    pub queue_offset: i64,
    /// The queue's max offset after it.
    pub max_offset: i64,
    /// Its tags code.
    pub tags_code: i64,
    /// Its store timestamp.
    pub store_timestamp: i64,
    /// Its properties string.
    pub properties: &'a str,
}

/// Called by the dispatcher thread for every new ConsumeQueue entry. Must be quick and must
/// not block (wake something and return).
pub type ArrivalListener = Arc<dyn Fn(&Arrival<'_>) + Send + Sync>;

/// A snapshot of the store's positions and health.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreStats {
    /// Lowest stored CommitLog offset.
    pub commit_log_min_offset: u64,
    /// End of the CommitLog.
    pub commit_log_max_offset: u64,
    /// Durable end of the CommitLog.
    pub flushed_offset: u64,
    /// CommitLog offset the ConsumeQueues are built up to.
    pub dispatched_offset: u64,
    /// Disk usage of the CommitLog's file system, %.
    pub disk_used_percent: f64,
    /// Writes refused for lack of space.
    pub disk_full: bool,
    /// Why the store is poisoned, if it is.
    pub poisoned: Option<String>,
    /// Number of ConsumeQueues.
    pub queue_count: usize,
    /// Arbitrary-delay messages waiting for their time.
    pub timer_pending: usize,
}

/// The storage API the broker and other embedders program against.
pub trait MessageStore: Send + Sync {
    /// Append one message.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] / [`Error::MessageTooLarge`] for a bad message,
    /// [`Error::DiskFull`], [`Error::Poisoned`], [`Error::Closed`], [`Error::Io`].
    fn put_message(&self, msg: Message) -> Result<PutResult>;

    /// Append messages of one topic and queue contiguously, with consecutive queue offsets.
    ///
    /// # Errors
    /// As [`MessageStore::put_message`]; also when the batch is empty or mixes queues.
    fn put_messages(&self, msgs: Vec<Message>) -> Result<PutResult>;

    /// Read up to `max_count` messages of a queue from `offset` (spec §12.3). `max_bytes` is
    /// the caller's byte budget (0: the store's default budgets only).
    fn get_message(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_count: usize,
        max_bytes: usize,
        filter: Option<&dyn MessageFilter>,
    ) -> GetResult;

    /// Next queue offset to be written (0 for an unknown queue).
    fn max_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64;

    /// Lowest queue offset still stored (0 for an unknown queue).
    fn min_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64;

    /// The smallest queue offset whose message was stored at or after `timestamp` (ms); the
    /// max offset if every message is older.
    fn offset_by_time(&self, topic: &str, queue_id: i32, timestamp: i64) -> i64;

    /// Store timestamp of the message at a queue offset.
    fn message_store_time(&self, topic: &str, queue_id: i32, queue_offset: i64) -> Option<i64>;

    /// Store timestamp of the queue's oldest message.
    fn earliest_message_time(&self, topic: &str, queue_id: i32) -> Option<i64> {
        let min = self.min_offset_in_queue(topic, queue_id);
        self.message_store_time(topic, queue_id, min)
    }

    /// The whole stored record at a physical offset (zero-copy).
    fn record_by_offset(&self, physical_offset: i64) -> Option<Bytes>;

    /// Queue ids that exist for a topic.
    fn queue_ids(&self, topic: &str) -> Vec<i32>;

    /// Every topic with a ConsumeQueue.
    fn topics(&self) -> Vec<String>;

    /// Delete the ConsumeQueues of topics (the CommitLog keeps their records until retention).
    ///
    /// # Errors
    /// [`Error::Io`] when files cannot be removed.
    fn delete_topics(&self, topics: &[&str]) -> Result<()>;

    /// Register a listener for new ConsumeQueue entries.
    fn add_arrival_listener(&self, listener: ArrivalListener);

    /// Delay-level delivery progress as RocketMQ's `delayOffset.json` content.
    fn delay_offsets_json(&self) -> String;

    /// Messages of `topic` whose `KEYS` contain `key` or whose `UNIQ_KEY` is `key`, stored
    /// within [`begin`, `end`] (ms), at most `max_num` (capped at `maxMsgsNumBatch`).
    fn query_message(
        &self,
        topic: &str,
        key: &str,
        max_num: usize,
        begin: i64,
        end: i64,
    ) -> QueryResult;

    /// Where a master listens for slaves (`None` when it does not replicate).
    fn ha_listen_addr(&self) -> Option<SocketAddr>;

    /// A slave's master HA address (learnt from a name server); replication (re)connects to it.
    fn set_ha_master_address(&self, addr: &str);

    /// Acknowledged CommitLog offsets of the connected slaves (a master).
    fn slave_ack_offsets(&self) -> Vec<u64>;

    /// Positions and health.
    fn stats(&self) -> StoreStats;

    /// Make everything appended and dispatched so far durable and checkpoint it.
    ///
    /// # Errors
    /// [`Error::Io`] (the store is then poisoned).
    fn flush(&self) -> Result<()>;

    /// Run the retention and disk checks now, deleting expired files even outside the
    /// `deleteWhen` hours (an operator's "delete expired files"). Returns the number of
    /// CommitLog files deleted.
    ///
    /// # Errors
    /// [`Error::Io`] when files cannot be removed.
    fn clean_expired_files(&self) -> Result<usize>;

    /// Stop background work, flush, checkpoint and release the directory. Idempotent.
    ///
    /// # Errors
    /// [`Error::Io`] from the final flush.
    fn shutdown(&self) -> Result<()>;
}

pub(crate) type QueueMap = HashMap<String, HashMap<i32, Arc<ConsumeQueue>>>;

/// State shared by the store handle and its threads.
pub(crate) struct Inner {
    pub(crate) config: StoreConfig,
    pub(crate) fs: Arc<dyn FileSystem>,
    pub(crate) commitlog: CommitLog,
    pub(crate) queues: RwLock<QueueMap>,
    pub(crate) listeners: RwLock<Vec<ArrivalListener>>,
    pub(crate) dispatched: AtomicU64,
    pub(crate) logics_timestamp: AtomicI64,
    pub(crate) group_commit: GroupCommit,
    pub(crate) dispatch_signal: Signal,
    pub(crate) service_signal: Signal,
    pub(crate) shutting_down: AtomicBool,
    pub(crate) poisoned: Mutex<Option<String>>,
    pub(crate) is_poisoned: AtomicBool,
    pub(crate) disk_full: AtomicBool,
    pub(crate) disk_used_percent: Mutex<f64>,
    pub(crate) last_checkpoint: Mutex<Option<Checkpoint>>,
    pub(crate) dir_lock: Mutex<Option<Box<dyn Send + Sync>>>,
    pub(crate) memory_bytes: u64,
    pub(crate) index: Option<crate::index::IndexService>,
    /// Replication state when this store is a master.
    pub(crate) ha_master: Option<crate::ha::HaMaster>,
    /// The master's HA address when this store is a slave.
    pub(crate) ha_master_addr: Mutex<Option<String>>,
    /// Raised after appends, for HA transfer threads.
    pub(crate) ha_signal: Signal,
    pub(crate) delay_levels: DelayLevels,
    pub(crate) level_progress: LevelProgress,
    pub(crate) timer: TimerWheel,
}

impl Inner {
    pub(crate) fn checkpoint_path(&self) -> PathBuf {
        self.config.store_path_root_dir.join("checkpoint")
    }

    pub(crate) fn abort_path(&self) -> PathBuf {
        self.config.store_path_root_dir.join("abort")
    }

    /// Refuse all later writes, with the first reason recorded.
    pub(crate) fn poison(&self, why: String) {
        {
            let mut p = lock(&self.poisoned);
            if p.is_none() {
                tracing::error!(reason = %why, "store poisoned; refusing writes until reopened");
                *p = Some(why.clone());
            }
        }
        self.is_poisoned.store(true, Ordering::SeqCst);
        self.group_commit
            .fail_all(&DurabilityError::FlushFailed(why));
    }

    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.shutting_down.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        if self.is_poisoned.load(Ordering::Acquire) {
            let why = lock(&self.poisoned).clone().unwrap_or_default();
            return Err(Error::Poisoned(why));
        }
        if self.disk_full.load(Ordering::Acquire) {
            return Err(Error::DiskFull(format!(
                "disk usage {:.1}% (limit {}%, or under {} bytes free)",
                *lock(&self.disk_used_percent),
                self.config.warning_level_ratio(),
                self.config.disk_space_min_free_bytes
            )));
        }
        Ok(())
    }

    pub(crate) fn queue(&self, topic: &str, queue_id: i32) -> Option<Arc<ConsumeQueue>> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(topic)?
            .get(&queue_id)
            .cloned()
    }

    pub(crate) fn all_queues(&self) -> Vec<Arc<ConsumeQueue>> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .flat_map(|m| m.values().cloned())
            .collect()
    }

    pub(crate) fn queue_or_create(&self, topic: &str, queue_id: i32) -> Result<Arc<ConsumeQueue>> {
        if let Some(q) = self.queue(topic, queue_id) {
            return Ok(q);
        }
        let mut map = self.queues.write().unwrap_or_else(|e| e.into_inner());
        if let Some(q) = map.get(topic).and_then(|m| m.get(&queue_id)) {
            return Ok(q.clone());
        }
        let dir = self
            .config
            .consume_queue_dir()
            .join(topic)
            .join(queue_id.to_string());
        let q = Arc::new(ConsumeQueue::open(
            self.fs.clone(),
            dir,
            topic.to_owned(),
            queue_id,
            self.config.mapped_file_size_consume_queue,
        )?);
        map.entry(topic.to_owned())
            .or_default()
            .insert(queue_id, q.clone());
        Ok(q)
    }

    fn validate(&self, m: &Message) -> Result<()> {
        validate_topic(&m.topic)?;
        if m.queue_id < 0 {
            return Err(Error::InvalidArgument(format!(
                "queue id {} < 0",
                m.queue_id
            )));
        }
        if m.body.len() > self.config.max_message_size {
            return Err(Error::MessageTooLarge {
                size: m.body.len(),
                max: self.config.max_message_size,
            });
        }
        Ok(())
    }

    pub(crate) fn put(&self, msgs: &[Message]) -> Result<PutResult> {
        let Some(first) = msgs.first() else {
            return Err(Error::InvalidArgument("empty batch".into()));
        };
        // One pass over the properties (this runs on every put).
        let delayed = |m: &Message| {
            m.properties.iter().any(|(name, _)| {
                [
                    property::DELAY_TIME_LEVEL,
                    schedule::TIMER_DELIVER_MS,
                    schedule::TIMER_DELAY_SEC,
                    schedule::TIMER_DELAY_MS,
                    schedule::START_DELIVER_TIME,
                ]
                .contains(&name)
            })
        };
        if msgs.iter().any(delayed) {
            if msgs.len() > 1 {
                return Err(Error::InvalidArgument(
                    "batch messages cannot be delayed".into(),
                ));
            }
            self.validate(first)?;
            let mut parked = first.clone();
            schedule::park(
                &mut parked,
                &self.delay_levels,
                self.config.timer_wheel_enable,
                self.config.timer_max_delay_sec,
            )?;
            if parked.topic != first.topic {
                return self.put_parked(&[parked]);
            }
        }
        self.put_parked(msgs)
    }

    fn put_parked(&self, msgs: &[Message]) -> Result<PutResult> {
        let Some(first) = msgs.first() else {
            return Err(Error::InvalidArgument("empty batch".into()));
        };
        for m in msgs {
            self.validate(m)?;
            if m.topic != first.topic || m.queue_id != first.queue_id {
                return Err(Error::InvalidArgument(
                    "a batch must target one topic and queue".into(),
                ));
            }
        }
        self.check_writable()?;
        if self.config.broker_role == crate::config::BrokerRole::Slave {
            return Err(Error::Slave);
        }
        let store_host = self.config.store_host;
        let mut batch = EncodedBatch::encode(msgs, store_host)?;
        let appended = match self.commitlog.append(&mut batch) {
            Ok(a) => a,
            Err(e @ (Error::Io { .. } | Error::Corrupt { .. })) => {
                self.poison(e.to_string());
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.dispatch_signal.raise();
        if self.ha_master.as_ref().is_some_and(|h| h.has_slaves()) {
            self.ha_signal.raise();
        }
        let end = appended.wrote_offset + appended.wrote_bytes as u64;
        let wait_store = first.properties.get(property::WAIT_STORE_MSG_OK) != Some("false");
        let replication = match (&self.ha_master, self.config.broker_role) {
            (Some(ha), crate::config::BrokerRole::SyncMaster) if wait_store => {
                Some(ha.wait_for(end, self.commitlog.max_offset(), self))
            }
            _ => None,
        };
        let durability = match self.config.flush_disk_type {
            FlushDiskType::AsyncFlush => Durability::ready(),
            FlushDiskType::SyncFlush => {
                let wait = first.properties.get(property::WAIT_STORE_MSG_OK) != Some("false");
                if !wait {
                    self.group_commit.kick();
                    Durability::ready()
                } else if self.is_poisoned.load(Ordering::Acquire) {
                    Durability::failed(DurabilityError::FlushFailed(
                        lock(&self.poisoned).clone().unwrap_or_default(),
                    ))
                } else {
                    self.group_commit
                        .submit(end, self.config.sync_flush_timeout)
                }
            }
        };
        Ok(PutResult {
            wrote_offset: appended.wrote_offset as i64,
            wrote_bytes: appended.wrote_bytes,
            queue_offset: appended.queue_offset,
            store_timestamp: appended.store_timestamp,
            physical_offsets: appended.physical_offsets,
            store_host,
            durability,
            replication,
        })
    }

    fn batch_full(
        &self,
        size: usize,
        max_count: usize,
        max_bytes: usize,
        total: usize,
        count: usize,
        in_disk: bool,
    ) -> bool {
        if total == 0 || count == 0 {
            return false; // the first message is always taken
        }
        if count >= max_count {
            return true;
        }
        if max_bytes > 0 && total + size > max_bytes.clamp(100, 128 << 20) {
            return true;
        }
        let (bytes, n) = if in_disk {
            (
                self.config.max_transfer_bytes_on_message_in_disk,
                self.config.max_transfer_count_on_message_in_disk,
            )
        } else {
            (
                self.config.max_transfer_bytes_on_message_in_memory,
                self.config.max_transfer_count_on_message_in_memory,
            )
        };
        total + size > bytes || count >= n
    }

    pub(crate) fn get(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_count: usize,
        max_bytes: usize,
        filter: Option<&dyn MessageFilter>,
    ) -> GetResult {
        let Some(cq) = self.queue(topic, queue_id) else {
            return GetResult::empty(GetStatus::NoMatchedLogicQueue, 0, 0, 0);
        };
        let (min, max) = (cq.min_offset(), cq.max_offset());
        if max == 0 {
            return GetResult::empty(GetStatus::NoMessageInQueue, 0, min, max);
        }
        if offset < min {
            return GetResult::empty(GetStatus::OffsetTooSmall, min, min, max);
        }
        if offset == max {
            return GetResult::empty(GetStatus::OffsetOverflowOne, offset, min, max);
        }
        if offset > max {
            return GetResult::empty(GetStatus::OffsetOverflowBadly, max, min, max);
        }
        let max_count = max_count.max(1);
        let max_scan = (self.config.max_filter_message_size as i64).max(max_count as i64 * 20) / 20;
        let cl_max = self.commitlog.max_offset();
        let cl_min = self.commitlog.min_offset();
        let memory =
            self.memory_bytes * u64::from(self.config.access_message_in_memory_max_ratio) / 100;
        let mut res = GetResult::empty(GetStatus::NoMatchedMessage, offset, min, max);
        let mut total = 0usize;
        let mut last_phys = None;
        let mut i = offset;
        while i < max && i - offset < max_scan {
            let Some(e) = cq.entry(i) else {
                if res.messages.is_empty() {
                    res.status = GetStatus::OffsetFoundNull;
                }
                break;
            };
            if e.is_blank() {
                i += 1;
                continue;
            }
            let size = e.size as usize;
            let in_disk = cl_max.saturating_sub(e.physical_offset as u64) > memory;
            if self.batch_full(
                size,
                max_count,
                max_bytes,
                total,
                res.messages.len(),
                in_disk,
            ) {
                break;
            }
            i += 1;
            if let Some(f) = filter {
                if !f.matches_tags_code(e.tags_code) {
                    continue;
                }
            }
            let data = if (e.physical_offset as u64) < cl_min {
                None
            } else {
                self.commitlog.read(e.physical_offset as u64, size)
            };
            let Some(data) = data else {
                if res.messages.is_empty() {
                    res.status = GetStatus::MessageWasRemoving;
                }
                continue;
            };
            if let Some(f) = filter {
                if !f.matches_record(&data) {
                    continue;
                }
            }
            total += size;
            last_phys = Some(e.physical_offset as u64);
            res.messages.push(data);
            res.queue_offsets.push(i - 1);
            res.status = GetStatus::Found;
        }
        res.next_begin_offset = i;
        if let Some(p) = last_phys {
            res.suggest_pulling_from_slave = cl_max.saturating_sub(p) > memory;
        }
        res
    }

    pub(crate) fn offset_by_time(&self, topic: &str, queue_id: i32, ts: i64) -> i64 {
        let Some(cq) = self.queue(topic, queue_id) else {
            return 0;
        };
        let cl_min = self.commitlog.min_offset();
        let (mut lo, mut hi) = (cq.min_offset(), cq.max_offset());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = cq
                .entry(mid)
                .filter(|e| !e.is_blank() && e.physical_offset as u64 >= cl_min)
                .and_then(|e| {
                    self.commitlog
                        .store_timestamp_at(e.physical_offset as u64, e.size as usize)
                });
            match t {
                Some(t) if t >= ts => hi = mid,
                _ => lo = mid + 1,
            }
        }
        lo
    }

    pub(crate) fn store_time(&self, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
        let e = self.queue(topic, queue_id)?.entry(offset)?;
        if e.is_blank() {
            return None;
        }
        self.commitlog
            .store_timestamp_at(e.physical_offset as u64, e.size as usize)
    }

    pub(crate) fn stats(&self) -> StoreStats {
        StoreStats {
            commit_log_min_offset: self.commitlog.min_offset(),
            commit_log_max_offset: self.commitlog.max_offset(),
            flushed_offset: self.commitlog.flushed_offset(),
            dispatched_offset: self.dispatched.load(Ordering::Acquire),
            disk_used_percent: *lock(&self.disk_used_percent),
            disk_full: self.disk_full.load(Ordering::Acquire),
            poisoned: lock(&self.poisoned).clone(),
            queue_count: self.all_queues().len(),
            timer_pending: self.timer.len(),
        }
    }
}

/// RocketMQ's topic rule: 1..=255 characters of `[A-Za-z0-9_%|-]`. It also keeps topic names
/// safe as directory names.
pub(crate) fn validate_topic(topic: &str) -> Result<()> {
    if topic.is_empty() || topic.len() > 255 {
        return Err(Error::InvalidArgument(format!(
            "topic length {} not in 1..=255",
            topic.len()
        )));
    }
    if let Some(c) = topic
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        return Err(Error::InvalidArgument(format!(
            "topic {topic:?} contains {c:?}; allowed: letters, digits, _ - % |"
        )));
    }
    Ok(())
}

/// The default [`MessageStore`]: CommitLog + ConsumeQueues on a [`FileSystem`].
///
/// Dropping it shuts it down (errors are logged); call [`MessageStore::shutdown`] to see them.
pub struct DefaultMessageStore {
    pub(crate) inner: Arc<Inner>,
    pub(crate) threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for DefaultMessageStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultMessageStore")
            .field("root", &self.inner.config.store_path_root_dir)
            .field("stats", &self.inner.stats())
            .finish()
    }
}

impl DefaultMessageStore {
    /// Open (creating or recovering) the store in `config.store_path_root_dir` on the real
    /// file system.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad config, [`Error::Locked`] when another process has
    /// the directory, [`Error::Io`] / [`Error::Corrupt`] when files cannot be opened.
    pub fn open(config: StoreConfig) -> Result<Self> {
        Self::open_with_fs(config, Arc::new(StdFs))
    }

    /// Open on a given [`FileSystem`] (tests use [`crate::fs::SimFs`]).
    ///
    /// # Errors
    /// As [`DefaultMessageStore::open`].
    pub fn open_with_fs(config: StoreConfig, fs: Arc<dyn FileSystem>) -> Result<Self> {
        crate::recovery::open(config, fs)
    }

    /// The configuration the store runs with.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }
}

impl MessageStore for DefaultMessageStore {
    fn put_message(&self, msg: Message) -> Result<PutResult> {
        self.inner.put(std::slice::from_ref(&msg))
    }

    fn put_messages(&self, msgs: Vec<Message>) -> Result<PutResult> {
        self.inner.put(&msgs)
    }

    fn get_message(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_count: usize,
        max_bytes: usize,
        filter: Option<&dyn MessageFilter>,
    ) -> GetResult {
        self.inner
            .get(topic, queue_id, offset, max_count, max_bytes, filter)
    }

    fn max_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.inner
            .queue(topic, queue_id)
            .map_or(0, |q| q.max_offset())
    }

    fn min_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.inner
            .queue(topic, queue_id)
            .map_or(0, |q| q.min_offset())
    }

    fn offset_by_time(&self, topic: &str, queue_id: i32, timestamp: i64) -> i64 {
        self.inner.offset_by_time(topic, queue_id, timestamp)
    }

    fn message_store_time(&self, topic: &str, queue_id: i32, queue_offset: i64) -> Option<i64> {
        self.inner.store_time(topic, queue_id, queue_offset)
    }

    fn record_by_offset(&self, physical_offset: i64) -> Option<Bytes> {
        let p = u64::try_from(physical_offset).ok()?;
        if p < self.inner.commitlog.min_offset() {
            return None;
        }
        self.inner.commitlog.record_at(p)
    }

    fn queue_ids(&self, topic: &str) -> Vec<i32> {
        let map = self.inner.queues.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<i32> = map
            .get(topic)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    fn topics(&self) -> Vec<String> {
        let map = self.inner.queues.read().unwrap_or_else(|e| e.into_inner());
        let mut t: Vec<String> = map.keys().cloned().collect();
        t.sort();
        t
    }

    fn delete_topics(&self, topics: &[&str]) -> Result<()> {
        for topic in topics {
            let removed = self
                .inner
                .queues
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(*topic);
            self.inner.commitlog.forget_topic(topic);
            if let Some(qs) = removed {
                for q in qs.values() {
                    q.destroy()?;
                }
            }
            let dir = self.inner.config.consume_queue_dir().join(topic);
            self.inner
                .fs
                .remove_dir_all(&dir)
                .map_err(|e| Error::io(format!("removing {}", dir.display()), e))?;
        }
        Ok(())
    }

    fn delay_offsets_json(&self) -> String {
        self.inner.level_progress.encode()
    }

    fn ha_listen_addr(&self) -> Option<SocketAddr> {
        self.inner.ha_master.as_ref().and_then(|h| *lock(&h.bound))
    }

    fn set_ha_master_address(&self, addr: &str) {
        let mut a = lock(&self.inner.ha_master_addr);
        if a.as_deref() != Some(addr) {
            tracing::info!(master = addr, "replicating from master");
            *a = Some(addr.to_owned());
        }
    }

    fn slave_ack_offsets(&self) -> Vec<u64> {
        self.inner
            .ha_master
            .as_ref()
            .map(|h| h.slave_offsets())
            .unwrap_or_default()
    }

    fn query_message(
        &self,
        topic: &str,
        key: &str,
        max_num: usize,
        begin: i64,
        end: i64,
    ) -> QueryResult {
        let Some(index) = &self.inner.index else {
            return QueryResult::default();
        };
        let max = max_num.clamp(1, self.inner.config.max_msgs_num_batch.max(1));
        // Index times have 1 s resolution (rounded down): search a second wider, then keep
        // only records whose real store time is in range.
        let hits = index.query(topic, key, max, begin.saturating_sub(1000), end);
        let mut result = QueryResult {
            messages: Vec::new(),
            index_last_update_timestamp: hits.last_update_timestamp,
            index_last_update_phy_offset: hits.last_update_phy_offset,
        };
        for phys in hits.offsets {
            if result.messages.len() >= max {
                break;
            }
            let Some(bytes) = self.record_by_offset(phys) else {
                continue;
            };
            let Ok(r) = crate::record::RecordView::decode(&bytes, false) else {
                continue;
            };
            // The index holds hashes: keep only records that really carry the key.
            let matches = r.fields.topic == topic
                && (begin..=end).contains(&r.fields.store_timestamp)
                && (r.property(property::UNIQ_KEY) == Some(key)
                    || r.property(property::KEYS)
                        .is_some_and(|ks| ks.split(' ').any(|k| k == key)));
            if matches {
                result.messages.push(bytes);
            }
        }
        result
    }

    fn add_arrival_listener(&self, listener: ArrivalListener) {
        self.inner
            .listeners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(listener);
    }

    fn stats(&self) -> StoreStats {
        self.inner.stats()
    }

    fn flush(&self) -> Result<()> {
        self.inner.flush_all()
    }

    fn clean_expired_files(&self) -> Result<usize> {
        self.inner.clean(true)
    }

    fn shutdown(&self) -> Result<()> {
        crate::services::shutdown(self)
    }
}

impl Drop for DefaultMessageStore {
    fn drop(&mut self) {
        if let Err(e) = crate::services::shutdown(self) {
            tracing::error!(error = %e, "store shutdown failed");
        }
    }
}
