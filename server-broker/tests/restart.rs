//! A graceful restart in the same directory keeps messages, consumer offsets, topics and
//! subscription groups (spec §12.1, §12.2); the metadata files are where RocketMQ keeps them,
//! with a `.bak` of the previous version that is used when the file itself is corrupt.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{create_topic_request, ext, pull_found, Client, TestBroker};
use ferromq_protocol::body::admin::{
    ConsumerOffsetWrapper, SubscriptionGroupConfig, SubscriptionGroupWrapper,
};
use ferromq_protocol::body::common::perm;
use ferromq_protocol::body::register::TopicConfigSerializeWrapper;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};

const WAIT: Duration = Duration::from_secs(5);

async fn commit(c: &mut Client, group: &str, topic: &str, queue_id: i32, offset: i64) {
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_CONSUMER_OFFSET).with_header(
                &UpdateConsumerOffsetRequestHeader {
                    consumer_group: group.into(),
                    topic: topic.into(),
                    queue_id,
                    commit_offset: offset,
                },
            ),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
}

/// The committed offset, or the response code when there is none.
async fn committed(c: &mut Client, group: &str, topic: &str, queue_id: i32) -> Result<i64, i32> {
    let r = c
        .call(
            RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(
                &QueryConsumerOffsetRequestHeader {
                    consumer_group: group.into(),
                    topic: topic.into(),
                    queue_id,
                    set_zero_if_not_found: Some(false),
                },
            ),
        )
        .await;
    if r.code == code::SUCCESS {
        Ok(ext(&r, "offset").parse().unwrap())
    } else {
        Err(r.code)
    }
}

async fn create_group(c: &mut Client, g: &SubscriptionGroupConfig) {
    let r = c
        .call(
            RemotingCommand::request(request_code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP)
                .with_body(json::encode(g)),
        )
        .await;
    assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
}

/// The offset of `key`/`queue_id` in a consumerOffset.json-format file, if it parses.
fn offset_in_file(path: &Path, key: &str, queue_id: i32) -> Option<i64> {
    let bytes = std::fs::read(path).ok()?;
    let w: ConsumerOffsetWrapper = json::decode(&bytes).ok()?;
    w.offset_table.get(key)?.get(&queue_id).copied()
}

/// Wait (bounded) until the periodic persistence wrote `offset` to the file.
async fn wait_persisted(path: &Path, key: &str, queue_id: i32, offset: i64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while offset_in_file(path, key, queue_id) != Some(offset) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} never held {key}:{queue_id}={offset}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_offsets_topics_and_groups_survive_a_graceful_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut b1 = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b1.addr).await;
    let r = c
        .call(create_topic_request("Durable", 5, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    for i in 0..10 {
        let r = c
            .send("Durable", i % 5, format!("msg-{i}").as_bytes(), "")
            .await;
        assert_eq!(r.code, code::SUCCESS, "{:?}", r.remark);
    }
    // An auto-created topic is kept too.
    assert_eq!(c.send("AutoMade", 0, b"auto", "").await.code, code::SUCCESS);
    commit(&mut c, "dg", "Durable", 3, 1).await;
    commit(&mut c, "dg", "Durable", 4, 2).await;
    create_group(
        &mut c,
        &SubscriptionGroupConfig {
            retry_max_times: 7,
            ..SubscriptionGroupConfig::new("kept_cg")
        },
    )
    .await;
    drop(c);
    b1.stop().await;

    let mut b2 = TestBroker::start_with_namesrv(dir.path(), b1.namesrv, |_| {}).await;
    let mut c = Client::connect(b2.addr).await;
    let r = c
        .call(RemotingCommand::request(request_code::GET_ALL_TOPIC_CONFIG))
        .await;
    let topics: TopicConfigSerializeWrapper = json::decode(r.body_bytes()).unwrap();
    let t = &topics.topic_config_table["Durable"];
    assert_eq!((t.read_queue_nums, t.write_queue_nums), (5, 5));
    assert!(topics.topic_config_table.contains_key("AutoMade"));
    for q in 0..5 {
        let r = pull_found(&mut c, "reader", "Durable", q, 0, WAIT).await;
        assert_eq!(r.code, code::SUCCESS, "queue {q} lost its messages");
        let bodies: Vec<Vec<u8>> = common::records(&r)
            .iter()
            .map(|m| m.fields.body.to_vec())
            .collect();
        assert_eq!(
            bodies,
            vec![
                format!("msg-{q}").into_bytes(),
                format!("msg-{}", q + 5).into_bytes()
            ]
        );
    }
    let r = pull_found(&mut c, "reader", "AutoMade", 0, 0, WAIT).await;
    assert_eq!(common::records(&r)[0].fields.body, b"auto");
    assert_eq!(committed(&mut c, "dg", "Durable", 3).await, Ok(1));
    assert_eq!(committed(&mut c, "dg", "Durable", 4).await, Ok(2));
    assert_eq!(
        committed(&mut c, "dg", "Durable", 0).await,
        Err(code::QUERY_NOT_FOUND)
    );
    let r = c
        .call(RemotingCommand::request(
            request_code::GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        ))
        .await;
    let groups: SubscriptionGroupWrapper = json::decode(r.body_bytes()).unwrap();
    assert_eq!(
        groups.subscription_group_table["kept_cg"].retry_max_times,
        7
    );
    // Writing continues after the restored messages.
    let r = c.send("Durable", 0, b"after restart", "").await;
    assert_eq!(r.code, code::SUCCESS);
    assert_eq!(ext(&r, "queueOffset"), "2");
    b2.stop().await;
    b1.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_files_are_written_with_a_backup_of_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = TestBroker::start(dir.path(), |_| {}).await;
    let config = dir.path().join("config");
    let topics = config.join("topics.json");
    assert!(topics.exists(), "no config/topics.json after start");
    let mut c = Client::connect(b.addr).await;

    let r = c
        .call(create_topic_request("Files", 2, perm::READ_WRITE))
        .await;
    assert_eq!(r.code, code::SUCCESS);
    let content: TopicConfigSerializeWrapper =
        json::decode(&std::fs::read(&topics).unwrap()).unwrap();
    assert_eq!(content.topic_config_table["Files"].read_queue_nums, 2);
    assert!(
        config.join("topics.json.bak").exists(),
        "no topics.json.bak after the second write"
    );

    let offsets = config.join("consumerOffset.json");
    commit(&mut c, "fg", "Files", 1, 10).await;
    wait_persisted(&offsets, "Files@fg", 1, 10).await;
    commit(&mut c, "fg", "Files", 1, 11).await;
    wait_persisted(&offsets, "Files@fg", 1, 11).await;
    assert_eq!(
        offset_in_file(&config.join("consumerOffset.json.bak"), "Files@fg", 1),
        Some(10),
        "consumerOffset.json.bak is not the previous version"
    );

    let groups = config.join("subscriptionGroup.json");
    create_group(&mut c, &SubscriptionGroupConfig::new("file_cg")).await;
    create_group(
        &mut c,
        &SubscriptionGroupConfig {
            retry_max_times: 3,
            ..SubscriptionGroupConfig::new("file_cg")
        },
    )
    .await;
    let content: SubscriptionGroupWrapper = json::decode(&std::fs::read(&groups).unwrap()).unwrap();
    assert_eq!(
        content.subscription_group_table["file_cg"].retry_max_times,
        3
    );
    assert!(config.join("subscriptionGroup.json.bak").exists());
    b.stop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_offset_file_falls_back_to_its_backup() {
    let dir = tempfile::tempdir().unwrap();
    let offsets = dir.path().join("config").join("consumerOffset.json");
    let mut b1 = TestBroker::start(dir.path(), |_| {}).await;
    let mut c = Client::connect(b1.addr).await;
    assert_eq!(c.send("Backed", 0, b"x", "").await.code, code::SUCCESS);
    commit(&mut c, "bg", "Backed", 0, 5).await;
    wait_persisted(&offsets, "Backed@bg", 0, 5).await;
    commit(&mut c, "bg", "Backed", 0, 7).await;
    wait_persisted(&offsets, "Backed@bg", 0, 7).await;
    drop(c);
    b1.stop().await;
    assert_eq!(
        offset_in_file(
            &dir.path().join("config/consumerOffset.json.bak"),
            "Backed@bg",
            0
        ),
        Some(5)
    );

    // A torn write: the file ends in the middle of its JSON.
    let good = std::fs::read(&offsets).unwrap();
    std::fs::write(&offsets, &good[..good.len() / 2]).unwrap();
    let mut b2 = TestBroker::start_with_namesrv(dir.path(), b1.namesrv, |_| {}).await;
    let mut c = Client::connect(b2.addr).await;
    assert_eq!(
        committed(&mut c, "bg", "Backed", 0).await,
        Ok(5),
        "offsets were not loaded from consumerOffset.json.bak"
    );
    // The broker keeps working and persists again.
    commit(&mut c, "bg", "Backed", 0, 8).await;
    wait_persisted(&offsets, "Backed@bg", 0, 8).await;
    b2.stop().await;
    b1.stop_all().await;
}
