//! FerroMQ's name server: the broker registry and topic route table RocketMQ clients and
//! brokers talk to (spec §14), served over the remoting protocol of `ferromq-protocol`.
//!
//! [`run`] is the whole server: hand it a bound listener, a [`NamesrvConfig`] and a shutdown
//! future. The `ferromq-namesrv` binary, the tests and the broker's standalone mode all embed
//! it the same way:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ferromq_namesrv::{run, NamesrvConfig};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(run(listener, NamesrvConfig::default(), stopped));
//! // ... talk to it ...
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```
//!
//! What it serves: REGISTER_BROKER, UNREGISTER_BROKER, QUERY_DATA_VERSION, BROKER_HEARTBEAT,
//! GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO, GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
//! GET_TOPICS_BY_CLUSTER, DELETE_TOPIC_IN_NAMESRV, WIPE/ADD_WRITE_PERM_OF_BROKER and the KV
//! config commands; anything else is answered REQUEST_CODE_NOT_SUPPORTED. Route state is in
//! memory only (brokers re-register every 30 s); KV config is persisted to `kvConfigPath`.
//! Brokers not heard from within their timeout, and brokers whose connection closes, are
//! unregistered with their routes.

#![warn(missing_docs)]

mod cmd;
pub mod config;
mod connection;
pub mod error;
mod kv;
pub mod route;
mod server;
mod shutdown;

pub use config::NamesrvConfig;
pub use error::NamesrvError;
pub use server::run;
