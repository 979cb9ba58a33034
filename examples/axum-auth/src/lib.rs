//! An axum service protected by Clerk.
//!
//! - `GET /` is public; it greets signed-in users by id.
//! - `GET /me` needs a signed-in user (401 with a JSON reason otherwise).
//! - `GET /reports` also needs the `org:reports:read` permission in the active organization
//!   (403 otherwise).
//! - `GET /machine/status` is for other services: it accepts only M2M tokens (JWT-format, verified
//!   networklessly with the same key) and refuses user sessions.
//!
//! [`ClerkAuthLayer`] authenticates every request from the `Authorization: Bearer` header or
//! Clerk's session cookies, networklessly with the instance's PEM public key.

use axum::Router;
use axum::routing::get;
use clerk_auth::Check;
use clerk_auth::machine::AcceptsToken;
use clerk_auth::request::axum::{AuthRejection, MaybeAuth, RequireAuth};
use clerk_auth::request::tower::ClerkAuthLayer;
use clerk_auth::request::{AuthenticateOptions, PublishableKey};
use clerk_auth::{PublicKey, TokenType, Verifier};

/// The service's routes: user routes behind `users`, machine routes behind `machines`.
pub fn app(users: ClerkAuthLayer, machines: ClerkAuthLayer) -> Router {
    let user_routes = Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/reports", get(reports))
        .layer(users);
    let machine_routes = Router::new()
        .route("/machine/status", get(machine_status))
        .layer(machines);
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

/// The two layers for [`app`]: session tokens for user routes, M2M tokens for machine routes.
pub fn layers(publishable_key: PublishableKey, key: PublicKey) -> (ClerkAuthLayer, ClerkAuthLayer) {
    let users = ClerkAuthLayer::new(
        AuthenticateOptions::new(publishable_key.clone()),
        Verifier::new(key.clone()),
    );
    let machines = ClerkAuthLayer::new(
        AuthenticateOptions::new(publishable_key)
            .accepts_token(AcceptsToken::One(TokenType::M2mToken))
            .machine_verifier(std::sync::Arc::new(Verifier::new(key.clone()))),
        Verifier::new(key),
    );
    (users, machines)
}

/// The layers from `CLERK_JWT_KEY` (the instance's PEM public key) and `CLERK_PUBLISHABLE_KEY`.
///
/// # Errors
///
/// A missing variable or an invalid key.
pub fn layers_from_env() -> Result<(ClerkAuthLayer, ClerkAuthLayer), Box<dyn std::error::Error>> {
    let pem = std::env::var("CLERK_JWT_KEY").map_err(|_| "set CLERK_JWT_KEY")?;
    let pk = std::env::var("CLERK_PUBLISHABLE_KEY").map_err(|_| "set CLERK_PUBLISHABLE_KEY")?;
    Ok(layers(
        PublishableKey::parse(&pk)?,
        PublicKey::from_pem(&pem)?,
    ))
}
