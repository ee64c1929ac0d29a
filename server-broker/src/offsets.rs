//! Consumer offsets (`config/consumerOffset.json`, spec §12.1): per `topic@group`, the next
//! queue offset to consume for each queue. Persisted every `flushConsumerOffsetInterval` and
//! at shutdown, atomically with a `.bak` fallback.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use ferromq_protocol::body::admin::ConsumerOffsetWrapper;
use ferromq_protocol::body::common::DataVersion;

use crate::error::BrokerError;
use crate::persist;

type Table = BTreeMap<String, BTreeMap<i32, i64>>;

/// The committed offsets of every consumer group.
pub struct OffsetManager {
    path: PathBuf,
    table: RwLock<Table>,
    version: Mutex<DataVersion>,
    dirty: std::sync::atomic::AtomicBool,
}

fn key(topic: &str, group: &str) -> String {
    ConsumerOffsetWrapper::key(topic, group)
}

impl OffsetManager {
    /// Load `consumerOffset.json` (or its backup).
    ///
    /// # Errors
    /// [`BrokerError::Metadata`] when both are unreadable.
    pub fn load(config_dir: PathBuf) -> Result<Self, BrokerError> {
        let path = config_dir.join("consumerOffset.json");
        let file: ConsumerOffsetWrapper = persist::load_json(&path)?.unwrap_or_default();
        Ok(OffsetManager {
            path,
            table: RwLock::new(file.offset_table),
            version: Mutex::new(file.data_version),
            dirty: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The committed offset, if any.
    pub fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key(topic, group))?
            .get(&queue_id)
            .copied()
    }

    /// Commit an offset (a lower value than stored is accepted, as RocketMQ does).
    pub fn commit(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        let mut t = self.table.write().unwrap_or_else(|e| e.into_inner());
        let prev = t
            .entry(key(topic, group))
            .or_default()
            .insert(queue_id, offset);
        if prev.is_some_and(|p| offset < p) {
            tracing::debug!(
                group,
                topic,
                queue_id,
                offset,
                previous = prev,
                "offset moved backwards"
            );
        }
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Replace every offset (a slave copying its master).
    pub fn replace_all(&self, table: Table) {
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = table;
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Every offset of every `topic@group`.
    pub fn all(&self) -> Table {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Offsets of one group on one topic.
    pub fn of(&self, group: &str, topic: &str) -> BTreeMap<i32, i64> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key(topic, group))
            .cloned()
            .unwrap_or_default()
    }

    /// Topics a group has offsets for.
    pub fn topics_of_group(&self, group: &str) -> Vec<String> {
        let suffix = format!("@{group}");
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .filter_map(|k| k.strip_suffix(&suffix).map(str::to_owned))
            .collect()
    }

    /// Drop every offset of a topic.
    pub fn remove_topic(&self, topic: &str) {
        let prefix = format!("{topic}@");
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !k.starts_with(&prefix));
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Drop every offset of a group.
    pub fn remove_group(&self, group: &str) {
        let suffix = format!("@{group}");
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !k.ends_with(&suffix));
        self.dirty.store(true, std::sync::atomic::Ordering::Release);
    }

    /// The file content as it would be persisted now.
    pub fn encode(&self) -> Vec<u8> {
        let data_version = *self.version.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_vec_pretty(&ConsumerOffsetWrapper {
            data_version,
            offset_table: self.all(),
        })
        .unwrap_or_default()
    }

    /// Persist if anything changed since the last time (blocking: call off the async threads).
    ///
    /// # Errors
    /// I/O errors; the previous file stays intact.
    pub fn persist(&self) -> std::io::Result<()> {
        if !self.dirty.swap(false, std::sync::atomic::Ordering::AcqRel) {
            return Ok(());
        }
        self.version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_version(crate::broker::now_ms());
        let r = persist::write_atomic(&self.path, &self.encode());
        if r.is_err() {
            self.dirty.store(true, std::sync::atomic::Ordering::Release);
        }
        r
    }
}
