//! Clustering: a second consumer joins and later leaves; no message is lost and, with every
//! acknowledged offset committed before the group changes, each message is consumed by
//! exactly one member exactly once.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic, wait_until, TestBroker};
use ferromq_client::{
    Admin, ConsumeConcurrentlyStatus, ConsumeFrom, ConsumerConfig, Message, MessageExt, Producer,
    ProducerConfig, PushConsumer,
};

type Seen = Arc<Mutex<HashMap<String, Vec<&'static str>>>>;

fn consumer(ns: &str, name: &'static str, seen: Seen) -> PushConsumer {
    let mut cfg = ConsumerConfig::new("cg_cluster", ns);
    cfg.consume_from = ConsumeFrom::FirstOffset;
    cfg.persist_interval = Duration::from_millis(200);
    cfg.long_poll_timeout = Duration::from_secs(2);
    let c = PushConsumer::new(cfg).unwrap();
    c.subscribe("ClusterTopic", "*").unwrap();
    c.register_concurrently(move |msgs: &[MessageExt]| {
        let mut s = seen.lock().unwrap();
        for m in msgs {
            s.entry(String::from_utf8_lossy(&m.body).into_owned())
                .or_default()
                .push(name);
        }
        ConsumeConcurrentlyStatus::ConsumeSuccess
    });
    c
}

async fn send(p: &Producer, from: usize, to: usize) {
    for i in from..to {
        p.send(Message::new("ClusterTopic", format!("m{i}")))
            .await
            .unwrap();
    }
}

async fn wait_lag_zero(admin: &Admin) {
    for _ in 0..300 {
        if let Ok(p) = admin.consumer_progress("cg_cluster").await {
            let topic: Vec<_> = p
                .iter()
                .filter(|q| q.queue.topic == "ClusterTopic")
                .collect();
            if topic.len() == 4 && topic.iter().all(|q| q.lag == 0) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("lag never reached 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_and_leaves_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    let ns = b.ns();
    create_topic(&ns, "ClusterTopic", 4).await;
    let p = Producer::new(ProducerConfig::new("pg_cluster", ns.clone()));
    let admin = Admin::new(&ns);
    let seen: Seen = Arc::default();

    let a = consumer(&ns, "a", seen.clone());
    a.start().await.unwrap();
    send(&p, 0, 100).await;
    assert!(
        wait_until(Duration::from_secs(20), || seen.lock().unwrap().len()
            == 100)
        .await
    );
    wait_lag_zero(&admin).await;

    let bc = consumer(&ns, "b", seen.clone());
    bc.start().await.unwrap();
    // Both members settle on two queues each.
    assert!(
        wait_until(Duration::from_secs(20), || a.assigned_queues().len() == 2
            && bc.assigned_queues().len() == 2)
        .await,
        "rebalance gave a={:?} b={:?}",
        a.assigned_queues(),
        bc.assigned_queues()
    );
    send(&p, 100, 200).await;
    assert!(
        wait_until(Duration::from_secs(20), || seen.lock().unwrap().len()
            == 200)
        .await
    );
    {
        let s = seen.lock().unwrap();
        let by_b = (100..200)
            .filter(|i| s[&format!("m{i}")] == vec!["b"])
            .count();
        assert!(by_b > 0, "the new member got none of the new messages");
    }
    wait_lag_zero(&admin).await;

    bc.shutdown().await;
    assert!(wait_until(Duration::from_secs(20), || a.assigned_queues().len() == 4).await);
    send(&p, 200, 300).await;
    assert!(
        wait_until(Duration::from_secs(20), || seen.lock().unwrap().len()
            == 300)
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let s = seen.lock().unwrap().clone();
    for i in 0..300 {
        let who = &s[&format!("m{i}")];
        assert_eq!(who.len(), 1, "m{i} consumed by {who:?}");
    }
    assert!((200..300).all(|i| s[&format!("m{i}")] == vec!["a"]));
    drop(s);
    a.shutdown().await;
    p.shutdown().await;
    admin.shutdown();
    b.stop().await;
}
