//! The HTTP [`Transport`] abstraction and its default implementation, [`HyperTransport`].
//!
//! The client hands a fully built `http::Request<Bytes>` (absolute URI, all headers, whole body) to
//! a transport and gets back the whole response. Retries, timeouts, tracing and decoding happen
//! above the transport, so a custom transport (for tests, proxies, a different HTTP stack) only has
//! to move bytes.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::ConfigError;

/// The future returned by [`Transport::send`].
pub type TransportFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Bytes>, TransportError>> + Send>>;

/// Sends one HTTP request and returns the complete response.
///
/// Implementations must not retry or time out on their own account (the client does both) and
/// must classify failures with [`TransportErrorKind`]: only report
/// [`Connect`](TransportErrorKind::Connect) when the request certainly did not reach the server,
/// because the client retries those even for non-idempotent methods.
pub trait Transport: Send + Sync + 'static {
    /// Sends `req` (absolute URI, all headers set, complete body).
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture {
        (**self).send(req)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture {
        (**self).send(req)
    }
}

/// How a transport failure happened, which decides whether it is safe to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (DNS, TCP connect, TLS handshake): the request
    /// never left the machine, so retrying is safe for every method.
    Connect,
    /// An I/O error after the connection was established: the request may have reached the server.
    Io,
    /// The response body is larger than the client accepts
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body)): it was
    /// not read further. The request was received; it is never retried.
    ResponseTooLarge,
    /// Any other failure; the request may have reached the server.
    Other,
}

impl TransportErrorKind {
    fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "could not connect to the Clerk API",
            TransportErrorKind::Io => "I/O error while talking to the Clerk API",
            TransportErrorKind::ResponseTooLarge => {
                "the Clerk API response is larger than the configured limit"
            }
            TransportErrorKind::Other => "HTTP transport error",
        }
    }
}

/// A request could not be sent or its response could not be read.
///
/// `Display` names the kind only; the underlying error is available through
/// [`std::error::Error::source`]. Neither contains headers, so the secret key never appears.
pub struct TransportError {
    kind: TransportErrorKind,
    operation: Option<crate::error::Operation>,
    source: Option<Box<dyn StdError + Send + Sync>>,
    attempts: u32,
}

impl TransportError {
    /// Builds an error of the given kind with an underlying cause.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> TransportError {
        TransportError {
            kind,
            operation: None,
            source: Some(source.into()),
            attempts: 1,
        }
    }

    /// Builds an error of the given kind without an underlying cause.
    pub fn from_kind(kind: TransportErrorKind) -> TransportError {
        TransportError {
            kind,
            operation: None,
            source: None,
            attempts: 1,
        }
    }

    /// A [`TransportErrorKind::ResponseTooLarge`] error for a body over `limit` bytes.
    pub fn response_too_large(limit: usize) -> TransportError {
        TransportError::new(
            TransportErrorKind::ResponseTooLarge,
            format!("the response body exceeds {limit} bytes"),
        )
    }

    /// The same error, after `attempts` attempts of the call.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> TransportError {
        self.attempts = attempts;
        self
    }

    /// How many attempts the call made (the last one failed this way).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The same error, naming the operation it happened in (kept when one is already set).
    pub(crate) fn with_operation(mut self, operation: &crate::error::Operation) -> TransportError {
        self.operation.get_or_insert_with(|| operation.clone());
        self
    }

    /// The operation whose call failed, e.g. `GET /users`.
    pub fn operation(&self) -> Option<&crate::error::Operation> {
        self.operation.as_ref()
    }

    /// A [`TransportErrorKind::Connect`] error: the request never left the machine.
    pub fn connect(source: impl Into<Box<dyn StdError + Send + Sync>>) -> TransportError {
        TransportError::new(TransportErrorKind::Connect, source)
    }

    /// A [`TransportErrorKind::Io`] error: the request may have reached the server.
    pub fn io(source: impl Into<Box<dyn StdError + Send + Sync>>) -> TransportError {
        TransportError::new(TransportErrorKind::Io, source)
    }

    /// A [`TransportErrorKind::Other`] error.
    pub fn other(source: impl Into<Box<dyn StdError + Send + Sync>>) -> TransportError {
        TransportError::new(TransportErrorKind::Other, source)
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// `true` if the request never left the machine.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("source", &self.source)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(operation) = &self.operation {
            write!(f, " for {operation}")?;
        }
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The default transport: a pooled hyper client over rustls (ring provider).
///
/// - HTTP/1.1 and HTTP/2 (negotiated through ALPN), keep-alive connection pool (idle connections
///   are closed after 90 s);
/// - `https` and plain `http` URLs (the latter for local emulators and tests);
/// - TLS trust anchors: the operating system's store with the `rustls-native-roots` feature
///   (falling back to the bundled Mozilla roots when `rustls-webpki-roots` is also enabled and no
///   native roots can be loaded), the bundled Mozilla roots (`webpki-roots`) otherwise.
///
/// Must be used inside a Tokio runtime. Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct HyperTransport {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    max_response_body: usize,
}

impl HyperTransport {
    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Tls`] if the TLS configuration cannot be built (with only the
    /// `rustls-native-roots` feature: no usable root certificate in the OS store).
    pub fn new() -> Result<HyperTransport, ConfigError> {
        HyperTransport::with_settings(
            crate::config::DEFAULT_CONNECT_TIMEOUT,
            crate::config::DEFAULT_MAX_RESPONSE_BODY,
        )
    }

    /// The same transport reading at most `bytes` of a response body: a larger body fails with
    /// [`TransportErrorKind::ResponseTooLarge`] as soon as the limit is passed.
    pub fn with_max_response_body(mut self, bytes: usize) -> HyperTransport {
        self.max_response_body = bytes;
        self
    }

    /// The transport with a connect timeout (TCP and TLS, per connection) and a response body
    /// limit in bytes; [`new`](HyperTransport::new) uses
    /// [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT) and
    /// [`DEFAULT_MAX_RESPONSE_BODY`](crate::DEFAULT_MAX_RESPONSE_BODY).
    ///
    /// # Errors
    ///
    /// As [`HyperTransport::new`].
    pub fn with_settings(
        connect_timeout: Duration,
        max_response_body: usize,
    ) -> Result<HyperTransport, ConfigError> {
        let tls = tls_config()?;
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect_timeout));
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(60)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .timer(TokioTimer::new())
            .build(connector);
        Ok(HyperTransport {
            client,
            max_response_body,
        })
    }
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport").finish_non_exhaustive()
    }
}

impl Transport for HyperTransport {
    fn send(&self, req: http::Request<Bytes>) -> TransportFuture {
        let client = self.client.clone();
        let limit = self.max_response_body;
        Box::pin(async move {
            let response = client.request(req.map(Full::new)).await.map_err(|err| {
                if err.is_connect() {
                    TransportError::connect(err)
                } else {
                    TransportError::io(err)
                }
            })?;
            let (parts, body) = response.into_parts();
            // A declared length over the limit fails before reading; otherwise reading stops
            // as soon as the limit is passed (chunked bodies included).
            let declared = parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|len| len > limit as u64) {
                return Err(TransportError::response_too_large(limit));
            }
            let body = http_body_util::Limited::new(body, limit)
                .collect()
                .await
                .map_err(|err| {
                    if err.is::<http_body_util::LengthLimitError>() {
                        TransportError::response_too_large(limit)
                    } else {
                        TransportError::io(err)
                    }
                })?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

type RootsBuilder = rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>;
type VerifierBuilder = rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>;

fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Tls {
            message: e.to_string(),
        })?;
    Ok(with_roots(builder)?.with_no_client_auth())
}

#[cfg(feature = "rustls-native-roots")]
fn with_roots(builder: VerifierBuilder) -> Result<RootsBuilder, ConfigError> {
    use hyper_rustls::ConfigBuilderExt;
    match builder.clone().with_native_roots() {
        Ok(with_roots) => Ok(with_roots),
        Err(err) => native_roots_fallback(builder, err),
    }
}

#[cfg(all(feature = "rustls-native-roots", feature = "rustls-webpki-roots"))]
fn native_roots_fallback(
    builder: VerifierBuilder,
    err: std::io::Error,
) -> Result<RootsBuilder, ConfigError> {
    use hyper_rustls::ConfigBuilderExt;
    tracing::debug!(error = %err, "no native root certificates; using the bundled webpki roots");
    Ok(builder.with_webpki_roots())
}

#[cfg(all(feature = "rustls-native-roots", not(feature = "rustls-webpki-roots")))]
fn native_roots_fallback(
    _builder: VerifierBuilder,
    err: std::io::Error,
) -> Result<RootsBuilder, ConfigError> {
    Err(ConfigError::Tls {
        message: format!("could not load native root certificates: {err}"),
    })
}

/// Without `rustls-native-roots`, the bundled Mozilla roots are used.
#[cfg(all(not(feature = "rustls-native-roots"), feature = "rustls-webpki-roots"))]
fn with_roots(builder: VerifierBuilder) -> Result<RootsBuilder, ConfigError> {
    use hyper_rustls::ConfigBuilderExt;
    Ok(builder.with_webpki_roots())
}

/// With neither roots feature, no certificate is trusted: plain `http://` (a local emulator, a
/// proxy) and custom [`Transport`]s work, `https://` fails its handshake with an unknown-issuer
/// transport error.
#[cfg(not(any(feature = "rustls-native-roots", feature = "rustls-webpki-roots")))]
fn with_roots(builder: VerifierBuilder) -> Result<RootsBuilder, ConfigError> {
    Ok(builder.with_root_certificates(rustls::RootCertStore::empty()))
}
