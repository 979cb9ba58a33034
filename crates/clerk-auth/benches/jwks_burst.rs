//! A burst of verifications on a cold `remote::JwksCache`: how many JWKS fetches it causes (must
//! be 1) and how long the whole burst takes.
//!
//! `cargo bench -p clerk-auth --features remote --bench jwks_burst`
//!
//! A local mockito server serves the committed 2048-bit test key as `GET /v1/jwks` and counts
//! the hits. Each round builds a fresh (cold) cache, then starts `JWKS_BURST_TASKS` (default
//! 1,000) concurrent verifications of a token signed with that key on a multi-threaded Tokio
//! runtime, and waits for all of them. Printed per round: the `/v1/jwks` hits and the wall time;
//! then the median over `JWKS_BURST_ROUNDS` (default 11) rounds, and, for comparison, the same
//! burst against a warm cache (no fetch at all).
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_auth::clock::FixedClock;
use clerk_auth::remote::JwksCache;
use clerk_auth::{JwkSet, PublicKey, VerifyOptions};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};

const PRIVATE_KEY: &str = include_str!("../tests/fixtures/rsa2048.pk8.pem");
const PUBLIC_KEY: &str = include_str!("../tests/fixtures/rsa2048.spki.pem");
const NOW: i64 = 1_700_000_000;
const KID: &str = "ins_test_2048";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn token() -> String {
    let der: Vec<u8> = STANDARD
        .decode(
            PRIVATE_KEY
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .expect("fixture PEM");
    let key = RsaKeyPair::from_pkcs8(&der).expect("fixture key");
    let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{KID}"}}"#);
    let payload = serde_json::json!({
        "sub": "user_2abc", "sid": "sess_2abc", "azp": "https://app.example.com",
        "iat": NOW - 1, "nbf": NOW - 11, "exp": NOW + 60, "v": 2
    })
    .to_string();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

async fn burst(cache: &JwksCache, token: &Arc<String>, tasks: usize) -> Duration {
    let options = Arc::new(
        VerifyOptions::new()
            .authorized_parties(["https://app.example.com"])
            .clock(FixedClock::new(NOW)),
    );
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (cache, token, options) = (cache.clone(), token.clone(), options.clone());
            tokio::spawn(async move { cache.verify(&token, &options).await })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task").expect("verified");
    }
    start.elapsed()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let tasks = env_usize("JWKS_BURST_TASKS", 1000);
    let rounds = env_usize("JWKS_BURST_ROUNDS", 11).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    runtime.block_on(async {
        let jwks = serde_json::to_string(&JwkSet::new(vec![
            PublicKey::from_pem(PUBLIC_KEY)
                .expect("fixture key")
                .with_kid(KID)
                .to_jwk(),
        ]))
        .expect("jwks");
        let hits = Arc::new(AtomicUsize::new(0));
        let mut server = mockito::Server::new_async().await;
        let counter = hits.clone();
        let _mock = server
            .mock("GET", "/v1/jwks")
            .with_status(200)
            .with_header("content-type", "application/json")
            .with_body_from_request(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
                jwks.clone().into_bytes()
            })
            .create_async()
            .await;
        let client = clerk_core::Client::builder()
            .secret_key("sk_test_bench")
            .api_url(server.url())
            .build()
            .expect("client");
        let token = Arc::new(token());

        println!("jwks_burst: {tasks} concurrent verifications per round, {rounds} rounds");
        let mut cold = Vec::with_capacity(rounds);
        let mut warm = Vec::with_capacity(rounds);
        let mut max_hits = 0;
        for round in 0..rounds {
            let cache = JwksCache::new(client.clone());
            let before = hits.load(Ordering::SeqCst);
            let elapsed = burst(&cache, &token, tasks).await;
            let round_hits = hits.load(Ordering::SeqCst) - before;
            max_hits = max_hits.max(round_hits);
            println!(
                "  round {round:>2}: /v1/jwks hits = {round_hits}, wall time = {:.2} ms",
                elapsed.as_secs_f64() * 1e3
            );
            cold.push(elapsed);
            warm.push(burst(&cache, &token, tasks).await);
            assert_eq!(
                hits.load(Ordering::SeqCst) - before,
                1,
                "a warm burst must not fetch"
            );
        }
        let (cold, warm) = (median(cold), median(warm));
        println!(
            "cold cache: /v1/jwks hits per burst = {max_hits} (max over rounds), median wall time = {:.2} ms ({:.1} µs/verification)",
            cold.as_secs_f64() * 1e3,
            cold.as_secs_f64() * 1e6 / tasks as f64
        );
        println!(
            "warm cache: /v1/jwks hits per burst = 0, median wall time = {:.2} ms ({:.1} µs/verification)",
            warm.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e6 / tasks as f64
        );
        assert_eq!(max_hits, 1, "single flight: one fetch per cold burst");
    });
}
