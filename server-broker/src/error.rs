//! The broker's error type.

/// Why the broker could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// A configuration value is missing or malformed.
    #[error("configuration: {0}")]
    Config(String),
    /// The storage engine failed.
    #[error("store: {0}")]
    Store(#[from] ferromq_engine::Error),
    /// A metadata file (topics, offsets, groups) is unreadable.
    #[error("metadata file {path}: {reason}")]
    Metadata {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A socket operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
