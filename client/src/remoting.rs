//! The remoting transport: one TCP connection per remote address, shared by everything in a
//! client instance, with requests matched to responses by `opaque`.
//!
//! Invariants:
//! - every outstanding request has exactly one entry in its connection's `pending` map; the
//!   entry is removed by the response, by the caller's timeout, or by the connection dying
//!   (which drops the sender so the caller sees `Connection` at once instead of waiting out
//!   its timeout);
//! - a connection marked `closed` is never handed out again: the next call reconnects;
//! - requests the server initiates (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE) are
//!   forwarded with the address they came from to the instance's dispatch channel; the reader
//!   never blocks on them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ferromq_protocol::{RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::error::{ClientError, Result};

/// A request the server sent us, with the address of the connection it came on.
pub(crate) type ServerRequest = (String, RemotingCommand);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicked holder leaves plain data behind (maps, counters); keep going with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Connection {
    tx: mpsc::UnboundedSender<RemotingCommand>,
    pending: Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>,
    closed: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Connection {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        lock(&self.pending).clear();
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}

/// The connection table of one client instance.
pub(crate) struct Remoting {
    conns: Mutex<HashMap<String, Arc<Connection>>>,
    connect_lock: tokio::sync::Mutex<()>,
    opaque: AtomicI32,
    server_requests: mpsc::UnboundedSender<ServerRequest>,
    connect_timeout: Duration,
}

impl Remoting {
    pub(crate) fn new(server_requests: mpsc::UnboundedSender<ServerRequest>) -> Remoting {
        Remoting {
            conns: Mutex::new(HashMap::new()),
            connect_lock: tokio::sync::Mutex::new(()),
            opaque: AtomicI32::new(1),
            server_requests,
            connect_timeout: Duration::from_secs(3),
        }
    }

    fn live(&self, addr: &str) -> Option<Arc<Connection>> {
        lock(&self.conns)
            .get(addr)
            .filter(|c| !c.closed.load(Ordering::Acquire))
            .cloned()
    }

    async fn connection(&self, addr: &str) -> Result<Arc<Connection>> {
        if let Some(c) = self.live(addr) {
            return Ok(c);
        }
        let _guard = self.connect_lock.lock().await;
        if let Some(c) = self.live(addr) {
            return Ok(c);
        }
        let conn_err = |reason: String| ClientError::Connection {
            addr: addr.to_owned(),
            reason,
        };
        let stream = tokio::time::timeout(self.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| conn_err("connect timed out".into()))?
            .map_err(|e| conn_err(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let (tx, mut rx) = mpsc::unbounded_channel::<RemotingCommand>();
        let conn = Arc::new(Connection {
            tx,
            pending: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
        });
        let writer = {
            let conn = Arc::downgrade(&conn);
            tokio::spawn(async move {
                let mut sink = FramedWrite::new(write, RemotingCodec::new());
                'outer: while let Some(first) = rx.recv().await {
                    // Coalesce whatever is queued into one write: many requests in flight
                    // then cost one syscall instead of one each.
                    if sink.feed(first).await.is_err() {
                        break;
                    }
                    while let Ok(more) = rx.try_recv() {
                        if sink.feed(more).await.is_err() {
                            break 'outer;
                        }
                    }
                    if SinkExt::<RemotingCommand>::flush(&mut sink).await.is_err() {
                        break;
                    }
                }
                if let Some(c) = conn.upgrade() {
                    c.closed.store(true, Ordering::Release);
                    lock(&c.pending).clear();
                }
            })
        };
        let reader = {
            let conn = Arc::downgrade(&conn);
            let server_requests = self.server_requests.clone();
            let addr = addr.to_owned();
            tokio::spawn(async move {
                let mut stream = FramedRead::new(read, RemotingCodec::new());
                while let Some(Ok(cmd)) = stream.next().await {
                    let Some(c) = conn.upgrade() else { break };
                    if cmd.is_response() {
                        if let Some(waiter) = lock(&c.pending).remove(&cmd.opaque) {
                            let _ = waiter.send(cmd);
                        }
                    } else {
                        let _ = server_requests.send((addr.clone(), cmd));
                    }
                }
                if let Some(c) = conn.upgrade() {
                    c.closed.store(true, Ordering::Release);
                    lock(&c.pending).clear();
                }
            })
        };
        lock(&conn.tasks).extend([writer, reader]);
        if let Some(old) = lock(&self.conns).insert(addr.to_owned(), conn.clone()) {
            old.close();
        }
        Ok(conn)
    }

    /// Sends `request` to `addr` and waits up to `timeout` for its response.
    pub(crate) async fn invoke(
        &self,
        addr: &str,
        mut request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand> {
        let conn = self.connection(addr).await?;
        let opaque = self.opaque.fetch_add(1, Ordering::Relaxed);
        request.opaque = opaque;
        let (tx, rx) = oneshot::channel();
        lock(&conn.pending).insert(opaque, tx);
        if conn.tx.send(request).is_err() {
            lock(&conn.pending).remove(&opaque);
            conn.close();
            return Err(ClientError::Connection {
                addr: addr.to_owned(),
                reason: "connection closed".into(),
            });
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(ClientError::Connection {
                addr: addr.to_owned(),
                reason: "connection closed while waiting for the response".into(),
            }),
            Err(_) => {
                lock(&conn.pending).remove(&opaque);
                Err(ClientError::Timeout {
                    addr: addr.to_owned(),
                    millis: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                })
            }
        }
    }

    /// Sends `request` as a oneway command (no response expected).
    pub(crate) async fn invoke_oneway(&self, addr: &str, request: RemotingCommand) -> Result<()> {
        let conn = self.connection(addr).await?;
        let mut request = request.oneway();
        request.opaque = self.opaque.fetch_add(1, Ordering::Relaxed);
        conn.tx.send(request).map_err(|_| {
            conn.close();
            ClientError::Connection {
                addr: addr.to_owned(),
                reason: "connection closed".into(),
            }
        })
    }

    /// Closes every connection.
    pub(crate) fn close_all(&self) {
        for (_, c) in lock(&self.conns).drain() {
            c.close();
        }
    }
}

impl Drop for Remoting {
    fn drop(&mut self) {
        self.close_all();
    }
}
