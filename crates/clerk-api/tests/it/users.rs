//! Wire-level tests of the `users` handle (and the `with_total_count` / stream helpers on its
//! list builder) against a mockito server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::FilePart;
use clerk_api::models::{
    EmailAddressVerification, ExternalAccountVerification, ExternalAccountWithVerificationObject,
    IdentificationStatus, InvitationStatus, VerificationOtpStrategy, VerificationSamlStatus,
    VerificationStatus,
};
use clerk_api::users::VerifyTotpResponseCodeType;
use common::*;
use futures_util::StreamExt;
use mockito::Matcher;
use serde_json::json;

#[tokio::test]
async fn get_user_decodes_a_realistic_user() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/users/user_2adaLovelace")
        .no_body()
        .respond(200, &user("user_2adaLovelace"))
        .create_async()
        .await;

    let user = clerk.users().get("user_2adaLovelace").await.unwrap();
    mock.assert_async().await;

    assert_eq!(user.id, "user_2adaLovelace");
    assert_eq!(user.object, "user");
    assert_eq!(user.first_name.as_deref(), Some("Ada"));
    assert_eq!(user.username.as_deref(), Some("ada"));
    assert_eq!(user.external_id.as_deref(), Some("ext-42"));
    assert_eq!(user.primary_phone_number_id, None);
    assert!(user.has_image && user.password_enabled && !user.banned && !user.locked);
    assert_eq!(user.public_metadata, json!({ "plan": "pro" }));
    assert_eq!(
        user.private_metadata,
        Some(json!({ "stripe_id": "cus_123" }))
    );
    assert_eq!(user.last_sign_in_at, Some(T1.into()));
    assert_eq!(user.verification_attempts_remaining, Some(100));
    assert_eq!(user.created_at, T0);

    assert_eq!(user.email_addresses.len(), 1);
    let email = &user.email_addresses[0];
    assert_eq!(email.id.as_deref(), Some("idn_2ada0001"));
    assert_eq!(email.email_address, "ada@example.com");
    assert_eq!(email.linked_to[0].type_, "oauth_google");
    match email.verification.as_ref().unwrap() {
        EmailAddressVerification::VerificationOtp(otp) => {
            assert_eq!(otp.status, VerificationStatus::Verified);
            assert_eq!(otp.strategy, VerificationOtpStrategy::EmailCode);
            assert_eq!(otp.attempts, Some(1));
        }
        other => panic!("expected an OTP verification, got {other:?}"),
    }

    assert_eq!(user.external_accounts.len(), 1);
    let google = &user.external_accounts[0];
    assert_eq!(
        google.object,
        ExternalAccountWithVerificationObject::ExternalAccount
    );
    assert_eq!(google.provider, "oauth_google");
    assert_eq!(google.provider_user_id, "108234567890");
    match google.verification.as_ref().unwrap() {
        ExternalAccountVerification::VerificationOAuth(v) => {
            assert_eq!(v.status, VerificationSamlStatus::Verified);
            assert_eq!(v.strategy, "oauth_google");
        }
        other => panic!("expected an OAuth verification, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_enum_values_decode_to_unknown() {
    let (mut server, clerk) = setup().await;
    let mut body = user("user_2future");
    body["email_addresses"][0]["verification"]["status"] = json!("quarantined");
    body["email_addresses"][0]["verification"]["strategy"] = json!("carrier_pigeon_code");
    body["external_accounts"][0]["object"] = json!("tiktok_account");
    let mock = expect(&mut server, "GET", "/v1/users/user_2future")
        .no_body()
        .respond(200, &body)
        .create_async()
        .await;

    let user = clerk.users().get("user_2future").await.unwrap();
    mock.assert_async().await;

    match user.email_addresses[0].verification.as_ref().unwrap() {
        EmailAddressVerification::VerificationOtp(otp) => {
            assert_eq!(
                otp.status,
                VerificationStatus::Unknown("quarantined".into())
            );
            assert_eq!(
                otp.strategy,
                VerificationOtpStrategy::Unknown("carrier_pigeon_code".into())
            );
            assert_eq!(otp.status.as_str(), "quarantined");
        }
        other => panic!("expected an OTP verification, got {other:?}"),
    }
    assert_eq!(
        user.external_accounts[0].object,
        ExternalAccountWithVerificationObject::Unknown("tiktok_account".into())
    );
}

#[tokio::test]
async fn list_sends_repeated_keys_and_every_filter() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/users")
        .match_query(raw_query(
            "email_address=ada%40example.com&email_address=bob%40example.com\
             &organization_id=org_2acme&query=lovelace+ada&banned=false\
             &last_active_at_since=1717200000000&limit=50&offset=10&order_by=-created_at",
        ))
        .no_body()
        .respond(200, &users(0, 2))
        .create_async()
        .await;

    let page = clerk
        .users()
        .list()
        .email_address(["ada@example.com", "bob@example.com"])
        .organization_id(["org_2acme"])
        .query("lovelace ada")
        .banned(false)
        .last_active_at_since(T0)
        .limit(50)
        .offset(10)
        .order_by("-created_at")
        .send()
        .await
        .unwrap();
    mock.assert_async().await;

    // `GET /users` answers a bare array: no total count.
    assert_eq!(page.total_count, None);
    assert_eq!(page.len(), 2);
    assert_eq!(page.data[0].id, "user_0000");
    assert_eq!(page.data[1].id, "user_0001");
}

#[tokio::test]
async fn list_with_total_count_queries_users_and_count_with_the_same_filters() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/users")
        .match_query(raw_query(
            "email_address=ada%40example.com&email_address=bob%40example.com\
             &user_id=user_2a&user_id=user_2b&name_query=Ada&banned=true\
             &created_at_after=1717200000000&limit=2&offset=4&order_by=%2Bcreated_at",
        ))
        .no_body()
        .respond(200, &users(4, 2))
        .create_async()
        .await;
    // Same filters, without limit, offset and order_by.
    let count = expect(&mut server, "GET", "/v1/users/count")
        .match_query(raw_query(
            "email_address=ada%40example.com&email_address=bob%40example.com\
             &user_id=user_2a&user_id=user_2b&name_query=Ada&banned=true\
             &created_at_after=1717200000000",
        ))
        .no_body()
        .respond(200, &json!({ "object": "total_count", "total_count": 42 }))
        .create_async()
        .await;

    let result = clerk
        .users()
        .list()
        .email_address(["ada@example.com", "bob@example.com"])
        .user_id(["user_2a", "user_2b"])
        .name_query("Ada")
        .banned(true)
        .created_at_after(T0)
        .limit(2)
        .offset(4)
        .order_by("+created_at")
        .with_total_count()
        .await
        .unwrap();
    list.assert_async().await;
    count.assert_async().await;

    assert_eq!(result.total_count, 42);
    let ids: Vec<_> = result.data.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["user_0004", "user_0005"]);
}

#[tokio::test]
async fn with_total_count_reports_an_error_of_the_count_request() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/users")
        .no_body()
        .respond(200, &users(0, 1))
        .create_async()
        .await;
    let count = expect(&mut server, "GET", "/v1/users/count")
        .no_body()
        .respond_error(404, "resource_not_found", "trace_count")
        .create_async()
        .await;

    let err = clerk.users().list().with_total_count().await.unwrap_err();
    list.assert_async().await;
    count.assert_async().await;
    assert_not_found(&err, "trace_count");
}

#[tokio::test]
async fn count_decodes_total_count() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/users/count")
        .query(&[("query", "ada"), ("banned", "false")])
        .no_body()
        .respond(200, &json!({ "object": "total_count", "total_count": 7 }))
        .create_async()
        .await;

    let count = clerk
        .users()
        .count()
        .query("ada")
        .banned(false)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(count.object, "total_count");
    assert_eq!(count.total_count, 7);
}

#[tokio::test]
async fn stream_walks_three_pages_and_stops() {
    let (mut server, clerk) = setup().await;
    let mut pages = Vec::new();
    for (offset, n) in [(0usize, 100usize), (100, 100), (200, 37)] {
        let offset_text = offset.to_string();
        pages.push(
            expect(&mut server, "GET", "/v1/users")
                .query(&[
                    ("email_address", "ada@example.com"),
                    ("limit", "100"),
                    ("offset", offset_text.as_str()),
                ])
                .no_body()
                .respond(200, &users(offset, n))
                .create_async()
                .await,
        );
    }
    // Anything else (a fourth page, a repeated page) would land here.
    let stray = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;

    let items: Vec<_> = clerk
        .users()
        .list()
        .email_address(["ada@example.com"])
        .into_stream()
        .collect()
        .await;

    for page in &pages {
        page.assert_async().await;
    }
    stray.assert_async().await;
    assert_eq!(items.len(), 237);
    let ids: Vec<String> = items.into_iter().map(|u| u.unwrap().id).collect();
    assert_eq!(ids[0], "user_0000");
    assert_eq!(ids[100], "user_0100");
    assert_eq!(ids[236], "user_0236");
}

#[tokio::test]
async fn cursor_stream_follows_starting_after() {
    let (mut server, clerk) = setup().await;
    let first = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "2")])
        .no_body()
        .respond(200, &users(0, 2))
        .create_async()
        .await;
    let second = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "2"), ("starting_after", "user_0001")])
        .no_body()
        .respond(200, &users(2, 1))
        .create_async()
        .await;

    let items: Vec<_> = clerk
        .users()
        .list()
        .limit(2)
        .into_cursor_stream()
        .collect()
        .await;
    first.assert_async().await;
    second.assert_async().await;
    let ids: Vec<String> = items.into_iter().map(|u| u.unwrap().id).collect();
    assert_eq!(ids, ["user_0000", "user_0001", "user_0002"]);
}

#[tokio::test]
async fn create_sends_only_the_fields_set() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "POST", "/v1/users")
        .json_body(json!({
            "email_address": ["ada@example.com"],
            "first_name": "Ada",
            "last_name": "Lovelace",
            "password": "correct horse battery staple",
            "skip_password_checks": true,
            "public_metadata": { "plan": "pro" },
            "private_metadata": { "stripe_id": "cus_123" },
            "external_id": null,
            "create_organizations_limit": 3
        }))
        .respond(200, &user("user_2new"))
        .create_async()
        .await;

    let user = clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .first_name("Ada")
        .last_name("Lovelace")
        .password("correct horse battery staple")
        .skip_password_checks(true)
        .public_metadata(json!({ "plan": "pro" }))
        .private_metadata(json!({ "stripe_id": "cus_123" }))
        .clear_external_id()
        .create_organizations_limit(3)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(user.id, "user_2new");
}

#[tokio::test]
async fn update_clears_nullable_fields_with_null() {
    let (mut server, clerk) = setup().await;
    let mut updated = user("user_2ada");
    updated["username"] = json!(null);
    updated["external_id"] = json!(null);
    let mock = expect(&mut server, "PATCH", "/v1/users/user_2ada")
        .json_body(json!({
            "first_name": "Augusta",
            "username": null,
            "external_id": null,
            "create_organizations_limit": null,
            "backup_codes": ["a1b2c3", "d4e5f6"]
        }))
        .respond(200, &updated)
        .create_async()
        .await;

    let user = clerk
        .users()
        .update("user_2ada")
        .first_name("Augusta")
        .clear_username()
        .clear_external_id()
        .clear_create_organizations_limit()
        .backup_codes(["a1b2c3", "d4e5f6"])
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(user.username, None);
    assert_eq!(user.external_id, None);
}

#[tokio::test]
async fn delete_returns_a_deleted_object() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "DELETE", "/v1/users/user_2ada")
        .no_body()
        .respond(200, &deleted("user", "user_2ada"))
        .create_async()
        .await;

    let gone = clerk.users().delete("user_2ada").await.unwrap();
    mock.assert_async().await;
    assert_eq!(gone.object, "user");
    assert_eq!(gone.id.as_deref(), Some("user_2ada"));
    assert!(gone.deleted);
    assert_eq!(gone.slug, None);
}

#[tokio::test]
async fn set_profile_image_uploads_multipart() {
    let (mut server, clerk) = setup().await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-fake-image-bytes";
    let mock = expect(&mut server, "POST", "/v1/users/user_2ada/profile_image")
        .match_header(
            "content-type",
            Matcher::Regex("^multipart/form-data; boundary=[A-Za-z0-9_-]+$".into()),
        )
        .match_request(move |req| {
            let body = req.body().unwrap();
            let contains = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
            contains(b"Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"")
                && contains(b"Content-Type: image/png\r\n\r\n")
                && contains(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-fake-image-bytes")
                && !contains(b"uploader_user_id")
        })
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;

    let user = clerk
        .users()
        .set_profile_image(
            "user_2ada",
            FilePart::new(png.to_vec())
                .file_name("a.png")
                .content_type("image/png"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(user.id, "user_2ada");
}

#[tokio::test]
async fn delete_profile_image() {
    let (mut server, clerk) = setup().await;
    let mut body = user("user_2ada");
    body["has_image"] = json!(false);
    let mock = expect(&mut server, "DELETE", "/v1/users/user_2ada/profile_image")
        .no_body()
        .respond(200, &body)
        .create_async()
        .await;
    let user = clerk
        .users()
        .delete_profile_image("user_2ada")
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(!user.has_image);
}

#[tokio::test]
async fn get_unknown_user_is_a_not_found_error() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/users/user_2missing")
        .no_body()
        .respond_error(404, "resource_not_found", "a1b2c3d4e5f6")
        .create_async()
        .await;

    let err = clerk.users().get("user_2missing").await.unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "a1b2c3d4e5f6");
}

#[tokio::test]
async fn path_ids_are_percent_encoded() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/users/user%2F1%3Fx%3D1%23y")
        .no_body()
        .respond(200, &user("user/1?x=1#y"))
        .create_async()
        .await;

    let user = clerk.users().get("user/1?x=1#y").await.unwrap();
    mock.assert_async().await;
    assert_eq!(user.id, "user/1?x=1#y");
}

#[tokio::test]
async fn dot_segment_ids_are_rejected_before_any_request() {
    let (mut server, clerk) = setup().await;
    let any_get = server
        .mock("GET", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    let any_delete = server
        .mock("DELETE", Matcher::Any)
        .expect(0)
        .create_async()
        .await;

    for id in ["..", ".", "%2e%2e", "a/../b", ""] {
        let err = clerk.users().get(id).await.unwrap_err();
        assert_invalid_request(&err);
    }
    let err = clerk.users().delete("..").await.unwrap_err();
    assert_invalid_request(&err);

    any_get.assert_async().await;
    any_delete.assert_async().await;
}

#[tokio::test]
async fn ban_many_and_unban_many_send_user_ids() {
    let (mut server, clerk) = setup().await;
    let mut banned = users(0, 2);
    banned[0]["banned"] = json!(true);
    banned[1]["banned"] = json!(true);
    let ban = expect(&mut server, "POST", "/v1/users/ban")
        .json_body(json!({ "user_ids": ["user_0000", "user_0001"] }))
        .respond(200, &banned)
        .create_async()
        .await;
    let unban = expect(&mut server, "POST", "/v1/users/unban")
        .json_body(json!({ "user_ids": ["user_0000"] }))
        .respond(200, &users(0, 1))
        .create_async()
        .await;

    let page = clerk
        .users()
        .ban_many(["user_0000", "user_0001"])
        .await
        .unwrap();
    assert!(page.iter().all(|u| u.banned));
    let page = clerk.users().unban_many(["user_0000"]).await.unwrap();
    assert!(!page.data[0].banned);
    ban.assert_async().await;
    unban.assert_async().await;
}

#[tokio::test]
async fn ban_unban_lock_unlock_send_no_body() {
    let (mut server, clerk) = setup().await;
    let mut mocks = Vec::new();
    for action in ["ban", "unban", "lock", "unlock"] {
        let mut body = user("user_2ada");
        body["banned"] = json!(action == "ban");
        body["locked"] = json!(action == "lock");
        mocks.push(
            expect(
                &mut server,
                "POST",
                &format!("/v1/users/user_2ada/{action}"),
            )
            .no_body()
            .respond(200, &body)
            .create_async()
            .await,
        );
    }
    assert!(clerk.users().ban("user_2ada").await.unwrap().banned);
    assert!(!clerk.users().unban("user_2ada").await.unwrap().banned);
    assert!(clerk.users().lock("user_2ada").await.unwrap().locked);
    assert!(!clerk.users().unlock("user_2ada").await.unwrap().locked);
    for mock in &mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn merge_and_replace_metadata() {
    let (mut server, clerk) = setup().await;
    let merge = expect(&mut server, "PATCH", "/v1/users/user_2ada/metadata")
        .json_body(json!({
            "public_metadata": { "plan": "enterprise", "seats": null },
            "unsafe_metadata": { "theme": "dark" }
        }))
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;
    let replace = expect(&mut server, "PUT", "/v1/users/user_2ada/metadata")
        .json_body(json!({ "private_metadata": {} }))
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;

    clerk
        .users()
        .merge_metadata("user_2ada")
        .public_metadata(json!({ "plan": "enterprise", "seats": null }))
        .unsafe_metadata(json!({ "theme": "dark" }))
        .await
        .unwrap();
    clerk
        .users()
        .replace_metadata("user_2ada")
        .private_metadata(json!({}))
        .await
        .unwrap();
    merge.assert_async().await;
    replace.assert_async().await;
}

#[tokio::test]
async fn oauth_access_tokens_are_paginated() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/users/user_2ada/oauth_access_tokens/oauth_google",
    )
    .query(&[("limit", "10"), ("paginated", "true")])
    .no_body()
    .respond(
        200,
        &json!({
            "data": [{
                "object": "oauth_access_token",
                "external_account_id": "eac_2ada0001",
                "provider_user_id": "108234567890",
                "token": "ya29.a0AfH6SM",
                "expires_at": T1,
                "provider": "oauth_google",
                "public_metadata": {},
                "label": null,
                "scopes": ["email", "openid", "profile"]
            }],
            "total_count": 1
        }),
    )
    .create_async()
    .await;

    let page = clerk
        .users()
        .oauth_access_tokens("user_2ada")
        .provider("oauth_google")
        .limit(10)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(1));
    let token = &page.data[0];
    assert_eq!(token.token, "ya29.a0AfH6SM");
    assert_eq!(token.provider, "oauth_google");
    assert_eq!(token.expires_at, Some(T1.into()));
    assert_eq!(
        token.scopes.as_deref(),
        Some(
            &[
                "email".to_owned(),
                "openid".to_owned(),
                "profile".to_owned()
            ][..]
        )
    );
}

#[tokio::test]
async fn organization_memberships_and_invitations_of_a_user() {
    let (mut server, clerk) = setup().await;
    let memberships = expect(
        &mut server,
        "GET",
        "/v1/users/user_2ada/organization_memberships",
    )
    .query(&[("limit", "20"), ("offset", "0")])
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
    let invitations = expect(
        &mut server,
        "GET",
        "/v1/users/user_2ada/organization_invitations",
    )
    .query(&[("status", "pending")])
    .no_body()
    .respond(
        200,
        &json!({
            "data": [{
                "object": "organization_invitation",
                "id": "orginv_2x",
                "email_address": "ada@example.com",
                "role": "org:member",
                "role_name": "Member",
                "organization_id": "org_2acme",
                "status": "pending",
                "public_metadata": {},
                "created_at": T0,
                "updated_at": T0,
                "public_organization_data": {
                    "id": "org_2acme",
                    "name": "Acme Inc",
                    "slug": "acme",
                    "image_url": null,
                    "has_image": false
                }
            }],
            "total_count": 1
        }),
    )
    .create_async()
    .await;

    let page = clerk
        .users()
        .organization_memberships("user_2ada")
        .limit(20)
        .offset(0)
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.data[0].organization.id, "org_2acme");
    assert_eq!(page.data[0].role, "org:admin");

    let page = clerk
        .users()
        .organization_invitations("user_2ada")
        .status(InvitationStatus::Pending)
        .await
        .unwrap();
    let inv = &page.data[0];
    assert_eq!(inv.id, "orginv_2x");
    assert_eq!(inv.public_organization_data.as_ref().unwrap().slug, "acme");
    memberships.assert_async().await;
    invitations.assert_async().await;
}

#[tokio::test]
async fn verify_password_and_totp() {
    let (mut server, clerk) = setup().await;
    let password = expect(&mut server, "POST", "/v1/users/user_2ada/verify_password")
        .json_body(json!({ "password": "hunter2" }))
        .respond(200, &json!({ "verified": true }))
        .create_async()
        .await;
    let totp = expect(&mut server, "POST", "/v1/users/user_2ada/verify_totp")
        .json_body(json!({ "code": "123456" }))
        .respond(
            200,
            &json!({ "verified": true, "code_type": "backup_code" }),
        )
        .create_async()
        .await;

    let ok = clerk
        .users()
        .verify_password("user_2ada")
        .password("hunter2")
        .await
        .unwrap();
    assert_eq!(ok.verified, Some(true));
    let ok = clerk
        .users()
        .verify_totp("user_2ada")
        .code("123456")
        .await
        .unwrap();
    assert_eq!(ok.code_type, Some(VerifyTotpResponseCodeType::BackupCode));
    password.assert_async().await;
    totp.assert_async().await;
}

#[tokio::test]
async fn mfa_and_credential_removals() {
    let (mut server, clerk) = setup().await;
    let mfa = expect(&mut server, "DELETE", "/v1/users/user_2ada/mfa")
        .no_body()
        .respond(200, &json!({ "user_id": "user_2ada" }))
        .create_async()
        .await;
    let backup = expect(&mut server, "DELETE", "/v1/users/user_2ada/backup_code")
        .no_body()
        .respond(200, &json!({ "user_id": "user_2ada" }))
        .create_async()
        .await;
    let totp = expect(&mut server, "DELETE", "/v1/users/user_2ada/totp")
        .no_body()
        .respond(200, &json!({ "user_id": "user_2ada" }))
        .create_async()
        .await;
    let passkey = expect(
        &mut server,
        "DELETE",
        "/v1/users/user_2ada/passkeys/idn_2passkey",
    )
    .no_body()
    .respond(200, &deleted("passkey", "idn_2passkey"))
    .create_async()
    .await;
    let wallet = expect(
        &mut server,
        "DELETE",
        "/v1/users/user_2ada/web3_wallets/idn_2wallet",
    )
    .no_body()
    .respond(200, &deleted("web3_wallet", "idn_2wallet"))
    .create_async()
    .await;
    let account = expect(
        &mut server,
        "DELETE",
        "/v1/users/user_2ada/external_accounts/eac_2ada0001",
    )
    .no_body()
    .respond(200, &deleted("external_account", "eac_2ada0001"))
    .create_async()
    .await;

    let api = clerk.users();
    assert_eq!(
        api.disable_mfa("user_2ada")
            .await
            .unwrap()
            .user_id
            .as_deref(),
        Some("user_2ada")
    );
    assert_eq!(
        api.delete_backup_codes("user_2ada")
            .await
            .unwrap()
            .user_id
            .as_deref(),
        Some("user_2ada")
    );
    assert_eq!(
        api.delete_totp("user_2ada")
            .await
            .unwrap()
            .user_id
            .as_deref(),
        Some("user_2ada")
    );
    let gone = api
        .delete_passkey("user_2ada")
        .passkey_identification_id("idn_2passkey")
        .await
        .unwrap();
    assert_eq!((gone.object.as_str(), gone.deleted), ("passkey", true));
    let gone = api
        .delete_web3_wallet("user_2ada")
        .web3_wallet_identification_id("idn_2wallet")
        .await
        .unwrap();
    assert_eq!(gone.id.as_deref(), Some("idn_2wallet"));
    let gone = api
        .delete_external_account("user_2ada")
        .external_account_id("eac_2ada0001")
        .await
        .unwrap();
    assert_eq!(gone.object, "external_account");
    for mock in [mfa, backup, totp, passkey, wallet, account] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn password_compromise_and_removal() {
    let (mut server, clerk) = setup().await;
    let set = expect(
        &mut server,
        "POST",
        "/v1/users/user_2ada/password/set_compromised",
    )
    .json_body(json!({ "revoke_all_sessions": true }))
    .respond(200, &user("user_2ada"))
    .create_async()
    .await;
    let unset = expect(
        &mut server,
        "POST",
        "/v1/users/user_2ada/password/unset_compromised",
    )
    .no_body()
    .respond(200, &user("user_2ada"))
    .create_async()
    .await;
    let remove = expect(&mut server, "POST", "/v1/users/user_2ada/remove_password")
        .json_body(json!({ "sign_out_of_other_sessions": true }))
        .respond(200, &user("user_2ada"))
        .create_async()
        .await;

    clerk
        .users()
        .set_password_compromised("user_2ada")
        .revoke_all_sessions(true)
        .await
        .unwrap();
    clerk
        .users()
        .unset_password_compromised("user_2ada")
        .await
        .unwrap();
    clerk
        .users()
        .remove_password("user_2ada")
        .sign_out_of_other_sessions(true)
        .await
        .unwrap();
    set.assert_async().await;
    unset.assert_async().await;
    remove.assert_async().await;
}

#[tokio::test]
async fn replace_email_address_and_phone_number() {
    let (mut server, clerk) = setup().await;
    let email = expect(&mut server, "PUT", "/v1/users/user_2ada/email_address")
        .json_body(json!({
            "email_address": "augusta@example.com",
            "identification_status": "verified",
            "notify_primary_email_address_changed": null
        }))
        .respond(200, &email_address("idn_2new", "augusta@example.com"))
        .create_async()
        .await;
    let phone = expect(&mut server, "PUT", "/v1/users/user_2ada/phone_number")
        .json_body(json!({ "phone_number": "+15555550100" }))
        .respond(200, &phone_number("idn_2phone", "+15555550100"))
        .create_async()
        .await;

    let e = clerk
        .users()
        .replace_email_address("user_2ada")
        .email_address("augusta@example.com")
        .identification_status(IdentificationStatus::Verified)
        .clear_notify_primary_email_address_changed()
        .await
        .unwrap();
    assert_eq!(e.email_address, "augusta@example.com");
    let p = clerk
        .users()
        .replace_phone_number("user_2ada")
        .phone_number("+15555550100")
        .await
        .unwrap();
    assert_eq!(p.phone_number, "+15555550100");
    email.assert_async().await;
    phone.assert_async().await;
}

#[tokio::test]
async fn trusted_devices_list_and_revoke() {
    let (mut server, clerk) = setup().await;
    let device = json!({
        "object": "trusted_device",
        "id": "tdev_2abc",
        "platform": "ios",
        "app_identifier": "com.example.app",
        "name": "Ada's iPhone",
        "algorithm": "ES256",
        "status": "active",
        "created_at": T0,
        "updated_at": T0,
        "last_used_at": T1,
        "revoked_at": null
    });
    let mut revoked = device.clone();
    revoked["status"] = json!("revoked");
    revoked["revoked_at"] = json!(T1);
    let list = expect(&mut server, "GET", "/v1/users/user_2ada/trusted_devices")
        .no_body()
        .respond(200, &json!({ "data": [device], "total_count": 1 }))
        .create_async()
        .await;
    let revoke = expect(
        &mut server,
        "DELETE",
        "/v1/users/user_2ada/trusted_devices/tdev_2abc",
    )
    .no_body()
    .respond(200, &revoked)
    .create_async()
    .await;

    let page = clerk.users().trusted_devices("user_2ada").await.unwrap();
    assert_eq!(page.total_count, Some(1));
    assert_eq!(
        page.data[0].platform,
        clerk_api::models::TrustedDevicePlatform::Ios
    );
    let d = clerk
        .users()
        .revoke_trusted_device("user_2ada")
        .trusted_device_id("tdev_2abc")
        .await
        .unwrap();
    assert_eq!(d.status, clerk_api::models::TrustedDeviceStatus::Revoked);
    assert_eq!(d.revoked_at, Some(T1.into()));
    list.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn with_total_count_carries_every_filter_to_the_count_request() {
    let (mut server, clerk) = setup().await;
    let filters: [(&str, &str); 22] = [
        ("email_address", "ada@example.com"),
        ("phone_number", "+15555550100"),
        ("external_id", "ext-42"),
        ("username", "ada"),
        ("web3_wallet", "0x52908400098527886E0F7030069857D2E4169EE7"),
        ("user_id", "user_2ada"),
        ("organization_id", "org_2acme"),
        ("query", "ada"),
        ("email_address_query", "example"),
        ("phone_number_query", "555"),
        ("username_query", "ad"),
        ("name_query", "Lovelace"),
        ("banned", "false"),
        ("last_active_at_before", "1717286400000"),
        ("last_active_at_after", "1717200000000"),
        ("last_active_at_since", "1717200000001"),
        ("created_at_before", "1717286400001"),
        ("created_at_after", "1717200000002"),
        ("last_sign_in_at_before", "1717286400002"),
        ("last_sign_in_at_after", "1717200000003"),
        ("provider", "oauth_google"),
        ("provider_user_id", "108234567890"),
    ];
    let mut list_query: Vec<(&str, &str)> = filters.to_vec();
    list_query.extend([
        ("limit", "5"),
        ("offset", "10"),
        ("starting_after", "user_2prev"),
        ("order_by", "-last_sign_in_at"),
    ]);
    let list = expect(&mut server, "GET", "/v1/users")
        .query(&list_query)
        .no_body()
        .respond(200, &users(0, 1))
        .create_async()
        .await;
    let count = expect(&mut server, "GET", "/v1/users/count")
        .query(&filters)
        .no_body()
        .respond(200, &json!({ "object": "total_count", "total_count": 1 }))
        .create_async()
        .await;

    let result = clerk
        .users()
        .list()
        .email_address(["ada@example.com"])
        .phone_number(["+15555550100"])
        .external_id(["ext-42"])
        .username(["ada"])
        .web3_wallet(["0x52908400098527886E0F7030069857D2E4169EE7"])
        .user_id(["user_2ada"])
        .organization_id(["org_2acme"])
        .query("ada")
        .email_address_query("example")
        .phone_number_query("555")
        .username_query("ad")
        .name_query("Lovelace")
        .banned(false)
        .last_active_at_before(1_717_286_400_000)
        .last_active_at_after(1_717_200_000_000)
        .last_active_at_since(1_717_200_000_001)
        .created_at_before(1_717_286_400_001)
        .created_at_after(1_717_200_000_002)
        .last_sign_in_at_before(1_717_286_400_002)
        .last_sign_in_at_after(1_717_200_000_003)
        .provider("oauth_google")
        .provider_user_id(["108234567890"])
        .limit(5)
        .offset(10)
        .starting_after("user_2prev")
        .order_by("-last_sign_in_at")
        .with_total_count()
        .await
        .unwrap();
    list.assert_async().await;
    count.assert_async().await;
    assert_eq!(result.total_count, 1);
    assert_eq!(result.data.len(), 1);
}

#[tokio::test]
async fn stream_starts_at_the_builder_offset_with_its_limit() {
    let (mut server, clerk) = setup().await;
    let first = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "25"), ("offset", "50")])
        .no_body()
        .respond(200, &users(50, 25))
        .create_async()
        .await;
    let second = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "25"), ("offset", "75")])
        .no_body()
        .respond(200, &json!([]))
        .create_async()
        .await;

    let ids: Vec<String> = clerk
        .users()
        .list()
        .limit(25)
        .offset(50)
        .into_stream()
        .map(|u| u.unwrap().id)
        .collect()
        .await;
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(ids.len(), 25);
    assert_eq!(ids[0], "user_0050");
}

#[tokio::test]
async fn stream_yields_an_api_error_and_stops() {
    let (mut server, clerk) = setup().await;
    let first = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "2"), ("offset", "0")])
        .no_body()
        .respond(200, &users(0, 2))
        .create_async()
        .await;
    let second = expect(&mut server, "GET", "/v1/users")
        .query(&[("limit", "2"), ("offset", "2")])
        .no_body()
        .respond_error(404, "resource_not_found", "trace_stream")
        .create_async()
        .await;

    let items: Vec<_> = clerk.users().list().limit(2).into_stream().collect().await;
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[1].as_ref().unwrap().id, "user_0001");
    assert_not_found(items[2].as_ref().unwrap_err(), "trace_stream");
}

#[tokio::test]
async fn streams_never_ask_for_more_than_the_operation_allows() {
    // GET /users takes at most 500 per page: a larger limit would come back short and end the
    // walk early, so the stream asks for 500.
    let mut server = mockito::Server::new_async().await;
    let page = server
        .mock("GET", "/v1/users")
        .match_query(mockito::Matcher::AllOf(vec![
            mockito::Matcher::UrlEncoded("limit".into(), "500".into()),
            mockito::Matcher::UrlEncoded("offset".into(), "0".into()),
        ]))
        .with_body("[]")
        .expect(1)
        .create_async()
        .await;
    let clerk = clerk_api::Clerk::from_builder(
        clerk_api::Clerk::builder()
            .secret_key("sk_test_x")
            .api_url(server.url())
            .retry_policy(clerk_api::RetryPolicy::disabled()),
    )
    .unwrap();
    use futures_util::StreamExt as _;
    let items: Vec<_> = clerk
        .users()
        .list()
        .limit(2000)
        .into_stream()
        .collect()
        .await;
    assert!(items.is_empty());
    page.assert_async().await;
}
