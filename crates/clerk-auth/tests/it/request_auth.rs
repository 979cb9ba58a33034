//! Request authentication: publishable keys, request parsing, cookie suffixes, and every state of
//! `authenticate_request`, with tokens signed by the fixture key and a fixed clock.
#![cfg(feature = "request")]

use crate::support::{b64, sign};

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clerk_auth::clock::ManualClock;
use clerk_auth::machine::{AcceptsToken, MachineErrorCode, MachineTokenError};
use clerk_auth::request::{
    AuthReason, AuthStatus, AuthenticateOptions, BoxFuture, Cookies, EffectiveUrl,
    MachineTokenVerifier, PublishableKey, PublishableKeyError, RefreshError, RefreshRequest,
    RequestState, SessionRefresher, bearer_token, cookie_suffix, uses_suffixed_cookies,
};
use clerk_auth::{Auth, MachineAuth, PublicKey, TokenType, Verifier, VerifyOptions};
use serde_json::{Value, json};

const PUBLIC: &str = include_str!("../fixtures/rsa2048.spki.pem");
const NOW: i64 = 1_700_000_000;
/// `pk_live_` + base64("clerk.example.com$").
const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
/// `pk_test_` + base64("foo-bar-13.clerk.accounts.dev$").
const PK_TEST: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk";
/// The suffixes, computed by hand with
/// `printf '%s' "$PK" | openssl dgst -sha1 -binary | base64 | tr '+/' '-_' | cut -c1-8`.
const SUFFIX_LIVE: &str = "naoXFJnI";
const SUFFIX_TEST: &str = "nx2hSE6I";
const ISS: &str = "https://clerk.example.com";

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
    panic!("future did not complete without I/O");
}

fn header() -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": "ins_test"})
}

/// A valid session token issued at `iat`, expiring a minute later.
fn session_at(iat: i64, extra: Value) -> String {
    let mut payload = json!({
        "sub": "user_1", "sid": "sess_1", "iss": ISS, "azp": "https://example.com",
        "iat": iat, "nbf": iat - 10, "exp": iat + 60,
    });
    if let (Value::Object(payload), Value::Object(extra)) = (&mut payload, extra) {
        payload.extend(extra);
    }
    sign(&header(), &payload)
}

fn session() -> String {
    session_at(NOW - 10, json!({}))
}

fn verifier() -> Verifier {
    Verifier::with_options(
        PublicKey::from_pem(PUBLIC).unwrap(),
        VerifyOptions::new().clock(ManualClock::at_unix(NOW)),
    )
}

fn live() -> AuthenticateOptions {
    AuthenticateOptions::new(PublishableKey::parse(PK_LIVE).unwrap())
        .clock(ManualClock::at_unix(NOW))
}

fn test_instance() -> AuthenticateOptions {
    AuthenticateOptions::new(PublishableKey::parse(PK_TEST).unwrap())
        .clock(ManualClock::at_unix(NOW))
}

/// A request builder with a host.
fn get(uri: &str) -> http::request::Builder {
    http::Request::get(uri).header("host", "example.com")
}

/// A browser navigation.
fn navigate(uri: &str) -> http::request::Builder {
    get(uri)
        .header("sec-fetch-dest", "document")
        .header("accept", "text/html")
}

fn run(builder: http::request::Builder, options: &AuthenticateOptions) -> RequestState {
    let (parts, ()) = builder.body(()).unwrap().into_parts();
    block_on(clerk_auth::request::authenticate_request(
        &parts,
        options,
        &verifier(),
    ))
}

fn reason(state: &RequestState) -> &str {
    state.reason().map(AuthReason::as_str).unwrap_or_default()
}

fn header_value<'s>(state: &'s RequestState, name: &str) -> Option<&'s str> {
    state.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The decoded query parameters of the `Location` header.
fn location_params(state: &RequestState) -> Vec<(String, String)> {
    let location = state.redirect_location().expect("a Location header");
    let (_, query) = location.split_once('?').unwrap_or((location, ""));
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (decode(k), decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Publishable keys

#[test]
fn publishable_keys_parse() {
    let live = PublishableKey::parse(PK_LIVE).unwrap();
    assert_eq!(live.frontend_api(), "clerk.example.com");
    assert!(!live.is_development());
    let test = PublishableKey::parse(PK_TEST).unwrap();
    assert_eq!(test.frontend_api(), "foo-bar-13.clerk.accounts.dev");
    assert!(test.is_development());
    // Padding is optional.
    let unpadded = format!("pk_test_{}", STANDARD.encode("a.b$").trim_end_matches('='));
    assert_eq!(
        PublishableKey::parse(&unpadded).unwrap().frontend_api(),
        "a.b"
    );
}

#[test]
fn publishable_key_errors() {
    assert_eq!(PublishableKey::parse(""), Err(PublishableKeyError::Missing));
    assert_eq!(
        PublishableKey::parse("sk_test_abc"),
        Err(PublishableKeyError::InvalidFormat)
    );
    assert_eq!(
        PublishableKey::parse("pk_test_a_b"),
        Err(PublishableKeyError::InvalidFormat)
    );
    assert_eq!(
        PublishableKey::parse("pk_test_!!!"),
        Err(PublishableKeyError::Undecodable)
    );
    let no_dollar = format!("pk_live_{}", STANDARD.encode("clerk.example.com"));
    assert_eq!(
        PublishableKey::parse(&no_dollar),
        Err(PublishableKeyError::InvalidDecodedFormat)
    );
    let no_dot = format!("pk_live_{}", STANDARD.encode("localhost$"));
    assert_eq!(
        PublishableKey::parse(&no_dot),
        Err(PublishableKeyError::InvalidDecodedFormat)
    );
    let two_dollars = format!("pk_live_{}", STANDARD.encode("a.b$$"));
    assert_eq!(
        PublishableKey::parse(&two_dollars),
        Err(PublishableKeyError::InvalidDecodedFormat)
    );
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn cookie_suffix_matches_a_hand_computed_value() {
    assert_eq!(cookie_suffix(PK_LIVE), SUFFIX_LIVE);
    assert_eq!(cookie_suffix(PK_TEST), SUFFIX_TEST);
    assert_eq!(
        PublishableKey::parse(PK_LIVE).unwrap().cookie_suffix(),
        SUFFIX_LIVE
    );
}

#[test]
fn bearer_tokens() {
    assert_eq!(bearer_token("Bearer a.b.c"), Some("a.b.c"));
    assert_eq!(bearer_token("bearer a.b.c"), Some("a.b.c"));
    assert_eq!(bearer_token("BEARER a.b.c"), Some("a.b.c"));
    assert_eq!(bearer_token("a.b.c"), Some("a.b.c"));
    assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
    assert_eq!(bearer_token("Token a.b.c"), None);
    assert_eq!(bearer_token("Bearer "), None);
    assert_eq!(bearer_token(""), None);
    // Documented deviations: extra spaces are trimmed (RFC 9110's 1*SP); trailing words stay in
    // the token, which then fails verification.
    assert_eq!(bearer_token("Bearer   a.b.c"), Some("a.b.c"));
    assert_eq!(bearer_token("Bearer a.b.c extra"), Some("a.b.c extra"));
}

#[test]
fn cookies_first_wins_and_percent_decoding() {
    let cookies = Cookies::parse(" a=1; b=x%20y ; a=2;\tc=%E0%A4%A; d=\"q\"; e=v=w; noequals");
    assert_eq!(cookies.get("a"), Some("1"));
    assert_eq!(cookies.get("b"), Some("x y"));
    // A malformed escape keeps the raw value.
    assert_eq!(cookies.get("c"), Some("%E0%A4%A"));
    assert_eq!(cookies.get("d"), Some("\"q\""));
    assert_eq!(cookies.get("e"), Some("v=w"));
    assert_eq!(cookies.get("noequals"), None);
}

/// Found by the `cookies` fuzz target: `%+b` decoded to the byte 0x0b, because the escape's two
/// characters went through `u8::from_str_radix`, which also accepts a sign. An escape is `%` and
/// two hex digits, nothing else; a value with any other `%` is kept raw.
#[test]
fn percent_escapes_take_two_hex_digits_and_no_sign() {
    let cookies = Cookies::parse("a=%+b2; b=x%-1; c=%2B%2b; d=%e9");
    assert_eq!(cookies.get("a"), Some("%+b2"));
    assert_eq!(cookies.get("b"), Some("x%-1"));
    assert_eq!(cookies.get("c"), Some("++"));
    assert_eq!(cookies.get("d"), Some("%e9"), "not UTF-8: kept raw");
    let url = EffectiveUrl::new("https", "a.io", "/", "q=%+41&r=%41");
    assert_eq!(
        url.query_param("q"),
        Some("% 41"),
        "form decoding keeps the raw text"
    );
    assert_eq!(url.query_param("r"), Some("A"));
}

#[test]
fn effective_url_follows_forwarded_headers() {
    let (parts, ()) = http::Request::get("/path?x=1")
        .header("host", "internal:8080")
        .header("x-forwarded-host", "app.example.com, proxy.local")
        .header("x-forwarded-proto", "https,http")
        .body(())
        .unwrap()
        .into_parts();
    let url = EffectiveUrl::from_parts(&parts);
    assert_eq!(url.to_string(), "https://app.example.com/path?x=1");
    assert_eq!(url.origin(), "https://app.example.com");

    let (parts, ()) = http::Request::get("/")
        .header("host", "localhost:3000")
        .body(())
        .unwrap()
        .into_parts();
    assert_eq!(
        EffectiveUrl::from_parts(&parts).to_string(),
        "http://localhost:3000/"
    );
}

/// Found by the `effective_url` fuzz target: an empty `Host` header (which HTTP/1.1 allows when
/// the target has no authority) made the host empty, so redirects went to `https:///path`. It
/// now counts as absent: the request URI's authority, else `localhost`, names the host.
#[test]
fn an_empty_host_header_names_no_host() {
    for (uri, expected) in [
        ("https://h.example.com:8443/", "https://h.example.com:8443/"),
        ("/p", "http://localhost/p"),
    ] {
        for host in ["", " "] {
            let (parts, ()) = http::Request::get(uri)
                .header("host", host)
                .body(())
                .unwrap()
                .into_parts();
            let url = EffectiveUrl::from_parts(&parts);
            assert_eq!(url.to_string(), expected, "Host {host:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Suffixed cookies

fn decide(cookie: &str, development: bool) -> bool {
    uses_suffixed_cookies(
        &Cookies::parse(cookie),
        SUFFIX_LIVE,
        "clerk.example.com",
        development,
        NOW,
    )
}

#[test]
fn suffixed_cookie_decisions() {
    let ours = session_at(NOW - 10, json!({}));
    let older = session_at(NOW - 100, json!({}));
    let other_app = session_at(NOW - 10, json!({"iss": "https://clerk.other.com"}));
    let no_iss = sign(&header(), &json!({"sub": "user_1", "exp": NOW + 60}));
    let s = SUFFIX_LIVE;

    // 1. A plain session without iss (or undecodable): plain.
    assert!(!decide(
        &format!("__session={no_iss}; __session_{s}={ours}; __client_uat_{s}=1"),
        false
    ));
    assert!(!decide(
        &format!("__session=garbage; __session_{s}={ours}; __client_uat_{s}=1"),
        false
    ));
    // 2. A plain session from another Frontend API: suffixed.
    assert!(decide(&format!("__session={other_app}"), false));
    // 3. No suffixed cookies at all: plain.
    assert!(!decide(&format!("__session={ours}; __client_uat=1"), false));
    // 4. Both client_uats set and the plain session newer: plain.
    assert!(!decide(
        &format!("__session={ours}; __client_uat=1; __session_{s}={older}; __client_uat_{s}=1"),
        false
    ));
    // ... the suffixed session newer: suffixed.
    assert!(decide(
        &format!("__session={older}; __client_uat=1; __session_{s}={ours}; __client_uat_{s}=1"),
        false
    ));
    // 5. Suffixed client_uat is 0 but the plain one is not: plain.
    assert!(!decide(
        &format!("__client_uat=5; __client_uat_{s}=0"),
        false
    ));
    // 6. Development: plain client_uat 0 and the suffixed session expired: plain.
    let expired = session_at(NOW - 1_000, json!({}));
    let cookie = format!("__client_uat=0; __client_uat_{s}=1; __session_{s}={expired}");
    assert!(!decide(&cookie, true));
    assert!(decide(&cookie, false));
    // 7. Suffixed session without a suffixed client_uat: plain.
    assert!(!decide(&format!("__session_{s}={ours}"), false));
    // 8. Otherwise suffixed.
    assert!(decide(
        &format!("__session_{s}={ours}; __client_uat_{s}=1"),
        false
    ));
}

// ---------------------------------------------------------------------------------------------
// Header tokens

#[test]
fn signed_in_with_a_bearer_token() {
    let token = session();
    let state = run(
        get("/").header("authorization", format!("Bearer {token}")),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.token(), Some(token.as_str()));
    assert_eq!(state.reason(), None);
    // Signed-in states carry no debug headers.
    assert!(state.headers().is_empty());
    let auth = state.auth();
    assert_eq!(auth.user_id(), Some("user_1"));
    assert_eq!(auth.session_id(), Some("sess_1"));
    // A lower-case scheme works too, and so does a raw token.
    for value in [format!("bearer {token}"), token.clone()] {
        let state = run(get("/").header("authorization", value), &live());
        assert_eq!(state.status(), AuthStatus::SignedIn);
    }
}

#[test]
fn other_schemes_are_not_tokens() {
    let state = run(
        get("/").header("authorization", "Basic dXNlcjpwYXNz"),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(reason(&state), "session-token-and-uat-missing");
}

#[test]
fn header_token_failures_sign_out_with_the_verification_reason() {
    let bad_signature = {
        let token = session();
        let (rest, _) = token.rsplit_once('.').unwrap();
        format!("{rest}.{}", b64(&[0; 256]))
    };
    let cases = [
        ("not-a-jwt".to_owned(), "token-invalid"),
        (bad_signature, "token-invalid-signature"),
    ];
    for (token, expected) in cases {
        let state = run(
            get("/").header("authorization", format!("Bearer {token}")),
            &live(),
        );
        assert_eq!(state.status(), AuthStatus::SignedOut, "{expected}");
        assert_eq!(reason(&state), expected);
        assert!(state.message().is_some());
        assert!(matches!(state.auth(), Auth::SignedOut(_)));
        assert_eq!(
            header_value(&state, "x-clerk-auth-status"),
            Some("signed-out")
        );
        assert_eq!(header_value(&state, "x-clerk-auth-reason"), Some(expected));
        assert!(header_value(&state, "x-clerk-auth-message").is_some());
    }
}

#[test]
fn expired_header_token_for_an_api_call_signs_out() {
    let expired = session_at(NOW - 1_000, json!({}));
    let state = run(
        get("/api").header("authorization", format!("Bearer {expired}")),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(
        reason(&state),
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    assert_eq!(
        state.verify_error().map(|e| e.reason().as_str()),
        Some("token-expired")
    );
}

#[test]
fn machine_tokens_on_a_session_route_are_a_type_mismatch() {
    let m2m_jwt = sign(&header(), &json!({"sub": "mch_1", "exp": NOW + 60}));
    let oauth_jwt = sign(
        &json!({"alg": "RS256", "typ": "at+jwt"}),
        &json!({"sub": "user_1", "exp": NOW + 60}),
    );
    let template = sign(
        &json!({"alg": "RS256", "typ": "JWT", "cat": "cl_B7d4PD222AAA"}),
        &json!({"sub": "user_1", "exp": NOW + 60}),
    );
    for token in [
        "mt_abc", "ak_abc", "oat_abc", &m2m_jwt, &oauth_jwt, &template,
    ] {
        let state = run(
            get("/").header("authorization", format!("Bearer {token}")),
            &live(),
        );
        assert_eq!(state.status(), AuthStatus::SignedOut, "{token}");
        assert_eq!(reason(&state), "token-type-mismatch");
    }
}

#[test]
fn accepted_token_lists_reject_other_kinds_first() {
    let options = live().accepts_token(AcceptsToken::List(vec![TokenType::ApiKey]));
    let state = run(
        get("/").header("authorization", format!("Bearer {}", session())),
        &options,
    );
    assert_eq!(reason(&state), "token-type-mismatch");
    assert_eq!(state.token_type(), None);
    assert_eq!(state.auth().token_type(), None);
    // No header token counts as a session token.
    let state = run(get("/"), &options);
    assert_eq!(reason(&state), "token-type-mismatch");
}

#[test]
fn signed_out_auth_reports_the_token_type_the_route_accepted() {
    // A session route: the session token type.
    let state = run(get("/"), &live());
    assert_eq!(state.auth().token_type(), Some(TokenType::SessionToken));
    // A route for API keys only, without a token: the API key type, as the reference's
    // unauthenticated machine object.
    let options = live().accepts_token(TokenType::ApiKey);
    let state = run(get("/"), &options);
    assert_eq!(reason(&state), "No token in header");
    assert_eq!(state.auth().token_type(), Some(TokenType::ApiKey));
    // A session token on it: still the type the route accepted.
    let state = run(
        get("/").header("authorization", format!("Bearer {}", session())),
        &options,
    );
    assert_eq!(reason(&state), "token-type-mismatch");
    assert_eq!(state.auth().token_type(), Some(TokenType::ApiKey));
}

struct FakeMachines;

impl MachineTokenVerifier for FakeMachines {
    fn verify<'a>(
        &'a self,
        token: &'a str,
        token_type: TokenType,
    ) -> BoxFuture<'a, Result<MachineAuth, MachineTokenError>> {
        Box::pin(async move {
            if token == "ak_good" {
                Ok(MachineAuth::new(token_type, "ak_good", "user_9", vec![]))
            } else {
                Err(MachineTokenError::new(
                    MachineErrorCode::TokenInvalid,
                    "API key not found",
                ))
            }
        })
    }
}

#[test]
fn machine_routes_use_the_machine_verifier() {
    let options = live().accepts_token(AcceptsToken::One(TokenType::ApiKey));
    // No verifier configured.
    let state = run(get("/").header("authorization", "Bearer ak_good"), &options);
    assert_eq!(reason(&state), "machine-token-verifier-missing");

    let options = options.machine_verifier(Arc::new(FakeMachines));
    let state = run(get("/").header("authorization", "Bearer ak_good"), &options);
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.token_type(), Some(TokenType::ApiKey));
    assert!(matches!(state.auth(), Auth::Machine(_)));

    let state = run(get("/").header("authorization", "Bearer ak_bad"), &options);
    assert_eq!(reason(&state), "token-invalid");
    // Another machine type, or a session token, on an API-key route.
    for token in ["mt_x", &session()] {
        let state = run(
            get("/").header("authorization", format!("Bearer {token}")),
            &options,
        );
        assert_eq!(reason(&state), "token-type-mismatch");
        assert_eq!(state.token_type(), Some(TokenType::ApiKey));
    }
    let state = run(get("/"), &options);
    assert_eq!(reason(&state), "No token in header");
}

#[test]
fn bearer_only_ignores_cookies_and_never_redirects() {
    let options = AuthenticateOptions::bearer_only();
    let state = run(
        navigate("/").header("cookie", format!("__session={}; __client_uat=1", session())),
        &options,
    );
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(reason(&state), "No token in header");

    let expired = session_at(NOW - 1_000, json!({}));
    let state = run(
        navigate("/").header("authorization", format!("Bearer {expired}")),
        &options,
    );
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert!(state.redirect_location().is_none());
}

// ---------------------------------------------------------------------------------------------
// Cookie flow

#[test]
fn signed_in_with_the_session_cookie() {
    let token = session();
    let state = run(
        get("/").header(
            "cookie",
            format!("__client_uat={}; __session={token}", NOW - 100),
        ),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.auth().user_id(), Some("user_1"));
}

#[test]
fn signed_in_with_suffixed_cookies() {
    let token = session();
    let cookie =
        format!("__session=garbage; __session_{SUFFIX_LIVE}={token}; __client_uat_{SUFFIX_LIVE}=1");
    // Rule 1: an undecodable plain session means plain cookies, and there is no plain
    // `__client_uat`.
    let state = run(get("/").header("cookie", cookie), &live());
    assert_eq!(reason(&state), "session-token-but-no-client-uat");

    let cookie = format!("__session_{SUFFIX_LIVE}={token}; __client_uat_{SUFFIX_LIVE}=1");
    let state = run(get("/").header("cookie", cookie), &live());
    assert_eq!(state.status(), AuthStatus::SignedIn);
}

#[test]
fn cookie_states() {
    let token = session();
    let cases = [
        (
            String::new(),
            AuthStatus::SignedOut,
            "session-token-and-uat-missing",
        ),
        (
            "__client_uat=0".to_owned(),
            AuthStatus::SignedOut,
            "session-token-and-uat-missing",
        ),
        (
            format!("__session={token}"),
            AuthStatus::Handshake,
            "session-token-but-no-client-uat",
        ),
        (
            "__client_uat=5".to_owned(),
            AuthStatus::Handshake,
            "client-uat-but-no-session-token",
        ),
        (
            format!("__client_uat={}; __session={token}", NOW + 100),
            AuthStatus::Handshake,
            "session-token-iat-before-client-uat",
        ),
        (
            "__client_uat=5; __session=garbage".to_owned(),
            AuthStatus::SignedOut,
            "token-invalid",
        ),
        (
            format!(
                "__client_uat=5; __session={}",
                session_at(NOW - 1_000, json!({}))
            ),
            AuthStatus::Handshake,
            "session-token-expired-refresh-non-eligible-no-refresh-cookie",
        ),
        (
            format!(
                "__client_uat=5; __session={}; __refresh_{SUFFIX_LIVE}=r",
                session_at(NOW - 1_000, json!({}))
            ),
            AuthStatus::Handshake,
            "session-token-expired-refresh-missing-api-client",
        ),
        (
            format!(
                "__client_uat=5; __session={}",
                session_at(NOW + 1_000, json!({"iat": NOW - 5}))
            ),
            AuthStatus::Handshake,
            "session-token-nbf",
        ),
        (
            format!(
                "__client_uat=5; __session={}",
                sign(
                    &header(),
                    &json!({"sub": "mch_1", "iss": ISS, "exp": NOW + 60})
                )
            ),
            AuthStatus::SignedOut,
            "token-type-mismatch",
        ),
    ];
    for (cookie, status, expected) in cases {
        let state = run(navigate("/page").header("cookie", cookie.as_str()), &live());
        assert_eq!(state.status(), status, "{cookie}: {state:?}");
        assert_eq!(reason(&state), expected, "{cookie}");
        assert_eq!(
            header_value(&state, "x-clerk-auth-status"),
            Some(status.as_str())
        );
        assert_eq!(header_value(&state, "x-clerk-auth-reason"), Some(expected));
        // The same request from `fetch` cannot follow a redirect: signed out, same reason.
        let state = run(get("/page").header("cookie", cookie.as_str()), &live());
        assert_eq!(state.status(), AuthStatus::SignedOut, "{cookie}");
        assert_eq!(reason(&state), expected);
        assert!(state.redirect_location().is_none());
    }
}

#[test]
fn handshake_redirect_carries_the_reference_parameters() {
    let token = session();
    let state = run(
        navigate("/page?x=1&__clerk_db_jwt=dev")
            .header("x-forwarded-proto", "https")
            .header("cookie", format!("__session={token}")),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::Handshake);
    let location = state.redirect_location().unwrap();
    assert!(
        location.starts_with("https://clerk.example.com/v1/client/handshake?"),
        "{location}"
    );
    let params = location_params(&state);
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "redirect_url",
            "__clerk_api_version",
            "suffixed_cookies",
            "__clerk_hs_reason",
            "__session"
        ]
    );
    assert_eq!(params[0].1, "https://example.com/page?x=1");
    assert_eq!(params[1].1, "2026-05-12");
    assert_eq!(params[2].1, "false");
    assert_eq!(params[3].1, "session-token-but-no-client-uat");
    assert_eq!(params[4].1, token);
    assert_eq!(header_value(&state, "cache-control"), Some("no-store"));
    assert_eq!(
        header_value(&state, "set-cookie"),
        Some("__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
    );
    assert!(matches!(state.auth(), Auth::SignedOut(_)));
}

#[test]
fn handshake_loop_guard_stops_after_three_redirects() {
    for (count, redirected) in [(0, true), (1, true), (2, true), (3, false), (7, false)] {
        let state = run(
            navigate("/").header(
                "cookie",
                format!("__client_uat=5; __clerk_redirect_count={count}"),
            ),
            &live(),
        );
        assert_eq!(state.redirect_location().is_some(), redirected, "{count}");
        if redirected {
            let expected = format!(
                "__clerk_redirect_count={}; SameSite=Lax; HttpOnly; Max-Age=2",
                count + 1
            );
            assert_eq!(header_value(&state, "set-cookie"), Some(expected.as_str()));
        } else {
            assert_eq!(state.status(), AuthStatus::SignedOut);
            assert_eq!(reason(&state), "client-uat-but-no-session-token");
        }
    }
}

#[test]
fn proxy_url_is_the_handshake_base() {
    let options = live().proxy_url("/__clerk/");
    let state = run(navigate("/").header("cookie", "__client_uat=5"), &options);
    assert!(
        state
            .redirect_location()
            .unwrap()
            .starts_with("http://example.com/__clerk/v1/client/handshake?")
    );
}

#[test]
fn development_instances_need_a_dev_browser_token() {
    let state = run(navigate("/"), &test_instance());
    assert_eq!(reason(&state), "dev-browser-missing");
    assert!(
        state
            .redirect_location()
            .unwrap()
            .starts_with("https://foo-bar-13.clerk.accounts.dev/v1/client/handshake?")
    );

    let state = run(navigate("/?__clerk_db_jwt=dvb_1"), &test_instance());
    assert_eq!(reason(&state), "dev-browser-sync");
    let params = location_params(&state);
    assert!(params.contains(&("__clerk_db_jwt".to_owned(), "dvb_1".to_owned())));
    assert!(!params[0].1.contains("__clerk_db_jwt"));

    let state = run(
        get("/").header(
            "cookie",
            format!(
                "__clerk_db_jwt=dvb_1; __client_uat=5; __session={}",
                session_at(
                    NOW - 10,
                    json!({"iss": "https://foo-bar-13.clerk.accounts.dev"})
                )
            ),
        ),
        &test_instance(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
}

#[test]
fn primary_answers_a_development_sync() {
    let syncing = || {
        navigate(
            "/?__clerk_redirect_url=https%3A%2F%2Fsatellite.test%2Fback%3F__clerk_synced%3Dfalse",
        )
        .header("cookie", "__clerk_db_jwt=dvb_1")
    };
    let state = run(
        syncing(),
        &test_instance().allowed_redirect_origins(["https://satellite.test"]),
    );
    assert_eq!(reason(&state), "primary-responds-to-syncing");
    assert_eq!(
        state.redirect_location(),
        Some("https://satellite.test/back?__clerk_synced=true&__clerk_db_jwt=dvb_1")
    );
    // To an origin that is neither this app nor a configured satellite, no redirect (and no
    // development browser token handed to it): the parameter is ignored.
    let state = run(syncing(), &test_instance());
    assert_ne!(reason(&state), "primary-responds-to-syncing");
    assert!(
        !state
            .redirect_location()
            .is_some_and(|l| l.starts_with("https://satellite.test")),
        "{state:?}"
    );
    // Back to this app's own origin is always allowed.
    let state = run(
        navigate("/?__clerk_redirect_url=http%3A%2F%2Fexample.com%2Fback")
            .header("cookie", "__clerk_db_jwt=dvb_1"),
        &test_instance(),
    );
    assert_eq!(reason(&state), "primary-responds-to-syncing");
}

#[test]
fn satellites_sync_with_the_primary_domain() {
    let satellite = live().is_satellite(true).domain("example.com");
    // No cookies and no auto-sync: signed out without a redirect.
    let state = run(navigate("/"), &satellite);
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(reason(&state), "session-token-and-uat-missing");
    // Asked to sync: handshake on clerk.<domain>.
    let state = run(navigate("/?__clerk_synced=false"), &satellite);
    assert_eq!(reason(&state), "satellite-needs-syncing");
    assert!(
        state
            .redirect_location()
            .unwrap()
            .starts_with("https://clerk.example.com/v1/client/handshake?")
    );
    // Auto-sync: redirect even without cookies.
    let state = run(navigate("/"), &satellite.clone().satellite_auto_sync(true));
    assert_eq!(reason(&state), "satellite-needs-syncing");
    // Development satellites go to the sign-in page.
    let dev = test_instance()
        .is_satellite(true)
        .domain("sat.test")
        .sign_in_url("https://primary.test/sign-in");
    let state = run(navigate("/p?__clerk_synced=false"), &dev);
    assert_eq!(reason(&state), "satellite-needs-syncing");
    assert_eq!(
        state.redirect_location(),
        Some(
            "https://primary.test/sign-in?__clerk_redirect_url=http%3A%2F%2Fexample.com%2Fp%3F__clerk_synced%3Dfalse"
        )
    );
    // The sign-in page must be on another origin than the satellite.
    let state = run(navigate("/").header("origin", "https://primary.test"), &dev);
    assert_eq!(reason(&state), "invalid-configuration");
    // A satellite without domain or proxy URL is a configuration error.
    let state = run(navigate("/"), &live().is_satellite(true));
    assert_eq!(reason(&state), "invalid-configuration");
}

#[test]
fn cross_origin_document_requests_sync_the_primary() {
    let cookie = format!("__client_uat=5; __session={}", session());
    let state = run(
        navigate("/")
            .header("cookie", cookie.as_str())
            .header("referer", "https://satellite.test/x"),
        &live(),
    );
    assert_eq!(reason(&state), "primary-domain-cross-origin-sync");
    assert_eq!(
        state.message(),
        Some("Cross-origin request from satellite domain requires handshake")
    );
    // Same origin, the Frontend API and the Account Portal are fine.
    for referrer in [
        "http://example.com/a",
        "https://clerk.example.com/",
        "https://accounts.example.com/sign-in",
    ] {
        let state = run(
            navigate("/")
                .header("cookie", cookie.as_str())
                .header("referer", referrer),
            &live(),
        );
        assert_eq!(state.status(), AuthStatus::SignedIn, "{referrer}");
    }
}

/// A handshake token: the cookies Clerk asks the app to set, signed with the instance key.
fn handshake_token(cookies: &[String]) -> String {
    sign(&header(), &json!({"handshake": cookies}))
}

#[test]
fn handshake_tokens_set_their_cookies() {
    let token = session();
    let directives = vec![
        format!("__session={token}; Path=/; SameSite=Lax"),
        "__client_uat=1699999000; Path=/".to_owned(),
    ];
    let state = run(
        get(&format!(
            "/?__clerk_handshake={}",
            handshake_token(&directives)
        )),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(token.as_str()));
    let set_cookies: Vec<&str> = state
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set_cookies, directives);
    assert_eq!(
        header_value(&state, "access-control-allow-origin"),
        Some("null")
    );
    assert_eq!(
        header_value(&state, "access-control-allow-credentials"),
        Some("true")
    );
    // Production: no redirect after a handshake.
    assert!(state.redirect_location().is_none());

    // A sign-out handshake: no session among the cookies.
    let signed_out = handshake_token(&["__session=; Max-Age=0".to_owned()]);
    let state = run(
        get("/").header("cookie", format!("__clerk_handshake={signed_out}")),
        &live(),
    );
    assert_eq!(reason(&state), "session-token-missing");
    assert!(state.headers().contains_key("set-cookie"));

    // Development: redirect to the URL without the handshake parameters.
    let state = run(
        get(&format!(
            "/p?a=1&__clerk_handshake={}",
            handshake_token(&directives)
        )),
        &test_instance(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.redirect_location(), Some("http://example.com/p?a=1"));
}

#[test]
fn forged_handshakes_are_ignored_in_production_and_reported_in_development() {
    let forged = {
        let token = handshake_token(&[format!("__session={}", session())]);
        let (rest, _) = token.rsplit_once('.').unwrap();
        format!("{rest}.{}", b64(&[1; 256]))
    };
    let state = run(
        get("/").header("cookie", format!("__clerk_handshake={forged}")),
        &live(),
    );
    assert_eq!(reason(&state), "session-token-and-uat-missing");
    let state = run(
        get("/").header(
            "cookie",
            format!("__clerk_handshake={forged}; __clerk_db_jwt=d"),
        ),
        &test_instance(),
    );
    assert_eq!(reason(&state), "token-invalid-signature");
    assert!(state.message().unwrap().contains("invalid signature"));
}

#[test]
fn handshake_nonces_need_a_resolver() {
    let state = run(get("/?__clerk_handshake_nonce=n1"), &live());
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(reason(&state), "handshake-nonce-unsupported");
}

#[test]
fn pending_sessions_are_signed_out_in_auth() {
    let token = session_at(NOW - 10, json!({"sts": "pending"}));
    let state = run(
        get("/").header("authorization", format!("Bearer {token}")),
        &live(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert!(!state.auth().is_signed_in());
}

#[test]
fn debug_output_hides_tokens() {
    let token = session();
    let state = run(
        get("/").header("authorization", format!("Bearer {token}")),
        &live(),
    );
    assert!(!format!("{state:?}").contains(&token));
    let state = run(
        navigate("/").header("cookie", format!("__session={token}")),
        &live(),
    );
    assert!(!format!("{state:?}").contains(&token));
    let options = live().secret_key("sk_live_secret");
    assert!(!format!("{options:?}").contains("sk_live_secret"));
}

// ---------------------------------------------------------------------------------------------
// Sign-in redirects

#[test]
fn sign_in_redirects() {
    use clerk_auth::request::SignInRedirect;

    let base = EffectiveUrl::parse("https://app.test/page").unwrap();
    // Development: the Account Portal, with the dev browser token across origins.
    let dev = test_instance();
    let redirect = SignInRedirect::new(&dev, &base).dev_browser_token(Some("dvb_1"));
    assert_eq!(
        redirect.sign_in_url(Some("/back")).unwrap(),
        "https://foo-bar-13.accounts.dev/sign-in?redirect_url=https%3A%2F%2Fapp.test%2Fback&__clerk_db_jwt=dvb_1"
    );
    assert_eq!(
        redirect.sign_up_url(None).unwrap(),
        "https://foo-bar-13.accounts.dev/sign-up?__clerk_db_jwt=dvb_1"
    );
    // A same-origin sign-in page: sign-up is `<sign-in>/create`, no token.
    let own = test_instance().sign_in_url("/sign-in");
    let redirect = SignInRedirect::new(&own, &base).dev_browser_token(Some("dvb_1"));
    assert_eq!(
        redirect.sign_up_url(Some("https://app.test/x")).unwrap(),
        "https://app.test/sign-in/create?redirect_url=https%3A%2F%2Fapp.test%2Fx"
    );
    // Satellites mark the way back as unsynced; pending sessions go to the tasks page.
    let satellite = live()
        .is_satellite(true)
        .domain("example.com")
        .sign_in_url("https://example.com/sign-in");
    let redirect = SignInRedirect::new(&satellite, &base).session_pending(true);
    assert_eq!(
        redirect.sign_in_url(Some("/back")).unwrap(),
        "https://example.com/sign-in/tasks?redirect_url=https%3A%2F%2Fapp.test%2Fback%3F__clerk_synced%3Dfalse"
    );
    // Nothing to redirect to.
    let bearer = AuthenticateOptions::bearer_only();
    assert_eq!(SignInRedirect::new(&bearer, &base).sign_in_url(None), None);
}

// ---------------------------------------------------------------------------------------------
// Organization sync

#[test]
fn organization_sync_activates_the_organization_in_the_url() {
    use clerk_auth::request::OrganizationSync;

    let options = live().organization_sync(
        OrganizationSync::new()
            .organization_patterns(["/orgs/:slug", "/orgs/:slug/(.*)", "/by-id/:id"])
            .personal_account_patterns(["/me", "/me/(.*)"]),
    );
    let in_acme = session_at(NOW - 10, json!({"org_id": "org_1", "org_slug": "acme"}));
    let cookie = |token: &str| format!("__client_uat=5; __session={token}");

    // Already active: signed in.
    for path in [
        "/orgs/acme",
        "/ORGS/acme/settings",
        "/by-id/org_1",
        "/other",
    ] {
        let state = run(navigate(path).header("cookie", cookie(&in_acme)), &options);
        assert_eq!(state.status(), AuthStatus::SignedIn, "{path}");
    }
    // Another organization: a handshake with organization_id.
    let state = run(
        navigate("/orgs/globex/x").header("cookie", cookie(&in_acme)),
        &options,
    );
    assert_eq!(reason(&state), "active-organization-mismatch");
    let params = location_params(&state);
    assert_eq!(
        params.last().unwrap(),
        &("organization_id".to_owned(), "globex".to_owned())
    );
    // The personal account while an organization is active: organization_id is empty.
    let state = run(navigate("/me").header("cookie", cookie(&in_acme)), &options);
    assert_eq!(reason(&state), "active-organization-mismatch");
    assert_eq!(location_params(&state).last().unwrap().1, "");
    // After three redirects the request stays signed in.
    let state = run(
        navigate("/me").header(
            "cookie",
            format!("{}; __clerk_redirect_count=3", cookie(&in_acme)),
        ),
        &options,
    );
    assert_eq!(state.status(), AuthStatus::SignedIn);
    // A request that cannot follow a redirect (a fetch, an XHR, a POST) keeps its session: the
    // handshake that would switch the organization is for navigations only.
    for request in [
        get("/orgs/globex/x").header("sec-fetch-dest", "empty"),
        get("/orgs/globex/x").header("accept", "application/json"),
        http::Request::post("/me")
            .header("host", "example.com")
            .header("sec-fetch-dest", "document"),
    ] {
        let state = run(request.header("cookie", cookie(&in_acme)), &options);
        assert_eq!(state.status(), AuthStatus::SignedIn);
        assert_eq!(state.reason(), None);
        assert_eq!(
            state.session_claims().and_then(|c| c.org_slug()),
            Some("acme")
        );
    }
    // Personal account without an active organization: nothing to do.
    let personal = session();
    let state = run(
        navigate("/me/profile").header("cookie", cookie(&personal)),
        &options,
    );
    assert_eq!(state.status(), AuthStatus::SignedIn);
}

#[test]
fn development_handshakes_tolerate_a_day_of_clock_skew() {
    // Issued "two hours in the future" by a Frontend API whose clock differs from ours.
    let skewed = session_at(
        NOW + 7_200,
        json!({"iss": "https://foo-bar-13.clerk.accounts.dev"}),
    );
    let handshake = handshake_token(&[format!("__session={skewed}")]);
    let state = run(
        get(&format!("/?__clerk_handshake={handshake}")),
        &test_instance(),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    // Production does not: the handshake is ignored and the cookie flow goes on.
    let state = run(get(&format!("/?__clerk_handshake={handshake}")), &live());
    assert_eq!(reason(&state), "session-token-and-uat-missing");
}

/// A [`SessionRefresher`] that records its calls and answers with fixed cookies or an error.
struct FakeRefresher {
    answer: Result<Vec<String>, RefreshError>,
    calls: Mutex<Vec<(String, Value, bool)>>,
}

impl FakeRefresher {
    fn new(answer: Result<Vec<String>, RefreshError>) -> Arc<FakeRefresher> {
        Arc::new(FakeRefresher {
            answer,
            calls: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> Vec<(String, Value, bool)> {
        self.calls.lock().unwrap().clone()
    }
}

impl SessionRefresher for FakeRefresher {
    fn refresh<'a>(
        &'a self,
        session_id: &'a str,
        request: RefreshRequest<'a>,
        suffixed_cookies: bool,
    ) -> BoxFuture<'a, Result<Vec<String>, RefreshError>> {
        self.calls.lock().unwrap().push((
            session_id.to_owned(),
            serde_json::to_value(&request).unwrap(),
            suffixed_cookies,
        ));
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

fn refreshing(refresher: &Arc<FakeRefresher>) -> AuthenticateOptions {
    live().session_refresher(refresher.clone())
}

/// Cookies with an expired session and a refresh token.
fn expired_cookies(expired: &str) -> String {
    format!("__client_uat=5; __session={expired}; __refresh_{SUFFIX_LIVE}=r1")
}

#[test]
fn expired_sessions_are_refreshed_in_place() {
    let expired = session_at(NOW - 1_000, json!({}));
    let fresh = session_at(NOW - 5, json!({"sid": "sess_1"}));
    let cookies = vec![
        "__session=stale; Path=/".to_owned(),
        format!("__session={fresh}; Path=/; Secure; HttpOnly; SameSite=Lax"),
        format!("__client_uat={NOW}; Path=/; Max-Age=315360000"),
    ];
    let refresher = FakeRefresher::new(Ok(cookies.clone()));
    let state = run(
        navigate("/page?x=1")
            .header(
                "cookie",
                format!(
                    "{}; _ga=GA1.2.3; other_app_session=secret",
                    expired_cookies(&expired)
                ),
            )
            .header("x-internal-token", "not for Clerk")
            .header("user-agent", "browser/1.0")
            .header("x-forwarded-for", "203.0.113.7"),
        &refreshing(&refresher),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    assert_eq!(state.auth().session_id(), Some("sess_1"));
    let set_cookies: Vec<&str> = state
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set_cookies, cookies);
    assert!(state.redirect_location().is_none());

    let calls = refresher.calls();
    assert_eq!(calls.len(), 1);
    let (sid, body, suffixed) = &calls[0];
    assert_eq!(sid, "sess_1");
    assert!(!suffixed);
    assert_eq!(body["format"], "cookie");
    assert_eq!(body["expired_token"], expired.as_str());
    assert_eq!(body["refresh_token"], "r1");
    assert_eq!(body["request_origin"], "http://example.com");
    // An allow-list of headers is forwarded, and of the cookies only Clerk's: never another
    // app's session cookie or an internal header (the reference forwards every header).
    assert_eq!(
        body["request_headers"],
        json!({
            "host": ["example.com"],
            "sec-fetch-dest": ["document"],
            "accept": ["text/html"],
            "user-agent": ["browser/1.0"],
            "x-forwarded-for": ["203.0.113.7"],
            "cookie": [expired_cookies(&expired)],
        })
    );
    let forwarded = body["request_headers"].to_string();
    for secret in ["other_app_session", "_ga", "not for Clerk"] {
        assert!(!forwarded.contains(secret), "{secret} forwarded");
    }
}

#[test]
fn bearer_refresh_never_forwards_the_authorization_header() {
    let expired = session_at(NOW - 1_000, json!({}));
    let refresher = FakeRefresher::new(Ok(vec![]));
    let _ = run(
        navigate("/page")
            .header("authorization", format!("Bearer {expired}"))
            .header("cookie", format!("__refresh_{SUFFIX_LIVE}=r1")),
        &refreshing(&refresher),
    );
    for (_, body, _) in refresher.calls() {
        assert!(
            body["request_headers"].get("authorization").is_none(),
            "{body}"
        );
    }
}

#[test]
fn a_public_origin_ignores_spoofed_forwarding_headers() {
    let spoofed = || {
        navigate("/dashboard?x=1")
            .header("x-forwarded-host", "evil.example.net")
            .header("x-forwarded-proto", "http")
            .header("cookie", "__client_uat=5")
    };
    // Trusted by default (parity): the handshake would send the browser back to the spoofed host.
    let state = run(spoofed(), &live());
    assert_eq!(state.status(), AuthStatus::Handshake);
    let back = location_params(&state)
        .into_iter()
        .find(|(k, _)| k == "redirect_url")
        .unwrap()
        .1;
    assert_eq!(back, "http://evil.example.net/dashboard?x=1");
    // With the public origin set, the forwarding headers and Host no longer matter.
    let state = run(spoofed(), &live().public_origin("https://app.example.com"));
    let back = location_params(&state)
        .into_iter()
        .find(|(k, _)| k == "redirect_url")
        .unwrap()
        .1;
    assert_eq!(back, "https://app.example.com/dashboard?x=1");
    // Not trusting them keeps the request's own Host.
    let state = run(spoofed(), &live().trust_forwarded_headers(false));
    let back = location_params(&state)
        .into_iter()
        .find(|(k, _)| k == "redirect_url")
        .unwrap()
        .1;
    assert_eq!(back, "http://example.com/dashboard?x=1");
}

#[test]
fn refresh_is_only_attempted_for_get_requests_with_a_refresh_cookie() {
    let expired = session_at(NOW - 1_000, json!({}));
    let refresher = FakeRefresher::new(Ok(vec![]));

    let post = http::Request::post("/page")
        .header("host", "example.com")
        .header("cookie", expired_cookies(&expired));
    let state = run(post, &refreshing(&refresher));
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(
        reason(&state),
        "session-token-expired-refresh-non-eligible-non-get"
    );

    let cookie = format!("__client_uat=5; __session={expired}");
    let state = run(
        navigate("/page").header("cookie", cookie),
        &refreshing(&refresher),
    );
    assert_eq!(state.status(), AuthStatus::Handshake);
    assert_eq!(
        reason(&state),
        "session-token-expired-refresh-non-eligible-no-refresh-cookie"
    );
    assert!(refresher.calls().is_empty());
}

#[test]
fn refresh_failures_become_the_handshake_reason() {
    let expired = session_at(NOW - 1_000, json!({}));
    let cases = [
        (
            Err(RefreshError::new(
                "refresh_token_invalid",
                "Refresh token is invalid",
            )),
            "session-token-expired-refresh-refresh_token_invalid",
        ),
        (
            Err(RefreshError::new(
                RefreshError::FETCH_ERROR,
                "connection refused",
            )),
            "session-token-expired-refresh-fetch-error",
        ),
        (
            Ok(vec![]),
            "session-token-expired-refresh-unexpected-sdk-error",
        ),
        (
            // The refreshed token must verify (this one is expired too).
            Ok(vec![format!(
                "__session={}; Path=/",
                session_at(NOW - 2_000, json!({}))
            )]),
            "session-token-expired-refresh-invalid-session-token",
        ),
        (
            Ok(vec!["__session=garbage; Path=/".to_owned()]),
            "session-token-expired-refresh-invalid-session-token",
        ),
    ];
    for (answer, expected) in cases {
        let refresher = FakeRefresher::new(answer);
        let state = run(
            navigate("/page").header("cookie", expired_cookies(&expired)),
            &refreshing(&refresher),
        );
        assert_eq!(
            state.status(),
            AuthStatus::Handshake,
            "{expected}: {state:?}"
        );
        assert_eq!(reason(&state), expected);
        assert_eq!(
            state.verify_error().unwrap().reason().as_str(),
            "token-expired"
        );
        let params = location_params(&state);
        assert!(
            params
                .iter()
                .any(|(name, value)| name == "__clerk_hs_reason" && value == expected),
            "{params:?}"
        );
        // No cookies of a failed refresh are passed on.
        assert_eq!(
            state.headers().get_all("set-cookie").iter().count(),
            1,
            "only the redirect counter"
        );
        assert_eq!(refresher.calls().len(), 1);
    }
}

#[test]
fn refresh_needs_the_session_id_of_the_expired_token() {
    let no_sid = sign(
        &header(),
        &json!({"sub": "user_1", "iss": ISS, "iat": NOW - 1_000, "exp": NOW - 940}),
    );
    let refresher = FakeRefresher::new(Ok(vec![]));
    let state = run(
        navigate("/page").header("cookie", expired_cookies(&no_sid)),
        &refreshing(&refresher),
    );
    assert_eq!(
        reason(&state),
        "session-token-expired-refresh-expired-session-token-missing-sid-claim"
    );
    assert!(refresher.calls().is_empty());
}

#[test]
fn refresh_asks_for_suffixed_cookies_when_the_app_uses_them() {
    let expired = session_at(NOW - 1_000, json!({}));
    let fresh = session_at(NOW - 5, json!({}));
    let refresher =
        FakeRefresher::new(Ok(vec![format!("__session_{SUFFIX_LIVE}={fresh}; Path=/")]));
    let cookie = format!(
        "__client_uat_{SUFFIX_LIVE}=5; __session_{SUFFIX_LIVE}={expired}; \
         __refresh_{SUFFIX_LIVE}=r1"
    );
    let state = run(
        get("/api").header("cookie", cookie),
        &refreshing(&refresher),
    );
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    assert!(refresher.calls()[0].2);
}

#[test]
fn refresh_requests_hide_tokens_in_debug_output() {
    let request = RefreshRequest::new(
        "expired.jwt.value",
        "refresh-secret",
        "https://a.b",
        Default::default(),
    );
    let debug = format!("{request:?}");
    assert!(!debug.contains("expired.jwt.value") && !debug.contains("refresh-secret"));
}

/// Cookies, URLs, redirects and the request state show names, never the tokens they carry.
#[test]
fn debug_output_shows_no_cookie_value_or_query_token() {
    let cookies = clerk_auth::request::Cookies::parse(
        "__session=eyJ.SESSION-SECRET.sig; __client_uat=1700000000; theme=dark",
    );
    let shown = format!("{cookies:?} {cookies:#?}");
    assert!(shown.contains("__session"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    assert!(!shown.contains("SESSION-SECRET"), "{shown}");
    assert!(!shown.contains("dark"), "{shown}");
    // The values are still there for the application.
    assert_eq!(cookies.get("theme"), Some("dark"));

    let parts = http::Request::builder()
        .uri("https://app.example.com/cb?__clerk_handshake=eyJ.HANDSHAKE-SECRET.sig&__clerk_db_jwt=dvb_DEV-SECRET&page=2")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let url = clerk_auth::request::EffectiveUrl::from_parts(&parts);
    let shown = format!("{url:?} {url:#?}");
    assert!(shown.contains("__clerk_handshake"), "{shown}");
    assert!(shown.contains("app.example.com"), "{shown}");
    for secret in ["HANDSHAKE-SECRET", "DEV-SECRET", "page\", \"2"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        url.to_string().contains("HANDSHAKE-SECRET"),
        "Display is the URL"
    );
}
