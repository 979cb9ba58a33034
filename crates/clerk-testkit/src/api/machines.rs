//! Machines, M2M tokens, API keys and OAuth access-token verification.
//!
//! Machine tokens are answered with integer timestamps (the generated response types of these
//! inline schemas use `f64`, which would print `1.7e12`-style `…0.0` values).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::users::SortKey;
use super::{Call, Op, Reply, sort_page};
use crate::app::{App, Principal};
use crate::error::ApiError;
use crate::keys::CAT_M2M;
use crate::state::{ApiKeyRec, M2mRec, MachineRec, OAuthTokenRec, State};
use crate::util::random_token;
use crate::validate::{BodyExt, Field, PAGE, Ty};

const LIST_MACHINES: &[Field] = &[
    PAGE[0],
    PAGE[1],
    Field::opt("query", Ty::Str),
    Field::opt("order_by", Ty::Str),
];
const CREATE_MACHINE: &[Field] = &[
    Field::req("name", Ty::Str),
    Field::opt("scoped_machines", Ty::StrArr),
    Field::opt("default_token_ttl", Ty::Int).range(1, 315_360_000),
];
const UPDATE_MACHINE: &[Field] = &[
    Field::opt("name", Ty::Str),
    Field::opt("default_token_ttl", Ty::Int).range(1, 315_360_000),
];
const ROTATE: &[Field] = &[Field::req("previous_token_ttl", Ty::Int).range(0, 28_800)];
const CREATE_SCOPE: &[Field] = &[Field::req("to_machine_id", Ty::Str)];

const LIST_M2M: &[Field] = &[
    Field::req("subject", Ty::Str),
    Field::opt("revoked", Ty::Bool).null(),
    Field::opt("expired", Ty::Bool).null(),
    Field::opt("limit", Ty::Num).range(1, 100),
    Field::opt("offset", Ty::Num).null().min(0),
];
const CREATE_M2M: &[Field] = &[
    Field::opt("token_format", Ty::Enum(&["opaque", "jwt"])),
    Field::opt("seconds_until_expiration", Ty::Num)
        .null()
        .min(0),
    Field::opt("claims", Ty::Any).null(),
    Field::opt("min_remaining_ttl_seconds", Ty::Int).min(0),
];
const REVOKE: &[Field] = &[Field::opt("revocation_reason", Ty::Str).null()];
const VERIFY_M2M: &[Field] = &[Field::req("token", Ty::Str)];

const LIST_API_KEYS: &[Field] = &[
    Field::opt("type", Ty::Str),
    Field::req("subject", Ty::Str),
    Field::opt("include_invalid", Ty::Enum(&["true", "false"])),
    Field::opt("limit", Ty::Num).range(1, 100),
    Field::opt("offset", Ty::Num).null().min(0),
    Field::opt("query", Ty::Str),
];
const CREATE_API_KEY: &[Field] = &[
    Field::opt("type", Ty::Str),
    Field::req("name", Ty::Str),
    Field::opt("description", Ty::Str).null(),
    Field::req("subject", Ty::Str),
    Field::opt("claims", Ty::Any).null(),
    Field::opt("scopes", Ty::StrArr),
    Field::opt("created_by", Ty::Str).null(),
    Field::opt("seconds_until_expiration", Ty::Num)
        .null()
        .min(0),
];
const UPDATE_API_KEY: &[Field] = &[
    Field::opt("claims", Ty::Any).null(),
    Field::opt("scopes", Ty::StrArr),
    Field::opt("description", Ty::Str).null(),
    Field::opt("subject", Ty::Str),
    Field::opt("seconds_until_expiration", Ty::Num)
        .null()
        .min(0),
];
const VERIFY_API_KEY: &[Field] = &[Field::req("secret", Ty::Str)];
const VERIFY_OAUTH: &[Field] = &[
    Field::opt("access_token", Ty::Str),
    Field::opt("secret", Ty::Str),
];

/// The machine, M2M token, API key and OAuth operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("ListMachines", list_machines).query(LIST_MACHINES),
    Op::new("CreateMachine", create_machine).body(CREATE_MACHINE),
    Op::new("GetMachine", get_machine),
    Op::new("UpdateMachine", update_machine).body(UPDATE_MACHINE),
    Op::new("DeleteMachine", delete_machine),
    Op::new("GetMachineSecretKey", get_machine_secret),
    Op::new("RotateMachineSecretKey", rotate_machine_secret).body(ROTATE),
    Op::new("CreateMachineScope", create_scope).body(CREATE_SCOPE),
    Op::new("DeleteMachineScope", delete_scope),
    Op::new("getM2MTokens", list_m2m).query(LIST_M2M),
    Op::new("createM2MToken", create_m2m).body(CREATE_M2M),
    Op::new("revokeM2MToken", revoke_m2m).body(REVOKE),
    Op::new("verifyM2MToken", verify_m2m).body(VERIFY_M2M),
    Op::new("getApiKeys", list_api_keys).query(LIST_API_KEYS),
    Op::new("createApiKey", create_api_key).body(CREATE_API_KEY),
    Op::new("getApiKey", get_api_key),
    Op::new("updateApiKey", update_api_key).body(UPDATE_API_KEY),
    Op::new("deleteApiKey", delete_api_key),
    Op::new("getApiKeySecret", get_api_key_secret),
    Op::new("revokeApiKey", revoke_api_key).body(REVOKE),
    Op::new("verifyApiKey", verify_api_key).body(VERIFY_API_KEY),
    Op::new("verifyOAuthAccessToken", verify_oauth).body(VERIFY_OAUTH),
];

/// Operations a machine secret key may call.
pub(crate) const MACHINE_KEY_OPS: &[&str] = &[
    "createM2MToken",
    "getM2MTokens",
    "revokeM2MToken",
    "verifyM2MToken",
];

// ---- machines -----------------------------------------------------------------------------

#[derive(Serialize)]
struct MachineSummary<'a> {
    object: &'static str,
    id: &'a str,
    name: &'a str,
    instance_id: &'a str,
    created_at: i64,
    updated_at: i64,
    default_token_ttl: i64,
}

#[derive(Serialize)]
struct MachineView<'a> {
    #[serde(flatten)]
    summary: MachineSummary<'a>,
    scoped_machines: Vec<MachineSummary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<&'a str>,
}

fn summary<'a>(app: &'a App, rec: &'a MachineRec) -> MachineSummary<'a> {
    MachineSummary {
        object: "machine",
        id: &rec.id,
        name: &rec.name,
        instance_id: &app.settings.instance_id,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
        default_token_ttl: rec.default_token_ttl,
    }
}

fn machine_view<'a>(
    app: &'a App,
    st: &'a State,
    rec: &'a MachineRec,
    with_secret: bool,
) -> MachineView<'a> {
    MachineView {
        summary: summary(app, rec),
        scoped_machines: rec
            .scopes
            .iter()
            .filter_map(|(id, _)| st.machines.get(id))
            .map(|m| summary(app, m))
            .collect(),
        secret_key: with_secret.then_some(rec.secret_key.as_str()),
    }
}

fn find_machine<'a>(st: &'a State, id: &str) -> Result<&'a MachineRec, ApiError> {
    st.machines
        .get(id)
        .ok_or_else(|| ApiError::not_found("Machine"))
}

fn list_machines(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let st = app.read();
    let text = q.str("query").map(str::to_lowercase);
    let items: Vec<&MachineRec> = st
        .machines
        .values()
        .filter(|m| {
            text.as_deref()
                .is_none_or(|t| m.name.to_lowercase().contains(t) || m.id.contains(t))
        })
        .collect();
    let (items, total) = sort_page(items, q, &["created_at", "name"], "-created_at", |m, f| {
        let key = if f == "name" {
            SortKey::Text(m.name.to_lowercase())
        } else {
            SortKey::Int(m.created_at)
        };
        (key, m.seq)
    })?;
    let data: Vec<_> = items
        .into_iter()
        .map(|m| machine_view(app, &st, m, false))
        .collect();
    Reply::ok(&json!({"data": data, "total_count": total}))
}

fn create_machine(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let name = body.str_of("name").unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::format_invalid("name", "name must not be empty."));
    }
    let now = app.now();
    let id = app.id("mch_");
    let secret = random_token("ak_", 40);
    let mut st = app.write();
    let scoped = body.strs_of("scoped_machines");
    for other in &scoped {
        find_machine(&st, other).map_err(|e| e.param("scoped_machines"))?;
    }
    let seq = st.next_seq();
    let rec = MachineRec {
        id: id.clone(),
        name,
        default_token_ttl: body.int_of("default_token_ttl").unwrap_or(3600),
        secret_key: secret.clone(),
        previous_secret_keys: Vec::new(),
        scopes: scoped.into_iter().map(|s| (s, now)).collect(),
        created_at: now,
        updated_at: now,
        seq,
    };
    st.idx.machine_secret.insert(secret, id.clone());
    st.machines.insert(id.clone(), rec);
    let rec = find_machine(&st, &id)?;
    Reply::ok(&machine_view(app, &st, rec, true))
}

fn get_machine(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = find_machine(&st, call.param("machine_id"))?;
    Reply::ok(&machine_view(app, &st, rec, false))
}

fn update_machine(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let mut st = app.write();
    let rec = st
        .machines
        .get_mut(call.param("machine_id"))
        .ok_or_else(|| ApiError::not_found("Machine"))?;
    if let Some(name) = body.str_of("name") {
        rec.name = name.to_owned();
    }
    if let Some(ttl) = body.int_of("default_token_ttl") {
        rec.default_token_ttl = ttl;
    }
    rec.updated_at = app.now();
    let rec = find_machine(&st, call.param("machine_id"))?;
    Reply::ok(&machine_view(app, &st, rec, false))
}

fn delete_machine(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("machine_id");
    let mut st = app.write();
    let rec = st
        .machines
        .remove(id)
        .ok_or_else(|| ApiError::not_found("Machine"))?;
    st.idx.machine_secret.remove(&rec.secret_key);
    for (old, _) in &rec.previous_secret_keys {
        st.idx.machine_secret.remove(old);
    }
    for other in st.machines.values_mut() {
        other.scopes.retain(|(to, _)| to != id);
    }
    Reply::ok(&json!({"object": "machine", "id": id, "deleted": true}))
}

fn get_machine_secret(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = find_machine(&st, call.param("machine_id"))?;
    Reply::ok(&json!({"object": "machine_secret_key", "secret": rec.secret_key}))
}

fn rotate_machine_secret(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let grace = call.obj().int_of("previous_token_ttl").unwrap_or(0);
    let now = app.now();
    let secret = random_token("ak_", 40);
    let mut st = app.write();
    let st = &mut *st;
    let rec = st
        .machines
        .get_mut(call.param("machine_id"))
        .ok_or_else(|| ApiError::not_found("Machine"))?;
    let old = std::mem::replace(&mut rec.secret_key, secret.clone());
    if grace > 0 {
        rec.previous_secret_keys
            .push((old, now.saturating_add(grace.saturating_mul(1000))));
    } else {
        st.idx.machine_secret.remove(&old);
    }
    rec.updated_at = now;
    st.idx.machine_secret.insert(secret.clone(), rec.id.clone());
    Reply::ok(&json!({"object": "machine_secret_key", "secret": secret}))
}

fn create_scope(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let to = call.obj().str_of("to_machine_id").unwrap_or("").to_owned();
    let from = call.param("machine_id").to_owned();
    let now = app.now();
    let mut st = app.write();
    find_machine(&st, &to).map_err(|e| e.param("to_machine_id"))?;
    let rec = st
        .machines
        .get_mut(&from)
        .ok_or_else(|| ApiError::not_found("Machine"))?;
    if rec.scopes.iter().any(|(id, _)| *id == to) {
        return Err(ApiError::new(
            409,
            "duplicate_record",
            "scope already exists",
            "The machine already has access to that machine.",
        ));
    }
    rec.scopes.push((to.clone(), now));
    rec.updated_at = now;
    Reply::ok(&json!({
        "object": "machine_scope",
        "from_machine_id": from,
        "to_machine_id": to,
        "created_at": now,
    }))
}

fn delete_scope(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let from = call.param("machine_id");
    let to = call.param("other_machine_id");
    let mut st = app.write();
    let rec = st
        .machines
        .get_mut(from)
        .ok_or_else(|| ApiError::not_found("Machine"))?;
    let before = rec.scopes.len();
    rec.scopes.retain(|(id, _)| id != to);
    if rec.scopes.len() == before {
        return Err(ApiError::not_found("Machine scope"));
    }
    rec.updated_at = app.now();
    Reply::ok(&json!({
        "object": "machine_scope",
        "from_machine_id": from,
        "to_machine_id": to,
        "deleted": true,
    }))
}

// ---- M2M tokens ---------------------------------------------------------------------------

#[derive(Serialize)]
struct M2mView<'a> {
    object: &'static str,
    id: &'a str,
    subject: &'a str,
    claims: &'a Option<Value>,
    scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    revoked: bool,
    revocation_reason: &'a Option<String>,
    expired: bool,
    expiration: Option<i64>,
    last_used_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn m2m_view(rec: &M2mRec, now: i64, with_token: bool) -> M2mView<'_> {
    M2mView {
        object: "machine_to_machine_token",
        id: &rec.id,
        subject: &rec.subject,
        claims: &rec.claims,
        scopes: &rec.scopes,
        token: with_token.then_some(rec.token.as_str()),
        revoked: rec.revoked,
        revocation_reason: &rec.revocation_reason,
        expired: rec.expiration.is_some_and(|e| now >= e),
        expiration: rec.expiration,
        last_used_at: rec.last_used_at,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    }
}

fn machine_principal(call: &Call) -> Option<&str> {
    match &call.principal {
        Principal::Machine(id) => Some(id),
        Principal::Instance => None,
    }
}

fn create_m2m(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let Some(machine_id) = machine_principal(call).map(str::to_owned) else {
        return Err(ApiError::forbidden(
            "machine_secret_key_required",
            "M2M tokens are created with a machine secret key (Authorization: Bearer <machine secret key>), not the instance secret key.",
        ));
    };
    let body = call.obj();
    let now = app.now();
    let claims = body.get("claims").filter(|c| !c.is_null()).cloned();
    let mut st = app.write();
    let machine = find_machine(&st, &machine_id)?;
    let ttl_secs = body
        .get("seconds_until_expiration")
        .and_then(Value::as_f64)
        .map_or(machine.default_token_ttl as f64, |s| s);
    let ttl_ms = (ttl_secs * 1000.0) as i64;
    let scopes: Vec<String> = machine.scopes.iter().map(|(id, _)| id.clone()).collect();
    let id = app.id("mt_");
    if body.str_of("token_format") == Some("jwt") {
        let mut payload = Map::new();
        if let Some(Value::Object(extra)) = &claims {
            payload.extend(extra.clone());
        }
        payload.insert("iss".into(), json!(app.settings.frontend_url));
        payload.insert("sub".into(), json!(machine_id));
        payload.insert("jti".into(), json!(id));
        payload.insert("iat".into(), json!(now.div_euclid(1000)));
        payload.insert("nbf".into(), json!(now.div_euclid(1000)));
        payload.insert(
            "exp".into(),
            json!(now.saturating_add(ttl_ms).div_euclid(1000)),
        );
        payload.insert("scopes".into(), json!(scopes.join(" ")));
        let jwt = app
            .keys
            .sign(&payload, CAT_M2M)
            .map_err(ApiError::internal)?;
        let rec = M2mRec {
            id,
            token: jwt,
            subject: machine_id,
            scopes,
            claims,
            revoked: false,
            revocation_reason: None,
            expiration: Some(now.saturating_add(ttl_ms)),
            last_used_at: None,
            created_at: now,
            updated_at: now,
            seq: 0,
        };
        // JWT-format tokens are stateless: answered, never stored.
        return Reply::with_status(201, &m2m_view(&rec, now, true));
    }
    if let Some(min_ttl) = body.int_of("min_remaining_ttl_seconds") {
        let reusable = st.m2m_tokens.values().find(|t| {
            t.subject == machine_id
                && !t.revoked
                && t.claims == claims
                && t.expiration
                    .is_none_or(|e| e - now >= min_ttl.saturating_mul(1000))
        });
        if let Some(existing) = reusable {
            return Reply::with_status(201, &m2m_view(existing, now, true));
        }
    }
    let token = random_token("mt_", 40);
    let seq = st.next_seq();
    let rec = M2mRec {
        id: id.clone(),
        token: token.clone(),
        subject: machine_id,
        scopes,
        claims,
        revoked: false,
        revocation_reason: None,
        expiration: Some(now.saturating_add(ttl_ms)),
        last_used_at: None,
        created_at: now,
        updated_at: now,
        seq,
    };
    st.idx.m2m_token.insert(token, id.clone());
    let reply = Reply::with_status(201, &m2m_view(&rec, now, true));
    st.m2m_tokens.insert(id, rec);
    reply
}

fn list_m2m(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let subject = q.str("subject").unwrap_or("");
    if let Some(own) = machine_principal(call) {
        if own != subject {
            return Err(ApiError::forbidden(
                "machine_access_denied",
                "A machine secret key can only list the tokens of its own machine.",
            ));
        }
    }
    let now = app.now();
    let st = app.read();
    let revoked = q.bool("revoked").unwrap_or(false);
    let expired = q.bool("expired").unwrap_or(false);
    let mut items: Vec<&M2mRec> = st
        .m2m_tokens
        .values()
        .filter(|t| t.subject == subject)
        .filter(|t| revoked || !t.revoked)
        .filter(|t| expired || t.expiration.is_none_or(|e| now < e))
        .collect();
    items.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.seq)));
    let total = items.len();
    let limit = q.int("limit").unwrap_or(10).max(0);
    let offset = q.int("offset").unwrap_or(0).max(0);
    let data: Vec<_> = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|t| m2m_view(t, now, false))
        .collect();
    Reply::ok(&json!({"m2m_tokens": data, "total_count": total}))
}

fn revoke_m2m(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let reason = call.obj().str_of("revocation_reason").map(str::to_owned);
    let own = machine_principal(call).map(str::to_owned);
    let now = app.now();
    let mut st = app.write();
    let rec = st
        .m2m_tokens
        .get_mut(call.param("m2m_token_id"))
        .ok_or_else(|| ApiError::not_found("M2M token"))?;
    if own.as_deref().is_some_and(|o| o != rec.subject) {
        return Err(ApiError::not_found("M2M token"));
    }
    rec.revoked = true;
    rec.revocation_reason = reason;
    rec.updated_at = now;
    Reply::ok(&m2m_view(rec, now, false))
}

/// 404s for machine tokens that are unknown, revoked or expired (what `@clerk/backend` and
/// `clerk-auth` read as an invalid token).
fn token_invalid(what: &str, why: &str) -> ApiError {
    ApiError::new(
        404,
        "resource_not_found",
        "not found",
        format!("{what} {why}"),
    )
}

fn verify_m2m(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let token = call.obj().str_of("token").unwrap_or("").to_owned();
    let verifier = machine_principal(call).map(str::to_owned);
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let id = st
        .idx
        .m2m_token
        .get(&token)
        .cloned()
        .ok_or_else(|| token_invalid("Machine token", "not found."))?;
    let rec = st
        .m2m_tokens
        .get_mut(&id)
        .ok_or_else(|| token_invalid("Machine token", "not found."))?;
    if rec.revoked {
        return Err(token_invalid("Machine token", "has been revoked."));
    }
    if rec.expiration.is_some_and(|e| now >= e) {
        return Err(token_invalid("Machine token", "has expired."));
    }
    if let Some(machine) = &verifier {
        if !rec.scopes.contains(machine) {
            return Err(token_invalid(
                "Machine token",
                "is not scoped to the machine verifying it.",
            ));
        }
    }
    rec.last_used_at = Some(now);
    Reply::ok(&m2m_view(rec, now, false))
}

// ---- API keys -----------------------------------------------------------------------------

#[derive(Serialize)]
struct ApiKeyView<'a> {
    object: &'static str,
    id: &'a str,
    #[serde(rename = "type")]
    key_type: &'a str,
    subject: &'a str,
    name: &'a str,
    description: &'a Option<String>,
    claims: &'a Option<Value>,
    scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    revoked: bool,
    revocation_reason: &'a Option<String>,
    expired: bool,
    expiration: Option<i64>,
    created_by: &'a Option<String>,
    last_used_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn api_key_view(rec: &ApiKeyRec, now: i64, with_secret: bool) -> ApiKeyView<'_> {
    ApiKeyView {
        object: "api_key",
        id: &rec.id,
        key_type: &rec.key_type,
        subject: &rec.subject,
        name: &rec.name,
        description: &rec.description,
        claims: &rec.claims,
        scopes: &rec.scopes,
        secret: with_secret.then_some(rec.secret.as_str()),
        revoked: rec.revoked,
        revocation_reason: &rec.revocation_reason,
        expired: rec.expiration.is_some_and(|e| now >= e),
        expiration: rec.expiration,
        created_by: &rec.created_by,
        last_used_at: rec.last_used_at,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    }
}

fn check_subject(st: &State, subject: &str) -> Result<(), ApiError> {
    let exists = if subject.starts_with("user_") {
        st.users.contains_key(subject)
    } else if subject.starts_with("org_") {
        st.orgs.contains_key(subject)
    } else if subject.starts_with("mch_") {
        st.machines.contains_key(subject)
    } else {
        return Err(ApiError::format_invalid(
            "subject",
            "subject must be a user id (user_…), an organization id (org_…) or a machine id (mch_…).",
        ));
    };
    if exists {
        Ok(())
    } else {
        Err(ApiError::not_found("Subject").param("subject"))
    }
}

fn expiration_from(body: &Map<String, Value>, now: i64) -> Option<Option<i64>> {
    match body.get("seconds_until_expiration") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => v
            .as_f64()
            .map(|secs| Some(now.saturating_add((secs * 1000.0) as i64))),
    }
}

fn create_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let now = app.now();
    let subject = body.str_of("subject").unwrap_or("").to_owned();
    let mut st = app.write();
    check_subject(&st, &subject)?;
    let id = app.id("ak_");
    let secret = random_token("ak_", 48);
    let seq = st.next_seq();
    let rec = ApiKeyRec {
        id: id.clone(),
        secret: secret.clone(),
        key_type: body.str_of("type").unwrap_or("api_key").to_owned(),
        subject,
        name: body.str_of("name").unwrap_or("").to_owned(),
        description: body.str_of("description").map(str::to_owned),
        claims: body.get("claims").filter(|c| !c.is_null()).cloned(),
        scopes: body.strs_of("scopes"),
        created_by: body.str_of("created_by").map(str::to_owned),
        revoked: false,
        revocation_reason: None,
        expiration: expiration_from(body, now).flatten(),
        last_used_at: None,
        created_at: now,
        updated_at: now,
        seq,
    };
    let reply = Reply::ok(&api_key_view(&rec, now, true));
    st.idx.api_key_secret.insert(secret, id.clone());
    st.api_keys.insert(id, rec);
    reply
}

fn list_api_keys(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let now = app.now();
    let st = app.read();
    let key_type = q.str("type").unwrap_or("api_key");
    let include_invalid = q.str("include_invalid") == Some("true");
    let text = q.str("query").map(str::to_lowercase);
    let mut items: Vec<&ApiKeyRec> = st
        .api_keys
        .values()
        .filter(|k| Some(k.subject.as_str()) == q.str("subject") && k.key_type == key_type)
        .filter(|k| include_invalid || (!k.revoked && k.expiration.is_none_or(|e| now < e)))
        .filter(|k| {
            text.as_deref()
                .is_none_or(|t| k.name.to_lowercase().contains(t))
        })
        .collect();
    items.sort_by_key(|k| std::cmp::Reverse((k.created_at, k.seq)));
    let total = items.len();
    let limit = usize::try_from(q.int("limit").unwrap_or(10).max(0)).unwrap_or(usize::MAX);
    let offset = usize::try_from(q.int("offset").unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let data: Vec<_> = items
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|k| api_key_view(k, now, false))
        .collect();
    Reply::ok(&json!({"data": data, "total_count": total}))
}

fn find_api_key<'a>(st: &'a State, id: &str) -> Result<&'a ApiKeyRec, ApiError> {
    st.api_keys
        .get(id)
        .ok_or_else(|| ApiError::not_found("API key"))
}

fn get_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    Reply::ok(&api_key_view(
        find_api_key(&st, call.param("apiKeyID"))?,
        app.now(),
        false,
    ))
}

fn update_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let now = app.now();
    let mut st = app.write();
    if let Some(subject) = body.str_of("subject") {
        check_subject(&st, subject)?;
    }
    let rec = st
        .api_keys
        .get_mut(call.param("apiKeyID"))
        .ok_or_else(|| ApiError::not_found("API key"))?;
    if body.has("claims") {
        rec.claims = body.get("claims").filter(|c| !c.is_null()).cloned();
    }
    if body.has("scopes") {
        rec.scopes = body.strs_of("scopes");
    }
    if let Some(description) = body.nullable_str("description") {
        rec.description = description;
    }
    if let Some(subject) = body.str_of("subject") {
        rec.subject = subject.to_owned();
    }
    if let Some(expiration) = expiration_from(body, now) {
        rec.expiration = expiration;
    }
    rec.updated_at = now;
    Reply::ok(&api_key_view(rec, now, false))
}

fn delete_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("apiKeyID");
    let mut st = app.write();
    let rec = st
        .api_keys
        .remove(id)
        .ok_or_else(|| ApiError::not_found("API key"))?;
    st.idx.api_key_secret.remove(&rec.secret);
    Reply::ok(&json!({"id": id, "object": "api_key", "deleted": true}))
}

fn get_api_key_secret(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = find_api_key(&st, call.param("apiKeyID"))?;
    Reply::ok(&json!({"secret": rec.secret}))
}

fn revoke_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let reason = call.obj().str_of("revocation_reason").map(str::to_owned);
    let now = app.now();
    let mut st = app.write();
    let rec = st
        .api_keys
        .get_mut(call.param("apiKeyID"))
        .ok_or_else(|| ApiError::not_found("API key"))?;
    rec.revoked = true;
    rec.revocation_reason = reason;
    rec.updated_at = now;
    Reply::ok(&api_key_view(rec, now, false))
}

fn verify_api_key(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let secret = call.obj().str_of("secret").unwrap_or("").to_owned();
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let id = st
        .idx
        .api_key_secret
        .get(&secret)
        .cloned()
        .ok_or_else(|| token_invalid("API key", "not found."))?;
    let rec = st
        .api_keys
        .get_mut(&id)
        .ok_or_else(|| token_invalid("API key", "not found."))?;
    if rec.revoked {
        return Err(token_invalid("API key", "has been revoked."));
    }
    if rec.expiration.is_some_and(|e| now >= e) {
        return Err(token_invalid("API key", "has expired."));
    }
    rec.last_used_at = Some(now);
    Reply::ok(&api_key_view(rec, now, false))
}

// ---- OAuth access tokens ------------------------------------------------------------------

#[derive(Serialize)]
struct OAuthView<'a> {
    object: &'static str,
    id: &'a str,
    client_id: &'a str,
    subject: &'a str,
    scopes: &'a [String],
    revoked: bool,
    revocation_reason: &'a Option<String>,
    expired: bool,
    expiration: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn verify_oauth(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let token = body
        .str_of("access_token")
        .or_else(|| body.str_of("secret"))
        .ok_or_else(|| ApiError::param_missing("access_token"))?;
    let now = app.now();
    let st = app.read();
    let rec = st
        .idx
        .oauth_token
        .get(token)
        .and_then(|id| st.oauth_tokens.get(id))
        .ok_or_else(|| token_invalid("OAuth token", "not found."))?;
    if rec.revoked {
        return Err(token_invalid("OAuth token", "has been revoked."));
    }
    if rec.expiration.is_some_and(|e| now >= e) {
        return Err(token_invalid("OAuth token", "has expired."));
    }
    Reply::ok(&OAuthView {
        object: "clerk_idp_oauth_access_token",
        id: &rec.id,
        client_id: &rec.client_id,
        subject: &rec.subject,
        scopes: &rec.scopes,
        revoked: rec.revoked,
        revocation_reason: &rec.revocation_reason,
        expired: false,
        expiration: rec.expiration,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    })
}

/// Issues an opaque OAuth access token (`oat_…`) for `subject` (testkit API).
pub(crate) fn issue_oauth_token(
    app: &App,
    client_id: &str,
    subject: &str,
    scopes: Vec<String>,
    lifetime_secs: Option<i64>,
) -> Result<(String, String), ApiError> {
    let now = app.now();
    let token = random_token("oat_", 40);
    let id = app.id("oat_");
    let mut st = app.write();
    if !st.users.contains_key(subject) {
        return Err(ApiError::not_found("User").param("subject"));
    }
    st.idx.oauth_token.insert(token.clone(), id.clone());
    st.oauth_tokens.insert(
        id.clone(),
        OAuthTokenRec {
            id: id.clone(),
            token: token.clone(),
            client_id: client_id.to_owned(),
            subject: subject.to_owned(),
            scopes,
            revoked: false,
            revocation_reason: None,
            expiration: lifetime_secs.map(|s| now.saturating_add(s.saturating_mul(1000))),
            created_at: now,
            updated_at: now,
        },
    );
    Ok((id, token))
}

/// Revokes an OAuth access token by its value (testkit API).
pub(crate) fn revoke_oauth_token(app: &App, token: &str) -> bool {
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let Some(id) = st.idx.oauth_token.get(token) else {
        return false;
    };
    match st.oauth_tokens.get_mut(id) {
        Some(rec) => {
            rec.revoked = true;
            rec.updated_at = now;
            true
        }
        None => false,
    }
}
