//! Wire-level tests of `sessions` (including the `get_token` helper), `clients`,
//! `sign_in_tokens`, `sign_ups`, `actor_tokens`, `testing_tokens` and `agent_tasks`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::actor_tokens::CreateActorTokenActor;
use clerk_api::agent_tasks::{CreateAgentTaskOnBehalfOf, CreateAgentTaskPermissions};
use clerk_api::models::GetSessionListStatus;
use clerk_api::models::{
    SessionRefresh, SessionStatus, SignUpStatus, SignUpVerificationNextAction, TokenStatus,
};
use clerk_api::sessions::RefreshSessionFormat;
use common::*;
use serde_json::{Value, json};

const JWT: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18yYWJjIn0.eyJzdWIiOiJ1c2VyXzJhZGEifQ.c2lnbmF0dXJl";

fn client_json(id: &str) -> Value {
    json!({
        "object": "client",
        "id": id,
        "session_ids": ["sess_2abc"],
        "sessions": [session("sess_2abc", "user_2ada")],
        "sign_in_id": null,
        "sign_up_id": null,
        "last_active_session_id": "sess_2abc",
        "last_authentication_strategy": "oauth_google",
        "updated_at": T1,
        "created_at": T0
    })
}

// ---------------------------------------------------------------------------------------------
// sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_sessions_sends_paginated_and_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/sessions")
        .query(&[
            ("user_id", "user_2ada"),
            ("status", "active"),
            ("limit", "10"),
            ("paginated", "true"),
        ])
        .no_body()
        .respond(
            200,
            &json!({
                "data": [session("sess_2abc", "user_2ada"), session("sess_2def", "user_2ada")],
                "total_count": 2
            }),
        )
        .create_async()
        .await;

    let page = clerk
        .sessions()
        .list()
        .user_id("user_2ada")
        .status(GetSessionListStatus::Active)
        .limit(10)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(2));
    let s = &page.data[0];
    assert_eq!(s.id, "sess_2abc");
    assert_eq!(s.status, SessionStatus::Active);
    assert_eq!(s.client_id, "client_2abcdefghij");
    let activity = s.latest_activity.as_ref().unwrap();
    assert_eq!(activity.browser_name.as_deref(), Some("Chrome"));
    assert!(!activity.is_mobile);
    assert_eq!(s.tasks.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn get_session_with_unknown_status() {
    let (mut server, clerk) = setup().await;
    let mut body = session("sess_2abc", "user_2ada");
    body["status"] = json!("hibernating");
    body["actor"] = json!({ "sub": "user_2admin", "iss": "https://dashboard.clerk.com" });
    let mock = expect(&mut server, "GET", "/v1/sessions/sess_2abc")
        .no_body()
        .respond(200, &body)
        .create_async()
        .await;
    let s = clerk.sessions().get("sess_2abc").await.unwrap();
    mock.assert_async().await;
    assert_eq!(s.status, SessionStatus::Unknown("hibernating".into()));
    assert_eq!(s.actor.unwrap()["sub"], "user_2admin");
}

#[tokio::test]
async fn create_and_revoke_session() {
    let (mut server, clerk) = setup().await;
    let create = expect(&mut server, "POST", "/v1/sessions")
        .json_body(json!({ "user_id": "user_2ada", "active_organization_id": "org_2acme" }))
        .respond(200, &session("sess_2new", "user_2ada"))
        .create_async()
        .await;
    let mut revoked = session("sess_2new", "user_2ada");
    revoked["status"] = json!("revoked");
    let revoke = expect(&mut server, "POST", "/v1/sessions/sess_2new/revoke")
        .no_body()
        .respond(200, &revoked)
        .create_async()
        .await;

    let s = clerk
        .sessions()
        .create("user_2ada")
        .active_organization_id("org_2acme")
        .await
        .unwrap();
    assert_eq!(s.id, "sess_2new");
    let s = clerk.sessions().revoke("sess_2new").await.unwrap();
    assert_eq!(s.status, SessionStatus::Revoked);
    create.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn refresh_session_decodes_token_or_cookies() {
    let (mut server, clerk) = setup().await;
    let token = expect(&mut server, "POST", "/v1/sessions/sess_2abc/refresh")
        .json_body(json!({
            "expired_token": "old.jwt.token",
            "refresh_token": "rt_abc",
            "request_origin": "https://app.example.com",
            "format": "token",
            "request_originating_ip": null
        }))
        .respond(200, &json!({ "object": "token", "jwt": JWT }))
        .create_async()
        .await;
    let cookies = expect(&mut server, "POST", "/v1/sessions/sess_2def/refresh")
        .json_body(json!({
            "expired_token": "old.jwt.token",
            "refresh_token": "rt_def",
            "request_origin": "https://app.example.com",
            "request_headers": { "User-Agent": ["Mozilla/5.0"] },
            "format": "cookie"
        }))
        .respond(
            200,
            &json!({ "object": "cookies", "cookies": ["__session=abc; Path=/; Secure", "__client_uat=1717200000; Path=/"] }),
        )
        .create_async()
        .await;

    let r = clerk
        .sessions()
        .refresh("sess_2abc")
        .expired_token("old.jwt.token")
        .refresh_token("rt_abc")
        .request_origin("https://app.example.com")
        .format(RefreshSessionFormat::Token)
        .clear_request_originating_ip()
        .await
        .unwrap();
    match r {
        SessionRefresh::Token(t) => assert_eq!(t.jwt, JWT),
        other => panic!("expected a token, got {other:?}"),
    }
    let r = clerk
        .sessions()
        .refresh("sess_2def")
        .expired_token("old.jwt.token")
        .refresh_token("rt_def")
        .request_origin("https://app.example.com")
        .request_headers(json!({ "User-Agent": ["Mozilla/5.0"] }))
        .format(RefreshSessionFormat::Cookie)
        .await
        .unwrap();
    match r {
        SessionRefresh::Cookies(c) => assert_eq!(c.cookies.len(), 2),
        other => panic!("expected cookies, got {other:?}"),
    }
    token.assert_async().await;
    cookies.assert_async().await;
}

/// The reference's session refresher asks for suffixed cookies with a query parameter
/// (`?suffixed_cookies=true`), beside the JSON body.
#[tokio::test]
async fn refresh_session_sends_suffixed_cookies_in_the_query() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/sessions/sess_2abc/refresh")
        .query(&[("suffixed_cookies", "true")])
        .json_body(json!({
            "expired_token": "old.jwt.token",
            "refresh_token": "rt_abc",
            "request_origin": "https://app.example.com",
            "format": "cookie"
        }))
        .respond(
            200,
            &json!({ "object": "cookies", "cookies": ["__session_naoXFJnI=abc; Path=/; Secure"] }),
        )
        .create_async()
        .await;
    let r = clerk
        .sessions()
        .refresh("sess_2abc")
        .expired_token("old.jwt.token")
        .refresh_token("rt_abc")
        .request_origin("https://app.example.com")
        .format(RefreshSessionFormat::Cookie)
        .suffixed_cookies(true)
        .await
        .unwrap();
    mock.assert_async().await;
    match r {
        SessionRefresh::Cookies(c) => assert!(c.cookies[0].starts_with("__session_naoXFJnI=")),
        other => panic!("expected cookies, got {other:?}"),
    }
}

#[tokio::test]
async fn create_token_and_token_from_template() {
    let (mut server, clerk) = setup().await;
    let plain = expect(&mut server, "POST", "/v1/sessions/sess_2abc/tokens")
        .json_body(json!({ "expires_in_seconds": null }))
        .respond(200, &json!({ "object": "token", "jwt": JWT }))
        .create_async()
        .await;
    let templated = expect(
        &mut server,
        "POST",
        "/v1/sessions/sess_2abc/tokens/supabase",
    )
    .json_body(json!({ "expires_in_seconds": 300 }))
    .respond(200, &json!({ "object": "token", "jwt": JWT }))
    .create_async()
    .await;

    let t = clerk
        .sessions()
        .create_token("sess_2abc")
        .clear_expires_in_seconds()
        .await
        .unwrap();
    assert_eq!(t.jwt.as_deref(), Some(JWT));
    let t = clerk
        .sessions()
        .create_token_from_template("sess_2abc")
        .template_name("supabase")
        .expires_in_seconds(300)
        .await
        .unwrap();
    assert_eq!(t.object.as_deref(), Some("token"));
    plain.assert_async().await;
    templated.assert_async().await;
}

#[tokio::test]
async fn get_token_without_template_hits_tokens() {
    let (mut server, clerk) = setup().await;
    // The default session token: no template segment. With no lifetime given the body is an
    // empty object (the reference SDK sends no body at all).
    let mock = expect(&mut server, "POST", "/v1/sessions/sess_2abc/tokens")
        .json_body(json!({}))
        .respond(200, &json!({ "object": "token", "jwt": JWT }))
        .create_async()
        .await;
    let stray = server
        .mock("POST", "/v1/sessions/sess_2abc/tokens/")
        .expect(0)
        .create_async()
        .await;

    let t = clerk.sessions().get_token("sess_2abc").await.unwrap();
    mock.assert_async().await;
    stray.assert_async().await;
    assert_eq!(t.jwt.as_deref(), Some(JWT));
    assert_eq!(t.object.as_deref(), Some("token"));
}

#[tokio::test]
async fn get_token_with_template_and_lifetime() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "POST",
        "/v1/sessions/sess_2abc/tokens/my%20template",
    )
    .json_body(json!({ "expires_in_seconds": 60 }))
    .respond(200, &json!({ "object": "token", "jwt": JWT }))
    .create_async()
    .await;

    let t = clerk
        .sessions()
        .get_token("sess_2abc")
        .template("my template")
        .expires_in_seconds(60)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(t.jwt.as_deref(), Some(JWT));
}

#[tokio::test]
async fn get_token_for_unknown_template_is_an_api_error() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/sessions/sess_2abc/tokens/nope")
        .json_body(json!({}))
        .respond_error(404, "resource_not_found", "trace_tpl")
        .create_async()
        .await;
    let err = clerk
        .sessions()
        .get_token("sess_2abc")
        .template("nope")
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "trace_tpl");
}

#[tokio::test]
async fn get_token_rejects_a_dot_dot_template_without_a_request() {
    let (mut server, clerk) = setup().await;
    let stray = server
        .mock("POST", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let err = clerk
        .sessions()
        .get_token("sess_2abc")
        .template("..")
        .await
        .unwrap_err();
    assert_invalid_request(&err);
    stray.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// clients
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_get_and_verify_clients() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/clients")
        .query(&[("limit", "1"), ("offset", "3"), ("paginated", "true")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [client_json("client_2abc")], "total_count": 4 }),
        )
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/clients/client_2abc")
        .no_body()
        .respond(200, &client_json("client_2abc"))
        .create_async()
        .await;
    let verify = expect(&mut server, "POST", "/v1/clients/verify")
        .json_body(json!({ "token": "client.jwt.token" }))
        .respond(200, &client_json("client_2abc"))
        .create_async()
        .await;

    let page = clerk.clients().list().limit(1).offset(3).await.unwrap();
    assert_eq!(page.total_count, Some(4));
    let c = clerk.clients().get("client_2abc").await.unwrap();
    assert_eq!(c.session_ids, ["sess_2abc"]);
    assert_eq!(c.sessions[0].user_id, "user_2ada");
    assert_eq!(c.last_active_session_id.as_deref(), Some("sess_2abc"));
    assert_eq!(c.sign_in_id, None);
    let c = clerk.clients().verify("client.jwt.token").await.unwrap();
    assert_eq!(c.id, "client_2abc");
    list.assert_async().await;
    get.assert_async().await;
    verify.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// sign-in tokens, sign-ups, actor tokens, testing tokens, agent tasks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sign_in_tokens_create_and_revoke() {
    let (mut server, clerk) = setup().await;
    let token = |status: &str| {
        json!({
            "object": "sign_in_token",
            "id": "sit_2abc",
            "status": status,
            "user_id": "user_2ada",
            "token": "eyJhbGciOiJSUzI1NiJ9.ticket",
            "url": "https://accounts.example.com/sign-in?__clerk_ticket=eyJhbGciOiJSUzI1NiJ9.ticket",
            "created_at": T0,
            "updated_at": T0
        })
    };
    let create = expect(&mut server, "POST", "/v1/sign_in_tokens")
        .json_body(json!({ "user_id": "user_2ada", "expires_in_seconds": 600, "org_id": null }))
        .respond(200, &token("pending"))
        .create_async()
        .await;
    let revoke = expect(&mut server, "POST", "/v1/sign_in_tokens/sit_2abc/revoke")
        .no_body()
        .respond(200, &token("revoked"))
        .create_async()
        .await;

    let t = clerk
        .sign_in_tokens()
        .create("user_2ada")
        .expires_in_seconds(600)
        .clear_org_id()
        .await
        .unwrap();
    assert_eq!(t.status, TokenStatus::Pending);
    assert!(t.url.unwrap().contains("__clerk_ticket"));
    let t = clerk.sign_in_tokens().revoke("sit_2abc").await.unwrap();
    assert_eq!(t.status, TokenStatus::Revoked);
    create.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn sign_ups_get_and_update() {
    let (mut server, clerk) = setup().await;
    let sign_up = json!({
        "object": "sign_up_attempt",
        "id": "sua_2abc",
        "status": "missing_requirements",
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name"],
        "missing_fields": ["password"],
        "unverified_fields": ["email_address"],
        "verifications": {
            "email_address": { "next_action": "needs_attempt", "supported_strategies": ["email_code"] },
            "phone_number": null,
            "web3_wallet": null,
            "external_account": null
        },
        "username": null,
        "email_address": "new@example.com",
        "phone_number": null,
        "web3_wallet": null,
        "password_enabled": false,
        "first_name": null,
        "last_name": null,
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": false,
        "external_id": null,
        "created_session_id": null,
        "created_user_id": null,
        "abandon_at": T1,
        "legal_accepted_at": null
    });
    let get = expect(&mut server, "GET", "/v1/sign_ups/sua_2abc")
        .no_body()
        .respond(200, &sign_up)
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/sign_ups/sua_2abc")
        .json_body(json!({ "external_id": "crm-7", "custom_action": null }))
        .respond(200, &sign_up)
        .create_async()
        .await;

    let s = clerk.sign_ups().get("sua_2abc").await.unwrap();
    assert_eq!(s.status, SignUpStatus::MissingRequirements);
    assert_eq!(s.missing_fields, ["password"]);
    assert_eq!(
        s.verifications.email_address.unwrap().next_action,
        Some(SignUpVerificationNextAction::NeedsAttempt)
    );
    clerk
        .sign_ups()
        .update("sua_2abc")
        .external_id("crm-7")
        .clear_custom_action()
        .await
        .unwrap();
    get.assert_async().await;
    update.assert_async().await;
}

/// The `actor` object allows additional properties: claims beyond `sub` travel flattened
/// beside it (and end up in the impersonation session's `act` claim).
#[tokio::test]
async fn actor_token_carries_extra_claims() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/actor_tokens")
        .json_body(json!({
            "user_id": "user_2ada",
            "actor": {
                "sub": "user_2support",
                "reason": "ticket 4242",
                "scopes": ["read"],
                "level": 2
            }
        }))
        .respond(
            200,
            &json!({
                "object": "actor_token",
                "id": "act_2abc",
                "status": "pending",
                "user_id": "user_2ada",
                "actor": { "sub": "user_2support", "reason": "ticket 4242", "scopes": ["read"], "level": 2 },
                "created_at": T0,
                "updated_at": T0
            }),
        )
        .create_async()
        .await;

    let actor = CreateActorTokenActor::new("user_2support")
        .with_extra("reason", "ticket 4242")
        .with_extra("scopes", json!(["read"]))
        .with_extra("level", 2)
        // A declared field cannot be shadowed by an extra member: `sub` goes out as set above,
        // once.
        .with_extra("sub", "user_2mallory");
    assert_eq!(actor.extra.len(), 4);
    let t = clerk
        .actor_tokens()
        .create("user_2ada", actor)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(t.actor["reason"], "ticket 4242");

    // Extra members also decode back into `extra`.
    let decoded: CreateActorTokenActor =
        serde_json::from_value(json!({ "sub": "user_2x", "iss": "https://dashboard.clerk.com" }))
            .unwrap();
    assert_eq!(decoded.sub, "user_2x");
    assert_eq!(decoded.extra["iss"], "https://dashboard.clerk.com");
}

#[tokio::test]
async fn actor_tokens_create_and_revoke() {
    let (mut server, clerk) = setup().await;
    let token = |status: &str| {
        json!({
            "object": "actor_token",
            "id": "act_2abc",
            "status": status,
            "user_id": "user_2ada",
            "actor": { "sub": "user_2support" },
            "token": "eyJhbGciOiJSUzI1NiJ9.actor",
            "url": "https://accounts.example.com/sign-in?__clerk_ticket=eyJhbGciOiJSUzI1NiJ9.actor",
            "created_at": T0,
            "updated_at": T0
        })
    };
    let create = expect(&mut server, "POST", "/v1/actor_tokens")
        .json_body(json!({
            "user_id": "user_2ada",
            "actor": { "sub": "user_2support" },
            "expires_in_seconds": 3600,
            "session_max_duration_in_seconds": 1800
        }))
        .respond(200, &token("pending"))
        .create_async()
        .await;
    let revoke = expect(&mut server, "POST", "/v1/actor_tokens/act_2abc/revoke")
        .no_body()
        .respond(200, &token("revoked"))
        .create_async()
        .await;

    let t = clerk
        .actor_tokens()
        .create("user_2ada", CreateActorTokenActor::new("user_2support"))
        .expires_in_seconds(3600)
        .session_max_duration_in_seconds(1800)
        .await
        .unwrap();
    assert_eq!(t.status, TokenStatus::Pending);
    assert_eq!(t.actor, json!({ "sub": "user_2support" }));
    let t = clerk.actor_tokens().revoke("act_2abc").await.unwrap();
    assert_eq!(t.status, TokenStatus::Revoked);
    create.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn testing_token_create() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/testing_tokens")
        .no_body()
        .respond(
            200,
            &json!({ "object": "testing_token", "token": "1713877200-c_2J2MvPu9PnXcuhbPZNao0LOXqK9A7YrnBn0HmIWxy", "expires_at": 1_713_880_800 }),
        )
        .create_async()
        .await;
    let t = clerk.testing_tokens().create().await.unwrap();
    mock.assert_async().await;
    assert_eq!(t.object, "testing_token");
    assert!(t.token.starts_with("1713877200-"));
    assert_eq!(t.expires_at, 1_713_880_800);
}

#[tokio::test]
async fn agent_tasks_create_and_revoke() {
    let (mut server, clerk) = setup().await;
    let task = json!({
        "object": "agent_task",
        "agent_id": "agent_2abc",
        "agent_task_id": "agt_2task",
        "task_id": "agt_2task",
        "url": "https://accounts.example.com/agent?token=abc"
    });
    let create = expect(&mut server, "POST", "/v1/agents/tasks")
        .json_body(json!({
            "on_behalf_of": { "user_id": "user_2ada" },
            "permissions": "*",
            "agent_name": "support-bot",
            "task_description": "Reset the password",
            "redirect_url": "https://app.example.com/done",
            "session_max_duration_in_seconds": 900
        }))
        .respond(200, &task)
        .create_async()
        .await;
    let revoke = expect(&mut server, "POST", "/v1/agents/tasks/agt_2task/revoke")
        .no_body()
        .respond(200, &task)
        .create_async()
        .await;

    let mut on_behalf_of = CreateAgentTaskOnBehalfOf::new();
    on_behalf_of.user_id = Some("user_2ada".into());
    let t = clerk
        .agent_tasks()
        .create(on_behalf_of, CreateAgentTaskPermissions::Wildcard)
        .agent_name("support-bot")
        .task_description("Reset the password")
        .redirect_url("https://app.example.com/done")
        .session_max_duration_in_seconds(900)
        .await
        .unwrap();
    assert_eq!(t.agent_task_id, "agt_2task");
    assert_eq!(t.agent_id, "agent_2abc");
    let t = clerk.agent_tasks().revoke("agt_2task").await.unwrap();
    assert_eq!(
        t.url.as_deref(),
        Some("https://accounts.example.com/agent?token=abc")
    );
    create.assert_async().await;
    revoke.assert_async().await;
}
