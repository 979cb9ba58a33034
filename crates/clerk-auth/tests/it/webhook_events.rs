//! Every event type of Clerk's webhooks spec decodes into its own variant.
//!
//! `tests/generated/webhook_examples.json` holds the spec's example event for each type; it is
//! written by `cargo xtask codegen` next to the event enum, so both move together.
#![cfg(feature = "webhooks")]

use std::collections::BTreeSet;

use clerk_auth::clock::ManualClock;
use clerk_auth::webhooks::{Webhook, WebhookEvent, WebhookEventData};

const EXAMPLES: &str = include_str!("../generated/webhook_examples.json");
const NOW: i64 = 1_700_000_000;

fn examples() -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(EXAMPLES).unwrap() {
        serde_json::Value::Object(map) => map,
        other => panic!("examples are not an object: {other}"),
    }
}

#[test]
fn there_is_an_example_for_every_event_type() {
    let examples = examples();
    let documented: BTreeSet<&str> = examples.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = WebhookEventData::EVENT_TYPES.iter().copied().collect();
    assert_eq!(documented, known);
    assert_eq!(known.len(), 45);
}

#[test]
fn every_example_verifies_and_decodes_to_its_own_variant() {
    let webhook = Webhook::new("whsec_ZXZlbnQgZXhhbXBsZXMgdGVzdCBrZXk=")
        .unwrap()
        .with_clock(ManualClock::at_unix(NOW));
    let mut failures = Vec::new();
    for (event_type, example) in examples() {
        let body = serde_json::to_vec(&example).unwrap();
        let headers = webhook.headers("msg_example", NOW, &body).unwrap();
        match webhook.verify_and_parse(&headers, &body) {
            Ok(event) => {
                assert_eq!(event.r#type, event_type);
                assert_eq!(event.data.event_type(), event_type);
                assert!(
                    !matches!(event.data, WebhookEventData::Unknown { .. }),
                    "{event_type} decoded as Unknown"
                );
                assert!(
                    !matches!(event.data, WebhookEventData::Undecoded { .. }),
                    "{event_type} did not decode: {:?}",
                    event.data
                );
            }
            Err(error) => failures.push(format!("{event_type}: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn payloads_reencode_to_the_fields_they_model() {
    // Decoding then encoding a payload keeps every modelled field's value; it may drop fields
    // the spec does not list and `null`s of optional fields, never change one.
    for (event_type, example) in examples() {
        let event: WebhookEvent = serde_json::from_value(example.clone()).unwrap();
        let encoded = match &event.data {
            WebhookEventData::UserCreated(user) | WebhookEventData::UserUpdated(user) => {
                serde_json::to_value(user).unwrap()
            }
            WebhookEventData::SessionCreated(session) => serde_json::to_value(session).unwrap(),
            WebhookEventData::OrganizationMembershipCreated(membership) => {
                serde_json::to_value(membership).unwrap()
            }
            WebhookEventData::EmailCreated(email) => serde_json::to_value(email).unwrap(),
            _ => continue,
        };
        assert_subset(&encoded, &example["data"], &format!("{event_type}: data"));
    }
}

/// Every value in `encoded` equals the value at the same place in `original` (objects may have
/// dropped keys; an encoded `null` may stand for an absent key).
fn assert_subset(encoded: &serde_json::Value, original: &serde_json::Value, path: &str) {
    match (encoded, original) {
        (serde_json::Value::Object(enc), serde_json::Value::Object(orig)) => {
            for (key, value) in enc {
                match orig.get(key) {
                    Some(original) => assert_subset(value, original, &format!("{path}.{key}")),
                    None => assert!(value.is_null(), "{path}.{key} appeared: {value}"),
                }
            }
        }
        (serde_json::Value::Array(enc), serde_json::Value::Array(orig)) => {
            assert_eq!(enc.len(), orig.len(), "{path}");
            for (i, (e, o)) in enc.iter().zip(orig).enumerate() {
                assert_subset(e, o, &format!("{path}[{i}]"));
            }
        }
        (e, o) => assert_eq!(e, o, "{path}"),
    }
}

#[test]
fn message_contents_and_codes_stay_out_of_debug_output() {
    let examples = examples();
    for event_type in ["sms.created", "email.created"] {
        let event: WebhookEvent =
            serde_json::from_value(examples.get(event_type).cloned().unwrap()).unwrap();
        let debug = format!("{event:?}");
        let (field, text) = match &event.data {
            WebhookEventData::SmsCreated(sms) => ("message", sms.message.clone()),
            WebhookEventData::EmailCreated(email) => {
                ("body", email.body.clone().unwrap_or_default())
            }
            other => panic!("{event_type} decoded to {}", other.event_type()),
        };
        assert!(!text.is_empty(), "{event_type} example has a {field}");
        assert!(
            !debug.contains(&text),
            "{event_type}: {field} leaked into {debug}"
        );
        assert!(debug.contains("***"), "{debug}");
    }
}
