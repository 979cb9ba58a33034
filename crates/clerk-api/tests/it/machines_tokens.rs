//! Wire-level tests of `machines`, `m2m_tokens` and `api_keys` (both sent without `/v1`),
//! `oauth_applications`, `oauth_access_tokens`, `jwt_templates` and `jwks`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::m2m_tokens::CreateM2MTokenTokenFormat;
use clerk_api::models::{JwksKeysItem, JwksRsaPublicKeyKty};
use clerk_api::oauth_access_tokens::VerifyOAuthAccessTokenResponse;
use clerk_api::{Clerk, FilePart, RetryPolicy};
use common::*;
use futures_util::StreamExt;
use mockito::Matcher;
use serde_json::{Value, json};

fn oauth_app(id: &str) -> Value {
    json!({
        "object": "oauth_application",
        "id": id,
        "instance_id": "ins_2abc",
        "name": "Partner portal",
        "client_id": "Xr9yQ2pLk4mN7vB1",
        "client_uri": "https://partner.example.com",
        "client_image_url": null,
        "dynamically_registered": false,
        "consent_screen_enabled": true,
        "pkce_required": true,
        "public": false,
        "scopes": "profile email",
        "redirect_uris": ["https://partner.example.com/callback"],
        "callback_url": "https://partner.example.com/callback",
        "authorize_url": "https://clerk.example.com/oauth/authorize",
        "token_fetch_url": "https://clerk.example.com/oauth/token",
        "user_info_url": "https://clerk.example.com/oauth/userinfo",
        "discovery_url": "https://clerk.example.com/.well-known/openid-configuration",
        "token_introspection_url": "https://clerk.example.com/oauth/token_info",
        "created_at": T0,
        "updated_at": T1
    })
}

// ---------------------------------------------------------------------------------------------
// machines
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_machines_with_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/machines")
        .query(&[
            ("limit", "10"),
            ("offset", "10"),
            ("query", "worker"),
            ("order_by", "-created_at"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [machine("mch_2api", "api-server")], "total_count": 11 }),
        )
        .create_async()
        .await;

    let page = clerk
        .machines()
        .list()
        .limit(10)
        .offset(10)
        .query("worker")
        .order_by("-created_at")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(11));
    let m = &page.data[0];
    assert_eq!(m.name, "api-server");
    assert_eq!(m.default_token_ttl, Some(3600));
    assert_eq!(m.scoped_machines[0].id, "mch_2other");
}

#[tokio::test]
async fn create_machine_sends_body_and_returns_secret() {
    let (mut server, clerk) = setup().await;
    let mut created = machine("mch_2api", "api-server");
    created["secret_key"] = json!("ak_2abcdefghijklmnopqrstuvwxyz");
    let mock = expect(&mut server, "POST", "/v1/machines")
        .json_body(json!({
            "name": "api-server",
            "scoped_machines": ["mch_2other"],
            "default_token_ttl": 3600
        }))
        .respond(200, &created)
        .create_async()
        .await;

    let m = clerk
        .machines()
        .create("api-server")
        .scoped_machines(["mch_2other"])
        .default_token_ttl(3600)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(m.secret_key, "ak_2abcdefghijklmnopqrstuvwxyz");
}

/// `POST /machines` answers the whole machine plus its secret (`Machine.Created` is
/// `allOf: [Machine, {secret_key}]`), but the generated `MachineCreated` keeps only
/// `secret_key`: the new machine's id cannot be read.
#[tokio::test]
async fn created_machine_exposes_its_id_and_name() {
    let (mut server, clerk) = setup().await;
    let mut created = machine("mch_2api", "api-server");
    created["secret_key"] = json!("ak_2abcdefghijklmnopqrstuvwxyz");
    let mock = expect(&mut server, "POST", "/v1/machines")
        .json_body(json!({ "name": "api-server" }))
        .respond(200, &created)
        .create_async()
        .await;

    let m = clerk.machines().create("api-server").await.unwrap();
    mock.assert_async().await;
    let back = serde_json::to_value(&m).unwrap();
    assert_eq!(back["id"], "mch_2api", "decoded: {back}");
    assert_eq!(back["name"], "api-server", "decoded: {back}");
    assert_eq!(
        back["scoped_machines"][0]["id"], "mch_2other",
        "decoded: {back}"
    );
}

#[tokio::test]
async fn get_update_and_delete_machine() {
    let (mut server, clerk) = setup().await;
    let get = expect(&mut server, "GET", "/v1/machines/mch_2api")
        .no_body()
        .respond(200, &machine("mch_2api", "api-server"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/machines/mch_2api")
        .json_body(json!({ "name": "api", "default_token_ttl": 60 }))
        .respond(200, &machine("mch_2api", "api"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/machines/mch_2api")
        .no_body()
        .respond(200, &deleted("machine", "mch_2api"))
        .create_async()
        .await;

    let m = clerk.machines().get("mch_2api").await.unwrap();
    assert_eq!(m.instance_id, "ins_2abc");
    let m = clerk
        .machines()
        .update("mch_2api")
        .name("api")
        .default_token_ttl(60)
        .await
        .unwrap();
    assert_eq!(m.name, "api");
    let gone = clerk.machines().delete("mch_2api").await.unwrap();
    assert_eq!(
        (gone.object.as_str(), gone.id.as_str(), gone.deleted),
        ("machine", "mch_2api", true)
    );
    get.assert_async().await;
    update.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn machine_secret_keys_and_scopes() {
    let (mut server, clerk) = setup().await;
    let secret = expect(&mut server, "GET", "/v1/machines/mch_2api/secret_key")
        .no_body()
        .respond(
            200,
            &json!({ "object": "machine_secret_key", "secret": "ak_old" }),
        )
        .create_async()
        .await;
    let rotate = expect(
        &mut server,
        "POST",
        "/v1/machines/mch_2api/secret_key/rotate",
    )
    .json_body(json!({ "previous_token_ttl": 300 }))
    .respond(
        200,
        &json!({ "object": "machine_secret_key", "secret": "ak_new" }),
    )
    .create_async()
    .await;
    let scope = expect(&mut server, "POST", "/v1/machines/mch_2api/scopes")
        .json_body(json!({ "to_machine_id": "mch_2other" }))
        .respond(
            200,
            &json!({ "object": "machine_scope", "from_machine_id": "mch_2api", "to_machine_id": "mch_2other", "created_at": T0 }),
        )
        .create_async()
        .await;
    let unscope = expect(&mut server, "DELETE", "/v1/machines/mch_2api/scopes/mch_2other")
        .no_body()
        .respond(
            200,
            &json!({ "object": "machine_scope", "from_machine_id": "mch_2api", "to_machine_id": "mch_2other", "deleted": true }),
        )
        .create_async()
        .await;

    assert_eq!(
        clerk
            .machines()
            .secret_key("mch_2api")
            .await
            .unwrap()
            .secret,
        "ak_old"
    );
    assert_eq!(
        clerk
            .machines()
            .rotate_secret_key("mch_2api", 300)
            .await
            .unwrap()
            .secret,
        "ak_new"
    );
    let s = clerk
        .machines()
        .create_scope("mch_2api")
        .to_machine_id("mch_2other")
        .await
        .unwrap();
    assert_eq!(s.to_machine_id, "mch_2other");
    assert_eq!(s.created_at, T0);
    let s = clerk
        .machines()
        .delete_scope("mch_2api")
        .other_machine_id("mch_2other")
        .await
        .unwrap();
    assert!(s.deleted);
    for m in [secret, rotate, scope, unscope] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// m2m tokens (no /v1)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_m2m_token_without_v1() {
    let (mut server, clerk) = setup().await;
    let mut created = m2m_token("mt_2abc", false);
    created["token"] = json!("mt_secret_0123456789abcdef");
    let mock = expect(&mut server, "POST", "/m2m_tokens")
        .json_body(json!({
            "token_format": "jwt",
            "seconds_until_expiration": 3600,
            "claims": { "tenant": "acme" }
        }))
        .respond(200, &created)
        .create_async()
        .await;
    let versioned = server
        .mock("POST", "/v1/m2m_tokens")
        .expect(0)
        .create_async()
        .await;

    let t = clerk
        .m2m_tokens()
        .create()
        .token_format(CreateM2MTokenTokenFormat::Jwt)
        .seconds_until_expiration(3600)
        .claims(json!({ "tenant": "acme" }))
        .await
        .unwrap();
    mock.assert_async().await;
    versioned.assert_async().await;
    assert_eq!(t.id, "mt_2abc");
    assert_eq!(t.token, "mt_secret_0123456789abcdef");
    assert_eq!(t.subject, "mch_2abc");
    assert_eq!(t.expiration, Some(T1));
    assert_eq!(t.claims, Some(json!({ "tenant": "acme" })));
}

#[tokio::test]
async fn m2m_calls_can_use_a_machine_secret_key_client() {
    let mut server = mockito::Server::new_async().await;
    let machine_clerk = Clerk::from_builder(
        Clerk::builder()
            .secret_key("ak_2machineSecret")
            .api_url(server.url())
            .retry_policy(RetryPolicy::disabled()),
    )
    .unwrap();
    let mock = server
        .mock("POST", "/m2m_tokens")
        .match_header("authorization", "Bearer ak_2machineSecret")
        .match_header("clerk-api-version", API_VERSION)
        .match_header("user-agent", clerk_core::DEFAULT_USER_AGENT)
        .json_body(json!({ "seconds_until_expiration": null, "claims": null }))
        .respond(200, &{
            let mut t = m2m_token("mt_2abc", false);
            t["token"] = json!("mt_secret");
            t
        })
        .expect(1)
        .create_async()
        .await;

    let t = machine_clerk
        .m2m_tokens()
        .create()
        .clear_seconds_until_expiration()
        .clear_claims()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(t.token, "mt_secret");
}

#[tokio::test]
async fn list_m2m_tokens_decodes_the_m2m_tokens_envelope() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/m2m_tokens")
        .query(&[
            ("subject", "mch_2abc"),
            ("revoked", "false"),
            ("expired", "true"),
            ("limit", "10"),
            ("offset", "0"),
        ])
        .no_body()
        .respond(
            200,
            &json!({
                "m2m_tokens": [m2m_token("mt_2a", false), m2m_token("mt_2b", true)],
                "total_count": 2
            }),
        )
        .create_async()
        .await;

    let page = clerk
        .m2m_tokens()
        .list("mch_2abc")
        .revoked(false)
        .expired(true)
        .limit(10)
        .offset(0)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data[1].id, "mt_2b");
    assert!(page.data[1].revoked);
    assert_eq!(
        page.data[1].revocation_reason.as_deref(),
        Some("compromised")
    );
    assert_eq!(
        page.data[0].scopes.as_deref(),
        Some(&["mch_2other".to_owned()][..])
    );
}

/// `total_count` is typed `number` (not `integer`) on the m2m-token and API-key lists, so a
/// server may send `12.0` or even `12.5`: the page must decode either way. A whole float is the
/// count; a fractional one is no count at all (`None`), never a decode error.
#[tokio::test]
async fn number_typed_total_count_decodes_whole_and_fractional_values() {
    let (mut server, clerk) = setup().await;
    let whole = expect(&mut server, "GET", "/m2m_tokens")
        .query(&[("subject", "mch_2abc")])
        .no_body()
        .respond(
            200,
            &json!({ "m2m_tokens": [m2m_token("mt_2a", false)], "total_count": 12.0 }),
        )
        .create_async()
        .await;
    let fractional = expect(&mut server, "GET", "/api_keys")
        .query(&[("subject", "org_2acme")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [api_key("ak_2a")], "total_count": 12.5 }),
        )
        .create_async()
        .await;

    let page = clerk.m2m_tokens().list("mch_2abc").await.unwrap();
    whole.assert_async().await;
    assert_eq!(page.total_count, Some(12));
    assert_eq!(page.data[0].id, "mt_2a");
    let page = clerk.api_keys().list("org_2acme").await.unwrap();
    fractional.assert_async().await;
    assert_eq!(page.total_count, None);
    assert_eq!(page.data[0].id, "ak_2a");
}

#[tokio::test]
async fn m2m_token_stream_walks_pages_without_v1() {
    let (mut server, clerk) = setup().await;
    let first = expect(&mut server, "GET", "/m2m_tokens")
        .query(&[("subject", "mch_2abc"), ("limit", "2"), ("offset", "0")])
        .no_body()
        .respond(
            200,
            &json!({ "m2m_tokens": [m2m_token("mt_2a", false), m2m_token("mt_2b", false)], "total_count": 3 }),
        )
        .create_async()
        .await;
    let second = expect(&mut server, "GET", "/m2m_tokens")
        .query(&[("subject", "mch_2abc"), ("limit", "2"), ("offset", "2")])
        .no_body()
        .respond(
            200,
            &json!({ "m2m_tokens": [m2m_token("mt_2c", false)], "total_count": 3 }),
        )
        .create_async()
        .await;

    let ids: Vec<String> = clerk
        .m2m_tokens()
        .list("mch_2abc")
        .limit(2)
        .into_stream()
        .map(|t| t.unwrap().id)
        .collect()
        .await;
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(ids, ["mt_2a", "mt_2b", "mt_2c"]);
}

#[tokio::test]
async fn revoke_and_verify_m2m_tokens() {
    let (mut server, clerk) = setup().await;
    let revoke = expect(&mut server, "POST", "/m2m_tokens/mt_2abc/revoke")
        .json_body(json!({ "revocation_reason": "compromised" }))
        .respond(200, &m2m_token("mt_2abc", true))
        .create_async()
        .await;
    let verify = expect(&mut server, "POST", "/m2m_tokens/verify")
        .json_body(json!({ "token": "mt_secret_0123456789abcdef" }))
        .respond(200, &m2m_token("mt_2abc", false))
        .create_async()
        .await;

    let t = clerk
        .m2m_tokens()
        .revoke("mt_2abc")
        .revocation_reason("compromised")
        .await
        .unwrap();
    assert!(t.revoked);
    let t = clerk
        .m2m_tokens()
        .verify("mt_secret_0123456789abcdef")
        .await
        .unwrap();
    assert_eq!(t.subject, "mch_2abc");
    assert!(!t.expired);
    revoke.assert_async().await;
    verify.assert_async().await;
}

#[tokio::test]
async fn m2m_revoke_error_is_decoded() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/m2m_tokens/mt_2gone/revoke")
        .json_body(json!({}))
        .respond_error(404, "resource_not_found", "trace_m2m")
        .create_async()
        .await;
    let err = clerk.m2m_tokens().revoke("mt_2gone").await.unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "trace_m2m");
}

// ---------------------------------------------------------------------------------------------
// API keys (no /v1)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_api_key_without_v1() {
    let (mut server, clerk) = setup().await;
    let mut created = api_key("ak_2ci");
    created["secret"] = json!("ak_live_0123456789");
    let mock = expect(&mut server, "POST", "/api_keys")
        .json_body(json!({
            "name": "CI key",
            "subject": "user_2ada",
            "description": "used by CI",
            "claims": { "role": "ci" },
            "scopes": ["read:users"],
            "created_by": null,
            "seconds_until_expiration": 86400
        }))
        .respond(200, &created)
        .create_async()
        .await;

    let k = clerk
        .api_keys()
        .create("CI key")
        .subject("user_2ada")
        .description("used by CI")
        .claims(json!({ "role": "ci" }))
        .scopes(["read:users"])
        .clear_created_by()
        .seconds_until_expiration(86400)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(k.id, "ak_2ci");
    assert_eq!(k.type_, "api_key");
    assert_eq!(k.secret, "ak_live_0123456789");
    assert_eq!(k.last_used_at, Some(T1.into()));
    assert_eq!(k.expiration, None);
}

#[tokio::test]
async fn list_api_keys_with_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/api_keys")
        .query(&[
            ("type", "api_key"),
            ("subject", "org_2acme"),
            ("include_invalid", "true"),
            ("limit", "25"),
            ("offset", "50"),
            ("query", "CI"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [api_key("ak_2a"), api_key("ak_2b")], "total_count": 52 }),
        )
        .create_async()
        .await;

    let page = clerk
        .api_keys()
        .list("org_2acme")
        .type_("api_key")
        .include_invalid(true)
        .limit(25)
        .offset(50)
        .query("CI")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(52));
    assert_eq!(page.data[1].id, "ak_2b");
    assert_eq!(page.data[0].scopes, ["read:users"]);
}

#[tokio::test]
async fn get_update_secret_revoke_verify_delete_api_key() {
    let (mut server, clerk) = setup().await;
    let get = expect(&mut server, "GET", "/api_keys/ak_2ci")
        .no_body()
        .respond(200, &api_key("ak_2ci"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/api_keys/ak_2ci")
        .json_body(json!({ "description": null, "scopes": [], "seconds_until_expiration": null }))
        .respond(200, &api_key("ak_2ci"))
        .create_async()
        .await;
    let secret = expect(&mut server, "GET", "/api_keys/ak_2ci/secret")
        .no_body()
        .respond(200, &json!({ "secret": "ak_live_0123456789" }))
        .create_async()
        .await;
    let mut revoked = api_key("ak_2ci");
    revoked["revoked"] = json!(true);
    revoked["revocation_reason"] = json!("rotated");
    let revoke = expect(&mut server, "POST", "/api_keys/ak_2ci/revoke")
        .json_body(json!({ "revocation_reason": "rotated" }))
        .respond(200, &revoked)
        .create_async()
        .await;
    let verify = expect(&mut server, "POST", "/api_keys/verify")
        .json_body(json!({ "secret": "ak_live_0123456789" }))
        .respond(200, &api_key("ak_2ci"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/api_keys/ak_2ci")
        .no_body()
        .respond(
            200,
            &json!({ "object": "api_key", "id": "ak_2ci", "deleted": true }),
        )
        .create_async()
        .await;

    let keys = clerk.api_keys();
    assert_eq!(keys.get("ak_2ci").await.unwrap().name, "CI key");
    keys.update("ak_2ci")
        .clear_description()
        .scopes(Vec::<String>::new())
        .clear_seconds_until_expiration()
        .await
        .unwrap();
    assert_eq!(
        keys.secret("ak_2ci").await.unwrap().secret,
        "ak_live_0123456789"
    );
    let k = keys
        .revoke("ak_2ci")
        .revocation_reason("rotated")
        .await
        .unwrap();
    assert!(k.revoked);
    assert_eq!(k.revocation_reason.as_deref(), Some("rotated"));
    let k = keys.verify("ak_live_0123456789").await.unwrap();
    assert_eq!(k.subject, "user_2ada");
    let gone = keys.delete("ak_2ci").await.unwrap();
    assert!(gone.deleted);
    for m in [get, update, secret, revoke, verify, delete] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// OAuth applications and access tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn oauth_applications_crud() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/oauth_applications")
        .query(&[
            ("order_by", "-created_at"),
            ("name_query", "partner"),
            ("limit", "5"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [oauth_app("oa_2abc")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let mut with_secret = oauth_app("oa_2abc");
    with_secret["client_secret"] = json!("oas_0123456789");
    let create = expect(&mut server, "POST", "/v1/oauth_applications")
        .json_body(json!({
            "name": "Partner portal",
            "redirect_uris": ["https://partner.example.com/callback"],
            "scopes": "profile email",
            "public": false,
            "callback_url": null
        }))
        .respond(200, &with_secret)
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/oauth_applications/oa_2abc")
        .no_body()
        .respond(200, &oauth_app("oa_2abc"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/oauth_applications/oa_2abc")
        .json_body(json!({ "redirect_uris": null, "consent_screen_enabled": false }))
        .respond(200, &oauth_app("oa_2abc"))
        .create_async()
        .await;
    let rotate = expect(
        &mut server,
        "POST",
        "/v1/oauth_applications/oa_2abc/rotate_secret",
    )
    .no_body()
    .respond(200, &with_secret)
    .create_async()
    .await;
    let revoke = expect(
        &mut server,
        "POST",
        "/v1/oauth_applications/oa_2abc/revoke_token",
    )
    .json_body(json!({ "token": "oat_0ef5a7a33d87ed87ee7954c845d80450" }))
    .with_status(204)
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/oauth_applications/oa_2abc")
        .no_body()
        .respond(200, &deleted("oauth_application", "oa_2abc"))
        .create_async()
        .await;

    let apps = clerk.oauth_applications();
    let page = apps
        .list()
        .order_by("-created_at")
        .name_query("partner")
        .limit(5)
        .await
        .unwrap();
    assert_eq!(page.data[0].client_id, "Xr9yQ2pLk4mN7vB1");
    let app = apps
        .create("Partner portal")
        .redirect_uris(["https://partner.example.com/callback"])
        .scopes("profile email")
        .public(false)
        .clear_callback_url()
        .await
        .unwrap();
    assert_eq!(app.client_secret.as_deref(), Some("oas_0123456789"));
    assert!(app.pkce_required);
    let app = apps.get("oa_2abc").await.unwrap();
    assert_eq!(app.redirect_uris, ["https://partner.example.com/callback"]);
    apps.update("oa_2abc")
        .clear_redirect_uris()
        .consent_screen_enabled(false)
        .await
        .unwrap();
    assert!(
        apps.rotate_secret("oa_2abc")
            .await
            .unwrap()
            .client_secret
            .is_some()
    );
    apps.revoke_token("oa_2abc")
        .token("oat_0ef5a7a33d87ed87ee7954c845d80450")
        .await
        .unwrap();
    assert!(apps.delete("oa_2abc").await.unwrap().deleted);
    for m in [list, create, get, update, rotate, revoke, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn oauth_application_logo_upload_is_multipart() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PUT", "/v1/oauth_applications/oa_2abc/logo")
        .match_header(
            "content-type",
            Matcher::Regex("^multipart/form-data; boundary=".into()),
        )
        .match_request(|req| {
            let body = req.body().unwrap();
            let contains = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
            contains(
                b"name=\"file\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA",
            ) && contains(b"name=\"uploader_user_id\"\r\n\r\nuser_2ada")
        })
        .respond(200, &oauth_app("oa_2abc"))
        .create_async()
        .await;

    let app = clerk
        .oauth_applications()
        .upload_logo(
            "oa_2abc",
            FilePart::new(&b"PNGDATA"[..])
                .file_name("logo.png")
                .content_type("image/png"),
        )
        .uploader_user_id("user_2ada")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(app.id, "oa_2abc");
}

#[tokio::test]
async fn verify_oauth_access_token_without_v1() {
    let (mut server, clerk) = setup().await;
    let active = expect(
        &mut server,
        "POST",
        "/oauth_applications/access_tokens/verify",
    )
    .json_body(json!({ "access_token": "oat_live_token" }))
    .respond(
        200,
        &json!({
            "object": "clerk_idp_oauth_access_token",
            "id": "oat_0ef5a7a33d87ed87ee7954c845d80450",
            "client_id": "client_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "subject": "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk",
            "scopes": ["read", "write"],
            "revoked": false,
            "revocation_reason": null,
            "expired": false,
            "expiration": T1,
            "created_at": T0,
            "updated_at": T0
        }),
    )
    .create_async()
    .await;
    let inactive = expect(
        &mut server,
        "POST",
        "/oauth_applications/access_tokens/verify",
    )
    .json_body(json!({ "access_token": "oat_dead_token" }))
    .respond(200, &json!({ "active": false }))
    .create_async()
    .await;

    match clerk
        .oauth_access_tokens()
        .verify()
        .access_token("oat_live_token")
        .await
        .unwrap()
    {
        VerifyOAuthAccessTokenResponse::Variant1(t) => {
            assert_eq!(t.subject, "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk");
            assert_eq!(t.scopes, ["read", "write"]);
        }
        other => panic!("expected a token, got {other:?}"),
    }
    match clerk
        .oauth_access_tokens()
        .verify()
        .access_token("oat_dead_token")
        .await
        .unwrap()
    {
        VerifyOAuthAccessTokenResponse::Variant2(v) => assert!(!v.active),
        other => panic!("expected an inactive answer, got {other:?}"),
    }
    active.assert_async().await;
    inactive.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// JWT templates and JWKS
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_jwt_templates_is_paginated() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/jwt_templates")
        .query(&[("limit", "20"), ("offset", "0"), ("paginated", "true")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [jwt_template("jtmp_2a", "convex"), jwt_template("jtmp_2b", "supabase")], "total_count": 2 }),
        )
        .create_async()
        .await;
    let page = clerk
        .jwt_templates()
        .list()
        .limit(20)
        .offset(0)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data[1].name, "supabase");
    assert_eq!(page.data[0].claims["aud"], "convex");
}

#[tokio::test]
async fn create_jwt_template() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/jwt_templates")
        .json_body(json!({
            "name": "convex",
            "claims": { "aud": "convex", "email": "{{user.primary_email_address}}" },
            "lifetime": 60,
            "allowed_clock_skew": 5,
            "custom_signing_key": false,
            "signing_key": null
        }))
        .respond(200, &jwt_template("jtmp_2a", "convex"))
        .create_async()
        .await;
    let t = clerk
        .jwt_templates()
        .create(
            "convex",
            json!({ "aud": "convex", "email": "{{user.primary_email_address}}" }),
        )
        .lifetime(60)
        .allowed_clock_skew(5)
        .custom_signing_key(false)
        .clear_signing_key()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(t.id, "jtmp_2a");
    assert_eq!(t.lifetime, 60);
    assert_eq!(t.signing_algorithm, "RS256");
}

#[tokio::test]
async fn get_update_delete_jwt_template() {
    let (mut server, clerk) = setup().await;
    let get = expect(&mut server, "GET", "/v1/jwt_templates/jtmp_2a")
        .no_body()
        .respond(200, &jwt_template("jtmp_2a", "convex"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/jwt_templates/jtmp_2a")
        .json_body(json!({
            "name": "convex-v2",
            "claims": { "aud": "convex" },
            "lifetime": null,
            "signing_algorithm": "RS512"
        }))
        .respond(200, &jwt_template("jtmp_2a", "convex-v2"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/jwt_templates/jtmp_2a")
        .no_body()
        .respond(200, &deleted("jwt_template", "jtmp_2a"))
        .create_async()
        .await;
    let missing = expect(&mut server, "GET", "/v1/jwt_templates/jtmp_2gone")
        .no_body()
        .respond_error(404, "resource_not_found", "trace_jwt")
        .create_async()
        .await;

    let templates = clerk.jwt_templates();
    assert_eq!(
        templates.get("jtmp_2a").await.unwrap().allowed_clock_skew,
        5
    );
    let t = templates
        .update("jtmp_2a", json!({ "aud": "convex" }))
        .name("convex-v2")
        .clear_lifetime()
        .signing_algorithm("RS512")
        .await
        .unwrap();
    assert_eq!(t.name, "convex-v2");
    let gone = templates.delete("jtmp_2a").await.unwrap();
    assert_eq!(gone.object, "jwt_template");
    let err = templates.get("jtmp_2gone").await.unwrap_err();
    assert_not_found(&err, "trace_jwt");
    for m in [get, update, delete, missing] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn jwks_decodes_rsa_public_keys() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/jwks")
        .no_body()
        .respond(
            200,
            &json!({
                "keys": [{
                    "use": "sig",
                    "kty": "RSA",
                    "kid": "ins_2abc",
                    "alg": "RS256",
                    "n": "wW2s2Ou5Dxz9oDZAZ0y4lCGRG3BHXPNsM8SSbD9TYHz",
                    "e": "AQAB"
                }, {
                    "use": "sig",
                    "kty": "OKP",
                    "kid": "ins_2ed",
                    "alg": "EdDSA",
                    "crv": "Ed25519",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
                }]
            }),
        )
        .create_async()
        .await;
    let jwks = clerk.jwks().get().await.unwrap();
    mock.assert_async().await;
    let keys = jwks.keys.unwrap();
    match &keys[0] {
        JwksKeysItem::JwksRsaPublicKey(k) => {
            assert_eq!(k.kid, "ins_2abc");
            assert_eq!(k.kty, JwksRsaPublicKeyKty::Rsa);
            assert_eq!(k.e, "AQAB");
            assert_eq!(k.use_, "sig");
        }
        other => panic!("expected an RSA public key, got {other:?}"),
    }
    assert!(matches!(keys[1], JwksKeysItem::JwksEd25519PublicKey(_)));
}
