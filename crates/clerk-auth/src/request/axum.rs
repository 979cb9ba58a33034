//! axum extractors for requests authenticated by
//! [`ClerkAuthLayer`](super::tower::ClerkAuthLayer): [`RequireAuth`], [`MaybeAuth`], and the
//! [`RequireAuth::require`] guard for [`Auth::has`] checks.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use clerk_auth::Check;
//! use clerk_auth::request::axum::{AuthRejection, MaybeAuth, RequireAuth};
//! use clerk_auth::request::tower::ClerkAuthLayer;
//!
//! async fn me(RequireAuth(auth): RequireAuth) -> String {
//!     format!("hello {}", auth.user_id().unwrap_or("machine"))
//! }
//!
//! async fn invoices(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
//!     auth.require(&Check::permission("org:invoices:read"))?;
//!     Ok("the invoices")
//! }
//!
//! async fn home(MaybeAuth(auth): MaybeAuth) -> &'static str {
//!     if auth.is_signed_in() { "welcome back" } else { "welcome" }
//! }
//!
//! fn app(layer: ClerkAuthLayer) -> Router {
//!     Router::new()
//!         .route("/", get(home))
//!         .route("/me", get(me))
//!         .route("/invoices", get(invoices))
//!         .layer(layer)
//! }
//! ```
//!
//! Rejections answer with a JSON body `{"error": "<message>", "reason": "<reason>"}`: 401 for a
//! signed-out request, 403 for a failed check (`forbidden`), and 500 if the layer is missing
//! (`clerk-auth-layer-missing`). A 401 says only `unauthenticated` unless the layer's options
//! [expose details](super::AuthenticateOptions::expose_details); then its reason is the request
//! state's, such as `session-token-and-uat-missing` or
//! `session-token-expired-refresh-non-eligible-no-refresh-cookie`. The rejection value always
//! has them, for logs.

use ::axum::extract::{FromRequestParts, OptionalFromRequestParts};
use ::axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, header};

use super::rejection::ExposeAuthDetails;
use super::state::RequestState;
use crate::auth::{Auth, Check};

/// The authentication state of a request, which must be authenticated (a signed-in user, or a
/// machine when the layer accepts machine tokens). Rejects with [`AuthRejection::Unauthorized`].
#[derive(Clone, Debug)]
pub struct RequireAuth(pub Auth);

/// The authentication state of a request, signed in or not. Only rejects when the layer is
/// missing.
#[derive(Clone, Debug)]
pub struct MaybeAuth(pub Auth);

pub use super::rejection::AuthRejection;

fn rejection(parts: &Parts) -> AuthRejection {
    AuthRejection::unauthenticated(
        parts.extensions.get::<Auth>(),
        parts.extensions.get::<RequestState>(),
        parts.extensions.get::<ExposeAuthDetails>().is_some(),
    )
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.body()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl RequireAuth {
    /// Passes if the signed-in user satisfies `check` ([`Auth::has`]), else
    /// [`AuthRejection::Forbidden`].
    ///
    /// # Errors
    ///
    /// [`AuthRejection::Forbidden`] when the check fails.
    pub fn require(&self, check: &Check<'_>) -> Result<(), AuthRejection> {
        if self.0.has(check) {
            Ok(())
        } else {
            Err(AuthRejection::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(auth) if auth.is_authenticated() => Ok(RequireAuth(auth.clone())),
            _ => Err(rejection(parts)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequireAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(auth) if auth.is_authenticated() => Ok(Some(RequireAuth(auth.clone()))),
            Some(_) => Ok(None),
            None => Err(AuthRejection::MissingLayer),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .cloned()
            .map(MaybeAuth)
            .ok_or(AuthRejection::MissingLayer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestState {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestState>()
            .cloned()
            .ok_or(AuthRejection::MissingLayer)
    }
}
