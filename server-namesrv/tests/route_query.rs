//! GET_ROUTEINFO_BY_TOPIC: standard JSON with quoted broker ids; TOPIC_NOT_EXIST for unknown
//! topics.

mod common;

use common::*;
use ferromq_protocol::code::response_code;

#[tokio::test]
async fn route_body_has_quoted_keys_and_every_required_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    c.call(register_request(
        "DefaultCluster",
        "broker-a",
        0,
        "127.0.0.1:10911",
        "127.0.0.1:10912",
        &topics(&[("TopicTest", 4)]),
    ))
    .await;
    let resp = c.call(route_request("TopicTest")).await;
    assert_eq!(resp.code, response_code::SUCCESS);
    let text = std::str::from_utf8(resp.body_bytes()).unwrap();
    assert_eq!(
        text,
        r#"{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_topic_is_topic_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let resp = c.call(route_request("NoSuchTopic")).await;
    assert_eq!(resp.code, response_code::TOPIC_NOT_EXIST);
    assert!(resp
        .remark
        .unwrap()
        .starts_with("No topic route info in name server for the topic: NoSuchTopic"));
    assert!(resp.body.is_none());
    server.stop().await;
}

#[tokio::test]
async fn missing_topic_field_is_system_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let resp = c
        .call(ferromq_protocol::RemotingCommand::request(
            ferromq_protocol::code::request_code::GET_ROUTEINFO_BY_TOPIC,
        ))
        .await;
    assert_eq!(resp.code, response_code::SYSTEM_ERROR);
    assert_eq!(
        resp.remark.as_deref(),
        Some("the custom field <topic> is null")
    );
    server.stop().await;
}
