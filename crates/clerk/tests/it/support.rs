//! Keys, tokens and clients shared by the tests.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk::{Clerk, ClerkBuilder, ManualClock, RetryPolicy};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

/// The throwaway test key pair of clerk-auth's fixtures.
pub(crate) const PRIVATE_KEY: &str =
    include_str!("../../../clerk-auth/tests/fixtures/rsa2048.pk8.pem");
pub(crate) const PUBLIC_KEY: &str =
    include_str!("../../../clerk-auth/tests/fixtures/rsa2048.spki.pem");
pub(crate) const KID: &str = "ins_test_2048";
pub(crate) const SECRET: &str = "sk_test_facade_tests";
/// `pk_test_` + base64(`clerk.example.com$`).
pub(crate) const PUBLISHABLE: &str = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k";
pub(crate) const NOW: i64 = 1_700_000_000;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT with `header` and `payload`, signed RS256 with the fixture key.
pub(crate) fn sign(header: &Value, payload: &Value) -> String {
    let body: String = PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap();
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{input}.{}", b64(&signature))
}

/// A session token valid at [`NOW`].
pub(crate) fn session_token(extra: Value) -> String {
    let mut payload = json!({
        "sub": "user_1", "sid": "sess_1", "azp": "https://app.example.com",
        "iss": "https://clerk.example.com", "exp": NOW + 60, "iat": NOW - 5, "nbf": NOW - 10, "v": 2
    });
    for (k, v) in extra.as_object().unwrap() {
        payload[k] = v.clone();
    }
    sign(&json!({"alg": "RS256", "typ": "JWT", "kid": KID}), &payload)
}

/// The fixture key as the instance's JWKS.
pub(crate) fn jwks() -> String {
    let key = clerk::auth::PublicKey::from_pem(PUBLIC_KEY)
        .unwrap()
        .with_kid(KID);
    serde_json::to_string(&clerk::auth::JwkSet::new(vec![key.to_jwk()])).unwrap()
}

/// A builder against `url` with no retries and the clock at [`NOW`].
pub(crate) fn builder(url: &str, clock: &ManualClock) -> ClerkBuilder {
    Clerk::builder()
        .secret_key(SECRET)
        .api_url(url)
        .retry_policy(RetryPolicy::disabled())
        .clock(clock.clone())
}

pub(crate) fn clock() -> ManualClock {
    ManualClock::at_unix(NOW)
}
