//! Webhook verification cost against the floor: one `ring::hmac::verify` over the same signed
//! bytes (`id.timestamp.body`, already concatenated).
//!
//! `cargo bench -p clerk-auth --features webhooks --bench webhook_verify`
//!
//! For each payload size it alternates rounds of the baseline and of `Webhook::verify` (header
//! lookup, timestamp check, HMAC, base64 encoding of the tag, constant-time comparison) in one
//! process and reports the median ns/op of each and their ratio. Then the same for a signature
//! header with two signatures (a secret rotation), and `verify_and_parse` of a typed `user.updated`
//! event against `hmac::verify` plus `serde_json::from_slice` of the same body into the same
//! generated `User`. Set `WEBHOOK_BENCH_ROUNDS` to change the number of rounds (default 11).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clerk_auth::clock::ManualClock;
use clerk_auth::webhooks::events::User;
use clerk_auth::webhooks::{EventAttributes, Webhook, WebhookEventData};
use ring::hmac;

const KEY: &[u8] = b"benchmark secret, not for use!";
const NOW: i64 = 1_700_000_000;
const MSG_ID: &str = "msg_2tRrrnXAchvSgiLCXQZkHUoKspH";

fn main() {
    let rounds: usize = std::env::var("WEBHOOK_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    let secret = format!("whsec_{}", STANDARD.encode(KEY));
    let webhook = Webhook::new(&secret)
        .expect("valid secret")
        .with_clock(ManualClock::at_unix(NOW));
    let key = hmac::Key::new(hmac::HMAC_SHA256, KEY);

    println!("webhook_verify: median of {rounds} rounds, ns/op");
    println!(
        "{:>8} {:>14} {:>14} {:>14} {:>8} {:>8}",
        "payload", "hmac::verify", "verify", "verify_raw", "ratio", "raw"
    );
    for size in [1024usize, 100 * 1024] {
        let body = payload(size);
        let headers = webhook.headers(MSG_ID, NOW, &body).expect("headers");
        let signature = webhook.sign(MSG_ID, NOW, &body);
        let timestamp = NOW.to_string();

        // The baseline gets the signed bytes for free; the tag is the raw decoded one.
        let mut signed = Vec::with_capacity(body.len() + 64);
        signed.extend_from_slice(MSG_ID.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(timestamp.as_bytes());
        signed.push(b'.');
        signed.extend_from_slice(&body);
        let tag = hmac::sign(&key, &signed);
        assert!(hmac::verify(&key, &signed, tag.as_ref()).is_ok());
        assert!(webhook.verify(&headers, &body).is_ok());

        let iterations =
            calibrate(|| hmac::verify(&key, black_box(&signed), black_box(tag.as_ref())).is_ok());
        let mut baseline = Vec::with_capacity(rounds);
        let mut ours = Vec::with_capacity(rounds);
        let mut ours_raw = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            baseline.push(time(iterations, || {
                hmac::verify(&key, black_box(&signed), black_box(tag.as_ref())).is_ok()
            }));
            ours.push(time(iterations, || {
                webhook
                    .verify(black_box(&headers), black_box(&body))
                    .is_ok()
            }));
            ours_raw.push(time(iterations, || {
                webhook
                    .verify_raw(
                        black_box(MSG_ID),
                        black_box(&timestamp),
                        black_box(&signature),
                        black_box(&body),
                    )
                    .is_ok()
            }));
        }
        let (b, o, r) = (
            median(&mut baseline),
            median(&mut ours),
            median(&mut ours_raw),
        );
        println!(
            "{:>8} {:>14.1} {:>14.1} {:>14.1} {:>7.3}x {:>7.3}x",
            label(size),
            b,
            o,
            r,
            o / b,
            r / b
        );
    }
    two_signatures(&webhook, &key, rounds);
    typed_events(&webhook, &key, rounds);
}

/// A signature header carrying two signatures, as during a secret rotation: the one that does
/// not match first.
fn two_signatures(webhook: &Webhook, key: &hmac::Key, rounds: usize) {
    let body = payload(1024);
    let other = Webhook::new(format!("whsec_{}", STANDARD.encode(b"the previous secret")))
        .expect("valid secret")
        .with_clock(ManualClock::at_unix(NOW));
    let header = format!(
        "{} {}",
        other.sign(MSG_ID, NOW, &body),
        webhook.sign(MSG_ID, NOW, &body)
    );
    let mut headers = webhook.headers(MSG_ID, NOW, &body).expect("headers");
    headers.insert("svix-signature", header.parse().expect("header value"));
    assert!(webhook.verify(&headers, &body).is_ok());
    let signed = signed_bytes(&body);
    let tag = hmac::sign(key, &signed);

    let iterations =
        calibrate(|| hmac::verify(key, black_box(&signed), black_box(tag.as_ref())).is_ok());
    let mut baseline = Vec::with_capacity(rounds);
    let mut ours = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        baseline.push(time(iterations, || {
            hmac::verify(key, black_box(&signed), black_box(tag.as_ref())).is_ok()
        }));
        ours.push(time(iterations, || {
            webhook
                .verify(black_box(&headers), black_box(&body))
                .is_ok()
        }));
    }
    let (b, o) = (median(&mut baseline), median(&mut ours));
    println!();
    println!("two signatures in the header (the second matches), 1 KB body");
    println!("{:>14} {:>14} {:>8}", "hmac::verify", "verify", "ratio");
    println!("{b:>14.1} {o:>14.1} {:>7.3}x", o / b);
}

/// The envelope of a `user.*` event, decoded the plainest way: the floor for a typed event.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedUserEvent {
    #[serde(rename = "type")]
    event_type: String,
    instance_id: String,
    timestamp: i64,
    data: User,
    event_attributes: Option<EventAttributes>,
}

/// `verify_and_parse` against its floor: `hmac::verify` plus `serde_json::from_slice` of the same
/// body into the same typed payload.
fn typed_events(webhook: &Webhook, key: &hmac::Key, rounds: usize) {
    println!();
    println!("verify_and_parse of a user.updated event: median ns/op");
    println!(
        "{:>8} {:>22} {:>18} {:>8}",
        "payload", "hmac + from_slice", "verify_and_parse", "ratio"
    );
    for size in [0usize, 100 * 1024] {
        let body = user_event(size);
        let headers = webhook.headers(MSG_ID, NOW, &body).expect("headers");
        let signed = signed_bytes(&body);
        let tag = hmac::sign(key, &signed);
        let floor = || {
            hmac::verify(key, black_box(&signed), black_box(tag.as_ref())).is_ok()
                && serde_json::from_slice::<TypedUserEvent>(black_box(&body)).is_ok()
        };
        let ours = || {
            matches!(
                webhook.verify_and_parse(black_box(&headers), black_box(&body)),
                Ok(event) if matches!(event.data, WebhookEventData::UserUpdated(_))
            )
        };
        assert!(floor() && ours());
        let iterations = calibrate(floor);
        let mut baseline = Vec::with_capacity(rounds);
        let mut measured = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            baseline.push(time(iterations, floor));
            measured.push(time(iterations, ours));
        }
        let (b, o) = (median(&mut baseline), median(&mut measured));
        println!(
            "{:>8} {b:>22.1} {o:>18.1} {:>7.3}x",
            label(body.len()),
            o / b
        );
    }
}

/// The spec's `user.updated` example, its public metadata grown by at least `extra` bytes of
/// notes.
fn user_event(extra: usize) -> Vec<u8> {
    let examples: serde_json::Value =
        serde_json::from_str(include_str!("../tests/generated/webhook_examples.json"))
            .expect("examples");
    let mut event = examples["user.updated"].clone();
    let mut notes = Vec::new();
    let mut size = 0;
    while size < extra {
        let note = serde_json::json!({"at": 1_716_883_200_000_i64 + size as i64, "by": "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S", "text": "Moved to the platform team; keep the old access until the end of the quarter."});
        size += note.to_string().len() + 1;
        notes.push(note);
    }
    if !notes.is_empty() {
        event["data"]["public_metadata"]["notes"] = serde_json::Value::Array(notes);
    }
    serde_json::to_vec(&event).expect("json")
}

/// `id.timestamp.body`, as the baseline gets it for free.
fn signed_bytes(body: &[u8]) -> Vec<u8> {
    let mut signed = Vec::with_capacity(body.len() + 64);
    signed.extend_from_slice(MSG_ID.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(NOW.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    signed
}

/// A JSON-looking body of exactly `size` bytes.
fn payload(size: usize) -> Vec<u8> {
    let mut body = br#"{"type":"user.updated","object":"event","data":{"bio":""#.to_vec();
    let tail = br#""}}"#;
    let filler = b"The quick brown fox jumps over the lazy dog. ";
    while body.len() + tail.len() < size {
        let room = size - tail.len() - body.len();
        body.extend_from_slice(&filler[..room.min(filler.len())]);
    }
    body.extend_from_slice(tail);
    body
}

/// Iterations that take about 50 ms.
fn calibrate(mut f: impl FnMut() -> bool) -> u64 {
    let mut iterations = 16u64;
    loop {
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(f());
        }
        if start.elapsed() >= Duration::from_millis(50) {
            return iterations;
        }
        iterations *= 2;
    }
}

/// Nanoseconds per call.
fn time(iterations: u64, mut f: impl FnMut() -> bool) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        assert!(black_box(f()));
    }
    start.elapsed().as_nanos() as f64 / iterations as f64
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn label(size: usize) -> String {
    if size >= 10 * 1024 {
        format!("{} KB", size / 1024)
    } else if size >= 1024 {
        format!("{:.1} KB", size as f64 / 1024.0)
    } else {
        format!("{size} B")
    }
}
