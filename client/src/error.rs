//! The client's one error type. Every variant is something a caller can act on: retry later
//! (`Timeout`, `Connection`), fix the request (`InvalidArgument`, `MessageTooLarge`), or read
//! the broker's answer (`Broker` with its response code and remark).

use ferromq_protocol::{BodyError, HeaderError, ProtocolError};

/// Everything that can go wrong in `ferromq-client`.
///
/// ```
/// use ferromq_client::ClientError;
/// let e = ClientError::Broker { code: 17, remark: "topic not exist".into() };
/// assert_eq!(e.response_code(), Some(17));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No response arrived within the request timeout.
    #[error("request to {addr} timed out after {millis} ms")]
    Timeout {
        /// Remote address.
        addr: String,
        /// The timeout that expired.
        millis: u64,
    },
    /// The connection could not be opened or broke while a request was outstanding.
    #[error("connection to {addr} failed: {reason}")]
    Connection {
        /// Remote address.
        addr: String,
        /// What happened.
        reason: String,
    },
    /// The server answered with an error response code.
    #[error("broker answered code {code}: {remark}")]
    Broker {
        /// RocketMQ response code (spec §2.4).
        code: i32,
        /// The server's remark.
        remark: String,
    },
    /// No route is known for the topic (neither for TBW102).
    #[error("no route info for topic {0}")]
    NoRoute(String),
    /// The message body exceeds the producer's `max_message_size`.
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// Body size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The caller passed something unusable (empty topic, empty batch, bad expression ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A frame could not be encoded or decoded.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// A response header is missing a field or holds a bad value.
    #[error("bad response header: {0}")]
    Header(#[from] HeaderError),
    /// A response body is not what the protocol says.
    #[error("bad response body: {0}")]
    Body(#[from] BodyError),
    /// A message body could not be (de)compressed.
    #[error("compression: {0}")]
    Compression(String),
    /// Local file I/O (broadcast offset store).
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The client (or the consumer/producer) was shut down.
    #[error("the client is shut down")]
    Shutdown,
}

impl ClientError {
    /// The broker's response code, for [`ClientError::Broker`].
    ///
    /// ```
    /// use ferromq_client::ClientError;
    /// assert_eq!(ClientError::Shutdown.response_code(), None);
    /// ```
    pub fn response_code(&self) -> Option<i32> {
        match self {
            ClientError::Broker { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Short for `Result<T, ClientError>`.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
