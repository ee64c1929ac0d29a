//! SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE (spec §3.1–3.3) and
//! CONSUMER_SEND_MSG_BACK (§11.2).
//!
//! Checks run in the order of spec §3.2. The store append itself is a short memory copy done on
//! the calling task (CommitLog files are created ahead of time by the engine's allocator
//! thread, so an append does not wait for the disk); only the durability handle is awaited,
//! asynchronously. SEND_OK is answered only when the flush mode's promise holds.

use std::sync::Arc;

use bytes::Bytes;
use ferromq_engine::record::{self, property, sysflag, Properties, RecordView};
use ferromq_engine::{transaction, DurabilityError, Error as StoreError, Message, MessageStore};
use ferromq_protocol::body::common::{perm, TopicFilterType};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    ConsumerSendMsgBackRequestHeader, SendMessageRequestHeader, SendMessageResponseHeader,
    MSG_REGION_EXT_FIELD, TRACE_ON_EXT_FIELD,
};
use ferromq_protocol::RemotingCommand;

use super::{parse_or_reply, reply};
use crate::broker::Broker;
use crate::connection::Channel;
use crate::topics::{self, DLQ_PREFIX, RETRY_PREFIX};

const PROPERTY_RETRY_TOPIC: &str = "RETRY_TOPIC";
const PROPERTY_ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";

/// A small per-request random number (queue choice), without a RNG dependency.
fn random_below(n: i32) -> i32 {
    if n <= 1 {
        return 0;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = u64::from(nanos) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x % n as u64) as i32
}

/// Map a store failure to RocketMQ's response code.
pub(crate) fn store_error_reply(req: &RemotingCommand, e: &StoreError) -> RemotingCommand {
    match e {
        StoreError::DiskFull(_)
        | StoreError::Poisoned(_)
        | StoreError::Closed
        | StoreError::Slave => reply(
            req,
            code::SERVICE_NOT_AVAILABLE,
            format!("service not available now, the store refuses writes: {e}"),
        ),
        StoreError::MessageTooLarge { .. } | StoreError::InvalidArgument(_) => {
            reply(req, code::MESSAGE_ILLEGAL, e.to_string())
        }
        _ => reply(req, code::SYSTEM_ERROR, e.to_string()),
    }
}

/// Decode a SEND_BATCH_MESSAGE body (spec §3.3) into (flag, body, properties) entries.
fn decode_batch(body: &[u8]) -> Result<Vec<(i32, Bytes, String)>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = body
            .get(*pos..pos.checked_add(n).ok_or("length overflow")?)
            .ok_or_else(|| format!("batch body truncated at byte {pos}"))?;
        *pos += n;
        Ok(s)
    };
    while pos < body.len() {
        let start = pos;
        let total = i32::from_be_bytes(take(&mut pos, 4)?.try_into().map_err(|_| "bad size")?);
        let _magic = take(&mut pos, 4)?;
        let _crc = take(&mut pos, 4)?;
        let flag = i32::from_be_bytes(take(&mut pos, 4)?.try_into().map_err(|_| "bad flag")?);
        let len = i32::from_be_bytes(take(&mut pos, 4)?.try_into().map_err(|_| "bad length")?);
        let len = usize::try_from(len).map_err(|_| "negative body length")?;
        let b = Bytes::copy_from_slice(take(&mut pos, len)?);
        let plen = i16::from_be_bytes(take(&mut pos, 2)?.try_into().map_err(|_| "bad length")?);
        let plen = usize::try_from(plen).map_err(|_| "negative properties length")?;
        let props = std::str::from_utf8(take(&mut pos, plen)?)
            .map_err(|_| "properties are not UTF-8")?
            .to_owned();
        if usize::try_from(total).ok() != Some(pos - start) {
            return Err(format!(
                "batch entry at byte {start} says {total} bytes, has {}",
                pos - start
            ));
        }
        out.push((flag, b, props));
    }
    Ok(out)
}

/// SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE.
pub async fn send(
    broker: &Arc<Broker>,
    channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    let h = parse_or_reply!(req, SendMessageRequestHeader::from_command(req));
    if let Err(why) = topics::validate_topic_name(&h.topic) {
        return reply(req, code::INVALID_PARAMETER, why);
    }
    if topics::is_send_forbidden(&h.topic) {
        return reply(
            req,
            code::NO_PERMISSION,
            format!("Sending message to topic[{}] is forbidden.", h.topic),
        );
    }
    if !perm::is_writeable(broker.config.broker_permission) {
        return reply(
            req,
            code::NO_PERMISSION,
            format!(
                "the broker[{}] sending message is forbidden",
                broker.config.broker_ip1
            ),
        );
    }
    let mut topic = h.topic.clone();
    let tc = match broker.topics.get(&topic) {
        Some(tc) => Some(tc),
        None if topic.starts_with(RETRY_PREFIX) => Some(broker.topics.get_or_create(&topic, 1)),
        None if broker.config.auto_create_topic_enable => broker.topics.create_from_template(
            &topic,
            &h.default_topic,
            h.default_topic_queue_nums,
            0,
        ),
        None => None,
    };
    let Some(tc) = tc else {
        return reply(
            req,
            code::TOPIC_NOT_EXIST,
            format!("topic[{topic}] not exist, apply first please! https://rocketmq.apache.org/docs/bestPractice/06FAQ"),
        );
    };
    if !perm::is_writeable(tc.perm) {
        return reply(
            req,
            code::NO_PERMISSION,
            format!("the topic[{topic}] sending message is forbidden"),
        );
    }
    let max_queue = tc.read_queue_nums.max(tc.write_queue_nums);
    let mut queue_id = h.queue_id;
    if queue_id >= max_queue {
        return reply(
            req,
            code::INVALID_PARAMETER,
            format!("request queueId[{queue_id}] is illegal, topic:[{topic}] topicConfig.writeQueueNums:[{}] topicConfig.readQueueNums:[{}]", tc.write_queue_nums, tc.read_queue_nums),
        );
    }
    if queue_id < 0 {
        queue_id = random_below(tc.write_queue_nums);
    }
    let mut props = Properties::parse(h.properties.as_deref().unwrap_or(""));
    let reconsume_times = h.reconsume_times.unwrap_or(0);
    if let Some(group) = topic.strip_prefix(RETRY_PREFIX).map(str::to_owned) {
        let Some(gc) = broker.groups.find_or_create(&group) else {
            return reply(
                req,
                code::SUBSCRIPTION_GROUP_NOT_EXIST,
                format!("subscription group not exist, {group}"),
            );
        };
        let max = match h.max_reconsume_times {
            Some(m) if req.version >= 121 => m,
            _ => gc.retry_max_times,
        };
        if reconsume_times > max || broker.clients.group_holds_locks(&group) {
            topic = format!("{DLQ_PREFIX}{group}");
            broker.topics.get_or_create(&topic, 1);
            queue_id = 0;
            props.insert(property::DELAY_TIME_LEVEL, "-1");
        }
    }
    if broker.is_slave() {
        return reply(
            req,
            code::SERVICE_NOT_AVAILABLE,
            "the broker is a slave and does not take writes",
        );
    }
    let prepared = props.get(property::TRANSACTION_PREPARED) == Some("true");
    if prepared && broker.config.reject_transaction_message {
        return reply(
            req,
            code::NO_PERMISSION,
            format!(
                "the broker[{}] sending transaction message is forbidden",
                broker.config.broker_ip1
            ),
        );
    }
    if prepared && req.code == request_code::SEND_BATCH_MESSAGE {
        return reply(
            req,
            code::MESSAGE_ILLEGAL,
            "batch messages cannot be transactional",
        );
    }
    let mut sys = h.sys_flag;
    if tc.topic_filter_type == TopicFilterType::MultiTag {
        sys |= sysflag::MULTI_TAGS;
    }
    let body = req.body.clone().unwrap_or_default();
    let cluster = broker.config.broker_cluster_name.clone();
    let mut messages = Vec::new();
    if req.code == request_code::SEND_BATCH_MESSAGE {
        if topic.starts_with(RETRY_PREFIX) {
            return reply(
                req,
                code::MESSAGE_ILLEGAL,
                "batch messages cannot be sent to retry topics",
            );
        }
        if body.len() > broker.config.store.max_message_size {
            return reply(
                req,
                code::MESSAGE_ILLEGAL,
                format!(
                    "the message body size over max value, MAX: {}",
                    broker.config.store.max_message_size
                ),
            );
        }
        let entries = match decode_batch(&body) {
            Ok(e) if !e.is_empty() => e,
            Ok(_) => return reply(req, code::MESSAGE_ILLEGAL, "empty batch"),
            Err(why) => return reply(req, code::MESSAGE_ILLEGAL, why),
        };
        for (flag, b, p) in entries {
            let mut p = Properties::parse(&p);
            if p.get(property::UNIQ_KEY).is_none() {
                p.insert(property::UNIQ_KEY, broker.new_uniq_key());
            }
            p.insert(property::CLUSTER, cluster.clone());
            messages.push(Message {
                topic: topic.clone(),
                queue_id,
                flag,
                body: b,
                properties: p,
                sysflag: sys,
                born_timestamp: h.born_timestamp,
                born_host: channel.remote,
                reconsume_times,
                prepared_transaction_offset: 0,
            });
        }
    } else {
        if body.is_empty() {
            return reply(req, code::MESSAGE_ILLEGAL, "the message body is empty");
        }
        if props.get(property::UNIQ_KEY).is_none() {
            props.insert(property::UNIQ_KEY, broker.new_uniq_key());
        }
        props.insert(property::CLUSTER, cluster);
        messages.push(Message {
            topic: topic.clone(),
            queue_id,
            flag: h.flag,
            body,
            properties: props,
            sysflag: sys,
            born_timestamp: h.born_timestamp,
            born_host: channel.remote,
            reconsume_times,
            prepared_transaction_offset: 0,
        });
    }
    if prepared {
        // Stored as a half message, invisible until END_TRANSACTION commits it (spec §10.2).
        for m in messages.iter_mut() {
            transaction::to_half(m);
        }
        queue_id = 0;
    }
    let uniq_keys: Vec<String> = messages
        .iter()
        .filter_map(|m| m.properties.get(property::UNIQ_KEY).map(str::to_owned))
        .collect();
    let count = messages.len() as u64;
    let put = if messages.len() == 1 {
        broker.store.put_message(messages.remove(0))
    } else {
        broker.store.put_messages(messages)
    };
    let put = match put {
        Ok(p) => p,
        Err(e) => return store_error_reply(req, &e),
    };
    let msg_id = if put.physical_offsets.len() > 1 {
        put.msg_ids()
    } else {
        put.msg_id()
    };
    let (queue_offset, durability, replication) =
        (put.queue_offset, put.durability, put.replication);
    let mut status = match durability.await {
        Ok(()) => code::SUCCESS,
        Err(DurabilityError::FlushTimeout) => code::FLUSH_DISK_TIMEOUT,
        Err(e) => {
            return reply(
                req,
                code::SERVICE_NOT_AVAILABLE,
                format!("the message could not be made durable: {e}"),
            );
        }
    };
    // SYNC_MASTER: the message is stored either way; the code says whether a slave has it.
    if let Some(replication) = replication {
        match replication.await {
            Ok(()) => {}
            Err(DurabilityError::SlaveNotAvailable) => status = code::SLAVE_NOT_AVAILABLE,
            Err(_) => {
                if status == code::SUCCESS {
                    status = code::FLUSH_SLAVE_TIMEOUT;
                }
            }
        }
    }
    broker
        .put_count
        .fetch_add(count, std::sync::atomic::Ordering::Relaxed);
    let header = SendMessageResponseHeader {
        msg_id,
        queue_id,
        queue_offset,
        transaction_id: (uniq_keys.len() == 1).then(|| uniq_keys[0].clone()),
        batch_uniq_id: None,
        recall_handle: None,
    };
    RemotingCommand::response_to(req, status)
        .with_header(&header)
        .with_ext_field(MSG_REGION_EXT_FIELD, broker.config.region_id.clone())
        .with_ext_field(TRACE_ON_EXT_FIELD, broker.config.trace_on.to_string())
}

/// CONSUMER_SEND_MSG_BACK: a consumer failed a message; store it again in the group's retry
/// topic, or in its dead-letter topic after `maxReconsumeTimes` (spec §11.2). Until delay
/// levels exist the retry is visible at once (it carries the `DELAY` level for later).
pub async fn send_back(
    broker: &Arc<Broker>,
    _channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<ConsumerSendMsgBackRequestHeader>());
    let Some(gc) = broker.groups.find_or_create(&h.group) else {
        return reply(
            req,
            code::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {}", h.group),
        );
    };
    if !perm::is_writeable(broker.config.broker_permission) || broker.is_slave() {
        return reply(req, code::NO_PERMISSION, "the broker does not take writes");
    }
    if gc.retry_queue_nums <= 0 {
        return super::ok(req);
    }
    let Some(stored) = broker.store.record_by_offset(h.offset) else {
        return reply(
            req,
            code::SYSTEM_ERROR,
            format!("look message by offset failed, {}", h.offset),
        );
    };
    let Ok(rec) = RecordView::decode(&stored, false) else {
        return reply(
            req,
            code::SYSTEM_ERROR,
            format!("look message by offset failed, {}", h.offset),
        );
    };
    let f = &rec.fields;
    let mut props = Properties::parse(f.properties);
    if props.get(PROPERTY_RETRY_TOPIC).is_none() {
        props.insert(PROPERTY_RETRY_TOPIC, f.topic);
    }
    if props.get(PROPERTY_ORIGIN_MESSAGE_ID).is_none() {
        let origin = h
            .origin_msg_id
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| record::offset_msg_id(f.store_host, f.physical_offset));
        props.insert(PROPERTY_ORIGIN_MESSAGE_ID, origin);
    }
    let max = match h.max_reconsume_times {
        Some(m) if req.version >= 121 => m,
        _ => gc.retry_max_times,
    };
    let (topic, queue_id) = if f.reconsume_times >= max || h.delay_level < 0 {
        let dlq = format!("{DLQ_PREFIX}{}", h.group);
        broker.topics.get_or_create(&dlq, 1);
        props.remove(property::DELAY_TIME_LEVEL);
        (dlq, 0)
    } else {
        let retry = format!("{RETRY_PREFIX}{}", h.group);
        let tc = broker.topics.get_or_create(&retry, gc.retry_queue_nums);
        let level = if h.delay_level == 0 {
            3 + f.reconsume_times
        } else {
            h.delay_level
        };
        props.insert(property::DELAY_TIME_LEVEL, level.min(18).to_string());
        (retry, random_below(tc.write_queue_nums))
    };
    let msg = Message {
        topic,
        queue_id,
        flag: f.flag,
        body: Bytes::copy_from_slice(f.body),
        properties: props,
        sysflag: f.sysflag,
        born_timestamp: f.born_timestamp,
        born_host: f.born_host,
        reconsume_times: f.reconsume_times + 1,
        prepared_transaction_offset: 0,
    };
    match broker.store.put_message(msg) {
        Ok(put) => match put.durability.await {
            Ok(()) => super::ok(req),
            Err(e) => reply(req, code::SYSTEM_ERROR, e.to_string()),
        },
        Err(e) => reply(req, code::SYSTEM_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_batch_body() {
        let mut body = Vec::new();
        for (i, text) in ["one", "two"].iter().enumerate() {
            let props = format!("KEYS\u{1}k{i}\u{2}");
            let total = 20 + text.len() + 2 + props.len();
            body.extend_from_slice(&(total as i32).to_be_bytes());
            body.extend_from_slice(&[0; 8]);
            body.extend_from_slice(&(i as i32).to_be_bytes());
            body.extend_from_slice(&(text.len() as i32).to_be_bytes());
            body.extend_from_slice(text.as_bytes());
            body.extend_from_slice(&(props.len() as i16).to_be_bytes());
            body.extend_from_slice(props.as_bytes());
        }
        let entries = decode_batch(&body).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0, 1);
        assert_eq!(&entries[1].1[..], b"two");
        assert_eq!(entries[1].2, "KEYS\u{1}k1\u{2}");
        assert!(decode_batch(&body[..body.len() - 1]).is_err());
    }
}
