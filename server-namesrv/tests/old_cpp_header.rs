//! The old C++ client's header (no serializeTypeCurrentRPC, language CPP, version 63) is
//! answered with a complete JSON header.

mod common;

use common::*;
use ferromq_protocol::code::response_code;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn cpp_route_query_is_answered_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut broker = server.client().await;
    broker
        .call(register_request(
            "DefaultCluster",
            "broker-a",
            0,
            "127.0.0.1:10911",
            "127.0.0.1:10912",
            &topics(&[("TopicTest", 4)]),
        ))
        .await;

    let header = br#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"CPP","opaque":0,"remark":"","version":63}"#;
    let mut frame = Vec::new();
    frame.extend_from_slice(&(4 + header.len() as i32).to_be_bytes());
    frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
    frame.extend_from_slice(header);
    let mut s = server.client().await.into_stream();
    s.write_all(&frame).await.unwrap();

    let total = s.read_i32().await.unwrap() as usize;
    let word = s.read_u32().await.unwrap();
    assert_eq!(word >> 24, 0, "answered in JSON");
    let mut rest = vec![0u8; total - 4];
    s.read_exact(&mut rest).await.unwrap();
    let header_len = (word & 0xFF_FFFF) as usize;
    let json: serde_json::Value = serde_json::from_slice(&rest[..header_len]).unwrap();
    assert_eq!(json["code"], response_code::SUCCESS);
    assert_eq!(json["opaque"], 0);
    assert_eq!(json["flag"], 1);
    assert_eq!(json["serializeTypeCurrentRPC"], "JSON");
    assert_eq!(json["language"], "JAVA");
    assert!(json["version"].is_number());
    let body = std::str::from_utf8(&rest[header_len..]).unwrap();
    assert!(
        body.contains(r#""brokerAddrs":{"0":"127.0.0.1:10911"}"#),
        "{body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn ali_ons_numeric_ext_fields_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    // PUT_KV_CONFIG with a numeric value, as a JS client that JSON.stringifies its header would.
    let header = br#"{"code":100,"language":"NODE_JS","opaque":5,"flag":0,"version":121,"extFields":{"namespace":"ns","key":"k","value":42}}"#;
    let mut frame = Vec::new();
    frame.extend_from_slice(&(4 + header.len() as i32).to_be_bytes());
    frame.extend_from_slice(&(header.len() as u32).to_be_bytes());
    frame.extend_from_slice(header);
    let mut s = server.client().await.into_stream();
    s.write_all(&frame).await.unwrap();
    let total = s.read_i32().await.unwrap() as usize;
    let mut rest = vec![0u8; total];
    s.read_exact(&mut rest).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&rest[4..]).unwrap();
    assert_eq!(json["code"], response_code::SUCCESS);
    assert_eq!(json["opaque"], 5);

    let mut c = server.client().await;
    let resp = c
        .call(
            ferromq_protocol::RemotingCommand::request(101)
                .with_ext_field("namespace", "ns")
                .with_ext_field("key", "k"),
        )
        .await;
    assert_eq!(resp.ext_fields["value"], "42");
    server.stop().await;
}
