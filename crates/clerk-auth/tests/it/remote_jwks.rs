//! `remote::JwksCache` over an in-memory `JwksFetcher`: fetching, TTL, single flight,
//! unknown-kid rate limiting, stale-on-error, per-instance isolation and error mapping. (What the
//! `clerk` crate's fetcher sends on the wire is tested there.)
#![cfg(feature = "remote")]

use crate::support::backend::{
    FakeJwks, api_error, bare_status, decode_error, jwk_set, network_error,
};
use crate::support::{sign, sign_with};

use std::sync::Arc;
use std::time::Duration;

use clerk_auth::clock::ManualClock;
use clerk_auth::remote::{AsyncKeySource, JwksCache, StaticKeys, verify_token_with};
use clerk_auth::{JwkSet, PublicKey, ReasonKind, SessionClaims, VerifyOptions};
use serde_json::{Value, json};

const RSA2048_SPKI: &str = include_str!("../fixtures/rsa2048.spki.pem");
const WRONG2048_SPKI: &str = include_str!("../fixtures/wrong2048.spki.pem");
const WRONG2048_PRIVATE: &str = include_str!("../fixtures/wrong2048.pk8.pem");
const NOW: i64 = 1_700_000_000;
const KID: &str = "ins_test_2048";

fn payload() -> Value {
    json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 3600, "iat": NOW - 10})
}

fn token_with_kid(kid: &str) -> String {
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
        &payload(),
    )
}

fn token() -> String {
    token_with_kid(KID)
}

fn jwks() -> JwkSet {
    jwk_set(RSA2048_SPKI, KID)
}

fn options() -> VerifyOptions {
    VerifyOptions::new().clock(ManualClock::at_unix(NOW))
}

/// A cache over `fetcher` whose lifetimes are measured with `clock`.
fn cache(fetcher: &FakeJwks, clock: &ManualClock) -> JwksCache {
    JwksCache::builder(fetcher.clone())
        .clock(clock.clone())
        .build()
}

#[tokio::test]
async fn fetches_the_jwks_and_verifies() {
    let fetcher = FakeJwks::serving(jwks());
    let cache = cache(&fetcher, &ManualClock::new());
    assert!(cache.cached_kids().is_empty(), "cold until the first use");
    assert_eq!(fetcher.calls(), 0, "building the cache fetches nothing");

    let claims = cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(claims.sub, "user_1");
    let custom: Value = cache.verify_as(&token(), &options()).await.unwrap();
    assert_eq!(custom["sid"], "sess_1");
    // The key snapshot can be read directly too, from the same fetch.
    let keys = cache.keys(Some(KID)).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys.get(KID).is_some());
    assert_eq!(cache.fetch_count(), 1);
    assert_eq!(fetcher.calls(), 1);
    assert_eq!(cache.cached_kids(), vec![KID.to_owned()]);
    let debug = format!("{cache:?}");
    assert!(debug.contains(FakeJwks::LOCATION), "{debug}");
    assert!(debug.contains("fetches: 1"), "{debug}");
}

#[tokio::test]
async fn the_ttl_is_fixed_and_expiry_causes_exactly_one_refetch() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);

    cache.verify(&token(), &options()).await.unwrap();
    // Using the keys does not extend their life.
    for _ in 0..5 {
        clock.advance(Duration::from_secs(59));
        cache.verify(&token(), &options()).await.unwrap();
    }
    assert_eq!(cache.fetch_count(), 1, "295 s: still fresh");
    clock.advance(Duration::from_secs(6));
    // Expired: the keys keep answering while one refresh runs in the background.
    for _ in 0..10 {
        cache.verify(&token(), &options()).await.unwrap();
    }
    cache.wait_for_refresh().await;
    for _ in 0..10 {
        cache.verify(&token(), &options()).await.unwrap();
    }
    assert_eq!(cache.fetch_count(), 2, "301 s: exactly one refetch");
    assert_eq!(fetcher.calls(), 2);
}

#[tokio::test]
async fn the_ttl_is_configurable() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = JwksCache::builder(fetcher.clone())
        .ttl(Duration::from_secs(30))
        .clock(clock.clone())
        .build();
    cache.verify(&token(), &options()).await.unwrap();
    clock.advance(Duration::from_secs(29));
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 1);
    clock.advance(Duration::from_secs(1));
    cache.verify(&token(), &options()).await.unwrap();
    cache.wait_for_refresh().await;
    assert_eq!(fetcher.calls(), 2, "30 s: expired");
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
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
    assert_eq!(fetcher.calls(), 3);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_by_the_unknown_kid_refetch() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
    cache.verify(&token(), &options()).await.unwrap();

    // The instance starts signing with a new key, published next to the old one.
    let rotated = sign_with(
        WRONG2048_PRIVATE,
        &json!({"alg": "RS256", "typ": "JWT", "kid": "ins_rotated"}),
        &payload(),
    );
    let mut both = jwks();
    both.keys
        .extend(jwk_set(WRONG2048_SPKI, "ins_rotated").keys);
    fetcher.answer(Ok(both));

    // Within the interval the cached keys are used as they are.
    let err = cache.verify(&rotated, &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(fetcher.calls(), 1);
    // After it, the unknown kid refetches and finds the new key; the old one still works.
    clock.advance(Duration::from_secs(61));
    let claims = cache.verify(&rotated, &options()).await.unwrap();
    assert_eq!(claims.sub, "user_1");
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 2);
    let mut kids = cache.cached_kids();
    kids.sort();
    assert_eq!(kids, ["ins_rotated", KID]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_verifications_on_a_cold_cache_fetch_once() {
    // The fetch takes a while, so the verifications really pile up behind it.
    let fetcher = FakeJwks::serving(jwks()).delay(Duration::from_millis(50));
    let cache = cache(&fetcher, &ManualClock::new());
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
    assert_eq!(fetcher.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifications_share_a_failed_fetch() {
    let fetcher = FakeJwks::failing(bare_status(503)).delay(Duration::from_millis(50));
    let cache = cache(&fetcher, &ManualClock::new());
    let token = Arc::new(token());

    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::with_capacity(100);
    for _ in 0..100 {
        let (cache, token, barrier) = (cache.clone(), token.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            cache.verify(&token, &options()).await
        }));
    }
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
        assert!(err.message().contains("code=503"), "{err}");
    }
    assert_eq!(
        fetcher.calls(),
        1,
        "the waiters took the failed fetch's result"
    );
}

#[tokio::test]
async fn stale_keys_are_served_within_the_grace_period_when_refetching_fails() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 1);

    fetcher.answer(Err(api_error(503, Some("unavailable"), "down")));
    clock.advance(Duration::from_secs(301));
    // Expired: the last good keys are served while the refetch runs, and fails.
    cache.verify(&token(), &options()).await.unwrap();
    cache.wait_for_refresh().await;
    assert_eq!(cache.fetch_count(), 2);
    // Within the failure back-off no new fetch is made.
    clock.advance(Duration::from_secs(5));
    cache.verify(&token(), &options()).await.unwrap();
    cache.wait_for_refresh().await;
    assert_eq!(cache.fetch_count(), 2);
    // After it, one more attempt, still served stale.
    clock.advance(Duration::from_secs(10));
    cache.verify(&token(), &options()).await.unwrap();
    cache.wait_for_refresh().await;
    assert_eq!(cache.fetch_count(), 3);

    // Past the grace period (1 h after expiry) the failure surfaces.
    clock.advance(Duration::from_secs(3600));
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains("code=503"), "{err}");
    assert!(err.message().contains(FakeJwks::LOCATION), "{err}");
    assert_eq!(fetcher.calls(), 4, "one good fetch, three failed ones");

    // Once the Backend API answers again (after the back-off), fresh keys are used.
    fetcher.answer(Ok(jwks()));
    clock.advance(Duration::from_secs(11));
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 5);
}

#[tokio::test]
async fn the_grace_period_and_back_off_are_configurable() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = JwksCache::builder(fetcher.clone())
        .stale_if_error(Duration::ZERO)
        .failure_backoff(Duration::from_secs(1))
        .clock(clock.clone())
        .build();
    cache.verify(&token(), &options()).await.unwrap();
    fetcher.answer(Err(network_error()));
    clock.advance(Duration::from_secs(300));
    // No grace: expired keys are not served when the refetch fails.
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert_eq!(fetcher.calls(), 2);
    clock.advance(Duration::from_secs(1));
    assert!(cache.verify(&token(), &options()).await.is_err());
    assert_eq!(fetcher.calls(), 3, "a one-second back-off");
}

#[tokio::test]
async fn no_keys_ever_loaded_is_jwks_failed_to_load() {
    let fetcher = FakeJwks::failing(bare_status(500));
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains("code=500"), "{err}");
    // Backing off: the same error, no second fetch.
    let again = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(again, err);
    assert_eq!(fetcher.calls(), 1);
    // After the back-off (10 s by default), the next verification tries again.
    fetcher.answer(Ok(jwks()));
    clock.advance(Duration::from_secs(9));
    assert!(cache.verify(&token(), &options()).await.is_err());
    assert_eq!(fetcher.calls(), 1);
    clock.advance(Duration::from_secs(1));
    cache.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 2);
}

#[tokio::test]
async fn an_unreachable_backend_is_jwks_failed_to_load() {
    let fetcher = FakeJwks::failing(network_error());
    let cache = cache(&fetcher, &ManualClock::new());
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains(FakeJwks::LOCATION), "{err}");
    assert!(err.message().contains("connection refused"), "{err}");
}

#[tokio::test]
async fn an_empty_or_unusable_jwks_is_jwks_failed_to_load() {
    let unusable: JwkSet =
        serde_json::from_str(r#"{"keys":[{"kty":"EC","kid":"x","crv":"P-256"}]}"#).unwrap();
    for (name, jwks) in [("empty", JwkSet::default()), ("an EC key", unusable)] {
        let fetcher = FakeJwks::serving(jwks);
        let cache = cache(&fetcher, &ManualClock::new());
        let err = cache.verify(&token(), &options()).await.unwrap_err();
        assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad, "{name}");
        assert!(
            err.message().contains("did not contain any signing keys"),
            "{name}: {err}"
        );
        assert!(cache.cached_kids().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn an_undecodable_jwks_is_jwk_remote_invalid() {
    let fetcher = FakeJwks::failing(decode_error());
    let cache = cache(&fetcher, &ManualClock::new());
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkRemoteInvalid);
    assert_eq!(err.reason().as_str(), "jwk-remote-invalid");
    assert!(err.message().contains(FakeJwks::LOCATION), "{err}");
    assert!(err.message().contains("is not a JSON Web Key Set"), "{err}");
}

#[tokio::test]
async fn a_rejected_secret_key_is_secret_key_invalid() {
    for status in [401, 403] {
        let fetcher = FakeJwks::failing(api_error(
            status,
            Some("clerk_key_invalid"),
            "The provided Clerk Secret Key is invalid.",
        ));
        let cache = cache(&fetcher, &ManualClock::new());
        let err = cache.verify(&token(), &options()).await.unwrap_err();
        assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid, "{status}");
        assert!(err.message().contains("Secret Key is invalid"), "{err}");
        assert!(err.message().contains(FakeJwks::LOCATION), "{err}");
        assert!(err.message().contains(&format!("status {status}")), "{err}");
    }
    // A bare 401 (no Clerk error in the body) is a rejected key too.
    let fetcher = FakeJwks::failing(bare_status(401));
    let err = cache(&fetcher, &ManualClock::new())
        .verify(&token(), &options())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
    assert!(
        err.message().contains("The secret key was rejected"),
        "{err}"
    );
    // So is the `clerk_key_invalid` code, whatever the status.
    let fetcher = FakeJwks::failing(api_error(400, Some("clerk_key_invalid"), "Bad key"));
    let err = cache(&fetcher, &ManualClock::new())
        .verify(&token(), &options())
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
    assert!(err.message().starts_with("Bad key"), "{err}");
}

#[tokio::test]
async fn a_rejected_secret_key_is_not_hidden_by_stale_keys() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
    cache.verify(&token(), &options()).await.unwrap();
    fetcher.answer(Err(bare_status(401)));
    clock.advance(Duration::from_secs(301));
    // The first verification after expiry is answered from the cache while the refresh runs;
    // once the refresh has found the secret key rejected, stale keys are no longer served.
    cache.verify(&token(), &options()).await.unwrap();
    cache.wait_for_refresh().await;
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
    // Nor during the back-off that follows.
    clock.advance(Duration::from_secs(1));
    let err = cache.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
    assert_eq!(fetcher.calls(), 2);
}

#[tokio::test]
async fn caches_for_two_instances_never_share_keys() {
    // Both instances use the same kid; instance B's key is a different key.
    let a = FakeJwks::serving(jwks());
    let b = FakeJwks::serving(jwk_set(WRONG2048_SPKI, KID));
    let cache_a = JwksCache::new(a.clone());
    let cache_b = JwksCache::new(b.clone());

    cache_a.verify(&token(), &options()).await.unwrap();
    let err = cache_b.verify(&token(), &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenInvalidSignature);
    // And again, from the warm caches.
    cache_a.verify(&token(), &options()).await.unwrap();
    assert!(cache_b.verify(&token(), &options()).await.is_err());
    assert_eq!((a.calls(), b.calls()), (1, 1));
}

#[tokio::test]
async fn clones_of_a_cache_share_it() {
    let fetcher = FakeJwks::serving(jwks());
    let cache = cache(&fetcher, &ManualClock::new());
    let clone = cache.clone();
    cache.verify(&token(), &options()).await.unwrap();
    clone.verify(&token(), &options()).await.unwrap();
    assert_eq!(fetcher.calls(), 1);
    assert_eq!(clone.fetch_count(), 1);
}

#[tokio::test]
async fn garbage_tokens_never_reach_the_network() {
    let fetcher = FakeJwks::serving(jwks());
    let cache = cache(&fetcher, &ManualClock::new());
    for garbage in ["", "abc", "a.b", "a.b.c", "!!.??.**"] {
        let err = cache.verify(garbage, &options()).await.unwrap_err();
        assert_eq!(err.reason(), ReasonKind::TokenMalformed, "{garbage:?}");
    }
    assert_eq!(cache.fetch_count(), 0);
    assert_eq!(fetcher.calls(), 0);
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

/// A token with these raw (already encoded) segments.
fn raw(header: &str, payload: &str, signature: &str) -> String {
    format!("{header}.{payload}.{signature}")
}

#[tokio::test]
async fn tokens_that_cannot_verify_never_fetch_the_jwks() {
    let fetcher = FakeJwks::serving(jwks());
    let cache = cache(&fetcher, &ManualClock::new());

    let good = token();
    let mut parts = good.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    );
    let b64 = |json: &str| crate::support::b64(json.as_bytes());
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
    assert_eq!(fetcher.calls(), 0);
}

#[tokio::test]
async fn a_token_without_kid_is_refused_even_by_a_one_key_jwks() {
    let fetcher = FakeJwks::serving(jwks());
    let cache = cache(&fetcher, &ManualClock::new());
    assert!(cache.verify(&token(), &options()).await.is_ok());

    let no_kid = sign(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 3600}),
    );
    let err = cache.verify(&no_kid, &options()).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwkKidMismatch);
    assert_eq!(err.reason().as_str(), "jwk-kid-mismatch");
    assert_eq!(fetcher.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn expired_keys_answer_at_once_while_a_refresh_hangs() {
    let fetcher = FakeJwks::serving(jwks());
    let clock = ManualClock::new();
    let cache = cache(&fetcher, &clock);
    cache.verify(&token(), &options()).await.unwrap();

    // Clerk hangs for an hour from now on.
    let _ = fetcher.clone().delay(Duration::from_secs(3600));
    clock.advance(Duration::from_secs(301));
    let start = tokio::time::Instant::now();
    for _ in 0..100 {
        cache.verify(&token(), &options()).await.unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO, "no verification waited");
    assert_eq!(
        cache.fetch_count(),
        2,
        "one refresh in flight, not one per request"
    );

    // A kid the cached keys do not know waits for the fetch, as it must.
    let (rotated, options) = (token_with_kid("ins_rotated"), options());
    let unknown = cache.verify(&rotated, &options);
    let waited = tokio::time::timeout(Duration::from_secs(10), unknown).await;
    assert!(
        waited.is_err(),
        "an unknown kid waits for the hanging fetch"
    );
}
