//! The emulator's behaviour, through `clerk_api::Clerk`: identifiers, passwords, TOTP, metadata
//! merge vs replace, list filters and ordering, primary identifiers, organizations, memberships
//! and invitations.

use std::time::Duration;

use clerk::Clerk;
use clerk_api::Error;
use clerk_testkit::{ManualClock, Testkit};
use futures_util::TryStreamExt as _;
use serde_json::json;

const T0: i64 = 1_760_000_000_000;

async fn start() -> (Testkit, Clerk, ManualClock) {
    let clock = ManualClock::at_unix_millis(T0);
    let tk = Testkit::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let clerk = tk.client();
    (tk, clerk, clock)
}

fn code(error: &Error) -> (Option<u16>, String, Option<String>) {
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("not an API error: {error:?}"));
    let first = api.first_error().unwrap();
    let param = first
        .meta
        .as_ref()
        .and_then(|m| m.get("param_name"))
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    (
        error.status().map(|status| status.as_u16()),
        first.code.clone(),
        param,
    )
}

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), computed independently of the emulator.
fn totp(secret_base32: &str, unix_secs: i64) -> String {
    let mut bits = 0u64;
    let mut n = 0;
    let mut key = Vec::new();
    for c in secret_base32.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).unwrap() as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            key.push((bits >> n) as u8);
        }
    }
    let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let tag = ring::hmac::sign(&hmac, &(unix_secs / 30).to_be_bytes());
    let h = tag.as_ref();
    let o = (h[19] & 0xf) as usize;
    let code = (u32::from(h[o]) & 0x7f) << 24
        | u32::from(h[o + 1]) << 16
        | u32::from(h[o + 2]) << 8
        | u32::from(h[o + 3]);
    format!("{:06}", code % 1_000_000)
}

#[tokio::test]
async fn identifiers_are_unique_case_insensitively() {
    let (_tk, clerk, _) = start().await;
    let ada = clerk
        .users()
        .create()
        .email_address(["Ada@Example.com"])
        .phone_number(["+15555550100"])
        .username("Ada_L")
        .external_id("ext-1")
        .await
        .unwrap();
    for (request, param) in [
        (
            clerk.users().create().email_address(["ada@example.COM"]),
            "email_address",
        ),
        (
            clerk.users().create().phone_number(["+15555550100"]),
            "phone_number",
        ),
        (clerk.users().create().username("ada_l"), "username"),
        (clerk.users().create().external_id("ext-1"), "external_id"),
        (
            clerk
                .users()
                .create()
                .email_address(["twice@example.com", "TWICE@example.com"]),
            "email_address",
        ),
    ] {
        let error = request.await.unwrap_err();
        assert_eq!(
            code(&error),
            (
                Some(422),
                "form_identifier_exists".into(),
                Some(param.into())
            )
        );
    }
    let grace = clerk.users().create().username("grace").await.unwrap();
    let error = clerk
        .users()
        .update(&grace.id)
        .username("ADA_L")
        .await
        .unwrap_err();
    assert_eq!(code(&error).1, "form_identifier_exists");
    // Keeping one's own username is not a conflict; deleting frees every identifier.
    clerk
        .users()
        .update(&ada.id)
        .username("Ada_L")
        .await
        .unwrap();
    clerk.users().delete(&ada.id).await.unwrap();
    assert!(clerk.users().get(&ada.id).await.unwrap_err().is_not_found());
    clerk
        .users()
        .create()
        .email_address(["ada@example.com"])
        .username("ada_l")
        .external_id("ext-1")
        .await
        .unwrap();
}

#[tokio::test]
async fn passwords_are_checked_and_verified() {
    let (_tk, clerk, _) = start().await;
    let short = clerk.users().create().password("short").await.unwrap_err();
    assert_eq!(code(&short).1, "form_password_length_too_short");
    let pwned = clerk
        .users()
        .create()
        .password("password123")
        .await
        .unwrap_err();
    assert_eq!(code(&pwned).1, "form_password_pwned");
    let user = clerk
        .users()
        .create()
        .password("password123")
        .skip_password_checks(true)
        .await
        .unwrap();
    assert!(user.password_enabled);
    let ok = clerk
        .users()
        .verify_password(&user.id)
        .password("password123")
        .await
        .unwrap();
    assert_eq!(ok.verified, Some(true));
    let wrong = clerk
        .users()
        .verify_password(&user.id)
        .password("password124")
        .await
        .unwrap_err();
    assert_eq!(
        code(&wrong),
        (
            Some(422),
            "form_password_incorrect".into(),
            Some("password".into())
        )
    );
    clerk.users().remove_password(&user.id).await.unwrap();
    let none = clerk
        .users()
        .verify_password(&user.id)
        .password("password123")
        .await
        .unwrap_err();
    assert_eq!(code(&none).0, Some(400));
}

#[tokio::test]
async fn totp_and_backup_codes() {
    let (_tk, clerk, clock) = start().await;
    let plain = clerk.users().create().await.unwrap();
    let error = clerk
        .users()
        .verify_totp(&plain.id)
        .code("123456")
        .await
        .unwrap_err();
    assert_eq!(code(&error), (Some(422), "totp_not_enabled".into(), None));

    let secret = "JBSWY3DPEHPK3PXP";
    let user = clerk
        .users()
        .create()
        .totp_secret(secret)
        .backup_codes(["one", "two"])
        .await
        .unwrap();
    assert!(user.totp_enabled && user.backup_code_enabled && user.two_factor_enabled);
    let now = T0 / 1000;
    let verified = clerk
        .users()
        .verify_totp(&user.id)
        .code(totp(secret, now))
        .await
        .unwrap();
    assert_eq!(verified.verified, Some(true));
    assert_eq!(
        verified.code_type.map(|c| c.to_string()).as_deref(),
        Some("totp")
    );
    // The previous step is still accepted; three steps back is not.
    clock.advance(Duration::from_secs(30));
    assert!(
        clerk
            .users()
            .verify_totp(&user.id)
            .code(totp(secret, now))
            .await
            .is_ok()
    );
    clock.advance(Duration::from_secs(60));
    let stale = clerk
        .users()
        .verify_totp(&user.id)
        .code(totp(secret, now))
        .await
        .unwrap_err();
    assert_eq!(code(&stale).1, "form_code_incorrect");
    // Backup codes work once.
    let backup = clerk
        .users()
        .verify_totp(&user.id)
        .code("one")
        .await
        .unwrap();
    assert_eq!(
        backup.code_type.map(|c| c.to_string()).as_deref(),
        Some("backup_code")
    );
    assert!(
        clerk
            .users()
            .verify_totp(&user.id)
            .code("one")
            .await
            .is_err()
    );
    clerk.users().disable_mfa(&user.id).await.unwrap();
    let user = clerk.users().get(&user.id).await.unwrap();
    assert!(!user.two_factor_enabled && !user.totp_enabled && !user.backup_code_enabled);
}

#[tokio::test]
async fn metadata_merges_deeply_on_patch_and_is_replaced_on_put() {
    let (_tk, clerk, _) = start().await;
    let user = clerk
        .users()
        .create()
        .public_metadata(json!({"a": {"x": 1, "y": 2}, "b": true, "keep": 1}))
        .private_metadata(json!({"p": 1}))
        .await
        .unwrap();
    let merged = clerk
        .users()
        .merge_metadata(&user.id)
        .public_metadata(json!({"a": {"y": null, "z": 3}, "b": null, "c": [1]}))
        .await
        .unwrap();
    assert_eq!(
        merged.public_metadata,
        json!({"a": {"x": 1, "z": 3}, "keep": 1, "c": [1]})
    );
    assert_eq!(merged.private_metadata, Some(json!({"p": 1})), "untouched");
    let replaced = clerk
        .users()
        .replace_metadata(&user.id)
        .public_metadata(json!({"only": true}))
        .await
        .unwrap();
    assert_eq!(replaced.public_metadata, json!({"only": true}));
    assert_eq!(
        replaced.private_metadata,
        Some(json!({"p": 1})),
        "not sent, kept"
    );

    let org = clerk.organizations().create("Meta").await.unwrap();
    let merged = clerk
        .organizations()
        .merge_metadata(&org.id)
        .public_metadata(json!({"k": {"v": 1}}))
        .await
        .unwrap();
    let merged = clerk
        .organizations()
        .merge_metadata(&merged.id)
        .public_metadata(json!({"k": {"w": 2}}))
        .await
        .unwrap();
    assert_eq!(merged.public_metadata, json!({"k": {"v": 1, "w": 2}}));
}

#[tokio::test]
async fn lists_filter_order_and_page() {
    let (_tk, clerk, clock) = start().await;
    let mut ids = Vec::new();
    for (i, name) in ["carol", "alice", "bob", "dave", "erin"].iter().enumerate() {
        clock.advance(Duration::from_secs(1));
        let user = clerk
            .users()
            .create()
            .email_address([format!("{name}@example.com")])
            .first_name(*name)
            .username(format!("user_{name}"))
            .external_id(format!("ext-{i}"))
            .await
            .unwrap();
        ids.push(user.id);
    }
    let newest_first: Vec<String> = clerk
        .users()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(newest_first, ids.iter().rev().cloned().collect::<Vec<_>>());
    let by_name: Vec<Option<String>> = clerk
        .users()
        .list()
        .order_by("+first_name")
        .limit(2)
        .offset(1)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.first_name)
        .collect();
    assert_eq!(by_name, [Some("bob".into()), Some("carol".into())]);
    let found = clerk
        .users()
        .list()
        .email_address(["ALICE@example.com", "erin@example.com"])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        clerk.users().list().query("dav").await.unwrap().data[0]
            .first_name
            .as_deref(),
        Some("dave")
    );
    assert_eq!(
        clerk
            .users()
            .count()
            .created_at_after(T0 + 2_500)
            .await
            .unwrap()
            .total_count,
        3
    );
    assert_eq!(
        clerk
            .users()
            .count()
            .external_id(["ext-0", "ext-4"])
            .await
            .unwrap()
            .total_count,
        2
    );
    // The SDK's streams walk every page (offset and cursor forms).
    let all: Vec<_> = clerk
        .users()
        .list()
        .limit(2)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let cursor: Vec<_> = clerk
        .users()
        .list()
        .limit(2)
        .into_cursor_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(cursor.len(), 5);
}

#[tokio::test]
async fn primary_identifiers_follow_the_user() {
    let (_tk, clerk, _) = start().await;
    let user = clerk
        .users()
        .create()
        .email_address(["first@example.com"])
        .await
        .unwrap();
    let first_id = user.primary_email_address_id.clone().unwrap();
    let second = clerk
        .email_addresses()
        .create(&user.id)
        .email_address("second@example.com")
        .primary(true)
        .verified(true)
        .await
        .unwrap();
    let user = clerk.users().get(&user.id).await.unwrap();
    assert_eq!(user.primary_email_address_id, second.id);
    assert_eq!(user.email_addresses.len(), 2);
    // The primary cannot go while others remain; another one can.
    let error = clerk
        .email_addresses()
        .delete(second.id.clone().unwrap())
        .await
        .unwrap_err();
    assert_eq!(code(&error).0, Some(409));
    clerk.email_addresses().delete(&first_id).await.unwrap();
    clerk
        .users()
        .update(&user.id)
        .primary_email_address_id("idn_not_mine")
        .await
        .unwrap_err();
    let phone = clerk
        .phone_numbers()
        .create(&user.id)
        .phone_number("+4915112345678")
        .await
        .unwrap();
    let user = clerk.users().get(&user.id).await.unwrap();
    assert_eq!(
        user.primary_phone_number_id, phone.id,
        "the first phone is primary"
    );
}

#[tokio::test]
async fn bans_revoke_sessions_and_block_new_ones() {
    let (tk, clerk, _) = start().await;
    let user = clerk.users().create().await.unwrap();
    let session = clerk.sessions().create(&user.id).await.unwrap();
    clerk.users().ban(&user.id).await.unwrap();
    let session = clerk.sessions().get(&session.id).await.unwrap();
    assert_eq!(session.status.to_string(), "revoked");
    let error = clerk.sessions().create(&user.id).await.unwrap_err();
    assert_eq!(code(&error).0, Some(403));
    assert!(tk.session_token(&session.id).is_err());
    let unbanned = clerk.users().unban(&user.id).await.unwrap();
    assert!(!unbanned.banned);
    assert!(clerk.sessions().create(&user.id).await.is_ok());
}

#[tokio::test]
async fn organizations_memberships_and_invitations() {
    let (tk, clerk, _) = start().await;
    let owner = clerk
        .users()
        .create()
        .email_address(["owner@example.com"])
        .await
        .unwrap();
    let member = clerk
        .users()
        .create()
        .email_address(["member@example.com"])
        .await
        .unwrap();
    let org = clerk
        .organizations()
        .create("Acme, Inc.")
        .created_by(&owner.id)
        .await
        .unwrap();
    assert_eq!(org.slug, "acme-inc");
    let second = clerk.organizations().create("Acme Inc").await.unwrap();
    assert_eq!(second.slug, "acme-inc-2");
    let taken = clerk
        .organizations()
        .create("Other")
        .slug("acme-inc")
        .await
        .unwrap_err();
    assert_eq!(
        code(&taken),
        (
            Some(422),
            "form_identifier_exists".into(),
            Some("slug".into())
        )
    );
    // The creator is the first admin.
    let members = clerk
        .organizations()
        .memberships()
        .list(&org.id)
        .await
        .unwrap();
    assert_eq!(members.total_count, Some(1));
    assert_eq!(members.data[0].role, "org:admin");
    assert!(
        members.data[0]
            .permissions
            .contains(&"org:sys_memberships:manage".to_owned())
    );

    let memberships = clerk.organizations().memberships();
    memberships
        .create(&org.id)
        .user_id(&member.id)
        .role("org:member")
        .await
        .unwrap();
    let again = memberships
        .create(&org.id)
        .user_id(&member.id)
        .role("org:member")
        .await
        .unwrap_err();
    assert_eq!(code(&again).1, "already_a_member_in_organization");
    let bad_role = memberships
        .create(&second.id)
        .user_id(&member.id)
        .role("org:wizard")
        .await
        .unwrap_err();
    assert_eq!(code(&bad_role).1, "form_param_value_invalid");
    let got = clerk
        .organizations()
        .get(&org.id)
        .include_members_count(true)
        .await
        .unwrap();
    assert_eq!(got.members_count, Some(2));
    let by_slug = clerk.organizations().get("acme-inc").await.unwrap();
    assert_eq!(by_slug.id, org.id);
    let mine = clerk
        .organizations()
        .list()
        .user_id([member.id.clone()])
        .await
        .unwrap();
    assert_eq!(mine.total_count, Some(1));
    let admins = memberships.list(&org.id).role(["org:admin"]).await.unwrap();
    assert_eq!(admins.data.len(), 1);

    // Invitations: pending once, revoked once, accepted through the testkit.
    let invitations = clerk.organizations().invitations();
    let invitation = invitations
        .create(&org.id)
        .email_address("newbie@example.com")
        .role("org:member")
        .await
        .unwrap();
    assert_eq!(invitation.status.as_deref(), Some("pending"));
    let dup = invitations
        .create(&org.id)
        .email_address("NEWBIE@example.com")
        .role("org:member")
        .await
        .unwrap_err();
    assert_eq!(code(&dup).0, Some(422));
    let revoked = invitations
        .revoke(&org.id)
        .invitation_id(&invitation.id)
        .await
        .unwrap();
    assert_eq!(revoked.status.as_deref(), Some("revoked"));
    assert_eq!(
        code(
            &invitations
                .revoke(&org.id)
                .invitation_id(&invitation.id)
                .await
                .unwrap_err()
        )
        .0,
        Some(400)
    );
    let newbie = clerk
        .users()
        .create()
        .email_address(["newbie@example.com"])
        .await
        .unwrap();
    let invitation = invitations
        .create(&org.id)
        .email_address("newbie@example.com")
        .role("org:member")
        .await
        .unwrap();
    let pending = invitations.list_pending(&org.id).await.unwrap();
    assert_eq!(pending.total_count, Some(1));
    tk.accept_organization_invitation(&invitation.id, &newbie.id)
        .unwrap();
    let accepted = invitations
        .get(&org.id)
        .invitation_id(&invitation.id)
        .await
        .unwrap();
    assert_eq!(accepted.status.as_deref(), Some("accepted"));
    let statuses = invitations
        .list(&org.id)
        .status([
            clerk_api::models::InvitationStatus::Revoked,
            clerk_api::models::InvitationStatus::Accepted,
        ])
        .await
        .unwrap();
    assert_eq!(statuses.total_count, Some(2));

    // Deleting the organization removes its memberships.
    clerk.organizations().delete(&org.id).await.unwrap();
    let left = clerk
        .users()
        .organization_memberships(&member.id)
        .await
        .unwrap();
    assert_eq!(left.total_count, Some(0));
    assert!(
        clerk
            .organizations()
            .get(&org.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn seeds_state_snapshots_and_restarts() {
    let tk = Testkit::builder()
        .seed_user(json!({"email_address": ["seed@example.com"], "first_name": "Seed"}))
        .seed_organization(json!({"name": "Seeded", "slug": "seeded"}))
        .seed_membership("seeded", "seed@example.com", "org:admin")
        .start()
        .await
        .unwrap();
    let clerk = tk.client();
    let users = clerk.users().list().await.unwrap();
    assert_eq!(users.data[0].first_name.as_deref(), Some("Seed"));
    let snapshot = tk.snapshot();
    let secret = tk.secret_key().to_owned();
    let instance = tk.instance_id().to_owned();
    tk.shutdown().await;

    let restored = Testkit::builder().state(snapshot).start().await.unwrap();
    assert_eq!(restored.secret_key(), secret);
    assert_eq!(restored.instance_id(), instance);
    let clerk = restored.client();
    let user = clerk.users().list().await.unwrap().data.remove(0);
    assert_eq!(user.first_name.as_deref(), Some("Seed"));
    let org = clerk.organizations().get("seeded").await.unwrap();
    let members = clerk
        .organizations()
        .memberships()
        .list(&org.id)
        .await
        .unwrap();
    assert_eq!(
        members.data[0].public_user_data.as_ref().unwrap().user_id,
        user.id
    );
    // Uniqueness indexes were rebuilt.
    let dup = clerk
        .users()
        .create()
        .email_address(["seed@example.com"])
        .await
        .unwrap_err();
    assert_eq!(code(&dup).1, "form_identifier_exists");

    let bad_seed = Testkit::builder()
        .seed_user(json!({"email_address": "not-a-list"}))
        .start()
        .await
        .unwrap_err();
    assert!(bad_seed.to_string().contains("email_address"), "{bad_seed}");
}
