//! The main example: a tour of the SDK.
//!
//! ```sh
//! cargo run -p clerk --example quickstart                          # offline, on the emulator
//! CLERK_SECRET_KEY=sk_test_... cargo run -p clerk --example quickstart   # read-only, on your instance
//! ```
//!
//! Without `CLERK_SECRET_KEY` it starts `clerk-testkit` — an in-memory Clerk Backend API on
//! 127.0.0.1 — and walks through what the SDK is for: users and an organization created, listed
//! with a stream and updated; a typed 404 and a typed 422; a session token minted and verified
//! networkless and through the JWKS; a permission checked with `has()`; an `http::Request`
//! authenticated; a signed webhook received and verified.
//!
//! With `CLERK_SECRET_KEY` set it only reads: your newest users and organizations, and a typed
//! 404.

#![allow(clippy::print_stdout)] // an example talks to its user

use std::time::Duration;

use clerk::auth::Check;
use clerk::auth::webhooks::WebhookEventData;
use clerk::{Clerk, RequestOptions, WebhookEvent};
use clerk_testkit::Testkit;
use futures_util::TryStreamExt as _;
use serde_json::json;
use tokio::sync::mpsc;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    if std::env::var_os("CLERK_SECRET_KEY").is_some() {
        read_only().await
    } else {
        emulated_tour().await
    }
}

/// Every step against the in-process emulator.
async fn emulated_tour() -> Result<(), BoxError> {
    println!("CLERK_SECRET_KEY is not set: touring the SDK against clerk-testkit, in process.");
    let testkit = Testkit::builder()
        .role(
            "org:billing",
            "Billing",
            ["org:invoices:read", "org:invoices:manage"],
        )
        .start()
        .await?;
    println!("  the emulator listens on {}", testkit.api_url());

    // A webhook receiver of our own, verifying every delivery with the signing secret.
    let clerk = testkit.client();
    let (events, mut received) = mpsc::unbounded_channel();
    let receiver = webhook_receiver(clerk.clone(), events).await?;
    testkit.webhooks().add_endpoint(&receiver)?;

    step("Create two users and an organization");
    let ada = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .first_name("Ada")
        .last_name("Lovelace")
        .await?;
    let grace = clerk
        .users()
        .create()
        .email_address(["grace@example.com"])
        .first_name("Grace")
        .last_name("Hopper")
        .await?;
    println!("  created {} (Ada) and {} (Grace)", ada.id, grace.id);
    let org = clerk
        .organizations()
        .create("Analytical Engines")
        .slug("engines")
        .created_by(&ada.id)
        .await?;
    clerk
        .organizations()
        .memberships()
        .create(&org.id)
        .user_id(&grace.id)
        .role("org:billing")
        .await?;
    println!(
        "  created {} ({}), Ada as creator, Grace as org:billing",
        org.id, org.slug
    );

    step("List users with a stream (pages fetched lazily, two at a time)");
    let users: Vec<_> = clerk
        .users()
        .list()
        .order_by("created_at")
        .limit(2)
        .into_stream()
        .try_collect()
        .await?;
    for user in &users {
        let email = user
            .email_addresses
            .first()
            .map_or("(no email)", |e| e.email_address.as_str());
        println!("  {}  {email}  created {}", user.id, user.created_at);
    }

    step("Merge public metadata into Grace's");
    let grace = clerk
        .users()
        .merge_metadata(&grace.id)
        .public_metadata(json!({ "team": "compilers" }))
        .await?;
    println!("  public_metadata is now {}", grace.public_metadata);

    step("Typed errors");
    match clerk.users().get("user_does_not_exist").await {
        Err(err) if err.is_not_found() => println!("  a missing user is a 404: {err}"),
        other => println!("  unexpected: {other:?}"),
    }
    match clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
    {
        Err(err) if err.has_code("form_identifier_exists") => {
            println!("  a taken e-mail address is a 422 form_identifier_exists: {err}");
        }
        other => println!("  unexpected: {other:?}"),
    }

    step("Mint a session token for Grace in the organization");
    let session = clerk
        .sessions()
        .create(&grace.id)
        .active_organization_id(&org.id)
        .await?;
    let Some(token) = clerk.sessions().create_token(&session.id).await?.jwt else {
        return Err("the emulator answered without a token".into());
    };
    println!(
        "  session {} → a {}-byte RS256 JWT",
        session.id,
        token.len()
    );

    step("Verify it networkless, with the instance's public key");
    let claims = clerk.verify_token(&token).await?;
    println!(
        "  subject {}, session {}, role {}",
        claims.sub,
        claims.sid.as_deref().unwrap_or("-"),
        claims.org_role().as_deref().unwrap_or("-")
    );

    step("Verify it through the JWKS (GET /v1/jwks, then cached)");
    let via_jwks = Clerk::builder()
        .secret_key(testkit.secret_key())
        .api_url(testkit.api_url())
        .publishable_key(testkit.publishable_key())
        .authorized_parties([clerk_testkit::DEFAULT_AUTHORIZED_PARTY])
        .build()?;
    let claims = via_jwks.verify_token(&token).await?;
    let cached = via_jwks
        .jwks_cache()
        .map(|cache| cache.cached_kids())
        .unwrap_or_default();
    println!("  subject {}; keys now cached: {cached:?}", claims.sub);

    step("Check permissions with has()");
    let auth = clerk::auth::Auth::from_claims(claims);
    for permission in ["org:invoices:read", "org:invoices:delete"] {
        println!(
            "  {permission}: {}",
            auth.has(&Check::permission(permission))
        );
    }

    step("Authenticate an http::Request carrying the token");
    let request = http::Request::builder()
        .uri("http://localhost:3000/dashboard")
        .header(http::header::HOST, "localhost:3000")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())?;
    let (parts, ()) = request.into_parts();
    let state = clerk
        .authenticate_request(&parts, &RequestOptions::new())
        .await;
    println!(
        "  {:?}: user {}",
        state.status(),
        state.auth().user_id().unwrap_or("-")
    );

    step("Receive the signed webhook for Ada's creation");
    let event = wait_for(&mut received, &ada.id).await?;
    println!(
        "  {} for {}: signature and timestamp verified, payload typed",
        event.event_type(),
        ada.id
    );

    testkit.shutdown().await;
    println!("\nDone. Set CLERK_SECRET_KEY to run the read-only part against your own instance.");
    Ok(())
}

fn step(title: &str) {
    println!("\n{title}");
}

/// Serves `POST /webhooks/clerk` on a free loopback port; every verified event goes to
/// `events`. Returns the endpoint's URL.
async fn webhook_receiver(
    clerk: Clerk,
    events: mpsc::UnboundedSender<WebhookEvent>,
) -> Result<String, BoxError> {
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    let app = axum::Router::new().route(
        "/webhooks/clerk",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let clerk = clerk.clone();
            let events = events.clone();
            async move {
                match clerk.verify_webhook(&headers, &body) {
                    Ok(event) => {
                        let _ = events.send(event);
                        StatusCode::NO_CONTENT
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/clerk", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

/// The `user.created` event for `user_id` (others are skipped), or an error after 10 s.
async fn wait_for(
    received: &mut mpsc::UnboundedReceiver<WebhookEvent>,
    user_id: &str,
) -> Result<WebhookEvent, BoxError> {
    let wait = async {
        while let Some(event) = received.recv().await {
            if matches!(&event.data, WebhookEventData::UserCreated(user) if user.id == user_id) {
                return Some(event);
            }
        }
        None
    };
    match tokio::time::timeout(Duration::from_secs(10), wait).await {
        Ok(Some(event)) => Ok(event),
        _ => Err("no user.created webhook arrived within 10 s".into()),
    }
}

/// With a real instance: reads only.
async fn read_only() -> Result<(), BoxError> {
    // CLERK_SECRET_KEY, plus CLERK_PUBLISHABLE_KEY, CLERK_JWT_KEY… when set; no call may take
    // more than 20 s, retries included.
    let clerk = clerk::ClerkBuilder::from_env()?
        .call_timeout(Duration::from_secs(20))
        .build()?;

    let users = clerk
        .users()
        .list()
        .limit(5)
        .order_by("-created_at")
        .await?;
    println!("{} most recent users:", users.data.len());
    for user in &users.data {
        let email = user
            .email_addresses
            .first()
            .map_or("(no email)", |e| e.email_address.as_str());
        println!("  {}  {email}  created {}", user.id, user.created_at);
    }

    let organizations = clerk.organizations().list().limit(5).await?;
    println!(
        "{} organizations in total; first page has {}",
        organizations.total_count.unwrap_or(0),
        organizations.data.len()
    );

    match clerk.users().get("user_does_not_exist").await {
        Err(err) if err.is_not_found() => println!("a missing user is a typed 404: {err}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
