//! Request authentication wired to the Backend API: a bearer session token verified with keys
//! from a mocked `/v1/jwks`, an `mt_` token verified through `/m2m_tokens/verify`, a handshake
//! nonce resolved through `/v1/clients/handshake_payload`, and an expired session refreshed
//! through `/v1/sessions/{sid}/refresh`.
#![cfg(all(feature = "remote", feature = "request"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::pem_der;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clerk_auth::clock::FixedClock;
use clerk_auth::machine::AcceptsToken;
use clerk_auth::remote::{
    BackendNonceResolver, BackendSessionRefresher, JwksCache, MachineVerifier,
    RemoteSessionVerifier,
};
use clerk_auth::request::{
    AuthStatus, AuthenticateOptions, HandshakeNonceResolver, PublishableKey, RefreshError,
    RefreshRequest, SessionRefresher, authenticate_request,
};
use clerk_auth::{JwkSet, PublicKey, TokenType, VerifyOptions};
use clerk_core::{Client, RetryPolicy};
use mockito::{Matcher, Server, ServerGuard};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

const PRIVATE: &str = include_str!("fixtures/rsa2048.pk8.pem");
const PUBLIC: &str = include_str!("fixtures/rsa2048.spki.pem");
const SECRET: &str = "sk_test_remote_request";
const KID: &str = "ins_remote";
const NOW: i64 = 1_700_000_000;
/// `pk_live_` + base64("clerk.example.com$").
const PK_LIVE: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";

fn session_token() -> String {
    session_token_at(NOW - 10)
}

/// A session token issued at `iat`, valid for a minute.
fn session_token_at(iat: i64) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KID});
    let payload = json!({
        "iss": "https://clerk.example.com", "sub": "user_1", "sid": "sess_1",
        "iat": iat, "nbf": iat, "exp": iat + 60, "v": 2
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = RsaKeyPair::from_pkcs8(&pem_der(PRIVATE)).unwrap();
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn client(server: &ServerGuard) -> Client {
    Client::builder()
        .secret_key(SECRET)
        .api_url(server.url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn jwks_body() -> String {
    let key = PublicKey::from_pem(PUBLIC).unwrap().with_kid(KID);
    serde_json::to_string(&JwkSet::new(vec![key.to_jwk()])).unwrap()
}

fn options() -> AuthenticateOptions {
    AuthenticateOptions::new(PublishableKey::parse(PK_LIVE).unwrap()).clock(FixedClock::new(NOW))
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

#[tokio::test]
async fn a_bearer_session_token_is_verified_with_the_instance_jwks() {
    let mut server = Server::new_async().await;
    let jwks = server
        .mock("GET", "/v1/jwks")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_header("content-type", "application/json")
        .with_body(jwks_body())
        .expect(1)
        .create_async()
        .await;
    let verifier = RemoteSessionVerifier::new(
        JwksCache::new(client(&server)),
        VerifyOptions::new().clock(FixedClock::new(NOW)),
    );
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
    jwks.assert_async().await;
    assert_eq!(verifier.cache().fetch_count(), 1);
}

#[tokio::test]
async fn an_m2m_token_is_verified_through_the_machine_verifier_hook() {
    let mut server = Server::new_async().await;
    let verify = server
        .mock("POST", "/m2m_tokens/verify")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_body(Matcher::Json(json!({"token": "mt_0123"})))
        .with_header("content-type", "application/json")
        .with_body(
            json!({
                "object": "machine_to_machine_token", "id": "mt_0123", "subject": "mch_2abc",
                "claims": null, "scopes": ["mch_peer"], "revoked": false,
                "revocation_reason": null, "expired": false, "expiration": null,
                "last_used_at": null, "created_at": 1, "updated_at": 1
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let session = RemoteSessionVerifier::new(
        JwksCache::new(client(&server)),
        VerifyOptions::new().clock(FixedClock::new(NOW)),
    );
    let machine: Arc<MachineVerifier> = Arc::new(MachineVerifier::new(client(&server)));
    let options = options()
        .accepts_token(AcceptsToken::Any)
        .machine_verifier(machine);

    let state = authenticate_request(&parts("Bearer mt_0123"), &options, &session).await;
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.auth().token_type(), Some(TokenType::M2mToken));
    verify.assert_async().await;
}

#[tokio::test]
async fn handshake_nonces_resolve_through_the_backend_api() {
    let mut server = Server::new_async().await;
    let payload = server
        .mock("GET", "/v1/clients/handshake_payload")
        .match_query(Matcher::UrlEncoded("nonce".into(), "n0nce".into()))
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_header("content-type", "application/json")
        .with_body(
            json!({"directives": ["__session=abc; Path=/", "__client_uat=1; Path=/"]}).to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let resolver = BackendNonceResolver::new(client(&server));
    let directives = resolver.resolve("n0nce").await.unwrap();
    assert_eq!(
        directives,
        vec![
            "__session=abc; Path=/".to_owned(),
            "__client_uat=1; Path=/".to_owned()
        ]
    );
    payload.assert_async().await;

    // An unknown nonce is an error that names the failure, not an empty list.
    let missing = server
        .mock("GET", "/v1/clients/handshake_payload")
        .match_query(Matcher::UrlEncoded("nonce".into(), "gone".into()))
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_body(
            json!({"errors": [{"code": "resource_not_found", "message": "not found"}]}).to_string(),
        )
        .create_async()
        .await;
    let err = resolver.resolve("gone").await.unwrap_err();
    assert!(err.contains("404"), "{err}");
    missing.assert_async().await;
}

#[tokio::test]
async fn get_token_mints_session_and_template_tokens_for_signed_in_requests() {
    let mut server = Server::new_async().await;
    let plain = server
        .mock("POST", "/v1/sessions/sess_1/tokens")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_header("content-type", "application/json")
        .with_body(json!({"object": "token", "jwt": "eyJ.default.sig"}).to_string())
        .expect(1)
        .create_async()
        .await;
    let template = server
        .mock("POST", "/v1/sessions/sess_1/tokens/supabase")
        .with_header("content-type", "application/json")
        .with_body(json!({"object": "token", "jwt": "eyJ.supabase.sig"}).to_string())
        .expect(1)
        .create_async()
        .await;
    let key = PublicKey::from_pem(PUBLIC).unwrap().with_kid(KID);
    let verifier =
        clerk_auth::Verifier::with_options(key, VerifyOptions::new().clock(FixedClock::new(NOW)));
    let auth = clerk_auth::Auth::from_claims(verifier.verify(&session_token()).unwrap());
    let client = client(&server);

    assert_eq!(
        auth.get_token(&client, None).await.unwrap().as_deref(),
        Some("eyJ.default.sig")
    );
    assert_eq!(
        auth.get_token(&client, Some("supabase"))
            .await
            .unwrap()
            .as_deref(),
        Some("eyJ.supabase.sig")
    );
    plain.assert_async().await;
    template.assert_async().await;

    // Nothing to mint for a signed-out request, and nothing is sent.
    let signed_out =
        clerk_auth::Auth::signed_out(clerk_auth::SignedOutReason::Other("no token".into()));
    assert_eq!(signed_out.get_token(&client, None).await.unwrap(), None);
    // An empty template name is refused before any I/O.
    let err = auth.get_token(&client, Some("")).await.unwrap_err();
    assert!(
        matches!(err, clerk_core::Error::InvalidRequest(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn sessions_refresh_through_the_backend_api() {
    let mut server = Server::new_async().await;
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("host".to_owned(), vec!["example.com".to_owned()]);
    headers.insert("cookie".to_owned(), vec!["__refresh_x=r1".to_owned()]);
    let body = json!({
        "format": "cookie",
        "expired_token": "expired.jwt",
        "refresh_token": "r1",
        "request_origin": "https://example.com",
        "request_headers": {"host": ["example.com"], "cookie": ["__refresh_x=r1"]},
    });
    let refresh = server
        .mock("POST", "/v1/sessions/sess_1/refresh")
        .match_query(Matcher::UrlEncoded("suffixed_cookies".into(), "true".into()))
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(body))
        .with_header("content-type", "application/json")
        .with_body(
            json!({"object": "cookies", "cookies": ["__session_x=new; Path=/", "__client_uat_x=1; Path=/"]})
                .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let refresher = BackendSessionRefresher::new(client(&server));
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers.clone());
    let cookies = refresher.refresh("sess_1", request, true).await.unwrap();
    assert_eq!(
        cookies,
        vec![
            "__session_x=new; Path=/".to_owned(),
            "__client_uat_x=1; Path=/".to_owned()
        ]
    );
    refresh.assert_async().await;

    // Plain cookies: no `suffixed_cookies` in the query.
    let plain = server
        .mock("POST", "/v1/sessions/sess_2/refresh")
        .match_query(Matcher::Missing)
        .with_header("content-type", "application/json")
        .with_body(json!({"object": "cookies", "cookies": []}).to_string())
        .expect(1)
        .create_async()
        .await;
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers.clone());
    assert!(
        refresher
            .refresh("sess_2", request, false)
            .await
            .unwrap()
            .is_empty()
    );
    plain.assert_async().await;

    // A Backend API error is reported with its Clerk error code…
    let invalid = server
        .mock("POST", "/v1/sessions/sess_3/refresh")
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(
            json!({"errors": [{"code": "refresh_token_invalid", "message": "invalid"}]})
                .to_string(),
        )
        .create_async()
        .await;
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers.clone());
    let err = refresher
        .refresh("sess_3", request, false)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "refresh_token_invalid");
    invalid.assert_async().await;

    // …`unexpected_error` as a fetch error, and an error without a code as unexpected.
    let unexpected = server
        .mock("POST", "/v1/sessions/sess_4/refresh")
        .with_status(500)
        .with_header("content-type", "application/json")
        .with_body(json!({"errors": [{"code": "unexpected_error", "message": "oops"}]}).to_string())
        .create_async()
        .await;
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers.clone());
    let err = refresher
        .refresh("sess_4", request, false)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), RefreshError::FETCH_ERROR);
    unexpected.assert_async().await;

    let bare = server
        .mock("POST", "/v1/sessions/sess_5/refresh")
        .with_status(502)
        .with_body("bad gateway")
        .create_async()
        .await;
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers.clone());
    let err = refresher
        .refresh("sess_5", request, false)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), RefreshError::UNEXPECTED_BAPI_ERROR);
    bare.assert_async().await;

    // A Backend API that cannot be reached is a fetch error.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let offline = Client::builder()
        .secret_key(SECRET)
        .api_url(format!("http://{closed}"))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let request = RefreshRequest::new("expired.jwt", "r1", "https://example.com", headers);
    let err = BackendSessionRefresher::new(offline)
        .refresh("sess_1", request, false)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), RefreshError::FETCH_ERROR);
}

#[tokio::test]
async fn an_expired_cookie_session_is_refreshed_by_the_backend_api() {
    let mut server = Server::new_async().await;
    let expired = session_token_at(NOW - 1_000);
    let fresh = session_token();
    let refresh = server
        .mock("POST", "/v1/sessions/sess_1/refresh")
        .match_body(Matcher::PartialJson(json!({
            "format": "cookie",
            "expired_token": expired,
            "refresh_token": "r1",
            "request_origin": "https://example.com",
        })))
        .with_header("content-type", "application/json")
        .with_body(
            json!({"object": "cookies", "cookies": [format!("__session={fresh}; Path=/")]})
                .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let verifier = clerk_auth::Verifier::with_options(
        PublicKey::from_pem(PUBLIC).unwrap(),
        VerifyOptions::new().clock(FixedClock::new(NOW)),
    );
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
    let options =
        options().session_refresher(Arc::new(BackendSessionRefresher::new(client(&server))));
    let state = authenticate_request(&parts, &options, &verifier).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    assert_eq!(
        state.headers().get("set-cookie").unwrap(),
        format!("__session={fresh}; Path=/").as_str()
    );
    refresh.assert_async().await;
}
