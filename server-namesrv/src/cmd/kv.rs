//! KV config commands: PUT_KV_CONFIG, GET_KV_CONFIG, DELETE_KV_CONFIG,
//! GET_KVLIST_BY_NAMESPACE.

use ferromq_protocol::body::KvTable;
use ferromq_protocol::code::response_code;
use ferromq_protocol::header::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};
use tracing::{error, info};

use super::{success, CmdError, CmdResult, Context};
use crate::error::NamesrvError;

fn persist_failed(e: NamesrvError) -> CmdError {
    // The change stays in memory; the caller learns it may not survive a restart.
    error!(%e, "persisting KV config failed");
    CmdError::Reply(response_code::SYSTEM_ERROR, e.to_string())
}

pub(super) async fn put(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: PutKvConfigRequestHeader = req.decode_header()?;
    ctx.shared
        .kv
        .put(&h.namespace, &h.key, &h.value)
        .await
        .map_err(persist_failed)?;
    info!(namespace = %h.namespace, key = %h.key, value = %h.value, peer = %ctx.peer, "KV config put");
    Ok(success(req))
}

pub(super) fn get(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: GetKvConfigRequestHeader = req.decode_header()?;
    match ctx.shared.kv.get(&h.namespace, &h.key) {
        Some(value) => {
            Ok(success(req).with_header(&GetKvConfigResponseHeader { value: Some(value) }))
        }
        None => Err(CmdError::Reply(
            response_code::QUERY_NOT_FOUND,
            format!("No config item, Namespace: {} Key: {}", h.namespace, h.key),
        )),
    }
}

pub(super) async fn delete(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: DeleteKvConfigRequestHeader = req.decode_header()?;
    let existed = ctx
        .shared
        .kv
        .delete(&h.namespace, &h.key)
        .await
        .map_err(persist_failed)?;
    info!(namespace = %h.namespace, key = %h.key, existed, peer = %ctx.peer, "KV config deleted");
    Ok(success(req))
}

pub(super) fn list_namespace(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: GetKvListByNamespaceRequestHeader = req.decode_header()?;
    match ctx.shared.kv.namespace(&h.namespace) {
        Some(table) => Ok(success(req).with_body(json::encode(&KvTable { table }))),
        None => Err(CmdError::Reply(
            response_code::QUERY_NOT_FOUND,
            format!("No config item, Namespace: {}", h.namespace),
        )),
    }
}
