//! The one client: building it, and every part of it working through the same configuration —
//! API calls, token verification (networkless and JWKS), machine tokens, request authentication
//! (handshake nonces, session refresh), the tower layer and webhooks — against local mock
//! servers, asserting what goes over the wire, and end to end against the `clerk-testkit`
//! emulator (`emulator`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "actix-web")]
mod actix;
mod builder;
mod emulator;
mod models;
mod requests;
mod support;
mod verification;
mod wire;
