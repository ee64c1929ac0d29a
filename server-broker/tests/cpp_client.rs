//! A real third-party client: the official Apache RocketMQ C++ client (`librocketmq.so` from the
//! `rocketmq-client-python==0.5.0rc2` wheel) produces 1,000 messages through the real
//! `ferromq-namesrv` and `ferromq-broker` binaries, and its push consumer receives all of them.
//!
//! The client runs in `tests/cpp_client/produce_consume.py` under a Python venv holding the
//! wheel: `$FERROMQ_CPP_CLIENT_PYTHON`, else `target/cpp-client-venv/bin/python`. `.ci/run`
//! creates that venv; without it this test fails (it does not skip) and says how to install it.
//!
//! Everything listens on 127.0.0.1 on free ports; every child process is killed when the test
//! ends, panics included. The C++ client writes its log under a temporary `$HOME`; on failure
//! the test prints the tails of every log.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use ferromq_protocol::body::TopicRouteData;
use ferromq_protocol::code::{request_code, response_code};
use ferromq_protocol::header::GetRouteInfoRequestHeader;
use ferromq_protocol::{json, RemotingCommand};

/// Messages to produce and consume (`FERROMQ_CPP_CLIENT_COUNT` overrides, for development).
const DEFAULT_COUNT: usize = 1000;
/// How long the consumer may take to receive everything once producing is done.
const CONSUME_TIMEOUT_S: u64 = 60;
/// Hard limit for the whole Python run (the script's own watchdog fires earlier).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the servers may take to accept connections, and the broker to register.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

const INSTALL_HINT: &str = "install it with:\n    \
    python3 -m venv target/cpp-client-venv && \
    target/cpp-client-venv/bin/pip install --only-binary=:all: rocketmq-client-python==0.5.0rc2\n\
    (run from the workspace root; .ci/run does this), or point FERROMQ_CPP_CLIENT_PYTHON at a \
    python that can `import rocketmq.client`";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the broker crate lives in the workspace root")
        .to_path_buf()
}

/// The Python interpreter of the venv holding the C++ client wheel.
fn client_python() -> PathBuf {
    let candidate = match std::env::var_os("FERROMQ_CPP_CLIENT_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_root().join("target/cpp-client-venv/bin/python"),
    };
    assert!(
        candidate.exists(),
        "the RocketMQ C++ client venv is missing: {} does not exist; {INSTALL_HINT}",
        candidate.display()
    );
    let check = Command::new(&candidate)
        .args(["-c", "from rocketmq.client import Producer, PushConsumer"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", candidate.display()));
    assert!(
        check.status.success(),
        "{} cannot import rocketmq.client ({}); {INSTALL_HINT}",
        candidate.display(),
        String::from_utf8_lossy(&check.stderr).trim()
    );
    candidate
}

/// The two server binaries: the broker from Cargo, the name server next to it (another
/// package's binary; `cargo test --workspace` builds it).
fn server_binaries() -> (PathBuf, PathBuf) {
    let broker = PathBuf::from(option_env!("CARGO_BIN_EXE_ferromq-broker").unwrap_or_else(|| {
        panic!("Cargo did not provide the ferromq-broker binary (is [[bin]] ferromq-broker defined?)")
    }));
    let namesrv = broker.with_file_name("ferromq-namesrv");
    assert!(
        namesrv.exists(),
        "{} does not exist; build it first: cargo build -p ferromq-namesrv (cargo test \
         --workspace builds it)",
        namesrv.display()
    );
    (broker, namesrv)
}

/// A port `p` such that `p`, `p − 2` (the broker's VIP channel) and `p + 1` (its HA port) are
/// free right now.
fn free_broker_port() -> u16 {
    for _ in 0..200 {
        let Ok(main) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(port) = main.local_addr().map(|a| a.port()) else {
            continue;
        };
        if port < 1026 || port == u16::MAX {
            continue;
        }
        let vip = TcpListener::bind(("127.0.0.1", port - 2));
        let ha = TcpListener::bind(("127.0.0.1", port + 1));
        if vip.is_ok() && ha.is_ok() {
            return port;
        }
    }
    panic!("no free port p with p-2 and p+1 also free on 127.0.0.1");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// The child processes of the test; killed (and reaped) on drop, panics included.
struct Children {
    children: Vec<(&'static str, Child)>,
}

impl Children {
    /// Fails the test if a server already exited.
    fn assert_running(&mut self, logs: &Logs) {
        for (name, child) in &mut self.children {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{name} exited early with {status}\n{}", logs.tails());
            }
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Where every process of the test writes its output.
struct Logs {
    dir: PathBuf,
}

impl Logs {
    fn file(&self, name: &str) -> std::fs::File {
        std::fs::File::create(self.dir.join(name)).expect("create a log file")
    }

    /// The last lines of every log, for failure messages.
    fn tails(&self) -> String {
        let mut files = vec![
            self.dir.join("namesrv.log"),
            self.dir.join("namesrv.stderr"),
            self.dir.join("broker.log"),
            self.dir.join("broker.stderr"),
            self.dir.join("client.stdout"),
            self.dir.join("client.stderr"),
        ];
        // The C++ client logs to $HOME/logs/rocketmq-cpp/<pid>_rocketmq-cpp.log.N.
        if let Ok(entries) = std::fs::read_dir(self.dir.join("home/logs/rocketmq-cpp")) {
            files.extend(entries.flatten().map(|e| e.path()));
        }
        let mut out = String::new();
        for path in files {
            let Ok(text) = std::fs::read(&path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&text);
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(60);
            out.push_str(&format!(
                "----- {} (last {} of {} lines) -----\n",
                path.display(),
                lines.len() - start,
                lines.len()
            ));
            for line in &lines[start..] {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Waits until `addr` accepts TCP connections.
fn wait_for_port(addr: SocketAddr, what: &str, children: &mut Children, logs: &Logs) {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        children.assert_running(logs);
        assert!(
            Instant::now() < deadline,
            "{what} does not accept connections on {addr} after {STARTUP_TIMEOUT:?}\n{}",
            logs.tails()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One request/response exchange over a blocking socket.
fn call(addr: SocketAddr, request: &RemotingCommand) -> std::io::Result<RemotingCommand> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let frame = request.to_frame().map_err(std::io::Error::other)?;
    stream.write_all(&frame)?;
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = usize::try_from(i32::from_be_bytes(len)).map_err(std::io::Error::other)?;
    let mut frame = vec![0u8; len];
    stream.read_exact(&mut frame)?;
    RemotingCommand::decode_frame(frame.into()).map_err(std::io::Error::other)
}

/// Waits until the name server routes `TBW102` (the auto-creation template the C++ producer
/// falls back on for a new topic) to the broker at `broker_addr`.
fn wait_for_registration(
    namesrv: SocketAddr,
    broker_addr: &str,
    children: &mut Children,
    logs: &Logs,
) {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut opaque = 0;
    loop {
        opaque += 1;
        let header = GetRouteInfoRequestHeader {
            topic: "TBW102".into(),
            ..Default::default()
        };
        let request = RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC)
            .with_opaque(opaque)
            .with_header(&header);
        let last = match call(namesrv, &request) {
            Ok(response) if response.code == response_code::SUCCESS => {
                match json::decode::<TopicRouteData>(response.body_bytes()) {
                    Ok(route)
                        if route
                            .broker_datas
                            .iter()
                            .any(|b| b.master_addr() == Some(broker_addr)) =>
                    {
                        return;
                    }
                    Ok(route) => format!("TBW102 routes elsewhere: {route:?}"),
                    Err(e) => format!("bad TBW102 route body: {e}"),
                }
            }
            Ok(response) => format!(
                "TBW102 route query answered code {} ({:?})",
                response.code, response.remark
            ),
            Err(e) => format!("TBW102 route query failed: {e}"),
        };
        children.assert_running(logs);
        assert!(
            Instant::now() < deadline,
            "the broker did not register {broker_addr} with TBW102 at the name server within \
             {STARTUP_TIMEOUT:?} (autoCreateTopicEnable must be on): {last}\n{}",
            logs.tails()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits for `child` at most `timeout`; kills it when the time is up.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn cpp_client_produces_and_push_consumes_1000_messages() {
    let python = client_python();
    let (broker_bin, namesrv_bin) = server_binaries();
    let count = std::env::var("FERROMQ_CPP_CLIENT_COUNT")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(DEFAULT_COUNT);
    let log_level = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());

    let dir = tempfile::tempdir().expect("tempdir");
    let logs = Logs {
        dir: dir.path().to_path_buf(),
    };
    let home = dir.path().join("home");
    let store = dir.path().join("store");
    std::fs::create_dir_all(&home).expect("create the client's HOME");
    let mut children = Children {
        children: Vec::new(),
    };

    // Name server.
    let namesrv_port = free_port();
    let namesrv_addr = SocketAddr::from(([127, 0, 0, 1], namesrv_port));
    let namesrv = Command::new(&namesrv_bin)
        .arg("--listen")
        .arg(namesrv_addr.to_string())
        .env("RUST_LOG", &log_level)
        .stdin(Stdio::null())
        .stdout(logs.file("namesrv.log"))
        .stderr(logs.file("namesrv.stderr"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", namesrv_bin.display()));
    children.children.push(("ferromq-namesrv", namesrv));
    wait_for_port(namesrv_addr, "ferromq-namesrv", &mut children, &logs);

    // Broker, registering with it.
    let broker_port = free_broker_port();
    let broker_addr = format!("127.0.0.1:{broker_port}");
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName=DefaultCluster\n\
             brokerName=broker-a\n\
             brokerId=0\n\
             brokerIP1=127.0.0.1\n\
             haListenPort={}\n\
             autoCreateTopicEnable=true\n\
             flushDiskType=ASYNC_FLUSH\n\
             maxHashSlotNum=65536\n\
             maxIndexNum=262144\n",
            broker_port + 1
        ),
    )
    .expect("write broker.conf");
    let broker = Command::new(&broker_bin)
        .arg("-c")
        .arg(&conf)
        .arg("-n")
        .arg(namesrv_addr.to_string())
        .arg("--listen-port")
        .arg(broker_port.to_string())
        .arg("--store-path")
        .arg(&store)
        .env_remove("NAMESRV_ADDR")
        .env("RUST_LOG", &log_level)
        .stdin(Stdio::null())
        .stdout(logs.file("broker.log"))
        .stderr(logs.file("broker.stderr"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", broker_bin.display()));
    children.children.push(("ferromq-broker", broker));
    let broker_socket: SocketAddr = broker_addr.parse().expect("broker address");
    wait_for_port(broker_socket, "ferromq-broker", &mut children, &logs);
    wait_for_registration(namesrv_addr, &broker_addr, &mut children, &logs);

    // The C++ client.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cpp_client/produce_consume.py");
    let started = Instant::now();
    let mut client = Command::new(&python)
        .arg(&script)
        .arg(namesrv_addr.to_string())
        .arg("FerroCppTopic")
        .arg("ferro_cpp_group")
        .arg(count.to_string())
        .arg("--timeout")
        .arg(CONSUME_TIMEOUT_S.to_string())
        // Keeps the C++ client's logs (and any offset files) inside the tempdir.
        .env("HOME", &home)
        .env_remove("NAMESRV_ADDR")
        .stdin(Stdio::null())
        .stdout(logs.file("client.stdout"))
        .stderr(logs.file("client.stderr"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let status = wait_with_timeout(&mut client, SCRIPT_TIMEOUT);
    let elapsed = started.elapsed();
    children.assert_running(&logs);

    let stdout = std::fs::read_to_string(dir.path().join("client.stdout")).unwrap_or_default();
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("SENT "))
        .unwrap_or("")
        .to_owned();
    let Some(status) = status else {
        panic!(
            "the C++ client did not finish within {SCRIPT_TIMEOUT:?}\n{}",
            logs.tails()
        );
    };
    assert!(
        status.success(),
        "the C++ client run failed ({status}) after {elapsed:?}: {summary:?}\n{}",
        logs.tails()
    );
    let numbers: Vec<usize> = summary
        .split_whitespace()
        .skip(1)
        .step_by(2)
        .map_while(|n| n.parse().ok())
        .collect();
    assert!(
        matches!(numbers[..], [sent, received, distinct]
            if sent == count && received >= count && distinct == count),
        "unexpected summary {summary:?} for {count} messages\n{}",
        logs.tails()
    );
    eprintln!("C++ client: {summary} in {elapsed:.1?}");
}
