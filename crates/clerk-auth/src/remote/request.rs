//! Glue between remote verification and request authentication (features `remote` + `request`):
//! a [`SessionTokenVerifier`] over a [`JwksCache`], [`MachineVerifier`] as the
//! [`MachineTokenVerifier`] hook, and a [`HandshakeNonceResolver`] that asks the Backend API.

use std::time::Duration;

use clerk_core::{Client, Method, Request};
use serde::Deserialize;

use crate::auth::{MachineAuth, TokenType};
use crate::claims::SessionClaims;
use crate::error::VerifyError;
use crate::jwt::{self, VerifyOptions};
use crate::machine::MachineTokenError;
use crate::request::{
    BoxFuture, HandshakeNonceResolver, MachineTokenVerifier, SessionTokenVerifier,
    verify_handshake_token,
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
            let header = jwt::decode_header(token)?;
            let keys = self.cache.keys(header.kid.as_deref()).await?;
            verify_handshake_token(token, &*keys)
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
