//! Request authentication wired to the Backend API through in-memory fakes of its traits: a bearer
//! session token verified with keys from a `JwksCache`, an `mt_` token verified through the
//! `MachineVerifier` hook, a handshake nonce resolved by a `HandshakeNonceResolver`, an expired
//! session refreshed by a `SessionRefresher`, and `Auth::get_token` through a `SessionTokenApi`.
//! (The requests the `clerk` crate's client sends for these calls are tested there.)
#![cfg(all(feature = "remote", feature = "request"))]

use crate::support::backend::{
    FakeJwks, FakeMachineApi, FakeNonceResolver, FakeRefresher, FakeSessions, api_error, jwk_set,
    network_error,
};
use crate::support::sign;

use std::sync::Arc;

use clerk_auth::clock::ManualClock;
use clerk_auth::machine::{AcceptsToken, TokenKind};
use clerk_auth::remote::{BackendErrorKind, JwksCache, MachineVerifier, RemoteSessionVerifier};
use clerk_auth::request::{
    AuthStatus, AuthenticateOptions, PublishableKey, RequestState, authenticate_request,
};
use clerk_auth::{Auth, PublicKey, SignedOutReason, TokenType, VerifyOptions};
use serde_json::json;

const PUBLIC: &str = include_str!("../fixtures/rsa2048.spki.pem");
const KID: &str = "ins_remote";
const NOW: i64 = 1_700_000_000;
/// `pk_live_` + base64("clerk.example.com$").
const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

fn session_token() -> String {
    session_token_at(NOW - 10)
}

/// A session token issued at `iat`, valid for a minute.
fn session_token_at(iat: i64) -> String {
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": KID}),
        &json!({
            "iss": "https://clerk.example.com", "sub": "user_1", "sid": "sess_1",
            "iat": iat, "nbf": iat, "exp": iat + 60, "v": 2
        }),
    )
}

fn jwks() -> FakeJwks {
    FakeJwks::serving(jwk_set(PUBLIC, KID))
}

/// Session verification with the keys `jwks` serves.
fn session_verifier(jwks: &FakeJwks) -> RemoteSessionVerifier {
    RemoteSessionVerifier::new(
        JwksCache::new(jwks.clone()),
        VerifyOptions::new().clock(ManualClock::at_unix(NOW)),
    )
}

fn options() -> AuthenticateOptions {
    AuthenticateOptions::new(PublishableKey::parse(PK_LIVE).unwrap())
        .clock(ManualClock::at_unix(NOW))
}

fn parts(authorization: &str) -> http::request::Parts {
    http::Request::get("https://example.com/api")
        .header("host", "example.com")
        .header("authorization", authorization)
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn set_cookies(state: &RequestState) -> Vec<&str> {
    state
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_bearer_session_token_is_verified_with_the_instance_jwks() {
    let jwks = jwks();
    let verifier = session_verifier(&jwks);
    let token = session_token();

    for _ in 0..3 {
        let state =
            authenticate_request(&parts(&format!("Bearer {token}")), &options(), &verifier).await;
        assert_eq!(state.status(), AuthStatus::SignedIn);
        assert_eq!(state.auth().user_id(), Some("user_1"));
    }
    // A forged token with the same kid is refused without another fetch.
    let forged = format!("{}x", &token[..token.len() - 1]);
    let state =
        authenticate_request(&parts(&format!("Bearer {forged}")), &options(), &verifier).await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(verifier.cache().fetch_count(), 1);
    assert_eq!(jwks.calls(), 1);
}

#[tokio::test]
async fn keys_that_cannot_be_loaded_sign_the_request_out_with_the_reason() {
    let jwks = FakeJwks::failing(api_error(
        401,
        Some("clerk_key_invalid"),
        "The provided Clerk Secret Key is invalid.",
    ));
    let verifier = session_verifier(&jwks);
    let state = authenticate_request(
        &parts(&format!("Bearer {}", session_token())),
        &options(),
        &verifier,
    )
    .await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(
        state.reason().map(|r| r.as_str()),
        Some("secret-key-invalid")
    );
    assert_eq!(jwks.calls(), 1);
}

#[tokio::test]
async fn an_m2m_token_is_verified_through_the_machine_verifier_hook() {
    let api = FakeMachineApi::new().respond(
        TokenKind::M2mOpaque,
        json!({
            "object": "machine_to_machine_token", "id": "mt_0123", "subject": "mch_2abc",
            "claims": null, "scopes": ["mch_peer"], "revoked": false,
            "revocation_reason": null, "expired": false, "expiration": null,
            "last_used_at": null, "created_at": 1, "updated_at": 1
        }),
    );
    let jwks = jwks();
    let session = session_verifier(&jwks);
    // The machine verifier shares the session verifier's cache for JWT-format tokens.
    let machine = MachineVerifier::new(api.clone(), session.cache().clone())
        .options(VerifyOptions::new().clock(ManualClock::at_unix(NOW)));
    let options = options()
        .accepts_token(AcceptsToken::Any)
        .machine_verifier(Arc::new(machine));

    let state = authenticate_request(&parts("Bearer mt_0123"), &options, &session).await;
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.auth().token_type(), Some(TokenType::M2mToken));
    let Auth::Machine(machine) = state.auth() else {
        panic!("{state:?}")
    };
    assert_eq!(machine.subject(), "mch_2abc");
    assert_eq!(machine.scopes(), ["mch_peer"]);
    assert_eq!(api.calls(), [(TokenKind::M2mOpaque, "mt_0123".to_owned())]);
    assert_eq!(jwks.calls(), 0, "an opaque token needs no keys");

    // A JWT-format M2M token goes to the hook too, and is verified with the shared keys.
    let m2m_jwt = sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": KID, "cat": "cl_B7d4PD333AAA"}),
        &json!({"sub": "mch_2abc", "jti": "mt_jwt", "exp": NOW + 60, "iat": NOW - 5}),
    );
    let state =
        authenticate_request(&parts(&format!("Bearer {m2m_jwt}")), &options, &session).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.auth().token_type(), Some(TokenType::M2mToken));
    // And a session token still goes to the session verifier, with the same keys.
    let state = authenticate_request(
        &parts(&format!("Bearer {}", session_token())),
        &options,
        &session,
    )
    .await;
    assert_eq!(state.auth().user_id(), Some("user_1"));
    assert_eq!(jwks.calls(), 1, "one fetch for both verifiers");
    assert_eq!(api.calls().len(), 1);
}

/// A browser navigation with a session cookie but no `__client_uat`: a handshake.
async fn navigate(
    token: &str,
    options: &AuthenticateOptions,
    verifier: &RemoteSessionVerifier,
) -> RequestState {
    let (parts, ()) = http::Request::get("https://example.com/page")
        .header("host", "example.com")
        .header("sec-fetch-dest", "document")
        .header("accept", "text/html")
        .header("cookie", format!("__session={token}"))
        .body(())
        .unwrap()
        .into_parts();
    authenticate_request(&parts, options, verifier).await
}

#[tokio::test]
async fn handshake_nonces_are_resolved_through_the_resolver() {
    let token = session_token();
    let directives = vec![
        format!("__session={token}; Path=/"),
        "__client_uat=1; Path=/".to_owned(),
    ];
    let resolver = FakeNonceResolver::new().answer("n0nce", Ok(directives.clone()));
    let jwks = jwks();
    let verifier = session_verifier(&jwks);
    let with_resolver = options().handshake_nonce_resolver(Arc::new(resolver.clone()));
    let request = |uri: &str| {
        http::Request::get(uri)
            .header("host", "example.com")
            .body(())
            .unwrap()
            .into_parts()
            .0
    };

    let state = authenticate_request(
        &request("https://example.com/?__clerk_handshake_nonce=n0nce"),
        &with_resolver,
        &verifier,
    )
    .await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(token.as_str()));
    assert_eq!(set_cookies(&state), directives);
    assert_eq!(resolver.calls(), ["n0nce"]);

    // A nonce that does not resolve gives no cookies: signed out, as `@clerk/backend` does.
    let state = authenticate_request(
        &request("https://example.com/?__clerk_handshake_nonce=gone"),
        &with_resolver,
        &verifier,
    )
    .await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    assert_eq!(
        state.reason().map(|r| r.as_str()),
        Some("session-token-missing")
    );
    assert_eq!(resolver.calls(), ["n0nce", "gone"]);

    // With a resolver, handshake redirects ask the Frontend API for a nonce.
    let state = navigate(&token, &with_resolver, &verifier).await;
    assert_eq!(state.status(), AuthStatus::Handshake);
    let location = state.redirect_location().unwrap();
    assert!(location.contains("&format=nonce"), "{location}");
    // Without one, for a signed handshake token.
    let state = navigate(&token, &options(), &verifier).await;
    assert_eq!(state.status(), AuthStatus::Handshake);
    let location = state.redirect_location().unwrap();
    assert!(!location.contains("format=nonce"), "{location}");
}

#[tokio::test]
async fn get_token_mints_session_and_template_tokens_for_signed_in_requests() {
    let key = PublicKey::from_pem(PUBLIC).unwrap().with_kid(KID);
    let verifier = clerk_auth::Verifier::with_options(
        key,
        VerifyOptions::new().clock(ManualClock::at_unix(NOW)),
    );
    let auth = Auth::from_claims(verifier.verify(&session_token()).unwrap());
    let api = FakeSessions::new();

    assert_eq!(
        auth.get_token(&api, None).await.unwrap().as_deref(),
        Some("jwt:sess_1")
    );
    assert_eq!(
        auth.get_token(&api, Some("supabase"))
            .await
            .unwrap()
            .as_deref(),
        Some("jwt:sess_1:supabase")
    );
    assert_eq!(
        api.calls(),
        [
            ("sess_1".to_owned(), None),
            ("sess_1".to_owned(), Some("supabase".to_owned()))
        ]
    );

    // Nothing to mint for a signed-out request or a machine, and nothing is asked.
    let signed_out = Auth::signed_out(SignedOutReason::Other("no token".into()));
    assert_eq!(signed_out.get_token(&api, None).await.unwrap(), None);
    let machine = clerk_auth::MachineAuth::new(
        TokenType::M2mToken,
        "mt_1".to_owned(),
        "mch_1".to_owned(),
        Vec::new(),
    );
    assert_eq!(
        Auth::Machine(machine).get_token(&api, None).await.unwrap(),
        None
    );
    assert_eq!(api.calls().len(), 2);

    // A failure is the call's error, unchanged.
    let failure = api_error(404, Some("resource_not_found"), "No JWT template named x");
    api.fail_with(failure.clone());
    assert_eq!(auth.get_token(&api, Some("x")).await.unwrap_err(), failure);
    api.fail_with(network_error());
    let err = auth.get_token(&api, None).await.unwrap_err();
    assert_eq!(err.kind(), BackendErrorKind::Network);
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn an_expired_cookie_session_is_refreshed_through_the_session_refresher() {
    let expired = session_token_at(NOW - 1_000);
    let fresh = session_token();
    let refresher = FakeRefresher::new(Ok(vec![format!("__session={fresh}; Path=/")]));
    let jwks = jwks();
    let verifier = session_verifier(&jwks);
    let suffix = clerk_auth::request::cookie_suffix(PK_LIVE);
    let (parts, ()) = http::Request::get("https://example.com/page")
        .header("host", "example.com")
        .header(
            "cookie",
            format!("__client_uat=5; __session={expired}; __refresh_{suffix}=r1"),
        )
        .body(())
        .unwrap()
        .into_parts();
    let options = options().session_refresher(Arc::new(refresher.clone()));
    let state = authenticate_request(&parts, &options, &verifier).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    assert_eq!(
        state.headers().get("set-cookie").unwrap(),
        format!("__session={fresh}; Path=/").as_str()
    );

    let calls = refresher.calls();
    assert_eq!(calls.len(), 1);
    let (session_id, request, suffixed) = &calls[0];
    assert_eq!(session_id, "sess_1");
    assert!(!suffixed);
    assert_eq!(request["format"], "cookie");
    assert_eq!(request["expired_token"], expired.as_str());
    assert_eq!(request["refresh_token"], "r1");
    assert_eq!(request["request_origin"], "https://example.com");
    assert_eq!(
        jwks.calls(),
        1,
        "one fetch for the expired and the fresh token"
    );
}
