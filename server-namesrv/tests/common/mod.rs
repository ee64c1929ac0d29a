//! Test harness: a real name server on 127.0.0.1 port 0 and a raw-frame client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ferromq_namesrv::{run, NamesrvConfig};
use ferromq_protocol::body::{RegisterBrokerBody, TopicConfig};
use ferromq_protocol::code::request_code;
use ferromq_protocol::header::RegisterBrokerRequestHeader;
use ferromq_protocol::{RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<Result<(), ferromq_namesrv::NamesrvError>>>,
}

pub fn config(dir: &Path) -> NamesrvConfig {
    NamesrvConfig {
        kv_config_path: dir.join("kvConfig.json"),
        ..NamesrvConfig::default()
    }
}

pub async fn start(config: NamesrvConfig) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(run(listener, config, async move {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        stop: Some(stop),
        handle: Some(handle),
    }
}

impl TestServer {
    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// Stops the server and waits until every task has ended.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(30), handle)
                .await
                .expect("server stops")
                .unwrap()
                .unwrap();
        }
    }
}

pub struct Client {
    framed: Framed<TcpStream, RemotingCodec>,
    next_opaque: i32,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        Client {
            framed: Framed::new(stream, RemotingCodec::new()),
            next_opaque: 1,
        }
    }

    /// Sends a request and waits for the response with its opaque.
    pub async fn call(&mut self, mut cmd: RemotingCommand) -> RemotingCommand {
        cmd.opaque = self.next_opaque;
        self.next_opaque += 1;
        let opaque = cmd.opaque;
        self.framed.send(cmd).await.unwrap();
        let resp = tokio::time::timeout(Duration::from_secs(10), self.framed.next())
            .await
            .expect("response within 10 s")
            .expect("connection open")
            .expect("valid frame");
        assert!(resp.is_response());
        assert_eq!(resp.opaque, opaque);
        resp
    }

    /// Sends without waiting for anything.
    pub async fn send(&mut self, cmd: RemotingCommand) {
        self.framed.send(cmd).await.unwrap();
    }

    /// The raw socket, for hand-made bytes.
    pub fn into_stream(self) -> TcpStream {
        self.framed.into_inner()
    }
}

pub fn topics(names: &[(&str, i32)]) -> RegisterBrokerBody {
    let mut body = RegisterBrokerBody::default();
    let w = &mut body.topic_config_serialize_wrapper;
    w.data_version.counter = 1;
    w.data_version.timestamp = 1_700_000_000_000;
    for (name, queues) in names {
        w.topic_config_table
            .insert((*name).to_string(), TopicConfig::new(*name, *queues));
    }
    body
}

pub fn register_request(
    cluster: &str,
    name: &str,
    id: i64,
    addr: &str,
    ha: &str,
    body: &RegisterBrokerBody,
) -> RemotingCommand {
    RemotingCommand::request(request_code::REGISTER_BROKER)
        .with_header(&RegisterBrokerRequestHeader {
            broker_name: name.into(),
            broker_addr: addr.into(),
            cluster_name: cluster.into(),
            ha_server_addr: ha.into(),
            broker_id: id,
            ..Default::default()
        })
        .with_body(body.encode(false, 479).unwrap())
}

pub fn route_request(topic: &str) -> RemotingCommand {
    RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC).with_ext_field("topic", topic)
}

/// Polls `f` until it returns true or 10 s pass.
pub async fn eventually<F, Fut>(mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}
