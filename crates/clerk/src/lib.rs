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

pub use clerk_api;
pub use clerk_api::*;
pub use clerk_core;

/// The README's Rust snippets, compiled as doctests so the README cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
