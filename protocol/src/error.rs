//! The protocol's errors, one enum per operation family: frames, headers (`extFields`) and
//! bodies. None of them is ever a panic: every decoder turns bad input into one of these.

use std::io;

/// Why a frame could not be decoded or encoded. A server that gets one of these while reading
/// closes that connection (as Java's `NettyDecoder` does); other connections are unaffected.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The length prefix announces a frame larger than the limit (Java compares
    /// `frameLength + 4` with `com.rocketmq.remoting.frameMaxLength`, 16 MiB by default).
    #[error("frame of {length} bytes (with its length prefix) exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// Announced frame size including the 4-byte length prefix.
        length: u64,
        /// The configured limit.
        max: usize,
    },
    /// The length prefix is negative or too small to hold the header-length word.
    #[error("invalid frame length {0}: a frame holds at least the 4-byte header-length word")]
    FrameTooShort(i32),
    /// The header-length word announces more header bytes than the frame holds.
    #[error("header length {header} exceeds the {available} bytes left in the frame")]
    HeaderLengthOutOfRange {
        /// Announced header length.
        header: usize,
        /// Bytes available after the header-length word.
        available: usize,
    },
    /// The top byte of the header-length word is neither 0 (JSON) nor 1 (ROCKETMQ).
    #[error("unknown serialize type {0} (expected 0 = JSON or 1 = ROCKETMQ)")]
    UnknownSerializeType(u8),
    /// The JSON header is not a JSON object with the expected field types.
    #[error("malformed JSON header: {0}")]
    JsonHeader(String),
    /// The ROCKETMQ binary header is truncated or holds out-of-range lengths.
    #[error("malformed ROCKETMQ binary header: {0}")]
    BinaryHeader(&'static str),
    /// A value cannot be represented in the chosen header encoding (for example a request code
    /// above 32767 in the binary header's 16-bit `code` field, or a header over 16 MiB).
    #[error("cannot encode {field} = {value} in a {serialize_type} header")]
    Unencodable {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: i64,
        /// The header encoding.
        serialize_type: &'static str,
    },
    /// Reading from or writing to the transport failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Why a typed header could not be read from a command's `extFields`.
///
/// Java answers both cases with SYSTEM_ERROR; [`HeaderError::remark`] gives the remark text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A required (`@CFNotNull`) field is absent.
    #[error("the custom field <{field}> is null")]
    Missing {
        /// The `extFields` key.
        field: &'static str,
    },
    /// A field is present but does not parse as its type.
    #[error("the custom field <{field}> = {value:?} is not a valid {expected}")]
    Invalid {
        /// The `extFields` key.
        field: &'static str,
        /// The text received.
        value: String,
        /// The expected type (`int`, `long` ...).
        expected: &'static str,
    },
}

impl HeaderError {
    /// The remark a Java server would put in its SYSTEM_ERROR response.
    pub fn remark(&self) -> String {
        self.to_string()
    }
}

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The request needs a body and has none.
    #[error("the request body is missing")]
    Missing,
    /// The body is not the expected JSON, even after the fastjson leniency pass.
    #[error("malformed JSON body: {0}")]
    Json(#[from] serde_json::Error),
    /// A compressed (zlib) body is corrupt, truncated or inflates past the size limit.
    #[error("malformed compressed body: {0}")]
    Compressed(String),
    /// A field of a compact text form does not parse.
    #[error("malformed {what}: {detail}")]
    Invalid {
        /// What was being decoded.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
}
