//! Admin requests (spec §3.14, §3.16, §12.2): topics and subscription groups are created,
//! listed and deleted, topic changes reach the name server at once, and the offset, time,
//! statistics, runtime and configuration queries answer what the store holds.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{create_topic_request, ext, pull_found, Client, TestBroker};
use ferromq_protocol::body::admin::{
    ConsumeStats, SubscriptionGroupConfig, SubscriptionGroupWrapper, TopicStatsTable,
};
use ferromq_protocol::body::common::{perm, MessageQueue, TopicConfig};
use ferromq_protocol::body::namesrv::KvTable;
use ferromq_protocol::body::register::TopicConfigSerializeWrapper;
use ferromq_protocol::body::route::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    DeleteSubscriptionGroupRequestHeader, GetConsumeStatsRequestHeader, TopicRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};

const WAIT: Duration = Duration::from_secs(5);
const BROKER_NAME: &str = "broker-test";

async fn all_topics(c: &mut Client) -> BTreeMap<String, TopicConfig> {
    let r = c
        .call(RemotingCommand::request(request_code::GET_ALL_TOPIC_CONFIG))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let w: TopicConfigSerializeWrapper = json::decode(r.body_bytes()).unwrap();
    w.topic_config_table
}

async fn all_groups(c: &mut Client) -> BTreeMap<String, SubscriptionGroupConfig> {
    let r = c
        .call(RemotingCommand::request(
            request_code::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        ))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let w: SubscriptionGroupWrapper = json::decode(r.body_bytes()).unwrap();
    w.subscription_group_table
}

/// A `topic` + `queueId` query (GET_MAX_OFFSET, GET_MIN_OFFSET, GET_EARLIEST_MSG_STORETIME, …)
/// and the value of `key` in its response.
async fn queue_query(
    c: &mut Client,
    code_: i32,
    topic: &str,
    queue_id: i32,
    extra: &[(&str, &str)],
    key: &str,
) -> i64 {
    let mut req = RemotingCommand::request(code_)
        .with_ext_field("topic", topic)
        .with_ext_field("queueId", queue_id.to_string());
    for (k, v) in extra {
        req = req.with_ext_field(*k, *v);
    }
    let r = c.call(req).await;
    assert_eq!(r.code, code::SUCCESS, "request {code_}: {:?}", r.remark);
    ext(&r, key).parse().unwrap()
}

/// GET_ROUTEINFO_BY_TOPIC at the name server.
async fn route(namesrv: &mut Client, topic: &str) -> RemotingCommand {
    namesrv
        .call(
            RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC)
                .with_ext_field("topic", topic),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_topic_reaches_the_name_server_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let mut ns = Client::connect(b.namesrv).await;
    // Wait for the registration at start, so the topic below can only arrive by a push.
    let deadline = tokio::time::Instant::now() + WAIT;
    while route(&mut ns, "TBW102").await.code != code::SUCCESS {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broker never registered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(route(&mut ns, "Invoices").await.code, code::TOPIC_NOT_EXIST);

    let r = c
        .call(create_topic_request("Invoices", 3, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    // Periodic registration is every 30 s; the change must be pushed well before that.
    let deadline = tokio::time::Instant::now() + WAIT;
    let r = loop {
        let r = route(&mut ns, "Invoices").await;
        if r.code == code::SUCCESS || tokio::time::Instant::now() >= deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        r.code,
        code::SUCCESS,
        "the name server does not know the new topic: {:?}",
        r.remark
    );
    let rd: TopicRouteData = json::decode(r.body_bytes()).unwrap();
    assert_eq!(rd.broker_datas.len(), 1);
    assert_eq!(rd.broker_datas[0].broker_name, BROKER_NAME);
    assert_eq!(
        rd.broker_datas[0].broker_addrs.get(&0).map(String::as_str),
        Some(b.addr.to_string().as_str())
    );
    assert!(
        String::from_utf8_lossy(r.body_bytes()).contains(&format!("\"0\":\"{}\"", b.addr))
            || String::from_utf8_lossy(r.body_bytes()).contains(&format!("0:\"{}\"", b.addr)),
        "brokerAddrs key 0 not in {}",
        String::from_utf8_lossy(r.body_bytes())
    );
    assert_eq!(rd.queue_datas.len(), 1);
    let q = &rd.queue_datas[0];
    assert_eq!(
        (q.read_queue_nums, q.write_queue_nums, q.perm),
        (3, 3, perm::READ_WRITE)
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_listed_with_the_built_in_ones_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(create_topic_request("Shipments", 3, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let topics = all_topics(&mut c).await;
    let t = &topics["Shipments"];
    assert_eq!(
        (t.read_queue_nums, t.write_queue_nums, t.perm),
        (3, 3, perm::READ_WRITE)
    );
    assert_eq!(topics["TBW102"].perm, 7);
    let schedule = &topics["SCHEDULE_TOPIC_XXXX"];
    assert_eq!(
        (schedule.read_queue_nums, schedule.write_queue_nums),
        (18, 18)
    );
    assert!(topics.contains_key("RMQ_SYS_TRANS_HALF_TOPIC"));
    assert!(topics.contains_key("SELF_TEST_TOPIC"));
    assert!(topics.contains_key("OFFSET_MOVED_EVENT"));
    assert!(topics.contains_key(BROKER_NAME));

    // Updating changes the queue count.
    let r = c
        .call(create_topic_request("Shipments", 4, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    assert_eq!(all_topics(&mut c).await["Shipments"].write_queue_nums, 4);

    for i in 0..3 {
        assert_eq!(
            c.send("Shipments", 1, format!("s{i}").as_bytes(), "")
                .await
                .code,
            code::SUCCESS
        );
    }
    assert_eq!(
        pull_found(&mut c, "g", "Shipments", 1, 2, WAIT).await.code,
        code::SUCCESS
    );
    let r = c
        .call(
            RemotingCommand::request(request_code::DELETE_TOPIC_IN_BROKER).with_header(
                &TopicRequestHeader {
                    topic: "Shipments".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert!(!all_topics(&mut c).await.contains_key("Shipments"));
    let r = c.pull("g", "Shipments", 1, 0, "*", 0).await;
    assert_eq!(r.code, code::TOPIC_NOT_EXIST, "{:?}", r.remark);
    assert_eq!(
        queue_query(
            &mut c,
            request_code::GET_MAX_OFFSET,
            "Shipments",
            1,
            &[],
            "offset"
        )
        .await,
        0,
        "the deleted topic's queue still has messages"
    );
    // System topics cannot be created by clients.
    let r = c
        .call(create_topic_request(
            "SCHEDULE_TOPIC_XXXX",
            1,
            perm::READ_WRITE,
        ))
        .await;
    assert_eq!(r.code, code::INVALID_PARAMETER);
    b.stop_all().await;
}

/// SEARCH_OFFSET_BY_TIMESTAMP on queue 0 of `topic`.
async fn search(c: &mut Client, topic: &str, ts: i64, boundary: Option<&str>) -> i64 {
    let ts = ts.to_string();
    let mut extra = vec![("timestamp", ts.as_str())];
    if let Some(bt) = boundary {
        extra.push(("boundaryType", bt));
    }
    queue_query(
        c,
        request_code::SEARCH_OFFSET_BY_TIMESTAMP,
        topic,
        0,
        &extra,
        "offset",
    )
    .await
}

/// Send `n` messages to `topic`:`queue_id` a few milliseconds apart; their store timestamps.
async fn send_spaced(c: &mut Client, topic: &str, queue_id: i32, n: usize) -> Vec<i64> {
    let mut first_offset = None;
    for i in 0..n {
        let r = c
            .send(topic, queue_id, format!("m{i}").as_bytes(), "")
            .await;
        assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
        first_offset.get_or_insert(ext(&r, "queueOffset").parse::<i64>().unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first = first_offset.unwrap();
    let last = first + n as i64 - 1;
    assert_eq!(
        pull_found(c, "probe", topic, queue_id, last, WAIT)
            .await
            .code,
        code::SUCCESS
    );
    let r = c.pull("probe", topic, queue_id, first, "*", 0).await;
    let recs = common::records(&r);
    assert_eq!(recs.len(), n);
    recs.iter().map(|m| m.fields.store_timestamp).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offset_and_time_queries_match_the_stored_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let times = send_spaced(&mut c, "Ticks", 0, 5).await;
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    let max = request_code::GET_MAX_OFFSET;
    assert_eq!(queue_query(&mut c, max, "Ticks", 0, &[], "offset").await, 5);
    assert_eq!(
        queue_query(&mut c, max, "Ticks", 1, &[], "offset").await,
        0,
        "an empty queue"
    );
    assert_eq!(
        queue_query(
            &mut c,
            request_code::GET_MIN_OFFSET,
            "Ticks",
            0,
            &[],
            "offset"
        )
        .await,
        0
    );
    assert_eq!(
        queue_query(
            &mut c,
            request_code::GET_EARLIEST_MSG_STORETIME,
            "Ticks",
            0,
            &[],
            "timestamp"
        )
        .await,
        times[0]
    );
    for (k, ts) in times.iter().enumerate() {
        assert_eq!(
            search(&mut c, "Ticks", *ts, None).await,
            k as i64,
            "lower at message {k}"
        );
        assert_eq!(
            search(&mut c, "Ticks", *ts, Some("UPPER")).await,
            k as i64,
            "upper at message {k}"
        );
        // Between two messages: lower finds the next one.
        if k > 0 {
            assert_eq!(
                search(&mut c, "Ticks", ts - 1, Some("lower")).await,
                k as i64
            );
        }
    }
    assert_eq!(
        search(&mut c, "Ticks", times[0] - 60_000, None).await,
        0,
        "all newer"
    );
    assert_eq!(
        search(&mut c, "Ticks", times[4] + 60_000, None).await,
        5,
        "all older"
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_stats_show_each_queues_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(create_topic_request("Stats", 3, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let t0 = send_spaced(&mut c, "Stats", 0, 2).await;
    let t2 = send_spaced(&mut c, "Stats", 2, 3).await;
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_TOPIC_STATS_INFO).with_header(
                &TopicRequestHeader {
                    topic: "Stats".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let stats = TopicStatsTable::decode(r.body_bytes()).unwrap();
    assert_eq!(stats.offset_table.len(), 3);
    let q = |i| &stats.offset_table[&MessageQueue::new("Stats", BROKER_NAME, i)];
    assert_eq!((q(0).min_offset, q(0).max_offset), (0, 2));
    assert_eq!((q(1).min_offset, q(1).max_offset), (0, 0));
    assert_eq!((q(2).min_offset, q(2).max_offset), (0, 3));
    assert_eq!(q(0).last_update_timestamp, t0[1]);
    assert_eq!(q(1).last_update_timestamp, 0);
    assert_eq!(q(2).last_update_timestamp, t2[2]);
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_TOPIC_STATS_INFO).with_header(
                &TopicRequestHeader {
                    topic: "NoStats".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::TOPIC_NOT_EXIST);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_stats_show_the_lag_after_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(create_topic_request("Lag", 2, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let times = send_spaced(&mut c, "Lag", 0, 4).await;
    send_spaced(&mut c, "Lag", 1, 1).await;
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_CONSUMER_OFFSET).with_header(
                &UpdateConsumerOffsetRequestHeader {
                    consumer_group: "lagging".into(),
                    topic: "Lag".into(),
                    queue_id: 0,
                    commit_offset: 1,
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS);
    for topic in [Some("Lag".to_owned()), None] {
        let r = c
            .call(
                RemotingCommand::request(request_code::GET_CONSUME_STATS).with_header(
                    &GetConsumeStatsRequestHeader {
                        consumer_group: "lagging".into(),
                        topic: topic.clone(),
                        topic_list: None,
                    },
                ),
            )
            .await;
        assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
        let stats = ConsumeStats::decode(r.body_bytes()).unwrap();
        let q0 = stats.offset_table[&MessageQueue::new("Lag", BROKER_NAME, 0)];
        assert_eq!(
            (q0.broker_offset, q0.consumer_offset),
            (4, 1),
            "topic {topic:?}"
        );
        assert_eq!(q0.broker_offset - q0.consumer_offset, 3, "lag");
        assert_eq!(q0.last_timestamp, times[0]);
        let q1 = stats.offset_table[&MessageQueue::new("Lag", BROKER_NAME, 1)];
        assert_eq!((q1.broker_offset, q1.consumer_offset), (1, 0));
    }
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_info_and_config_describe_the_broker() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    send_spaced(&mut c, "Runtime", 0, 3).await;
    let r = c.pull("g", "Runtime", 0, 2, "*", 0).await;
    let last = &common::records(&r)[0];
    let end = last.fields.physical_offset + last.total_size as i64;

    let r = c
        .call(RemotingCommand::request(
            request_code::GET_BROKER_RUNTIME_INFO,
        ))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let kv: KvTable = json::decode(r.body_bytes()).unwrap();
    let max: i64 = kv.table["commitLogMaxOffset"].parse().unwrap();
    assert_eq!(
        max, end,
        "commitLogMaxOffset is the end of the last message"
    );
    assert!(kv.table.contains_key("brokerVersion"));

    let r = c
        .call(RemotingCommand::request(request_code::GET_BROKER_CONFIG))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let text = String::from_utf8_lossy(r.body_bytes()).into_owned();
    assert!(
        text.lines()
            .any(|l| l == format!("brokerName={BROKER_NAME}")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l == format!("listenPort={}", b.addr.port())),
        "{text}"
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_groups_are_created_listed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    assert!(all_groups(&mut c).await.contains_key("TOOLS_CONSUMER"));
    let g = SubscriptionGroupConfig {
        retry_max_times: 5,
        retry_queue_nums: 2,
        consume_broadcast_enable: false,
        ..SubscriptionGroupConfig::new("orders_cg")
    };
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
                .with_body(json::encode(&g)),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let groups = all_groups(&mut c).await;
    let got = groups.get("orders_cg").expect("group not listed");
    assert_eq!((got.retry_max_times, got.retry_queue_nums), (5, 2));
    assert!(!got.consume_broadcast_enable);

    let r = c
        .call(
            RemotingCommand::request(request_code::DELETE_SUBSCRIPTIONGROUP).with_header(
                &DeleteSubscriptionGroupRequestHeader {
                    group_name: "orders_cg".into(),
                    clean_offset: None,
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let groups = all_groups(&mut c).await;
    assert!(!groups.contains_key("orders_cg"));
    assert!(groups.contains_key("TOOLS_CONSUMER"));
    b.stop_all().await;
}
