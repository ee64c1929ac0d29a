//! Retry and dead-letter queues (spec §11): CONSUMER_SEND_MSG_BACK puts a failed message into
//! `%RETRY%<group>` with one more reconsume time, and into `%DLQ%<group>` once the group's
//! (or the request's) maximum is reached; clients' own retry sends are redirected the same way.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{ext, props, pull_found, Client, TestBroker};
use ferromq_engine::record;
use ferromq_protocol::body::admin::SubscriptionGroupConfig;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{ConsumerSendMsgBackRequestHeader, SendMessageRequestHeaderV2};
use ferromq_protocol::{json, RemotingCommand};

const WAIT: Duration = Duration::from_secs(5);

/// Retries go through delay levels; make every level 1 s so tests need not wait minutes.
fn fast_retries(c: &mut ferromq_broker::BrokerConfig) {
    c.store.message_delay_level = vec!["1s"; 18].join(" ");
}

/// One stored message as a consumer sees it.
#[derive(Debug)]
struct Got {
    topic: String,
    body: Vec<u8>,
    reconsume_times: i32,
    physical_offset: i64,
    retry_topic: Option<String>,
    origin_msg_id: Option<String>,
    tags: Option<String>,
    keys: Option<String>,
}

/// The message at `offset` of queue 0 of `topic` (waits for it, bounded).
async fn message_at(c: &mut Client, group: &str, topic: &str, offset: i64) -> Got {
    let r = pull_found(c, group, topic, 0, offset, WAIT).await;
    assert_eq!(
        r.code,
        code::SUCCESS,
        "no message at {topic}:0@{offset}: {:?}",
        r.remark
    );
    let recs = common::records(&r);
    let m = &recs[0];
    assert_eq!(m.fields.queue_offset, offset);
    Got {
        topic: m.fields.topic.to_owned(),
        body: m.fields.body.to_vec(),
        reconsume_times: m.fields.reconsume_times,
        physical_offset: m.fields.physical_offset,
        retry_topic: m.property("RETRY_TOPIC").map(str::to_owned),
        origin_msg_id: m.property("ORIGIN_MESSAGE_ID").map(str::to_owned),
        tags: m.property("TAGS").map(str::to_owned),
        keys: m.property("KEYS").map(str::to_owned),
    }
}

/// CONSUMER_SEND_MSG_BACK of the message at physical `offset`.
async fn send_back(
    c: &mut Client,
    offset: i64,
    group: &str,
    delay_level: i32,
    max_reconsume_times: Option<i32>,
) -> RemotingCommand {
    let h = ConsumerSendMsgBackRequestHeader {
        offset,
        group: group.into(),
        delay_level,
        origin_msg_id: None,
        origin_topic: None,
        unit_mode: None,
        max_reconsume_times,
    };
    c.call(RemotingCommand::request(request_code::CONSUMER_SEND_MSG_BACK).with_header(&h))
        .await
}

/// Send one message and return (offset msg id, physical offset).
async fn send_original(c: &mut Client, topic: &str, body: &[u8]) -> (String, i64) {
    let r = c
        .send(
            topic,
            0,
            body,
            &props(&[("TAGS", "TagA"), ("KEYS", "order-1")]),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let msg_id = ext(&r, "msgId");
    let (_, phys) = record::decode_offset_msg_id(&msg_id).unwrap();
    (msg_id, phys)
}

/// Number of messages in queue 0 of `topic`.
async fn queue_len(c: &mut Client, topic: &str) -> i64 {
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_MAX_OFFSET)
                .with_ext_field("topic", topic)
                .with_ext_field("queueId", "0"),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS);
    ext(&r, "offset").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_back_is_redelivered_from_the_retry_topic() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let (msg_id, phys) = send_original(&mut c, "OrderEvents", b"order #1 paid").await;

    let r = send_back(&mut c, phys, "billing", 0, None).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let first = message_at(&mut c, "billing", "%RETRY%billing", 0).await;
    assert_eq!(first.topic, "%RETRY%billing");
    assert_eq!(first.body, b"order #1 paid");
    assert_eq!(first.reconsume_times, 1);
    assert_eq!(first.retry_topic.as_deref(), Some("OrderEvents"));
    assert_eq!(first.origin_msg_id.as_deref(), Some(msg_id.as_str()));
    assert_eq!(first.tags.as_deref(), Some("TagA"));
    assert_eq!(first.keys.as_deref(), Some("order-1"));

    // The retried message fails again: sent back from its own place in the retry topic.
    let r = send_back(&mut c, first.physical_offset, "billing", 0, None).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let second = message_at(&mut c, "billing", "%RETRY%billing", 1).await;
    assert_eq!(second.body, b"order #1 paid");
    assert_eq!(second.reconsume_times, 2);
    assert_eq!(
        second.retry_topic.as_deref(),
        Some("OrderEvents"),
        "RETRY_TOPIC keeps the original topic"
    );
    assert_eq!(second.origin_msg_id.as_deref(), Some(msg_id.as_str()));
    // The original message is untouched.
    assert_eq!(queue_len(&mut c, "OrderEvents").await, 1);
    assert_eq!(queue_len(&mut c, "%DLQ%billing").await, 0);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requests_max_reconsume_times_sends_it_to_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let (_, mut phys) = send_original(&mut c, "Jobs", b"job 7").await;
    // reconsumeTimes 0, 1, 2 are below 3: retried.
    for attempt in 0..3 {
        let r = send_back(&mut c, phys, "workers", 0, Some(3)).await;
        assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
        let m = message_at(&mut c, "workers", "%RETRY%workers", attempt).await;
        assert_eq!(m.reconsume_times, attempt as i32 + 1);
        phys = m.physical_offset;
    }
    // reconsumeTimes 3 reaches the maximum: dead letter.
    let r = send_back(&mut c, phys, "workers", 0, Some(3)).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let dead = message_at(&mut c, "workers", "%DLQ%workers", 0).await;
    assert_eq!(dead.topic, "%DLQ%workers");
    assert_eq!(dead.body, b"job 7");
    assert_eq!(dead.reconsume_times, 4);
    assert_eq!(dead.retry_topic.as_deref(), Some("Jobs"));
    assert_eq!(queue_len(&mut c, "%RETRY%workers").await, 3);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_groups_retry_max_times_sends_it_to_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let g = SubscriptionGroupConfig {
        retry_max_times: 1,
        ..SubscriptionGroupConfig::new("impatient")
    };
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
                .with_body(json::encode(&g)),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let (_, phys) = send_original(&mut c, "Mail", b"hello").await;
    let r = send_back(&mut c, phys, "impatient", 0, None).await;
    assert_eq!(r.code, code::SUCCESS);
    let retried = message_at(&mut c, "impatient", "%RETRY%impatient", 0).await;
    assert_eq!(retried.reconsume_times, 1);
    let r = send_back(&mut c, retried.physical_offset, "impatient", 0, None).await;
    assert_eq!(r.code, code::SUCCESS);
    let dead = message_at(&mut c, "impatient", "%DLQ%impatient", 0).await;
    assert_eq!(
        (dead.body.as_slice(), dead.reconsume_times),
        (&b"hello"[..], 2)
    );
    assert_eq!(queue_len(&mut c, "%RETRY%impatient").await, 1);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_clients_max_reconsume_times_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let (_, phys) = send_original(&mut c, "OldClient", b"v120").await;
    // Version 120 predates the header field: the group's 16 applies, so max 0 is ignored.
    let mut req = RemotingCommand::request(request_code::CONSUMER_SEND_MSG_BACK).with_header(
        &ConsumerSendMsgBackRequestHeader {
            offset: phys,
            group: "legacy".into(),
            delay_level: 0,
            origin_msg_id: None,
            origin_topic: None,
            unit_mode: None,
            max_reconsume_times: Some(0),
        },
    );
    req.version = 120;
    let r = c.call(req).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let m = message_at(&mut c, "legacy", "%RETRY%legacy", 0).await;
    assert_eq!(m.reconsume_times, 1);
    assert_eq!(queue_len(&mut c, "%DLQ%legacy").await, 0);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negative_delay_level_goes_straight_to_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let (_, phys) = send_original(&mut c, "Poison", b"cannot parse").await;
    let r = send_back(&mut c, phys, "parser", -1, None).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let dead = message_at(&mut c, "parser", "%DLQ%parser", 0).await;
    assert_eq!(dead.body, b"cannot parse");
    assert_eq!(dead.reconsume_times, 1);
    assert_eq!(dead.retry_topic.as_deref(), Some("Poison"));
    assert_eq!(queue_len(&mut c, "%RETRY%parser").await, 0);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_back_an_unknown_offset_is_a_system_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    send_original(&mut c, "Something", b"x").await;
    let r = send_back(&mut c, 1 << 40, "lost", 0, None).await;
    assert_eq!(r.code, code::SYSTEM_ERROR, "{:?}", r.remark);
    assert_eq!(queue_len(&mut c, "%RETRY%lost").await, 0);
    assert_eq!(queue_len(&mut c, "%DLQ%lost").await, 0);
    b.stop_all().await;
}

/// A client's own retry send (spec §11.3): SEND_MESSAGE_V2 to `%RETRY%<group>` with
/// reconsumeTimes `j` and maxReconsumeTimes `l`.
async fn client_retry_send(
    c: &mut Client,
    group: &str,
    body: &[u8],
    j: i32,
    l: i32,
) -> RemotingCommand {
    let h = SendMessageRequestHeaderV2 {
        a: "CLIENT_INNER_PRODUCER".into(),
        b: format!("%RETRY%{group}"),
        c: "TBW102".into(),
        d: 4,
        e: 0,
        f: 0,
        g: 1_700_000_000_000,
        h: 0,
        i: Some(props(&[("RETRY_TOPIC", "Orders"), ("TAGS", "TagA")])),
        j: Some(j),
        k: None,
        l: Some(l),
        m: None,
        n: None,
    };
    c.call(
        RemotingCommand::request(request_code::SEND_MESSAGE_V2)
            .with_header(&h)
            .with_body(Bytes::copy_from_slice(body)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_retry_send_past_its_maximum_is_redirected_to_the_dlq() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
                .with_body(json::encode(&SubscriptionGroupConfig::new("shop"))),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS);
    // At the maximum (3 > 3 is false): still a retry.
    let r = client_retry_send(&mut c, "shop", b"third try", 3, 3).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let m = message_at(&mut c, "shop", "%RETRY%shop", 0).await;
    assert_eq!(
        (m.body.as_slice(), m.reconsume_times),
        (&b"third try"[..], 3)
    );
    // Past it: dead letter.
    let r = client_retry_send(&mut c, "shop", b"fifth try", 5, 3).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let dead = message_at(&mut c, "shop", "%DLQ%shop", 0).await;
    assert_eq!(dead.topic, "%DLQ%shop");
    assert_eq!(dead.body, b"fifth try");
    assert_eq!(dead.reconsume_times, 5);
    assert_eq!(dead.retry_topic.as_deref(), Some("Orders"));
    assert_eq!(queue_len(&mut c, "%RETRY%shop").await, 1);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_retry_send_for_a_group_not_seen_yet_is_accepted() {
    // autoCreateSubscriptionGroup is on by default, so the group is created on first use
    // (spec §12.2) like the send-back path does.
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), fast_retries).await;
    let mut c = Client::connect(b.addr).await;
    let r = client_retry_send(&mut c, "fresh", b"retry", 1, 16).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let m = message_at(&mut c, "fresh", "%RETRY%fresh", 0).await;
    assert_eq!(m.reconsume_times, 1);
    b.stop_all().await;
}
