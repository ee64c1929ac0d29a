//! Clients as the broker sees them (spec §3.6–3.8, §3.12, §3.13, §3.16): heartbeats register
//! producer and consumer groups, membership changes are pushed to the group's members, a pull
//! without its own subscription uses the heartbeat's, and orderly consumers lock queues.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{ext, props, pull_found, Client, TestBroker};
use ferromq_engine::record::java_hash;
use ferromq_protocol::body::client::{
    ConsumeType, ConsumerConnection, ConsumerData, GetConsumerListByGroupResponseBody,
    HeartbeatData, LockBatchRequestBody, LockBatchResponseBody, MessageModel, ProducerConnection,
    ProducerData, SubscriptionData,
};
use ferromq_protocol::body::common::MessageQueue;
use ferromq_protocol::body::register::TopicConfigSerializeWrapper;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    GetConsumerConnectionListRequestHeader, GetConsumerListByGroupRequestHeader,
    GetProducerConnectionListRequestHeader, UnregisterClientRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};

const WAIT: Duration = Duration::from_secs(5);
const BROKER_NAME: &str = "broker-test";

fn subscription(topic: &str, expr: &str) -> SubscriptionData {
    let tags: Vec<&str> = if expr == "*" {
        Vec::new()
    } else {
        expr.split("||").map(str::trim).collect()
    };
    SubscriptionData {
        code_set: tags.iter().map(|t| java_hash(t)).collect(),
        sub_string: expr.into(),
        sub_version: 1_700_000_000_000,
        tags_set: tags.iter().map(|t| (*t).to_owned()).collect(),
        topic: topic.into(),
        ..SubscriptionData::default()
    }
}

/// A HEART_BEAT for one push consumer of `group` (subscriptions `(topic, expression)`) plus
/// its retry topic, and the given producer groups.
fn heartbeat(
    client_id: &str,
    group: Option<&str>,
    subs: &[(&str, &str)],
    producers: &[&str],
) -> RemotingCommand {
    let consumer_data_set = group
        .map(|g| {
            let mut set: Vec<SubscriptionData> =
                subs.iter().map(|(t, e)| subscription(t, e)).collect();
            set.push(subscription(&format!("%RETRY%{g}"), "*"));
            vec![ConsumerData {
                consume_type: ConsumeType::ConsumePassively,
                group_name: g.into(),
                message_model: MessageModel::Clustering,
                subscription_data_set: set,
                ..ConsumerData::default()
            }]
        })
        .unwrap_or_default();
    let data = HeartbeatData {
        client_id: client_id.into(),
        consumer_data_set,
        producer_data_set: producers
            .iter()
            .map(|p| ProducerData {
                group_name: (*p).into(),
            })
            .collect(),
        ..HeartbeatData::default()
    };
    RemotingCommand::request(request_code::HEART_BEAT).with_body(json::encode(&data))
}

async fn consumer_ids(c: &mut Client, group: &str) -> (i32, Vec<String>) {
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_CONSUMER_LIST_BY_GROUP).with_header(
                &GetConsumerListByGroupRequestHeader {
                    consumer_group: group.into(),
                },
            ),
        )
        .await;
    if r.code != code::SUCCESS {
        return (r.code, Vec::new());
    }
    let body: GetConsumerListByGroupResponseBody = json::decode(r.body_bytes()).unwrap();
    let mut ids = body.consumer_id_list;
    ids.sort();
    (r.code, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_registers_the_consumer_and_members_are_told_of_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c1 = Client::connect(b.addr).await;
    let r = c1
        .call(heartbeat("10.0.0.1@1", Some("cg"), &[("T", "*")], &[]))
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    assert_eq!(ext(&r, "IS_SUPPORT_HEART_BEAT_V2"), "true");
    assert_eq!(
        consumer_ids(&mut c1, "cg").await,
        (code::SUCCESS, vec!["10.0.0.1@1".to_owned()])
    );
    // A repeated heartbeat with nothing new changes nothing.
    c1.pushed.clear();
    let r = c1
        .call(heartbeat("10.0.0.1@1", Some("cg"), &[("T", "*")], &[]))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    assert!(
        c1.wait_pushed(
            request_code::NOTIFY_CONSUMER_IDS_CHANGED,
            Duration::from_millis(300)
        )
        .await
        .is_none(),
        "an unchanged heartbeat notified the group"
    );

    // A second member joins on another connection: the first one is told.
    let mut c2 = Client::connect(b.addr).await;
    let r = c2
        .call(heartbeat("10.0.0.2@2", Some("cg"), &[("T", "*")], &[]))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let n = c1
        .wait_pushed(request_code::NOTIFY_CONSUMER_IDS_CHANGED, WAIT)
        .await
        .expect("no NOTIFY_CONSUMER_IDS_CHANGED after a member joined");
    assert!(n.is_oneway(), "NOTIFY_CONSUMER_IDS_CHANGED must be oneway");
    assert!(!n.is_response());
    assert_eq!(ext(&n, "consumerGroup"), "cg");
    assert_eq!(
        consumer_ids(&mut c1, "cg").await,
        (
            code::SUCCESS,
            vec!["10.0.0.1@1".to_owned(), "10.0.0.2@2".to_owned()]
        )
    );

    // The second member's connection closes: told again, and it leaves the list.
    drop(c2);
    let n = c1
        .wait_pushed(request_code::NOTIFY_CONSUMER_IDS_CHANGED, WAIT)
        .await
        .expect("no NOTIFY_CONSUMER_IDS_CHANGED after a member's connection closed");
    assert_eq!(ext(&n, "consumerGroup"), "cg");
    assert_eq!(
        consumer_ids(&mut c1, "cg").await,
        (code::SUCCESS, vec!["10.0.0.1@1".to_owned()])
    );
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregister_client_removes_it_from_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c1 = Client::connect(b.addr).await;
    let mut c2 = Client::connect(b.addr).await;
    c1.call(heartbeat("c1@1", Some("ug"), &[("T", "*")], &["upg"]))
        .await;
    c2.call(heartbeat("c2@2", Some("ug"), &[("T", "*")], &[]))
        .await;
    assert_eq!(consumer_ids(&mut c1, "ug").await.1.len(), 2);
    c1.pushed.clear();
    let r = c2
        .call(
            RemotingCommand::request(request_code::UNREGISTER_CLIENT).with_header(
                &UnregisterClientRequestHeader {
                    client_id: "c2@2".into(),
                    producer_group: None,
                    consumer_group: Some("ug".into()),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS);
    assert!(
        c1.wait_pushed(request_code::NOTIFY_CONSUMER_IDS_CHANGED, WAIT)
            .await
            .is_some(),
        "the remaining member was not told"
    );
    assert_eq!(
        consumer_ids(&mut c1, "ug").await,
        (code::SUCCESS, vec!["c1@1".to_owned()])
    );
    // The last member unregisters its consumer and producer: nobody left.
    let r = c1
        .call(
            RemotingCommand::request(request_code::UNREGISTER_CLIENT).with_header(
                &UnregisterClientRequestHeader {
                    client_id: "c1@1".into(),
                    producer_group: Some("upg".into()),
                    consumer_group: Some("ug".into()),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS);
    assert_eq!(consumer_ids(&mut c1, "ug").await.0, code::SYSTEM_ERROR);
    let r = c1
        .call(
            RemotingCommand::request(request_code::GET_PRODUCER_CONNECTION_LIST).with_header(
                &GetProducerConnectionListRequestHeader {
                    producer_group: "upg".into(),
                },
            ),
        )
        .await;
    assert_ne!(r.code, code::SUCCESS, "the producer group is still listed");
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_group_has_no_consumers() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_CONSUMER_LIST_BY_GROUP).with_header(
                &GetConsumerListByGroupRequestHeader {
                    consumer_group: "nobody".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SYSTEM_ERROR);
    assert!(r
        .remark
        .unwrap_or_default()
        .contains("no consumer for this group"));
    let r = c
        .call(
            RemotingCommand::request(request_code::GET_CONSUMER_CONNECTION_LIST).with_header(
                &GetConsumerConnectionListRequestHeader {
                    consumer_group: "nobody".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::CONSUMER_NOT_ONLINE);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_creates_the_retry_topic() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |cfg| cfg.auto_create_topic_enable = false).await;
    let mut c = Client::connect(b.addr).await;
    let topics = |r: &RemotingCommand| {
        let w: TopicConfigSerializeWrapper = json::decode(r.body_bytes()).unwrap();
        w.topic_config_table
    };
    let r = c
        .call(RemotingCommand::request(request_code::GET_ALL_TOPIC_CONFIG))
        .await;
    assert!(!topics(&r).contains_key("%RETRY%rg"));
    c.call(heartbeat("c@1", Some("rg"), &[("T", "*")], &[]))
        .await;
    let r = c
        .call(RemotingCommand::request(request_code::GET_ALL_TOPIC_CONFIG))
        .await;
    let table = topics(&r);
    let retry = table
        .get("%RETRY%rg")
        .expect("no %RETRY%rg after a heartbeat");
    assert_eq!((retry.read_queue_nums, retry.write_queue_nums), (1, 1));
    assert_eq!(
        retry.perm & 6,
        6,
        "retry topic must be readable and writable"
    );
    // Even without auto-creation, the retry topic takes sends and pulls.
    let r = c.send("%RETRY%rg", 0, b"retry me", "").await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let r = pull_found(&mut c, "rg", "%RETRY%rg", 0, 0, WAIT).await;
    assert_eq!(r.code, code::SUCCESS);
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_without_its_own_subscription_uses_the_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b.addr).await;
    for i in 0..12 {
        let tag = ["TagA", "TagB", "TagC"][i % 3];
        let r = c
            .send("SubTopic", 0, tag.as_bytes(), &props(&[("TAGS", tag)]))
            .await;
        assert_eq!(r.code, code::SUCCESS);
    }
    assert_eq!(
        pull_found(&mut c, "probe", "SubTopic", 0, 11, WAIT)
            .await
            .code,
        code::SUCCESS
    );
    let pull_no_sub = |group: &str, topic: &str| {
        let mut p = common::pull_request(group, topic, 0, 0, "*", 0);
        p.ext_fields.insert("sysFlag".into(), "0".into());
        p.ext_fields.remove("subscription");
        p.ext_fields.remove("expressionType");
        p
    };
    // No heartbeat for this group: no subscription to use.
    let r = c.call(pull_no_sub("silent_group", "SubTopic")).await;
    assert_eq!(r.code, code::SUBSCRIPTION_NOT_EXIST, "{:?}", r.remark);

    c.call(heartbeat(
        "c@1",
        Some("sub_group"),
        &[("SubTopic", "TagA || TagC")],
        &[],
    ))
    .await;
    let r = c.call(pull_no_sub("sub_group", "SubTopic")).await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let recs = common::records(&r);
    let tags: Vec<&str> = recs.iter().map(|r| r.property("TAGS").unwrap()).collect();
    assert_eq!(tags.len(), 8, "{tags:?}");
    assert!(
        tags.iter().all(|t| *t == "TagA" || *t == "TagC"),
        "{tags:?}"
    );
    // The group is registered but does not subscribe to this topic.
    assert_eq!(c.send("OtherTopic", 0, b"x", "").await.code, code::SUCCESS);
    let r = c.call(pull_no_sub("sub_group", "OtherTopic")).await;
    assert_eq!(r.code, code::SUBSCRIPTION_NOT_EXIST, "{:?}", r.remark);
    // A new heartbeat with another expression replaces the subscription.
    c.call(heartbeat(
        "c@1",
        Some("sub_group"),
        &[("SubTopic", "TagB")],
        &[],
    ))
    .await;
    let r = c.call(pull_no_sub("sub_group", "SubTopic")).await;
    assert_eq!(r.code, code::SUCCESS);
    let recs = common::records(&r);
    assert_eq!(recs.len(), 4);
    assert!(recs.iter().all(|r| r.property("TAGS") == Some("TagB")));
    b.stop_all().await;
}

fn lock_body(client_id: &str, group: &str, queues: &[i32]) -> Bytes {
    json::encode(&LockBatchRequestBody {
        client_id: client_id.into(),
        consumer_group: group.into(),
        mq_set: queues
            .iter()
            .map(|q| MessageQueue::new("LockTopic", BROKER_NAME, *q))
            .collect(),
        only_this_broker: false,
    })
}

async fn lock(c: &mut Client, client_id: &str, queues: &[i32]) -> Vec<i32> {
    let r = c
        .call(
            RemotingCommand::request(request_code::LOCK_BATCH_MQ)
                .with_body(lock_body(client_id, "lg", queues)),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let body: LockBatchResponseBody = json::decode(r.body_bytes()).unwrap();
    body.lock_ok_mq_set.iter().map(|mq| mq.queue_id).collect()
}

async fn unlock(c: &mut Client, client_id: &str, queues: &[i32]) {
    let r = c
        .call(
            RemotingCommand::request(request_code::UNLOCK_BATCH_MQ)
                .with_body(lock_body(client_id, "lg", queues)),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_locks_go_to_one_client_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut a = Client::connect(b.addr).await;
    let mut other = Client::connect(b.addr).await;
    assert_eq!(lock(&mut a, "A@1", &[0, 1]).await, vec![0, 1]);
    // Held queues are refused to another client; free ones are granted.
    assert_eq!(lock(&mut other, "B@2", &[0, 1, 2]).await, vec![2]);
    // The holder gets them again (renewal).
    assert_eq!(lock(&mut a, "A@1", &[0, 1]).await, vec![0, 1]);
    assert_eq!(lock(&mut a, "A@1", &[2]).await, Vec::<i32>::new());
    // Unlocking someone else's queue does nothing.
    unlock(&mut other, "B@2", &[0]).await;
    assert_eq!(lock(&mut other, "B@2", &[0]).await, Vec::<i32>::new());
    // The holder unlocks: the other client gets them.
    unlock(&mut a, "A@1", &[0, 1]).await;
    assert_eq!(lock(&mut other, "B@2", &[0, 1]).await, vec![0, 1]);
    assert_eq!(lock(&mut a, "A@1", &[0, 1, 2]).await, Vec::<i32>::new());
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_lists_show_consumers_and_producers() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let mut c1 = Client::connect(b.addr).await;
    let mut c2 = Client::connect(b.addr).await;
    let mut p = Client::connect(b.addr).await;
    c1.call(heartbeat(
        "c1@1",
        Some("conn_group"),
        &[("ConnTopic", "TagA")],
        &[],
    ))
    .await;
    c2.call(heartbeat(
        "c2@2",
        Some("conn_group"),
        &[("ConnTopic", "TagA")],
        &[],
    ))
    .await;
    let r = p
        .call(heartbeat("p@3", None, &[], &["conn_producers"]))
        .await;
    assert_eq!(r.code, code::SUCCESS);

    let r = p
        .call(
            RemotingCommand::request(request_code::GET_CONSUMER_CONNECTION_LIST).with_header(
                &GetConsumerConnectionListRequestHeader {
                    consumer_group: "conn_group".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let cc: ConsumerConnection = json::decode(r.body_bytes()).unwrap();
    let ids: Vec<&str> = cc
        .connection_set
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"c1@1") && ids.contains(&"c2@2"), "{ids:?}");
    assert!(cc
        .connection_set
        .iter()
        .all(|c| c.client_addr.starts_with("127.0.0.1:") && c.language == "JAVA"));
    assert_eq!(cc.message_model, MessageModel::Clustering);
    assert_eq!(cc.consume_type, ConsumeType::ConsumePassively);
    assert_eq!(cc.subscription_table["ConnTopic"].sub_string, "TagA");

    let r = p
        .call(
            RemotingCommand::request(request_code::GET_PRODUCER_CONNECTION_LIST).with_header(
                &GetProducerConnectionListRequestHeader {
                    producer_group: "conn_producers".into(),
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    let pc: ProducerConnection = json::decode(r.body_bytes()).unwrap();
    let ids: Vec<&str> = pc
        .connection_set
        .iter()
        .map(|c| c.client_id.as_str())
        .collect();
    assert_eq!(ids, vec!["p@3"]);
    b.stop_all().await;
}
