//! The data types of the Clerk Backend API and of Clerk's webhooks, generated from Clerk's
//! OpenAPI specs by `cargo xtask codegen`.
//!
//! One model layer: a [`User`] is the same type whether `clerk_api` decoded it from
//! `GET /users/{user_id}` or `clerk_auth::webhooks` from a `user.created` delivery. This crate
//! depends on serde and serde_json only, so webhook verification gets the types without the
//! HTTP stack.
//!
//! - Structs ignore fields they do not know. A field the spec makes optional or nullable is an
//!   `Option`; lists, maps and free-form JSON default to empty when absent. Other required
//!   fields are required: the API client reports a response that lacks one as a decode error
//!   naming the field, while webhook decoding fills such gaps with empty values (see
//!   `clerk_auth::webhooks`).
//! - String enums keep values this version does not know in `Unknown(String)`, and unions keep
//!   shapes they do not know as raw JSON, so a new value never breaks decoding.
//! - Millisecond timestamps (`created_at`, …) are [`Timestamp`]s.
//! - Response types are `#[non_exhaustive]`: a field Clerk adds is a minor release.
//!
//! Most users reach these types through the `clerk` crate (`clerk::models`) rather than
//! depending on this crate directly.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod generated;
mod macros;
mod timestamp;
mod user;
mod wire;

pub use generated::models::*;
pub use generated::webhook_events;
pub use timestamp::Timestamp;

/// The API's types under the path the generated webhook types name them by.
use generated::models;

/// What the generated code of `clerk-api` expands to. Not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::macros::Redacted;
    pub use crate::timestamp::whole_number;
    pub use crate::wire::*;
    pub use serde;
    pub use serde_json;
}
