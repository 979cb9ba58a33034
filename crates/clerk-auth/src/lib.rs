//! Clerk authentication for Rust services: session and machine token verification, request
//! authentication, and webhook signature verification.
//!
//! With `default-features = false` this crate needs no HTTP stack and no async runtime.

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

pub use auth::{
    Auth, Check, FactorLevel, MachineAuth, Reverification, SignedIn, SignedOut, SignedOutReason,
    TokenType,
};
pub use claims::{Actor, OrgClaims, SessionClaims};
pub use error::{ErrorContext, ReasonKind, VerifyError};
pub use jwt::{Verifier, VerifyOptions, verify_token, verify_token_as};
pub use keys::{Jwk, JwkSet, KeyError, KeySet, KeySource, PublicKey};
