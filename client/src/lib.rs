//! FerroMQ client: producer, consumers, admin and the ferromq command line.
//!
//! Not yet implemented: this crate is filled by its own issue.
