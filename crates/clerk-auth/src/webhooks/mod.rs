//! Verifying Clerk webhooks and decoding them into typed events.
//!
//! Clerk delivers webhooks through Svix, which signs each message with the scheme also published
//! as [Standard Webhooks]: an HMAC-SHA256 over `"{id}.{timestamp}.{body}"`, keyed with the
//! endpoint's signing secret (`whsec_…` in the Clerk Dashboard), sent as `v1,<base64>` in a
//! signature header next to the id and timestamp headers.
//!
//! [`Webhook`] checks all of it:
//!
//! - reads `svix-id`, `svix-timestamp` and `svix-signature`, or the `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature` names of the Standard Webhooks spec, header by
//!   header (`@clerk/backend` reads only the `svix-*` names);
//! - rejects timestamps more than five minutes away from its [`Clock`]'s time, either way
//!   ([`Webhook::with_tolerance`] changes that);
//! - accepts the message when any `v1` signature in the header matches (several appear while a
//!   secret is being rotated), ignoring other versions, and compares in constant time;
//! - then decodes the body into a [`WebhookEvent`] whose [`data`](WebhookEvent::data) is a
//!   [`WebhookEventData`] variant chosen by the event's `type`, generated from Clerk's webhooks
//!   OpenAPI spec. An event type this version does not know becomes
//!   [`WebhookEventData::Unknown`] instead of an error. The payloads are `clerk-models`' types,
//!   the Backend API's own wherever both specs describe the object (a `user.created` payload is
//!   the API's `User`). Decoding is lenient — a required field Clerk omits, or sends as `null`,
//!   takes its empty value — and a known event whose `data` still does not decode becomes
//!   [`WebhookEventData::Undecoded`] with the raw `data` and the reason — because an authentic
//!   delivery must reach the application: a receiver that answers 400 gets retried by Svix,
//!   and eventually disabled.
//!
//! Differences from `@clerk/backend`'s `verifyWebhook`, deliberate: it returns the parsed JSON
//! as sent, untyped; here the typed payload may hold those empty values where the delivery had
//! nothing (`""`, `0`, `false`), and fields the SDK does not model are not in it. The body as
//! sent is [`Webhook::verify_and_parse_as::<serde_json::Value>`](Webhook::verify_and_parse_as).
//!
//! Always verify the body exactly as received, before any JSON parsing or re-encoding: the
//! signature covers its bytes.
//!
//! ```
//! use clerk_auth::clock::ManualClock;
//! use clerk_auth::webhooks::{Webhook, WebhookEventData};
//!
//! # fn main() -> Result<(), clerk_auth::webhooks::WebhookError> {
//! // In production: `Webhook::from_env()?`, which reads CLERK_WEBHOOK_SIGNING_SECRET.
//! let webhook = Webhook::new("whsec_ZG9jIGV4YW1wbGUga2V5LCBub3QgYSByZWFsIG9uZSE=")?
//!     .with_clock(ManualClock::at_unix(1_700_000_000));
//!
//! // What an incoming request carries (built here with the signing helper).
//! let body = br#"{"type":"user.deleted","object":"event","instance_id":"ins_1",
//!     "timestamp":1700000000,"data":{"object":"user","id":"user_1","deleted":true}}"#;
//! let headers = webhook.headers("msg_1", 1_700_000_000, body)?;
//!
//! let event = webhook.verify_and_parse(&headers, body)?;
//! match &event.data {
//!     WebhookEventData::UserDeleted(deleted) => assert_eq!(deleted.id.as_deref(), Some("user_1")),
//!     other => println!("ignoring {}", other.event_type()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! With the `axum` feature, the `webhooks::axum::VerifiedWebhook` extractor does all of this for
//! axum handlers.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/
//! [`Clock`]: crate::clock::Clock

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue};
use ring::hmac;

use crate::clock::{Clock, SystemClock};

#[cfg(feature = "axum")]
pub mod axum;
mod error;
mod event;
#[path = "generated/events.rs"]
pub mod events;

pub use error::WebhookError;
pub use event::{EventAttributes, HttpRequest, WebhookEvent};
pub use events::WebhookEventData;

/// The environment variable [`Webhook::from_env`] reads.
pub const SIGNING_SECRET_ENV: &str = "CLERK_WEBHOOK_SIGNING_SECRET";

static SVIX_ID: HeaderName = HeaderName::from_static("svix-id");
static SVIX_TIMESTAMP: HeaderName = HeaderName::from_static("svix-timestamp");
static SVIX_SIGNATURE: HeaderName = HeaderName::from_static("svix-signature");
static WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
static WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
static WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

/// The only signature version this scheme defines (HMAC-SHA256).
const SIGNATURE_VERSION: &[u8] = b"v1";
/// The length of an HMAC-SHA256 tag in padded standard base64.
const ENCODED_TAG_LEN: usize = 44;
// `tags_match` compares four bytes at a time.
const _: () = assert!(ENCODED_TAG_LEN % 4 == 0);

/// Verifies Clerk (Svix / Standard Webhooks) webhook signatures with one signing secret.
///
/// Build it once (the key is prepared at construction) and share it: it is cheap to clone and
/// `Send + Sync`. `Debug` never shows the secret.
///
/// See the [module documentation](self) for the scheme and an example.
#[derive(Clone)]
pub struct Webhook {
    key: hmac::Key,
    tolerance: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("secret", &crate::Redacted)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// How far a message's timestamp may be from the current time, either way, by default.
    pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

    /// A verifier for the signing secret shown in the Clerk Dashboard.
    ///
    /// Accepts the secret with its `whsec_` prefix or without it (the bare standard-base64 key).
    /// Surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the secret is empty or not valid standard base64
    /// (padded). The error never contains the secret.
    pub fn new(signing_secret: impl AsRef<str>) -> Result<Self, WebhookError> {
        let secret = signing_secret.as_ref().trim();
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        if encoded.is_empty() {
            return Err(WebhookError::InvalidSecret("the signing secret is empty"));
        }
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret("the signing secret is not valid base64"))?;
        if key.is_empty() {
            return Err(WebhookError::InvalidSecret("the signing secret is empty"));
        }
        Ok(Webhook {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            tolerance: Self::DEFAULT_TOLERANCE,
            clock: Arc::new(SystemClock),
        })
    }

    /// A verifier for the secret in the `CLERK_WEBHOOK_SIGNING_SECRET` environment variable.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidSecret`] when the variable is unset, not Unicode, empty, or not a
    /// valid secret (see [`Webhook::new`]).
    pub fn from_env() -> Result<Self, WebhookError> {
        match std::env::var(SIGNING_SECRET_ENV) {
            Ok(secret) => Webhook::new(secret),
            Err(std::env::VarError::NotPresent) => Err(WebhookError::InvalidSecret(
                "CLERK_WEBHOOK_SIGNING_SECRET is not set",
            )),
            Err(std::env::VarError::NotUnicode(_)) => Err(WebhookError::InvalidSecret(
                "CLERK_WEBHOOK_SIGNING_SECRET is not valid Unicode",
            )),
        }
    }

    /// Sets how far a message's timestamp may be from the current time, in either direction.
    /// Whole seconds count; a timestamp exactly at the limit is accepted.
    ///
    /// Defaults to [`Webhook::DEFAULT_TOLERANCE`] (five minutes), as in Svix's libraries.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the clock that timestamps are checked against.
    ///
    /// Defaults to [`SystemClock`]; tests use [`ManualClock`](crate::clock::ManualClock).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The tolerance set by [`Webhook::with_tolerance`].
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Checks the signature and timestamp of a webhook request.
    ///
    /// `body` must be the raw request body, byte for byte. Headers are looked up under their
    /// `svix-*` names first, then under their `webhook-*` names.
    ///
    /// # Errors
    ///
    /// - [`WebhookError::MissingHeader`] when the id, timestamp or signature header is absent
    ///   or empty;
    /// - [`WebhookError::InvalidTimestamp`] when the timestamp is not a plain non-negative
    ///   integer of seconds (no sign, fraction or leading zero; `@clerk/backend` would truncate
    ///   `1700000000.9`, this rejects it);
    /// - [`WebhookError::TimestampTooOld`] / [`WebhookError::TimestampTooNew`] when it is
    ///   outside the tolerance;
    /// - [`WebhookError::NoMatchingSignature`] when no `v1` signature matches.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        let id = header(headers, &SVIX_ID, &WEBHOOK_ID);
        let timestamp = header(headers, &SVIX_TIMESTAMP, &WEBHOOK_TIMESTAMP);
        let signatures = header(headers, &SVIX_SIGNATURE, &WEBHOOK_SIGNATURE);
        match (id, timestamp, signatures) {
            (Some(id), Some(timestamp), Some(signatures)) => {
                self.verify_bytes(id, timestamp, signatures, body)
            }
            (id, timestamp, _) => Err(WebhookError::MissingHeader(missing_header_name(
                headers,
                id.is_none(),
                timestamp.is_none(),
            ))),
        }
    }

    /// [`Webhook::verify`] for frameworks without [`http`] types: pass the values of the id,
    /// timestamp and signature headers (`svix-id`, `svix-timestamp`, `svix-signature`, or their
    /// `webhook-*` equivalents) and the raw body.
    ///
    /// # Errors
    ///
    /// As [`Webhook::verify`]; an empty value is reported as a missing `svix-*` header.
    pub fn verify_raw(
        &self,
        id: &str,
        timestamp: &str,
        signature_header: &str,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let id = present(id).ok_or(WebhookError::MissingHeader("svix-id"))?;
        let timestamp = present(timestamp).ok_or(WebhookError::MissingHeader("svix-timestamp"))?;
        let signatures =
            present(signature_header).ok_or(WebhookError::MissingHeader("svix-signature"))?;
        self.verify_bytes(id, timestamp, signatures, body)
    }

    /// [`Webhook::verify`], then decodes the body into a typed [`WebhookEvent`].
    ///
    /// # Errors
    ///
    /// The errors of [`Webhook::verify`], and [`WebhookError::InvalidPayload`] when the verified
    /// body is not JSON at all. Anything else authentic is an event: decoding is lenient (see
    /// [`WebhookEvent`]), and a known event type whose `data` still cannot be decoded is
    /// [`WebhookEventData::Undecoded`], with the raw `data`
    /// and the reason, so that Clerk never retries (and eventually disables the endpoint for) a
    /// delivery the application could have taken.
    pub fn verify_and_parse(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(headers, body)?;
        WebhookEvent::from_slice(body)
    }

    /// [`Webhook::verify`], then decodes the body into a type of your own — the whole body as a
    /// [`serde_json::Value`], or a struct for the fields you use. Strict: the type decides what
    /// is accepted.
    ///
    /// ```
    /// # use clerk_auth::clock::ManualClock;
    /// # use clerk_auth::webhooks::Webhook;
    /// # fn main() -> Result<(), clerk_auth::webhooks::WebhookError> {
    /// # let webhook = Webhook::new("whsec_ZG9jIGV4YW1wbGUga2V5LCBub3QgYSByZWFsIG9uZSE=")?
    /// #     .with_clock(ManualClock::at_unix(1_700_000_000));
    /// # let body = br#"{"type":"user.deleted","instance_id":"ins_1","timestamp":1700000000,"data":{"id":"user_1"}}"#;
    /// # let headers = webhook.headers("msg_1", 1_700_000_000, body)?;
    /// let whole: serde_json::Value = webhook.verify_and_parse_as(&headers, body)?;
    /// assert_eq!(whole["data"]["id"], "user_1");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`Webhook::verify`], and [`WebhookError::InvalidPayload`] when the body
    /// does not decode into `T` (the message names the failing field's path, never its value).
    pub fn verify_and_parse_as<T: serde::de::DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<T, WebhookError> {
        self.verify(headers, body)?;
        serde_json::from_slice(body).map_err(|error| {
            let mut deserializer = serde_json::Deserializer::from_slice(body);
            match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                Err(tracked) => WebhookError::InvalidPayload(format!(
                    "{}: {}",
                    tracked.path(),
                    event::without_values(&tracked.inner().to_string())
                )),
                Ok(_) => WebhookError::InvalidPayload(event::without_values(&error.to_string())),
            }
        })
    }

    /// [`Webhook::verify_raw`], then decodes the body into a typed [`WebhookEvent`].
    ///
    /// # Errors
    ///
    /// As [`Webhook::verify_and_parse`].
    pub fn verify_raw_and_parse(
        &self,
        id: &str,
        timestamp: &str,
        signature_header: &str,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_raw(id, timestamp, signature_header, body)?;
        WebhookEvent::from_slice(body)
    }

    /// Signs a message the way Svix does: returns `v1,<base64 HMAC-SHA256>` of
    /// `"{msg_id}.{timestamp}.{body}"`, the value of a `svix-signature` header.
    ///
    /// Use it to test your receivers; [`Webhook::headers`] builds all three headers.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let timestamp = timestamp.to_string();
        let tag = self.tag(msg_id.as_bytes(), timestamp.as_bytes(), body);
        let mut signature = String::with_capacity(3 + 44);
        signature.push_str("v1,");
        STANDARD.encode_string(tag.as_ref(), &mut signature);
        signature
    }

    /// The `svix-id`, `svix-timestamp` and `svix-signature` headers Clerk would send with `body`,
    /// for testing receivers.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidHeader`] when `msg_id` cannot be a header value (control
    /// characters).
    pub fn headers(
        &self,
        msg_id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> Result<HeaderMap, WebhookError> {
        let id =
            HeaderValue::from_str(msg_id).map_err(|_| WebhookError::InvalidHeader("svix-id"))?;
        let signature = HeaderValue::from_str(&self.sign(msg_id, timestamp, body))
            .map_err(|_| WebhookError::InvalidHeader("svix-signature"))?;
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(SVIX_ID.clone(), id);
        headers.insert(SVIX_TIMESTAMP.clone(), HeaderValue::from(timestamp));
        headers.insert(SVIX_SIGNATURE.clone(), signature);
        Ok(headers)
    }

    /// The verification itself, on trimmed, non-empty header values.
    fn verify_bytes(
        &self,
        id: &[u8],
        timestamp: &[u8],
        signatures: &[u8],
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let sent = parse_timestamp(timestamp).ok_or(WebhookError::InvalidTimestamp)?;
        let now = self.clock.now_unix();
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if now.saturating_sub(sent) > tolerance {
            return Err(WebhookError::TimestampTooOld {
                timestamp: sent,
                now,
                tolerance: self.tolerance,
            });
        }
        if sent.saturating_sub(now) > tolerance {
            return Err(WebhookError::TimestampTooNew {
                timestamp: sent,
                now,
                tolerance: self.tolerance,
            });
        }
        // The timestamp is signed as sent; `parse_timestamp` only accepts canonical integers,
        // so that is also its decimal form.
        let expected = self.tag(id, timestamp, body);
        // Candidates are compared as text against the expected tag's canonical base64, encoded
        // once: no decoding, no allocation per candidate. `STANDARD` decoding is strict
        // (padding and trailing bits must be canonical), so this accepts exactly the candidates
        // that would decode to the expected tag.
        let Some(expected) = encode_tag(&expected) else {
            return Err(WebhookError::NoMatchingSignature);
        };
        let matched = signatures
            .split(|&b| b == b' ')
            .filter_map(|entry| split_once(entry, b','))
            .filter(|(version, _)| *version == SIGNATURE_VERSION)
            .any(|(_, candidate)| tags_match(&expected, candidate));
        if matched {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }

    /// HMAC-SHA256 of `id.timestamp.body`, without a concatenated copy of the body: the short
    /// `id.timestamp.` prefix is assembled on the stack, then the body is fed as is.
    fn tag(&self, id: &[u8], timestamp: &[u8], body: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.key);
        let mut prefix = [0u8; 128];
        let len = id.len() + timestamp.len() + 2;
        let assembled = if len <= prefix.len() {
            // In bounds: `len` fits the buffer.
            let (id_part, rest) = prefix.split_at_mut(id.len());
            id_part.copy_from_slice(id);
            let (dot, rest) = rest.split_at_mut(1);
            dot.copy_from_slice(b".");
            let (ts_part, rest) = rest.split_at_mut(timestamp.len());
            ts_part.copy_from_slice(timestamp);
            if let Some(dot) = rest.first_mut() {
                *dot = b'.';
            }
            prefix.get(..len)
        } else {
            None
        };
        match assembled {
            Some(prefix) => context.update(prefix),
            // An unusually long id: feed the pieces one by one.
            None => {
                context.update(id);
                context.update(b".");
                context.update(timestamp);
                context.update(b".");
            }
        }
        context.update(body);
        context.sign()
    }
}

/// The tag in padded standard base64 (the form of the signature header's candidates).
///
/// Written out for the fixed 32-byte tag: the general-purpose engine's bookkeeping costs as much
/// as the encoding itself, and this runs on every verification.
fn encode_tag(tag: &hmac::Tag) -> Option<[u8; ENCODED_TAG_LEN]> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = <&[u8; 32]>::try_from(tag.as_ref()).ok()?;
    let mut out = [b'='; ENCODED_TAG_LEN];
    let sextet = |n: u32, shift: u32| ALPHABET[((n >> shift) & 0x3f) as usize];
    // Ten whole groups of three bytes, then the last two bytes with one `=` of padding.
    for group in 0..10 {
        let (i, o) = (group * 3, group * 4);
        let n =
            (u32::from(bytes[i]) << 16) | (u32::from(bytes[i + 1]) << 8) | u32::from(bytes[i + 2]);
        out[o] = sextet(n, 18);
        out[o + 1] = sextet(n, 12);
        out[o + 2] = sextet(n, 6);
        out[o + 3] = sextet(n, 0);
    }
    let n = (u32::from(bytes[30]) << 16) | (u32::from(bytes[31]) << 8);
    out[40] = sextet(n, 18);
    out[41] = sextet(n, 12);
    out[42] = sextet(n, 6);
    Some(out)
}

/// Constant-time comparison of the expected tag's base64 with a candidate from the header.
///
/// `ring::hmac::verify` would need the signed message as one contiguous slice (a copy of the
/// body per request), and ring's own constant-time helper is not public API; comparing through a
/// second HMAC ("double HMAC" with `hmac::verify`) works but costs two more HMAC computations per
/// candidate. `subtle` is the constant-time comparison rustls uses, so it is already in most
/// dependency trees. Lengths are public (every valid candidate has the same one).
fn tags_match(expected: &[u8; ENCODED_TAG_LEN], candidate: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    let Ok(candidate) = <&[u8; ENCODED_TAG_LEN]>::try_from(candidate) else {
        return false;
    };
    // XOR-fold word by word, then one constant-time test of the result: no early exit, and one
    // optimization barrier instead of one per byte.
    let difference = expected
        .chunks_exact(4)
        .zip(candidate.chunks_exact(4))
        .fold(0u32, |acc, (a, b)| {
            let word = |bytes: &[u8]| {
                bytes
                    .iter()
                    .fold(0u32, |word, &byte| (word << 8) | u32::from(byte))
            };
            acc | (word(a) ^ word(b))
        });
    bool::from(difference.ct_eq(&0))
}

/// A header's trimmed value under its `svix-*` name, else its `webhook-*` name; empty counts as
/// absent.
fn header<'h>(
    headers: &'h HeaderMap,
    svix: &HeaderName,
    standard: &HeaderName,
) -> Option<&'h [u8]> {
    let present = |name: &HeaderName| {
        headers
            .get(name)
            .map(|value| value.as_bytes().trim_ascii())
            .filter(|value| !value.is_empty())
    };
    present(svix).or_else(|| present(standard))
}

/// Names the first missing header in the family the request uses: `webhook-*` when it carries
/// some `webhook-*` header and no `svix-*` one, `svix-*` otherwise.
fn missing_header_name(
    headers: &HeaderMap,
    id_missing: bool,
    timestamp_missing: bool,
) -> &'static str {
    let svix = [&SVIX_ID, &SVIX_TIMESTAMP, &SVIX_SIGNATURE];
    let standard = [&WEBHOOK_ID, &WEBHOOK_TIMESTAMP, &WEBHOOK_SIGNATURE];
    let uses_standard = !svix.iter().any(|name| headers.contains_key(*name))
        && standard.iter().any(|name| headers.contains_key(*name));
    let index = if id_missing {
        0
    } else if timestamp_missing {
        1
    } else {
        2
    };
    match (uses_standard, index) {
        (false, 0) => "svix-id",
        (false, 1) => "svix-timestamp",
        (false, _) => "svix-signature",
        (true, 0) => "webhook-id",
        (true, 1) => "webhook-timestamp",
        (true, _) => "webhook-signature",
    }
}

/// A canonical non-negative decimal integer (no sign, no leading zero, fits `i64`).
fn parse_timestamp(text: &[u8]) -> Option<i64> {
    if text.is_empty() || (text.len() > 1 && text.first() == Some(&b'0')) {
        return None;
    }
    text.iter().try_fold(0i64, |value, &digit| {
        if digit.is_ascii_digit() {
            value.checked_mul(10)?.checked_add(i64::from(digit - b'0'))
        } else {
            None
        }
    })
}

/// The trimmed value, `None` when that is empty.
fn present(value: &str) -> Option<&[u8]> {
    let value = value.as_bytes().trim_ascii();
    (!value.is_empty()).then_some(value)
}

fn split_once(bytes: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == separator)?;
    Some((bytes.get(..at)?, bytes.get(at + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_encoding_is_standard_base64() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        for message in [&b""[..], b"a", b"msg_1.1700000000.{}"] {
            let tag = hmac::sign(&key, message);
            assert_eq!(
                encode_tag(&tag).map(|encoded| encoded.to_vec()),
                Some(STANDARD.encode(tag.as_ref()).into_bytes())
            );
        }
    }

    #[test]
    fn timestamps_must_be_canonical_integers() {
        assert_eq!(parse_timestamp(b"0"), Some(0));
        assert_eq!(parse_timestamp(b"1700000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp(b"9223372036854775807"), Some(i64::MAX));
        for bad in [
            &b""[..],
            b"01700000000",
            b"-1",
            b"+1",
            b"1.5",
            b"1e9",
            b"abc",
            b"9223372036854775808",
            b"17000 00000",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        // proptest, for inputs shrunk to the smallest that disagrees.

        /// The fixed-size tag encoding is standard padded base64, for any key and message.
        #[test]
        fn tags_encode_as_standard_base64(
            key in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
            message in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), &message);
            proptest::prop_assert_eq!(
                encode_tag(&tag).map(|encoded| encoded.to_vec()),
                Some(STANDARD.encode(tag.as_ref()).into_bytes())
            );
        }

        /// Timestamps: exactly the canonical decimal forms of non-negative `i64`s.
        #[test]
        fn timestamps_are_canonical_decimals(text in "[-+0-9 .]{0,21}") {
            let reference = text
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0 && n.to_string() == text);
            proptest::prop_assert_eq!(parse_timestamp(text.as_bytes()), reference);
        }

        #[test]
        fn every_timestamp_reads_back(n in 0i64..=i64::MAX) {
            proptest::prop_assert_eq!(parse_timestamp(n.to_string().as_bytes()), Some(n));
        }
    }

    #[test]
    fn split_once_splits_at_the_first_separator() {
        assert_eq!(split_once(b"v1,a,b", b','), Some((&b"v1"[..], &b"a,b"[..])));
        assert_eq!(split_once(b"v1", b','), None);
        assert_eq!(split_once(b",", b','), Some((&b""[..], &b""[..])));
    }

    #[test]
    fn the_clock_and_key_are_shared_cheaply() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Webhook>();
    }
}
