//! Wire-level tests of `instance`, `beta_features`, `domains`, `webhooks`, `proxy_checks`,
//! `redirect_urls`, `templates`, `misc`, `allowlist`, `blocklist` and
//! `admin_portal_link_tokens`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::instance::PasswordRequiredSignInStrategy;
use clerk_api::models::{DomainEnrollmentMode, IdentifierType};
use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};

fn domain_json(id: &str, name: &str, satellite: bool) -> Value {
    json!({
        "object": "domain",
        "id": id,
        "name": name,
        "is_satellite": satellite,
        "frontend_api_url": format!("https://clerk.{name}"),
        "accounts_portal_url": format!("https://accounts.{name}"),
        "proxy_url": null,
        "development_origin": "",
        "cname_targets": [
            { "host": format!("clerk.{name}"), "value": "frontend-api.clerk.services", "required": true }
        ]
    })
}

fn template_json(slug: &str) -> Value {
    json!({
        "object": "template",
        "id": "tmpl_2abc",
        "instance_id": "ins_2abc",
        "resource_type": "user",
        "template_type": "email",
        "name": "Verification code",
        "slug": slug,
        "position": 0,
        "can_revert": true,
        "can_delete": false,
        "can_edit_body": true,
        "can_toggle": true,
        "subject": "{{otp_code}} is your verification code",
        "markup": "",
        "body": "<p>Your code is {{otp_code}}</p>",
        "available_variables": ["otp_code", "app.name"],
        "required_variables": ["otp_code"],
        "from_email_name": "notifications",
        "reply_to_email_name": "support",
        "delivered_by_clerk": true,
        "enabled": true,
        "flagged_as_suspicious": false,
        "updated_at": T1,
        "created_at": T0
    })
}

// ---------------------------------------------------------------------------------------------
// instance
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_instance() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/instance")
        .no_body()
        .respond(
            200,
            &json!({
                "object": "instance",
                "id": "ins_2abc",
                "environment_type": "production",
                "allowed_origins": ["https://app.example.com"]
            }),
        )
        .create_async()
        .await;
    let i = clerk.instance().get().await.unwrap();
    mock.assert_async().await;
    assert_eq!(i.id, "ins_2abc");
    assert_eq!(i.environment_type, "production");
    assert_eq!(
        i.allowed_origins,
        Some(vec!["https://app.example.com".to_owned()])
    );
}

#[tokio::test]
async fn update_instance_answers_204() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PATCH", "/v1/instance")
        .json_body(json!({
            "hibp": true,
            "support_email": null,
            "allowed_origins": ["https://app.example.com", "https://admin.example.com"],
            "preferred_sign_in_strategy_when_password_required": "otp"
        }))
        .with_status(204)
        .create_async()
        .await;
    clerk
        .instance()
        .update()
        .hibp(true)
        .clear_support_email()
        .allowed_origins(["https://app.example.com", "https://admin.example.com"])
        .preferred_sign_in_strategy_when_password_required(PasswordRequiredSignInStrategy::Otp)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn instance_restrictions_and_protect() {
    let (mut server, clerk) = setup().await;
    let restrictions = expect(&mut server, "PATCH", "/v1/instance/restrictions")
        .json_body(json!({ "allowlist": true, "block_disposable_email_domains": null }))
        .respond(
            200,
            &json!({
                "object": "instance_restrictions",
                "allowlist": true,
                "blocklist": false,
                "allowlist_blocklist_disabled_on_sign_in": false,
                "block_email_subaddresses": true,
                "block_disposable_email_domains": false
            }),
        )
        .create_async()
        .await;
    let protect = json!({
        "object": "instance_protect",
        "rules_enabled": true,
        "specter_enabled": false,
        "checks_bypassed": false
    });
    let get_protect = expect(&mut server, "GET", "/v1/instance/protect")
        .no_body()
        .respond(200, &protect)
        .create_async()
        .await;
    let update_protect = expect(&mut server, "PATCH", "/v1/instance/protect")
        .json_body(json!({ "rules_enabled": true, "specter_enabled": false }))
        .respond(200, &protect)
        .create_async()
        .await;

    let r = clerk
        .instance()
        .update_restrictions()
        .allowlist(true)
        .clear_block_disposable_email_domains()
        .await
        .unwrap();
    assert!(r.allowlist && r.block_email_subaddresses && !r.blocklist);
    let p = clerk.instance().protect().await.unwrap();
    assert!(p.rules_enabled);
    clerk
        .instance()
        .update_protect()
        .rules_enabled(true)
        .specter_enabled(false)
        .await
        .unwrap();
    restrictions.assert_async().await;
    get_protect.assert_async().await;
    update_protect.assert_async().await;
}

#[tokio::test]
async fn instance_communication_and_oauth_settings() {
    let (mut server, clerk) = setup().await;
    let comm = json!({ "object": "instance_communication", "blocked_country_codes": ["RU", "KP"] });
    let get_comm = expect(&mut server, "GET", "/v1/instance/communication")
        .no_body()
        .respond(200, &comm)
        .create_async()
        .await;
    let update_comm = expect(&mut server, "PATCH", "/v1/instance/communication")
        .json_body(json!({ "blocked_country_codes": null }))
        .respond(
            200,
            &json!({ "object": "instance_communication", "blocked_country_codes": [] }),
        )
        .create_async()
        .await;
    let settings = json!({
        "object": "oauth_application_settings",
        "dynamic_oauth_client_registration": false,
        "default_scopes": ["profile", "email"],
        "oauth_jwt_access_tokens": true,
        "client_id_metadata_documents_advertised": false,
        "client_id_metadata_documents_only_allow_pre_registered_clients": false,
        "client_id_metadata_documents_block_implicitly_allowed_clients": true
    });
    let get_oauth = expect(
        &mut server,
        "GET",
        "/v1/instance/oauth_application_settings",
    )
    .no_body()
    .respond(200, &settings)
    .create_async()
    .await;
    let update_oauth = expect(
        &mut server,
        "PATCH",
        "/v1/instance/oauth_application_settings",
    )
    .json_body(json!({ "default_scopes": ["profile", "email"], "oauth_jwt_access_tokens": true }))
    .respond(200, &settings)
    .create_async()
    .await;

    let c = clerk.instance().communication().await.unwrap();
    assert_eq!(c.blocked_country_codes, ["RU", "KP"]);
    let c = clerk
        .instance()
        .update_communication()
        .clear_blocked_country_codes()
        .await
        .unwrap();
    assert!(c.blocked_country_codes.is_empty());
    let s = clerk.instance().oauth_application_settings().await.unwrap();
    assert!(s.oauth_jwt_access_tokens);
    assert_eq!(s.default_scopes.as_deref().map(<[String]>::len), Some(2));
    clerk
        .instance()
        .update_oauth_application_settings()
        .default_scopes(["profile", "email"])
        .oauth_jwt_access_tokens(true)
        .await
        .unwrap();
    for m in [get_comm, update_comm, get_oauth, update_oauth] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn instance_organization_settings() {
    let (mut server, clerk) = setup().await;
    let settings = json!({
        "object": "organization_settings",
        "enabled": true,
        "max_allowed_memberships": 5,
        "max_allowed_roles": 10,
        "max_allowed_domains": 10,
        "max_allowed_permissions": 50,
        "creator_role": "org:admin",
        "admin_delete_enabled": true,
        "domains_enabled": true,
        "slug_disabled": false,
        "domains_enrollment_modes": ["manual_invitation", "automatic_suggestion"],
        "domains_default_role": "org:member",
        "initial_role_set_key": "role_set:default"
    });
    let get = expect(&mut server, "GET", "/v1/instance/organization_settings")
        .no_body()
        .respond(200, &settings)
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/instance/organization_settings")
        .json_body(json!({
            "enabled": true,
            "max_allowed_memberships": null,
            "domains_enrollment_modes": ["manual_invitation"],
            "creator_role_id": "role_2admin"
        }))
        .respond(200, &settings)
        .create_async()
        .await;

    let s = clerk.instance().organization_settings().await.unwrap();
    assert_eq!(s.creator_role, "org:admin");
    assert_eq!(
        s.domains_enrollment_modes,
        [
            DomainEnrollmentMode::ManualInvitation,
            DomainEnrollmentMode::AutomaticSuggestion
        ]
    );
    clerk
        .instance()
        .update_organization_settings()
        .enabled(true)
        .clear_max_allowed_memberships()
        .domains_enrollment_modes(["manual_invitation"])
        .creator_role_id("role_2admin")
        .await
        .unwrap();
    get.assert_async().await;
    update.assert_async().await;
}

#[tokio::test]
async fn instance_change_domain_answers_202() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/instance/change_domain")
        .json_body(json!({ "home_url": "https://example.org", "is_secondary": false }))
        .with_status(202)
        .create_async()
        .await;
    clerk
        .instance()
        .change_domain()
        .home_url("https://example.org")
        .is_secondary(false)
        .await
        .unwrap();
    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// beta features
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn beta_instance_settings_and_production_domain() {
    let (mut server, clerk) = setup().await;
    let settings = expect(&mut server, "PATCH", "/v1/beta_features/instance_settings")
        .json_body(json!({
            "restricted_to_allowlist": true,
            "from_email_address": null,
            "progressive_sign_up": true
        }))
        .respond(
            200,
            &json!({
                "object": "instance_settings",
                "id": "ins_2abc",
                "restricted_to_allowlist": true,
                "from_email_address": "noreply",
                "progressive_sign_up": true,
                "enhanced_email_deliverability": false
            }),
        )
        .create_async()
        .await;
    let domain = expect(&mut server, "PUT", "/v1/beta_features/domain")
        .json_body(json!({ "home_url": "https://example.net" }))
        .with_status(202)
        .create_async()
        .await;

    let s = clerk
        .beta_features()
        .update_instance_settings()
        .restricted_to_allowlist(true)
        .clear_from_email_address()
        .progressive_sign_up(true)
        .await
        .unwrap();
    assert_eq!(s.restricted_to_allowlist, Some(true));
    assert_eq!(s.from_email_address.as_deref(), Some("noreply"));
    clerk
        .beta_features()
        .update_production_domain()
        .home_url("https://example.net")
        .await
        .unwrap();
    settings.assert_async().await;
    domain.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// domains, proxy checks, redirect URLs, webhooks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn domains_list_add_update_delete() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/domains")
        .no_body()
        .respond(
            200,
            &json!({
                "data": [domain_json("dmn_2main", "example.com", false), domain_json("dmn_2sat", "example.net", true)],
                "total_count": 2
            }),
        )
        .create_async()
        .await;
    let add = expect(&mut server, "POST", "/v1/domains")
        .json_body(json!({ "name": "example.net", "is_satellite": true, "proxy_url": null }))
        .respond(200, &domain_json("dmn_2sat", "example.net", true))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/domains/dmn_2sat")
        .json_body(json!({ "proxy_url": "https://example.net/__clerk", "is_secondary": null }))
        .respond(200, &domain_json("dmn_2sat", "example.net", true))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/domains/dmn_2sat")
        .no_body()
        .respond(200, &deleted("domain", "dmn_2sat"))
        .create_async()
        .await;

    let page = clerk.domains().list().await.unwrap();
    assert_eq!(page.total_count, Some(2));
    assert!(page.data[1].is_satellite);
    let d = clerk
        .domains()
        .add("example.net", true)
        .clear_proxy_url()
        .await
        .unwrap();
    assert_eq!(d.frontend_api_url, "https://clerk.example.net");
    assert!(d.cname_targets.as_ref().unwrap()[0].required);
    clerk
        .domains()
        .update("dmn_2sat")
        .proxy_url("https://example.net/__clerk")
        .clear_is_secondary()
        .await
        .unwrap();
    assert!(clerk.domains().delete("dmn_2sat").await.unwrap().deleted);
    for m in [list, add, update, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn proxy_check_verify() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/proxy_checks")
        .json_body(json!({ "domain_id": "dmn_2main", "proxy_url": "https://example.com/__clerk" }))
        .respond(
            200,
            &json!({
                "object": "proxy_check",
                "id": "pxc_2abc",
                "domain_id": "dmn_2main",
                "last_run_at": T1,
                "proxy_url": "https://example.com/__clerk",
                "successful": true,
                "created_at": T0,
                "updated_at": T1
            }),
        )
        .create_async()
        .await;
    let p = clerk
        .proxy_checks()
        .verify()
        .domain_id("dmn_2main")
        .proxy_url("https://example.com/__clerk")
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(p.successful);
    assert_eq!(p.last_run_at, Some(T1.into()));
}

#[tokio::test]
async fn redirect_urls_crud() {
    let (mut server, clerk) = setup().await;
    let redirect = |id: &str, url: &str| json!({ "object": "redirect_url", "id": id, "url": url, "created_at": T0, "updated_at": T0 });
    let list = expect(&mut server, "GET", "/v1/redirect_urls")
        .query(&[("paginated", "true")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [redirect("ru_2a", "myapp://oauth-callback")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/redirect_urls")
        .json_body(json!({ "url": "https://app.example.com/callback" }))
        .respond(200, &redirect("ru_2b", "https://app.example.com/callback"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/redirect_urls/ru_2b")
        .no_body()
        .respond(200, &redirect("ru_2b", "https://app.example.com/callback"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/redirect_urls/ru_2b")
        .no_body()
        .respond(200, &deleted("redirect_url", "ru_2b"))
        .create_async()
        .await;

    let page = clerk.redirect_urls().list().await.unwrap();
    assert_eq!(page.data[0].url, "myapp://oauth-callback");
    let r = clerk
        .redirect_urls()
        .create("https://app.example.com/callback")
        .await
        .unwrap();
    assert_eq!(r.id, "ru_2b");
    clerk.redirect_urls().get("ru_2b").await.unwrap();
    assert!(clerk.redirect_urls().delete("ru_2b").await.unwrap().deleted);
    for m in [list, create, get, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn webhooks_svix_app() {
    let (mut server, clerk) = setup().await;
    let svix = json!({ "svix_url": "https://app.svix.com/login#key=eyJhcHBJZCI6ImFwcF8yYWJjIn0" });
    let create = expect(&mut server, "POST", "/v1/webhooks/svix")
        .no_body()
        .respond(200, &svix)
        .create_async()
        .await;
    let url = expect(&mut server, "POST", "/v1/webhooks/svix_url")
        .no_body()
        .respond(200, &svix)
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/webhooks/svix")
        .no_body()
        .with_status(204)
        .create_async()
        .await;

    let s = clerk.webhooks().create_svix_app().await.unwrap();
    assert!(s.svix_url.starts_with("https://app.svix.com/login#key="));
    let s = clerk.webhooks().svix_url().await.unwrap();
    assert!(s.svix_url.contains("eyJ"));
    clerk.webhooks().delete_svix_app().await.unwrap();
    for m in [create, url, delete] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// templates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn templates_list_is_paginated_and_get() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/templates/email")
        .query(&[("limit", "10"), ("paginated", "true")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [template_json("verification_code"), template_json("magic_link")], "total_count": 2 }),
        )
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/templates/sms/verification_code")
        .no_body()
        .respond(200, &template_json("verification_code"))
        .create_async()
        .await;

    let page = clerk.templates().list("email").limit(10).await.unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data[1].slug.as_deref(), Some("magic_link"));
    let t = clerk
        .templates()
        .get("sms")
        .slug("verification_code")
        .await
        .unwrap();
    assert_eq!(t.required_variables, Some(vec!["otp_code".to_owned()]));
    list.assert_async().await;
    get.assert_async().await;
}

#[tokio::test]
async fn templates_upsert_revert_preview_toggle() {
    let (mut server, clerk) = setup().await;
    let upsert = expect(&mut server, "PUT", "/v1/templates/email/verification_code")
        .json_body(json!({
            "name": "Verification code",
            "subject": "Your code",
            "body": "<p>{{otp_code}}</p>",
            "delivered_by_clerk": null,
            "from_email_name": "hello"
        }))
        .respond(200, &template_json("verification_code"))
        .create_async()
        .await;
    let revert = expect(
        &mut server,
        "POST",
        "/v1/templates/email/verification_code/revert",
    )
    .no_body()
    .respond(200, &template_json("verification_code"))
    .create_async()
    .await;
    let preview = expect(&mut server, "POST", "/v1/templates/email/verification_code/preview")
        .json_body(json!({ "subject": "Hi", "body": "<p>{{otp_code}}</p>" }))
        .respond(
            200,
            &json!({ "subject": "Hi", "body": "<p>123456</p>", "from_email_address": "hello@example.com" }),
        )
        .create_async()
        .await;
    let toggle = expect(
        &mut server,
        "POST",
        "/v1/templates/email/verification_code/toggle_delivery",
    )
    .json_body(json!({ "delivered_by_clerk": false }))
    .respond(200, &template_json("verification_code"))
    .create_async()
    .await;

    let t = clerk
        .templates()
        .upsert("email")
        .slug("verification_code")
        .name("Verification code")
        .subject("Your code")
        .body("<p>{{otp_code}}</p>")
        .clear_delivered_by_clerk()
        .from_email_name("hello")
        .await
        .unwrap();
    assert_eq!(t.can_revert, Some(true));
    clerk
        .templates()
        .revert("email")
        .slug("verification_code")
        .await
        .unwrap();
    let p = clerk
        .templates()
        .preview("email")
        .slug("verification_code")
        .subject("Hi")
        .body("<p>{{otp_code}}</p>")
        .await
        .unwrap();
    assert_eq!(p["body"], "<p>123456</p>");
    clerk
        .templates()
        .toggle_delivery("email")
        .slug("verification_code")
        .delivered_by_clerk(false)
        .await
        .unwrap();
    for m in [upsert, revert, preview, toggle] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// misc: public interstitial (text response)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn public_interstitial_returns_html_text() {
    let (mut server, clerk) = setup().await;
    let html = "<!DOCTYPE html><html><head><script src=\"https://clerk.example.com/npm/@clerk/clerk-js@5/dist/clerk.browser.js\"></script></head><body></body></html>";
    let mock = expect(&mut server, "GET", "/v1/public/interstitial")
        .query(&[
            ("publishable_key", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"),
            ("proxy_url", "https://example.com/__clerk"),
            ("use_domain_for_script", "true"),
        ])
        .no_body()
        .with_status(200)
        .with_header("content-type", "text/html; charset=utf-8")
        .with_body(html)
        .create_async()
        .await;

    let page = clerk
        .misc()
        .public_interstitial()
        .publishable_key("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
        .proxy_url("https://example.com/__clerk")
        .use_domain_for_script(true)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page, html);
}

/// The spec has two parameters, the deprecated `frontendApi` and the current `frontend_api`.
/// The generated setter named `frontend_api` sets the *deprecated* `frontendApi` parameter,
/// while `frontend_api_camel` sets `frontend_api`: the names are swapped.
#[tokio::test]
async fn public_interstitial_frontend_api_setter_sends_frontend_api() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/public/interstitial")
        .query(&[("frontend_api", "clerk.example.com")])
        .no_body()
        .with_status(200)
        .with_header("content-type", "text/html")
        .with_body("<html></html>")
        .create_async()
        .await;
    let _ = clerk
        .misc()
        .public_interstitial()
        .frontend_api("clerk.example.com")
        .await;
    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// allowlist, blocklist
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn allowlist_list_create_delete() {
    let (mut server, clerk) = setup().await;
    let ident = json!({
        "object": "allowlist_identifier",
        "id": "alid_2abc",
        "invitation_id": null,
        "identifier": "*@example.com",
        "identifier_type": "email_address",
        "instance_id": "ins_2abc",
        "created_at": T0,
        "updated_at": T0
    });
    let list = expect(&mut server, "GET", "/v1/allowlist_identifiers")
        .query(&[("limit", "2"), ("offset", "0"), ("paginated", "true")])
        .no_body()
        .respond(200, &json!({ "data": [ident.clone()], "total_count": 1 }))
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/allowlist_identifiers")
        .json_body(json!({ "identifier": "*@example.com", "notify": false }))
        .respond(200, &ident)
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/allowlist_identifiers/alid_2abc")
        .no_body()
        .respond(200, &deleted("allowlist_identifier", "alid_2abc"))
        .create_async()
        .await;

    // The stream stops after a short page: one request.
    let items: Vec<_> = clerk
        .allowlist()
        .list()
        .limit(2)
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    let first = items.into_iter().next().unwrap().unwrap();
    assert_eq!(first.identifier_type, Some(IdentifierType::EmailAddress));
    let a = clerk
        .allowlist()
        .create("*@example.com")
        .notify(false)
        .await
        .unwrap();
    assert_eq!(a.identifier.as_deref(), Some("*@example.com"));
    assert!(clerk.allowlist().delete("alid_2abc").await.unwrap().deleted);
    for m in [list, create, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn blocklist_list_create_delete() {
    let (mut server, clerk) = setup().await;
    let ident = json!({
        "object": "blocklist_identifier",
        "id": "blid_2abc",
        "identifier": "+15555550199",
        "identifier_type": "phone_number",
        "instance_id": "ins_2abc",
        "created_at": T0,
        "updated_at": T0
    });
    let list = expect(&mut server, "GET", "/v1/blocklist_identifiers")
        .no_body()
        .respond(200, &json!({ "data": [ident.clone()], "total_count": 1 }))
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/blocklist_identifiers")
        .json_body(json!({ "identifier": "+15555550199" }))
        .respond(200, &ident)
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/blocklist_identifiers/blid_2abc")
        .no_body()
        .respond(200, &deleted("blocklist_identifier", "blid_2abc"))
        .create_async()
        .await;

    let page = clerk.blocklist().list().await.unwrap();
    assert_eq!(page.total_count, Some(1));
    assert_eq!(
        page.data[0].identifier_type,
        Some(IdentifierType::PhoneNumber)
    );
    clerk.blocklist().create("+15555550199").await.unwrap();
    assert!(clerk.blocklist().delete("blid_2abc").await.unwrap().deleted);
    for m in [list, create, delete] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// admin portal link tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_portal_link_tokens_create_and_revoke() {
    let (mut server, clerk) = setup().await;
    let token = json!({
        "object": "admin_portal_link_token",
        "id": "aplt_2abc",
        "admin_portal_link_id": "apl_2abc",
        "instance_id": "ins_2abc",
        "organization_id": "org_2acme",
        "it_contact_id": null,
        "scopes": ["sso", "scim"],
        "token": "aplt_secret",
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": T1,
        "created_at": T0,
        "updated_at": T0
    });
    let mut revoked = token.clone();
    revoked.as_object_mut().unwrap().remove("token");
    revoked["revoked"] = json!(true);
    revoked["revocation_reason"] = json!("offboarded");
    let create = expect(&mut server, "POST", "/v1/admin_portal_link_tokens")
        .json_body(json!({
            "organization_id": "org_2acme",
            "scopes": ["sso", "scim"],
            "seconds_until_expiration": 3600
        }))
        .respond(200, &token)
        .create_async()
        .await;
    let revoke = expect(
        &mut server,
        "POST",
        "/v1/admin_portal_link_tokens/aplt_2abc/revoke",
    )
    .json_body(json!({ "revocation_reason": "offboarded" }))
    .respond(200, &revoked)
    .create_async()
    .await;

    let t = clerk
        .admin_portal_link_tokens()
        .create()
        .organization_id("org_2acme")
        .scopes(["sso", "scim"])
        .seconds_until_expiration(3600)
        .await
        .unwrap();
    assert_eq!(t.token, "aplt_secret");
    assert_eq!(t.scopes, Some(vec!["sso".to_owned(), "scim".to_owned()]));
    let t = clerk
        .admin_portal_link_tokens()
        .revoke("aplt_2abc")
        .revocation_reason("offboarded")
        .await
        .unwrap();
    assert!(t.revoked);
    assert_eq!(t.revocation_reason.as_deref(), Some("offboarded"));
    create.assert_async().await;
    revoke.assert_async().await;
}
