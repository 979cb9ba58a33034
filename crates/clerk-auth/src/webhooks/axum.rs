//! axum integration: the [`VerifiedWebhook`] extractor.
//!
//! Put a [`Webhook`] in your router state (directly, or as a field of your state with a
//! [`FromRef`] impl) and take [`VerifiedWebhook`] as the last handler argument: the handler runs
//! for every authentic, fresh delivery whose body is JSON — including events that do not decode
//! into their type ([`WebhookEventData::Undecoded`](super::WebhookEventData::Undecoded)) and
//! event types this SDK does not know.
//!
//! ```no_run
//! use axum::{Router, routing::post};
//! use clerk_auth::webhooks::axum::VerifiedWebhook;
//! use clerk_auth::webhooks::{Webhook, WebhookEventData};
//!
//! async fn receive(VerifiedWebhook(event): VerifiedWebhook) {
//!     if let WebhookEventData::UserCreated(user) = &event.data {
//!         // store `user.id`, …
//!     }
//! }
//!
//! # fn app() -> Result<Router, clerk_auth::webhooks::WebhookError> {
//! let app = Router::new()
//!     .route("/webhooks/clerk", post(receive))
//!     .with_state(Webhook::from_env()?);
//! # Ok(app)
//! # }
//! ```
//!
//! Failures are answered with a JSON body `{"error": "<message>", "reason": "<code>"}` and
//! status 401 for a signature or timestamp that does not check out, 400 for missing or malformed
//! headers and for a verified body that is not JSON at all, and 413 for a body over
//! [`MAX_BODY_BYTES`].

use std::fmt;

use ::axum::body::{Body, Bytes};
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use super::{Webhook, WebhookError, WebhookEvent};

/// The largest body [`VerifiedWebhook`] reads (1 MiB); Clerk's events are far smaller.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An extractor for a verified, decoded Clerk webhook event.
///
/// Reads the raw body (up to [`MAX_BODY_BYTES`]), verifies it with the [`Webhook`] obtained from
/// the router state through [`FromRef`], and decodes it. It consumes the body, so it must be the
/// last extractor of a handler. Rejections are [`WebhookRejection`]s.
#[derive(Debug, Clone)]
pub struct VerifiedWebhook(pub WebhookEvent);

impl<S> FromRequest<S> for VerifiedWebhook
where
    Webhook: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let webhook = Webhook::from_ref(state);
        let (parts, body) = request.into_parts();
        if declared_length(&parts.headers).is_some_and(|length| length > MAX_BODY_BYTES) {
            return Err(WebhookRejection::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let body = read_body(body).await?;
        webhook
            .verify_and_parse(&parts.headers, &body)
            .map(VerifiedWebhook)
            .map_err(WebhookRejection::Webhook)
    }
}

async fn read_body(body: Body) -> Result<Bytes, WebhookRejection> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(WebhookRejection::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            })
        }
        Err(_) => Err(WebhookRejection::BodyUnreadable),
    }
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Why [`VerifiedWebhook`] rejected a request; it answers with a JSON error body.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The body is larger than the limit (413).
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read from the connection (400).
    BodyUnreadable,
    /// Verification or decoding failed (401 for signature and timestamp failures, 400 for the
    /// others).
    Webhook(WebhookError),
}

impl WebhookRejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookRejection::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookRejection::BodyUnreadable => StatusCode::BAD_REQUEST,
            WebhookRejection::Webhook(error) if error.is_authentication_failure() => {
                StatusCode::UNAUTHORIZED
            }
            // A bad secret is the server's configuration problem, not the sender's.
            WebhookRejection::Webhook(WebhookError::InvalidSecret(_)) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            WebhookRejection::Webhook(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The `reason` of the error body: [`WebhookError::code`], `body_too_large` or
    /// `body_unreadable`.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookRejection::BodyTooLarge { .. } => "body_too_large",
            WebhookRejection::BodyUnreadable => "body_unreadable",
            WebhookRejection::Webhook(error) => error.code(),
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookRejection::BodyTooLarge { limit } => {
                write!(f, "webhook body is larger than {limit} bytes")
            }
            WebhookRejection::BodyUnreadable => f.write_str("webhook body could not be read"),
            WebhookRejection::Webhook(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebhookRejection::Webhook(error) => Some(error),
            _ => None,
        }
    }
}

impl From<WebhookError> for WebhookRejection {
    fn from(error: WebhookError) -> Self {
        WebhookRejection::Webhook(error)
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.to_string(),
            "reason": self.code(),
        });
        let mut response = (self.status(), body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
