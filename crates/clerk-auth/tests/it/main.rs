//! clerk-auth's integration tests, one binary (one link instead of ten): session tokens (keys,
//! claims, `Auth`), machine tokens, request authentication, the JWKS cache and the Backend API
//! traits, webhooks, and the axum and tower glue, each a module here. Modules that need a
//! feature carry a `#![cfg(feature = ...)]`, so the binary builds under every feature set.
//! `support` holds the signing helpers and Backend API fakes they share; `fixtures/` (beside
//! this directory) the test keys.
//!
//! The payload types' redaction is checked where they are generated: clerk-api's generated
//! `redaction_tests` decode every model with a credential or message field, the webhook
//! payload types included (they live in `clerk-models`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod machine_tokens;
mod remote_jwks;
mod remote_request;
mod request_auth;
mod request_axum;
mod session;
mod support;
mod webhook_events;
mod webhooks;
mod webhooks_axum;
