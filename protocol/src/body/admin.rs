//! Admin and broker-metadata bodies (spec §3.16, §3.21, §12.1, §12.2): subscription groups
//! (`config/subscriptionGroup.json`, GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP), consumer offsets (`config/consumerOffset.json`,
//! GET_ALL_CONSUMER_OFFSET), and the statistics bodies GET_CONSUME_STATS and
//! GET_TOPIC_STATS_INFO.
//!
//! `config/topics.json` and the GET_ALL_TOPIC_CONFIG body have the shape of
//! [`TopicConfigSerializeWrapper`](crate::body::TopicConfigSerializeWrapper), which is reused
//! rather than duplicated here.
//!
//! [`ConsumeStats`] and [`TopicStatsTable`] are keyed by [`MessageQueue`], and fastjson writes
//! such a map with the key *as a JSON object* (`{{"brokerName":"b","queueId":0,"topic":"T"}:…}`),
//! which is not standard JSON and which serde_json cannot produce. Admin tools (mqadmin,
//! rocketmq-rust) expect exactly that form, so these two types do not implement `Serialize`:
//! their `encode` writes fastjson's form by hand, and their `decode` (through
//! [`crate::json::decode`], which turns object keys into their JSON text) reads it back.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use crate::body::common::{DataVersion, MessageQueue};
use crate::error::BodyError;

/// Separator of the `topic@group` keys of the consumer offset table.
pub const TOPIC_GROUP_SEPARATOR: char = '@';

/// A consumer group's server-side configuration (`SubscriptionGroupConfig`, spec §12.2).
///
/// Fields missing from the JSON take Java's defaults, so 4.x files (without the 5.x fields)
/// read as they do in Java.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupConfig {
    /// 5.x attributes. Default empty.
    pub attributes: BTreeMap<String, String>,
    /// Broker id consumers pull from when not slow. Default 0 (the master).
    pub broker_id: i64,
    /// Whether broadcasting consumption is allowed. Default true.
    pub consume_broadcast_enable: bool,
    /// Whether the group may consume at all; a disabled group's pulls get NO_PERMISSION.
    /// Default true.
    pub consume_enable: bool,
    /// Whether the group may start from the queue's min offset. Default true.
    pub consume_from_min_enable: bool,
    /// 5.x: the group consumes orderly. Default false.
    pub consume_message_orderly: bool,
    /// 5.x: consumption timeout in minutes. Default 15.
    pub consume_timeout_minute: i32,
    /// Group name.
    pub group_name: String,
    /// 5.x retry policy object (`{"type":"CUSTOMIZED",…}`), passed through untouched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_retry_policy: Option<serde_json::Value>,
    /// 5.x group sysflag. Default 0.
    pub group_sys_flag: i32,
    /// Whether members get NOTIFY_CONSUMER_IDS_CHANGED when membership changes. Default true.
    pub notify_consumer_ids_changed_enable: bool,
    /// Deliveries before a message goes to `%DLQ%group` (spec §11). Default 16.
    pub retry_max_times: i32,
    /// Queue count of the group's `%RETRY%group` topic. Default 1.
    pub retry_queue_nums: i32,
    /// 5.x static subscriptions (`SimpleSubscriptionData` set), passed through untouched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_data_set: Option<serde_json::Value>,
    /// Broker id suggested to consumers that fall behind. Default 1 (the first slave).
    pub which_broker_when_consume_slowly: i64,
}

impl Default for SubscriptionGroupConfig {
    fn default() -> Self {
        SubscriptionGroupConfig {
            attributes: BTreeMap::new(),
            broker_id: 0,
            consume_broadcast_enable: true,
            consume_enable: true,
            consume_from_min_enable: true,
            consume_message_orderly: false,
            consume_timeout_minute: 15,
            group_name: String::new(),
            group_retry_policy: None,
            group_sys_flag: 0,
            notify_consumer_ids_changed_enable: true,
            retry_max_times: 16,
            retry_queue_nums: 1,
            subscription_data_set: None,
            which_broker_when_consume_slowly: 1,
        }
    }
}

impl SubscriptionGroupConfig {
    /// A group with Java's defaults.
    pub fn new(group_name: impl Into<String>) -> Self {
        SubscriptionGroupConfig {
            group_name: group_name.into(),
            ..SubscriptionGroupConfig::default()
        }
    }
}

/// `config/subscriptionGroup.json` and the GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupWrapper {
    /// Version of the table; bumped on every change.
    pub data_version: DataVersion,
    /// 5.x: group → topic → forbidden permission bits.
    pub forbidden_table: BTreeMap<String, BTreeMap<String, i32>>,
    /// Group name → config.
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
}

/// `config/consumerOffset.json` and the GET_ALL_CONSUMER_OFFSET (43) body (spec §12.1).
///
/// Java writes the queue ids unquoted (`{0:250}`); read through [`crate::json::decode`]. Our
/// output quotes them, which fastjson reads too. 5.x's derived `groupTopicMap` is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerOffsetWrapper {
    /// Version of the table.
    pub data_version: DataVersion,
    /// `topic@group` → queue id → next offset to consume (the first unconsumed logic offset).
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

impl ConsumerOffsetWrapper {
    /// The offset table key of `topic` and `group`: `topic@group`.
    pub fn key(topic: &str, group: &str) -> String {
        format!("{topic}{TOPIC_GROUP_SEPARATOR}{group}")
    }

    /// Splits an offset table key into `(topic, group)` at its first `@`; `None` without one.
    /// (Topic names cannot contain `@`.)
    pub fn split_key(key: &str) -> Option<(&str, &str)> {
        key.split_once(TOPIC_GROUP_SEPARATOR)
    }
}

/// One queue's line in [`ConsumeStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OffsetWrapper {
    /// The queue's max offset.
    pub broker_offset: i64,
    /// The group's stored offset (negative reported as 0).
    pub consumer_offset: i64,
    /// Store time of the message at `consumer_offset − 1`, 0 if none.
    pub last_timestamp: i64,
    /// max(consumer offset, last offset pulled).
    pub pull_offset: i64,
}

/// GET_CONSUME_STATS (208) body: a group's progress on each queue it consumes.
///
/// Not `Serialize`: use [`ConsumeStats::encode`] for fastjson's object-key form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStats {
    /// Consumed messages per second.
    pub consume_tps: f64,
    /// Queue → progress (fastjson writes the queue as an inline object key).
    #[serde(deserialize_with = "deserialize_mq_map")]
    pub offset_table: BTreeMap<MessageQueue, OffsetWrapper>,
}

impl ConsumeStats {
    /// Writes the body exactly as fastjson does:
    /// `{"consumeTps":0.0,"offsetTable":{{"brokerName":…,"queueId":0,"topic":…}:{…}}}`.
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::with_capacity(32 + self.offset_table.len() * 160);
        out.extend_from_slice(b"{\"consumeTps\":");
        write_json(&mut out, &self.consume_tps);
        out.extend_from_slice(b",\"offsetTable\":");
        write_mq_map(&mut out, &self.offset_table);
        out.push(b'}');
        Bytes::from(out)
    }

    /// Reads fastjson's form (object keys), or standard JSON whose keys are the queues' JSON
    /// text.
    ///
    /// # Errors
    /// [`BodyError::Json`] when the body or a queue key is malformed.
    pub fn decode(body: &[u8]) -> Result<Self, BodyError> {
        crate::json::decode(body)
    }
}

/// One queue's line in [`TopicStatsTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicOffset {
    /// Store time of the message at `max_offset − 1`, 0 if the queue is empty.
    pub last_update_timestamp: i64,
    /// The queue's max offset (next offset to be written).
    pub max_offset: i64,
    /// The queue's min offset.
    pub min_offset: i64,
}

/// GET_TOPIC_STATS_INFO (202) body: one entry per queue of the topic on this broker.
///
/// Not `Serialize`: use [`TopicStatsTable::encode`] for fastjson's object-key form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicStatsTable {
    /// Queue → offsets (fastjson writes the queue as an inline object key).
    #[serde(deserialize_with = "deserialize_mq_map")]
    pub offset_table: BTreeMap<MessageQueue, TopicOffset>,
    /// 5.x: messages put per second on the topic. Absent (0.0) from 4.x brokers.
    pub topic_put_tps: f64,
}

impl TopicStatsTable {
    /// Writes the body exactly as fastjson does:
    /// `{"offsetTable":{{"brokerName":…,"queueId":0,"topic":…}:{…}},"topicPutTps":0.0}`.
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::with_capacity(32 + self.offset_table.len() * 160);
        out.extend_from_slice(b"{\"offsetTable\":");
        write_mq_map(&mut out, &self.offset_table);
        out.extend_from_slice(b",\"topicPutTps\":");
        write_json(&mut out, &self.topic_put_tps);
        out.push(b'}');
        Bytes::from(out)
    }

    /// Reads fastjson's form (object keys), or standard JSON whose keys are the queues' JSON
    /// text.
    ///
    /// # Errors
    /// [`BodyError::Json`] when the body or a queue key is malformed.
    pub fn decode(body: &[u8]) -> Result<Self, BodyError> {
        crate::json::decode(body)
    }
}

/// Appends `value` as standard JSON.
fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing plain data (numbers, strings, string-keyed structs) into a Vec cannot fail;
    // non-finite floats come out as `null`, as serde_json always writes them.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Appends a queue-keyed map in fastjson's form: each key an inline JSON object.
fn write_mq_map<V: Serialize>(out: &mut Vec<u8>, map: &BTreeMap<MessageQueue, V>) {
    out.push(b'{');
    for (i, (queue, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(out, queue);
        out.push(b':');
        write_json(out, value);
    }
    out.push(b'}');
}

/// Reads a queue-keyed map whose keys arrive as strings holding each queue's JSON text (what
/// [`crate::json::decode`] makes of fastjson's object keys).
fn deserialize_mq_map<'de, D, V>(deserializer: D) -> Result<BTreeMap<MessageQueue, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    let raw = BTreeMap::<String, V>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(key, value)| {
            serde_json::from_str::<MessageQueue>(&key)
                .map(|queue| (queue, value))
                .map_err(|e| D::Error::custom(format!("bad MessageQueue key {key:?}: {e}")))
        })
        .collect()
}
