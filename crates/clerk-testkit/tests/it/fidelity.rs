//! Fidelity: every emulated operation is called through `clerk_api::Clerk`; each response
//! decodes into the generated model (the typed call succeeds) and its raw JSON validates against
//! the operation's response schema in `bapi-2026-05-12.yml` (schema walker in `support`).
//!
//! Lists that answer `{data, total_count}` because the request carried `paginated=true` (as
//! `@clerk/backend` and `clerk-api` send) are checked item by item against the array schema.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::support::{Recorder, operation, resolve, response_schema, spec, validate};
use clerk_api::actor_tokens::CreateActorTokenActor;
use clerk_api::invitations::CreateBulkInvitationsItem;
use clerk_api::m2m_tokens::CreateM2MTokenTokenFormat;
use clerk_api::organizations::CreateOrganizationInvitationBulkItem;
use clerk_core::{FilePart, RetryPolicy, SecretKey};
use clerk_testkit::Testkit;
use serde_json::{Value, json};

struct Checker {
    recorder: Recorder,
    covered: Mutex<BTreeSet<&'static str>>,
    problems: Mutex<Vec<String>>,
}

impl Checker {
    /// Checks the last recorded response against `operation_id`'s response schema.
    fn check(&self, operation_id: &'static str) {
        let spec = spec();
        let recorded = self.recorder.last();
        let (_, _, op) = operation(spec, operation_id);
        assert!(
            (200..300).contains(&recorded.status),
            "{operation_id}: status {}",
            recorded.status
        );
        let body: Value = serde_json::from_slice(&recorded.body)
            .unwrap_or_else(|e| panic!("{operation_id}: body is not JSON: {e}"));
        let Some(schema) = response_schema(spec, &op, recorded.status) else {
            self.problems.lock().unwrap().push(format!(
                "{operation_id}: the spec has no schema for status {}",
                recorded.status
            ));
            return;
        };
        let mut errors = Vec::new();
        let resolved = resolve(spec, schema);
        let paginated_form = resolved["type"] == "array"
            && body.is_object()
            && recorded.uri.contains("paginated=true");
        if paginated_form {
            let items = body["data"].as_array().cloned().unwrap_or_default();
            if !body["total_count"].is_u64() {
                errors.push("$.total_count: expected a count".to_owned());
            }
            for (i, item) in items.iter().enumerate() {
                validate(
                    spec,
                    item,
                    &resolved["items"],
                    &format!("$.data[{i}]"),
                    &mut errors,
                );
            }
        } else {
            validate(spec, &body, schema, "$", &mut errors);
        }
        if !errors.is_empty() {
            self.problems
                .lock()
                .unwrap()
                .push(format!("{operation_id}: {}", errors.join("; ")));
        }
        self.covered.lock().unwrap().insert(operation_id);
    }
}

macro_rules! call {
    ($checker:expr, $op:literal, $request:expr) => {{
        let value = $request
            .await
            .unwrap_or_else(|e| panic!("{} failed: {e:?}", $op));
        $checker.check($op);
        value
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_emulated_operation_matches_its_response_schema() {
    let tk = Testkit::start().await.unwrap();
    let recorder = Recorder::default();
    let clerk = tk
        .client_builder()
        .transport(recorder.clone())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let c = Checker {
        recorder,
        covered: Mutex::new(BTreeSet::new()),
        problems: Mutex::new(Vec::new()),
    };

    // ---- users ----------------------------------------------------------------------------
    let ada = call!(
        c,
        "CreateUser",
        clerk
            .users()
            .create()
            .email_address(["ada@example.com"])
            .phone_number(["+15555550100"])
            .username("ada_l")
            .password("correct horse battery staple")
            .external_id("ext-ada")
            .first_name("Ada")
            .last_name("Lovelace")
            .totp_secret("JBSWY3DPEHPK3PXP")
            .backup_codes(["backup-1", "backup-2"])
            .public_metadata(json!({"plan": "pro", "nested": {"a": 1}}))
    );
    let grace = call!(
        c,
        "CreateUser",
        clerk
            .users()
            .create()
            .email_address(["grace@example.com"])
            .first_name("Grace")
    );
    call!(c, "GetUser", clerk.users().get(&ada.id));
    call!(
        c,
        "GetUserList",
        clerk
            .users()
            .list()
            .email_address(["ada@example.com"])
            .limit(5)
    );
    call!(c, "GetUsersCount", clerk.users().count().query("example"));
    call!(
        c,
        "UpdateUser",
        clerk.users().update(&ada.id).first_name("Augusta")
    );
    call!(
        c,
        "UpdateUserMetadata",
        clerk
            .users()
            .merge_metadata(&ada.id)
            .public_metadata(json!({"nested": {"b": 2}}))
    );
    call!(
        c,
        "ReplaceUserMetadata",
        clerk
            .users()
            .replace_metadata(&ada.id)
            .private_metadata(json!({"secret": true}))
    );
    call!(
        c,
        "VerifyPassword",
        clerk
            .users()
            .verify_password(&ada.id)
            .password("correct horse battery staple")
    );
    call!(
        c,
        "VerifyTOTP",
        clerk.users().verify_totp(&ada.id).code("backup-1")
    );
    call!(c, "LockUser", clerk.users().lock(&grace.id));
    call!(c, "UnlockUser", clerk.users().unlock(&grace.id));
    call!(c, "BanUser", clerk.users().ban(&grace.id));
    call!(c, "UnbanUser", clerk.users().unban(&grace.id));
    call!(c, "UsersBan", clerk.users().ban_many([grace.id.clone()]));
    call!(
        c,
        "UsersUnban",
        clerk.users().unban_many([grace.id.clone()])
    );
    call!(
        c,
        "DeleteBackupCode",
        clerk.users().delete_backup_codes(&ada.id)
    );
    call!(c, "DeleteTOTP", clerk.users().delete_totp(&ada.id));
    call!(c, "DisableMFA", clerk.users().disable_mfa(&ada.id));

    // ---- e-mail addresses and phone numbers ---------------------------------------------------
    let email = call!(
        c,
        "CreateEmailAddress",
        clerk
            .email_addresses()
            .create(&grace.id)
            .email_address("grace@navy.mil")
            .verified(true)
    );
    let email_id = email.id.clone().unwrap();
    call!(c, "GetEmailAddress", clerk.email_addresses().get(&email_id));
    call!(
        c,
        "UpdateEmailAddress",
        clerk.email_addresses().update(&email_id).primary(true)
    );
    let phone = call!(
        c,
        "CreatePhoneNumber",
        clerk
            .phone_numbers()
            .create(&grace.id)
            .phone_number("+15555550199")
    );
    let phone_id = phone.id.clone().unwrap();
    call!(c, "GetPhoneNumber", clerk.phone_numbers().get(&phone_id));
    call!(
        c,
        "UpdatePhoneNumber",
        clerk.phone_numbers().update(&phone_id).verified(true)
    );
    call!(
        c,
        "DeletePhoneNumber",
        clerk.phone_numbers().delete(&phone_id)
    );
    let spare = call!(
        c,
        "CreateEmailAddress",
        clerk
            .email_addresses()
            .create(&grace.id)
            .email_address("spare@example.com")
    );
    call!(
        c,
        "DeleteEmailAddress",
        clerk.email_addresses().delete(spare.id.unwrap())
    );

    // ---- organizations ----------------------------------------------------------------------
    let org = call!(
        c,
        "CreateOrganization",
        clerk
            .organizations()
            .create("Acme Inc")
            .created_by(&ada.id)
            .public_metadata(json!({"tier": "gold"}))
    );
    call!(
        c,
        "GetOrganization",
        clerk
            .organizations()
            .get(&org.id)
            .include_members_count(true)
    );
    call!(
        c,
        "ListOrganizations",
        clerk.organizations().list().include_members_count(true)
    );
    call!(
        c,
        "UpdateOrganization",
        clerk.organizations().update(&org.id).name("Acme Corp")
    );
    call!(
        c,
        "MergeOrganizationMetadata",
        clerk
            .organizations()
            .merge_metadata(&org.id)
            .public_metadata(json!({"region": "eu"}))
    );
    call!(
        c,
        "ReplaceOrganizationMetadata",
        clerk
            .organizations()
            .replace_metadata(&org.id)
            .private_metadata(json!({"crm": 42}))
    );
    call!(
        c,
        "UploadOrganizationLogo",
        clerk.organizations().upload_logo(
            &org.id,
            FilePart::new(&b"\x89PNG fake"[..]).content_type("image/png")
        )
    );
    call!(
        c,
        "DeleteOrganizationLogo",
        clerk.organizations().delete_logo(&org.id)
    );
    let members = clerk.organizations().memberships();
    call!(
        c,
        "CreateOrganizationMembership",
        members
            .create(&org.id)
            .user_id(&grace.id)
            .role("org:member")
    );
    call!(c, "ListOrganizationMemberships", members.list(&org.id));
    call!(
        c,
        "UpdateOrganizationMembership",
        members.update(&org.id).user_id(&grace.id).role("org:admin")
    );
    call!(
        c,
        "UpdateOrganizationMembershipMetadata",
        members
            .merge_metadata(&org.id)
            .user_id(&grace.id)
            .public_metadata(json!({"team": "compilers"}))
    );
    call!(c, "InstanceGetOrganizationMemberships", members.list_all());
    call!(
        c,
        "UsersGetOrganizationMemberships",
        clerk.users().organization_memberships(&grace.id)
    );
    let invitations = clerk.organizations().invitations();
    let invitation = call!(
        c,
        "CreateOrganizationInvitation",
        invitations
            .create(&org.id)
            .email_address("new@example.com")
            .role("org:member")
            .inviter_user_id(&ada.id)
    );
    call!(
        c,
        "CreateOrganizationInvitationBulk",
        invitations.create_bulk(
            &org.id,
            vec![
                CreateOrganizationInvitationBulkItem::new("b1@example.com").role("org:member"),
                CreateOrganizationInvitationBulkItem::new("grace@example.com").role("org:admin"),
            ]
        )
    );
    call!(c, "ListOrganizationInvitations", invitations.list(&org.id));
    call!(
        c,
        "ListPendingOrganizationInvitations",
        invitations.list_pending(&org.id)
    );
    call!(
        c,
        "GetOrganizationInvitation",
        invitations.get(&org.id).invitation_id(&invitation.id)
    );
    call!(
        c,
        "ListInstanceOrganizationInvitations",
        invitations.list_all()
    );
    call!(
        c,
        "UsersGetOrganizationInvitations",
        clerk.users().organization_invitations(&grace.id)
    );
    call!(
        c,
        "RevokeOrganizationInvitation",
        invitations.revoke(&org.id).invitation_id(&invitation.id)
    );
    let domains = clerk.organizations().domains();
    let domain = call!(
        c,
        "CreateOrganizationDomain",
        domains
            .create(&org.id)
            .name("acme.test")
            .enrollment_mode("automatic_invitation")
    );
    call!(c, "ListOrganizationDomains", domains.list(&org.id));
    call!(
        c,
        "UpdateOrganizationDomain",
        domains
            .update(&org.id)
            .domain_id(&domain.id)
            .enrollment_mode("manual_invitation")
    );
    call!(c, "ListAllOrganizationDomains", domains.list_all());
    call!(
        c,
        "DeleteOrganizationDomain",
        domains.delete(&org.id).domain_id(&domain.id)
    );

    // ---- sessions, clients, tokens, templates ------------------------------------------------
    let session = call!(
        c,
        "createSession",
        clerk
            .sessions()
            .create(&ada.id)
            .active_organization_id(&org.id)
    );
    call!(c, "GetSession", clerk.sessions().get(&session.id));
    call!(
        c,
        "GetSessionList",
        clerk.sessions().list().user_id(&ada.id)
    );
    call!(
        c,
        "CreateSessionToken",
        clerk.sessions().create_token(&session.id)
    );
    let template = call!(
        c,
        "CreateJWTTemplate",
        clerk.jwt_templates().create(
            "supabase",
            json!({"email": "{{user.primary_email_address}}", "org": "{{org.slug}}"})
        )
    );
    call!(c, "GetJWTTemplate", clerk.jwt_templates().get(&template.id));
    call!(c, "ListJWTTemplates", clerk.jwt_templates().list());
    call!(
        c,
        "UpdateJWTTemplate",
        clerk
            .jwt_templates()
            .update(&template.id, json!({"role": "authenticated"}))
            .name("supabase")
            .lifetime(120)
    );
    call!(
        c,
        "CreateSessionTokenFromTemplate",
        clerk
            .sessions()
            .create_token_from_template(&session.id)
            .template_name("supabase")
    );
    call!(
        c,
        "DeleteJWTTemplate",
        clerk.jwt_templates().delete(&template.id)
    );
    call!(c, "GetClientList", clerk.clients().list());
    call!(c, "GetClient", clerk.clients().get(&session.client_id));
    let client_token = tk.client_token(&session.client_id).unwrap();
    call!(c, "VerifyClient", clerk.clients().verify(client_token));
    call!(c, "RevokeSession", clerk.sessions().revoke(&session.id));
    call!(c, "GetJWKS", clerk.jwks().get());

    // ---- instance-level resources -------------------------------------------------------------
    let inv = call!(
        c,
        "CreateInvitation",
        clerk
            .invitations()
            .create("invitee@example.com")
            .public_metadata(json!({"source": "fidelity"}))
    );
    call!(
        c,
        "CreateBulkInvitations",
        clerk.invitations().create_bulk(vec![
            CreateBulkInvitationsItem::new("bulk1@example.com"),
            CreateBulkInvitationsItem::new("bulk2@example.com"),
        ])
    );
    call!(c, "ListInvitations", clerk.invitations().list());
    call!(c, "RevokeInvitation", clerk.invitations().revoke(&inv.id));
    let allowed = call!(
        c,
        "CreateAllowlistIdentifier",
        clerk.allowlist().create("friend@example.com")
    );
    call!(c, "ListAllowlistIdentifiers", clerk.allowlist().list());
    call!(
        c,
        "DeleteAllowlistIdentifier",
        clerk.allowlist().delete(allowed.id.unwrap())
    );
    let blocked = call!(
        c,
        "CreateBlocklistIdentifier",
        clerk.blocklist().create("+15555550000")
    );
    call!(c, "ListBlocklistIdentifiers", clerk.blocklist().list());
    call!(
        c,
        "DeleteBlocklistIdentifier",
        clerk.blocklist().delete(blocked.id.unwrap())
    );
    let redirect = call!(
        c,
        "CreateRedirectURL",
        clerk
            .redirect_urls()
            .create("https://app.example.com/callback")
    );
    call!(c, "ListRedirectURLs", clerk.redirect_urls().list());
    call!(c, "GetRedirectURL", clerk.redirect_urls().get(&redirect.id));
    call!(
        c,
        "DeleteRedirectURL",
        clerk.redirect_urls().delete(&redirect.id)
    );
    let sign_in = call!(
        c,
        "CreateSignInToken",
        clerk.sign_in_tokens().create(&ada.id)
    );
    call!(
        c,
        "RevokeSignInToken",
        clerk.sign_in_tokens().revoke(&sign_in.id)
    );
    let actor = call!(
        c,
        "CreateActorToken",
        clerk
            .actor_tokens()
            .create(&grace.id, CreateActorTokenActor::new(ada.id.clone()))
    );
    call!(
        c,
        "RevokeActorToken",
        clerk.actor_tokens().revoke(&actor.id)
    );

    // ---- machines, M2M tokens, API keys, OAuth ------------------------------------------------
    let backend = call!(c, "CreateMachine", clerk.machines().create("backend"));
    let worker = call!(
        c,
        "CreateMachine",
        clerk
            .machines()
            .create("worker")
            .scoped_machines([backend.id.clone()])
            .default_token_ttl(600)
    );
    call!(c, "ListMachines", clerk.machines().list());
    call!(c, "GetMachine", clerk.machines().get(&worker.id));
    call!(
        c,
        "UpdateMachine",
        clerk.machines().update(&worker.id).name("worker-2")
    );
    call!(
        c,
        "CreateMachineScope",
        clerk
            .machines()
            .create_scope(&backend.id)
            .to_machine_id(&worker.id)
    );
    let secret = call!(
        c,
        "GetMachineSecretKey",
        clerk.machines().secret_key(&worker.id)
    );
    let machine_key = SecretKey::new(secret.secret.clone()).unwrap();
    let m2m = call!(
        c,
        "createM2MToken",
        clerk
            .m2m_tokens()
            .create()
            .machine_secret_key(machine_key.clone())
            .claims(json!({"job": "nightly"}))
    );
    call!(
        c,
        "createM2MToken",
        clerk
            .m2m_tokens()
            .create()
            .machine_secret_key(machine_key.clone())
            .token_format(CreateM2MTokenTokenFormat::Jwt)
    );
    call!(c, "getM2MTokens", clerk.m2m_tokens().list(&worker.id));
    call!(c, "verifyM2MToken", clerk.m2m_tokens().verify(&m2m.token));
    call!(
        c,
        "revokeM2MToken",
        clerk
            .m2m_tokens()
            .revoke(&m2m.id)
            .revocation_reason("rotated")
    );
    call!(
        c,
        "RotateMachineSecretKey",
        clerk.machines().rotate_secret_key(&worker.id, 60)
    );
    call!(
        c,
        "DeleteMachineScope",
        clerk
            .machines()
            .delete_scope(&worker.id)
            .other_machine_id(&backend.id)
    );
    call!(c, "DeleteMachine", clerk.machines().delete(&backend.id));
    let key = call!(
        c,
        "createApiKey",
        clerk
            .api_keys()
            .create("ci")
            .subject(&ada.id)
            .scopes(["read"])
            .claims(json!({"env": "ci"}))
    );
    call!(c, "getApiKeys", clerk.api_keys().list(&ada.id));
    call!(c, "getApiKey", clerk.api_keys().get(&key.id));
    call!(
        c,
        "updateApiKey",
        clerk.api_keys().update(&key.id).description("CI key")
    );
    call!(c, "getApiKeySecret", clerk.api_keys().secret(&key.id));
    call!(c, "verifyApiKey", clerk.api_keys().verify(&key.secret));
    call!(
        c,
        "revokeApiKey",
        clerk.api_keys().revoke(&key.id).revocation_reason("leaked")
    );
    call!(c, "deleteApiKey", clerk.api_keys().delete(&key.id));
    let oauth = tk
        .issue_oauth_access_token(&ada.id, "client_app", ["profile"], None)
        .unwrap();
    call!(
        c,
        "verifyOAuthAccessToken",
        clerk.oauth_access_tokens().verify().access_token(oauth)
    );

    // ---- deletions last -------------------------------------------------------------------------
    call!(
        c,
        "RemoveUserPassword",
        clerk.users().remove_password(&ada.id)
    );
    call!(
        c,
        "DeleteOrganizationMembership",
        members.delete(&org.id).user_id(&grace.id)
    );
    call!(
        c,
        "DeleteOrganization",
        clerk.organizations().delete(&org.id)
    );
    call!(c, "DeleteUser", clerk.users().delete(&grace.id));

    let problems = c.problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} schema violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let covered = c.covered.into_inner().unwrap();
    let emulated: BTreeSet<&str> = clerk_testkit::emulated_operations().into_iter().collect();
    let missing: Vec<_> = emulated.difference(&covered).collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
}

/// The walker itself catches what it must: a missing required member, a wrong type, a member a
/// closed schema does not have, and an enum value outside the list.
#[test]
fn the_schema_walker_reports_violations() {
    let spec = spec();
    let (_, _, get_session) = operation(spec, "GetSession");
    let schema = response_schema(spec, &get_session, 200).unwrap();
    let good = json!({
        "object": "session", "id": "sess_1", "user_id": "user_1", "client_id": "client_1",
        "status": "active", "last_active_at": 1, "expire_at": 2, "abandon_at": 3,
        "updated_at": 4, "created_at": 5
    });
    let mut errors = Vec::new();
    validate(spec, &good, schema, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");

    for (mutate, expected) in [
        (json!({"id": null}), "$.id: expected a string"),
        (json!({"status": "sleeping"}), "$.status"),
        (
            json!({"last_active_at": 1.5}),
            "$.last_active_at: expected an integer",
        ),
        (
            json!({"surprise": true}),
            "member surprise is not in the schema",
        ),
    ] {
        let mut bad = good.clone();
        for (k, v) in mutate.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let mut errors = Vec::new();
        validate(spec, &bad, schema, "$", &mut errors);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{expected}: {errors:?}"
        );
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("client_id");
    let mut errors = Vec::new();
    validate(spec, &missing, schema, "$", &mut errors);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("missing required member client_id"))
    );
}
