//! Test harness: a real name server and broker on 127.0.0.1 port 0, and a raw-frame client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use ferromq_broker::{run, Broker, BrokerConfig};
use ferromq_protocol::code::request_code;
use ferromq_protocol::header::{PullMessageRequestHeader, SendMessageRequestHeaderV2};
use ferromq_protocol::{RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

/// A running name server + broker pair.
pub struct TestBroker {
    pub addr: SocketAddr,
    pub namesrv: SocketAddr,
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ferromq_broker::BrokerError>>>,
    stop_ns: Option<tokio::sync::oneshot::Sender<()>>,
    ns_task: Option<JoinHandle<()>>,
}

/// Broker config for tests: loopback only, small files, quick persistence.
#[allow(clippy::field_reassign_with_default)]
pub fn test_config(dir: &Path) -> BrokerConfig {
    let mut c = BrokerConfig::default();
    c.broker_name = "broker-test".into();
    c.broker_ip1 = "127.0.0.1".into();
    c.store.store_path_root_dir = dir.to_path_buf();
    c.store.mapped_file_size_commit_log = 4 << 20;
    c.store.mapped_file_size_consume_queue = 20 * 10_000;
    // An OS-assigned HA port: listenPort + 1 may belong to another test.
    c.ha_listen_port = Some(0);
    // Tests must not depend on how full the host's disk is.
    c.store.clean_file_forcibly_enable = false;
    // Small index files (the default is 420 MB each).
    c.store.max_hash_slot_num = 4096;
    c.store.max_index_num = 16_384;
    c.flush_consumer_offset_interval = Duration::from_millis(200);
    c
}

impl TestBroker {
    /// Start a name server and a broker storing in `dir`, with `tweak` applied to the config.
    pub async fn start(dir: &Path, tweak: impl FnOnce(&mut BrokerConfig)) -> TestBroker {
        let ns_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let namesrv = ns_listener.local_addr().unwrap();
        let (stop_ns, ns_stopped) = tokio::sync::oneshot::channel::<()>();
        let ns_task = tokio::spawn(async move {
            let _ = ferromq_namesrv::run(ns_listener, Default::default(), ns_stopped).await;
        });
        let mut b = Self::start_with_namesrv(dir, namesrv, tweak).await;
        b.stop_ns = Some(stop_ns);
        b.ns_task = Some(ns_task);
        b
    }

    /// Start a broker registering with an existing name server.
    pub async fn start_with_namesrv(
        dir: &Path,
        namesrv: SocketAddr,
        tweak: impl FnOnce(&mut BrokerConfig),
    ) -> TestBroker {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = test_config(dir);
        config.listen_port = addr.port();
        config.namesrv_addr = Some(namesrv.to_string());
        tweak(&mut config);
        let broker = tokio::task::spawn_blocking(move || Broker::open(config))
            .await
            .unwrap()
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(run(vec![listener], broker, async move {
            let _ = stopped.await;
        }));
        TestBroker {
            addr,
            namesrv,
            dir: dir.to_path_buf(),
            stop: Some(stop),
            task: Some(task),
            stop_ns: None,
            ns_task: None,
        }
    }

    /// Stop the broker gracefully (offsets persisted, store closed); the name server stays.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }

    /// Stop the broker and the name server.
    pub async fn stop_all(&mut self) {
        self.stop().await;
        if let Some(s) = self.stop_ns.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.ns_task.take() {
            let _ = t.await;
        }
    }
}

/// A raw remoting client over one TCP connection.
pub struct Client {
    framed: Framed<TcpStream, RemotingCodec>,
    opaque: AtomicI32,
    /// Server-initiated requests received while waiting for responses.
    pub pushed: Vec<RemotingCommand>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        Client {
            framed: Framed::new(s, RemotingCodec::new()),
            opaque: AtomicI32::new(1),
            pushed: Vec::new(),
        }
    }

    /// Send a request and wait (bounded) for its response.
    pub async fn call(&mut self, mut req: RemotingCommand) -> RemotingCommand {
        let opaque = self.opaque.fetch_add(1, Ordering::Relaxed);
        req.opaque = opaque;
        self.framed.send(req).await.unwrap();
        self.response(opaque, Duration::from_secs(30)).await
    }

    /// Send without waiting.
    pub async fn send_only(&mut self, mut req: RemotingCommand) -> i32 {
        let opaque = self.opaque.fetch_add(1, Ordering::Relaxed);
        req.opaque = opaque;
        self.framed.send(req).await.unwrap();
        opaque
    }

    /// Wait for the response with `opaque`, keeping server-initiated requests in `pushed`.
    pub async fn response(&mut self, opaque: i32, within: Duration) -> RemotingCommand {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.framed.next())
                .await
                .expect("no response in time")
                .expect("connection closed")
                .expect("bad frame");
            if frame.is_response() && frame.opaque == opaque {
                return frame;
            }
            if !frame.is_response() {
                self.pushed.push(frame);
            }
        }
    }

    /// Wait (bounded) for a server-initiated request with `code`.
    pub async fn wait_pushed(&mut self, code: i32, within: Duration) -> Option<RemotingCommand> {
        if let Some(i) = self.pushed.iter().position(|c| c.code == code) {
            return Some(self.pushed.remove(i));
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.framed.next()).await {
                Ok(Some(Ok(f))) => f,
                _ => return None,
            };
            if !frame.is_response() && frame.code == code {
                return Some(frame);
            }
        }
    }

    /// Write raw bytes on the connection.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.framed.get_mut().write_all(bytes).await.unwrap();
    }

    /// Whether the server closed the connection (bounded wait).
    pub async fn closed_by_peer(&mut self, within: Duration) -> bool {
        matches!(
            tokio::time::timeout(within, self.framed.next()).await,
            Ok(None) | Ok(Some(Err(_)))
        )
    }

    /// SEND_MESSAGE_V2 with a body and a properties string.
    pub async fn send(
        &mut self,
        topic: &str,
        queue_id: i32,
        body: &[u8],
        properties: &str,
    ) -> RemotingCommand {
        let h = SendMessageRequestHeaderV2 {
            a: "test_producer".into(),
            b: topic.into(),
            c: "TBW102".into(),
            d: 4,
            e: queue_id,
            f: 0,
            g: 1_700_000_000_000,
            h: 0,
            i: (!properties.is_empty()).then(|| properties.to_owned()),
            j: None,
            k: None,
            l: None,
            m: None,
            n: None,
        };
        let req = RemotingCommand::request(request_code::SEND_MESSAGE_V2)
            .with_header(&h)
            .with_body(Bytes::copy_from_slice(body));
        self.call(req).await
    }

    /// PULL_MESSAGE with an explicit subscription.
    pub async fn pull(
        &mut self,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        sub: &str,
        suspend_ms: i64,
    ) -> RemotingCommand {
        self.call(pull_request(
            group, topic, queue_id, offset, sub, suspend_ms,
        ))
        .await
    }
}

/// A PULL_MESSAGE request (SUBSCRIPTION bit, SUSPEND bit when `suspend_ms` > 0).
pub fn pull_request(
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    sub: &str,
    suspend_ms: i64,
) -> RemotingCommand {
    let h = PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: 32,
        sys_flag: 0x4 | if suspend_ms > 0 { 0x2 } else { 0 },
        commit_offset: 0,
        suspend_timeout_millis: suspend_ms,
        subscription: Some(sub.into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
        request_source: None,
        proxy_froward_client_id: None,
    };
    RemotingCommand::request(request_code::PULL_MESSAGE).with_header(&h)
}

/// Properties string from pairs.
pub fn props(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}\u{1}{v}\u{2}"))
        .collect()
}

/// An ext field of a command ("" when absent).
pub fn ext(cmd: &RemotingCommand, key: &str) -> String {
    cmd.ext_fields.get(key).cloned().unwrap_or_default()
}

/// Pull with an explicit `*` subscription until SUCCESS (the message may not be dispatched to
/// its queue yet) or `within` passes; returns the last response.
pub async fn pull_found(
    c: &mut Client,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    within: Duration,
) -> RemotingCommand {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let r = c.pull(group, topic, queue_id, offset, "*", 0).await;
        if r.code == ferromq_protocol::code::response_code::SUCCESS
            || tokio::time::Instant::now() >= deadline
        {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An UPDATE_AND_CREATE_TOPIC request (SINGLE_TAG, not ordered).
pub fn create_topic_request(topic: &str, queues: i32, perm: i32) -> RemotingCommand {
    let h = ferromq_protocol::header::CreateTopicRequestHeader {
        topic: topic.into(),
        default_topic: "TBW102".into(),
        read_queue_nums: queues,
        write_queue_nums: queues,
        perm,
        topic_filter_type: "SINGLE_TAG".into(),
        topic_sys_flag: None,
        order: false,
        attributes: None,
        force: None,
    };
    RemotingCommand::request(request_code::UPDATE_AND_CREATE_TOPIC).with_header(&h)
}

/// The stored records of a pull response (CRCs checked).
pub fn records(resp: &RemotingCommand) -> Vec<ferromq_engine::record::RecordView<'_>> {
    let (recs, complete) = ferromq_engine::record::decode_all(resp.body_bytes(), true);
    assert!(complete, "pull body has a record that fails its checks");
    recs
}
