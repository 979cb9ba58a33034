//! Behaviours copied from the reference SDK on purpose: the `oauth_` provider prefix and
//! machine-secret-key authentication of the M2M token endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_core::SecretKey;
use common::*;
use mockito::Matcher;
use serde_json::json;

#[tokio::test]
async fn oauth_provider_gets_its_prefix_when_left_out() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/users/user_2ada/oauth_access_tokens/oauth_github",
    )
    .query(&[("paginated", "true")])
    .no_body()
    .respond(200, &json!({"data": [], "total_count": 0}))
    .expect(2)
    .create_async()
    .await;

    // Both spellings reach the same path; the prefix is never doubled.
    for provider in ["github", "oauth_github"] {
        let page = clerk
            .users()
            .oauth_access_tokens("user_2ada")
            .provider(provider)
            .await
            .unwrap();
        assert_eq!(page.total_count, Some(0));
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn m2m_tokens_can_authenticate_with_a_machine_secret_key() {
    let (mut server, clerk) = setup().await;
    let machine_key = "ak_machine_secret_1";
    let mut created = m2m_token("mt_2new", false);
    created["token"] = json!("mt_secret_value");
    let with_machine_key = server
        .mock("POST", "/m2m_tokens")
        .match_header("authorization", format!("Bearer {machine_key}").as_str())
        .match_header("clerk-api-version", API_VERSION)
        .json_body(json!({"seconds_until_expiration": 3600}))
        .respond(200, &created)
        .expect(1)
        .create_async()
        .await;
    let no_v1 = server
        .mock("POST", Matcher::Regex("^/v1/".to_owned()))
        .expect(0)
        .create_async()
        .await;

    let request = clerk
        .m2m_tokens()
        .create()
        .seconds_until_expiration(3600)
        .machine_secret_key(SecretKey::new(machine_key).unwrap());
    // The builder's Debug output never shows the machine key.
    assert!(!format!("{request:?}").contains(machine_key));
    let token = request.await.unwrap();
    assert_eq!(token.id, "mt_2new");
    with_machine_key.assert_async().await;
    no_v1.assert_async().await;

    // Without it, the client's own secret key is used.
    let with_client_key = std_headers(server.mock("POST", "/m2m_tokens/mt_2new/revoke"))
        .respond(200, &m2m_token("mt_2new", true))
        .expect(1)
        .create_async()
        .await;
    clerk.m2m_tokens().revoke("mt_2new").await.unwrap();
    with_client_key.assert_async().await;
}
