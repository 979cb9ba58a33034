//! What the Backend API calls behind verification and request authentication put on the wire,
//! and how their failures are reported: the calls `clerk-auth` asks for through its traits, made
//! here with the generated client.

use std::time::Duration;

use clerk::auth::ReasonKind;
use clerk::auth::machine::TokenKind;
use clerk::auth::remote::{BackendErrorKind, MachineTokenApi, SessionTokenApi};
use clerk::auth::request::{HandshakeNonceResolver, RefreshRequest, SessionRefresher};
use clerk::{Clerk, ManualClock, RetryPolicy};
use mockito::{Matcher, Server};
use serde_json::json;

use crate::support::{NOW, SECRET, builder, clock, jwks, session_token};

#[tokio::test]
async fn two_clients_never_share_keys() {
    let mut a = Server::new_async().await;
    let mut b = Server::new_async().await;
    let a_jwks = a
        .mock("GET", "/v1/jwks")
        .match_header("authorization", "Bearer sk_test_a")
        .with_body(jwks())
        .expect(1)
        .create_async()
        .await;
    // Instance b publishes another key: the token of instance a must not verify there.
    let other = clerk::auth::PublicKey::from_pem(include_str!(
        "../../../clerk-auth/tests/fixtures/wrong2048.spki.pem"
    ))
    .unwrap()
    .with_kid(crate::support::KID);
    let b_jwks = b
        .mock("GET", "/v1/jwks")
        .match_header("authorization", "Bearer sk_test_b")
        .with_body(serde_json::to_string(&clerk::auth::JwkSet::new(vec![other.to_jwk()])).unwrap())
        .expect(1)
        .create_async()
        .await;
    let clock = clock();
    let client_a = builder(&a.url(), &clock)
        .secret_key("sk_test_a")
        .build()
        .unwrap();
    let client_b = builder(&b.url(), &clock)
        .secret_key("sk_test_b")
        .build()
        .unwrap();
    let token = session_token(json!({}));
    assert!(client_a.verify_token(&token).await.is_ok());
    assert_eq!(
        client_b.verify_token(&token).await.unwrap_err().reason(),
        ReasonKind::TokenInvalidSignature
    );
    a_jwks.assert_async().await;
    b_jwks.assert_async().await;
}

#[tokio::test]
async fn jwks_fetches_follow_the_clients_retry_policy_and_clock() {
    let mut server = Server::new_async().await;
    let unavailable = server
        .mock("GET", "/v1/jwks")
        .with_status(503)
        .expect(3)
        .create_async()
        .await;
    let clock = ManualClock::at_unix(NOW);
    let clerk = Clerk::builder()
        .secret_key(SECRET)
        .api_url(server.url())
        .retry_policy(RetryPolicy::standard())
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = clerk
        .verify_token(&session_token(json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert!(err.message().contains("code=503"), "{err}");
    assert!(!err.message().contains(SECRET));
    // Three attempts, two back-off waits, all on the one clock.
    assert_eq!(clock.sleeps().len(), 2);
    unavailable.assert_async().await;
}

#[tokio::test]
async fn the_machine_secret_key_authenticates_m2m_verification_only() {
    let mut server = Server::new_async().await;
    let m2m = server
        .mock("POST", "/m2m_tokens/verify")
        .match_header("authorization", "Bearer ak_machine_secret")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({"token": "mt_1"})))
        .with_body(r#"{"id":"mt_1","subject":"mch_1"}"#)
        .expect(1)
        .create_async()
        .await;
    let api_key = server
        .mock("POST", "/api_keys/verify")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_status(404)
        .with_body("{}")
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .machine_secret_key("ak_machine_secret")
        .build()
        .unwrap();
    let backend = clerk.auth_backend();
    let answer = backend
        .verify_opaque_token(TokenKind::M2mOpaque, "mt_1")
        .await
        .unwrap();
    assert_eq!(
        (answer.id.as_str(), answer.subject.as_str()),
        ("mt_1", "mch_1")
    );
    let err = backend
        .verify_opaque_token(TokenKind::ApiKey, "ak_1")
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (BackendErrorKind::Api, Some(404))
    );
    assert!(!format!("{backend:?}").contains("ak_machine_secret"));
    m2m.assert_async().await;
    api_key.assert_async().await;
}

#[tokio::test]
async fn machine_verify_error_bodies_map_like_the_reference() {
    let cases = [
        // (status, body, code, message prefix)
        (
            401,
            r#"{"errors":[{"code":"clerk_key_invalid","message":"Invalid key","long_message":"Long"}]}"#,
            "secret-key-invalid",
            "Invalid key",
        ),
        (401, "", "secret-key-invalid", "Invalid secret key"),
        (404, "{}", "token-invalid", "API key not found"),
        (500, "oops", "unexpected-error", "Unexpected error"),
    ];
    for (status, body, code, message) in cases {
        let mut server = Server::new_async().await;
        let _mock = server
            .mock("POST", "/api_keys/verify")
            .with_status(status)
            .with_body(body)
            .create_async()
            .await;
        let clerk = builder(&server.url(), &clock()).build().unwrap();
        let err = clerk.verify_machine_token("ak_x").await.unwrap_err();
        assert_eq!(err.code().as_str(), code, "{status} {body}");
        assert!(err.message().starts_with(message), "{status}: {err}");
        assert_eq!(err.status(), Some(u16::try_from(status).unwrap()));
        assert!(!err.to_string().contains(SECRET));
    }
}

#[tokio::test]
async fn handshake_nonces_resolve_or_report_why_not() {
    let mut server = Server::new_async().await;
    let found = server
        .mock("GET", "/v1/clients/handshake_payload")
        .match_query(Matcher::UrlEncoded("nonce".into(), "n0nce".into()))
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_body(r#"{"directives":["__session=a; Path=/","__client_uat=1; Path=/"]}"#)
        .expect(1)
        .create_async()
        .await;
    let gone = server
        .mock("GET", "/v1/clients/handshake_payload")
        .match_query(Matcher::UrlEncoded("nonce".into(), "gone".into()))
        .with_status(404)
        .with_body(r#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    let backend = clerk.auth_backend();
    assert_eq!(
        backend.resolve("n0nce").await.unwrap(),
        ["__session=a; Path=/", "__client_uat=1; Path=/"]
    );
    let err = backend.resolve("gone").await.unwrap_err();
    assert!(err.contains("404"), "{err}");
    found.assert_async().await;
    gone.assert_async().await;
}

#[tokio::test]
async fn session_tokens_are_minted_and_empty_templates_refused() {
    let mut server = Server::new_async().await;
    let minted = server
        .mock("POST", "/v1/sessions/sess_1/tokens")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_body(r#"{"object":"token","jwt":"a.b.c"}"#)
        .expect(1)
        .create_async()
        .await;
    let nothing_else = server
        .mock(
            "POST",
            Matcher::Regex("^/v1/sessions/sess_1/tokens/".to_owned()),
        )
        .expect(0)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    let backend = clerk.auth_backend();
    assert_eq!(
        backend.create_session_token("sess_1", None).await.unwrap(),
        "a.b.c"
    );
    // An empty template name is refused before any I/O.
    let err = backend
        .create_session_token("sess_1", Some(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), BackendErrorKind::Other);
    minted.assert_async().await;
    nothing_else.assert_async().await;
}

fn refresh_request<'a>() -> RefreshRequest<'a> {
    RefreshRequest::new(
        "expired.jwt",
        "r1",
        "https://example.com",
        [
            ("host".to_owned(), vec!["example.com".to_owned()]),
            ("cookie".to_owned(), vec!["__refresh_x=r1".to_owned()]),
        ]
        .into_iter()
        .collect(),
    )
}

#[tokio::test]
async fn session_refresh_sends_the_reference_body() {
    let mut server = Server::new_async().await;
    let suffixed = server
        .mock("POST", "/v1/sessions/sess_1/refresh")
        .match_query(Matcher::UrlEncoded(
            "suffixed_cookies".into(),
            "true".into(),
        ))
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "format": "cookie",
            "expired_token": "expired.jwt",
            "refresh_token": "r1",
            "request_origin": "https://example.com",
            "request_headers": {"host": ["example.com"], "cookie": ["__refresh_x=r1"]},
        })))
        .with_body(r#"{"object":"cookies","cookies":["__session=new; Path=/","__client_uat=2"]}"#)
        .expect(1)
        .create_async()
        .await;
    let plain = server
        .mock("POST", "/v1/sessions/sess_2/refresh")
        .match_query(Matcher::Missing)
        .with_body(r#"{"object":"cookies","cookies":[]}"#)
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock()).build().unwrap();
    let backend = clerk.auth_backend();
    assert_eq!(
        backend
            .refresh("sess_1", refresh_request(), true)
            .await
            .unwrap(),
        ["__session=new; Path=/", "__client_uat=2"]
    );
    assert!(
        backend
            .refresh("sess_2", refresh_request(), false)
            .await
            .unwrap()
            .is_empty()
    );
    suffixed.assert_async().await;
    plain.assert_async().await;
}

#[tokio::test]
async fn session_refresh_failures_become_the_reference_reasons() {
    let cases = [
        (
            400,
            r#"{"errors":[{"code":"refresh_token_invalid","message":"x"}]}"#,
            "refresh_token_invalid",
        ),
        (
            500,
            r#"{"errors":[{"code":"unexpected_error","message":"x"}]}"#,
            "fetch-error",
        ),
        (502, "bad gateway", "unexpected-bapi-error"),
    ];
    for (status, body, reason) in cases {
        let mut server = Server::new_async().await;
        let _mock = server
            .mock("POST", "/v1/sessions/sess_1/refresh")
            .with_status(status)
            .with_body(body)
            .create_async()
            .await;
        let clerk = builder(&server.url(), &clock()).build().unwrap();
        let err = clerk
            .auth_backend()
            .refresh("sess_1", refresh_request(), false)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), reason, "{status}");
    }
    // Nothing listening: a network failure.
    let closed = Clerk::builder()
        .secret_key(SECRET)
        .api_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::disabled())
        .attempt_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = closed
        .auth_backend()
        .refresh("sess_1", refresh_request(), false)
        .await
        .unwrap_err();
    assert_eq!(err.reason(), "fetch-error");
}

#[tokio::test(start_paused = true)]
async fn a_hanging_jwks_endpoint_fails_a_cold_verification_within_the_jwks_timeout() {
    use tokio::io::AsyncReadExt as _;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                // Read the request, then never answer.
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            });
        }
    });
    // The API calls may take a minute; JWKS fetches get their own 5 s.
    let clerk = Clerk::builder()
        .secret_key(SECRET)
        .api_url(&url)
        .call_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = clerk
        .verify_token(&session_token(json!({})))
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.reason(), ReasonKind::JwksFailedToLoad);
    assert_eq!(err.reason().as_str(), "jwk-remote-failed-to-load");
    assert!(took <= clerk::DEFAULT_JWKS_TIMEOUT, "{took:?}");
    assert!(took >= Duration::from_secs(4), "{took:?}");
    assert!(accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}
