//! Drives the service over a real loopback connection with tokens signed by the test fixture
//! key: 200 for public and permitted routes, 401 without a valid token, 403 without the
//! permission.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk::{Clock as _, SystemClock};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PRIVATE: &str = include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.pk8.pem");
const PUBLIC: &str = include_str!("../../../crates/clerk-auth/tests/fixtures/rsa2048.spki.pem");
/// `pk_live_` + base64("clerk.example.com$").
const PK: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

/// Starts the service on an ephemeral loopback port, with the fixture public key and the real
/// clock (tokens are signed with the current time).
async fn start() -> SocketAddr {
    // No Backend API call is made: tokens verify networklessly with the JWT key.
    let clerk = clerk::Clerk::builder()
        .secret_key("sk_test_loopback")
        .api_url("http://127.0.0.1:9")
        .publishable_key(PK)
        .jwt_key(PUBLIC)
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_auth::app(&clerk);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
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

#[tokio::test]
async fn public_route_is_open() {
    let addr = start().await;
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

#[tokio::test]
async fn signed_in_route_needs_a_valid_token() {
    let addr = start().await;
    let (status, body) = get(addr, "/me", None).await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "unauthenticated");

    let (status, body) = get(addr, "/me", Some("not-a-token")).await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "unauthenticated");

    assert_eq!(
        get(addr, "/me", Some(&token(json!({})))).await,
        (200, "user_42".to_owned())
    );
}

#[tokio::test]
async fn permission_route_answers_403_without_the_permission() {
    let addr = start().await;
    let (status, body) = get(addr, "/reports", Some(&token(json!({})))).await;
    assert_eq!(status, 403);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "forbidden");

    let member = token(json!({
        "org_id": "org_1", "org_role": "org:member", "org_permissions": ["org:reports:read"]
    }));
    assert_eq!(
        get(addr, "/reports", Some(&member)).await,
        (200, "the quarterly reports".to_owned())
    );
    assert_eq!(get(addr, "/reports", None).await.0, 401);
}

#[tokio::test]
async fn machine_route_accepts_m2m_tokens_and_refuses_sessions() {
    let addr = start().await;
    let m2m = token(json!({"sub": "mch_2report", "sid": null, "jti": "mt_jwt_1"}));
    let (status, body) = get(addr, "/machine/status", Some(&m2m)).await;
    assert_eq!((status, body.as_str()), (200, "ok, mch_2report"));

    // A user's session token is the wrong kind of token here.
    let (status, body) = get(addr, "/machine/status", Some(&token(json!({})))).await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "unauthenticated");

    // And M2M tokens do not open user routes.
    assert_eq!(get(addr, "/me", Some(&m2m)).await.0, 401);
}
