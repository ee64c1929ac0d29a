//! Broker-facing commands: REGISTER_BROKER, UNREGISTER_BROKER, QUERY_DATA_VERSION,
//! BROKER_HEARTBEAT, and the admin commands WIPE/ADD_WRITE_PERM_OF_BROKER.

use std::time::Duration;

use ferromq_protocol::body::{DataVersion, KvTable, RegisterBrokerBody};
use ferromq_protocol::code::response_code;
use ferromq_protocol::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
    BrokerHeartbeatRequestHeader, QueryDataVersionRequestHeader, QueryDataVersionResponseHeader,
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnRegisterBrokerRequestHeader,
    WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader, ZONE_NAME_EXT_FIELD,
};
use ferromq_protocol::record::crc32;
use ferromq_protocol::{json, RemotingCommand};
use tokio::time::Instant;
use tracing::info;

use super::{success, CmdError, CmdResult, Context};
use crate::route::Registration;

/// KV namespace of order-topic configs, returned to registering brokers.
pub(crate) const NAMESPACE_ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

pub(super) fn register_broker(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    // Parse.
    let h: RegisterBrokerRequestHeader = req.decode_header()?;
    let body = req.body_bytes();
    let expected_crc = h.body_crc32.unwrap_or(0);
    // The header carries the masked CRC as a Java int; compare bit patterns.
    if expected_crc != 0 && crc32(body) != expected_crc as u32 {
        return Err(CmdError::Reply(
            response_code::SYSTEM_ERROR,
            "crc32 not match".into(),
        ));
    }
    let body = if body.is_empty() {
        RegisterBrokerBody::default()
    } else {
        RegisterBrokerBody::decode(body, h.compressed.unwrap_or(false), req.version)?
    };
    let timeout = h
        .heartbeat_timeout_millis
        .filter(|ms| *ms > 0)
        .map_or(ctx.shared.config.broker_channel_expired_time, |ms| {
            Duration::from_millis(ms.unsigned_abs())
        });
    let registration = Registration {
        cluster_name: h.cluster_name,
        broker_addr: h.broker_addr,
        broker_name: h.broker_name,
        broker_id: h.broker_id,
        ha_server_addr: h.ha_server_addr,
        zone_name: req.ext_fields.get(ZONE_NAME_EXT_FIELD).cloned(),
        timeout,
        enable_acting_master: h.enable_acting_master.unwrap_or(false),
        topics: body.topic_config_serialize_wrapper,
        filter_server_list: body.filter_server_list,
    };

    // Apply.
    info!(
        cluster = %registration.cluster_name,
        broker = %registration.broker_name,
        id = registration.broker_id,
        addr = %registration.broker_addr,
        topics = registration.topics.topic_config_table.len(),
        peer = %ctx.peer,
        "broker registered"
    );
    let result = ctx
        .shared
        .routes
        .register(registration, ctx.conn_id, Instant::now());
    let mut resp = success(req).with_header(&RegisterBrokerResponseHeader {
        ha_server_addr: result.ha_server_addr,
        master_addr: result.master_addr,
    });
    if ctx.shared.config.return_order_topic_config_to_broker {
        if let Some(table) = ctx.shared.kv.namespace(NAMESPACE_ORDER_TOPIC_CONFIG) {
            resp = resp.with_body(json::encode(&KvTable { table }));
        }
    }
    Ok(resp)
}

pub(super) fn unregister_broker(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: UnRegisterBrokerRequestHeader = req.decode_header()?;
    ctx.shared
        .routes
        .unregister(&h.cluster_name, &h.broker_addr, &h.broker_name, h.broker_id);
    info!(cluster = %h.cluster_name, broker = %h.broker_name, id = h.broker_id,
        addr = %h.broker_addr, "broker unregistered");
    Ok(success(req))
}

pub(super) fn query_data_version(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: QueryDataVersionRequestHeader = req.decode_header()?;
    let version: DataVersion = if req.body.is_some() {
        json::decode(req.body_bytes())?
    } else {
        DataVersion::default()
    };
    let routes = &ctx.shared.routes;
    let (changed, stored) = routes.data_version_changed(&h.cluster_name, &h.broker_addr, &version);
    routes.touch(&h.cluster_name, &h.broker_addr, Instant::now());
    let mut resp = success(req).with_header(&QueryDataVersionResponseHeader { changed });
    if let Some(stored) = stored {
        resp = resp.with_body(json::encode(&stored));
    }
    Ok(resp)
}

pub(super) fn broker_heartbeat(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: BrokerHeartbeatRequestHeader = req.decode_header()?;
    ctx.shared
        .routes
        .touch(&h.cluster_name, &h.broker_addr, Instant::now());
    Ok(success(req))
}

pub(super) fn wipe_write_perm(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: WipeWritePermOfBrokerRequestHeader = req.decode_header()?;
    let wipe_topic_count = ctx.shared.routes.wipe_write_perm(&h.broker_name);
    info!(broker = %h.broker_name, wipe_topic_count, peer = %ctx.peer, "write permission wiped");
    Ok(success(req).with_header(&WipeWritePermOfBrokerResponseHeader { wipe_topic_count }))
}

pub(super) fn add_write_perm(ctx: &Context<'_>, req: &RemotingCommand) -> CmdResult {
    let h: AddWritePermOfBrokerRequestHeader = req.decode_header()?;
    let add_topic_count = ctx.shared.routes.add_write_perm(&h.broker_name);
    info!(broker = %h.broker_name, add_topic_count, peer = %ctx.peer, "write permission added");
    Ok(success(req).with_header(&AddWritePermOfBrokerResponseHeader { add_topic_count }))
}
