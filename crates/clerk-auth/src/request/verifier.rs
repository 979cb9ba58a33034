//! What [`authenticate_request`](super::authenticate_request) verifies tokens with: traits, so that
//! networkless keys, a remote JWKS cache or a Backend API client can all plug in.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::{MachineAuth, TokenType};
use crate::claims::SessionClaims;
use crate::error::{ReasonKind, VerifyError};
use crate::jwt::{Verifier, VerifyOptions};
use crate::keys::KeySource;
use crate::machine::MachineTokenError;

pub use crate::BoxFuture;

/// Verifies session tokens (and handshake tokens) for request authentication.
///
/// Implemented by the networkless [`Verifier`] (whose [`VerifyOptions`](crate::VerifyOptions)
/// carry the authorized parties, audience, issuer and clock skew), and by [`Arc`]s and
/// references of implementors. Implement it to verify through another key store, such as a
/// cached remote JWKS.
pub trait SessionTokenVerifier: Send + Sync {
    /// Verifies a session token and returns its claims.
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>>;

    /// Verifies a session token allowing `leeway` of clock skew instead of the configured one.
    /// Used once, in development, for the session a handshake delivers (a development machine's
    /// clock is often off). The default implementation ignores `leeway`.
    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        let _ = leeway;
        self.verify(token)
    }

    /// Verifies a handshake token (`__clerk_handshake`) and returns its `handshake` claim: the
    /// `Set-Cookie` values Clerk's Frontend API asks the app to set.
    ///
    /// Only the signature, `alg`, `typ` and `cat` are checked: handshake tokens carry no time
    /// claims to check. The default implementation rejects every token with
    /// [`ReasonKind::JwkFailedToResolve`].
    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        let _ = token;
        Box::pin(async {
            Err(VerifyError::new(
                ReasonKind::JwkFailedToResolve,
                "This session token verifier cannot verify handshake tokens.",
            ))
        })
    }
}

impl<K: KeySource + Send + Sync> SessionTokenVerifier for Verifier<K> {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        let result = Verifier::verify(self, token);
        Box::pin(async move { result })
    }

    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        let options = self.options().clone().leeway(leeway);
        let result = crate::jwt::verify_token(token, self.keys(), &options);
        Box::pin(async move { result })
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        let result = verify_handshake_token(token, self.keys());
        Box::pin(async move { result })
    }
}

impl<T: SessionTokenVerifier + ?Sized> SessionTokenVerifier for Arc<T> {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        (**self).verify(token)
    }

    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        (**self).verify_with_leeway(token, leeway)
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        (**self).verify_handshake(token)
    }
}

impl<T: SessionTokenVerifier + ?Sized> SessionTokenVerifier for &T {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        (**self).verify(token)
    }

    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        (**self).verify_with_leeway(token, leeway)
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        (**self).verify_handshake(token)
    }
}

/// Verifies a handshake token's header and signature with `keys`, and returns its `handshake`
/// claim.
///
/// # Errors
///
/// A [`VerifyError`]: `token-invalid` for a malformed token, a wrong `typ`/`cat` or a missing
/// `handshake` claim, `token-invalid-algorithm`, `token-invalid-signature`, or the key source's
/// error.
pub fn verify_handshake_token<K: KeySource + ?Sized>(
    token: &str,
    keys: &K,
) -> Result<Vec<String>, VerifyError> {
    finish_handshake(prepare_handshake(token)?, keys)
}

/// The longest handshake token accepted: it carries a session token and the other cookies.
const MAX_HANDSHAKE_TOKEN_LEN: usize = 32 * 1024;

/// The checks of a handshake token that need no key, through the same parser as session
/// tokens: shape and size, base64url, JSON-object header and payload, `cat` (absent, session or
/// "ignore"), `typ` (absent or `JWT`), `alg` (`RS256`) and no `crit`.
pub(crate) fn prepare_handshake(token: &str) -> Result<crate::jwt::Prepared<'_>, VerifyError> {
    let options = VerifyOptions::new().max_token_len(MAX_HANDSHAKE_TOKEN_LEN);
    crate::jwt::prepare(token, &options, crate::jwt::Category::Handshake)
}

/// The signature of a prepared handshake token, then its `handshake` claim. As in the
/// reference, no time claim is checked.
pub(crate) fn finish_handshake<K: KeySource + ?Sized>(
    prepared: crate::jwt::Prepared<'_>,
    keys: &K,
) -> Result<Vec<String>, VerifyError> {
    #[derive(Deserialize)]
    struct Payload {
        handshake: Vec<String>,
    }

    let options = VerifyOptions::new().max_token_len(MAX_HANDSHAKE_TOKEN_LEN);
    prepared
        .finish(keys, &options, |payload, _, _| {
            serde_json::from_slice::<Payload>(payload)
                .map(|payload| payload.handshake)
                .map_err(|_| {
                    VerifyError::new(
                        ReasonKind::TokenInvalidClaims,
                        "The handshake token has no handshake claim (a list of cookies).",
                    )
                })
        })
        .map_err(|error| {
            if error.reason() == ReasonKind::TokenInvalidSignature {
                VerifyError::new(
                    ReasonKind::TokenInvalidSignature,
                    "Handshake signature is invalid.",
                )
                .with_kid(error.context().kid.as_deref())
            } else {
                error
            }
        })
}

/// Verifies machine tokens (API keys, M2M tokens, OAuth access tokens) for request
/// authentication. Set one with
/// [`AuthenticateOptions::machine_verifier`](super::AuthenticateOptions::machine_verifier).
///
/// `token_type` is the type read from the token's prefix or shape.
pub trait MachineTokenVerifier: Send + Sync {
    /// Verifies `token` and returns the authenticated machine.
    fn verify<'a>(
        &'a self,
        token: &'a str,
        token_type: TokenType,
    ) -> BoxFuture<'a, Result<MachineAuth, MachineTokenError>>;
}

/// Networkless machine-token verification with the same key as session tokens: JWT-format M2M
/// tokens (`sub` starting with `mch_`) and OAuth access tokens (`typ: at+jwt`). Opaque tokens
/// (`mt_…`, `ak_…`, `oat_…`) need the Backend API: use `remote::MachineVerifier` (feature
/// `remote`) for those; here they are refused with `token-invalid`.
impl<K: KeySource + Send + Sync> MachineTokenVerifier for Verifier<K> {
    fn verify<'a>(
        &'a self,
        token: &'a str,
        _token_type: TokenType,
    ) -> BoxFuture<'a, Result<MachineAuth, MachineTokenError>> {
        let result = crate::machine::verify_machine_jwt(token, self.keys(), self.options());
        Box::pin(async move { result })
    }
}

/// Resolves a handshake nonce (`__clerk_handshake_nonce`) into the `Set-Cookie` values it stands
/// for. This needs the Backend API (`GET /v1/clients/handshake_payload`); set one with
/// [`AuthenticateOptions::handshake_nonce_resolver`](super::AuthenticateOptions::handshake_nonce_resolver).
pub trait HandshakeNonceResolver: Send + Sync {
    /// The cookie directives for `nonce`.
    fn resolve<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<Vec<String>, String>>;
}

/// What [`SessionRefresher::refresh`] sends to the Backend API (`POST /v1/sessions/{sid}/refresh`)
/// to trade an expired session token and the `__refresh_<suffix>` cookie for fresh session
/// cookies. Serializes to the request's JSON body.
///
/// `request_headers` holds **every** header of the incoming request, `cookie` and
/// `authorization` included, as `@clerk/backend` sends them: the Backend API checks the refresh
/// against the browser's request. Headers that are not UTF-8 text are left out; repeated headers
/// are joined with `, `. [`Debug`](std::fmt::Debug) output hides the tokens and header values.
#[derive(Clone, serde::Serialize)]
#[non_exhaustive]
pub struct RefreshRequest<'a> {
    /// Always `cookie`: the answer is a list of `Set-Cookie` values.
    pub format: &'a str,
    /// The expired session token.
    pub expired_token: &'a str,
    /// The value of the `__refresh_<suffix>` cookie.
    pub refresh_token: &'a str,
    /// The origin of the request (scheme and host, after forwarding headers).
    pub request_origin: String,
    /// The request's headers, by lowercase name, each with its value in a one-element list.
    pub request_headers: std::collections::BTreeMap<String, Vec<String>>,
}

impl<'a> RefreshRequest<'a> {
    /// A `format: "cookie"` refresh request.
    pub fn new(
        expired_token: &'a str,
        refresh_token: &'a str,
        request_origin: impl Into<String>,
        request_headers: std::collections::BTreeMap<String, Vec<String>>,
    ) -> RefreshRequest<'a> {
        RefreshRequest {
            format: "cookie",
            expired_token,
            refresh_token,
            request_origin: request_origin.into(),
            request_headers,
        }
    }
}

impl std::fmt::Debug for RefreshRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("format", &self.format)
            .field("expired_token", &crate::Redacted)
            .field("refresh_token", &crate::Redacted)
            .field("request_origin", &self.request_origin)
            .field(
                "request_headers",
                &self.request_headers.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Why a session refresh failed: the `<reason>` of the handshake reason
/// `session-token-expired-refresh-<reason>`.
///
/// The reasons `@clerk/backend` uses are constants here ([`RefreshError::FETCH_ERROR`], …); a
/// Backend API error is reported with its Clerk error code (such as `refresh_token_invalid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshError {
    reason: std::borrow::Cow<'static, str>,
    message: String,
    handshake_reason: String,
}

impl RefreshError {
    /// The Backend API could not be reached (network error, timeout).
    pub const FETCH_ERROR: &'static str = "fetch-error";
    /// The Backend API answered with an error that carries no Clerk error code.
    pub const UNEXPECTED_BAPI_ERROR: &'static str = "unexpected-bapi-error";
    /// Something else went wrong, such as an answer without a session cookie.
    pub const UNEXPECTED_SDK_ERROR: &'static str = "unexpected-sdk-error";
    /// The refreshed session token did not verify.
    pub const INVALID_SESSION_TOKEN: &'static str = "invalid-session-token";
    /// The expired session token could not be decoded.
    pub const EXPIRED_SESSION_TOKEN_DECODE_FAILED: &'static str =
        "expired-session-token-decode-failed";
    /// The expired session token has no `sid` claim.
    pub const EXPIRED_SESSION_TOKEN_MISSING_SID_CLAIM: &'static str =
        "expired-session-token-missing-sid-claim";
    /// There is no session token to refresh.
    pub const MISSING_SESSION_TOKEN: &'static str = "missing-session-token";
    /// The refresh cookie is empty.
    pub const MISSING_REFRESH_TOKEN: &'static str = "missing-refresh-token";

    /// An error with `reason` (one of the constants, or a Clerk error code) and a message for
    /// logs.
    pub fn new(
        reason: impl Into<std::borrow::Cow<'static, str>>,
        message: impl Into<String>,
    ) -> RefreshError {
        let reason = reason.into();
        let handshake_reason = format!("session-token-expired-refresh-{reason}");
        RefreshError {
            reason,
            message: message.into(),
            handshake_reason,
        }
    }

    /// The reason, such as `fetch-error` or `refresh_token_invalid`.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// A description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `session-token-expired-refresh-<reason>`.
    pub(crate) fn handshake_reason(&self) -> &str {
        &self.handshake_reason
    }
}

impl std::fmt::Display for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "session refresh failed ({})", self.reason)
        } else {
            write!(
                f,
                "session refresh failed ({}): {}",
                self.reason, self.message
            )
        }
    }
}

impl std::error::Error for RefreshError {}

/// Refreshes an expired session with the `__refresh_<suffix>` cookie through the Backend API
/// (`POST /v1/sessions/{session_id}/refresh`); set one with
/// [`AuthenticateOptions::session_refresher`](super::AuthenticateOptions::session_refresher).
///
/// [`authenticate_request`](super::authenticate_request) calls it for a `GET` request whose
/// session token is expired and that carries the refresh cookie. The returned `Set-Cookie` values
/// are added to the signed-in result; the last cookie named `__session…` holds the new session
/// token, which is verified again.
pub trait SessionRefresher: Send + Sync {
    /// Refreshes session `session_id`; `suffixed_cookies` asks for suffixed cookie names
    /// (`__session_<suffix>`, …). Returns the `Set-Cookie` values to send back.
    fn refresh<'a>(
        &'a self,
        session_id: &'a str,
        request: RefreshRequest<'a>,
        suffixed_cookies: bool,
    ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>>;
}
