//! When the master is gone, a consumer reads from its slave; offsets it commits meanwhile reach
//! the master once the master is back (spec §13.4).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{create_topic, TestBroker};
use ferromq_broker::BrokerRole;
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    ConsumerConfig, LitePullConsumer, Message, MessageQueue, Producer, ProducerConfig,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_read_from_the_slave_while_the_master_is_gone() {
    let (md, sd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut master = TestBroker::start(md.path()).await;
    let ns = master.ns();
    let mut slave = TestBroker::start_broker(sd.path(), master.namesrv, "broker-a", |c| {
        c.broker_id = 1;
        c.store.broker_role = BrokerRole::Slave;
    })
    .await;
    create_topic(&ns, "SlaveRead", 1).await;
    let p = Producer::new(ProducerConfig::new("pg_slave_read", ns.clone()));
    for i in 0..50 {
        p.send(Message::new("SlaveRead", format!("s{i}")))
            .await
            .unwrap();
    }
    p.shutdown().await;
    // Replication is asynchronous here; give the slave a moment to copy and index the data.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The master leaves (it unregisters); the route now has only the slave.
    master.stop_broker_only().await;

    let mut cfg = ConsumerConfig::new("cg_slave_read", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    cfg.client.poll_name_server_interval = Duration::from_millis(300);
    let c = LitePullConsumer::new(cfg.clone()).unwrap();
    let q = MessageQueue::new("SlaveRead", "broker-a", 0);
    c.assign(vec![q.clone()]).unwrap();
    c.start().await.unwrap();
    let mut got = HashSet::new();
    for _ in 0..100 {
        if got.len() >= 50 {
            break;
        }
        for m in c.poll(Duration::from_millis(200)).await.unwrap() {
            got.insert(String::from_utf8_lossy(&m.body).into_owned());
        }
    }
    assert_eq!(got.len(), 50, "read {} of 50 from the slave", got.len());
    // The commit cannot reach a master yet; it is kept, not sent to the slave.
    c.commit().await.unwrap();

    // The master comes back; the kept offset reaches it.
    let mut master2 = TestBroker::start_broker(md.path(), master.namesrv, "broker-a", |_| {}).await;
    let mut committed = None;
    for _ in 0..100 {
        c.commit().await.unwrap();
        committed = query_offset(master2.addr, "cg_slave_read", "SlaveRead").await;
        if committed == Some(50) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(committed, Some(50), "the offset never reached the master");
    c.shutdown().await;
    master2.stop_broker_only().await;
    slave.stop_broker_only().await;
    master.stop().await;
}

/// The master's stored offset of `group` on queue 0 of `topic` (raw QUERY_CONSUMER_OFFSET).
async fn query_offset(master: std::net::SocketAddr, group: &str, topic: &str) -> Option<i64> {
    use ferromq_protocol::code::{request_code, response_code};
    use ferromq_protocol::header::{
        QueryConsumerOffsetRequestHeader, QueryConsumerOffsetResponseHeader,
    };
    use ferromq_protocol::{RemotingCodec, RemotingCommand};
    use futures::{SinkExt, StreamExt};
    let stream = tokio::net::TcpStream::connect(master).await.ok()?;
    let mut framed = tokio_util::codec::Framed::new(stream, RemotingCodec::new());
    let h = QueryConsumerOffsetRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id: 0,
        set_zero_if_not_found: Some(false),
    };
    framed
        .send(
            RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET)
                .with_opaque(1)
                .with_header(&h),
        )
        .await
        .ok()?;
    let resp = tokio::time::timeout(Duration::from_secs(3), framed.next())
        .await
        .ok()??
        .ok()?;
    (resp.code == response_code::SUCCESS)
        .then(|| {
            resp.decode_header::<QueryConsumerOffsetResponseHeader>()
                .ok()
                .map(|h| h.offset)
        })
        .flatten()
}
