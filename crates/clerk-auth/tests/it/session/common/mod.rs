//! Fixture keys, token minting and default options shared by the session-token tests.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_auth::clock::ManualClock;
use clerk_auth::{PublicKey, VerifyOptions};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use serde_json::{Value, json};

pub(crate) const RSA2048_PRIVATE: &str = include_str!("../../../fixtures/rsa2048.pk8.pem");
pub(crate) const RSA2048_SPKI: &str = include_str!("../../../fixtures/rsa2048.spki.pem");
pub(crate) const RSA2048_PKCS1: &str = include_str!("../../../fixtures/rsa2048.pkcs1.pem");
pub(crate) const RSA2048_JWKS: &str = include_str!("../../../fixtures/rsa2048.jwks.json");
pub(crate) const RSA4096_PRIVATE: &str = include_str!("../../../fixtures/rsa4096.pk8.pem");
pub(crate) const RSA4096_SPKI: &str = include_str!("../../../fixtures/rsa4096.spki.pem");
pub(crate) const WRONG2048_PRIVATE: &str = include_str!("../../../fixtures/wrong2048.pk8.pem");
pub(crate) const RSA1024_SPKI: &str = include_str!("../../../fixtures/rsa1024.spki.pem");
pub(crate) const EC_P256_SPKI: &str = include_str!("../../../fixtures/ec-p256.spki.pem");

/// The fixed "now" of the tests: 2023-11-14T22:13:20Z.
pub(crate) const NOW: i64 = 1_700_000_000;
pub(crate) const KID: &str = "ins_test_2048";
pub(crate) const AZP: &str = "https://app.example.com";
pub(crate) const ISS: &str = "https://clerk.example.com";

/// The DER body of a PEM file.
pub(crate) fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).expect("fixture PEM is base64")
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs tokens with a fixture private key.
pub(crate) struct Signer {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl Signer {
    pub(crate) fn new(private_pem: &str) -> Signer {
        Signer {
            key: RsaKeyPair::from_pkcs8(&pem_der(private_pem)).expect("fixture key"),
            rng: SystemRandom::new(),
        }
    }

    pub(crate) fn rsa2048() -> Signer {
        Signer::new(RSA2048_PRIVATE)
    }

    /// Signs `<header_b64>.<payload_b64>` with RS256 and appends the signature.
    pub(crate) fn sign_segments(&self, header_b64: &str, payload_b64: &str) -> String {
        self.sign_segments_with(&signature::RSA_PKCS1_SHA256, header_b64, payload_b64)
    }

    pub(crate) fn sign_segments_with(
        &self,
        padding: &'static dyn signature::RsaEncoding,
        header_b64: &str,
        payload_b64: &str,
    ) -> String {
        let input = format!("{header_b64}.{payload_b64}");
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(padding, &self.rng, input.as_bytes(), &mut sig)
            .expect("signing");
        format!("{input}.{}", b64(&sig))
    }

    /// A token with this header and payload JSON.
    pub(crate) fn sign(&self, header: &Value, payload: &Value) -> String {
        self.sign_segments(
            &b64(header.to_string().as_bytes()),
            &b64(payload.to_string().as_bytes()),
        )
    }

    /// A token with the default header and this payload.
    pub(crate) fn token(&self, payload: &Value) -> String {
        self.sign(&header(), payload)
    }
}

/// The header Clerk puts on session tokens.
pub(crate) fn header() -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": KID, "cat": "cl_B7d4PD111AAA"})
}

/// Realistic v2 session claims, valid at [`NOW`].
pub(crate) fn claims() -> Value {
    json!({
        "azp": AZP,
        "exp": NOW + 60,
        "fva": [3, -1],
        "iat": NOW - 10,
        "iss": ISS,
        "jti": "8c8e2d4a5b6f7a8b9c0d",
        "nbf": NOW - 15,
        "sid": "sess_2abcDEFghiJKLmnoPQRstu",
        "sts": "active",
        "sub": "user_2abcDEFghiJKLmnoPQRstu",
        "v": 2,
    })
}

/// `claims()` with some members added or replaced (see `claims_without` to remove some).
pub(crate) fn claims_with(changes: Value) -> Value {
    let mut claims = claims();
    let (Some(target), Value::Object(changes)) = (claims.as_object_mut(), changes) else {
        unreachable!("objects")
    };
    for (key, value) in changes {
        target.insert(key, value);
    }
    claims
}

/// `claims()` without some members.
pub(crate) fn claims_without(keys: &[&str]) -> Value {
    let mut claims = claims();
    for key in keys {
        claims.as_object_mut().expect("object").remove(*key);
    }
    claims
}

pub(crate) fn public_key() -> PublicKey {
    PublicKey::from_pem(RSA2048_SPKI).expect("fixture public key")
}

/// Default options with the clock stopped at [`NOW`].
pub(crate) fn options() -> VerifyOptions {
    options_at(NOW)
}

pub(crate) fn options_at(now: i64) -> VerifyOptions {
    VerifyOptions::new().clock(ManualClock::at_unix(now))
}
