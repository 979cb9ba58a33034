//! Bad input over raw HTTP: malformed JSON, wrong types, unknown fields and parameters, oversized
//! bodies, unknown routes, unimplemented operations and wrong secret keys each get Clerk's error
//! shape and status — and the server keeps answering afterwards.

use std::net::SocketAddr;

use clerk_testkit::Testkit;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP/1.1 exchange on a fresh connection: `(status, headers, body)`.
async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // The server may answer (413) before reading a large body; ignore write errors then.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

struct Kit {
    tk: Testkit,
}

impl Kit {
    async fn new() -> Kit {
        Kit {
            tk: Testkit::builder()
                .body_limit(64 * 1024)
                .start()
                .await
                .unwrap(),
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> (u16, String, Value) {
        let auth = format!("Bearer {}", self.tk.secret_key());
        let mut headers = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra);
        let (status, head, body) = raw(self.tk.addr(), method, path, &headers, body).await;
        let json = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        });
        (status, head, json)
    }
}

/// The body is Clerk's error shape; returns `(code, param_name)` of the first error.
fn clerk_error(body: &Value) -> (String, Option<String>) {
    let first = &body["errors"][0];
    assert!(first["message"].is_string(), "{body}");
    assert!(first["long_message"].is_string(), "{body}");
    assert!(
        body["clerk_trace_id"]
            .as_str()
            .is_some_and(|t| t.len() == 32),
        "{body}"
    );
    (
        first["code"].as_str().unwrap().to_owned(),
        first["meta"]["param_name"].as_str().map(str::to_owned),
    )
}

#[tokio::test]
async fn missing_or_wrong_secret_keys_are_401() {
    let kit = Kit::new().await;
    for auth in [
        None,
        Some("Bearer sk_test_wrong"),
        Some("Basic abc"),
        Some("Bearer"),
    ] {
        let mut headers = vec![];
        if let Some(a) = auth {
            headers.push(("authorization", a));
        }
        let (status, head, body) = raw(kit.tk.addr(), "GET", "/v1/users", &headers, b"").await;
        assert_eq!(status, 401, "{auth:?}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json")
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(clerk_error(&body).0, "clerk_key_invalid");
    }
    // The SDK sees a typed 401.
    let wrong = clerk_api::Clerk::from_builder(
        clerk_api::Clerk::builder()
            .secret_key("sk_test_wrong")
            .api_url(kit.tk.api_url()),
    )
    .unwrap();
    let error = wrong.users().list().await.unwrap_err();
    assert!(error.is_unauthorized());
    assert!(error.has_code("clerk_key_invalid"));
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let kit = Kit::new().await;
    for body in [
        &b"{not json"[..],
        b"[1, 2]",
        b"\"a string\"",
        b"\xff\xfe\x00garbage",
        b"{\"first_name\": \"unterminated",
    ] {
        let (status, _, json) = kit.send("POST", "/v1/users", body, &[]).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
        assert_eq!(clerk_error(&json).0, "malformed_request_body");
    }
    // Deep nesting hits serde_json's recursion limit, not the stack.
    let deep = format!(
        "{{\"public_metadata\": {}{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (status, _, json) = kit.send("POST", "/v1/users", deep.as_bytes(), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(clerk_error(&json).0, "malformed_request_body");
    // Not JSON at all.
    let (status, _, json) = kit
        .send(
            "POST",
            "/v1/users",
            b"first_name=Ada",
            &[("content-type", "text/plain")],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(clerk_error(&json).0, "malformed_request_body");
    // A bulk endpoint needs an array.
    let (status, _, _) = kit
        .send(
            "POST",
            "/v1/invitations/bulk",
            br#"{"email_address":"a@b.co"}"#,
            &[],
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn wrong_types_unknown_and_missing_fields_are_422() {
    let kit = Kit::new().await;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "POST",
            "/v1/users",
            r#"{"email_address": "ada@example.com"}"#,
            "form_param_format_invalid",
            "email_address",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"first_name": 5}"#,
            "form_param_format_invalid",
            "first_name",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"banned": "yes"}"#,
            "form_param_format_invalid",
            "banned",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"create_organizations_limit": 1.5}"#,
            "form_param_format_invalid",
            "create_organizations_limit",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"public_metadata": []}"#,
            "form_param_format_invalid",
            "public_metadata",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"email": ["ada@example.com"]}"#,
            "form_param_unknown",
            "email",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"email_address": ["not-an-email"]}"#,
            "form_param_format_invalid",
            "email_address",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"phone_number": ["555"]}"#,
            "form_param_format_invalid",
            "phone_number",
        ),
        (
            "POST",
            "/v1/users",
            r#"{"email_address_identification_status": ["maybe"]}"#,
            "form_param_value_invalid",
            "email_address_identification_status",
        ),
        (
            "POST",
            "/v1/organizations",
            r#"{}"#,
            "form_param_missing",
            "name",
        ),
        (
            "POST",
            "/v1/organizations",
            r#"{"name": "A", "max_allowed_memberships": -1}"#,
            "form_param_value_invalid",
            "max_allowed_memberships",
        ),
        (
            "POST",
            "/v1/actor_tokens",
            r#"{"user_id": "user_1", "actor": {}}"#,
            "form_param_missing",
            "actor.sub",
        ),
        (
            "POST",
            "/v1/sessions",
            r#"{"user_id": null}"#,
            "form_param_format_invalid",
            "user_id",
        ),
        (
            "GET",
            "/v1/users?limit=0",
            "",
            "form_param_value_invalid",
            "limit",
        ),
        (
            "GET",
            "/v1/users?limit=501",
            "",
            "form_param_value_invalid",
            "limit",
        ),
        (
            "GET",
            "/v1/users?limit=ten",
            "",
            "form_param_format_invalid",
            "limit",
        ),
        (
            "GET",
            "/v1/users?banned=maybe",
            "",
            "form_param_format_invalid",
            "banned",
        ),
        (
            "GET",
            "/v1/users?emailAddress=a%40b.co",
            "",
            "form_param_unknown",
            "emailAddress",
        ),
        (
            "GET",
            "/v1/users?order_by=-shoe_size",
            "",
            "form_param_value_invalid",
            "order_by",
        ),
        (
            "GET",
            "/v1/sessions?status=sleeping",
            "",
            "form_param_value_invalid",
            "status",
        ),
        ("GET", "/m2m_tokens", "", "form_param_missing", "subject"),
    ];
    for (method, path, body, code, param) in cases {
        let (status, _, json) = kit.send(method, path, body.as_bytes(), &[]).await;
        assert_eq!(status, 422, "{method} {path} {body}: {json}");
        assert_eq!(
            clerk_error(&json),
            ((*code).to_owned(), Some((*param).to_owned())),
            "{method} {path} {body}"
        );
    }
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let kit = Kit::new().await;
    let big = format!(
        "{{\"public_metadata\": {{\"blob\": \"{}\"}}}}",
        "x".repeat(100 * 1024)
    );
    let (status, _, json) = kit.send("POST", "/v1/users", big.as_bytes(), &[]).await;
    assert_eq!(status, 413);
    assert_eq!(clerk_error(&json).0, "request_body_too_large");
    // The default limit is 1 MiB.
    assert_eq!(clerk_testkit::DEFAULT_BODY_LIMIT, 1024 * 1024);
}

#[tokio::test]
async fn unknown_routes_are_404_and_unimplemented_operations_501() {
    let kit = Kit::new().await;
    for (method, path) in [
        ("GET", "/v1/nope"),
        ("GET", "/v2/users"),
        ("GET", "/users"),
        ("PUT", "/v1/users"),
        ("GET", "/v1/users/%FF%FE/nothing"),
        ("GET", "/"),
    ] {
        let (status, _, json) = kit.send(method, path, b"", &[]).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(clerk_error(&json).0, "resource_not_found");
    }
    let (status, _, json) = kit.send("GET", "/v1/instance", b"", &[]).await;
    assert_eq!(status, 501);
    assert_eq!(clerk_error(&json).0, "not_implemented");
    assert_eq!(json["errors"][0]["meta"]["operation_id"], "GetInstance");
    // Through the SDK: a typed error, never a fake success.
    let error = kit.tk.client().instance().get().await.unwrap_err();
    assert_eq!(error.status(), Some(clerk::StatusCode::NOT_IMPLEMENTED));
    assert!(error.has_code("not_implemented"));
    // Unknown resources.
    let (status, _, json) = kit.send("GET", "/v1/users/user_missing", b"", &[]).await;
    assert_eq!(status, 404);
    assert_eq!(clerk_error(&json).0, "resource_not_found");
}

#[tokio::test]
async fn the_server_survives_all_of_it() {
    let kit = Kit::new().await;
    let nasty: &[(&str, &str, &[u8])] = &[
        ("POST", "/v1/users", b"\x00\x01\x02"),
        ("POST", "/v1/users/ban", br#"{"user_ids": [1, 2]}"#),
        ("POST", "/v1/organizations/x/invitations/bulk", b"[]"),
        ("POST", "/v1/organizations/x/invitations/bulk", b"[1]"),
        (
            "PATCH",
            "/v1/users/x/metadata",
            br#"{"public_metadata": null}"#,
        ),
        (
            "GET",
            "/v1/users?created_at_after=99999999999999999999",
            b"",
        ),
        ("GET", "/v1/users?limit=-1&offset=-5", b""),
        (
            "POST",
            "/v1/jwt_templates",
            br#"{"name": "t", "claims": {"sub": "x"}}"#,
        ),
        ("PUT", "/v1/organizations/org_x/logo", b"not multipart"),
        ("POST", "/v1/users", br#"{"created_at": "yesterday"}"#),
        ("POST", "/v1/users", br#"{"totp_secret": "!!"}"#),
    ];
    for (method, path, body) in nasty {
        let (status, _, json) = kit.send(method, path, body, &[]).await;
        assert!(
            (400..500).contains(&status),
            "{method} {path}: {status} {json}"
        );
        clerk_error(&json);
    }
    let (status, _, json) = kit.send("GET", "/v1/users", b"", &[]).await;
    assert_eq!(status, 200);
    assert!(json.is_array());
}
