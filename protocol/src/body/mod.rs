//! JSON bodies (spec §3.18–3.21), as serde types.
//!
//! Every type reads leniently (missing fields take Java's defaults, unknown fields are
//! ignored; decode through [`crate::json::decode`] to also accept fastjson's unquoted keys) and
//! writes standard JSON with fastjson's field names. Field declaration order follows fastjson's
//! alphabetical order so our output reads like Java's.

pub mod admin;
pub mod client;
pub mod common;
pub mod namesrv;
pub mod register;
pub mod route;

pub use admin::*;
pub use client::*;
pub use common::*;
pub use namesrv::*;
pub use register::*;
pub use route::*;
