//! Headers of the requests a broker serves, and of the requests it sends to clients
//! (spec §3.1–3.16).

use super::command_headers;
use crate::code::request_code;
use crate::command::RemotingCommand;
use crate::error::HeaderError;
use crate::header::CommandHeader;

/// Raw ext field every send response carries: the broker's region (default `DefaultRegion`).
pub const MSG_REGION_EXT_FIELD: &str = "MSG_REGION";
/// Raw ext field every send response carries: whether tracing is on.
pub const TRACE_ON_EXT_FIELD: &str = "TRACE_ON";
/// Raw ext field of QUERY_MESSAGE: `"true"` when `key` is a UNIQ_KEY.
pub const UNIQUE_KEY_QUERY_EXT_FIELD: &str = "_UNIQUE_KEY_QUERY";
/// Raw ext field of heartbeat responses (5.x).
pub const IS_SUPPORT_HEART_BEAT_V2_EXT_FIELD: &str = "IS_SUPPORT_HEART_BEAT_V2";
/// Raw ext field of heartbeat responses (5.x).
pub const IS_SUB_CHANGE_EXT_FIELD: &str = "IS_SUB_CHANGE";

command_headers! {
    /// SEND_MESSAGE (10) request, long field names.
    pub struct SendMessageRequestHeader {
        /// Producer group.
        pub producer_group: String => "producerGroup",
        /// Target topic.
        pub topic: String => "topic",
        /// Template topic for auto-creation (normally `TBW102`).
        pub default_topic: String => "defaultTopic",
        /// Queue count for an auto-created topic.
        pub default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        /// Target queue; negative lets the broker pick.
        pub queue_id: i32 => "queueId",
        /// Message sysflag bits.
        pub sys_flag: i32 => "sysFlag",
        /// Client wall-clock ms.
        pub born_timestamp: i64 => "bornTimestamp",
        /// User flag, carried verbatim.
        pub flag: i32 => "flag",
        /// Properties string (`k\u{1}v\u{2}...`).
        pub properties: Option<String> => "properties",
        /// Only for `%RETRY%` sends.
        pub reconsume_times: Option<i32> => "reconsumeTimes",
        /// Unit mode.
        pub unit_mode: Option<bool> => "unitMode",
        /// True for SEND_BATCH_MESSAGE.
        pub batch: Option<bool> => "batch",
        /// Only for `%RETRY%` sends.
        pub max_reconsume_times: Option<i32> => "maxReconsumeTimes",
        /// 5.x target broker name.
        pub broker_name: Option<String> => "bname",
    }

    /// SEND_MESSAGE_V2 (310) / SEND_BATCH_MESSAGE (320) request: the one-letter form of
    /// [`SendMessageRequestHeader`] that Java and ali-ons actually send.
    pub struct SendMessageRequestHeaderV2 {
        /// producerGroup.
        pub a: String => "a",
        /// topic.
        pub b: String => "b",
        /// defaultTopic.
        pub c: String => "c",
        /// defaultTopicQueueNums.
        pub d: i32 => "d",
        /// queueId.
        pub e: i32 => "e",
        /// sysFlag.
        pub f: i32 => "f",
        /// bornTimestamp.
        pub g: i64 => "g",
        /// flag.
        pub h: i32 => "h",
        /// properties.
        pub i: Option<String> => "i",
        /// reconsumeTimes.
        pub j: Option<i32> => "j",
        /// unitMode.
        pub k: Option<bool> => "k",
        /// maxReconsumeTimes.
        pub l: Option<i32> => "l",
        /// batch.
        pub m: Option<bool> => "m",
        /// brokerName (5.x).
        pub n: Option<String> => "n",
    }

    /// Response to SEND_MESSAGE / _V2 / SEND_BATCH_MESSAGE.
    pub struct SendMessageResponseHeader {
        /// Offset message id (ids joined with `,` for a batch).
        pub msg_id: String => "msgId",
        /// Queue actually written.
        pub queue_id: i32 => "queueId",
        /// Queue offset (of the first message for a batch).
        pub queue_offset: i64 => "queueOffset",
        /// The message's `UNIQ_KEY`.
        pub transaction_id: Option<String> => "transactionId",
        /// 5.x inner batch.
        pub batch_uniq_id: Option<String> => "batchUniqId",
        /// 5.x timer messages.
        pub recall_handle: Option<String> => "recallHandle",
    }

    /// PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361) request.
    pub struct PullMessageRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
        /// First logic offset wanted.
        pub queue_offset: i64 => "queueOffset",
        /// Batch size.
        pub max_msg_nums: i32 => "maxMsgNums",
        /// Pull sysflag bits.
        pub sys_flag: i32 => "sysFlag",
        /// Offset to commit (valid with sysflag bit 0).
        pub commit_offset: i64 => "commitOffset",
        /// Long-poll hold time.
        pub suspend_timeout_millis: i64 => "suspendTimeoutMillis",
        /// Subscription expression (with sysflag bit 2).
        pub subscription: Option<String> => "subscription",
        /// Client subscription version.
        pub sub_version: i64 => "subVersion",
        /// `TAG` (default) or `SQL92`.
        pub expression_type: Option<String> => "expressionType",
        /// 5.x byte budget.
        pub max_msg_bytes: Option<i32> => "maxMsgBytes",
        /// 5.x proxy.
        pub request_source: Option<i32> => "requestSource",
        /// 5.x proxy (sic).
        pub proxy_froward_client_id: Option<String> => "proxyFrowardClientId",
    }

    /// PULL_MESSAGE response.
    pub struct PullMessageResponseHeader {
        /// Broker id to pull from next (0 = master).
        pub suggest_which_broker_id: i64 => "suggestWhichBrokerId",
        /// Offset for the next pull.
        pub next_begin_offset: i64 => "nextBeginOffset",
        /// Queue min offset.
        pub min_offset: i64 => "minOffset",
        /// Queue max offset.
        pub max_offset: i64 => "maxOffset",
        /// 5.x static topics.
        pub offset_delta: Option<i64> => "offsetDelta",
        /// 5.x.
        pub topic_sys_flag: Option<i32> => "topicSysFlag",
        /// 5.x.
        pub group_sys_flag: Option<i32> => "groupSysFlag",
        /// 5.x, on NO_PERMISSION.
        pub forbidden_type: Option<i32> => "forbiddenType",
    }

    /// QUERY_CONSUMER_OFFSET (14) request.
    pub struct QueryConsumerOffsetRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
        /// 5.x.
        pub set_zero_if_not_found: Option<bool> => "setZeroIfNotFound",
    }

    /// QUERY_CONSUMER_OFFSET (14) response.
    pub struct QueryConsumerOffsetResponseHeader {
        /// Stored offset.
        pub offset: i64 => "offset",
    }

    /// UPDATE_CONSUMER_OFFSET (15) request.
    pub struct UpdateConsumerOffsetRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
        /// Offset to store.
        pub commit_offset: i64 => "commitOffset",
    }

    /// UNREGISTER_CLIENT (35) request.
    pub struct UnregisterClientRequestHeader {
        /// Client id.
        pub client_id: String => "clientID",
        /// Producer group.
        pub producer_group: Option<String> => "producerGroup",
        /// Consumer group.
        pub consumer_group: Option<String> => "consumerGroup",
    }

    /// GET_CONSUMER_LIST_BY_GROUP (38) request.
    pub struct GetConsumerListByGroupRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
    }

    /// CONSUMER_SEND_MSG_BACK (36) request.
    pub struct ConsumerSendMsgBackRequestHeader {
        /// Physical offset of the consumed message.
        pub offset: i64 => "offset",
        /// Consumer group.
        pub group: String => "group",
        /// 0 = broker chooses; < 0 = straight to DLQ; > 0 = explicit level.
        pub delay_level: i32 => "delayLevel",
        /// Original message id.
        pub origin_msg_id: Option<String> => "originMsgId",
        /// Original topic.
        pub origin_topic: Option<String> => "originTopic",
        /// Unit mode.
        pub unit_mode: Option<bool> => "unitMode",
        /// Honoured when the request version ≥ 121.
        pub max_reconsume_times: Option<i32> => "maxReconsumeTimes",
    }

    /// END_TRANSACTION (37) request.
    pub struct EndTransactionRequestHeader {
        /// Original topic.
        pub topic: Option<String> => "topic",
        /// Must equal the half message's `PGROUP`.
        pub producer_group: String => "producerGroup",
        /// Queue offset of the half message.
        pub tran_state_table_offset: i64 => "tranStateTableOffset",
        /// Physical offset of the half message.
        pub commit_log_offset: i64 => "commitLogOffset",
        /// 0 unknown, 8 commit, 12 rollback.
        pub commit_or_rollback: i32 => "commitOrRollback",
        /// True when answering a check-back.
        pub from_transaction_check: Option<bool> => "fromTransactionCheck",
        /// The producer's msgId (UNIQ_KEY).
        pub msg_id: String => "msgId",
        /// Transaction id.
        pub transaction_id: Option<String> => "transactionId",
    }

    /// CHECK_TRANSACTION_STATE (39), broker → producer.
    pub struct CheckTransactionStateRequestHeader {
        /// Real topic.
        pub topic: Option<String> => "topic",
        /// Queue offset of the half message.
        pub tran_state_table_offset: i64 => "tranStateTableOffset",
        /// Physical offset of the half message.
        pub commit_log_offset: i64 => "commitLogOffset",
        /// UNIQ_KEY.
        pub msg_id: Option<String> => "msgId",
        /// = UNIQ_KEY.
        pub transaction_id: Option<String> => "transactionId",
        /// Offset msg id of the half message.
        pub offset_msg_id: Option<String> => "offsetMsgId",
        /// 5.x broker name.
        pub broker_name: Option<String> => "bname",
    }

    /// NOTIFY_CONSUMER_IDS_CHANGED (40), broker → consumer.
    pub struct NotifyConsumerIdsChangedRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
    }

    /// GET_MAX_OFFSET (30) request.
    pub struct GetMaxOffsetRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
        /// 5.x, default true.
        pub committed: Option<bool> => "committed",
    }

    /// GET_MIN_OFFSET (31) request.
    pub struct GetMinOffsetRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
    }

    /// SEARCH_OFFSET_BY_TIMESTAMP (29) request.
    pub struct SearchOffsetRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
        /// Store time in ms.
        pub timestamp: i64 => "timestamp",
        /// `LOWER`/`UPPER` (case-insensitive), default lower.
        pub boundary_type: Option<String> => "boundaryType",
    }

    /// Response of GET_MAX_OFFSET, GET_MIN_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP.
    pub struct OffsetResponseHeader {
        /// The offset.
        pub offset: i64 => "offset",
    }

    /// GET_EARLIEST_MSG_STORETIME (32) request.
    pub struct GetEarliestMsgStoretimeRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Queue id.
        pub queue_id: i32 => "queueId",
    }

    /// GET_EARLIEST_MSG_STORETIME (32) response.
    pub struct GetEarliestMsgStoretimeResponseHeader {
        /// Store time of the message at the queue's min offset; −1 if none.
        pub timestamp: i64 => "timestamp",
    }

    /// QUERY_MESSAGE (12) request.
    pub struct QueryMessageRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Key (or UNIQ_KEY with `_UNIQUE_KEY_QUERY`).
        pub key: String => "key",
        /// Max messages.
        pub max_num: i32 => "maxNum",
        /// Begin of the time range (ms).
        pub begin_timestamp: i64 => "beginTimestamp",
        /// End of the time range (ms).
        pub end_timestamp: i64 => "endTimestamp",
    }

    /// QUERY_MESSAGE (12) response.
    pub struct QueryMessageResponseHeader {
        /// Index last update time.
        pub index_last_update_timestamp: i64 => "indexLastUpdateTimestamp",
        /// Index last update physical offset.
        pub index_last_update_phyoffset: i64 => "indexLastUpdatePhyoffset",
    }

    /// VIEW_MESSAGE_BY_ID (33) request.
    pub struct ViewMessageRequestHeader {
        /// Physical offset.
        pub offset: i64 => "offset",
        /// Topic.
        pub topic: Option<String> => "topic",
    }

    /// UPDATE_AND_CREATE_TOPIC (17) request.
    pub struct CreateTopicRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Ignored.
        pub default_topic: String => "defaultTopic",
        /// Read queues.
        pub read_queue_nums: i32 => "readQueueNums",
        /// Write queues.
        pub write_queue_nums: i32 => "writeQueueNums",
        /// Permission bits.
        pub perm: i32 => "perm",
        /// `SINGLE_TAG` or `MULTI_TAG`.
        pub topic_filter_type: String => "topicFilterType",
        /// Topic sysflag.
        pub topic_sys_flag: Option<i32> => "topicSysFlag",
        /// Order topic.
        pub order: bool => "order",
        /// 5.x `+key=value,...`.
        pub attributes: Option<String> => "attributes",
        /// 5.x.
        pub force: Option<bool> => "force",
    }

    /// Requests naming only a topic: DELETE_TOPIC_IN_BROKER (215), GET_TOPIC_STATS_INFO (202),
    /// QUERY_TOPIC_CONSUME_BY_WHO (300), GET_TOPIC_CONFIG (351).
    pub struct TopicRequestHeader {
        /// Topic.
        pub topic: String => "topic",
    }

    /// GET_ALL_TOPIC_CONFIG (21) request (5.x, all optional).
    pub struct GetAllTopicConfigRequestHeader {
        /// Paging sequence.
        pub topic_seq: Option<i32> => "topicSeq",
        /// Data version JSON.
        pub data_version: Option<String> => "dataVersion",
        /// Page size.
        pub max_topic_num: Option<i32> => "maxTopicNum",
    }

    /// GET_ALL_TOPIC_CONFIG (21) response (5.x).
    pub struct GetAllTopicConfigResponseHeader {
        /// Total number of topics.
        pub total_topic_num: Option<i32> => "totalTopicNum",
    }

    /// GET_CONSUME_STATS (208) request.
    pub struct GetConsumeStatsRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Topic.
        pub topic: Option<String> => "topic",
        /// 5.x topic list.
        pub topic_list: Option<String> => "topicList",
    }

    /// GET_CONSUMER_CONNECTION_LIST (203) request.
    pub struct GetConsumerConnectionListRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
    }

    /// GET_PRODUCER_CONNECTION_LIST (204) request.
    pub struct GetProducerConnectionListRequestHeader {
        /// Producer group.
        pub producer_group: String => "producerGroup",
    }

    /// DELETE_SUBSCRIPTIONGROUP (207) request.
    pub struct DeleteSubscriptionGroupRequestHeader {
        /// Group name.
        pub group_name: String => "groupName",
        /// Also delete the group's offsets.
        pub clean_offset: Option<bool> => "cleanOffset",
    }

    /// QUERY_CONSUME_TIME_SPAN (303) request.
    pub struct QueryConsumeTimeSpanRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Consumer group.
        pub group: String => "group",
    }

    /// RESET_CONSUMER_CLIENT_OFFSET (220, broker → client) and INVOKE_BROKER_TO_RESET_OFFSET
    /// (222) request.
    pub struct ResetOffsetRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Consumer group.
        pub group: String => "group",
        /// Reset to this store time (ms).
        pub timestamp: i64 => "timestamp",
        /// Reset even forward.
        pub is_force: bool => "isForce",
        /// 5.x single queue.
        pub queue_id: Option<i32> => "queueId",
        /// 5.x explicit offset.
        pub offset: Option<i64> => "offset",
    }

    /// GET_CONSUMER_STATUS_FROM_CLIENT (221) and INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223).
    pub struct GetConsumerStatusRequestHeader {
        /// Topic.
        pub topic: String => "topic",
        /// Consumer group.
        pub group: String => "group",
        /// Client address filter.
        pub client_addr: Option<String> => "clientAddr",
    }

    /// GET_CONSUMER_RUNNING_INFO (307), broker → client.
    pub struct GetConsumerRunningInfoRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Client id.
        pub client_id: String => "clientId",
        /// Include a thread dump.
        pub jstack_enable: Option<bool> => "jstackEnable",
    }

    /// CONSUME_MESSAGE_DIRECTLY (309), broker → client.
    pub struct ConsumeMessageDirectlyResultRequestHeader {
        /// Consumer group.
        pub consumer_group: String => "consumerGroup",
        /// Client id.
        pub client_id: Option<String> => "clientId",
        /// Message id.
        pub msg_id: Option<String> => "msgId",
        /// Broker name.
        pub broker_name: Option<String> => "brokerName",
        /// Topic.
        pub topic: Option<String> => "topic",
        /// Topic sysflag.
        pub topic_sys_flag: Option<i32> => "topicSysFlag",
        /// Group sysflag.
        pub group_sys_flag: Option<i32> => "groupSysFlag",
    }

    /// GET_BROKER_CONFIG (26) response.
    pub struct GetBrokerConfigResponseHeader {
        /// Config data version JSON.
        pub version: Option<String> => "version",
    }
}

impl SendMessageRequestHeaderV2 {
    /// The long-name form.
    pub fn into_v1(self) -> SendMessageRequestHeader {
        SendMessageRequestHeader {
            producer_group: self.a,
            topic: self.b,
            default_topic: self.c,
            default_topic_queue_nums: self.d,
            queue_id: self.e,
            sys_flag: self.f,
            born_timestamp: self.g,
            flag: self.h,
            properties: self.i,
            reconsume_times: self.j,
            unit_mode: self.k,
            max_reconsume_times: self.l,
            batch: self.m,
            broker_name: self.n,
        }
    }

    /// The one-letter form of a long-name header.
    pub fn from_v1(v1: SendMessageRequestHeader) -> Self {
        SendMessageRequestHeaderV2 {
            a: v1.producer_group,
            b: v1.topic,
            c: v1.default_topic,
            d: v1.default_topic_queue_nums,
            e: v1.queue_id,
            f: v1.sys_flag,
            g: v1.born_timestamp,
            h: v1.flag,
            i: v1.properties,
            j: v1.reconsume_times,
            k: v1.unit_mode,
            l: v1.max_reconsume_times,
            m: v1.batch,
            n: v1.broker_name,
        }
    }
}

impl SendMessageRequestHeader {
    /// Reads the send header of a SEND_MESSAGE (long names), SEND_MESSAGE_V2,
    /// SEND_BATCH_MESSAGE or SEND_REPLY_MESSAGE(_V2) request, whichever form its code implies.
    ///
    /// # Errors
    /// [`HeaderError`] when a required field is missing or malformed.
    pub fn from_command(cmd: &RemotingCommand) -> Result<Self, HeaderError> {
        match cmd.code {
            request_code::SEND_MESSAGE_V2
            | request_code::SEND_BATCH_MESSAGE
            | request_code::SEND_REPLY_MESSAGE_V2 => {
                SendMessageRequestHeaderV2::from_ext_fields(&cmd.ext_fields).map(|h| h.into_v1())
            }
            _ => SendMessageRequestHeader::from_ext_fields(&cmd.ext_fields),
        }
    }
}
