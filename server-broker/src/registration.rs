//! Registration with the name servers (spec §14.2).
//!
//! The broker keeps one connection to each name server (a name server unregisters a broker
//! whose connection closes) and sends REGISTER_BROKER with its whole topic table at start,
//! every `registerNameServerPeriod`, and at once when a topic changes. On shutdown it sends
//! UNREGISTER_BROKER. A name server that is down is retried on the next round.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ferromq_protocol::body::register::{RegisterBrokerBody, TopicConfigSerializeWrapper};
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::command::version;
use ferromq_protocol::header::{
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnRegisterBrokerRequestHeader,
};
use ferromq_protocol::{RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio_util::codec::Framed;

use crate::broker::Broker;

const CALL_TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) type Conn = Framed<TcpStream, RemotingCodec>;

pub(crate) async fn call(
    conn: &mut Conn,
    req: RemotingCommand,
) -> std::io::Result<RemotingCommand> {
    let opaque = req.opaque;
    conn.send(req).await.map_err(std::io::Error::other)?;
    let wait = async {
        while let Some(frame) = conn.next().await {
            let frame = frame.map_err(std::io::Error::other)?;
            if frame.is_response() && frame.opaque == opaque {
                return Ok(frame);
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "name server closed the connection",
        ))
    };
    tokio::time::timeout(CALL_TIMEOUT, wait)
        .await
        .map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::TimedOut, "name server did not answer")
        })?
}

fn register_request(broker: &Broker) -> RemotingCommand {
    let (table, data_version) = broker.topics.snapshot();
    let body = RegisterBrokerBody {
        topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
            data_version,
            topic_config_table: table,
            ..TopicConfigSerializeWrapper::default()
        },
        filter_server_list: Vec::new(),
    };
    let body = body.encode(false, version::CURRENT).unwrap_or_default();
    let c = &broker.config;
    let header = RegisterBrokerRequestHeader {
        broker_name: c.broker_name.clone(),
        broker_addr: c.broker_addr(),
        cluster_name: c.broker_cluster_name.clone(),
        ha_server_addr: broker.ha_server_addr(),
        broker_id: c.broker_id,
        heartbeat_timeout_millis: None,
        enable_acting_master: None,
        compressed: Some(false),
        body_crc32: Some(ferromq_protocol::record::crc32(&body) as i32),
    };
    RemotingCommand::request(request_code::REGISTER_BROKER)
        .with_opaque(broker.next_opaque())
        .with_header(&header)
        .with_body(body)
}

async fn register_all(broker: &Broker, conns: &mut HashMap<String, Conn>) {
    for addr in broker.config.namesrv_addrs() {
        if !conns.contains_key(&addr) {
            match tokio::time::timeout(CALL_TIMEOUT, TcpStream::connect(&addr)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    conns.insert(addr.clone(), Framed::new(s, RemotingCodec::new()));
                }
                Ok(Err(e)) => {
                    tracing::warn!(namesrv = %addr, error = %e, "cannot reach name server");
                    continue;
                }
                Err(_) => {
                    tracing::warn!(namesrv = %addr, "connecting to name server timed out");
                    continue;
                }
            }
        }
        let Some(conn) = conns.get_mut(&addr) else {
            continue;
        };
        match call(conn, register_request(broker)).await {
            Ok(resp) if resp.code == response_code::SUCCESS => {
                if let Ok(h) = resp.decode_header::<RegisterBrokerResponseHeader>() {
                    if broker.is_slave() {
                        learn_master(broker, h.master_addr, h.ha_server_addr);
                    }
                }
                tracing::debug!(namesrv = %addr, "registered");
            }
            Ok(resp) => {
                tracing::warn!(namesrv = %addr, code = resp.code, remark = ?resp.remark, "registration refused");
            }
            Err(e) => {
                tracing::warn!(namesrv = %addr, error = %e, "registration failed; reconnecting next round");
                conns.remove(&addr);
            }
        }
    }
}

/// A slave learns its master's addresses from the REGISTER_BROKER response (spec §13.1);
/// an explicit `haMasterAddress` wins for replication.
fn learn_master(broker: &Broker, master: Option<String>, ha: Option<String>) {
    use ferromq_engine::MessageStore;
    if let Some(m) = master.filter(|m| !m.is_empty()) {
        *broker.master_addr.lock().unwrap_or_else(|e| e.into_inner()) = Some(m);
    }
    if broker.config.store.ha_master_address.is_none() {
        if let Some(ha) = ha.filter(|h| !h.is_empty()) {
            broker.store.set_ha_master_address(&ha);
        }
    }
}

/// Register until shutdown, then unregister.
pub async fn run(broker: Arc<Broker>, mut shutdown: broadcast::Receiver<()>) {
    if broker.config.namesrv_addrs().is_empty() {
        return;
    }
    let mut conns: HashMap<String, Conn> = HashMap::new();
    let period = broker.config.register_name_server_period;
    loop {
        register_all(&broker, &mut conns).await;
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = broker.topics.changed.notified() => {}
            _ = shutdown.recv() => break,
        }
    }
    let c = &broker.config;
    let header = UnRegisterBrokerRequestHeader {
        broker_name: c.broker_name.clone(),
        broker_addr: c.broker_addr(),
        cluster_name: c.broker_cluster_name.clone(),
        broker_id: c.broker_id,
    };
    for (addr, conn) in conns.iter_mut() {
        let req = RemotingCommand::request(request_code::UNREGISTER_BROKER)
            .with_opaque(broker.next_opaque())
            .with_header(&header);
        if let Err(e) = call(conn, req).await {
            tracing::warn!(namesrv = %addr, error = %e, "unregister failed");
        }
    }
}
