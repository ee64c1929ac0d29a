//! Headers of the requests a name server serves (spec §3.17).

use super::command_headers;

/// Name of the optional raw ext field carrying a broker's zone (5.x).
pub const ZONE_NAME_EXT_FIELD: &str = "__ZONE_NAME";

command_headers! {
    /// GET_ROUTEINFO_BY_TOPIC (105) request.
    pub struct GetRouteInfoRequestHeader {
        /// The topic.
        pub topic: String => "topic",
        /// 5.x: ask for standard JSON (FerroMQ always answers standard JSON).
        pub accept_standard_json_only: Option<bool> => "acceptStandardJsonOnly",
    }

    /// REGISTER_BROKER (103) request. The body is a `RegisterBrokerBody` (§3.20).
    pub struct RegisterBrokerRequestHeader {
        /// Broker group name (master and slaves share it).
        pub broker_name: String => "brokerName",
        /// `ip:port` clients connect to.
        pub broker_addr: String => "brokerAddr",
        /// Cluster name.
        pub cluster_name: String => "clusterName",
        /// `ip:haPort` slaves replicate from.
        pub ha_server_addr: String => "haServerAddr",
        /// 0 = master, > 0 = slave.
        pub broker_id: i64 => "brokerId",
        /// 5.x: liveness timeout for this broker; the name server's default when absent.
        pub heartbeat_timeout_millis: Option<i64> => "heartbeatTimeoutMillis",
        /// 5.x acting-master support.
        pub enable_acting_master: Option<bool> => "enableActingMaster",
        /// Whether the body is the zlib-compressed form. Java default false.
        pub compressed: Option<bool> => "compressed",
        /// Masked CRC32 of the body; 0 or absent = unchecked.
        pub body_crc32: Option<i32> => "bodyCrc32",
    }

    /// REGISTER_BROKER (103) response.
    pub struct RegisterBrokerResponseHeader {
        /// The live master's HA address (slaves only).
        pub ha_server_addr: Option<String> => "haServerAddr",
        /// The live master's address (slaves only).
        pub master_addr: Option<String> => "masterAddr",
    }

    /// UNREGISTER_BROKER (104) request.
    pub struct UnRegisterBrokerRequestHeader {
        /// Broker group name.
        pub broker_name: String => "brokerName",
        /// `ip:port`.
        pub broker_addr: String => "brokerAddr",
        /// Cluster name.
        pub cluster_name: String => "clusterName",
        /// Broker id.
        pub broker_id: i64 => "brokerId",
    }

    /// QUERY_DATA_VERSION (322) request; the body is the broker's DataVersion JSON.
    pub struct QueryDataVersionRequestHeader {
        /// Broker group name.
        pub broker_name: String => "brokerName",
        /// `ip:port`.
        pub broker_addr: String => "brokerAddr",
        /// Cluster name.
        pub cluster_name: String => "clusterName",
        /// Broker id.
        pub broker_id: i64 => "brokerId",
    }

    /// QUERY_DATA_VERSION (322) response.
    pub struct QueryDataVersionResponseHeader {
        /// Whether the broker's DataVersion differs from the one the name server holds.
        pub changed: bool => "changed",
    }

    /// BROKER_HEARTBEAT (904) request (5.x).
    pub struct BrokerHeartbeatRequestHeader {
        /// Cluster name.
        pub cluster_name: String => "clusterName",
        /// `ip:port`.
        pub broker_addr: String => "brokerAddr",
        /// Broker group name.
        pub broker_name: String => "brokerName",
        /// Broker id.
        pub broker_id: Option<i64> => "brokerId",
        /// Controller epoch.
        pub epoch: Option<i32> => "epoch",
        /// Max CommitLog offset.
        pub max_offset: Option<i64> => "maxOffset",
        /// Confirmed offset.
        pub confirm_offset: Option<i64> => "confirmOffset",
        /// Liveness timeout (sic: `Mills`).
        pub heartbeat_timeout_mills: Option<i64> => "heartbeatTimeoutMills",
        /// Election priority.
        pub election_priority: Option<i32> => "electionPriority",
    }

    /// PUT_KV_CONFIG (100) request.
    pub struct PutKvConfigRequestHeader {
        /// Namespace.
        pub namespace: String => "namespace",
        /// Key.
        pub key: String => "key",
        /// Value.
        pub value: String => "value",
    }

    /// GET_KV_CONFIG (101) request.
    pub struct GetKvConfigRequestHeader {
        /// Namespace.
        pub namespace: String => "namespace",
        /// Key.
        pub key: String => "key",
    }

    /// GET_KV_CONFIG (101) response.
    pub struct GetKvConfigResponseHeader {
        /// The value.
        pub value: Option<String> => "value",
    }

    /// DELETE_KV_CONFIG (102) request.
    pub struct DeleteKvConfigRequestHeader {
        /// Namespace.
        pub namespace: String => "namespace",
        /// Key.
        pub key: String => "key",
    }

    /// GET_KVLIST_BY_NAMESPACE (219) request.
    pub struct GetKvListByNamespaceRequestHeader {
        /// Namespace.
        pub namespace: String => "namespace",
    }

    /// WIPE_WRITE_PERM_OF_BROKER (205) request.
    pub struct WipeWritePermOfBrokerRequestHeader {
        /// Broker group name.
        pub broker_name: String => "brokerName",
    }

    /// WIPE_WRITE_PERM_OF_BROKER (205) response.
    pub struct WipeWritePermOfBrokerResponseHeader {
        /// How many topic queue entries lost their write permission.
        pub wipe_topic_count: i32 => "wipeTopicCount",
    }

    /// ADD_WRITE_PERM_OF_BROKER (327) request.
    pub struct AddWritePermOfBrokerRequestHeader {
        /// Broker group name.
        pub broker_name: String => "brokerName",
    }

    /// ADD_WRITE_PERM_OF_BROKER (327) response.
    pub struct AddWritePermOfBrokerResponseHeader {
        /// How many topic queue entries got read+write permission.
        pub add_topic_count: i32 => "addTopicCount",
    }

    /// DELETE_TOPIC_IN_NAMESRV (216) request.
    pub struct DeleteTopicFromNamesrvRequestHeader {
        /// The topic.
        pub topic: String => "topic",
        /// Only remove the queue data of this cluster's brokers.
        pub cluster_name: Option<String> => "clusterName",
    }

    /// GET_TOPICS_BY_CLUSTER (224) request.
    pub struct GetTopicsByClusterRequestHeader {
        /// Cluster name.
        pub cluster: String => "cluster",
    }
}
