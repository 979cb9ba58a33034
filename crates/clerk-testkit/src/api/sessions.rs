//! Sessions, clients, session tokens, JWT templates and the JWKS.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{Call, Op, Reply, list_reply, page, sort_page};
use crate::app::{App, RequestMeta};
use crate::error::ApiError;
use crate::keys::{self, CAT_SESSION, CAT_TEMPLATE};
use crate::render;
use crate::state::{ClientRec, JwtTemplateRec, SessionRec, State, UserRec};
use crate::util;
use crate::validate::{BodyExt, Field, PAGE, Ty};

const SESSION_STATUSES: &[&str] = &[
    "abandoned",
    "active",
    "ended",
    "expired",
    "removed",
    "replaced",
    "revoked",
];

const LIST_SESSIONS: &[Field] = &[
    Field::opt("client_id", Ty::Str),
    Field::opt("user_id", Ty::Str),
    Field::opt("status", Ty::Enum(SESSION_STATUSES)),
    Field::opt("paginated", Ty::Bool),
    PAGE[0],
    PAGE[1],
];
const CREATE_SESSION: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::opt("active_organization_id", Ty::Str),
];
const TOKEN: &[Field] = &[Field::opt("expires_in_seconds", Ty::Int)
    .null()
    .range(30, 315_360_000)];
const LIST_CLIENTS: &[Field] = &[Field::opt("paginated", Ty::Bool), PAGE[0], PAGE[1]];
const VERIFY_CLIENT: &[Field] = &[Field::req("token", Ty::Str)];
const LIST_TEMPLATES: &[Field] = &[Field::opt("paginated", Ty::Bool), PAGE[0], PAGE[1]];
const TEMPLATE: &[Field] = &[
    Field::req("name", Ty::Str),
    Field::req("claims", Ty::Obj),
    Field::opt("lifetime", Ty::Int)
        .null()
        .range(30, 315_360_000),
    Field::opt("allowed_clock_skew", Ty::Int)
        .null()
        .range(0, 300),
    Field::opt("custom_signing_key", Ty::Bool),
    Field::opt("signing_algorithm", Ty::Str).null(),
    Field::opt("signing_key", Ty::Str).null(),
];

/// The session, client, token, JWT template and JWKS operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("GetSessionList", list_sessions).query(LIST_SESSIONS),
    Op::new("createSession", create_session).body(CREATE_SESSION),
    Op::new("GetSession", get_session),
    Op::new("RevokeSession", revoke_session),
    Op::new("CreateSessionToken", create_token).body(TOKEN),
    Op::new("CreateSessionTokenFromTemplate", create_template_token).body(TOKEN),
    Op::new("GetClientList", list_clients).query(LIST_CLIENTS),
    Op::new("GetClient", get_client),
    Op::new("VerifyClient", verify_client).body(VERIFY_CLIENT),
    Op::new("ListJWTTemplates", list_templates).query(LIST_TEMPLATES),
    Op::new("CreateJWTTemplate", create_template).body(TEMPLATE),
    Op::new("GetJWTTemplate", get_template),
    Op::new("UpdateJWTTemplate", update_template).body(TEMPLATE),
    Op::new("DeleteJWTTemplate", delete_template),
    Op::new("GetJWKS", jwks),
];

/// How long a session lives before it expires (7 days) and is abandoned (30 days).
const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;
const SESSION_ABANDON_MS: i64 = 30 * 24 * 3600 * 1000;

// ---- sessions -----------------------------------------------------------------------------

/// The `data` of `session.*` events: the session with its user.
#[derive(Serialize)]
struct SessionEvent {
    #[serde(flatten)]
    session: clerk_api::models::Session,
    user: Option<clerk_api::models::User>,
}

fn emit_session(app: &App, st: &State, rec: &SessionRec, event: &'static str, meta: &RequestMeta) {
    let data = SessionEvent {
        session: render::session(rec, app.now()),
        user: st.users.get(&rec.user_id).map(|u| render::user(st, u)),
    };
    app.emit(event, &data, meta);
}

/// Ends every active session of a user with `status` (`revoked`, `removed` or `ended`) and
/// emits the matching `session.*` event for each.
pub(crate) fn end_user_sessions(
    app: &App,
    st: &mut State,
    user_id: &str,
    status: &'static str,
    meta: &RequestMeta,
) {
    let now = app.now();
    let ids: Vec<String> = st
        .sessions
        .values()
        .filter(|s| s.user_id == user_id && render::session_status(s, now) == "active")
        .map(|s| s.id.clone())
        .collect();
    for id in ids {
        let _ = end_session(app, st, &id, status, meta);
    }
}

/// Moves one session to `status` and emits `session.<status>`.
pub(crate) fn end_session(
    app: &App,
    st: &mut State,
    id: &str,
    status: &'static str,
    meta: &RequestMeta,
) -> Result<(), ApiError> {
    let now = app.now();
    let rec = st
        .sessions
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("Session"))?;
    if render::session_status(rec, now) != "active" {
        return Ok(());
    }
    rec.status = status.to_owned();
    rec.updated_at = now;
    let rec = rec.clone();
    let event = match status {
        "revoked" => "session.revoked",
        "removed" => "session.removed",
        _ => "session.ended",
    };
    emit_session(app, st, &rec, event, meta);
    Ok(())
}

/// Creates an active session (and its client) for a user.
pub(crate) fn create_session_for(
    app: &App,
    user_id: &str,
    active_org: Option<&str>,
    actor: Option<Value>,
    meta: &RequestMeta,
) -> Result<clerk_api::models::Session, ApiError> {
    let now = app.now();
    let session_id = app.id("sess_");
    let client_id = app.id("client_");
    let mut st = app.write();
    let st = &mut *st;
    let user = st
        .users
        .get(user_id)
        .ok_or_else(|| ApiError::not_found("User").param("user_id"))?;
    if user.banned {
        return Err(ApiError::forbidden(
            "user_banned",
            "The user is banned and cannot have sessions.",
        ));
    }
    if let Some(org) = active_org {
        if !st
            .idx
            .membership
            .contains_key(&(org.to_owned(), user_id.to_owned()))
        {
            return Err(ApiError::value_invalid(
                "active_organization_id",
                "active_organization_id must be an organization the user is a member of.",
            ));
        }
    }
    let seq = st.next_seq();
    let rec = SessionRec {
        id: session_id.clone(),
        user_id: user_id.to_owned(),
        client_id: client_id.clone(),
        status: "active".to_owned(),
        actor,
        last_active_org_id: active_org.map(str::to_owned),
        last_active_at: now,
        expire_at: now.saturating_add(SESSION_LIFETIME_MS),
        abandon_at: now.saturating_add(SESSION_ABANDON_MS),
        created_at: now,
        updated_at: now,
        seq,
    };
    st.clients.insert(
        client_id.clone(),
        ClientRec {
            id: client_id,
            session_ids: vec![session_id.clone()],
            last_active_session_id: Some(session_id.clone()),
            created_at: now,
            updated_at: now,
            seq,
        },
    );
    if let Some(user) = st.users.get_mut(user_id) {
        user.last_sign_in_at = Some(now);
        user.last_active_at = Some(now);
    }
    let rendered = render::session(&rec, now);
    emit_session(app, st, &rec, "session.created", meta);
    st.sessions.insert(session_id, rec);
    Ok(rendered)
}

fn create_session(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let user_id = body.str_of("user_id").unwrap_or("");
    let session = create_session_for(
        app,
        user_id,
        body.str_of("active_organization_id"),
        None,
        &call.meta,
    )?;
    Reply::ok(&session)
}

fn list_sessions(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let now = app.now();
    let st = app.read();
    let items: Vec<&SessionRec> = st
        .sessions
        .values()
        .filter(|s| q.str("client_id").is_none_or(|c| s.client_id == c))
        .filter(|s| q.str("user_id").is_none_or(|u| s.user_id == u))
        .filter(|s| {
            q.str("status")
                .is_none_or(|status| render::session_status(s, now) == status)
        })
        .collect();
    let (items, total) = sort_page(items, q, &["created_at"], "-created_at", |s, _| {
        (s.created_at, s.seq)
    })?;
    let data: Vec<_> = items.iter().map(|s| render::session(s, now)).collect();
    list_reply(data, total, q.paginated())
}

fn get_session(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .sessions
        .get(call.param("session_id"))
        .ok_or_else(|| ApiError::not_found("Session"))?;
    Reply::ok(&render::session(rec, app.now()))
}

fn revoke_session(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("session_id");
    let mut st = app.write();
    end_session(app, &mut st, id, "revoked", &call.meta)?;
    let rec = st
        .sessions
        .get(id)
        .ok_or_else(|| ApiError::not_found("Session"))?;
    Reply::ok(&render::session(rec, app.now()))
}

// ---- session tokens -----------------------------------------------------------------------

/// The claims of a version 2 session token.
pub(crate) fn session_claims(
    app: &App,
    st: &State,
    rec: &SessionRec,
    lifetime_secs: i64,
) -> Map<String, Value> {
    let now_secs = app.now().div_euclid(1000);
    let mut claims = Map::new();
    if let Some(azp) = &app.settings.authorized_party {
        claims.insert("azp".into(), json!(azp));
    }
    claims.insert("exp".into(), json!(now_secs.saturating_add(lifetime_secs)));
    let first_factor_age = (app.now() - rec.created_at).max(0) / 60_000;
    let second = st
        .users
        .get(&rec.user_id)
        .filter(|u| u.totp_secret.is_some() || !u.backup_codes.is_empty())
        .map_or(-1, |_| first_factor_age);
    claims.insert("fva".into(), json!([first_factor_age, second]));
    claims.insert("iat".into(), json!(now_secs));
    claims.insert("iss".into(), json!(app.settings.frontend_url));
    claims.insert("nbf".into(), json!(now_secs - 10));
    claims.insert("sid".into(), json!(rec.id));
    claims.insert("sts".into(), json!("active"));
    claims.insert("sub".into(), json!(rec.user_id));
    claims.insert("v".into(), json!(2));
    if let Some(actor) = &rec.actor {
        claims.insert("act".into(), actor.clone());
    }
    let org = rec.last_active_org_id.as_ref().and_then(|org_id| {
        let membership = st
            .idx
            .membership
            .get(&(org_id.clone(), rec.user_id.clone()))
            .and_then(|id| st.memberships.get(id))?;
        Some((st.orgs.get(org_id)?, membership))
    });
    if let Some((org, membership)) = org {
        let (features, per, fpm) = compact_permissions(&app.roles.permissions(&membership.role));
        let mut o = Map::new();
        o.insert("id".into(), json!(org.id));
        o.insert(
            "rol".into(),
            json!(
                membership
                    .role
                    .strip_prefix("org:")
                    .unwrap_or(&membership.role)
            ),
        );
        o.insert("slg".into(), json!(org.slug));
        if !features.is_empty() {
            o.insert("per".into(), json!(per));
            o.insert("fpm".into(), json!(fpm));
            let fea: Vec<String> = features.iter().map(|f| format!("o:{f}")).collect();
            claims.insert("fea".into(), json!(fea.join(",")));
        }
        claims.insert("o".into(), Value::Object(o));
    }
    claims
}

/// Encodes `org:<feature>:<permission>` permissions the version 2 way: the features, the
/// comma-separated permission names, and one decimal bitmap per feature (bit `i` grants
/// permission `i`). System permissions (`org:sys_*`) are not carried in tokens.
pub(crate) fn compact_permissions(permissions: &[String]) -> (Vec<String>, String, String) {
    let mut features: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut grants: Vec<(usize, usize)> = Vec::new();
    for p in permissions {
        let Some(rest) = p.strip_prefix("org:") else {
            continue;
        };
        let Some((feature, name)) = rest.split_once(':') else {
            continue;
        };
        if feature.starts_with("sys_") {
            continue;
        }
        let fi = features
            .iter()
            .position(|f| f == feature)
            .unwrap_or_else(|| {
                features.push(feature.to_owned());
                features.len() - 1
            });
        let ni = names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_owned());
            names.len() - 1
        });
        grants.push((fi, ni));
    }
    let fpm: Vec<String> = (0..features.len())
        .map(|fi| {
            let bits: u128 = grants
                .iter()
                .filter(|(f, _)| *f == fi)
                .filter(|(_, n)| *n < 128)
                .fold(0, |acc, (_, n)| acc | (1u128 << n));
            bits.to_string()
        })
        .collect();
    (features, names.join(","), fpm.join(","))
}

fn active_session<'a>(app: &App, st: &'a State, id: &str) -> Result<&'a SessionRec, ApiError> {
    let rec = st
        .sessions
        .get(id)
        .ok_or_else(|| ApiError::not_found("Session"))?;
    if render::session_status(rec, app.now()) != "active" {
        return Err(ApiError::new(
            404,
            "resource_not_found",
            "not found",
            format!(
                "Session {id} is {}; tokens can only be created for active sessions.",
                render::session_status(rec, app.now())
            ),
        ));
    }
    Ok(rec)
}

/// Mints a session token for an active session.
pub(crate) fn mint_session_token(
    app: &App,
    session_id: &str,
    lifetime_secs: Option<i64>,
) -> Result<String, ApiError> {
    let st = app.read();
    let rec = active_session(app, &st, session_id)?;
    let lifetime = lifetime_secs.unwrap_or(app.settings.session_token_lifetime);
    let claims = session_claims(app, &st, rec, lifetime);
    drop(st);
    app.keys
        .sign(&claims, CAT_SESSION)
        .map_err(ApiError::internal)
}

fn create_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let lifetime = call.obj().int_of("expires_in_seconds");
    let jwt = mint_session_token(app, call.param("session_id"), lifetime)?;
    Reply::ok(&json!({"object": "token", "jwt": jwt}))
}

fn create_template_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let lifetime = call.obj().int_of("expires_in_seconds");
    let st = app.read();
    let rec = active_session(app, &st, call.param("session_id"))?;
    let template = st
        .idx
        .template_name
        .get(call.param("template_name"))
        .and_then(|id| st.jwt_templates.get(id))
        .ok_or_else(|| ApiError::not_found("JWT template"))?;
    let user = st
        .users
        .get(&rec.user_id)
        .ok_or_else(|| ApiError::not_found("User"))?;
    let now_secs = app.now().div_euclid(1000);
    let ctx = TemplateContext {
        app,
        st: &st,
        user,
        session: rec,
    };
    let mut claims = match ctx.render(&Value::Object(template.claims.clone())) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(azp) = &app.settings.authorized_party {
        claims.insert("azp".into(), json!(azp));
    }
    claims.insert(
        "exp".into(),
        json!(now_secs.saturating_add(lifetime.unwrap_or(template.lifetime))),
    );
    claims.insert("iat".into(), json!(now_secs));
    claims.insert("iss".into(), json!(app.settings.frontend_url));
    claims.insert("jti".into(), json!(util::random_token("", 20)));
    claims.insert("nbf".into(), json!(now_secs - template.allowed_clock_skew));
    claims.insert("sub".into(), json!(rec.user_id));
    let jwt = if template.custom_signing_key {
        let key = template.signing_key.as_deref().unwrap_or("");
        match template.signing_algorithm.as_str() {
            "HS256" => keys::sign_hs256(&claims, key.as_bytes()),
            _ => keys::sign_rs256_custom(&claims, key),
        }
    } else {
        app.keys.sign(&claims, CAT_TEMPLATE)
    }
    .map_err(ApiError::internal)?;
    Reply::ok(&json!({"object": "token", "jwt": jwt}))
}

/// Evaluates JWT-template shortcodes (`"{{user.id}}"`, `"{{org.slug}}"`, …).
struct TemplateContext<'a> {
    app: &'a App,
    st: &'a State,
    user: &'a UserRec,
    session: &'a SessionRec,
}

impl TemplateContext<'_> {
    fn render(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => self.render_string(s),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.render(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.render(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn render_string(&self, s: &str) -> Value {
        let trimmed = s.trim();
        if let Some(expr) = trimmed
            .strip_prefix("{{")
            .and_then(|r| r.strip_suffix("}}"))
            .filter(|e| !e.contains("{{"))
        {
            return self.eval(expr.trim());
        }
        if !s.contains("{{") {
            return Value::String(s.to_owned());
        }
        // Interpolation inside a longer string.
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            match self.eval(after[..end].trim()) {
                Value::Null => {}
                Value::String(v) => out.push_str(&v),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Value::String(out)
    }

    /// `a || b || 'literal'`: the first alternative that is not null.
    fn eval(&self, expr: &str) -> Value {
        for alternative in expr.split("||").map(str::trim) {
            let value = if let Some(lit) = alternative
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .or_else(|| {
                    alternative
                        .strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                }) {
                Value::String(lit.to_owned())
            } else {
                self.lookup(alternative)
            };
            if !value.is_null() {
                return value;
            }
        }
        Value::Null
    }

    fn lookup(&self, path: &str) -> Value {
        let u = self.user;
        let st = self.st;
        let primary_email = u.primary_email_id.as_ref().and_then(|id| st.emails.get(id));
        let primary_phone = u.primary_phone_id.as_ref().and_then(|id| st.phones.get(id));
        let org = self
            .session
            .last_active_org_id
            .as_ref()
            .and_then(|id| st.orgs.get(id));
        let membership = org.and_then(|o| {
            st.idx
                .membership
                .get(&(o.id.clone(), u.id.clone()))
                .and_then(|id| st.memberships.get(id))
        });
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, r),
            None => (path, ""),
        };
        let meta_path = |base: &Map<String, Value>, sub: &str| -> Value {
            let mut current = Value::Object(base.clone());
            for key in sub.split('.').filter(|k| !k.is_empty()) {
                current = current.get(key).cloned().unwrap_or(Value::Null);
            }
            current
        };
        match (head, rest) {
            ("user", "id") => json!(u.id),
            ("user", "external_id") => json!(u.external_id),
            ("user", "first_name") => json!(u.first_name),
            ("user", "last_name") => json!(u.last_name),
            ("user", "full_name") => {
                let full = format!(
                    "{} {}",
                    u.first_name.as_deref().unwrap_or(""),
                    u.last_name.as_deref().unwrap_or("")
                );
                let full = full.trim();
                if full.is_empty() {
                    Value::Null
                } else {
                    json!(full)
                }
            }
            ("user", "username") => json!(u.username),
            ("user", "primary_email_address") => json!(primary_email.map(|e| &e.email)),
            ("user", "email_verified") => json!(primary_email.is_some_and(|e| e.verified)),
            ("user", "primary_phone_number") => json!(primary_phone.map(|p| &p.phone)),
            ("user", "phone_number_verified") => json!(primary_phone.is_some_and(|p| p.verified)),
            ("user", "image_url") => {
                json!(u.image_url.as_deref().unwrap_or(render::DEFAULT_IMAGE_URL))
            }
            ("user", "has_image") => json!(u.image_url.is_some()),
            ("user", "two_factor_enabled") => {
                json!(u.totp_secret.is_some() || !u.backup_codes.is_empty())
            }
            ("user", "created_at") => json!(u.created_at.div_euclid(1000)),
            ("user", "updated_at") => json!(u.updated_at.div_euclid(1000)),
            ("user", r) if r == "public_metadata" || r.starts_with("public_metadata.") => {
                meta_path(&u.public_metadata, &r["public_metadata".len()..])
            }
            ("user", r) if r == "unsafe_metadata" || r.starts_with("unsafe_metadata.") => {
                meta_path(&u.unsafe_metadata, &r["unsafe_metadata".len()..])
            }
            ("org", "id") => json!(org.map(|o| &o.id)),
            ("org", "name") => json!(org.map(|o| &o.name)),
            ("org", "slug") => json!(org.map(|o| &o.slug)),
            ("org", "image_url") => json!(org.map(|o| {
                o.image_url
                    .clone()
                    .unwrap_or_else(|| render::DEFAULT_IMAGE_URL.to_owned())
            })),
            ("org", "role") => json!(membership.map(|m| &m.role)),
            ("org", "permissions") => {
                json!(membership.map(|m| self.app.roles.permissions(&m.role)))
            }
            ("org", r) if r == "public_metadata" || r.starts_with("public_metadata.") => org
                .map_or(Value::Null, |o| {
                    meta_path(&o.public_metadata, &r["public_metadata".len()..])
                }),
            ("org_membership", r)
                if r == "public_metadata" || r.starts_with("public_metadata.") =>
            {
                membership.map_or(Value::Null, |m| {
                    meta_path(&m.public_metadata, &r["public_metadata".len()..])
                })
            }
            ("session", "id") => json!(self.session.id),
            ("session", "actor") => self.session.actor.clone().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
}

// ---- clients ------------------------------------------------------------------------------

fn render_client(st: &State, rec: &ClientRec, now: i64) -> clerk_api::models::Client {
    clerk_api::models::Client {
        object: "client".to_owned(),
        id: rec.id.clone(),
        session_ids: rec.session_ids.clone(),
        sessions: rec
            .session_ids
            .iter()
            .filter_map(|id| st.sessions.get(id))
            .map(|s| render::session(s, now))
            .collect(),
        sign_in_id: None,
        sign_up_id: None,
        last_active_session_id: rec.last_active_session_id.clone(),
        last_authentication_strategy: None,
        updated_at: rec.updated_at.into(),
        created_at: rec.created_at.into(),
    }
}

fn list_clients(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let now = app.now();
    let st = app.read();
    let mut items: Vec<&ClientRec> = st.clients.values().collect();
    items.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.seq)));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items
        .into_iter()
        .map(|c| render_client(&st, c, now))
        .collect();
    list_reply(data, total, call.query.paginated())
}

fn get_client(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .clients
        .get(call.param("client_id"))
        .ok_or_else(|| ApiError::not_found("Client"))?;
    Reply::ok(&render_client(&st, rec, app.now()))
}

/// The claims of a client token (what the `__client` cookie would carry).
#[derive(Serialize, serde::Deserialize)]
pub(crate) struct ClientTokenClaims {
    pub(crate) sub: String,
    pub(crate) id: String,
    pub(crate) exp: i64,
    pub(crate) iat: i64,
}

fn verify_client(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let token = call.obj().str_of("token").unwrap_or("");
    let verifier = clerk_auth::Verifier::with_options(
        app.keys.public_key().clone(),
        clerk_auth::VerifyOptions::new().clock(app.clock.clone()),
    );
    let claims: ClientTokenClaims = verifier.verify_as(token).map_err(|e| {
        ApiError::new(
            400,
            "client_token_invalid",
            "invalid client token",
            format!("The client token could not be verified: {e}"),
        )
        .param("token")
    })?;
    let st = app.read();
    let rec = st
        .clients
        .get(&claims.id)
        .ok_or_else(|| ApiError::not_found("Client"))?;
    Reply::ok(&render_client(&st, rec, app.now()))
}

// ---- JWT templates ------------------------------------------------------------------------

/// Claims every template token sets itself.
const RESERVED_CLAIMS: &[&str] = &["azp", "exp", "iat", "iss", "jti", "nbf", "sub"];

fn render_template(rec: &JwtTemplateRec) -> clerk_api::models::JwtTemplate {
    clerk_api::models::JwtTemplate {
        object: "jwt_template".to_owned(),
        id: rec.id.clone(),
        name: rec.name.clone(),
        claims: Value::Object(rec.claims.clone()),
        lifetime: rec.lifetime,
        allowed_clock_skew: rec.allowed_clock_skew,
        custom_signing_key: rec.custom_signing_key,
        signing_algorithm: rec.signing_algorithm.clone(),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

/// A template's claims, signing algorithm and custom signing key.
type TemplateFields = (Map<String, Value>, String, Option<String>);

/// Validates a template body.
fn template_fields(body: &Map<String, Value>) -> Result<TemplateFields, ApiError> {
    let claims = body.obj_of("claims").cloned().unwrap_or_default();
    if let Some(reserved) = RESERVED_CLAIMS.iter().find(|c| claims.contains_key(**c)) {
        return Err(ApiError::unprocessable(
            "jwt_template_reserved_claim",
            format!("The claim {reserved} is set by Clerk and cannot be part of a template."),
        )
        .param("claims"));
    }
    let custom = body.bool_of("custom_signing_key").unwrap_or(false);
    let algorithm = body
        .str_of("signing_algorithm")
        .unwrap_or("RS256")
        .to_owned();
    if !custom {
        return Ok((claims, "RS256".to_owned(), None));
    }
    let key = body
        .str_of("signing_key")
        .ok_or_else(|| ApiError::param_missing("signing_key"))?
        .to_owned();
    match algorithm.as_str() {
        "HS256" => {}
        "RS256" => {
            keys::sign_rs256_custom(&json!({}), &key).map_err(|e| {
                ApiError::format_invalid(
                    "signing_key",
                    format!("signing_key must be a PKCS#8 PEM RSA private key: {e}"),
                )
            })?;
        }
        other => {
            return Err(ApiError::value_invalid(
                "signing_algorithm",
                format!(
                    "clerk-testkit signs custom-key templates with HS256 or RS256, not {other}."
                ),
            ));
        }
    }
    Ok((claims, algorithm, Some(key)))
}

fn list_templates(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let mut items: Vec<&JwtTemplateRec> = st.jwt_templates.values().collect();
    items.sort_by_key(|t| (t.created_at, t.seq));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items.into_iter().map(render_template).collect();
    list_reply(data, total, call.query.paginated())
}

fn create_template(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let name = body.str_of("name").unwrap_or("").to_owned();
    let (claims, signing_algorithm, signing_key) = template_fields(body)?;
    let now = app.now();
    let id = app.id("jtmp_");
    let mut st = app.write();
    if st.idx.template_name.contains_key(&name) {
        return Err(ApiError::identifier_exists("name", "template name"));
    }
    let seq = st.next_seq();
    let rec = JwtTemplateRec {
        id: id.clone(),
        name: name.clone(),
        claims,
        lifetime: body.int_of("lifetime").unwrap_or(60),
        allowed_clock_skew: body.int_of("allowed_clock_skew").unwrap_or(5),
        custom_signing_key: signing_key.is_some(),
        signing_algorithm,
        signing_key,
        created_at: now,
        updated_at: now,
        seq,
    };
    let rendered = render_template(&rec);
    st.idx.template_name.insert(name, id.clone());
    st.jwt_templates.insert(id, rec);
    Reply::ok(&rendered)
}

fn get_template(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .jwt_templates
        .get(call.param("template_id"))
        .ok_or_else(|| ApiError::not_found("JWT template"))?;
    Reply::ok(&render_template(rec))
}

fn update_template(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("template_id").to_owned();
    let name = body.str_of("name").unwrap_or("").to_owned();
    let (claims, signing_algorithm, signing_key) = template_fields(body)?;
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    if st
        .idx
        .template_name
        .get(&name)
        .is_some_and(|owner| *owner != id)
    {
        return Err(ApiError::identifier_exists("name", "template name"));
    }
    let rec = st
        .jwt_templates
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("JWT template"))?;
    st.idx.template_name.remove(&rec.name);
    st.idx.template_name.insert(name.clone(), id.clone());
    rec.name = name;
    rec.claims = claims;
    if let Some(v) = body.int_of("lifetime") {
        rec.lifetime = v;
    }
    if let Some(v) = body.int_of("allowed_clock_skew") {
        rec.allowed_clock_skew = v;
    }
    rec.custom_signing_key = signing_key.is_some();
    rec.signing_algorithm = signing_algorithm;
    rec.signing_key = signing_key;
    rec.updated_at = now;
    Reply::ok(&render_template(rec))
}

fn delete_template(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("template_id");
    let mut st = app.write();
    let rec = st
        .jwt_templates
        .remove(id)
        .ok_or_else(|| ApiError::not_found("JWT template"))?;
    st.idx.template_name.remove(&rec.name);
    Reply::ok(&render::deleted("jwt_template", id))
}

// ---- JWKS ---------------------------------------------------------------------------------

fn jwks(app: &App, _call: &mut Call) -> Result<Reply, ApiError> {
    Reply::ok(&app.keys.jwks())
}
