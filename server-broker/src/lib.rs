//! FerroMQ's broker: RocketMQ's remoting protocol served on the FerroMQ storage engine.
//!
//! [`Broker::open`] opens (and recovers) the store and the metadata in `config/`; [`run`]
//! serves clients on the given listeners until a shutdown future completes, then persists
//! offsets, unregisters from the name servers and closes the store cleanly. The
//! `ferromq-broker` binary wraps both, and without a name server address it also runs an
//! in-process name server (standalone mode).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ferromq_broker::{run, Broker, BrokerConfig};
//!
//! let mut config = BrokerConfig::default();
//! config.namesrv_addr = Some("127.0.0.1:9876".into());
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:10911").await?;
//! let broker = Broker::open(config)?;
//! run(vec![listener], broker, tokio::signal::ctrl_c()).await?;
//! # Ok(()) }
//! ```
//!
//! What it serves: send (single, V2, batch), pull with long polling, consumer offsets,
//! heartbeats and client management, queue locks, consumer send-back with retry and
//! dead-letter topics, and the admin commands for topics, groups, offsets, statistics and
//! connections, scheduled (delay level and arbitrary delay) and transactional messages.
//! The message key index and replication are not served yet.

#![warn(missing_docs)]

pub mod broker;
pub mod clients;
pub mod config;
pub mod connection;
pub mod error;
pub mod groups;
pub mod holds;
pub mod offsets;
pub mod persist;
pub mod processor;
mod registration;
pub mod slave;
pub mod topics;
pub mod transactions;

pub use broker::{run, Broker};
pub use config::{BrokerConfig, BrokerRole};
pub use error::BrokerError;
