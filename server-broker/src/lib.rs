//! FerroMQ broker: the remoting server on the storage engine.
//!
//! Not yet implemented: this crate is filled by its own issue.
