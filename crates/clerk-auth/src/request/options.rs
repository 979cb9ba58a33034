//! [`AuthenticateOptions`]: how requests are authenticated.

use std::fmt;
use std::sync::Arc;

use crate::auth::TokenType;
use crate::clock::{Clock, SystemClock};
use crate::machine::AcceptsToken;

use super::org_sync::OrganizationSync;
use super::publishable_key::PublishableKey;
use super::verifier::{HandshakeNonceResolver, MachineTokenVerifier, SessionRefresher};

/// How [`authenticate_request`](super::authenticate_request) treats requests.
///
/// Token checks (key, authorized parties, audience, issuer, clock skew) belong to the
/// [`SessionTokenVerifier`](super::SessionTokenVerifier) passed beside these options — for the
/// networkless [`Verifier`](crate::Verifier), its [`VerifyOptions`](crate::VerifyOptions).
///
/// ```
/// use clerk_auth::request::{AuthenticateOptions, PublishableKey};
///
/// let pk = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?;
/// let options = AuthenticateOptions::new(pk).sign_in_url("https://example.com/sign-in");
/// // An API that only takes `Authorization: Bearer` tokens:
/// let api = AuthenticateOptions::bearer_only();
/// # Ok::<(), clerk_auth::request::PublishableKeyError>(())
/// ```
#[derive(Clone)]
pub struct AuthenticateOptions {
    pub(crate) publishable_key: Option<PublishableKey>,
    pub(crate) secret_key: Option<String>,
    pub(crate) accepts_token: AcceptsToken,
    pub(crate) cookie_flow: bool,
    pub(crate) sign_in_url: Option<String>,
    pub(crate) sign_up_url: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) is_satellite: bool,
    pub(crate) satellite_auto_sync: bool,
    pub(crate) proxy_url: Option<String>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) machine_verifier: Option<Arc<dyn MachineTokenVerifier>>,
    pub(crate) nonce_resolver: Option<Arc<dyn HandshakeNonceResolver>>,
    pub(crate) session_refresher: Option<Arc<dyn SessionRefresher>>,
    pub(crate) organization_sync: Option<OrganizationSync>,
    pub(crate) expose_details: bool,
    pub(crate) public_origin: Option<super::parse::EffectiveUrl>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) allowed_redirect_origins: Vec<String>,
}

impl AuthenticateOptions {
    /// Options for the instance of `publishable_key`: session tokens from the `Authorization`
    /// header or from cookies, with Clerk's handshake redirects.
    pub fn new(publishable_key: PublishableKey) -> AuthenticateOptions {
        AuthenticateOptions {
            publishable_key: Some(publishable_key),
            secret_key: None,
            accepts_token: AcceptsToken::One(TokenType::SessionToken),
            cookie_flow: true,
            sign_in_url: None,
            sign_up_url: None,
            domain: None,
            is_satellite: false,
            satellite_auto_sync: false,
            proxy_url: None,
            clock: Arc::new(SystemClock),
            machine_verifier: None,
            nonce_resolver: None,
            session_refresher: None,
            organization_sync: None,
            expose_details: false,
            public_origin: None,
            trust_forwarded_headers: true,
            allowed_redirect_origins: Vec::new(),
        }
    }

    /// Options for a service that only reads tokens from the `Authorization` header: no
    /// publishable key, no cookies, no redirects.
    pub fn bearer_only() -> AuthenticateOptions {
        AuthenticateOptions {
            publishable_key: None,
            cookie_flow: false,
            ..AuthenticateOptions::new_unchecked()
        }
    }

    fn new_unchecked() -> AuthenticateOptions {
        AuthenticateOptions {
            publishable_key: None,
            secret_key: None,
            accepts_token: AcceptsToken::One(TokenType::SessionToken),
            cookie_flow: true,
            sign_in_url: None,
            sign_up_url: None,
            domain: None,
            is_satellite: false,
            satellite_auto_sync: false,
            proxy_url: None,
            clock: Arc::new(SystemClock),
            machine_verifier: None,
            nonce_resolver: None,
            session_refresher: None,
            organization_sync: None,
            expose_details: false,
            public_origin: None,
            trust_forwarded_headers: true,
            allowed_redirect_origins: Vec::new(),
        }
    }

    /// Sets the publishable key (needed by the cookie flow).
    #[must_use]
    pub fn publishable_key(mut self, publishable_key: PublishableKey) -> Self {
        self.publishable_key = Some(publishable_key);
        self
    }

    /// The secret key (`sk_…`). Networkless verification does not need it; it is kept for
    /// verifiers and resolvers that call the Backend API, and never printed.
    #[must_use]
    pub fn secret_key(mut self, secret_key: impl Into<String>) -> Self {
        self.secret_key = Some(secret_key.into());
        self
    }

    /// Which kinds of token are accepted. Defaults to session tokens only
    /// (`AcceptsToken::One(TokenType::SessionToken)`): for one session type the token comes from
    /// the `Authorization` header or, without one, from cookies; for one machine type it must be
    /// in the header; with a list, a header token of an unlisted kind is rejected before any
    /// verification with `token-type-mismatch`. Takes a [`TokenType`](crate::TokenType), an
    /// array or `Vec` of them, or an [`AcceptsToken`].
    #[must_use]
    pub fn accepts_token(mut self, accepts_token: impl Into<AcceptsToken>) -> Self {
        self.accepts_token = accepts_token.into();
        self
    }

    /// Whether requests without an `Authorization` header are authenticated from Clerk's cookies
    /// (`__session`, `__client_uat`, …), with handshake redirects to refresh them. Defaults to
    /// `true`; switch it off for APIs that only take bearer tokens: then a request without a
    /// header token is signed out (`No token in header`) and no state ever redirects.
    #[must_use]
    pub fn cookie_flow(mut self, enabled: bool) -> Self {
        self.cookie_flow = enabled;
        self
    }

    /// The sign-in page (required for development satellites).
    #[must_use]
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }

    /// The sign-up page.
    #[must_use]
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.sign_up_url = Some(url.into());
        self
    }

    /// The satellite's primary domain, such as `example.com` (production satellites use
    /// `clerk.<domain>` as their Frontend API).
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether this app is a satellite of another domain. Defaults to `false`.
    #[must_use]
    pub fn is_satellite(mut self, is_satellite: bool) -> Self {
        self.is_satellite = is_satellite;
        self
    }

    /// Whether a satellite syncs with the primary domain on first visit even without Clerk
    /// cookies (`satelliteAutoSync`). Defaults to `false`.
    #[must_use]
    pub fn satellite_auto_sync(mut self, auto_sync: bool) -> Self {
        self.satellite_auto_sync = auto_sync;
        self
    }

    /// A proxy for the Frontend API: an absolute URL, or a path such as `/__clerk` resolved
    /// against the request's origin.
    #[must_use]
    pub fn proxy_url(mut self, proxy_url: impl Into<String>) -> Self {
        self.proxy_url = Some(proxy_url.into());
        self
    }

    /// The clock used for cookie decisions (the verifier has its own). Defaults to the system
    /// clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Verifies machine tokens (API keys, M2M and OAuth tokens). Without one, accepted machine
    /// tokens are signed out with reason `machine-token-verifier-missing`.
    #[must_use]
    pub fn machine_verifier(mut self, verifier: Arc<dyn MachineTokenVerifier>) -> Self {
        self.machine_verifier = Some(verifier);
        self
    }

    /// Resolves handshake nonces through the Backend API. With one, handshake redirects ask the
    /// Frontend API for a nonce (`format=nonce`); without one, for a signed handshake token,
    /// which is verified with the session-token key.
    #[must_use]
    pub fn handshake_nonce_resolver(mut self, resolver: Arc<dyn HandshakeNonceResolver>) -> Self {
        self.nonce_resolver = Some(resolver);
        self
    }

    /// Refreshes expired sessions in place through the Backend API. With one, a `GET` request
    /// whose session token is expired and that carries the `__refresh_<suffix>` cookie is
    /// refreshed and signed in (with the new cookies as `Set-Cookie` headers); without one, or
    /// when the refresh fails, it gets a handshake redirect with reason
    /// `session-token-expired-refresh-<why>`.
    ///
    /// The refresher is sent an allow-list of the request's headers, and of its cookies only
    /// Clerk's — never `Authorization` (see [`RefreshRequest`](super::RefreshRequest)).
    #[must_use]
    pub fn session_refresher(mut self, refresher: Arc<dyn SessionRefresher>) -> Self {
        self.session_refresher = Some(refresher);
        self
    }

    /// Activates the organization named by the URL (see [`OrganizationSync`]).
    #[must_use]
    pub fn organization_sync(mut self, sync: OrganizationSync) -> Self {
        self.organization_sync = Some(sync);
        self
    }

    /// The app's public origin, such as `https://app.example.com`: redirects and the handshake's
    /// `redirect_url` are built on it, and the request's `Host`, `x-forwarded-host` and
    /// `x-forwarded-proto` headers are ignored. Recommended in production: a client that can set
    /// those headers (no proxy in front, or one that passes them through) could otherwise steer
    /// where a handshake sends the browser back to. Ignored unless it is an absolute `http(s)` URL.
    #[must_use]
    pub fn public_origin(mut self, origin: impl AsRef<str>) -> Self {
        self.public_origin = super::parse::EffectiveUrl::parse(origin.as_ref());
        self
    }

    /// Whether `x-forwarded-host` and `x-forwarded-proto` decide the request's origin (default
    /// `true`, as in `@clerk/backend`: apps behind a proxy depend on it). Turn it off when no
    /// proxy sets them, or set a [`public_origin`](AuthenticateOptions::public_origin).
    #[must_use]
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded_headers = trust;
        self
    }

    /// Origins a development primary domain may send a syncing satellite back to
    /// (`__clerk_redirect_url`), besides the app's own origin: your satellite apps, such as
    /// `https://satellite.example.com`. A `__clerk_redirect_url` on another origin is ignored
    /// instead of followed (an open redirect otherwise).
    #[must_use]
    pub fn allowed_redirect_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.allowed_redirect_origins = origins
            .into_iter()
            .filter_map(|origin| super::parse::EffectiveUrl::parse(origin.as_ref()))
            .map(|url| url.origin())
            .collect();
        self
    }

    /// Whether responses say why a request was signed out: the `x-clerk-auth-status`,
    /// `-reason` and `-message` headers on responses and redirects, and the reason and message in
    /// 401 bodies. Defaults to `false`: those can name the configured authorized parties,
    /// issuers or key ids, so a client learns only that it is not authenticated. The
    /// [`RequestState`](super::RequestState) keeps them for the application and its logs either
    /// way. Turn it on while developing.
    #[must_use]
    pub fn expose_details(mut self, expose: bool) -> Self {
        self.expose_details = expose;
        self
    }

    /// Whether responses say why a request was signed out (see
    /// [`expose_details`](AuthenticateOptions::expose_details)).
    pub fn exposes_details(&self) -> bool {
        self.expose_details
    }

    /// The publishable key.
    pub fn get_publishable_key(&self) -> Option<&PublishableKey> {
        self.publishable_key.as_ref()
    }

    /// Which kinds of token are accepted.
    pub fn get_accepts_token(&self) -> &AcceptsToken {
        &self.accepts_token
    }

    /// Checks the satellite settings `@clerk/backend` checks on every request: a satellite needs
    /// a domain or a proxy URL, and a development satellite needs a sign-in URL, which must be
    /// absolute.
    ///
    /// # Errors
    ///
    /// The first problem found.
    pub fn validate(&self) -> Result<(), OptionsError> {
        if !self.is_satellite {
            return Ok(());
        }
        if self.domain.is_none() && self.proxy_url.is_none() {
            return Err(OptionsError::MissingDomainOrProxyUrl);
        }
        let development = self
            .publishable_key
            .as_ref()
            .is_some_and(PublishableKey::is_development);
        match &self.sign_in_url {
            None if development => Err(OptionsError::MissingSignInUrl),
            Some(url) if super::parse::EffectiveUrl::parse(url).is_none() => {
                Err(OptionsError::SignInUrlNotAbsolute)
            }
            _ => Ok(()),
        }
    }
}

/// A satellite misconfiguration found by [`AuthenticateOptions::validate`] (and, for
/// [`SignInUrlSameOrigin`](OptionsError::SignInUrlSameOrigin), per request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A satellite has neither a domain nor a proxy URL.
    #[error(
        "Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl."
    )]
    MissingDomainOrProxyUrl,
    /// A development satellite has no sign-in URL.
    #[error("Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite.")]
    MissingSignInUrl,
    /// A satellite's sign-in URL is not an absolute `http(s)` URL.
    #[error("The signInUrl needs to have a absolute url format.")]
    SignInUrlNotAbsolute,
    /// A satellite's sign-in URL is on the origin of the request (its `Origin` header).
    #[error("The signInUrl needs to be on a different origin than your satellite application.")]
    SignInUrlSameOrigin,
}

impl fmt::Debug for AuthenticateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticateOptions")
            .field("publishable_key", &self.publishable_key)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| crate::Redacted),
            )
            .field("accepts_token", &self.accepts_token)
            .field("cookie_flow", &self.cookie_flow)
            .field("sign_in_url", &self.sign_in_url)
            .field("sign_up_url", &self.sign_up_url)
            .field("domain", &self.domain)
            .field("is_satellite", &self.is_satellite)
            .field("satellite_auto_sync", &self.satellite_auto_sync)
            .field("proxy_url", &self.proxy_url)
            .field("machine_verifier", &self.machine_verifier.is_some())
            .field("nonce_resolver", &self.nonce_resolver.is_some())
            .field("session_refresher", &self.session_refresher.is_some())
            .field("organization_sync", &self.organization_sync)
            .field("expose_details", &self.expose_details)
            .field(
                "public_origin",
                &self.public_origin.as_ref().map(|o| o.origin()),
            )
            .field("trust_forwarded_headers", &self.trust_forwarded_headers)
            .field("allowed_redirect_origins", &self.allowed_redirect_origins)
            .finish_non_exhaustive()
    }
}
