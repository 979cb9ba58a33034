//! Error decoding, pre-I/O validation, configuration errors and secret redaction.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::{KEY, RecordingTransport, client};
use clerk_core::{
    ClerkError, Client, ConfigError, Error, InvalidRequestKind, Method, Request, RetryPolicy,
    SecretKey,
};
use serde::Deserialize;
use serde_json::json;

#[tokio::test]
async fn not_found_decodes_clerk_error_body() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/v1/users/user_missing")
        .with_status(404)
        .with_header("content-type", "application/json")
        .with_header("cf-ray", "ray-should-not-win")
        .with_body(
            json!({
                "errors": [{
                    "code": "resource_not_found",
                    "message": "not found",
                    "long_message": "User not found",
                    "meta": {"param_name": "user_id"}
                }],
                "clerk_trace_id": "trace_abc"
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let (client, clock) = client(&server);
    let err = client
        .execute::<serde_json::Value>(
            Request::new(Method::GET, "/users/{user_id}").path_param("user_id", "user_missing"),
        )
        .await
        .unwrap_err();

    assert!(err.is_not_found());
    assert!(!err.is_unauthorized() && !err.is_rate_limited() && !err.is_server_error());
    assert_eq!(err.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(err.first_code(), Some("resource_not_found"));
    assert!(err.has_code("resource_not_found"));
    assert!(!err.has_code("other"));
    assert_eq!(err.trace_id(), Some("trace_abc"));
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    let mut expected = ClerkError::new("resource_not_found", "not found");
    expected.long_message = Some("User not found".into());
    expected.meta = Some(json!({"param_name": "user_id"}));
    assert_eq!(api.errors(), &[expected]);
    assert_eq!(
        err.to_string(),
        "404 resource_not_found on GET /users/{user_id}: User not found [trace trace_abc]"
    );
    // The operation names the call by its template: no id from the request.
    let operation = err.operation().expect("the failed operation");
    assert_eq!(operation.method(), Method::GET);
    assert_eq!(operation.path_template(), "/users/{user_id}");
    assert_eq!(api.operation(), Some(operation));
    assert!(!err.to_string().contains("user_missing"), "{err}");
    assert!(clock.sleeps().is_empty(), "404 must not be retried");
}

#[tokio::test]
async fn trace_id_falls_back_to_cf_ray_and_status_predicates() {
    let mut server = mockito::Server::new_async().await;
    for (status, code) in [
        (401, "a"),
        (403, "b"),
        (409, "c"),
        (422, "form_param_missing"),
    ] {
        server
            .mock("POST", format!("/v1/s{status}").as_str())
            .with_status(status)
            .with_header("cf-ray", "8a1b2c3d-FRA")
            .with_body(format!(
                r#"{{"errors":[{{"code":"{code}","message":"m"}}]}}"#
            ))
            .expect(1)
            .create_async()
            .await;
    }
    let (client, _) = client(&server);
    let call = |status: u16| {
        let client = client.clone();
        async move {
            let path: &'static str = match status {
                401 => "/s401",
                403 => "/s403",
                409 => "/s409",
                _ => "/s422",
            };
            client
                .execute::<()>(Request::new(Method::POST, path))
                .await
                .unwrap_err()
        }
    };
    let e = call(401).await;
    assert!(e.is_unauthorized());
    assert_eq!(e.trace_id(), Some("8a1b2c3d-FRA"));
    assert!(call(403).await.is_forbidden());
    assert!(call(409).await.is_conflict());
    let e = call(422).await;
    assert!(e.is_unprocessable());
    assert_eq!(e.first_code(), Some("form_param_missing"));
}

#[tokio::test]
async fn html_bad_gateway_is_an_api_error_without_clerk_errors() {
    let mut server = mockito::Server::new_async().await;
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let mock = server
        .mock("GET", "/v1/users")
        .with_status(502)
        .with_header("content-type", "text/html")
        .with_body(html)
        .expect(1)
        .create_async()
        .await;
    let clock = clerk_core::ManualClock::new();
    let client = crate::common::builder(&server.url(), &clock)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    mock.assert_async().await;
    let api = err.api_error().unwrap();
    assert_eq!(api.status(), http::StatusCode::BAD_GATEWAY);
    assert!(api.errors().is_empty());
    assert_eq!(api.first_code(), None);
    assert_eq!(api.trace_id(), None);
    assert_eq!(api.body_snippet(), html);
    assert!(err.is_server_error());
    assert_eq!(err.to_string(), "502 Bad Gateway on GET /users");
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct EmailAddress {
    id: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct User {
    id: String,
    email_addresses: Vec<EmailAddress>,
}

#[tokio::test]
async fn decode_error_names_the_failing_field_and_shows_the_body() {
    let mut server = mockito::Server::new_async().await;
    let body = json!({
        "data": [
            {"id": "u0", "email_addresses": []},
            {"id": "u1", "email_addresses": [{"id": "e1"}]},
            {"id": "u2", "email_addresses": []},
            {"id": "u3", "email_addresses": [{"id": 42}]}
        ],
        "total_count": 4
    })
    .to_string();
    server
        .mock("GET", "/v1/users")
        .with_header("content-type", "application/json")
        .with_body(&body)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let err = client
        .execute::<clerk_core::Page<User>>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.status(), 200);
    assert_eq!(decode.path(), Some("data[3].email_addresses[0].id"));
    assert!(decode.message().contains("invalid type: integer `42`"));
    assert_eq!(decode.body_snippet(), body);
    assert!(
        err.to_string().starts_with(
            "failed to decode the Clerk API response to GET /users (status 200) \
             at `data[3].email_addresses[0].id`: invalid type"
        ),
        "{err}"
    );
    assert_eq!(decode.operation(), err.operation());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn long_bodies_are_truncated_to_512_chars() {
    let mut server = mockito::Server::new_async().await;
    let body = format!("[\"{}\"", "ü".repeat(1000));
    server
        .mock("GET", "/v1/x")
        .with_body(&body)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let err = client
        .execute::<Vec<String>>(Request::new(Method::GET, "/x"))
        .await
        .unwrap_err();
    let Error::Decode(decode) = err else {
        panic!("expected decode error")
    };
    assert_eq!(decode.body_snippet().chars().count(), 512);
    assert!(decode.body_snippet().starts_with("[\"üü"));
}

async fn rejected_before_io(request: Request) -> InvalidRequestKind {
    let transport = RecordingTransport::fixed(200, "{}");
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport.clone())
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(request)
        .await
        .unwrap_err();
    assert_eq!(
        transport.sends(),
        0,
        "request must be rejected before any I/O"
    );
    match err {
        Error::InvalidRequest(e) => e.kind().clone(),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn path_traversal_and_empty_ids_are_rejected_before_io() {
    for bad in [
        "..",
        ".",
        "%2e%2e",
        "%2E",
        "%252e%252e",
        "../admin",
        "a/../b",
    ] {
        let kind = rejected_before_io(
            Request::new(Method::DELETE, "/users/{user_id}").path_param("user_id", bad),
        )
        .await;
        assert_eq!(
            kind,
            InvalidRequestKind::DotSegment {
                name: "user_id".into()
            },
            "{bad}"
        );
    }
    let kind =
        rejected_before_io(Request::new(Method::GET, "/users/{user_id}").path_param("user_id", ""))
            .await;
    assert_eq!(
        kind,
        InvalidRequestKind::EmptyPathParam {
            name: "user_id".into()
        }
    );
    let kind = rejected_before_io(Request::new(Method::GET, "/users/{user_id}")).await;
    assert_eq!(
        kind,
        InvalidRequestKind::MissingPathParam {
            name: "user_id".into()
        }
    );
}

#[tokio::test]
async fn json_serialization_error_is_reported_at_send() {
    let mut bad = BTreeMap::new();
    bad.insert(vec![1u8], "map keys must be strings");
    let kind = rejected_before_io(Request::new(Method::POST, "/users").json(&bad)).await;
    assert!(
        matches!(kind, InvalidRequestKind::JsonBody { .. }),
        "{kind:?}"
    );
}

#[test]
fn secrets_never_appear_in_debug_or_display() {
    let transport = RecordingTransport::fixed(200, "{}");
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport)
        .default_header("x-proxy-token", "proxy-secret-value")
        .build()
        .unwrap();
    let key = SecretKey::new(KEY).unwrap();
    let request = Request::new(Method::POST, "/users/{id}")
        .path_param("id", "user_pii")
        .query("email_address", "pii@example.com")
        .header(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
        )
        .json(&json!({"password": "hunter2"}));
    let builder = Client::builder().secret_key(KEY);
    let outputs = [
        format!("{key:?}"),
        format!("{key}"),
        format!("{:?}", client.config()),
        format!("{client:?}"),
        format!("{request:?}"),
        format!("{builder:?}"),
    ];
    for out in &outputs {
        assert!(!out.contains("SuperSecretValue"), "leaked key in {out}");
        assert!(
            !out.contains("proxy-secret-value"),
            "leaked header in {out}"
        );
        assert!(
            !out.contains("pii@example.com"),
            "leaked query value in {out}"
        );
        assert!(!out.contains("hunter2"), "leaked body in {out}");
    }
    assert_eq!(outputs[1], "sk_test_***");
    assert!(outputs[2].contains("sk_test_***"));
    assert!(outputs[4].contains("/users/{id}"));
    assert_eq!(client.config().secret_key().expose_secret(), KEY);
}

fn config_error(builder: clerk_core::ClientBuilder) -> ConfigError {
    match builder.transport(RecordingTransport::never()).build() {
        Err(Error::Config(e)) => e,
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn invalid_configuration_is_a_typed_error() {
    assert_eq!(
        config_error(Client::builder()),
        ConfigError::MissingSecretKey
    );
    assert_eq!(
        config_error(Client::builder().secret_key("")),
        ConfigError::MissingSecretKey
    );
    assert!(matches!(
        Client::new(""),
        Err(Error::Config(ConfigError::MissingSecretKey))
    ));
    let newline = config_error(Client::builder().secret_key("sk_test_abc\n"));
    assert!(matches!(newline, ConfigError::InvalidSecretKey { .. }));
    assert!(!newline.to_string().contains("sk_test_abc"));
    assert!(matches!(
        config_error(Client::builder().secret_key(" sk_test_abc")),
        ConfigError::InvalidSecretKey { .. }
    ));
    for url in [
        "not a url",
        "ftp://api.clerk.com",
        "api.clerk.com",
        "https://",
        "",
    ] {
        assert!(
            matches!(
                config_error(Client::builder().secret_key(KEY).api_url(url)),
                ConfigError::InvalidApiUrl { .. }
            ),
            "{url}"
        );
    }
    assert_eq!(
        config_error(Client::builder().secret_key(KEY).user_agent("bad\r\nua")),
        ConfigError::InvalidUserAgent
    );
    assert!(matches!(
        config_error(
            Client::builder()
                .secret_key(KEY)
                .default_header("bad name", "v")
        ),
        ConfigError::InvalidDefaultHeader { .. }
    ));
    assert!(matches!(
        config_error(
            Client::builder()
                .secret_key(KEY)
                .default_header("x-ok", "a\nb")
        ),
        ConfigError::InvalidDefaultHeader { .. }
    ));
    assert!(matches!(
        config_error(Client::builder().secret_key(KEY).api_version("v1/../x")),
        ConfigError::InvalidApiVersion { .. }
    ));
    for builder in [
        Client::builder()
            .secret_key(KEY)
            .connect_timeout(Duration::ZERO),
        Client::builder()
            .secret_key(KEY)
            .attempt_timeout(Duration::ZERO),
        Client::builder()
            .secret_key(KEY)
            .call_timeout(Duration::ZERO),
    ] {
        assert_eq!(config_error(builder), ConfigError::InvalidTimeout);
    }
    assert!(matches!(
        config_error(Client::builder().secret_key(KEY).max_response_body(0)),
        ConfigError::InvalidSetting {
            name: "max_response_body",
            ..
        }
    ));
}

#[test]
fn defaults_are_documented_values() {
    let client = Client::new(KEY).unwrap();
    let config = client.config();
    assert_eq!(config.api_url(), "https://api.clerk.com");
    assert_eq!(config.api_version(), "v1");
    assert_eq!(config.connect_timeout(), Duration::from_secs(10));
    assert_eq!(config.attempt_timeout(), Duration::from_secs(30));
    assert_eq!(config.call_timeout(), Duration::from_secs(60));
    assert_eq!(config.max_response_body(), 16 * 1024 * 1024);
    assert_eq!(config.user_agent(), crate::common::user_agent());
    assert_eq!(config.retry_policy(), &RetryPolicy::standard());
    assert_eq!(config.retry_policy().max_attempts(), 3);
    assert_eq!(clerk_core::CLERK_API_VERSION, "2026-05-12");
}
