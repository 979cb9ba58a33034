//! Organization sync: matching the request path against `:id` / `:slug` / `(.*)` patterns and
//! the handshake that activates the organization the URL names, through `authenticate_request`
//! on a signed-in cookie request (the session verifier checks no signature).
//!
//! Input: a settings byte, organization patterns (one per line), personal-account patterns, the
//! active organization id and slug, then the path.

#![no_main]

use clerk_auth::clock::ManualClock;
use clerk_auth::request::{
    AuthReason, AuthStatus, AuthenticateOptions, EffectiveUrl, OrganizationSync, PublishableKey,
    authenticate_request,
};
use clerk_fuzz::{FakeVerifier, Input, NOW, block_on, encode_path, percent_decode_strict};
use http::{Request, Uri};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let settings = input.byte();
    let organization_patterns = input.text();
    let personal_patterns = input.text();
    let org_id = input.text();
    let org_slug = input.text();
    let path = input.rest_text();

    let sync = OrganizationSync::new()
        .organization_patterns(organization_patterns.lines())
        .personal_account_patterns(personal_patterns.lines());
    let key = PublishableKey::parse("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k").expect("key");
    let options = AuthenticateOptions::new(key)
        .organization_sync(sync)
        .clock(ManualClock::at_unix(NOW));

    // The session's active organization: version 2 (`o`) or version 1 claims.
    let claims = if settings & 1 == 0 {
        serde_json::json!({"sub": "user_1", "exp": NOW + 60, "v": 2,
            "o": {"id": org_id, "slg": org_slug, "rol": "admin"}})
    } else {
        serde_json::json!({"sub": "user_1", "exp": NOW + 60, "org_id": org_id, "org_slug": org_slug})
    };
    let verifier = FakeVerifier {
        seed: 0,
        claims: serde_json::from_value(claims).expect("claims"),
        handshake: Vec::new(),
    };
    let session = valid_session(&verifier);

    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let uri = Uri::try_from(format!("https://app.example.com{path}"))
        .or_else(|_| Uri::try_from(format!("https://app.example.com{}", encode_path(&path))));
    let Ok(uri) = uri else {
        return;
    };
    let mut request =
        Request::get(uri).header("cookie", format!("__session={session}; __client_uat=1"));
    if settings & 2 == 0 {
        request = request.header("sec-fetch-dest", "document");
    }
    let (parts, ()) = request.body(()).expect("request").into_parts();

    let state = block_on(authenticate_request(&parts, &options, &verifier));
    match (state.status(), state.reason()) {
        (AuthStatus::SignedIn, _) => {}
        (AuthStatus::Handshake, Some(AuthReason::ActiveOrganizationMismatch)) => {
            let location = state
                .redirect_location()
                .expect("a handshake has a location");
            let url = EffectiveUrl::parse(location).expect("the location is a URL");
            let target = url.query_param("organization_id").expect("organization_id");
            // What is activated is the personal account, or a segment of the path, as sent or
            // percent-decoded.
            let named = target.is_empty()
                || parts.uri.path().split('/').any(|segment| {
                    segment.eq(target)
                        || percent_decode_strict(segment.as_bytes()).as_deref()
                            == Some(target.as_bytes())
                });
            assert!(named, "{target:?} is not in {:?}", parts.uri.path());
        }
        (status, reason) => panic!("a signed-in request ended {status:?} {reason:?}"),
    }
});

/// A session token the fake verifier accepts (it decides by the token's bytes).
fn valid_session(verifier: &FakeVerifier) -> String {
    use clerk_auth::request::SessionTokenVerifier as _;
    (0..)
        .map(|i| {
            clerk_fuzz::unsigned_token(
                r#"{"alg":"RS256"}"#,
                &format!(r#"{{"sub":"user_1","n":{i}}}"#),
            )
        })
        .find(|token| block_on(verifier.verify(token)).is_ok())
        .expect("some token verifies")
}
