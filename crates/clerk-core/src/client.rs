//! [`Client`]: sends [`Request`]s with retries, timeouts and tracing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::Instrument;
use tracing::field::Empty;

use crate::config::{ClientBuilder, Config};
use crate::error::{ApiError, Error, TimeoutError, TimeoutKind};
use crate::request::Request;
use crate::response::{RawResponse, decode_json};
use crate::retry::{self, Decision};
use crate::transport::Transport;
use crate::transport::TransportError;
use clerk_clock::Clock;

/// The Clerk Backend API client.
///
/// Cheap to clone (an `Arc` inside) and `Send + Sync`: build one and share it. Requests need a
/// Tokio runtime with the time driver enabled.
///
/// `Debug` shows the configuration with the secret key redacted.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
}

impl Client {
    /// A client with the given secret key and default options.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if the key is empty or cannot be sent in a header (or the default TLS
    /// setup fails).
    pub fn new(secret_key: impl Into<String>) -> Result<Client, Error> {
        Client::builder().secret_key(secret_key).build()
    }

    /// A client configured from the environment: `CLERK_SECRET_KEY` and, if set, `CLERK_API_URL`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `CLERK_SECRET_KEY` is missing or invalid, `CLERK_API_URL` is invalid,
    /// or a variable is not valid Unicode.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder for all options.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(
        config: Config,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                config,
                transport,
                clock,
            }),
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Sends a request (with retries, timeout and tracing) and decodes a 2xx body into `T`.
    ///
    /// A `204` or empty body decodes as JSON `null`, so `T = ()` or `Option<_>` work for bodiless
    /// responses. Any `Content-Type` is decoded as JSON (including
    /// `application/json; charset=utf-8`).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidRequest`] before any I/O for an invalid path parameter or body;
    /// - [`Error::Api`] for a non-2xx response (after retries, when retryable);
    /// - [`Error::Transport`] / [`Error::Timeout`] when no response could be obtained;
    /// - [`Error::Decode`] when the body does not match `T`.
    pub async fn execute<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let response = self.execute_ref(&request).await?;
        decode_json(response.status(), response.headers(), response.body())
            .map_err(|error| Error::from(error).with_operation(&request.operation()))
    }

    /// Sends a request like [`Client::execute`] but returns the raw 2xx response.
    ///
    /// # Errors
    ///
    /// As [`Client::execute`], except [`Error::Decode`].
    pub async fn execute_raw(&self, request: Request) -> Result<RawResponse, Error> {
        self.execute_ref(&request).await
    }

    /// [`Client::execute_raw`] on a borrowed request, so that callers decoding the answer can
    /// name the operation in their errors; the [`Operation`](crate::Operation) is built only
    /// when there is an error to name.
    pub(crate) async fn execute_ref(&self, request: &Request) -> Result<RawResponse, Error> {
        let span = tracing::debug_span!(
            "clerk.request",
            method = %request.method(),
            path = request.path_template(),
            status = Empty,
            attempt = Empty,
            attempts = Empty,
            duration_ms = Empty,
        );
        self.send(request, span.clone())
            .instrument(span)
            .await
            .map_err(|error| error.with_operation(&request.operation()))
    }

    async fn send(&self, request: &Request, span: tracing::Span) -> Result<RawResponse, Error> {
        let config = &self.inner.config;
        let clock = &self.inner.clock;
        let policy = config.retry_policy();
        let timeouts = request.get_timeouts();
        let attempt_timeout = timeouts.attempt.unwrap_or(config.attempt_timeout());
        let call_timeout = timeouts.call.unwrap_or(config.call_timeout());
        let max_body = config.max_response_body();
        let prepared = request.prepare(config)?;
        let idempotent = retry::is_idempotent(&prepared.method);
        let start = clock.now();
        let elapsed = || clock.now().saturating_duration_since(start);
        let mut attempt: u32 = 0;

        loop {
            attempt = attempt.saturating_add(1);
            span.record("attempt", attempt);
            // Strict budget: an attempt gets its own timeout or what is left of the call's,
            // whichever is shorter.
            let remaining = call_timeout.saturating_sub(elapsed());
            let this_timeout = attempt_timeout.min(remaining);
            let outcome =
                tokio::time::timeout(this_timeout, self.inner.transport.send(prepared.to_http()))
                    .await;

            let (error, decision, reason) = match outcome {
                Ok(Ok(response)) if response.body().len() > max_body => {
                    // A transport that does not enforce the limit itself.
                    let error = TransportError::response_too_large(max_body).with_attempts(attempt);
                    record_end(&span, elapsed(), attempt);
                    return Err(Error::Transport(error));
                }
                Ok(Ok(response)) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if status.is_success() {
                        record_end(&span, elapsed(), attempt);
                        return Ok(RawResponse::from(response));
                    }
                    let api = ApiError::from_response(status, response.headers(), response.body())
                        .with_attempts(attempt);
                    let decision = retry::for_status(
                        policy,
                        api.status().as_u16(),
                        api.retry_after(),
                        idempotent,
                    );
                    (Error::from(api), decision, "status")
                }
                Ok(Err(transport_error)) => {
                    let decision = retry::for_transport(transport_error.kind(), idempotent);
                    (
                        Error::Transport(transport_error.with_attempts(attempt)),
                        decision,
                        "transport",
                    )
                }
                Err(_elapsed) => {
                    let (kind, limit) = if this_timeout < attempt_timeout {
                        (TimeoutKind::Call, call_timeout)
                    } else {
                        (TimeoutKind::Attempt, attempt_timeout)
                    };
                    // At least the timeout that ran out (a manual clock does not move on its own).
                    let took = elapsed().max(this_timeout);
                    let error = TimeoutError::new(kind, limit, took, attempt);
                    let decision = match kind {
                        TimeoutKind::Call => Decision::Stop,
                        _ => retry::for_timeout(idempotent),
                    };
                    (Error::Timeout(error), decision, "timeout")
                }
            };

            let delay = match decision {
                Decision::Stop => None,
                Decision::Retry(_) if attempt >= policy.max_attempts() => None,
                Decision::Retry(Some(server_delay)) => Some(server_delay),
                Decision::Retry(None) => Some(policy.backoff_with_jitter(attempt)),
            };
            let Some(delay) = delay else {
                record_end(&span, elapsed(), attempt);
                return Err(error);
            };
            // No wait starts that would leave no time for the next attempt.
            if elapsed().saturating_add(delay) >= call_timeout {
                tracing::debug!(
                    attempt,
                    delay_ms = millis(delay),
                    call_timeout_ms = millis(call_timeout),
                    "not retrying Clerk API request: the call's time budget is spent"
                );
                record_end(&span, elapsed(), attempt);
                return Err(error);
            }
            tracing::debug!(
                attempt,
                reason,
                status = error.status().map(|status| status.as_u16()),
                delay_ms = millis(delay),
                "retrying Clerk API request"
            );
            clock.sleep(delay).await;
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Records how the call ended: its duration and the number of attempts it made.
fn record_end(span: &tracing::Span, elapsed: Duration, attempts: u32) {
    span.record("duration_ms", millis(elapsed));
    span.record("attempts", attempts);
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
