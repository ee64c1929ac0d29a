//! GET_BROKER_CLUSTER_INFO, GET_ALL_TOPIC_LIST_FROM_NAMESERVER, GET_TOPICS_BY_CLUSTER.

mod common;

use common::*;
use ferromq_protocol::body::{ClusterInfo, TopicList};
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::GetTopicsByClusterRequestHeader;
use ferromq_protocol::{json, RemotingCommand};

#[tokio::test]
async fn cluster_info_and_topic_lists_reflect_registrations() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    c.call(register_request(
        "C1",
        "broker-a",
        0,
        "127.0.0.1:10911",
        "127.0.0.1:10912",
        &topics(&[("A1", 4), ("Shared", 4)]),
    ))
    .await;
    c.call(register_request(
        "C1",
        "broker-a",
        1,
        "127.0.0.1:20911",
        "127.0.0.1:20912",
        &topics(&[]),
    ))
    .await;
    c.call(register_request(
        "C2",
        "broker-b",
        0,
        "127.0.0.1:30911",
        "127.0.0.1:30912",
        &topics(&[("B1", 2), ("Shared", 2)]),
    ))
    .await;

    let resp = c
        .call(RemotingCommand::request(
            request_code::GET_BROKER_CLUSTER_INFO,
        ))
        .await;
    assert_eq!(resp.code, response_code::SUCCESS);
    let text = std::str::from_utf8(resp.body_bytes()).unwrap();
    assert!(
        text.contains(r#""brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:20911"}"#),
        "{text}"
    );
    let info: ClusterInfo = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(
        info.cluster_addr_table["C1"].iter().collect::<Vec<_>>(),
        ["broker-a"]
    );
    assert_eq!(
        info.cluster_addr_table["C2"].iter().collect::<Vec<_>>(),
        ["broker-b"]
    );
    assert_eq!(info.broker_addr_table["broker-b"].cluster, "C2");

    let resp = c
        .call(RemotingCommand::request(
            request_code::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
        ))
        .await;
    let all: TopicList = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(
        all.topic_list.iter().collect::<Vec<_>>(),
        ["A1", "B1", "Shared"]
    );

    let resp = c
        .call(
            RemotingCommand::request(request_code::GET_TOPICS_BY_CLUSTER).with_header(
                &GetTopicsByClusterRequestHeader {
                    cluster: "C2".into(),
                },
            ),
        )
        .await;
    let c2: TopicList = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(c2.topic_list.iter().collect::<Vec<_>>(), ["B1", "Shared"]);
    server.stop().await;
}
