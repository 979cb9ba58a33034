//! Session tokens, machine tokens, session tokens minted for `Auth::get_token`, and webhooks,
//! all through the one client: what it sends, and what it concludes.

use std::time::Duration;

#[cfg(feature = "webhooks")]
use clerk::Clerk;
use clerk::auth::{Auth, ReasonKind};
use clerk::{ManualClock, TokenType};
use mockito::{Matcher, Server};
use serde_json::json;

use crate::support::{NOW, PUBLIC_KEY, SECRET, builder, clock, jwks, session_token};

#[tokio::test]
async fn with_a_jwt_key_tokens_verify_without_any_request() {
    let mut server = Server::new_async().await;
    let nothing = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .authorized_parties(["https://app.example.com"])
        .build()
        .unwrap();
    let claims = clerk.verify_token(&session_token(json!({}))).await.unwrap();
    assert_eq!(claims.sub, "user_1");
    let err = clerk
        .verify_token(&session_token(json!({"azp": "https://evil.example.com"})))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenInvalidAuthorizedParties);
    nothing.assert_async().await;
}

#[tokio::test]
async fn without_one_the_jwks_is_fetched_once_with_the_secret_key() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/jwks")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_header("clerk-api-version", "2026-05-12")
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(jwks())
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    for _ in 0..3 {
        let claims = clerk.verify_token(&session_token(json!({}))).await.unwrap();
        assert_eq!(claims.session_id(), Some("sess_1"));
    }
    // A machine JWT reuses the same cache.
    let m2m = crate::support::sign(
        &json!({"alg": "RS256", "kid": crate::support::KID, "cat": "cl_B7d4PD333AAA"}),
        &json!({"sub": "mch_1", "exp": NOW + 60, "iat": NOW}),
    );
    let machine = clerk.verify_machine_token(&m2m).await.unwrap();
    assert_eq!(machine.token_type(), TokenType::M2mToken);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_rejected_secret_key_is_reported_as_such() {
    let mut server = Server::new_async().await;
    let _mock = server
        .mock("GET", "/v1/jwks")
        .with_status(401)
        .with_body(
            r#"{"errors":[{"code":"clerk_key_invalid","message":"The secret key is invalid."}]}"#,
        )
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    let err = clerk
        .verify_token(&session_token(json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::SecretKeyInvalid);
    assert!(
        err.message().starts_with("The secret key is invalid."),
        "{err}"
    );
    assert!(err.message().contains("/v1/jwks"), "{err}");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn opaque_machine_tokens_go_to_the_unversioned_verify_endpoints() {
    let mut server = Server::new_async().await;
    let m2m = server
        .mock("POST", "/m2m_tokens/verify")
        .match_header("authorization", "Bearer ak_machine_secret")
        .match_body(Matcher::Json(json!({"token": "mt_0123"})))
        .with_status(200)
        .with_body(
            json!({"object": "machine_to_machine_token", "id": "mt_0123", "subject": "mch_1",
                   "scopes": ["mch_2"], "revoked": false, "expired": false, "expiration": null})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let api_key = server
        .mock("POST", "/api_keys/verify")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_body(Matcher::Json(json!({"secret": "ak_0123"})))
        .with_status(200)
        .with_body(
            json!({"object": "api_key", "id": "ak_0123", "subject": "org_1", "name": "CI",
                   "scopes": [], "revoked": false, "expired": false})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let oauth = server
        .mock("POST", "/oauth_applications/access_tokens/verify")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_body(Matcher::Json(json!({"access_token": "oat_0123"})))
        .with_status(200)
        .with_body(
            json!({"object": "clerk_idp_oauth_access_token", "id": "oat_0123",
                   "client_id": "client_1", "subject": "user_1", "scopes": ["profile"],
                   "revoked": false, "expired": false, "aud": "https://api.example.com"})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let versioned = server
        .mock("POST", Matcher::Regex("^/v1/".to_owned()))
        .expect(0)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .machine_secret_key("ak_machine_secret")
        .audience(["https://api.example.com"])
        .build()
        .unwrap();
    let machine = clerk.verify_machine_token("mt_0123").await.unwrap();
    assert_eq!(
        (machine.token_type(), machine.subject()),
        (TokenType::M2mToken, "mch_1")
    );
    let machine = clerk.verify_machine_token("ak_0123").await.unwrap();
    assert_eq!(machine.name(), Some("CI"));
    let machine = clerk.verify_machine_token("oat_0123").await.unwrap();
    assert_eq!(machine.user_id(), Some("user_1"));
    for mock in [m2m, api_key, oauth, versioned] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn machine_verify_failures_keep_the_reference_codes() {
    let mut server = Server::new_async().await;
    let _gone = server
        .mock("POST", "/api_keys/verify")
        .with_status(404)
        .with_body(r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#)
        .create_async()
        .await;
    let _denied = server
        .mock("POST", "/m2m_tokens/verify")
        .with_status(401)
        .with_body(r#"{"errors":[{"code":"clerk_key_invalid","message":"Invalid machine key"}]}"#)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    let err = clerk.verify_machine_token("ak_gone").await.unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.status()),
        ("token-invalid", Some(404))
    );
    assert_eq!(err.message(), "API key not found");
    let err = clerk.verify_machine_token("mt_x").await.unwrap_err();
    assert_eq!(err.code().as_str(), "secret-key-invalid");
    assert_eq!(err.message(), "Invalid machine key");
}

#[tokio::test]
async fn auth_get_token_mints_through_the_client() {
    let mut server = Server::new_async().await;
    let plain = server
        .mock("POST", "/v1/sessions/sess_1/tokens")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_status(200)
        .with_body(r#"{"object":"token","jwt":"header.payload.sig"}"#)
        .expect(1)
        .create_async()
        .await;
    let templated = server
        .mock("POST", "/v1/sessions/sess_1/tokens/supabase")
        .with_status(200)
        .with_body(r#"{"object":"token","jwt":"t.e.mplate"}"#)
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .build()
        .unwrap();
    let auth = Auth::from_verification(clerk.verify_token(&session_token(json!({}))).await);
    let backend = clerk.auth_backend();
    assert_eq!(
        auth.get_token(backend, None).await.unwrap().as_deref(),
        Some("header.payload.sig")
    );
    assert_eq!(
        auth.get_token(backend, Some("supabase"))
            .await
            .unwrap()
            .as_deref(),
        Some("t.e.mplate")
    );
    // Signed out: nothing to mint, nothing sent.
    let signed_out = Auth::from_verification(clerk.verify_token("nope").await);
    assert_eq!(signed_out.get_token(backend, None).await.unwrap(), None);
    plain.assert_async().await;
    templated.assert_async().await;
}

#[tokio::test]
async fn one_clock_moves_every_part() {
    let mut server = Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/jwks")
        .with_status(200)
        .with_body(jwks())
        .expect(2)
        .create_async()
        .await;
    let clock = ManualClock::at_unix(NOW);
    let secret = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=";
    let clerk = builder(&server.url(), &clock)
        .webhook_signing_secret(secret)
        .build()
        .unwrap();
    let token = session_token(json!({}));
    assert!(clerk.verify_token(&token).await.is_ok());

    // Six minutes later: the token expired, and the JWKS cache refetched (fixed 5-minute TTL;
    // the expired keys answer while the refresh runs).
    clock.advance(Duration::from_secs(360));
    let err = clerk.verify_token(&token).await.unwrap_err();
    assert_eq!(err.reason(), ReasonKind::TokenExpired);
    let cache = clerk.jwks_cache().unwrap();
    cache.wait_for_refresh().await;
    assert_eq!(cache.fetch_count(), 2);
    mock.assert_async().await;

    // Webhooks read the same clock: a delivery signed at NOW is now too old.
    #[cfg(feature = "webhooks")]
    webhooks_read_the_clock(&clerk, secret);
}

#[cfg(feature = "webhooks")]
fn webhooks_read_the_clock(clerk: &Clerk, secret: &str) {
    let body = br#"{"type":"user.deleted","instance_id":"ins_1","timestamp":1,"data":{"id":"user_1","deleted":true}}"#;
    let webhook = clerk::auth::webhooks::Webhook::new(secret).unwrap();
    let headers = webhook.headers("msg_1", NOW, body).unwrap();
    let err = clerk.verify_webhook(&headers, body).unwrap_err();
    assert_eq!(err.code(), "timestamp_too_old");
    let fresh = webhook.headers("msg_2", NOW + 360, body).unwrap();
    let event = clerk.verify_webhook(&fresh, body).unwrap();
    assert_eq!(event.event_type(), "user.deleted");
}

#[cfg(feature = "webhooks")]
#[tokio::test]
async fn webhooks_need_a_signing_secret() {
    let clerk = Clerk::new(SECRET).unwrap();
    let err = clerk
        .verify_webhook(&http::HeaderMap::new(), b"{}")
        .unwrap_err();
    assert_eq!(err.code(), "invalid_secret");
    assert!(err.to_string().contains("CLERK_WEBHOOK_SIGNING_SECRET"));
}
