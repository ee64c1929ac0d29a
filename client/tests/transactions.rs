//! Transactional producer: commit makes the message visible, rollback discards it, and an
//! undecided transaction is resolved through the check listener.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{create_topic, TestBroker};
use ferromq_client::consumer::ConsumeFrom;
use ferromq_client::{
    ConsumerConfig, LitePullConsumer, LocalTransactionState, Message, MessageExt, ProducerConfig,
    TransactionListener, TransactionProducer,
};

struct Listener {
    checks: AtomicUsize,
}

#[async_trait::async_trait]
impl TransactionListener for Listener {
    async fn execute_local(&self, msg: &Message, _tx: &str) -> LocalTransactionState {
        match &msg.body[..] {
            b"commit" => LocalTransactionState::Commit,
            b"rollback" => LocalTransactionState::Rollback,
            _ => LocalTransactionState::Unknown,
        }
    }
    async fn check_local(&self, _msg: &MessageExt) -> LocalTransactionState {
        self.checks.fetch_add(1, Ordering::SeqCst);
        LocalTransactionState::Commit
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_rollback_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start_with(dir.path(), |c| {
        c.transaction_time_out = 500;
        c.transaction_check_interval = 500;
    })
    .await;
    let ns = b.ns();
    create_topic(&ns, "TxTopic", 1).await;
    let listener = Arc::new(Listener {
        checks: AtomicUsize::new(0),
    });
    let p = TransactionProducer::new(
        ProducerConfig::new("tx_group", ns.clone()),
        listener.clone(),
    );
    let r = p
        .send_in_transaction(Message::new("TxTopic", "commit"))
        .await
        .unwrap();
    assert_eq!(r.local_state, LocalTransactionState::Commit);
    let r = p
        .send_in_transaction(Message::new("TxTopic", "rollback"))
        .await
        .unwrap();
    assert_eq!(r.local_state, LocalTransactionState::Rollback);
    let r = p
        .send_in_transaction(Message::new("TxTopic", "unknown"))
        .await
        .unwrap();
    assert_eq!(r.local_state, LocalTransactionState::Unknown);

    let mut cfg = ConsumerConfig::new("tx_reader", ns.clone());
    cfg.consume_from = ConsumeFrom::FirstOffset;
    let c = LitePullConsumer::new(cfg).unwrap();
    c.subscribe("TxTopic", "*").unwrap();
    c.start().await.unwrap();
    let mut bodies = HashSet::new();
    for _ in 0..150 {
        for m in c.poll(Duration::from_millis(200)).await.unwrap() {
            bodies.insert(String::from_utf8_lossy(&m.body).into_owned());
        }
        if bodies.len() >= 2 {
            break;
        }
    }
    let want: HashSet<String> = ["commit", "unknown"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        bodies, want,
        "rollback stays invisible; unknown is committed by the check"
    );
    assert!(listener.checks.load(Ordering::SeqCst) >= 1);
    c.shutdown().await;
    p.shutdown().await;
    b.stop().await;
}
