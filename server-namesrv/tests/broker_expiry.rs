//! Liveness (spec §14.3): a broker not heard from within its timeout is removed with its
//! routes by the periodic scan, even while its connection stays open.

mod common;

use std::time::Duration;

use common::*;
use ferromq_protocol::code::response_code;

#[tokio::test]
async fn silent_broker_expires_and_its_routes_go() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.broker_channel_expired_time = Duration::from_millis(300);
    cfg.scan_not_active_broker_interval = Duration::from_millis(50);
    let server = start(cfg).await;
    let mut broker = server.client().await;
    let mut client = server.client().await;
    broker
        .call(register_request(
            "C",
            "broker-a",
            0,
            "127.0.0.1:10911",
            "127.0.0.1:10912",
            &topics(&[("T", 4)]),
        ))
        .await;
    assert_eq!(
        client.call(route_request("T")).await.code,
        response_code::SUCCESS
    );

    let mut gone = false;
    for _ in 0..400 {
        if client.call(route_request("T")).await.code == response_code::TOPIC_NOT_EXIST {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(gone, "the expired broker's route was removed");
    server.stop().await;
    drop(broker);
}

#[tokio::test]
async fn re_registering_keeps_a_broker_alive() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.broker_channel_expired_time = Duration::from_millis(1500);
    cfg.scan_not_active_broker_interval = Duration::from_millis(50);
    let server = start(cfg).await;
    let mut broker = server.client().await;
    let body = topics(&[("T", 4)]);
    // Register every 100 ms for 3 s: well inside the timeout each time.
    for _ in 0..30 {
        broker
            .call(register_request(
                "C",
                "broker-a",
                0,
                "127.0.0.1:10911",
                "127.0.0.1:10912",
                &body,
            ))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        broker.call(route_request("T")).await.code,
        response_code::SUCCESS
    );
    server.stop().await;
}
