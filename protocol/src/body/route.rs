//! TopicRouteData, the answer to GET_ROUTEINFO_BY_TOPIC (spec §3.19).
//!
//! Always written in the "standard" form: `brokerAddrs` keys quoted (`"0"`), and every field a
//! strict client (rocketmq-client-rust) requires present: `queueDatas`, `brokerDatas`,
//! `filterServerTable`, `enableActingMaster` and all five QueueData fields. Reading accepts
//! fastjson's unquoted keys too (through [`crate::json::decode`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Broker id of a master in `brokerAddrs`.
pub const MASTER_ID: i64 = 0;

/// A topic's queues on one broker group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueData {
    /// Broker group name.
    pub broker_name: String,
    /// Permission bits.
    pub perm: i32,
    /// Read queue count.
    pub read_queue_nums: i32,
    /// Topic sysflag.
    pub topic_sys_flag: i32,
    /// Write queue count.
    pub write_queue_nums: i32,
}

/// One broker group: its cluster, name and the address of each member by broker id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerData {
    /// Broker id → `ip:port`; id 0 is the master. Written with quoted keys.
    pub broker_addrs: BTreeMap<i64, String>,
    /// Broker group name.
    pub broker_name: String,
    /// Cluster name.
    pub cluster: String,
    /// 5.x acting master (always written).
    pub enable_acting_master: bool,
    /// 5.x zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
}

impl BrokerData {
    /// The master's address, if the master is registered.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&MASTER_ID).map(String::as_str)
    }
}

/// Route of one topic: which broker groups host it, with how many queues.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicRouteData {
    /// Every broker group hosting the topic, with all its addresses.
    pub broker_datas: Vec<BrokerData>,
    /// brokerAddr → filter server addresses (legacy; normally empty, always written).
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    /// `"brokerA:4;brokerB:4"` when an order config exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_topic_conf: Option<String>,
    /// The topic's queues per broker group.
    pub queue_datas: Vec<QueueData>,
    /// 5.x static topics, passed through untouched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_queue_mapping_by_broker: Option<serde_json::Value>,
}
