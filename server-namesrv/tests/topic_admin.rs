//! Admin commands: WIPE/ADD_WRITE_PERM_OF_BROKER, DELETE_TOPIC_IN_NAMESRV,
//! UNREGISTER_BROKER, QUERY_DATA_VERSION, compressed registration and its CRC check.

mod common;

use common::*;
use ferromq_protocol::body::{DataVersion, TopicRouteData};
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    AddWritePermOfBrokerResponseHeader, DeleteTopicFromNamesrvRequestHeader,
    QueryDataVersionRequestHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    UnRegisterBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
};
use ferromq_protocol::record::crc32;
use ferromq_protocol::{json, RemotingCommand};

async fn perm_of(c: &mut Client, topic: &str) -> i32 {
    let route: TopicRouteData =
        json::decode(c.call(route_request(topic)).await.body_bytes()).unwrap();
    route.queue_datas[0].perm
}

#[tokio::test]
async fn wipe_and_add_write_permission() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    c.call(register_request(
        "C",
        "broker-a",
        0,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &topics(&[("T1", 4), ("T2", 4)]),
    ))
    .await;

    let resp = c
        .call(
            RemotingCommand::request(request_code::WIPE_WRITE_PERM_OF_BROKER)
                .with_ext_field("brokerName", "broker-a"),
        )
        .await;
    let h: WipeWritePermOfBrokerResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.wipe_topic_count, 2);
    assert_eq!(perm_of(&mut c, "T1").await, 4, "read only");

    let resp = c
        .call(
            RemotingCommand::request(request_code::ADD_WRITE_PERM_OF_BROKER)
                .with_ext_field("brokerName", "broker-a"),
        )
        .await;
    let h: AddWritePermOfBrokerResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.add_topic_count, 2);
    assert_eq!(perm_of(&mut c, "T2").await, 6);
    server.stop().await;
}

#[tokio::test]
async fn delete_topic_and_unregister_broker() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    c.call(register_request(
        "C",
        "broker-a",
        0,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &topics(&[("T1", 4), ("T2", 4)]),
    ))
    .await;

    let resp = c
        .call(
            RemotingCommand::request(request_code::DELETE_TOPIC_IN_NAMESRV).with_header(
                &DeleteTopicFromNamesrvRequestHeader {
                    topic: "T1".into(),
                    cluster_name: None,
                },
            ),
        )
        .await;
    assert_eq!(resp.code, response_code::SUCCESS);
    assert_eq!(
        c.call(route_request("T1")).await.code,
        response_code::TOPIC_NOT_EXIST
    );
    assert_eq!(
        c.call(route_request("T2")).await.code,
        response_code::SUCCESS
    );

    let resp = c
        .call(
            RemotingCommand::request(request_code::UNREGISTER_BROKER).with_header(
                &UnRegisterBrokerRequestHeader {
                    broker_name: "broker-a".into(),
                    broker_addr: "127.0.0.1:1".into(),
                    cluster_name: "C".into(),
                    broker_id: 0,
                },
            ),
        )
        .await;
    assert_eq!(resp.code, response_code::SUCCESS);
    assert_eq!(
        c.call(route_request("T2")).await.code,
        response_code::TOPIC_NOT_EXIST
    );
    server.stop().await;
}

#[tokio::test]
async fn query_data_version_reports_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let body = topics(&[("T", 4)]);
    let registered = body.topic_config_serialize_wrapper.data_version;
    c.call(register_request(
        "C",
        "broker-a",
        0,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &body,
    ))
    .await;

    let query = |v: DataVersion| {
        RemotingCommand::request(request_code::QUERY_DATA_VERSION)
            .with_header(&QueryDataVersionRequestHeader {
                broker_name: "broker-a".into(),
                broker_addr: "127.0.0.1:1".into(),
                cluster_name: "C".into(),
                broker_id: 0,
            })
            .with_body(json::encode(&v))
    };
    let resp = c.call(query(registered)).await;
    let h: QueryDataVersionResponseHeader = resp.decode_header().unwrap();
    assert!(!h.changed);
    let stored: DataVersion = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(stored, registered);

    let mut newer = registered;
    newer.next_version(1_700_000_000_001);
    let h: QueryDataVersionResponseHeader = c.call(query(newer)).await.decode_header().unwrap();
    assert!(h.changed);
    server.stop().await;
}

#[tokio::test]
async fn compressed_registration_and_crc_check() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let body = topics(&[("Zipped", 3)]).encode(true, 479).unwrap();
    let header = RegisterBrokerRequestHeader {
        broker_name: "broker-z".into(),
        broker_addr: "127.0.0.1:5".into(),
        cluster_name: "C".into(),
        ha_server_addr: "127.0.0.1:6".into(),
        broker_id: 0,
        compressed: Some(true),
        body_crc32: Some(crc32(&body) as i32),
        ..Default::default()
    };
    let mut req = RemotingCommand::request(request_code::REGISTER_BROKER)
        .with_header(&header)
        .with_body(body.clone());
    req.version = 479;
    assert_eq!(c.call(req).await.code, response_code::SUCCESS);
    let route: TopicRouteData =
        json::decode(c.call(route_request("Zipped")).await.body_bytes()).unwrap();
    assert_eq!(route.queue_datas[0].write_queue_nums, 3);

    let bad = RegisterBrokerRequestHeader {
        body_crc32: Some(12345),
        ..header
    };
    let resp = c
        .call(
            RemotingCommand::request(request_code::REGISTER_BROKER)
                .with_header(&bad)
                .with_body(body),
        )
        .await;
    assert_eq!(resp.code, response_code::SYSTEM_ERROR);
    assert_eq!(resp.remark.as_deref(), Some("crc32 not match"));
    server.stop().await;
}
