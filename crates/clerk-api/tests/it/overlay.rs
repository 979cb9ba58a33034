//! Wire-level tests of the request fields the live Backend API takes beyond the OpenAPI spec,
//! generated from `codegen/overlay.txt` (the reference SDK `@clerk/backend` sends each of them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::enterprise_connections::CreateEnterpriseConnectionProvider;
use common::*;
use serde_json::{Value, json};

fn enterprise_connection(id: &str) -> Value {
    json!({
        "object": "enterprise_connection",
        "id": id,
        "name": "Acme Okta",
        "provider": "saml_okta",
        "logo_public_url": null,
        "active": true,
        "domains": ["acme.com"],
        "organization_id": "org_2acme",
        "sync_user_attributes": false,
        "disable_additional_identifications": false,
        "allow_organization_account_linking": false,
        "custom_attributes": [],
        "saml_connection": null,
        "oauth_config": null,
        "created_at": T0,
        "updated_at": T1
    })
}

fn saml_connection(id: &str) -> Value {
    json!({
        "object": "saml_connection",
        "id": id,
        "name": "Okta",
        "domains": ["acme.com"],
        "idp_entity_id": "http://www.okta.com/exk1abcd",
        "idp_sso_url": "https://acme.okta.com/app/acme/exk1abcd/sso/saml",
        "idp_certificate": "MIIDpDCCAoygAwIBAgIGAYx",
        "acs_url": format!("https://clerk.example.com/v1/saml/acs/{id}"),
        "sp_entity_id": format!("https://clerk.example.com/saml/{id}"),
        "sp_metadata_url": format!("https://clerk.example.com/saml/{id}/metadata.xml"),
        "idp_certificate_issued_at": null,
        "idp_certificate_expires_at": null,
        "idp_metadata_url": null,
        "idp_metadata": null,
        "organization_id": null,
        "attribute_mapping": { "user_id": "", "email_address": "email", "first_name": "", "last_name": "" },
        "active": true,
        "provider": "saml_okta",
        "user_count": 0,
        "sync_user_attributes": true,
        "allow_subdomains": false,
        "allow_idp_initiated": false,
        "disable_additional_identifications": false,
        "allow_organization_account_linking": false,
        "force_authn": false,
        "login_hint": { "mode": "email_address" },
        "created_at": T0,
        "updated_at": T1
    })
}

#[tokio::test]
async fn user_create_and_update_send_timezone() {
    let (mut server, clerk) = setup().await;
    let create = expect(&mut server, "POST", "/v1/users")
        .json_body(json!({
            "email_address": ["ada@example.com"],
            "timezone": "Europe/London"
        }))
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/users/user_2ada")
        .json_body(json!({ "first_name": "Ada", "timezone": "America/New_York" }))
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;

    let created = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .timezone("Europe/London")
        .await
        .unwrap();
    assert_eq!(created.id, "user_2ada");
    let updated = clerk
        .users()
        .update("user_2ada")
        .first_name("Ada")
        .timezone("America/New_York")
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Ada"));
    create.assert_async().await;
    update.assert_async().await;
}

#[tokio::test]
async fn saml_connection_update_sends_idp_certificates() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PATCH", "/v1/saml_connections/samlc_2abc")
        .json_body(json!({
            "active": true,
            "idp_certificates": ["MIIDpDCCAoygAwIBAgIGAYx", "MIIDpDCCAoygAwIBAgIGAYy"]
        }))
        .respond(200, &saml_connection("samlc_2abc"))
        .create_async()
        .await;
    let conn = clerk
        .saml_connections()
        .update("samlc_2abc")
        .active(true)
        .idp_certificates(["MIIDpDCCAoygAwIBAgIGAYx", "MIIDpDCCAoygAwIBAgIGAYy"])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(serde_json::to_value(conn).unwrap()["id"], "samlc_2abc");
}

#[tokio::test]
async fn enterprise_connection_create_sends_sync_and_jit_flags() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/enterprise_connections")
        .json_body(json!({
            "name": "Acme Okta",
            "provider": "saml_okta",
            "domains": ["acme.com"],
            "sync_user_attributes": true,
            "disable_jit_provisioning": false
        }))
        .respond(200, &enterprise_connection("ec_2abc"))
        .create_async()
        .await;
    let c = clerk
        .enterprise_connections()
        .create("Acme Okta")
        .provider(CreateEnterpriseConnectionProvider::SamlOkta)
        .domains(["acme.com"])
        .sync_user_attributes(true)
        .disable_jit_provisioning(false)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(c.id, "ec_2abc");
}

#[tokio::test]
async fn enterprise_connection_update_sends_provider() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PATCH", "/v1/enterprise_connections/ec_2abc")
        .json_body(json!({ "name": "Acme", "provider": "saml_custom" }))
        .respond(200, &enterprise_connection("ec_2abc"))
        .create_async()
        .await;
    let c = clerk
        .enterprise_connections()
        .update("ec_2abc")
        .name("Acme")
        .provider("saml_custom")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(c.name, "Acme Okta");
}

#[tokio::test]
async fn instance_update_sends_enhanced_email_deliverability() {
    let (mut server, clerk) = setup().await;
    let set = expect(&mut server, "PATCH", "/v1/instance")
        .json_body(json!({ "hibp": true, "enhanced_email_deliverability": true }))
        .with_status(204)
        .create_async()
        .await;
    clerk
        .instance()
        .update()
        .hibp(true)
        .enhanced_email_deliverability(true)
        .await
        .unwrap();
    set.assert_async().await;

    // Nullable like its sibling settings: `clear_…` sends an explicit `null`.
    let clear = expect(&mut server, "PATCH", "/v1/instance")
        .json_body(json!({ "enhanced_email_deliverability": null }))
        .with_status(204)
        .create_async()
        .await;
    clerk
        .instance()
        .update()
        .clear_enhanced_email_deliverability()
        .await
        .unwrap();
    clear.assert_async().await;
}

#[tokio::test]
async fn instance_restrictions_update_sends_ignore_dots_for_gmail_addresses() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PATCH", "/v1/instance/restrictions")
        .json_body(json!({ "blocklist": true, "ignore_dots_for_gmail_addresses": true }))
        .respond(
            200,
            &json!({
                "object": "instance_restrictions",
                "allowlist": false,
                "blocklist": true,
                "allowlist_blocklist_disabled_on_sign_in": false,
                "block_email_subaddresses": false,
                "block_disposable_email_domains": false,
                "ignore_dots_for_gmail_addresses": true
            }),
        )
        .create_async()
        .await;
    let r = clerk
        .instance()
        .update_restrictions()
        .blocklist(true)
        .ignore_dots_for_gmail_addresses(true)
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(r.blocklist && !r.allowlist);
}
