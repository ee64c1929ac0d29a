//! Request and response codes (spec §2), RocketMQ's numbers under RocketMQ's names.
//!
//! Codes are plain `i32` constants rather than enums because both sides must pass through
//! codes they do not know (an unknown request code is answered REQUEST_CODE_NOT_SUPPORTED, an
//! unknown response code is surfaced to the caller).

/// Request codes (`RequestCode.java`, 5.x develop, plus the 4.x-only ACL codes 50–54).
pub mod request_code {
    /// `SEND_MESSAGE` (10).
    pub const SEND_MESSAGE: i32 = 10;
    /// `PULL_MESSAGE` (11).
    pub const PULL_MESSAGE: i32 = 11;
    /// `QUERY_MESSAGE` (12).
    pub const QUERY_MESSAGE: i32 = 12;
    /// `QUERY_BROKER_OFFSET` (13).
    pub const QUERY_BROKER_OFFSET: i32 = 13;
    /// `QUERY_CONSUMER_OFFSET` (14).
    pub const QUERY_CONSUMER_OFFSET: i32 = 14;
    /// `UPDATE_CONSUMER_OFFSET` (15).
    pub const UPDATE_CONSUMER_OFFSET: i32 = 15;
    /// `UPDATE_AND_CREATE_TOPIC` (17).
    pub const UPDATE_AND_CREATE_TOPIC: i32 = 17;
    /// `UPDATE_AND_CREATE_TOPIC_LIST` (18).
    pub const UPDATE_AND_CREATE_TOPIC_LIST: i32 = 18;
    /// `GET_ALL_TOPIC_CONFIG` (21).
    pub const GET_ALL_TOPIC_CONFIG: i32 = 21;
    /// `GET_TOPIC_CONFIG_LIST` (22).
    pub const GET_TOPIC_CONFIG_LIST: i32 = 22;
    /// `GET_TOPIC_NAME_LIST` (23).
    pub const GET_TOPIC_NAME_LIST: i32 = 23;
    /// `UPDATE_BROKER_CONFIG` (25).
    pub const UPDATE_BROKER_CONFIG: i32 = 25;
    /// `GET_BROKER_CONFIG` (26).
    pub const GET_BROKER_CONFIG: i32 = 26;
    /// `TRIGGER_DELETE_FILES` (27).
    pub const TRIGGER_DELETE_FILES: i32 = 27;
    /// `GET_BROKER_RUNTIME_INFO` (28).
    pub const GET_BROKER_RUNTIME_INFO: i32 = 28;
    /// `SEARCH_OFFSET_BY_TIMESTAMP` (29).
    pub const SEARCH_OFFSET_BY_TIMESTAMP: i32 = 29;
    /// `GET_MAX_OFFSET` (30).
    pub const GET_MAX_OFFSET: i32 = 30;
    /// `GET_MIN_OFFSET` (31).
    pub const GET_MIN_OFFSET: i32 = 31;
    /// `GET_EARLIEST_MSG_STORETIME` (32).
    pub const GET_EARLIEST_MSG_STORETIME: i32 = 32;
    /// `VIEW_MESSAGE_BY_ID` (33).
    pub const VIEW_MESSAGE_BY_ID: i32 = 33;
    /// `HEART_BEAT` (34).
    pub const HEART_BEAT: i32 = 34;
    /// `UNREGISTER_CLIENT` (35).
    pub const UNREGISTER_CLIENT: i32 = 35;
    /// `CONSUMER_SEND_MSG_BACK` (36).
    pub const CONSUMER_SEND_MSG_BACK: i32 = 36;
    /// `END_TRANSACTION` (37).
    pub const END_TRANSACTION: i32 = 37;
    /// `GET_CONSUMER_LIST_BY_GROUP` (38).
    pub const GET_CONSUMER_LIST_BY_GROUP: i32 = 38;
    /// `CHECK_TRANSACTION_STATE` (39).
    pub const CHECK_TRANSACTION_STATE: i32 = 39;
    /// `NOTIFY_CONSUMER_IDS_CHANGED` (40).
    pub const NOTIFY_CONSUMER_IDS_CHANGED: i32 = 40;
    /// `LOCK_BATCH_MQ` (41).
    pub const LOCK_BATCH_MQ: i32 = 41;
    /// `UNLOCK_BATCH_MQ` (42).
    pub const UNLOCK_BATCH_MQ: i32 = 42;
    /// `GET_ALL_CONSUMER_OFFSET` (43).
    pub const GET_ALL_CONSUMER_OFFSET: i32 = 43;
    /// `GET_ALL_DELAY_OFFSET` (45).
    pub const GET_ALL_DELAY_OFFSET: i32 = 45;
    /// `CHECK_CLIENT_CONFIG` (46).
    pub const CHECK_CLIENT_CONFIG: i32 = 46;
    /// `GET_CLIENT_CONFIG` (47).
    pub const GET_CLIENT_CONFIG: i32 = 47;
    /// `UPDATE_AND_CREATE_ACL_CONFIG` (50), 4.x only.
    pub const UPDATE_AND_CREATE_ACL_CONFIG: i32 = 50;
    /// `DELETE_ACL_CONFIG` (51), 4.x only.
    pub const DELETE_ACL_CONFIG: i32 = 51;
    /// `GET_BROKER_CLUSTER_ACL_INFO` (52), 4.x only.
    pub const GET_BROKER_CLUSTER_ACL_INFO: i32 = 52;
    /// `UPDATE_GLOBAL_WHITE_ADDRS_CONFIG` (53), 4.x only.
    pub const UPDATE_GLOBAL_WHITE_ADDRS_CONFIG: i32 = 53;
    /// `GET_BROKER_CLUSTER_ACL_CONFIG` (54), 4.x only.
    pub const GET_BROKER_CLUSTER_ACL_CONFIG: i32 = 54;
    /// `GET_TIMER_CHECK_POINT` (60).
    pub const GET_TIMER_CHECK_POINT: i32 = 60;
    /// `GET_TIMER_METRICS` (61).
    pub const GET_TIMER_METRICS: i32 = 61;
    /// `PUT_KV_CONFIG` (100).
    pub const PUT_KV_CONFIG: i32 = 100;
    /// `GET_KV_CONFIG` (101).
    pub const GET_KV_CONFIG: i32 = 101;
    /// `DELETE_KV_CONFIG` (102).
    pub const DELETE_KV_CONFIG: i32 = 102;
    /// `REGISTER_BROKER` (103).
    pub const REGISTER_BROKER: i32 = 103;
    /// `UNREGISTER_BROKER` (104).
    pub const UNREGISTER_BROKER: i32 = 104;
    /// `GET_ROUTEINFO_BY_TOPIC` (105). Older clients spell it `GET_ROUTEINTO_BY_TOPIC`.
    pub const GET_ROUTEINFO_BY_TOPIC: i32 = 105;
    /// `GET_BROKER_CLUSTER_INFO` (106).
    pub const GET_BROKER_CLUSTER_INFO: i32 = 106;
    /// `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP` (200).
    pub const UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: i32 = 200;
    /// `GET_ALL_SUBSCRIPTIONGROUP_CONFIG` (201).
    pub const GET_ALL_SUBSCRIPTIONGROUP_CONFIG: i32 = 201;
    /// `GET_TOPIC_STATS_INFO` (202).
    pub const GET_TOPIC_STATS_INFO: i32 = 202;
    /// `GET_CONSUMER_CONNECTION_LIST` (203).
    pub const GET_CONSUMER_CONNECTION_LIST: i32 = 203;
    /// `GET_PRODUCER_CONNECTION_LIST` (204).
    pub const GET_PRODUCER_CONNECTION_LIST: i32 = 204;
    /// `WIPE_WRITE_PERM_OF_BROKER` (205).
    pub const WIPE_WRITE_PERM_OF_BROKER: i32 = 205;
    /// `GET_ALL_TOPIC_LIST_FROM_NAMESERVER` (206).
    pub const GET_ALL_TOPIC_LIST_FROM_NAMESERVER: i32 = 206;
    /// `DELETE_SUBSCRIPTIONGROUP` (207).
    pub const DELETE_SUBSCRIPTIONGROUP: i32 = 207;
    /// `GET_CONSUME_STATS` (208).
    pub const GET_CONSUME_STATS: i32 = 208;
    /// `SUSPEND_CONSUMER` (209).
    pub const SUSPEND_CONSUMER: i32 = 209;
    /// `RESUME_CONSUMER` (210).
    pub const RESUME_CONSUMER: i32 = 210;
    /// `RESET_CONSUMER_OFFSET_IN_CONSUMER` (211).
    pub const RESET_CONSUMER_OFFSET_IN_CONSUMER: i32 = 211;
    /// `RESET_CONSUMER_OFFSET_IN_BROKER` (212).
    pub const RESET_CONSUMER_OFFSET_IN_BROKER: i32 = 212;
    /// `ADJUST_CONSUMER_THREAD_POOL` (213).
    pub const ADJUST_CONSUMER_THREAD_POOL: i32 = 213;
    /// `WHO_CONSUME_THE_MESSAGE` (214).
    pub const WHO_CONSUME_THE_MESSAGE: i32 = 214;
    /// `DELETE_TOPIC_IN_BROKER` (215).
    pub const DELETE_TOPIC_IN_BROKER: i32 = 215;
    /// `DELETE_TOPIC_IN_NAMESRV` (216).
    pub const DELETE_TOPIC_IN_NAMESRV: i32 = 216;
    /// `REGISTER_TOPIC_IN_NAMESRV` (217).
    pub const REGISTER_TOPIC_IN_NAMESRV: i32 = 217;
    /// `GET_KVLIST_BY_NAMESPACE` (219).
    pub const GET_KVLIST_BY_NAMESPACE: i32 = 219;
    /// `RESET_CONSUMER_CLIENT_OFFSET` (220).
    pub const RESET_CONSUMER_CLIENT_OFFSET: i32 = 220;
    /// `GET_CONSUMER_STATUS_FROM_CLIENT` (221).
    pub const GET_CONSUMER_STATUS_FROM_CLIENT: i32 = 221;
    /// `INVOKE_BROKER_TO_RESET_OFFSET` (222).
    pub const INVOKE_BROKER_TO_RESET_OFFSET: i32 = 222;
    /// `INVOKE_BROKER_TO_GET_CONSUMER_STATUS` (223).
    pub const INVOKE_BROKER_TO_GET_CONSUMER_STATUS: i32 = 223;
    /// `GET_TOPICS_BY_CLUSTER` (224).
    pub const GET_TOPICS_BY_CLUSTER: i32 = 224;
    /// `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST` (225).
    pub const UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST: i32 = 225;
    /// `QUERY_TOPIC_CONSUME_BY_WHO` (300).
    pub const QUERY_TOPIC_CONSUME_BY_WHO: i32 = 300;
    /// `REGISTER_FILTER_SERVER` (301).
    pub const REGISTER_FILTER_SERVER: i32 = 301;
    /// `REGISTER_MESSAGE_FILTER_CLASS` (302).
    pub const REGISTER_MESSAGE_FILTER_CLASS: i32 = 302;
    /// `QUERY_CONSUME_TIME_SPAN` (303).
    pub const QUERY_CONSUME_TIME_SPAN: i32 = 303;
    /// `GET_SYSTEM_TOPIC_LIST_FROM_NS` (304).
    pub const GET_SYSTEM_TOPIC_LIST_FROM_NS: i32 = 304;
    /// `GET_SYSTEM_TOPIC_LIST_FROM_BROKER` (305).
    pub const GET_SYSTEM_TOPIC_LIST_FROM_BROKER: i32 = 305;
    /// `CLEAN_EXPIRED_CONSUMEQUEUE` (306).
    pub const CLEAN_EXPIRED_CONSUMEQUEUE: i32 = 306;
    /// `GET_CONSUMER_RUNNING_INFO` (307).
    pub const GET_CONSUMER_RUNNING_INFO: i32 = 307;
    /// `QUERY_CORRECTION_OFFSET` (308).
    pub const QUERY_CORRECTION_OFFSET: i32 = 308;
    /// `CONSUME_MESSAGE_DIRECTLY` (309).
    pub const CONSUME_MESSAGE_DIRECTLY: i32 = 309;
    /// `SEND_MESSAGE_V2` (310).
    pub const SEND_MESSAGE_V2: i32 = 310;
    /// `GET_UNIT_TOPIC_LIST` (311).
    pub const GET_UNIT_TOPIC_LIST: i32 = 311;
    /// `GET_HAS_UNIT_SUB_TOPIC_LIST` (312).
    pub const GET_HAS_UNIT_SUB_TOPIC_LIST: i32 = 312;
    /// `GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST` (313).
    pub const GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST: i32 = 313;
    /// `CLONE_GROUP_OFFSET` (314).
    pub const CLONE_GROUP_OFFSET: i32 = 314;
    /// `VIEW_BROKER_STATS_DATA` (315).
    pub const VIEW_BROKER_STATS_DATA: i32 = 315;
    /// `CLEAN_UNUSED_TOPIC` (316).
    pub const CLEAN_UNUSED_TOPIC: i32 = 316;
    /// `GET_BROKER_CONSUME_STATS` (317).
    pub const GET_BROKER_CONSUME_STATS: i32 = 317;
    /// `UPDATE_NAMESRV_CONFIG` (318).
    pub const UPDATE_NAMESRV_CONFIG: i32 = 318;
    /// `GET_NAMESRV_CONFIG` (319).
    pub const GET_NAMESRV_CONFIG: i32 = 319;
    /// `SEND_BATCH_MESSAGE` (320).
    pub const SEND_BATCH_MESSAGE: i32 = 320;
    /// `QUERY_CONSUME_QUEUE` (321).
    pub const QUERY_CONSUME_QUEUE: i32 = 321;
    /// `QUERY_DATA_VERSION` (322).
    pub const QUERY_DATA_VERSION: i32 = 322;
    /// `RESUME_CHECK_HALF_MESSAGE` (323).
    pub const RESUME_CHECK_HALF_MESSAGE: i32 = 323;
    /// `SEND_REPLY_MESSAGE` (324).
    pub const SEND_REPLY_MESSAGE: i32 = 324;
    /// `SEND_REPLY_MESSAGE_V2` (325).
    pub const SEND_REPLY_MESSAGE_V2: i32 = 325;
    /// `PUSH_REPLY_MESSAGE_TO_CLIENT` (326).
    pub const PUSH_REPLY_MESSAGE_TO_CLIENT: i32 = 326;
    /// `ADD_WRITE_PERM_OF_BROKER` (327).
    pub const ADD_WRITE_PERM_OF_BROKER: i32 = 327;
    /// `GET_ALL_PRODUCER_INFO` (328).
    pub const GET_ALL_PRODUCER_INFO: i32 = 328;
    /// `DELETE_EXPIRED_COMMITLOG` (329).
    pub const DELETE_EXPIRED_COMMITLOG: i32 = 329;
    /// `QUERY_TOPICS_BY_CONSUMER` (343).
    pub const QUERY_TOPICS_BY_CONSUMER: i32 = 343;
    /// `QUERY_SUBSCRIPTION_BY_CONSUMER` (345).
    pub const QUERY_SUBSCRIPTION_BY_CONSUMER: i32 = 345;
    /// `GET_TOPIC_CONFIG` (351).
    pub const GET_TOPIC_CONFIG: i32 = 351;
    /// `GET_SUBSCRIPTIONGROUP_CONFIG` (352).
    pub const GET_SUBSCRIPTIONGROUP_CONFIG: i32 = 352;
    /// `UPDATE_AND_GET_GROUP_FORBIDDEN` (353).
    pub const UPDATE_AND_GET_GROUP_FORBIDDEN: i32 = 353;
    /// `CHECK_ROCKSDB_CQ_WRITE_PROGRESS` (354).
    pub const CHECK_ROCKSDB_CQ_WRITE_PROGRESS: i32 = 354;
    /// `EXPORT_ROCKSDB_CONFIG_TO_JSON` (355).
    pub const EXPORT_ROCKSDB_CONFIG_TO_JSON: i32 = 355;
    /// `LITE_PULL_MESSAGE` (361).
    pub const LITE_PULL_MESSAGE: i32 = 361;
    /// `RECALL_MESSAGE` (370).
    pub const RECALL_MESSAGE: i32 = 370;
    /// `QUERY_ASSIGNMENT` (400).
    pub const QUERY_ASSIGNMENT: i32 = 400;
    /// `SET_MESSAGE_REQUEST_MODE` (401).
    pub const SET_MESSAGE_REQUEST_MODE: i32 = 401;
    /// `GET_ALL_MESSAGE_REQUEST_MODE` (402).
    pub const GET_ALL_MESSAGE_REQUEST_MODE: i32 = 402;
    /// `UPDATE_AND_CREATE_STATIC_TOPIC` (513).
    pub const UPDATE_AND_CREATE_STATIC_TOPIC: i32 = 513;
    /// `GET_BROKER_MEMBER_GROUP` (901).
    pub const GET_BROKER_MEMBER_GROUP: i32 = 901;
    /// `ADD_BROKER` (902).
    pub const ADD_BROKER: i32 = 902;
    /// `REMOVE_BROKER` (903).
    pub const REMOVE_BROKER: i32 = 903;
    /// `BROKER_HEARTBEAT` (904).
    pub const BROKER_HEARTBEAT: i32 = 904;
    /// `NOTIFY_MIN_BROKER_ID_CHANGE` (905).
    pub const NOTIFY_MIN_BROKER_ID_CHANGE: i32 = 905;
    /// `EXCHANGE_BROKER_HA_INFO` (906).
    pub const EXCHANGE_BROKER_HA_INFO: i32 = 906;
    /// `GET_BROKER_HA_STATUS` (907).
    pub const GET_BROKER_HA_STATUS: i32 = 907;
    /// `RESET_MASTER_FLUSH_OFFSET` (908).
    pub const RESET_MASTER_FLUSH_OFFSET: i32 = 908;
    /// `CONTROLLER_ALTER_SYNC_STATE_SET` (1001).
    pub const CONTROLLER_ALTER_SYNC_STATE_SET: i32 = 1001;
    /// `CONTROLLER_ELECT_MASTER` (1002).
    pub const CONTROLLER_ELECT_MASTER: i32 = 1002;
    /// `CONTROLLER_REGISTER_BROKER` (1003).
    pub const CONTROLLER_REGISTER_BROKER: i32 = 1003;
    /// `CONTROLLER_GET_REPLICA_INFO` (1004).
    pub const CONTROLLER_GET_REPLICA_INFO: i32 = 1004;
    /// `CONTROLLER_GET_METADATA_INFO` (1005).
    pub const CONTROLLER_GET_METADATA_INFO: i32 = 1005;
    /// `CONTROLLER_GET_SYNC_STATE_DATA` (1006).
    pub const CONTROLLER_GET_SYNC_STATE_DATA: i32 = 1006;
    /// `GET_BROKER_EPOCH_CACHE` (1007).
    pub const GET_BROKER_EPOCH_CACHE: i32 = 1007;
    /// `NOTIFY_BROKER_ROLE_CHANGED` (1008).
    pub const NOTIFY_BROKER_ROLE_CHANGED: i32 = 1008;
    /// `UPDATE_CONTROLLER_CONFIG` (1009).
    pub const UPDATE_CONTROLLER_CONFIG: i32 = 1009;
    /// `GET_CONTROLLER_CONFIG` (1010).
    pub const GET_CONTROLLER_CONFIG: i32 = 1010;
    /// `CLEAN_BROKER_DATA` (1011).
    pub const CLEAN_BROKER_DATA: i32 = 1011;
    /// `CONTROLLER_GET_NEXT_BROKER_ID` (1012).
    pub const CONTROLLER_GET_NEXT_BROKER_ID: i32 = 1012;
    /// `CONTROLLER_APPLY_BROKER_ID` (1013).
    pub const CONTROLLER_APPLY_BROKER_ID: i32 = 1013;
    /// `BROKER_CLOSE_CHANNEL_REQUEST` (1014).
    pub const BROKER_CLOSE_CHANNEL_REQUEST: i32 = 1014;
    /// `CHECK_NOT_ACTIVE_BROKER_REQUEST` (1015).
    pub const CHECK_NOT_ACTIVE_BROKER_REQUEST: i32 = 1015;
    /// `GET_BROKER_LIVE_INFO_REQUEST` (1016).
    pub const GET_BROKER_LIVE_INFO_REQUEST: i32 = 1016;
    /// `GET_SYNC_STATE_DATA_REQUEST` (1017).
    pub const GET_SYNC_STATE_DATA_REQUEST: i32 = 1017;
    /// `RAFT_BROKER_HEART_BEAT_EVENT_REQUEST` (1018).
    pub const RAFT_BROKER_HEART_BEAT_EVENT_REQUEST: i32 = 1018;
    /// `UPDATE_COLD_DATA_FLOW_CTR_CONFIG` (2001).
    pub const UPDATE_COLD_DATA_FLOW_CTR_CONFIG: i32 = 2001;
    /// `REMOVE_COLD_DATA_FLOW_CTR_CONFIG` (2002).
    pub const REMOVE_COLD_DATA_FLOW_CTR_CONFIG: i32 = 2002;
    /// `GET_COLD_DATA_FLOW_CTR_INFO` (2003).
    pub const GET_COLD_DATA_FLOW_CTR_INFO: i32 = 2003;
    /// `SET_COMMITLOG_READ_MODE` (2004).
    pub const SET_COMMITLOG_READ_MODE: i32 = 2004;
    /// `AUTH_CREATE_USER` (3001).
    pub const AUTH_CREATE_USER: i32 = 3001;
    /// `AUTH_UPDATE_USER` (3002).
    pub const AUTH_UPDATE_USER: i32 = 3002;
    /// `AUTH_DELETE_USER` (3003).
    pub const AUTH_DELETE_USER: i32 = 3003;
    /// `AUTH_GET_USER` (3004).
    pub const AUTH_GET_USER: i32 = 3004;
    /// `AUTH_LIST_USER` (3005).
    pub const AUTH_LIST_USER: i32 = 3005;
    /// `AUTH_CREATE_ACL` (3006).
    pub const AUTH_CREATE_ACL: i32 = 3006;
    /// `AUTH_UPDATE_ACL` (3007).
    pub const AUTH_UPDATE_ACL: i32 = 3007;
    /// `AUTH_DELETE_ACL` (3008).
    pub const AUTH_DELETE_ACL: i32 = 3008;
    /// `AUTH_GET_ACL` (3009).
    pub const AUTH_GET_ACL: i32 = 3009;
    /// `AUTH_LIST_ACL` (3010).
    pub const AUTH_LIST_ACL: i32 = 3010;
    /// `POP_MESSAGE` (200050).
    pub const POP_MESSAGE: i32 = 200050;
    /// `ACK_MESSAGE` (200051).
    pub const ACK_MESSAGE: i32 = 200051;
    /// `PEEK_MESSAGE` (200052).
    pub const PEEK_MESSAGE: i32 = 200052;
    /// `CHANGE_MESSAGE_INVISIBLETIME` (200053).
    pub const CHANGE_MESSAGE_INVISIBLETIME: i32 = 200053;
    /// `NOTIFICATION` (200054).
    pub const NOTIFICATION: i32 = 200054;
    /// `POLLING_INFO` (200055).
    pub const POLLING_INFO: i32 = 200055;
    /// `POP_ROLLBACK` (200056).
    pub const POP_ROLLBACK: i32 = 200056;
    /// `BATCH_ACK_MESSAGE` (200151).
    pub const BATCH_ACK_MESSAGE: i32 = 200151;

    /// The name of a request code, for logs; `None` for codes this crate does not know.
    pub fn name(code: i32) -> Option<&'static str> {
        match code {
            SEND_MESSAGE => Some("SEND_MESSAGE"),
            PULL_MESSAGE => Some("PULL_MESSAGE"),
            QUERY_MESSAGE => Some("QUERY_MESSAGE"),
            QUERY_BROKER_OFFSET => Some("QUERY_BROKER_OFFSET"),
            QUERY_CONSUMER_OFFSET => Some("QUERY_CONSUMER_OFFSET"),
            UPDATE_CONSUMER_OFFSET => Some("UPDATE_CONSUMER_OFFSET"),
            UPDATE_AND_CREATE_TOPIC => Some("UPDATE_AND_CREATE_TOPIC"),
            UPDATE_AND_CREATE_TOPIC_LIST => Some("UPDATE_AND_CREATE_TOPIC_LIST"),
            GET_ALL_TOPIC_CONFIG => Some("GET_ALL_TOPIC_CONFIG"),
            GET_TOPIC_CONFIG_LIST => Some("GET_TOPIC_CONFIG_LIST"),
            GET_TOPIC_NAME_LIST => Some("GET_TOPIC_NAME_LIST"),
            UPDATE_BROKER_CONFIG => Some("UPDATE_BROKER_CONFIG"),
            GET_BROKER_CONFIG => Some("GET_BROKER_CONFIG"),
            TRIGGER_DELETE_FILES => Some("TRIGGER_DELETE_FILES"),
            GET_BROKER_RUNTIME_INFO => Some("GET_BROKER_RUNTIME_INFO"),
            SEARCH_OFFSET_BY_TIMESTAMP => Some("SEARCH_OFFSET_BY_TIMESTAMP"),
            GET_MAX_OFFSET => Some("GET_MAX_OFFSET"),
            GET_MIN_OFFSET => Some("GET_MIN_OFFSET"),
            GET_EARLIEST_MSG_STORETIME => Some("GET_EARLIEST_MSG_STORETIME"),
            VIEW_MESSAGE_BY_ID => Some("VIEW_MESSAGE_BY_ID"),
            HEART_BEAT => Some("HEART_BEAT"),
            UNREGISTER_CLIENT => Some("UNREGISTER_CLIENT"),
            CONSUMER_SEND_MSG_BACK => Some("CONSUMER_SEND_MSG_BACK"),
            END_TRANSACTION => Some("END_TRANSACTION"),
            GET_CONSUMER_LIST_BY_GROUP => Some("GET_CONSUMER_LIST_BY_GROUP"),
            CHECK_TRANSACTION_STATE => Some("CHECK_TRANSACTION_STATE"),
            NOTIFY_CONSUMER_IDS_CHANGED => Some("NOTIFY_CONSUMER_IDS_CHANGED"),
            LOCK_BATCH_MQ => Some("LOCK_BATCH_MQ"),
            UNLOCK_BATCH_MQ => Some("UNLOCK_BATCH_MQ"),
            GET_ALL_CONSUMER_OFFSET => Some("GET_ALL_CONSUMER_OFFSET"),
            GET_ALL_DELAY_OFFSET => Some("GET_ALL_DELAY_OFFSET"),
            CHECK_CLIENT_CONFIG => Some("CHECK_CLIENT_CONFIG"),
            GET_CLIENT_CONFIG => Some("GET_CLIENT_CONFIG"),
            UPDATE_AND_CREATE_ACL_CONFIG => Some("UPDATE_AND_CREATE_ACL_CONFIG"),
            DELETE_ACL_CONFIG => Some("DELETE_ACL_CONFIG"),
            GET_BROKER_CLUSTER_ACL_INFO => Some("GET_BROKER_CLUSTER_ACL_INFO"),
            UPDATE_GLOBAL_WHITE_ADDRS_CONFIG => Some("UPDATE_GLOBAL_WHITE_ADDRS_CONFIG"),
            GET_BROKER_CLUSTER_ACL_CONFIG => Some("GET_BROKER_CLUSTER_ACL_CONFIG"),
            GET_TIMER_CHECK_POINT => Some("GET_TIMER_CHECK_POINT"),
            GET_TIMER_METRICS => Some("GET_TIMER_METRICS"),
            PUT_KV_CONFIG => Some("PUT_KV_CONFIG"),
            GET_KV_CONFIG => Some("GET_KV_CONFIG"),
            DELETE_KV_CONFIG => Some("DELETE_KV_CONFIG"),
            REGISTER_BROKER => Some("REGISTER_BROKER"),
            UNREGISTER_BROKER => Some("UNREGISTER_BROKER"),
            GET_ROUTEINFO_BY_TOPIC => Some("GET_ROUTEINFO_BY_TOPIC"),
            GET_BROKER_CLUSTER_INFO => Some("GET_BROKER_CLUSTER_INFO"),
            UPDATE_AND_CREATE_SUBSCRIPTIONGROUP => Some("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP"),
            GET_ALL_SUBSCRIPTIONGROUP_CONFIG => Some("GET_ALL_SUBSCRIPTIONGROUP_CONFIG"),
            GET_TOPIC_STATS_INFO => Some("GET_TOPIC_STATS_INFO"),
            GET_CONSUMER_CONNECTION_LIST => Some("GET_CONSUMER_CONNECTION_LIST"),
            GET_PRODUCER_CONNECTION_LIST => Some("GET_PRODUCER_CONNECTION_LIST"),
            WIPE_WRITE_PERM_OF_BROKER => Some("WIPE_WRITE_PERM_OF_BROKER"),
            GET_ALL_TOPIC_LIST_FROM_NAMESERVER => Some("GET_ALL_TOPIC_LIST_FROM_NAMESERVER"),
            DELETE_SUBSCRIPTIONGROUP => Some("DELETE_SUBSCRIPTIONGROUP"),
            GET_CONSUME_STATS => Some("GET_CONSUME_STATS"),
            SUSPEND_CONSUMER => Some("SUSPEND_CONSUMER"),
            RESUME_CONSUMER => Some("RESUME_CONSUMER"),
            RESET_CONSUMER_OFFSET_IN_CONSUMER => Some("RESET_CONSUMER_OFFSET_IN_CONSUMER"),
            RESET_CONSUMER_OFFSET_IN_BROKER => Some("RESET_CONSUMER_OFFSET_IN_BROKER"),
            ADJUST_CONSUMER_THREAD_POOL => Some("ADJUST_CONSUMER_THREAD_POOL"),
            WHO_CONSUME_THE_MESSAGE => Some("WHO_CONSUME_THE_MESSAGE"),
            DELETE_TOPIC_IN_BROKER => Some("DELETE_TOPIC_IN_BROKER"),
            DELETE_TOPIC_IN_NAMESRV => Some("DELETE_TOPIC_IN_NAMESRV"),
            REGISTER_TOPIC_IN_NAMESRV => Some("REGISTER_TOPIC_IN_NAMESRV"),
            GET_KVLIST_BY_NAMESPACE => Some("GET_KVLIST_BY_NAMESPACE"),
            RESET_CONSUMER_CLIENT_OFFSET => Some("RESET_CONSUMER_CLIENT_OFFSET"),
            GET_CONSUMER_STATUS_FROM_CLIENT => Some("GET_CONSUMER_STATUS_FROM_CLIENT"),
            INVOKE_BROKER_TO_RESET_OFFSET => Some("INVOKE_BROKER_TO_RESET_OFFSET"),
            INVOKE_BROKER_TO_GET_CONSUMER_STATUS => Some("INVOKE_BROKER_TO_GET_CONSUMER_STATUS"),
            GET_TOPICS_BY_CLUSTER => Some("GET_TOPICS_BY_CLUSTER"),
            UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST => {
                Some("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST")
            }
            QUERY_TOPIC_CONSUME_BY_WHO => Some("QUERY_TOPIC_CONSUME_BY_WHO"),
            REGISTER_FILTER_SERVER => Some("REGISTER_FILTER_SERVER"),
            REGISTER_MESSAGE_FILTER_CLASS => Some("REGISTER_MESSAGE_FILTER_CLASS"),
            QUERY_CONSUME_TIME_SPAN => Some("QUERY_CONSUME_TIME_SPAN"),
            GET_SYSTEM_TOPIC_LIST_FROM_NS => Some("GET_SYSTEM_TOPIC_LIST_FROM_NS"),
            GET_SYSTEM_TOPIC_LIST_FROM_BROKER => Some("GET_SYSTEM_TOPIC_LIST_FROM_BROKER"),
            CLEAN_EXPIRED_CONSUMEQUEUE => Some("CLEAN_EXPIRED_CONSUMEQUEUE"),
            GET_CONSUMER_RUNNING_INFO => Some("GET_CONSUMER_RUNNING_INFO"),
            QUERY_CORRECTION_OFFSET => Some("QUERY_CORRECTION_OFFSET"),
            CONSUME_MESSAGE_DIRECTLY => Some("CONSUME_MESSAGE_DIRECTLY"),
            SEND_MESSAGE_V2 => Some("SEND_MESSAGE_V2"),
            GET_UNIT_TOPIC_LIST => Some("GET_UNIT_TOPIC_LIST"),
            GET_HAS_UNIT_SUB_TOPIC_LIST => Some("GET_HAS_UNIT_SUB_TOPIC_LIST"),
            GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST => Some("GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST"),
            CLONE_GROUP_OFFSET => Some("CLONE_GROUP_OFFSET"),
            VIEW_BROKER_STATS_DATA => Some("VIEW_BROKER_STATS_DATA"),
            CLEAN_UNUSED_TOPIC => Some("CLEAN_UNUSED_TOPIC"),
            GET_BROKER_CONSUME_STATS => Some("GET_BROKER_CONSUME_STATS"),
            UPDATE_NAMESRV_CONFIG => Some("UPDATE_NAMESRV_CONFIG"),
            GET_NAMESRV_CONFIG => Some("GET_NAMESRV_CONFIG"),
            SEND_BATCH_MESSAGE => Some("SEND_BATCH_MESSAGE"),
            QUERY_CONSUME_QUEUE => Some("QUERY_CONSUME_QUEUE"),
            QUERY_DATA_VERSION => Some("QUERY_DATA_VERSION"),
            RESUME_CHECK_HALF_MESSAGE => Some("RESUME_CHECK_HALF_MESSAGE"),
            SEND_REPLY_MESSAGE => Some("SEND_REPLY_MESSAGE"),
            SEND_REPLY_MESSAGE_V2 => Some("SEND_REPLY_MESSAGE_V2"),
            PUSH_REPLY_MESSAGE_TO_CLIENT => Some("PUSH_REPLY_MESSAGE_TO_CLIENT"),
            ADD_WRITE_PERM_OF_BROKER => Some("ADD_WRITE_PERM_OF_BROKER"),
            GET_ALL_PRODUCER_INFO => Some("GET_ALL_PRODUCER_INFO"),
            DELETE_EXPIRED_COMMITLOG => Some("DELETE_EXPIRED_COMMITLOG"),
            QUERY_TOPICS_BY_CONSUMER => Some("QUERY_TOPICS_BY_CONSUMER"),
            QUERY_SUBSCRIPTION_BY_CONSUMER => Some("QUERY_SUBSCRIPTION_BY_CONSUMER"),
            GET_TOPIC_CONFIG => Some("GET_TOPIC_CONFIG"),
            GET_SUBSCRIPTIONGROUP_CONFIG => Some("GET_SUBSCRIPTIONGROUP_CONFIG"),
            UPDATE_AND_GET_GROUP_FORBIDDEN => Some("UPDATE_AND_GET_GROUP_FORBIDDEN"),
            CHECK_ROCKSDB_CQ_WRITE_PROGRESS => Some("CHECK_ROCKSDB_CQ_WRITE_PROGRESS"),
            EXPORT_ROCKSDB_CONFIG_TO_JSON => Some("EXPORT_ROCKSDB_CONFIG_TO_JSON"),
            LITE_PULL_MESSAGE => Some("LITE_PULL_MESSAGE"),
            RECALL_MESSAGE => Some("RECALL_MESSAGE"),
            QUERY_ASSIGNMENT => Some("QUERY_ASSIGNMENT"),
            SET_MESSAGE_REQUEST_MODE => Some("SET_MESSAGE_REQUEST_MODE"),
            GET_ALL_MESSAGE_REQUEST_MODE => Some("GET_ALL_MESSAGE_REQUEST_MODE"),
            UPDATE_AND_CREATE_STATIC_TOPIC => Some("UPDATE_AND_CREATE_STATIC_TOPIC"),
            GET_BROKER_MEMBER_GROUP => Some("GET_BROKER_MEMBER_GROUP"),
            ADD_BROKER => Some("ADD_BROKER"),
            REMOVE_BROKER => Some("REMOVE_BROKER"),
            BROKER_HEARTBEAT => Some("BROKER_HEARTBEAT"),
            NOTIFY_MIN_BROKER_ID_CHANGE => Some("NOTIFY_MIN_BROKER_ID_CHANGE"),
            EXCHANGE_BROKER_HA_INFO => Some("EXCHANGE_BROKER_HA_INFO"),
            GET_BROKER_HA_STATUS => Some("GET_BROKER_HA_STATUS"),
            RESET_MASTER_FLUSH_OFFSET => Some("RESET_MASTER_FLUSH_OFFSET"),
            CONTROLLER_ALTER_SYNC_STATE_SET => Some("CONTROLLER_ALTER_SYNC_STATE_SET"),
            CONTROLLER_ELECT_MASTER => Some("CONTROLLER_ELECT_MASTER"),
            CONTROLLER_REGISTER_BROKER => Some("CONTROLLER_REGISTER_BROKER"),
            CONTROLLER_GET_REPLICA_INFO => Some("CONTROLLER_GET_REPLICA_INFO"),
            CONTROLLER_GET_METADATA_INFO => Some("CONTROLLER_GET_METADATA_INFO"),
            CONTROLLER_GET_SYNC_STATE_DATA => Some("CONTROLLER_GET_SYNC_STATE_DATA"),
            GET_BROKER_EPOCH_CACHE => Some("GET_BROKER_EPOCH_CACHE"),
            NOTIFY_BROKER_ROLE_CHANGED => Some("NOTIFY_BROKER_ROLE_CHANGED"),
            UPDATE_CONTROLLER_CONFIG => Some("UPDATE_CONTROLLER_CONFIG"),
            GET_CONTROLLER_CONFIG => Some("GET_CONTROLLER_CONFIG"),
            CLEAN_BROKER_DATA => Some("CLEAN_BROKER_DATA"),
            CONTROLLER_GET_NEXT_BROKER_ID => Some("CONTROLLER_GET_NEXT_BROKER_ID"),
            CONTROLLER_APPLY_BROKER_ID => Some("CONTROLLER_APPLY_BROKER_ID"),
            BROKER_CLOSE_CHANNEL_REQUEST => Some("BROKER_CLOSE_CHANNEL_REQUEST"),
            CHECK_NOT_ACTIVE_BROKER_REQUEST => Some("CHECK_NOT_ACTIVE_BROKER_REQUEST"),
            GET_BROKER_LIVE_INFO_REQUEST => Some("GET_BROKER_LIVE_INFO_REQUEST"),
            GET_SYNC_STATE_DATA_REQUEST => Some("GET_SYNC_STATE_DATA_REQUEST"),
            RAFT_BROKER_HEART_BEAT_EVENT_REQUEST => Some("RAFT_BROKER_HEART_BEAT_EVENT_REQUEST"),
            UPDATE_COLD_DATA_FLOW_CTR_CONFIG => Some("UPDATE_COLD_DATA_FLOW_CTR_CONFIG"),
            REMOVE_COLD_DATA_FLOW_CTR_CONFIG => Some("REMOVE_COLD_DATA_FLOW_CTR_CONFIG"),
            GET_COLD_DATA_FLOW_CTR_INFO => Some("GET_COLD_DATA_FLOW_CTR_INFO"),
            SET_COMMITLOG_READ_MODE => Some("SET_COMMITLOG_READ_MODE"),
            AUTH_CREATE_USER => Some("AUTH_CREATE_USER"),
            AUTH_UPDATE_USER => Some("AUTH_UPDATE_USER"),
            AUTH_DELETE_USER => Some("AUTH_DELETE_USER"),
            AUTH_GET_USER => Some("AUTH_GET_USER"),
            AUTH_LIST_USER => Some("AUTH_LIST_USER"),
            AUTH_CREATE_ACL => Some("AUTH_CREATE_ACL"),
            AUTH_UPDATE_ACL => Some("AUTH_UPDATE_ACL"),
            AUTH_DELETE_ACL => Some("AUTH_DELETE_ACL"),
            AUTH_GET_ACL => Some("AUTH_GET_ACL"),
            AUTH_LIST_ACL => Some("AUTH_LIST_ACL"),
            POP_MESSAGE => Some("POP_MESSAGE"),
            ACK_MESSAGE => Some("ACK_MESSAGE"),
            PEEK_MESSAGE => Some("PEEK_MESSAGE"),
            CHANGE_MESSAGE_INVISIBLETIME => Some("CHANGE_MESSAGE_INVISIBLETIME"),
            NOTIFICATION => Some("NOTIFICATION"),
            POLLING_INFO => Some("POLLING_INFO"),
            POP_ROLLBACK => Some("POP_ROLLBACK"),
            BATCH_ACK_MESSAGE => Some("BATCH_ACK_MESSAGE"),
            _ => None,
        }
    }
}

/// Response codes (`ResponseCode.java` and `RemotingSysResponseCode.java`).
pub mod response_code {
    /// 0: Everything went well.
    pub const SUCCESS: i32 = 0;
    /// 1: Generic failure; the remark says why.
    pub const SYSTEM_ERROR: i32 = 1;
    /// 2: Flow control: page cache busy, thread pool full, queue wait too long.
    pub const SYSTEM_BUSY: i32 = 2;
    /// 3: Unknown request code.
    pub const REQUEST_CODE_NOT_SUPPORTED: i32 = 3;
    /// 4: Unused by core flows.
    pub const TRANSACTION_FAILED: i32 = 4;
    /// 10: SYNC_FLUSH did not complete in time; the message is stored.
    pub const FLUSH_DISK_TIMEOUT: i32 = 10;
    /// 11: SYNC_MASTER without a usable slave.
    pub const SLAVE_NOT_AVAILABLE: i32 = 11;
    /// 12: The slave did not acknowledge in time; the message is stored.
    pub const FLUSH_SLAVE_TIMEOUT: i32 = 12;
    /// 13: Body, properties or topic too long, missing body, bad batch.
    pub const MESSAGE_ILLEGAL: i32 = 13;
    /// 14: Store shut down or not writable, or a slave received a write.
    pub const SERVICE_NOT_AVAILABLE: i32 = 14;
    /// 15: Version not supported.
    pub const VERSION_NOT_SUPPORTED: i32 = 15;
    /// 16: Topic or broker not writable/readable, group consume disabled.
    pub const NO_PERMISSION: i32 = 16;
    /// 17: Unknown topic (also a route query miss).
    pub const TOPIC_NOT_EXIST: i32 = 17;
    /// 18: Topic already exists.
    pub const TOPIC_EXIST_ALREADY: i32 = 18;
    /// 19: No new message.
    pub const PULL_NOT_FOUND: i32 = 19;
    /// 20: Messages exist but none matched.
    pub const PULL_RETRY_IMMEDIATELY: i32 = 20;
    /// 21: Requested offset invalid; `nextBeginOffset` carries the corrected one.
    pub const PULL_OFFSET_MOVED: i32 = 21;
    /// 22: Offset, KV entry or message not found.
    pub const QUERY_NOT_FOUND: i32 = 22;
    /// 23: Subscription expression does not parse.
    pub const SUBSCRIPTION_PARSE_FAILED: i32 = 23;
    /// 24: No subscription for the pull.
    pub const SUBSCRIPTION_NOT_EXIST: i32 = 24;
    /// 25: Broker's subscription version is older than the pull's.
    pub const SUBSCRIPTION_NOT_LATEST: i32 = 25;
    /// 26: Group unknown and auto-create off.
    pub const SUBSCRIPTION_GROUP_NOT_EXIST: i32 = 26;
    /// 27: SQL92 filter data missing.
    pub const FILTER_DATA_NOT_EXIST: i32 = 27;
    /// 28: SQL92 filter data stale.
    pub const FILTER_DATA_NOT_LATEST: i32 = 28;
    /// 29: 5.x: illegal topic name, bad queue id.
    pub const INVALID_PARAMETER: i32 = 29;
    /// 200: Transaction state: commit.
    pub const TRANSACTION_SHOULD_COMMIT: i32 = 200;
    /// 201: Transaction state: rollback.
    pub const TRANSACTION_SHOULD_ROLLBACK: i32 = 201;
    /// 202: Transaction state: unknown (sic).
    pub const TRANSACTION_STATE_UNKNOW: i32 = 202;
    /// 203: Transaction state: wrong group.
    pub const TRANSACTION_STATE_GROUP_WRONG: i32 = 203;
    /// 204: No buyer id.
    pub const NO_BUYER_ID: i32 = 204;
    /// 205: Not in current unit.
    pub const NOT_IN_CURRENT_UNIT: i32 = 205;
    /// 206: No live consumer of the group.
    pub const CONSUMER_NOT_ONLINE: i32 = 206;
    /// 207: Direct consumption timed out.
    pub const CONSUME_MSG_TIMEOUT: i32 = 207;
    /// 208: POP: no message.
    pub const NO_MESSAGE: i32 = 208;
    /// 209: POP (5.x; 4.x used 209 for UPDATE_AND_CREATE_ACL_CONFIG_FAILED).
    pub const POLLING_FULL: i32 = 209;
    /// 210: POP (5.x; 4.x used 210 for DELETE_ACL_CONFIG_FAILED).
    pub const POLLING_TIMEOUT: i32 = 210;
    /// 211: 5.x (4.x: UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED).
    pub const BROKER_NOT_EXIST: i32 = 211;
    /// 212: 5.x.
    pub const BROKER_DISPATCH_NOT_COMPLETE: i32 = 212;
    /// 213: 5.x.
    pub const BROADCAST_CONSUMPTION: i32 = 213;
    /// 215: 5.x: the push consumer backs off longer.
    pub const FLOW_CONTROL: i32 = 215;
    /// 501: Static topics.
    pub const NOT_LEADER_FOR_QUEUE: i32 = 501;
    /// 604: END_TRANSACTION after the check-immunity window.
    pub const ILLEGAL_OPERATION: i32 = 604;
    /// 1500: 5.x graceful shutdown.
    pub const GO_AWAY: i32 = 1500;
    /// 3001: Auth.
    pub const USER_NOT_EXIST: i32 = 3001;
    /// 3002: Auth.
    pub const POLICY_NOT_EXIST: i32 = 3002;
    /// -1000: Client side only.
    pub const RPC_UNKNOWN: i32 = -1000;
    /// -1002: Client side only.
    pub const RPC_ADDR_IS_NULL: i32 = -1002;
    /// -1004: Client side only.
    pub const RPC_SEND_TO_CHANNEL_FAILED: i32 = -1004;
    /// -1006: Client side only.
    pub const RPC_TIME_OUT: i32 = -1006;

    /// The name of a response code, for logs; `None` for codes this crate does not know.
    pub fn name(code: i32) -> Option<&'static str> {
        match code {
            SUCCESS => Some("SUCCESS"),
            SYSTEM_ERROR => Some("SYSTEM_ERROR"),
            SYSTEM_BUSY => Some("SYSTEM_BUSY"),
            REQUEST_CODE_NOT_SUPPORTED => Some("REQUEST_CODE_NOT_SUPPORTED"),
            TRANSACTION_FAILED => Some("TRANSACTION_FAILED"),
            FLUSH_DISK_TIMEOUT => Some("FLUSH_DISK_TIMEOUT"),
            SLAVE_NOT_AVAILABLE => Some("SLAVE_NOT_AVAILABLE"),
            FLUSH_SLAVE_TIMEOUT => Some("FLUSH_SLAVE_TIMEOUT"),
            MESSAGE_ILLEGAL => Some("MESSAGE_ILLEGAL"),
            SERVICE_NOT_AVAILABLE => Some("SERVICE_NOT_AVAILABLE"),
            VERSION_NOT_SUPPORTED => Some("VERSION_NOT_SUPPORTED"),
            NO_PERMISSION => Some("NO_PERMISSION"),
            TOPIC_NOT_EXIST => Some("TOPIC_NOT_EXIST"),
            TOPIC_EXIST_ALREADY => Some("TOPIC_EXIST_ALREADY"),
            PULL_NOT_FOUND => Some("PULL_NOT_FOUND"),
            PULL_RETRY_IMMEDIATELY => Some("PULL_RETRY_IMMEDIATELY"),
            PULL_OFFSET_MOVED => Some("PULL_OFFSET_MOVED"),
            QUERY_NOT_FOUND => Some("QUERY_NOT_FOUND"),
            SUBSCRIPTION_PARSE_FAILED => Some("SUBSCRIPTION_PARSE_FAILED"),
            SUBSCRIPTION_NOT_EXIST => Some("SUBSCRIPTION_NOT_EXIST"),
            SUBSCRIPTION_NOT_LATEST => Some("SUBSCRIPTION_NOT_LATEST"),
            SUBSCRIPTION_GROUP_NOT_EXIST => Some("SUBSCRIPTION_GROUP_NOT_EXIST"),
            FILTER_DATA_NOT_EXIST => Some("FILTER_DATA_NOT_EXIST"),
            FILTER_DATA_NOT_LATEST => Some("FILTER_DATA_NOT_LATEST"),
            INVALID_PARAMETER => Some("INVALID_PARAMETER"),
            TRANSACTION_SHOULD_COMMIT => Some("TRANSACTION_SHOULD_COMMIT"),
            TRANSACTION_SHOULD_ROLLBACK => Some("TRANSACTION_SHOULD_ROLLBACK"),
            TRANSACTION_STATE_UNKNOW => Some("TRANSACTION_STATE_UNKNOW"),
            TRANSACTION_STATE_GROUP_WRONG => Some("TRANSACTION_STATE_GROUP_WRONG"),
            NO_BUYER_ID => Some("NO_BUYER_ID"),
            NOT_IN_CURRENT_UNIT => Some("NOT_IN_CURRENT_UNIT"),
            CONSUMER_NOT_ONLINE => Some("CONSUMER_NOT_ONLINE"),
            CONSUME_MSG_TIMEOUT => Some("CONSUME_MSG_TIMEOUT"),
            NO_MESSAGE => Some("NO_MESSAGE"),
            POLLING_FULL => Some("POLLING_FULL"),
            POLLING_TIMEOUT => Some("POLLING_TIMEOUT"),
            BROKER_NOT_EXIST => Some("BROKER_NOT_EXIST"),
            BROKER_DISPATCH_NOT_COMPLETE => Some("BROKER_DISPATCH_NOT_COMPLETE"),
            BROADCAST_CONSUMPTION => Some("BROADCAST_CONSUMPTION"),
            FLOW_CONTROL => Some("FLOW_CONTROL"),
            NOT_LEADER_FOR_QUEUE => Some("NOT_LEADER_FOR_QUEUE"),
            ILLEGAL_OPERATION => Some("ILLEGAL_OPERATION"),
            GO_AWAY => Some("GO_AWAY"),
            USER_NOT_EXIST => Some("USER_NOT_EXIST"),
            POLICY_NOT_EXIST => Some("POLICY_NOT_EXIST"),
            RPC_UNKNOWN => Some("RPC_UNKNOWN"),
            RPC_ADDR_IS_NULL => Some("RPC_ADDR_IS_NULL"),
            RPC_SEND_TO_CHANNEL_FAILED => Some("RPC_SEND_TO_CHANNEL_FAILED"),
            RPC_TIME_OUT => Some("RPC_TIME_OUT"),
            _ => None,
        }
    }
}
