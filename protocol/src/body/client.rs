//! Bodies exchanged between clients and brokers: HeartbeatData (spec §3.6), the lock bodies
//! (§3.13), the consumer list (§3.8), connections (§3.21).

use std::collections::{BTreeMap, BTreeSet};

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};

use crate::body::common::MessageQueue;

/// Subscription expression type when a client does not say: tag matching.
pub const EXPRESSION_TYPE_TAG: &str = "TAG";
/// SQL92 expression type.
pub const EXPRESSION_TYPE_SQL92: &str = "SQL92";
/// The subscription expression meaning "every tag".
pub const SUB_ALL: &str = "*";

fn tag() -> String {
    EXPRESSION_TYPE_TAG.to_owned()
}

/// Pull (`CONSUME_ACTIVELY`), push (`CONSUME_PASSIVELY`) or POP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum ConsumeType {
    /// Pull consumer.
    #[serde(rename = "CONSUME_ACTIVELY")]
    ConsumeActively,
    /// Push consumer.
    #[default]
    #[serde(rename = "CONSUME_PASSIVELY")]
    ConsumePassively,
    /// 5.x POP consumer.
    #[serde(rename = "CONSUME_POP")]
    ConsumePop,
}

/// Clustering (each message to one member) or broadcasting (to every member).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum MessageModel {
    /// Every member gets every message.
    #[serde(rename = "BROADCASTING")]
    Broadcasting,
    /// Each message goes to one member.
    #[default]
    #[serde(rename = "CLUSTERING")]
    Clustering,
}

/// Where a group with no stored offset starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[allow(missing_docs)]
pub enum ConsumeFromWhere {
    #[default]
    #[serde(rename = "CONSUME_FROM_LAST_OFFSET")]
    ConsumeFromLastOffset,
    #[serde(rename = "CONSUME_FROM_FIRST_OFFSET")]
    ConsumeFromFirstOffset,
    #[serde(rename = "CONSUME_FROM_TIMESTAMP")]
    ConsumeFromTimestamp,
    #[serde(rename = "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST")]
    ConsumeFromLastOffsetAndFromMinWhenBootFirst,
    #[serde(rename = "CONSUME_FROM_MIN_OFFSET")]
    ConsumeFromMinOffset,
    #[serde(rename = "CONSUME_FROM_MAX_OFFSET")]
    ConsumeFromMaxOffset,
}

/// One subscription of a consumer group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionData {
    /// Legacy class filter mode.
    pub class_filter_mode: bool,
    /// Java hash codes of `tags_set`.
    pub code_set: BTreeSet<i32>,
    /// `TAG` when absent (4.x clients may omit it).
    pub expression_type: String,
    /// The expression as written (`"TagA || TagB"`, `"*"`).
    pub sub_string: String,
    /// Subscription version (client timestamp). The C++ client sends it as a string.
    #[serde(deserialize_with = "i64_or_string")]
    pub sub_version: i64,
    /// Parsed tags.
    pub tags_set: BTreeSet<String>,
    /// Topic.
    pub topic: String,
}

impl Default for SubscriptionData {
    fn default() -> Self {
        SubscriptionData {
            class_filter_mode: false,
            code_set: BTreeSet::new(),
            expression_type: tag(),
            sub_string: String::new(),
            sub_version: 0,
            tags_set: BTreeSet::new(),
            topic: String::new(),
        }
    }
}

/// A consumer group's entry in a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerData {
    /// Where to start without an offset.
    pub consume_from_where: ConsumeFromWhere,
    /// Pull / push / POP.
    pub consume_type: ConsumeType,
    /// Group name.
    pub group_name: String,
    /// Clustering / broadcasting.
    pub message_model: MessageModel,
    /// Subscriptions.
    pub subscription_data_set: Vec<SubscriptionData>,
    /// Unit mode.
    pub unit_mode: bool,
}

/// A producer group's entry in a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerData {
    /// Group name.
    pub group_name: String,
}

/// HEART_BEAT (34) body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatData {
    /// Client id (`ip@pid#nanos`). Note the capital `ID`.
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// Consumer groups of this client.
    pub consumer_data_set: Vec<ConsumerData>,
    /// 5.x heartbeat v2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_fingerprint: Option<i32>,
    /// Producer groups of this client.
    pub producer_data_set: Vec<ProducerData>,
    /// 5.x heartbeat v2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_sub: Option<bool>,
}

/// LOCK_BATCH_MQ (41) request body; UNLOCK_BATCH_MQ (42) has the same shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LockBatchRequestBody {
    /// Client id.
    pub client_id: String,
    /// Consumer group.
    pub consumer_group: String,
    /// Queues to lock.
    pub mq_set: BTreeSet<MessageQueue>,
    /// Only lock on this broker (5.x strict mode).
    pub only_this_broker: bool,
}

/// UNLOCK_BATCH_MQ (42) request body.
pub type UnlockBatchRequestBody = LockBatchRequestBody;

/// LOCK_BATCH_MQ (41) response body: the queues now locked by the client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LockBatchResponseBody {
    /// Queues locked (note the capitals: `lockOKMQSet`).
    #[serde(rename = "lockOKMQSet")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

/// GET_CONSUMER_LIST_BY_GROUP (38) response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetConsumerListByGroupResponseBody {
    /// Client ids of the group's live consumers.
    pub consumer_id_list: Vec<String>,
}

/// One client connection as admin bodies describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    /// `ip:port` of the client.
    pub client_addr: String,
    /// Client id.
    pub client_id: String,
    /// Language name.
    pub language: String,
    /// Client version ordinal.
    pub version: i32,
}

/// GET_CONSUMER_CONNECTION_LIST (203) response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerConnection {
    /// Live connections of the group.
    pub connection_set: BTreeSet<Connection>,
    /// Where the group starts without an offset.
    pub consume_from_where: ConsumeFromWhere,
    /// Pull / push.
    pub consume_type: ConsumeType,
    /// Clustering / broadcasting.
    pub message_model: MessageModel,
    /// Topic → subscription.
    pub subscription_table: BTreeMap<String, SubscriptionData>,
}

/// GET_PRODUCER_CONNECTION_LIST (204) response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerConnection {
    /// Live connections of the group.
    pub connection_set: BTreeSet<Connection>,
}

/// QUERY_TOPIC_CONSUME_BY_WHO (300) response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupList {
    /// Group names.
    pub group_list: BTreeSet<String>,
}

/// Java enums read by name or, as fastjson also accepts and the C++ client sends, by ordinal.
macro_rules! name_or_ordinal {
    ($ty:ty, [$($name:literal => $variant:expr),+ $(,)?]) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const VARIANTS: &[(&str, $ty)] = &[$(($name, $variant)),+];
                match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(s) => VARIANTS
                        .iter()
                        .find(|(n, _)| *n == s)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| D::Error::custom(format!("unknown {} {s:?}", stringify!($ty)))),
                    serde_json::Value::Number(n) => n
                        .as_u64()
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| VARIANTS.get(i))
                        .map(|(_, v)| *v)
                        .ok_or_else(|| D::Error::custom(format!("bad {} ordinal {n}", stringify!($ty)))),
                    other => Err(D::Error::custom(format!("bad {} {other}", stringify!($ty)))),
                }
            }
        }
    };
}

name_or_ordinal!(ConsumeType, [
    "CONSUME_ACTIVELY" => ConsumeType::ConsumeActively,
    "CONSUME_PASSIVELY" => ConsumeType::ConsumePassively,
    "CONSUME_POP" => ConsumeType::ConsumePop,
]);
name_or_ordinal!(MessageModel, [
    "BROADCASTING" => MessageModel::Broadcasting,
    "CLUSTERING" => MessageModel::Clustering,
]);
name_or_ordinal!(ConsumeFromWhere, [
    "CONSUME_FROM_LAST_OFFSET" => ConsumeFromWhere::ConsumeFromLastOffset,
    "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST" => ConsumeFromWhere::ConsumeFromLastOffsetAndFromMinWhenBootFirst,
    "CONSUME_FROM_MIN_OFFSET" => ConsumeFromWhere::ConsumeFromMinOffset,
    "CONSUME_FROM_MAX_OFFSET" => ConsumeFromWhere::ConsumeFromMaxOffset,
    "CONSUME_FROM_FIRST_OFFSET" => ConsumeFromWhere::ConsumeFromFirstOffset,
    "CONSUME_FROM_TIMESTAMP" => ConsumeFromWhere::ConsumeFromTimestamp,
]);

/// A Java long written as a number or, by the C++ client, as a decimal string.
fn i64_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| D::Error::custom(format!("not a long: {n}"))),
        serde_json::Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("not a long: {s:?}"))),
        other => Err(D::Error::custom(format!("not a long: {other}"))),
    }
}
