//! [`ClerkMiddleware`]: request authentication as an actix-web [`Transform`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage as _, HttpResponse};
use clerk_auth::Auth;
use clerk_auth::request::{
    AuthenticateOptions, ExposeAuthDetails, RequestState, authenticate_request,
};

use super::convert::{request_parts, response_headers};
use crate::Clerk;

/// Authenticates every request of an actix-web app, scope or resource with the one [`Clerk`]
/// client; see the [module documentation](super) for what it does with each request.
///
/// Built by [`Clerk::actix_middleware`] or [`Clerk::actix_middleware_with`] (as the tower layer
/// is by [`Clerk::layer`]), and registered with `wrap`. It is cheap to clone and `Send + Sync`,
/// so it can be built once outside `HttpServer::new`'s factory closure.
///
/// ```no_run
/// use actix_web::{App, HttpServer, web};
/// use clerk::actix::RequireAuth;
/// use clerk::{RequestOptions, TokenType};
///
/// async fn me(RequireAuth(auth): RequireAuth) -> String {
///     auth.user_id().unwrap_or_default().to_owned()
/// }
///
/// async fn status(RequireAuth(auth): RequireAuth) -> String {
///     format!("ok, {}", auth.machine().map_or("?", |machine| machine.subject()))
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let clerk = clerk::Clerk::builder()
///     .secret_key("sk_test_…")
///     .publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
///     .build()
///     .map_err(std::io::Error::other)?;
/// let users = clerk.actix_middleware(); // session tokens: header or cookies, with handshakes
/// let machines =
///     clerk.actix_middleware_with(&RequestOptions::new().accepts_token(TokenType::M2mToken));
/// HttpServer::new(move || {
///     App::new()
///         .service(
///             web::scope("/machine")
///                 .wrap(machines.clone())
///                 .route("/status", web::get().to(status)),
///         )
///         .service(web::scope("").wrap(users.clone()).route("/me", web::get().to(me)))
/// })
/// .bind(("127.0.0.1", 3000))?
/// .run()
/// .await
/// # }
/// ```
#[derive(Clone)]
pub struct ClerkMiddleware {
    shared: Arc<Shared>,
}

struct Shared {
    clerk: Clerk,
    options: AuthenticateOptions,
}

impl ClerkMiddleware {
    pub(crate) fn new(clerk: Clerk, options: AuthenticateOptions) -> ClerkMiddleware {
        ClerkMiddleware {
            shared: Arc::new(Shared { clerk, options }),
        }
    }
}

impl fmt::Debug for ClerkMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkMiddleware")
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}

impl<S, B> Transform<S, ServiceRequest> for ClerkMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = ClerkMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ClerkMiddlewareService {
            service: Rc::new(service),
            shared: Arc::clone(&self.shared),
        }))
    }
}

/// The service [`ClerkMiddleware`] wraps around yours.
pub struct ClerkMiddlewareService<S> {
    service: Rc<S>,
    shared: Arc<Shared>,
}

impl<S> fmt::Debug for ClerkMiddlewareService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkMiddlewareService")
            .finish_non_exhaustive()
    }
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for ClerkMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let Some(parts) = request_parts(request.head()) else {
                let response = unreadable_request();
                return Ok(request.into_response(response).map_into_right_body());
            };
            let state = authenticate_request(&parts, &shared.options, &shared.clerk).await;
            let expose = shared.options.exposes_details();
            if state.redirect_location().is_some() {
                let response = redirect_response(&state, expose);
                return Ok(request.into_response(response).map_into_right_body());
            }
            let headers = response_headers(&clerk_auth::request::response_headers(&state, expose));
            request.extensions_mut().insert::<Auth>(state.auth());
            if expose {
                request.extensions_mut().insert(ExposeAuthDetails);
            }
            request.extensions_mut().insert::<RequestState>(state);
            let mut response = service.call(request).await?;
            for (name, value) in headers {
                response.headers_mut().append(name, value);
            }
            Ok(response.map_into_left_body())
        })
    }
}

/// A `307 Temporary Redirect` with the state's headers (`Location`, and the cookies a handshake
/// clears).
fn redirect_response(state: &RequestState, expose: bool) -> HttpResponse<BoxBody> {
    let mut response = HttpResponse::new(StatusCode::TEMPORARY_REDIRECT);
    for (name, value) in response_headers(&clerk_auth::request::response_headers(state, expose)) {
        response.headers_mut().append(name, value);
    }
    response
}

/// The `400 Bad Request` for a request whose method or URI cannot be expressed in `http` 1.
fn unreadable_request() -> HttpResponse<BoxBody> {
    let body = serde_json::json!({
        "error": "the request's method or URI could not be read for authentication",
        "reason": "request-unreadable",
    });
    HttpResponse::build(StatusCode::BAD_REQUEST)
        .content_type("application/json")
        .body(body.to_string())
}
