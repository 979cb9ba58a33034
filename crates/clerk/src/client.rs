//! [`Clerk`], the one client, and [`ClerkBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use clerk_auth::clock::{Clock, SystemClock};
use clerk_auth::machine::{MachineTokenError, verify_machine_jwt};
use clerk_auth::remote::{AsyncKeySource, JwksCache, KeysFuture, MachineVerifier, StaticKeys};
use clerk_auth::request::PublishableKey;
use clerk_auth::{MachineAuth, PublicKey, SessionClaims, VerifyError, VerifyOptions};
use clerk_core::{ClientBuilder, ConfigError, Error, RetryPolicy, SecretKey, Transport};

use crate::backend::AuthBackend;

/// The Clerk client: every Backend API operation, session and machine token verification,
/// request authentication and webhook verification, configured once.
///
/// The Rust counterpart of `@clerk/backend`'s `createClerkClient(…)`. Build one at startup and
/// share it (it is cheap to clone: one `Arc` inside):
///
/// ```no_run
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let clerk = clerk::Clerk::builder()
///     .secret_key(std::env::var("CLERK_SECRET_KEY")?)
///     .publishable_key(std::env::var("CLERK_PUBLISHABLE_KEY")?)
///     .authorized_parties(["https://app.example.com"])
///     .build()?;
///
/// let user = clerk.users().get("user_2abc").await?;           // the Backend API
/// let claims = clerk.verify_token(token).await?;              // a session token
/// println!("{} is {:?}", claims.sub, user.first_name);
/// # Ok(()) }
/// ```
///
/// - **Backend API**: one method per resource group — [`users`](Clerk::users),
///   [`organizations`](Clerk::organizations), [`sessions`](Clerk::sessions), … — each returning
///   request builders you `.await`.
/// - **Session tokens**: [`verify_token`](Clerk::verify_token) checks them networklessly with the
///   [`jwt_key`](ClerkBuilder::jwt_key) when one is set, else with the instance's JWKS, fetched
///   through this client and cached (5 minutes, one fetch at a time, rate-limited refetches for
///   unknown key ids, stale keys served while Clerk is unreachable).
/// - **Machine tokens** (M2M tokens, API keys, OAuth access tokens):
///   [`verify_machine_token`](Clerk::verify_machine_token).
/// - **Requests**: [`authenticate_request`](Clerk::authenticate_request) — `@clerk/backend`'s
///   `authenticateRequest`, with handshakes, nonces, session refresh and machine tokens wired
///   through this client — and, with the `tower` feature, [`layer`](Clerk::layer).
/// - **Webhooks** (feature `webhooks`): [`verify_webhook`](Clerk::verify_webhook).
///
/// One [`Clock`] serves all of it ([`ClerkBuilder::clock`]): retries, the JWKS cache, token
/// time claims, cookie decisions and webhook timestamps.
#[derive(Clone)]
pub struct Clerk {
    inner: Arc<Inner>,
}

struct Inner {
    api: clerk_api::Clerk,
    backend: AuthBackend,
    clock: Arc<dyn Clock>,
    verify_options: VerifyOptions,
    keys: Keys,
    machine: MachineVerifier,
    instance: Instance,
    #[cfg(feature = "webhooks")]
    webhook: Option<clerk_auth::webhooks::Webhook>,
    /// The request-authentication options of `RequestOptions::new()`, built on first use.
    default_request: std::sync::OnceLock<clerk_auth::request::AuthenticateOptions>,
}

/// What request authentication needs to know about the instance.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) publishable_key: Option<PublishableKey>,
    pub(crate) domain: Option<String>,
    pub(crate) is_satellite: bool,
    pub(crate) proxy_url: Option<String>,
    pub(crate) sign_in_url: Option<String>,
    pub(crate) sign_up_url: Option<String>,
    pub(crate) public_origin: Option<String>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) allowed_redirect_origins: Vec<String>,
}

/// Where verification keys come from: the networkless key, or the instance's JWKS.
#[derive(Clone)]
pub(crate) enum Keys {
    Networkless(PublicKey, StaticKeys),
    Jwks(JwksCache),
}

impl AsyncKeySource for Keys {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> KeysFuture<'a> {
        match self {
            Keys::Networkless(_, keys) => keys.keys(kid),
            Keys::Jwks(cache) => AsyncKeySource::keys(cache, kid),
        }
    }
}

impl Clerk {
    /// A builder: the secret key and every other option of `createClerkClient`.
    pub fn builder() -> ClerkBuilder {
        ClerkBuilder::new()
    }

    /// A client for the given secret key, with every other setting at its default.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is empty or cannot be sent in a header.
    pub fn new(secret_key: impl Into<String>) -> Result<Clerk, Error> {
        Clerk::builder().secret_key(secret_key).build()
    }

    /// A client configured from the environment: see [`ClerkBuilder::from_env`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `CLERK_SECRET_KEY` is missing, or a variable is set to an invalid
    /// value (the error names it).
    pub fn from_env() -> Result<Clerk, Error> {
        ClerkBuilder::from_env()?.build()
    }

    /// The Backend API client alone (`clerk_api::Clerk`), e.g. to hand to code that only calls
    /// the API. [`Clerk`] has the same resource methods.
    pub fn api(&self) -> &clerk_api::Clerk {
        &self.inner.api
    }

    /// The transport-level client, for requests this SDK has no builder for.
    pub fn client(&self) -> &clerk_core::Client {
        self.inner.api.client()
    }

    /// The Backend API calls request authentication and remote verification use, implementing
    /// `clerk-auth`'s traits — to assemble `clerk-auth` pieces by hand.
    pub fn auth_backend(&self) -> &AuthBackend {
        &self.inner.backend
    }

    /// The clock every part of this client uses.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The session-token checks this client applies: authorized parties, audience, the clock.
    pub fn verify_options(&self) -> &VerifyOptions {
        &self.inner.verify_options
    }

    /// The client's JWKS cache (`None` with a [`jwt_key`](ClerkBuilder::jwt_key): tokens then
    /// verify networklessly), to look at what it holds or wait for a refresh.
    pub fn jwks_cache(&self) -> Option<&JwksCache> {
        match &self.inner.keys {
            Keys::Jwks(cache) => Some(cache),
            Keys::Networkless(..) => None,
        }
    }

    /// The instance's publishable key, when one is configured.
    pub fn publishable_key(&self) -> Option<&PublishableKey> {
        self.inner.instance.publishable_key.as_ref()
    }

    pub(crate) fn instance_settings(&self) -> &Instance {
        &self.inner.instance
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub(crate) fn default_authenticate_options(&self) -> &clerk_auth::request::AuthenticateOptions {
        self.inner
            .default_request
            .get_or_init(|| self.authenticate_options(&crate::RequestOptions::new()))
    }

    pub(crate) fn machine_verifier(&self) -> &MachineVerifier {
        &self.inner.machine
    }

    /// Email operations not in the OpenAPI spec (`@clerk/backend`'s `emails`).
    pub fn emails(&self) -> clerk_api::EmailsApi {
        self.inner.api.emails()
    }

    /// Keyless (accountless) application operations not in the OpenAPI spec.
    pub fn accountless_applications(&self) -> clerk_api::AccountlessApplicationsApi {
        self.inner.api.accountless_applications()
    }

    /// Verifies a session token: networklessly with the [`jwt_key`](ClerkBuilder::jwt_key) when
    /// one is configured, else with the instance's JWKS (fetched and cached through this
    /// client). The checks are those of [`clerk_auth::verify_token`] with this client's
    /// [`verify_options`](Clerk::verify_options).
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] naming the first check that failed, or why the keys could not be
    /// loaded ([`ReasonKind::JwksFailedToLoad`](clerk_auth::ReasonKind::JwksFailedToLoad),
    /// [`ReasonKind::SecretKeyInvalid`](clerk_auth::ReasonKind::SecretKeyInvalid)).
    pub async fn verify_token(&self, token: &str) -> Result<SessionClaims, VerifyError> {
        self.verify_token_with(token, &self.inner.verify_options)
            .await
    }

    /// [`verify_token`](Clerk::verify_token) with other options for this call (another
    /// audience, a larger leeway…).
    ///
    /// # Errors
    ///
    /// As [`verify_token`](Clerk::verify_token).
    pub async fn verify_token_with(
        &self,
        token: &str,
        options: &VerifyOptions,
    ) -> Result<SessionClaims, VerifyError> {
        match &self.inner.keys {
            Keys::Networkless(key, _) => clerk_auth::verify_token(token, key, options),
            Keys::Jwks(cache) => cache.verify(token, options).await,
        }
    }

    /// Verifies a machine token — an M2M token, an API key or an OAuth access token, opaque
    /// (through the Backend API's verify endpoints, with the
    /// [`machine_secret_key`](ClerkBuilder::machine_secret_key) for M2M tokens when set) or a
    /// JWT (networklessly with this client's keys).
    ///
    /// # Errors
    ///
    /// A [`MachineTokenError`] with `@clerk/backend`'s codes (`token-invalid`,
    /// `secret-key-invalid`, `token-verification-failed`, `unexpected-error`).
    pub async fn verify_machine_token(
        &self,
        token: &str,
    ) -> Result<MachineAuth, MachineTokenError> {
        match &self.inner.keys {
            // No network needed for a JWT with the networkless key; opaque tokens still are.
            Keys::Networkless(key, _)
                if clerk_auth::machine::detect(token).is_some_and(|k| k.is_jwt()) =>
            {
                verify_machine_jwt(token, key, &self.inner.verify_options)
            }
            _ => self.inner.machine.verify(token).await,
        }
    }

    /// The configured webhook verifier ([`webhook_signing_secret`](ClerkBuilder::webhook_signing_secret)
    /// or `CLERK_WEBHOOK_SIGNING_SECRET`), sharing this client's clock.
    #[cfg(feature = "webhooks")]
    pub fn webhook(&self) -> Option<&clerk_auth::webhooks::Webhook> {
        self.inner.webhook.as_ref()
    }

    /// Verifies a webhook delivery (the `svix-*` or `webhook-*` headers and the raw body) with
    /// the configured signing secret, and decodes the event.
    ///
    /// # Errors
    ///
    /// The errors of [`Webhook::verify_and_parse`](clerk_auth::webhooks::Webhook::verify_and_parse);
    /// [`WebhookError::InvalidSecret`](clerk_auth::webhooks::WebhookError::InvalidSecret) when
    /// no signing secret is configured.
    #[cfg(feature = "webhooks")]
    pub fn verify_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<clerk_auth::webhooks::WebhookEvent, clerk_auth::webhooks::WebhookError> {
        match &self.inner.webhook {
            Some(webhook) => webhook.verify_and_parse(headers, body),
            None => Err(clerk_auth::webhooks::WebhookError::InvalidSecret(
                "no webhook signing secret is configured: set CLERK_WEBHOOK_SIGNING_SECRET or \
                 call ClerkBuilder::webhook_signing_secret",
            )),
        }
    }
}

impl fmt::Debug for Clerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Clerk");
        debug
            .field("api", &inner.api)
            .field(
                "keys",
                &match &inner.keys {
                    Keys::Networkless(..) => "networkless (jwt_key)",
                    Keys::Jwks(_) => "JWKS",
                },
            )
            .field("verify_options", &inner.verify_options)
            .field("publishable_key", &inner.instance.publishable_key)
            .field("domain", &inner.instance.domain)
            .field("is_satellite", &inner.instance.is_satellite)
            .field("proxy_url", &inner.instance.proxy_url);
        #[cfg(feature = "webhooks")]
        debug.field("webhook", &inner.webhook);
        debug.finish_non_exhaustive()
    }
}

impl From<clerk_api::Clerk> for Clerk {
    /// A client around an API client, with no authentication settings beyond its secret key
    /// (tokens verify with the instance's JWKS).
    fn from(api: clerk_api::Clerk) -> Clerk {
        ClerkBuilder::new().assemble(api)
    }
}

/// The environment variables [`ClerkBuilder::from_env`] reads, as in Clerk's other SDKs.
pub mod env {
    /// The secret key (`sk_test_…` / `sk_live_…`).
    pub const SECRET_KEY: &str = "CLERK_SECRET_KEY";
    /// The Backend API URL (default `https://api.clerk.com`).
    pub const API_URL: &str = "CLERK_API_URL";
    /// The Backend API path version (default `v1`).
    pub const API_VERSION: &str = "CLERK_API_VERSION";
    /// The PEM (or bare base64) public key for networkless verification.
    pub const JWT_KEY: &str = "CLERK_JWT_KEY";
    /// The publishable key (`pk_test_…` / `pk_live_…`).
    pub const PUBLISHABLE_KEY: &str = "CLERK_PUBLISHABLE_KEY";
    /// A satellite's primary domain.
    pub const DOMAIN: &str = "CLERK_DOMAIN";
    /// `true` when this app is a satellite.
    pub const IS_SATELLITE: &str = "CLERK_IS_SATELLITE";
    /// The Frontend API proxy URL.
    pub const PROXY_URL: &str = "CLERK_PROXY_URL";
    /// The sign-in page URL.
    pub const SIGN_IN_URL: &str = "CLERK_SIGN_IN_URL";
    /// The sign-up page URL.
    pub const SIGN_UP_URL: &str = "CLERK_SIGN_UP_URL";
    /// The machine secret key for M2M token verification.
    pub const MACHINE_SECRET_KEY: &str = "CLERK_MACHINE_SECRET_KEY";
    /// The webhook signing secret (`whsec_…`).
    pub const WEBHOOK_SIGNING_SECRET: &str = "CLERK_WEBHOOK_SIGNING_SECRET";
    /// Comma-separated authorized parties (`azp` origins).
    pub const AUTHORIZED_PARTIES: &str = "CLERK_AUTHORIZED_PARTIES";
}

/// Builds a [`Clerk`]: the options of `createClerkClient`, plus the HTTP settings.
///
/// ```no_run
/// use std::time::Duration;
///
/// # fn run() -> Result<(), clerk::Error> {
/// let clerk = clerk::Clerk::builder()
///     .secret_key("sk_test_…")
///     .publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
///     .jwt_key(std::env::var("CLERK_JWT_KEY").unwrap_or_default())
///     .authorized_parties(["https://app.example.com"])
///     .call_timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok(()) }
/// ```
///
/// Every setting is checked by [`build`](ClerkBuilder::build), which names the first invalid
/// one. Empty strings mean "not set" (as empty environment variables do).
#[must_use]
pub struct ClerkBuilder {
    http: ClientBuilder,
    jwt_key: Option<String>,
    publishable_key: Option<String>,
    domain: Option<String>,
    is_satellite: bool,
    proxy_url: Option<String>,
    sign_in_url: Option<String>,
    sign_up_url: Option<String>,
    public_origin: Option<String>,
    trust_forwarded_headers: bool,
    allowed_redirect_origins: Vec<String>,
    audience: Vec<String>,
    require_audience: bool,
    issuers: Vec<String>,
    authorized_parties: Vec<String>,
    leeway: Option<Duration>,
    machine_secret_key: Option<String>,
    webhook_signing_secret: Option<String>,
    jwks_timeout: Duration,
    clock: Arc<dyn Clock>,
}

/// The default time allowed for a JWKS fetch, retries included.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for ClerkBuilder {
    fn default() -> Self {
        ClerkBuilder::new()
    }
}

fn non_empty(value: impl Into<String>) -> Option<String> {
    Some(value.into()).filter(|v| !v.trim().is_empty())
}

impl ClerkBuilder {
    /// A builder with every option unset or at its default; reads nothing from the environment.
    pub fn new() -> ClerkBuilder {
        ClerkBuilder {
            http: ClientBuilder::new(),
            jwt_key: None,
            publishable_key: None,
            domain: None,
            is_satellite: false,
            proxy_url: None,
            sign_in_url: None,
            sign_up_url: None,
            public_origin: None,
            trust_forwarded_headers: true,
            allowed_redirect_origins: Vec::new(),
            audience: Vec::new(),
            require_audience: false,
            issuers: Vec::new(),
            authorized_parties: Vec::new(),
            leeway: None,
            machine_secret_key: None,
            webhook_signing_secret: None,
            jwks_timeout: DEFAULT_JWKS_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// A builder seeded from the environment (later setters override it): `CLERK_SECRET_KEY`,
    /// `CLERK_API_URL`, `CLERK_API_VERSION`, `CLERK_JWT_KEY`, `CLERK_PUBLISHABLE_KEY`,
    /// `CLERK_DOMAIN`, `CLERK_IS_SATELLITE` (`true`/`1`), `CLERK_PROXY_URL`, `CLERK_SIGN_IN_URL`,
    /// `CLERK_SIGN_UP_URL`, `CLERK_MACHINE_SECRET_KEY`, `CLERK_WEBHOOK_SIGNING_SECRET` and
    /// `CLERK_AUTHORIZED_PARTIES` (comma-separated). Unset and empty variables are skipped.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidEnvVar`] when a variable is not valid Unicode.
    pub fn from_env() -> Result<ClerkBuilder, ConfigError> {
        ClerkBuilder::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::InvalidEnvVar { name }),
        })
    }

    /// [`from_env`](ClerkBuilder::from_env) with another source of variables (for tests, or a
    /// configuration file mapped to the same names).
    ///
    /// # Errors
    ///
    /// The error `lookup` returns.
    pub fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<ClerkBuilder, ConfigError> {
        let get = |name: &'static str| -> Result<Option<String>, ConfigError> {
            Ok(lookup(name)?.and_then(non_empty))
        };
        let mut builder = ClerkBuilder::new();
        if let Some(key) = get(env::SECRET_KEY)? {
            builder = builder.secret_key(key);
        }
        if let Some(url) = get(env::API_URL)? {
            builder = builder.api_url(url);
        }
        if let Some(version) = get(env::API_VERSION)? {
            builder = builder.api_version(version);
        }
        builder.jwt_key = get(env::JWT_KEY)?;
        builder.publishable_key = get(env::PUBLISHABLE_KEY)?;
        builder.domain = get(env::DOMAIN)?;
        builder.is_satellite = get(env::IS_SATELLITE)?
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1"));
        builder.proxy_url = get(env::PROXY_URL)?;
        builder.sign_in_url = get(env::SIGN_IN_URL)?;
        builder.sign_up_url = get(env::SIGN_UP_URL)?;
        builder.machine_secret_key = get(env::MACHINE_SECRET_KEY)?;
        builder.webhook_signing_secret = get(env::WEBHOOK_SIGNING_SECRET)?;
        if let Some(parties) = get(env::AUTHORIZED_PARTIES)? {
            builder = builder.authorized_parties(parties.split(',').map(str::trim));
        }
        Ok(builder)
    }

    /// The secret key (`sk_test_…` / `sk_live_…`): authenticates every Backend API call. Required.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.http = self.http.secret_key(key);
        self
    }

    /// The Backend API URL (default `https://api.clerk.com`).
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.http = self.http.api_url(url);
        self
    }

    /// The Backend API path version (default `v1`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.http = self.http.api_version(version);
        self
    }

    /// The `User-Agent` header (default `clerk-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.http = self.http.user_agent(user_agent);
        self
    }

    /// The time allowed to connect (TCP and TLS), per attempt (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.connect_timeout(timeout);
        self
    }

    /// The time allowed for one attempt of a Backend API call: connect, send, read the whole
    /// answer (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.attempt_timeout(timeout);
        self
    }

    /// The time allowed for a whole Backend API call, retries and waits included (default 60 s).
    /// Strict: no attempt or wait starts past it. Operation builders override it per call with
    /// `.call_timeout(…)`.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.call_timeout(timeout);
        self
    }

    /// Accepts a plain `http://` API URL on a host other than this machine (default `false`;
    /// loopback hosts are always accepted): for an emulator on a private network you trust.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.http = self.http.allow_insecure_http(allow);
        self
    }

    /// The largest response body read, in bytes (default 16 MiB).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.http = self.http.max_response_body(bytes);
        self
    }

    /// The time allowed for a JWKS fetch, retries included (default 5 s), independent of the
    /// API call settings: a cold verification against a hanging Clerk fails in about that long,
    /// and a warm cache never waits for a refresh at all.
    pub fn jwks_timeout(mut self, timeout: Duration) -> Self {
        self.jwks_timeout = timeout;
        self
    }

    /// The retry policy of Backend API calls (default [`RetryPolicy::standard`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http = self.http.retry_policy(policy);
        self
    }

    /// A header sent on every Backend API call.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.http = self.http.default_header(name, value);
        self
    }

    /// Replaces the HTTP transport (for tests, or another HTTP stack).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.http = self.http.transport(transport);
        self
    }

    /// The PEM public key of the instance (`CLERK_JWT_KEY`, from the Dashboard's API keys page),
    /// with or without its `BEGIN`/`END` lines: session tokens then verify networklessly, with no
    /// JWKS fetch. An empty string means "not set".
    pub fn jwt_key(mut self, key: impl Into<String>) -> Self {
        self.jwt_key = non_empty(key);
        self
    }

    /// The publishable key (`pk_test_…` / `pk_live_…`): request authentication needs it for the
    /// cookie flow (handshakes, the `__session` cookie).
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = non_empty(key);
        self
    }

    /// A satellite's primary domain, such as `example.com`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = non_empty(domain);
        self
    }

    /// Whether this app is a satellite of another domain (`isSatellite`).
    pub fn satellite(mut self, is_satellite: bool) -> Self {
        self.is_satellite = is_satellite;
        self
    }

    /// A proxy for the Frontend API: an absolute URL, or a path such as `/__clerk`.
    pub fn proxy_url(mut self, proxy_url: impl Into<String>) -> Self {
        self.proxy_url = non_empty(proxy_url);
        self
    }

    /// The sign-in page (required for development satellites).
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = non_empty(url);
        self
    }

    /// The sign-up page.
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.sign_up_url = non_empty(url);
        self
    }

    /// The app's public origin (`https://app.example.com`): request authentication builds
    /// redirects on it and ignores `Host` and `x-forwarded-*`. Recommended in production; see
    /// [`AuthenticateOptions::public_origin`](clerk_auth::request::AuthenticateOptions::public_origin).
    pub fn public_origin(mut self, origin: impl Into<String>) -> Self {
        self.public_origin = non_empty(origin);
        self
    }

    /// Whether `x-forwarded-host`/`-proto` decide a request's origin (default `true`, for apps
    /// behind a proxy).
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded_headers = trust;
        self
    }

    /// Your satellite apps' origins, which a development primary domain may send a syncing
    /// satellite back to (`__clerk_redirect_url`).
    pub fn allowed_redirect_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_redirect_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// The accepted audiences of session and machine tokens (see
    /// [`VerifyOptions::audience`]).
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// Requires the `iss` claim of session tokens and JWT machine tokens to be `issuer` (your
    /// instance's Frontend API URL, `https://clerk.example.com`); off by default, as in
    /// `@clerk/backend`. The signature already ties a token to your instance's keys; the issuer
    /// check also refuses tokens of another instance that shares them.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers = vec![issuer.into()];
        self
    }

    /// Refuses tokens without an `aud` when an [`audience`](ClerkBuilder::audience) is set
    /// (default `false`, as in `@clerk/backend`; see [`VerifyOptions::require_audience`]).
    pub fn require_audience(mut self, required: bool) -> Self {
        self.require_audience = required;
        self
    }

    /// The origins your frontends run on (`azp` values, such as `https://app.example.com`).
    /// Strongly recommended for tokens read from cookies (see
    /// [`VerifyOptions::authorized_parties`]).
    pub fn authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// The clock skew tolerated on token time claims (default 5 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// A machine secret key (`ak_…`) to verify M2M tokens with instead of the secret key
    /// (`machineSecretKey`).
    pub fn machine_secret_key(mut self, key: impl Into<String>) -> Self {
        self.machine_secret_key = non_empty(key);
        self
    }

    /// The webhook signing secret (`whsec_…`) for [`Clerk::verify_webhook`].
    pub fn webhook_signing_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_signing_secret = non_empty(secret);
        self
    }

    /// The one clock of the client: retry waits, the JWKS cache, token time claims, cookie
    /// decisions and webhook timestamps (default [`SystemClock`]). Pass a
    /// [`ManualClock`](clerk_auth::clock::ManualClock) in tests to move time once for all.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks every setting and builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`]: the HTTP settings' errors ([`ClientBuilder::build`] — a missing or
    /// invalid secret key, a bad API URL…), and [`ConfigError::InvalidSetting`] naming an invalid
    /// JWT key, publishable key, machine secret key or webhook signing secret, or a satellite
    /// without a domain or proxy URL.
    pub fn build(mut self) -> Result<Clerk, Error> {
        let jwt_key = match &self.jwt_key {
            Some(text) => {
                Some(
                    PublicKey::parse(text).map_err(|e| ConfigError::InvalidSetting {
                        name: "jwt_key (CLERK_JWT_KEY)",
                        reason: e.to_string(),
                    })?,
                )
            }
            None => None,
        };
        if let Some(key) = &self.publishable_key {
            PublishableKey::parse(key).map_err(|e| ConfigError::InvalidSetting {
                name: "publishable_key (CLERK_PUBLISHABLE_KEY)",
                reason: first_line(&e.to_string()),
            })?;
        }
        if self.is_satellite && self.domain.is_none() && self.proxy_url.is_none() {
            return Err(ConfigError::InvalidSetting {
                name: "satellite (CLERK_IS_SATELLITE)",
                reason: "a satellite needs a domain or a proxy URL".to_owned(),
            }
            .into());
        }
        let machine_secret_key = match &self.machine_secret_key {
            Some(key) => {
                Some(
                    SecretKey::new(key.clone()).map_err(|_| ConfigError::InvalidSetting {
                        name: "machine_secret_key (CLERK_MACHINE_SECRET_KEY)",
                        reason: "the key cannot be sent in an HTTP header".to_owned(),
                    })?,
                )
            }
            None => None,
        };
        #[cfg(feature = "webhooks")]
        if let Some(secret) = &self.webhook_signing_secret {
            clerk_auth::webhooks::Webhook::new(secret).map_err(|e| {
                ConfigError::InvalidSetting {
                    name: "webhook_signing_secret (CLERK_WEBHOOK_SIGNING_SECRET)",
                    reason: e.to_string(),
                }
            })?;
        }
        let http = std::mem::take(&mut self.http).clock(self.clock.clone());
        let api = clerk_api::Clerk::from_builder(http)?;
        Ok(self.assemble_checked(api, jwt_key, machine_secret_key))
    }

    /// The client around an already built API client (settings already checked or unset).
    fn assemble(self, api: clerk_api::Clerk) -> Clerk {
        self.assemble_checked(api, None, None)
    }

    fn assemble_checked(
        self,
        api: clerk_api::Clerk,
        jwt_key: Option<PublicKey>,
        machine_secret_key: Option<SecretKey>,
    ) -> Clerk {
        let clock = self.clock;
        let backend = AuthBackend::new(api.clone(), machine_secret_key, self.jwks_timeout);
        let mut verify_options = VerifyOptions::new()
            .authorized_parties(self.authorized_parties)
            .audience(self.audience)
            .require_audience(self.require_audience)
            .issuers(self.issuers)
            .clock(clock.clone());
        if let Some(leeway) = self.leeway {
            verify_options = verify_options.leeway(leeway);
        }
        let keys = match jwt_key {
            Some(key) => Keys::Networkless(key.clone(), StaticKeys::from(key)),
            None => Keys::Jwks(
                JwksCache::builder(backend.clone())
                    .clock(clock.clone())
                    .build(),
            ),
        };
        let machine =
            MachineVerifier::new(backend.clone(), keys.clone()).options(verify_options.clone());
        let instance = Instance {
            publishable_key: self
                .publishable_key
                .as_deref()
                .and_then(|key| PublishableKey::parse(key).ok()),
            domain: self.domain,
            is_satellite: self.is_satellite,
            proxy_url: self.proxy_url,
            sign_in_url: self.sign_in_url,
            sign_up_url: self.sign_up_url,
            public_origin: self.public_origin,
            trust_forwarded_headers: self.trust_forwarded_headers,
            allowed_redirect_origins: self.allowed_redirect_origins,
        };
        #[cfg(feature = "webhooks")]
        let webhook = self
            .webhook_signing_secret
            .as_deref()
            .and_then(|secret| clerk_auth::webhooks::Webhook::new(secret).ok())
            .map(|webhook| webhook.with_clock(clock.clone()));
        Clerk {
            inner: Arc::new(Inner {
                api,
                backend,
                clock,
                verify_options,
                keys,
                machine,
                instance,
                #[cfg(feature = "webhooks")]
                webhook,
                default_request: std::sync::OnceLock::new(),
            }),
        }
    }
}

/// The first line of an error message (the publishable-key errors add setup guidance).
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

impl fmt::Debug for ClerkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkBuilder")
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "<set>"))
            .field("publishable_key", &self.publishable_key)
            .field("domain", &self.domain)
            .field("is_satellite", &self.is_satellite)
            .field("proxy_url", &self.proxy_url)
            .field("sign_in_url", &self.sign_in_url)
            .field("sign_up_url", &self.sign_up_url)
            .field("audience", &self.audience)
            .field("issuers", &self.issuers)
            .field("authorized_parties", &self.authorized_parties)
            .field(
                "machine_secret_key",
                &self.machine_secret_key.as_ref().map(|_| "***"),
            )
            .field(
                "webhook_signing_secret",
                &self.webhook_signing_secret.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
    }
}
