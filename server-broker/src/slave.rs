//! A slave's metadata copy (spec §13.4): every 10 s (first after 1 s) it fetches the master's
//! topics, consumer offsets and subscription groups over the remoting port and replaces its
//! own, so it can take over serving reads with the master's view.

use std::sync::Arc;
use std::time::Duration;

use ferromq_protocol::body::admin::{ConsumerOffsetWrapper, SubscriptionGroupWrapper};
use ferromq_protocol::body::register::TopicConfigSerializeWrapper;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::{json, RemotingCodec, RemotingCommand};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio_util::codec::Framed;

use crate::broker::Broker;
use crate::registration::{call, Conn};

const PERIOD: Duration = Duration::from_secs(10);

async fn fetch(conn: &mut Conn, broker: &Broker, code: i32) -> Option<bytes::Bytes> {
    let req = RemotingCommand::request(code).with_opaque(broker.next_opaque());
    match call(conn, req).await {
        Ok(r) if r.code == response_code::SUCCESS => r.body,
        Ok(r) => {
            tracing::warn!(code, response = r.code, remark = ?r.remark, "master refused a metadata request");
            None
        }
        Err(e) => {
            tracing::warn!(code, error = %e, "metadata request to the master failed");
            None
        }
    }
}

async fn sync_once(broker: &Broker, master: &str) -> std::io::Result<()> {
    let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(master))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    let mut conn = Framed::new(stream, RemotingCodec::new());
    if let Some(body) = fetch(&mut conn, broker, request_code::GET_ALL_TOPIC_CONFIG).await {
        match json::decode::<TopicConfigSerializeWrapper>(&body) {
            Ok(w) => {
                if broker
                    .topics
                    .replace_all(w.topic_config_table, w.data_version)
                {
                    tracing::info!(master, "topics copied from the master");
                }
            }
            Err(e) => tracing::warn!(error = %e, "unreadable topic table from the master"),
        }
    }
    if let Some(body) = fetch(&mut conn, broker, request_code::GET_ALL_CONSUMER_OFFSET).await {
        match json::decode::<ConsumerOffsetWrapper>(&body) {
            Ok(w) => broker.offsets.replace_all(w.offset_table),
            Err(e) => tracing::warn!(error = %e, "unreadable consumer offsets from the master"),
        }
    }
    if let Some(body) = fetch(
        &mut conn,
        broker,
        request_code::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
    )
    .await
    {
        match json::decode::<SubscriptionGroupWrapper>(&body) {
            Ok(w) => broker.groups.replace_all(w.subscription_group_table),
            Err(e) => tracing::warn!(error = %e, "unreadable subscription groups from the master"),
        }
    }
    Ok(())
}

/// Copy the master's metadata until shutdown.
pub async fn sync_loop(broker: Arc<Broker>, mut shutdown: broadcast::Receiver<()>) {
    let mut wait = Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.recv() => return,
        }
        wait = PERIOD;
        let master = broker
            .master_addr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(master) = master else { continue };
        if let Err(e) = sync_once(&broker, &master).await {
            tracing::warn!(%master, error = %e, "cannot copy metadata from the master");
        }
    }
}
