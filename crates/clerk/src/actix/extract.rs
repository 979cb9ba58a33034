//! [`RequireAuth`] and [`MaybeAuth`]: the authentication state [`ClerkMiddleware`] stored, as
//! actix-web extractors.
//!
//! [`ClerkMiddleware`]: super::ClerkMiddleware

use std::fmt;
use std::future::{Ready, ready};

use actix_web::dev::{Extensions, Payload};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use clerk_auth::request::RequestState;
use clerk_auth::{Auth, Check};

/// The authentication state of a request, which must be authenticated (a signed-in user, or a
/// machine when the middleware accepts machine tokens). Rejects with
/// [`AuthRejection::Unauthorized`] (401), or [`AuthRejection::MissingMiddleware`] (500) when no
/// [`ClerkMiddleware`](super::ClerkMiddleware) ran.
///
/// ```
/// use clerk::actix::{AuthRejection, RequireAuth};
/// use clerk::auth::Check;
///
/// async fn me(RequireAuth(auth): RequireAuth) -> String {
///     auth.user_id().unwrap_or("a machine").to_owned()
/// }
///
/// async fn invoices(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
///     auth.require(&Check::permission("org:invoices:read"))?; // 403 without it
///     Ok("the invoices")
/// }
/// ```
///
/// `Option<RequireAuth>` is `None` for a signed-out request (and when the middleware is missing).
#[derive(Clone, Debug)]
pub struct RequireAuth(pub Auth);

/// The authentication state of a request, signed in or not. Only rejects when no
/// [`ClerkMiddleware`](super::ClerkMiddleware) ran ([`AuthRejection::MissingMiddleware`], 500).
#[derive(Clone, Debug)]
pub struct MaybeAuth(pub Auth);

/// Why an extractor or guard refused a request. Answers with the JSON body
/// `{"error": "<message>", "reason": "<reason>"}` of the axum rejection
/// (`clerk::auth::request::axum::AuthRejection`), with the same statuses and reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// Not authenticated (401).
    Unauthorized {
        /// The request state's reason, such as `token-invalid` or
        /// `session-token-expired-refresh-non-eligible-no-refresh-cookie`.
        reason: String,
        /// A description, when there is one.
        message: Option<String>,
    },
    /// Authenticated, but a [`Check`] failed (403).
    Forbidden,
    /// No [`ClerkMiddleware`](super::ClerkMiddleware) ran before the extractor (500, reason
    /// `clerk-auth-layer-missing`): the route is misconfigured, which signing in again would not
    /// fix.
    MissingMiddleware,
}

impl AuthRejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthRejection::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AuthRejection::Forbidden => StatusCode::FORBIDDEN,
            AuthRejection::MissingMiddleware => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `reason` of the JSON body.
    pub fn reason(&self) -> &str {
        match self {
            AuthRejection::Unauthorized { reason, .. } => reason,
            AuthRejection::Forbidden => "forbidden",
            AuthRejection::MissingMiddleware => "clerk-auth-layer-missing",
        }
    }

    /// The rejection of a request whose stored state is not authenticated.
    fn from_extensions(extensions: &Extensions) -> AuthRejection {
        let Some(auth) = extensions.get::<Auth>() else {
            return AuthRejection::MissingMiddleware;
        };
        let state = extensions.get::<RequestState>();
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
            } => write!(f, "not authenticated: {message}"),
            AuthRejection::Unauthorized { reason, .. } => write!(f, "not authenticated ({reason})"),
            AuthRejection::Forbidden => f.write_str("not allowed"),
            AuthRejection::MissingMiddleware => {
                f.write_str("the Clerk authentication middleware is not installed on this route")
            }
        }
    }
}

impl std::error::Error for AuthRejection {}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({
            "error": self.to_string(),
            "reason": self.reason(),
        });
        HttpResponse::build(self.status())
            .content_type("application/json")
            .body(body.to_string())
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

impl FromRequest for RequireAuth {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let extensions = request.extensions();
        ready(match extensions.get::<Auth>() {
            Some(auth) if auth.is_authenticated() => Ok(RequireAuth(auth.clone())),
            _ => Err(AuthRejection::from_extensions(&extensions)),
        })
    }
}

impl FromRequest for MaybeAuth {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Auth>()
                .cloned()
                .map(MaybeAuth)
                .ok_or(AuthRejection::MissingMiddleware),
        )
    }
}
