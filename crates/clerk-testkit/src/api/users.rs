//! Users: create, get, list, count, update, delete, metadata, ban/lock, passwords, TOTP.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Call, Op, Reply, list_reply, metadata, page};
use crate::app::{App, RequestMeta};
use crate::error::ApiError;
use crate::render;
use crate::state::{EmailRec, PasswordRec, PhoneRec, State, UserRec, Web3Rec};
use crate::util::{self, contains_ci, deep_merge, is_e164, is_email, parse_rfc3339_ms};
use crate::validate::{BodyExt, Field, PAGE, Query, Ty};

const IDENT_STATUS: &[&str] = &["verified", "reserved"];

const CREATE: &[Field] = &[
    Field::opt("external_id", Ty::Str).null(),
    Field::opt("first_name", Ty::Str).null(),
    Field::opt("last_name", Ty::Str).null(),
    Field::opt("locale", Ty::Str).null(),
    Field::opt("email_address", Ty::StrArr),
    Field::opt(
        "email_address_identification_status",
        Ty::EnumArr(IDENT_STATUS),
    ),
    Field::opt("phone_number", Ty::StrArr),
    Field::opt(
        "phone_number_identification_status",
        Ty::EnumArr(IDENT_STATUS),
    ),
    Field::opt("web3_wallet", Ty::StrArr),
    Field::opt("username", Ty::Str).null(),
    Field::opt("password", Ty::Str).null(),
    Field::opt("password_digest", Ty::Str).null(),
    Field::opt("password_hasher", Ty::Str),
    Field::opt("skip_password_checks", Ty::Bool).null(),
    Field::opt("skip_password_requirement", Ty::Bool).null(),
    Field::opt("totp_secret", Ty::Str).null(),
    Field::opt("backup_codes", Ty::StrArr),
    Field::opt("public_metadata", Ty::Obj),
    Field::opt("private_metadata", Ty::Obj),
    Field::opt("unsafe_metadata", Ty::Obj),
    Field::opt("delete_self_enabled", Ty::Bool).null(),
    Field::opt("legal_accepted_at", Ty::Str).null(),
    Field::opt("skip_legal_checks", Ty::Bool).null(),
    Field::opt("skip_user_requirement", Ty::Bool).null(),
    Field::opt("create_organization_enabled", Ty::Bool).null(),
    Field::opt("create_organizations_limit", Ty::Int).null(),
    Field::opt("created_at", Ty::Str).null(),
    Field::opt("bypass_client_trust", Ty::Bool).null(),
    Field::opt("banned", Ty::Bool).null(),
    Field::opt("locked", Ty::Bool).null(),
    Field::opt("timezone", Ty::Str),
];

const UPDATE: &[Field] = &[
    Field::opt("external_id", Ty::Str).null(),
    Field::opt("first_name", Ty::Str).null(),
    Field::opt("last_name", Ty::Str).null(),
    Field::opt("locale", Ty::Str).null(),
    Field::opt("primary_email_address_id", Ty::Str).null(),
    Field::opt("notify_primary_email_address_changed", Ty::Bool).null(),
    Field::opt("primary_phone_number_id", Ty::Str).null(),
    Field::opt("primary_web3_wallet_id", Ty::Str).null(),
    Field::opt("username", Ty::Str).null(),
    Field::opt("profile_image_id", Ty::Str).null(),
    Field::opt("password", Ty::Str).null(),
    Field::opt("password_digest", Ty::Str),
    Field::opt("password_hasher", Ty::Str),
    Field::opt("skip_password_checks", Ty::Bool).null(),
    Field::opt("sign_out_of_other_sessions", Ty::Bool).null(),
    Field::opt("totp_secret", Ty::Str).null(),
    Field::opt("backup_codes", Ty::StrArr),
    Field::opt("delete_self_enabled", Ty::Bool).null(),
    Field::opt("create_organization_enabled", Ty::Bool).null(),
    Field::opt("legal_accepted_at", Ty::Str).null(),
    Field::opt("skip_legal_checks", Ty::Bool).null(),
    Field::opt("create_organizations_limit", Ty::Int).null(),
    Field::opt("created_at", Ty::Str).null(),
    Field::opt("bypass_client_trust", Ty::Bool).null(),
    Field::opt("timezone", Ty::Str),
];

const METADATA: &[Field] = &[
    Field::opt("public_metadata", Ty::Obj),
    Field::opt("private_metadata", Ty::Obj),
    Field::opt("unsafe_metadata", Ty::Obj),
];

/// The filters shared by `GET /users` and `GET /users/count`.
macro_rules! user_filters {
    ($($extra:expr),* $(,)?) => {
        &[
            Field::opt("email_address", Ty::StrArr),
            Field::opt("phone_number", Ty::StrArr),
            Field::opt("external_id", Ty::StrArr),
            Field::opt("username", Ty::StrArr),
            Field::opt("web3_wallet", Ty::StrArr),
            Field::opt("user_id", Ty::StrArr),
            Field::opt("organization_id", Ty::StrArr),
            Field::opt("query", Ty::Str),
            Field::opt("email_address_query", Ty::Str),
            Field::opt("phone_number_query", Ty::Str),
            Field::opt("username_query", Ty::Str),
            Field::opt("name_query", Ty::Str),
            Field::opt("banned", Ty::Bool),
            Field::opt("last_active_at_before", Ty::Int),
            Field::opt("last_active_at_after", Ty::Int),
            Field::opt("last_active_at_since", Ty::Int),
            Field::opt("created_at_before", Ty::Int),
            Field::opt("created_at_after", Ty::Int),
            Field::opt("last_sign_in_at_before", Ty::Int),
            Field::opt("last_sign_in_at_after", Ty::Int),
            Field::opt("provider", Ty::Str),
            Field::opt("provider_user_id", Ty::StrArr),
            $($extra,)*
        ]
    };
}

const LIST_QUERY: &[Field] = user_filters!(
    PAGE[0],
    PAGE[1],
    Field::opt("starting_after", Ty::Str),
    Field::opt("order_by", Ty::Str),
);
const COUNT_QUERY: &[Field] = user_filters!();

const VERIFY_PASSWORD: &[Field] = &[Field::req("password", Ty::Str)];
const VERIFY_TOTP: &[Field] = &[Field::req("code", Ty::Str)];
const USER_IDS: &[Field] = &[Field::req("user_ids", Ty::StrArr)];
const REMOVE_PASSWORD: &[Field] = &[Field::opt("sign_out_of_other_sessions", Ty::Bool)];
const INVITATION_QUERY: &[Field] = &[
    PAGE[0],
    PAGE[1],
    Field::opt(
        "status",
        Ty::Enum(&["pending", "accepted", "revoked", "expired"]),
    ),
];

/// The user operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("GetUserList", list).query(LIST_QUERY),
    Op::new("CreateUser", create).body(CREATE),
    Op::new("GetUsersCount", count).query(COUNT_QUERY),
    Op::new("GetUser", get),
    Op::new("UpdateUser", update).body(UPDATE),
    Op::new("DeleteUser", delete),
    Op::new("BanUser", ban),
    Op::new("UnbanUser", unban),
    Op::new("UsersBan", ban_many).body(USER_IDS),
    Op::new("UsersUnban", unban_many).body(USER_IDS),
    Op::new("LockUser", lock),
    Op::new("UnlockUser", unlock),
    Op::new("ReplaceUserMetadata", replace_metadata).body(METADATA),
    Op::new("UpdateUserMetadata", merge_metadata).body(METADATA),
    Op::new("VerifyPassword", verify_password).body(VERIFY_PASSWORD),
    Op::new("VerifyTOTP", verify_totp).body(VERIFY_TOTP),
    Op::new("RemoveUserPassword", remove_password).body(REMOVE_PASSWORD),
    Op::new("DisableMFA", disable_mfa),
    Op::new("DeleteBackupCode", delete_backup_codes),
    Op::new("DeleteTOTP", delete_totp),
    Op::new("UsersGetOrganizationMemberships", organization_memberships).query(&PAGE),
    Op::new("UsersGetOrganizationInvitations", organization_invitations).query(INVITATION_QUERY),
];

// ---- validation helpers --------------------------------------------------------------------

/// Common passwords refused as breached (`form_password_pwned`) unless checks are skipped.
const PWNED: &[&str] = &[
    "password",
    "password1",
    "password123",
    "passw0rd",
    "12345678",
    "123456789",
    "1234567890",
    "11111111",
    "qwerty123",
    "qwertyuiop",
    "iloveyou",
    "abc12345",
    "letmein1",
];

pub(crate) fn check_password(password: &str, skip_checks: bool) -> Result<(), ApiError> {
    if skip_checks {
        return Ok(());
    }
    if password.chars().count() < 8 {
        return Err(ApiError::unprocessable(
            "form_password_length_too_short",
            "Passwords must be 8 characters or more.",
        )
        .param("password"));
    }
    if password.len() > 72 {
        return Err(ApiError::unprocessable(
            "form_password_length_too_long",
            "Passwords must be less than 72 characters.",
        )
        .param("password"));
    }
    if PWNED.contains(&password.to_lowercase().as_str()) {
        return Err(ApiError::unprocessable(
            "form_password_pwned",
            "Password has been found in an online data breach. For account safety, please use a different password.",
        )
        .param("password"));
    }
    Ok(())
}

pub(crate) fn check_username(username: &str) -> Result<(), ApiError> {
    let len = username.chars().count();
    if !(4..=64).contains(&len) {
        return Err(ApiError::unprocessable(
            "form_username_invalid_length",
            "Usernames must be between 4 and 64 characters long.",
        )
        .param("username"));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(ApiError::unprocessable(
            "form_username_invalid_character",
            "Usernames can only contain letters, numbers, '_', '-' and '.'.",
        )
        .param("username"));
    }
    Ok(())
}

fn check_email(email: &str) -> Result<(), ApiError> {
    if is_email(email) {
        Ok(())
    } else {
        Err(ApiError::format_invalid(
            "email_address",
            "email_address must be a valid email address.",
        ))
    }
}

fn check_phone(phone: &str) -> Result<(), ApiError> {
    if is_e164(phone) {
        Ok(())
    } else {
        Err(ApiError::format_invalid(
            "phone_number",
            "phone_number must be a valid phone number in E.164 format (e.g. +15555550100).",
        ))
    }
}

fn timestamp_param(body: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    match body.str_of(name) {
        None => Ok(None),
        Some(text) => parse_rfc3339_ms(text).map(Some).ok_or_else(|| {
            ApiError::format_invalid(
                name,
                format!("{name} must be an RFC 3339 date-time, such as 2024-01-02T03:04:05Z."),
            )
        }),
    }
}

fn hash_password(password: &str) -> PasswordRec {
    let salt = util::random_token("", 16);
    PasswordRec::Salted {
        sha256: sha256_hex(&[salt.as_bytes(), password.as_bytes()]),
        salt,
    }
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The password a request sets: `Some(None)` clears it.
fn password_from(body: &Map<String, Value>) -> Result<Option<Option<PasswordRec>>, ApiError> {
    let skip = body.bool_of("skip_password_checks").unwrap_or(false);
    if let Some(digest) = body.str_of("password_digest") {
        let hasher = body
            .str_of("password_hasher")
            .ok_or_else(|| ApiError::param_missing("password_hasher"))?;
        return Ok(Some(Some(PasswordRec::Digest {
            hasher: hasher.to_owned(),
            digest: digest.to_owned(),
        })));
    }
    match body.nullable_str("password") {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(password)) => {
            check_password(&password, skip)?;
            Ok(Some(Some(hash_password(&password))))
        }
    }
}

fn check_totp_secret(secret: &str) -> Result<(), ApiError> {
    if base32_decode(secret).is_some_and(|k| !k.is_empty()) {
        Ok(())
    } else {
        Err(ApiError::format_invalid(
            "totp_secret",
            "totp_secret must be a base32-encoded secret.",
        ))
    }
}

// ---- lookups --------------------------------------------------------------------------------

pub(crate) fn find<'a>(st: &'a State, id: &str) -> Result<&'a UserRec, ApiError> {
    st.users.get(id).ok_or_else(|| ApiError::not_found("User"))
}

fn find_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut UserRec, ApiError> {
    st.users
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("User"))
}

/// Renders a user, emits `user.updated` and answers with it.
fn updated(app: &App, st: &State, id: &str, meta: &RequestMeta) -> Result<Reply, ApiError> {
    let user = render::user(st, find(st, id)?);
    app.emit("user.updated", &user, meta);
    Reply::ok(&user)
}

// ---- create ---------------------------------------------------------------------------------

/// Creates a user from a validated `CreateUser` body; returns the rendered user.
pub(crate) fn create_user(
    app: &App,
    body: &Map<String, Value>,
    meta: &RequestMeta,
) -> Result<clerk_api::models::User, ApiError> {
    let emails = body.strs_of("email_address");
    let phones = body.strs_of("phone_number");
    let wallets = body.strs_of("web3_wallet");
    for e in &emails {
        check_email(e)?;
    }
    for p in &phones {
        check_phone(p)?;
    }
    let username = body.str_of("username").map(str::to_owned);
    if let Some(name) = &username {
        check_username(name)?;
    }
    let password = password_from(body)?.flatten();
    let totp_secret = body.str_of("totp_secret").map(str::to_owned);
    if let Some(secret) = &totp_secret {
        check_totp_secret(secret)?;
    }
    let legal_accepted_at = timestamp_param(body, "legal_accepted_at")?;
    let created_at_param = timestamp_param(body, "created_at")?;
    let external_id = body.str_of("external_id").map(str::to_owned);
    let email_status = body.strs_of("email_address_identification_status");
    let phone_status = body.strs_of("phone_number_identification_status");

    let now = app.now();
    let created_at = created_at_param.unwrap_or(now);
    let id = app.id("user_");

    let mut st = app.write();
    // Uniqueness, checked and claimed under one lock.
    let mut seen = HashSet::new();
    for e in &emails {
        let key = e.to_lowercase();
        if st.idx.email.contains_key(&key) || !seen.insert(key) {
            return Err(ApiError::identifier_exists(
                "email_address",
                "email address",
            ));
        }
    }
    for p in &phones {
        if st.idx.phone.contains_key(p) || !seen.insert(p.clone()) {
            return Err(ApiError::identifier_exists("phone_number", "phone number"));
        }
    }
    for w in &wallets {
        let key = w.to_lowercase();
        if st.idx.web3.contains_key(&key) || !seen.insert(key) {
            return Err(ApiError::identifier_exists("web3_wallet", "web3 wallet"));
        }
    }
    if let Some(name) = &username {
        if st.idx.username.contains_key(&name.to_lowercase()) {
            return Err(ApiError::identifier_exists("username", "username"));
        }
    }
    if let Some(ext) = &external_id {
        if st.idx.external_id.contains_key(ext) {
            return Err(ApiError::identifier_exists("external_id", "external ID"));
        }
    }

    let mut email_ids = Vec::with_capacity(emails.len());
    for (i, e) in emails.iter().enumerate() {
        let eid = app.id("idn_");
        let reserved = email_status.get(i).is_some_and(|s| s == "reserved");
        st.idx.email.insert(e.to_lowercase(), eid.clone());
        st.emails.insert(
            eid.clone(),
            EmailRec {
                id: eid.clone(),
                user_id: id.clone(),
                email: e.clone(),
                verified: !reserved,
                reserved,
                created_at: now,
                updated_at: now,
            },
        );
        email_ids.push(eid);
    }
    let mut phone_ids = Vec::with_capacity(phones.len());
    for (i, p) in phones.iter().enumerate() {
        let pid = app.id("idn_");
        let reserved = phone_status.get(i).is_some_and(|s| s == "reserved");
        st.idx.phone.insert(p.clone(), pid.clone());
        st.phones.insert(
            pid.clone(),
            PhoneRec {
                id: pid.clone(),
                user_id: id.clone(),
                phone: p.clone(),
                verified: !reserved,
                reserved,
                reserved_for_second_factor: false,
                created_at: now,
                updated_at: now,
            },
        );
        phone_ids.push(pid);
    }
    let web3_wallets: Vec<Web3Rec> = wallets
        .iter()
        .map(|w| Web3Rec {
            id: app.id("idn_"),
            address: w.clone(),
            created_at: now,
        })
        .collect();
    for w in &web3_wallets {
        st.idx.web3.insert(w.address.to_lowercase(), id.clone());
    }
    if let Some(name) = &username {
        st.idx.username.insert(name.to_lowercase(), id.clone());
    }
    if let Some(ext) = &external_id {
        st.idx.external_id.insert(ext.clone(), id.clone());
    }
    let seq = st.next_seq();
    let mfa = totp_secret.is_some() || body.has("backup_codes");
    let rec = UserRec {
        id: id.clone(),
        external_id,
        username,
        first_name: body.str_of("first_name").map(str::to_owned),
        last_name: body.str_of("last_name").map(str::to_owned),
        locale: body.str_of("locale").map(str::to_owned),
        password_last_updated_at: password.as_ref().map(|_| now),
        password,
        totp_secret,
        backup_codes: body.strs_of("backup_codes"),
        public_metadata: metadata(body, "public_metadata"),
        private_metadata: metadata(body, "private_metadata"),
        unsafe_metadata: metadata(body, "unsafe_metadata"),
        primary_email_id: email_ids.first().cloned(),
        primary_phone_id: phone_ids.first().cloned(),
        primary_web3_wallet_id: web3_wallets.first().map(|w| w.id.clone()),
        email_ids,
        phone_ids,
        web3_wallets,
        banned: body.bool_of("banned").unwrap_or(false),
        locked: body.bool_of("locked").unwrap_or(false),
        image_url: None,
        mfa_enabled_at: mfa.then_some(now),
        mfa_disabled_at: None,
        last_sign_in_at: None,
        last_active_at: None,
        legal_accepted_at,
        delete_self_enabled: body.bool_of("delete_self_enabled").unwrap_or(true),
        create_organization_enabled: body.bool_of("create_organization_enabled").unwrap_or(true),
        create_organizations_limit: body.int_of("create_organizations_limit"),
        bypass_client_trust: body.bool_of("bypass_client_trust").unwrap_or(false),
        created_at,
        updated_at: now,
        seq,
    };
    let user = render::user(&st, &rec);
    st.users.insert(id, rec);
    app.emit("user.created", &user, meta);
    Ok(user)
}

fn create(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let user = create_user(app, call.obj(), &call.meta)?;
    Reply::ok(&user)
}

// ---- read -----------------------------------------------------------------------------------

fn get(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let user = {
        let st = app.read();
        render::user(&st, find(&st, call.param("user_id"))?)
    };
    Reply::ok(&user)
}

/// The users matching the list/count filters.
fn filtered<'a>(st: &'a State, q: &Query) -> Vec<&'a UserRec> {
    let lower = |v: Vec<&str>| -> Vec<String> { v.into_iter().map(str::to_lowercase).collect() };
    let emails = lower(q.all("email_address"));
    let phones = q.all("phone_number");
    let external_ids = q.all("external_id");
    let usernames = lower(q.all("username"));
    let wallets = lower(q.all("web3_wallet"));
    let user_ids = q.all("user_id");
    let org_ids = q.all("organization_id");
    let provider_ids = q.all("provider_user_id");
    let text = q.str("query").map(str::to_lowercase);
    let email_q = q.str("email_address_query").map(str::to_lowercase);
    let phone_q = q.str("phone_number_query").map(str::to_lowercase);
    let username_q = q.str("username_query").map(str::to_lowercase);
    let name_q = q.str("name_query").map(str::to_lowercase);
    let banned = q.bool("banned");
    let members: Option<HashSet<&str>> = (!org_ids.is_empty()).then(|| {
        st.memberships
            .values()
            .filter(|m| org_ids.contains(&m.org_id.as_str()))
            .map(|m| m.user_id.as_str())
            .collect()
    });
    let email_of = |u: &UserRec| -> Vec<&str> {
        u.email_ids
            .iter()
            .filter_map(|id| st.emails.get(id))
            .map(|e| e.email.as_str())
            .collect()
    };
    let phone_of = |u: &UserRec| -> Vec<&str> {
        u.phone_ids
            .iter()
            .filter_map(|id| st.phones.get(id))
            .map(|p| p.phone.as_str())
            .collect()
    };
    let before = |value: Option<i64>, name: &str| match q.int(name) {
        Some(limit) => value.is_some_and(|v| v < limit),
        None => true,
    };
    let after = |value: Option<i64>, name: &str| match q.int(name) {
        Some(limit) => value.is_some_and(|v| v > limit),
        None => true,
    };
    st.users
        .values()
        .filter(|u| {
            (emails.is_empty()
                || email_of(u)
                    .iter()
                    .any(|e| emails.contains(&e.to_lowercase())))
                && (phones.is_empty() || phone_of(u).iter().any(|p| phones.contains(p)))
                && (external_ids.is_empty()
                    || u.external_id
                        .as_deref()
                        .is_some_and(|e| external_ids.contains(&e)))
                && (usernames.is_empty()
                    || u.username
                        .as_deref()
                        .is_some_and(|n| usernames.contains(&n.to_lowercase())))
                && (wallets.is_empty()
                    || u.web3_wallets
                        .iter()
                        .any(|w| wallets.contains(&w.address.to_lowercase())))
                && (user_ids.is_empty() || user_ids.contains(&u.id.as_str()))
                && members.as_ref().is_none_or(|m| m.contains(u.id.as_str()))
                // External accounts are not emulated: a provider filter matches nobody.
                && q.str("provider").is_none()
                && provider_ids.is_empty()
                && banned.is_none_or(|b| u.banned == b)
                && email_q
                    .as_deref()
                    .is_none_or(|s| email_of(u).iter().any(|e| contains_ci(e, s)))
                && phone_q
                    .as_deref()
                    .is_none_or(|s| phone_of(u).iter().any(|p| contains_ci(p, s)))
                && username_q
                    .as_deref()
                    .is_none_or(|s| u.username.as_deref().is_some_and(|n| contains_ci(n, s)))
                && name_q.as_deref().is_none_or(|s| name_matches(u, s))
                && text.as_deref().is_none_or(|s| {
                    contains_ci(&u.id, s)
                        || email_of(u).iter().any(|e| contains_ci(e, s))
                        || phone_of(u).iter().any(|p| contains_ci(p, s))
                        || u.username.as_deref().is_some_and(|n| contains_ci(n, s))
                        || u.external_id.as_deref().is_some_and(|n| contains_ci(n, s))
                        || u.web3_wallets.iter().any(|w| contains_ci(&w.address, s))
                        || name_matches(u, s)
                })
                && before(u.last_active_at, "last_active_at_before")
                && after(u.last_active_at, "last_active_at_after")
                && q.int("last_active_at_since")
                    .is_none_or(|s| u.last_active_at.is_some_and(|v| v >= s))
                && before(Some(u.created_at), "created_at_before")
                && after(Some(u.created_at), "created_at_after")
                && before(u.last_sign_in_at, "last_sign_in_at_before")
                && after(u.last_sign_in_at, "last_sign_in_at_after")
        })
        .collect()
}

fn name_matches(u: &UserRec, needle: &str) -> bool {
    let full = format!(
        "{} {}",
        u.first_name.as_deref().unwrap_or(""),
        u.last_name.as_deref().unwrap_or("")
    );
    contains_ci(full.trim(), needle)
}

/// A sort key: nulls first, then numbers, then text; ties broken by insertion order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SortKey {
    Null,
    Int(i64),
    Text(String),
}

impl SortKey {
    pub(crate) fn opt_int(v: Option<i64>) -> SortKey {
        v.map_or(SortKey::Null, SortKey::Int)
    }

    pub(crate) fn opt_text(v: Option<&str>) -> SortKey {
        v.map_or(SortKey::Null, |s| SortKey::Text(s.to_lowercase()))
    }
}

const USER_ORDER: &[&str] = &[
    "created_at",
    "updated_at",
    "email_address",
    "web3wallet",
    "first_name",
    "last_name",
    "phone_number",
    "username",
    "last_active_at",
    "last_sign_in_at",
];

fn list(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let users = {
        let st = app.read();
        let matching = filtered(&st, q);
        let key = |u: &&UserRec, field: &str| -> (SortKey, u64) {
            let k = match field {
                "created_at" => SortKey::Int(u.created_at),
                "updated_at" => SortKey::Int(u.updated_at),
                "email_address" => SortKey::opt_text(
                    u.primary_email_id
                        .as_ref()
                        .and_then(|id| st.emails.get(id))
                        .map(|e| e.email.as_str()),
                ),
                "phone_number" => SortKey::opt_text(
                    u.primary_phone_id
                        .as_ref()
                        .and_then(|id| st.phones.get(id))
                        .map(|p| p.phone.as_str()),
                ),
                "web3wallet" => {
                    SortKey::opt_text(u.web3_wallets.first().map(|w| w.address.as_str()))
                }
                "first_name" => SortKey::opt_text(u.first_name.as_deref()),
                "last_name" => SortKey::opt_text(u.last_name.as_deref()),
                "username" => SortKey::opt_text(u.username.as_deref()),
                "last_active_at" => SortKey::opt_int(u.last_active_at),
                _ => SortKey::opt_int(u.last_sign_in_at),
            };
            (k, u.seq)
        };
        let order = q.str("order_by").unwrap_or("-created_at");
        let (desc, field) = match order.as_bytes().first() {
            Some(b'-') => (true, &order[1..]),
            Some(b'+') => (false, &order[1..]),
            _ => (false, order),
        };
        if !USER_ORDER.contains(&field) {
            return Err(ApiError::value_invalid(
                "order_by",
                format!(
                    "order_by must be one of {} (optionally prefixed with + or -).",
                    USER_ORDER.join(", ")
                ),
            ));
        }
        let mut keyed: Vec<((SortKey, u64), &UserRec)> =
            matching.into_iter().map(|u| (key(&u, field), u)).collect();
        keyed.sort_by(|a, b| if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
        let mut sorted: Vec<&UserRec> = keyed.into_iter().map(|(_, u)| u).collect();
        if let Some(after) = q.str("starting_after") {
            let pos = sorted.iter().position(|u| u.id == after).ok_or_else(|| {
                ApiError::value_invalid(
                    "starting_after",
                    "starting_after must be the id of a user in this list.",
                )
            })?;
            sorted.drain(..=pos);
        }
        let (limit, offset) = q.page();
        let offset = if q.str("starting_after").is_some() {
            0
        } else {
            offset
        };
        sorted
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|u| render::user(&st, u))
            .collect::<Vec<_>>()
    };
    list_reply(users, 0, false)
}

fn count(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let n = filtered(&app.read(), &call.query).len();
    Reply::ok(&json!({"object": "total_count", "total_count": n}))
}

// ---- update ---------------------------------------------------------------------------------

fn update(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("user_id").to_owned();
    if let Some(Some(name)) = body.nullable_str("username") {
        check_username(&name)?;
    }
    let password = password_from(body)?;
    if let Some(secret) = body.str_of("totp_secret") {
        check_totp_secret(secret)?;
    }
    let legal_accepted_at = timestamp_param(body, "legal_accepted_at")?;
    let created_at = timestamp_param(body, "created_at")?;
    let now = app.now();

    let mut st = app.write();
    let user = find(&st, &id)?;
    // Identifier checks first, so a rejected update changes nothing.
    if let Some(Some(name)) = body.nullable_str("username") {
        if st
            .idx
            .username
            .get(&name.to_lowercase())
            .is_some_and(|owner| *owner != id)
        {
            return Err(ApiError::identifier_exists("username", "username"));
        }
    }
    if let Some(Some(ext)) = body.nullable_str("external_id") {
        if st
            .idx
            .external_id
            .get(&ext)
            .is_some_and(|owner| *owner != id)
        {
            return Err(ApiError::identifier_exists("external_id", "external ID"));
        }
    }
    if let Some(Some(primary)) = body.nullable_str("primary_email_address_id") {
        if !user.email_ids.contains(&primary) {
            return Err(ApiError::value_invalid(
                "primary_email_address_id",
                "primary_email_address_id must be the id of one of the user's email addresses.",
            ));
        }
    }
    if let Some(Some(primary)) = body.nullable_str("primary_phone_number_id") {
        if !user.phone_ids.contains(&primary) {
            return Err(ApiError::value_invalid(
                "primary_phone_number_id",
                "primary_phone_number_id must be the id of one of the user's phone numbers.",
            ));
        }
    }
    if let Some(Some(primary)) = body.nullable_str("primary_web3_wallet_id") {
        if !user.web3_wallets.iter().any(|w| w.id == primary) {
            return Err(ApiError::value_invalid(
                "primary_web3_wallet_id",
                "primary_web3_wallet_id must be the id of one of the user's web3 wallets.",
            ));
        }
    }
    let old_username = user.username.clone();
    let old_external = user.external_id.clone();

    let st = &mut *st;
    let Some(user) = st.users.get_mut(&id) else {
        return Err(ApiError::not_found("User"));
    };
    if let Some(name) = body.nullable_str("username") {
        if let Some(old) = &old_username {
            st.idx.username.remove(&old.to_lowercase());
        }
        if let Some(new) = &name {
            st.idx.username.insert(new.to_lowercase(), id.clone());
        }
        user.username = name;
    }
    if let Some(ext) = body.nullable_str("external_id") {
        if let Some(old) = &old_external {
            st.idx.external_id.remove(old);
        }
        if let Some(new) = &ext {
            st.idx.external_id.insert(new.clone(), id.clone());
        }
        user.external_id = ext;
    }
    if let Some(v) = body.nullable_str("first_name") {
        user.first_name = v;
    }
    if let Some(v) = body.nullable_str("last_name") {
        user.last_name = v;
    }
    if let Some(v) = body.nullable_str("locale") {
        user.locale = v;
    }
    if let Some(Some(v)) = body.nullable_str("primary_email_address_id") {
        user.primary_email_id = Some(v);
    }
    if let Some(Some(v)) = body.nullable_str("primary_phone_number_id") {
        user.primary_phone_id = Some(v);
    }
    if let Some(Some(v)) = body.nullable_str("primary_web3_wallet_id") {
        user.primary_web3_wallet_id = Some(v);
    }
    if let Some(password) = password {
        user.password_last_updated_at = password.as_ref().map(|_| now);
        user.password = password;
    }
    if let Some(secret) = body.nullable_str("totp_secret") {
        if secret.is_some() && user.totp_secret.is_none() && user.backup_codes.is_empty() {
            user.mfa_enabled_at = Some(now);
        }
        user.totp_secret = secret;
    }
    if body.has("backup_codes") {
        user.backup_codes = body.strs_of("backup_codes");
    }
    if let Some(v) = body.bool_of("delete_self_enabled") {
        user.delete_self_enabled = v;
    }
    if let Some(v) = body.bool_of("create_organization_enabled") {
        user.create_organization_enabled = v;
    }
    if body.has("create_organizations_limit") {
        user.create_organizations_limit = body.int_of("create_organizations_limit");
    }
    if let Some(v) = legal_accepted_at {
        user.legal_accepted_at = Some(v);
    }
    if let Some(v) = created_at {
        user.created_at = v;
    }
    if let Some(v) = body.bool_of("bypass_client_trust") {
        user.bypass_client_trust = v;
    }
    user.updated_at = now;
    let sign_out = body.bool_of("sign_out_of_other_sessions").unwrap_or(false);
    if sign_out {
        super::sessions::end_user_sessions(app, st, &id, "revoked", &call.meta);
    }
    updated(app, st, &id, &call.meta)
}

fn replace_metadata(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("user_id");
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    if let Some(m) = body.obj_of("public_metadata") {
        user.public_metadata = m.clone();
    }
    if let Some(m) = body.obj_of("private_metadata") {
        user.private_metadata = m.clone();
    }
    if let Some(m) = body.obj_of("unsafe_metadata") {
        user.unsafe_metadata = m.clone();
    }
    user.updated_at = app.now();
    updated(app, &st, id, &call.meta)
}

fn merge_metadata(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("user_id");
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    if let Some(m) = body.obj_of("public_metadata") {
        deep_merge(&mut user.public_metadata, m);
    }
    if let Some(m) = body.obj_of("private_metadata") {
        deep_merge(&mut user.private_metadata, m);
    }
    if let Some(m) = body.obj_of("unsafe_metadata") {
        deep_merge(&mut user.unsafe_metadata, m);
    }
    user.updated_at = app.now();
    updated(app, &st, id, &call.meta)
}

// ---- delete ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct DeletedUser<'a> {
    object: &'static str,
    id: &'a str,
    deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
}

fn delete(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("user_id").to_owned();
    let mut st = app.write();
    let st = &mut *st;
    if !st.users.contains_key(&id) {
        return Err(ApiError::not_found("User"));
    }
    // Sessions and memberships first, while their events can still embed the user.
    super::sessions::end_user_sessions(app, st, &id, "removed", &call.meta);
    let membership_ids: Vec<String> = st.user_memberships(&id).map(|m| m.id.clone()).collect();
    for mid in membership_ids {
        if let Some(m) = st.memberships.get(&mid) {
            let rendered = render::membership(app, st, m);
            app.emit("organizationMembership.deleted", &rendered, &call.meta);
        }
        if let Some(m) = st.memberships.remove(&mid) {
            st.idx.membership.remove(&(m.org_id, m.user_id));
        }
    }
    let Some(user) = st.users.remove(&id) else {
        return Err(ApiError::not_found("User"));
    };
    for eid in &user.email_ids {
        if let Some(e) = st.emails.remove(eid) {
            st.idx.email.remove(&e.email.to_lowercase());
        }
    }
    for pid in &user.phone_ids {
        if let Some(p) = st.phones.remove(pid) {
            st.idx.phone.remove(&p.phone);
        }
    }
    for w in &user.web3_wallets {
        st.idx.web3.remove(&w.address.to_lowercase());
    }
    if let Some(name) = &user.username {
        st.idx.username.remove(&name.to_lowercase());
    }
    if let Some(ext) = &user.external_id {
        st.idx.external_id.remove(ext);
    }
    let deleted = DeletedUser {
        object: "user",
        id: &id,
        deleted: true,
        external_id: user.external_id.as_deref(),
    };
    app.emit("user.deleted", &deleted, &call.meta);
    Reply::ok(&render::deleted("user", &id))
}

// ---- ban, lock ------------------------------------------------------------------------------

fn set_flag(
    app: &App,
    call: &Call,
    banned: Option<bool>,
    locked: Option<bool>,
) -> Result<Reply, ApiError> {
    let id = call.param("user_id");
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    if let Some(b) = banned {
        user.banned = b;
    }
    if let Some(l) = locked {
        user.locked = l;
    }
    user.updated_at = app.now();
    if banned == Some(true) {
        super::sessions::end_user_sessions(app, &mut st, id, "revoked", &call.meta);
    }
    updated(app, &st, id, &call.meta)
}

fn ban(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    set_flag(app, call, Some(true), None)
}

fn unban(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    set_flag(app, call, Some(false), None)
}

fn lock(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    set_flag(app, call, None, Some(true))
}

fn unlock(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    set_flag(app, call, None, Some(false))
}

fn ban_many_with(app: &App, call: &Call, banned: bool) -> Result<Reply, ApiError> {
    let ids = call.obj().strs_of("user_ids");
    if ids.len() > 100 {
        return Err(ApiError::value_invalid(
            "user_ids",
            "user_ids can hold at most 100 ids.",
        ));
    }
    let now = app.now();
    let mut st = app.write();
    for id in &ids {
        find(&st, id)?;
    }
    let mut users = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(u) = st.users.get_mut(id) {
            u.banned = banned;
            u.updated_at = now;
        }
        if banned {
            super::sessions::end_user_sessions(app, &mut st, id, "revoked", &call.meta);
        }
        let user = render::user(&st, find(&st, id)?);
        app.emit("user.updated", &user, &call.meta);
        users.push(user);
    }
    Reply::ok(&users)
}

fn ban_many(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    ban_many_with(app, call, true)
}

fn unban_many(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    ban_many_with(app, call, false)
}

// ---- passwords and second factors -----------------------------------------------------------

fn verify_password(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let password = call.obj().str_of("password").unwrap_or("");
    let st = app.read();
    let user = find(&st, call.param("user_id"))?;
    let verified = match &user.password {
        None => {
            return Err(ApiError::bad_request(
                "password_not_set",
                "The user has no password set.",
            ));
        }
        Some(PasswordRec::Salted { salt, sha256 }) => {
            sha256_hex(&[salt.as_bytes(), password.as_bytes()]) == *sha256
        }
        Some(PasswordRec::Digest { hasher, digest }) => match hasher.as_str() {
            "sha256" => sha256_hex(&[password.as_bytes()]).eq_ignore_ascii_case(digest),
            other => {
                return Err(ApiError::unprocessable(
                    "password_hasher_not_emulated",
                    format!(
                        "clerk-testkit cannot check passwords imported with the {other} hasher (only sha256 digests and passwords set through the API)."
                    ),
                ));
            }
        },
    };
    if verified {
        Reply::ok(&json!({"verified": true}))
    } else {
        Err(ApiError::unprocessable(
            "form_password_incorrect",
            "Password is incorrect. Try again, or use another method.",
        )
        .param("password"))
    }
}

fn verify_totp(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let code = call.obj().str_of("code").unwrap_or("").trim().to_owned();
    let now_secs = app.now().div_euclid(1000);
    let id = call.param("user_id");
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    if user.totp_secret.is_none() && user.backup_codes.is_empty() {
        return Err(ApiError::unprocessable(
            "totp_not_enabled",
            "The user has no TOTP authenticator and no backup codes set up.",
        ));
    }
    if let Some(key) = user.totp_secret.as_deref().and_then(base32_decode) {
        if totp_matches(&key, now_secs, &code) {
            return Reply::ok(&json!({"verified": true, "code_type": "totp"}));
        }
    }
    if let Some(pos) = user.backup_codes.iter().position(|c| *c == code) {
        // Backup codes are single-use.
        user.backup_codes.remove(pos);
        user.updated_at = app.now();
        return Reply::ok(&json!({"verified": true, "code_type": "backup_code"}));
    }
    Err(ApiError::unprocessable("form_code_incorrect", "Incorrect code").param("code"))
}

fn remove_password(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("user_id");
    let sign_out = call
        .obj()
        .bool_of("sign_out_of_other_sessions")
        .unwrap_or(false);
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    user.password = None;
    user.updated_at = app.now();
    if sign_out {
        super::sessions::end_user_sessions(app, &mut st, id, "revoked", &call.meta);
    }
    updated(app, &st, id, &call.meta)
}

fn clear_factors(app: &App, call: &Call, totp: bool, backup: bool) -> Result<Reply, ApiError> {
    let id = call.param("user_id");
    let now = app.now();
    let mut st = app.write();
    let user = find_mut(&mut st, id)?;
    if totp {
        user.totp_secret = None;
    }
    if backup {
        user.backup_codes.clear();
    }
    if user.totp_secret.is_none() && user.backup_codes.is_empty() {
        user.mfa_disabled_at = Some(now);
    }
    user.updated_at = now;
    let rendered = render::user(&st, find(&st, id)?);
    app.emit("user.updated", &rendered, &call.meta);
    Reply::ok(&json!({"user_id": id}))
}

fn disable_mfa(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    clear_factors(app, call, true, true)
}

fn delete_backup_codes(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    clear_factors(app, call, false, true)
}

fn delete_totp(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    clear_factors(app, call, true, false)
}

// ---- a user's organizations -----------------------------------------------------------------

fn organization_memberships(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let id = call.param("user_id");
    find(&st, id)?;
    let mut items: Vec<_> = st.user_memberships(id).collect();
    items.sort_by_key(|m| std::cmp::Reverse((m.created_at, m.seq)));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items
        .into_iter()
        .map(|m| render::membership(app, &st, m))
        .collect();
    list_reply(data, total, true)
}

fn organization_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let now = app.now();
    let st = app.read();
    let user = find(&st, call.param("user_id"))?;
    let emails: Vec<String> = user
        .email_ids
        .iter()
        .filter_map(|id| st.emails.get(id))
        .map(|e| e.email.to_lowercase())
        .collect();
    let status = call.query.str("status");
    let mut items: Vec<_> = st
        .org_invitations
        .values()
        .filter(|i| emails.contains(&i.email.to_lowercase()))
        .filter(|i| {
            status.is_none_or(|s| render::invitation_status(&i.status, i.expires_at, now) == s)
        })
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.seq)));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items
        .into_iter()
        .map(|i| render::org_invitation_with_org(app, &st, i, now))
        .collect();
    list_reply(data, total, true)
}

// ---- TOTP (RFC 6238) --------------------------------------------------------------------------

/// Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and padding ignored).
pub(crate) fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut nbits = 0u32;
    let mut out = Vec::new();
    for c in text.chars() {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            ' ' | '-' | '=' => continue,
            _ => return None,
        };
        bits = (bits << 5) | v;
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Some(out)
}

/// The 6-digit TOTP code (30 s steps, HMAC-SHA1) for `counter`.
pub(crate) fn totp_code(key: &[u8], counter: i64) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = ring::hmac::sign(&key, &counter.to_be_bytes());
    let h = tag.as_ref();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// Whether `code` is valid at `now_secs`, one step either way.
fn totp_matches(key: &[u8], now_secs: i64, code: &str) -> bool {
    let step = now_secs.div_euclid(30);
    (step - 1..=step + 1).any(|c| totp_code(key, c) == code)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) → 287082 (6 digits).
        let key = b"12345678901234567890";
        assert_eq!(totp_code(key, 59 / 30), "287082");
        assert_eq!(totp_code(key, 1_111_111_109 / 30), "081804");
    }

    #[test]
    fn base32() {
        assert_eq!(base32_decode("GEZDGNBVGY3TQOJQ").unwrap(), b"1234567890");
        assert_eq!(
            base32_decode("gezd gnbv-gy3t qojq==").unwrap(),
            b"1234567890"
        );
        assert!(base32_decode("1!").is_none());
    }
}
