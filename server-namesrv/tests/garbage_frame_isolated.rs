//! A malformed frame closes only the connection that sent it.

mod common;

use std::time::Duration;

use common::*;
use ferromq_protocol::code::response_code;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn assert_closed(mut stream: tokio::net::TcpStream) {
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("server closes the connection")
        .unwrap_or(0);
    assert_eq!(n, 0, "no response to a garbage frame, just EOF");
}

#[tokio::test]
async fn garbage_on_one_connection_leaves_others_working() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(config(dir.path())).await;
    let mut good = server.client().await;
    good.call(register_request(
        "C",
        "b",
        0,
        "127.0.0.1:1",
        "127.0.0.1:2",
        &topics(&[("T", 1)]),
    ))
    .await;

    let garbage: [&[u8]; 4] = [
        // Valid length, header that is not JSON.
        &[
            0, 0, 0, 12, 0, 0, 0, 8, b'g', b'a', b'r', b'b', b'a', b'g', b'e', b'!',
        ],
        // Unknown serialize type 9.
        &[0, 0, 0, 6, 9, 0, 0, 2, b'{', b'}'],
        // A frame larger than 16 MiB.
        &[0x7f, 0xff, 0xff, 0xff],
        // Negative length.
        &[0xff, 0xff, 0xff, 0xf0],
    ];
    for bytes in garbage {
        let mut bad = server.client().await.into_stream();
        bad.write_all(bytes).await.unwrap();
        assert_closed(bad).await;
        assert_eq!(
            good.call(route_request("T")).await.code,
            response_code::SUCCESS
        );
    }
    // The broker on the good connection is still registered.
    let mut fresh = server.client().await;
    assert_eq!(
        fresh.call(route_request("T")).await.code,
        response_code::SUCCESS
    );
    server.stop().await;
}
