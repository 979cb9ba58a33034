//! The Backend API calls `clerk-auth` asks for, made with the generated client: each call exists
//! once, in `clerk-api`, and the traits of `clerk-auth` are implemented here on top of it.

use std::fmt;
use std::time::Duration;

use clerk_api::sessions::RefreshSessionFormat;
use clerk_auth::BoxFuture;
use clerk_auth::JwkSet;
use clerk_auth::machine::TokenKind;
use clerk_auth::remote::{
    BackendError, BackendErrorKind, JwksFetcher, MachineTokenApi, MachineTokenResponse,
    SessionTokenApi,
};
use clerk_auth::request::{HandshakeNonceResolver, RefreshError, RefreshRequest, SessionRefresher};
use clerk_core::{Error, SecretKey};

/// The Backend API, as `clerk-auth` needs it: the JWKS, the machine-token verify endpoints,
/// session tokens, handshake nonces and session refresh.
///
/// [`Clerk`](crate::Clerk) wires one into everything it builds; get it with
/// [`Clerk::auth_backend`](crate::Clerk::auth_backend) to assemble `clerk-auth` pieces yourself
/// (a [`JwksCache`](clerk_auth::remote::JwksCache), a
/// [`MachineVerifier`](clerk_auth::remote::MachineVerifier), request-authentication options).
/// Cheap to clone.
#[derive(Clone)]
pub struct AuthBackend {
    api: clerk_api::Clerk,
    machine_secret_key: Option<SecretKey>,
    jwks_timeout: Duration,
}

impl AuthBackend {
    pub(crate) fn new(
        api: clerk_api::Clerk,
        machine_secret_key: Option<SecretKey>,
        jwks_timeout: Duration,
    ) -> AuthBackend {
        AuthBackend {
            api,
            machine_secret_key,
            jwks_timeout,
        }
    }
}

impl fmt::Debug for AuthBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthBackend")
            .field("api_url", &self.api.client().config().api_url())
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// What `clerk-auth` is told about a failed call: the status, the first Clerk error, or what
/// failed on the way. Never a secret.
pub(crate) fn backend_error(error: &Error) -> BackendError {
    match error {
        Error::Api(api) => {
            let first = api.first_error();
            BackendError::api(
                api.status().as_u16(),
                first.map(|e| e.code.clone()),
                first
                    .map(|e| e.message.clone())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| error.to_string()),
            )
        }
        Error::Transport(_) => BackendError::new(BackendErrorKind::Network, error.to_string()),
        Error::Timeout(_) => BackendError::new(BackendErrorKind::Timeout, error.to_string()),
        Error::Decode(decode) => BackendError::new(BackendErrorKind::Decode, error.to_string())
            .with_status(Some(decode.status().as_u16())),
        _ => BackendError::new(BackendErrorKind::Other, error.to_string()),
    }
}

impl JwksFetcher for AuthBackend {
    fn fetch_jwks(&self) -> BoxFuture<'_, Result<JwkSet, BackendError>> {
        Box::pin(async move {
            // Its own short budget, whatever the API calls' settings.
            self.api
                .jwks()
                .get()
                .attempt_timeout(self.jwks_timeout)
                .call_timeout(self.jwks_timeout)
                .send_as::<JwkSet>()
                .await
                .map_err(|e| backend_error(&e))
        })
    }

    fn jwks_location(&self) -> String {
        let config = self.api.client().config();
        format!("{}/{}/jwks", config.api_url(), config.api_version())
    }
}

impl MachineTokenApi for AuthBackend {
    fn verify_opaque_token<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<MachineTokenResponse, BackendError>> {
        Box::pin(async move {
            let result = match kind {
                TokenKind::M2mOpaque => {
                    let request = self.api.m2m_tokens().verify(token);
                    match &self.machine_secret_key {
                        Some(key) => request.machine_secret_key(key.clone()),
                        None => request,
                    }
                    .send_as::<MachineTokenResponse>()
                    .await
                }
                TokenKind::ApiKey => self.api.api_keys().verify(token).send_as().await,
                TokenKind::OAuthOpaque => {
                    self.api
                        .oauth_access_tokens()
                        .verify()
                        .access_token(token)
                        .send_as()
                        .await
                }
                _ => {
                    return Err(BackendError::new(
                        BackendErrorKind::Other,
                        "only opaque machine tokens are verified through the Backend API",
                    ));
                }
            };
            result.map_err(|e| backend_error(&e))
        })
    }
}

impl SessionTokenApi for AuthBackend {
    fn create_session_token<'a>(
        &'a self,
        session_id: &'a str,
        template: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, BackendError>> {
        Box::pin(async move {
            let request = self.api.sessions().get_token(session_id);
            match template {
                Some(template) => request.template(template),
                None => request,
            }
            .send()
            .await
            .map_err(|e| backend_error(&e))?
            .jwt
            .ok_or_else(|| {
                BackendError::new(
                    BackendErrorKind::Decode,
                    "the session token answer has no `jwt`",
                )
                .with_status(Some(200))
            })
        })
    }
}

impl HandshakeNonceResolver for AuthBackend {
    fn resolve<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<Vec<String>, String>> {
        Box::pin(async move {
            self.api
                .clients()
                .handshake_payload(nonce)
                .send()
                .await
                .map(|payload| payload.directives)
                .map_err(|error| error.to_string())
        })
    }
}

/// The answer of a session refresh, read leniently: the `Set-Cookie` values.
#[derive(serde::Deserialize)]
struct RefreshedCookies {
    #[serde(default)]
    cookies: Vec<String>,
}

impl SessionRefresher for AuthBackend {
    fn refresh<'a>(
        &'a self,
        session_id: &'a str,
        request: RefreshRequest<'a>,
        suffixed_cookies: bool,
    ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>> {
        Box::pin(async move {
            let headers = match serde_json::to_value(&request.request_headers) {
                Ok(headers) => headers,
                Err(error) => {
                    return Err(RefreshError::new(
                        RefreshError::UNEXPECTED_SDK_ERROR,
                        error.to_string(),
                    ));
                }
            };
            let mut call = self
                .api
                .sessions()
                .refresh(session_id)
                .expired_token(request.expired_token)
                .refresh_token(request.refresh_token)
                .request_origin(request.request_origin)
                .format(RefreshSessionFormat::Cookie)
                .request_headers(headers);
            if suffixed_cookies {
                call = call.suffixed_cookies(true);
            }
            call.send_as::<RefreshedCookies>()
                .await
                .map(|answer| answer.cookies)
                .map_err(|error| refresh_error(&error))
        })
    }
}

/// Maps a refresh failure to the reason `@clerk/backend` reports: a network failure or timeout,
/// or the Backend API's `unexpected_error`, is `fetch-error`; another Backend API error is its
/// first Clerk error code (such as `refresh_token_invalid`), or `unexpected-bapi-error` without
/// one; anything else (such as an undecodable answer) is `unexpected-bapi-error`.
fn refresh_error(error: &Error) -> RefreshError {
    let reason = match error {
        Error::Transport(_) | Error::Timeout(_) => RefreshError::FETCH_ERROR.to_owned(),
        Error::Api(api) => match api.first_code() {
            Some("unexpected_error") => RefreshError::FETCH_ERROR.to_owned(),
            Some(code) if !code.is_empty() => code.to_owned(),
            _ => RefreshError::UNEXPECTED_BAPI_ERROR.to_owned(),
        },
        _ => RefreshError::UNEXPECTED_BAPI_ERROR.to_owned(),
    };
    RefreshError::new(reason, error.to_string())
}
