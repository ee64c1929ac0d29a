//! Topic configurations (`config/topics.json`, spec §12.2) and auto-creation (§16.3).
//!
//! Every change bumps the data version, is persisted at once (off the async threads) and
//! wakes the registration task so name servers learn about it immediately.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use ferromq_protocol::body::common::{perm, DataVersion, TopicConfig};
use serde::{Deserialize, Serialize};

use crate::config::BrokerConfig;
use crate::error::BrokerError;
use crate::persist;

/// Template topic for auto-creation.
pub const TBW102: &str = "TBW102";
/// Prefix of retry topics.
pub const RETRY_PREFIX: &str = "%RETRY%";
/// Prefix of dead-letter topics.
pub const DLQ_PREFIX: &str = "%DLQ%";
/// Parking topic of delayed messages.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// Half messages.
pub const TRANS_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Transaction op records.
pub const TRANS_OP_HALF_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Discarded half messages.
pub const TRANS_CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
/// Self test.
pub const SELF_TEST_TOPIC: &str = "SELF_TEST_TOPIC";
/// Offset-moved events.
pub const OFFSET_MOVED_EVENT: &str = "OFFSET_MOVED_EVENT";

/// Topics clients may not send to (spec §3.2 step 4).
pub fn is_send_forbidden(topic: &str) -> bool {
    matches!(
        topic,
        SCHEDULE_TOPIC
            | TRANS_HALF_TOPIC
            | TRANS_OP_HALF_TOPIC
            | TRANS_CHECK_MAX_TIME_TOPIC
            | SELF_TEST_TOPIC
            | OFFSET_MOVED_EVENT
    )
}

/// RocketMQ's topic name rule: `[%|a-zA-Z0-9_-]`, ≤ 127 characters (≤ 255 for retry and
/// dead-letter topics). Returns the reason when invalid.
pub fn validate_topic_name(topic: &str) -> Result<(), String> {
    if topic.trim().is_empty() {
        return Err("the specified topic is blank".to_owned());
    }
    let max = if topic.starts_with(RETRY_PREFIX) || topic.starts_with(DLQ_PREFIX) {
        255
    } else {
        127
    };
    if topic.len() > max {
        return Err(format!(
            "the specified topic is longer than topic max length {max}"
        ));
    }
    if !topic
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '%' | '|' | '_' | '-'))
    {
        return Err(format!(
            "the specified topic[{topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        ));
    }
    Ok(())
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TopicsFile {
    data_version: DataVersion,
    topic_config_table: BTreeMap<String, TopicConfig>,
}

/// The broker's topic table.
pub struct TopicManager {
    path: PathBuf,
    table: RwLock<BTreeMap<String, TopicConfig>>,
    version: Mutex<DataVersion>,
    /// Raised on every change; the registration task listens.
    pub changed: tokio::sync::Notify,
}

impl TopicManager {
    /// Load `config/topics.json` and add the built-in topics.
    ///
    /// # Errors
    /// [`BrokerError::Metadata`] when the file and its backup are both unreadable.
    pub fn load(config: &BrokerConfig) -> Result<Self, BrokerError> {
        let path = config.config_dir().join("topics.json");
        let file: TopicsFile = persist::load_json(&path)?.unwrap_or_default();
        let mut table = file.topic_config_table;
        let mut builtin = |name: &str, queues: i32, p: i32| {
            table.entry(name.to_owned()).or_insert_with(|| TopicConfig {
                perm: p,
                ..TopicConfig::new(name, queues)
            });
        };
        builtin(SELF_TEST_TOPIC, 1, perm::READ_WRITE);
        if config.auto_create_topic_enable {
            builtin(
                TBW102,
                config.default_topic_queue_nums,
                perm::READ_WRITE | perm::INHERIT,
            );
        }
        builtin("BenchmarkTest", 1024, perm::READ_WRITE);
        let cluster_perm = perm::INHERIT
            | if config.cluster_topic_enable {
                perm::READ_WRITE
            } else {
                0
            };
        builtin(&config.broker_cluster_name, 16, cluster_perm);
        let broker_perm = perm::INHERIT
            | if config.broker_topic_enable {
                perm::READ_WRITE
            } else {
                0
            };
        builtin(&config.broker_name, 1, broker_perm);
        builtin(OFFSET_MOVED_EVENT, 1, perm::READ_WRITE);
        builtin(SCHEDULE_TOPIC, 18, perm::READ_WRITE);
        builtin(
            &format!("{}_REPLY_TOPIC", config.broker_cluster_name),
            1,
            perm::READ_WRITE,
        );
        builtin(TRANS_HALF_TOPIC, 1, perm::READ_WRITE);
        builtin(TRANS_OP_HALF_TOPIC, 1, perm::READ_WRITE);
        if !config.auto_create_topic_enable {
            // An old TBW102 must not let topics be created (spec §16.3).
            if let Some(t) = table.get_mut(TBW102) {
                t.perm = perm::READ_WRITE;
            }
        }
        let mgr = TopicManager {
            path,
            table: RwLock::new(table),
            version: Mutex::new(file.data_version),
            changed: tokio::sync::Notify::new(),
        };
        mgr.persist_now()?;
        Ok(mgr)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, TopicConfig>> {
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    /// One topic's configuration.
    pub fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.read().get(topic).cloned()
    }

    /// Every topic configuration and the data version.
    pub fn snapshot(&self) -> (BTreeMap<String, TopicConfig>, DataVersion) {
        let table = self.read().clone();
        let version = *self.version.lock().unwrap_or_else(|e| e.into_inner());
        (table, version)
    }

    fn encode(&self) -> Vec<u8> {
        let (table, data_version) = self.snapshot();
        serde_json::to_vec_pretty(&TopicsFile {
            data_version,
            topic_config_table: table,
        })
        .unwrap_or_default()
    }

    fn persist_now(&self) -> Result<(), BrokerError> {
        persist::write_atomic(&self.path, &self.encode()).map_err(|e| BrokerError::Metadata {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// Insert or replace a topic, persist, and wake the registration task.
    pub fn put(&self, tc: TopicConfig) {
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tc.topic_name.clone(), tc);
        self.bump_and_persist();
    }

    /// Replace the whole table (a slave copying its master). Returns whether it changed.
    pub fn replace_all(&self, table: BTreeMap<String, TopicConfig>, version: DataVersion) -> bool {
        {
            let mut t = self.table.write().unwrap_or_else(|e| e.into_inner());
            if *t == table {
                return false;
            }
            *t = table;
        }
        *self.version.lock().unwrap_or_else(|e| e.into_inner()) = version;
        if let Err(e) = self.persist_now() {
            tracing::error!(error = %e, "cannot persist topics.json");
        }
        self.changed.notify_one();
        true
    }

    /// Remove a topic. Returns whether it existed.
    pub fn delete(&self, topic: &str) -> bool {
        let existed = self
            .table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(topic)
            .is_some();
        if existed {
            self.bump_and_persist();
        }
        existed
    }

    fn bump_and_persist(&self) {
        self.version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_version(crate::broker::now_ms());
        // A small synchronous write; topic changes are rare admin or first-send events.
        if let Err(e) = self.persist_now() {
            tracing::error!(error = %e, "cannot persist topics.json");
        }
        self.changed.notify_one();
    }

    /// Create `topic` from the template `default_topic` when it allows inheritance (spec
    /// §16.3). Returns the new configuration.
    pub fn create_from_template(
        &self,
        topic: &str,
        default_topic: &str,
        queue_nums: i32,
        topic_sys_flag: i32,
    ) -> Option<TopicConfig> {
        if let Some(t) = self.get(topic) {
            return Some(t);
        }
        let template = self.get(default_topic)?;
        if template.perm & perm::INHERIT == 0 {
            return None;
        }
        let queues = queue_nums.min(template.write_queue_nums).max(1);
        let tc = TopicConfig {
            topic_name: topic.to_owned(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: template.perm & !perm::INHERIT,
            topic_filter_type: template.topic_filter_type,
            topic_sys_flag,
            ..TopicConfig::default()
        };
        tracing::info!(topic, queues, "auto-created topic from {default_topic}");
        self.put(tc.clone());
        Some(tc)
    }

    /// Find or create a system-managed topic (retry, DLQ) with `queues` queues.
    pub fn get_or_create(&self, topic: &str, queues: i32) -> TopicConfig {
        if let Some(t) = self.get(topic) {
            return t;
        }
        let tc = TopicConfig::new(topic, queues.max(1));
        self.put(tc.clone());
        tc
    }
}
