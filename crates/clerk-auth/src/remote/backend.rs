//! The Backend API calls this crate needs, as traits: [`JwksFetcher`] (`GET /v1/jwks`),
//! [`MachineTokenApi`] (the three machine-token verify endpoints) and [`SessionTokenApi`]
//! (`POST /v1/sessions/{id}/tokens[/{template}]`), plus the error they report,
//! [`BackendError`].
//!
//! This crate makes no HTTP request itself. The `clerk` crate implements every one of these
//! traits with its generated Backend API client (`clerk::Clerk`), so each call is written once;
//! implement them yourself to use this crate with another HTTP client.

use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::BoxFuture;
use crate::keys::JwkSet;
use crate::machine::TokenKind;

/// What kind of failure a [`BackendError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackendErrorKind {
    /// The request could not be sent or the connection failed.
    Network,
    /// No answer within the time allowed.
    Timeout,
    /// The Backend API answered with an error status.
    Api,
    /// The answer was not what the endpoint's schema describes.
    Decode,
    /// Anything else (a request that could not be built, a missing setting…).
    Other,
}

/// A failed Backend API call, as reported by a [`JwksFetcher`], [`MachineTokenApi`] or
/// [`SessionTokenApi`] implementation.
///
/// It carries what the verification errors of this crate are built from: the HTTP status, the
/// first Clerk error code and message (for [`Api`](BackendErrorKind::Api) failures) or a
/// description. It never holds a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError {
    kind: BackendErrorKind,
    status: Option<u16>,
    code: Option<String>,
    message: String,
}

impl BackendError {
    /// A failure of `kind`, described by `message`.
    pub fn new(kind: BackendErrorKind, message: impl Into<String>) -> BackendError {
        BackendError {
            kind,
            status: None,
            code: None,
            message: message.into(),
        }
    }

    /// An error status from the Backend API, with the first Clerk error's code and message when
    /// the body had them.
    pub fn api(status: u16, code: Option<String>, message: impl Into<String>) -> BackendError {
        BackendError {
            kind: BackendErrorKind::Api,
            status: Some(status),
            code: code.filter(|c| !c.is_empty()),
            message: message.into(),
        }
    }

    /// The same error with an HTTP status (a decode failure of a 200, say).
    #[must_use]
    pub fn with_status(mut self, status: Option<u16>) -> BackendError {
        self.status = status;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> BackendErrorKind {
        self.kind
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The first Clerk error code of an error answer, such as `clerk_key_invalid`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The first Clerk error message of an error answer, or a description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.status, &self.code) {
            (Some(status), Some(code)) => write!(f, "{status} {code}: {}", self.message),
            (Some(status), None) => write!(f, "{status}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for BackendError {}

/// Fetches the instance's JWKS (`GET /v1/jwks`), for [`JwksCache`](super::JwksCache).
pub trait JwksFetcher: Send + Sync {
    /// The instance's current JSON Web Key Set.
    fn fetch_jwks(&self) -> BoxFuture<'_, Result<JwkSet, BackendError>>;

    /// Where the keys come from, for error messages (such as `https://api.clerk.com/v1/jwks`).
    fn jwks_location(&self) -> String {
        "the Clerk Backend API".to_owned()
    }
}

/// Verifies opaque machine tokens through the Backend API, for
/// [`MachineVerifier`](super::MachineVerifier).
pub trait MachineTokenApi: Send + Sync {
    /// Calls the verify endpoint for an opaque token of `kind` (`POST /m2m_tokens/verify` for
    /// [`TokenKind::M2mOpaque`], `POST /api_keys/verify` for [`TokenKind::ApiKey`],
    /// `POST /oauth_applications/access_tokens/verify` for [`TokenKind::OAuthOpaque`]) and
    /// returns its answer.
    fn verify_opaque_token<'a>(
        &'a self,
        kind: TokenKind,
        token: &'a str,
    ) -> BoxFuture<'a, Result<MachineTokenResponse, BackendError>>;
}

/// Mints session tokens through the Backend API, for [`Auth::get_token`](crate::Auth::get_token).
pub trait SessionTokenApi: Send + Sync {
    /// A new session token for `session_id` (`POST /v1/sessions/{id}/tokens`), or one shaped by
    /// the JWT template `template` (`POST /v1/sessions/{id}/tokens/{template}`).
    fn create_session_token<'a>(
        &'a self,
        session_id: &'a str,
        template: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String, BackendError>>;
}

/// The answer of a machine-token verify endpoint: the fields that matter for authentication, read
/// leniently from an M2M token, an API key, an OAuth access token or `{"active": false}`.
///
/// Decode the endpoint's body into it (it implements [`Deserialize`]); every member is optional,
/// and members it does not name are ignored.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MachineTokenResponse {
    /// The token's id (`mt_…`, `ak_…`, `oat_…`).
    #[serde(default)]
    pub id: String,
    /// Who the token authenticates (`mch_…`, `user_…`, `org_…`).
    #[serde(default)]
    pub subject: String,
    /// The granted scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Custom claims.
    #[serde(default)]
    pub claims: Option<Value>,
    /// The API key's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The OAuth application's client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Whether the token was revoked.
    #[serde(default)]
    pub revoked: Option<bool>,
    /// Whether the token expired.
    #[serde(default)]
    pub expired: Option<bool>,
    /// When the token expires, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub expiration: Option<f64>,
    /// `false` for an OAuth access token that is not active.
    #[serde(default)]
    pub active: Option<bool>,
    /// The audience, when the answer carries one (OAuth access tokens).
    #[serde(default)]
    pub aud: Option<Value>,
}
