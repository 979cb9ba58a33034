//! Throughput of the emulator with `clerk_api::Clerk` as the client, in one process:
//! `GET /v1/users/{id}` and `POST /v1/users` at concurrency 1 and 32 (requests per second, p50
//! and p99 latency), then the memory per stored user at 100k users.
//!
//! ```text
//! cargo bench -p clerk-testkit
//! ```
//!
//! Environment: `BENCH_SECONDS` (per scenario, default 3), `BENCH_USERS` (default 100000),
//! `BENCH_WORKERS` (Tokio worker threads, default 2).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clerk_core::RetryPolicy;
use clerk_testkit::Testkit;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident set size in bytes (Linux), if known.
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Writes one request and reads the whole response (by `Content-Length`).
async fn raw_exchange(stream: &mut tokio::net::TcpStream, request: &[u8]) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = 0;
    let mut need = usize::MAX;
    while got < need {
        if got == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = stream.read(&mut buf[got..]).await.unwrap();
        assert!(n > 0, "connection closed");
        got += n;
        if need == usize::MAX {
            if let Some(end) = buf[..got].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                need = end + 4 + length;
            }
        }
    }
}

struct Outcome {
    requests: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Outcome {
    fn report(&self, name: &str, concurrency: usize) {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let pct = |p: f64| {
            let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
            sorted.get(i).copied().unwrap_or_default()
        };
        println!(
            "{name:<22} c={concurrency:<3} {:>9.0} req/s   p50 {:>7.1} µs   p99 {:>7.1} µs   ({} requests)",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            pct(0.50).as_secs_f64() * 1e6,
            pct(0.99).as_secs_f64() * 1e6,
            self.requests,
        );
    }
}

/// Runs `op` from `concurrency` tasks for `duration`.
async fn drive<F, Fut>(concurrency: usize, duration: Duration, op: F) -> Outcome
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let op = op.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(100_000);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                op(n).await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    Outcome {
        requests: latencies.len() as u64,
        elapsed: start.elapsed(),
        latencies,
    }
}

async fn bench() {
    let seconds = Duration::from_secs(env("BENCH_SECONDS", 3));
    memory(env("BENCH_USERS", 100_000)).await;
    // Webhook events are kept in a small log so it does not count as per-user memory.
    let tk = Testkit::builder()
        .event_log_capacity(16)
        .start()
        .await
        .unwrap();
    let clerk = tk
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let ids: Arc<Vec<String>> = {
        let mut ids = Vec::new();
        for i in 0..1000 {
            let user = clerk
                .users()
                .create()
                .email_address([format!("seed{i}@example.com")])
                .first_name("Seed")
                .last_name("User")
                .await
                .unwrap();
            ids.push(user.id);
        }
        Arc::new(ids)
    };

    println!(
        "clerk-testkit throughput ({} s per scenario, client and server in one process)",
        seconds.as_secs()
    );
    for concurrency in [1, 32] {
        let client = clerk.clone();
        let ids = ids.clone();
        let outcome = drive(concurrency, seconds, move |n| {
            let client = client.clone();
            let id = ids[(n as usize) % ids.len()].clone();
            async move {
                client.users().get(id).await.unwrap();
            }
        })
        .await;
        outcome.report("GET /v1/users/{id}", concurrency);
    }
    // The same GET from a minimal keep-alive HTTP/1.1 client: the emulator's own cost.
    let request = Arc::new(format!(
        "GET /v1/users/{} HTTP/1.1\r\nhost: bench\r\nauthorization: Bearer {}\r\n\r\n",
        ids[0],
        tk.secret_key()
    ));
    let addr = tk.addr();
    let connections = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let outcome = drive(32, seconds, move |_| {
        let request = request.clone();
        let connections = connections.clone();
        async move {
            let stream = connections.lock().await.pop();
            let mut stream = match stream {
                Some(s) => s,
                None => {
                    let s = tokio::net::TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    s
                }
            };
            raw_exchange(&mut stream, request.as_bytes()).await;
            connections.lock().await.push(stream);
        }
    })
    .await;
    outcome.report("GET raw HTTP/1.1", 32);

    let base = Arc::new(AtomicU64::new(0));
    for concurrency in [1, 32] {
        let client = clerk.clone();
        let base = base.clone();
        let outcome = drive(concurrency, seconds, move |_| {
            let client = client.clone();
            let n = base.fetch_add(1, Ordering::Relaxed);
            async move {
                client
                    .users()
                    .create()
                    .email_address([format!("bench{n}@example.com")])
                    .first_name("Bench")
                    .await
                    .unwrap();
            }
        })
        .await;
        outcome.report("POST /v1/users", concurrency);
    }
}

/// Memory per stored user: RSS growth while a fresh emulator is filled to `users` users
/// (measured first, before any other allocation could be reused), and the state file's size.
async fn memory(users: u64) {
    let tk = Testkit::builder()
        .event_log_capacity(16)
        .start()
        .await
        .unwrap();
    let clerk = tk
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let before = rss();
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let clerk = clerk.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= users {
                    break;
                }
                clerk
                    .users()
                    .create()
                    .email_address([format!("user{n}@example.com")])
                    .first_name("Ada")
                    .last_name("Lovelace")
                    .await
                    .unwrap();
            }
        }));
    }
    let filled = Instant::now();
    for task in tasks {
        task.await.unwrap();
    }
    let fill_rate = users as f64 / filled.elapsed().as_secs_f64();
    let after = rss();
    let snapshot = serde_json::to_vec(&tk.snapshot()).unwrap().len();
    match (before, after) {
        (Some(b), Some(a)) => println!(
            "memory at {users} users: {:.0} bytes/user RSS growth ({:.1} MiB), {:.0} bytes/user in the state file; filled at {fill_rate:.0} creates/s",
            a.saturating_sub(b) as f64 / users as f64,
            a.saturating_sub(b) as f64 / (1024.0 * 1024.0),
            snapshot as f64 / users as f64,
        ),
        _ => println!(
            "memory at {users} users: RSS unavailable; {:.0} bytes/user in the state file",
            snapshot as f64 / users as f64
        ),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    let workers = usize::try_from(env("BENCH_WORKERS", 2)).unwrap_or(2);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench());
}
