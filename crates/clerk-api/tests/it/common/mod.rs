//! Helpers shared by the wire-level integration tests: a client pointed at a mockito server,
//! strict request matchers (method, exact path, exact query, the standard headers, exact JSON
//! body) and realistic Clerk JSON fixtures.
#![allow(dead_code)]

use clerk_api::{Clerk, RetryPolicy};
use mockito::{Matcher, Mock, ServerGuard};
use serde_json::{Value, json};

/// The secret key every test client uses.
pub(crate) const KEY: &str = "sk_test_abc";
/// `Clerk-API-Version` sent on every request.
pub(crate) const API_VERSION: &str = "2026-05-12";

/// A fresh mockito server on 127.0.0.1 and a client pointed at it (retries disabled).
pub(crate) async fn setup() -> (ServerGuard, Clerk) {
    let server = mockito::Server::new_async().await;
    let clerk = client_for(&server);
    (server, clerk)
}

/// A client for `server` with the test key and retries disabled.
pub(crate) fn client_for(server: &ServerGuard) -> Clerk {
    Clerk::from_builder(
        Clerk::builder()
            .secret_key(KEY)
            .api_url(server.url())
            .retry_policy(RetryPolicy::disabled()),
    )
    .expect("client builds")
}

/// Adds the three headers every request must carry.
pub(crate) fn std_headers(mock: Mock) -> Mock {
    mock.match_header("authorization", format!("Bearer {KEY}").as_str())
        .match_header("clerk-api-version", API_VERSION)
        .match_header("user-agent", clerk_core::DEFAULT_USER_AGENT)
}

/// A mock for `method` + exact `path` (no query unless [`MockExt::query`] is called) with the
/// standard headers, expected exactly once.
pub(crate) fn expect(server: &mut ServerGuard, method: &str, path: &str) -> Mock {
    std_headers(server.mock(method, path))
        .match_query(Matcher::Missing)
        .expect(1)
}

/// An exact, order-independent query matcher: every pair must be present and nothing else.
/// Keys must be distinct (use [`raw_query`] for repeated keys).
pub(crate) fn query_matcher(pairs: &[(&str, &str)]) -> Matcher {
    if pairs.is_empty() {
        return Matcher::Missing;
    }
    let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), pairs.len(), "query_matcher needs distinct keys");
    let mut all: Vec<Matcher> = pairs
        .iter()
        .map(|(k, v)| Matcher::UrlEncoded((*k).to_owned(), (*v).to_owned()))
        .collect();
    // Exactly `n` pairs: no extra parameter can sneak in.
    all.push(Matcher::Regex(format!(
        "^[^&]+(&[^&]+){{{}}}$",
        pairs.len() - 1
    )));
    Matcher::AllOf(all)
}

/// The query string exactly as sent (for repeated keys such as `email_address=a&email_address=b`).
pub(crate) fn raw_query(query: &str) -> Matcher {
    Matcher::Exact(query.to_owned())
}

/// Fluent additions to a [`Mock`].
pub(crate) trait MockExt: Sized {
    /// Exact query (see [`query_matcher`]).
    fn query(self, pairs: &[(&str, &str)]) -> Self;
    /// Exact JSON body, sent with `content-type: application/json`.
    fn json_body(self, body: Value) -> Self;
    /// No body and no `content-type`.
    fn no_body(self) -> Self;
    /// Answers `status` with a JSON body.
    fn respond(self, status: usize, body: &Value) -> Self;
    /// Answers with a Clerk error body.
    fn respond_error(self, status: usize, code: &str, trace_id: &str) -> Self;
}

impl MockExt for Mock {
    fn query(self, pairs: &[(&str, &str)]) -> Self {
        self.match_query(query_matcher(pairs))
    }

    fn json_body(self, body: Value) -> Self {
        // The header is checked before the body, so a non-JSON body never reaches the JSON
        // matcher.
        self.match_header("content-type", "application/json")
            .match_body(Matcher::Json(body))
    }

    fn no_body(self) -> Self {
        self.match_header("content-type", Matcher::Missing)
            .match_body(Matcher::Exact(String::new()))
    }

    fn respond(self, status: usize, body: &Value) -> Self {
        self.with_status(status)
            .with_header("content-type", "application/json")
            .with_body(body.to_string())
    }

    fn respond_error(self, status: usize, code: &str, trace_id: &str) -> Self {
        self.respond(status, &clerk_error(code, trace_id))
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: realistic Clerk JSON
// ---------------------------------------------------------------------------------------------

/// 2024-06-01T00:00:00Z in unix milliseconds.
pub(crate) const T0: i64 = 1_717_200_000_000;
/// A day later.
pub(crate) const T1: i64 = T0 + 86_400_000;

/// A Clerk error body.
pub(crate) fn clerk_error(code: &str, trace_id: &str) -> Value {
    json!({
        "errors": [{
            "code": code,
            "message": "not found",
            "long_message": "The requested resource could not be found.",
            "meta": {}
        }],
        "clerk_trace_id": trace_id
    })
}

/// `{"object": …, "id": …, "deleted": true}`.
pub(crate) fn deleted(object: &str, id: &str) -> Value {
    json!({ "object": object, "id": id, "deleted": true })
}

/// A user as `GET /users/{id}` returns it, with one verified email address and a Google account.
pub(crate) fn user(id: &str) -> Value {
    let email = json!({
        "id": "idn_2ada0001",
        "object": "email_address",
        "email_address": "ada@example.com",
        "reserved": false,
        "verification": {
            "object": "verification_otp",
            "status": "verified",
            "strategy": "email_code",
            "attempts": 1,
            "expire_at": T0 + 600_000
        },
        "linked_to": [{ "type": "oauth_google", "id": "idn_2ada0002" }],
        "matches_sso_connection": false,
        "created_at": T0,
        "updated_at": T0
    });
    let google = json!({
        "object": "external_account",
        "id": "eac_2ada0001",
        "provider": "oauth_google",
        "identification_id": "idn_2ada0002",
        "provider_user_id": "108234567890",
        "approved_scopes": "email https://www.googleapis.com/auth/userinfo.email openid profile",
        "email_address": "ada@example.com",
        "email_address_verified": true,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "avatar_url": "https://lh3.googleusercontent.com/a/abc",
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ",
        "username": null,
        "phone_number": null,
        "public_metadata": {},
        "label": null,
        "created_at": T0,
        "updated_at": T0,
        "verification": {
            "object": "verification_oauth",
            "status": "verified",
            "strategy": "oauth_google",
            "attempts": null,
            "expire_at": T0 + 600_000
        }
    });
    let mut user = json!({
        "id": id,
        "object": "user",
        "external_id": "ext-42",
        "primary_email_address_id": "idn_2ada0001",
        "primary_phone_number_id": null,
        "primary_web3_wallet_id": null,
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "locale": "en-GB",
        "profile_image_url": "https://images.clerk.dev/uploaded/img_2ada.png",
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ",
        "has_image": true,
        "public_metadata": { "plan": "pro" },
        "private_metadata": { "stripe_id": "cus_123" },
        "unsafe_metadata": {},
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "password_enabled": true,
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "mfa_enabled_at": null,
        "mfa_disabled_at": null,
        "password_last_updated_at": T0,
        "saml_accounts": [],
        "enterprise_accounts": [],
        "last_sign_in_at": T1,
        "banned": false,
        "locked": false,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": 100,
        "created_at": T0,
        "updated_at": T1,
        "delete_self_enabled": true,
        "create_organization_enabled": true,
        "create_organizations_limit": null,
        "last_active_at": T1,
        "legal_accepted_at": null
    });
    user["email_addresses"] = json!([email]);
    user["external_accounts"] = json!([google]);
    user
}

/// A session with its latest activity.
pub(crate) fn session(id: &str, user_id: &str) -> Value {
    json!({
        "object": "session",
        "id": id,
        "client_id": "client_2abcdefghij",
        "user_id": user_id,
        "status": "active",
        "last_active_organization_id": null,
        "actor": null,
        "last_active_at": T1,
        "latest_activity": {
            "object": "session_activity",
            "id": "sess_activity_2abc",
            "device_type": "Macintosh",
            "is_mobile": false,
            "browser_name": "Chrome",
            "browser_version": "125.0.0.0",
            "ip_address": "203.0.113.7",
            "city": "London",
            "country": "GB"
        },
        "expire_at": T1 + 7 * 86_400_000,
        "abandon_at": T1 + 30 * 86_400_000,
        "updated_at": T1,
        "created_at": T0,
        "tasks": []
    })
}

/// An organization.
pub(crate) fn organization(id: &str, slug: &str) -> Value {
    json!({
        "object": "organization",
        "id": id,
        "name": "Acme Inc",
        "slug": slug,
        "image_url": "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
        "has_image": false,
        "members_count": 3,
        "pending_invitations_count": 1,
        "max_allowed_memberships": 5,
        "admin_delete_enabled": true,
        "public_metadata": { "tier": "gold" },
        "private_metadata": {},
        "created_by": "user_2ada",
        "created_at": T0,
        "updated_at": T1,
        "last_active_at": T1,
        "role_set_key": "role_set:default"
    })
}

/// An organization membership with the organization and the member's public data.
pub(crate) fn membership(id: &str, org_id: &str, user_id: &str, role: &str) -> Value {
    json!({
        "object": "organization_membership",
        "id": id,
        "role": role,
        "role_name": "Admin",
        "permissions": ["org:sys_memberships:manage", "org:sys_profile:delete"],
        "public_metadata": {},
        "private_metadata": {},
        "organization": organization(org_id, "acme"),
        "public_user_data": {
            "user_id": user_id,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "profile_image_url": "https://images.clerk.dev/uploaded/img_2ada.png",
            "image_url": "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ",
            "has_image": true,
            "identifier": "ada@example.com",
            "username": "ada"
        },
        "created_at": T0,
        "updated_at": T1
    })
}

/// An organization invitation.
pub(crate) fn org_invitation(id: &str, org_id: &str, status: &str) -> Value {
    json!({
        "object": "organization_invitation",
        "id": id,
        "email_address": "bob@example.com",
        "role": "org:member",
        "role_name": "Member",
        "organization_id": org_id,
        "inviter_id": "user_2ada",
        "public_inviter_data": {
            "user_id": "user_2ada",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "image_url": "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ",
            "has_image": true,
            "identifier": "ada@example.com"
        },
        "status": status,
        "public_metadata": {},
        "private_metadata": {},
        "url": null,
        "expires_at": T1 + 30 * 86_400_000,
        "created_at": T0,
        "updated_at": T0
    })
}

/// An application invitation.
pub(crate) fn invitation(id: &str, email: &str, status: &str) -> Value {
    json!({
        "object": "invitation",
        "id": id,
        "email_address": email,
        "public_metadata": { "source": "import" },
        "revoked": status == "revoked",
        "status": status,
        "url": "https://accounts.example.com/sign-up?__clerk_ticket=eyJhbGciOi",
        "expires_at": T1 + 30 * 86_400_000,
        "created_at": T0,
        "updated_at": T0
    })
}

/// An email address.
pub(crate) fn email_address(id: &str, email: &str) -> Value {
    json!({
        "id": id,
        "object": "email_address",
        "email_address": email,
        "reserved": false,
        "verification": {
            "object": "verification_admin",
            "status": "verified",
            "strategy": "admin",
            "attempts": null,
            "expire_at": null
        },
        "linked_to": [],
        "matches_sso_connection": false,
        "created_at": T0,
        "updated_at": T1
    })
}

/// A phone number.
pub(crate) fn phone_number(id: &str, phone: &str) -> Value {
    json!({
        "id": id,
        "object": "phone_number",
        "phone_number": phone,
        "reserved_for_second_factor": false,
        "default_second_factor": false,
        "reserved": false,
        "verification": {
            "object": "verification_otp",
            "status": "unverified",
            "strategy": "phone_code",
            "attempts": 0,
            "expire_at": T0 + 600_000
        },
        "linked_to": [],
        "backup_codes": null,
        "created_at": T0,
        "updated_at": T0
    })
}

/// A machine with one scoped machine.
pub(crate) fn machine(id: &str, name: &str) -> Value {
    json!({
        "object": "machine",
        "id": id,
        "name": name,
        "instance_id": "ins_2abc",
        "created_at": T0,
        "updated_at": T1,
        "default_token_ttl": 3600,
        "scoped_machines": [{
            "object": "machine",
            "id": "mch_2other",
            "name": "billing-worker",
            "instance_id": "ins_2abc",
            "created_at": T0,
            "updated_at": T0,
            "default_token_ttl": 3600
        }]
    })
}

/// A machine-to-machine token (without its secret).
pub(crate) fn m2m_token(id: &str, revoked: bool) -> Value {
    json!({
        "object": "machine_to_machine_token",
        "id": id,
        "subject": "mch_2abc",
        "claims": { "tenant": "acme" },
        "scopes": ["mch_2other"],
        "revoked": revoked,
        "revocation_reason": if revoked { json!("compromised") } else { Value::Null },
        "expired": false,
        "expiration": T1,
        "last_used_at": null,
        "created_at": T0,
        "updated_at": T0
    })
}

/// An API key (without its secret).
pub(crate) fn api_key(id: &str) -> Value {
    json!({
        "object": "api_key",
        "id": id,
        "type": "api_key",
        "subject": "user_2ada",
        "name": "CI key",
        "description": "used by CI",
        "claims": { "role": "ci" },
        "scopes": ["read:users"],
        "revoked": false,
        "revocation_reason": null,
        "expired": false,
        "expiration": null,
        "created_by": "user_2ada",
        "last_used_at": T1,
        "created_at": T0,
        "updated_at": T0
    })
}

/// A JWT template.
pub(crate) fn jwt_template(id: &str, name: &str) -> Value {
    json!({
        "object": "jwt_template",
        "id": id,
        "name": name,
        "claims": { "aud": "convex", "email": "{{user.primary_email_address}}" },
        "lifetime": 60,
        "allowed_clock_skew": 5,
        "custom_signing_key": false,
        "signing_algorithm": "RS256",
        "created_at": T0,
        "updated_at": T1
    })
}

/// Money as the billing endpoints return it.
pub(crate) fn money(amount: i64) -> Value {
    json!({
        "amount": amount,
        "amount_formatted": format!("{}.{:02}", amount / 100, amount % 100),
        "currency": "USD",
        "currency_symbol": "$"
    })
}

/// `n` users with ids `user_{start}`…
pub(crate) fn users(start: usize, n: usize) -> Value {
    Value::Array(
        (start..start + n)
            .map(|i| user(&format!("user_{i:04}")))
            .collect(),
    )
}

/// Asserts a 404 Clerk error and returns it for further checks.
pub(crate) fn assert_not_found(err: &clerk_api::Error, trace_id: &str) {
    assert!(err.is_not_found(), "expected a 404, got {err:?}");
    assert_eq!(err.status(), Some(clerk_api::StatusCode::NOT_FOUND));
    assert!(err.has_code("resource_not_found"));
    assert_eq!(err.first_code(), Some("resource_not_found"));
    assert_eq!(err.trace_id(), Some(trace_id));
    let api = err.api_error().expect("an API error");
    let first = api.first_error().expect("one Clerk error");
    assert_eq!(first.message, "not found");
    assert_eq!(
        first.long_message.as_deref(),
        Some("The requested resource could not be found.")
    );
}

/// Asserts the error is an invalid-request error raised before any I/O.
pub(crate) fn assert_invalid_request(err: &clerk_api::Error) {
    assert!(
        matches!(err, clerk_api::Error::InvalidRequest(_)),
        "expected an invalid-request error, got {err:?}"
    );
    assert_eq!(err.status(), None);
}
