//! Test harness: a real name server and broker on 127.0.0.1 port 0 (loopback only).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ferromq_broker::{run, Broker, BrokerConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running name server + broker pair.
pub struct TestBroker {
    pub addr: SocketAddr,
    pub namesrv: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ferromq_broker::BrokerError>>>,
    stop_ns: Option<tokio::sync::oneshot::Sender<()>>,
}

#[allow(clippy::field_reassign_with_default)]
fn test_config(dir: &Path, name: &str) -> BrokerConfig {
    let mut c = BrokerConfig::default();
    c.broker_name = name.into();
    c.broker_ip1 = "127.0.0.1".into();
    c.store.store_path_root_dir = dir.to_path_buf();
    c.store.mapped_file_size_commit_log = 16 << 20;
    c.store.mapped_file_size_consume_queue = 20 * 10_000;
    c.flush_consumer_offset_interval = Duration::from_millis(200);
    // An OS-assigned HA port (listenPort + 1 may belong to another test) and small index files.
    c.ha_listen_port = Some(0);
    c.store.max_hash_slot_num = 4096;
    // Tests must not depend on how full the host's disk is.
    c.store.clean_file_forcibly_enable = false;
    c.store.max_index_num = 16_384;
    c
}

impl TestBroker {
    /// A name server and a broker named `broker-a`.
    pub async fn start(dir: &Path) -> TestBroker {
        Self::start_with(dir, |_| {}).await
    }

    pub async fn start_with(dir: &Path, tweak: impl FnOnce(&mut BrokerConfig)) -> TestBroker {
        let ns_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let namesrv = ns_listener.local_addr().unwrap();
        let (stop_ns, ns_stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = ferromq_namesrv::run(ns_listener, Default::default(), ns_stopped).await;
        });
        let mut b = Self::start_broker(dir, namesrv, "broker-a", tweak).await;
        b.stop_ns = Some(stop_ns);
        b
    }

    /// Another broker registering with an existing name server.
    pub async fn start_broker(
        dir: &Path,
        namesrv: SocketAddr,
        name: &str,
        tweak: impl FnOnce(&mut BrokerConfig),
    ) -> TestBroker {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = test_config(dir, name);
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
        let b = TestBroker {
            addr,
            namesrv,
            stop: Some(stop),
            task: Some(task),
            stop_ns: None,
        };
        b.wait_registered().await;
        b
    }

    /// Waits until the name server routes TBW102 to this broker.
    async fn wait_registered(&self) {
        let admin = ferromq_client::Admin::new(&self.namesrv.to_string());
        for _ in 0..200 {
            if let Ok(r) = admin.topic_route("TBW102").await {
                if r.broker_datas
                    .iter()
                    .any(|b| b.broker_addrs.values().any(|a| *a == self.addr.to_string()))
                {
                    admin.shutdown();
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("broker did not register with the name server");
    }

    pub fn ns(&self) -> String {
        self.namesrv.to_string()
    }

    /// Stop the broker gracefully; the name server keeps running.
    pub async fn stop_broker_only(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        if let Some(s) = self.stop_ns.take() {
            let _ = s.send(());
        }
    }
}

/// Creates a topic with `queues` queues through the admin API and waits for its route.
pub async fn create_topic(ns: &str, topic: &str, queues: i32) {
    let admin = ferromq_client::Admin::new(ns);
    admin.create_topic(topic, queues).await.unwrap();
    for _ in 0..200 {
        if admin.topic_route(topic).await.is_ok() {
            admin.shutdown();
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("topic {topic} never got a route");
}

/// Polls `cond` every 20 ms until true or `within` passes.
pub async fn wait_until(within: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}
