//! actix-web integration (feature `actix-web`): the [`ClerkMiddleware`] authenticating every
//! request, the [`RequireAuth`] and [`MaybeAuth`] extractors reading its result, and (with
//! `webhooks` too) the [`VerifiedWebhook`] extractor — the counterparts of [`Clerk::layer`] and
//! the axum extractors, with the same statuses and JSON bodies.
//!
//! ```no_run
//! use actix_web::{App, HttpServer, web};
//! use clerk::actix::{AuthRejection, MaybeAuth, RequireAuth};
//! use clerk::auth::Check;
//!
//! async fn home(MaybeAuth(auth): MaybeAuth) -> String {
//!     format!("hello, {}", auth.user_id().unwrap_or("stranger"))
//! }
//!
//! async fn me(RequireAuth(auth): RequireAuth) -> String {
//!     auth.user_id().unwrap_or("a machine").to_owned() // 401 without a valid token
//! }
//!
//! async fn reports(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
//!     auth.require(&Check::permission("org:reports:read"))?; // 403 without the permission
//!     Ok("the quarterly reports")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let clerk = clerk::Clerk::from_env()?; // CLERK_SECRET_KEY, CLERK_PUBLISHABLE_KEY, …
//! HttpServer::new(move || {
//!     App::new()
//!         .wrap(clerk.actix_middleware())
//!         .route("/", web::get().to(home))
//!         .route("/me", web::get().to(me))
//!         .route("/reports", web::get().to(reports))
//! })
//! .bind(("127.0.0.1", 3000))?
//! .run()
//! .await?;
//! # Ok(()) }
//! ```
//!
//! # The middleware
//!
//! [`Clerk::actix_middleware`] (session tokens from the `Authorization` header or Clerk's
//! cookies) and [`Clerk::actix_middleware_with`] (other [`RequestOptions`]: machine tokens,
//! bearer only, organization sync) build a [`ClerkMiddleware`] from the one client, as
//! [`Clerk::layer`] builds the tower layer. For each request it runs
//! [`Clerk::authenticate_request`] and then, exactly like the tower layer:
//!
//! - if the state asks for a redirect (a handshake), answers `307 Temporary Redirect` with the
//!   state's headers, without calling the wrapped service;
//! - otherwise stores the [`Auth`](clerk_auth::Auth) and the
//!   [`RequestState`](clerk_auth::request::RequestState) in the request's extensions (read them
//!   with the extractors, or `req.extensions().get::<RequestState>()`), calls the wrapped
//!   service, and appends the state's headers (`Set-Cookie` after a handshake, the
//!   `x-clerk-auth-*` debug headers when signed out) to its response.
//!
//! It never rejects a signed-out request: routes decide, with the extractors. To give some routes
//! other options, wrap a [`Scope`](actix_web::Scope) with its own middleware
//! (`web::scope("/machine").wrap(clerk.actix_middleware_with(&options))`); the innermost one
//! decides.
//!
//! ## From actix's `http` 0.2 to the SDK's `http` 1
//!
//! actix-web 4 is built on `http` 0.2, the SDK on `http` 1, so the middleware copies the method,
//! URI, version and headers of each request into `http` 1 [`Parts`](http::request::Parts), and
//! the state's headers back into the response. Both versions accept the same header names and
//! values, so nothing actix accepted should fail to convert; still, nothing here panics:
//!
//! - a request header that does not convert is **left out** of authentication (the request is
//!   judged as if it were absent — at worst signed out, never signed in by it), and likewise left
//!   out of the headers a webhook is verified with (a missing signature header is a 400);
//! - a response header of the state that does not convert is left out of the response;
//! - a method or URI that does not convert is answered with `400 Bad Request` and the JSON body
//!   `{"error": …, "reason": "request-unreadable"}`, without calling the wrapped service: the
//!   request cannot be authenticated, and a handshake redirect could not be built from it.
//!
//! # The extractors
//!
//! [`RequireAuth`] and [`MaybeAuth`] read what the middleware stored. Rejections
//! ([`AuthRejection`]) answer with the axum extractors' JSON body
//! `{"error": "<message>", "reason": "<reason>"}`: 401 for a signed-out request (the request
//! state's reason, such as `session-token-and-uat-missing`, `token-invalid` or
//! `session-token-expired-refresh-…`), 403 for a failed [`RequireAuth::require`] check
//! (`forbidden`), and 500 when no [`ClerkMiddleware`] ran (`clerk-auth-layer-missing`: a server
//! misconfiguration, not a reason to sign in again).
//!
//! # Webhooks
//!
//! [`VerifiedWebhook`] (features `actix-web` and `webhooks`) verifies a delivery with the
//! client's [`webhook_signing_secret`](crate::ClerkBuilder::webhook_signing_secret), taking the
//! client from the app data: register it with `.app_data(web::Data::new(clerk.clone()))`. See
//! its documentation for the statuses.

mod convert;
mod extract;
mod middleware;
#[cfg(feature = "webhooks")]
mod webhook;

pub use extract::{AuthRejection, MaybeAuth, RequireAuth};
pub use middleware::{ClerkMiddleware, ClerkMiddlewareService};
#[cfg(feature = "webhooks")]
pub use webhook::{MAX_BODY_BYTES, VerifiedWebhook, WebhookRejection};

use crate::{Clerk, RequestOptions};

impl Clerk {
    /// An actix-web middleware authenticating every request with this client (session tokens
    /// from the `Authorization` header or Clerk's cookies, with handshakes): the actix
    /// counterpart of [`layer`](Clerk::layer). See [`ClerkMiddleware`].
    ///
    /// ```no_run
    /// # fn app(clerk: clerk::Clerk) {
    /// let app = actix_web::App::new().wrap(clerk.actix_middleware());
    /// # }
    /// ```
    pub fn actix_middleware(&self) -> ClerkMiddleware {
        self.actix_middleware_with(&RequestOptions::new())
    }

    /// [`actix_middleware`](Clerk::actix_middleware) with other route options (machine tokens,
    /// bearer only, organization sync).
    ///
    /// ```no_run
    /// use clerk::{RequestOptions, TokenType};
    ///
    /// # fn app(clerk: clerk::Clerk) {
    /// // Routes for other services: M2M tokens only.
    /// let machines = actix_web::web::scope("/machine").wrap(
    ///     clerk.actix_middleware_with(&RequestOptions::new().accepts_token(TokenType::M2mToken)),
    /// );
    /// # }
    /// ```
    pub fn actix_middleware_with(&self, options: &RequestOptions) -> ClerkMiddleware {
        ClerkMiddleware::new(self.clone(), self.authenticate_options(options))
    }
}
