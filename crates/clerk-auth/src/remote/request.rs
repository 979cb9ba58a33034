//! Glue between remote verification and request authentication (features `remote` + `request`):
//! a [`SessionTokenVerifier`] over a [`JwksCache`], [`MachineVerifier`] as the
//! [`MachineTokenVerifier`] hook, and a [`HandshakeNonceResolver`] and a [`SessionRefresher`] that
//! ask the Backend API.

use std::time::Duration;

use clerk_core::{Client, Method, Request};
use serde::Deserialize;

use crate::auth::{MachineAuth, TokenType};
use crate::claims::SessionClaims;
use crate::error::VerifyError;
use crate::jwt::VerifyOptions;
use crate::machine::MachineTokenError;
use crate::request::verifier::{finish_handshake, prepare_handshake};
use crate::request::{
    BoxFuture, HandshakeNonceResolver, MachineTokenVerifier, RefreshError, RefreshRequest,
    SessionRefresher, SessionTokenVerifier,
};

use super::{JwksCache, MachineVerifier};

/// Session-token verification for request authentication with the instance's JWKS, fetched and
/// cached by a [`JwksCache`].
#[derive(Debug, Clone)]
pub struct RemoteSessionVerifier {
    cache: JwksCache,
    options: VerifyOptions,
}

impl RemoteSessionVerifier {
    /// Verifies with `cache`'s keys and `options` (authorized parties, audience, clock skew…).
    pub fn new(cache: JwksCache, options: VerifyOptions) -> RemoteSessionVerifier {
        RemoteSessionVerifier { cache, options }
    }

    /// The cache, to share it with a [`MachineVerifier`] or to verify outside requests.
    pub fn cache(&self) -> &JwksCache {
        &self.cache
    }
}

impl SessionTokenVerifier for RemoteSessionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        Box::pin(self.cache.verify(token, &self.options))
    }

    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        Box::pin(async move {
            let options = self.options.clone().leeway(leeway);
            self.cache.verify(token, &options).await
        })
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        Box::pin(async move {
            // A token that could never verify costs no JWKS fetch.
            let prepared = prepare_handshake(token)?;
            prepared.check_payload()?;
            let keys = self.cache.keys(prepared.kid()).await?;
            finish_handshake(prepared, &*keys)
        })
    }
}

impl MachineTokenVerifier for MachineVerifier {
    fn verify<'a>(
        &'a self,
        token: &'a str,
        _token_type: TokenType,
    ) -> BoxFuture<'a, Result<MachineAuth, MachineTokenError>> {
        // The verifier detects the type from the token itself (prefix or JWT shape).
        Box::pin(MachineVerifier::verify(self, token))
    }
}

/// Resolves handshake nonces with `GET /v1/clients/handshake_payload?nonce=…`.
#[derive(Debug, Clone)]
pub struct BackendNonceResolver {
    client: Client,
}

impl BackendNonceResolver {
    /// A resolver that calls the Backend API with `client`'s secret key.
    pub fn new(client: Client) -> BackendNonceResolver {
        BackendNonceResolver { client }
    }
}

#[derive(Deserialize)]
struct HandshakePayload {
    #[serde(default)]
    directives: Vec<String>,
}

impl HandshakeNonceResolver for BackendNonceResolver {
    fn resolve<'a>(&'a self, nonce: &'a str) -> BoxFuture<'a, Result<Vec<String>, String>> {
        Box::pin(async move {
            let request =
                Request::new(Method::GET, "/clients/handshake_payload").query("nonce", nonce);
            self.client
                .execute::<HandshakePayload>(request)
                .await
                .map(|payload| payload.directives)
                .map_err(|err| err.to_string())
        })
    }
}

/// Refreshes expired sessions with `POST /v1/sessions/{session_id}/refresh` (adding
/// `suffixed_cookies=true` to the query for apps on suffixed cookies); set it with
/// [`AuthenticateOptions::session_refresher`](crate::request::AuthenticateOptions::session_refresher).
///
/// Errors: a network failure or timeout, or the Backend API's `unexpected_error`, is
/// `fetch-error`; another Backend API error is its first Clerk error code (such as
/// `refresh_token_invalid`), or `unexpected-bapi-error` without one; anything else (such as an
/// undecodable answer) is `unexpected-bapi-error`.
#[derive(Debug, Clone)]
pub struct BackendSessionRefresher {
    client: Client,
}

impl BackendSessionRefresher {
    /// A refresher that calls the Backend API with `client`'s secret key.
    pub fn new(client: Client) -> BackendSessionRefresher {
        BackendSessionRefresher { client }
    }
}

#[derive(Deserialize)]
struct RefreshedCookies {
    #[serde(default)]
    cookies: Vec<String>,
}

impl SessionRefresher for BackendSessionRefresher {
    fn refresh<'a>(
        &'a self,
        session_id: &'a str,
        request: RefreshRequest<'a>,
        suffixed_cookies: bool,
    ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>> {
        Box::pin(async move {
            let mut call = Request::new(Method::POST, "/sessions/{session_id}/refresh")
                .path_param("session_id", session_id);
            if suffixed_cookies {
                call = call.query("suffixed_cookies", true);
            }
            let call = call.json(&request);
            self.client
                .execute::<RefreshedCookies>(call)
                .await
                .map(|answer| answer.cookies)
                .map_err(|error| refresh_error(&error))
        })
    }
}

/// Maps a Backend API call failure to the refresh reason `@clerk/backend` reports.
fn refresh_error(error: &clerk_core::Error) -> RefreshError {
    let reason = match error {
        clerk_core::Error::Transport(_) | clerk_core::Error::Timeout(_) => {
            RefreshError::FETCH_ERROR.to_owned()
        }
        clerk_core::Error::Api(api) => match api.first_code() {
            Some("unexpected_error") => RefreshError::FETCH_ERROR.to_owned(),
            Some(code) if !code.is_empty() => code.to_owned(),
            _ => RefreshError::UNEXPECTED_BAPI_ERROR.to_owned(),
        },
        _ => RefreshError::UNEXPECTED_BAPI_ERROR.to_owned(),
    };
    RefreshError::new(reason, error.to_string())
}
