//! Drives the service over a real loopback connection against `clerk-testkit`, the in-memory
//! Backend API: users, organizations, memberships, sessions and machines are created through the
//! API, every token is minted by the emulator, and the service verifies them with the emulator's
//! public key (the client `testkit.client()` returns) or through its JWKS (a client without a
//! JWT key). Webhooks are the emulator's own deliveries, signed with its secret. 200 for public
//! and permitted routes, 401 without a valid token, 403 without the permission, the M2M route
//! for machines only, and the webhook route's 200/401/400/413.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{App, HttpServer};
use clerk::clerk_core::SecretKey;
use clerk::m2m_tokens::CreateM2MTokenTokenFormat;
use clerk::{Clerk, Clock as _, ManualClock};
use clerk_testkit::{
    DEFAULT_AUTHORIZED_PARTY, DeliveryAttempt, DeliveryOutcome, Testkit, WebhookMessage,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A throwaway key of clerk-auth's test fixtures: a second instance signing with it stands for
/// a token from somewhere else (the emulator's own key is shared by every emulator).
const OTHER_INSTANCE_KEY: &str =
    include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.pk8.pem");

/// An emulator whose `org:analyst` role may read reports, on a manual clock (so tokens expire
/// and deliveries go stale when the test says so; the client it hands out shares the clock).
async fn emulator() -> (Testkit, ManualClock) {
    let clock = ManualClock::new();
    let testkit = Testkit::builder()
        .clock(clock.clone())
        .role("org:analyst", "Analyst", ["org:reports:read"])
        .start()
        .await
        .unwrap();
    (testkit, clock)
}

/// Starts the service, built from `clerk`, on an ephemeral loopback port (one worker).
fn serve(clerk: &Clerk) -> SocketAddr {
    let clerk = clerk.clone();
    let server = HttpServer::new(move || {
        let clerk = clerk.clone();
        App::new().configure(move |config| actix_auth::routes(config, &clerk))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

/// A client configured as in production without `CLERK_JWT_KEY`: session tokens verify with
/// the instance's JWKS, fetched from the emulator.
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

/// A new user with an active session (in `org` as `role` when given) and its session token,
/// minted through `POST /v1/sessions/{id}/tokens`.
async fn signed_in(clerk: &Clerk, email: &str, org: Option<(&str, &str)>) -> (String, String) {
    let user = clerk.users().create().email_address([email]).await.unwrap();
    let mut session = clerk.sessions().create(&user.id);
    if let Some((org_id, role)) = org {
        clerk
            .organizations()
            .memberships()
            .create(org_id)
            .user_id(&user.id)
            .role(role)
            .await
            .unwrap();
        session = session.active_organization_id(org_id);
    }
    let session = session.await.unwrap();
    let token = clerk
        .sessions()
        .create_token(&session.id)
        .await
        .unwrap()
        .jwt
        .unwrap();
    (user.id, token)
}

/// A machine's M2M token in the given format, created with the machine's secret key: the
/// machine id, the token's id and the token.
async fn m2m_token(clerk: &Clerk, format: CreateM2MTokenTokenFormat) -> (String, String, String) {
    let machine = clerk.machines().create("report-builder").await.unwrap();
    let token = clerk
        .m2m_tokens()
        .create()
        .machine_secret_key(SecretKey::new(machine.secret_key).unwrap())
        .token_format(format)
        .await
        .unwrap();
    (machine.id, token.id, token.token)
}

/// Sends one raw HTTP/1.1 request and returns the status code, the head and the body.
async fn send(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Sends one GET and returns the status code and body.
async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    request.push_str("\r\n");
    let (status, _, body) = send(addr, &request, b"").await;
    (status, body)
}

/// Posts `body` to the webhook route with `headers`, declaring `length` as its length.
async fn post_webhook(
    addr: SocketAddr,
    headers: &[(&str, String)],
    length: usize,
    body: &[u8],
) -> (u16, String) {
    let mut request = format!(
        "POST /webhooks/clerk HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {length}\r\nconnection: close\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let (status, head, body) = send(addr, &request, body).await;
    if status != 200 {
        assert!(head.contains("content-type: application/json"), "{head}");
    }
    (status, body)
}

/// The signature headers of a message the emulator emitted, as it delivers them.
fn svix_headers(message: &WebhookMessage) -> Vec<(&'static str, String)> {
    let headers = message.headers();
    ["svix-id", "svix-timestamp", "svix-signature"]
        .into_iter()
        .map(|name| (name, headers[name].to_str().unwrap().to_owned()))
        .collect()
}

/// Re-posts a message the emulator emitted, with its own signature.
async fn redeliver(addr: SocketAddr, message: &WebhookMessage) -> (u16, String) {
    let body = message.body();
    post_webhook(addr, &svix_headers(message), body.len(), body).await
}

/// The emulator's first delivery attempt of `message` to the registered endpoint (deliveries
/// run concurrently: it may already be in the log).
async fn delivery_of(testkit: &Testkit, message: &WebhookMessage) -> DeliveryAttempt {
    let wait = async {
        loop {
            let history = testkit.webhooks().delivery_history();
            if let Some(attempt) = history.into_iter().find(|a| a.message_id == message.id()) {
                return attempt;
            }
            // Returns at once while unread attempts remain, else when the next one is logged.
            testkit.webhooks().next_delivery().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("no delivery attempt within 10 s")
}

fn reason(body: &str) -> Value {
    serde_json::from_str::<Value>(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))["reason"]
        .clone()
}

#[actix_web::test]
async fn public_route_is_open() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);
    assert_eq!(
        get(addr, "/", None).await,
        (200, "hello, stranger".to_owned())
    );
    let (user, token) = signed_in(&clerk, "ada@example.com", None).await;
    assert_eq!(
        get(addr, "/", Some(&token)).await,
        (200, format!("hello, {user}"))
    );
}

#[actix_web::test]
async fn signed_in_route_needs_a_valid_token() {
    let (testkit, clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);
    let (status, body) = get(addr, "/me", None).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));
    let (status, body) = get(addr, "/me", Some("not-a-token")).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));

    let (user, token) = signed_in(&clerk, "ada@example.com", None).await;
    assert_eq!(get(addr, "/me", Some(&token)).await, (200, user));

    // A token minted by another instance (its own signing key) is not this instance's.
    let elsewhere = Testkit::builder()
        .signing_key_pem(OTHER_INSTANCE_KEY)
        .start()
        .await
        .unwrap();
    let (_, foreign) = signed_in(&elsewhere.client(), "eve@example.com", None).await;
    let (status, body) = get(addr, "/me", Some(&foreign)).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));

    // Session tokens live 60 s: past that (and the 5 s leeway), the same token is refused.
    clock.advance(Duration::from_secs(66));
    let (status, body) = get(addr, "/me", Some(&token)).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));
}

#[actix_web::test]
async fn permission_route_answers_403_without_the_permission() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);
    let org = clerk.organizations().create("Acme").await.unwrap();

    // Signed in, but with no active organization, or as a plain member: forbidden.
    let (_, no_org) = signed_in(&clerk, "solo@example.com", None).await;
    let (status, body) = get(addr, "/reports", Some(&no_org)).await;
    assert_eq!((status, reason(&body)), (403, json!("forbidden")));
    let (_, member) = signed_in(&clerk, "member@example.com", Some((&org.id, "org:member"))).await;
    let (status, body) = get(addr, "/reports", Some(&member)).await;
    assert_eq!((status, reason(&body)), (403, json!("forbidden")));

    // The analyst role carries `org:reports:read` into the token.
    let (_, analyst) = signed_in(
        &clerk,
        "analyst@example.com",
        Some((&org.id, "org:analyst")),
    )
    .await;
    assert_eq!(
        get(addr, "/reports", Some(&analyst)).await,
        (200, "the quarterly reports".to_owned())
    );
    assert_eq!(get(addr, "/reports", None).await.0, 401);
}

#[actix_web::test]
async fn machine_route_accepts_m2m_tokens_and_refuses_sessions() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);

    // An opaque M2M token is verified through the Backend API (`POST /m2m_tokens/verify`).
    let (machine, opaque_id, opaque) = m2m_token(&clerk, CreateM2MTokenTokenFormat::Opaque).await;
    assert!(opaque.starts_with("mt_"), "{opaque}");
    assert_eq!(
        get(addr, "/machine/status", Some(&opaque)).await,
        (200, format!("ok, {machine}"))
    );
    // A JWT-format one networklessly, with the instance's key.
    let (machine, _, jwt) = m2m_token(&clerk, CreateM2MTokenTokenFormat::Jwt).await;
    assert_eq!(
        get(addr, "/machine/status", Some(&jwt)).await,
        (200, format!("ok, {machine}"))
    );

    // A user's session token is the wrong kind of token here.
    let (_, session) = signed_in(&clerk, "ada@example.com", None).await;
    let (status, body) = get(addr, "/machine/status", Some(&session)).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));

    // M2M tokens do not open user routes.
    assert_eq!(get(addr, "/me", Some(&opaque)).await.0, 401);
    assert_eq!(get(addr, "/me", Some(&jwt)).await.0, 401);

    // Once revoked through the API, the opaque token no longer opens the machine route.
    clerk.m2m_tokens().revoke(&opaque_id).await.unwrap();
    let (status, body) = get(addr, "/machine/status", Some(&opaque)).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));
}

#[actix_web::test]
async fn the_service_verifies_through_the_jwks_without_a_jwt_key() {
    let (testkit, clock) = emulator().await;
    let clerk = testkit.client();
    let service = jwks_client(&testkit, &clock);
    let addr = serve(&service);

    let org = clerk.organizations().create("Acme").await.unwrap();
    let (user, token) = signed_in(&clerk, "ada@example.com", Some((&org.id, "org:analyst"))).await;
    assert_eq!(get(addr, "/me", Some(&token)).await, (200, user.clone()));
    assert_eq!(
        get(addr, "/reports", Some(&token)).await,
        (200, "the quarterly reports".to_owned())
    );
    // The instance's key was fetched once and is cached under its key id.
    let cache = service.jwks_cache().unwrap();
    assert_eq!(cache.cached_kids(), [testkit.instance_id().to_owned()]);
    assert_eq!(cache.fetch_count(), 1);

    // Another emulator signs with the same built-in key but under its own key id, which this
    // instance's JWKS does not list.
    let elsewhere = Testkit::start().await.unwrap();
    let (_, foreign) = signed_in(&elsewhere.client(), "eve@example.com", None).await;
    let (status, body) = get(addr, "/me", Some(&foreign)).await;
    assert_eq!((status, reason(&body)), (401, json!("unauthenticated")));

    // And tokens still expire (60 s, and 5 s of leeway).
    clock.advance(Duration::from_secs(66));
    assert_eq!(get(addr, "/me", Some(&token)).await.0, 401);
}

#[actix_web::test]
async fn webhook_route_takes_the_emulators_deliveries() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);
    testkit
        .webhooks()
        .add_endpoint(&format!("http://{addr}/webhooks/clerk"))
        .unwrap();

    // What the API does is delivered, signed, and accepted.
    let user = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let created = testkit.webhooks().next_of_type("user.created").await;
    let attempt = delivery_of(&testkit, &created).await;
    assert_eq!(attempt.outcome, DeliveryOutcome::Delivered { status: 200 });
    assert_eq!(attempt.attempt, 1);
    let org = clerk.organizations().create("Acme").await.unwrap();
    let org_created = testkit
        .webhooks()
        .next_of_type("organization.created")
        .await;
    assert_eq!(org_created.data()["id"], org.id.as_str());
    assert!(delivery_of(&testkit, &org_created).await.delivered());
    clerk.users().delete(&user.id).await.unwrap();
    let deleted = testkit.webhooks().next_of_type("user.deleted").await;
    assert!(delivery_of(&testkit, &deleted).await.delivered());

    // What the handler answered to each (Svix delivers at least once: a redelivery of the same
    // message is answered the same way).
    assert_eq!(
        redeliver(addr, &created).await,
        (200, format!("welcome, {}", user.id))
    );
    assert_eq!(
        redeliver(addr, &org_created).await,
        (200, "received organization.created".to_owned())
    );
    assert_eq!(
        redeliver(addr, &deleted).await,
        (200, format!("goodbye, {}", user.id))
    );
}

#[actix_web::test]
async fn webhook_route_refuses_forged_stale_and_malformed_deliveries() {
    let (testkit, clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk);
    clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    let body = message.body();

    // The signature covers the body: another body under it is forged.
    let tampered = String::from_utf8(body.to_vec())
        .unwrap()
        .replace("ada@example.com", "eve@example.com");
    let (status, answer) = post_webhook(
        addr,
        &svix_headers(&message),
        tampered.len(),
        tampered.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, reason(&answer)),
        (401, json!("no_matching_signature"))
    );

    // No signature headers at all.
    let (status, answer) = post_webhook(addr, &[], body.len(), body).await;
    assert_eq!((status, reason(&answer)), (400, json!("missing_header")));

    // An authentic body that is not JSON: the emulator only sends JSON, so this one is signed
    // with the client's verifier (the same secret) by the test.
    let now = clerk.clock().now_unix();
    let signed = clerk
        .webhook()
        .unwrap()
        .headers("msg_1", now, b"not json")
        .unwrap();
    let headers: Vec<_> = ["svix-id", "svix-timestamp", "svix-signature"]
        .into_iter()
        .map(|name| (name, signed[name].to_str().unwrap().to_owned()))
        .collect();
    let (status, answer) = post_webhook(addr, &headers, 8, b"not json").await;
    assert_eq!((status, reason(&answer)), (400, json!("invalid_payload")));

    // A body declared larger than 1 MiB is refused before it is read.
    let (status, answer) = post_webhook(addr, &svix_headers(&message), 2 << 20, b"").await;
    assert_eq!((status, reason(&answer)), (413, json!("body_too_large")));

    // The message itself is fine now, and stale ten minutes later (Svix allows 5).
    assert_eq!(redeliver(addr, &message).await.0, 200);
    clock.advance(Duration::from_secs(600));
    let (status, answer) = redeliver(addr, &message).await;
    assert_eq!((status, reason(&answer)), (401, json!("timestamp_too_old")));
}
