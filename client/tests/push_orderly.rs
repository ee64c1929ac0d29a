//! Orderly: per-queue order is kept even when the listener asks for redelivery.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic, wait_until, TestBroker};
use ferromq_client::{
    ConsumeFrom, ConsumeOrderlyStatus, ConsumerConfig, Message, MessageExt, Producer,
    ProducerConfig, PushConsumer,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_queue_order_survives_retries() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    let ns = b.ns();
    create_topic(&ns, "OrderTopic", 4).await;
    let p = Producer::new(ProducerConfig::new("pg_order", ns.clone()));
    // 4 orders × 25 steps, each order on its own queue by sharding key.
    for step in 0..25 {
        for order in 0..4 {
            p.send_ordered(
                Message::new("OrderTopic", format!("{order}:{step}")),
                &format!("order-{order}"),
            )
            .await
            .unwrap();
        }
    }
    let mut cfg = ConsumerConfig::new("cg_order", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    cfg.suspend_current_queue = Duration::from_millis(20);
    cfg.long_poll_timeout = Duration::from_secs(2);
    let c = PushConsumer::new(cfg).unwrap();
    c.subscribe("OrderTopic", "*").unwrap();
    let log: Arc<Mutex<HashMap<String, Vec<u32>>>> = Arc::default();
    let failures: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let (l, f) = (log.clone(), failures.clone());
    c.register_orderly(move |msgs: &[MessageExt]| {
        for m in msgs {
            let text = String::from_utf8_lossy(&m.body).into_owned();
            let (order, step) = text.split_once(':').unwrap();
            let step: u32 = step.parse().unwrap();
            // Every 7th step fails twice before it succeeds.
            if step % 7 == 3 {
                let mut f = f.lock().unwrap();
                let n = f.entry(text.clone()).or_insert(0);
                if *n < 2 {
                    *n += 1;
                    return ConsumeOrderlyStatus::SuspendCurrentQueueAMoment;
                }
            }
            l.lock()
                .unwrap()
                .entry(order.to_owned())
                .or_default()
                .push(step);
        }
        ConsumeOrderlyStatus::Success
    });
    c.start().await.unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || {
            let l = log.lock().unwrap();
            l.len() == 4 && l.values().all(|v| v.len() == 25)
        })
        .await,
        "{:?}",
        log.lock().unwrap()
    );
    for (order, steps) in log.lock().unwrap().iter() {
        assert_eq!(*steps, (0..25).collect::<Vec<_>>(), "order {order}");
    }
    assert!(failures.lock().unwrap().values().all(|n| *n == 2));
    c.shutdown().await;
    p.shutdown().await;
    b.stop().await;
}
