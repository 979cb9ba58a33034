//! The time and memory bounds, measured in real time against misbehaving servers on 127.0.0.1.
//!
//! `cargo bench -p clerk --bench bounds`
//!
//! 1. A server that never answers, with `attempt_timeout(2 s)` and `call_timeout(5 s)`: how long
//!    the call takes, and how many attempts it made.
//! 2. A JWKS endpoint that never answers: how long a cold verification takes to fail (defaults).
//! 3. The same endpoint hanging after the keys expired: the latency of verifications of a known
//!    key id while the refresh hangs (1,000 of them; the slowest and the median).
//! 4. A 10 MiB error body (58,000 entries) and a 1 GiB chunked body: the growth of the process's
//!    peak RSS (`VmHWM`) while the client reads each.
//!
//! The tests (`crates/clerk-core/tests/it/bounds.rs`) check the same bounds on Tokio's paused clock;
//! this reports the wall-clock and memory figures.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk::clerk_core::{Method, Request};
use clerk::{Clerk, ManualClock};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PRIVATE_KEY: &str = include_str!("../../clerk-auth/tests/fixtures/rsa2048.pk8.pem");
const PUBLIC_KEY: &str = include_str!("../../clerk-auth/tests/fixtures/rsa2048.spki.pem");
const KID: &str = "ins_bench";
const NOW: i64 = 1_700_000_000;

#[derive(Clone, Copy)]
enum Behaviour {
    Silent,
    /// Serves the JWKS until `HANG` is set, then never answers.
    JwksThenHang,
    /// A 422 whose body is `n` error entries, streamed.
    ManyErrors(usize),
    /// A chunked body of 1 GiB, streamed.
    Gigabyte,
}

static HANG: AtomicBool = AtomicBool::new(false);

async fn read_head(stream: &mut TcpStream) -> bool {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut read = 0;
    loop {
        match stream.read(&mut buffer[read..]).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => read += n,
        }
        if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") || read == buffer.len() {
            return true;
        }
    }
}

async fn serve(behaviour: Behaviour) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                while read_head(&mut stream).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if !answer(&mut stream, behaviour).await {
                        return;
                    }
                }
            });
        }
    });
    (url, requests)
}

/// Answers one request; `false` when the connection should end.
async fn answer(stream: &mut TcpStream, behaviour: Behaviour) -> bool {
    match behaviour {
        Behaviour::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            false
        }
        Behaviour::JwksThenHang => {
            if HANG.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return false;
            }
            let key = clerk::auth::PublicKey::from_pem(PUBLIC_KEY)
                .unwrap()
                .with_kid(KID);
            let body =
                serde_json::to_string(&clerk::auth::JwkSet::new(vec![key.to_jwk()])).unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await.is_ok()
                && stream.write_all(body.as_bytes()).await.is_ok()
        }
        Behaviour::ManyErrors(n) => {
            let entry = r#"{"code":"form_param_invalid","message":"Not valid.","long_message":"That value is not valid here.","meta":{"param_name":"x"}},"#;
            let open = r#"{"clerk_trace_id":"t","errors":["#;
            let close = r#"{"code":"last","message":"last"}]}"#;
            let length = open.len() + entry.len() * n + close.len();
            let head = format!(
                "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(open.as_bytes()).await.is_err()
            {
                return false;
            }
            let batch = entry.repeat(256);
            let mut left = n;
            while left > 0 {
                let count = left.min(256);
                if stream
                    .write_all(&batch.as_bytes()[..entry.len() * count])
                    .await
                    .is_err()
                {
                    return false;
                }
                left -= count;
            }
            stream.write_all(close.as_bytes()).await.is_ok()
        }
        Behaviour::Gigabyte => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let mut frame = format!("{:x}\r\n", 64 * 1024).into_bytes();
            frame.extend(std::iter::repeat_n(b' ', 64 * 1024));
            frame.extend_from_slice(b"\r\n");
            for _ in 0..(1 << 14) {
                if stream.write_all(&frame).await.is_err() {
                    return false;
                }
            }
            stream.write_all(b"0\r\n\r\n").await.is_ok()
        }
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn token() -> String {
    let der: String = PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{KID}"}}"#);
    let payload =
        serde_json::json!({"sub": "user_1", "sid": "sess_1", "exp": NOW + 3600, "iat": NOW});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // 1. A silent server.
    let (url, requests) = serve(Behaviour::Silent).await;
    let client = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url(&url)
        .attempt_timeout(Duration::from_secs(2))
        .call_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = client
        .client()
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    println!(
        "silent server, attempt_timeout 2 s + call_timeout 5 s: returned after {:.3} s, {} attempts seen by the server ({err})",
        start.elapsed().as_secs_f64(),
        requests.load(Ordering::SeqCst)
    );

    // 2. A hanging JWKS endpoint, cold cache, default settings.
    let (url, _) = serve(Behaviour::Silent).await;
    let cold = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url(&url)
        .build()
        .unwrap();
    let token = token();
    let start = Instant::now();
    let err = cold.verify_token(&token).await.unwrap_err();
    println!(
        "hanging JWKS endpoint, cold cache, defaults: verification failed after {:.3} s with {} (JWKS timeout {} s)",
        start.elapsed().as_secs_f64(),
        err.reason().as_str(),
        clerk::DEFAULT_JWKS_TIMEOUT.as_secs()
    );

    // 3. The keys expired and the refresh hangs: verifications of the known kid.
    let (url, _) = serve(Behaviour::JwksThenHang).await;
    let clock = ManualClock::at_unix(NOW);
    let warm = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url(&url)
        .clock(clock.clone())
        .build()
        .unwrap();
    warm.verify_token(&token).await.unwrap();
    HANG.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(301));
    let mut latencies = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let start = Instant::now();
        warm.verify_token(&token).await.unwrap();
        latencies.push(start.elapsed());
    }
    latencies.sort();
    println!(
        "expired cache, refresh hanging: 1,000 verifications of a known kid, median {:.1} µs, slowest {:.1} µs ({} JWKS fetches started)",
        latencies[500].as_secs_f64() * 1e6,
        latencies[999].as_secs_f64() * 1e6,
        warm.jwks_cache().map_or(0, |c| c.fetch_count())
    );

    // 4. Memory: a 10 MiB error body, then a 1 GiB body.
    let (url, _) = serve(Behaviour::ManyErrors(58_000)).await;
    let client = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url(&url)
        .build()
        .unwrap();
    let before = peak_rss_kib();
    let err = client
        .client()
        .execute::<serde_json::Value>(
            Request::new(Method::POST, "/users").json(&serde_json::json!({})),
        )
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    println!(
        "10 MiB error body (58,001 entries): peak RSS +{} KiB; {} errors kept, {} counted",
        peak_rss_kib().saturating_sub(before),
        api.errors().len(),
        api.errors_omitted()
    );
    let (url, _) = serve(Behaviour::Gigabyte).await;
    let client = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url(&url)
        .build()
        .unwrap();
    let before = peak_rss_kib();
    let start = Instant::now();
    let err = client
        .client()
        .execute::<serde_json::Value>(Request::new(Method::GET, "/users"))
        .await
        .unwrap_err();
    println!(
        "1 GiB chunked body, 16 MiB cap: refused after {:.3} s, peak RSS +{} KiB ({err})",
        start.elapsed().as_secs_f64(),
        peak_rss_kib().saturating_sub(before)
    );
}
