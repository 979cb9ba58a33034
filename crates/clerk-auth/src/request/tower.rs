//! A tower [`Layer`] that authenticates every request: [`ClerkAuthLayer`].
//!
//! For each request the layer runs [`authenticate_request`] and then:
//!
//! - if the state asks for a redirect (a handshake, or a development handshake answer), answers
//!   it itself with `307 Temporary Redirect` and the state's headers, without calling the inner
//!   service;
//! - otherwise stores the [`Auth`] and the [`RequestState`] in the request's extensions, calls
//!   the inner service, and appends the state's headers (`Set-Cookie` after a handshake, the
//!   `x-clerk-auth-*` debug headers when signed out) to its response.
//!
//! The layer never rejects a signed-out request: routes decide, for example with the axum
//! extractors of [`super::axum`].

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tower::{Layer, Service};

use super::authenticate::authenticate_request;
use super::options::AuthenticateOptions;
use super::rejection::{ExposeAuthDetails, response_headers};
use super::state::RequestState;
use super::verifier::{BoxFuture, SessionTokenVerifier};
use crate::auth::Auth;

/// Authenticates every request with Clerk; see the [module documentation](self).
///
/// ```
/// use clerk_auth::request::tower::ClerkAuthLayer;
/// use clerk_auth::request::{AuthenticateOptions, PublishableKey};
/// use clerk_auth::{PublicKey, Verifier};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// # let pem = include_str!("../../tests/fixtures/rsa2048.spki.pem");
/// let layer = ClerkAuthLayer::new(
///     AuthenticateOptions::new(PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")?),
///     Verifier::new(PublicKey::from_pem(pem)?),
/// );
/// # Ok(()) }
/// # run().unwrap();
/// ```
pub struct ClerkAuthLayer<V = crate::jwt::Verifier> {
    shared: Arc<Shared<V>>,
}

struct Shared<V> {
    options: AuthenticateOptions,
    verifier: V,
}

impl<V: SessionTokenVerifier> ClerkAuthLayer<V> {
    /// A layer authenticating with `options` and `verifier`.
    pub fn new(options: AuthenticateOptions, verifier: V) -> Self {
        ClerkAuthLayer {
            shared: Arc::new(Shared { options, verifier }),
        }
    }
}

impl<V> Clone for ClerkAuthLayer<V> {
    fn clone(&self) -> Self {
        ClerkAuthLayer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<V> fmt::Debug for ClerkAuthLayer<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkAuthLayer")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<S, V> Layer<S> for ClerkAuthLayer<V> {
    type Service = ClerkAuthService<S, V>;

    fn layer(&self, inner: S) -> Self::Service {
        ClerkAuthService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`ClerkAuthLayer`] wraps around yours.
pub struct ClerkAuthService<S, V = crate::jwt::Verifier> {
    inner: S,
    shared: Arc<Shared<V>>,
}

impl<S: Clone, V> Clone for ClerkAuthService<S, V> {
    fn clone(&self) -> Self {
        ClerkAuthService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S, V> fmt::Debug for ClerkAuthService<S, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkAuthService").finish_non_exhaustive()
    }
}

impl<S, V, ReqBody, ResBody> Service<Request<ReqBody>> for ClerkAuthService<S, V>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    V: SessionTokenVerifier + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone is not known to be ready; call the one that is and keep the clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let state = authenticate_request(&parts, &shared.options, &shared.verifier).await;
            let expose = shared.options.expose_details;
            if state.redirect_location().is_some() {
                let mut response = Response::new(ResBody::default());
                *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
                *response.headers_mut() = response_headers(&state, expose);
                return Ok(response);
            }
            let mut request = Request::from_parts(parts, body);
            request.extensions_mut().insert::<Auth>(state.auth());
            if expose {
                request.extensions_mut().insert(ExposeAuthDetails);
            }
            let headers = response_headers(&state, expose);
            request.extensions_mut().insert::<RequestState>(state);
            let mut response = inner.call(request).await?;
            let mut name = None;
            for (key, value) in headers {
                if let Some(key) = key {
                    name = Some(key);
                }
                if let Some(name) = &name {
                    response.headers_mut().append(name.clone(), value);
                }
            }
            Ok(response)
        })
    }
}

/// A `307 Temporary Redirect` with the state's headers (the `x-clerk-auth-*` ones only when
/// `expose_details`).
pub fn redirect_response<B: Default>(state: &RequestState, expose_details: bool) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    *response.headers_mut() = response_headers(state, expose_details);
    response
}
