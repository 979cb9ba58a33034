//! Wire-level tests of the hand-written endpoints in `extra.rs` that the OpenAPI spec does not
//! describe: handshake payload, session verification, invitation deletion, the domain-change
//! beta, experimental emails and accountless applications.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::models::SessionStatus;
use common::*;
use mockito::Matcher;
use serde_json::{Value, json};

fn email_json(id: &str, status: &str) -> Value {
    json!({
        "object": "email",
        "id": id,
        "slug": null,
        "from_email_name": "notifications",
        "to_email_address": "ada@example.com",
        "email_address_id": "idn_2ada0001",
        "user_id": "user_2ada",
        "subject": "Welcome",
        "body": "<p>Hello Ada</p>",
        "body_plain": "Hello Ada",
        "status": status,
        "delivered_by_clerk": true,
        "data": {}
    })
}

#[tokio::test]
async fn clients_handshake_payload_sends_the_nonce() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/clients/handshake_payload")
        .query(&[("nonce", "n0nce/with+chars=")])
        .no_body()
        .respond(
            200,
            &json!({
                "directives": [
                    "__session=eyJhbGciOiJSUzI1NiJ9.session; Path=/; SameSite=Lax; Secure",
                    "__client_uat=1717200000; Path=/; Max-Age=315360000; SameSite=Lax; Secure"
                ]
            }),
        )
        .create_async()
        .await;

    let payload = clerk
        .clients()
        .handshake_payload("n0nce/with+chars=")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(payload.directives.len(), 2);
    assert!(payload.directives[0].starts_with("__session="));
}

#[tokio::test]
async fn clients_handshake_payload_tolerates_a_missing_directives_key() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/clients/handshake_payload")
        .query(&[("nonce", "abc")])
        .no_body()
        .respond(200, &json!({}))
        .create_async()
        .await;
    let payload = clerk.clients().handshake_payload("abc").await.unwrap();
    mock.assert_async().await;
    assert!(payload.directives.is_empty());
}

#[tokio::test]
async fn sessions_verify_posts_the_token() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/sessions/sess_2abc/verify")
        .json_body(json!({ "token": "eyJhbGciOiJSUzI1NiJ9.session.sig" }))
        .respond(200, &session("sess_2abc", "user_2ada"))
        .create_async()
        .await;

    let s = clerk
        .sessions()
        .verify("sess_2abc")
        .token("eyJhbGciOiJSUzI1NiJ9.session.sig")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(s.id, "sess_2abc");
    assert_eq!(s.user_id, "user_2ada");
    assert_eq!(s.status, SessionStatus::Active);
}

#[tokio::test]
async fn sessions_verify_encodes_the_id_and_reports_errors() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/sessions/sess%2F2abc/verify")
        .json_body(json!({ "token": "t" }))
        .respond_error(404, "resource_not_found", "trace_verify")
        .create_async()
        .await;
    let err = clerk
        .sessions()
        .verify("sess/2abc")
        .token("t")
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "trace_verify");
    assert_eq!(
        err.to_string(),
        "404 resource_not_found on POST /sessions/{session_id}/verify: The requested resource could not be found. [trace trace_verify]"
    );
}

#[tokio::test]
async fn sessions_verify_without_a_token_fails_before_io() {
    let (mut server, clerk) = setup().await;
    let stray = server
        .mock("POST", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let err = clerk.sessions().verify("sess_2abc").await.unwrap_err();
    assert_invalid_request(&err);
    let clerk_api::Error::InvalidRequest(invalid) = &err else {
        unreachable!()
    };
    assert_eq!(
        invalid.kind(),
        &clerk_api::InvalidRequestKind::MissingParam {
            name: "token".to_owned()
        }
    );
    stray.assert_async().await;
}

#[tokio::test]
async fn invitations_delete() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "DELETE", "/v1/invitations/inv_2abc")
        .no_body()
        .respond(200, &deleted("invitation", "inv_2abc"))
        .create_async()
        .await;
    let gone = clerk.invitations().delete("inv_2abc").await.unwrap();
    mock.assert_async().await;
    assert_eq!(gone.object, "invitation");
    assert_eq!(gone.id.as_deref(), Some("inv_2abc"));
    assert!(gone.deleted);
}

#[tokio::test]
async fn invitations_delete_rejects_dot_dot() {
    let (mut server, clerk) = setup().await;
    let stray = server
        .mock("DELETE", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let err = clerk.invitations().delete("..").await.unwrap_err();
    assert_invalid_request(&err);
    stray.assert_async().await;
}

#[tokio::test]
async fn beta_features_change_domain() {
    let (mut server, clerk) = setup().await;
    let with_flag = expect(&mut server, "POST", "/v1/beta_features/change_domain")
        .json_body(json!({ "home_url": "https://example.org", "is_secondary": false }))
        .with_status(202)
        .create_async()
        .await;
    clerk
        .beta_features()
        .change_domain("https://example.org")
        .is_secondary(false)
        .await
        .unwrap();
    with_flag.assert_async().await;

    let without_flag = expect(&mut server, "POST", "/v1/beta_features/change_domain")
        .json_body(json!({ "home_url": "https://example.com" }))
        .with_status(204)
        .create_async()
        .await;
    clerk
        .beta_features()
        .change_domain("https://example.com")
        .await
        .unwrap();
    without_flag.assert_async().await;
}

#[tokio::test]
async fn emails_create_sends_the_message_and_idempotency_key() {
    let (mut server, clerk) = setup().await;
    let message = json!({
        "to": { "user_id": "user_2ada" },
        "subject": "Welcome",
        "body": "<p>Hello Ada</p>",
        "reply_to": { "address": "support@example.com" }
    });
    let mock = expect(&mut server, "POST", "/v1/email")
        .match_header("idempotency-key", "welcome-user_2ada-1")
        .json_body(message.clone())
        .respond(200, &email_json("ema_2abc", "queued"))
        .create_async()
        .await;

    let sent = clerk
        .emails()
        .create(message)
        .idempotency_key("welcome-user_2ada-1")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(sent["id"], "ema_2abc");
    assert_eq!(sent["status"], "queued");
}

#[tokio::test]
async fn emails_create_without_idempotency_key_sends_no_header() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/email")
        .match_header("idempotency-key", Matcher::Missing)
        .json_body(json!({ "to": { "address": "bob@example.com" }, "subject": "Hi", "body": "Hi" }))
        .respond(200, &email_json("ema_2def", "queued"))
        .create_async()
        .await;
    clerk
        .emails()
        .create(json!({ "to": { "address": "bob@example.com" }, "subject": "Hi", "body": "Hi" }))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn emails_create_rejects_bad_idempotency_keys_before_io() {
    let (mut server, clerk) = setup().await;
    let longest = "k".repeat(255);
    // Only the longest valid key reaches the server.
    let accepted = expect(&mut server, "POST", "/v1/email")
        .match_header("idempotency-key", longest.as_str())
        .respond(200, &email_json("ema_2abc", "queued"))
        .expect(1)
        .create_async()
        .await;
    let too_long = "k".repeat(256);
    for key in ["", "has space", "semi;colon", "ünïcode", too_long.as_str()] {
        let err = clerk
            .emails()
            .create(json!({ "subject": "x" }))
            .idempotency_key(key)
            .await
            .unwrap_err();
        assert_invalid_request(&err);
        assert!(err.to_string().contains("idempotency key"), "{err}");
    }
    clerk
        .emails()
        .create(json!({}))
        .idempotency_key(&longest)
        .await
        .unwrap();
    accepted.assert_async().await;
}

#[tokio::test]
async fn emails_create_batch() {
    let (mut server, clerk) = setup().await;
    let messages = vec![
        json!({ "to": { "user_id": "user_2a" }, "subject": "A", "body": "a", "idempotency_key": "a-1" }),
        json!({ "to": { "address": "b@example.com" }, "subject": "B", "body": "b" }),
    ];
    let mock = expect(&mut server, "POST", "/v1/email/batch")
        .json_body(json!({ "messages": messages.clone() }))
        .respond(
            200,
            &json!({ "data": [email_json("ema_2a", "queued"), email_json("ema_2b", "queued")] }),
        )
        .create_async()
        .await;
    let out = clerk.emails().create_batch(messages).await.unwrap();
    mock.assert_async().await;
    assert_eq!(out["data"][1]["id"], "ema_2b");
}

#[tokio::test]
async fn emails_create_batch_needs_1_to_100_messages() {
    let (mut server, clerk) = setup().await;
    // Only the batch of 100 reaches the server.
    let accepted = expect(&mut server, "POST", "/v1/email/batch")
        .json_body(json!({ "messages": vec![json!({}); 100] }))
        .respond(200, &json!({ "data": [] }))
        .expect(1)
        .create_async()
        .await;
    let err = clerk.emails().create_batch(Vec::new()).await.unwrap_err();
    assert_invalid_request(&err);
    let too_many = vec![json!({ "subject": "x" }); 101];
    let err = clerk.emails().create_batch(too_many).await.unwrap_err();
    assert_invalid_request(&err);
    assert!(err.to_string().contains("not 101"), "{err}");
    clerk
        .emails()
        .create_batch(vec![json!({}); 100])
        .await
        .unwrap();
    accepted.assert_async().await;
}

#[tokio::test]
async fn emails_get() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/email/ema_2abc")
        .no_body()
        .respond(200, &email_json("ema_2abc", "delivered"))
        .create_async()
        .await;
    let email = clerk.emails().get("ema_2abc").await.unwrap();
    mock.assert_async().await;
    assert_eq!(email["status"], "delivered");
    assert_eq!(email["to_email_address"], "ada@example.com");
}

#[tokio::test]
async fn accountless_applications_create() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/accountless_applications")
        .no_body()
        .respond(
            200,
            &json!({
                "object": "accountless_application",
                "publishable_key": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
                "secret_key": "sk_test_accountless",
                "claim_url": "https://dashboard.clerk.com/apps/claim?token=abc",
                "api_keys_url": "https://dashboard.clerk.com/apps/app_2abc/instances/ins_2abc/api-keys"
            }),
        )
        .create_async()
        .await;
    let app = clerk.accountless_applications().create().await.unwrap();
    mock.assert_async().await;
    assert_eq!(app.object, "accountless_application");
    assert_eq!(app.secret_key, "sk_test_accountless");
    assert_eq!(app.publishable_key, "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k");
    assert_eq!(
        app.claim_url,
        "https://dashboard.clerk.com/apps/claim?token=abc"
    );
    // Neither the key nor the claim link reaches Debug output.
    let shown = format!("{app:?} {app:#?}");
    assert!(!shown.contains("sk_test_accountless"), "{shown}");
    assert!(!shown.contains("token=abc"), "{shown}");
    assert!(
        shown.contains("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"),
        "{shown}"
    );
}

/// Both accountless-application calls can say where they come from (`?source=…`), as the
/// reference's `createAccountlessApplication({ source })` does.
#[tokio::test]
async fn accountless_applications_send_source() {
    let (mut server, clerk) = setup().await;
    let app = json!({
        "object": "accountless_application",
        "publishable_key": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
        "secret_key": "sk_test_accountless",
        "claim_url": "https://dashboard.clerk.com/apps/claim?token=abc",
        "api_keys_url": "https://dashboard.clerk.com/apps/app_2abc/instances/ins_2abc/api-keys"
    });
    let create = expect(&mut server, "POST", "/v1/accountless_applications")
        .query(&[("source", "nextjs@16.0.0")])
        .no_body()
        .respond(200, &app)
        .create_async()
        .await;
    let complete = expect(&mut server, "POST", "/v1/accountless_applications/complete")
        .query(&[("source", "cli")])
        .no_body()
        .respond(200, &app)
        .create_async()
        .await;

    let created = clerk
        .accountless_applications()
        .create()
        .source("nextjs@16.0.0")
        .await
        .unwrap();
    create.assert_async().await;
    assert_eq!(created.object, "accountless_application");
    let completed = clerk
        .accountless_applications()
        .complete_onboarding()
        .source("cli")
        .await
        .unwrap();
    complete.assert_async().await;
    assert_eq!(
        completed.publishable_key,
        "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"
    );
}

#[tokio::test]
async fn accountless_applications_complete_onboarding() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/accountless_applications/complete")
        .no_body()
        .respond(
            200,
            &json!({
                "object": "accountless_application",
                "publishable_key": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
                "secret_key": "sk_test_accountless",
                "claim_url": "https://dashboard.clerk.com/apps/claim?token=abc",
                "api_keys_url": "https://dashboard.clerk.com/apps/app_2abc/instances/ins_2abc/api-keys"
            }),
        )
        .create_async()
        .await;
    let app = clerk
        .accountless_applications()
        .complete_onboarding()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        app.claim_url,
        "https://dashboard.clerk.com/apps/claim?token=abc"
    );
}
