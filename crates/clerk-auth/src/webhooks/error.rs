//! The error type of webhook verification and parsing.

use std::time::Duration;

/// Why a webhook could not be verified or parsed.
///
/// No variant ever contains the signing secret or a signature from the request, so errors are
/// safe to log and to return to the sender.
///
/// [`code`](WebhookError::code) gives a stable snake_case name for each variant, and
/// [`is_authentication_failure`](WebhookError::is_authentication_failure) tells a forged or stale
/// request apart from a malformed one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header (`svix-id`, `svix-timestamp`, `svix-signature`, or their `webhook-*`
    /// equivalents) is absent or empty. Holds the header's name.
    #[error("missing or empty webhook header `{0}`")]
    MissingHeader(&'static str),
    /// A value that must go into a header (a message id given to
    /// [`Webhook::headers`](super::Webhook::headers)) is not a valid header value. Holds the
    /// header's name.
    #[error("invalid value for webhook header `{0}`")]
    InvalidHeader(&'static str),
    /// The timestamp header is not a whole number of seconds since the Unix epoch.
    #[error("webhook timestamp is not a whole number of seconds since the Unix epoch")]
    InvalidTimestamp,
    /// The timestamp is further in the past than the tolerance allows (a stale or replayed
    /// message).
    #[error(
        "webhook timestamp {timestamp} is more than {}s older than the current time {now}",
        tolerance.as_secs()
    )]
    TimestampTooOld {
        /// The message's timestamp, in seconds since the Unix epoch.
        timestamp: i64,
        /// The verifier's clock, in seconds since the Unix epoch.
        now: i64,
        /// The tolerance that was exceeded.
        tolerance: Duration,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error(
        "webhook timestamp {timestamp} is more than {}s ahead of the current time {now}",
        tolerance.as_secs()
    )]
    TimestampTooNew {
        /// The message's timestamp, in seconds since the Unix epoch.
        timestamp: i64,
        /// The verifier's clock, in seconds since the Unix epoch.
        now: i64,
        /// The tolerance that was exceeded.
        tolerance: Duration,
    },
    /// No `v1` signature in the signature header matches the message: it was not signed with
    /// this secret, or the id, timestamp or body were altered.
    #[error("no webhook signature matches the message")]
    NoMatchingSignature,
    /// The signing secret is unusable. Holds the reason, never the secret.
    #[error("invalid webhook signing secret: {0}")]
    InvalidSecret(&'static str),
    /// The verified body is not a Clerk webhook event this SDK can decode. Holds the decoder's
    /// message, with the path of the offending field when there is one.
    #[error("webhook payload is not a valid Clerk event: {0}")]
    InvalidPayload(String),
}

impl WebhookError {
    /// A stable snake_case name for the kind of failure, for logs, metrics and error bodies:
    /// `missing_header`, `invalid_header`, `invalid_timestamp`, `timestamp_too_old`,
    /// `timestamp_too_new`, `no_matching_signature`, `invalid_secret` or `invalid_payload`.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader(_) => "missing_header",
            WebhookError::InvalidHeader(_) => "invalid_header",
            WebhookError::InvalidTimestamp => "invalid_timestamp",
            WebhookError::TimestampTooOld { .. } => "timestamp_too_old",
            WebhookError::TimestampTooNew { .. } => "timestamp_too_new",
            WebhookError::NoMatchingSignature => "no_matching_signature",
            WebhookError::InvalidSecret(_) => "invalid_secret",
            WebhookError::InvalidPayload(_) => "invalid_payload",
        }
    }

    /// `true` when the request is well formed but not authentic or no longer fresh (no matching
    /// signature, or a timestamp outside the tolerance): HTTP 401 territory rather than 400.
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            WebhookError::NoMatchingSignature
                | WebhookError::TimestampTooOld { .. }
                | WebhookError::TimestampTooNew { .. }
        )
    }
}
