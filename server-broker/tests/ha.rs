//! Master–slave replication with real processes on loopback: a SYNC_MASTER's every SEND_OK
//! message is on its slave, which serves them after the master is killed with SIGKILL; the
//! slave refuses sends; the route lists master and slave.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ext, Client};
use ferromq_engine::record;
use ferromq_protocol::code::{request_code, response_code as code};
use ferromq_protocol::header::GetRouteInfoRequestHeader;
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

fn wait_listening(port: u16) {
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "port {port} never opened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn namesrv_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_ferromq-broker")).with_file_name("ferromq-namesrv");
    assert!(
        p.exists(),
        "{} missing: build the workspace (cargo test --workspace builds it)",
        p.display()
    );
    p
}

fn broker(dir: &Path, ns: u16, port: u16, extra: &str) -> Proc {
    std::fs::create_dir_all(dir).unwrap();
    let conf = dir.join("broker.conf");
    std::fs::write(
        &conf,
        format!("brokerIP1=127.0.0.1\nbrokerName=broker-ha\nmappedFileSizeCommitLog=4194304\nmaxHashSlotNum=4096\nmaxIndexNum=16384\n{extra}"),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ferromq-broker"))
        .arg("-c")
        .arg(&conf)
        .args([
            "-n",
            &format!("127.0.0.1:{ns}"),
            "--listen-port",
            &port.to_string(),
        ])
        .arg("--store-path")
        .arg(dir.join("store"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(port);
    Proc(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_master_acks_only_what_the_slave_has() {
    let dir = tempfile::tempdir().unwrap();
    let (ns_port, m_port, m_ha, s_port) = (free_port(), free_port(), free_port(), free_port());
    let _ns = Proc(
        Command::new(namesrv_bin())
            .args(["--listen", &format!("127.0.0.1:{ns_port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_listening(ns_port);
    let mut master = broker(
        &dir.path().join("master"),
        ns_port,
        m_port,
        &format!("brokerId=0\nbrokerRole=SYNC_MASTER\nhaListenPort={m_ha}\n"),
    );
    let _slave = broker(
        &dir.path().join("slave"),
        ns_port,
        s_port,
        "brokerId=1\nbrokerRole=SLAVE\n",
    );
    let m_addr: SocketAddr = ([127, 0, 0, 1], m_port).into();
    let s_addr: SocketAddr = ([127, 0, 0, 1], s_port).into();

    let mut producer = Client::connect(m_addr).await;
    // The slave learns its master from the name server, then connects: wait for SEND_OK.
    let t = Instant::now();
    loop {
        let r = producer.send("HaTopic", 0, b"probe", "").await;
        if r.code == code::SUCCESS {
            break;
        }
        assert!(
            r.code == code::SLAVE_NOT_AVAILABLE || r.code == code::FLUSH_SLAVE_TIMEOUT,
            "unexpected {} {:?}",
            r.code,
            r.remark
        );
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the slave never caught up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The route lists both, by broker id.
    let mut ns = Client::connect(([127, 0, 0, 1], ns_port).into()).await;
    let t = Instant::now();
    loop {
        let r = ns
            .call(
                RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC).with_header(
                    &GetRouteInfoRequestHeader {
                        topic: "HaTopic".into(),
                        ..Default::default()
                    },
                ),
            )
            .await;
        let text = String::from_utf8_lossy(r.body_bytes()).into_owned();
        if text.contains(&format!("\"0\":\"127.0.0.1:{m_port}\""))
            && text.contains(&format!("\"1\":\"127.0.0.1:{s_port}\""))
        {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(40),
            "route without master and slave: {text}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    let mut acked = vec![b"probe".to_vec()];
    for i in 0..300 {
        let body = format!("ha-{i}").into_bytes();
        let r = producer.send("HaTopic", 0, &body, "").await;
        if r.code == code::SUCCESS {
            acked.push(body);
        } else {
            assert_eq!(r.code, code::FLUSH_SLAVE_TIMEOUT, "{:?}", r.remark);
        }
    }
    // Kill the master right after the last acknowledgement.
    master.0.kill().unwrap();
    master.0.wait().unwrap();

    let mut consumer = Client::connect(s_addr).await;
    // The slave refuses sends.
    let r = consumer.send("HaTopic", 0, b"to a slave", "").await;
    assert_eq!(r.code, code::SERVICE_NOT_AVAILABLE);
    // It serves every acknowledged message.
    let mut got = Vec::new();
    let mut offset = 0;
    let t = Instant::now();
    while got.len() < acked.len() {
        let r = consumer
            .pull("ha_reader", "HaTopic", 0, offset, "*", 0)
            .await;
        if r.code == code::SUCCESS {
            let (recs, complete) = record::decode_all(r.body_bytes(), true);
            assert!(complete);
            got.extend(recs.iter().map(|r| r.fields.body.to_vec()));
            offset = ext(&r, "nextBeginOffset").parse().unwrap();
        } else {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "slave serves only {} of {} acked messages",
                got.len(),
                acked.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let got: std::collections::HashSet<Vec<u8>> = got.into_iter().collect();
    for body in &acked {
        assert!(
            got.contains(body),
            "acknowledged {:?} missing on the slave",
            String::from_utf8_lossy(body)
        );
    }
}
