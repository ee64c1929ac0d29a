//! Lite pull: assign + poll + seek, subscribe + commit + resume from the committed offset.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{create_topic, TestBroker};
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    ConsumerConfig, LitePullConsumer, Message, MessageQueue, Producer, ProducerConfig,
};

async fn drain(c: &LitePullConsumer, want: usize) -> Vec<ferromq_client::MessageExt> {
    let mut out = Vec::new();
    for _ in 0..100 {
        if out.len() >= want {
            break;
        }
        out.extend(c.poll(Duration::from_millis(200)).await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_poll_seek_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    let ns = b.ns();
    create_topic(&ns, "LiteTopic", 2).await;
    let p = Producer::new(ProducerConfig::new("pg_lite", ns.clone()));
    for i in 0..40 {
        let tag = if i % 2 == 0 { "even" } else { "odd" };
        p.send(Message::new("LiteTopic", format!("l{i}")).with_tags(tag))
            .await
            .unwrap();
    }

    // assign one queue, read it all, seek back, read again
    let mut cfg = ConsumerConfig::new("cg_lite_assign", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    let c = LitePullConsumer::new(cfg).unwrap();
    let q0 = MessageQueue::new("LiteTopic", "broker-a", 0);
    c.assign(vec![q0.clone()]).unwrap();
    c.start().await.unwrap();
    let first = drain(&c, 20).await;
    assert_eq!(first.len(), 20);
    assert!(first.iter().all(|m| m.queue_id == 0));
    c.seek(&q0, 5).unwrap();
    let again = c.poll(Duration::from_secs(2)).await.unwrap();
    assert_eq!(again[0].queue_offset, 5);
    c.shutdown().await;

    // subscribe with a tag filter, commit, and a new consumer of the group resumes there
    let mut cfg = ConsumerConfig::new("cg_lite_sub", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    let c = LitePullConsumer::new(cfg.clone()).unwrap();
    c.subscribe("LiteTopic", "even").unwrap();
    c.start().await.unwrap();
    let got = drain(&c, 20).await;
    let bodies: HashSet<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body).into_owned())
        .collect();
    assert_eq!(bodies.len(), 20);
    assert!(got.iter().all(|m| m.tags() == Some("even")));
    c.commit().await.unwrap();
    assert_eq!(c.committed(&q0).await.unwrap(), Some(20));
    c.shutdown().await;

    for i in 40..44 {
        p.send(Message::new("LiteTopic", format!("l{i}")).with_tags("even"))
            .await
            .unwrap();
    }
    let c = LitePullConsumer::new(cfg).unwrap();
    c.subscribe("LiteTopic", "even").unwrap();
    c.start().await.unwrap();
    let rest = drain(&c, 4).await;
    let mut names: Vec<String> = rest
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body).into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["l40", "l41", "l42", "l43"]);
    c.shutdown().await;
    p.shutdown().await;
    b.stop().await;
}
