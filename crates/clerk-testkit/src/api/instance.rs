//! Instance-level resources: invitations, allowlist and blocklist identifiers, redirect URLs,
//! sign-in tokens and actor tokens.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::users::SortKey;
use super::{Call, Op, Reply, list_reply, metadata, page, sort_page};
use crate::app::App;
use crate::error::ApiError;
use crate::render;
use crate::state::{IdentifierRec, InvitationRec, RedirectRec, State, TicketRec};
use crate::util::{is_e164, is_email};
use crate::validate::{BodyExt, Field, PAGE, Ty};

const TEMPLATE_SLUGS: &[&str] = &["invitation", "waitlist_invitation"];
const INVITATION_STATUS: &[&str] = &["pending", "accepted", "revoked", "expired"];

const CREATE_INVITATION: &[Field] = &[
    Field::req("email_address", Ty::Str),
    Field::opt("public_metadata", Ty::Obj),
    Field::opt("redirect_url", Ty::Str),
    Field::opt("notify", Ty::Bool).null(),
    Field::opt("ignore_existing", Ty::Bool).null(),
    Field::opt("expires_in_days", Ty::Int).null().range(1, 365),
    Field::opt("template_slug", Ty::Enum(TEMPLATE_SLUGS)),
];
const BULK_INVITATION: &[Field] = &[
    Field::req("email_address", Ty::Str),
    Field::opt("public_metadata", Ty::Obj).null(),
    Field::opt("redirect_url", Ty::Str).null(),
    Field::opt("notify", Ty::Bool).null(),
    Field::opt("ignore_existing", Ty::Bool).null(),
    Field::opt("expires_in_days", Ty::Int).null().range(1, 365),
    Field::opt("template_slug", Ty::Enum(TEMPLATE_SLUGS)),
];
const LIST_INVITATIONS: &[Field] = &[
    Field::opt("status", Ty::Enum(INVITATION_STATUS)),
    Field::opt("query", Ty::Str),
    Field::opt("order_by", Ty::Str),
    Field::opt("paginated", Ty::Bool),
    PAGE[0],
    PAGE[1],
];
const LIST_PAGINATED: &[Field] = &[Field::opt("paginated", Ty::Bool), PAGE[0], PAGE[1]];
const CREATE_ALLOWLIST: &[Field] = &[
    Field::req("identifier", Ty::Str),
    Field::opt("notify", Ty::Bool),
];
const CREATE_BLOCKLIST: &[Field] = &[Field::req("identifier", Ty::Str)];
const CREATE_REDIRECT: &[Field] = &[Field::req("url", Ty::Str)];
const CREATE_SIGN_IN_TOKEN: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::opt("org_id", Ty::Str).null(),
    Field::opt("expires_in_seconds", Ty::Int).null().min(1),
];
const ACTOR: &[Field] = &[Field::req("sub", Ty::Str)];
const CREATE_ACTOR_TOKEN: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::req("actor", Ty::Nested(ACTOR, true)),
    Field::opt("expires_in_seconds", Ty::Int),
    Field::opt("session_max_duration_in_seconds", Ty::Int),
];

/// The instance-level operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("ListInvitations", list_invitations).query(LIST_INVITATIONS),
    Op::new("CreateInvitation", create_invitation).body(CREATE_INVITATION),
    Op::new("CreateBulkInvitations", create_invitations).array_body(BULK_INVITATION),
    Op::new("RevokeInvitation", revoke_invitation),
    Op::new("ListAllowlistIdentifiers", list_allowlist).query(LIST_PAGINATED),
    Op::new("CreateAllowlistIdentifier", create_allowlist).body(CREATE_ALLOWLIST),
    Op::new("DeleteAllowlistIdentifier", delete_allowlist),
    Op::new("ListBlocklistIdentifiers", list_blocklist),
    Op::new("CreateBlocklistIdentifier", create_blocklist).body(CREATE_BLOCKLIST),
    Op::new("DeleteBlocklistIdentifier", delete_blocklist),
    Op::new("ListRedirectURLs", list_redirects).query(LIST_PAGINATED),
    Op::new("CreateRedirectURL", create_redirect).body(CREATE_REDIRECT),
    Op::new("GetRedirectURL", get_redirect),
    Op::new("DeleteRedirectURL", delete_redirect),
    Op::new("CreateSignInToken", create_sign_in_token).body(CREATE_SIGN_IN_TOKEN),
    Op::new("RevokeSignInToken", revoke_sign_in_token),
    Op::new("CreateActorToken", create_actor_token).body(CREATE_ACTOR_TOKEN),
    Op::new("RevokeActorToken", revoke_actor_token),
];

const DAY_MS: i64 = 24 * 3600 * 1000;

// ---- invitations --------------------------------------------------------------------------

fn new_invitation(
    app: &App,
    st: &mut State,
    body: &Map<String, Value>,
) -> Result<InvitationRec, ApiError> {
    let email = body.str_of("email_address").unwrap_or("").to_owned();
    if !is_email(&email) {
        return Err(ApiError::format_invalid(
            "email_address",
            "email_address must be a valid email address.",
        ));
    }
    let now = app.now();
    let lower = email.to_lowercase();
    if !body.bool_of("ignore_existing").unwrap_or(false) {
        if st.idx.email.contains_key(&lower) {
            return Err(ApiError::identifier_exists(
                "email_address",
                "email address",
            ));
        }
        if st.invitations.values().any(|i| {
            i.email.to_lowercase() == lower
                && render::invitation_status(&i.status, i.expires_at, now) == "pending"
        }) {
            return Err(ApiError::unprocessable(
                "duplicate_record",
                "There is already a pending invitation for this email address.",
            )
            .param("email_address"));
        }
    }
    let days = body.int_of("expires_in_days").unwrap_or(30);
    Ok(InvitationRec {
        id: app.id("inv_"),
        email,
        public_metadata: metadata(body, "public_metadata"),
        status: "pending".to_owned(),
        redirect_url: body.str_of("redirect_url").map(str::to_owned),
        expires_at: Some(now.saturating_add(days.saturating_mul(DAY_MS))),
        created_at: now,
        updated_at: now,
        seq: st.next_seq(),
    })
}

fn create_invitation(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let rec = new_invitation(app, &mut st, call.obj())?;
    let rendered = render::invitation(&rec, app.now());
    st.invitations.insert(rec.id.clone(), rec);
    Reply::ok(&rendered)
}

fn create_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let items: Vec<Map<String, Value>> = call
        .body
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
        .unwrap_or_default();
    let now = app.now();
    let mut st = app.write();
    let mut recs: Vec<InvitationRec> = Vec::with_capacity(items.len());
    for body in &items {
        let rec = new_invitation(app, &mut st, body)?;
        if recs
            .iter()
            .any(|r| r.email.eq_ignore_ascii_case(&rec.email))
        {
            return Err(ApiError::unprocessable(
                "duplicate_record",
                "The same email address appears twice in the request.",
            )
            .param("email_address"));
        }
        recs.push(rec);
    }
    let data: Vec<_> = recs.iter().map(|r| render::invitation(r, now)).collect();
    for rec in recs {
        st.invitations.insert(rec.id.clone(), rec);
    }
    Reply::ok(&data)
}

fn list_invitations(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let q = &call.query;
    let now = app.now();
    let st = app.read();
    let text = q.str("query").map(str::to_lowercase);
    let items: Vec<&InvitationRec> = st
        .invitations
        .values()
        .filter(|i| {
            q.str("status")
                .is_none_or(|s| render::invitation_status(&i.status, i.expires_at, now) == s)
        })
        .filter(|i| {
            text.as_deref()
                .is_none_or(|t| i.email.to_lowercase().contains(t))
        })
        .collect();
    let (items, total) = sort_page(
        items,
        q,
        &["created_at", "email_address", "expires_at"],
        "-created_at",
        |i, f| {
            let key = match f {
                "email_address" => SortKey::Text(i.email.to_lowercase()),
                "expires_at" => SortKey::opt_int(i.expires_at),
                _ => SortKey::Int(i.created_at),
            };
            (key, i.seq)
        },
    )?;
    let data: Vec<_> = items
        .into_iter()
        .map(|i| render::invitation(i, now))
        .collect();
    list_reply(data, total, q.paginated())
}

fn revoke_invitation(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let now = app.now();
    let mut st = app.write();
    let rec = st
        .invitations
        .get_mut(call.param("invitation_id"))
        .ok_or_else(|| ApiError::not_found("Invitation"))?;
    if render::invitation_status(&rec.status, rec.expires_at, now) != "pending" {
        return Err(ApiError::bad_request(
            "invitation_not_pending",
            "Only pending invitations can be revoked.",
        ));
    }
    rec.status = "revoked".to_owned();
    rec.updated_at = now;
    Reply::ok(&render::invitation(rec, now))
}

// ---- allowlist and blocklist --------------------------------------------------------------

fn identifier_type(identifier: &str) -> Result<&'static str, ApiError> {
    let web3 = identifier.len() == 42
        && identifier.starts_with("0x")
        && identifier[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if web3 {
        Ok("web3_wallet")
    } else if is_e164(identifier) {
        Ok("phone_number")
    } else if is_email(identifier) || is_email(&identifier.replacen('*', "x", 1)) {
        Ok("email_address")
    } else {
        Err(ApiError::format_invalid(
            "identifier",
            "identifier must be an email address (or *@domain), an E.164 phone number or a web3 wallet.",
        ))
    }
}

#[derive(Serialize)]
struct Identifier<'a> {
    object: &'static str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    invitation_id: Option<&'a str>,
    identifier: &'a str,
    identifier_type: &'a str,
    instance_id: &'a str,
    created_at: i64,
    updated_at: i64,
}

fn render_identifier<'a>(
    app: &'a App,
    object: &'static str,
    rec: &'a IdentifierRec,
) -> Identifier<'a> {
    Identifier {
        object,
        id: &rec.id,
        invitation_id: None,
        identifier: &rec.identifier,
        identifier_type: &rec.identifier_type,
        instance_id: &app.settings.instance_id,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    }
}

fn new_identifier(app: &App, st: &mut State, identifier: &str) -> Result<IdentifierRec, ApiError> {
    let identifier_type = identifier_type(identifier)?;
    let now = app.now();
    Ok(IdentifierRec {
        id: app.id("alid_"),
        identifier: identifier.to_owned(),
        identifier_type: identifier_type.to_owned(),
        created_at: now,
        updated_at: now,
        seq: st.next_seq(),
    })
}

fn create_allowlist(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let identifier = call
        .obj()
        .str_of("identifier")
        .unwrap_or("")
        .trim()
        .to_owned();
    let mut st = app.write();
    if st
        .allowlist
        .values()
        .any(|i| i.identifier.eq_ignore_ascii_case(&identifier))
    {
        return Err(ApiError::unprocessable(
            "duplicate_record",
            "This identifier is already on the allowlist.",
        )
        .param("identifier"));
    }
    let rec = new_identifier(app, &mut st, &identifier)?;
    let body = serde_json::to_vec(&render_identifier(app, "allowlist_identifier", &rec))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    st.allowlist.insert(rec.id.clone(), rec);
    Ok(Reply {
        status: 200,
        body: body.into(),
    })
}

fn list_allowlist(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let mut items: Vec<&IdentifierRec> = st.allowlist.values().collect();
    items.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.seq)));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items
        .into_iter()
        .map(|i| render_identifier(app, "allowlist_identifier", i))
        .collect();
    list_reply(data, total, call.query.paginated())
}

fn delete_allowlist(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("identifier_id");
    app.write()
        .allowlist
        .remove(id)
        .ok_or_else(|| ApiError::not_found("Allowlist identifier"))?;
    Reply::ok(&render::deleted("allowlist_identifier", id))
}

fn create_blocklist(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let identifier = call
        .obj()
        .str_of("identifier")
        .unwrap_or("")
        .trim()
        .to_owned();
    let mut st = app.write();
    if st
        .blocklist
        .values()
        .any(|i| i.identifier.eq_ignore_ascii_case(&identifier))
    {
        return Err(ApiError::unprocessable(
            "duplicate_record",
            "This identifier is already on the blocklist.",
        )
        .param("identifier"));
    }
    let mut rec = new_identifier(app, &mut st, &identifier)?;
    rec.id = app.id("blid_");
    let body = serde_json::to_vec(&render_identifier(app, "blocklist_identifier", &rec))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    st.blocklist.insert(rec.id.clone(), rec);
    Ok(Reply {
        status: 200,
        body: body.into(),
    })
}

fn list_blocklist(app: &App, _call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let mut items: Vec<&IdentifierRec> = st.blocklist.values().collect();
    items.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.seq)));
    let total = items.len();
    let data: Vec<_> = items
        .into_iter()
        .map(|i| render_identifier(app, "blocklist_identifier", i))
        .collect();
    list_reply(data, total, true)
}

fn delete_blocklist(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("identifier_id");
    app.write()
        .blocklist
        .remove(id)
        .ok_or_else(|| ApiError::not_found("Blocklist identifier"))?;
    Reply::ok(&render::deleted("blocklist_identifier", id))
}

// ---- redirect URLs ------------------------------------------------------------------------

fn render_redirect(rec: &RedirectRec) -> clerk_api::models::RedirectUrl {
    clerk_api::models::RedirectUrl {
        object: "redirect_url".to_owned(),
        id: rec.id.clone(),
        url: rec.url.clone(),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

fn create_redirect(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let url = call.obj().str_of("url").unwrap_or("").trim().to_owned();
    let valid = url
        .split_once("://")
        .is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty())
        && !url.contains(char::is_whitespace);
    if !valid {
        return Err(ApiError::format_invalid(
            "url",
            "url must be an absolute URL, such as https://example.com/callback.",
        ));
    }
    let now = app.now();
    let mut st = app.write();
    if st.redirect_urls.values().any(|r| r.url == url) {
        return Err(ApiError::unprocessable(
            "duplicate_record",
            "This redirect URL already exists.",
        )
        .param("url"));
    }
    let rec = RedirectRec {
        id: app.id("ru_"),
        url,
        created_at: now,
        updated_at: now,
        seq: st.next_seq(),
    };
    let rendered = render_redirect(&rec);
    st.redirect_urls.insert(rec.id.clone(), rec);
    Reply::ok(&rendered)
}

fn list_redirects(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let mut items: Vec<&RedirectRec> = st.redirect_urls.values().collect();
    items.sort_by_key(|r| (r.created_at, r.seq));
    let (items, total) = page(items, &call.query);
    let data: Vec<_> = items.into_iter().map(render_redirect).collect();
    list_reply(data, total, call.query.paginated())
}

fn get_redirect(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .redirect_urls
        .get(call.param("id"))
        .ok_or_else(|| ApiError::not_found("Redirect URL"))?;
    Reply::ok(&render_redirect(rec))
}

fn delete_redirect(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("id");
    app.write()
        .redirect_urls
        .remove(id)
        .ok_or_else(|| ApiError::not_found("Redirect URL"))?;
    Reply::ok(&render::deleted("redirect_url", id))
}

// ---- sign-in and actor tokens -------------------------------------------------------------

#[derive(Serialize)]
struct TicketClaims<'a> {
    sub: &'a str,
    sid: &'a str,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    act: Option<&'a Value>,
}

fn ticket_url(app: &App, token: &str) -> String {
    format!(
        "{}/v1/tickets/accept?ticket={token}",
        app.settings.frontend_url
    )
}

fn new_ticket(
    app: &App,
    id: String,
    user_id: &str,
    actor: Option<Value>,
    lifetime_secs: i64,
) -> Result<TicketRec, ApiError> {
    let now = app.now();
    let expires_at = now.saturating_add(lifetime_secs.saturating_mul(1000));
    let token = app
        .keys
        .sign(
            &TicketClaims {
                sub: user_id,
                sid: &id,
                exp: expires_at.div_euclid(1000),
                iat: now.div_euclid(1000),
                act: actor.as_ref(),
            },
            "cl_I7d4PD111III",
        )
        .map_err(ApiError::internal)?;
    Ok(TicketRec {
        id,
        user_id: user_id.to_owned(),
        status: "pending".to_owned(),
        token,
        actor,
        expires_at,
        created_at: now,
        updated_at: now,
    })
}

fn render_sign_in_token(
    app: &App,
    rec: &TicketRec,
    with_token: bool,
) -> clerk_api::models::SignInToken {
    clerk_api::models::SignInToken {
        object: "sign_in_token".to_owned(),
        id: rec.id.clone(),
        status: clerk_api::models::TokenStatus::from(rec.status.as_str()),
        user_id: rec.user_id.clone(),
        token: with_token.then(|| rec.token.clone()),
        url: with_token.then(|| ticket_url(app, &rec.token)),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

fn create_sign_in_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let user_id = body.str_of("user_id").unwrap_or("");
    let lifetime = body.int_of("expires_in_seconds").unwrap_or(2_592_000);
    let mut st = app.write();
    if !st.users.contains_key(user_id) {
        return Err(ApiError::not_found("User").param("user_id"));
    }
    if let Some(org_id) = body.str_of("org_id") {
        if !st.orgs.contains_key(org_id) {
            return Err(ApiError::not_found("Organization").param("org_id"));
        }
    }
    let rec = new_ticket(app, app.id("sit_"), user_id, None, lifetime)?;
    let rendered = render_sign_in_token(app, &rec, true);
    st.sign_in_tokens.insert(rec.id.clone(), rec);
    Reply::ok(&rendered)
}

fn revoke_ticket(app: &App, rec: &mut TicketRec) -> Result<(), ApiError> {
    if rec.status != "pending" {
        return Err(ApiError::bad_request(
            "ticket_not_pending",
            format!(
                "Only pending tokens can be revoked; this one is {}.",
                rec.status
            ),
        ));
    }
    rec.status = "revoked".to_owned();
    rec.updated_at = app.now();
    Ok(())
}

fn revoke_sign_in_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let rec = st
        .sign_in_tokens
        .get_mut(call.param("sign_in_token_id"))
        .ok_or_else(|| ApiError::not_found("Sign-in token"))?;
    revoke_ticket(app, rec)?;
    Reply::ok(&render_sign_in_token(app, rec, false))
}

fn render_actor_token(
    app: &App,
    rec: &TicketRec,
    with_token: bool,
) -> clerk_api::models::ActorToken {
    clerk_api::models::ActorToken {
        object: "actor_token".to_owned(),
        id: rec.id.clone(),
        status: clerk_api::models::TokenStatus::from(rec.status.as_str()),
        user_id: rec.user_id.clone(),
        actor: rec.actor.clone().unwrap_or_else(|| json!({})),
        token: with_token.then(|| rec.token.clone()),
        url: with_token.then(|| ticket_url(app, &rec.token)),
        created_at: rec.created_at.into(),
        updated_at: rec.updated_at.into(),
    }
}

fn create_actor_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let user_id = body.str_of("user_id").unwrap_or("");
    let actor = body.get("actor").cloned();
    let lifetime = body.int_of("expires_in_seconds").unwrap_or(3600);
    let mut st = app.write();
    if !st.users.contains_key(user_id) {
        return Err(ApiError::not_found("User").param("user_id"));
    }
    let rec = new_ticket(app, app.id("act_"), user_id, actor, lifetime)?;
    let rendered = render_actor_token(app, &rec, true);
    st.actor_tokens.insert(rec.id.clone(), rec);
    Reply::ok(&rendered)
}

fn revoke_actor_token(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let mut st = app.write();
    let rec = st
        .actor_tokens
        .get_mut(call.param("actor_token_id"))
        .ok_or_else(|| ApiError::not_found("Actor token"))?;
    revoke_ticket(app, rec)?;
    Reply::ok(&render_actor_token(app, rec, false))
}

/// Redeems a pending sign-in or actor token (the Frontend API's part, offered by the testkit
/// API): marks it accepted and starts a session (an impersonation session for actor tokens).
pub(crate) fn redeem_ticket(
    app: &App,
    token: &str,
    meta: &crate::app::RequestMeta,
) -> Result<clerk_api::models::Session, ApiError> {
    let now = app.now();
    let (user_id, actor) = {
        let mut st = app.write();
        let st = &mut *st;
        let rec = st
            .sign_in_tokens
            .values_mut()
            .chain(st.actor_tokens.values_mut())
            .find(|t| t.token == token)
            .ok_or_else(|| ApiError::not_found("Ticket"))?;
        if rec.status != "pending" || now >= rec.expires_at {
            return Err(ApiError::bad_request(
                "ticket_invalid",
                "The ticket was already used, revoked, or has expired.",
            ));
        }
        rec.status = "accepted".to_owned();
        rec.updated_at = now;
        (rec.user_id.clone(), rec.actor.clone())
    };
    super::sessions::create_session_for(app, &user_id, None, actor, meta)
}
