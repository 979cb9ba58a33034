//! Machine tokens: telling token types apart, which types an endpoint accepts, and networkless
//! verification of JWT-format M2M and OAuth tokens.
//!
//! Clerk issues four kinds of bearer tokens. [`detect`] tells them apart without verifying
//! anything, by the same rules as `@clerk/backend`:
//!
//! | Token                                              | [`TokenKind`]   | [`TokenType`] |
//! |----------------------------------------------------|-----------------|---------------|
//! | `mt_…`                                             | `M2mOpaque`     | `M2mToken`    |
//! | `ak_…`                                             | `ApiKey`        | `ApiKey`      |
//! | `oat_…`                                            | `OAuthOpaque`   | `OAuthToken`  |
//! | JWT whose payload `sub` starts with `mch_`         | `M2mJwt`        | `M2mToken`    |
//! | JWT whose header `typ` is `at+jwt` / `application/at+jwt` | `OAuthJwt` | `OAuthToken` |
//! | any other JWT                                      | `SessionJwt`    | `SessionToken`|
//!
//! Opaque tokens can only be verified by the Backend API (`remote::MachineVerifier`, feature
//! `remote`); JWT-format machine tokens verify here, networklessly, with the instance's keys
//! ([`verify_machine_jwt`]).
//!
//! ```
//! use clerk_auth::TokenType;
//! use clerk_auth::machine::{AcceptsToken, TokenKind, detect};
//!
//! assert_eq!(detect("ak_2b6f"), Some(TokenKind::ApiKey));
//! assert_eq!(detect("not a token"), None);
//! let accepts = AcceptsToken::from([TokenType::ApiKey, TokenType::M2mToken]);
//! assert!(accepts.accepts(TokenType::ApiKey));
//! assert!(!accepts.accepts(TokenType::SessionToken));
//! ```

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

use crate::auth::{MachineAuth, TokenType};
use crate::error::{ReasonKind, VerifyError, quote};
use crate::jwt::{self, Category, VerifyOptions};
use crate::keys::KeySource;

/// Prefix of opaque machine-to-machine tokens.
pub const M2M_TOKEN_PREFIX: &str = "mt_";
/// Prefix of API keys.
pub const API_KEY_PREFIX: &str = "ak_";
/// Prefix of opaque OAuth access tokens.
pub const OAUTH_TOKEN_PREFIX: &str = "oat_";
/// Prefix of machine ids, the `sub` of M2M JWTs.
pub const MACHINE_ID_PREFIX: &str = "mch_";
/// The header `typ` values of OAuth access-token JWTs (RFC 9068).
pub const OAUTH_JWT_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// What a bearer token is, by its shape (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// A JWT that is neither an M2M nor an OAuth JWT: a session token (or a JWT-template token).
    SessionJwt,
    /// An opaque machine-to-machine token (`mt_…`).
    M2mOpaque,
    /// A JWT-format machine-to-machine token (`sub` starts with `mch_`).
    M2mJwt,
    /// An API key (`ak_…`).
    ApiKey,
    /// An opaque OAuth access token (`oat_…`).
    OAuthOpaque,
    /// A JWT-format OAuth access token (`typ` `at+jwt`).
    OAuthJwt,
}

impl TokenKind {
    /// The token type this kind of token authenticates as.
    pub const fn token_type(self) -> TokenType {
        match self {
            TokenKind::SessionJwt => TokenType::SessionToken,
            TokenKind::M2mOpaque | TokenKind::M2mJwt => TokenType::M2mToken,
            TokenKind::ApiKey => TokenType::ApiKey,
            TokenKind::OAuthOpaque | TokenKind::OAuthJwt => TokenType::OAuthToken,
        }
    }

    /// Whether the token is a JWT (verifiable with the instance's keys).
    pub const fn is_jwt(self) -> bool {
        matches!(
            self,
            TokenKind::SessionJwt | TokenKind::M2mJwt | TokenKind::OAuthJwt
        )
    }
}

/// Tells what kind of token `token` is, without verifying it. `None` if it has no machine-token
/// prefix and is not JWT-shaped (three non-empty base64url segments).
///
/// A JWT-shaped token whose header or payload cannot be decoded is reported as
/// [`TokenKind::SessionJwt`], so that session verification explains what is wrong with it.
pub fn detect(token: &str) -> Option<TokenKind> {
    if token.starts_with(M2M_TOKEN_PREFIX) {
        return Some(TokenKind::M2mOpaque);
    }
    if token.starts_with(OAUTH_TOKEN_PREFIX) {
        return Some(TokenKind::OAuthOpaque);
    }
    if token.starts_with(API_KEY_PREFIX) {
        return Some(TokenKind::ApiKey);
    }
    if !is_jwt_shaped(token) {
        return None;
    }
    if jwt::unverified_subject_is_machine(token) {
        return Some(TokenKind::M2mJwt);
    }
    let header = jwt::decode_header(token).ok();
    let typ = header.as_ref().and_then(|h| h.typ.as_deref());
    if typ.is_some_and(|typ| OAUTH_JWT_TYPES.contains(&typ)) {
        return Some(TokenKind::OAuthJwt);
    }
    Some(TokenKind::SessionJwt)
}

/// `^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`
fn is_jwt_shaped(token: &str) -> bool {
    let mut parts = 0;
    for part in token.split('.') {
        parts += 1;
        if part.is_empty()
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    parts == 3
}

/// Which token types an endpoint accepts: one, a list, or any.
///
/// The default is [`AcceptsToken::Any`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptsToken {
    /// Every token type.
    #[default]
    Any,
    /// Only this type.
    One(TokenType),
    /// Any of these types (an empty list accepts nothing).
    List(Vec<TokenType>),
}

impl AcceptsToken {
    /// Whether a token of type `token_type` is accepted.
    pub fn accepts(&self, token_type: TokenType) -> bool {
        match self {
            AcceptsToken::Any => true,
            AcceptsToken::One(accepted) => *accepted == token_type,
            AcceptsToken::List(accepted) => accepted.contains(&token_type),
        }
    }

    /// `Ok` if a token of type `token_type` is accepted.
    ///
    /// # Errors
    ///
    /// [`MachineErrorCode::TokenTypeNotAccepted`] otherwise.
    pub fn check(&self, token_type: TokenType) -> Result<(), MachineTokenError> {
        if self.accepts(token_type) {
            Ok(())
        } else {
            Err(not_accepted(token_type, self))
        }
    }

    /// Whether any machine token type (API key, M2M or OAuth token) is accepted.
    pub fn accepts_machine_tokens(&self) -> bool {
        [
            TokenType::ApiKey,
            TokenType::M2mToken,
            TokenType::OAuthToken,
        ]
        .into_iter()
        .any(|t| self.accepts(t))
    }
}

impl From<TokenType> for AcceptsToken {
    fn from(token_type: TokenType) -> AcceptsToken {
        AcceptsToken::One(token_type)
    }
}

impl From<Vec<TokenType>> for AcceptsToken {
    fn from(types: Vec<TokenType>) -> AcceptsToken {
        AcceptsToken::List(types)
    }
}

impl<const N: usize> From<[TokenType; N]> for AcceptsToken {
    fn from(types: [TokenType; N]) -> AcceptsToken {
        AcceptsToken::List(types.to_vec())
    }
}

/// Why a machine token was rejected, as `@clerk/backend`'s `MachineTokenVerificationError`
/// codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MachineErrorCode {
    /// The token is unknown to Clerk, revoked, expired, or not a machine token at all
    /// (`token-invalid`).
    TokenInvalid,
    /// The Backend API rejected the secret key (`secret-key-invalid`).
    SecretKeyInvalid,
    /// The Backend API could not be reached or answered unexpectedly (`unexpected-error`).
    UnexpectedError,
    /// A JWT-format token failed verification (`token-verification-failed`).
    TokenVerificationFailed,
    /// The token's type is not one the endpoint accepts (`token-type-not-accepted`; no
    /// `@clerk/backend` equivalent, which returns an unauthenticated object instead).
    TokenTypeNotAccepted,
}

impl MachineErrorCode {
    /// The code string, such as `token-invalid`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MachineErrorCode::TokenInvalid => "token-invalid",
            MachineErrorCode::SecretKeyInvalid => "secret-key-invalid",
            MachineErrorCode::UnexpectedError => "unexpected-error",
            MachineErrorCode::TokenVerificationFailed => "token-verification-failed",
            MachineErrorCode::TokenTypeNotAccepted => "token-type-not-accepted",
        }
    }
}

impl fmt::Display for MachineErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A machine token was rejected. The token itself is never part of the error.
///
/// `Display` follows `@clerk/backend`'s `getFullMessage()`:
/// `"<message> (code=<code>, status=<status or n/a>)"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineTokenError {
    code: MachineErrorCode,
    message: Cow<'static, str>,
    status: Option<u16>,
    token_type: Option<TokenType>,
    source: Option<VerifyError>,
}

impl MachineTokenError {
    /// An error with a code and a message.
    pub fn new(code: MachineErrorCode, message: impl Into<Cow<'static, str>>) -> MachineTokenError {
        MachineTokenError {
            code,
            message: message.into(),
            status: None,
            token_type: None,
            source: None,
        }
    }

    /// The same error with the Backend API's HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: Option<u16>) -> MachineTokenError {
        self.status = status;
        self
    }

    /// The same error with another code.
    #[must_use]
    pub(crate) fn with_code(mut self, code: MachineErrorCode) -> MachineTokenError {
        self.code = code;
        self
    }

    /// The same error, for a token of `token_type`.
    #[must_use]
    pub fn with_token_type(mut self, token_type: Option<TokenType>) -> MachineTokenError {
        self.token_type = token_type;
        self
    }

    /// A JWT verification failure, as `token-verification-failed` with the underlying message.
    pub fn from_verify_error(error: VerifyError, token_type: TokenType) -> MachineTokenError {
        MachineTokenError {
            code: MachineErrorCode::TokenVerificationFailed,
            message: Cow::Owned(error.message().to_owned()),
            status: None,
            token_type: Some(token_type),
            source: Some(error),
        }
    }

    /// Why the token was rejected.
    pub fn code(&self) -> MachineErrorCode {
        self.code
    }

    /// A description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The Backend API's HTTP status, when the failure came from it.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The detected token type, when known.
    pub fn token_type(&self) -> Option<TokenType> {
        self.token_type
    }

    /// For a JWT-format token, the session-style verification error behind the failure (with
    /// its [`ReasonKind`], e.g. `JwkKidMismatch` or `TokenExpired`).
    pub fn verify_error(&self) -> Option<&VerifyError> {
        self.source.as_ref()
    }
}

impl fmt::Display for MachineTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} (code={}, status={status})", self.message, self.code),
            None => write!(f, "{} (code={}, status=n/a)", self.message, self.code),
        }
    }
}

impl std::error::Error for MachineTokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The error for a token whose type is not accepted.
fn not_accepted(token_type: TokenType, accepts: &AcceptsToken) -> MachineTokenError {
    let expected = match accepts {
        AcceptsToken::Any => "any".to_owned(),
        AcceptsToken::One(t) => t.as_str().to_owned(),
        AcceptsToken::List(ts) => ts.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
    };
    MachineTokenError::new(
        MachineErrorCode::TokenTypeNotAccepted,
        format!(
            "Token type {} is not accepted here (accepted: {expected}).",
            token_type.as_str()
        ),
    )
    .with_token_type(Some(token_type))
}

/// The error for a token that is no machine token.
pub(crate) fn unknown_machine_token() -> MachineTokenError {
    MachineTokenError::new(MachineErrorCode::TokenInvalid, "Unknown machine token type")
}

/// Verifies a JWT-format M2M or OAuth access token with the instance's keys, networklessly.
///
/// - **M2M JWT** (`sub` starts with `mch_`): header `cat` absent or the M2M category, `typ`
///   absent or `JWT`; then the session checks of [`verify_token`](crate::verify_token) except
///   `azp` (signature, `sub`, [`audience`](VerifyOptions::audience), [`issuer`](VerifyOptions::issuer),
///   `exp`/`nbf`/`iat`). Scopes are the `scopes` claim split on spaces, else `aud`.
/// - **OAuth JWT** (`typ` `at+jwt` or `application/at+jwt`): the same checks, then, when an
///   audience is configured, `aud` must be a non-empty string or list of non-empty strings that
///   contains one of them. Scopes are the `scp` array, else `scope` split on spaces.
///
/// The result's id is `jti`, its subject `sub`, its expiration `exp`, and its claims every claim
/// except `iss`, `sub`, `exp`, `nbf`, `iat` and `jti`.
///
/// # Errors
///
/// [`MachineErrorCode::TokenInvalid`] for a token that cannot be decoded, carries another
/// category than M2M, or is not a JWT-format machine token;
/// [`MachineErrorCode::TokenVerificationFailed`] (with the [`VerifyError`] behind it) for any
/// other verification failure.
pub fn verify_machine_jwt<K: KeySource + ?Sized>(
    token: &str,
    keys: &K,
    options: &VerifyOptions,
) -> Result<MachineAuth, MachineTokenError> {
    prepare_machine_jwt(token, options)?.finish(keys)
}

/// A JWT-format machine token that passed every check needing no key.
pub(crate) struct PreparedMachineJwt<'t> {
    token_type: TokenType,
    prepared: jwt::Prepared<'t>,
    /// The options for the JWT checks (no `azp`; the OAuth audience is checked separately).
    options: VerifyOptions,
    /// For OAuth JWTs: the audience, checked by the OAuth rule after verification.
    oauth_audience: Option<Vec<String>>,
}

/// Tells an M2M JWT from an OAuth JWT and checks everything that needs no key, in the
/// reference's order, so that an invalid token never costs a key fetch.
pub(crate) fn prepare_machine_jwt<'t>(
    token: &'t str,
    options: &VerifyOptions,
) -> Result<PreparedMachineJwt<'t>, MachineTokenError> {
    match detect(token) {
        Some(TokenKind::M2mJwt) => {
            let options = options.for_machine(None);
            let prepared = jwt::prepare(token, &options, Category::M2m)
                .map_err(|e| prepare_error(e, TokenType::M2mToken))?;
            Ok(PreparedMachineJwt {
                token_type: TokenType::M2mToken,
                prepared,
                options,
                oauth_audience: None,
            })
        }
        Some(TokenKind::OAuthJwt) => {
            let audience = options.audience_list().to_vec();
            let options = options
                .for_machine(Some(OAUTH_JWT_TYPES.map(str::to_owned).to_vec()))
                .audience(Vec::<String>::new());
            let prepared = jwt::prepare(token, &options, Category::Any)
                .map_err(|e| prepare_error(e, TokenType::OAuthToken))?;
            Ok(PreparedMachineJwt {
                token_type: TokenType::OAuthToken,
                prepared,
                options,
                oauth_audience: Some(audience),
            })
        }
        Some(TokenKind::SessionJwt) => {
            // A JWT-shaped token: undecodable ones are `token-invalid`, decodable ones of neither
            // machine kind fail with the reference's message.
            let header = jwt::decode_header(token).and_then(|header| {
                jwt::decode_payload_unverified(token)?;
                Ok(header)
            });
            match header {
                Err(error) => Err(prepare_error(error, TokenType::M2mToken)),
                Ok(header) => Err(MachineTokenError::new(
                    MachineErrorCode::TokenVerificationFailed,
                    format!(
                        "Invalid JWT type: {}. Expected one of: at+jwt, application/at+jwt for \
                         OAuth, or sub starting with 'mch_' for M2M",
                        header.typ.as_deref().unwrap_or("missing")
                    ),
                )
                .with_token_type(Some(TokenType::OAuthToken))),
            }
        }
        _ => Err(unknown_machine_token()),
    }
}

/// A check that needed no key failed: decoding and category failures are `token-invalid` (as
/// the reference's decode step reports them), the others `token-verification-failed`.
fn prepare_error(error: VerifyError, token_type: TokenType) -> MachineTokenError {
    let code = match error.reason() {
        ReasonKind::TokenMalformed
        | ReasonKind::TokenTooLarge
        | ReasonKind::TokenInvalidCategory => MachineErrorCode::TokenInvalid,
        _ => MachineErrorCode::TokenVerificationFailed,
    };
    MachineTokenError::from_verify_error(error, token_type).with_code(code)
}

impl PreparedMachineJwt<'_> {
    /// The header's `kid`, to pick the key with.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn kid(&self) -> Option<&str> {
        self.prepared.kid()
    }

    /// The full JSON check of the payload, before a key fetch (see `jwt::Prepared`).
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn check_payload(&self) -> Result<(), MachineTokenError> {
        self.prepared
            .check_payload()
            .map_err(|e| prepare_error(e, self.token_type))
    }

    /// The token type: M2M or OAuth.
    #[cfg_attr(not(feature = "remote"), allow(dead_code))]
    pub(crate) fn token_type(&self) -> TokenType {
        self.token_type
    }

    /// The signature and claim checks, then the machine's identity.
    pub(crate) fn finish<K: KeySource + ?Sized>(
        self,
        keys: &K,
    ) -> Result<MachineAuth, MachineTokenError> {
        let token_type = self.token_type;
        let claims: Map<String, Value> = self
            .prepared
            .finish(keys, &self.options, jwt::decode_custom)
            .map_err(|e| MachineTokenError::from_verify_error(e, token_type))?;
        if let Some(audience) = &self.oauth_audience {
            check_oauth_audience(claims.get("aud"), audience)?;
        }
        let scopes = match token_type {
            TokenType::OAuthToken => match (claims.get("scp"), claims.get("scope")) {
                (Some(Value::Array(scp)), _) => strings(scp),
                (_, Some(Value::String(scope))) => split_spaces(scope),
                _ => Vec::new(),
            },
            _ => match claims.get("scopes") {
                Some(Value::String(scopes)) => split_spaces(scopes),
                _ => match claims.get("aud") {
                    Some(Value::String(aud)) => vec![aud.clone()],
                    Some(Value::Array(auds)) => strings(auds),
                    _ => Vec::new(),
                },
            },
        };
        Ok(machine_auth(token_type, claims, scopes))
    }
}

/// `@clerk/backend`'s OAuth audience rule: with an audience configured, `aud` must be a non-empty
/// string or a non-empty list of non-empty strings, and contain one of the configured values.
pub(crate) fn check_oauth_audience(
    aud: Option<&Value>,
    expected: &[String],
) -> Result<(), MachineTokenError> {
    if expected.is_empty() {
        return Ok(());
    }
    let fail = |message: String| {
        Err(
            MachineTokenError::new(MachineErrorCode::TokenVerificationFailed, message)
                .with_token_type(Some(TokenType::OAuthToken)),
        )
    };
    let auds: Vec<&str> = match aud {
        Some(Value::String(aud)) if !aud.is_empty() => vec![aud.as_str()],
        Some(Value::Array(items))
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| !s.is_empty())) =>
        {
            items.iter().filter_map(Value::as_str).collect()
        }
        _ => {
            return fail(
                "Invalid OAuth audience claim (aud): expected a non-empty string or a non-empty \
                 array of non-empty strings."
                    .to_owned(),
            );
        }
    };
    if auds.iter().any(|a| expected.iter().any(|e| e == a)) {
        return Ok(());
    }
    let found: Vec<String> = auds.iter().take(8).map(|a| quote(a)).collect();
    let wanted: Vec<String> = expected.iter().take(8).map(|e| quote(e)).collect();
    fail(format!(
        "OAuth audience mismatch. Token audience [{}] is not one of [{}].",
        found.join(", "),
        wanted.join(", ")
    ))
}

fn machine_auth(
    token_type: TokenType,
    mut claims: Map<String, Value>,
    scopes: Vec<String>,
) -> MachineAuth {
    let take_str = |claims: &mut Map<String, Value>, name: &str| match claims.remove(name) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    let id = take_str(&mut claims, "jti");
    let subject = take_str(&mut claims, "sub");
    let expiration = claims.remove("exp").and_then(|exp| exp.as_i64());
    for registered in ["iss", "nbf", "iat"] {
        claims.remove(registered);
    }
    let claims = (!claims.is_empty()).then_some(Value::Object(claims));
    MachineAuth::new(token_type, id, subject, scopes)
        .with_claims(claims)
        .with_expiration(expiration)
}

fn split_spaces(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn strings(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shape() {
        assert!(is_jwt_shaped("a.b.c"));
        assert!(is_jwt_shaped("a-_.B9.c"));
        assert!(!is_jwt_shaped("a.b"));
        assert!(!is_jwt_shaped("a.b.c.d"));
        assert!(!is_jwt_shaped("a..c"));
        assert!(!is_jwt_shaped("a.b=.c"));
        assert!(!is_jwt_shaped(""));
    }
}
