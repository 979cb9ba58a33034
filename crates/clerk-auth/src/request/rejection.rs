//! [`AuthRejection`]: why a route refused a request, shared by the framework integrations (axum
//! here, actix-web in the `clerk` crate), and what a response may say about it.
//!
//! By default a refused request learns only that it is not authenticated: the reason and the
//! message (which can name the configured authorized parties, issuers or key ids) stay in the
//! [`RequestState`] and in the rejection value, for the application and its logs. Turn on
//! [`AuthenticateOptions::expose_details`](super::AuthenticateOptions::expose_details) while
//! developing to send them back, in the `x-clerk-auth-*` headers and the 401 body.

use std::fmt;

use http::{HeaderMap, StatusCode};

use super::state::RequestState;
use crate::auth::Auth;

/// Put in a request's extensions by the layer (or middleware) when its options expose
/// authentication details; extractors read it to decide what a rejection's body says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExposeAuthDetails;

/// Why an extractor or guard refused a request.
///
/// Answers with a JSON body `{"error": "<message>", "reason": "<reason>"}`: 401 for a signed-out
/// request, 403 for a failed check (`forbidden`), 500 when no authentication layer ran
/// (`clerk-auth-layer-missing`). For a 401 the body says only `not authenticated` /
/// `unauthenticated` unless details are exposed; the value itself always carries them
/// ([`reason`](AuthRejection::reason), [`message`](AuthRejection::message), `Display`), for logs.
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
        /// Whether the response may show `reason` and `message`.
        expose: bool,
    },
    /// Authenticated, but a [`Check`](crate::Check) failed (403).
    Forbidden,
    /// No authentication layer or middleware ran before the extractor (500): the route is
    /// misconfigured, which signing in again would not fix.
    MissingLayer,
}

impl AuthRejection {
    /// The rejection of a request whose stored authentication is not enough: from its [`Auth`]
    /// and [`RequestState`] (`None` for both when no layer ran), and whether the layer exposes
    /// details.
    pub fn unauthenticated(
        auth: Option<&Auth>,
        state: Option<&RequestState>,
        expose: bool,
    ) -> AuthRejection {
        let Some(auth) = auth else {
            return AuthRejection::MissingLayer;
        };
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
                expose,
            },
            _ => AuthRejection::Unauthorized {
                reason: reason.unwrap_or_else(|| "signed-out".to_owned()),
                message,
                expose,
            },
        }
    }

    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthRejection::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AuthRejection::Forbidden => StatusCode::FORBIDDEN,
            AuthRejection::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The reason, for logs: the request state's (`token-expired`, …), `forbidden` or
    /// `clerk-auth-layer-missing`. A 401 body shows it only when details are exposed.
    pub fn reason(&self) -> &str {
        match self {
            AuthRejection::Unauthorized { reason, .. } => reason,
            AuthRejection::Forbidden => "forbidden",
            AuthRejection::MissingLayer => "clerk-auth-layer-missing",
        }
    }

    /// The description of a 401, for logs.
    pub fn message(&self) -> Option<&str> {
        match self {
            AuthRejection::Unauthorized { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The JSON body of the response.
    pub fn body(&self) -> String {
        let (error, reason) = match self {
            AuthRejection::Unauthorized { expose: false, .. } => {
                ("not authenticated".to_owned(), "unauthenticated")
            }
            other => (other.to_string(), other.reason()),
        };
        serde_json::json!({ "error": error, "reason": reason }).to_string()
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
            AuthRejection::MissingLayer => {
                f.write_str("the Clerk authentication layer is not installed on this route")
            }
        }
    }
}

impl std::error::Error for AuthRejection {}

/// The headers of a request state that a response may carry: all of them when `expose`, else
/// all but the `x-clerk-auth-*` debug headers (`Location`, `Set-Cookie` and `Cache-Control`
/// always go through).
pub fn response_headers(state: &RequestState, expose: bool) -> HeaderMap {
    let mut headers = state.headers().clone();
    if !expose {
        for name in [
            "x-clerk-auth-status",
            "x-clerk-auth-reason",
            "x-clerk-auth-message",
        ] {
            headers.remove(name);
        }
    }
    headers
}
