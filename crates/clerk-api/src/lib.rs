//! Every operation of the Clerk Backend API, with typed parameters and responses.
//!
//! The models and request builders are generated from Clerk's OpenAPI spec by
//! `cargo xtask codegen` (see `generated/`); the [`Clerk`] client and a few composite helpers
//! are written by hand beside them.
//!
//! ```no_run
//! # async fn run() -> Result<(), clerk_api::Error> {
//! let clerk = clerk_api::Clerk::from_env()?;
//! let page = clerk.users().list().email_address(["ada@example.com"]).limit(10).await?;
//! for user in &page.data {
//!     println!("{} {:?}", user.id, user.first_name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every handle method returns a builder: set parameters with its methods, then `.await` it (or
//! call `.send()`). List builders also offer `into_stream()`, which walks every page lazily.
//!
//! A handle method takes at most one string: the operation's first required string value (the
//! first id in its path, or what a create is about). Any other required id or value has a named
//! setter, documented as required on the handle method, so two ids are never passed side by side
//! where they could be swapped. Leaving one out fails with [`Error::InvalidRequest`] and
//! [`InvalidRequestKind::MissingParam`] before any I/O:
//!
//! ```no_run
//! # async fn run(clerk: clerk_api::Clerk) -> Result<(), clerk_api::Error> {
//! let membership = clerk
//!     .organizations()
//!     .memberships()
//!     .create("org_2acme")
//!     .user_id("user_2ada")
//!     .role("org:member")
//!     .await?;
//! # let _ = membership;
//! # Ok(())
//! # }
//! ```
//!
//! Request parameters the live API takes beyond the spec (sent by `@clerk/backend`, such as
//! `timezone` on user create or `suffixed_cookies` on session refresh) are setters too, generated
//! from `codegen/overlay.txt`; their docs say so.
//!
//! # Differences from `@clerk/backend` on the wire
//!
//! Deliberate, beside those of request building listed on [`clerk_core::Request`]:
//!
//! - Members beyond `sub` in an actor token's `actor`
//!   ([`CreateActorTokenActor::with_extra`](actor_tokens::CreateActorTokenActor::with_extra))
//!   are sent flattened inside `actor`, as the schema's additional properties. The reference sends
//!   nested objects verbatim, so its typed `additionalProperties` option arrives as a literal
//!   `additionalProperties` key.
//! - A list's `total_count` that cannot be a number of items (`12.5`, `-1`) decodes as `None`
//!   instead of being passed through; see [`Page`].
//! - The accountless-application calls take the reference's `source` option but not its
//!   `requestHeaders` (headers forwarded from an incoming request).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod extra;
mod generated;
pub(crate) mod macros;
mod query;
use clerk_models::__private as wire;

pub use clerk_core::{
    ApiError, ClerkError, Client, ClientBuilder, ConfigError, Error, FilePart, InvalidRequestError,
    InvalidRequestKind, Method, Operation, Page, RetryPolicy, StatusCode,
};
pub use clerk_models::Timestamp;
pub use client::Clerk;
pub use extra::{
    AccountlessApplication, AccountlessApplicationRequest, AccountlessApplicationsApi,
    ChangeDomainRequest, EmailsApi, GetSessionTokenRequest, HandshakePayload, RawRequest,
    SendEmailRequest, UserListWithCount, VerifySessionRequest,
};
pub use generated::*;

/// One Backend API operation as generated: its spec identity and where it lives in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// HTTP method, upper case.
    pub http_method: &'static str,
    /// Path template, relative to the versioned base URL.
    pub path: &'static str,
    /// How to call it, e.g. `users().get`.
    pub rust_path: &'static str,
    /// `false` for the endpoints Clerk serves without the `/v1` prefix.
    pub versioned: bool,
}

/// Every operation of the Backend API spec this crate was generated from, in spec order.
pub fn operations() -> &'static [OperationInfo] {
    generated::operations::OPERATIONS
}
