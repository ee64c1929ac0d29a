//! RocketMQ remoting protocol: frames, codes, headers, JSON bodies.
//!
//! Not yet implemented: this crate is filled by its own issue.
