//! Webhooks: state changes are delivered as Svix-signed POSTs that clerk-auth's `Webhook`
//! verifies, retried after a failing receiver with the same `svix-id`, filtered by event type;
//! every payload the emulator emits validates against `webhooks-2025-04-15.yml`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clerk_auth::webhooks::{Webhook, WebhookEventData};
use clerk_testkit::{DeliveryOutcome, ManualClock, Testkit, WebhookMessage};
use http::HeaderMap;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const T0: i64 = 1_765_000_000_000;

/// A received delivery.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A minimal HTTP receiver that answers each request with the next status of `script`
/// (then 200) and forwards what it received.
async fn receiver(script: Vec<u16>) -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/clerk", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    let script = Arc::new(Mutex::new(script.into_iter()));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        break (end + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let mut headers = HeaderMap::new();
                for line in String::from_utf8_lossy(&buf[..head_end]).lines().skip(1) {
                    if let Some((name, value)) = line.split_once(':') {
                        if let (Ok(n), Ok(v)) = (
                            http::HeaderName::from_bytes(name.trim().as_bytes()),
                            http::HeaderValue::from_str(value.trim()),
                        ) {
                            headers.append(n, v);
                        }
                    }
                }
                let _ = tx.send(Received {
                    headers,
                    body: buf[head_end..head_end + length].to_vec(),
                });
                let status = script.lock().unwrap().next().unwrap_or(200);
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, rx)
}

async fn recv(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery within 10 s")
        .expect("the receiver is running")
}

#[tokio::test]
async fn deliveries_are_signed_and_retried_after_a_failing_receiver() {
    let clock = ManualClock::at_unix_millis(T0);
    let (url, mut rx) = receiver(vec![500, 503]).await;
    let tk = Testkit::builder()
        .clock(clock.clone())
        .webhook_retry_schedule([Duration::from_millis(20), Duration::from_millis(20)])
        .start()
        .await
        .unwrap();
    let endpoint = tk
        .webhooks()
        .add_endpoint_with(&url, None, Some(vec!["user.created".to_owned()]))
        .unwrap();
    assert!(endpoint.secret().starts_with("whsec_"));
    assert!(
        !format!("{endpoint:?}").contains(endpoint.secret()),
        "Debug redacts"
    );
    let clerk = tk.client();
    // Not delivered (filtered out): organization.created.
    clerk.organizations().create("Ignored").await.unwrap();
    let user = clerk
        .users()
        .create()
        .email_address(["hook@example.com"])
        .await
        .unwrap();

    let first = recv(&mut rx).await;
    let second = recv(&mut rx).await;
    let third = recv(&mut rx).await;
    let ids: BTreeSet<_> = [&first, &second, &third]
        .iter()
        .map(|r| r.headers["svix-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "retries keep the message id");
    assert_eq!(first.body, third.body);
    assert_eq!(
        third.headers["svix-timestamp"].to_str().unwrap(),
        (T0 / 1000).to_string()
    );

    // The receiver's view: clerk-auth verifies the signature and decodes the event.
    let verifier = Webhook::new(endpoint.secret())
        .unwrap()
        .with_clock(clock.clone());
    let event = verifier
        .verify_and_parse(&third.headers, &third.body)
        .unwrap();
    assert_eq!(event.r#type, "user.created");
    assert_eq!(event.instance_id, tk.instance_id());
    assert_eq!(event.timestamp, T0);
    match &event.data {
        WebhookEventData::UserCreated(created) => assert_eq!(created.id, user.id),
        other => panic!("unexpected payload {other:?}"),
    }
    // A wrong secret does not verify.
    let other = Webhook::new(tk.webhooks().secret())
        .unwrap()
        .with_clock(clock.clone());
    assert!(other.verify(&third.headers, &third.body).is_err());

    // The delivery log tells the same story.
    let attempts: Vec<_> = [
        tk.webhooks().next_delivery().await,
        tk.webhooks().next_delivery().await,
        tk.webhooks().next_delivery().await,
    ]
    .into_iter()
    .collect();
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        attempts[0].outcome,
        DeliveryOutcome::Rejected { status: 500 }
    );
    assert_eq!(attempts[0].next_retry_in, Some(Duration::from_millis(20)));
    assert_eq!(
        attempts[1].outcome,
        DeliveryOutcome::Rejected { status: 503 }
    );
    assert!(attempts[2].delivered());
    assert_eq!(attempts[2].next_retry_in, None);
    assert!(attempts.iter().all(|a| a.event_type == "user.created"));
    assert!(rx.try_recv().is_err(), "nothing else was delivered");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_then_given_up() {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", dead.local_addr().unwrap());
    drop(dead);
    let tk = Testkit::builder()
        .webhook_retry_schedule([Duration::from_millis(10)])
        .webhook_endpoint(url)
        .start()
        .await
        .unwrap();
    tk.client().users().create().await.unwrap();
    let first = tk.webhooks().next_delivery().await;
    assert!(
        matches!(first.outcome, DeliveryOutcome::Failed { .. }),
        "{first:?}"
    );
    assert_eq!(first.next_retry_in, Some(Duration::from_millis(10)));
    let last = tk.webhooks().next_delivery().await;
    assert_eq!(last.attempt, 2);
    assert_eq!(last.next_retry_in, None, "out of retries");
}

#[tokio::test]
async fn the_event_log_serves_signed_messages_to_tests() {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = Testkit::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let clerk = tk.client();
    let user = clerk.users().create().await.unwrap();
    clerk
        .users()
        .update(&user.id)
        .first_name("Ada")
        .await
        .unwrap();
    let created = tk.webhooks().next().await;
    let updated = tk.webhooks().next().await;
    assert_eq!(created.event_type(), "user.created");
    assert_eq!(updated.event_type(), "user.updated");
    assert_eq!(updated.data()["first_name"], "Ada");
    let webhook = Webhook::new(tk.webhooks().secret())
        .unwrap()
        .with_clock(clock);
    let request = updated.to_request("/webhooks/clerk");
    webhook
        .verify(request.headers(), request.body())
        .expect("signed with the default secret");
    // An independent reader starts from the oldest retained event.
    let mut subscription = tk.webhooks().subscribe();
    assert_eq!(subscription.next().await.id(), created.id());
    assert_eq!(tk.webhooks().history().len(), 2);
    assert!(tk.webhooks().try_next().is_none());
}

fn webhook_schema(event_type: &str) -> Value {
    crate::support::webhooks_spec()["x-webhooks"][event_type]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]
        .clone()
}

fn check_payload(message: &WebhookMessage, problems: &mut Vec<String>) {
    let spec = crate::support::webhooks_spec();
    let schema = webhook_schema(message.event_type());
    if schema.is_null() {
        problems.push(format!(
            "{}: not in the webhooks spec",
            message.event_type()
        ));
        return;
    }
    let mut errors = Vec::new();
    crate::support::validate(spec, &message.json(), &schema, "$", &mut errors);
    for e in errors {
        problems.push(format!("{}: {e}", message.event_type()));
    }
}

#[tokio::test]
async fn every_emitted_event_matches_the_webhooks_spec() {
    let tk = Testkit::start().await.unwrap();
    let clerk = tk.client();
    let user = clerk
        .users()
        .create()
        .email_address(["events@example.com"])
        .await
        .unwrap();
    let other = clerk
        .users()
        .create()
        .email_address(["other@example.com"])
        .await
        .unwrap();
    clerk
        .users()
        .update(&user.id)
        .last_name("Events")
        .await
        .unwrap();
    let org = clerk
        .organizations()
        .create("Events Org")
        .created_by(&user.id)
        .await
        .unwrap();
    clerk
        .organizations()
        .update(&org.id)
        .name("Events Org 2")
        .await
        .unwrap();
    let memberships = clerk.organizations().memberships();
    memberships
        .create(&org.id)
        .user_id(&other.id)
        .role("org:member")
        .await
        .unwrap();
    memberships
        .update(&org.id)
        .user_id(&other.id)
        .role("org:admin")
        .await
        .unwrap();
    let invitations = clerk.organizations().invitations();
    let invitation = invitations
        .create(&org.id)
        .email_address("invitee@example.com")
        .role("org:member")
        .inviter_user_id(&user.id)
        .await
        .unwrap();
    invitations
        .revoke(&org.id)
        .invitation_id(&invitation.id)
        .await
        .unwrap();
    let invitee = clerk
        .users()
        .create()
        .email_address(["invitee@example.com"])
        .await
        .unwrap();
    let invitation = invitations
        .create(&org.id)
        .email_address("invitee@example.com")
        .role("org:member")
        .await
        .unwrap();
    tk.accept_organization_invitation(&invitation.id, &invitee.id)
        .unwrap();
    let domain = clerk
        .organizations()
        .domains()
        .create(&org.id)
        .name("events.test")
        .enrollment_mode("manual_invitation")
        .await
        .unwrap();
    clerk
        .organizations()
        .domains()
        .update(&org.id)
        .domain_id(&domain.id)
        .verified(false)
        .await
        .unwrap();
    clerk
        .organizations()
        .domains()
        .delete(&org.id)
        .domain_id(&domain.id)
        .await
        .unwrap();
    let session = clerk.sessions().create(&user.id).await.unwrap();
    clerk.sessions().revoke(&session.id).await.unwrap();
    let session = clerk.sessions().create(&user.id).await.unwrap();
    tk.end_session(&session.id).unwrap();
    clerk.sessions().create(&other.id).await.unwrap();
    memberships
        .delete(&org.id)
        .user_id(&other.id)
        .await
        .unwrap();
    clerk.organizations().delete(&org.id).await.unwrap();
    clerk.users().delete(&other.id).await.unwrap();

    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    while let Some(message) = tk.webhooks().try_next() {
        check_payload(&message, &mut problems);
        seen.insert(message.event_type().to_owned());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let expected = [
        "user.created",
        "user.updated",
        "user.deleted",
        "session.created",
        "session.revoked",
        "session.ended",
        "session.removed",
        "organization.created",
        "organization.updated",
        "organization.deleted",
        "organizationMembership.created",
        "organizationMembership.updated",
        "organizationMembership.deleted",
        "organizationInvitation.created",
        "organizationInvitation.revoked",
        "organizationInvitation.accepted",
        "organizationDomain.created",
        "organizationDomain.updated",
        "organizationDomain.deleted",
    ];
    let missing: Vec<_> = expected.iter().filter(|t| !seen.contains(**t)).collect();
    assert!(missing.is_empty(), "not emitted: {missing:?}");
    let deleted = tk
        .webhooks()
        .history()
        .into_iter()
        .find(|m| m.event_type() == "user.deleted")
        .unwrap();
    assert_eq!(
        deleted.data(),
        json!({"object": "user", "id": other.id, "deleted": true})
    );
}
