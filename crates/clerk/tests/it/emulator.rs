//! End to end through `clerk::Clerk` against `clerk-testkit`, a stateful Backend API on
//! 127.0.0.1: pagination walks over hundreds of real users, retries against injected faults,
//! request authentication with the instance's JWKS, machine tokens created and revoked through
//! the API, and a webhook receiver fed by the emulator's deliveries. (What goes over the wire
//! byte for byte is asserted against mock servers in the other modules.)

use std::collections::HashSet;
use std::time::Duration;

use clerk::auth::machine::MachineErrorCode;
use clerk::auth::request::{AcceptsToken, AuthReason, AuthStatus, RefreshSkipped, RequestState};
use clerk::auth::{Check, ReasonKind};
use clerk::clerk_core::SecretKey;
use clerk::{Clerk, ManualClock, RequestOptions, RetryPolicy, TokenType};
use clerk_testkit::{DEFAULT_AUTHORIZED_PARTY, Fault, Testkit};
use futures_util::{StreamExt as _, TryStreamExt as _};

/// An emulator on a manual clock, whose `org:analyst` role may read reports.
async fn emulator(clock: &ManualClock) -> Testkit {
    Testkit::builder()
        .clock(clock.clone())
        .role("org:analyst", "Analyst", ["org:reports:read"])
        .start()
        .await
        .unwrap()
}

/// A client as an application configures it without `CLERK_JWT_KEY`: tokens verify with the
/// instance's JWKS, fetched through the Backend API.
fn jwks_client(testkit: &Testkit, clock: &ManualClock) -> Clerk {
    Clerk::builder()
        .secret_key(testkit.secret_key())
        .api_url(testkit.api_url())
        .publishable_key(testkit.publishable_key())
        .authorized_parties([DEFAULT_AUTHORIZED_PARTY])
        .clock(clock.clone())
        .build()
        .unwrap()
}

async fn user(clerk: &Clerk, email: &str) -> clerk::models::User {
    clerk.users().create().email_address([email]).await.unwrap()
}

async fn authenticate(clerk: &Clerk, request: http::request::Builder) -> RequestState {
    authenticate_with(clerk, request, &RequestOptions::new()).await
}

async fn authenticate_with(
    clerk: &Clerk,
    request: http::request::Builder,
    options: &RequestOptions,
) -> RequestState {
    let (parts, ()) = request.body(()).unwrap().into_parts();
    clerk.authenticate_request(&parts, options).await
}

/// A request from the application's frontend with `Authorization: Bearer <token>`.
fn bearer(token: &str) -> http::request::Builder {
    http::Request::get("/api/reports")
        .header("host", "localhost:3000")
        .header("authorization", format!("Bearer {token}"))
}

// ---- pagination -----------------------------------------------------------------------------

#[tokio::test]
async fn pagination_walks_every_user_exactly_once_in_order() {
    let testkit = Testkit::start().await.unwrap();
    let clerk = testkit.client();
    // 250 users, eight requests in flight at a time.
    let created: Vec<String> = futures_util::stream::iter(0..250)
        .map(|i| {
            let clerk = clerk.clone();
            async move {
                let email = format!("user{i:03}@example.com");
                clerk.users().create().email_address([email]).await
            }
        })
        .buffer_unordered(8)
        .map_ok(|user| user.id)
        .try_collect()
        .await
        .unwrap();
    let created: HashSet<String> = created.into_iter().collect();
    assert_eq!(created.len(), 250);

    // The server's order (newest first), in one page of the largest size.
    let page = clerk.users().list().limit(500).await.unwrap();
    let newest_first: Vec<String> = page.data.iter().map(|u| u.id.clone()).collect();
    assert_eq!(
        newest_first.iter().cloned().collect::<HashSet<_>>(),
        created
    );
    assert!(
        page.data
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );

    // Seven at a time, by offset and by cursor: the same 250, once each, in the same order.
    let by_offset: Vec<String> = clerk
        .users()
        .list()
        .limit(7)
        .into_stream()
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_offset, newest_first);
    let by_cursor: Vec<String> = clerk
        .users()
        .list()
        .limit(7)
        .into_cursor_stream()
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_cursor, newest_first);
    // Oldest first is the exact reverse (ties broken by creation order both ways).
    let oldest_first: Vec<String> = clerk
        .users()
        .list()
        .order_by("+created_at")
        .limit(11)
        .into_cursor_stream()
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        oldest_first,
        newest_first.iter().rev().cloned().collect::<Vec<_>>()
    );

    // The counts agree: GET /users/count, the reference's getUserList shape, and the stream.
    assert_eq!(clerk.users().count().await.unwrap().total_count, 250);
    let with_count = clerk
        .users()
        .list()
        .limit(10)
        .with_total_count()
        .await
        .unwrap();
    assert_eq!((with_count.data.len(), with_count.total_count), (10, 250));
    let filtered = clerk
        .users()
        .list()
        .email_address(["user007@example.com", "user042@example.com"])
        .with_total_count()
        .await
        .unwrap();
    assert_eq!((filtered.data.len(), filtered.total_count), (2, 2));
}

#[tokio::test]
async fn a_cursor_walk_is_unmoved_by_users_created_during_it() {
    let testkit = Testkit::start().await.unwrap();
    let clerk = testkit.client();
    for i in 0..30 {
        user(&clerk, &format!("early{i}@example.com")).await;
    }
    let before: Vec<String> = clerk
        .users()
        .list()
        .limit(500)
        .await
        .unwrap()
        .data
        .into_iter()
        .map(|u| u.id)
        .collect();

    // Newest first, ten a page: after the first page, five newer users appear at the front.
    let mut by_cursor = Box::pin(clerk.users().list().limit(10).into_cursor_stream());
    let mut by_offset = Box::pin(clerk.users().list().limit(10).into_stream());
    let mut cursor_ids = Vec::new();
    let mut offset_ids = Vec::new();
    for _ in 0..10 {
        cursor_ids.push(by_cursor.next().await.unwrap().unwrap().id);
        offset_ids.push(by_offset.next().await.unwrap().unwrap().id);
    }
    for i in 0..5 {
        user(&clerk, &format!("late{i}@example.com")).await;
    }
    while let Some(user) = by_cursor.next().await {
        cursor_ids.push(user.unwrap().id);
    }
    while let Some(user) = by_offset.next().await {
        offset_ids.push(user.unwrap().id);
    }
    // The cursor walk sees the 30 once each; offsets shift, so the offset walk repeats five.
    assert_eq!(cursor_ids, before);
    assert_eq!(offset_ids.len(), 35);
    assert_eq!(offset_ids.iter().collect::<HashSet<_>>().len(), 30);
}

#[tokio::test]
async fn paginated_lists_report_their_total_count() {
    let testkit = Testkit::start().await.unwrap();
    let clerk = testkit.client();
    for i in 0..23 {
        clerk
            .organizations()
            .create(format!("Org {i}"))
            .await
            .unwrap();
    }
    let page = clerk.organizations().list().limit(5).await.unwrap();
    assert_eq!((page.data.len(), page.total_count), (5, Some(23)));
    let all: Vec<String> = clerk
        .organizations()
        .list()
        .limit(5)
        .into_stream()
        .map_ok(|org| org.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 23);
}

// ---- retries --------------------------------------------------------------------------------

#[tokio::test]
async fn retries_recover_reads_spare_writes_and_honour_retry_after() {
    let testkit = Testkit::start().await.unwrap();
    // The default policy (three attempts, 250 ms doubling) without jitter, on a clock that
    // records the waits instead of sleeping.
    let clock = ManualClock::new();
    let clerk = testkit
        .client_builder()
        .retry_policy(RetryPolicy::standard().with_jitter(false))
        .clock(clock.clone())
        .build()
        .unwrap();
    let ada = user(&clerk, "ada@example.com").await;

    // Two 503s, then the real answer: the third attempt succeeds.
    let unavailable = testkit
        .faults()
        .inject(Fault::status(503).on_operation("GetUser").times(2));
    assert_eq!(clerk.users().get(&ada.id).await.unwrap().id, ada.id);
    assert_eq!(testkit.faults().hits(unavailable), Some(2));
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(250), Duration::from_millis(500)]
    );

    // A POST answered 502 is not retried (it might have been processed), and here it was not:
    // the fault answers before the operation runs.
    let bad_gateway = testkit
        .faults()
        .inject(Fault::status(502).on_operation("CreateUser").times(1));
    let error = clerk
        .users()
        .create()
        .email_address(["grace@example.com"])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(clerk::StatusCode::BAD_GATEWAY));
    assert_eq!(testkit.faults().hits(bad_gateway), Some(1));
    assert_eq!(clock.sleeps().len(), 2, "no new wait");
    let found = clerk
        .users()
        .list()
        .email_address(["grace@example.com"])
        .await
        .unwrap();
    assert!(found.data.is_empty());
    assert_eq!(clerk.users().count().await.unwrap().total_count, 1);

    // 429 with Retry-After: 3 is retried after exactly three seconds, even for a POST (the rate
    // limiter answered before anything happened); the user is created once.
    let limited = testkit
        .faults()
        .inject(Fault::rate_limited(3).on_operation("CreateUser").times(1));
    let grace = user(&clerk, "grace@example.com").await;
    assert_eq!(testkit.faults().hits(limited), Some(1));
    assert_eq!(clock.sleeps().last(), Some(&Duration::from_secs(3)));
    assert_eq!(clerk.users().count().await.unwrap().total_count, 2);
    assert_eq!(clerk.users().get(&grace.id).await.unwrap().id, grace.id);

    // Out of attempts, the last error surfaces with its Retry-After.
    testkit
        .faults()
        .inject(Fault::rate_limited(1).on_operation("GetUserList").times(3));
    let error = clerk.users().list().await.unwrap_err();
    assert!(error.is_rate_limited());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
}

// ---- request authentication through the JWKS --------------------------------------------------

#[tokio::test]
async fn requests_authenticate_through_the_jwks() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let service = jwks_client(&testkit, &clock);

    let ada = user(&clerk, "ada@example.com").await;
    let org = clerk.organizations().create("Acme").await.unwrap();
    clerk
        .organizations()
        .memberships()
        .create(&org.id)
        .user_id(&ada.id)
        .role("org:analyst")
        .await
        .unwrap();
    let session = clerk
        .sessions()
        .create(&ada.id)
        .active_organization_id(&org.id)
        .await
        .unwrap();
    let token = clerk
        .sessions()
        .create_token(&session.id)
        .await
        .unwrap()
        .jwt
        .unwrap();

    let state = authenticate(&service, bearer(&token)).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token_type(), Some(TokenType::SessionToken));
    let auth = state.auth();
    assert_eq!(auth.user_id(), Some(ada.id.as_str()));
    assert_eq!(auth.session_id(), Some(session.id.as_str()));
    assert_eq!(auth.org_id(), Some(org.id.as_str()));
    assert_eq!(auth.org_role(), Some("org:analyst"));
    assert!(auth.has(&Check::permission("org:reports:read")));
    assert!(!auth.has(&Check::permission("org:reports:manage")));
    assert!(auth.has(&Check::role("org:analyst")));
    let cache = service.jwks_cache().unwrap();
    assert_eq!(cache.cached_kids(), [testkit.instance_id().to_owned()]);

    // Revoked through the API, the session's token still verifies until it expires: a session
    // token is a JWT, checked without calling Clerk. No new token can be minted for it.
    clerk.sessions().revoke(&session.id).await.unwrap();
    let state = authenticate(&service, bearer(&token)).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    let error = clerk
        .sessions()
        .create_token(&session.id)
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    // Sixty seconds and the leeway later, it is expired.
    clock.advance(Duration::from_secs(66));
    let state = authenticate(&service, bearer(&token)).await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    // As `@clerk/backend` reports it: expired, and no refresh cookie to refresh it with.
    assert_eq!(
        state.reason(),
        Some(&AuthReason::SessionTokenExpired(
            RefreshSkipped::NoRefreshCookie
        ))
    );
    assert_eq!(
        state.verify_error().map(|e| e.reason()),
        Some(ReasonKind::TokenExpired)
    );
    assert_eq!(state.auth().user_id(), None);
}

#[tokio::test]
async fn an_ended_sessions_token_verifies_until_it_expires() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let service = jwks_client(&testkit, &clock);
    let ada = user(&clerk, "ada@example.com").await;
    let session = clerk.sessions().create(&ada.id).await.unwrap();
    let token = testkit.session_token(&session.id).unwrap();
    testkit.end_session(&session.id).unwrap();
    assert_eq!(
        clerk.sessions().get(&session.id).await.unwrap().status,
        clerk::models::SessionStatus::Ended
    );
    let state = authenticate(&service, bearer(&token)).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.auth().user_id(), Some(ada.id.as_str()));
    clock.advance(Duration::from_secs(66));
    assert_eq!(
        authenticate(&service, bearer(&token)).await.status(),
        AuthStatus::SignedOut
    );
}

#[tokio::test]
async fn another_instances_tokens_are_refused() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let service = jwks_client(&testkit, &clock);

    // Another emulator signs with the same built-in test key, under its own key id (its
    // instance id), which this instance's JWKS does not list.
    let elsewhere = Testkit::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let other = elsewhere.client();
    let eve = user(&other, "eve@example.com").await;
    let session = other.sessions().create(&eve.id).await.unwrap();
    let foreign = elsewhere.session_token(&session.id).unwrap();
    let state = authenticate(&service, bearer(&foreign)).await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(
        state.reason(),
        Some(&AuthReason::Verification(ReasonKind::JwkKidMismatch)),
        "{state:?}"
    );
    // The other instance's own JWKS client accepts it.
    let theirs = jwks_client(&elsewhere, &clock);
    assert_eq!(
        authenticate(&theirs, bearer(&foreign)).await.status(),
        AuthStatus::SignedIn
    );
    // The networkless client holds the same test key, so only its issuer check tells the two
    // emulators apart.
    let err = testkit
        .client()
        .verify_token(&foreign)
        .await
        .expect_err("another emulator's token");
    assert_eq!(err.reason(), ReasonKind::TokenInvalidIssuer, "{err:?}");
    assert!(elsewhere.client().verify_token(&foreign).await.is_ok());
}

#[tokio::test]
async fn a_browser_request_with_session_cookies_is_signed_in() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let service = jwks_client(&testkit, &clock);
    let ada = user(&clerk, "ada@example.com").await;
    let session = clerk.sessions().create(&ada.id).await.unwrap();
    let token = testkit.session_token(&session.id).unwrap();
    let issued_at = service.verify_token(&token).await.unwrap().iat.unwrap();

    // What the browser's fetch sends after signing in to a development instance: the session
    // token, the client's last update time and the dev-browser token; no Authorization header.
    let browser = |client_uat: i64| {
        http::Request::get("/api/reports")
            .header("host", "localhost:3000")
            .header("accept", "application/json")
            .header(
                "cookie",
                format!("__session={token}; __client_uat={client_uat}; __clerk_db_jwt=dvb_1"),
            )
    };
    let state = authenticate(&service, browser(issued_at)).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.auth().user_id(), Some(ada.id.as_str()));
    assert_eq!(state.token(), Some(token.as_str()));

    // The client changed after the token was issued (another sign-in, say): the token is stale
    // (a fetch is not redirected through a handshake; it is signed out).
    let state = authenticate(&service, browser(issued_at + 10)).await;
    assert_eq!(state.status(), AuthStatus::SignedOut, "{state:?}");
    assert_eq!(
        state.reason(),
        Some(&AuthReason::SessionTokenIatBeforeClientUat)
    );
    // Signed out on every device (`__client_uat=0`): the leftover cookie does not count.
    let state = authenticate(&service, browser(0)).await;
    assert_eq!(state.status(), AuthStatus::SignedOut, "{state:?}");
    assert_eq!(
        state.reason(),
        Some(&AuthReason::SessionTokenButNoClientUat)
    );
    assert_eq!(state.auth().user_id(), None);
}

// ---- machine tokens -------------------------------------------------------------------------

#[tokio::test]
async fn machine_tokens_verify_until_revoked() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let ada = user(&clerk, "ada@example.com").await;

    // An M2M token, created with the machine's own secret key.
    let machine = clerk.machines().create("billing-worker").await.unwrap();
    let m2m = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(SecretKey::new(machine.secret_key.clone()).unwrap())
        .await
        .unwrap();
    let verified = clerk.verify_machine_token(&m2m.token).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::M2mToken);
    assert_eq!(verified.subject(), machine.id);
    assert_eq!(verified.machine_id(), Some(machine.id.as_str()));

    // An API key for a user.
    let key = clerk
        .api_keys()
        .create("ci")
        .subject(&ada.id)
        .scopes(["deploy"])
        .await
        .unwrap();
    let verified = clerk.verify_machine_token(&key.secret).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::ApiKey);
    assert_eq!(verified.user_id(), Some(ada.id.as_str()));
    assert_eq!(verified.scopes(), ["deploy"]);
    assert_eq!(verified.name(), Some("ci"));

    // An OAuth access token an OAuth application obtained for the user.
    let oauth = testkit
        .issue_oauth_access_token(&ada.id, "app_dashboard", ["profile", "email"], None)
        .unwrap();
    let verified = clerk.verify_machine_token(&oauth).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::OAuthToken);
    assert_eq!(verified.user_id(), Some(ada.id.as_str()));
    assert_eq!(verified.scopes(), ["profile", "email"]);

    // The same three through request authentication, on a route taking any token, with a
    // client that verifies through the JWKS; an M2M-only route refuses the API key unverified.
    let service = jwks_client(&testkit, &clock);
    let any = RequestOptions::new().accepts_token(AcceptsToken::Any);
    for (token, kind) in [
        (&m2m.token, TokenType::M2mToken),
        (&key.secret, TokenType::ApiKey),
        (&oauth, TokenType::OAuthToken),
    ] {
        let state = authenticate_with(&service, bearer(token), &any).await;
        assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
        assert_eq!(state.auth().token_type(), Some(kind));
    }
    let m2m_only = RequestOptions::new().accepts_token(TokenType::M2mToken);
    let state = authenticate_with(&service, bearer(&key.secret), &m2m_only).await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(state.reason(), Some(&AuthReason::TokenTypeMismatch));

    // Revoked through the API (the OAuth token through the emulator): refused.
    clerk.m2m_tokens().revoke(&m2m.id).await.unwrap();
    clerk.api_keys().revoke(&key.id).await.unwrap();
    assert!(testkit.revoke_oauth_access_token(&oauth));
    for token in [&m2m.token, &key.secret, &oauth] {
        let error = clerk.verify_machine_token(token).await.unwrap_err();
        assert_eq!(error.code(), MachineErrorCode::TokenInvalid, "{token}");
        let state = authenticate_with(&service, bearer(token), &any).await;
        assert_eq!(state.status(), AuthStatus::SignedOut);
    }
}

#[tokio::test]
async fn jwt_m2m_tokens_verify_through_the_jwks() {
    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let machine = clerk.machines().create("cron").await.unwrap();
    let token = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(SecretKey::new(machine.secret_key).unwrap())
        .token_format(clerk::m2m_tokens::CreateM2MTokenTokenFormat::Jwt)
        .seconds_until_expiration(120)
        .await
        .unwrap();
    let service = jwks_client(&testkit, &clock);
    let verified = service.verify_machine_token(&token.token).await.unwrap();
    assert_eq!(verified.token_type(), TokenType::M2mToken);
    assert_eq!(verified.subject(), machine.id);
    assert_eq!(service.jwks_cache().unwrap().fetch_count(), 1);
    // A JWT is checked locally: past its `exp` (and the leeway) it fails verification.
    clock.advance(Duration::from_secs(126));
    let error = service
        .verify_machine_token(&token.token)
        .await
        .unwrap_err();
    assert_eq!(error.code(), MachineErrorCode::TokenVerificationFailed);
}

// ---- webhooks -------------------------------------------------------------------------------

/// An axum receiver verifying deliveries with `clerk.verify_webhook`; the verified events go to
/// the returned channel. Returns the endpoint URL.
#[cfg(feature = "webhooks")]
async fn webhook_receiver(
    clerk: Clerk,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<clerk::WebhookEvent>,
) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};

    let (sender, events) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/webhooks/clerk",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let clerk = clerk.clone();
            let sender = sender.clone();
            async move {
                match clerk.verify_webhook(&headers, &body) {
                    Ok(event) => {
                        sender.send(event).unwrap();
                        StatusCode::NO_CONTENT
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/clerk", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, events)
}

#[cfg(feature = "webhooks")]
#[tokio::test]
async fn a_webhook_receiver_gets_the_user_lifecycle() {
    use std::collections::HashMap;

    use clerk::auth::webhooks::WebhookEventData;

    let clock = ManualClock::new();
    let testkit = emulator(&clock).await;
    let clerk = testkit.client();
    let (url, mut events) = webhook_receiver(clerk.clone()).await;
    testkit.webhooks().add_endpoint(&url).unwrap();

    let ada = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .first_name("Ada")
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    clerk
        .users()
        .update(&ada.id)
        .last_name("Lovelace")
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    clerk.users().delete(&ada.id).await.unwrap();

    // Deliveries run concurrently: collect the three, in whatever order they arrive.
    let mut received = HashMap::new();
    let collect = async {
        while received.len() < 3 {
            let event = events.recv().await.unwrap();
            received.insert(event.event_type().to_owned(), event);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), collect)
        .await
        .expect("three verified deliveries within 10 s");

    match &received["user.created"].data {
        WebhookEventData::UserCreated(user) => {
            assert_eq!(user.id, ada.id);
            assert_eq!(user.first_name.as_deref(), Some("Ada"));
            assert_eq!(user.email_addresses[0].email_address, "ada@example.com");
        }
        other => panic!("{other:?}"),
    }
    match &received["user.updated"].data {
        WebhookEventData::UserUpdated(user) => {
            assert_eq!(user.id, ada.id);
            assert_eq!(user.last_name.as_deref(), Some("Lovelace"));
            // One `User` type: the webhook payload compares with the API response directly.
            assert!(user.updated_at > ada.updated_at);
        }
        other => panic!("{other:?}"),
    }
    match &received["user.deleted"].data {
        WebhookEventData::UserDeleted(deleted) => {
            assert_eq!(deleted.id.as_deref(), Some(ada.id.as_str()));
        }
        other => panic!("{other:?}"),
    }
    // Every attempt was answered 2xx at once: nothing to retry. (An attempt is logged once its
    // answer is in, just after the handler ran.)
    for _ in 0..3 {
        let attempt = testkit.webhooks().next_delivery().await;
        assert!(attempt.delivered() && attempt.attempt == 1, "{attempt:?}");
    }
    assert_eq!(testkit.webhooks().delivery_history().len(), 3);
}
