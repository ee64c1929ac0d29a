//! The `ferromq-namesrv` binary: listens where told, reads a properties file, answers
//! requests, and exits cleanly on SIGTERM.

#![cfg(unix)]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use ferromq_protocol::code::response_code;

#[tokio::test]
async fn binary_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("namesrv.properties");
    std::fs::write(
        &conf,
        format!(
            "kvConfigPath={}\nsomeUnknownKey=1\n",
            dir.path().join("kv.json").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferromq-namesrv"))
        .args(["--listen", "127.0.0.1:0", "-c"])
        .arg(&conf)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut addr = None;
    let mut warned = false;
    while addr.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("log line");
        warned |= line.contains("someUnknownKey");
        if line.contains("name server listening") {
            addr = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("addr="))
                .map(|a| a.parse().unwrap());
        }
    }
    assert!(warned, "unknown config keys are warned about");

    let mut c = Client::connect(addr.unwrap()).await;
    assert_eq!(
        c.call(route_request("T")).await.code,
        response_code::TOPIC_NOT_EXIST
    );
    drop(c);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..300 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = exited else {
        let _ = child.kill();
        panic!("the name server did not stop on SIGTERM");
    };
    assert!(status.success(), "{status:?}");
}
