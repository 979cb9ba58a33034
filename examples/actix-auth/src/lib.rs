//! An actix-web service protected by Clerk — `examples/axum-auth`, on actix-web.
//!
//! - `GET /` is public; it greets signed-in users by id.
//! - `GET /me` needs a signed-in user (401 with a JSON reason otherwise).
//! - `GET /reports` also needs the `org:reports:read` permission in the active organization
//!   (403 otherwise).
//! - `GET /machine/status` is for other services: it accepts only M2M tokens (JWT-format ones
//!   verify with the instance's keys, opaque `mt_…` ones through the Backend API) and refuses
//!   user sessions.
//! - `POST /webhooks/clerk` receives Clerk's webhooks, verified with the client's signing secret
//!   (`CLERK_WEBHOOK_SIGNING_SECRET`): 401 for a forged or stale delivery, 400 for a malformed
//!   one, 413 over 1 MiB.
//!
//! Everything hangs off one [`Clerk`] client: [`Clerk::actix_middleware`] authenticates the user
//! routes from the `Authorization: Bearer` header or Clerk's session cookies (networkless with
//! `CLERK_JWT_KEY`, else with the instance's JWKS), with handshakes, session refresh and machine
//! tokens wired through the same client; [`Clerk::actix_middleware_with`] gives the machine
//! routes their own options; the webhook route finds the client in the app data.

use actix_web::{HttpResponse, web};
use clerk::actix::{AuthRejection, MaybeAuth, RequireAuth, VerifiedWebhook};
use clerk::auth::Check;
use clerk::auth::webhooks::WebhookEventData;
use clerk::{Clerk, RequestOptions, TokenType};

/// The service's routes, for `App::new().configure(|config| actix_auth::routes(config, &clerk))`:
/// the webhook route with the client in its app data and no authentication middleware, the
/// machine routes behind a middleware that takes M2M tokens only, and the user routes behind the
/// client's default middleware (session tokens).
pub fn routes(config: &mut web::ServiceConfig, clerk: &Clerk) {
    config
        .app_data(web::Data::new(clerk.clone()))
        .route("/webhooks/clerk", web::post().to(webhook))
        .service(
            web::scope("/machine")
                .wrap(clerk.actix_middleware_with(
                    &RequestOptions::new().accepts_token(TokenType::M2mToken),
                ))
                .route("/status", web::get().to(machine_status)),
        )
        .service(
            web::scope("")
                .wrap(clerk.actix_middleware())
                .route("/", web::get().to(home))
                .route("/me", web::get().to(me))
                .route("/reports", web::get().to(reports)),
        );
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

async fn webhook(VerifiedWebhook(event): VerifiedWebhook) -> HttpResponse {
    let answer = match &event.data {
        WebhookEventData::UserCreated(user) => format!("welcome, {}", user.id),
        WebhookEventData::UserDeleted(deleted) => {
            format!("goodbye, {}", deleted.id.as_deref().unwrap_or("?"))
        }
        // Every other event (and types newer than this SDK) is acknowledged.
        other => format!("received {}", other.event_type()),
    };
    HttpResponse::Ok().body(answer)
}
