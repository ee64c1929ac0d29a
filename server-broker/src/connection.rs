//! Client connections: framing, the per-connection writer, request dispatch.
//!
//! Each connection has a reader loop and a writer task. Every request runs in its own task,
//! so a request that waits (a SYNC_FLUSH send, a long-polling pull) does not hold up the ones
//! behind it; responses go out through the writer as they complete, matched by `opaque`.
//! Server-initiated requests (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE) use the
//! same writer through [`Channel`]. A malformed frame closes that connection only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ferromq_protocol::{RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::broker::Broker;
use crate::processor;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How many outgoing frames may queue per connection before senders wait.
const WRITE_QUEUE: usize = 4096;

/// The sending side of a client connection.
pub struct Channel {
    /// Connection id, unique in this process.
    pub id: u64,
    /// The client's address.
    pub remote: SocketAddr,
    tx: mpsc::Sender<RemotingCommand>,
}

impl Channel {
    /// Queue a frame; false when the connection is gone.
    pub async fn send(&self, cmd: RemotingCommand) -> bool {
        self.tx.send(cmd).await.is_ok()
    }

    /// Queue a frame without waiting; false when the connection is gone or saturated.
    pub fn try_send(&self, cmd: RemotingCommand) -> bool {
        self.tx.try_send(cmd).is_ok()
    }

    /// Whether the connection is still open.
    pub fn is_open(&self) -> bool {
        !self.tx.is_closed()
    }
}

/// Serve one connection until it closes or the broker shuts down.
pub async fn serve(
    broker: Arc<Broker>,
    socket: TcpStream,
    remote: SocketAddr,
    mut shutdown: broadcast::Receiver<()>,
) {
    let _ = socket.set_nodelay(true);
    let (read_half, write_half) = socket.into_split();
    let (tx, mut rx) = mpsc::channel::<RemotingCommand>(WRITE_QUEUE);
    let channel = Arc::new(Channel {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        remote,
        tx,
    });
    let writer = tokio::spawn(async move {
        let mut sink = FramedWrite::new(write_half, RemotingCodec::new());
        while let Some(cmd) = rx.recv().await {
            // Batch what is already queued into one flush.
            if sink.feed(cmd).await.is_err() {
                return;
            }
            while let Ok(more) = rx.try_recv() {
                if sink.feed(more).await.is_err() {
                    return;
                }
            }
            if SinkExt::<RemotingCommand>::flush(&mut sink).await.is_err() {
                return;
            }
        }
    });
    let mut frames = FramedRead::new(read_half, RemotingCodec::new());
    loop {
        let next = tokio::select! {
            f = frames.next() => f,
            _ = shutdown.recv() => break,
        };
        match next {
            None => break,
            Some(Err(e)) => {
                tracing::warn!(%remote, error = %e, "closing connection after a malformed frame");
                break;
            }
            Some(Ok(cmd)) if cmd.is_response() => {
                // Answers to our oneway requests are not expected; ignore strays.
                tracing::debug!(%remote, code = cmd.code, "ignoring response frame from client");
            }
            Some(Ok(cmd)) => {
                let broker = broker.clone();
                let channel = channel.clone();
                tokio::spawn(async move {
                    let oneway = cmd.is_oneway();
                    if let Some(resp) = processor::process(&broker, &channel, cmd).await {
                        if !oneway {
                            channel.send(resp).await;
                        }
                    }
                });
            }
        }
    }
    broker.connection_closed(&channel).await;
    drop(channel);
    // The writer ends once every task holding the channel has finished.
    let _ = writer.await;
}
