//! The framed codec: tokio-util [`Decoder`]/[`Encoder`] for remoting frames (spec §1.1).
//!
//! A frame is `frameLength: i32` (bytes after itself) ‖ `headerLengthAndType: i32` ‖ header ‖
//! body. The decoder buffers partial frames, rejects a frame whose length is negative, too
//! small, or (plus its 4-byte prefix) above the limit *before* buffering it, and never panics.
//! After an error the stream is out of sync, so callers must drop the connection.

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::command::RemotingCommand;
use crate::error::ProtocolError;

/// Java's default `com.rocketmq.remoting.frameMaxLength`: 16 MiB, compared with the frame
/// length plus its 4-byte prefix.
pub const DEFAULT_MAX_FRAME_LENGTH: usize = 16_777_216;

/// Frames [`RemotingCommand`]s over a byte stream.
#[derive(Debug, Clone, Copy)]
pub struct RemotingCodec {
    max_frame_length: usize,
}

impl RemotingCodec {
    /// A codec with the default 16 MiB frame limit.
    pub fn new() -> Self {
        RemotingCodec {
            max_frame_length: DEFAULT_MAX_FRAME_LENGTH,
        }
    }

    /// A codec with another frame limit (in bytes, the 4-byte length prefix included).
    pub fn with_max_frame_length(max_frame_length: usize) -> Self {
        RemotingCodec { max_frame_length }
    }

    /// The frame limit in bytes, length prefix included.
    pub fn max_frame_length(&self) -> usize {
        self.max_frame_length
    }
}

impl Default for RemotingCodec {
    fn default() -> Self {
        RemotingCodec::new()
    }
}

impl Decoder for RemotingCodec {
    type Item = RemotingCommand;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<RemotingCommand>, ProtocolError> {
        let Some(prefix) = src.get(..4).and_then(|p| <[u8; 4]>::try_from(p).ok()) else {
            return Ok(None);
        };
        let frame_len = i32::from_be_bytes(prefix);
        // The frame must at least hold the header-length word.
        if frame_len < 4 {
            return Err(ProtocolError::FrameTooShort(frame_len));
        }
        let frame_len = frame_len as usize;
        if frame_len + 4 > self.max_frame_length {
            return Err(ProtocolError::FrameTooLarge {
                length: frame_len as u64 + 4,
                max: self.max_frame_length,
            });
        }
        if src.len() < 4 + frame_len {
            src.reserve(4 + frame_len - src.len());
            return Ok(None);
        }
        src.advance(4);
        let frame = src.split_to(frame_len).freeze();
        RemotingCommand::decode_frame(frame).map(Some)
    }
}

impl Encoder<RemotingCommand> for RemotingCodec {
    type Error = ProtocolError;

    fn encode(&mut self, item: RemotingCommand, dst: &mut BytesMut) -> Result<(), ProtocolError> {
        item.encode_frame(dst, self.max_frame_length)
    }
}

impl Encoder<&RemotingCommand> for RemotingCodec {
    type Error = ProtocolError;

    fn encode(&mut self, item: &RemotingCommand, dst: &mut BytesMut) -> Result<(), ProtocolError> {
        item.encode_frame(dst, self.max_frame_length)
    }
}
