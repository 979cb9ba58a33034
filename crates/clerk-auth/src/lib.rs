//! Clerk authentication for Rust services: session and machine token verification, request
//! authentication, and webhook signature verification.
//!
//! ```no_run
//! use clerk_auth::{Check, PublicKey, Verifier, VerifyOptions, Auth};
//!
//! # fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let key = PublicKey::from_pem(&std::env::var("CLERK_JWT_KEY")?)?;
//! let verifier = Verifier::with_options(
//!     key,
//!     VerifyOptions::new().authorized_parties(["https://app.example.com"]),
//! );
//! let auth = Auth::from_claims(verifier.verify(token)?);
//! if auth.has(&Check::permission("org:invoices:read")) {
//!     println!("{:?} may read invoices", auth.user_id());
//! }
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! | feature | what it adds | dependencies it brings |
//! |---|---|---|
//! | *(none)* | networkless RS256 verification ([`Verifier`], PEM/JWK keys), claims, [`Auth`] | ring, base64, serde, serde_json, thiserror |
//! | `webhooks` | `webhooks::Webhook`: Svix-style signatures, typed events | `http`, `subtle`, `serde_path_to_error` |
//! | `request` | `request::authenticate_request` over `http` types | `http` |
//! | `tower` | `request::tower::ClerkAuthLayer` | `tower` |
//! | `axum` | extractors for authenticated requests and verified webhooks | `axum` |
//! | `remote` | `remote::JwksCache`, `remote::MachineVerifier`, `Auth::get_token`, over traits for the Backend API calls (the `clerk` crate implements them) | `tokio` (sync only) |
//!
//! ## The dependency promise
//!
//! With `default-features = false` this crate needs no HTTP stack and no async runtime: depend on
//! it alone for token checks. `cargo tree -p clerk-auth --no-default-features -e normal` reads:
//!
//! ```text
//! clerk-auth v0.1.0
//! ├── base64 v0.22.1
//! ├── clerk-clock v0.1.0
//! ├── ring v0.17.14
//! │   ├── cfg-if v1.0.5
//! │   ├── getrandom v0.2.17
//! │   │   ├── cfg-if v1.0.5
//! │   │   └── libc v0.2.191
//! │   └── untrusted v0.9.0
//! ├── serde v1.0.229
//! │   ├── serde_core v1.0.229
//! │   └── serde_derive v1.0.229 (proc-macro)
//! ├── serde_json v1.0.154
//! │   ├── itoa v1.0.19
//! │   ├── memchr v2.8.3
//! │   ├── serde_core v1.0.229
//! │   └── zmij v1.0.23
//! └── thiserror v2.0.21
//!     └── thiserror-impl v2.0.21 (proc-macro)
//! ```
//!
//! (proc-macro build dependencies — proc-macro2, quote, syn — elided; `clerk-clock` is the SDK's
//! one `Clock` trait and has no dependencies.) CI builds and tests this configuration on every
//! run.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// A boxed, sendable future, as returned by the traits through which this crate asks for the
/// Backend API (key sources, machine-token verification, handshake nonces, session refresh).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Stands in for a credential (a token, a key, a cookie value) in `Debug` output: `***`, the
/// one redaction marker of the SDK.
#[cfg(any(feature = "request", feature = "webhooks"))]
pub(crate) struct Redacted;

#[cfg(any(feature = "request", feature = "webhooks"))]
impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

pub mod auth;
pub mod claims;
pub mod clock;
pub mod error;
pub mod jwt;
pub mod keys;
pub mod machine;
#[cfg(feature = "request")]
pub mod request;

#[cfg(feature = "remote")]
pub mod remote;

#[cfg(feature = "webhooks")]
pub mod webhooks;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz;

pub use auth::{
    Auth, Check, FactorLevel, MachineAuth, Reverification, SignedIn, SignedOut, SignedOutReason,
    TokenType,
};
pub use claims::{Actor, OrgClaims, SessionClaims};
pub use error::{ErrorContext, ReasonKind, VerifyError};
pub use jwt::{Verifier, VerifyOptions, verify_token, verify_token_as};
pub use keys::{Jwk, JwkSet, KeyError, KeySet, KeySource, PublicKey};
