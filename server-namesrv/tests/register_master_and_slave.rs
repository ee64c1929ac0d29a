//! REGISTER_BROKER: a slave learns its live master's address and HA address; routes list
//! every member of a broker group.

mod common;

use common::*;
use ferromq_protocol::body::TopicRouteData;
use ferromq_protocol::code::response_code;
use ferromq_protocol::header::RegisterBrokerResponseHeader;
use ferromq_protocol::json;

#[tokio::test]
async fn slave_gets_its_masters_addresses_and_routes_list_all_members() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut master = server.client().await;
    let mut slave = server.client().await;
    let mut other = server.client().await;
    let body = topics(&[("TopicTest", 4)]);

    // A slave registering before its master learns nothing.
    let early = slave
        .call(register_request(
            "DefaultCluster",
            "broker-a",
            1,
            "127.0.0.1:20911",
            "127.0.0.1:20912",
            &body,
        ))
        .await;
    assert_eq!(early.code, response_code::SUCCESS);
    let h: RegisterBrokerResponseHeader = early.decode_header().unwrap();
    assert_eq!(h.master_addr, None);

    let m = master
        .call(register_request(
            "DefaultCluster",
            "broker-a",
            0,
            "127.0.0.1:10911",
            "127.0.0.1:10912",
            &body,
        ))
        .await;
    assert_eq!(m.code, response_code::SUCCESS);
    let h: RegisterBrokerResponseHeader = m.decode_header().unwrap();
    assert_eq!(
        h,
        RegisterBrokerResponseHeader::default(),
        "a master gets no master address"
    );

    let s = slave
        .call(register_request(
            "DefaultCluster",
            "broker-a",
            1,
            "127.0.0.1:20911",
            "127.0.0.1:20912",
            &body,
        ))
        .await;
    let h: RegisterBrokerResponseHeader = s.decode_header().unwrap();
    assert_eq!(h.master_addr.as_deref(), Some("127.0.0.1:10911"));
    assert_eq!(h.ha_server_addr.as_deref(), Some("127.0.0.1:10912"));

    let b = other
        .call(register_request(
            "DefaultCluster",
            "broker-b",
            0,
            "127.0.0.1:30911",
            "127.0.0.1:30912",
            &topics(&[("TopicTest", 8)]),
        ))
        .await;
    assert_eq!(b.code, response_code::SUCCESS);

    let resp = other.call(route_request("TopicTest")).await;
    assert_eq!(resp.code, response_code::SUCCESS);
    let route: TopicRouteData = json::decode(resp.body_bytes()).unwrap();
    assert_eq!(route.broker_datas.len(), 2);
    let a = route
        .broker_datas
        .iter()
        .find(|b| b.broker_name == "broker-a")
        .unwrap();
    assert_eq!(a.broker_addrs.len(), 2);
    assert_eq!(a.broker_addrs[&0], "127.0.0.1:10911");
    assert_eq!(a.broker_addrs[&1], "127.0.0.1:20911");
    let qb = route
        .queue_datas
        .iter()
        .find(|q| q.broker_name == "broker-b")
        .unwrap();
    assert_eq!(
        (qb.read_queue_nums, qb.write_queue_nums, qb.perm),
        (8, 8, 6)
    );
    server.stop().await;
}

#[tokio::test]
async fn slave_promoted_to_master_is_listed_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let body = topics(&[("T", 2)]);
    c.call(register_request(
        "C",
        "b",
        1,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &body,
    ))
    .await;
    c.call(register_request(
        "C",
        "b",
        0,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &body,
    ))
    .await;
    let route: TopicRouteData =
        json::decode(c.call(route_request("T")).await.body_bytes()).unwrap();
    assert_eq!(route.broker_datas[0].broker_addrs.len(), 1);
    assert_eq!(route.broker_datas[0].master_addr(), Some("127.0.0.1:1"));
    server.stop().await;
}
