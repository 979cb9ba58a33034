//! An axum service protected by Clerk.
//!
//! - `GET /` is public; it greets signed-in users by id.
//! - `GET /me` needs a signed-in user (401 with a JSON reason otherwise).
//! - `GET /reports` also needs the `org:reports:read` permission in the active organization
//!   (403 otherwise).
//! - `GET /machine/status` is for other services: it accepts only M2M tokens (JWT-format ones
//!   verify with the instance's keys, opaque `mt_…` ones through the Backend API) and refuses
//!   user sessions.
//!
//! Everything hangs off one [`Clerk`] client: [`Clerk::layer`] authenticates every request from
//! the `Authorization: Bearer` header or Clerk's session cookies (networkless with
//! `CLERK_JWT_KEY`, else with the instance's JWKS), with handshakes, session refresh and machine
//! tokens wired through the same client.

use axum::Router;
use axum::routing::get;
use clerk::auth::Check;
use clerk::auth::request::axum::{AuthRejection, MaybeAuth, RequireAuth};
use clerk::{Clerk, RequestOptions, TokenType};

/// The service's routes: user routes behind the client's default layer (session tokens), machine
/// routes behind a layer that takes M2M tokens only.
pub fn app(clerk: &Clerk) -> Router {
    let user_routes = Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/reports", get(reports))
        .layer(clerk.layer());
    let machine_routes = Router::new()
        .route("/machine/status", get(machine_status))
        .layer(clerk.layer_with(&RequestOptions::new().accepts_token(TokenType::M2mToken)));
    user_routes.merge(machine_routes)
}

async fn home(MaybeAuth(auth): MaybeAuth) -> String {
    match auth.user_id() {
        Some(user) => format!("hello, {user}"),
        None => "hello, stranger".to_owned(),
    }
}

async fn me(RequireAuth(auth): RequireAuth) -> String {
    auth.user_id().unwrap_or("a machine").to_owned()
}

async fn reports(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
    auth.require(&Check::permission("org:reports:read"))?;
    Ok("the quarterly reports")
}

async fn machine_status(RequireAuth(auth): RequireAuth) -> String {
    match auth.machine() {
        Some(machine) => format!("ok, {}", machine.subject()),
        None => "ok".to_owned(),
    }
}
