//! [`MachineVerifier`]: M2M tokens, API keys and OAuth access tokens, opaque ones through the
//! Backend API and JWT-format ones networklessly.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::AsyncKeySource;
use super::backend::{BackendError, MachineTokenApi, MachineTokenResponse};
use crate::auth::{Auth, MachineAuth, TokenType};
use crate::jwt::{Audience, VerifyOptions, check_audience};
use crate::machine::{
    AcceptsToken, MachineErrorCode, MachineTokenError, TokenKind, check_oauth_audience, detect,
    prepare_machine_jwt, unknown_machine_token,
};

/// Verifies machine tokens: M2M tokens (`mt_…` or M2M JWTs), API keys (`ak_…`) and OAuth access
/// tokens (`oat_…` or OAuth JWTs).
///
/// Opaque tokens are sent to the Backend API's verify endpoints through a [`MachineTokenApi`]
/// (the `clerk` crate's client implements it; the endpoints have no `/v1` prefix):
///
/// | Token   | Request                                          | Body                 |
/// |---------|--------------------------------------------------|----------------------|
/// | `mt_…`  | `POST /m2m_tokens/verify`                        | `{"token": …}`        |
/// | `ak_…`  | `POST /api_keys/verify`                          | `{"secret": …}`       |
/// | `oat_…` | `POST /oauth_applications/access_tokens/verify`  | `{"access_token": …}` |
///
/// JWT-format M2M and OAuth tokens are verified without a Backend API call, with the instance's
/// keys from an [`AsyncKeySource`] (a [`JwksCache`](super::JwksCache), or the networkless PEM
/// key as [`StaticKeys`](super::StaticKeys)) — see
/// [`verify_machine_jwt`](crate::machine::verify_machine_jwt).
///
/// With an audience in [`options`](MachineVerifier::options), opaque OAuth access tokens must
/// carry a matching `aud` in the verify response (a missing one is refused, as in
/// `@clerk/backend`). For M2M tokens and API keys an `aud` the response carries (at the top
/// level or in `claims`) is checked with the JWT rule (a token without one passes) — stricter
/// than the reference, which checks no audience for them.
///
/// Errors follow `@clerk/backend`: a `401` is [`MachineErrorCode::SecretKeyInvalid`], a `404`
/// (or a token the API reports revoked, expired or inactive) [`MachineErrorCode::TokenInvalid`],
/// anything else [`MachineErrorCode::UnexpectedError`], with the HTTP status attached.
#[derive(Clone)]
pub struct MachineVerifier {
    api: Arc<dyn MachineTokenApi>,
    keys: Arc<dyn AsyncKeySource>,
    options: VerifyOptions,
    accepts: AcceptsToken,
}

impl MachineVerifier {
    /// A verifier sending opaque tokens to `api` and checking JWT-format tokens with `keys`,
    /// accepting every machine token type.
    pub fn new(
        api: impl MachineTokenApi + 'static,
        keys: impl AsyncKeySource + 'static,
    ) -> MachineVerifier {
        MachineVerifier {
            api: Arc::new(api),
            keys: Arc::new(keys),
            options: VerifyOptions::default(),
            accepts: AcceptsToken::Any,
        }
    }

    /// Uses `keys` for JWT-format tokens.
    #[must_use]
    pub fn with_keys(mut self, keys: impl AsyncKeySource + 'static) -> MachineVerifier {
        self.keys = Arc::new(keys);
        self
    }

    /// The options for JWT-format tokens and the audience check (audience, issuer, leeway,
    /// clock). The authorized-party check does not apply to machine tokens.
    #[must_use]
    pub fn options(mut self, options: VerifyOptions) -> MachineVerifier {
        self.options = options;
        self
    }

    /// The token types accepted ([`AcceptsToken::Any`] by default): one type, a list, or any.
    /// Others fail with [`MachineErrorCode::TokenTypeNotAccepted`] before any network call.
    #[must_use]
    pub fn accepts(mut self, accepts: impl Into<AcceptsToken>) -> MachineVerifier {
        self.accepts = accepts.into();
        self
    }

    /// Verifies a machine token.
    ///
    /// # Errors
    ///
    /// A [`MachineTokenError`]; [`MachineErrorCode::TokenInvalid`] ("Unknown machine token type")
    /// for anything that is not a machine token, including session tokens.
    pub async fn verify(&self, token: &str) -> Result<MachineAuth, MachineTokenError> {
        let Some(kind) = detect(token) else {
            return Err(unknown_machine_token());
        };
        let token_type = kind.token_type();
        self.accepts.check(token_type)?;
        match kind {
            TokenKind::M2mJwt | TokenKind::OAuthJwt => {
                // Everything that needs no key first: an invalid token never costs a JWKS fetch.
                let prepared = prepare_machine_jwt(token, &self.options)?;
                prepared.check_payload()?;
                let keys =
                    self.keys.keys(prepared.kid()).await.map_err(|e| {
                        MachineTokenError::from_verify_error(e, prepared.token_type())
                    })?;
                prepared.finish(&*keys)
            }
            TokenKind::M2mOpaque | TokenKind::ApiKey | TokenKind::OAuthOpaque => {
                self.verify_opaque(kind, token).await
            }
            _ => Err(unknown_machine_token().with_token_type(Some(token_type))),
        }
    }

    /// Verifies a machine token and returns [`Auth::Machine`].
    ///
    /// # Errors
    ///
    /// As [`MachineVerifier::verify`].
    pub async fn authenticate(&self, token: &str) -> Result<Auth, MachineTokenError> {
        self.verify(token).await.map(Auth::Machine)
    }

    async fn verify_opaque(
        &self,
        kind: TokenKind,
        token: &str,
    ) -> Result<MachineAuth, MachineTokenError> {
        let token_type = kind.token_type();
        let not_found = match kind {
            TokenKind::M2mOpaque => "Machine token not found",
            TokenKind::ApiKey => "API key not found",
            _ => "OAuth token not found",
        };
        let response = self
            .api
            .verify_opaque_token(kind, token)
            .await
            .map_err(|e| api_error(&e, not_found).with_token_type(Some(token_type)))?;
        check_response_audience(&response, kind, self.options.audience_list())?;
        into_auth(response, token_type)
    }
}

/// Maps a Backend API failure as `@clerk/backend` does.
fn api_error(error: &BackendError, not_found: &'static str) -> MachineTokenError {
    let status = error.status();
    match status {
        Some(401) => {
            let message = Some(error.message())
                .filter(|m| !m.is_empty() && error.code().is_some())
                .unwrap_or("Invalid secret key")
                .to_owned();
            MachineTokenError::new(MachineErrorCode::SecretKeyInvalid, message)
        }
        Some(404) => MachineTokenError::new(MachineErrorCode::TokenInvalid, not_found),
        _ => MachineTokenError::new(
            MachineErrorCode::UnexpectedError,
            format!("Unexpected error: {error}"),
        ),
    }
    .with_status(status)
}

/// The audience check, when an audience is configured.
///
/// OAuth access tokens follow the OAuth rule of JWT-format OAuth tokens: the response must carry
/// an `aud` (a non-empty string or list of non-empty strings) that contains one of the
/// configured values. For M2M tokens and API keys an `aud` found at the top level or in `claims`
/// is checked as a JWT's `aud` is (a token without one is not checked).
fn check_response_audience(
    response: &MachineTokenResponse,
    kind: TokenKind,
    expected: &[String],
) -> Result<(), MachineTokenError> {
    if expected.is_empty() || response.active == Some(false) {
        return Ok(());
    }
    let token_type = kind.token_type();
    let aud = response
        .aud
        .as_ref()
        .filter(|aud| !aud.is_null())
        .or_else(|| {
            response
                .claims
                .as_ref()
                .and_then(|claims| claims.get("aud"))
                .filter(|aud| !aud.is_null())
        });
    if kind == TokenKind::OAuthOpaque {
        return check_oauth_audience(aud, expected)
            .map_err(|e| e.with_token_type(Some(token_type)).with_status(Some(200)));
    }
    check_audience(&Audience::from_json(aud), expected)
        .map_err(|e| MachineTokenError::from_verify_error(e, token_type).with_status(Some(200)))
}

/// The machine for a verify answer, or why the answer does not authenticate it.
fn into_auth(
    response: MachineTokenResponse,
    token_type: TokenType,
) -> Result<MachineAuth, MachineTokenError> {
    let invalid = |message: &'static str| {
        Err(
            MachineTokenError::new(MachineErrorCode::TokenInvalid, message)
                .with_token_type(Some(token_type))
                .with_status(Some(200)),
        )
    };
    if response.active == Some(false) {
        return invalid("The token is not active.");
    }
    if response.revoked == Some(true) {
        return invalid("The token has been revoked.");
    }
    if response.expired == Some(true) {
        return invalid("The token has expired.");
    }
    if response.id.is_empty() || response.subject.is_empty() {
        return Err(MachineTokenError::new(
            MachineErrorCode::UnexpectedError,
            "Unexpected error: the verification response has no token id or subject.",
        )
        .with_token_type(Some(token_type))
        .with_status(Some(200)));
    }
    let claims = match (response.claims, response.client_id) {
        (Some(Value::Null), None) | (None, None) => None,
        (claims, None) => claims,
        (claims, Some(client_id)) => {
            let mut map = match claims {
                Some(Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            map.insert("client_id".to_owned(), Value::String(client_id));
            Some(Value::Object(map))
        }
    };
    let expiration = response
        .expiration
        .filter(|ms| ms.is_finite())
        .map(|ms| (ms / 1000.0).floor() as i64);
    Ok(MachineAuth::new(
        token_type,
        response.id,
        response.subject,
        response.scopes.unwrap_or_default(),
    )
    .with_claims(claims)
    .with_name(response.name)
    .with_expiration(expiration))
}

impl fmt::Debug for MachineVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineVerifier")
            .field("options", &self.options)
            .field("accepts", &self.accepts)
            .finish_non_exhaustive()
    }
}
