//! Bad input gets the spec's response codes (§2.4, §3.2, §12.4) or, for a broken frame, closes
//! only the offending connection; the broker keeps serving everyone else.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{create_topic_request, ext, pull_found, Client, TestBroker};
use ferromq_protocol::body::common::perm;
use ferromq_protocol::code::response_code as code;
use ferromq_protocol::RemotingCommand;

const WAIT: Duration = Duration::from_secs(5);

/// A fresh connection can still send and pull back what it sent.
async fn assert_serves(addr: SocketAddr, topic: &str) {
    let mut c = Client::connect(addr).await;
    let r = c.send(topic, 0, b"still alive", "").await;
    assert_eq!(
        r.code,
        code::SUCCESS,
        "send on a fresh connection: {:?}",
        r.remark
    );
    let offset: i64 = ext(&r, "queueOffset").parse().unwrap();
    let r = pull_found(&mut c, "alive_group", topic, 0, offset, WAIT).await;
    assert_eq!(
        r.code,
        code::SUCCESS,
        "pull on a fresh connection: {:?}",
        r.remark
    );
    assert_eq!(common::records(&r)[0].fields.body, b"still alive");
}

/// A frame whose JSON header is `header`.
fn frame_with_header(header: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&((4 + header.len()) as i32).to_be_bytes());
    f.extend_from_slice(&(header.len() as u32).to_be_bytes());
    f.extend_from_slice(header);
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_frame_closes_only_its_own_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut good = Client::connect(b.addr).await;
    assert_eq!(
        good.send("GoodTopic", 0, b"before", "").await.code,
        code::SUCCESS
    );

    // A 100 MiB length prefix (above the 16 MiB frame limit).
    let too_long = (100i32 << 20).to_be_bytes();
    // A header length word of 256 in a frame of 8 bytes.
    let mut header_too_long = 8i32.to_be_bytes().to_vec();
    header_too_long.extend_from_slice(&256u32.to_be_bytes());
    header_too_long.extend_from_slice(b"{}{}");
    // A JSON header that is not JSON.
    let garbage = frame_with_header(b"{\"code\":10,\"opaque\":garbage!!");
    // A frame shorter than its header-length word.
    let too_short = 2i32.to_be_bytes();
    // An unknown serialize type (7) in the header-length word.
    let mut bad_type = 8i32.to_be_bytes().to_vec();
    bad_type.extend_from_slice(&0x0700_0002u32.to_be_bytes());
    bad_type.extend_from_slice(b"{}\0\0");

    let cases: [(&str, &[u8]); 5] = [
        ("100 MiB length prefix", &too_long),
        ("header longer than the frame", &header_too_long),
        ("garbage JSON header", &garbage),
        ("frame length below 4", &too_short),
        ("unknown serialize type", &bad_type),
    ];
    for (i, (what, bytes)) in cases.iter().enumerate() {
        let mut bad = Client::connect(b.addr).await;
        bad.write_raw(bytes).await;
        assert!(
            bad.closed_by_peer(WAIT).await,
            "{what}: the broker kept the connection open"
        );
        // The other connection is unaffected: it sends and pulls back.
        let body = format!("after {i}");
        let r = good.send("GoodTopic", 0, body.as_bytes(), "").await;
        assert_eq!(r.code, code::SUCCESS, "{what}: send on the good connection");
        let offset: i64 = ext(&r, "queueOffset").parse().unwrap();
        let r = pull_found(&mut good, "g", "GoodTopic", 0, offset, WAIT).await;
        assert_eq!(r.code, code::SUCCESS, "{what}: pull on the good connection");
        assert_eq!(common::records(&r)[0].fields.body, body.as_bytes());
    }
    assert_serves(b.addr, "GoodTopic").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_request_code_is_not_supported() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    for unknown in [9_999, 77_777, -5] {
        let r = c.call(RemotingCommand::request(unknown)).await;
        assert_eq!(r.code, code::REQUEST_CODE_NOT_SUPPORTED, "code {unknown}");
        assert!(r.is_response());
    }
    // The same connection keeps working.
    assert_eq!(
        c.send("AfterUnknown", 0, b"x", "").await.code,
        code::SUCCESS
    );
    assert_serves(b.addr, "AfterUnknown").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn illegal_topic_names_are_invalid_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let long = "a".repeat(128);
    for topic in [
        "bad topic!",
        long.as_str(),
        "topic/with/slash",
        "tópico",
        " ",
    ] {
        let r = c.send(topic, 0, b"x", "").await;
        assert_eq!(
            r.code,
            code::INVALID_PARAMETER,
            "send to {topic:?}: {:?}",
            r.remark
        );
    }
    // The limit is inclusive: 127 characters and every allowed character class are fine.
    let r = c.send(&"b".repeat(127), 0, b"x", "").await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let r = c.send("Ok_topic-1|%x", 0, b"x", "").await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    // Creating such a topic is refused the same way.
    let r = c
        .call(create_topic_request("bad topic!", 1, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::INVALID_PARAMETER);
    assert_serves(b.addr, "AfterBadNames").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_max_message_size_or_empty_are_illegal() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |cfg| cfg.store.max_message_size = 1024).await;
    let mut c = Client::connect(b.addr).await;
    let r = c.send("SizeTopic", 0, &[b'x'; 2000], "").await;
    assert_eq!(r.code, code::MESSAGE_ILLEGAL, "{:?}", r.remark);
    let r = c.send("SizeTopic", 0, b"", "").await;
    assert_eq!(r.code, code::MESSAGE_ILLEGAL, "{:?}", r.remark);
    // Nothing of either was stored: the first message that fits gets queue offset 0.
    let r = c.send("SizeTopic", 0, &[b'y'; 1000], "").await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert_eq!(ext(&r, "queueOffset"), "0");
    let r = pull_found(&mut c, "g", "SizeTopic", 0, 0, WAIT).await;
    assert_eq!(r.code, code::SUCCESS);
    let recs = common::records(&r);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].fields.body, &[b'y'; 1000][..]);
    assert_serves(b.addr, "SizeTopic").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_to_system_topics_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    for topic in [
        "SCHEDULE_TOPIC_XXXX",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
        "SELF_TEST_TOPIC",
        "OFFSET_MOVED_EVENT",
    ] {
        let r = c.send(topic, 0, b"x", "").await;
        assert_eq!(
            r.code,
            code::NO_PERMISSION,
            "send to {topic}: {:?}",
            r.remark
        );
    }
    assert_serves(b.addr, "AfterSystemTopics").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_topics_do_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |cfg| cfg.auto_create_topic_enable = false).await;
    let mut c = Client::connect(b.addr).await;
    let r = c.pull("g", "NoSuchTopic", 0, 0, "*", 0).await;
    assert_eq!(r.code, code::TOPIC_NOT_EXIST, "{:?}", r.remark);
    let r = c.send("NoSuchTopic", 0, b"x", "").await;
    assert_eq!(r.code, code::TOPIC_NOT_EXIST, "{:?}", r.remark);
    // The failed send did not create it.
    let r = c.pull("g", "NoSuchTopic", 0, 0, "*", 0).await;
    assert_eq!(r.code, code::TOPIC_NOT_EXIST);
    // A created topic works without auto-creation.
    let r = c
        .call(create_topic_request("MadeTopic", 1, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    assert_serves(b.addr, "MadeTopic").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_id_beyond_the_topic_is_an_invalid_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(create_topic_request("TwoQueues", 2, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    for q in [2, 3, 100] {
        let r = c.send("TwoQueues", q, b"x", "").await;
        assert_eq!(r.code, code::INVALID_PARAMETER, "send to queue {q}");
        let r = c.pull("g", "TwoQueues", q, 0, "*", 0).await;
        assert_eq!(r.code, code::INVALID_PARAMETER, "pull from queue {q}");
    }
    let r = c.pull("g", "TwoQueues", -1, 0, "*", 0).await;
    assert_eq!(r.code, code::INVALID_PARAMETER, "pull from queue -1");
    // The last queue is fine, and a negative queue id on send picks a writable queue.
    let r = c.send("TwoQueues", 1, b"x", "").await;
    assert_eq!(
        (r.code, ext(&r, "queueId")),
        (code::SUCCESS, "1".to_owned())
    );
    for _ in 0..10 {
        let r = c.send("TwoQueues", -1, b"x", "").await;
        assert_eq!(r.code, code::SUCCESS);
        let q: i32 = ext(&r, "queueId").parse().unwrap();
        assert!((0..2).contains(&q), "random queue {q}");
    }
    assert_serves(b.addr, "TwoQueues").await;
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_required_header_field_is_a_system_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    assert_eq!(c.send("HeaderTopic", 0, b"x", "").await.code, code::SUCCESS);
    let mut pull = common::pull_request("g", "HeaderTopic", 0, 0, "*", 0);
    pull.ext_fields.remove("queueId");
    let r = c.call(pull).await;
    assert_eq!(r.code, code::SYSTEM_ERROR, "{:?}", r.remark);
    // A field that does not parse as its type is the same.
    let mut pull = common::pull_request("g", "HeaderTopic", 0, 0, "*", 0);
    pull.ext_fields
        .insert("queueOffset".into(), "not-a-number".into());
    let r = c.call(pull).await;
    assert_eq!(r.code, code::SYSTEM_ERROR, "{:?}", r.remark);
    // A send without its topic (`b`).
    let mut send = RemotingCommand::request(ferromq_protocol::code::request_code::SEND_MESSAGE_V2)
        .with_body(&b"x"[..]);
    send.ext_fields.insert("a".into(), "pg".into());
    let r = c.call(send).await;
    assert_eq!(r.code, code::SYSTEM_ERROR, "{:?}", r.remark);
    // The same connection still works.
    let r = pull_found(&mut c, "g", "HeaderTopic", 0, 0, WAIT).await;
    assert_eq!(r.code, code::SUCCESS);
    assert_eq!(c.send("HeaderTopic", 0, b"y", "").await.code, code::SUCCESS);
    assert_serves(b.addr, "HeaderTopic").await;
    b.stop_all().await;
}
