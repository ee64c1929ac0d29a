//! A message that keeps failing is sent back, redelivered from %RETRY%group with a growing
//! reconsume count, and ends in %DLQ%group after the maximum.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic, wait_until, TestBroker};
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    ConsumeConcurrentlyStatus, ConsumerConfig, LitePullConsumer, Message, MessageExt, MessageQueue,
    Producer, ProducerConfig, PushConsumer,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_message_ends_in_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start_with(dir.path(), |c| {
        c.store.message_delay_level = vec!["1s"; 18].join(" ");
    })
    .await;
    let ns = b.ns();
    create_topic(&ns, "RetryTopic", 1).await;
    let p = Producer::new(ProducerConfig::new("pg_retry", ns.clone()));
    let mut cfg = ConsumerConfig::new("cg_retry", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    cfg.max_reconsume_times = 2;
    cfg.long_poll_timeout = Duration::from_secs(1);
    cfg.rebalance_interval = Duration::from_secs(1);
    let c = PushConsumer::new(cfg).unwrap();
    c.subscribe("RetryTopic", "*").unwrap();
    let attempts: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let a = attempts.clone();
    c.register_concurrently(move |msgs: &[MessageExt]| {
        for m in msgs {
            a.lock().unwrap().push((m.topic.clone(), m.reconsume_times));
        }
        ConsumeConcurrentlyStatus::ReconsumeLater
    });
    c.start().await.unwrap();
    let sent = p.send(Message::new("RetryTopic", "poison")).await.unwrap();
    assert!(
        wait_until(Duration::from_secs(40), || attempts.lock().unwrap().len()
            >= 3)
        .await,
        "{:?}",
        attempts.lock().unwrap()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = attempts.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            ("RetryTopic".to_string(), 0),
            ("RetryTopic".to_string(), 1),
            ("RetryTopic".to_string(), 2)
        ],
        "original delivery plus two retries, topic restored from RETRY_TOPIC"
    );
    c.shutdown().await;

    // The DLQ holds it.
    let mut lcfg = ConsumerConfig::new("cg_dlq_reader", ns.clone());
    lcfg.consume_from = ConsumeFrom::FirstOffset;
    let lite = LitePullConsumer::new(lcfg).unwrap();
    lite.assign(vec![MessageQueue::new("%DLQ%cg_retry", "broker-a", 0)])
        .unwrap();
    lite.start().await.unwrap();
    let mut found = Vec::new();
    for _ in 0..50 {
        found.extend(lite.poll(Duration::from_millis(200)).await.unwrap());
        if !found.is_empty() {
            break;
        }
    }
    assert_eq!(found.len(), 1);
    assert_eq!(&found[0].body[..], b"poison");
    assert_eq!(found[0].msg_id, sent.msg_id);
    lite.shutdown().await;
    p.shutdown().await;
    b.stop().await;
}
