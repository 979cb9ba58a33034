//! Webhook verification: `Webhook::verify_raw` and `Webhook::verify` on fuzzed id, timestamp,
//! signature headers and body; signing secrets; and, for messages the harness signs itself,
//! decoding the verified body into a typed `WebhookEvent` (the generated event payloads).
//!
//! Input: a mode byte, then `\0`-separated fields, the body last.

#![no_main]

use std::sync::LazyLock;

use clerk_auth::clock::ManualClock;
use clerk_auth::webhooks::{Webhook, WebhookEventData};
use clerk_fuzz::{Input, NOW};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;

static WEBHOOK: LazyLock<Webhook> = LazyLock::new(|| {
    Webhook::new("whsec_ZG9jIGV4YW1wbGUga2V5LCBub3QgYSByZWFsIG9uZSE=")
        .expect("secret")
        .with_clock(ManualClock::at_unix(NOW))
});

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 4 {
        0 => {
            // Everything as sent by an attacker.
            let id = input.text();
            let timestamp = input.text();
            let signature = input.text();
            let body = input.rest();
            if let Err(error) = WEBHOOK.verify_raw(&id, &timestamp, &signature, body) {
                let _ = error.to_string();
            }
        }
        1 => {
            // A message signed with the right secret, among other signatures: it must verify
            // exactly when its id is already trimmed and its timestamp within five minutes.
            let offset = i64::from(input.u16() as i16);
            let id = input.text();
            let others = input.text();
            let body = input.rest();
            let timestamp = NOW + offset;
            let signature = WEBHOOK.sign(&id, timestamp, body);
            let header = format!("{others} {signature} {others}");
            let result = WEBHOOK.verify_raw_and_parse(&id, &timestamp.to_string(), &header, body);
            let authentic = !id.is_empty() && id.trim_ascii() == id && offset.abs() <= 300;
            let verified = WEBHOOK.verify_raw(&id, &timestamp.to_string(), &header, body);
            assert_eq!(verified.is_ok(), authentic, "{verified:?}");
            match result {
                Ok(event) => {
                    let _ = (
                        event.event_type(),
                        event.data.event_type(),
                        format!("{event:?}"),
                    );
                    if let WebhookEventData::Undecoded { error, .. } = &event.data {
                        assert!(!error.is_empty());
                    }
                }
                Err(error) => {
                    // Only a body that is not JSON at all is refused once verified.
                    if authentic {
                        assert!(serde_json::from_slice::<serde_json::Value>(body).is_err());
                    }
                    let _ = error.to_string();
                }
            }
            if let Ok(headers) = WEBHOOK.headers(&id, timestamp, body) {
                let typed = WEBHOOK.verify_and_parse_as::<serde_json::Value>(&headers, body);
                if authentic {
                    assert_eq!(
                        typed.is_ok(),
                        serde_json::from_slice::<serde_json::Value>(body).is_ok()
                    );
                }
            }
        }
        2 => {
            // Signing secrets.
            let secret = input.text();
            if let Ok(webhook) = Webhook::new(&secret) {
                let webhook = webhook.with_clock(ManualClock::at_unix(NOW));
                let body = input.rest();
                let signature = webhook.sign("msg_1", NOW, body);
                assert!(
                    webhook
                        .verify_raw("msg_1", &NOW.to_string(), &signature, body)
                        .is_ok()
                );
                let _ = format!("{webhook:?}");
            }
        }
        _ => {
            // Header maps with any of the six names, repeated, in any order.
            let names = [
                "svix-id",
                "svix-timestamp",
                "svix-signature",
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
            ];
            let mut headers = HeaderMap::new();
            let count = input.byte() % 8;
            for _ in 0..count {
                let name = names[usize::from(input.byte()) % names.len()];
                if let Ok(value) = HeaderValue::from_bytes(input.field()) {
                    headers.append(HeaderName::from_static(name), value);
                }
            }
            let body = input.rest();
            if let Err(error) = WEBHOOK.verify_and_parse(&headers, body) {
                let _ = error.to_string();
            }
        }
    }
});
