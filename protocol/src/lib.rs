//! RocketMQ's remoting protocol: frames, request and response codes, typed headers and JSON
//! bodies, and a tokio framed codec.
//!
//! ```
//! use bytes::BytesMut;
//! use ferromq_protocol::{code::request_code, header::GetRouteInfoRequestHeader};
//! use ferromq_protocol::{RemotingCodec, RemotingCommand};
//! use tokio_util::codec::{Decoder, Encoder};
//!
//! let header = GetRouteInfoRequestHeader { topic: "TopicTest".into(), ..Default::default() };
//! let request = RemotingCommand::request(request_code::GET_ROUTEINFO_BY_TOPIC)
//!     .with_opaque(1)
//!     .with_header(&header);
//! let mut buf = BytesMut::new();
//! RemotingCodec::new().encode(&request, &mut buf).unwrap();
//! let decoded = RemotingCodec::new().decode(&mut buf).unwrap().unwrap();
//! let back: GetRouteInfoRequestHeader = decoded.decode_header().unwrap();
//! assert_eq!(back.topic, "TopicTest");
//! ```
//!
//! The crate is lenient in what it reads (like Java's fastjson) and strict in what it writes
//! (what the strictest known client requires); see `docs/protocol.md`. It does no I/O of its
//! own and never panics on input. It is not a client or a server: those live in
//! `ferromq-client`, `ferromq-namesrv` and `ferromq-broker`.

#![warn(missing_docs)]

pub mod body;
pub mod code;
pub mod codec;
pub mod command;
pub mod error;
pub mod header;
pub mod json;

/// The stored message record codec (pull, query and view bodies carry these bytes), shared with
/// the engine rather than duplicated.
pub use ferromq_engine::record;

pub use codec::{RemotingCodec, DEFAULT_MAX_FRAME_LENGTH};
pub use command::{ExtFields, LanguageCode, RemotingCommand, SerializeType};
pub use error::{BodyError, HeaderError, ProtocolError};
pub use header::CommandHeader;
