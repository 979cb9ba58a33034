//! Drives the receiver over a real loopback connection: signed deliveries change the user table,
//! forged, stale or incomplete ones are refused with the right status and JSON error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![recursion_limit = "256"] // for the large `json!` user payload

use std::net::SocketAddr;

use clerk::auth::clock::{Clock as _, SystemClock};
use clerk::auth::webhooks::Webhook;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use webhook_receiver::{AppState, StoredUser, Users, app};

const SECRET: &str = "whsec_cmVjZWl2ZXIgZXhhbXBsZSBrZXksIHRlc3Qgb25seQ==";

/// Starts the service on an ephemeral loopback port. It uses the real clock, as in production;
/// deliveries are signed with the current time.
async fn start() -> (SocketAddr, Users, Webhook) {
    let webhook = Webhook::new(SECRET).unwrap();
    let state = AppState::new(webhook.clone());
    let users = state.users.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await });
    (addr, users, webhook)
}

fn now() -> i64 {
    SystemClock.now_unix()
}

/// Sends one HTTP/1.1 POST and returns the status code and body.
async fn post(addr: SocketAddr, headers: &[(&str, String)], body: &str) -> (u16, String) {
    let mut request = format!(
        "POST /webhooks/clerk HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
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

/// Posts `body` with the three headers Clerk would send.
async fn deliver(addr: SocketAddr, webhook: &Webhook, msg_id: &str, body: &str) -> (u16, String) {
    let timestamp = now();
    let headers = [
        ("svix-id", msg_id.to_owned()),
        ("svix-timestamp", timestamp.to_string()),
        (
            "svix-signature",
            webhook.sign(msg_id, timestamp, body.as_bytes()),
        ),
    ];
    post(addr, &headers, body).await
}

/// A `user.created` / `user.updated` event with every field the payload type requires.
fn user_event(kind: &str, id: &str, email: &str, first_name: &str, updated_at: i64) -> String {
    serde_json::json!({
        "object": "event",
        "type": kind,
        "instance_id": "ins_loopback",
        "timestamp": updated_at,
        "event_attributes": {"http_request": {"client_ip": "198.51.100.4", "user_agent": "test"}},
        "data": {
            "object": "user",
            "id": id,
            "external_id": null,
            "primary_email_address_id": "idn_primary",
            "primary_phone_number_id": null,
            "primary_web3_wallet_id": null,
            "username": null,
            "first_name": first_name,
            "last_name": "Lovelace",
            "image_url": "https://img.example.test/u.png",
            "has_image": false,
            "public_metadata": {},
            "private_metadata": {},
            "unsafe_metadata": {},
            "email_addresses": [
                {
                    "id": "idn_secondary",
                    "object": "email_address",
                    "email_address": "other@example.test",
                    "reserved": false,
                    "verification": null,
                    "linked_to": [],
                    "created_at": 1,
                    "updated_at": 1
                },
                {
                    "id": "idn_primary",
                    "object": "email_address",
                    "email_address": email,
                    "reserved": false,
                    "verification": {"object": "verification_otp", "status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": null},
                    "linked_to": [],
                    "created_at": 1,
                    "updated_at": 1
                }
            ],
            "phone_numbers": [],
            "web3_wallets": [],
            "passkeys": [],
            "password_enabled": true,
            "two_factor_enabled": false,
            "totp_enabled": false,
            "backup_code_enabled": false,
            "mfa_enabled_at": null,
            "mfa_disabled_at": null,
            "external_accounts": [],
            "saml_accounts": [],
            "enterprise_accounts": [],
            "last_sign_in_at": null,
            "banned": false,
            "locked": false,
            "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": null,
            "created_at": 1_700_000_000_000i64,
            "updated_at": updated_at,
            "delete_self_enabled": true,
            "create_organization_enabled": true,
            "last_active_at": null,
            "legal_accepted_at": null
        }
    })
    .to_string()
}

fn user_deleted(id: &str) -> String {
    serde_json::json!({
        "object": "event",
        "type": "user.deleted",
        "instance_id": "ins_loopback",
        "timestamp": 1_700_000_000_000i64,
        "data": {"object": "user", "id": id, "deleted": true}
    })
    .to_string()
}

fn stored(users: &Users, id: &str) -> Option<StoredUser> {
    users.lock().unwrap().get(id).cloned()
}

#[tokio::test]
async fn users_are_created_updated_and_deleted() {
    let (addr, users, webhook) = start().await;

    let created = user_event("user.created", "user_ada", "ada@example.test", "Ada", 10);
    assert_eq!(deliver(addr, &webhook, "msg_1", &created).await.0, 200);
    assert_eq!(
        stored(&users, "user_ada"),
        Some(StoredUser {
            id: "user_ada".to_owned(),
            email: Some("ada@example.test".to_owned()),
            name: Some("Ada Lovelace".to_owned()),
            updated_at: 10,
        })
    );

    let updated = user_event(
        "user.updated",
        "user_ada",
        "countess@example.test",
        "Augusta",
        20,
    );
    assert_eq!(deliver(addr, &webhook, "msg_2", &updated).await.0, 200);
    let user = stored(&users, "user_ada").unwrap();
    assert_eq!(user.email.as_deref(), Some("countess@example.test"));
    assert_eq!(user.name.as_deref(), Some("Augusta Lovelace"));

    // A retried, older delivery does not roll the user back.
    assert_eq!(deliver(addr, &webhook, "msg_1", &created).await.0, 200);
    assert_eq!(stored(&users, "user_ada").unwrap().updated_at, 20);

    assert_eq!(
        deliver(addr, &webhook, "msg_3", &user_deleted("user_ada"))
            .await
            .0,
        200
    );
    assert_eq!(stored(&users, "user_ada"), None);
}

#[tokio::test]
async fn other_event_types_are_acknowledged_and_ignored() {
    let (addr, users, webhook) = start().await;
    let body = serde_json::json!({
        "object": "event",
        "type": "spaceship.launched",
        "instance_id": "ins_loopback",
        "timestamp": 1,
        "data": {"id": "ship_1"}
    })
    .to_string();
    assert_eq!(deliver(addr, &webhook, "msg_x", &body).await.0, 200);
    let role_deleted = serde_json::json!({
        "object": "event",
        "type": "role.deleted",
        "instance_id": "ins_loopback",
        "timestamp": 1,
        "data": {"object": "role", "id": "role_1", "deleted": true}
    })
    .to_string();
    assert_eq!(deliver(addr, &webhook, "msg_y", &role_deleted).await.0, 200);
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_signature_is_401() {
    let (addr, users, _) = start().await;
    let impostor = Webhook::new("whsec_bm90IHRoZSByZWNlaXZlcidzIGtleQ==").unwrap();
    let body = user_event("user.created", "user_eve", "eve@example.test", "Eve", 1);
    let (status, response) = deliver(addr, &impostor, "msg_1", &body).await;
    assert_eq!(status, 401);
    let json: serde_json::Value = serde_json::from_str(&response).unwrap();
    assert_eq!(json["reason"], "no_matching_signature");
    assert!(json["error"].is_string());
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_tampered_body_is_401() {
    let (addr, users, webhook) = start().await;
    let body = user_event("user.created", "user_ada", "ada@example.test", "Ada", 1);
    let timestamp = now();
    let headers = [
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", timestamp.to_string()),
        (
            "svix-signature",
            webhook.sign("msg_1", timestamp, body.as_bytes()),
        ),
    ];
    let tampered = body.replace("ada@example.test", "eve@example.test");
    assert_eq!(post(addr, &headers, &tampered).await.0, 401);
    assert!(users.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_stale_delivery_is_401() {
    let (addr, _, webhook) = start().await;
    let body = user_deleted("user_ada");
    let old = now() - 3_600;
    let headers = [
        ("svix-id", "msg_1".to_owned()),
        ("svix-timestamp", old.to_string()),
        (
            "svix-signature",
            webhook.sign("msg_1", old, body.as_bytes()),
        ),
    ];
    let (status, response) = post(addr, &headers, &body).await;
    assert_eq!(status, 401);
    assert!(response.contains("timestamp_too_old"), "{response}");
}

#[tokio::test]
async fn a_missing_header_is_400() {
    let (addr, _, webhook) = start().await;
    let body = user_deleted("user_ada");
    let timestamp = now();
    let headers = [
        ("svix-id", "msg_1".to_owned()),
        (
            "svix-signature",
            webhook.sign("msg_1", timestamp, body.as_bytes()),
        ),
    ];
    let (status, response) = post(addr, &headers, &body).await;
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_str(&response).unwrap();
    assert_eq!(json["reason"], "missing_header");
    assert!(json["error"].as_str().unwrap().contains("svix-timestamp"));
}

#[tokio::test]
async fn standard_webhooks_header_names_work_too() {
    let (addr, users, webhook) = start().await;
    let body = user_event("user.created", "user_ada", "ada@example.test", "Ada", 1);
    let timestamp = now();
    let headers = [
        ("webhook-id", "msg_1".to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            webhook.sign("msg_1", timestamp, body.as_bytes()),
        ),
    ];
    assert_eq!(post(addr, &headers, &body).await.0, 200);
    assert!(stored(&users, "user_ada").is_some());
}
