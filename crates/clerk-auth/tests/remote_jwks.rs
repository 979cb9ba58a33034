//! `remote::JwksCache` against local mockito servers: fetching, TTL, single flight, unknown-kid
//! rate limiting, stale-on-error, per-instance isolation and error mapping.
#![cfg(feature = "remote")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::sign;

use std::sync::Arc;
use std::time::Duration;

use clerk_auth::clock::FixedClock;
use clerk_auth::remote::{AsyncKeySource, JwksCache, StaticKeys, verify_token_with};
use clerk_auth::{JwkSet, PublicKey, ReasonKind, SessionClaims, VerifyOptions};
use clerk_core::{Client, ManualClock, RetryPolicy};
use mockito::{Matcher, Server, ServerGuard};
use serde_json::{Value, json};

const RSA2048_SPKI: &str = include_str!("fixtures/rsa2048.spki.pem");
const WRONG2048_SPKI: &str = include_str!("fixtures/wrong2048.spki.pem");
const NOW: i64 = 1_700_000_000;
const KID: &str = "ins_test_2048";
const SECRET: &str = "sk_test_instance_a";

fn token_with_kid(kid: &str) -> String {
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
        &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 3600, "iat": NOW - 10}),
    )
}

fn token() -> String {
    token_with_kid(KID)
}

fn jwks(spki: &str, kid: &str) -> String {
    let key = PublicKey::from_pem(spki).unwrap().with_kid(kid);
    serde_json::to_string(&JwkSet::new(vec![key.to_jwk()])).unwrap()
}

fn options() -> VerifyOptions {
    VerifyOptions::new().clock(FixedClock::new(NOW))
}

fn client(server: &ServerGuard, secret: &str) -> Client {
    Client::builder()
        .secret_key(secret)
        .api_url(server.url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn cache(server: &ServerGuard, clock: &ManualClock) -> JwksCache {
    JwksCache::builder(client(server, SECRET))
        .clock(clock.clone())
        .build()
}

async fn jwks_mock(server: &mut ServerGuard, hits: usize) -> mockito::Mock {
    server
        .mock("GET", "/v1/jwks")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_header("clerk-api-version", "2026-05-12")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(jwks(RSA2048_SPKI, KID))
        .expect(hits)
        .create_async()
        .await
}

#[tokio::test]
async fn fetches_the_jwks_with_the_secret_key_and_verifies() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 1).await;
    let cache = cache(&server, &ManualClock::new());

    let claims = cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(claims.sub, "user_1");
    let custom: Value = cache.verify_as(&token(), &options()).await.unwrap();
    assert_eq!(custom["sid"], "sess_1");
    assert_eq!(cache.fetch_count(), 1);
    assert_eq!(cache.cached_kids(), vec![KID.to_owned()]);
    mock.assert_async().await;
}

#[tokio::test]
async fn the_ttl_is_fixed_and_expiry_causes_exactly_one_refetch() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 2).await;
    let clock = ManualClock::new();
    let cache = cache(&server, &clock);

    cache.verify(&token(), &options()).await.unwrap();
    // Using the keys does not extend their life.
    for _ in 0..5 {
        clock.advance(Duration::from_secs(59));
        cache.verify(&token(), &options()).await.unwrap();
    }
    assert_eq!(cache.fetch_count(), 1, "295 s: still fresh");
    clock.advance(Duration::from_secs(6));
    for _ in 0..10 {
        cache.verify(&token(), &options()).await.unwrap();
    }
    assert_eq!(cache.fetch_count(), 2, "301 s: exactly one refetch");
    mock.assert_async().await;
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 3).await;
    let clock = ManualClock::new();
    let cache = cache(&server, &clock);
    cache.verify(&token(), &options()).await.unwrap();
    // The keys were just fetched: an unknown kid does not refetch them.
    let err = cache
        .verify(&token_with_kid("bogus_early"), &options())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(cache.fetch_count(), 1);
    clock.advance(Duration::from_secs(61));

    // 100 bogus kids, half of them concurrently.
    let mut tasks = Vec::new();
    for i in 0..50 {
        let cache = cache.clone();
        tasks.push(tokio::spawn(async move {
            cache
                .verify(&token_with_kid(&format!("bogus_{i}")), &options())
                .await
        }));
    }
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    }
    for i in 50..100 {
        let err = cache
            .verify(&token_with_kid(&format!("bogus_{i}")), &options())
            .await
            .unwrap_err();
        assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
        assert_eq!(
            err.context().kid.as_deref(),
            Some(format!("bogus_{i}").as_str())
        );
    }
    assert_eq!(cache.fetch_count(), 2, "one extra fetch for 100 bogus kids");
    // The real kid keeps working without fetches.
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(cache.fetch_count(), 2);

    clock.advance(Duration::from_secs(61));
    let err = cache
        .verify(&token_with_kid("bogus_again"), &options())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(cache.fetch_count(), 3, "another interval, another refetch");
    mock.assert_async().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_verifications_on_a_cold_cache_fetch_once() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 1).await;
    let cache = cache(&server, &ManualClock::new());
    let token = Arc::new(token());

    let barrier = Arc::new(tokio::sync::Barrier::new(1000));
    let mut tasks = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let (cache, token, barrier) = (cache.clone(), token.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            cache.verify(&token, &options()).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(cache.fetch_count(), 1);
    mock.assert_async().await;
}

#[tokio::test]
async fn stale_keys_are_served_within_the_grace_period_when_refetching_fails() {
    let mut server = Server::new_async().await;
    let good = jwks_mock(&mut server, 1).await;
    let clock = ManualClock::new();
    let cache = cache(&server, &clock);
    cache.verify(&token(), &options()).await.unwrap();
    good.assert_async().await;
    good.remove_async().await;

    let down = server
        .mock("GET", "/v1/jwks")
        .with_status(503)
        .with_body(r#"{"errors":[{"code":"unavailable","message":"down"}]}"#)
        .expect(3)
        .create_async()
        .await;

    clock.advance(Duration::from_secs(301));
    // Expired; the refetch fails; the last good keys are served.
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(cache.fetch_count(), 2);
    // Within the failure back-off no new fetch is made.
    clock.advance(Duration::from_secs(5));
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(cache.fetch_count(), 2);
    // After it, one more attempt, still served stale.
    clock.advance(Duration::from_secs(10));
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(cache.fetch_count(), 3);

    // Past the grace period (1 h after expiry) the failure surfaces.
    clock.advance(Duration::from_secs(3600));
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains("code=503"), "{err}");
    assert!(!err.message().contains(SECRET));
    down.assert_async().await;
}

#[tokio::test]
async fn no_keys_ever_loaded_is_jwks_failed_to_load() {
    let mut server = Server::new_async().await;
    let down = server
        .mock("GET", "/v1/jwks")
        .with_status(500)
        .expect(1)
        .create_async()
        .await;
    let cache = cache(&server, &ManualClock::new());
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    // Backing off: the same error, no second request.
    let again = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(again, err);
    down.assert_async().await;
}

#[tokio::test]
async fn an_empty_or_unusable_jwks_is_jwks_failed_to_load() {
    let mut server = Server::new_async().await;
    let _mock = server
        .mock("GET", "/v1/jwks")
        .with_status(200)
        .with_body(r#"{"keys":[{"kty":"EC","kid":"x","crv":"P-256"}]}"#)
        .create_async()
        .await;
    let cache = cache(&server, &ManualClock::new());
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains("did not contain any signing keys"));
}

#[tokio::test]
async fn a_rejected_secret_key_is_secret_key_invalid() {
    for status in [401, 403] {
        let mut server = Server::new_async().await;
        let _mock = server
            .mock("GET", "/v1/jwks")
            .with_status(status)
            .with_header("content-type", "application/json")
            .with_body(
                r#"{"errors":[{"code":"clerk_key_invalid","message":"The provided Clerk Secret Key is invalid."}]}"#,
            )
            .create_async()
            .await;
        let cache = cache(&server, &ManualClock::new());
        let err = cache.verify(&token(), &options()).await.unwrap_err();
        assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid, "{status}");
        assert!(err.message().contains("Secret Key is invalid"), "{err}");
        assert!(!err.message().contains(SECRET));
    }
}

#[tokio::test]
async fn a_rejected_secret_key_is_not_hidden_by_stale_keys() {
    let mut server = Server::new_async().await;
    let good = jwks_mock(&mut server, 1).await;
    let clock = ManualClock::new();
    let cache = cache(&server, &clock);
    cache.verify(&token(), &options()).await.unwrap();
    good.remove_async().await;
    let _rejected = server
        .mock("GET", "/v1/jwks")
        .with_status(401)
        .create_async()
        .await;
    clock.advance(Duration::from_secs(301));
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
}

#[tokio::test]
async fn caches_for_two_instances_never_share_keys() {
    // Both instances use the same kid; instance B's key is a different key.
    let mut a = Server::new_async().await;
    let mut b = Server::new_async().await;
    let mock_a = a
        .mock("GET", "/v1/jwks")
        .match_header("authorization", "Bearer sk_test_a")
        .with_status(200)
        .with_body(jwks(RSA2048_SPKI, KID))
        .expect(1)
        .create_async()
        .await;
    let mock_b = b
        .mock("GET", "/v1/jwks")
        .match_header("authorization", "Bearer sk_test_b")
        .with_status(200)
        .with_body(jwks(WRONG2048_SPKI, KID))
        .expect(1)
        .create_async()
        .await;
    let cache_a = JwksCache::new(client(&a, "sk_test_a"));
    let cache_b = JwksCache::new(client(&b, "sk_test_b"));

    cache_a.verify(&token(), &options()).await.unwrap();
    let err = cache_b.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenInvalidSignature);
    // And again, from the warm caches.
    cache_a.verify(&token(), &options()).await.unwrap();
    assert!(cache_b.verify(&token(), &options()).await.is_err());
    mock_a.assert_async().await;
    mock_b.assert_async().await;
}

#[tokio::test]
async fn garbage_tokens_never_reach_the_network() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 0).await;
    let cache = cache(&server, &ManualClock::new());
    for garbage in ["", "abc", "a.b", "a.b.c", "!!.??.**"] {
        let err = cache.verify(garbage, &options()).await.unwrap_err();
        assert_eq!(err.reason(), ReasonKind::TokenMalformed, "{garbage:?}");
    }
    assert_eq!(cache.fetch_count(), 0);
    mock.assert_async().await;
}

#[tokio::test]
async fn the_path_version_and_base_path_come_from_the_client() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("GET", Matcher::Exact("/v1/jwks".to_owned()))
        .with_status(200)
        .with_body(jwks(RSA2048_SPKI, KID))
        .expect(1)
        .create_async()
        .await;
    let cache = JwksCache::new(client(&server, SECRET));
    let keys = cache.keys(Some(KID)).await.unwrap();
    assert_eq!(keys.len(), 1);
    mock.assert_async().await;
}

/// A user-supplied async key source.
struct CountingSource {
    keys: StaticKeys,
    calls: std::sync::atomic::AtomicUsize,
}

impl AsyncKeySource for CountingSource {
    fn keys<'a>(&'a self, kid: Option<&'a str>) -> clerk_auth::remote::KeysFuture<'a> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.keys.keys(kid)
    }
}

#[tokio::test]
async fn custom_async_key_sources_plug_in() {
    let source = CountingSource {
        keys: StaticKeys::from(PublicKey::from_pem(RSA2048_SPKI).unwrap().with_kid(KID)),
        calls: std::sync::atomic::AtomicUsize::new(0),
    };
    let claims: SessionClaims = verify_token_with(&token(), &source, &options())
        .await
        .unwrap();
    assert_eq!(claims.sub, "user_1");
    let err = verify_token_with(&token_with_kid("other"), &source, &options())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(source.calls.load(std::sync::atomic::Ordering::Relaxed), 2);
}

#[tokio::test]
async fn transient_failures_are_retried_a_bounded_number_of_times() {
    let mut server = Server::new_async().await;
    let down = server
        .mock("GET", "/v1/jwks")
        .with_status(503)
        .expect(3)
        .create_async()
        .await;
    // The client's standard policy: 3 attempts with back-off (slept on a manual clock).
    let client_clock = ManualClock::new();
    let client = Client::builder()
        .secret_key(SECRET)
        .api_url(server.url())
        .clock(client_clock.clone())
        .build()
        .unwrap();
    let cache = JwksCache::builder(client).clock(ManualClock::new()).build();
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert_eq!(
        cache.fetch_count(),
        1,
        "one fetch, retried inside the client"
    );
    assert_eq!(
        client_clock.sleeps().len(),
        2,
        "two back-offs between three attempts"
    );
    down.assert_async().await;
}

/// A token with these raw (already encoded) segments.
fn raw(header: &str, payload: &str, signature: &str) -> String {
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn tokens_that_cannot_verify_never_fetch_the_jwks() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 0).await;
    let cache = cache(&server, &ManualClock::new());

    let good = token();
    let mut parts = good.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );
    let b64 = |json: &str| support::b64(json.as_bytes());
    // The last signature character with its unused low bits set: non-canonical.
    let last = signature.chars().last().unwrap();
    let flipped = char::from_u32(u32::from(last) ^ 1).unwrap();
    let non_canonical = format!("{}{flipped}", &signature[..signature.len() - 1]);
    let standard_alphabet = format!("+/{}", &signature[2..]);
    let m2m = sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": KID, "cat": "cl_B7d4PD333AAA"}),
        &json!({"sub": "mch_1", "exp": NOW + 60}),
    );

    let cases: Vec<(&str, String, ReasonKind)> = vec![
        (
            "bad base64 payload",
            raw(&header, "e30*", &signature),
            ReasonKind::TokenMalformed,
        ),
        (
            "payload of invalid length",
            raw(&header, "e30xx", &signature),
            ReasonKind::TokenMalformed,
        ),
        (
            "payload not JSON",
            raw(&header, &b64("{\"sub\":"), &signature),
            ReasonKind::TokenMalformed,
        ),
        (
            "payload an array",
            raw(&header, &b64("[\"user_1\",\"sess_1\"]"), &signature),
            ReasonKind::TokenMalformed,
        ),
        (
            "header an array",
            raw(
                &b64("[\"RS256\",\"JWT\",\"ins_test_2048\"]"),
                &payload,
                &signature,
            ),
            ReasonKind::TokenMalformed,
        ),
        (
            "signature in the standard alphabet",
            raw(&header, &payload, &standard_alphabet),
            ReasonKind::TokenMalformed,
        ),
        (
            "signature with non-canonical trailing bits",
            raw(&header, &payload, &non_canonical),
            ReasonKind::TokenMalformed,
        ),
        ("an M2M token", m2m, ReasonKind::TokenInvalidCategory),
        (
            "HS256",
            sign(
                &json!({"alg": "HS256", "kid": KID}),
                &json!({"sub": "u", "exp": NOW + 60}),
            ),
            ReasonKind::TokenInvalidAlgorithm,
        ),
        (
            "a crit header",
            sign(
                &json!({"alg": "RS256", "kid": KID, "crit": ["x"]}),
                &json!({"sub": "u", "exp": NOW + 60}),
            ),
            ReasonKind::TokenMalformed,
        ),
    ];
    for (name, token, reason) in cases {
        let err = cache.verify(&token, &options()).await.unwrap_err();
        assert_eq!(err.reason(), reason, "{name}: {err}");
        // The reference's reason strings: token-invalid for the first two groups.
        if reason != ReasonKind::TokenInvalidAlgorithm {
            assert_eq!(err.reason().as_str(), "token-invalid", "{name}");
        }
    }
    assert_eq!(cache.fetch_count(), 0);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_token_without_kid_is_refused_even_by_a_one_key_jwks() {
    let mut server = Server::new_async().await;
    let mock = jwks_mock(&mut server, 1).await;
    let cache = cache(&server, &ManualClock::new());
    assert!(cache.verify(&token(), &options()).await.is_ok());

    let no_kid = sign(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 3600}),
    );
    let err = cache.verify(&no_kid, &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(err.reason().as_str(), "jwk-kid-mismatch");
    mock.assert_async().await;
}
