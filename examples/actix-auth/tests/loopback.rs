//! Drives the service over a real loopback connection with tokens signed by the test fixture
//! key and webhooks signed with the client's secret: 200 for public and permitted routes, 401
//! without a valid token, 403 without the permission, the M2M route for machines only, and the
//! webhook route's 200/401/400/413.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use actix_web::{App, HttpServer};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk::{Clerk, Clock as _, SystemClock};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PRIVATE: &str = include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.pk8.pem");
const PUBLIC: &str = include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.spki.pem");
/// `pk_live_` + base64("clerk.example.com$").
const PK: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
/// A throwaway webhook signing secret.
const WEBHOOK_SECRET: &str = "whsec_YWN0aXggZXhhbXBsZSBrZXksIHRlc3Qgb25seSE=";

/// Starts the service on an ephemeral loopback port (one worker), with the fixture public key,
/// the webhook secret and the real clock (tokens and deliveries carry the current time).
fn start() -> (SocketAddr, Clerk) {
    // No Backend API call is made: tokens verify networklessly with the JWT key.
    let clerk = Clerk::builder()
        .secret_key("sk_test_loopback")
        .api_url("http://127.0.0.1:9")
        .publishable_key(PK)
        .jwt_key(PUBLIC)
        .webhook_signing_secret(WEBHOOK_SECRET)
        .build()
        .unwrap();
    let app_clerk = clerk.clone();
    let server = HttpServer::new(move || {
        let clerk = app_clerk.clone();
        App::new().configure(move |config| actix_auth::routes(config, &clerk))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    (addr, clerk)
}

fn token(extra: Value) -> String {
    let now = SystemClock.now_unix();
    let mut payload = json!({"sub": "user_42", "sid": "sess_1", "iat": now - 5, "exp": now + 60});
    if let (Value::Object(payload), Value::Object(extra)) = (&mut payload, extra) {
        payload.extend(extra);
    }
    let der: String = PRIVATE
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
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

/// The three headers Clerk would send with `body`, signed now with the client's secret.
fn signed(clerk: &Clerk, body: &[u8]) -> Vec<(&'static str, String)> {
    let now = SystemClock.now_unix();
    let headers = clerk
        .webhook()
        .unwrap()
        .headers("msg_1", now, body)
        .unwrap();
    ["svix-id", "svix-timestamp", "svix-signature"]
        .into_iter()
        .map(|name| (name, headers[name].to_str().unwrap().to_owned()))
        .collect()
}

fn reason(body: &str) -> Value {
    serde_json::from_str::<Value>(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))["reason"]
        .clone()
}

#[actix_web::test]
async fn public_route_is_open() {
    let (addr, _) = start();
    assert_eq!(
        get(addr, "/", None).await,
        (200, "hello, stranger".to_owned())
    );
    let signed_in = token(json!({}));
    assert_eq!(
        get(addr, "/", Some(&signed_in)).await,
        (200, "hello, user_42".to_owned())
    );
}

#[actix_web::test]
async fn signed_in_route_needs_a_valid_token() {
    let (addr, _) = start();
    let (status, body) = get(addr, "/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(reason(&body), "unauthenticated");

    let (status, body) = get(addr, "/me", Some("not-a-token")).await;
    assert_eq!(status, 401);
    assert_eq!(reason(&body), "unauthenticated");

    assert_eq!(
        get(addr, "/me", Some(&token(json!({})))).await,
        (200, "user_42".to_owned())
    );
}

#[actix_web::test]
async fn permission_route_answers_403_without_the_permission() {
    let (addr, _) = start();
    let (status, body) = get(addr, "/reports", Some(&token(json!({})))).await;
    assert_eq!(status, 403);
    assert_eq!(reason(&body), "forbidden");

    let member = token(json!({
        "org_id": "org_1", "org_role": "org:member", "org_permissions": ["org:reports:read"]
    }));
    assert_eq!(
        get(addr, "/reports", Some(&member)).await,
        (200, "the quarterly reports".to_owned())
    );
    assert_eq!(get(addr, "/reports", None).await.0, 401);
}

#[actix_web::test]
async fn machine_route_accepts_m2m_tokens_and_refuses_sessions() {
    let (addr, _) = start();
    let m2m = token(json!({"sub": "mch_2report", "sid": null, "jti": "mt_jwt_1"}));
    let (status, body) = get(addr, "/machine/status", Some(&m2m)).await;
    assert_eq!((status, body.as_str()), (200, "ok, mch_2report"));

    // A user's session token is the wrong kind of token here.
    let (status, body) = get(addr, "/machine/status", Some(&token(json!({})))).await;
    assert_eq!(status, 401);
    assert_eq!(reason(&body), "unauthenticated");

    // And M2M tokens do not open user routes.
    assert_eq!(get(addr, "/me", Some(&m2m)).await.0, 401);
}

#[actix_web::test]
async fn webhook_route_verifies_deliveries() {
    let (addr, clerk) = start();
    let body = br#"{"type":"user.deleted","object":"event","instance_id":"ins_1",
        "timestamp":1700000000,"data":{"object":"user","id":"user_1","deleted":true}}"#;
    assert_eq!(
        post_webhook(addr, &signed(&clerk, body), body.len(), body).await,
        (200, "goodbye, user_1".to_owned())
    );

    // Signed over another body: forged.
    let (status, answer) = post_webhook(addr, &signed(&clerk, b"{}"), body.len(), body).await;
    assert_eq!(
        (status, reason(&answer)),
        (401, json!("no_matching_signature"))
    );

    // No signature headers at all; an authentic body that is not JSON.
    let (status, answer) = post_webhook(addr, &[], body.len(), body).await;
    assert_eq!((status, reason(&answer)), (400, json!("missing_header")));
    let (status, answer) = post_webhook(addr, &signed(&clerk, b"not json"), 8, b"not json").await;
    assert_eq!((status, reason(&answer)), (400, json!("invalid_payload")));

    // A body declared larger than 1 MiB is refused before it is read.
    let (status, answer) = post_webhook(addr, &signed(&clerk, body), 2 << 20, b"").await;
    assert_eq!((status, reason(&answer)), (413, json!("body_too_large")));
}
