//! Admin requests (spec §3.14–3.16): topics, subscription groups, offset and time queries,
//! message view by offset, runtime info, statistics and connections.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferromq_engine::MessageStore;
use ferromq_protocol::body::admin::{
    ConsumeStats, OffsetWrapper, SubscriptionGroupConfig, TopicOffset, TopicStatsTable,
};
use ferromq_protocol::body::common::{MessageQueue, TopicConfig, TopicFilterType};
use ferromq_protocol::body::namesrv::KvTable;
use ferromq_protocol::body::register::TopicConfigSerializeWrapper;
use ferromq_protocol::code::{request_code as rc, response_code as code};
use ferromq_protocol::header::{
    CreateTopicRequestHeader, DeleteSubscriptionGroupRequestHeader, GetConsumeStatsRequestHeader,
    GetConsumerConnectionListRequestHeader, GetEarliestMsgStoretimeRequestHeader,
    GetEarliestMsgStoretimeResponseHeader, GetMaxOffsetRequestHeader, GetMinOffsetRequestHeader,
    GetProducerConnectionListRequestHeader, OffsetResponseHeader, QueryMessageRequestHeader,
    QueryMessageResponseHeader, SearchOffsetRequestHeader, TopicRequestHeader,
    ViewMessageRequestHeader, UNIQUE_KEY_QUERY_EXT_FIELD,
};
use ferromq_protocol::{json, RemotingCommand};

use super::{ok, parse_or_reply, reply};
use crate::broker::{now_ms, Broker};
use crate::topics;

/// Handle an admin request; `None` for codes this module does not serve.
pub async fn process(broker: &Arc<Broker>, req: &RemotingCommand) -> Option<RemotingCommand> {
    Some(match req.code {
        rc::UPDATE_AND_CREATE_TOPIC => create_topic(broker, req),
        rc::DELETE_TOPIC_IN_BROKER => delete_topic(broker, req).await,
        rc::GET_ALL_TOPIC_CONFIG => all_topic_config(broker, req),
        rc::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP => create_group(broker, req),
        rc::GET_ALL_SUBSCRIPTIONGROUP_CONFIG => {
            ok(req).with_body(json::encode(&broker.groups.file()))
        }
        rc::DELETE_SUBSCRIPTIONGROUP => delete_group(broker, req),
        rc::GET_MAX_OFFSET => max_offset(broker, req),
        rc::GET_MIN_OFFSET => min_offset(broker, req),
        rc::SEARCH_OFFSET_BY_TIMESTAMP => search_offset(broker, req).await,
        rc::GET_EARLIEST_MSG_STORETIME => earliest_time(broker, req),
        rc::VIEW_MESSAGE_BY_ID => view_message(broker, req).await,
        rc::QUERY_MESSAGE => query_message(broker, req).await,
        rc::GET_BROKER_RUNTIME_INFO => runtime_info(broker, req),
        rc::GET_TOPIC_STATS_INFO => topic_stats(broker, req),
        rc::GET_CONSUME_STATS => consume_stats(broker, req),
        rc::GET_CONSUMER_CONNECTION_LIST => consumer_connections(broker, req),
        rc::GET_PRODUCER_CONNECTION_LIST => producer_connections(broker, req),
        rc::GET_BROKER_CONFIG => broker_config(broker, req),
        rc::GET_ALL_DELAY_OFFSET => {
            ok(req).with_body(broker.store.delay_offsets_json().into_bytes())
        }
        _ => return None,
    })
}

fn offset_reply(req: &RemotingCommand, offset: i64) -> RemotingCommand {
    ok(req).with_header(&OffsetResponseHeader { offset })
}

fn max_offset(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<GetMaxOffsetRequestHeader>());
    offset_reply(req, broker.store.max_offset_in_queue(&h.topic, h.queue_id))
}

fn min_offset(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<GetMinOffsetRequestHeader>());
    offset_reply(req, broker.store.min_offset_in_queue(&h.topic, h.queue_id))
}

fn earliest_time(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<GetEarliestMsgStoretimeRequestHeader>()
    );
    let timestamp = broker
        .store
        .earliest_message_time(&h.topic, h.queue_id)
        .unwrap_or(-1);
    ok(req).with_header(&GetEarliestMsgStoretimeResponseHeader { timestamp })
}

fn consumer_connections(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<GetConsumerConnectionListRequestHeader>()
    );
    match broker.clients.consumer_connection(&h.consumer_group) {
        Some(c) => ok(req).with_body(json::encode(&c)),
        None => reply(
            req,
            code::CONSUMER_NOT_ONLINE,
            format!("the consumer group[{}] not online", h.consumer_group),
        ),
    }
}

fn producer_connections(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<GetProducerConnectionListRequestHeader>()
    );
    match broker.clients.producer_connection(&h.producer_group) {
        Some(c) => ok(req).with_body(json::encode(&c)),
        None => reply(
            req,
            code::SYSTEM_ERROR,
            format!("the producer group[{}] not exist", h.producer_group),
        ),
    }
}

fn create_topic(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<CreateTopicRequestHeader>());
    if let Err(why) = topics::validate_topic_name(&h.topic) {
        return reply(req, code::INVALID_PARAMETER, why);
    }
    if topics::is_send_forbidden(&h.topic) || h.topic == topics::TBW102 {
        return reply(
            req,
            code::INVALID_PARAMETER,
            format!("The topic[{}] is conflict with system topic.", h.topic),
        );
    }
    if h.read_queue_nums <= 0 || h.write_queue_nums <= 0 {
        return reply(
            req,
            code::INVALID_PARAMETER,
            "queue numbers must be positive",
        );
    }
    let Some(filter) = TopicFilterType::from_name(&h.topic_filter_type) else {
        return reply(
            req,
            code::INVALID_PARAMETER,
            format!("unknown topicFilterType {}", h.topic_filter_type),
        );
    };
    broker.topics.put(TopicConfig {
        topic_name: h.topic.clone(),
        read_queue_nums: h.read_queue_nums,
        write_queue_nums: h.write_queue_nums,
        perm: h.perm,
        topic_filter_type: filter,
        topic_sys_flag: h.topic_sys_flag.unwrap_or(0),
        order: h.order,
        ..TopicConfig::default()
    });
    tracing::info!(topic = %h.topic, read = h.read_queue_nums, write = h.write_queue_nums, "topic created or updated");
    ok(req)
}

async fn delete_topic(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<TopicRequestHeader>());
    broker.topics.delete(&h.topic);
    broker.offsets.remove_topic(&h.topic);
    let store = broker.store.clone();
    let topic = h.topic.clone();
    let r = tokio::task::spawn_blocking(move || store.delete_topics(&[topic.as_str()])).await;
    match r {
        Ok(Ok(())) => ok(req),
        Ok(Err(e)) => reply(req, code::SYSTEM_ERROR, e.to_string()),
        Err(e) => reply(req, code::SYSTEM_ERROR, e.to_string()),
    }
}

fn all_topic_config(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let (table, data_version) = broker.topics.snapshot();
    let body = TopicConfigSerializeWrapper {
        data_version,
        topic_config_table: table,
        ..TopicConfigSerializeWrapper::default()
    };
    ok(req).with_body(json::encode(&body))
}

fn create_group(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let g: SubscriptionGroupConfig = parse_or_reply!(req, json::decode(req.body_bytes()));
    if g.group_name.is_empty() {
        return reply(req, code::INVALID_PARAMETER, "groupName is empty");
    }
    broker.groups.put(g);
    ok(req)
}

fn delete_group(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<DeleteSubscriptionGroupRequestHeader>()
    );
    broker.groups.delete(&h.group_name);
    if h.clean_offset == Some(true) {
        broker.offsets.remove_group(&h.group_name);
    }
    ok(req)
}

async fn search_offset(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<SearchOffsetRequestHeader>());
    let store = broker.store.clone();
    let upper = h
        .boundary_type
        .as_deref()
        .is_some_and(|b| b.eq_ignore_ascii_case("upper"));
    let r = tokio::task::spawn_blocking(move || {
        let lower = store.offset_by_time(&h.topic, h.queue_id, h.timestamp);
        if !upper {
            return lower;
        }
        // UPPER: the last offset stored at or before the timestamp.
        let next = store.offset_by_time(&h.topic, h.queue_id, h.timestamp.saturating_add(1));
        (next - 1).max(0)
    })
    .await;
    match r {
        Ok(offset) => offset_reply(req, offset),
        Err(e) => reply(req, code::SYSTEM_ERROR, e.to_string()),
    }
}

/// QUERY_MESSAGE: messages by key (or unique key) within a time range (spec §3.15).
async fn query_message(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<QueryMessageRequestHeader>());
    let unique = req
        .ext_fields
        .get(UNIQUE_KEY_QUERY_EXT_FIELD)
        .is_some_and(|v| v == "true");
    let max = if unique {
        32
    } else {
        h.max_num.max(1) as usize
    };
    let store = broker.store.clone();
    let r = tokio::task::spawn_blocking(move || {
        store.query_message(&h.topic, &h.key, max, h.begin_timestamp, h.end_timestamp)
    })
    .await;
    let r = match r {
        Ok(r) => r,
        Err(e) => return reply(req, code::SYSTEM_ERROR, e.to_string()),
    };
    if r.messages.is_empty() {
        return reply(
            req,
            code::QUERY_NOT_FOUND,
            "can not find message, maybe time range not correct",
        );
    }
    let mut body = Vec::with_capacity(r.messages.iter().map(|m| m.len()).sum());
    for m in &r.messages {
        body.extend_from_slice(m);
    }
    ok(req)
        .with_header(&QueryMessageResponseHeader {
            index_last_update_timestamp: r.index_last_update_timestamp,
            index_last_update_phyoffset: r.index_last_update_phy_offset,
        })
        .with_body(body)
}

async fn view_message(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<ViewMessageRequestHeader>());
    let store = broker.store.clone();
    let offset = h.offset;
    match tokio::task::spawn_blocking(move || store.record_by_offset(offset)).await {
        Ok(Some(record)) => ok(req).with_body(record),
        _ => reply(
            req,
            code::SYSTEM_ERROR,
            format!("can not find message by the offset, {offset}"),
        ),
    }
}

fn runtime_info(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let s = broker.store.stats();
    let (producers, consumers) = broker.clients.counts();
    let mut table = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        table.insert(k.to_owned(), v);
    };
    put(
        "brokerVersionDesc",
        format!("FerroMQ {}", env!("CARGO_PKG_VERSION")),
    );
    put(
        "brokerVersion",
        ferromq_protocol::command::version::CURRENT.to_string(),
    );
    put("bootTimestamp", broker.boot_timestamp.to_string());
    put(
        "runtime",
        format!("{} ms", now_ms() - broker.boot_timestamp),
    );
    put(
        "msgPutTotalTodayNow",
        broker
            .put_count
            .load(std::sync::atomic::Ordering::Relaxed)
            .to_string(),
    );
    put(
        "msgGetTotalTodayNow",
        broker
            .get_count
            .load(std::sync::atomic::Ordering::Relaxed)
            .to_string(),
    );
    put("commitLogMinOffset", s.commit_log_min_offset.to_string());
    put("commitLogMaxOffset", s.commit_log_max_offset.to_string());
    put(
        "commitLogDiskRatio",
        format!("{:.4}", s.disk_used_percent / 100.0),
    );
    put(
        "dispatchBehindBytes",
        s.commit_log_max_offset
            .saturating_sub(s.dispatched_offset)
            .to_string(),
    );
    put("brokerActive", "true".to_owned());
    put("producerConnections", producers.to_string());
    put("consumerConnections", consumers.to_string());
    put("heldPullRequests", broker.holds.len().to_string());
    put(
        "storePoisoned",
        s.poisoned.clone().unwrap_or_else(|| "false".to_owned()),
    );
    put("storeDiskFull", s.disk_full.to_string());
    ok(req).with_body(json::encode(&KvTable { table }))
}

fn topic_stats(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<TopicRequestHeader>());
    let Some(tc) = broker.topics.get(&h.topic) else {
        return reply(
            req,
            code::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist", h.topic),
        );
    };
    let mut stats = TopicStatsTable::default();
    for q in 0..tc.read_queue_nums.max(tc.write_queue_nums) {
        let max = broker.store.max_offset_in_queue(&h.topic, q);
        let last = if max > 0 {
            broker
                .store
                .message_store_time(&h.topic, q, max - 1)
                .unwrap_or(0)
        } else {
            0
        };
        stats.offset_table.insert(
            MessageQueue::new(h.topic.clone(), broker.config.broker_name.clone(), q),
            TopicOffset {
                min_offset: broker.store.min_offset_in_queue(&h.topic, q),
                max_offset: max,
                last_update_timestamp: last,
            },
        );
    }
    ok(req).with_body(stats.encode())
}

fn consume_stats(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<GetConsumeStatsRequestHeader>());
    let group = &h.consumer_group;
    let mut topics: Vec<String> = match h.topic.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => vec![t.to_owned()],
        None => {
            let mut t = broker.offsets.topics_of_group(group);
            if let Some(info) = broker.clients.consumer_group(group) {
                t.extend(info.subscriptions.keys().cloned());
            }
            t
        }
    };
    topics.sort();
    topics.dedup();
    let mut stats = ConsumeStats::default();
    for topic in topics {
        let Some(tc) = broker.topics.get(&topic) else {
            continue;
        };
        let committed = broker.offsets.of(group, &topic);
        for q in 0..tc.read_queue_nums {
            let broker_offset = broker.store.max_offset_in_queue(&topic, q);
            let consumer_offset = committed.get(&q).copied().unwrap_or(0).max(0);
            let last = if consumer_offset > 0 {
                broker
                    .store
                    .message_store_time(&topic, q, consumer_offset - 1)
                    .unwrap_or(0)
            } else {
                0
            };
            stats.offset_table.insert(
                MessageQueue::new(topic.clone(), broker.config.broker_name.clone(), q),
                OffsetWrapper {
                    broker_offset,
                    consumer_offset,
                    pull_offset: consumer_offset,
                    last_timestamp: last,
                },
            );
        }
    }
    ok(req).with_body(stats.encode())
}

fn broker_config(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let c = &broker.config;
    let s = &c.store;
    let lines = [
        ("brokerClusterName", c.broker_cluster_name.clone()),
        ("brokerName", c.broker_name.clone()),
        ("brokerId", c.broker_id.to_string()),
        ("brokerIP1", c.broker_ip1.clone()),
        ("listenPort", c.listen_port.to_string()),
        ("namesrvAddr", c.namesrv_addr.clone().unwrap_or_default()),
        ("brokerRole", c.broker_role().name().to_owned()),
        ("brokerPermission", c.broker_permission.to_string()),
        (
            "autoCreateTopicEnable",
            c.auto_create_topic_enable.to_string(),
        ),
        (
            "autoCreateSubscriptionGroup",
            c.auto_create_subscription_group.to_string(),
        ),
        (
            "defaultTopicQueueNums",
            c.default_topic_queue_nums.to_string(),
        ),
        (
            "storePathRootDir",
            s.store_path_root_dir.display().to_string(),
        ),
        (
            "storePathCommitLog",
            s.commit_log_dir().display().to_string(),
        ),
        (
            "flushDiskType",
            match s.flush_disk_type {
                ferromq_engine::FlushDiskType::AsyncFlush => "ASYNC_FLUSH",
                ferromq_engine::FlushDiskType::SyncFlush => "SYNC_FLUSH",
            }
            .to_owned(),
        ),
        (
            "mappedFileSizeCommitLog",
            s.mapped_file_size_commit_log.to_string(),
        ),
        (
            "mappedFileSizeConsumeQueue",
            s.mapped_file_size_consume_queue.to_string(),
        ),
        ("maxMessageSize", s.max_message_size.to_string()),
        ("fileReservedTime", s.file_reserved_time.to_string()),
        ("deleteWhen", s.delete_when.clone()),
        ("messageDelayLevel", s.message_delay_level.clone()),
        ("longPollingEnable", c.long_polling_enable.to_string()),
        ("slaveReadEnable", c.slave_read_enable.to_string()),
    ];
    let body: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    ok(req).with_body(body.into_bytes())
}
