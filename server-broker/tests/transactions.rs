//! Transactional messages (spec §10) over real sockets.

mod common;

use std::time::{Duration, Instant};

use common::{ext, props, Client, TestBroker};
use ferromq_engine::record::{self, RecordView};
use ferromq_protocol::body::client::{HeartbeatData, ProducerData};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    CheckTransactionStateRequestHeader, EndTransactionRequestHeader, SendMessageRequestHeaderV2,
};
use ferromq_protocol::{json, RemotingCommand};

const GROUP: &str = "tx_producer";

fn quick_checks(c: &mut ferromq_broker::BrokerConfig) {
    c.transaction_check_interval = 300;
    c.transaction_time_out = 500;
}

/// Send a prepared (half) message; returns (queue offset, commit log offset, uniq key).
async fn prepare(c: &mut Client, topic: &str, body: &str, uniq: &str) -> (i64, i64, String) {
    let h = SendMessageRequestHeaderV2 {
        a: GROUP.into(),
        b: topic.into(),
        c: "TBW102".into(),
        d: 4,
        e: 0,
        f: 4,
        g: 1,
        h: 0,
        i: Some(props(&[
            ("TRAN_MSG", "true"),
            ("PGROUP", GROUP),
            ("UNIQ_KEY", uniq),
            ("TAGS", "TagT"),
        ])),
        j: None,
        k: None,
        l: None,
        m: None,
        n: None,
    };
    let r = c
        .call(
            RemotingCommand::request(request_code::SEND_MESSAGE_V2)
                .with_header(&h)
                .with_body(body.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert_eq!(ext(&r, "transactionId"), uniq);
    let (_, phys) = record::decode_offset_msg_id(&ext(&r, "msgId")).unwrap();
    (
        ext(&r, "queueOffset").parse().unwrap(),
        phys,
        uniq.to_owned(),
    )
}

fn end(queue_offset: i64, phys: i64, uniq: &str, state: i32, from_check: bool) -> RemotingCommand {
    let h = EndTransactionRequestHeader {
        topic: None,
        producer_group: GROUP.into(),
        tran_state_table_offset: queue_offset,
        commit_log_offset: phys,
        commit_or_rollback: state,
        from_transaction_check: Some(from_check),
        msg_id: uniq.into(),
        transaction_id: Some(uniq.into()),
    };
    RemotingCommand::request(request_code::END_TRANSACTION).with_header(&h)
}

/// Bodies visible in queue 0 of `topic` (waits a little so dispatch has happened).
async fn visible(c: &mut Client, topic: &str) -> Vec<Vec<u8>> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = c.pull("tx_observer", topic, 0, 0, "*", 0).await;
    if r.code != code::SUCCESS {
        return Vec::new();
    }
    let (recs, _) = record::decode_all(r.body_bytes(), true);
    recs.iter().map(|r| r.fields.body.to_vec()).collect()
}

async fn register_producer(c: &mut Client) {
    let hb = HeartbeatData {
        client_id: "tx-client".into(),
        producer_data_set: vec![ProducerData {
            group_name: GROUP.into(),
        }],
        ..Default::default()
    };
    let r = c
        .call(RemotingCommand::request(request_code::HEART_BEAT).with_body(json::encode(&hb)))
        .await;
    assert_eq!(r.code, code::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_makes_exactly_one_copy_visible_and_rollback_none() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), quick_checks).await;
    let mut c = Client::connect(b.addr).await;
    register_producer(&mut c).await;
    let (q1, p1, u1) = prepare(&mut c, "TxTopic", "committed", "UNIQ-1").await;
    let (q2, p2, u2) = prepare(&mut c, "TxTopic", "rolled back", "UNIQ-2").await;
    assert!(
        visible(&mut c, "TxTopic").await.is_empty(),
        "a half message is visible"
    );

    // Validation: wrong group / offsets are refused.
    let mut wrong = end(q1, p1, &u1, 8, false);
    wrong
        .ext_fields
        .insert("producerGroup".into(), "someone_else".into());
    assert_eq!(c.call(wrong).await.code, code::SYSTEM_ERROR);
    assert_eq!(
        c.call(end(q1 + 100, p1, &u1, 8, false)).await.code,
        code::SYSTEM_ERROR
    );

    assert_eq!(c.call(end(q1, p1, &u1, 8, false)).await.code, code::SUCCESS);
    assert_eq!(
        c.call(end(q2, p2, &u2, 12, false)).await.code,
        code::SUCCESS
    );
    // A repeated commit (a client retry) does not store a second copy.
    assert_eq!(c.call(end(q1, p1, &u1, 8, false)).await.code, code::SUCCESS);
    let got = visible(&mut c, "TxTopic").await;
    assert_eq!(got, vec![b"committed".to_vec()]);
    // Resolved messages are never checked.
    assert!(c
        .wait_pushed(
            request_code::CHECK_TRANSACTION_STATE,
            Duration::from_secs(2)
        )
        .await
        .is_none());
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolved_half_message_is_checked_on_the_producers_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), quick_checks).await;
    let mut c = Client::connect(b.addr).await;
    register_producer(&mut c).await;
    let (_q, _p, uniq) = prepare(&mut c, "TxChecked", "decided later", "UNIQ-CHECK").await;
    let check = c
        .wait_pushed(
            request_code::CHECK_TRANSACTION_STATE,
            Duration::from_secs(10),
        )
        .await
        .expect("no CHECK_TRANSACTION_STATE arrived");
    assert!(check.is_oneway());
    let h: CheckTransactionStateRequestHeader = check.decode_header().unwrap();
    assert_eq!(h.msg_id.as_deref(), Some(uniq.as_str()));
    assert_eq!(h.topic.as_deref(), Some("TxChecked"));
    // The body is the half message with its real topic.
    let rec = RecordView::decode(check.body_bytes(), true).unwrap();
    assert_eq!(rec.fields.topic, "TxChecked");
    assert_eq!(rec.fields.body, b"decided later");
    // Answer as a producer does: commit, with the offsets of the check.
    let r = c
        .call(end(
            h.tran_state_table_offset,
            h.commit_log_offset,
            &uniq,
            8,
            true,
        ))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert_eq!(
        visible(&mut c, "TxChecked").await,
        vec![b"decided later".to_vec()]
    );
    // Later checks do not bring a second copy.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(visible(&mut c, "TxChecked").await.len(), 1);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_between_prepare_and_commit_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let (q, p, uniq) = prepare(&mut c, "TxRestart", "survives", "UNIQ-RESTART").await;
    drop(c);
    b.stop().await;
    let mut b2 = TestBroker::start_with_namesrv(dir.path(), b.namesrv, |_| {}).await;
    let mut c = Client::connect(b2.addr).await;
    assert!(visible(&mut c, "TxRestart").await.is_empty());
    let t = Instant::now();
    assert_eq!(c.call(end(q, p, &uniq, 8, false)).await.code, code::SUCCESS);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(
        visible(&mut c, "TxRestart").await,
        vec![b"survives".to_vec()]
    );
    b2.stop().await;
    b.stop_all().await;
}
