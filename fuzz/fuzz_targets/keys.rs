//! RSA public-key parsing: PEM (SPKI and PKCS#1, real or `\n`-escaped line breaks), bare base64,
//! DER, JWK and JWKS documents, and raw components.
//!
//! Input: one mode byte, then the text, DER or JSON. Every key that parses must be one RS256
//! verification supports, and must survive `to_jwk` → `from_jwk` unchanged.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clerk_auth::{Jwk, JwkSet, KeySet, KeySource as _, PublicKey};
use clerk_fuzz::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    match input.byte() % 6 {
        0 => {
            let der = input.rest();
            check(PublicKey::from_spki_der(der));
            check(PublicKey::from_pkcs1_der(der));
        }
        1 => {
            let text = input.rest_text();
            check(PublicKey::parse(&text));
            check(PublicKey::from_pem(&text));
        }
        2 => {
            // DER wrapped in a PEM block by the harness, so that mutations of the DER reach the
            // structure parser through the PEM path too.
            let label = match input.byte() % 4 {
                0 => "PUBLIC KEY",
                1 => "RSA PUBLIC KEY",
                2 => "PRIVATE KEY",
                _ => "CERTIFICATE",
            };
            let body = STANDARD.encode(input.rest());
            let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            check(PublicKey::from_pem(&pem));
            check(PublicKey::parse(&body));
        }
        3 => {
            let json = input.rest();
            if let Ok(jwks) = serde_json::from_slice::<JwkSet>(json) {
                if let Ok(set) = KeySet::from_jwk_set(&jwks) {
                    assert!(!set.is_empty());
                    for key in set.iter() {
                        check(Ok(key.clone()));
                        assert!(set.key_for(key.kid()).is_ok());
                    }
                }
                for jwk in &jwks.keys {
                    check(PublicKey::from_jwk(jwk));
                }
            }
            if let Ok(jwk) = serde_json::from_slice::<Jwk>(json) {
                check(PublicKey::from_jwk(&jwk));
            }
        }
        4 => {
            let split = usize::from(input.u16());
            let rest = input.rest();
            let (n, e) = rest.split_at(split.min(rest.len()));
            check(PublicKey::from_components(n, e));
        }
        _ => {
            // A PEM body with `\n` written as two characters, as in some `.env` files.
            let text = input.rest_text().replace('\n', "\\n");
            check(PublicKey::parse(&text));
        }
    }
});

fn check(result: Result<PublicKey, clerk_auth::KeyError>) {
    let key = match result {
        Ok(key) => key,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    assert!((2048..=8192).contains(&key.bits()), "{} bits", key.bits());
    let jwk = key.to_jwk();
    let again = PublicKey::from_jwk(&jwk).expect("a key's own JWK parses");
    assert_eq!(again, key);
    let _ = format!("{key:?}");
    assert!(key.key_for(key.kid()).is_ok());
}
