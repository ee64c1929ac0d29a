//! PULL_MESSAGE and LITE_PULL_MESSAGE (spec §3.4, §12.3–12.5), with long polling.
//!
//! Reading from the store may fault in cold pages, so it runs on the blocking pool. A pull that
//! finds nothing and carries the SUSPEND bit is held (see [`crate::holds`]) until a matching
//! message is dispatched or `suspendTimeoutMillis` passes, then run once more without
//! suspension; its answer carries the original opaque.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ferromq_engine::{GetStatus, MessageStore, TagFilter};
use ferromq_protocol::body::client::MessageModel;
use ferromq_protocol::body::common::perm;
use ferromq_protocol::code::response_code as code;
use ferromq_protocol::header::{PullMessageRequestHeader, PullMessageResponseHeader};
use ferromq_protocol::RemotingCommand;

use super::{parse_or_reply, reply};
use crate::broker::Broker;

/// Pull sysflag bits (`PullSysFlag`).
pub mod pull_flag {
    /// Store `commitOffset` as the group's offset.
    pub const COMMIT_OFFSET: i32 = 0x1;
    /// Long polling allowed.
    pub const SUSPEND: i32 = 0x2;
    /// The request's subscription is authoritative.
    pub const SUBSCRIPTION: i32 = 0x4;
    /// Legacy class filter.
    pub const CLASS_FILTER: i32 = 0x8;
    /// From a lite pull consumer.
    pub const LITE_PULL: i32 = 0x10;
}

/// Upper bound of a hold: clients time out suspended pulls after 30 s.
const MAX_SUSPEND: Duration = Duration::from_secs(29);

/// PULL_MESSAGE / LITE_PULL_MESSAGE.
pub async fn pull(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<PullMessageRequestHeader>());
    if !perm::is_readable(broker.config.broker_permission) {
        return reply(
            req,
            code::NO_PERMISSION,
            format!(
                "the broker[{}] pulling message is forbidden",
                broker.config.broker_ip1
            ),
        );
    }
    let Some(gc) = broker.groups.find_or_create(&h.consumer_group) else {
        return reply(
            req,
            code::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group [{}] does not exist", h.consumer_group),
        );
    };
    if !gc.consume_enable {
        return reply(
            req,
            code::NO_PERMISSION,
            format!("subscription group no permission, {}", h.consumer_group),
        );
    }
    // A slave may hold replicated queues of a topic its metadata copy has not seen yet.
    let tc = broker.topics.get(&h.topic).or_else(|| {
        let ids = if broker.is_slave() {
            broker.store.queue_ids(&h.topic)
        } else {
            Vec::new()
        };
        ids.last()
            .map(|max| ferromq_protocol::body::common::TopicConfig::new(h.topic.clone(), max + 1))
    });
    let Some(tc) = tc else {
        return reply(
            req,
            code::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist, apply first please!", h.topic),
        );
    };
    if !perm::is_readable(tc.perm) {
        return reply(
            req,
            code::NO_PERMISSION,
            format!("the topic[{}] pulling message is forbidden", h.topic),
        );
    }
    if h.queue_id < 0 || h.queue_id >= tc.read_queue_nums {
        return reply(
            req,
            code::INVALID_PARAMETER,
            format!(
                "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}]",
                h.queue_id, h.topic, tc.read_queue_nums
            ),
        );
    }
    let filter = if h.sys_flag & pull_flag::SUBSCRIPTION != 0 {
        match h.expression_type.as_deref() {
            None | Some("TAG") | Some("") => {
                TagFilter::parse(h.subscription.as_deref().unwrap_or("*"))
            }
            Some(other) => {
                return reply(
                    req,
                    code::SYSTEM_ERROR,
                    format!("The broker does not support consumer to filter message by {other}"),
                );
            }
        }
    } else {
        let Some(group) = broker.clients.consumer_group(&h.consumer_group) else {
            return reply(
                req,
                code::SUBSCRIPTION_NOT_EXIST,
                format!("the consumer's group info not exist, {}", h.consumer_group),
            );
        };
        if group.message_model == MessageModel::Broadcasting && !gc.consume_broadcast_enable {
            return reply(
                req,
                code::NO_PERMISSION,
                format!(
                    "the consumer group[{}] can not consume by broadcast way",
                    h.consumer_group
                ),
            );
        }
        let Some(sub) = group.subscriptions.get(&h.topic) else {
            return reply(
                req,
                code::SUBSCRIPTION_NOT_EXIST,
                format!("the consumer's subscription not exist, {}", h.topic),
            );
        };
        if sub.sub_version < h.sub_version {
            return reply(
                req,
                code::SUBSCRIPTION_NOT_LATEST,
                "the consumer's subscription not latest",
            );
        }
        if !(sub.expression_type.is_empty() || sub.expression_type == "TAG") {
            return reply(
                req,
                code::SYSTEM_ERROR,
                format!(
                    "The broker does not support consumer to filter message by {}",
                    sub.expression_type
                ),
            );
        }
        TagFilter::parse(&sub.sub_string)
    };
    let filter = Arc::new(filter);
    if h.sys_flag & pull_flag::COMMIT_OFFSET != 0 && !broker.is_slave() {
        broker
            .offsets
            .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    }
    let first = read(broker, &h, &filter, req).await;
    let suspend = h.sys_flag & pull_flag::SUSPEND != 0;
    if first.code != code::PULL_NOT_FOUND || !suspend {
        return first;
    }
    let hold_for = if broker.config.long_polling_enable {
        Duration::from_millis(h.suspend_timeout_millis.max(0) as u64).min(MAX_SUSPEND)
    } else {
        Duration::from_millis(broker.config.short_polling_time_mills)
    };
    let woken = broker
        .holds
        .hold(&h.topic, h.queue_id, h.queue_offset, filter.clone());
    // A message dispatched between the read and the hold would not wake us: look once more.
    if broker.store.max_offset_in_queue(&h.topic, h.queue_id) > h.queue_offset {
        return read(broker, &h, &filter, req).await;
    }
    let _ = tokio::time::timeout(hold_for, woken).await;
    read(broker, &h, &filter, req).await
}

async fn read(
    broker: &Arc<Broker>,
    h: &PullMessageRequestHeader,
    filter: &Arc<TagFilter>,
    req: &RemotingCommand,
) -> RemotingCommand {
    let store = broker.store.clone();
    let (topic, queue_id, offset) = (h.topic.clone(), h.queue_id, h.queue_offset);
    let max_count = h.max_msg_nums.max(1) as usize;
    let max_bytes = h.max_msg_bytes.unwrap_or(0).max(0) as usize;
    let f = filter.clone();
    let result = tokio::task::spawn_blocking(move || {
        store.get_message(
            &topic,
            queue_id,
            offset,
            max_count,
            max_bytes,
            Some(f.as_ref()),
        )
    })
    .await;
    let r = match result {
        Ok(r) => r,
        Err(e) => return reply(req, code::SYSTEM_ERROR, format!("store read failed: {e}")),
    };
    let status_code = match r.status {
        GetStatus::Found => code::SUCCESS,
        GetStatus::NoMatchedMessage | GetStatus::MessageWasRemoving => code::PULL_RETRY_IMMEDIATELY,
        GetStatus::NoMatchedLogicQueue | GetStatus::NoMessageInQueue => {
            if h.queue_offset != 0 {
                code::PULL_OFFSET_MOVED
            } else {
                code::PULL_NOT_FOUND
            }
        }
        GetStatus::OffsetFoundNull | GetStatus::OffsetOverflowOne => code::PULL_NOT_FOUND,
        GetStatus::OffsetOverflowBadly | GetStatus::OffsetTooSmall => code::PULL_OFFSET_MOVED,
    };
    let suggest = if broker.config.slave_read_enable && r.suggest_pulling_from_slave {
        broker
            .groups
            .get(&h.consumer_group)
            .map_or(1, |g| g.which_broker_when_consume_slowly)
    } else {
        0
    };
    let header = PullMessageResponseHeader {
        suggest_which_broker_id: suggest,
        next_begin_offset: r.next_begin_offset,
        min_offset: r.min_offset,
        max_offset: r.max_offset,
        offset_delta: None,
        topic_sys_flag: None,
        group_sys_flag: None,
        forbidden_type: None,
    };
    let mut resp = RemotingCommand::response_to(req, status_code)
        .with_header(&header)
        .with_remark(r.status.name());
    if r.status == GetStatus::Found {
        broker.get_count.fetch_add(
            r.messages.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let body: Bytes = if r.messages.len() == 1 {
            r.messages[0].clone()
        } else {
            let mut b = BytesMut::with_capacity(r.total_bytes());
            for m in &r.messages {
                b.extend_from_slice(m);
            }
            b.freeze()
        };
        resp = resp.with_body(body);
    }
    resp
}
