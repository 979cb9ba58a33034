//! Webhook verification cost against the floor: one `ring::hmac::verify` over the same signed
//! bytes (`id.timestamp.body`, already concatenated).
//!
//! `cargo bench -p clerk-auth --features webhooks --bench webhook_verify`
//!
//! For each payload size it alternates rounds of the baseline and of `Webhook::verify` (header
//! lookup, timestamp check, base64 decoding, HMAC, constant-time comparison) in one process and
//! reports the median ns/op of each and their ratio. Set `WEBHOOK_BENCH_ROUNDS` to change the
//! number of rounds (default 11).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clerk_auth::clock::FixedClock;
use clerk_auth::webhooks::Webhook;
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
        .with_clock(FixedClock::new(NOW));
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
    if size >= 1024 {
        format!("{} KB", size / 1024)
    } else {
        format!("{size} B")
    }
}
