//! A burst of verifications on a cold `remote::JwksCache`: how many JWKS fetches it causes (must
//! be 1) and how long the whole burst takes.
//!
//! `cargo bench -p clerk-auth --features remote --bench jwks_burst`
//!
//! An in-memory `JwksFetcher` serves the committed 2048-bit test key and counts the fetches;
//! each fetch first awaits a Tokio sleep of `JWKS_BURST_FETCH_MS` milliseconds (default 5, a
//! stand-in for the round trip to `GET /v1/jwks`), so the verifications of a burst really pile up
//! behind it. Each round builds a fresh (cold) cache, then starts `JWKS_BURST_TASKS` (default
//! 1,000) concurrent verifications of a token signed with that key on a multi-threaded Tokio
//! runtime, and waits for all of them. Printed per round: the fetches and the wall time; then
//! the median over `JWKS_BURST_ROUNDS` (default 11) rounds, and, for comparison, the same burst
//! against a warm cache (no fetch at all).
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
use clerk_auth::clock::ManualClock;
use clerk_auth::remote::{BackendError, JwksCache, JwksFetcher};
use clerk_auth::{BoxFuture, JwkSet, PublicKey, VerifyOptions};
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

/// Serves `jwks` after `delay`, counting the fetches in `fetches`.
#[derive(Clone)]
struct SlowFetcher {
    jwks: Arc<JwkSet>,
    delay: Duration,
    fetches: Arc<AtomicUsize>,
}

impl JwksFetcher for SlowFetcher {
    fn fetch_jwks(&self) -> BoxFuture<'_, Result<JwkSet, BackendError>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            Ok((*self.jwks).clone())
        })
    }
}

async fn burst(cache: &JwksCache, token: &Arc<String>, tasks: usize) -> Duration {
    let options = Arc::new(
        VerifyOptions::new()
            .authorized_parties(["https://app.example.com"])
            .clock(ManualClock::at_unix(NOW)),
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
    let fetch_ms = u64::try_from(env_usize("JWKS_BURST_FETCH_MS", 5)).unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    runtime.block_on(async {
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetcher = SlowFetcher {
            jwks: Arc::new(JwkSet::new(vec![
                PublicKey::from_pem(PUBLIC_KEY)
                    .expect("fixture key")
                    .with_kid(KID)
                    .to_jwk(),
            ])),
            delay: Duration::from_millis(fetch_ms),
            fetches: fetches.clone(),
        };
        let token = Arc::new(token());

        println!(
            "jwks_burst: {tasks} concurrent verifications per round, {rounds} rounds, \
             {fetch_ms} ms per fetch"
        );
        let mut cold = Vec::with_capacity(rounds);
        let mut warm = Vec::with_capacity(rounds);
        let mut max_fetches = 0;
        for round in 0..rounds {
            let cache = JwksCache::new(fetcher.clone());
            let before = fetches.load(Ordering::SeqCst);
            let elapsed = burst(&cache, &token, tasks).await;
            let round_fetches = fetches.load(Ordering::SeqCst) - before;
            max_fetches = max_fetches.max(round_fetches);
            println!(
                "  round {round:>2}: JWKS fetches = {round_fetches}, wall time = {:.2} ms",
                elapsed.as_secs_f64() * 1e3
            );
            cold.push(elapsed);
            warm.push(burst(&cache, &token, tasks).await);
            assert_eq!(
                fetches.load(Ordering::SeqCst) - before,
                1,
                "a warm burst must not fetch"
            );
        }
        let (cold, warm) = (median(cold), median(warm));
        println!(
            "cold cache: JWKS fetches per burst = {max_fetches} (max over rounds), median wall time = {:.2} ms ({:.1} µs/verification)",
            cold.as_secs_f64() * 1e3,
            cold.as_secs_f64() * 1e6 / tasks as f64
        );
        println!(
            "warm cache: JWKS fetches per burst = 0, median wall time = {:.2} ms ({:.1} µs/verification)",
            warm.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e6 / tasks as f64
        );
        assert_eq!(max_fetches, 1, "single flight: one fetch per cold burst");
    });
}
