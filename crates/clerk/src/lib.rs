//! # clerk — the Rust SDK for [Clerk](https://clerk.com)
//!
//! A typed, async client for the whole Clerk Backend API: users, sessions, organizations,
//! invitations, JWT templates, machines, M2M tokens, API keys, billing and every other resource —
//! all 249 operations of the `2026-05-12` API version, generated from Clerk's OpenAPI spec.
//!
//! ```no_run
//! use clerk::Clerk;
//!
//! # async fn run() -> Result<(), clerk::Error> {
//! let clerk = Clerk::from_env()?; // reads CLERK_SECRET_KEY
//!
//! let user = clerk.users().get("user_2abc").await?;
//! println!("{:?} {:?}", user.first_name, user.last_name);
//!
//! let page = clerk.organizations().list().query("acme").limit(20).await?;
//! println!("{} organizations match", page.total_count.unwrap_or(0));
//! # Ok(())
//! # }
//! ```
//!
//! This crate is a thin facade: the client and models live in [`clerk_api`], configuration,
//! transport, errors, retries and pagination in [`clerk_core`]. Everything is re-exported here.
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `rustls-webpki-roots` | yes | trust the bundled Mozilla root certificates |
//! | `rustls-native-roots` | no | trust the operating system's certificate store |
//! | `webhooks` | yes | `Webhook`: verify Clerk (Svix) webhook signatures and decode typed events |
//! | `remote` | no | remote verification: JWKS cache, M2M tokens, API keys, OAuth tokens |
//! | `tower` | no | request authentication (headers, cookies, handshakes) and a tower layer |
//! | `axum` | no | axum extractors for authenticated requests and verified webhooks |
//!
//! Session-token verification lives in `clerk::auth` (the `clerk-auth` crate), which also works on its own with
//! no HTTP stack: depend on `clerk-auth` alone for networkless token checks.

pub use clerk_api;
pub use clerk_api::*;
pub use clerk_auth as auth;
pub use clerk_core;

/// Webhook signature verification and typed events (feature `webhooks`, on by default); the
/// whole module is `clerk::auth::webhooks`. (`clerk.webhooks()` is the Backend API handle that
/// manages the Svix app itself.)
#[cfg(feature = "webhooks")]
pub use clerk_auth::webhooks::{Webhook, WebhookError, WebhookEvent};

/// The README's Rust snippets, compiled as doctests so the README cannot rot (with `axum`, which
/// its webhook receiver uses; CI runs them with `--all-features`).
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
