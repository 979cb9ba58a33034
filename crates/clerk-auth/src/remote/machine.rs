//! [`MachineVerifier`]: M2M tokens, API keys and OAuth access tokens, opaque ones through the
//! Backend API and JWT-format ones networklessly.

use std::fmt;
use std::sync::Arc;

use clerk_core::{Client, Method, Request, SecretKey};
use http::HeaderValue;
use http::header::AUTHORIZATION;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AsyncKeySource, JwksCache};
use crate::auth::{Auth, MachineAuth, TokenType};
use crate::jwt::{Audience, VerifyOptions, check_audience};
use crate::machine::{
    AcceptsToken, MachineErrorCode, MachineTokenError, TokenKind, check_oauth_audience, detect,
    prepare_machine_jwt, unknown_machine_token,
};

/// Verifies machine tokens: M2M tokens (`mt_…` or M2M JWTs), API keys (`ak_…`) and OAuth access
/// tokens (`oat_…` or OAuth JWTs).
///
/// Opaque tokens are sent to the Backend API's verify endpoints, which have no `/v1` prefix:
///
/// | Token   | Request                                          | Body                 | Authorization |
/// |---------|--------------------------------------------------|----------------------|---------------|
/// | `mt_…`  | `POST /m2m_tokens/verify`                        | `{"token": …}`        | machine secret key if set, else the secret key |
/// | `ak_…`  | `POST /api_keys/verify`                          | `{"secret": …}`       | secret key |
/// | `oat_…` | `POST /oauth_applications/access_tokens/verify`  | `{"access_token": …}` | secret key |
///
/// JWT-format M2M and OAuth tokens are verified without a Backend API call, with the instance's
/// keys ([`JwksCache`] for the client by default; see [`with_keys`](MachineVerifier::with_keys))
/// — see [`verify_machine_jwt`].
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
///
/// ```no_run
/// use clerk_auth::TokenType;
/// use clerk_auth::remote::MachineVerifier;
///
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let client = clerk_core::Client::from_env()?;
/// let verifier = MachineVerifier::new(client).accepts([TokenType::ApiKey, TokenType::M2mToken]);
/// let machine = verifier.verify(token).await?;
/// println!("{} {} scopes {:?}", machine.token_type().as_str(), machine.subject(), machine.scopes());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MachineVerifier {
    client: Client,
    machine_secret_key: Option<HeaderValue>,
    keys: Arc<dyn AsyncKeySource>,
    options: VerifyOptions,
    accepts: AcceptsToken,
}

impl MachineVerifier {
    /// A verifier for the instance of `client`, accepting every machine token type, verifying
    /// JWT-format tokens with a new [`JwksCache`] for the same client.
    pub fn new(client: Client) -> MachineVerifier {
        let keys = JwksCache::new(client.clone());
        MachineVerifier {
            client,
            machine_secret_key: None,
            keys: Arc::new(keys),
            options: VerifyOptions::default(),
            accepts: AcceptsToken::Any,
        }
    }

    /// Uses `keys` for JWT-format tokens — share your [`JwksCache`] with session verification,
    /// or pass the networkless PEM key as [`StaticKeys`](super::StaticKeys).
    #[must_use]
    pub fn with_keys(mut self, keys: impl AsyncKeySource + 'static) -> MachineVerifier {
        self.keys = Arc::new(keys);
        self
    }

    /// Authenticates `POST /m2m_tokens/verify` with this machine secret key instead of the
    /// client's secret key (as `@clerk/backend`'s `machineSecretKey`).
    ///
    /// # Errors
    ///
    /// [`clerk_core::ConfigError`] if the key is empty or cannot be sent in a header.
    pub fn machine_secret_key(
        mut self,
        key: impl Into<String>,
    ) -> Result<MachineVerifier, clerk_core::ConfigError> {
        let key = SecretKey::new(key)?;
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", key.expose_secret())).map_err(|_| {
                clerk_core::ConfigError::InvalidSecretKey {
                    reason: "the key cannot be sent in an HTTP header",
                }
            })?;
        value.set_sensitive(true);
        self.machine_secret_key = Some(value);
        Ok(self)
    }

    /// The options for JWT-format tokens (audience, issuer, leeway, clock). The authorized-party
    /// check does not apply to machine tokens.
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
        let (path, body, not_found) = match kind {
            TokenKind::M2mOpaque => (
                "/m2m_tokens/verify",
                json!({ "token": token }),
                "Machine token not found",
            ),
            TokenKind::ApiKey => (
                "/api_keys/verify",
                json!({ "secret": token }),
                "API key not found",
            ),
            _ => (
                "/oauth_applications/access_tokens/verify",
                json!({ "access_token": token }),
                "OAuth token not found",
            ),
        };
        let mut request = Request::new(Method::POST, path)
            .versioned(false)
            .json(&body);
        if let (TokenKind::M2mOpaque, Some(key)) = (kind, &self.machine_secret_key) {
            request = request.header(AUTHORIZATION, key.clone());
        }
        let response: Verified = self
            .client
            .execute(request)
            .await
            .map_err(|e| api_error(&e, not_found).with_token_type(Some(token_type)))?;
        response.check_audience(kind, self.options.audience_list())?;
        response.into_auth(token_type)
    }
}

/// Maps a Backend API failure as `@clerk/backend` does.
fn api_error(error: &clerk_core::Error, not_found: &'static str) -> MachineTokenError {
    let status = error.status();
    match status {
        Some(401) => {
            let message = error
                .api_error()
                .and_then(|api| api.first_error())
                .map(|e| e.message.clone())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "Invalid secret key".to_owned());
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

/// The fields of the verify endpoints' responses that matter here (M2M token, API key, OAuth
/// access token, or `{"active": false}`).
#[derive(Deserialize)]
struct Verified {
    #[serde(default)]
    id: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    claims: Option<Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    revoked: Option<bool>,
    #[serde(default)]
    expired: Option<bool>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    expiration: Option<f64>,
    #[serde(default)]
    active: Option<bool>,
    /// The audience, when the response carries one (OAuth access tokens).
    #[serde(default)]
    aud: Option<Value>,
}

impl Verified {
    /// The audience check, when an audience is configured.
    ///
    /// OAuth access tokens follow the OAuth rule of JWT-format OAuth tokens: the response must
    /// carry an `aud` (a non-empty string or list of non-empty strings) that contains one of the
    /// configured values. For M2M tokens and API keys an `aud` found at the top level or in
    /// `claims` is checked as a JWT's `aud` is (a token without one is not checked).
    fn check_audience(
        &self,
        kind: TokenKind,
        expected: &[String],
    ) -> Result<(), MachineTokenError> {
        if expected.is_empty() || self.active == Some(false) {
            return Ok(());
        }
        let token_type = kind.token_type();
        let aud = self.aud.as_ref().filter(|aud| !aud.is_null()).or_else(|| {
            self.claims
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

    fn into_auth(self, token_type: TokenType) -> Result<MachineAuth, MachineTokenError> {
        let invalid = |message: &'static str| {
            Err(
                MachineTokenError::new(MachineErrorCode::TokenInvalid, message)
                    .with_token_type(Some(token_type))
                    .with_status(Some(200)),
            )
        };
        if self.active == Some(false) {
            return invalid("The token is not active.");
        }
        if self.revoked == Some(true) {
            return invalid("The token has been revoked.");
        }
        if self.expired == Some(true) {
            return invalid("The token has expired.");
        }
        if self.id.is_empty() || self.subject.is_empty() {
            return Err(MachineTokenError::new(
                MachineErrorCode::UnexpectedError,
                "Unexpected error: the verification response has no token id or subject.",
            )
            .with_token_type(Some(token_type))
            .with_status(Some(200)));
        }
        let claims = match (self.claims, self.client_id) {
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
        let expiration = self
            .expiration
            .filter(|ms| ms.is_finite())
            .map(|ms| (ms / 1000.0).floor() as i64);
        Ok(MachineAuth::new(
            token_type,
            self.id,
            self.subject,
            self.scopes.unwrap_or_default(),
        )
        .with_claims(claims)
        .with_name(self.name)
        .with_expiration(expiration))
    }
}

impl fmt::Debug for MachineVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineVerifier")
            .field("client", &self.client)
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "***"),
            )
            .field("options", &self.options)
            .field("accepts", &self.accepts)
            .finish_non_exhaustive()
    }
}
