//! Drives the service over a real loopback connection against `clerk-testkit`, the in-memory
//! Backend API: users, organizations, memberships, sessions and machines are created through the
//! API, every token is minted by the emulator, and the service verifies them with the emulator's
//! public key (the client `testkit.client()` returns) or through its JWKS (a client without a
//! JWT key). 200 for public and permitted routes, 401 without a valid token, 403 without the
//! permission, and the M2M route for machines only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use clerk::clerk_core::SecretKey;
use clerk::m2m_tokens::CreateM2MTokenTokenFormat;
use clerk::{Clerk, ManualClock};
use clerk_testkit::{DEFAULT_AUTHORIZED_PARTY, Testkit};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A throwaway key of clerk-auth's test fixtures: a second instance signing with it stands for
/// a token from somewhere else (the emulator's own key is shared by every emulator).
const OTHER_INSTANCE_KEY: &str =
    include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.pk8.pem");

/// An emulator whose `org:analyst` role may read reports, on a manual clock (so tokens expire
/// when the test says so; the client it hands out shares the clock).
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

/// Starts the service, built from `clerk`, on an ephemeral loopback port.
async fn serve(clerk: &Clerk) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_auth::app(clerk);
    tokio::spawn(async move { axum::serve(listener, app).await });
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

/// Sends one GET and returns the status code and body.
async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn reason(body: &str) -> Value {
    serde_json::from_str::<Value>(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))["reason"]
        .clone()
}

#[tokio::test]
async fn public_route_is_open() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk).await;
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

#[tokio::test]
async fn signed_in_route_needs_a_valid_token() {
    let (testkit, clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk).await;
    let (status, body) = get(addr, "/me", None).await;
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));
    let (status, body) = get(addr, "/me", Some("not-a-token")).await;
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));

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
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));

    // Session tokens live 60 s: past that (and the 5 s leeway), the same token is refused.
    clock.advance(Duration::from_secs(66));
    let (status, body) = get(addr, "/me", Some(&token)).await;
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));
}

#[tokio::test]
async fn permission_route_answers_403_without_the_permission() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk).await;
    let org = clerk.organizations().create("Acme").await.unwrap();

    // Signed in, but with no active organization, or as a plain member: forbidden.
    let (_, no_org) = signed_in(&clerk, "solo@example.com", None).await;
    let (status, body) = get(addr, "/reports", Some(&no_org)).await;
    assert_eq!((status, reason(&body)), (403, "forbidden".into()));
    let (_, member) = signed_in(&clerk, "member@example.com", Some((&org.id, "org:member"))).await;
    let (status, body) = get(addr, "/reports", Some(&member)).await;
    assert_eq!((status, reason(&body)), (403, "forbidden".into()));

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

#[tokio::test]
async fn machine_route_accepts_m2m_tokens_and_refuses_sessions() {
    let (testkit, _clock) = emulator().await;
    let clerk = testkit.client();
    let addr = serve(&clerk).await;

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
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));

    // M2M tokens do not open user routes.
    assert_eq!(get(addr, "/me", Some(&opaque)).await.0, 401);
    assert_eq!(get(addr, "/me", Some(&jwt)).await.0, 401);

    // Once revoked through the API, the opaque token no longer opens the machine route.
    clerk.m2m_tokens().revoke(&opaque_id).await.unwrap();
    let (status, body) = get(addr, "/machine/status", Some(&opaque)).await;
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));
}

#[tokio::test]
async fn the_service_verifies_through_the_jwks_without_a_jwt_key() {
    let (testkit, clock) = emulator().await;
    let clerk = testkit.client();
    let service = jwks_client(&testkit, &clock);
    let addr = serve(&service).await;

    let org = clerk.organizations().create("Acme").await.unwrap();
    let (user, token) = signed_in(&clerk, "ada@example.com", Some((&org.id, "org:analyst"))).await;
    assert_eq!(get(addr, "/me", Some(&token)).await, (200, user.clone()));
    assert_eq!(
        get(addr, "/", Some(&token)).await,
        (200, format!("hello, {user}"))
    );
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
    assert_eq!((status, reason(&body)), (401, "unauthenticated".into()));

    // And tokens still expire (60 s, and 5 s of leeway).
    clock.advance(Duration::from_secs(66));
    assert_eq!(get(addr, "/me", Some(&token)).await.0, 401);
}
