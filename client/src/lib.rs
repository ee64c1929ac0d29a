//! FerroMQ client: producer, consumers, admin and the `ferromq` command line, speaking
//! RocketMQ's remoting protocol (so it works against FerroMQ and Apache RocketMQ brokers).
//!
//! ```no_run
//! # async fn f() -> ferromq_client::Result<()> {
//! use ferromq_client::{Message, Producer, ProducerConfig};
//! let producer = Producer::new(ProducerConfig::new("my_group", "127.0.0.1:9876"));
//! producer.send(Message::new("TopicTest", "hello").with_tags("TagA")).await?;
//! producer.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Everything is async on tokio. A [`ClientInstance`] owns the connections (one per broker
//! address), the route cache and the heartbeats; producers and consumers either create their
//! own or share one. The crate is not a broker and stores nothing except the offsets of
//! broadcasting consumers (a local JSON file).

#![warn(missing_docs)]

pub mod admin;
pub mod consumer;
pub mod error;
pub mod instance;
pub mod message;
pub mod producer;
mod remoting;

pub use admin::Admin;
pub use consumer::{
    ConsumeConcurrentlyStatus, ConsumeFrom, ConsumeOrderlyStatus, ConsumerConfig, LitePullConsumer,
    MessageListenerConcurrently, MessageListenerOrderly, PushConsumer,
};
pub use error::{ClientError, Result};
pub use ferromq_protocol::body::client::MessageModel;
pub use ferromq_protocol::body::common::MessageQueue;
pub use instance::{ClientConfig, ClientInstance};
pub use message::{new_message_id, Message, MessageExt};
pub use producer::{
    LocalTransactionState, Producer, ProducerConfig, SendFuture, SendResult, SendStatus,
    TransactionListener, TransactionProducer, TransactionSendResult,
};
