//! clerk-core's integration tests, one binary (one link) for the crate: the wire format, error
//! decoding, retries, pagination, and time and memory bounds, each a module here. `common` holds
//! the helpers they share.
//!
//! `tests/tracing_span.rs` stays a binary of its own: it installs a scoped (thread-local)
//! `tracing` subscriber and asserts on the `clerk.request` span, but tracing caches each
//! callsite's interest process-wide. A test of this binary reaching that callsite first on a
//! thread with no subscriber can cache it as "never" and leave the span unrecorded, a failure
//! that would depend on test scheduling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bounds;
mod common;
mod errors;
mod pagination;
mod retry;
mod wire;
