//! Wire-level tests of `email_addresses`, `phone_numbers`, `invitations`, `waitlist`,
//! `saml_connections`, `enterprise_connections`, `scim_directories` and `directories`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use clerk_api::directories::{CreateDirectoryGroupRoleMappingsItem, GroupRoleMappingInput};
use clerk_api::enterprise_connections::{
    CreateEnterpriseConnectionProvider, CreateEnterpriseConnectionSaml,
    CreateEnterpriseConnectionSamlLoginHint,
};
use clerk_api::invitations::CreateBulkInvitationsItem;
use clerk_api::models::{
    EmailAddressVerification, EnterpriseAccountProtocol, EnterpriseConnectionTestRunStatus,
    InvitationRevokedStatus, InvitationStatus, InvitationTemplateSlug, LoginHintMode,
    PhoneNumberVerification, VerificationStatus, WaitlistEntryStatus,
};
use clerk_api::saml_connections::{
    CreateSamlConnectionAttributeMapping, CreateSamlConnectionProvider,
};
use clerk_api::scim_directories::{
    CreateScimDirectoryGroupRoleMappingsItem, ReplaceScimGroupRoleMappingsMappingsItem,
};
use clerk_api::waitlist::CreateBulkWaitlistEntriesItem;
use common::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// email addresses and phone numbers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn email_address_lifecycle() {
    let (mut server, clerk) = setup().await;
    let create = expect(&mut server, "POST", "/v1/email_addresses")
        .json_body(json!({
            "user_id": "user_2ada",
            "email_address": "ada@work.example.com",
            "verified": true,
            "primary": false
        }))
        .respond(200, &email_address("idn_2work", "ada@work.example.com"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/email_addresses/idn_2work")
        .no_body()
        .respond(200, &email_address("idn_2work", "ada@work.example.com"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/email_addresses/idn_2work")
        .json_body(json!({ "primary": true, "notify_primary_email_address_changed": null }))
        .respond(200, &email_address("idn_2work", "ada@work.example.com"))
        .create_async()
        .await;
    let prepare = expect(
        &mut server,
        "POST",
        "/v1/email_addresses/idn_2work/prepare_verification",
    )
    .no_body()
    .respond(
        200,
        &json!({ "object": "verification", "id": "ver_2abc", "status": "unverified", "strategy": "email_code", "attempts": 0, "expire_at": T1 }),
    )
    .create_async()
    .await;
    let attempt = expect(
        &mut server,
        "POST",
        "/v1/email_addresses/idn_2work/attempt_verification",
    )
    .json_body(json!({ "verification_id": "ver_2abc", "code": "424242" }))
    .respond(
        200,
        &json!({ "object": "verification", "id": "ver_2abc", "status": "verified", "strategy": "email_code", "attempts": 1, "expire_at": T1 }),
    )
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/email_addresses/idn_2work")
        .no_body()
        .respond(200, &deleted("email_address", "idn_2work"))
        .create_async()
        .await;

    let api = clerk.email_addresses();
    let e = api
        .create("user_2ada")
        .email_address("ada@work.example.com")
        .verified(true)
        .primary(false)
        .await
        .unwrap();
    assert_eq!(e.id.as_deref(), Some("idn_2work"));
    assert!(matches!(
        e.verification,
        Some(EmailAddressVerification::VerificationAdmin(_))
    ));
    api.get("idn_2work").await.unwrap();
    api.update("idn_2work")
        .primary(true)
        .clear_notify_primary_email_address_changed()
        .await
        .unwrap();
    let v = api.prepare_verification("idn_2work").await.unwrap();
    assert_eq!(v.status.as_deref(), Some("unverified"));
    let v = api
        .attempt_verification("idn_2work")
        .verification_id("ver_2abc")
        .code("424242")
        .await
        .unwrap();
    assert_eq!(v.status.as_deref(), Some("verified"));
    assert_eq!(v.attempts, Some(1));
    assert!(api.delete("idn_2work").await.unwrap().deleted);
    for m in [create, get, update, prepare, attempt, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn phone_number_lifecycle() {
    let (mut server, clerk) = setup().await;
    let create = expect(&mut server, "POST", "/v1/phone_numbers")
        .json_body(json!({
            "user_id": "user_2ada",
            "phone_number": "+15555550100",
            "reserved_for_second_factor": true,
            "verified": null
        }))
        .respond(200, &phone_number("idn_2phone", "+15555550100"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/phone_numbers/idn_2phone")
        .no_body()
        .respond(200, &phone_number("idn_2phone", "+15555550100"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/phone_numbers/idn_2phone")
        .json_body(json!({ "primary": true }))
        .respond(200, &phone_number("idn_2phone", "+15555550100"))
        .create_async()
        .await;
    let prepare = expect(
        &mut server,
        "POST",
        "/v1/phone_numbers/idn_2phone/prepare_verification",
    )
    .no_body()
    .respond(
        200,
        &json!({ "status": "unverified", "strategy": "phone_code", "channel": "sms" }),
    )
    .create_async()
    .await;
    let attempt = expect(
        &mut server,
        "POST",
        "/v1/phone_numbers/idn_2phone/attempt_verification",
    )
    .json_body(json!({ "verification_id": "ver_2p", "code": "111111" }))
    .respond(
        200,
        &json!({ "status": "verified", "strategy": "phone_code" }),
    )
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/phone_numbers/idn_2phone")
        .no_body()
        .respond(200, &deleted("phone_number", "idn_2phone"))
        .create_async()
        .await;

    let api = clerk.phone_numbers();
    let p = api
        .create("user_2ada")
        .phone_number("+15555550100")
        .reserved_for_second_factor(true)
        .clear_verified()
        .await
        .unwrap();
    match p.verification.unwrap() {
        PhoneNumberVerification::VerificationOtp(v) => {
            assert_eq!(v.status, VerificationStatus::Unverified);
        }
        other => panic!("expected an OTP verification, got {other:?}"),
    }
    api.get("idn_2phone").await.unwrap();
    api.update("idn_2phone").primary(true).await.unwrap();
    let v = api.prepare_verification("idn_2phone").await.unwrap();
    assert_eq!(v.channel.as_deref(), Some("sms"));
    api.attempt_verification("idn_2phone")
        .verification_id("ver_2p")
        .code("111111")
        .await
        .unwrap();
    assert_eq!(
        api.delete("idn_2phone").await.unwrap().object,
        "phone_number"
    );
    for m in [create, get, update, prepare, attempt, delete] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// invitations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_invitation_with_body() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/invitations")
        .json_body(json!({
            "email_address": "new@example.com",
            "public_metadata": { "source": "import" },
            "redirect_url": "https://app.example.com/accept",
            "notify": true,
            "ignore_existing": null,
            "expires_in_days": 7,
            "template_slug": "waitlist_invitation"
        }))
        .respond(200, &invitation("inv_2new", "new@example.com", "pending"))
        .create_async()
        .await;

    let inv = clerk
        .invitations()
        .create("new@example.com")
        .public_metadata(json!({ "source": "import" }))
        .redirect_url("https://app.example.com/accept")
        .notify(true)
        .clear_ignore_existing()
        .expires_in_days(7)
        .template_slug(InvitationTemplateSlug::WaitlistInvitation)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(inv.id, "inv_2new");
    assert_eq!(inv.status, InvitationStatus::Pending);
    assert_eq!(inv.public_metadata["source"], "import");
    assert_eq!(inv.revoked, Some(false));
}

#[tokio::test]
async fn list_invitations_is_paginated() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/invitations")
        .query(&[
            ("status", "expired"),
            ("query", "example.com"),
            ("order_by", "-created_at"),
            ("limit", "20"),
            ("offset", "40"),
            ("paginated", "true"),
        ])
        .no_body()
        .respond(
            200,
            &json!({
                "data": [invitation("inv_2a", "a@example.com", "expired"), invitation("inv_2b", "b@example.com", "expired")],
                "total_count": 42
            }),
        )
        .create_async()
        .await;
    let page = clerk
        .invitations()
        .list()
        .status(InvitationStatus::Expired)
        .query("example.com")
        .order_by("-created_at")
        .limit(20)
        .offset(40)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(42));
    assert_eq!(page.data[1].email_address, "b@example.com");
    assert_eq!(page.data[0].status, InvitationStatus::Expired);
}

#[tokio::test]
async fn bulk_invitations_send_a_json_array() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/invitations/bulk")
        .json_body(json!([
            { "email_address": "a@example.com" },
            { "email_address": "b@example.com", "notify": false, "expires_in_days": null }
        ]))
        .respond(
            200,
            &json!([
                invitation("inv_2a", "a@example.com", "pending"),
                invitation("inv_2b", "b@example.com", "pending")
            ]),
        )
        .create_async()
        .await;
    let b = CreateBulkInvitationsItem::new("b@example.com")
        .notify(false)
        .clear_expires_in_days();
    let page = clerk
        .invitations()
        .create_bulk(vec![CreateBulkInvitationsItem::new("a@example.com"), b])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.len(), 2);
    assert_eq!(page.data[1].id, "inv_2b");
}

#[tokio::test]
async fn revoke_invitation() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/invitations/inv_2a/revoke")
        .no_body()
        .respond(200, &invitation("inv_2a", "a@example.com", "revoked"))
        .create_async()
        .await;
    let inv = clerk.invitations().revoke("inv_2a").await.unwrap();
    mock.assert_async().await;
    assert_eq!(inv.status, Some(InvitationRevokedStatus::Revoked));
    assert_eq!(inv.revoked, Some(true));
}

// ---------------------------------------------------------------------------------------------
// waitlist
// ---------------------------------------------------------------------------------------------

fn waitlist_entry(id: &str, status: &str) -> Value {
    json!({
        "object": "waitlist_entry",
        "id": id,
        "email_address": "early@example.com",
        "status": status,
        "is_locked": false,
        "created_at": T0,
        "updated_at": T1,
        "invitation": if status == "invited" {
            invitation("inv_2wl", "early@example.com", "pending")
        } else {
            Value::Null
        }
    })
}

#[tokio::test]
async fn waitlist_operations() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/waitlist_entries")
        .query(&[
            ("limit", "10"),
            ("query", "early"),
            ("status", "pending"),
            ("order_by", "-created_at"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [waitlist_entry("wle_2a", "pending")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/waitlist_entries")
        .json_body(json!({ "email_address": "early@example.com", "notify": false }))
        .respond(200, &waitlist_entry("wle_2a", "pending"))
        .create_async()
        .await;
    let bulk = expect(&mut server, "POST", "/v1/waitlist_entries/bulk")
        .json_body(json!([
            { "email_address": "a@example.com" },
            { "email_address": "b@example.com", "notify": true }
        ]))
        .respond(
            200,
            &json!([
                waitlist_entry("wle_2b", "pending"),
                waitlist_entry("wle_2c", "pending")
            ]),
        )
        .create_async()
        .await;
    let invite = expect(&mut server, "POST", "/v1/waitlist_entries/wle_2a/invite")
        .json_body(json!({ "ignore_existing": true }))
        .respond(200, &waitlist_entry("wle_2a", "invited"))
        .create_async()
        .await;
    let reject = expect(&mut server, "POST", "/v1/waitlist_entries/wle_2b/reject")
        .no_body()
        .respond(200, &waitlist_entry("wle_2b", "rejected"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/waitlist_entries/wle_2c")
        .no_body()
        .respond(200, &deleted("waitlist_entry", "wle_2c"))
        .create_async()
        .await;

    let api = clerk.waitlist();
    let page = api
        .list()
        .limit(10)
        .query("early")
        .status(WaitlistEntryStatus::Pending)
        .order_by("-created_at")
        .await
        .unwrap();
    assert_eq!(page.data[0].status, WaitlistEntryStatus::Pending);
    api.create("early@example.com").notify(false).await.unwrap();
    let b = CreateBulkWaitlistEntriesItem::new("b@example.com").notify(true);
    let page = api
        .create_bulk(vec![CreateBulkWaitlistEntriesItem::new("a@example.com"), b])
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    let e = api.invite("wle_2a").ignore_existing(true).await.unwrap();
    assert_eq!(e.status, WaitlistEntryStatus::Invited);
    assert_eq!(e.invitation.unwrap().id, "inv_2wl");
    assert_eq!(
        api.reject("wle_2b").await.unwrap().status,
        WaitlistEntryStatus::Rejected
    );
    assert!(api.delete("wle_2c").await.unwrap().deleted);
    for m in [list, create, bulk, invite, reject, delete] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// SAML and enterprise connections
// ---------------------------------------------------------------------------------------------

fn saml_connection(id: &str) -> Value {
    json!({
        "object": "saml_connection",
        "id": id,
        "name": "Okta",
        "domain": "acme.com",
        "domains": ["acme.com", "acme.io"],
        "idp_entity_id": "http://www.okta.com/exk1abcd",
        "idp_sso_url": "https://acme.okta.com/app/acme/exk1abcd/sso/saml",
        "idp_certificate": "MIIDpDCCAoygAwIBAgIGAYx",
        "idp_certificate_issued_at": null,
        "idp_certificate_expires_at": null,
        "idp_metadata_url": null,
        "idp_metadata": null,
        "acs_url": format!("https://clerk.example.com/v1/saml/acs/{id}"),
        "sp_entity_id": format!("https://clerk.example.com/saml/{id}"),
        "sp_metadata_url": format!("https://clerk.example.com/saml/{id}/metadata.xml"),
        "organization_id": null,
        "attribute_mapping": { "user_id": "", "email_address": "email", "first_name": "firstName", "last_name": "lastName" },
        "active": true,
        "provider": "saml_okta",
        "user_count": 12,
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
async fn saml_connections_crud() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/saml_connections")
        .match_query(raw_query(
            "limit=5&query=okta&organization_id=org_2a&organization_id=org_2b",
        ))
        .no_body()
        .respond(
            200,
            &json!({ "data": [saml_connection("samlc_2abc")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/saml_connections")
        .json_body(json!({
            "name": "Okta",
            "provider": "saml_okta",
            "domains": ["acme.com", "acme.io"],
            "idp_metadata_url": "https://acme.okta.com/app/exk1abcd/sso/saml/metadata",
            "organization_id": null,
            "attribute_mapping": { "email_address": "email", "first_name": "firstName" }
        }))
        .respond(200, &saml_connection("samlc_2abc"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/saml_connections/samlc_2abc")
        .no_body()
        .respond(200, &saml_connection("samlc_2abc"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/saml_connections/samlc_2abc")
        .json_body(json!({ "active": false, "idp_certificate": null, "force_authn": true }))
        .respond(200, &saml_connection("samlc_2abc"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/saml_connections/samlc_2abc")
        .no_body()
        .respond(200, &deleted("saml_connection", "samlc_2abc"))
        .create_async()
        .await;

    let api = clerk.saml_connections();
    let page = api
        .list()
        .limit(5)
        .query("okta")
        .organization_id(["org_2a", "org_2b"])
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(1));
    // `SamlConnection` is generated as an untyped union; check the decoded content through
    // its JSON form (works for a typed struct as well).
    let conn = serde_json::to_value(&page.data[0]).unwrap();
    assert_eq!(conn["id"], "samlc_2abc");
    assert_eq!(conn["domains"], json!(["acme.com", "acme.io"]));
    assert_eq!(conn["user_count"], 12);

    let mut mapping = CreateSamlConnectionAttributeMapping::new();
    mapping.email_address = Some("email".into());
    mapping.first_name = Some("firstName".into());
    api.create("Okta")
        .provider(CreateSamlConnectionProvider::SamlOkta)
        .domains(["acme.com", "acme.io"])
        .idp_metadata_url("https://acme.okta.com/app/exk1abcd/sso/saml/metadata")
        .clear_organization_id()
        .attribute_mapping(mapping)
        .await
        .unwrap();
    let conn = serde_json::to_value(api.get("samlc_2abc").await.unwrap()).unwrap();
    assert_eq!(conn["provider"], "saml_okta");
    api.update("samlc_2abc")
        .active(false)
        .clear_idp_certificate()
        .force_authn(true)
        .await
        .unwrap();
    assert!(api.delete("samlc_2abc").await.unwrap().deleted);
    for m in [list, create, get, update, delete] {
        m.assert_async().await;
    }
}

/// `SAMLConnection` is an object schema with properties plus an
/// `anyOf: [{required: [domain]}, {required: [domains]}]` constraint. The generator turns it into
/// an untagged union of two *untyped* variants (`Variant1(serde_json::Value)` /
/// `Variant2(serde_json::Value)`), so every typed field (id, name, idp_*, acs_url, …) is lost.
/// The same happens to `SamlAccountConnection` and `EnterpriseAccountConnection`.
/// (Asserted through `Debug` so the test still compiles once the model becomes a struct.)
#[tokio::test]
async fn saml_connection_decodes_to_a_typed_model() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/saml_connections/samlc_2abc")
        .no_body()
        .respond(200, &saml_connection("samlc_2abc"))
        .create_async()
        .await;
    let conn = clerk.saml_connections().get("samlc_2abc").await.unwrap();
    mock.assert_async().await;
    let debug = format!("{conn:?}");
    assert!(
        debug.starts_with("SamlConnection {"),
        "decoded as an untyped value: {debug}"
    );
}

/// Same generator bug, seen from a user: `saml_accounts[].saml_connection` and
/// `enterprise_accounts[].enterprise_connection` decode to raw JSON variants.
#[tokio::test]
async fn user_account_connections_decode_to_typed_models() {
    let (mut server, clerk) = setup().await;
    let mut body = user("user_2sso");
    let connection = json!({
        "id": "samlc_2abc",
        "name": "Okta",
        "domain": "acme.com",
        "domains": ["acme.com"],
        "active": true,
        "provider": "saml_okta",
        "sync_user_attributes": true,
        "allow_subdomains": false,
        "allow_idp_initiated": false,
        "created_at": T0,
        "updated_at": T0
    });
    let mut enterprise_connection = connection.clone();
    enterprise_connection["protocol"] = json!("saml");
    enterprise_connection["logo_public_url"] = json!(null);
    enterprise_connection["disable_additional_identifications"] = json!(false);
    body["saml_accounts"] = json!([{
        "id": "samlacc_2abc",
        "object": "saml_account",
        "provider": "saml_okta",
        "active": true,
        "email_address": "ada@acme.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "provider_user_id": "00u1abcd",
        "public_metadata": {},
        "verification": { "object": "verification_saml", "status": "verified", "strategy": "saml", "expire_at": T1 },
        "saml_connection": connection.clone()
    }]);
    body["enterprise_accounts"] = json!([{
        "id": "eacc_2abc",
        "object": "enterprise_account",
        "protocol": "saml",
        "provider": "saml_okta",
        "active": true,
        "email_address": "ada@acme.com",
        "enterprise_connection_id": "ec_2abc",
        "enterprise_connection": enterprise_connection
    }]);
    let mock = expect(&mut server, "GET", "/v1/users/user_2sso")
        .no_body()
        .respond(200, &body)
        .create_async()
        .await;
    let user = clerk.users().get("user_2sso").await.unwrap();
    mock.assert_async().await;
    let saml = format!(
        "{:?}",
        user.saml_accounts[0].saml_connection.as_ref().unwrap()
    );
    let enterprise = format!(
        "{:?}",
        user.enterprise_accounts[0]
            .enterprise_connection
            .as_ref()
            .unwrap()
    );
    assert!(!saml.starts_with("Variant"), "untyped: {saml}");
    assert!(!enterprise.starts_with("Variant"), "untyped: {enterprise}");
}

fn enterprise_connection(id: &str) -> Value {
    json!({
        "object": "enterprise_connection",
        "id": id,
        "name": "Acme Okta",
        "provider": "saml_okta",
        "logo_public_url": "https://img.clerk.com/static/okta.svg",
        "active": true,
        "domains": ["acme.com"],
        "organization_id": "org_2acme",
        "sync_user_attributes": true,
        "disable_additional_identifications": false,
        "allow_organization_account_linking": true,
        "custom_attributes": [],
        "saml_connection": {
            "id": "samlc_2abc",
            "name": "Acme Okta",
            "idp_entity_id": "http://www.okta.com/exk1abcd",
            "idp_sso_url": "https://acme.okta.com/app/acme/exk1abcd/sso/saml",
            "idp_metadata_url": null,
            "acs_url": "https://clerk.example.com/v1/saml/acs/samlc_2abc",
            "sp_entity_id": "https://clerk.example.com/saml/samlc_2abc",
            "sp_metadata_url": "https://clerk.example.com/saml/samlc_2abc/metadata.xml",
            "active": true,
            "allow_idp_initiated": false,
            "allow_subdomains": false,
            "force_authn": false,
            "login_hint": { "mode": "custom_attribute", "source": "login_hint" }
        },
        "oauth_config": null,
        "created_at": T0,
        "updated_at": T1
    })
}

#[tokio::test]
async fn enterprise_connections_crud() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/enterprise_connections")
        .query(&[("organization_id", "org_2acme"), ("active", "true")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [enterprise_connection("ec_2abc")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/enterprise_connections")
        .json_body(json!({
            "name": "Acme Okta",
            "provider": "saml_okta",
            "domains": ["acme.com"],
            "organization_id": "org_2acme",
            "saml": {
                "idp_metadata_url": "https://acme.okta.com/metadata",
                "allow_idp_initiated": null,
                "login_hint": { "mode": "custom_attribute", "source": "login_hint" }
            }
        }))
        .respond(200, &enterprise_connection("ec_2abc"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/enterprise_connections/ec_2abc")
        .no_body()
        .respond(200, &enterprise_connection("ec_2abc"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/enterprise_connections/ec_2abc")
        .json_body(json!({ "domains": null, "active": false, "saml": null }))
        .respond(200, &enterprise_connection("ec_2abc"))
        .create_async()
        .await;
    let delete = expect(&mut server, "DELETE", "/v1/enterprise_connections/ec_2abc")
        .no_body()
        .respond(200, &deleted("enterprise_connection", "ec_2abc"))
        .create_async()
        .await;

    let api = clerk.enterprise_connections();
    let page = api
        .list()
        .organization_id("org_2acme")
        .active(true)
        .await
        .unwrap();
    let c = &page.data[0];
    assert_eq!(c.domains, ["acme.com"]);
    let saml = c.saml_connection.as_ref().unwrap();
    assert_eq!(
        saml.login_hint.as_ref().unwrap().mode,
        LoginHintMode::CustomAttribute
    );

    // Nested request objects have chainable setters: no `Some(Some(…))` by hand.
    let saml = CreateEnterpriseConnectionSaml::new()
        .idp_metadata_url("https://acme.okta.com/metadata")
        .clear_allow_idp_initiated()
        .login_hint(
            CreateEnterpriseConnectionSamlLoginHint::new(LoginHintMode::CustomAttribute)
                .source("login_hint"),
        );
    let c = api
        .create("Acme Okta")
        .provider(CreateEnterpriseConnectionProvider::SamlOkta)
        .domains(["acme.com"])
        .organization_id("org_2acme")
        .saml(saml)
        .await
        .unwrap();
    assert_eq!(c.id, "ec_2abc");
    api.get("ec_2abc").await.unwrap();
    api.update("ec_2abc")
        .clear_domains()
        .active(false)
        .clear_saml()
        .await
        .unwrap();
    assert!(api.delete("ec_2abc").await.unwrap().deleted);
    for m in [list, create, get, update, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn enterprise_connection_test_runs() {
    let (mut server, clerk) = setup().await;
    let list = expect(
        &mut server,
        "GET",
        "/v1/enterprise_connections/ec_2abc/test_runs",
    )
    .match_query(raw_query("status=failed&status=pending&limit=10"))
    .no_body()
    .respond(
        200,
        &json!({
            "data": [{
                "id": "ectr_2abc",
                "status": "failed",
                "connection_type": "saml",
                "parsed_user_info": { "email_address": "ada@acme.com", "first_name": "Ada", "last_name": null, "user_id": null },
                "logs": [{ "level": "error", "code": "saml_response_invalid", "short_message": "Invalid response", "message": "The SAML response signature is invalid" }],
                "saml": { "saml_request": "PHNhbWxwOkF1dGhuUmVxdWVzdA==", "saml_response": null, "relay_state": "abc" },
                "oauth": null,
                "created_at": T0
            }],
            "total_count": 1
        }),
    )
    .create_async()
    .await;
    let create = expect(
        &mut server,
        "POST",
        "/v1/enterprise_connections/ec_2abc/test_runs",
    )
    .no_body()
    .respond(
        200,
        &json!({ "url": "https://accounts.example.com/enterprise-test?run=ectr_2new" }),
    )
    .create_async()
    .await;

    let page = clerk
        .enterprise_connections()
        .test_runs("ec_2abc")
        .status(vec![
            EnterpriseConnectionTestRunStatus::Failed,
            EnterpriseConnectionTestRunStatus::Pending,
        ])
        .limit(10)
        .await
        .unwrap();
    let run = &page.data[0];
    assert_eq!(run.status, EnterpriseConnectionTestRunStatus::Failed);
    assert_eq!(run.connection_type, EnterpriseAccountProtocol::Saml);
    assert_eq!(
        run.logs.as_ref().unwrap()[0].code.as_deref(),
        Some("saml_response_invalid")
    );
    let r = clerk
        .enterprise_connections()
        .create_test_run("ec_2abc")
        .await
        .unwrap();
    assert!(r.url.ends_with("run=ectr_2new"));
    list.assert_async().await;
    create.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// SCIM directories and directories
// ---------------------------------------------------------------------------------------------

fn directory(object: &str, id: &str) -> Value {
    json!({
        "object": object,
        "id": id,
        "name": "Okta SCIM",
        "enterprise_connection_id": "ec_2abc",
        "endpoint_url": format!("https://api.clerk.com/scim/v2/{id}"),
        "provider": "okta",
        "enabled": true,
        "group_role_mapping_enabled": true,
        "attribute_mapping": { "userName": "email_address", "name.givenName": "first_name" },
        "custom_attributes": null,
        "api_key": null,
        "created_at": T0,
        "updated_at": T1
    })
}

fn group_mapping(object: &str, id: &str) -> Value {
    json!({
        "object": object,
        "id": id,
        "scim_directory_id": "scimdir_2abc",
        "directory_id": "scimdir_2abc",
        "scim_group_id": "grp_engineering",
        "directory_group_id": "grp_engineering",
        "scim_group_display_name": "Engineering",
        "directory_group_display_name": "Engineering",
        "role": null,
        "precedence": 1,
        "created_at": T0,
        "updated_at": T0
    })
}

#[tokio::test]
async fn scim_directories_operations() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/scim_directories")
        .query(&[("limit", "10")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [directory("scim_directory", "scimdir_2abc")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/scim_directories")
        .json_body(json!({
            "enterprise_connection_id": "ec_2abc",
            "provider": "okta",
            "name": "Okta SCIM",
            "group_role_mappings": [{ "scim_group_id": "grp_engineering", "role_id": "role_2member", "precedence": 1 }]
        }))
        .respond(200, &{
            let mut d = directory("scim_directory", "scimdir_2abc");
            d["api_key"] = json!("scim_secret_token");
            d
        })
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/scim_directories/scimdir_2abc")
        .no_body()
        .respond(200, &directory("scim_directory", "scimdir_2abc"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/scim_directories/scimdir_2abc")
        .json_body(json!({
            "enabled": false,
            "attribute_mapping": { "name.familyName": null, "userName": "email_address" }
        }))
        .respond(200, &directory("scim_directory", "scimdir_2abc"))
        .create_async()
        .await;
    let rotate = expect(
        &mut server,
        "POST",
        "/v1/scim_directories/scimdir_2abc/rotate_api_key",
    )
    .no_body()
    .respond(200, &{
        let mut d = directory("scim_directory", "scimdir_2abc");
        d["api_key"] = json!("scim_new_token");
        d
    })
    .create_async()
    .await;
    let mappings = expect(
        &mut server,
        "GET",
        "/v1/scim_directories/scimdir_2abc/group_role_mappings",
    )
    .no_body()
    .respond(
        200,
        &json!({ "data": [group_mapping("scim_group_role_mapping", "sgrm_2a")], "total_count": 1 }),
    )
    .create_async()
    .await;
    let create_mapping = expect(
        &mut server,
        "POST",
        "/v1/scim_directories/scimdir_2abc/group_role_mappings",
    )
    .json_body(json!({ "scim_group_id": "grp_sales", "role_id": "role_2member", "precedence": 2 }))
    .respond(200, &group_mapping("scim_group_role_mapping", "sgrm_2b"))
    .create_async()
    .await;
    let replace = expect(
        &mut server,
        "PUT",
        "/v1/scim_directories/scimdir_2abc/group_role_mappings",
    )
    .json_body(
        json!({ "mappings": [{ "scim_group_id": "grp_engineering", "role_id": "role_2admin" }] }),
    )
    .respond(
        200,
        &json!({ "data": [group_mapping("scim_group_role_mapping", "sgrm_2c")], "total_count": 1 }),
    )
    .create_async()
    .await;
    let delete_mapping = expect(
        &mut server,
        "DELETE",
        "/v1/scim_directories/scimdir_2abc/group_role_mappings/sgrm_2c",
    )
    .no_body()
    .respond(200, &deleted("scim_group_role_mapping", "sgrm_2c"))
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/scim_directories/scimdir_2abc")
        .no_body()
        .respond(200, &deleted("scim_directory", "scimdir_2abc"))
        .create_async()
        .await;

    let api = clerk.scim_directories();
    let page = api.list().limit(10).await.unwrap();
    assert_eq!(
        page.data[0]
            .attribute_mapping
            .get("userName")
            .map(String::as_str),
        Some("email_address")
    );
    let mut mapping =
        CreateScimDirectoryGroupRoleMappingsItem::new("grp_engineering").role_id("role_2member");
    mapping.precedence = Some(1);
    let d = api
        .create("ec_2abc")
        .provider("okta")
        .name("Okta SCIM")
        .group_role_mappings(vec![mapping])
        .await
        .unwrap();
    assert_eq!(d.api_key.as_deref(), Some("scim_secret_token"));
    api.get("scimdir_2abc").await.unwrap();
    let attribute_mapping: BTreeMap<String, Option<String>> = [
        ("name.familyName".to_owned(), None),
        ("userName".to_owned(), Some("email_address".to_owned())),
    ]
    .into_iter()
    .collect();
    api.update("scimdir_2abc")
        .enabled(false)
        .attribute_mapping(attribute_mapping)
        .await
        .unwrap();
    assert_eq!(
        api.rotate_api_key("scimdir_2abc")
            .await
            .unwrap()
            .api_key
            .as_deref(),
        Some("scim_new_token")
    );
    let page = api.group_role_mappings("scimdir_2abc").await.unwrap();
    assert_eq!(page.data[0].scim_group_display_name, "Engineering");
    api.create_group_role_mapping("scimdir_2abc")
        .scim_group_id("grp_sales")
        .role_id("role_2member")
        .precedence(2)
        .await
        .unwrap();
    let page = api
        .replace_group_role_mappings(
            "scimdir_2abc",
            vec![
                ReplaceScimGroupRoleMappingsMappingsItem::new("grp_engineering")
                    .role_id("role_2admin"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(page.data[0].id, "sgrm_2c");
    assert!(
        api.delete_group_role_mapping("scimdir_2abc")
            .mapping_id("sgrm_2c")
            .await
            .unwrap()
            .deleted
    );
    assert!(api.delete("scimdir_2abc").await.unwrap().deleted);
    for m in [
        list,
        create,
        get,
        update,
        rotate,
        mappings,
        create_mapping,
        replace,
        delete_mapping,
        delete,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn directories_operations() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/directories")
        .query(&[("offset", "0")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [directory("directory", "dir_2abc")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/directories")
        .json_body(json!({
            "enterprise_connection_id": "ec_2abc",
            "provider": "okta",
            "group_role_mappings": [{ "directory_group_id": "grp_engineering", "role_id": "role_2member" }]
        }))
        .respond(200, &directory("directory", "dir_2abc"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/directories/dir_2abc")
        .no_body()
        .respond(200, &directory("directory", "dir_2abc"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/directories/dir_2abc")
        .json_body(json!({ "name": "Okta", "group_role_mapping_enabled": false }))
        .respond(200, &directory("directory", "dir_2abc"))
        .create_async()
        .await;
    let rotate = expect(
        &mut server,
        "POST",
        "/v1/directories/dir_2abc/rotate_api_key",
    )
    .no_body()
    .respond(200, &directory("directory", "dir_2abc"))
    .create_async()
    .await;
    let mappings = expect(
        &mut server,
        "GET",
        "/v1/directories/dir_2abc/group_role_mappings",
    )
    .no_body()
    .respond(
        200,
        &json!({ "data": [group_mapping("directory_group_role_mapping", "dgrm_2a")], "total_count": 1 }),
    )
    .create_async()
    .await;
    let create_mapping = expect(
        &mut server,
        "POST",
        "/v1/directories/dir_2abc/group_role_mappings",
    )
    .json_body(
        json!({ "role_id": "role_2member", "directory_group_id": "grp_sales", "precedence": 3 }),
    )
    .respond(
        200,
        &group_mapping("directory_group_role_mapping", "dgrm_2b"),
    )
    .create_async()
    .await;
    let replace = expect(
        &mut server,
        "PUT",
        "/v1/directories/dir_2abc/group_role_mappings",
    )
    .json_body(json!({ "mappings": [{ "role_id": "role_2admin", "directory_group_id": "grp_engineering" }] }))
    .respond(
        200,
        &json!({ "data": [group_mapping("directory_group_role_mapping", "dgrm_2c")], "total_count": 1 }),
    )
    .create_async()
    .await;
    let delete_mapping = expect(
        &mut server,
        "DELETE",
        "/v1/directories/dir_2abc/group_role_mappings/dgrm_2c",
    )
    .no_body()
    .respond(200, &deleted("directory_group_role_mapping", "dgrm_2c"))
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/directories/dir_2abc")
        .no_body()
        .respond(200, &deleted("directory", "dir_2abc"))
        .create_async()
        .await;

    let api = clerk.directories();
    let page = api.list().offset(0).await.unwrap();
    assert_eq!(
        page.data[0].endpoint_url,
        "https://api.clerk.com/scim/v2/dir_2abc"
    );
    let mut m = CreateDirectoryGroupRoleMappingsItem::new("role_2member");
    m.directory_group_id = Some("grp_engineering".into());
    api.create("ec_2abc")
        .provider("okta")
        .group_role_mappings(vec![m])
        .await
        .unwrap();
    api.get("dir_2abc").await.unwrap();
    api.update("dir_2abc")
        .name("Okta")
        .group_role_mapping_enabled(false)
        .await
        .unwrap();
    api.rotate_api_key("dir_2abc").await.unwrap();
    let page = api.group_role_mappings("dir_2abc").await.unwrap();
    assert_eq!(page.data[0].directory_group_id, "grp_engineering");
    api.create_group_role_mapping("dir_2abc")
        .role_id("role_2member")
        .directory_group_id("grp_sales")
        .precedence(3)
        .await
        .unwrap();
    let mut item = GroupRoleMappingInput::new("role_2admin");
    item.directory_group_id = Some("grp_engineering".into());
    api.replace_group_role_mappings("dir_2abc", vec![item])
        .await
        .unwrap();
    assert!(
        api.delete_group_role_mapping("dir_2abc")
            .mapping_id("dgrm_2c")
            .await
            .unwrap()
            .deleted
    );
    assert!(api.delete("dir_2abc").await.unwrap().deleted);
    for mock in [
        list,
        create,
        get,
        update,
        rotate,
        mappings,
        create_mapping,
        replace,
        delete_mapping,
        delete,
    ] {
        mock.assert_async().await;
    }
}
