//! Client configuration: [`ClientBuilder`] and the validated [`Config`] it produces.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};

use crate::client::Client;
use crate::error::{ConfigError, Error};
use crate::retry::RetryPolicy;
use crate::secret::{SecretKey, redact};
use crate::transport::{HyperTransport, Transport};
use clerk_clock::{Clock, SystemClock};

/// Default Backend API base URL.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

/// Default API path version, inserted between the base URL and the path (`/v1/users`).
pub const DEFAULT_API_PATH_VERSION: &str = "v1";

/// Default time allowed to establish a connection (TCP and TLS), per attempt (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for one attempt: connecting, sending, and reading the whole answer (30 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed for a whole call: every attempt and every wait between them (60 s).
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default size limit of a response body (16 MiB); a larger one fails the call without being read
/// further.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;

/// Environment variable holding the secret key.
pub const ENV_SECRET_KEY: &str = "CLERK_SECRET_KEY";

/// Environment variable overriding the API URL.
pub const ENV_API_URL: &str = "CLERK_API_URL";

/// The default `User-Agent`: `clerk-rust/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("clerk-rust/", env!("CARGO_PKG_VERSION"));

/// Validated client configuration. Obtain it from [`Client::config`].
///
/// `Debug` never shows the secret key (only its `sk_test_`/`sk_live_` prefix) nor the values of
/// default headers.
#[derive(Clone)]
pub struct Config {
    secret_key: SecretKey,
    authorization: HeaderValue,
    base_url: String,
    api_version: String,
    user_agent: HeaderValue,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    call_timeout: Duration,
    max_response_body: usize,
    retry_policy: RetryPolicy,
    default_headers: Vec<(HeaderName, HeaderValue)>,
}

impl Config {
    /// The secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// The API base URL, without trailing slash (e.g. `https://api.clerk.com`).
    pub fn api_url(&self) -> &str {
        &self.base_url
    }

    /// The API path version (e.g. `v1`).
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        self.user_agent.to_str().unwrap_or(DEFAULT_USER_AGENT)
    }

    /// The time allowed to establish a connection, per attempt.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The time allowed for one attempt (connect, send, read the whole answer).
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The time allowed for a whole call, retries and waits included.
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// The largest response body read, in bytes.
    pub fn max_response_body(&self) -> usize {
        self.max_response_body
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// Names of the extra headers sent on every request.
    pub fn default_header_names(&self) -> impl Iterator<Item = &HeaderName> {
        self.default_headers.iter().map(|(name, _)| name)
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn authorization_header(&self) -> &HeaderValue {
        &self.authorization
    }

    pub(crate) fn user_agent_header(&self) -> &HeaderValue {
        &self.user_agent
    }

    pub(crate) fn default_headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.default_headers
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("secret_key", &self.secret_key)
            .field("api_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent())
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("max_response_body", &self.max_response_body)
            .field("retry_policy", &self.retry_policy)
            .field(
                "default_headers",
                &self.default_header_names().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use clerk_core::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .secret_key("sk_test_123")
///     .api_url("http://localhost:8080")
///     .attempt_timeout(Duration::from_secs(10))
///     .call_timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::disabled())
///     .build()?;
/// assert_eq!(client.config().api_url(), "http://localhost:8080");
/// # Ok::<(), clerk_core::Error>(())
/// ```
///
/// Defaults: API URL [`DEFAULT_API_URL`], path version [`DEFAULT_API_PATH_VERSION`], user agent
/// [`DEFAULT_USER_AGENT`], [`DEFAULT_CONNECT_TIMEOUT`] to connect, [`DEFAULT_ATTEMPT_TIMEOUT`] per
/// attempt and [`DEFAULT_CALL_TIMEOUT`] for a whole call (retries included), responses up to
/// [`DEFAULT_MAX_RESPONSE_BODY`], [`RetryPolicy::standard`], [`HyperTransport`],
/// [`SystemClock`]. [`ClientBuilder::new`] reads nothing from the environment;
/// [`ClientBuilder::from_env`] does.
#[must_use]
pub struct ClientBuilder {
    secret_key: Option<String>,
    api_url: Option<String>,
    api_version: Option<String>,
    user_agent: Option<String>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    call_timeout: Duration,
    max_response_body: usize,
    allow_insecure_http: bool,
    retry_policy: RetryPolicy,
    default_headers: Vec<(String, String)>,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder with every option at its default and no secret key.
    pub fn new() -> ClientBuilder {
        ClientBuilder {
            secret_key: None,
            api_url: None,
            api_version: None,
            user_agent: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            allow_insecure_http: false,
            retry_policy: RetryPolicy::standard(),
            default_headers: Vec::new(),
            transport: None,
            clock: None,
        }
    }

    /// A builder seeded from the environment: the secret key from `CLERK_SECRET_KEY` and, when set
    /// and non-empty, the API URL from `CLERK_API_URL`. Later setters override both.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidEnvVar`] if a variable is set but not valid Unicode. (A missing key
    /// is reported by [`ClientBuilder::build`].)
    pub fn from_env() -> Result<ClientBuilder, ConfigError> {
        ClientBuilder::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(()),
        })
    }

    fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ()>,
    ) -> Result<ClientBuilder, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map_err(|()| ConfigError::InvalidEnvVar { name })
                .map(|v| v.filter(|s| !s.is_empty()))
        };
        let mut builder = ClientBuilder::new();
        builder.secret_key = get(ENV_SECRET_KEY)?;
        builder.api_url = get(ENV_API_URL)?;
        Ok(builder)
    }

    /// The secret key (`sk_test_…` / `sk_live_…`).
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// The API base URL (default `https://api.clerk.com`). A path is kept (`https://proxy/clerk`
    /// sends `https://proxy/clerk/v1/…`); a trailing slash is ignored. Plain `http://` is
    /// accepted for loopback hosts only (an emulator, a test server), since every request
    /// carries the secret key — see [`allow_insecure_http`](ClientBuilder::allow_insecure_http).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.api_url = Some(url.into());
        self
    }

    /// The API path version (default `v1`), like `apiVersion` of the JavaScript SDK. This is the
    /// URL segment, not the `Clerk-API-Version` header, which is always
    /// [`CLERK_API_VERSION`](crate::CLERK_API_VERSION).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The `User-Agent` header (default `clerk-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The time allowed to establish a connection (TCP and TLS), per attempt (default 10 s).
    /// Must be greater than zero.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time allowed for one attempt: connecting, sending the request and reading the whole
    /// answer (default 30 s). Must be greater than zero. Each attempt gets the smaller of this
    /// and what is left of the [`call_timeout`](ClientBuilder::call_timeout).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// The time allowed for a whole call, every attempt and every wait between retries included
    /// (default 60 s). Strict: no attempt or wait starts past it, and an attempt running into it
    /// is cut short. Must be greater than zero. Operation builders can override it per call.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Accepts a plain `http://` API URL on a host other than this machine (default `false`):
    /// for an emulator on a private network you trust, such as a `docker compose` service. The
    /// secret key then travels in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest response body read, in bytes (default 16 MiB): a larger one fails the call
    /// once the limit is reached, without reading the rest. Must be greater than zero.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// The retry policy (default [`RetryPolicy::standard`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// A header sent on every request (a later call with the same name replaces the value; a
    /// request's own headers take precedence). Validated by [`ClientBuilder::build`].
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the HTTP transport (default [`HyperTransport`]). Accepts `Arc<dyn Transport>`.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Replaces the clock used for retry waits and budgets (default [`SystemClock`]). Accepts
    /// `Arc<dyn Clock>` and [`ManualClock`](crate::ManualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Validates the configuration and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the secret key is missing or cannot be sent in a header, the API
    /// URL is not an absolute `http`/`https` URL (or has credentials, a query or a fragment), the
    /// path version, user agent or a default header is invalid, the timeout is zero, or the
    /// default transport's TLS setup fails.
    pub fn build(self) -> Result<Client, Error> {
        let secret_key = SecretKey::new(self.secret_key.unwrap_or_default())?;
        let authorization = secret_key.authorization_header();

        let base_url = normalize_api_url(
            self.api_url.as_deref().unwrap_or(DEFAULT_API_URL),
            self.allow_insecure_http,
        )?;

        let api_version = self
            .api_version
            .unwrap_or_else(|| DEFAULT_API_PATH_VERSION.to_owned());
        if api_version.is_empty()
            || !api_version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
            || api_version == "."
            || api_version == ".."
        {
            return Err(ConfigError::InvalidApiVersion { value: api_version }.into());
        }

        let user_agent = match self.user_agent {
            None => HeaderValue::from_static(DEFAULT_USER_AGENT),
            Some(ua) if ua.is_empty() => return Err(ConfigError::InvalidUserAgent.into()),
            Some(ua) => HeaderValue::try_from(ua).map_err(|_| ConfigError::InvalidUserAgent)?,
        };

        if self.connect_timeout.is_zero()
            || self.attempt_timeout.is_zero()
            || self.call_timeout.is_zero()
        {
            return Err(ConfigError::InvalidTimeout.into());
        }
        if self.max_response_body == 0 {
            return Err(ConfigError::InvalidSetting {
                name: "max_response_body",
                reason: "must be greater than zero".to_owned(),
            }
            .into());
        }

        let mut default_headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        for (name, value) in self.default_headers {
            let header_name = HeaderName::try_from(name.as_str()).map_err(|_| {
                ConfigError::InvalidDefaultHeader {
                    name: name.clone(),
                    reason: "invalid header name",
                }
            })?;
            let header_value =
                HeaderValue::try_from(value).map_err(|_| ConfigError::InvalidDefaultHeader {
                    name: name.clone(),
                    reason: "invalid header value",
                })?;
            default_headers.retain(|(n, _)| *n != header_name);
            default_headers.push((header_name, header_value));
        }

        let transport: Arc<dyn Transport> = match self.transport {
            Some(transport) => transport,
            None => Arc::new(HyperTransport::with_settings(
                self.connect_timeout,
                self.max_response_body,
            )?),
        };
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));

        let config = Config {
            secret_key,
            authorization,
            base_url,
            api_version,
            user_agent,
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            call_timeout: self.call_timeout,
            max_response_body: self.max_response_body,
            retry_policy: self.retry_policy,
            default_headers,
        };
        Ok(Client::from_parts(config, transport, clock))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret_key", &self.secret_key.as_deref().map(redact))
            .field("api_url", &self.api_url)
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("max_response_body", &self.max_response_body)
            .field("retry_policy", &self.retry_policy)
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>(),
            )
            .field("custom_transport", &self.transport.is_some())
            .field("custom_clock", &self.clock.is_some())
            .finish()
    }
}

/// Checks that `raw` is an absolute http(s) URL without credentials, query or fragment, and
/// returns it without trailing slashes.
/// Whether `host` (as in a URL's authority, IPv6 in brackets) is this machine.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn normalize_api_url(raw: &str, allow_insecure_http: bool) -> Result<String, ConfigError> {
    let bad = |reason: &str| ConfigError::InvalidApiUrl {
        reason: reason.to_owned(),
    };
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(bad("the URL is empty"));
    }
    if raw.contains('#') {
        return Err(bad("the URL must not have a fragment"));
    }
    let uri: http::Uri = raw
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&format!("not a valid URL ({e})")))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| bad("the URL must be absolute (start with https:// or http://)"))?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(bad(&format!(
            "unsupported scheme {scheme:?} (expected https or http)"
        )));
    }
    let authority = uri
        .authority()
        .filter(|a| !a.host().is_empty())
        .ok_or_else(|| bad("the URL has no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("the URL must not contain credentials"));
    }
    if uri.query().is_some() {
        return Err(bad("the URL must not have a query string"));
    }
    // Every request carries the secret key: in clear text only to this machine, unless asked.
    if scheme.eq_ignore_ascii_case("http")
        && !allow_insecure_http
        && !is_loopback_host(authority.host())
    {
        return Err(bad(
            "plain http would send the secret key in clear text: use https, a loopback host \
             (127.0.0.1, ::1, localhost), or allow_insecure_http(true) for a trusted network",
        ));
    }
    let path = uri.path().trim_end_matches('/');
    Ok(format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        authority.as_str(),
        path
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_normalization() {
        assert_eq!(
            normalize_api_url("https://api.clerk.com/", false).unwrap(),
            "https://api.clerk.com"
        );
        assert_eq!(
            normalize_api_url("HTTP://127.0.0.1:8080/base/path//", false).unwrap(),
            "http://127.0.0.1:8080/base/path"
        );
        // Plain http: this machine only, unless allowed.
        for loopback in [
            "http://localhost:4010",
            "http://127.0.0.1",
            "http://127.8.9.10:1",
            "http://[::1]:4010",
            "http://emulator.localhost",
        ] {
            assert!(normalize_api_url(loopback, false).is_ok(), "{loopback}");
        }
        for remote in [
            "http://api.clerk.com",
            "http://10.0.0.7:4010",
            "http://localhost.example.com",
            "http://[2001:db8::1]",
        ] {
            assert!(
                matches!(
                    normalize_api_url(remote, false),
                    Err(ConfigError::InvalidApiUrl { reason }) if reason.contains("clear text")
                ),
                "{remote}"
            );
            assert!(normalize_api_url(remote, true).is_ok(), "{remote}");
        }
        for bad in [
            "",
            "api.clerk.com",
            "ftp://api.clerk.com",
            "https://",
            "https://user:pw@api.clerk.com",
            "https://api.clerk.com/?x=1",
            "https://api.clerk.com/#f",
            "not a url",
            "/relative",
        ] {
            assert!(
                matches!(
                    normalize_api_url(bad, true),
                    Err(ConfigError::InvalidApiUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn env_lookup() {
        let b = ClientBuilder::from_lookup(|name| {
            Ok(match name {
                ENV_SECRET_KEY => Some("sk_test_env".to_owned()),
                ENV_API_URL => Some("http://localhost:1".to_owned()),
                _ => None,
            })
        })
        .unwrap();
        assert_eq!(b.secret_key.as_deref(), Some("sk_test_env"));
        assert_eq!(b.api_url.as_deref(), Some("http://localhost:1"));
        let client = b.transport(NoTransport).build().unwrap();
        assert_eq!(client.config().api_url(), "http://localhost:1");

        let b = ClientBuilder::from_lookup(|name| {
            Ok(match name {
                ENV_API_URL => Some(String::new()),
                _ => None,
            })
        })
        .unwrap();
        assert_eq!(b.api_url, None);
        assert!(matches!(
            b.transport(NoTransport).build(),
            Err(Error::Config(ConfigError::MissingSecretKey))
        ));

        let err = ClientBuilder::from_lookup(|_| Err(())).unwrap_err();
        assert_eq!(
            err,
            ConfigError::InvalidEnvVar {
                name: ENV_SECRET_KEY
            }
        );
    }

    struct NoTransport;
    impl Transport for NoTransport {
        fn send(&self, _req: http::Request<bytes::Bytes>) -> crate::transport::TransportFuture {
            Box::pin(async {
                Err(crate::TransportError::from_kind(
                    crate::TransportErrorKind::Other,
                ))
            })
        }
    }
}
