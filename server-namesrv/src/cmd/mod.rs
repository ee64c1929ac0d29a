//! Request dispatch: one module per command family, each command a parse step (typed header
//! and body) and an apply step (against the registry or the KV store).
//!
//! Every request gets exactly one response (the caller drops it for oneway requests): a
//! missing or malformed header field is SYSTEM_ERROR with Java's remark, an unknown code is
//! REQUEST_CODE_NOT_SUPPORTED with remark `" request type <code> not supported"`.

use std::net::SocketAddr;

use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::{BodyError, HeaderError, RemotingCommand};

use crate::route::ConnId;
use crate::server::Shared;

mod broker;
mod kv;
mod route;

/// What a command needs to know about where it came from.
pub(crate) struct Context<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) conn_id: ConnId,
    pub(crate) peer: SocketAddr,
}

/// Why a command failed; every variant becomes a response code and remark.
#[derive(Debug)]
pub(crate) enum CmdError {
    Header(HeaderError),
    Body(BodyError),
    /// Any other failure, answered with this code and remark.
    Reply(i32, String),
}

impl From<HeaderError> for CmdError {
    fn from(e: HeaderError) -> Self {
        CmdError::Header(e)
    }
}

impl From<BodyError> for CmdError {
    fn from(e: BodyError) -> Self {
        CmdError::Body(e)
    }
}

pub(crate) type CmdResult = Result<RemotingCommand, CmdError>;

pub(crate) async fn dispatch(ctx: &Context<'_>, req: &RemotingCommand) -> RemotingCommand {
    let result = match req.code {
        request_code::REGISTER_BROKER => broker::register_broker(ctx, req),
        request_code::UNREGISTER_BROKER => broker::unregister_broker(ctx, req),
        request_code::QUERY_DATA_VERSION => broker::query_data_version(ctx, req),
        request_code::BROKER_HEARTBEAT => broker::broker_heartbeat(ctx, req),
        request_code::WIPE_WRITE_PERM_OF_BROKER => broker::wipe_write_perm(ctx, req),
        request_code::ADD_WRITE_PERM_OF_BROKER => broker::add_write_perm(ctx, req),
        request_code::GET_ROUTEINFO_BY_TOPIC => route::get_route_info(ctx, req),
        request_code::GET_BROKER_CLUSTER_INFO => route::get_cluster_info(ctx, req),
        request_code::GET_ALL_TOPIC_LIST_FROM_NAMESERVER => route::get_all_topic_list(ctx, req),
        request_code::GET_TOPICS_BY_CLUSTER => route::get_topics_by_cluster(ctx, req),
        request_code::DELETE_TOPIC_IN_NAMESRV => route::delete_topic(ctx, req),
        request_code::PUT_KV_CONFIG => kv::put(ctx, req).await,
        request_code::GET_KV_CONFIG => kv::get(ctx, req),
        request_code::DELETE_KV_CONFIG => kv::delete(ctx, req).await,
        request_code::GET_KVLIST_BY_NAMESPACE => kv::list_namespace(ctx, req),
        code => Err(CmdError::Reply(
            response_code::REQUEST_CODE_NOT_SUPPORTED,
            format!(" request type {code} not supported"),
        )),
    };
    result.unwrap_or_else(|err| {
        let (code, remark) = match err {
            CmdError::Header(e) => (response_code::SYSTEM_ERROR, e.remark()),
            CmdError::Body(e) => (response_code::SYSTEM_ERROR, e.to_string()),
            CmdError::Reply(code, remark) => (code, remark),
        };
        tracing::debug!(request = req.code, code, %remark, peer = %ctx.peer, "request failed");
        RemotingCommand::response_to(req, code).with_remark(remark)
    })
}

/// A SUCCESS response to `req`.
pub(crate) fn success(req: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(req, response_code::SUCCESS)
}
