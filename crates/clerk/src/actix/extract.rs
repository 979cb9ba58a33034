//! [`RequireAuth`] and [`MaybeAuth`]: the authentication state [`ClerkMiddleware`] stored, as
//! actix-web extractors.
//!
//! [`ClerkMiddleware`]: super::ClerkMiddleware

use std::fmt;
use std::future::{Ready, ready};

use actix_web::dev::{Extensions, Payload};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use clerk_auth::request::{ExposeAuthDetails, RequestState};
use clerk_auth::{Auth, Check};

/// The authentication state of a request, which must be authenticated (a signed-in user, or a
/// machine when the middleware accepts machine tokens). Rejects with
/// an [`AuthRejection`]: 401 when signed out, 500 (`clerk-auth-layer-missing`) when no
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
/// [`ClerkMiddleware`](super::ClerkMiddleware) ran (500, `clerk-auth-layer-missing`).
#[derive(Clone, Debug)]
pub struct MaybeAuth(pub Auth);

/// Why an extractor or guard refused a request: the framework-neutral
/// [`clerk_auth::request::AuthRejection`] as an actix [`ResponseError`], with the same statuses
/// and JSON bodies as the axum extractors. A 401 says only `unauthenticated` unless the
/// middleware's [`RequestOptions`](crate::RequestOptions) expose details; the value keeps the
/// reason and message for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRejection(pub clerk_auth::request::AuthRejection);

impl AuthRejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The reason, for logs (a 401 body shows it only when details are exposed).
    pub fn reason(&self) -> &str {
        self.0.reason()
    }

    /// The rejection of a request whose stored state is not authenticated.
    fn from_extensions(extensions: &Extensions) -> AuthRejection {
        AuthRejection(clerk_auth::request::AuthRejection::unauthenticated(
            extensions.get::<Auth>(),
            extensions.get::<RequestState>(),
            extensions.get::<ExposeAuthDetails>().is_some(),
        ))
    }

    fn missing_middleware() -> AuthRejection {
        AuthRejection(clerk_auth::request::AuthRejection::MissingLayer)
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            clerk_auth::request::AuthRejection::MissingLayer => {
                f.write_str("the Clerk authentication middleware is not installed on this route")
            }
            other => other.fmt(f),
        }
    }
}

impl std::error::Error for AuthRejection {}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = match &self.0 {
            // Name the actix middleware rather than the tower layer.
            clerk_auth::request::AuthRejection::MissingLayer => serde_json::json!({
                "error": self.to_string(),
                "reason": self.reason(),
            })
            .to_string(),
            other => other.body(),
        };
        HttpResponse::build(self.status())
            .content_type("application/json")
            .body(body)
    }
}

impl RequireAuth {
    /// Passes if the signed-in user satisfies `check` ([`Auth::has`]), else
    /// [`Forbidden`](clerk_auth::request::AuthRejection::Forbidden).
    ///
    /// # Errors
    ///
    /// [`Forbidden`](clerk_auth::request::AuthRejection::Forbidden) when the check fails.
    pub fn require(&self, check: &Check<'_>) -> Result<(), AuthRejection> {
        if self.0.has(check) {
            Ok(())
        } else {
            Err(AuthRejection(clerk_auth::request::AuthRejection::Forbidden))
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
                .ok_or_else(AuthRejection::missing_middleware),
        )
    }
}
