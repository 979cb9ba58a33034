//! An axum service protected by Clerk.
//!
//! - `GET /` is public; it greets signed-in users by id.
//! - `GET /me` needs a signed-in user (401 with a JSON reason otherwise).
//! - `GET /reports` also needs the `org:reports:read` permission in the active organization
//!   (403 otherwise).
//!
//! [`ClerkAuthLayer`] authenticates every request from the `Authorization: Bearer` header or
//! Clerk's session cookies, networklessly with the instance's PEM public key.

use axum::Router;
use axum::routing::get;
use clerk_auth::Check;
use clerk_auth::request::axum::{AuthRejection, MaybeAuth, RequireAuth};
use clerk_auth::request::tower::ClerkAuthLayer;
use clerk_auth::request::{AuthenticateOptions, PublishableKey};
use clerk_auth::{PublicKey, Verifier};

/// The service's routes behind `layer`.
pub fn app(layer: ClerkAuthLayer) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/me", get(me))
        .route("/reports", get(reports))
        .layer(layer)
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

/// The layer from `CLERK_JWT_KEY` (the instance's PEM public key) and `CLERK_PUBLISHABLE_KEY`.
///
/// # Errors
///
/// A missing variable or an invalid key.
pub fn layer_from_env() -> Result<ClerkAuthLayer, Box<dyn std::error::Error>> {
    let pem = std::env::var("CLERK_JWT_KEY").map_err(|_| "set CLERK_JWT_KEY")?;
    let pk = std::env::var("CLERK_PUBLISHABLE_KEY").map_err(|_| "set CLERK_PUBLISHABLE_KEY")?;
    Ok(ClerkAuthLayer::new(
        AuthenticateOptions::new(PublishableKey::parse(&pk)?),
        Verifier::new(PublicKey::from_pem(&pem)?),
    ))
}
