//! Wire-level tests of `organizations` and its nested handles (`memberships`, `invitations`,
//! `domains`), plus `roles`, `permissions` and `role_sets`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::models::{InvitationStatus, OrganizationDomainEnrollmentMode, RoleSetType};
use clerk_api::organizations::{CreateOrganizationInvitationBulkItem, EnrollmentModeFilter};
use clerk_api::role_sets::UpdateRoleSetType;
use clerk_api::{FilePart, InvalidRequestKind};
use common::*;
use futures_util::StreamExt;
use mockito::Matcher;
use serde_json::{Value, json};

fn domain(id: &str, mode: &str) -> Value {
    json!({
        "object": "organization_domain",
        "id": id,
        "organization_id": "org_2acme",
        "name": "acme.com",
        "enrollment_mode": mode,
        "affiliation_email_address": null,
        "verification": {
            "status": "verified",
            "strategy": "email_code",
            "attempts": 1,
            "expire_at": T1,
            "verified_at": T0
        },
        "total_pending_invitations": 2,
        "total_pending_suggestions": 0,
        "created_at": T0,
        "updated_at": T1
    })
}

fn permission(id: &str, key: &str) -> Value {
    json!({
        "object": "permission",
        "id": id,
        "name": "Manage billing",
        "key": key,
        "description": "Can manage the organization's billing",
        "type": "user",
        "created_at": T0,
        "updated_at": T0
    })
}

fn role(id: &str, key: &str) -> Value {
    json!({
        "object": "role",
        "id": id,
        "name": "Billing manager",
        "key": key,
        "description": null,
        "is_creator_eligible": false,
        "permissions": [permission("perm_2bill", "org:billing:manage")],
        "created_at": T0,
        "updated_at": T1
    })
}

fn role_set_item(id: &str, key: &str) -> Value {
    json!({
        "object": "role",
        "id": id,
        "name": key.trim_start_matches("org:"),
        "key": key,
        "description": null,
        "members_count": 4,
        "has_members": true,
        "created_at": T0,
        "updated_at": T0
    })
}

fn role_set(id: &str, key: &str) -> Value {
    json!({
        "object": "role_set",
        "id": id,
        "name": "Default",
        "key": key,
        "description": "The default role set",
        "roles": [role_set_item("role_2admin", "org:admin"), role_set_item("role_2member", "org:member")],
        "default_role": role_set_item("role_2member", "org:member"),
        "creator_role": role_set_item("role_2admin", "org:admin"),
        "type": "custom",
        "role_set_migration": null,
        "created_at": T0,
        "updated_at": T1
    })
}

// ---------------------------------------------------------------------------------------------
// organizations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_organizations_with_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/organizations")
        .match_query(raw_query(
            "include_members_count=true&query=acme&user_id=user_2a&user_id=user_2b\
             &order_by=-members_count&limit=10&offset=20",
        ))
        .no_body()
        .respond(
            200,
            &json!({
                "data": [organization("org_2acme", "acme"), organization("org_2beta", "beta")],
                "total_count": 22
            }),
        )
        .create_async()
        .await;

    let page = clerk
        .organizations()
        .list()
        .include_members_count(true)
        .query("acme")
        .user_id(["user_2a", "user_2b"])
        .order_by("-members_count")
        .limit(10)
        .offset(20)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(22));
    assert_eq!(page.data[1].slug, "beta");
    assert_eq!(page.data[0].members_count, Some(3));
    assert_eq!(page.data[0].public_metadata, json!({ "tier": "gold" }));
}

#[tokio::test]
async fn create_organization_with_body() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/organizations")
        .json_body(json!({
            "name": "Acme Inc",
            "created_by": "user_2ada",
            "slug": "acme",
            "public_metadata": { "tier": "gold" },
            "max_allowed_memberships": null
        }))
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;

    let org = clerk
        .organizations()
        .create("Acme Inc")
        .created_by("user_2ada")
        .slug("acme")
        .public_metadata(json!({ "tier": "gold" }))
        .clear_max_allowed_memberships()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(org.id, "org_2acme");
    assert_eq!(org.name, "Acme Inc");
    assert_eq!(org.created_by.as_deref(), Some("user_2ada"));
    assert_eq!(org.max_allowed_memberships, 5);
}

#[tokio::test]
async fn get_organization_with_query_flags() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/organizations/acme")
        .query(&[
            ("include_members_count", "true"),
            ("include_missing_member_with_elevated_permissions", "false"),
        ])
        .no_body()
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;

    let org = clerk
        .organizations()
        .get("acme")
        .include_members_count(true)
        .include_missing_member_with_elevated_permissions(false)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(org.slug, "acme");
    assert_eq!(org.role_set_key.as_deref(), Some("role_set:default"));
}

#[tokio::test]
async fn update_organization_clears_fields() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "PATCH", "/v1/organizations/org_2acme")
        .json_body(json!({
            "name": "Acme Corp",
            "max_allowed_memberships": null,
            "admin_delete_enabled": false
        }))
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;

    clerk
        .organizations()
        .update("org_2acme")
        .name("Acme Corp")
        .clear_max_allowed_memberships()
        .admin_delete_enabled(false)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn delete_organization_returns_deleted_object_with_slug() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "DELETE", "/v1/organizations/org_2acme")
        .no_body()
        .respond(
            200,
            &json!({ "object": "organization", "id": "org_2acme", "slug": "acme", "deleted": true }),
        )
        .create_async()
        .await;

    let gone = clerk.organizations().delete("org_2acme").await.unwrap();
    mock.assert_async().await;
    assert_eq!(gone.object, "organization");
    assert_eq!(gone.slug.as_deref(), Some("acme"));
    assert!(gone.deleted);
}

#[tokio::test]
async fn organization_metadata_merge_and_replace() {
    let (mut server, clerk) = setup().await;
    let merge = expect(&mut server, "PATCH", "/v1/organizations/org_2acme/metadata")
        .json_body(json!({ "public_metadata": { "tier": "platinum" } }))
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;
    let replace = expect(&mut server, "PUT", "/v1/organizations/org_2acme/metadata")
        .json_body(json!({ "public_metadata": {}, "private_metadata": { "crm": "42" } }))
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;

    clerk
        .organizations()
        .merge_metadata("org_2acme")
        .public_metadata(json!({ "tier": "platinum" }))
        .await
        .unwrap();
    clerk
        .organizations()
        .replace_metadata("org_2acme")
        .public_metadata(json!({}))
        .private_metadata(json!({ "crm": "42" }))
        .await
        .unwrap();
    merge.assert_async().await;
    replace.assert_async().await;
}

#[tokio::test]
async fn upload_logo_sends_multipart_with_uploader() {
    let (mut server, clerk) = setup().await;
    let mut body = organization("org_2acme", "acme");
    body["has_image"] = json!(true);
    body["logo_url"] = json!("https://images.clerk.dev/uploaded/img_2logo.png");
    let mock = expect(&mut server, "PUT", "/v1/organizations/org_2acme/logo")
        .match_header(
            "content-type",
            Matcher::Regex("^multipart/form-data; boundary=".into()),
        )
        .match_request(|req| {
            let body = req.body().unwrap();
            let contains = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
            contains(b"Content-Disposition: form-data; name=\"uploader_user_id\"\r\n\r\nuser_2ada\r\n")
                && contains(b"Content-Disposition: form-data; name=\"file\"; filename=\"logo.svg\"")
                && contains(b"Content-Type: image/svg+xml\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        })
        .respond(200, &body)
        .create_async()
        .await;

    let org = clerk
        .organizations()
        .upload_logo(
            "org_2acme",
            FilePart::new(&b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"[..])
                .file_name("logo.svg")
                .content_type("image/svg+xml"),
        )
        .uploader_user_id("user_2ada")
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(org.has_image);
    assert_eq!(
        org.logo_url.as_deref(),
        Some("https://images.clerk.dev/uploaded/img_2logo.png")
    );
    assert_eq!(
        org.image_url,
        "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9"
    );
}

#[tokio::test]
async fn delete_logo() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "DELETE", "/v1/organizations/org_2acme/logo")
        .no_body()
        .respond(200, &organization("org_2acme", "acme"))
        .create_async()
        .await;
    let org = clerk
        .organizations()
        .delete_logo("org_2acme")
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(!org.has_image);
}

#[tokio::test]
async fn get_missing_organization_is_not_found() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/organizations/org_2gone")
        .no_body()
        .respond_error(404, "resource_not_found", "trace_org_404")
        .create_async()
        .await;
    let err = clerk.organizations().get("org_2gone").await.unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "trace_org_404");
}

// ---------------------------------------------------------------------------------------------
// memberships
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_membership() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/memberships",
    )
    .json_body(json!({
        "user_id": "user_2ada",
        "role": "org:admin",
        "public_metadata": { "team": "core" },
        "private_metadata": null
    }))
    .respond(
        200,
        &membership("orgmem_2a", "org_2acme", "user_2ada", "org:admin"),
    )
    .create_async()
    .await;

    let m = clerk
        .organizations()
        .memberships()
        .create("org_2acme")
        .user_id("user_2ada")
        .role("org:admin")
        .public_metadata(json!({ "team": "core" }))
        .clear_private_metadata()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(m.id, "orgmem_2a");
    assert_eq!(m.role, "org:admin");
    assert_eq!(m.role_name.as_deref(), Some("Admin"));
    assert_eq!(m.organization.slug, "acme");
    let user = m.public_user_data.unwrap();
    assert_eq!(user.user_id, "user_2ada");
    assert_eq!(user.identifier.as_deref(), Some("ada@example.com"));
    assert_eq!(m.permissions.len(), 2);
}

#[tokio::test]
async fn list_memberships_with_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/memberships",
    )
    .match_query(raw_query(
        "order_by=-created_at&user_id=user_2a&role=org%3Aadmin&role=org%3Amember\
             &email_address_query=example.com&limit=2&offset=0",
    ))
    .no_body()
    .respond(
        200,
        &json!({
            "data": [
                membership("orgmem_2a", "org_2acme", "user_2a", "org:admin"),
                membership("orgmem_2b", "org_2acme", "user_2a", "org:member"),
            ],
            "total_count": 9
        }),
    )
    .create_async()
    .await;

    let page = clerk
        .organizations()
        .memberships()
        .list("org_2acme")
        .order_by("-created_at")
        .user_id(["user_2a"])
        .role(["org:admin", "org:member"])
        .email_address_query("example.com")
        .limit(2)
        .offset(0)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(9));
    assert_eq!(page.data[1].role, "org:member");
}

#[tokio::test]
async fn membership_stream_stops_at_total_count() {
    let (mut server, clerk) = setup().await;
    let all: Vec<Value> = (0..3)
        .map(|i| membership(&format!("orgmem_{i}"), "org_2acme", "user_2a", "org:member"))
        .collect();
    let first = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/memberships",
    )
    .query(&[("limit", "2"), ("offset", "0")])
    .no_body()
    .respond(200, &json!({ "data": all[0..2], "total_count": 3 }))
    .create_async()
    .await;
    let second = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/memberships",
    )
    .query(&[("limit", "2"), ("offset", "2")])
    .no_body()
    .respond(200, &json!({ "data": all[2..3], "total_count": 3 }))
    .create_async()
    .await;

    let ids: Vec<String> = clerk
        .organizations()
        .memberships()
        .list("org_2acme")
        .limit(2)
        .into_stream()
        .map(|m| m.unwrap().id)
        .collect()
        .await;
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(ids, ["orgmem_0", "orgmem_1", "orgmem_2"]);
}

#[tokio::test]
async fn update_delete_and_merge_membership_metadata() {
    let (mut server, clerk) = setup().await;
    let update = expect(
        &mut server,
        "PATCH",
        "/v1/organizations/org_2acme/memberships/user_2ada",
    )
    .json_body(json!({ "role": "org:member" }))
    .respond(
        200,
        &membership("orgmem_2a", "org_2acme", "user_2ada", "org:member"),
    )
    .create_async()
    .await;
    let metadata = expect(
        &mut server,
        "PATCH",
        "/v1/organizations/org_2acme/memberships/user_2ada/metadata",
    )
    .json_body(json!({ "private_metadata": { "cost_center": 7 } }))
    .respond(
        200,
        &membership("orgmem_2a", "org_2acme", "user_2ada", "org:member"),
    )
    .create_async()
    .await;
    let delete = expect(
        &mut server,
        "DELETE",
        "/v1/organizations/org_2acme/memberships/user_2ada",
    )
    .no_body()
    .respond(
        200,
        &membership("orgmem_2a", "org_2acme", "user_2ada", "org:member"),
    )
    .create_async()
    .await;

    let memberships = clerk.organizations().memberships();
    let m = memberships
        .update("org_2acme")
        .user_id("user_2ada")
        .role("org:member")
        .await
        .unwrap();
    assert_eq!(m.role, "org:member");
    memberships
        .merge_metadata("org_2acme")
        .user_id("user_2ada")
        .private_metadata(json!({ "cost_center": 7 }))
        .await
        .unwrap();
    let m = memberships
        .delete("org_2acme")
        .user_id("user_2ada")
        .await
        .unwrap();
    assert_eq!(m.id, "orgmem_2a");
    update.assert_async().await;
    metadata.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn list_all_memberships_of_the_instance() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/organization_memberships")
        .query(&[("order_by", "+created_at"), ("limit", "5")])
        .no_body()
        .respond(
            200,
            &json!({
                "data": [membership("orgmem_2a", "org_2acme", "user_2ada", "org:admin")],
                "total_count": 1
            }),
        )
        .create_async()
        .await;
    let page = clerk
        .organizations()
        .memberships()
        .list_all()
        .order_by("+created_at")
        .limit(5)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.data[0].organization.id, "org_2acme");
}

// ---------------------------------------------------------------------------------------------
// organization invitations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_organization_invitation() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/invitations",
    )
    .json_body(json!({
        "email_address": "bob@example.com",
        "role": "org:member",
        "inviter_user_id": "user_2ada",
        "redirect_url": "https://app.example.com/welcome",
        "expires_in_days": null,
        "notify": false
    }))
    .respond(200, &org_invitation("orginv_2bob", "org_2acme", "pending"))
    .create_async()
    .await;

    let inv = clerk
        .organizations()
        .invitations()
        .create("org_2acme")
        .email_address("bob@example.com")
        .role("org:member")
        .inviter_user_id("user_2ada")
        .redirect_url("https://app.example.com/welcome")
        .clear_expires_in_days()
        .notify(false)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(inv.id, "orginv_2bob");
    assert_eq!(inv.status.as_deref(), Some("pending"));
    assert_eq!(inv.role_name, "Member");
    assert_eq!(
        inv.public_inviter_data.unwrap().identifier,
        "ada@example.com"
    );
}

#[tokio::test]
async fn create_organization_invitations_in_bulk() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/invitations/bulk",
    )
    .json_body(json!([
        { "email_address": "bob@example.com", "role": "org:member" },
        { "email_address": "eve@example.com", "role": "org:admin", "inviter_user_id": "user_2ada", "notify": null }
    ]))
    .respond(
        200,
        &json!([
            org_invitation("orginv_2bob", "org_2acme", "pending"),
            org_invitation("orginv_2eve", "org_2acme", "pending")
        ]),
    )
    .create_async()
    .await;

    // One positional string: the e-mail address; the role is a named setter.
    let eve = CreateOrganizationInvitationBulkItem::new("eve@example.com")
        .role("org:admin")
        .inviter_user_id("user_2ada")
        .clear_notify();
    let page = clerk
        .organizations()
        .invitations()
        .create_bulk(
            "org_2acme",
            vec![
                CreateOrganizationInvitationBulkItem::new("bob@example.com").role("org:member"),
                eve,
            ],
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, None);
    let ids: Vec<_> = page.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["orginv_2bob", "orginv_2eve"]);
}

#[tokio::test]
async fn a_bulk_invitation_without_its_role_fails_before_sending() {
    let (mut server, clerk) = setup().await;
    let never = server
        .mock("POST", mockito::Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let error = clerk
        .organizations()
        .invitations()
        .create_bulk(
            "org_2acme",
            vec![
                CreateOrganizationInvitationBulkItem::new("bob@example.com").role("org:member"),
                CreateOrganizationInvitationBulkItem::new("eve@example.com"),
            ],
        )
        .await
        .unwrap_err();
    never.assert_async().await;
    let clerk_api::Error::InvalidRequest(invalid) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        invalid.kind(),
        &InvalidRequestKind::MissingParam {
            name: "role".to_owned()
        }
    );
    assert!(error.to_string().contains("`role` is required"), "{error}");
}

#[tokio::test]
async fn list_get_pending_and_revoke_organization_invitations() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/organizations/org_2acme/invitations")
        .query(&[
            ("status", "accepted"),
            ("email_address", "bob@example.com"),
            ("limit", "10"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [org_invitation("orginv_2bob", "org_2acme", "accepted")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let pending = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/invitations/pending",
    )
    .query(&[("offset", "5")])
    .no_body()
    .respond(200, &json!({ "data": [], "total_count": 5 }))
    .create_async()
    .await;
    let get = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/invitations/orginv_2bob",
    )
    .no_body()
    .respond(200, &org_invitation("orginv_2bob", "org_2acme", "pending"))
    .create_async()
    .await;
    let revoke = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/invitations/orginv_2bob/revoke",
    )
    .json_body(json!({ "requesting_user_id": "user_2ada" }))
    .respond(200, &org_invitation("orginv_2bob", "org_2acme", "revoked"))
    .create_async()
    .await;

    let invitations = clerk.organizations().invitations();
    let page = invitations
        .list("org_2acme")
        .status([InvitationStatus::Accepted])
        .email_address("bob@example.com")
        .limit(10)
        .await
        .unwrap();
    assert_eq!(page.data[0].status.as_deref(), Some("accepted"));
    let page = invitations
        .list_pending("org_2acme")
        .offset(5)
        .await
        .unwrap();
    assert!(page.is_empty());
    assert_eq!(page.total_count, Some(5));
    let inv = invitations
        .get("org_2acme")
        .invitation_id("orginv_2bob")
        .await
        .unwrap();
    assert_eq!(inv.organization_id.as_deref(), Some("org_2acme"));
    let inv = invitations
        .revoke("org_2acme")
        .invitation_id("orginv_2bob")
        .requesting_user_id("user_2ada")
        .await
        .unwrap();
    assert_eq!(inv.status.as_deref(), Some("revoked"));
    list.assert_async().await;
    pending.assert_async().await;
    get.assert_async().await;
    revoke.assert_async().await;
}

/// The organization-invitation lists filter by several statuses at once, sent as repeated keys
/// (`status=pending&status=accepted`), like every array query parameter.
#[tokio::test]
async fn organization_invitations_filter_by_several_statuses() {
    let (mut server, clerk) = setup().await;
    let list = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/invitations",
    )
    .match_query(raw_query("status=pending&status=accepted&limit=10"))
    .no_body()
    .respond(
        200,
        &json!({
            "data": [
                org_invitation("orginv_2bob", "org_2acme", "pending"),
                org_invitation("orginv_2eve", "org_2acme", "accepted")
            ],
            "total_count": 2
        }),
    )
    .create_async()
    .await;
    let list_all = expect(&mut server, "GET", "/v1/organization_invitations")
        .match_query(raw_query("status=revoked&status=expired"))
        .no_body()
        .respond(200, &json!({ "data": [], "total_count": 0 }))
        .create_async()
        .await;

    let invitations = clerk.organizations().invitations();
    let page = invitations
        .list("org_2acme")
        .status([InvitationStatus::Pending, InvitationStatus::Accepted])
        .limit(10)
        .await
        .unwrap();
    list.assert_async().await;
    let statuses: Vec<_> = page.iter().map(|i| i.status.as_deref()).collect();
    assert_eq!(statuses, [Some("pending"), Some("accepted")]);
    let page = invitations
        .list_all()
        .status([InvitationStatus::Revoked, InvitationStatus::Expired])
        .await
        .unwrap();
    list_all.assert_async().await;
    assert_eq!(page.total_count, Some(0));
}

#[tokio::test]
async fn list_all_organization_invitations_of_the_instance() {
    let (mut server, clerk) = setup().await;
    let mut inv = org_invitation("orginv_2bob", "org_2acme", "pending");
    inv["public_organization_data"] = json!({
        "id": "org_2acme", "name": "Acme Inc", "slug": "acme",
        "image_url": "https://img.clerk.com/x", "has_image": true
    });
    let mock = expect(&mut server, "GET", "/v1/organization_invitations")
        .query(&[
            ("status", "pending"),
            ("query", "bob"),
            ("order_by", "-created_at"),
        ])
        .no_body()
        .respond(200, &json!({ "data": [inv], "total_count": 1 }))
        .create_async()
        .await;
    let page = clerk
        .organizations()
        .invitations()
        .list_all()
        .status([InvitationStatus::Pending])
        .query("bob")
        .order_by("-created_at")
        .await
        .unwrap();
    mock.assert_async().await;
    let org = page.data[0].public_organization_data.as_ref().unwrap();
    assert_eq!(org.name, "Acme Inc");
    assert!(org.has_image);
}

// ---------------------------------------------------------------------------------------------
// organization domains
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn create_and_list_organization_domains() {
    let (mut server, clerk) = setup().await;
    let create = expect(&mut server, "POST", "/v1/organizations/org_2acme/domains")
        .json_body(json!({
            "name": "acme.com",
            "enrollment_mode": "automatic_invitation",
            "verified": true
        }))
        .respond(200, &domain("orgdmn_2acme", "automatic_invitation"))
        .create_async()
        .await;
    let list = expect(&mut server, "GET", "/v1/organizations/org_2acme/domains")
        .query(&[
            ("verified", "true"),
            ("enrollment_mode", "-enterprise_sso"),
            ("limit", "20"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [domain("orgdmn_2acme", "automatic_invitation")], "total_count": 1 }),
        )
        .create_async()
        .await;

    let d = clerk
        .organizations()
        .domains()
        .create("org_2acme")
        .name("acme.com")
        .enrollment_mode("automatic_invitation")
        .verified(true)
        .await
        .unwrap();
    assert_eq!(d.id, "orgdmn_2acme");
    assert_eq!(
        d.enrollment_mode,
        OrganizationDomainEnrollmentMode::AutomaticInvitation
    );
    assert_eq!(d.verification.as_ref().unwrap().status, "verified");
    assert_eq!(d.total_pending_invitations, 2);

    let page = clerk
        .organizations()
        .domains()
        .list("org_2acme")
        .verified(true)
        .enrollment_mode("-enterprise_sso")
        .limit(20)
        .await
        .unwrap();
    assert_eq!(page.data[0].name, "acme.com");
    create.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn update_verify_and_delete_organization_domain() {
    let (mut server, clerk) = setup().await;
    let update = expect(
        &mut server,
        "PATCH",
        "/v1/organizations/org_2acme/domains/orgdmn_2acme",
    )
    .json_body(json!({ "enrollment_mode": null, "verified": false }))
    .respond(200, &domain("orgdmn_2acme", "manual_invitation"))
    .create_async()
    .await;
    let verify = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/domains/orgdmn_2acme/verify_ownership",
    )
    .no_body()
    .respond(200, &domain("orgdmn_2acme", "enterprise_sso"))
    .create_async()
    .await;
    let delete = expect(
        &mut server,
        "DELETE",
        "/v1/organizations/org_2acme/domains/orgdmn_2acme",
    )
    .no_body()
    .respond(200, &deleted("organization_domain", "orgdmn_2acme"))
    .create_async()
    .await;

    let domains = clerk.organizations().domains();
    let d = domains
        .update("org_2acme")
        .domain_id("orgdmn_2acme")
        .clear_enrollment_mode()
        .verified(false)
        .await
        .unwrap();
    assert_eq!(
        d.enrollment_mode,
        OrganizationDomainEnrollmentMode::ManualInvitation
    );
    let d = domains
        .verify_ownership("org_2acme")
        .domain_id("orgdmn_2acme")
        .await
        .unwrap();
    assert_eq!(
        d.enrollment_mode,
        OrganizationDomainEnrollmentMode::EnterpriseSso
    );
    let gone = domains
        .delete("org_2acme")
        .domain_id("orgdmn_2acme")
        .await
        .unwrap();
    assert_eq!(gone.object, "organization_domain");
    assert!(gone.deleted);
    update.assert_async().await;
    verify.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn list_all_organization_domains_with_enum_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/organization_domains")
        .match_query(raw_query(
            "organization_id=org_2acme&verified=false\
             &enrollment_mode=automatic_invitation&enrollment_mode=-enterprise_sso\
             &domains=acme.com&domains=acme.io&limit=50",
        ))
        .no_body()
        .respond(
            200,
            &json!({ "data": [domain("orgdmn_2acme", "brand_new_mode")], "total_count": 1 }),
        )
        .create_async()
        .await;

    let page = clerk
        .organizations()
        .domains()
        .list_all()
        .organization_id("org_2acme")
        .verified(false)
        .enrollment_mode(vec![
            EnrollmentModeFilter::AutomaticInvitation,
            EnrollmentModeFilter::EnterpriseSsoDesc,
        ])
        .domains(["acme.com", "acme.io"])
        .limit(50)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        page.data[0].enrollment_mode,
        OrganizationDomainEnrollmentMode::Unknown("brand_new_mode".into())
    );
}

// ---------------------------------------------------------------------------------------------
// roles, permissions, role sets
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn roles_crud_and_permission_assignment() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/organization_roles")
        .query(&[("query", "bill"), ("order_by", "name"), ("limit", "10")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [role("role_2bill", "org:billing")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/organization_roles")
        .json_body(json!({
            "name": "Billing manager",
            "key": "org:billing",
            "description": null,
            "permissions": ["org:billing:manage"],
            "include_in_initial_role_set": true
        }))
        .respond(200, &role("role_2bill", "org:billing"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/organization_roles/role_2bill")
        .no_body()
        .respond(200, &role("role_2bill", "org:billing"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/organization_roles/role_2bill")
        .json_body(json!({ "name": "Billing", "permissions": null }))
        .respond(200, &role("role_2bill", "org:billing"))
        .create_async()
        .await;
    let assign = expect(
        &mut server,
        "POST",
        "/v1/organization_roles/role_2bill/permissions/perm_2bill",
    )
    .no_body()
    .respond(200, &role("role_2bill", "org:billing"))
    .create_async()
    .await;
    let remove = expect(
        &mut server,
        "DELETE",
        "/v1/organization_roles/role_2bill/permissions/perm_2bill",
    )
    .no_body()
    .respond(200, &role("role_2bill", "org:billing"))
    .create_async()
    .await;
    let delete = expect(&mut server, "DELETE", "/v1/organization_roles/role_2bill")
        .no_body()
        .respond(200, &deleted("role", "role_2bill"))
        .create_async()
        .await;

    let roles = clerk.roles();
    let page = roles
        .list()
        .query("bill")
        .order_by("name")
        .limit(10)
        .await
        .unwrap();
    assert_eq!(page.data[0].permissions[0].key, "org:billing:manage");
    assert_eq!(page.data[0].permissions[0].type_, "user");
    let r = roles
        .create("Billing manager")
        .key("org:billing")
        .clear_description()
        .permissions(["org:billing:manage"])
        .include_in_initial_role_set(true)
        .await
        .unwrap();
    assert_eq!(r.key, "org:billing");
    assert_eq!(r.description, None);
    assert_eq!(r.is_creator_eligible, Some(false));
    roles.get("role_2bill").await.unwrap();
    roles
        .update("role_2bill")
        .name("Billing")
        .clear_permissions()
        .await
        .unwrap();
    roles
        .assign_permission("role_2bill")
        .permission_id("perm_2bill")
        .await
        .unwrap();
    roles
        .remove_permission("role_2bill")
        .permission_id("perm_2bill")
        .await
        .unwrap();
    assert!(roles.delete("role_2bill").await.unwrap().deleted);
    for m in [list, create, get, update, assign, remove, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn permissions_crud() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/organization_permissions")
        .query(&[("query", "billing"), ("offset", "10")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [permission("perm_2bill", "org:billing:manage")], "total_count": 11 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/organization_permissions")
        .json_body(json!({
            "name": "Manage billing",
            "key": "org:billing:manage",
            "description": "Can manage the organization's billing"
        }))
        .respond(200, &permission("perm_2bill", "org:billing:manage"))
        .create_async()
        .await;
    let get = expect(
        &mut server,
        "GET",
        "/v1/organization_permissions/perm_2bill",
    )
    .no_body()
    .respond(200, &permission("perm_2bill", "org:billing:manage"))
    .create_async()
    .await;
    let update = expect(
        &mut server,
        "PATCH",
        "/v1/organization_permissions/perm_2bill",
    )
    .json_body(json!({ "key": "org:billing:admin" }))
    .respond(200, &permission("perm_2bill", "org:billing:admin"))
    .create_async()
    .await;
    let delete = expect(
        &mut server,
        "DELETE",
        "/v1/organization_permissions/perm_2bill",
    )
    .no_body()
    .respond(200, &deleted("permission", "perm_2bill"))
    .create_async()
    .await;

    let perms = clerk.permissions();
    let page = perms.list().query("billing").offset(10).await.unwrap();
    assert_eq!(page.total_count, Some(11));
    let p = perms
        .create("Manage billing")
        .key("org:billing:manage")
        .description("Can manage the organization's billing")
        .await
        .unwrap();
    assert_eq!(p.description, "Can manage the organization's billing");
    perms.get("perm_2bill").await.unwrap();
    let p = perms
        .update("perm_2bill")
        .key("org:billing:admin")
        .await
        .unwrap();
    assert_eq!(p.key, "org:billing:admin");
    assert_eq!(
        perms.delete("perm_2bill").await.unwrap().id.as_deref(),
        Some("perm_2bill")
    );
    for m in [list, create, get, update, delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn role_sets_operations() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/role_sets")
        .query(&[("limit", "5")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [role_set("rs_2def", "role_set:default")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/role_sets")
        .json_body(json!({
            "name": "Support",
            "key": "role_set:support",
            "default_role_key": "org:member",
            "creator_role_key": "org:admin",
            "type": "custom",
            "roles": ["org:admin", "org:member"]
        }))
        .respond(200, &role_set("rs_2sup", "role_set:support"))
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/role_sets/role_set%3Asupport")
        .no_body()
        .respond(200, &role_set("rs_2sup", "role_set:support"))
        .create_async()
        .await;
    let update = expect(&mut server, "PATCH", "/v1/role_sets/rs_2sup")
        .json_body(json!({ "description": null, "type": "initial" }))
        .respond(200, &role_set("rs_2sup", "role_set:support"))
        .create_async()
        .await;
    let replace = expect(&mut server, "POST", "/v1/role_sets/rs_2sup/replace")
        .json_body(json!({
            "dest_role_set_key": "role_set:default",
            "reassignment_mappings": { "org:support": "org:member" }
        }))
        .respond(200, &deleted("role_set", "rs_2sup"))
        .create_async()
        .await;
    let add = expect(&mut server, "POST", "/v1/role_sets/rs_2def/roles")
        .json_body(json!({ "role_keys": ["org:billing"], "default_role_key": "org:billing" }))
        .respond(200, &role_set("rs_2def", "role_set:default"))
        .create_async()
        .await;
    let replace_role = expect(&mut server, "POST", "/v1/role_sets/rs_2def/roles/replace")
        .json_body(json!({ "role_key": "org:billing", "to_role_key": "org:member" }))
        .respond(200, &role_set("rs_2def", "role_set:default"))
        .create_async()
        .await;

    let sets = clerk.role_sets();
    let page = sets.list().limit(5).await.unwrap();
    let set = &page.data[0];
    assert_eq!(set.type_, RoleSetType::Custom);
    assert_eq!(set.roles.len(), 2);
    assert_eq!(set.default_role.as_ref().unwrap().key, "org:member");
    assert_eq!(set.creator_role.as_ref().unwrap().members_count, Some(4));
    sets.create("Support")
        .default_role_key("org:member")
        .creator_role_key("org:admin")
        .roles(["org:admin", "org:member"])
        .key("role_set:support")
        .type_(RoleSetType::Custom)
        .await
        .unwrap();
    sets.get("role_set:support").await.unwrap();
    sets.update("rs_2sup")
        .clear_description()
        .type_(UpdateRoleSetType::Initial)
        .await
        .unwrap();
    let gone = sets
        .replace("rs_2sup")
        .dest_role_set_key("role_set:default")
        .reassignment_mappings(
            [("org:support".to_owned(), "org:member".to_owned())]
                .into_iter()
                .collect(),
        )
        .await
        .unwrap();
    assert!(gone.deleted);
    sets.add_roles("rs_2def")
        .role_keys(["org:billing"])
        .default_role_key("org:billing")
        .await
        .unwrap();
    sets.replace_role("rs_2def")
        .role_key("org:billing")
        .to_role_key("org:member")
        .await
        .unwrap();
    for m in [list, create, get, update, replace, add, replace_role] {
        m.assert_async().await;
    }
}

/// Only the first string of an operation is positional; every other required value has a named
/// setter, and forgetting one is an `InvalidRequest` naming it, raised before any I/O.
#[tokio::test]
async fn a_missing_named_required_value_fails_before_any_io() {
    let (mut server, clerk) = setup().await;
    let mut untouched = Vec::new();
    for method in ["POST", "DELETE"] {
        untouched.push(
            server
                .mock(method, Matcher::Any)
                .expect(0)
                .create_async()
                .await,
        );
    }
    let members = clerk.organizations().memberships();

    // The body's `role` is required: without it nothing is sent.
    let err = members
        .create("org_2acme")
        .user_id("user_2ada")
        .await
        .unwrap_err();
    assert_invalid_request(&err);
    let clerk_api::Error::InvalidRequest(invalid) = &err else {
        unreachable!()
    };
    assert_eq!(
        invalid.kind(),
        &InvalidRequestKind::MissingParam {
            name: "role".to_owned()
        }
    );
    assert_eq!(
        invalid.path_template(),
        "/organizations/{organization_id}/memberships"
    );
    assert!(err.to_string().contains("`role` is required"), "{err}");

    // A named path parameter: the first one missing is reported.
    let err = members.create("org_2acme").await.unwrap_err();
    let clerk_api::Error::InvalidRequest(invalid) = &err else {
        panic!("expected an invalid request, got {err:?}")
    };
    assert_eq!(
        invalid.kind(),
        &InvalidRequestKind::MissingParam {
            name: "user_id".to_owned()
        }
    );
    let err = clerk
        .organizations()
        .domains()
        .delete("org_2acme")
        .await
        .unwrap_err();
    let clerk_api::Error::InvalidRequest(invalid) = &err else {
        panic!("expected an invalid request, got {err:?}")
    };
    assert_eq!(
        invalid.kind(),
        &InvalidRequestKind::MissingParam {
            name: "domain_id".to_owned()
        }
    );
    for mock in untouched {
        mock.assert_async().await;
    }
}
