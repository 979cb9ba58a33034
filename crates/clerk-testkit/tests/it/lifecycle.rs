//! Starting and stopping: builder settings show up in the keys, dropping the testkit closes its
//! port, and `shutdown` lets an in-flight request finish first.

use std::time::Duration;

use base64::Engine as _;
use clerk_core::RetryPolicy;
use clerk_testkit::{Fault, Testkit};

#[tokio::test]
async fn builder_settings_and_keys() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let tk = Testkit::builder()
        .port(port)
        .instance_id("ins_testkit_fixed")
        .secret_key("sk_test_fixed_for_this_test")
        .start()
        .await
        .unwrap();
    assert_eq!(tk.addr().port(), port);
    assert_eq!(tk.api_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(tk.secret_key(), "sk_test_fixed_for_this_test");
    assert_eq!(tk.instance_id(), "ins_testkit_fixed");
    assert_eq!(tk.jwks().keys[0].kid.as_deref(), Some("ins_testkit_fixed"));
    let encoded = tk.publishable_key().strip_prefix("pk_test_").unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(decoded, format!("127.0.0.1:{port}$").into_bytes());
    assert!(
        !format!("{tk:?}").contains("sk_test_fixed"),
        "Debug redacts the key"
    );
    // The same port cannot be bound twice.
    let error = Testkit::builder().port(port).start().await.unwrap_err();
    assert!(
        matches!(error, clerk_testkit::StartError::Bind(_)),
        "{error}"
    );
}

async fn refused(addr: std::net::SocketAddr) -> bool {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn dropping_the_testkit_closes_its_port() {
    let tk = Testkit::start().await.unwrap();
    let addr = tk.addr();
    tk.client().users().list().await.unwrap();
    drop(tk);
    assert!(refused(addr).await, "still accepting after drop");
}

#[tokio::test]
async fn shutdown_finishes_in_flight_requests() {
    let tk = Testkit::start().await.unwrap();
    let addr = tk.addr();
    let slow = tk.faults().inject(
        Fault::latency(Duration::from_millis(200))
            .on_operation("GetUserList")
            .times(1),
    );
    let clerk = tk
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let in_flight = tokio::spawn(async move { clerk.users().list().await });
    // Wait until the request is inside the server (its one-shot fault has hit it).
    for _ in 0..500 {
        if tk.faults().hits(slow) == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(tk.faults().hits(slow), Some(1), "the request never arrived");
    tk.shutdown().await;
    assert!(
        in_flight.await.unwrap().is_ok(),
        "the slow request was answered"
    );
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
