//! The generated modules (written by `cargo xtask codegen`; this file is not).

pub(crate) mod models;
pub mod webhook_events;
