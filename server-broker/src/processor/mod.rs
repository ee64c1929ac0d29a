//! Request processors, one module per command family. Each parses its header and body
//! (a malformed one is answered, never panicked on), applies the request, and builds the
//! response. [`process`] routes by request code; unknown codes get REQUEST_CODE_NOT_SUPPORTED.

use std::sync::Arc;

use ferromq_protocol::code::{request_code as rc, response_code};
use ferromq_protocol::RemotingCommand;

use crate::broker::Broker;
use crate::connection::Channel;

pub mod admin;
pub mod client;
pub mod offset;
pub mod pull;
pub mod send;

/// A response with a code and a remark.
pub(crate) fn reply(
    req: &RemotingCommand,
    code: i32,
    remark: impl Into<String>,
) -> RemotingCommand {
    RemotingCommand::response_to(req, code).with_remark(remark)
}

/// A SUCCESS response with no header.
pub(crate) fn ok(req: &RemotingCommand) -> RemotingCommand {
    RemotingCommand::response_to(req, response_code::SUCCESS)
}

/// Unwrap a parse result or return the SYSTEM_ERROR response Java gives for a bad header.
macro_rules! parse_or_reply {
    ($req:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(err) => {
                return $crate::processor::reply(
                    $req,
                    ferromq_protocol::code::response_code::SYSTEM_ERROR,
                    err.to_string(),
                )
            }
        }
    };
}
pub(crate) use parse_or_reply;

/// Handle one request; `None` when there is nothing to send back.
pub async fn process(
    broker: &Arc<Broker>,
    channel: &Arc<Channel>,
    req: RemotingCommand,
) -> Option<RemotingCommand> {
    let resp = match req.code {
        rc::SEND_MESSAGE | rc::SEND_MESSAGE_V2 | rc::SEND_BATCH_MESSAGE => {
            send::send(broker, channel, &req).await
        }
        rc::CONSUMER_SEND_MSG_BACK => send::send_back(broker, channel, &req).await,
        rc::PULL_MESSAGE | rc::LITE_PULL_MESSAGE => pull::pull(broker, &req).await,
        rc::QUERY_CONSUMER_OFFSET => offset::query(broker, &req),
        rc::UPDATE_CONSUMER_OFFSET => offset::update(broker, &req),
        rc::GET_ALL_CONSUMER_OFFSET => offset::get_all(broker, &req),
        rc::HEART_BEAT => client::heartbeat(broker, channel, &req),
        rc::UNREGISTER_CLIENT => client::unregister(broker, channel, &req),
        rc::GET_CONSUMER_LIST_BY_GROUP => client::consumer_list(broker, &req),
        rc::LOCK_BATCH_MQ => client::lock_batch(broker, &req),
        rc::UNLOCK_BATCH_MQ => client::unlock_batch(broker, &req),
        rc::CHECK_CLIENT_CONFIG => ok(&req),
        rc::END_TRANSACTION => return crate::transactions::end_transaction(broker, &req).await,
        code => match admin::process(broker, &req).await {
            Some(r) => r,
            None => {
                tracing::debug!(code, "unsupported request code");
                reply(
                    &req,
                    response_code::REQUEST_CODE_NOT_SUPPORTED,
                    format!(" request type {code} not supported"),
                )
            }
        },
    };
    Some(resp)
}
