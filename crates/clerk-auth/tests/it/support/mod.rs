//! Shared by the integration tests: token signing, RS256 over the committed fixture keys (see
//! `fixtures/README.md` for how they were made), and (feature `remote`) in-memory Backend API
//! fakes in [`backend`].
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

#[cfg(feature = "remote")]
pub(crate) mod backend;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::Value;

/// The 2048-bit fixture key pair.
pub(crate) const RSA2048_PRIVATE: &str = include_str!("../../fixtures/rsa2048.pk8.pem");
/// Its public half (SPKI PEM).
pub(crate) const RSA2048_SPKI: &str = include_str!("../../fixtures/rsa2048.spki.pem");

/// The DER bytes inside a PEM block.
pub(crate) fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// Unpadded base64url, as in JWTs.
pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT with `header` and `payload`, signed RS256 with the 2048-bit fixture key.
pub(crate) fn sign(header: &Value, payload: &Value) -> String {
    sign_with(RSA2048_PRIVATE, header, payload)
}

/// A JWT signed RS256 with the PKCS#8 PEM `private_key`.
pub(crate) fn sign_with(private_key: &str, header: &Value, payload: &Value) -> String {
    let key = RsaKeyPair::from_pkcs8(&pem_der(private_key)).unwrap();
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
