//! One peer connection: remoting frames in, remoting frames out.

use std::net::SocketAddr;

use ferromq_protocol::{ProtocolError, RemotingCodec, RemotingCommand};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// A framed connection. Reads buffer partial frames; a malformed frame is an error after which
/// the connection must be dropped (the byte stream is out of sync).
#[derive(Debug)]
pub(crate) struct Connection {
    framed: Framed<TcpStream, RemotingCodec>,
    peer: SocketAddr,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream, peer: SocketAddr) -> Self {
        // Requests and responses are small and latency-sensitive.
        let _ = stream.set_nodelay(true);
        Connection {
            framed: Framed::new(stream, RemotingCodec::new()),
            peer,
        }
    }

    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The next command, or `None` when the peer closed the connection cleanly.
    pub(crate) async fn read_command(&mut self) -> Result<Option<RemotingCommand>, ProtocolError> {
        self.framed.next().await.transpose()
    }

    /// Writes and flushes one command.
    pub(crate) async fn write_command(
        &mut self,
        cmd: RemotingCommand,
    ) -> Result<(), ProtocolError> {
        self.framed.send(cmd).await
    }
}
