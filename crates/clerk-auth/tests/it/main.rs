//! clerk-auth's integration tests, one binary (one link instead of ten): session tokens (keys,
//! claims, `Auth`), machine tokens, request authentication, the JWKS cache and the Backend API
//! traits, webhooks, and the axum and tower glue, each a module here. Modules that need a
//! feature carry a `#![cfg(feature = ...)]`, so the binary builds under every feature set.
//! `support` holds the signing helpers and Backend API fakes they share; `fixtures/` (beside
//! this directory) the test keys.
//!
//! `tests/webhook_redaction.rs` stays where it is, next to the `generated/` file it includes and
//! that `cargo xtask codegen` writes and names ("Included by tests/webhook_redaction.rs"); it is
//! a module of this binary all the same, and Cargo.toml turns test auto-discovery off so that
//! it is not also built as a binary of its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod machine_tokens;
mod remote_jwks;
mod remote_request;
mod request_auth;
mod request_axum;
mod session;
mod support;
mod webhook_events;
#[path = "../webhook_redaction.rs"]
mod webhook_redaction;
mod webhooks;
mod webhooks_axum;
