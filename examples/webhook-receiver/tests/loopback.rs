//! Drives the receiver over a real loopback connection against `clerk-testkit`: users are
//! created, updated and deleted through the Backend API, the emulator delivers the signed
//! webhooks to the receiver, and the user table follows. Forged, tampered, stale or incomplete
//! deliveries (real messages the emulator emitted, altered by the test) are refused with the
//! right status and JSON error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use clerk::auth::webhooks::Webhook;
use clerk::{Clerk, Clock as _, ManualClock};
use clerk_testkit::{DeliveryAttempt, DeliveryOutcome, Testkit, WebhookMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use webhook_receiver::{AppState, StoredUser, Users, app};

/// An emulator on a manual clock (timestamps, `updated_at` and signatures move only when the
/// test says so) and its client, which shares the clock.
async fn emulator() -> (Testkit, ManualClock, Clerk) {
    let clock = ManualClock::new();
    let testkit = Testkit::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let clerk = testkit.client();
    (testkit, clock, clerk)
}

/// Starts the receiver on an ephemeral loopback port, verifying with the client's webhook
/// verifier (the emulator's signing secret and clock), as `main.rs` suggests for a service that
/// also calls the Backend API.
async fn start(clerk: &Clerk) -> (SocketAddr, Users) {
    let state = AppState::new(clerk.webhook().unwrap().clone());
    let users = state.users.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    (addr, users)
}

fn endpoint(addr: SocketAddr) -> String {
    format!("http://{addr}/webhooks/clerk")
}

/// Sends one HTTP/1.1 POST and returns the status code and body.
async fn post(addr: SocketAddr, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut request = format!(
        "POST /webhooks/clerk HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
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

/// The `svix-*` headers of a message the emulator emitted (signed with its default secret).
fn svix_headers(message: &WebhookMessage) -> Vec<(&'static str, String)> {
    let headers = message.headers();
    ["svix-id", "svix-timestamp", "svix-signature"]
        .into_iter()
        .map(|name| (name, headers[name].to_str().unwrap().to_owned()))
        .collect()
}

/// Posts a message the emulator emitted, with its own signature.
async fn redeliver(addr: SocketAddr, message: &WebhookMessage) -> (u16, String) {
    post(addr, &svix_headers(message), message.body()).await
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

/// Waits until the next `event_type` message has been delivered (answered 2xx).
async fn delivered(testkit: &Testkit, event_type: &str) -> WebhookMessage {
    let message = testkit.webhooks().next_of_type(event_type).await;
    let attempt = delivery_of(testkit, &message).await;
    assert_eq!(
        attempt.outcome,
        DeliveryOutcome::Delivered { status: 200 },
        "{event_type}"
    );
    message
}

fn stored(users: &Users, id: &str) -> Option<StoredUser> {
    users.lock().unwrap().get(id).cloned()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[tokio::test]
async fn users_are_created_updated_and_deleted() {
    let (testkit, clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    testkit.webhooks().add_endpoint(&endpoint(addr)).unwrap();

    let ada = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .first_name("Ada")
        .last_name("Lovelace")
        .await
        .unwrap();
    let created = delivered(&testkit, "user.created").await;
    assert_eq!(
        stored(&users, &ada.id),
        Some(StoredUser {
            id: ada.id.clone(),
            email: Some("ada@example.com".to_owned()),
            name: Some("Ada Lovelace".to_owned()),
            updated_at: ada.updated_at.into(),
        })
    );

    // Two changes, a second apart: a new primary address, then a new first name. Svix does not
    // promise order; the later `updated_at` wins whichever arrives last.
    clock.advance(Duration::from_secs(1));
    clerk
        .email_addresses()
        .create(&ada.id)
        .email_address("countess@example.com")
        .verified(true)
        .primary(true)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    let augusta = clerk
        .users()
        .update(&ada.id)
        .first_name("Augusta")
        .await
        .unwrap();
    delivered(&testkit, "user.updated").await;
    delivered(&testkit, "user.updated").await;
    assert_eq!(
        stored(&users, &ada.id),
        Some(StoredUser {
            id: ada.id.clone(),
            email: Some("countess@example.com".to_owned()),
            name: Some("Augusta Lovelace".to_owned()),
            updated_at: augusta.updated_at.into(),
        })
    );

    // A redelivery of the older `user.created` (at least once) does not roll the user back.
    assert_eq!(redeliver(addr, &created).await.0, 200);
    assert_eq!(
        stored(&users, &ada.id).unwrap().updated_at,
        augusta.updated_at
    );

    clerk.users().delete(&ada.id).await.unwrap();
    delivered(&testkit, "user.deleted").await;
    assert_eq!(stored(&users, &ada.id), None);
}

#[tokio::test]
async fn other_event_types_are_acknowledged_and_ignored() {
    let (testkit, _clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    testkit.webhooks().add_endpoint(&endpoint(addr)).unwrap();

    let org = clerk.organizations().create("Acme").await.unwrap();
    delivered(&testkit, "organization.created").await;
    clerk.organizations().delete(&org.id).await.unwrap();
    delivered(&testkit, "organization.deleted").await;

    // An event type newer than this SDK: the emulator does not emit one, so the test signs it
    // with the receiver's own verifier (the same secret).
    let body = serde_json::json!({
        "object": "event",
        "type": "spaceship.launched",
        "instance_id": testkit.instance_id(),
        "timestamp": 1,
        "data": {"id": "ship_1"}
    })
    .to_string();
    let now = clerk.clock().now_unix();
    let signature = clerk.webhook().unwrap().sign("msg_x", now, body.as_bytes());
    let headers = [
        ("svix-id", "msg_x".to_owned()),
        ("svix-timestamp", now.to_string()),
        ("svix-signature", signature),
    ];
    assert_eq!(post(addr, &headers, body.as_bytes()).await.0, 200);
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_signature_is_401() {
    let (testkit, _clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    // The emulator signs this endpoint's deliveries with a secret the receiver does not have.
    let impostor = "whsec_bm90IHRoZSByZWNlaXZlcidzIGtleQ==";
    testkit
        .webhooks()
        .add_endpoint_with(&endpoint(addr), Some(impostor.to_owned()), None)
        .unwrap();
    clerk
        .users()
        .create()
        .email_address(["eve@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    let attempt = delivery_of(&testkit, &message).await;
    assert_eq!(attempt.outcome, DeliveryOutcome::Rejected { status: 401 });
    assert!(users.lock().unwrap().is_empty());

    // What the receiver answers: the same message under the impostor's signature.
    let timestamp = clerk.clock().now_unix();
    let headers = [
        ("svix-id", message.id().to_owned()),
        ("svix-timestamp", timestamp.to_string()),
        (
            "svix-signature",
            Webhook::new(impostor)
                .unwrap()
                .sign(message.id(), timestamp, message.body()),
        ),
    ];
    let (status, response) = post(addr, &headers, message.body()).await;
    assert_eq!(status, 401);
    let body = json(&response);
    assert_eq!(body["reason"], "no_matching_signature");
    assert!(body["error"].is_string());
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_tampered_body_is_401() {
    let (testkit, _clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    let tampered = String::from_utf8(message.body().to_vec())
        .unwrap()
        .replace("ada@example.com", "eve@example.com");
    let (status, response) = post(addr, &svix_headers(&message), tampered.as_bytes()).await;
    assert_eq!(status, 401);
    assert_eq!(json(&response)["reason"], "no_matching_signature");
    assert!(users.lock().unwrap().is_empty());
    // The untouched message is accepted.
    assert_eq!(redeliver(addr, &message).await.0, 200);
    assert_eq!(users.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_stale_delivery_is_401() {
    let (testkit, clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    // An hour later, the signature's timestamp is outside the five-minute tolerance.
    clock.advance(Duration::from_secs(3_600));
    let (status, response) = redeliver(addr, &message).await;
    assert_eq!(status, 401);
    assert_eq!(json(&response)["reason"], "timestamp_too_old");
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_header_is_400() {
    let (testkit, _clock, clerk) = emulator().await;
    let (addr, _) = start(&clerk).await;
    clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    let headers: Vec<_> = svix_headers(&message)
        .into_iter()
        .filter(|(name, _)| *name != "svix-timestamp")
        .collect();
    let (status, response) = post(addr, &headers, message.body()).await;
    assert_eq!(status, 400);
    let body = json(&response);
    assert_eq!(body["reason"], "missing_header");
    assert!(body["error"].as_str().unwrap().contains("svix-timestamp"));
}

#[tokio::test]
async fn standard_webhooks_header_names_work_too() {
    let (testkit, _clock, clerk) = emulator().await;
    let (addr, users) = start(&clerk).await;
    let ada = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .await
        .unwrap();
    let message = testkit.webhooks().next_of_type("user.created").await;
    let headers: Vec<_> = svix_headers(&message)
        .into_iter()
        .map(|(name, value)| (name.replace("svix-", "webhook-"), value))
        .collect();
    let headers: Vec<_> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.clone()))
        .collect();
    assert_eq!(post(addr, &headers, message.body()).await.0, 200);
    assert_eq!(
        stored(&users, &ada.id).map(|user| user.email),
        Some(Some("ada@example.com".to_owned()))
    );
}
