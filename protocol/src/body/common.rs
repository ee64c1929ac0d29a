//! JSON value objects shared by several bodies (spec §3.18): DataVersion, TopicConfig,
//! MessageQueue, permission bits.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::BodyError;

/// Topic and broker permission bits (`PermName`).
pub mod perm {
    /// Inherit (only `TBW102`).
    pub const INHERIT: i32 = 1;
    /// Writable.
    pub const WRITE: i32 = 2;
    /// Readable.
    pub const READ: i32 = 4;
    /// Priority.
    pub const PRIORITY: i32 = 8;
    /// What normal topics use: read + write.
    pub const READ_WRITE: i32 = READ | WRITE;

    /// Whether `perm` allows reads.
    pub fn is_readable(perm: i32) -> bool {
        perm & READ != 0
    }

    /// Whether `perm` allows writes.
    pub fn is_writeable(perm: i32) -> bool {
        perm & WRITE != 0
    }
}

/// A version stamp of a broker's topic (or other) configuration. Equality = all fields equal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DataVersion {
    /// Bumped on every change (Java AtomicLong, written as a number).
    pub counter: i64,
    /// 5.x controller state version.
    pub state_version: i64,
    /// Wall-clock ms of the last change.
    pub timestamp: i64,
}

impl DataVersion {
    /// Records one change at `now_ms`.
    pub fn next_version(&mut self, now_ms: i64) {
        self.timestamp = now_ms;
        self.counter += 1;
    }
}

/// `TopicFilterType`: how tags are matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopicFilterType {
    /// One tag per message (the default).
    #[default]
    #[serde(rename = "SINGLE_TAG")]
    SingleTag,
    /// Several tags per message.
    #[serde(rename = "MULTI_TAG")]
    MultiTag,
}

impl TopicFilterType {
    /// The Java enum name.
    pub fn name(self) -> &'static str {
        match self {
            TopicFilterType::SingleTag => "SINGLE_TAG",
            TopicFilterType::MultiTag => "MULTI_TAG",
        }
    }

    /// Parses the Java enum name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "SINGLE_TAG" => Some(TopicFilterType::SingleTag),
            "MULTI_TAG" => Some(TopicFilterType::MultiTag),
            _ => None,
        }
    }
}

/// A topic's configuration as brokers persist and register it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    /// 5.x attributes (`{"+key":"value"}`); absent in 4.x.
    pub attributes: BTreeMap<String, String>,
    /// Order topic. Default false.
    pub order: bool,
    /// Permission bits. Default 6 (read + write).
    pub perm: i32,
    /// Read queue count. Default 16.
    pub read_queue_nums: i32,
    /// Tag matching. Default SINGLE_TAG.
    pub topic_filter_type: TopicFilterType,
    /// Topic name.
    pub topic_name: String,
    /// Topic sysflag (bit 0 UNIT, bit 1 UNIT_SUB). Default 0.
    pub topic_sys_flag: i32,
    /// Write queue count. Default 16.
    pub write_queue_nums: i32,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            attributes: BTreeMap::new(),
            order: false,
            perm: perm::READ_WRITE,
            read_queue_nums: 16,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_name: String::new(),
            topic_sys_flag: 0,
            write_queue_nums: 16,
        }
    }
}

impl TopicConfig {
    /// A read-write topic with `queues` read and write queues.
    pub fn new(topic_name: impl Into<String>, queues: i32) -> Self {
        TopicConfig {
            topic_name: topic_name.into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            ..TopicConfig::default()
        }
    }

    /// The compact text form of compressed register bodies:
    /// `name read write perm filterType[ attributesJSON]`. Attributes are written only when
    /// present, because 4.x name servers accept exactly five fields.
    pub fn encode_compact(&self) -> String {
        let mut s = format!(
            "{} {} {} {} {}",
            self.topic_name,
            self.read_queue_nums,
            self.write_queue_nums,
            self.perm,
            self.topic_filter_type.name()
        );
        if !self.attributes.is_empty() {
            s.push(' ');
            s.push_str(&serde_json::to_string(&self.attributes).unwrap_or_default());
        }
        s
    }

    /// Parses the compact text form (five fields, or six with attributes). `order` and
    /// `topicSysFlag` are not part of it and come back as their defaults.
    ///
    /// # Errors
    /// [`BodyError::Invalid`] when a field is missing or does not parse.
    pub fn decode_compact(text: &str) -> Result<Self, BodyError> {
        let bad = |detail: &str| BodyError::Invalid {
            what: "compact topic config",
            detail: format!("{detail} in {text:?}"),
        };
        let mut parts = text.splitn(6, ' ');
        let mut next = |name: &str| parts.next().ok_or_else(|| bad(&format!("no {name}")));
        let topic_name = next("topic name")?.to_owned();
        let int = |s: &str, name: &str| s.parse::<i32>().map_err(|_| bad(&format!("bad {name}")));
        let read_queue_nums = int(next("readQueueNums")?, "readQueueNums")?;
        let write_queue_nums = int(next("writeQueueNums")?, "writeQueueNums")?;
        let perm = int(next("perm")?, "perm")?;
        let topic_filter_type = TopicFilterType::from_name(next("topicFilterType")?)
            .ok_or_else(|| bad("bad topicFilterType"))?;
        let attributes = match parts.next() {
            Some(json) if !json.trim().is_empty() => {
                crate::json::decode(json.as_bytes()).map_err(|_| bad("bad attributes"))?
            }
            _ => BTreeMap::new(),
        };
        Ok(TopicConfig {
            attributes,
            order: false,
            perm,
            read_queue_nums,
            topic_filter_type,
            topic_name,
            topic_sys_flag: 0,
            write_queue_nums,
        })
    }
}

/// One queue of a topic on one broker. Ordered by topic, then broker name, then queue id (the
/// order rebalancing uses); serialised with fastjson's alphabetical field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageQueue {
    /// Broker group name.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// Topic.
    pub topic: String,
}

impl MessageQueue {
    /// A queue.
    pub fn new(topic: impl Into<String>, broker_name: impl Into<String>, queue_id: i32) -> Self {
        MessageQueue {
            broker_name: broker_name.into(),
            queue_id,
            topic: topic.into(),
        }
    }
}

impl Ord for MessageQueue {
    fn cmp(&self, other: &Self) -> Ordering {
        self.topic
            .cmp(&other.topic)
            .then_with(|| self.broker_name.cmp(&other.broker_name))
            .then_with(|| self.queue_id.cmp(&other.queue_id))
    }
}

impl PartialOrd for MessageQueue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
