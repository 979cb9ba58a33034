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
//! signed-out request (the reason is the request state's, such as `session-token-and-uat-missing`
//! or `token-expired`), 403 for a failed check (`forbidden`), and 500 if the layer is missing
//! (`clerk-auth-layer-missing`).

use std::fmt;

use ::axum::extract::{FromRequestParts, OptionalFromRequestParts};
use ::axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};

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

/// Why an extractor or guard refused a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// Not authenticated (401).
    Unauthorized {
        /// The request state's reason, such as `token-expired`.
        reason: String,
        /// A description, when there is one.
        message: Option<String>,
    },
    /// Authenticated, but a [`Check`] failed (403).
    Forbidden,
    /// No [`ClerkAuthLayer`](super::tower::ClerkAuthLayer) ran before the extractor (500).
    MissingLayer,
}

impl AuthRejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthRejection::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AuthRejection::Forbidden => StatusCode::FORBIDDEN,
            AuthRejection::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `reason` of the JSON body.
    pub fn reason(&self) -> &str {
        match self {
            AuthRejection::Unauthorized { reason, .. } => reason,
            AuthRejection::Forbidden => "forbidden",
            AuthRejection::MissingLayer => "clerk-auth-layer-missing",
        }
    }

    fn from_parts(parts: &Parts) -> AuthRejection {
        let Some(auth) = parts.extensions.get::<Auth>() else {
            return AuthRejection::MissingLayer;
        };
        let state = parts.extensions.get::<RequestState>();
        // The request state's reason is the more precise (`session-token-expired-refresh-…`);
        // a signed-in state whose `Auth` is signed out (a pending session) has none.
        let reason = state
            .and_then(|state| state.reason())
            .map(|r| r.as_str().to_owned());
        let message = state.and_then(|state| state.message()).map(str::to_owned);
        match auth {
            Auth::SignedOut(signed_out) => AuthRejection::Unauthorized {
                reason: reason.unwrap_or_else(|| signed_out.reason().as_str().to_owned()),
                message: message.or_else(|| signed_out.message().map(str::to_owned)),
            },
            _ => AuthRejection::Unauthorized {
                reason: reason.unwrap_or_else(|| "signed-out".to_owned()),
                message,
            },
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthRejection::Unauthorized {
                message: Some(message),
                ..
            } => {
                write!(f, "not authenticated: {message}")
            }
            AuthRejection::Unauthorized { reason, .. } => write!(f, "not authenticated ({reason})"),
            AuthRejection::Forbidden => f.write_str("not allowed"),
            AuthRejection::MissingLayer => {
                f.write_str("the Clerk authentication layer is not installed on this route")
            }
        }
    }
}

impl std::error::Error for AuthRejection {}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.to_string(),
            "reason": self.reason(),
        });
        let mut response = (self.status(), body.to_string()).into_response();
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
            _ => Err(AuthRejection::from_parts(parts)),
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
