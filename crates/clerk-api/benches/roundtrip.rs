//! Round-trip benchmark: `clerk.users().get(id)` against a bare hyper client doing the same GET
//! and `serde_json` decode, in the same process against the same local server; then walks of a
//! 10,000-user list with `into_stream()` and `into_cursor_stream()` against bare hyper paging
//! that decodes the same pages into the same `User`, and the peak RSS of a walk.
//!
//! ```sh
//! cargo bench -p clerk-api --bench roundtrip            # full run
//! cargo bench -p clerk-api --bench roundtrip -- --quick # fewer calls
//! ```
//!
//! Numbers are reported as ratios against the bare client measured in the same run, never as
//! absolute pass/fail thresholds.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clerk_api::models::User;
use clerk_api::{Clerk, RetryPolicy};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// A realistic user as Clerk returns it (about 2 KB).
const USER_JSON: &str = r#"{"id":"user_2NNEqL2nrIRdJ194ndJqAHwEfxC","object":"user","username":"ada","first_name":"Ada","last_name":"Lovelace","image_url":"https://img.clerk.com/eyJ0eXBlIjoicHJveHkiLCJzcmMiOiJodHRwczovL2ltYWdlcy5jbGVyay5kZXYvb2F1dGhfZ29vZ2xlL2ltZ18yTk5FcUwybnJJUmRKMTk0bmRKcUFId0VmeEMifQ","has_image":true,"primary_email_address_id":"idn_2NNEqM0jl5N8XKTgPdWyvMv1Xm4","primary_phone_number_id":null,"primary_web3_wallet_id":null,"password_enabled":true,"two_factor_enabled":false,"totp_enabled":false,"backup_code_enabled":false,"email_addresses":[{"id":"idn_2NNEqM0jl5N8XKTgPdWyvMv1Xm4","object":"email_address","email_address":"ada@example.com","reserved":false,"verification":{"object":"verification_otp","status":"verified","strategy":"email_code","attempts":1,"expire_at":1700000600000},"linked_to":[{"type":"oauth_google","id":"idn_2NNEqNuNcaVvXDdd0ZLaPzAbkZJ"}],"matches_sso_connection":false,"created_at":1700000000000,"updated_at":1700000000000}],"phone_numbers":[],"web3_wallets":[],"passkeys":[],"external_accounts":[{"object":"external_account","id":"eac_2NNEqNuNcaVvXDdd0ZLaPzAbkZJ","provider":"oauth_google","identification_id":"idn_2NNEqNuNcaVvXDdd0ZLaPzAbkZJ","provider_user_id":"104532712356712365123","approved_scopes":"email https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid profile","email_address":"ada@example.com","first_name":"Ada","last_name":"Lovelace","avatar_url":"https://lh3.googleusercontent.com/a/ACg8ocK","image_url":"https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ","username":null,"public_metadata":{},"label":null,"created_at":1700000000000,"updated_at":1700000000000,"verification":{"object":"verification_oauth","status":"verified","strategy":"oauth_google","attempts":null,"expire_at":1700000600000}}],"saml_accounts":[],"enterprise_accounts":[],"public_metadata":{"plan":"pro","seats":5},"private_metadata":{"stripe_customer":"cus_NffrFeUfNV4Hib"},"unsafe_metadata":{"theme":"dark"},"external_id":"crm-42","last_sign_in_at":1700003600000,"banned":false,"locked":false,"lockout_expires_in_seconds":null,"verification_attempts_remaining":100,"created_at":1700000000000,"updated_at":1700003600000,"delete_self_enabled":true,"create_organization_enabled":true,"create_organizations_limit":null,"last_active_at":1700003600000,"legal_accepted_at":null}"#;

const TOTAL_USERS: usize = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let calls = if quick { 4_000 } else { 40_000 };
    let addr = start_server().await;
    let base = format!("http://{addr}");

    let clerk = Clerk::from_builder(
        Clerk::builder()
            .secret_key("sk_test_benchmark_key")
            .api_url(&base)
            .retry_policy(RetryPolicy::disabled()),
    )
    .expect("client");
    let bare: HyperClient<HttpConnector, Empty<Bytes>> =
        HyperClient::builder(TokioExecutor::new()).build_http();
    let bare_uri: hyper::Uri = format!("{base}/v1/users/user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
        .parse()
        .expect("uri");

    // Both decode the same bytes into the same type.
    let check: User = serde_json::from_str(USER_JSON).expect("the sample decodes");
    assert_eq!(check.id, "user_2NNEqL2nrIRdJ194ndJqAHwEfxC");
    println!("user JSON: {} bytes", USER_JSON.len());

    for concurrency in [1usize, 32] {
        // Warm up both (connection pools, allocator).
        run_bare(&bare, &bare_uri, calls / 10, concurrency).await;
        run_clerk(&clerk, calls / 10, concurrency).await;
        // Interleave rounds so drift on a shared machine hits both equally; keep the best.
        let mut best_bare = Duration::MAX;
        let mut best_clerk = Duration::MAX;
        for _ in 0..3 {
            best_bare = best_bare.min(run_bare(&bare, &bare_uri, calls, concurrency).await);
            best_clerk = best_clerk.min(run_clerk(&clerk, calls, concurrency).await);
        }
        let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls as f64;
        println!(
            "users().get  concurrency {concurrency:>2}: bare hyper {:>7.2} µs/call ({:>7.0} calls/s), clerk {:>7.2} µs/call ({:>7.0} calls/s), ratio {:.3}",
            per_call(best_bare),
            calls as f64 / best_bare.as_secs_f64(),
            per_call(best_clerk),
            calls as f64 / best_clerk.as_secs_f64(),
            best_clerk.as_secs_f64() / best_bare.as_secs_f64()
        );
    }

    // List walks: the SDK's offset and cursor streams against bare hyper paging that decodes the
    // same pages into the same `User`, interleaved, best of five rounds each.
    let page_client: HyperClient<HttpConnector, Empty<Bytes>> =
        HyperClient::builder(TokioExecutor::new()).build_http();
    walk_bare(&page_client, &base).await;
    walk(&clerk, TOTAL_USERS, false).await;
    let (mut best_bare, mut best_offset, mut best_cursor) =
        (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        let start = Instant::now();
        assert_eq!(walk_bare(&page_client, &base).await, TOTAL_USERS);
        best_bare = best_bare.min(start.elapsed());
        let start = Instant::now();
        assert_eq!(walk(&clerk, TOTAL_USERS, false).await, TOTAL_USERS);
        best_offset = best_offset.min(start.elapsed());
        let start = Instant::now();
        assert_eq!(walk(&clerk, TOTAL_USERS, true).await, TOTAL_USERS);
        best_cursor = best_cursor.min(start.elapsed());
    }
    let users_per_s = |d: Duration| TOTAL_USERS as f64 / d.as_secs_f64();
    println!(
        "walk of {TOTAL_USERS} users in pages of 100: bare hyper paging {:>6.1} ms ({:>7.0} users/s), into_stream {:>6.1} ms (ratio {:.3}), into_cursor_stream {:>6.1} ms (ratio {:.3})",
        best_bare.as_secs_f64() * 1e3,
        users_per_s(best_bare),
        best_offset.as_secs_f64() * 1e3,
        best_offset.as_secs_f64() / best_bare.as_secs_f64(),
        best_cursor.as_secs_f64() * 1e3,
        best_cursor.as_secs_f64() / best_bare.as_secs_f64(),
    );

    // Memory: peak RSS after 1,000 users, then after all 10,000 (after the walks above, so only
    // growth a longer walk would cause shows).
    let hwm_before = peak_rss_kib();
    let small = walk(&clerk, 1_000, false).await;
    let hwm_small = peak_rss_kib();
    let all = walk(&clerk, TOTAL_USERS, false).await;
    let hwm_all = peak_rss_kib();
    assert_eq!(small, 1_000);
    assert_eq!(all, TOTAL_USERS);
    println!(
        "peak RSS: before {} KiB, after 1,000 users {} KiB, after 10,000 users {} KiB (growth over the last 9,000 users: {} KiB)",
        hwm_before,
        hwm_small,
        hwm_all,
        hwm_all.saturating_sub(hwm_small)
    );
}

/// Bare hyper paging: `GET /v1/users?limit=100&offset=…` until a short page, each page decoded
/// with `serde_json::from_slice` into `Vec<User>`.
async fn walk_bare(client: &HyperClient<HttpConnector, Empty<Bytes>>, base: &str) -> usize {
    let mut offset = 0;
    loop {
        let uri: hyper::Uri = format!("{base}/v1/users?limit=100&offset={offset}")
            .parse()
            .expect("uri");
        let request = Request::get(uri)
            .header("authorization", "Bearer sk_test_benchmark_key")
            .body(Empty::<Bytes>::new())
            .expect("request");
        let response = client.request(request).await.expect("send");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let page: Vec<User> = serde_json::from_slice(&body).expect("decode");
        let count = page.len();
        for user in page {
            std::hint::black_box(user);
        }
        offset += count;
        if count < 100 {
            return offset;
        }
    }
}

async fn run_clerk(clerk: &Clerk, calls: usize, concurrency: usize) -> Duration {
    let start = Instant::now();
    let per_task = calls / concurrency;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let clerk = clerk.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let user = clerk
                    .users()
                    .get("user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
                    .send()
                    .await
                    .expect("get");
                std::hint::black_box(user);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    start.elapsed()
}

async fn run_bare(
    client: &HyperClient<HttpConnector, Empty<Bytes>>,
    uri: &hyper::Uri,
    calls: usize,
    concurrency: usize,
) -> Duration {
    let start = Instant::now();
    let per_task = calls / concurrency;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let uri = uri.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let request = Request::get(uri.clone())
                    .header("authorization", "Bearer sk_test_benchmark_key")
                    .body(Empty::<Bytes>::new())
                    .expect("request");
                let response = client.request(request).await.expect("send");
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                let user: User = serde_json::from_slice(&body).expect("decode");
                std::hint::black_box(user);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    start.elapsed()
}

async fn walk(clerk: &Clerk, limit_users: usize, cursor: bool) -> usize {
    let list = clerk.users().list().limit(100);
    let mut stream = if cursor {
        list.into_cursor_stream().boxed()
    } else {
        list.into_stream().boxed()
    }
    .take(limit_users);
    let mut count = 0;
    while let Some(user) = stream.next().await {
        std::hint::black_box(user.expect("user"));
        count += 1;
    }
    count
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
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

/// A loopback server: `GET /v1/users/{id}` answers the sample user; `GET /v1/users?limit&offset`
/// renders that page of a 10,000-user list on the fly (so the server holds no list in memory).
async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let user = Arc::new(Bytes::from_static(USER_JSON.as_bytes()));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let user = user.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let user = user.clone();
                    async move { Ok::<_, Infallible>(respond(&req, &user)) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

fn respond(req: &Request<Incoming>, user: &Bytes) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let body = if path == "/v1/users" {
        let query = req.uri().query().unwrap_or("");
        let param = |name: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        // A cursor is the id of the last user of the previous page: `user_<27-digit index>`.
        let after = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "starting_after")
            .and_then(|(_, v)| v.strip_prefix("user_"))
            .and_then(|v| v.parse::<usize>().ok());
        let offset = after.map_or_else(|| param("offset").unwrap_or(0), |i| i + 1);
        let limit = param("limit").unwrap_or(10);
        let end = (offset + limit).min(TOTAL_USERS);
        let mut page = Vec::with_capacity(user.len() * limit + 2);
        page.push(b'[');
        for i in offset..end {
            if i > offset {
                page.push(b',');
            }
            // Distinct ids so the stream's repeated-page guard sees real pages.
            let item = USER_JSON.replacen(
                "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
                &format!("user_{i:027}"),
                1,
            );
            page.extend_from_slice(item.as_bytes());
        }
        page.push(b']');
        Bytes::from(page)
    } else {
        Bytes::clone(user)
    };
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(body))
        .expect("response")
}
