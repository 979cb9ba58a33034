//! The test `docs/testing.md` shows: an application's axum handlers, protected by clerk-auth's
//! tower layer with the emulator's keys, called with real session tokens the emulator minted.

use axum::Router;
use axum::routing::get;
use clerk_auth::request::axum::{AuthRejection, RequireAuth};
use clerk_auth::request::tower::ClerkAuthLayer;
use clerk_auth::request::{AuthenticateOptions, PublishableKey};
use clerk_auth::{Check, Verifier};
use clerk_testkit::Testkit;

// ---- the application under test -------------------------------------------------------------

async fn me(RequireAuth(auth): RequireAuth) -> String {
    auth.user_id().unwrap_or_default().to_owned()
}

async fn invoices(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
    auth.require(&Check::permission("org:invoices:read"))?;
    Ok("the invoices")
}

fn app(layer: ClerkAuthLayer) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/invoices", get(invoices))
        .layer(layer)
}

// ---- the test -----------------------------------------------------------------------------

#[tokio::test]
async fn handlers_see_the_emulators_users_and_permissions() {
    let clerk_emulator = Testkit::builder()
        .role("org:accountant", "Accountant", ["org:invoices:read"])
        .start()
        .await
        .unwrap();
    let clerk = clerk_emulator.client();

    // The application, configured with the emulator's keys as it would be with real ones.
    let layer = ClerkAuthLayer::new(
        AuthenticateOptions::new(PublishableKey::parse(clerk_emulator.publishable_key()).unwrap()),
        Verifier::new(clerk_emulator.public_key()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(layer)).await });

    // A user with a session in an organization where they may read invoices.
    let user = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let org = clerk.organizations().create("Acme").await.unwrap();
    clerk
        .organizations()
        .memberships()
        .create(&org.id)
        .user_id(&user.id)
        .role("org:accountant")
        .await
        .unwrap();
    let session = clerk
        .sessions()
        .create(&user.id)
        .active_organization_id(&org.id)
        .await
        .unwrap();
    let token = clerk_emulator.session_token(&session.id).unwrap();

    let http = Http::new();
    assert_eq!(
        http.get(&format!("{url}/me"), Some(&token)).await,
        (200, user.id.clone())
    );
    assert_eq!(
        http.get(&format!("{url}/invoices"), Some(&token)).await,
        (200, "the invoices".to_owned())
    );
    assert_eq!(http.get(&format!("{url}/me"), None).await.0, 401);

    // Without the permission (a plain member), the handler answers 403.
    clerk
        .organizations()
        .memberships()
        .update(&org.id)
        .user_id(&user.id)
        .role("org:member")
        .await
        .unwrap();
    let token = clerk_emulator.session_token(&session.id).unwrap();
    assert_eq!(
        http.get(&format!("{url}/invoices"), Some(&token)).await.0,
        403
    );

    // A revoked session's tokens can no longer be minted.
    clerk.sessions().revoke(&session.id).await.unwrap();
    assert!(clerk_emulator.session_token(&session.id).is_err());
}

/// A tiny HTTP client over clerk-core's transport (any client would do).
struct Http(clerk_core::HyperTransport);

impl Http {
    fn new() -> Http {
        Http(clerk_core::HyperTransport::new().unwrap())
    }

    async fn get(&self, url: &str, token: Option<&str>) -> (u16, String) {
        use clerk_core::Transport as _;
        let mut request = http::Request::get(url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = self
            .0
            .send(request.body(bytes::Bytes::new()).unwrap())
            .await
            .unwrap();
        (
            response.status().as_u16(),
            String::from_utf8_lossy(response.body()).into_owned(),
        )
    }
}
