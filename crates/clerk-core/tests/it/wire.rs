//! What goes on the wire: method, URL, query, headers and bodies.

use std::sync::{Arc, Mutex};

use crate::common::{KEY, RecordingTransport, builder, client, user_agent};
use clerk_core::{Client, FilePart, ManualClock, Method, Multipart, Request};
use mockito::Matcher;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
struct User {
    id: String,
}

#[tokio::test]
async fn get_sends_standard_headers_and_percent_encoded_id() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/users/user%2F1%3Fx%23y%20z")
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("clerk-api-version", "2026-05-12")
        .match_header("user-agent", user_agent().as_str())
        .match_header("content-type", Matcher::Missing)
        .match_query(Matcher::Missing)
        .with_status(200)
        .with_header("content-type", "application/json; charset=utf-8")
        .with_body(r#"{"id":"user/1?x#y z","extra":true}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);

    let user: User = client
        .execute(
            Request::new(Method::GET, "/users/{user_id}").path_param("user_id", "user/1?x#y z"),
        )
        .await
        .unwrap();

    assert_eq!(user.id, "user/1?x#y z");
    mock.assert_async().await;
}

#[tokio::test]
async fn unversioned_requests_have_no_v1_prefix_and_base_path_is_kept() {
    let mut server = mockito::Server::new_async().await;
    let unversioned = server
        .mock("GET", "/m2m_tokens")
        .with_body(r#"{"m2m_tokens":[],"total_count":0}"#)
        .expect(1)
        .create_async()
        .await;
    let based = server
        .mock("DELETE", "/proxy/clerk/v1/users/u1")
        .with_body(r#"{"id":"u1","object":"user","deleted":true}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let _: serde_json::Value = client
        .execute(Request::new(Method::GET, "/m2m_tokens").versioned(false))
        .await
        .unwrap();

    let clock = ManualClock::new();
    let proxied = builder(&format!("{}/proxy/clerk/", server.url()), &clock)
        .build()
        .unwrap();
    let deleted: User = proxied
        .execute(Request::new(Method::DELETE, "/users/{id}").path_param("id", "u1"))
        .await
        .unwrap();
    assert_eq!(deleted.id, "u1");
    unversioned.assert_async().await;
    based.assert_async().await;
}

#[tokio::test]
async fn query_uses_repeated_keys_and_form_encoding() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact(
            "email_address=a%40x.io&email_address=b+c%2Bd%40x.io&limit=10&offset=0\
             &include_invalid=false&query=%C3%A9%26%3D%7E*"
                .to_owned(),
        ))
        .with_body("[]")
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let req = Request::new(Method::GET, "/users")
        .query("email_address", vec!["a@x.io", "b c+d@x.io"])
        .query("phone_number", Vec::<String>::new())
        .query("limit", 10u32)
        .query("offset", 0u64)
        .query("include_invalid", false)
        .query("order_by", None::<&str>)
        .query("query", "é&=~*");
    let users: Vec<User> = client.execute(req).await.unwrap();
    assert!(users.is_empty());
    mock.assert_async().await;
}

#[tokio::test]
async fn json_body_is_sent_with_content_type() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/users")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(json!({
            "email_address": ["a@x.io"],
            "public_metadata": {"fooBar": {"bazQux": 1}},
            "skip_password_checks": false
        })))
        .with_status(201)
        .with_body(r#"{"id":"user_new"}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let body = json!({
        "email_address": ["a@x.io"],
        "public_metadata": {"fooBar": {"bazQux": 1}},
        "skip_password_checks": false
    });
    let user: User = client
        .execute(Request::new(Method::POST, "/users").json(&body))
        .await
        .unwrap();
    assert_eq!(user.id, "user_new");
    mock.assert_async().await;
}

/// Content type and body of a captured request.
type Captured = (String, Vec<u8>);

#[tokio::test]
async fn multipart_body_has_boundary_and_parts() {
    let mut server = mockito::Server::new_async().await;
    let captured: Arc<Mutex<Option<Captured>>> = Arc::default();
    let sink = captured.clone();
    let mock = server
        .mock("PUT", "/v1/organizations/org_1/logo")
        .match_header(
            "content-type",
            Matcher::Regex("^multipart/form-data; boundary=clerk-rust-[0-9a-f]{32}$".into()),
        )
        .match_request(move |req| {
            let ct = req.header("content-type")[0].to_str().unwrap().to_owned();
            *sink.lock().unwrap() = Some((ct, req.body().unwrap().clone()));
            true
        })
        .with_body(r#"{"id":"org_1"}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let png: &[u8] = b"\x89PNG\r\n\x1a\nrest";
    let form = Multipart::new().text("uploader_user_id", "user_1").file(
        "file",
        FilePart::new(png)
            .file_name("logo.png")
            .content_type("image/png"),
    );
    let _: serde_json::Value = client
        .execute(
            Request::new(Method::PUT, "/organizations/{organization_id}/logo")
                .path_param("organization_id", "org_1")
                .multipart(form),
        )
        .await
        .unwrap();
    mock.assert_async().await;

    let (content_type, body) = captured.lock().unwrap().take().unwrap();
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let mut expected = Vec::new();
    expected.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"uploader_user_id\"\r\n\r\n\
             user_1\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    expected.extend_from_slice(png);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(body, expected);
}

#[tokio::test]
async fn default_and_request_headers_and_custom_user_agent() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", "/v1/emails")
        .match_header("user-agent", "my-app/1.0")
        .match_header("x-team", "blue")
        .match_header("x-env", "override")
        .match_header("idempotency-key", "key_1")
        .match_header("authorization", format!("Bearer {KEY}").as_str())
        .with_body("{}")
        .expect(1)
        .create_async()
        .await;
    let machine = server
        .mock("GET", "/m2m_tokens")
        .match_header("authorization", "Bearer ak_machine")
        .with_body("[]")
        .expect(1)
        .create_async()
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.url(), &clock)
        .user_agent("my-app/1.0")
        .default_header("x-team", "blue")
        .default_header("x-env", "default")
        .build()
        .unwrap();
    let _: serde_json::Value = client
        .execute(
            Request::new(Method::POST, "/emails")
                .header(
                    http::HeaderName::from_static("x-env"),
                    http::HeaderValue::from_static("override"),
                )
                .header(
                    http::HeaderName::from_static("idempotency-key"),
                    http::HeaderValue::from_static("key_1"),
                ),
        )
        .await
        .unwrap();
    let _: serde_json::Value = client
        .execute(
            Request::new(Method::GET, "/m2m_tokens")
                .versioned(false)
                .header(
                    http::header::AUTHORIZATION,
                    http::HeaderValue::from_static("Bearer ak_machine"),
                ),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    machine.assert_async().await;
}

#[tokio::test]
async fn authorization_header_is_marked_sensitive() {
    let transport = RecordingTransport::fixed(200, "{}");
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport.clone())
        .build()
        .unwrap();
    let _: serde_json::Value = client
        .execute(Request::new(Method::GET, "/jwks"))
        .await
        .unwrap();
    let requests = transport.requests.lock().unwrap();
    let req = &requests[0];
    assert_eq!(req.uri().to_string(), "https://api.clerk.com/v1/jwks");
    let auth = &req.headers()[http::header::AUTHORIZATION];
    assert!(auth.is_sensitive());
    assert_eq!(auth.to_str().unwrap(), format!("Bearer {KEY}"));
    assert!(!format!("{:?}", req.headers()).contains("SuperSecret"));
}

#[tokio::test]
async fn no_content_and_empty_bodies_decode_as_null() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("DELETE", "/v1/sessions/sess_1")
        .with_status(204)
        .expect(1)
        .create_async()
        .await;
    server
        .mock("POST", "/v1/sessions/sess_1/revoke")
        .with_status(200)
        .with_body("")
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let unit: () = client
        .execute(Request::new(Method::DELETE, "/sessions/{id}").path_param("id", "sess_1"))
        .await
        .unwrap();
    assert_eq!(unit, ());
    let nothing: Option<User> = client
        .execute(Request::new(Method::POST, "/sessions/{id}/revoke").path_param("id", "sess_1"))
        .await
        .unwrap();
    assert_eq!(nothing, None);
}

#[tokio::test]
async fn execute_raw_returns_status_headers_and_body() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/v1/instance")
        .with_status(202)
        .with_header("x-thing", "1")
        .with_body("not json")
        .create_async()
        .await;
    let (client, _) = client(&server);
    let raw = client
        .execute_raw(Request::new(Method::GET, "/instance"))
        .await
        .unwrap();
    assert_eq!(raw.status(), http::StatusCode::ACCEPTED);
    assert_eq!(raw.headers()["x-thing"], "1");
    assert_eq!(raw.body().as_ref(), b"not json");
    assert!(raw.json::<serde_json::Value>().is_err());
}
