//! One model layer: a webhook payload and an API response describing the same object are one
//! Rust type, and the same JSON decodes to equal values through either door.
#![cfg(feature = "webhooks")]

use clerk::models;
use clerk::webhooks::{WebhookEvent, WebhookEventData, events};

/// The spec's example events, as clerk-auth's tests use them.
const EXAMPLES: &str = include_str!("../../../clerk-auth/tests/generated/webhook_examples.json");

fn example(event_type: &str) -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_str(EXAMPLES).unwrap();
    all[event_type].clone()
}

/// Compiles only when both arguments have one type.
fn same_type<T>(_: &T, _: &T) {}

#[test]
fn a_user_created_payload_is_the_api_user() {
    let event = example("user.created");
    let from_api: models::User = serde_json::from_value(event["data"].clone()).unwrap();
    let parsed: WebhookEvent = serde_json::from_value(event).unwrap();
    let WebhookEventData::UserCreated(from_webhook) = parsed.data else {
        panic!("{:?}", parsed.data);
    };
    same_type(&from_webhook, &from_api);
    assert_eq!(from_webhook, from_api);
    // The API type's helpers work on webhook payloads.
    assert_eq!(
        from_webhook
            .primary_email_address()
            .map(|e| &e.email_address),
        from_api.primary_email_address().map(|e| &e.email_address)
    );
    // `clerk::webhooks::events` re-exports the same type under the name receivers import.
    let reexported: &events::User = &from_webhook;
    same_type(reexported, &from_api);
}

#[test]
fn organization_membership_and_session_payloads_are_api_types_too() {
    let event = example("organizationMembership.created");
    let from_api: models::OrganizationMembership =
        serde_json::from_value(event["data"].clone()).unwrap();
    let parsed: WebhookEvent = serde_json::from_value(event).unwrap();
    let WebhookEventData::OrganizationMembershipCreated(from_webhook) = parsed.data else {
        panic!("{:?}", parsed.data);
    };
    same_type(&from_webhook, &from_api);
    assert_eq!(from_webhook, from_api);

    // A session event carries a webhook-only payload that embeds API types (`user` is a
    // `models::User`); this delivery lacks `user`, which webhook decoding fills with an empty one.
    let parsed: WebhookEvent = serde_json::from_value(serde_json::json!({
        "type": "session.created",
        "data": {
            "id": "sess_1", "object": "session", "client_id": "client_1", "user_id": "user_1",
            "status": "active", "last_active_at": 1, "expire_at": 2, "abandon_at": 3,
            "created_at": 4, "updated_at": 5
        }
    }))
    .unwrap();
    let WebhookEventData::SessionCreated(session) = parsed.data else {
        panic!("{:?}", parsed.data);
    };
    let _: &models::webhook_events::SessionEventPayload = &session;
    assert_eq!(session.id, "sess_1");
    assert_eq!(session.created_at, 4);
    let user: &models::User = &session.user;
    assert!(user.id.is_empty() && user.email_addresses.is_empty());
}
