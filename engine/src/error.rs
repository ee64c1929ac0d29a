//! The engine's errors: one enum for store operations, one for decoding stored records.

use std::io;
use std::path::PathBuf;

/// Why a store operation failed. Every variant names something a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O operation failed. Writes that fail this way also poison the store.
    #[error("I/O error while {context}: {source}")]
    Io {
        /// What the store was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file holds bytes that cannot be what the store wrote.
    #[error("corrupt data in {} at offset {offset}: {reason}", file.display())]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// Byte offset in the file (or the physical offset for CommitLog records).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The disk is too full to accept writes (usage over `diskSpaceWarningLevelRatio` or free
    /// space under `diskSpaceMinFreeBytes`). Writes resume by themselves once space is freed.
    #[error("disk full: {0}")]
    DiskFull(String),
    /// An earlier write or sync failed; the store refuses writes until it is reopened.
    #[error("store poisoned by an earlier I/O failure ({0}); reopen the store")]
    Poisoned(String),
    /// The message body is larger than `maxMessageSize`.
    #[error("message body of {size} bytes exceeds maxMessageSize {max}")]
    MessageTooLarge {
        /// Body size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// An argument is out of range or malformed (topic, properties, batch, config value).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Another process holds the store directory's lock file.
    #[error("store directory {} is locked by another process", .0.display())]
    Locked(PathBuf),
    /// The store has been shut down.
    #[error("store is shut down")]
    Closed,
    /// The store is a slave: it copies a master and takes no puts.
    #[error("store is a slave and takes no writes")]
    Slave,
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result alias for store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why bytes did not decode as a stored record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than the record needs (a torn write, or a short buffer).
    #[error("truncated record: need {need} bytes, have {have}")]
    Truncated {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// The end-of-file blank record, not a message.
    #[error("blank end-of-file record")]
    Blank,
    /// The magic word is not a record magic (e.g. zeros of an unwritten area).
    #[error("bad magic 0x{0:08X}")]
    BadMagic(u32),
    /// The total size field is impossible.
    #[error("bad total size {0}")]
    BadTotalSize(i32),
    /// The size computed from the fields differs from the total size field.
    #[error("total size {total} but fields add up to {computed}")]
    LengthMismatch {
        /// The total size field.
        total: usize,
        /// The parsed length.
        computed: usize,
    },
    /// The body CRC does not match.
    #[error("body CRC mismatch: stored {stored}, computed {computed}")]
    CrcMismatch {
        /// Stored CRC.
        stored: u32,
        /// Computed CRC.
        computed: u32,
    },
    /// A field holds an impossible value.
    #[error("invalid {0}")]
    Invalid(&'static str),
}
