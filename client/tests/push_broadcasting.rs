//! Broadcasting: every member gets every message; offsets go to a local file.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{create_topic, wait_until, TestBroker};
use ferromq_client::{
    ConsumeConcurrentlyStatus, ConsumeFrom, ConsumerConfig, Message, MessageExt, MessageModel,
    Producer, ProducerConfig, PushConsumer,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_gets_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let offsets = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path()).await;
    let ns = b.ns();
    create_topic(&ns, "BcastTopic", 3).await;
    let mut members = Vec::new();
    let mut sets = Vec::new();
    for _ in 0..3 {
        let mut cfg = ConsumerConfig::new("cg_bcast", ns.clone());
        cfg.message_model = MessageModel::Broadcasting;
        cfg.consume_from = ConsumeFrom::FirstOffset;
        cfg.offset_store_dir = offsets.path().to_path_buf();
        cfg.persist_interval = Duration::from_millis(100);
        cfg.long_poll_timeout = Duration::from_secs(2);
        let c = PushConsumer::new(cfg).unwrap();
        c.subscribe("BcastTopic", "*").unwrap();
        let got: Arc<Mutex<HashSet<String>>> = Arc::default();
        let g = got.clone();
        c.register_concurrently(move |msgs: &[MessageExt]| {
            for m in msgs {
                g.lock().unwrap().insert(m.msg_id.clone());
            }
            ConsumeConcurrentlyStatus::ConsumeSuccess
        });
        c.start().await.unwrap();
        members.push(c);
        sets.push(got);
    }
    let p = Producer::new(ProducerConfig::new("pg_bcast", ns.clone()));
    let mut ids = HashSet::new();
    for i in 0..60 {
        ids.insert(
            p.send(Message::new("BcastTopic", format!("b{i}")))
                .await
                .unwrap()
                .msg_id,
        );
    }
    for got in &sets {
        assert!(wait_until(Duration::from_secs(20), || *got.lock().unwrap() == ids).await);
    }
    for c in &members {
        assert_eq!(
            c.assigned_queues().len(),
            3,
            "broadcasting members take every queue"
        );
    }
    for c in &members {
        c.shutdown().await;
    }
    // Each member persisted its own offsets file.
    let files: Vec<_> = walk(offsets.path());
    assert_eq!(files.len(), 3, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("BcastTopic@broker-a@0"), "{text}");
    p.shutdown().await;
    b.stop().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.file_name().is_some_and(|n| n == "offsets.json") {
            out.push(p);
        }
    }
    out
}
