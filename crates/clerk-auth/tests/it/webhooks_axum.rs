//! The axum extractor, driven in-process: statuses and JSON error bodies for every rejection.
//!
//! The loopback end-to-end test (a real server and client) lives in the example receiver,
//! `examples/webhook-receiver`, so this crate needs no async runtime even in tests: the
//! extractor's future is polled to completion here with a no-op waker, which works because a
//! buffered body is always ready.
#![cfg(feature = "axum")]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::IntoResponse;
use clerk_auth::clock::ManualClock;
use clerk_auth::webhooks::axum::{MAX_BODY_BYTES, VerifiedWebhook, WebhookRejection};
use clerk_auth::webhooks::{Webhook, WebhookEventData};
use http::StatusCode;
use http_body_util::BodyExt as _;

const NOW: i64 = 1_700_000_000;
const BODY: &str = r#"{"type":"user.deleted","object":"event","instance_id":"ins_1","timestamp":1700000000,"data":{"object":"user","id":"user_1","deleted":true}}"#;

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
    panic!("future did not complete without I/O");
}

fn webhook() -> Webhook {
    Webhook::new("whsec_YXh1bSBleHRyYWN0b3IgdGVzdCBrZXk=")
        .unwrap()
        .with_clock(ManualClock::at_unix(NOW))
}

fn request(headers: &[(&str, String)], body: impl Into<Body>) -> Request {
    let mut builder = Request::post("/webhooks/clerk");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder.body(body.into()).unwrap()
}

fn signed(webhook: &Webhook, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", NOW.to_string()),
        (
            "svix-signature",
            webhook.sign("msg_1", NOW, body.as_bytes()),
        ),
    ]
}

fn extract<S: Send + Sync>(request: Request, state: &S) -> Result<VerifiedWebhook, WebhookRejection>
where
    Webhook: FromRef<S>,
{
    block_on(VerifiedWebhook::from_request(request, state))
}

/// The rejection's status and decoded JSON body.
fn respond(rejection: WebhookRejection) -> (StatusCode, serde_json::Value) {
    let response = rejection.into_response();
    let status = response.status();
    assert_eq!(
        response.headers().get(http::header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let bytes = block_on(response.into_body().collect()).unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn a_valid_request_yields_the_event() {
    let webhook = webhook();
    let VerifiedWebhook(event) = extract(request(&signed(&webhook, BODY), BODY), &webhook).unwrap();
    assert!(matches!(event.data, WebhookEventData::UserDeleted(_)));
}

#[test]
fn the_webhook_can_come_from_a_larger_state() {
    #[derive(Clone)]
    struct AppState {
        webhook: Webhook,
    }
    impl FromRef<AppState> for Webhook {
        fn from_ref(state: &AppState) -> Webhook {
            state.webhook.clone()
        }
    }
    let state = AppState { webhook: webhook() };
    let headers = signed(&state.webhook, BODY);
    assert!(extract(request(&headers, BODY), &state).is_ok());
}

#[test]
fn a_bad_signature_is_401() {
    let webhook = webhook();
    let mut headers = signed(&webhook, BODY);
    headers[2].1 = webhook.sign("msg_1", NOW, b"another body");
    let (status, body) = respond(extract(request(&headers, BODY), &webhook).unwrap_err());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "no_matching_signature");
    assert!(body["error"].as_str().unwrap().contains("signature"));
}

#[test]
fn a_stale_timestamp_is_401() {
    let webhook = webhook();
    let old = NOW - 3_600;
    let headers = vec![
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", old.to_string()),
        (
            "svix-signature",
            webhook.sign("msg_1", old, BODY.as_bytes()),
        ),
    ];
    let (status, body) = respond(extract(request(&headers, BODY), &webhook).unwrap_err());
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["reason"], "timestamp_too_old");
}

#[test]
fn a_missing_header_is_400() {
    let webhook = webhook();
    let mut headers = signed(&webhook, BODY);
    headers.remove(1);
    let (status, body) = respond(extract(request(&headers, BODY), &webhook).unwrap_err());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["reason"], "missing_header");
    assert!(body["error"].as_str().unwrap().contains("svix-timestamp"));
}

#[test]
fn a_malformed_timestamp_is_400() {
    let webhook = webhook();
    let mut headers = signed(&webhook, BODY);
    headers[1].1 = "soon".to_owned();
    let (status, body) = respond(extract(request(&headers, BODY), &webhook).unwrap_err());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["reason"], "invalid_timestamp");
}

#[test]
fn a_signed_body_that_is_not_json_is_400() {
    let webhook = webhook();
    let body = "hello, world";
    let (status, json) =
        respond(extract(request(&signed(&webhook, body), body), &webhook).unwrap_err());
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json["reason"], "invalid_payload");
}

#[test]
fn every_authentic_json_delivery_reaches_the_handler() {
    // Svix retries a 400 and eventually disables the endpoint: an authentic delivery is always
    // handed over, even when it is not the event the SDK expected.
    let webhook = webhook();
    let cases = [
        (r#"{"hello":"world"}"#, ""),
        // The spec marks `id`, `object` and `deleted` required; this one lacks all three.
        (
            r#"{"type":"user.deleted","instance_id":"ins_1","timestamp":1700000000,"data":{}}"#,
            "user.deleted",
        ),
        (
            r#"{"type":"user.deleted","instance_id":"ins_1","timestamp":1700000000,"data":{"deleted":7}}"#,
            "user.deleted",
        ),
    ];
    for (body, event_type) in cases {
        let VerifiedWebhook(event) = extract(request(&signed(&webhook, body), body), &webhook)
            .unwrap_or_else(|rejection| panic!("{body}: {rejection:?}"));
        assert_eq!(event.data.event_type(), event_type, "{body}");
    }
}

#[test]
fn an_oversized_body_is_413() {
    let webhook = webhook();
    let big = "x".repeat(MAX_BODY_BYTES + 1);
    // Declared too large up front…
    let mut headers = signed(&webhook, &big);
    headers.push(("content-length", big.len().to_string()));
    let rejection = extract(request(&headers, big.clone()), &webhook).unwrap_err();
    assert_eq!(rejection.code(), "body_too_large");
    let (status, _) = respond(rejection);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // … or only found out while reading.
    let headers = signed(&webhook, &big);
    let rejection = extract(request(&headers, big), &webhook).unwrap_err();
    assert_eq!(rejection.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn rejection_errors_chain_to_the_webhook_error() {
    let webhook = webhook();
    let rejection = extract(request(&[], BODY), &webhook).unwrap_err();
    let source = std::error::Error::source(&rejection).unwrap();
    assert_eq!(
        source.to_string(),
        "missing or empty webhook header `svix-id`"
    );
}
