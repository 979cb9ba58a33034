//! Concurrency over real HTTP: 500 concurrent creates and updates lose nothing, and duplicate
//! identifiers under a race give exactly one success and `form_identifier_exists` for the rest.

use std::collections::HashSet;

use clerk::Clerk;
use clerk_testkit::Testkit;
use serde_json::json;
use tokio::task::JoinSet;

const N: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_and_updates_lose_nothing() {
    let tk = Testkit::start().await.unwrap();
    let clerk = tk.client();

    let mut tasks = JoinSet::new();
    for i in 0..N {
        let clerk = clerk.clone();
        tasks.spawn(async move {
            clerk
                .users()
                .create()
                .email_address([format!("user{i}@example.com")])
                .username(format!("user_{i:04}"))
                .await
                .map(|u| u.id)
        });
    }
    let mut ids = HashSet::new();
    while let Some(result) = tasks.join_next().await {
        assert!(ids.insert(result.unwrap().unwrap()), "ids are unique");
    }
    assert_eq!(ids.len(), N);
    assert_eq!(
        clerk.users().count().await.unwrap().total_count,
        i64::try_from(N).unwrap()
    );

    // 500 concurrent metadata merges on one user, each adding its own key.
    let target = ids.iter().next().unwrap().clone();
    let mut tasks = JoinSet::new();
    for i in 0..N {
        let clerk = clerk.clone();
        let target = target.clone();
        tasks.spawn(async move {
            clerk
                .users()
                .merge_metadata(&target)
                .public_metadata(json!({ format!("k{i}"): i }))
                .await
                .map(|_| ())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let user = clerk.users().get(&target).await.unwrap();
    let metadata = user.public_metadata.as_object().unwrap();
    assert_eq!(metadata.len(), N, "no merge was lost");
    for i in 0..N {
        assert_eq!(metadata[&format!("k{i}")], json!(i));
    }

    // 500 concurrent updates of different users.
    let ids: Vec<String> = ids.into_iter().collect();
    let mut tasks = JoinSet::new();
    for (i, id) in ids.iter().enumerate() {
        let clerk = clerk.clone();
        let id = id.clone();
        tasks.spawn(async move {
            clerk
                .users()
                .update(&id)
                .first_name(format!("name-{i}"))
                .await
                .map(|u| (i, u))
        });
    }
    while let Some(result) = tasks.join_next().await {
        let (i, user) = result.unwrap().unwrap();
        assert_eq!(user.first_name, Some(format!("name-{i}")));
    }
    for (i, id) in ids.iter().enumerate().step_by(37) {
        let user = clerk.users().get(id).await.unwrap();
        assert_eq!(user.first_name, Some(format!("name-{i}")));
    }
}

/// Runs `n` copies of `attempt` concurrently; returns (successes, identifier-exists failures).
async fn race<F, Fut>(n: usize, attempt: F) -> (usize, usize)
where
    F: Fn(Clerk) -> Fut,
    Fut: std::future::Future<Output = Result<(), clerk_api::Error>> + Send + 'static,
{
    let tk = Testkit::start().await.unwrap();
    let clerk = tk.client();
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        tasks.spawn(attempt(clerk.clone()));
    }
    let (mut ok, mut exists) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(()) => ok += 1,
            Err(e)
                if e.status() == Some(clerk::StatusCode::UNPROCESSABLE_ENTITY)
                    && e.has_code("form_identifier_exists") =>
            {
                exists += 1
            }
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    (ok, exists)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_identifiers_race_to_exactly_one_winner() {
    let n = 100;
    let emails = race(n, |clerk| async move {
        clerk
            .users()
            .create()
            .email_address(["same@example.com"])
            .await
            .map(|_| ())
    })
    .await;
    assert_eq!(emails, (1, n - 1));

    let usernames = race(n, |clerk| async move {
        clerk
            .users()
            .create()
            .username("same_name")
            .await
            .map(|_| ())
    })
    .await;
    assert_eq!(usernames, (1, n - 1));

    let external = race(n, |clerk| async move {
        clerk
            .users()
            .create()
            .external_id("ext-same")
            .await
            .map(|_| ())
    })
    .await;
    assert_eq!(external, (1, n - 1));

    let phones = race(n, |clerk| async move {
        clerk
            .users()
            .create()
            .phone_number(["+15555550123"])
            .await
            .map(|_| ())
    })
    .await;
    assert_eq!(phones, (1, n - 1));

    let slugs = race(n, |clerk| async move {
        clerk
            .organizations()
            .create("Same")
            .slug("same-slug")
            .await
            .map(|_| ())
    })
    .await;
    assert_eq!(slugs, (1, n - 1));
}
