//! Verification that needs the Clerk Backend API (feature `remote`): a per-instance JWKS cache
//! ([`JwksCache`]) for session tokens and JWT-format machine tokens, [`MachineVerifier`] for
//! opaque machine tokens (`mt_…`, `ak_…`, `oat_…`), and [`Auth::get_token`](crate::Auth::get_token).
//!
//! This crate makes no HTTP request itself: each Backend API call it needs is a trait —
//! [`JwksFetcher`], [`MachineTokenApi`], [`SessionTokenApi`], and in `request`,
//! [`HandshakeNonceResolver`](crate::request::HandshakeNonceResolver) and
//! [`SessionRefresher`](crate::request::SessionRefresher). The `clerk` crate's `Clerk` client
//! implements them all with its generated Backend API calls and wires everything up; most
//! applications use that:
//!
//! ```text
//! let clerk = clerk::Clerk::from_env()?;
//! let claims = clerk.verify_token(token).await?;
//! ```
//!
//! With `clerk-auth` and this feature alone, you keep the caching and verification logic — the
//! fixed-TTL, single-flight, rate-limited, stale-while-unreachable [`JwksCache`], machine-token
//! checks and audience rules — and supply the HTTP calls by implementing the traits with the
//! client of your choice. The feature adds only Tokio's synchronization primitives; no HTTP stack.
//!
//! Bring your own key store by implementing [`AsyncKeySource`] and calling [`verify_token_with`].

mod backend;
mod jwks;
mod machine;
#[cfg(feature = "request")]
mod request;
mod token;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::claims::SessionClaims;
use crate::error::VerifyError;
use crate::jwt::{self, Category, VerifyOptions};
use crate::keys::{KeySet, PublicKey};

pub use backend::{
    BackendError, BackendErrorKind, JwksFetcher, MachineTokenApi, MachineTokenResponse,
    SessionTokenApi,
};
pub use jwks::{JwksCache, JwksCacheBuilder};
pub use machine::MachineVerifier;
#[cfg(feature = "request")]
pub use request::RemoteSessionVerifier;

/// The future returned by [`AsyncKeySource::keys`].
pub type KeysFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Arc<KeySet>, VerifyError>> + Send + 'a>>;

/// An asynchronous source of verification keys, such as a JWKS fetched over the network.
///
/// [`JwksCache`] implements it; implement it to plug in your own key store. The returned
/// [`KeySet`] snapshot is then handed to the synchronous verifier, which picks the key by `kid`
/// (and reports [`ReasonKind::JwkKidMismatch`](crate::ReasonKind::JwkKidMismatch) if none
/// matches).
///
/// ```
/// use std::sync::Arc;
/// use clerk_auth::{KeySet, VerifyError};
/// use clerk_auth::remote::{AsyncKeySource, KeysFuture};
///
/// struct Fixed(Arc<KeySet>);
///
/// impl AsyncKeySource for Fixed {
///     fn keys<'a>(&'a self, _kid: Option<&'a str>) -> KeysFuture<'a> {
///         Box::pin(async move { Ok::<_, VerifyError>(self.0.clone()) })
///     }
/// }
/// ```
pub trait AsyncKeySource: Send + Sync {
    /// The keys to verify a token whose header carries `kid`.
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a>;
}

impl<T: AsyncKeySource + ?Sized> AsyncKeySource for Arc<T> {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a> {
        (**self).keys(kid)
    }
}

impl<T: AsyncKeySource + ?Sized> AsyncKeySource for &T {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a> {
        (**self).keys(kid)
    }
}

impl<T: AsyncKeySource + ?Sized> AsyncKeySource for Box<T> {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a> {
        (**self).keys(kid)
    }
}

/// Fixed keys as an [`AsyncKeySource`], e.g. the networkless PEM key (`CLERK_JWT_KEY`) for
/// [`MachineVerifier::with_keys`].
#[derive(Clone, Debug)]
pub struct StaticKeys(Arc<KeySet>);

impl StaticKeys {
    /// The keys.
    pub fn new(keys: KeySet) -> StaticKeys {
        StaticKeys(Arc::new(keys))
    }
}

impl From<KeySet> for StaticKeys {
    fn from(keys: KeySet) -> StaticKeys {
        StaticKeys::new(keys)
    }
}

impl From<PublicKey> for StaticKeys {
    fn from(key: PublicKey) -> StaticKeys {
        StaticKeys::new(std::iter::once(key).collect())
    }
}

impl AsyncKeySource for StaticKeys {
    fn keys<'a>(&'a self, _kid: Option<&'a str>) -> KeysFuture<'a> {
        let keys = self.0.clone();
        Box::pin(std::future::ready(Ok(keys)))
    }
}

/// Verifies a session token with keys from an [`AsyncKeySource`]: checks everything that needs
/// no key (shape, encoding, header), then gets a key snapshot for the header's `kid`, then
/// verifies the signature and the claims as [`verify_token`](crate::verify_token) does.
///
/// A token that is already invalid — malformed, badly encoded, a machine-to-machine token, a
/// wrong algorithm — is rejected before the key source is asked, so it never triggers a JWKS
/// fetch.
///
/// # Errors
///
/// A [`VerifyError`] from the token itself, from the key source, or from verification.
pub async fn verify_token_with<S: AsyncKeySource + ?Sized>(
    token: &str,
    source: &S,
    options: &VerifyOptions,
) -> Result<SessionClaims, VerifyError> {
    let prepared = jwt::prepare(token, options, Category::Session)?;
    prepared.check_payload()?;
    let keys = source.keys(prepared.kid()).await?;
    prepared.finish(&*keys, options, jwt::decode_session)
}

/// Like [`verify_token_with`], decoding the payload into your own claims type.
///
/// # Errors
///
/// As [`verify_token_with`]; [`ReasonKind::TokenInvalidClaims`](crate::ReasonKind::TokenInvalidClaims)
/// if the payload does not fit `C`.
pub async fn verify_token_with_as<C, S>(
    token: &str,
    source: &S,
    options: &VerifyOptions,
) -> Result<C, VerifyError>
where
    C: DeserializeOwned,
    S: AsyncKeySource + ?Sized,
{
    let prepared = jwt::prepare(token, options, Category::Session)?;
    prepared.check_payload()?;
    let keys = source.keys(prepared.kid()).await?;
    prepared.finish(&*keys, options, jwt::decode_custom::<C>)
}
