//! Time and memory bounds against misbehaving servers on 127.0.0.1: a server that never answers,
//! a body that trickles, oversized bodies (declared and chunked), a huge error body, and a POST
//! whose connection drops after it was sent. Timing runs on Tokio's paused clock, which the
//! client's default clock follows, so the bounds are checked exactly without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clerk_core::{
    Client, Error, MAX_API_ERRORS, Method, Request, RetryPolicy, TimeoutKind, TransportErrorKind,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk_test_bounds";

/// What the test server does once it has read a request.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Never answers.
    Silent,
    /// Sends headers, then one body byte a second, forever.
    Trickle,
    /// Declares a 1 GiB body, sends none of it.
    DeclaredHuge,
    /// Streams a chunked body of up to 1 GiB, 64 KiB at a time.
    ChunkedHuge,
    /// Answers 422 with an error body of this many entries.
    ManyErrors(usize),
    /// Closes the connection without answering.
    Drop,
}

struct TestServer {
    url: String,
    requests: Arc<AtomicUsize>,
    body_bytes_written: Arc<AtomicUsize>,
}

async fn serve(behaviour: Behaviour) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let written = Arc::new(AtomicUsize::new(0));
    let (count, bytes) = (requests.clone(), written.clone());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (count, bytes) = (count.clone(), bytes.clone());
            tokio::spawn(async move { handle(stream, behaviour, &count, &bytes).await });
        }
    });
    TestServer {
        url,
        requests,
        body_bytes_written: written,
    }
}

async fn handle(
    mut stream: TcpStream,
    behaviour: Behaviour,
    count: &AtomicUsize,
    bytes: &AtomicUsize,
) {
    // Read the request head (and the small body, if any).
    let mut buffer = vec![0u8; 64 * 1024];
    let mut read = 0;
    loop {
        let Ok(n) = stream.read(&mut buffer[read..]).await else {
            return;
        };
        if n == 0 {
            return;
        }
        read += n;
        if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    count.fetch_add(1, Ordering::SeqCst);
    match behaviour {
        Behaviour::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Behaviour::Trickle => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        Behaviour::DeclaredHuge => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Behaviour::ChunkedHuge => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let frame_head = format!("{:x}\r\n", chunk.len());
            for _ in 0..(1 << 14) {
                let mut frame = frame_head.clone().into_bytes();
                frame.extend_from_slice(&chunk);
                frame.extend_from_slice(b"\r\n");
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
                bytes.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
        Behaviour::ManyErrors(n) => {
            let entry = r#"{"code":"form_param_invalid","message":"That is not valid.","long_message":"That value is not valid for this field.","meta":{"param_name":"x"}}"#;
            let body = format!(
                r#"{{"errors":[{}],"clerk_trace_id":"t"}}"#,
                vec![entry; n].join(",")
            );
            let head = format!(
                "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
        Behaviour::Drop => {}
    }
}

fn client(url: &str) -> clerk_core::ClientBuilder {
    Client::builder().secret_key(KEY).api_url(url)
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_is_bounded_by_the_call_budget() {
    let server = serve(Behaviour::Silent).await;
    let client = client(&server.url)
        .attempt_timeout(Duration::from_secs(2))
        .call_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    let took = start.elapsed();
    let Error::Timeout(timeout) = &err else {
        panic!("{err:?}")
    };
    // Three attempts (2 s, 2 s, then what was left): the budget holds exactly.
    assert!(took <= Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_millis(4_500), "{took:?}");
    assert_eq!(timeout.kind(), TimeoutKind::Call);
    assert_eq!(timeout.attempts(), 3);
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
    assert!(
        err.to_string()
            .starts_with("Clerk API call GET /users timed out after 5.0 s (3 attempts)"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_trickling_body_is_bounded_too() {
    let server = serve(Behaviour::Trickle).await;
    let client = client(&server.url)
        .attempt_timeout(Duration::from_secs(2))
        .call_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    assert!(start.elapsed() <= Duration::from_secs(5));
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.attempts(), Some(3));
}

#[tokio::test(start_paused = true)]
async fn without_retries_the_attempt_timeout_is_the_bound() {
    let server = serve(Behaviour::Silent).await;
    let client = client(&server.url)
        .attempt_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    // A POST is never retried after a timeout: the request may have been processed.
    let start = tokio::time::Instant::now();
    let err = client
        .execute::<serde_json::Value>(
            Request::new(Method::POST, "/users").json(&serde_json::json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let Error::Timeout(timeout) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (timeout.kind(), timeout.attempts()),
        (TimeoutKind::Attempt, 1)
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    // A per-call override wins over the client's settings.
    let start = tokio::time::Instant::now();
    let err = client
        .execute::<serde_json::Value>(
            Request::new(Method::GET, "/users").call_timeout(Duration::from_millis(700)),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(700));
    assert!(err.is_timeout());
}

#[tokio::test]
async fn a_body_declared_too_large_is_refused_unread() {
    let server = serve(Behaviour::DeclaredHuge).await;
    let client = client(&server.url).build().unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::ResponseTooLarge);
    // Never retried, even for a GET.
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_chunked_body_is_read_only_up_to_the_limit() {
    let server = serve(Behaviour::ChunkedHuge).await;
    let limit = 1024 * 1024;
    let client = client(&server.url)
        .max_response_body(limit)
        .retry_policy(RetryPolicy::standard())
        .build()
        .unwrap();
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportErrorKind::ResponseTooLarge);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    // The client stopped reading: the server could not push the whole gigabyte (what it wrote is
    // the limit plus what the socket buffers held).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.body_bytes_written.load(Ordering::SeqCst);
    assert!(written < 64 * limit, "the server wrote {written} bytes");
}

#[tokio::test]
async fn a_huge_error_body_keeps_a_bounded_number_of_errors() {
    let server = serve(Behaviour::ManyErrors(MAX_API_ERRORS * 50)).await;
    let client = client(&server.url).build().unwrap();
    let err = client
        .execute::<serde_json::Value>(
            Request::new(Method::POST, "/users").json(&serde_json::json!({})),
        )
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.status(), 422);
    assert_eq!(api.errors().len(), MAX_API_ERRORS);
    assert_eq!(api.errors_omitted(), MAX_API_ERRORS * 49);
    assert_eq!(api.trace_id(), Some("t"));
    assert!(api.body_snippet().chars().count() <= clerk_core::BODY_SNIPPET_CHARS);
}

#[tokio::test]
async fn a_post_whose_connection_drops_after_sending_is_not_sent_again() {
    let server = serve(Behaviour::Drop).await;
    let client = client(&server.url).build().unwrap();
    let err = client
        .execute::<serde_json::Value>(
            Request::new(Method::POST, "/users").json(&serde_json::json!({"a": 1})),
        )
        .await
        .unwrap_err();
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_ne!(transport.kind(), TransportErrorKind::Connect);
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "a write was repeated"
    );
    // The same failure for a GET is retried: three requests, three attempts.
    let err = client
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(server.requests.load(Ordering::SeqCst), 4);
}
