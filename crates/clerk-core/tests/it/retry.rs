//! Retries, back-off, Retry-After, budgets and timeouts.

use std::io;
use std::time::Duration;

use crate::common::{KEY, RecordingTransport, builder, client, response};
use clerk_core::{
    Client, Error, ManualClock, Method, Request, RetryPolicy, TransportError, TransportErrorKind,
};

const OK_USER: &str = r#"{"id":"user_1"}"#;

#[tokio::test]
async fn rate_limit_with_retry_after_is_retried_after_exactly_that_delay() {
    let mut server = mockito::Server::new_async().await;
    let limited = server
        .mock("POST", "/v1/users")
        .with_status(429)
        .with_header("retry-after", "7")
        .with_body(r#"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("POST", "/v1/users")
        .with_status(200)
        .with_body(OK_USER)
        .expect(1)
        .create_async()
        .await;
    let (client, clock) = client(&server);
    let user: serde_json::Value = client
        .execute(Request::new(Method::POST, "/users").json(&serde_json::json!({})))
        .await
        .unwrap();
    assert_eq!(user["id"], "user_1");
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
    limited.assert_async().await;
    ok.assert_async().await;
}

#[tokio::test]
async fn retry_after_beyond_the_maximum_is_not_waited_for() {
    let mut server = mockito::Server::new_async().await;
    let limited = server
        .mock("GET", "/v1/users")
        .with_status(429)
        .with_header("retry-after", "120")
        .expect(1)
        .create_async()
        .await;
    let (client, clock) = client(&server);
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(clock.sleeps().is_empty());
    limited.assert_async().await;
}

#[tokio::test]
async fn service_unavailable_then_success_for_get() {
    let mut server = mockito::Server::new_async().await;
    let unavailable = server
        .mock("GET", "/v1/users/user_1")
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("GET", "/v1/users/user_1")
        .with_body(OK_USER)
        .expect(1)
        .create_async()
        .await;
    let (client, clock) = client(&server);
    let user: serde_json::Value = client
        .execute(Request::new(Method::GET, "/users/{id}").path_param("id", "user_1"))
        .await
        .unwrap();
    assert_eq!(user["id"], "user_1");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(sleeps[0] <= Duration::from_millis(250), "{sleeps:?}");
    unavailable.assert_async().await;
    ok.assert_async().await;
}

#[tokio::test]
async fn post_is_not_retried_on_service_unavailable() {
    let mut server = mockito::Server::new_async().await;
    let unavailable = server
        .mock("POST", "/v1/invitations")
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let (client, clock) = client(&server);
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::POST, "/invitations"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert!(clock.sleeps().is_empty());
    unavailable.assert_async().await;
}

#[tokio::test]
async fn persistent_bad_gateway_uses_exponential_backoff_then_gives_up() {
    let mut server = mockito::Server::new_async().await;
    let bad = server
        .mock("PUT", "/v1/users/u/metadata")
        .with_status(502)
        .expect(4)
        .create_async()
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.url(), &clock)
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(4)
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::PUT, "/users/u/metadata"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_GATEWAY));
    assert_eq!(
        clock.sleeps(),
        vec![
            Duration::from_millis(250),
            Duration::from_millis(500),
            Duration::from_millis(1000)
        ]
    );
    bad.assert_async().await;
}

#[tokio::test]
async fn retries_disabled_means_one_attempt() {
    let mut server = mockito::Server::new_async().await;
    let unavailable = server
        .mock("GET", "/v1/users")
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.url(), &clock)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert!(clock.sleeps().is_empty());
    unavailable.assert_async().await;
}

#[tokio::test]
async fn total_budget_stops_retries() {
    let mut server = mockito::Server::new_async().await;
    let limited = server
        .mock("GET", "/v1/users")
        .with_status(429)
        .with_header("retry-after", "1")
        .expect(2)
        .create_async()
        .await;
    let clock = ManualClock::new();
    let client = builder(&server.url(), &clock)
        .retry_policy(RetryPolicy::standard().with_max_attempts(10))
        .call_timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(1)]);
    limited.assert_async().await;
}

#[tokio::test]
async fn connect_failures_are_retried_even_for_post() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let clock = ManualClock::new();
    let client = builder(&format!("http://127.0.0.1:{port}"), &clock)
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(4)
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::POST, "/users"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let Error::Transport(transport) = &err else {
        panic!("expected transport error")
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect);
    assert!(std::error::Error::source(transport).is_some());
    assert!(!format!("{err:?} {err}").contains("SuperSecret"));
    assert_eq!(
        err.to_string(),
        "could not connect to the Clerk API for POST /users (4 attempts)"
    );
    assert_eq!(
        transport.operation().map(ToString::to_string).as_deref(),
        Some("POST /users")
    );
    // 4 attempts => 3 waits.
    assert_eq!(
        clock.sleeps(),
        vec![
            Duration::from_millis(250),
            Duration::from_millis(500),
            Duration::from_millis(1000)
        ]
    );
}

#[tokio::test]
async fn io_errors_are_retried_only_for_idempotent_methods() {
    let failing = || {
        RecordingTransport::new(|n| {
            if n == 0 {
                Err(TransportError::io(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "reset",
                )))
            } else {
                Ok(response(200, "{}"))
            }
        })
    };
    let get = failing();
    let client = Client::builder()
        .secret_key(KEY)
        .transport(get.clone())
        .clock(ManualClock::new())
        .build()
        .unwrap();
    let _: serde_json::Value = client
        .execute(Request::new(Method::GET, "/users"))
        .await
        .unwrap();
    assert_eq!(get.sends(), 2);

    let post = failing();
    let client = Client::builder()
        .secret_key(KEY)
        .transport(post.clone())
        .clock(ManualClock::new())
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::PATCH, "/users/u"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Io));
    assert_eq!(post.sends(), 1);
}

#[tokio::test(start_paused = true)]
async fn timeouts_are_retried_for_get_and_reported() {
    let transport = RecordingTransport::never();
    let clock = ManualClock::new();
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport.clone())
        .clock(clock.clone())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    let Error::Timeout(timeout) = &err else {
        panic!("expected timeout, got {err:?}")
    };
    assert_eq!(timeout.limit(), Duration::from_secs(5));
    assert_eq!(timeout.kind(), clerk_core::TimeoutKind::Attempt);
    assert_eq!(timeout.attempts(), 3);
    assert_eq!(err.attempts(), Some(3));
    assert!(err.to_string().ends_with("(3 attempts)"), "{err}");
    assert!(err.is_timeout());
    assert_eq!(transport.sends(), 3);
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn timeouts_are_not_retried_for_post() {
    let transport = RecordingTransport::never();
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport.clone())
        .clock(ManualClock::new())
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::POST, "/users"))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(transport.sends(), 1);
    assert_eq!(start.elapsed(), Duration::from_millis(100));
}
