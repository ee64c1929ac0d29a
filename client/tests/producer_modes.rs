//! Every producer mode against a real broker: sync, async, oneway, batch, ordered (selector),
//! delay property, compression; the messages are then read back through the lite pull
//! consumer's building blocks (admin view) to check what was stored.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{create_topic, TestBroker};
use ferromq_client::{Admin, Message, Producer, ProducerConfig, SendStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_producer_mode_stores_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    create_topic(&b.ns(), "ProdModes", 4).await;
    let p = Producer::new(ProducerConfig::new("pg", b.ns()));
    let admin = Admin::new(&b.ns());

    // sync
    let r = p
        .send(
            Message::new("ProdModes", "sync")
                .with_tags("A")
                .with_keys(["k1"]),
        )
        .await
        .unwrap();
    assert_eq!(r.status, SendStatus::SendOk);
    assert_eq!(r.msg_id.len(), 32);
    let viewed = admin.view_message(&r.offset_msg_id).await.unwrap();
    assert_eq!(&viewed.body[..], b"sync");
    assert_eq!(viewed.msg_id, r.msg_id);
    assert_eq!(viewed.tags(), Some("A"));

    // round robin over the 4 queues
    let mut queues = HashSet::new();
    for i in 0..8 {
        let r = p
            .send(Message::new("ProdModes", format!("rr{i}")))
            .await
            .unwrap();
        queues.insert(r.queue.queue_id);
    }
    assert_eq!(queues.len(), 4, "round robin touches every queue");

    // async
    let futs: Vec<_> = (0..20)
        .map(|i| p.send_async(Message::new("ProdModes", format!("async{i}"))))
        .collect();
    for f in futs {
        assert_eq!(f.await.unwrap().status, SendStatus::SendOk);
    }

    // oneway: visible once the broker has stored it
    p.send_oneway(Message::new("ProdModes", "oneway"))
        .await
        .unwrap();

    // batch
    let batch: Vec<_> = (0..10)
        .map(|i| Message::new("ProdModes", format!("batch{i}")).with_keys([format!("bk{i}")]))
        .collect();
    let r = p.send_batch(batch).await.unwrap();
    let ids: Vec<_> = r.msg_id.split(',').collect();
    assert_eq!(ids.len(), 10);
    let offs: Vec<_> = r.offset_msg_id.split(',').collect();
    assert_eq!(offs.len(), 10);
    let m = admin.view_message(offs[3]).await.unwrap();
    assert_eq!(&m.body[..], b"batch3");
    assert_eq!(m.msg_id, ids[3]);
    assert_eq!(m.queue_offset, r.queue_offset + 3);

    // ordered: same sharding key → same queue
    let mut qs = HashSet::new();
    for i in 0..10 {
        let r = p
            .send_ordered(Message::new("ProdModes", format!("ord{i}")), "order-7")
            .await
            .unwrap();
        qs.insert(r.queue.queue_id);
    }
    assert_eq!(qs.len(), 1);
    let r = p
        .send_with_selector(Message::new("ProdModes", "sel"), |qs, _| qs.len() - 1)
        .await
        .unwrap();
    assert_eq!(r.queue.queue_id, 3);

    // compression: stored compressed (zstd), read back decompressed
    let big = "x".repeat(100_000);
    let r = p
        .send(Message::new("ProdModes", big.clone()))
        .await
        .unwrap();
    let m = admin.view_message(&r.offset_msg_id).await.unwrap();
    assert_eq!(m.body.len(), 100_000);
    assert_eq!(&m.body[..], big.as_bytes());
    assert_eq!(m.sys_flag & 1, 0, "COMPRESSED cleared after decompression");

    // delay level / delivery time are carried as properties
    let r = p
        .send(Message::new("ProdModes", "later").with_delay_level(1))
        .await
        .unwrap();
    assert_eq!(r.status, SendStatus::SendOk);

    // too large is refused client side
    let huge = vec![0u8; 5 << 20];
    let e = p.send(Message::new("ProdModes", huge)).await.unwrap_err();
    assert!(matches!(
        e,
        ferromq_client::ClientError::MessageTooLarge { .. }
    ));

    // auto-created topic through TBW102
    let r = p.send(Message::new("ProdAutoCreated", "x")).await.unwrap();
    assert_eq!(r.status, SendStatus::SendOk);

    p.shutdown().await;
    admin.shutdown();
    tokio::time::timeout(Duration::from_secs(20), b.stop())
        .await
        .unwrap();
}
