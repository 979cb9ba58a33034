//! Fault injection over real HTTP, driving clerk-core's retry policy: forced statuses with and
//! without `Retry-After`, dropped connections, truncated bodies and latency, for the next N
//! requests, and what they do (or do not) change on the server.

use std::time::Duration;

use clerk::Clerk;
use clerk_core::{ManualClock, RetryPolicy};
use clerk_testkit::{Fault, Testkit};

/// A client with 3 attempts, no jitter, and a manual clock (retry waits are recorded, not slept).
fn client(tk: &Testkit, clock: &ManualClock) -> Clerk {
    tk.client_builder()
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(3)
                .with_jitter(false)
                .with_initial_backoff(Duration::from_millis(100)),
        )
        .clock(clock.clone())
        .build()
        .unwrap()
}

async fn user_count(tk: &Testkit) -> i64 {
    tk.client().users().count().await.unwrap().total_count
}

#[tokio::test]
async fn forced_5xx_statuses_are_retried_for_reads_only() {
    let tk = Testkit::start().await.unwrap();
    let clock = ManualClock::new();
    let clerk = client(&tk, &clock);
    let user = clerk.users().create().await.unwrap();

    let fault = tk
        .faults()
        .inject(Fault::status(503).on_operation("GetUser").times(2));
    let got = clerk.users().get(&user.id).await.unwrap();
    assert_eq!(got.id, user.id);
    assert_eq!(
        clock.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
    assert_eq!(tk.faults().hits(fault), Some(2), "spent after two requests");

    // A POST is not retried on 502 and the server did not run the operation.
    tk.faults()
        .inject(Fault::status(502).on_route("POST", "/users").times(1));
    let error = clerk.users().create().await.unwrap_err();
    assert_eq!(error.status(), Some(clerk::StatusCode::BAD_GATEWAY));
    assert!(error.has_code("bad_gateway"));
    assert_eq!(user_count(&tk).await, 1);

    // A 500 is never retried.
    tk.faults().inject(Fault::status(500).times(1));
    let error = clerk.users().get(&user.id).await.unwrap_err();
    assert!(error.is_server_error());
    assert!(error.has_code("internal_clerk_error"));
}

#[tokio::test]
async fn rate_limits_are_retried_after_retry_after_even_for_posts() {
    let tk = Testkit::start().await.unwrap();
    let clock = ManualClock::new();
    let clerk = client(&tk, &clock);
    tk.faults()
        .inject(Fault::rate_limited(2).on_operation("CreateUser").times(1));
    clerk.users().create().await.unwrap();
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2)],
        "Retry-After honoured"
    );
    assert_eq!(
        user_count(&tk).await,
        1,
        "the rate-limited attempt changed nothing"
    );

    // Out of attempts: the 429 surfaces with its Retry-After.
    tk.faults().inject(Fault::rate_limited(1).times(3));
    let error = clerk.users().list().await.unwrap_err();
    assert!(error.is_rate_limited());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn dropped_connections_and_truncated_bodies() {
    let tk = Testkit::start().await.unwrap();
    let clock = ManualClock::new();
    let clerk = client(&tk, &clock);
    let user = clerk.users().create().await.unwrap();

    // A GET whose connection is dropped is retried.
    tk.faults()
        .inject(Fault::drop_connection().on_operation("GetUser").times(1));
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);

    // A POST whose connection is dropped is not: the request may have been processed.
    tk.faults()
        .inject(Fault::drop_connection().on_operation("CreateUser").times(1));
    let error = clerk.users().create().await.unwrap_err();
    assert!(matches!(error, clerk_api::Error::Transport(_)), "{error:?}");
    assert_eq!(user_count(&tk).await, 1, "dropped before handling");

    // A truncated GET is retried and succeeds.
    tk.faults()
        .inject(Fault::truncate_body().on_operation("GetUser").times(1));
    assert_eq!(clerk.users().get(&user.id).await.unwrap().id, user.id);

    // A truncated POST fails on the client, yet the user exists: the ambiguity a client must
    // handle (here: look the user up by the identifier it sent).
    tk.faults()
        .inject(Fault::truncate_body().on_operation("CreateUser").times(1));
    let error = clerk
        .users()
        .create()
        .email_address(["maybe@example.com"])
        .await
        .unwrap_err();
    assert!(matches!(error, clerk_api::Error::Transport(_)), "{error:?}");
    let found = clerk
        .users()
        .list()
        .email_address(["maybe@example.com"])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn latency_meets_client_timeouts() {
    let tk = Testkit::start().await.unwrap();
    let clerk = tk
        .client_builder()
        .attempt_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let fault = tk.faults().inject(
        Fault::latency(Duration::from_millis(400))
            .on_operation("GetUserList")
            .times(1),
    );
    let error = clerk.users().list().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(tk.faults().hits(fault), Some(1));
    assert!(clerk.users().list().await.is_ok(), "the fault is spent");
    assert_eq!(tk.faults().hits(fault), Some(1));

    // Latency below the timeout only slows the call down.
    tk.faults()
        .inject(Fault::latency(Duration::from_millis(30)).times(1));
    let started = std::time::Instant::now();
    clerk.users().list().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn faults_can_be_removed_and_apply_to_a_fraction() {
    let tk = Testkit::start().await.unwrap();
    let clerk = tk
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let never = tk.faults().inject(Fault::status(503).probability(0.0));
    for _ in 0..20 {
        clerk.users().list().await.unwrap();
    }
    assert_eq!(tk.faults().hits(never), Some(0));
    assert!(tk.faults().remove(never));
    let half = tk.faults().inject(Fault::status(503).probability(0.5));
    let mut failures = 0;
    for _ in 0..200 {
        if clerk.users().list().await.is_err() {
            failures += 1;
        }
    }
    assert_eq!(tk.faults().hits(half), Some(failures));
    assert!((60..140).contains(&failures), "{failures} of 200");
    tk.faults().clear();
    assert!(clerk.users().list().await.is_ok());
}
