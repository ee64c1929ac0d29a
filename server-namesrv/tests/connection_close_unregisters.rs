//! A broker whose connection closes is unregistered at once (BrokerHousekeepingService).

mod common;

use common::*;
use ferromq_protocol::body::TopicRouteData;
use ferromq_protocol::code::response_code;
use ferromq_protocol::json;

#[tokio::test]
async fn closing_the_broker_connection_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut master = server.client().await;
    let mut slave = server.client().await;
    let body = topics(&[("T", 4)]);
    master
        .call(register_request(
            "C",
            "broker-a",
            0,
            "127.0.0.1:10911",
            "127.0.0.1:10912",
            &body,
        ))
        .await;
    slave
        .call(register_request(
            "C",
            "broker-a",
            1,
            "127.0.0.1:20911",
            "127.0.0.1:20912",
            &body,
        ))
        .await;

    let addr = server.addr;
    // The slave goes away: the route keeps the master only.
    drop(slave);
    assert!(
        eventually(|| async move {
            let mut c = Client::connect(addr).await;
            let resp = c.call(route_request("T")).await;
            let route: TopicRouteData = json::decode(resp.body_bytes()).unwrap();
            route.broker_datas[0].broker_addrs.len() == 1
        })
        .await
    );
    // The master goes away: no broker hosts the topic any more.
    drop(master);
    assert!(
        eventually(|| async move {
            let mut c = Client::connect(addr).await;
            c.call(route_request("T")).await.code == response_code::TOPIC_NOT_EXIST
        })
        .await
    );
    server.stop().await;
}

#[tokio::test]
async fn a_client_connection_closing_does_not_touch_brokers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut broker = server.client().await;
    broker
        .call(register_request(
            "C",
            "b",
            0,
            "127.0.0.1:1",
            "127.0.0.1:2",
            &topics(&[("T", 1)]),
        ))
        .await;
    for _ in 0..5 {
        let mut c = server.client().await;
        assert_eq!(
            c.call(route_request("T")).await.code,
            response_code::SUCCESS
        );
    }
    assert_eq!(
        broker.call(route_request("T")).await.code,
        response_code::SUCCESS
    );
    server.stop().await;
}
