//! The `clerk.request` span records the method, template, status and attempts, and nothing
//! secret or personal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Its own binary, not a module of `it`: see tests/it/main.rs.
#[path = "it/common/mod.rs"]
mod common;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use clerk_core::{Method, Request};
use common::{KEY, client};
use mockito::Matcher;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records `span_or_event_name.field=value` for everything it sees.
#[derive(Clone, Default)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    names: Arc<Mutex<Vec<&'static str>>>,
}

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push(format!("{}={:?}", field.name(), value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={}", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut names = self.names.lock().unwrap();
        names.push(span.metadata().name());
        span.record(&mut Fields(&mut self.lines.lock().unwrap()));
        Id::from_u64(names.len() as u64)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.lines.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        event.record(&mut Fields(&mut self.lines.lock().unwrap()));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn request_span_has_template_status_attempts_and_no_secrets() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/v1/users/user_pii_123")
        .match_query(Matcher::Any)
        .with_status(503)
        .expect(1)
        .create_async()
        .await;
    server
        .mock("GET", "/v1/users/user_pii_123")
        .match_query(Matcher::Any)
        .with_body(r#"{"id":"user_pii_123"}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());

    let _: serde_json::Value = client
        .execute(
            Request::new(Method::GET, "/users/{user_id}")
                .path_param("user_id", "user_pii_123")
                .query("email_address", "pii@example.com"),
        )
        .await
        .unwrap();

    assert!(recorder.names.lock().unwrap().contains(&"clerk.request"));
    let lines = recorder.lines.lock().unwrap().clone();
    for expected in [
        "method=GET",
        "path=/users/{user_id}",
        "status=503",
        "status=200",
        "attempt=1",
        "attempt=2",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} missing in {lines:?}"
        );
    }
    assert!(lines.iter().any(|l| l.starts_with("duration_ms=")));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("retrying Clerk API request"))
    );
    for line in &lines {
        assert!(!line.contains(KEY), "secret in {line}");
        assert!(!line.contains("user_pii_123"), "id in {line}");
        assert!(!line.contains("pii@example.com"), "query value in {line}");
    }
}

/// A response carrying a token that does not decode: the token reaches neither the error's
/// `Debug` nor its `Display`, nor anything traced — the SDK's own events or an application
/// logging the error with `%` and `?`.
#[tokio::test]
async fn a_token_in_an_undecodable_response_never_shows() {
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.SECRET-PAYLOAD.SIG";
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Expected {
        jwt: u64,
    }
    let mut server = mockito::Server::new_async().await;
    // The token where a number is expected: serde quotes it in its message.
    server
        .mock("POST", "/v1/sessions/sess_1/tokens")
        .with_body(format!(r#"{{"object":"token","jwt":"{TOKEN}"}}"#))
        .create_async()
        .await;
    // Cut short: not JSON at all, the token in the body snippet.
    server
        .mock("POST", "/v1/sessions/sess_2/tokens")
        .with_body(format!(r#"{{"object":"token","jwt":"{TOKEN}","#))
        .create_async()
        .await;
    let (client, _) = client(&server);
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());

    for session in ["sess_1", "sess_2"] {
        let err = client
            .execute::<Expected>(
                Request::new(Method::POST, "/sessions/{session_id}/tokens")
                    .path_param("session_id", session),
            )
            .await
            .unwrap_err();
        let clerk_core::Error::Decode(decode) = &err else {
            panic!("expected a decode error, got {err:?}");
        };
        assert!(
            decode.body_snippet().contains(r#""jwt":"***""#),
            "{}",
            decode.body_snippet()
        );
        assert!(decode.body_snippet().contains(r#""object":"token""#));
        for shown in [format!("{err}"), format!("{err:?}"), format!("{err:#?}")] {
            assert!(!shown.contains("SECRET-PAYLOAD"), "{shown}");
        }
        tracing::error!(error = %err, details = ?err, "the application logs the failure");
    }
    let lines = recorder.lines.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("failed to decode")),
        "{lines:?}"
    );
    for line in &lines {
        assert!(!line.contains("SECRET-PAYLOAD"), "token in {line}");
    }
}
