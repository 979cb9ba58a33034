//! `authenticate_request` and the tower layer, with every Backend API piece wired through the one
//! client: handshake nonces, session refresh and machine tokens.

use clerk::auth::request::{AcceptsToken, AuthStatus, cookie_suffix};
use clerk::{RequestOptions, TokenType};
use mockito::{Matcher, Server};
use serde_json::json;

use crate::support::{NOW, PUBLIC_KEY, PUBLISHABLE, SECRET, builder, clock, session_token};

fn parts(request: http::request::Builder) -> http::request::Parts {
    request.body(()).unwrap().into_parts().0
}

fn navigate(uri: &str) -> http::request::Builder {
    http::Request::get(uri)
        .header("host", "app.example.com")
        .header("x-forwarded-proto", "https")
        .header("sec-fetch-dest", "document")
        .header("accept", "text/html")
}

#[tokio::test]
async fn a_bearer_session_token_signs_in() {
    let server = Server::new_async().await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .publishable_key(PUBLISHABLE)
        .build()
        .unwrap();
    let token = session_token(json!({}));
    let request = http::Request::get("/api/me")
        .header("host", "app.example.com")
        .header("authorization", format!("Bearer {token}"));
    let state = clerk
        .authenticate_request(&parts(request), &RequestOptions::new())
        .await;
    assert_eq!(state.status(), AuthStatus::SignedIn);
    assert_eq!(state.auth().user_id(), Some("user_1"));
    // Without a publishable key the header still works (the cookie flow needs the key).
    let bare = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .build()
        .unwrap();
    let request = http::Request::get("/api/me").header("authorization", format!("Bearer {token}"));
    let state = bare
        .authenticate_request(&parts(request), &RequestOptions::new())
        .await;
    assert_eq!(state.status(), AuthStatus::SignedIn);
}

#[tokio::test]
async fn handshake_nonces_are_resolved_through_the_backend_api() {
    let mut server = Server::new_async().await;
    let fresh = session_token(json!({"iat": NOW}));
    let payload = server
        .mock("GET", "/v1/clients/handshake_payload")
        .match_query(Matcher::UrlEncoded("nonce".into(), "nonce_123".into()))
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .with_status(200)
        .with_body(
            json!({"directives": [
                format!("__session={fresh}; Path=/; Secure; SameSite=Lax"),
                format!("__client_uat={NOW}; Path=/; Secure; SameSite=Lax"),
            ]})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
        .build()
        .unwrap();
    let request = navigate("/dashboard?__clerk_handshake_nonce=nonce_123");
    let state = clerk
        .authenticate_request(&parts(request), &RequestOptions::new())
        .await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    let cookies: Vec<&str> = state
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(cookies[0].starts_with("__session="));
    payload.assert_async().await;

    // A handshake redirect asks for a nonce, since this client can resolve one.
    let request = navigate("/dashboard").header("cookie", "__client_uat=5");
    let state = clerk
        .authenticate_request(&parts(request), &RequestOptions::new())
        .await;
    assert_eq!(state.status(), AuthStatus::Handshake);
    let location = state.redirect_location().unwrap();
    assert!(
        location.starts_with("https://clerk.example.com/v1/client/handshake?"),
        "{location}"
    );
    assert!(location.contains("format=nonce"), "{location}");
}

#[tokio::test]
async fn expired_sessions_are_refreshed_through_the_backend_api() {
    let mut server = Server::new_async().await;
    let expired = session_token(json!({"exp": NOW - 30, "iat": NOW - 90, "nbf": NOW - 90}));
    let fresh = session_token(json!({"iat": NOW}));
    let suffix = cookie_suffix(PUBLISHABLE);
    let refresh = server
        .mock("POST", "/v1/sessions/sess_1/refresh")
        .match_header("authorization", format!("Bearer {SECRET}").as_str())
        .match_body(Matcher::PartialJson(json!({
            "format": "cookie",
            "expired_token": expired,
            "refresh_token": "refresh_abc",
            "request_origin": "https://app.example.com",
            "request_headers": {"host": ["app.example.com"]},
        })))
        .with_status(200)
        .with_body(
            json!({"object": "cookies", "cookies": [
                format!("__session={fresh}; Path=/; Secure"),
            ]})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .publishable_key(PUBLISHABLE)
        .build()
        .unwrap();
    let cookie = format!(
        "__session={expired}; __client_uat={}; __refresh_{suffix}=refresh_abc; __clerk_db_jwt=dvb_1",
        NOW - 100
    );
    let request = navigate("/dashboard").header("cookie", cookie);
    let state = clerk
        .authenticate_request(&parts(request), &RequestOptions::new())
        .await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.token(), Some(fresh.as_str()));
    assert!(state.headers().get(http::header::SET_COOKIE).is_some());
    refresh.assert_async().await;
}

#[tokio::test]
async fn machine_tokens_are_verified_through_the_backend_api() {
    let mut server = Server::new_async().await;
    let verify = server
        .mock("POST", "/api_keys/verify")
        .match_body(Matcher::Json(json!({"secret": "ak_live_1"})))
        .with_status(200)
        .with_body(
            json!({"object": "api_key", "id": "ak_1", "subject": "user_9", "name": "CLI",
                   "scopes": ["read"], "revoked": false, "expired": false})
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .build()
        .unwrap();
    let options = RequestOptions::new().accepts_token(AcceptsToken::Any);
    let request = http::Request::get("/api").header("authorization", "Bearer ak_live_1");
    let state = clerk.authenticate_request(&parts(request), &options).await;
    assert_eq!(state.status(), AuthStatus::SignedIn, "{state:?}");
    assert_eq!(state.auth().token_type(), Some(TokenType::ApiKey));
    // A route for M2M tokens only refuses it before any call.
    let m2m_only = RequestOptions::new().accepts_token(TokenType::M2mToken);
    let request = http::Request::get("/api").header("authorization", "Bearer ak_live_1");
    let state = clerk.authenticate_request(&parts(request), &m2m_only).await;
    assert_eq!(state.status(), AuthStatus::SignedOut);
    verify.assert_async().await;
}

#[cfg(all(feature = "tower", feature = "axum"))]
#[tokio::test]
async fn the_layer_is_built_from_the_client() {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use clerk::auth::request::axum::RequireAuth;
    use tower::ServiceExt as _;

    async fn me(RequireAuth(auth): RequireAuth) -> String {
        auth.user_id().unwrap_or_default().to_owned()
    }

    let server = Server::new_async().await;
    let clerk = builder(&server.url(), &clock())
        .jwt_key(PUBLIC_KEY)
        .publishable_key(PUBLISHABLE)
        .build()
        .unwrap();
    let app = Router::new().route("/me", get(me)).layer(clerk.layer());
    let token = session_token(json!({}));
    let response = app
        .clone()
        .oneshot(
            http::Request::get("/me")
                .header("host", "app.example.com")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), http::StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"user_1");
    let response = app
        .oneshot(
            http::Request::get("/me")
                .header("host", "app.example.com")
                .header("authorization", "Bearer nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), http::StatusCode::UNAUTHORIZED);
}
