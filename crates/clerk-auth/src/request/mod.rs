//! Request authentication: who made an HTTP request, from its `Authorization` header or Clerk's
//! cookies — `@clerk/backend`'s `authenticateRequest`, over [`http`] types and independent of any
//! framework.
//!
//! [`authenticate_request`] takes the request's [`Parts`](http::request::Parts), the
//! [`AuthenticateOptions`] and a [`SessionTokenVerifier`] (such as the networkless
//! [`Verifier`](crate::Verifier)), and returns a [`RequestState`]: signed in, signed out with a
//! reason, or a handshake redirect to Clerk's Frontend API that refreshes the session cookies.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use clerk_auth::request::{AuthStatus, AuthenticateOptions, PublishableKey, authenticate_request};
//! use clerk_auth::{PublicKey, Verifier};
//!
//! # let pem = include_str!("../../tests/fixtures/rsa2048.spki.pem");
//! let verifier = Verifier::new(PublicKey::from_pem(pem)?);
//! let options = AuthenticateOptions::new(PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?);
//!
//! let (parts, ()) = http::Request::get("https://example.com/dashboard").body(())?.into_parts();
//! // In an async context: `authenticate_request(&parts, &options, &verifier).await`.
//! let state = block_on(authenticate_request(&parts, &options, &verifier));
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     let mut future = std::pin::pin!(future);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop {
//! #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
//! #             return output;
//! #         }
//! #     }
//! # }
//! // No token, no cookies:
//! assert_eq!(state.status(), AuthStatus::SignedOut);
//! assert_eq!(state.reason().map(|r| r.as_str()), Some("session-token-and-uat-missing"));
//! # Ok(()) }
//! ```
//!
//! With the `tower` feature, [`tower::ClerkAuthLayer`] does this for every request; with the
//! `axum` feature, [`axum`] adds extractors.
//!
//! Where this differs from `@clerk/backend`, on purpose:
//!
//! - The `Bearer` scheme is matched case-insensitively (RFC 9110).
//! - Spaces between `Bearer` and the token are trimmed (`Bearer  <t>` is `<t>`): RFC 9110 allows
//!   one or more spaces there. The reference keeps the extra space in the token and signs out.
//! - Everything after the scheme is the token: `Bearer <t> extra` is the token `<t> extra`, which
//!   fails verification, where the reference silently drops `extra` and uses `<t>`. A header
//!   with trailing garbage is malformed; guessing which part is the token is not safe.
//! - `x-forwarded-proto` applies even without a `Host` header. Over HTTP/2 there is no `Host`
//!   header (the authority is in the request URI, which is used then), and a TLS-terminating
//!   proxy in front of an `h2c` service still reports the original scheme this way. The
//!   reference ignores the forwarded protocol when it has no `Host`.
//! - OAuth access tokens are accepted without a publishable key. Verifying them needs none (the
//!   reference throws "Publishable key is missing." before looking at them); the cookie flow
//!   still needs one and signs out with `publishable-key-missing` without it.
//! - The reference's automatic Vercel proxy (a production key on Vercel with no proxy URL or
//!   domain gets `<origin>/__clerk` from the `VERCEL_*` environment) is not built: nothing here
//!   reads the environment behind the application's back. Set
//!   [`AuthenticateOptions::proxy_url`] to the same value on Vercel.
//! - A header token with a machine prefix (`mt_`, `ak_`, `oat_`) on a session-only route is a
//!   `token-type-mismatch` rather than a failed session-token verification.
//! - Misconfigurations are not thrown: they sign the request out with reason
//!   `invalid-configuration` or `publishable-key-missing`.
//! - A handshake-token failure in development signs out (with the reference's message) instead of
//!   throwing.
//! - Handshake tokens go through the session-token parser: at most 32 KiB, strict base64url, JSON
//!   objects only, `crit` rejected, and every key-less check before the JWKS is asked.
//! - Handshake redirects ask for a nonce (`format=nonce`) only when a
//!   [`HandshakeNonceResolver`] is configured; otherwise they ask for the signed handshake token,
//!   which is verified networklessly.
//! - The redirect loop guard stops at a counter of 3 or more (the reference: exactly 3).
//! - An expired session is refreshed only with a [`SessionRefresher`] (the reference: with an
//!   API client). The refresh carries an allow-list of the request's headers (host, origin,
//!   referer, user agent, the forwarding and client-hint headers) and of its cookies only
//!   Clerk's; the reference forwards every header, `authorization` and other apps' cookies
//!   included. Header values that are not text are left out.
//! - Responses carry the `x-clerk-auth-*` debug headers, and 401 bodies the reason, only with
//!   [`AuthenticateOptions::expose_details`] (the reference always sets the headers): they can
//!   name the configured authorized parties, issuers or key ids. The [`RequestState`] keeps them.
//! - [`AuthenticateOptions::public_origin`] pins the origin redirects are built on, and
//!   [`AuthenticateOptions::trust_forwarded_headers`] can turn `x-forwarded-*` off; by default
//!   they are trusted, as in the reference.
//! - A development primary domain follows `__clerk_redirect_url` only to its own origin or to
//!   [`AuthenticateOptions::allowed_redirect_origins`]; the reference follows any URL (an open
//!   redirect that also hands over the development browser token).

mod authenticate;
mod options;
mod org_sync;
mod parse;
mod publishable_key;
mod redirect;
mod rejection;
mod state;
mod token;
pub(crate) mod verifier;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "tower")]
pub mod tower;

pub use crate::machine::AcceptsToken;
pub use authenticate::{
    CLERK_API_VERSION, MAX_HANDSHAKE_REDIRECTS, authenticate_request, names, uses_suffixed_cookies,
};
pub use options::{AuthenticateOptions, OptionsError};
pub use org_sync::OrganizationSync;
pub use parse::{Cookies, EffectiveUrl, bearer_token, cookie_suffix};
pub use publishable_key::{InstanceType, PublishableKey, PublishableKeyError};
pub use redirect::SignInRedirect;
pub use rejection::{AuthRejection, ExposeAuthDetails, response_headers};
pub use state::{AuthReason, AuthStatus, RefreshSkipped, RequestState};
pub use verifier::{
    BoxFuture, HandshakeNonceResolver, MachineTokenVerifier, RefreshError, RefreshRequest,
    SessionRefresher, SessionTokenVerifier, verify_handshake_token,
};
