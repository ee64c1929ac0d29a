//! Unknown request codes get REQUEST_CODE_NOT_SUPPORTED with Java's remark; oneway requests
//! get no response; binary-header requests get binary-header responses.

mod common;

use common::*;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::{RemotingCommand, SerializeType};

#[tokio::test]
async fn unknown_code_is_not_supported() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let resp = c
        .call(RemotingCommand::request(request_code::SEND_MESSAGE_V2))
        .await;
    assert_eq!(resp.code, response_code::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(
        resp.remark.as_deref(),
        Some(" request type 310 not supported")
    );
    server.stop().await;
}

#[tokio::test]
async fn oneway_requests_get_no_response() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    c.send(RemotingCommand::request(9999).with_opaque(777).oneway())
        .await;
    // The next response on the connection belongs to the next request, not to the oneway one.
    let resp = c.call(route_request("Nope")).await;
    assert_ne!(resp.opaque, 777);
    assert_eq!(resp.code, response_code::TOPIC_NOT_EXIST);
    server.stop().await;
}

#[tokio::test]
async fn rocketmq_binary_requests_are_answered_in_binary() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut c = server.client().await;
    let mut req = route_request("Nope");
    req.serialize_type = SerializeType::RocketMq;
    let resp = c.call(req).await;
    assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    assert_eq!(resp.code, response_code::TOPIC_NOT_EXIST);
    server.stop().await;
}
