//! QUERY_CONSUMER_OFFSET, UPDATE_CONSUMER_OFFSET, GET_ALL_CONSUMER_OFFSET (spec §3.5, §12.1).

use std::sync::Arc;

use ferromq_engine::{GetStatus, MessageStore};
use ferromq_protocol::code::response_code as code;
use ferromq_protocol::header::{
    QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::RemotingCommand;

use super::{ok, parse_or_reply, reply};
use crate::broker::Broker;

/// QUERY_CONSUMER_OFFSET. A group without a stored offset gets 0 when the queue still starts
/// at 0 and its first message is hot (so a new group reads recent data from the start), else
/// QUERY_NOT_FOUND and the client applies its ConsumeFromWhere.
pub fn query(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(req, req.decode_header::<QueryConsumerOffsetRequestHeader>());
    let answer = |offset: i64| {
        RemotingCommand::response_to(req, code::SUCCESS)
            .with_header(&QueryConsumerOffsetResponseHeader { offset })
    };
    if let Some(offset) = broker
        .offsets
        .query(&h.consumer_group, &h.topic, h.queue_id)
        .filter(|o| *o >= 0)
    {
        return answer(offset);
    }
    if h.set_zero_if_not_found == Some(false) {
        return reply(
            req,
            code::QUERY_NOT_FOUND,
            "Not found, do not set to zero, maybe this group boot first",
        );
    }
    let min = broker.store.min_offset_in_queue(&h.topic, h.queue_id);
    if min <= 0 {
        let first = broker
            .store
            .get_message(&h.topic, h.queue_id, 0, 1, 0, None);
        if first.status == GetStatus::Found && !first.suggest_pulling_from_slave {
            return answer(0);
        }
    }
    reply(
        req,
        code::QUERY_NOT_FOUND,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
    )
}

/// UPDATE_CONSUMER_OFFSET (usually oneway).
pub fn update(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    let h = parse_or_reply!(
        req,
        req.decode_header::<UpdateConsumerOffsetRequestHeader>()
    );
    broker
        .offsets
        .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    ok(req)
}

/// GET_ALL_CONSUMER_OFFSET: the consumerOffset.json content.
pub fn get_all(broker: &Arc<Broker>, req: &RemotingCommand) -> RemotingCommand {
    ok(req).with_body(broker.offsets.encode())
}
