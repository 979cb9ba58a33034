//! [`VerifiedWebhook`]: a verified, decoded Clerk webhook event as an actix-web extractor.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, HeaderMap};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use clerk_auth::webhooks::{WebhookError, WebhookEvent};
use futures_core::Stream;

use super::convert::headers;
use crate::Clerk;

/// The largest body [`VerifiedWebhook`] reads (1 MiB, as the axum extractor); Clerk's events
/// are far smaller.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An extractor for a verified, decoded Clerk webhook event (features `actix-web` and
/// `webhooks`): the actix counterpart of the axum `VerifiedWebhook`.
///
/// Reads the raw body (up to [`MAX_BODY_BYTES`], whatever the app's `PayloadConfig`), verifies
/// it with [`Clerk::verify_webhook`] — the client's
/// [`webhook_signing_secret`](crate::ClerkBuilder::webhook_signing_secret) — and decodes it.
/// **The client must be in the app data as `web::Data<Clerk>`**
/// (`.app_data(web::Data::new(clerk.clone()))`); without it the extractor answers 500. It
/// consumes the body, so take no other body extractor in the same handler. The route needs no
/// [`ClerkMiddleware`](super::ClerkMiddleware).
///
/// The handler runs for every authentic, fresh delivery whose body is JSON — including events
/// that do not decode into their type
/// ([`WebhookEventData::Undecoded`](clerk_auth::webhooks::WebhookEventData::Undecoded)) and
/// event types this SDK does not know. Rejections ([`WebhookRejection`]) answer with the axum
/// extractor's JSON body `{"error": "<message>", "reason": "<code>"}` and status 401 for a
/// signature or timestamp that does not check out, 400 for missing or malformed headers and for
/// a verified body that is not JSON at all, 413 for a body over [`MAX_BODY_BYTES`], and 500 when
/// the client or its signing secret is missing.
///
/// ```no_run
/// use actix_web::{App, HttpServer, web};
/// use clerk::actix::VerifiedWebhook;
/// use clerk::auth::webhooks::WebhookEventData;
///
/// async fn receive(VerifiedWebhook(event): VerifiedWebhook) -> &'static str {
///     if let WebhookEventData::UserCreated(user) = &event.data {
///         // store `user.id`, …
///     }
///     "ok"
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let clerk = clerk::Clerk::from_env()?; // CLERK_WEBHOOK_SIGNING_SECRET=whsec_…
/// HttpServer::new(move || {
///     App::new()
///         .app_data(web::Data::new(clerk.clone()))
///         .route("/webhooks/clerk", web::post().to(receive))
/// })
/// .bind(("127.0.0.1", 3000))?
/// .run()
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedWebhook(pub WebhookEvent);

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl FromRequest for VerifiedWebhook {
    type Error = WebhookRejection;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let clerk = request
            .app_data::<web::Data<Clerk>>()
            .map(|data| Clerk::clone(data));
        let declared = declared_length(request.headers());
        let headers = headers(request.headers());
        let mut payload = payload.take();
        Box::pin(async move {
            let clerk = clerk.ok_or(WebhookRejection::MissingClient)?;
            if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
                return Err(WebhookRejection::BodyTooLarge {
                    limit: MAX_BODY_BYTES,
                });
            }
            let body = read_body(&mut payload, declared).await?;
            clerk
                .verify_webhook(&headers, &body)
                .map(VerifiedWebhook)
                .map_err(WebhookRejection::Webhook)
        })
    }
}

/// The whole body, refusing it as soon as it grows past the limit.
async fn read_body(
    payload: &mut Payload,
    declared: Option<usize>,
) -> Result<Vec<u8>, WebhookRejection> {
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(MAX_BODY_BYTES));
    while let Some(chunk) = poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await {
        let chunk = chunk.map_err(|_| WebhookRejection::BodyUnreadable)?;
        if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
            return Err(WebhookRejection::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(CONTENT_LENGTH)?
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
    /// No `web::Data<Clerk>` is in the app data (500): the server's configuration problem.
    MissingClient,
    /// Verification or decoding failed (401 for signature and timestamp failures, 500 for a
    /// missing or unusable signing secret, 400 for the others).
    Webhook(WebhookError),
}

impl WebhookRejection {
    /// The status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookRejection::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookRejection::BodyUnreadable => StatusCode::BAD_REQUEST,
            WebhookRejection::MissingClient => StatusCode::INTERNAL_SERVER_ERROR,
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

    /// The `reason` of the error body: [`WebhookError::code`], `body_too_large`,
    /// `body_unreadable` or `clerk_client_missing`.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookRejection::BodyTooLarge { .. } => "body_too_large",
            WebhookRejection::BodyUnreadable => "body_unreadable",
            WebhookRejection::MissingClient => "clerk_client_missing",
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
            WebhookRejection::MissingClient => f.write_str(
                "no Clerk client in the app data: register it with \
                 `.app_data(web::Data::new(clerk))`",
            ),
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

impl ResponseError for WebhookRejection {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({
            "error": self.to_string(),
            "reason": self.code(),
        });
        HttpResponse::build(self.status())
            .content_type("application/json")
            .body(body.to_string())
    }
}
