//! Core of the Clerk Rust SDK: configuration, HTTP transport, request building, errors, retries
//! and pagination for the [Clerk Backend API](https://clerk.com/docs/reference/backend-api).
//!
//! Most users want the `clerk` crate, whose typed operations (generated in `clerk-api`) are built
//! on this crate. Use `clerk-core` directly to call an endpoint by hand, to plug in a custom
//! [`Transport`], or to test with a [`ManualClock`].
//!
//! # Overview
//!
//! - [`Client`] (built with [`Client::new`], [`Client::from_env`] or [`Client::builder`]) holds the
//!   validated [`Config`] and sends [`Request`]s with [`Client::execute`] (decodes JSON into your
//!   type) or [`Client::execute_raw`].
//! - Every request carries `Authorization: Bearer <secret key>`,
//!   `Clerk-API-Version:` [`CLERK_API_VERSION`] and `User-Agent: clerk-rust/<version>`.
//! - Path parameters are validated and percent-encoded, query parameters form-encoded with
//!   repeated keys for lists; see [`Request`] for the deliberate differences from the JavaScript
//!   SDK.
//! - Each attempt has a timeout (30 s by default); failed attempts are retried according to the
//!   [`RetryPolicy`] (safe methods and never-sent requests only, `Retry-After` honoured).
//! - Errors are structured: [`Error::Api`] carries the status, Clerk error codes, trace id and
//!   `Retry-After` ([`ApiError`]); decoding errors name the failing field ([`DecodeError`]).
//! - [`Page`] parses every list shape; [`stream_pages`] / [`stream_cursor`] walk all pages lazily.
//! - Secrets never appear in `Debug`/`Display` output or tracing spans. Each call runs in a
//!   `clerk.request` debug span with the method, the path *template* (ids may be personal data),
//!   status, attempt count and duration.
//!
//! ```no_run
//! use clerk_core::{Client, Method, Request};
//!
//! # async fn run() -> Result<(), clerk_core::Error> {
//! let client = Client::from_env()?;
//! let user: serde_json::Value = client
//!     .execute(Request::new(Method::GET, "/users/{user_id}").path_param("user_id", "user_123"))
//!     .await?;
//! # let _ = user;
//! # Ok(())
//! # }
//! ```
//!
//! # Runtime
//!
//! The default transport and timeouts need a Tokio runtime with I/O and time enabled (as
//! `#[tokio::main]` provides).
//!
//! # Features
//!
//! - `rustls-webpki-roots` (default): trust the bundled Mozilla root certificates.
//! - `rustls-native-roots`: trust the operating system's root store (falls back to the bundled
//!   roots when both features are on and the OS store is empty).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod config;
mod error;
mod pagination;
mod redact;
mod request;
mod response;
mod retry;
mod secret;
mod transport;

pub use bytes::Bytes;
pub use http::Method;

pub use clerk_clock::{Clock, ManualClock, SleepFuture, SystemClock};
pub use client::Client;
pub use config::{
    ClientBuilder, Config, DEFAULT_API_PATH_VERSION, DEFAULT_API_URL, DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_USER_AGENT,
    ENV_API_URL, ENV_SECRET_KEY,
};
pub use error::{
    ApiError, BODY_SNIPPET_CHARS, ClerkError, ConfigError, DecodeError, Error, InvalidRequestError,
    InvalidRequestKind, MAX_API_ERRORS, Operation, PaginationError, Result, TimeoutError,
    TimeoutKind,
};
/// The status code of [`Error::status`] and [`ApiError::status`].
pub use http::StatusCode;
pub use pagination::{
    CursorPaginated, DEFAULT_STREAM_PAGE_SIZE, MAX_PAGE_SIZE, Page, Paginated, stream_cursor,
    stream_pages,
};
pub use request::{CallTimeouts, FilePart, Multipart, QueryValue, Request, push_query};
pub use response::RawResponse;
pub use retry::RetryPolicy;
pub use secret::SecretKey;
pub use transport::{
    HyperTransport, Transport, TransportError, TransportErrorKind, TransportFuture,
};

/// Value of the `Clerk-API-Version` header sent on every request.
pub const CLERK_API_VERSION: &str = "2026-05-12";

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}
    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn public_types_are_thread_safe() {
        assert_send_sync::<Client>();
        assert_send_sync::<Config>();
        assert_send_sync::<Error>();
        assert_send_sync::<Request>();
        assert_send_sync::<RetryPolicy>();
        assert_send_sync::<ManualClock>();
        assert_send_sync::<HyperTransport>();
        assert_send_sync::<Page<serde_json::Value>>();
    }

    #[test]
    fn futures_and_streams_are_send() {
        #[derive(Clone)]
        struct List(Client);
        impl Paginated for List {
            type Item = serde_json::Value;
            fn client(&self) -> &Client {
                &self.0
            }
            fn page_request(&self, offset: u64, limit: u64) -> Request {
                Request::new(Method::GET, "/x")
                    .query("offset", offset)
                    .query("limit", limit)
            }
        }
        impl CursorPaginated for List {
            fn page_request_after(&self, after: Option<&str>, limit: u64) -> Request {
                Request::new(Method::GET, "/x")
                    .query("starting_after", after)
                    .query("limit", limit)
            }
            fn item_id(item: &serde_json::Value) -> Option<&str> {
                item.get("id").and_then(|v| v.as_str())
            }
        }
        let client = Client::new("sk_test_x").unwrap();
        let execute = client.execute::<serde_json::Value>(Request::new(Method::GET, "/x"));
        assert_send(&execute);
        let raw = client.execute_raw(Request::new(Method::GET, "/x"));
        assert_send(&raw);
        assert_send(&stream_pages(List(client.clone())));
        assert_send(&stream_cursor(List(client.clone())));
        drop((execute, raw));
    }
}
