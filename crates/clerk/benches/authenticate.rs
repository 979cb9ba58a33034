//! Request authentication against token verification alone, through the one client.
//!
//! `cargo bench -p clerk --bench authenticate`
//!
//! Both sides use the same `Clerk` (networkless, with the fixture key) and the same realistic
//! v2 session token: the baseline is `clerk.verify_token(token)`; the contender is
//! `clerk.authenticate_request(&parts, &RequestOptions::new())` for a request carrying the token
//! in `Authorization: Bearer` — building the request options from the client's settings,
//! reading the header, routing the token, verifying it and building the signed-in state. Rounds
//! alternate in one process; printed are the median ns/op of each and the median of the
//! per-round ratios. `AUTH_BENCH_ROUNDS` (default 31) and `AUTH_BENCH_ITERS` (default 400)
//! change the sample.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clerk::auth::request::AuthStatus;
use clerk::{Clerk, ManualClock, RequestOptions};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

const PRIVATE_KEY: &str = include_str!("../../clerk-auth/tests/fixtures/rsa2048.pk8.pem");
const PUBLIC_KEY: &str = include_str!("../../clerk-auth/tests/fixtures/rsa2048.spki.pem");
const NOW: i64 = 1_700_000_000;

/// Networkless futures complete on their first poll; anything else would be a bug here.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn token() -> String {
    let header = r#"{"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_2abc","typ":"JWT"}"#;
    let payload = serde_json::json!({
        "azp": "https://app.example.com", "exp": NOW + 60, "fva": [3, -1], "iat": NOW - 1,
        "iss": "https://clerk.example.com", "jti": "b5a6e0c4d2f1a3b7c9e8", "nbf": NOW - 11,
        "o": {"fpm": "7,3,1,5", "id": "org_2abcDEFghiJKLmnoPQRstuVWXyz", "per": "read,manage,delete",
              "rol": "admin", "slg": "acme"},
        "pla": "o:pro,u:free", "fea": "o:dashboard,o:billing", "sid": "sess_2abcDEFghiJKLmnoPQRstuVWXyz",
        "sts": "active", "sub": "user_2abcDEFghiJKLmnoPQRstuVWXyz", "v": 2
    });
    let der: String = PRIVATE_KEY
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let key = RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
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

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("AUTH_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(31);
    let iters: usize = std::env::var("AUTH_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let clerk = Clerk::builder()
        .secret_key("sk_test_bench")
        .api_url("http://127.0.0.1:9")
        .publishable_key("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k")
        .jwt_key(PUBLIC_KEY)
        .authorized_parties(["https://app.example.com"])
        .clock(ManualClock::at_unix(NOW))
        .build()
        .unwrap();
    let token = token();
    let (parts, ()) = http::Request::get("https://app.example.com/api/reports")
        .header("host", "app.example.com")
        .header("authorization", format!("Bearer {token}"))
        .header("accept", "application/json")
        .header("user-agent", "bench/1.0")
        .body(())
        .unwrap()
        .into_parts();
    let options = RequestOptions::new();
    assert!(ready(clerk.verify_token(&token)).is_ok());
    assert_eq!(
        ready(clerk.authenticate_request(&parts, &options)).status(),
        AuthStatus::SignedIn
    );

    let time = |f: &dyn Fn() -> bool| {
        let start = Instant::now();
        for _ in 0..iters {
            assert!(black_box(f()));
        }
        start.elapsed().as_nanos() as f64 / iters as f64
    };
    let verify = || ready(clerk.verify_token(black_box(&token))).is_ok();
    let authenticate = || {
        ready(clerk.authenticate_request(black_box(&parts), &options)).status()
            == AuthStatus::SignedIn
    };
    let _ = time(&verify);
    let _ = time(&authenticate);
    let (mut baseline, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let b = time(&verify);
        let o = time(&authenticate);
        baseline.push(b);
        ours.push(o);
        ratios.push(o / b);
    }
    println!(
        "{} rounds x {iters} iterations, token {} bytes",
        rounds,
        token.len()
    );
    println!("{:<44} {:>12}  {:>8}", "", "median ns/op", "ratio");
    println!(
        "{:<44} {:>12.0}  {:>7.3}x",
        "clerk.verify_token [baseline]",
        median(baseline),
        1.0
    );
    println!(
        "{:<44} {:>12.0}  {:>7.3}x",
        "clerk.authenticate_request (bearer token)",
        median(ours),
        median(ratios)
    );
}
