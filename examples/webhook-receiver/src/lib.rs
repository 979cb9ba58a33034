//! An axum service that keeps an in-memory copy of a Clerk instance's users, fed by webhooks.
//!
//! `POST /webhooks/clerk` takes Clerk's webhook deliveries. The [`VerifiedWebhook`] extractor
//! rejects anything not signed with the endpoint's signing secret (401), stale or from the
//! future (401), or malformed (400); the handler then upserts users on `user.created` and
//! `user.updated` and removes them on `user.deleted`. Every other event type is acknowledged
//! with 200 and ignored, so Clerk does not retry it.
//!
//! Svix delivers at least once and not necessarily in order, so the upsert keeps whichever
//! version of a user has the later `updated_at`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use clerk::auth::webhooks::axum::VerifiedWebhook;
use clerk::auth::webhooks::events::User;
use clerk::auth::webhooks::{Webhook, WebhookEventData};

/// What the service keeps about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    /// Clerk's user id (`user_…`).
    pub id: String,
    /// The primary email address, if the user has one.
    pub email: Option<String>,
    /// First and last name, joined by a space, if either is set.
    pub name: Option<String>,
    /// Clerk's `updated_at` of this version (milliseconds since the epoch).
    pub updated_at: i64,
}

impl From<&User> for StoredUser {
    fn from(user: &User) -> Self {
        // The webhook payload is the Backend API's `User`, helpers included.
        StoredUser {
            id: user.id.clone(),
            email: user
                .primary_email_address()
                .map(|address| address.email_address.clone()),
            name: user.full_name(),
            updated_at: user.updated_at.as_millis(),
        }
    }
}

/// The user table, shared by the handlers (and by tests, to look inside).
pub type Users = Arc<Mutex<HashMap<String, StoredUser>>>;

/// The router's state: the webhook verifier and the user table.
#[derive(Clone)]
pub struct AppState {
    /// Verifies deliveries; built from the endpoint's signing secret.
    pub webhook: Webhook,
    /// The users received so far.
    pub users: Users,
}

impl AppState {
    /// A state with an empty user table.
    pub fn new(webhook: Webhook) -> Self {
        AppState {
            webhook,
            users: Users::default(),
        }
    }
}

// `VerifiedWebhook` finds the verifier in the state through `FromRef`.
impl FromRef<AppState> for Webhook {
    fn from_ref(state: &AppState) -> Webhook {
        state.webhook.clone()
    }
}

/// The service: `POST /webhooks/clerk`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/webhooks/clerk", post(receive))
        .with_state(state)
}

async fn receive(
    State(state): State<AppState>,
    VerifiedWebhook(event): VerifiedWebhook,
) -> StatusCode {
    let mut users = state.users.lock().unwrap_or_else(PoisonError::into_inner);
    match &event.data {
        WebhookEventData::UserCreated(user) | WebhookEventData::UserUpdated(user) => {
            let incoming = StoredUser::from(user);
            let newer = users
                .get(&incoming.id)
                .is_none_or(|stored| stored.updated_at <= incoming.updated_at);
            if newer {
                users.insert(incoming.id.clone(), incoming);
            }
        }
        WebhookEventData::UserDeleted(deleted) => {
            if let Some(id) = &deleted.id {
                users.remove(id);
            }
        }
        _ => {}
    }
    StatusCode::OK
}
