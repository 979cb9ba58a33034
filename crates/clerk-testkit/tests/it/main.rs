//! clerk-testkit's integration tests, one binary (one link instead of eleven): the emulator's
//! behaviour, fidelity to the spec, tokens, webhooks, faults, concurrency, bad input, its
//! lifecycle and its command-line binary, each a module here. `support` holds the spec loader
//! and JSON-schema walker they share.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod axum_handler;
mod bad_input;
mod behaviour;
mod binary;
mod concurrency;
mod faults;
mod fidelity;
mod lifecycle;
mod spec_tables;
mod support;
mod tokens;
mod webhooks;
