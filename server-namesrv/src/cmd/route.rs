//! Route queries and topic admin: GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO,
//! GET_ALL_TOPIC_LIST_FROM_NAMESERVER, GET_TOPICS_BY_CLUSTER, DELETE_TOPIC_IN_NAMESRV.
//!
//! Route data is always written as standard JSON (quoted `brokerAddrs` keys), which every
//! known client accepts, whatever the request's version (spec §3.19).

use ferromq_protocol::body::TopicList;
use ferromq_protocol::code::response_code;
use ferromq_protocol::header::{
    DeleteTopicFromNamesrvRequestHeader, GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};
use tracing::info;

use super::broker::NAMESPACE_ORDER_TOPIC_CONFIG;
use super::{success, CmdError, CmdResult, Context};

pub(super) fn get_route_info(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: GetRouteInfoRequestHeader = req.decode_header()?;
    let Some(mut route) = ctx.shared.routes.topic_route(&h.topic) else {
        return Err(CmdError::Reply(
            response_code::TOPIC_NOT_EXIST,
            format!(
                "No topic route info in name server for the topic: {}",
                h.topic
            ),
        ));
    };
    if ctx.shared.config.order_message_enable {
        route.order_topic_conf = ctx.shared.kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, &h.topic);
    }
    Ok(success(req).with_body(json::encode(&route)))
}

pub(super) fn get_cluster_info(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    Ok(success(req).with_body(json::encode(&ctx.shared.routes.cluster_info())))
}

fn disabled() -> CmdError {
    CmdError::Reply(response_code::SYSTEM_ERROR, "disable".into())
}

pub(super) fn get_all_topic_list(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    if !ctx.shared.config.enable_all_topic_list {
        return Err(disabled());
    }
    let list = TopicList {
        topic_list: ctx.shared.routes.all_topics(),
        broker_addr: None,
    };
    Ok(success(req).with_body(json::encode(&list)))
}

pub(super) fn get_topics_by_cluster(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    if !ctx.shared.config.enable_topic_list {
        return Err(disabled());
    }
    let h: GetTopicsByClusterRequestHeader = req.decode_header()?;
    let list = TopicList {
        topic_list: ctx.shared.routes.topics_by_cluster(&h.cluster),
        broker_addr: None,
    };
    Ok(success(req).with_body(json::encode(&list)))
}

pub(super) fn delete_topic(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: DeleteTopicFromNamesrvRequestHeader = req.decode_header()?;
    let removed = ctx
        .shared
        .routes
        .delete_topic(&h.topic, h.cluster_name.as_deref());
    info!(topic = %h.topic, cluster = ?h.cluster_name, removed, peer = %ctx.peer, "topic deleted");
    Ok(success(req))
}
