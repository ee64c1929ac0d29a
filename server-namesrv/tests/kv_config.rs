//! KV config: put/get/delete/list round trip, persisted atomically across restarts.

mod common;

use common::*;
use ferromq_protocol::body::KvTable;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use ferromq_protocol::{json, RemotingCommand};

fn put(ns: &str, k: &str, v: &str) -> RemotingCommand {
    RemotingCommand::request(request_code::PUT_KV_CONFIG).with_header(&PutKvConfigRequestHeader {
        namespace: ns.into(),
        key: k.into(),
        value: v.into(),
    })
}

fn get(ns: &str, k: &str) -> RemotingCommand {
    RemotingCommand::request(request_code::GET_KV_CONFIG).with_header(&GetKvConfigRequestHeader {
        namespace: ns.into(),
        key: k.into(),
    })
}

fn list(ns: &str) -> RemotingCommand {
    RemotingCommand::request(request_code::GET_KVLIST_BY_NAMESPACE).with_header(
        &GetKvListByNamespaceRequestHeader {
            namespace: ns.into(),
        },
    )
}

#[tokio::test]
async fn kv_round_trip_and_persistence_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;

    assert_eq!(
        c.call(put(
            "ORDER_TOPIC_CONFIG",
            "TopicOrder",
            "broker-a:4;broker-b:4"
        ))
        .await
        .code,
        response_code::SUCCESS
    );
    assert_eq!(
        c.call(put("ns2", "k1", "v1")).await.code,
        response_code::SUCCESS
    );
    assert_eq!(
        c.call(put("ns2", "k2", "v2")).await.code,
        response_code::SUCCESS
    );

    let resp = c.call(get("ns2", "k1")).await;
    assert_eq!(resp.code, response_code::SUCCESS);
    let h: GetKvConfigResponseHeader = resp.decode_header().unwrap();
    assert_eq!(h.value.as_deref(), Some("v1"));

    let resp = c.call(get("ns2", "nope")).await;
    assert_eq!(resp.code, response_code::QUERY_NOT_FOUND);
    assert_eq!(
        resp.remark.as_deref(),
        Some("No config item, Namespace: ns2 Key: nope")
    );

    let resp = c
        .call(
            RemotingCommand::request(request_code::DELETE_KV_CONFIG).with_header(
                &DeleteKvConfigRequestHeader {
                    namespace: "ns2".into(),
                    key: "k2".into(),
                },
            ),
        )
        .await;
    assert_eq!(resp.code, response_code::SUCCESS);
    let resp = c.call(list("ns2")).await;
    let table: KvTable = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(table.table.len(), 1);
    assert_eq!(
        c.call(list("empty-ns")).await.code,
        response_code::QUERY_NOT_FOUND
    );

    // The file is RocketMQ's kvConfig.json shape, with no temp file left behind.
    let file = std::fs::read_to_string(dir.path().join("kvConfig.json")).unwrap();
    assert_eq!(
        file,
        r#"{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicOrder":"broker-a:4;broker-b:4"},"ns2":{"k1":"v1"}}}"#
    );
    assert!(!dir.path().join("kvConfig.json.tmp").exists());

    drop(c);
    server.stop().await;

    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let h: GetKvConfigResponseHeader = c.call(get("ns2", "k1")).await.decode_header().unwrap();
    assert_eq!(h.value.as_deref(), Some("v1"));
    assert_eq!(
        c.call(get("ns2", "k2")).await.code,
        response_code::QUERY_NOT_FOUND
    );
    let h: GetKvConfigResponseHeader = c
        .call(get("ORDER_TOPIC_CONFIG", "TopicOrder"))
        .await
        .decode_header()
        .unwrap();
    assert_eq!(h.value.as_deref(), Some("broker-a:4;broker-b:4"));

    // Brokers registering get the order-topic namespace back.
    let resp = c
        .call(register_request(
            "C",
            "broker-a",
            0,
            "127.0.0.1:1",
            "127.0.0.1:2",
            &topics(&[("TopicOrder", 4)]),
        ))
        .await;
    let table: KvTable = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(table.table["TopicOrder"], "broker-a:4;broker-b:4");
    server.stop().await;
}

#[tokio::test]
async fn java_written_kv_file_with_whitespace_loads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kvConfig.json"),
        "{\n\t\"configTable\":{\n\t\t\"ns\":{\n\t\t\t\"k\":\"v\"\n\t\t}\n\t}\n}",
    )
    .unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let h: GetKvConfigResponseHeader = c.call(get("ns", "k")).await.decode_header().unwrap();
    assert_eq!(h.value.as_deref(), Some("v"));
    server.stop().await;
}

#[tokio::test]
async fn corrupt_kv_file_refuses_to_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kvConfig.json"), "{not json").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = ferromq_namesrv::run(listener, config(dir.path()), std::future::pending::<()>())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
}
