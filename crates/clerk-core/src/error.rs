//! Error types.
//!
//! Every fallible operation of the crate returns [`Error`], an enum split by the phase in which the
//! failure happened: configuration ([`ConfigError`]), request building ([`InvalidRequestError`],
//! always before any I/O), the network ([`TransportError`], [`TimeoutError`]), the API answering
//! with a non-2xx status ([`ApiError`]), a 2xx body that does not match the expected type
//! ([`DecodeError`]) and pagination safety guards ([`PaginationError`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::transport::TransportError;

/// `Result` with this crate's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Maximum number of characters of a response body kept in [`ApiError`] and [`DecodeError`].
pub const BODY_SNIPPET_CHARS: usize = 512;

/// Maximum number of entries of an error body's `errors` array kept in an [`ApiError`]; the
/// others are only counted ([`ApiError::errors_omitted`]).
pub const MAX_API_ERRORS: usize = 100;

/// Any error returned by the Clerk client.
///
/// Use the predicates ([`Error::is_not_found`], [`Error::is_rate_limited`], …) and accessors
/// ([`Error::status`], [`Error::first_code`], …) for the common questions; they answer `false` /
/// `None` for errors that are not API errors. Match on the variants for everything else.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or the response could not be read.
    #[error(transparent)]
    Transport(TransportError),
    /// No response arrived within the configured per-attempt timeout.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// A 2xx response body could not be decoded into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The client configuration is invalid.
    #[error(transparent)]
    Config(ConfigError),
    /// The request was rejected before any I/O (bad path parameter, unserializable body, …).
    #[error(transparent)]
    InvalidRequest(InvalidRequestError),
    /// A pagination stream detected a server-side loop and stopped.
    #[error(transparent)]
    Pagination(PaginationError),
}

impl Error {
    /// An [`Error::InvalidRequest`] for an argument a helper rejects before any I/O (for
    /// example an idempotency key with forbidden characters).
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::InvalidRequest(InvalidRequestError::new(
            InvalidRequestKind::InvalidArgument {
                message: message.into(),
            },
            "",
        ))
    }

    /// The [`ApiError`] if this is an API error.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// How many attempts the call made before failing this way; `None` for errors that happen
    /// before any attempt (configuration, invalid requests).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api(api) => Some(api.attempts()),
            Error::Transport(transport) => Some(transport.attempts()),
            Error::Timeout(timeout) => Some(timeout.attempts()),
            Error::Decode(_) => Some(1),
            _ => None,
        }
    }

    /// HTTP status of an API error; `None` for every other kind of error.
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(ApiError::status)
    }

    /// The operation (method and path template) the failed call was made to; `None` for errors
    /// raised outside a call (configuration) or built by hand.
    pub fn operation(&self) -> Option<&Operation> {
        match self {
            Error::Api(api) => api.operation(),
            Error::Transport(transport) => transport.operation(),
            Error::Timeout(timeout) => timeout.operation(),
            Error::Decode(decode) => decode.operation(),
            Error::InvalidRequest(invalid) => invalid.operation(),
            _ => None,
        }
    }

    /// The same error, naming the operation it happened in (kept when one is already set).
    pub(crate) fn with_operation(self, operation: &Operation) -> Error {
        match self {
            Error::Api(mut api) => {
                api.operation.get_or_insert_with(|| operation.clone());
                Error::Api(api)
            }
            Error::Transport(transport) => Error::Transport(transport.with_operation(operation)),
            Error::Timeout(mut timeout) => {
                timeout.operation.get_or_insert_with(|| operation.clone());
                Error::Timeout(timeout)
            }
            Error::Decode(mut decode) => {
                decode.operation.get_or_insert_with(|| operation.clone());
                Error::Decode(decode)
            }
            Error::InvalidRequest(mut invalid) => {
                invalid.operation.get_or_insert_with(|| operation.clone());
                Error::InvalidRequest(invalid)
            }
            other => other,
        }
    }

    /// `Retry-After` of an API error (delta-seconds form only).
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(ApiError::retry_after)
    }

    /// Clerk trace id of an API error (body `clerk_trace_id`, else the `cf-ray` header).
    pub fn trace_id(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::trace_id)
    }

    /// Code of the first Clerk error of an API error.
    pub fn first_code(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::first_code)
    }

    /// `true` if this is an API error carrying a Clerk error with this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.api_error().is_some_and(|e| e.has_code(code))
    }

    /// `true` for an API error with status 404.
    pub fn is_not_found(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_not_found)
    }

    /// `true` for an API error with status 401.
    pub fn is_unauthorized(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_unauthorized)
    }

    /// `true` for an API error with status 403.
    pub fn is_forbidden(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_forbidden)
    }

    /// `true` for an API error with status 429.
    pub fn is_rate_limited(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_rate_limited)
    }

    /// `true` for an API error with status 409.
    pub fn is_conflict(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_conflict)
    }

    /// `true` for an API error with status 422.
    pub fn is_unprocessable(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_unprocessable)
    }

    /// `true` for an API error with a 5xx status.
    pub fn is_server_error(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_server_error)
    }

    /// `true` for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// `true` for a transport error whose request never left the machine.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(t) if t.is_connect())
    }
}

impl From<ApiError> for Error {
    fn from(value: ApiError) -> Self {
        Error::Api(Box::new(value))
    }
}

impl From<TransportError> for Error {
    fn from(value: TransportError) -> Self {
        Error::Transport(value)
    }
}

impl From<TimeoutError> for Error {
    fn from(value: TimeoutError) -> Self {
        Error::Timeout(value)
    }
}

impl From<DecodeError> for Error {
    fn from(value: DecodeError) -> Self {
        Error::Decode(Box::new(value))
    }
}

impl From<ConfigError> for Error {
    fn from(value: ConfigError) -> Self {
        Error::Config(value)
    }
}

impl From<InvalidRequestError> for Error {
    fn from(value: InvalidRequestError) -> Self {
        Error::InvalidRequest(value)
    }
}

impl From<PaginationError> for Error {
    fn from(value: PaginationError) -> Self {
        Error::Pagination(value)
    }
}

// ---------------------------------------------------------------------------------------------
// Operation
// ---------------------------------------------------------------------------------------------

/// A Backend API operation: the HTTP method and the path template, without the API version
/// prefix and with its parameters unfilled (`GET /users/{user_id}`), so it names the call
/// without carrying ids or other values from it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    method: Method,
    path_template: &'static str,
}

impl Operation {
    /// The operation `method path_template`.
    pub fn new(method: Method, path_template: &'static str) -> Operation {
        Operation {
            method,
            path_template,
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template, e.g. `/users/{user_id}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path_template)
    }
}

// ---------------------------------------------------------------------------------------------
// ApiError
// ---------------------------------------------------------------------------------------------

/// One entry of the `errors` array of a Clerk error body.
///
/// Parsing is tolerant: missing or mistyped fields become empty strings / `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClerkError {
    /// Machine-readable code, e.g. `resource_not_found`, `form_param_missing`.
    #[serde(default)]
    pub code: String,
    /// Short human-readable message.
    #[serde(default)]
    pub message: String,
    /// Longer human-readable message (`long_message`).
    #[serde(default)]
    pub long_message: Option<String>,
    /// Extra structured data (`meta`), e.g. `{"param_name": "email_address"}`.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

impl ClerkError {
    /// Builds an error entry from a code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ClerkError {
        ClerkError {
            code: code.into(),
            message: message.into(),
            long_message: None,
            meta: None,
        }
    }
}

/// The API answered with a non-2xx status.
///
/// Built leniently from the response: a body that is not a Clerk error body (an HTML 502 page, an
/// empty body) still gives an `ApiError` with its status and an empty [`errors`](ApiError::errors)
/// list.
///
/// `Display` reads `422 form_param_missing on POST /users: Enter an email address. [trace abc]`:
/// status, first error code, [operation](ApiError::operation), first error message, then the number
/// of further errors, the trace id and the number of attempts when there are any. An answer with
/// no Clerk error body reads `502 Bad Gateway on GET /users`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    operation: Option<Operation>,
    errors: Vec<ClerkError>,
    errors_omitted: usize,
    attempts: u32,
    trace_id: Option<String>,
    retry_after: Option<Duration>,
    body_snippet: String,
}

impl ApiError {
    /// Builds an `ApiError` from a response's status, headers and body.
    ///
    /// The body is parsed as `{"errors":[…],"clerk_trace_id":"…"}` when possible; the trace id falls
    /// back to the `cf-ray` header; `Retry-After` is read in its delta-seconds form (an HTTP-date
    /// gives `None`).
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let parsed = serde_json::from_slice::<ErrorBody>(body).unwrap_or_default();
        let trace_id = parsed.clerk_trace_id.filter(|s| !s.is_empty()).or_else(|| {
            headers
                .get("cf-ray")
                .and_then(|v| v.to_str().ok())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
        let retry_after = headers
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        ApiError {
            status,
            operation: None,
            errors: parsed.errors.kept,
            errors_omitted: parsed.errors.omitted,
            attempts: 1,
            trace_id,
            retry_after,
            body_snippet: body_snippet(body),
        }
    }

    /// Builds an `ApiError` from its parts (useful for tests and emulators).
    pub fn new(status: StatusCode, errors: Vec<ClerkError>) -> ApiError {
        ApiError {
            status,
            operation: None,
            errors,
            errors_omitted: 0,
            attempts: 1,
            trace_id: None,
            retry_after: None,
            body_snippet: String::new(),
        }
    }

    /// Sets the trace id.
    #[must_use]
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> ApiError {
        self.trace_id = Some(trace_id.into());
        self
    }

    /// Sets the `Retry-After` delay.
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Duration) -> ApiError {
        self.retry_after = Some(retry_after);
        self
    }

    /// Names the operation that failed (the client sets it on every error it returns).
    #[must_use]
    pub fn with_operation(mut self, operation: Operation) -> ApiError {
        self.operation = Some(operation);
        self
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The operation that failed, e.g. `GET /users/{user_id}`.
    pub fn operation(&self) -> Option<&Operation> {
        self.operation.as_ref()
    }

    /// How many attempts the call made (more than one when retryable answers were retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The same error, after `attempts` attempts.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> ApiError {
        self.attempts = attempts;
        self
    }

    /// The Clerk errors of the body (empty when the body was not a Clerk error body), at most
    /// [`MAX_API_ERRORS`] of them; [`errors_omitted`](ApiError::errors_omitted) counts the rest.
    pub fn errors(&self) -> &[ClerkError] {
        &self.errors
    }

    /// How many entries of the body's `errors` array were left out beyond the first
    /// [`MAX_API_ERRORS`] (a body Clerk sends never has that many).
    pub fn errors_omitted(&self) -> usize {
        self.errors_omitted
    }

    /// The first Clerk error, if any.
    pub fn first_error(&self) -> Option<&ClerkError> {
        self.errors.first()
    }

    /// Code of the first Clerk error, if any.
    pub fn first_code(&self) -> Option<&str> {
        self.first_error().map(|e| e.code.as_str())
    }

    /// `true` if any Clerk error has this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// Clerk trace id: body `clerk_trace_id`, else the `cf-ray` response header.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// `Retry-After` (delta-seconds form), if the response had one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The first 512 characters of the response body (lossy UTF-8), with the values of
    /// credential-like members (`jwt`, `token`, `*secret*`…) replaced by `***`.
    pub fn body_snippet(&self) -> &str {
        &self.body_snippet
    }

    /// `true` for 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// `true` for 401 Unauthorized.
    pub fn is_unauthorized(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    /// `true` for 403 Forbidden.
    pub fn is_forbidden(&self) -> bool {
        self.status == StatusCode::FORBIDDEN
    }

    /// `true` for 429 Too Many Requests.
    pub fn is_rate_limited(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS
    }

    /// `true` for 409 Conflict.
    pub fn is_conflict(&self) -> bool {
        self.status == StatusCode::CONFLICT
    }

    /// `true` for 422 Unprocessable Entity (validation errors).
    pub fn is_unprocessable(&self) -> bool {
        self.status == StatusCode::UNPROCESSABLE_ENTITY
    }

    /// `true` for any 5xx status.
    pub fn is_server_error(&self) -> bool {
        self.status.is_server_error()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        let first = self.errors.first();
        match first {
            Some(first) if !first.code.is_empty() => write!(f, " {}", first.code)?,
            _ => {
                if let Some(reason) = self.status.canonical_reason() {
                    write!(f, " {reason}")?;
                }
            }
        }
        if let Some(operation) = &self.operation {
            write!(f, " on {operation}")?;
        }
        if let Some(first) = first {
            let text = first
                .long_message
                .as_deref()
                .filter(|m| !m.is_empty())
                .unwrap_or(&first.message);
            if !text.is_empty() {
                write!(f, ": {text}")?;
            }
            let more = self.errors.len() - 1 + self.errors_omitted;
            if more > 0 {
                write!(f, " (+{more} more)")?;
            }
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " [trace {trace}]")?;
        }
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Parses `Retry-After` in its delta-seconds form.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// First [`BODY_SNIPPET_CHARS`] characters of a body, lossy UTF-8, never split inside a char.
/// A Clerk error body, decoded in one pass without a `Value` tree of it: `errors` (at most
/// [`MAX_API_ERRORS`] kept) and `clerk_trace_id`. Lenient: members of other types than expected
/// read as absent, entries that are not objects are skipped.
#[derive(Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: ErrorList,
    #[serde(default, deserialize_with = "lenient_string")]
    clerk_trace_id: Option<String>,
}

#[derive(Default)]
struct ErrorList {
    kept: Vec<ClerkError>,
    omitted: usize,
}

/// Visitor methods that read every JSON type a lenient visitor does not handle as `default`,
/// consuming sequences and maps.
macro_rules! lenient_rest {
    () => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

fn skip_seq<'de, A: serde::de::SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map
        .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
        .is_some()
    {}
    Ok(())
}

impl<'de> Deserialize<'de> for ErrorList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> serde::de::Visitor<'de> for ListVisitor {
            type Value = ErrorList;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of errors")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ErrorList, A::Error> {
                let mut list = ErrorList::default();
                while let Some(entry) = seq.next_element::<ErrorEntry>()? {
                    match entry.0 {
                        Some(error) if list.kept.len() < MAX_API_ERRORS => list.kept.push(error),
                        Some(_) => list.omitted += 1,
                        None => {}
                    }
                }
                Ok(list)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ErrorList, A::Error> {
                skip_map(map).map(|()| ErrorList::default())
            }

            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<ErrorList, E> {
                Ok(ErrorList::default())
            }

            lenient_rest!();
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

/// One `errors[]` entry; `None` for an entry that is not an object.
#[derive(Default)]
struct ErrorEntry(Option<ClerkError>);

impl<'de> Deserialize<'de> for ErrorEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> serde::de::Visitor<'de> for EntryVisitor {
            type Value = ErrorEntry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ErrorEntry, A::Error> {
                let mut error = ClerkError::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "code" => {
                            error.code = map.next_value::<LenientText>()?.0.unwrap_or_default()
                        }
                        "message" => {
                            error.message = map.next_value::<LenientText>()?.0.unwrap_or_default();
                        }
                        "long_message" => error.long_message = map.next_value::<LenientText>()?.0,
                        "meta" => {
                            error.meta = map
                                .next_value::<Option<serde_json::Value>>()?
                                .filter(|meta| !meta.is_null());
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(ErrorEntry(Some(error)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<ErrorEntry, A::Error> {
                skip_seq(seq).map(|()| ErrorEntry(None))
            }

            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<ErrorEntry, E> {
                Ok(ErrorEntry(None))
            }

            lenient_rest!();
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// A string member, or `None` for any other JSON type.
#[derive(Default)]
struct LenientText(Option<String>);

impl<'de> Deserialize<'de> for LenientText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = LenientText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<LenientText, E> {
                Ok(LenientText(Some(v.to_owned())))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<LenientText, A::Error> {
                skip_seq(seq).map(|()| LenientText(None))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<LenientText, A::Error> {
                skip_map(map).map(|()| LenientText(None))
            }

            lenient_rest!();
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    LenientText::deserialize(deserializer).map(|text| text.0)
}

pub(crate) fn body_snippet(body: &[u8]) -> String {
    // 512 chars take at most 4 * 512 bytes; cutting there can only damage chars after the 512th.
    let head = body.get(..BODY_SNIPPET_CHARS * 4).unwrap_or(body);
    let snippet: String = String::from_utf8_lossy(head)
        .chars()
        .take(BODY_SNIPPET_CHARS)
        .collect();
    crate::redact::redact_json_text(&snippet)
}

// ---------------------------------------------------------------------------------------------
// DecodeError
// ---------------------------------------------------------------------------------------------

/// A 2xx response body could not be decoded into the expected type.
///
/// [`path`](DecodeError::path) names the failing field (e.g. `data[3].email_addresses[0].id`).
/// `Display` shows the status, path and serde message but not the body; the start of the body is
/// available from [`body_snippet`](DecodeError::body_snippet) (and in `Debug`). Neither carries a
/// credential: the snippet's values under credential-like member names (`jwt`, `token`,
/// `*secret*`, `*password*`…) and every quoted value in the serde message read `***`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    status: StatusCode,
    operation: Option<Operation>,
    path: Option<String>,
    message: String,
    body_snippet: String,
}

impl DecodeError {
    pub(crate) fn new(
        status: StatusCode,
        path: Option<String>,
        message: String,
        body: &[u8],
    ) -> Self {
        DecodeError {
            status,
            operation: None,
            path,
            // serde quotes the offending value, which may be a credential.
            message: crate::redact::redact_quoted(&message),
            body_snippet: body_snippet(body),
        }
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The operation whose response failed to decode, e.g. `GET /users`.
    pub fn operation(&self) -> Option<&Operation> {
        self.operation.as_ref()
    }

    /// Path of the field that failed to decode, e.g. `data[3].email_addresses[0].id`; `None` when
    /// the failure is at the top level (e.g. the body is not JSON at all).
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The deserializer's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The first 512 characters of the body (lossy UTF-8), with the values of credential-like
    /// members (`jwt`, `token`, `*secret*`…) replaced by `***`.
    pub fn body_snippet(&self) -> &str {
        &self.body_snippet
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed to decode the Clerk API response")?;
        if let Some(operation) = &self.operation {
            write!(f, " to {operation}")?;
        }
        write!(f, " (status {})", self.status.as_u16())?;
        if let Some(path) = &self.path {
            write!(f, " at `{path}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

// ---------------------------------------------------------------------------------------------
// TimeoutError
// ---------------------------------------------------------------------------------------------

/// Which limit a [`TimeoutError`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The attempt's own timeout
    /// ([`attempt_timeout`](crate::ClientBuilder::attempt_timeout)), and no retry was allowed.
    Attempt,
    /// The call's budget ([`call_timeout`](crate::ClientBuilder::call_timeout)): the last attempt
    /// was cut short by it.
    Call,
}

/// No complete answer arrived in time.
///
/// `Display` reads `Clerk API call GET /users timed out after 5.0 s (3 attempts)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeoutError {
    kind: TimeoutKind,
    operation: Option<Operation>,
    limit: Duration,
    elapsed: Duration,
    attempts: u32,
}

impl TimeoutError {
    pub(crate) fn new(
        kind: TimeoutKind,
        limit: Duration,
        elapsed: Duration,
        attempts: u32,
    ) -> Self {
        TimeoutError {
            kind,
            operation: None,
            limit,
            elapsed,
            attempts,
        }
    }

    /// Which limit was hit.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// The timeout that ran out: the attempt timeout, or the call budget.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// How long the whole call took, through the client's clock.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How many attempts were made in total (the last one timed out).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The operation that timed out, e.g. `GET /users`.
    pub fn operation(&self) -> Option<&Operation> {
        self.operation.as_ref()
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TimeoutKind::Attempt => "request",
            TimeoutKind::Call => "call",
        };
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(f, "Clerk API {what}")?;
        if let Some(operation) = &self.operation {
            write!(f, " {operation}")?;
        }
        write!(
            f,
            " timed out after {:.1} s ({} attempt{plural})",
            self.elapsed.as_secs_f64(),
            self.attempts
        )
    }
}

impl std::error::Error for TimeoutError {}

// ---------------------------------------------------------------------------------------------
// ConfigError
// ---------------------------------------------------------------------------------------------

/// The client configuration is invalid. Returned by [`ClientBuilder::build`](crate::ClientBuilder::build).
///
/// Messages never contain the secret key or header values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret key was given (or it is empty). Set `CLERK_SECRET_KEY` or pass one.
    #[error(
        "missing Clerk secret key: pass one or set CLERK_SECRET_KEY (find it at https://dashboard.clerk.com)"
    )]
    MissingSecretKey,
    /// The secret key cannot be sent in an HTTP header.
    #[error("invalid Clerk secret key: {reason}")]
    InvalidSecretKey {
        /// Why the key was rejected.
        reason: &'static str,
    },
    /// The API URL is not an absolute `http`/`https` URL.
    #[error("invalid Clerk API URL: {reason}")]
    InvalidApiUrl {
        /// Why the URL was rejected.
        reason: String,
    },
    /// The API path version (e.g. `v1`) is empty or contains characters other than
    /// `A-Z a-z 0-9 - . _ ~`.
    #[error("invalid Clerk API path version: {value:?}")]
    InvalidApiVersion {
        /// The rejected value.
        value: String,
    },
    /// The user agent is not a valid header value.
    #[error("invalid user agent: not a valid HTTP header value")]
    InvalidUserAgent,
    /// A default header has an invalid name or value.
    #[error("invalid default header {name:?}: {reason}")]
    InvalidDefaultHeader {
        /// The header name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request timeout is zero.
    #[error("invalid request timeout: must be greater than zero")]
    InvalidTimeout,
    /// An environment variable is set but not valid Unicode.
    #[error("environment variable {name} is not valid unicode")]
    InvalidEnvVar {
        /// Variable name.
        name: &'static str,
    },
    /// The TLS configuration could not be built (e.g. no native root certificates found).
    #[error("TLS setup failed: {message}")]
    Tls {
        /// What went wrong.
        message: String,
    },
    /// An authentication setting of the client (the JWT key, the publishable key, the webhook
    /// signing secret, an authorized party…) is invalid. The message never contains a secret.
    #[error("invalid Clerk setting {name}: {reason}")]
    InvalidSetting {
        /// The setting, as the builder method and the environment variable name it
        /// (`jwt_key (CLERK_JWT_KEY)`).
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

// ---------------------------------------------------------------------------------------------
// InvalidRequestError
// ---------------------------------------------------------------------------------------------

/// What is wrong with a request rejected before any I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequestKind {
    /// A path parameter is the empty string.
    EmptyPathParam {
        /// Parameter name.
        name: String,
    },
    /// A path parameter is (or decodes to, or contains a `/`/`\`-separated piece that is) `.` or
    /// `..` — a path-traversal attempt.
    DotSegment {
        /// Parameter name.
        name: String,
    },
    /// A path parameter is percent-encoded more than 10 layers deep.
    ExcessiveEncoding {
        /// Parameter name.
        name: String,
    },
    /// A `{placeholder}` of the path template was not filled.
    MissingPathParam {
        /// Parameter name.
        name: String,
    },
    /// A required value set with a named setter (`.user_id(…)`) was not set.
    MissingParam {
        /// The parameter's name on the wire.
        name: String,
    },
    /// A path parameter was given that the template does not contain.
    UnknownPathParam {
        /// Parameter name.
        name: String,
    },
    /// The path template has an unclosed or empty `{}`.
    MalformedTemplate,
    /// The JSON body could not be serialized.
    JsonBody {
        /// The serializer's message.
        message: String,
    },
    /// The multipart body could not be built (e.g. a content type with line breaks).
    Multipart {
        /// What is wrong.
        message: String,
    },
    /// An argument a helper checks before any I/O is invalid.
    InvalidArgument {
        /// What is wrong.
        message: String,
    },
    /// The final URL is not a valid URI.
    InvalidUri {
        /// The parser's message.
        message: String,
    },
}

impl fmt::Display for InvalidRequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidRequestKind::EmptyPathParam { name } => {
                write!(
                    f,
                    "path parameter `{name}` is empty (a valid resource ID is required)"
                )
            }
            InvalidRequestKind::DotSegment { name } => write!(
                f,
                "path parameter `{name}` contains a \".\" or \"..\" segment, which is not allowed"
            ),
            InvalidRequestKind::ExcessiveEncoding { name } => {
                write!(
                    f,
                    "path parameter `{name}` has too many layers of percent-encoding"
                )
            }
            InvalidRequestKind::MissingPathParam { name } => {
                write!(f, "path parameter `{name}` was not provided")
            }
            InvalidRequestKind::MissingParam { name } => {
                write!(f, "`{name}` is required: set it on the request builder")
            }
            InvalidRequestKind::UnknownPathParam { name } => {
                write!(
                    f,
                    "path parameter `{name}` does not appear in the path template"
                )
            }
            InvalidRequestKind::MalformedTemplate => f.write_str("malformed path template"),
            InvalidRequestKind::JsonBody { message } => {
                write!(f, "the JSON body could not be serialized: {message}")
            }
            InvalidRequestKind::Multipart { message } => {
                write!(f, "the multipart body could not be built: {message}")
            }
            InvalidRequestKind::InvalidArgument { message } => f.write_str(message),
            InvalidRequestKind::InvalidUri { message } => {
                write!(f, "the request URL is invalid: {message}")
            }
        }
    }
}

/// A request was rejected before any I/O.
#[derive(Clone, Debug)]
pub struct InvalidRequestError {
    kind: InvalidRequestKind,
    path_template: &'static str,
    operation: Option<Operation>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl InvalidRequestError {
    pub(crate) fn new(kind: InvalidRequestKind, path_template: &'static str) -> Self {
        InvalidRequestError {
            kind,
            path_template,
            operation: None,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: Arc<dyn std::error::Error + Send + Sync>) -> Self {
        self.source = Some(source);
        self
    }

    /// What is wrong.
    pub fn kind(&self) -> &InvalidRequestKind {
        &self.kind
    }

    /// The path template of the rejected request (e.g. `/users/{user_id}`).
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// The rejected operation (method and path template), when the request was built for one.
    pub fn operation(&self) -> Option<&Operation> {
        self.operation.as_ref()
    }
}

impl fmt::Display for InvalidRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            write!(f, "invalid request to {operation}: {}", self.kind)
        } else if self.path_template.is_empty() {
            write!(f, "invalid request: {}", self.kind)
        } else {
            write!(
                f,
                "invalid request to {}: {}",
                self.path_template, self.kind
            )
        }
    }
}

impl std::error::Error for InvalidRequestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

// ---------------------------------------------------------------------------------------------
// PaginationError
// ---------------------------------------------------------------------------------------------

/// A pagination stream stopped because the server did not make progress.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// The page at `offset` has exactly the same items as the previous page.
    #[error("pagination loop detected: the page at offset {offset} repeats the previous page")]
    RepeatedPage {
        /// Offset of the repeated page.
        offset: u64,
    },
    /// The cursor (`starting_after`) of the next page was already used.
    #[error("pagination loop detected: cursor {cursor:?} was already used")]
    RepeatedCursor {
        /// The repeated cursor (the id of the last item).
        cursor: String,
    },
    /// The last item of a full page has no id, so the next cursor is unknown.
    #[error("cursor pagination cannot continue: the last item of the page has no id")]
    MissingCursor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_char_boundary_safe() {
        let body = "é".repeat(600);
        let s = body_snippet(body.as_bytes());
        assert_eq!(s.chars().count(), 512);
        assert!(s.chars().all(|c| c == 'é'));
        let s = body_snippet(&[0xff, b'a']);
        assert_eq!(s, "\u{fffd}a");
        let s = body_snippet("🎉".repeat(513).as_bytes());
        assert_eq!(s.chars().count(), 512);
        assert!(s.chars().all(|c| c == '🎉'));
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
    }

    proptest::proptest! {
        // proptest: a disagreement shrinks to the shortest header value that shows it.

        /// Against `u64`: delta-seconds with optional surrounding whitespace; anything else,
        /// including numbers past `u64`, is no delay.
        #[test]
        fn retry_after_is_delta_seconds(
            value in proptest::prelude::any::<u64>(),
            before in "[ \t]{0,2}",
            after in "[ \t]{0,2}",
        ) {
            let text = format!("{before}{value}{after}");
            proptest::prop_assert_eq!(parse_retry_after(&text), Some(Duration::from_secs(value)));
        }

        #[test]
        fn retry_after_refuses_the_rest(text in "[-+0-9 .a-zA-Z,:]{0,24}") {
            let digits = text.trim();
            let reference = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse::<u128>().ok())
                .flatten()
                .and_then(|n| u64::try_from(n).ok())
                .map(Duration::from_secs);
            proptest::prop_assert_eq!(parse_retry_after(&text), reference);
        }
    }

    #[test]
    fn display_formats() {
        let mut e = ClerkError::new("form_param_missing", "missing");
        e.long_message = Some("Enter an email address.".into());
        let api = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, vec![e]).with_trace_id("abc");
        assert_eq!(
            api.to_string(),
            "422 form_param_missing: Enter an email address. [trace abc]"
        );
        let api = api.with_operation(Operation::new(Method::POST, "/users"));
        assert_eq!(
            api.to_string(),
            "422 form_param_missing on POST /users: Enter an email address. [trace abc]"
        );
        assert_eq!(
            ApiError::new(StatusCode::BAD_GATEWAY, vec![]).to_string(),
            "502 Bad Gateway"
        );
        assert_eq!(
            ApiError::new(StatusCode::BAD_GATEWAY, vec![])
                .with_operation(Operation::new(Method::GET, "/users/{user_id}"))
                .to_string(),
            "502 Bad Gateway on GET /users/{user_id}"
        );
        let two = ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![
                ClerkError::new("a", "first"),
                ClerkError::new("b", "second"),
            ],
        );
        assert_eq!(two.to_string(), "400 a: first (+1 more)");
        // An error entry without a code reads as the status's reason.
        let bare = ApiError::new(StatusCode::NOT_FOUND, vec![ClerkError::new("", "gone")]);
        assert_eq!(bare.to_string(), "404 Not Found: gone");
    }

    #[test]
    fn tolerant_error_body() {
        let body = br#"{"errors":[{"code":5,"message":"m"},"junk",{"code":"c","meta":null}]}"#;
        let api = ApiError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body);
        assert_eq!(api.errors().len(), 2);
        assert_eq!(api.errors()[0].code, "");
        assert_eq!(api.errors()[0].message, "m");
        assert_eq!(api.errors()[1].code, "c");
        assert_eq!(api.errors()[1].meta, None);
    }

    #[test]
    fn error_bodies_decode_every_shape_leniently() {
        let body = br#"{"errors":[{"code":"form_param_missing","message":"Enter it.","long_message":"Enter an email address.","meta":{"param_name":"email_address"},"extra":[1,{"a":2}]},
            {"code":["x"],"message":{"m":1},"long_message":7}, [1,2], null, 3],
            "clerk_trace_id":"trace_1","other":{"deep":[true]}}"#;
        let api =
            ApiError::from_response(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), body);
        assert_eq!(api.errors().len(), 2);
        let first = &api.errors()[0];
        assert_eq!(first.code, "form_param_missing");
        assert_eq!(
            first.long_message.as_deref(),
            Some("Enter an email address.")
        );
        assert_eq!(
            first.meta,
            Some(serde_json::json!({"param_name": "email_address"}))
        );
        assert_eq!(api.errors()[1], ClerkError::default());
        assert_eq!(api.trace_id(), Some("trace_1"));
        assert_eq!(api.errors_omitted(), 0);

        // Not an error body at all: an empty list, the trace id from cf-ray.
        let mut headers = HeaderMap::new();
        headers.insert("cf-ray", "ray_1".parse().unwrap());
        for body in [
            &b"<html>502</html>"[..],
            b"[]",
            br#"{"errors":{"code":"x"},"clerk_trace_id":5}"#,
            b"",
        ] {
            let api = ApiError::from_response(StatusCode::BAD_GATEWAY, &headers, body);
            assert!(api.errors().is_empty());
            assert_eq!(api.trace_id(), Some("ray_1"));
        }
    }

    #[test]
    fn error_bodies_keep_a_bounded_number_of_errors() {
        let entry = r#"{"code":"c","message":"m"}"#;
        let body = format!(
            r#"{{"errors":[{}]}}"#,
            vec![entry; MAX_API_ERRORS + 7].join(",")
        );
        let api =
            ApiError::from_response(StatusCode::BAD_REQUEST, &HeaderMap::new(), body.as_bytes());
        assert_eq!(api.errors().len(), MAX_API_ERRORS);
        assert_eq!(api.errors_omitted(), 7);
        assert!(
            api.to_string()
                .contains(&format!("(+{} more)", MAX_API_ERRORS - 1 + 7)),
            "{api}"
        );
    }
}
