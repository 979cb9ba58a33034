//! clerk-api's integration tests, one binary (one link of the 35k-line generated crate instead of
//! twelve): each former `tests/*.rs` file is a module here.
//!
//! How the modules are declared is deliberate, while their contents are left as they were (they
//! are edited by parallel work on the generator and error types):
//!
//! - each module keeps its own `mod common;`, so each is loaded with `#[path]`, which makes the
//!   file own this directory and `mod common;` find `it/common/mod.rs`; the helpers are therefore
//!   compiled once per module (`clippy::duplicate_mod` is allowed for that). Replacing those
//!   lines by `use crate::common::*;` would load them once.
//! - `tests/schemas.rs` stays where it is, next to the `generated/` files it includes and that
//!   `cargo xtask codegen` writes and names ("Included by tests/schemas.rs"); it is a module of
//!   this binary all the same, and Cargo.toml turns test auto-discovery off so that it is not
//!   also built as a binary of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::duplicate_mod)]

#[path = "billing.rs"]
mod billing;
#[path = "extras.rs"]
mod extras;
#[path = "identity.rs"]
mod identity;
#[path = "instance_misc.rs"]
mod instance_misc;
#[path = "machines_tokens.rs"]
mod machines_tokens;
#[path = "organizations.rs"]
mod organizations;
#[path = "overlay.rs"]
mod overlay;
#[path = "redaction.rs"]
mod redaction;
#[path = "reference_parity.rs"]
mod reference_parity;
#[path = "../schemas.rs"]
mod schemas;
#[path = "sessions_clients.rs"]
mod sessions_clients;
#[path = "users.rs"]
mod users;
