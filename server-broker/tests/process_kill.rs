//! The real `ferromq-broker` binary (standalone mode) killed with SIGKILL under SYNC_FLUSH loses
//! no acknowledged message; SIGTERM shuts it down cleanly with offsets persisted.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ext, Client};
use ferromq_engine::record;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::{
    QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use ferromq_protocol::RemotingCommand;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &Path, port: u16, ns_port: u16, flush: &str) -> Proc {
    let conf = dir.join("broker.conf");
    let mut f = std::fs::File::create(&conf).unwrap();
    writeln!(f, "brokerIP1=127.0.0.1\nbrokerName=broker-kill\nflushDiskType={flush}\nmappedFileSizeCommitLog=4194304\nmaxHashSlotNum=65536\nmaxIndexNum=262144\nhaListenPort=0").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ferromq-broker"))
        .arg("-c")
        .arg(&conf)
        .args([
            "--listen-port",
            &port.to_string(),
            "--namesrv-port",
            &ns_port.to_string(),
        ])
        .arg("--store-path")
        .arg(dir.join("store"))
        .env_remove("NAMESRV_ADDR")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let t = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "broker did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Proc(child)
}

async fn pull_all(c: &mut Client, topic: &str, queue: i32) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let t = Instant::now();
    loop {
        let r = c.pull("verify", topic, queue, offset, "*", 0).await;
        if r.code != code::SUCCESS {
            return out;
        }
        let (recs, complete) = record::decode_all(r.body_bytes(), true);
        assert!(complete, "a returned record fails its checks");
        out.extend(recs.iter().map(|r| r.fields.body.to_vec()));
        offset = ext(&r, "nextBeginOffset").parse().unwrap();
        assert!(t.elapsed() < Duration::from_secs(30));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_sync_flush_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ns_port) = (free_port(), free_port());
    let mut broker = start(dir.path(), port, ns_port, "SYNC_FLUSH");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();

    // Four producers send until the broker dies; each remembers what was acknowledged.
    let mut producers = Vec::new();
    for q in 0..4 {
        producers.push(tokio::spawn(async move {
            use futures::{SinkExt, StreamExt};
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut framed =
                tokio_util::codec::Framed::new(stream, ferromq_protocol::RemotingCodec::new());
            let mut acked = Vec::new();
            for i in 0..5000i32 {
                let body = format!("q{q}-m{i}");
                let h = ferromq_protocol::header::SendMessageRequestHeaderV2 {
                    a: "pg".into(),
                    b: "KillTopic".into(),
                    c: "TBW102".into(),
                    d: 4,
                    e: q,
                    f: 0,
                    g: 1,
                    h: 0,
                    i: None,
                    j: None,
                    k: None,
                    l: None,
                    m: None,
                    n: None,
                };
                let req = RemotingCommand::request(request_code::SEND_MESSAGE_V2)
                    .with_header(&h)
                    .with_body(body.clone())
                    .with_opaque(i);
                if framed.send(req).await.is_err() {
                    break;
                }
                // One request in flight: the next frame is its response, or the broker died.
                match tokio::time::timeout(Duration::from_secs(5), framed.next()).await {
                    Ok(Some(Ok(resp))) if resp.opaque == i && resp.code == code::SUCCESS => {
                        acked.push(body)
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    broker.0.kill().unwrap(); // SIGKILL
    broker.0.wait().unwrap();
    let mut acked = Vec::new();
    for p in producers {
        acked.push(p.await.unwrap());
    }
    let total: usize = acked.iter().map(Vec::len).sum();
    assert!(
        total > 50,
        "only {total} messages acknowledged before the kill"
    );

    let _broker = start(dir.path(), port, ns_port, "SYNC_FLUSH");
    let mut c = Client::connect(addr).await;
    for (q, acked) in acked.iter().enumerate() {
        let stored = pull_all(&mut c, "KillTopic", q as i32).await;
        let stored: std::collections::HashSet<Vec<u8>> = stored.into_iter().collect();
        for body in acked {
            assert!(stored.contains(body.as_bytes()), "acknowledged {body} lost");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_shuts_down_cleanly_and_keeps_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let (port, ns_port) = (free_port(), free_port());
    let broker = start(dir.path(), port, ns_port, "ASYNC_FLUSH");
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut c = Client::connect(addr).await;
    for i in 0..20 {
        assert_eq!(
            c.send("TermTopic", 0, format!("t{i}").as_bytes(), "")
                .await
                .code,
            code::SUCCESS
        );
    }
    let u = UpdateConsumerOffsetRequestHeader {
        consumer_group: "g".into(),
        topic: "TermTopic".into(),
        queue_id: 0,
        commit_offset: 12,
    };
    assert_eq!(
        c.call(RemotingCommand::request(request_code::UPDATE_CONSUMER_OFFSET).with_header(&u))
            .await
            .code,
        code::SUCCESS
    );
    drop(c);

    let pid = broker.0.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let mut broker = broker;
    let t = Instant::now();
    let status = loop {
        if let Some(s) = broker.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "broker did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        !dir.path().join("store/abort").exists(),
        "a clean shutdown removes the abort marker"
    );
    assert!(dir.path().join("store/config/consumerOffset.json").exists());

    let _broker = start(dir.path(), port, ns_port, "ASYNC_FLUSH");
    let mut c = Client::connect(addr).await;
    assert_eq!(pull_all(&mut c, "TermTopic", 0).await.len(), 20);
    let q = QueryConsumerOffsetRequestHeader {
        consumer_group: "g".into(),
        topic: "TermTopic".into(),
        queue_id: 0,
        set_zero_if_not_found: Some(false),
    };
    let r = c
        .call(RemotingCommand::request(request_code::QUERY_CONSUMER_OFFSET).with_header(&q))
        .await;
    assert_eq!(
        (r.code, ext(&r, "offset")),
        (code::SUCCESS, "12".to_owned())
    );
}
