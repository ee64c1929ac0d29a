//! The name server's errors.

use std::io;
use std::path::PathBuf;

/// Why the name server could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum NamesrvError {
    /// Reading or writing the KV config file failed.
    #[error("KV config file {}: {source}", path.display())]
    KvConfigIo {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The KV config file is not valid JSON of the expected shape; fix or remove it.
    #[error("KV config file {} is corrupt ({reason}); fix or remove it", path.display())]
    KvConfigCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Accepting connections failed repeatedly.
    #[error("accepting connections failed: {0}")]
    Accept(#[source] io::Error),
}
