//! `ClerkAuthLayer` and the axum extractors, driven in-process (the loopback test lives in
//! `examples/axum-auth`): statuses, JSON rejections, redirects and headers.
#![cfg(feature = "axum")]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_auth::clock::ManualClock;
use clerk_auth::request::axum::{AuthRejection, MaybeAuth, RequireAuth};
use clerk_auth::request::tower::ClerkAuthLayer;
use clerk_auth::request::{AuthenticateOptions, PublishableKey, RequestState};
use clerk_auth::{Check, PublicKey, Verifier, VerifyOptions};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};
use tower::Service as _;

const PRIVATE: &str = include_str!("../fixtures/rsa2048.pk8.pem");
const PUBLIC: &str = include_str!("../fixtures/rsa2048.spki.pem");
const NOW: i64 = 1_700_000_000;
const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
    panic!("future did not complete without I/O");
}

fn sign(payload: &Value) -> String {
    let der: String = PRIVATE
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
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

fn token(extra: Value) -> String {
    let mut payload = json!({
        "sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
        "iat": NOW - 10, "exp": NOW + 60,
    });
    if let (Value::Object(payload), Value::Object(extra)) = (&mut payload, extra) {
        payload.extend(extra);
    }
    sign(&payload)
}

async fn public(MaybeAuth(auth): MaybeAuth) -> String {
    format!("signed in: {}", auth.is_signed_in())
}

async fn me(RequireAuth(auth): RequireAuth) -> String {
    auth.user_id().unwrap_or_default().to_owned()
}

async fn admin(auth: RequireAuth) -> Result<&'static str, AuthRejection> {
    auth.require(&Check::permission("org:reports:read"))?;
    Ok("reports")
}

async fn state(state: RequestState) -> String {
    state.status().as_str().to_owned()
}

fn app() -> Router {
    app_with(false)
}

/// The app; `expose` turns on the authentication details in responses.
fn app_with(expose: bool) -> Router {
    let options = AuthenticateOptions::new(PublishableKey::parse(PK_LIVE).unwrap())
        .clock(ManualClock::at_unix(NOW))
        .expose_details(expose);
    let verifier = Verifier::with_options(
        PublicKey::from_pem(PUBLIC).unwrap(),
        VerifyOptions::new().clock(ManualClock::at_unix(NOW)),
    );
    Router::new()
        .route("/", get(public))
        .route("/me", get(me))
        .route("/admin", get(admin))
        .route("/state", get(state))
        .layer(ClerkAuthLayer::new(options, verifier))
}

fn send(request: Request<Body>) -> (Response<Body>, String) {
    send_to(app(), request)
}

/// `send`, to an app exposing the authentication details.
fn send_exposed(request: Request<Body>) -> (Response<Body>, String) {
    send_to(app_with(true), request)
}

fn send_to(mut app: Router, request: Request<Body>) -> (Response<Body>, String) {
    let response = block_on(async {
        std::future::poll_fn(|cx| tower::Service::<Request<Body>>::poll_ready(&mut app, cx))
            .await
            .unwrap();
        app.call(request).await.unwrap()
    });
    let (parts, body) = response.into_parts();
    let bytes = block_on(body.collect()).unwrap().to_bytes();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

fn request(path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path).header("host", "example.com");
    if let Some(token) = authorization {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

#[test]
fn public_routes_see_signed_in_and_signed_out_requests() {
    let (response, body) = send(request("/", None));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "signed in: false");
    // By default the signed-out state's debug headers stay out of the response.
    for name in [
        "x-clerk-auth-status",
        "x-clerk-auth-reason",
        "x-clerk-auth-message",
    ] {
        assert!(response.headers().get(name).is_none(), "{name}");
    }
    // Exposed on request.
    let (response, _) = send_exposed(request("/", None));
    assert_eq!(response.headers()["x-clerk-auth-status"], "signed-out");
    assert_eq!(
        response.headers()["x-clerk-auth-reason"],
        "session-token-and-uat-missing"
    );
    let (_, body) = send(request("/", Some(&token(json!({})))));
    assert_eq!(body, "signed in: true");
}

#[test]
fn required_auth_rejects_with_json_that_says_only_unauthenticated() {
    let expired = sign(&json!({"sub": "user_1", "iat": NOW - 600, "exp": NOW - 300}));
    for token in [None, Some(expired.as_str()), Some("garbage")] {
        let (response, body) = send(request("/me", token));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(response.headers().get("x-clerk-auth-reason").is_none());
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({"error": "not authenticated", "reason": "unauthenticated"})
        );
    }
}

#[test]
fn required_auth_rejects_with_the_details_when_exposed() {
    let (response, body) = send_exposed(request("/me", None));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "session-token-and-uat-missing");

    let expired = sign(&json!({"sub": "user_1", "iat": NOW - 600, "exp": NOW - 300}));
    let (response, body) = send_exposed(request("/me", Some(&expired)));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["reason"],
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    assert!(body["error"].as_str().unwrap().contains("expired"));

    let (response, body) = send_exposed(request("/me", Some(&token(json!({})))));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "user_1");
}

#[test]
fn permission_guard_answers_403() {
    let (response, body) = send(request("/admin", Some(&token(json!({})))));
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "forbidden");

    let member = token(json!({
        "org_id": "org_1", "org_role": "org:member", "org_permissions": ["org:reports:read"]
    }));
    let (response, body) = send(request("/admin", Some(&member)));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "reports");

    let (response, _) = send(request("/admin", None));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn handshakes_are_answered_by_the_layer() {
    let request = Request::get("/me")
        .header("host", "example.com")
        .header("sec-fetch-dest", "document")
        .header("cookie", "__client_uat=5")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(request);
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(body.is_empty());
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("https://clerk.example.com/v1/client/handshake?"));
    assert!(response.headers().get("x-clerk-auth-status").is_none());
    assert_eq!(response.headers()["cache-control"], "no-store");
    // With the details exposed, the redirect says why.
    let request = Request::get("/me")
        .header("host", "example.com")
        .header("sec-fetch-dest", "document")
        .header("cookie", "__client_uat=5")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send_exposed(request);
    assert_eq!(response.headers()["x-clerk-auth-status"], "handshake");
}

#[test]
fn the_request_state_is_an_extractor_too() {
    let (_, body) = send(request("/state", Some(&token(json!({})))));
    assert_eq!(body, "signed-in");
}

#[test]
fn extractors_without_the_layer_answer_500() {
    let mut app: Router = Router::new().route("/me", get(me));
    let response = block_on(app.call(request("/me", None))).unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn handshake_cookies_reach_the_response() {
    let session = token(json!({}));
    let directives = [
        format!("__session={session}; Path=/"),
        "__client_uat=1699999000; Path=/".to_owned(),
    ];
    let handshake = sign(&json!({ "handshake": directives }));
    let request = Request::get("/me")
        .header("host", "example.com")
        .header("cookie", format!("__clerk_handshake={handshake}"))
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(request);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "user_1");
    let set_cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set_cookies, directives);
}

#[test]
fn pending_sessions_are_rejected_with_their_reason() {
    let (response, body) = send_exposed(request("/me", Some(&token(json!({"sts": "pending"})))));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["reason"], "session-pending");
}
