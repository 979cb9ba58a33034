//! # clerk — the Rust SDK for [Clerk](https://clerk.com)
//!
//! One client for everything `@clerk/backend`'s `createClerkClient` gives a Node app: the whole
//! Backend API (all 249 operations of the `2026-05-12` version, generated from Clerk's OpenAPI
//! spec), session and machine token verification, request authentication and webhook
//! verification — configured once.
//!
//! ```no_run
//! use clerk::Clerk;
//!
//! # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // CLERK_SECRET_KEY, and CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY… when set.
//! let clerk = Clerk::from_env()?;
//!
//! let user = clerk.users().get("user_2abc").await?;
//! println!("{:?} {:?}", user.first_name, user.last_name);
//!
//! let page = clerk.organizations().list().query("acme").limit(20).await?;
//! println!("{} organizations match", page.total_count.unwrap_or(0));
//!
//! let claims = clerk.verify_token(token).await?; // networkless with a JWT key, else JWKS
//! println!("signed in as {}", claims.sub);
//! # Ok(())
//! # }
//! ```
//!
//! [`Clerk`] is built by [`Clerk::builder`] or [`Clerk::from_env`]; the resource handles come
//! from [`clerk_api`], configuration, transport, errors, retries and pagination from
//! [`clerk_core`], verification from [`clerk_auth`] (also `clerk::auth`), and [`Clerk`] wires
//! them together: `clerk-auth` asks for the Backend API calls it needs through traits, which this
//! crate implements with the generated client ([`AuthBackend`]).
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `rustls-webpki-roots` | yes | trust the bundled Mozilla root certificates |
//! | `rustls-native-roots` | no | trust the operating system's certificate store |
//! | `webhooks` | yes | [`Clerk::verify_webhook`] and `clerk::webhooks` (also `clerk::auth::webhooks`): Svix signatures, typed events |
//! | `tower` | no | [`Clerk::layer`]: a tower layer authenticating every request |
//! | `axum` | no | axum extractors for authenticated requests and verified webhooks |
//! | `actix-web` | no | [`actix`]: actix-web middleware ([`Clerk::actix_middleware`]) and extractors for authenticated requests and (with `webhooks`) verified webhooks |
//!
//! ### TLS roots
//!
//! `rustls-webpki-roots` is forwarded through `clerk-api` to `clerk-core`, and no crate of the SDK
//! turns it on by itself: with `default-features = false`, webpki-roots is not built. Without a
//! roots feature the built-in transport trusts no certificate — plain `http://` URLs (the
//! `clerk-testkit` emulator, a local proxy) work, and `https://` fails its TLS handshake with a
//! transport error. To reach `https://api.clerk.com` then, either
//!
//! - turn on `rustls-native-roots`, which reads the operating system's store (where a corporate
//!   or private CA is usually installed), or
//! - give [`ClerkBuilder::transport`] a [`Transport`](clerk_core::Transport) of your own: any
//!   HTTP client configured with the roots you choose. It is one method, `send`, taking a
//!   complete `http::Request<Bytes>` and returning the response. Retries and the attempt and
//!   call timeouts stay in the client; the connect timeout and the response size limit are then
//!   your HTTP client's.
//!
//! ```toml
//! [dependencies]
//! clerk = { version = "0.1", default-features = false, features = ["rustls-native-roots", "webhooks"] }
//! ```
//!
//! Depend on `clerk-auth` alone, without features, for networkless token checks with no HTTP
//! stack at all.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "actix-web")]
pub mod actix;
mod backend;
mod client;
#[path = "generated_handles.rs"]
mod handles;
mod request;

pub use backend::AuthBackend;
pub use client::{Clerk, ClerkBuilder, DEFAULT_JWKS_TIMEOUT, env};
pub use request::RequestOptions;

pub use clerk_auth::TokenType;
pub use clerk_auth::clock::{Clock, ManualClock, SystemClock};

// The facade's surface is listed, not globbed: a new item in a lower crate is not public here
// until it is added on purpose.

/// Pages, timestamps, uploads, retries and the secret key.
pub use clerk_api::Timestamp;
/// Errors of every call, and what they carry.
pub use clerk_core::{
    ApiError, ClerkError, ConfigError, DecodeError, Error, InvalidRequestError, InvalidRequestKind,
    Operation, PaginationError, StatusCode, TimeoutError, TimeoutKind, TransportError,
    TransportErrorKind,
};
pub use clerk_core::{FilePart, Page, RetryPolicy, SecretKey};

/// Every schema of the Backend API.
pub use clerk_api::models;
/// The hand-written calls beside the generated ones.
pub use clerk_api::{
    AccountlessApplication, AccountlessApplicationRequest, AccountlessApplicationsApi,
    ChangeDomainRequest, EmailsApi, GetSessionTokenRequest, HandshakePayload, RawRequest,
    SendEmailRequest, UserListWithCount, VerifySessionRequest,
};
/// One module per resource group (`clerk::users`, `clerk::organizations`, …), generated; the
/// Svix-app operations behind [`Clerk::webhooks`] are `clerk::svix`.
pub use handles::resources::*;

/// The lower crates, for what the facade does not re-export (the transport, request building).
pub use clerk_api;
pub use clerk_auth as auth;
pub use clerk_core;

/// Webhook signature verification and typed events (feature `webhooks`, on by default): the same
/// module as `clerk::auth::webhooks`. The Backend API operations that manage the Svix app are
/// [`clerk::svix`](svix), reached through [`Clerk::webhooks`].
#[cfg(feature = "webhooks")]
pub use clerk_auth::webhooks;
#[cfg(feature = "webhooks")]
pub use clerk_auth::webhooks::{Webhook, WebhookError, WebhookEvent};

/// The Rust snippets of the README and the guides in `docs/`, compiled as doctests so they cannot
/// rot: each file is the doc of an item that exists only under `cfg(doctest)`, gated on the
/// features its snippets use (CI runs them with `--all-features`). Snippets that would reach
/// Clerk or read secrets are `no_run` (compiled, not run); `# ` lines are the setup they elide.
#[cfg(doctest)]
mod doc_snippets {
    #[cfg(feature = "axum")]
    #[doc = include_str!("../../../README.md")]
    struct Readme;

    #[cfg(all(feature = "actix-web", feature = "webhooks"))]
    #[doc = include_str!("../../../docs/auth.md")]
    struct Auth;

    #[doc = include_str!("../../../docs/coming-from-js.md")]
    struct ComingFromJs;

    #[doc = include_str!("../../../docs/errors.md")]
    struct Errors;

    #[doc = include_str!("../../../docs/getting-started.md")]
    struct GettingStarted;

    #[doc = include_str!("../../../docs/pagination.md")]
    struct Pagination;

    #[cfg(all(feature = "axum", feature = "tower"))]
    #[doc = include_str!("../../../docs/testing.md")]
    struct Testing;

    #[cfg(feature = "webhooks")]
    #[doc = include_str!("../../../docs/webhooks.md")]
    struct Webhooks;
}
