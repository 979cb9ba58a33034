//! The stage of session-token verification behind a valid signature, which libFuzzer cannot
//! reach through `verify_token` (it cannot forge RS256): decoding the payload into
//! `SessionClaims` or a custom type and checking `sub`, `aud`, `azp`, `iss`, `exp`, `nbf` and
//! `iat` — through `clerk_auth::__fuzz` (feature `fuzzing`, not part of the API) — and then the
//! authorization helpers on the claims (`Auth::has`: roles, permissions from the v2 `o.per` /
//! `o.fpm` bitmaps, features, plans, reverification).
//!
//! Input: the clock (8 bytes), a settings byte, a check field, then the payload JSON.

#![no_main]

use std::time::Duration;

use clerk_auth::clock::ManualClock;
use clerk_auth::{__fuzz, Auth, Check, Reverification, SessionClaims, VerifyOptions};
use clerk_fuzz::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let now = input.i64();
    let settings = input.byte();
    let check = input.text();
    let payload = input.rest();

    let mut options = VerifyOptions::new()
        .clock(ManualClock::at_unix(now))
        .leeway(Duration::from_secs(
            u64::from(settings >> 4) * 1_000_000_000,
        ));
    if settings & 1 != 0 {
        options = options.authorized_parties(["https://app.example.com"]);
    }
    if settings & 2 != 0 {
        options = options
            .audience(["aud_1"])
            .require_audience(settings & 4 != 0);
    }
    if settings & 8 != 0 {
        options = options.issuer("https://clerk.example.com");
    }

    let session = __fuzz::session_claims(payload, &options);
    let custom = __fuzz::custom_claims::<serde_json::Value>(payload, &options);
    // The typed and the custom decoding check the same registered claims the same way. Not
    // compared: payloads that are not UTF-8 (members the typed claims ignore are skipped
    // unchecked, while a `Value` holds every string) and payloads with a member name twice
    // (the typed claims keep the last `aud`, the custom path refuses the payload; see
    // `unique_member_names`), nor payloads a `Value` cannot hold (a number beyond f64's range,
    // `1e999999`, is valid JSON: the typed claims skip it in a member they ignore, a `Value`
    // cannot represent it — serde_json's limit, not a verification difference).
    let comparable = std::str::from_utf8(payload).is_ok()
        && unique_member_names(payload)
        && serde_json::from_slice::<serde_json::Value>(payload).is_ok();
    match (&session, &custom) {
        (Ok(_), Err(error)) if comparable => {
            panic!("typed claims verify but custom claims fail: {error}")
        }
        (Err(typed), Err(custom)) => {
            let _ = (typed.to_string(), typed.full_message(), custom.to_string());
        }
        _ => {}
    }
    let Ok(claims) = session else {
        return;
    };

    // What a verified token's claims are used for.
    let _ = (
        claims.org_id(),
        claims.org_slug(),
        claims.org_role(),
        claims.org_permissions(),
        claims.factor_verification_age(),
        claims.is_pending(),
        claims.actor(),
    );
    let auth = Auth::from_claims(claims.clone());
    let allowing_pending = Auth::from_claims_allowing_pending(claims.clone());
    for auth in [&auth, &allowing_pending] {
        let _ = auth.has(&Check::role(check.as_str()));
        let _ = auth.has(&Check::permission(check.as_str()));
        let _ = auth.has(&Check::feature(check.as_str()));
        let _ = auth.has(&Check::plan(check.as_str()));
        if let Some(preset) = Reverification::preset(&check) {
            let _ = auth.has(&Check::reverification(preset));
        }
    }

    // Claims serialize to JSON that decodes to the same claims. (The values of the other claims
    // are compared by name only: serde_json reads some large floats one unit in the last place
    // off, so a float among them need not survive a second reading bit for bit.)
    let json = serde_json::to_vec(&claims).expect("claims serialize");
    let mut again: SessionClaims = serde_json::from_slice(&json).expect("serialized claims decode");
    let mut claims = claims;
    assert!(again.extra.keys().eq(claims.extra.keys()));
    again.extra.clear();
    claims.extra.clear();
    // The same for the actor's members beyond `sub` and `type`.
    if let (Some(a), Some(b)) = (again.act.as_mut(), claims.act.as_mut()) {
        assert!(a.extra.keys().eq(b.extra.keys()));
        a.extra.clear();
        b.extra.clear();
    }
    assert_eq!(again, claims);
});

/// Whether the payload is a JSON object whose top-level member names are all different.
fn unique_member_names(payload: &[u8]) -> bool {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

    struct Names;

    impl<'de> Visitor<'de> for Names {
        type Value = bool;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut unique = true;
            while let Some((name, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                unique &= seen.insert(name);
            }
            Ok(unique)
        }
    }

    serde_json::Deserializer::from_slice(payload)
        .deserialize_map(Names)
        .unwrap_or(false)
}
