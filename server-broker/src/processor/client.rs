//! HEART_BEAT, UNREGISTER_CLIENT, GET_CONSUMER_LIST_BY_GROUP, LOCK_BATCH_MQ, UNLOCK_BATCH_MQ
//! (spec §3.6–3.8, §3.13).

use std::sync::Arc;
use std::time::Instant;

use ferromq_protocol::body::client::{
    GetConsumerListByGroupResponseBody, HeartbeatData, LockBatchRequestBody, LockBatchResponseBody,
    MessageModel,
};
use ferromq_protocol::code::response_code as code;
use ferromq_protocol::header::{
    GetConsumerListByGroupRequestHeader, UnregisterClientRequestHeader, IS_SUB_CHANGE_EXT_FIELD,
    IS_SUPPORT_HEART_BEAT_V2_EXT_FIELD,
};
use ferromq_protocol::{json, RemotingCommand};

use super::{ok, parse_or_reply, reply};
use crate::broker::Broker;
use crate::clients::ClientInfo;
use crate::connection::Channel;
use crate::topics::RETRY_PREFIX;

/// HEART_BEAT: register producers and consumers of this connection; tell a consumer group's
/// members when the group changed.
pub fn heartbeat(
    broker: &Arc<Broker>,
    channel: &Arc<Channel>,
    req: &RemotingCommand,
) -> RemotingCommand {
    let data: HeartbeatData = parse_or_reply!(req, json::decode(req.body_bytes()));
    let info = |client_id: &str| ClientInfo {
        client_id: client_id.to_owned(),
        language: req.language.name().to_owned(),
        version: req.version,
        channel: channel.clone(),
        last_update: Instant::now(),
    };
    let mut any_change = false;
    for c in &data.consumer_data_set {
        let Some(gc) = broker.groups.find_or_create(&c.group_name) else {
            tracing::warn!(group = %c.group_name, "heartbeat for an unknown subscription group; ignored");
            continue;
        };
        broker.topics.get_or_create(
            &format!("{RETRY_PREFIX}{}", c.group_name),
            gc.retry_queue_nums.max(1),
        );
        let changed = broker.clients.register_consumer(c, info(&data.client_id));
        if changed {
            any_change = true;
            tracing::info!(group = %c.group_name, client = %data.client_id, "consumer group changed");
            if c.message_model == MessageModel::Clustering {
                broker.notify_consumer_ids_changed(&c.group_name);
            }
        }
    }
    for p in &data.producer_data_set {
        broker
            .clients
            .register_producer(&p.group_name, info(&data.client_id));
    }
    ok(req)
        .with_ext_field(IS_SUPPORT_HEART_BEAT_V2_EXT_FIELD, "true")
        .with_ext_field(
            IS_SUB_CHANGE_EXT_FIELD,
            if any_change || data.heartbeat_fingerprint.is_none() {
                "true"
            } else {
                "false"
            },
        )
}

/// UNREGISTER_CLIENT.
pub fn unregister(
    broker: &Arc<Broker>,
    channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<UnregisterClientRequestHeader>());
    let changed = broker.clients.unregister(
        channel.id,
        h.producer_group.as_deref().filter(|s| !s.is_empty()),
        h.consumer_group.as_deref().filter(|s| !s.is_empty()),
    );
    for g in changed {
        broker.notify_consumer_ids_changed(&g);
    }
    ok(req)
}

/// GET_CONSUMER_LIST_BY_GROUP.
pub fn consumer_list(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<GetConsumerListByGroupRequestHeader>()
    );
    let ids = broker.clients.consumer_ids(&h.consumer_group);
    if ids.is_empty() {
        return reply(
            req,
            code::SYSTEM_ERROR,
            format!("no consumer for this group, {}", h.consumer_group),
        );
    }
    ok(req).with_body(json::encode(&GetConsumerListByGroupResponseBody {
        consumer_id_list: ids,
    }))
}

/// LOCK_BATCH_MQ.
pub fn lock_batch(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let body: LockBatchRequestBody = parse_or_reply!(req, json::decode(req.body_bytes()));
    let locked = broker
        .clients
        .lock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
    ok(req).with_body(json::encode(&LockBatchResponseBody {
        lock_ok_mq_set: locked,
    }))
}

/// UNLOCK_BATCH_MQ.
pub fn unlock_batch(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let body: LockBatchRequestBody = parse_or_reply!(req, json::decode(req.body_bytes()));
    broker
        .clients
        .unlock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
    ok(req)
}
