//! The instance's signing key and JWT minting.
//!
//! The emulator signs with a fixed 2048-bit RSA key pair committed in `keys/` (ring cannot generate
//! RSA keys). It is a **public test key**: anyone can mint tokens it verifies, so never configure
//! it (or a verifier that trusts it) in production. A different key can be supplied with
//! [`TestkitBuilder::signing_key_pem`](crate::TestkitBuilder::signing_key_pem).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use serde::Serialize;

/// The emulator's built-in private key (PKCS#8 PEM). Public test material: never use in
/// production.
pub(crate) const DEFAULT_PRIVATE_KEY_PEM: &str = include_str!("../keys/emulator-private-key.pem");

/// Token category of session tokens (JOSE header `cat`).
pub(crate) const CAT_SESSION: &str = "cl_B7d4PD111AAA";
/// Token category of JWT-template tokens.
pub(crate) const CAT_TEMPLATE: &str = "cl_B7d4PD222AAA";
/// Token category of M2M tokens.
pub(crate) const CAT_M2M: &str = "cl_B7d4PD333AAA";

/// Why a signing key was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyProblem(pub(crate) String);

/// An RS256 signing key with its public half in every form the emulator serves.
#[derive(Clone)]
pub(crate) struct SigningKey {
    inner: Arc<Inner>,
}

struct Inner {
    pair: RsaKeyPair,
    rng: SystemRandom,
    kid: String,
    public_pem: String,
    public_key: clerk_auth::PublicKey,
}

impl SigningKey {
    /// Parses a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub(crate) fn from_pkcs8_pem(pem: &str, kid: &str) -> Result<SigningKey, KeyProblem> {
        let der = pem_body(pem, "PRIVATE KEY").ok_or_else(|| {
            KeyProblem("expected a PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----)".to_owned())
        })?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| KeyProblem(format!("not a usable RSA private key: {e}")))?;
        let public_der = pair.public_key().as_ref().to_vec();
        let public_key = clerk_auth::PublicKey::from_pkcs1_der(&public_der)
            .map_err(|e| KeyProblem(format!("unusable public key: {e}")))?
            .with_kid(kid);
        let public_pem = spki_pem_from_pkcs1(&public_der);
        Ok(SigningKey {
            inner: Arc::new(Inner {
                pair,
                rng: SystemRandom::new(),
                kid: kid.to_owned(),
                public_pem,
                public_key,
            }),
        })
    }

    /// The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), what `CLERK_JWT_KEY` holds.
    pub(crate) fn public_pem(&self) -> &str {
        &self.inner.public_pem
    }

    /// The public key, with `kid` set.
    pub(crate) fn public_key(&self) -> &clerk_auth::PublicKey {
        &self.inner.public_key
    }

    /// The JWKS served at `GET /v1/jwks`.
    pub(crate) fn jwks(&self) -> clerk_auth::JwkSet {
        clerk_auth::JwkSet::new(vec![self.inner.public_key.to_jwk()])
    }

    /// Signs `claims` as a compact RS256 JWT with `kid`, `typ: JWT` and the given category.
    pub(crate) fn sign<C: Serialize>(&self, claims: &C, cat: &str) -> Result<String, String> {
        let header = Header {
            alg: "RS256",
            kid: Some(&self.inner.kid),
            typ: "JWT",
            cat: Some(cat),
        };
        let signing_input = signing_input(&header, claims)?;
        let mut signature = vec![0u8; self.inner.pair.public().modulus_len()];
        self.inner
            .pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.inner.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "RSA signing failed".to_owned())?;
        Ok(finish(signing_input, &signature))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.inner.kid)
            .field("alg", &"RS256")
            .finish_non_exhaustive()
    }
}

/// Signs `claims` with HMAC-SHA256 (`HS256`), for JWT templates with a custom symmetric key.
pub(crate) fn sign_hs256<C: Serialize>(claims: &C, key: &[u8]) -> Result<String, String> {
    let header = Header {
        alg: "HS256",
        kid: None,
        typ: "JWT",
        cat: None,
    };
    let signing_input = signing_input(&header, claims)?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let tag = ring::hmac::sign(&key, signing_input.as_bytes());
    Ok(finish(signing_input, tag.as_ref()))
}

/// Signs `claims` with RS256 under a custom PKCS#8 PEM key (JWT templates with a custom key).
pub(crate) fn sign_rs256_custom<C: Serialize>(claims: &C, pem: &str) -> Result<String, String> {
    let key = SigningKey::from_pkcs8_pem(pem, "").map_err(|e| e.0)?;
    let header = Header {
        alg: "RS256",
        kid: None,
        typ: "JWT",
        cat: None,
    };
    let signing_input = signing_input(&header, claims)?;
    let mut signature = vec![0u8; key.inner.pair.public().modulus_len()];
    key.inner
        .pair
        .sign(
            &RSA_PKCS1_SHA256,
            &key.inner.rng,
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| "RSA signing failed".to_owned())?;
    Ok(finish(signing_input, &signature))
}

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    typ: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'a str>,
}

fn signing_input<C: Serialize>(header: &Header<'_>, claims: &C) -> Result<String, String> {
    let header = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let claims = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 8);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut out);
    Ok(out)
}

fn finish(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut signing_input);
    signing_input
}

/// The DER body of the first PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

/// Wraps a PKCS#1 `RSAPublicKey` in a SubjectPublicKeyInfo and PEM-encodes it.
fn spki_pem_from_pkcs1(pkcs1: &[u8]) -> String {
    // AlgorithmIdentifier { rsaEncryption, NULL }
    const RSA_ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = Vec::with_capacity(pkcs1.len() + 1);
    bit_string.push(0); // no unused bits
    bit_string.extend_from_slice(pkcs1);
    let mut content = RSA_ALGORITHM.to_vec();
    der_push(&mut content, 0x03, &bit_string);
    let mut spki = Vec::with_capacity(content.len() + 4);
    der_push(&mut spki, 0x30, &content);

    let b64 = STANDARD.encode(&spki);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

fn der_push(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn derived_public_pem_matches_the_committed_one() {
        let key = SigningKey::from_pkcs8_pem(DEFAULT_PRIVATE_KEY_PEM, "ins_test").unwrap();
        let committed = include_str!("../keys/emulator-public-key.pem");
        assert_eq!(key.public_pem().trim(), committed.trim());
        let parsed = clerk_auth::PublicKey::from_pem(key.public_pem()).unwrap();
        assert_eq!(parsed.bits(), 2048);
    }

    #[test]
    fn signed_tokens_verify_with_clerk_auth() {
        let key = SigningKey::from_pkcs8_pem(DEFAULT_PRIVATE_KEY_PEM, "ins_test").unwrap();
        let token = key
            .sign(
                &serde_json::json!({"sub": "user_1", "exp": 4_000_000_000i64}),
                CAT_SESSION,
            )
            .unwrap();
        let verifier = clerk_auth::Verifier::new(key.public_key().clone());
        assert_eq!(verifier.verify(&token).unwrap().sub, "user_1");
    }

    #[test]
    fn pem_without_a_private_key_is_refused() {
        assert!(SigningKey::from_pkcs8_pem("nope", "k").is_err());
        let public = include_str!("../keys/emulator-public-key.pem");
        assert!(SigningKey::from_pkcs8_pem(public, "k").is_err());
    }
}
