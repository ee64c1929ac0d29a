//! FerroMQ's storage engine: a synchronous, log-structured message store with Apache
//! RocketMQ's on-disk formats.
//!
//! Messages of every topic are appended to one **CommitLog** of fixed-size memory-mapped
//! segment files; a background dispatcher builds a **ConsumeQueue** per (topic, queue id)
//! that indexes the CommitLog by queue offset. Reads return the stored records as zero-copy
//! slices, ready to be sent to RocketMQ clients as they are. The store flushes asynchronously
//! or with group commit, recovers from crashes and torn writes using a CRC-checked checkpoint,
//! and deletes old files by age and disk pressure.
//!
//! # Quick start
//!
//! ```
//! use ferromq_engine::{DefaultMessageStore, GetStatus, Message, MessageStore, StoreConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let mut config = StoreConfig::new(dir.path());
//! config.mapped_file_size_commit_log = 1 << 20; // small files for the example
//! let store = DefaultMessageStore::open(config)?;
//!
//! let put = store.put_message(Message::new("TopicTest", 0, "Hello").with_tags("TagA"))?;
//! put.durability.wait()?; // resolves once durable as the flush mode promises
//! assert_eq!(put.queue_offset, 0);
//!
//! // The dispatcher indexes the record shortly after the append.
//! # let t = std::time::Instant::now();
//! # while store.max_offset_in_queue("TopicTest", 0) == 0 && t.elapsed().as_secs() < 5 {
//! #     std::thread::sleep(std::time::Duration::from_millis(1));
//! # }
//! let got = store.get_message("TopicTest", 0, 0, 32, 0, None);
//! assert_eq!(got.status, GetStatus::Found);
//! let record = ferromq_engine::record::RecordView::decode(&got.messages[0], true)?;
//! assert_eq!(record.fields.body, b"Hello");
//!
//! store.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Durability
//!
//! [`FlushDiskType::AsyncFlush`] acknowledges once a record is in the page cache: it survives
//! a process crash, and a power loss can lose what was appended since the last flush.
//! [`FlushDiskType::SyncFlush`] resolves a put's [`Durability`] only after an fsync covered
//! it. A failed write or sync poisons the store: every later put fails with
//! [`Error::Poisoned`] until the store is reopened (and recovered).
//!
//! # What this crate is not
//!
//! It has no network protocol, no async runtime and no notion of producers or consumer groups;
//! those live in the FerroMQ broker, built on [`MessageStore`]. It is one process's store: a
//! lock file keeps a second process out of the directory.

#![warn(missing_docs)]

mod checkpoint;
mod commitlog;
pub mod config;
mod consume_queue;
pub mod error;
pub mod filter;
mod flush;
pub mod fs;
mod ha;
mod index;
pub mod record;
mod recovery;
pub mod schedule;
mod segment;
mod services;
mod store;
pub mod transaction;
mod util;

pub use config::{BrokerRole, FlushDiskType, StoreConfig};
pub use consume_queue::{CqEntry, CQ_ENTRY_SIZE};
pub use error::{DecodeError, Error, Result};
pub use filter::{MessageFilter, TagFilter};
pub use flush::{Durability, DurabilityError};
pub use store::{
    Arrival, ArrivalListener, DefaultMessageStore, GetResult, GetStatus, Message, MessageStore,
    PutResult, QueryResult, StoreStats,
};
