//! Send → pull over real sockets: order, CRCs, tags, batches, offsets, long polling.

mod common;

use std::time::{Duration, Instant};

use common::{ext, props, Client, TestBroker};
use ferromq_engine::record::{self, RecordView};
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    QueryConsumerOffsetRequestHeader, SendMessageRequestHeaderV2, UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::RemotingCommand;

fn bodies(resp: &RemotingCommand) -> Vec<(i64, Vec<u8>, String)> {
    let (recs, complete) = record::decode_all(resp.body_bytes(), true);
    assert!(complete, "pull body has a record that fails its checks");
    recs.iter()
        .map(|r| {
            (
                r.fields.queue_offset,
                r.fields.body.to_vec(),
                r.property("TAGS").unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_come_back_in_order_with_valid_crcs() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    for i in 0..100 {
        let r = c
            .send(
                "OrderTopic",
                1,
                format!("m{i}").as_bytes(),
                &props(&[("KEYS", &format!("k{i}"))]),
            )
            .await;
        assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
        assert_eq!(ext(&r, "queueOffset"), i.to_string());
        assert_eq!(ext(&r, "queueId"), "1");
        assert_eq!(ext(&r, "MSG_REGION"), "DefaultRegion");
        assert_eq!(ext(&r, "msgId").len(), 32);
        assert_eq!(
            ext(&r, "transactionId").len(),
            32,
            "broker generates a UNIQ_KEY"
        );
    }
    let mut got = Vec::new();
    let mut offset = 0;
    let t = Instant::now();
    while got.len() < 100 && t.elapsed() < Duration::from_secs(10) {
        let r = c.pull("g1", "OrderTopic", 1, offset, "*", 0).await;
        if r.code == code::SUCCESS {
            got.extend(bodies(&r));
            offset = ext(&r, "nextBeginOffset").parse().unwrap();
        }
    }
    assert_eq!(got.len(), 100);
    for (i, (q, body, _)) in got.iter().enumerate() {
        assert_eq!(*q, i as i64);
        assert_eq!(body, format!("m{i}").as_bytes());
    }
    // The offset id locates the record: VIEW_MESSAGE_BY_ID returns it.
    let r = c.send("OrderTopic", 1, b"viewed", "").await;
    let (_, phys) = record::decode_offset_msg_id(&ext(&r, "msgId")).unwrap();
    let view = c
        .call(
            RemotingCommand::request(request_code::VIEW_MESSAGE_BY_ID)
                .with_ext_field("offset", phys.to_string()),
        )
        .await;
    assert_eq!(view.code, code::SUCCESS);
    assert_eq!(
        RecordView::decode(view.body_bytes(), true)
            .unwrap()
            .fields
            .body,
        b"viewed"
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_filters_select_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    for i in 0..30 {
        let tag = ["TagA", "TagB", "TagC"][i % 3];
        assert_eq!(
            c.send("TagTopic", 0, b"x", &props(&[("TAGS", tag)]))
                .await
                .code,
            code::SUCCESS
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = c.pull("g", "TagTopic", 0, 0, "TagA || TagC", 0).await;
    assert_eq!(r.code, code::SUCCESS);
    let got = bodies(&r);
    assert_eq!(got.len(), 20);
    assert!(got.iter().all(|(_, _, t)| t == "TagA" || t == "TagC"));
    let r = c.pull("g", "TagTopic", 0, 0, "TagZ", 0).await;
    assert_eq!(r.code, code::PULL_RETRY_IMMEDIATELY);
    assert_eq!(r.remark.as_deref(), Some("NO_MATCHED_MESSAGE"));
    assert_eq!(ext(&r, "nextBeginOffset"), "30");
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_stored_as_consecutive_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let mut body = Vec::new();
    for i in 0..5 {
        let p = props(&[
            ("KEYS", &format!("b{i}")),
            ("UNIQ_KEY", &format!("{:032X}", i)),
        ]);
        let text = format!("batch-{i}");
        let total = 20 + text.len() + 2 + p.len();
        body.extend_from_slice(&(total as i32).to_be_bytes());
        body.extend_from_slice(&[0; 8]);
        body.extend_from_slice(&0i32.to_be_bytes());
        body.extend_from_slice(&(text.len() as i32).to_be_bytes());
        body.extend_from_slice(text.as_bytes());
        body.extend_from_slice(&(p.len() as i16).to_be_bytes());
        body.extend_from_slice(p.as_bytes());
    }
    let h = SendMessageRequestHeaderV2 {
        a: "pg".into(),
        b: "BatchTopic".into(),
        c: "TBW102".into(),
        d: 4,
        e: 2,
        f: 0,
        g: 1,
        h: 0,
        i: None,
        j: None,
        k: None,
        l: None,
        m: Some(true),
        n: None,
    };
    let r = c
        .call(
            RemotingCommand::request(request_code::SEND_BATCH_MESSAGE)
                .with_header(&h)
                .with_body(body),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert_eq!(ext(&r, "msgId").split(',').count(), 5);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = bodies(&c.pull("g", "BatchTopic", 2, 0, "*", 0).await);
    let texts: Vec<String> = got
        .iter()
        .map(|(_, b, _)| String::from_utf8(b.clone()).unwrap())
        .collect();
    assert_eq!(
        texts,
        (0..5).map(|i| format!("batch-{i}")).collect::<Vec<_>>()
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_is_answered_as_soon_as_a_message_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut consumer = Client::connect(b.addr).await;
    let mut producer = Client::connect(b.addr).await;
    // Create the topic and drain it.
    assert_eq!(
        producer.send("PollTopic", 0, b"first", "").await.code,
        code::SUCCESS
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        consumer.pull("g", "PollTopic", 0, 0, "*", 0).await.code,
        code::SUCCESS
    );

    // Held: suspend up to 20 s at offset 1.
    let started = Instant::now();
    let opaque = consumer
        .send_only(common::pull_request("g", "PollTopic", 0, 1, "*", 20_000))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        producer.send("PollTopic", 0, b"second", "").await.code,
        code::SUCCESS
    );
    let r = consumer.response(opaque, Duration::from_secs(25)).await;
    let waited = started.elapsed();
    assert_eq!(r.code, code::SUCCESS);
    assert_eq!(bodies(&r)[0].1, b"second");
    assert!(
        waited < Duration::from_secs(10),
        "long poll was not woken by the send (took {waited:?})"
    );

    // Nothing arrives: the hold ends at its suspend time with PULL_NOT_FOUND and all fields.
    let r = consumer.pull("g", "PollTopic", 0, 2, "*", 300).await;
    assert_eq!(r.code, code::PULL_NOT_FOUND);
    assert_eq!(r.remark.as_deref(), Some("OFFSET_OVERFLOW_ONE"));
    for k in [
        "nextBeginOffset",
        "minOffset",
        "maxOffset",
        "suggestWhichBrokerId",
    ] {
        assert!(!ext(&r, k).is_empty(), "{k} missing");
    }
    // A message with another tag does not wake a filtered hold.
    let opaque = consumer
        .send_only(common::pull_request(
            "g",
            "PollTopic",
            0,
            2,
            "TagWanted",
            1_000,
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    producer
        .send("PollTopic", 0, b"other", &props(&[("TAGS", "TagOther")]))
        .await;
    let r = consumer.response(opaque, Duration::from_secs(5)).await;
    assert_ne!(r.code, code::SUCCESS);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_offsets_are_committed_and_queried() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    c.send("OffTopic", 0, b"x", "").await;
    // Wait until the message is in its queue.
    let t = Instant::now();
    while c.pull("probe", "OffTopic", 0, 0, "*", 0).await.code != code::SUCCESS {
        assert!(t.elapsed() < Duration::from_secs(5));
    }
    let q = |g: &str| QueryConsumerOffsetRequestHeader {
        consumer_group: g.into(),
        topic: "OffTopic".into(),
        queue_id: 0,
        set_zero_if_not_found: None,
    };
    // A new group on hot data that starts at 0 is told 0.
    let r = c
        .call(RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(&q("new")))
        .await;
    assert_eq!((r.code, ext(&r, "offset")), (code::SUCCESS, "0".to_owned()));
    let mut no_zero = q("new");
    no_zero.set_zero_if_not_found = Some(false);
    let r = c
        .call(RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(&no_zero))
        .await;
    assert_eq!(r.code, code::QUERY_NOT_FOUND);
    let u = UpdateConsumerOffsetRequestHeader {
        consumer_group: "g".into(),
        topic: "OffTopic".into(),
        queue_id: 0,
        commit_offset: 42,
    };
    let r = c
        .call(RemotingCommand::request(request_code::UPDATE_CONSUMER_OFFSET).with_header(&u))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let r = c
        .call(RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(&q("g")))
        .await;
    assert_eq!(ext(&r, "offset"), "42");
    // The commit bit of a pull stores the offset too.
    let mut pull = common::pull_request("g", "OffTopic", 0, 0, "*", 0);
    pull.ext_fields.insert("sysFlag".into(), "5".into());
    pull.ext_fields.insert("commitOffset".into(), "7".into());
    c.call(pull).await;
    let r = c
        .call(RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(&q("g")))
        .await;
    assert_eq!(ext(&r, "offset"), "7");
    let r = c
        .call(RemotingCommand::request(
            request_code::GET_ALL_CONSUMER_OFFSET,
        ))
        .await;
    assert!(String::from_utf8_lossy(r.body_bytes()).contains("OffTopic@g"));
    b.stop_all().await;
}
