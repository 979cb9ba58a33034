//! Hand-written additions beside the generated operations:
//!
//! - composite helpers the reference SDK offers on top of single operations
//!   ([`GetUserListRequest::with_total_count`], [`SessionsApi::get_token`]);
//! - the endpoints `@clerk/backend` calls that the OpenAPI spec does not describe (handshake
//!   payload, session verification, invitation deletion, the domain change beta, experimental
//!   emails and accountless applications). Their responses are typed where the shape is known
//!   and raw JSON where it is not.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use clerk_core::{Client, Error, Method, Request};
use http::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::Clerk;
use crate::beta_features::BetaFeaturesApi;
use crate::clients::ClientsApi;
use crate::invitations::InvitationsApi;
use crate::models::{DeletedObject, Session, User};
use crate::sessions::{CreateSessionTokenResponse, SessionsApi};
use crate::users::GetUserListRequest;

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// A page of users together with the number of users matching the same filters, as the
/// reference SDK's `getUserList` returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UserListWithCount {
    /// The users of the requested page.
    pub data: Vec<User>,
    /// How many users match the filters in total (from `GET /users/count`); the same type as
    /// [`Page::total_count`](clerk_core::Page::total_count) carries.
    pub total_count: u64,
}

impl GetUserListRequest {
    /// Sends `GET /users` and `GET /users/count` (same filters, without `limit`, `offset` and
    /// `order_by`) concurrently and returns the page with the total count.
    ///
    /// # Errors
    ///
    /// The first error of either request.
    pub async fn with_total_count(self) -> Result<UserListWithCount, Error> {
        let count = self.count_request();
        let (page, count) = futures_util::future::join(self.send(), count.send()).await;
        Ok(UserListWithCount {
            data: page?.data,
            // A negative count cannot be a number of users.
            total_count: u64::try_from(count?.total_count).unwrap_or(0),
        })
    }
}

/// Builder for the session-token helper; see [`SessionsApi::get_token`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct GetSessionTokenRequest {
    sessions: SessionsApi,
    session_id: String,
    template: Option<String>,
    expires_in_seconds: Option<i64>,
    timeouts: clerk_core::CallTimeouts,
}

impl SessionsApi {
    /// A session token for `session_id`: the default session token
    /// (`POST /sessions/{id}/tokens`), or with [`template`](GetSessionTokenRequest::template)
    /// one from that JWT template (`POST /sessions/{id}/tokens/{template}`). This is the
    /// reference SDK's `sessions.getToken`.
    pub fn get_token(&self, session_id: impl Into<String>) -> GetSessionTokenRequest {
        GetSessionTokenRequest {
            sessions: self.clone(),
            session_id: session_id.into(),
            template: None,
            expires_in_seconds: None,
            timeouts: clerk_core::CallTimeouts::default(),
        }
    }

    /// Verifies a session token against a session: `POST /sessions/{session_id}/verify` with
    /// `{"token": …}`. Set the token with [`token`](VerifySessionRequest::token) (required).
    ///
    /// Not described by the OpenAPI spec; `@clerk/backend` calls it as `sessions.verifySession`.
    pub fn verify(&self, session_id: impl Into<String>) -> VerifySessionRequest {
        VerifySessionRequest(
            RawRequest::new(
                self.client.clone(),
                Request::new(Method::POST, "/sessions/{session_id}/verify")
                    .path_param("session_id", session_id.into()),
            )
            .with_body(&["token"]),
        )
    }
}

/// Builder for `POST /sessions/{session_id}/verify`; see [`SessionsApi::verify`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct VerifySessionRequest(RawRequest<Session>);

impl VerifySessionRequest {
    /// Sets the session token to verify (required: sending without it fails with
    /// [`Error::InvalidRequest`] before any I/O).
    pub fn token(self, token: impl Into<String>) -> Self {
        Self(self.0.member("token", token.into()))
    }
}

raw_builder!(VerifySessionRequest => Session);

impl GetSessionTokenRequest {
    /// Mints the token from this JWT template (by name) instead of the default session token.
    pub fn template(mut self, name: impl Into<String>) -> Self {
        self.template = Some(name.into());
        self
    }

    /// Sets the token's lifetime in seconds (`expires_in_seconds`).
    pub fn expires_in_seconds(mut self, seconds: i64) -> Self {
        self.expires_in_seconds = Some(seconds);
        self
    }

    /// The time allowed for each attempt of this call, instead of the client's
    /// `attempt_timeout`.
    pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeouts.attempt = Some(timeout);
        self
    }

    /// The time allowed for this whole call, retries included, instead of the client's
    /// `call_timeout`.
    pub fn call_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeouts.call = Some(timeout);
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] when Clerk refuses (unknown session or template), and the transport errors.
    pub async fn send(self) -> Result<CreateSessionTokenResponse, Error> {
        match self.template {
            Some(template) => {
                let mut request = self
                    .sessions
                    .create_token_from_template(self.session_id)
                    .template_name(template);
                request.timeouts = self.timeouts;
                if let Some(seconds) = self.expires_in_seconds {
                    request = request.expires_in_seconds(seconds);
                }
                request.send().await.map(|t| CreateSessionTokenResponse {
                    object: t.object,
                    jwt: t.jwt,
                })
            }
            None => {
                let mut request = self.sessions.create_token(self.session_id);
                request.timeouts = self.timeouts;
                if let Some(seconds) = self.expires_in_seconds {
                    request = request.expires_in_seconds(seconds);
                }
                request.send().await
            }
        }
    }
}

impl IntoFuture for GetSessionTokenRequest {
    type Output = Result<CreateSessionTokenResponse, Error>;
    type IntoFuture = BoxFuture<CreateSessionTokenResponse>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A request to an endpoint the spec does not describe, decoding the answer into `T`.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct RawRequest<T> {
    client: Client,
    request: Request,
    /// A JSON object body built member by member, encoded at send; `None` when the request
    /// carries its body (or none) already.
    body: Option<serde_json::Map<String, serde_json::Value>>,
    /// Members of `body` that must be set before sending.
    required: &'static [&'static str],
    /// Why the request cannot be sent, found while building it; reported at send, before I/O.
    invalid: Option<String>,
    _output: std::marker::PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned + Send + 'static> RawRequest<T> {
    fn new(client: Client, request: Request) -> Self {
        Self {
            client,
            request,
            body: None,
            required: &[],
            invalid: None,
            _output: std::marker::PhantomData,
        }
    }

    /// Gives the request a JSON object body, filled by [`RawRequest::member`]; `required` lists
    /// the members that must be set.
    fn with_body(mut self, required: &'static [&'static str]) -> Self {
        self.body = Some(serde_json::Map::new());
        self.required = required;
        self
    }

    /// Sets one member of the JSON object body.
    fn member(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.body
            .get_or_insert_with(serde_json::Map::new)
            .insert(key.to_owned(), value.into());
        self
    }

    /// Marks the request as not sendable; [`RawRequest::send`] fails with `message`.
    fn invalid(mut self, message: impl Into<String>) -> Self {
        self.invalid.get_or_insert_with(|| message.into());
        self
    }

    /// The time allowed for each attempt of this call, instead of the client's
    /// `attempt_timeout`.
    pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request = self.request.attempt_timeout(timeout);
        self
    }

    /// The time allowed for this whole call, retries included, instead of the client's
    /// `call_timeout`.
    pub fn call_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request = self.request.call_timeout(timeout);
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] when Clerk answers with an error status, and the transport, timeout,
    /// decode and invalid-request errors described on [`Error`].
    pub async fn send(self) -> Result<T, Error> {
        if let Some(message) = self.invalid {
            return Err(Error::invalid_argument(message));
        }
        let mut request = self.request;
        if let Some(body) = self.body {
            for name in self.required {
                request = request.require(name, body.contains_key(*name));
            }
            request = request.json(&body);
        }
        self.client.execute(request).await
    }
}

/// Timeouts, `send` and `IntoFuture` of a hand-written builder wrapping a [`RawRequest`].
macro_rules! raw_builder {
    ($builder:ident => $output:ty) => {
        impl $builder {
            /// The time allowed for each attempt of this call, instead of the client's
            /// `attempt_timeout`.
            pub fn attempt_timeout(self, timeout: std::time::Duration) -> Self {
                Self(self.0.attempt_timeout(timeout))
            }

            /// The time allowed for this whole call, retries included, instead of the client's
            /// `call_timeout`.
            pub fn call_timeout(self, timeout: std::time::Duration) -> Self {
                Self(self.0.call_timeout(timeout))
            }

            /// Sends the request.
            ///
            /// # Errors
            ///
            /// [`Error::InvalidRequest`] before any I/O when a required value is missing or a
            /// value is malformed; [`Error::Api`] when Clerk answers with an error status; and
            /// the transport, timeout and decode errors described on [`Error`].
            pub async fn send(self) -> Result<$output, Error> {
                self.0.send().await
            }
        }

        crate::macros::into_future!($builder => $output);
    };
}
use raw_builder;

impl<T: serde::de::DeserializeOwned + Send + 'static> IntoFuture for RawRequest<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<T>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// The answer of [`ClientsApi::handshake_payload`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HandshakePayload {
    /// `Set-Cookie` directives to apply.
    #[serde(default)]
    pub directives: Vec<String>,
}

/// The directives carry session tokens, so `Debug` shows only how many there are.
impl std::fmt::Debug for HandshakePayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandshakePayload")
            .field(
                "directives",
                &format_args!("[{} × ***]", self.directives.len()),
            )
            .finish()
    }
}

impl ClientsApi {
    /// The handshake payload for a nonce: `GET /clients/handshake_payload?nonce=…`.
    ///
    /// Not described by the OpenAPI spec; used by request authentication's nonce handshake.
    pub fn handshake_payload(&self, nonce: impl Into<String>) -> RawRequest<HandshakePayload> {
        RawRequest::new(
            self.client.clone(),
            Request::new(Method::GET, "/clients/handshake_payload").query("nonce", nonce.into()),
        )
    }
}

impl InvitationsApi {
    /// Deletes an invitation: `DELETE /invitations/{invitation_id}`.
    ///
    /// Not described by the OpenAPI spec; `@clerk/backend` calls it as
    /// `invitations.deleteInvitation`.
    pub fn delete(&self, invitation_id: impl Into<String>) -> RawRequest<DeletedObject> {
        RawRequest::new(
            self.client.clone(),
            Request::new(Method::DELETE, "/invitations/{invitation_id}")
                .path_param("invitation_id", invitation_id.into()),
        )
    }
}

impl BetaFeaturesApi {
    /// Changes the production instance's domain: `POST /beta_features/change_domain` with
    /// `{"home_url": …, "is_secondary": …}`.
    ///
    /// Not described by the OpenAPI spec (which has `instance().change_domain()` instead);
    /// `@clerk/backend` calls it as `betaFeatures.changeDomain`.
    pub fn change_domain(&self, home_url: impl Into<String>) -> ChangeDomainRequest {
        ChangeDomainRequest(
            RawRequest::new(
                self.client.clone(),
                Request::new(Method::POST, "/beta_features/change_domain"),
            )
            .with_body(&["home_url"])
            .member("home_url", home_url.into()),
        )
    }
}

/// Builder for `POST /beta_features/change_domain`; see [`BetaFeaturesApi::change_domain`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ChangeDomainRequest(RawRequest<()>);

impl ChangeDomainRequest {
    /// Sets `is_secondary`: whether the new domain is a secondary one.
    pub fn is_secondary(self, value: bool) -> Self {
        Self(self.0.member("is_secondary", value))
    }
}

raw_builder!(ChangeDomainRequest => ());

/// Handle for the experimental email endpoints, from [`Clerk::emails`].
#[derive(Clone, Debug)]
pub struct EmailsApi {
    client: Client,
}

/// Handle for the accountless-application endpoints, from [`Clerk::accountless_applications`].
#[derive(Clone, Debug)]
pub struct AccountlessApplicationsApi {
    client: Client,
}

impl Clerk {
    /// Experimental email sending (`/email`), not described by the OpenAPI spec.
    pub fn emails(&self) -> EmailsApi {
        EmailsApi {
            client: self.client().clone(),
        }
    }

    /// Accountless applications (`/accountless_applications`), not described by the spec.
    pub fn accountless_applications(&self) -> AccountlessApplicationsApi {
        AccountlessApplicationsApi {
            client: self.client().clone(),
        }
    }
}

/// Checks an idempotency key the way Clerk does: 1–255 ASCII letters, digits, `_` or `-`.
fn idempotency_header(key: &str) -> Option<HeaderValue> {
    let valid = !key.is_empty()
        && key.len() <= 255
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        HeaderValue::from_str(key).ok()
    } else {
        None
    }
}

impl EmailsApi {
    /// Sends one email: `POST /email` with the message as given (`to`, `subject`, `body`, …);
    /// [`idempotency_key`](SendEmailRequest::idempotency_key) adds an `Idempotency-Key` header.
    pub fn create(&self, message: serde_json::Value) -> SendEmailRequest {
        SendEmailRequest(RawRequest::new(
            self.client.clone(),
            Request::new(Method::POST, "/email").json(&message),
        ))
    }

    /// Sends 1 to 100 emails at once: `POST /email/batch` with `{"messages": […]}`. A batch
    /// of another size fails with [`Error::InvalidRequest`] when sent, before any I/O.
    pub fn create_batch(&self, messages: Vec<serde_json::Value>) -> RawRequest<serde_json::Value> {
        let count = messages.len();
        let request = RawRequest::new(
            self.client.clone(),
            Request::new(Method::POST, "/email/batch")
                .json(&serde_json::json!({ "messages": messages })),
        );
        if (1..=100).contains(&count) {
            request
        } else {
            request.invalid(format!(
                "a batch must contain between 1 and 100 messages, not {count}"
            ))
        }
    }

    /// Fetches a sent email: `GET /email/{email_id}`.
    pub fn get(&self, email_id: impl Into<String>) -> RawRequest<serde_json::Value> {
        RawRequest::new(
            self.client.clone(),
            Request::new(Method::GET, "/email/{email_id}").path_param("email_id", email_id.into()),
        )
    }
}

/// Builder for `POST /email`; see [`EmailsApi::create`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct SendEmailRequest(RawRequest<serde_json::Value>);

impl SendEmailRequest {
    /// Sends the `Idempotency-Key` header, so that Clerk sends the email once however often the
    /// request is repeated. Clerk takes 1 to 255 ASCII letters, digits, `_` or `-`; another key
    /// fails with [`Error::InvalidRequest`] when sent, before any I/O.
    pub fn idempotency_key(self, key: &str) -> Self {
        match idempotency_header(key) {
            Some(value) => {
                let mut inner = self.0;
                inner.request = inner
                    .request
                    .header(HeaderName::from_static("idempotency-key"), value);
                Self(inner)
            }
            None => Self(self.0.invalid(
                "idempotency key must be 1 to 255 ASCII letters, digits, underscores or hyphens",
            )),
        }
    }
}

raw_builder!(SendEmailRequest => serde_json::Value);

impl AccountlessApplicationsApi {
    /// Creates an accountless application: `POST /accountless_applications`.
    ///
    /// Returns a builder: set [`source`](AccountlessApplicationRequest::source) if you like, then
    /// `.await` it.
    pub fn create(&self) -> AccountlessApplicationRequest {
        AccountlessApplicationRequest::new(self.client.clone(), "/accountless_applications")
    }

    /// Completes an accountless application's onboarding:
    /// `POST /accountless_applications/complete`.
    ///
    /// Returns a builder like [`create`](Self::create).
    pub fn complete_onboarding(&self) -> AccountlessApplicationRequest {
        AccountlessApplicationRequest::new(
            self.client.clone(),
            "/accountless_applications/complete",
        )
    }
}

/// An accountless application: a development instance created without an account, to be claimed
/// later (`@clerk/backend`'s `AccountlessApplication`). The spec does not describe it.
///
/// `Debug` shows neither the secret key nor the claim URL (whoever opens it claims the
/// application).
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AccountlessApplication {
    /// `accountless_application`.
    #[serde(default)]
    pub object: String,
    /// The instance's publishable key (`pk_test_…`).
    #[serde(default)]
    pub publishable_key: String,
    /// The instance's secret key (`sk_test_…`).
    #[serde(default)]
    pub secret_key: String,
    /// Where the application is claimed into an account.
    #[serde(default)]
    pub claim_url: String,
    /// Where the instance's API keys are shown once claimed.
    #[serde(default)]
    pub api_keys_url: String,
    /// Members this SDK version does not know.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for AccountlessApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountlessApplication")
            .field("object", &self.object)
            .field("publishable_key", &self.publishable_key)
            .field("secret_key", &crate::macros::Redacted)
            .field("claim_url", &crate::macros::Redacted)
            .field("api_keys_url", &self.api_keys_url)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Builder for the accountless-application calls of [`AccountlessApplicationsApi`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct AccountlessApplicationRequest {
    client: Client,
    path: &'static str,
    source: Option<String>,
    timeouts: clerk_core::CallTimeouts,
}

impl AccountlessApplicationRequest {
    fn new(client: Client, path: &'static str) -> Self {
        Self {
            client,
            path,
            source: None,
            timeouts: clerk_core::CallTimeouts::default(),
        }
    }

    /// The time allowed for each attempt of this call, instead of the client's
    /// `attempt_timeout`.
    pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeouts.attempt = Some(timeout);
        self
    }

    /// The time allowed for this whole call, retries included, instead of the client's
    /// `call_timeout`.
    pub fn call_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeouts.call = Some(timeout);
        self
    }

    /// Sets the `source` query parameter: what is asking for the application (the reference
    /// SDK's `source` option, e.g. a framework SDK's name and version).
    pub fn source(mut self, value: impl Into<String>) -> Self {
        self.source = Some(value.into());
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] when Clerk answers with an error status, and the transport, timeout,
    /// decode and invalid-request errors described on [`Error`].
    pub async fn send(self) -> Result<AccountlessApplication, Error> {
        let request = Request::new(Method::POST, self.path)
            .query("source", &self.source)
            .timeouts(self.timeouts);
        self.client.execute(request).await
    }
}

impl IntoFuture for AccountlessApplicationRequest {
    type Output = Result<AccountlessApplication, Error>;
    type IntoFuture = BoxFuture<AccountlessApplication>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
