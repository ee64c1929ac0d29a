//! FerroMQ's storage engine (work in progress: the record codec lands first).

pub mod error;
pub mod record;

pub use error::{DecodeError, Error, Result};
