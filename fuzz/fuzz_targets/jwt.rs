//! Session-token verification end to end with a static key: the token's shape, its three
//! base64url segments, the JOSE header checks, the key lookup by `kid`, the RS256 signature and
//! (for the signed seed tokens) the claims; plus `decode_header`, token-type detection, machine
//! JWTs and handshake tokens, which share the parser.
//!
//! Input: a mode byte, then either the token as text, or header JSON `\0` payload JSON `\0`
//! signature bytes, which the harness base64url-encodes (so that mutations land in the JSON
//! rather than in its encoding).

#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use clerk_auth::clock::ManualClock;
use clerk_auth::jwt::decode_header;
use clerk_auth::machine::{detect, verify_machine_jwt};
use clerk_auth::request::verify_handshake_token;
use clerk_auth::{Auth, JwkSet, KeySet, PublicKey, VerifyOptions, verify_token, verify_token_as};
use clerk_fuzz::{Input, NOW, RSA2048_JWKS, RSA2048_SPKI_PEM, b64url};
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<PublicKey> =
    LazyLock::new(|| PublicKey::from_pem(RSA2048_SPKI_PEM).expect("fixture key"));
static KEY_WITH_KID: LazyLock<PublicKey> = LazyLock::new(|| KEY.clone().with_kid("ins_test_2048"));
static KEY_SET: LazyLock<KeySet> = LazyLock::new(|| {
    let jwks: JwkSet = serde_json::from_str(RSA2048_JWKS).expect("fixture JWKS");
    KeySet::from_jwk_set(&jwks).expect("fixture key set")
});

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let settings = input.byte();
    let token = if mode & 1 == 0 {
        input.rest_text()
    } else {
        let header = input.field();
        let payload = input.field();
        let signature = input.rest();
        format!(
            "{}.{}.{}",
            b64url(header),
            b64url(payload),
            b64url(signature)
        )
    };
    let options = options(settings);

    // Everything that needs no key, each time; then one of the verifications, which may reach
    // the RSA signature check (the slow part).
    let _ = decode_header(&token);
    let _ = detect(&token);
    match (mode >> 1) % 6 {
        0 => {
            let result = verify_token(&token, &*KEY, &options);
            if let Err(error) = &result {
                let _ = (
                    error.to_string(),
                    error.full_message(),
                    error.reason().as_str(),
                );
            }
            let auth = Auth::from_verification(result);
            let _ = (auth.user_id(), auth.org_permissions(), auth.is_signed_in());
        }
        1 => {
            let _ = verify_token(&token, &*KEY_WITH_KID, &options);
        }
        2 => {
            let _ = verify_token(&token, &*KEY_SET, &options);
        }
        3 => {
            let _ = verify_token_as::<serde_json::Value, _>(&token, &*KEY, &options);
        }
        4 => {
            if let Err(error) = verify_machine_jwt(&token, &*KEY, &options) {
                let _ = (error.to_string(), error.code(), error.token_type());
            }
        }
        _ => {
            if let Err(error) = verify_handshake_token(&token, &*KEY_SET) {
                let _ = error.to_string();
            }
        }
    }
});

fn options(settings: u8) -> VerifyOptions {
    let mut options = VerifyOptions::new().clock(ManualClock::at_unix(NOW));
    if settings & 1 != 0 {
        options = options.authorized_parties(["https://app.example.com", "http://localhost:3000"]);
    }
    if settings & 2 != 0 {
        options = options.audience(["aud_1", "aud_2"]);
    }
    if settings & 4 != 0 {
        options = options.require_audience(true);
    }
    if settings & 8 != 0 {
        options = options.issuer("https://clerk.example.com");
    }
    if settings & 16 != 0 {
        options = options.header_types(["JWT", "at+jwt"]);
    }
    if settings & 32 != 0 {
        options = options.max_token_len(usize::from(settings));
    }
    if settings & 64 != 0 {
        options = options.leeway(Duration::from_secs(u64::MAX));
    }
    options
}
