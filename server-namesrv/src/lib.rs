//! FerroMQ name server: broker registry and topic routes.
//!
//! Not yet implemented: this crate is filled by its own issue.
