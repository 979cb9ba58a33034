//! Glue between remote verification and request authentication (features `remote` + `request`):
//! a [`SessionTokenVerifier`] over a [`JwksCache`], and [`MachineVerifier`] as the
//! [`MachineTokenVerifier`] hook. (The handshake nonce and session refresh calls are the
//! [`HandshakeNonceResolver`](crate::request::HandshakeNonceResolver) and
//! [`SessionRefresher`](crate::request::SessionRefresher) traits, which the `clerk` crate's client
//! implements.)

use std::time::Duration;

use crate::auth::{MachineAuth, TokenType};
use crate::claims::SessionClaims;
use crate::error::VerifyError;
use crate::jwt::VerifyOptions;
use crate::machine::MachineTokenError;
use crate::request::verifier::{finish_handshake, prepare_handshake};
use crate::request::{BoxFuture, MachineTokenVerifier, SessionTokenVerifier};

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
