//! Request authentication with the client's configuration: [`RequestOptions`] for what varies per
//! route, [`Clerk::authenticate_request`] and (feature `tower`) [`Clerk::layer`].

use std::sync::Arc;
use std::time::Duration;

use clerk_auth::machine::AcceptsToken;
use clerk_auth::remote::AsyncKeySource;
use clerk_auth::request::{
    AuthenticateOptions, BoxFuture, OrganizationSync, RequestState, SessionTokenVerifier,
    verify_handshake_token,
};
use clerk_auth::{SessionClaims, TokenType, VerifyError};

use crate::client::{Clerk, Keys};

/// What a route accepts, on top of the client's configuration (which holds everything about the
/// instance: publishable key, domain, satellite, proxy, sign-in URL, authorized parties…).
///
/// The default accepts session tokens, from the `Authorization` header or Clerk's cookies.
///
/// ```
/// use clerk::{RequestOptions, TokenType};
///
/// // A machine-to-machine API: M2M tokens and API keys in the `Authorization` header.
/// let api = RequestOptions::new().accepts_token([TokenType::M2mToken, TokenType::ApiKey]);
/// ```
#[derive(Clone, Debug)]
pub struct RequestOptions {
    accepts_token: AcceptsToken,
    cookie_flow: bool,
    organization_sync: Option<OrganizationSync>,
    expose_details: bool,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions::new()
    }
}

impl RequestOptions {
    /// Session tokens, from the header or the cookies (with handshakes).
    pub fn new() -> RequestOptions {
        RequestOptions {
            accepts_token: AcceptsToken::One(TokenType::SessionToken),
            cookie_flow: true,
            organization_sync: None,
            expose_details: false,
        }
    }

    /// Which kinds of token the route accepts: a [`TokenType`], an array or `Vec` of them, or an
    /// [`AcceptsToken`] (`AcceptsToken::Any`).
    #[must_use]
    pub fn accepts_token(mut self, accepts: impl Into<AcceptsToken>) -> RequestOptions {
        self.accepts_token = accepts.into();
        self
    }

    /// Only the `Authorization` header: no cookies, never a redirect (for APIs).
    #[must_use]
    pub fn bearer_only(mut self) -> RequestOptions {
        self.cookie_flow = false;
        self
    }

    /// Activates the organization named by the URL (see [`OrganizationSync`]).
    #[must_use]
    pub fn organization_sync(mut self, sync: OrganizationSync) -> RequestOptions {
        self.organization_sync = Some(sync);
        self
    }

    /// Whether responses say why a request was signed out (the `x-clerk-auth-*` headers, the
    /// reason in 401 bodies). Off by default: a client learns only that it is not
    /// authenticated, while the [`RequestState`] keeps the details for your logs (see
    /// [`AuthenticateOptions::expose_details`]). Turn it on while developing.
    #[must_use]
    pub fn expose_details(mut self, expose: bool) -> RequestOptions {
        self.expose_details = expose;
        self
    }

    /// Whether these are the options of [`RequestOptions::new`].
    fn is_default(&self) -> bool {
        !self.expose_details
            && self.cookie_flow
            && self.organization_sync.is_none()
            && self.accepts_token == AcceptsToken::One(TokenType::SessionToken)
    }
}

impl Clerk {
    /// The options [`authenticate_request`](clerk_auth::request::authenticate_request) runs with
    /// for `options`: the client's instance settings and clock, its machine-token verifier, and
    /// its Backend API for handshake nonces and session refresh.
    pub fn authenticate_options(&self, options: &RequestOptions) -> AuthenticateOptions {
        let instance = self.instance_settings();
        let mut built = match &instance.publishable_key {
            Some(key) if options.cookie_flow => AuthenticateOptions::new(key.clone()),
            Some(key) => AuthenticateOptions::bearer_only().publishable_key(key.clone()),
            None => AuthenticateOptions::bearer_only(),
        };
        built = built
            .accepts_token(options.accepts_token.clone())
            .expose_details(options.expose_details)
            .is_satellite(instance.is_satellite)
            .clock(self.clock().clone())
            .machine_verifier(Arc::new(self.machine_verifier().clone()))
            .handshake_nonce_resolver(Arc::new(self.auth_backend().clone()))
            .session_refresher(Arc::new(self.auth_backend().clone()));
        if let Some(domain) = &instance.domain {
            built = built.domain(domain.clone());
        }
        if let Some(proxy_url) = &instance.proxy_url {
            built = built.proxy_url(proxy_url.clone());
        }
        if let Some(url) = &instance.sign_in_url {
            built = built.sign_in_url(url.clone());
        }
        if let Some(url) = &instance.sign_up_url {
            built = built.sign_up_url(url.clone());
        }
        if let Some(origin) = &instance.public_origin {
            built = built.public_origin(origin);
        }
        built = built
            .trust_forwarded_headers(instance.trust_forwarded_headers)
            .allowed_redirect_origins(&instance.allowed_redirect_origins);
        if let Some(sync) = &options.organization_sync {
            built = built.organization_sync(sync.clone());
        }
        built
    }

    /// Authenticates a request — `@clerk/backend`'s `authenticateRequest`: the `Authorization`
    /// token or Clerk's cookies, handshakes (resolved by nonce through the Backend API), session
    /// refresh, satellites, organization sync and machine tokens, all wired through this client.
    ///
    /// Takes the request's [`Parts`](http::request::Parts) (`let (parts, body) =
    /// request.into_parts()`). The result is signed in, signed out with a reason, or a handshake
    /// redirect to answer (see [`RequestState`]).
    pub async fn authenticate_request(
        &self,
        parts: &http::request::Parts,
        options: &RequestOptions,
    ) -> RequestState {
        if options.is_default() {
            // The common case: built once per client.
            let built = self.default_authenticate_options();
            return clerk_auth::request::authenticate_request(parts, built, self).await;
        }
        let options = self.authenticate_options(options);
        clerk_auth::request::authenticate_request(parts, &options, self).await
    }

    /// A tower layer authenticating every request of a service with this client (session tokens
    /// from the header or cookies); see [`ClerkAuthLayer`](clerk_auth::request::tower::ClerkAuthLayer).
    #[cfg(feature = "tower")]
    pub fn layer(&self) -> clerk_auth::request::tower::ClerkAuthLayer<Clerk> {
        self.layer_with(&RequestOptions::new())
    }

    /// [`layer`](Clerk::layer) with other route options (machine tokens, bearer only,
    /// organization sync).
    #[cfg(feature = "tower")]
    pub fn layer_with(
        &self,
        options: &RequestOptions,
    ) -> clerk_auth::request::tower::ClerkAuthLayer<Clerk> {
        clerk_auth::request::tower::ClerkAuthLayer::new(
            self.authenticate_options(options),
            self.clone(),
        )
    }
}

/// Request authentication verifies session and handshake tokens with the client's keys: the
/// networkless key, or the JWKS — asked only for tokens that could verify.
impl SessionTokenVerifier for Clerk {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        Box::pin(self.verify_token(token))
    }

    fn verify_with_leeway<'a>(
        &'a self,
        token: &'a str,
        leeway: Duration,
    ) -> BoxFuture<'a, Result<SessionClaims, VerifyError>> {
        Box::pin(async move {
            let options = self.verify_options().clone().leeway(leeway);
            self.verify_token_with(token, &options).await
        })
    }

    fn verify_handshake<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, VerifyError>> {
        Box::pin(async move {
            match self.keys() {
                Keys::Networkless(key, _) => verify_handshake_token(token, key),
                Keys::Jwks(cache) => {
                    let verifier = clerk_auth::remote::RemoteSessionVerifier::new(
                        cache.clone(),
                        self.verify_options().clone(),
                    );
                    verifier.verify_handshake(token).await
                }
            }
        })
    }
}

/// Keys for `clerk-auth` pieces assembled by hand.
impl AsyncKeySource for Clerk {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> clerk_auth::remote::KeysFuture<'a> {
        self.keys().keys(kid)
    }
}
