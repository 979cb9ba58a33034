//! Networkless session-token verification against its floor: one raw `ring` RSA-2048
//! PKCS#1 v1.5 SHA-256 verification of the same signing input.
//!
//! `cargo bench -p clerk-auth --bench verify`
//!
//! The token is a realistic Clerk v2 session token (organization, features, plans, factor ages),
//! signed here with the committed 2048-bit test key. Rounds of each contender alternate in one
//! process, so a busy machine slows all of them alike; printed are the median ns/op of each and
//! the median of its per-round ratios to the baseline (robust to load changing between rounds).
//! Set `VERIFY_BENCH_ROUNDS` (default 41) and `VERIFY_BENCH_ITERS` (default 500 per round) to
//! change the sample.
//!
//! - `ring (UnparsedPublicKey)`: `signature::UnparsedPublicKey::verify` with the PKCS#1 key DER,
//!   the signing input and the already-decoded signature. This is the baseline.
//! - `ring (RsaPublicKeyComponents)`: the same check from the prepared modulus and exponent, as
//!   the verifier holds them.
//! - `Verifier::verify`: the whole thing from the token string — split, base64url, header checks,
//!   key lookup, signature, claims decoding into `SessionClaims`, `azp`/`iss`/time checks (one
//!   authorized party and an issuer); then the same without `azp`/`iss` checks, and with two
//!   authorized parties (the second one matching).
//! - `Verifier::verify_as::<Value>`: the same, decoding into a custom type (two JSON passes).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk_auth::clock::ManualClock;
use clerk_auth::{PublicKey, Verifier, VerifyOptions};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, RsaPublicKeyComponents, UnparsedPublicKey};

const PRIVATE_KEY: &str = include_str!("../tests/fixtures/rsa2048.pk8.pem");
const PUBLIC_KEY: &str = include_str!("../tests/fixtures/rsa2048.spki.pem");
const PUBLIC_KEY_PKCS1: &str = include_str!("../tests/fixtures/rsa2048.pkcs1.pem");
const NOW: i64 = 1_700_000_000;
const KID: &str = "ins_2abcDEFghiJKLmnoPQRstuVWXyz";

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("fixture PEM")
}

fn token() -> String {
    let header = format!(r#"{{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"{KID}","typ":"JWT"}}"#);
    let payload = serde_json::json!({
        "azp": "https://app.example.com",
        "exp": NOW + 60,
        "fea": "o:dashboard,o:billing,o:reports,u:profile,ou:shared",
        "fva": [3, -1],
        "iat": NOW - 1,
        "iss": "https://clerk.example.com",
        "jti": "b5a6e0c4d2f1a3b7c9e8",
        "nbf": NOW - 11,
        "o": {"fpm": "7,3,1,5", "id": "org_2abcDEFghiJKLmnoPQRstuVWXyz", "per": "read,manage,delete",
              "rol": "admin", "slg": "acme"},
        "pla": "o:pro,u:free",
        "sid": "sess_2abcDEFghiJKLmnoPQRstuVWXyz",
        "sts": "active",
        "sub": "user_2abcDEFghiJKLmnoPQRstuVWXyz",
        "v": 2
    })
    .to_string();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let key = RsaKeyPair::from_pkcs8(&pem_der(PRIVATE_KEY)).expect("fixture key");
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

/// Runs `f` `iters` times and returns the mean ns/op.
fn round(iters: u32, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let env = |name: &str, default: u32| -> u32 {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = env("VERIFY_BENCH_ROUNDS", 41).max(1);
    let iters = env("VERIFY_BENCH_ITERS", 500).max(1);

    let token = token();
    let (signing_input, sig_b64) = token.rsplit_once('.').expect("three parts");
    let sig = URL_SAFE_NO_PAD.decode(sig_b64).expect("signature");
    let pkcs1 = pem_der(PUBLIC_KEY_PKCS1);
    let unparsed = UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, pkcs1.as_slice());
    let jwk = PublicKey::from_pem(PUBLIC_KEY)
        .expect("public key")
        .to_jwk();
    let components = RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD
            .decode(jwk.n.as_deref().expect("n"))
            .expect("n"),
        e: URL_SAFE_NO_PAD
            .decode(jwk.e.as_deref().expect("e"))
            .expect("e"),
    };
    let verifier = Verifier::with_options(
        PublicKey::from_pem(PUBLIC_KEY)
            .expect("public key")
            .with_kid(KID),
        VerifyOptions::new()
            .authorized_parties(["https://app.example.com"])
            .issuer("https://clerk.example.com")
            .clock(ManualClock::at_unix(NOW)),
    );

    let verifier_plain = Verifier::with_options(
        PublicKey::from_pem(PUBLIC_KEY)
            .expect("public key")
            .with_kid(KID),
        VerifyOptions::new().clock(ManualClock::at_unix(NOW)),
    );
    let verifier_two = Verifier::with_options(
        PublicKey::from_pem(PUBLIC_KEY)
            .expect("public key")
            .with_kid(KID),
        VerifyOptions::new()
            .authorized_parties(["https://admin.example.com", "https://app.example.com"])
            .clock(ManualClock::at_unix(NOW)),
    );

    // Sanity: everything accepts the token.
    verifier_plain.verify(&token).expect("plain");
    verifier_two.verify(&token).expect("two parties");
    unparsed
        .verify(signing_input.as_bytes(), &sig)
        .expect("ring");
    components
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &sig,
        )
        .expect("ring components");
    let claims = verifier.verify(&token).expect("verifier");
    assert_eq!(claims.org_permissions().map(|p| p.len()), Some(8));
    verifier
        .verify_as::<serde_json::Value>(&token)
        .expect("verify_as");

    let mut baseline = Vec::new();
    let mut prepared = Vec::new();
    let mut ours = Vec::new();
    let mut ours_custom = Vec::new();
    let mut ours_plain = Vec::new();
    let mut ours_two = Vec::new();
    // Warm-up.
    let _ = round(iters / 4, || {
        black_box(verifier.verify(black_box(&token)).is_ok());
    });
    for _ in 0..rounds {
        baseline.push(round(iters, || {
            black_box(
                unparsed
                    .verify(black_box(signing_input.as_bytes()), black_box(&sig))
                    .is_ok(),
            );
        }));
        prepared.push(round(iters, || {
            black_box(
                components
                    .verify(
                        &signature::RSA_PKCS1_2048_8192_SHA256,
                        black_box(signing_input.as_bytes()),
                        black_box(&sig),
                    )
                    .is_ok(),
            );
        }));
        ours.push(round(iters, || {
            black_box(verifier.verify(black_box(&token)).is_ok());
        }));
        ours_plain.push(round(iters, || {
            black_box(verifier_plain.verify(black_box(&token)).is_ok());
        }));
        ours_two.push(round(iters, || {
            black_box(verifier_two.verify(black_box(&token)).is_ok());
        }));
        ours_custom.push(round(iters, || {
            black_box(
                verifier
                    .verify_as::<serde_json::Value>(black_box(&token))
                    .is_ok(),
            );
        }));
    }

    let ratios = |samples: &[f64]| -> f64 {
        median(samples.iter().zip(&baseline).map(|(s, b)| s / b).collect())
    };
    let rows = [
        ("ring (UnparsedPublicKey) [baseline]", &baseline),
        ("ring (RsaPublicKeyComponents)", &prepared),
        ("Verifier::verify -> SessionClaims", &ours),
        ("  without azp/iss checks", &ours_plain),
        ("  with two authorized parties", &ours_two),
        ("Verifier::verify_as::<Value>", &ours_custom),
    ];
    println!(
        "session token: {} bytes, RSA-2048, {rounds} rounds x {iters} iterations",
        token.len()
    );
    println!("{:<38} {:>12}  {:>11}", "", "median ns/op", "ratio");
    for (name, samples) in rows {
        let ns = median(samples.clone());
        println!(
            "{name:<38} {:>12.0}  {:>10.3}x  ({:.1} µs)",
            ns,
            ratios(samples),
            Duration::from_nanos(ns as u64).as_secs_f64() * 1e6
        );
    }
}
